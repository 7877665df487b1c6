"""The major-hazard register (重大隐患台账): every hazard followed from month to month until it is rectified.

Plain inputs in, a register out: `build_register` takes one `Sighting` per town and period (the checked
return the county counts), the campaign, the day that counts as today and what the clerk kept in the
previous register, and never reads a file. The rules, in the order they apply:

- A hazard row is matched to an entry of the same town by enterprise (names normalised) and by the
  similarity of its detail; a match that is not sure is still made but is a finding (H801) until the
  clerk confirms or rejects it in the register's 匹配确认 column. A rejected match is split for good.
- An entry is rectified when a row says so (已整改, 整改完毕, 已销号…, not 未整改/整改中), when it drops
  off a later list while the town's 累计 已整改 rises by at least as much, or when the clerk has written
  a 销号日期 or a 核查结果 that says so. Dropping off otherwise is a finding (H803), and it stays open.
- Each entry's rectification day, overdue, rectified day and late days come from the one rule in
  `hazards/rule.py` (read by every command).
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, Severity, finding
from bairi.core.model import Hazard, Return
from bairi.hazards.entries import (
    STATUS_LABELS,
    Entry,
    PreviousEntry,
    PreviousRegister,
    Register,
    Seen,
    Sighting,
)
from bairi.hazards.rule import apply_rule
from bairi.hazards.text import (
    clerk_closed,
    detail_key,
    detail_similarity,
    enterprise_key,
    says_rectified,
    stated_deadline,
    without_region,
)

if TYPE_CHECKING:
    pass

# A detail this similar (0..1, see `detail_similarity`) to an entry of the same enterprise is the same hazard.
SURE = 0.7
# Down to this, or a slightly different enterprise name with a detail at least CLOSE_DETAIL alike, the match
# is made but is a finding until the clerk confirms it.
MAYBE = 0.4
CLOSE_NAME = 0.75
CLOSE_DETAIL = 0.8
# Two candidates whose scores are closer than this are a guess between them, not a sure match.
MARGIN = 0.05


# --- matching -------------------------------------------------------------------------------------

@dataclass
class _Town:
    """One town's sightings and entries while the register is built."""

    name: str
    sightings: list[Sighting]
    unsafe_regions: set[str]
    entries: list[Entry] = field(default_factory=list)


def _sighting_key(town: str, period: str, hazard: Hazard, seen: dict[str, int]) -> str:
    base = f"{town}|{period}|{enterprise_key(hazard.enterprise)}|{detail_key(hazard.detail)}"
    count = seen.get(base, 0)
    seen[base] = count + 1
    return hashlib.sha1(f"{base}|{count}".encode()).hexdigest()[:12]


def _unsafe_regions(sightings: list[Sighting]) -> set[str]:
    """Names that differ only by a region prefix but stand side by side in one return: two enterprises."""
    unsafe: set[str] = set()
    for sighting in sightings:
        forms: dict[str, set[str]] = {}
        for hazard in sighting.ret.hazards:
            key = enterprise_key(hazard.enterprise)
            forms.setdefault(without_region(key), set()).add(key)
        unsafe.update(short for short, full in forms.items() if len(full) > 1)
    return unsafe


def _names(a: str, b: str, unsafe: set[str]) -> str:
    """same, region (alike but for 山西/晋城… where that is safe), close, or ""."""
    return _keys_alike(enterprise_key(a), enterprise_key(b), unsafe)


def _keys_alike(x: str, y: str, unsafe: set[str]) -> str:
    """`_names` of two names already normalised by `enterprise_key`."""
    if x == y:
        return "same"
    if not x or not y:
        return ""
    short = without_region(x)
    if short == without_region(y):
        # Two enterprises listed side by side under these spellings are never one by a looser measure either.
        return "" if short in unsafe else "region"
    return "close" if SequenceMatcher(None, x, y, autojunk=False).ratio() >= CLOSE_NAME else ""


