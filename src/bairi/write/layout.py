"""Writing the form: the blank template for towns, and the same layout filled for the county.

The layout is declared once, against a small drawing interface (put, merge, width, height, freeze,
print_setup, print_titles, bar_chart) with two back ends: bairi.xlsx.Sheet, the fast direct writer
used for the county's merged workbook, and canvas.OpenpyxlSheet over an openpyxl Worksheet, used for the
template (drop-downs, protection) and by tests and generators that lay out returns with openpyxl.
openpyxl is imported only inside that back end, so `bairi merge` never loads it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from bairi.write.canvas import OpenpyxlSheet, put_text, to_bytes
from bairi.core.campaign import Campaign
from bairi.write.atomic import write_atomic
from bairi.core.form import (COLUMNS, CUMULATIVE_ROW, HAZARD_COLUMNS, HAZARD_KEYS, HAZARD_TITLE, PERIOD_ROW,
                        ROW_LABEL_HEADER, TITLE)
from bairi.write.xlsx import Align, Book, Font, Look, Sheet, column_letter

FONT = "宋体"
TITLE_FONT = Font("黑体", 16, bold=True)
HEAD_FONT = Font(FONT, 10, bold=True)
BODY_FONT = Font(FONT, 10)
CENTER = Align("center", "center", wrap=True)
LEFT = Align("left", "center", wrap=True)
RIGHT = Align("right", "center")
INPUT_FILL = "FFF7D6"
WIDTH = 1 + len(COLUMNS)  # the row label plus the figure columns
# Hazard columns spread over the form's width: (first column, last column), 1-based.
HAZARD_SPANS: dict[str, tuple[int, int]] = {
    "seq": (1, 1), "enterprise": (2, 4), "town": (5, 6), "category": (7, 8), "supervisor": (9, 10), "detail": (11, 14),
}
TITLE_ROW, UNIT_ROW, FILLER_ROW, DATE_ROW, HEAD_ROW, SUB_ROW, PERIOD_ROW_N, CUM_ROW_N = 1, 2, 3, 4, 5, 6, 7, 8
HAZARD_TITLE_ROW, HAZARD_HEAD_ROW = 10, 11
COUNT_FORMAT = "0"
AMOUNT_FORMAT = "0.####"

# The looks the layout uses; a bordered box's covered cells take BODY so the frame is drawn all round.
HEADING = Look(TITLE_FONT, CENTER)
HEAD = Look(HEAD_FONT, CENTER, "all")
BODY = Look(BODY_FONT, CENTER, "all")
BODY_LEFT = Look(BODY_FONT, LEFT, "all")
LABEL = Look(HEAD_FONT, RIGHT)
UNDERLINE = Look(border="bottom")
FIELD = Look(BODY_FONT, LEFT, "bottom")
DATE_FIELD = replace(FIELD, number_format="yyyy-mm-dd")
COUNT = replace(BODY, number_format=COUNT_FORMAT)
AMOUNT = replace(BODY, number_format=AMOUNT_FORMAT)
HEAD_COUNT = replace(HEAD, number_format=COUNT_FORMAT)
HEAD_AMOUNT = replace(HEAD, number_format=AMOUNT_FORMAT)
SECTION = Look(Font(FONT, 12, bold=True), CENTER)
TABLE_TITLE = Look(Font(FONT, 14, bold=True), CENTER)
NOTE = Look(Font(FONT, 10, bold=True, color="C00000"), LEFT)
STAMP = replace(BODY, number_format="yyyy-mm-dd hh:mm")
DAY = replace(BODY, number_format="yyyy-mm-dd")
RATE, HEAD_RATE = replace(BODY, number_format="0.0"), replace(HEAD, number_format="0.0")


def _canvas(ws: Any) -> Sheet | OpenpyxlSheet:
    """What to draw on: an xlsx.Sheet as it is, anything else taken for an openpyxl Worksheet."""
    return ws if isinstance(ws, (Sheet, OpenpyxlSheet)) else OpenpyxlSheet(ws)


def _box(canvas: Sheet | OpenpyxlSheet, first_row: int, first_col: int, last_row: int, last_col: int,
         value: Any = None, look: Look = BODY, cover: Look | None = None) -> None:
    """A value in a (merged) range; a bordered range's other cells are framed too (`cover`, else BODY)."""
    if first_row != last_row or first_col != last_col:
        canvas.merge(first_row, first_col, last_row, last_col)
        canvas.put(first_row, first_col, value, look)
        if cover is None and look.border:
            cover = BODY
        if cover is not None:
            for r in range(first_row, last_row + 1):
                for c in range(first_col, last_col + 1):
                    if r != first_row or c != first_col:
                        canvas.put(r, c, None, cover)
    else:
        canvas.put(first_row, first_col, value, look)


