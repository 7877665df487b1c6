"""What every walk of the inputs shares: the suffixes of spreadsheets, archives and mail, what makes a file
itself, and its time.

The walk asks these of every file; what reads a mail, an archive or the ledger is imported only by the runs
that meet one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# .et/.ett are WPS 表格's own (binary, like .xls); .xlsb is read only to be refused by name, not skipped unseen.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xltx", ".xltm", ".xlt", ".et", ".ett", ".xlsb")
# Towns pack returns into these; merge and deadlines open a .zip, and name a .rar/.7z as unreadable.
ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z")
MAIL_SUFFIXES = (".eml", ".mbox", ".mbx")


class MissingInput(Exception):
    """An input path that does not exist (an operator mistake)."""


def identity(path: Path) -> object:
    """What makes two paths the same file: device and inode (a symlink or a second spelling is the same file)."""
    try:
        info = path.stat()
    except OSError:
        return path.absolute()
    return (info.st_dev, info.st_ino)


def is_archive(name: str) -> bool:
    """True when the name ends in .zip, .rar or .7z."""
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def is_mbox(path: Path) -> bool:
    """True when the file is an mbox mailbox (by suffix, or starting with a 'From ' line)."""
    if path.suffix.lower() in (".mbox", ".mbx"):
        return True
    if path.suffix:
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def one_message(path: Path) -> tuple[Path, int] | None:
    """(mailbox, n) when `path` names one message of an mbox as its sources do (收件箱.mbox#3), else None."""
    base, mark, number = str(path).rpartition("#")
    if not mark or not number.isdigit() or not base:
        return None
    box = Path(base)
    return (box, int(number)) if box.is_file() and is_mbox(box) else None


def is_mail(path: Path) -> bool:
    """True for .eml files and mbox mailboxes."""
    return path.suffix.lower() == ".eml" or is_mbox(path)


def file_mtime(path: Path) -> datetime | None:
    """A file's modification time as an aware datetime, or None when it cannot be read."""
    try:
        return datetime.fromtimestamp(Path(path).stat().st_mtime, tz=UTC)
    except (OSError, ValueError, OverflowError):
        return None


# A file time this long after the campaign ended is a copy's, a checkout's or an unzip's, not an arrival.
COPY_GRACE_DAYS = 31


def is_copy_time(when: datetime, end: date) -> bool:
    """True when a file's time (mtime or first sighting) is too late to say when it arrived: the campaign
    ended `end` and the time is more than a month after."""
    return when.date() > end + timedelta(days=COPY_GRACE_DAYS)
