"""The campaign state of what a command reads: its logbook loaded, its inputs gathered once, the state built, and
a refusal in Chinese when the inputs hold nothing any town sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from bairi.core.calendar import local
from bairi.core.campaign import Campaign
from bairi.intake.discover import MissingInput
from bairi.intake.inbox import OutputIsInput, gather
from bairi.state.logbook import Logbook, LogbookError, find_logbook, load_logbook
from bairi.state.standing import CampaignState, build_state


class StateRefused(Exception):
    """The inputs cannot be read into a state: a path missing, an output among them, a wrong logbook, or nothing
    any town sent (an operator mistake, exit status 2)."""


def logbook_for(path: Path | None, inputs: list[Path]) -> Logbook | None:
    """The logbook named, else the one found beside the inputs, loaded; None when there is none."""
    try:
        found = find_logbook(path, inputs)
        return load_logbook(found) if found is not None else None
    except LogbookError as exc:
        raise StateRefused(str(exc)) from None


def read_state(inputs: list[Path], campaign: Campaign, now: datetime, as_of: date | None, ledger: Path | None,
               use_ledger: bool, logbook: Path | None, output: Path | None = None, record: bool = False,
               progress: Callable[[int, int], None] | None = None) -> CampaignState:
    """The one campaign state for this run: the inputs walked once, as of `as_of` (else `now`'s day where the
    campaign is)."""
    day = as_of or local(now, campaign).date()
    book = logbook_for(logbook, inputs)
    try:
        inbox = gather(inputs, now, ledger, use_ledger=use_ledger, output=output, record=record)
    except (MissingInput, OutputIsInput) as exc:
        raise StateRefused(str(exc)) from None
    state = build_state(inbox, campaign, day, book, progress=progress)
    if state.empty:
        where = "、".join(str(p) for p in inputs)
        raise StateRefused(f"在 {where} 中没有找到任何单位报送的材料（报表、方案、总结或邮件）；请检查文件夹是否选对。"
                           + (f"另有 {state.later} 份在 {day.isoformat()} 之后才收到。" if state.later else ""))
    return state
