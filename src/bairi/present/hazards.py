"""`bairi hazards` output: the register as the JSON contract spells it, and as a table for the clerk."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bairi.hazards.entries import CLERK_KEYS, Entry, Register, overdue

if TYPE_CHECKING:
    from bairi.present.documents import EntryDoc, HazardsDoc


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def entry_document(entry: Entry) -> EntryDoc:
    """One register entry (SPEC keys first)."""
    from bairi.present.documents import EntryDoc, SourceDoc
    from bairi.present.report import jsonable

    return EntryDoc(
        town=entry.town,
        enterprise=entry.enterprise,
        category=entry.category,
        supervisor=entry.supervisor,
        detail=entry.detail,
        first_period=entry.first_period,
        last_period=entry.last_period,
        periods=entry.periods,
        status=entry.status,
        overdue=entry.overdue,
        # A source carries more than its model names (the cells, the row's words): kept as JSON values.
        sources=[SourceDoc(**jsonable(s.as_dict())) for s in entry.seen],
        rectify_by=entry.rectify_by,
        rectified_on=entry.rectified_on,
        late_days=entry.late_days,
        plan_beyond_deadline=entry.plan_beyond_deadline,
        first_reported=entry.first_reported,
        rectified_on_bound="不晚于" if entry.rectified_bound and entry.rectified_on else None,
        state_label=entry.state_label,
        extended=entry.extended,
        suspended=entry.suspended,
        id=entry.id,
        status_label=entry.status_label,
        deadline=entry.deadline,
        deadline_source=entry.deadline_source,
        plan_deadline=entry.plan_deadline,
        rectified_in=entry.rectified_in,
        rectified_by=entry.basis or None,
        vanished_from=entry.vanished_from,
        uncertain_match=bool(entry.fuzzy) and entry.match != "confirmed",
        match=entry.match or None,
        carried_over=entry.carried,
        clerk={key: _plain(entry.clerk.get(key)) for key in CLERK_KEYS},
    )


def register_document(register: Register, output: Path | None) -> HazardsDoc:
    """The whole `bairi hazards --format json` document."""
    from bairi.present.documents import FindingDoc, HazardsDoc

    return HazardsDoc(
        as_of=register.as_of,
        hazards=[entry_document(e) for e in register.entries],
        findings=[FindingDoc(**f.as_dict()) for f in register.findings],
        output=str(output) if output else None,
        periods=register.periods,
        counts={"total": len(register.entries), "open": len(register.open), "overdue": len(overdue(register)),
                "rectified": len(register.entries) - len(register.open)},
    )


SHORT_BASIS = {"text": "报表注明", "count": "已整改数增加", "total": "累计已全部整改", "clerk": "县局销号"}


def show_register(console: Any, register: Register, output: Path | None) -> None:
    """The register as a Rich table: open entries first, then the findings."""
    from rich.table import Table

    from bairi.present.terminal import STYLE, escape

    late = overdue(register)
    console.print(f"重大隐患台账（截至 {register.as_of.isoformat()}）：共 {len(register.entries)} 项，"
                  f"未整改 {len(register.open)} 项，其中逾期 {len(late)} 项。")
    if register.entries:
        table = Table(show_lines=False)
        for header in ("编号", "所在镇", "企业名称", "首次报告", "各月", "整改期限", "状态"):
            table.add_column(header, overflow="fold")
        for entry in sorted(register.entries, key=lambda e: (e.status != "open", not e.overdue)):
            if entry.overdue:
                state = f"[bold red]{entry.state_label}[/]（{entry.late_days}天）"
            elif entry.status == "open":
                state = "[yellow]未整改[/]" + ("（未再列入）" if entry.vanished_from else "")
            else:
                how = "，".join(x for x in (entry.rectified_in, SHORT_BASIS.get(entry.basis, "")) if x)
                word = f"[red]{entry.state_label}[/]" if entry.late_days else "[green]已整改[/]"
                state = f"{word}（{how}）" if how else word
            table.add_row(escape(entry.id), escape(entry.town), escape(entry.enterprise), entry.first_period or "",
                          "、".join(p[5:].lstrip("0") + "月" for p in entry.periods),
                          entry.deadline.isoformat() if entry.deadline else "", state)
        console.print(table)
    for item in register.findings:
        console.print(f"[{STYLE[item.severity]}]{item.severity.label} {item.code}[/] {escape(item.location)}："
                      f"{escape(item.message)}")
    if output is not None:
        console.print(f"已写出重大隐患台账 {escape(str(output))}")


class RegisterRefused(Exception):
    """The register cannot be read back or written (said in Chinese; exit 2)."""


def previous_register(output: Path | None, kept: Path | None) -> Any:
    """The register whose clerk's columns carry on: -o when it exists, else the newest one kept in the home."""
    from bairi.write.register import RegisterUnreadable, read_register

    source = output if output is not None and output.exists() else (kept if output is not None else None)
    if source is None:
        return None
    try:
        return read_register(source)
    except RegisterUnreadable as exc:
        raise RegisterRefused(str(exc)) from None


def _same_path(location: str, path: Path) -> bool:
    try:
        return Path(location).resolve() == path.resolve()
    except (OSError, ValueError):
        return False


def hazard_register(state: Any, campaign: Any, previous: Any, output: Path | None) -> Register:
    """The register as of the state's day, carrying on `previous`, written to `output` when given."""
    from bairi.hazards.entries import sightings_of
    from bairi.hazards.register import build_register
    from bairi.write.register import write_register

    # The register itself may sit in the inbox: it is the county's own file, not a town's.
    notes = [f for f in state.findings if output is None or not _same_path(f.location, output)]
    register = build_register(sightings_of(state), campaign, state.as_of, previous)
    register.findings[:0] = notes
    if output is not None:
        try:
            write_register(output, register, campaign)
        except OSError as exc:
            raise RegisterRefused(f"无法写出 {output}：{exc.strerror or exc}") from None
    return register
