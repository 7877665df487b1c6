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
class Material:
    """One thing a town sends: its key, its name, and the words in a file name or mail subject that name it."""

    key: Annotated[str, NAMED]
    label: Annotated[str, NAMED]
    words: Annotated[list[str], SOME]


# What the notice asks for (泽应急发〔2023〕332号, 四(四) and 五): a plan by 11-09; each month the return and
# the 阶段性进展 with the 问题、整改、责任"三清单"; a summary by 02-06; at least one 重大隐患执法典型案例.
DEFAULT_MATERIALS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("return", "月报表", ("报告表", "报表", "月报")),
    ("progress", "阶段性进展", ("阶段性进展", "进展情况", "工作进展", "进展")),
    ("lists", "三清单", ("三清单", "问题清单", "整改清单", "责任清单")),
    ("plan", "行动方案", ("方案",)),
    ("summary", "工作总结", ("总结",)),
    ("case", "典型案例", ("典型案例", "执法案例", "案例")),
)


def _materials() -> list[Material]:
    return [Material(key, label, list(words)) for key, label, words in DEFAULT_MATERIALS]


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
    # What each town sends, and which of them each monthly deadline expects besides the return itself.
    materials: list[Material] = field(default_factory=_materials)
    monthly: list[str] = field(default_factory=lambda: ["return", "progress", "lists"])
    # The day by which each town must have reported its typical enforcement case (None: not asked for).
    cases_due: date | None = None
    # A first copy that was sent back still fixes the town's time when a corrected one follows. Default: no —
    # a return sent back is as not yet received, and timeliness counts from the first acceptable copy.
    sent_back_keeps_time: bool = False

    def material(self, key: str) -> Material | None:
        """The configured material of that key, or None."""
        return next((m for m in self.materials if m.key == key), None)

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
    keys = {m.key for m in campaign.materials}
    for key in ("return", *campaign.monthly):
        if key not in keys:
            found.append(f"monthly：材料“{key}”没有在 materials 中定义")
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
        cases_due=date(2024, 2, 10),
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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 格式错误：{exc}") from None
    except OSError as exc:
        raise ConfigError(f"配置文件 {path} 无法读取：{exc.strerror or exc}") from None
    return validate(data, str(path))


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
