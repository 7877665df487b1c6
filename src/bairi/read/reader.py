"""A file → a Return: find the form's parts by their labels, anywhere, and read every figure with its cell."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, finding
from bairi.core.form import Form, normalize, strip_unit
from bairi.core.model import Figure, Hazard, Return
from bairi.core.names import resolve_unit
from bairi.core.refs import column_letter
from bairi.core.values import ZERO_WORDS, CellError, header_unit, read_date, read_figure, whole_count
from bairi.guard.limits import MAX_HAZARD_ROWS, Unreadable, read_input
from bairi.read.grid import Book, Sheet, load_book


def ref(sheet: Sheet, row: int, col: int) -> str:
    """The location of a 0-based cell, e.g. Sheet1!C7."""
    return f"{sheet.name}!{column_letter(col)}{row + 1}"


def _cell(sheet: Sheet, row: int, col: int) -> object:
    if row < len(sheet.rows) and col < len(sheet.rows[row]):
        return sheet.rows[row][col]
    return ""


def _text(value: object) -> str:
    """A cell as text, numbers without a spurious .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


@dataclass
class StatsTable:
    """Where the statistics table is: its sheet, header row, label column and figure columns."""

    sheet: Sheet
    header_row: int
    label_col: int
    columns: dict[str, int]
    duplicates: dict[str, list[int]]
    matched: int


def _column_labels(sheet: Sheet, row: int, words: _Words) -> dict[int, str]:
    """Composite label of each column from a two-row header (merged groups filled in)."""
    top = sheet.rows[row]
    below = sheet.rows[row + 1] if row + 1 < len(sheet.rows) else []
    labels: dict[int, str] = {}
    group = ""
    for col in range(max(len(top), len(below))):
        upper = normalize(top[col]) if col < len(top) and isinstance(top[col], str) else ""
        lower = normalize(below[col]) if col < len(below) and isinstance(below[col], str) else ""
        if upper:
            # A merged group over sub-columns: the notice's 一般隐患/重大隐患, or any group the form declares
            # (行政处罚 over 立案（起）/罚款（万元）).
            group = upper if ("隐患" in upper and len(strip_unit(upper)) <= 6) or strip_unit(upper) in words.groups else ""
        elif lower and group:
            upper = group
        if upper or lower:
            labels[col] = upper + lower
    return labels


@dataclass
class _Words:
    """What the reader knows of one form's words: its groups, its columns' patterns as one, its field labels, and
    what each label met so far names (kept per text: every return repeats the template's headers; long texts
    are cell contents, read once, and are not kept)."""

    form: Form
    groups: frozenset[str]
    hint: re.Pattern[str]
    fields: re.Pattern[str]
    field_of_label: dict[str, str]
    # What under the statistics header is the hazard table's, not a row of figures, and where that table starts.
    not_a_row: re.Pattern[str]
    table_end: re.Pattern[str]
    row_header: str
    label_column: dict[str, str | None] = field(default_factory=dict)
    label_hazard_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hinted: dict[str, bool] = field(default_factory=dict)
    headers: dict[tuple, tuple[dict[str, int], dict[str, list[int]]]] = field(default_factory=dict)


@lru_cache(maxsize=8)
def _words(form: Form) -> _Words:
    """The reader's words of `form`, made once per form (another form's group headers are headers too)."""
    groups = frozenset(normalize(c.group) for c in form.columns if c.group)
    hint = re.compile("|".join([f"(?:{c.pattern})" for c in form.columns] + [re.escape(g) for g in groups]))
    # Every label of a header field: the usual ones and the form's own (报送人, 单位名称), longest first.
    labels = {**{f.label: f.key for f in form.fields}, **_FIELD_OF_LABEL}
    words = sorted(labels, key=len, reverse=True)
    fields = re.compile("(" + "|".join(map(re.escape, words)) + r")\s*[:：]?")
    # The notice's words and the form's own: its hazard table's title and headers (编号, 单位名称 …).
    title, seq = normalize(form.hazard_title), normalize(form.hazard_columns[form.hazard_keys.index("seq")].header)
    headers = [normalize(c.header) for c in form.hazard_columns]
    not_a_row = re.compile("|".join([r"重大隐患|序号|企业名称", *map(re.escape, [title, *headers])]))
    table_end = re.compile("|".join([r"重大隐患明细|序号", *map(re.escape, [title, seq])]))
    return _Words(form, groups, hint, fields, labels, not_a_row, table_end, normalize(form.row_label_header))


