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

from bairi.core.campaign import Campaign
from bairi.core.home import LOGBOOK_NAME

__all__ = ["LOGBOOK_NAME", "Accepted", "Extension", "Logbook", "LogbookError", "Received", "Sender"]

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
        """How an output cites the entry: 县局登记（2024-01-25，申晋钢：说明）; a comma, not a space, parts the date
        from the name in Chinese text."""
        return f"县局登记（{self.entered.isoformat()}，{self.by}：{self.note}）"


class Received(_Entry):
    """Something received that no file shows: its day and how it came."""

    kind: Literal["received"] = "received"
    on: date = Field(description="收到日期")
    how: Text = Field(description="报送方式：电话确认、微信、纸质等")
    materials: list[str] = Field([], description="收到的材料，默认为该截止日的主要材料")

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

    received: list[Received] = []
    extension: list[Extension] = []
    accepted: list[Accepted] = []
    sender: list[Sender] = []
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
        key = str(item["loc"][-1]) if item["loc"] else ""
        if item["type"] == "string_pattern_mismatch" and key == "deadline":
            word = "应为报告期 YYYY-MM，或 plan（方案）、summary（总结）、case（典型案例）"
        elif item["type"] == "string_pattern_mismatch" and key == "address":
            word = "应为邮箱地址，如 bgzyjzx@163.com"
        elif item["type"] == "string_pattern_mismatch" and key == "code":
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


ENTRY_MODELS: dict[str, type[BaseModel]] = {"received": Received, "extension": Extension, "accepted": Accepted,
                                            "sender": Sender}
# The order a written entry's keys appear in, as the clerk would write them by hand.
_ORDER = ("town", "deadline", "on", "how", "materials", "until", "code", "address", "always", "note", "by", "entered")


def _toml_value(value: object) -> str:
    import json

    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # A JSON string is a TOML basic string: the same escapes (\" \\ \n \uXXXX), nothing else needed.
    return json.dumps(str(value), ensure_ascii=False)


def entry_text(kind: str, fields: dict[str, object]) -> str:
    """One entry as the TOML lines appended to the logbook (checked by its model first; LogbookError if wrong)."""
    model = ENTRY_MODELS.get(kind)
    if model is None:
        raise LogbookError(f"登记的种类应为 {'、'.join(ENTRY_MODELS)} 之一，不是“{kind}”")
    present = {k: v for k, v in fields.items() if v not in (None, "", [], ())}
    try:
        checked = model.model_validate(present)
    except ValidationError as exc:
        raise LogbookError(f"登记内容有误：{'；'.join(_problems(exc, {}))}") from None
    # Written as the model read it: dates bare, text trimmed, so that the file reads back the same.
    lines = [f"[[{kind}]]"] + [f"{key} = {_toml_value(getattr(checked, key))}" for key in _ORDER if key in present]
    return "\n".join(lines) + "\n"


def append_entry(path: Path, kind: str, fields: dict[str, object]) -> Logbook:
    """Append one entry to the logbook at `path` (made when absent), never touching a byte already there;
    the whole file is read back as the loader reads it before anything is written."""
    import tomllib

    from bairi.core.tomlfile import toml_problem

    text = entry_text(kind, fields)
    try:
        old = path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise LogbookError(f"登记簿 {path} 无法读取：{exc.strerror or exc}") from None
    try:
        before = old.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LogbookError(f"登记簿 {path} 不是 UTF-8 编码：请用记事本打开，“另存为”时编码选 UTF-8 后再试") from None
    # The clerk's Notepad writes CRLF: the new lines follow the file's own line ends.
    newline = "\r\n" if b"\r\n" in old else "\n"
    gap = "" if not old or before.endswith("\n") else newline
    added = gap + newline + text.replace("\n", newline)
    try:
        data = tomllib.loads(before + added)
    except tomllib.TOMLDecodeError as exc:
        raise LogbookError(f"登记簿 {path} 加上这一条后格式不对（{toml_problem(exc, before + added)}），未写入；"
                           "请先用记事本检查已有内容") from None
    try:
        book = Logbook.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        raise LogbookError(f"登记簿 {path} 有误：{'；'.join(_problems(exc, data))}（未写入）") from None
    try:
        with path.open("ab") as handle:
            handle.write(added.encode("utf-8"))
    except OSError as exc:
        raise LogbookError(f"无法写入登记簿 {path}：{exc.strerror or exc}") from None
    return book


