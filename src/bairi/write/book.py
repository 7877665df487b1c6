"""Drawing on openpyxl worksheets: cell looks as named styles, values that stay what they are, merges,
print setup, column charts, and saving atomically.

Every workbook bairi writes (the template for towns, the county's merged return, the returns tests and
generators build) goes through these few functions, so openpyxl is the one writer.
"""

from __future__ import annotations

import io
import math
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.styles import (
    Alignment,
    Border,
    Font,
    NamedStyle,
    PatternFill,
    Protection,
    Side,
)
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import quote_sheetname
from openpyxl.workbook import Workbook
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from bairi.core.atomic import write_atomic
from bairi.core.refs import col_letters

__all__ = ["Alignment", "Border", "Font", "Look", "PatternFill", "Side", "bar_chart", "merge", "print_setup",
           "put", "put_row", "save", "set_height", "set_width", "solid", "to_bytes"]

MAX_TEXT = 32_767  # Excel's limit on the characters (UTF-16 units) in one cell
FIRST_DAY = date(1900, 3, 1)  # Excel's serials are right from here on (before: Lotus's leap day, negatives)
# Characters XML 1.0 cannot carry (and CR, which XML parsers turn into LF), written as Excel does: _xHHHH_.
# An underscore that would otherwise start such an escape is itself escaped (_x005F_), as Excel does.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


@dataclass(frozen=True, eq=False)
class Look:
    """A cell's whole appearance, declared once, as a named style: each workbook gets it (one
    openpyxl NamedStyle) the first time one of its cells takes it."""

    name: str
    font: Font = DEFAULT_FONT  # the workbook's own (Calibri 11), as a cell without a style has
    alignment: Alignment = field(default_factory=Alignment)
    border: Border = field(default_factory=Border)
    fill: PatternFill = field(default_factory=PatternFill)
    number_format: str = "General"
    locked: bool = True

    def but(self, name: str, **changes: Any) -> Look:
        """The same look under another name with some parts changed."""
        return replace(self, name=name, **changes)

    def named_style(self) -> NamedStyle:
        """A new openpyxl NamedStyle of this look (one per workbook: a NamedStyle belongs to the book it is in)."""
        return NamedStyle(name=self.name, font=self.font, alignment=self.alignment, border=self.border,
                          fill=self.fill, number_format=self.number_format, protection=Protection(locked=self.locked))


# Per workbook, the looks whose named styles it holds already.
_REGISTERED: weakref.WeakKeyDictionary[Workbook, set[str]] = weakref.WeakKeyDictionary()


def _register(workbook: Workbook, look: Look) -> None:
    names = _REGISTERED.setdefault(workbook, set())
    if look.name not in names:
        if look.name not in workbook.named_styles:
            workbook.add_named_style(look.named_style())
        names.add(look.name)


def _escape_char(match: re.Match[str]) -> str:
    return "_x005F_" if match[0] == "_" else f"_x{ord(match[0]):04X}_"


def capped(text: str) -> str:
    """Text cut to what one cell holds (32,767 UTF-16 units, as Excel counts), ending in … when it was cut."""
    if len(text) <= MAX_TEXT // 2 or len(text.encode("utf-16-le", "surrogatepass")) // 2 <= MAX_TEXT:
        return text
    units = 0
    for end, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_TEXT - 1:  # room for the …
            return text[:end] + "…"
    return text


def cell_text(text: str) -> str:
    """Text as a cell can hold it: characters XML cannot carry written Excel's way, cut to a cell's length."""
    if _NOT_XML.search(text) is not None:
        text = _NOT_XML.sub(_escape_char, text)
    return capped(text)


def cell_value(value: Any) -> Any:
    """What goes into an openpyxl cell for a value bairi writes: exact figures, clock times, old dates as words."""
    kind = type(value)
    if kind is int or kind is float and math.isfinite(value) or value is None:
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return "#NUM!"
        # openpyxl writes every number with 16 significant digits, a Decimal too: one of up to 15 (a fine of
        # 99,999,999,999.9999 万元) comes back digit for digit.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int):  # a subclass, such as an IntEnum
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else "#NUM!"
    if isinstance(value, (date, time)):
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and day < FIRST_DAY:
            return value.isoformat()
        if isinstance(value, (datetime, time)) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones: the time as read on the clock
        return value
    raise TypeError(f"cannot write a {type(value).__name__} to a cell")


def put(ws: Worksheet, row: int, col: int, value: Any = None, look: Look | None = None) -> None:
    """Set a cell's value and look; text is always text (a leading = + - @ never makes a formula)."""
    cell = ws.cell(row, col)
    if look is not None:
        _register(ws.parent, look)
        cell.style = look.name
    if isinstance(value, str):
        if value:
            cell.value = cell_text(value)
            cell.data_type = "s"
        else:
            cell.value = None  # an empty text is an empty cell, as Excel has it
    elif value is not None:
        written = cell_value(value)
        cell.value = written
        if isinstance(written, str) and written != "#NUM!":
            cell.data_type = "s"


