"""The county's return for the city: merged, written (the city's form filled when one is given), and sealed.

`merge` and `seal` write the county workbook the same way; `seal` then freezes it in the ledger. Here, not in the
command, because the write, the seal and the 更正说明 must happen in one order whichever command asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bairi.core.findings import Finding
from bairi.merge.seal import Review, Seal


class SendupError(Exception):
    """The county return cannot be merged, written or sealed as asked (said in Chinese; exit 2)."""


@dataclass
class CountyMerge:
    """What `merge` wrote: the merge, its review against the period's seal, the workbook's own findings, the
    更正说明 text (when figures changed since the seal)."""

    merged: Any
    found: Review | None
    own: list[Finding] = field(default_factory=list)
    text: Path | None = None


@dataclass
class Sealing:
    """What `seal` did: the merge, its review against the previous seal, the new seal (None when nothing changed
    since the previous one, so nothing was sealed) and the 更正说明 text."""

    merged: Any
    found: Review | None
    made: Seal | None = None
    text: Path | None = None


def filler_of(filler: str | None, campaign: Any) -> str:
    """Who fills the county workbook: --filler, else the config's filler, else its first contact."""
    return filler or campaign.filler or next(iter(campaign.contact.people), "")


def troubled(merged: Any) -> bool:
    """Whether the merge left something for the clerk (a return sent back, a figure to verify): exit 1."""
    return bool(merged.rejected or any(line.code == "to_verify" for line in merged.towns))


def city_form(form: Path | None, merged: Any, campaign: Any, filler: str, day: date) -> Any:
    """The city's template filled (None for the notice's form): --form, else the config's `form`."""
    chosen = form or (Path(campaign.form) if campaign.form and Path(campaign.form).suffix.lower() != ".toml" else None)
    if chosen is None:
        return None
    from bairi.write.city_form import TemplateProblem, fill_template

    if not chosen.is_file():
        raise SendupError(f"市局模板不存在：{chosen}")
    try:
        return fill_template(chosen, merged, campaign, filler, day)
    except TemplateProblem as exc:
        raise SendupError(str(exc)) from None


def against_seal(ledger_file: Path, merged: Any, output: Path) -> Review | None:
    """The merge against its period's latest seal (None when never sealed); a sealed workbook is never written over."""
    from bairi.merge.seal import SealError, review, sealed_workbook, seals_in

    try:
        kept = sealed_workbook(seals_in(ledger_file), output)
        if kept is not None:
            raise SendupError(f"{output} 是 {kept.period} 第 {kept.round} 次封存上报的汇总表，不能覆盖；"
                              f"请另用一个文件名，如 {output.stem}_更正{output.suffix}")
        return review(ledger_file, merged)
    except SealError as exc:
        raise SendupError(str(exc)) from None


def write_county(output: Path, merged: Any, campaign: Any, filler: str, day: date, found: Review | None,
                 form: Path | None) -> list[Finding]:
    """Write the county workbook (with the seal's note and 更正说明 sheet when figures changed); its own findings."""
    from bairi.present import corrections as fixes
    from bairi.write.county import write_merged

    notes, extra = fixes.merge_parts(found, campaign.authority, merged.totals)
    return write_merged(output, merged, campaign, filler, day, notes, extra, city_form(form, merged, campaign, filler, day))


def _consolidated(state: Any, period: str | None) -> Any:
    from bairi.merge.consolidate import MergeRefused, consolidate

    try:
        return consolidate(state, period)
    except MergeRefused as exc:
        raise SendupError(str(exc)) from None


def _unwritable(exc: OSError, output: Path) -> SendupError:
    return SendupError(f"无法写出 {exc.filename or output}：{exc.strerror or exc}")


def merge_county(state: Any, period: str | None, campaign: Any, output: Path, ledger_file: Path, filler: str | None,
                 form: Path | None, csv: Path | None) -> CountyMerge:
    """Merge the period and write the county workbook (and the 更正说明 text, the tidy CSV) — `bairi merge`."""
    from bairi.merge.consolidate import write_tidy
    from bairi.present import corrections as fixes

    try:
        merged = _consolidated(state, period)
        # A sealed period is merged as before, but against its seal: what changed is said, never silently sent.
        found = against_seal(ledger_file, merged, output)
        own = write_county(output, merged, campaign, filler_of(filler, campaign), state.as_of, found, form)
        text = None
        if found is not None and found.corrections:
            text = fixes.write_text(output, found, campaign.authority, merged.totals)
        if csv is not None:
            write_tidy(csv, merged)
    except OSError as exc:
        raise _unwritable(exc, output) from None
    return CountyMerge(merged, found, own, text)