class _Names:
    """One town's enterprise names, normalised once, and which of them are alike, found without comparing every pair.

    A name is alike another when it is the same, the same but for a region prefix, or close (difflib's ratio at
    least CLOSE_NAME). The first two are looked up by key. For the third, ratio >= r means the names share at
    least r/2·(len x + len y) characters, hence at least a known share of the shorter; a set-similarity prefix
    filter (each name indexed by its rarest characters, as many as that share allows to differ) finds every pair
    that can reach it, and only those are compared. The answer is the same as comparing all pairs.
    """

    def __init__(self, names: Iterable[str], unsafe: set[str]) -> None:
        self.unsafe = unsafe
        self.keys: dict[str, str] = {}
        counts: dict[tuple[str, int], int] = {}
        for name in names:
            if name not in self.keys:
                key = self.keys[name] = enterprise_key(name)
                for token in set(self._tokens(key)):
                    counts[token] = counts.get(token, 0) + 1
        # The global order of the prefix filter: rarest token first (then by the token, to be deterministic).
        self.rank = {t: i for i, t in enumerate(sorted(counts, key=lambda t: (counts[t], t)))}
        self.by_key: dict[str, set[int]] = {}  # a key → the entries that have a row under it
        self.by_short: dict[str, set[str]] = {}  # a key without its region prefix → the keys
        self.postings: dict[tuple[str, int], list[str]] = {}
        self.relation: dict[tuple[str, str], str] = {}
        self.similar: dict[tuple[str, str], float] = {}
        self.token_sets: dict[str, set[tuple[str, int]]] = {}
        self.detail_counts: dict[str, Counter[str]] = {}
        self.shorts: dict[str, str] = {}

    @staticmethod
    def _tokens(key: str) -> list[tuple[str, int]]:
        """A name's characters as a set: the k-th repeat of a character is its own token (multiset overlap)."""
        seen: dict[str, int] = {}
        tokens = []
        for char in key:
            seen[char] = seen.get(char, 0) + 1
            tokens.append((char, seen[char]))
        return tokens

    def _token_set(self, key: str) -> set[tuple[str, int]]:
        found = self.token_sets.get(key)
        if found is None:
            found = self.token_sets[key] = set(self._tokens(key))
        return found

    def _prefix(self, key: str) -> list[tuple[str, int]]:
        # Close names share at least r/(2-r) of either one's characters: 2M >= r(x+y) with M <= y gives
        # y >= r/(2-r)·x, so M >= r/2·(x + r/(2-r)·x) = r/(2-r)·x (0.6 for CLOSE_NAME 0.75). Rounded down: safe.
        least = max(1, int(CLOSE_NAME / (2 - CLOSE_NAME) * len(key)))
        tokens = sorted(self._tokens(key), key=lambda t: self.rank.get(t, -1))
        return tokens[:len(key) - least + 1]

    def add(self, name: str, entry: int) -> None:
        """Entry `entry` has a row under this enterprise name."""
        key = self.key(name)
        if key not in self.by_key:
            self.by_key[key] = set()
            self.by_short.setdefault(self.short(key), set()).add(key)
            for token in self._prefix(key):
                self.postings.setdefault(token, []).append(key)
        self.by_key[key].add(entry)

    def short(self, key: str) -> str:
        """The key without its region prefix (computed once)."""
        found = self.shorts.get(key)
        if found is None:
            found = self.shorts[key] = without_region(key)
        return found

    def key(self, name: str) -> str:
        """The name normalised (computed once)."""
        key = self.keys.get(name)
        if key is None:
            key = self.keys[name] = enterprise_key(name)
        return key

    def alike(self, x: str, y: str) -> str:
        """`_keys_alike` of two keys, each pair worked out once."""
        found = self.relation.get((x, y))
        if found is None:
            if x != y and x and y and self.short(x) != self.short(y) and 2.0 * len(
                    self._token_set(x) & self._token_set(y)) / (len(x) + len(y)) < CLOSE_NAME:
                # difflib's ratio counts matching characters, never more than the names share: it cannot reach
                # CLOSE_NAME either, and the pair is not compared.
                found = ""
            else:
                found = _keys_alike(x, y, self.unsafe)
            self.relation[x, y] = found
        return found

    def candidates(self, name: str) -> set[int]:
        """Every entry with a row whose enterprise name may be alike this one (a superset; `alike` decides)."""
        key = self.key(name)
        keys = {key} | (self.by_short.get(self.short(key), set()) if key else set())
        if key:
            for token in self._prefix(key):
                keys.update(self.postings.get(token, ()))
        found: set[int] = set()
        for other in keys:
            if other in self.by_key and self.alike(other, key):
                found |= self.by_key[other]
        return found

    def detail(self, a: str, b: str, least: float) -> float:
        """`detail_similarity` when it may reach `least`, else 0 (each pair worked out once)."""
        found = self.similar.get((a, b))
        if found is None:
            x, y = self._detail_counts(a), self._detail_counts(b)
            lx, ly = x.total(), y.total()
            if lx and ly:
                # Both of difflib's measures count matching characters, never more than the details share.
                shared = (x & y).total()
                bound = max(2.0 * shared / (lx + ly), 0.95 * shared / min(lx, ly) if min(lx, ly) >= 12 else 0.0)
                if round(bound, 3) < least:
                    return 0.0
            found = self.similar[a, b] = detail_similarity(a, b)
        return found

    def _detail_counts(self, text: str) -> Counter[str]:
        found = self.detail_counts.get(text)
        if found is None:
            found = self.detail_counts[text] = Counter(detail_key(text))
        return found


