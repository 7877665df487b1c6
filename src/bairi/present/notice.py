"""A campaign learnt from its notice, shown: every fact with its sentence, the confirm/edit step, the JSON
document, and the home's files (bairi.toml with each fact's sentence as its comment, the form file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bairi.core.atomic import write_atomic
from bairi.core.home import HomeError, create_home
from bairi.core.tomlfile import PLACEHOLDER
from bairi.notice.setup import EDITABLE, FORM_FILE, Learnt
from bairi.notice.text import NoticeError
from bairi.present.render import campaign_toml, form_toml

if TYPE_CHECKING:
    from bairi.present.documents import InitDoc


def home_files(learnt: Learnt) -> dict[str, str]:
    """The files a campaign's home gets from its notice: bairi.toml, and the form file when it is not the built-in one."""
    notes = {u.name: [f"{u.source}" + (f"；通知原文：{u.sentence}" if u.sentence else "")] for u in learnt.units
             if u.name != PLACEHOLDER}
    files = {"bairi.toml": campaign_toml(learnt.campaign, learnt.evidence(), learnt.missing, notes)}
    if learnt.form_file and learnt.form is not None:
        files[learnt.form_file] = form_toml(learnt.form.data, learnt.form.evidence, learnt.form.notes, learnt.form.source)
    return files


def init_document(learnt: Learnt, directory: Path, written: list[Path]) -> InitDoc:
    """The `--format json` document: what was found, with its evidence, and what was written."""
    from bairi.present.documents import (
        DeliverableDoc,
        FactDoc,
        InitDoc,
        LearntColumnDoc,
        LearntFormDoc,
        MissingDoc,
        PhaseDoc,
        UnitLineDoc,
    )
    from bairi.present.report import jsonable

    form = learnt.form
    form_doc = None
    if form is not None:
        shape = form.form()
        form_doc = LearntFormDoc(
            source=form.source, builtin=form.builtin, file=learnt.form_file or None, title=shape.title,
            columns=[LearntColumnDoc(key=c.key, label=c.label, kind=c.kind, unit=c.unit) for c in shape.columns],
            hazard_columns=[h.header for h in shape.hazard_columns],
            found_fixed=[list(pair) for pair in shape.found_fixed],
            evidence=[list(item) for item in form.evidence])
    facts = learnt.facts
    return InitDoc(
        notice=learnt.notice.source, directory=str(directory), written=[str(p) for p in written],
        # A fact's value is whatever the notice gave (a day, a list of periods, the contacts): as JSON values.
        facts=[FactDoc(key=f.key, label=f.label, value=jsonable(f.value), sentence=f.sentence, how=f.how)
               for f in facts.facts.values()],
        phases=[PhaseDoc(name=p.name, start=p.start, end=p.end, sentence=p.sentence) for p in facts.phases],
        deliverables=[DeliverableDoc(what=d.what, due=d.due, monthly_day=d.monthly_day, sentence=d.sentence)
                      for d in facts.deliverables],
        form=form_doc,
        units=[UnitLineDoc(name=u.name, enterprises=u.enterprises, aliases=list(u.aliases), source=u.source,
                           sentence=u.sentence) for u in learnt.units],
        missing=[MissingDoc(key=k, label=v) for k, v in learnt.missing.items()],
        notes=learnt.notes,
    )


def show(learnt: Learnt, console: Any) -> None:
    """Every fact with the sentence it came from, the phases, the form and the units, for the clerk to confirm."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"从通知读出的行动信息（{Path(learnt.notice.source).name}）", show_lines=True)
    for heading in ("编号", "项目", "读出的内容", "出处（通知原文）"):
        table.add_column(heading, overflow="fold")
    for number, (_, label, value, sentence) in enumerate(learnt.shown(), start=1):
        table.add_row(str(number), label, Text(value, style="bold red" if value == PLACEHOLDER else ""), Text(sentence))
    console.print(table)
    campaign = learnt.campaign
    if "periods" not in learnt.missing:
        console.print("每月报表：" + "；".join(f"{p.period} 截止 {p.due.isoformat()}" for p in campaign.periods))
    for phase in learnt.facts.phases:
        span = f"{phase.start.isoformat() if phase.start else '?'} 至 {phase.end.isoformat() if phase.end else '?'}"
        console.print(Text(f"阶段：{phase.name} {span}"))
    if learnt.form is not None:
        shape = learnt.form.form()
        where = "与内置的通知表式相同" if learnt.form.builtin else f"将写出表式文件 {FORM_FILE}"
        console.print(Text(f"附件表式（{learnt.form.source}，{where}）：{shape.title}"))
        console.print(Text("  栏目：" + "、".join(c.label for c in shape.columns)))
        console.print(Text("  明细表：" + "、".join(h.header for h in shape.hazard_columns)))
    units = [u for u in learnt.units if u.name != PLACEHOLDER]
    if units:
        console.print(Text(f"报送单位 {len(units)} 个：" + "、".join(
            u.name + (f"（{u.enterprises}家）" if u.enterprises else "") for u in units)))
    for note in learnt.notes:
        console.print(Text(f"注意：{note}", style="yellow"))
    if learnt.missing:
        console.print(Text(f"通知中未找到：{'、'.join(learnt.missing.values())}，将写成{PLACEHOLDER}，填写后各命令才能运行",
                           style="bold red"))


def confirm(learnt: Learnt, console: Any, ask: Callable[[str, str], str]) -> Learnt:
    """The confirm/edit step: Enter accepts; a number changes that fact (asked with `ask(question, default)`)."""
    keys = [row[0] for row in learnt.shown()]
    while True:
        answer = ask("以上内容是否正确？直接回车确认；输入编号修改该项", "").strip()
        if not answer:
            return learnt
        if not answer.isdigit() or not 1 <= int(answer) <= len(keys):
            console.print(f"请输入 1 到 {len(keys)} 之间的编号，或直接回车")
            continue
        key = keys[int(answer) - 1]
        current = next(row[2] for row in learnt.shown() if row[0] == key)
        typed = ask(f"{EDITABLE[key]}", "" if current == PLACEHOLDER else current)
        try:
            learnt = learnt.edited(key, typed)
        except NoticeError as exc:
            console.print(f"未修改：{exc}")
            continue
        show(learnt, console)
        keys = [row[0] for row in learnt.shown()]


def reviewed(learnt: Learnt, console: Any, ask: Callable[[str, str], str] | None) -> Learnt:
    """The facts shown for the clerk, then confirmed through `ask` (None: taken as shown, `--yes`)."""
    show(learnt, console)
    return learnt if ask is None else confirm(learnt, console, ask)


def write_home(directory: Path, learnt: Learnt, force: bool) -> list[Path]:
    """The home made in `directory` from the notice: bairi.toml, the form file, the logbook and folders; the files
    written. HomeError, in Chinese, when one is there already (unless `force`) or cannot be written."""
    texts = home_files(learnt)
    others = {directory / name: text for name, text in texts.items() if name != "bairi.toml"}
    taken = [str(path) for path in others if path.exists()]
    if taken and not force:
        raise HomeError(f"{'、'.join(taken)} 已存在；如要覆盖请加 --force")
    try:
        files = create_home(directory, texts["bairi.toml"], force)
        for path, text in others.items():
            write_atomic(path, text.encode("utf-8"))
            files.append(path)
    except OSError as exc:
        raise HomeError(f"无法写出 {directory}：{exc.strerror or exc}") from None
    return files
