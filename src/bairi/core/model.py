"""The return as bairi understands it: every figure with the cell it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from bairi.core.findings import Finding, Severity
from bairi.core.form import HAZARD_KEYS, KEYS


@dataclass
class Figure:
    """One statistics cell: where it is, what was typed, and the figure read from it."""

    key: str
    location: str
    raw: object
    value: int | Decimal | None


@dataclass
class Hazard:
    """One row of the 重大隐患明细 table."""

    location: str
    seq: str = ""
    enterprise: str = ""
    town: str = ""
    category: str = ""
    supervisor: str = ""
    detail: str = ""
    cells: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        """The hazard with its SPEC keys and the row it came from."""
        return {key: getattr(self, key) for key in HAZARD_KEYS} | {"location": self.location}


@dataclass
class Return:
    """One town's return as read from one file, with every finding about it."""

    file: Path
    sha256: str = ""
    format: str = ""
    unit_raw: str = ""
    town: str | None = None
    filler: str = ""
    filled_on: date | None = None
    period: str | None = None
    period_source: str = ""
    period_row: dict[str, Figure] | None = None
    cumulative_row: dict[str, Figure] | None = None
    hazards: list[Hazard] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    locations: dict[str, str] = field(default_factory=dict)

    @property
    def unreadable(self) -> bool:
        """True when the file itself could not be read (exit status 2)."""
        return any(f.unreadable for f in self.findings)

    @property
    def ok(self) -> bool:
        """True when the return can be accepted (no error findings)."""
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def values(self, row: str) -> dict[str, int | Decimal | None]:
        """The figures of the 'period' or 'cumulative' row by key (None where unknown)."""
        cells = self.period_row if row == "period" else self.cumulative_row
        if cells is None:
            return {key: None for key in KEYS}
        return {key: (cells[key].value if key in cells else None) for key in KEYS}

    def count(self, severity: Severity) -> int:
        """How many findings of that severity."""
        return sum(1 for f in self.findings if f.severity is severity)