def merge_document(result: CountyMerge, output: Path, csv: Path | None) -> dict[str, Any]:
    """The `bairi merge` JSON, with the seal and its corrections when the period was sealed."""
    from bairi.present import corrections as fixes
    from bairi.present.report import merge_dict

    found = result.found
    sealed = {"sealed": fixes.sealed_dict(found.seal), "corrections_text": str(result.text) if result.text else None,
              "corrections": [fixes.correction_dict(c) for c in found.corrections]} if found else {}
    return merge_dict(result.merged, output, csv, result.own) | sealed


def seal_county(state: Any, period: str | None, campaign: Any, output: Path, ledger_file: Path, filler: str | None,
                by: str | None, form: Path | None, now: datetime) -> Sealing:
    """Merge the period, write the county workbook and seal it in the ledger at `now` — `bairi seal`."""
    from bairi.core.calendar import zone
    from bairi.intake.ledger import LedgerUnavailable, open_ledger
    from bairi.merge import seal as seals
    from bairi.present import corrections as fixes

    merged = _consolidated(state, period)
    found = against_seal(ledger_file, merged, output)
    if found is not None and not found.corrections:
        return Sealing(merged, found)
    who = filler_of(filler, campaign)
    try:
        write_county(output, merged, campaign, who, state.as_of, found, form)
        digest = seals.file_sha256(output)
    except OSError as exc:
        raise _unwritable(exc, output) from None
    try:
        with open_ledger(ledger_file) as book:
            made = seals.store(book, seals.snapshot(merged), now.astimezone(zone(campaign)), by or who, output, digest)
    except LedgerUnavailable as exc:
        raise SendupError(f"汇总表已写出 {output}，但未能封存：收件台账 {ledger_file} 无法写入（{exc}）") from None
    text = fixes.write_text(output, found, campaign.authority, merged.totals) if found is not None else None
    seals.protect(output)
    return Sealing(merged, found, made, text)


def seal_message(sealing: Sealing, period: str | None, output: Path) -> str:
    """The one line `seal` says: sealed (and what to send the city), or nothing changed since the last seal."""
    from bairi.present import corrections as fixes

    if sealing.made is None:
        assert sealing.found is not None  # nothing sealed only when a seal exists and nothing changed
        return f"{period} 与{fixes.seal_words(sealing.found.seal)}相比没有任何数字变化，未再封存。"
    return f"已封存 {period}：{fixes.seal_words(sealing.made)}；请将 {output} 报送市局" + (
        f"，并附更正说明 {sealing.text}" if sealing.text else "") + "。"


def seal_document(sealing: Sealing, message: str) -> Any:
    """The `bairi seal` JSON for what was done."""
    from bairi.present import corrections as fixes

    if sealing.made is None:
        assert sealing.found is not None
        return fixes.seal_document(sealing.found.seal, False, [], message)
    return fixes.seal_document(sealing.made, True, sealing.found.corrections if sealing.found else [], message)


def show_sealing(console: Any, sealing: Sealing, message: str) -> None:
    """`bairi seal` on the terminal: the previous seal's changes, the message, the sealed figures."""
    from bairi.present import corrections as fixes

    if sealing.made is None:
        console.print(message, markup=False)
        return
    if sealing.found is not None:
        fixes.show_seal_state(console, sealing.found.seal, sealing.found.corrections)
    console.print(message, markup=False)
    for line in fixes.sealed_lines(sealing.merged):
        console.print(line, markup=False)


def show_county_merge(console: Any, result: CountyMerge, output: Path, csv: Path | None) -> None:
    """`bairi merge` on the terminal: the merge, then the seal's state and the 更正说明 written."""
    from bairi.present import corrections as fixes
    from bairi.present.report import show_merge

    show_merge(console, result.merged, output, result.own, csv)
    if result.found is not None:
        fixes.show_seal_state(console, result.found.seal, result.found.corrections)
        if result.text is not None:
            console.print(f"更正说明已写出：{result.text}（汇总表中另有“{fixes.SHEET}”工作表）", markup=False)


def listed_seals(ledger_file: Path, periods: set[str]) -> list[Seal]:
    """The seals kept in the ledger, of the given periods only when any are given (`seal --list`)."""
    from bairi.merge.seal import SealError, seals_in

    try:
        return [s for s in seals_in(ledger_file) if not periods or s.period in periods]
    except SealError as exc:
        raise SendupError(str(exc)) from None


def list_ledger(where: list[Path], ledger: Path | None, home: Any) -> Path | None:
    """The ledger `seal --list` reads: --ledger, else the home's, else the first folder's; None when none is named."""
    from bairi.intake.ledger import LEDGER_NAME, ledger_path

    if ledger is not None:
        return ledger
    if home is not None:
        return home.outbox / LEDGER_NAME
    return ledger_path(where) if where else None
