"""What was sent up stays sent: a period's seal (the county workbook's sha256, every input and its receipt,
the totals, every town's figures with file and cell, the as-of day, who and when), kept in the ledger, and
the corrections a later merge finds against it, figure by figure.

A seal is never changed: a correction round is another seal that names the one it corrects. The seal is
made from the same campaign state as the workbook written in the same run, so the figures it freezes are
the figures of the file it names.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bairi.core.form import Form
from bairi.intake.ledger import Ledger, LedgerUnavailable, SealRow, open_ledger

ROWS = ("period", "cumulative")
ROW_WORDS = {"period": "本期", "cumulative": "累计"}
Number = int | Decimal | None


class SealError(Exception):
    """A seal cannot be made, read or trusted (said in Chinese; exit status 2)."""


@dataclass(frozen=True)
class SealedInput:
    """One copy received for the period when it was sealed: whose, which file, its bytes' sha256, when, and
    what became of it (counted 计入, superseded 被取代, rejected 退回, unreadable 无法读取, material 其他材料)."""

    town: str
    file: str
    name: str
    sha256: str
    received: str | None
    evidence: str
    use: str


@dataclass(frozen=True)
class SealedFigure:
    """One town's figure as it was sent up, with the file and cell it was read from."""

    town: str
    row: str
    key: str
    value: Number
    file: str
    cell: str


@dataclass(frozen=True)
class Correction:
    """A figure that differs from the seal: which town, row and key, old → new, the file and cell it now comes from."""

    town: str
    row: str
    key: str
    old: Number
    new: Number
    file: str
    cell: str


@dataclass(frozen=True)
class Seal:
    """One seal as kept in the ledger."""

    id: int
    period: str
    round: int
    corrects: int | None
    at: datetime
    as_of: date
    by: str
    workbook: str
    workbook_sha256: str
    totals: dict[str, dict[str, Number]]
    towns: dict[str, str]
    inputs: tuple[SealedInput, ...]
    figures: tuple[SealedFigure, ...]
    intact: bool = True  # False: the stored content no longer matches its digest (edited outside bairi)

    def workbook_state(self) -> str:
        """Whether the sealed workbook is still as sealed: 未改动, 已改动 or 文件不在."""
        path = Path(self.workbook)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return "文件不在"
        return "未改动" if digest == self.workbook_sha256 else "已改动"


@dataclass
class Snapshot:
    """What a seal freezes, taken from one merge (before it is stored)."""

    period: str
    as_of: date
    totals: dict[str, dict[str, Number]]
    towns: dict[str, str]
    inputs: list[SealedInput] = field(default_factory=list)
    figures: list[SealedFigure] = field(default_factory=list)


def _use(receipt: Any, standing: Any) -> str:
    if "return" not in receipt.materials:
        return "material"
    if not receipt.readable:
        return "unreadable"
    if receipt is standing.counted:
        return "counted"
    return "superseded" if receipt.accepted else "rejected"


def figures_of(merged: Any) -> list[SealedFigure]:
    """Every counted return's figures, with file and cell, in the merge's order of towns."""
    from bairi.merge.consolidate import figures

    return [SealedFigure(ret.town or "", row, key, figure.value, str(ret.file), figure.location)
            for ret, row, key, figure in figures(merged) if figure is not None]


def snapshot(merged: Any) -> Snapshot:
    """What a seal of this merge freezes: totals, every town's state and figures, every input with its receipt."""
    state = merged.state
    inputs = []
    if state is not None:
        for standing in state.of_deadline(merged.period):
            for receipt in standing.receipts:
                inputs.append(SealedInput(standing.town, receipt.source, receipt.name, receipt.sha256,
                                          receipt.received.isoformat() if receipt.received else None,
                                          receipt.evidence, _use(receipt, standing)))
    return Snapshot(merged.period, state.as_of if state is not None else date.today(),
                    {name: dict(row) for name, row in merged.totals.items()},
                    {line.town: line.code for line in merged.towns}, inputs, figures_of(merged))


# --- storage: canonical JSON, figures as exact decimal text -----------------------------------------------

def _text(value: Number) -> str | None:
    if value is None:
        return None
    return str(value) if isinstance(value, int) else format(value, "f")


_INTEGER = re.compile(r"-?\d+")


def _number(text: str | None) -> Number:
    if text is None:
        return None
    return int(text) if _INTEGER.fullmatch(text) else Decimal(text)


