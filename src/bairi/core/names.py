"""The one matcher of unit names: which configured unit a 填报单位, a hazard's 所在镇, a file name, a mail
subject or a sender names. Built once per campaign (a province has 1,200 units) from every unit's name,
its aliases and their stems (巴公镇 → 巴公), and kept on the campaign (`campaign.unit_index`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bairi.core.form import normalize

if TYPE_CHECKING:
    from bairi.core.campaign import Campaign

# What a name may drop and still be that unit: 巴公镇 → 巴公, 泽州县 → 泽州, 西街街道 → 西街.
_STEM = re.compile(r"(镇|乡|街道|办事处|县|市|区)$")


def stem(name: str) -> str:
    """The name without its level word, when two or more characters are left (else the name itself)."""
    bare = _STEM.sub("", name)
    return bare if len(bare) >= 2 else name


class UnitIndex:
    """A campaign's unit names, aliases and stems, longest first (the campaign's order among equals)."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.exact: dict[str, str] = {}
        # Every name, alias and stem, with its unit.
        self.candidates: list[tuple[str, str]] = []
        for unit in campaign.units:
            for name in (unit.name, *unit.aliases):
                for candidate in dict.fromkeys((name, stem(name))):
                    if candidate:
                        self.exact.setdefault(candidate, unit.name)
                        self.candidates.append((candidate, unit.name))
        self.candidates.sort(key=lambda item: -len(item[0]))
        # Each candidate → (its first place in `candidates`, its unit); and their lengths, longest first.
        self.first: dict[str, tuple[int, str]] = {}
        for place, (candidate, unit_name) in enumerate(self.candidates):
            self.first.setdefault(candidate, (place, unit_name))
        self.lengths = sorted({len(c) for c in self.first}, reverse=True)

    def resolve(self, text: str) -> str | None:
        """The configured unit (or the campaign's own authority) that `text` names, or None."""
        campaign = self.campaign
        cleaned = normalize(text).strip("_＿")
        if not cleaned:
            return None
        if campaign.authority in cleaned or cleaned == campaign.authority_short or cleaned.startswith(
                campaign.authority_short + "应急"):
            return campaign.authority
        if cleaned in self.exact:
            return self.exact[cleaned]
        # The longest name contained in the text wins (南岭乡 over 南岭 when both would match), the campaign's
        # order deciding between equals: the first candidate, in that order, that the text contains.
        if len(cleaned) * len(self.lengths) > len(self.candidates):
            return next((unit for candidate, unit in self.candidates if candidate in cleaned), None)
        # A short text: look its pieces up rather than walk every name.
        for length in self.lengths:
            best: tuple[int, str] | None = None
            for start in range(len(cleaned) - length + 1):
                hit = self.first.get(cleaned[start:start + length])
                if hit is not None and (best is None or hit[0] < best[0]):
                    best = hit
            if best is not None:
                return best[1]
        return None

    def all_in(self, text: str) -> list[str]:
        """Every configured unit named in free text, longest names first, each once (in the campaign's order)."""
        cleaned = normalize(text).replace(self.campaign.authority, "")
        taken = [False] * len(cleaned)
        found: set[str] = set()
        # Longest names first, each place of the text taken once: 南岭乡 is not also 南岭. The text's pieces are
        # looked up (a file name is short; a province has thousands of names).
        for length in self.lengths:
            for start in range(len(cleaned) - length + 1):
                hit = self.first.get(cleaned[start:start + length])
                if hit is None or any(taken[start:start + length]):
                    continue
                taken[start:start + length] = [True] * length
                found.add(hit[1])
        return [unit.name for unit in self.campaign.units if unit.name in found]


def resolve_unit(text: str, campaign: Campaign) -> str | None:
    """The configured unit (or the campaign's own authority) that `text` names, or None."""
    return campaign.unit_index.resolve(text)


def towns_in(text: str, campaign: Campaign) -> list[str]:
    """Every configured unit named in free text (file names, mail subjects, folders, senders)."""
    return campaign.unit_index.all_in(text)
