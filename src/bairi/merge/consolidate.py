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

from bairi.core.findings import Finding, finding
from bairi.core.form import BY_KEY, FOUND_FIXED, KEYS, active
from bairi.core.model import Figure, Hazard, Return
from bairi.core.values import plain
from bairi.state.standing import CampaignState, Standing

if TYPE_CHECKING:
    import pandas as pd

ROWS = ("period", "cumulative")
ROW_WORDS = {"period": "冶金工贸", "cumulative": "累计"}  # the notice's; row_words() for the active form's


def row_words() -> dict[str, str]:
    """The active form's words for its two rows."""
    form = active()
    return {"period": form.period_row.label, "cumulative": form.cumulative_row.label}
# Intake findings that say a file was left out, shown by merge as 跳过.
SKIP_CODES = ("D704", "D707", "D709", "D710", "D711", "D712", "D713", "D720", "D721", "D722", "D723", "F109")


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
    received: dict[str, datetime | None] = field(default_factory=dict)
    state: CampaignState | None = None

    @property
    def missing_towns(self) -> list[str]:
        """Configured towns with no counted return for the period (not sent, sent back, unreadable)."""
        return [line.town for line in self.towns if line.ret is None]

    @property
    def complete(self) -> bool:
        """True when every configured town's return counts."""
        return not self.missing_towns


def diff(old: Return, new: Return) -> list[str]:
    """What changed between two returns, figure by figure, in words."""
    changes = []
    words = row_words()
    for row in ROWS:
        before, after = old.values(row), new.values(row)
        for key in KEYS:
            if before[key] != after[key]:
                changes.append(f"{words[row]}·{BY_KEY[key].short}：{plain(before[key]) or '空'} → {plain(after[key]) or '空'}")
    if len(old.hazards) != len(new.hazards):
        changes.append(f"重大隐患明细：{len(old.hazards)} 行 → {len(new.hazards)} 行")
    return changes


def _scale(returns: list[Return]) -> int:
    """The power of ten that makes every fine an integer: 10⁴ (whole yuan) unless a town typed finer."""
    places = 4
    amounts = [key for key in KEYS if BY_KEY[key].kind != "count"]
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


def frame(returns: list[Return], scale: int) -> pd.DataFrame:
    """One row per return and row kind, one exact integer column per figure (fines times `scale`)."""
    import pandas as pd

    records = []
    for ret in returns:
        for row in ROWS:
            values = ret.values(row)
            record: dict[str, Any] = {"town": ret.town, "row": row}
            for key in KEYS:
                value = values[key]
                if value is not None and BY_KEY[key].kind != "count":
                    value = int(Decimal(value) * scale)
                record[key] = value
            records.append(record)
    columns = {key: pd.Series([r[key] for r in records], dtype="Int64") for key in KEYS}
    return pd.DataFrame({"town": [r["town"] for r in records], "row": [r["row"] for r in records], **columns})


def _figure(key: str, value: Any, scale: int) -> int | Decimal:
    if BY_KEY[key].kind == "count":
        return int(value)
    return Decimal(int(value)) / scale


def totals_of(table: pd.DataFrame, scale: int) -> dict[str, dict[str, int | Decimal]]:
    """The county's two rows: column sums of the frame, exact (a blank figure adds nothing)."""
    out: dict[str, dict[str, int | Decimal]] = {}
    for row in ROWS:
        sums = table.loc[table["row"] == row, list(KEYS)].sum(skipna=True)
        out[f"{row}_row"] = {key: _figure(key, sums[key], scale) for key in KEYS}
    return out


