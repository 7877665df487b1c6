"""A campaign from its notice: the facts, the form and the units put together as bairi.toml would hold them.

What the notice does not state is missing, never guessed: bairi.toml carries a 【请填写】 placeholder there,
and every command refuses to run until the clerk fills it in (core.tomlfile.PLACEHOLDER).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bairi.core.campaign import DEFAULT_MATERIALS, Campaign, ConfigError, validate
from bairi.core.tomlfile import PLACEHOLDER
from bairi.notice.facts import LABELS, NEEDED, Fact, Facts, derive_periods, read_facts, sentences
from bairi.notice.learn import LearntForm, learn_form
from bairi.notice.text import NoticeError, NoticeText, read_notice
from bairi.notice.units import UnitLine, cite, read_units, towns_named

FORM_FILE = "表式.toml"
# Stand-ins that let a campaign with missing facts be built (to be written out); each is written as 【请填写】.
_STAND_IN: dict[str, Any] = {"name": PLACEHOLDER, "authority": PLACEHOLDER, "authority_short": PLACEHOLDER,
                             "start": date(2000, 1, 1), "end": date(2000, 1, 1),
                             "periods": [{"period": "2000-01", "due": date(2000, 1, 25)}]}


@dataclass
class Learnt:
    """Everything learnt from a notice: the campaign, its evidence, the form, the units, what is missing."""

    notice: NoticeText
    facts: Facts
    form: LearntForm | None
    units: list[UnitLine]
    campaign: Campaign
    missing: dict[str, str]
    # What the notice names that the units list lacks, and other things the clerk should look at, in Chinese.
    notes: list[str] = field(default_factory=list)
    listed: list[UnitLine] | None = None

    def edited(self, key: str, text: str) -> Learnt:
        """The campaign with one fact as the clerk typed it (NoticeError when it cannot be read)."""
        value = parse_value(key, text)
        facts = Facts(dict(self.facts.facts), self.facts.phases, self.facts.deliverables)
        facts.facts.pop(key, None)
        facts.add(key, EDITABLE[key], value, "", "由使用者确认时修改")
        if key in ("start", "end", "monthly_day"):
            facts.facts.pop("periods", None)
            derive_periods(facts)
        facts.missing = {k: v for k, v in self.facts.missing.items() if k not in facts.facts}
        return assemble(self.notice, facts, self.form, self.listed)

    def shown(self) -> list[tuple[str, str, str, str]]:
        """Each fact as the clerk confirms it: (key, Chinese name, value as written, the sentence or how)."""
        rows = []
        for key, label in EDITABLE.items():
            fact = self.facts.facts.get(key)
            if key == "monthly_day" and "periods" in self.missing:
                rows.append((key, label, PLACEHOLDER, "通知中未找到“每月…日前报送”"))
                continue
            if fact is None:
                if key in self.missing or key in NEEDED:
                    rows.append((key, label, PLACEHOLDER, "通知中未找到"))
                continue
            rows.append((key, label, written(fact.value), fact.sentence or fact.how))
        return rows

    @property
    def form_file(self) -> str:
        """The form file to write into the home, or "" when the form is the notice's built-in one."""
        return "" if self.form is None or self.form.builtin else FORM_FILE

    def evidence(self) -> dict[str, list[str]]:
        """Each bairi.toml key with the lines that cite it (the sentence, and how a value was worked out)."""
        cited: dict[str, list[str]] = {}
        for fact in self.facts.facts.values():
            lines = cited.setdefault(_toml_key(fact.key), [])
            lines.extend(line for line in _cite(fact) if line not in lines)
        for key, label in self.missing.items():
            cited.setdefault(key, []).append(f"通知中未找到“{label}”，请按通知填写")
        if self.form is not None:
            cited["form"] = [f"附件表式取自 {self.form.source}" + ("，与内置的通知表式相同" if self.form.builtin else "")]
        return cited


# What the clerk may change at the confirm step, in the order shown.
EDITABLE = {key: LABELS[key] for key in ("name", "authority", "authority_short", "start", "end", "plan_due")}
EDITABLE["monthly_day"] = "每月报送日（每月几日前）"
EDITABLE.update({key: LABELS[key] for key in ("summary_due", "rectify_by", "cases_due", "inspect_share",
                                              "masthead", "document_code", "copy_to", "issuer")})


def written(value: object) -> str:
    """A fact's value as the clerk reads and types it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


def parse_value(key: str, text: str) -> object:
    """What the clerk typed for a fact, read as that fact's kind (a date, a share, a list, a word)."""
    from bairi.notice.dates import DATE, Dates

    text = text.strip()
    if key in ("start", "end", "plan_due", "summary_due", "rectify_by", "cases_due"):
        try:
            return date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            match = DATE.search(text)
            day = Dates(date(2000, 1, 1)).of(match) if match and match["year"] else None
            if day is None:
                raise NoticeError(f"“{text}”不是日期，请写成 2024-02-10 或 2024年2月10日") from None
            return day
    if key == "monthly_day":
        digits = text.rstrip("日号")
        if not digits.isdigit() or not 1 <= int(digits) <= 31:
            raise NoticeError(f"“{text}”不是每月的日子，请写 1 到 31 的数字") from None
        return int(digits)
    if key == "inspect_share":
        try:
            share = float(text.rstrip("%％")) / (100 if text.endswith(("%", "％")) or float(text.rstrip("%％")) > 1 else 1)
        except ValueError:
            raise NoticeError(f"“{text}”不是比例，请写 50% 或 0.5") from None
        if not 0 <= share <= 1:
            raise NoticeError(f"“{text}”不在 0 到 100% 之间") from None
        return share
    if key == "copy_to":
        return [part for part in re.split(r"[、，,；;\s]+", text) if part]
    if not text:
        raise NoticeError("不能为空")
    return text


