"""The bairi commands: parse options, call the core, show the result, choose the exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, cast

import typer

from bairi import cli_options as opt
from bairi.cli_zh import ChineseTyper
from bairi.present.console import console as _console
from bairi.present.console import json_text

if TYPE_CHECKING:
    from rich.console import Console

    from bairi.core.campaign import Campaign
    from bairi.core.home import Home, Run
    from bairi.intake.imap import Session
    from bairi.state.checking import Inspection
    from bairi.state.standing import CampaignState

app = ChineseTyper(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="百日攻坚报表助手：检查、汇总、催报各镇报送的“工作报告表”。",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


class ExitCode(IntEnum):
    """What the exit status tells a script."""

    OK = 0
    FINDINGS = 1
    USAGE = 2


def _fail(message: str) -> NoReturn:
    """The clerk's mistake said in Chinese on stderr; exit status 2."""
    from rich.text import Text

    # Text, not markup: the message names paths (D:\收件箱\[12月]\…) that must print as they are; soft_wrap:
    # redirected to a file it stays one line, not cut at column 80 in the middle of a name.
    _console(stderr=True).print(Text.assemble(("错误：", "bold red"), message), soft_wrap=True)
    raise typer.Exit(ExitCode.USAGE)


class _refusing:  # lower case: read as a statement, as contextlib.suppress is
    """`with _refusing(SomeError, ...):` one of those errors raised inside is the clerk's mistake: said as it reads
    (or as `said` words it) on stderr, exit status 2."""

    def __init__(self, *kinds: type[Exception], said: Callable[[Exception], str] = str) -> None:  # noqa: D107
        self.kinds, self.said = kinds, said

    def __enter__(self) -> None:
        return None

    # Returns None, never True: nothing is swallowed, so a `return` inside the block stays the only way on.
    def __exit__(self, kind: object, exc: BaseException | None, trace: object) -> None:
        if isinstance(exc, self.kinds):
            _fail(self.said(exc))


def _writing(path: Path) -> _refusing:
    """An OSError while writing `path` said as 无法写出 `path` and why."""
    return _refusing(OSError, said=lambda exc: f"无法写出 {path}：{getattr(exc, 'strerror', None) or exc}")


def _campaign(config: Path | None) -> Campaign:
    from bairi.core.campaign import ConfigError, load_campaign
    from bairi.core.form import FormError

    try:
        # Its form is resolved as it is loaded: a wrong form file is said here, exit 2.
        return load_campaign(config)
    except (ConfigError, FormError) as exc:
        _fail(str(exc))


def _config_here(config: Path | None) -> Path | None:
    """--config, else ./bairi.toml, else the bairi.toml of the campaign home this is run inside (a town's return
    checked in 收件箱/ is read by the home's form), else None (the built-in campaign)."""
    from bairi.core.campaign import CONFIG_NAME

    if config is not None or (Path.cwd() / CONFIG_NAME).is_file():
        return config
    found = _found_home(None)
    return found.config if found else None


def _run(home: Path | None, paths: list[Path] | None, config: Path | None, ledger: Path | None = None,
         logbook: Path | None = None) -> Run:
    """What this command reads: the inputs and files given, else the campaign home's (core.home)."""
    from bairi.core.home import HomeError, find_home, run_in
    from bairi.intake.ledger import LEDGER_NAME

    with _refusing(HomeError):
        return run_in(find_home(None, home), paths, config, ledger, logbook, LEDGER_NAME)


def _found_home(named: Path | None) -> Home | None:
    """The campaign home named with --home, else found upward from here, else None."""
    from bairi.core.home import HomeError, find_home

    with _refusing(HomeError):
        return find_home(None, named)


def _output(run: Run, output: Path | None, name: str, what: str) -> Path:
    """-o, else `name` in the home's 上报/."""
    from bairi.core.home import HomeError, output_in

    with _refusing(HomeError):
        return output_in(run, output, name, what)


def _print_json(document: object, command: str) -> None:
    """One JSON document on stdout: the command's document model (`bairi schema COMMAND`), as built."""
    from bairi.present.documents import DOCUMENTS
    from bairi.present.report import dumps

    # A command prints only the model its schema describes; anything else is a bug, not output.
    assert isinstance(document, DOCUMENTS[command]), (command, type(document))
    sys.stdout.write(json_text(dumps(document.model_dump(mode="json"))) + "\n")


