"""Bytes → sheets of cells: recognise what a file really is, refuse what is unsafe, read the rest.

This module judges only whether a file can be read at all. Every problem is an `Unreadable`
carrying a catalogue code, so one bad attachment never stops a run.

Safety comes before reading. python-calamine builds each sheet as a dense grid (rows × columns
from the first to the last filled cell) and copies a shared string into every cell that uses it,
so a small file can ask for gigabytes. Before calamine sees a byte, `inspect` walks the file's own
structure — zip entries inflated by us with a hard cap (declared sizes can lie), sheet XML scanned
for the cells it really fills, the BIFF records of an .xls, the repeat counts of an .ods — and
refuses anything whose grid, text or inflated size is beyond the limits below.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
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

    def covered(self, row: int, col: int) -> bool:
        """True when the 0-based cell lies inside a merged range but is not its top-left cell: Excel hides it."""
        for (r1, c1), (r2, c2) in self.merged:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return (row, col) != (r1, c1)
        return False


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
EXTENSION_FORMATS = {"xlsx": "xlsx", "xlsm": "xlsx", "xltx": "xlsx", "xltm": "xlsx", "xls": "xls", "ods": "ods"}


@dataclass
class Plan:
    """What `inspect` learnt: the real format, the bytes to hand to calamine and what to know when reading."""

    format: str
    data: bytes
    uncached: dict[str, set[str]] = field(default_factory=dict)
    notes: list[tuple[str, dict[str, object]]] = field(default_factory=list)


def _too_big(what: str) -> Unreadable:
    return Unreadable("F105", detail=what)


def _corrupt(what: str) -> Unreadable:
    return Unreadable("F102", detail=what)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size < 10 * 1024 * 1024 else f"{size // 1024 // 1024} MB"


# --- reading a file from disk ------------------------------------------------------------------

def read_input(path: Path) -> bytes:
    """The bytes of `path`, but never more than the size limit plus one byte (so a huge file is refused, not loaded)."""
    with open(path, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


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
        raise _too_big(f"文件大小超过 {MAX_FILE_BYTES // 1024 // 1024} MB")
    if data.startswith(ZIP_MAGICS):
        return _inspect_zip(data)
    if data.startswith(OLE_MAGIC):
        return _inspect_ole(data)
    if data.startswith(b"PK"):
        raise _corrupt("压缩包文件头损坏")
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


# --- zip packages (xlsx, ods) ------------------------------------------------------------------

class _Package:
    """A zip read with its own inflater: sizes are checked as declared and again as actually inflated."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            self.infos = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error, IndexError) as exc:
            raise _corrupt(f"压缩结构损坏（{type(exc).__name__}）") from None
        if not self.infos:
            raise _corrupt("压缩包是空的")
        if len(self.infos) > MAX_ZIP_ENTRIES:
            raise _too_big(f"压缩包内有 {len(self.infos)} 个部件")
        self.by_name: dict[str, list[zipfile.ZipInfo]] = {}
        total = 0
        for info in self.infos:
            self.by_name.setdefault(self.key(info.filename), []).append(info)
            total += info.file_size
            if info.file_size > MAX_PART_BYTES:
                raise _too_big(f"部件 {info.filename} 解压后 {_mb(info.file_size)}")
            if info.file_size > 1024 * 1024 and info.file_size > MAX_PART_RATIO * max(info.compress_size, 1):
                raise _too_big(f"部件 {info.filename} 压缩比 {info.file_size // max(info.compress_size, 1)}:1，疑似压缩炸弹")
        if total > MAX_UNZIPPED_BYTES:
            raise _too_big(f"解压后共 {_mb(total)}")
        self.inflated = 0
        self.counted: set[int] = set()
        self.checked: set[str] = set()

    @staticmethod
    def key(name: str) -> str:
        """A part name as a lookup key: forward slashes, no leading slash, case folded."""
        return name.replace("\\", "/").lstrip("/").lower()

    def has(self, name: str) -> bool:
        """True when the package holds a part of that name."""
        return self.key(name) in self.by_name

    def names(self) -> list[str]:
        """Every part name, as lookup keys."""
        return list(self.by_name)

    def encrypted(self) -> bool:
        """True when any entry uses zip-level (password) encryption."""
        return any(info.flag_bits & 0x1 for info in self.infos)

    def read(self, name: str) -> bytes:
        """A part's bytes, inflated under the caps (the last of duplicate entries, as zip readers take it)."""
        return self.read_all(name)[-1]

    def read_all(self, name: str) -> list[bytes]:
        """Every entry stored under that name (duplicates are checked, not guessed between)."""
        infos = self.by_name.get(self.key(name))
        if not infos:
            raise _corrupt(f"缺少部件 {name}")
        return [self.inflate(info) for info in infos]

    def read_xml(self, name: str) -> bytes:
        """A part that an XML parser will read: refused if it declares a DTD or entities."""
        infos = self.by_name.get(self.key(name))
        if not infos:
            raise _corrupt(f"缺少部件 {name}")
        blobs = [self.inflate(info) for info in infos]
        for info, blob in zip(infos, blobs):
            _refuse_entities(info.filename, blob)
            _well_formed(info.filename, blob)
        self.checked.add(self.key(name))
        return blobs[-1]

    def inflate(self, info: zipfile.ZipInfo) -> bytes:
        """Inflate one entry ourselves, stopping at the cap whatever the headers claim."""
        data = self.data
        start = info.header_offset
        if start < 0 or data[start:start + 4] != b"PK\x03\x04" or start + 30 > len(data):
            raise _corrupt(f"部件 {info.filename} 的文件头损坏")
        name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
        begin = start + 30 + name_len + extra_len
        raw = data[begin:begin + info.compress_size]
        if len(raw) < info.compress_size:
            raise _corrupt(f"部件 {info.filename} 被截断")
        first = id(info) not in self.counted
        # Declared sizes were checked against the limits; a part may not inflate much past what it declared
        # (a lying header is how a bomb slips past such checks), and never past our own caps.
        slack = info.file_size + 65536
        cap = min(MAX_PART_BYTES, (MAX_UNZIPPED_BYTES - self.inflated) if first else MAX_PART_BYTES, slack)
        if info.compress_type == zipfile.ZIP_STORED:
            out = raw
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            try:
                out = inflater.decompress(raw, cap + 1)
                if len(out) <= cap and not inflater.unconsumed_tail:
                    out += inflater.flush()
            except zlib.error:
                raise _corrupt(f"部件 {info.filename} 的压缩数据损坏") from None
            if len(out) > cap or inflater.unconsumed_tail:
                if cap == slack:
                    raise _too_big(f"部件 {info.filename} 实际解压后远超声明的 {info.file_size} 字节，疑似压缩炸弹")
                raise _too_big(f"部件 {info.filename} 解压后超过 {_mb(cap)}")
        else:
            raise _corrupt(f"部件 {info.filename} 使用了不支持的压缩方式（{info.compress_type}）")
        if len(out) != info.file_size:
            raise _corrupt(f"部件 {info.filename} 的大小与声明不符")
        if zlib.crc32(out) != info.CRC:
            raise _corrupt(f"部件 {info.filename} 校验错误（CRC）")
        if first:
            self.counted.add(id(info))
            self.inflated += len(out)
        return out


