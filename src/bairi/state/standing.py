"""The campaign state as of one day: every receipt, and each town's standing for each deadline, decided once.

merge, deadlines, summary and the reminders all read this; none of them decides afresh what arrived,
when, or which copy counts. The rules, in one place:

- **As of**: what arrived after the as-of day (Beijing time) does not exist, nor does a logbook entry
  made after it.
- **Which copy counts**: the latest acceptable one (readable and, for a return, passing its checks),
  by receipt time, then 填表日期, then name.
- **Timeliness**: from the first acceptable copy of the deadline's main material. A copy that was sent
  back does not fix the time unless the campaign says so (`sent_back_keeps_time`).
- **States**: on_time 已报, late 迟报, rejected 退回 (only copies that were sent back), missing 未报,
  to_verify 待核实 (something arrived that cannot be read, or whose only time is a copy's), not_due
  未到期, incomplete 缺件 (met on time, but a material the deadline expects is missing after its day).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from enum import StrEnum
from functools import cached_property
from typing import Any

from bairi.core.calendar import Deadline, deadlines, last_on_time, local, zone
from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, Severity, finding
from bairi.core.model import Return
from bairi.intake.inbox import EVIDENCE_LABELS, EVIDENCE_RANK, Inbox
from bairi.state.logbook import Accepted, Extension, Logbook, Received, Sender
from bairi.state.receipts import Receipt, receipts_of, unique


class Status(StrEnum):
    """A town's state for a deadline, decided once for every command (the JSON `status`)."""

    ON_TIME = "on_time"
    LATE = "late"
    REJECTED = "rejected"
    MISSING = "missing"
    TO_VERIFY = "to_verify"
    NOT_DUE = "not_due"
    INCOMPLETE = "incomplete"

    @property
    def label(self) -> str:
        """The Chinese word shown to the clerk (the JSON `status_label`)."""
        return STATUS_LABELS[self]


STATUSES = tuple(Status)
STATUS_LABELS: dict[str, str] = {Status.ON_TIME: "已报", Status.LATE: "迟报", Status.REJECTED: "退回", Status.MISSING: "未报",
                 Status.TO_VERIFY: "待核实", Status.NOT_DUE: "未到期", Status.INCOMPLETE: "缺件"}
KIND_LABELS = {"plan": "行动方案", "return": "月报表", "summary": "工作总结", "case": "典型案例"}


@dataclass
class Standing:
    """One town × one deadline: its state, the copy that fixed its time, the copy that counts, and why."""

    town: str
    deadline: Deadline
    status: Status
    days_late: int
    due: date  # the town's own due day (an extension applied)
    receipt: Receipt | None = None  # the copy that fixed the time (first acceptable)
    counted: Receipt | None = None  # the copy whose contents count (latest acceptable)
    receipts: list[Receipt] = field(default_factory=list)  # everything for this deadline, as of the day
    missing: list[str] = field(default_factory=list)  # materials expected and not received (labels)
    reason: str = ""  # why 待核实 or 退回
    logbook: list[Any] = field(default_factory=list)  # the clerk's logbook entries relied on
    findings: list[Finding] = field(default_factory=list)
    past_due: bool = False

    @property
    def label(self) -> str:
        """The state in the clerk's words."""
        return STATUS_LABELS[self.status]

    @property
    def received(self) -> datetime | None:
        """When the deadline counts as met (campaign time zone)."""
        return self.receipt.received if self.receipt else None

    @property
    def overdue(self) -> bool:
        """Something is owed and its day has passed: late, missing, incomplete, or sent back and not resent."""
        return self.status in (Status.LATE, Status.MISSING, Status.INCOMPLETE) or (
            self.status is Status.REJECTED and self.past_due)

    @property
    def ret(self) -> Return | None:
        """The checked return that counts (monthly deadlines)."""
        return self.counted.ret if self.counted is not None else None

    @property
    def sent_back(self) -> Receipt | None:
        """The latest copy of the return that was sent back, when none counts."""
        if self.counted is not None:
            return None
        bad = [r for r in self.receipts if r.ret is not None and r.readable and not r.accepted]
        return max(bad, key=_newest) if bad else None

    @property
    def rejected(self) -> Return | None:
        """The latest return that was sent back, when none counts."""
        receipt = self.sent_back
        return receipt.ret if receipt is not None else None

    @property
    def accepted(self) -> bool | None:
        """For a return: True when one counts, False when only copies that were sent back; else None."""
        if self.deadline.kind != "return":
            return None
        if self.counted is not None:
            return True
        return False if self.status is Status.REJECTED else None


