"""bairi merge: sums, resubmissions, rejections, cross-month checks, exact fines, safe writing, round trip."""

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from bairi.check.rules import check_file
from bairi.cli import app
from bairi.core.campaign import Campaign, Period, Unit, default_campaign
from bairi.core.form import NOTICE
from bairi.merge.consolidate import consolidate
from bairi.state.standing import load_state
from build import CUMULATIVE, HAZARDS, PERIOD, write_return

CAMPAIGN = default_campaign()
runner = CliRunner()


def town_return(folder: Path, town: str, name: str | None = None, **kw) -> Path:
    hazards = kw.pop("hazards", [dict(h, town=town) for h in HAZARDS])
    return write_return(folder / (name or f"{town}12月份百日攻坚报表.xlsx"), unit=f"{town}应急管理中心",
                        hazards=hazards, **kw)


AS_OF = date(2024, 2, 10)


def merge(folder: Path, period=None, campaign=CAMPAIGN):
    return consolidate(load_state([folder], campaign, AS_OF, use_ledger=False), period)


def test_totals_are_the_sum_of_accepted_returns(tmp_path):
    town_return(tmp_path, "巴公镇")
    town_return(tmp_path, "南村镇", period=dict(PERIOD, enterprises=30, fines=0.25),
                cumulative=dict(CUMULATIVE, enterprises=60, fines=4))
    merged = merge(tmp_path)
    assert merged.period == "2023-12"
    assert [r.town for r in merged.accepted] == ["南村镇", "巴公镇"]
    assert merged.totals["period_row"]["enterprises"] == 55
    assert merged.totals["period_row"]["general_found"] == 80
    assert merged.totals["period_row"]["fines"] == Decimal("1.75")
    assert merged.totals["cumulative_row"]["fines"] == Decimal("7.25")
    assert merged.totals["cumulative_row"]["enterprises"] == 110
    assert len(merged.missing_towns) == 14 and "巴公镇" not in merged.missing_towns
    assert [(t, h.enterprise) for t, h, _ in merged.hazards][0] == ("南村镇", HAZARDS[0]["enterprise"])


