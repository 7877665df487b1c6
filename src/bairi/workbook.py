"""Writing the form: the blank template for towns, and the same layout filled for the county."""

from __future__ import annotations

import io
import re
import weakref
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCell, MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from bairi.config import Campaign
from bairi.files import write_atomic
from bairi.form import COLUMNS, CUMULATIVE_ROW, HAZARD_COLUMNS, HAZARD_TITLE, PERIOD_ROW, ROW_LABEL_HEADER, TITLE

FONT = "宋体"
TITLE_FONT = Font(name="黑体", size=16, bold=True)
HEAD_FONT = Font(name=FONT, size=10, bold=True)
BODY_FONT = Font(name=FONT, size=10)
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
WIDTH = 1 + len(COLUMNS)  # the row label plus the figure columns
# Hazard columns spread over the form's width: (first column, last column), 1-based.
HAZARD_SPANS: dict[str, tuple[int, int]] = {
    "seq": (1, 1), "enterprise": (2, 4), "town": (5, 6), "category": (7, 8), "supervisor": (9, 10), "detail": (11, 14),
}
TITLE_ROW, UNIT_ROW, FILLER_ROW, DATE_ROW, HEAD_ROW, SUB_ROW, PERIOD_ROW_N, CUM_ROW_N = 1, 2, 3, 4, 5, 6, 7, 8
HAZARD_TITLE_ROW, HAZARD_HEAD_ROW = 10, 11
COUNT_FORMAT = "0"
AMOUNT_FORMAT = "0.####"


def put_text(cell: Any, value: str) -> None:
    """Write text that stays text: a leading = + - @ never becomes a formula."""
    cell.value = value
    cell.data_type = "s"


_STYLES: "weakref.WeakKeyDictionary[Workbook, dict[tuple, Any]]" = weakref.WeakKeyDictionary()


