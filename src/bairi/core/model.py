"""The return as bairi understands it, as pydantic models: every figure with the cell it came from.

The models hold the form's type rules as field constraints — a figure is never negative, a count is a
whole number, a fine (万元) has at most 4 decimals — and `Figure.checked` turns each constraint a figure
breaks into the catalogue's finding at its cell. They validate what the tolerant reader (core/values.py)
produced from the cell; they do not read cells themselves.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SkipValidation, ValidationError, create_model
from pydantic.json_schema import SkipJsonSchema

from bairi.core.findings import Finding, Severity, finding
from bairi.core.form import Form
from bairi.core.formfile import HAZARD_FIELDS
from bairi.core.values import plain

# What each broken constraint is in the catalogue, and whether the figure keeps its value: a negative
# figure or a fine past 4 decimals is still that figure (said, and kept); 7.5 家 is no count at all.
TYPE_FINDINGS: dict[str, tuple[str, bool]] = {
    "greater_than_equal": ("E407", True),
    "int_from_float": ("E408", False),
    "decimal_max_places": ("W412", True),
}

Count = int
Fine = Annotated[Decimal, Field(decimal_places=4)]

# What kind of number each column holds (SPEC: counts are whole numbers, 行政罚款 is 万元 to 4 decimals).
# The sign is Figure's own constraint, not repeated here: pydantic stops at a field's first broken
# constraint, and a fine both negative and finer than 1 元 must be refused (E407) as well as noted (W412).
@lru_cache(maxsize=16)
def row_model(form: Form) -> Any:
    """The model of one row of a form's statistics table (made once per form)."""
    return create_model(  # type: ignore[call-overload]
        "Row", __config__=ConfigDict(extra="forbid"),
        __doc__="One row of the statistics table by key: what kind of number each column holds.",
        **{column.key: (Count | None if column.kind == "count" else Fine | None, Field(None, description=column.label))
           for column in form.columns})


class Figure(BaseModel):
    """One statistics cell: where it is, what was typed, and the figure read from it (None when unknown)."""

    key: str
    location: str
    raw: Any = None
    value: Annotated[int | Decimal, Field(ge=0)] | None = None

    @classmethod
    def checked(cls, key: str, location: str, raw: object, value: int | Decimal | None,
                form: Form) -> tuple[Figure, list[Finding]]:
        """The figure the reader read at `location` under `form`'s column `key`, validated: each type rule it
        breaks is a finding at the cell."""
        errors = []
        try:
            figure = cls(key=key, location=location, raw=raw, value=value)
        except ValidationError as exc:
            errors = exc.errors()
        if value is not None:
            try:
                row_model(form).model_validate({key: value})
            except ValidationError as exc:
                errors = [*errors, *exc.errors()]
        if not errors:
            return figure, []
        found, keep = [], True
        for error in errors:
            code, kept = TYPE_FINDINGS[error["type"]]
            keep = keep and kept
            found.append(finding(code, location, column=form.by_key[key].short, value=plain(value)))
        return cls.model_construct(key=key, location=location, raw=raw, value=value if keep else None), found


class Hazard(BaseModel):
    """One row of the 重大隐患明细 table."""

    location: str
    seq: str = ""
    enterprise: str = ""
    town: str = ""
    category: str = ""
    supervisor: str = ""
    detail: str = ""
    cells: dict[str, str] = {}

    def as_dict(self) -> dict[str, str]:
        """The hazard with its SPEC keys and the row it came from."""
        return {key: getattr(self, key) for key in HAZARD_FIELDS} | {"location": self.location}


class Return(BaseModel):
    """One town's return as read from one file, with every finding about it."""

    # The reader fills a return in as it finds its parts: each assignment is validated as it is made.
    model_config = ConfigDict(validate_assignment=True)

    file: Path
    # The form it was read with: its keys are the figures' keys (a form is no data of the return's: not
    # validated, not dumped, not in the schema).
    form: SkipJsonSchema[SkipValidation[Form]] = Field(exclude=True, repr=False)
    sha256: str = ""
    format: str = ""
    unit_raw: str = ""
    town: str | None = None
    filler: str = ""
    filled_on: date | None = None
    period: str | None = Field(None, description="报告期 YYYY-MM")
    period_source: str = ""
    period_row: dict[str, Figure] | None = None
    cumulative_row: dict[str, Figure] | None = None
    hazards: list[Hazard] = []
    findings: list[Finding] = []
    locations: dict[str, str] = {}

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
            return dict.fromkeys(self.form.keys)
        return {key: (cells[key].value if key in cells else None) for key in self.form.keys}

    def count(self, severity: Severity) -> int:
        """How many findings of that severity."""
        return sum(1 for f in self.findings if f.severity is severity)
