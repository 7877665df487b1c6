"""The campaign as configuration: the notice's campaign built in, a bairi.toml to change it."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

CONFIG_NAME = "bairi.toml"


class ConfigError(Exception):
    """The configuration file is missing or wrong (an operator mistake, exit status 2)."""


class Unit(BaseModel):
    """A reporting unit: a town under a county campaign, or a county under a city one."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str = Field(min_length=1)
    aliases: list[str] = []
    enterprises: int = Field(default=0, ge=0)
    # Sender addresses whose mail is this unit's (for deadlines from a mailbox).
    emails: list[str] = []


class Period(BaseModel):
    """A monthly reporting period and the day its return is due."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    period: str
    due: date

    @field_validator("period")
    @classmethod
    def _period_format(cls, value: str) -> str:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise ValueError("应为 YYYY-MM，如 2023-12")
        return value

    @property
    def month(self) -> int:
        """The calendar month of the period."""
        return int(self.period[5:])


class Contact(BaseModel):
    """Who at the county receives the returns (printed on reminders)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    people: list[str] = []
    phones: list[str] = []
    emails: list[str] = []


class Campaign(BaseModel):
    """Everything a campaign fixes: units, periods, due dates and the notice's numeric rules."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str
    # The level above the units: the county bureau that merges (and itself reports upward).
    authority: str
    authority_short: str
    filler: str = ""
    start: date
    end: date
    plan_due: date | None = None
    summary_due: date | None = None
    rectify_by: date | None = None
    # "25日前" in the notice means "by the 25th": received on the due day is on time. False: strictly before.
    due_inclusive: bool = True
    # Receipt times are compared as dates in this time zone (Beijing time, UTC+8).
    utc_offset_hours: int = Field(default=8, ge=-12, le=14)
    inspect_share: float = Field(default=0.5, ge=0, le=1)
    categories: list[str]
    # Words a unit appends to its name: 巴公镇应急管理中心 → 巴公镇.
    unit_suffixes: list[str] = []
    units: list[Unit] = Field(min_length=1)
    periods: list[Period] = Field(min_length=1)
    contact: Contact = Contact()

    @model_validator(mode="after")
    def _consistent(self) -> "Campaign":
        if self.end < self.start:
            raise ValueError("end 早于 start")
        names = [u.name for u in self.units]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"units 中单位重复：{'、'.join(dupes)}")
        seen = [p.period for p in self.periods]
        if len(set(seen)) != len(seen):
            raise ValueError("periods 中报告期重复")
        return self

    def period(self, value: str) -> Period | None:
        """The configured period `YYYY-MM`, or None."""
        return next((p for p in self.periods if p.period == value), None)

    def unit(self, name: str) -> Unit | None:
        """The configured unit of that exact name, or None."""
        return next((u for u in self.units if u.name == name), None)


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
    # Built without validation: the data is ours, and skipping pydantic's schema build keeps `check` fast.
    return Campaign.model_construct(
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
        units=[Unit.model_construct(name=n, aliases=list(a), enterprises=e) for n, a, e in DEFAULT_TOWNS],
        periods=[
            Period.model_construct(period="2023-11", due=date(2023, 11, 25)),
            Period.model_construct(period="2023-12", due=date(2023, 12, 25)),
            Period.model_construct(period="2024-01", due=date(2024, 1, 25)),
        ],
        contact=Contact.model_construct(
            people=["申晋钢", "任晋爽"],
            phones=["0356-2066363", "0356-2061506"],
            emails=["zzxajjgmfm@163.com", "zzyjyzg@163.com"],
        ),
    )


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(根)"
        lines.append(f"{key}：{item['msg']}")
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
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"配置文件 {path} 有误：{_describe(exc)}") from None


def campaign_toml(campaign: Campaign) -> str:
    """An editable, commented bairi.toml that reproduces `campaign`."""
    from bairi.render import render

    return render("bairi.toml.j2", campaign=campaign)