def _score(entry: Entry, hazard: Hazard, names: _Names) -> tuple[str, float]:
    """(sure / maybe / "", similarity) of a row against an entry's rows."""
    best = ("", 0.0)
    key = names.key(hazard.enterprise)
    for seen in entry.seen:
        alike_names = names.alike(names.key(seen.hazard.enterprise), key)
        if not alike_names:
            continue
        names_kind = alike_names
        alike = names.detail(seen.hazard.detail, hazard.detail, MAYBE if names_kind in ("same", "region") else CLOSE_DETAIL)
        if names_kind in ("same", "region") and alike >= SURE:
            level = "sure"
        elif (names_kind in ("same", "region") and alike >= MAYBE) or (names_kind == "close" and alike >= CLOSE_DETAIL):
            level = "maybe"
        else:
            continue
        rank = {"sure": 2, "maybe": 1}
        if (rank[level], alike) > (rank.get(best[0], 0), best[1]):
            best = (level, alike)
    return best


def _pairs_of(keys: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for a, b in itertools.pairwise(keys)]


def _rejected_pairs(row: PreviousEntry) -> list[tuple[str, str]]:
    """The links a 否定 in 匹配确认 undoes: the unsure ones; all of them only when none was unsure and none undone yet.

    Once split, the word stays in the column (the clerk's), but it does not undo the sure links that come later.
    """
    if row.decision != "rejected":
        return []
    if row.fuzzy:
        return list(row.fuzzy)
    return [] if row.apart else _pairs_of(row.keys)


def _apart(previous: PreviousRegister | None) -> set[frozenset[str]]:
    """Pairs of sightings the clerk has said are not the same hazard."""
    found: set[frozenset[str]] = set()
    for entry in previous.entries if previous else []:
        found.update(frozenset(p) for p in entry.apart + _rejected_pairs(entry))
    return found


def _confirmed(previous: PreviousRegister | None) -> set[frozenset[str]]:
    found: set[frozenset[str]] = set()
    for entry in previous.entries if previous else []:
        if entry.decision == "confirmed":
            found.update(frozenset(p) for p in entry.fuzzy)
    return found


def _seen(sighting: Sighting, hazard: Hazard, keys: dict[str, int]) -> Seen:
    return Seen(_sighting_key(sighting.town, sighting.period, hazard, keys), sighting.period, sighting.file,
                sighting.received, hazard, says_rectified(hazard.detail), stated_deadline(hazard.detail, sighting.period))


def _where(seen: Seen) -> str:
    return f"{seen.file} {seen.hazard.location}"


