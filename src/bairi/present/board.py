"""`bairi board`: the campaign on one self-contained HTML page (and its one-page PDF), from the one state.

Everything is computed here; the template only loops and formats, with autoescape on: every town-supplied
text (file names, enterprise names, hazard details, findings quoting cells) reaches the page escaped.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bairi.core.findings import Severity
from bairi.state.standing import STATUS_LABELS, STATUSES, CampaignState, Standing

# The figures a leader asks about first, in the form's order.
_TOTAL_KEYS = ("teams", "enterprises", "general_found", "general_fixed", "major_found", "major_fixed", "ordered",
               "fines", "suspended", "closed")


def _days(standing: Standing, as_of: date) -> str:
    if standing.status == "not_due":
        left = (standing.due - as_of).days
        return f"余{left}天" if left > 0 else "今天截止"
    if standing.days_late > 0:
        return f"逾期{standing.days_late}天" if standing.status != "late" else f"迟{standing.days_late}天"
    received = standing.received
    return f"{received.month}-{received.day:02d}收到" if received else ""


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def _change(now: Any, before: Any) -> str:
    if now is None or before is None:
        return ""
    delta = Decimal(str(now)) - Decimal(str(before))
    return "持平" if delta == 0 else f"{'+' if delta > 0 else ''}{_number(delta)}"


def _totals(state: CampaignState) -> dict[str, Any] | None:
    """The county's 累计 of the latest period with returns, beside the month before, and the rectification rates."""
    from bairi.core.form import notice_columns
    from bairi.merge.consolidate import MergeRefused, consolidate, latest_period, rate_key, rates

    period = latest_period(state)
    if period is None:
        return None
    try:
        now = consolidate(state, period)
    except MergeRefused:
        return None
    periods = [p.period for p in state.campaign.periods]
    before = None
    if period in periods and periods.index(period) > 0:
        previous = periods[periods.index(period) - 1]
        try:
            before = consolidate(state, previous)
        except MergeRefused:
            before = None
    cum = now.totals["cumulative_row"]
    old = before.totals["cumulative_row"] if before is not None and before.accepted else None
    form = now.form
    columns = form.by_key
    # The notice's form: the figures a leader asks about first; another form: every one of its columns.
    keys = [k for k in _TOTAL_KEYS if k in columns] if notice_columns(form) else list(form.keys)
    lines = [{"label": columns[k].label, "now": _number(cum.get(k)), "before": _number(old.get(k)) if old else "—",
              "change": _change(cum.get(k), old.get(k)) if old else ""} for k in keys]
    rate_now, rate_old = rates(cum, form), rates(old, form) if old else {}
    # Each pair's rate named by its group (一般隐患整改率, 安全问题整改率), as the bulletin names it.
    words = {rate_key(found): f"{columns[found].group or columns[found].header}整改率" for found, _ in form.found_fixed}
    rate_lines = [{"label": words[k], "now": _percent(v), "before": _percent(rate_old.get(k)) if old else "—"}
                  for k, v in rate_now.items()]
    return {"period": period, "previous": before.period if before is not None and old else None,
            "counted": len(now.accepted), "towns": len(now.towns), "missing": "、".join(now.missing_towns),
            "lines": lines, "rates": rate_lines}


def _hazards(state: CampaignState) -> list[dict[str, Any]]:
    from bairi.hazards.entries import sightings_of
    from bairi.hazards.register import build_register

    register = build_register(sightings_of(state), state.campaign, state.as_of)
    rows = []
    for entry in register.entries:
        if entry.status != "open":
            continue
        late = (state.as_of - entry.deadline).days if entry.overdue and entry.deadline else 0
        rows.append({"town": entry.town, "enterprise": entry.enterprise, "category": entry.category,
                     "detail": entry.detail, "deadline": entry.deadline.isoformat() if entry.deadline else "未定",
                     "overdue": entry.overdue, "state": f"逾期{late}天" if entry.overdue else "未整改"})
    rows.sort(key=lambda r: (not r["overdue"], r["town"]))
    return rows


def _town(town: str, standings: list[Standing]) -> dict[str, Any]:
    problems: list[str] = []
    files: list[dict[str, str]] = []
    seen: set[str] = set()
    for standing in standings:
        for note in standing.findings:
            if note.severity is not Severity.INFO and note.message not in problems:
                problems.append(note.message)
        ret = standing.ret
        for item in ret.findings if ret is not None else []:
            if item.severity is not Severity.INFO:
                problems.append(f"{standing.deadline.label} {item.location}：{item.message}")
        for receipt in standing.receipts:
            if receipt.source in seen:
                continue
            seen.add(receipt.source)
            counted = receipt is standing.counted or receipt is standing.receipt
            files.append({"deadline": standing.deadline.short, "name": receipt.name,
                          "time": receipt.received.strftime("%Y-%m-%d %H:%M"),
                          "state": "计入" if counted else ("退回" if receipt.readable and not receipt.accepted else "未计入")})
    owed = [s for s in standings if s.overdue]
    return {"town": town, "problems": problems, "files": files, "owed": len(owed),
            "summary": "、".join(f"{s.deadline.short}{s.label}" for s in owed) or "无欠报"}


def board_context(state: CampaignState, generated: str) -> dict[str, Any]:
    """Every value the board shows, computed (the template only loops)."""
    campaign = state.campaign
    grouped = state.by_town()
    rows = [{"town": town, "cells": [{"status": s.status, "word": s.label, "days": _days(s, state.as_of)}
                                     for s in standings]}
            for town, standings in grouped.items()]
    counts = {k: sum(1 for s in state.standings if s.status == k) for k in STATUSES}
    return {
        "title": f"{campaign.name}报送情况",
        "authority": campaign.authority,
        "as_of": state.as_of.isoformat(),
        "generated": generated,
        "deadlines": [{"short": d.short, "due": f"{d.due.month}-{d.due.day:02d}"} for d in state.deadlines],
        "rows": rows,
        "legend": [{"status": k, "word": STATUS_LABELS[k], "count": counts[k]} for k in STATUSES],
        "totals": _totals(state),
        "hazards": _hazards(state),
        "towns": [_town(town, standings) for town, standings in grouped.items()],
        "overdue": len(state.overdue),
    }


def render_board(context: dict[str, Any]) -> str:
    """The board's HTML: the shipped template with autoescape on (and StrictUndefined)."""
    from importlib import resources

    from jinja2 import Environment, StrictUndefined

    source = (resources.files("bairi.templates") / "board.html.j2").read_text(encoding="utf-8")
    environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return environment.from_string(source).render(**context)