@app.command()
def check(
    paths: opt.Paths,
    fmt: opt.OutputFormat = opt.Format.table,
    period: opt.Period = None,
    reply: opt.Reply = None,
    config: opt.Config = None,
) -> None:
    """检查一份或多份报表（或 .zip 压缩包、邮件 .eml/.mbox 中的报表），指出需要修改的单元格。

    Example: bairi check 巴公镇12月份百日攻坚报表.xlsx --reply 退回/
    """
    from bairi.intake.discover import MissingInput
    from bairi.state.checking import check_inputs

    campaign = _campaign(_config_here(config))
    with _refusing(MissingInput):
        found = check_inputs(paths, campaign, datetime.now(UTC), period)
    returns = found.returns
    drafted = _send_back(reply, found, campaign) if reply else {}
    if fmt is opt.Format.json:
        from bairi.present.documents import CheckOutput
        from bairi.present.report import check_document

        documents = [check_document(r, drafted.get(id(r))) for r in returns]
        _print_json(CheckOutput(documents[0] if len(documents) == 1 else documents), "check")
    else:
        from bairi.present.report import show_returns

        console = _console()
        if not returns and not found.notes:
            console.print("没有找到报表文件（.xlsx .xls .et .ods 等）。")
        show_returns(console, returns)
        for where, why in drafted.values():
            console.print(f"已写出退回邮件草稿：{where}" if where else "", f"（{why}）" if where and why else why or "",
                          sep="", markup=False)
    # What was not checked, said as merge says it (on stderr beside JSON: stdout holds the one document).
    notes = _console(stderr=fmt is opt.Format.json)
    for note in found.notes:
        notes.print(f"未检查 {note.message}", style="dim", markup=False)
    if not returns:
        # Only materials or skipped files: nothing to send back, but nothing checked either, unless a material was.
        raise typer.Exit(ExitCode.OK if any(n.code == "D790" for n in found.notes) else ExitCode.USAGE)
    if any(r.unreadable for r in returns):
        raise typer.Exit(ExitCode.USAGE)
    raise typer.Exit(ExitCode.OK if all(r.ok for r in returns) else ExitCode.FINDINGS)


def _send_back(target: str, found: Inspection, campaign: Campaign) -> dict[int, tuple[str | None, str | None]]:
    """check --reply: a 退回 draft for each return with errors (the mail modules loaded only for this)."""
    from bairi.present.drafts import DraftsRefused, send_back

    with _refusing(DraftsRefused):
        return send_back(target, found.returns, found.sources, campaign, datetime.now(UTC), _session)


@app.command()
def template(
    output: opt.TemplateOutput,
    town: opt.TemplateTown = None,
    all_towns: opt.TemplateAllTowns = False,
    period: opt.Period = None,
    config: opt.Config = None,
) -> None:
    """生成空白“工作报告表”模板（带下拉选项和数据校验），供各镇填写；给出 --period 时标题和文件名写上月份。

    Example: bairi template --town 巴公镇 --period 2023-12 -o 巴公镇12月报告表.xlsx
    """
    from bairi.write.layout import TemplateAsk, template_period, template_town, write_template, write_templates

    campaign = _campaign(_config_here(config))
    console = _console()
    with _refusing(TemplateAsk):
        period = template_period(campaign, period)
        if all_towns:
            if output.suffix.lower() == ".xlsx":
                _fail("使用 --all 时 -o 应为文件夹")
            for target in write_templates(output, campaign, period):
                console.print(f"已生成空白报告表模板 {target}")
            raise typer.Exit(ExitCode.OK)
        town = template_town(campaign, town)
    if output.suffix.lower() != ".xlsx":
        _fail("模板只能保存为 .xlsx 文件")
    with _writing(output):
        write_template(output, campaign, town, period)
    console.print(f"已生成空白报告表模板 {output}")


