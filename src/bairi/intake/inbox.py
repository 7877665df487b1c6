"""The one intake: folders, files, mail and archives → copies, each with the evidence of when it arrived.

Every command that reads an inbox walks it here, once, under one set of rules:
- a folder is searched recursively; hidden folders and files (a name starting with ".") are not the
  towns' and are skipped, each hidden folder said once (D720) so nothing disappears unseen;
- a link to a folder is not followed (a loop or another disk), said (D723); a link to a file is read;
- Excel/WPS lock files (~$name.xlsx, .~lock.name#) are skipped, said (D721);
- spreadsheets are read as returns, .eml/.mbox give their attachments, a .zip gives its members,
  documents (Word, PDF, pictures, ...) are kept by name and hash; anything else is skipped, said (D722).

When: an attachment's e-mail Date header; a plain file's first sighting in the ledger, else its
modification time. The same bytes found at two places are two copies here; which of them counts,
and for whom, is decided once, by the campaign state.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bairi.core.findings import Finding, finding
from bairi.guard.limits import is_lock_name
from bairi.intake.discover import (
    ARCHIVE_SUFFIXES,
    SPREADSHEET_SUFFIXES,
    MissingInput,
    file_mtime,
    identity,
    is_archive,
    is_mail,
    is_mbox,
    one_message,
)

if TYPE_CHECKING:
    from bairi.intake.ledger import Ledger
    from bairi.intake.mail import Relay

# Archives, mail and the ledger are imported by the runs that meet one (`check FILE` meets none).

# Plans, summaries, progress reports and case write-ups arrive in whatever format the town's office uses;
# a photo or a PDF of a return is a receipt too, only one that cannot be read.
DOCUMENT_SUFFIXES = (".doc", ".docx", ".docm", ".wps", ".wpt", ".dot", ".dotx", ".pdf", ".ofd", ".odt", ".rtf",
                     ".txt", ".ppt", ".pptx", ".dps", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff",
                     ".heic", ".webp", ".url", ".html", ".htm", ".csv")
KNOWN_SUFFIXES = SPREADSHEET_SUFFIXES + DOCUMENT_SUFFIXES + ARCHIVE_SUFFIXES
# Files an operating system leaves in folders; nobody sent them.
_SYSTEM_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
EVIDENCE_LABELS = {"server": "邮件服务器收信时间", "received": "县局邮件服务器的 Received 头", "mail": "邮件 Date 头",
                   "ledger": "收件台账首次记录", "mtime": "文件修改时间",
                   # Stand-ins when a file's only time is a copy's, long after the campaign (state.receipts).
                   "filled": "报表的填表日期", "due": "截止日（收到时间不可考）", "logbook": "县局登记簿"}
# A receipt from better evidence wins over a copy of the same file seen another way.
EVIDENCE_RANK = {"logbook": 0, "server": 1, "received": 2, "mail": 3, "ledger": 4, "mtime": 5, "filled": 6, "due": 7}


@dataclass
class Copy:
    """One copy of a file as found: a plain file or a mail attachment, with its receipt evidence."""

    name: str
    source: str
    sha256: str
    received: datetime | None
    evidence: str  # mail / ledger / mtime
    data: bytes  # a spreadsheet's bytes (empty for documents: their hash is all that is needed)
    subject: str = ""
    sender: str = ""
    sender_name: str = ""
    folder: str = ""
    findings: list[Finding] = field(default_factory=list)
    problem: str = ""  # an archive that could not be opened: why
    within: str = ""  # the archive this file was packed in, whose name may say the town or month
    workbook: bool = False  # a "zip" that is itself a workbook under another name
    # From a mail: its Date header (naive when it names no zone), the header as sent, its Received lines (the
    # state picks the one the county's own server added), and a link's service when the mail carried a link.
    sent: datetime | None = None
    date_raw: str = ""
    relays: tuple[Relay, ...] = ()
    zoneless: bool = False
    service: str = ""
    mail: str = ""  # the mail it came in (mailbox#n or the .eml), where what is said of the mail is said

    @property
    def spreadsheet(self) -> bool:
        """True when the copy is read as a return (a member that could not be unpacked is not)."""
        return not self.problem and (self.workbook or Path(self.name).suffix.lower() in SPREADSHEET_SUFFIXES)


@dataclass
class Inbox:
    """Everything found under the inputs, before anything is decided about it."""

    copies: list[Copy]
    findings: list[Finding]  # what was skipped, and why; mails and ledgers that could not be used
    ledger: Path | None
    mails: int = 0
    files: int = 0
    attachments: int = 0


@dataclass
class Walk:
    """The files named or found under the inputs, each once, and what the walk left out."""

    mails: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk(paths: list[Path]) -> Walk:
    """Every mail and file under the inputs, in a stable order, each file once (by device and inode)."""
    found = Walk(roots=[Path(p) for p in paths])
    seen: set[object] = set()

    def take(path: Path) -> None:
        key = identity(path)
        if key in seen:
            return
        seen.add(key)
        (found.mails if is_mail(path) else found.files).append(path)

    for path in found.roots:
        if not path.exists():
            if one_message(path) is None:
                raise MissingInput(f"找不到文件或文件夹：{path}")
            found.mails.append(path)  # one message of a mailbox, named as its sources name it (what status suggests)
            continue
        if not path.is_dir():
            take(path)  # named on the command line: read whatever it is, even hidden
            continue
        from bairi.core.home import CONFIG_NAME, LOGBOOK_NAME

        for root, dirs, names in os.walk(path):
            base = Path(root)
            kept = []
            for name in sorted(dirs):
                sub = base / name
                if _hidden(name):
                    count = sum(len(f) for _, _, f in os.walk(sub))
                    found.skipped.append(finding("D720", str(sub), path=str(sub), count=count))
                elif sub.is_symlink():
                    found.skipped.append(finding("D723", str(sub), path=str(sub)))
                else:
                    kept.append(name)
            dirs[:] = kept
            for name in sorted(names):
                file = base / name
                lowered = name.lower()
                if is_lock_name(name):
                    found.skipped.append(finding("D721", str(file), path=str(file)))
                elif _hidden(name) or lowered in _SYSTEM_NAMES:
                    continue  # the ledger, .DS_Store and the like: bairi's or the system's own
                elif name in (LOGBOOK_NAME, CONFIG_NAME):
                    continue  # the county's own files, used by name (the logbook in use is named by the run)
                elif is_mail(file) or lowered.endswith(KNOWN_SUFFIXES):
                    take(file)
                else:
                    found.skipped.append(finding("D722", str(file), path=str(file)))
    return found


def _folder(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if root.is_dir():
            try:
                return str(path.parent.relative_to(root))
            except ValueError:
                continue
    return ""


def _kept(name: str, data: bytes) -> bytes:
    """Only spreadsheets are read again; a document's bytes are not needed once hashed."""
    return data if Path(name).suffix.lower() in SPREADSHEET_SUFFIXES else b""


