"""Copies → receipts: what each copy is (which materials), whose, for which period, and when it counts as received.

What and whose: a return reads its own 填报单位 and period; anything else is known by the words of a
material (方案, 总结, 阶段性进展, 三清单, 典型案例, ...) and a town's name in its file name, its archive's
name or its mail subject, or by the sender's address. The same bytes found twice for the same town are
one receipt (the better evidence wins); the same bytes claimed by two towns are two receipts, each with
a warning (D715).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bairi.core.calendar import local, zone
from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, finding
from bairi.core.form import normalize
from bairi.core.model import Return
from bairi.core.names import towns_in
from bairi.intake.discover import SPREADSHEET_SUFFIXES, is_copy_time
from bairi.intake.inbox import EVIDENCE_LABELS, EVIDENCE_RANK, Copy
from bairi.read.reader import month_in

if TYPE_CHECKING:
    from bairi.intake.mail import Relay


@dataclass
class Receipt:
    """One thing received from a town: which materials, whose, when, on what evidence, and the return in it."""

    materials: frozenset[str]  # material keys: return, progress, lists, plan, summary, case, ...
    town: str
    received: datetime  # aware, in the campaign's time zone
    evidence: str  # mail / ledger / mtime / filled / due / register
    source: str  # where it was found: a file path, mailbox#n/attachment, or 登记#n
    name: str  # the file or attachment name
    period: str | None = None  # monthly materials only
    sha256: str = ""
    ret: Return | None = None  # a return's checked contents
    readable: bool = True  # False: a return that arrived but cannot be read (a PDF, a photo, a broken file)
    reason: str = ""  # why it cannot be read
    findings: list[Finding] = field(default_factory=list)
    entry: object | None = None  # the clerk's register entry it comes from
    sender: str = ""  # the mail's sender address (lower case), "" for a plain file
    origin_doubt: bool = False  # held 待核实 for its sender's address, not its time
    doubt: str = ""  # why its receipt time cannot be stood behind (a mail dated 1970 or 2099): 待核实, never on time

    @property
    def kind(self) -> str:
        """The main material: return, plan, summary, case, or the first other one."""
        for key in ("return", "plan", "summary", "case"):
            if key in self.materials:
                return key
        return min(self.materials)

    @property
    def accepted(self) -> bool:
        """True when it counts: readable, and a return that passed its checks."""
        return self.readable and (self.ret is None or self.ret.ok)

    @property
    def evidence_label(self) -> str:
        """The evidence in words."""
        return EVIDENCE_LABELS.get(self.evidence, self.evidence)


def materials_in(text: str, campaign: Campaign) -> frozenset[str]:
    """The materials whose words the text contains (a file may carry several: 进展及三清单)."""
    cleaned = normalize(text)
    found = set()
    for material in campaign.materials:
        if any(word in cleaned for word in material.words):
            found.add(material.key)
    # 总结 in a plan's name (工作总结方案) is rare; 方案 in a summary's (方案落实情况总结) is not: the summary wins.
    if "summary" in found and "plan" in found:
        found.discard("plan")
    return frozenset(found)


def named_materials(copy: Copy, campaign: Campaign) -> frozenset[str]:
    """The materials a copy's name says it is: its own name, else its archive's, else its mail's subject."""
    named = materials_in(Path(copy.name).stem, campaign)
    if not named and copy.within:
        named = materials_in(Path(copy.within).stem, campaign)
    if not named and copy.subject:
        # A mail about a return names the return; its other attachments are only what their own names say —
        # unless nothing in the mail could be opened (a link, a broken winmail.dat): then it is the return sent.
        named = materials_in(copy.subject, campaign) - (set() if copy.problem and not copy.within else {"return"})
    return named


def _sender_town(copy: Copy, campaign: Campaign) -> str | None:
    for unit in campaign.units:
        if copy.sender and copy.sender in (e.strip().lower() for e in unit.emails):
            return unit.name
    named = towns_in(copy.sender_name, campaign) if copy.sender_name else []
    return named[0] if len(named) == 1 else None


