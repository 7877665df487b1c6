"""The return form learnt from its attachment: a worksheet (.xlsx/.xls/.et) or the table in the notice itself.

The form is read as a person reads it: the title (…表), the header fields (填报单位：), the statistics table with a
one- or two-row header (一般隐患 over 排查/已整改), each column's unit from its brackets, the rows (the period's row
and 累计), the detail table (序号, 企业名称, …) and the found/fixed pairs by their words. The result is the data of a
form file (as core/form.toml), or the notice's own form when it is that one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bairi.core.form import NOTICE, Form, FormError, HazardColumn, form_of, normalize
from bairi.core.formfile import FIELD_KEYS, HAZARD_FIELDS
from bairi.core.values import COUNT_UNITS, MONEY_UNITS
from bairi.guard.limits import Unreadable, read_input
from bairi.notice.text import Grid, NoticeError, NoticeText, clean

_UNIT = re.compile(r"^(?P<name>.*?)[（(]\s*(?:单位\s*[:：])?\s*(?P<unit>[^（）()]{1,4})\s*[）)]$")
_AMOUNT_WORDS = re.compile(r"金额|罚款|罚没|资金|投入|经费")
_FIELD = re.compile(r"(?P<label>[\u4e00-\u9fff]{2,6}(?:[（(][\u4e00-\u9fff]{1,4}[）)])?)\s*[:：]")
_HAZARD_HEADER = re.compile(r"^(序号|编号)$")
_NUMBER = re.compile(r"^[\d.,\s]+$")
# Words of a header → an English key, for a column the notice's form does not have (the JSON key; the
# clerk sees the Chinese label).
_KEY_WORDS = (("督查组", "teams"), ("检查组", "teams"), ("立案", "cases_filed"), ("结案", "cases_closed"),
              ("罚款", "fines"), ("处罚", "penalties"), ("企业", "enterprises"), ("单位", "units"), ("隐患", "hazards"),
              ("问题", "problems"), ("整改", "fixed"), ("排查", "found"), ("发现", "found"), ("检查", "inspected"),
              ("停产", "suspended"), ("停业", "suspended"), ("关闭", "closed"), ("取缔", "closed"),
              ("曝光", "exposed"), ("约谈", "interviewed"), ("人次", "persons"), ("培训", "trained"),
              ("演练", "drills"), ("宣传", "publicity"), ("执法", "enforcement"), ("查封", "sealed"),
              ("扣押", "seized"), ("移送", "transferred"), ("问责", "accountability"), ("举报", "reports"),
              ("案例", "cases"), ("事故", "accidents"), ("死亡", "deaths"), ("受伤", "injured"),
              ("乡镇", "towns"), ("行政村", "villages"), ("总数", "total"), ("已落实", "done"), ("人员", "staff"),
              ("经费", "funds"), ("金额", "amount"))
_FOUND = re.compile(r"排查|发现|查出|查处|检查出|摸排")
_FIXED = re.compile(r"整改|整治|销号|消除")
_NOT_FIXED = re.compile(r"责令|限期|率|未整改|正在整改|整改中")
# The detail table's fields by the words other forms use for them (after the notice form's own patterns).
_HAZARD_WORDS = (("seq", r"序号|编号"), ("enterprise", r"企业|单位名称|生产经营单位"),
                 ("town", r"所在|所属|地区|区域|乡镇|县|州|市"), ("category", r"类别|行业|类型"),
                 ("supervisor", r"督办|责任单位|监管部门"), ("detail", r"隐患|内容|描述|措施|计划"))


@dataclass
class LearntForm:
    """What was learnt: the form file's data, whether it is the notice's own form, and the evidence."""

    data: dict[str, Any]
    builtin: bool
    source: str
    # Each part of the form with the words it was read from (for the clerk to confirm), in Chinese.
    evidence: list[tuple[str, str]] = field(default_factory=list)
    # What was not on the form and was taken from the notice's form instead, in Chinese.
    notes: list[str] = field(default_factory=list)

    def form(self) -> Form:
        """The learnt form as bairi reads one (validated as a form file is)."""
        return NOTICE if self.builtin else form_of(self.data, self.source)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return clean(str(value))


def _squeeze(text: str) -> str:
    """A header as one run of words: the spaces and line breaks of a narrow cell taken out."""
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）").replace(":", "：")


def notice_grid(notice: NoticeText) -> Grid:
    """A notice as one grid: each line a row of one cell, each table its own rows, in the order they stand."""
    grid: Grid = []
    pending = sorted(zip(notice.table_at, notice.tables, strict=False), key=lambda item: item[0])
    at = 0
    for index, line in enumerate(notice.lines):
        while at < len(pending) and pending[at][0] == index:
            grid.extend(list(row) for row in pending[at][1])
            grid.append([])
            at += 1
        grid.append([line])
    for _, table in pending[at:]:
        grid.extend(list(row) for row in table)
        grid.append([])
    return grid


def attachment_grids(path: Path) -> list[tuple[str, Grid]]:
    """Every sheet of an attachment workbook (.xlsx/.xls/.et/.ods) as a grid of texts, read by the grid reader."""
    from bairi.read.grid import load_book

    path = Path(path)
    if not path.is_file():
        raise NoticeError(f"附件表格不存在：{path}")
    try:
        book = load_book(path.name, read_input(path))
    except Unreadable as exc:
        from bairi.core.findings import finding

        message = finding(exc.code, path.name, **exc.fields).message
        raise NoticeError(f"无法读取附件表格 {path.name}：{message}") from None
    except OSError as exc:
        raise NoticeError(f"无法读取附件表格 {path}：{exc.strerror or exc}") from None
    grids = []
    for sheet in book.sheets:
        if sheet.hidden:
            continue
        grid = [[_text(v) for v in row] for row in sheet.rows]
        # A merged range's other cells are empty, as a Word table's are (calamine may repeat nothing, but an
        # .ods scan or a writer may): only the top-left keeps the text.
        for (r1, c1), (r2, c2) in sheet.merged:
            for r in range(r1, min(r2, len(grid) - 1) + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1) and c < len(grid[r]):
                        grid[r][c] = ""
        grids.append((sheet.name, grid))
    return grids


def _filled(row: list[str]) -> list[tuple[int, str]]:
    return [(c, v) for c, v in enumerate(row) if v.strip()]


def _first(row: list[str]) -> str:
    cells = _filled(row)
    return _squeeze(cells[0][1]) if cells else ""


def _stats_header(grid: Grid) -> int | None:
    """The header row of the statistics table: three or more headers, with a 累计 row (or a labelled one) below."""
    fallback = None
    for r, row in enumerate(grid):
        cells = _filled(row)
        if len(cells) < 3 or any(_HAZARD_HEADER.match(_squeeze(v)) for _, v in cells):
            continue
        if all(_NUMBER.match(v) for _, v in cells[1:]):
            continue
        if sum(1 for _, v in cells if re.search(r"[:：]\s*_*$", v.strip())) >= 2:
            continue  # 填报单位：  填表人：  填表日期： is the fields' row, not a header
        below = [_first(grid[i]) for i in range(r + 1, min(len(grid), r + 10)) if len(grid[i]) >= 2]
        if any("累计" in label for label in below):
            return r
        if fallback is None and sum(1 for _, v in cells if _UNIT.match(_squeeze(v))) >= 2:
            fallback = r
    return fallback


def _unit_of(text: str) -> tuple[str, str]:
    match = _UNIT.match(text)
    if match and (match["unit"] in MONEY_UNITS or match["unit"] in COUNT_UNITS):
        return match["name"], match["unit"]
    return text, ""


def _is_subheader(row: list[str], label_col: int) -> bool:
    cells = _filled(row)
    return bool(cells) and (label_col >= len(row) or not row[label_col].strip()) and not any(
        _NUMBER.match(v) for _, v in cells)


def learn_from_grid(grid: Grid, source: str) -> LearntForm | None:
    """The form in a grid (a worksheet, or a notice laid out as one), or None when it holds no statistics table."""
    header = _stats_header(grid)
    if header is None:
        return None
    learnt = LearntForm({}, False, source)
    top = grid[header]
    label_col = _filled(top)[0][0]
    depth = 2 if header + 1 < len(grid) and _is_subheader(grid[header + 1], label_col) else 1
    sub = grid[header + 1] if depth == 2 else []
    columns = _columns(top, sub, label_col, learnt)
    rows_at = _data_rows(grid, header + depth, label_col)
    hazard_title: dict[str, str] = {}
    data: dict[str, Any] = {
        "title": _title(grid, header, learnt),
        "hazard_title": NOTICE.hazard_title,
        "row_label_header": _squeeze(top[label_col]) or NOTICE.row_label_header,
        "fields": _fields(grid, header, learnt),
        "rows": _rows(rows_at, learnt),
        "columns": columns,
        "found_fixed": _pairs(columns, learnt),
        "hazard_columns": _hazards(grid, header + depth, learnt, hazard_title),
    }
    if hazard_title.get("title"):
        data["hazard_title"] = hazard_title["title"]
    learnt.data = data
    try:
        form = form_of(data, source)
    except FormError as exc:
        raise NoticeError(f"从 {source} 学到的表式不完整：{exc}") from None
    learnt.builtin = same_form(form, NOTICE)
    return learnt


def same_form(a: Form, b: Form) -> bool:
    """Whether two forms are the same to whoever fills them: words, units, kinds, order, rows, pairs."""
    def words(form: Form) -> tuple:
        return (form.title, form.hazard_title, form.row_label_header,
                tuple((f.key, f.label) for f in form.fields), form.period_row.label, form.cumulative_row.label,
                tuple((c.key, c.group, c.header, c.unit, c.kind) for c in form.columns), form.found_fixed,
                tuple((h.key, h.header) for h in form.hazard_columns))
    return words(a) == words(b)


def _title(grid: Grid, header: int, learnt: LearntForm) -> str:
    for r in range(header - 1, max(-1, header - 12), -1):
        cells = _filled(grid[r])
        if len(cells) == 1 and _squeeze(cells[0][1]).endswith("表") and len(_squeeze(cells[0][1])) > 4:
            title = _squeeze(cells[0][1])
            learnt.evidence.append(("表名", title))
            return title
    learnt.notes.append(f"表格上方没有表名，沿用通知表式的表名“{NOTICE.title}”")
    return NOTICE.title


def _fields(grid: Grid, header: int, learnt: LearntForm) -> list[dict[str, str]]:
    found: dict[str, str] = {}
    for r in range(max(0, header - 8), header):
        for _, text in _filled(grid[r]):
            for match in _FIELD.finditer(_squeeze(text)):
                label = re.sub(r"[（(].*$", "", match["label"])
                key = ("filled_on" if re.search(r"日期|时间", label) else "unit" if "单位" in label
                       else "filler" if label.endswith("人") else None)
                if key and key not in found:
                    found[key] = label
                    learnt.evidence.append((f"表头栏目（{key}）", label))
    defaults = {f.key: f.label for f in NOTICE.fields}
    for key in FIELD_KEYS:
        if key not in found:
            found[key] = defaults[key]
            learnt.notes.append(f"表上没有“{defaults[key]}”一栏，按通知表式保留")
    return [{"key": key, "label": found[key]} for key in FIELD_KEYS]


def _columns(top: list[str], sub: list[str], label_col: int, learnt: LearntForm) -> list[dict[str, Any]]:
    spans: list[tuple[str, str]] = []  # (group, header as written)
    group = ""
    for c in range(label_col + 1, max(len(top), len(sub))):
        upper = _squeeze(top[c]) if c < len(top) else ""
        lower = _squeeze(sub[c]) if c < len(sub) else ""
        if lower:
            if upper:
                group = upper
            spans.append((group, lower))
        elif upper:
            group = ""
            spans.append(("", upper))
    columns: list[dict[str, Any]] = []
    labels = [normalize(g + h) for g, h in spans]
    used: set[str] = set()
    for index, (group, written) in enumerate(spans):
        header, unit = _unit_of(written)
        kind = "amount" if unit in MONEY_UNITS else "count"
        if not unit:
            kind, unit = ("amount", "万元") if _AMOUNT_WORDS.search(written) else ("count", "个")
            learnt.notes.append(f"“{group + written}”没有写单位，按“{unit}”读")
        label = labels[index]
        known = next((c for c in NOTICE.columns if c.kind == kind and c.key not in used and c.regex.search(label)
                      and not any(c.regex.search(other) for j, other in enumerate(labels) if j != index)), None)
        if known is not None:
            key, pattern = known.key, known.pattern
        else:
            key = _new_key(header, group, used)
            pattern = "^" + re.escape(normalize(group + header)) + r"(\(.*\))?$"
        used.add(key)
        column: dict[str, Any] = {"key": key, "header": header, "unit": unit, "kind": kind, "pattern": pattern}
        if group:
            column["group"] = group
        same = NOTICE.by_key.get(key)
        width = same.width if same is not None and same.header == header else (13.0 if len(header) > 8 else 9.0)
        if width != 9.0:
            column["width"] = width
        columns.append(column)
        learnt.evidence.append((f"栏目 {key}", f"{group + '/' if group else ''}{header}（{unit}）：{'金额' if kind == 'amount' else '数量'}"))
    return columns


_VERBS = {"found", "fixed", "inspected", "total", "done", "amount"}


def _words(text: str) -> list[str]:
    """The English words of a header's Chinese words, in the order they stand."""
    found = sorted((text.find(word), english) for word, english in _KEY_WORDS if word in text)
    return list(dict.fromkeys(english for _, english in found))


