"""Returns as town clerks really fill them (issue 12): each habit read exactly and noted, or refused at its cell.

Every case is a real .xlsx built here (error values written into the sheet XML as Excel saves them); the
same habits saved by LibreOffice as .xlsx, .xls and .ods are under tests/data/ (made by make_habits.py).
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bairi.core.values import chinese_integer
from build import (
    CUMULATIVE,
    HAZARDS,
    PERIOD,
    check,
    codes,
    put,
    write_return,
    written_chinese,
)

DATA = Path(__file__).parent / "data"
FORMATS = ("xlsx", "xls", "ods")


def patch_cells(path: Path, cells: dict[str, str]) -> Path:
    """The workbook with some cells of its first sheet rewritten as raw sheet XML (what openpyxl cannot write)."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    for place, cell in cells.items():
        xml, count = re.subn(rf'<c r="{place}"[^>]*?(?:/>|>.*?</c>)', cell, xml, count=1)
        assert count == 1, place
    parts["xl/worksheets/sheet1.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def with_cached_errors(path: Path, errors: dict[str, tuple[str | None, str]]) -> Path:
    """The workbook with some cells replaced by what Excel saves for a failed formula: <c t="e"><f>…</f><v>#REF!</v>."""
    return patch_cells(path, {place: f'<c r="{place}" t="e">' + (f"<f>{formula}</f>" if formula else "")
                              + f"<v>{shown}</v></c>" for place, (formula, shown) in errors.items()})


# --- error values -------------------------------------------------------------------------------

@pytest.mark.parametrize("shown", ["#REF!", "#VALUE!", "#N/A", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"])
def test_a_cached_error_value_is_an_unknown_figure_not_zero(tmp_path, shown):
    path = with_cached_errors(write_return(tmp_path / "巴公镇12月.xlsx"), {"C7": ("'11月'!C7+0", shown)})
    ret = check(path)
    assert ret.values("period")["enterprises"] is None
    assert codes(ret) == [("E416", "Sheet1!C7")]
    assert ret.findings[-1].message == f"“排查企业”是错误值 {shown}（公式无法算出结果），数值未知（不能按0计）"
    assert not ret.ok


def test_error_values_pasted_without_formulas_and_in_the_fines_and_the_date(tmp_path):
    path = with_cached_errors(write_return(tmp_path / "巴公镇12月.xlsx"),
                              {"I8": (None, "#REF!"), "N7": ("#REF!", "#REF!"), "C4": ("TODAY()+#REF!", "#REF!")})
    ret = check(path)
    assert (ret.values("cumulative")["fines"], ret.values("period")["labor_dispatch"]) == (None, None)
    assert ret.filled_on is None
    assert codes(ret) == [("W306", "Sheet1!C4"), ("E416", "Sheet1!N7"), ("E416", "Sheet1!I8")]


def test_error_text_typed_into_a_figure_cell_is_no_figure_either(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(D7="#DIV/0!", E7="Err:502")))
    assert codes(ret) == [("E416", "Sheet1!D7"), ("E416", "Sheet1!E7")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_libreoffice_computed_are_refused_in_every_format(fmt):
    ret = check(DATA / f"habit_errors.{fmt}", "2023-12")
    assert ret.format == fmt
    assert (ret.values("period")["enterprises"], ret.values("cumulative")["ordered"]) == (None, None)
    assert [(f.code, f.cell) for f in ret.findings if f.code != "I303"] == [("E416", "Sheet1!C7"), ("E416", "Sheet1!H8")]
    shown = {f.cell: f.message.split("错误值 ")[1].split("（")[0] for f in ret.findings if f.code == "E416"}
    assert shown == {"Sheet1!C7": "#DIV/0!", "Sheet1!H8": "#N/A"}
    assert ret.values("period")["teams"] == PERIOD["teams"]


# --- units of the fines --------------------------------------------------------------------------

@pytest.mark.parametrize("header, period, cumulative, value, code", [
    ("行政罚款（元）", 15000, 32500, (Decimal("1.5"), Decimal("3.25")), "I417"),
    ("行政罚款\n(元)", 15000, 32500, (Decimal("1.5"), Decimal("3.25")), "I417"),
    ("行政罚款（单位：元）", 15000, 32500, (Decimal("1.5"), Decimal("3.25")), "I417"),
    ("行政罚款（千元）", 15, 32.5, (Decimal("1.5"), Decimal("3.25")), "I417"),
    ("行政罚款（元）", "15000元", "32,500", (Decimal("1.5"), Decimal("3.25")), "I417"),
    ("行政罚款（万元）", 1.5, 3.25, (Decimal("1.5"), Decimal("3.25")), None),
    ("行政罚款", 1.5, 3.25, (Decimal("1.5"), Decimal("3.25")), None),
])
def test_a_header_in_another_unit_converts_every_figure_below_it(tmp_path, header, period, cumulative, value, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I5=header, I7=period, I8=cumulative)))
    assert (ret.values("period")["fines"], ret.values("cumulative")["fines"]) == value
    assert codes(ret) == ([(code, "Sheet1!I7"), (code, "Sheet1!I8")] if code else [])
    assert ret.ok


def test_the_conversion_note_says_the_unit_and_the_result(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I5="行政罚款（元）", I7=5000, I8=32500)))
    assert ret.findings[-2].message == "“行政罚款”按表头单位“元”读取：“5000”折合0.5万元"
    assert ret.findings[-2].severity.value == "info"