Strip = tuple[list[tuple[int, int]], list["Look | None"], list[int]]


def _strip(spans: list[tuple[int, int, Look]]) -> Strip:
    """A row of side-by-side boxes (first column, last column, look) as what to draw: the merges, a look
    per cell (a bordered box's covered cells framed, as _box does) and the cell of each box's value."""
    merges, looks, slots = [], [], []
    for first, last, look in spans:
        if last > first:
            merges.append((first, last))
        slots.append(len(looks))
        looks.append(look)
        looks += [BODY if look.border else None] * (last - first)
    return merges, looks, slots


def _put_strip(canvas: Sheet | OpenpyxlSheet, row: int, first_col: int, strip: Strip, values: Iterable[Any]) -> None:
    """One row of boxes laid out by _strip, a value for each box."""
    merges, looks, slots = strip
    for first, last in merges:
        canvas.merge(row, first, row, last)
    cells: list[Any] = [None] * len(looks)
    for slot, value in zip(slots, values):
        cells[slot] = value
    canvas.put_row(row, first_col, cells, looks)


_INPUT_LOOKS: dict[Look, Look] = {}


def _input_look(look: Look) -> Look:
    """The look of a cell towns fill in: shaded and unlocked (one object per look, made once)."""
    found = _INPUT_LOOKS.get(look)
    if found is None:
        found = _INPUT_LOOKS[look] = replace(look, fill=INPUT_FILL, locked=False)
    return found


def _same_look(look: Look) -> Look:
    return look


