"""The 通报 (bulletin): merged figures, each town in the campaign's order, late and missing towns and open hazards →
template variables.

Everything is computed and formatted here; templates/summary.txt.j2 only loops and places words.
The variables are documented in templates/README.md.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bairi.core.calendar import Deadline, day_text, last_on_time, month_text
from bairi.core.campaign import Campaign
from bairi.core.form import NOTICE, Form, notice_columns
from bairi.core.model import Return
from bairi.core.values import plain
from bairi.deadlines.schedule import Assessment
from bairi.merge.consolidate import Merged, rate_key, rates
from bairi.state.standing import STATUS_LABELS, Standing

SUMMARY_TEMPLATE = "summary.txt.j2"
# The second level of a 公文's headings: （一）（二）…
CN_ORDINALS = "一二三四五六七八九十"


def cn_month_day(day: date | datetime) -> str:
    """12月25日."""
    return f"{day.month}月{day.day}日"


def percent(value: Decimal | None) -> str:
    """87.5%, 80.0%, 100.0%: always one decimal, so a column of rates reads alike (— when nothing to divide by)."""
    return "—" if value is None else f"{Decimal(value).quantize(Decimal('0.1'))}%"


def sentence(text: str) -> str:
    """The text as a sentence: a full stop added unless it already ends with one (or ! ? …)."""
    text = text.strip()
    return text if not text or text[-1] in "。！？…；" else f"{text}。"


def _rate(fixed: int | Decimal | None, found: int | Decimal | None) -> Decimal | None:
    if not found or fixed is None:
        return None
    return (Decimal(fixed) * 100 / Decimal(found)).quantize(Decimal("0.1"))


def _figures(values: dict[str, Any], form: Form) -> dict[str, str]:
    return {key: plain(values.get(key)) or "0" for key in form.keys}


def unit_noun(campaign: Campaign) -> str:
    """What the units are called in a bulletin: 镇 for towns, 县（市、区） for counties, else 单位."""
    endings = {u.name[-1] for u in campaign.units}
    if endings <= {"镇", "乡"}:
        return "镇"
    if endings <= {"县", "市", "区"}:
        return "县（市、区）"
    return "单位"


def period_on(campaign: Campaign, as_of: date) -> str:
    """The period a bulletin dated `as_of` is about: the latest one that has begun by then."""
    ordered = sorted(p.period for p in campaign.periods)
    begun = [p for p in ordered if date(int(p[:4]), int(p[5:]), 1) <= as_of]
    return begun[-1] if begun else ordered[0]


def _town_figures(ret: Return, area: int) -> dict[str, Any]:
    """A counted return's figures as the bulletin says them: this month's enterprises and their share of the
    town's, the cumulative rates, every cumulative figure."""
    total, month = ret.values("cumulative"), ret.values("period")
    return {
        "month_enterprises": plain(month.get("enterprises")) or "0",
        "coverage": percent(_rate(month.get("enterprises"), area) if area else None),
        "general_rate": percent(_rate(total.get("general_fixed"), total.get("general_found"))),
        "major_rate": percent(_rate(total.get("major_fixed"), total.get("major_found"))),
        **{key: plain(total[key]) or "0" for key in ret.form.keys},
    }


def _ranking(merged: Merged, campaign: Campaign) -> list[dict[str, Any]]:
    """The counted towns' rows of the Word bulletin's table 1, numbered in the campaign's order of towns (a bulletin
    does not rank towns by how many hazards they found; `ranking` keeps its name for the clerk's own templates)."""
    rows: list[dict[str, Any]] = []
    for line in merged.towns:
        if line.ret is None:
            continue
        unit = campaign.unit(line.town)
        area = unit.enterprises if unit else 0
        total = line.ret.values("cumulative")
        rows.append({"rank": len(rows) + 1, "town": line.town, "status": line.status, "area_enterprises": area,
                     "hazards_found": sum((total.get(key) or 0) for key, _ in merged.form.found_fixed),
                     **_town_figures(line.ret, area)})
    return rows


def _columns(totals: dict[str, Any], form: Form) -> list[dict[str, str]]:
    """The form's columns with the county's cumulative and period figures (a bulletin for any form)."""
    return [{"key": c.key, "short": c.short, "unit": "万元" if c.unit == "万" else c.unit,
             "total": plain(totals["cumulative_row"].get(c.key)) or "0",
             "month": plain(totals["period_row"].get(c.key)) or "0"} for c in form.columns]


