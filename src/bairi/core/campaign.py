"""The campaign as configuration: the notice's campaign built in, a bairi.toml to change it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

# The model is plain dataclasses, read from a bairi.toml by `validate` below: checking fifteen fields needs no
# library, and importing pydantic for it cost every `merge` with a config about 85 ms (issue 5's budget for
# a province's thousand returns is about one second).
CONFIG_NAME = "bairi.toml"


@dataclass(frozen=True)
class _Rule:
    """A constraint on one field beyond its type, with what to tell the clerk when it is broken."""

    test: Callable[[Any], bool]
    message: str


NAMED = _Rule(lambda v: bool(v.strip()), "不能为空")
NOT_NEGATIVE = _Rule(lambda v: v >= 0, "不能小于 0")
MONTH = _Rule(lambda v: re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v) is not None, "应为 YYYY-MM，如 2023-12")
UTC_OFFSET = _Rule(lambda v: -12 <= v <= 14, "应在 -12 到 14 之间")
SHARE = _Rule(lambda v: 0 <= v <= 1, "应在 0 到 1 之间")
SOME = _Rule(bool, "至少要有一项")


class ConfigError(Exception):
    """The configuration file is missing or wrong (an operator mistake, exit status 2)."""


@dataclass(frozen=True)
class Unit:
    """A reporting unit: a town under a county campaign, or a county under a city one."""

    name: Annotated[str, NAMED]
    aliases: list[str] = field(default_factory=list)
    enterprises: Annotated[int, NOT_NEGATIVE] = 0
    # Sender addresses whose mail is this unit's (for deadlines from a mailbox).
    emails: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    """A monthly reporting period and the day its return is due."""

    period: Annotated[str, MONTH]
    due: date

    @property
    def month(self) -> int:
        """The calendar month of the period."""
        return int(self.period[5:])


@dataclass(frozen=True)
class Contact:
    """Who at the county receives the returns (printed on reminders)."""

    people: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Campaign:
    """Everything a campaign fixes: units, periods, due dates and the notice's numeric rules."""

    name: str
    # The level above the units: the county bureau that merges (and itself reports upward).
    authority: str
    authority_short: str
    start: date
    end: date
    categories: list[str]
    units: Annotated[list[Unit], SOME]
    periods: Annotated[list[Period], SOME]
    filler: str = ""
    plan_due: date | None = None
    summary_due: date | None = None
    rectify_by: date | None = None
    # "25日前" in the notice means "by the 25th": received on the due day is on time. False: strictly before.
    due_inclusive: bool = True
    # Receipt times are compared as dates in this time zone (Beijing time, UTC+8).
    utc_offset_hours: Annotated[int, UTC_OFFSET] = 8
    inspect_share: Annotated[float, SHARE] = 0.5
    # Words a unit appends to its name: 巴公镇应急管理中心 → 巴公镇.
    unit_suffixes: list[str] = field(default_factory=list)
    contact: Contact = field(default_factory=Contact)

    def period(self, value: str) -> Period | None:
        """The configured period `YYYY-MM`, or None."""
        return self._periods.get(value)

    def unit(self, name: str) -> Unit | None:
        """The configured unit of that exact name, or None."""
        return self._units.get(name)

    def with_changes(self, **changes: object) -> "Campaign":
        """A copy with some fields replaced."""
        return replace(self, **changes)

    # A province has 1,200 units and every return looks its unit up: by name, not by a walk down the list.
    @cached_property
    def _units(self) -> dict[str, Unit]:
        found: dict[str, Unit] = {}
        for unit in self.units:
            found.setdefault(unit.name, unit)
        return found

    @cached_property
    def _periods(self) -> dict[str, Period]:
        found: dict[str, Period] = {}
        for period in self.periods:
            found.setdefault(period.period, period)
        return found


def problems(campaign: Campaign) -> list[str]:
    """What is wrong across a campaign's fields (each field alone was checked by its type), as "key：message"."""
    found = []
    if campaign.end < campaign.start:
        found.append("end：早于 start")
    counts = Counter(u.name for u in campaign.units)
    dupes = sorted(n for n, k in counts.items() if k > 1)
    if dupes:
        found.append(f"units：单位重复：{'、'.join(dupes)}")
    if len(campaign._periods) != len(campaign.periods):
        found.append("periods：报告期重复")
    return found


DEFAULT_TOWNS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("南村镇", (), 38),
    ("下村镇", (), 26),
    ("大东沟镇", (), 9),
    ("周村镇", (), 11),
    ("犁川镇", (), 6),
    ("晋庙铺镇", (), 7),
    ("金村镇", (), 12),
    ("高都镇", (), 24),
    ("巴公镇", (), 45),
    ("大阳镇", (), 10),
    ("山河镇", (), 5),
    ("大箕镇", (), 8),
    ("柳树口镇", (), 4),
    ("北义城镇", (), 7),
    ("川底镇", ("川底乡",), 5),
    ("南岭镇", ("李寨乡", "南岭乡"), 6),
)


