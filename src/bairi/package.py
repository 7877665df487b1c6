"""Zip packages measured before python-calamine reads them: the package itself (.xlsx and .ods) and
the .xlsx sheets (an .ods's content is measured in ods.py).

Parts are inflated by our own code with a hard cap (declared sizes can lie); sheet XML is scanned
for the cells it really fills and the text it holds; DTDs and outside references are refused.
"""

from __future__ import annotations

import functools
import io
import os
import re
import struct
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zipfile

from bairi.sheets import (
    MAX_CELL_RECORDS,
    MAX_CELLS,
    MAX_PART_BYTES,
    MAX_PART_RATIO,
    MAX_SHEETS,
    MAX_TEXT_BYTES,
    MAX_TOTAL_CELLS,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    Plan,
    Scan,
    Unreadable,
    corrupt,
    inflate_capped,
    member_bytes,
    megabytes,
    too_big,
    check_scan,
    col_letters,
    col_number,
)


# --- zip packages (xlsx, ods) ------------------------------------------------------------------

class _Entry:
    """One entry of a zip's central directory: what `_Package` uses of a zipfile.ZipInfo."""

    __slots__ = ("filename", "flag_bits", "compress_type", "CRC", "compress_size", "file_size", "header_offset")

    def __init__(self, filename: str, flag_bits: int, compress_type: int, crc: int, compress_size: int,
                 file_size: int, header_offset: int) -> None:
        self.filename = filename
        self.flag_bits = flag_bits
        self.compress_type = compress_type
        self.CRC = crc
        self.compress_size = compress_size
        self.file_size = file_size
        self.header_offset = header_offset


# zipfile's own numbers (ZIP_STORED, ZIP_DEFLATED, MAX_EXTRACT_VERSION): zipfile itself is imported only
# for the zips the quick reading below leaves to it, and for rewriting one.
_STORED, _DEFLATED, _MAX_EXTRACT_VERSION = 0, 8, 63
_END = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")


def _plain_directory(data: bytes) -> list[_Entry] | None:
    """The entries of a zip written the plain way (no archive comment, no zip64, no extra fields), read as
    zipfile reads them but several times faster; None for anything else, which zipfile itself then reads."""
    if len(data) < _END.size or data[-_END.size:-_END.size + 4] != b"PK\x05\x06" or data[-2:] != b"\0\0":
        return None
    locator = max(len(data) - _END.size - 20, 0)  # zipfile's seek stops at the start of a short file
    if data[locator:locator + 4] == b"PK\x06\x07":
        return None  # a zip64 locator: zipfile's own reading applies
    size_cd, offset_cd = _END.unpack_from(data, len(data) - _END.size)[5:7]
    start = len(data) - _END.size - size_cd  # where zipfile looks, whatever the offset says
    if start < 0:
        return None
    concat = start - offset_cd
    directory = data[start:start + size_cd]
    entries: list[_Entry] = []
    at = 0
    try:
        while at < size_cd:
            fields = _CENTRAL.unpack_from(directory, at)
            (signature, _, _, extract_version, _, flag_bits, compress_type, _, _, crc, compress_size, file_size,
             name_len, extra_len, comment_len, _, _, _, offset) = fields
            if signature != b"PK\x01\x02" or extra_len or extract_version > _MAX_EXTRACT_VERSION:
                return None
            raw = directory[at + _CENTRAL.size:at + _CENTRAL.size + name_len]
            name = raw.decode("utf-8") if flag_bits & 0x800 else raw.decode("cp437")
            if "\0" in name:
                name = name[:name.index("\0")]
            if os.sep != "/" and os.sep in name:
                name = name.replace(os.sep, "/")
            entries.append(_Entry(name, flag_bits, compress_type, crc, compress_size, file_size, offset + concat))
            at += _CENTRAL.size + name_len + extra_len + comment_len
    except (struct.error, UnicodeDecodeError):
        return None
    return entries


