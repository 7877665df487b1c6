"""The form, declared once: its looks, lay_form (the attachment laid out on any openpyxl worksheet:
the template, the county's 报告表, the returns tests and generators build) and the blank template.

bairi.write.county adds the county's other sheets with the same looks; bairi.write.book draws.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from bairi.core.calendar import month_text
from bairi.core.campaign import Campaign
from bairi.core.form import Form
from bairi.core.refs import col_letters
from bairi.write.book import (
    Alignment,
    Border,
    Font,
    Look,
    PatternFill,
    Side,
    merge,
    print_setup,
    put,
    put_row,
    save,
    set_height,
    set_width,
)

__all__ = ["OPTIONS_SHEET", "box", "form_width", "lay_form", "save", "template_workbook", "write_template"]

SONG = "宋体"
# Hazard columns spread over the notice's width: (first column, last column), 1-based; the detail column takes
# whatever a wider form adds.
HAZARD_SPANS: dict[str, tuple[int, int]] = {
    "seq": (1, 1), "enterprise": (2, 4), "town": (5, 6), "category": (7, 8), "supervisor": (9, 10), "detail": (11, 14),
}


def form_width(form: Form) -> int:
    """A form's width in columns: the row label plus its figure columns."""
    return 1 + len(form.columns)


def hazard_spans(form: Form) -> dict[str, tuple[int, int]]:
    """Where each hazard column sits on a form, in the form's order of them, each as wide as on the notice's
    form (the last one widened to the form's last column)."""
    spans: dict[str, tuple[int, int]] = {}
    col = 1
    for column in form.hazard_columns:
        first, last = HAZARD_SPANS[column.key]
        spans[column.key] = (col, col + last - first)
        col += last - first + 1
    if form.hazard_columns:
        key = form.hazard_columns[-1].key
        spans[key] = (spans[key][0], max(form_width(form), spans[key][1]))
    return spans
TITLE_ROW, UNIT_ROW, FILLER_ROW, DATE_ROW, HEAD_ROW, SUB_ROW, PERIOD_ROW_N, CUM_ROW_N = 1, 2, 3, 4, 5, 6, 7, 8
HAZARD_TITLE_ROW, HAZARD_HEAD_ROW = 10, 11
COUNT_FORMAT = "0"
AMOUNT_FORMAT = "0.####"