def _pairs(cumulative_rates: dict[str, Any], form: Form) -> list[dict[str, str]]:
    """Each found/fixed pair of the form with its cumulative rate."""
    return [{"name": form.by_key[found].group or form.by_key[found].header, "found": found, "fixed": fixed,
             "rate": percent(cumulative_rates.get(rate_key(found)))} for found, fixed in form.found_fixed]


def _hazard_headers(form: Form) -> dict[str, str]:
    return {column.key: column.header for column in form.hazard_columns}


def _open(values: dict[str, Any]) -> int:
    found, fixed = values.get("major_found") or 0, values.get("major_fixed") or 0
    return max(int(found) - int(fixed), 0)


def _problem(ret: Return) -> str:
    from bairi.core.findings import Severity

    # The message alone: a 通报 never quotes a cell reference or a file name.
    first = next((f for f in ret.findings if f.severity is Severity.ERROR), None)
    return "" if first is None else (first.town_message or first.message)


def document_number(campaign: Campaign, day: date, number: str | None = None) -> str:
    """发文字号: a full one as given, else 机关代字〔year〕N号; without N (or 代字), a blank for the office to fill in."""
    number = (number or "").strip()
    if "〔" in number or "[" in number:
        return number
    # No 代字 configured and no number given: the 〔year〕 号 is still printed, blank for the 办公室 to fill (GB/T 9704
    # §7.2.4 wants one; a counter bairi invented would be wrong).
    return f"{campaign.document_code}〔{day.year}〕{number or '　　'}号"


def document_frame(campaign: Campaign, day: date, number: str | None = None,
                   copy_to: list[str] | None = None) -> dict[str, Any]:
    """The 版头 and 版记 variables shared by the bulletin and the reminders (GB/T 9704); signed on `day` unless
    the caller says otherwise (--date)."""
    from bairi.present.word import signing

    return {
        **signing(day),
        "masthead": campaign.masthead or f"{campaign.authority}文件",
        "document_number": document_number(campaign, day, number),
        "copy_to": list(campaign.copy_to if copy_to is None else copy_to),
        "issuer": campaign.issuer or f"{campaign.authority}办公室",
    }


def _overdue_rows(result: Assessment) -> list[dict[str, Any]]:
    """Every deadline a town has not met in time (late, missing, sent back, to verify, incomplete), by due day."""
    notes = {
        "late": lambda i: f"逾期{i.days_late}天",
        "missing": lambda i: f"已逾期{i.days_late}天",
        # The state's reason names files and cells (for the clerk); the table is read by the towns.
        "rejected": lambda i: "报表有误已退回，未收到修改后的报表",
        "to_verify": lambda i: "所报材料待核实",
        "incomplete": lambda i: f"缺{'、'.join(i.missing)}",
    }
    items = [i for i in result.items if i.status in notes]
    items.sort(key=lambda i: i.deadline.due)
    return [{"seq": n, "label": i.deadline.label, "due_text": day_text(i.deadline.due), "town": i.town,
             "status": i.status, "status_label": STATUS_LABELS[i.status], "note": notes[i.status](i)}
            for n, i in enumerate(items, start=1)]


def _hazard_rows(result: Assessment) -> list[dict[str, Any]]:
    """The open major hazards one per row; a town that lists none still gets a row saying how many are open."""
    rows = []
    for o in result.open_hazards:
        if not o.hazards:
            rows.append({"town": o.town, "enterprise": "", "supervisor": "",
                         "detail": f"累计未整改{o.open}项，报表未填写重大隐患明细"})
        rows.extend({"town": o.town, "enterprise": h.enterprise, "supervisor": h.supervisor, "detail": h.detail}
                    for h in o.hazards)
    return [{"seq": n, **row} for n, row in enumerate(rows, start=1)]


def passed(deadline: Deadline, campaign: Campaign, as_of: date) -> bool:
    """True once the deadline's last on-time day is behind `as_of`: only then is a rate or a 未报 said."""
    return as_of > last_on_time(deadline.due, campaign)


