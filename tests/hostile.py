"""Builders of bad files for tests: broken, disguised, encrypted-looking and hostile workbooks.

Everything is made from scratch in the test: a minimal OLE2 (compound file) writer, a minimal
BIFF8 (.xls) writer, zip surgery on real returns written by tests/build.py, and OpenDocument
content written by hand. No file here is a mock: each is a real file that real readers open.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import load_workbook

SECTOR = 512
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


# --- OLE2 / compound file ----------------------------------------------------------------------

def cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding `streams` at its root (each padded to 4096 bytes so no mini stream is needed)."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    padded = [streams[n] + b"\0" * max(0, 4096 - len(streams[n])) for n in names]
    sizes = [max(len(streams[n]), 4096) for n in names]
    data_sectors: list[list[int]] = []
    next_sector = 0
    for blob in padded:
        count = -(-len(blob) // SECTOR)
        data_sectors.append(list(range(next_sector, next_sector + count)))
        next_sector += count
    entries = 1 + len(names)
    dir_count = -(-entries * 128 // SECTOR)
    dir_start = next_sector
    next_sector += dir_count
    # Enough FAT sectors to map every sector including themselves (128 entries per FAT sector).
    fat_count = 1
    while (next_sector + fat_count) > fat_count * 128:
        fat_count += 1
    if fat_count > 109:
        raise ValueError("too large for a header-only DIFAT")
    fat_start = next_sector
    total = next_sector + fat_count
    fat = [FREESECT] * (fat_count * 128)
    for chain in data_sectors:
        for a, b in zip(chain, chain[1:] + [ENDOFCHAIN]):
            fat[a] = b
    for i in range(dir_count):
        fat[dir_start + i] = dir_start + i + 1 if i + 1 < dir_count else ENDOFCHAIN
    for i in range(fat_count):
        fat[fat_start + i] = FATSECT
    directory = bytearray()
    directory += _dir_entry("Root Entry", 5, child=1 if names else NOSTREAM, start=ENDOFCHAIN, size=0)
    for index, name in enumerate(names, start=1):
        right = index + 1 if index < len(names) else NOSTREAM
        directory += _dir_entry(name, 2, right=right, start=data_sectors[index - 1][0], size=sizes[index - 1])
    directory += b"\0" * (dir_count * SECTOR - len(directory))
    # Unused directory slots must be marked empty with NOSTREAM links.
    for slot in range(entries, dir_count * SECTOR // 128):
        directory[slot * 128:(slot + 1) * 128] = _dir_entry("", 0)
    difat = [fat_start + i for i in range(fat_count)] + [FREESECT] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, fat_count, dir_start, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0,
    ) + struct.pack("<109I", *difat)
    body = b"".join(blob + b"\0" * (len(chain) * SECTOR - len(blob)) for blob, chain in zip(padded, data_sectors))
    body += bytes(directory) + struct.pack(f"<{len(fat)}I", *fat)
    assert len(body) == total * SECTOR
    return header + body


def _dir_entry(name: str, kind: int, *, left: int = NOSTREAM, right: int = NOSTREAM, child: int = NOSTREAM,
               start: int = 0, size: int = 0) -> bytes:
    encoded = name.encode("utf-16-le")
    name_field = (encoded + b"\0\0").ljust(64, b"\0")
    length = len(encoded) + 2 if name else 0
    return struct.pack("<64sHBBIII16sIQQIQ", name_field, length, kind, 1, left, right, child, b"\0" * 16, 0, 0, 0,
                       start, size)


# --- BIFF8 (.xls) ------------------------------------------------------------------------------

def _rec(kind: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(payload)) + payload


def _bof(kind: int) -> bytes:
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0206))


def _xlstring(text: str, length_bytes: int = 2) -> bytes:
    encoded = text.encode("utf-16-le")
    return struct.pack("<H" if length_bytes == 2 else "<B", len(text)) + b"\x01" + encoded


def _xf(fmt: int, style: bool) -> bytes:
    # ifnt, ifmt, type/protection (cell XF: locked; style XF: 0xFFF5), alignment and borders left at defaults.
    return _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, fmt, 0xFFF5 if style else 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))


Cell = object
DATE_XF, CELL_XF = 16, 15


def xls(sheets: dict[str, dict[tuple[int, int], Cell]], *, filepass: bytes | None = None, codepage: int = 1200,
        dimensions: tuple[int, int, int, int] | None = None) -> bytes:
    """A BIFF8 workbook in a compound file: each sheet a {(row, col): value} map (str, int, float, date, bool).

    `filepass` puts a FILEPASS record (the payload given) right after the globals BOF, as an encrypted
    workbook has; `dimensions` overrides the DIMENSIONS record of every sheet (rwMic, rwMac, colMic, colMac).
    """
    strings: list[str] = []
    index: dict[str, int] = {}
    for cells in sheets.values():
        for value in cells.values():
            if isinstance(value, str) and value not in index:
                index[value] = len(strings)
                strings.append(value)
    sst_body = struct.pack("<II", len(strings), len(strings)) + b"".join(_xlstring(s) for s in strings)
    font = _rec(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _xlstring("Arial", 1))
    fmt_date = _rec(0x041E, struct.pack("<H", 164) + _xlstring("yyyy\\-mm\\-dd"))
    xfs = b"".join(_xf(0, True) for _ in range(15)) + _xf(0, False) + _xf(164, False)
    head = _bof(0x0005) + (_rec(0x002F, filepass) if filepass is not None else b"")
    head += _rec(0x0042, struct.pack("<H", codepage))
    head += _rec(0x003D, struct.pack("<HHHHHHHHH", 0, 0, 0x4000, 0x2000, 0x38, 0, 0, 1, 0x258))
    head += font * 5 + fmt_date + xfs
    boundsheet_size = sum(len(_rec(0x0085, b"\0" * 6 + _xlstring(n, 1))) for n in sheets)
    tail = _rec(0x00FC, sst_body) + _rec(0x000A)
    offset = len(head) + boundsheet_size + len(tail)
    bodies = []
    boundsheets = b""
    for name, cells in sheets.items():
        body = _sheet(cells, index, dimensions)
        boundsheets += _rec(0x0085, struct.pack("<IBB", offset, 0, 0) + _xlstring(name, 1))
        bodies.append(body)
        offset += len(body)
    stream = head + boundsheets + tail + b"".join(bodies)
    return cfb({"Workbook": stream})


def _sheet(cells: dict[tuple[int, int], Cell], index: dict[str, int],
           dimensions: tuple[int, int, int, int] | None) -> bytes:
    if dimensions is None:
        rows = [r for r, _ in cells] or [0]
        cols = [c for _, c in cells] or [0]
        dimensions = (min(rows), max(rows) + 1, min(cols), max(cols) + 1)
    out = _bof(0x0010) + _rec(0x0200, struct.pack("<IIHHH", *dimensions, 0))
    for (row, col), value in sorted(cells.items()):
        if isinstance(value, bool):
            out += _rec(0x0205, struct.pack("<HHHBB", row, col, CELL_XF, int(value), 0))
        elif isinstance(value, (int, float)):
            out += _rec(0x0203, struct.pack("<HHHd", row, col, CELL_XF, float(value)))
        elif isinstance(value, (date, datetime)):
            day = value if isinstance(value, date) and not isinstance(value, datetime) else value.date()
            serial = (day - date(1899, 12, 30)).days
            out += _rec(0x0203, struct.pack("<HHHd", row, col, DATE_XF, float(serial)))
        elif isinstance(value, str):
            out += _rec(0x00FD, struct.pack("<HHHI", row, col, CELL_XF, index[value]))
    return out + _rec(0x000A)


def xls_from_xlsx(path: Path) -> bytes:
    """The same cells as an .xlsx (e.g. a return from tests/build.py), written as a BIFF8 .xls."""
    workbook = load_workbook(path)
    sheets: dict[str, dict[tuple[int, int], Cell]] = {}
    for ws in workbook.worksheets:
        cells: dict[tuple[int, int], Cell] = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and cell.value != "":
                    cells[(cell.row - 1, cell.column - 1)] = cell.value
        sheets[ws.title] = cells
    return xls(sheets)


# --- zip surgery on xlsx -----------------------------------------------------------------------

def zip_parts(data: bytes) -> dict[str, bytes]:
    """Every part of a zip, by name, in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def make_zip(parts: dict[str, bytes] | Iterable[tuple[str, bytes]], *, level: int = 6) -> bytes:
    """A deflated zip of `parts`."""
    items = parts.items() if isinstance(parts, dict) else parts
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, blob in items:
            archive.writestr(name, blob)
    return buffer.getvalue()