# The parts of the looks, each made once; colours are opaque ARGB, as Excel writes them.
# 五号 (10.5 pt): the size the city's printed forms use, and the least it reads at on paper.
BODY_FONT = Font(name=SONG, size=10.5)
HEAD_FONT = Font(name=SONG, size=10.5, bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
THIN = Side(style="thin", color="FF000000")
FRAME = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNDERLINED = Border(bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFFFF7D6")


# The looks the layout uses (each a named style in the workbook); a bordered box's covered cells take BODY
# so the frame is drawn all round.
HEADING = Look("bairi 标题", Font(name="黑体", size=16, bold=True), CENTER)
HEAD = Look("bairi 表头", HEAD_FONT, CENTER, FRAME)
BODY = Look("bairi 正文", BODY_FONT, CENTER, FRAME)
BODY_LEFT = Look("bairi 正文·左", BODY_FONT, LEFT, FRAME)
LABEL = Look("bairi 栏目", HEAD_FONT, RIGHT)
UNDERLINE = Look("bairi 下划线", border=UNDERLINED)
FIELD = Look("bairi 填写栏", BODY_FONT, LEFT, UNDERLINED)
DATE_FIELD = FIELD.but("bairi 填写栏·日期", number_format='yyyy"年"m"月"d"日"')
COUNT = BODY.but("bairi 个数", number_format=COUNT_FORMAT)
AMOUNT = BODY.but("bairi 金额", number_format=AMOUNT_FORMAT)
HEAD_COUNT = HEAD.but("bairi 表头·个数", number_format=COUNT_FORMAT)
HEAD_AMOUNT = HEAD.but("bairi 表头·金额", number_format=AMOUNT_FORMAT)
SECTION = Look("bairi 小标题", Font(name=SONG, size=12, bold=True), CENTER)
TABLE_TITLE = Look("bairi 表名", Font(name=SONG, size=14, bold=True), CENTER)
NOTE = Look("bairi 注", Font(name=SONG, size=10.5, bold=True, color="FFC00000"), LEFT)
STAMP = BODY.but("bairi 时间", number_format="yyyy-mm-dd hh:mm")
DAY = BODY.but("bairi 日期", number_format="yyyy-mm-dd")
RATE = BODY.but("bairi 比率", number_format="0.0")
HEAD_RATE = HEAD.but("bairi 表头·比率", number_format="0.0")


def box(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int,
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
    merges: list[tuple[int, int]] = []
    looks: list[Look | None] = []
    slots: list[int] = []
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
    title: str | None = None,
    for_input: bool = False,
) -> int:
    """Lay out the campaign's attachment form on an openpyxl worksheet, filled with what is given; returns the last
    row used."""
    entry = _input_look if for_input else _same_look
    form = campaign.form_spec
    width, spans = form_width(form), hazard_spans(form)
    box(ws, TITLE_ROW, 1, TITLE_ROW, width, form.title if title is None else title, HEADING)
    set_height(ws, TITLE_ROW, 36)
    labels = {f.key: f"{f.label}：" for f in form.fields}
    for row, label, value in ((UNIT_ROW, labels["unit"], unit), (FILLER_ROW, labels["filler"], filler),
                              (DATE_ROW, labels["filled_on"], filled_on)):
        box(ws, row, 1, row, 2, label, LABEL)
        box(ws, row, 3, row, 7, value if value else None, entry(DATE_FIELD if row == DATE_ROW else FIELD),
             cover=UNDERLINE)

    box(ws, HEAD_ROW, 1, SUB_ROW, 1, form.row_label_header, HEAD)
    col = 2
    groups_done = set()
    for column in form.columns:
        if column.group:
            if column.group not in groups_done:
                box(ws, HEAD_ROW, col, HEAD_ROW, col + 1, column.group, HEAD)
                groups_done.add(column.group)
            box(ws, SUB_ROW, col, SUB_ROW, col, f"{column.header}\n（{column.unit}）", HEAD)
        else:
            box(ws, HEAD_ROW, col, SUB_ROW, col, f"{column.header}\n（{column.unit}）", HEAD)
        set_width(ws, col, column.width)
        col += 1
    set_width(ws, 1, 10)
    set_height(ws, HEAD_ROW, 30)
    set_height(ws, SUB_ROW, 58)

    figures = [entry(COUNT if column.kind == "count" else AMOUNT) for column in form.columns]
    for row, label, values in ((PERIOD_ROW_N, form.period_row.label, period),
                               (CUM_ROW_N, form.cumulative_row.label, cumulative)):
        box(ws, row, 1, row, 1, label, HEAD)
        set_height(ws, row, 24)
        values = values or {}
        put_row(ws, row, 2, [values.get(column.key) for column in form.columns], figures)

    box(ws, HAZARD_TITLE_ROW, 1, HAZARD_TITLE_ROW, width, form.hazard_title, SECTION)
    for hazard_column in form.hazard_columns:
        first, last = spans[hazard_column.key]
        box(ws, HAZARD_HEAD_ROW, first, HAZARD_HEAD_ROW, last, hazard_column.header, HEAD)
    keys, widths = form.hazard_keys, _form_widths(form)
    looks = {key: BODY if key in ("seq", "town", "category") else BODY_LEFT for key in keys}
    filled = _strip([(*spans[key], looks[key]) for key in keys])
    row = HAZARD_HEAD_ROW
    count = 0
    for count, hazard in enumerate(hazards, start=1):
        row = HAZARD_HEAD_ROW + count
        _put_strip(ws, row, 1, filled, [count if key == "seq" else (hazard.get(key) or None) for key in keys])
        lines = max(_lines(hazard.get(key) or "", spans[key], widths) for key in keys if key != "seq")
        if lines > 1:
            # Neither Excel nor LibreOffice grows a row for wrapped text in merged cells: without this a long
            # 隐患描述 spills over the rows below it on screen and on paper.
            set_height(ws, row, min(LINE_POINTS * lines + 4, MAX_ROW_POINTS))
    blank = _strip([(*spans[key], looks[key] if key == "seq" else entry(looks[key])) for key in keys])
    for extra in range(1, blank_hazard_rows + 1):
        row = HAZARD_HEAD_ROW + count + extra
        _put_strip(ws, row, 1, blank, [count + extra if key == "seq" else None for key in keys])
        set_height(ws, row, BLANK_ROW_POINTS)
    print_setup(ws)
    # A long 重大隐患明细 runs over pages: each page repeats its header, so no column is left unnamed.
    ws.print_title_rows = f"{HAZARD_HEAD_ROW}:{HAZARD_HEAD_ROW}"
    return row


LINE_POINTS = 14.25  # one line of 10.5-point 宋体
BLANK_ROW_POINTS = 18  # a blank hazard row of the template: one line of writing
MAX_ROW_POINTS = 409  # Excel refuses a taller row


def _form_widths(form: Form) -> dict[int, float]:
    """Column widths as a form sets them (1-based): the row label, then each figure column."""
    return {1: 10.0, **{index: column.width for index, column in enumerate(form.columns, start=2)}}


def _lines(text: str, span: tuple[int, int], widths: dict[int, float]) -> int:
    """How many lines `text` wraps to in a box over columns span of those widths (a CJK character is two width
    units)."""
    if not text:
        return 1
    room = max(sum(widths.get(c, 8.43) for c in range(span[0], span[1] + 1)) - 1, 2)
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
    letter = col_letters(column)
    return f"'{OPTIONS_SHEET}'!${letter}$1:${letter}${len(values)}"


def _validations(ws: Worksheet, campaign: Campaign, last_hazard_row: int) -> None:
    counts = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="请填写整数", error="此处应填写不小于0的整数。")
    form = campaign.form_spec
    amount_columns = [column for column in form.columns if column.kind == "amount"]
    # Named by the form's own headers (行政罚款, 经济处罚 …), in 万元 only when every amount column is.
    named = "、".join(column.header for column in amount_columns)
    amounts = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             showErrorMessage=True, errorTitle="请填写数字",
                             error=f"{named}以万元计，填写不小于0的数字。"
                             if {column.unit for column in amount_columns} <= {"万", "万元"}
                             else "此处填写不小于0的数字（单位见表头）。")
    for index, column in enumerate(form.columns, start=2):
        letter = col_letters(index)
        (counts if column.kind == "count" else amounts).add(f"{letter}{PERIOD_ROW_N}:{letter}{CUM_ROW_N}")
    dated = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                           showErrorMessage=True, errorTitle="请填写日期", error="请填写日期，如2023-12-24。")
    dated.add(f"C{DATE_ROW}")
    first = HAZARD_HEAD_ROW + 1
    categories = DataValidation(type="list", formula1=_choices(ws, 1, campaign.categories), allow_blank=True)
    spans = hazard_spans(form)
    category, town = col_letters(spans["category"][0]), col_letters(spans["town"][0])
    categories.add(f"{category}{first}:{category}{last_hazard_row}")
    towns = DataValidation(type="list", formula1=_choices(ws, 2, [u.name for u in campaign.units]), allow_blank=True)
    towns.add(f"{town}{first}:{town}{last_hazard_row}")
    for validation in (counts, amounts, dated, categories, towns):
        ws.add_data_validation(validation)


