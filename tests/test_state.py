"""One campaign state: merge, deadlines and summary tell the same story, and the right one.

The inbox below is built as a county clerk's really looks: mails with returns, their 阶段性进展 and
三清单, resubmissions, a correction after the due day, a copy that arrives after the as-of day, two towns
sending the same bytes, a hidden folder, a photographed return, a paper return in the clerk's logbook,
an extension. The expected state of every town is written down first; then every command must say it.
"""

import json
from datetime import date
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.campaign import default_campaign
from bairi.merge.consolidate import consolidate
from bairi.state.standing import load_state
from build import CUMULATIVE, PERIOD, write_return
from build_mail import message, write_eml

runner = CliRunner()
CAMPAIGN = default_campaign()
DEC = "2023-12"


def mail_day(day: int, hour: int = 10, month: str = "Dec", year: int = 2023) -> str:
    return f"{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][date(year, 12 if month == 'Dec' else 1, day).weekday()]}, " \
           f"{day:02d} {month} {year} {hour:02d}:00:00 +0800"


def extras(town: str, lists: bool = True) -> list[tuple[str, bytes]]:
    docs = [(f"{town}12月阶段性进展.docx", f"{town} progress".encode())]
    if lists:
        docs.append((f"{town}12月三清单.docx", f"{town} lists".encode()))
    return docs


def town_return(tmp, town: str, **kw) -> bytes:
    kw.setdefault("cumulative", dict(CUMULATIVE, major_found=0, major_fixed=0))
    kw.setdefault("period", dict(PERIOD, major_found=0, major_fixed=0))
    return write_return(tmp / "src" / f"{town}{kw.pop('tag', '')}12月报表.xlsx", unit=f"{town}应急管理中心",
                        hazards=[], **kw).read_bytes()


@pytest.fixture()
def inbox(tmp_path):
    box = tmp_path / "收件箱"
    # 巴公镇: on time with everything.
    write_eml(box / "1.eml", message([("巴公镇12月报表.xlsx", town_return(tmp_path, "巴公镇", filled_on=date(2023, 12, 20))),
                                      *extras("巴公镇")], date=mail_day(20), subject="巴公镇12月报表"))
    # 南村镇: first copy sent back (negative figure) on time, corrected after the due day: late by the correction.
    write_eml(box / "2.eml", message([("南村镇12月报表.xlsx", town_return(
        tmp_path, "南村镇", tag="错", filled_on=date(2023, 12, 22), period=dict(PERIOD, ordered=-1, major_found=0, major_fixed=0))),
        *extras("南村镇")], date=mail_day(22), subject="南村镇12月报表"))
    write_eml(box / "3.eml", message([("南村镇12月报表（修改）.xlsx", town_return(
        tmp_path, "南村镇", tag="改", filled_on=date(2023, 12, 27), cumulative=dict(CUMULATIVE, enterprises=61, major_found=0,
                                                                                 major_fixed=0)))],
        date=mail_day(27), subject="南村镇12月报表（修改后）"))
    # 下村镇: only a copy that was sent back: 退回.
    write_eml(box / "4.eml", message([("下村镇12月报表.xlsx", town_return(
        tmp_path, "下村镇", filled_on=date(2023, 12, 21), period=dict(PERIOD, teams=1.5, major_found=0, major_fixed=0))),
        *extras("下村镇")], date=mail_day(21), subject="下村镇12月报表"))
    # 高都镇: on time, but never sent its 三清单: 缺件 once the day has passed.
    write_eml(box / "5.eml", message([("高都镇12月报表.xlsx", town_return(tmp_path, "高都镇", filled_on=date(2023, 12, 19))),
                                      *extras("高都镇", lists=False)], date=mail_day(19), subject="高都镇12月报表"))
    # 大阳镇: a photo of the printed form: 待核实, not 未报.
    write_eml(box / "6.eml", message([("大阳镇12月报表.jpg", b"\xff\xd8\xff\xe0 photo")], date=mail_day(23),
                                     subject="大阳镇12月报表"))
    # 金村镇: its return arrives on 12-29, after the as-of day below: it does not exist yet.
    write_eml(box / "7.eml", message([("金村镇12月报表.xlsx", town_return(tmp_path, "金村镇", filled_on=date(2023, 12, 24))),
                                      *extras("金村镇")], date=mail_day(29), subject="金村镇12月报表"))
    # 周村镇 and 犁川镇 sent byte-identical plans (a blank forwarded by one to the other): two receipts, warned.
    blank = b"PK\x03\x04 the same blank plan"
    write_eml(box / "8.eml", message([("周村镇行动方案.docx", blank)], date=mail_day(8, month="Nov"), subject="周村镇行动方案"))
    write_eml(box / "9.eml", message([("犁川镇行动方案.docx", blank)], date=mail_day(8, month="Nov"), subject="犁川镇行动方案"))
    # 大东沟镇's return sits in a hidden folder: not read, and said so.
    hidden = box / ".old" / "大东沟镇12月报表.xlsx"
    hidden.parent.mkdir(parents=True)
    hidden.write_bytes(town_return(tmp_path, "大东沟镇", filled_on=date(2023, 12, 20)))
    # 山河镇 handed in paper (the logbook says so); 柳树口镇 was granted an extension to 12-28.
    (box / "登记簿.toml").write_text(
        '[[received]]\ntown = "山河镇"\ndeadline = "2023-12"\non = 2023-12-24\nhow = "纸质"\n'
        'materials = ["return", "progress", "lists"]\nnote = "纸质报表已交，数字待录入"\nby = "申晋钢"\nentered = 2023-12-24\n'
        '[[extension]]\ntown = "柳树口镇"\ndeadline = "2023-12"\nuntil = 2023-12-28\nnote = "镇里停电，经局领导同意"\n'
        'by = "申晋钢"\nentered = 2023-12-22\n'
        '[[accepted]]\ntown = "巴公镇"\ndeadline = "2023-12"\ncode = "W507"\nnote = "两家企业停产"\nby = "申晋钢"\n'
        'entered = 2023-12-26\n', encoding="utf-8")
    return box


