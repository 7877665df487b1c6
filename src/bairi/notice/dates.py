"""Chinese dates as notices write them: 2024年2月10日, 11月9日 (the year from context), 12月底, 每月25日前."""

from __future__ import annotations

import calendar
import re
from datetime import date

_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "〇": 0, "○": 0, "零": 0}


def _number(text: str) -> int:
    """A day or month number written in digits or in Chinese (十一, 二十五, 三十一)."""
    text = text.translate(_DIGITS)
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN.get(tens, 1) if tens else 1) * 10 + (_CN.get(ones, 0) if ones else 0)
    return _CN.get(text, 0)


_NUM = r"[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3}"
_YEAR = r"(?:(?P<year>[0-9０-９]{4}|[〇○零一二三四五六七八九]{4})\s*年\s*)?"
# One date, in any of the forms; `end` (底/末/下旬) is the month's last day; `day` alone follows a dated
# range's first end (2024年2月1日—10日).
DATE = re.compile(
    _YEAR + rf"(?P<month>{_NUM})\s*月\s*(?:份\s*)?(?:(?P<day>{_NUM})\s*[日号]|(?P<end>底|末|下旬))")


def _year(text: str) -> int:
    if text.translate(_DIGITS).isdigit():
        return int(text.translate(_DIGITS))
    return int("".join(str(_CN[ch]) for ch in text))


class Dates:
    """Reads dates against the notice's own date: a month without its year is the next one on or after it."""

    def __init__(self, anchor: date) -> None:
        self.anchor = anchor

    def of(self, match: re.Match[str]) -> date | None:
        """The date a DATE match names, or None when it is no calendar day."""
        month = _number(match["month"])
        if not 1 <= month <= 12:
            return None
        if match["year"]:
            year = _year(match["year"])
        else:
            # 12月底 in a notice of November 2023 is 2023; 1月31日 in it is 2024 (a month well before the
            # notice's own is next year's: notices speak of what is to come).
            year = self.anchor.year + (1 if month < self.anchor.month - 1 else 0)
        last = calendar.monthrange(year, month)[1]
        day = last if match["end"] else _number(match["day"] or "0")
        if not 1 <= day <= last:
            return None
        return date(year, month, day)

    def all_in(self, text: str) -> list[tuple[date, re.Match[str]]]:
        """Every date a text names, in order."""
        found = []
        for match in DATE.finditer(text):
            day = self.of(match)
            if day is not None:
                found.append((day, match))
        return found


def full_dates(text: str) -> list[date]:
    """The dates with their year written out (2023年11月6日), in order: the notice's own anchors."""
    found = []
    for match in DATE.finditer(text):
        if match["year"] and match["day"]:
            day = Dates(date(2000, 1, 1)).of(match)
            if day is not None:
                found.append(day)
    return found


MONTHLY = re.compile(rf"每(?:个)?月\s*(?P<day>{_NUM})\s*[日号]")
_RANGE_TAIL = re.compile(rf"^\s*[—\-－~～至到]+\s*(?P<day>{_NUM})\s*[日号]")


def monthly_day(text: str) -> int | None:
    """The day of each month a sentence asks for (每月25日前 → 25), or None."""
    match = MONTHLY.search(text)
    return _number(match["day"]) if match else None


def span(text: str, dates: Dates) -> tuple[date | None, date | None]:
    """The first and last day of a range written as （11月11日—2024年1月31日）, （2024年2月1日—10日） or 即日起—11月10日."""
    found = dates.all_in(text)
    if not found:
        return None, None
    first, match = found[0]
    if len(found) >= 2:
        return first, found[1][0]
    tail = _RANGE_TAIL.match(text[match.end():])
    if tail:
        day = _number(tail["day"])
        if day <= calendar.monthrange(first.year, first.month)[1]:
            return first, date(first.year, first.month, day)
    if re.search(r"即日起?\s*[—\-－~～至到]", text):
        return None, first
    return first, None
