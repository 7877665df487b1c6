"""The attachment form (工作报告表), declared once: every reader, rule and writer is driven from here."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        compiled = _PATTERNS[pattern] = re.compile(pattern)
    return compiled


TITLE = "泽州县冶金工贸行业安全生产\u201c百日攻坚\u201d冬季行动工作报告表"
HAZARD_TITLE = "重大隐患明细"


@dataclass(frozen=True)
class HeaderField:
    """A labelled field above the statistics table (填报单位 and the like)."""

    key: str
    label: str


HEADER_FIELDS: tuple[HeaderField, ...] = (
    HeaderField("unit", "填报单位"),
    HeaderField("filler", "填表人"),
    HeaderField("filled_on", "填表日期"),
)


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


COLUMNS: tuple[Column, ...] = (
    Column("teams", "成立督查组", "个", "count", r"督查组"),
    Column("enterprises", "排查企业", "家", "count", r"排查企业|检查企业"),
    Column("general_found", "排查", "项", "count", r"一般隐患.*(排查|发现|查处)", "一般隐患"),
    Column("general_fixed", "已整改", "项", "count", r"一般隐患.*整改", "一般隐患"),
    Column("major_found", "排查", "项", "count", r"重大隐患.*(排查|发现|查处)", "重大隐患"),
    Column("major_fixed", "已整改", "项", "count", r"重大隐患.*整改", "重大隐患"),
    Column("ordered", "责令限期整改企业", "家", "count", r"责令"),
    Column("fines", "行政罚款", "万", "amount", r"罚款"),
    Column("suspended", "停产整顿", "家", "count", r"停产"),
    Column("exposed", "公开曝光案例", "个", "count", r"曝光"),
    Column("closed", "关闭取缔", "家", "count", r"关闭|取缔"),
    Column("subcontracting", "查处违法分包转包和挂靠资质行为", "个", "count", r"分包|转包|挂靠", width=13),
    Column("labor_dispatch", "查处劳务派遣灵活用工违法行为", "个", "count", r"劳务派遣|灵活用工", width=13),
)

KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
COUNT_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.kind == "count")
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

ROW_LABEL_HEADER = "行业"
PERIOD_ROW = "冶金工贸"
CUMULATIVE_ROW = "累计"
# What towns write in the row-label column instead of the form's exact words.
PERIOD_ROW_PATTERN = r"^(冶金工贸|冶金工贸行业|本月|本期|当月|本月数|本期数)$"
CUMULATIVE_ROW_PATTERN = r"^(累计|累计数|合计累计|累计合计|自行动开展以来累计)$"

# (found, fixed) pairs: what was rectified cannot exceed what was found (in the 累计 row).
FOUND_FIXED: tuple[tuple[str, str], ...] = (("general_found", "general_fixed"), ("major_found", "major_fixed"))


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


HAZARD_COLUMNS: tuple[HazardColumn, ...] = (
    HazardColumn("seq", "序号", r"^序号$|^编号$", 6),
    HazardColumn("enterprise", "企业名称", r"企业名称|单位名称", 26),
    HazardColumn("town", "所在镇", r"所在(镇|乡)|所属(镇|乡)|^镇别$", 10),
    HazardColumn("category", "行业类别", r"行业类别|类别|^行业$", 10),
    HazardColumn("supervisor", "挂牌督办单位", r"督办", 16),
    HazardColumn("detail", "重大隐患明细及整改计划", r"明细|整改计划|隐患内容|隐患描述", 44),
)
HAZARD_KEYS: tuple[str, ...] = tuple(c.key for c in HAZARD_COLUMNS)

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
    if not (text.endswith(")") or text.endswith(")\n")):
        return text
    return _UNIT.sub("", text)