def _merge(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Merge a range we know overlaps no other (openpyxl's own check is quadratic in the merges)."""
    mcr = MergedCellRange(ws, f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}")
    ws.merged_cells.ranges.add(mcr)
    # Placeholders for the covered cells; borders are drawn by _box, so openpyxl's slow format() is not needed.
    for row in range(first_row, last_row + 1):
        for col in range(first_col, last_col + 1):
            if (row, col) != (first_row, first_col):
                ws._cells[row, col] = MergedCell(ws, row, col)


def _style(cell: Any, font: Font, align: Alignment, border: bool, number_format: str | None = None,
           fill: PatternFill | None = None) -> None:
    """Give a cell its look; each distinct look is built once per workbook and copied after that."""
    cache = _STYLES.setdefault(cell.parent.parent, {})
    key = (id(font), id(align), border, number_format, id(fill) if fill is not None else None)
    style = cache.get(key)
    if style is None:
        cell.font = font
        cell.alignment = align
        if border:
            cell.border = BORDER
        if number_format:
            cell.number_format = number_format
        if fill is not None:
            cell.fill = fill
        # Keep the constants alive so their ids stay unique for as long as the cache lives.
        cache[key] = (copy(cell._style), font, align, fill)
    else:
        cell._style = copy(style[0])


def _box(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int, value: Any = None,
         font: Font = BODY_FONT, align: Alignment = CENTER, border: bool = True, number_format: str | None = None,
         fill: PatternFill | None = None) -> Any:
    if (first_row, first_col) != (last_row, last_col):
        _merge(ws, first_row, first_col, last_row, last_col)
    cell = ws.cell(first_row, first_col)
    if isinstance(value, str):
        put_text(cell, value)
    elif value is not None:
        cell.value = value
    _style(cell, font, align, border, number_format, fill)
    if border:
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                if (r, c) != (first_row, first_col):
                    _style(ws.cell(r, c), BODY_FONT, CENTER, True)
    return cell


def _figure(value: int | Decimal | None) -> int | float | None:
    # openpyxl writes floats with repr(); a Decimal of up to 15 digits survives float() exactly as text.
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def lay_form(
    ws: Worksheet,
    campaign: Campaign,
    *,
    unit: str = "",
    filler: str = "",
    filled_on: date | None = None,
    period: dict[str, Any] | None = None,
    cumulative: dict[str, Any] | None = None,
    hazards: Iterable[dict[str, str]] = (),
    blank_hazard_rows: int = 0,
    title: str = TITLE,
    for_input: bool = False,
) -> int:
    """Lay out the attachment form on `ws`, filled with what is given; returns the last row used."""
    _box(ws, TITLE_ROW, 1, TITLE_ROW, WIDTH, title, TITLE_FONT, CENTER, border=False)
    ws.row_dimensions[TITLE_ROW].height = 36
    inputs = []
    for row, label, value in ((UNIT_ROW, "填报单位：", unit), (FILLER_ROW, "填表人：", filler),
                              (DATE_ROW, "填表日期：", filled_on)):
        _box(ws, row, 1, row, 2, label, HEAD_FONT, Alignment(horizontal="right", vertical="center"), border=False)
        cell = _box(ws, row, 3, row, 7, value if value else None, BODY_FONT, LEFT, border=False)
        cell.border = Border(bottom=THIN)
        for c in range(3, 8):
            ws.cell(row, c).border = Border(bottom=THIN)
        if row == DATE_ROW:
            cell.number_format = "yyyy-mm-dd"
        inputs.append(cell)

    _box(ws, HEAD_ROW, 1, SUB_ROW, 1, ROW_LABEL_HEADER, HEAD_FONT)
    col = 2
    groups_done = set()
    for column in COLUMNS:
        if column.group:
            if column.group not in groups_done:
                _box(ws, HEAD_ROW, col, HEAD_ROW, col + 1, column.group, HEAD_FONT)
                groups_done.add(column.group)
            _box(ws, SUB_ROW, col, SUB_ROW, col, f"{column.header}\n（{column.unit}）", HEAD_FONT)
        else:
            _box(ws, HEAD_ROW, col, SUB_ROW, col, f"{column.header}\n（{column.unit}）", HEAD_FONT)
        ws.column_dimensions[get_column_letter(col)].width = column.width
        col += 1
    ws.column_dimensions["A"].width = 10
    ws.row_dimensions[HEAD_ROW].height = 30
    ws.row_dimensions[SUB_ROW].height = 58

    for row, label, values in ((PERIOD_ROW_N, PERIOD_ROW, period), (CUM_ROW_N, CUMULATIVE_ROW, cumulative)):
        _box(ws, row, 1, row, 1, label, HEAD_FONT)
        ws.row_dimensions[row].height = 24
        for index, column in enumerate(COLUMNS, start=2):
            cell = _box(ws, row, index, row, index, _figure((values or {}).get(column.key)),
                        number_format=COUNT_FORMAT if column.kind == "count" else AMOUNT_FORMAT)
            inputs.append(cell)

    _box(ws, HAZARD_TITLE_ROW, 1, HAZARD_TITLE_ROW, WIDTH, HAZARD_TITLE, Font(name=FONT, size=12, bold=True),
         CENTER, border=False)
    for column in HAZARD_COLUMNS:
        first, last = HAZARD_SPANS[column.key]
        _box(ws, HAZARD_HEAD_ROW, first, HAZARD_HEAD_ROW, last, column.header, HEAD_FONT)
    row = HAZARD_HEAD_ROW
    count = 0
    for count, hazard in enumerate(hazards, start=1):
        row = HAZARD_HEAD_ROW + count
        for column in HAZARD_COLUMNS:
            first, last = HAZARD_SPANS[column.key]
            value: Any = count if column.key == "seq" else (hazard.get(column.key) or None)
            _box(ws, row, first, row, last, value, BODY_FONT, CENTER if column.key in ("seq", "town", "category") else LEFT)
    for extra in range(1, blank_hazard_rows + 1):
        row = HAZARD_HEAD_ROW + count + extra
        for column in HAZARD_COLUMNS:
            first, last = HAZARD_SPANS[column.key]
            cell = _box(ws, row, first, row, last, count + extra if column.key == "seq" else None, BODY_FONT,
                        CENTER if column.key in ("seq", "town", "category") else LEFT)
            if column.key != "seq":
                inputs.append(cell)
        ws.row_dimensions[row].height = 30
    if for_input:
        for cell in inputs:
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
    _print_setup(ws, HAZARD_HEAD_ROW + 0)
    return row


def _print_setup(ws: Worksheet, header_rows_end: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.sheet_view.showGridLines = False


OPTIONS_SHEET = "下拉选项"


def _choices(ws: Worksheet, column: int, values: list[str]) -> str:
    """A drop-down's source: an inline list when Excel allows it (255 characters, no commas), else a
    range on a hidden sheet, so a province's thousand units still make a valid workbook."""
    inline = ",".join(values)
    if len(inline) <= 250 and not any("," in v or '"' in v for v in values):
        return f'"{inline}"'
    workbook = ws.parent
    options = workbook[OPTIONS_SHEET] if OPTIONS_SHEET in workbook.sheetnames else workbook.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    for row, value in enumerate(values, start=1):
        put_text(options.cell(row, column), value)
    letter = get_column_letter(column)
    return f"'{OPTIONS_SHEET}'!${letter}$1:${letter}${len(values)}"


def _validations(ws: Worksheet, campaign: Campaign, last_hazard_row: int) -> None:
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="请填写整数", error="此处应填写不小于 0 的整数。")
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             showErrorMessage=True, errorTitle="请填写数字", error="行政罚款以万元计，填写不小于 0 的数字。")
    for index, column in enumerate(COLUMNS, start=2):
        letter = get_column_letter(index)
        (counts if column.kind == "count" else amounts).add(f"{letter}{PERIOD_ROW_N}:{letter}{CUM_ROW_N}")
    dated = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                           showErrorMessage=True, errorTitle="请填写日期", error="请填写日期，如 2023-12-24。")
    dated.add(f"C{DATE_ROW}")
    first = HAZARD_HEAD_ROW + 1
    categories = DataValidation(type="list", formula1=_choices(ws, 1, campaign.categories), allow_blank=True)
    categories.add(f"G{first}:G{last_hazard_row}")
    towns = DataValidation(type="list", formula1=_choices(ws, 2, [u.name for u in campaign.units]), allow_blank=True)
    towns.add(f"E{first}:E{last_hazard_row}")
    for validation in (counts, amounts, dated, categories, towns):
        ws.add_data_validation(validation)