def template_title(form: Form, period: str | None) -> str:
    """The form's title, with the month when the template is for one: …工作报告表（2023年12月）."""
    title = form.title
    return title if not period else f"{title}（{month_text(period)}）"


def template_workbook(campaign: Campaign, town: str | None = None, hazard_rows: int = 15,
                      period: str | None = None) -> Workbook:
    """The blank return for towns to fill: input cells shaded and unlocked, the rest protected,
    drop-downs for categories and towns; the month in the title when `period` is given."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = "工作报告表"
    last = lay_form(ws, campaign, unit=town or "", blank_hazard_rows=hazard_rows, for_input=True,
                    title=template_title(campaign.form_spec, period))
    _validations(ws, campaign, last)
    # On paper the blank form is one page, and the shading that marks the input cells on screen is not printed.
    ws.page_setup.fitToHeight = 1
    ws.print_options.gridLines = False
    ws.page_setup.blackAndWhite = True
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    return workbook


def write_template(path: Path, campaign: Campaign, town: str | None = None, period: str | None = None) -> None:
    """Write the blank return to `path` (for the month `period` when given)."""
    save(template_workbook(campaign, town, period=period), path)


class TemplateAsk(Exception):
    """The template asked for does not fit the campaign (a period or town not in it; said in Chinese, exit 2)."""


def template_period(campaign: Campaign, period: str | None) -> str | None:
    """`period` when it is one of the campaign's reporting periods (or None); TemplateAsk otherwise."""
    if period is not None:
        periods = [p.period for p in campaign.periods]
        if period not in periods:
            raise TemplateAsk(f"--period 应为本次行动的报告期之一：{'、'.join(periods)}")
    return period


def template_town(campaign: Campaign, town: str | None) -> str | None:
    """The unit `town` names (its alias or old name resolved), the county itself, or None; TemplateAsk otherwise."""
    if town is not None and campaign.unit(town) is None and town != campaign.authority:
        from bairi.core.names import resolve_unit

        resolved = resolve_unit(town, campaign)
        if resolved is None:
            raise TemplateAsk(f"“{town}”不是本次行动的报送单位（可选：{'、'.join(u.name for u in campaign.units)}）")
        return resolved
    return town


def template_name(unit: str, period: str | None) -> str:
    """The file name of one town's blank return: 巴公镇_2023年12月_百日攻坚工作报告表.xlsx (no month without a period)."""
    month = f"{month_text(period)}_" if period else ""
    return f"{unit}_{month}百日攻坚工作报告表.xlsx"


def write_templates(folder: Path, campaign: Campaign, period: str | None = None) -> Iterator[Path]:
    """Write one blank return per town into `folder` (created if needed), yielding each file as it is written."""
    folder.mkdir(parents=True, exist_ok=True)
    for unit in campaign.units:
        target = folder / template_name(unit.name, period)
        write_template(target, campaign, unit.name, period)
        yield target