def replace_part(data: bytes, name: str, blob: bytes) -> bytes:
    """The same xlsx with one part replaced (or added)."""
    parts = zip_parts(data)
    parts[name] = blob
    return make_zip(parts)


def sheet_with_rows(rows_xml: str, dimension: str = "A1") -> bytes:
    """A worksheet part whose sheetData holds `rows_xml`."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


# --- OpenDocument ------------------------------------------------------------------------------

ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)
ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def ods(tables_xml: str) -> bytes:
    """An .ods whose spreadsheet body is `tables_xml` (table:table elements)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("content.xml", ODS_HEAD + tables_xml + ODS_TAIL)
    return buffer.getvalue()


def ods_cell(value: object = None, *, repeat: int = 1, formula: str | None = None) -> str:
    """One table:table-cell: a float, a string, or empty; optionally repeated or with a formula."""
    attrs = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if formula is not None:
        attrs += f' table:formula="{formula}"'
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, (int, float)):
        return f'<table:table-cell{attrs} office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell{attrs} office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def ods_from_xlsx(path: Path) -> bytes:
    """The same cells as an .xlsx, written as an .ods (plain values, one table per sheet)."""
    workbook = load_workbook(path)
    tables = []
    for ws in workbook.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells = []
            for cell in row:
                value = cell.value
                if isinstance(value, (date, datetime)):
                    day = value.date() if isinstance(value, datetime) else value
                    cells.append(f'<table:table-cell office:value-type="date" office:date-value="{day.isoformat()}">'
                                 f"<text:p>{day.isoformat()}</text:p></table:table-cell>")
                else:
                    cells.append(ods_cell(None if value == "" else value))
            rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        tables.append(f'<table:table table:name="{escape(ws.title)}">' + "".join(rows) + "</table:table>")
    return ods("".join(tables))


