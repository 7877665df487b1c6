"""`bairi deadlines` end to end: mail and files in, statuses, evidence, conflicts, reminders and exit codes out."""

import json
import os
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from typer.testing import CliRunner

from bairi.cli import app
from build import CUMULATIVE, PERIOD, write_return
from build_mail import message, write_eml, write_mbox

runner = CliRunner()
BEIJING = timezone(timedelta(hours=8))
SAMPLE = Path(__file__).parent.parent / "sample_data"


def deadlines(*args):
    result = runner.invoke(app, ["deadlines", *map(str, args), "--format", "json"])
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip().startswith("{") else result.output)


def item(doc, town, key):
    return next(i for i in doc["items"] if i["town"] == town and i["deadline"] == key)


def set_mtime(path, moment):
    os.utime(path, (moment.timestamp(), moment.timestamp()))


def test_mail_and_files_give_statuses_with_their_evidence(tmp_path):
    inbox = tmp_path / "收件"
    bagong = write_return(tmp_path / "src" / "巴公镇12月份报表.xlsx", filled_on=date(2023, 12, 24))
    nancun = write_return(tmp_path / "src" / "南村镇12月.xlsx", unit="南村镇应急管理中心", filled_on=date(2023, 12, 22),
                          hazards=[])
    write_mbox(inbox / "campaign.mbox", [
        message([("巴公镇12月份报表.xlsx", bagong.read_bytes())], date="Mon, 25 Dec 2023 16:30:00 +0000",
                subject="巴公镇12月报表"),
        message([("大箕镇“百日攻坚”行动方案.doc", b"plan")], date="Thu, 09 Nov 2023 23:50:00 +0800",
                subject="大箕镇行动方案", encoding="rfc2047"),
    ])
    write_eml(inbox / "南村镇.eml", message([("南村镇12月.xlsx", nancun.read_bytes())],
                                           date="Mon, 25 Dec 2023 23:30:00 +0800", encoding="rfc2047"))
    # The clerk also saved the 巴公镇 attachment into a folder: the same file, counted once, by the mail.
    saved = inbox / "12月" / "巴公镇12月份报表.xlsx"
    saved.parent.mkdir()
    saved.write_bytes(bagong.read_bytes())
    # A summary only on disk: its modification time is the evidence.
    summary = inbox / "高都镇工作总结.docx"
    summary.write_bytes(b"summary")
    set_mtime(summary, datetime(2024, 2, 7, 8, 0, tzinfo=BEIJING))

    code, doc = deadlines(inbox, "--as-of", "2024-02-10", "--no-ledger")
    assert code == 1
    assert doc["as_of"] == "2024-02-10"
    assert len(doc["items"]) == 16 * 6  # plan, three months, summary, typical case
    pairs = (("巴公镇", "2023-12"), ("南村镇", "2023-12"), ("大箕镇", "plan"), ("高都镇", "summary"), ("下村镇", "plan"))
    got = {(t, k): tuple(item(doc, t, k)[f] for f in ("status", "days_late", "received", "evidence")) for t, k in pairs}
    assert got == {
        ("巴公镇", "2023-12"): ("late", 1, "2023-12-26T00:30:00+08:00", "mail"),
        # On time, but the 阶段性进展 and 三清单 never came: 缺件, counted from the due day.
        ("南村镇", "2023-12"): ("incomplete", 47, "2023-12-25T23:30:00+08:00", "mail"),
        ("大箕镇", "plan"): ("on_time", 0, "2023-11-09T23:50:00+08:00", "mail"),
        ("高都镇", "summary"): ("late", 1, "2024-02-07T08:00:00+08:00", "mtime"),
        ("下村镇", "plan"): ("missing", 93, None, None),
    }
    bagong_item = item(doc, "巴公镇", "2023-12")
    assert bagong_item["source"].endswith("campaign.mbox#1/巴公镇12月份报表.xlsx")
    assert len(bagong_item["copies"]) == 1 and bagong_item["accepted"] is True
    december = next(d for d in doc["deadlines"] if d["deadline"] == "2023-12")
    assert (december["on_time"], december["late"], december["incomplete"], december["missing"], december["late_towns"],
            december["rate"]) == (0, 1, 1, 14, ["巴公镇"], 12.5)
    assert doc["inputs"] == {"mails": 2, "files": 2, "attachments": 3, "ledger": None, "logbook": None, "receipts": 4,
                             "after_as_of": 0}


