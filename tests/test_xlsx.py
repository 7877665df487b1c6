"""bairi.xlsx, the direct .xlsx writer: exact values back through openpyxl and calamine, valid parts, looks,
merges, panes, print setup, charts; and the county's workbook written with it, the same as with openpyxl."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.dom import minidom

import pytest
import python_calamine
from build import CUMULATIVE, HAZARDS, PERIOD, write_return
from openpyxl import load_workbook

from bairi.core.campaign import default_campaign
from bairi.write.xlsx import Align, Book, Font, Look, XlsxError

CAMPAIGN = default_campaign()
BOXED = Look(Font("宋体", 10, bold=True, color="C00000"), Align("center", "center", wrap=True), "all", "F8D7DA",
             "0.0", locked=False)


def saved(book: Book, tmp_path: Path, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(book.to_bytes())
    return path


def calamine_rows(path: Path, sheet: str) -> list[list]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_values_come_back_exactly_through_openpyxl_and_calamine(tmp_path):
    book = Book()
    sheet = book.sheet("数据")
    sheet.put_row(1, 1, ["=1+1", "+1", "-1", "@SUM(A1)", "巴公镇", " 前后空格 ", "a&b<c>\"'"])
    sheet.put_row(2, 1, [Decimal("0.3"), Decimal("7.25"), Decimal("3.00"), 25, -7, 1.5, True])
    sheet.put_row(3, 1, [date(2024, 2, 10), datetime(2023, 12, 26, 9, 30), None, ""])
    sheet.put(4, 1, date(1899, 12, 31))  # before Excel's calendar is right: written as words
    path = saved(book, tmp_path)

    ws = load_workbook(path)["数据"]
    assert [c.value for c in ws[1]] == ["=1+1", "+1", "-1", "@SUM(A1)", "巴公镇", " 前后空格 ", "a&b<c>\"'"]
    assert {c.data_type for c in ws[1]} == {"s"}
    assert [c.value for c in ws[2]] == [0.3, 7.25, 3, 25, -7, 1.5, True]
    assert [c.value for c in ws[3]][:2] == [datetime(2024, 2, 10), datetime(2023, 12, 26, 9, 30)]
    assert ws["A3"].number_format == "yyyy-mm-dd" and ws["B3"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["C3"].value is None and ws["D3"].value is None
    assert ws["A4"].value == "1899-12-31"

    rows = calamine_rows(path, "数据")
    assert rows[0] == ["=1+1", "+1", "-1", "@SUM(A1)", "巴公镇", " 前后空格 ", "a&b<c>\"'"]
    assert rows[1] == [0.3, 7.25, 3.0, 25.0, -7.0, 1.5, True]
    assert rows[2][:2] == [date(2024, 2, 10), datetime(2023, 12, 26, 9, 30)]
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    assert b"<v>0.3</v>" in sheet_xml and b"<v>7.25</v>" in sheet_xml  # a Decimal as its exact digits


def test_control_characters_and_lone_surrogates_never_break_the_file(tmp_path):
    text = "甲\x01乙\x1f丙\r\n丁\ud800戊\ufffe己_x0041_庚\t辛"
    book = Book()
    book.sheet("文本").put(1, 1, text)
    path = saved(book, tmp_path)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                minidom.parseString(archive.read(name))  # every part is well-formed XML 1.0
        strings = archive.read("xl/sharedStrings.xml").decode("utf-8")
    assert "甲_x0001_乙_x001F_丙_x000D_\n丁_xD800_戊_xFFFE_己_x005F_x0041_庚\t辛" in strings
    # calamine decodes Excel's escapes; a lone surrogate or a non-character stays visible as its escape.
    assert calamine_rows(path, "文本")[0][0] == "甲\x01乙\x1f丙\r\n丁_xD800_戊_xFFFE_己_x0041_庚\t辛"
    # openpyxl shows the escapes as written, except the escaped underscore.
    assert load_workbook(path)["文本"]["A1"].value == "甲_x0001_乙_x001F_丙_x000D_\n丁_xD800_戊_xFFFE_己_x0041_庚\t辛"


def test_text_longer_than_a_cell_holds_is_cut_visibly(tmp_path):
    book = Book()
    sheet = book.sheet("长文本")
    sheet.put(1, 1, "长" * 40_000)
    sheet.put(2, 1, "短" * 32_767)
    sheet.put(3, 1, "😀" * 20_000)  # two UTF-16 units each, as Excel counts
    path = saved(book, tmp_path)
    first, second, third = (row[0] for row in calamine_rows(path, "长文本"))
    assert len(first) == 32_767 and first.endswith("长…")
    assert second == "短" * 32_767
    assert third == "😀" * 16_383 + "…"
    assert len(load_workbook(path)["长文本"]["A1"].value) == 32_767


def test_looks_merges_sizes_panes_print_setup_and_hidden_sheets(tmp_path):
    book = Book()
    sheet = book.sheet("报告表")
    sheet.merge(1, 1, 1, 4)
    sheet.put(1, 1, "标题", Look(Font("黑体", 16, bold=True), Align("center", "center", wrap=True)))
    sheet.put(2, 1, 66.7, BOXED)
    sheet.put_row(3, 1, ["填表日期：", None], [Look(border="bottom"), Look(border="bottom")])
    sheet.merge(4, 2, 5, 3)
    sheet.width(1, 10)
    sheet.width(2, 12.5)
    sheet.height(1, 36)
    sheet.height(9, 30)  # a row with a height and no cells
    sheet.freeze("E4")
    sheet.print_setup()
    sheet.print_titles(2, 3)
    hidden = book.sheet("下拉选项", hidden=True)
    hidden.put(1, 1, "巴公镇")
    path = saved(book, tmp_path)

    wb = load_workbook(path)
    assert wb.sheetnames == ["报告表", "下拉选项"] and wb["下拉选项"].sheet_state == "hidden"
    assert wb.active.title == "报告表"
    ws = wb["报告表"]
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["A1:D1", "B4:C5"]
    assert (ws["A1"].font.name, ws["A1"].font.sz, ws["A1"].font.b) == ("黑体", 16, True)
    cell = ws["A2"]
    assert (cell.font.name, cell.font.sz, cell.font.b, cell.font.color.rgb) == ("宋体", 10, True, "FFC00000")
    assert (cell.alignment.horizontal, cell.alignment.vertical, cell.alignment.wrap_text) == ("center", "center", True)
    assert [getattr(cell.border, side).style for side in ("left", "right", "top", "bottom")] == ["thin"] * 4
    assert (cell.fill.fill_type, cell.fill.fgColor.rgb, cell.number_format) == ("solid", "FFF8D7DA", "0.0")
    assert cell.protection.locked is False and ws["A1"].protection.locked is True
    assert (ws["A3"].border.bottom.style, ws["A3"].border.top.style, ws["B3"].border.bottom.style) == ("thin", None, "thin")
    assert (ws.column_dimensions["A"].width, ws.column_dimensions["B"].width) == (10, 12.5)
    assert (ws.row_dimensions[1].height, ws.row_dimensions[9].height) == (36, 30)
    assert ws.freeze_panes == "E4" and ws.print_title_rows == "$2:$3"
    assert (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) \
        == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_options.horizontalCentered
    assert (ws.page_margins.left, ws.page_margins.top) == (0.4, 0.6) and ws.sheet_view.showGridLines is False

    calamine = python_calamine.CalamineWorkbook.from_path(str(path))
    assert [m.visible for m in calamine.sheets_metadata] == [python_calamine.SheetVisibleEnum.Visible,
                                                             python_calamine.SheetVisibleEnum.Hidden]
    assert calamine.get_sheet_by_name("报告表").merged_cell_ranges == [((0, 0), (0, 3)), ((3, 1), (4, 2))]


def test_bar_chart_parts_are_in_the_package(tmp_path):
    book = Book()
    sheet = book.sheet("图表")
    sheet.put_row(2, 1, ["单位", "一般隐患排查", "一般隐患已整改"])
    for row, (town, found, fixed) in enumerate([("巴公镇", 40, 31), ("南村镇", 12, 12)], start=3):
        sheet.put_row(row, 1, [town, found, fixed])
    sheet.bar_chart("各单位一般隐患排查与整改", anchor="G2", header_row=2, first_row=3, last_row=4, category_col=1,
                    value_cols=(2, 3), y_title="项")
    path = saved(book, tmp_path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        types = archive.read("[Content_Types].xml").decode()
        chart = archive.read("xl/charts/chart1.xml").decode()
        assert 'r:id="rId1"' in archive.read("xl/worksheets/sheet1.xml").decode()
        assert "../charts/chart1.xml" in archive.read("xl/drawings/_rels/drawing1.xml.rels").decode()
    assert {"xl/worksheets/_rels/sheet1.xml.rels", "xl/drawings/drawing1.xml", "xl/drawings/_rels/drawing1.xml.rels",
            "xl/charts/chart1.xml"} <= names
    assert "/xl/charts/chart1.xml" in types and "/xl/drawings/drawing1.xml" in types
    assert '<c:barDir val="col"/><c:grouping val="clustered"/>' in chart
    assert "<c:f>'图表'!$A$3:$A$4</c:f>" in chart and "<c:f>'图表'!$C$3:$C$4</c:f>" in chart
    assert "<c:f>'图表'!$B$2</c:f>" in chart and "各单位一般隐患排查与整改" in chart
    charts = load_workbook(path)["图表"]._charts
    assert len(charts) == 1 and len(charts[0].series) == 2


def test_same_content_gives_the_same_bytes():
    def build() -> bytes:
        book = Book()
        sheet = book.sheet("表")
        sheet.put_row(1, 1, ["甲", 1, Decimal("0.1"), date(2024, 1, 1)], BOXED)
        sheet.bar_chart("图", anchor="F1", header_row=1, first_row=1, last_row=1, category_col=1, value_cols=(2,))
        return book.to_bytes()

    first = build()
    assert first == build()
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.testzip() is None
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("name", ["", "x" * 32, "a/b", "a:b", "[x]", "问?", "星*", "'引号'", "History"])
def test_sheet_names_excel_refuses_are_refused(name):
    with pytest.raises(XlsxError):
        Book().sheet(name)


def test_mistakes_that_would_make_a_broken_file_are_refused():
    book = Book()
    sheet = book.sheet("表")
    with pytest.raises(XlsxError):
        book.sheet("表")
    with pytest.raises(XlsxError):
        sheet.put(0, 1, "x")
    with pytest.raises(XlsxError):
        sheet.put(1, 16_385, "x")
    with pytest.raises(XlsxError):
        sheet.put(1, 1, object())
    sheet.merge(1, 1, 2, 3)
    sheet.merge(2, 3, 4, 4)  # overlaps the first at C2
    with pytest.raises(XlsxError, match="C2"):
        book.to_bytes()
    twice = Book()
    twice.sheet("表").merge(5, 1, 5, 2)
    twice.sheets[0].merge(5, 1, 5, 2)
    with pytest.raises(XlsxError, match="A5"):
        twice.to_bytes()

    finished = Book()
    done = finished.sheet("表")
    done.put(1, 1, 1)
    done.finish()
    with pytest.raises(XlsxError):
        done.put(2, 1, 2)
    assert load_workbook(io.BytesIO(finished.to_bytes()))["表"]["A1"].value == 1


# --- the county's workbook ---------------------------------------------------------------------

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
    # RRGGBB only: openpyxl writes the alpha byte as 00, Excel and bairi.xlsx as FF; a theme colour is none.
    colour = font.color.rgb[-6:] if font.color is not None and font.color.type == "rgb" else None
    return (font.name, font.sz, bool(font.b), colour,
            align.horizontal, align.vertical, bool(align.wrap_text),
            tuple(getattr(getattr(border, side), "style", None) for side in ("left", "right", "top", "bottom")),
            fill.fgColor.rgb[-6:] if fill.fill_type == "solid" else None, cell.number_format)


def test_county_workbook_is_the_same_written_directly_or_with_openpyxl(tmp_path):
    from bairi.write.canvas import OpenpyxlBook
    from bairi.write.layout import merged_workbook

    merged = _merged(tmp_path / "in")
    direct = load_workbook(io.BytesIO(merged_workbook(merged, CAMPAIGN, "王五", date(2023, 12, 26)).to_bytes()))
    slow = load_workbook(io.BytesIO(
        merged_workbook(merged, CAMPAIGN, "王五", date(2023, 12, 26), book=OpenpyxlBook()).to_bytes()))
    assert direct.sheetnames == slow.sheetnames == ["报告表", "分镇明细", "数据来源", "问题清单", "图表"]
    for name in direct.sheetnames:
        a, b = direct[name], slow[name]
        assert (a.max_row, a.max_column) == (b.max_row, b.max_column), name
        cells = [(x.coordinate, x.value if x.value != "" else None, _look(x), _look(y), y.value if y.value != "" else None)
                 for row_a, row_b in zip(a.iter_rows(), b.iter_rows()) for x, y in zip(row_a, row_b)]
        assert [c for c in cells if c[1] != c[4] or c[2] != c[3]] == [], name
        assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges)), name
        assert ({k: d.width for k, d in a.column_dimensions.items() if d.customWidth}
                == {k: d.width for k, d in b.column_dimensions.items() if d.customWidth}), name
        assert ({k: d.height for k, d in a.row_dimensions.items() if d.height}
                == {k: d.height for k, d in b.row_dimensions.items() if d.height}), name
        assert (a.freeze_panes, a.print_title_rows) == (b.freeze_panes, b.print_title_rows), name
        assert [len(c.series) for c in a._charts] == [len(c.series) for c in b._charts], name
    report = direct["报告表"]
    assert "本表不完整" in report["A9"].value and report["A9"].font.color.rgb == "FFC00000"
    assert report["I7"].value == 0.2 and report["I8"].value == 0.4
    towns = direct["分镇明细"]
    status = {towns.cell(r, 2).value: (towns.cell(r, 3).value, towns.cell(r, 3).fill.fgColor.rgb) for r in range(4, 36, 2)}
    assert status["巴公镇"] == ("缺件", "FFFFF3CD") and status["金村镇"] == ("退回", "FFF8D7DA")
    assert status["下村镇"] == ("未报", "FFF2F2F2")
    levels = {row[4].value: row[4].fill.fgColor.rgb for row in direct["问题清单"].iter_rows(min_row=3)}
    assert levels["错误"] == "FFF8D7DA"


WRITE_MERGED = """
import json, sys
from datetime import date
from pathlib import Path
from bairi.core.campaign import default_campaign
from bairi.merge.consolidate import consolidate
from bairi.state.standing import load_state
from bairi.write.layout import write_merged
campaign = default_campaign()
merged = consolidate(load_state([Path(sys.argv[1])], campaign, date(2024, 2, 10), use_ledger=False))
before = "openpyxl" in sys.modules
write_merged(Path(sys.argv[2]), merged, campaign, "王五", date(2023, 12, 26))
print(json.dumps({"before": before, "after": "openpyxl" in sys.modules}))
"""


def test_writing_the_county_workbook_never_imports_openpyxl(tmp_path):
    for town in ("巴公镇", "南村镇"):
        write_return(tmp_path / "in" / f"{town}12月份百日攻坚报表.xlsx", unit=f"{town}应急管理中心",
                     hazards=[dict(h, town=town) for h in HAZARDS])
    out = tmp_path / "county.xlsx"
    done = subprocess.run([sys.executable, "-c", WRITE_MERGED, str(tmp_path / "in"), str(out)], capture_output=True,
                          text=True, encoding="utf-8", timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"before": False, "after": False}
    assert load_workbook(out)["报告表"]["C7"].value == 50


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_county_workbook(tmp_path):
    from bairi.write.layout import write_merged

    path = tmp_path / "county.xlsx"
    write_merged(path, _merged(tmp_path / "in"), CAMPAIGN, "王五", date(2023, 12, 26))
    for fmt in ("pdf", "xlsx"):
        subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                        "--convert-to", fmt, "--outdir", str(tmp_path / fmt), str(path)],
                       check=True, capture_output=True, timeout=300)
        assert (tmp_path / fmt / f"county.{fmt}").stat().st_size > 0
    assert (tmp_path / "pdf" / "county.pdf").read_bytes().startswith(b"%PDF")
    again = load_workbook(tmp_path / "xlsx" / "county.xlsx")
    assert again.sheetnames == ["报告表", "分镇明细", "数据来源", "问题清单", "图表"]
    assert (again["报告表"]["C7"].value, again["报告表"]["I7"].value) == (50, 0.2)
