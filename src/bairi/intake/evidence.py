"""Evidence of receipt: folders, files and e-mail → receipts (what, whose, when, and on what evidence).

When: an attachment's e-mail Date header; a plain file's first-seen record in the ledger, else its
modification time. The same content found twice (a saved attachment beside its mailbox) counts once,
with the better evidence. What and whose: a return reads its own 填报单位 and period; other documents
are known by 方案/总结 and a town's name in the file name or mail subject, or by the sender's address.
A zip is opened and the spreadsheets in it count like loose files, dated like the zip; a zip of
documents only, or a .rar/.7z (which cannot be opened), is known by its name like other documents.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from bairi.intake.archives import is_archive, unpack
from bairi.intake.discover import SPREADSHEET_SUFFIXES, MissingInput, files_under, is_lock_file
from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, finding
from bairi.core.form import normalize
from bairi.intake.ledger import Ledger, LedgerUnavailable, file_mtime, is_copy_time, ledger_path, open_ledger
from bairi.intake.mail import MailUnreadable, is_mail, read_mail
from bairi.core.model import Return
from bairi.read.reader import month_in, read_return
from bairi.check.rules import check
from bairi.deadlines.schedule import EVIDENCE_LABELS, EVIDENCE_RANK, KIND_LABELS, Receipt, local, zone

# Plans and summaries arrive as documents in whatever format the town's office uses.
DOCUMENT_SUFFIXES = (".doc", ".docx", ".docm", ".wps", ".wpt", ".dot", ".dotx", ".pdf", ".ofd", ".odt", ".rtf",
                     ".txt", ".ppt", ".pptx", ".dps", ".zip", ".rar", ".7z")
EVIDENCE_SUFFIXES = SPREADSHEET_SUFFIXES + DOCUMENT_SUFFIXES


@dataclass
class Copy:
    """One copy of a file as found: a plain file or a mail attachment, with its receipt evidence."""

    name: str
    source: str
    sha256: str
    received: datetime | None
    evidence: str
    data: bytes
    subject: str = ""
    sender: str = ""
    sender_name: str = ""
    folder: str = ""
    findings: list[Finding] = field(default_factory=list)
    problem: str = ""  # an archive that could not be opened: why, said if it cannot be known by its name either
    within: str = ""  # the archive this file was packed in, whose name may say the town or month


@dataclass
class Evidence:
    """Everything gathered from the inputs."""

    receipts: list[Receipt]
    findings: list[Finding]
    ledger: Path | None
    mails: int = 0
    files: int = 0
    attachments: int = 0


def scan(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Mail files and plain documents named or found (recursively) under the inputs, each once."""
    mails: list[Path] = []
    files: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise MissingInput(f"找不到文件或文件夹：{path}")
        if path.is_dir():
            # Hidden files and folders (.git, the ledger itself) are not the towns' documents.
            candidates = [p for p in files_under(path) if not is_lock_file(p)
                          and not any(part.startswith(".") for part in p.relative_to(path).parts)]
            candidates = [p for p in candidates if is_mail(p) or p.suffix.lower() in EVIDENCE_SUFFIXES]
        else:
            candidates = [path]
        for candidate in candidates:
            key = candidate.resolve()
            if key in seen:
                continue
            seen.add(key)
            (mails if is_mail(candidate) else files).append(candidate)
    return mails, files


def towns_in(text: str, campaign: Campaign) -> list[str]:
    """Every configured town named in free text, longest names first, each once (config order)."""
    cleaned = normalize(text).replace(campaign.authority, "")
    names: list[tuple[str, str]] = []
    for unit in campaign.units:
        for name in (unit.name, *unit.aliases):
            names.append((name, unit.name))
            stem = re.sub(r"(镇|乡|街道|办事处)$", "", name)
            if len(stem) >= 2 and stem != name:
                names.append((stem, unit.name))
    names.sort(key=lambda pair: -len(pair[0]))
    taken = [False] * len(cleaned)
    found: set[str] = set()
    for name, town in names:
        start = cleaned.find(name)
        while start >= 0:
            span = range(start, start + len(name))
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                found.add(town)
            start = cleaned.find(name, start + 1)
    return [unit.name for unit in campaign.units if unit.name in found]


def kind_in(text: str) -> str | None:
    """plan or summary when the text says 方案 or 总结."""
    text = normalize(text)
    if "总结" in text:
        return "summary"
    if "方案" in text:
        return "plan"
    return None


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


