"""The campaign's rules: each one looks at a Return and yields findings; `check` runs them all."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, finding
from bairi.core.model import Figure, Return
from bairi.core.names import resolve_unit
from bairi.core.values import plain
from bairi.read.reader import read_return

Rule = Callable[[Return, Campaign], Iterator[Finding]]


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def not_empty(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """An untouched form (both rows blank) is not a return of zeros."""
    rows = [r for r in (ret.period_row, ret.cumulative_row) if r]
    if rows and all(_blank(fig.raw) for row in rows for fig in row.values()):
        first = next(iter(rows[0].values()))
        yield finding("E205", first.location, period=ret.form.period_row.label, cumulative=ret.form.cumulative_row.label)


def cumulative_not_below_period(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """累计 counts everything since the campaign began, so it cannot be less than this period."""
    if not ret.period_row or not ret.cumulative_row:
        return
    columns = ret.form.by_key
    for key in ret.form.keys:
        period, cumulative = ret.period_row.get(key), ret.cumulative_row.get(key)
        if period is None or cumulative is None or period.value is None or cumulative.value is None:
            continue
        if cumulative.value < period.value:
            yield finding("E501", cumulative.location, column=columns[key].short,
                          cumulative=plain(cumulative.value), period=plain(period.value))


def fixed_not_above_found(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """Since the campaign began, no more hazards can have been rectified than were found."""
    if not ret.cumulative_row:
        return
    columns = ret.form.by_key
    for found_key, fixed_key in ret.form.found_fixed:
        found, fixed = ret.cumulative_row.get(found_key), ret.cumulative_row.get(fixed_key)
        if found is None or fixed is None or found.value is None or fixed.value is None:
            continue
        if fixed.value > found.value:
            yield finding("E502", fixed.location, fixed_label=columns[fixed_key].short, fixed=plain(fixed.value),
                          found_label=columns[found_key].short, found=plain(found.value))


def hazard_table_present(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """Major hazards need their detail table; without any, a missing table is only a warning."""
    if ret.locations.get("hazard_table") or not ret.cumulative_row:
        return
    major = ret.cumulative_row.get("major_found")
    count = major.value if major is not None else None
    where = ret.locations.get("sheet", ret.file.name)
    if count:
        yield finding("E204", where, count=plain(count), table=ret.form.hazard_title)
    else:
        yield finding("W210", where, table=ret.form.hazard_title)


def hazards_match_count(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """One detail row per major hazard found since the campaign began."""
    if not ret.locations.get("hazard_table") or not ret.cumulative_row:
        return
    major = ret.cumulative_row.get("major_found")
    if major is None or major.value is None:
        return
    if len(ret.hazards) != major.value:
        yield finding("W503", ret.locations["hazard_table"], rows=len(ret.hazards), count=plain(major.value),
                      table=ret.form.hazard_title)


def hazard_rows_complete(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """Each hazard row names its enterprise, town, category, supervisor and plan, all plausible."""
    at_county = ret.town == campaign.authority
    allowed = campaign.categories
    # A campaign without a list of categories (a notice that names none) accepts what the town writes.
    headers = {column.key: column.header for column in ret.form.hazard_columns}
    for index, hazard in enumerate(ret.hazards, start=1):
        seq = hazard.seq or str(index)
        missing = [headers[key] for key in ("enterprise", "supervisor", "detail") if not getattr(hazard, key)]
        if missing:
            yield finding("W506", hazard.cells.get("enterprise", hazard.location), seq=seq, fields="、".join(missing))
        if hazard.town and ret.town:
            named = resolve_unit(hazard.town, campaign)
            where = hazard.cells.get("town", hazard.location)
            if at_county and named is None:
                yield finding("W508", where, seq=seq, town=hazard.town, units=len(campaign.units))
            elif not at_county and named != ret.town:
                yield finding("W504", where, seq=seq, town=hazard.town, unit=ret.town)
        if allowed and hazard.category and not any(hazard.category.strip().rstrip("业行") == c or hazard.category.strip() == c + "行业"
                                       for c in allowed):
            yield finding("W505", hazard.cells.get("category", hazard.location), seq=seq, category=hazard.category,
                          allowed="、".join(allowed))


def _inspected(ret: Return, campaign: Campaign) -> tuple[int, Figure, int | Decimal] | None:
    """(the town's configured enterprise count, its 本期排查企业 figure and value), when both are known."""
    unit = campaign.unit(ret.town) if ret.period_row and ret.town is not None else None
    figure = ret.period_row.get("enterprises") if ret.period_row else None
    if unit is None or not unit.enterprises or figure is None or figure.value is None:
        return None
    return unit.enterprises, figure, figure.value


def half_inspected(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """The notice: each town inspects at least half its enterprises every month."""
    known = _inspected(ret, campaign)
    if known is None:
        return
    total, figure, value = known
    need = math.ceil(total * campaign.inspect_share)
    if value < need:
        yield finding("W507", figure.location, value=plain(figure.value), total=total, need=need)


def within_area(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """本期排查企业 above the town's configured enterprise count: a typo, the 累计 in the 本期 row, or an outdated count.
    Only the period row: the cumulative one counts an enterprise again each month it is inspected."""
    known = _inspected(ret, campaign)
    if known is not None and known[2] > known[0]:
        yield finding("W511", known[1].location, value=plain(known[2]), total=known[0])


# A town's fines for a month are tens of 万元 at most; ten million yuan is almost surely yuan typed as 万元.
FINES_PLAUSIBLE = 1000
# A safety fine is hundreds of 元 at the least; a few 元 is almost surely 万元 written under a header in 元.
FINES_TINY = Decimal("0.01")


def fines_plausible(ret: Return, campaign: Campaign) -> Iterator[Finding]:
    """行政罚款 is in 万元; a huge figure from a town usually means it was written in 元, a tiny one the reverse."""
    column = ret.form.by_key.get("fines")
    # Only where the form keeps fines in 万元 (the mix-up is 元 typed there); a form in 元 has its own scale.
    if ret.town == campaign.authority or column is None or column.unit not in ("万", "万元"):
        return
    for row in (ret.period_row, ret.cumulative_row):
        figure = (row or {}).get("fines")
        if figure is not None and figure.value is not None and figure.value >= FINES_PLAUSIBLE:
            yield finding("W509", figure.location, value=plain(figure.value), yuan=plain(Decimal(figure.value) / 10000))
        elif figure is not None and figure.value is not None and 0 < figure.value < FINES_TINY:
            yield finding("W510", figure.location, value=plain(figure.value), yuan=plain(figure.value * 10000))


RULES: tuple[Rule, ...] = (
    cumulative_not_below_period,
    fixed_not_above_found,
    hazard_table_present,
    hazards_match_count,
    hazard_rows_complete,
    half_inspected,
    within_area,
    fines_plausible,
)


def check(ret: Return, campaign: Campaign) -> Return:
    """Run every rule on a read return, adding their findings to it; returns the same Return."""
    if ret.unreadable or ret.period_row is None and ret.cumulative_row is None:
        return ret
    empty = list(not_empty(ret, campaign))
    if empty:
        # An untouched form is one error, not twenty-six notes about blank cells and rules on zeros.
        ret.findings[:] = [f for f in ret.findings if f.code != "I401"] + empty
        return ret
    for rule in RULES:
        ret.findings.extend(rule(ret, campaign))
    return ret


def check_file(path: Path, campaign: Campaign, period: str | None = None) -> Return:
    """Read and check one file: the whole of `bairi check` for one return."""
    return check(read_return(path, campaign, period), campaign)
