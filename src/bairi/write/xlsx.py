"""A small, fast writer of .xlsx files (SpreadsheetML) with the standard library (and bairi's column letters).

Covers what bairi's workbooks use: values that stay what they are (text never becomes a formula, a
Decimal is written exactly), cell looks, merged ranges, row heights and column widths, frozen panes,
print setup with repeated title rows, hidden sheets and clustered bar charts. Each cell is turned into
its XML when it is put and kept by row; saving sorts the rows once and joins them, compressing one
part while the next is built. The bytes are the same on every run (fixed times inside the zip).
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from itertools import repeat
from typing import Any, Sequence

from bairi.core.refs import col_number, column_letters

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_TEXT = 32_767  # Excel's limit on the characters in one cell
MAX_SHEET_NAME = 31
EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system, right from 1900-03-01 on
FIRST_DAY = date(1900, 3, 1)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
EMU_PER_CM = 360_000

# Formats Excel knows by number; anything else is declared in styles.xml from id 164 on.
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10,
                   "0.00E+00": 11, "@": 49}
BORDERS = ("all", "bottom")
HORIZONTAL = ("general", "left", "center", "right", "fill", "justify", "centerContinuous", "distributed")
VERTICAL = ("top", "center", "bottom", "justify", "distributed")

_HEX6 = re.compile(r"[0-9A-Fa-f]{6}")
_BAD_NAME = re.compile(r"[\[\]:*?/\\]")
_CONTROL = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters XML 1.0 cannot carry (and CR, which XML parsers turn into LF), written as Excel does: _xHHHH_.
# An underscore that would otherwise start such an escape is itself escaped (_x005F_), as Excel does.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


class XlsxError(ValueError):
    """What was asked cannot be written as a valid workbook (a programming error, not bad data)."""


@dataclass(frozen=True)
class Font:
    """A font: name (None: the workbook's default), size in points, bold, colour as RRGGBB."""

    name: str | None = None
    size: float = 11
    bold: bool = False
    color: str | None = None


@dataclass(frozen=True)
class Align:
    """Horizontal and vertical alignment and text wrapping."""

    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False


@dataclass(frozen=True, eq=False)
class Look:
    """Everything about a cell's appearance; each distinct look becomes one style in the file.

    Looks compare by identity (so finding a cell's style is one fast dictionary lookup); two equal
    looks still share one style in the file.
    """

    font: Font | None = None
    align: Align | None = None
    border: str | None = None  # "all" (thin, all round) or "bottom" (thin underline)
    fill: str | None = None  # solid fill colour as RRGGBB
    number_format: str | None = None
    locked: bool = True


PLAIN = Look()


@dataclass(frozen=True)
class BarChart:
    """A clustered column chart of some columns of a sheet, one series per column."""

    title: str
    anchor: tuple[int, int]  # (row, column) of the cell the chart's top-left corner sits on
    header_row: int  # the row holding the series titles
    first_row: int
    last_row: int
    category_col: int
    value_cols: tuple[int, ...]
    y_title: str = ""
    width_cm: float = 24.0
    height_cm: float = 9.0


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    if not 1 <= col <= MAX_COLS:
        raise XlsxError(f"column {col} is outside 1..{MAX_COLS}")
    return column_letters(col)[col]


def cell_ref(row: int, col: int, absolute: bool = False) -> str:
    """(7, 3) → C7, or $C$7."""
    if not 1 <= row <= MAX_ROWS:
        raise XlsxError(f"row {row} is outside 1..{MAX_ROWS}")
    return f"${column_letter(col)}${row}" if absolute else f"{column_letter(col)}{row}"


def parse_ref(ref: str) -> tuple[int, int]:
    """C7 → (7, 3)."""
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?([0-9]+)", ref)
    if not match:
        raise XlsxError(f"not a cell reference: {ref!r}")
    col = col_number(match[1])
    row = int(match[2])
    cell_ref(row, col)  # range check
    return row, col


def _escape_char(match: "re.Match[str]") -> str:
    return "_x005F_" if match[0] == "_" else f"_x{ord(match[0]):04X}_"


def xml_text(value: str) -> str:
    """Text as it goes between XML tags: escaped, illegal characters written Excel's way."""
    if _NOT_XML.search(value) is not None:
        value = _NOT_XML.sub(_escape_char, value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(value: str) -> str:
    """Text as it goes inside a double-quoted XML attribute (no Excel escapes: names, formats)."""
    value = _CONTROL.sub(lambda m: m[0] if m[0] in "\t\n\r" else "\ufffd", value)
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


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


def check_sheet_name(name: str) -> str:
    """The name if Excel accepts it for a sheet, else XlsxError."""
    if not name or len(name) > MAX_SHEET_NAME or _BAD_NAME.search(name) or name[0] == "'" or name[-1] == "'" \
            or _CONTROL.search(name) or name.lower() == "history":
        raise XlsxError(f"invalid sheet name: {name!r}")
    return name


def quote_sheet(name: str) -> str:
    """A sheet name as formulas refer to it: '图表'."""
    return "'" + name.replace("'", "''") + "'"


def _serial(value: date | datetime | time) -> str:
    """A date or time as Excel's serial number (days since 1899-12-30, time as the fraction)."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - datetime(1899, 12, 30)
        days = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return repr(days) if days != int(days) else str(int(days))
    if isinstance(value, date):
        return str((value - EPOCH).days)
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return repr(seconds / 86400)


def _decimal_text(value: Decimal) -> str | None:
    """A finite Decimal as an exact number literal (no exponent for ordinary magnitudes), else None."""
    if not value.is_finite():
        return None
    value = value.normalize()
    if -30 < value.adjusted() < 30:
        return format(value, "f")
    return str(value)




class Sheet:
    """One worksheet: cells by row, merges, sizes, panes, print setup and charts.

    Each cell becomes its XML as it is put (its style and shared string numbered then), so saving
    only sorts the rows and joins them.
    """

    def __init__(self, book: "Book", title: str, hidden: bool = False) -> None:
        self.book = book
        self.title = title
        self.hidden = hidden
        self.rows: dict[int, dict[int, str]] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.widths: dict[int, float] = {}
        self.heights: dict[int, float] = {}
        self.frozen: tuple[int, int] | None = None
        self.gridlines = True
        self.page: dict[str, Any] | None = None
        self.titles: tuple[int, int] | None = None
        self.charts: list[BarChart] = []
        self._part: _Deflated | None = None
        self._unsorted: set[int] = set()

    def put(self, row: int, col: int, value: Any = None, look: Look | None = None) -> None:
        """Set a cell's value and look; text is always text (a leading = + - @ never makes a formula)."""
        self.put_row(row, col, (value,), look)

    def put_row(self, row: int, col: int, values: Sequence[Any],
                looks: Look | Sequence[Look | None] | None = None) -> None:
        """Set cells side by side from `col` on: one look for all, or one look per value."""
        last_col = col + len(values) - 1
        if not (1 <= row <= MAX_ROWS and 1 <= col and last_col <= MAX_COLS) or self._part is not None:
            self._open()
            raise XlsxError(f"cells {row},{col}..{last_col} are outside the sheet")
        cells = self.rows.get(row)
        if cells is None:
            cells = self.rows[row] = {}
        elif cells and col <= next(reversed(cells)):
            self._unsorted.add(row)  # saving must sort this row's cells by column
        if looks is None or isinstance(looks, Look):
            looks = repeat(looks)
        book = self.book
        attrs = book._styles.attrs
        sst = book._strings.index
        letters = column_letters(last_col)
        rs = str(row)
        last: Any = attrs  # no look is this object
        s = ""
        for c, value, look in zip(range(col, last_col + 1), values, looks):
            if look is not last:
                last = look
                s = attrs.get(look)
                if s is None:
                    s = book._styles.attr(look)
            kind = type(value)
            if kind is str:
                if value:
                    i = sst.get(value)
                    if i is None:
                        i = book._strings.add(value)
                    cells[c] = f'<c r="{letters[c]}{rs}"{s} t="s"><v>{i}</v></c>'
                elif s:
                    cells[c] = f'<c r="{letters[c]}{rs}"{s}/>'
                else:
                    cells.pop(c, None)
            elif kind is int:
                cells[c] = f'<c r="{letters[c]}{rs}"{s}><v>{value}</v></c>'
            elif kind is float and value - value == 0:  # finite
                cells[c] = f'<c r="{letters[c]}{rs}"{s}><v>{value!r}</v></c>'
            elif value is None:
                if s:
                    cells[c] = f'<c r="{letters[c]}{rs}"{s}/>'
                else:
                    cells.pop(c, None)
            else:
                cells[c] = self._other(letters[c] + rs, value, look)

    def _other(self, ref: str, value: Any, look: Look | None) -> str:
        """A cell holding anything but text, an int, a finite float or nothing (the rarer kinds)."""
        styles = self.book._styles
        s = styles.attr(look)
        if isinstance(value, bool):
            return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, str):  # a str subclass
            return f'<c r="{ref}"{s} t="s"><v>{self.book._strings.get(str(value))}</v></c>' if value \
                else f'<c r="{ref}"{s}/>'
        if isinstance(value, int):
            return f'<c r="{ref}"{s}><v>{int(value)}</v></c>'
        if isinstance(value, float):
            if math.isfinite(value):
                return f'<c r="{ref}"{s}><v>{float(value)!r}</v></c>'
            return f'<c r="{ref}"{s} t="e"><v>#NUM!</v></c>'
        if isinstance(value, Decimal):
            text = _decimal_text(value)
            if text is None:
                return f'<c r="{ref}"{s} t="e"><v>#NUM!</v></c>'
            return f'<c r="{ref}"{s}><v>{text}</v></c>'
        if isinstance(value, (date, time)):
            day = value.date() if isinstance(value, datetime) else value
            if isinstance(day, date) and day < FIRST_DAY:
                # Before 1900-03-01 Excel's serials are off by Lotus's leap day, before 1900 negative: say it in words.
                return f'<c r="{ref}"{s} t="s"><v>{self.book._strings.get(value.isoformat())}</v></c>'
            if look is None or look.number_format is None:
                fmt = DATETIME_FORMAT if isinstance(value, datetime) else (
                    DATE_FORMAT if isinstance(value, date) else TIME_FORMAT)
                s = styles.attr(styles.with_format(look, fmt))
            return f'<c r="{ref}"{s}><v>{_serial(value)}</v></c>'
        raise XlsxError(f"cannot write a {type(value).__name__} to {self.title}!{ref}")

    def finish(self) -> None:
        """Declare the sheet complete: its part is built now and compressed in the background while other
        sheets are laid out. Saving finishes every sheet; a finished sheet cannot be changed."""
        if self._part is None:
            index = self.book.sheets.index(self)
            self._part = _Deflated(f"xl/worksheets/sheet{index + 1}.xml", self._xml(index),
                                   self.book.compresslevel)

    def _open(self) -> None:
        if self._part is not None:
            raise XlsxError(f"sheet {self.title} is finished and cannot be changed")

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Merge a range; the value and look of its top-left cell show across it."""
        if not (1 <= first_row <= last_row <= MAX_ROWS and 1 <= first_col <= last_col <= MAX_COLS) \
                or self._part is not None:
            self._open()
            raise XlsxError(f"bad merge range {first_row},{first_col}:{last_row},{last_col}")
        self.merges.append((first_row, first_col, last_row, last_col))

    def width(self, col: int, width: float) -> None:
        """A column's width in characters of the default font."""
        self._open()
        column_letter(col)
        self.widths[col] = width

    def height(self, row: int, height: float) -> None:
        """A row's height in points."""
        self._open()
        cell_ref(row, 1)
        self.heights[row] = height

    def freeze(self, ref: str | None) -> None:
        """Freeze the rows above and columns left of `ref` (e.g. "E4"); None unfreezes."""
        self._open()
        self.frozen = None if ref is None else parse_ref(ref)
        if self.frozen == (1, 1):
            self.frozen = None

    def print_setup(self, landscape: bool = True, fit_width: bool = True, left: float = 0.4, right: float = 0.4,
                    top: float = 0.6, bottom: float = 0.6, centered: bool = True, gridlines: bool = False) -> None:
        """A4 paper, landscape, as wide as one page and as long as needed; gridlines off on screen."""
        self._open()
        self.page = dict(landscape=landscape, fit_width=fit_width, left=left, right=right, top=top,
                         bottom=bottom, centered=centered)
        self.gridlines = gridlines

    def print_titles(self, first_row: int, last_row: int) -> None:
        """Rows printed again at the top of every page."""
        self._open()
        cell_ref(first_row, 1)
        cell_ref(last_row, 1)
        self.titles = (first_row, last_row)

    def bar_chart(self, title: str, *, anchor: str, header_row: int, first_row: int, last_row: int,
                  category_col: int, value_cols: tuple[int, ...], y_title: str = "", width_cm: float = 24.0,
                  height_cm: float = 9.0) -> None:
        """A clustered column chart: categories and one series per value column of this sheet's rows."""
        self._open()
        if last_row < first_row or not value_cols:
            raise XlsxError("a chart needs at least one row and one series")
        self.charts.append(BarChart(title, parse_ref(anchor), header_row, first_row, last_row, category_col,
                                    tuple(value_cols), y_title, width_cm, height_cm))

    # --- writing ---------------------------------------------------------------------------

    def _check_merges(self) -> None:
        """Overlapping merged ranges make Excel repair the file: refuse them."""
        # Each range as spans of one row, start and end packed as ints (row * width + column): ranges overlap
        # exactly when two spans start at the same cell or one starts before the one ahead of it ends.
        width = MAX_COLS + 1
        merges = self.merges
        ends = {a * width + b: a * width + d for a, b, c, d in merges if a == c}
        ends.update([(r * width + b, r * width + d) for a, b, c, d in merges if a != c for r in range(a, c + 1)])
        distinct = len(ends) == len(merges) + sum([c - a for a, b, c, d in merges])
        starts = sorted(ends)
        if not distinct or any(start <= ends[before] for before, start in zip(starts, starts[1:])):
            seen: set[tuple[int, int]] = set()
            for first_row, first_col, last_row, last_col in merges:
                for r in range(first_row, last_row + 1):
                    for c in range(first_col, last_col + 1):
                        if (r, c) in seen:
                            raise XlsxError(f"merged ranges overlap at {cell_ref(r, c)} on sheet {self.title}")
                        seen.add((r, c))

    def _xml(self, index: int) -> bytes:
        self._check_merges()
        rows = self.rows
        numbers = sorted(set(rows) | set(self.heights))
        used = [cells for cells in rows.values() if cells]
        max_col = max((max(cells) for cells in used), default=1)
        min_col = min((min(cells) for cells in used), default=1)
        letters = column_letters(max(max_col, *(m[3] for m in self.merges), 1))
        out: list[str] = []
        add = out.append
        heights = self.heights
        empty: dict[int, str] = {}
        unsorted = self._unsorted
        extend = out.extend
        for r in numbers:
            cells = rows.get(r, empty)
            height = heights.get(r)
            add(f'<row r="{r}">' if height is None else f'<row r="{r}" ht="{height:g}" customHeight="1">')
            extend([cells[c] for c in sorted(cells)] if r in unsorted else cells.values())
            add("</row>")

        parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">']
        if self.page and self.page["fit_width"]:
            parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        if used:
            first_row = min(r for r, cells in rows.items() if cells)
            last_row = max(r for r, cells in rows.items() if cells)
            parts.append(f'<dimension ref="{letters[min_col]}{first_row}:{letters[max_col]}{last_row}"/>')
        else:
            parts.append('<dimension ref="A1"/>')
        view = ' tabSelected="1"' if index == self.book._active() else ""
        grid = "" if self.gridlines else ' showGridLines="0"'
        if self.frozen:
            row, col = self.frozen
            pane = "bottomRight" if row > 1 and col > 1 else ("bottomLeft" if row > 1 else "topRight")
            split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
            top_left = cell_ref(row, col)
            parts.append(f'<sheetViews><sheetView{grid}{view} workbookViewId="0"><pane{split} topLeftCell="{top_left}"'
                         f' activePane="{pane}" state="frozen"/><selection pane="{pane}" activeCell="{top_left}"'
                         f' sqref="{top_left}"/></sheetView></sheetViews>')
        else:
            parts.append(f'<sheetViews><sheetView{grid}{view} workbookViewId="0"/></sheetViews>')
        parts.append('<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')
        if self.widths:
            parts.append("<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
                                            for c, w in sorted(self.widths.items())) + "</cols>")
        parts.append("<sheetData>")
        parts.append("".join(out))
        parts.append("</sheetData>")
        if self.merges:
            parts.append(f'<mergeCells count="{len(self.merges)}">' + "".join(
                [f'<mergeCell ref="{letters[b]}{a}:{letters[d]}{c}"/>' for a, b, c, d in self.merges]) + "</mergeCells>")
        if self.page:
            p = self.page
            if p["centered"]:
                parts.append('<printOptions horizontalCentered="1"/>')
            parts.append(f'<pageMargins left="{p["left"]:g}" right="{p["right"]:g}" top="{p["top"]:g}" '
                         f'bottom="{p["bottom"]:g}" header="0.5" footer="0.5"/>')
            fit = ' fitToWidth="1" fitToHeight="0"' if p["fit_width"] else ""
            parts.append(f'<pageSetup paperSize="9"{fit} orientation="{"landscape" if p["landscape"] else "portrait"}"/>')
        if self.charts:
            parts.append('<drawing r:id="rId1"/>')
        parts.append("</worksheet>")
        return "".join(parts).encode("utf-8")


