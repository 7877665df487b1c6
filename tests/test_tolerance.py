"""Harmless habits are read and noted, never silently: each tolerance on a real .xlsx built in the test."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bairi.core.form import NOTICE
from bairi.write.layout import lay_form, save
from build import CAMPAIGN, CUMULATIVE, HAZARDS, PERIOD, check, codes, put, split_hazards, write_return

# --- figures: blanks, words, text, full-width digits, units, 元 ------------------------------

@pytest.mark.parametrize("raw, value, code", [
    (None, 0, "I401"),
    ("", 0, "I401"),
    ("  ", 0, "I401"),
    ("无", 0, "I402"),
    ("—", 0, "I402"),
    ("/", 0, "I402"),
    ("-", 0, "I402"),
    ("25", 25, "I403"),
    (" 25 ", 25, "I403"),
    ("２５", 25, "I404"),
    ("25家", 25, "I405"),
    ("２５家", 25, "I405"),
    ("25 家", 25, "I405"),
    ("1,025", 1025, "I414"),
])
def test_count_cell_habits_are_read_and_noted(tmp_path, raw, value, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(C7=raw), cumulative=dict(CUMULATIVE, enterprises=1100)))
    assert ret.values("period")["enterprises"] == value
    expected = [(code, "Sheet1!C7")]
    if value < 23:  # the 50% rule: 巴公镇 has 45 enterprises
        expected.append(("W507", "Sheet1!C7"))
    if value > 45:  # more than it has
        expected.append(("W511", "Sheet1!C7"))
    assert codes(ret) == expected
    assert ret.ok


def test_habits_in_one_row_all_noted_in_column_order(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(B7="２", D7="40项", E7="31", H7="无", M7=None)))
    assert [ret.values("period")[k] for k in ("teams", "general_found", "general_fixed", "ordered", "subcontracting")] == [
        2, 40, 31, 0, 0]
    assert codes(ret) == [("I404", "Sheet1!B7"), ("I405", "Sheet1!D7"), ("I403", "Sheet1!E7"), ("I402", "Sheet1!H7"),
                          ("I401", "Sheet1!M7")]
    messages = {f.code: f.message for f in ret.findings}
    assert messages["I404"] == "“成立督查组”含全角数字“２”，按2读取"
    assert messages["I405"] == "“一般隐患排查”填写“40项”，去掉单位后按40读取"
    assert messages["I401"] == "“查处违法分包转包和挂靠资质行为”为空，按0计"


@pytest.mark.parametrize("raw, value, code", [
    ("15000元", Decimal("1.5"), "W406"),
    ("5000元", Decimal("0.5"), "W406"),
    ("1.5万元", Decimal("1.5"), "I405"),
    ("1.5万", Decimal("1.5"), "I405"),
    ("1.5", Decimal("1.5"), "I403"),
    ("１.５", Decimal("1.5"), "I404"),
    (1.5, Decimal("1.5"), None),
    (0.1, Decimal("0.1"), None),
    (2, Decimal("2"), None),
])
def test_fines_in_wan_yuan_and_yuan(tmp_path, raw, value, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7=raw)))
    assert ret.values("period")["fines"] == value
    assert codes(ret) == ([(code, "Sheet1!I7")] if code else [])
    assert ret.ok


def test_fines_message_says_how_yuan_became_wan_yuan(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7="5000元")))
    w406 = next(f for f in ret.findings if f.code == "W406")
    assert w406.severity.value == "warning"
    assert w406.message == "“行政罚款”填写“5000元”（单位为元），折合0.5万元"


def test_fines_with_more_than_four_decimals_are_a_warning(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I8=3.25001)))
    assert ret.values("cumulative")["fines"] == Decimal("3.25001")
    assert codes(ret) == [("W412", "Sheet1!I8")]


def test_fines_add_up_exactly_without_float_noise(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7=0.1, I8=0.3)))
    assert ret.values("period")["fines"] + Decimal("0.2") == ret.values("cumulative")["fines"]


def test_a_count_with_yuan_is_not_a_number(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(H7="3元")))
    assert codes(ret) == [("E409", "Sheet1!H7")]


# --- header fields -------------------------------------------------------------------------

@pytest.mark.parametrize("unit, town, noted", [
    ("巴公镇", "巴公镇", False),
    ("巴公镇应急管理中心", "巴公镇", True),
    ("巴公镇人民政府", "巴公镇", True),
    ("巴公镇应急管理中心（盖章）", "巴公镇", True),
    ("  巴公镇  ", "巴公镇", False),
    ("川底乡", "川底镇", True),
    ("川底乡应急管理中心", "川底镇", True),
    ("李寨乡", "南岭镇", True),
    ("南岭乡人民政府", "南岭镇", True),
    ("泽州县应急管理局", "泽州县应急管理局", False),
])
def test_unit_names_as_towns_write_them(tmp_path, unit, town, noted):
    ret = check(write_return(tmp_path / "12月.xlsx", unit=unit, hazards=[dict(h, town=town) for h in HAZARDS],
                             period=dict(PERIOD, enterprises=5), cumulative=dict(CUMULATIVE, enterprises=10)))
    assert ret.town == town
    assert [(f.code, f.cell) for f in ret.findings if f.code == "I303"] == ([("I303", "Sheet1!C2")] if noted else [])
    assert ret.ok


def test_unit_label_with_a_stamp_note_and_value_in_the_same_cell(tmp_path):
    def edit(ws):
        ws["A2"] = "填报单位（盖章）：川底乡应急管理中心"
        ws["C2"] = None
    ret = check(write_return(tmp_path / "12月.xlsx", edit=edit, period=dict(PERIOD, enterprises=5),
                             hazards=[dict(h, town="川底镇") for h in HAZARDS]))
    assert (ret.town, ret.unit_raw) == ("川底镇", "川底乡应急管理中心")
    assert codes(ret, skip=()) == [("I303", "Sheet1!A2")]


def test_all_three_fields_in_one_cell(tmp_path):
    def edit(ws):
        ws["A2"] = "填报单位：巴公镇应急管理中心      填表人：李明      填表日期：2023年12月22日"
        for ref in ("C2", "A3", "C3", "A4", "C4"):
            ws[ref] = None
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit))
    assert (ret.town, ret.filler, ret.filled_on) == ("巴公镇", "李明", date(2023, 12, 22))
    assert codes(ret, skip=()) == [("I303", "Sheet1!A2"), ("I307", "Sheet1!A2")]


@pytest.mark.parametrize("raw, expected, code", [
    (date(2023, 12, 24), date(2023, 12, 24), None),
    (datetime(2023, 12, 24, 9, 30), date(2023, 12, 24), None),
    ("2023年12月24日", date(2023, 12, 24), "I307"),
    ("2023年12月24号", date(2023, 12, 24), "I307"),
    ("2023.12.24", date(2023, 12, 24), "I307"),
    ("2023/12/24", date(2023, 12, 24), "I307"),
    ("2023-12-24", date(2023, 12, 24), "I307"),
    ("2023 年 12 月 24 日", date(2023, 12, 24), "I307"),
    ("２０２３年１２月２４日", date(2023, 12, 24), "I307"),
    ("20231224", date(2023, 12, 24), "I307"),
    ("12月24日", date(2023, 12, 24), "I307"),
    ("1月20日", date(2024, 1, 20), "I307"),
    ("上周五", None, "W306"),
    ("2023年13月1日", None, "W306"),
    (None, None, "W305"),
])
def test_filled_on_as_towns_write_it(tmp_path, raw, expected, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(C4=raw)))
    assert ret.filled_on == expected
    where = "Sheet1!C4"  # the value cell, filled or not
    extra = [("W312", "Sheet1!C4")] if expected and expected < date(2023, 12, 1) else []
    assert codes(ret) == ([(code, where)] if code else []) + extra
    assert ret.ok


def test_filled_on_as_an_excel_serial_number_without_date_format(tmp_path):
    def edit(ws):
        ws["C4"] = 45284
        ws["C4"].number_format = "General"
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit))
    assert ret.filled_on == date(2023, 12, 24)
    assert codes(ret) == [("I307", "Sheet1!C4")]


# --- where the period comes from --------------------------------------------------------------

@pytest.mark.parametrize("name, period, source", [
    ("巴公镇12月份百日攻坚报表.xlsx", "2023-12", "文件名"),
    ("巴公镇2023-12报表.xlsx", "2023-12", "文件名"),
    ("巴公镇2023年12月工作报告表.xlsx", "2023-12", "文件名"),
    ("巴公镇十二月份报表.xlsx", "2023-12", "文件名"),
    ("巴公镇十一月份报表.xlsx", "2023-11", "文件名"),
    ("巴公镇一月份报表.xlsx", "2024-01", "文件名"),
    ("巴公镇报表202401.xlsx", "2024-01", "文件名"),
    ("巴公镇百日攻坚工作报告表2023.11.xlsx", "2023-11", "文件名"),
    ("巴公镇工作报告表(1月).xlsx", "2024-01", "文件名"),
    ("巴公镇报表.xlsx", "2023-12", "填表日期"),
])
def test_period_from_the_file_name_else_the_date(tmp_path, name, period, source):
    ret = check(write_return(tmp_path / name, filled_on=date(2023, 12, 24)))
    assert ret.period == period
    assert ret.period_source.startswith(source)


def test_period_option_wins_over_everything(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇11月.xlsx"), period="2024-01")
    assert (ret.period, ret.period_source) == ("2024-01", "命令行参数 --period")


@pytest.mark.parametrize("title, period", [
    ("泽州县冶金工贸行业安全生产“百日攻坚”冬季行动工作报告表（2023年11月）", "2023-11"),
    ("泽州县冶金工贸行业安全生产“百日攻坚”冬季行动工作报告表（十一月份）", "2023-11"),
    ("百日攻坚工作报告表 2024-01", "2024-01"),
])
def test_period_from_the_title_when_the_name_has_none(tmp_path, title, period):
    ret = check(write_return(tmp_path / "巴公镇工作报告表.xlsx", edit=put(A1=title), filled_on=date(2024, 1, 22)))
    assert ret.period == period
    assert ret.period_source.startswith("标题")
    assert ret.ok


def test_file_name_month_wins_over_the_title(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(A1="工作报告表（十一月份）")))
    assert ret.period == "2023-12"


# --- the layout: labels, positions, sheets -------------------------------------------------------

def test_header_labels_with_line_breaks_spaces_and_full_width_brackets(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(
        A5="行　业", B5="成立\n督查组\n(个)", C5="排 查 企 业（家）", D5="一 般\n隐 患", D6="排查\n（项）",
        E6="已 整 改\n(项)", I5="行政罚款\n（万元）", M5="查处违法分包转包\n和挂靠资质行为\n（个）")))
    assert ret.values("period") == {k: (Decimal(str(v)) if k == "fines" else v) for k, v in PERIOD.items()}
    assert codes(ret) == []


def test_row_labels_towns_write_instead_of_the_forms(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(A7="冶金工贸（本月）", A8="累计（自11月6日起）")))
    assert ret.period_row["teams"].location == "Sheet1!B7"
    assert ret.cumulative_row["teams"].location == "Sheet1!B8"
    assert codes(ret) == []


def test_placeholder_row_of_the_form_is_ignored_and_noted(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(A14="....")))
    assert len(ret.hazards) == 2
    assert codes(ret) == [("I209", "Sheet1!A14")]


def test_numbered_empty_hazard_rows_are_not_hazards(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(A14=3, A15=4, A16="5")))
    assert len(ret.hazards) == 2
    assert codes(ret) == []


def _copy_shifted(source: Path, target: Path, down: int, right: int, sheet_name: str = "报表") -> Path:
    """The same return with every value moved `down` rows and `right` columns (a town's own layout)."""
    old = load_workbook(source).active
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet_name
    for row in old.iter_rows():
        for cell in row:
            if cell.value is not None:
                new = ws.cell(cell.row + down, cell.column + right, cell.value)
                new.number_format = cell.number_format
    save(workbook, target)
    return target


def test_table_moved_down_and_right_reads_the_same_figures_with_new_cells(tmp_path):
    clean = check(write_return(tmp_path / "clean" / "巴公镇12月.xlsx"))
    moved = check(_copy_shifted(clean.file, tmp_path / "巴公镇12月.xlsx", down=4, right=2))
    for row in ("period", "cumulative"):
        assert moved.values(row) == clean.values(row)
    assert [h.as_dict() | {"location": ""} for h in moved.hazards] == [h.as_dict() | {"location": ""} for h in clean.hazards]
    assert moved.period_row["teams"].location == "报表!D11"
    assert moved.cumulative_row["labor_dispatch"].location == "报表!P12"
    assert moved.hazards[0].location == "报表!C16"
    assert (moved.town, moved.filler, moved.filled_on) == (clean.town, clean.filler, clean.filled_on)
    assert codes(moved, skip=()) == [("I303", "报表!E6")]


def test_tables_split_over_two_sheets(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=split_hazards))
    assert [(h.enterprise, h.location, h.cells["detail"]) for h in ret.hazards] == [
        (HAZARDS[0]["enterprise"], "重大隐患明细!A2", "重大隐患明细!F2"),
        (HAZARDS[1]["enterprise"], "重大隐患明细!A3", "重大隐患明细!F3")]
    assert ret.values("cumulative")["major_found"] == 2
    assert codes(ret) == []


