"""What a form file (form.toml) may say, as pydantic models: every wrong key named in Chinese at once."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

_MODEL = ConfigDict(extra="forbid", frozen=True, strict=True)
Text = Annotated[str, StringConstraints(pattern=r"\S")]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"正则表达式“{value}”写法不对（{exc}）") from None
    return value


# The hazard table's columns are the Hazard model's fields: a form may relabel them, not add or drop one.
HAZARD_FIELDS = ("seq", "enterprise", "town", "category", "supervisor", "detail")
# The header fields the reader knows how to find (it reads their labels with its own alternatives).
FIELD_KEYS = ("unit", "filler", "filled_on")

class FieldSpec(BaseModel):
    """A header field: 填报单位, 填表人, 填表日期."""

    model_config = _MODEL
    key: Literal["unit", "filler", "filled_on"]
    label: Text


class RowSpec(BaseModel):
    """One of the two rows: its word on the form and the pattern of what towns write."""

    model_config = _MODEL
    label: Text
    pattern: Text

    _check = field_validator("pattern")(_pattern)


class RowsSpec(BaseModel):
    """The statistics table's two rows."""

    model_config = _MODEL
    period: RowSpec
    cumulative: RowSpec


class ColumnSpec(BaseModel):
    """One figure column."""

    model_config = _MODEL
    key: Key
    header: Text
    unit: Text
    kind: Literal["count", "amount"]
    pattern: Text
    group: str = ""
    width: Annotated[float, Field(gt=0, le=255)] = 9.0
    # How its 累计 grows: "sum" (项, 个: last 累计 + this month, exactly) or "distinct" (家: enterprises counted
    # once over the campaign, so at most that sum). Unset: "distinct" for a column counted in 家, else "sum".
    cumulative: Literal["sum", "distinct"] | None = None

    _check = field_validator("pattern")(_pattern)


class HazardSpec(BaseModel):
    """One column of the hazard table."""

    model_config = _MODEL
    key: Literal["seq", "enterprise", "town", "category", "supervisor", "detail"]
    header: Text
    pattern: Text
    width: Annotated[float, Field(gt=0, le=255)] = 10.0

    _check = field_validator("pattern")(_pattern)


class FormFile(BaseModel):
    """A whole form file."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)
    title: Text
    hazard_title: Text = "重大隐患明细"
    row_label_header: Text = "行业"
    fields: list[FieldSpec]
    rows: RowsSpec
    columns: Annotated[list[ColumnSpec], Field(min_length=1)]
    found_fixed: list[tuple[Key, Key]] = []
    hazard_columns: list[HazardSpec]

    @model_validator(mode="after")
    def _whole(self) -> FormFile:
        wrong = []
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            wrong.append(f"columns：键重复：{'、'.join(sorted({k for k in keys if keys.count(k) > 1}))}")
        for found, fixed in self.found_fixed:
            for key in (found, fixed):
                if key not in keys:
                    wrong.append(f"found_fixed：“{key}”不是 columns 中的键")
        if sorted(f.key for f in self.fields) != sorted(FIELD_KEYS):
            wrong.append(f"fields：应正好是 {'、'.join(FIELD_KEYS)} 三项")
        if sorted(c.key for c in self.hazard_columns) != sorted(HAZARD_FIELDS):
            wrong.append(f"hazard_columns：应正好是 {'、'.join(HAZARD_FIELDS)} 六项（可改名称和写法，不能增减）")
        if wrong:
            raise ValueError("；".join(wrong))
        return self


def problems(exc: Exception) -> str:
    """A pydantic ValidationError in the clerk's words (the campaign config's wording)."""
    from bairi.core.tomlfile import pydantic_words

    items = getattr(exc, "errors", None)
    if items is None:
        return str(exc)
    return "；".join(dict.fromkeys(pydantic_words(item) for item in items()))
