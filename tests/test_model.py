"""The return as pydantic models: the type rules are field constraints, and each broken one is its catalogue
finding at the cell — on real .xlsx returns built in the test, read by the tolerant reader."""

from __future__ import annotations

import pickle
from decimal import Decimal

from bairi.core.findings import Finding, finding
from bairi.core.form import NOTICE
from bairi.core.model import Figure, Hazard, Return, row_model
from bairi.core.values import read_figure
from build import check, codes, put, write_return


def messages(ret):
    return [(f.code, f.cell, f.message) for f in ret.findings if f.code != "I303"]


def test_a_negative_count_is_e407_at_its_cell_and_keeps_its_figure(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(H7=-1)))
    assert messages(ret) == [("E407", "Sheet1!H7", "“责令限期整改企业”为负数-1")]
    assert (ret.period_row["ordered"].value, ret.period_row["ordered"].location) == (-1, "Sheet1!H7")
    assert not ret.ok


def test_a_decimal_count_is_e408_at_its_cell_and_is_no_count(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(C7=7.5)))
    assert messages(ret) == [("E408", "Sheet1!C7", "“排查企业”为小数7.5，应为整数")]
    assert ret.period_row["enterprises"].value is None and ret.period_row["enterprises"].raw == 7.5
    assert not ret.ok


def test_a_fine_with_five_decimals_is_w412_at_its_cell_and_is_kept(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7=0.12345)))
    assert messages(ret) == [("W412", "Sheet1!I7", "“行政罚款”为0.12345，小数超过4位")]
    assert ret.values("period")["fines"] == Decimal("0.12345")
    assert ret.ok


def test_a_negative_fine_is_e407_at_its_cell(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7="-0.5")))
    assert messages(ret) == [("I403", "Sheet1!I7", "“行政罚款”是文本“-0.5”，按数字-0.5读取"),
                             ("E407", "Sheet1!I7", "“行政罚款”为负数-0.5")]
    assert ret.values("period")["fines"] == Decimal("-0.5") and not ret.ok


def test_both_rules_broken_at_once_are_both_said_and_the_error_still_rejects(tmp_path):
    # pydantic stops at a field's first broken constraint: the sign (Figure) and the kind (Row) are checked
    # apart so that a negative fine finer than 1 元 is refused, not only noted.
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7=-0.12345, B7=-2.5)))
    assert codes(ret) == [("E407", "Sheet1!B7"), ("E408", "Sheet1!B7"), ("E407", "Sheet1!I7"), ("W412", "Sheet1!I7")]
    assert (ret.values("period")["teams"], ret.values("period")["fines"]) == (None, Decimal("-0.12345"))
    assert not ret.ok


def test_the_reader_no_longer_judges_sign_or_decimals_the_model_does():
    assert (read_figure(-2.0, "count").value, read_figure(-2.0, "count").notes) == (-2, [])
    assert (read_figure("24.5", "count").value, [c for c, _ in read_figure("24.5", "count").notes]) == (Decimal("24.5"), ["I403"])
    assert (read_figure(0.12345, "amount").value, read_figure(0.12345, "amount").notes) == (Decimal("0.12345"), [])
    figure, found = Figure.checked("fines", "Sheet1!I8", "-1.00001", Decimal("-1.00001"), NOTICE)
    assert (figure.value, [(f.code, f.cell) for f in found]) == (Decimal("-1.00001"), [("E407", "Sheet1!I8"), ("W412", "Sheet1!I8")])
    figure, found = Figure.checked("teams", "Sheet1!B7", 3.0, 3, NOTICE)
    assert (figure.value, found) == (3, [])


def test_the_models_have_a_json_schema():
    schema = Return.model_json_schema()
    assert {"file", "town", "period", "filled_on", "period_row", "cumulative_row", "hazards", "findings"} <= set(schema["properties"])
    assert {"Figure", "Hazard", "Finding", "Severity"} <= set(schema["$defs"])
    value = schema["$defs"]["Figure"]["properties"]["value"]
    assert all(branch.get("minimum") == 0 for branch in value["anyOf"] if branch.get("type") in ("integer", "number"))
    assert schema["$defs"]["Severity"]["enum"] == ["error", "warning", "info"]
    row = row_model(NOTICE).model_json_schema()["properties"]
    assert row["teams"]["anyOf"][0] == {"type": "integer"} and len(row) == 13


def test_a_checked_return_survives_pickling_between_processes(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(C7=7.5, I7=0.12345)))
    back = pickle.loads(pickle.dumps(ret))
    assert back == ret and back.period_row["fines"].value == Decimal("0.12345")
    assert [(f.code, f.cell) for f in back.findings] == [(f.code, f.cell) for f in ret.findings]


def test_findings_are_frozen_models_and_copies_leave_the_original_alone(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx"))
    note = finding("I603", "x.xlsx", newer="y.xlsx", changes="数字无变化")
    assert isinstance(note, Finding) and hash(note) == hash(finding("I603", "x.xlsx", newer="y.xlsx", changes="数字无变化"))
    copy = ret.model_copy(update={"findings": [*ret.findings, note]})
    assert copy.findings[-1] is note and note not in ret.findings and copy.town == ret.town
    assert isinstance(ret.hazards[0], Hazard) and ret.hazards[0].cells["enterprise"] == "Sheet1!B12"