def lay_form(
    ws: Any,
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
    """Lay out the attachment form on `ws` (an openpyxl Worksheet or an xlsx.Sheet), filled with what
    is given; returns the last row used."""
    canvas = _canvas(ws)
    entry = _input_look if for_input else _same_look
    _box(canvas, TITLE_ROW, 1, TITLE_ROW, WIDTH, title, HEADING)
    canvas.height(TITLE_ROW, 36)
    for row, label, value in ((UNIT_ROW, "填报单位：", unit), (FILLER_ROW, "填表人：", filler),
                              (DATE_ROW, "填表日期：", filled_on)):
        _box(canvas, row, 1, row, 2, label, LABEL)
        _box(canvas, row, 3, row, 7, value if value else None, entry(DATE_FIELD if row == DATE_ROW else FIELD),
             cover=UNDERLINE)

    _box(canvas, HEAD_ROW, 1, SUB_ROW, 1, ROW_LABEL_HEADER, HEAD)
    col = 2
    groups_done = set()
    for column in COLUMNS:
        if column.group:
            if column.group not in groups_done:
                _box(canvas, HEAD_ROW, col, HEAD_ROW, col + 1, column.group, HEAD)
                groups_done.add(column.group)
            _box(canvas, SUB_ROW, col, SUB_ROW, col, f"{column.header}\n（{column.unit}）", HEAD)
        else:
            _box(canvas, HEAD_ROW, col, SUB_ROW, col, f"{column.header}\n（{column.unit}）", HEAD)
        canvas.width(col, column.width)
        col += 1
    canvas.width(1, 10)
    canvas.height(HEAD_ROW, 30)
    canvas.height(SUB_ROW, 58)

    figures = [entry(COUNT if column.kind == "count" else AMOUNT) for column in COLUMNS]
    for row, label, values in ((PERIOD_ROW_N, PERIOD_ROW, period), (CUM_ROW_N, CUMULATIVE_ROW, cumulative)):
        _box(canvas, row, 1, row, 1, label, HEAD)
        canvas.height(row, 24)
        values = values or {}
        canvas.put_row(row, 2, [values.get(column.key) for column in COLUMNS], figures)

    _box(canvas, HAZARD_TITLE_ROW, 1, HAZARD_TITLE_ROW, WIDTH, HAZARD_TITLE, SECTION)
    for column in HAZARD_COLUMNS:
        first, last = HAZARD_SPANS[column.key]
        _box(canvas, HAZARD_HEAD_ROW, first, HAZARD_HEAD_ROW, last, column.header, HEAD)
    looks = {key: BODY if key in ("seq", "town", "category") else BODY_LEFT for key in HAZARD_KEYS}
    filled = _strip([(*HAZARD_SPANS[key], looks[key]) for key in HAZARD_KEYS])
    row = HAZARD_HEAD_ROW
    count = 0
    for count, hazard in enumerate(hazards, start=1):
        row = HAZARD_HEAD_ROW + count
        _put_strip(canvas, row, 1, filled, [count if key == "seq" else (hazard.get(key) or None) for key in HAZARD_KEYS])
        lines = max(_lines(hazard.get(key) or "", HAZARD_SPANS[key]) for key in HAZARD_KEYS if key != "seq")
        if lines > 1:
            # Neither Excel nor LibreOffice grows a row for wrapped text in merged cells: without this a long
            # 隐患描述 spills over the rows below it on screen and on paper.
            canvas.height(row, min(LINE_POINTS * lines + 4, MAX_ROW_POINTS))
    blank = _strip([(*HAZARD_SPANS[key], looks[key] if key == "seq" else entry(looks[key])) for key in HAZARD_KEYS])
    for extra in range(1, blank_hazard_rows + 1):
        row = HAZARD_HEAD_ROW + count + extra
        _put_strip(canvas, row, 1, blank, [count + extra if key == "seq" else None for key in HAZARD_KEYS])
        canvas.height(row, 30)
    canvas.print_setup()
    return row


LINE_POINTS = 13.5  # one line of 10-point 宋体
MAX_ROW_POINTS = 409  # Excel refuses a taller row
# Column widths as the form sets them (1-based): the row label, then each figure column.
FORM_WIDTHS = {1: 10.0, **{index: column.width for index, column in enumerate(COLUMNS, start=2)}}


def _lines(text: str, span: tuple[int, int]) -> int:
    """How many lines `text` wraps to in a box over columns span (a CJK character is two width units)."""
    if not text:
        return 1
    room = max(sum(FORM_WIDTHS.get(c, 8.43) for c in range(span[0], span[1] + 1)) - 1, 2)
    total = 0
    for paragraph in str(text).split("\n"):
        width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in paragraph)
        total += max(1, -(-width // int(room)))
    return total


OPTIONS_SHEET = "下拉选项"


def _choices(ws: Any, column: int, values: list[str]) -> str:
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
    letter = column_letter(column)
    return f"'{OPTIONS_SHEET}'!${letter}$1:${letter}${len(values)}"


def _validations(ws: Any, campaign: Campaign, last_hazard_row: int) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="请填写整数", error="此处应填写不小于 0 的整数。")
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             showErrorMessage=True, errorTitle="请填写数字", error="行政罚款以万元计，填写不小于 0 的数字。")
    for index, column in enumerate(COLUMNS, start=2):
        letter = column_letter(index)
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


def save(workbook: Any, path: Path) -> None:
    """Save atomically (an openpyxl Workbook or a bairi.xlsx.Book): the old file stays intact until the new
    one is complete."""
    write_atomic(path, to_bytes(workbook))


def template_workbook(campaign: Campaign, town: str | None = None, hazard_rows: int = 20) -> Any:
    """The blank return for towns to fill (an openpyxl Workbook): input cells shaded and unlocked, the
    rest protected, drop-downs for categories and towns."""
    from openpyxl import Workbook

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
STATUS_FILL = {"已报": "E2F0D9", "迟报": "FFF3CD", "缺件": "FFF3CD", "退回": "F8D7DA", "待核实": "EADCF5",
               "未报": "F2F2F2", "未到期": "F2F2F2"}