def _claims(copy: Copy, ret: Return | None, campaign: Campaign) -> list[tuple[str, str]]:
    """(evidence, town) pairs, strongest first."""
    claims: list[tuple[str, str]] = []
    if ret is not None and ret.unit_raw and ret.town and campaign.unit(ret.town):
        claims.append(("填报单位", ret.town))
    for town in towns_in(Path(copy.name).stem, campaign):
        claims.append(("文件名", town))
    for town in towns_in(Path(copy.within).stem, campaign) if copy.within else []:
        claims.append(("压缩包名", town))
    subject = towns_in(copy.subject, campaign) if copy.subject else []
    if len(subject) == 1:
        claims.append(("邮件主题", subject[0]))
    sender = _sender_town(copy, campaign)
    if sender:
        claims.append(("发件人", sender))
    folder = towns_in(copy.folder, campaign) if copy.folder else []
    if len(folder) == 1:
        claims.append(("文件夹", folder[0]))
    return claims


def period_by_day(campaign: Campaign, day: date) -> str | None:
    """The period a monthly material received on `day` belongs to: the first whose due day is not past."""
    ordered = sorted(campaign.periods, key=lambda p: p.due)
    for period in ordered:
        if day <= period.due:
            return period.period
    return ordered[-1].period if ordered else None


def _period(copy: Copy, ret: Return | None, campaign: Campaign) -> str | None:
    """A return's period: its file name or title, the mail subject, its folder, then its 填表日期."""
    if ret is not None and ret.period and not ret.period_source.startswith("填表日期"):
        return ret.period
    for text in (Path(copy.name).stem, Path(copy.within).stem, copy.subject, copy.folder):
        if text and (found := month_in(text, campaign)):
            return found
    return ret.period if ret is not None else None


def _what(copy: Copy, ret: Return | None, campaign: Campaign) -> tuple[frozenset[str], bool, str]:
    """(materials, readable, reason) of one copy."""
    if ret is not None and (ret.unreadable or not any(f.code == "E201" for f in ret.findings)):
        if ret.unreadable:
            return frozenset({"return"}), False, "收到但无法读取：" + next(f for f in ret.findings if f.unreadable).message
        return frozenset({"return"}), True, ""
    named = named_materials(copy, campaign)
    if copy.problem and not copy.spreadsheet and Path(copy.name).suffix.lower() in SPREADSHEET_SUFFIXES:
        # A spreadsheet in a zip that could not be unpacked (encrypted, too big): a return that cannot be read.
        return (named or frozenset({"return"})), False, "收到但无法读取：" + copy.problem
    if "return" in named:
        # A document, picture or link that says it is the return: it arrived, but its figures cannot be read.
        suffix = Path(copy.name).suffix.lower() or "（无扩展名）"
        if suffix == ".url":
            return named, False, "收到但无法读取：" + (copy.problem or "邮件里是网盘或超大附件的链接，不是附件")
        return named, False, "收到但无法读取：" + (copy.problem or f"收到的是 {suffix} 文件，不是可读取的电子表格")
    return named, True, ""


def receipts_of(copy: Copy, ret: Return | None, campaign: Campaign, findings: list[Finding]) -> list[Receipt]:
    """What this copy is evidence of (one receipt), or none with a finding saying why it does not count."""
    if ret is not None and ret.town == campaign.authority:
        findings.append(finding("D711", copy.source, authority=campaign.authority))
        return []
    materials, readable, reason = _what(copy, ret, campaign)
    if "return" not in materials or not readable:
        ret = ret if ret is not None and ret.unreadable else None
    if not materials:
        if copy.problem and copy.within:
            findings.append(finding("D713", copy.source, name=copy.within, member=copy.name, reason=copy.problem))
        elif copy.problem and Path(copy.name).suffix.lower() in (".zip", ".rar", ".7z"):
            findings.append(finding("D712", copy.source, name=copy.name, reason=copy.problem))
        elif copy.problem:
            findings.append(finding("D744", copy.source, name=copy.name, reason=copy.problem))
        else:
            findings.append(finding("D704", copy.source, name=copy.name, what="是什么材料（方案、总结、报表等）"))
        return []
    labels = "、".join(m.label for m in campaign.materials if m.key in materials)
    claims = _claims(copy, ret, campaign)
    if not claims:
        findings.append(finding("D704", copy.source, name=copy.name, what=f"是哪个镇的{labels}"))
        return []
    town = claims[0][1]
    notes = list(copy.findings)
    named = {t for source, t in claims if source != "文件夹"}
    if len(named) > 1:
        text = "；".join(f"{source}“{t}”" for source, t in claims if source != "文件夹")
        notes.append(finding("D702", copy.source, claims=text, chosen_by=claims[0][0], town=town))
    received, evidence, doubt = _arrival(copy, campaign, notes)
    period = None
    if materials & set(campaign.monthly):
        period = _period(copy, ret, campaign) if "return" in materials else next(
            (found for text in (Path(copy.name).stem, Path(copy.within).stem, copy.subject, copy.folder)
             if text and (found := month_in(text, campaign))), None)
        if period is None and "return" in materials and ret is not None and not ret.unreadable:
            findings.append(finding("D710", copy.source, town=town))
            return []
        if period is None:
            period = period_by_day(campaign, received.date())
        if period is None or campaign.period(period) is None:
            findings.append(finding("D709", copy.source, town=town, period=period or "",
                                    periods="、".join(p.period for p in campaign.periods)))
            return []
    if evidence in ("mtime", "ledger") and is_copy_time(received, campaign.end):
        received, evidence = _stand_in(copy, received, materials, period, ret, campaign, notes)
    if ret is not None and ret.filled_on and ret.filled_on > received.date():
        notes.append(finding("D701", copy.source, filled_on=ret.filled_on.isoformat(),
                             received=received.strftime("%Y-%m-%d %H:%M"), evidence=EVIDENCE_LABELS[copy.evidence]))
    if ret is not None:
        ret = ret.model_copy(update={"file": Path(copy.source), "findings": list(ret.findings)})
    return [Receipt(materials, town, received, evidence, copy.source, copy.name, period, copy.sha256, ret,
                    readable, reason, notes, doubt=doubt, sender=copy.sender.strip().lower())]