def _deadline_statements(result: Assessment) -> list[dict[str, Any]]:
    """Per deadline that is due or has anything received, every town in exactly one group (tested to sum to all)."""
    campaign, as_of = result.campaign, result.as_of
    found = []
    for tally in result.tallies:
        items = [i for i in result.items if i.deadline is tally.deadline]
        over = passed(tally.deadline, campaign, as_of)
        if not over and tally.counts["not_due"] == tally.towns:
            continue

        def towns(status: str, of: list[Standing] = items) -> list[str]:
            return [i.town for i in of if i.status == status]

        found.append({
            "key": tally.deadline.key,
            "label": tally.deadline.label,
            "due_text": day_text(tally.deadline.due),
            "passed": over,
            # Met on time: with every material, or without some (those are listed again under incomplete).
            "on_time": tally.counts["on_time"] + tally.counts["incomplete"],
            "on_time_towns": towns("on_time"),
            "late": [{"town": i.town, "days": i.days_late} for i in items if i.status == "late"],
            "missing": towns("missing"),
            "rejected": towns("rejected"),
            "incomplete": [{"town": i.town, "missing": "、".join(i.missing)} for i in items if i.status == "incomplete"],
            "to_verify": towns("to_verify"),
            # Not yet due for these towns (the day not reached, or extended by the county).
            "not_due": towns("not_due"),
            "received": tally.received,
            "towns_total": tally.towns,
            # A rate says how a deadline went: only once its day is over.
            "rate": percent(tally.rate) if over else "",
            "on_time_rate": percent(tally.on_time_rate) if over else "",
        })
    return found


def _counted_figures(result: Assessment, town: str) -> tuple[str, int, int] | None:
    """The town's latest counted (accepted) return: its period text and 累计 major hazards found and fixed."""
    standing = result.state.latest_returns().get(town)
    if standing is None or standing.ret is None:
        return None
    values = standing.ret.values("cumulative")
    return (month_text(standing.deadline.key), int(values.get("major_found") or 0),
            int(values.get("major_fixed") or 0))


def _open_hazards(result: Assessment) -> list[dict[str, Any]]:
    """The towns with hazards the register marks overdue; figures quoted only from a counted return."""
    rows = []
    for o in result.open_hazards:
        counted = _counted_figures(result, o.town)
        # The register may rest on a return sent back since; its figures are then not quoted, nor older ones beside it.
        if counted is not None and o.period and counted[0] != month_text(o.period):
            counted = None
        rows.append({
            "town": o.town,
            "period_text": counted[0] if counted else "",
            "found": counted[1] if counted else "",
            "fixed": counted[2] if counted else "",
            "counted": counted is not None,
            # Not the figure of a return sent back: the counted one's, else the register's own count.
            "open": counted[1] - counted[2] if counted else len(o.hazards),
            "rows": [{"enterprise": h.enterprise, "supervisor": h.supervisor, "detail": sentence(h.detail)}
                     for h in o.hazards],
        })
    return rows


def _town_lines(merged: Merged, campaign: Campaign) -> list[dict[str, Any]]:
    """Every town of the campaign, in its order: its counted figures, or why it has none this period."""
    lines = []
    for line in merged.towns:
        unit = campaign.unit(line.town)
        area = unit.enterprises if unit else 0
        entry: dict[str, Any] = {"town": line.town, "status": line.code, "status_label": STATUS_LABELS.get(line.code, ""),
                                 "counted": line.ret is not None, "area_enterprises": area}
        if line.ret is not None:
            entry.update(_town_figures(line.ret, area))
        lines.append(entry)
    return lines


def _coverage_short(merged: Merged, result: Assessment) -> dict[str, list[dict[str, Any]]]:
    """Per town, each counted month (up to the bulletin's) whose inspected enterprises fall below the notice's share."""
    campaign = result.campaign
    short: dict[str, list[dict[str, Any]]] = {}
    for standing in result.items:
        key = standing.deadline.key
        if standing.deadline.kind != "return" or key > merged.period or standing.ret is None:
            continue
        unit = campaign.unit(standing.town)
        if unit is None or not unit.enterprises:
            continue
        value = standing.ret.values("period").get("enterprises")
        need = math.ceil(unit.enterprises * campaign.inspect_share)
        if value is not None and value < need:
            short.setdefault(standing.town, []).append(
                {"period_text": month_text(key), "month_text": f"{int(key[5:])}月", "value": plain(value) or "0",
                 "area": unit.enterprises})
    return short


def _uncounted(merged: Merged) -> dict[str, list[str]]:
    """The towns whose figures the totals lack, each in exactly one group (together: merge's missing_towns)."""
    groups: dict[str, list[str]] = {"rejected": [], "to_verify": [], "not_sent": [], "other": []}
    for line in merged.towns:
        if line.ret is not None:
            continue
        group = {"rejected": "rejected", "to_verify": "to_verify", "missing": "not_sent", "not_due": "not_sent"}
        groups[group.get(line.code, "other")].append(line.town)
    return groups