def _content(snap: Snapshot) -> str:
    data = {
        "period": snap.period,
        "as_of": snap.as_of.isoformat(),
        "totals": {row: {k: _text(v) for k, v in values.items()} for row, values in snap.totals.items()},
        "towns": snap.towns,
        "inputs": [vars(i) for i in snap.inputs],
        "figures": [dict(vars(f), value=_text(f.value)) for f in snap.figures],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _digest(content: str, row_fields: tuple[Any, ...]) -> str:
    text = json.dumps([*row_fields, content], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _seal_of(row: SealRow) -> Seal:
    fields = (row.period, row.sealed_at, row.as_of, row.sealed_by, row.workbook, row.workbook_sha256)
    intact = _digest(row.content, fields) == row.digest
    try:
        data = json.loads(row.content)
        totals = {name: {k: _number(v) for k, v in values.items()} for name, values in data["totals"].items()}
        inputs = tuple(SealedInput(**item) for item in data["inputs"])
        figures = tuple(SealedFigure(**dict(item, value=_number(item["value"]))) for item in data["figures"])
        towns = dict(data["towns"])
    except (ValueError, KeyError, TypeError, ArithmeticError):
        raise SealError(f"收件台账中第 {row.round} 次封存（{row.period}）的内容已损坏，无法读取") from None
    return Seal(row.id, row.period, row.round, row.corrects, datetime.fromisoformat(row.sealed_at),
                date.fromisoformat(row.as_of), row.sealed_by, row.workbook, row.workbook_sha256, totals, towns,
                inputs, figures, intact)


def store(ledger: Ledger, snap: Snapshot, at: datetime, by: str, workbook: Path, workbook_sha256: str) -> Seal:
    """Keep the snapshot as the period's next seal (round 1, or a correction naming the latest)."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    content = _content(snap)
    where = str(Path(workbook).resolve())
    fields = (snap.period, at.isoformat(), snap.as_of.isoformat(), by, where, workbook_sha256)
    row = ledger.add_seal(snap.period, at, snap.as_of, by, where, workbook_sha256, content, _digest(content, fields))
    return _seal_of(row)


def seals_in(path: Path, period: str | None = None) -> list[Seal]:
    """The seals kept in the ledger at `path` (none when there is no ledger)."""
    if not Path(path).is_file():
        return []
    try:
        with open_ledger(path) as ledger:
            return [_seal_of(row) for row in ledger.seals(period)]
    except LedgerUnavailable as exc:
        raise SealError(f"收件台账 {path} 无法读取（{exc}），不能确认该报告期是否已封存") from None


def latest(seals: list[Seal], period: str) -> Seal | None:
    """The last seal of the period: what the city holds now."""
    found = [s for s in seals if s.period == period]
    return max(found, key=lambda s: s.round) if found else None


# --- what changed since ------------------------------------------------------------------------------------

def corrections(seal: Seal, figures: list[SealedFigure], towns: list[str], form: Form) -> list[Correction]:
    """Every figure that differs from the seal, town by town in the campaign's order, then row and `form`'s column.

    A town counted now but not then has each of its figures as new (old None); a town counted then and
    not now (its copy sent back since) has each as gone (new None), naming the file it came from.
    """
    old = {(f.town, f.row, f.key): f for f in seal.figures}
    new = {(f.town, f.row, f.key): f for f in figures}
    keys = list(form.keys) + sorted({k for _, _, k in old} - set(form.keys))
    order = list(towns) + sorted({t for t, _, _ in (*old, *new)} - set(towns))
    out = []
    for town in order:
        for row in ROWS:
            for key in keys:
                before, after = old.get((town, row, key)), new.get((town, row, key))
                was = before.value if before else None
                now = after.value if after else None
                if was == now:
                    continue  # the same figure, or a blank cell that came or went: nothing the city holds changed
                where = after or before
                assert where is not None
                out.append(Correction(town, row, key, was, now, where.file, where.cell))
    return out


def changed_totals(seal: Seal, totals: dict[str, dict[str, Number]], form: Form) -> list[tuple[str, str, Number, Number]]:
    """The county totals that differ from the seal: (row, key, sealed, now), in `form`'s order of columns."""
    out = []
    for row in ROWS:
        name = f"{row}_row"
        sealed, now = seal.totals.get(name, {}), totals.get(name, {})
        for key in list(form.keys) + sorted(set(sealed) - set(form.keys)):
            if sealed.get(key) != now.get(key):
                out.append((row, key, sealed.get(key), now.get(key)))
    return out


@dataclass
class Review:
    """A merge of a sealed period: the latest seal and every figure changed since."""

    seal: Seal
    corrections: list[Correction]


def review(ledger_file: Path, merged: Any) -> Review | None:
    """The merge against the latest seal of its period, or None when the period was never sealed."""
    seal = latest(seals_in(ledger_file, merged.period), merged.period)
    if seal is None:
        return None
    towns = [line.town for line in merged.towns]
    return Review(seal, corrections(seal, figures_of(merged), towns, merged.form))


def sealed_workbook(seals: list[Seal], output: Path) -> Seal | None:
    """The seal whose workbook `output` is (by path, or by its bytes), if any: it must never be written over."""
    target = Path(output)
    try:
        resolved = str(target.resolve())
    except OSError:
        resolved = str(target)
    digest = None
    if target.is_file():
        try:
            digest = hashlib.sha256(target.read_bytes()).hexdigest()
        except OSError:
            digest = None
    return next((s for s in seals if s.workbook == resolved or s.workbook_sha256 == digest), None)


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def protect(path: Path) -> None:
    """Make the sealed workbook read-only, so that Excel or WPS opens it read-only instead of saving over it."""
    import os
    import stat

    try:
        mode = Path(path).stat().st_mode
        os.chmod(path, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    except OSError:
        pass  # a folder that keeps no permissions (a FAT stick): the seal's sha256 still tells any change