def test_nothing_overdue_exits_0_and_not_due_before_the_day(tmp_path):
    write_eml(tmp_path / "a.eml", message([("巴公镇行动方案.docx", b"plan")], date="Wed, 08 Nov 2023 10:00:00 +0800"))
    code, doc = deadlines(tmp_path, "--as-of", "2023-11-09", "--no-ledger")
    assert code == 0
    assert [(i["town"], i["status"]) for i in doc["items"] if i["status"] != "not_due"] == [("巴公镇", "on_time")]
    assert all(i["days_late"] == 0 for i in doc["items"])


def test_an_empty_inbox_is_said_plainly_and_claims_nothing(tmp_path):
    for command in ("deadlines", "summary"):
        result = runner.invoke(app, [command, str(tmp_path), "--as-of", "2024-02-10", "--no-ledger"])
        assert result.exit_code == 2 and "没有找到任何单位报送的材料" in result.output, result.output
        assert "整改" not in result.output and "按时" not in result.output


def test_conflicts_and_rejected_returns_are_flagged_but_counted(tmp_path):
    inbox = tmp_path / "in"
    # The file name says 南村镇, the return's own 填报单位 says 巴公镇; and it was filled after it arrived.
    claimed = write_return(tmp_path / "src" / "南村镇1月报表.xlsx", filled_on=date(2024, 1, 26))
    rejected = write_return(tmp_path / "src" / "下村镇1月报表.xlsx", unit="下村镇", filled_on=date(2024, 1, 20),
                            edit=lambda ws: ws.__setitem__("C7", -3))
    write_mbox(inbox / "m.mbox", [
        message([(claimed.name, claimed.read_bytes())], date="Wed, 24 Jan 2024 10:00:00 +0800"),
        message([(rejected.name, rejected.read_bytes())], date="Sat, 20 Jan 2024 10:00:00 +0800"),
        message([("陵川县崇文镇1月报表.xlsx", write_return(tmp_path / "src" / "x.xlsx", unit="崇文镇").read_bytes()),
                 ("照片.jpg", b"\xff\xd8")], date="Sat, 20 Jan 2024 10:00:00 +0800"),
    ])
    code, doc = deadlines(inbox, "--as-of", "2024-02-10")
    assert code == 1
    bagong = item(doc, "巴公镇", "2024-01")
    assert bagong["status"] == "incomplete" and item(doc, "南村镇", "2024-01")["status"] == "missing"
    assert [f["code"] for f in bagong["findings"]] == ["D702", "D701", "D718"]
    assert bagong["findings"][0]["message"] == "同一文件指向不同的镇：填报单位“巴公镇”；文件名“南村镇”；按填报单位计为“巴公镇”"
    assert bagong["findings"][1]["message"] == "填表日期2024-01-26晚于收到时间2024-01-24 10:00（依据：邮件 Date 头）"
    xiacun = item(doc, "下村镇", "2024-01")
    # Only a copy that was sent back: 退回, not received.
    assert (xiacun["status"], xiacun["accepted"], [f["code"] for f in xiacun["findings"]]) == ("rejected", False, ["D703"])
    assert [(f["code"], f["location"].rsplit("/", 1)[-1]) for f in doc["findings"]] == [
        ("D704", "陵川县崇文镇1月报表.xlsx"), ("D704", "照片.jpg")]


