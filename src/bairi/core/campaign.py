"""The campaign as configuration: the notice's campaign built in, a bairi.toml to change it.

The configuration is a pydantic model: `bairi.toml` is validated by it, and every wrong key is named in
Chinese at once (the field's path and what it should be).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from bairi.core.form import Form, form_for
from bairi.core.tomlfile import pydantic_words, read_toml, refuse_placeholders

CONFIG_NAME = "bairi.toml"

Named = Annotated[str, StringConstraints(strip_whitespace=False, pattern=r"\S")]
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
_MODEL = ConfigDict(extra="forbid", frozen=True, strict=True)


class ConfigError(Exception):
    """The configuration file is missing or wrong (an operator mistake, exit status 2)."""


class Unit(BaseModel):
    """A reporting unit: a town under a county campaign, or a county under a city one."""

    model_config = _MODEL

    name: Named
    aliases: list[str] = []
    enterprises: Annotated[int, Field(ge=0)] = 0
    # Sender addresses whose mail is this unit's (for deadlines from a mailbox).
    emails: list[str] = []


class Period(BaseModel):
    """A monthly reporting period and the day its return is due."""

    model_config = _MODEL

    period: Month
    due: date

    @property
    def month(self) -> int:
        """The calendar month of the period."""
        return int(self.period[5:])


class Material(BaseModel):
    """One thing a town sends: its key, its name, and the words in a file name or mail subject that name it."""

    model_config = _MODEL

    key: Named
    label: Named
    words: Annotated[list[str], Field(min_length=1)]


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
    return [Material(key=key, label=label, words=list(words)) for key, label, words in DEFAULT_MATERIALS]


class Contact(BaseModel):
    """Who at the county receives the returns (printed on reminders)."""

    model_config = _MODEL

    people: list[str] = []
    phones: list[str] = []
    emails: list[str] = []


class Campaign(BaseModel):
    """Everything a campaign fixes: units, periods, due dates and the notice's numeric rules."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, ignored_types=(cached_property,))

    name: str
    # The level above the units: the county bureau that merges (and itself reports upward).
    authority: str
    authority_short: str
    start: date
    end: date
    categories: list[str]
    units: Annotated[list[Unit], Field(min_length=1)]
    periods: Annotated[list[Period], Field(min_length=1)]
    filler: str = ""
    plan_due: date | None = None
    summary_due: date | None = None
    rectify_by: date | None = None
    # A major hazard first reported after `rectify_by` and without a plan date of its own is due this many days
    # after its first report.
    rectify_days: Annotated[int, Field(ge=1, le=366)] = 30
    # "25日前" in the notice means "by the 25th": received on the due day is on time. False: strictly before.
    due_inclusive: bool = True
    # Receipt times are compared as dates in this time zone (Beijing time, UTC+8).
    utc_offset_hours: Annotated[int, Field(ge=-12, le=14)] = 8
    inspect_share: Annotated[float, Field(ge=0, le=1)] = 0.5
    # Words a unit appends to its name: 巴公镇应急管理中心 → 巴公镇.
    unit_suffixes: list[str] = []
    contact: Contact = Field(default_factory=Contact)
    # What each town sends, and which of them each monthly deadline expects besides the return itself.
    materials: list[Material] = Field(default_factory=_materials)
    monthly: list[str] = Field(default_factory=lambda: ["return", "progress", "lists"])
    # The day by which each town must have reported its typical enforcement case (None: not asked for).
    cases_due: date | None = None
    # A first copy that was sent back still fixes the town's time when a corrected one follows. Default: no —
    # a return sent back is as not yet received, and timeliness counts from the first acceptable copy.
    sent_back_keeps_time: bool = False
    # The county's own mail servers: a Received line whose "by" names one of them (a host, a domain it ends with,
    # or the word in its parentheses, as 163's MX writes "by mx19 (Coremail)") is when the county received a mail.
    mail_servers: list[str] = Field(default_factory=lambda: ["163.com", "126.com", "yeah.net", "Coremail"])
    # The bureau's own addresses that forward towns' mail: such a sender says nothing of whose a return is.
    county_senders: list[str] = []
    # The official-document frame of the Word bulletin (GB/T 9704): 发文机关标志 (empty: authority + 文件),
    # 机关代字 of the 发文字号 (泽应急发 → 泽应急发〔2024〕N号), 抄送机关, and 印发机关 (empty: authority + 办公室).
    masthead: str = ""
    document_code: str = ""
    copy_to: list[str] = []
    issuer: str = ""

    @cached_property
    def unit_index(self) -> Any:
        """The one matcher of unit names for this campaign (core.names), built on first use."""
        from bairi.core.names import UnitIndex

        return UnitIndex(self)

    # Another form: a form file (.toml, as bairi/core/form.toml) that every command reads and writes, or the
    # city's own template (.xlsx) that merge fills by its labels; "" for the notice's form. A relative path is
    # from the folder of bairi.toml.
    form: str = ""

    @cached_property
    def form_spec(self) -> Form:
        """The form this campaign's returns are on, resolved once: its form file (.toml), else the notice's."""
        return form_for(self.form)

    def material(self, key: str) -> Material | None:
        """The configured material of that key, or None."""
        return next((m for m in self.materials if m.key == key), None)

    def period(self, value: str) -> Period | None:
        """The configured period `YYYY-MM`, or None."""
        return self._periods.get(value)

    def unit(self, name: str) -> Unit | None:
        """The configured unit of that exact name, or None."""
        return self._units.get(name)

    def with_changes(self, **changes: object) -> Campaign:
        """A copy with some fields replaced (validated again; the name lookups are built afresh)."""
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        changed = type(self).model_validate({**fields, **changes}, strict=False)
        if "form" not in changes and "form_spec" in self.__dict__:
            changed.__dict__["form_spec"] = self.form_spec  # the same form file, not read again
        return changed

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        wrong = problems(self)
        if wrong:
            raise ValueError("；".join(wrong))
        return self

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
    if "return" not in campaign.monthly:
        found.append("monthly：应包含 return（每月的报表本身），否则报表无法对应到报告期")
    found += _shared_names(campaign) + _dates_out_of_order(campaign) + _control_characters(campaign)
    return found


