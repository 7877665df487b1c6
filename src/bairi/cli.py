"""The bairi commands: parse options, call the core, show the result, choose the exit code."""

from __future__ import annotations

import re
import sys
from datetime import date
from enum import Enum, IntEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
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


class Format(str, Enum):
    """Output format."""

    table = "table"
    json = "json"


def _parse_date(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"日期“{value}”格式不对，应为 YYYY-MM-DD，如 2023-12-31") from None


def _parse_period(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise typer.BadParameter(f"报告期“{value}”格式不对，应为 YYYY-MM，如 2023-12")
    return value


Paths = Annotated[list[Path], typer.Argument(help="报表文件或文件夹（文件夹会递归查找）", show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="输出格式：table（表格）或 json")]
AsOf = Annotated[Optional[str], typer.Option("--as-of", help="以该日期为准，如 2023-12-31（默认今天）",
                                              callback=_parse_date)]
PeriodOpt = Annotated[Optional[str], typer.Option("--period", "-p", help="报告期 YYYY-MM，如 2023-12",
                                                   callback=_parse_period)]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", "-c", help="行动配置文件（默认当前目录的 bairi.toml，否则内置通知配置）")]


def _console(stderr: bool = False):
    from rich.console import Console

    # No emoji codes: a file name or message with ":name:" in it is printed as written (and rich's emoji
    # table is not loaded).
    return Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False)


def _fail(message: str) -> None:
    _console(stderr=True).print(f"[bold red]错误：[/]{message}", markup=True)
    raise typer.Exit(ExitCode.USAGE)


def _campaign(config: Optional[Path]):
    from bairi.core.campaign import ConfigError, load_campaign

    try:
        return load_campaign(config)
    except ConfigError as exc:
        _fail(str(exc))


def _expand(paths: list[Path]) -> list[Path]:
    from bairi.intake.discover import expand, MissingInput

    try:
        return expand(paths)
    except MissingInput as exc:
        _fail(str(exc))
        return []


def _print_json(document: object) -> None:
    from bairi.present.report import dumps

    sys.stdout.write(dumps(document) + "\n")


@app.command()
def check(
    paths: Paths,
    fmt: FormatOpt = Format.table,
    period: PeriodOpt = None,
    config: ConfigOpt = None,
) -> None:
    """检查一份或多份报表，指出需要修改的单元格。

    Example: bairi check 巴公镇12月份百日攻坚报表.xlsx
    """
    from bairi.check.rules import check_file

    campaign = _campaign(config)
    files = _expand(paths)
    returns = [check_file(p, campaign, period) for p in files]
    if fmt is Format.json:
        from bairi.present.report import return_dict

        documents = [return_dict(r) for r in returns]
        _print_json(documents[0] if len(documents) == 1 else documents)
    else:
        from bairi.present.report import show_returns

        console = _console()
        if not returns:
            console.print("没有找到报表文件（.xlsx .xls .et .ods 等）。")
        show_returns(console, returns)
    if not returns:
        raise typer.Exit(ExitCode.USAGE)
    if any(r.unreadable for r in returns):
        raise typer.Exit(ExitCode.USAGE)
    raise typer.Exit(ExitCode.OK if all(r.ok for r in returns) else ExitCode.FINDINGS)


@app.command()
def template(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出文件（.xlsx）；配合 --all 时为文件夹")],
    town: Annotated[Optional[str], typer.Option("--town", help="预先填好填报单位，如 巴公镇")] = None,
    all_towns: Annotated[bool, typer.Option("--all", help="为每个镇各生成一份")] = False,
    config: ConfigOpt = None,
) -> None:
    """生成空白“工作报告表”模板（带下拉选项和数据校验），供各镇填写。

    Example: bairi template --town 巴公镇 -o 巴公镇报告表.xlsx
    """
    from bairi.write.layout import write_template

    campaign = _campaign(config)
    console = _console()
    if all_towns:
        if output.suffix.lower() == ".xlsx":
            _fail("使用 --all 时 -o 应为文件夹")
        output.mkdir(parents=True, exist_ok=True)
        for unit in campaign.units:
            target = output / f"{unit.name}_百日攻坚工作报告表.xlsx"
            write_template(target, campaign, unit.name)
            console.print(f"已生成 {target}")
        raise typer.Exit(ExitCode.OK)
    if town is not None and campaign.unit(town) is None and town != campaign.authority:
        from bairi.read.reader import resolve_unit

        resolved = resolve_unit(town, campaign)
        if resolved is None:
            _fail(f"“{town}”不是本次行动的报送单位（可选：{'、'.join(u.name for u in campaign.units)}）")
        town = resolved
    if output.suffix.lower() != ".xlsx":
        _fail("模板只能保存为 .xlsx 文件")
    write_template(output, campaign, town)
    console.print(f"已生成 {output}")


