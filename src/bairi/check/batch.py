"""Many returns read and checked at once: on two or more cores, shared out to forked workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from bairi.check.rules import check
from bairi.core.campaign import Campaign
from bairi.core.model import Return
from bairi.read.reader import read_return

PARALLEL_FROM = 64
# What the forked workers read: set before the pool forks, so each worker sees it without pickling.
_JOB: tuple[Sequence[tuple[str, str, bytes]], Campaign] | None = None


def check_bytes(name: str, source: str, data: bytes, campaign: Campaign) -> Return:
    """Read and check one return given as bytes; its `file` is where it was found."""
    ret = check(read_return(Path(name), campaign, data=data, name=name), campaign)
    ret.file = Path(source)
    return ret


def _in_worker(index: int) -> Return:
    assert _JOB is not None
    items, campaign = _JOB
    name, source, data = items[index]
    return check_bytes(name, source, data, campaign)


def check_many(items: Sequence[tuple[str, str, bytes]], campaign: Campaign, parallel_from: int = PARALLEL_FROM,
               progress: Callable[[int, int], None] | None = None) -> Iterator[Return]:
    """(name, source, bytes) read and checked, in order; in forked workers when there are many."""
    import gc
    import multiprocessing
    import os

    # What exists now (modules, the models' validators, the campaign) lives as long as the process: frozen out
    # of the collector, a full collection while a thousand returns pile up does not walk it again each time,
    # and forked workers do not copy its pages by touching their reference counts (see gc.freeze).
    gc.freeze()
    cores = min(os.cpu_count() or 1, 4)
    total = len(items)
    if total < parallel_from or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for done, (name, source, data) in enumerate(items, start=1):
            yield check_bytes(name, source, data, campaign)
            if progress:
                progress(done, total)
        return
    global _JOB
    _JOB = (items, campaign)
    # This process reads its own share instead of waiting: a return read here is never pickled and sent
    # back, and no third process competes for the cores (about 10% faster than a pool of one per core).
    mine = total // cores
    done = 0
    try:
        with multiprocessing.get_context("fork").Pool(cores - 1) as pool:
            theirs = pool.imap(_in_worker, range(mine, total), chunksize=16)
            for name, source, data in items[:mine]:
                yield check_bytes(name, source, data, campaign)
                done += 1
                if progress:
                    progress(done, total)
            for ret in theirs:
                yield ret
                done += 1
                if progress:
                    progress(done, total)
    finally:
        _JOB = None
