"""The same return saved by LibreOffice as .xlsx, .xls and .ods — as laid out, moved, split over two
sheets, with formulas — reads with the same figures as the clean openpyxl .xlsx.

The fixtures under tests/data/ were made once by tests/data/make_formats.py (soffice --convert-to).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bairi.check.rules import check_file
from bairi.core.campaign import default_campaign
from build import write_return

DATA = Path(__file__).parent / "data"
CAMPAIGN = default_campaign()
FORMATS = ("xlsx", "xls", "ods")
LAYOUTS = ("clean", "moved", "split", "formulas")
# Where each layout puts the first figure, the last cumulative figure and the first hazard.
CELLS = {
    "clean": ("Sheet1!B7", "Sheet1!N8", "Sheet1!A12"),
    "formulas": ("Sheet1!B7", "Sheet1!N8", "Sheet1!A12"),
    "moved": ("报表!D11", "报表!P12", "报表!C16"),
    "split": ("Sheet1!B7", "Sheet1!N8", "重大隐患明细!A2"),
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The clean return as openpyxl writes it: the reference figures."""
    return check_file(write_return(tmp_path_factory.mktemp("clean") / "巴公镇12月.xlsx"), CAMPAIGN)


def test_every_fixture_is_there():
    assert sorted(p.name for p in DATA.glob("lo_*")) == sorted(f"lo_{layout}.{fmt}" for layout in LAYOUTS
                                                                 for fmt in FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_libreoffice_copies_read_the_same_figures(clean, layout, fmt):
    ret = check_file(DATA / f"lo_{layout}.{fmt}", CAMPAIGN, "2023-12")
    assert ret.format == fmt
    assert ret.values("period") == clean.values("period")
    assert ret.values("cumulative") == clean.values("cumulative")
    assert [h.as_dict() | {"location": ""} for h in ret.hazards] == [h.as_dict() | {"location": ""} for h in clean.hazards]
    assert (ret.town, ret.filler, ret.filled_on) == (clean.town, clean.filler, clean.filled_on)
    first, last, hazard = CELLS[layout]
    assert (ret.period_row["teams"].location, ret.cumulative_row["labor_dispatch"].location, ret.hazards[0].location) == (
        first, last, hazard)
    assert [f.code for f in ret.findings] == ["I303"]
    assert ret.ok


def test_formulas_saved_by_libreoffice_have_their_results(clean):
    # The openpyxl source of lo_formulas had no cached results (E410); LibreOffice saved them.
    for fmt in FORMATS:
        ret = check_file(DATA / f"lo_formulas.{fmt}", CAMPAIGN, "2023-12")
        assert not any(f.code == "E410" for f in ret.findings), fmt
        assert ret.values("cumulative") == clean.values("cumulative"), fmt


def test_a_file_with_the_wrong_extension_is_read_by_its_content(tmp_path, clean):
    renamed = tmp_path / "巴公镇12月.xlsx"
    renamed.write_bytes((DATA / "lo_clean.xls").read_bytes())
    ret = check_file(renamed, CAMPAIGN)
    assert [(f.code, f.location) for f in ret.findings] == [("F108", "巴公镇12月.xlsx"), ("I303", "Sheet1!C2")]
    assert ret.values("cumulative") == clean.values("cumulative")
    assert ret.ok


def test_wps_et_files_are_found_in_folders_and_xlsb_is_named_not_skipped(tmp_path, clean):
    import json

    from typer.testing import CliRunner

    from bairi.cli import app

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    # WPS 表格 saves its own .et in the binary Excel layout.
    (inbox / "巴公镇12月.et").write_bytes((DATA / "lo_clean.xls").read_bytes())
    (inbox / "南村镇12月.xlsb").write_bytes(b"PK\x03\x04" + b"\x00" * 26)  # not a real workbook either way
    result = CliRunner().invoke(app, ["check", str(inbox), "--format", "json"])
    documents = {Path(d["file"]).name: d for d in json.loads(result.stdout)}
    assert sorted(documents) == ["南村镇12月.xlsb", "巴公镇12月.et"]
    et = documents["巴公镇12月.et"]
    assert et["ok"] and et["format"] == "xls"
    assert et["period_row"]["enterprises"] == clean.period_row["enterprises"].value == 25
    assert documents["南村镇12月.xlsb"]["ok"] is False
