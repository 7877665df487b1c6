"""The campaign calendar: each deadline every town must meet, its due day, and the time zone days are told in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from bairi.core.campaign import Campaign

KINDS = ("plan", "return", "summary", "case")


@dataclass(frozen=True)
class Deadline:
    """One thing every town must send, and the day it is due."""

    key: str  # "plan", "summary", or the period "2023-12"
    kind: str  # plan / return / summary
    label: str  # 行动方案, 2023年12月报表, 工作总结
    due: date
    period: str | None = None

    @property
    def short(self) -> str:
        """A column heading: 方案, 11月报表, 总结."""
        if self.kind == "return" and self.period:
            return f"{int(self.period[5:])}月报表"
        return {"plan": "方案", "summary": "总结", "case": "典型案例"}.get(self.kind, self.label)


def month_text(period: str) -> str:
    """The one way a period is written for people: 2023-12 → 2023年12月."""
    return f"{period[:4]}年{int(period[5:])}月"


def day_text(day: date | datetime) -> str:
    """The one way a day is written for people: 2023年12月25日."""
    return f"{day.year}年{day.month}月{day.day}日"


def deadlines(campaign: Campaign) -> list[Deadline]:
    """The campaign's deadlines in date order: the plan, each monthly return, the summary."""
    found: list[Deadline] = []
    if campaign.plan_due:
        found.append(Deadline("plan", "plan", "行动方案", campaign.plan_due))
    for period in campaign.periods:
        label = f"{month_text(period.period)}报表"
        found.append(Deadline(period.period, "return", label, period.due, period.period))
    if campaign.summary_due:
        found.append(Deadline("summary", "summary", "工作总结", campaign.summary_due))
    if campaign.cases_due:
        found.append(Deadline("case", "case", "重大隐患执法典型案例", campaign.cases_due))
    return sorted(found, key=lambda d: (d.due, KINDS.index(d.kind)))


def zone(campaign: Campaign) -> timezone:
    """The campaign's time zone (Beijing time unless configured)."""
    return timezone(timedelta(hours=campaign.utc_offset_hours))


def local(moment: datetime, campaign: Campaign) -> datetime:
    """An aware moment in the campaign's time zone (a naive one is taken to be UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(campaign))


def last_on_time(due: date, campaign: Campaign) -> date:
    """The last day on which a submission is on time."""
    return due if campaign.due_inclusive else due - timedelta(days=1)