def _opened(copy: Copy, findings: list[Finding]) -> list[Copy]:
    """What a copy stands for: itself; for a zip, every file in it, dated like the zip.

    Spreadsheets are read; documents are known by their names (or the zip's); a member that cannot be
    read (encrypted, too big) is still a copy, with the reason, so that a return sent that way is
    待核实 rather than unseen. A zip that cannot be opened at all stands for itself, with the reason.
    """
    if not is_archive(copy.name):
        copy.data = _kept(copy.name, copy.data)
        return [copy]
    from bairi.intake.archives import unpack

    found = unpack(copy.name, copy.data)
    copy.data = b""

    def member(path: str, digest: str, data: bytes, problem: str = "", workbook: bool = False) -> Copy:
        return replace(copy, name=path.rsplit("/", 1)[-1] or copy.name,
                       source=f"{copy.source}/{path}" if path else copy.source, sha256=digest, data=data,
                       findings=list(copy.findings), problem=problem, within=copy.name, workbook=workbook)

    copies = [member(m.name, hashlib.sha256(m.data).hexdigest(), m.data, workbook=not m.name) for m in found.members]
    for inner, reason in found.problems:
        if inner:
            copies.append(member(inner, "", b"", problem=reason))
        else:
            copy.problem = reason
    copies += [member(name, "", b"") for name in found.others]
    return copies or [copy]


class _Stamps:
    """Receipt evidence for plain files: the ledger when it works, else modification times."""

    def __init__(self, ledger: Ledger | None, now: datetime, findings: list[Finding], where: Path | None,
                 record: bool = True) -> None:
        self.ledger, self.now, self.findings, self.where, self.record = ledger, now, findings, where, record

    def received(self, path: Path, sha256: str, size: int) -> tuple[datetime | None, str]:
        """(when, evidence kind) for a plain file."""
        if self.ledger is not None:
            from bairi.intake.ledger import LedgerUnavailable

            try:
                if not self.record:
                    # Read only: a first sighting the ledger holds, else the file's time — which is what
                    # recording it now would give, so a run that records and one that reads agree.
                    seen = self.ledger.get(sha256)
                    return (seen.received, "ledger") if seen is not None else (file_mtime(path), "mtime")
                return self.ledger.record(sha256, path, size, self.now).received, "ledger"
            except LedgerUnavailable as exc:
                self.findings.append(finding("D708", str(self.where), path=str(self.where), detail=str(exc)))
                self.ledger = None
        return file_mtime(path), "mtime"

    def server(self, sha256: str) -> datetime | None:
        """When the mail server received the message with these bytes, as `bairi fetch` kept it; else None."""
        if self.ledger is None:
            return None
        from bairi.intake.ledger import LedgerUnavailable

        try:
            return self.ledger.server_time(sha256)
        except LedgerUnavailable:
            return None


