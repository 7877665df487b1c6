"""Outputs are written atomically and with the permissions a normal save would give."""

import os

from bairi.core.atomic import write_atomic


def test_new_output_gets_default_permissions_and_replaces_atomically(tmp_path):
    target = tmp_path / "out.xlsx"
    mask = os.umask(0o022)
    try:
        write_atomic(target, b"one")
    finally:
        os.umask(mask)
    assert target.read_bytes() == b"one"
    assert target.stat().st_mode & 0o777 == 0o644
    os.chmod(target, 0o640)
    write_atomic(target, b"two")
    assert (target.read_bytes(), target.stat().st_mode & 0o777) == (b"two", 0o640)
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]
