"""Zip packages (.xlsx, .ods) measured before python-calamine reads them.

Parts are inflated by our own code with a hard cap (declared sizes can lie); sheet XML is scanned
for the cells it really fills and the text it holds; DTDs and outside references are refused.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import struct
import zlib
from dataclasses import dataclass

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
    megabytes,
    too_big,
    check_scan,
    col_letters,
    col_number,
)


# --- zip packages (xlsx, ods) ------------------------------------------------------------------

class _Package:
    """A zip read with its own inflater: sizes are checked as declared and again as actually inflated."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            self.infos = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error, IndexError) as exc:
            raise corrupt(f"压缩结构损坏（{type(exc).__name__}）") from None
        if not self.infos:
            raise corrupt("压缩包是空的")
        if len(self.infos) > MAX_ZIP_ENTRIES:
            raise too_big(f"压缩包内有 {len(self.infos)} 个部件")
        self.by_name: dict[str, list[zipfile.ZipInfo]] = {}
        total = 0
        for info in self.infos:
            self.by_name.setdefault(self.key(info.filename), []).append(info)
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
            raise corrupt(f"缺少部件 {name}")
        return [self.inflate(info) for info in infos]

    def read_xml(self, name: str) -> bytes:
        """A part that an XML parser will read: refused if it declares a DTD or entities."""
        infos = self.by_name.get(self.key(name))
        if not infos:
            raise corrupt(f"缺少部件 {name}")
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
            raise corrupt(f"部件 {info.filename} 的文件头损坏")
        name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
        begin = start + 30 + name_len + extra_len
        raw = data[begin:begin + info.compress_size]
        if len(raw) < info.compress_size:
            raise corrupt(f"部件 {info.filename} 被截断")
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
                raise corrupt(f"部件 {info.filename} 的压缩数据损坏") from None
            if len(out) > cap or inflater.unconsumed_tail:
                if cap == slack:
                    raise too_big(f"部件 {info.filename} 实际解压后远超声明的 {info.file_size} 字节，疑似压缩炸弹")
                raise too_big(f"部件 {info.filename} 解压后超过 {megabytes(cap)}")
        else:
            raise corrupt(f"部件 {info.filename} 使用了不支持的压缩方式（{info.compress_type}）")
        if len(out) != info.file_size:
            raise corrupt(f"部件 {info.filename} 的大小与声明不符")
        if zlib.crc32(out) != info.CRC:
            raise corrupt(f"部件 {info.filename} 校验错误（CRC）")
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
        raise corrupt(f"缺少工作簿部件 {main}")
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
    for name, kind, part, _ in sheets:
        if not kind.endswith("/worksheet") or not package.has(part):
            continue
        for info in package.by_name[package.key(part)]:
            xml = package.inflate(info)
            _refuse_entities(info.filename, xml)
            _well_formed(info.filename, xml)
            scan = _scan_xlsx_sheet(xml, string_sizes)
            check_scan(name, scan)
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
        raise too_big(f"各工作表共 {total_cells} 个单元格")
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


def _scan_xlsx_sheet(xml: bytes, string_sizes: list[int]) -> Scan:
    """Measure a worksheet part without building it: C-speed counts first, a full walk only when needed."""
    patterns = _PREFIXED if _ANY_PREFIXED.search(xml) else _PLAIN
    scan = Scan()
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
        raise corrupt("缺少 content.xml")
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
        raise too_big(f"共 {len(scans)} 个工作表")
    total = text = 0
    for name, scan in scans:
        check_scan(name, scan)
        total += scan.cells
        text += scan.text
        if scan.uncached:
            plan.uncached.setdefault(name, set()).update(scan.uncached)
    if total > MAX_TOTAL_CELLS:
        raise too_big(f"各工作表共 {total} 个单元格")
    if text > MAX_TEXT_BYTES:
        raise too_big(f"单元格文字共约 {megabytes(text)}")
    return plan


_FORMULA = re.compile(rb"[\s:]formula\s*=")


def _scan_ods(xml: bytes) -> list[tuple[str, Scan]]:
    """Each table's filled box with repeats applied (as calamine expands them), text and uncached formulas."""
    scans: list[tuple[str, Scan]] = []
    scan: Scan | None = None
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
            scan = Scan()
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


