"""The campaign's home: commands that find it, read its 收件箱 and write to 上报/, the day's list, the logbook
written by command, and the board opened in a real browser.

The home below holds a three-town campaign (its own bairi.toml) and an inbox built as a clerk's looks on
2024-01-20: mails with returns and their 阶段性进展 and 三清单, plans, a return sent back, a town that sent
nothing for December, a paper November return entered in the logbook by command, a January return mailed
after the as-of day, a return file with a lock file beside it, and a hidden folder.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from bairi.core.campaign import default_campaign
from bairi.core.home import SCRIPTS, create_home, find_home
from bairi.present.render import campaign_toml
from bairi.state.logbook import load_logbook
from build import CUMULATIVE, HAZARDS, PERIOD, write_return
from build_mail import message, write_eml, write_mbox

runner = CliRunner()
TOWNS = ("巴公镇", "南村镇", "山河镇")
AS_OF = "2024-01-20"


def campaign_text() -> str:
    base = default_campaign()
    units = [next(u for u in base.units if u.name == name) for name in TOWNS]
    return campaign_toml(base.model_copy(update={"units": units}))


def mail_day(month: int, day: int, year: int = 2023) -> str:
    moment = date(year, month, day)
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{names[moment.weekday()]}, {day:02d} {months[month - 1]} {year} 10:00:00 +0800"


def town_return(work: Path, town: str, month: int, year: int = 2023, **kw) -> bytes:
    kw.setdefault("cumulative", dict(CUMULATIVE, major_found=0, major_fixed=0))
    kw.setdefault("period", dict(PERIOD, major_found=0, major_fixed=0))
    kw.setdefault("hazards", [])
    path = work / f"{town}{year}{month:02d}{kw.pop('tag', '')}.xlsx"
    return write_return(path, unit=f"{town}应急管理中心", filled_on=date(year, month, 18), **kw).read_bytes()


def extras(town: str, month: int) -> list[tuple[str, bytes]]:
    return [(f"{town}{month}月阶段性进展.docx", f"{town}{month} progress".encode()),
            (f"{town}{month}月三清单.docx", f"{town}{month} lists".encode())]


def build_inbox(inbox: Path, work: Path) -> None:
    for n, town in enumerate(TOWNS[:2], start=1):
        write_eml(inbox / f"0{n}.eml", message([(f"{town}行动方案.docx", f"{town} plan".encode())],
                                                date=mail_day(11, 8), subject=f"{town}行动方案"))
        write_eml(inbox / f"1{n}.eml", message([(f"{town}11月报表.xlsx", town_return(work, town, 11)), *extras(town, 11)],
                                                date=mail_day(11, 20), subject=f"{town}11月报表"))
    # 巴公镇: December on time, with a major hazard still open after the rectification day.
    write_eml(inbox / "21.eml", message([("巴公镇12月报表.xlsx", town_return(
        work, "巴公镇", 12, period=dict(PERIOD), cumulative=dict(CUMULATIVE), hazards=HAZARDS)), *extras("巴公镇", 12)],
        date=mail_day(12, 20), subject="巴公镇12月报表"))
    # 南村镇: December sent back (a negative figure), never resent.
    write_eml(inbox / "22.eml", message([("南村镇12月报表.xlsx", town_return(
        work, "南村镇", 12, period=dict(PERIOD, ordered=-1, major_found=0, major_fixed=0))), *extras("南村镇", 12)],
        date=mail_day(12, 22), subject="南村镇12月报表"))
    # 巴公镇's January return, mailed two days after the as-of day: it does not exist for the run, and is named.
    write_eml(inbox / "31.eml", message([("巴公镇1月报表.xlsx", town_return(work, "巴公镇", 1, year=2024, tag="jan"))],
                                        date=mail_day(1, 22, 2024), subject="巴公镇1月报表"))
    (inbox / "~$巴公镇12月报表.xlsx").write_bytes(b"lock")
    (inbox / ".旧邮件").mkdir()
    (inbox / ".旧邮件" / "a.eml").write_bytes(b"x")


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "百日攻坚"
    create_home(root, campaign_text())
    build_inbox(root / "收件箱", tmp_path / "work")
    monkeypatch.chdir(root)
    # 山河镇's November return came on paper: entered by command (appended to the commented logbook).
    logged = run(["log", "收到", "山河镇", "2023年11月", "--on", "2023-11-24", "--how", "纸质", "--material", "月报表",
                  "--material", "阶段性进展", "--material", "三清单", "--note", "纸质报表已交", "--by", "申晋钢",
                  "--as-of", "2023-11-24"])
    assert logged.exit_code == 0, logged.output
    return root


def run(args: list[str]):
    return runner.invoke(app, args, prog_name="bairi")


def as_json(args: list[str]):
    result = run([*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout), result.exit_code


def grid(document) -> dict[tuple[str, str], str]:
    return {(i["town"], i["deadline"]): i["status"] for i in document["items"]}


# --- the home itself -------------------------------------------------------------------------------------

def test_init_makes_the_home_and_refuses_a_second_time(tmp_path):
    target = tmp_path / "新行动"
    made = run(["init", str(target)])
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in target.iterdir()) == sorted(["bairi.toml", "登记簿.toml", "收件箱", "上报", *SCRIPTS])
    assert (target / "今日待办.bat").read_bytes() == b'@echo off\r\nchcp 65001 >nul\r\ncd /d "%~dp0"\r\nbairi status\r\npause\r\n'
    assert (target / "看板.bat").read_bytes() == b'@echo off\r\nchcp 65001 >nul\r\ncd /d "%~dp0"\r\nbairi board --open\r\npause\r\n'
    book = load_logbook(target / "登记簿.toml")
    assert (book.received, book.extension, book.accepted, book.sender) == ([], [], [], [])
    again = run(["init", str(target)])
    assert again.exit_code == 2
    assert "已有行动配置" in again.output and "--force" in again.output
    # --force writes bairi.toml again but never the clerk's logbook.
    (target / "登记簿.toml").write_text("# 我的登记\n", encoding="utf-8")
    (target / "bairi.toml").write_text("broken = [", encoding="utf-8")
    assert run(["init", str(target), "--force"]).exit_code == 0
    assert (target / "登记簿.toml").read_text(encoding="utf-8") == "# 我的登记\n"
    assert (target / "bairi.toml").read_text(encoding="utf-8") == campaign_toml(default_campaign())


def test_init_without_a_folder_writes_only_the_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(["init"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bairi.toml"]


def test_the_home_is_found_upward_and_named(home):
    assert find_home(home / "收件箱" / ".旧邮件") is not None and find_home(home / "收件箱" / ".旧邮件").root == home
    assert find_home(home.parent) is None
    named = run(["deadlines", "--home", str(home.parent)])
    assert named.exit_code == 2 and "不是百日攻坚的工作文件夹" in named.output


def test_outside_a_home_an_input_is_required(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(["deadlines"])
    assert result.exit_code == 2
    assert "缺少输入" in result.output and "bairi init" in result.output


# --- the same state with and without inputs -----------------------------------------------------------------

def test_no_input_in_the_home_or_below_is_the_same_state_as_explicit_inputs(home, monkeypatch, tmp_path):
    at_root, code = as_json(["deadlines", "--as-of", AS_OF])
    monkeypatch.chdir(home / "上报")
    below, _ = as_json(["deadlines", "--as-of", AS_OF])
    monkeypatch.chdir(tmp_path)
    explicit, explicit_code = as_json(["deadlines", str(home / "收件箱"), "--as-of", AS_OF, "--config", str(home / "bairi.toml"),
                                       "--ledger", str(home / "上报" / ".bairi-ledger.sqlite"),
                                       "--logbook", str(home / "登记簿.toml")])
    assert at_root == below == explicit and code == explicit_code == 1
    assert at_root["inputs"]["logbook"] == str(home / "登记簿.toml")
    assert at_root["inputs"]["ledger"] == str(home / "上报" / ".bairi-ledger.sqlite")
    assert grid(at_root) == {
        ("巴公镇", "plan"): "on_time", ("巴公镇", "2023-11"): "on_time", ("巴公镇", "2023-12"): "on_time",
        ("巴公镇", "2024-01"): "not_due", ("巴公镇", "summary"): "not_due", ("巴公镇", "case"): "not_due",
        ("南村镇", "plan"): "on_time", ("南村镇", "2023-11"): "on_time", ("南村镇", "2023-12"): "rejected",
        ("南村镇", "2024-01"): "not_due", ("南村镇", "summary"): "not_due", ("南村镇", "case"): "not_due",
        ("山河镇", "plan"): "missing", ("山河镇", "2023-11"): "on_time", ("山河镇", "2023-12"): "missing",
        ("山河镇", "2024-01"): "not_due", ("山河镇", "summary"): "not_due", ("山河镇", "case"): "not_due"}


def test_nothing_left_out_silently(home):
    document, _ = as_json(["deadlines", "--as-of", AS_OF])
    said = [(f["code"], Path(f["location"]).name) for f in document["findings"] if f["code"] in ("D720", "D721", "D722", "D770")]
    assert said == [("D720", ".旧邮件"), ("D721", "~$巴公镇12月报表.xlsx"), ("D770", "巴公镇1月报表.xlsx")]
    late = next(f for f in document["findings"] if f["code"] == "D770")
    assert late["message"] == "巴公镇的“巴公镇1月报表.xlsx”2024-01-22 10:00才收到（邮件 Date 头），在2024-01-20之后，本次不计入"
    # The logbook in use is named once, as the run's logbook, and never listed as a file left unread.
    assert document["inputs"]["logbook"] == str(home / "登记簿.toml")
    assert not [f for f in document["findings"] if "登记簿" in f["location"] or "bairi.toml" in f["location"]]


def test_a_period_nobody_sent_says_which_periods_the_inputs_hold(home):
    result = run(["merge", "--period", "2024-01", "--as-of", AS_OF, "--format", "json"])
    document = json.loads(result.stdout)
    assert document["output"] == str(home / "上报" / "泽州县_2024-01.xlsx")
    assert [s for s in document["skipped"] if s["file"] == "--period"] == [
        {"file": "--period", "reason": "报告期2024-01没有任何镇的报表；输入中有报表的报告期：2023-11、2023-12"}]


def test_outputs_without_o_go_to_the_outbox_under_the_clerks_names(home, monkeypatch, tmp_path):
    monkeypatch.chdir(home / "收件箱")
    merged, _ = as_json(["merge", "--period", "2023-12", "--as-of", AS_OF])
    assert merged["output"] == str(home / "上报" / "泽州县_2023-12.xlsx")
    assert (home / "上报" / "泽州县_2023-12.xlsx").is_file()
    monkeypatch.chdir(tmp_path)
    explicit, _ = as_json(["merge", str(home / "收件箱"), "-o", str(tmp_path / "x.xlsx"), "--period", "2023-12",
                           "--as-of", AS_OF, "--config", str(home / "bairi.toml"),
                           "--ledger", str(home / "上报" / ".bairi-ledger.sqlite"), "--logbook", str(home / "登记簿.toml")])
    assert merged["totals"] == explicit["totals"]
    assert [(a["town"], Path(a["file"]).name) for a in merged["accepted"]] == [("巴公镇", "巴公镇12月报表.xlsx")]
    monkeypatch.chdir(home)
    assert run(["hazards", "--as-of", AS_OF]).exit_code == 1
    assert (home / "上报" / "重大隐患台账_2024-01-20.xlsx").is_file()
    assert run(["summary", "--as-of", "2023-12-26", "--period", "2023-12"]).exit_code == 0
    assert (home / "上报" / "通报_2023-12-26.docx").is_file()


# --- status -------------------------------------------------------------------------------------------------

def test_status_lists_the_days_work_in_order_with_its_commands(home):
    document, code = as_json(["status", "--as-of", AS_OF])
    assert code == 1
    assert document["as_of"] == AS_OF
    todo = [(t["kind"], t["town"], t["deadline"], t["text"], t["command"]) for t in document["todo"]]
    assert todo == [
        ("reply", "南村镇", "2023-12",
         "南村镇2023年12月报表检查未通过（错误1处，如 Sheet1!H7 “责令限期整改企业”为负数-1），退回重报，逾期26天；退回邮件草稿尚未写",
         "bairi check 收件箱/22.eml --reply 上报/退回"),
        ("remind", "山河镇", "plan", "山河镇行动方案未报：缺行动方案（截止2023-11-09），逾期72天",
         "bairi deadlines --as-of 2024-01-20 --remind 上报/催报"),
        ("remind", "山河镇", "2023-12", "山河镇2023年12月报表未报：缺月报表（截止2023-12-25），逾期26天",
         "bairi deadlines --as-of 2024-01-20 --remind 上报/催报"),
        ("due_soon", None, "2024-01", "2024年1月报表5天后（2024-01-25）截止，3个镇尚未报送：巴公镇、南村镇、山河镇",
         "bairi deadlines --as-of 2024-01-20"),
        ("send_up", None, "2023-12", "2023-12全县汇总表尚未汇总，未封存上报；1/3个镇的报表可计入（未计入：南村镇、山河镇）",
         "bairi merge --as-of 2024-01-20 --period 2023-12"),
        ("hazard", "巴公镇", "2023-12-20", "巴公镇山西晋城巴公钢铁有限公司的重大隐患逾期未整改（整改期限2023-12-20，逾期31天）",
         "bairi hazards --as-of 2024-01-20"),
        # The foundry's row says 已拆除并迁出 (the rest room removed): rectified, nothing to chase.
        ("logbook", "山河镇", "2023-11",
         "山河镇2023年11月报表依据县局登记计为收到（纸质，2023-11-24），尚无电子文件：请该镇补发，收到后放进收件箱", None),
    ]
    shown = run(["status", "--as-of", AS_OF])
    assert shown.exit_code == 1
    assert "1. 【退回】逾期 南村镇2023年12月报表检查未通过" in shown.output
    assert "   bairi check 收件箱/22.eml --reply 上报/退回" in shown.output


def test_a_reply_out_of_a_mailbox_names_only_that_message(tmp_path, monkeypatch):
    root = tmp_path / "百日攻坚"
    create_home(root, campaign_text())
    work = tmp_path / "work"
    # As a mail client exports them: every town's mail in one mbox; 南村镇's December return is the second.
    write_mbox(root / "收件箱" / "收件箱.mbox", [
        message([("巴公镇12月报表.xlsx", town_return(work, "巴公镇", 12))], date=mail_day(12, 20), subject="巴公镇12月报表"),
        message([("南村镇12月报表.xlsx", town_return(work, "南村镇", 12, period=dict(PERIOD, ordered=-1, major_found=0,
                                                                                  major_fixed=0)))],
                date=mail_day(12, 22), subject="南村镇12月报表"),
        message([("山河镇12月报表.xlsx", town_return(work, "山河镇", 12, period=dict(PERIOD, ordered=-2, major_found=0,
                                                                                  major_fixed=0), tag="old"))],
                date=mail_day(12, 21), subject="山河镇12月报表"),
        message([("山河镇12月报表.xlsx", town_return(work, "山河镇", 12))], date=mail_day(12, 23), subject="山河镇12月报表更正"),
    ])
    monkeypatch.chdir(root)
    document, _ = as_json(["status", "--as-of", "2023-12-26"])
    replies = [(t["town"], t["command"]) for t in document["todo"] if t["kind"] == "reply"]
    # 山河镇's first copy was sent back but its correction counts: only 南村镇 is to be answered, from its own mail.
    assert replies == [("南村镇", "bairi check 收件箱/收件箱.mbox#2 --reply 上报/退回")]
    result = run(["check", "收件箱/收件箱.mbox#2", "--reply", "上报/退回", "--format", "json"])
    assert result.exit_code == 1, result.output
    checked = json.loads(result.stdout)
    assert (checked["town"], checked["file"]) == ("南村镇", "收件箱/收件箱.mbox#2/南村镇12月报表.xlsx")
    assert sorted(p.name for p in (root / "上报" / "退回").glob("*.eml")) == ["退回_南村镇_2023-12.eml"]
    assert run(["check", "收件箱/收件箱.mbox#9"]).exit_code == 2


def test_a_seal_of_the_homes_inbox_named_on_the_command_line_is_the_homes(home):
    # The clerk types the inbox out: the seal is still recorded in the home's ledger, where status and --list look.
    assert run(["seal", "2023-12", "收件箱", "--as-of", AS_OF]).exit_code == 1
    assert not (home / "收件箱" / ".bairi-ledger.sqlite").exists()
    listed, _ = as_json(["seal", "--list"])
    assert [s["period"] for s in listed["seals"]] == ["2023-12"]
    assert "send_up" not in {t["kind"] for t in as_json(["status", "--as-of", AS_OF])[0]["todo"]}


def test_status_follows_what_the_clerk_did(home):
    # The draft written by the command status named: the reply is no longer to write, only to send.
    assert run(["check", "收件箱/22.eml", "--reply", "上报/退回"]).exit_code == 1
    # The merge status named: the county return is merged, to be sealed.
    assert run(["merge", "--period", "2023-12", "--as-of", AS_OF]).exit_code == 1
    document, _ = as_json(["status", "--as-of", AS_OF])
    by_kind = {t["kind"]: t for t in document["todo"]}
    assert by_kind["reply"]["text"].endswith("退回邮件草稿已写好，待发送") and by_kind["reply"]["command"] is None
    assert by_kind["send_up"]["text"].startswith("2023-12全县汇总表已汇总，未封存上报")
    assert by_kind["send_up"]["command"] == "bairi seal 2023-12 --as-of 2024-01-20"
    assert run(["seal", "2023-12", "--as-of", AS_OF]).exit_code == 1
    assert (home / "上报" / "泽州县_2023-12_上报.xlsx").is_file()
    assert "send_up" not in {t["kind"] for t in as_json(["status", "--as-of", AS_OF])[0]["todo"]}


def test_status_schema_is_printed():
    schema = json.loads(run(["schema", "status"]).stdout)
    assert schema["properties"]["todo"]["items"]["$ref"] == "#/$defs/TodoDoc"
    assert schema["$defs"]["TodoDoc"]["properties"]["kind"]["enum"] == ["reply", "remind", "due_soon", "send_up", "hazard",
                                                                        "logbook"]


# --- the logbook written by command -------------------------------------------------------------------------

def test_log_appends_and_the_state_follows(home):
    before = (home / "登记簿.toml").read_bytes()
    assert before.startswith("# 县局登记簿".encode())
    result = run(["登记", "received", "山河镇", "2023-12", "--on", "2024-01-19", "--how", "微信", "--material", "月报表",
                  "--material", "阶段性进展", "--material", "三清单", "--note", "微信发来照片", "--by", "申晋钢",
                  "--as-of", "2024-01-19"])
    assert result.exit_code == 0, result.output
    after = (home / "登记簿.toml").read_bytes()
    assert after[:len(before)] == before
    assert after[len(before):].decode() == (
        '\n[[received]]\ntown = "山河镇"\ndeadline = "2023-12"\non = 2024-01-19\nhow = "微信"\n'
        'materials = ["return", "progress", "lists"]\nnote = "微信发来照片"\nby = "申晋钢"\nentered = 2024-01-19\n')
    document, _ = as_json(["deadlines", "--as-of", AS_OF])
    item = next(i for i in document["items"] if i["town"] == "山河镇" and i["deadline"] == "2023-12")
    assert (item["status"], item["days_late"], item["received"]) == ("late", 25, "2024-01-19T12:00:00+08:00")
    assert [(e["kind"], e["how"], e["by"]) for e in item["logbook"]] == [("received", "微信", "申晋钢")]
    # An extension and a sender: appended in turn, the file still read as the loader reads it.
    assert run(["log", "extension", "南村镇", "2024-01", "--until", "2024-01-31", "--note", "停电", "--as-of", AS_OF]).exit_code == 0
    assert run(["log", "sender", "巴公镇", "2024-01", "--address", "BGZ@163.com", "--always", "--note", "电话核实",
                "--as-of", AS_OF]).exit_code == 0
    book = load_logbook(home / "登记簿.toml")
    assert [(e.town, e.until) for e in book.extension] == [("南村镇", date(2024, 1, 31))]
    assert [(s.town, s.deadline, s.address, s.always, s.entered) for s in book.sender] == [
        ("巴公镇", "2024-01", "bgz@163.com", True, date(2024, 1, 20))]
    assert (home / "登记簿.toml").read_bytes()[:len(after)] == after


@pytest.mark.parametrize("args, message", [
    (["log", "unknown", "山河镇", "2023-12"], "登记的种类应为"),
    (["log", "received", "青山镇", "2023-12", "--how", "纸质", "--note", "x"], "“青山镇”不是本次行动的报送单位"),
    (["log", "received", "山河镇", "2025-12", "--how", "纸质", "--note", "x"], "截止项“2025-12”不是本次行动的截止项"),
    (["log", "received", "山河镇", "2023-12", "--note", "x"], "缺少报送方式"),
    (["log", "accepted", "山河镇", "2023-12", "--code", "E301", "--note", "x"], "code：应为警告代码，如 W507"),
    (["log", "sender", "山河镇", "2023-12", "--address", "not-an-address", "--note", "x"], "address：应为邮箱地址"),
])
def test_log_refuses_what_the_loader_would_refuse(home, args, message):
    before = (home / "登记簿.toml").read_bytes()
    result = run(args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert (home / "登记簿.toml").read_bytes() == before


def test_log_never_rewrites_a_hand_edited_crlf_logbook(home):
    hand = '# 手写的说明\r\n[[extension]]\r\ntown = "巴公镇"\r\ndeadline = "2023-12"\r\nuntil = 2023-12-28\r\n' \
           'note = "停电"\r\nby = "申晋钢"\r\nentered = 2023-12-22'  # no line end at the very end, as Notepad leaves it
    (home / "登记簿.toml").write_bytes(hand.encode())
    assert run(["log", "accepted", "巴公镇", "2023-12", "--code", "W507", "--note", "两家停产", "--as-of", AS_OF]).exit_code == 0
    data = (home / "登记簿.toml").read_bytes()
    assert data == (hand + '\r\n\r\n[[accepted]]\r\ntown = "巴公镇"\r\ndeadline = "2023-12"\r\ncode = "W507"\r\n'
                    'note = "两家停产"\r\nby = "申晋钢"\r\nentered = 2024-01-20\r\n').encode()


# --- the board in a real browser ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="没有安装 chromium（.ci/run 会安装），无法在真实浏览器中打开看板")


def browse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", *args],
                          capture_output=True, timeout=120, check=False)


@needs_chromium
def test_the_board_in_a_real_browser(home, tmp_path):
    assert run(["board", "--as-of", AS_OF]).exit_code == 0
    page = home / "上报" / "报送情况_2024-01-20.html"
    html = page.read_text(encoding="utf-8")
    # Self-contained: nothing fetched from anywhere, no script at all.
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=|\bhref=|@import|url\(", html)
    dom = browse("--dump-dom", page.as_uri()).stdout.decode()
    rows = re.findall(r'<tr><td class="town">([^<]+)</td>((?:<td class="cell[^"]*" data-status="[^"]+">.*?</td>)+)</tr>', dom)
    cells = {town: re.findall(r'data-status="([^"]+)"><b>([^<]+)</b><small>([^<]*)</small>', row) for town, row in rows}
    assert cells == {
        "巴公镇": [("on_time", "已报", "11-08收到"), ("on_time", "已报", "11-20收到"), ("on_time", "已报", "12-20收到"),
                   ("not_due", "未到期", "余5天"), ("not_due", "未到期", "余17天"), ("not_due", "未到期", "余21天")],
        "南村镇": [("on_time", "已报", "11-08收到"), ("on_time", "已报", "11-20收到"), ("rejected", "退回", "逾期26天"),
                   ("not_due", "未到期", "余5天"), ("not_due", "未到期", "余17天"), ("not_due", "未到期", "余21天")],
        "山河镇": [("missing", "未报", "逾期72天"), ("on_time", "已报", "11-24收到"), ("missing", "未报", "逾期26天"),
                   ("not_due", "未到期", "余5天"), ("not_due", "未到期", "余17天"), ("not_due", "未到期", "余21天")],
    }
    assert "<summary><b>巴公镇</b>" in dom and "巴公镇12月报表.xlsx" in dom
    assert "一般隐患整改率" in dom and "山西晋城巴公钢铁有限公司" in dom
    shot = tmp_path / "board.png"
    browse("--window-size=1400,1800", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = tmp_path / "printed.pdf"
    browse("--no-pdf-header-footer", f"--print-to-pdf={printed}", page.as_uri())
    assert printed.read_bytes()[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page\b", printed.read_bytes())) == 1


@needs_chromium
def test_the_board_as_a_one_page_pdf(home):
    result = run(["board", "--as-of", AS_OF, "--pdf"])
    assert result.exit_code == 0, result.output
    data = (home / "上报" / "报送情况_2024-01-20.pdf").read_bytes()
    assert data[:5] == b"%PDF-" and len(re.findall(rb"/Type\s*/Page\b", data)) == 1


@needs_chromium
def test_town_supplied_text_reaches_the_board_escaped(home, tmp_path):
    hostile = "<script>document.title='x'</script><img src=http://x/y.png>钢铁公司"
    hazards = [dict(HAZARDS[0], enterprise=hostile, detail="未整改<b>粗</b>")]
    write_eml(home / "收件箱" / "41.eml", message([("南村镇<b onmouseover=x>12月报表.xlsx", town_return(
        tmp_path, "南村镇", 12, tag="ok", period=dict(PERIOD), cumulative=dict(CUMULATIVE), hazards=hazards))],
        date=mail_day(12, 23), subject="南村镇12月报表"))
    assert run(["board", "--as-of", AS_OF, "-o", str(tmp_path / "b.html")]).exit_code == 0
    html = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;document.title=&#39;x&#39;&lt;/script&gt;&lt;img src=http://x/y.png&gt;钢铁公司" in html
    assert "南村镇&lt;b onmouseover=x&gt;12月报表.xlsx" in html
    dom = browse("--dump-dom", (tmp_path / "b.html").as_uri()).stdout.decode()
    assert "<script" not in dom and "<img" not in dom and "<title>泽州县" in dom


def test_the_board_refuses_another_format(home):
    result = run(["board", "-o", "看板.docx"])
    assert result.exit_code == 2 and "看板只能保存为 .html 或 .pdf 文件" in result.output


def test_fetch_saves_into_the_inbox_and_the_ledger_lives_in_the_outbox(home, pymap_server, monkeypatch, tmp_path):
    from datetime import datetime, timedelta, timezone

    mail = message([("山河镇12月报表.xlsx", town_return(tmp_path, "山河镇", 12)), *extras("山河镇", 12)],
                   date=mail_day(12, 24), subject="山河镇12月报表")
    pymap_server.seed("INBOX", [mail.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")],
                      dates=[datetime(2023, 12, 24, 10, tzinfo=timezone(timedelta(hours=8)))])
    monkeypatch.setenv("BAIRI_IMAP_PASSWORD", pymap_server.password)
    monkeypatch.chdir(home / "上报")
    result = run(["fetch", pymap_server.url(), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["fetched"], document["output"]) == (1, str(home / "收件箱"))
    assert [Path(f).parent for f in document["files"]] == [home / "收件箱"]
    assert not (home / "收件箱" / ".bairi-ledger.sqlite").exists() and (home / "上报" / ".bairi-ledger.sqlite").is_file()
    assert run(["fetch", pymap_server.url(), "--format", "json"]).stdout.count('"fetched": 0') == 1
    state, _ = as_json(["deadlines", "--as-of", AS_OF])
    assert grid(state)[("山河镇", "2023-12")] == "on_time"


def test_status_outside_a_home_names_the_inputs_and_the_output(home, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    document, _ = as_json(["status", str(home / "收件箱"), "--as-of", AS_OF, "--config", str(home / "bairi.toml"),
                           "--logbook", str(home / "登记簿.toml")])
    inbox = "百日攻坚/收件箱"
    commands = {t["kind"]: t["command"] for t in document["todo"]}
    assert commands["send_up"] == f"bairi merge {inbox} --as-of 2024-01-20 --period 2023-12 -o 泽州县_2023-12.xlsx"
    assert commands["remind"] == f"bairi deadlines {inbox} --as-of 2024-01-20 --remind 催报"
    assert commands["reply"] == f"bairi check {inbox}/22.eml --reply 退回"
    send_up = next(t for t in document["todo"] if t["kind"] == "send_up")
    assert send_up["text"] == "2023-12全县汇总表未封存上报；1/3个镇的报表可计入（未计入：南村镇、山河镇）"


# --- the terminal as a person sees it ----------------------------------------------------------------------

def test_middle_keeps_both_ends_of_a_long_name():
    from bairi.present.terminal import middle

    assert middle("犁川镇12月.xlsx", 18) == "犁川镇12月.xlsx"
    assert middle("晋庙铺镇百日攻坚工作报告表2023.12.xlsx", 18) == "晋庙铺镇...12.xlsx"
    assert middle("a" * 30, 9) == "aaa...aaa"
    assert middle("一二三四五六七八九十", 9) == "一二...十"


def test_tables_fit_80_columns_without_cutting_the_last_column(home, tmp_path):
    from io import StringIO

    from rich.cells import cell_len
    from rich.console import Console

    from bairi.core.campaign import load_campaign
    from bairi.deadlines.schedule import assess
    from bairi.merge.consolidate import consolidate
    from bairi.present.reminders import show_assessment
    from bairi.present.report import show_merge
    from bairi.state.standing import load_state

    long_name = "山河镇冶金工贸行业安全生产百日攻坚冬季行动工作报告表（2023年12月份，第二次修改稿）.xlsx"
    write_eml(home / "收件箱" / "51.eml", message([(long_name, town_return(tmp_path, "山河镇", 12)), *extras("山河镇", 12)],
                                                 date=mail_day(12, 24), subject="山河镇12月报表"))
    campaign = load_campaign(home / "bairi.toml")
    state = load_state([home / "收件箱"], campaign, date(2024, 1, 20), use_ledger=False)
    out = StringIO()
    console = Console(file=out, width=80, color_system=None, emoji=False)
    show_assessment(console, assess(state))
    show_merge(console, consolidate(state, "2023-12"), home / "上报" / "x.xlsx")
    lines = out.getvalue().splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "┃ 镇       ┃ 方案   ┃ 11月报表 ┃ 12月报表 ┃ 1月报表 ┃ 总结  ┃ 典型案例 ┃" in lines
    row = next(line for line in lines if line.startswith("│ 山河镇") and ".xlsx" in line)
    assert row.endswith("│ 1.5  │ 山河镇冶...）.xlsx │")