AS_OF = "2023-12-27"
EXPECTED = {  # town → state for December, as of 12-27
    "巴公镇": "on_time", "南村镇": "late", "下村镇": "rejected", "高都镇": "incomplete", "大阳镇": "to_verify",
    "金村镇": "missing", "大东沟镇": "missing", "山河镇": "on_time", "柳树口镇": "not_due",
}
LABELS = {"on_time": "已报", "late": "迟报", "rejected": "退回", "missing": "未报", "to_verify": "待核实",
          "not_due": "未到期", "incomplete": "缺件"}


def run(*args):
    result = runner.invoke(app, [*args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def test_every_command_tells_the_same_right_story(inbox, tmp_path):
    code, dl = run("deadlines", str(inbox), "--as-of", AS_OF, "--no-ledger")
    items = {i["town"]: i for i in dl["items"] if i["deadline"] == DEC}
    assert {t: items[t]["status"] for t in EXPECTED} == EXPECTED
    assert {t: items[t]["status_label"] for t in EXPECTED} == {t: LABELS[s] for t, s in EXPECTED.items()}
    assert code == 1
    code, mg = run("merge", str(inbox), "--period", DEC, "--as-of", AS_OF, "--no-ledger", "-o", str(tmp_path / "c.xlsx"))
    towns = {t["town"]: t for t in mg["towns"]}
    assert {t: towns[t]["status"] for t in EXPECTED} == EXPECTED
    assert code == 1  # 下村镇 sent back, 大阳镇 to verify
    _, sm = run("summary", str(inbox), "--period", DEC, "--as-of", AS_OF, "--no-ledger")
    variables = sm["variables"]
    counted = {"巴公镇", "南村镇", "高都镇"}  # 山河镇's paper return has no figures to add
    assert {a["town"] for a in mg["accepted"]} == set(variables["reported"]) == counted
    assert {r["town"] for r in mg["rejected"]} == {r["town"] for r in variables["rejected"]} == {"下村镇"}
    assert set(mg["missing_towns"]) == set(variables["not_reported"])
    assert [t["town"] for t in variables["to_verify"]] == ["大阳镇"]
    # 山河镇's paper return counts as received, its figures cannot be added: the bulletin says so (the logbook's
    # own note, the clerk's, is in the variables, not in what the towns read).
    assert [x["town"] for x in variables["logbook_only"]] == ["山河镇"]
    assert variables["logbook_only"][0]["cite"] == "县局登记（2023-12-24，申晋钢：纸质报表已交，数字待录入）"
    [line] = [x for x in sm["text"].splitlines() if x.startswith("2023年12月报表，16个镇中已有3个审核通过")]
    assert "；山河镇以纸质方式报送。" in line and "申晋钢" not in line
    assert line.endswith(f"以上{len(variables['not_reported'])}个镇的数字未计入汇总。")
    assert {k: str(v) for k, v in mg["totals"]["cumulative_row"].items()} == variables["total"]
    # The copy that counts is the latest acceptable one: 南村镇's correction (61 enterprises), not its first.
    nancun = next(a for a in mg["accepted"] if a["town"] == "南村镇")
    assert nancun["file"].endswith("南村镇12月报表（修改）.xlsx") and nancun["received"].startswith("2023-12-27")
    assert mg["totals"]["cumulative_row"]["enterprises"] == 50 + 61 + 50
    # Nothing used arrived after the day.
    assert all(a["received"][:10] <= AS_OF for a in mg["accepted"])


def test_reasons_and_citations_are_given(inbox):
    _, dl = run("deadlines", str(inbox), "--as-of", AS_OF, "--no-ledger")
    items = {(i["town"], i["deadline"]): i for i in dl["items"]}
    assert items[("高都镇", DEC)]["missing_materials"] == ["三清单"]
    assert "不是可读取的电子表格" in items[("大阳镇", DEC)]["reason"]
    assert [(e["kind"], e["how"]) for e in items[("山河镇", DEC)]["logbook"]] == [("received", "纸质")]
    bagong = items[("巴公镇", DEC)]
    assert [(e["kind"], e["code"]) for e in bagong["logbook"]] == [("accepted", "W507")]
    assert [f["message"] for f in bagong["findings"] if f["code"] == "D727"] == [
        "巴公镇2023年12月报表的警告 W507 已接受该镇的说明：县局登记（2023-12-26，申晋钢：两家企业停产）"]
    liushu = items[("柳树口镇", DEC)]
    assert (liushu["due"], [e["kind"] for e in liushu["logbook"]]) == ("2023-12-28", ["extension"])
    # The same blank plan from two towns: counted for each, each warned.
    for town in ("周村镇", "犁川镇"):
        assert items[(town, "plan")]["status"] == "on_time"
        assert [f["code"] for f in items[(town, "plan")]["findings"]] == ["D715"]
    assert [(f["code"], f["location"].rsplit("/", 1)[-1]) for f in dl["findings"] if f["code"] == "D720"] == [
        ("D720", ".old")]
    assert dl["ignored_after_as_of"] >= 1  # 金村镇's mail of 12-29


def test_timeliness_by_a_first_copy_sent_back_is_a_setting(inbox):
    keeps = CAMPAIGN.with_changes(sent_back_keeps_time=True)
    state = load_state([inbox], keeps, date(2023, 12, 27), use_ledger=False)
    assert state.standing("南村镇", DEC).status == "on_time"  # its first, sent-back copy came on 12-22
    assert state.standing("南村镇", DEC).counted.name == "南村镇12月报表（修改）.xlsx"  # the figures still the correction's


def test_later_as_of_days_see_later_arrivals(inbox):
    later = load_state([inbox], CAMPAIGN, date(2023, 12, 29), use_ledger=False)
    assert later.standing("金村镇", DEC).status == "late"
    assert later.standing("柳树口镇", DEC).status == "missing"  # the extension to 12-28 has passed


def test_totals_stay_integers_when_towns_are_missing_or_figures_blank(tmp_path):
    box = tmp_path / "in"
    write_return(box / "巴公镇12月报表.xlsx", period=dict(PERIOD, closed=None), cumulative=dict(CUMULATIVE, closed=None))
    merged = consolidate(load_state([box], CAMPAIGN, date(2024, 2, 10), use_ledger=False), DEC)
    for row in merged.totals.values():
        for key, value in row.items():
            assert type(value) is (Decimal if key == "fines" else int), (key, value)
    assert merged.totals["period_row"]["closed"] == 0 and merged.totals["cumulative_row"]["fines"] == Decimal("3.25")


def test_the_tidy_table_traces_every_figure_to_its_cell(tmp_path):
    box = tmp_path / "in"
    write_return(box / "巴公镇12月报表.xlsx")
    csv = tmp_path / "明细.csv"
    result = runner.invoke(app, ["merge", str(box), "-o", str(tmp_path / "c.xlsx"), "--csv", str(csv), "--no-ledger"])
    assert result.exit_code == 0, result.output
    raw = csv.read_bytes()
    assert raw.startswith("\ufeff镇,报告期,行,项目,代码,数值,文件,单元格\r\n".encode("utf-8"))
    lines = raw.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 2 * 13
    assert lines[1] == f"巴公镇,2023-12,本期,成立督查组（个）,teams,2,{box / '巴公镇12月报表.xlsx'},Sheet1!B7"
    assert f"巴公镇,2023-12,累计,行政罚款（万）,fines,3.25,{box / '巴公镇12月报表.xlsx'},Sheet1!I8" in lines
    assert f"巴公镇,2023-12,累计,一般隐患/排查（项）,general_found,85,{box / '巴公镇12月报表.xlsx'},Sheet1!D8" in lines


def test_schema_describes_each_document():
    result = runner.invoke(app, ["schema", "merge"])
    schema = json.loads(result.stdout)
    assert result.exit_code == 0 and {"output", "accepted", "rejected", "missing_towns", "totals"} <= set(
        schema["properties"])
    every = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert set(every) == {"check", "merge", "deadlines", "summary", "hazards", "fetch", "seal", "status", "init"}
    assert "status_label" in every["deadlines"]["$defs"]["ItemDoc"]["properties"]
    assert runner.invoke(app, ["schema", "xml"]).exit_code == 2


def test_a_cloud_drive_link_instead_of_an_attachment_is_to_verify(tmp_path):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "town@163.com", "zzyjyzg@163.com", "巴公镇12月份工作报告表"
    msg["Date"] = "Wed, 20 Dec 2023 10:00:00 +0800"
    msg.set_content("附件太大，放在网盘：https://pan.baidu.com/s/1AbCdEf 提取码 8x9y")
    box = tmp_path / "in"
    box.mkdir()
    (box / "1.eml").write_bytes(msg.as_bytes())
    state = load_state([box], CAMPAIGN, date(2023, 12, 27), use_ledger=False)
    standing = state.standing("巴公镇", DEC)
    assert (standing.status, standing.reason) == ("to_verify", "收到但无法读取：邮件里是百度网盘的链接，不是附件")
    assert standing.receipt.received.isoformat() == "2023-12-20T10:00:00+08:00"


def test_inputs_that_hold_nothing_sent_are_refused_with_the_reason(tmp_path):
    # What every command reading a state says before it builds anything: the inputs are read in one place.
    from datetime import UTC, datetime

    from bairi.state.inputs import StateRefused, read_state

    now = datetime(2023, 12, 27, 2, tzinfo=UTC)
    empty = tmp_path / "收件箱"
    empty.mkdir()
    with pytest.raises(StateRefused) as refused:
        read_state([empty], CAMPAIGN, now, date(2023, 12, 26), None, False, None)
    assert str(refused.value) == (f"在 {empty} 中没有找到任何单位报送的材料（报表、方案、总结或邮件）；请检查文件夹是否选对。")
    with pytest.raises(StateRefused) as refused:
        read_state([tmp_path / "别处"], CAMPAIGN, now, None, None, False, None)
    assert str(refused.value) == f"找不到文件或文件夹：{tmp_path / '别处'}"
    with pytest.raises(StateRefused) as refused:
        read_state([empty], CAMPAIGN, now, None, None, False, tmp_path / "登记簿.toml")
    assert str(refused.value) == f"登记簿不存在：{tmp_path / '登记簿.toml'}"


def test_a_copy_after_the_day_is_counted_in_the_refusal(tmp_path):
    from datetime import UTC, datetime

    from bairi.state.inputs import StateRefused, read_state

    inbox = tmp_path / "收件箱"
    attached = [("巴公镇12月份百日攻坚报表.xlsx", town_return(tmp_path, "巴公镇"))]
    write_eml(inbox / "巴公镇.eml", message(attached, date=mail_day(28), sender="bagong@163.com"))
    with pytest.raises(StateRefused) as refused:
        read_state([inbox], CAMPAIGN, datetime(2023, 12, 29, tzinfo=UTC), date(2023, 12, 26), None, False, None)
    assert str(refused.value).endswith("另有 1 份在 2023-12-26 之后才收到。")