def _memo(memo: dict, text: str, value: object) -> None:
    """Keep what was learnt about a short text, the memo never growing past a few thousand entries."""
    if len(text) <= 64:
        if len(memo) >= 4096:
            memo.clear()
        memo[text] = value


def _column_key(label: str, words: _Words) -> str | None:
    """The key of the first form column whose pattern finds `label`."""
    try:
        return words.label_column[label]
    except KeyError:
        pass
    key = next((column.key for column in words.form.columns if column.regex.search(label)), None)
    _memo(words.label_column, label, key)
    return key


def _header_columns(sheet: Sheet, row: int, words: _Words) -> tuple[dict[str, int], dict[str, list[int]]]:
    """The form's columns named by the two-row header at `row` (and the duplicated ones), kept per header
    text: returns made from one template repeat it cell for cell."""
    texts = sheet.texts()
    top, below = texts[row], texts[row + 1] if row + 1 < len(texts) else ()
    if len(top) + len(below) > 64 or sum(len(v) for _, v in top) + sum(len(v) for _, v in below) > 2000:
        return _match_columns(_column_labels(sheet, row, words), words)
    key = (tuple(top), tuple(below))
    known = words.headers.get(key)
    if known is None:
        known = _match_columns(_column_labels(sheet, row, words), words)
        if len(words.headers) >= 256:
            words.headers.clear()
        words.headers[key] = known
    columns, duplicates = known
    return dict(columns), {key: list(cols) for key, cols in duplicates.items()}


def _match_columns(labels: dict[int, str], words: _Words) -> tuple[dict[str, int], dict[str, list[int]]]:
    found: dict[str, list[int]] = {}
    for col, label in labels.items():
        key = _column_key(label, words)
        if key is not None:
            found.setdefault(key, []).append(col)
    columns = {key: cols[0] for key, cols in found.items()}
    duplicates = {key: cols for key, cols in found.items() if len(cols) > 1}
    return columns, duplicates


_HEADER_HINT = re.compile(r"督查组|排查企业|检查企业|隐患|责令|罚款|停产|曝光|关闭|取缔|分包|转包|挂靠|劳务派遣|灵活用工")


def _hints(text: str, words: _Words) -> bool:
    """Whether a cell could be one of the form's headers (spaced-out headers such as 罚 款 included)."""
    if len(text) > _HEADER_MAX:
        return False  # a paragraph, not a header: not searched (a sheet of long texts stays cheap)
    hinted = words.hinted.get(text)
    if hinted is None:
        hinted = bool(_HEADER_HINT.search(text)) or (
            bool(_SPACED.search(text)) and bool(_HEADER_HINT.search(normalize(text)))) or bool(
            words.hint.search(normalize(text)))
        _memo(words.hinted, text, hinted)
    return hinted


_SPACED = re.compile(r"[\s\u3000\xa0]")
# The longest header any form has is a few dozen characters, spaces and line breaks included.
_HEADER_MAX = 120


def find_stats_tables(book: Book, form: Form) -> list[StatsTable]:
    """The best statistics header of `form` on each sheet that has one, in sheet order."""
    words = _words(form)
    tables: list[StatsTable] = []
    for sheet in book.sheets:
        best: StatsTable | None = None
        for row_index, texts in enumerate(sheet.texts()):
            # Cheap test first: a header row names several of the form's columns; data and hazard rows do not.
            if len(texts) < 3 or sum(1 for _, v in texts if _hints(v, words)) < 3:
                continue
            columns, duplicates = _header_columns(sheet, row_index, words)
            if len(columns) < 5 or (best and len(columns) <= best.matched):
                continue
            label_col = next(
                (c for c, v in texts if normalize(v) in ("行业", "行业类别", "项目", "类别", words.row_header)),
                max(min(columns.values()) - 1, 0),
            )
            best = StatsTable(sheet, row_index, label_col, columns, duplicates, len(columns))
        if best is not None:
            tables.append(best)
    return tables