def test_sender_address_map_names_the_town(tmp_path):
    config = tmp_path / "bairi.toml"
    config.write_text(
        'name = "测试行动"\nauthority = "测试县应急管理局"\nauthority_short = "测试县"\n'
        "start = 2023-11-01\nend = 2024-02-10\nplan_due = 2023-11-09\ncategories = [\"冶金\"]\n"
        '[[units]]\nname = "甲镇"\nemails = ["JiaZhen@163.com"]\n'
        '[[units]]\nname = "乙镇"\n'
        '[[periods]]\nperiod = "2023-11"\ndue = 2023-11-25\n', encoding="utf-8")
    write_eml(tmp_path / "in" / "a.eml", message([("行动方案.docx", b"plan")], date="Wed, 08 Nov 2023 10:00:00 +0800",
                                                 subject="报送行动方案", sender="办公室 <jiazhen@163.com>"))
    code, doc = deadlines(tmp_path / "in", "--as-of", "2023-11-10", "--config", config)
    assert code == 1
    assert [(i["town"], i["deadline"], i["status"]) for i in doc["items"]] == [
        ("甲镇", "plan", "on_time"), ("甲镇", "2023-11", "not_due"), ("乙镇", "plan", "missing"), ("乙镇", "2023-11", "not_due")]


def test_reminders_one_per_overdue_town_with_safe_names(tmp_path):
    config = tmp_path / "bairi.toml"
    config.write_text(
        'name = "测试行动"\nauthority = "测试县应急管理局"\nauthority_short = "测试县"\n'
        "start = 2023-11-01\nend = 2024-02-10\nplan_due = 2023-11-09\ncategories = [\"冶金\"]\n"
        'unit_suffixes = ["应急管理中心"]\n'
        '[contact]\npeople = ["申晋钢"]\nphones = ["0356-2066363"]\nemails = ["zzyjyzg@163.com"]\n'
        '[[units]]\nname = "../../逃逸镇"\n'
        '[[units]]\nname = "甲镇"\n'
        '[[periods]]\nperiod = "2023-11"\ndue = 2023-11-25\n', encoding="utf-8")
    write_eml(tmp_path / "in" / "a.eml", message([("甲镇行动方案.docx", b"plan")], date="Mon, 13 Nov 2023 10:00:00 +0800"))
    out = tmp_path / "催报"
    result = runner.invoke(app, ["deadlines", str(tmp_path / "in"), "--as-of", "2023-11-20", "--config", str(config),
                                 "--remind", str(out)])
    assert result.exit_code == 1
    # Each notice twice: the Word one to print and seal, the text to paste into a message.
    # 甲镇 sent its plan late: it owes nothing, so it gets no 催报 (the late day shows in the bulletin).
    assert sorted(p.name for p in out.iterdir()) == ["催报_逃逸镇.docx", "催报_逃逸镇.txt", "催报_逃逸镇_短信.txt"]
    assert not (tmp_path / "逃逸镇").exists()
    escaped = (out / "催报_逃逸镇.txt").read_text(encoding="utf-8-sig")
    assert "逃逸镇应急管理中心：" in escaped
    assert "1. 行动方案（应于2023年11月9日前报送）：至今未收到，已逾期11天。" in escaped
    assert "请于收到本函后立即报送行动方案" in escaped
    assert "联系人：申晋钢" in escaped and "联系电话：0356-2066363" in escaped and "电子邮箱：zzyjyzg@163.com" in escaped
    # Once its return is overdue too, 甲镇 is asked for it, and its late plan is a note, not a demand.
    out = tmp_path / "催报2"
    result = runner.invoke(app, ["deadlines", str(tmp_path / "in"), "--as-of", "2023-11-30", "--config", str(config),
                                 "--remind", str(out), "--remind-format", "txt"])
    text = (out / "催报_甲镇.txt").read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    assert "1. 2023年11月报表（应于2023年11月25日前报送）：至今未收到，已逾期5天。\n" in text
    assert "2." not in text
    assert "请于收到本函后立即报送2023年11月报表；" in text
    assert text.startswith("\ufeff关于督促甲镇报送2023年11月报表的函\n") or text.startswith("关于督促甲镇报送2023年11月报表的函\n")
    assert "此外，你单位行动方案于2023年11月13日10:00收到，逾期4天，请今后按规定时限报送。\n" in text


