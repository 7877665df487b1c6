"""Towns' returns → the county's return: pick one return per town, add them up, keep the trail."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from bairi.intake.discover import SPREADSHEET_SUFFIXES, expand, files_under, identity, is_lock_file
from bairi.core.campaign import Campaign
from bairi.core.findings import Finding, finding
from bairi.core.form import BY_KEY, FOUND_FIXED, KEYS
from bairi.intake.ledger import file_mtime, is_copy_time
from bairi.core.model import Hazard, Return
from bairi.check.rules import check_file
from bairi.core.values import plain

ReceivedOf = Callable[[Path, str], "datetime | None"]


class MergeRefused(Exception):
    """The merge cannot run as asked (an operator mistake: exit status 2)."""


@dataclass
class Superseded:
    """An earlier return replaced by a later one of the same town and period."""

    old: Return
    new: Return
    changes: list[str]


@dataclass
class TownLine:
    """One configured town in the merge: its status and the return that counts, if any."""

    town: str
    status: str  # 已报 / 迟报 / 退回 / 未报
    ret: Return | None = None
    rejected: Return | None = None
    received: datetime | None = None


@dataclass
class Merged:
    """Everything `bairi merge` found and computed, before it is written anywhere."""

    period: str
    period_source: str
    towns: list[TownLine]
    accepted: list[Return]
    rejected: list[Return]
    superseded: list[Superseded]
    skipped: list[tuple[Path, str]]
    other_periods: list[Return]
    totals: dict[str, dict[str, int | Decimal]]
    hazards: list[tuple[str, Hazard, Return]]
    cross_month: list[tuple[Return, Finding]]
    received: dict[str, datetime | None] = field(default_factory=dict)

    @property
    def missing_towns(self) -> list[str]:
        """Configured towns with no accepted return for the period (not sent, or sent back)."""
        return [line.town for line in self.towns if line.ret is None]

    @property
    def complete(self) -> bool:
        """True when every configured town's return was accepted."""
        return not self.missing_towns


def _mtime_within(campaign: Campaign) -> ReceivedOf:
    """Modification times as receipt evidence, except those after the campaign ended.

    A file copied or cloned later carries the copy's time, which says nothing about when the
    town sent it; counting it would mark every town late.
    """
    def received(path: Path, sha256: str) -> datetime | None:
        when = file_mtime(path)
        return when if when is not None and not is_copy_time(when, campaign.end) else None

    return received


def _local(when: datetime | None, zone: timezone) -> datetime | None:
    """A receipt time in the campaign's time zone (naive times are taken as already local)."""
    if when is None:
        return None
    return when.replace(tzinfo=zone) if when.tzinfo is None else when.astimezone(zone)


def _order_key(ret: Return, received: dict[str, datetime | None]) -> tuple[date, datetime, str]:
    when = received.get(str(ret.file)) or datetime.min.replace(tzinfo=timezone.utc)
    return (ret.filled_on or date.min, when, str(ret.file))


def diff(old: Return, new: Return) -> list[str]:
    """What changed between two returns, figure by figure, in words."""
    changes = []
    for row, word in (("period", "冶金工贸"), ("cumulative", "累计")):
        before, after = old.values(row), new.values(row)
        for key in KEYS:
            if before[key] != after[key]:
                changes.append(f"{word}·{BY_KEY[key].short}：{plain(before[key]) or '空'} → {plain(after[key]) or '空'}")
    if len(old.hazards) != len(new.hazards):
        changes.append(f"重大隐患明细：{len(old.hazards)} 行 → {len(new.hazards)} 行")
    return changes


def _sum(returns: Iterable[Return], row: str) -> dict[str, int | Decimal]:
    """Column totals, exact: counts as Python integers, fines as decimals (never floats)."""
    # Plain sums, not pandas: adding 13 columns needs no frame, importing pandas would cost merge a third of
    # its time (issue 5), and a frame would turn the decimal fines into floats or objects anyway.
    totals: dict[str, int | Decimal] = {key: (0 if BY_KEY[key].kind == "count" else Decimal(0)) for key in KEYS}
    for ret in returns:
        for key, value in ret.values(row).items():
            if value is not None:
                totals[key] += value
    return totals