def _follow(town: _Town, apart: set[frozenset[str]], sure_pairs: set[frozenset[str]]) -> list[tuple[Entry, Seen, float]]:
    """Match each month's rows to the town's entries (best pairs first); the rest become new entries.

    Returns the matches that are not sure (a weak score, or a rival within MARGIN), each a finding-to-be.
    """
    unsure: list[tuple[Entry, Seen, float]] = []
    # Only entries whose enterprise name is alike a row's are scored against it: the town's names are indexed,
    # so a month of N rows costs about N log N, not N × entries (see _Names).
    names = _Names((h.enterprise for s in town.sightings for h in s.ret.hazards), town.unsafe_regions)
    for sighting in town.sightings:
        keys: dict[str, int] = {}
        rows = [_seen(sighting, hazard, keys) for hazard in sighting.ret.hazards]
        scores: dict[tuple[int, int], tuple[int, float]] = {}
        by_row: dict[int, list[int]] = {}
        by_entry: dict[int, list[int]] = {}
        for r, row in enumerate(rows):
            for e in sorted(names.candidates(row.hazard.enterprise)):
                entry = town.entries[e]
                if any(s.period == sighting.period for s in entry.seen):
                    continue
                if any(frozenset((s.key, row.key)) in apart for s in entry.seen):
                    continue
                kind, alike = _score(entry, row.hazard, names)
                if kind:
                    scores[r, e] = (2 if kind == "sure" else 1, alike)
                    by_row.setdefault(r, []).append(e)
                    by_entry.setdefault(e, []).append(r)
        taken_rows: set[int] = set()
        taken_entries: set[int] = set()
        for (r, e), (level, alike) in sorted(scores.items(), key=lambda item: (-item[1][0], -item[1][1], item[0])):
            if r in taken_rows or e in taken_entries:
                continue
            # A rival shares the row or the entry (not both), is still free, and scores within MARGIN at this level.
            rivals = any(scores[r, e2][0] == level and alike - scores[r, e2][1] < MARGIN
                         for e2 in by_row[r] if e2 != e and e2 not in taken_entries) or any(
                scores[r2, e][0] == level and alike - scores[r2, e][1] < MARGIN
                for r2 in by_entry[e] if r2 != r and r2 not in taken_rows)
            taken_rows.add(r)
            taken_entries.add(e)
            entry, row = town.entries[e], rows[r]
            link = (entry.seen[-1].key, row.key)
            if level == 1 or rivals:
                # Kept even once confirmed: the register remembers which links the clerk has looked at.
                entry.fuzzy.append(link)
                if frozenset(link) not in sure_pairs:
                    unsure.append((entry, row, alike))
            entry.seen.append(row)
            names.add(row.hazard.enterprise, e)
        for r, row in enumerate(rows):
            if r not in taken_rows:
                town.entries.append(Entry(id="", town=town.name, seen=[row]))
                names.add(row.hazard.enterprise, len(town.entries) - 1)
    return unsure


# --- status ----------------------------------------------------------------------------------------

def lists_hazards(ret: Return) -> bool:
    """True when the return says which hazards remain: it has the 重大隐患明细 table, and a rejected one lists some.

    A rejected return's empty list (a blank template sent back, say) is no evidence that hazards went away.
    """
    if any(f.code in ("W210", "E204") for f in ret.findings):
        return False
    return ret.ok or bool(ret.hazards)


def _figure(ret: Return, key: str) -> int | None:
    """A 累计 figure, or None when it was not read exactly (an error at its cell)."""
    cells = ret.cumulative_row or {}
    figure = cells.get(key)
    if figure is None or figure.value is None:
        return None
    if any(f.location == figure.location and f.severity is Severity.ERROR for f in ret.findings):
        return None
    return int(figure.value)


