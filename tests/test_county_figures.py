"""The figures sent up are ones the county can defend: a built three-month campaign (a town missing in January,
one sent back, hazards found in each month with plans before and after the rectification day, one rectified
late, one under 停产整改), merged and registered month by month."""

import json
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.campaign import default_campaign
from bairi.core.form import NOTICE
from build import write_return
from build_mail import message, write_mbox

runner = CliRunner()
CAMPAIGN = default_campaign()
BEIJING = timezone(timedelta(hours=8))
MONTHS = ("2023-11", "2023-12", "2024-01")
SENT = {"2023-11": date(2023, 11, 22), "2023-12": date(2023, 12, 22), "2024-01": date(2024, 1, 22)}
NAMES = {"2023-11": "11月份", "2023-12": "12月份", "2024-01": "1月份"}

STEEL = "山西晋城巴公钢铁有限公司"
FOUNDRY = "泽州县巴公铸造有限公司"
MACHINE = "晋城市巴公化工机械有限公司"
GAS = "高炉煤气区域未设置固定式一氧化碳报警装置。整改计划：加装报警装置，12月20日前整改到位"
CRANE = "熔炼炉熔融金属吊运影响范围内设有休息室。整改计划：迁出休息室，2024年1月15日前完成"
PAINT = "涂装调漆间未设置可燃气体报警装置和防爆电气设备设施。整改计划：12月25日前整改到位"
DUST = "铸造车间粉尘爆炸危险场所除尘系统采用正压吹送。整改计划：重新设计除尘系统，1月28日前整改到位"
LADLE = "钢包烘烤区域未设置燃气泄漏报警装置，正在制定整改方案"
KILN = "煤磨袋式收尘器、煤粉仓未设置温度和一氧化碳浓度监测报警装置。整改计划：12月10日前整改到位"
COOLING = "熔炼炉冷却水系统未设置出水温度监测报警装置，企业已停产整改。整改计划：1月10日前整改到位"
FURNACE = "中频炉冷却水系统未设置应急水源。整改计划：11月20日前整改到位"


def row(enterprise, detail, town, category="机械"):
    return {"enterprise": enterprise, "town": town, "category": category, "supervisor": "泽州县应急管理局",
            "detail": detail}


def story(enterprises: int, majors: list[tuple[int, int]]) -> list[tuple[dict, dict]]:
    """(本期, 累计) per month: 累计 the running sum, but 排查企业 (家) counts an enterprise once — half are new."""
    out: list[tuple[dict, dict]] = []
    cumulative: dict = {}
    for month, (found, fixed) in enumerate(majors, start=1):
        period = {"teams": 1, "enterprises": enterprises, "general_found": 10 + month, "general_fixed": 8 + month,
                  "major_found": found, "major_fixed": fixed, "ordered": 2, "fines": 0.25 * month, "suspended": 1,
                  "exposed": 1, "closed": month % 2, "subcontracting": 0, "labor_dispatch": 1}
        if not cumulative:
            cumulative = dict(period)
        else:
            cumulative = {key: cumulative[key] + period[key] for key in NOTICE.keys}
            cumulative["enterprises"] += enterprises // 2 - enterprises
        out.append((period, cumulative))
    return out