def latest_period(returns: Iterable[Return], campaign: Campaign) -> str | None:
    """The latest campaign period any readable return is for."""
    known = {p.period for p in campaign.periods}
    periods = sorted({r.period for r in returns if r.period in known})
    return periods[-1] if periods else None


def _previous(campaign: Campaign, period: str) -> str | None:
    ordered = sorted(p.period for p in campaign.periods)
    index = ordered.index(period) if period in ordered else -1
    return ordered[index - 1] if index > 0 else None


def cross_month(current: Return, previous: Return) -> list[Finding]:
    """累计(this month) = 累计(last month) + 冶金工贸(this month), and 累计 never falls."""
    found = []
    if not current.cumulative_row or not current.period_row or not previous.cumulative_row:
        return found
    for key in KEYS:
        now, before, this = current.cumulative_row.get(key), previous.cumulative_row.get(key), current.period_row.get(key)
        if now is None or before is None or this is None or None in (now.value, before.value, this.value):
            continue
        fields = dict(column=BY_KEY[key].short, cumulative=plain(now.value), month=current.period,
                      previous=plain(before.value), prev_month=previous.period, prev_cell=f"{previous.file.name} {before.location}",
                      period=plain(this.value), cell=now.location)
        if now.value < before.value:
            found.append(finding("W602", now.location, **fields))
        elif now.value != before.value + this.value:
            found.append(finding("W601", now.location, **fields))
    return found


def _pick(returns: list[Return], received: dict[str, datetime | None]) -> tuple[Return, list[Superseded]]:
    ordered = sorted(returns, key=lambda r: _order_key(r, received))
    latest = ordered[-1]
    replaced = []
    for old in ordered[:-1]:
        changes = diff(old, latest)
        old.findings.append(finding("I603", old.file.name, newer=latest.file.name,
                                    changes="；".join(changes) if changes else "数字无变化"))
        replaced.append(Superseded(old, latest, changes))
    return latest, replaced


def consolidate(
    returns: list[Return],
    campaign: Campaign,
    period: str | None = None,
    received_of: ReceivedOf | None = None,
    skipped: list[tuple[Path, str]] | None = None,
) -> Merged:
    """Merge checked returns for one period: latest per town wins, rejected ones are left out."""
    if received_of is None:
        received_of = _mtime_within(campaign)
    zone = timezone(timedelta(hours=campaign.utc_offset_hours))
    received = {str(r.file): _local(received_of(r.file, r.sha256), zone) for r in returns}
    source = "命令行参数 --period"
    if period is None:
        period = latest_period(returns, campaign)
        source = "输入中最新的报告期"
        if period is None:
            raise MergeRefused("输入中没有可识别报告期的报表，无法汇总；请检查文件或用 --period 指定。")
    skipped = list(skipped or [])
    unit_names = [u.name for u in campaign.units]
    groups: dict[tuple[str, str], list[Return]] = {}
    unplaced: list[Return] = []
    for ret in returns:
        if ret.town == campaign.authority:
            skipped.append((ret.file, f"{campaign.authority}自己的汇总表，不参与汇总"))
            continue
        if ret.town and campaign.unit(ret.town) is not None and ret.period:
            groups.setdefault((ret.town, ret.period), []).append(ret)
        else:
            unplaced.append(ret)

    superseded: list[Superseded] = []
    chosen: dict[tuple[str, str], Return] = {}
    for key, group in groups.items():
        chosen[key], replaced = _pick(group, received)
        superseded.extend(replaced)

    # A file with no town belongs to this merge only when it is (or may be) for this period.
    rejected = [r for r in unplaced if r.period in (None, period)]
    rejected += [r for (town, p), r in chosen.items() if p == period and not r.ok]
    lines: list[TownLine] = []
    accepted: list[Return] = []
    due = campaign.period(period).due if campaign.period(period) else None
    for town in unit_names:
        ret = chosen.get((town, period))
        when = received.get(str(ret.file)) if ret else None
        if ret is None:
            lines.append(TownLine(town, "未报"))
        elif not ret.ok:
            lines.append(TownLine(town, "退回", rejected=ret, received=when))
        else:
            late = bool(due and when and (when.date() > due or (when.date() == due and not campaign.due_inclusive)))
            lines.append(TownLine(town, "迟报" if late else "已报", ret=ret, received=when))
            accepted.append(ret)

    checks: list[tuple[Return, Finding]] = []
    previous = _previous(campaign, period)
    for ret in accepted:
        before = chosen.get((ret.town, previous)) if previous else None
        if before is not None and before.ok:
            for item in cross_month(ret, before):
                ret.findings.append(item)
                checks.append((ret, item))

    others = [r for (town, p), r in chosen.items() if p != period]
    hazards = [(ret.town or "", hazard, ret) for ret in accepted for hazard in ret.hazards]
    totals = {"period_row": _sum(accepted, "period"), "cumulative_row": _sum(accepted, "cumulative")}
    return Merged(period, source, lines, accepted, rejected, superseded, skipped, others, totals, hazards, checks,
                  received)


