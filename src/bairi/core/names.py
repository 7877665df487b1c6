"""Towns named in free text (file names, mail subjects, folders, senders): the matcher for receipts."""

from __future__ import annotations

import re

from bairi.core.campaign import Campaign
from bairi.core.form import normalize


def towns_in(text: str, campaign: Campaign) -> list[str]:
    """Every configured town named in free text, longest names first, each once (config order)."""
    cleaned = normalize(text).replace(campaign.authority, "")
    names: list[tuple[str, str]] = []
    for unit in campaign.units:
        for name in (unit.name, *unit.aliases):
            names.append((name, unit.name))
            stem = re.sub(r"(镇|乡|街道|办事处)$", "", name)
            if len(stem) >= 2 and stem != name:
                names.append((stem, unit.name))
    names.sort(key=lambda pair: -len(pair[0]))
    taken = [False] * len(cleaned)
    found: set[str] = set()
    for name, town in names:
        start = cleaned.find(name)
        while start >= 0:
            span = range(start, start + len(name))
            if not any(taken[i] for i in span):
                for i in span:
                    taken[i] = True
                found.add(town)
            start = cleaned.find(name, start + 1)
    return [unit.name for unit in campaign.units if unit.name in found]
