"""The first-seen ledger: a file's receipt time survives copying and touching; losing the ledger loses only that."""

import os
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from bairi.core.campaign import default_campaign
from bairi.intake.ledger import LEDGER_NAME, LedgerUnavailable, ledger_path, open_ledger
from bairi.state.standing import load_state

BEIJING = timezone(timedelta(hours=8))
NOW = datetime(2024, 2, 10, 9, 0, tzinfo=BEIJING)
CAMPAIGN = default_campaign()


def collect(paths, campaign, now, use_ledger=True):
    return load_state(paths, campaign, now.date(), now=now, use_ledger=use_ledger)


def set_mtime(path, moment):
    stamp = moment.timestamp()
    os.utime(path, (stamp, stamp))


def test_first_sighting_is_kept_and_copies_share_it(tmp_path):
    plan = tmp_path / "巴公镇行动方案.docx"
    plan.write_bytes(b"plan v1")
    set_mtime(plan, datetime(2023, 11, 8, 10, 0, tzinfo=BEIJING))
    with open_ledger(tmp_path / LEDGER_NAME) as ledger:
        first = ledger.record("abc", plan, 7, NOW)
        copy = tmp_path / "copy" / plan.name
        copy.parent.mkdir()
        shutil.copy(plan, copy)  # the copy gets a new modification time
        again = ledger.record("abc", copy, 7, NOW + timedelta(days=3))
    assert first == again
    assert first.received == datetime(2023, 11, 8, 10, 0, tzinfo=BEIJING)
    assert first.first_seen == NOW and first.path == str(plan)


def test_received_is_never_after_first_sighting(tmp_path):
    future = tmp_path / "a.xlsx"
    future.write_bytes(b"x")
    set_mtime(future, NOW + timedelta(days=30))  # a wrong clock on the machine that saved it
    with open_ledger(tmp_path / LEDGER_NAME) as ledger:
        assert ledger.record("f", future, 1, NOW).received == NOW


def test_ledger_beside_the_first_input(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(b"")
    assert ledger_path([tmp_path / "in"]) == tmp_path / "in" / LEDGER_NAME
    assert ledger_path([tmp_path / "in" / "a.xlsx"]) == tmp_path / "in" / LEDGER_NAME


def test_damaged_ledger_is_reported_not_fatal(tmp_path):
    damaged = tmp_path / LEDGER_NAME
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerUnavailable):
        open_ledger(damaged)
    plan = tmp_path / "巴公镇行动方案.docx"
    plan.write_bytes(b"plan")
    set_mtime(plan, datetime(2023, 11, 8, 10, 0, tzinfo=BEIJING))
    found = collect([tmp_path], CAMPAIGN, NOW)
    assert [f.code for f in found.findings] == ["D708"]
    assert [(r.town, r.kind, r.evidence, r.received) for r in found.receipts] == [
        ("巴公镇", "plan", "mtime", datetime(2023, 11, 8, 10, 0, tzinfo=BEIJING))]


def test_touching_a_file_after_first_run_does_not_make_it_late(tmp_path):
    plan = tmp_path / "南村镇百日攻坚行动方案.docx"
    plan.write_bytes(b"plan")
    set_mtime(plan, datetime(2023, 11, 9, 17, 0, tzinfo=BEIJING))
    before = collect([tmp_path], CAMPAIGN, NOW)
    set_mtime(plan, datetime(2024, 1, 3, 8, 0, tzinfo=BEIJING))  # opened and saved again later
    after = collect([tmp_path], CAMPAIGN, NOW + timedelta(days=1))
    assert [r.received for r in before.receipts] == [r.received for r in after.receipts] == [
        datetime(2023, 11, 9, 17, 0, tzinfo=BEIJING)]
    assert after.receipts[0].evidence == "ledger" and after.ledger == str(tmp_path / LEDGER_NAME)
    # Deleting the ledger loses only the first-seen time: the file is still found, by its mtime now.
    (tmp_path / LEDGER_NAME).unlink()
    lost = collect([tmp_path], CAMPAIGN, NOW, use_ledger=False)
    assert [(r.evidence, r.received) for r in lost.receipts] == [("mtime", datetime(2024, 1, 3, 8, 0, tzinfo=BEIJING))]


def test_rows_are_committed_one_by_one(tmp_path):
    path = tmp_path / LEDGER_NAME
    with open_ledger(path) as ledger:
        ledger.record("one", tmp_path, 1, NOW)
        # Another connection (another bairi run) sees the row at once: nothing is left in an open transaction.
        rows = sqlite3.connect(str(path)).execute("SELECT sha256 FROM seen").fetchall()
    assert rows == [("one",)]
