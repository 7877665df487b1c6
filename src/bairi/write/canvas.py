"""The drawing interface over openpyxl: what bairi.xlsx.Sheet does, done on an openpyxl Worksheet.

workbook.py lays its forms out through this interface; this back end serves the template (drop-downs and
protection need openpyxl) and the tests and generators that edit returns with openpyxl afterwards.
openpyxl itself is imported inside the methods, so loading this module costs nothing.
"""

from __future__ import annotations

import weakref
from copy import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

from bairi.write.xlsx import Book, Look, column_letter


def put_text(cell: Any, value: str) -> None:
    """Write text that stays text in an openpyxl cell: a leading = + - @ never becomes a formula."""
    cell.value = value
    cell.data_type = "s"


def _figure(value: Any) -> Any:
    # openpyxl writes floats with repr(); a Decimal of up to 15 digits survives float() exactly as text.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# Per openpyxl workbook: each look's built style (looks hash by identity, so this is one quick lookup).
_STYLES: "weakref.WeakKeyDictionary[Any, dict[Look, Any]]" = weakref.WeakKeyDictionary()


class OpenpyxlSheet:
    """The drawing interface over an openpyxl Worksheet (the template, tests, sample data)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def put(self, row: int, col: int, value: Any = None, look: Look | None = None) -> None:
        """Set a cell's value and look; text stays text."""
        cell = self.ws.cell(row, col)
        if isinstance(value, str):
            put_text(cell, value)
        elif isinstance(value, datetime):
            cell.value = value.replace(tzinfo=None)  # Excel has no time zones: the time as read on the clock
        elif value is not None:
            cell.value = _figure(value)
        if look is not None:
            self._style(cell, look)

    def put_row(self, row: int, col: int, values: Any, looks: Any) -> None:
        """Set cells side by side: one look for all, or one per value."""
        if looks is None or isinstance(looks, Look):
            looks = [looks] * len(values)
        for offset, (value, look) in enumerate(zip(values, looks)):
            self.put(row, col + offset, value, look)

    def _style(self, cell: Any, look: Look) -> None:
        """Each distinct look is built once per workbook and its style copied after that."""
        cache = _STYLES.setdefault(self.ws.parent, {})
        known = cache.get(look)
        if known is not None:
            cell._style = copy(known)
            return
        from openpyxl.styles import Alignment, Border, Font as OFont, PatternFill, Protection, Side

        if look.font is not None:
            f = look.font
            cell.font = OFont(name=f.name, size=f.size, bold=True if f.bold else None, color=f.color)
        if look.align is not None:
            a = look.align
            cell.alignment = Alignment(horizontal=a.horizontal, vertical=a.vertical, wrap_text=True if a.wrap else None)
        if look.border is not None:
            thin = Side(style="thin", color="000000")
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin) if look.border == "all" \
                else Border(bottom=thin)
        if look.number_format:
            cell.number_format = look.number_format
        if look.fill is not None:
            cell.fill = PatternFill("solid", fgColor=look.fill)
        if not look.locked:
            cell.protection = Protection(locked=False)
        cache[look] = copy(cell._style)

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Merge a range we know overlaps no other (openpyxl's own check is quadratic in the merges)."""
        from openpyxl.worksheet.merge import MergedCell, MergedCellRange

        ws = self.ws
        ws.merged_cells.ranges.add(MergedCellRange(ws, f"{column_letter(first_col)}{first_row}:"
                                                       f"{column_letter(last_col)}{last_row}"))
        # Placeholders for the covered cells; borders are drawn by _box, so openpyxl's slow format() is not needed.
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                if (row, col) != (first_row, first_col):
                    ws._cells[row, col] = MergedCell(ws, row, col)

    def width(self, col: int, width: float) -> None:
        """A column's width."""
        self.ws.column_dimensions[column_letter(col)].width = width

    def height(self, row: int, height: float) -> None:
        """A row's height."""
        self.ws.row_dimensions[row].height = height

    def freeze(self, ref: str | None) -> None:
        """Freeze panes above and left of `ref`."""
        self.ws.freeze_panes = ref

    def print_setup(self) -> None:
        """A4 landscape, one page wide, centred, narrow margins; gridlines off."""
        ws = self.ws
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.sheet_view.showGridLines = False

    def print_titles(self, first_row: int, last_row: int) -> None:
        """Rows repeated at the top of every printed page."""
        self.ws.print_title_rows = f"{first_row}:{last_row}"

    def finish(self) -> None:
        """Nothing to do: openpyxl writes every sheet when the workbook is saved."""

    def bar_chart(self, title: str, *, anchor: str, header_row: int, first_row: int, last_row: int,
                  category_col: int, value_cols: tuple[int, ...], y_title: str = "", width_cm: float = 24.0,
                  height_cm: float = 9.0) -> None:
        """A clustered column chart of columns of this sheet."""
        from openpyxl.chart import BarChart, Reference

        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.y_axis.title = y_title or None
        chart.height, chart.width = height_cm, width_cm
        ws = self.ws
        for col in value_cols:
            chart.add_data(Reference(ws, min_col=col, max_col=col, min_row=header_row, max_row=last_row),
                           titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=category_col, min_row=first_row, max_row=last_row))
        ws.add_chart(chart, anchor)


class OpenpyxlBook:
    """An openpyxl Workbook behind xlsx.Book's interface: merged_workbook(..., book=OpenpyxlBook()) lays
    the county's workbook out with openpyxl, so tests can hold the fast writer to the same result."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)

    def sheet(self, title: str, hidden: bool = False) -> OpenpyxlSheet:
        """A new sheet at the end."""
        ws = self.workbook.create_sheet(title)
        if hidden:
            ws.sheet_state = "hidden"
        return OpenpyxlSheet(ws)

    def to_bytes(self) -> bytes:
        """The workbook as .xlsx bytes."""
        return to_bytes(self.workbook)


def to_bytes(workbook: Any) -> bytes:
    """The workbook (openpyxl, or bairi.xlsx.Book, or OpenpyxlBook) as .xlsx bytes."""
    if isinstance(workbook, (Book, OpenpyxlBook)):
        return workbook.to_bytes()
    import io

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
