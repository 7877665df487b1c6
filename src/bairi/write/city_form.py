"""The city's own template, filled: its layout, styles, widths and merged cells kept, every place found by
its labels exactly as the reader finds a return's (the same functions, not a second matcher).

The template is read twice from the same bytes: by the reader's grid, to find the header fields, the
statistics table with its two rows and the 重大隐患明细 table; and by openpyxl, to write the county's
figures into those cells. A label that cannot be placed is an error that names it, never a guess.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bairi.core.campaign import Campaign
from bairi.core.form import Form
from bairi.core.model import Return
from bairi.core.refs import col_number
from bairi.guard.limits import Unreadable
from bairi.read.grid import Book, load_book

# The reader's own label matching: the fields' labels, the statistics header, its rows and the hazard header.
from bairi.read.reader import (
    _ANY_LABEL,
    _FIELD_OF_LABEL,
    _read_rows,
    find_fields,
    find_hazards,
    find_stats_tables,
)
from bairi.write.book import put

__all__ = ["TemplateProblem", "fill_template", "load_template"]


class TemplateProblem(Exception):
    """The city's template cannot be filled as asked (said in Chinese, naming what was not found; exit 2)."""


def load_template(path: Path) -> tuple[bytes, Book]:
    """The template's bytes and the reader's view of them; TemplateProblem when it is not a usable .xlsx."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        hint = "；表式文件（.toml）请写在 bairi.toml 的 form 中" if path.suffix.lower() == ".toml" else ""
        raise TemplateProblem(f"市局模板 {path.name} 不是 .xlsx 文件：请在 WPS 或 Excel 中“另存为”Excel 工作簿（.xlsx）后再用{hint}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateProblem(f"市局模板 {path} 无法读取：{exc.strerror or exc}") from None
    try:
        return data, load_book(path.name, data)
    except Unreadable as problem:
        from bairi.core.findings import finding

        raise TemplateProblem(f"市局模板 {path.name} 无法读取：{finding(problem.code, path.name, **problem.fields).message}") from None


def _place(location: str) -> tuple[str, int, int]:
    """Sheet1!C7 → (sheet, row, column), 1-based as openpyxl counts."""
    sheet, cell = location.rsplit("!", 1)
    letters = cell.rstrip("0123456789")
    return sheet, int(cell[len(letters):]), col_number(letters)


def _after_merge(ws: Worksheet, row: int, col: int) -> int:
    """The first column right of the cell's merged range (or of the cell)."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.max_col + 1
    return col + 1


def _covered(ws: Worksheet, row: int, col: int) -> bool:
    return any(rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col
               and (row, col) != (rng.min_row, rng.min_col) for rng in ws.merged_cells.ranges)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _fill_fields(book: Workbook, grid: Book, stats: Any, values: dict[str, Any], form: Form) -> None:
    """填报单位, 填表人, 填表日期: into the cell beside the label, or within the label's cell when it holds the
    label and its blank (填报单位：________) or several labels."""
    found = find_fields(grid, stats, form)
    missing = [f.label for f in form.fields if f.key not in found]
    if missing:
        raise TemplateProblem(f"市局模板中找不到“{'”“'.join(missing)}”（表头栏目），无法填写；请核对模板")
    rewrites: dict[tuple[str, int, int], str] = {}
    for field in form.fields:
        raw, location = found[field.key]
        sheet, row, col = _place(location)
        ws = book[sheet]
        text = ws.cell(row, col).value
        is_label = isinstance(text, str) and _ANY_LABEL.search(text) is not None and raw in ("", None)
        if not is_label:
            put(ws, row, col, values[field.key])  # the blank beside the label, or a placeholder in it
            continue
        labels = list(_ANY_LABEL.finditer(text))
        rest = _ANY_LABEL.sub("", text).strip(" _＿\u3000")
        if len(labels) == 1 and not rest:
            put(ws, row, _after_merge(ws, row, col), values[field.key])
            target = ws.cell(row, _after_merge(ws, row, col))
            if isinstance(values[field.key], date) and target.number_format == "General":
                target.number_format = "yyyy-mm-dd"
            continue
        rewrites[(sheet, row, col)] = text
    for (sheet, row, col), text in rewrites.items():
        # Each label keeps its words; what follows it (blanks, underscores) becomes the value.
        parts = []
        for match in _ANY_LABEL.finditer(text):
            key = _FIELD_OF_LABEL[match[1]]
            parts.append(f"{match[1]}：{_shown(values[key])}")
        put(book[sheet], row, col, "    ".join(parts))


def _fill_figures(book: Workbook, stats: Any, totals: dict[str, dict[str, Any]], form: Form) -> str:
    """The two rows of the statistics table, found by their labels, each figure under its column; returns a cell
    of the 累计 row (where a note goes below or beside)."""
    missing = [c.label for c in form.columns if c.key not in stats.columns]
    if missing:
        raise TemplateProblem(f"市局模板的统计表中找不到“{'”“'.join(missing)}”一列，无法填写；请核对模板的表头")
    if stats.duplicates:
        named = "”“".join(form.by_key[key].label for key in stats.duplicates)
        raise TemplateProblem(f"市局模板的统计表中“{named}”出现不止一列，不知填哪一列；请核对模板的表头")
    probe = Return(file=Path("模板"), form=form)
    notes: list[Any] = []
    _read_rows(probe, stats, notes)
    for note in notes:
        if note.code in ("E202", "E207"):  # the reader's own words: 统计表缺少“累计”行
            raise TemplateProblem(f"市局模板（{note.location}）：{note.message}，无法填写；请核对模板的行名")
    assert probe.cumulative_row is not None
    last = next(iter(probe.cumulative_row.values())).location
    for cells, row in ((probe.period_row, "period_row"), (probe.cumulative_row, "cumulative_row")):
        assert cells is not None
        for key, figure in cells.items():
            sheet, r, c = _place(figure.location)
            ws = book[sheet]
            if _covered(ws, r, c):
                raise TemplateProblem(f"市局模板中 {figure.location} 在合并单元格内，无法填写“{key}”；请核对模板")
            put(ws, r, c, totals[row].get(key))
    return last