def measures(merged: Merged, result: Assessment) -> dict[str, Any]:
    """表扬 and 批评 against the notice's own measures, each judged only where the data can tell and the day is past:
    materials on time, the monthly share of enterprises inspected, a 典型案例, major hazards rectified in time."""
    campaign, as_of = result.campaign, result.as_of
    owed = ("late", "missing", "rejected", "incomplete")
    due = [d for d in result.deadlines if passed(d, campaign, as_of)]
    counted_months = {s.town for s in result.items if s.deadline.kind == "return" and s.ret is not None
                      and s.deadline.key <= merged.period}
    short = _coverage_short(merged, result)
    overdue_towns = {o.town: len(o.hazards) or o.open for o in result.open_hazards}
    case_items = {s.town: s for s in result.items if s.deadline.kind == "case"}
    criticism: dict[str, list[Any]] = {"materials": [], "coverage": [], "case": [], "hazards": []}
    praise = []
    for unit in campaign.units:
        town = unit.name
        mine = [s for s in result.items if s.town == town and s.deadline in due]
        # The typical case is judged on its own below, not twice.
        failed = [s for s in mine if s.status in owed and s.overdue and s.deadline.kind != "case"]
        if failed:
            criticism["materials"].append({"town": town, "owed": [
                {"label": s.deadline.label, "status": s.status, "status_label": STATUS_LABELS[s.status],
                 "days": s.days_late, "missing": "、".join(s.missing)} for s in failed]})
        if town in short:
            criticism["coverage"].append({"town": town, "months": short[town]})
        case = case_items.get(town)
        case_in = case is not None and case.status in ("on_time", "late", "incomplete")
        if case is not None and not case_in and case.past_due and case.status != "to_verify":
            criticism["case"].append(town)
        if town in overdue_towns:
            criticism["hazards"].append({"town": town, "count": overdue_towns[town]})
        # Praise needs every measure met and shown: all due materials on time, months counted, a case in.
        on_time = bool(mine) and all(s.status == "on_time" for s in mine)
        if on_time and town in counted_months and town not in short and case_in and town not in overdue_towns:
            praise.append(town)
    groups = [{"seq": CN_ORDINALS[n], "kind": kind, "towns": towns}
              for n, (kind, towns) in enumerate((k, v) for k, v in criticism.items() if v)]
    return {"praise": praise, "criticism": criticism, "criticism_groups": groups}


def _requirements(merged: Merged, result: Assessment, verdicts: dict[str, Any]) -> list[dict[str, Any]]:
    """五、下步工作要求: one item per thing the data shows still to do, naming the towns; then the standing ones."""
    campaign, as_of = result.campaign, result.as_of
    items: list[dict[str, Any]] = []
    owed = [s for s in result.items if s.overdue and s.status != "late" and s.deadline.kind != "case"]
    if owed:
        labels = [d.label for d in result.deadlines if any(s.deadline is d for s in owed)]
        items.append({"kind": "resend", "towns": list(dict.fromkeys(s.town for s in owed)), "labels": labels})
    if result.open_hazards:
        items.append({"kind": "hazards", "towns": [o.town for o in result.open_hazards]})
    short = verdicts["criticism"]["coverage"]
    if short:
        items.append({"kind": "coverage", "towns": [c["town"] for c in short]})
    no_case = [s.town for s in result.no_case if s.status != "to_verify"]
    if no_case:
        items.append({"kind": "case", "towns": no_case, "passed": result.cases_due_passed,
                      "due_text": day_text(campaign.cases_due) if campaign.cases_due else ""})
    # The typical case has its own item above; the others still to come are named with their day.
    upcoming = [d for d in result.deadlines if d.kind != "case" and not passed(d, campaign, as_of)]
    if upcoming:
        items.append({"kind": "upcoming", "deadlines": [{"label": d.label, "due_text": day_text(d.due)}
                                                        for d in upcoming[:3]]})
    items.append({"kind": "standing"})
    return [{"seq": CN_ORDINALS[n], **item} for n, item in enumerate(items)]


