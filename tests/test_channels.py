"""What comes in through the channels towns really use: the logbook beside a file, the receipt time the county
can stand behind, the sender's address, attachments known by their content, links instead of files."""

import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bairi.cli import app
from build import write_return
from build_mail import message, write_eml

runner = CliRunner()
ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


def run(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


def readme_logbook() -> str:
    """The sample 登记簿 the README shows the clerk, as written there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"```toml\n(\[\[received\]\].*?)```", text, re.S)[1]  # type: ignore[index]


def test_the_readme_logbook_never_takes_a_file_out_of_the_totals(tmp_path):
    box = tmp_path / "2023-12"
    shutil.copytree(ROOT / "sample_data" / "2023-12", box)
    args = ["merge", str(box), "--as-of", "2023-12-26", "--no-ledger"]
    _, plain = run(*args, "-o", str(tmp_path / "a.xlsx"))
    (tmp_path / "登记簿.toml").write_text(readme_logbook(), encoding="utf-8")
    _, booked = run(*args, "-o", str(tmp_path / "b.xlsx"), "--logbook", str(tmp_path / "登记簿.toml"))
    assert booked["totals"] == plain["totals"]
    assert sorted(a["file"] for a in booked["accepted"]) == sorted(a["file"] for a in plain["accepted"])
    shanhe = next(t for t in booked["towns"] if t["town"] == "山河镇")
    # The file's time (its 填表日期, 12-18: the sample's files carry no receipt time) is earlier than the paper's 12-24.
    assert (shanhe["status"], shanhe["file"], shanhe["received"], shanhe["evidence"]) == (
        "on_time", str(box / "山河镇工作报告表.xlsx"), "2023-12-18T12:00:00+08:00", "filled")
    _, dl = run("deadlines", str(box), "--as-of", "2023-12-26", "--no-ledger", "--logbook", str(tmp_path / "登记簿.toml"))
    item = next(i for i in dl["items"] if (i["town"], i["deadline"]) == ("山河镇", "2023-12"))
    assert item["counted"] == str(box / "山河镇工作报告表.xlsx")
    assert [f["message"] for f in item["findings"] if f["code"] == "D740"] == [
        "山河镇2023年12月报表既有文件“山河镇工作报告表.xlsx”（2023-12-18 12:00 收到）又有县局登记（2023-12-24）："
        "数字取自文件，是否按时以较早的文件（报表的填表日期）为准"]
    text = runner.invoke(app, ["merge", str(box), "--as-of", "2023-12-26", "--no-ledger", "-o", str(tmp_path / "c.xlsx"),
                               "--logbook", str(tmp_path / "登记簿.toml")]).stdout
    assert "数字取自文件，是否按时以较早的文件（报表的填表日期）为准" in text


# --- receipt time: the server's, the county's Received line, then the Date header ------------------------------

DEC = "2023-12"
MAIL = DATA / "mail"


def return_bytes(tmp_path: Path, town: str = "巴公镇", **kw) -> bytes:
    return write_return(tmp_path / f"{town}_src.xlsx", unit=f"{town}应急管理中心", **kw).read_bytes()


def parts(tmp_path: Path, town: str = "巴公镇", **kw) -> list[tuple[str, bytes]]:
    """A town's December return with its 阶段性进展 and 三清单, as towns send them."""
    return [(f"{town}12月份报表.xlsx", return_bytes(tmp_path, town, **kw)),
            (f"{town}12月阶段性进展.docx", f"{town} progress".encode()), (f"{town}12月三清单.docx", f"{town} lists".encode())]


def real_received(name: str, when: str) -> bytes:
    """The Received lines of a real header block (tests/data/mail), their time set to the campaign's `when`."""
    text = (MAIL / name).read_text(encoding="utf-8")
    lines = re.findall(r"^Received:.*?(?=^\S)", text, re.S | re.M)
    return "".join(re.sub(r";(\s*)[^;]*$", rf";\g<1>{when}\n", line.rstrip("\n")) for line in lines).replace(
        "\n", "\r\n").encode()


def state_of(box: Path, *extra: str, as_of: str = "2023-12-26") -> dict:
    """The deadlines JSON of a folder, as of a day; the item of 巴公镇's December return."""
    code, doc = run("deadlines", str(box), "--as-of", as_of, "--no-ledger", *extra)
    return next(i for i in doc["items"] if (i["town"], i["deadline"]) == ("巴公镇", DEC))


def test_the_county_servers_received_line_decides_over_a_fast_town_clock(tmp_path):
    box = tmp_path / "in"
    # The town's PC clock is a day and a half fast: its Date says 12-27 (late); 163's MX received it on the 25th.
    sent = message(parts(tmp_path), encoding="rfc2047", date="Wed, 27 Dec 2023 08:00:00 +0800",
                   subject="巴公镇12月报表", sender="zz09yjzx@163.com")
    write_eml(box / "1.eml", real_received("netease-126-mx.headers", "Mon, 25 Dec 2023 20:00:04 +0800 (CST)") + sent)
    item = state_of(box)
    assert (item["status"], item["received"], item["evidence"]) == ("on_time", "2023-12-25T20:00:04+08:00", "received")
    assert [f["message"] for f in item["findings"] if f["code"] == "D742"] == [
        "发信电脑的时钟不准：邮件 Date 头“Wed, 27 Dec 2023 08:00:00 +0800”比县局邮件服务器的 Received 头"
        "（2023-12-25 20:00）快 36.0 小时；收到时间以县局邮件服务器的 Received 头为准"]


def test_another_providers_received_line_is_not_ours_unless_configured(tmp_path):
    box = tmp_path / "in"
    sent = message(parts(tmp_path), encoding="rfc2047", date="Tue, 26 Dec 2023 09:00:00 +0800",
                   subject="巴公镇12月报表")
    write_eml(box / "1.eml", real_received("qq-mx.headers", "Mon, 25 Dec 2023 21:00:00 +0800") + sent)
    # By default the county's mailbox is at 163: QQ's MX line says nothing; the Date header decides (late).
    item = state_of(box)
    assert (item["status"], item["evidence"], item["days_late"]) == ("late", "mail", 1)
    config = tmp_path / "bairi.toml"
    assert runner.invoke(app, ["init", "-o", str(config)]).exit_code == 0
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"(?m)^mail_servers = .*$", 'mail_servers = ["qq.com"]', text), encoding="utf-8")
    item = state_of(box, "--config", str(config))
    assert (item["status"], item["received"], item["evidence"]) == ("on_time", "2023-12-25T21:00:00+08:00", "received")


