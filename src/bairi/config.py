"""The campaign as configuration: the notice's campaign built in, a bairi.toml to change it."""

from __future__ import annotations

import os
import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

# The model is plain dataclasses, so the built-in campaign costs no pydantic import (it was a third of
# `bairi check`'s start-up); pydantic validates the same classes only when a bairi.toml is read.
CONFIG_NAME = "bairi.toml"
# pydantic reads this on stdlib dataclasses: an unknown key in bairi.toml is an error, not ignored.
_STRICT = {"extra": "forbid"}


class _Rule:
    """A constraint on one field, applied by pydantic when it validates a bairi.toml (free until then)."""

    def __init__(self, test: Callable[[Any], bool], message: str) -> None:
        self.test, self.message = test, message

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def check(value: Any) -> Any:
            if not self.test(value):
                raise ValueError(self.message)
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))


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

    __pydantic_config__ = _STRICT

    name: Annotated[str, NAMED]
    aliases: list[str] = field(default_factory=list)
    enterprises: Annotated[int, NOT_NEGATIVE] = 0
    # Sender addresses whose mail is this unit's (for deadlines from a mailbox).
    emails: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    """A monthly reporting period and the day its return is due."""

    __pydantic_config__ = _STRICT

    period: Annotated[str, MONTH]
    due: date

    @property
    def month(self) -> int:
        """The calendar month of the period."""
        return int(self.period[5:])


@dataclass(frozen=True)
class Contact:
    """Who at the county receives the returns (printed on reminders)."""

    __pydantic_config__ = _STRICT

    people: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Campaign:
    """Everything a campaign fixes: units, periods, due dates and the notice's numeric rules."""

    __pydantic_config__ = _STRICT

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


# pydantic's own words for the mistakes people make in a bairi.toml, said in Chinese.
_MESSAGES = {
    "extra_forbidden": "不认识的键（拼写错误？）",
    "missing": "缺少此项",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "float_parsing": "应为数字",
    "string_type": "应为文字（加引号）",
    "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期，如 2023-12-25（不加引号）", "date_parsing": "应为日期，如 2023-12-25（不加引号）",
    "date_from_datetime_inexact": "应为日期，不带时刻",
    "list_type": "应为列表，如 [\"甲\", \"乙\"]",
    "dataclass_type": "应为一个表（[[...]] 或 {...}）", "dataclass_exact_type": "应为一个表（[[...]] 或 {...}）",
}


def _describe(error: "ValidationError") -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(根)"
        if item["type"] == "value_error":
            message = str(item["ctx"]["error"])
        else:
            message = _MESSAGES.get(item["type"], item["msg"])
        lines.append(f"{key}：{message}")
    return "；".join(lines)


def load_campaign(path: Path | None = None, cwd: Path | None = None) -> Campaign:
    """The campaign from `path`, else ./bairi.toml when present, else the built-in one."""
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        if not candidate.is_file():
            return default_campaign()
        path = candidate
    if not path.is_file():
        raise ConfigError(f"配置文件不存在：{path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 格式错误：{exc}") from None
    return validate(data, str(path))


def validate(data: dict, source: str = "配置") -> Campaign:
    """A campaign from plain data (as TOML gives it), or ConfigError naming every wrong key."""
    from pydantic import TypeAdapter, ValidationError

    # pydantic looks for third-party plugins (a scan of every installed package's metadata) unless told not
    # to; none may change how a campaign is read, and the scan costs a merge tens of milliseconds.
    saved = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    try:
        campaign = TypeAdapter(Campaign).validate_python(data)
    except ValidationError as exc:
        raise ConfigError(f"配置文件 {source} 有误：{_describe(exc)}") from None
    finally:
        if saved is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = saved
    wrong = problems(campaign)
    if wrong:
        raise ConfigError(f"配置文件 {source} 有误：{'；'.join(wrong)}")
    return campaign


def campaign_toml(campaign: Campaign) -> str:
    """An editable, commented bairi.toml that reproduces `campaign`."""
    from bairi.render import render

    return render("bairi.toml.j2", campaign=campaign)