class _Package:
    """A zip read with its own inflater: sizes are checked as declared and again as actually inflated."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        infos = _plain_directory(data)
        if infos is not None:
            self.infos = infos
        else:
            import zipfile

            try:
                self.infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error, IndexError,
                    NotImplementedError) as exc:
                # NotImplementedError: a version-needed field past what zipfile knows (a damaged header).
                raise corrupt(f"压缩结构损坏（{type(exc).__name__}）") from None
        if not self.infos:
            raise corrupt("压缩包是空的")
        if len(self.infos) > MAX_ZIP_ENTRIES:
            raise too_big(f"压缩包内有 {len(self.infos)} 个部件")
        self.by_name: dict[str, list[zipfile.ZipInfo]] = {}
        # Parts whose checksum and size an earlier file of the run had too: only those are worth remembering
        # (a return's own sheet is new every time and would only push the template's parts out).
        self.familiar: set[int] = set()
        if len(_SEEN) > 4096:
            _SEEN.clear()
        total = 0
        for info in self.infos:
            self.by_name.setdefault(self.key(info.filename), []).append(info)
            sign = (info.CRC, info.file_size)
            if sign in _SEEN:
                self.familiar.add(id(info))
            _SEEN[sign] = True
            total += info.file_size
            if info.file_size > MAX_PART_BYTES:
                raise too_big(f"部件 {info.filename} 解压后 {megabytes(info.file_size)}")
            if info.file_size > 1024 * 1024 and info.file_size > MAX_PART_RATIO * max(info.compress_size, 1):
                raise too_big(f"部件 {info.filename} 压缩比 {info.file_size // max(info.compress_size, 1)}:1，疑似压缩炸弹")
        if total > MAX_UNZIPPED_BYTES:
            raise too_big(f"解压后共 {megabytes(total)}")
        self.inflated = 0
        self.counted: set[int] = set()
        self.checked: set[str] = set()

    @staticmethod
    def key(name: str) -> str:
        """A part name as a lookup key: forward slashes, no leading slash, case folded."""
        key = _KEYS.get(name)
        if key is None:
            key = name.replace("\\", "/").lstrip("/").lower()
            if len(name) <= 256:
                if len(_KEYS) >= 4096:
                    _KEYS.clear()
                _KEYS[name] = key
        return key

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
            raise corrupt(f"缺少部件 {name}")
        return [self.inflate(info) for info in infos]

    def read_xml(self, name: str) -> bytes:
        """A part that an XML parser will read: refused if it declares a DTD or entities."""
        infos = self.by_name.get(self.key(name))
        if not infos:
            raise corrupt(f"缺少部件 {name}")
        blobs = [self.inflate(info) for info in infos]
        for info, blob in zip(infos, blobs):
            if _recall(_SOUND, blob) is None:
                _refuse_entities(info.filename, blob)
                _well_formed(info.filename, blob)
                if id(info) in self.familiar:
                    _remember(_SOUND, blob, True)
        self.checked.add(self.key(name))
        return blobs[-1]

    def inflate(self, info: zipfile.ZipInfo) -> bytes:
        """Inflate one entry ourselves, stopping at the cap whatever the headers claim."""
        try:
            raw = member_bytes(self.data, info.header_offset, info.compress_size)
        except ValueError as exc:
            raise corrupt(f"部件 {info.filename} " + ("的文件头损坏" if str(exc) == "header" else "被截断")) from None
        first = id(info) not in self.counted
        # Declared sizes were checked against the limits; a part may not inflate much past what it declared
        # (a lying header is how a bomb slips past such checks), and never past our own caps.
        slack = info.file_size + 65536
        cap = min(MAX_PART_BYTES, (MAX_UNZIPPED_BYTES - self.inflated) if first else MAX_PART_BYTES, slack)
        crc = None
        if info.compress_type == _STORED:
            out = raw
        elif info.compress_type == _DEFLATED:
            known = _recall(_INFLATED, raw)
            if known is not None:
                # The same compressed bytes always inflate to the same part; the caps below still apply.
                out, crc = known
                if len(out) > cap:
                    if cap == slack:
                        raise too_big(f"部件 {info.filename} 实际解压后远超声明的 {info.file_size} 字节，疑似压缩炸弹")
                    raise too_big(f"部件 {info.filename} 解压后超过 {megabytes(cap)}")
            else:
                try:
                    out = inflate_capped(raw, cap)
                except zlib.error:
                    raise corrupt(f"部件 {info.filename} 的压缩数据损坏") from None
                except OverflowError:
                    if cap == slack:
                        raise too_big(f"部件 {info.filename} 实际解压后远超声明的 {info.file_size} 字节，疑似压缩炸弹")
                    raise too_big(f"部件 {info.filename} 解压后超过 {megabytes(cap)}")
                crc = zlib.crc32(out)
                if len(out) <= _REMEMBER_BYTES and id(info) in self.familiar:
                    _remember(_INFLATED, raw, (out, crc))
        else:
            raise corrupt(f"部件 {info.filename} 使用了不支持的压缩方式（{info.compress_type}）")
        if len(out) != info.file_size:
            raise corrupt(f"部件 {info.filename} 的大小与声明不符")
        if (zlib.crc32(out) if crc is None else crc) != info.CRC:
            raise corrupt(f"部件 {info.filename} 校验错误（CRC）")
        if first:
            self.counted.add(id(info))
            self.inflated += len(out)
        return out


# Towns fill one template, so most parts of their returns (styles, theme, relationships, the workbook) are
# the same bytes file after file. What was learnt from such bytes (how they inflate, that they are sound
# XML, their attributes) is kept for the rest of the run: it depends on nothing but the bytes. Small parts
# only, and few of them (a few MB at most), the least recently used dropped first.
_REMEMBER_BYTES = 64 * 1024
_REMEMBER_ENTRIES = 32
_INFLATED: dict[bytes, tuple[bytes, int]] = {}
_SOUND: dict[bytes, bool] = {}
_ATTRS: dict[bytes, dict[str, str]] = {}
# Relationship and content-type parts as read, by ("rels", folder, bytes) and ("types", "", bytes).
_PARSED: dict[tuple[str, str, bytes], object] = {}
_NO_ENTITIES: dict[bytes, bool] = {}
_KEYS: dict[str, str] = {}
# Checksum and size of the parts of the files read so far (a few bytes each; see _Package.familiar).
_SEEN: dict[tuple[int, int], bool] = {}


def _recall(memo: dict, key: object) -> object | None:
    """What `memo` keeps for `key` (now the most recently used), or None."""
    value = memo.pop(key, None)
    if value is not None:
        memo[key] = value
    return value


def _remember(memo: dict, key: object, value: object, size: int | None = None) -> None:
    """Keep `value` for `key` (`size` bytes long), dropping the least recently used entry when the memo is full."""
    if (len(key) if size is None else size) > _REMEMBER_BYTES:
        return
    if len(memo) >= _REMEMBER_ENTRIES:
        try:
            del memo[next(iter(memo))]
        except (StopIteration, KeyError, RuntimeError):  # emptied or changed meanwhile (another thread)
            memo.clear()
    memo[key] = value


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
        raise corrupt(f"部件 {name} 的 XML 不完整或有误（第 {exc.lineno} 行第 {exc.offset + 1} 列）") from None
    except (LookupError, ValueError, UnicodeError):
        # An encoding declaration no codec knows (expat asks Python's codecs for it).
        raise corrupt(f"部件 {name} 声明了无法识别的字符编码") from None


def inspect_zip(data: bytes) -> Plan:
    package = _Package(data)
    names = set(package.names())
    if package.encrypted():
        raise Unreadable("F101")
    if "mimetype" in names or ("content.xml" in names and not package.has("[Content_Types].xml")):
        from bairi.ods import inspect_ods

        return inspect_ods(package)
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
        raise corrupt(f"缺少工作簿部件 {main}")
    if any(n.startswith("index/") and n.endswith(".iwa") for n in names):
        raise Unreadable("F104", fmt="Apple Numbers 表格（.numbers）")
    raise Unreadable("F103", what="内容是普通 zip 压缩包，不是 Excel 工作簿")


_REL_TAG = re.compile(rb"<(?:[\w.-]+:)?Relationship\b([^<>]*)>")
_OVERRIDE_TAG = re.compile(rb"<(?:[\w.-]+:)?Override\b([^<>]*)>")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(raw: bytes) -> dict[str, str]:
    """Attributes of one tag by local name (prefixes dropped), values unescaped."""
    known = _recall(_ATTRS, raw)
    if known is not None:
        return dict(known)
    found = _parse_attrs(raw)
    _remember(_ATTRS, raw, dict(found))
    return found


def _parse_attrs(raw: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        key = match[1].decode("ascii", "replace")
        local = key.rsplit(":", 1)[-1]
        value = match[2] if match[2] is not None else match[3]
        found.setdefault(local, _unescape(value.decode("utf-8", "replace")))
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
    known = _recall(_PARSED, ("rels", folder, xml))
    if known is None:
        known = []
        for match in _REL_TAG.finditer(xml):
            attrs = _attrs(match[1])
            if attrs.get("TargetMode", "").lower() == "external":
                continue
            attrs["part"] = _resolve(folder, attrs.get("Target", ""))
            known.append(attrs)
        _remember(_PARSED, ("rels", folder, xml), known, len(xml))
    return [dict(attrs) for attrs in known]


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
        overrides = _recall(_PARSED, ("types", "", types))
        if overrides is None:
            overrides = {}
            for match in _OVERRIDE_TAG.finditer(types):
                attrs = _attrs(match[1])
                overrides[attrs.get("PartName", "").lstrip("/").lower()] = attrs.get("ContentType", "")
            _remember(_PARSED, ("types", "", types), overrides, len(types))
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
        raise too_big(f"共 {len(sheets)} 个工作表")
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
    bounded: list[tuple[zipfile.ZipInfo, int]] = []
    for name, kind, part, _ in sheets:
        if not kind.endswith("/worksheet") or not package.has(part):
            continue
        for info in package.by_name[package.key(part)]:
            xml = package.inflate(info)
            _refuse_entities(info.filename, xml)
            _well_formed(info.filename, xml)
            scan = _scan_xlsx_sheet(xml, string_sizes, bound_text=True)
            check_scan(name, scan)
            total_cells += scan.cells
            text += scan.text
            if not scan.text_exact:
                bounded.append((info, scan.text))
            if scan.uncached:
                plan.uncached.setdefault(name, set()).update(scan.uncached)
        package.checked.add(package.key(part))
    # Every other XML part calamine might parse is checked for DTDs and external references.
    for key in package.names():
        if key.endswith((".xml", ".rels", ".vml")) and key not in package.checked and not key.startswith(("xl/media/", "docprops/")):
            for info in package.by_name[key]:
                blob = package.inflate(info)
                if _recall(_NO_ENTITIES, blob) is None:
                    _refuse_entities(info.filename, blob)
                    if id(info) in package.familiar:
                        _remember(_NO_ENTITIES, blob, True)
                if key.endswith("xmlmaps.xml") and _EXTERNAL.search(blob):
                    raise Unreadable("F110", detail=f"部件 {info.filename} 的 XML 架构引用外部地址（外部实体攻击）")
    if total_cells > MAX_TOTAL_CELLS:
        raise too_big(f"各工作表共 {total_cells} 个单元格")
    if text > MAX_TEXT_BYTES:
        # Some sheets' text was only bounded (see _scan_xlsx_sheet): measure it now, the limit being near.
        for info, bound in bounded:
            text += _sheet_text(package.inflate(info), string_sizes) - bound
    if text > MAX_TEXT_BYTES:
        raise too_big(f"单元格文字共约 {megabytes(text)}")
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
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infos:
            blob = new_workbook if package.key(info.filename) == main.lower() else package.inflate(info)
            out.writestr(info.filename, blob)
    return buffer.getvalue()


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


class _SheetPatterns:
    """The patterns for scanning sheet XML, for one way of writing element names; each is compiled when
    first used (a plain sheet needs only a few of them)."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix

    @functools.cached_property
    def cell(self) -> re.Pattern[bytes]:
        # The empty group makes findall return one shared b"": 8 bytes a cell, not 40.
        return re.compile(rb"<" + self.prefix + rb"c[\s/>]()")

    @functools.cached_property
    def row_of_cell(self) -> re.Pattern[bytes]:
        return re.compile(rb"<" + self.prefix + _REF + rb"[A-Za-z]*([0-9]+)[\"']")

    @functools.cached_property
    def widths(self) -> tuple[re.Pattern[bytes], ...]:
        return tuple(re.compile(rb"<" + self.prefix + _REF + rb"([A-Za-z]" + width + rb")[0-9]")
                     for width in (rb"{3,}", rb"{2}", rb"{1}"))

    @functools.cached_property
    def value(self) -> re.Pattern[bytes]:
        return re.compile(rb"<" + self.prefix + rb"v>([^<]*)<")

    @functools.cached_property
    def text(self) -> re.Pattern[bytes]:
        return re.compile(rb"<" + self.prefix + rb"t(?:\s[^<>]*)?>([^<]*)<")

    @functools.cached_property
    def shared_index(self) -> re.Pattern[bytes]:
        return re.compile(rb"\st\s*=\s*[\"']s[\"'][^<>]*>\s*<" + self.prefix + rb"v>\s*([0-9]+)\s*<")

    @functools.cached_property
    def formula(self) -> re.Pattern[bytes]:
        return re.compile(rb"<" + self.prefix + rb"f[\s/>]")

    @functools.cached_property
    def token(self) -> re.Pattern[bytes]:
        return re.compile(rb"<(/?)" + self.prefix + rb"(c|row|v|is|f)(?=[\s/>])([^<>]*)>")