class _Strings:
    """The shared string table: each distinct text once, escaped all together when written."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.items: list[str] = []

    def add(self, text: str) -> int:
        """The number of a new text (the caller has looked it up in `index` already)."""
        number = self.index[text] = len(self.items)
        self.items.append(text if len(text) <= MAX_TEXT // 2 else capped(text))
        return number

    def get(self, text: str) -> int:
        """The number of a text, added if new."""
        number = self.index.get(text)
        return self.add(text) if number is None else number

    def xml(self) -> bytes:
        """sharedStrings.xml; every item keeps its spaces (xml:space="preserve")."""
        head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
                f'spreadsheetml/2006/main" count="{len(self.items)}" uniqueCount="{len(self.items)}">')
        # All texts escaped in one go, between separators no text contains (a private-use character that
        # needs no escape and breaks no _xHHHH_ pattern); one by one in the unlikely other case.
        separator = "\ue000"
        joined = separator.join(self.items)
        if joined.count(separator) == max(len(self.items) - 1, 0):
            if _NOT_XML.search(joined) is not None:
                joined = _NOT_XML.sub(_escape_char, joined)
            body = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            body = body.replace(separator, '</t></si><si><t xml:space="preserve">')
        else:
            body = '</t></si><si><t xml:space="preserve">'.join(xml_text(text) for text in self.items)
        if self.items:
            body = f'<si><t xml:space="preserve">{body}</t></si>'
        return (head + body + "</sst>").encode("utf-8")


class _Styles:
    """Fonts, fills, borders, number formats and cell formats, each registered once."""

    DEFAULT_FONT = Font("Calibri", 11)

    def __init__(self) -> None:
        self.fonts: dict[Font, int] = {self.DEFAULT_FONT: 0}
        self.fills: dict[str, int] = {}
        self.borders: dict[str, int] = {}
        self.formats: dict[str, int] = {}
        self.xfs: dict[tuple, int] = {(0, 0, 0, 0, None, True): 0}
        self.attrs: dict[Look | None, str] = {None: ""}
        self.dated: dict[tuple[Look | None, str], Look] = {}

    def attr(self, look: Look | None) -> str:
        """A cell's style attribute for a look (' s="3"', or nothing for the default style)."""
        found = self.attrs.get(look)
        if found is None:
            number = self.xf(look)  # type: ignore[arg-type]  # None is in attrs from the start
            found = self.attrs[look] = f' s="{number}"' if number else ""
        return found

    def with_format(self, look: Look | None, fmt: str) -> Look:
        """The same look with a number format (one object per look, so it is looked up fast)."""
        found = self.dated.get((look, fmt))
        if found is None:
            found = self.dated[(look, fmt)] = replace(look or PLAIN, number_format=fmt)
        return found

    def xf(self, look: Look) -> int:
        font = 0
        if look.font is not None and look.font != self.DEFAULT_FONT:
            f = look.font
            if f.color is not None and not _HEX6.fullmatch(f.color):
                raise XlsxError(f"font colour must be RRGGBB: {f.color!r}")
            font = self.fonts.setdefault(f, len(self.fonts))
        fill = 0
        if look.fill is not None:
            if not _HEX6.fullmatch(look.fill):
                raise XlsxError(f"fill colour must be RRGGBB: {look.fill!r}")
            fill = self.fills.setdefault(look.fill.upper(), len(self.fills) + 2)
        border = 0
        if look.border is not None:
            if look.border not in BORDERS:
                raise XlsxError(f"border must be one of {BORDERS}: {look.border!r}")
            border = self.borders.setdefault(look.border, len(self.borders) + 1)
        fmt = 0
        if look.number_format is not None:
            fmt = BUILTIN_FORMATS.get(look.number_format)
            if fmt is None:
                fmt = self.formats.setdefault(look.number_format, len(self.formats) + 164)
        align = look.align
        if align is not None:
            if align.horizontal is not None and align.horizontal not in HORIZONTAL:
                raise XlsxError(f"horizontal alignment {align.horizontal!r}")
            if align.vertical is not None and align.vertical not in VERTICAL:
                raise XlsxError(f"vertical alignment {align.vertical!r}")
            if align == Align():
                align = None
        return self.xfs.setdefault((font, fill, border, fmt, align, look.locked), len(self.xfs))

    def xml(self) -> bytes:
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
        if self.formats:
            out.append(f'<numFmts count="{len(self.formats)}">' + "".join(
                f'<numFmt numFmtId="{n}" formatCode="{xml_attr(code)}"/>' for code, n in self.formats.items())
                + "</numFmts>")
        out.append(f'<fonts count="{len(self.fonts)}">')
        for f in self.fonts:
            bold = "<b/>" if f.bold else ""
            color = f'<color rgb="FF{f.color.upper()}"/>' if f.color else ""
            name = f.name or self.DEFAULT_FONT.name
            family = '<family val="2"/>' if f is self.DEFAULT_FONT else ""
            out.append(f'<font>{bold}<sz val="{f.size:g}"/>{color}<name val="{xml_attr(name)}"/>{family}</font>')
        out.append("</fonts>")
        out.append(f'<fills count="{len(self.fills) + 2}"><fill><patternFill patternType="none"/></fill>'
                   '<fill><patternFill patternType="gray125"/></fill>')
        for colour in self.fills:
            out.append(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{colour}"/><bgColor indexed="64"/>'
                       '</patternFill></fill>')
        out.append("</fills>")
        thin = '<{0} style="thin"><color rgb="FF000000"/></{0}>'
        out.append(f'<borders count="{len(self.borders) + 1}"><border><left/><right/><top/><bottom/><diagonal/></border>')
        for kind in self.borders:
            if kind == "all":
                out.append("<border>" + "".join(thin.format(side) for side in ("left", "right", "top", "bottom"))
                           + "<diagonal/></border>")
            else:
                out.append("<border><left/><right/><top/>" + thin.format("bottom") + "<diagonal/></border>")
        out.append("</borders>")
        out.append('<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>')
        out.append(f'<cellXfs count="{len(self.xfs)}">')
        for font, fill, border, fmt, align, locked in self.xfs:
            attrs = f'numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
            attrs += (' applyNumberFormat="1"' if fmt else "") + (' applyFont="1"' if font else "") + \
                (' applyFill="1"' if fill else "") + (' applyBorder="1"' if border else "")
            inner = ""
            if align is not None:
                attrs += ' applyAlignment="1"'
                inner += "<alignment" + (f' horizontal="{align.horizontal}"' if align.horizontal else "") + \
                    (f' vertical="{align.vertical}"' if align.vertical else "") + \
                    (' wrapText="1"' if align.wrap else "") + "/>"
            if not locked:
                attrs += ' applyProtection="1"'
                inner += '<protection locked="0"/>'
            out.append(f"<xf {attrs}>{inner}</xf>" if inner else f"<xf {attrs}/>")
        out.append("</cellXfs>")
        out.append('<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                   '<dxfs count="0"/><tableStyles count="0"/></styleSheet>')
        return "".join(out).encode("utf-8")


class _Deflated:
    """A part of the package compressed in a background thread (zlib lets go of the GIL), so that
    compressing one sheet overlaps laying out the next."""

    def __init__(self, name: str, data: bytes, level: int, background: bool = True) -> None:
        import threading

        self.name, self.size, self.crc = name, len(data), zlib.crc32(data)
        self.data = b""
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(data, level), name="xlsx-deflate", daemon=True) \
            if background else None
        if self.thread is not None:
            try:
                self.thread.start()
            except RuntimeError:  # no thread to be had: compress here and now
                self.thread = None
        if self.thread is None:
            self._run(data, level)

    def _run(self, data: bytes, level: int) -> None:
        try:
            packer = zlib.compressobj(level, zlib.DEFLATED, -15)
            self.data = packer.compress(data) + packer.flush()
        except BaseException as exc:  # re-raised in the caller's thread by result()
            self.error = exc

    def result(self) -> "_Deflated":
        """This part, once compressed."""
        if self.thread is not None:
            self.thread.join()
            self.thread = None
        if self.error is not None:
            raise self.error
        return self


