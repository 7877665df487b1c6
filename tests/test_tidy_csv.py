"""The tidy CSV never hands a spreadsheet a formula: town-chosen sheet and file names are escaped as OWASP says."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from bairi.merge.consolidate import csv_field
from build import write_return

runner = CliRunner()


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
    ("+1+2", "\"'+1+2\""), ("-2+3!B7", "\"'-2+3!B7\""), ("@SUM(A1)", "\"'@SUM(A1)\""),
    ("\t=1", "\"'\t=1\""), ("\r=1", "\"'\r=1\""),
    ("巴公镇", "巴公镇"), ("a,b", "\"a,b\""), ("2023-12", "2023-12"), ("3.25", "3.25"), ("-1", "-1"), (7, "7"),
    (None, ""),
])
def test_one_field(value, written):
    assert csv_field(value) == written


def test_a_sheet_and_file_named_like_formulas_are_escaped(tmp_path, monkeypatch):
    def rename(ws):
        ws.title = "=SUM(1,2)"

    write_return(tmp_path / "@SUM(1)巴公镇12月报表.xlsx", edit=rename)
    monkeypatch.chdir(tmp_path)  # a relative input: the file column then starts with the town's own file name
    result = runner.invoke(app, ["merge", ".", "-o", "county.xlsx", "--csv", "明细.csv", "--no-ledger",
                                 "--as-of", "2023-12-26"])
    assert result.exit_code == 0, result.output
    raw = (tmp_path / "明细.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert len(rows) == 1 + 2 * 13
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        for cell in row:
            assert not cell.startswith(dangerous) or cell.replace(".", "").lstrip("-").isdigit(), cell
    first = rows[1]
    assert first[-2:] == ["'@SUM(1)巴公镇12月报表.xlsx", "'=SUM(1,2)!B7"]
    assert first[-3] == "2"  # the figure itself stays a number
    assert "\"'@SUM(1)巴公镇12月报表.xlsx\",\"'=SUM(1,2)!B7\"" in raw
