"""The campaign state → the county's return for one period: a pandas frame of the counted returns, summed exactly.

Which town's copy counts, and each town's state, were decided by the campaign state; this module only
reads them. The frame has one row per town and row kind (period / cumulative) and one column per figure:
counts as integers, fines as integers of a unit small enough for every figure present (whole yuan, or
finer when a town typed more than four decimals), so that no sum is ever a float. From the frame come
the county rows, the cross-month check (累计ₜ = 累计ₜ₋₁ + 本期ₜ) and the tidy table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bairi.core.findings import Finding, Severity, finding
from bairi.core.form import Form
from bairi.core.model import Figure, Hazard, Return
from bairi.core.values import plain
from bairi.state.standing import CampaignState, Standing

if TYPE_CHECKING:
    import pandas as pd

ROWS = ("period", "cumulative")


def row_words(form: Form) -> dict[str, str]:
    """A form's words for its two rows."""
    return {"period": form.period_row.label, "cumulative": form.cumulative_row.label}


# Intake findings that say a file was left out, shown by merge as 跳过.
SKIP_CODES = ("D704", "D707", "D709", "D710", "D711", "D712", "D713", "D720", "D721", "D722", "D723", "D770", "D771",
              "F109")


class MergeRefused(Exception):
    """The merge cannot run as asked (an operator mistake: exit status 2)."""


@dataclass
class Superseded:
    """An earlier (or sent-back) copy of the same town and period, replaced by the one that counts."""

    old: Return
    new: Return
    changes: list[str]


@dataclass
class TownLine:
    """One configured town in the merge: its state and the return that counts, if any."""

    town: str
    status: str  # the state in words (已报 迟报 退回 未报 待核实 未到期 缺件)
    ret: Return | None = None
    rejected: Return | None = None
    received: datetime | None = None
    code: str = ""  # the state's code (on_time, late, ...)
    standing: Standing | None = None
    carried: Return | None = None  # no return counts: its latest accepted one, whose 累计 the county keeps

    @property
    def cumulative_from(self) -> str | None:
        """The period whose 累计 this town contributes when none of this period counts."""
        return self.carried.period if self.carried is not None else None


@dataclass
class Merged:
    """Everything `bairi merge` computed for one period, before it is written anywhere."""

    period: str
    period_source: str
    towns: list[TownLine]
    accepted: list[Return]
    rejected: list[Return]
    superseded: list[Superseded]
    skipped: list[tuple[str, str]]
    other_periods: list[Return]
    totals: dict[str, dict[str, int | Decimal]]
    hazards: list[tuple[str, Hazard, Return]]
    cross_month: list[tuple[Return, Finding]]
    form: Form  # the campaign's: its columns are the totals' keys
    received: dict[str, datetime | None] = field(default_factory=dict)
    state: CampaignState | None = None
    notes: list[tuple[Return, Finding]] = field(default_factory=list)  # how the totals were made, by the return used

    @property
    def carried(self) -> list[TownLine]:
        """Towns without a counted return this period whose earlier 累计 the county's 累计 includes."""
        return [line for line in self.towns if line.ret is None and line.carried is not None]

    @property
    def missing_towns(self) -> list[str]:
        """Configured towns with no counted return for the period (not sent, sent back, unreadable)."""
        return [line.town for line in self.towns if line.ret is None]

    @property
    def complete(self) -> bool:
        """True when every configured town's return counts."""
        return not self.missing_towns


def diff(old: Return, new: Return) -> list[str]:
    """What changed between two returns, figure by figure, in words (the newer one's form)."""
    changes = []
    form = new.form
    words = row_words(form)
    for row in ROWS:
        before, after = old.values(row), new.values(row)
        for key in form.keys:
            if before[key] != after[key]:
                changes.append(f"{words[row]}·{form.by_key[key].short}：{plain(before[key]) or '空'} → {plain(after[key]) or '空'}")
    if len(old.hazards) != len(new.hazards):
        changes.append(f"重大隐患明细：{len(old.hazards)}行 → {len(new.hazards)}行")
    return changes