def test_a_figure_naming_its_own_unit_wins_over_the_header(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I5="行政罚款（元）", I7="1.5万元", I8=32500)))
    assert (ret.values("period")["fines"], ret.values("cumulative")["fines"]) == (Decimal("1.5"), Decimal("3.25"))
    assert codes(ret) == [("I405", "Sheet1!I7"), ("I417", "Sheet1!I8")]


@pytest.mark.parametrize("header, raw, shown", [
    ("行政罚款（元）", 5000.5, "0.50005"),
    ("行政罚款（元）", 1.5, "0.00015"),
    ("行政罚款（万）", "5000.5元", "0.50005"),
    ("行政罚款（千元）", 0.5555, "0.05555"),
])
def test_a_converted_fine_finer_than_one_yuan_is_refused(tmp_path, header, raw, shown):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I5=header, I7=raw, I8=32500 if "元" in header else 3.25)))
    assert ret.values("period")["fines"] is None
    assert [(f.code, f.cell) for f in ret.findings if f.cell == "Sheet1!I7"] == [("E418", "Sheet1!I7")]
    assert f"折合{shown}万元" in next(f.message for f in ret.findings if f.code == "E418")
    assert not ret.ok


def test_a_fines_header_counting_cases_is_no_amount(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I5="行政罚款（起）", I7=2, I8=3)))
    assert (ret.values("period")["fines"], ret.values("cumulative")["fines"]) == (None, None)
    assert codes(ret) == [("E419", "Sheet1!I7"), ("E419", "Sheet1!I8")]


@pytest.mark.parametrize("raw, value, code", [
    ("0.5万元", Decimal("0.5"), "I405"),
    ("0.5 万", Decimal("0.5"), "I405"),
    ("5千元", Decimal("0.5"), "W406"),
    ("5,000元", Decimal("0.5"), "W406"),
    ("5,000 元", Decimal("0.5"), "W406"),
    ("5000（元）", Decimal("0.5"), "W406"),
    ("五千元", Decimal("0.5"), "W406"),
    ("一点五万元", Decimal("1.5"), "I421"),
    ("1.5(万元)", Decimal("1.5"), "I405"),
    ("5000元整", Decimal("0.5"), "W406"),
    ("伍仟元整", Decimal("0.5"), "W406"),
    ("壹万伍仟元", Decimal("1.5"), "W406"),
    ("五万七千零五十元", Decimal("5.705"), "W406"),
    ("三十万元", Decimal(30), "I421"),
])
def test_a_unit_written_after_the_fine(tmp_path, raw, value, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7=raw, I8=50)))
    assert ret.values("period")["fines"] == value
    assert codes(ret) == [(code, "Sheet1!I7")]


@pytest.mark.parametrize("raw", ["3起", "2家", "5000元/2起", "约5000元", "0.5-1万元"])
def test_a_fine_that_is_no_amount_is_refused(tmp_path, raw):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7=raw)))
    assert ret.values("period")["fines"] is None
    assert [f.code for f in ret.findings if f.cell == "Sheet1!I7"] in (["E409"], ["E420"])
    assert not ret.ok