def test_a_misspelt_variable_in_a_reminder_template_is_an_error(tmp_path):
    template = tmp_path / "my.txt.j2"
    template.write_text("{{ towm }}", encoding="utf-8")
    write_eml(tmp_path / "in" / "a.eml", message([("巴公镇行动方案.docx", b"plan")], date="Wed, 08 Nov 2023 10:00:00 +0800"))
    result = runner.invoke(app, ["deadlines", str(tmp_path / "in"), "--as-of", "2024-02-10", "--remind",
                                 str(tmp_path / "o"), "--template", str(template)])
    assert result.exit_code == 2
    assert "towm" in result.output


def test_operator_mistakes_exit_2_without_traceback(tmp_path):
    for args in (["--as-of", "2024-13-01"], ["--as-of", "明天"]):
        result = runner.invoke(app, ["deadlines", str(tmp_path), *args])
        assert result.exit_code == 2 and "Traceback" not in result.output
    result = runner.invoke(app, ["deadlines", str(tmp_path / "没有这个文件夹")])
    assert result.exit_code == 2 and "找不到文件或文件夹" in result.output
    (tmp_path / "f.txt").write_text("x")
    result = runner.invoke(app, ["deadlines", str(tmp_path), "--remind", str(tmp_path / "f.txt")])
    assert result.exit_code == 2 and "应为文件夹" in result.output


