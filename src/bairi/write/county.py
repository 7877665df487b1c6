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
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bairi.core.atomic import write_atomic
from bairi.core.calendar import month_text
from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, Severity
from bairi.core.form import Form
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

CELLS_SHEET = "单元格来源"
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
    return _workbook(merged, campaign, filler, filled_on, notes, extra, base)[0]


def _workbook(merged: Any, campaign: Campaign, filler: str, filled_on: date, notes: Sequence[str],
              extra: Callable[[Workbook], None] | None, base: Workbook | None) -> tuple[Workbook, list[Finding]]:
    """The county's workbook, and the findings of its 报告表 checked as a town's return is (before the rest is
    laid, so that 问题清单 says them)."""
    year, month = merged.period.split("-")
    if base is None:
        book = Workbook()
        _report_sheet(book.active, merged, campaign, filler, filled_on, notes)
    else:
        book = base
    own = check_report(to_bytes(book), merged.period, campaign)
    _detail_sheets(book, merged, campaign, year, month, own)
    if extra is not None:
        extra(book)
    return book, own


def check_report(data: bytes, period: str, campaign: Campaign) -> list[Finding]:
    """The county's 报告表 read back and checked by the same rules as every town's return: what the city would
    find in it (the notes that only say how a cell was read are left out)."""
    from bairi.check.batch import check_bytes

    name = f"{campaign.authority_short}{period}报告表.xlsx"
    ret = check_bytes(name, name, data, campaign)
    return [f for f in ret.findings if f.severity is not Severity.INFO]


def _report_sheet(ws: Worksheet, merged: Any, campaign: Campaign, filler: str, filled_on: date,
                  notes: Sequence[str]) -> None:
    """报告表: the form filled with the county's totals and its major hazards."""
    ws.title = "报告表"
    year, month = merged.period.split("-")
    form = merged.form
    title = f"{form.title}（{month_text(merged.period)}）"
    keys = [key for key in form.hazard_keys if key != "seq"]  # 序号 is counted afresh
    hazards = [{key: getattr(h, key) for key in keys} for _, h, _ in merged.hazards]
    for hazard, (town, h, _) in zip(hazards, merged.hazards):
        hazard["town"] = h.town or town
    lay_form(ws, campaign, unit=campaign.authority, filler=filler, filled_on=filled_on,
             period=merged.totals["period_row"], cumulative=merged.totals["cumulative_row"],
             hazards=hazards, title=title)
    from bairi.merge.consolidate import incomplete_note

    said = list(notes)
    if not merged.complete:
        said.append(incomplete_note(merged))
    if said:
        box(ws, 9, 1, 9, form_width(form), "\n".join(said), NOTE)
        lines = sum(_wrapped_lines(text, sum(c.width for c in form.columns) + 6) for text in said)
        set_height(ws, 9, max(30 * len(said), LINE_POINTS * lines + 6))


def _detail_sheets(book: Workbook, merged: Any, campaign: Campaign, year: str, month: str,
                   own: Sequence[Finding] = ()) -> None:
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
    labels = {f.key: f.label for f in merged.form.fields}  # the form's own words: 填表日期 or 报送日期 …
    _table(sources, 1, ["单位", "状态", "文件", "收到时间", labels["filled_on"], labels["filler"], "报告期依据", "被取代的文件",
                        "SHA-256"], srows, widths, title="数据来源（每个数字可追溯到文件和单元格）")
    trail: list[list[Any]] = []
    form = merged.form
    for ret in merged.accepted:
        for row_key, word in (("period", form.period_row.label), ("cumulative", form.cumulative_row.label)):
            cells = (ret.period_row if row_key == "period" else ret.cumulative_row) or {}
            trail.append([ret.town, word, str(ret.file), cell_span(cells, form)])
    # A sheet of its own: a sheet repeats one header on every printed page, and this table's is not the first's.
    columns = f"各数字所在单元格（依次为报告表从“{form.columns[0].short}”到“{form.columns[-1].short}”各列）"
    _table(book.create_sheet(CELLS_SHEET), 1, ["单位", "行", "文件", "单元格"], trail, [10, 10, 60, 40], title=columns)

    from bairi.merge.consolidate import questions

    problems = book.create_sheet("问题清单")
    prow: list[list[Any]] = []
    # The county's own 报告表 first: what the city will find in it, checked by the towns' rules.
    for f in own:
        prow.append([campaign.authority_short, merged.period, "本汇总表“报告表”", f.location, f.severity.label, f.code,
                     f.message, "县报告表", f.hint or "请核对所列各镇报表后重新汇总。"])
    asked = {(id(q.ret), q.finding.code, q.finding.location): q.action for q in questions(merged)}
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
            action = asked.get((id(ret), f.code, f.location), f.hint)
            prow.append([ret.town or "", ret.period or "", ret.file.name, f.location, f.severity.label, f.code, f.message,
                         state, action])
    _table(problems, 1, ["单位", "报告期", "文件", "位置", "级别", "代码", "说明", "处理", "县局可做"], prow,
           [10, 9, 30, 16, 6, 7, 60, 10, 50], title="问题清单",
           looks=[BODY, BODY, BODY_LEFT, BODY_LEFT, BODY, BODY, BODY_LEFT, BODY, BODY_LEFT])
    for r, values in enumerate(prow, start=3):
        look = LEVEL_LOOKS.get(values[4])
        if look is not None:
            put(problems, r, 5, values[4], look)

    _chart_sheet(book.create_sheet("图表"), merged, figures)