STATUS_LOOKS = {status: replace(BODY, fill=colour) for status, colour in STATUS_FILL.items()}
LEVEL_LOOKS = {label: replace(BODY, fill=SEVERITY_FILL[key])
               for label, key in (("错误", "error"), ("警告", "warning"), ("提示", "info"))}


_TABLE_LOOKS: dict[type, Look] = {int: BODY, type(None): BODY, Decimal: AMOUNT, datetime: STAMP, date: DAY}


def _table_look(value: Any) -> Look:
    """A table cell's look by what it holds: long text left-aligned, dates and amounts formatted."""
    if isinstance(value, str):
        return BODY_LEFT if len(value) > 8 else BODY
    if isinstance(value, datetime):
        return STAMP
    if isinstance(value, date):
        return DAY
    return AMOUNT if isinstance(value, Decimal) else BODY


def _table(canvas: Any, first_row: int, headers: list[str], rows: list[list[Any]], widths: list[float],
           title: str | None = None, freeze: bool = True, titles: bool = True) -> int:
    """A bordered table with a bold header row; returns the last row written."""
    row = first_row
    if title:
        _box(canvas, row, 1, row, len(headers), title, TABLE_TITLE)
        canvas.height(row, 28)
        row += 1
    for col, header in enumerate(headers, start=1):
        canvas.put(row, col, header, HEAD)
    header_row = row
    put_row = canvas.put_row
    kinds = _TABLE_LOOKS
    for values in rows:
        row += 1
        put_row(row, 1, values, [(BODY_LEFT if len(value) > 8 else BODY) if type(value) is str
                                 else kinds.get(type(value)) or _table_look(value) for value in values])
    for col, width in enumerate(widths, start=1):
        canvas.width(col, width)
    if freeze:
        canvas.freeze(f"A{header_row + 1}")
    canvas.print_setup()
    if titles:
        canvas.print_titles(header_row, header_row)
    return row


def merged_workbook(merged: Any, campaign: Campaign, filler: str, filled_on: date, book: Any = None) -> Any:
    """The county's workbook: 报告表, 分镇明细, 数据来源, 问题清单, 图表 (an xlsx.Book unless `book` is given)."""
    book = Book() if book is None else book
    ws = book.sheet("报告表")
    year, month = merged.period.split("-")
    title = f"{TITLE}（{year}年{int(month)}月）"
    keys = [key for key in HAZARD_KEYS if key != "seq"]  # 序号 is counted afresh
    hazards = [{key: getattr(h, key) for key in keys} for _, h, _ in merged.hazards]
    for hazard, (town, h, _) in zip(hazards, merged.hazards):
        hazard["town"] = h.town or town
    lay_form(ws, campaign, unit=campaign.authority, filler=filler, filled_on=filled_on,
             period=merged.totals["period_row"], cumulative=merged.totals["cumulative_row"],
             hazards=hazards, title=title)
    if merged.missing_towns:
        note = (f"注：本表不完整，未含 {len(merged.missing_towns)} 个单位（未报或被退回）："
                + "、".join(merged.missing_towns) + "。")
        _box(ws, 9, 1, 9, WIDTH, note, NOTE)
        ws.height(9, 30)
    ws.finish()  # compressed in the background from here on, while the other sheets are laid out

    # Each accepted return's figures, read once for the sheets that show them.
    figures = {id(r): (r.values("period"), r.values("cumulative")) for r in merged.accepted}
    for line in merged.towns:
        if line.ret is not None and id(line.ret) not in figures:
            figures[id(line.ret)] = (line.ret.values("period"), line.ret.values("cumulative"))
    towns = book.sheet("分镇明细")
    _towns_sheet(towns, merged, campaign, year, month, figures)
    towns.finish()

    sources = book.sheet("数据来源")
    srows: list[list[Any]] = []
    replaced_by: dict[int, list[str]] = {}
    for s in merged.superseded:
        replaced_by.setdefault(id(s.new), []).append(s.old.file.name)
    for line in merged.towns:
        ret = line.ret or line.rejected
        replaced = replaced_by.get(id(ret), []) if ret else []
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
    # The first table's header stays the printed title row, as it stays the frozen one on screen.
    _table(sources, last + 2, ["单位", "行", "文件", "单元格（依次为报告表从“成立督查组”到“查处劳务派遣”各列）"], trail, widths,
           freeze=False, titles=False)
    sources.finish()

    problems = book.sheet("问题清单")
    prow: list[list[Any]] = []
    used = {id(r) for r in merged.accepted}
    rejected = {id(r) for r in merged.rejected}
    superseded = {id(s.old) for s in merged.superseded}
    everything = list(merged.accepted) + list(merged.rejected) + [s.old for s in merged.superseded] + list(merged.other_periods)
    seen: set[int] = set()
    for ret in everything:
        if id(ret) in seen:
            continue
        seen.add(id(ret))
        state = "已汇总" if id(ret) in used else ("已退回" if id(ret) in rejected else ("已被取代" if id(ret) in superseded else "其他报告期"))
        for f in ret.findings:
            prow.append([ret.town or "", ret.period or "", ret.file.name, f.location, f.severity.label, f.code, f.message, state])
    _table(problems, 1, ["单位", "报告期", "文件", "位置", "级别", "代码", "说明", "处理"], prow,
           [10, 9, 34, 16, 6, 7, 70, 10], title="问题清单")
    for r, values in enumerate(prow, start=3):
        look = LEVEL_LOOKS.get(values[4])
        if look is not None:
            problems.put(r, 5, values[4], look)
    problems.finish()

    _chart_sheet(book.sheet("图表"), merged, figures)
    return book


