"""OLE2 compound files (.xls, encrypted OOXML, .doc) and the BIFF records of an .xls, measured
before python-calamine reads them: streams listed with every sector chain checked, the password
record found, each sheet's grid and text counted.
"""

from __future__ import annotations

import struct

from bairi.core.refs import col_letters
from bairi.guard.limits import (
    MAX_FILE_BYTES,
    MAX_RECORDS,
    MAX_SHEETS,
    MAX_TEXT_BYTES,
    MAX_TOTAL_CELLS,
    Plan,
    Scan,
    Unreadable,
    check_scan,
    corrupt,
    megabytes,
    too_big,
)

# --- OLE2 compound files (xls, encrypted OOXML, doc) -------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_MAXREGSECT = 0xFFFFFFFA


class _Cfb:
    """A minimal compound-file reader: enough to list streams and read them with every chain checked."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            raise corrupt("复合文档过短")
        self.data = data
        (major, shift, mini_shift, dir_start, mini_start, mini_count, difat_start, difat_count, fat_count,
         self.cutoff) = self._header(data)
        if shift not in (9, 12) or mini_shift != 6:
            raise corrupt("复合文档扇区大小无效")
        self.size = 1 << shift
        self.count = (len(data) - self.size) // self.size + (1 if (len(data) - self.size) % self.size else 0)
        difat = list(struct.unpack_from("<109I", data, 76))
        sector, seen = difat_start, set[int]()
        per = self.size // 4 - 1
        while sector < _MAXREGSECT and len(seen) < difat_count + 1:
            if sector in seen or sector >= self.count:
                raise corrupt("复合文档扇区表（DIFAT）损坏")
            seen.add(sector)
            values = struct.unpack_from(f"<{per + 1}I", self._sector(sector))
            difat.extend(values[:per])
            sector = values[per]
        fat_sectors = [s for s in difat if s < _MAXREGSECT][:fat_count] if fat_count else [s for s in difat if s < _MAXREGSECT]
        fat: list[int] = []
        for s in fat_sectors:
            if s >= self.count:
                raise corrupt("复合文档扇区表（FAT）损坏")
            fat.extend(struct.unpack_from(f"<{self.size // 4}I", self._sector(s)))
        self.fat = fat
        directory = self._chain_bytes(dir_start, None)
        self.entries = []
        for offset in range(0, len(directory) - 127, 128):
            raw = directory[offset:offset + 128]
            name_len = struct.unpack_from("<H", raw, 64)[0]
            kind = raw[66]
            start, size = struct.unpack_from("<IQ", raw, 116)
            if major == 3:
                size &= 0xFFFFFFFF
            name = raw[:max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
            self.entries.append((name, kind, start, size))
        if not self.entries or self.entries[0][1] != 5:
            raise corrupt("复合文档根目录损坏")
        root = self.entries[0]
        self.mini_fat: list[int] = []
        self.mini_stream = b""
        if mini_count and mini_start < _MAXREGSECT:
            raw = self._chain_bytes(mini_start, None)
            self.mini_fat = list(struct.unpack_from(f"<{len(raw) // 4}I", raw))
        if root[2] < _MAXREGSECT and root[3]:
            # Some writers (JExcelAPI) record a root size larger than the mini stream they wrote; what each
            # small stream really uses is checked when it is read.
            self.mini_root_chain = self._chain(root[2], None)
            self.mini_stream = b"".join(self._sector(s) for s in self.mini_root_chain)[:root[3]]
        else:
            self.mini_root_chain = []

    @staticmethod
    def _header(data: bytes) -> tuple[int, ...]:
        major, = struct.unpack_from("<H", data, 26)
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        fat_count, dir_start = struct.unpack_from("<II", data, 44)
        cutoff, mini_start, mini_count, difat_start, difat_count = struct.unpack_from("<IIIII", data, 56)
        return major, shift, mini_shift, dir_start, mini_start, mini_count, difat_start, difat_count, fat_count, cutoff

    def _sector(self, index: int) -> bytes:
        start = (index + 1) * self.size
        return self.data[start:start + self.size].ljust(self.size, b"\0")

    def _chain(self, start: int, size: int | None) -> list[int]:
        need = None if size is None else -(-size // self.size)
        chain: list[int] = []
        seen: set[int] = set()
        sector = start
        while sector < _MAXREGSECT:
            if sector in seen or sector >= self.count or sector >= len(self.fat):
                raise corrupt("复合文档扇区链损坏")
            seen.add(sector)
            chain.append(sector)
            if need is not None and len(chain) >= need:
                break
            sector = self.fat[sector]
        if need is not None and len(chain) < need:
            raise corrupt("复合文档中的数据流被截断")
        return chain

    def _chain_bytes(self, start: int, size: int | None) -> bytes:
        blob = b"".join(self._sector(s) for s in self._chain(start, size))
        return blob if size is None else blob[:size]

    def streams(self) -> dict[str, int]:
        """Stream names (lower-cased) → directory index."""
        return {name.lower(): i for i, (name, kind, _, _) in enumerate(self.entries) if kind == 2}

    def read(self, index: int) -> bytes:
        """The bytes of the stream at directory `index`."""
        _, _, start, size = self.entries[index]
        if size > MAX_FILE_BYTES:
            raise corrupt("复合文档中的数据流大小无效")
        if size < self.cutoff:
            return b"".join(self._mini_sector(s) for s in self._mini_chain(start, size))[:size]
        return self._chain_bytes(start, size)

    def _mini_chain(self, start: int, size: int) -> list[int]:
        need = -(-size // 64)
        chain, seen, sector = list[int](), set[int](), start
        while sector < _MAXREGSECT and len(chain) < need:
            if sector in seen or sector >= len(self.mini_fat) or (sector + 1) * 64 > len(self.mini_stream):
                raise corrupt("复合文档小扇区链损坏")
            seen.add(sector)
            chain.append(sector)
            sector = self.mini_fat[sector]
        if len(chain) < need:
            raise corrupt("复合文档中的数据流被截断")
        return chain

    def _mini_sector(self, index: int) -> bytes:
        return self.mini_stream[index * 64:(index + 1) * 64]

    def file_offset(self, index: int, offset: int) -> int:
        """Where byte `offset` of stream `index` sits in the file (for patching one value in place)."""
        _, _, start, size = self.entries[index]
        if size < self.cutoff:
            mini = self._mini_chain(start, size)[offset // 64]
            in_root = mini * 64 + offset % 64
            return (self.mini_root_chain[in_root // self.size] + 1) * self.size + in_root % self.size
        return (self._chain(start, size)[offset // self.size] + 1) * self.size + offset % self.size


def inspect_ole(data: bytes) -> Plan:
    """An OLE2 file measured: an .xls (its BIFF sheets checked), or refused (encrypted OOXML, Word, damaged)."""
    try:
        cfb = _Cfb(data)
    except (struct.error, IndexError, ValueError, MemoryError):
        raise corrupt("复合文档结构损坏") from None
    streams = cfb.streams()
    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        raise Unreadable("F101")
    book = streams.get("workbook", streams.get("book"))
    if book is not None:
        try:
            return _inspect_xls(cfb, book)
        except (struct.error, IndexError, ValueError):
            raise corrupt("Excel 记录结构损坏") from None
    if "worddocument" in streams:
        raise Unreadable("F103", what="内容是 Word 文档（.doc）")
    if "powerpoint document" in streams:
        raise Unreadable("F103", what="内容是 PowerPoint 演示文稿（.ppt）")
    if "nativecontent_main" in streams or "perfectoffice_main" in streams:
        raise Unreadable("F104", fmt="Quattro Pro 表格")
    raise Unreadable("F104", fmt="该 OLE 复合文档（不含 Excel 工作簿数据）")


# BIFF record types.
_BOF_TYPES = (0x0809, 0x0409, 0x0209, 0x0009)
_EOF, _FILEPASS, _CODEPAGE, _BOUNDSHEET, _SST, _CONTINUE, _STRING = 0x000A, 0x002F, 0x0042, 0x0085, 0x00FC, 0x003C, 0x0207
_CELLS = {0x0006, 0x0406, 0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0205}
_MULRK, _MULBLANK, _BLANK = 0x00BD, 0x00BE, 0x0201
# MS-XLS: 0x8000 is Mac Roman and 0x8001 is Windows-1252 ("ANSI"), which calamine knows by their usual numbers.
_CODEPAGE_ALIASES = {0x8000: 10000, 0x8001: 1252}
# BIFF8 text is always Unicode (each string says whether it is stored as UTF-16 or Latin-1); the CODEPAGE record
# is only informative there, but calamine decodes strings with it, so a BIFF8 file written with 1252 (JExcelAPI
# does) comes out with a NUL after every letter. Telling calamine 1200 makes it read the strings as written.
_BIFF8_CODEPAGE = 1200


def _records(stream: bytes, start: int = 0):
    """(offset, type, payload) of each BIFF record from `start`, stopping at the end of the stream."""
    pos, count, end = start, 0, len(stream)
    while pos + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, pos)
        yield pos, kind, stream[pos + 4:pos + 4 + length]
        pos += 4 + length
        count += 1
        if count > MAX_RECORDS:
            raise too_big(f"工作簿记录超过{MAX_RECORDS}条")


def _inspect_xls(cfb: _Cfb, index: int) -> Plan:
    stream = cfb.read(index)
    records = _records(stream)
    first = next(records, None)
    if first is None or first[1] not in _BOF_TYPES:
        raise corrupt("Excel 工作簿流缺少起始记录")
    _, kind, payload = first
    version = struct.unpack_from("<H", payload, 0)[0] if len(payload) >= 2 else 0
    if kind != 0x0809:
        raise Unreadable("F104", fmt="早期 Excel（BIFF2-4，Excel 2.x-4.x）")
    biff8 = version != 0x0500
    data = cfb.data
    sheets: list[tuple[int, str]] = []
    sst_chunks: list[bytes] = []
    in_sst = False
    for pos, kind, payload in records:
        if kind == _FILEPASS:
            raise Unreadable("F101")
        if kind == _CODEPAGE and len(payload) >= 2:
            page = struct.unpack_from("<H", payload)[0]
            wanted = _BIFF8_CODEPAGE if biff8 else _CODEPAGE_ALIASES.get(page, page)
            if wanted != page:
                at = cfb.file_offset(index, pos + 4)
                patched = bytearray(data)
                patched[at:at + 2] = struct.pack("<H", wanted)
                data = bytes(patched)
        elif kind == _BOUNDSHEET and len(payload) >= 6:
            sheets.append((struct.unpack_from("<I", payload)[0], _boundsheet_name(payload, biff8)))
        elif kind == _SST:
            sst_chunks, in_sst = [payload], True
            continue
        elif kind == _CONTINUE and in_sst:
            sst_chunks.append(payload)
            continue
        elif kind == _EOF:
            break
        in_sst = False
    if len(sheets) > MAX_SHEETS:
        raise too_big(f"共{len(sheets)}个工作表")
    sizes = _sst_sizes(sst_chunks) if sst_chunks else []
    total = text = 0
    plan = Plan("xls", data)
    for offset, name in sheets:
        scan = _scan_biff_sheet(stream, offset, sizes)
        check_scan(name, scan)
        total += scan.cells
        text += scan.text
        plan.take(name, scan)
    if total > MAX_TOTAL_CELLS:
        raise too_big(f"各工作表共{total}个单元格")
    if text > MAX_TEXT_BYTES:
        raise too_big(f"单元格文字共约{megabytes(text)}")
    return plan


def _boundsheet_name(payload: bytes, biff8: bool) -> str:
    length = payload[6] if len(payload) > 6 else 0
    if biff8 and len(payload) > 7:
        raw = payload[8:8 + length * (2 if payload[7] & 1 else 1)]
        return raw.decode("utf-16-le" if payload[7] & 1 else "latin-1", "replace")
    return payload[7:7 + length].decode("latin-1", "replace")


def _sst_sizes(chunks: list[bytes]) -> list[int]:
    """Each shared string's length in characters (a string may run on across CONTINUE records)."""
    unique = struct.unpack_from("<I", chunks[0], 4)[0] if len(chunks[0]) >= 8 else 0
    sizes: list[int] = []
    ci, pos, data = 0, 8, chunks[0]

    def advance() -> bool:
        nonlocal ci, pos, data
        ci += 1
        if ci >= len(chunks):
            return False
        data, pos = chunks[ci], 0
        return True

    while len(sizes) < unique:
        if pos + 3 > len(data) and not advance():
            break
        if pos + 3 > len(data):
            break
        length, flags = struct.unpack_from("<HB", data, pos)
        pos += 3
        skip = 0
        if flags & 0x08:
            skip += 4 * struct.unpack_from("<H", data, pos)[0]
            pos += 2
        if flags & 0x04:
            skip += struct.unpack_from("<I", data, pos)[0]
            pos += 4
        wide = flags & 0x01
        remaining = length
        while remaining:
            per = 2 if wide else 1
            take = min(remaining, (len(data) - pos) // per)
            pos += take * per
            remaining -= take
            if remaining:
                if not advance() or not data:
                    return sizes + [length]
                wide, pos = data[0] & 0x01, 1
        sizes.append(length)
        while skip:
            available = len(data) - pos
            if skip <= available:
                pos += skip
                skip = 0
            else:
                skip -= available
                if not advance():
                    return sizes
    return sizes


# MS-XLS BErr: the error values a FORMULA result or a BOOLERR cell holds.
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
                0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def _place(row: int, col: int) -> str:
    """A 0-based BIFF cell position as a reference (C7)."""
    return f"{col_letters(col + 1)}{row + 1}"


def _scan_biff_sheet(stream: bytes, offset: int, sizes: list[int]) -> Scan:
    """Walk one sheet's records: the box of its filled cells, cells written, text held."""
    scan = Scan()
    if offset + 4 > len(stream) or struct.unpack_from("<H", stream, offset)[0] not in _BOF_TYPES:
        raise corrupt("工作表起始位置无效")
    depth = 0
    max_row = max_col = 0
    count = len(sizes)
    for _, kind, payload in _records(stream, offset):
        if kind in _BOF_TYPES:
            depth += 1
            continue
        if kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
            continue
        if depth != 1:
            continue
        if kind in _CELLS and len(payload) >= 4:
            row, col = struct.unpack_from("<HH", payload)
            scan.records += 1
            max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
            if kind == 0x00FD and len(payload) >= 10:
                number = struct.unpack_from("<I", payload, 6)[0]
                scan.text += sizes[number] if number < count else 0
            elif kind in (0x0204, 0x00D6) and len(payload) >= 8:
                scan.text += struct.unpack_from("<H", payload, 6)[0]
            elif kind in (0x0006, 0x0406) and len(payload) >= 14 and payload[12:14] == b"\xff\xff" and payload[6] == 2:
                # A formula whose result is an error: calamine shows it as an empty cell.
                scan.errors[_place(row, col)] = _BIFF_ERRORS.get(payload[8], "#错误")
            elif kind == 0x0205 and len(payload) >= 8 and payload[7] == 1:
                scan.errors[_place(row, col)] = _BIFF_ERRORS.get(payload[6], "#错误")
        elif kind == _MULRK and len(payload) >= 6:
            row, first = struct.unpack_from("<HH", payload)
            last = struct.unpack_from("<H", payload, len(payload) - 2)[0]
            scan.records += max(last - first + 1, 0)
            max_row, max_col = max(max_row, row + 1), max(max_col, last + 1)
        elif kind == _MULBLANK and len(payload) >= 6:
            first, last = struct.unpack_from("<H", payload, 2)[0], struct.unpack_from("<H", payload, len(payload) - 2)[0]
            scan.records += max(last - first + 1, 0)
        elif kind == _BLANK:
            scan.records += 1
        elif kind == _STRING and len(payload) >= 2:
            scan.text += struct.unpack_from("<H", payload)[0]
    scan.rows, scan.cols = max_row, max_col
    scan.cells = max_row * max_col
    return scan