def test_table_output_names_the_evidence(tmp_path):
    write_eml(tmp_path / "a.eml", message([("巴公镇行动方案.docx", b"plan")], date="Fri, 10 Nov 2023 09:00:00 +0800"))
    result = runner.invoke(app, ["deadlines", str(tmp_path), "--as-of", "2023-11-20", "--no-ledger"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "巴公镇 行动方案（截止 2023-11-09）：2023-11-10 09:00 收到，逾期 1 天；依据：邮件 Date 头" in result.output
    assert "报送率" in result.output


STATES = ("late", "rejected", "missing", "to_verify", "incomplete")


def _readme_expectation():
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    expected = {}
    for key, *cells in re.findall(r"^\| `([\w-]+)` \| [^|]+ \|" + r" ([^|]+) \|" * 5 + "$", text, re.M):
        expected[key] = {state: [] if cell.strip() == "—" else [
            re.sub(r"（.*?）$", "", town) for town in cell.strip().split("、") if not town.startswith(("三清单", "阶段"))]
            for state, cell in zip(STATES, cells)}
        expected[key]["late"] = [] if cells[0].strip() == "—" else [
            (m[1], int(m[2])) for m in re.finditer(r"(\S+?)（(\d+)天）", cells[0].strip().replace("、", " "))]
        expected[key]["incomplete"] = re.findall(r"([^、（]+)（缺", cells[4])
    hazards = re.search(r"重大隐患逾期未整改[^：]*：(.+?)；", text)[1].split("、")
    cases = re.search(r"仍未上报重大隐患执法典型案例的镇：(.+?)。", text)[1].split("、")
    return expected, hazards, cases


def test_sample_data_gives_exactly_what_its_readme_says():
    expected, hazards, cases = _readme_expectation()
    assert set(expected) == {"plan", "2023-11", "2023-12", "2024-01", "summary", "case"}
    code, doc = deadlines(SAMPLE, "--as-of", "2024-02-10", "--no-ledger")
    assert code == 1
    for key, states in expected.items():
        items = [i for i in doc["items"] if i["deadline"] == key]
        got = {state: sorted(i["town"] for i in items if i["status"] == state) for state in STATES}
        got["late"] = sorted((i["town"], i["days_late"]) for i in items if i["status"] == "late")
        assert got == {s: sorted(v) for s, v in states.items()}, key
        assert all(i["status"] in (*STATES, "on_time", "not_due") for i in items)
    assert sorted(t["town"] for t in doc["overdue_hazards"]["towns"]) == sorted(hazards)
    after = deadlines(SAMPLE, "--as-of", "2024-02-11", "--no-ledger")[1]
    assert sorted(after["no_case"]["towns"]) == sorted(cases) and after["no_case"]["passed"]
    # Every receipt's time comes from the mailbox, so the answer is the same on every machine; a saved
    # return that is not in the mailbox byte for byte would show up here with today's modification time.
    assert {i["evidence"] for i in doc["items"] if i["evidence"]} == {"mail"}
    assert doc["ignored_after_as_of"] == 0


def test_summary_of_the_sample_reads_like_a_bulletin(tmp_path):
    out = tmp_path / "通报.txt"
    result = runner.invoke(app, ["summary", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("关于泽州县冶金工贸行业安全生产“百日攻坚”冬季行动进展情况的通报\n\n各镇应急管理中心：")
    assert "计入汇总的报表显示，全县累计成立督查组" in text and "整改率" in text
    assert ("2024年1月报表，16个镇中已有12个审核通过、计入汇总；南村镇、柳树口镇报表有误已退回，尚未收到修改后的报表；"
            "川底镇报送的材料待核实；周村镇尚未报送。以上4个镇的数字未计入汇总。") in text
    assert ("3. 2023年12月报表（应于2023年12月25日前报送）：按时报送9个（其中缺件2个：大东沟镇缺三清单；"
            "犁川镇缺阶段性进展、三清单）；逾期报送2个：高都镇（逾期1天）、巴公镇（逾期1天）；报表有误退回、尚未重新报送4个："
            "周村镇、金村镇、大箕镇、南岭镇；逾期未报1个：柳树口镇。报送率68.8%。") in text
    assert "3个镇仍有重大隐患逾期未整改到位" in text and "晋城市裕丰镁业有限公司（挂牌督办：泽州县应急管理局）" in text
    assert "犁川镇、柳树口镇尚未上报安全生产重大隐患执法典型案例" in text


def test_summary_json_totals_match_merge(tmp_path):
    result = runner.invoke(app, ["summary", str(SAMPLE / "2023-12"), "--as-of", "2023-12-31", "--no-ledger",
                                 "--format", "json"])
    doc = json.loads(result.stdout)
    merged = runner.invoke(app, ["merge", str(SAMPLE / "2023-12"), "-o", str(tmp_path / "county.xlsx"), "-f", "json"])
    totals = json.loads(merged.stdout)["totals"]["cumulative_row"]
    assert doc["period"] == "2023-12"
    assert doc["variables"]["total"]["general_found"] == str(totals["general_found"])
    assert doc["variables"]["total"]["enterprises"] == str(totals["enterprises"])


def test_summary_with_own_template_and_a_misspelt_variable(tmp_path):
    mine = tmp_path / "mine.txt.j2"
    mine.write_text("{{ scope }}排查企业{{ total.enterprises }}家，{{ ranking[0].town }}居首。", encoding="utf-8")
    result = runner.invoke(app, ["summary", str(SAMPLE / "2023-11"), "--as-of", "2023-11-30", "--no-ledger",
                                 "--template", str(mine)])
    assert result.exit_code == 0 and result.stdout.startswith("全县排查企业") and result.stdout.endswith("居首。")
    mine.write_text("{{ totl.enterprises }}", encoding="utf-8")
    result = runner.invoke(app, ["summary", str(SAMPLE / "2023-11"), "--as-of", "2023-11-30", "--no-ledger",
                                 "--template", str(mine)])
    assert result.exit_code == 2 and "totl" in result.output


def test_template_readme_documents_every_variable():
    from bairi.core.campaign import default_campaign
    from bairi.deadlines.schedule import assess
    from bairi.merge.consolidate import consolidate
    from bairi.present.bulletin import bulletin_context
    from bairi.present.reminders import reminder_context
    from bairi.state.standing import load_state

    readme = (Path(__file__).parent.parent / "templates" / "README.md").read_text(encoding="utf-8")
    remind_part, summary_part = readme.split("## remind.txt.j2")[1].split("## summary.txt.j2")

    def documented(part):
        return {name for cell in re.findall(r"^\| (`[^|]+`) \|", part, re.M) for name in re.findall(r"`(\w+)`", cell)}

    campaign = default_campaign()
    state = load_state([SAMPLE / "2023-12"], campaign, date(2023, 12, 31), use_ledger=False)
    result = assess(state)
    assert set(reminder_context(result, "柳树口镇")) == documented(remind_part)
    assert set(bulletin_context(consolidate(state, "2023-12"), result, campaign)) == documented(summary_part)


def test_files_copied_long_after_the_campaign_count_by_their_own_dates(tmp_path):
    # The inbox was copied to a new computer in 2026: every file time (and a new ledger's first sighting)
    # is the copy's. A return then counts from its 填表日期 (inside its month); a plan, with no date of its
    # own, is 待核实 at its due day — never presumed on time. Each says so with D714.
    inbox = tmp_path / "收件"
    late = write_return(inbox / "巴公镇12月份报表.xlsx", filled_on=date(2023, 12, 27))
    early = write_return(inbox / "南村镇12月.xlsx", unit="南村镇应急管理中心", filled_on=date(2023, 12, 22), hazards=[])
    plan = inbox / "大箕镇行动方案.docx"
    plan.write_bytes(b"plan")
    copied = datetime(2026, 11, 28, 10, 0, tzinfo=BEIJING)
    for path in (late, early, plan):
        set_mtime(path, copied)
    for ledger in ("--no-ledger", None):
        code, doc = deadlines(inbox, "--as-of", "2024-02-10", *([ledger] if ledger else []))
        assert code == 1
        got = {(t, k): tuple(item(doc, t, k)[f] for f in ("status", "days_late", "received", "evidence"))
               for t, k in (("巴公镇", "2023-12"), ("南村镇", "2023-12"), ("大箕镇", "plan"))}
        assert got == {
            ("巴公镇", "2023-12"): ("late", 2, "2023-12-27T12:00:00+08:00", "filled"),
            ("南村镇", "2023-12"): ("incomplete", 47, "2023-12-22T12:00:00+08:00", "filled"),
            ("大箕镇", "plan"): ("to_verify", 0, "2023-11-09T12:00:00+08:00", "due"),
        }
    result = runner.invoke(app, ["deadlines", str(inbox), "--as-of", "2024-02-10", "--no-ledger"])
    assert result.output.count("D714") == 3


def test_many_notes_of_one_kind_are_counted_not_repeated(tmp_path):
    inbox = tmp_path / "收件"
    towns = ["巴公镇", "南村镇", "下村镇", "高都镇", "大阳镇", "山河镇", "犁川镇"]
    for town in towns:
        path = write_return(inbox / f"{town}12月.xlsx", unit=f"{town}应急管理中心", filled_on=date(2023, 12, 20), hazards=[])
        set_mtime(path, datetime(2026, 11, 28, 10, 0, tzinfo=BEIJING))
    result = runner.invoke(app, ["deadlines", str(inbox), "--as-of", "2024-02-10", "--no-ledger"])
    assert result.output.count("D714") == 4
    assert "另有 4 条同类" in result.output
    code, doc = deadlines(inbox, "--as-of", "2024-02-10", "--no-ledger")
    assert sum(f["code"] == "D714" for i in doc["items"] for f in i["findings"]) == 7


def test_a_reminder_addresses_the_town_as_its_returns_do_and_lists_what_was_sent_back(tmp_path):
    out = tmp_path / "催报"
    result = runner.invoke(app, ["deadlines", str(SAMPLE / "2023-12"), "--as-of", "2024-01-26", "--no-ledger",
                                 "--remind", str(out), "--remind-format", "txt"])
    assert result.exit_code == 1
    read = {p.stem: p.read_text(encoding="utf-8-sig").replace("\r\n", "\n").splitlines() for p in out.glob("*.txt")}
    # 巴公镇 writes 巴公镇人民政府 as its 填报单位; 川底镇 still writes the old 川底乡, which is no heading.
    assert read["催报_巴公镇"][2] == "巴公镇人民政府："
    assert read["催报_川底镇"][2] == "川底镇应急管理中心："
    assert read["催报_大东沟镇"][2] == "大东沟镇应急管理站："
    # 周村镇's December return was sent back: the notice says which cell to change, and how.
    zhoucun = read["催报_周村镇"]
    at = zhoucun.index("3. 2023年12月报表（应于2023年12月25日前报送）：报送的报表经审核存在问题，已退回修改，"
                       "至今未收到修改后的报表，已逾期32天。须修改的问题：")
    assert zhoucun[at + 1] == "   （1）第7行“责令限期整改企业”栏（H7）：“责令限期整改企业”为负数-1（数量不能为负，请核实）。"
    assert all(not re.search(r"\d 天|逾期 \d", line) for lines in read.values() for line in lines)


def test_a_bulletin_dates_itself_by_as_of_and_claims_only_what_the_returns_say(tmp_path):
    fixed = {**CUMULATIVE, "major_found": 2, "major_fixed": 2}
    write_return(tmp_path / "in" / "巴公镇12月报表.xlsx", filled_on=date(2023, 12, 20),
                 period={**PERIOD, "major_found": 1, "major_fixed": 1}, cumulative=fixed)
    out = tmp_path / "通报.txt"
    result = runner.invoke(app, ["summary", str(tmp_path / "in"), "--as-of", "2024-01-05", "--period", "2023-12",
                                 "--no-ledger", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    assert "计入汇总的报表显示，全县累计成立督查组4个" in text
    assert text.rstrip("\n").endswith("泽州县应急管理局\n2024年1月5日")
    # 70 of 85 is 82.4%, 2 of 2 is 100.0%: every rate with one decimal.
    assert "整改率82.4%；排查重大隐患2项、已整改2项，整改率100.0%；" in text
    # All fixed, by the one return counted; the fifteen towns without a return are not said to have fixed theirs.
    [line] = [x for x in text.splitlines() if "均已整改到位" in x]
    assert line == "截至2024年1月5日，计入汇总的1个镇报表累计报告重大隐患2项，均已整改到位；另有15个镇的报表未计入，其整改情况待核实。"
    # One fixed of two: no claim that all are, and no claim they are overdue if the register has none open.
    write_return(tmp_path / "in" / "巴公镇12月报表.xlsx", filled_on=date(2023, 12, 20),
                 period={**PERIOD, "major_found": 1, "major_fixed": 0}, cumulative={**fixed, "major_fixed": 1})
    result = runner.invoke(app, ["summary", str(tmp_path / "in"), "--as-of", "2024-01-05", "--period", "2023-12",
                                 "--no-ledger", "-o", str(out)])
    text = out.read_text(encoding="utf-8-sig")
    assert "均已整改" not in text
    assert "整改率50.0%" in text


def test_every_paragraph_of_the_sample_bulletin_ends_a_sentence(tmp_path):
    out = tmp_path / "通报.txt"
    runner.invoke(app, ["summary", str(SAMPLE), "--as-of", "2024-02-10", "--no-ledger", "-o", str(out)])
    lines = [x.strip() for x in out.read_text(encoding="utf-8-sig").splitlines() if x.strip()]
    body = lines[lines.index("各镇应急管理中心：") + 1:next(n for n, x in enumerate(lines) if x.startswith("联系人："))]
    headings = [x for x in body if re.match(r"^[一二三四五六七八九十]、", x)]
    assert len(headings) == 8
    # Every other paragraph is a sentence (。) or introduces a list (：), or is a slot the clerk fills in; none hangs.
    slots = [x for x in body if x.startswith("【请补充：") and x.endswith("】")]
    assert slots == ["【请补充：各镇的主要做法和工作成效】", "【请补充：督查检查中发现的主要问题】"]
    assert [x for x in body if x not in headings + slots and not x.endswith(("。", "。）", "："))] == []
    # The notice's own share (本辖区企业总数的50%) is quoted as the notice writes it; every computed rate has one decimal.
    rates = re.findall(r"(\d+(?:\.\d+)?)%", "\n".join(body).replace("企业总数的50%", ""))
    assert rates and all(re.fullmatch(r"\d+\.\d", r) for r in rates)