def _scale(returns: list[Return], form: Form) -> int:
    """The power of ten that makes every fine an integer: 10⁴ (whole yuan) unless a town typed finer."""
    places = 4
    amounts = [column.key for column in form.columns if column.kind != "count"]
    for ret in returns:
        for row in ROWS:
            values = ret.values(row)
            for value in (values[key] for key in amounts):
                if not isinstance(value, Decimal):
                    continue
                exponent = value.normalize().as_tuple().exponent
                if isinstance(exponent, int):
                    places = max(places, -exponent)
    return 10 ** places


def frame(returns: list[Return], scale: int, form: Form) -> pd.DataFrame:
    """One row per return and row kind, one exact integer column per figure of `form` (fines times `scale`)."""
    import pandas as pd

    records = []
    for ret in returns:
        for row in ROWS:
            values = ret.values(row)
            record: dict[str, Any] = {"town": ret.town, "row": row}
            for column in form.columns:
                value = values[column.key]
                if value is not None and column.kind != "count":
                    value = int(Decimal(value) * scale)
                record[column.key] = value
            records.append(record)
    columns = {key: pd.Series([r[key] for r in records], dtype="Int64") for key in form.keys}
    return pd.DataFrame({"town": [r["town"] for r in records], "row": [r["row"] for r in records], **columns})


def _figure(kind: str, value: Any, scale: int) -> int | Decimal:
    if kind == "count":
        return int(value)
    return Decimal(int(value)) / scale


def county_totals(accepted: list[Return], carried: list[Return], form: Form) -> dict[str, dict[str, int | Decimal]]:
    """本期: the sum of this period's counted returns; 累计: the sum of each town's latest accepted 累计 (a town
    without a return this period adds the 累计 of its last accepted one, so a missed month never makes it fall)."""
    import pandas as pd

    scale = _scale(accepted + carried, form)
    table = frame(accepted, scale, form)
    if carried:
        earlier = frame(carried, scale, form)
        table = pd.concat([table, earlier[earlier["row"] == "cumulative"]], ignore_index=True)
    return totals_of(table, scale, form)


def totals_of(table: pd.DataFrame, scale: int, form: Form) -> dict[str, dict[str, int | Decimal]]:
    """The county's two rows: column sums of the frame, exact (a blank figure adds nothing)."""
    out: dict[str, dict[str, int | Decimal]] = {}
    for row in ROWS:
        sums = table.loc[table["row"] == row, list(form.keys)].sum(skipna=True)
        out[f"{row}_row"] = {column.key: _figure(column.kind, sums[column.key], scale) for column in form.columns}
    return out


def cross_month(current: list[Return], previous: dict[str, Return], form: Form, last_period: str | None = None
                ) -> list[tuple[Return, Finding]]:
    """Each town's 累计 against its own last accepted return (`previous`, by town; a month it missed skipped):
    累计 never falls; a "sum" column's 累计 = last 累计 + 本期, a "distinct" one's (家) at most that. After a
    gap (the last accepted return is older than `last_period`) the months between are unknown: a "sum"
    column's 累计 is then only at least last 累计 + 本期, a "distinct" one only not below the last. Frame arithmetic, then one finding per cell that
    disagrees, naming both returns' figures and cells."""
    pairs = [(ret, previous[ret.town]) for ret in current if ret.town in previous
             and ret.cumulative_row and ret.period_row and previous[ret.town].cumulative_row]
    if not pairs:
        return []
    everything = [r for pair in pairs for r in pair]
    scale = _scale(everything, form)
    now = frame([c for c, _ in pairs], scale, form)
    before = frame([p for _, p in pairs], scale, form)
    keys = list(form.keys)
    cum_now = now[now["row"] == "cumulative"][keys].reset_index(drop=True)
    this = now[now["row"] == "period"][keys].reset_index(drop=True)
    cum_before = before[before["row"] == "cumulative"][keys].reset_index(drop=True)
    fell = (cum_now < cum_before).fillna(False)
    differs = (cum_now != cum_before + this).fillna(False)
    over = (cum_now > cum_before + this).fillna(False)
    found: list[tuple[Return, Finding]] = []
    for index, (ret, prev) in enumerate(pairs):
        for key in keys:
            gap = last_period is not None and prev.period != last_period
            if bool(fell.at[index, key]):
                code = "W602"
            elif form.by_key[key].cumulative == "distinct":
                code = "W650" if bool(over.at[index, key]) and not gap else ""
            elif gap:
                code = "W601" if bool(differs.at[index, key]) and not bool(over.at[index, key]) else ""
            else:
                code = "W601" if bool(differs.at[index, key]) else ""
            if not code:
                continue
            assert ret.cumulative_row and ret.period_row and prev.cumulative_row
            cell, this_cell, prev_cell = ret.cumulative_row.get(key), ret.period_row.get(key), prev.cumulative_row.get(key)
            if cell is None or this_cell is None or prev_cell is None:
                continue
            fields = dict(column=form.by_key[key].short, cumulative=plain(cell.value), month=ret.period,
                          previous=plain(prev_cell.value), prev_month=prev.period,
                          prev_cell=f"{prev.file.name} {prev_cell.location}", period=plain(this_cell.value),
                          cell=cell.location)
            found.append((ret, finding(code, cell.location, **fields)))
    return found