_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the earliest time a zip can hold: the same bytes every run
_DOS_TIME = 0


def _zip(parts: list[_Deflated]) -> bytes:
    """A zip archive of deflated parts, in the order given (no zip64: a workbook part is far below 4 GB)."""
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for part in parts:
        name = part.name.encode("ascii")
        if part.size >= 0xFFFFFFFF or len(part.data) >= 0xFFFFFFFF or offset >= 0xFFFFFFFF:
            raise XlsxError(f"part {part.name} is too large for a workbook")
        fields = (20, 0, 8, _DOS_TIME, _DOS_DATE, part.crc, len(part.data), part.size, len(name))
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0)
        chunks += (header, name, part.data)
        central.append(struct.pack("<IH" "HHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + name)
        offset += len(header) + len(name) + len(part.data)
    directory = b"".join(central)
    if len(parts) > 0xFFFF or offset >= 0xFFFFFFFF:
        raise XlsxError("too many or too large parts for a workbook")
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory), offset, 0)
    return b"".join(chunks) + directory + end


@dataclass
class Book:
    """A workbook of sheets, written as .xlsx bytes."""

    sheets: list[Sheet] = field(default_factory=list)
    _styles: "_Styles" = field(default_factory=lambda: _Styles(), init=False, repr=False)
    _strings: "_Strings" = field(default_factory=lambda: _Strings(), init=False, repr=False)
    # Level 1 deflates a sheet about four times faster than the default 6, for a file about a quarter larger.
    compresslevel: int = 1

    def sheet(self, title: str, hidden: bool = False) -> Sheet:
        """A new sheet at the end; names are checked as Excel checks them (and must be unique)."""
        check_sheet_name(title)
        if any(s.title.lower() == title.lower() for s in self.sheets):
            raise XlsxError(f"duplicate sheet name: {title!r}")
        sheet = Sheet(self, title, hidden)
        self.sheets.append(sheet)
        return sheet

    def __getitem__(self, title: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise KeyError(title)

    @property
    def sheetnames(self) -> list[str]:
        """The sheets' names in order."""
        return [s.title for s in self.sheets]

    def _active(self) -> int:
        return next((i for i, s in enumerate(self.sheets) if not s.hidden), 0)

    def to_bytes(self) -> bytes:
        """The workbook as .xlsx bytes (identical for identical content)."""
        if not self.sheets:
            raise XlsxError("a workbook needs at least one sheet")
        if all(s.hidden for s in self.sheets):
            raise XlsxError("a workbook needs at least one visible sheet")
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        kind = "application/vnd.openxmlformats-officedocument."
        overrides = [("/xl/workbook.xml", kind + "spreadsheetml.sheet.main+xml")]
        charts_of: list[tuple[int | None, int]] = []  # per sheet: its drawing's number, its first chart's
        drawings = charts = 0
        for index, sheet in enumerate(self.sheets):
            overrides.append((f"/xl/worksheets/sheet{index + 1}.xml", kind + "spreadsheetml.worksheet+xml"))
            if sheet.charts:
                drawings += 1
                charts_of.append((drawings, charts + 1))
                overrides.append((f"/xl/drawings/drawing{drawings}.xml", kind + "drawing+xml"))
                overrides += [(f"/xl/charts/chart{charts + n}.xml", kind + "drawingml.chart+xml")
                              for n in range(1, len(sheet.charts) + 1)]
                charts += len(sheet.charts)
            else:
                charts_of.append((None, 0))
        overrides += [("/xl/styles.xml", kind + "spreadsheetml.styles+xml"),
                      ("/xl/sharedStrings.xml", kind + "spreadsheetml.sharedStrings+xml"),
                      ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                      ("/docProps/app.xml", kind + "extended-properties+xml")]
        types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.'
                 'org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                 'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                 + "".join(f'<Override PartName="{name}" ContentType="{ct}"/>' for name, ct in overrides)
                 + "</Types>").encode("utf-8")
        n = len(self.sheets)
        book_rels = [(f"rId{i + 1}", rel + "worksheet", f"worksheets/sheet{i + 1}.xml") for i in range(n)] + [
            (f"rId{n + 1}", rel + "styles", "styles.xml"), (f"rId{n + 2}", rel + "sharedStrings", "sharedStrings.xml")]

        for sheet in self.sheets:
            sheet.finish()

        def small(name: str, data: bytes) -> _Deflated:
            return _Deflated(name, data, self.compresslevel, background=False)

        parts = [small("[Content_Types].xml", types),
                 small("_rels/.rels", _rels([
                     ("rId1", rel + "officeDocument", "xl/workbook.xml"),
                     ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                      "docProps/core.xml"),
                     ("rId3", rel + "extended-properties", "docProps/app.xml")])),
                 small("docProps/core.xml", _CORE),
                 small("docProps/app.xml", _APP),
                 small("xl/workbook.xml", self._workbook_xml()),
                 small("xl/_rels/workbook.xml.rels", _rels(book_rels))]
        strings = _Deflated("xl/sharedStrings.xml", self._strings.xml(), self.compresslevel)
        for index, (sheet, (drawing, first_chart)) in enumerate(zip(self.sheets, charts_of)):
            assert sheet._part is not None
            parts.append(sheet._part.result())
            if drawing is None:
                continue
            parts.append(small(f"xl/worksheets/_rels/sheet{index + 1}.xml.rels",
                               _rels([("rId1", rel + "drawing", f"../drawings/drawing{drawing}.xml")])))
            parts.append(small(f"xl/drawings/drawing{drawing}.xml", _drawing_xml(sheet.charts)))
            parts.append(small(f"xl/drawings/_rels/drawing{drawing}.xml.rels", _rels([
                (f"rId{k + 1}", rel + "chart", f"../charts/chart{first_chart + k}.xml")
                for k in range(len(sheet.charts))])))
            parts += [small(f"xl/charts/chart{first_chart + k}.xml", _chart_xml(sheet.title, chart))
                      for k, chart in enumerate(sheet.charts)]
        parts.append(small("xl/styles.xml", self._styles.xml()))
        parts.append(strings.result())
        return _zip(parts)

    def _workbook_xml(self) -> bytes:
        sheets = "".join(
            f'<sheet name="{xml_attr(s.title)}" sheetId="{i + 1}"' + (' state="hidden"' if s.hidden else "")
            + f' r:id="rId{i + 1}"/>' for i, s in enumerate(self.sheets))
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
            f'{xml_text(quote_sheet(s.title))}!${s.titles[0]}:${s.titles[1]}</definedName>'
            for i, s in enumerate(self.sheets) if s.titles)
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.'
                'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships"><workbookPr/><bookViews><workbookView activeTab="{self._active()}"/></bookViews>'
                f"<sheets>{sheets}</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "")
                + "</workbook>").encode("utf-8")


_CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.'
         'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
         "<dc:creator>bairi</dc:creator></cp:coreProperties>").encode("utf-8")
_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/extended-properties"><Application>bairi</Application></Properties>').encode("utf-8")


def _rels(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>' for rid, kind, target in items)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{body}</Relationships>').encode("utf-8")


def _drawing_xml(charts: list[BarChart]) -> bytes:
    anchors = []
    for n, chart in enumerate(charts, start=1):
        row, col = chart.anchor
        cx, cy = round(chart.width_cm * EMU_PER_CM), round(chart.height_cm * EMU_PER_CM)
        anchors.append(
            f"<xdr:oneCellAnchor><xdr:from><xdr:col>{col - 1}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row - 1}"
            f'</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="{cx}" cy="{cy}"/>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{n + 1}" name="Chart {n}"/>'
            '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
            '</xdr:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            f'<c:chart r:id="rId{n}"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>'
            "</xdr:oneCellAnchor>")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.'
            'org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="http://schemas.openxmlformats.'
            f'org/officeDocument/2006/relationships">{"".join(anchors)}</xdr:wsDr>').encode("utf-8")


def _rich(text: str) -> str:
    return (f"<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr/></a:pPr><a:r><a:t>{xml_text(text)}</a:t>"
            "</a:r></a:p></c:rich></c:tx>")