# A town's clock this far from the server's receipt time is worth saying; mail takes seconds, not hours.
CLOCK_SLACK = timedelta(hours=1)
# A receipt time this far outside the campaign is a wrong clock or a forged header, not an arrival.
OUTSIDE_SLACK = timedelta(days=7)


def ours(relay: Relay, campaign: Campaign) -> bool:
    """True when the Received line was added by one of the county's own mail servers (campaign.mail_servers)."""
    by = relay.by.lower()
    host = by.split("(", 1)[0].strip()
    comment = set(re.findall(r"[\w.-]+", by.split("(", 1)[1])) if "(" in by else set()
    for server in (s.strip().lower() for s in campaign.mail_servers if s.strip()):
        if host == server or host.endswith("." + server) or server in comment:
            return True
    return False


_LOCAL = re.compile(r"^(?:localhost|127\.[\d.]+|\[?::1\]?|[\w-]+)$")


def _county_run(relays: tuple[Relay, ...], campaign: Campaign) -> list[Relay]:
    """The Received lines the county's own servers added: the run at the top (below any the clerk's own machine
    added). A line further down, under someone else's, was written by the sender's side and can say anything —
    a town's own Coremail or 163 submission stamp, or a forged one."""
    run: list[Relay] = []
    for relay in relays:
        host = relay.by.lower().split("(", 1)[0].strip()
        if ours(relay, campaign):
            run.append(relay)
        elif run or (host and not _LOCAL.match(host)):
            break
    return run


