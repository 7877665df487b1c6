"""Turning what people type into cells into exact figures, saying how each was read."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

ZERO_WORDS = frozenset({"无", "没有", "暂无", "—", "——", "–", "-", "--", "/", "／", "－", "—-", "×", "空", "无。", "0无"})
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．－，", "0123456789.-,")


@functools.cache
def _text_patterns() -> SimpleNamespace:
    """The patterns for figures typed as text, compiled when the first such cell comes by (most are numbers)."""
    return SimpleNamespace(
        unit_suffix=re.compile(r"^(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>项|家|个|起|处|次|件|组|万元|万|元)$"),
        thousands=re.compile(r"^[-+]?\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?$"),
        plain=re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$"),
        spaces=re.compile(r"[\s\u3000\xa0]+"),
    )


# Beyond this a count or an amount is not a figure a return can hold exactly (floats lose integers past 2**53).
MAX_FIGURE = Decimal(10) ** 12
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class Reading:
    """A value read from a cell: the figure (None when unreadable) and notes on how it was read."""

    value: int | Decimal | None
    notes: list[tuple[str, dict[str, object]]] = field(default_factory=list)


def _from_float(number: float) -> Decimal:
    # Excel keeps 15 significant digits; anything past them is binary noise, not data.
    return Decimal(format(number, ".15g"))


def _text_number(text: str) -> tuple[Decimal | None, str | None, dict[str, object]]:
    """A number from text and the code saying how it was recognised (None: not a number)."""
    converted = text.translate(_FULLWIDTH_DIGITS)
    code = "I404" if converted != text else "I403"
    extra: dict[str, object] = {}
    patterns = _text_patterns()
    if patterns.plain.match(converted):
        return Decimal(converted), code, extra
    if patterns.thousands.match(converted):
        return Decimal(converted.replace(",", "").replace(" ", "")), "I414", extra
    unit_match = patterns.unit_suffix.match(converted)
    if unit_match:
        extra["unit"] = unit_match["unit"]
        return Decimal(unit_match["num"]), "I405", extra
    return None, None, extra


def whole_count(raw: object) -> int | None:
    """The count in a cell holding a plain whole number (the usual cell), read as read_figure reads it and
    with nothing to note; None for any other cell, which read_figure must read."""
    if raw.__class__ is float and 0 <= raw < 1e12 and raw.is_integer():
        return int(raw)
    return None


def read_figure(raw: object, kind: str, missing_formula: bool = False) -> Reading:
    """Read one statistics cell as a count (int) or an amount in 万元 (Decimal), tolerating habits."""
    if kind == "count" and not missing_formula and (count := whole_count(raw)) is not None:
        # What the general path below gives such a cell, without the Decimal round trip.
        return Reading(count, [])
    if missing_formula:
        return Reading(None, [("E410", {})])
    if isinstance(raw, bool):
        return Reading(None, [("E415", {"raw": "TRUE" if raw else "FALSE"})])
    if isinstance(raw, (datetime, date, time, timedelta)):
        return Reading(None, [("E411", {"raw": str(raw)})])
    notes: list[tuple[str, dict[str, object]]] = []
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Reading(0, [("I401", {})])
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Reading(None, [("E413", {"raw": str(raw)})])
        number = Decimal(raw) if isinstance(raw, int) else _from_float(raw)
    else:
        text = _text_patterns().spaces.sub(" ", str(raw)).strip()
        if text in ZERO_WORDS:
            return Reading(0, [("I402", {"raw": text})])
        parsed, code, extra = _text_number(text)
        if parsed is None:
            return Reading(None, [("E409", {"raw": text})])
        number = parsed
        unit = extra.get("unit")
        if kind == "amount" and unit == "元":
            number = number / 10000
            notes.append(("W406", {"raw": text, "value": _plain(number)}))
        elif kind == "count" and unit in ("万元", "万", "元"):
            return Reading(None, [("E409", {"raw": text})])
        else:
            notes.append((code or "I403", {"raw": text, "value": _plain(number)}))
    if abs(number) >= MAX_FIGURE:
        return Reading(None, notes + [("E413", {"raw": _plain(number)})])
    if number < 0:
        notes.append(("E407", {"value": _plain(number)}))
    if kind == "count":
        if number != number.to_integral_value():
            return Reading(None, notes + [("E408", {"value": _plain(number)})])
        return Reading(int(number), notes)
    normal = _normal(number)
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        notes.append(("W412", {"value": _plain(number)}))
    return Reading(normal, notes)


def _normal(number: Decimal) -> Decimal:
    """An amount without trailing zeros but never in exponent form (0.5, 12, 0.0001)."""
    if number == 0:
        return Decimal(0)
    normal = number.normalize()
    sign, digits, exponent = normal.as_tuple()
    if isinstance(exponent, int) and exponent > 0:
        # Through int, not quantize: quantize fails past the context's 28 digits (a 1e28 typed in a cell).
        return Decimal(int(normal))
    return normal


def _plain(number: Decimal | int) -> str:
    """A number as the clerk would write it: no exponent, no trailing zeros."""
    if isinstance(number, int):
        return str(number)
    return format(_normal(number), "f")


def plain(number: int | Decimal | None) -> str:
    """A figure as text for messages and tables (empty for an unknown figure)."""
    return "" if number is None else _plain(number)


@functools.cache
def _date_patterns() -> tuple[re.Pattern[str], ...]:
    """The forms of a date typed as text, compiled when the first such cell comes by."""
    return (
        re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*[日号]?$"),
        re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
        re.compile(r"^(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*[日号]?$"),
    )


def read_date(raw: object, year_of_month: dict[int, int] | None = None) -> tuple[date | None, str | None]:
    """A date from a cell: an Excel date, a serial number or Chinese/ISO text; and a note code.

    Returns (date, None) for a real date cell, (date, "I307") when text or a serial number was
    interpreted, (None, "W305") when blank and (None, "W306") when unreadable. A text date without
    a year takes it from `year_of_month` (the campaign's months).
    """
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "W305"
    if isinstance(raw, bool):
        return None, "W306"
    if isinstance(raw, (int, float)):
        if 20000 < raw < 80000 and float(raw).is_integer():
            return EXCEL_EPOCH + timedelta(days=int(raw)), "I307"
        return None, "W306"
    # A time of day after the date (2023-12-24 10:30, from a system export) does not change the date.
    text = re.sub(r"\s*\d{1,2}[:：]\d{2}([:：]\d{2})?$", "", str(raw).translate(_FULLWIDTH_DIGITS).strip())
    text = re.sub(r"\s+", "", text)
    for pattern in _date_patterns():
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        month, day = int(parts["m"]), int(parts["d"])
        if parts.get("y"):
            year = int(parts["y"])
        elif year_of_month and month in year_of_month:
            year = year_of_month[month]
        else:
            return None, "W306"
        try:
            return date(year, month, day), "I307"
        except ValueError:
            return None, "W306"
    return None, "W306"