def _toml_key(key: str) -> str:
    return {"monthly_day": "periods", "monthly_what": "monthly", "issued": "start"}.get(key, key)


def _cite(fact: Fact) -> list[str]:
    lines = []
    if fact.sentence:
        lines.append(f"通知原文：{fact.sentence}")
    if fact.how:
        lines.append(f"推算：{fact.how}")
    return lines


def learn_campaign(notice_path: Path, form_path: Path | None = None, units_path: Path | None = None) -> Learnt:
    """The campaign a notice sets (with its attachment form and the clerk's list of units), or NoticeError."""
    notice = read_notice(notice_path)
    facts = read_facts(notice)
    form = learn_form(notice, form_path)
    suffixes = list(facts.value("unit_suffixes", []) or [])  # type: ignore[call-overload]
    units = read_units(units_path, suffixes) if units_path is not None else None
    return assemble(notice, facts, form, units)


def assemble(notice: NoticeText, facts: Facts, form: LearntForm | None, listed: list[UnitLine] | None) -> Learnt:
    """The campaign from what was found (again after the clerk changed a fact)."""
    said = sentences(notice)
    notes: list[str] = []
    if listed is not None:
        units = listed
    else:
        units = [UnitLine(name, 0, (), sentence, "通知") for name, sentence in towns_named(said)]
        if not units:
            notes.append("没有给出单位名单（--units），通知中也没有列出各镇名称：请在 bairi.toml 的 [[units]] 中填写")
    data = _campaign_data(facts, form, units)
    missing = dict(facts.missing)
    if not units:
        missing["units"] = "报送单位"
        data["units"] = [{"name": PLACEHOLDER}]
    for key in missing:
        if key in _STAND_IN:
            data[key] = _STAND_IN[key]
    # A stand-in date agrees with the one the notice gives (an end never before its start).
    if "start" in missing and "end" not in missing:
        data["start"] = data["end"]
    if "end" in missing and "start" not in missing:
        data["end"] = data["start"]
    if "periods" in missing and isinstance(data.get("start"), date):
        data["periods"] = [{"period": data["start"].strftime("%Y-%m"), "due": data["start"]}]
    try:
        campaign = validate(data, notice.source)
    except ConfigError as exc:
        raise NoticeError(f"从通知读出的内容互相矛盾：{exc}") from None
    if units:
        units, absent = cite(units, campaign, said)
        if absent and listed is not None:
            notes.append(f"通知中提到、单位名单中没有的：{'、'.join(absent)}")
    if form is not None:
        notes.extend(form.notes)
    else:
        notes.append("通知中没有附件表格，也没有给出附件（--form）：沿用内置的通知表式")
    for key in ("plan_due", "summary_due", "rectify_by", "cases_due", "inspect_share"):
        if key not in facts.facts:
            notes.append(f"通知中未找到“{LABELS[key]}”，不设此项")
    return Learnt(notice, facts, form, units, campaign, missing, notes, listed)


def _campaign_data(facts: Facts, form: LearntForm | None, units: list[UnitLine]) -> dict[str, Any]:
    """The campaign's fields from the facts (validated by core.campaign afterwards)."""
    value = facts.value
    contact = value("contact", {}) or {}
    data: dict[str, Any] = {
        "name": value("name"), "authority": value("authority"), "authority_short": value("authority_short"),
        "start": value("start"), "end": value("end"),
        "categories": list(value("categories", []) or []),  # type: ignore[call-overload]
        "units": [{"name": u.name, "aliases": list(u.aliases), "enterprises": u.enterprises} for u in units],
        "periods": [{"period": p, "due": d} for p, d in value("periods", []) or []],  # type: ignore[attr-defined]
        "plan_due": value("plan_due"), "summary_due": value("summary_due"), "rectify_by": value("rectify_by"),
        "cases_due": value("cases_due"), "inspect_share": value("inspect_share", 0.0),
        "unit_suffixes": list(value("unit_suffixes", []) or []),  # type: ignore[call-overload]
        "contact": contact, "monthly": _monthly(str(value("monthly_what", "") or "")),
        "masthead": value("masthead", ""), "document_code": value("document_code", ""),
        "copy_to": list(value("copy_to", []) or []), "issuer": value("issuer", ""),  # type: ignore[call-overload]
        "form": FORM_FILE if form is not None and not form.builtin else "",
    }
    return data


def _monthly(what: str) -> list[str]:
    """What each monthly deadline expects: the return, and every other material the monthly sentence names."""
    found = ["return"]
    for key, _, words in DEFAULT_MATERIALS:
        if key not in ("return", "plan", "summary", "case") and any(word in what for word in words):
            found.append(key)
    return found
