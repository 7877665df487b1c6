"""Inputs → the files to read: folders searched recursively, what is not a return set aside."""

from __future__ import annotations

from pathlib import Path

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xltx", ".xltm")
# Towns pack returns into these; merge and deadlines open a .zip, and name a .rar/.7z as unreadable.
ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z")


class MissingInput(Exception):
    """An input path that does not exist (an operator mistake)."""


def is_lock_file(path: Path) -> bool:
    """Excel/WPS leave ~$name.xlsx beside an open file; it holds no data."""
    return path.name.startswith("~$") or path.name.startswith(".~")


def expand(paths: list[Path]) -> list[Path]:
    """Every spreadsheet named or found under the given paths, in a stable order, each once."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if not path.exists():
            raise MissingInput(f"找不到文件或文件夹：{path}")
        if path.is_dir():
            candidates = sorted(
                (p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES
                 and not is_lock_file(p)),
                key=lambda p: str(p),
            )
        else:
            candidates = [path]
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found