_DOCTYPE = re.compile(rb"<!(?i:doctype|entity)")
_EXTERNAL = re.compile(rb"""(?:schemaLocation|href|src)\s*=\s*["']\s*(?:https?|ftp|file|jar|gopher):""", re.I)


def _refuse_entities(name: str, xml: bytes) -> None:
    """XML with a DTD can expand entities (a 'billion laughs') or fetch external ones; no real workbook has one."""
    if _DOCTYPE.search(xml):
        raise Unreadable("F110", detail=f"部件 {name} 含 DTD/实体声明（可能是实体炸弹或外部实体攻击）")


def _well_formed(name: str, xml: bytes) -> None:
    """Refuse XML that is cut short or broken, naming the part: calamine only says "cannot detect file format",
    and loops forever on an .ods content.xml that ends between two rows (found by fuzzing)."""
    from xml.parsers import expat

    def refuse(*_: object) -> None:
        raise Unreadable("F110", detail=f"部件 {name} 含 DTD/实体声明（可能是实体炸弹或外部实体攻击）")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise _corrupt(f"部件 {name} 的 XML 不完整或有误（第 {exc.lineno} 行第 {exc.offset + 1} 列）") from None
    except (LookupError, ValueError, UnicodeError):
        # An encoding declaration no codec knows (expat asks Python's codecs for it).
        raise _corrupt(f"部件 {name} 声明了无法识别的字符编码") from None


