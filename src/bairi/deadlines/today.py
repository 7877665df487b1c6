"""What the clerk should do today, in the order to do it, each with the command that does it.

Everything is read from the one campaign state, the major-hazard register built on it, and the seals in the
ledger: returns to send back, towns to remind, what falls due within a week, the county return of the last
period, overdue major hazards, logbook receipts still waiting for their file.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bairi.core.calendar import last_on_time
from bairi.core.home import Run, default_name
from bairi.state.standing import KIND_LABELS, CampaignState, Standing

KINDS = ("reply", "remind", "due_soon", "send_up", "hazard", "logbook")
KIND_WORDS = {"reply": "退回", "remind": "催报", "due_soon": "将到期", "send_up": "上报", "hazard": "重大隐患",
              "logbook": "登记待补"}
SOON_DAYS = 7
REPLY_FOLDER = "退回"
REMIND_FOLDER = "催报"


@dataclass(frozen=True)
class Todo:
    """One thing to do: what kind, for which town and deadline, in words, and the command that does it."""

    kind: str
    town: str | None
    deadline: str | None
    text: str
    command: str | None
    overdue: bool = False


@dataclass
class Today:
    """The day's list."""

    as_of: date
    todo: list[Todo]

    @property
    def overdue(self) -> bool:
        """True when something on the list is past its day."""
        return any(t.overdue for t in self.todo)


def reply_stem(town: str, period: str | None) -> str:
    """The file name (without .eml) of a return's 退回 draft: 退回_巴公镇_2023-12."""
    return "_".join(p for p in ("退回", town, period or "") if p)


def _shown(path: Path | str, cwd: Path) -> str:
    """A path as the clerk types it from here: relative when below the working folder, quoted when needed."""
    path = Path(path)
    try:
        text = str(path.absolute().relative_to(cwd.absolute()))
    except ValueError:
        text = str(path)
    return shlex.quote(text) if any(c in text for c in " '\"&()") else text


class _Commands:
    """The command lines of one run: the same inputs and as-of day the status was asked with."""

    def __init__(self, run: Run, as_of: date | None, cwd: Path) -> None:
        self.run, self.cwd = run, cwd
        self.inputs = "" if run.reads_inbox else " " + " ".join(_shown(p, cwd) for p in run.inputs)
        self.as_of = f" --as-of {as_of.isoformat()}" if as_of else ""

    def folder(self, name: str) -> str:
        """A folder for drafts or notices: in 上报/ of a home, else beside the working folder."""
        return _shown(self.run.home.outbox / name, self.cwd) if self.run.home else name

    def file_of(self, source: str) -> str:
        """The file a receipt came in (a mail for an attachment; in a mailbox, its one message: 收件箱.mbox#3), as a
        path to type."""
        from bairi.intake.discover import one_message

        path = Path(source)
        for candidate in (path, *path.parents):
            if candidate.is_file():
                return _shown(candidate, self.cwd)
            if (message := one_message(candidate)) is not None:
                # Only that message is checked and answered: the rest of the mailbox is other towns' mail.
                return _shown(message[0], self.cwd) + f"#{message[1]}"
        return _shown(Path(source.split("#", 1)[0]), self.cwd)

    def line(self, words: str) -> str:
        """`bairi` + the words + this run's inputs and as-of."""
        head, _, rest = words.partition(" ")
        return f"bairi {head}{self.inputs}{self.as_of}{' ' + rest if rest else ''}"


def _drafted(folder: Path | None, town: str, period: str | None) -> bool:
    if folder is None or not folder.is_dir():
        return False
    stem = reply_stem(town, period)
    return any(p.name == f"{stem}.eml" or p.name.startswith(f"{stem}_") for p in folder.glob("*.eml"))


def _late(standing: Standing) -> str:
    return f"，逾期{standing.days_late}天" if standing.days_late > 0 else ""


def _replies(state: CampaignState, cmd: _Commands, drafts: Path | None) -> list[Todo]:
    out = []
    for standing in state.standings:
        sent = standing.sent_back
        if standing.status != "rejected" or sent is None:
            continue
        made = _drafted(drafts, standing.town, standing.deadline.period)
        text = (f"{standing.town}{standing.deadline.label}检查未通过（{standing.reason}），退回重报"
                f"{_late(standing)}；退回邮件草稿{'已写好，待发送' if made else '尚未写'}")
        command = None if made else f"bairi check {cmd.file_of(sent.source)} --reply {cmd.folder(REPLY_FOLDER)}"
        out.append(Todo("reply", standing.town, standing.deadline.key, text, command, standing.overdue))
    return out