def default_campaign() -> Campaign:
    """The campaign of 泽应急发〔2023〕332号, as the notice sets it."""
    return Campaign(
        name="泽州县冶金工贸行业安全生产“百日攻坚”冬季行动",
        authority="泽州县应急管理局",
        authority_short="泽州县",
        start=date(2023, 11, 6),
        end=date(2024, 2, 10),
        plan_due=date(2023, 11, 9),
        summary_due=date(2024, 2, 6),
        rectify_by=date(2023, 12, 31),
        inspect_share=0.5,
        categories=["冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸"],
        unit_suffixes=["应急管理中心", "应急管理站", "应急管理办公室", "应急办", "安监站", "人民政府", "政府"],
        units=[Unit(name=n, aliases=list(a), enterprises=e) for n, a, e in DEFAULT_TOWNS],
        periods=[
            Period(period="2023-11", due=date(2023, 11, 25)),
            Period(period="2023-12", due=date(2023, 12, 25)),
            Period(period="2024-01", due=date(2024, 1, 25)),
        ],
        contact=Contact(
            people=["申晋钢", "任晋爽"],
            phones=["0356-2066363", "0356-2061506"],
            emails=["zzxajjgmfm@163.com", "zzyjyzg@163.com"],
        ),
    )


def load_campaign(path: Path | None = None, cwd: Path | None = None) -> Campaign:
    """The campaign from `path`, else ./bairi.toml when present, else the built-in one."""
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        if not candidate.is_file():
            return default_campaign()
        path = candidate
    if not path.is_file():
        raise ConfigError(f"配置文件不存在：{path}")
    import tomllib

    try:
        # utf-8-sig: Notepad's "UTF-8 with BOM" is still UTF-8; tomllib itself would call the BOM an invalid statement.
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"配置文件 {path} 不是 UTF-8 编码：请用记事本打开，“另存为”时编码选 UTF-8 后再试") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {path} 格式错误：{toml_problem(exc, text)}") from None
    except OSError as exc:
        raise ConfigError(f"配置文件 {path} 无法读取：{exc.strerror or exc}") from None
    return validate(data, str(path))


# tomllib's messages (Python 3.11-3.13), and what they mean for someone editing bairi.toml in Notepad.
_TOML_MESSAGES = (
    (r"Expected newline or end of document after a statement", "一行只能写一项（键 = 值），这一行在值后面还有多余的内容"),
    (r"Invalid value", "值的写法不对：文字要用英文双引号括起来（如 \"巴公镇\"），日期写成 2023-12-25，数字不加引号"),
    (r"Invalid statement", "这一行不是“键 = 值”，也不是 [节名]"),
    (r"Expected '=' after a key in a key/value pair", "键的后面缺少 =（文字值要加英文双引号）"),
    (r"Invalid initial character for a key part", "键名写法不对（键名用英文字母、数字、下划线，如 name）"),
    (r"Unterminated string", "引号没有配对（缺少结尾的英文双引号）"),
    (r"Unclosed array", "列表 [ … ] 没有闭合（缺少 ]，或两项之间缺少英文逗号）"),
    (r"Unclosed inline table", "{ … } 没有闭合（缺少 }，或两项之间缺少英文逗号）"),
    (r"Expected ']' at the end of a table declaration", "节名 [ … ] 缺少结尾的 ]"),
    (r"Expected ']]' at the end of an array declaration", "[[ … ]] 缺少结尾的 ]]"),
    (r"Cannot declare (.*) twice", "{0} 写了两次"),
    (r"Cannot overwrite a value", "同一个键写了两次"),
    (r"Cannot (?:mutate immutable namespace|redefine namespace) (.*)", "{0} 与前面的内容重复"),
    (r"Duplicate inline table key '?(.*?)'?", "{{ … }} 里的 {0} 写了两次"),
    (r"Invalid date or datetime", "日期不对（应为日历上有的日子，如 2023-12-25）"),
    (r"Illegal character '\\n'", "引号没有配对（这一行缺少结尾的英文双引号）"),
    (r"Found invalid character '(.*)'", "有不允许的字符 {0}"),
    (r"Illegal character '(.*)'", "有不允许的字符 {0}（可能是从别处复制来的控制字符）"),
    (r"Unescaped '\\' in a string|Invalid hex value|Escaped character is not a Unicode scalar value",
     "双引号里的反斜杠 \\ 要写成两个（\\\\）；Windows 路径可改用英文单引号，如 'D:\\收件箱'"),
    (r"Expected '(.*)'", "这里缺少 {0}"),
)