@dataclass
class CampaignState:
    """Everything known as of one day, for every command."""

    campaign: Campaign
    as_of: date
    deadlines: list[Deadline]
    standings: list[Standing]
    receipts: list[Receipt]
    findings: list[Finding]
    unplaced: list[Return]  # returns whose town or period cannot be told: never counted, always said
    later: int = 0  # receipts after the as-of day, left out
    mails: int = 0
    files: int = 0
    attachments: int = 0
    ledger: str | None = None
    logbook: str | None = None

    @property
    def empty(self) -> bool:
        """True when nothing at all was received (no input, or nothing in it a town sent)."""
        return not self.receipts

    def standing(self, town: str, key: str) -> Standing | None:
        """One town's standing for the deadline `key` (a period, plan, summary or case)."""
        return self._index.get((town, key))

    def of_deadline(self, key: str) -> list[Standing]:
        """Every town's standing for one deadline, in the campaign's order of towns."""
        return [s for s in self.standings if s.deadline.key == key]

    def by_town(self) -> dict[str, list[Standing]]:
        """Standings grouped by town, in the campaign's order of towns and deadlines."""
        grouped: dict[str, list[Standing]] = {unit.name: [] for unit in self.campaign.units}
        for standing in self.standings:
            grouped.setdefault(standing.town, []).append(standing)
        return grouped

    @property
    def overdue(self) -> list[Standing]:
        """Standings with something owed past its day."""
        return [s for s in self.standings if s.overdue]

    def periods_received(self) -> list[str]:
        """The campaign periods for which any return arrived, in order."""
        return sorted({r.period for r in self.receipts if r.period and "return" in r.materials})

    def latest_returns(self) -> dict[str, Standing]:
        """Each town's standing of the latest period whose return counts."""
        found: dict[str, Standing] = {}
        for standing in self.standings:
            if standing.deadline.kind == "return" and standing.ret is not None:
                current = found.get(standing.town)
                if current is None or standing.deadline.key > current.deadline.key:
                    found[standing.town] = standing
        return found

    @cached_property
    def _index(self) -> dict[tuple[str, str], Standing]:
        return {(s.town, s.deadline.key): s for s in self.standings}


def _newest(receipt: Receipt) -> tuple[datetime, date, str]:
    ret = receipt.ret
    return (receipt.received, (ret.filled_on if ret is not None and ret.filled_on else date.min), receipt.source)


def _expected(deadline: Deadline, campaign: Campaign) -> list[str]:
    """The materials a deadline expects: its main one first."""
    if deadline.kind == "return":
        return ["return", *[m for m in campaign.monthly if m != "return"]]
    return [deadline.kind]


def _deadline_keys(receipt: Receipt, campaign: Campaign) -> list[str]:
    keys = []
    if receipt.period and receipt.materials & set(campaign.monthly):
        keys.append(receipt.period)
    keys.extend(k for k in ("plan", "summary", "case") if k in receipt.materials)
    return keys