def cross_month(current: list[Return], previous: dict[str, Return]) -> list[tuple[Return, Finding]]:
    """累计(this month) = 累计(last month) + 本期(this month), and 累计 never falls: frame arithmetic, then
    one finding per cell that disagrees, naming both months' figures and cells."""
    pairs = [(ret, previous[ret.town]) for ret in current if ret.town in previous
             and ret.cumulative_row and ret.period_row and previous[ret.town].cumulative_row]
    if not pairs:
        return []
    everything = [r for pair in pairs for r in pair]
    scale = _scale(everything)
    now = frame([c for c, _ in pairs], scale)
    before = frame([p for _, p in pairs], scale)
    cum_now = now[now["row"] == "cumulative"][list(KEYS)].reset_index(drop=True)
    this = now[now["row"] == "period"][list(KEYS)].reset_index(drop=True)
    cum_before = before[before["row"] == "cumulative"][list(KEYS)].reset_index(drop=True)
    fell = (cum_now < cum_before).fillna(False)
    differs = (cum_now != cum_before + this).fillna(False)
    found: list[tuple[Return, Finding]] = []
    for index, (ret, prev) in enumerate(pairs):
        for key in KEYS:
            if not (bool(fell.at[index, key]) or bool(differs.at[index, key])):
                continue
            assert ret.cumulative_row and ret.period_row and prev.cumulative_row
            cell, this_cell, prev_cell = ret.cumulative_row.get(key), ret.period_row.get(key), prev.cumulative_row.get(key)
            if cell is None or this_cell is None or prev_cell is None:
                continue
            fields = dict(column=BY_KEY[key].short, cumulative=plain(cell.value), month=ret.period,
                          previous=plain(prev_cell.value), prev_month=prev.period,
                          prev_cell=f"{prev.file.name} {prev_cell.location}", period=plain(this_cell.value),
                          cell=cell.location)
            found.append((ret, finding("W602" if bool(fell.at[index, key]) else "W601", cell.location, **fields)))
    return found


def latest_period(state: CampaignState) -> str | None:
    """The latest campaign period any return arrived for."""
    periods = state.periods_received()
    return periods[-1] if periods else None


def _previous(state: CampaignState, period: str) -> str | None:
    ordered = sorted(p.period for p in state.campaign.periods)
    index = ordered.index(period) if period in ordered else -1
    return ordered[index - 1] if index > 0 else None


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

    previous_period = _previous(state, period)
    previous = {s.town: s.ret for s in state.of_deadline(previous_period) if s.ret is not None} if previous_period else {}
    checks = cross_month(accepted, previous)
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
    scale = _scale(accepted)
    totals = totals_of(frame(accepted, scale), scale)
    skipped = [(f.location, f.message) for f in state.findings if f.code in SKIP_CODES]
    return Merged(period, source, lines, accepted, rejected, superseded, skipped, others, totals, hazards, checks,
                  received, state)


def rates(values: dict[str, Any]) -> dict[str, Decimal | None]:
    """Rectification rates (fixed / found) as percentages with one decimal, None when nothing found."""
    out: dict[str, Decimal | None] = {}
    for found_key, fixed_key in FOUND_FIXED:
        found, fixed = values.get(found_key), values.get(fixed_key)
        name = found_key.replace("_found", "_rate")
        out[name] = None if not found or fixed is None else (Decimal(fixed) * 100 / Decimal(found)).quantize(Decimal("0.1"))
    return out


def figures(merged: Merged) -> Iterator[tuple[Return, str, str, Figure | None]]:
    """Every counted return's cells, as (return, row, key, figure or None), in the merge's order of towns."""
    for ret in merged.accepted:
        for row in ROWS:
            cells = (ret.period_row if row == "period" else ret.cumulative_row) or {}
            for key in KEYS:
                yield ret, row, key, cells.get(key)


def tidy(merged: Merged) -> pd.DataFrame:
    """The long table for the city's analysts: town, period, row, key, value, file, cell — one line per figure."""
    import pandas as pd

    records = []
    for ret, row, key, figure in figures(merged):
        value = figure.value if figure is not None else None
        records.append({"town": ret.town, "period": merged.period, "row": row, "key": key,
                        "value": plain(value) if value is not None else "",
                        "file": str(ret.file), "cell": figure.location if figure is not None else ""})
    return pd.DataFrame(records, columns=["town", "period", "row", "key", "value", "file", "cell"])


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
