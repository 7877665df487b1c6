"""The register workbook (重大隐患台账.xlsx): written print-ready with openpyxl, and read back on the next run.

The columns are declared once here; the reader finds them by their headers, so a clerk who moves or
widens a column loses nothing. The clerk's columns (核查结果 … 县级确认) are written back exactly as read.
The last column (hidden) remembers which month's rows made each entry, so that the next run recognises
it and keeps a rejected match apart.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bairi.core.calendar import month_text
from bairi.core.campaign import Campaign
from bairi.core.refs import col_letters
from bairi.hazards.entries import (
    BASIS_LABELS,
    CLERK_COLUMNS,
    Entry,
    PreviousEntry,
    PreviousRegister,
    Register,
)

SHEET = "重大隐患台账"
SOURCES_SHEET = "来源"
FINDINGS_SHEET = "问题清单"
FONT = "宋体"
LINKS_HEADER = "关联（程序用，勿改）"
HEADER_ROW = 4  # row 3 holds the group headers above it
FIRST_ROW = HEADER_ROW + 1

# (key, header, width) before the month columns.
FRONT: tuple[tuple[str, str, float], ...] = (
    ("id", "编号", 14),
    ("town", "所在镇", 8),
    ("enterprise", "企业名称", 20),
    ("category", "行业类别", 6),
    ("supervisor", "挂牌督办单位", 12),
    ("detail", "重大隐患明细及整改计划", 36),
    ("first_period", "首次报告", 8),
    ("deadline", "整改期限", 10),
    ("status", "状态", 7),
    ("overdue", "是否逾期", 6),
    ("basis", "整改依据", 12),
)
GROUPS = {"measures": "五到位", "responsibility": "五到位", "funds": "五到位", "timeline": "五到位", "contingency": "五到位",
          "town_confirmed": "两级确认", "county_confirmed": "两级确认"}
CLERK_WIDTHS = {"verified": 12, "closed_on": 10, "owner": 7, "match": 7, "remarks": 10}
# Wrapped text grows a row by this much per line (10-point 宋体); Excel and LibreOffice do not grow it themselves.
LINE_POINTS = 13.5

FILLS = {"overdue": "FFC7CE", "open": "FFEB9C", "rectified": "C6EFCE", "header": "D9D9D9", "clerk": "DDEBF7"}


class RegisterUnreadable(Exception):
    """The previous register exists but cannot be read back (an operator problem: nothing is overwritten)."""


def _month_cell(entry: Entry, period: str) -> str:
    seen = [s for s in entry.seen if s.period == period]
    if entry.carried:
        return "列入" if period in entry.carried_periods else ""
    if not seen:
        if entry.first_period and period > entry.first_period and entry.last_period and period > entry.last_period:
            return "未列入" if entry.vanished_from and period >= entry.vanished_from else ""
        return ""
    row = seen[0]
    return f"{'已整改' if row.rectified else '未整改'}\n{row.hazard.location}"


def _front_values(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id, "town": entry.town, "enterprise": entry.enterprise, "category": entry.category,
        "supervisor": entry.supervisor, "detail": entry.detail, "first_period": entry.first_period or "",
        "deadline": entry.deadline, "status": entry.status_label,
        "overdue": entry.state_label if entry.overdue or entry.late_days or entry.plan_beyond_deadline else "",
        "basis": _basis(entry),
    }


def _basis(entry: Entry) -> str:
    if entry.status != "rectified":
        return "未再列入，待核实" if entry.vanished_from else ""
    label = BASIS_LABELS.get(entry.basis, "")
    label = f"{label}（{entry.rectified_in}）" if entry.rectified_in else label
    if entry.rectified_on is not None:
        label += f"，{'不晚于' if entry.rectified_bound else ''}{entry.rectified_on.isoformat()}整改"
    return label


def _links(entry: Entry) -> str:
    return json.dumps({"keys": entry.keys, "fuzzy": [list(p) for p in entry.fuzzy],
                       "apart": [list(p) for p in entry.apart], "periods": entry.periods},
                      ensure_ascii=False, separators=(",", ":"))


def register_workbook(register: Register, campaign: Campaign) -> Any:
    """The register as an openpyxl workbook: one row per hazard, the months as columns, print-ready."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET
    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    plain = Font(name=FONT, size=10)
    bold = Font(name=FONT, size=10, bold=True)
    wrap = Alignment(wrap_text=True, vertical="center")
    centre = Alignment(wrap_text=True, vertical="center", horizontal="center")
    columns: list[tuple[str, str, float, str]] = [(k, h, w, "") for k, h, w in FRONT]
    columns += [(f"month:{p}", month_text(p), 9, "各月报表列报情况") for p in register.periods]
    columns += [(k, h, CLERK_WIDTHS.get(k, 5), GROUPS.get(k, "县局核查")) for k, h in CLERK_COLUMNS]
    columns.append(("links", LINKS_HEADER, 10, ""))
    last = len(columns)

    title = f"{campaign.authority_short}冶金工贸行业重大隐患台账"
    ws.cell(1, 1, title).font = Font(name=FONT, size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last - 1)
    counts = (f"截至{register.as_of.isoformat()}：共{len(register.entries)}项，未整改{len(register.open)}项，"
              f"其中逾期{sum(1 for e in register.entries if e.overdue)}项。浅蓝色各列由县局填写，程序重新生成台账时原样保留。")
    ws.cell(2, 1, counts).font = plain
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last - 1)
    ws.row_dimensions[1].height = 30

    header_fill = PatternFill("solid", fgColor=FILLS["header"])
    clerk_fill = PatternFill("solid", fgColor=FILLS["clerk"])
    clerk_keys = {k for k, _ in CLERK_COLUMNS}
    spans: list[tuple[str, list[int]]] = []
    for col, (key, header, width, group) in enumerate(columns, start=1):
        ws.column_dimensions[col_letters(col)].width = width
        for row in (3, HEADER_ROW):
            cell = ws.cell(row, col)
            cell.font, cell.alignment, cell.border = bold, centre, box
            cell.fill = clerk_fill if key in clerk_keys else header_fill
        ws.cell(HEADER_ROW, col, header)
        if group:
            # Runs of neighbouring columns under one label: 备注 after 两级确认 is 县局核查 again, on its own.
            if spans and spans[-1][0] == group and spans[-1][1][-1] == col - 1:
                spans[-1][1].append(col)
            else:
                spans.append((group, [col]))
            ws.cell(3, col, group)
    for _, cols in spans:
        if len(cols) > 1:
            ws.merge_cells(start_row=3, start_column=cols[0], end_row=3, end_column=cols[-1])
    ws.row_dimensions[HEADER_ROW].height = 30

    fills = {name: PatternFill("solid", fgColor=colour) for name, colour in FILLS.items()}
    for offset, entry in enumerate(register.entries):
        row = FIRST_ROW + offset
        front = _front_values(entry)
        for col, (key, _, _, _) in enumerate(columns, start=1):
            if key in front:
                value = front[key]
            elif key.startswith("month:"):
                value = _month_cell(entry, key[6:])
            elif key == "links":
                value = _links(entry)
            else:
                value = entry.clerk.get(key)
            cell = ws.cell(row, col)
            if isinstance(value, datetime):
                value = value.replace(tzinfo=None)
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"  # a detail starting with = stays text
            elif value is not None:
                cell.value = value
            if isinstance(value, (date, datetime)):
                cell.number_format = "yyyy-mm-dd"
            cell.font, cell.border = plain, box
            cell.alignment = wrap if key in ("enterprise", "supervisor", "detail", "basis", "verified", "remarks") else centre
        state = "overdue" if entry.overdue else entry.status
        for key in ("status", "overdue"):
            ws.cell(row, [c[0] for c in columns].index(key) + 1).fill = fills[state]
        ws.row_dimensions[row].height = _height(entry, columns)
    end = FIRST_ROW + len(register.entries) - 1
    links_letter = col_letters(last)
    ws.column_dimensions[links_letter].hidden = True
    ws.auto_filter.ref = f"A{HEADER_ROW}:{col_letters(last - 1)}{max(end, HEADER_ROW)}"
    ws.freeze_panes = f"D{FIRST_ROW}"
    ws.print_title_rows = f"3:{HEADER_ROW}"
    ws.print_area = f"A1:{col_letters(last - 1)}{max(end, HEADER_ROW)}"
    _print_setup(ws)
    # 26 columns do not fit a page at a legible size: A3 at full size, and the columns that do not fit go on
    # the next page with 编号, 所在镇 and 企业名称 repeated, each band of rows printed across before down.
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = 100
    ws.print_title_cols = "A:C"
    ws.page_setup.pageOrder = "overThenDown"
    _sources_sheet(workbook.create_sheet(SOURCES_SHEET), register, plain, bold, box, header_fill)
    _findings_sheet(workbook.create_sheet(FINDINGS_SHEET), register, plain, bold, box, header_fill)
    return workbook


