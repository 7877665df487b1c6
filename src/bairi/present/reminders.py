"""`bairi deadlines` output: the JSON document, the Rich tables, and the 催报 reminders."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bairi.core.atomic import safe_filename, write_atomic
from bairi.core.calendar import day_text
from bairi.core.findings import Finding, Severity
from bairi.deadlines.schedule import Assessment
from bairi.intake.inbox import EVIDENCE_LABELS
from bairi.present.render import text_file
from bairi.state.standing import STATUS_LABELS, STATUSES, CampaignState, Standing, evidence_words

if TYPE_CHECKING:
    from collections.abc import Callable

    from bairi.intake.imap import Session
    from bairi.present.documents import DeadlinesDoc, InputsDoc, ItemDoc, LogbookDoc

REMIND_TEMPLATE = "remind.txt.j2"


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def logbook_document(entry: Any) -> LogbookDoc:
    """A logbook entry as cited in JSON (each kind of entry has its own fields)."""
    from bairi.present.documents import LogbookDoc

    return LogbookDoc(kind=entry.kind, town=entry.town, deadline=entry.deadline, note=entry.note, by=entry.by,
                      entered=entry.entered, **{k: getattr(entry, k) for k in ("on", "how", "until", "code", "address",
                                                                              "always") if hasattr(entry, k)})


def item_document(item: Standing) -> ItemDoc:
    """One town × deadline as the JSON contract spells it (SPEC keys first)."""
    from bairi.present.documents import CopyDoc, FindingDoc, ItemDoc

    receipt = item.receipt
    counted = item.counted
    return ItemDoc(
        town=item.town,
        deadline=item.deadline.key,
        due=item.due,
        status=item.status,
        status_label=item.label,
        received=_when(item.received),
        days_late=item.days_late,
        overdue=item.overdue,
        kind=item.deadline.kind,
        label=item.deadline.label,
        period=item.deadline.period,
        evidence=receipt.evidence if receipt else None,
        source=receipt.source if receipt else None,
        counted=counted.source if counted else None,
        accepted=item.accepted,
        missing_materials=item.missing,
        reason=item.reason or None,
        logbook=[logbook_document(e) for e in item.logbook],
        copies=[CopyDoc(received=_when(r.received), evidence=r.evidence, source=r.source,
                        materials=sorted(r.materials), accepted=r.accepted) for r in item.receipts],
        findings=[FindingDoc(**f.as_dict()) for f in item.findings],
    )


def inputs_document(state: CampaignState) -> InputsDoc:
    """What the run read: mails, attachments, files, the ledger and the logbook."""
    from bairi.present.documents import InputsDoc

    return InputsDoc(mails=state.mails, files=state.files, attachments=state.attachments, ledger=state.ledger,
                     logbook=state.logbook, receipts=len(state.receipts), after_as_of=state.later)


def deadlines_document(result: Assessment, reminders: list[Path | str] | None = None) -> DeadlinesDoc:
    """The whole `bairi deadlines --format json` document."""
    from bairi.present.documents import (
        DeadlinesDoc,
        FindingDoc,
        HazardDoc,
        NoCaseDoc,
        OpenTownDoc,
        OverdueHazardsDoc,
        TallyDoc,
    )

    def towns(items: list[Standing], status: str) -> list[str]:
        return [i.town for i in items if i.status == status]

    per_deadline = []
    for tally in result.tallies:
        items = [i for i in result.items if i.deadline is tally.deadline]
        per_deadline.append(TallyDoc(
            deadline=tally.deadline.key, kind=tally.deadline.kind, label=tally.deadline.label, due=tally.deadline.due,
            **tally.counts, towns=tally.towns, received=tally.received, rate=tally.rate,
            on_time_rate=tally.on_time_rate, late_towns=towns(items, "late"), missing_towns=towns(items, "missing"),
            rejected_towns=towns(items, "rejected"), to_verify_towns=towns(items, "to_verify"),
            incomplete_towns=towns(items, "incomplete")))
    campaign = result.campaign
    return DeadlinesDoc(
        as_of=result.as_of,
        items=[item_document(i) for i in result.items],
        deadlines=per_deadline,
        overdue=len(result.overdue),
        overdue_hazards=OverdueHazardsDoc(
            rectify_by=campaign.rectify_by, passed=result.rectify_passed,
            towns=[OpenTownDoc(town=o.town, period=o.period, source=o.source, major_found=o.major_found,
                               major_fixed=o.major_fixed, open=o.open, hazards=[HazardDoc(**h.as_dict()) for h in o.hazards],
                               detail_rows=o.rows) for o in result.open_hazards]),
        no_case=NoCaseDoc(due=campaign.cases_due, passed=result.cases_due_passed, towns=[s.town for s in result.no_case]),
        findings=[FindingDoc(**f.as_dict()) for f in result.findings],
        ignored_after_as_of=result.state.later,
        inputs=inputs_document(result.state),
        reminders=[str(p) for p in reminders] if reminders is not None else None,
    )


def _md(day: date | datetime) -> str:
    return f"{day.month:02d}-{day.day:02d}"


def _cell(item: Standing) -> str:
    mark = "[cyan]登[/]" if item.logbook else ""
    if item.status == "on_time":
        return f"[green]√{_md(item.received)}[/]{mark}" if item.received else f"[green]√[/]{mark}"
    if item.status == "late":
        return f"[yellow]迟{item.days_late}天[/]{mark}"
    if item.status == "incomplete":
        return f"[yellow]缺件[/]{mark}"
    if item.status == "rejected":
        return f"[magenta]退回[/]{mark}"
    if item.status == "to_verify":
        return f"[magenta]待核实[/]{mark}"
    if item.status == "missing":
        return f"[bold red]×{item.days_late}天[/]{mark}"
    return f"[dim]—[/]{mark}"


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value}%"


# A county has sixteen towns, a province a thousand units: past these the terminal shows what needs the clerk.
TABLE_TOWNS, LIST_ITEMS = 60, 50
# The terminal lists at most GROUP_SHOWN notes of one code once there are more than GROUP_FROM of it.
GROUP_FROM, GROUP_SHOWN = 5, 3


def show_assessment(console: Any, result: Assessment, reminders: list[Path | str] | None = None) -> None:
    """Towns × deadlines, the counts, the overdue items with their evidence, hazards and notes."""
    from rich.table import Table

    from bairi.present.terminal import STATUS_STYLE, STYLE, escape

    campaign = result.campaign
    table = Table(title=f"{escape(campaign.name)} 报送情况（截至 {result.as_of.isoformat()}）", header_style="bold",
                  show_lines=False)
    table.add_column("镇\n截止日", no_wrap=True, min_width=8)
    for deadline in result.deadlines:
        # No fixed width: with more deadlines than 80 columns hold, a cell wraps inside itself; the last is never cut.
        table.add_column(f"{deadline.short}\n{_md(deadline.due)}")
    rows_by_town = list(result.by_town().items())
    hidden = 0
    if len(rows_by_town) > TABLE_TOWNS:
        # A province has a thousand units: show those with something owed or to check, count the rest.
        needing = [(t, items) for t, items in rows_by_town if any(i.status not in ("on_time", "not_due") for i in items)]
        hidden, rows_by_town = len(rows_by_town) - len(needing[:TABLE_TOWNS]), needing[:TABLE_TOWNS]
    for town, items in rows_by_town:
        table.add_row(escape(town), *[_cell(i) for i in items])
    if hidden:
        table.add_row(f"[dim]另 {hidden} 个[/]", *["" for _ in result.deadlines])
    table.add_section()
    rows = [(STATUS_LABELS[s], s, STATUS_STYLE[s]) for s in STATUSES]
    for word, key, style in rows:
        table.add_row(f"[{style}]{word}[/]", *[f"[{style}]{t.counts[key]}[/]" for t in result.tallies])
    table.add_row("报送率", *[_percent(t.rate) for t in result.tallies])
    table.add_row("按时率", *[_percent(t.on_time_rate) for t in result.tallies])
    console.print(table)

    console.print("[dim]√ 已报（收到日期）  迟N天 迟报N天  缺件 已报但缺少材料  退回 只收到检查未通过的报表  "
                  "待核实 收到但无法读取、收到时间不可考或发件人待确认  ×N天 未报（已逾期N天）  — 未到期  登 依据县局登记[/]")
    late = [i for i in result.items if i.status == "late"]
    if late:
        console.print(f"\n[bold]逾期报送（{len(late)} 项）[/]")
        if len(late) > LIST_ITEMS:
            console.print(f"  （列出前 {LIST_ITEMS} 项；完整列表见 --format json）")
        for item in sorted(late, key=lambda i: (i.deadline.due, i.town))[:LIST_ITEMS]:
            receipt = item.receipt
            assert receipt is not None  # a late deadline was met by a receipt
            console.print(f"  [yellow]迟[/] {escape(item.town)} {escape(item.deadline.label)}（截止 {item.deadline.due.isoformat()}）："
                          f"{item.received:%Y-%m-%d %H:%M} 收到，逾期 {item.days_late} 天；"
                          f"依据：{EVIDENCE_LABELS[receipt.evidence]}（{escape(receipt.source)}）")
    missing = [t for t in result.tallies if t.counts["missing"]]
    if missing:
        console.print(f"\n[bold]未报（{sum(t.counts['missing'] for t in missing)} 项）[/]")
        for tally in missing:
            towns = [i.town for i in result.items if i.deadline is tally.deadline and i.status == "missing"]
            days = next(i.days_late for i in result.items if i.deadline is tally.deadline and i.status == "missing")
            console.print(f"  [red]×[/] {escape(tally.deadline.label)}（截止 {tally.deadline.due.isoformat()}，已逾期 {days} 天）"
                          f"{len(towns)} 个镇：{escape('、'.join(towns))}")
    for status, head in (("incomplete", "缺件"), ("rejected", "退回（尚未收到修改后的报表）"), ("to_verify", "待核实")):
        style = STATUS_STYLE[status]
        items = [i for i in result.items if i.status == status]
        if items:
            console.print(f"\n[bold]{head}（{len(items)} 项）[/]")
            if len(items) > LIST_ITEMS:
                console.print(f"  （列出前 {LIST_ITEMS} 项；完整列表见 --format json）")
            for item in sorted(items, key=lambda i: (i.deadline.due, i.town))[:LIST_ITEMS]:
                why = ("缺少" + "、".join(item.missing)) if status == "incomplete" else item.reason
                console.print(f"  [{style}]{STATUS_LABELS[status]}[/] {escape(item.town)} {escape(item.deadline.label)}："
                              f"{escape(why)}" + (f"（{escape(item.receipt.source)}）" if item.receipt else ""))
    cited = [(i, e) for i in result.items for e in i.logbook]
    if cited:
        console.print(f"\n[bold]依据县局登记（{len(cited)} 条）[/]")
        for item, entry in cited:
            console.print(f"  [cyan]登[/] {escape(item.town)} {escape(item.deadline.label)}：{escape(entry.cite)}")
        for item in result.items:
            for note in item.findings:
                if note.code == "D740":  # a file beside the entry: whose figures, whose time
                    console.print(f"  [cyan]登[/] {escape(note.message)}")
    if not result.overdue:
        console.print("\n[green]没有逾期、未报或缺件的材料。[/]")

    if result.rectify_passed or result.open_hazards:
        day = campaign.rectify_by.isoformat() if campaign.rectify_by else ""
        console.print(f"\n[bold]重大隐患逾期未整改（据重大隐患台账的整改期限：{day} 前发现的，为该日与其整改计划日期中较早者；"
                      "之后发现的，为其整改计划日期）[/]")
        if not result.open_hazards:
            console.print("  [green]各镇报表中的重大隐患均已整改，或尚未到整改期限。[/]")
        # In the campaign's own words: its major-hazard columns' headers and its hazard table's.
        form = campaign.form_spec
        found_word, fixed_word = (form.by_key[key].header if key in form.by_key else word
                                  for key, word in (("major_found", "排查"), ("major_fixed", "已整改")))
        headers = {column.key: column.header for column in form.hazard_columns}
        for entry in result.open_hazards:
            console.print(f"  [red]{escape(entry.town)}[/]（{entry.period} 报表累计{found_word} {entry.major_found} 项、"
                          f"{fixed_word} {entry.major_fixed} 项）：逾期未整改 {len(entry.hazards)} 项"
                          "（逐项见 bairi hazards）")
            if entry.hazards:
                rows_table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1))
                rows_table.add_column(headers["enterprise"])
                rows_table.add_column(headers["supervisor"])
                rows_table.add_column(headers["detail"], overflow="fold")
                for hazard in entry.hazards:
                    rows_table.add_row(escape(hazard.enterprise), escape(hazard.supervisor), escape(hazard.detail))
                console.print(rows_table)
            else:
                console.print("    [yellow]报表中没有填写重大隐患明细[/]")

    if result.no_case and (result.cases_due_passed or len(result.no_case) < len(campaign.units)):
        head = "逾期仍" if result.cases_due_passed else "目前"
        style = "red" if result.cases_due_passed else "yellow"
        due = campaign.cases_due.isoformat() if campaign.cases_due else ""
        console.print(f"\n[bold]{head}未上报重大隐患执法典型案例的镇[/]（通知要求各镇至少上报 1 个，截止 {due}）：")
        console.print(f"  [{style}]{escape('、'.join(s.town for s in result.no_case))}[/]")

    notes: list[tuple[str, Finding]] = [(i.town, f) for i in result.items for f in i.findings]
    notes += [("", f) for f in result.findings]
    if notes:
        console.print("\n[bold]需要核对的情况[/]")
        table = Table(header_style="bold", show_lines=False)
        table.add_column("级别", no_wrap=True)
        table.add_column("代码", no_wrap=True)
        table.add_column("来源", overflow="fold")
        table.add_column("说明", overflow="fold")
        # A folder copied after the campaign gives every file the same note: show a few, count the rest.
        counts = Counter(f.code for _, f in notes)
        shown_of: Counter[str] = Counter()
        for _town, f in notes:
            shown_of[f.code] += 1
            if counts[f.code] > GROUP_FROM and shown_of[f.code] > GROUP_SHOWN:
                continue
            table.add_row(f"[{STYLE[f.severity]}]{f.severity.label}[/]", f.code, escape(f.location), escape(f.message))
            if counts[f.code] > GROUP_FROM and shown_of[f.code] == GROUP_SHOWN:
                table.add_row("", f.code, "", f"……另有 {counts[f.code] - GROUP_SHOWN} 条同类（完整列表见 --format json）")
        console.print(table)

    state = result.state
    ledger = f"；收件台账：{escape(state.ledger)}" if state.ledger else "；未使用收件台账"
    logbook = f"；县局登记簿：{escape(state.logbook)}" if state.logbook else ""
    console.print(f"\n[dim]读取邮件文件 {state.mails} 个（附件 {state.attachments} 份）、其他文件 {state.files} 个。"
                  f"收到时间依据：{evidence_words(state)}{ledger}{logbook}[/]")
    if state.later:
        console.print(f"[dim]另有 {state.later} 份材料收到时间晚于 {result.as_of.isoformat()}，按当日尚未收到处理。[/]")
    if reminders:
        # Each file said with what it is: the Word 催报 to print, its text, a mail draft (or one in the mailbox).
        kinds = {".docx": "催报（Word 公文）", ".txt": "催报（全文文字）", ".eml": "催报邮件草稿"}
        console.print(f"\n已写出 {len(reminders)} 个文件：")
        for path in reminders:
            short = Path(str(path)).name.endswith("_短信.txt")
            kind = "催报（短信文字，200 字以内，可发工作群）" if short else kinds.get(Path(str(path)).suffix.lower(), "放进草稿箱的催报邮件")
            console.print(f"  {kind}：{escape(str(path))}")




def _cn_time(moment: datetime) -> str:
    return f"{day_text(moment)}{moment.hour:02d}:{moment.minute:02d}"


def owes(item: Standing) -> bool:
    """True when the town still owes something for this deadline: a 催报 asks for it (late but received is not owed)."""
    return item.overdue and item.status != "late"


def reminder_towns(result: Assessment) -> list[str]:
    """The towns that get a 催报: those that still owe something, in the campaign's order."""
    return list(dict.fromkeys(i.town for i in result.items if owes(i)))


