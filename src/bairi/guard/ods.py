"""OpenDocument spreadsheets (.ods), measured before python-calamine reads them: the mimetype checked,
content.xml walked for each table's grid (repeated rows and columns counted, not expanded) and text.
"""

from __future__ import annotations

import functools
import re
from types import SimpleNamespace

from bairi.core.refs import col_letters
from bairi.guard.limits import (
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
from bairi.guard.package import PREFIX, Package, attr, refuse_entities


@functools.cache
def _ods_patterns() -> SimpleNamespace:
    """The patterns for OpenDocument content, compiled when the first .ods comes by."""
    return SimpleNamespace(
        token=re.compile(rb"<(/?)" + PREFIX + rb"(table-cell|covered-table-cell|table-row|table)(?=[\s/>])([^<>]*)>"),
        rows_repeated=re.compile(rb"number-rows-repeated\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"),
        cols_repeated=re.compile(rb"number-columns-repeated\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"),
        value_type=re.compile(rb"[\s:]value-type\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"),
        office_value=re.compile(rb"[\s:]value\s*=\s*[\"']"),
        table_name=re.compile(rb"[\s:]name\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"),
        formula=re.compile(rb"[\s:]formula\s*="),
        error=re.compile(rb"value-type\s*=\s*[\"']error[\"']"),
        rows_spanned=re.compile(rb"number-rows-spanned\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"),
        cols_spanned=re.compile(rb"number-columns-spanned\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"),
        tag=re.compile(rb"<[^<>]*>"),
    )


def _repeat(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    value = attr(pattern, attrs)
    try:
        return max(int(value.strip()), 1) if value is not None else 1
    except ValueError:
        return 1


def inspect_ods(package: Package) -> Plan:
    """Measure an OpenDocument spreadsheet's content before python-calamine builds it."""
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
                refuse_entities(info.filename, package.inflate(info))
    content = package.read_xml("content.xml")
    if b"spreadsheet" not in content[:1 << 16] and b"office:spreadsheet" not in content:
        raise Unreadable("F103", what="内容是 OpenDocument 文件，但不是表格")
    plan = Plan("ods", package.data)
    scans = _scan_ods(content)
    if len(scans) > MAX_SHEETS:
        raise too_big(f"共{len(scans)}个工作表")
    total = text = 0
    for name, scan in scans:
        check_scan(name, scan)
        total += scan.cells
        text += scan.text
        plan.take(name, scan)
    if total > MAX_TOTAL_CELLS:
        raise too_big(f"各工作表共{total}个单元格")
    if text > MAX_TEXT_BYTES:
        raise too_big(f"单元格文字共约{megabytes(text)}")
    return plan




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
    error_at: list[str] = []
    patterns = _ods_patterns()
    for match in patterns.token.finditer(xml):
        closing, name, attrs = match[1], match[2], match[3]
        if name == b"table":
            if closing:
                scan = None
                continue
            scan = Scan()
            scans.append((attr(patterns.table_name, attrs) or "", scan))
            row = 0
            continue
        if scan is None:
            continue
        if name == b"table-row":
            if not closing:
                row_repeat = _repeat(patterns.rows_repeated, attrs)
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
                if error_at:
                    # calamine shows an error cell as empty: keep what LibreOffice shows (#DIV/0!, Err:502).
                    shown = patterns.tag.sub(b"", xml[cell_open:match.start()]).strip()[:32].decode("utf-8", "replace")
                    for place in error_at:
                        scan.errors[place] = shown
            cell_open = -1
            error_at = []
            continue
        scan.records += 1
        cell_repeat = _repeat(patterns.cols_repeated, attrs)
        if b"spanned" in attrs and name == b"table-cell":
            rows_spanned, cols_spanned = _repeat(patterns.rows_spanned, attrs), _repeat(patterns.cols_spanned, attrs)
            if rows_spanned > 1 or cols_spanned > 1:
                scan.merged.append(((row, col), (row + rows_spanned - 1, col + cols_spanned - 1)))
        error_at = []
        if patterns.error.search(attrs):
            error_at = [f"{col_letters(c + 1)}{r + 1}" for r in range(row, row + min(row_repeat, 100))
                        for c in range(col, col + min(cell_repeat, 100))]
        kind = attr(patterns.value_type, attrs)
        if kind is not None:
            row_filled = True
            row_width = col + cell_repeat
        if patterns.formula.search(attrs) and not error_at:
            # calamine shows a formula cell with no saved result as empty: its figure is unknown, not 0.
            numeric = kind in ("float", "percentage", "currency")
            if kind is None or (numeric and not patterns.office_value.search(attrs)):
                for r in range(row, row + min(row_repeat, 100)):
                    for c in range(col, col + min(cell_repeat, 100)):
                        scan.uncached.add(f"{col_letters(c + 1)}{r + 1}")
        cell_open = -1 if attrs.endswith(b"/") else match.end()
        if cell_open < 0 and error_at:
            for place in error_at:
                scan.errors[place] = ""
            error_at = []
        if cell_open < 0 and kind is not None:
            row_text += len(attrs) * cell_repeat
        col += cell_repeat
    return scans


