"""The city's own template, filled by its labels (merge --form, or form = in bairi.toml), and checked under the
city's config."""

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border, Font, Side
from typer.testing import CliRunner

from bairi.cli import app
from build import CUMULATIVE, HAZARDS, PERIOD, write_return

runner = CliRunner()
THIN = Side(style="thin")
FRAME = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CITY_TITLE = "晋城市冶金工贸行业安全生产“百日攻坚”冬季行动各县（市、区）工作报告表"
# The city's column order differs from the notice's: 罚款 first, then the rest.
CITY_COLUMNS = [("行政罚款", "（万元）"), ("成立督查组", "（个）"), ("排查企业", "（家）"), ("一般隐患", "排查（项）"),
                (None, "已整改（项）"), ("重大隐患", "排查（项）"), (None, "已整改（项）"), ("责令限期整改企业", "（家）"),
                ("停产整顿", "（家）"), ("公开曝光案例", "（个）"), ("关闭取缔", "（家）"),
                ("查处违法分包转包和挂靠资质行为", "（个）"), ("查处劳务派遣灵活用工违法行为", "（个）")]
NOTES = "备注：本表由各县（市、区）应急管理局汇总填报，数字须与分镇明细一致。"


def city_template(path: Path, *, without: str = "", blank_hazard_rows: int = 2) -> Path:
    """A city's own form: another title, widths and order, labels beside their blanks, 本月 for the period row,
    a notes row, and the hazard table on a sheet of its own with a few blank rows and a signature line below."""
    book = Workbook()
    ws = book.active
    ws.title = "县区汇总"
    ws.merge_cells("A1:N1")
    ws["A1"] = CITY_TITLE
    ws["A1"].font = Font(name="方正小标宋简体", size=18)
    labels = [("A2", "填报单位："), ("F2", "填表人："), ("J2", "填表日期：")]
    for cell, label in labels:
        if label.rstrip("：") != without:
            ws[cell] = label
    ws.merge_cells("B2:D2")
    ws.merge_cells("K2:L2")
    ws.merge_cells("A3:A4")
    ws["A3"] = "项目"
    col = 2
    for group, header in CITY_COLUMNS:
        if group and header.startswith("排查"):
            ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 1)
            ws.cell(3, col, group)
            ws.cell(4, col, header)
        elif group:
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
            ws.cell(3, col, group + header)
        else:
            ws.cell(4, col, header)
        col += 1
    rows = ["本月", "累计"] if without != "累计" else ["本月", "合计"]
    for r, label in enumerate(rows, start=5):
        ws.cell(r, 1, label)
        for c in range(1, 15):
            ws.cell(r, c).border = FRAME
    ws.merge_cells("A7:N7")
    ws["A7"] = NOTES
    for letter, width in (("A", 12), ("B", 14), ("M", 20), ("N", 20)):
        ws.column_dimensions[letter].width = width
    details = book.create_sheet("重大隐患")
    for c, header in enumerate(["序号", "企业名称", "所属乡镇", "行业类别", "挂牌督办单位", "重大隐患明细及整改计划"], start=1):
        details.cell(1, c, header).border = FRAME
    details.merge_cells("F1:H1")
    for r in range(2, 2 + blank_hazard_rows):
        details.merge_cells(start_row=r, start_column=6, end_row=r, end_column=8)
        for c in range(1, 9):
            details.cell(r, c).border = FRAME
    details.cell(2 + blank_hazard_rows, 1, "审核人：              联系电话：")
    details.merge_cells(start_row=2 + blank_hazard_rows, start_column=1, end_row=2 + blank_hazard_rows, end_column=8)
    details.column_dimensions["B"].width = 30
    book.save(path)
    return path


CITY_TOML = """
name = "晋城市冶金工贸行业安全生产“百日攻坚”冬季行动"
authority = "晋城市应急管理局"
authority_short = "晋城市"
start = 2023-11-06
end = 2024-02-10
categories = ["冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸"]
unit_suffixes = ["应急管理局"]
periods = [{period = "2023-11", due = 2023-11-28}, {period = "2023-12", due = 2023-12-28}, {period = "2024-01", due = 2024-01-28}]
units = [{name = "泽州县"}, {name = "高平市"}, {name = "阳城县"}, {name = "陵川县"}, {name = "沁水县"}, {name = "城区"}]
"""