def bulletin_context(merged: Merged, result: Assessment, campaign: Campaign, number: str | None = None,
                     attachments: list[str] | None = None) -> dict[str, Any]:
    """Every variable of the summary template (documented in templates/README.md)."""
    as_of = result.as_of
    chosen = campaign.period(merged.period)
    due = chosen.due if chosen is not None else as_of
    cutoff = min(as_of, due)
    totals, form = merged.totals, merged.form
    cumulative_rates = rates(totals["cumulative_row"], form)
    scope = f"全{campaign.authority_short[-1]}" if campaign.authority_short else "全部"
    suffix = campaign.unit_suffixes[0] if campaign.unit_suffixes else ""
    ranking = _ranking(merged, campaign)
    deadlines = _deadline_statements(result)
    verdicts = measures(merged, result)
    return {
        "campaign_name": campaign.name,
        "authority": campaign.authority,
        "scope": scope,
        "unit_noun": unit_noun(campaign),
        "addressee": f"各{unit_noun(campaign)}{suffix}",
        "as_of": as_of,
        "as_of_text": day_text(as_of),
        "period": merged.period,
        "period_text": month_text(merged.period),
        "month_text": f"{int(merged.period[5:])}月",
        "cutoff_text": cn_month_day(cutoff),
        "towns_total": len(merged.towns),
        "reported": [line.town for line in merged.towns if line.ret is not None],
        # Sent back, as merge lists them: a campaign town's, or one whose unit is none of the campaign's (town None).
        "rejected": [{"town": r.town if r.town and campaign.unit(r.town) else None,
                      "unit": r.town or r.unit_raw or r.file.name, "problem": _problem(r)} for r in merged.rejected],
        "to_verify": [{"town": line.town, "reason": line.standing.reason if line.standing else ""}
                      for line in merged.towns if line.code == "to_verify"],
        # Whose figures the totals lack (as merge's missing_towns), and of those, who sent nothing at all.
        "not_reported": merged.missing_towns,
        "not_sent": [line.town for line in merged.towns if line.code in ("missing", "not_due")],
        # Received by what the files cannot show (the clerk's logbook): counted as received, not added up.
        "logbook_only": [{"town": line.town, "how": getattr(line.standing.receipt.entry, "how", ""),
                          "cite": getattr(line.standing.receipt.entry, "cite", "")}
                         for line in merged.towns if line.ret is None and line.standing is not None
                         and line.standing.receipt is not None and line.standing.receipt.entry is not None],
        "incomplete": [{"town": line.town, "missing": "、".join(line.standing.missing)}
                       for line in merged.towns if line.standing is not None and line.standing.missing
                       and line.standing.past_due],
        "total": _figures(totals["cumulative_row"], form),
        "month": _figures(totals["period_row"], form),
        "rates": {"general": percent(cumulative_rates.get("general_rate")),
                  "major": percent(cumulative_rates.get("major_rate"))},
        # Another form than the notice's: its own columns and found/fixed pairs, in its words.
        # The notice's 通报 names the notice's columns and hazard headers: only a form with both word for word.
        "notice_form": notice_columns(form) and _hazard_headers(form) == _hazard_headers(NOTICE),
        "columns": _columns(totals, form),
        "pairs": _pairs(cumulative_rates, form),
        "ranking": ranking,
        "deadlines": deadlines,
        "rectify_by_text": day_text(campaign.rectify_by) if campaign.rectify_by else "",
        "rectify_passed": result.rectify_passed,
        "open_hazards": _open_hazards(result),
        # Major hazards reported and not yet fixed in the counted returns: "all rectified" only when this is 0.
        "major_open": _open(totals["cumulative_row"]),
        "no_case": [s.town for s in result.no_case],
        "cases_due_text": day_text(campaign.cases_due) if campaign.cases_due else "",
        "cases_due_passed": result.cases_due_passed,
        "contact": {"people": list(campaign.contact.people), "phones": list(campaign.contact.phones),
                    "emails": list(campaign.contact.emails)},
        # Table-friendly views (the Word bulletin's tables) and the official-document frame.
        "overdue_rows": _overdue_rows(result),
        "hazard_rows": _hazard_rows(result),
        # The hazard table's headers in the form's words (the Word bulletin's table of open hazards).
        "hazard_headers": _hazard_headers(form),
        "area_enterprises": sum(row["area_enterprises"] for row in ranking),
        "coverage": percent(_rate(totals["period_row"].get("enterprises"), sum(r["area_enterprises"] for r in ranking))
                            if ranking else None),
        "attachments": list(attachments or []),
        "towns": _town_lines(merged, campaign),
        "uncounted": _uncounted(merged),
        "praise": verdicts["praise"],
        "criticism": verdicts["criticism"],
        "criticism_groups": verdicts["criticism_groups"],
        "inspect_share_text": f"{Decimal(str(campaign.inspect_share)) * 100:.0f}%",
        "requirements": _requirements(merged, result, verdicts),
        **document_frame(campaign, as_of, number),
    }


def render_bulletin(context: dict[str, Any], template: Path | None = None) -> str:
    """The bulletin text from the shipped template or the user's own (a misspelt variable is an error)."""
    from bairi.present.render import render, render_file

    return render_file(template, **context) if template else render(SUMMARY_TEMPLATE, **context)