def _lines(text: str, width: float) -> int:
    """How many lines a text takes in a column of that width (a CJK character is two units wide)."""
    per_line = max(1.0, width - 1.5)
    total = 0
    for part in str(text).split("\n"):
        units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in part)
        total += max(1, -(-int(units) // int(per_line)))
    return total


def _height(entry: Entry, columns: list[tuple[str, str, float, str]]) -> float:
    widths = {key: width for key, _, width, _ in columns}
    texts = [(entry.detail, widths["detail"]), (entry.enterprise, widths["enterprise"]),
             (entry.supervisor, widths["supervisor"]), (_basis(entry), widths["basis"])]
    texts += [(str(entry.clerk.get(k) or ""), widths[k]) for k in ("verified", "remarks")]
    lines = max([2] + [_lines(text, width) for text, width in texts if text])
    return min(409, LINE_POINTS * lines + 6)


def _print_setup(ws: Any) -> None:
    from bairi.write.book import print_setup

    print_setup(ws)
    ws.sheet_view.showGridLines = True  # the register is worked in on screen, row by row
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _table(ws: Any, headers: list[tuple[str, int]] | list[tuple[str, float]], rows: list[list[Any]], plain: Any, bold: Any, box: Any,
           fill: Any) -> None:
    from openpyxl.styles import Alignment
    for col, (header, width) in enumerate(headers, start=1):
        cell = ws.cell(1, col, header)
        cell.font, cell.border, cell.fill = bold, box, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[col_letters(col)].width = width
    ws.row_dimensions[1].height = 30
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(r, col)
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"
            elif isinstance(value, datetime):
                cell.value = value.replace(tzinfo=None)
                cell.number_format = "yyyy-mm-dd hh:mm"
            else:
                cell.value = value
            cell.font, cell.border = plain, box
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        lines = max(_lines(value, width) for value, (_, width) in zip(values, headers) if isinstance(value, str)) \
            if any(isinstance(v, str) for v in values) else 1
        ws.row_dimensions[r].height = min(409, LINE_POINTS * lines + 4)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{col_letters(len(headers))}{max(1, len(rows) + 1)}"
    ws.print_title_rows = "1:1"
    _print_setup(ws)


def _sources_sheet(ws: Any, register: Register, *style: Any) -> None:
    headers = [("编号", 13), ("报告期", 9), ("文件", 36), ("收到时间", 16), ("位置", 16), ("企业名称（原文）", 24),
               ("所在镇（原文）", 9), ("重大隐患明细及整改计划（原文）", 50), ("注明已整改", 8)]
    rows = [[e.id, s.period, s.file, s.received, s.hazard.location, s.hazard.enterprise, s.hazard.town, s.hazard.detail,
             "是" if s.rectified else ""] for e in register.entries for s in e.seen]
    _table(ws, headers, rows, *style)


def _findings_sheet(ws: Any, register: Register, *style: Any) -> None:
    headers = [("代码", 7), ("级别", 6), ("位置", 40), ("说明", 70), ("处理建议", 40)]
    rows = [[f.code, f.severity.label, f.location, f.message, f.hint] for f in register.findings]
    _table(ws, headers, rows, *style)


def write_register(path: Path, register: Register, campaign: Campaign) -> None:
    """Write the register workbook atomically (a crash leaves the previous register as it was)."""
    from bairi.write.book import save

    save(register_workbook(register, campaign), path)


# --- reading it back ---------------------------------------------------------------------------------

def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _pairs(raw: object) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        return []
    return [(str(p[0]), str(p[1])) for p in raw if isinstance(p, list) and len(p) == 2]


def read_register(path: Path) -> PreviousRegister:
    """The previous register's rows (clerk's columns as typed), or RegisterUnreadable saying why."""
    from bairi.core.form import normalize
    from bairi.guard.limits import Unreadable
    from bairi.read.grid import load_book

    try:
        data = Path(path).read_bytes()
        book = load_book(Path(path).name, data)
    except OSError as exc:
        raise RegisterUnreadable(f"上次的台账 {path} 无法读取：{exc.strerror or exc}") from None
    except Unreadable as exc:
        from bairi.core.findings import CATALOGUE

        entry = CATALOGUE[exc.code]
        raise RegisterUnreadable(f"上次的台账 {path} 无法读取：{entry.template.format(**exc.fields)}") from None
    sheet = next((s for s in book.sheets if s.name == SHEET), None)
    header = None
    if sheet is not None:
        for r, row in enumerate(sheet.rows[:20]):
            texts = [normalize(_text(v)) for v in row]
            if "编号" in texts and "企业名称" in texts:
                header = r
                break
    if sheet is None or header is None:
        raise RegisterUnreadable(f"{path} 不是重大隐患台账（没有“{SHEET}”工作表及其表头），为免覆盖其他文件，未写出；"
                                 "请用 -o 指定台账文件。")
    labels: dict[str, int] = {}
    for c, value in enumerate(sheet.rows[header]):
        text = normalize(_text(value))
        if text:
            labels.setdefault(text, c)
    wanted = {key: normalize(h) for key, h, _ in FRONT} | {key: normalize(h) for key, h in CLERK_COLUMNS}
    wanted["links"] = normalize(LINKS_HEADER)
    where = {key: labels[label] for key, label in wanted.items() if label in labels}
    if "id" not in where:
        raise RegisterUnreadable(f"{path} 的台账缺少“编号”列，无法对应上次登记的内容，未写出。")
    month_cols = [(period, c) for label, c in labels.items() if (period := _month_of(label))]
    start = header + 1
    previous = PreviousRegister(str(path))
    for r in range(start, len(sheet.rows)):
        row = sheet.rows[r]

        def get(key: str, row: list[object] = row) -> object:
            c = where.get(key)
            return row[c] if c is not None and c < len(row) else None

        if not _text(get("id")) and not _text(get("enterprise")):
            continue
        links: Any
        try:
            links = json.loads(_text(get("links")) or "{}")
        except ValueError:
            links = {}
        if not isinstance(links, dict):
            links = {}
        clerk = {key: get(key) for key, _ in CLERK_COLUMNS if get(key) not in (None, "")}
        periods = links.get("periods") if isinstance(links.get("periods"), list) else \
            [period for period, c in month_cols if c < len(row) and _text(row[c]).startswith(("未整改", "已整改", "列入"))]
        fields: dict[str, object] = {key: get(key) for key, _, _ in FRONT}
        fields["periods"] = ",".join(str(p) for p in periods if p)
        previous.entries.append(PreviousEntry(
            id=_text(get("id")), location=f"{path.name if isinstance(path, Path) else path} {SHEET}!A{r + 1}",
            keys=[str(k) for k in links.get("keys", []) if isinstance(k, str)],
            fuzzy=_pairs(links.get("fuzzy")), apart=_pairs(links.get("apart")), clerk=clerk,
            row={k: (_text(v) if not isinstance(v, (date, datetime)) else v) for k, v in fields.items()}))
    return previous


def _month_of(label: str) -> str | None:
    """2023年11月 → 2023-11; None for any other header."""
    match = re.fullmatch(r"(\d{4})年(\d{1,2})月", label)
    return f"{match[1]}-{int(match[2]):02d}" if match and 1 <= int(match[2]) <= 12 else None