# 巴公镇 every month; 南村镇 misses January; 大阳镇's January is sent back; 高都镇 misses December.
STORIES = {
    "巴公镇": story(45, [(2, 0), (1, 1), (2, 1)]),
    "南村镇": story(38, [(1, 0), (1, 0), (0, 0)]),
    "大阳镇": story(10, [(1, 0), (0, 0), (0, 0)]),
    "高都镇": story(24, [(0, 0), (0, 0), (0, 0)]),
}
HAZARDS = {
    "巴公镇": {
        "2023-11": [row(STEEL, GAS, "巴公镇", "冶金"), row(FOUNDRY, CRANE, "巴公镇")],
        "2023-12": [row(STEEL, GAS + "（已于12月18日整改完毕）", "巴公镇", "冶金"), row(FOUNDRY, CRANE, "巴公镇"),
                    row(MACHINE, PAINT, "巴公镇")],
        "2024-01": [row(STEEL, GAS + "（已于12月18日整改完毕）", "巴公镇", "冶金"), row(FOUNDRY, CRANE, "巴公镇"),
                    row(MACHINE, PAINT + "（已于1月5日整改完毕）", "巴公镇"), row(FOUNDRY, DUST, "巴公镇"),
                    row(STEEL, LADLE, "巴公镇", "冶金")],
    },
    "南村镇": {
        "2023-11": [row("泽州县南村建材有限公司", KILN, "南村镇", "建材")],
        # 化工 is not a 工贸 category (W505): the city would ask.
        "2023-12": [row("泽州县南村建材有限公司", KILN, "南村镇", "建材"),
                    row("泽州县南村铸造有限公司", COOLING, "南村镇", "化工")],
    },
    "大阳镇": {
        "2023-11": [row("泽州县大阳铸造有限公司", FURNACE, "大阳镇")],
        # 所在镇 of another town (W504).
        "2023-12": [row("泽州县大阳铸造有限公司", FURNACE, "巴公镇")],
        "2024-01": [row("泽州县大阳铸造有限公司", FURNACE, "大阳镇")],
    },
    "高都镇": {},
}
SENDS = {"巴公镇": MONTHS, "南村镇": MONTHS[:2], "大阳镇": MONTHS, "高都镇": (MONTHS[0], MONTHS[2])}


def campaign_inbox(folder: Path) -> Path:
    """Every town's returns as mailed on the 22nd of each month (大阳镇's January one fails its check: E501)."""
    messages = []
    for town, months in SENDS.items():
        for month in months:
            period, cumulative = STORIES[town][MONTHS.index(month)]
            if town == "大阳镇" and month == "2024-01":
                cumulative = dict(cumulative, teams=0)
            path = write_return(folder / "files" / f"{town}{NAMES[month]}报表.xlsx", unit=f"{town}应急管理中心",
                                filled_on=SENT[month], period=period, cumulative=cumulative,
                                hazards=HAZARDS[town].get(month, []))
            sent = datetime.combine(SENT[month], datetime.min.time(), BEIJING).replace(hour=10)
            messages.append(message([(path.name, path.read_bytes())], date=format_datetime(sent)))
            path.unlink()
    return write_mbox(folder / "inbox" / "campaign.mbox", messages)


