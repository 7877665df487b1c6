"""Inputs → the files to read: folders searched recursively, what is not a return set aside."""

from __future__ import annotations

from pathlib import Path

# .et/.ett are WPS 表格's own (binary, like .xls); .xlsb is read only to be refused by name, not skipped unseen.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xltx", ".xltm", ".xlt", ".et", ".ett", ".xlsb")
# Towns pack returns into these; merge and deadlines open a .zip, and name a .rar/.7z as unreadable.
ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z")


class MissingInput(Exception):
    """An input path that does not exist (an operator mistake)."""


def is_lock_file(path: Path) -> bool:
    """Excel/WPS leave ~$name.xlsx beside an open file; it holds no data."""
    return path.name.startswith("~$") or path.name.startswith(".~")


def files_under(folder: Path) -> list[Path]:
    """Every file below a folder, in a stable order (one directory walk; no stat per file)."""
    import os

    found: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        base = Path(root)
        found.extend(base / name for name in sorted(names))
    return sorted(found, key=str)


def identity(path: Path) -> object:
    """What makes two paths the same file: device and inode (a symlink or a second spelling is the same file)."""
    try:
        info = path.stat()
    except OSError:
        return path.absolute()
    return (info.st_dev, info.st_ino)


def expand(paths: list[Path]) -> list[Path]:
    """Every spreadsheet named or found under the given paths, in a stable order, each once."""
    found: list[Path] = []
    seen: set[object] = set()
    for path in paths:
        if not path.exists():
            raise MissingInput(f"找不到文件或文件夹：{path}")
        if path.is_dir():
            candidates = [p for p in files_under(path)
                          if p.suffix.lower() in SPREADSHEET_SUFFIXES and not is_lock_file(p)]
        else:
            candidates = [path]
        for candidate in candidates:
            key = identity(candidate)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found
