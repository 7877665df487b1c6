"""The words of the hazard register: enterprise names folded for matching, a detail's similarity, what a
row's text says (rectified or not, by which day), and the clerk's answers (确认/否定, a 销号日期)."""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange
from datetime import date, datetime
from difflib import SequenceMatcher

# Province, city and county names a town may put before an enterprise's name, or leave off.
REGION_PREFIXES = ("山西省", "山西", "晋城市", "晋城", "泽州县", "泽州")

_CONFIRMED = {"确认", "已确认", "是", "是同一项", "同一", "同一项", "正确", "对", "√", "✓", "✔", "y", "yes", "confirmed"}
_REJECTED = {"否定", "否", "否认", "不是", "不是同一项", "不同", "不同项", "拆分", "分开", "错误", "错", "×", "✗", "✘",
             "n", "no", "rejected"}


_PUNCT = re.compile(r"[\s\u3000\xa0·•．.,，、:：;；\"'“”‘’《》〈〉<>【】\[\]()（）\-—_/]+")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def enterprise_key(name: str) -> str:
    """An enterprise's name as compared: widths, spaces, brackets and 有限责任公司/有限公司 folded."""
    text = _PUNCT.sub("", _fold(name))
    return text.replace("有限责任公司", "有限公司").replace("有限责任", "有限")


def without_region(key: str) -> str:
    """A normalised name with the 山西/晋城/泽州 prefixes it may start with taken off."""
    changed = True
    while changed:
        changed = False
        for prefix in REGION_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix) + 2:
                key, changed = key[len(prefix):], True
    return key


# A plan's own deadline: 12月10日前, 2023年12月20日前, 12月底前, 限期至1月15日.
_DATE = r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号]|(底|末|月底))"
_DEADLINE = re.compile(_DATE + r"\s*(?:前|之前|以前)|(?:限期至|限期到|期限至|期限为|截止至|截止到|截至|最迟)\s*" + _DATE)
# The promise that goes with it ("…前整改到位"), which must not read as done.
_PROMISE = re.compile(r"[^，,。；;（(）)]{0,10}")
_REMARK = re.compile(r"[（(][^（()）]*(?:整改|验收|销号|消除)[^（()）]*[）)]")
# Eliminated counts as rectified: equipment 拆除 (dismantled) or a business 取缔/关闭 (closed by order) leaves no
# hazard behind; 关停/停产 do not (a stop until it is fixed).
_DONE = re.compile(r"已(?:于[^，,。；;]{0,14}?|依法|经)?(?:全部)?(?:整改(?:完毕|完成|到位)?|完成(?:整改)?|销号|验收|消除|关闭|拆除|取缔)"
                   r"|整改(?:已)?(?:完毕|完成)|完成整改|销号|验收合格|通过验收|隐患(?:已)?消除|拆除完毕|关闭取缔")
_NOT = re.compile(r"(?:未|没有|没|不|尚|待|拟|正在|无法|计划|预计|争取|力争|确保|要求|限期|需|须|应)[^，,。；;]{0,4}$")


def _deadline_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _DEADLINE.finditer(text):
        tail = _PROMISE.match(text, match.end())
        spans.append((match.start(), tail.end() if tail else match.end()))
    return spans


def says_rectified(text: str) -> bool:
    """True when the text says the hazard has been rectified (已整改, 整改完毕, 已销号…), read with its negations."""
    text = _fold(text)
    if not text:
        return False
    # "12月10日前整改到位" / "前完成整改" is a plan, not a report.
    for start, end in reversed(_deadline_spans(text)):
        text = text[:start] + "，" + text[end:]
    for match in _DONE.finditer(text):
        before = text[max(0, match.start() - 8):match.start()]
        after = text[match.end():match.end() + 2]
        if _NOT.search(before) or after.startswith(("中", "前")):
            continue
        return True
    return False


def _resolve_year(month: int, day_text: str | None, end_of_month: bool, period: str) -> date | None:
    year, start = int(period[:4]), date(int(period[:4]), int(period[5:]), 1)
    best: date | None = None
    for candidate in (year - 1, year, year + 1):
        try:
            day = monthrange(candidate, month)[1] if end_of_month else int(day_text or 0)
            found = date(candidate, month, day)
        except ValueError:
            continue
        if best is None or abs((found - start).days) < abs((best - start).days):
            best = found
    return best


def stated_deadline(text: str, period: str) -> date | None:
    """The plan's own deadline (the first one it states); a date without a year is the one nearest the period."""
    for match in _DEADLINE.finditer(_fold(text)):
        groups = match.groups()
        year, month, day, end = groups[:4] if groups[1] else groups[4:]
        month_number = int(month)
        if not 1 <= month_number <= 12:
            continue
        if year:
            try:
                return date(int(year), month_number, monthrange(int(year), month_number)[1] if end else int(day))
            except ValueError:
                continue
        found = _resolve_year(month_number, day, bool(end), period)
        if found is not None:
            return found
    return None


