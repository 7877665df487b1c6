"""Workbooks written with openpyxl (bairi.write.book and the layout): exact values back through openpyxl and
calamine, looks as named styles, merges, panes, print setup, charts, validations, protection, hidden sheets;
the county's workbook and the template as a clerk receives them, and LibreOffice's round trip."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from xml.dom import minidom
from xml.etree import ElementTree

import pytest
import python_calamine
from openpyxl import Workbook, load_workbook

from bairi.core.campaign import Campaign, Unit, default_campaign
from bairi.write.book import (
    Font,
    Look,
    bar_chart,
    merge,
    print_setup,
    put,
    put_row,
    save,
    to_bytes,
)
from bairi.write.county import merged_workbook, write_merged
from bairi.write.layout import (
    BODY,
    HEAD,
    OPTIONS_SHEET,
    lay_form,
    template_workbook,
    write_template,
)
from build import CUMULATIVE, HAZARDS, PERIOD, write_return

CAMPAIGN = default_campaign()
SHEETS = ["报告表", "分镇明细", "数据来源", "单元格来源", "问题清单", "图表"]


def saved(workbook: Workbook, tmp_path: Path, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    save(workbook, path)
    return path


def calamine_rows(path: Path, sheet: str) -> list[list]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def sheet_xml(path: Path, number: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode("utf-8")


def test_values_come_back_exactly_through_openpyxl_and_calamine(tmp_path):
    workbook = Workbook()
    ws = workbook.active
    ws.title = "数据"
    put_row(ws, 1, 1, ["=1+1", "+1", "-1", "@SUM(A1)", "巴公镇", " 前后空格 ", "a&b<c>\"'", "#NUM!"])
    put_row(ws, 2, 1, [Decimal("0.3"), Decimal("7.25"), Decimal("3.00"), 25, -7, 1.5, True, Decimal("12345678.1234")])
    put_row(ws, 3, 1, [date(2024, 2, 10), datetime(2023, 12, 26, 9, 30), None, "",
                       datetime(2023, 12, 26, 9, 30, tzinfo=timezone(timedelta(hours=8)))])
    put(ws, 4, 1, date(1899, 12, 31))  # before Excel's calendar is right: written as words
    put(ws, 4, 2, Decimal("NaN"))
    path = saved(workbook, tmp_path)

    ws = load_workbook(path)["数据"]
    assert [c.value for c in ws[1]] == ["=1+1", "+1", "-1", "@SUM(A1)", "巴公镇", " 前后空格 ", "a&b<c>\"'", "#NUM!"]
    assert {c.data_type for c in ws[1]} == {"s"}
    assert [c.value for c in ws[2]] == [0.3, 7.25, 3, 25, -7, 1.5, True, 12345678.1234]
    assert [c.value for c in ws[3]] == [datetime(2024, 2, 10), datetime(2023, 12, 26, 9, 30), None, None,
                                        datetime(2023, 12, 26, 9, 30), None, None, None]
    assert ws["A3"].number_format == "yyyy-mm-dd" and ws["B3"].number_format.startswith("yyyy-mm-dd h")
    assert (ws["A4"].value, ws["A4"].data_type) == ("1899-12-31", "s")
    assert (ws["B4"].value, ws["B4"].data_type) == ("#NUM!", "e")  # a figure that is no number shows as Excel's error

    rows = calamine_rows(path, "数据")
    assert rows[0] == ["=1+1", "+1", "-1", "@SUM(A1)", "巴公镇", " 前后空格 ", "a&b<c>\"'", "#NUM!"]
    assert rows[1] == [0.3, 7.25, 3.0, 25.0, -7.0, 1.5, True, 12345678.1234]
    assert rows[2][:2] == [date(2024, 2, 10), datetime(2023, 12, 26, 9, 30)]
    xml = sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml  # no text became a formula
    assert "<v>0.3</v>" in xml and "<v>7.25</v>" in xml and "<v>12345678.1234</v>" in xml


def test_control_characters_and_lone_surrogates_never_break_the_file(tmp_path):
    text = "甲\x01乙\x1f丙\r\n丁\ud800戊\ufffe己_x0041_庚\t辛"
    workbook = Workbook()
    workbook.active.title = "文本"
    put(workbook.active, 1, 1, text)
    path = saved(workbook, tmp_path)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                minidom.parseString(archive.read(name))  # every part is well-formed XML 1.0
    # As the file holds it (openpyxl may write the Chinese as character references; the parsed text is the same).
    texts = [t.firstChild.data for t in minidom.parseString(sheet_xml(path).encode()).getElementsByTagName("t")]
    assert texts == ["甲_x0001_乙_x001F_丙_x000D_\n丁_xD800_戊_xFFFE_己_x005F_x0041_庚\t辛"]
    # calamine decodes Excel's escapes; a lone surrogate or a non-character stays visible as its escape.
    assert calamine_rows(path, "文本")[0][0] == "甲\x01乙\x1f丙\r\n丁_xD800_戊_xFFFE_己_x0041_庚\t辛"


def test_text_longer_than_a_cell_holds_is_cut_visibly(tmp_path):
    workbook = Workbook()
    ws = workbook.active
    ws.title = "长文本"
    put(ws, 1, 1, "长" * 40_000)
    put(ws, 2, 1, "短" * 32_767)
    put(ws, 3, 1, "😀" * 20_000)  # two UTF-16 units each, as Excel counts
    path = saved(workbook, tmp_path)
    first, second, third = (row[0] for row in calamine_rows(path, "长文本"))
    assert len(first) == 32_767 and first.endswith("长…")
    assert second == "短" * 32_767
    assert third == "😀" * 16_383 + "…"
    assert len(load_workbook(path)["长文本"]["A1"].value) == 32_767


def test_a_look_is_one_named_style_per_workbook_and_workbooks_do_not_share_them(tmp_path):
    red = Look("测试 红字", Font(name="宋体", size=10, bold=True, color="FFC00000"), number_format="0.0", locked=False)
    first, second = Workbook(), Workbook()
    for row in range(1, 4):
        put(first.active, row, 1, row, red)
    put(second.active, 1, 1, "表头", HEAD)  # laid out after the first, saved before it
    put(second.active, 2, 1, 7, red)
    a = load_workbook(io.BytesIO(to_bytes(second)))
    b = load_workbook(io.BytesIO(to_bytes(first)))
    assert a.named_styles == ["Normal", "bairi 表头", "测试 红字"] and b.named_styles == ["Normal", "测试 红字"]
    for ws, ref in ((a.active, "A2"), (b.active, "A3")):
        cell = ws[ref]
        assert (cell.font.name, cell.font.sz, cell.font.b, cell.font.color.rgb) == ("宋体", 10, True, "FFC00000")
        assert (cell.number_format, cell.protection.locked, cell.style) == ("0.0", False, "测试 红字")
    head = a.active["A1"]
    assert (head.font.b, head.alignment.horizontal, head.border.left.style, head.border.bottom.color.rgb) \
        == (True, "center", "thin", "FF000000")


def test_merges_sizes_panes_print_setup_and_the_covered_cells(tmp_path):
    workbook = Workbook()
    ws = workbook.active
    ws.title = "报告表"
    merge(ws, 1, 1, 1, 4)
    put(ws, 1, 1, "标题", BODY)
    merge(ws, 4, 2, 5, 3)
    ws.freeze_panes = "E4"
    ws.print_title_rows = "2:3"
    print_setup(ws)
    path = saved(workbook, tmp_path)
    again = load_workbook(path)["报告表"]
    assert sorted(str(r) for r in again.merged_cells.ranges) == ["A1:D1", "B4:C5"]
    assert again.freeze_panes == "E4" and again.print_title_rows == "$2:$3"
    assert (again.page_setup.orientation, again.page_setup.paperSize, again.page_setup.fitToWidth,
            again.page_setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert again.sheet_properties.pageSetUpPr.fitToPage and again.print_options.horizontalCentered
    assert (again.page_margins.left, again.page_margins.top, again.sheet_view.showGridLines) == (0.4, 0.6, False)
    assert python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("报告表").merged_cell_ranges \
        == [((0, 0), (0, 3)), ((3, 1), (4, 2))]
    # Every covered cell is there, as after openpyxl's own merge: a range laid out by bairi can be unmerged.
    ws.unmerge_cells("B4:C5")
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["A1:D1"]


def test_bar_chart_is_a_native_clustered_column_chart(tmp_path):
    workbook = Workbook()
    ws = workbook.active
    ws.title = "图表"
    put_row(ws, 2, 1, ["单位", "一般隐患排查", "一般隐患已整改"])
    for row, (town, found, fixed) in enumerate([("巴公镇", 40, 31), ("南村镇", 12, 12)], start=3):
        put_row(ws, row, 1, [town, found, fixed])
    bar_chart(ws, "各单位一般隐患排查与整改", anchor="G2", header_row=2, first_row=3, last_row=4, category_col=1,
              value_cols=(2, 3), y_title="项")
    path = saved(workbook, tmp_path)
    c, a = "{http://schemas.openxmlformats.org/drawingml/2006/chart}", "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    with zipfile.ZipFile(path) as archive:
        chart = ElementTree.fromstring(archive.read("xl/charts/chart1.xml"))
        anchor = archive.read("xl/drawings/drawing1.xml").decode()
    bars = chart.find(f".//{c}barChart")
    assert (bars.find(f"{c}barDir").get("val"), bars.find(f"{c}grouping").get("val")) == ("col", "clustered")
    series = bars.findall(f"{c}ser")
    assert [s.find(f"{c}tx/{c}strRef/{c}f").text for s in series] == ["'图表'!$B$2", "'图表'!$C$2"]
    assert [s.find(f"{c}cat/{c}strRef/{c}f").text for s in series] == ["'图表'!$A$3:$A$4"] * 2
    assert [s.find(f"{c}val/{c}numRef/{c}f").text for s in series] == ["'图表'!$B$3:$B$4", "'图表'!$C$3:$C$4"]
    assert [s.find(f"{c}spPr/{a}solidFill/{a}srgbClr").get("val") for s in series] == ["4F81BD", "C0504D"]
    axes = [chart.find(f".//{c}catAx"), chart.find(f".//{c}valAx")]
    assert [(x.find(f"{c}delete").get("val"), x.find(f"{c}axPos").get("val")) for x in axes] == [("0", "b"), ("0", "l")]
    texts = ["".join(t.text for t in title.iter(f"{a}t")) for title in chart.iter(f"{c}title")]
    assert texts == ["各单位一般隐患排查与整改", "项"]
    assert "<col>6</col>" in anchor and 'cx="8640000" cy="3240000"' in anchor  # at G2, 24 cm × 9 cm
    charts = load_workbook(path)["图表"]._charts
    assert len(charts) == 1 and len(charts[0].series) == 2


# --- the county's workbook and the template ----------------------------------------------------

def _merged(folder: Path):
    from bairi.merge.consolidate import consolidate
    from bairi.state.standing import load_state

    for town in ("巴公镇", "南村镇"):
        write_return(folder / f"{town}12月份百日攻坚报表.xlsx", unit=f"{town}应急管理中心",
                     hazards=[dict(h, town=town) for h in HAZARDS],
                     period=dict(PERIOD, fines=0.1), cumulative=dict(CUMULATIVE, fines=0.2))
    write_return(folder / "金村镇12月份百日攻坚报表.xlsx", unit="金村镇", cumulative=dict(CUMULATIVE, teams=1))
    return consolidate(load_state([folder], CAMPAIGN, date(2024, 2, 10), use_ledger=False))


def _look(cell) -> tuple:
    font, align, border, fill = cell.font, cell.alignment, cell.border, cell.fill
    return (font.name, font.sz, bool(font.b), font.color.rgb if font.color is not None else None,
            align.horizontal, align.vertical, bool(align.wrap_text),
            tuple(getattr(getattr(border, side), "style", None) for side in ("left", "right", "top", "bottom")),
            fill.fgColor.rgb if fill.fill_type == "solid" else None, cell.number_format)


def _no_overlap(ws) -> bool:
    covered = [(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
               for c in range(m.min_col, m.max_col + 1)]
    return len(covered) == len(set(covered))


def test_county_workbook_values_looks_and_layout(tmp_path):
    path = tmp_path / "county.xlsx"
    write_merged(path, _merged(tmp_path / "in"), CAMPAIGN, "王五", date(2023, 12, 26))
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS and wb.active.title == "报告表"
    report = wb["报告表"]
    assert [report[ref].value for ref in ("C2", "C3", "C4", "B7", "C7", "I7", "I8")] \
        == ["泽州县应急管理局", "王五", datetime(2023, 12, 26), 4, 50, 0.2, 0.4]
    assert _look(report["C7"]) == ("宋体", 10.5, False, None, "center", "center", True, ("thin",) * 4, None, "0")
    assert report["C4"].number_format == 'yyyy"年"m"月"d"日"'
    assert (report.page_margins.bottom, report.page_margins.footer) == (0.8, 0.3)
    assert _look(report["I7"])[-1] == "0.####" and _look(report["A1"])[:3] == ("黑体", 16, True)
    assert "本表不完整" in report["A9"].value and report["A9"].font.color.rgb == "FFC00000"
    assert [report.cell(r, 2).value for r in (12, 13, 14, 15)] == [h["enterprise"] for h in HAZARDS] * 2
    assert report.row_dimensions[1].height == 36 and report.column_dimensions["A"].width == 10
    assert all(_no_overlap(ws) for ws in wb.worksheets)  # bairi merges without openpyxl's overlap test
    assert report.sheet_view.showGridLines is False and report.page_setup.orientation == "landscape"

    towns = wb["分镇明细"]
    status = {towns.cell(r, 2).value: (towns.cell(r, 3).value, towns.cell(r, 3).fill.fgColor.rgb) for r in range(4, 36, 2)}
    assert status["巴公镇"] == ("缺件", "FFFFF3CD") and status["金村镇"] == ("退回", "FFF8D7DA")
    assert status["下村镇"] == ("未报", "FFF2F2F2")
    assert (towns.freeze_panes, towns.print_title_rows) == ("E4", "$2:$3")
    assert towns["B4"].style == "bairi 正文" and towns["C4"].style.startswith("bairi 状态")
    levels = {row[4].value: row[4].fill.fgColor.rgb for row in wb["问题清单"].iter_rows(min_row=3)}
    assert levels["错误"] == "FFF8D7DA"
    assert (wb["数据来源"].freeze_panes, wb["数据来源"].print_title_rows) == ("A3", "$2:$2")
    assert (wb["单元格来源"].freeze_panes, wb["单元格来源"].print_title_rows) == ("A3", "$2:$2")
    charts = wb["图表"]._charts
    assert [len(c.series) for c in charts] == [2, 2]

    rows = calamine_rows(path, "报告表")
    assert rows[6][1:9] == [4.0, 50.0, 80.0, 62.0, 2.0, 0.0, 12.0, 0.2]


def test_template_is_protected_with_input_cells_unlocked_and_drop_downs(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, CAMPAIGN, "巴公镇")
    wb = load_workbook(path)
    ws = wb["工作报告表"]
    assert wb.sheetnames == ["工作报告表"] and ws.protection.sheet is True
    assert ws["C2"].value == "巴公镇" and ws["C2"].protection.locked is False and ws["C2"].fill.fgColor.rgb == "FFFFF7D6"
    assert ws["B7"].protection.locked is False and ws["A7"].protection.locked is True
    assert ws["B12"].protection.locked is False and ws["A12"].value == 1 and ws["A12"].protection.locked is True
    rules = {(dv.type, str(dv.sqref)) for dv in ws.data_validations.dataValidation}
    assert ("whole", "B7:B8 C7:C8 D7:D8 E7:E8 F7:F8 G7:G8 H7:H8 J7:J8 K7:K8 L7:L8 M7:M8 N7:N8") in rules
    assert {("decimal", "I7:I8"), ("date", "C4"), ("list", "G12:G26"), ("list", "E12:E26")} <= rules


def test_template_for_a_province_lists_its_units_on_a_hidden_sheet(tmp_path):
    many = Campaign(name="省级", authority="某省应急管理厅", authority_short="某省", start=CAMPAIGN.start,
                    end=CAMPAIGN.end, categories=CAMPAIGN.categories,
                    units=[Unit(name=f"第{n}号镇") for n in range(1, 301)], periods=CAMPAIGN.periods)
    wb = load_workbook(io.BytesIO(to_bytes(template_workbook(many, "第7号镇"))))
    assert wb.sheetnames == ["工作报告表", OPTIONS_SHEET] and wb[OPTIONS_SHEET].sheet_state == "hidden"
    assert [wb[OPTIONS_SHEET].cell(r, 2).value for r in (1, 300)] == ["第1号镇", "第300号镇"]
    towns = next(dv for dv in wb["工作报告表"].data_validations.dataValidation if str(dv.sqref) == "E12:E26")
    assert towns.formula1 == f"'{OPTIONS_SHEET}'!$B$1:$B$300"
    path = saved(template_workbook(many, "第7号镇"), tmp_path, "province.xlsx")
    visible = [m.visible for m in python_calamine.CalamineWorkbook.from_path(str(path)).sheets_metadata]
    assert visible == [python_calamine.SheetVisibleEnum.Visible, python_calamine.SheetVisibleEnum.Hidden]


def test_a_return_laid_out_by_lay_form_reads_back_as_it_was_filled(tmp_path):
    from bairi.check.rules import check_file

    workbook = Workbook()
    workbook.active.title = "Sheet1"
    lay_form(workbook.active, CAMPAIGN, unit="巴公镇应急管理中心", filler="张三", filled_on=date(2023, 12, 24),
             period=PERIOD, cumulative=CUMULATIVE, hazards=HAZARDS)
    path = saved(workbook, tmp_path, "巴公镇12月份百日攻坚报表.xlsx")
    ret = check_file(path, CAMPAIGN)
    assert ret.ok and (ret.town, ret.period) == ("巴公镇", "2023-12")
    assert ret.values("period") == {k: Decimal(str(v)) if k == "fines" else v for k, v in PERIOD.items()}
    assert [(h.enterprise, h.detail) for h in ret.hazards] == [(h["enterprise"], h["detail"]) for h in HAZARDS]


def test_county_workbook_is_deterministic_in_content(tmp_path):
    merged = _merged(tmp_path / "in")
    first = load_workbook(io.BytesIO(to_bytes(merged_workbook(merged, CAMPAIGN, "王五", date(2023, 12, 26)))))
    second = load_workbook(io.BytesIO(to_bytes(merged_workbook(merged, CAMPAIGN, "王五", date(2023, 12, 26)))))
    for name in SHEETS:
        assert [[(c.value, _look(c)) for c in row] for row in first[name].iter_rows()] \
            == [[(c.value, _look(c)) for c in row] for row in second[name].iter_rows()], name


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_county_workbook_and_the_template(tmp_path):
    county = tmp_path / "county.xlsx"
    write_merged(county, _merged(tmp_path / "in"), CAMPAIGN, "王五", date(2023, 12, 26))
    template = tmp_path / "template.xlsx"
    write_template(template, CAMPAIGN, "巴公镇")
    for fmt in ("pdf", "xlsx"):
        subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                        "--convert-to", fmt, "--outdir", str(tmp_path / fmt), str(county), str(template)],
                       check=True, capture_output=True, timeout=300)
    for name in ("county", "template"):
        assert (tmp_path / "pdf" / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    again = load_workbook(tmp_path / "xlsx" / "county.xlsx")
    assert again.sheetnames == SHEETS
    assert (again["报告表"]["C7"].value, again["报告表"]["I7"].value) == (50, 0.2)
    assert len(again["图表"]._charts) == 2
    form = load_workbook(tmp_path / "xlsx" / "template.xlsx")["工作报告表"]
    assert form["C2"].value == "巴公镇" and form.protection.sheet is True and form["C2"].protection.locked is False
