"""bairi hazards: the major-hazard register followed across months, kept across runs, on built returns and sample_data."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from typer.testing import CliRunner

from bairi.check.rules import check_file
from bairi.cli import app
from bairi.core.campaign import default_campaign
from bairi.hazards.entries import Sighting, overdue
from bairi.hazards.register import build_register
from bairi.hazards.text import detail_similarity, enterprise_key, says_rectified, stated_deadline
from bairi.write.register import HEADER_ROW, SHEET
from build import CUMULATIVE, PERIOD, write_return

CAMPAIGN = default_campaign()
SAMPLE = Path(__file__).parent.parent / "sample_data"
runner = CliRunner()

STEEL = "山西晋城巴公钢铁有限公司"
FOUNDRY = "泽州县巴公铸造有限公司"
MACHINE = "晋城市巴公化工机械有限公司"
GAS = "高炉煤气区域未设置固定式一氧化碳报警装置。整改计划：加装报警装置，12月20日前整改到位"
CRANE = "熔炼炉熔融金属吊运影响范围内设有休息室。整改计划：迁出休息室，2023年12月5日前完成"
DUST = "铸造车间粉尘爆炸危险场所除尘系统采用正压吹送。整改计划：重新设计除尘系统"
PAINT = "涂装调漆间未设置可燃气体报警装置和防爆电气设备设施。整改计划：加装报警装置"
COOLING = "熔炼炉冷却水系统未设置出水温度监测报警装置。整改计划：加装监测报警装置"
COOLING_LATER = "熔炼炉冷却水进出水流量差监测缺失，正在整改"
KILN = "煤磨袋式收尘器、煤粉仓未设置温度和一氧化碳浓度监测报警装置。整改计划：12月10日前整改到位"
YEAR = {11: 2023, 12: 2023, 1: 2024}


def row(enterprise, detail, town="巴公镇", category="机械"):
    return {"enterprise": enterprise, "town": town, "category": category, "supervisor": "泽州县应急管理局",
            "detail": detail}


def town_return(folder: Path, town: str, month: int, hazards, found: int, fixed: int) -> Path:
    """A town's return for a month, received (by its 填表日期) on the 20th."""
    return write_return(folder / f"{month}月" / f"{town}{month}月份报表.xlsx", unit=f"{town}应急管理中心",
                        filled_on=date(YEAR[month], month, 20), period=dict(PERIOD, major_found=0, major_fixed=0),
                        cumulative=dict(CUMULATIVE, major_found=found, major_fixed=fixed), hazards=hazards)


def campaign_inbox(folder: Path) -> Path:
    """Three months of four towns' returns, each with a story (see the tests)."""
    bagong = {
        11: [row(STEEL, GAS, category="冶金"), row(FOUNDRY, CRANE), row(FOUNDRY, DUST), row(MACHINE, PAINT)],
        12: [row(STEEL, GAS + "（已于12月15日整改完毕，经县镇两级验收确认）", category="冶金"), row(FOUNDRY, CRANE),
             row(FOUNDRY, DUST), row(MACHINE.replace("有限公司", "有限责任公司"), PAINT)],
        1: [row(STEEL, GAS + "（已于12月15日整改完毕，经县镇两级验收确认）", category="冶金"),
            row(FOUNDRY, DUST), row(MACHINE.replace("有限公司", "有限责任公司"), PAINT + "，正在整改")],
    }
    for month, fixed in ((11, 0), (12, 1), (1, 1)):
        town_return(folder, "巴公镇", month, bagong[month], 4, fixed)
    # 南村镇: the hazard drops off the December list while 已整改 rises from 0 to 1.
    town_return(folder, "南村镇", 11, [row("泽州县南村建材有限公司", KILN, town="南村镇", category="建材")], 1, 0)
    town_return(folder, "南村镇", 12, [], 1, 1)
    # 高都镇: one row listed, but the 累计 says two found and none rectified.
    town_return(folder, "高都镇", 12, [row("泽州县高都耐火材料有限公司", KILN, town="高都镇", category="建材")], 2, 0)
    # 大阳镇: the December row is like November's, but not surely the same hazard.
    town_return(folder, "大阳镇", 11, [row("泽州县大阳铸造有限公司", COOLING, town="大阳镇")], 1, 0)
    town_return(folder, "大阳镇", 12, [row("泽州县大阳铸造有限公司", COOLING_LATER, town="大阳镇")], 1, 0)
    return folder