def merge_json(inbox: Path, period: str, as_of: str, out: Path) -> dict:
    result = runner.invoke(app, ["merge", str(inbox), "--period", period, "--as-of", as_of, "-o", str(out),
                                 "--no-ledger", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_the_countys_cumulative_never_falls_for_a_town_that_missed_a_month(tmp_path):
    inbox = campaign_inbox(tmp_path)
    expected = {
        # 高都镇 missed December: its November 累计 is carried.
        "2023-12": [STORIES["巴公镇"][1][1], STORIES["南村镇"][1][1], STORIES["大阳镇"][1][1], STORIES["高都镇"][0][1]],
        # 南村镇 missed January and 大阳镇's was sent back: their December 累计.
        "2024-01": [STORIES["巴公镇"][2][1], STORIES["南村镇"][1][1], STORIES["大阳镇"][1][1], STORIES["高都镇"][2][1]],
        "2023-11": [STORIES[t][0][1] for t in STORIES],
    }
    days = {"2023-11": "2023-11-26", "2023-12": "2023-12-26", "2024-01": "2024-01-26"}
    totals = {}
    for month in MONTHS:
        doc = merge_json(inbox, month, days[month], tmp_path / f"county{month}.xlsx")
        totals[month] = doc["totals"]["cumulative_row"]
        assert totals[month] == {key: sum(c[key] for c in expected[month]) for key in NOTICE.keys}
        assert doc["cross_month"] == []
        carried = {t["town"]: (t["status"], t["cumulative_from"]) for t in doc["towns"] if t["cumulative_from"]}
        if month == "2023-12":
            assert carried == {"高都镇": ("missing", "2023-11")}
        if month == "2024-01":
            assert carried == {"南村镇": ("missing", "2023-12"), "大阳镇": ("rejected", "2023-12")}
            assert [(n["town"], n["code"]) for n in doc["notes"]] == [("南村镇", "I651"), ("大阳镇", "I651")]
    # The exact figures, by hand: 停产整顿 and 关闭取缔 do not fall in January.
    assert [totals[m]["suspended"] for m in MONTHS] == [4, 7, 10]
    assert [totals[m]["closed"] for m in MONTHS] == [4, 4, 6]
    assert [totals[m]["enterprises"] for m in MONTHS] == [117, 163, 209]
    assert all(totals[b][key] <= totals[a][key] for b, a in zip(MONTHS, MONTHS[1:]) for key in NOTICE.keys)

    book = load_workbook(tmp_path / "county2024-01.xlsx")
    note = book["报告表"]["A9"].value
    assert "本表不完整，本期数未含14个单位" in note
    assert "南村镇（未报）" in note and "大阳镇（退回）" in note and "高都镇" not in note.split("。")[0]
    assert "累计数含南村镇12月累计、大阳镇12月累计" in note
    labels = [row[3] for row in book["分镇明细"].iter_rows(min_row=4, values_only=True)]
    assert labels.count("沿用12月累计") == 2


def test_the_same_check_runs_across_a_gap_and_says_a_fall(tmp_path):
    inbox = campaign_inbox(tmp_path)
    # 高都镇 corrects its January 累计 below its November one: said with town and cell, not hidden by the gap.
    period, cumulative = STORIES["高都镇"][2]
    path = write_return(tmp_path / "files2" / "高都镇1月份报表（修改版）.xlsx", unit="高都镇应急管理中心",
                        filled_on=date(2024, 1, 24), period=period, cumulative=dict(cumulative, exposed=1))
    write_mbox(inbox.parent / "later.mbox", [message([(path.name, path.read_bytes())],
                                                     date="Wed, 24 Jan 2024 09:00:00 +0800")])
    path.unlink()
    doc = merge_json(inbox.parent, "2024-01", "2024-02-10", tmp_path / "county.xlsx")
    assert [(c["town"], c["code"], c["location"]) for c in doc["cross_month"]] == [("高都镇", "W601", "Sheet1!K8")]
    assert "2023-11" in doc["cross_month"][0]["message"]


def test_hazards_follow_one_rectification_rule(tmp_path):
    inbox = campaign_inbox(tmp_path)
    result = runner.invoke(app, ["hazards", str(inbox), "--as-of", "2024-01-26", "--no-ledger", "--format", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    fields = [(h["enterprise"], h["first_reported"], h["rectify_by"], h["overdue"], h["rectified_on"], h["late_days"],
               h["plan_beyond_deadline"], h["state_label"]) for h in doc["hazards"]]
    assert fields == [
        # found in November, plan 12-10: overdue since
        ("泽州县南村建材有限公司", "2023-11-22", "2023-12-10", True, None, 47, False, "逾期"),
        # found in December, plan 1月10日 beyond 12-31 without the 五到位 record; the enterprise is stopped
        ("泽州县南村铸造有限公司", "2023-12-22", "2023-12-31", True, None, 26, True, "逾期（已停产整改）（计划晚于整改期限）"),
        # plan 12-20 before the day: rectified 12-18, in time
        (STEEL, "2023-11-22", "2023-12-20", False, "2023-12-18", 0, False, "已整改"),
        # plan 2024-01-15 beyond 12-31
        (FOUNDRY, "2023-11-22", "2023-12-31", True, None, 26, True, "逾期（计划晚于整改期限）"),
        # found in December, plan 12-25, rectified 1月5日: 11 days late
        (MACHINE, "2023-12-22", "2023-12-25", False, "2024-01-05", 11, False, "逾期整改11天"),
        # found in January (after 12-31): its own plan 1月28日 (of 2024)
        (FOUNDRY, "2024-01-22", "2024-01-28", False, None, 0, False, "未整改"),
        # found in January without a plan date: 30 days after its first report
        (STEEL, "2024-01-22", "2024-02-21", False, None, 0, False, "未整改"),
        # plan 11月20日 before its first report: a finding, and the campaign's day holds
        ("泽州县大阳铸造有限公司", "2023-11-22", "2023-12-31", True, None, 26, False, "逾期"),
    ]
    assert [(f["code"], f["location"].rsplit(" ", 1)[-1]) for f in doc["findings"] if f["code"] in ("H850", "H851")] == [
        ("H851", "Sheet1!A13"), ("H851", "Sheet1!A13"), ("H850", "Sheet1!A12")]
    # deadlines reads the same register: the four overdue hazards, by town
    result = runner.invoke(app, ["deadlines", str(inbox), "--as-of", "2024-01-26", "--no-ledger", "--format", "json"])
    towns = {t["town"]: len(t["hazards"]) for t in json.loads(result.stdout)["overdue_hazards"]["towns"]}
    assert towns == {"南村镇": 2, "巴公镇": 1, "大阳镇": 1}


def test_checks_are_carried_up_to_the_countys_workbook(tmp_path):
    inbox = campaign_inbox(tmp_path)
    out = tmp_path / "county.xlsx"
    doc = merge_json(inbox, "2023-12", "2023-12-26", out)
    asked = [(q["town"], q["code"], q["location"]) for q in doc["questions"]]
    assert asked == [
        # the county's own 报告表, checked as a town's: the 化工 row came up with 南村镇's
        ("泽州县", "W505", "报告表!G13"),
        ("南村镇", "W505", "Sheet1!G13"),
        ("大阳镇", "W504", "Sheet1!E12"),
    ]
    assert 'code = "W504"' in doc["questions"][2]["hint"] and "大阳镇" in doc["questions"][2]["hint"]
    sheet = load_workbook(out)["问题清单"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[5] in ("W504", "W505")]
    assert [(r[0], r[5], r[7]) for r in rows] == [("泽州县", "W505", "县报告表"), ("南村镇", "W505", "已汇总"),
                                                 ("大阳镇", "W504", "已汇总")]
    assert all(r[8] for r in rows)


def test_the_five_in_place_extension_moves_the_day_to_the_plan(tmp_path):
    from test_hazards import _edit

    inbox = campaign_inbox(tmp_path)
    out = tmp_path / "台账.xlsx"

    def foundry():
        result = runner.invoke(app, ["hazards", str(inbox), "--as-of", "2024-01-10", "--no-ledger", "--format", "json",
                                     "-o", str(out)])
        doc = json.loads(result.stdout)
        entry = next(h for h in doc["hazards"] if h["enterprise"] == FOUNDRY)
        return entry["id"], (entry["rectify_by"], entry["overdue"], entry["late_days"], entry["plan_beyond_deadline"],
                             entry["extended"], entry["state_label"])

    found, before = foundry()
    assert before == ("2023-12-31", True, 10, True, False, "逾期（计划晚于整改期限）")
    # Four of the five 到位 are not the record: the campaign's day still holds.
    _edit(out, {found: {"措施到位": "是", "责任到位": "是", "资金到位": "是", "时限到位": "是"}})
    assert foundry() == (found, before)
    _edit(out, {found: {"预案到位": "是"}})
    assert foundry() == (found, ("2024-01-15", False, 0, False, True, "未整改"))


def test_a_column_counted_in_enterprises_may_not_grow_past_the_sum(tmp_path):
    inbox = campaign_inbox(tmp_path)
    period, cumulative = STORIES["巴公镇"][2]
    path = write_return(tmp_path / "files2" / "巴公镇1月份报表（修改版）.xlsx", unit="巴公镇应急管理中心",
                        filled_on=date(2024, 1, 24), period=period, hazards=HAZARDS["巴公镇"]["2024-01"],
                        cumulative=dict(cumulative, enterprises=cumulative["enterprises"] + 23))
    write_mbox(inbox.parent / "later.mbox", [message([(path.name, path.read_bytes())],
                                                     date="Wed, 24 Jan 2024 09:00:00 +0800")])
    path.unlink()
    doc = merge_json(inbox.parent, "2024-01", "2024-02-10", tmp_path / "county.xlsx")
    # 67 (December) + 45 (January) = 112 at most; 89 + 23 = 112 is allowed, one more is not.
    assert doc["cross_month"] == []
    path = write_return(tmp_path / "files3" / "巴公镇1月份报表（第三版）.xlsx", unit="巴公镇应急管理中心",
                        filled_on=date(2024, 1, 25), period=period, hazards=HAZARDS["巴公镇"]["2024-01"],
                        cumulative=dict(cumulative, enterprises=cumulative["enterprises"] + 24))
    write_mbox(inbox.parent / "latest.mbox", [message([(path.name, path.read_bytes())],
                                                      date="Thu, 25 Jan 2024 09:00:00 +0800")])
    doc = merge_json(inbox.parent, "2024-01", "2024-02-10", tmp_path / "county.xlsx")
    assert [(c["town"], c["code"], c["location"]) for c in doc["cross_month"]] == [("巴公镇", "W650", "Sheet1!C8")]


def test_the_citys_template_carries_the_incomplete_note(tmp_path):
    from test_form import city_template

    inbox = campaign_inbox(tmp_path)
    template = city_template(tmp_path / "市局模板.xlsx")
    out = tmp_path / "county.xlsx"
    result = runner.invoke(app, ["merge", str(inbox), "--period", "2024-01", "--as-of", "2024-01-26", "-o", str(out),
                                 "--no-ledger", "--form", str(template)])
    assert result.exit_code == 1, result.output
    ws = load_workbook(out)["县区汇总"]
    # The notes row under 累计 is the city's own: the note goes beside the 累计 row.
    assert ws["A7"].value.startswith("备注") and ws["O6"].value.startswith("注：本表不完整")
    assert "累计数含南村镇12月累计、大阳镇12月累计" in ws["O6"].value
    book = load_workbook(template)
    book["县区汇总"].unmerge_cells("A7:N7")
    book["县区汇总"]["A7"] = None
    book.save(template)
    runner.invoke(app, ["merge", str(inbox), "--period", "2024-01", "--as-of", "2024-01-26", "-o", str(out),
                        "--no-ledger", "--form", str(template)])
    ws = load_workbook(out)["县区汇总"]
    assert ws["A7"].value.startswith("注：本表不完整") and ws["O6"].value is None


def test_the_form_declares_how_each_columns_cumulative_grows(tmp_path):
    import tomllib
    from importlib import resources

    from bairi.core.form import FormError, form_of

    data = tomllib.loads(resources.files("bairi.core").joinpath("form.toml").read_text(encoding="utf-8"))
    notice = form_of(data, "form.toml")
    assert [c.key for c in notice.columns if c.cumulative == "distinct"] == ["enterprises", "ordered", "suspended", "closed"]
    # Unset, a column counted in 家 may count distinct enterprises; any other is a plain sum; a form may say otherwise.
    for column in data["columns"]:
        column.pop("cumulative", None)
    data["columns"][0]["cumulative"] = "distinct"
    changed = form_of(data, "other.toml")
    assert [c.key for c in changed.columns if c.cumulative == "distinct"] == ["teams", "enterprises", "ordered",
                                                                              "suspended", "closed"]
    data["columns"][0]["cumulative"] = "max"
    try:
        form_of(data, "wrong.toml")
    except FormError as exc:
        assert "wrong.toml" in str(exc) and "cumulative" in str(exc)
    else:
        raise AssertionError("a wrong cumulative is not said")