# --- hand-assembled zips (for bombs: entries compressed once, repeated without recompressing) -------

def deflate_repeated(prefix: bytes, unit: bytes, repeats: int, suffix: bytes = b"") -> tuple[bytes, int, int]:
    """Raw deflate of prefix + unit × repeats + suffix, with its CRC-32 and size.

    `unit` is compressed once and its bytes repeated: each segment ends in a full flush (byte-aligned,
    no back-references across it), so a gigabyte of sheet XML costs one megabyte of compressing.
    """
    def segment(data: bytes, final: bool = False) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    body = segment(unit)
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(unit, crc)
    crc = zlib.crc32(suffix, crc)
    payload = segment(prefix) + body * repeats + segment(suffix, final=True)
    return payload, crc, len(prefix) + len(unit) * repeats + len(suffix)


def raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of already-deflated entries (name, raw deflate data, crc, declared uncompressed size)."""
    out = bytearray()
    central = bytearray()
    for name, payload, crc, size in entries:
        encoded = name.encode("utf-8")
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, len(payload), size, len(encoded), 0)
        out += encoded + payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0, 0x21, crc, len(payload), size,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0)
    return bytes(out + central + end)


def deflated(name: str, blob: bytes) -> tuple[str, bytes, int, int]:
    """One entry for raw_zip, compressed normally."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return name, packer.compress(blob) + packer.flush(), zlib.crc32(blob), len(blob)