def to_bytes(workbook: Workbook) -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def save(workbook: Workbook, path: Path) -> None:
    """Save atomically: the old file stays intact until the new one is complete."""
    write_atomic(path, to_bytes(workbook))


def template_workbook(campaign: Campaign, town: str | None = None, hazard_rows: int = 20) -> Workbook:
    """The blank return for towns to fill: input cells shaded and unlocked, the rest protected."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "工作报告表"
    last = lay_form(ws, campaign, unit=town or "", blank_hazard_rows=hazard_rows, for_input=True)
    _validations(ws, campaign, last)
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    return workbook


def write_template(path: Path, campaign: Campaign, town: str | None = None) -> None:
    """Write the blank return to `path`."""
    save(template_workbook(campaign, town), path)


SEVERITY_FILL = {"error": "F8D7DA", "warning": "FFF3CD", "info": "E7F1FF"}
STATUS_FILL = {"已报": "E2F0D9", "迟报": "FFF3CD", "退回": "F8D7DA", "未报": "F2F2F2"}
STATUS_FILLS = {status: PatternFill("solid", fgColor=colour) for status, colour in STATUS_FILL.items()}
LEVEL_FILLS = {label: PatternFill("solid", fgColor=SEVERITY_FILL[key])
               for label, key in (("错误", "error"), ("警告", "warning"), ("提示", "info"))}


def _table(ws: Worksheet, first_row: int, headers: list[str], rows: list[list[Any]], widths: list[float],
           title: str | None = None) -> int:
    """A bordered table with a bold header row; returns the last row written."""
    row = first_row
    if title:
        _box(ws, row, 1, row, len(headers), title, Font(name=FONT, size=14, bold=True), CENTER, border=False)
        ws.row_dimensions[row].height = 28
        row += 1
    for col, header in enumerate(headers, start=1):
        _box(ws, row, col, row, col, header, HEAD_FONT)
    header_row = row
    for values in rows:
        row += 1
        for col, value in enumerate(values, start=1):
            fmt = None
            if isinstance(value, Decimal):
                value, fmt = _figure(value), AMOUNT_FORMAT
            elif isinstance(value, datetime):
                value, fmt = value.replace(tzinfo=None), "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                fmt = "yyyy-mm-dd"
            _box(ws, row, col, row, col, value, BODY_FONT, LEFT if isinstance(value, str) and len(value) > 8 else CENTER,
                 number_format=fmt)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    _print_setup(ws, header_row)
    ws.print_title_rows = f"{header_row}:{header_row}"
    return row


def merged_workbook(merged: Any, campaign: Campaign, filler: str, filled_on: date) -> Workbook:
    """The county's workbook: 报告表, 分镇明细, 数据来源, 问题清单, 图表."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "报告表"
    year, month = merged.period.split("-")
    title = f"{TITLE}（{year}年{int(month)}月）"
    hazards = [dict(h.as_dict(), town=h.town or town) for town, h, _ in merged.hazards]
    lay_form(ws, campaign, unit=campaign.authority, filler=filler, filled_on=filled_on,
             period=merged.totals["period_row"], cumulative=merged.totals["cumulative_row"],
             hazards=hazards, title=title)
    if merged.missing_towns:
        note = (f"注：本表不完整，未含 {len(merged.missing_towns)} 个单位（未报或被退回）："
                + "、".join(merged.missing_towns) + "。")
        _box(ws, 9, 1, 9, WIDTH, note, Font(name=FONT, size=10, bold=True, color="C00000"), LEFT, border=False)
        ws.row_dimensions[9].height = 30
    ws.freeze_panes = None

    _towns_sheet(workbook.create_sheet("分镇明细"), merged, campaign, year, month)

    sources = workbook.create_sheet("数据来源")
    srows: list[list[Any]] = []
    for line in merged.towns:
        ret = line.ret or line.rejected
        replaced = [s.old.file.name for s in merged.superseded if s.new is ret]
        srows.append([line.town, line.status, str(ret.file) if ret else "", line.received,
                      ret.filled_on if ret else None, ret.filler if ret else "", ret.period_source if ret else "",
                      "、".join(replaced), ret.sha256 if ret else ""])
    widths = [10, 8, 40, 17, 30, 10, 30, 30, 66]
    last = _table(sources, 1, ["单位", "状态", "文件", "收到时间", "填表日期", "填表人", "报告期依据", "被取代的文件", "SHA-256"],
                  srows, widths, title="数据来源（每个数字可追溯到文件和单元格）")
    trail: list[list[Any]] = []
    for ret in merged.accepted:
        for row_key, word in (("period", "冶金工贸"), ("cumulative", "累计")):
            cells = (ret.period_row if row_key == "period" else ret.cumulative_row) or {}
            trail.append([ret.town, word, str(ret.file), cell_span(cells)])
    _table(sources, last + 2, ["单位", "行", "文件", "单元格（依次为报告表从“成立督查组”到“查处劳务派遣”各列）"], trail, widths)
    sources.freeze_panes = "A3"

    problems = workbook.create_sheet("问题清单")
    prow: list[list[Any]] = []
    used = {id(r) for r in merged.accepted}
    everything = list(merged.accepted) + list(merged.rejected) + [s.old for s in merged.superseded] + list(merged.other_periods)
    seen: set[int] = set()
    for ret in everything:
        if id(ret) in seen:
            continue
        seen.add(id(ret))
        state = "已汇总" if id(ret) in used else ("已退回" if ret in merged.rejected else ("已被取代" if any(s.old is ret for s in merged.superseded) else "其他报告期"))
        for f in ret.findings:
            prow.append([ret.town or "", ret.period or "", ret.file.name, f.location, f.severity.label, f.code, f.message, state])
    last = _table(problems, 1, ["单位", "报告期", "文件", "位置", "级别", "代码", "说明", "处理"], prow,
                  [10, 9, 34, 16, 6, 7, 70, 10], title="问题清单")
    for r in range(3, last + 1):
        level = problems.cell(r, 5).value
        fill = {"错误": SEVERITY_FILL["error"], "警告": SEVERITY_FILL["warning"], "提示": SEVERITY_FILL["info"]}.get(level)
        if fill:
            _style(problems.cell(r, 5), BODY_FONT, CENTER, True, fill=LEVEL_FILLS[level])

    _chart_sheet(workbook, merged)
    return workbook