def _period(copy: Copy, ret: Return | None, campaign: Campaign) -> str | None:
    """The return's period: its file name or title, the mail subject, its folder, then its 填表日期."""
    if ret is not None and ret.period and not ret.period_source.startswith("填表日期"):
        return ret.period
    for text in (Path(copy.name).stem, Path(copy.within).stem, copy.subject, copy.folder):
        if text and (found := month_in(text, campaign)):
            return found
    return ret.period if ret is not None else None


def _read(copy: Copy, campaign: Campaign) -> Return:
    return check(read_return(Path(copy.name), campaign, data=copy.data, name=copy.source), campaign)


def receipt_of(copy: Copy, campaign: Campaign, findings: list[Finding]) -> Receipt | None:
    """What this (best) copy is evidence of, or None with a finding saying why it does not count."""
    suffix = Path(copy.name).suffix.lower()
    ret: Return | None = None
    kind: str | None = None
    if suffix in SPREADSHEET_SUFFIXES:
        ret = _read(copy, campaign)
        if ret.town == campaign.authority:
            findings.append(finding("D711", copy.source, authority=campaign.authority))
            return None
        if ret.unreadable or not any(f.code == "E201" for f in ret.findings):
            kind = "return"
        else:
            ret = None
    if kind is None:
        kind = kind_in(Path(copy.name).stem) or (kind_in(copy.subject) if copy.subject else None)
    if kind is None:
        if copy.problem:
            findings.append(finding("D712", copy.source, name=copy.name, reason=copy.problem))
        else:
            findings.append(finding("D704", copy.source, name=copy.name, what="是方案、总结还是月报表"))
        return None
    claims = _claims(copy, ret, campaign)
    if not claims:
        findings.append(finding("D704", copy.source, name=copy.name, what=f"是哪个镇的{KIND_LABELS[kind]}"))
        return None
    town = claims[0][1]
    notes = list(copy.findings)
    named = {t for source, t in claims if source != "文件夹"}
    if len(named) > 1:
        text = "；".join(f"{source}“{t}”" for source, t in claims if source != "文件夹")
        notes.append(finding("D702", copy.source, claims=text, chosen_by=claims[0][0], town=town))
    period = None
    if kind == "return":
        period = _period(copy, ret, campaign)
        if period is None:
            findings.append(finding("D710", copy.source, town=town))
            return None
        if campaign.period(period) is None:
            findings.append(finding("D709", copy.source, town=town, period=period,
                                    periods="、".join(p.period for p in campaign.periods)))
            return None
    received = local(copy.received, campaign)
    evidence = copy.evidence
    if evidence in ("mtime", "ledger") and is_copy_time(received, campaign.end):
        received, evidence = _stand_in(copy, received, kind, period, ret, campaign, notes)
    if ret is not None and ret.filled_on and ret.filled_on > received.date():
        notes.append(finding("D701", copy.source, filled_on=ret.filled_on.isoformat(),
                             received=received.strftime("%Y-%m-%d %H:%M"), evidence=EVIDENCE_LABELS[copy.evidence]))
    return Receipt(kind, town, received, evidence, copy.source, copy.name, period, copy.sha256, ret, notes)


def _stand_in(copy: Copy, stamp: datetime, kind: str, period: str | None, ret: Return | None,
              campaign: Campaign, notes: list[Finding]) -> tuple[datetime, str]:
    """When a file's only time is a copy's (long after the campaign), the best date there is, said so.

    A return counts from its own 填表日期; a plan or summary, having no date of its own, as received by its
    due day. Either way a finding tells the clerk to trust the mailbox or the ledger instead.
    """
    if ret is not None and ret.filled_on is not None:
        day, how = ret.filled_on, "filled"
    else:
        due = {"plan": campaign.plan_due, "summary": campaign.summary_due}.get(kind)
        if kind == "return" and period and campaign.period(period):
            due = campaign.period(period).due
        if due is None:
            return stamp, copy.evidence
        day, how = due, "due"
    notes.append(finding("D714", copy.source, stamp=stamp.strftime("%Y-%m-%d"), evidence=EVIDENCE_LABELS[copy.evidence],
                         used=EVIDENCE_LABELS[how], day=day.isoformat()))
    return datetime.combine(day, time(12, 0), tzinfo=zone(campaign)), how


class _Files:
    """Receipt evidence for plain files: the ledger when it works, else modification times."""

    def __init__(self, ledger: Ledger | None, now: datetime, findings: list[Finding], where: Path | None) -> None:
        self.ledger, self.now, self.findings, self.where = ledger, now, findings, where

    def received(self, path: Path, sha256: str, size: int) -> tuple[datetime | None, str]:
        """(when, evidence kind) for a plain file."""
        if self.ledger is not None:
            try:
                return self.ledger.record(sha256, path, size, self.now).received, "ledger"
            except LedgerUnavailable as exc:
                self.findings.append(finding("D708", str(self.where), path=str(self.where), detail=str(exc)))
                self.ledger = None
        return file_mtime(path), "mtime"