def _form_rows(table: StatsTable, form: Form) -> int:
    """How many of the form's two rows (冶金工贸, 累计) follow the header exactly once, as on a return."""
    labels = [strip_unit(normalize(_cell(table.sheet, r, table.label_col)))
              for r in range(table.header_row + 1, min(len(table.sheet.rows), table.header_row + 13))]
    return sum(1 for pattern in (form.period_row.regex, form.cumulative_row.regex)
               if sum(1 for label in labels if pattern.match(label)) == 1)


def sheet_period(sheet: Sheet, campaign: Campaign) -> str | None:
    """The month one sheet is for: from its name, its title, else its 填表日期."""
    single = Book("", [sheet])
    for text in (sheet.name, find_title(single)):
        if text and (found := month_in(text, campaign)):
            return found
    raw = find_fields(single, None, campaign.form_spec).get("filled_on", ("", ""))[0]
    filled, _ = read_date(raw, _year_of_month(campaign))
    return f"{filled.year}-{filled.month:02d}" if filled else None


def choose_stats(book: Book, name: str, campaign: Campaign, period: str | None,
                 out: list[Finding]) -> tuple[StatsTable | None, Book]:
    """The statistics table to read, and the workbook as seen from it (other months' sheets left out).

    Towns often keep one workbook with a sheet per month and send it whole; the month wanted
    (--period, else the file name) picks the sheet, never silently the first one.
    """
    form = campaign.form_spec
    tables = find_stats_tables(book, form)
    if not tables:
        return None, book
    # A sheet with the same header but many 冶金工贸/累计 rows (a per-town breakdown) is not a return.
    if len(tables) == 1:
        full = tables
    else:
        rank = {id(t): (_form_rows(t, form), t.matched) for t in tables}
        top = max(rank.values())
        full = [t for t in tables if rank[id(t)] == top]
    if len(full) > 1 and any(not t.sheet.hidden for t in full):
        full = [t for t in full if not t.sheet.hidden]
    chosen = full[0]
    if len(full) > 1:
        names = "、".join(f"“{t.sheet.name}”" for t in full)
        months = [sheet_period(t.sheet, campaign) for t in full]
        wanted = period or month_in(Path(name).stem, campaign)
        matching = [t for t, m in zip(full, months) if wanted and m == wanted]
        if len(matching) == 1:
            chosen = matching[0]
            out.append(finding("I211", ref(chosen.sheet, chosen.header_row, chosen.label_col), count=len(full),
                               sheets=names, period=wanted, sheet=chosen.sheet.name))
        else:
            known = [(m, t) for t, m in zip(full, months) if m]
            if len(known) == len(full) and len({m for m, _ in known}) == len(known):
                chosen = max(known, key=lambda pair: pair[0])[1]
            out.append(finding("W212", ref(chosen.sheet, chosen.header_row, chosen.label_col), count=len(full),
                               sheets=names, sheet=chosen.sheet.name))
    others = {id(t.sheet) for t in tables if t is not chosen}
    sheets = [chosen.sheet] + [s for s in book.sheets if s is not chosen.sheet and id(s) not in others]
    return chosen, Book(book.format, sheets, book.notes)


@dataclass
class HazardTable:
    """Where the 重大隐患明细 table is."""

    sheet: Sheet
    header_row: int
    columns: dict[str, int]


def _hazard_keys(label: str, words: _Words) -> tuple[str, ...]:
    """The keys of the hazard columns whose pattern finds `label` (without its unit), in the form's order."""
    keys = words.label_hazard_keys.get(label)
    if keys is None:
        bare = strip_unit(label)
        keys = tuple(column.key for column in words.form.hazard_columns if column.regex.search(bare))
        _memo(words.label_hazard_keys, label, keys)
    return keys


def find_hazards(book: Book, form: Form) -> HazardTable | None:
    """The 重大隐患明细 header row of `form`, found by its column labels."""
    words = _words(form)
    for sheet in book.sheets:
        for row_index, texts in enumerate(sheet.texts()):
            if len(texts) < 3:
                continue
            labels = {c: normalize(v) for c, v in texts if v.strip()}
            if len(labels) < 3:
                continue
            columns: dict[str, int] = {}
            for col, label in labels.items():
                for key in _hazard_keys(label, words):
                    if key not in columns:
                        columns[key] = col
                        break
            if "enterprise" in columns and len(columns) >= 4:
                return HazardTable(sheet, row_index, columns)
    return None