def _new_key(header: str, group: str, used: set[str]) -> str:
    """An English key from the header's words in their order (then the group's): 立案 → cases_filed."""
    head, over = _words(header), _words(group)
    # 排查 under 重大事故隐患 is hazards_found: a header that only says what was done takes its group's noun.
    parts = (over[-1:] + head) if head and set(head) <= _VERBS and over else (head or over)
    key = "_".join(parts[:3]) or "column"
    candidate, n = key, 2
    while candidate in used or candidate in HAZARD_FIELDS:
        candidate, n = f"{key}_{n}", n + 1
    return candidate


def _data_rows(grid: Grid, start: int, label_col: int) -> list[str]:
    labels = []
    for r in range(start, min(len(grid), start + 12)):
        row = grid[r]
        label = _squeeze(row[label_col]) if label_col < len(row) else ""
        if not label:
            if not _filled(row):
                break
            continue
        if _HAZARD_HEADER.match(label) or len(_filled(row)) == 1 and len(row) == 1:
            break
        labels.append(label)
    return labels


def _rows(labels: list[str], learnt: LearntForm) -> dict[str, dict[str, str]]:
    cumulative = next((label for label in labels if "累计" in label), "")
    period = next((label for label in labels if "累计" not in label and not label.startswith(("合计", "总计"))), "")
    if period:
        learnt.evidence.append(("本期行", period))
        extra = "" if period.endswith("行业") else f"|{re.escape(period)}行业"
        period_pattern = f"^({re.escape(period)}{extra}|本月|本期|当月|本月数|本期数)$"
    else:
        period = "本期"
        period_pattern = "^(本期|本月|当月|本月数|本期数)$"
        learnt.notes.append("统计表没有本期一行的名称，按“本期”")
    if cumulative:
        learnt.evidence.append(("累计行", cumulative))
    else:
        cumulative = "累计"
        learnt.notes.append("统计表没有“累计”一行，按“累计”")
    words = ["累计", "累计数", "合计累计", "累计合计", "自行动开展以来累计"]
    cumulative_pattern = "^(" + "|".join([re.escape(cumulative)] + [w for w in words if w != cumulative]) + ")$"
    return {"period": {"label": period, "pattern": period_pattern},
            "cumulative": {"label": cumulative, "pattern": cumulative_pattern}}