def _place_note(book: Workbook, stats: Any, cumulative_cell: str, note: str) -> None:
    """The 不完整 note in the row under the 累计 row when the template leaves it blank across the table, else in
    the first free column right of the table on the 累计 row (the template's own cells are never overwritten)."""
    sheet, row, _ = _place(cumulative_cell)
    ws = book[sheet]
    first, last = stats.label_col + 1, max(stats.columns.values()) + 1
    below = row + 1
    if all(ws.cell(below, c).value in (None, "") and not _covered(ws, below, c) for c in range(first, last + 1)):
        put(ws, below, first, note)
        return
    col = last + 1
    while ws.cell(row, col).value not in (None, "") or _covered(ws, row, col):
        col += 1
    put(ws, row, col, note)


def _fill_hazards(book: Workbook, grid: Book, hazards: list[dict[str, Any]], form: Form) -> None:
    """The 重大隐患明细 rows under the template's hazard header, in its column spans; rows are added above the
    template's next part (a notes row, a signature line) when its blank rows are too few."""
    table = find_hazards(grid, form)
    if table is None:
        enterprise = form.hazard_columns[form.hazard_keys.index("enterprise")].header
        raise TemplateProblem(f"市局模板中找不到“{form.hazard_title}”表（应有“{enterprise}”等列的表头），无法填写；请核对模板")
    missing = [c.header for c in form.hazard_columns if c.key not in table.columns]
    if missing:
        raise TemplateProblem(f"市局模板的重大隐患明细表中找不到“{'”“'.join(missing)}”一列，无法填写；请核对模板的表头")
    ws = book[table.sheet.name]
    head = table.header_row + 1  # 1-based
    rows = table.sheet.rows
    blank = 0
    while head + blank < len(rows) and not any(isinstance(v, str) and v.strip() for v in rows[head + blank]):
        blank += 1
    ends_sheet = head + blank >= len(rows)
    pattern_row = head + 1 if blank else head
    spans = [(rng.min_col, rng.max_col) for rng in ws.merged_cells.ranges
             if rng.min_row == rng.max_row == pattern_row and rng.max_col > rng.min_col]
    styles = {c: ws.cell(pattern_row, c)._style for c in range(1, ws.max_column + 1)}
    height = ws.row_dimensions[pattern_row].height
    if len(hazards) > blank and not ends_sheet:
        _insert_rows(ws, head + blank + 1, len(hazards) - blank)
    for index, hazard in enumerate(hazards):
        r = head + 1 + index
        if index >= blank:
            for c, style in styles.items():
                ws.cell(r, c)._style = style
            for first, last in spans:
                ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
            if height:
                ws.row_dimensions[r].height = height
        for key, col in table.columns.items():
            value = index + 1 if key == "seq" else (hazard.get(key) or None)
            put(ws, r, col + 1, value)


def _insert_rows(ws: Worksheet, at: int, count: int) -> None:
    """Insert rows before `at`, moving the merged ranges and row heights below along (openpyxl moves only cells)."""
    below = [rng for rng in ws.merged_cells.ranges if rng.min_row >= at]
    for rng in below:
        ws.merged_cells.ranges.discard(rng)
    heights = {r: d.height for r, d in ws.row_dimensions.items() if r >= at and d.height}
    ws.insert_rows(at, count)
    for rng in below:
        rng.shift(0, count)
        ws.merged_cells.ranges.add(rng)
    for r in sorted(heights, reverse=True):
        ws.row_dimensions[r + count].height = heights[r]
        ws.row_dimensions[r].height = None


def fill_template(path: Path, merged: Any, campaign: Campaign, filler: str, filled_on: date) -> Workbook:
    """The city's template filled with the county's return for the period, by its labels."""
    data, grid = load_template(path)
    form = campaign.form_spec
    tables = find_stats_tables(grid, form)
    if not tables:
        named = "”“".join(column.short for column in form.columns[:2])
        raise TemplateProblem(f"市局模板 {Path(path).name} 中找不到统计表的表头（如“{named}”等列），无法填写")
    if len(tables) > 1:
        sheets = "、".join(f"“{t.sheet.name}”" for t in tables)
        raise TemplateProblem(f"市局模板中有 {len(tables)} 个统计表（工作表 {sheets}），不知应填哪一个；请只保留要填报的一个")
    stats = tables[0]
    try:
        book = load_workbook(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a file the guard let through
        raise TemplateProblem(f"市局模板 {Path(path).name} 无法打开（{type(exc).__name__}）") from None
    _fill_fields(book, grid, stats, {"unit": campaign.authority, "filler": filler, "filled_on": filled_on}, form)
    from bairi.merge.consolidate import incomplete_note

    cumulative_cell = _fill_figures(book, stats, merged.totals, form)
    if not merged.complete:
        _place_note(book, stats, cumulative_cell, incomplete_note(merged))
    keys = [c.key for c in form.hazard_columns if c.key != "seq"]
    hazards = [dict({key: getattr(h, key) for key in keys}, town=h.town or town) for town, h, _ in merged.hazards]
    _fill_hazards(book, grid, hazards, form)
    return book