def rates(values: dict[str, Any]) -> dict[str, Decimal | None]:
    """Rectification rates (fixed / found) as percentages with one decimal, None when nothing found."""
    out: dict[str, Decimal | None] = {}
    for found_key, fixed_key in FOUND_FIXED:
        found, fixed = values.get(found_key), values.get(fixed_key)
        name = found_key.replace("_found", "_rate")
        out[name] = None if not found or fixed is None else (Decimal(fixed) * 100 / Decimal(found)).quantize(Decimal("0.1"))
    return out


PARALLEL_FROM = 64
_WORKER_CAMPAIGN: Campaign | None = None


def _check_in_worker(path: Path) -> Return:
    assert _WORKER_CAMPAIGN is not None
    return check_file(path, _WORKER_CAMPAIGN)


def check_files(files: list[Path], campaign: Campaign, parallel_from: int = PARALLEL_FROM) -> Iterator[Return]:
    """Check many files, in order; on several cores, in forked worker processes when there are many."""
    import multiprocessing
    import os

    cores = min(os.cpu_count() or 1, 4)
    if len(files) < parallel_from or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for path in files:
            yield check_file(path, campaign)
        return
    global _WORKER_CAMPAIGN
    _WORKER_CAMPAIGN = campaign
    # This process reads its own share instead of waiting: a return read here is never pickled and sent
    # back, and no third process competes for the cores (about 10% faster than a pool of one per core).
    mine = len(files) // cores
    try:
        with multiprocessing.get_context("fork").Pool(cores - 1) as pool:
            theirs = pool.imap(_check_in_worker, files[mine:], chunksize=16)
            for path in files[:mine]:
                yield check_file(path, campaign)
            yield from theirs
    finally:
        _WORKER_CAMPAIGN = None


@dataclass
class Gathered:
    """Returns read from the inputs, when each arrived, and the files that are not returns."""

    returns: list[Return]
    skipped: list[tuple[Path, str]]
    received: dict[str, datetime | None]
    # A return read from an archive saved on disk → (the archive file, its sha256): it arrived when the archive did.
    containers: dict[str, tuple[Path, str]] = field(default_factory=dict)

    def received_of(self, campaign: Campaign, ledger: Path | None = None) -> ReceivedOf:
        """Receipt time by file: a mail's Date header; else the ledger's first sighting (read only,
        as `deadlines` recorded it); else the file's modification time (an archive's, for what was inside it)."""
        fallback = _mtime_within(campaign)
        digests = [r.sha256 for r in self.returns] + [digest for _, digest in self.containers.values()]
        seen = _ledger_times(ledger, digests) if ledger is not None else {}

        def received(path: Path, sha256: str) -> datetime | None:
            key = str(path)
            if key in self.received:
                return self.received[key]
            path, sha256 = self.containers.get(key, (path, sha256))
            when = seen.get(sha256)
            if when is not None and not is_copy_time(when, campaign.end):
                return when
            return fallback(path, sha256)

        return received


def _ledger_times(path: Path, digests: list[str]) -> dict[str, datetime]:
    """First-seen times from an existing ledger; merge never creates or writes one."""
    from bairi.intake.ledger import LedgerUnavailable, open_ledger

    if not path.is_file():
        return {}
    try:
        book = open_ledger(path)
    except LedgerUnavailable:
        return {}
    try:
        found = {}
        for digest in digests:
            sighting = book.get(digest)
            if sighting is not None:
                found[digest] = sighting.received
        return found
    except LedgerUnavailable:
        return found
    finally:
        book.close()


