"""The hazard register's data: one sighting of a return, each row seen, each entry followed across months,
the register as of a day, and what the previous register kept (the clerk's columns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from bairi.core.findings import Finding, Severity
from bairi.core.model import Hazard, Return
from bairi.hazards.text import match_decision

if TYPE_CHECKING:
    from bairi.state.standing import CampaignState

# The clerk's columns, kept across runs and never overwritten: (key, header).
CLERK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("verified", "核查结果"),
    ("closed_on", "销号日期"),
    ("owner", "责任人"),
    ("match", "匹配确认"),
    ("measures", "措施到位"),
    ("responsibility", "责任到位"),
    ("funds", "资金到位"),
    ("timeline", "时限到位"),
    ("contingency", "预案到位"),
    ("town_confirmed", "镇级确认"),
    ("county_confirmed", "县级确认"),
    ("remarks", "备注"),
)
CLERK_KEYS = tuple(key for key, _ in CLERK_COLUMNS)
class HazardStatus(StrEnum):
    """Where a major hazard stands: still open, or rectified (the JSON `status`)."""

    OPEN = "open"
    RECTIFIED = "rectified"


STATUS_LABELS: dict[str, str] = {HazardStatus.OPEN: "未整改", HazardStatus.RECTIFIED: "已整改"}
BASIS_LABELS = {"text": "报表注明已整改", "count": "未再列入且已整改数增加", "total": "报表累计重大隐患已全部整改",
                "clerk": "县局核查销号"}



@dataclass(frozen=True)
class Sighting:
    """One town's return for one period, as the county counts it (the copy the campaign state chose)."""

    town: str
    period: str
    ret: Return
    file: str
    received: datetime | None = None

    @property
    def accepted(self) -> bool:
        """True when the return passed its check (a rejected one still says which hazards the town has)."""
        return self.ret.ok


@dataclass(frozen=True)
class Seen:
    """One hazard row in one month's return."""

    key: str
    period: str
    file: str
    received: datetime | None
    hazard: Hazard
    rectified: bool
    deadline: date | None

    def as_dict(self) -> dict[str, object]:
        """The source as the JSON document spells it: the file and the cells of each field."""
        return {"period": self.period, "file": self.file, "received": self.received, "location": self.hazard.location,
                "cells": dict(self.hazard.cells), "enterprise": self.hazard.enterprise, "town": self.hazard.town,
                "category": self.hazard.category, "supervisor": self.hazard.supervisor, "detail": self.hazard.detail,
                "rectified": self.rectified}


@dataclass
class PreviousEntry:
    """One row of the previous register: the clerk's columns and what the entry was then."""

    id: str
    location: str
    keys: list[str] = field(default_factory=list)
    fuzzy: list[tuple[str, str]] = field(default_factory=list)
    apart: list[tuple[str, str]] = field(default_factory=list)
    clerk: dict[str, object] = field(default_factory=dict)
    row: dict[str, object] = field(default_factory=dict)

    @property
    def decision(self) -> str:
        """confirmed, rejected or "" from the 匹配确认 column."""
        return match_decision(self.clerk.get("match"))


@dataclass
class PreviousRegister:
    """What the register workbook of the last run holds."""

    source: str
    entries: list[PreviousEntry] = field(default_factory=list)


@dataclass
class Entry:
    """One major hazard followed across the campaign."""

    id: str
    town: str
    enterprise: str = ""
    category: str = ""
    supervisor: str = ""
    detail: str = ""
    seen: list[Seen] = field(default_factory=list)
    status: str = HazardStatus.OPEN  # a HazardStatus (plain strings compare equal)
    rectified_in: str | None = None
    basis: str = ""
    deadline: date | None = None
    deadline_source: str = ""
    plan_deadline: date | None = None  # the plan's own, when it states one
    overdue: bool = False
    vanished_from: str | None = None
    fuzzy: list[tuple[str, str]] = field(default_factory=list)
    apart: list[tuple[str, str]] = field(default_factory=list)
    clerk: dict[str, object] = field(default_factory=dict)
    carried: bool = False  # only in the previous register, not in this run's inputs
    carried_periods: list[str] = field(default_factory=list)
    # The one rectification rule's results (hazards/rule.py), read by every command.
    first_reported: date | None = None  # receipt of the first accepted return that lists it
    rectify_by: date | None = None  # its rectification day (`deadline` is the same day)
    rectified_on: date | None = None
    rectified_bound: bool = False  # rectified_on is "不晚于" (the receipt of the return that said so)
    late_days: int = 0  # open: days past its day; rectified: days late, when known to be late
    plan_beyond_deadline: bool = False  # a plan later than the campaign's day without the 五到位 record
    extended: bool = False  # the clerk recorded the 五到位 extension: due on its plan's date
    suspended: bool = False  # the latest row says the enterprise is stopped for rectification (停产整改)
    plan_invalid: date | None = None  # a plan date before the first report: never the due day

    @property
    def state_label(self) -> str:
        """The state in the clerk's words: 未整改, 逾期, 逾期（已停产整改）, 已整改, 逾期整改N天 (计划晚于整改期限 added)."""
        if self.status == "rectified":
            word = f"逾期整改{self.late_days}天" if self.late_days else "已整改"
        elif self.overdue:
            word = "逾期（已停产整改）" if self.suspended else "逾期"
        else:
            word = "未整改"
        return f"{word}（计划晚于整改期限）" if self.plan_beyond_deadline and self.status == "open" else word

    @property
    def periods(self) -> list[str]:
        """The months whose returns list it."""
        if self.carried:
            return list(self.carried_periods)
        return sorted({s.period for s in self.seen})

    @property
    def first_period(self) -> str | None:
        """The month it was first reported."""
        return self.periods[0] if self.periods else None

    @property
    def last_period(self) -> str | None:
        """The last month that lists it."""
        return self.periods[-1] if self.periods else None

    @property
    def keys(self) -> list[str]:
        """Its sightings' keys, in order (kept in the register to recognise it next run)."""
        return [s.key for s in self.seen]

    @property
    def status_label(self) -> str:
        """未整改 or 已整改."""
        return STATUS_LABELS[self.status]

    @property
    def match(self) -> str:
        """confirmed, rejected or "" as the clerk wrote it."""
        return match_decision(self.clerk.get("match"))


@dataclass
class Register:
    """The register as of one day, with every finding made while building it."""

    as_of: date
    periods: list[str]
    entries: list[Entry]
    findings: list[Finding]

    @property
    def open(self) -> list[Entry]:
        """Entries not yet rectified."""
        return [e for e in self.entries if e.status == "open"]

    @property
    def has_errors(self) -> bool:
        """True when some finding is of error severity."""
        return any(f.severity is Severity.ERROR for f in self.findings)


def overdue(register: Register) -> list[Entry]:
    """The open entries past their rectification deadline (for deadlines and summary)."""
    return [e for e in register.entries if e.overdue]


def sightings_of(state: CampaignState) -> list[Sighting]:
    """Per town and period, the return that counts, else the one sent back (a hazard it lists is not closed
    by being sent back): what the campaign state decided, for the register."""
    found = []
    for standing in state.standings:
        receipt = standing.counted or standing.sent_back
        if standing.deadline.kind == "return" and receipt is not None and receipt.ret is not None:
            found.append(Sighting(standing.town, standing.deadline.key, receipt.ret, receipt.source, receipt.received))
    return found
