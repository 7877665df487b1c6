"""The sheets of an .xlsx measured before python-calamine reads them: the workbook part, each sheet's
cells, grid and text, formulas without saved results, macro and dialog sheets."""

from __future__ import annotations

import functools
import io
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zipfile

from bairi.core.refs import col_letters, col_number
from bairi.guard.limits import (
    MAX_CELL_RECORDS,
    MAX_CELLS,
    MAX_SHEETS,
    MAX_TEXT_BYTES,
    MAX_TOTAL_CELLS,
    Plan,
    Scan,
    Unreadable,
    check_scan,
    megabytes,
    too_big,
)
from bairi.guard.package import (
    EXTERNAL,
    NO_ENTITIES,
    PREFIX,
    Package,
    attr,
    attrs_of,
    part_rels,
    recall,
    refuse_entities,
    remember,
    well_formed,
)

_SHEET_TAG = re.compile(rb"<(?:[\w.-]+:)?sheet\s([^<>]*)>")
_MACRO_KINDS = ("/xlmacrosheet", "/xlintlmacrosheet", "/dialogsheet")


def inspect_xlsx(package: Package, main: str) -> Plan:
    """Every sheet of an .xlsx measured before calamine builds it; macro and dialog sheets noted and left out."""
    workbook = package.read_xml(main)
    by_id = {rel.get("Id", ""): rel for rel in part_rels(package, main)}
    sheets = []
    for match in _SHEET_TAG.finditer(workbook):
        attrs = attrs_of(match[1])
        rel = by_id.get(attrs.get("r:id") or attrs.get("id", ""), {})
        sheets.append((attrs.get("name", ""), rel.get("Type", "").lower(), rel.get("part", ""), match))
    if len(sheets) > MAX_SHEETS:
        raise too_big(f"共{len(sheets)}个工作表")
    # calamine takes the shared strings from the relationship or, without one, from the usual place.
    shared = {rel["part"] for rel in by_id.values() if rel.get("Type", "").lower().endswith("/sharedstrings")}
    shared.add("xl/sharedStrings.xml")
    string_sizes: list[int] = []
    for part in sorted(shared):
        if package.has(part):
            sizes = _shared_string_sizes(package.read_xml(part))
            string_sizes = [max(a, b) for a, b in zip(sizes, string_sizes)] + sizes[len(string_sizes):] + string_sizes[len(sizes):]
    styles = {rel["part"] for rel in by_id.values() if rel.get("Type", "").lower().endswith("/styles")}
    for part in sorted(styles | {"xl/styles.xml"}):
        if package.has(part):
            package.read_xml(part)
    plan = Plan("xlsx", package.data)
    rewritten: dict[str, bytes] = {}
    total_cells = 0
    text = 0
    bounded: list[tuple[zipfile.ZipInfo, int]] = []
    for name, kind, part, _ in sheets:
        if not kind.endswith("/worksheet") or not package.has(part):
            continue
        for info in package.by_name[package.key(part)]:
            xml = package.inflate(info)
            refuse_entities(info.filename, xml)
            well_formed(info.filename, xml)
            scan = _scan_xlsx_sheet(xml, string_sizes, bound_text=True)
            if scan.cells > MAX_CELLS and scan.records <= MAX_CELL_RECORDS:
                # A few cells far from the rest (a stray keystroke in row 1,048,576) would make the grid huge:
                # leave them out, say where they were, and measure the sheet again.
                trimmed = _without_strays(xml)
                if trimmed is not None:
                    xml, strays = trimmed
                    scan = _scan_xlsx_sheet(xml, string_sizes, bound_text=True)
                    rewritten[info.filename] = xml
                    plan.notes += _stray_notes(name, strays)
            check_scan(name, scan)
            total_cells += scan.cells
            text += scan.text
            if not scan.text_exact:
                bounded.append((info, scan.text))
            plan.take(name, scan)
        package.checked.add(package.key(part))
    # Every other XML part calamine might parse is checked for DTDs and external references.
    for key in package.names():
        if key.endswith((".xml", ".rels", ".vml")) and key not in package.checked and not key.startswith(("xl/media/", "docprops/")):
            for info in package.by_name[key]:
                blob = package.inflate(info)
                if recall(NO_ENTITIES, blob) is None:
                    refuse_entities(info.filename, blob)
                    if id(info) in package.familiar:
                        remember(NO_ENTITIES, blob, True)
                if key.endswith("xmlmaps.xml") and EXTERNAL.search(blob):
                    raise Unreadable("F110", detail=f"部件 {info.filename} 的 XML 架构引用外部地址（外部实体攻击）")
    if total_cells > MAX_TOTAL_CELLS:
        raise too_big(f"各工作表共{total_cells}个单元格")
    if text > MAX_TEXT_BYTES:
        # Some sheets' text was only bounded (see _scan_xlsx_sheet): measure it now, the limit being near.
        for info, bound in bounded:
            text += _sheet_text(package.inflate(info), string_sizes) - bound
    if text > MAX_TEXT_BYTES:
        raise too_big(f"单元格文字共约{megabytes(text)}")
    dropped = [(name, match) for name, kind, _, match in sheets if kind.endswith(_MACRO_KINDS)]
    if dropped:
        # calamine refuses the whole workbook over one Excel 4.0 macro or dialog sheet; leave those out.
        for info in package.infos:
            if package.key(info.filename) == main.lower():
                rewritten[info.filename] = _without_sheets(workbook, [m for _, m in dropped])
        plan.notes.append(("F111", {"names": "、".join(f"“{n}”" for n, _ in dropped)}))
    if rewritten:
        plan.data = _repacked(package, rewritten)
    return plan