def last_accepted(state: CampaignState, period: str) -> dict[str, Return]:
    """Each town's latest accepted return of a period before `period` (the one its 累计 stands on)."""
    found: dict[str, tuple[str, Return]] = {}
    for standing in state.standings:
        key = standing.deadline.key
        if standing.deadline.kind != "return" or key >= period or standing.ret is None:
            continue
        if standing.town not in found or key > found[standing.town][0]:
            found[standing.town] = (key, standing.ret)
    return {town: ret for town, (_, ret) in found.items()}


def latest_period(state: CampaignState) -> str | None:
    """The latest campaign period any return arrived for."""
    periods = state.periods_received()
    return periods[-1] if periods else None


def _replaced(standing: Standing) -> list[Superseded]:
    """Every other copy of the town's return for the period, beside the one that counts."""
    counted = standing.counted
    if counted is None or counted.ret is None:
        return []
    out = []
    for receipt in standing.receipts:
        old = receipt.ret
        if receipt is counted or old is None or not receipt.readable or "return" not in receipt.materials:
            continue
        if receipt.doubt:
            continue  # held 待核实 (its sender or its time): awaiting the clerk, not replaced
        if receipt.sha256 and receipt.sha256 == counted.sha256:
            continue
        changes = diff(old, counted.ret)
        note = finding("I603", old.file.name, newer=counted.ret.file.name,
                       changes="；".join(changes) if changes else "数字无变化")
        out.append(Superseded(old.model_copy(update={"findings": [*old.findings, note]}), counted.ret, changes))
    return out