def toml_problem(exc: Exception, text: str) -> str:
    """A TOML syntax error said in Chinese, with its line and what is written there."""
    import re

    message = str(exc)
    where = re.search(r"\(at (?:line (\d+), column (\d+)|end of document)\)$", message)
    line = int(where[1]) if where and where[1] else getattr(exc, "lineno", None)
    column = int(where[2]) if where and where[2] else getattr(exc, "colno", None)
    bare = getattr(exc, "msg", None) or re.sub(r"\s*\(at [^)]*\)$", "", message)
    reason = "写法不对"
    for pattern, template in _TOML_MESSAGES:
        match = re.fullmatch(pattern, bare)
        if match:
            reason = template.format(*match.groups())
            break
    lines = text.splitlines()
    if line and 0 < line <= len(lines):
        return f"第 {line} 行第 {column} 列：{reason}。该行是：{lines[line - 1].strip()}"
    return f"文件末尾：{reason}"


def validate(data: dict, source: str = "配置") -> Campaign:
    """A campaign from plain data (as TOML gives it), or ConfigError naming every wrong key at once."""
    wrong: list[str] = []
    campaign = _read(Campaign, data, "", wrong)
    if campaign is not None and not wrong:
        wrong = problems(campaign)
    if wrong or campaign is None:
        raise ConfigError(f"配置文件 {source} 有误：{'；'.join(wrong)}")
    return campaign


_TYPE_WORDS = {str: "应为文字（加引号）", int: "应为整数", float: "应为数字", bool: "应为 true 或 false",
               date: "应为日期，如 2023-12-25（不加引号）", list: "应为列表，如 [\"甲\", \"乙\"]"}
_SHAPES: dict[type, tuple[dict[str, Any], dict[str, Any]]] = {}


def _read(cls: type, data: Any, where: str, wrong: list[str]) -> Any:
    """An instance of dataclass `cls` from a TOML table; every problem is added to `wrong` as "key：message"."""
    if not isinstance(data, dict):
        wrong.append(f"{where or '(根)'}：应为一个表（[[...]] 或 {{...}}）")
        return None
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = (get_type_hints(cls, include_extras=True), {f.name: f for f in fields(cls)})
    hints, known = shape
    prefix = f"{where}." if where else ""
    for key in data:
        if key not in known:
            wrong.append(f"{prefix}{key}：不认识的键（拼写错误？）")
    values: dict[str, Any] = {}
    before = len(wrong)
    for name, spec in known.items():
        if name not in data:
            if spec.default is MISSING and spec.default_factory is MISSING:
                wrong.append(f"{prefix}{name}：缺少此项")
            continue
        values[name] = _value(hints[name], data[name], f"{prefix}{name}", wrong)
    return cls(**values) if len(wrong) == before else None


_PLANS: dict[Any, tuple[Any, tuple[_Rule, ...], bool, Any]] = {}


def _plan(hint: Any) -> tuple[Any, tuple[_Rule, ...], bool, Any]:
    """A type hint taken apart once: (the plain type, its rules, whether None is allowed, list item type)."""
    plan = _PLANS.get(hint)
    if plan is None:
        plain, rules, optional = hint, (), False
        if get_origin(plain) is Annotated:
            plain, *extra = get_args(plain)
            rules = tuple(r for r in extra if isinstance(r, _Rule))
        if get_origin(plain) in (UnionType, Union):
            plain, optional = next(a for a in get_args(plain) if a is not type(None)), True
        item = get_args(plain)[0] if get_origin(plain) is list else None
        plan = _PLANS[hint] = (list if item is not None else plain, rules, optional, item)
    return plan


def _value(hint: Any, value: Any, where: str, wrong: list[str]) -> Any:
    """`value` as type `hint` (str, int, float, bool, date, X | None, list[X], a dataclass, Annotated with rules)."""
    kind, rules, optional, item = _plan(hint)
    if value is None and optional:
        return None
    before = len(wrong)
    if kind is list:
        if not isinstance(value, list):
            wrong.append(f"{where}：{_TYPE_WORDS[list]}")
            return None
        value = [_value(item, entry, f"{where}.{index}", wrong) for index, entry in enumerate(value)]
    elif is_dataclass(kind):
        value = _read(kind, value, where, wrong)
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            wrong.append(f"{where}：{_TYPE_WORDS[float]}")
        else:
            value = float(value)
    elif kind is date:
        if isinstance(value, datetime):
            wrong.append(f"{where}：应为日期，不带时刻")
        elif not isinstance(value, date):
            wrong.append(f"{where}：{_TYPE_WORDS[date]}")
    elif isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
        wrong.append(f"{where}：{_TYPE_WORDS[kind]}")
    if len(wrong) == before:
        for rule in rules:
            if not rule.test(value):
                wrong.append(f"{where}：{rule.message}")
                break
    return value


def campaign_toml(campaign: Campaign) -> str:
    """An editable, commented bairi.toml that reproduces `campaign`."""
    from bairi.present.render import render

    return render("bairi.toml.j2", campaign=campaign)