def _problem(ret: Return | None, reason: str) -> str:
    if reason:
        return reason
    if ret is None:
        return ""
    first = next((f for f in ret.findings if f.severity is Severity.ERROR), None)
    errors = ret.count(Severity.ERROR)
    return f"错误{errors}处" + (f"，如 {first.location} {first.message}" if first else "")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _stand(town: str, deadline: Deadline, receipts: list[Receipt], as_of: date, campaign: Campaign,
           entries: list[Any]) -> Standing:
    """One town's standing for one deadline: the rules of the module docstring."""
    receipts = sorted(receipts, key=lambda r: (r.received, EVIDENCE_RANK.get(r.evidence, 9), r.source))
    expected = _expected(deadline, campaign)
    main = expected[0]
    due, used = deadline.due, []
    for entry in entries:
        if isinstance(entry, Extension) and entry.until > due:
            due = entry.until
        if not isinstance(entry, Sender):  # cited only where a return from its address is met
            used.append(entry)
    notes: list[Finding] = []
    receipts = _origins(town, deadline, receipts, campaign, [e for e in entries if isinstance(e, Sender)], used, notes)
    limit = last_on_time(due, campaign)
    past = as_of > limit
    own = [r for r in receipts if main in r.materials]
    good = [r for r in own if r.accepted and r.evidence != "due" and not r.doubt]
    unsure = [r for r in own if not r.readable or (r.accepted and (r.evidence == "due" or r.doubt))]
    bad = [r for r in own if r.readable and not r.accepted]
    # What is said of a mail is said once, however many of its attachments count here.
    notes[:0] = list(dict.fromkeys(f for r in receipts for f in r.findings))
    for entry in used:
        if isinstance(entry, Extension):
            notes.append(finding("D725", f"登记簿 {town}", town=town, label=deadline.label, until=entry.until.isoformat(),
                                 cite=entry.cite))
        elif isinstance(entry, Accepted):
            shown = [f for r in receipts if r.ret is not None for f in r.ret.findings if f.code == entry.code]
            notes.append(finding("D727", shown[0].location if shown else f"登记簿 {town}", town=town, label=deadline.label,
                                 warning=entry.code, cite=entry.cite))
    standing = Standing(town, deadline, Status.MISSING if past else Status.NOT_DUE, (as_of - limit).days if past else 0, due,
                        receipts=receipts, logbook=used, findings=notes, past_due=past)
    if good:
        timers = good + bad if campaign.sent_back_keeps_time else good
        first = min(timers, key=lambda r: (r.received, EVIDENCE_RANK.get(r.evidence, 9), r.source))
        # A logbook line records what no file shows; it never stands in for a file's figures. Where both exist the
        # file counts and the earlier of the two decides timeliness (a phone call before the mail, or the mail first).
        filed = [r for r in good if r.evidence != "logbook"]
        standing.receipt, standing.counted = first, max(filed or good, key=_newest)
        booked = [r for r in good if r.evidence == "logbook"]
        if filed and booked:
            counted = standing.counted
            notes.append(finding("D740", counted.source, town=town, label=deadline.label, name=counted.name,
                                 file_time=_stamp(min(filed, key=lambda r: r.received).received),
                                 entry_time=min(booked, key=lambda r: r.received).received.date().isoformat(),
                                 decided="县局登记簿" if first.evidence == "logbook" else f"文件（{first.evidence_label}）"))
        day = first.received.date()
        standing.status, standing.days_late = (Status.ON_TIME, 0) if day <= limit else (Status.LATE, (day - limit).days)
        have = {m for r in receipts if r.accepted for m in r.materials}
        standing.missing = [campaign.material(m).label for m in expected[1:]  # type: ignore[union-attr]
                            if m not in have and campaign.material(m) is not None]
        if standing.missing and past:
            notes.append(finding("D718", f"{town} {deadline.label}", town=town, label=deadline.label,
                                 missing="、".join(standing.missing)))
            if standing.status is Status.ON_TIME:
                standing.status, standing.days_late = Status.INCOMPLETE, (as_of - limit).days
    held = [r for r in unsure if r.origin_doubt]
    if good and held and max(held, key=_newest).received >= standing.counted.received:  # type: ignore[union-attr]
        # A return from another address would replace the figures from the town's own: the clerk decides first.
        latest = max(held, key=_newest)
        standing.status, standing.days_late, standing.reason = Status.TO_VERIFY, 0, latest.doubt
    elif unsure and not good:
        latest = unsure[-1]
        standing.status, standing.days_late, standing.receipt = Status.TO_VERIFY, 0, latest
        standing.reason = latest.reason or latest.doubt or "只有复制文件的时间，收到时间不可考"
        notes.append(finding("D716", latest.source, town=town, label=deadline.label, name=latest.name,
                             reason=standing.reason))
    elif bad and not good:
        latest = max(bad, key=_newest)
        standing.status, standing.receipt = Status.REJECTED, latest
        standing.days_late = (as_of - limit).days if past else 0
        standing.reason = _problem(latest.ret, latest.reason)
        notes.append(finding("D703", latest.source, town=town, label=deadline.label, problem=standing.reason))
    for receipt in receipts:
        if receipt.entry is not None and receipt.entry not in used:
            used.append(receipt.entry)
            notes.append(finding("D717", receipt.source, town=town, label=deadline.label,
                                 cite=receipt.entry.cite, how=getattr(receipt.entry, "how", "")))  # type: ignore[attr-defined]
    distinct = {r.sha256 or r.source for r in own}
    if len(distinct) > 1:
        times = "；".join(f"{_stamp(r.received)} {r.name}" for r in own)
        notes.append(finding("D706", own[0].source, town=town, label=deadline.label, count=len(distinct), times=times))
    return standing


