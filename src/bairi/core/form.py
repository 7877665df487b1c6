"""The attachment form (工作报告表), declared once as data (core/form.toml, or another form file named in
bairi.toml): every reader, rule and writer is driven from a `Form`.

A Form is a value: the campaign resolves its own once (`Campaign.form_spec`), a Return carries the one it was
read with, and whatever depends on a form is kept per form (frozen and hashable, its hash computed once).
`NOTICE` is the notice's form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bairi.core.formfile import FormFile, problems
from bairi.core.tomlfile import read_toml, refuse_placeholders

_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern)
    return compiled


@dataclass(frozen=True)
class HeaderField:
    """A labelled field above the statistics table (填报单位 and the like)."""

    key: str
    label: str


@dataclass(frozen=True)
class Column:
    """One figure column of the statistics table.

    `group` is the merged top header (一般隐患 / 重大隐患) when the column sits under one;
    `pattern` is matched against the normalised group+header text to find the column by label.
    """

    key: str
    header: str
    unit: str
    kind: str  # "count" or "amount"
    pattern: str
    group: str = ""
    width: float = 9.0
    cumulative: str = "sum"  # "sum" (累计 = last 累计 + this month) or "distinct" (家: at most that sum)

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled label pattern (compiled once; headers are matched thousands of times)."""
        return _compiled(self.pattern)

    @property
    def label(self) -> str:
        """The header as a person reads it, e.g. 一般隐患/排查（项）."""
        return f"{self.group}/{self.header}（{self.unit}）" if self.group else f"{self.header}（{self.unit}）"

    @property
    def short(self) -> str:
        """A compact label without the unit, for tables and messages."""
        return f"{self.group}{self.header}" if self.group else self.header


@dataclass(frozen=True)
class HazardColumn:
    """One column of the 重大隐患明细 table."""

    key: str
    header: str
    pattern: str
    width: float

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled label pattern."""
        return _compiled(self.pattern)


@dataclass(frozen=True)
class RowLabel:
    """One of the statistics table's two rows: the form's word for it, and what towns write instead."""

    label: str
    pattern: str

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern of what towns write for this row."""
        return _compiled(self.pattern)


@dataclass(frozen=True)
class Form:
    """A whole attachment form: title, header fields, the statistics table's rows and columns, the hazard table."""

    title: str
    hazard_title: str
    row_label_header: str
    fields: tuple[HeaderField, ...]
    period_row: RowLabel
    cumulative_row: RowLabel
    columns: tuple[Column, ...]
    found_fixed: tuple[tuple[str, str], ...]
    hazard_columns: tuple[HazardColumn, ...]
    source: str = ""
    keys: tuple[str, ...] = field(init=False)
    count_keys: tuple[str, ...] = field(init=False)
    hazard_keys: tuple[str, ...] = field(init=False)
    # The columns by key (read-only: a form never changes once made).
    by_key: Mapping[str, Column] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(c.key for c in self.columns))
        object.__setattr__(self, "count_keys", tuple(c.key for c in self.columns if c.kind == "count"))
        object.__setattr__(self, "hazard_keys", tuple(c.key for c in self.hazard_columns))
        object.__setattr__(self, "by_key", MappingProxyType({c.key: c for c in self.columns}))
        object.__setattr__(self, "_hash", hash((self.title, self.hazard_title, self.row_label_header, self.fields,
                                                self.period_row, self.cumulative_row, self.columns, self.found_fixed,
                                                self.hazard_columns, self.source)))

    def __hash__(self) -> int:
        # Caches are keyed by the form and looked up per return: its hash is worked out once, not per lookup.
        return self._hash

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Made again from what it was made of (a return read in a worker comes back with its form, pickled).
        return (Form, (self.title, self.hazard_title, self.row_label_header, self.fields, self.period_row,
                       self.cumulative_row, self.columns, self.found_fixed, self.hazard_columns, self.source))