def _inspect_zip(data: bytes) -> Plan:
    package = _Package(data)
    names = set(package.names())
    if package.encrypted():
        raise Unreadable("F101")
    if "mimetype" in names or ("content.xml" in names and not package.has("[Content_Types].xml")):
        return _inspect_ods(package)
    main, main_type = _main_part(package)
    lowered = (main_type or "").lower()
    if main and (main.lower().endswith(".bin") or "binary" in lowered):
        raise Unreadable("F104", fmt="Excel 二进制工作簿（.xlsb）")
    if "wordprocessingml" in lowered or (not main and any(n.startswith("word/") for n in names)):
        raise Unreadable("F103", what="内容是 Word 文档（.docx）")
    if "presentationml" in lowered or (not main and any(n.startswith("ppt/") for n in names)):
        raise Unreadable("F103", what="内容是 PowerPoint 演示文稿")
    if not main and "xl/workbook.bin" in names:
        raise Unreadable("F104", fmt="Excel 二进制工作簿（.xlsb）")
    if not main and "xl/workbook.xml" in names:
        main = "xl/workbook.xml"
    if main and package.has(main):
        return _inspect_xlsx(package, main)
    if main:
        raise _corrupt(f"缺少工作簿部件 {main}")
    if any(n.startswith("index/") and n.endswith(".iwa") for n in names):
        raise Unreadable("F104", fmt="Apple Numbers 表格（.numbers）")
    raise Unreadable("F103", what="内容是普通 zip 压缩包，不是 Excel 工作簿")


_REL_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^<>]*)>")
_OVERRIDE_TAG = re.compile(rb"<(?:[\w.-]+:)?Override\b([^<>]*)>")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(raw: bytes) -> dict[str, str]:
    """Attributes of one tag by local name (prefixes dropped), values unescaped."""
    found: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        key = match[1].decode("ascii", "replace")
        local = key.rsplit(":", 1)[-1]
        value = match[2] if match[2] is not None else match[3]
        found.setdefault(local, html.unescape(value.decode("utf-8", "replace")))
        found.setdefault(key, found[local])
    return found


def _resolve(base_dir: str, target: str) -> str:
    """A relationship target as a part name, relative to the source part's folder unless absolute."""
    target = target.replace("\\", "/")
    parts = [] if target.startswith("/") else [p for p in base_dir.split("/") if p]
    for piece in target.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
            continue
        parts.append(piece)
    return "/".join(parts)


def _rels(package: _Package, part: str) -> list[dict[str, str]]:
    """The relationships of `part` (its _rels/NAME.rels), targets resolved to part names."""
    folder, _, base = part.rpartition("/")
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    if not package.has(rels_name):
        return []
    xml = package.read_xml(rels_name)
    out = []
    for match in _REL_TAG.finditer(xml):
        attrs = _attrs(match[1])
        if attrs.get("TargetMode", "").lower() == "external":
            continue
        attrs["part"] = _resolve(folder, attrs.get("Target", ""))
        out.append(attrs)
    return out


def _main_part(package: _Package) -> tuple[str | None, str | None]:
    """The package's main document (from _rels/.rels) and its content type (from [Content_Types].xml)."""
    main = None
    for rel in _rels(package, ""):
        if rel.get("Type", "").endswith("/officeDocument"):
            main = rel["part"]
            break
    content_type = None
    if package.has("[Content_Types].xml"):
        types = package.read_xml("[Content_Types].xml")
        overrides = {}
        for match in _OVERRIDE_TAG.finditer(types):
            attrs = _attrs(match[1])
            overrides[attrs.get("PartName", "").lstrip("/").lower()] = attrs.get("ContentType", "")
        if main:
            content_type = overrides.get(main.lower())
        else:
            for part, kind in overrides.items():
                if kind.endswith(".main+xml") or kind.endswith(".main"):
                    main, content_type = part, kind
                    break
    return main, content_type


_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\s([^<>]*)>")
_MACRO_KINDS = ("/xlmacrosheet", "/xlintlmacrosheet", "/dialogsheet")


