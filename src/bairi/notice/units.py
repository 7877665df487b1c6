"""The reporting units: the clerk's list (one a line: name, then the number of enterprises and old names if
known), or the towns the notice itself names; each matched with the sentences of the notice that name it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bairi.core.campaign import Campaign
from bairi.core.names import stem
from bairi.notice.text import NoticeError, decode

# A town as notices name one: two to four characters before 镇, 乡 or 街道 (各镇, 全乡 and 本镇 are no names).
_TOWN = re.compile(r"(?:^|(?<=[，、。；：:,（(“\s]))(?P<name>[\u4e00-\u9fff]{2,4}?(?:镇|乡|街道办事处|街道))(?=$|[，、。；：:,）)”\s和及等]|要|应|须|于|在|已)")
_NOT_TOWN = re.compile(r"^(各|本|全|该|每|所在|所属|城乡|乡镇|村镇|城镇|市镇|县乡|镇乡|下乡|返乡|城关)")


@dataclass(frozen=True)
class UnitLine:
    """One unit as the clerk listed it (or as the notice names it), and the notice's sentence naming it."""

    name: str
    enterprises: int = 0
    aliases: tuple[str, ...] = ()
    sentence: str = ""
    source: str = ""  # "名单第 N 行" or "通知"


def read_units(path: Path, suffixes: list[str]) -> list[UnitLine]:
    """The clerk's list of units: one a line, `名称 [企业数] [旧称…]`; blank lines and # notes skipped."""
    path = Path(path)
    try:
        text = decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise NoticeError(f"无法读取单位名单 {path}：{exc.strerror or exc}") from None
    found: list[UnitLine] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p for p in re.split(r"[\s,，、;；]+", line) if p]
        name = _bare(parts[0], suffixes)
        count = 0
        aliases = []
        for part in parts[1:]:
            digits = part.translate(str.maketrans("０１２３４５６７８９", "0123456789")).rstrip("家个")
            if digits.isdigit():
                count = int(digits)
            else:
                aliases.append(_bare(part, suffixes))
        if name in seen:
            raise NoticeError(f"单位名单 {path.name} 第 {number} 行的“{name}”与第 {seen[name]} 行重复")
        seen[name] = number
        found.append(UnitLine(name, count, tuple(aliases), "", f"名单第 {number} 行"))
    if not found:
        raise NoticeError(f"单位名单 {path.name} 是空的（应每行一个单位名称）")
    return found


def _bare(name: str, suffixes: list[str]) -> str:
    """A unit's name without its office's words: 巴公镇应急管理中心 → 巴公镇."""
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def towns_named(sentences: list[str]) -> list[tuple[str, str]]:
    """Each town the notice names (巴公镇), with the first sentence naming it."""
    found: dict[str, str] = {}
    for sentence in sentences:
        for match in _TOWN.finditer(sentence):
            name = match["name"]
            if not _NOT_TOWN.match(name) and name not in found:
                found[name] = sentence
    return list(found.items())


def cite(units: list[UnitLine], campaign: Campaign, sentences: list[str]) -> tuple[list[UnitLine], list[str]]:
    """The units with the first sentence of the notice naming each (the one name matcher), and the towns the
    notice names that the list lacks."""
    index = campaign.unit_index
    first: dict[str, str] = {}
    for sentence in sentences:
        for name in index.all_in(sentence):
            first.setdefault(name, sentence)
    cited = [UnitLine(u.name, u.enterprises, u.aliases, first.get(u.name, u.sentence), u.source) for u in units]
    known = {u.name for u in units} | {stem(u.name) for u in units}
    absent = [name for name, _ in towns_named(sentences) if index.resolve(name) is None and stem(name) not in known]
    return cited, absent