def run(*args):
    result = runner.invoke(app, ["hazards", *map(str, args), "--no-ledger", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def table(doc):
    return [(h["id"], h["enterprise"], h["periods"], h["status"], h["overdue"], h["deadline"]) for h in doc["hazards"]]


def codes(doc):
    return [(f["code"], f["message"]) for f in doc["findings"] if f["code"].startswith("H")]


def test_hazards_followed_across_three_months(tmp_path):
    code, doc = run(campaign_inbox(tmp_path / "in"), "--as-of", "2024-01-31")
    assert code == 1
    assert doc["as_of"] == "2024-01-31"
    assert table(doc) == [
        ("南村镇2311-01", "泽州县南村建材有限公司", ["2023-11"], "rectified", False, "2023-12-10"),
        ("高都镇2312-01", "泽州县高都耐火材料有限公司", ["2023-12"], "open", True, "2023-12-31"),  # its plan (12-10) was past when first reported (H850)
        # rectified the month after it was found
        ("巴公镇2311-01", STEEL, ["2023-11", "2023-12", "2024-01"], "rectified", False, "2023-12-20"),
        # silently gone from the January list: still open, and its own deadline (12-05) came first
        ("巴公镇2311-02", FOUNDRY, ["2023-11", "2023-12"], "open", True, "2023-12-05"),
        # the same enterprise's second hazard, still open after 12-31
        ("巴公镇2311-03", FOUNDRY, ["2023-11", "2023-12", "2024-01"], "open", True, "2023-12-31"),
        # renamed 有限公司 → 有限责任公司: one entry, and "正在整改" is not rectified
        ("巴公镇2311-04", "晋城市巴公化工机械有限责任公司", ["2023-11", "2023-12", "2024-01"], "open", True, "2023-12-31"),
        # the uncertain December match is made, and said
        ("大阳镇2311-01", "泽州县大阳铸造有限公司", ["2023-11", "2023-12"], "open", True, "2023-12-31"),
    ]
    assert codes(doc) == [
        ("H801", ("大阳镇2023-12“泽州县大阳铸造有限公司”的重大隐患与2023-11“泽州县大阳铸造有限公司”的一项相近（相似度0.57），"
                 "暂按同一项（大阳镇2311-01）跟踪")),
        ("H804", ("南村镇“泽州县南村建材有限公司”的重大隐患（南村镇2311-01）2023-12未再列入明细，累计重大隐患已整改由0项"
                 "（2023-11）增至1项，按已整改计")),
        ("H805", "高都镇台账中未整改的重大隐患1项，与2023-12报表累计重大隐患排查2项 − 已整改0项 = 2项不一致"),
        ("H803", "巴公镇“泽州县巴公铸造有限公司”的重大隐患（巴公镇2311-02）在2023-12之后未再列入明细（2024-01），也未说明已整改"),
        ("H802", "重大隐患（巴公镇2311-04）各月的企业名称写法不同（“晋城市巴公化工机械有限公司”“晋城市巴公化工机械有限责任公司”），按同一企业跟踪"),
        ("H850", "高都镇“泽州县高都耐火材料有限公司”的重大隐患（高都镇2312-01）整改计划日期2023-12-10早于首次报告（2023-12-20），"
                 "不作整改期限，按2023-12-31计"),
    ]
    steel = doc["hazards"][2]
    assert steel["rectified_in"] == "2023-12" and steel["rectified_by"] == "text"
    assert [(s["period"], Path(s["file"]).name, s["location"], s["cells"]["enterprise"], s["rectified"])
            for s in steel["sources"]] == [
        ("2023-11", "巴公镇11月份报表.xlsx", "Sheet1!A12", "Sheet1!B12", False),
        ("2023-12", "巴公镇12月份报表.xlsx", "Sheet1!A12", "Sheet1!B12", True),
        ("2024-01", "巴公镇1月份报表.xlsx", "Sheet1!A12", "Sheet1!B12", True),
    ]
    assert doc["hazards"][1]["plan_deadline"] == "2023-12-10"
    assert doc["hazards"][3]["vanished_from"] == "2024-01"


def test_before_the_rectification_day_nothing_is_overdue(tmp_path):
    # As of 12-04 only November's returns exist; no deadline has passed yet.
    code, doc = run(campaign_inbox(tmp_path / "in"), "--as-of", "2023-12-04")
    assert code == 0
    assert [(h["id"], h["status"], h["overdue"], h["deadline"]) for h in doc["hazards"]] == [
        ("南村镇2311-01", "open", False, "2023-12-10"),
        ("巴公镇2311-01", "open", False, "2023-12-20"),
        ("巴公镇2311-02", "open", False, "2023-12-05"),
        ("巴公镇2311-03", "open", False, "2023-12-31"),
        ("巴公镇2311-04", "open", False, "2023-12-31"),
        ("大阳镇2311-01", "open", False, "2023-12-31"),
    ]
    # Its own deadline passes first: 12-06 makes the 12-05 plan overdue, nothing else.
    code, doc = run(tmp_path / "in", "--as-of", "2023-12-06")
    assert code == 1
    assert [h["id"] for h in doc["hazards"] if h["overdue"]] == ["巴公镇2311-02"]


def _rows(path: Path) -> dict[str, dict[str, object]]:
    ws = load_workbook(path)[SHEET]
    headers = [c.value for c in ws[HEADER_ROW]]
    found = {}
    for cells in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True):
        if cells[0]:
            found[cells[0]] = dict(zip(headers, cells))
    return found


def _edit(path: Path, changes: dict[str, dict[str, object]]) -> None:
    """What the clerk does in Excel: types into the register's own columns and saves."""
    workbook = load_workbook(path)
    ws = workbook[SHEET]
    headers = {c.value: c.column for c in ws[HEADER_ROW]}
    for cells in ws.iter_rows(min_row=HEADER_ROW + 1):
        for header, value in changes.get(cells[0].value, {}).items():
            ws.cell(cells[0].row, headers[header], value)
    workbook.save(path)


def test_the_clerks_columns_survive_and_a_rejected_match_splits(tmp_path):
    inbox = campaign_inbox(tmp_path / "in")
    out = tmp_path / "台账.xlsx"
    run(inbox, "--as-of", "2024-01-31", "-o", out)
    _edit(out, {
        "巴公镇2311-03": {"核查结果": "现场核查：仍未整改", "责任人": "王五", "措施到位": "是", "县级确认": "已确认"},
        "巴公镇2311-04": {"核查结果": "现场核查属实", "销号日期": date(2024, 1, 28)},
        "大阳镇2311-01": {"匹配确认": "否定", "备注": "不是同一台炉"},
    })
    code, doc = run(inbox, "--as-of", "2024-01-31", "-o", out)
    assert code == 1
    assert table(doc)[2:] == [
        ("巴公镇2311-01", STEEL, ["2023-11", "2023-12", "2024-01"], "rectified", False, "2023-12-20"),
        ("巴公镇2311-02", FOUNDRY, ["2023-11", "2023-12"], "open", True, "2023-12-05"),
        ("巴公镇2311-03", FOUNDRY, ["2023-11", "2023-12", "2024-01"], "open", True, "2023-12-31"),
        # closed by the county's 销号日期
        ("巴公镇2311-04", "晋城市巴公化工机械有限责任公司", ["2023-11", "2023-12", "2024-01"], "rectified", False, "2023-12-31"),
        # the rejected match is two entries now; the November one keeps its id and the clerk's words
        ("大阳镇2311-01", "泽州县大阳铸造有限公司", ["2023-11"], "open", True, "2023-12-31"),
        ("大阳镇2312-01", "泽州县大阳铸造有限公司", ["2023-12"], "open", True, "2023-12-31"),
    ]
    assert doc["hazards"][5]["rectified_by"] == "clerk"
    # The clerk's 销号 and the split now disagree with the towns' own 累计: said, not hidden.
    assert [c for c, _ in codes(doc)] == ["H804", "H805", "H803", "H805", "H803", "H805", "H802", "H850"]
    assert codes(doc)[3][1] == "巴公镇台账中未整改的重大隐患2项，与2024-01报表累计重大隐患排查4项 − 已整改1项 = 3项不一致"
    rows = _rows(out)
    assert {k: rows["巴公镇2311-03"][k] for k in ("核查结果", "责任人", "措施到位", "县级确认", "状态", "是否逾期")} == {
        "核查结果": "现场核查：仍未整改", "责任人": "王五", "措施到位": "是", "县级确认": "已确认", "状态": "未整改",
        "是否逾期": "逾期"}
    assert rows["巴公镇2311-04"]["销号日期"].date() == date(2024, 1, 28)
    assert rows["巴公镇2311-04"]["状态"] == "已整改"
    assert (rows["大阳镇2311-01"]["匹配确认"], rows["大阳镇2311-01"]["备注"]) == ("否定", "不是同一台炉")
    assert rows["大阳镇2312-01"]["匹配确认"] is None
    # A third run keeps the split and every word the clerk typed.
    _code, again = run(inbox, "--as-of", "2024-01-31", "-o", out)
    assert table(again) == table(doc)
    assert _rows(out) == rows


def test_the_register_workbook_is_print_ready(tmp_path):
    out = tmp_path / "台账.xlsx"
    run(campaign_inbox(tmp_path / "in"), "--as-of", "2024-01-31", "-o", out)
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["重大隐患台账", "来源", "问题清单"]
    ws = workbook[SHEET]
    # A3 at full size (10-point text), the columns that do not fit on the next page with the first three repeated.
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 8
    assert (ws.page_setup.scale, ws.sheet_properties.pageSetUpPr.fitToPage, ws.page_setup.pageOrder) == (
        100, False, "overThenDown")
    assert (ws.print_title_rows, ws.print_title_cols) == ("$3:$4", "$A:$C")
    assert ws.freeze_panes == "D5"
    headers = [c.value for c in ws[HEADER_ROW]]
    assert headers[:14] == ["编号", "所在镇", "企业名称", "行业类别", "挂牌督办单位", "重大隐患明细及整改计划", "首次报告", "整改期限",
                            "状态", "是否逾期", "整改依据", "2023年11月", "2023年12月", "2024年1月"]
    assert headers[14:26] == ["核查结果", "销号日期", "责任人", "匹配确认", "措施到位", "责任到位", "资金到位", "时限到位", "预案到位",
                              "镇级确认", "县级确认", "备注"]
    assert ws.auto_filter.ref == "A4:Z11"
    assert ws.column_dimensions["AA"].hidden
    assert {ws.cell(r, c).font.name for r in range(1, 12) for c in range(1, 27)
            if not isinstance(ws.cell(r, c), MergedCell)} == {"宋体"}
    colours = {ws.cell(r, 1).value: (ws.cell(r, 9).value, ws.cell(r, 9).fill.fgColor.rgb[-6:]) for r in range(5, 12)}
    assert colours["巴公镇2311-01"] == ("已整改", "C6EFCE")
    assert colours["巴公镇2311-03"] == ("未整改", "FFC7CE")
    months = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in (12, 13, 14)] for r in range(5, 12)}
    assert months["巴公镇2311-02"] == ["未整改\nSheet1!A13", "未整改\nSheet1!A13", "未列入"]
    first = [c.value for c in workbook["来源"][2]]
    assert first[:3] + first[4:6] == ["南村镇2311-01", "2023-11", str(tmp_path / "in" / "11月" / "南村镇11月份报表.xlsx"),
                                      "Sheet1!A12", "泽州县南村建材有限公司"]
    assert workbook["来源"]["D2"].value.date() == date(2023, 11, 20)


