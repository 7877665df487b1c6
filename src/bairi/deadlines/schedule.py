"""Deadlines and statuses: who sent what by when, as of a given day (always passed in)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, Severity, finding
from bairi.core.model import Hazard, Return

KINDS = ("plan", "return", "summary")
KIND_LABELS = {"plan": "行动方案", "return": "月报表", "summary": "工作总结"}
STATUSES = ("on_time", "late", "missing", "not_due")
STATUS_LABELS = {"on_time": "按时", "late": "逾期报送", "missing": "未报", "not_due": "未到期"}
EVIDENCE_LABELS = {"mail": "邮件 Date 头", "ledger": "收件台账首次记录", "mtime": "文件修改时间",
                   # Stand-ins when a file's only time is a copy's, long after the campaign (evidence._stand_in).
                   "filled": "报表的填表日期", "due": "截止日（收到时间不可考）"}
# A receipt from better evidence wins over a copy of the same file seen another way.
EVIDENCE_RANK = {"mail": 0, "ledger": 1, "mtime": 2, "filled": 3, "due": 4}


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
        return {"plan": "方案", "summary": "总结"}.get(self.kind, self.label)


def deadlines(campaign: Campaign) -> list[Deadline]:
    """The campaign's deadlines in date order: the plan, each monthly return, the summary."""
    found: list[Deadline] = []
    if campaign.plan_due:
        found.append(Deadline("plan", "plan", "行动方案", campaign.plan_due))
    for period in campaign.periods:
        label = f"{period.period[:4]}年{int(period.period[5:])}月报表"
        found.append(Deadline(period.period, "return", label, period.due, period.period))
    if campaign.summary_due:
        found.append(Deadline("summary", "summary", "工作总结", campaign.summary_due))
    return sorted(found, key=lambda d: (d.due, KINDS.index(d.kind)))


def zone(campaign: Campaign) -> timezone:
    """The campaign's time zone (Beijing time unless configured)."""
    return timezone(timedelta(hours=campaign.utc_offset_hours))


def local(moment: datetime, campaign: Campaign) -> datetime:
    """An aware moment in the campaign's time zone (a naive one is taken to be UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone(campaign))


def last_on_time(due: date, campaign: Campaign) -> date:
    """The last day on which a submission is on time."""
    return due if campaign.due_inclusive else due - timedelta(days=1)


def status_of(due: date, received: date | None, as_of: date, campaign: Campaign) -> tuple[str, int]:
    """(status, days late) of one deadline for one town, from the local day it was received."""
    limit = last_on_time(due, campaign)
    if received is not None and received <= as_of:
        return ("on_time", 0) if received <= limit else ("late", (received - limit).days)
    if as_of > limit:
        return "missing", (as_of - limit).days
    return "not_due", 0


@dataclass
class Receipt:
    """One document received from a town: what it is, whose, when, and on what evidence."""

    kind: str  # plan / return / summary
    town: str
    received: datetime  # aware
    evidence: str  # mail / ledger / mtime
    source: str  # where it was found: a file path, or mailbox#n/attachment name
    name: str  # the file or attachment name
    period: str | None = None  # returns only
    sha256: str = ""
    ret: Return | None = None  # returns only: the checked return
    findings: list[Finding] = field(default_factory=list)

    @property
    def evidence_label(self) -> str:
        """The evidence in words."""
        return EVIDENCE_LABELS.get(self.evidence, self.evidence)


@dataclass
class Item:
    """One town × one deadline."""

    town: str
    deadline: Deadline
    status: str
    days_late: int
    receipt: Receipt | None = None
    receipts: list[Receipt] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def received(self) -> datetime | None:
        """When the first copy arrived (campaign time zone)."""
        return self.receipt.received if self.receipt else None

    @property
    def overdue(self) -> bool:
        """Late or missing."""
        return self.status in ("late", "missing")


@dataclass
class Tally:
    """How one deadline went across all towns."""

    deadline: Deadline
    counts: dict[str, int]
    towns: int

    @property
    def received(self) -> int:
        """Towns that sent it (on time or late)."""
        return self.counts["on_time"] + self.counts["late"]

    @property
    def rate(self) -> Decimal | None:
        """Reporting rate in percent (one decimal), None without towns."""
        if not self.towns:
            return None
        return (Decimal(self.received) * 100 / self.towns).quantize(Decimal("0.1"))

    @property
    def on_time_rate(self) -> Decimal | None:
        """On-time rate in percent (one decimal), None without towns."""
        if not self.towns:
            return None
        return (Decimal(self.counts["on_time"]) * 100 / self.towns).quantize(Decimal("0.1"))


# A detail row that says its hazard is already rectified (the form has no column for it).
_RECTIFIED = re.compile(r"已(于.{0,12})?(整改完毕|完成整改|整改到位|整改完成|销号)|整改完毕|已验收")


def rectified(hazard: Hazard) -> bool:
    """True when the row's own text says the hazard has been rectified."""
    return bool(_RECTIFIED.search(hazard.detail))