def _reminders(state: CampaignState, cmd: _Commands) -> list[Todo]:
    out = []
    for standing in state.standings:
        if standing.status not in ("missing", "incomplete") or not standing.past_due:
            continue
        what = "、".join(standing.missing) if standing.status == "incomplete" else KIND_LABELS[standing.deadline.kind]
        text = f"{standing.town}{standing.deadline.label}{standing.label}：缺{what}（截止{standing.due.isoformat()}）{_late(standing)}"
        out.append(Todo("remind", standing.town, standing.deadline.key, text,
                        cmd.line(f"deadlines --remind {cmd.folder(REMIND_FOLDER)}"), True))
    return out


def _due_soon(state: CampaignState, cmd: _Commands) -> list[Todo]:
    out = []
    for deadline in state.deadlines:
        last = last_on_time(deadline.due, state.campaign)
        if not state.as_of <= last <= state.as_of + timedelta(days=SOON_DAYS):
            continue
        owing = [s.town for s in state.of_deadline(deadline.key) if s.status == "not_due" and not s.receipts]
        if not owing:
            continue
        days = (last - state.as_of).days
        when = "今天" if days == 0 else f"{days}天后"
        text = f"{deadline.label}{when}（{last.isoformat()}）截止，{len(owing)}个镇尚未报送：{'、'.join(owing)}"
        out.append(Todo("due_soon", None, deadline.key, text, cmd.line("deadlines")))
    return out


def _send_up(state: CampaignState, cmd: _Commands, sealed: set[str]) -> list[Todo]:
    passed = [d for d in state.deadlines if d.kind == "return" and last_on_time(d.due, state.campaign) < state.as_of]
    if not passed:
        return []
    period = max(passed, key=lambda d: d.due).key
    if period in sealed:
        return []
    name = default_name("merge", state.campaign.authority_short, period)
    merged = cmd.run.home.outbox / name if cmd.run.home else None
    lines = state.of_deadline(period)
    counted = [s for s in lines if s.ret is not None]
    left = [s.town for s in lines if s.ret is None]
    made = merged is not None and merged.is_file()
    # Outside a home nobody knows where a merge went: only the seal in the ledger is told, and -o is named.
    merged_words = "" if merged is None else ("已汇总，" if made else "尚未汇总，")
    text = (f"{period}全县汇总表{merged_words}未封存上报；{len(counted)}/{len(lines)}个镇的报表可计入"
            + (f"（未计入：{'、'.join(left)}）" if left else "（齐全）"))
    if made:
        command = f"bairi seal {period}{cmd.inputs}{cmd.as_of}"  # seal takes the period before the inputs
    else:
        command = cmd.line(f"merge --period {period}" + ("" if cmd.run.home else f" -o {name}"))
    # The city sets no day in the campaign for the county return: to do, not overdue.
    return [Todo("send_up", None, period, text, command)]


def _hazards(state: CampaignState, cmd: _Commands) -> list[Todo]:
    from bairi.hazards.entries import overdue, sightings_of
    from bairi.hazards.register import build_register

    out = []
    for entry in overdue(build_register(sightings_of(state), state.campaign, state.as_of)):
        due = entry.deadline.isoformat() if entry.deadline else None
        days = f"，逾期{(state.as_of - entry.deadline).days}天" if entry.deadline else ""
        text = f"{entry.town}{entry.enterprise}的重大隐患逾期未整改（整改期限{due or '未定'}{days}）"
        out.append(Todo("hazard", entry.town, due, text, cmd.line("hazards"), True))
    return out


def _logbook(state: CampaignState) -> list[Todo]:
    out = []
    for standing in state.standings:
        main = [r for r in standing.receipts if standing.deadline.kind in r.materials or "return" in r.materials]
        entries = [r for r in main if r.evidence == "logbook"]
        if entries and all(r.evidence == "logbook" for r in main):
            how = getattr(entries[0].entry, "how", "")
            text = (f"{standing.town}{standing.deadline.label}依据县局登记计为收到（{how}，{entries[0].received.date().isoformat()}），"
                    "尚无电子文件：请该镇补发，收到后放进收件箱")
            out.append(Todo("logbook", standing.town, standing.deadline.key, text, None))
    return out


def today(state: CampaignState, run: Run, as_of: date | None = None, cwd: Path | None = None,
          sealed: set[str] | None = None) -> Today:
    """The day's list from the state (`as_of` is the day asked for, repeated in each command; `sealed` the
    periods already sealed in the ledger)."""
    cmd = _Commands(run, as_of, cwd or Path.cwd())
    drafts = run.home.outbox / REPLY_FOLDER if run.home else Path(REPLY_FOLDER)
    todo = [*_replies(state, cmd, drafts), *_reminders(state, cmd), *_due_soon(state, cmd), *_send_up(state, cmd, sealed or set()),
            *_hazards(state, cmd), *_logbook(state)]
    return Today(state.as_of, todo)
