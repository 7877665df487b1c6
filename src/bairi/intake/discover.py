"""What every walk of the inputs shares: the suffixes of spreadsheets and archives, what makes a file itself."""

from __future__ import annotations

from pathlib import Path

# .et/.ett are WPS 表格's own (binary, like .xls); .xlsb is read only to be refused by name, not skipped unseen.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xltx", ".xltm", ".xlt", ".et", ".ett", ".xlsb")
# Towns pack returns into these; merge and deadlines open a .zip, and name a .rar/.7z as unreadable.
ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z")


class MissingInput(Exception):
    """An input path that does not exist (an operator mistake)."""


def identity(path: Path) -> object:
    """What makes two paths the same file: device and inode (a symlink or a second spelling is the same file)."""
    try:
        info = path.stat()
    except OSError:
        return path.absolute()
    return (info.st_dev, info.st_ino)