def _pairs(columns: list[dict[str, Any]], learnt: LearntForm) -> list[list[str]]:
    """Found/fixed pairs by their words: 整改 after 排查/发现 in one group, or of one noun (隐患, 问题) side by side."""
    pairs = []
    for index, column in enumerate(columns):
        text = column.get("group", "") + column["header"]
        if column["kind"] != "count" or not _FIXED.search(column["header"]) or _NOT_FIXED.search(text):
            continue
        for other in reversed(columns[:index]):
            other_text = other.get("group", "") + other["header"]
            same_group = column.get("group", "") == other.get("group", "")
            same_noun = any(n in text and n in other_text for n in ("隐患", "问题"))
            if other["kind"] == "count" and _FOUND.search(other["header"]) and same_group and (column.get("group") or same_noun):
                pairs.append([other["key"], column["key"]])
                learnt.evidence.append(("排查/整改", f"{other_text} ≥ {text}"))
                break
    return pairs


def _hazards(grid: Grid, start: int, learnt: LearntForm, out: dict[str, str]) -> list[dict[str, Any]]:
    """The detail table's columns, in the form's order, each named by the notice form's field it holds."""
    for r in range(start, len(grid)):
        cells = _filled(grid[r])
        if len(cells) >= 3 and any(_HAZARD_HEADER.match(_squeeze(v)) for _, v in cells):
            break
    else:
        learnt.notes.append("表式中没有重大隐患明细表，沿用通知表式的明细表")
        return [_hazard_dict(h.key, h.header, h.pattern, h.width) for h in NOTICE.hazard_columns]
    for above in range(r - 1, max(start - 1, r - 4), -1):
        title = _filled(grid[above])
        if len(title) == 1:
            out["title"] = _squeeze(title[0][1])
            learnt.evidence.append(("明细表名", out["title"]))
            break
    found: list[dict[str, Any]] = []
    used: set[str] = set()
    for _, text in cells:
        header = _squeeze(text)
        known = next((h for h in NOTICE.hazard_columns if h.key not in used and h.regex.search(normalize(header))), None)
        if known is None:
            # Another form's words for the same field (所在州市, 隐患内容): its own header is its pattern.
            key = next((k for k, words in _HAZARD_WORDS if k not in used and re.search(words, header)), None)
            if key is not None:
                known = HazardColumn(key, NOTICE.hazard_columns[NOTICE.hazard_keys.index(key)].header,
                                     "^" + re.escape(normalize(header)) + "$", 12.0)
        if known is None:
            learnt.notes.append(f"明细表的“{header}”一栏不在 bairi 的明细字段中，未读取")
            continue
        used.add(known.key)
        width = known.width if known.header == header else max(8.0, min(40.0, len(header) * 2.0))
        found.append(_hazard_dict(known.key, header, known.pattern, width))
        learnt.evidence.append((f"明细栏目 {known.key}", header))
    for h in NOTICE.hazard_columns:
        if h.key not in used:
            found.append(_hazard_dict(h.key, h.header, h.pattern, h.width))
            learnt.notes.append(f"明细表没有“{h.header}”一栏，按通知表式补在最后")
    return found


def _hazard_dict(key: str, header: str, pattern: str, width: float) -> dict[str, Any]:
    return {"key": key, "header": header, "pattern": pattern, "width": width}


def learn_form(notice: NoticeText, attachment: Path | None) -> LearntForm | None:
    """The form from the attachment when one is given, else from the table in the notice; None when neither has one."""
    if attachment is not None:
        for name, grid in attachment_grids(attachment):
            learnt = learn_from_grid(grid, f"{Path(attachment).name}（工作表“{name}”）")
            if learnt is not None:
                return learnt
        raise NoticeError(f"附件表格 {Path(attachment).name} 中没有找到统计表（应有一行表头和“累计”等行）")
    return learn_from_grid(notice_grid(notice), Path(notice.source).name)