_FIELD_LABELS = {
    "unit": r"填报单位|报送单位|填报部门",
    "filler": r"填表人|填报人|制表人",
    "filled_on": r"填表日期|填报日期|报送日期|填表时间",
}
_ANY_LABEL = re.compile("(" + "|".join(_FIELD_LABELS.values()) + r")\s*[:：]?")
_FIELD_OF_LABEL = {label: key for key, labels in _FIELD_LABELS.items() for label in labels.split("|")}
_LABEL_NOTE = re.compile(r"^[(（][^)）]{0,8}[)）]\s*[:：]?")


def find_fields(book: Book, stats: StatsTable | None, form: Form) -> dict[str, tuple[object, str]]:
    """The header fields (unit, filler, filled_on), by the usual labels and `form`'s: their raw value and location."""
    found: dict[str, tuple[object, str]] = {}
    words = _words(form)
    any_label, field_of_label = words.fields, words.field_of_label
    sheets = sorted(book.sheets, key=lambda s: 0 if stats and s is stats.sheet else 1)
    for sheet in sheets:
        for r, texts in enumerate(sheet.texts()):
            if len(found) == len(_FIELD_LABELS):
                # Each field is taken from its first label; once all are found no later cell changes them.
                return found
            for c, value in texts:
                if not any_label.search(value):
                    continue
                row = sheet.rows[r]
                matches = list(any_label.finditer(value))
                for i, match in enumerate(matches):
                    key = field_of_label[match[1]]
                    if key in found:
                        continue
                    end = matches[i + 1].start() if i + 1 < len(matches) else len(value)
                    text = value[match.end():end].strip().strip("_＿ ").strip()
                    # 填报单位（盖章）：巴公镇… — the bracketed note belongs to the label, not the value.
                    text = _LABEL_NOTE.sub("", text).strip("_＿ ").strip()
                    if text:
                        found[key] = (text, ref(sheet, r, c))
                        continue
                    if i + 1 < len(matches):
                        found[key] = ("", ref(sheet, r, c))
                        continue
                    # The value sits in a cell to the right (the label had a cell of its own).
                    for cc in range(c + 1, min(c + 6, len(row))):
                        neighbour = row[cc]
                        if isinstance(neighbour, str) and any_label.match(neighbour.strip()):
                            break
                        if _text(neighbour).strip("_＿ "):
                            found[key] = (neighbour, ref(sheet, r, cc))
                            break
                    found.setdefault(key, ("", _blank_value_cell(sheet, r, c, any_label)))
    return found


def _blank_value_cell(sheet: Sheet, r: int, c: int, any_label: re.Pattern[str]) -> str:
    """Where a label's missing value goes: the first cell right of the label and of the label's merge (C3 beside
    填表人 in A3:B3), unless that is another label; else the label's own cell."""
    row = sheet.rows[r]
    cc = c + 1
    while sheet.merge_origin(r, cc) == (r, c):
        cc += 1
    neighbour = row[cc] if cc < len(row) else None
    if isinstance(neighbour, str) and any_label.match(neighbour.strip()):
        return ref(sheet, r, c)
    return ref(sheet, r, cc)


def find_title(book: Book) -> str:
    """The form's title line (where a month may be written), or ''."""
    for sheet in book.sheets:
        for texts in sheet.texts()[:10]:
            for _, value in texts:
                if "报告表" in value or "百日攻坚" in value or "报表" in value:
                    return value
    return ""


