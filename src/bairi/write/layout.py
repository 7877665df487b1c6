"""Writing the form: the blank template for towns, and the same layout filled for the county.

The layout is declared once and drawn with openpyxl (through bairi.write.book): lay_form lays the
attachment out on any openpyxl worksheet (the template, the county's 报告表, the returns tests and
generators build); the county's workbook adds the per-town breakdown, the sources, the findings and a chart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from bairi.core.campaign import Campaign
from bairi.core.form import (
    COLUMNS,
    CUMULATIVE_ROW,
    HAZARD_COLUMNS,
    HAZARD_KEYS,
    HAZARD_TITLE,
    PERIOD_ROW,
    ROW_LABEL_HEADER,
    TITLE,
)
from bairi.write.atomic import write_atomic
from bairi.write.book import (
    Alignment,
    Border,
    Font,
    Look,
    PatternFill,
    Side,
    bar_chart,
    merge,
    print_setup,
    put,
    put_row,
    save,
    to_bytes,
)

__all__ = ["OPTIONS_SHEET", "lay_form", "merged_workbook", "save", "template_workbook", "write_merged",
           "write_template"]

SONG = "宋体"
WIDTH = 1 + len(COLUMNS)  # the row label plus the figure columns
# Hazard columns spread over the form's width: (first column, last column), 1-based.
HAZARD_SPANS: dict[str, tuple[int, int]] = {
    "seq": (1, 1), "enterprise": (2, 4), "town": (5, 6), "category": (7, 8), "supervisor": (9, 10), "detail": (11, 14),
}
TITLE_ROW, UNIT_ROW, FILLER_ROW, DATE_ROW, HEAD_ROW, SUB_ROW, PERIOD_ROW_N, CUM_ROW_N = 1, 2, 3, 4, 5, 6, 7, 8
HAZARD_TITLE_ROW, HAZARD_HEAD_ROW = 10, 11
COUNT_FORMAT = "0"
AMOUNT_FORMAT = "0.####"

# The parts of the looks, each made once; colours are opaque ARGB, as Excel writes them.
BODY_FONT = Font(name=SONG, size=10)
HEAD_FONT = Font(name=SONG, size=10, bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
THIN = Side(style="thin", color="FF000000")
FRAME = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNDERLINED = Border(bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFFFF7D6")


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour)


# The looks the layout uses (each a named style in the workbook); a bordered box's covered cells take BODY
# so the frame is drawn all round.
HEADING = Look("bairi 标题", Font(name="黑体", size=16, bold=True), CENTER)
HEAD = Look("bairi 表头", HEAD_FONT, CENTER, FRAME)
BODY = Look("bairi 正文", BODY_FONT, CENTER, FRAME)
BODY_LEFT = Look("bairi 正文·左", BODY_FONT, LEFT, FRAME)
LABEL = Look("bairi 栏目", HEAD_FONT, RIGHT)
UNDERLINE = Look("bairi 下划线", border=UNDERLINED)
FIELD = Look("bairi 填写栏", BODY_FONT, LEFT, UNDERLINED)
DATE_FIELD = FIELD.but("bairi 填写栏·日期", number_format="yyyy-mm-dd")
COUNT = BODY.but("bairi 个数", number_format=COUNT_FORMAT)
AMOUNT = BODY.but("bairi 金额", number_format=AMOUNT_FORMAT)
HEAD_COUNT = HEAD.but("bairi 表头·个数", number_format=COUNT_FORMAT)
HEAD_AMOUNT = HEAD.but("bairi 表头·金额", number_format=AMOUNT_FORMAT)
SECTION = Look("bairi 小标题", Font(name=SONG, size=12, bold=True), CENTER)
TABLE_TITLE = Look("bairi 表名", Font(name=SONG, size=14, bold=True), CENTER)
NOTE = Look("bairi 注", Font(name=SONG, size=10, bold=True, color="FFC00000"), LEFT)
STAMP = BODY.but("bairi 时间", number_format="yyyy-mm-dd hh:mm")
DAY = BODY.but("bairi 日期", number_format="yyyy-mm-dd")
RATE = BODY.but("bairi 比率", number_format="0.0")
HEAD_RATE = HEAD.but("bairi 表头·比率", number_format="0.0")


def _width(ws: Worksheet, col: int, width: float) -> None:
    ws.column_dimensions[get_column_letter(col)].width = width


def _height(ws: Worksheet, row: int, height: float) -> None:
    ws.row_dimensions[row].height = height


def _box(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int,
         value: Any = None, look: Look = BODY, cover: Look | None = None) -> None:
    """A value in a (merged) range; a bordered range's other cells are framed too (`cover`, else BODY)."""
    if first_row != last_row or first_col != last_col:
        merge(ws, first_row, first_col, last_row, last_col)
        put(ws, first_row, first_col, value, look)
        if cover is None and look.border is FRAME:
            cover = BODY
        if cover is not None:
            for r in range(first_row, last_row + 1):
                for c in range(first_col, last_col + 1):
                    if r != first_row or c != first_col:
                        put(ws, r, c, None, cover)
    else:
        put(ws, first_row, first_col, value, look)


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
        looks += [BODY if look.border is FRAME else None] * (last - first)
    return merges, looks, slots