KEYS_ORDER = tuple(c.key for c in COLUMNS)


def cell_span(cells: dict[str, Any]) -> str:
    """Where a row's figures came from: Sheet1!B7:N7 when side by side in the form's order, else each cell."""
    from bairi.sheets import col_letters, col_number

    locations = [cells[key].location for key in KEYS_ORDER if key in cells]
    places = [re.fullmatch(r"(.*)!([A-Z]+)([0-9]+)", loc) for loc in locations]
    if len(locations) == len(KEYS_ORDER) and all(places):
        sheet, first, row = places[0].groups()
        expected = [f"{sheet}!{col_letters(col_number(first) + i)}{row}" for i in range(len(locations))]
        if locations == expected:
            return f"{sheet}!{first}{row}:{places[-1][2]}{row}"
    return "；".join(f"{BY_KEY_LABEL[key]} {cells[key].location}" for key in KEYS_ORDER if key in cells)


def _towns_sheet(ws: Worksheet, merged: Any, campaign: Campaign, year: str, month: str) -> None:
    """One block per town, two rows (本期, 累计) like the form itself, then the total equal to 报告表."""
    from bairi.merge import rates

    first = 5 + len(COLUMNS)  # columns: 序号 单位 状态 行 | figures | two rates
    last_col = first + 1
    _box(ws, 1, 1, 1, last_col, f"{campaign.authority_short}各单位{year}年{int(month)}月报表明细",
         Font(name=FONT, size=14, bold=True), CENTER, border=False)
    ws.row_dimensions[1].height = 28
    for col, label in enumerate(("序号", "单位", "状态", "行"), start=1):
        _box(ws, 2, col, 3, col, label, HEAD_FONT)
    col = 5
    groups = set()
    for column in COLUMNS:
        if column.group:
            if column.group not in groups:
                _box(ws, 2, col, 2, col + 1, column.group, HEAD_FONT)
                groups.add(column.group)
            _box(ws, 3, col, 3, col, f"{column.header}\n（{column.unit}）", HEAD_FONT)
        else:
            _box(ws, 2, col, 3, col, f"{column.header}\n（{column.unit}）", HEAD_FONT)
        ws.column_dimensions[get_column_letter(col)].width = min(column.width, 10)
        col += 1
    _box(ws, 2, first, 2, last_col, "累计整改率（%）", HEAD_FONT)
    _box(ws, 3, first, 3, first, "一般隐患", HEAD_FONT)
    _box(ws, 3, last_col, 3, last_col, "重大隐患", HEAD_FONT)
    ws.row_dimensions[2].height = 24
    ws.row_dimensions[3].height = 60
    for letter, width in (("A", 5), ("B", 11), ("C", 8), ("D", 9)):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions[get_column_letter(first)].width = 9
    ws.column_dimensions[get_column_letter(last_col)].width = 9

    blocks = []
    for index, line in enumerate(merged.towns, start=1):
        ret = line.ret
        blocks.append((index, line.town, line.status,
                       ret.values("period") if ret else {}, ret.values("cumulative") if ret else {}))
    blocks.append(("", "合计", f"{len(merged.accepted)}/{len(merged.towns)}",
                   merged.totals["period_row"], merged.totals["cumulative_row"]))
    row = 4
    for index, town, status, period, cumulative in blocks:
        bold = HEAD_FONT if town == "合计" else BODY_FONT
        _box(ws, row, 1, row + 1, 1, index if index != "" else None, bold)
        _box(ws, row, 2, row + 1, 2, town, bold)
        _box(ws, row, 3, row + 1, 3, status, bold, fill=STATUS_FILLS.get(status))
        rate = rates(cumulative) if cumulative else {"general_rate": None, "major_rate": None}
        for offset, (word, values) in enumerate(((PERIOD_ROW, period), (CUMULATIVE_ROW, cumulative))):
            r = row + offset
            _box(ws, r, 4, r, 4, word, bold)
            for c, column in enumerate(COLUMNS, start=5):
                _box(ws, r, c, r, c, _figure(values.get(column.key)) if values else None, bold,
                     number_format=COUNT_FORMAT if column.kind == "count" else AMOUNT_FORMAT)
        for c, key in ((first, "general_rate"), (last_col, "major_rate")):
            value = rate[key]
            _box(ws, row, c, row + 1, c, float(value) if value is not None else ("—" if cumulative else None), bold,
                 number_format="0.0")
        row += 2
    ws.freeze_panes = "E4"
    _print_setup(ws, 3)
    ws.print_title_rows = "2:3"
