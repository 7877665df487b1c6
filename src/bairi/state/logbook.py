"""The clerk's logbook (登记簿): what the files cannot show, entered by hand and cited wherever it is used.

Receipts the inbox cannot hold — a return confirmed by phone, sent over WeChat, handed in on paper —
and waivers — a deadline extended for one town, a warning accepted with the town's 说明. Each entry says
why, who entered it and when; an entry made after the as-of day does not exist for that run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

LOGBOOK_NAME = "登记簿.toml"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# A deadline: the period (2023-12) of a monthly one, or plan / summary / case.
DeadlineKey = Annotated[str, StringConstraints(pattern=r"^(\d{4}-(0[1-9]|1[0-2])|plan|summary|case)$")]


class LogbookError(Exception):
    """The logbook file is missing or wrong (an operator mistake, exit status 2)."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    town: Text
    deadline: DeadlineKey
    note: Text = Field(description="原因或说明")
    by: Text = Field(description="登记人")
    entered: date = Field(description="登记日期")

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


class Extension(_Entry):
    """A deadline moved for one town."""

    kind: Literal["extension"] = "extension"
    until: date = Field(description="延期至（当天收到算按时）")


class Accepted(_Entry):
    """A warning about one town's return accepted with the town's explanation."""

    kind: Literal["accepted"] = "accepted"
    code: Annotated[str, StringConstraints(pattern=r"^W\d{3}$")] = Field(description="接受说明的警告代码，如 W507")


class Sender(_Entry):
    """A sender's address accepted for one town: its return for the deadline counts (with `always`, every mail
    from the address is the town's from now on, as if it were in the town's `emails` in bairi.toml)."""

    kind: Literal["sender"] = "sender"
    address: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[^@\s]+@[^@\s]+$")] = Field(
        description="认可的发件地址")
    always: bool = Field(False, description="true：今后该地址的来信都算本镇的（相当于加入本镇邮箱）")


class Logbook(BaseModel):
    """The whole logbook file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    received: list[Received] = Field(default_factory=list)
    extension: list[Extension] = Field(default_factory=list)
    accepted: list[Accepted] = Field(default_factory=list)
    sender: list[Sender] = Field(default_factory=list)
    path: str = ""

    @field_validator("received", "extension", "accepted", "sender", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return [value] if isinstance(value, dict) else value

    def entries(self, as_of: date) -> list[Received | Extension | Accepted | Sender]:
        """Every entry made by `as_of`, in file order within each kind."""
        every: list[Received | Extension | Accepted | Sender] = [*self.received, *self.extension, *self.accepted,
                                                                 *self.sender]
        return [e for e in every if e.entered <= as_of]


_FIELD_WORDS = {"missing": "缺少此项", "extra_forbidden": "不认识的键（拼写错误？）", "date_from_datetime_inexact": "应为日期",
                "date_type": "应为日期，如 2024-01-25（不加引号）", "date_parsing": "应为日期，如 2024-01-25",
                "string_type": "应为文字（加引号）", "string_too_short": "不能为空", "list_type": "应为列表",
                "string_pattern_mismatch": "格式不对", "literal_error": "取值不对",
                "bool_type": "应为 true 或 false（不加引号）", "bool_parsing": "应为 true 或 false（不加引号）"}


def _problems(error: ValidationError) -> list[str]:
    wrong = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        word = _FIELD_WORDS.get(item["type"], item["msg"])
        if item["type"] == "string_pattern_mismatch" and where.endswith("deadline"):
            word = "应为报告期 YYYY-MM，或 plan（方案）、summary（总结）、case（典型案例）"
        elif item["type"] == "string_pattern_mismatch" and where.endswith("address"):
            word = "应为邮箱地址，如 bgzyjzx@163.com"
        elif item["type"] == "string_pattern_mismatch" and where.endswith("code"):
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
        raise LogbookError(f"登记簿 {path} 有误：{'；'.join(_problems(exc))}") from None


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