def _put_strip(ws: Worksheet, row: int, first_col: int, strip: Strip, values: Iterable[Any]) -> None:
    """One row of boxes laid out by _strip, a value for each box."""
    merges, looks, slots = strip
    for first, last in merges:
        merge(ws, row, first, row, last)
    cells: list[Any] = [None] * len(looks)
    for slot, value in zip(slots, values):
        cells[slot] = value
    put_row(ws, row, first_col, cells, looks)


_INPUT_LOOKS: dict[str, Look] = {}


def _input_look(look: Look) -> Look:
    """The look of a cell towns fill in: shaded and unlocked (one look per look, made once)."""
    found = _INPUT_LOOKS.get(look.name)
    if found is None:
        found = _INPUT_LOOKS[look.name] = look.but(f"{look.name}·填报", fill=INPUT_FILL, locked=False)
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
    """Lay out the attachment form on an openpyxl worksheet, filled with what is given; returns the last
    row used."""
    entry = _input_look if for_input else _same_look
    _box(ws, TITLE_ROW, 1, TITLE_ROW, WIDTH, title, HEADING)
    _height(ws, TITLE_ROW, 36)
    for row, label, value in ((UNIT_ROW, "填报单位：", unit), (FILLER_ROW, "填表人：", filler),
                              (DATE_ROW, "填表日期：", filled_on)):
        _box(ws, row, 1, row, 2, label, LABEL)
        _box(ws, row, 3, row, 7, value if value else None, entry(DATE_FIELD if row == DATE_ROW else FIELD),
             cover=UNDERLINE)

    _box(ws, HEAD_ROW, 1, SUB_ROW, 1, ROW_LABEL_HEADER, HEAD)
    col = 2
    groups_done = set()
    for column in COLUMNS:
        if column.group:
            if column.group not in groups_done:
                _box(ws, HEAD_ROW, col, HEAD_ROW, col + 1, column.group, HEAD)
                groups_done.add(column.group)
            _box(ws, SUB_ROW, col, SUB_ROW, col, f"{column.header}\n（{column.unit}）", HEAD)
        else:
            _box(ws, HEAD_ROW, col, SUB_ROW, col, f"{column.header}\n（{column.unit}）", HEAD)
        _width(ws, col, column.width)
        col += 1
    _width(ws, 1, 10)
    _height(ws, HEAD_ROW, 30)
    _height(ws, SUB_ROW, 58)

    figures = [entry(COUNT if column.kind == "count" else AMOUNT) for column in COLUMNS]
    for row, label, values in ((PERIOD_ROW_N, PERIOD_ROW, period), (CUM_ROW_N, CUMULATIVE_ROW, cumulative)):
        _box(ws, row, 1, row, 1, label, HEAD)
        _height(ws, row, 24)
        values = values or {}
        put_row(ws, row, 2, [values.get(column.key) for column in COLUMNS], figures)

    _box(ws, HAZARD_TITLE_ROW, 1, HAZARD_TITLE_ROW, WIDTH, HAZARD_TITLE, SECTION)
    for column in HAZARD_COLUMNS:
        first, last = HAZARD_SPANS[column.key]
        _box(ws, HAZARD_HEAD_ROW, first, HAZARD_HEAD_ROW, last, column.header, HEAD)
    looks = {key: BODY if key in ("seq", "town", "category") else BODY_LEFT for key in HAZARD_KEYS}
    filled = _strip([(*HAZARD_SPANS[key], looks[key]) for key in HAZARD_KEYS])
    row = HAZARD_HEAD_ROW
    count = 0
    for count, hazard in enumerate(hazards, start=1):
        row = HAZARD_HEAD_ROW + count
        _put_strip(ws, row, 1, filled, [count if key == "seq" else (hazard.get(key) or None) for key in HAZARD_KEYS])
        lines = max(_lines(hazard.get(key) or "", HAZARD_SPANS[key]) for key in HAZARD_KEYS if key != "seq")
        if lines > 1:
            # Neither Excel nor LibreOffice grows a row for wrapped text in merged cells: without this a long
            # 隐患描述 spills over the rows below it on screen and on paper.
            _height(ws, row, min(LINE_POINTS * lines + 4, MAX_ROW_POINTS))
    blank = _strip([(*HAZARD_SPANS[key], looks[key] if key == "seq" else entry(looks[key])) for key in HAZARD_KEYS])
    for extra in range(1, blank_hazard_rows + 1):
        row = HAZARD_HEAD_ROW + count + extra
        _put_strip(ws, row, 1, blank, [count + extra if key == "seq" else None for key in HAZARD_KEYS])
        _height(ws, row, 30)
    print_setup(ws)
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
        put(options, row, column, value)
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