_REF = rb"c\s[^<>]*?\br\s*=\s*[\"']"


# Excel, WPS, LibreOffice and openpyxl write sheet elements without a prefix; literal patterns scan those
# several times faster. Any prefix (XML allows non-ASCII ones, and calamine matches elements by local
# name) switches to the general patterns.
_PLAIN = _SheetPatterns(b"")
_PREFIXED = _SheetPatterns(_P)
_ANY_PREFIXED = re.compile(rb":(?:c|row|v|is|f|t)[\s/>]")
# A cell tag as those programs write it: the reference first, and after it no attribute that the general
# patterns could take for a second reference (no `r=` at all). When every cell is written so, one pass
# gives the same count as `cell` and the same box as the row and column patterns (which cost several):
# each cell gives its (letters, digits), any other cell tag (b"", b"").
_SIMPLE_CELL = re.compile(rb'<c(?: r="([A-Za-z]*)([0-9]+)"[^<>r]*(?:r(?!\s*=)[^<>r]*)*>|[\s/>])')
_OTHER_CELL = (b"", b"")
_SHARED_HINT = re.compile(rb"s[\"']")  # what a t="s" must contain; faster to look for than the attribute
_S_CELL = re.compile(rb"\st\s*=\s*[\"']s[\"']")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_T_ATTR = re.compile(rb"(?:^|\s)t\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_PLACE = re.compile(r"\s*([A-Za-z]*)([0-9]*)\s*")


def _unescape(text: str) -> str:
    """XML character references resolved (html is imported only for text that has any)."""
    if "&" not in text:
        return text
    import html

    return html.unescape(text)


def _attr(pattern: re.Pattern[bytes], attrs: bytes) -> str | None:
    """One attribute's value, whichever quotes it uses, with XML character references resolved."""
    found = pattern.search(attrs)
    if not found:
        return None
    raw = found[1] if found[1] is not None else found[2]
    return _unescape(raw.decode("utf-8", "replace"))


def _cdata_bytes(xml: bytes) -> int:
    """Bytes inside CDATA sections (text the simple body patterns cannot see)."""
    total, pos = 0, 0
    while (start := xml.find(b"<![CDATA[", pos)) >= 0:
        end = xml.find(b"]]>", start)
        end = len(xml) if end < 0 else end
        total += end - start
        pos = end + 1
    return total


def _body_bytes(pattern: re.Pattern[bytes], xml: bytes) -> int:
    """Bytes in the first group of every match: copied out of a small sheet (faster), measured as spans in a
    large one (so its text is never held twice)."""
    if len(xml) <= 1024 * 1024:
        return sum(map(len, pattern.findall(xml)))
    return sum(m.end(1) - m.start(1) for m in pattern.finditer(xml))


def _widest(xml: bytes, patterns: _SheetPatterns) -> int:
    """The last column any cell names: only the longest column names need comparing (AAA > ZZ > Z)."""
    for pattern in patterns.widths:
        letters = set(pattern.findall(xml))
        if letters:
            return max(map(col_number, letters))
    return 0


def _scan_xlsx_sheet(xml: bytes, string_sizes: list[int], bound_text: bool = False) -> Scan:
    """Measure a worksheet part without building it: C-speed counts first, a full walk only when needed.

    With `bound_text`, a sheet that uses no shared strings gets only a bound on its text (three times its
    bytes: values, inline strings and CDATA are each part of them), `text_exact` False; the caller measures
    it when the bounds come near the limit.
    """
    patterns = _PREFIXED if _ANY_PREFIXED.search(xml) else _PLAIN
    scan = Scan()
    cells = _SIMPLE_CELL.findall(xml) if patterns is _PLAIN else None
    scan.records = len(cells) if cells is not None else len(patterns.cell.findall(xml))
    if scan.records > MAX_CELL_RECORDS:
        return scan
    if cells is not None and _OTHER_CELL not in cells:
        # Every cell is written plainly (the usual case): its place is its reference, read in one pass.
        placed = True
        cols, rows = zip(*cells) if cells else ((), ())
        scan.rows = max(map(int, set(rows)), default=0)
        # The last column: a longer name is always further right (AAA > ZZ), and among equals the later letters.
        names = set(map(bytes.upper, cols))
        longest = max(map(len, names), default=0)
        scan.cols = col_number(max(name for name in names if len(name) == longest)) if longest else 0
    else:
        rows = patterns.row_of_cell.findall(xml)
        placed = len(rows) == scan.records
        if placed:
            scan.rows = max(map(int, rows), default=0)
            scan.cols = _widest(xml, patterns)
    if placed:
        # Every cell names its place plainly: the box over all of them (empty ones too) bounds what calamine builds.
        scan.cells = scan.rows * scan.cols
    if not placed or scan.cells > MAX_CELLS or patterns.formula.search(xml):
        _walk_xlsx_sheet(xml, scan, patterns.token)
    if bound_text and not _SHARED_HINT.search(xml):
        scan.text, scan.text_exact = 3 * len(xml), False
    else:
        scan.text = _sheet_text(xml, string_sizes, patterns)
    return scan


def _sheet_text(xml: bytes, string_sizes: list[int], patterns: _SheetPatterns | None = None) -> int:
    """The text a worksheet's cells hold: values, inline strings, CDATA, and each use of a shared string."""
    if patterns is None:
        patterns = _PREFIXED if _ANY_PREFIXED.search(xml) else _PLAIN
    text = _body_bytes(patterns.value, xml) + _body_bytes(patterns.text, xml) + _cdata_bytes(xml)
    # Each use of a shared string copies it into the cell; an index we cannot read plainly counts as the longest.
    # Both patterns need t="s" (in some quotes): a sheet of inline strings and numbers is spared two passes.
    if _SHARED_HINT.search(xml):
        count, longest = len(string_sizes), max(string_sizes, default=0)
        indexes = patterns.shared_index.findall(xml)
        for index in indexes:
            number = int(index)
            if number < count:
                text += string_sizes[number]
        text += max(len(_S_CELL.findall(xml)) - len(indexes), 0) * longest
    return text


def _place(value: str | None) -> tuple[int | None, int | None]:
    """A cell reference's (column, row) numbers; None for a part that is missing or unreadable."""
    if value is None:
        return None, None
    found = _PLACE.fullmatch(value)
    if not found:
        return None, None
    return (col_number(found[1]) if found[1] else None), (int(found[2]) if found[2] else None)


def _walk_xlsx_sheet(xml: bytes, scan: Scan, token: re.Pattern[bytes]) -> None:
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
