"""The 通报 (bulletin): merged figures, town ranking, late and missing towns and open hazards → template variables.

Everything is computed and formatted here; templates/summary.txt.j2 only loops and places words.
The variables are documented in templates/README.md.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bairi.core.campaign import Campaign
from bairi.core.form import KEYS
from bairi.core.model import Return
from bairi.core.values import plain
from bairi.deadlines.schedule import Assessment
from bairi.merge.consolidate import Merged, rates
from bairi.state.standing import STATUS_LABELS

SUMMARY_TEMPLATE = "summary.txt.j2"


def cn_date(day: date | datetime) -> str:
    """2023年12月25日."""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month_day(day: date | datetime) -> str:
    """12月25日."""
    return f"{day.month}月{day.day}日"


def period_text(period: str) -> str:
    """2023-12 → 2023年12月."""
    return f"{period[:4]}年{int(period[5:])}月"


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


def _figures(values: dict[str, Any]) -> dict[str, str]:
    return {key: plain(values.get(key)) or "0" for key in KEYS}


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


def _ranking(merged: Merged, campaign: Campaign) -> list[dict[str, Any]]:
    rows = []
    for line in merged.towns:
        if line.ret is None:
            continue
        total = line.ret.values("cumulative")
        month = line.ret.values("period")
        unit = campaign.unit(line.town)
        area = unit.enterprises if unit else 0
        found = (total["general_found"] or 0) + (total["major_found"] or 0)
        rows.append({
            "town": line.town,
            "status": line.status,
            "area_enterprises": area,
            "month_enterprises": plain(month["enterprises"]) or "0",
            "coverage": percent(_rate(month["enterprises"], area) if area else None),
            "hazards_found": found,
            "general_rate": percent(_rate(total["general_fixed"], total["general_found"])),
            "major_rate": percent(_rate(total["major_fixed"], total["major_found"])),
            **{key: plain(total[key]) or "0" for key in KEYS},
            "_sort": (-found, -(_rate(total["general_fixed"], total["general_found"]) or 0), line.town),
        })
    rows.sort(key=lambda r: r.pop("_sort"))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def _open(values: dict[str, Any]) -> int:
    found, fixed = values.get("major_found") or 0, values.get("major_fixed") or 0
    return max(int(found) - int(fixed), 0)


def _problem(ret: Return) -> str:
    from bairi.core.findings import Severity

    first = next((f for f in ret.findings if f.severity is Severity.ERROR), None)
    return "" if first is None else f"{first.location} {first.message}"


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
        "rejected": lambda i: i.reason or "报表有误",
        "to_verify": lambda i: i.reason or "无法读取",
        "incomplete": lambda i: f"缺{'、'.join(i.missing)}",
    }
    items = [i for i in result.items if i.status in notes]
    items.sort(key=lambda i: i.deadline.due)
    return [{"seq": n, "label": i.deadline.label, "due_text": cn_date(i.deadline.due), "town": i.town,
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


def bulletin_context(merged: Merged, result: Assessment, campaign: Campaign, number: str | None = None,
                     attachments: list[str] | None = None) -> dict[str, Any]:
    """Every variable of the summary template (documented in templates/README.md)."""
    as_of = result.as_of
    chosen = campaign.period(merged.period)
    due = chosen.due if chosen is not None else as_of
    cutoff = min(as_of, due)
    totals = merged.totals
    cumulative_rates = rates(totals["cumulative_row"])
    scope = f"全{campaign.authority_short[-1]}" if campaign.authority_short else "全部"
    suffix = campaign.unit_suffixes[0] if campaign.unit_suffixes else ""
    ranking = _ranking(merged, campaign)
    deadlines = []
    for tally in result.tallies:
        if tally.counts["not_due"] == tally.towns:
            continue
        items = [i for i in result.items if i.deadline is tally.deadline]
        deadlines.append({
            "key": tally.deadline.key,
            "label": tally.deadline.label,
            "due_text": cn_date(tally.deadline.due),
            "on_time": tally.counts["on_time"] + tally.counts["incomplete"],
            "late": [{"town": i.town, "days": i.days_late} for i in items if i.status == "late"],
            "missing": [i.town for i in items if i.status == "missing"],
            "incomplete": [{"town": i.town, "missing": "、".join(i.missing)} for i in items if i.status == "incomplete"],
            "to_verify": [i.town for i in items if i.status == "to_verify"],
            "rate": percent(tally.rate),
            "on_time_rate": percent(tally.on_time_rate),
        })
    return {
        "campaign_name": campaign.name,
        "authority": campaign.authority,
        "scope": scope,
        "unit_noun": unit_noun(campaign),
        "addressee": f"各{unit_noun(campaign)}{suffix}",
        "as_of": as_of,
        "as_of_text": cn_date(as_of),
        "period": merged.period,
        "period_text": period_text(merged.period),
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
        "total": _figures(totals["cumulative_row"]),
        "month": _figures(totals["period_row"]),
        "rates": {"general": percent(cumulative_rates.get("general_rate")),
                  "major": percent(cumulative_rates.get("major_rate"))},
        "ranking": ranking,
        "deadlines": deadlines,
        "rectify_by_text": cn_date(campaign.rectify_by) if campaign.rectify_by else "",
        "rectify_passed": result.rectify_passed,
        "open_hazards": [{
            "town": o.town, "period_text": period_text(o.period) if o.period else "", "found": o.major_found,
            "fixed": o.major_fixed, "open": o.open,
            "rows": [{"enterprise": h.enterprise, "supervisor": h.supervisor, "detail": sentence(h.detail)}
                     for h in o.hazards],
        } for o in result.open_hazards],
        # Major hazards reported and not yet fixed in the counted returns: "all rectified" only when this is 0.
        "major_open": _open(totals["cumulative_row"]),
        "no_case": [s.town for s in result.no_case],
        "cases_due_text": cn_date(campaign.cases_due) if campaign.cases_due else "",
        "cases_due_passed": result.cases_due_passed,
        "contact": {"people": list(campaign.contact.people), "phones": list(campaign.contact.phones),
                    "emails": list(campaign.contact.emails)},
        # Table-friendly views (the Word bulletin's tables) and the official-document frame.
        "overdue_rows": _overdue_rows(result),
        "hazard_rows": _hazard_rows(result),
        "area_enterprises": sum(row["area_enterprises"] for row in ranking),
        "coverage": percent(_rate(totals["period_row"].get("enterprises"), sum(r["area_enterprises"] for r in ranking))
                            if ranking else None),
        "attachments": list(attachments or []),
        **document_frame(campaign, as_of, number),
    }


def render_bulletin(context: dict[str, Any], template: Path | None = None) -> str:
    """The bulletin text from the shipped template or the user's own (a misspelt variable is an error)."""
    from bairi.present.render import render, render_file

    return render_file(template, **context) if template else render(SUMMARY_TEMPLATE, **context)