@app.command()
def init(
    folder: opt.InitFolder = None,
    output: opt.InitOutput = Path("bairi.toml"),
    force: opt.InitForce = False,
    notice: opt.Notice = None,
    attachment: opt.Attachment = None,
    units: opt.Units = None,
    yes: opt.Yes = False,
    fmt: opt.OutputFormat = opt.Format.table,
) -> None:
    """建立百日攻坚工作文件夹（给出文件夹时），或在当前目录只写出可编辑的行动配置 bairi.toml。

    Example: bairi init 百日攻坚

    Example: bairi init 百日攻坚 --from 通知.docx --form 附件.xlsx --units 各镇.txt
    """
    from bairi.core.atomic import write_atomic
    from bairi.core.campaign import default_campaign
    from bairi.present.render import campaign_toml

    if notice is not None:
        _init_from_notice(folder or Path("."), notice, attachment, units, yes, force, fmt)
    if folder is not None:
        from bairi.core.home import HomeError, create_home

        with _refusing(HomeError):
            made = create_home(folder, campaign_toml(default_campaign()), force)
        _console().print(f"已建立工作文件夹 {folder}（{'、'.join(p.name for p in made)}、收件箱/、上报/）；"
                         f"把各镇来件放进 {folder / '收件箱'}，在该文件夹中运行 bairi status 查看今日待办。", markup=False)
        raise typer.Exit(ExitCode.OK)
    if output.exists() and not force:
        _fail(f"{output} 已存在；如要覆盖请加 --force")
    with _writing(output):
        write_atomic(output, campaign_toml(default_campaign()).encode("utf-8"))
    _console().print(f"已写出行动配置 {output}，修改后各命令会自动使用它。")


def _init_from_notice(directory: Path, notice: Path, attachment: Path | None, units: Path | None, yes: bool,
                      force: bool, fmt: opt.Format) -> NoReturn:
    """bairi init DIR --from NOTICE: the notice's facts shown with their sentences, confirmed, written into DIR."""
    from bairi.core.home import HomeError
    from bairi.notice.setup import learn_campaign
    from bairi.notice.text import NoticeError
    from bairi.present.notice import init_document, reviewed, write_home

    with _refusing(NoticeError, HomeError):
        learnt = learn_campaign(notice, attachment, units)
        if fmt is opt.Format.table:
            learnt = reviewed(learnt, _console(), None if yes else _confirm)
        # JSON is for a script to show someone: nothing in it was confirmed, so without --yes nothing is written.
        files = write_home(directory, learnt, force) if yes or fmt is opt.Format.table else []
    if fmt is opt.Format.json:
        _print_json(init_document(learnt, directory, list(files)), "init")
        if not yes:
            _console(stderr=True).print("未写出任何文件：以上是从通知读出的内容，核对无误后加 --yes 写出。", markup=False)
    else:
        _console().print(f"已写出 {'、'.join(str(p) for p in files)}")
    # Facts the notice does not state are placeholders every command refuses: the set-up is not finished.
    raise typer.Exit(ExitCode.FINDINGS if learnt.missing or not files else ExitCode.OK)


def _confirm(question: str, default: str) -> str:
    """One answer to the set-up's confirm step, asked at the terminal (refused when there is none to ask at)."""
    if not (sys.stdin.isatty() and _console().is_terminal):
        _fail("不在终端中运行，无法逐项确认：请看过以上内容后加 --yes 采用")
    return cast(str, typer.prompt(question, default=default, show_default=bool(default)))


def _state(run: Run, campaign: Campaign, as_of: date | None, no_ledger: bool = False, output: Path | None = None,
           console: Console | None = None, watch: bool = False, record: bool = False) -> CampaignState:
    """The one campaign state for this run (state.inputs), with a progress bar on `console` when `watch`."""
    from bairi.present.console import ProgressBar
    from bairi.state.inputs import StateRefused, read_state

    with _refusing(StateRefused), ProgressBar(console, watch) as progress:
        return read_state(run.inputs, campaign, datetime.now(UTC), as_of, run.ledger, not no_ledger, run.logbook, output,
                          record, progress)


def _today(campaign: Campaign) -> date:
    """Today in the campaign's time zone (the default as-of day)."""
    from bairi.core.calendar import local

    return local(datetime.now(UTC), campaign).date()


