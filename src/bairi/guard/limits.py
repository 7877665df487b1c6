"""The safety limits every scan enforces, and the one exception a file that cannot be read raises.

This module judges only whether a file can be read at all. Every problem is an `Unreadable`
carrying a catalogue code, so one bad attachment never stops a run.

Safety comes before reading. python-calamine builds each sheet as a dense grid (rows × columns
from the first to the last filled cell) and copies a shared string into every cell that uses it,
so a small file can ask for gigabytes. Before calamine sees a byte, `inspect` walks the file's own
structure — zip entries inflated by us with a hard cap (declared sizes can lie), sheet XML scanned
for the cells it really fills, the BIFF records of an .xls, the repeat counts of an .ods — and
refuses anything whose grid, text or inflated size is beyond the limits below. The scans live in
`package` (xlsx, ods) and `ole` (xls and other OLE2 files); this module holds the limits, the
recognition of formats and the reading itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Limits checked before anything is built. A real return is a few tens of KB with a few hundred
# cells; a province's merged return with thousands of hazard rows stays far below these.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PART_BYTES = 64 * 1024 * 1024  # one zip part (a sheet's XML, the shared strings) once inflated
MAX_UNZIPPED_BYTES = 160 * 1024 * 1024  # all parts together
MAX_PART_RATIO = 200  # inflated : compressed, for parts over 1 MB (real sheet XML stays under ~130)
MAX_ZIP_ENTRIES = 5000
MAX_SHEETS = 300
MAX_CELLS = 2_000_000  # the dense grid of one sheet, rows × columns counted from A1
MAX_TOTAL_CELLS = 4_000_000  # the same over all sheets
MAX_CELL_RECORDS = 1_000_000  # cells written in one sheet, empty ones included
MAX_TEXT_BYTES = 64 * 1024 * 1024  # text held by all cells together (a shared string counts once per use)
MAX_RECORDS = 4_000_000  # BIFF records in one .xls stream
# Rows of one return's 重大隐患明细: a town lists a handful, a province's merged return a few thousand.
MAX_HAZARD_ROWS = 20_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


class Unreadable(Exception):
    """The file cannot be read as a spreadsheet; `code` and `fields` name the finding."""

    def __init__(self, code: str, **fields: object) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields


FORMAT_NAMES = {
    "xlsx": "Excel 工作簿（.xlsx）",
    "xls": "Excel 97-2003 工作簿（.xls）",
    "ods": "OpenDocument 表格（.ods）",
}
# What each extension promises; a mismatch is read by content and noted (F108).
EXTENSION_FORMATS = {"xlsx": "xlsx", "xlsm": "xlsx", "xltx": "xlsx", "xltm": "xlsx", "xls": "xls", "xlt": "xls",
                     "et": "xls", "ett": "xls", "ods": "ods"}


@dataclass
class Plan:
    """What `inspect` learnt: the real format, the bytes to hand to calamine and what to know when reading."""

    format: str
    data: bytes
    uncached: dict[str, set[str]] = field(default_factory=dict)
    notes: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    # Cells (like "C7") holding an error value (#REF!, #DIV/0!…), by sheet: calamine shows them as empty.
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    # Merged ranges by sheet, ((first_row, first_col), (last_row, last_col)) 0-based, where calamine gives none (.ods).
    merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = field(default_factory=dict)

    def take(self, name: str, scan: Scan) -> None:
        """Keep what reading one sheet needs from its scan (formulas without results, error cells, merges)."""
        if scan.uncached:
            self.uncached.setdefault(name, set()).update(scan.uncached)
        if scan.errors:
            self.errors.setdefault(name, {}).update(scan.errors)
        if scan.merged:
            self.merged.setdefault(name, []).extend(scan.merged)


def too_big(what: str) -> Unreadable:
    """The finding for input beyond a safety limit."""
    return Unreadable("F105", detail=what)


def corrupt(what: str) -> Unreadable:
    """The finding for a damaged file."""
    return Unreadable("F102", detail=what)


def member_bytes(data: bytes, header_offset: int, compress_size: int) -> bytes:
    """The compressed bytes of one zip entry, found through its local header; ValueError("header") when
    the header is not there, ValueError("truncated") when the file ends first."""
    import struct

    start = header_offset
    if start < 0 or start + 30 > len(data) or data[start:start + 4] != b"PK\x03\x04":
        raise ValueError("header")
    name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_len + extra_len
    raw = data[begin:begin + compress_size]
    if len(raw) < compress_size:
        raise ValueError("truncated")
    return raw


def inflate_capped(raw: bytes, cap: int) -> bytes:
    """Raw deflate data inflated, or OverflowError once it would pass `cap` bytes (zlib.error when broken).

    The cap, not the size a zip header declares, bounds the work: a lying header is how a bomb slips through.
    """
    import zlib

    inflater = zlib.decompressobj(-15)
    out = inflater.decompress(raw, cap + 1)
    if len(out) <= cap and not inflater.unconsumed_tail:
        out += inflater.flush()
    if len(out) > cap or inflater.unconsumed_tail:
        raise OverflowError(cap)
    return out


def megabytes(size: int) -> str:
    """A size as the clerk reads it (1.5 MB, 64 MB)."""
    return f"{size / 1024 / 1024:.1f} MB" if size < 10 * 1024 * 1024 else f"{size // 1024 // 1024} MB"



# --- reading a file from disk ------------------------------------------------------------------

def read_input(path: Path) -> bytes:
    """The bytes of `path`, but never more than the size limit plus one byte (so a huge file is refused, not loaded)."""
    limit = MAX_FILE_BYTES + 1
    with open(path, "rb") as handle:
        # Asking for the whole limit at once makes Python set aside 50 MB for a 20 KB return; ask for the
        # size the file says it has (plus one byte, to notice one that grew), then for the rest if there is more.
        want = min(os.fstat(handle.fileno()).st_size + 1, limit)
        data = handle.read(want)
        if len(data) == want < limit:
            data += handle.read(limit - want)
        return data


@dataclass
class Scan:
    """What one sheet would cost to build: its dense grid, cells written, text held, and uncached formulas."""

    cells: int = 0
    rows: int = 0
    cols: int = 0
    records: int = 0
    text: int = 0
    # False when `text` is only an upper bound (see package._scan_xlsx_sheet).
    text_exact: bool = True
    uncached: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def check_scan(name: str, scan: Scan) -> None:
    """Refuse a sheet whose cells written or dense grid are past the limits (Unreadable F105)."""
    if scan.records > MAX_CELL_RECORDS:
        raise too_big(f"工作表“{name}”写有{scan.records}个单元格")
    if scan.cells > MAX_CELLS:
        raise too_big(f"工作表“{name}”的数据区域有{scan.rows}行 × {scan.cols}列")


def is_lock_name(name: str) -> bool:
    """The one lock-file rule: Excel/WPS leave ~$name.xlsx, LibreOffice .~lock.name# beside an open file."""
    return name.startswith(("~$", ".~"))
