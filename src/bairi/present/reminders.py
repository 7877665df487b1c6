"""`bairi deadlines` output: the JSON document, the Rich tables, and the 催报 reminders."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bairi.intake.evidence import Evidence
from bairi.present.render import text_file
from bairi.write.atomic import write_atomic
from bairi.core.findings import Finding, Severity
from bairi.deadlines.schedule import EVIDENCE_LABELS, STATUS_LABELS, Assessment, Item

REMIND_TEMPLATE = "remind.txt.j2"


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def item_dict(item: Item) -> dict[str, Any]:
    """One town × deadline as the JSON contract spells it (SPEC keys first)."""
    receipt = item.receipt
    return {
        "town": item.town,
        "deadline": item.deadline.key,
        "due": item.deadline.due,
        "status": item.status,
        "received": _when(item.received),
        "days_late": item.days_late,
        "kind": item.deadline.kind,
        "label": item.deadline.label,
        "period": item.deadline.period,
        "evidence": receipt.evidence if receipt else None,
        "source": receipt.source if receipt else None,
        "accepted": (receipt.ret.ok if receipt and receipt.ret is not None else None),
        "copies": [{"received": _when(r.received), "evidence": r.evidence, "source": r.source} for r in item.receipts],
        "findings": [f.as_dict() for f in item.findings],
    }


def assessment_dict(result: Assessment, evidence: Evidence | None = None,
                    reminders: list[Path] | None = None) -> dict[str, Any]:
    """The whole `bairi deadlines --format json` document."""
    per_deadline = []
    for tally in result.tallies:
        items = [i for i in result.items if i.deadline is tally.deadline]
        per_deadline.append({
            "deadline": tally.deadline.key,
            "kind": tally.deadline.kind,
            "label": tally.deadline.label,
            "due": tally.deadline.due,
            **tally.counts,
            "towns": tally.towns,
            "received": tally.received,
            "rate": tally.rate,
            "on_time_rate": tally.on_time_rate,
            "late_towns": [i.town for i in items if i.status == "late"],
            "missing_towns": [i.town for i in items if i.status == "missing"],
        })
    campaign = result.campaign
    document: dict[str, Any] = {
        "as_of": result.as_of,
        "items": [item_dict(i) for i in result.items],
        "deadlines": per_deadline,
        "overdue": len(result.overdue),
        "overdue_hazards": {
            "rectify_by": campaign.rectify_by,
            "passed": result.rectify_passed,
            "towns": [{
                "town": o.town, "period": o.period, "source": o.source, "major_found": o.major_found,
                "major_fixed": o.major_fixed, "open": o.open, "hazards": [h.as_dict() for h in o.hazards],
                "detail_rows": o.rows,
            } for o in result.open_hazards],
        },
        "no_exposure": {
            "due": campaign.summary_due or campaign.end,
            "passed": result.exposure_due_passed,
            "towns": [{"town": e.town, "exposed": e.exposed, "period": e.period, "source": e.source}
                      for e in result.no_exposure],
        },
        "findings": [f.as_dict() for f in result.findings],
        "ignored_after_as_of": result.ignored_after,
    }
    if evidence is not None:
        document["inputs"] = {"mails": evidence.mails, "files": evidence.files, "attachments": evidence.attachments,
                              "ledger": str(evidence.ledger) if evidence.ledger else None}
    if reminders is not None:
        document["reminders"] = [str(p) for p in reminders]
    return document


def _md(day: date | datetime) -> str:
    return f"{day.month:02d}-{day.day:02d}"


def _cell(item: Item) -> str:
    mark = ""
    if item.receipt is not None and item.receipt.ret is not None and not item.receipt.ret.ok:
        mark = "[magenta]退[/]"
    if item.status == "on_time":
        return f"[green]√{_md(item.received)}[/]{mark}"
    if item.status == "late":
        return f"[yellow]迟{item.days_late}天[/]{mark}"
    if item.status == "missing":
        return f"[bold red]×{item.days_late}天[/]"
    return "[dim]—[/]"


def _percent(value: Any) -> str:
    return "—" if value is None else f"{value}%"


STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
# The terminal lists at most GROUP_SHOWN notes of one code once there are more than GROUP_FROM of it.
GROUP_FROM, GROUP_SHOWN = 5, 3


def show_assessment(console: Any, result: Assessment, evidence: Evidence | None = None,
                    reminders: list[Path] | None = None) -> None:
    """Towns × deadlines, the counts, the overdue items with their evidence, hazards and notes."""
    from rich.markup import escape
    from rich.table import Table

    campaign = result.campaign
    table = Table(title=f"{escape(campaign.name)} 报送情况（截至 {result.as_of.isoformat()}）", header_style="bold",
                  show_lines=False)
    table.add_column("镇", no_wrap=True, min_width=8)
    for deadline in result.deadlines:
        table.add_column(f"{deadline.short}\n截止{_md(deadline.due)}", no_wrap=True, min_width=9)
    for town, items in result.by_town().items():
        table.add_row(escape(town), *[_cell(i) for i in items])
    table.add_section()
    rows = (("按时", "on_time", "green"), ("逾期报送", "late", "yellow"), ("未报", "missing", "red"),
            ("未到期", "not_due", "dim"))
    for word, key, style in rows:
        table.add_row(f"[{style}]{word}[/]", *[f"[{style}]{t.counts[key]}[/]" for t in result.tallies])
    table.add_row("报送率", *[_percent(t.rate) for t in result.tallies])
    table.add_row("按时率", *[_percent(t.on_time_rate) for t in result.tallies])
    console.print(table)

    console.print("[dim]√ 按时（收到日期）  迟N天 逾期N天报送  ×N天 未报（已逾期N天）  — 未到期  "
                  "退＝报表检查未通过、应退回修改，仍按已报送计[/]")
    late = [i for i in result.items if i.status == "late"]
    if late:
        console.print(f"\n[bold]逾期报送（{len(late)} 项）[/]")
        for item in sorted(late, key=lambda i: (i.deadline.due, i.town)):
            receipt = item.receipt
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
    if not result.overdue:
        console.print("\n[green]没有逾期或未报的材料。[/]")

    if result.rectify_passed:
        console.print(f"\n[bold]重大隐患逾期未整改（应于 {campaign.rectify_by.isoformat()} 前整改到位）[/]")
        if not result.open_hazards:
            console.print("  [green]各镇最新报表中的重大隐患均已整改。[/]")
        for entry in result.open_hazards:
            console.print(f"  [red]{escape(entry.town)}[/]（{entry.period} 报表，{escape(entry.source)}）："
                          f"累计排查 {entry.major_found} 项、已整改 {entry.major_fixed} 项，未整改 {entry.open} 项")
            if entry.hazards:
                rows_table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1))
                rows_table.add_column("企业名称")
                rows_table.add_column("挂牌督办单位")
                rows_table.add_column("重大隐患明细及整改计划", overflow="fold")
                for hazard in entry.hazards:
                    rows_table.add_row(escape(hazard.enterprise), escape(hazard.supervisor), escape(hazard.detail))
                console.print(rows_table)
            else:
                console.print("    [yellow]报表中没有填写重大隐患明细[/]")

    # Before the deadline, towns that have sent nothing yet are not news; those reporting zero are.
    shown = [e for e in result.no_exposure if result.exposure_due_passed or e.exposed is not None]
    if shown:
        due = campaign.summary_due or campaign.end
        head = "逾期仍" if result.exposure_due_passed else "目前"
        names = "、".join(f"{e.town}{'（无可读报表）' if e.exposed is None else ''}" for e in shown)
        style = "red" if result.exposure_due_passed else "yellow"
        console.print(f"\n[bold]{head}未报告公开曝光案例的镇[/]（通知要求各镇至少上报 1 个典型案例，截止 {due.isoformat()}）：")
        console.print(f"  [{style}]{escape(names)}[/]")

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

    if evidence is not None:
        used: dict[str, int] = {}
        for item in result.items:
            for receipt in item.receipts:
                used[receipt.evidence] = used.get(receipt.evidence, 0) + 1
        words = "，".join(f"{EVIDENCE_LABELS[k]} {v} 份" for k, v in sorted(used.items())) or "无"
        ledger = f"；收件台账：{escape(str(evidence.ledger))}" if evidence.ledger else "；未使用收件台账"
        console.print(f"\n[dim]读取邮件文件 {evidence.mails} 个（附件 {evidence.attachments} 份）、其他文件 {evidence.files} 个。"
                      f"收到时间依据：{words}{ledger}[/]")
    if result.ignored_after:
        console.print(f"[dim]另有 {result.ignored_after} 份材料收到时间晚于 {result.as_of.isoformat()}，按当日尚未收到处理。[/]")
    if reminders:
        console.print(f"\n已写出催报通知 {len(reminders)} 份：")
        for path in reminders:
            console.print(f"  {escape(str(path))}")


_UNSAFE = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f]|\.{2,}")


def safe_filename(text: str) -> str:
    """A file name from arbitrary text: no folders, no '..', nothing Windows refuses."""
    name = re.sub(r"_+", "_", _UNSAFE.sub("_", text)).strip(" ._")
    return name or "未命名"


def _cn_date(day: date | datetime) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _cn_time(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日{moment.hour:02d}:{moment.minute:02d}"


def reminder_context(result: Assessment, town: str) -> dict[str, Any]:
    """Variables of templates/remind.txt.j2 for one town (documented in templates/README.md)."""
    campaign = result.campaign
    items = [i for i in result.items if i.town == town and i.overdue]
    suffix = campaign.unit_suffixes[0] if campaign.unit_suffixes else ""
    return {
        "town": town,
        "addressee": f"{town}{suffix}",
        "campaign_name": campaign.name,
        "authority": campaign.authority,
        "as_of": result.as_of,
        "as_of_text": _cn_date(result.as_of),
        "items": [{
            "label": i.deadline.label,
            "due": i.deadline.due,
            "due_text": _cn_date(i.deadline.due),
            "status": i.status,
            "status_label": STATUS_LABELS[i.status],
            "days_late": i.days_late,
            "received_text": _cn_time(i.received) if i.received else "",
        } for i in items],
        "missing": [i.deadline.label for i in items if i.status == "missing"],
        "late": [i.deadline.label for i in items if i.status == "late"],
        "contact": {"people": list(campaign.contact.people), "phones": list(campaign.contact.phones),
                    "emails": list(campaign.contact.emails)},
    }


def reminder_texts(result: Assessment, template: Path | None = None) -> list[tuple[str, str]]:
    """(file name, text) of one 催报 notice per town with anything late or missing."""
    from bairi.present.render import render, render_file

    towns = list(dict.fromkeys(i.town for i in result.items if i.overdue))
    texts: list[tuple[str, str]] = []
    used: set[str] = set()
    for town in towns:
        context = reminder_context(result, town)
        text = render_file(template, **context) if template else render(REMIND_TEMPLATE, **context)
        stem = f"催报_{safe_filename(town)}"
        name, n = f"{stem}.txt", 2
        while name in used:
            name, n = f"{stem}_{n}.txt", n + 1
        used.add(name)
        texts.append((name, text))
    return texts


def write_reminders(folder: Path, result: Assessment, template: Path | None = None) -> list[Path]:
    """Write the reminders into `folder` (created if needed); returns the files written."""
    folder = Path(folder)
    written: list[Path] = []
    root = folder.resolve()
    for name, text in reminder_texts(result, template):
        target = folder / name
        # safe_filename already forbids separators; this guards against anything it missed.
        if target.resolve().parent != root:
            raise ValueError(f"催报文件名不安全：{name}")
        write_atomic(target, text_file(text))
        written.append(target)
    return written