# A cell this far from the rest (rows or columns with nothing between) is not part of any table.
STRAY_GAP = 1000
_STRAYS_NAMED = 10


def _without_strays(xml: bytes) -> tuple[bytes, list[tuple[int, int]]] | None:
    """The sheet without the cells that lie far from the rest, and their (row, column); None when leaving
    out cells beyond a gap of STRAY_GAP empty rows or columns does not bring the grid within MAX_CELLS."""
    patterns = _PREFIXED if _ANY_PREFIXED.search(xml) else _PLAIN
    cells = _value_cells(xml, patterns.token)
    kept = cells
    while kept and max(c[0] for c in kept) * max(c[1] for c in kept) > MAX_CELLS:
        cut = None
        for axis in (0, 1):
            places = sorted({c[axis] for c in kept})
            gaps = [(b - a, a) for a, b in zip(places, places[1:]) if b - a > STRAY_GAP]
            if gaps:
                width, after = max(gaps)
                beyond = [c for c in kept if c[axis] > after]
                # The far side, when it is the smaller one, is stray: the table is where most of the cells are.
                if len(beyond) * 2 < len(kept) and (cut is None or width > cut[0]):
                    cut = (width, beyond)
        if cut is None:
            return None
        far = {id(c) for c in cut[1]}
        kept = [c for c in kept if id(c) not in far]
    strays = sorted(set(cells) - set(kept))
    if not strays:
        return None
    pieces, last = [], 0
    for _, _, start, end in sorted(strays, key=lambda c: c[2]):
        pieces.append(xml[last:start])
        last = end
    pieces.append(xml[last:])
    # The sheet's own <dimension> still spans the stray cells; without it the reader sizes the grid by the cells.
    trimmed = _DIMENSION.sub(b"", b"".join(pieces))
    return trimmed, [(row, col) for row, col, _, _ in strays]


def _stray_notes(sheet: str, strays: list[tuple[int, int]]) -> list[tuple[str, dict[str, object]]]:
    """One note per stray cell (at most a few, then how many more), each placed at its cell."""
    notes: list[tuple[str, dict[str, object]]] = [
        ("I290", {"at": f"{sheet}!{col_letters(col)}{row}", "row": f"{row:,}", "column": col_letters(col)})
        for row, col in strays[:_STRAYS_NAMED]]
    if len(strays) > _STRAYS_NAMED:
        notes.append(("I291", {"at": f"{sheet}!{col_letters(strays[_STRAYS_NAMED][1])}{strays[_STRAYS_NAMED][0]}",
                               "count": len(strays) - _STRAYS_NAMED}))
    return notes


def _value_cells(xml: bytes, token: re.Pattern[bytes]) -> list[tuple[int, int, int, int]]:
    """Every cell holding a value, placed as calamine places it: (row, column, start, end) in the XML."""
    found: list[tuple[int, int, int, int]] = []
    row = col = 0
    start = -1
    has_value = False
    for match in token.finditer(xml):
        closing, name, attrs = match[1], match[2], match[3]
        if name == b"c" and not closing:
            new_col, new_row = _place(attr(_R_ATTR, attrs))
            col = new_col if new_col is not None else col + 1
            row = new_row if new_row is not None else row
            start, has_value = match.start(), False
            if attrs.endswith(b"/"):
                start = -1
        elif name == b"c" and closing:
            if start >= 0 and has_value:
                found.append((row, col, start, match.end()))
            start = -1
        elif name == b"row" and not closing:
            _, new_row = _place(attr(_R_ATTR, attrs))
            row = new_row if new_row is not None else row + 1
            col = 0
        elif name in (b"is", b"v") and not closing and not attrs.endswith(b"/"):
            has_value = True
    return found


