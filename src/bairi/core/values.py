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
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．－，（）［］【】", "0123456789.-,()[][]")



class CellError(str):
    """A cell holding a formula error (#REF!, #DIV/0!…): shown as that text, but no value at all."""

    __slots__ = ()


@functools.cache
def _error_literal() -> re.Pattern[str]:
    # What Excel, WPS and LibreOffice show in a cell whose formula failed: the figure behind it is unknown.
    return re.compile(r"^(#(NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!"
                      r"|CONNECT!|BUSY!|UNKNOWN!|EXTERNAL!)|Err:\d{3})$", re.IGNORECASE)


def is_error_text(text: str) -> bool:
    """True for the text of a spreadsheet error value (#REF!, #N/A, Err:502…)."""
    return text[:1] in ("#", "E", "e") and bool(_error_literal().match(text.strip()))


# Money units, in 元: a figure written with one (or under a header naming one) is converted to 万元 exactly.
MONEY_UNITS: dict[str, int] = {"元": 1, "十元": 10, "百元": 100, "千元": 1000, "万元": 10_000, "万": 10_000,
                               "十万元": 100_000, "百万元": 1_000_000, "千万元": 10_000_000, "亿元": 100_000_000,
                               "亿": 100_000_000}
WAN = 10_000
# What a count is counted in, as towns write after the figure (3项, 5家, 2个, 3（个）).
COUNT_UNITS = frozenset(("项", "家", "个", "起", "处", "次", "件", "组", "人", "户", "座", "条", "台", "宗", "例", "份", "名",
                         "所", "间", "批"))
# Shortest first: a multiplier belongs to the numeral before it (五万七千零五十元 is 57050 元, not 5700.5 × 十元);
# but 万元 and 亿元 first, which read the same either way (三万元 is 3 万元 as 三万 元 is).
_UNITS_SHORTEST_FIRST = sorted(set(MONEY_UNITS) | COUNT_UNITS, key=lambda unit: (unit not in ("万元", "亿元"), len(unit)))

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "壹": 1, "弌": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "三": 3,
              "叁": 3, "參": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7,
              "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CN_CHARS = frozenset(_CN_DIGITS) | frozenset(_CN_SMALL) | frozenset(_CN_BIG) | {"点"}


