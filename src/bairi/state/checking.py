"""`bairi check` over the one intake: every return the walk finds checked, materials and skipped files said.

The inputs are walked exactly as merge walks them (`intake.inbox.gather`): hidden folders, lock files
and stray files are left out with the same findings, mails give their attachments and zips their
members. A spreadsheet that is not the form and whose name says it is a material (三清单,
阶段性进展, ...) is that material, as the state counts it, not a broken return to send back. No
ledger is opened or written: checking a file does not receive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bairi.check.rules import check
from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, finding
from bairi.core.model import Return
from bairi.intake.discover import is_archive
from bairi.intake.inbox import Copy, gather
from bairi.read.reader import read_return
from bairi.state.receipts import named_materials


@dataclass
class Inspection:
    """What `bairi check` found under its inputs: the returns checked, and what was not checked and why."""

    returns: list[Return] = field(default_factory=list)
    # id(return) → the copy it was read from: its bytes and name to attach to a reply, its sender to answer.
    sources: dict[int, Copy] = field(default_factory=dict)
    notes: list[Finding] = field(default_factory=list)  # skipped by the walk, materials, documents


def _material(copy: Copy, ret: Return, campaign: Campaign) -> frozenset[str]:
    """The materials a spreadsheet is when it is not the form and its name says another material, else none."""
    if ret.unreadable or not any(f.code == "E201" for f in ret.findings):
        return frozenset()
    named = named_materials(copy, campaign)
    return frozenset() if "return" in named else named


def _labels(materials: frozenset[str], campaign: Campaign) -> str:
    return "、".join(m.label for m in campaign.materials if m.key in materials)


def check_inputs(paths: list[Path], campaign: Campaign, now: datetime, period: str | None = None) -> Inspection:
    """Every return under the inputs, read and checked, with what the walk skipped and what was not a return."""
    inbox = gather(paths, now, use_ledger=False)
    named = {str(p) for p in paths if not p.is_dir()}
    found = Inspection()
    for note in inbox.findings:
        if note.code == "F109" or (note.code == "D707" and note.location in named):
            # A file that could not be opened is a return that cannot be read, as `check FILE` always said.
            ret = Return(file=Path(note.location), form=campaign.form_spec)
            ret.findings.append(note if note.code == "F109" else finding("F109", note.location, detail=note.message))
            found.returns.append(ret)
        else:
            found.notes.append(note)
    for copy in inbox.copies:
        if copy.spreadsheet:
            ret = check(read_return(Path(copy.name), campaign, period, data=copy.data, name=copy.source), campaign)
            ret.file = Path(copy.source)
            materials = _material(copy, ret, campaign)
            if materials:
                found.notes.append(finding("D790", copy.source, path=copy.source, labels=_labels(materials, campaign)))
                continue
        elif copy.problem:
            # A zip, or a member of one, that could not be unpacked: said as the return it may be.
            ret = Return(file=Path(copy.source), form=campaign.form_spec)
            ret.findings.append(finding("F109", copy.source, detail=copy.problem))
        elif copy.source in named and not is_archive(copy.name):
            # A file named on the command line is read whatever its name says (a return saved as .bin or .pdf).
            ret = check(read_return(Path(copy.source), campaign, period), campaign)
        else:
            # A document that says which material it is (a plan, a 阶段性进展 in Word) is that material, as the
            # state counts it: nothing to check, nothing to say. Any other is said, so that nothing goes unseen.
            if not named_materials(copy, campaign) - {"return"}:
                found.notes.append(finding("D791", copy.source, path=copy.source))
            continue
        found.returns.append(ret)
        if copy.data:
            found.sources[id(ret)] = copy
    return found