def zip_bomb(base: bytes, part: str = "xl/worksheets/sheet1.xml", *, gigabytes: float = 1.0,
             declared: int | None = None) -> bytes:
    """The xlsx `base` with `part` replaced by ~`gigabytes` of sheet XML, compressed ~1000:1.

    `declared` overrides the uncompressed size written in the headers (a bomb that lies about its size).
    """
    # Whitespace between elements is legal XML and compresses ~1000:1, like the bombs seen in the wild.
    unit = b'<row><c t="n"><v>1</v></c></row>' + b" " * (1024 * 1024)
    repeats = -(-int(gigabytes * 1024 * 1024 * 1024) // len(unit))
    prefix = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    payload, crc, size = deflate_repeated(prefix, unit, repeats, b"</sheetData></worksheet>")
    entries = [deflated(name, blob) for name, blob in zip_parts(base).items() if name != part]
    entries.append((part, payload, crc, size if declared is None else declared))
    return raw_zip(entries)


def lock_file(user: str = "zhangsan") -> bytes:
    """The owner file Excel leaves beside an open workbook (~$name.xlsx): the user name twice, 165 bytes."""
    ansi = user.encode("gbk")[:53]  # the ANSI code page of a Chinese Windows
    wide = user.encode("utf-16-le")
    body = bytes([len(ansi)]) + ansi.ljust(53, b" ") + struct.pack("<H", len(user)) + wide
    return body.ljust(165, b" ")


# --- running the real command in its own process -----------------------------------------------

ADDRESS_SPACE = 1536 * 1024 * 1024


def limit_memory() -> None:
    """preexec_fn: cap the child's address space, so a runaway allocation fails instead of swapping."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@dataclass
class Run:
    """One `bairi check` process: how it ended, what it printed, what it cost."""

    name: str
    status: int | None
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float
    rss_mb: float
    problem: str = ""  # set when the process timed out or died instead of answering


# Linux counts into a child's peak RSS (ru_maxrss) the memory of the process it was forked from: forked from
# pytest, grown by every document the suite rendered, bairi would seem to use what pytest does. So a small
# launcher (a fresh interpreter) forks bairi, reaps it, and reports bairi's own usage on a pipe.
_LAUNCHER = """
import os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
report = int(sys.argv[2])
child = os.fork()
if child == 0:
    os.close(report)
    os.execv(sys.argv[3], sys.argv[3:])
_, status, usage = os.wait4(child, 0)
os.write(report, f"{os.waitstatus_to_exitcode(status)} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}".encode())
"""


def run_cli(path: Path, timeout: float = 20, args: tuple[str, ...] = ("--format", "json")) -> Run:
    """`python -m bairi check PATH --format json` as its own process, with its peak RSS and CPU time."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time

    start = time.monotonic()
    report_read, report_write = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(ADDRESS_SPACE), str(report_write), sys.executable,
                             "-m", "bairi", "check", str(path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            pass_fds=(report_write,), start_new_session=True)
    os.close(report_write)
    expired = threading.Event()
    timer = threading.Timer(timeout, lambda: (expired.set(), os.killpg(proc.pid, signal.SIGKILL)))
    timer.start()
    try:
        err: list[bytes] = []
        reader = threading.Thread(target=lambda: err.append(proc.stderr.read()))
        reader.start()
        out = proc.stdout.read()
        reader.join()
        proc.wait()
        report = os.read(report_read, 200).decode().split()
    finally:
        timer.cancel()
        os.close(report_read)
        proc.stdout.close()
        proc.stderr.close()
    status, cpu, rss = (int(report[0]), float(report[1]), int(report[2]) / 1024) if len(report) == 3 else (
        proc.returncode, 0.0, 0.0)
    return Run(path.name, status, out.decode("utf-8", "replace"), b"".join(err).decode("utf-8", "replace"),
               time.monotonic() - start, cpu, rss, "timed out" if expired.is_set() else "")