# --- counts: units in brackets, Chinese numerals, estimates -------------------------------------------

@pytest.mark.parametrize("raw, value, code", [
    ("3（个）", 3, "I405"),
    ("12(家)", 12, "I405"),
    ("12 （家）", 12, "I405"),
    ("1,025家", 1025, "I405"),
    ("三", 3, "I421"),
    ("两家", 2, "I421"),
    ("十二", 12, "I421"),
    ("叁", 3, "I421"),
    ("壹拾贰", 12, "I421"),
    ("〇", 0, "I421"),
    ("二十五项", 25, "I421"),
    ("一百零五", 105, "I421"),
    ("三（个）", 3, "I421"),
])
def test_counts_as_towns_write_them(tmp_path, raw, value, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(B7=raw), cumulative=dict(CUMULATIVE, teams=1100)))
    assert ret.values("period")["teams"] == value
    assert codes(ret) == [(code, "Sheet1!B7")]
    assert ret.ok


@pytest.mark.parametrize("raw, code", [
    ("十余家", "E420"), ("若干", "E420"), ("几", "E420"), ("多家", "E420"), ("10余", "E420"), ("十几", "E420"),
    ("三四家", "E420"), ("3-5", "E420"), ("约3", "E420"), ("3个左右", "E420"), ("10+", "E420"),
    ("一百五", "E409"), ("一二", "E420"), ("十来家", "E420"), ("上百", "E420"), ("两三个", "E420"), ("3元", "E409"), ("三万", "E409"), ("见附件", "E409"),
])
def test_an_estimate_or_an_unreadable_count_stays_an_error_at_its_cell(tmp_path, raw, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(B7=raw)))
    assert ret.values("period")["teams"] is None
    assert codes(ret) == [(code, "Sheet1!B7")]
    assert not ret.ok


@pytest.mark.parametrize("text, value", [
    ("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("一百", 100), ("一百一十", 110), ("两百零三", 203),
    ("一千零五十", 1050), ("三万", 30000), ("一万零五", 10005), ("贰佰", 200), ("零", 0),
    ("一百五", None), ("一万五", None), ("二二", None), ("零五", None), ("百", None), ("十十", None), ("一百零", None),
    ("五万零六千", None), ("二十零五", None), ("一千零五百", None), ("一亿零五百万", 105_000_000),
])
def test_chinese_numerals_are_read_only_in_their_full_form(text, value):
    assert chinese_integer(text) == value


# --- dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, code", [
    ("2023年12月24日星期日", "I307"),
    ("2023年12月24日（周日）", "I307"),
    ("2023年12月24日(星期天)", "I307"),
    ("2023.12.24 周日", "I307"),
    ("2023-12-24，礼拜天", "I307"),
    ("二〇二三年十二月二十四日", "I307"),
    ("二〇二三年十二月二十四日星期日", "I307"),
    ("23年12月24日", "I307"),
    ("12月24日周日", "I307"),
    ("2023-12-24T09:30:00", "I307"),
])
def test_dates_with_a_weekday_and_other_chinese_forms(tmp_path, raw, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(C4=raw)))
    assert ret.filled_on == date(2023, 12, 24)
    assert codes(ret) == [(code, "Sheet1!C4")]
    assert ret.ok


def test_a_weekday_that_is_not_the_dates_leaves_the_date_unknown(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(C4="2023年12月24日星期一")))
    assert ret.filled_on is None
    assert codes(ret) == [("W313", "Sheet1!C4")]


# --- 无 in the hazard table ----------------------------------------------------------------------------

NO_MAJOR = dict(PERIOD, major_found=0, major_fixed=0)
NO_MAJOR_CUMULATIVE = dict(CUMULATIVE, major_found=0, major_fixed=0)


@pytest.mark.parametrize("text", ["无", "暂无", "没有", "0", "—", "-", "／", "/", "本月无重大隐患", "暂无重大隐患。"])
def test_none_written_in_the_first_hazard_row_means_no_hazards(tmp_path, text):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", period=NO_MAJOR, cumulative=NO_MAJOR_CUMULATIVE, hazards=[],
                             edit=put(A12=1, B12=text)))
    assert ret.hazards == []
    assert codes(ret) == [("I213", "Sheet1!B12")]
    assert ret.ok