def _settle(town: _Town, entries: list[Entry], out: list[Finding]) -> None:
    """Rectified from the rows' text, then from rows that drop off while 已整改 rises; the rest that drop off are flagged."""
    for entry in entries:
        for seen in entry.seen:
            if seen.rectified:
                entry.status, entry.rectified_in, entry.basis = "rectified", seen.period, "text"
                break
    order = [s.period for s in town.sightings]
    for before, after in zip(town.sightings, town.sightings[1:]):
        dropped = [e for e in entries if e.last_period == before.period and e.status == "open"]
        if not dropped:
            continue
        fixed_before, fixed_after = _figure(before.ret, "major_fixed"), _figure(after.ret, "major_fixed")
        explained = sum(1 for e in entries if e.rectified_in == after.period and before.period in e.periods)
        if fixed_before is not None and fixed_after is not None and fixed_after - fixed_before - explained >= len(dropped):
            for entry in dropped:
                entry.status, entry.rectified_in, entry.basis = "rectified", after.period, "count"
                out.append(finding("H804", f"{after.file} {_fixed_cell(after.ret)}", town=town.name,
                                   enterprise=entry.enterprise, id=entry.id, period=after.period,
                                   before=fixed_before, after=fixed_after, prev_period=before.period))
            continue
        for entry in dropped:
            entry.vanished_from = after.period
    # The town's own latest 累计 says every major hazard is rectified (排查 = 已整改), and it lists no more rows
    # than that: whatever its rows still show as open is rectified too, on that figure.
    latest = town.sightings[-1]
    found, fixed = _figure(latest.ret, "major_found"), _figure(latest.ret, "major_fixed")
    listed = [e for e in entries if e.last_period == latest.period and e.status == "open"]
    if listed and found is not None and found == fixed and len(listed) <= found:
        for entry in listed:
            entry.status, entry.rectified_in, entry.basis = "rectified", latest.period, "total"
    for entry in entries:
        if entry.vanished_from and entry.status == "open":
            later = order[order.index(entry.vanished_from):]
            out.append(finding("H803", _where(entry.seen[-1]), town=town.name, enterprise=entry.enterprise,
                               id=entry.id, last=entry.last_period, periods="、".join(later)))


def _fixed_cell(ret: Return) -> str:
    cells = ret.cumulative_row or {}
    figure = cells.get("major_fixed")
    return figure.location if figure else ""


def _describe(entry: Entry) -> None:
    """The entry's fields from its latest row; a field left blank there keeps the last value written."""
    for key in ("enterprise", "category", "supervisor", "detail"):
        for seen in reversed(entry.seen):
            value = getattr(seen.hazard, key)
            if value:
                setattr(entry, key, value)
                break


def _assign_ids(entries: list[Entry], previous: PreviousRegister | None, out: list[Finding]) -> list[PreviousEntry]:
    """Each entry takes the id and clerk's columns of the previous row it grew from; returns the rows left over."""
    rows = list(previous.entries) if previous else []
    used: set[int] = set()
    by_key: dict[str, int] = {}
    for index, row in enumerate(rows):
        for key in row.keys:
            by_key.setdefault(key, index)
    for entry in entries:
        hits = [by_key[k] for k in entry.keys if k in by_key and by_key[k] not in used]
        if hits:
            # The row sharing most of its sightings; on a tie, the one that holds its earliest.
            index = max(dict.fromkeys(hits), key=hits.count)
            used.add(index)
            _adopt(entry, rows[index])
    # Rows the clerk keeps for hazards whose first sighting changed: the same town, enterprise and detail.
    for entry in entries:
        if entry.id:
            continue
        for index, row in enumerate(rows):
            if index in used or row.row.get("town") != entry.town:
                continue
            if enterprise_key(str(row.row.get("enterprise") or "")) == enterprise_key(entry.enterprise) and \
                    detail_similarity(str(row.row.get("detail") or ""), entry.detail) >= SURE:
                used.add(index)
                _adopt(entry, row)
                break
    taken = {e.id for e in entries if e.id} | {r.id for i, r in enumerate(rows) if i not in used and r.id}
    for entry in entries:
        if not entry.id and entry.first_period:
            stem = f"{entry.town}{entry.first_period[2:4]}{entry.first_period[5:]}-"
            number = 1
            while f"{stem}{number:02d}" in taken:
                number += 1
            entry.id = f"{stem}{number:02d}"
            taken.add(entry.id)
    return [row for index, row in enumerate(rows) if index not in used]


def _adopt(entry: Entry, row: PreviousEntry) -> None:
    entry.id = row.id
    entry.clerk = dict(row.clerk)
    entry.apart = list(row.apart)
    entry.apart += [p for p in _rejected_pairs(row) if p not in entry.apart]