class OutputIsInput(Exception):
    """An output path that is one of the inputs (an operator mistake: writing it would destroy a return)."""


def gather(paths: list[Path], now: datetime, ledger: Path | None = None, use_ledger: bool = True,
           output: Path | None = None, record: bool = True) -> Inbox:
    """Every copy under the inputs; `now` stamps first sightings in the ledger (only read, never created,
    when `record` is False); an `output` about to be written that is one of the inputs is refused first."""
    found = walk(paths)
    if output is not None and output.exists():
        target = identity(output)
        if any(identity(f) == target for f in found.files + found.mails) or any(identity(p) == target for p in paths):
            raise OutputIsInput(f"输出文件 {output} 是输入文件之一，为防止覆盖原始报表，已拒绝。请换一个输出文件名。")
    findings: list[Finding] = list(found.skipped)
    where = ledger
    book: Ledger | None = None
    if use_ledger and (found.files or found.mails):
        from bairi.intake.ledger import LedgerUnavailable, ledger_path, open_ledger

        where = ledger or ledger_path(paths)
        if record or where.is_file():
            try:
                book = open_ledger(where)
            except LedgerUnavailable as exc:
                findings.append(finding("D708", str(where), path=str(where), detail=str(exc)))
    try:
        stamps = _Stamps(book, now, findings, where, record)
        copies = _files(found, stamps, findings)
        mailed, attached = _mails(found, stamps, findings)
    finally:
        if book is not None:
            book.close()
    return Inbox(copies + mailed, findings, where if stamps.ledger is not None else None,
                 mails=len(found.mails), files=len(found.files), attachments=attached)


def _files(found: Walk, stamps: _Stamps, findings: list[Finding]) -> list[Copy]:
    from bairi.guard.limits import read_input

    copies: list[Copy] = []
    for path in found.files:
        try:
            data = read_input(path)
        except OSError as exc:
            findings.append(finding("F109", str(path), detail=exc.strerror or type(exc).__name__))
            continue
        digest = hashlib.sha256(data).hexdigest()
        when, how = stamps.received(path, digest, len(data))
        if when is None:
            continue
        copies.extend(_opened(Copy(path.name, str(path), digest, when, how, data, folder=_folder(path, found.roots)),
                              findings))
    return copies


def _mails(found: Walk, stamps: _Stamps, findings: list[Finding]) -> tuple[list[Copy], int]:
    copies: list[Copy] = []
    attached = 0
    if not found.mails:
        return copies, attached
    from bairi.intake.mail import MailUnreadable, read_mail, read_mbox

    keep = lambda name: Path(name).suffix.lower() in KNOWN_SUFFIXES  # noqa: E731 - logos and signatures are not submissions
    for path in found.mails:
        selected = None if path.exists() else one_message(path)
        try:
            if selected is not None:
                items = read_mbox(selected[0], str(selected[0]), keep=keep, only=selected[1])
                path = selected[0]
            else:
                items = read_mail(path, str(path), keep=keep)
        except MailUnreadable as exc:
            findings.append(finding("D707", str(path), detail=str(exc)))
            continue
        # A message `bairi fetch` saved is known by its bytes: the server's receipt time is in the ledger.
        server = None
        if items and not is_mbox(path):
            server = stamps.server(hashlib.sha256(path.read_bytes()).hexdigest())
        for item in items:
            attached += 1
            digest = hashlib.sha256(item.data).hexdigest()
            notes: list[Finding] = []
            when, how = (server, "server") if server is not None else (item.sent, "mail")
            if when is None and not any(r.when for r in item.relays):
                raw = path.read_bytes()
                when, how = stamps.received(path, hashlib.sha256(raw).hexdigest(), len(raw))
                notes.append(finding("D705", item.source, raw=item.date_raw or "无", fallback=EVIDENCE_LABELS[how]))
                if when is None:
                    continue
            copies.extend(_opened(Copy(item.name, f"{item.source}/{item.name}", digest, when, how, item.data,
                                       item.subject, item.sender, item.sender_name, findings=notes,
                                       problem=item.problem, sent=item.sent, date_raw=item.date_raw,
                                       relays=item.relays, zoneless=item.zoneless, service=item.service,
                                       mail=item.source), findings))
    return copies, attached
