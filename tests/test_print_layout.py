"""The county workbook and the template as they print: repeated headers, page numbers, readable 数据来源,
whole-number chart axes with towns that sent nothing marked, the month in a template's title and name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from bairi.cli import app
from bairi.write.book import whole_step
from build import write_return

runner = CliRunner()


def county(tmp_path: Path) -> Path:
    write_return(tmp_path / "in" / "巴公镇12月报表.xlsx", filled_on=date(2023, 12, 20))
    write_return(tmp_path / "in" / "周村镇12月报表.xlsx", unit="周村镇应急管理中心", filled_on=date(2023, 12, 21),
                 hazards=[], edit=lambda ws: ws.__setitem__("H7", -1))
    out = tmp_path / "泽州县_2023-12.xlsx"
    result = runner.invoke(app, ["merge", str(tmp_path / "in"), "--period", "2023-12", "--as-of", "2024-01-05",
                                 "--no-ledger", "-o", str(out)])
    assert result.exit_code == 1, result.output  # 周村镇's return is sent back
    return out


def test_every_sheet_numbers_its_pages_and_the_hazard_table_repeats_its_header(tmp_path):
    book = load_workbook(county(tmp_path))
    assert {ws.title: ws.oddFooter.center.text for ws in book} == {
        name: "第 &P 页 共 &N 页" for name in ("报告表", "分镇明细", "数据来源", "单元格来源", "问题清单", "图表")}
    report = book["报告表"]
    assert report.print_title_rows == "$11:$11"
    assert [report.cell(11, c).value for c in (1, 2)] == ["序号", "企业名称"]
    # The county return is filled on the day it is as of, not on the day the command runs.
    assert report["C4"].value.date() == date(2024, 1, 5)


def test_sources_wrap_and_the_second_table_has_a_sheet_and_header_of_its_own(tmp_path):
    book = load_workbook(county(tmp_path))
    ws = book["数据来源"]
    assert ws.column_dimensions["I"].width == 23  # SHA-256 in three lines, not one page-wide column
    rows = list(ws.iter_rows(values_only=True))
    # A row with a long path is as tall as its wrapped lines.
    [row] = [n for n, values in enumerate(rows, start=1) if str(values[2]).endswith("巴公镇12月报表.xlsx")][:1]
    assert ws.row_dimensions[row].height == 14.25 * 3 + 4
    # The cell table prints its own header on every page: a sheet of its own (a sheet repeats one header).
    cells = book["单元格来源"]
    assert str(cells["A1"].value).startswith("各数字所在单元格")
    assert [c.value for c in cells[2]] == ["单位", "行", "文件", "单元格"] and cells.print_title_rows == "$2:$2"


def test_the_chart_marks_a_town_sent_back_and_counts_in_whole_numbers(tmp_path):
    ws = load_workbook(county(tmp_path))["图表"]
    labels = {row[0]: row[1:] for row in ws.iter_rows(min_row=3, max_col=5, values_only=True) if row[0]}
    assert labels["周村镇（退回）"] == (None, None, None, None)  # no bar, not a bar of zero
    assert labels["下村镇（未报）"] == (None, None, None, None)
    assert labels["巴公镇"] == (85, 70, 2, 1)
    general, major = ws._charts
    assert (general.y_axis.majorUnit, major.y_axis.majorUnit) == (20, 1)
    assert major.y_axis.numFmt.formatCode == "0" and major.y_axis.scaling.min == 0


def test_whole_steps():
    assert [whole_step(n) for n in (0, 2, 5, 6, 7, 13, 85, 240, 1100)] == [1, 1, 1, 1, 2, 5, 20, 50, 200]


def test_a_template_for_a_month_says_so_in_its_title_and_file_names(tmp_path):
    out = tmp_path / "模板"
    result = runner.invoke(app, ["template", "--all", "--period", "2023年12月", "-o", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 16 and "巴公镇_2023年12月_百日攻坚工作报告表.xlsx" in names
    ws = load_workbook(out / "巴公镇_2023年12月_百日攻坚工作报告表.xlsx")["工作报告表"]
    assert ws["A1"].value == '泽州县冶金工贸行业安全生产“百日攻坚”冬季行动工作报告表（2023年12月）'
    single = tmp_path / "t.xlsx"
    assert runner.invoke(app, ["template", "--town", "巴公镇", "-o", str(single)]).exit_code == 0
    assert load_workbook(single)["工作报告表"]["A1"].value == '泽州县冶金工贸行业安全生产“百日攻坚”冬季行动工作报告表'
    result = runner.invoke(app, ["template", "--period", "2024-05", "-o", str(single)])
    assert result.exit_code == 2 and "2023-11、2023-12、2024-01" in result.output


def test_the_problem_list_aligns_each_column_one_way(tmp_path):
    ws = load_workbook(county(tmp_path))["问题清单"]
    rows = range(3, ws.max_row + 1)
    assert ws.max_row >= 4
    assert {ws.cell(r, c).alignment.horizontal for r in rows for c in (3, 4, 7)} == {"left"}
    assert {ws.cell(r, c).alignment.horizontal for r in rows for c in (1, 2, 5, 6, 8)} == {"center"}


def _pdf_words(xlsx: Path) -> list[tuple[float, float, list[tuple[float, float, str]]]]:
    """The workbook as LibreOffice prints it: per page (width, height, [(top, bottom, word)])."""
    import re
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice is not None, "需要 LibreOffice（soffice）：.ci/run 会安装"
    work = xlsx.parent / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation={(xlsx.parent / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work), str(xlsx)], check=True, capture_output=True, timeout=300)
    html = subprocess.run(["pdftotext", "-bbox", str(work / f"{xlsx.stem}.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [(float(m[1]), float(m[2]), m[3]) for m in
                 re.finditer(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page[3])]
        pages.append((float(page[1]), float(page[2]), words))
    return pages


def _height(words: list[tuple[float, float, str]], text: str) -> float:
    return next(bottom - top for top, bottom, word in words if word == text)


def test_as_printed_the_report_is_legible_and_every_footer_whole(tmp_path):
    out = county(tmp_path)
    # LibreOffice draws the footer in the band between the footer's distance from the edge and the bottom margin,
    # and clips it there: the band must hold a whole 9-point line (0.6/0.5 inch left 7 points: half a line).
    for ws in load_workbook(out):
        assert (ws.page_margins.bottom - ws.page_margins.footer) * 72 >= 9 * 1.5, ws.title
    pages = _pdf_words(out)
    for _, height, words in pages:
        assert any(word == "第" and bottom <= height - 18 for _, bottom, word in words)
    first = pages[0][2]
    # 五号 at least: the statistics table against the footer's 9 points, the same CJK font on the same page.
    assert _height(first, "冶金工贸") / _height(first, "第") >= 10.5 / 9 - 0.01
    assert any(word == "2024年1月5日" for _, _, word in first)  # 填表日期 a date, shown the Chinese way


def test_as_printed_the_blank_template_is_one_page_and_the_register_a3_at_full_size(tmp_path):
    template = tmp_path / "模板.xlsx"
    assert runner.invoke(app, ["template", "--town", "巴公镇", "-o", str(template)]).exit_code == 0
    setup = load_workbook(template)["工作报告表"].page_setup
    assert (setup.fitToWidth, setup.fitToHeight, setup.blackAndWhite) == (1, 1, True)
    pages = _pdf_words(template)
    assert len(pages) == 1
    assert _height(pages[0][2], "冶金工贸") / _height(pages[0][2], "第") >= 10.5 / 9 - 0.01

    register = tmp_path / "台账.xlsx"
    write_return(tmp_path / "in" / "巴公镇12月报表.xlsx", filled_on=date(2023, 12, 20))
    result = runner.invoke(app, ["hazards", str(tmp_path / "in"), "--as-of", "2024-01-05", "--no-ledger", "-o",
                                 str(register)])
    assert result.exit_code == 1, result.output
    pages = _pdf_words(register)
    width, height, words = pages[0]
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape
    assert _height(words, "巴公镇") / _height(words, "第") >= 9 / 9 - 0.01
    # The columns that do not fit go on to the next page, with 编号 and 企业名称 repeated.
    assert [w for _, _, w in pages[1][2]].count("企业名称") == 1 and "核查结果" in [w for _, _, w in pages[1][2]]