def consolidate(state: CampaignState, period: str | None = None) -> Merged:
    """The county's return for `period` (default: the latest one any return came for), from the state."""
    source = "命令行参数 --period"
    if period is None:
        period = latest_period(state)
        source = "输入中最新的报告期"
        if period is None:
            raise MergeRefused("输入中没有任何镇的月报表，无法汇总；请检查文件夹或邮件，或用 --period 指定报告期。")
    if state.campaign.period(period) is None:
        raise MergeRefused(f"报告期 {period} 不是本次行动的报送期（{'、'.join(p.period for p in state.campaign.periods)}）")
    lines: list[TownLine] = []
    superseded: list[Superseded] = []
    received: dict[str, datetime | None] = {}
    for standing in state.of_deadline(period):
        counted = standing.counted
        ret = standing.ret
        when = counted.received if counted is not None else (standing.receipt.received if standing.receipt else None)
        lines.append(TownLine(standing.town, standing.label, ret, standing.rejected, when, standing.status, standing))
        if ret is not None:
            received[str(ret.file)] = when
        superseded.extend(_replaced(standing))
    accepted = [line.ret for line in lines if line.ret is not None]
    rejected = [line.rejected for line in lines if line.rejected is not None]
    rejected += [r for r in state.unplaced if r.period in (None, period)]

    previous = last_accepted(state, period)
    notes: list[tuple[Return, Finding]] = []
    for line in lines:
        if line.ret is None and line.town in previous:
            line.carried = earlier = previous[line.town]
            notes.append((earlier, finding("I651", f"{earlier.file.name} {_row_span(earlier)}", town=line.town,
                                             state=line.status, month=month_word(earlier.period or ""),
                                             file=earlier.file.name)))
    ordered = sorted(p.period for p in state.campaign.periods)
    before = ordered[ordered.index(period) - 1] if ordered.index(period) > 0 else None
    form = state.campaign.form_spec
    checks = cross_month(accepted, previous, form, before)
    if checks:
        # The returns that count carry their cross-month notes (copies: the state's returns stay as read).
        extra: dict[int, list[Finding]] = {}
        for ret, item in checks:
            extra.setdefault(id(ret), []).append(item)
        swapped = {id(r): r.model_copy(update={"findings": [*r.findings, *extra[id(r)]]}) for r in accepted if id(r) in extra}
        accepted = [swapped.get(id(r), r) for r in accepted]
        for line in lines:
            if line.ret is not None and id(line.ret) in swapped:
                line.ret = swapped[id(line.ret)]
        checks = [(swapped[id(r)], f) for r, f in checks]

    others = [s.ret for s in state.standings
              if s.deadline.kind == "return" and s.deadline.key != period and s.ret is not None]
    hazards = [(ret.town or "", hazard, ret) for ret in accepted for hazard in ret.hazards]
    totals = county_totals(accepted, [line.carried for line in lines if line.ret is None and line.carried is not None],
                           form)
    skipped = [(f.location, f.message) for f in state.findings if f.code in SKIP_CODES]
    if not any("return" in r.materials for s in state.of_deadline(period) for r in s.receipts):
        # A --period nobody reported for: say which periods the inputs do hold, not only "all missing".
        held = "、".join(state.periods_received()) or "无"
        empty = finding("D771", "--period", period=period, periods=held)
        skipped.append((empty.location, empty.message))
    return Merged(period, source, lines, accepted, rejected, superseded, skipped, others, totals, hazards, checks,
                  form, received, state, notes)


@dataclass(frozen=True)
class Question:
    """A warning on a counted return that the city would ask about, and what the clerk can do."""

    town: str
    ret: Return
    finding: Finding
    accepted: str  # the logbook's citation when the clerk has accepted the town's explanation, else ""

    @property
    def action(self) -> str:
        """What the clerk can do about it, in words."""
        if self.accepted:
            return f"已接受该镇说明：{self.accepted}"
        deadline = self.ret.period or "YYYY-MM"
        return (f"{self.finding.hint}请{self.town}核实：有误则更正后重报；说明属实则在登记簿 [[accepted]] 记下"
                f"（town = \"{self.town}\"，deadline = \"{deadline}\"，code = \"{self.finding.code}\"）。")


def questions(merged: Merged) -> list[Question]:
    """Every warning of every counted return (its own checks and the cross-month check): what the city reading
    the county's return would question, with the clerk's acceptance from the logbook where recorded."""
    cited: dict[tuple[str, str], str] = {}
    for line in merged.towns:
        for entry in line.standing.logbook if line.standing is not None else []:
            code = getattr(entry, "code", None)
            if code:
                cited[(line.town, code)] = entry.cite
    out = []
    for ret in merged.accepted:
        town = ret.town or ""
        for item in ret.findings:
            if item.severity is Severity.WARNING:
                out.append(Question(town, ret, item, cited.get((town, item.code), "")))
    return out