def detail_key(text: str) -> str:
    """The detail as compared: the rectification remark a later month adds left out, widths and spaces folded."""
    return _PUNCT.sub("", _REMARK.sub("", _fold(text)))


def detail_similarity(a: str, b: str) -> float:
    """How alike two details are (0..1): difflib's ratio, or how much of the shorter the longer contains."""
    x, y = detail_key(a), detail_key(b)
    if not x or not y:
        return 1.0 if x == y else 0.0
    matcher = SequenceMatcher(None, x, y, autojunk=False)
    ratio = matcher.ratio()
    shorter = min(len(x), len(y))
    if shorter >= 12:
        common = sum(block.size for block in matcher.get_matching_blocks())
        ratio = max(ratio, 0.95 * common / shorter)
    return round(ratio, 3)


def match_decision(value: object) -> str:
    """The clerk's 匹配确认: confirmed, rejected or "" (blank or not understood)."""
    text = _PUNCT.sub("", _fold(str(value or ""))).lower()
    if text in _CONFIRMED:
        return "confirmed"
    if text in _REJECTED:
        return "rejected"
    return ""


_TYPED_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def typed_date(value: object) -> date | None:
    """A date cell, or a date typed as text (2024-01-28, 2024/1/28, 2024年1月28日)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _TYPED_DATE.search(_fold(str(value or "")))
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def clerk_closed(clerk: dict[str, object], as_of: date) -> bool:
    """The clerk has closed it: a 销号日期 on or before `as_of`, or a 核查结果 or 销号日期 that says it is rectified."""
    closed = typed_date(clerk.get("closed_on"))
    if closed is not None:
        return closed <= as_of
    return says_rectified(str(clerk.get("verified") or "")) or says_rectified(str(clerk.get("closed_on") or ""))


def _day(year: int, month: int, day_text: str | None, end_of_month: bool) -> date | None:
    try:
        return date(year, month, monthrange(year, month)[1] if end_of_month else int(day_text or 0))
    except ValueError:
        return None


# A yearless plan date this far after the first report is read as one already past when it was reported
# ("11月30日前" in a December return), not as next year's.
_PLAN_REACH_DAYS = 183


def plan_date(text: str, first: date) -> date | None:
    """The plan's own date (the first one the text states); without a year, the first such day on or after the
    first report, unless that is half a year off: then the day before it (a plan already past when reported)."""
    for match in _DEADLINE.finditer(_fold(text)):
        groups = match.groups()
        year, month, day, end = groups[:4] if groups[1] else groups[4:]
        number = int(month)
        if not 1 <= number <= 12:
            continue
        if year:
            found = _day(int(year), number, day, bool(end))
            if found is not None:
                return found
            continue
        days = [d for d in (_day(y, number, day, bool(end)) for y in (first.year - 1, first.year, first.year + 1))
                if d is not None]
        after = [d for d in days if d >= first]
        before = [d for d in days if d < first]
        if after and ((after[0] - first).days <= _PLAN_REACH_DAYS or not before):
            return after[0]
        if before:
            return before[-1]
    return None


_DONE_ON = re.compile(r"(?:已于|于)\s*(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]\s*(?:前\s*)?(?:已)?"
                      r"(?:全部)?(?:整改(?:完毕|完成|到位)|完成(?:整改)?|销号|验收|消除)")


def rectified_date(text: str, received: date) -> date | None:
    """The day a row says the hazard was rectified ("已于1月5日整改完毕"); without a year, the latest such day on
    or before the return's receipt."""
    match = _DONE_ON.search(_fold(text))
    if match is None:
        return None
    year, month, day = match.groups()
    if not 1 <= int(month) <= 12:
        return None
    if year:
        return _day(int(year), int(month), day, False)
    days = [d for d in (_day(y, int(month), day, False) for y in (received.year - 1, received.year)) if d is not None]
    past = [d for d in days if d <= received]
    return past[-1] if past else None


_SUSPENDED = re.compile(r"停产整改|停产整顿|已停产|责令停产|停业整顿|已停止生产")
_RESUMED = re.compile(r"复产|恢复生产")


def says_suspended(text: str) -> bool:
    """True when the text says the enterprise is stopped for rectification (停产整改, 已停产…) and not resumed."""
    text = _fold(text)
    return bool(_SUSPENDED.search(text)) and not _RESUMED.search(text)


# The five 到位 the notice asks of a hazard that cannot be rectified in time (措施、责任、资金、时限、预案).
FIVE_IN_PLACE = ("measures", "responsibility", "funds", "timeline", "contingency")
_NOT_IN_PLACE = re.compile(r"^(?:否|未|没有|无|不|×|✗|✘|n|no)")


def five_in_place(clerk: dict[str, object]) -> bool:
    """True when the clerk has marked all five 到位 columns (the record of an extension for 特殊原因)."""
    for key in FIVE_IN_PLACE:
        value = _PUNCT.sub("", _fold(str(clerk.get(key) or ""))).lower()
        if not value or _NOT_IN_PLACE.match(value):
            return False
    return True
