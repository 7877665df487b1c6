"""A hazard table far beyond what any unit writes is refused with a clear Chinese message, never matched for hours."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from bairi.guard.limits import MAX_HAZARD_ROWS
from bairi.read import reader
from build import HAZARDS, write_return

runner = CliRunner()


def _rows(count: int) -> list[dict[str, str]]:
    return [dict(HAZARDS[n % len(HAZARDS)], enterprise=f"泽州县第{n}铸造有限公司") for n in range(count)]


@pytest.mark.parametrize(("rows", "refused"), [(40, False), (41, True)])
def test_the_limit_is_exact(tmp_path, monkeypatch, rows, refused):
    monkeypatch.setattr(reader, "MAX_HAZARD_ROWS", 40)
    path = write_return(tmp_path / "巴公镇12月份报表.xlsx", hazards=_rows(rows))
    result = runner.invoke(app, ["check", str(path), "--format", "json"])
    doc = json.loads(result.stdout)
    codes = [f["code"] for f in doc["findings"] if f["severity"] == "error"]
    assert (result.exit_code, codes, len(doc["hazards"])) == ((2, ["F170"], 0) if refused else (0, [], rows))


def test_a_table_beyond_the_real_limit_is_refused_in_chinese(tmp_path):
    def fill(ws):
        # Plain values straight into the table's rows: the form's own styling of 20,000 rows would take a minute.
        first = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == HAZARDS[0]["enterprise"])
        for n in range(MAX_HAZARD_ROWS + 1):
            for column, value in enumerate((n + 1, f"泽州县第{n}铸造有限公司", "巴公镇", "机械", "巴公镇人民政府",
                                            HAZARDS[n % len(HAZARDS)]["detail"]), start=1):
                ws.cell(first + n, column, value)

    path = write_return(tmp_path / "巴公镇12月份报表.xlsx", edit=fill)
    result = runner.invoke(app, ["check", str(path), "--format", "json"])
    assert result.exit_code == 2
    [refused] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "F170"]
    assert refused["message"] == f"“重大隐患明细”超过{MAX_HAZARD_ROWS:,}行，远多于任何单位的填报，已拒绝读取"
    text = runner.invoke(app, ["check", str(path)])
    assert f"× 无法读取：“重大隐患明细”超过{MAX_HAZARD_ROWS:,}行" in text.stdout
