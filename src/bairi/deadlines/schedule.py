"""What `bairi deadlines` shows, from the campaign state: counts per deadline, overdue major hazards, typical cases."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bairi.core.calendar import Deadline, last_on_time
from bairi.core.campaign import Campaign
from bairi.core.findings import Finding
from bairi.core.model import Hazard, Return
from bairi.state.standing import STATUSES, CampaignState, Standing


@dataclass
class Tally:
    """How one deadline went across all towns."""

    deadline: Deadline
    counts: dict[str, int]
    towns: int

    @property
    def received(self) -> int:
        """Towns whose deadline is met, on time or late (缺件 included: its main material came)."""
        return self.counts["on_time"] + self.counts["late"] + self.counts["incomplete"]

    @property
    def rate(self) -> Decimal | None:
        """Reporting rate in percent (one decimal), None without towns."""
        if not self.towns:
            return None
        return (Decimal(self.received) * 100 / self.towns).quantize(Decimal("0.1"))

    @property
    def on_time_rate(self) -> Decimal | None:
        """On-time rate in percent (one decimal), None without towns."""
        if not self.towns:
            return None
        return (Decimal(self.counts["on_time"] + self.counts["incomplete"]) * 100 / self.towns).quantize(Decimal("0.1"))


# A detail row that says its hazard is already rectified (the form has no column for it).
_RECTIFIED = re.compile(r"已(于.{0,12})?(整改完毕|完成整改|整改到位|整改完成|销号)|整改完毕|已验收")


def rectified(hazard: Hazard) -> bool:
    """True when the row's own text says the hazard has been rectified."""
    return bool(_RECTIFIED.search(hazard.detail))


@dataclass
class OpenHazards:
    """A town whose latest return still shows unrectified major hazards after the rectification date."""

    town: str
    period: str | None
    source: str
    major_found: int
    major_fixed: int
    hazards: list[Hazard]  # the rows not marked as rectified (all rows when none is marked open)
    rows: int = 0  # rows in the return's 重大隐患明细

    @property
    def open(self) -> int:
        """How many are not yet rectified."""
        return self.major_found - self.major_fixed


@dataclass
class Assessment:
    """Everything `bairi deadlines` shows as of one day, read from the campaign state."""

    state: CampaignState
    tallies: list[Tally]
    open_hazards: list[OpenHazards]
    rectify_passed: bool
    no_case: list[Standing]  # towns whose 典型案例 has not come (all of them once the day is past)
    cases_due_passed: bool

    @property
    def as_of(self) -> date:
        """The day it is as of."""
        return self.state.as_of

    @property
    def campaign(self) -> Campaign:
        """The campaign."""
        return self.state.campaign

    @property
    def deadlines(self) -> list[Deadline]:
        """The campaign's deadlines in date order."""
        return self.state.deadlines

    @property
    def items(self) -> list[Standing]:
        """Every town × deadline."""
        return self.state.standings

    @property
    def findings(self) -> list[Finding]:
        """What the intake and the state noted, beyond any one town's deadline."""
        return self.state.findings

    @property
    def overdue(self) -> list[Standing]:
        """Standings with something owed past its day."""
        return self.state.overdue

    def by_town(self) -> dict[str, list[Standing]]:
        """Standings grouped by town."""
        return self.state.by_town()


def _figure(ret: Return, key: str) -> int | None:
    value = ret.values("cumulative").get(key)
    return None if value is None else int(value)


def open_hazards(state: CampaignState) -> list[OpenHazards]:
    """Towns with major hazards past their rectification day, from the hazard register built on the state,
    with each town's latest 累计 figures beside them."""
    from bairi.hazards.entries import overdue, sightings_of
    from bairi.hazards.register import build_register

    sightings = sightings_of(state)
    late = overdue(build_register(sightings, state.campaign, state.as_of))
    latest = {}
    for sighting in sorted(sightings, key=lambda s: s.period):
        if sighting.ret.cumulative_row is not None:
            latest[sighting.town] = sighting
    found: list[OpenHazards] = []
    for unit in state.campaign.units:
        entries = [e for e in late if e.town == unit.name]
        if not entries:
            continue
        seen = latest.get(unit.name)
        major = _figure(seen.ret, "major_found") if seen else None
        fixed = _figure(seen.ret, "major_fixed") if seen else None
        rows = [Hazard(location=e.id, enterprise=e.enterprise, town=e.town, category=e.category, supervisor=e.supervisor,
                       detail=e.detail) for e in entries]
        found.append(OpenHazards(unit.name, seen.period if seen else None, seen.file if seen else "", major or 0,
                                 fixed or 0, rows, len(seen.ret.hazards) if seen else 0))
    return found


def assess(state: CampaignState) -> Assessment:
    """Counts per deadline, open major hazards past the rectification day, towns without a typical case."""
    campaign, as_of = state.campaign, state.as_of
    tallies = []
    for deadline in state.deadlines:
        counts = Counter(s.status for s in state.of_deadline(deadline.key))
        tallies.append(Tally(deadline, {s: counts.get(s, 0) for s in STATUSES}, len(campaign.units)))
    rectify_passed = campaign.rectify_by is not None and as_of > campaign.rectify_by
    cases = [s for s in state.standings if s.deadline.kind == "case" and s.status not in ("on_time", "late")]
    cases_passed = campaign.cases_due is not None and as_of > last_on_time(campaign.cases_due, campaign)
    return Assessment(state, tallies, open_hazards(state), rectify_passed, cases, cases_passed)
