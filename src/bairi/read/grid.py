"""Bytes → sheets of cells: a workbook checked by the guard, then read by python-calamine into dense grids."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bairi.core.refs import col_number
from bairi.core.values import CellError
from bairi.guard.limits import EXTENSION_FORMATS, FORMAT_NAMES, MAX_CELLS, MAX_SHEETS, Unreadable, corrupt, too_big
from bairi.guard.sniff import inspect


@dataclass
class Sheet:
    """One worksheet: its name and a dense grid of raw values from A1."""

    name: str
    rows: list[list[object]]
    hidden: bool = False
    # Cells (like "C7") holding a formula whose result was never saved: their value is unknown.
    uncached: set[str] = field(default_factory=set)
    # Merged ranges as ((first_row, first_col), (last_row, last_col)), 0-based (for .ods from the guard's scan).
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # Built on first use: the merged ranges spanning each row asked about, and each row's text cells.
    _by_row: dict[int, list[tuple[int, int, int]]] | None = field(default=None, init=False, repr=False, compare=False)
    _tall: list[tuple[int, int, int, int]] = field(default_factory=list, init=False, repr=False, compare=False)
    _texts: list[Sequence[tuple[int, str]]] | None = field(default=None, init=False, repr=False, compare=False)

    def merged_in_row(self, row: int) -> bool:
        """True when some merged range spans the 0-based row (else none of its cells is covered)."""
        return bool(self._row_spans(row))

    def covered(self, row: int, col: int) -> bool:
        """True when the 0-based cell lies inside a merged range but is not its top-left cell: Excel hides it."""
        for c1, c2, r1 in self._row_spans(row):
            if c1 <= col <= c2:
                return (row, col) != (r1, c1)
        return False

    def merge_origin(self, row: int, col: int) -> tuple[int, int] | None:
        """The top-left cell of the merged range covering the 0-based cell, when it is not that cell itself."""
        for c1, c2, r1 in self._row_spans(row):
            if c1 <= col <= c2:
                return None if (row, col) == (r1, c1) else (r1, c1)
        return None

    def _row_spans(self, row: int) -> list[tuple[int, int, int]]:
        if self._by_row is None:
            # The ranges indexed by the rows they span, in one walk: the hazard table asks about every one of
            # its rows, and a province's return has thousands of rows and merges. A range taller than TALL rows
            # (a whole column merged, say) is not spread out row by row but checked for each row asked about.
            by_row: dict[int, list[tuple[int, int, int]]] = {}
            tall: list[tuple[int, int, int, int]] = []
            for (r1, c1), (r2, c2) in self.merged:
                if r2 - r1 > TALL:
                    tall.append((r1, r2, c1, c2))
                    continue
                for r in range(r1, r2 + 1):
                    by_row.setdefault(r, []).append((c1, c2, r1))
            self._by_row, self._tall = by_row, tall
        spans = self._by_row.get(row, _NO_SPANS)
        if self._tall:
            spans = [*spans, *((c1, c2, r1) for r1, r2, c1, c2 in self._tall if r1 <= row <= r2)]
        return spans

    def texts(self) -> list[Sequence[tuple[int, str]]]:
        """Each row's cells that hold text, as (column, text): the reader's searches look at nothing else."""
        if self._texts is None:
            # Rows without text share one empty tuple: a sheet may have two million rows.
            self._texts = [[(c, v) for c, v in enumerate(row) if isinstance(v, str) and v] or _NO_TEXTS
                           for row in self.rows]
        return self._texts


_NO_TEXTS: tuple[tuple[int, str], ...] = ()
_NO_SPANS: list[tuple[int, int, int]] = []
TALL = 1000


@dataclass
class Book:
    """A workbook's sheets and what format it really was."""

    format: str
    sheets: list[Sheet]
    notes: list[tuple[str, dict[str, object]]] = field(default_factory=list)


def _calamine_error(exc: BaseException, fmt: str) -> Unreadable:
    name = type(exc).__name__
    text = str(exc)
    lowered = text.lower()
    if name == "PasswordError" or "password" in lowered or "encrypt" in lowered:
        return Unreadable("F101")
    page = re.search(r"codepage\s+([0-9a-f]+)\s+not found", lowered)
    if page:
        return Unreadable("F104", fmt=f"使用字符编码（代码页 {page[1].upper()}）的 Excel 文件")
    if "unsupported" in lowered or "not supported" in lowered or "unrecognized sheet" in lowered:
        return Unreadable("F104", fmt=f"该文件的格式变体（{text[:60]}）")
    if name == "PanicException" or "cannot detect file format" in lowered:
        # calamine's own words say nothing a clerk can use (auto-detection hides the real error).
        return corrupt(f"无法按 {FORMAT_NAMES[fmt]} 解析其内容")
    return corrupt(f"无法按 {FORMAT_NAMES[fmt]} 解析其内容（{name}: {text[:100]}）")


_PLACE = re.compile(r"([A-Z]+)([0-9]+)")


def _mark_errors(rows: list[list[object]], errors: dict[str, str]) -> None:
    """Put each error cell's text back as a CellError: python-calamine shows #REF!, #DIV/0!… as empty cells."""
    for place, text in errors.items():
        found = _PLACE.fullmatch(place)
        if not found:
            continue
        r, c = int(found[2]) - 1, col_number(found[1]) - 1
        if r < len(rows) and c < len(rows[r]) and rows[r][c] in ("", None):
            rows[r][c] = CellError(text or "#错误")


def load_book(name: str, data: bytes) -> Book:
    """All sheets of a workbook given its name and bytes, or raise Unreadable."""
    try:
        plan = inspect(name, data)
    except Unreadable:
        raise
    except MemoryError:
        raise too_big("读取时内存不足") from None
    except Exception as exc:  # our own parsers met something no rule above foresaw; never a traceback.
        raise corrupt(f"文件结构无法解析（{type(exc).__name__}）") from None
    notes: list[tuple[str, dict[str, object]]] = []
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in EXTENSION_FORMATS and EXTENSION_FORMATS[ext] != plan.format:
        notes.append(("F108", {"ext": f".{ext}", "real": FORMAT_NAMES[plan.format]}))
    notes.extend(plan.notes)
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(plan.data))
        metadata = workbook.sheets_metadata
        if len(metadata) > MAX_SHEETS:
            raise too_big(f"共{len(metadata)}个工作表")
        sheets = []
        for meta in metadata:
            if "WorkSheet" not in str(meta.typ):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            # Checked before, from the file's own structure; this is the second line, before Python objects are made.
            end_row, end_col = (sheet.end or (-1, -1)) if sheet.height else (-1, -1)
            if (end_row + 1) * (end_col + 1) > MAX_CELLS:
                raise too_big(f"工作表“{meta.name}”有{end_row + 1}行 × {end_col + 1}列")
            rows: list[list[object]] = sheet.to_python(skip_empty_area=False)  # type: ignore[assignment]
            merged = list(sheet.merged_cell_ranges or plan.merged.get(meta.name) or [])
            if meta.name in plan.errors:
                _mark_errors(rows, plan.errors[meta.name])
            sheets.append(Sheet(meta.name, rows, str(meta.visible).rsplit(".", 1)[-1] != "Visible", plan.uncached.get(meta.name, set()),
                                merged))
    except Unreadable:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        raise too_big("读取时内存不足") from None
    except BaseException as exc:  # python-calamine panics raise PanicException, a BaseException.
        raise _calamine_error(exc, plan.format) from None
    return Book(plan.format, sheets, notes)