def _inspect_xlsx(package: _Package, main: str) -> Plan:
    workbook = package.read_xml(main)
    rels = {rel.get("Id", ""): rel for rel in _rels(package, main)}
    sheets = []
    for match in _SHEET_TAG.finditer(workbook):
        attrs = _attrs(match[1])
        rel = rels.get(attrs.get("r:id") or attrs.get("id", ""), {})
        sheets.append((attrs.get("name", ""), rel.get("Type", "").lower(), rel.get("part", ""), match))
    if len(sheets) > MAX_SHEETS:
        raise _too_big(f"共 {len(sheets)} 个工作表")
    # calamine takes the shared strings from the relationship or, without one, from the usual place.
    shared = {rel["part"] for rel in rels.values() if rel.get("Type", "").lower().endswith("/sharedstrings")}
    shared.add("xl/sharedStrings.xml")
    string_sizes: list[int] = []
    for part in sorted(shared):
        if package.has(part):
            sizes = _shared_string_sizes(package.read_xml(part))
            string_sizes = [max(a, b) for a, b in zip(sizes, string_sizes)] + sizes[len(string_sizes):] + string_sizes[len(sizes):]
    styles = {rel["part"] for rel in rels.values() if rel.get("Type", "").lower().endswith("/styles")}
    for part in sorted(styles | {"xl/styles.xml"}):
        if package.has(part):
            package.read_xml(part)
    plan = Plan("xlsx", package.data)
    total_cells = 0
    text = 0
    for name, kind, part, _ in sheets:
        if not kind.endswith("/worksheet") or not package.has(part):
            continue
        for info in package.by_name[package.key(part)]:
            xml = package.inflate(info)
            _refuse_entities(info.filename, xml)
            _well_formed(info.filename, xml)
            scan = _scan_xlsx_sheet(xml, string_sizes)
            _check_scan(name, scan)
            total_cells += scan.cells
            text += scan.text
            if scan.uncached:
                plan.uncached.setdefault(name, set()).update(scan.uncached)
        package.checked.add(package.key(part))
    # Every other XML part calamine might parse is checked for DTDs and external references.
    for key in package.names():
        if key.endswith((".xml", ".rels", ".vml")) and key not in package.checked and not key.startswith(("xl/media/", "docprops/")):
            for info in package.by_name[key]:
                blob = package.inflate(info)
                _refuse_entities(info.filename, blob)
                if key.endswith("xmlmaps.xml") and _EXTERNAL.search(blob):
                    raise Unreadable("F110", detail=f"部件 {info.filename} 的 XML 架构引用外部地址（外部实体攻击）")
    if total_cells > MAX_TOTAL_CELLS:
        raise _too_big(f"各工作表共 {total_cells} 个单元格")
    if text > MAX_TEXT_BYTES:
        raise _too_big(f"单元格文字共约 {_mb(text)}")
    dropped = [(name, match) for name, kind, _, match in sheets if kind.endswith(_MACRO_KINDS)]
    if dropped:
        # calamine refuses the whole workbook over one Excel 4.0 macro or dialog sheet; leave those out.
        plan.data = _without_sheets(package, main, workbook, [m for _, m in dropped])
        plan.notes.append(("F111", {"names": "、".join(f"“{n}”" for n, _ in dropped)}))
    return plan


def _without_sheets(package: _Package, main: str, workbook: bytes, tags: list[re.Match[bytes]]) -> bytes:
    """The same package with some <sheet> entries removed from the workbook part."""
    pieces, last = [], 0
    for match in sorted(tags, key=lambda m: m.start()):
        pieces.append(workbook[last:match.start()])
        last = match.end()
        if not match[0].endswith(b"/>"):
            close = workbook.find(b">", workbook.find(b"</", last)) + 1
            last = close if close > 0 else last
    pieces.append(workbook[last:])
    new_workbook = b"".join(pieces)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infos:
            blob = new_workbook if package.key(info.filename) == main.lower() else package.inflate(info)
            out.writestr(info.filename, blob)
    return buffer.getvalue()


@dataclass
class _Scan:
    """What one sheet would cost to build: its dense grid, cells written, text held, and uncached formulas."""

    cells: int = 0
    rows: int = 0
    cols: int = 0
    records: int = 0
    text: int = 0
    uncached: set[str] = field(default_factory=set)


def _check_scan(name: str, scan: _Scan) -> None:
    if scan.records > MAX_CELL_RECORDS:
        raise _too_big(f"工作表“{name}”写有 {scan.records} 个单元格")
    if scan.cells > MAX_CELLS:
        raise _too_big(f"工作表“{name}”的数据区域有 {scan.rows} 行 × {scan.cols} 列")


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


# Any namespace prefix, including non-ASCII ones: XML allows them, and calamine matches elements by local name.
_P = rb"(?:[^\s<>/:=\"'!?]+:)?"
_SI = re.compile(rb"<" + _P + rb"si[\s>/]")
_SST_END = re.compile(rb"</" + _P + rb"sst\s*>")


def _shared_string_sizes(xml: bytes) -> list[int]:
    """An upper bound on each shared string's size: the bytes of its <si> element."""
    starts = [m.start() for m in _SI.finditer(xml)]
    end = _SST_END.search(xml)
    starts.append(end.start() if end else len(xml))
    return [b - a for a, b in zip(starts, starts[1:])]


@dataclass(frozen=True)
class _SheetPatterns:
    """The patterns for scanning sheet XML, for one way of writing element names."""

    cell: re.Pattern[bytes]  # the empty group makes findall return one shared b"": 8 bytes a cell, not 40
    row_of_cell: re.Pattern[bytes]
    widths: tuple[re.Pattern[bytes], ...]
    value: re.Pattern[bytes]
    text: re.Pattern[bytes]
    shared_index: re.Pattern[bytes]
    formula: re.Pattern[bytes]
    token: re.Pattern[bytes]


