"""The county's merged workbook: the form filled with the county's totals (报告表), then 分镇明细, 数据来源,
问题清单 and 图表, in the form's looks."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bairi.core.atomic import write_atomic
from bairi.core.calendar import month_text
from bairi.core.campaign import Campaign
from bairi.core.form import BY_KEY, COLUMNS, HAZARD_KEYS, KEYS, active, on_change
from bairi.write.book import (
    Look,
    bar_chart,
    merge,
    print_setup,
    put,
    put_row,
    set_height,
    set_width,
    solid,
    to_bytes,
)
from bairi.write.layout import (
    AMOUNT,
    BODY,
    BODY_LEFT,
    COUNT,
    DAY,
    HEAD,
    HEAD_AMOUNT,
    HEAD_COUNT,
    HEAD_RATE,
    LINE_POINTS,
    MAX_ROW_POINTS,
    NOTE,
    RATE,
    STAMP,
    TABLE_TITLE,
    box,
    form_width,
    lay_form,
)

__all__ = ["cell_span", "merged_workbook", "write_merged"]

SEVERITY_FILL = {"error": "F8D7DA", "warning": "FFF3CD", "info": "E7F1FF"}
STATUS_FILL = {"已报": "E2F0D9", "迟报": "FFF3CD", "缺件": "FFF3CD", "退回": "F8D7DA", "待核实": "EADCF5",
               "未报": "F2F2F2", "未到期": "F2F2F2"}
STATUS_LOOKS = {status: BODY.but(f"bairi 状态·{status}", fill=solid("FF" + colour)) for status, colour in STATUS_FILL.items()}
LEVEL_LOOKS = {label: BODY.but(f"bairi 级别·{label}", fill=solid("FF" + SEVERITY_FILL[key]))
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


def _wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide (a CJK character is two)."""
    units = sum(2 if ord(char) > 0x2E7F else 1 for char in text)
    return max(1, -(-units // max(int(width) - 1, 1)))


def _table(ws: Worksheet, first_row: int, headers: list[str], rows: list[list[Any]], widths: list[float],
           title: str | None = None, freeze: bool = True, titles: bool = True, title_span: int = 0,
           looks: Sequence[Look] | None = None) -> int:
    """A bordered table with a bold header row (its title over `title_span` columns, default the table's);
    `looks` fixes each column's look (a column aligned one way throughout); returns the last row written."""
    row = first_row
    if title:
        box(ws, row, 1, row, max(title_span, len(headers)), title, TABLE_TITLE)
        set_height(ws, row, 28)
        row += 1
    for col, header in enumerate(headers, start=1):
        put(ws, row, col, header, HEAD)
    header_row = row
    kinds = _TABLE_LOOKS
    for values in rows:
        row += 1
        put_row(ws, row, 1, values, looks or [(BODY_LEFT if len(value) > 8 else BODY) if type(value) is str
                                          else kinds.get(type(value)) or _table_look(value) for value in values])
        # Wrapped text only stays in its cell on paper if the row is as tall as its lines (no office grows it).
        lines = max((_wrapped_lines(value, width) for value, width in zip(values, widths) if type(value) is str),
                    default=1)
        if lines > 1:
            set_height(ws, row, min(LINE_POINTS * lines + 4, MAX_ROW_POINTS))
    for col, width in enumerate(widths, start=1):
        set_width(ws, col, width)
    if freeze:
        ws.freeze_panes = f"A{header_row + 1}"
    print_setup(ws)
    if titles:
        ws.print_title_rows = f"{header_row}:{header_row}"
    return row


def merged_workbook(merged: Any, campaign: Campaign, filler: str, filled_on: date, notes: Sequence[str] = (),
                    extra: Callable[[Workbook], None] | None = None, base: Workbook | None = None) -> Workbook:
    """The county's workbook: 报告表, 分镇明细, 数据来源, 问题清单, 图表 (`notes` under the form's rows, `extra`
    adding sheets such as 更正说明). `base` is the city's own template already filled: it takes the place of
    报告表, and the other sheets follow it."""
    year, month = merged.period.split("-")
    if base is None:
        book = Workbook()
        _report_sheet(book.active, merged, campaign, filler, filled_on, notes)
    else:
        book = base
    _detail_sheets(book, merged, campaign, year, month)
    if extra is not None:
        extra(book)
    return book


def _report_sheet(ws: Worksheet, merged: Any, campaign: Campaign, filler: str, filled_on: date,
                  notes: Sequence[str]) -> None:
    """报告表: the form filled with the county's totals and its major hazards."""
    ws.title = "报告表"
    year, month = merged.period.split("-")
    title = f"{active().title}（{month_text(merged.period)}）"
    keys = [key for key in HAZARD_KEYS if key != "seq"]  # 序号 is counted afresh
    hazards = [{key: getattr(h, key) for key in keys} for _, h, _ in merged.hazards]
    for hazard, (town, h, _) in zip(hazards, merged.hazards):
        hazard["town"] = h.town or town
    lay_form(ws, campaign, unit=campaign.authority, filler=filler, filled_on=filled_on,
             period=merged.totals["period_row"], cumulative=merged.totals["cumulative_row"],
             hazards=hazards, title=title)
    said = list(notes)
    if merged.missing_towns:
        said.append(f"注：本表不完整，未含 {len(merged.missing_towns)} 个单位（未报或被退回）："
                    + "、".join(merged.missing_towns) + "。")
    if said:
        box(ws, 9, 1, 9, form_width(), "\n".join(said), NOTE)
        set_height(ws, 9, 30 * len(said))


def _detail_sheets(book: Workbook, merged: Any, campaign: Campaign, year: str, month: str) -> None:
    """分镇明细, 数据来源, 问题清单 and 图表, after the report."""
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
    # The SHA-256 wraps in three lines: at its full width the page shrinks to fit and nothing is legible.
    widths: list[float] = [10, 8, 40, 17, 11, 10, 30, 30, 23]
    last = _table(sources, 1, ["单位", "状态", "文件", "收到时间", "填表日期", "填表人", "报告期依据", "被取代的文件", "SHA-256"],
                  srows, widths, title="数据来源（每个数字可追溯到文件和单元格）")
    trail: list[list[Any]] = []
    for ret in merged.accepted:
        for row_key, word in (("period", active().period_row.label), ("cumulative", active().cumulative_row.label)):
            cells = (ret.period_row if row_key == "period" else ret.cumulative_row) or {}
            trail.append([ret.town, word, str(ret.file), cell_span(cells)])
    # The first table's header stays the printed title row, as it stays the frozen one on screen.
    columns = f"各数字所在单元格（依次为报告表从“{COLUMNS[0].short}”到“{COLUMNS[-1].short}”各列）"
    _table(sources, last + 2, ["单位", "行", "文件", "单元格"], trail, widths, title=columns, freeze=False, titles=False,
           title_span=len(widths))

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
           [10, 9, 34, 16, 6, 7, 70, 10], title="问题清单",
           looks=[BODY, BODY, BODY_LEFT, BODY_LEFT, BODY, BODY, BODY_LEFT, BODY])
    for r, values in enumerate(prow, start=3):
        look = LEVEL_LOOKS.get(values[4])
        if look is not None:
            put(problems, r, 5, values[4], look)

    _chart_sheet(book.create_sheet("图表"), merged, figures)


KEYS_ORDER = KEYS  # the active form's order


def cell_span(cells: dict[str, Any]) -> str:
    """Where a row's figures came from: Sheet1!B7:N7 when side by side in the form's order, else each cell."""
    span = _span(tuple([cells[key].location for key in KEYS_ORDER if key in cells]))
    return span or "；".join(f"{BY_KEY[key].label} {cells[key].location}" for key in KEYS_ORDER if key in cells)


# Most returns keep the form's layout, so the same locations recur in every file of a merge.
@lru_cache(maxsize=1024)
def _span(locations: tuple[str, ...]) -> str:
    """Sheet1!B7:N7 for a whole row side by side in the form's order, else ''."""
    from bairi.core.refs import col_letters, col_number

    places = [re.fullmatch(r"(.*)!([A-Z]+)([0-9]+)", loc) for loc in locations]
    first_place, last_place = (places[0], places[-1]) if places else (None, None)
    if len(locations) == len(KEYS_ORDER) and all(places) and first_place and last_place:
        sheet, first, row = first_place.groups()
        expected = [f"{sheet}!{col_letters(col_number(first) + i)}{row}" for i in range(len(locations))]
        if list(locations) == expected:
            return f"{sheet}!{first}{row}:{last_place[2]}{row}"
    return ""


def _towns_sheet(ws: Worksheet, merged: Any, campaign: Campaign, year: str, month: str,
                 figures: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """One block per town, two rows (本期, 累计) like the form itself, then the total equal to 报告表."""
    from bairi.merge.consolidate import rates

    first = 5 + len(COLUMNS)  # columns: 序号 单位 状态 行 | figures | two rates
    last_col = first + 1
    box(ws, 1, 1, 1, last_col, f"{campaign.authority_short}各单位{month_text(merged.period)}报表明细", TABLE_TITLE)
    set_height(ws, 1, 28)
    for col, label in enumerate(("序号", "单位", "状态", "行"), start=1):
        box(ws, 2, col, 3, col, label, HEAD)
    col = 5
    groups = set()
    for column in COLUMNS:
        if column.group:
            if column.group not in groups:
                box(ws, 2, col, 2, col + 1, column.group, HEAD)
                groups.add(column.group)
            box(ws, 3, col, 3, col, f"{column.header}\n（{column.unit}）", HEAD)
        else:
            box(ws, 2, col, 3, col, f"{column.header}\n（{column.unit}）", HEAD)
        set_width(ws, col, min(column.width, 10))
        col += 1
    box(ws, 2, first, 2, last_col, "累计整改率（%）", HEAD)
    box(ws, 3, first, 3, first, "一般隐患", HEAD)
    box(ws, 3, last_col, 3, last_col, "重大隐患", HEAD)
    set_height(ws, 2, 24)
    set_height(ws, 3, 60)
    for c, width in ((1, 5), (2, 11), (3, 8), (4, 9), (first, 9), (last_col, 9)):
        set_width(ws, c, width)

    form = active()
    blocks: list[tuple[Any, ...]] = []
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
        shown = [None if value is None and not cumulative else ("—" if value is None else float(value))
                 for value in (rate["general_rate"], rate["major_rate"])]
        put_row(ws, row, 1, [index if index != "" else None, town, status, form.period_row.label,
                            *([period.get(k) for k in keys] if period else blank), *shown], looks)
        put_row(ws, row + 1, 1, [None, None, None, form.cumulative_row.label,
                                *([cumulative.get(k) for k in keys] if cumulative else blank), None, None], bottoms[total])
        row += 2
    ws.freeze_panes = "E4"
    print_setup(ws)
    ws.print_title_rows = "2:3"


# What _span learnt holds for one form's width.
on_change(_span.cache_clear)


def _chart_sheet(ws: Worksheet, merged: Any, figures: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """The towns' cumulative hazards found and fixed, as a table and two column charts."""
    rows = []
    for line in merged.towns:
        if line.ret is not None:
            values = figures[id(line.ret)][1]
            rows.append([line.town] + [values.get(k) for k in HAZARD_COUNTS])
        else:
            # Sent back or not received: no figures, so no bar (not a bar of zero), and the label says why.
            rows.append([f"{line.town}（{line.status}）"] + [None] * len(HAZARD_COUNTS))
    last = _table(ws, 1, ["单位", "一般隐患排查", "一般隐患已整改", "重大隐患排查", "重大隐患已整改"], rows, [18, 14, 14, 14, 14],
                  title="各单位累计隐患排查与整改", freeze=False)
    if last < 3:
        return
    for columns, anchor, name in (((2, 3), "G2", "一般隐患（累计）"), ((4, 5), "G22", "重大隐患（累计）")):
        largest = max((row[c - 1] or 0 for row in rows for c in columns), default=0)
        bar_chart(ws, f"各单位{name}排查与整改", anchor=anchor, header_row=2, first_row=3, last_row=last, category_col=1,
                  value_cols=columns, y_title="项", width_cm=24, height_cm=9, whole=float(largest))


HAZARD_COUNTS = ("general_found", "general_fixed", "major_found", "major_fixed")


def write_merged(path: Path, merged: Any, campaign: Campaign, filler: str, filled_on: date, notes: Sequence[str] = (),
                 extra: Callable[[Workbook], None] | None = None, base: Workbook | None = None) -> None:
    """Write the county's merged workbook atomically."""
    import gc

    # Laying out makes a few hundred thousand small objects (cells, their styles) and no cycles; with a
    # thousand returns in memory, the collections they would trigger cost more than the writing itself.
    paused = gc.isenabled()
    gc.disable()
    try:
        data = to_bytes(merged_workbook(merged, campaign, filler, filled_on, notes, extra, base))
    finally:
        if paused:
            gc.enable()
    write_atomic(path, data)