BY_KEY_LABEL = {c.key: c.label for c in COLUMNS}


def _chart_sheet(workbook: Workbook, merged: Any) -> None:
    from openpyxl.chart import BarChart, Reference

    ws = workbook.create_sheet("图表")
    rows = []
    for line in merged.towns:
        values = line.ret.values("cumulative") if line.ret else {}
        rows.append([line.town] + [values.get(k) or 0 for k in ("general_found", "general_fixed", "major_found", "major_fixed")])
    last = _table(ws, 1, ["单位", "一般隐患排查", "一般隐患已整改", "重大隐患排查", "重大隐患已整改"], rows, [12, 14, 14, 14, 14],
                  title="各单位累计隐患排查与整改")
    ws.freeze_panes = None
    for columns, anchor, name in (((2, 3), "G2", "一般隐患（累计）"), ((4, 5), "G22", "重大隐患（累计）")):
        chart = BarChart()
        chart.type = "col"
        chart.title = f"各单位{name}排查与整改"
        chart.y_axis.title = "项"
        chart.height, chart.width = 9, 24
        data = Reference(ws, min_col=columns[0], max_col=columns[1], min_row=2, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=3, max_row=last))
        ws.add_chart(chart, anchor)


def write_merged(path: Path, merged: Any, campaign: Campaign, filler: str, filled_on: date) -> None:
    """Write the county's merged workbook atomically."""
    save(merged_workbook(merged, campaign, filler, filled_on), path)