def addressee(result: Assessment, town: str) -> str:
    """How the town names itself in its latest return (巴公镇人民政府) when that is its name plus a unit suffix;
    else the town plus the campaign's first suffix (巴公镇应急管理中心)."""
    from bairi.core.form import normalize

    campaign = result.campaign
    suffixes = campaign.unit_suffixes
    returns = [(r.received, r.source, r.ret.unit_raw) for r in result.state.receipts
               if r.town == town and r.ret is not None and r.ret.unit_raw]
    for _, _, unit_raw in sorted(returns, reverse=True):
        written = normalize(unit_raw).strip()
        # Only the town's own name and a known suffix: an old name (川底乡) or a cell holding more is not a heading.
        if written.startswith(town) and written[len(town):] in suffixes:
            return written
    return f"{town}{suffixes[0] if suffixes else ''}"


def _item(item: Standing) -> dict[str, Any]:
    from bairi.present.wording import town_findings

    sent_back = item.rejected if item.status == "rejected" else None
    errors = [f for f in (sent_back.findings if sent_back is not None else []) if f.severity is Severity.ERROR]
    return {
        "label": item.deadline.label,
        "due": item.due,
        "due_text": day_text(item.due),
        "status": item.status,
        "status_label": STATUS_LABELS[item.status],
        "days_late": item.days_late,
        "received_text": _cn_time(item.received) if item.received else "",
        "missing_materials": "、".join(item.missing),
        # The state's reason names files and cells for the clerk; the town reads the findings below instead.
        "reason": "报表检查未通过" if item.status == "rejected" else "",
        # What the copy sent back must change, cell by cell, in the town's words: it corrects from this list.
        "findings": town_findings(errors, sent_back),
    }


