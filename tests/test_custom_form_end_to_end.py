"""A campaign home whose form differs from the notice's in every way that matters — columns added and removed,
other headers, groups, row words, found/fixed pairs and another hazard table — run through every command: what
each writes is in the form's words, never the notice's."""

from __future__ import annotations

import json
import os
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.campaign import load_campaign
from bairi.write.layout import lay_form, save

runner = CliRunner()

# Another form: no 成立督查组, no 一般隐患 (安全问题 发现/已销号 instead), 重大事故隐患 for 重大隐患, 约谈企业,
# 经济处罚 for 行政罚款 and 培训从业人员 added, 当月/总计 for 冶金工贸/累计, 项目 over them, its own field labels,
# and a hazard table of another title, in another order, under other headers.
FORM = """
title = "泽州县工贸行业安全生产专项整治月报表"
hazard_title = "重大事故隐患清单"
row_label_header = "统计项目"
found_fixed = [["problems_found", "problems_fixed"], ["major_found", "major_fixed"]]
fields = [{key = "unit", label = "报送单位"}, {key = "filler", label = "报送人"}, {key = "filled_on", label = "报送日期"}]

[rows.period]
label = "当月"
pattern = "^(当月|当月数)$"

[rows.cumulative]
label = "总计"
pattern = "^(总计|开展以来总计)$"

[[columns]]
key = "enterprises"
header = "检查企业"
unit = "家"
kind = "count"
pattern = "检查企业"

[[columns]]
key = "problems_found"
header = "发现"
unit = "条"
kind = "count"
pattern = "安全问题.*发现"
group = "安全问题"

[[columns]]
key = "problems_fixed"
header = "已销号"
unit = "条"
kind = "count"
pattern = "安全问题.*销号"
group = "安全问题"

[[columns]]
key = "major_found"
header = "发现"
unit = "项"
kind = "count"
pattern = "重大事故隐患.*发现"
group = "重大事故隐患"

[[columns]]
key = "major_fixed"
header = "已销号"
unit = "项"
kind = "count"
pattern = "重大事故隐患.*销号"
group = "重大事故隐患"

[[columns]]
key = "interviews"
header = "约谈企业"
unit = "家"
kind = "count"
pattern = "约谈"

[[columns]]
key = "penalty"
header = "经济处罚"
unit = "万"
kind = "amount"
pattern = "经济处罚"

[[columns]]
key = "trained"
header = "培训从业人员"
unit = "人次"
kind = "count"
pattern = "培训"
width = 11

[[hazard_columns]]
key = "seq"
header = "编号"
pattern = "^编号$"
width = 6

[[hazard_columns]]
key = "town"
header = "乡镇"
pattern = "^乡镇$"

[[hazard_columns]]
key = "enterprise"
header = "单位名称"
pattern = "单位名称"
width = 26

[[hazard_columns]]
key = "category"
header = "所属行业"
pattern = "所属行业"

[[hazard_columns]]
key = "detail"
header = "隐患情况及整改措施"
pattern = "隐患情况"
width = 44

[[hazard_columns]]
key = "supervisor"
header = "督办部门"
pattern = "督办部门"
width = 16
"""
KEYS = ["enterprises", "problems_found", "problems_fixed", "major_found", "major_fixed", "interviews", "penalty",
        "trained"]
H1 = {"enterprise": "山西晋城巴公钢铁有限公司", "town": "巴公镇", "category": "冶金", "supervisor": "泽州县应急管理局",
      "detail": "高炉煤气区域未设置固定式一氧化碳报警装置；12月20日前完成安装"}
H2 = {"enterprise": "泽州县巴公铸造有限公司", "town": "巴公镇", "category": "机械", "supervisor": "巴公镇人民政府",
      "detail": "熔炼炉熔融金属吊运影响范围内设有休息室；已拆除并迁出"}
H3 = {"enterprise": "南村镇恒达建材有限公司", "town": "南村镇", "category": "建材", "supervisor": "南村镇人民政府",
      "detail": "粉尘涉爆除尘系统未设置泄爆装置；限期1月15日前整改"}
# (file, unit, this month, 总计, hazards, filled on, received at 10:00 Beijing time on)
RETURNS = [
    ("巴公镇11月份报表.xlsx", "巴公镇应急管理中心", [30, 20, 15, 1, 0, 2, 1.25, 120], [30, 20, 15, 1, 0, 2, 1.25, 120],
     [H1], date(2023, 11, 22)),
    ("巴公镇12月份报表.xlsx", "巴公镇应急管理中心", [25, 40, 31, 1, 0, 3, 1.5, 80], [40, 60, 46, 2, 0, 4, 2.75, 200],
     [H1, H2], date(2023, 12, 22)),
    # 约谈企业 总计 below 当月 (E501) and 安全问题 已销号 above 发现 in 总计 (E502).
    ("南村镇12月份报表.xlsx", "南村镇应急管理中心", [20, 10, 10, 1, 0, 5, 0.5, 40], [30, 30, 33, 1, 0, 4, 1, 90],
     [H3], date(2023, 12, 23)),
    ("大阳镇12月份报表.xlsx", "大阳镇应急管理中心", [6, 5, 5, 0, 0, 0, 0, 15], [9, 12, 12, 0, 0, 1, 0.2, 30],
     [], date(2023, 12, 20)),
]
NOTICE_WORDS = ("冶金工贸", "成立督查组", "一般隐患", "行政罚款", "挂牌督办单位", "重大隐患明细及整改计划", "企业名称",
                "general_found", "teams", "fines", "general_rate")


