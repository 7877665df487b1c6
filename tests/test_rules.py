"""Each rule of the notice and each layout problem on real .xlsx built in the test; the CLI through CliRunner."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.findings import CATALOGUE
from bairi.core.form import NOTICE
from build import CUMULATIVE, HAZARDS, PERIOD, check, codes, put, write_return

DATA = Path(__file__).parent / "data"


def drop_hazard_table(ws):
    for merged in [m for m in ws.merged_cells.ranges if m.min_row >= 10]:
        ws.unmerge_cells(str(merged))
    ws.delete_rows(10, 10)


# --- a clean return --------------------------------------------------------------------------

def test_clean_return_reads_every_figure_and_hazard(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月份百日攻坚报表.xlsx"))
    assert ret.ok and codes(ret, skip=()) == [("I303", "Sheet1!C2")]
    assert (ret.town, ret.period, ret.filled_on, ret.filler) == ("巴公镇", "2023-12", date(2023, 12, 24), "张三")
    assert ret.values("period") == PERIOD | {"fines": Decimal("1.5")}
    assert ret.values("cumulative") == CUMULATIVE | {"fines": Decimal("3.25")}
    assert [h.as_dict() for h in ret.hazards] == [
        dict(HAZARDS[0], seq="1", location="Sheet1!A12"), dict(HAZARDS[1], seq="2", location="Sheet1!A13")]


# --- errors: figures ------------------------------------------------------------------------

def test_negative_fractional_and_non_numeric_counts(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(B7=-2, C7=24.5, D7="若干", H8="见附件")))
    assert codes(ret) == [("E407", "Sheet1!B7"), ("E408", "Sheet1!C7"), ("E420", "Sheet1!D7"), ("E409", "Sheet1!H8")]
    assert ret.values("period")["teams"] == -2
    assert (ret.values("period")["enterprises"], ret.values("period")["general_found"]) == (None, None)
    messages = [f.message for f in ret.findings if f.code != "I303"]
    assert messages == ["“成立督查组”为负数-2", "“排查企业”为小数24.5，应为整数", "“一般隐患排查”填写“若干”，是约数或范围，不是确切的数字",
                        "“责令限期整改企业”填写“见附件”，不是数字"]
    assert not ret.ok


def test_negative_fines_are_an_error(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7=-0.5)))
    assert codes(ret) == [("E407", "Sheet1!I7")]


def test_formula_without_cached_value_is_unknown_not_zero(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(B7="=1+1", D8="=D7+45")))
    assert codes(ret) == [("E410", "Sheet1!B7"), ("E410", "Sheet1!D8")]
    assert ret.values("period")["teams"] is None and ret.values("cumulative")["general_found"] is None
    assert not ret.ok


def test_date_boolean_and_huge_values_in_figure_cells(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(B7=datetime(2023, 12, 1), C7=True, D7=1e15)))
    assert codes(ret) == [("E411", "Sheet1!B7"), ("E415", "Sheet1!C7"), ("E413", "Sheet1!D7")]


# --- errors: consistency ------------------------------------------------------------------------

def test_cumulative_below_period_in_any_column(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", cumulative=dict(CUMULATIVE, teams=1, fines=1.2)))
    assert codes(ret) == [("E501", "Sheet1!B8"), ("E501", "Sheet1!I8")]
    assert [f.message for f in ret.findings if f.code == "E501"] == [
        "“成立督查组”累计1小于本期2", "“行政罚款”累计1.2小于本期1.5"]


def test_cumulative_equal_to_period_is_fine_in_the_first_month(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇11月.xlsx", filled_on=date(2023, 11, 24), cumulative=dict(PERIOD),
                             hazards=HAZARDS[:1]))
    assert codes(ret) == []


def test_fixed_above_found_only_counts_in_the_cumulative_row(tmp_path):
    # This month a town may rectify more than it found (older hazards); since the campaign began it cannot.
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", period=dict(PERIOD, general_fixed=45, major_fixed=1, major_found=0),
                             cumulative=dict(CUMULATIVE, general_fixed=86, major_fixed=3)))
    assert codes(ret) == [("E502", "Sheet1!E8"), ("E502", "Sheet1!G8")]
    assert ret.findings[-2].message == "累计行“一般隐患已整改”86大于“一般隐患排查”85"


# --- errors and warnings: who, when --------------------------------------------------------------

def test_unknown_unit_is_an_error(tmp_path):
    ret = check(write_return(tmp_path / "崇文镇12月.xlsx", unit="陵川县崇文镇应急管理中心"))
    assert codes(ret) == [("E302", "Sheet1!C2")]
    assert ret.town is None and not ret.ok


def test_blank_unit_with_the_town_in_the_file_name_is_a_warning(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", unit=""))
    assert (ret.town, codes(ret)) == ("巴公镇", [("W304", "Sheet1!C2")])
    assert ret.ok


def test_blank_unit_and_no_town_anywhere_is_an_error(tmp_path):
    ret = check(write_return(tmp_path / "12月报表.xlsx", unit=""))
    assert codes(ret) == [("E301", "Sheet1!C2")]


def test_blank_filler_is_a_warning(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", filler=""))
    assert codes(ret) == [("W310", "Sheet1!C3")]


def test_no_date_and_no_month_anywhere_is_an_error(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇工作报告表.xlsx", filled_on=None))
    assert codes(ret) == [("W305", "Sheet1!C4"), ("E309", "巴公镇工作报告表.xlsx")]
    assert ret.period is None and not ret.ok


def test_no_date_but_a_month_in_the_name_is_only_a_warning(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", filled_on=None))
    assert codes(ret) == [("W305", "Sheet1!C4")]
    assert ret.ok and ret.period == "2023-12"


def test_month_outside_the_campaign(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇3月.xlsx"))
    assert codes(ret) == [("E311", "巴公镇3月.xlsx")]
    assert ret.findings[-1].message == "报告期2024-03不是本次行动的报送期（2023-11、2023-12、2024-01）"


def test_filled_on_outside_the_campaign_and_before_the_period(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇1月.xlsx", filled_on=date(2023, 1, 22)))
    assert codes(ret) == [("W308", "Sheet1!C4"), ("W312", "Sheet1!C4")]
    assert ret.ok


def test_filled_on_after_the_campaign(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇1月.xlsx", filled_on=date(2024, 3, 1)))
    assert codes(ret) == [("W308", "Sheet1!C4")]


# --- warnings: the hazards and the 50% rule ------------------------------------------------------

def test_hazard_rows_must_match_cumulative_major_found(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", hazards=HAZARDS[:1]))
    assert codes(ret) == [("W503", "Sheet1!A11")]
    assert ret.findings[-1].message == "重大隐患明细1行，与累计排查重大隐患2项不一致"


def test_hazard_row_problems_each_located_at_their_cell(tmp_path):
    hazards = [dict(HAZARDS[0], enterprise="", supervisor="", detail=""),
               dict(HAZARDS[1], town="高都镇", category="化工")]
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", hazards=hazards))
    assert codes(ret) == [("W506", "Sheet1!B12"), ("W504", "Sheet1!E13"), ("W505", "Sheet1!G13")]
    assert [f.message for f in ret.findings if f.code != "I303"] == [
        "明细第1行未填写企业名称、挂牌督办单位、重大隐患明细及整改计划",
        "明细第2行所在镇“高都镇”不是填报单位“巴公镇”",
        "明细第2行行业类别“化工”不在工贸行业类别（冶金、有色、建材、机械、轻工、纺织、烟草、商贸）内"]
    assert ret.ok


def test_hazard_town_and_category_written_loosely_are_accepted(tmp_path):
    hazards = [dict(HAZARDS[0], town="巴公"), dict(HAZARDS[1], town="巴公镇人民政府", category="机械行业")]
    assert codes(check(write_return(tmp_path / "巴公镇12月.xlsx", hazards=hazards))) == []


def test_missing_hazard_table_with_major_hazards_is_an_error(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=drop_hazard_table))
    assert codes(ret) == [("E204", "Sheet1")]


def test_missing_hazard_table_without_major_hazards_is_a_warning(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=drop_hazard_table, period=dict(PERIOD, major_found=0),
                             cumulative=dict(CUMULATIVE, major_found=0, major_fixed=0)))
    assert codes(ret) == [("W210", "Sheet1")]
    assert ret.ok


@pytest.mark.parametrize("town, enterprises, warned", [
    ("巴公镇", 22, True), ("巴公镇", 23, False), ("南村镇", 18, True), ("南村镇", 19, False),
    ("犁川镇", 2, True), ("犁川镇", 3, False), ("川底镇", 3, False),
])
def test_half_of_the_towns_enterprises_each_month(tmp_path, town, enterprises, warned):
    ret = check(write_return(tmp_path / f"{town}12月.xlsx", unit=town, period=dict(PERIOD, enterprises=enterprises),
                             hazards=[dict(h, town=town) for h in HAZARDS]))
    assert codes(ret) == ([("W507", "Sheet1!C7")] if warned else [])


def test_fifty_percent_message_names_the_numbers(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", period=dict(PERIOD, enterprises=22)))
    assert ret.findings[-1].message == "本期排查企业22家，少于辖区企业45家的一半（应至少23家）"


def test_county_return_is_accepted_at_its_own_level(tmp_path):
    ret = check(write_return(tmp_path / "泽州县12月.xlsx", unit="泽州县应急管理局",
                             period=dict(PERIOD, enterprises=3)))
    assert (ret.town, codes(ret, skip=()), ret.ok) == ("泽州县应急管理局", [], True)
    stranger = check(write_return(tmp_path / "x" / "泽州县12月.xlsx", unit="泽州县应急管理局",
                                  hazards=[dict(HAZARDS[0], town="崇文镇"), HAZARDS[1]]))
    assert codes(stranger) == [("W508", "Sheet1!E12")]
    assert stranger.findings[-1].message == "明细第1行所在镇“崇文镇”不是本次行动的16个报送单位之一"


# --- layout problems ----------------------------------------------------------------------------

def test_not_the_form_at_all(tmp_path):
    def edit(ws):
        ws.delete_rows(1, 30)
        ws["A1"], ws["B1"] = "姓名", "电话"
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit))
    assert codes(ret, skip=()) == [("E201", "Sheet1")]
    assert not ret.ok


def test_missing_row(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(A8=None)))
    assert codes(ret) == [("E202", "Sheet1")]
    assert ret.findings[-1].message == "统计表缺少“累计”行"


def test_row_with_another_name_is_an_extra_row_and_the_form_row_is_missing(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(A7="合计")))
    assert codes(ret) == [("W208", "Sheet1!A7"), ("E202", "Sheet1")]


def test_missing_column(tmp_path):
    def edit(ws):
        ws.unmerge_cells("J5:J6")
        for row in range(5, 9):
            ws[f"J{row}"] = None
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit))
    assert codes(ret) == [("E203", "Sheet1!A5")]
    assert ret.findings[-1].message == "统计表缺少“停产整顿（家）”列"
    assert "suspended" not in ret.period_row


def test_duplicate_column(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(O5="停产整顿（家）", O7=1, O8=1)))
    assert codes(ret) == [("E206", "Sheet1!O5")]


def test_duplicate_row(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(A9="累计", B9=4)))
    assert codes(ret) == [("E207", "Sheet1!A9")]


def test_extra_row_is_noted_and_not_counted(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(A9="其中：铸造企业", B9=1, C9=9)))
    assert codes(ret) == [("W208", "Sheet1!A9")]
    assert ret.values("period")["enterprises"] == 25 and ret.ok


# --- the template round trip ----------------------------------------------------------------------

def test_untouched_template_fails_as_empty(tmp_path):
    target = tmp_path / "巴公镇12月报表.xlsx"
    assert CliRunner().invoke(app, ["template", "--town", "巴公镇", "-o", str(target)]).exit_code == 0
    ret = check(target)
    assert codes(ret, skip=()) == [("W310", "工作报告表!C3"), ("W305", "工作报告表!C4"), ("E205", "工作报告表!B7")]
    assert ret.findings[-1].message == "统计表的“冶金工贸”和“累计”两行全部为空，是未填写的空表"


def test_filled_template_passes_with_exact_figures(tmp_path):
    target = tmp_path / "巴公镇12月报表.xlsx"
    assert CliRunner().invoke(app, ["template", "--town", "巴公镇", "-o", str(target)]).exit_code == 0
    workbook = load_workbook(target)
    ws = workbook.active
    ws["C3"], ws["C4"] = "张三", date(2023, 12, 24)
    for index, key in enumerate(NOTICE.keys):
        column = chr(ord("B") + index)
        ws[f"{column}7"], ws[f"{column}8"] = PERIOD[key], CUMULATIVE[key]
    for row, hazard in enumerate(HAZARDS, start=12):
        ws[f"B{row}"], ws[f"E{row}"], ws[f"G{row}"] = hazard["enterprise"], hazard["town"], hazard["category"]
        ws[f"I{row}"], ws[f"K{row}"] = hazard["supervisor"], hazard["detail"]
    workbook.save(target)
    ret = check(target)
    assert codes(ret, skip=()) == []
    assert ret.values("cumulative") == CUMULATIVE | {"fines": Decimal("3.25")}
    assert [h.enterprise for h in ret.hazards] == [h["enterprise"] for h in HAZARDS]


def test_findings_catalogue_entries_have_messages_and_hints_for_errors_and_warnings():
    for code, entry in CATALOGUE.items():
        assert entry.template, code
        if entry.severity.value != "info":
            assert entry.hint, code


# --- the CLI ------------------------------------------------------------------------------------

SPEC_KEYS = {"file", "ok", "town", "period", "filled_on", "period_row", "cumulative_row", "hazards", "findings"}


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_cli_json_for_one_clean_return(tmp_path):
    path = write_return(tmp_path / "巴公镇12月份百日攻坚报表.xlsx")
    result = run("check", str(path), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert SPEC_KEYS <= set(document)
    assert (document["ok"], document["town"], document["period"], document["filled_on"]) == (
        True, "巴公镇", "2023-12", "2023-12-24")
    assert document["period_row"] == PERIOD and document["cumulative_row"] == CUMULATIVE
    assert all(isinstance(document["period_row"][k], int) for k in NOTICE.keys if k != "fines")
    assert set(document["findings"][0]) >= {"code", "severity", "location", "message"}
    assert document["findings"][0] | {"message": ""} == {
        "code": "I303", "severity": "info", "location": "Sheet1!C2", "message": "", "hint": ""}
    assert [h["enterprise"] for h in document["hazards"]] == [h["enterprise"] for h in HAZARDS]


def test_cli_exit_1_and_json_list_for_several_files(tmp_path):
    good = write_return(tmp_path / "巴公镇12月.xlsx")
    # 高都镇 has 24 enterprises: inspecting 20 of them is no finding (25 would be W511).
    bad = write_return(tmp_path / "高都镇12月.xlsx", unit="高都镇", edit=put(B7=-1),
                       hazards=[dict(h, town="高都镇") for h in HAZARDS], period=dict(PERIOD, enterprises=20))
    result = run("check", str(good), str(bad), "--format", "json")
    assert result.exit_code == 1
    documents = json.loads(result.stdout)
    assert [(d["town"], d["ok"]) for d in documents] == [("巴公镇", True), ("高都镇", False)]
    assert [(f["code"], f["severity"], f["location"]) for f in documents[1]["findings"]] == [
        ("E407", "error", "Sheet1!B7")]
    assert documents[1]["period_row"]["teams"] == -1


def test_cli_folder_is_searched_recursively(tmp_path):
    write_return(tmp_path / "in" / "巴公镇12月.xlsx")
    write_return(tmp_path / "in" / "sub" / "高都镇12月.xlsx", unit="高都镇", hazards=[dict(h, town="高都镇") for h in HAZARDS])
    (tmp_path / "in" / "方案.docx").write_bytes(b"not a return")
    (tmp_path / "in" / "~$巴公镇12月.xlsx").write_bytes(b"lock")
    result = run("check", str(tmp_path / "in"), "--format", "json")
    assert result.exit_code == 0
    assert sorted(Path(d["file"]).name for d in json.loads(result.stdout)) == ["巴公镇12月.xlsx", "高都镇12月.xlsx"]


def test_cli_table_says_what_to_do(tmp_path):
    good = write_return(tmp_path / "巴公镇12月.xlsx")
    bad = write_return(tmp_path / "巴公镇1月.xlsx", filled_on=date(2024, 1, 20), edit=put(C7=24.5))
    ok = run("check", str(good))
    assert ok.exit_code == 0 and "√ 可以接收：巴公镇 2023-12" in ok.stdout
    rejected = run("check", str(bad))
    assert rejected.exit_code == 1
    assert "× 需退回修改：巴公镇 2024-01" in rejected.stdout
    assert "Sheet1!C7" in rejected.stdout and "E408" in rejected.stdout


def test_cli_period_option(tmp_path):
    path = write_return(tmp_path / "巴公镇报表.xlsx", filled_on=None)
    assert run("check", str(path)).exit_code == 1
    result = run("check", str(path), "--period", "2023-12", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["period"] == "2023-12"


@pytest.mark.parametrize("args", [
    ["check", "no/such/file.xlsx"],
    ["check", "--period", "2023-13", "x.xlsx"],
    ["check", "--format", "xml", "x.xlsx"],
    ["check"],
])
def test_cli_usage_errors_exit_2_without_traceback(args):
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_missing_path_names_it():
    result = run("check", "no/such/file.xlsx")
    assert result.stderr.strip() == "错误：找不到文件或文件夹：no/such/file.xlsx"
    assert result.stdout == ""


def test_cli_unreadable_file_exits_2_and_says_why(tmp_path):
    fake = tmp_path / "巴公镇12月.xlsx"
    fake.write_text("单位,数量\n巴公镇,3\n", encoding="utf-8")
    result = run("check", str(fake), "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert (document["ok"], [f["code"] for f in document["findings"]]) == (False, ["F103"])
    assert "CSV" in document["findings"][0]["message"]


def test_cli_unreadable_file_among_good_ones_still_exits_2(tmp_path):
    good = write_return(tmp_path / "巴公镇12月.xlsx")
    empty = tmp_path / "高都镇12月.xlsx"
    empty.write_bytes(b"")
    result = run("check", str(good), str(empty))
    assert result.exit_code == 2
    assert "× 无法读取" in result.stdout


def test_cli_empty_folder_exits_2(tmp_path):
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "没有找到报表文件" in result.stdout


def test_fines_written_in_yuan_without_a_unit_are_flagged(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", period=dict(PERIOD, fines=15000),
                             cumulative=dict(CUMULATIVE, fines=15003.25)))
    assert codes(ret) == [("W509", "Sheet1!I7"), ("W509", "Sheet1!I8")]
    assert ret.findings[-2].message == "行政罚款15000万元异常大，是否按元填写了？（如是元，应为1.5万元）"
    assert ret.ok


def test_filled_on_with_a_time_of_day_is_read_as_the_date(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", filled_on="2023-12-24 10:30"))
    assert ret.filled_on == date(2023, 12, 24)


def test_a_figure_hidden_under_a_merged_cell_is_an_error(tmp_path):
    def edit(ws):
        ws.merge_cells("B7:B8")  # Excel shows B7's 2 across both rows; B8 itself is empty

    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit))
    assert ("E208", "Sheet1!B8") in codes(ret)
    assert next(f.message for f in ret.findings if f.code == "E208").startswith("“成立督查组”单元格被合并单元格遮住（其中的值为空")
    assert ret.values("cumulative")["teams"] is None and not ret.ok


def test_a_month_taken_only_from_the_fill_date_is_said_to_be_inferred(tmp_path):
    from datetime import date

    from build import check, write_return

    ret = check(write_return(tmp_path / "巴公镇工作报告表.xlsx", filled_on=date(2023, 12, 1)))
    assert (ret.period, ret.period_source) == ("2023-12", "填表日期2023-12-01")
    [w] = [f for f in ret.findings if f.code == "W314"]
    assert (w.severity.value, w.cell) == ("warning", "Sheet1!C4")
    assert w.message == "文件名和标题中没有月份，报告期按填表日期2023-12-01推定为2023-12"
    assert w.hint == "请在标题或文件名中写明报告月份（如“12月份”）；如这是2023年11月的报表，请改正后重新发送。"
    # The month in the name: nothing is inferred.
    named = check(write_return(tmp_path / "巴公镇12月报表.xlsx", filled_on=date(2023, 12, 1)))
    assert [f.code for f in named.findings if f.code == "W314"] == []


def test_more_enterprises_inspected_than_the_town_has_is_a_warning(tmp_path):
    from build import CUMULATIVE, PERIOD, check, codes, write_return

    # 巴公镇 has 45 enterprises (the notice's campaign); its 累计 of 50 counts repeat visits and is no finding.
    assert CUMULATIVE["enterprises"] == 50
    ret = check(write_return(tmp_path / "巴公镇12月报表.xlsx", period={**PERIOD, "enterprises": 46}))
    [w] = [f for f in ret.findings if f.code == "W511"]
    assert (w.severity.value, w.cell, w.message) == ("warning", "Sheet1!C7", "本期排查企业46家，多于辖区企业45家")
    at_most = check(write_return(tmp_path / "巴公镇12月.xlsx", period={**PERIOD, "enterprises": 45}))
    assert codes(at_most) == []