def _owed_materials(item: Standing) -> str:
    """2023年12月阶段性进展、三清单: the materials a 缺件 still owes, with their month (or their deadline's name)."""
    # 和 inside one item, so that a list of them can be joined with 、 and still be read.
    what = "、".join(item.missing[:-1]) + "和" + item.missing[-1] if len(item.missing) > 1 else "".join(item.missing)
    period = item.deadline.period
    return f"{period[:4]}年{int(period[5:])}月{what}" if period else f"{item.deadline.label}的{what}"


def reminder_title(town: str, labels: list[str]) -> str:
    """关于督促巴公镇报送2023年12月报表的函; 关于督促巴公镇报送2023年12月报表等3项材料的函 for more than two."""
    labels = list(dict.fromkeys(labels))
    if not labels:
        what = "有关材料"
    elif len(labels) <= 2:
        what = "和".join(labels)
    else:
        what = f"{labels[0]}等{len(labels)}项材料"
    return f"关于督促{town}报送{what}的函"


def reminder_context(result: Assessment, town: str, signed: date | None = None) -> dict[str, Any]:
    """Variables of templates/remind.txt.j2 and remind.docx for one town (documented in templates/README.md)."""
    from bairi.present.bulletin import document_frame
    from bairi.present.word import signing

    campaign = result.campaign
    town_items = [i for i in result.items if i.town == town]
    owed = [i for i in town_items if owes(i)]
    late = [i for i in town_items if i.overdue and i.status == "late"]
    missing = [i.deadline.label if i.status != "incomplete" else _owed_materials(i) for i in owed]
    return {
        "town": town,
        # What is still owed, materials named (a 缺件 asks for the missing part, not the return again).
        "title": reminder_title(town, missing),
        "addressee": addressee(result, town),
        "campaign_name": campaign.name,
        "authority": campaign.authority,
        "as_of": result.as_of,
        "as_of_text": day_text(result.as_of),
        "items": [_item(i) for i in owed],
        # What the town still owes: whatever never came, came back, or came without all its materials.
        "missing": missing,
        "late": [i.deadline.label for i in late],
        # Received after its day: a note in a notice that asks for something else, never a demand of its own.
        "late_items": [_item(i) for i in late],
        "contact": {"people": list(campaign.contact.people), "phones": list(campaign.contact.phones),
                    "emails": list(campaign.contact.emails)},
        # The Word notice's 版头 and 版记: one notice per town is not numbered, nor copied to the city.
        **document_frame(campaign, result.as_of, copy_to=[]),
        **signing(signed or result.as_of),
        "document_number": "",
    }