def write(path: Path, campaign, unit: str, period: dict, cumulative: dict, hazards: list, filled: date,
          received: date | None = None, edit=None) -> Path:
    """A town's return laid out on the campaign's form (as the blank template has it), received at 10:00 that day."""
    book = Workbook()
    ws = book.active
    ws.title = "月报"
    lay_form(ws, campaign, unit=unit, filler="王五", filled_on=filled, period=period, cumulative=cumulative,
             hazards=hazards)
    if edit is not None:
        edit(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(book, path)
    at = datetime.combine(received or filled, datetime.min.time()).replace(hour=2, tzinfo=UTC).timestamp()
    os.utime(path, (at, at))
    return path


def make_home(folder: Path) -> Path:
    """bairi init, the form file beside bairi.toml and named in it, and the four returns in 收件箱."""
    made = runner.invoke(app, ["init", str(folder)])
    assert made.exit_code == 0, made.output
    (folder / "表式.toml").write_text(FORM, encoding="utf-8")
    config = folder / "bairi.toml"
    config.write_text('form = "表式.toml"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    campaign = load_campaign(config)
    for name, unit, period, cumulative, hazards, filled in RETURNS:
        write(folder / "收件箱" / name, campaign, unit, dict(zip(KEYS, period)), dict(zip(KEYS, cumulative)), hazards,
              filled)
    return folder


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return make_home(tmp_path_factory.mktemp("custom") / "专项整治")


def bairi(*args: object) -> tuple[int, str]:
    """The exit code and what was printed on stdout."""
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.stdout


def refused(*args: object) -> str:
    """What bairi said refusing the command (exit status 2)."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    return result.output


def docx_text(path: Path) -> str:
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    return re.sub(r"<[^>]+>", "", re.sub(r"</w:p>|</w:tc>", "\n", xml))


def no_notice_words(text: str, *allowed: str) -> None:
    assert [w for w in NOTICE_WORDS if w in text and w not in allowed] == []


# --- check ------------------------------------------------------------------------------------------------

def test_check_reads_each_return_by_the_forms_own_columns_rows_and_hazard_table(home):
    code, out = bairi("check", home / "收件箱", "--config", home / "bairi.toml", "--format", "json")
    assert code == 1
    docs = {Path(d["file"]).name: d for d in json.loads(out)}
    assert sorted(docs) == sorted(r[0] for r in RETURNS)
    for name, _, period, cumulative, hazards, _ in RETURNS:
        doc = docs[name]
        assert list(doc["period_row"]) == KEYS and list(doc["cumulative_row"]) == KEYS
        assert list(doc["period_row"].values()) == period and list(doc["cumulative_row"].values()) == cumulative
        assert doc["cells"]["cumulative_row"] == {k: f"月报!{c}8" for k, c in zip(KEYS, "BCDEFGHI")}
        assert [(h["enterprise"], h["supervisor"], h["detail"]) for h in doc["hazards"]] == [
            (h["enterprise"], h["supervisor"], h["detail"]) for h in hazards]
    # The hazard table under its own title and headers ends the statistics table: none of its rows is an extra row.
    assert {name: [(f["code"], f["location"]) for f in d["findings"]] for name, d in docs.items()} == {
        "巴公镇11月份报表.xlsx": [("I303", "月报!C2")],
        "巴公镇12月份报表.xlsx": [("I303", "月报!C2")],
        "南村镇12月份报表.xlsx": [("I303", "月报!C2"), ("E501", "月报!G8"), ("E502", "月报!D8")],
        "大阳镇12月份报表.xlsx": [("I303", "月报!C2")],
    }
    wrong = docs["南村镇12月份报表.xlsx"]["findings"]
    assert [f["message"] for f in wrong[1:]] == ["“约谈企业”累计4小于本期5", "累计行“安全问题已销号”33大于“安全问题发现”30"]
    no_notice_words(out)
    code, table = bairi("check", home / "收件箱" / "南村镇12月份报表.xlsx", "--config", home / "bairi.toml")
    assert code == 1 and "E501" in table and "E502" in table and "W208" not in table
    no_notice_words(table)


def _check_one(folder: Path, home: Path, name: str, edit=None, period=None, cumulative=None, hazards=(H1, H2)):
    campaign = load_campaign(home / "bairi.toml")
    write(folder / name, campaign, "巴公镇应急管理中心", dict(zip(KEYS, RETURNS[1][2])) if period is None else period,
          dict(zip(KEYS, RETURNS[1][3])) if cumulative is None else cumulative, list(hazards), date(2023, 12, 22),
          edit=edit)
    code, out = bairi("check", folder / name, "--config", home / "bairi.toml", "--format", "json")
    return {f["code"]: f for f in json.loads(out)["findings"]}


def test_what_check_says_of_rows_and_tables_names_the_forms_rows_and_tables(home, tmp_path):
    def extra_row(ws):
        ws["A9"], ws["B9"] = "小计", 5

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", edit=extra_row)
    assert (found["W208"]["location"], found["W208"]["message"], found["W208"]["hint"]) == (
        "月报!A9", "统计表中多出一行“小计”，未计入", "如该行数字应计入，请并入“当月”或“总计”行。")

    def no_total(ws):
        ws["A8"] = "合计"

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", edit=no_total)
    assert (found["E202"]["message"], found["E202"]["hint"]) == (
        "统计表缺少“总计”行", "请在“统计项目”列下保留“当月”和“总计”两行。")

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", period={}, cumulative={})
    assert found["E205"]["message"] == "统计表的“当月”和“总计”两行全部为空，是未填写的空表"

    def no_hazard_table(ws):
        for merged in [m for m in ws.merged_cells.ranges if m.min_row >= 10]:
            ws.unmerge_cells(str(merged))
        ws.delete_rows(10, 10)

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", edit=no_hazard_table)
    assert found["E204"]["message"] == "未找到“重大事故隐患清单”表，但累计排查重大隐患2项"
    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", edit=no_hazard_table,
                       cumulative=dict(zip(KEYS, RETURNS[1][3]), major_found=0))
    assert found["W210"]["message"] == "未找到“重大事故隐患清单”表"

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", hazards=[dict(H1, supervisor="", detail=""), H2])
    assert (found["W506"]["location"], found["W506"]["message"]) == ("月报!D12", "明细第1行未填写督办部门、隐患情况及整改措施")
    def no_fields(ws):
        ws["C2"] = ws["C3"] = ws["C4"] = None

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", edit=no_fields)
    assert [(found[c]["message"], found[c]["hint"]) for c in ("W304", "W310", "W305")] == [
        ("未填写报送单位，按文件名识别为“巴公镇”", "请在“报送单位”处填写本镇名称。"),
        ("未填写报送人", "请填写报送人姓名，便于核对。"),
        ("未填写报送日期", "请填写报送日期，如2023-12-24。")]
    found = _check_one(tmp_path, home, "某乡镇报表.xlsx", edit=no_fields)
    assert (found["E301"]["message"], found["E309"]["message"]) == (
        "未填写报送单位", "无法确定报告期：文件名、标题中没有月份，也没有可识别的报送日期")

    def stranger(ws):
        ws["C2"], ws["C4"] = "陵川县崇文镇", "2023年12月31日（星期一）"

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", edit=stranger)
    assert (found["E302"]["message"], found["W313"]["message"]) == (
        "报送单位“陵川县崇文镇”不是本次行动的报送单位", "报送日期“2023年12月31日（星期一）”中的星期与日期不符，无法确定是哪一天")

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", period=dict(zip(KEYS, RETURNS[1][2]), penalty=1.123456))
    assert (found["W412"]["location"], found["W412"]["message"], found["W412"]["hint"]) == (
        "月报!H7", "“经济处罚”为1.123456，小数超过4位", "经济处罚以万元计，保留4位小数（即精确到元）。")

    found = _check_one(tmp_path, home, "巴公镇12月份报表.xlsx", hazards=[H1])
    assert found["W503"]["message"] == "重大事故隐患清单1行，与累计排查重大隐患2项不一致"


def test_the_reply_to_a_town_speaks_the_forms_words(home, tmp_path):
    code, _ = bairi("check", home / "收件箱" / "南村镇12月份报表.xlsx", "--config", home / "bairi.toml",
                    "--reply", tmp_path / "退回")
    assert code == 1
    import email

    message = email.message_from_bytes((tmp_path / "退回" / "退回_南村镇_2023-12.eml").read_bytes())
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "1. 第8行“约谈企业”栏（G8）：“约谈企业”累计4小于本期5。" in body
    assert "2. 第8行“安全问题·已销号”栏（D8）：累计行“安全问题已销号”33大于“安全问题发现”30。" in body
    assert "二、请核对的问题" not in body
    no_notice_words(body)


# --- template ---------------------------------------------------------------------------------------------

def test_the_blank_template_is_the_forms_with_its_own_checks(home, tmp_path):
    code, _ = bairi("template", "--town", "巴公镇", "--period", "2023-12", "-o", tmp_path / "t.xlsx",
                    "--config", home / "bairi.toml")
    assert code == 0
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert ws["A1"].value == "泽州县工贸行业安全生产专项整治月报表（2023年12月）"
    assert [ws[c].value for c in ("A2", "C2", "A3", "A4")] == ["报送单位：", "巴公镇", "报送人：", "报送日期："]
    assert [ws.cell(5, c).value for c in range(1, 10)] == [
        "统计项目", "检查企业\n（家）", "安全问题", None, "重大事故隐患", None, "约谈企业\n（家）", "经济处罚\n（万）",
        "培训从业人员\n（人次）"]
    assert [ws.cell(6, c).value for c in range(3, 7)] == ["发现\n（条）", "已销号\n（条）", "发现\n（项）", "已销号\n（项）"]
    assert (ws["A7"].value, ws["A8"].value, ws["A10"].value) == ("当月", "总计", "重大事故隐患清单")
    assert [ws[c].value for c in ("A11", "B11", "D11", "G11", "I11", "M11")] == [
        "编号", "乡镇", "单位名称", "所属行业", "隐患情况及整改措施", "督办部门"]
    checks = {str(v.sqref): v.error for v in ws.data_validations.dataValidation}
    assert checks["H7:H8"] == "经济处罚以万元计，填写不小于0的数字。"
    assert checks["B7:B8 C7:C8 D7:D8 E7:E8 F7:F8 G7:G8 I7:I8"] == "此处应填写不小于0的整数。"

    code, _ = bairi("template", "--all", "-o", tmp_path / "各镇", "--config", home / "bairi.toml")
    assert code == 0
    made = sorted(p.name for p in (tmp_path / "各镇").iterdir())
    assert len(made) == 16 and "巴公镇_百日攻坚工作报告表.xlsx" in made
    ws = load_workbook(tmp_path / "各镇" / "巴公镇_百日攻坚工作报告表.xlsx").active
    assert (ws["A1"].value, ws["C2"].value, ws["A7"].value) == ("泽州县工贸行业安全生产专项整治月报表", "巴公镇", "当月")


# --- merge ------------------------------------------------------------------------------------------------

PERIOD_TOTAL = [31, 45, 36, 1, 0, 3, 1.5, 95]
CUMULATIVE_TOTAL = [49, 72, 58, 2, 0, 5, 2.95, 230]


def test_merge_adds_up_the_forms_columns_in_json_csv_and_the_workbook(home, tmp_path):
    out = tmp_path / "泽州县_2023-12.xlsx"
    code, stdout = bairi("merge", "--home", home, "--period", "2023-12", "--as-of", "2023-12-26", "-o", out,
                         "--csv", tmp_path / "明细.csv", "--format", "json")
    assert code == 1  # 南村镇 sent back, the rest not in
    doc = json.loads(stdout)
    totals = doc["totals"]
    assert list(totals["period_row"].items()) == list(zip(KEYS, PERIOD_TOTAL))
    assert list(totals["cumulative_row"].items()) == list(zip(KEYS, CUMULATIVE_TOTAL))
    assert totals["rates"] == {"problems_rate": 80.6, "major_rate": 0.0}
    assert [(a["town"], Path(a["file"]).name) for a in doc["accepted"]] == [("巴公镇", "巴公镇12月份报表.xlsx"),
                                                                             ("大阳镇", "大阳镇12月份报表.xlsx")]
    assert [r["town"] for r in doc["rejected"]] == ["南村镇"]
    no_notice_words(stdout)

    lines = (tmp_path / "明细.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "镇,报告期,行,项目,代码,数值,文件,单元格"
    assert len(lines) == 1 + 2 * 2 * 8
    assert lines[1:9] == [f"巴公镇,2023-12,本期,{label},{key},{value},{home}/收件箱/巴公镇12月份报表.xlsx,月报!{c}7"
                          for label, key, value, c in zip(
                              ["检查企业（家）", "安全问题/发现（条）", "安全问题/已销号（条）", "重大事故隐患/发现（项）",
                               "重大事故隐患/已销号（项）", "约谈企业（家）", "经济处罚（万）", "培训从业人员（人次）"],
                              KEYS, RETURNS[1][2], "BCDEFGHI")]

    book = load_workbook(out)
    assert book.sheetnames == ["报告表", "分镇明细", "数据来源", "单元格来源", "问题清单", "图表"]
    ws = book["报告表"]
    assert ws["A1"].value == "泽州县工贸行业安全生产专项整治月报表（2023年12月）"
    assert [ws[c].value for c in ("A2", "C2", "A3", "A4", "A5")] == ["报送单位：", "泽州县应急管理局", "报送人：",
                                                                     "报送日期：", "统计项目"]
    assert [ws.cell(7, c).value for c in range(1, 10)] == ["当月", *PERIOD_TOTAL]
    assert [ws.cell(8, c).value for c in range(1, 10)] == ["总计", *CUMULATIVE_TOTAL]
    assert (ws["A10"].value, ws["D11"].value, ws["M11"].value) == ("重大事故隐患清单", "单位名称", "督办部门")
    assert [[ws.cell(r, c).value for c in (1, 2, 4, 13)] for r in (12, 13)] == [
        [1, "巴公镇", H1["enterprise"], H1["supervisor"]], [2, "巴公镇", H2["enterprise"], H2["supervisor"]]]
    towns = book["分镇明细"]
    assert [towns.cell(2, c).value for c in range(4, 14)] == [
        "行", "检查企业\n（家）", "安全问题", None, "重大事故隐患", None, "约谈企业\n（家）", "经济处罚\n（万）",
        "培训从业人员\n（人次）", "累计整改率（%）"]
    assert [towns.cell(3, c).value for c in (13, 14)] == ["安全问题", "重大事故隐患"]
    assert [towns.cell(36, c).value for c in range(4, 15)] == ["当月", *PERIOD_TOTAL, 80.6, 0]
    assert [towns.cell(37, c).value for c in range(4, 13)] == ["总计", *CUMULATIVE_TOTAL]
    # The county's own return, read back by the same form, says nothing of extra rows.
    assert [row[5] for row in book["问题清单"].iter_rows(min_row=3, values_only=True)
            if row[0] == "泽州县"] == []
    assert [c.value for c in book["数据来源"][2]][3:6] == ["收到时间", "报送日期", "报送人"]
    assert [c.value for c in book["图表"][2]] == ["单位", "安全问题发现", "安全问题已销号", "重大事故隐患发现", "重大事故隐患已销号"]


def test_the_merge_table_heads_each_pair_with_its_own_words(home, tmp_path):
    code, stdout = bairi("merge", "--home", home, "--period", "2023-12", "--as-of", "2023-12-26",
                         "-o", tmp_path / "m.xlsx")
    assert code == 1
    assert "发现/销号" in stdout and "排查/整改" not in stdout
    [total] = [line for line in stdout.splitlines() if "合计" in line]
    assert re.split(r"\s*│\s*", total)[1:6] == ["合计", "2/16", "31", "45/36", "1/0"]


def city_template(path: Path) -> Path:
    """The city's own sheet for this form: its labels in another order, the hazard list on a sheet of its own."""
    book = Workbook()
    ws = book.active
    ws.title = "县区汇总"
    ws["A1"] = "晋城市工贸行业专项整治月报表"
    ws["A2"], ws["E2"], ws["H2"] = "报送单位：", "报送人：", "报送日期："
    ws["A3"] = "统计项目"
    heads = [("经济处罚（万元）", None), ("检查企业（家）", None), ("安全问题", "发现（条）"), (None, "已销号（条）"),
             ("重大事故隐患", "发现（项）"), (None, "已销号（项）"), ("约谈企业（家）", None), ("培训从业人员（人次）", None)]
    for c, (top, below) in enumerate(heads, start=2):
        ws.cell(3, c, top)
        ws.cell(4, c, below)
    ws.merge_cells("D3:E3")
    ws.merge_cells("F3:G3")
    ws["A5"], ws["A6"] = "当月", "总计"
    details = book.create_sheet("清单")
    for c, header in enumerate(["编号", "单位名称", "乡镇", "所属行业", "督办部门", "隐患情况及整改措施"], start=1):
        details.cell(1, c, header)
    book.save(path)
    return path


def test_merge_fills_the_citys_template_by_the_forms_labels(home, tmp_path):
    out = tmp_path / "泽州县_2023-12.xlsx"
    code, _ = bairi("merge", "--home", home, "--period", "2023-12", "--as-of", "2023-12-26", "-o", out,
                    "--form", city_template(tmp_path / "市局模板.xlsx"))
    assert code == 1
    book = load_workbook(out)
    ws = book["县区汇总"]
    order = [6, 0, 1, 2, 3, 4, 5, 7]
    assert [ws.cell(5, c).value for c in range(2, 10)] == [PERIOD_TOTAL[i] for i in order]
    assert [ws.cell(6, c).value for c in range(2, 10)] == [CUMULATIVE_TOTAL[i] for i in order]
    assert [[c.value for c in row] for row in book["清单"].iter_rows(min_row=2, max_row=3)] == [
        [1, H1["enterprise"], "巴公镇", "冶金", H1["supervisor"], H1["detail"]],
        [2, H2["enterprise"], "巴公镇", "机械", H2["supervisor"], H2["detail"]]]

    bare = load_workbook(tmp_path / "市局模板.xlsx")
    del bare["清单"]
    bare.save(tmp_path / "无清单.xlsx")
    said = refused("merge", "--home", home, "--period", "2023-12", "--as-of", "2023-12-26", "-o",
                   tmp_path / "x.xlsx", "--form", tmp_path / "无清单.xlsx")
    assert "市局模板中找不到“重大事故隐患清单”表（应有“单位名称”等列的表头），无法填写" in said
    empty = Workbook()
    empty.active["A1"] = "晋城市"
    empty.save(tmp_path / "空.xlsx")
    said = refused("merge", "--home", home, "--period", "2023-12", "--as-of", "2023-12-26", "-o",
                   tmp_path / "y.xlsx", "--form", tmp_path / "空.xlsx")
    assert "中找不到统计表的表头（如“检查企业”“安全问题发现”等列），无法填写" in said


# --- seal, and merge after a correction ---------------------------------------------------------------------

def test_seal_then_a_correction_is_said_in_the_forms_columns(tmp_path):
    home = make_home(tmp_path / "专项整治")
    code, stdout = bairi("seal", "2023-12", "--home", home, "--as-of", "2023-12-26", "-o", tmp_path / "上报.xlsx",
                         "--format", "json")
    assert code == 1
    sealed = json.loads(stdout)
    assert list(sealed["totals"]["cumulative_row"].items()) == list(zip(KEYS, CUMULATIVE_TOTAL))
    assert load_workbook(tmp_path / "上报.xlsx")["报告表"]["I8"].value == 230
    code, stdout = bairi("seal", "--list", "--home", home, "--format", "json")
    assert code == 0
    [seal] = json.loads(stdout)["seals"]
    assert (seal["period"], list(seal["totals"]["period_row"].items())) == ("2023-12", list(zip(KEYS, PERIOD_TOTAL)))

    campaign = load_campaign(home / "bairi.toml")
    write(home / "收件箱" / "巴公镇12月份报表（更正）.xlsx", campaign, "巴公镇应急管理中心",
          dict(zip(KEYS, [26, 40, 31, 1, 0, 3, 1.5, 85])), dict(zip(KEYS, [41, 60, 46, 2, 0, 4, 2.75, 205])),
          [H1, H2], date(2023, 12, 27))
    code, stdout = bairi("merge", "--home", home, "--period", "2023-12", "--as-of", "2023-12-28",
                         "-o", tmp_path / "更正后.xlsx", "--format", "json")
    doc = json.loads(stdout)
    assert [(c["town"], c["row"], c["key"], c["old"], c["new"]) for c in doc["corrections"]] == [
        ("巴公镇", "period", "enterprises", 25, 26), ("巴公镇", "period", "trained", 80, 85),
        ("巴公镇", "cumulative", "enterprises", 40, 41), ("巴公镇", "cumulative", "trained", 200, 205)]
    note = (tmp_path / "更正后_更正说明.txt").read_text(encoding="utf-8-sig")
    assert "1. 巴公镇 本期·检查企业（月报!B7）：25 → 26（巴公镇12月份报表（更正）.xlsx）" in note
    assert "4. 累计·培训从业人员：230 → 235" in note
    no_notice_words(note)
    sheet = load_workbook(tmp_path / "更正后.xlsx")["更正说明"]
    assert [c.value for c in sheet[4]][:7] == [2, "巴公镇", "本期", "培训从业人员", "月报!I7", 80, 85]


def test_seals_listed_outside_their_campaign_are_refused_in_words(tmp_path, monkeypatch):
    home = make_home(tmp_path / "专项整治")
    assert bairi("seal", "2023-12", "--home", home, "--as-of", "2023-12-26", "-o", tmp_path / "上报.xlsx")[0] == 1
    monkeypatch.chdir(tmp_path)
    said = refused("seal", "--list", "--ledger", home / "上报" / ".bairi-ledger.sqlite", "--format", "json")
    assert said.replace("\n", "") == (
        f"错误：台账 {home / '上报' / '.bairi-ledger.sqlite'} 中的封存不是按当前表式记下的（表式中没有这些列：interviews, "
        "penalty, problems_fixed, problems_found, trained）；请用 --config 指定封存时所用的行动配置")
    code, stdout = bairi("seal", "--list", "--ledger", home / "上报" / ".bairi-ledger.sqlite", "--config",
                         home / "bairi.toml", "--format", "json")
    assert code == 0 and list(json.loads(stdout)["seals"][0]["totals"]["period_row"]) == KEYS


def test_inside_the_home_check_template_and_schema_take_the_homes_form(home, tmp_path, monkeypatch):
    """Run in 收件箱/ (below the home's bairi.toml), as the other commands, they find the home upward."""
    monkeypatch.chdir(home / "收件箱")
    code, stdout = bairi("check", "巴公镇12月份报表.xlsx", "--format", "json")
    assert code == 0 and list(json.loads(stdout)["period_row"].values()) == RETURNS[1][2]
    assert bairi("template", "-o", tmp_path / "t.xlsx")[0] == 0
    assert load_workbook(tmp_path / "t.xlsx").active["A1"].value == "泽州县工贸行业安全生产专项整治月报表"
    code, stdout = bairi("schema", "merge")
    assert list(json.loads(stdout)["$defs"]["Figures"]["properties"]) == KEYS
    # A bairi.toml where it is run, inside a home, still comes first: there the notice's campaign, and its form.
    from bairi.core.campaign import default_campaign
    from bairi.present.render import campaign_toml

    other = make_home(tmp_path / "专项整治") / "收件箱" / "另一次行动"
    other.mkdir()
    (other / "bairi.toml").write_text(campaign_toml(default_campaign()), encoding="utf-8")
    monkeypatch.chdir(other)
    code, stdout = bairi("schema", "merge")
    assert list(json.loads(stdout)["$defs"]["Figures"]["properties"])[:2] == ["teams", "enterprises"]


# --- deadlines, summary, hazards, status, board, schema -------------------------------------------------------

def test_deadlines_and_reminders_list_open_hazards_under_the_forms_headers(home, tmp_path):
    code, stdout = bairi("deadlines", "--home", home, "--as-of", "2024-01-05", "--remind", tmp_path / "催报",
                         "--remind-format", "txt")
    assert code == 1
    text = re.sub(r"\s+", " ", stdout)
    assert "巴公镇（2023-12 报表累计发现 2 项、已销号 0 项）：逾期未整改 1 项" in text
    assert "单位名称 督办部门 隐患情况及整改措施" in text
    no_notice_words(stdout, "冶金工贸")  # the campaign's name: 泽州县冶金工贸行业安全生产“百日攻坚”冬季行动
    letter = (tmp_path / "催报" / "催报_南村镇.txt").read_text(encoding="utf-8-sig")
    assert "（1）第8行“约谈企业”栏（G8）：“约谈企业”累计4小于本期5（累计数应不小于本期数，请核对两行）。" in letter
    no_notice_words(letter, "冶金工贸")
    code, stdout = bairi("deadlines", "--home", home, "--as-of", "2024-01-05", "--format", "json")
    [bagong] = [t for t in json.loads(stdout)["overdue_hazards"]["towns"] if t["town"] == "巴公镇"]
    assert (bagong["major_found"], bagong["major_fixed"], [h["enterprise"] for h in bagong["hazards"]]) == (
        2, 0, [H1["enterprise"]])
    code, _ = bairi("deadlines", "--home", home, "--as-of", "2024-01-05", "--remind", tmp_path / "公文",
                    "--remind-format", "docx")
    assert code == 1
    words = docx_text(tmp_path / "公文" / "催报_南村镇.docx")
    assert "第8行“安全问题·已销号”栏（D8）：累计行“安全问题已销号”33大于“安全问题发现”30" in words


def test_the_bulletin_counts_and_names_the_forms_columns_in_text_and_word(home, tmp_path):
    code, _ = bairi("summary", "--home", home, "--period", "2023-12", "--as-of", "2024-01-05", "-o", tmp_path / "通报.txt")
    assert code == 0
    text = (tmp_path / "通报.txt").read_text(encoding="utf-8-sig")
    assert ("计入汇总的报表显示，全县累计检查企业49家，安全问题发现72条，安全问题已销号58条，重大事故隐患发现2项，"
            "重大事故隐患已销号0项，约谈企业5家，经济处罚2.95万元，培训从业人员230人次；安全问题整改率80.6%，"
            "重大事故隐患整改率0.0%。") in text
    assert ("9. 巴公镇：累计检查企业40家，安全问题发现60条，安全问题已销号46条，重大事故隐患发现2项，重大事故隐患已销号0项，"
            "约谈企业4家，经济处罚2.75万元，培训从业人员200人次。") in text
    no_notice_words(text, "冶金工贸")
    code, _ = bairi("summary", "--home", home, "--period", "2023-12", "--as-of", "2024-01-05", "-o",
                    tmp_path / "通报.docx")
    assert code == 0
    words = docx_text(tmp_path / "通报.docx")
    assert "全县累计检查企业49家，安全问题发现72条" in words
    table = words[words.index("表3　"):]
    assert [w for w in table.split("\n") if w][:6] == ["表3　逾期未整改到位的重大隐患", "序号", "镇", "单位名称", "督办部门",
                                                      "隐患情况及整改措施"]
    no_notice_words(words, "冶金工贸")


def test_the_notices_bulletin_is_only_for_the_notices_columns(home, tmp_path):
    """A form with every key of the notice's but other words is not the notice's: its bulletin names its own."""
    from importlib import resources

    text = resources.files("bairi.core").joinpath("form.toml").read_text(encoding="utf-8")
    renamed = tmp_path / "改名.toml"
    renamed.write_text(text.replace('header = "排查企业"', 'header = "检查企业"').replace(
        'pattern = "排查企业|检查企业"', 'pattern = "检查企业"'), encoding="utf-8")
    config = tmp_path / "bairi.toml"
    config.write_text(f'form = "{renamed}"\n' + (home / "bairi.toml").read_text(encoding="utf-8").split("\n", 1)[1],
                      encoding="utf-8")
    campaign = load_campaign(config)
    from build import CUMULATIVE, PERIOD

    write(tmp_path / "收件箱" / "巴公镇12月份报表.xlsx", campaign, "巴公镇应急管理中心", PERIOD, CUMULATIVE, [H1, H2],
          date(2023, 12, 22))
    code, _ = bairi("summary", tmp_path / "收件箱", "--config", config, "--period", "2023-12", "--as-of", "2023-12-26",
                    "--no-ledger", "-o", tmp_path / "通报.txt")
    assert code == 0
    bulletin = (tmp_path / "通报.txt").read_text(encoding="utf-8-sig")
    assert "全县累计成立督查组4个，检查企业50家，一般隐患排查85项" in bulletin
    assert "排查企业" not in bulletin


def test_the_hazard_register_follows_the_forms_hazard_table(home, tmp_path):
    code, stdout = bairi("hazards", "--home", home, "--as-of", "2024-01-05", "-o", tmp_path / "台账.xlsx",
                         "--format", "json")
    assert code == 1
    doc = json.loads(stdout)
    assert [(h["town"], h["enterprise"], h["status"], h["overdue"]) for h in doc["hazards"]] == [
        ("南村镇", H3["enterprise"], "open", True), ("巴公镇", H1["enterprise"], "open", True),
        ("巴公镇", H2["enterprise"], "rectified", False)]
    assert doc["hazards"][1]["sources"][0]["cells"] == {"seq": "月报!A12", "town": "月报!B12", "enterprise": "月报!D12",
                                                         "category": "月报!G12", "detail": "月报!I12",
                                                         "supervisor": "月报!M12"}
    ws = load_workbook(tmp_path / "台账.xlsx")["重大隐患台账"]
    assert [[ws.cell(r, c).value for c in (1, 2, 3, 9)] for r in (5, 6, 7)] == [
        ["南村镇2312-01", "南村镇", H3["enterprise"], "未整改"], ["巴公镇2311-01", "巴公镇", H1["enterprise"], "未整改"],
        ["巴公镇2312-01", "巴公镇", H2["enterprise"], "已整改"]]


def test_status_and_board_show_the_forms_figures_and_rates(home, tmp_path):
    code, stdout = bairi("status", "--home", home, "--as-of", "2024-01-05", "--format", "json")
    assert code == 1
    items = json.loads(stdout)["todo"]
    assert [i["text"] for i in items if i["kind"] == "hazard"] == [
        "南村镇南村镇恒达建材有限公司的重大隐患逾期未整改（整改期限2023-12-31，逾期5天）",
        "巴公镇山西晋城巴公钢铁有限公司的重大隐患逾期未整改（整改期限2023-12-20，逾期16天）"]
    no_notice_words(stdout, "冶金工贸")
    code, _ = bairi("board", "--home", home, "--as-of", "2024-01-05", "-o", tmp_path / "看板.html")
    assert code == 0
    page = (tmp_path / "看板.html").read_text(encoding="utf-8")
    section = page[page.index("全县累计（2023-12"):page.index("未整改的重大隐患")]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", section, re.S)]
    assert cells[4:] == [
        "检查企业（家）", "49", "30", "+19",
        "安全问题/发现（条）", "72", "20", "+52",
        "安全问题/已销号（条）", "58", "15", "+43",
        "重大事故隐患/发现（项）", "2", "1", "+1",
        "重大事故隐患/已销号（项）", "0", "0", "持平",
        "约谈企业（家）", "5", "2", "+3",
        "经济处罚（万）", "2.95", "1.25", "+1.7",
        "培训从业人员（人次）", "230", "120", "+110",
        "安全问题整改率", "80.6%", "75.0%", "",
        "重大事故隐患整改率", "0.0%", "0.0%", ""]
    no_notice_words(page, "冶金工贸")


def test_schema_describes_the_forms_columns(home):
    code, stdout = bairi("schema", "merge", "--config", home / "bairi.toml")
    assert code == 0
    figures = json.loads(stdout)["$defs"]["Figures"]
    assert list(figures["properties"]) == KEYS
    assert [p["description"] for p in figures["properties"].values()] == [
        "检查企业（家）", "安全问题/发现（条）", "安全问题/已销号（条）", "重大事故隐患/发现（项）", "重大事故隐患/已销号（项）",
        "约谈企业（家）", "经济处罚（万）", "培训从业人员（人次）"]
    assert figures["properties"]["penalty"]["anyOf"][0] == {"type": "number"}
    code, stdout = bairi("schema", "--config", home / "bairi.toml")
    everything = json.loads(stdout)
    for command in ("check", "merge", "seal"):
        [row] = re.findall(r'"Figures": \{"additionalProperties": false, "properties": \{(.*?)\}, "title"',
                           json.dumps(everything[command], ensure_ascii=False))
        assert re.findall(r'"(\w+)": \{"anyOf"', row) == KEYS
    assert "teams" not in stdout and "general_found" not in stdout.replace("general_found/general_fixed", "")


# --- one process, three campaigns in turn ---------------------------------------------------------------------

def test_one_process_custom_then_notice_then_custom_through_the_public_functions(home, tmp_path):
    """Nothing learnt of one campaign's form answers for another's: the same functions, the custom campaign, the
    notice's, then the custom one again, give each its own."""
    from bairi.check.rules import check_file
    from bairi.core.campaign import default_campaign
    from bairi.core.form import NOTICE
    from bairi.merge.consolidate import consolidate, rates
    from bairi.present.board import board_context
    from bairi.present.documents import schema
    from bairi.state.standing import load_state
    from bairi.write.county import merged_workbook
    from bairi.write.layout import template_workbook
    from build import CUMULATIVE, PERIOD, write_return

    custom, notice = load_campaign(home / "bairi.toml"), default_campaign()
    ours = home / "收件箱" / "巴公镇12月份报表.xlsx"
    theirs = write_return(tmp_path / "notice" / "巴公镇12月份报表.xlsx", unit="巴公镇应急管理中心")

    def run(campaign, path, folder):
        ret = check_file(path, campaign)
        state = load_state([folder], campaign, date(2023, 12, 26), use_ledger=False)
        merged = consolidate(state, "2023-12")
        blank = template_workbook(campaign).active
        county = merged_workbook(merged, campaign, "申晋钢", date(2023, 12, 26))["报告表"]
        board = board_context(state, "2023-12-26 18:00")["totals"]
        return (ret, merged, [blank.cell(5, c).value for c in range(1, 4)], blank["A7"].value,
                list(schema("merge", campaign.form_spec)["$defs"]["Figures"]["properties"]),
                [county.cell(8, c).value for c in range(1, 4)], [line["label"] for line in board["rates"]])

    first = run(custom, ours, home / "收件箱")
    second = run(notice, theirs, tmp_path / "notice")
    third = run(custom, ours, home / "收件箱")
    for ret, merged, heads, row, keys, county, board in (first, third):
        assert ret.form == custom.form_spec and merged.form == custom.form_spec
        assert [(f.code, f.cell) for f in ret.findings] == [("I303", "月报!C2")]
        assert list(ret.values("period").values()) == [25, 40, 31, 1, 0, 3, Decimal("1.5"), 80]
        assert [merged.totals["cumulative_row"][k] for k in KEYS] == [
            49, 72, 58, 2, 0, 5, Decimal("2.95"), 230]
        assert rates(merged.totals["cumulative_row"], merged.form) == {"problems_rate": Decimal("80.6"),
                                                                       "major_rate": Decimal("0.0")}
        assert (heads, row, keys) == (["统计项目", "检查企业\n（家）", "安全问题"], "当月", KEYS)
        assert (county, board) == (["总计", 49, 72], ["安全问题整改率", "重大事故隐患整改率"])
    ret, merged, heads, row, keys, county, board = second
    assert ret.form is NOTICE and merged.form is NOTICE
    assert [(f.code, f.cell) for f in ret.findings] == [("I303", "Sheet1!C2")]
    assert ret.values("period") == dict(PERIOD, fines=Decimal("1.5"))
    assert merged.totals["cumulative_row"] == dict(CUMULATIVE, fines=Decimal("3.25"))
    assert (heads, row, keys) == (["行业", "成立督查组\n（个）", "排查企业\n（家）"], "冶金工贸", list(NOTICE.keys))
    assert (county, board) == (["累计", 4, 50], ["一般隐患整改率", "重大隐患整改率"])
    assert first[0].model_dump() == third[0].model_dump()