def _shared_names(campaign: Campaign) -> list[str]:
    """A name or alias that two units answer to: a return could not be told to be one's or the other's."""
    owners: dict[str, list[str]] = {}
    for unit in campaign.units:
        for name in dict.fromkeys([unit.name, *(a.strip() for a in unit.aliases)]):
            if name and unit.name not in owners.setdefault(name, []):
                owners[name].append(unit.name)
    return [f"units.aliases：“{name}”同时是{'、'.join(units)}的名称或别名" for name, units in owners.items()
            if len(units) > 1]


def _dates_out_of_order(campaign: Campaign) -> list[str]:
    """Due days before the campaign starts, a month due before it begins, periods or documents due out of order.

    A day after the campaign's end is allowed: the last return or the summary may be asked for after it."""
    found = []
    start = campaign.start
    for index, period in enumerate(campaign.periods):
        key = f"periods.{index}.due（{period.period}）"
        first = date(int(period.period[:4]), period.month, 1)
        if period.due < start:
            found.append(f"{key}：截止日 {period.due} 早于行动开始日 start {start}")
        if period.due < first:
            found.append(f"{key}：截止日 {period.due} 早于该月开始")
    ordered = sorted(campaign.periods, key=lambda p: p.period)
    for before, after in zip(ordered, ordered[1:]):
        if before.due > after.due:
            found.append(f"periods：{before.period} 的截止日 {before.due} 晚于 {after.period} 的截止日 {after.due}")
    for name in ("plan_due", "summary_due", "cases_due", "rectify_by"):
        day = getattr(campaign, name)
        if day is not None and day < start:
            found.append(f"{name}：{day} 早于行动开始日 start {start}")
    if campaign.plan_due and campaign.summary_due and campaign.summary_due < campaign.plan_due:
        found.append(f"summary_due：工作总结截止日 {campaign.summary_due} 早于行动方案截止日 plan_due {campaign.plan_due}")
    return found


def _control_characters(campaign: Campaign) -> list[str]:
    """Every configured text with a control or invisible format character (pasted from elsewhere): "key（unit）：…"."""
    import unicodedata

    found: list[str] = []

    def walk(value: object, where: str, unit: str) -> None:
        if isinstance(value, str):
            bad = [c for c in value if unicodedata.category(c) in ("Cc", "Cf")]
            if bad:
                codes = "、".join(dict.fromkeys(f"U+{ord(c):04X}" for c in bad))
                found.append(f"{where}{f'（{unit}）' if unit else ''}：含有看不见的控制字符 {codes}，请删去后重新输入")
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}.{key}" if where else str(key), unit)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                name = item.get("name", "") if where == "units" and isinstance(item, dict) else unit
                shown = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")) if isinstance(
                    name, str) else unit
                walk(item, f"{where}.{index}", shown)

    walk(campaign.model_dump(exclude={"form"}), "", "")
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
        masthead="泽州县应急管理局文件",
        document_code="泽应急发",
        copy_to=["市应急管理局", "县人民政府"],
        issuer="泽州县应急管理局办公室",
    )


def load_campaign(path: Path | None = None, cwd: Path | None = None) -> Campaign:
    """The campaign from `path`, else ./bairi.toml when present, else the built-in one; ConfigError for a wrong
    bairi.toml, FormError for a wrong form file it names."""
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        if not candidate.is_file():
            return default_campaign()
        path = candidate
    if not path.is_file():
        raise ConfigError(f"配置文件不存在：{path}")
    data = read_toml(path, "配置文件", ConfigError)
    refuse_placeholders(data, path, "配置文件", ConfigError)
    if isinstance(data.get("form"), str) and data["form"] and not Path(data["form"]).is_absolute():
        data["form"] = str(path.parent / data["form"])
    campaign = validate(data, str(path))
    campaign.form_spec  # noqa: B018 - its form file read now: a wrong one is said at load (FormError), not mid-run
    return campaign


def validate(data: dict, source: str = "配置") -> Campaign:
    """A campaign from plain data (as TOML gives it), or ConfigError naming every wrong key at once."""
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        wrong = list(dict.fromkeys(pydantic_words(item) for item in exc.errors()))
        raise ConfigError(f"配置文件 {source} 有误：{'；'.join(wrong)}") from None