def reminder_texts(result: Assessment, template: Path | None = None,
                   signed: date | None = None) -> list[tuple[str, str]]:
    """(file name, text) of one 催报 notice per town that still owes something."""
    from bairi.present.render import render, render_file

    towns = reminder_towns(result)
    texts: list[tuple[str, str]] = []
    used: set[str] = set()
    for town in towns:
        context = reminder_context(result, town, signed)
        text = render_file(template, **context) if template else render(REMIND_TEMPLATE, **context)
        stem = f"催报_{safe_filename(town)}"
        name, n = f"{stem}.txt", 2
        while name in used:
            name, n = f"{stem}_{n}.txt", n + 1
        used.add(name)
        texts.append((name, text))
    return texts


def write_reminders(folder: Path, result: Assessment, template: Path | None = None,
                    formats: tuple[str, ...] = ("txt",), word_template: Path | None = None,
                    signed: date | None = None) -> list[Path]:
    """Write the reminders into `folder` (created if needed): per town a .txt and/or a .docx (the same words,
    the Word one in the official-document layout); returns the files written."""
    from bairi.present.word import reminder_docx

    folder = Path(folder)
    written: list[Path] = []
    root = folder.resolve()
    towns = reminder_towns(result)
    for town, (name, text) in zip(towns, reminder_texts(result, template, signed)):
        target = folder / name
        # safe_filename already forbids separators; this guards against anything it missed.
        if target.resolve().parent != root:
            raise ValueError(f"催报文件名不安全：{name}")
        if "docx" in formats:
            word = target.with_suffix(".docx")
            context = reminder_context(result, town, signed)
            write_atomic(word, reminder_docx(context, word_template), parents=True)
            written.append(word)
            # Beside the 信函: the same in one screen, for the towns' work group or an SMS.
            short = target.with_name(f"{target.stem}_短信.txt")
            write_atomic(short, text_file(short_reminder(context) + "\n"), parents=True)
            written.append(short)
        if "txt" in formats:
            write_atomic(target, text_file(text), parents=True)
            written.append(target)
    return written