def incomplete_note(merged: Merged) -> str:
    """The 报告表's note when some town's return does not count: each town with its state, and whose earlier
    累计 the county's 累计 includes (empty when every town's return counts)."""
    if merged.complete:
        return ""
    absent = [line for line in merged.towns if line.ret is None]
    note = (f"注：本表不完整，本期数未含{len(absent)}个单位："
            + "、".join(f"{line.town}（{line.status}）" for line in absent) + "。")
    carried = merged.carried
    if carried:
        note += ("累计数含" + "、".join(f"{line.town}{month_word(line.cumulative_from or '')}累计" for line in carried)
                 + "（各该单位最近一次合格报表的累计，即“沿用”）。")
    return note


def month_word(period: str) -> str:
    """2023-12 → 12月 (the words 沿用12月累计 use)."""
    return f"{int(period[5:])}月" if len(period) == 7 else period


def _row_span(ret: Return) -> str:
    cells = [f.location for f in (ret.cumulative_row or {}).values()]
    return f"{cells[0]}:{cells[-1].split('!')[-1]}" if len(cells) > 1 else (cells[0] if cells else "")


def rate_key(found_key: str) -> str:
    """The key of a found/fixed pair's rate: general_found → general_rate (any other key: key_rate)."""
    return found_key[: -len("_found")] + "_rate" if found_key.endswith("_found") else found_key + "_rate"


def rates(values: dict[str, Any], form: Form) -> dict[str, Decimal | None]:
    """Rectification rates (fixed / found) of each of `form`'s pairs as percentages with one decimal, None when
    nothing found."""
    out: dict[str, Decimal | None] = {}
    for found_key, fixed_key in form.found_fixed:
        found, fixed = values.get(found_key), values.get(fixed_key)
        name = rate_key(found_key)
        out[name] = None if not found or fixed is None else (Decimal(fixed) * 100 / Decimal(found)).quantize(Decimal("0.1"))
    return out


def figures(merged: Merged) -> Iterator[tuple[Return, str, str, Figure | None]]:
    """Every counted return's cells, as (return, row, key, figure or None), in the merge's order of towns."""
    for ret in merged.accepted:
        for row in ROWS:
            cells = (ret.period_row if row == "period" else ret.cumulative_row) or {}
            for key in merged.form.keys:
                yield ret, row, key, cells.get(key)


# The tidy table's columns and row words, in Chinese for the people who open it (SPEC's contract).
TIDY_COLUMNS = ("镇", "报告期", "行", "项目", "代码", "数值", "文件", "单元格")
TIDY_ROWS = {"period": "本期", "cumulative": "累计"}


def tidy(merged: Merged) -> pd.DataFrame:
    """The long table for the city's analysts: 镇, 报告期, 行 (本期/累计), 项目 (the form's label), 代码 (the JSON
    key), 数值, 文件, 单元格 — one line per figure."""
    import pandas as pd

    records = []
    for ret, row, key, figure in figures(merged):
        value = figure.value if figure is not None else None
        records.append((ret.town, merged.period, TIDY_ROWS[row], merged.form.by_key[key].label, key,
                        plain(value) if value is not None else "", str(ret.file),
                        figure.location if figure is not None else ""))
    return pd.DataFrame(records, columns=list(TIDY_COLUMNS))


# A cell starting with one of these is a formula to Excel, WPS and LibreOffice (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def csv_field(value: Any) -> str:
    """One CSV field, RFC 4180 quoted; text a spreadsheet would take for a formula is escaped as OWASP says
    (a leading single quote, the field quoted); a real number is written as it is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    formula = isinstance(value, str) and text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text)
    if formula:
        text = "'" + text
    if formula or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_tidy(path: Any, merged: Merged) -> None:
    """The tidy table as CSV (UTF-8 with BOM, so that Excel and WPS open the Chinese correctly), atomically;
    no cell that a spreadsheet would run as a formula (a town's sheet or file name may start with "=")."""
    from bairi.core.atomic import write_atomic

    table = tidy(merged)
    lines = [",".join(csv_field(str(c)) for c in table.columns)]
    lines += [",".join(csv_field(v) for v in row) for row in table.itertuples(index=False, name=None)]
    write_atomic(path, ("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
