"""Bytes → sheets of cells: recognise what a file really is, refuse what is unsafe, read the rest.

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

import io
import os
import re
from collections.abc import Sequence
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

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


class Unreadable(Exception):
    """The file cannot be read as a spreadsheet; `code` and `fields` name the finding."""

    def __init__(self, code: str, **fields: object) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields


@dataclass
class Sheet:
    """One worksheet: its name and a dense grid of raw values from A1."""

    name: str
    rows: list[list[object]]
    hidden: bool = False
    # Cells (like "C7") holding a formula whose result was never saved: their value is unknown.
    uncached: set[str] = field(default_factory=set)
    # Merged ranges as ((first_row, first_col), (last_row, last_col)), 0-based; not known for .ods.
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # Built on first use: the merged ranges spanning each row asked about, and each row's text cells.
    _spans: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _texts: list[Sequence[tuple[int, str]]] | None = field(default=None, init=False, repr=False, compare=False)

    def merged_in_row(self, row: int) -> bool:
        """True when some merged range spans the 0-based row (else none of its cells is covered)."""
        return bool(self._row_spans(row))

    def covered(self, row: int, col: int) -> bool:
        """True when the 0-based cell lies inside a merged range but is not its top-left cell: Excel hides it."""
        for c1, c2, r1 in self._row_spans(row):
            if c1 <= col <= c2:
                return (row, col) != (r1, c1)
        return False

    def _row_spans(self, row: int) -> list[tuple[int, int, int]]:
        spans = self._spans.get(row)
        if spans is None:
            # One walk over the ranges per row asked about (a return asks about two rows, cell after cell).
            spans = self._spans[row] = [(c1, c2, r1) for (r1, c1), (r2, c2) in self.merged if r1 <= row <= r2]
        return spans

    def texts(self) -> list[Sequence[tuple[int, str]]]:
        """Each row's cells that hold text, as (column, text): the reader's searches look at nothing else."""
        if self._texts is None:
            # Rows without text share one empty tuple: a sheet may have two million rows.
            self._texts = [[(c, v) for c, v in enumerate(row) if isinstance(v, str) and v] or _NO_TEXTS
                           for row in self.rows]
        return self._texts


_NO_TEXTS: tuple[tuple[int, str], ...] = ()


@dataclass
class Book:
    """A workbook's sheets and what format it really was."""

    format: str
    sheets: list[Sheet]
    notes: list[tuple[str, dict[str, object]]] = field(default_factory=list)


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


# --- what the bytes are ------------------------------------------------------------------------

def detect(name: str, data: bytes) -> str:
    """The real format of `data` ('xlsx', 'xls' or 'ods'), or raise Unreadable saying what it is."""
    return inspect(name, data).format


def inspect(name: str, data: bytes) -> Plan:
    """Recognise the file by its content and check it against every limit, before anything is read."""
    if not data:
        raise Unreadable("F106")
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    lock_name = base.startswith(("~$", ".~lock.", ".~"))
    if _is_lock_file(data) or (lock_name and not data.startswith(ZIP_MAGICS + (OLE_MAGIC,))):
        raise Unreadable("F107")
    if len(data) > MAX_FILE_BYTES:
        raise too_big(f"文件大小超过 {MAX_FILE_BYTES // 1024 // 1024} MB")
    if data.startswith(ZIP_MAGICS):
        from bairi.package import inspect_zip

        return inspect_zip(data)
    if data.startswith(OLE_MAGIC):
        from bairi.ole import inspect_ole

        return inspect_ole(data)
    if data.startswith(b"PK"):
        raise corrupt("压缩包文件头损坏")
    if data[:2] in (b"\x09\x00", b"\x09\x02", b"\x09\x04") and len(data) > 4 and data[2:4] in (
            b"\x04\x00", b"\x06\x00", b"\x08\x00", b"\x0a\x00", b"\x0c\x00", b"\x10\x00"):
        raise Unreadable("F104", fmt="早期 Excel（BIFF2-4，Excel 2.x-4.x）")
    if data.startswith(b"\x00\x00\x02\x00"):
        raise Unreadable("F104", fmt="Lotus 1-2-3（.wk1）")
    if data.startswith(b"%PDF"):
        raise Unreadable("F103", what="内容是 PDF 文档")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")) or (data.startswith(b"BM") and data[6:10] == bytes(4)):
        raise Unreadable("F103", what="内容是图片")
    if data.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        raise Unreadable("F103", what="内容是压缩包（rar/7z/gz），请先解压")
    if data.startswith(b"{\\rtf"):
        raise Unreadable("F103", what="内容是 RTF 文档")
    kind = _text_kind(data)
    if kind == "html":
        raise Unreadable("F103", what="内容是网页（HTML），常见于网上系统导出的“伪 Excel”；请用 Excel 打开后另存为 .xlsx")
    if kind == "xml2003":
        raise Unreadable("F104", fmt="Excel 2003 XML 表格")
    if kind == "fods":
        raise Unreadable("F104", fmt="单文件 OpenDocument 表格（.fods）")
    if kind == "sylk":
        raise Unreadable("F104", fmt="SYLK 文本表格")
    if kind == "csv":
        raise Unreadable("F103", what="内容是 CSV 文本（以逗号或制表符分隔），不是 Excel 工作簿；请用 Excel 打开后另存为 .xlsx")
    if kind in ("text", "xml"):
        raise Unreadable("F103", what="内容是纯文本" if kind == "text" else "内容是 XML 文本")
    raise Unreadable("F103", what="无法识别的文件内容")