def _origins(town: str, deadline: Deadline, receipts: list[Receipt], campaign: Campaign, vouched: list[Sender],
             used: list[Any], notes: list[Finding]) -> list[Receipt]:
    """The receipts with the sender's address weighed: from an address configured for another town, or from an
    unknown one that would replace the figures the town sent from its own address, a return is held 待核实 (a
    copy with `doubt`) until the clerk accepts the sender in the logbook; an unknown sender's first return counts,
    said. The bureau's own forwarding addresses (county_senders) say nothing either way."""
    unit = campaign.unit(town)
    mine = {e.strip().lower() for e in (unit.emails if unit else [])}
    county = {e.strip().lower() for e in campaign.county_senders}
    others = {e.strip().lower(): u.name for u in campaign.units if u.name != town for e in u.emails}
    accepted = {e.address: e for e in vouched if e.always or e.deadline == deadline.key}
    mine |= {a for a, e in accepted.items() if e.always}
    main = _expected(deadline, campaign)[0]
    from_mine = [r.received for r in receipts if r.sender in mine and r.accepted and main in r.materials]
    shown = "、".join(sorted(mine)) or "无"
    kept = []
    for receipt in receipts:
        sender = receipt.sender
        if (not sender or sender in county or main not in receipt.materials or not receipt.accepted
                or (sender in mine and sender not in accepted)):
            kept.append(receipt)
            continue
        if sender in accepted:
            entry = accepted[sender]
            if entry not in used:
                used.append(entry)
            notes.append(finding("D748", receipt.source, town=town, label=deadline.label, sender=sender, cite=entry.cite))
            kept.append(receipt)
            continue
        doubt = ""
        if sender in others:
            doubt = f"“{receipt.name}”来自{others[sender]}登记的邮箱 {sender}，不是本镇的邮箱，需县局确认"
        elif mine and any(t <= receipt.received for t in from_mine) and receipt.received >= max(from_mine):
            doubt = (f"“{receipt.name}”来自未登记的发件地址 {sender}，将取代本镇邮箱（{shown}）报送的数字，需县局确认")
        elif mine:
            notes.append(finding("D745", receipt.source, town=town, label=deadline.label, name=receipt.name,
                                 sender=sender, emails=shown))
        if doubt:
            notes.append(finding("D746", receipt.source, reason=doubt))
            receipt = replace(receipt, doubt=doubt, origin_doubt=True)
        kept.append(receipt)
    return kept


def _logbook_receipts(logbook: Logbook | None, campaign: Campaign, as_of: date,
                       findings: list[Finding]) -> tuple[list[Receipt], dict[tuple[str, str], list[Any]]]:
    """Logbook entries as of the day: receipts for what was received, waivers by (town, deadline)."""
    receipts: list[Receipt] = []
    waivers: dict[tuple[str, str], list[Any]] = {}
    if logbook is None:
        return receipts, waivers
    keys = {d.key: d for d in deadlines(campaign)}
    for index, entry in enumerate(logbook.entries(as_of), start=1):
        where = f"{logbook.path}#{index}"
        if campaign.unit(entry.town) is None or entry.deadline not in keys:
            findings.append(finding("D726", where, town=entry.town, deadline=entry.deadline))
            continue
        deadline = keys[entry.deadline]
        if isinstance(entry, Received):
            if entry.on > as_of:
                continue
            materials = frozenset(entry.materials or _expected(deadline, campaign)[:1])
            moment = datetime.combine(entry.on, time(12, 0), tzinfo=zone(campaign))
            receipts.append(Receipt(materials, entry.town, moment, "logbook", where, f"{entry.how}（县局登记）",
                                    deadline.period, entry=entry))
        elif isinstance(entry, Sender) and entry.always:
            for key in keys:  # the address is the town's from now on: every deadline
                waivers.setdefault((entry.town, key), []).append(entry)
        elif isinstance(entry, (Extension, Accepted, Sender)):
            waivers.setdefault((entry.town, entry.deadline), []).append(entry)
    return receipts, waivers