@functools.cache
def _text_patterns() -> SimpleNamespace:
    """The patterns for figures typed as text, compiled when the first such cell comes by (most are numbers)."""
    return SimpleNamespace(
        thousands=re.compile(r"^[-+]?\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?$"),
        plain=re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$"),
        spaces=re.compile(r"[\s\u3000\xa0]+"),
        # Words and marks of an estimate or a range: such a figure is not exact whatever digits it has.
        approximate=re.compile(r"余|多|几|若干|数[十百千万家个项起处次件]|^数$|[十百千]来|上[百千万]|约|大概|大约|左右|上下|^近|"
                               r"以上|以下|不足|不到|超过|至少|最多|[~～〜]|\d\s*[-—–至到]\s*\d|[一二三四五六七八九两]{2}|\+$"),
        bracketed=re.compile(r"^(?P<num>.*?)\s*[(\[]\s*(?P<unit>[^()\[\]]+?)\s*[)\]]$"),
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


def chinese_integer(text: str) -> int | None:
    """A whole number written in Chinese numerals (三, 十二, 两百零五, 壹拾贰, 〇), or None.

    Only the full written form is read: abbreviations (一百五 for 150, 一万五), digit strings (一二) and
    misplaced units are refused rather than guessed.
    """
    if not text:
        return None
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    total = section = 0
    digit: int | None = None
    last_small, last_big = 10_000, 10 ** 13
    zero = False
    previous = ""  # what the last token was: "digit", "ten", "unit", "big", "zero"
    for index, ch in enumerate(text):
        if ch in _CN_DIGITS:
            value = _CN_DIGITS[ch]
            if digit is not None:
                return None
            if value == 0:
                if zero or previous in ("", "zero"):
                    return None
                zero, previous = True, "zero"
                continue
            digit, previous = value, "digit"
        elif ch in _CN_SMALL:
            unit = _CN_SMALL[ch]
            if unit >= last_small or (digit is None and not (unit == 10 and index == 0)):
                return None
            if zero and unit * 10 >= last_small:
                # 零 stands for a skipped place: 五万零六千 skips none, and may be 五万零六 千元 as well.
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_small, zero = None, unit, False
            previous = "ten" if unit == 10 else "unit"
        elif ch in _CN_BIG:
            unit = _CN_BIG[ch]
            if unit >= last_big:
                return None
            section += digit or 0
            if section == 0:
                return None
            total += section * unit
            section, digit, last_small, last_big, zero, previous = 0, None, 10_000, unit, False, "big"
        else:
            return None
    if previous == "zero":
        return None
    if digit is not None:
        # A last digit stands for ones only after 十, after 零, or alone: 一百五 and 一万五 mean 150 and 15000.
        if len(text) > 1 and not zero and text[-2] not in ("十", "拾"):
            return None
        if zero and last_small <= 10:
            return None  # 二十零五: no place was skipped
        section += digit
    return total + section


def _chinese_number(text: str) -> Decimal | None:
    """A number in Chinese numerals, with 点 for the decimal point (一点五); None when not one."""
    whole, point, fraction = text.partition("点")
    integer = chinese_integer(whole)
    if integer is None:
        return None
    if not point:
        return Decimal(integer)
    if not fraction or any(ch not in _CN_DIGITS for ch in fraction):
        return None
    return Decimal(f"{integer}." + "".join(str(_CN_DIGITS[ch]) for ch in fraction))


@dataclass
class Parsed:
    """A number found in a cell's text: its value, the unit written after it and how it was written."""

    number: Decimal
    unit: str | None
    how: str  # "plain", "fullwidth", "thousands", "chinese"


def _bare_number(text: str) -> tuple[Decimal, str] | None:
    patterns = _text_patterns()
    if patterns.plain.match(text):
        return Decimal(text), "plain"
    if patterns.thousands.match(text):
        return Decimal(text.replace(",", "").replace(" ", "")), "thousands"
    if text and all(ch in _CN_CHARS for ch in text):
        number = _chinese_number(text)
        if number is not None:
            return number, "chinese"
    return None


def parse_number(text: str) -> Parsed | None:
    """The number a text states, with the unit after it (3项, 5,000元, 3（个）, 两家, 0.5万元), or None.

    The shortest unit that leaves a readable number wins; whether that unit fits the column is the caller's.
    """
    converted = text.translate(_FULLWIDTH_DIGITS).strip()
    fullwidth = converted != text.strip()
    if converted.endswith("整") and any(converted[:-1].endswith(unit) for unit in MONEY_UNITS):
        # 伍仟元整, 5000元整: 整 (no odd 角 or 分) closes a written amount.
        converted = converted[:-1]
    if converted[:1] in ("¥", "￥") and len(converted) > 1:
        # ￥5,000: the currency sign is 元 written before the figure.
        parsed = parse_number(converted[1:].lstrip())
        return parsed if parsed is None or parsed.unit is not None else Parsed(parsed.number, "元", parsed.how)
    candidates: list[tuple[str, str | None]] = [(converted, None)]
    bracketed = _text_patterns().bracketed.match(converted)
    if bracketed and (bracketed["unit"] in MONEY_UNITS or bracketed["unit"] in COUNT_UNITS):
        candidates.insert(0, (bracketed["num"], bracketed["unit"]))
    else:
        for suffix in _UNITS_SHORTEST_FIRST:
            if converted.endswith(suffix) and len(converted) > len(suffix):
                candidates.insert(len(candidates) - 1, (converted[:-len(suffix)].rstrip(), suffix))
    for number_text, unit in candidates:
        bare = _bare_number(number_text)
        if bare is not None:
            number, how = bare
            if how == "chinese" and unit and unit[0] in "十百千":
                continue  # 七万零七百元 is 70700 元; 十百千 after a numeral are its own places, never 百元
            if fullwidth and how == "plain":
                how = "fullwidth"
            return Parsed(number, unit, how)
    return None


def header_unit(label: str) -> str | None:
    """The unit a column header states in brackets (行政罚款（元）, 罚款（单位：千元）), or None."""
    folded = label.translate(_FULLWIDTH_DIGITS)
    for inside in reversed(re.findall(r"\(([^()]*)\)", folded)):
        word = re.sub(r"^(金额)?单位\s*[:：]?\s*|\s+", "", inside)
        if word in MONEY_UNITS or word in COUNT_UNITS:
            return word
    return None


def whole_count(raw: object) -> int | None:
    """The count in a cell holding a plain whole number (the usual cell), read as read_figure reads it and
    with nothing to note; None for any other cell, which read_figure must read."""
    if raw.__class__ is float and 0 <= raw < 1e12 and raw.is_integer():
        return int(raw)
    return None


def read_figure(raw: object, kind: str, missing_formula: bool = False, unit: str | None = None,
                target: str = "万元") -> Reading:
    """Read one statistics cell as a count (int; a Decimal when it is not whole) or an amount in the form's unit
    `target` (万元 on the notice's form; 元 on a form whose column says 罚款金额（元）), tolerating habits.

    `unit` is what the column's header states (行政罚款（元）): an amount is in that unit unless the cell
    names its own, and is converted to `target` exactly, or refused when `target` cannot hold it (万元 to 4
    decimals, that is to the 元; 元 to the 分).
    """
    target = target if target in MONEY_UNITS else "万元"
    scale = MONEY_UNITS[target]
    if kind == "count" and not missing_formula and (count := whole_count(raw)) is not None:
        # What the general path below gives such a cell, without the Decimal round trip.
        return Reading(count, [])
    if missing_formula:
        return Reading(None, [("E410", {})])
    if isinstance(raw, CellError):
        return Reading(None, [("E416", {"raw": str(raw)})])
    if isinstance(raw, bool):
        return Reading(None, [("E415", {"raw": "TRUE" if raw else "FALSE"})])
    if isinstance(raw, (datetime, date, time, timedelta)):
        return Reading(None, [("E411", {"raw": str(raw)})])
    header = unit if kind == "amount" and unit is not None and MONEY_UNITS.get(unit) != scale else None
    if header is not None and header not in MONEY_UNITS:
        # 行政罚款（起）: the column counts something; what its figures are in 万元 is unknown.
        return Reading(None, [("E419", {"unit": header})])
    notes: list[tuple[str, dict[str, object]]] = []
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Reading(0, [("I401", {})])
    written: str | None = None  # the unit the cell itself names
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Reading(None, [("E413", {"raw": str(raw)})])
        number = Decimal(raw) if isinstance(raw, int) else _from_float(raw)
        text, how = _plain(number), "number"
    else:
        text = _text_patterns().spaces.sub(" ", str(raw)).strip()
        if text in ZERO_WORDS:
            return Reading(0, [("I402", {"raw": text})])
        if is_error_text(text):
            return Reading(None, [("E416", {"raw": text})])
        parsed = parse_number(text)
        if parsed is None:
            code = "E420" if _text_patterns().approximate.search(text) else "E409"
            return Reading(None, [(code, {"raw": text})])
        number, written, how = parsed.number, parsed.unit, parsed.how
        if written is not None and (written in MONEY_UNITS) != (kind == "amount"):
            # 3元 in a count, 3起 in the fines: not the figure the column asks for.
            return Reading(None, [("E409", {"raw": text})])
    stated = (written or header) if kind == "amount" else None
    if stated is not None and MONEY_UNITS[stated] != scale and (number or written is not None):
        # (A plain 0 under a header in 元 is 0 whatever the unit: nothing is converted, nothing to say.)
        number = number * MONEY_UNITS[stated] / scale
        value = _plain(number)
        exponent = _normal(number).as_tuple().exponent
        places = max(len(str(scale)) - 1, 2)  # 万元 to 4 decimals (one 元), 元 to 2 (one 分)
        words = {"target": "万元" if scale == WAN else target}
        if isinstance(exponent, int) and exponent < -places and abs(number) < MAX_FIGURE:
            # The form holds its unit to so many decimals; a converted figure finer than that cannot be filed.
            return Reading(None, [("E418", {"raw": text, "unit": stated, "value": value, "places": places, **words})])
        # A unit the cell names against its header's is a warning; the header's own unit is only noted.
        code = "W406" if written is not None and written != header else "I417"
        notes.append((code, {"raw": text, "unit": stated, "value": value, **words}))
    elif how != "number":
        code = {"chinese": "I421", "thousands": "I414", "fullwidth": "I404"}.get(how, "I403")
        if written is not None and how != "chinese":
            code = "I405"
        notes.append((code, {"raw": text, "value": _plain(number)}))
    if abs(number) >= MAX_FIGURE:
        return Reading(None, notes + [("E413", {"raw": _plain(number)})])
    # The figure as written, sign and decimals and all: whether it is a figure the column can hold (never
    # negative, a whole count, a fine to 4 decimals) is the model's to say (core/model.py).
    if kind == "count" and number == number.to_integral_value():
        return Reading(int(number), notes)
    return Reading(_normal(number), notes)


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
def _date_patterns() -> SimpleNamespace:
    """The forms of a date typed as text, compiled when the first such cell comes by."""
    return SimpleNamespace(
        forms=(
            re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*[日号]?$"),
            re.compile(r"^(?P<y>\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?$"),
            re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
            re.compile(r"^(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*[日号]?$"),
        ),
        # A time of day after the date (2023-12-24 10:30, 2023-12-24T10:30:00, from a system export).
        time=re.compile(r"(?:\s+|T)\d{1,2}[:：]\d{2}(?:[:：]\d{2})?$"),
        # The weekday towns add: 星期日, （周日）, 礼拜天, after the date, with or without brackets or a comma.
        weekday=re.compile(r"[,，、]?\s*[(\[]?\s*(?:星期|周|礼拜)(?P<w>[一二三四五六日天七])\s*[)\]]?$"),
        chinese_year=re.compile(r"^(?P<y>[〇零一二三四五六七八九]{4})年"),
        chinese_part=re.compile(r"(?P<n>[〇零一二三四五六七八九十]{1,3})(?P<u>[年月日号])"),
    )


_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def _chinese_date(text: str) -> str:
    """二〇二三年十二月二十四日 (the form of official documents) in digits; other text unchanged."""
    patterns = _date_patterns()
    year = patterns.chinese_year.match(text)
    if year:
        text = "".join(str(_CN_DIGITS[ch]) for ch in year["y"]) + text[4:]

    def number(match: re.Match[str]) -> str:
        value = chinese_integer(match["n"])
        return match[0] if value is None else f"{value}{match['u']}"

    return patterns.chinese_part.sub(number, text)


def read_date(raw: object, year_of_month: dict[int, int] | None = None) -> tuple[date | None, str | None]:
    """A date from a cell: an Excel date, a serial number or Chinese/ISO text; and a note code.

    Returns (date, None) for a real date cell, (date, "I307") when text or a serial number was
    interpreted, (None, "W305") when blank, (None, "W306") when unreadable and (None, "W313") when the
    weekday written with it is not that date's. A text date without a year takes it from
    `year_of_month` (the campaign's months).
    """
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "W305"
    if isinstance(raw, (bool, CellError)):
        return None, "W306"
    if isinstance(raw, (int, float)):
        if 20000 < raw < 80000 and float(raw).is_integer():
            return EXCEL_EPOCH + timedelta(days=int(raw)), "I307"
        return None, "W306"
    patterns = _date_patterns()
    text = patterns.time.sub("", str(raw).translate(_FULLWIDTH_DIGITS).strip())
    weekday = patterns.weekday.search(text)
    if weekday:
        text = text[:weekday.start()]
    text = _chinese_date(re.sub(r"\s+", "", text).rstrip(",，"))
    for pattern in patterns.forms:
        match = pattern.match(text)
        if not match:
            continue
        parts = match.groupdict()
        month, day = int(parts["m"]), int(parts["d"])
        if parts.get("y"):
            year = int(parts["y"])
            year += 2000 if year < 100 else 0
        elif year_of_month and month in year_of_month:
            year = year_of_month[month]
        else:
            return None, "W306"
        try:
            found = date(year, month, day)
        except ValueError:
            return None, "W306"
        if weekday and found.weekday() != _WEEKDAYS[weekday["w"]]:
            # 2023年12月24日星期一: the date or the weekday is wrong, and nothing tells which.
            return None, "W313"
        return found, "I307"
    return None, "W306"


def weekday_name(day: date) -> str:
    """星期一 … 星期日."""
    return _WEEKDAY_NAMES[day.weekday()]


# --- days and months typed on the command line ------------------------------------------------------------

_TYPED_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_TYPED_MONTH = r"(?P<y>\d{4})\s*(?:[年./\-]\s*(?P<m1>\d{1,2})\s*月?|(?P<m2>\d{2}))"


def parse_day(text: str) -> date:
    """A day as the clerk types it (2023-12-26, 2023/12/26, 2023.12.26, 20231226, 2023年12月26日); else ValueError."""
    # A day without its year (12-26) is not taken: which year would be a guess.
    day, _note = read_date(text.strip()) if re.match(r"^\s*[\d０-９]{4}", text) else (None, None)
    if day is None:
        raise ValueError(f"日期“{text}”看不懂，请写成 2023-12-26、2023/12/26、2023.12.26 或 20231226（须是日历上有的日子）")
    return day


def parse_period(text: str) -> str:
    """A reporting month as typed (2023-12, 2023/12, 2023.12, 202312, 2023年12月), as YYYY-MM; else ValueError."""
    match = re.fullmatch(_TYPED_MONTH, re.sub(r"\s+", "", text.translate(_TYPED_DIGITS)))
    month = int(match["m1"] or match["m2"]) if match else 0
    if match is None or not 1 <= month <= 12:
        raise ValueError(f"报告期“{text}”看不懂，请写成 2023-12、2023/12、202312 或 2023年12月")
    return f"{match['y']}-{month:02d}"