def put_row(ws: Worksheet, row: int, col: int, values: Sequence[Any],
            looks: Look | Sequence[Look | None] | None = None) -> None:
    """Set cells side by side from `col` on: one look for all, or one look per value."""
    if looks is None or isinstance(looks, Look):
        looks = [looks] * len(values)
    for offset, (value, look) in enumerate(zip(values, looks)):
        put(ws, row, col + offset, value, look)


def merge(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Merge a range the layout knows overlaps no other.

    ws.merge_cells tests each new range against every earlier one: 4,000 merges take 3 s, and the
    province's county workbook has 18,500 (four per hazard row, five per town), about a minute.
    The range goes into the sheet's set of merged ranges directly; every covered cell exists (as
    openpyxl's own merge leaves them, so ws.unmerge_cells works) and keeps the look the layout gives it
    (bordered ones draw the frame all round).
    """
    ws.merged_cells.ranges.add(MergedCellRange(
        ws, f"{col_letters(first_col)}{first_row}:{col_letters(last_col)}{last_row}"))
    for row in range(first_row, last_row + 1):
        for col in range(first_col, last_col + 1):
            ws.cell(row, col)


def set_width(ws: Worksheet, col: int, characters: float) -> None:
    """A column's width, in characters of the default font."""
    ws.column_dimensions[col_letters(col)].width = characters


def set_height(ws: Worksheet, row: int, points: float) -> None:
    """A row's height, in points."""
    ws.row_dimensions[row].height = points


def solid(colour: str) -> PatternFill:
    """A solid fill of an ARGB colour."""
    return PatternFill("solid", fgColor=colour)


def print_setup(ws: Worksheet) -> None:
    """A4 landscape, one page wide and as long as needed, centred, narrow margins; gridlines off on screen."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    # The footer sits in the bottom margin: room for a whole line of it, or LibreOffice cuts it in half.
    ws.page_margins.bottom = 0.8
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.sheet_view.showGridLines = False
    # Printed sheets go to the city stapled: each page says which it is, and of how many.
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9


SERIES_COLOURS = ("4F81BD", "C0504D", "9BBB59", "8064A2", "4BACC6", "F79646")  # Office's classic palette


def _line(colour: str) -> GraphicalProperties:
    return GraphicalProperties(ln=LineProperties(solidFill=colour, w=9525))


def bar_chart(ws: Worksheet, title: str, *, anchor: str, header_row: int, first_row: int, last_row: int,
              category_col: int, value_cols: Sequence[int], y_title: str = "", width_cm: float = 24.0,
              height_cm: float = 9.0, whole: float | None = None) -> None:
    """A clustered column chart of this sheet's rows: categories from one column, a series per value column."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.varyColors = False
    chart.roundedCorners = False
    chart.title = title
    chart.width, chart.height = width_cm, height_cm
    chart.legend.position = "r"
    for col in value_cols:
        chart.add_data(Reference(ws, min_col=col, max_col=col, min_row=header_row, max_row=last_row),
                       titles_from_data=True)
    sheet = quote_sheetname(ws.title)
    letter = col_letters(category_col)
    # Colours are given outright, as Office's classic look: LibreOffice and Excel then draw the same.
    for n, (series, col) in enumerate(zip(chart.series, value_cols)):
        series.tx.strRef.f = f"{sheet}!${col_letters(col)}${header_row}"
        # The towns' names are text: a text reference, as Excel itself writes for text categories.
        series.cat = AxDataSource(strRef=StrRef(f=f"{sheet}!${letter}${first_row}:${letter}${last_row}"))
        series.graphicalProperties.solidFill = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        series.invertIfNegative = False
    for axis in (chart.x_axis, chart.y_axis):
        # openpyxl marks axes deleted unless told otherwise; Excel then draws a chart without them.
        axis.delete = False
        axis.majorTickMark = axis.minorTickMark = None
        axis.tickLblPos = "nextTo"
        axis.number_format = "General"
        axis.numFmt.sourceLinked = True
        axis.graphicalProperties = _line("868686")
        axis.crosses = "autoZero"
    chart.x_axis.axPos = "b"
    chart.y_axis.crossBetween = "between"
    chart.x_axis.majorGridlines = None
    chart.y_axis.majorGridlines = ChartLines(spPr=_line("D9D9D9"))
    chart.y_axis.title = y_title or None
    if whole is not None:
        # Counts of hazards: ticks at whole numbers (1, 2, 5, 10, 20, 50 …), never 0.5 of a hazard.
        chart.y_axis.majorUnit = whole_step(whole)
        chart.y_axis.scaling.min = 0
        chart.y_axis.number_format = "0"
        chart.y_axis.numFmt.sourceLinked = False
    ws.add_chart(chart, anchor)


def whole_step(largest: float, ticks: int = 6) -> int:
    """A whole-number tick step (1, 2, 5 × 10ⁿ) that shows 0..largest in about `ticks` steps."""
    raw = max(largest, 1) / ticks
    power = 10 ** max(math.floor(math.log10(raw)), 0) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def to_bytes(workbook: Workbook) -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def save(workbook: Workbook, path: Path) -> None:
    """Save atomically: the old file stays intact until the new one is complete."""
    write_atomic(path, to_bytes(workbook))