def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "收件箱"
    for town, extra in (("巴公镇", {}), ("南村镇", {"fines": 0.25})):
        write_return(folder / f"{town}12月份百日攻坚报表.xlsx", unit=f"{town}应急管理中心",
                     period=dict(PERIOD, **extra), cumulative=CUMULATIVE, hazards=[dict(h, town=town) for h in HAZARDS],
                     filled_on=date(2023, 12, 22))
    return folder


def merge(*args):
    return runner.invoke(app, ["merge", *map(str, args), "--as-of", "2023-12-26"])


def test_the_city_template_is_filled_by_its_labels_and_passes_check_under_the_city_config(tmp_path):
    template = city_template(tmp_path / "市局模板.xlsx")
    out = tmp_path / "泽州县_2023-12.xlsx"
    result = merge(inbox(tmp_path), "--form", template, "-o", out, "--format", "json")
    assert result.exit_code == 0, result.output
    totals = json.loads(result.stdout)["totals"]
    book = load_workbook(out)
    assert book.sheetnames == ["县区汇总", "重大隐患", "分镇明细", "数据来源", "单元格来源", "问题清单", "图表"]
    ws = book["县区汇总"]
    # The city's own layout is kept: title, widths, merges, notes row.
    assert ws["A1"].value == CITY_TITLE and ws["A1"].font.name == "方正小标宋简体"
    assert (ws.column_dimensions["B"].width, ws.column_dimensions["M"].width) == (14, 20)
    assert {"A1:N1", "B2:D2", "K2:L2", "A7:N7", "E3:F3", "I3:I4"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws["A7"].value == NOTES
    assert (ws["B2"].value, ws["G2"].value, ws["K2"].value) == ("泽州县应急管理局", "申晋钢", datetime(2023, 12, 26))
    assert ws["K2"].number_format == "yyyy-mm-dd"
    # Figures by the city's column order: 罚款 in B, 成立督查组 in C, 排查企业 in D, 一般隐患 in E/F …
    assert [ws.cell(5, c).value for c in range(2, 15)] == [1.75, 4, 50, 80, 62, 2, 0, 12, 2, 2, 0, 0, 2]
    assert [ws.cell(6, c).value for c in range(2, 15)] == [6.5, 8, 100, 170, 140, 4, 2, 22, 2, 4, 0, 2, 2]
    assert totals["period_row"]["fines"] == 1.75
    details = book["重大隐患"]
    rows = [[details.cell(r, c).value for c in range(1, 7)] for r in range(2, 6)]
    assert rows == [[1, HAZARDS[0]["enterprise"], "南村镇", "冶金", HAZARDS[0]["supervisor"], HAZARDS[0]["detail"]],
                    [2, HAZARDS[1]["enterprise"], "南村镇", "机械", HAZARDS[1]["supervisor"], HAZARDS[1]["detail"]],
                    [3, HAZARDS[0]["enterprise"], "巴公镇", "冶金", HAZARDS[0]["supervisor"], HAZARDS[0]["detail"]],
                    [4, HAZARDS[1]["enterprise"], "巴公镇", "机械", HAZARDS[1]["supervisor"], HAZARDS[1]["detail"]]]
    # Two blank rows were too few: two more were put in above the signature line, which moved down with its merge.
    assert details["A6"].value == "审核人：              联系电话："
    assert {"F5:H5", "A6:H6"} <= {str(r) for r in details.merged_cells.ranges}
    assert details["E5"].border.left.style == "thin"

    city = tmp_path / "city.toml"
    city.write_text(CITY_TOML, encoding="utf-8")
    checked = runner.invoke(app, ["check", str(out), "--config", str(city), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    doc = json.loads(checked.stdout)
    assert (doc["ok"], doc["town"], doc["period"]) == (True, "泽州县", "2023-12")
    assert doc["period_row"] == totals["period_row"] and doc["cumulative_row"] == totals["cumulative_row"]
    assert [h["enterprise"] for h in doc["hazards"]] == [HAZARDS[0]["enterprise"], HAZARDS[1]["enterprise"]] * 2
    assert [f["code"] for f in doc["findings"] if f["severity"] == "error"] == []


def test_the_config_names_the_form_too(tmp_path):
    (tmp_path / "模板").mkdir()
    city_template(tmp_path / "模板" / "市局模板.xlsx")
    config = tmp_path / "bairi.toml"
    # A top-level key, so before the config's tables; relative to the folder of bairi.toml.
    config.write_text('form = "模板/市局模板.xlsx"\n' + _county_toml(), encoding="utf-8")
    out = tmp_path / "out.xlsx"
    result = merge(inbox(tmp_path), "-o", out, "--config", config)
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames[:2] == ["县区汇总", "重大隐患"]
    assert load_workbook(out)["县区汇总"]["D5"].value == 50


def _county_toml() -> str:
    from bairi.core.campaign import default_campaign
    from bairi.present.render import campaign_toml

    return campaign_toml(default_campaign())


def test_a_label_the_template_lacks_is_named_and_nothing_is_written(tmp_path):
    folder = inbox(tmp_path)
    for missing, said in (("填表人", "市局模板中找不到“填表人”"), ("累计", "统计表缺少“累计”行")):
        template = city_template(tmp_path / f"缺{missing}.xlsx", without=missing)
        out = tmp_path / f"out_{missing}.xlsx"
        result = merge(folder, "--form", template, "-o", out)
        assert result.exit_code == 2
        assert said in result.output and "Traceback" not in result.output
        assert not out.exists()
    book = load_workbook(city_template(tmp_path / "x.xlsx"))
    book["县区汇总"]["I3"] = "其他"  # 责令限期整改企业 gone
    book.save(tmp_path / "缺列.xlsx")
    result = merge(folder, "--form", tmp_path / "缺列.xlsx", "-o", tmp_path / "y.xlsx")
    assert result.exit_code == 2 and "找不到“责令限期整改企业（家）”一列" in result.output
    assert merge(folder, "--form", tmp_path / "没有.xlsx", "-o", tmp_path / "z.xlsx").exit_code == 2
    (tmp_path / "旧.xls").write_bytes(b"x")
    result = merge(folder, "--form", tmp_path / "旧.xls", "-o", tmp_path / "z.xlsx")
    assert result.exit_code == 2 and "不是 .xlsx 文件" in result.output


def test_what_is_sealed_is_the_city_template_filled(tmp_path):
    folder = inbox(tmp_path)
    template = city_template(tmp_path / "市局模板.xlsx")
    out = tmp_path / "报送" / "泽州县_2023-12.xlsx"
    out.parent.mkdir()
    result = runner.invoke(app, ["seal", "2023-12", str(folder), "--form", str(template), "-o", str(out),
                                 "--as-of", "2023-12-26", "--format", "json"])
    assert result.exit_code == 0, result.output
    import hashlib

    assert json.loads(result.stdout)["workbook_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert load_workbook(out)["县区汇总"]["D5"].value == 50


# --- another form, as data: an extra column and another word for the period row, no code change ----------

def second_form(folder: Path) -> Path:
    """The notice's form file with 约谈企业（家） after 责令限期整改企业, 工贸行业 for the period row, another title."""
    from importlib import resources

    text = resources.files("bairi.core").joinpath("form.toml").read_text(encoding="utf-8")
    text = text.replace('title = "泽州县冶金工贸行业安全生产“百日攻坚”冬季行动工作报告表"',
                        'title = "泽州县工贸行业安全生产“百日攻坚”冬季行动工作报告表（2024版）"')
    text = text.replace('label = "冶金工贸"\n', 'label = "工贸行业"\n')
    text = text.replace('pattern = "^(冶金工贸|冶金工贸行业|本月|本期|当月|本月数|本期数)$"', 'pattern = "^(工贸行业|本月)$"')
    text = text.replace('pattern = "责令"\n', 'pattern = "责令"\n\n[[columns]]\nkey = "interviews"\nheader = "约谈企业"\n'
                        'unit = "家"\nkind = "count"\npattern = "约谈"\n')
    path = folder / "表式2024.toml"
    path.write_text(text, encoding="utf-8")
    return path


def fill_blank(template: Path, out: Path, unit: str, figures: dict[str, list]) -> Path:
    """A town fills the blank template bairi made: each figure typed under its header, found by the header's text."""
    book = load_workbook(template)
    ws = book.active
    ws["C2"] = unit
    ws["C3"] = "王五"
    ws["C4"] = date(2023, 12, 22)
    headers = {}
    for col in range(2, ws.max_column + 1):
        text = "".join(str(ws.cell(r, col).value or "") for r in (5, 6))
        headers[col] = text
    for row, values in ((7, figures["period"]), (8, figures["cumulative"])):
        for col, value in zip(sorted(headers), values):
            ws.cell(row, col).value = value
    ws.protection.sheet = False
    book.save(out)
    return out


def test_a_second_form_drives_template_check_merge_and_json(tmp_path):
    import tomllib

    config = tmp_path / "bairi.toml"
    config.write_text(f'form = "{second_form(tmp_path).name}"\n' + _county_toml(), encoding="utf-8")
    assert tomllib.loads(config.read_text(encoding="utf-8"))["form"] == "表式2024.toml"
    blank = tmp_path / "模板.xlsx"
    made = runner.invoke(app, ["template", "-o", str(blank), "--config", str(config)])
    assert made.exit_code == 0, made.output
    ws = load_workbook(blank).active
    assert ws["A1"].value == "泽州县工贸行业安全生产“百日攻坚”冬季行动工作报告表（2024版）"
    assert [ws.cell(5, c).value for c in (8, 9, 10)] == ["责令限期整改企业\n（家）", "约谈企业\n（家）", "行政罚款\n（万）"]
    assert (ws["A7"].value, ws["A8"].value, ws.max_column) == ("工贸行业", "累计", 15)

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    # In the form's order: 督查组 企业 一般(排查 整改) 重大(排查 整改) 责令 约谈 罚款 停产 曝光 关闭 分包 劳务.
    fill_blank(blank, inbox / "巴公镇12月份报表.xlsx", "巴公镇应急管理中心",
               {"period": [2, 25, 40, 31, 1, 0, 6, 3, 1.5, 1, 1, 0, 0, 1],
                "cumulative": [4, 50, 85, 70, 2, 1, 11, 5, 3.25, 1, 2, 0, 1, 1]})
    fill_blank(blank, inbox / "南村镇12月份报表.xlsx", "南村镇应急管理中心",
               {"period": [1, 20, 10, 10, 0, 0, 2, 4, 0.5, 0, 0, 0, 0, 0],
                "cumulative": [2, 38, 30, 25, 0, 0, 3, 7, 1, 0, 0, 0, 0, 0]})
    checked = runner.invoke(app, ["check", str(inbox / "巴公镇12月份报表.xlsx"), "--config", str(config), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    doc = json.loads(checked.stdout)
    assert list(doc["period_row"]) == ["teams", "enterprises", "general_found", "general_fixed", "major_found",
                                       "major_fixed", "ordered", "interviews", "fines", "suspended", "exposed",
                                       "closed", "subcontracting", "labor_dispatch"]
    assert (doc["period_row"]["interviews"], doc["cumulative_row"]["interviews"], doc["cells"]["period_row"]["interviews"]) == (
        3, 5, "工作报告表!I7")
    assert doc["period_row"]["fines"] == 1.5

    # Under the notice's form the same file is not its return: 工贸行业 is not a row that form knows.
    under_notice = runner.invoke(app, ["check", str(inbox / "巴公镇12月份报表.xlsx"), "--format", "json"])
    assert under_notice.exit_code == 1
    assert ("E202", "工作报告表") in [(f["code"], f["location"]) for f in json.loads(under_notice.stdout)["findings"]]

    out = tmp_path / "泽州县_2023-12.xlsx"
    merged = runner.invoke(app, ["merge", str(inbox), "-o", str(out), "--config", str(config), "--as-of", "2023-12-26",
                                 "--format", "json"])
    assert merged.exit_code == 0, merged.output
    totals = json.loads(merged.stdout)["totals"]
    assert (totals["period_row"]["interviews"], totals["cumulative_row"]["interviews"]) == (7, 12)
    assert (totals["period_row"]["fines"], totals["period_row"]["ordered"]) == (2.0, 8)
    report = load_workbook(out)["报告表"]
    assert report["A1"].value == "泽州县工贸行业安全生产“百日攻坚”冬季行动工作报告表（2024版）（2023年12月）"
    assert (report["I5"].value, report["I7"].value, report["I8"].value, report["A7"].value) == (
        "约谈企业\n（家）", 7, 12, "工贸行业")
    # The county's own return under the same form passes check, as the notice's does under it.
    again = runner.invoke(app, ["check", str(out), "--config", str(config), "--format", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["period_row"]["interviews"] == 7
    schema = json.loads(runner.invoke(app, ["schema", "merge", "--config", str(config)]).stdout)
    assert list(schema["$defs"]["Figures"]["properties"])[6:9] == ["ordered", "interviews", "fines"]
    assert schema["$defs"]["Figures"]["properties"]["interviews"]["description"] == "约谈企业（家）"
    notice = json.loads(runner.invoke(app, ["schema", "merge"]).stdout)
    assert "interviews" not in notice["$defs"]["Figures"]["properties"]


def test_a_wrong_form_file_is_named(tmp_path):
    path = second_form(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace('kind = "amount"', 'kind = "money"'), encoding="utf-8")
    config = tmp_path / "bairi.toml"
    config.write_text(f'form = "{path.name}"\n' + _county_toml(), encoding="utf-8")
    result = runner.invoke(app, ["check", str(path), "--config", str(config)])
    assert result.exit_code == 2
    assert "表式文件" in result.output and "columns.8.kind" in result.output and "Traceback" not in result.output


def test_a_template_with_two_statistics_tables_is_not_guessed(tmp_path):
    template = city_template(tmp_path / "两个表.xlsx")
    book = load_workbook(template)
    book.copy_worksheet(book["县区汇总"]).title = "另一个"
    book.save(template)
    result = merge(inbox(tmp_path), "--form", template, "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 2 and "有 2 个统计表（工作表 “县区汇总”、“另一个”）" in result.output


def test_one_process_reads_under_another_form_then_under_the_notices_and_nothing_carries_over(tmp_path):
    """No form is switched for a run: each return is read and checked by its own campaign's form, one after the
    other in one process, and what the reader learnt of one form's labels never answers for the other."""
    from bairi.check.rules import check_file
    from bairi.core.campaign import default_campaign, load_campaign
    from bairi.core.form import NOTICE
    from bairi.present.report import check_document
    from bairi.write.layout import lay_form, save

    config = tmp_path / "bairi.toml"
    config.write_text(f'form = "{second_form(tmp_path).name}"\n' + _county_toml(), encoding="utf-8")
    other, notice = load_campaign(config), default_campaign()
    book = Workbook()
    book.active.title = "Sheet1"
    # 约谈企业: 3 this month but 2 in 累计, which no 累计 can be (E501, named by the other form's word).
    lay_form(book.active, other, unit="巴公镇应急管理中心", filler="张三", filled_on=date(2023, 12, 24),
             period=dict(PERIOD, interviews=3), cumulative=dict(CUMULATIVE, interviews=2), hazards=HAZARDS)
    theirs = tmp_path / "巴公镇12月份报表.xlsx"
    save(book, theirs)
    ours = write_return(tmp_path / "南村镇12月份报表.xlsx", unit="南村镇应急管理中心",
                        hazards=[dict(h, town="南村镇") for h in HAZARDS])

    first = check_file(theirs, other)
    keys = ["teams", "enterprises", "general_found", "general_fixed", "major_found", "major_fixed", "ordered",
            "interviews", "fines", "suspended", "exposed", "closed", "subcontracting", "labor_dispatch"]
    assert first.form == other.form_spec and first.form != NOTICE
    assert list(first.period_row or {}) == keys and list(first.cumulative_row or {}) == keys
    assert {k: f.value for k, f in (first.period_row or {}).items()} == dict(PERIOD, interviews=3, fines=Decimal("1.5"))
    assert [f.location for f in (first.period_row or {}).values()] == [f"Sheet1!{c}7" for c in "BCDEFGHIJKLMNO"]
    assert [(f.code, f.cell) for f in first.findings] == [("I303", "Sheet1!C2"), ("E501", "Sheet1!I8")]
    assert "约谈企业" in first.findings[1].message
    assert list(check_document(first).model_dump()["period_row"]) == keys

    # Then the notice's form, in the same process, nothing reset: its 13 columns, in its cells.
    second = check_file(ours, notice)
    assert second.form is NOTICE
    assert list(second.period_row or {}) == list(NOTICE.keys) and len(NOTICE.keys) == 13
    assert {k: f.value for k, f in (second.period_row or {}).items()} == dict(PERIOD, fines=Decimal("1.5"))
    assert {k: f.value for k, f in (second.cumulative_row or {}).items()} == dict(CUMULATIVE, fines=Decimal("3.25"))
    assert [f.location for f in (second.cumulative_row or {}).values()] == [f"Sheet1!{c}8" for c in "BCDEFGHIJKLMN"]
    assert [(f.code, f.cell) for f in second.findings] == [("I303", "Sheet1!C2")]
    assert list(check_document(second).model_dump()["cumulative_row"]) == list(NOTICE.keys)
    # The other form's file under the notice's form: 工贸行业 is no row of it, 约谈企业 no column.
    crossed = check_file(theirs, notice)
    assert ("E202", "Sheet1") in [(f.code, f.cell) for f in crossed.findings]
    assert "interviews" not in (crossed.cumulative_row or {})
    # And the other form once more: read exactly as the first time.
    assert check_file(theirs, other).model_dump() == first.model_dump()