def _is_lock_file(data: bytes) -> bool:
    """An Excel/WPS owner file (~$name.xlsx): the user name twice, padded to 162 or 165 bytes."""
    if len(data) not in (162, 165) or not 0 < data[0] <= 53:
        return False
    padding = data[1 + data[0]:54]
    return all(b in (0x20, 0) for b in padding)


def _decode(sample: bytes) -> str | None:
    """The sample as text in the encodings towns' files come in, or None when it is binary."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return sample[:len(sample) // 2 * 2].decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "gb18030"):
        # A multi-byte character cut at the end of the sample is not a decoding failure.
        for cut in (0, 1, 2, 3):
            try:
                return sample[:len(sample) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
    return None


def _text_kind(head: bytes) -> str | None:
    """What a non-binary file is, by its first bytes: html, xml spreadsheets, csv or plain text."""
    text = _decode(head[:4096])
    if text is None:
        return None
    if "\x00" in text or sum(1 for ch in text if ch < " " and ch not in "\r\n\t\f") > len(text) // 20:
        return None
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return "html"
    if lowered.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return "xml2003"
        if "urn:oasis:names:tc:opendocument" in lowered and "office:spreadsheet" in lowered or "opendocument.spreadsheet" in lowered:
            return "fods"
        if "<table" in lowered[:2000] or "<html" in lowered[:2000]:
            return "html"
        return "xml"
    if text.startswith("ID;P"):
        return "sylk"
    if "," in text or "\t" in text:
        return "csv"
    return "text"


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


def check_scan(name: str, scan: Scan) -> None:
    if scan.records > MAX_CELL_RECORDS:
        raise too_big(f"工作表“{name}”写有 {scan.records} 个单元格")
    if scan.cells > MAX_CELLS:
        raise too_big(f"工作表“{name}”的数据区域有 {scan.rows} 行 × {scan.cols} 列")


def col_number(letters: bytes | str) -> int:
    """A → 1, Z → 26, AA → 27 (any letters, case ignored)."""
    number = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode("ascii", "replace"):
        number = number * 26 + (ord(ch) - 64)
    return number


def col_letters(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_LETTERS: list[str] = [""]
LAST_COLUMN = 16_384  # XFD, Excel's last column: the most letters ever kept


def column_letters(last: int) -> list[str]:
    """Column letters by number (index 0 unused), at least up to `last`: reading and writing name every
    cell, so the letters are worked out once and looked up after that."""
    if last >= len(_LETTERS):
        if last > LAST_COLUMN:
            raise ValueError(f"column {last} is past {LAST_COLUMN}")
        top = min(max(last + 1, 2 * len(_LETTERS), 1024), LAST_COLUMN + 1)
        _LETTERS.extend(col_letters(n) for n in range(len(_LETTERS), top))
    return _LETTERS


# --- reading -----------------------------------------------------------------------------------

def _calamine_error(exc: BaseException, fmt: str) -> Unreadable:
    name = type(exc).__name__
    text = str(exc)
    lowered = text.lower()
    if name == "PasswordError" or "password" in lowered or "encrypt" in lowered:
        return Unreadable("F101")
    page = re.search(r"codepage\s+([0-9a-f]+)\s+not found", lowered)
    if page:
        return Unreadable("F104", fmt=f"使用字符编码（代码页 {page[1].upper()}）的 Excel 文件")
    if "unsupported" in lowered or "not supported" in lowered or "unrecognized sheet" in lowered:
        return Unreadable("F104", fmt=f"该文件的格式变体（{text[:60]}）")
    if name == "PanicException" or "cannot detect file format" in lowered:
        # calamine's own words say nothing a clerk can use (auto-detection hides the real error).
        return corrupt(f"无法按 {FORMAT_NAMES[fmt]} 解析其内容")
    return corrupt(f"无法按 {FORMAT_NAMES[fmt]} 解析其内容（{name}: {text[:100]}）")


def load_book(name: str, data: bytes) -> Book:
    """All sheets of a workbook given its name and bytes, or raise Unreadable."""
    try:
        plan = inspect(name, data)
    except Unreadable:
        raise
    except MemoryError:
        raise too_big("读取时内存不足") from None
    except Exception as exc:  # our own parsers met something no rule above foresaw; never a traceback.
        raise corrupt(f"文件结构无法解析（{type(exc).__name__}）") from None
    notes: list[tuple[str, dict[str, object]]] = []
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in EXTENSION_FORMATS and EXTENSION_FORMATS[ext] != plan.format:
        notes.append(("F108", {"ext": f".{ext}", "real": FORMAT_NAMES[plan.format]}))
    notes.extend(plan.notes)
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(plan.data))
        metadata = workbook.sheets_metadata
        if len(metadata) > MAX_SHEETS:
            raise too_big(f"共 {len(metadata)} 个工作表")
        sheets = []
        for meta in metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            # Checked before, from the file's own structure; this is the second line, before Python objects are made.
            end_row, end_col = sheet.end if sheet.height else (-1, -1)
            if (end_row + 1) * (end_col + 1) > MAX_CELLS:
                raise too_big(f"工作表“{meta.name}”有 {end_row + 1} 行 × {end_col + 1} 列")
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
            sheets.append(Sheet(meta.name, rows, str(meta.visible).rsplit(".", 1)[-1] != "Visible", plan.uncached.get(meta.name, set()),
                                merged))
    except Unreadable:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        raise too_big("读取时内存不足") from None
    except BaseException as exc:  # python-calamine panics raise PanicException, a BaseException.
        raise _calamine_error(exc, plan.format) from None
    return Book(plan.format, sheets, notes)