def _carried(row: PreviousEntry, as_of: date, out: list[Finding]) -> Entry:
    """A row of the previous register whose hazard is not in this run's inputs: kept as it was."""
    data = row.row
    periods = [p for p in str(data.get("periods") or "").split(",") if p]
    deadline = data.get("deadline")
    if isinstance(deadline, datetime):
        deadline = deadline.date()
    entry = Entry(id=row.id, town=str(data.get("town") or ""), enterprise=str(data.get("enterprise") or ""),
                  category=str(data.get("category") or ""), supervisor=str(data.get("supervisor") or ""),
                  detail=str(data.get("detail") or ""), clerk=dict(row.clerk), carried=True,
                  carried_periods=periods, apart=list(row.apart),
                  deadline=deadline if isinstance(deadline, date) else None,
                  status="rectified" if str(data.get("status") or "") == STATUS_LABELS["rectified"] else "open")
    if entry.status == "open" and clerk_closed(entry.clerk, as_of):
        entry.status = "rectified"
    entry.basis = "clerk" if entry.status == "rectified" else ""
    out.append(finding("H807", row.location, id=row.id or "（无编号）", town=entry.town, enterprise=entry.enterprise))
    return entry


def _consistency(town: _Town, entries: list[Entry], out: list[Finding]) -> None:
    latest = town.sightings[-1]
    found, fixed = _figure(latest.ret, "major_found"), _figure(latest.ret, "major_fixed")
    if found is None or fixed is None:
        return
    still = sum(1 for e in entries if e.status == "open")
    if still != found - fixed:
        cell = (latest.ret.cumulative_row or {})["major_found"].location
        out.append(finding("H805", f"{latest.file} {cell}", town=town.name, open=still, period=latest.period,
                           found=found, fixed=fixed, expected=found - fixed))


def build_register(sightings: Iterable[Sighting], campaign: Campaign, as_of: date,
                   previous: PreviousRegister | None = None) -> Register:
    """The register as of `as_of` from every town's returns (one sighting per town and period)."""
    out: list[Finding] = []
    grouped: dict[str, list[Sighting]] = {}
    for sighting in sightings:
        grouped.setdefault(sighting.town, []).append(sighting)
    order = {unit.name: index for index, unit in enumerate(campaign.units)}
    apart, sure_pairs = _apart(previous), _confirmed(previous)
    towns: list[_Town] = []
    unsure: list[tuple[Entry, Seen, float]] = []
    for name in sorted(grouped, key=lambda t: (order.get(t, len(order)), t)):
        # A return without its 重大隐患明细 table says nothing about which hazards remain.
        chosen = sorted((s for s in grouped[name] if lists_hazards(s.ret)), key=lambda s: s.period)
        if not chosen:
            continue
        town = _Town(name, chosen, _unsafe_regions(chosen))
        for sighting in chosen:
            if not sighting.accepted:
                out.append(finding("H806", sighting.file, town=name, period=sighting.period))
        unsure += _follow(town, apart, sure_pairs)
        towns.append(town)
    entries = [entry for town in towns for entry in town.entries]
    for entry in entries:
        _describe(entry)
    left = _assign_ids(entries, previous, out)
    for entry, row, alike in unsure:
        before = entry.seen[entry.seen.index(row) - 1]
        out.append(finding("H801", _where(row), town=entry.town, period=row.period, enterprise=row.hazard.enterprise,
                           prev_period=before.period, prev_enterprise=before.hazard.enterprise,
                           score=f"{alike:.2f}", id=entry.id))
    for town in towns:
        _settle(town, town.entries, out)
        for entry in town.entries:
            if entry.status == "open" and clerk_closed(entry.clerk, as_of):
                entry.status, entry.basis, entry.rectified_in = "rectified", "clerk", None
                entry.vanished_from = None
        _consistency(town, town.entries, out)
    for entry in entries:
        names = []
        for seen in entry.seen:
            if seen.hazard.enterprise and seen.hazard.enterprise not in names:
                names.append(seen.hazard.enterprise)
        if len(names) > 1:
            out.append(finding("H802", _where(entry.seen[-1]), id=entry.id, town=entry.town, names="”“".join(names)))
    entries += [_carried(row, as_of, out) for row in left]
    accepted = {(town.name, s.period) for town in towns for s in town.sightings if s.accepted}
    for entry in entries:
        apply_rule(entry, campaign, as_of, accepted, out)
    entries.sort(key=lambda e: (order.get(e.town, len(order)), e.town, e.first_period or "", e.id))
    return Register(as_of, [p.period for p in campaign.periods], entries, out)