@app.command()
def init(
    output: Annotated[Path, typer.Option("--output", "-o", help="配置文件路径")] = Path("bairi.toml"),
    force: Annotated[bool, typer.Option("--force", help="覆盖已有文件")] = False,
) -> None:
    """在当前目录写出可编辑的行动配置 bairi.toml（各镇、企业数、报送期限等）。

    Example: bairi init
    """
    from bairi.core.campaign import campaign_toml, default_campaign
    from bairi.write.atomic import write_atomic

    if output.exists() and not force:
        _fail(f"{output} 已存在；如要覆盖请加 --force")
    write_atomic(output, campaign_toml(default_campaign()).encode("utf-8"))
    _console().print(f"已写出 {output}，修改后各命令会自动使用它。")


@app.command()
def merge(
    paths: Paths,
    output: Annotated[Path, typer.Option("--output", "-o", help="汇总表输出文件（.xlsx），如 泽州县_2023-12.xlsx")],
    period: PeriodOpt = None,
    filler: Annotated[Optional[str], typer.Option("--filler", help="汇总表的填表人（默认取配置）")] = None,
    as_of: AsOf = None,
    fmt: FormatOpt = Format.table,
    config: ConfigOpt = None,
) -> None:
    """汇总各镇报表，生成全县“工作报告表”及分镇明细、数据来源、问题清单和图表。

    Example: bairi merge 收件箱/12月 -o 泽州县_2023-12.xlsx
    """
    from bairi.merge.consolidate import MergeRefused, consolidate, gather
    from bairi.present.report import merge_dict, show_merge
    from bairi.write.county import write_merged

    campaign = _campaign(config)
    if output.suffix.lower() != ".xlsx":
        _fail("汇总表只能保存为 .xlsx 文件（-o 文件名应以 .xlsx 结尾）")
    from bairi.intake.discover import MissingInput

    console = _console(stderr=fmt is Format.json)
    try:
        # A bar only where someone watches: redirected output gets the result, not fifty redraws.
        with _progress(console, fmt is Format.table and console.is_terminal) as advance:
            found = gather(paths, campaign, output, progress=advance)
        from bairi.intake.ledger import ledger_path

        merged = consolidate(found.returns, campaign, period,
                             received_of=found.received_of(campaign, ledger_path(paths)), skipped=found.skipped)
        write_merged(output, merged, campaign, filler or campaign.filler or next(iter(campaign.contact.people), ""),
                     as_of or date.today())
    except (MergeRefused, MissingInput) as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"无法写出 {output}：{exc.strerror or exc}")
        return
    if fmt is Format.json:
        _print_json(merge_dict(merged, output))
    else:
        show_merge(console, merged, output)
    raise typer.Exit(ExitCode.FINDINGS if merged.rejected else ExitCode.OK)


class _progress:
    """A progress bar on the terminal once there turn out to be many files; silent otherwise."""

    def __init__(self, console, enabled: bool) -> None:
        self.console, self.enabled = console, enabled
        self.bar = None
        self.task = None

    def __enter__(self):
        return self.advance if self.enabled else None

    def advance(self, done: int, total: int) -> None:
        """Move the bar; it appears on the first call when there are 30 files or more."""
        if self.bar is None:
            if total < 30:
                return
            from rich.progress import Progress

            # No refresh thread: reading may fork worker processes, which must not inherit a running thread.
            self.bar = Progress(console=self.console, transient=True, auto_refresh=False)
            self.bar.__enter__()
            self.task = self.bar.add_task("读取报表", total=total)
        self.bar.update(self.task, completed=done)
        if done == total or done % 20 == 0:
            self.bar.refresh()

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def main() -> None:
    """Console-script entry point: a bug shows as a short Chinese message, never a traceback."""
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


RemindOpt = Annotated[Optional[Path], typer.Option("--remind", help="为每个逾期或未报的镇写一份催报通知到此文件夹")]
def _evidence(paths: list[Path], campaign, as_of: Optional[date], ledger: Optional[Path], no_ledger: bool):
    """Receipts under the inputs and the day that counts as today (`--as-of`, else today in Beijing time)."""
    from datetime import datetime, timezone

    from bairi.intake.discover import MissingInput
    from bairi.intake.evidence import collect
    from bairi.deadlines.schedule import local

    now = datetime.now(timezone.utc)
    day = as_of or local(now, campaign).date()
    try:
        return collect(paths, campaign, now, ledger, use_ledger=not no_ledger), day
    except MissingInput as exc:
        _fail(str(exc))
        raise