def _sheet_patterns(prefix: bytes) -> _SheetPatterns:
    ref = rb"c\s[^<>]*?\br\s*=\s*[\"']"
    return _SheetPatterns(
        cell=re.compile(rb"<" + prefix + rb"c[\s/>]()"),
        row_of_cell=re.compile(rb"<" + prefix + ref + rb"[A-Za-z]*([0-9]+)[\"']"),
        widths=tuple(re.compile(rb"<" + prefix + ref + rb"([A-Za-z]" + width + rb")[0-9]")
                     for width in (rb"{3,}", rb"{2}", rb"{1}")),
        value=re.compile(rb"<" + prefix + rb"v>([^<]*)<"),
        text=re.compile(rb"<" + prefix + rb"t(?:\s[^<>]*)?>([^<]*)<"),
        shared_index=re.compile(rb"\st\s*=\s*[\"']s[\"'][^<>]*>\s*<" + prefix + rb"v>\s*([0-9]+)\s*<"),
        formula=re.compile(rb"<" + prefix + rb"f[\s/>]"),
        token=re.compile(rb"<(/?)" + prefix + rb"(c|row|v|is|f)(?=[\s/>])([^<>]*)>"),
    )


# Excel, WPS, LibreOffice and openpyxl write sheet elements without a prefix; literal patterns scan those
# several times faster. Any prefix (XML allows non-ASCII ones, and calamine matches elements by local
# name) switches to the general patterns.
_PLAIN = _sheet_patterns(b"")
_PREFIXED = _sheet_patterns(_P)
_ANY_PREFIXED = re.compile(rb":(?:c|row|v|is|f|t)[\s/>]")
_S_CELL = re.compile(rb"\st\s*=\s*[\"']s[\"']")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_T_ATTR = re.compile(rb"(?:^|\s)t\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_PLACE = re.compile(r"\s*([A-Za-z]*)([0-9]*)\s*")


def _attr(pattern: re.Pattern[bytes], attrs: bytes) -> str | None:
    """One attribute's value, whichever quotes it uses, with XML character references resolved."""
    found = pattern.search(attrs)
    if not found:
        return None
    raw = found[1] if found[1] is not None else found[2]
    return html.unescape(raw.decode("utf-8", "replace")) if b"&" in raw else raw.decode("utf-8", "replace")


def _cdata_bytes(xml: bytes) -> int:
    """Bytes inside CDATA sections (text the simple body patterns cannot see)."""
    total, pos = 0, 0
    while (start := xml.find(b"<![CDATA[", pos)) >= 0:
        end = xml.find(b"]]>", start)
        end = len(xml) if end < 0 else end
        total += end - start
        pos = end + 1
    return total


def _widest(xml: bytes, patterns: _SheetPatterns) -> int:
    """The last column any cell names: only the longest column names need comparing (AAA > ZZ > Z)."""
    for pattern in patterns.widths:
        letters = set(pattern.findall(xml))
        if letters:
            return max(map(col_number, letters))
    return 0


def _scan_xlsx_sheet(xml: bytes, string_sizes: list[int]) -> _Scan:
    """Measure a worksheet part without building it: C-speed counts first, a full walk only when needed."""
    patterns = _PREFIXED if _ANY_PREFIXED.search(xml) else _PLAIN
    scan = _Scan()
    scan.records = len(patterns.cell.findall(xml))
    if scan.records > MAX_CELL_RECORDS:
        return scan
    rows = patterns.row_of_cell.findall(xml)
    if len(rows) == scan.records:
        # Every cell names its place plainly: the box over all of them (empty ones too) bounds what calamine builds.
        scan.rows = max(map(int, rows), default=0)
        scan.cols = _widest(xml, patterns)
        scan.cells = scan.rows * scan.cols
    if len(rows) != scan.records or scan.cells > MAX_CELLS or patterns.formula.search(xml):
        _walk_xlsx_sheet(xml, scan, patterns.token)
    # Spans, not copies: a sheet's text is measured without holding a second copy of it.
    scan.text = sum(m.end(1) - m.start(1) for m in patterns.value.finditer(xml))
    scan.text += sum(m.end(1) - m.start(1) for m in patterns.text.finditer(xml))
    scan.text += _cdata_bytes(xml)
    # Each use of a shared string copies it into the cell; an index we cannot read plainly counts as the longest.
    count, longest = len(string_sizes), max(string_sizes, default=0)
    indexes = patterns.shared_index.findall(xml)
    for index in indexes:
        number = int(index)
        if number < count:
            scan.text += string_sizes[number]
    scan.text += max(len(_S_CELL.findall(xml)) - len(indexes), 0) * longest
    return scan


def _place(value: str | None) -> tuple[int | None, int | None]:
    """A cell reference's (column, row) numbers; None for a part that is missing or unreadable."""
    if value is None:
        return None, None
    found = _PLACE.fullmatch(value)
    if not found:
        return None, None
    return (col_number(found[1]) if found[1] else None), (int(found[2]) if found[2] else None)


def _walk_xlsx_sheet(xml: bytes, scan: _Scan, token: re.Pattern[bytes]) -> None:
    """Follow every cell, as calamine places it, to find the filled box and the formulas with no saved value.

    The box is conservative: any cell with a <v> or <is> element counts as filled, whatever is inside.
    """
    row = col = 0
    max_row = max_col = 0
    in_cell = has_formula = has_value = has_result = False
    cell_type = ""
    cell_row = cell_col = 0

    def close() -> None:
        nonlocal max_row, max_col
        if has_value:
            max_row, max_col = max(max_row, cell_row), max(max_col, cell_col)
        if has_formula and not has_result:
            scan.uncached.add(f"{col_letters(cell_col)}{cell_row}")

    for match in token.finditer(xml):
        closing, name, attrs = match[1], match[2], match[3]
        if name == b"c":
            if closing:
                if in_cell:
                    close()
                in_cell = False
                continue
            if in_cell:
                close()
            new_col, new_row = _place(_attr(_R_ATTR, attrs))
            col = new_col if new_col is not None else col + 1
            row = new_row if new_row is not None else row
            cell_row, cell_col = row, col
            in_cell = not attrs.endswith(b"/")
            has_formula = has_value = has_result = False
            cell_type = _attr(_T_ATTR, attrs) or ""
        elif name == b"row" and not closing:
            _, new_row = _place(_attr(_R_ATTR, attrs))
            row = new_row if new_row is not None else row + 1
            col = 0
        elif not in_cell or closing:
            continue
        elif name == b"f":
            has_formula = True
        elif name in (b"is", b"v") and not attrs.endswith(b"/"):
            has_value = True
            end = xml.find(b"<", match.end())
            body = xml[match.end():end] if end >= 0 else b""
            # An empty cached result of a numeric formula is no result; a string formula may rightly give "".
            has_result = (bool(body.strip()) or xml.startswith(b"<![CDATA[", end) or name == b"is"
                          or cell_type in ("str", "inlineStr"))
    if in_cell:
        close()
    scan.rows, scan.cols = max_row, max_col
    scan.cells = max_row * max_col


# --- OpenDocument ------------------------------------------------------------------------------

_ODS_TOKEN = re.compile(rb"<(/?)" + _P + rb"(table-cell|covered-table-cell|table-row|table)(?=[\s/>])([^<>]*)>")
_ROWS_REPEATED = re.compile(rb"number-rows-repeated\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_COLS_REPEATED = re.compile(rb"number-columns-repeated\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_VALUE_TYPE = re.compile(rb"[\s:]value-type\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_OFFICE_VALUE = re.compile(rb"[\s:]value\s*=\s*[\"']")
_TABLE_NAME = re.compile(rb"[\s:]name\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _repeat(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    value = _attr(pattern, attrs)
    try:
        return max(int(value.strip()), 1) if value is not None else 1
    except ValueError:
        return 1


def _inspect_ods(package: _Package) -> Plan:
    names = set(package.names())
    mimetype = package.read("mimetype")[:200].strip() if "mimetype" in names else b""
    if mimetype and b"spreadsheet" not in mimetype:
        if b"text" in mimetype:
            raise Unreadable("F103", what="内容是 OpenDocument 文字文档（.odt）")
        if b"presentation" in mimetype:
            raise Unreadable("F103", what="内容是 OpenDocument 演示文稿（.odp）")
        raise Unreadable("F103", what=f"内容是 OpenDocument 文件（{mimetype.decode('ascii', 'replace')}），不是表格")
    if "meta-inf/manifest.xml" in names:
        manifest = package.read_xml("META-INF/manifest.xml")
        if b"encryption-data" in manifest:
            raise Unreadable("F101")
    if "content.xml" not in names:
        raise _corrupt("缺少 content.xml")
    for key in sorted(names):
        # calamine reads only content.xml; the others are checked for DTDs, not for being complete
        # (OpenOffice leaves an empty Configurations2/accelerator/current.xml).
        if key.endswith(".xml") and key != "content.xml" and key not in package.checked:
            for info in package.by_name[key]:
                _refuse_entities(info.filename, package.inflate(info))
    content = package.read_xml("content.xml")
    if b"spreadsheet" not in content[:1 << 16] and b"office:spreadsheet" not in content:
        raise Unreadable("F103", what="内容是 OpenDocument 文件，但不是表格")
    plan = Plan("ods", package.data)
    scans = _scan_ods(content)
    if len(scans) > MAX_SHEETS:
        raise _too_big(f"共 {len(scans)} 个工作表")
    total = text = 0
    for name, scan in scans:
        _check_scan(name, scan)
        total += scan.cells
        text += scan.text
        if scan.uncached:
            plan.uncached.setdefault(name, set()).update(scan.uncached)
    if total > MAX_TOTAL_CELLS:
        raise _too_big(f"各工作表共 {total} 个单元格")
    if text > MAX_TEXT_BYTES:
        raise _too_big(f"单元格文字共约 {_mb(text)}")
    return plan


_FORMULA = re.compile(rb"[\s:]formula\s*=")


def _scan_ods(xml: bytes) -> list[tuple[str, _Scan]]:
    """Each table's filled box with repeats applied (as calamine expands them), text and uncached formulas."""
    scans: list[tuple[str, _Scan]] = []
    scan: _Scan | None = None
    row = col = 0
    row_repeat = 1
    row_width = row_text = 0
    row_filled = False
    cell_open = -1
    cell_repeat = 1
    for match in _ODS_TOKEN.finditer(xml):
        closing, name, attrs = match[1], match[2], match[3]
        if name == b"table":
            if closing:
                scan = None
                continue
            scan = _Scan()
            scans.append((_attr(_TABLE_NAME, attrs) or "", scan))
            row = 0
            continue
        if scan is None:
            continue
        if name == b"table-row":
            if not closing:
                row_repeat = _repeat(_ROWS_REPEATED, attrs)
                col = row_width = row_text = 0
                row_filled = False
                if attrs.endswith(b"/"):
                    row += row_repeat
                continue
            if row_filled:
                scan.rows = row + row_repeat
                scan.cols = max(scan.cols, row_width)
                scan.text += row_text * row_repeat
            row += row_repeat
            scan.cells = scan.rows * scan.cols
            continue
        # A cell or a covered cell.
        if closing:
            if cell_open >= 0:
                row_text += (match.start() - cell_open) * cell_repeat
            cell_open = -1
            continue
        scan.records += 1
        cell_repeat = _repeat(_COLS_REPEATED, attrs)
        kind = _attr(_VALUE_TYPE, attrs)
        if kind is not None:
            row_filled = True
            row_width = col + cell_repeat
        if _FORMULA.search(attrs):
            # calamine shows a formula cell with no saved result as empty: its figure is unknown, not 0.
            numeric = kind in ("float", "percentage", "currency")
            if kind is None or (numeric and not _OFFICE_VALUE.search(attrs)):
                for r in range(row, row + min(row_repeat, 100)):
                    for c in range(col, col + min(cell_repeat, 100)):
                        scan.uncached.add(f"{col_letters(c + 1)}{r + 1}")
        cell_open = -1 if attrs.endswith(b"/") else match.end()
        if cell_open < 0 and kind is not None:
            row_text += len(attrs) * cell_repeat
        col += cell_repeat
    return scans


# --- OLE2 compound files (xls, encrypted OOXML, doc) -------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_MAXREGSECT = 0xFFFFFFFA


class _Cfb:
    """A minimal compound-file reader: enough to list streams and read them with every chain checked."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            raise _corrupt("复合文档过短")
        self.data = data
        (major, shift, mini_shift, dir_start, mini_start, mini_count, difat_start, difat_count, fat_count,
         self.cutoff) = self._header(data)
        if shift not in (9, 12) or mini_shift != 6:
            raise _corrupt("复合文档扇区大小无效")
        self.size = 1 << shift
        self.count = (len(data) - self.size) // self.size + (1 if (len(data) - self.size) % self.size else 0)
        difat = list(struct.unpack_from("<109I", data, 76))
        sector, seen = difat_start, set()
        per = self.size // 4 - 1
        while sector < _MAXREGSECT and len(seen) < difat_count + 1:
            if sector in seen or sector >= self.count:
                raise _corrupt("复合文档扇区表（DIFAT）损坏")
            seen.add(sector)
            values = struct.unpack_from(f"<{per + 1}I", self._sector(sector))
            difat.extend(values[:per])
            sector = values[per]
        fat_sectors = [s for s in difat if s < _MAXREGSECT][:fat_count] if fat_count else [s for s in difat if s < _MAXREGSECT]
        fat: list[int] = []
        for s in fat_sectors:
            if s >= self.count:
                raise _corrupt("复合文档扇区表（FAT）损坏")
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
            raise _corrupt("复合文档根目录损坏")
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
                raise _corrupt("复合文档扇区链损坏")
            seen.add(sector)
            chain.append(sector)
            if need is not None and len(chain) >= need:
                break
            sector = self.fat[sector]
        if need is not None and len(chain) < need:
            raise _corrupt("复合文档中的数据流被截断")
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
            raise _corrupt("复合文档中的数据流大小无效")
        if size < self.cutoff:
            return b"".join(self._mini_sector(s) for s in self._mini_chain(start, size))[:size]
        return self._chain_bytes(start, size)

    def _mini_chain(self, start: int, size: int) -> list[int]:
        need = -(-size // 64)
        chain, seen, sector = [], set(), start
        while sector < _MAXREGSECT and len(chain) < need:
            if sector in seen or sector >= len(self.mini_fat) or (sector + 1) * 64 > len(self.mini_stream):
                raise _corrupt("复合文档小扇区链损坏")
            seen.add(sector)
            chain.append(sector)
            sector = self.mini_fat[sector]
        if len(chain) < need:
            raise _corrupt("复合文档中的数据流被截断")
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


def _inspect_ole(data: bytes) -> Plan:
    try:
        cfb = _Cfb(data)
    except (struct.error, IndexError, ValueError, MemoryError):
        raise _corrupt("复合文档结构损坏") from None
    streams = cfb.streams()
    if "encryptioninfo" in streams or "encryptedpackage" in streams:
        raise Unreadable("F101")
    book = streams.get("workbook", streams.get("book"))
    if book is not None:
        try:
            return _inspect_xls(cfb, book)
        except (struct.error, IndexError, ValueError):
            raise _corrupt("Excel 记录结构损坏") from None
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
            raise _too_big(f"工作簿记录超过 {MAX_RECORDS} 条")


def _inspect_xls(cfb: _Cfb, index: int) -> Plan:
    stream = cfb.read(index)
    records = _records(stream)
    first = next(records, None)
    if first is None or first[1] not in _BOF_TYPES:
        raise _corrupt("Excel 工作簿流缺少起始记录")
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
        raise _too_big(f"共 {len(sheets)} 个工作表")
    sizes = _sst_sizes(sst_chunks) if sst_chunks else []
    total = text = 0
    for offset, name in sheets:
        scan = _scan_biff_sheet(stream, offset, sizes)
        _check_scan(name, scan)
        total += scan.cells
        text += scan.text
    if total > MAX_TOTAL_CELLS:
        raise _too_big(f"各工作表共 {total} 个单元格")
    if text > MAX_TEXT_BYTES:
        raise _too_big(f"单元格文字共约 {_mb(text)}")
    return Plan("xls", data)


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


def _scan_biff_sheet(stream: bytes, offset: int, sizes: list[int]) -> _Scan:
    """Walk one sheet's records: the box of its filled cells, cells written, text held."""
    scan = _Scan()
    if offset + 4 > len(stream) or struct.unpack_from("<H", stream, offset)[0] not in _BOF_TYPES:
        raise _corrupt("工作表起始位置无效")
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
        return _corrupt(f"无法按 {FORMAT_NAMES[fmt]} 解析其内容")
    return _corrupt(f"无法按 {FORMAT_NAMES[fmt]} 解析其内容（{name}: {text[:100]}）")


def load_book(name: str, data: bytes) -> Book:
    """All sheets of a workbook given its name and bytes, or raise Unreadable."""
    try:
        plan = inspect(name, data)
    except Unreadable:
        raise
    except MemoryError:
        raise _too_big("读取时内存不足") from None
    except Exception as exc:  # our own parsers met something no rule above foresaw; never a traceback.
        raise _corrupt(f"文件结构无法解析（{type(exc).__name__}）") from None
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
            raise _too_big(f"共 {len(metadata)} 个工作表")
        sheets = []
        for meta in metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            # Checked before, from the file's own structure; this is the second line, before Python objects are made.
            end_row, end_col = sheet.end if sheet.height else (-1, -1)
            if (end_row + 1) * (end_col + 1) > MAX_CELLS:
                raise _too_big(f"工作表“{meta.name}”有 {end_row + 1} 行 × {end_col + 1} 列")
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
            sheets.append(Sheet(meta.name, rows, str(meta.visible).rsplit(".", 1)[-1] != "Visible", plan.uncached.get(meta.name, set()),
                                merged))
    except Unreadable:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        raise _too_big("读取时内存不足") from None
    except BaseException as exc:  # python-calamine panics raise PanicException, a BaseException.
        raise _calamine_error(exc, plan.format) from None
    return Book(plan.format, sheets, notes)