# What the clerk may type for a kind or a deadline, besides the keys themselves.
KIND_ALIASES = {"收到": "received", "报送": "received", "延期": "extension", "接受": "accepted", "接受说明": "accepted",
                "发件人": "sender", "邮箱": "sender"}
DEADLINE_ALIASES = {"方案": "plan", "行动方案": "plan", "总结": "summary", "工作总结": "summary", "案例": "case",
                    "典型案例": "case"}
FIELD_WORDS = {"town": "镇", "deadline": "截止项（报告期如 2023-12，或 方案、总结、案例）", "on": "收到日期（如 2024-01-25）",
               "how": "报送方式（电话确认、微信、纸质等）", "until": "延期至（如 2024-01-28）", "code": "接受说明的警告代码（如 W507）",
               "address": "认可的发件邮箱", "note": "原因或说明", "by": "登记人"}


def entry_kind(kind: str) -> str:
    """The entry kind the clerk named, in English or Chinese; LogbookError when it is none."""
    chosen = KIND_ALIASES.get(kind.strip(), kind.strip().lower())
    if chosen not in ENTRY_MODELS:
        raise LogbookError(f"登记的种类应为 received（收到）、extension（延期）、accepted（接受说明）、sender（发件人），"
                           f"不是“{kind}”")
    return chosen


def needed(kind: str, fields: dict[str, object]) -> list[str]:
    """The keys an entry of `kind` still lacks, in the order to ask for them."""
    model = ENTRY_MODELS[kind]
    required = [k for k, f in model.model_fields.items() if f.is_required()]
    return [k for k in _ORDER if k in required and fields.get(k) in (None, "", [])]


def entry_fields(kind: str, town: str | None, deadline: str | None, given: dict[str, object], campaign: Campaign,
                 day: date) -> tuple[str, dict[str, object]]:
    """(kind, fields) from what the clerk typed: the kind and deadline in either language, the town by any name
    the campaign knows, who (the campaign's filler) and when (`day`) filled in; LogbookError when wrong."""
    from bairi.core.calendar import deadlines
    from bairi.core.names import resolve_unit

    chosen = entry_kind(kind)
    fields = {k: v for k, v in given.items() if v not in (None, "", [])}
    if town:
        name = town.strip() if campaign.unit(town.strip()) else resolve_unit(town, campaign)
        if name is None or campaign.unit(name) is None:
            raise LogbookError(f"“{town}”不是本次行动的报送单位（可选：{'、'.join(u.name for u in campaign.units)}）")
        fields["town"] = name
    if deadline:
        key = DEADLINE_ALIASES.get(deadline.strip(), deadline.strip())
        keys = {d.key: d for d in deadlines(campaign)}
        if key not in keys:
            raise LogbookError(f"截止项“{deadline}”不是本次行动的截止项（可选：{'、'.join(keys)}）")
        fields["deadline"] = key
    if fields.get("materials"):
        # A material named as the campaign labels it (月报表, 三清单) or by its key.
        labels = {m.label: m.key for m in campaign.materials}
        fields["materials"] = [labels.get(str(m).strip(), str(m).strip()) for m in fields["materials"]]  # type: ignore[attr-defined]
        unknown = [m for m in fields["materials"] if campaign.material(m) is None]  # type: ignore[attr-defined]
        if unknown:
            raise LogbookError(f"材料“{'、'.join(unknown)}”不是本次行动的材料（可选：{'、'.join(labels)}）")
    fields.setdefault("by", campaign.filler or next(iter(campaign.contact.people), ""))
    fields["entered"] = day
    if chosen == "received":
        fields.setdefault("on", day)
    return chosen, fields