LedgerOpt = Annotated[Optional[Path], typer.Option("--ledger", help="收件台账文件（默认第一个输入文件夹中的 .bairi-ledger.sqlite）")]
NoLedgerOpt = Annotated[bool, typer.Option("--no-ledger", help="不读写收件台账，普通文件的收到时间按修改时间")]


@app.command()
def deadlines(
    paths: Annotated[list[Path], typer.Argument(help="收件文件夹、报表或材料文件、邮件（.eml/.mbox）", show_default=False)],
    fmt: FormatOpt = Format.table,
    as_of: AsOf = None,
    remind: RemindOpt = None,
    template_file: Annotated[Optional[Path], typer.Option("--template", help="自定义催报模板（Jinja），默认 remind.txt.j2")] = None,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    config: ConfigOpt = None,
) -> None:
    """列出各镇行动方案、月报表、工作总结的报送情况（按时、逾期、未报）及逾期未整改的重大隐患。

    Example: bairi deadlines 收件箱/ --as-of 2024-02-10 --remind 催报/
    """
    from bairi.present.reminders import assessment_dict, show_assessment, write_reminders
    from bairi.deadlines.schedule import assess

    campaign = _campaign(config)
    if remind is not None and remind.exists() and not remind.is_dir():
        _fail(f"--remind 应为文件夹，但 {remind} 是一个文件")
    if template_file is not None and not template_file.is_file():
        _fail(f"催报模板不存在：{template_file}")
    evidence, day = _evidence(paths, campaign, as_of, ledger, no_ledger)
    result = assess(campaign, evidence.receipts, day, evidence.findings)
    written = None
    if remind is not None:
        from jinja2 import TemplateError

        try:
            written = write_reminders(remind, result, template_file)
        except (OSError, ValueError, TemplateError) as exc:
            _fail(f"催报通知写出失败：{exc}")
    if fmt is Format.json:
        _print_json(assessment_dict(result, evidence, written))
    else:
        show_assessment(_console(), result, evidence, written)
    raise typer.Exit(ExitCode.FINDINGS if result.overdue else ExitCode.OK)


@app.command()
def summary(
    paths: Annotated[list[Path], typer.Argument(help="收件文件夹、报表文件、邮件（.eml/.mbox）", show_default=False)],
    as_of: AsOf = None,
    period: PeriodOpt = None,
    template_file: Annotated[Optional[Path], typer.Option("--template", help="自定义通报模板（Jinja），默认 summary.txt.j2")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="通报保存到此文件（默认显示在屏幕上）")] = None,
    fmt: FormatOpt = Format.table,
    ledger: LedgerOpt = None,
    no_ledger: NoLedgerOpt = False,
    config: ConfigOpt = None,
) -> None:
    """根据各镇报表汇总数据写出“百日攻坚”进展情况通报（全县合计、各镇排名、迟报未报、逾期重大隐患）。

    Example: bairi summary 收件箱/ --as-of 2023-12-26 -o 12月通报.txt
    """
    from jinja2 import TemplateError

    from bairi.present.bulletin import bulletin_context, merge_receipts, render_bulletin
    from bairi.write.atomic import write_atomic
    from bairi.merge.consolidate import MergeRefused
    from bairi.deadlines.schedule import assess

    campaign = _campaign(config)
    if template_file is not None and not template_file.is_file():
        _fail(f"通报模板不存在：{template_file}")
    evidence, day = _evidence(paths, campaign, as_of, ledger, no_ledger)
    try:
        merged = merge_receipts(evidence, campaign, day, period)
    except MergeRefused as exc:
        _fail(str(exc))
        return
    result = assess(campaign, evidence.receipts, day, evidence.findings)
    context = bulletin_context(merged, result, campaign)
    try:
        text = render_bulletin(context, template_file)
    except TemplateError as exc:
        _fail(f"通报模板有误：{exc}")
        return
    if output is not None:
        try:
            write_atomic(output, text.encode("utf-8"))
        except OSError as exc:
            _fail(f"无法写出 {output}：{exc.strerror or exc}")
    if fmt is Format.json:
        _print_json({"as_of": day, "period": merged.period, "output": str(output) if output else None, "text": text,
                     "variables": context})
    elif output is not None:
        _console().print(f"已写出通报 {output}（{merged.period}，截至 {day.isoformat()}）")
    else:
        sys.stdout.write(text)
    raise typer.Exit(ExitCode.OK)