def gather(inputs: list[Path], campaign: Campaign, output: Path | None = None,
           progress: Callable[[int, int], None] | None = None) -> Gathered:
    """Read and check every return under the inputs, mail attachments and zipped returns included; list what is not a return."""
    import hashlib

    from bairi.intake.archives import is_archive, unpack
    from bairi.intake.mail import MailUnreadable, is_mail, read_mail
    from bairi.guard.limits import read_input

    files = expand(inputs)
    if output is not None and output.exists():
        target = identity(output)
        if any(identity(f) == target for f in files) or any(identity(p) == target for p in inputs):
            raise MergeRefused(f"输出文件 {output} 是输入文件之一，为防止覆盖原始报表，已拒绝。请换一个输出文件名。")
    skipped: list[tuple[Path, str]] = []
    mails: list[Path] = [p for p in inputs if p.is_file() and is_mail(p)]
    archives: list[Path] = [p for p in inputs if p.is_file() and is_archive(p.name)]
    files = [f for f in files if f not in mails and f not in archives]
    for path in inputs:
        if path.is_dir():
            for other in files_under(path):
                if any(part.startswith(".") for part in other.relative_to(path).parts):
                    continue
                if is_lock_file(other):
                    skipped.append((other, "Excel/WPS 临时锁定文件"))
                elif other.suffix.lower() in SPREADSHEET_SUFFIXES:
                    continue
                elif is_mail(other):
                    mails.append(other)
                elif is_archive(other.name):
                    archives.append(other)
                else:
                    skipped.append((other, "不是电子表格"))
    returns: list[Return] = []
    received: dict[str, datetime | None] = {}
    containers: dict[str, tuple[Path, str]] = {}
    seen: dict[str, Return] = {}
    for index, ret in enumerate(check_files(files, campaign), start=1):
        returns.append(ret)
        seen.setdefault(ret.sha256, ret)
        if progress:
            progress(index, len(files))
    from bairi.check.rules import check
    from bairi.read.reader import read_return

    def read(label: str, data: bytes) -> Return:
        name = label.rsplit("/", 1)[-1]
        ret = check(read_return(Path(name), campaign, data=data, name=name), campaign)
        ret.file = Path(label)
        return ret

    def opened(label: str, name: str, data: bytes) -> list[tuple[str, bytes]]:
        # An archive's spreadsheets as (label, bytes); whatever in it cannot be read is said in `skipped`.
        found = unpack(name, data)
        skipped.extend((Path(f"{label}/{inner}" if inner else label), reason) for inner, reason in found.unread)
        return [(f"{label}/{member.name}" if member.name else label, member.data) for member in found.members]

    for path in archives:
        try:
            data = read_input(path)
        except OSError as exc:
            skipped.append((path, f"文件无法打开：{exc.strerror or type(exc).__name__}"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        for label, body in opened(str(path), path.name, data):
            ret = read(label, body)
            if ret.sha256 in seen:
                continue  # the same return also saved unpacked: counted once
            seen[ret.sha256] = ret
            containers[label] = (path, digest)
            returns.append(ret)

    def wanted(name: str) -> bool:
        return Path(name).suffix.lower() in SPREADSHEET_SUFFIXES or is_archive(name)

    for mail in mails:
        try:
            found = read_mail(mail, str(mail), keep=wanted)
        except MailUnreadable as exc:
            skipped.append((mail, f"邮件无法读取：{exc}"))
            continue
        for item in found:
            label = f"{item.source}/{item.name}"
            pieces = opened(label, item.name, item.data) if is_archive(item.name) else [(label, item.data)]
            for piece, body in pieces:
                ret = read(piece, body)
                twin = seen.get(ret.sha256)
                if twin is not None:
                    # The same bytes saved from this mail as a plain file (or packed again): one return, dated by the mail.
                    if item.sent is not None and str(twin.file) not in received:
                        received[str(twin.file)] = item.sent
                    continue
                seen[ret.sha256] = ret
                received[piece] = item.sent
                returns.append(ret)
    return Gathered(returns, skipped, received, containers)
