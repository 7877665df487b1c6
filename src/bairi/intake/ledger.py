"""The first-seen ledger: when bairi first met each file (by sha256), kept in SQLite beside the data.

A plain file's modification time changes when it is copied or touched; the ledger keeps the time
the file had when bairi first saw it, so `deadlines` and `merge` agree on history. Deleting the
ledger loses nothing but those first-seen times.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bairi.intake.discover import file_mtime

LEDGER_NAME = ".bairi-ledger.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    sha256     TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL,
    mtime      TEXT,
    path       TEXT NOT NULL,
    size       INTEGER NOT NULL
)
"""
# What `bairi fetch` saved from a mailbox folder: a UID means something only under its UIDVALIDITY.
_FETCHED = """
CREATE TABLE IF NOT EXISTS fetched (
    account     TEXT NOT NULL,
    folder      TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    file        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    received    TEXT,
    PRIMARY KEY (account, folder, uidvalidity, uid)
)
"""


# What was sent up (bairi seal): one row per seal, never updated nor deleted (the triggers refuse both); a
# correction is a further round that names the seal it corrects. The content is the seal's canonical JSON and
# `digest` its sha256, so a row edited outside bairi is told on reading.
_SEALS = """
CREATE TABLE IF NOT EXISTS seals (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    period          TEXT NOT NULL,
    round           INTEGER NOT NULL,
    corrects        INTEGER REFERENCES seals(id),
    sealed_at       TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    sealed_by       TEXT NOT NULL,
    workbook        TEXT NOT NULL,
    workbook_sha256 TEXT NOT NULL,
    content         TEXT NOT NULL,
    digest          TEXT NOT NULL,
    UNIQUE (period, round)
);
CREATE TRIGGER IF NOT EXISTS seals_never_change BEFORE UPDATE ON seals
BEGIN SELECT RAISE(ABORT, 'a seal cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS seals_never_removed BEFORE DELETE ON seals
BEGIN SELECT RAISE(ABORT, 'a seal cannot be removed'); END;
"""


@dataclass(frozen=True)
class SealRow:
    """One stored seal, as the ledger holds it (bairi.merge.seal reads its content)."""

    id: int
    period: str
    round: int
    corrects: int | None
    sealed_at: str
    as_of: str
    sealed_by: str
    workbook: str
    workbook_sha256: str
    content: str
    digest: str


class LedgerUnavailable(Exception):
    """The ledger cannot be opened or written (read-only folder, damaged file)."""


@dataclass(frozen=True)
class Sighting:
    """What the ledger remembers of one file's content: when and where it was first seen."""

    sha256: str
    first_seen: datetime
    mtime: datetime | None
    path: str
    size: int

    @property
    def received(self) -> datetime:
        """The best receipt time it offers: the file's time when first seen, never after first sight."""
        if self.mtime is not None and self.mtime < self.first_seen:
            return self.mtime
        return self.first_seen


def ledger_path(inputs: list[Path]) -> Path:
    """Where the ledger lives: in the first input folder (or the folder of the first input file)."""
    first = Path(inputs[0]) if inputs else Path(".")
    folder = first if first.is_dir() else first.parent
    return folder / LEDGER_NAME


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@contextmanager
def _sql_errors() -> Iterator[None]:
    """A database error inside as LedgerUnavailable (sqlite3 is imported by the runs that open a ledger only)."""
    import sqlite3

    try:
        yield
    except sqlite3.Error as exc:
        raise LedgerUnavailable(f"{type(exc).__name__}: {exc}") from None