def _kept(name: str, data: bytes) -> bytes:
    """Only spreadsheets are read again; a plan's or summary's bytes are not needed once hashed."""
    return data if Path(name).suffix.lower() in SPREADSHEET_SUFFIXES else b""


def _opened(copy: Copy, findings: list[Finding]) -> list[Copy]:
    """What a copy stands for: itself; for a zip, the spreadsheets in it, dated like the zip.

    The zip itself is still known by its name when it holds no spreadsheet (or cannot be opened),
    and when it also holds documents and its name or mail subject says 方案 or 总结.
    """
    if not is_archive(copy.name):
        copy.data = _kept(copy.name, copy.data)
        return [copy]
    found = unpack(copy.name, copy.data)
    copy.data = b""
    members = [Copy(member.name.rsplit("/", 1)[-1] or copy.name, f"{copy.source}/{member.name}" if member.name else copy.source,
                    hashlib.sha256(member.data).hexdigest(), copy.received, copy.evidence, member.data, copy.subject,
                    copy.sender, copy.sender_name, copy.folder, findings=list(copy.findings), within=copy.name)
               for member in found.members]
    for inner, reason in found.problems:
        if inner:
            findings.append(finding("D713", copy.source, name=copy.name, member=inner, reason=reason))
        else:  # the archive could not be opened at all: said only if its name does not tell what it is either
            copy.problem = reason
    if not members:
        return [copy]
    named = kind_in(Path(copy.name).stem) or (kind_in(copy.subject) if copy.subject else None)
    return members + ([copy] if found.others and named else [])


def _folder(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if root.is_dir():
            try:
                return str(path.parent.relative_to(root))
            except ValueError:
                continue
    return ""


def collect(paths: list[Path], campaign: Campaign, now: datetime, ledger: Path | None = None,
            use_ledger: bool = True) -> Evidence:
    """Receipts from every file and mail under the inputs; `now` stamps first sightings in the ledger."""
    mails, files = scan(paths)
    findings: list[Finding] = []
    where = ledger or ledger_path(paths)
    book: Ledger | None = None
    if use_ledger and (files or mails):
        try:
            book = open_ledger(where)
        except LedgerUnavailable as exc:
            findings.append(finding("D708", str(where), path=str(where), detail=str(exc)))
    try:
        evidence = _gather(paths, mails, files, campaign, _Files(book, now, findings, where), findings)
    finally:
        if book is not None:
            book.close()
    evidence.ledger = where if book is not None else None
    return evidence


def _gather(paths: list[Path], mails: list[Path], files: list[Path], campaign: Campaign, stamps: _Files,
            findings: list[Finding]) -> Evidence:
    copies: list[Copy] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            findings.append(finding("F109", str(path), detail=exc.strerror or type(exc).__name__))
            continue
        digest = hashlib.sha256(data).hexdigest()
        when, how = stamps.received(path, digest, len(data))
        if when is None:
            continue
        copies.extend(_opened(Copy(path.name, str(path), digest, when, how, data, folder=_folder(path, paths)), findings))
    attached = 0
    for path in mails:
        try:
            found = read_mail(path, str(path), keep=lambda name: Path(name).suffix.lower() in EVIDENCE_SUFFIXES)
        except MailUnreadable as exc:
            findings.append(finding("D707", str(path), detail=str(exc)))
            continue
        # Logos, photos and signatures (skipped by `keep`) are not submissions.
        for item in found:
            attached += 1
            digest = hashlib.sha256(item.data).hexdigest()
            notes: list[Finding] = []
            when, how = item.sent, "mail"
            if when is None:
                raw = path.read_bytes()
                when, how = stamps.received(path, hashlib.sha256(raw).hexdigest(), len(raw))
                notes.append(finding("D705", item.source, raw=item.date_raw or "无", fallback=EVIDENCE_LABELS[how]))
                if when is None:
                    continue
            copies.extend(_opened(Copy(item.name, f"{item.source}/{item.name}", digest, when, how, item.data,
                                       item.subject, item.sender, item.sender_name, findings=notes), findings))
    best: dict[str, Copy] = {}
    for copy in copies:
        current = best.get(copy.sha256)
        if current is None or (EVIDENCE_RANK[copy.evidence], copy.received) < (EVIDENCE_RANK[current.evidence], current.received):
            best[copy.sha256] = copy
    receipts = [r for copy in best.values() if (r := receipt_of(copy, campaign, findings)) is not None]
    return Evidence(receipts, findings, None, mails=len(mails), files=len(files), attachments=attached)