def _arrival(copy: Copy, campaign: Campaign, notes: list[Finding]) -> tuple[datetime, str, str]:
    """(when, evidence, doubt) of a copy: the server's receipt time that `fetch` kept, else the topmost Received
    line the county's own server added, else the Date header (read in the campaign's zone when it names none)."""
    tz = zone(campaign)
    received, evidence = copy.received, copy.evidence
    relay = next((r for r in _county_run(copy.relays, campaign) if r.when is not None), None)
    if evidence != "server" and relay is not None:
        received, evidence = relay.when, "received"
        notes[:] = [n for n in notes if n.code != "D705"]
    elif received is None:
        # No Date header and no line from the county's server: the topmost Received line is what there is.
        relay = next(r for r in copy.relays if r.when is not None)
        received, evidence = relay.when, "received"
        notes.append(finding("D705", copy.mail or copy.source, raw=copy.date_raw or "无",
                             fallback="最上面一行 Received 头"))
    assert received is not None
    if received.tzinfo is None:
        received = received.replace(tzinfo=tz)
        if evidence == "mail":
            notes.append(finding("D741", copy.mail or copy.source, raw=copy.date_raw, offset=f"{campaign.utc_offset_hours:+d}"))
    received = local(received, campaign)
    if copy.sent is not None and evidence in ("server", "received"):
        sent = local(copy.sent if copy.sent.tzinfo else copy.sent.replace(tzinfo=tz), campaign)
        if abs(sent - received) > CLOCK_SLACK:
            hours = (sent - received).total_seconds() / 3600
            notes.append(finding("D742", copy.mail or copy.source, raw=copy.date_raw, received=received.strftime("%Y-%m-%d %H:%M"),
                                 evidence=EVIDENCE_LABELS[evidence], gap=f"{abs(hours):.1f}",
                                 way="快" if hours > 0 else "慢"))
    doubt = ""
    start = datetime.combine(campaign.start, time(0, 0), tzinfo=tz) - OUTSIDE_SLACK
    end = datetime.combine(campaign.end, time(23, 59), tzinfo=tz) + OUTSIDE_SLACK
    if evidence in ("server", "received", "mail") and not start <= received <= end:
        header = {"server": "服务器收信时间（INTERNALDATE）", "received": f"Received 头“{relay.raw[:160] if relay else ''}”",
                  "mail": f"Date 头“{copy.date_raw}”"}[evidence]
        doubt = (f"收到时间不可信：{header}给出的{received.strftime('%Y-%m-%d %H:%M')}在行动期"
                 f"（{campaign.start.isoformat()}至{campaign.end.isoformat()}）之外")
        notes.append(finding("D743", copy.mail or copy.source, reason=doubt))
    return received, evidence, doubt


def _stand_in(copy: Copy, stamp: datetime, materials: frozenset[str], period: str | None, ret: Return | None,
              campaign: Campaign, notes: list[Finding]) -> tuple[datetime, str]:
    """When a file's only time is a copy's (long after the campaign), the best date there is, said so.

    A return counts from its own 填表日期 when that falls inside its period's month and the campaign;
    anything else stands at its due day with the evidence "due" — which the state treats as 待核实,
    never as on time.
    """
    opens = date(int(period[:4]), int(period[5:]), 1) if period else campaign.start
    if ret is not None and ret.filled_on is not None and opens <= ret.filled_on <= campaign.end:
        day: date | None = ret.filled_on
        how = "filled"
    else:
        due = {"plan": campaign.plan_due, "summary": campaign.summary_due, "case": campaign.cases_due}
        day = next((due[m] for m in ("plan", "summary", "case") if m in materials and due[m]), None)
        if period and campaign.period(period) and materials & set(campaign.monthly):
            day = campaign.period(period).due  # type: ignore[union-attr]
        if day is None:
            return stamp, copy.evidence
        how = "due"
    assert day is not None
    notes.append(finding("D714", copy.source, stamp=stamp.strftime("%Y-%m-%d"), evidence=EVIDENCE_LABELS[copy.evidence],
                         used=EVIDENCE_LABELS[how], day=day.isoformat()))
    return datetime.combine(day, time(12, 0), tzinfo=zone(campaign)), how


def unique(receipts: list[Receipt]) -> list[Receipt]:
    """The same bytes for the same town, materials and period once (the better evidence, then the earlier
    time); the same bytes for two towns twice, each with D715."""
    best: dict[tuple[str, str, frozenset[str], str | None], Receipt] = {}
    for receipt in receipts:
        if not receipt.sha256:
            best[(receipt.source, receipt.town, receipt.materials, receipt.period)] = receipt
            continue
        # The same bytes named for two months are two receipts (a town resending last month's file as this one's).
        key = (receipt.sha256, receipt.town, receipt.materials, receipt.period)
        current = best.get(key)
        # Better evidence, then the earlier time, then the more direct copy (loose beside the zip it is also in).
        if current is None or (EVIDENCE_RANK[receipt.evidence], receipt.received, len(receipt.source)) < (
                EVIDENCE_RANK[current.evidence], current.received, len(current.source)):
            best[key] = receipt
    towns_of: dict[str, set[str]] = {}
    for receipt in best.values():
        if receipt.sha256:
            towns_of.setdefault(receipt.sha256, set()).add(receipt.town)
    kept = sorted(best.values(), key=lambda r: (r.received, r.source))
    for receipt in kept:
        towns = towns_of.get(receipt.sha256, set())
        if len(towns) > 1:
            others = "、".join(sorted(towns - {receipt.town}))
            receipt.findings = [*receipt.findings, finding("D715", receipt.source, town=receipt.town, others=others,
                                                           name=receipt.name)]
    return kept