@dataclass
class OpenHazards:
    """A town whose latest return still shows unrectified major hazards after the rectification date."""

    town: str
    period: str | None
    source: str
    major_found: int
    major_fixed: int
    hazards: list[Hazard]  # the rows not marked as rectified (all rows when none is marked open)
    rows: int = 0  # rows in the return's 重大隐患明细

    @property
    def open(self) -> int:
        """How many are not yet rectified."""
        return self.major_found - self.major_fixed


@dataclass
class Exposure:
    """A town's 公开曝光 count from its latest return (None when it sent no readable return)."""

    town: str
    exposed: int | None
    period: str | None
    source: str | None


@dataclass
class Assessment:
    """Everything `bairi deadlines` knows as of one day."""

    as_of: date
    campaign: Campaign
    deadlines: list[Deadline]
    items: list[Item]
    tallies: list[Tally]
    open_hazards: list[OpenHazards]
    rectify_passed: bool
    no_exposure: list[Exposure]
    exposure_due_passed: bool
    findings: list[Finding]
    ignored_after: int = 0  # receipts dated after as_of, left out

    @property
    def overdue(self) -> list[Item]:
        """Items late or missing."""
        return [item for item in self.items if item.overdue]

    def by_town(self) -> dict[str, list[Item]]:
        """Items grouped by town, in the campaign's order of towns and deadlines."""
        grouped: dict[str, list[Item]] = {unit.name: [] for unit in self.campaign.units}
        for item in self.items:
            grouped.setdefault(item.town, []).append(item)
        return grouped


def _deadline_of(receipt: Receipt, by_key: dict[str, Deadline]) -> Deadline | None:
    if receipt.kind == "return":
        return by_key.get(receipt.period or "")
    return by_key.get(receipt.kind)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _problem(ret: Return) -> str:
    if ret.unreadable:
        return "无法读取：" + ret.findings[0].message
    errors = ret.count(Severity.ERROR)
    return f"错误 {errors} 处"


def _item(town: str, deadline: Deadline, receipts: list[Receipt], as_of: date, campaign: Campaign) -> Item:
    receipts = sorted(receipts, key=lambda r: (r.received, EVIDENCE_RANK.get(r.evidence, 9), r.source))
    first = receipts[0] if receipts else None
    day = first.received.date() if first else None
    status, days = status_of(deadline.due, day, as_of, campaign)
    item = Item(town, deadline, status, days, first, receipts)
    for receipt in receipts:
        item.findings.extend(receipt.findings)
        if receipt.ret is not None and not receipt.ret.ok:
            item.findings.append(finding("D703", receipt.source, town=town, label=deadline.label,
                                         problem=_problem(receipt.ret)))
    if len(receipts) > 1:
        times = "；".join(f"{_stamp(r.received)} {r.name}" for r in receipts)
        item.findings.append(finding("D706", first.source, town=town, label=deadline.label,
                                     count=len(receipts), times=times))
    return item