@pytest.mark.parametrize("date", [
    "Mon, 25 Dec 2023 20:00:00",  # no zone at all
    "Mon, 25 Dec 2023 20:00:00 +08:00",
    "Mon, 25 Dec 2023 20:00:00 GMT+0800",
    "Mon, 25 Dec 2023 20:00:00 GMT+8",
    "Mon, 25 Dec 2023 20:00:00 UTC+8",
    "Mon, 25 Dec 2023 20:00:00 CST",
    "Mon Dec 25 2023 20:00:00 GMT+0800 (中国标准时间)",
    "2023-12-25 20:00:00",
])
def test_a_date_as_clients_write_it_is_read_in_beijing_time(tmp_path, date):
    box = tmp_path / "in"
    write_eml(box / "1.eml", message(parts(tmp_path), encoding="rfc2047", date=date, subject="巴公镇12月报表"))
    item = state_of(box)
    assert (item["status"], item["received"], item["evidence"], item["days_late"]) == (
        "on_time", "2023-12-25T20:00:00+08:00", "mail", 0)
    zoneless = [f["message"] for f in item["findings"] if f["code"] == "D741"]
    assert zoneless == ([f"邮件 Date 头“{date}”没有写时区，按本次行动的时区（UTC+8）计"]
                        if date in ("Mon, 25 Dec 2023 20:00:00", "2023-12-25 20:00:00") else [])