def test_fines_add_up_without_float_noise(tmp_path):
    town_return(tmp_path, "巴公镇", period=dict(PERIOD, fines=0.1), cumulative=dict(CUMULATIVE, fines=0.1))
    town_return(tmp_path, "南村镇", period=dict(PERIOD, fines=0.2), cumulative=dict(CUMULATIVE, fines=0.2))
    out = tmp_path / "out" / "county.xlsx"
    out.parent.mkdir()
    result = runner.invoke(app, ["merge", str(tmp_path), "-o", str(out), "--format", "json", "--as-of", "2023-12-26"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["totals"]["period_row"]["fines"] == 0.3
    assert doc["totals"]["cumulative_row"]["fines"] == 0.3
    ws = load_workbook(out)["报告表"]
    assert ws["I7"].value == 0.3


def test_resubmission_latest_wins_and_changes_are_listed(tmp_path):
    town_return(tmp_path, "巴公镇", filled_on=date(2023, 12, 20))
    town_return(tmp_path, "巴公镇", name="巴公镇12月份百日攻坚报表（修改版）.xlsx", filled_on=date(2023, 12, 22),
                period=dict(PERIOD, enterprises=27), cumulative=dict(CUMULATIVE, enterprises=52))
    merged = merge(tmp_path)
    assert [r.file.name for r in merged.accepted] == ["巴公镇12月份百日攻坚报表（修改版）.xlsx"]
    assert merged.totals["period_row"]["enterprises"] == 27
    assert [s.old.file.name for s in merged.superseded] == ["巴公镇12月份百日攻坚报表.xlsx"]
    assert merged.superseded[0].changes == ["冶金工贸·排查企业：25 → 27", "累计·排查企业：50 → 52"]


def test_rejected_return_is_left_out_and_exit_is_1(tmp_path):
    town_return(tmp_path, "巴公镇")
    town_return(tmp_path, "南村镇", cumulative=dict(CUMULATIVE, teams=1))
    out = tmp_path / "county.xlsx"
    result = runner.invoke(app, ["merge", str(tmp_path), "-o", str(out), "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [a["town"] for a in doc["accepted"]] == ["巴公镇"]
    assert [(r["town"], [f["code"] for f in r["findings"]]) for r in doc["rejected"]] == [("南村镇", ["E501"])]
    assert "南村镇" in doc["missing_towns"]
    assert doc["totals"]["period_row"]["enterprises"] == 25
    ws = load_workbook(out)["报告表"]
    assert "本表不完整" in ws["A9"].value and "南村镇" in ws["A9"].value


def test_cross_month_mismatch_is_a_warning_naming_both_months(tmp_path):
    nov = {k: 1 for k in NOTICE.keys}
    town_return(tmp_path / "11", "巴公镇", name="巴公镇11月.xlsx", filled_on=date(2023, 11, 24), period=nov,
                cumulative=dict(nov, exposed=5), hazards=[dict(HAZARDS[0], town="巴公镇")])
    dec_period = {k: 1 for k in NOTICE.keys}
    dec_cum = {k: 2 for k in NOTICE.keys} | {"teams": 3, "major_found": 2, "major_fixed": 2}
    town_return(tmp_path / "12", "巴公镇", period=dec_period, cumulative=dec_cum)
    merged = merge(tmp_path)
    assert merged.period == "2023-12"
    assert [(f.code, f.location) for _, f in merged.cross_month] == [("W601", "Sheet1!B8"), ("W602", "Sheet1!K8")]
    assert "2023-11" in merged.cross_month[0][1].message and "巴公镇11月.xlsx" in merged.cross_month[0][1].message


def test_output_that_is_an_input_is_refused(tmp_path):
    path = town_return(tmp_path, "巴公镇")
    before = path.read_bytes()
    result = runner.invoke(app, ["merge", str(tmp_path), "-o", str(path)])
    assert result.exit_code == 2
    assert path.read_bytes() == before
    # Another spelling of the same file, and a symbolic link to it, are the same file.
    other = tmp_path / "sub" / ".." / path.name
    (tmp_path / "sub").mkdir()
    (tmp_path / "链接.xlsx").symlink_to(path)
    for output in (other, tmp_path / "链接.xlsx"):
        result = runner.invoke(app, ["merge", str(tmp_path), "-o", str(output)])
        assert result.exit_code == 2 and "输入文件之一" in result.output
    assert path.read_bytes() == before


def test_failed_write_leaves_previous_output_intact(tmp_path, monkeypatch):
    town_return(tmp_path / "in", "巴公镇")
    out = tmp_path / "county.xlsx"
    out.write_bytes(b"previous output")

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    result = runner.invoke(app, ["merge", str(tmp_path / "in"), "-o", str(out)])
    assert result.exit_code == 2
    assert out.read_bytes() == b"previous output"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_inputs_unchanged_and_two_runs_agree(tmp_path):
    town_return(tmp_path / "in", "巴公镇")
    town_return(tmp_path / "in", "南村镇")
    hashes = {p: p.read_bytes() for p in (tmp_path / "in").iterdir()}
    docs = []
    for n in (1, 2):
        result = runner.invoke(app, ["merge", str(tmp_path / "in"), "-o", str(tmp_path / f"o{n}.xlsx"), "-f", "json"])
        docs.append(json.loads(result.stdout)["totals"])
    assert docs[0] == docs[1]
    assert {p: p.read_bytes() for p in (tmp_path / "in").iterdir()} == hashes


def test_round_trip_merged_workbook_is_a_valid_return_and_merges_at_city_level(tmp_path):
    town_return(tmp_path / "in", "巴公镇")
    town_return(tmp_path / "in", "南村镇")
    county_file = tmp_path / "city_inbox" / "泽州县_2023-12.xlsx"
    county_file.parent.mkdir()
    result = runner.invoke(app, ["merge", str(tmp_path / "in"), "-o", str(county_file), "--filler", "王五",
                                 "--as-of", "2023-12-26"])
    assert result.exit_code == 0, result.output
    county = check_file(county_file, CAMPAIGN)
    assert county.ok, [(f.code, f.message) for f in county.findings]
    assert county.town == "泽州县应急管理局" and county.period == "2023-12"
    assert county.values("period")["enterprises"] == 50
    assert len(county.hazards) == 4

    city = Campaign(name="晋城市百日攻坚", authority="晋城市应急管理局", authority_short="晋城市",
                    start=CAMPAIGN.start, end=CAMPAIGN.end, categories=CAMPAIGN.categories,
                    units=[Unit(name="泽州县"), Unit(name="高平市")],
                    periods=[Period(period="2023-12", due=date(2023, 12, 27))])
    merged = merge(county_file.parent, campaign=city)
    assert [r.town for r in merged.accepted] == ["泽州县"]
    assert merged.totals["period_row"] == county.values("period")
    assert merged.missing_towns == ["高平市"]


def test_workbook_has_all_sheets_and_traces_figures(tmp_path):
    town_return(tmp_path / "in", "巴公镇")
    (tmp_path / "in" / "行动方案.docx").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "in" / "~$巴公镇12月份百日攻坚报表.xlsx").write_bytes(b"lock")
    out = tmp_path / "county.xlsx"
    result = runner.invoke(app, ["merge", str(tmp_path / "in"), "-o", str(out), "-f", "json"])
    doc = json.loads(result.stdout)
    assert sorted(Path(s["file"]).name for s in doc["skipped"]) == ["~$巴公镇12月份百日攻坚报表.xlsx", "行动方案.docx"]
    wb = load_workbook(out)
    assert wb.sheetnames == ["报告表", "分镇明细", "数据来源", "单元格来源", "问题清单", "图表"]
    towns = wb["分镇明细"]
    assert [towns.cell(r, 2).value for r in range(4, 36, 2)] == [u.name for u in CAMPAIGN.units]
    # Past its day with only the return in hand: 缺件 (the 阶段性进展 and 三清单 never came).
    assert [towns.cell(20, c).value for c in (2, 3, 4, 6)] == ["巴公镇", "缺件", "冶金工贸", 25]
    assert [towns.cell(36, c).value for c in (2, 4, 6)] == ["合计", "冶金工贸", 25]  # equals 报告表
    assert [towns.cell(37, c).value for c in (4, 6)] == ["累计", 50]
    assert wb["报告表"]["C7"].value == 25
    trail = [[c.value for c in row[:4]] for row in wb["单元格来源"].iter_rows(min_row=1) if row[0].value == "巴公镇"]
    assert [row[1:] for row in trail] == [["冶金工贸", str(tmp_path / "in" / "巴公镇12月份百日攻坚报表.xlsx"), "Sheet1!B7:N7"],
                                              ["累计", str(tmp_path / "in" / "巴公镇12月份百日攻坚报表.xlsx"), "Sheet1!B8:N8"]]
    assert len(wb["图表"]._charts) == 2


def test_mailbox_returns_are_merged_and_dated_by_the_mail(tmp_path):
    from build_mail import message, write_mbox

    ba = town_return(tmp_path / "files", "巴公镇").read_bytes()
    nan = town_return(tmp_path / "files", "南村镇").read_bytes()
    (tmp_path / "files" / "南村镇12月份百日攻坚报表.xlsx").unlink()
    write_mbox(tmp_path / "inbox" / "campaign.mbox", [
        message([("巴公镇12月份百日攻坚报表.xlsx", ba)], date="Mon, 25 Dec 2023 23:30:00 +0800"),
        message([("南村镇12月份百日攻坚报表.xlsx", nan)], date="Mon, 25 Dec 2023 16:30:00 +0000", encoding="rfc2047"),
    ])
    result = runner.invoke(app, ["merge", str(tmp_path / "files"), str(tmp_path / "inbox"), "-o",
                                 str(tmp_path / "county.xlsx"), "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    # 巴公镇's saved copy and its mail are the same bytes: counted once, dated by the mail.
    assert [(a["town"], a["status"], a["received"]) for a in doc["accepted"]] == [
        ("南村镇", "late", "2023-12-26T00:30:00+08:00"), ("巴公镇", "incomplete", "2023-12-25T23:30:00+08:00")]
    assert doc["totals"]["period_row"]["enterprises"] == 50


def test_cell_span_names_a_row_range_or_each_cell():
    from bairi.core.model import Figure
    from bairi.write.county import cell_span

    row = {k: Figure(key=k, location=f"S!{chr(66 + i)}7", raw=0, value=0) for i, k in enumerate(NOTICE.keys)}
    assert cell_span(row, NOTICE) == "S!B7:N7"
    row["fines"] = Figure(key="fines", location="S!Z9", raw=0, value=0)
    assert "行政罚款（万） S!Z9" in cell_span(row, NOTICE) and cell_span(row, NOTICE).startswith("成立督查组（个） S!B7；")


def test_parallel_reading_gives_the_same_returns_in_the_same_order(tmp_path):
    from bairi.check.batch import check_many

    paths = [town_return(tmp_path, town) for town in ("巴公镇", "南村镇", "下村镇", "高都镇", "大阳镇")]
    paths.append(town_return(tmp_path, "金村镇", cumulative=dict(CUMULATIVE, teams=1)))
    items = [(str(p), str(p), p.read_bytes()) for p in paths]
    one = list(check_many(items, CAMPAIGN, parallel_from=10_000))
    many = list(check_many(items, CAMPAIGN, parallel_from=1))
    def summary(rets):
        return [(r.file, r.town, r.values("period"), [(f.code, f.location) for f in r.findings]) for r in rets]
    assert summary(many) == summary(one)
    assert [r.town for r in many] == ["巴公镇", "南村镇", "下村镇", "高都镇", "大阳镇", "金村镇"]
    assert [r.ok for r in many] == [True] * 5 + [False]


def test_merge_reads_first_seen_times_from_the_deadlines_ledger(tmp_path):
    from datetime import datetime, timedelta, timezone

    from bairi.intake.ledger import ledger_path, open_ledger

    path = town_return(tmp_path / "in", "巴公镇")
    first = datetime(2023, 12, 26, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    os.utime(path, (first.timestamp(), first.timestamp()))
    book = open_ledger(ledger_path([tmp_path / "in"]))
    book.record(check_file(path, CAMPAIGN).sha256, path, path.stat().st_size, first + timedelta(days=1))
    book.close()
    os.utime(path, None)  # copied or touched later: the ledger still remembers the first time
    result = runner.invoke(app, ["merge", str(tmp_path / "in"), "-o", str(tmp_path / "c.xlsx"), "-f", "json"])
    (accepted,) = json.loads(result.stdout)["accepted"]
    assert (accepted["status"], accepted["received"]) == ("late", "2023-12-26T09:00:00+08:00")


def test_template_for_a_thousand_units_keeps_drop_downs_valid(tmp_path):
    from bairi.write.layout import OPTIONS_SHEET, write_template

    many = CAMPAIGN.with_changes(units=[Unit(name=f"第{i}号镇") for i in range(1, 1201)])
    path = tmp_path / "t.xlsx"
    write_template(path, many, "第7号镇")
    wb = load_workbook(path)
    assert wb[OPTIONS_SHEET].sheet_state == "hidden" and wb[OPTIONS_SHEET]["B1200"].value == "第1200号镇"
    formulas = sorted(dv.formula1 for dv in wb["工作报告表"].data_validations.dataValidation if dv.type == "list")
    assert formulas == ['"冶金,有色,建材,机械,轻工,纺织,烟草,商贸"', f"'{OPTIONS_SHEET}'!$B$1:$B$1200"]
    assert check_file(path, many).findings[-1].code == "E205"


def test_long_hazard_rows_are_tall_enough_to_show_their_text(tmp_path):
    long = dict(HAZARDS[0], detail="高炉煤气区域未设置固定式一氧化碳报警装置，" * 6 + "12月20日前完成安装")
    write_return(tmp_path / "in" / "巴公镇12月份百日攻坚报表.xlsx", hazards=[long, HAZARDS[1]])
    out = tmp_path / "泽州县.xlsx"
    result = runner.invoke(app, ["merge", str(tmp_path / "in"), "-o", str(out), "--as-of", "2023-12-26"])
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["报告表"]
    assert ws["K12"].value == long["detail"]
    # K:N is 9+9+13+13 = 44 width units, 43 usable; 133 CJK characters (2 units each) and 4 digits are 270
    # units: 7 lines. The second hazard's 26 characters are 52 units: 2 lines.
    assert ws.row_dimensions[12].height == 14.25 * 7 + 4
    assert ws.row_dimensions[13].height == 14.25 * 2 + 4


def test_a_hazard_too_long_for_one_row_gets_excels_tallest_row(tmp_path):
    huge = dict(HAZARDS[0], detail="整改计划" * 2000)
    write_return(tmp_path / "in" / "巴公镇12月份百日攻坚报表.xlsx", hazards=[huge])
    out = tmp_path / "泽州县.xlsx"
    assert runner.invoke(app, ["merge", str(tmp_path / "in"), "-o", str(out), "--as-of", "2023-12-26"]).exit_code == 0
    assert load_workbook(out)["报告表"].row_dimensions[12].height == 409