def test_none_in_every_column_or_across_the_merged_row(tmp_path):
    every = put(B12="无", E12="无", G12="无", I12="无", K12="无")
    ret = check(write_return(tmp_path / "a" / "巴公镇12月.xlsx", period=NO_MAJOR, cumulative=NO_MAJOR_CUMULATIVE,
                             hazards=[], edit=every))
    assert (ret.hazards, codes(ret)) == ([], [("I213", "Sheet1!B12")])

    def across(ws):
        for merged in [m for m in ws.merged_cells.ranges if m.min_row == 12]:
            ws.unmerge_cells(str(merged))
        ws.merge_cells("A12:N12")
        ws["A12"] = "无"
    ret = check(write_return(tmp_path / "b" / "巴公镇12月.xlsx", period=NO_MAJOR, cumulative=NO_MAJOR_CUMULATIVE,
                             hazards=[], edit=across))
    assert (ret.hazards, codes(ret)) == ([], [("I213", "Sheet1!A12")])


def test_a_hazard_with_one_field_written_none_is_still_a_hazard(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", hazards=[dict(HAZARDS[0], supervisor="无"), HAZARDS[1]]))
    assert [h.supervisor for h in ret.hazards] == ["无", HAZARDS[1]["supervisor"]]
    assert codes(ret) == []


# --- one enterprise's hazards under merged cells ------------------------------------------------------

THREE = [HAZARDS[0], dict(HAZARDS[0], detail="煤气管道未设置可靠隔离装置；1月10日前整改"),
         dict(HAZARDS[0], detail="炉下渣坑存在积水；立即整改")]
SPANS = {"B": "D", "E": "F", "G": "H", "I": "J"}  # the form's columns for 企业名称, 所在镇, 行业类别, 挂牌督办单位


def merged_down(rows: int):
    """An edit: each of the four columns merged down over the first `rows` hazard rows, as Excel leaves it."""
    def edit(ws):
        for first, last in SPANS.items():
            for row in range(12, 12 + rows):
                ws.unmerge_cells(f"{first}{row}:{last}{row}")
                if row > 12:
                    ws[f"{first}{row}"] = None
            ws.merge_cells(f"{first}12:{last}{11 + rows}")
    return edit


def test_merged_enterprise_town_category_supervisor_are_every_rows_value(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", hazards=THREE, edit=merged_down(3),
                             period=dict(PERIOD, major_found=2), cumulative=dict(CUMULATIVE, major_found=3)))
    assert [(h.enterprise, h.town, h.category, h.supervisor) for h in ret.hazards] == [
        (HAZARDS[0]["enterprise"], "巴公镇", "冶金", "泽州县应急管理局")] * 3
    assert [h.detail for h in ret.hazards] == [h["detail"] for h in THREE]
    assert [h.cells["enterprise"] for h in ret.hazards] == ["Sheet1!B12", "Sheet1!B13", "Sheet1!B14"]
    assert codes(ret) == [("I216", "Sheet1!B12")]
    assert ret.findings[-1].message == "明细表第12—14行的“企业名称”、“所在镇”、“行业类别”、“挂牌督办单位”是合并单元格，按其显示的内容逐行读取"


def test_a_merge_running_past_the_last_hazard_adds_no_row(tmp_path):
    def edit(ws):
        merged_down(2)(ws)
        for first, last in SPANS.items():
            ws.unmerge_cells(f"{first}12:{last}13")
            ws.merge_cells(f"{first}12:{last}14")
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", hazards=THREE[:2], edit=edit))
    assert len(ret.hazards) == 2
    assert codes(ret) == [("I216", "Sheet1!B12")]
    assert "第12—13行" in ret.findings[-1].message