_YEAR_MONTH = re.compile(r"(20\d{2})\s*(?:[-年._/]\s*)?(0?[1-9]|1[0-2])(?!\d)")
_MONTH = re.compile(r"(?<!\d)(0?[1-9]|1[0-2])\s*月")
_CN_MONTH = re.compile(r"(十二|十一|十|元|一|二|三|四|五|六|七|八|九)\s*月")
_CN_NUMBER = {"十二": 12, "十一": 11, "十": 10, "元": 1, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _title_tail(title: str) -> str:
    """The part of a title that names the month, not the whole campaign name."""
    title = title.strip()
    for word in ("报告表", "报表", "百日攻坚"):
        if word in title and title.split(word)[-1].strip():
            return title.split(word)[-1].strip()
    return title if len(title) <= 16 else "…" + title[-15:]


def month_in(text: str, campaign: Campaign) -> str | None:
    """A period YYYY-MM named in free text (file name, title), or None.

    A bare month (12月, 十二月) takes its year from the campaign's periods; a month the campaign
    does not have is returned with the year of the campaign's nearest period so it can be reported.
    """
    text = normalize(text)
    match = _YEAR_MONTH.search(text)
    if match:
        return f"{match[1]}-{int(match[2]):02d}"
    month = None
    match = _MONTH.search(text)
    if match:
        month = int(match[1])
    else:
        match = _CN_MONTH.search(text)
        if match:
            month = _CN_NUMBER[match[1]]
    if month is None:
        return None
    for period in campaign.periods:
        if period.month == month:
            return period.period
    year = campaign.start.year if month >= campaign.start.month else campaign.end.year
    return f"{year}-{month:02d}"


_YEARS: dict[int, tuple[Campaign, dict[int, int]]] = {}


def _year_of_month(campaign: Campaign) -> dict[int, int]:
    """The year of each month the campaign spans (kept per campaign: every return asks)."""
    cached = _YEARS.get(id(campaign))
    if cached is not None and cached[0] is campaign:
        return cached[1]
    years = _months_years(campaign)
    if len(_YEARS) > 8:
        _YEARS.clear()
    _YEARS[id(campaign)] = (campaign, years)
    return years


def _months_years(campaign: Campaign) -> dict[int, int]:
    years: dict[int, int] = {}
    day = campaign.start.replace(day=1)
    while day <= campaign.end:
        years.setdefault(day.month, day.year)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return years


def _read_rows(ret: Return, stats: StatsTable, out: list[Finding]) -> None:
    """The form's two rows under the statistics header (the return's form: another form, another word for them)."""
    form, sheet = ret.form, stats.sheet
    words = _words(form)
    period_row, cumulative_row = form.period_row.regex, form.cumulative_row.regex
    rows: dict[str, list[int]] = {"period": [], "cumulative": []}
    start = stats.header_row + 1
    for r in range(start, min(len(sheet.rows), start + 12)):
        # 冶金工贸（本月）, 累计（自11月6日起）: a note in brackets after the row's name.
        label = strip_unit(normalize(_cell(sheet, r, stats.label_col)))
        if period_row.match(label):
            rows["period"].append(r)
        elif cumulative_row.match(label):
            rows["cumulative"].append(r)
        elif label and r > start and not words.not_a_row.search(label):
            has_figures = any(_text(_cell(sheet, r, c)) for c in stats.columns.values())
            if has_figures:
                out.append(finding("W208", ref(sheet, r, stats.label_col), label=_text(_cell(sheet, r, stats.label_col)),
                                   period=form.period_row.label, cumulative=form.cumulative_row.label))
        if words.table_end.search(label):
            break
    plan = [(column, stats.columns[column.key]) for column in form.columns if column.key in stats.columns]
    units = {column.key: _stated_unit(sheet, stats, c, rows) for column, c in plan if column.kind == "amount"}
    for which, word in (("period", form.period_row.label), ("cumulative", form.cumulative_row.label)):
        found = rows[which]
        if not found:
            out.append(finding("E202", sheet.name, row=word, header=form.row_label_header, period=form.period_row.label,
                               cumulative=form.cumulative_row.label))
            continue
        if len(found) > 1:
            out.append(finding("E207", ref(sheet, found[1], stats.label_col), row=word,
                               cells="、".join(ref(sheet, r, stats.label_col) for r in found)))
        r = found[0]
        cells, number, uncached = sheet.rows[r], r + 1, sheet.uncached
        merged, at = sheet.merged_in_row(r), f"{sheet.name}!"
        figures: dict[str, Figure] = {}
        for column, c in plan:
            raw = cells[c] if c < len(cells) else ""
            place = f"{column_letter(c)}{number}"
            location = at + place
            if merged and sheet.covered(r, c):
                # Excel shows only a merge's top-left value: what this cell holds is not what the town sees.
                figures[column.key] = Figure(key=column.key, location=location, raw=raw)
                out.append(finding("E208", location, column=column.short, raw=_text(raw) or "空"))
                continue
            missing = bool(uncached) and place in uncached
            if column.kind == "count" and not missing and (count := whole_count(raw)) is not None:
                figures[column.key], broken = Figure.checked(column.key, location, raw, count, form)
                out.extend(broken)
                continue
            reading = read_figure(raw, column.kind, missing, units.get(column.key), column.unit)
            for code, fields in reading.notes:
                out.append(finding(code, location, column=column.short, **fields))
            figures[column.key], broken = Figure.checked(column.key, location, raw, reading.value, form)
            out.extend(broken)
        setattr(ret, "period_row" if which == "period" else "cumulative_row", figures)


def _stated_unit(sheet: Sheet, stats: StatsTable, col: int, rows: dict[str, list[int]]) -> str | None:
    """The unit an amount column's header states (行政罚款（元）), in its own cell or the one below it."""
    data_rows = {r for found in rows.values() for r in found}
    for r in (stats.header_row, stats.header_row + 1):
        if r in data_rows:
            break
        value = _cell(sheet, r, col)
        if isinstance(value, str) and (unit := header_unit(normalize(value))):
            return unit
    return None


_END_MARKERS = re.compile(r"^(注|备注|说明|填表说明|审核|负责人|单位负责人|制表|合计|小计|联系电话)")
_DIGITS = re.compile(r"\d+")
# What a town writes in the hazard table when it has no major hazard: 无, 暂无, 0, —, 本月无重大隐患.
_NONE_WORD = re.compile(r"^(本月|本期|当月|目前|截至目前|截止目前|暂|尚)?(无|没有)[。.]?$")
_NONE_PHRASE = re.compile(r"(无|没有|未发现|未排查出|未查出|未发现有)(任何)?重大(事故)?隐患")


def _says_none(text: str) -> bool:
    """True when a hazard cell says there is no hazard rather than naming one (a row of such cells is no hazard;
    a real hazard always names its enterprise, so 已整改，现无重大隐患 in one of its cells changes nothing)."""
    folded = normalize(text)
    return (folded in ZERO_WORDS or folded in ("0", "〇", "零") or bool(_NONE_WORD.match(folded))
            or bool(_NONE_PHRASE.search(folded)))


def _read_hazards(ret: Return, table: HazardTable, stop_row: int | None, out: list[Finding]) -> None:
    sheet = table.sheet
    content_keys = [k for k in ("enterprise", "town", "category", "supervisor", "detail") if k in table.columns]
    end = len(sheet.rows) if stop_row is None else stop_row
    columns = list(table.columns.items())
    # A province's return can list thousands of hazards: each row's cell names are put together, not looked up.
    letters = [(key, column_letter(c)) for key, c in columns]
    seq_letters = column_letter(table.columns.get("seq", min(table.columns.values())))
    labels = {column.key: column.header for column in ret.form.hazard_columns}
    # Each merged cell read into the rows below it: its top-left cell → [key, first row, last row].
    filled: dict[tuple[int, int], list] = {}
    for r in range(table.header_row + 1, end):
        row = sheet.rows[r]
        width = len(row)
        cells = {key: _text(row[c]) if c < width else "" for key, c in columns}
        first = ""
        for value in row:
            text = _text(value)
            if text:
                first = text
                break
        if _END_MARKERS.match(normalize(first)) and not any(cells.get(k) for k in content_keys[1:]):
            break
        if not any(cells.get(k) for k in content_keys):
            seq = cells.get("seq", "")
            where = ref(sheet, r, table.columns.get("seq", 0))
            if seq and _says_none(seq):
                out.append(finding("I213", where, text=seq))
            elif seq and not _DIGITS.fullmatch(seq):
                out.append(finding("I209", where, text=seq))
            continue
        stated = [(key, cells[key]) for key in content_keys if cells.get(key)]
        if all(_says_none(text) for _, text in stated):
            # 无 in the first row (or across it) is the town saying it has none, not a hazard called 无.
            first_key, text = stated[0]
            out.append(finding("I213", ref(sheet, r, table.columns[first_key]), text=text))
            continue
        if sheet.merged_in_row(r):
            _fill_merged(sheet, table, r, cells, labels, filled, out)
        for key, c in columns:
            if key != "seq" and c < width and isinstance(row[c], CellError):
                out.append(finding("W215", ref(sheet, r, c), column=labels[key], raw=str(row[c])))
        at = f"{sheet.name}!"
        number = r + 1
        ret.hazards.append(Hazard(location=f"{at}{seq_letters}{number}", cells={k: f"{at}{col}{number}" for k, col in letters},
                                  **cells))
        if len(ret.hazards) > MAX_HAZARD_ROWS:
            # Far beyond any return (the register would spend hours matching them): refused, not cut short.
            ret.hazards.clear()
            out.append(finding("F170", ref(sheet, table.header_row, 0), limit=f"{MAX_HAZARD_ROWS:,}"))
            return
    _note_merged(sheet, filled, labels, out)


def _note_merged(sheet: Sheet, filled: dict[tuple[int, int], list], labels: dict[str, str], out: list[Finding]) -> None:
    """One note per block of hazard rows that took merged cells' values, at the block's first merged cell."""
    blocks: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for (top, col), (key, _, last) in filled.items():
        blocks.setdefault((top, last), []).append((col, key))
    for (top, last), merged in sorted(blocks.items()):
        merged.sort()
        out.append(finding("I216", ref(sheet, top, merged[0][0]), rows=f"{top + 1}—{last + 1}",
                           columns="、".join(f"“{labels[key]}”" for _, key in merged)))


def _fill_merged(sheet: Sheet, table: HazardTable, r: int, cells: dict[str, str], labels: dict[str, str],
                 filled: dict[tuple[int, int], list], out: list[Finding]) -> None:
    """Cells under a merge running down the hazard rows (one enterprise's 企业名称 over its hazards) take the
    merge's value, as Excel shows it on every one of those rows."""
    for key, c in table.columns.items():
        if key == "seq":
            continue  # a merged 序号 numbers the enterprise, not the hazard: the row keeps its own
        origin = sheet.merge_origin(r, c)
        if origin is None or origin[1] != c or origin[0] <= table.header_row:
            continue
        shown = _text(_cell(sheet, *origin))
        own = cells[key]
        if own and own != shown:
            out.append(finding("W214", ref(sheet, r, c), column=labels[key], raw=own, shown=shown))
        cells[key] = shown
        filled.setdefault(origin, [key, origin[0], r])[2] = r


def _identify(ret: Return, book: Book, fields: dict[str, tuple[object, str]], name: str,
              campaign: Campaign, period: str | None, out: list[Finding]) -> None:
    file = Path(name)
    # What the findings call each field: the form's own label (报送单位 where the form says so).
    words = {"unit": "unit_label", "filler": "filler_label", "filled_on": "date_label"}
    labels = {words[f.key]: f.label for f in ret.form.fields}
    unit_raw, unit_loc = fields.get("unit", ("", ret.locations.get("sheet", "")))
    ret.unit_raw = _text(unit_raw)
    ret.locations["unit"] = unit_loc
    if ret.unit_raw:
        ret.town = resolve_unit(ret.unit_raw, campaign)
        if ret.town is None:
            out.append(finding("E302", unit_loc, unit=ret.unit_raw, **labels))
        elif normalize(ret.unit_raw) != ret.town:
            out.append(finding("I303", unit_loc, raw=ret.unit_raw, town=ret.town, **labels))
    else:
        ret.town = resolve_unit(file.stem, campaign)
        if ret.town:
            out.append(finding("W304", unit_loc or file.name, town=ret.town, **labels))
        else:
            out.append(finding("E301", unit_loc or file.name, **labels))

    filler_raw, filler_loc = fields.get("filler", ("", ""))
    ret.filler = _text(filler_raw)
    ret.locations["filler"] = filler_loc
    if not ret.filler:
        out.append(finding("W310", filler_loc or ret.locations.get("sheet", file.name), **labels))

    date_raw, date_loc = fields.get("filled_on", ("", ""))
    ret.locations["filled_on"] = date_loc
    filled, code = read_date(date_raw, _year_of_month(campaign))
    ret.filled_on = filled
    where = date_loc or ret.locations.get("sheet", file.name)
    if code == "I307":
        out.append(finding("I307", where, raw=_text(date_raw), date=filled.isoformat() if filled else "", **labels))
    elif code in ("W305", "W306", "W313"):
        out.append(finding(code, where, raw=_text(date_raw), **labels))
    if filled and not (campaign.start <= filled <= campaign.end):
        out.append(finding("W308", where, date=filled.isoformat(), start=campaign.start.isoformat(),
                           end=campaign.end.isoformat(), **labels))

    title = find_title(book)
    if period:
        ret.period, ret.period_source = period, "命令行参数 --period"
    elif (found := month_in(file.stem, campaign)):
        ret.period, ret.period_source = found, f"文件名“{file.name}”"
    elif title and (found := month_in(title, campaign)):
        ret.period, ret.period_source = found, f"标题中的“{_title_tail(title)}”"
    elif filled:
        ret.period, ret.period_source = f"{filled.year}-{filled.month:02d}", f"{labels['date_label']}{filled.isoformat()}"
        out.extend(_month_inferred(filled, ret.period, where, labels["date_label"]))
    if ret.period is None:
        out.append(finding("E309", file.name, **labels))
    elif campaign.period(ret.period) is None:
        out.append(finding("E311", file.name, period=ret.period, periods="、".join(p.period for p in campaign.periods)))
    elif filled and (filled.year, filled.month) < (int(ret.period[:4]), int(ret.period[5:])):
        out.append(finding("W312", where, date=filled.isoformat(), period=ret.period, **labels))


def _month_inferred(filled: date, period: str, where: str, date_label: str) -> list[Finding]:
    """W314: a month taken from 填表日期 alone is a guess (a November return filled on 12-01 is not December's)."""
    previous = date(filled.year, filled.month, 1) - timedelta(days=1)
    return [finding("W314", where, date=filled.isoformat(), period=period, month=filled.month, date_label=date_label,
                    previous=f"{previous.year}年{previous.month}月")]


def read_book(book: Book, name: str, campaign: Campaign, period: str | None = None) -> Return:
    """A Return from an already loaded workbook (the reading half of read_return)."""
    form = campaign.form_spec
    ret = Return(file=Path(name), form=form, format=book.format)
    out = ret.findings
    for code, fields in book.notes:
        # A note about one cell says where it is ("at"); the others are about the whole file.
        at = fields.get("at")
        out.append(finding(code, str(at) if at else Path(name).name, **{k: v for k, v in fields.items() if k != "at"}))
    stats, book = choose_stats(book, name, campaign, period, out)
    if stats is None:
        out.append(finding("E201", book.sheets[0].name if book.sheets else Path(name).name))
        return ret
    ret.locations["sheet"] = stats.sheet.name
    header = find_fields(book, stats, form)
    _identify(ret, book, header, name, campaign, period, out)
    for key, cols in stats.duplicates.items():
        column = form.by_key[key]
        out.append(finding("E206", ref(stats.sheet, stats.header_row, cols[1]), column=column.label,
                           cells="、".join(ref(stats.sheet, stats.header_row, c) for c in cols)))
    for column in form.columns:
        if column.key not in stats.columns:
            out.append(finding("E203", ref(stats.sheet, stats.header_row, stats.label_col), column=column.label))
    _read_rows(ret, stats, out)
    hazards = find_hazards(book, form)
    if hazards is not None:
        stop = stats.header_row if hazards.sheet is stats.sheet and stats.header_row > hazards.header_row else None
        _read_hazards(ret, hazards, stop, out)
    else:
        ret.locations["hazards"] = ""
    ret.locations["hazard_table"] = "" if hazards is None else ref(hazards.sheet, hazards.header_row, 0)
    return ret


def read_return(path: Path, campaign: Campaign, period: str | None = None, *,
                data: bytes | None = None, name: str | None = None) -> Return:
    """Read one return from a file (or from `data` named `name`, e.g. a mail attachment)."""
    label = name or str(path)
    if data is None:
        try:
            data = read_input(path)  # at most the size limit + 1 byte: a huge file is refused, never loaded
        except OSError as exc:
            ret = Return(file=path, form=campaign.form_spec)
            ret.findings.append(finding("F109", str(path), detail=exc.strerror or type(exc).__name__))
            return ret
    digest = hashlib.sha256(data).hexdigest()
    try:
        book = load_book(label, data)
    except Unreadable as problem:
        ret = Return(file=Path(label), form=campaign.form_spec, sha256=digest)
        ret.findings.append(finding(problem.code, Path(label).name, **problem.fields))
        return ret
    ret = read_book(book, label, campaign, period)
    ret.sha256 = digest
    return ret