SERIES_COLOURS = ("4F81BD", "C0504D", "9BBB59", "8064A2", "4BACC6", "F79646")  # Office's classic palette


def _fill(colour: str) -> str:
    return f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'


def _chart_xml(sheet: str, chart: BarChart) -> bytes:
    name = xml_text(quote_sheet(sheet))

    def column(col: int) -> str:
        letter = column_letter(col)
        return f"{name}!${letter}${chart.first_row}:${letter}${chart.last_row}"

    # Colours are given outright: the package has no theme, and LibreOffice draws theme colours it cannot
    # find as nothing at all.
    series = "".join(
        f'<c:ser><c:idx val="{n}"/><c:order val="{n}"/><c:tx><c:strRef><c:f>{name}!{cell_ref(chart.header_row, col, True)}'
        f'</c:f></c:strRef></c:tx><c:spPr>{_fill(SERIES_COLOURS[n % len(SERIES_COLOURS)])}</c:spPr>'
        f'<c:invertIfNegative val="0"/><c:cat><c:strRef><c:f>{column(chart.category_col)}</c:f>'
        f"</c:strRef></c:cat><c:val><c:numRef><c:f>{column(col)}</c:f></c:numRef></c:val></c:ser>"
        for n, col in enumerate(chart.value_cols))
    axis_line = f'<c:spPr><a:ln w="9525">{_fill("868686")}</a:ln></c:spPr>'
    grid = f'<c:majorGridlines><c:spPr><a:ln w="9525">{_fill("D9D9D9")}</a:ln></c:spPr></c:majorGridlines>'
    y_title = f"<c:title>{_rich(chart.y_title)}<c:overlay val=\"0\"/></c:title>" if chart.y_title else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<c:chartSpace xmlns:c="http://schemas.openxmlformats.'
            'org/drawingml/2006/chart" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships"><c:roundedCorners val="0"/><c:chart>'
            f'<c:title>{_rich(chart.title)}<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/><c:plotArea>'
            '<c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            f'{series}<c:gapWidth val="150"/><c:axId val="10"/><c:axId val="100"/></c:barChart>'
            '<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            '<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/>'
            f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{axis_line}<c:crossAx val="100"/>'
            '<c:crosses val="autoZero"/>'
            '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
            '<c:valAx><c:axId val="100"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="l"/>{grid}{y_title}<c:numFmt formatCode="General" sourceLinked="1"/>'
            f'<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{axis_line}'
            '<c:crossAx val="10"/>'
            '<c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx></c:plotArea><c:legend>'
            '<c:legendPos val="r"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/>'
            "</c:chart></c:chartSpace>").encode("utf-8")