KEYS_ORDER = tuple(c.key for c in COLUMNS)


def cell_span(cells: dict[str, Any]) -> str:
    """Where a row's figures came from: Sheet1!B7:N7 when side by side in the form's order, else each cell."""
    span = _span(tuple([cells[key].location for key in KEYS_ORDER if key in cells]))
    return span or "；".join(f"{BY_KEY_LABEL[key]} {cells[key].location}" for key in KEYS_ORDER if key in cells)


# Most returns keep the form's layout, so the same locations recur in every file of a merge.
@lru_cache(maxsize=1024)
def _span(locations: tuple[str, ...]) -> str:
    """Sheet1!B7:N7 for a whole row side by side in the form's order, else ''."""
    from bairi.core.refs import col_letters, col_number

    places = [re.fullmatch(r"(.*)!([A-Z]+)([0-9]+)", loc) for loc in locations]
    if len(locations) == len(KEYS_ORDER) and all(places):
        sheet, first, row = places[0].groups()
        expected = [f"{sheet}!{col_letters(col_number(first) + i)}{row}" for i in range(len(locations))]
        if list(locations) == expected:
            return f"{sheet}!{first}{row}:{places[-1][2]}{row}"
    return ""


def _towns_sheet(ws: Any, merged: Any, campaign: Campaign, year: str, month: str,
                 figures: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """One block per town, two rows (本期, 累计) like the form itself, then the total equal to 报告表."""
    from bairi.merge.consolidate import rates

    first = 5 + len(COLUMNS)  # columns: 序号 单位 状态 行 | figures | two rates
    last_col = first + 1
    _box(ws, 1, 1, 1, last_col, f"{campaign.authority_short}各单位{year}年{int(month)}月报表明细", TABLE_TITLE)
    ws.height(1, 28)
    for col, label in enumerate(("序号", "单位", "状态", "行"), start=1):
        _box(ws, 2, col, 3, col, label, HEAD)
    col = 5
    groups = set()
    for column in COLUMNS:
        if column.group:
            if column.group not in groups:
                _box(ws, 2, col, 2, col + 1, column.group, HEAD)
                groups.add(column.group)
            _box(ws, 3, col, 3, col, f"{column.header}\n（{column.unit}）", HEAD)
        else:
            _box(ws, 2, col, 3, col, f"{column.header}\n（{column.unit}）", HEAD)
        ws.width(col, min(column.width, 10))
        col += 1
    _box(ws, 2, first, 2, last_col, "累计整改率（%）", HEAD)
    _box(ws, 3, first, 3, first, "一般隐患", HEAD)
    _box(ws, 3, last_col, 3, last_col, "重大隐患", HEAD)
    ws.height(2, 24)
    ws.height(3, 60)
    for c, width in ((1, 5), (2, 11), (3, 8), (4, 9), (first, 9), (last_col, 9)):
        ws.width(c, width)

    blocks = []
    for index, line in enumerate(merged.towns, start=1):
        ret = line.ret
        blocks.append((index, line.town, line.status, *(figures[id(ret)] if ret else ({}, {}))))
    blocks.append(("", "合计", f"{len(merged.accepted)}/{len(merged.towns)}",
                   merged.totals["period_row"], merged.totals["cumulative_row"]))
    body = [COUNT if column.kind == "count" else AMOUNT for column in COLUMNS]
    head = [HEAD_COUNT if column.kind == "count" else HEAD_AMOUNT for column in COLUMNS]
    keys = [column.key for column in COLUMNS]
    blank = [None] * len(keys)
    # Per block: the first row's looks (the merged cells' values sit there), the second row's.
    tops: dict[tuple[bool, str], list[Look]] = {}
    bottoms = {total: [BODY, BODY, BODY, HEAD if total else BODY, *(head if total else body), BODY, BODY]
               for total in (False, True)}
    row = 4
    for index, town, status, period, cumulative in blocks:
        total = town == "合计"
        plain, rate_look = (HEAD, HEAD_RATE) if total else (BODY, RATE)
        looks = tops.get((total, status))
        if looks is None:
            looks = tops[(total, status)] = [plain, plain, STATUS_LOOKS.get(status, plain), plain,
                                             *(head if total else body), rate_look, rate_look]
        for c in (1, 2, 3, first, last_col):
            ws.merge(row, c, row + 1, c)
        rate = rates(cumulative) if cumulative else {"general_rate": None, "major_rate": None}
        shown = [None if rate[key] is None and not cumulative else ("—" if rate[key] is None else float(rate[key]))
                 for key in ("general_rate", "major_rate")]
        ws.put_row(row, 1, [index if index != "" else None, town, status, PERIOD_ROW,
                            *([period.get(k) for k in keys] if period else blank), *shown], looks)
        ws.put_row(row + 1, 1, [None, None, None, CUMULATIVE_ROW,
                                *([cumulative.get(k) for k in keys] if cumulative else blank), None, None], bottoms[total])
        row += 2
    ws.freeze("E4")
    ws.print_setup()
    ws.print_titles(2, 3)


BY_KEY_LABEL = {c.key: c.label for c in COLUMNS}


def _chart_sheet(ws: Any, merged: Any, figures: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """The towns' cumulative hazards found and fixed, as a table and two column charts."""
    rows = []
    for line in merged.towns:
        values = figures[id(line.ret)][1] if line.ret else {}
        rows.append([line.town] + [values.get(k) or 0 for k in ("general_found", "general_fixed", "major_found", "major_fixed")])
    last = _table(ws, 1, ["单位", "一般隐患排查", "一般隐患已整改", "重大隐患排查", "重大隐患已整改"], rows, [12, 14, 14, 14, 14],
                  title="各单位累计隐患排查与整改", freeze=False)
    if last < 3:
        return
    for columns, anchor, name in (((2, 3), "G2", "一般隐患（累计）"), ((4, 5), "G22", "重大隐患（累计）")):
        ws.bar_chart(f"各单位{name}排查与整改", anchor=anchor, header_row=2, first_row=3, last_row=last, category_col=1,
                     value_cols=columns, y_title="项", width_cm=24, height_cm=9)


def write_merged(path: Path, merged: Any, campaign: Campaign, filler: str, filled_on: date) -> None:
    """Write the county's merged workbook atomically (with bairi.xlsx; openpyxl is not loaded)."""
    import gc

    # Laying out makes ~100,000 small objects and no cycles; with a thousand returns in memory, the
    # collections they would trigger cost more than the writing itself.
    paused = gc.isenabled()
    gc.disable()
    try:
        data = merged_workbook(merged, campaign, filler, filled_on).to_bytes()
    finally:
        if paused:
            gc.enable()
    write_atomic(path, data)