def test_text_hidden_under_a_merged_hazard_cell_is_said(tmp_path):
    path = write_return(tmp_path / "巴公镇12月.xlsx", hazards=THREE[:2], edit=merged_down(2))
    ret = check(patch_cells(path, {"B13": '<c r="B13" t="inlineStr"><is><t>另一家公司</t></is></c>'}))
    assert [h.enterprise for h in ret.hazards] == [HAZARDS[0]["enterprise"]] * 2
    assert codes(ret) == [("W214", "Sheet1!B13"), ("I216", "Sheet1!B12")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_libreoffice_copies_keep_merged_hazards_the_none_row_and_the_yuan_header(fmt):
    ret = check(DATA / f"habit_merged.{fmt}", "2023-12")
    assert ret.format == fmt
    assert [(h.enterprise, h.town, h.category, h.supervisor) for h in ret.hazards] == [
        (HAZARDS[0]["enterprise"], "巴公镇", "冶金", "泽州县应急管理局")] * 3
    assert (ret.values("period")["fines"], ret.values("cumulative")["fines"]) == (Decimal("1.5"), Decimal("3.25"))
    assert [(f.code, f.cell) for f in ret.findings if f.code != "I303"] == [("I417", "Sheet1!I7"), ("I417", "Sheet1!I8"),
                                                                            ("I216", "Sheet1!B12")]
    none = check(DATA / f"habit_none.{fmt}", "2023-12")
    assert none.hazards == []
    assert [(f.code, f.cell) for f in none.findings if f.code != "I303"] == [("I213", "Sheet1!B12")]
    assert none.ok


# --- what the rules above imply ------------------------------------------------------------------------

@pytest.mark.parametrize("raw, value, code", [
    ("￥5,000", Decimal("0.5"), "W406"),
    ("¥ 5000", Decimal("0.5"), "W406"),
    ("￥0.5万元", Decimal("0.5"), "I405"),
])
def test_a_currency_sign_is_yuan_written_before_the_figure(tmp_path, raw, value, code):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I7=raw)))
    assert ret.values("period")["fines"] == value
    assert codes(ret) == [(code, "Sheet1!I7")]


def test_zero_under_a_yuan_header_needs_no_note_and_blank_stays_blank(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I5="行政罚款（元）", I7=0, I8=None)))
    assert (ret.values("period")["fines"], ret.values("cumulative")["fines"]) == (0, 0)
    assert codes(ret) == [("I401", "Sheet1!I8")]


def test_a_fine_of_a_few_yuan_is_questioned(tmp_path):
    # 2 under 行政罚款（元） is 2 元: read as the header says, but no safety fine is that small.
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", edit=put(I5="行政罚款（元）", I7=2, I8=32500)))
    assert ret.values("period")["fines"] == Decimal("0.0002")
    assert codes(ret) == [("I417", "Sheet1!I7"), ("I417", "Sheet1!I8"), ("W510", "Sheet1!I7")]
    assert ret.findings[-1].message == "行政罚款0.0002万元（2元）异常小，是否把万元数填在了以元为单位的表头下？"


def test_an_error_cell_without_its_shown_value_is_still_an_error(tmp_path):
    path = patch_cells(write_return(tmp_path / "巴公镇12月.xlsx"), {"C7": '<c r="C7" t="e"/>'})
    ret = check(path)
    assert ret.values("period")["enterprises"] is None
    assert codes(ret) == [("E416", "Sheet1!C7")]


def test_an_error_value_in_a_hazard_cell_is_said(tmp_path):
    path = with_cached_errors(write_return(tmp_path / "巴公镇12月.xlsx"), {"B13": ("'11月'!B13", "#REF!")})
    ret = check(path)
    assert [h.enterprise for h in ret.hazards] == [HAZARDS[0]["enterprise"], "#REF!"]
    assert codes(ret) == [("W215", "Sheet1!B13")]


def test_a_none_row_saying_so_in_words(tmp_path):
    ret = check(write_return(tmp_path / "巴公镇12月.xlsx", period=NO_MAJOR, cumulative=NO_MAJOR_CUMULATIVE, hazards=[],
                             edit=put(B12="无", K12="本月排查未发现重大隐患，继续开展巡查")))
    assert (ret.hazards, codes(ret)) == ([], [("I213", "Sheet1!B12")])
    rectified = dict(HAZARDS[0], detail="已整改，现无重大隐患")
    ret = check(write_return(tmp_path / "b" / "巴公镇12月.xlsx", hazards=[rectified, HAZARDS[1]]))
    assert [h.detail for h in ret.hazards] == ["已整改，现无重大隐患", HAZARDS[1]["detail"]]


def test_numbers_below_a_hundred_thousand_written_out_read_back():
    for n in [*range(2_000), *range(2_000, 100_000, 7)]:
        assert chinese_integer(written_chinese(n)) == n, (n, written_chinese(n))