def cell_span(cells: dict[str, Any], form: Form) -> str:
    """Where a row's figures came from: Sheet1!B7:N7 when side by side in `form`'s order, else each cell."""
    span = _span(tuple([cells[key].location for key in form.keys if key in cells]), len(form.keys))
    return span or "；".join(f"{form.by_key[key].label} {cells[key].location}" for key in form.keys if key in cells)


# Most returns keep the form's layout, so the same locations recur in every file of a merge.
@lru_cache(maxsize=1024)
def _span(locations: tuple[str, ...], width: int) -> str:
    """Sheet1!B7:N7 for a whole row of a form `width` columns wide side by side in the form's order, else ''."""
    from bairi.core.refs import col_letters, col_number

    places = [re.fullmatch(r"(.*)!([A-Z]+)([0-9]+)", loc) for loc in locations]
    first_place, last_place = (places[0], places[-1]) if places else (None, None)
    if len(locations) == width and all(places) and first_place and last_place:
        sheet, first, row = first_place.groups()
        expected = [f"{sheet}!{col_letters(col_number(first) + i)}{row}" for i in range(len(locations))]
        if list(locations) == expected:
            return f"{sheet}!{first}{row}:{last_place[2]}{row}"
    return ""


def _towns_sheet(ws: Worksheet, merged: Any, campaign: Campaign, year: str, month: str,
                 figures: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """One block per town, two rows (本期, 累计) like the form itself, then the total equal to 报告表."""
    from bairi.merge.consolidate import rate_key, rates

    form = merged.form
    pairs = list(form.found_fixed)
    first = 5 + len(form.columns)  # columns: 序号 单位 状态 行 | figures | a rate per found/fixed pair of the form
    last_col = max(first + len(pairs) - 1, first - 1)
    box(ws, 1, 1, 1, last_col, f"{campaign.authority_short}各单位{month_text(merged.period)}报表明细", TABLE_TITLE)
    set_height(ws, 1, 28)
    for col, label in enumerate(("序号", "单位", "状态", "行"), start=1):
        box(ws, 2, col, 3, col, label, HEAD)
    col = 5
    groups = set()
    for column in form.columns:
        if column.group:
            if column.group not in groups:
                box(ws, 2, col, 2, col + 1, column.group, HEAD)
                groups.add(column.group)
            box(ws, 3, col, 3, col, f"{column.header}\n（{column.unit}）", HEAD)
        else:
            box(ws, 2, col, 3, col, f"{column.header}\n（{column.unit}）", HEAD)
        set_width(ws, col, min(column.width, 10))
        col += 1
    if pairs:
        box(ws, 2, first, 2, last_col, "累计整改率（%）", HEAD)
    for c, (found_key, _) in enumerate(pairs, start=first):
        box(ws, 3, c, 3, c, form.by_key[found_key].group or form.by_key[found_key].header, HEAD)
    set_height(ws, 2, 24)
    set_height(ws, 3, 60)
    for c, width in ((1, 5), (2, 11), (3, 8), (4, 14), *((c, 9) for c in range(first, last_col + 1))):
        set_width(ws, c, width)

    blocks: list[tuple[Any, ...]] = []
    from bairi.merge.consolidate import month_word

    carried_word: dict[str, str] = {}
    for index, line in enumerate(merged.towns, start=1):
        ret = line.ret
        if ret is None and line.carried is not None:
            # The county's 累计 includes this town's last accepted 累计: shown here, so that the column adds up.
            carried_word[line.town] = f"沿用{month_word(line.cumulative_from or '')}累计"
            blocks.append((index, line.town, line.status, {}, line.carried.values("cumulative")))
            continue
        blocks.append((index, line.town, line.status, *(figures[id(ret)] if ret else ({}, {}))))
    blocks.append(("", "合计", f"{len(merged.accepted)}/{len(merged.towns)}",
                   merged.totals["period_row"], merged.totals["cumulative_row"]))
    body = [COUNT if column.kind == "count" else AMOUNT for column in form.columns]
    head = [HEAD_COUNT if column.kind == "count" else HEAD_AMOUNT for column in form.columns]
    keys = list(form.keys)
    blank = [None] * len(keys)
    # Per block: the first row's looks (the merged cells' values sit there), the second row's.
    tops: dict[tuple[bool, str], list[Look]] = {}
    bottoms = {total: [BODY, BODY, BODY, HEAD if total else BODY, *(head if total else body), *[BODY] * len(pairs)]
               for total in (False, True)}
    row = 4
    for index, town, status, period, cumulative in blocks:
        total = town == "合计"
        plain, rate_look = (HEAD, HEAD_RATE) if total else (BODY, RATE)
        looks = tops.get((total, status))
        if looks is None:
            looks = tops[(total, status)] = [plain, plain, STATUS_LOOKS.get(status, plain), plain,
                                             *(head if total else body), *[rate_look] * len(pairs)]
        for c in (1, 2, 3, *range(first, last_col + 1)):
            merge(ws, row, c, row + 1, c)
        rate = rates(cumulative, form) if cumulative else {}
        shown = [None if value is None and not cumulative else ("—" if value is None else float(value))
                 for value in (rate.get(rate_key(found)) for found, _ in pairs)]
        put_row(ws, row, 1, [index if index != "" else None, town, status, form.period_row.label,
                            *([period.get(k) for k in keys] if period else blank), *shown], looks)
        put_row(ws, row + 1, 1, [None, None, None, carried_word.get(town, form.cumulative_row.label),
                                *([cumulative.get(k) for k in keys] if cumulative else blank), *[None] * len(pairs)],
                bottoms[total])
        row += 2
    ws.freeze_panes = "E4"
    print_setup(ws)
    ws.print_title_rows = "2:3"


def _chart_sheet(ws: Worksheet, merged: Any, figures: dict[int, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """The towns' cumulative found and fixed figures (each found/fixed pair of the form), as a table and a column
    chart per pair."""
    columns = merged.form.by_key
    pairs = list(merged.form.found_fixed)
    keys = [key for pair in pairs for key in pair]
    rows = []
    for line in merged.towns:
        if line.ret is not None:
            values = figures[id(line.ret)][1]
            rows.append([line.town] + [values.get(k) for k in keys])
        else:
            # Sent back or not received: no figures, so no bar (not a bar of zero), and the label says why.
            rows.append([f"{line.town}（{line.status}）"] + [None] * len(keys))
    last = _table(ws, 1, ["单位", *(columns[k].short for k in keys)], rows, [18, *[14] * len(keys)],
                  title="各单位累计隐患排查与整改" if all("隐患" in columns[k].short for k in keys) else "各单位累计排查与整改",
                  freeze=False)
    if last < 3 or not pairs:
        return
    for index, (found, _) in enumerate(pairs):
        cols = (2 + 2 * index, 3 + 2 * index)
        name = f"{columns[found].group or columns[found].header}（累计）"
        largest = max((row[c - 1] or 0 for row in rows for c in cols), default=0)
        bar_chart(ws, f"各单位{name}排查与整改", anchor=f"{get_column_letter(len(keys) + 3)}{2 + 20 * index}", header_row=2,
                  first_row=3, last_row=last, category_col=1, value_cols=cols, y_title=columns[found].unit,
                  width_cm=24, height_cm=9, whole=float(largest))




def write_merged(path: Path, merged: Any, campaign: Campaign, filler: str, filled_on: date, notes: Sequence[str] = (),
                 extra: Callable[[Workbook], None] | None = None, base: Workbook | None = None) -> list[Finding]:
    """Write the county's merged workbook atomically; returns the findings of its 报告表's own check."""
    import gc

    # Laying out makes a few hundred thousand small objects (cells, their styles) and no cycles; with a
    # thousand returns in memory, the collections they would trigger cost more than the writing itself.
    paused = gc.isenabled()
    gc.disable()
    try:
        book, own = _workbook(merged, campaign, filler, filled_on, notes, extra, base)
        data = to_bytes(book)
    finally:
        if paused:
            gc.enable()
    write_atomic(path, data)
    return own