@pytest.mark.parametrize(("date", "shown"), [
    ("Thu, 01 Jan 1970 00:00:00 +0000", "1970-01-01 08:00"),
    ("Thu, 01 Jan 2099 10:00:00 +0800", "2099-01-01 10:00"),
])
def test_a_receipt_far_outside_the_campaign_is_to_verify_never_on_time_never_gone(tmp_path, date, shown):
    box = tmp_path / "in"
    write_eml(box / "1.eml", message(parts(tmp_path), encoding="rfc2047", date=date, subject="巴公镇12月报表"))
    item = state_of(box)
    reason = f"收到时间不可信：Date 头“{date}”给出的 {shown} 在行动期（2023-11-06 至 2024-02-10）之外"
    assert (item["status"], item["evidence"], item["reason"]) == ("to_verify", "mail", reason)
    assert [f["message"] for f in item["findings"] if f["code"] == "D743"] == [reason + "，待核实"]


def html_mail(subject: str, html: str, sender: str = "town@163.com", date: str = "Mon, 25 Dec 2023 20:00:00 +0800") -> bytes:
    """A message with only an HTML body (as webmail writes a large-attachment notice), no file attached."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    outer = MIMEMultipart("alternative")
    outer["From"], outer["To"], outer["Subject"], outer["Date"] = sender, "zzyjyzg@163.com", subject, date
    outer.attach(MIMEText(re.sub(r"<[^>]+>", "", html), "plain", "utf-8"))
    outer.attach(MIMEText(html, "html", "utf-8"))
    return outer.as_bytes()


def test_fetch_keeps_the_servers_receipt_time_and_every_mail_of_a_town(pymap_server, tmp_path):
    beijing = timezone(timedelta(hours=8))
    late_clock = message(parts(tmp_path), encoding="rfc2047", date="Wed, 27 Dec 2023 08:00:00 +0800",
                         subject="巴公镇12月报表")
    link = html_mail("12月份报表（超大附件）", '<p>文件太大，已用超大附件发送：<a href="https://mail.qq.com/cgi-bin/'
                     'ftnExs_download?k=2a3b&amp;t=exs_ftn_download&amp;code=9f1c">北义城镇12月份报表.xlsx</a></p>'
                     '<p>30天后过期</p>', sender="12345678@qq.com")
    named = html_mail("大阳镇方案已发，请查收", "<p>方案稍后用微信发。</p>", sender="someone@126.com")
    other = html_mail("周末聚餐", "<p>周六中午</p>", sender="friend@example.com")
    pymap_server.seed("INBOX", [late_clock, link, named, other], dates=[
        datetime(2023, 12, 25, 20, 0, tzinfo=beijing), datetime(2023, 12, 24, 9, 0, tzinfo=beijing),
        datetime(2023, 12, 20, 9, 0, tzinfo=beijing), datetime(2023, 12, 20, 10, 0, tzinfo=beijing)])
    out = tmp_path / "收件箱"
    result = runner.invoke(app, ["fetch", pymap_server.url("INBOX"), "-o", str(out), "--format", "json"],
                           env={"BAIRI_IMAP_PASSWORD": pymap_server.password})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["fetched"], doc["skipped"]) == (3, 1)
    assert doc["passed"] == [{"sender": "friend@example.com", "subject": "周末聚餐",
                              "reason": "没有附件、网盘或超大附件链接，主题和发件人都不是各镇的"}]
    _, dl = run("deadlines", str(out), "--as-of", "2023-12-26")
    items = {(i["town"], i["deadline"]): i for i in dl["items"]}
    bagong = items[("巴公镇", DEC)]
    assert (bagong["status"], bagong["received"], bagong["evidence"]) == ("on_time", "2023-12-25T20:00:00+08:00", "server")
    assert [f["message"] for f in bagong["findings"] if f["code"] == "D742"] == [
        "发信电脑的时钟不准：邮件 Date 头“Wed, 27 Dec 2023 08:00:00 +0800”比邮件服务器收信时间（2023-12-25 20:00）快 "
        "36.0 小时；收到时间以邮件服务器收信时间为准"]
    beiyi = items[("北义城镇", DEC)]
    assert (beiyi["status"], beiyi["evidence"], beiyi["reason"]) == (
        "to_verify", "server", "收到但无法读取：邮件里是QQ邮箱超大附件的链接，30天后过期（约至2024-01-24），不是附件")
