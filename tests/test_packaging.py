"""Every package of the source tree is in the wheel (pyproject lists them by hand)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(("bairi", *p.parent.relative_to(ROOT / "src" / "bairi").parts)).rstrip(".")
             for p in (ROOT / "src" / "bairi").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
    assert "bairi.hazards" in found