def test_a_file_that_is_not_a_register_is_not_overwritten(tmp_path):
    inbox = campaign_inbox(tmp_path / "in")
    other = write_return(tmp_path / "报表.xlsx")
    before = other.read_bytes()
    result = runner.invoke(app, ["hazards", str(inbox), "--no-ledger", "-o", str(other)])
    assert result.exit_code == 2
    assert "不是重大隐患台账" in result.output
    assert other.read_bytes() == before
    result = runner.invoke(app, ["hazards", str(inbox), "--no-ledger", "-o", str(tmp_path / "台账.txt")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    broken = tmp_path / "坏台账.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    result = runner.invoke(app, ["hazards", str(inbox), "--no-ledger", "-o", str(broken)])
    assert result.exit_code == 2 and "上次的台账" in result.output and "Traceback" not in result.output
    assert broken.read_bytes() == b"PK\x03\x04 not really a workbook"


def test_the_register_kept_in_the_inbox_is_not_a_town_file(tmp_path):
    inbox = campaign_inbox(tmp_path / "in")
    _, first = run(inbox, "--as-of", "2024-01-31", "-o", inbox / "台账.xlsx")
    _, second = run(inbox, "--as-of", "2024-01-31", "-o", inbox / "台账.xlsx")
    assert table(second) == table(first)
    assert second["findings"] == first["findings"]
    assert not [f for f in second["findings"] if "台账.xlsx" in f["location"]]


def test_build_register_takes_plain_sightings(tmp_path):
    inbox = campaign_inbox(tmp_path / "in")
    sightings = [Sighting("巴公镇", f"{YEAR[m]}-{m:02d}", check_file(inbox / f"{m}月" / f"巴公镇{m}月份报表.xlsx", CAMPAIGN),
                          f"巴公镇{m}月.xlsx") for m in (11, 12)]
    register = build_register(sightings, CAMPAIGN, date(2024, 1, 1), None)
    assert [(e.id, e.status, e.overdue) for e in register.entries] == [
        ("巴公镇2311-01", "rectified", False), ("巴公镇2311-02", "open", True), ("巴公镇2311-03", "open", True),
        ("巴公镇2311-04", "open", True)]
    assert [e.id for e in overdue(register)] == ["巴公镇2311-02", "巴公镇2311-03", "巴公镇2311-04"]


@pytest.mark.parametrize("text, done", [
    ("已整改", True), ("整改完毕", True), ("已销号", True), ("完成整改", True), ("已完成整改", True),
    ("已于12月8日整改完毕，经县镇两级验收确认", True), ("已于1月5日销号", True), ("验收合格", True),
    ("未整改", False), ("整改中", False), ("正在整改", False), ("尚未整改完毕", False), ("未完成整改", False),
    ("整改未完成", False), ("未销号", False), ("12月10日前整改到位", False), ("2023年12月20日前完成整改", False),
    ("计划1月完成整改", False), ("责令限期整改", False), ("", False),
    ("已拆除并迁出", True), ("设备已拆除", True), ("已依法取缔", True), ("已关闭取缔", True), ("拆除完毕", True),
    ("计划拆除", False), ("未拆除", False), ("12月底前拆除", False), ("拆除中", False), ("已停产整改", False),
    ("已关停", False), ("尚未拆除", False),
])
def test_what_counts_as_rectified(text, done):
    assert says_rectified(text) is done


@pytest.mark.parametrize("text, period, due", [
    ("整改计划：加装报警装置，12月10日前整改到位", "2023-11", date(2023, 12, 10)),
    ("2023年12月20日前完成", "2023-11", date(2023, 12, 20)),
    ("12月底前整改", "2023-12", date(2023, 12, 31)),
    ("限期至1月15日", "2023-12", date(2024, 1, 15)),   # the next year, nearest the period
    ("12月10日前整改到位", "2024-01", date(2023, 12, 10)),  # the year before
    ("２月１０日前完成", "2023-12", date(2024, 2, 10)),   # full-width digits
    ("已于12月15日整改完毕", "2023-12", None),          # a report of work done is no deadline
    ("13月40日前", "2023-12", None),
])
def test_a_plans_own_deadline(text, period, due):
    assert stated_deadline(text, period) == due


def test_enterprise_names_and_details_as_compared():
    assert enterprise_key("晋城市 巴公（化工）机械有限责任公司") == enterprise_key("晋城市巴公(化工)机械有限公司")
    assert enterprise_key("山西巴公钢铁有限公司") != enterprise_key("晋城巴公钢铁有限公司")
    assert detail_similarity(GAS, GAS + "（已于12月15日整改完毕）") == 1.0
    assert detail_similarity(CRANE, DUST) < 0.4


def test_region_prefixes_join_only_where_safe(tmp_path):
    hazard = "铸造车间粉尘爆炸危险场所除尘系统采用正压吹送。整改计划：重新设计除尘系统"
    town_return(tmp_path / "a", "巴公镇", 11, [row("山西巴公铸造有限公司", hazard)], 1, 0)
    town_return(tmp_path / "a", "巴公镇", 12, [row("巴公铸造有限公司", hazard)], 1, 0)
    code, doc = run(tmp_path / "a", "--as-of", "2023-12-31")
    assert code == 0
    assert [(h["enterprise"], h["periods"]) for h in doc["hazards"]] == [("巴公铸造有限公司", ["2023-11", "2023-12"])]
    # One return lists both spellings: two enterprises, never joined by the prefix.
    both = [row("山西巴公铸造有限公司", hazard), row("晋城巴公铸造有限公司", hazard)]
    town_return(tmp_path / "b", "巴公镇", 11, both, 2, 0)
    town_return(tmp_path / "b", "巴公镇", 12, [row("巴公铸造有限公司", hazard)], 2, 0)
    _code, doc = run(tmp_path / "b", "--as-of", "2023-12-31")
    assert [(h["enterprise"], h["periods"]) for h in doc["hazards"]] == [
        ("山西巴公铸造有限公司", ["2023-11"]), ("晋城巴公铸造有限公司", ["2023-11"]), ("巴公铸造有限公司", ["2023-12"])]


def _readme_open_hazards() -> list[tuple[str, str, str]]:
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("1 月底仍未整改的重大隐患："))
    return re.findall(r"([^；：\s]+镇) (\S+?)（(\d{4}-\d{2}) 发现）", line.split("：", 1)[1])


def test_sample_data_open_hazards_at_the_end_of_january_are_the_readmes():
    expected = _readme_open_hazards()
    assert len(expected) == 3
    code, doc = run(SAMPLE, "--as-of", "2024-01-31")
    assert code == 1
    assert sorted((h["town"], h["enterprise"], h["first_period"]) for h in doc["hazards"] if h["status"] == "open") == \
        sorted(expected)
    assert len(doc["hazards"]) == 13
    assert all(h["overdue"] for h in doc["hazards"] if h["status"] == "open")
    assert [f["code"] for f in doc["findings"] if f["code"].startswith("H") and f["severity"] != "info"] == []


def test_a_confirmed_match_is_kept_and_no_longer_said(tmp_path):
    inbox = campaign_inbox(tmp_path / "in")
    out = tmp_path / "台账.xlsx"
    run(inbox, "--as-of", "2024-01-31", "-o", out)
    _edit(out, {"大阳镇2311-01": {"匹配确认": "确认"}})
    for _ in range(2):
        _, doc = run(inbox, "--as-of", "2024-01-31", "-o", out)
        dayang = [(h["id"], h["periods"], h["uncertain_match"], h["match"]) for h in doc["hazards"] if h["town"] == "大阳镇"]
        assert dayang == [("大阳镇2311-01", ["2023-11", "2023-12"], False, "confirmed")]
        assert [c for c, _ in codes(doc)] == ["H804", "H805", "H803", "H802", "H850"]


def test_an_entry_missing_from_the_inputs_is_kept_from_the_register(tmp_path):
    inbox = campaign_inbox(tmp_path / "in")
    out = tmp_path / "台账.xlsx"
    run(inbox, "--as-of", "2024-01-31", "-o", out)
    _edit(out, {"高都镇2312-01": {"责任人": "李四"}})
    # Only November's returns this time: December's hazard is not in the inputs, but the ledger keeps it.
    code, doc = run(inbox / "11月", "--as-of", "2024-01-31", "-o", out)
    assert code == 1
    gaodu = [h for h in doc["hazards"] if h["town"] == "高都镇"]
    assert [(h["id"], h["periods"], h["status"], h["overdue"], h["carried_over"], h["clerk"]["owner"]) for h in gaodu] == [
        ("高都镇2312-01", ["2023-12"], "open", True, True, "李四")]
    assert [m for c, m in codes(doc) if c == "H807"] == [
        "上次台账中的 高都镇2312-01（高都镇“泽州县高都耐火材料有限公司”）本次输入中没有，按上次台账保留"]
    assert _rows(out)["高都镇2312-01"]["责任人"] == "李四"


@pytest.mark.parametrize("clerk, as_of, closed", [
    ({"closed_on": date(2024, 1, 28)}, date(2024, 1, 31), True),
    ({"closed_on": date(2024, 2, 3)}, date(2024, 1, 31), False),   # closed after the day asked about
    ({"closed_on": "2024年1月28日"}, date(2024, 1, 31), True),
    ({"closed_on": "待定"}, date(2024, 1, 31), False),
    ({"closed_on": "已销号"}, date(2024, 1, 31), True),
    ({"verified": "经核查已整改到位"}, date(2024, 1, 31), True),
    ({"verified": "限期整改到位"}, date(2024, 1, 31), False),
    ({"verified": "经核查，已整改完毕"}, date(2024, 1, 31), True),
    ({"verified": "现场核查：仍未整改"}, date(2024, 1, 31), False),
])
def test_the_clerk_closes_an_entry(clerk, as_of, closed):
    from bairi.hazards.text import clerk_closed

    assert clerk_closed(clerk, as_of) is closed


def test_the_table_for_the_clerk(tmp_path):
    out = tmp_path / "台账.xlsx"
    result = runner.invoke(app, ["hazards", str(campaign_inbox(tmp_path / "in")), "--as-of", "2024-01-31",
                                 "--no-ledger", "-o", str(out)], env={"COLUMNS": "160"})
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "重大隐患台账（截至 2024-01-31）：共 7 项，未整改 5 项，其中逾期 5 项。"
    assert "已整改（2023-12，报表注明）" in result.output and "已整改（2023-12，已整改数增加）" in result.output
    assert lines[-1] == f"已写出重大隐患台账 {out}"
