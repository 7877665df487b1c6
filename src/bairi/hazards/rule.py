"""The one rectification rule: each major hazard's day, whether it is overdue, when it was rectified and how late.

The register, `deadlines`, `summary` and the reminders all read what this sets on the register's entries;
none of them decides a hazard's day afresh. The rule, from the notice (原则上12月底前全部整改到位):

- *first reported* is the receipt of the first accepted return that lists the hazard (else of the first
  return that lists it, else its period's due day); it was *found* when the first return listing it came,
  even one sent back (the town knew of it, and planned, then);
- found on or before the campaign's day (`rectify_by`): due on the earlier of that day and its plan's date;
  found after it: due on its plan's date, else `rectify_days` after the first report;
- a plan date without a year is the first such day on or after it was found (hazards/text.plan_date);
  a plan date before that is a finding (H850, while it matters), never the due day;
- a plan later than the campaign's day, for a hazard found before it, counts only when the clerk has
  recorded the 五到位 extension (the register's five 到位 columns); otherwise the campaign's day holds,
  marked 计划晚于整改期限 (H851);
- rectified on the day the clerk's 销号日期 or the return gives ("已于1月5日整改完毕"), else 不晚于 the
  receipt of the return that said so; later than its day it is 逾期整改 with the days;
- open past its day it is overdue, 逾期（已停产整改） when the enterprise is stopped for rectification.
"""

from __future__ import annotations

from datetime import date, timedelta

from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, finding
from bairi.hazards.entries import Entry, Seen
from bairi.hazards.text import five_in_place, plan_date, rectified_date, says_suspended, typed_date


def _received(seen: Seen, campaign: Campaign) -> date | None:
    if seen.received is not None:
        return seen.received.date()
    period = campaign.period(seen.period)
    return period.due if period is not None else None


def first_reported(entry: Entry, campaign: Campaign, accepted: set[tuple[str, str]]) -> date | None:
    """The receipt day of the first accepted return that lists the entry (else of the first that lists it)."""
    ordered = sorted(entry.seen, key=lambda s: (s.period, _received(s, campaign) or date.max))
    chosen = [s for s in ordered if (entry.town, s.period) in accepted] or ordered
    return _received(chosen[0], campaign) if chosen else None


def _where(seen: Seen) -> str:
    return f"{seen.file} {seen.hazard.location}"


def _rectified_on(entry: Entry, campaign: Campaign) -> tuple[date | None, bool]:
    """(day, bound): the clerk's 销号日期, else the day a row gives, else 不晚于 the receipt that said so."""
    closed = typed_date(entry.clerk.get("closed_on"))
    if closed is not None:
        return closed, False
    if entry.basis == "clerk" or not entry.rectified_in:
        return None, False
    saying = next((s for s in entry.seen if s.rectified), None) if entry.basis == "text" else None
    if saying is not None:
        received = _received(saying, campaign)
        day = rectified_date(saying.hazard.detail, received) if received is not None else None
        if day is not None:
            return day, False
        return received, received is not None
    # Rectified on a return's figures: the receipt of the first return of that month (a bound).
    return _period_receipt(entry, campaign), True


def _period_receipt(entry: Entry, campaign: Campaign) -> date | None:
    later = [s for s in entry.seen if s.period == entry.rectified_in]
    if later:
        return _received(later[0], campaign)
    period = campaign.period(entry.rectified_in or "")
    return period.due if period is not None else None


def apply_rule(entry: Entry, campaign: Campaign, as_of: date, accepted: set[tuple[str, str]],
               out: list[Finding]) -> None:
    """Set the entry's day, overdue, rectified day, late days and marks by the module's rule."""
    if entry.carried:
        entry.rectify_by = entry.deadline
        entry.overdue = entry.status == "open" and entry.deadline is not None and as_of > entry.deadline
        entry.late_days = (as_of - entry.deadline).days if entry.overdue and entry.deadline else 0
        return
    entry.first_reported = first_reported(entry, campaign, accepted)
    # When the town first wrote it down: a return sent back still says the hazard was known (and planned) then.
    days = [d for d in (_received(s, campaign) for s in entry.seen) if d is not None]
    first = min(days, default=entry.first_reported)
    if first is None:
        return
    plans = [(plan_date(s.hazard.detail, first), s) for s in entry.seen]
    stated = [(d, s) for d, s in plans if d is not None]
    plan = stated[0][0] if stated else None
    entry.plan_deadline = plan
    changed = next((s for d, s in stated if d != plan), None)
    if changed is not None and plan is not None:
        new = next(d for d, s in stated if s is changed)
        out.append(finding("H808", _where(changed), town=entry.town, enterprise=entry.enterprise, id=entry.id,
                           old=plan.isoformat(), new=new.isoformat(), period=changed.period))
    campaign_day = campaign.rectify_by
    if plan is not None and plan < first:
        entry.plan_invalid, plan = plan, None
    entry.extended = five_in_place(entry.clerk)
    if campaign_day is not None and first <= campaign_day:
        due, source = campaign_day, "行动要求"
        if plan is not None and plan <= campaign_day:
            due, source = plan, "整改计划"
        elif plan is not None and entry.extended:
            due, source = plan, "整改计划（五到位延期）"
        elif plan is not None:
            entry.plan_beyond_deadline = True
    elif plan is not None:
        due, source = plan, "整改计划"
    else:
        due, source = first + timedelta(days=campaign.rectify_days), f"首次报告后{campaign.rectify_days}天"
    entry.deadline = entry.rectify_by = due
    entry.deadline_source = source
    if entry.status == "rectified":
        entry.rectified_on, entry.rectified_bound = _rectified_on(entry, campaign)
    done = entry.rectified_on
    if entry.plan_invalid is not None and (done is None or done > entry.plan_invalid):
        # A plan already past when reported matters while the hazard is open (a row that says it was done by
        # then leaves nothing to question).
        out.append(finding("H850", _where(stated[0][1]), town=entry.town, enterprise=entry.enterprise, id=entry.id,
                           plan=entry.plan_invalid.isoformat(), first=first.isoformat(), due=due.isoformat()))
    if entry.plan_beyond_deadline and plan is not None:
        out.append(finding("H851", _where(stated[0][1]), town=entry.town, enterprise=entry.enterprise, id=entry.id,
                           plan=plan.isoformat(), due=due.isoformat()))
    latest = max(entry.seen, key=lambda s: s.period) if entry.seen else None
    entry.suspended = latest is not None and says_suspended(latest.hazard.detail)
    if entry.status == "rectified":
        entry.overdue = False
        day = entry.rectified_on
        if day is not None and day > due:
            # A bound proves lateness only when a return received after the day still listed it open.
            still_open = any(not s.rectified and (_received(s, campaign) or date.min) > due for s in entry.seen)
            if not entry.rectified_bound or still_open:
                entry.late_days = (day - due).days
        return
    entry.overdue = as_of > due
    entry.late_days = (as_of - due).days if entry.overdue else 0