def _figure(ret: Return, key: str) -> int | None:
    value = ret.values("cumulative").get(key)
    return None if value is None else int(value)


def latest_returns(receipts: list[Receipt]) -> dict[str, Receipt]:
    """Each town's latest return with a readable 累计 row: latest period, accepted before rejected, newest."""
    best: dict[str, Receipt] = {}
    for receipt in receipts:
        ret = receipt.ret
        if receipt.kind != "return" or ret is None or ret.cumulative_row is None:
            continue
        key = (receipt.period or "", ret.ok, receipt.received)
        current = best.get(receipt.town)
        if current is None or key > (current.period or "", current.ret.ok, current.received):
            best[receipt.town] = receipt
    return best


def open_hazards(campaign: Campaign, latest: dict[str, Receipt]) -> list[OpenHazards]:
    """Towns whose latest return's 累计 major hazards found exceed those rectified, with the hazard rows."""
    found: list[OpenHazards] = []
    for unit in campaign.units:
        receipt = latest.get(unit.name)
        if receipt is None:
            continue
        major, fixed = _figure(receipt.ret, "major_found"), _figure(receipt.ret, "major_fixed")
        if major is not None and fixed is not None and major > fixed:
            rows = list(receipt.ret.hazards)
            open_rows = [h for h in rows if not rectified(h)] or rows
            found.append(OpenHazards(unit.name, receipt.period, receipt.source, major, fixed, open_rows, len(rows)))
    return found


def missing_exposure(campaign: Campaign, latest: dict[str, Receipt]) -> list[Exposure]:
    """Towns whose latest return reports no 公开曝光 case (or that sent no readable return)."""
    found: list[Exposure] = []
    for unit in campaign.units:
        receipt = latest.get(unit.name)
        if receipt is None:
            found.append(Exposure(unit.name, None, None, None))
            continue
        exposed = _figure(receipt.ret, "exposed")
        if not exposed:
            found.append(Exposure(unit.name, exposed, receipt.period, receipt.source))
    return found


def assess(campaign: Campaign, receipts: list[Receipt], as_of: date,
           findings: list[Finding] | None = None) -> Assessment:
    """Every town's status for every deadline as of `as_of`; receipts after that day are not yet received."""
    schedule = deadlines(campaign)
    by_key = {d.key: d for d in schedule}
    # Dates are compared in the campaign's time zone: 16:30 UTC on the 25th is the 26th in Beijing.
    receipts = [replace(r, received=local(r.received, campaign)) for r in receipts]
    known = [r for r in receipts if r.received.date() <= as_of]
    ignored = len(receipts) - len(known)
    grouped: dict[tuple[str, str], list[Receipt]] = {}
    for receipt in known:
        deadline = _deadline_of(receipt, by_key)
        if deadline is not None:
            grouped.setdefault((receipt.town, deadline.key), []).append(receipt)
    items = [
        _item(unit.name, deadline, grouped.get((unit.name, deadline.key), []), as_of, campaign)
        for unit in campaign.units
        for deadline in schedule
    ]
    tallies = []
    for deadline in schedule:
        counts = Counter(item.status for item in items if item.deadline is deadline)
        tallies.append(Tally(deadline, {s: counts.get(s, 0) for s in STATUSES}, len(campaign.units)))
    latest = latest_returns(known)
    rectify_passed = campaign.rectify_by is not None and as_of > campaign.rectify_by
    exposure_due = campaign.summary_due or campaign.end
    return Assessment(
        as_of=as_of,
        campaign=campaign,
        deadlines=schedule,
        items=items,
        tallies=tallies,
        open_hazards=open_hazards(campaign, latest) if rectify_passed else [],
        rectify_passed=rectify_passed,
        no_exposure=missing_exposure(campaign, latest),
        exposure_due_passed=as_of > last_on_time(exposure_due, campaign),
        findings=list(findings or []),
        ignored_after=ignored,
    )