def template_workbook(campaign: Campaign, town: str | None = None, hazard_rows: int = 20) -> Workbook:
    """The blank return for towns to fill: input cells shaded and unlocked, the rest protected,
    drop-downs for categories and towns."""
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
STATUS_LOOKS = {status: BODY.but(f"bairi 状态·{status}", fill=_fill("FF" + colour)) for status, colour in STATUS_FILL.items()}
LEVEL_LOOKS = {label: BODY.but(f"bairi 级别·{label}", fill=_fill("FF" + SEVERITY_FILL[key]))
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


def _table(ws: Worksheet, first_row: int, headers: list[str], rows: list[list[Any]], widths: list[float],
           title: str | None = None, freeze: bool = True, titles: bool = True) -> int:
    """A bordered table with a bold header row; returns the last row written."""
    row = first_row
    if title:
        _box(ws, row, 1, row, len(headers), title, TABLE_TITLE)
        _height(ws, row, 28)
        row += 1
    for col, header in enumerate(headers, start=1):
        put(ws, row, col, header, HEAD)
    header_row = row
    kinds = _TABLE_LOOKS
    for values in rows:
        row += 1
        put_row(ws, row, 1, values, [(BODY_LEFT if len(value) > 8 else BODY) if type(value) is str
                                 else kinds.get(type(value)) or _table_look(value) for value in values])
    for col, width in enumerate(widths, start=1):
        _width(ws, col, width)
    if freeze:
        ws.freeze_panes = f"A{header_row + 1}"
    print_setup(ws)
    if titles:
        ws.print_title_rows = f"{header_row}:{header_row}"
    return row


def merged_workbook(merged: Any, campaign: Campaign, filler: str, filled_on: date) -> Workbook:
    """The county's workbook: 报告表, 分镇明细, 数据来源, 问题清单, 图表."""
    book = Workbook()
    ws = book.active
    ws.title = "报告表"
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
        _height(ws, 9, 30)

    # Each accepted return's figures, read once for the sheets that show them.
    figures = {id(r): (r.values("period"), r.values("cumulative")) for r in merged.accepted}
    for line in merged.towns:
        if line.ret is not None and id(line.ret) not in figures:
            figures[id(line.ret)] = (line.ret.values("period"), line.ret.values("cumulative"))
    towns = book.create_sheet("分镇明细")
    _towns_sheet(towns, merged, campaign, year, month, figures)

    sources = book.create_sheet("数据来源")
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

    problems = book.create_sheet("问题清单")
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
            put(problems, r, 5, values[4], look)

    _chart_sheet(book.create_sheet("图表"), merged, figures)
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


def _towns_sheet(ws: Worksheet, merged: Any, campaign: Campaign, year: str, month: str,
                 figures: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """One block per town, two rows (本期, 累计) like the form itself, then the total equal to 报告表."""
    from bairi.merge.consolidate import rates

    first = 5 + len(COLUMNS)  # columns: 序号 单位 状态 行 | figures | two rates
    last_col = first + 1
    _box(ws, 1, 1, 1, last_col, f"{campaign.authority_short}各单位{year}年{int(month)}月报表明细", TABLE_TITLE)
    _height(ws, 1, 28)
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
        _width(ws, col, min(column.width, 10))
        col += 1
    _box(ws, 2, first, 2, last_col, "累计整改率（%）", HEAD)
    _box(ws, 3, first, 3, first, "一般隐患", HEAD)
    _box(ws, 3, last_col, 3, last_col, "重大隐患", HEAD)
    _height(ws, 2, 24)
    _height(ws, 3, 60)
    for c, width in ((1, 5), (2, 11), (3, 8), (4, 9), (first, 9), (last_col, 9)):
        _width(ws, c, width)

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
            merge(ws, row, c, row + 1, c)
        rate = rates(cumulative) if cumulative else {"general_rate": None, "major_rate": None}
        shown = [None if rate[key] is None and not cumulative else ("—" if rate[key] is None else float(rate[key]))
                 for key in ("general_rate", "major_rate")]
        put_row(ws, row, 1, [index if index != "" else None, town, status, PERIOD_ROW,
                            *([period.get(k) for k in keys] if period else blank), *shown], looks)
        put_row(ws, row + 1, 1, [None, None, None, CUMULATIVE_ROW,
                                *([cumulative.get(k) for k in keys] if cumulative else blank), None, None], bottoms[total])
        row += 2
    ws.freeze_panes = "E4"
    print_setup(ws)
    ws.print_title_rows = "2:3"


BY_KEY_LABEL = {c.key: c.label for c in COLUMNS}


def _chart_sheet(ws: Worksheet, merged: Any, figures: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
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
        bar_chart(ws, f"各单位{name}排查与整改", anchor=anchor, header_row=2, first_row=3, last_row=last, category_col=1,
                     value_cols=columns, y_title="项", width_cm=24, height_cm=9)


def write_merged(path: Path, merged: Any, campaign: Campaign, filler: str, filled_on: date) -> None:
    """Write the county's merged workbook atomically."""
    import gc

    # Laying out makes a few hundred thousand small objects (cells, their styles) and no cycles; with a
    # thousand returns in memory, the collections they would trigger cost more than the writing itself.
    paused = gc.isenabled()
    gc.disable()
    try:
        data = to_bytes(merged_workbook(merged, campaign, filler, filled_on))
    finally:
        if paused:
            gc.enable()
    write_atomic(path, data)