@app.command()
def merge(
    paths: opt.Inputs = None,
    output: opt.MergeOutput = None,
    period: opt.Period = None,
    filler: opt.Filler = None,
    as_of: opt.AsOf = None,
    csv: opt.Csv = None,
    fmt: opt.OutputFormat = opt.Format.table,
    ledger: opt.Ledger = None,
    no_ledger: opt.NoLedger = False,
    logbook: opt.Logbook = None,
    form: opt.FormFile = None,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """汇总各镇报表，生成全县“工作报告表”及分镇明细、数据来源、问题清单和图表。

    Example: bairi merge 收件箱/12月 -o 泽州县_2023-12.xlsx --as-of 2023-12-26
    """
    from bairi.core.home import default_name
    from bairi.merge.consolidate import latest_period
    from bairi.present import sendup

    run = _run(home, paths, config, ledger, logbook)
    campaign = _campaign(run.config)
    named = output
    if run.home is None and output is None:
        _output(run, None, f"{campaign.authority_short}_{period or '2023-12'}.xlsx", "汇总表输出文件（.xlsx）")
    if output is not None and output.suffix.lower() != ".xlsx":
        _fail("汇总表只能保存为 .xlsx 文件（-o 文件名应以 .xlsx 结尾）")
    if csv is not None and csv.suffix.lower() != ".csv":
        _fail("--csv 文件名应以 .csv 结尾")
    console = _console(stderr=fmt is opt.Format.json)
    state = _state(run, campaign, as_of, no_ledger, named, console, watch=fmt is opt.Format.table)
    output = _output(run, named, default_name("merge", campaign.authority_short, period or latest_period(state)),
                     "汇总表输出文件（.xlsx）")
    with _refusing(sendup.SendupError):
        result = sendup.merge_county(state, period, campaign, output, _ledger_path(run), filler, form, csv)
    if fmt is opt.Format.json:
        _print_json(sendup.merge_document(result, output, csv), "merge")
    else:
        sendup.show_county_merge(console, result, output, csv)
    raise typer.Exit(ExitCode.FINDINGS if sendup.troubled(result.merged) else ExitCode.OK)


def _ledger_path(run: Run) -> Path:
    """The ledger this run reads and records in: the one named or the home's, else beside the first input."""
    from bairi.intake.ledger import ledger_path

    return run.ledger or ledger_path(run.inputs)


@app.command()
def seal(
    args: opt.SealArgs = None,
    output: opt.SealOutput = None,
    as_of: opt.AsOf = None,
    by: opt.SealBy = None,
    filler: opt.Filler = None,
    show_list: opt.SealShowList = False,
    fmt: opt.OutputFormat = opt.Format.table,
    ledger: opt.Ledger = None,
    logbook: opt.Logbook = None,
    form: opt.FormFile = None,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """封存某月上报市局的汇总表：记下汇总表和每份报表的 SHA-256、收到时间、全县合计、各镇每个数字及其单元格、截至日期、封存人和时间。

    封存后不能修改；之后有镇更正，merge 会列出与封存相比的每处变化并写出更正说明，再次封存即为“更正”一轮。

    Example: bairi seal 2023-12 收件箱/ -o 泽州县_2023-12.xlsx --as-of 2023-12-26
    """
    from bairi.core.values import parse_period
    from bairi.present import sendup

    campaign = _campaign(config)
    words = list(args or [])
    if show_list:
        _list_seals(words, ledger, home, fmt, config)
    if not words:
        _fail("缺少报告期和收件文件夹，如：bairi seal 2023-12 收件箱/ -o 泽州县_2023-12.xlsx")
    with _refusing(ValueError):
        period = parse_period(words[0])
    run = _run(home, [Path(w) for w in words[1:]], config, ledger, logbook)
    if run.home is not None:
        campaign = _campaign(run.config)
    # In a home the sealed file has its own name: the merge's working copy beside it stays writable.
    output = _output(run, output, f"{campaign.authority_short}_{period}_上报.xlsx", "封存上报的汇总表")
    if output.suffix.lower() != ".xlsx":
        _fail("汇总表只能保存为 .xlsx 文件（-o 文件名应以 .xlsx 结尾）")
    console = _console(stderr=fmt is opt.Format.json)
    ledger_file = _ledger_path(run)
    state = _state(run, campaign, as_of, False, output, console, watch=fmt is opt.Format.table, record=True)
    with _refusing(sendup.SendupError):
        sealing = sendup.seal_county(state, period, campaign, output, ledger_file, filler, by, form, datetime.now(UTC))
    message = sendup.seal_message(sealing, period, output)
    if fmt is opt.Format.json:
        _print_json(sendup.seal_document(sealing, message), "seal")
    else:
        sendup.show_sealing(console, sealing, message)
    # Nothing sealed (nothing changed since the last seal) is not a finding.
    raise typer.Exit(ExitCode.FINDINGS if sealing.made is not None and sendup.troubled(sealing.merged) else ExitCode.OK)


def _list_seals(words: list[str], ledger: Path | None, home: Path | None, fmt: opt.Format,
                config: Path | None) -> NoReturn:
    """seal --list: the seals in the ledger, of the periods among `words` (the rest are the inputs beside it)."""
    from bairi.core.values import parse_period
    from bairi.present import corrections as fixes
    from bairi.present import sendup

    periods = [w for w in words if _looks_like_period(w)]
    where = [Path(w) for w in words if w not in periods]
    found_home = _found_home(home) if ledger is None and not where else None
    ledger_file = sendup.list_ledger(where, ledger, found_home)
    if ledger_file is None:
        _fail("请给出收件文件夹（封存记录在其中的收件台账里），或用 --ledger 指定台账文件")
    with _refusing(sendup.SendupError):
        found = sendup.listed_seals(ledger_file, {parse_period(p) for p in periods})
    if fmt is opt.Format.json:
        from bairi.core.formfile import problems

        # The seals' figures are by the home's form when the home's ledger is listed, as every other command's are.
        campaign = _campaign(config or (found_home.config if found_home else None))
        with _refusing(ValueError, said=lambda exc: f"台账 {ledger_file} 中的封存不是按当前表式记下的（{problems(exc)}）；"
                                                     "请用 --config 指定封存时所用的行动配置"):
            document = fixes.seals_document(found, str(ledger_file), campaign.form_spec)
        _print_json(document, "seal")
    else:
        fixes.show_seals(_console(), found, str(ledger_file))
    raise typer.Exit(ExitCode.OK)


def _looks_like_period(word: str) -> bool:
    """A word of seal's arguments that is a month typed, not a file or folder of that name."""
    from bairi.core.values import parse_period

    try:
        parse_period(word)
    except ValueError:
        return False
    return not Path(word).exists()


def main() -> None:
    """Console-script entry point: a bug shows as a short Chinese message, never a traceback."""
    from bairi.present.console import guard_streams

    guard_streams()
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        raise SystemExit(130) from None
    except BaseException as exc:  # noqa: BLE001 - the last line of defence for the clerk
        sys.stderr.write(f"bairi 内部错误（{type(exc).__name__}：{exc}）。输入文件未被修改；请把此信息和文件反馈给维护人员。\n")
        raise SystemExit(ExitCode.USAGE) from None


@app.command()
def deadlines(
    paths: opt.Inputs = None,
    fmt: opt.OutputFormat = opt.Format.table,
    as_of: opt.AsOf = None,
    remind: opt.Remind = None,
    signed: opt.Signed = None,
    remind_format: opt.DeadlinesRemindFormat = None,
    template_file: opt.DeadlinesTemplateFile = None,
    ledger: opt.Ledger = None,
    no_ledger: opt.NoLedger = False,
    logbook: opt.Logbook = None,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """列出各镇行动方案、月报表、工作总结、典型案例的报送情况（已报、迟报、退回、未报、待核实、缺件）及逾期未整改的重大隐患。

    Example: bairi deadlines 收件箱/ --as-of 2024-02-10 --remind 催报/
    """
    from bairi.deadlines.schedule import assess
    from bairi.present.drafts import DraftsRefused
    from bairi.present.reminders import deadlines_document, remind_towns, show_assessment
    from bairi.present.word import TemplateProblem, remind_formats

    run = _run(home, paths, config, ledger, logbook)
    campaign = _campaign(run.config)
    if remind is not None and Path(remind).is_file():
        _fail(f"--remind 应为文件夹，但 {remind} 是一个文件")
    if template_file is not None and not template_file.is_file():
        _fail(f"催报模板不存在：{template_file}")
    with _refusing(TemplateProblem):  # printed as text, not markup: nothing to escape
        formats = remind_formats(remind_format, template_file)
    result = assess(_state(run, campaign, as_of, no_ledger, record=True))
    written = None
    if remind is not None:
        from jinja2 import TemplateError

        # The notice's own refusals as they read (text, not markup: nothing to escape), then any other failure.
        with _refusing(OSError, ValueError, TemplateError, said="催报通知写出失败：{}".format), \
                _refusing(TemplateProblem, DraftsRefused):
            written = remind_towns(remind, result, template_file, formats, signed, datetime.now(UTC), _session)
    if fmt is opt.Format.json:
        _print_json(deadlines_document(result, written), "deadlines")
    else:
        show_assessment(_console(), result, written)
    raise typer.Exit(ExitCode.FINDINGS if result.overdue else ExitCode.OK)


@app.command()
def summary(
    paths: opt.Inputs = None,
    as_of: opt.AsOf = None,
    period: opt.Period = None,
    template_file: opt.SummaryTemplateFile = None,
    output: opt.SummaryOutput = None,
    pdf: opt.SummaryPdf = False,
    number: opt.SummaryNumber = None,
    attachment: opt.SummaryAttachment = None,
    signed: opt.Signed = None,
    fmt: opt.OutputFormat = opt.Format.table,
    ledger: opt.Ledger = None,
    no_ledger: opt.NoLedger = False,
    logbook: opt.Logbook = None,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """根据各镇报表汇总数据写出“百日攻坚”进展情况通报（全县合计、各镇排名、迟报未报、逾期重大隐患）。

    Example: bairi summary 收件箱/ --as-of 2023-12-26 -o 12月通报.docx --number 12
    """
    from bairi.present.summary import SummaryRefused, bulletin_for, summary_document, summary_request, write_bulletin

    run = _run(home, paths, config, ledger, logbook)
    campaign = _campaign(run.config)
    if output is None and run.home is not None:
        from bairi.core.home import default_name

        # In a home the bulletin is a file in 上报/, named for its day, as the clerk files it.
        day = as_of or _today(campaign)
        output = _output(run, None, default_name("summary", day=day, suffix=".pdf" if pdf else ".docx"), "通报")
        pdf = False
    with _refusing(SummaryRefused):  # printed as text, not markup: nothing to escape
        word = summary_request(output, template_file, pdf)
        state = _state(run, campaign, as_of, no_ledger)
        day = state.as_of
        bulletin = bulletin_for(state, campaign, period, number, attachment, signed)
        message = bulletin.message(day)
        if message is not None:
            if fmt is opt.Format.json:
                _print_json(summary_document(bulletin, day, None, None, [], message), "summary")
            else:
                _console(stderr=True).print(f"[bold yellow]注意：[/]{message}", markup=True)
            raise typer.Exit(ExitCode.FINDINGS)
        text, written = write_bulletin(bulletin, output, template_file, word, pdf)
    if fmt is opt.Format.json:
        _print_json(summary_document(bulletin, day, output, text, written), "summary")
    elif output is not None:
        from bairi.present.terminal import escape

        _console().print(f"已写出通报 {escape('、'.join(map(str, written)))}（{bulletin.merged.period}，截至 {day.isoformat()}）")
    else:
        sys.stdout.write(text)
    raise typer.Exit(ExitCode.OK)


@app.command()
def hazards(
    paths: opt.Inputs = None,
    as_of: opt.AsOf = None,
    output: opt.HazardsOutput = None,
    fmt: opt.OutputFormat = opt.Format.table,
    ledger: opt.Ledger = None,
    no_ledger: opt.NoLedger = False,
    logbook: opt.Logbook = None,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """重大隐患台账：逐项跟踪各镇报告的重大隐患（首次报告月份、各月列报、是否整改、是否逾期）。

    台账文件中县局填写的核查结果、销号日期、责任人、匹配确认、五到位、两级确认等列，下次运行时原样保留。

    Example: bairi hazards 收件箱/ --as-of 2024-01-31 -o 重大隐患台账.xlsx
    """
    from bairi.hazards.entries import overdue
    from bairi.present.hazards import (
        RegisterRefused,
        hazard_register,
        previous_register,
        register_document,
        show_register,
    )

    run = _run(home, paths, config, ledger, logbook)
    campaign = _campaign(run.config)
    kept = None
    if output is None and run.home is not None:
        from bairi.core.home import default_name, latest_output

        # A register is dated by its day; the clerk's columns carry on from the newest one already in 上报/.
        kept = latest_output(run.home, "重大隐患台账_", ".xlsx")
        day = as_of or _today(campaign)
        output = _output(run, None, default_name("hazards", day=day), "重大隐患台账")
    if output is not None and output.suffix.lower() != ".xlsx":
        _fail("台账只能保存为 .xlsx 文件（-o 文件名应以 .xlsx 结尾）")
    with _refusing(RegisterRefused):
        previous = previous_register(output, kept)
        register = hazard_register(_state(run, campaign, as_of, no_ledger), campaign, previous, output)
    if fmt is opt.Format.json:
        _print_json(register_document(register, output), "hazards")
    else:
        show_register(_console(), register, output)
    raise typer.Exit(ExitCode.FINDINGS if overdue(register) or register.has_errors else ExitCode.OK)


@app.command()
def schema(
    command: opt.SchemaCommand = None,
    config: opt.Config = None,
) -> None:
    """输出某个命令 --format json 文档的结构定义（JSON 格式，供脚本和市局系统对接）；各列的键随配置的表式。

    Example: bairi schema merge
    """
    from bairi.present.documents import DOCUMENTS
    from bairi.present.documents import schema as schema_of
    from bairi.present.report import dumps

    form = _campaign(_config_here(config)).form_spec

    if command is not None and command not in DOCUMENTS:
        _fail(f"没有命令“{command}”的 JSON 文档；可选：{'、'.join(DOCUMENTS)}")
    chosen = [command] if command else list(DOCUMENTS)
    document = schema_of(chosen[0], form) if command else {name: schema_of(name, form) for name in chosen}
    sys.stdout.write(dumps(document) + "\n")


def _password(url: str) -> str:
    """The mailbox password: BAIRI_IMAP_PASSWORD, else asked for without echo (never an option: shells keep history)."""
    import os

    password = os.environ.get("BAIRI_IMAP_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        _fail("未设置环境变量 BAIRI_IMAP_PASSWORD，且无法在此提示输入密码（163 邮箱为“授权码”）")
    import getpass

    password = getpass.getpass(f"请输入 {url} 的密码（163 邮箱为授权码，输入时不显示）：")
    if not password:
        _fail("没有输入密码")
    return password


def _session(url: str) -> Session:
    """A logged-in mailbox session for `url` (exit 2 with the reason when that fails)."""
    from bairi.intake.imap import ImapError, Session, parse_url

    with _refusing(ImapError):
        return Session(parse_url(url), _password(url))


@app.command()
def fetch(
    url: opt.FetchUrl,
    output: opt.FetchOutput = None,
    since: opt.FetchSince = None,
    take_all: opt.FetchTakeAll = False,
    fmt: opt.OutputFormat = opt.Format.table,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """从邮箱（IMAP）收取各镇来信，每封存为一个 .eml 文件；不改动服务器上的邮件（不标为已读）。

    密码（163 邮箱为授权码）在提示时输入，或事先放在环境变量 BAIRI_IMAP_PASSWORD 中。

    Example: bairi fetch imaps://zzxajjgmfm@163.com@imap.163.com/INBOX -o 收件箱
    """
    from bairi.intake.imap import FetchFailed, fetch_campaign
    from bairi.intake.ledger import LEDGER_NAME
    from bairi.present.fetched import MailProgress, fetch_document, fetch_lines

    found = _found_home(home) if output is None or home is not None else None
    if output is None:
        if found is None:
            _fail("缺少选项 --output/-o：保存邮件的文件夹，如 -o 收件箱；在 bairi init 建立的工作文件夹中可不写")
        output = found.inbox
    campaign = _campaign(config or (found.config if found else None))
    ledger_file = found.outbox / LEDGER_NAME if found is not None and output == found.inbox else output / LEDGER_NAME
    if output.exists() and not output.is_dir():
        _fail(f"-o 应为文件夹，但 {output} 是一个文件")
    session = _session(url)
    console = _console(stderr=True)
    with _refusing(FetchFailed):
        with MailProgress(console, fmt is opt.Format.table and console.is_terminal) as advance:
            result = fetch_campaign(session, output, ledger_file, campaign, since=since, take_all=take_all,
                                    now=datetime.now(UTC), progress=advance)
    if fmt is opt.Format.json:
        _print_json(fetch_document(result, output), "fetch")
    else:
        out = _console()
        for line in fetch_lines(result, output):
            out.print(line, markup=False)
    raise typer.Exit(ExitCode.OK)


@app.command()
def status(
    paths: opt.Inputs = None,
    as_of: opt.AsOf = None,
    fmt: opt.OutputFormat = opt.Format.table,
    ledger: opt.Ledger = None,
    logbook: opt.Logbook = None,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """今日待办：按办理顺序列出要退回的报表、要催报的镇、7 天内到期的事项、上月全县汇总上报、逾期重大隐患、登记待补文件，每条附办理命令。

    Example: bairi status --as-of 2023-12-27
    """
    from bairi.deadlines.today import today
    from bairi.merge.seal import SealError, seals_in
    from bairi.present.today import show_today, status_document

    run = _run(home, paths, config, ledger, logbook)
    campaign = _campaign(run.config)
    state = _state(run, campaign, as_of)
    with _refusing(SealError):
        sealed = {s.period for s in seals_in(_ledger_path(run))}
    day = today(state, run, as_of, sealed=sealed)
    if fmt is opt.Format.json:
        _print_json(status_document(day), "status")
    else:
        show_today(_console(), day)
    raise typer.Exit(ExitCode.FINDINGS if day.overdue else ExitCode.OK)


def _ask(word: str) -> str:
    """One missing value asked for at the terminal (a script without one is told what is missing)."""
    if not sys.stdin.isatty():
        _fail(f"缺少{word}：请用选项给出（bairi log -h 查看）")
    return cast(str, typer.prompt(word))


def log(
    kind: opt.LogKind,
    town: opt.LogTown = None,
    deadline: opt.LogDeadline = None,
    on: opt.LogOn = None,
    how: opt.LogHow = None,
    material: opt.LogMaterial = None,
    until: opt.LogUntil = None,
    code: opt.LogCode = None,
    address: opt.LogAddress = None,
    always: opt.LogAlways = False,
    note: opt.LogNote = None,
    by: opt.LogBy = None,
    as_of: opt.AsOf = None,
    logbook: opt.Logbook = None,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """在县局登记簿中登记文件显示不了的情况（电话、微信、纸质收到，延期，接受警告说明，认可的发件邮箱）；也可写 bairi 登记。

    只在登记簿末尾追加，已有内容和注释一字不改；缺的项会逐项询问。

    Example: bairi log 收到 山河镇 2023-12 --how 纸质 --note 纸质报表已交
    """
    from contextlib import suppress

    from bairi.core.home import LOGBOOK_NAME
    from bairi.core.values import parse_period
    from bairi.state.logbook import FIELD_WORDS, LogbookError, append_entry, entry_fields, entry_kind, needed

    found = _found_home(home)
    campaign = _campaign(config or (found.config if found else None))
    path = logbook or (found.logbook if found else Path(LOGBOOK_NAME))
    day = as_of or _today(campaign)
    given: dict[str, object] = {"on": on, "how": how, "materials": material, "until": until, "code": code, "address": address,
                                "always": always or None, "note": note, "by": by}
    with _refusing(LogbookError):
        kind = entry_kind(kind)
        town = town or _ask(FIELD_WORDS["town"])
        deadline = deadline or _ask(FIELD_WORDS["deadline"])
        with suppress(ValueError):
            deadline = parse_period(deadline)
        kind, fields = entry_fields(kind, town, deadline, given, campaign, day)
        for key in needed(kind, fields):
            fields[key] = _ask(FIELD_WORDS[key])
        append_entry(path, kind, fields)
    _console().print(f"已登记到 {path}：{kind} {fields.get('town', '')} {fields.get('deadline', '')}（{fields.get('by')}）",
                     markup=False)


app.command("log")(log)


@app.command()
def board(
    paths: opt.Inputs = None,
    as_of: opt.AsOf = None,
    output: opt.BoardOutput = None,
    pdf: opt.BoardPdf = False,
    open_it: opt.BoardOpenIt = False,
    ledger: opt.Ledger = None,
    logbook: opt.Logbook = None,
    config: opt.Config = None,
    home: opt.Home = None,
) -> None:
    """看板：一个网页文件（不联网、可双击打开、可作邮件附件）看全县报送情况、全县累计和整改率、未整改的重大隐患、各镇问题和收到的文件。

    Example: bairi board --as-of 2024-01-26 --pdf
    """
    from bairi.core.atomic import write_atomic
    from bairi.core.calendar import local
    from bairi.core.home import default_name
    from bairi.present.board import board_context, render_board
    from bairi.write.office import ConversionFailed, OfficeMissing, html_to_pdf

    run = _run(home, paths, config, ledger, logbook)
    campaign = _campaign(run.config)
    pdf = pdf or (output is not None and output.suffix.lower() == ".pdf")
    day = as_of or _today(campaign)
    target = _output(run, output, default_name("board", day=day, suffix=".pdf" if pdf else ".html"), "看板")
    if output is not None and output.suffix.lower() not in (".html", ".htm", ".pdf"):
        _fail("看板只能保存为 .html 或 .pdf 文件")
    state = _state(run, campaign, day, output=target)
    html = render_board(board_context(state, local(datetime.now(UTC), campaign).strftime("%Y-%m-%d %H:%M")))
    with _writing(target), _refusing(OfficeMissing, ConversionFailed):
        write_atomic(target, html_to_pdf(html.encode("utf-8")) if pdf else html.encode("utf-8"))
    _console().print(f"已写出看板 {target}（截至 {state.as_of.isoformat()}）", markup=False)
    if open_it:
        import webbrowser

        webbrowser.open(target.absolute().as_uri())