class FormError(Exception):
    """A form file is missing or wrong (an operator mistake, said in Chinese; exit status 2)."""


def form_of(data: dict[str, Any], source: str) -> Form:
    """A Form from plain data (as TOML gives it), checked whole; FormError naming every wrong key at once."""
    try:
        spec = FormFile.model_validate(data)
    except Exception as exc:  # noqa: BLE001 - pydantic's ValidationError, said in Chinese
        raise FormError(f"表式文件 {source} 有误：{problems(exc)}") from None
    return Form(
        title=spec.title, hazard_title=spec.hazard_title, row_label_header=spec.row_label_header,
        fields=tuple(HeaderField(f.key, f.label) for f in spec.fields),
        period_row=RowLabel(spec.rows.period.label, spec.rows.period.pattern),
        cumulative_row=RowLabel(spec.rows.cumulative.label, spec.rows.cumulative.pattern),
        columns=tuple(Column(c.key, c.header, c.unit, c.kind, c.pattern, c.group, c.width,
                            c.cumulative or ("distinct" if c.unit == "家" else "sum")) for c in spec.columns),
        found_fixed=tuple((a, b) for a, b in spec.found_fixed),
        hazard_columns=tuple(HazardColumn(c.key, c.header, c.pattern, c.width) for c in spec.hazard_columns),
        source=source)


def load_form(path: Path) -> Form:
    """The form declared in a TOML file."""
    path = Path(path)
    data = read_toml(path, "表式文件", FormError)
    refuse_placeholders(data, path, "表式文件", FormError)
    return form_of(data, str(path))


def _notice_form() -> Form:
    """The notice's form, shipped beside this module."""
    import tomllib
    from importlib import resources

    text = resources.files("bairi.core").joinpath("form.toml").read_text(encoding="utf-8")
    return form_of(tomllib.loads(text), "bairi/core/form.toml")


NOTICE: Form = _notice_form()


def notice_columns(form: Form) -> bool:
    """Whether `form`'s figure columns are the notice's, word for word and unit for unit: then what was written for
    the notice's columns (the bulletin's sentences, the board's chosen figures) fits it, and nothing is left out."""
    def words(of: Form) -> set[tuple[str, str, str, str]]:
        return {(c.key, c.group, c.header, c.unit) for c in of.columns}
    return words(form) == words(NOTICE)


def form_for(setting: str) -> Form:
    """The form a campaign's `form` setting names: a .toml form file, else the notice's form."""
    if setting and Path(setting).suffix.lower() == ".toml":
        return load_form(Path(setting))
    return NOTICE


_FULLWIDTH = str.maketrans(
    "（）：０１２３４５６７８９．，／－",
    "():0123456789.,/-",
)
_SPACE = re.compile(r"[\s\u3000\xa0]+")
_UNIT = re.compile(r"\([^()]*\)$")
# Every reader pass folds the same headers, return after return: each short text is folded once per run.
_NORMALIZED: dict[str, str] = {}
_NORMALIZED_ENTRIES = 4096


def normalize(text: object) -> str:
    """Header text with spaces, line breaks and full-width punctuation folded away."""
    if text is None:
        return ""
    if type(text) is not str:
        return _SPACE.sub("", str(text)).translate(_FULLWIDTH)
    folded = _NORMALIZED.get(text)
    if folded is None:
        folded = _SPACE.sub("", text).translate(_FULLWIDTH)
        if len(text) <= 64:
            if len(_NORMALIZED) >= _NORMALIZED_ENTRIES:
                _NORMALIZED.clear()
            _NORMALIZED[text] = folded
    return folded


def strip_unit(text: str) -> str:
    """A header without its trailing unit in brackets: 排查企业(家) → 排查企业."""
    # `$` also matches before a final newline, so both endings can carry a unit.
    if not (text.endswith((")", ")\n"))):
        return text
    return _UNIT.sub("", text)