def reminder_drafts(result: Assessment, sender: str, now: datetime, template: Path | None = None,
                    word_template: Path | None = None, signed: date | None = None) -> list:
    """One 催报 mail draft per town that still owes something, whose address is configured (bairi.toml
    `emails`): the notice's text as the body, the Word 催报 attached (and its PDF when LibreOffice is installed).
    Towns without an address get none."""
    from bairi.present.drafts import reminder_draft, town_addresses
    from bairi.present.word import reminder_docx
    from bairi.write.office import ConversionFailed, docx_to_pdf, soffice

    towns = reminder_towns(result)
    drafts = []
    for town, (name, text) in zip(towns, reminder_texts(result, template, signed)):
        if not town_addresses(result.campaign, town):
            continue
        word = reminder_docx(reminder_context(result, town, signed), word_template)
        attached = [(Path(name).with_suffix(".docx").name, word)]
        if soffice() is not None:
            try:
                attached.append((Path(name).with_suffix(".pdf").name, docx_to_pdf(word)))
            except ConversionFailed:
                pass  # the Word 催报 is attached; a PDF is a convenience
        context = reminder_context(result, town, signed)
        drafts.append(reminder_draft(town, text, name, result.campaign, now, sender, attached, subject=context["title"]))
    return drafts


def remind_towns(target: str, result: Assessment, template_file: Path | None, formats: tuple[str, ...], signed: date | None,
           now: datetime, session: Callable[[str], Session]) -> list[Path | str]:
    """The 催报 notices into a folder, and a mail draft for each town whose address is configured (into the folder,
    or the drafts folder of an imap(s):// mailbox, logged in to by `session`); what was written."""
    from bairi.core.calendar import zone
    from bairi.intake.imap import is_url
    from bairi.present.drafts import deliver, draft_sender
    from bairi.present.word import is_word

    word = template_file if template_file is not None and is_word(template_file) else None
    text_template = None if word else template_file
    written: list[Path | str] = []
    if not is_url(target):
        written.extend(write_reminders(Path(target), result, text_template, formats, word, signed))
    local_now = now.astimezone(zone(result.campaign))
    drafts = reminder_drafts(result, draft_sender(target, result.campaign), local_now, text_template, word, signed)
    return written + [where or draft.note for draft, where in zip(drafts, deliver(target, drafts, now, session))]


# A message to a work group or by SMS: one screen.
SHORT_LIMIT = 200


def short_reminder(context: dict[str, Any]) -> str:
    """The 催报 in at most SHORT_LIMIT characters, for the towns' work group or an SMS (written beside the .docx)."""
    owed = list(context["missing"])
    phones = "、".join(context["contact"]["phones"][:1])
    for shown in range(len(owed), 0, -1):
        listed = "、".join(owed[:shown]) + (f"等{len(owed)}项材料" if shown < len(owed) else "")
        text = (f"【{context['authority']}】{context['addressee']}：截至{context['as_of_text']}，你单位{listed}"
                f"尚未报送到位，已逾期。请立即报送，催报函已于{context['signed_text']}发出。"
                + (f"联系电话：{phones}。" if phones else ""))
        if len(text) <= SHORT_LIMIT:
            return text
    return text[:SHORT_LIMIT]