def _repacked(package: Package, parts: dict[str, bytes]) -> bytes:
    """The same package with some parts' bytes replaced."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in package.infos:
            out.writestr(info.filename, parts[info.filename] if info.filename in parts else package.inflate(info))
    return buffer.getvalue()


def _without_sheets(workbook: bytes, tags: list[re.Match[bytes]]) -> bytes:
    """The workbook part with some <sheet> entries removed."""
    pieces, last = [], 0
    for match in sorted(tags, key=lambda m: m.start()):
        pieces.append(workbook[last:match.start()])
        last = match.end()
        if not match[0].endswith(b"/>"):
            close = workbook.find(b">", workbook.find(b"</", last)) + 1
            last = close if close > 0 else last
    pieces.append(workbook[last:])
    return b"".join(pieces)


# Any namespace prefix, including non-ASCII ones: XML allows them, and calamine matches elements by local name.

_SI = re.compile(rb"<" + PREFIX + rb"si[\s>/]")
_SST_END = re.compile(rb"</" + PREFIX + rb"sst\s*>")


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
_PREFIXED = _SheetPatterns(PREFIX)
_ANY_PREFIXED = re.compile(rb":(?:c|row|v|is|f|t)[\s/>]")
# A cell tag as those programs write it: the reference first, and after it no attribute that the general
# patterns could take for a second reference (no `r=` at all). When every cell is written so, one pass
# gives the same count as `cell` and the same box as the row and column patterns (which cost several):
# each cell gives its (letters, digits), any other cell tag (b"", b"").
_SIMPLE_CELL = re.compile(rb'<c(?: r="([A-Za-z]*)([0-9]+)"[^<>r]*(?:r(?!\s*=)[^<>r]*)*>|[\s/>])')
_OTHER_CELL = (b"", b"")
_SHARED_HINT = re.compile(rb"s[\"']")  # what a t="s" must contain; faster to look for than the attribute
_S_CELL = re.compile(rb"\st\s*=\s*[\"']s[\"']")
_E_CELL = re.compile(rb"\st\s*=\s*[\"']e[\"']")  # a cell holding an error value (t="e")
_R_ATTR = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_T_ATTR = re.compile(rb"(?:^|\s)t\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_PLACE = re.compile(r"\s*([A-Za-z]*)([0-9]*)\s*")
_DIMENSION = re.compile(rb"<" + PREFIX + rb"dimension\s[^<>]*>(?:\s*</" + PREFIX + rb"dimension\s*>)?")


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
        cols, numbers = zip(*cells) if cells else ((), ())
        scan.rows = max(map(int, set(numbers)), default=0)
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
    if not placed or scan.cells > MAX_CELLS or patterns.formula.search(xml) or _E_CELL.search(xml):
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
    error: str | None = None

    def close() -> None:
        nonlocal max_row, max_col
        if has_value:
            max_row, max_col = max(max_row, cell_row), max(max_col, cell_col)
        if has_formula and not has_result:
            scan.uncached.add(f"{col_letters(cell_col)}{cell_row}")
        elif error is not None:
            scan.errors[f"{col_letters(cell_col)}{cell_row}"] = error

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
            new_col, new_row = _place(attr(_R_ATTR, attrs))
            col = new_col if new_col is not None else col + 1
            row = new_row if new_row is not None else row
            cell_row, cell_col = row, col
            in_cell = not attrs.endswith(b"/")
            has_formula = has_value = has_result = False
            cell_type = attr(_T_ATTR, attrs) or ""
            error = "" if cell_type == "e" else None
            if error is not None and not in_cell:
                scan.errors[f"{col_letters(cell_col)}{cell_row}"] = error
        elif name == b"row" and not closing:
            _, new_row = _place(attr(_R_ATTR, attrs))
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
            if cell_type == "e" and name == b"v":
                error = body.strip()[:32].decode("utf-8", "replace")
    if in_cell:
        close()
    scan.rows, scan.cols = max_row, max_col
    scan.cells = max_row * max_col