def read_receipts(inbox: Inbox, campaign: Campaign, progress: Callable[[int, int], None] | None = None
                  ) -> tuple[list[Receipt], list[Finding], list[Return]]:
    """Every copy read once (each spreadsheet by its bytes), made into receipts and matched:
    (receipts, findings, returns whose town or period cannot be told)."""
    from bairi.check.batch import check_many

    findings = list(inbox.findings)
    # Nothing is cut by the as-of day here: a saved file's time may be a copy's, and the same bytes in a
    # mail dated after the day say the file, too, came after it.
    sheets: dict[str, Any] = {}
    for copy in inbox.copies:
        if copy.spreadsheet and copy.sha256 not in sheets:
            sheets[copy.sha256] = copy
    items = [(c.source, c.source, c.data) for c in sheets.values()]
    returns = dict(zip(sheets, check_many(items, campaign, progress=progress)))
    found: list[Receipt] = []
    unplaced: dict[int, Return] = {}
    for copy in inbox.copies:
        ret = returns.get(copy.sha256) if copy.spreadsheet else None
        before = len(findings)
        made = receipts_of(copy, ret, campaign, findings)
        if not made and ret is not None and not ret.unreadable and any(
                f.code in ("D704", "D710", "D709") for f in findings[before:]):
            unplaced[id(ret)] = ret
        found.extend(made)
    return unique(found), findings, list(unplaced.values())


def decide(campaign: Campaign, receipts: list[Receipt], as_of: date, logbook: Logbook | None = None,
           findings: list[Finding] | None = None, unplaced: list[Return] | None = None) -> CampaignState:
    """Each town's standing for each deadline as of `as_of`, from receipts already matched."""
    findings = list(findings or [])
    tz = zone(campaign)
    # Days are told in the campaign's time zone: 16:30 UTC on the 25th is the 26th in Beijing.
    receipts = [r if r.received.utcoffset() == tz.utcoffset(None) else replace(r, received=local(r.received, campaign))
                for r in receipts]
    # A receipt whose time cannot be stood behind (a mail dated 2099) is never cut by the day: it stays, 待核实.
    known = [r for r in receipts if r.received.date() <= as_of or r.doubt]
    later = len(receipts) - len(known)
    said: set[str] = set()
    for receipt in receipts:
        # Each left-out file named once (a file may be a receipt for several materials), so nothing vanishes unseen.
        if receipt.received.date() > as_of and receipt.source not in said:
            said.add(receipt.source)
            findings.append(finding("D770", receipt.source, town=receipt.town, name=receipt.name,
                                    stamp=_stamp(receipt.received), as_of=as_of.isoformat(),
                                    evidence=EVIDENCE_LABELS.get(receipt.evidence, receipt.evidence)))
    extra, waivers = _logbook_receipts(logbook, campaign, as_of, findings)
    known = sorted(known + extra, key=lambda r: (r.received, r.source))
    schedule = deadlines(campaign)
    grouped: dict[tuple[str, str], list[Receipt]] = {}
    for receipt in known:
        for key in _deadline_keys(receipt, campaign):
            grouped.setdefault((receipt.town, key), []).append(receipt)
    standings = [_stand(unit.name, deadline, grouped.get((unit.name, deadline.key), []), as_of, campaign,
                        waivers.get((unit.name, deadline.key), []))
                 for unit in campaign.units for deadline in schedule]
    return CampaignState(campaign, as_of, schedule, standings, known, findings, list(unplaced or []), later,
                         logbook=logbook.path if logbook is not None else None)


def build_state(inbox: Inbox, campaign: Campaign, as_of: date, logbook: Logbook | None = None,
                progress: Callable[[int, int], None] | None = None) -> CampaignState:
    """The one campaign state from an inbox: every copy read once, receipts decided, each town's standing."""
    receipts, findings, unplaced = read_receipts(inbox, campaign, progress)
    state = decide(campaign, receipts, as_of, logbook, findings, unplaced)
    state.mails, state.files, state.attachments = inbox.mails, inbox.files, inbox.attachments
    state.ledger = str(inbox.ledger) if inbox.ledger else None
    return state


def load_state(paths: list[Any], campaign: Campaign, as_of: date, now: datetime | None = None,
               ledger: Any = None, use_ledger: bool = True, logbook: Logbook | None = None,
               record: bool = True) -> CampaignState:
    """The campaign state of the inputs as of a day, in one call (as the commands build it)."""
    from pathlib import Path

    from bairi.intake.inbox import gather

    moment = now or datetime.combine(as_of, time(23, 59), tzinfo=zone(campaign))
    inbox = gather([Path(p) for p in paths], moment, ledger, use_ledger=use_ledger, record=record)
    return build_state(inbox, campaign, as_of, logbook)


def evidence_words(state: CampaignState) -> str:
    """Which evidence the receipts rest on, in words (for the foot of a report)."""
    used: dict[str, int] = {}
    for receipt in state.receipts:
        used[receipt.evidence] = used.get(receipt.evidence, 0) + 1
    return "，".join(f"{EVIDENCE_LABELS[k]} {v} 份" for k, v in sorted(used.items())) or "无"
