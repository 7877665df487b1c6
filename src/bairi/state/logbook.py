"""The clerk's logbook (登记簿): what the files cannot show, entered by hand and cited wherever it is used.

Receipts the inbox cannot hold — a return confirmed by phone, sent over WeChat, handed in on paper —
and waivers — a deadline extended for one town, a warning accepted with the town's 说明. Each entry says
why, who entered it and when; an entry made after the as-of day does not exist for that run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

LOGBOOK_NAME = "登记簿.toml"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# A deadline: the period (2023-12) of a monthly one, or plan / summary / case.
DeadlineKey = Annotated[str, StringConstraints(pattern=r"^(\d{4}-(0[1-9]|1[0-2])|plan|summary|case)$")]


class LogbookError(Exception):
    """The logbook file is missing or wrong (an operator mistake, exit status 2)."""


def typed_date(value: object) -> object:
    """A date as the clerk types it: 2023-12-24, 2023/12/24, 2023.12.24, 2023年12月24日, with or without a time."""
    from datetime import datetime

    from bairi.core.values import read_date

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        day, _ = read_date(value)
        if day is not None:
            return day
        raise ValueError(f"“{value}”不是日期：请写成 2024-01-25、2024/1/25 或 2024年1月25日")
    raise ValueError("应为日期，如 2024-01-25")


def _visible(value: object) -> object:
    import unicodedata

    if isinstance(value, str) and any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        raise ValueError("含有看不见的控制字符，请删去后重新输入")
    return value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    town: Text
    deadline: DeadlineKey
    note: Text = Field(description="原因或说明")
    by: Text = Field(description="登记人")
    entered: date = Field(description="登记日期")

    @field_validator("entered", "on", "until", mode="before", check_fields=False)
    @classmethod
    def _typed(cls, value: object) -> object:
        return typed_date(value)

    @field_validator("town", "note", "by", "how", mode="before", check_fields=False)
    @classmethod
    def _no_control(cls, value: object) -> object:
        return _visible(value)

    @property
    def cite(self) -> str:
        """How an output cites the entry: 县局登记（2024-01-25 申晋钢：说明）."""
        return f"县局登记（{self.entered.isoformat()} {self.by}：{self.note}）"


class Received(_Entry):
    """Something received that no file shows: its day and how it came."""

    kind: Literal["received"] = "received"
    on: date = Field(description="收到日期")
    how: Text = Field(description="报送方式：电话确认、微信、纸质等")
    materials: list[str] = Field(default_factory=list, description="收到的材料，默认为该截止日的主要材料")

    @model_validator(mode="after")
    def _in_order(self) -> Received:
        if self.entered < self.on:
            raise ValueError(f"登记日期 entered {self.entered} 早于收到日期 on {self.on}")
        return self


class Extension(_Entry):
    """A deadline moved for one town."""

    kind: Literal["extension"] = "extension"
    until: date = Field(description="延期至（当天收到算按时）")


class Accepted(_Entry):
    """A warning about one town's return accepted with the town's explanation."""

    kind: Literal["accepted"] = "accepted"
    code: Annotated[str, StringConstraints(pattern=r"^W\d{3}$")] = Field(description="接受说明的警告代码，如 W507")

    @field_validator("code")
    @classmethod
    def _known(cls, value: str) -> str:
        from bairi.core.findings import CATALOGUE

        if value not in CATALOGUE:
            raise ValueError(f"没有警告代码 {value}（可接受说明的是检查结果中列出的 W 开头的代码，如 W507）")
        return value


class Logbook(BaseModel):
    """The whole logbook file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    received: list[Received] = Field(default_factory=list)
    extension: list[Extension] = Field(default_factory=list)
    accepted: list[Accepted] = Field(default_factory=list)
    path: str = ""

    @field_validator("received", "extension", "accepted", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return [value] if isinstance(value, dict) else value

    def entries(self, as_of: date) -> list[Received | Extension | Accepted]:
        """Every entry made by `as_of`, in file order within each kind."""
        every: list[Received | Extension | Accepted] = [*self.received, *self.extension, *self.accepted]
        return [e for e in every if e.entered <= as_of]


_FIELD_WORDS = {"missing": "缺少此项", "extra_forbidden": "不认识的键（拼写错误？）", "date_from_datetime_inexact": "应为日期",
                "date_type": "应为日期，如 2024-01-25（不加引号）", "date_parsing": "应为日期，如 2024-01-25",
                "string_type": "应为文字（加引号）", "string_too_short": "不能为空", "list_type": "应为列表",
                "string_pattern_mismatch": "格式不对", "literal_error": "取值不对"}


def _town(data: dict, loc: tuple) -> str:
    """The town of the entry an error is in, to name it beside the key."""
    if len(loc) < 2 or not isinstance(loc[1], int):
        return ""
    entries = data.get(loc[0])
    entries = [entries] if isinstance(entries, dict) else entries
    if isinstance(entries, list) and loc[1] < len(entries) and isinstance(entries[loc[1]], dict):
        town = entries[loc[1]].get("town")
        return f"（{town}）" if isinstance(town, str) and town.strip() else ""
    return ""


def _problems(error: ValidationError, data: dict) -> list[str]:
    from bairi.core.tomlfile import pydantic_words

    wrong = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) + _town(data, item["loc"])
        word = _FIELD_WORDS.get(item["type"]) or pydantic_words({**item, "loc": ()})
        if item["type"] == "string_pattern_mismatch" and ".deadline" in where:
            word = "应为报告期 YYYY-MM，或 plan（方案）、summary（总结）、case（典型案例）"
        elif item["type"] == "string_pattern_mismatch" and ".code" in where:
            word = "应为警告代码，如 W507"
        wrong.append(f"{where}：{word}")
    return wrong


def load_logbook(path: Path) -> Logbook:
    """The logbook at `path`; LogbookError naming every wrong key at once."""
    from bairi.core.tomlfile import read_toml

    data = read_toml(path, "登记簿", LogbookError)
    try:
        return Logbook.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        raise LogbookError(f"登记簿 {path} 有误：{'；'.join(_problems(exc, data))}") from None


def find_logbook(explicit: Path | None, inputs: list[Path], cwd: Path | None = None) -> Path | None:
    """The logbook to read: the one named, else 登记簿.toml in the working folder or the first input folder."""
    if explicit is not None:
        if not explicit.is_file():
            raise LogbookError(f"登记簿不存在：{explicit}")
        return explicit
    first = Path(inputs[0]) if inputs else None
    for folder in ((cwd or Path.cwd()), *( [first if first.is_dir() else first.parent] if first else [])):
        candidate = folder / LOGBOOK_NAME
        if candidate.is_file():
            return candidate
    return None