class Ledger:
    """An open ledger; use as a context manager or call close()."""

    def __init__(self, path: Path) -> None:
        import sqlite3

        self.path = Path(path)
        with _sql_errors():
            # The timeout lets two bairi runs on the same folder wait for each other instead of failing.
            self._db = sqlite3.connect(str(self.path), timeout=10, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=DELETE")
            self._db.execute(_SCHEMA)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One immediate transaction: committed whole or rolled back; a database error is LedgerUnavailable."""
        with _sql_errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def get(self, sha256: str) -> Sighting | None:
        """What the ledger knows of this content, or None."""
        with _sql_errors():
            row = self._db.execute(
                "SELECT sha256, first_seen, mtime, path, size FROM seen WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            return None
        first = _when(row[1])
        assert first is not None  # the column is NOT NULL
        return Sighting(row[0], first, _when(row[2]), row[3], row[4])

    def record(self, sha256: str, path: Path, size: int, now: datetime,
               mtime: datetime | None = None) -> Sighting:
        """Remember this content unless it is already known; return what the ledger now holds."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if mtime is None:
            mtime = file_mtime(path)
        # One short transaction per file: a crash leaves either the whole row or none.
        with self._transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO seen (sha256, first_seen, mtime, path, size) VALUES (?, ?, ?, ?, ?)",
                (sha256, now.isoformat(), mtime.isoformat() if mtime else None, str(path), size))
        sighting = self.get(sha256)
        assert sighting is not None
        return sighting

    def _fetch_table(self) -> None:
        # Made only when `fetch` uses the ledger: merge opens ledgers on read-only media, where a new table is a
        # write that would fail and cost it the first-seen times.
        if not getattr(self, "_fetch_ready", False):
            self._db.execute(_FETCHED)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(fetched)")}
            if "received" not in columns:  # a ledger from before the server's receipt time was kept
                self._db.execute("ALTER TABLE fetched ADD COLUMN received TEXT")
            self._fetch_ready = True

    def fetched_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        """The UIDs of a mailbox folder already saved under this UIDVALIDITY."""
        with _sql_errors():
            self._fetch_table()
            rows = self._db.execute("SELECT uid FROM fetched WHERE account = ? AND folder = ? AND uidvalidity = ?",
                                    (account, folder, uidvalidity)).fetchall()
        return {row[0] for row in rows}

    def has_fetched(self, account: str, folder: str) -> bool:
        """True when anything was ever saved from this folder (under any UIDVALIDITY)."""
        with _sql_errors():
            self._fetch_table()
            row = self._db.execute("SELECT 1 FROM fetched WHERE account = ? AND folder = ? LIMIT 1",
                                   (account, folder)).fetchone()
        return row is not None

    def record_fetch(self, account: str, folder: str, uidvalidity: int, uid: int, file: str, sha256: str,
                     now: datetime, received: datetime | None = None) -> None:
        """Remember that message `uid` of the folder is saved as `file` (called after the file is written), with
        the time the server received it (its INTERNALDATE)."""
        with _sql_errors():
            self._fetch_table()
            self._db.execute(
                "INSERT OR REPLACE INTO fetched (account, folder, uidvalidity, uid, file, sha256, fetched_at, received)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (account, folder, uidvalidity, uid, file, sha256, now.isoformat(),
                                                     received.isoformat() if received else None))

    def server_time(self, sha256: str) -> datetime | None:
        """When the mail server received the message whose bytes have this digest (the earliest, when the same
        message was fetched from two folders), or None when `fetch` did not save it. Only reads."""
        with _sql_errors():
            if self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fetched'").fetchone() is None:
                return None
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(fetched)")}
            if "received" not in columns:
                return None
            rows = self._db.execute("SELECT received FROM fetched WHERE sha256 = ? AND received IS NOT NULL",
                                    (sha256,)).fetchall()
        times = [datetime.fromisoformat(row[0]) for row in rows]
        return min(times) if times else None

    def _has_seals(self) -> bool:
        row = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seals'").fetchone()
        return row is not None

    def seals(self, period: str | None = None) -> list[SealRow]:
        """The seals kept (of one period, or all), in the order they were made; none when never sealed."""
        with _sql_errors():
            # Read without creating the table: merge opens ledgers on read-only media too.
            if not self._has_seals():
                return []
            query = "SELECT * FROM seals" + (" WHERE period = ?" if period else "") + " ORDER BY id"
            rows = self._db.execute(query, (period,) if period else ()).fetchall()
        return [SealRow(*row) for row in rows]

    def add_seal(self, period: str, sealed_at: datetime, as_of: date, sealed_by: str, workbook: str,
                 workbook_sha256: str, content: str, digest: str) -> SealRow:
        """Keep a new seal of `period`: the first round, or the next one correcting the latest (decided in one
        transaction, so two runs cannot both make round 2)."""
        with _sql_errors():
            self._db.executescript(_SEALS)
        with self._transaction():
            last = self._db.execute("SELECT id, round FROM seals WHERE period = ? ORDER BY round DESC LIMIT 1",
                                    (period,)).fetchone()
            corrects, number = (last[0], last[1] + 1) if last else (None, 1)
            cursor = self._db.execute(
                "INSERT INTO seals (period, round, corrects, sealed_at, as_of, sealed_by, workbook, workbook_sha256,"
                " content, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (period, number, corrects, sealed_at.isoformat(), as_of.isoformat(), sealed_by, workbook,
                 workbook_sha256, content, digest))
        return SealRow(cursor.lastrowid or 0, period, number, corrects, sealed_at.isoformat(), as_of.isoformat(),
                       sealed_by, workbook, workbook_sha256, content, digest)


def open_ledger(path: Path) -> Ledger:
    """Open (creating if needed) the ledger at `path`; LedgerUnavailable when that is impossible."""
    if not Path(path).parent.is_dir():
        raise LedgerUnavailable(f"文件夹不存在：{Path(path).parent}")
    ledger = Ledger(path)
    try:
        with _sql_errors():
            ledger._db.execute("SELECT COUNT(*) FROM seen").fetchone()
    except LedgerUnavailable:
        ledger.close()
        raise
    return ledger