def test_a_renamed_sheet_among_empty_ones(tmp_path):
    def edit(ws):
        ws.title = "巴公镇12月报表"
        ws.parent.create_sheet("Sheet2", 0)
        ws.parent.create_sheet("Sheet3")
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit))
    assert ret.period_row["enterprises"].location == "巴公镇12月报表!C7"
    assert codes(ret) == []


def _monthly_workbook(path: Path, months: list[tuple[str, date, int]]) -> Path:
    """One workbook with a sheet per month, as towns keep them; `teams` tells the months apart."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet_name, filled, teams in months:
        ws = workbook.create_sheet(sheet_name)
        lay_form(ws, CAMPAIGN, unit="巴公镇", filler="张三", filled_on=filled, period=dict(PERIOD, teams=teams),
                 cumulative=dict(CUMULATIVE, teams=teams + 2), hazards=HAZARDS)
    save(workbook, path)
    return path


MONTHS = [("11月", date(2023, 11, 22), 1), ("12月", date(2023, 12, 22), 2), ("1月", date(2024, 1, 22), 3)]


def test_sheet_per_month_workbook_reads_the_month_of_the_file_name(tmp_path):
    ret = check(_monthly_workbook(tmp_path / "巴公镇12月报表.xlsx", MONTHS))
    assert (ret.period, ret.values("period")["teams"], ret.filled_on) == ("2023-12", 2, date(2023, 12, 22))
    assert ret.hazards[0].location == "12月!A12"
    assert codes(ret) == [("I211", "12月!A5")]
    assert ret.findings[0].message == "工作簿中有3个报告表（“11月”、“12月”、“1月”），按报告期2023-12读取工作表“12月”"


def test_sheet_per_month_workbook_follows_the_period_option(tmp_path):
    ret = check(_monthly_workbook(tmp_path / "巴公镇报表.xlsx", MONTHS), period="2023-11")
    assert (ret.period, ret.values("period")["teams"]) == ("2023-11", 1)
    assert codes(ret) == [("I211", "11月!A5")]


def test_sheet_per_month_workbook_without_a_month_takes_the_latest_and_warns(tmp_path):
    ret = check(_monthly_workbook(tmp_path / "巴公镇报表.xlsx", MONTHS))
    assert (ret.period, ret.values("period")["teams"]) == ("2024-01", 3)
    # No month in the file name or title: the month is the fill date's, and said to be inferred.
    assert codes(ret) == [("W212", "1月!A5"), ("W314", "1月!C4")]
    assert ret.ok


def test_a_per_town_breakdown_sheet_with_the_same_header_is_not_a_second_return(tmp_path):
    def edit(ws):
        breakdown = ws.parent.create_sheet("分镇明细")
        for row in (5, 6):
            for cell in ws[row]:
                breakdown.cell(row - 4, cell.column, cell.value)
        for row, label in enumerate(["冶金工贸", "累计"] * 3, start=3):
            breakdown.cell(row, 1, label)
            breakdown.cell(row, 2, row)
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit))
    assert ret.period_row["teams"].location == "Sheet1!B7"
    assert codes(ret) == []


def test_a_hidden_copy_of_the_form_does_not_compete(tmp_path):
    def edit(ws):
        copy = ws.parent.copy_worksheet(ws)
        copy.title = "模板"
        copy.sheet_state = "hidden"
        for key_cell in ("B7", "B8"):
            copy[key_cell] = 99
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=edit))
    assert ret.values("period")["teams"] == 2
    assert codes(ret) == []


def test_every_key_is_read_from_its_own_column(tmp_path):
    period = {key: index + 1 for index, key in enumerate(NOTICE.keys)}
    cumulative = {key: 100 + index for index, key in enumerate(NOTICE.keys)}
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", period=period, cumulative=cumulative, hazards=[]))
    assert ret.values("period") == period
    assert ret.values("cumulative") == cumulative
    assert [ret.period_row[k].location for k in NOTICE.keys] == [f"Sheet1!{c}7" for c in "BCDEFGHIJKLMN"]
