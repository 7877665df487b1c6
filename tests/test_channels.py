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
from build import PERIOD, write_return
from build_mail import encoded_word, message, write_eml

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
        "山河镇2023年12月报表既有文件“山河镇工作报告表.xlsx”（2023-12-18 12:00收到）又有县局登记（2023-12-24）："
        "数字取自文件，是否按时以较早的文件（报表的填表日期）为准"]
    text = runner.invoke(app, ["merge", str(box), "--as-of", "2023-12-26", "--no-ledger", "-o", str(tmp_path / "c.xlsx"),
                               "--logbook", str(tmp_path / "登记簿.toml")]).stdout
    assert "数字取自文件，是否按时以较早的文件（报表的填表日期）为准" in text
    text = runner.invoke(app, ["deadlines", str(box), "--as-of", "2023-12-26", "--no-ledger",
                               "--logbook", str(tmp_path / "登记簿.toml")]).stdout
    assert "数字取自文件，是否按时以较早的文件（报表的填表日期）为准" in "".join(text.split())


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
        "（2023-12-25 20:00）快36.0小时；收到时间以县局邮件服务器的 Received 头为准"]


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


def test_a_coremail_line_below_another_providers_is_the_senders_and_is_not_taken(tmp_path):
    box = tmp_path / "in"
    sent = message(parts(tmp_path), encoding="rfc2047", date="Tue, 26 Dec 2023 09:00:00 +0800",
                   subject="巴公镇12月报表")
    # QQ's MX received it (not the county's server by default); below it, a line in a town's Coremail words
    # claiming an earlier time was written on the sender's side and says nothing of when the county got it.
    below = real_received("netease-126-mx.headers", "Mon, 25 Dec 2023 08:00:00 +0800 (CST)")
    write_eml(box / "1.eml", real_received("qq-mx.headers", "Tue, 26 Dec 2023 09:00:05 +0800") + below + sent)
    item = state_of(box)
    assert (item["status"], item["received"], item["evidence"], item["days_late"]) == (
        "late", "2023-12-26T09:00:00+08:00", "mail", 1)


def test_a_line_the_clerks_own_machine_adds_on_top_does_not_hide_the_countys_server(tmp_path):
    box = tmp_path / "in"
    sent = message(parts(tmp_path), encoding="rfc2047", date="Wed, 27 Dec 2023 08:00:00 +0800",
                   subject="巴公镇12月报表")
    local = (b"Received: from pop.163.com by localhost with POP3 (fetchmail-6.4.37)\r\n"
             b"\tfor <clerk@localhost>; Wed, 27 Dec 2023 09:00:00 +0800 (CST)\r\n")
    write_eml(box / "1.eml", local + real_received("netease-126-mx.headers", "Mon, 25 Dec 2023 20:00:04 +0800 (CST)") + sent)
    item = state_of(box)
    assert (item["status"], item["received"], item["evidence"]) == ("on_time", "2023-12-25T20:00:04+08:00", "received")


@pytest.mark.parametrize("date", [
    "Mon, 25 Dec 2023 20:00:00",  # no zone at all
    "Mon, 25 Dec 2023 20:00:00 +08:00",
    "Mon, 25 Dec 2023 20:00:00 GMT+0800",
    "Mon, 25 Dec 2023 20:00:00 GMT+8",
    "Mon, 25 Dec 2023 20:00:00 UTC+8",
    "Mon, 25 Dec 2023 20:00:00 CST",
    "Mon Dec 25 2023 20:00:00 GMT+0800 (中国标准时间)",
    "Mon Dec 25 20:00:00 CST 2023",  # Java's Date.toString()
    "Mon, 25 Dec 2023 20:00:00 +0800 (GMT+08:00)",  # Coremail webmail
    "2023-12-25 20:00:00 北京时间",
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
    reason = f"收到时间不可信：Date 头“{date}”给出的{shown}在行动期（2023-11-06至2024-02-10）之外"
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
    in_body = html_mail("报表", "<p>南村镇的报表已交纸质版。</p>", sender="someone@139.com")
    other = html_mail("周末聚餐", "<p>周六中午</p>", sender="friend@example.com")
    pymap_server.seed("INBOX", [late_clock, link, named, in_body, other], dates=[
        datetime(2023, 12, 25, 20, 0, tzinfo=beijing), datetime(2023, 12, 24, 9, 0, tzinfo=beijing),
        datetime(2023, 12, 20, 9, 0, tzinfo=beijing), datetime(2023, 12, 21, 9, 0, tzinfo=beijing),
        datetime(2023, 12, 20, 10, 0, tzinfo=beijing)])
    out = tmp_path / "收件箱"
    result = runner.invoke(app, ["fetch", pymap_server.url("INBOX"), "-o", str(out), "--format", "json"],
                           env={"BAIRI_IMAP_PASSWORD": pymap_server.password})
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["fetched"], doc["skipped"]) == (4, 1)
    assert doc["passed"] == [{"sender": "friend@example.com", "subject": "周末聚餐",
                              "reason": "没有附件、网盘或超大附件链接，主题、发件人和正文都没有提到各镇"}]
    _, dl = run("deadlines", str(out), "--as-of", "2023-12-26")
    items = {(i["town"], i["deadline"]): i for i in dl["items"]}
    bagong = items[("巴公镇", DEC)]
    assert (bagong["status"], bagong["received"], bagong["evidence"]) == ("on_time", "2023-12-25T20:00:00+08:00", "server")
    assert [f["message"] for f in bagong["findings"] if f["code"] == "D742"] == [
        "发信电脑的时钟不准：邮件 Date 头“Wed, 27 Dec 2023 08:00:00 +0800”比邮件服务器收信时间（2023-12-25 20:00）快"
        "36.0小时；收到时间以邮件服务器收信时间为准"]
    beiyi = items[("北义城镇", DEC)]
    assert (beiyi["status"], beiyi["evidence"], beiyi["reason"]) == (
        "to_verify", "server", "收到但无法读取：邮件里是QQ邮箱超大附件的链接，30天后过期（约至2024-01-24），不是附件")


# --- attachments known by their content ---------------------------------------------------------------------

def mime_mail(parts_: list, subject: str = "巴公镇12月份报表", date: str = "Mon, 25 Dec 2023 20:00:00 +0800") -> bytes:
    """A multipart message from MIME parts built by the caller (each exactly as a client wrote it)."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    outer = MIMEMultipart()
    outer["From"], outer["To"], outer["Subject"], outer["Date"] = "zz09yjzx@163.com", "zzyjyzg@163.com", subject, date
    outer.attach(MIMEText("报表见附件。", "plain", "utf-8"))
    for part in parts_:
        outer.attach(part)
    return outer.as_bytes()


def part(data: bytes, kind: str = "application/octet-stream", **headers: str):
    """One base64 part; `headers` are written as given (Content-Disposition, Content-Type parameters)."""
    from email import encoders
    from email.mime.base import MIMEBase

    main, sub = kind.split("/")
    built = MIMEBase(main, sub)
    built.set_payload(data)
    encoders.encode_base64(built)
    for key, value in headers.items():
        name = key.replace("_", "-")
        if name.lower() == "content-type":
            built.replace_header("Content-Type", value)
        else:
            built[name] = value
    return built


def attached(data: bytes) -> list[tuple[str, int, str]]:
    from bairi.intake.mail import attachments, parse_message

    return [(a.name, len(a.data), a.problem) for a in attachments(parse_message(data), "1.eml")]


def test_parts_without_a_name_or_an_extension_are_named_by_their_content(tmp_path):
    book = return_bytes(tmp_path)
    import base64

    gbk = "巴公镇12月份报表".encode("gbk")
    mail = mime_mail([
        part(book),  # no name, no disposition (some webmail forwards)
        part(book, content_disposition=f'attachment; filename="{encoded_word("巴公镇12月份报表")}"'),  # no extension
        # An RFC 2047 name split inside a multi-byte character (the GBK bytes of 报 cut in two).
        part(book, content_disposition="attachment; filename=\"=?GBK?B?" + base64.b64encode(gbk[:13]).decode()
             + "?= =?GBK?B?" + base64.b64encode(gbk[13:] + b".xlsx").decode() + "?=\""),
        # RFC 2231 continuations cut inside a UTF-8 character.
        part(book, content_disposition="attachment; filename*0*=utf-8''%E5%B7%B4%E5%85; filename*1*=%AC%E9%95%87.xlsx"),
        part(b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),  # an inline picture with no name: a logo, not a file sent
        part(book, content_disposition='attachment; filename="report.pdf"'),  # a workbook under a document's name
    ])
    assert attached(mail) == [("（未命名附件）.xlsx", len(book), ""), ("巴公镇12月份报表.xlsx", len(book), ""),
                              ("巴公镇12月份报表.xlsx", len(book), ""), ("巴公镇.xlsx", len(book), ""),
                              ("report.pdf.xlsx", len(book), "")]
    box = tmp_path / "in"
    write_eml(box / "1.eml", mail)
    item = state_of(box)
    # The same bytes four times are one receipt (the most direct copy: the shortest source).
    assert (item["status"], item["counted"]) == ("incomplete", str(box / "1.eml" / "巴公镇.xlsx"))


def tnef_with(data: bytes, payload: bytes) -> bytes:
    """A real winmail.dat with its attachment's bytes replaced (the attAttachData object rebuilt: length, checksum)."""
    out, offset = bytearray(data[:6]), 6
    while offset + 9 <= len(data):
        level, name, length = data[offset], int.from_bytes(data[offset + 1:offset + 5], "little"), \
            int.from_bytes(data[offset + 5:offset + 9], "little")
        body = data[offset + 9:offset + 9 + length]
        if level == 2 and name & 0xFFFF == 0x800F:  # attAttachData
            body = payload
        out += bytes([level]) + name.to_bytes(4, "little") + len(body).to_bytes(4, "little") + body
        out += (sum(body) & 0xFFFF).to_bytes(2, "little")
        offset += 9 + length + 2
    return bytes(out)


def test_outlooks_winmail_dat_is_opened_with_its_real_names():
    two = (MAIL / "winmail-two-files.dat").read_bytes()
    assert attached(mime_mail([part(two, "application/ms-tnef", content_disposition='attachment; filename="winmail.dat"')])) == [
        ("AUTHORS", 244, ""), ("README", 893, "")]
    # The long name, not the 8.3 one (ALLPRO~1.DAT).
    long = (MAIL / "winmail-long-filename.dat").read_bytes()
    assert attached(mime_mail([part(long, "application/ms-tnef")])) == [("allproductsmar2000.dat", 279, "")]
    # Chinese Outlook writes names in code page 936 and says so (attOemCodepage): the same file so written.
    chinese = long.replace(b"allproductsmar2000.dat", "巴公镇12月份报表1.xlsx".encode("gbk")).replace(
        b"\xe4\x04\x00\x00\x00\x00\x00\x00", b"\xa8\x03\x00\x00\x00\x00\x00\x00")
    assert attached(mime_mail([part(chinese, "application/ms-tnef")])) == [("巴公镇12月份报表1.xlsx", 279, "")]


def test_a_return_inside_winmail_dat_counts_and_a_broken_one_is_to_verify(tmp_path):
    book = return_bytes(tmp_path)
    chinese = (MAIL / "winmail-long-filename.dat").read_bytes().replace(
        b"allproductsmar2000.dat", "巴公镇12月份报表1.xlsx".encode("gbk")).replace(
        b"\xe4\x04\x00\x00\x00\x00\x00\x00", b"\xa8\x03\x00\x00\x00\x00\x00\x00")
    box = tmp_path / "in"
    write_eml(box / "1.eml", mime_mail([part(tnef_with(chinese, book), "application/ms-tnef",
                                             content_disposition='attachment; filename="winmail.dat"')]))
    item = state_of(box)
    assert (item["status"], item["counted"]) == ("incomplete", str(box / "1.eml" / "巴公镇12月份报表1.xlsx"))
    _, merged = run("merge", str(box), "--as-of", "2023-12-26", "--no-ledger", "-o", str(tmp_path / "c.xlsx"))
    assert merged["totals"]["period_row"]["enterprises"] == 25
    broken = tmp_path / "broken"
    write_eml(broken / "1.eml", mime_mail([part(chinese[:300], "application/ms-tnef",
                                                content_disposition='attachment; filename="winmail.dat"')]))
    item = state_of(broken)
    assert (item["status"], item["reason"]) == ("to_verify", "收到但无法读取：Outlook 的 winmail.dat 中没有可取出的附件")


# --- links instead of files ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "service"), [
    ("https://fs.163.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT&file=Zk3Xb2&title=%E5%B7%B4", "网易邮箱超大附件"),
    ("https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&file=a1", "网易邮箱超大附件"),
    ("http://fs.126.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT&file=b2", "网易邮箱超大附件"),
    ("https://fs.qiye.163.com/fs/display/?p=X-QIYE-HUGE-ATTACHMENT&file=c3", "网易企业邮超大附件"),
    ("https://mail.qq.com/cgi-bin/ftnExs_download?k=0a1b2c&t=exs_ftn_download&code=7d8e", "QQ邮箱超大附件"),
    ("https://wx.mail.qq.com/ftn/download?func=3&k=9f8e7d&key=6c5b", "QQ邮箱超大附件"),
    ("https://docs.qq.com/sheet/DQmVaWGpLb1ZxYUhN?tab=BB08J2", "腾讯文档"),
    ("https://www.kdocs.cn/l/cbJk3Lq9Xn2A", "金山文档"),
    ("https://pan.baidu.com/s/1AbCdEfGh?pwd=8x9y", "百度网盘"),
])
@pytest.mark.parametrize("html", [False, True])
def test_a_link_instead_of_a_file_is_to_verify_naming_the_service_and_when_it_expires(tmp_path, url, service, html):
    words = "巴公镇12月份报表.xlsx（2.3M，2023年12月30日 10:00 到期）"
    if html:
        mail = html_mail("巴公镇12月份报表", f'<div>{words}</div><a href="{url.replace("&", "&amp;")}">下载</a>')
    else:
        from email.message import EmailMessage

        built = EmailMessage()
        built["From"], built["To"], built["Subject"] = "town@163.com", "zzyjyzg@163.com", "巴公镇12月份报表"
        built["Date"] = "Mon, 25 Dec 2023 20:00:00 +0800"
        built.set_content(f"文件较大，请从链接下载：\n{words}\n{url}\n")
        mail = built.as_bytes()
    box = tmp_path / "in"
    write_eml(box / "1.eml", mail)
    item = state_of(box, as_of="2023-12-25")
    assert (item["status"], item["received"], item["evidence"], item["reason"], item["source"]) == (
        "to_verify", "2023-12-25T20:00:00+08:00", "mail",
        f"收到但无法读取：邮件里是{service}的链接，有效期至2023-12-30，不是附件", str(box / "1.eml" / "巴公镇12月份报表.xlsx.url"))


def test_a_links_expiry_in_days_is_counted_from_the_sending(tmp_path):
    box = tmp_path / "in"
    write_eml(box / "1.eml", html_mail("巴公镇12月报表", '<p>超大附件，7天后过期</p><a href="https://fs.163.com/fs/display/'
                                       '?p=X-NETEASE-HUGE-ATTACHMENT&amp;file=Zk3">巴公镇.xlsx</a>'))
    assert state_of(box, as_of="2023-12-25")["reason"] == (
        "收到但无法读取：邮件里是网易邮箱超大附件的链接，7天后过期（约至2024-01-01），不是附件")


# --- origin: the town's own address ---------------------------------------------------------------------------

def config_with(tmp_path: Path, emails: dict[str, list[str]], county: list[str] | None = None) -> Path:
    """bairi.toml as `bairi init` writes it, with towns' addresses (and the bureau's forwarding ones) filled in."""
    config = tmp_path / "bairi.toml"
    assert runner.invoke(app, ["init", "-o", str(config)]).exit_code == 0
    text = config.read_text(encoding="utf-8")
    for town, addresses in emails.items():
        marker = re.search(rf'name = "{town}"\naliases = \[\]\nenterprises = \d+\nemails = \[\]', text)
        assert marker is not None
        text = text.replace(marker[0], marker[0].replace("emails = []", f"emails = {json.dumps(addresses)}"))
    if county is not None:
        text = re.sub(r"(?m)^county_senders = .*$", f"county_senders = {json.dumps(county)}", text)
    config.write_text(text, encoding="utf-8")
    return config


def town_mail(tmp_path: Path, sender: str, day: int, hour: int, **kw) -> bytes:
    return message(parts(tmp_path, **kw), encoding="rfc2047", sender=sender, subject="巴公镇12月报表",
                   date=f"{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][(day - 18) % 7]}, {day} Dec 2023 {hour:02d}:00:00 +0800")


def test_a_towns_first_return_from_an_unknown_address_counts_said(tmp_path):
    config = config_with(tmp_path, {"巴公镇": ["zz09yjzx@163.com"]})
    box = tmp_path / "in"
    write_eml(box / "1.eml", town_mail(tmp_path, "xiaowang@qq.com", 20, 9))
    item = state_of(box, "--config", str(config))
    assert (item["status"], item["reason"]) == ("on_time", None)
    assert [f["message"] for f in item["findings"] if f["code"] == "D745"] == [
        "巴公镇2023年12月报表：“巴公镇12月份报表.xlsx”来自未登记的发件地址 xiaowang@qq.com（本镇登记的邮箱：zz09yjzx@163.com），已计入"]


def test_an_unknown_address_replacing_the_towns_own_figures_is_to_verify_until_accepted(tmp_path):
    config = config_with(tmp_path, {"巴公镇": ["zz09yjzx@163.com"]})
    box = tmp_path / "in"
    write_eml(box / "1.eml", town_mail(tmp_path, "zz09yjzx@163.com", 20, 9))
    changed = {**PERIOD, "enterprises": 30}
    write_eml(box / "2.eml", town_mail(tmp_path / "x", "xiaowang@qq.com", 22, 9, period=changed))
    reason = ("“巴公镇12月份报表.xlsx”来自未登记的发件地址 xiaowang@qq.com，将取代本镇邮箱（zz09yjzx@163.com）报送的数字，"
              "需县局确认")
    item = state_of(box, "--config", str(config))
    assert (item["status"], item["reason"], item["counted"], item["received"]) == (
        "to_verify", reason, str(box / "1.eml" / "巴公镇12月份报表.xlsx"), "2023-12-20T09:00:00+08:00")
    args = ["merge", str(box), "--as-of", "2023-12-26", "--no-ledger", "--config", str(config)]
    _, merged = run(*args, "-o", str(tmp_path / "a.xlsx"))
    town = next(t for t in merged["towns"] if t["town"] == "巴公镇")
    assert (town["status"], town["reason"], merged["totals"]["period_row"]["enterprises"]) == ("to_verify", reason, 25)
    assert merged["superseded"] == []  # held for the clerk, not replaced
    # The clerk telephones the town and accepts the address for good.
    book = tmp_path / "登记簿.toml"
    book.write_text('[[sender]]\ntown = "巴公镇"\ndeadline = "2023-12"\naddress = "XiaoWang@qq.com"\nalways = true\n'
                    'note = "电话核实：镇应急中心小王的邮箱"\nby = "申晋钢"\nentered = 2023-12-26\n', encoding="utf-8")
    _, merged = run(*args, "-o", str(tmp_path / "b.xlsx"), "--logbook", str(book))
    town = next(t for t in merged["towns"] if t["town"] == "巴公镇")
    assert (town["status"], merged["totals"]["period_row"]["enterprises"]) == ("on_time", 30)
    assert [(e["kind"], e["address"], e["always"]) for e in town["logbook"]] == [("sender", "xiaowang@qq.com", True)]


def test_a_return_from_another_towns_address_is_to_verify_and_the_bureaus_forwarding_is_neutral(tmp_path):
    config = config_with(tmp_path, {"巴公镇": ["zz09yjzx@163.com"], "南村镇": ["nancun@163.com"]},
                         county=["zzyjyzg@163.com"])
    box = tmp_path / "in"
    write_eml(box / "1.eml", town_mail(tmp_path, "nancun@163.com", 20, 9))
    item = state_of(box, "--config", str(config))
    assert (item["status"], item["reason"], item["counted"]) == (
        "to_verify", "“巴公镇12月份报表.xlsx”来自南村镇登记的邮箱 nancun@163.com，不是本镇的邮箱，需县局确认", None)
    forwarded = tmp_path / "fwd"
    write_eml(forwarded / "1.eml", town_mail(tmp_path, "zzyjyzg@163.com", 20, 9))
    item = state_of(forwarded, "--config", str(config))
    assert (item["status"], [f["code"] for f in item["findings"] if f["code"] in ("D745", "D746")]) == ("on_time", [])


def test_a_logbook_line_earlier_than_the_mail_decides_the_time_and_the_files_figures_count(tmp_path):
    box = tmp_path / "in"
    write_eml(box / "1.eml", town_mail(tmp_path, "zz09yjzx@163.com", 27, 9))  # two days late by mail
    book = tmp_path / "登记簿.toml"
    book.write_text('[[received]]\ntown = "巴公镇"\ndeadline = "2023-12"\non = 2023-12-25\nhow = "微信"\n'
                    'materials = ["return", "progress", "lists"]\nnote = "微信发来，邮件随后补发"\nby = "申晋钢"\n'
                    'entered = 2023-12-25\n', encoding="utf-8")
    _, merged = run("merge", str(box), "--as-of", "2023-12-28", "--no-ledger", "--logbook", str(book),
                    "-o", str(tmp_path / "c.xlsx"))
    town = next(t for t in merged["towns"] if t["town"] == "巴公镇")
    assert (town["status"], town["evidence"], town["file"], merged["totals"]["period_row"]["enterprises"]) == (
        "on_time", "logbook", str(box / "1.eml" / "巴公镇12月份报表.xlsx"), 25)


# --- drafts' addresses ----------------------------------------------------------------------------------------

def bad_mail(tmp_path: Path, sender: str, name: str = "巴公镇12月份报表.xlsx", town: str = "巴公镇") -> bytes:
    """A return with an error (a word where a number belongs), mailed from `sender` (the From header as sent)."""
    from datetime import date

    book = write_return(tmp_path / f"{town}_bad.xlsx", unit=f"{town}应急管理中心", filled_on=date(2023, 12, 20),
                        period={**PERIOD, "general_fixed": "正在整改"}).read_bytes()
    mail = message([(name, book)], date="Wed, 20 Dec 2023 09:30:00 +0800", subject=f"{town}12月报表", encoding="rfc2047")
    return re.sub(rb"(?m)^From: .*$", b"From: " + sender.encode(), mail, count=1)


def drafted(box: Path, out: Path, *extra: str) -> list[dict]:
    result = runner.invoke(app, ["check", str(box), "--reply", str(out), "--format", "json", *extra])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    return doc if isinstance(doc, list) else [doc]


def parsed(path: str):
    from email import policy
    from email.parser import BytesParser

    return BytesParser(policy=policy.default).parsebytes(Path(path).read_bytes())


def test_a_display_name_with_a_comma_or_an_address_inside_never_redirects_a_draft(tmp_path):
    box = tmp_path / "in"
    comma = encoded_word("巴公镇应急管理中心,牛小军")  # GB2312 B-encoded, as Foxmail writes it
    write_eml(box / "1.eml", bad_mail(tmp_path, f"{comma} <bgzyjzx@163.com>"))
    sneaky = encoded_word("村委会 <other@example.com>", "utf-8")
    write_eml(box / "2.eml", bad_mail(tmp_path / "s", f"{sneaky} <nancun@163.com>", town="南村镇"))
    docs = drafted(box, tmp_path / "退回")
    assert [(parsed(d["reply"])["To"], d["reply_note"]) for d in docs] == [("bgzyjzx@163.com", None),
                                                                           ("nancun@163.com", None)]


def test_a_group_address_gets_no_draft_and_a_configured_address_names_the_sender(tmp_path):
    config = config_with(tmp_path, {"南村镇": ["nancun@163.com"]})
    box = tmp_path / "in"
    write_eml(box / "1.eml", bad_mail(tmp_path, "undisclosed-recipients:;"))
    write_eml(box / "2.eml", bad_mail(tmp_path / "n", "xiaoli@qq.com", town="南村镇"))
    docs = drafted(box, tmp_path / "退回", "--config", str(config))
    assert [(d["town"], d["reply"], d["reply_note"]) for d in docs] == [
        ("巴公镇", None, "未写退回邮件草稿：原邮件发件人“undisclosed-recipients:;”不是可以回复的邮箱地址，巴公镇也没有登记邮箱（bairi.toml 的 emails）"),
        ("南村镇", str(tmp_path / "退回" / "退回_南村镇_2023-12.eml"),
         "发往南村镇登记的邮箱 nancun@163.com（原邮件来自 xiaoli@qq.com）")]
    assert parsed(docs[1]["reply"])["To"] == "nancun@163.com"


def test_a_long_name_is_cut_to_what_file_systems_allow_and_one_failing_draft_stops_none(tmp_path):
    box = tmp_path / "in"
    long = "关于报送冶金工贸行业安全生产百日攻坚冬季行动工作报告表的说明" * 6 + ".xlsx"
    write_eml(box / "1.eml", bad_mail(tmp_path, "a@163.com", name=long, town="巴公镇"))
    write_eml(box / "2.eml", bad_mail(tmp_path / "n", "b@163.com", town="南村镇"))
    write_eml(box / "3.eml", bad_mail(tmp_path / "d", "c@163.com", town="大阳镇"))
    out = tmp_path / "退回"
    (out / "退回_南村镇_2023-12.eml").mkdir(parents=True)  # something in the way of one draft
    docs = {d["town"]: d for d in drafted(box, out)}
    assert len(Path(docs["巴公镇"]["reply"]).name.encode("utf-8")) <= 255
    assert parsed(docs["巴公镇"]["reply"])["To"] == "a@163.com"
    assert (docs["南村镇"]["reply"], docs["南村镇"]["reply_note"].startswith(f"未能写出 {out / '退回_南村镇_2023-12.eml'}：")) == (
        None, True)
    assert parsed(docs["大阳镇"]["reply"])["To"] == "c@163.com"


def test_a_ledger_from_before_keeps_working_and_learns_the_servers_time(tmp_path):
    import sqlite3

    from bairi.intake.ledger import open_ledger

    path = tmp_path / ".bairi-ledger.sqlite"
    with open_ledger(path):
        pass
    old = sqlite3.connect(path)  # the fetched table as the previous release made it, with one message in it
    old.execute("CREATE TABLE fetched (account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL,"
                " uid INTEGER NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL, fetched_at TEXT NOT NULL,"
                " PRIMARY KEY (account, folder, uidvalidity, uid))")
    old.execute("INSERT INTO fetched VALUES ('a', 'INBOX', 1, 1, 'x.eml', 'aa', '2023-12-26T08:00:00+08:00')")
    old.commit()
    old.close()
    beijing = timezone(timedelta(hours=8))
    with open_ledger(path) as ledger:
        assert ledger.server_time("aa") is None  # fetched before the server's time was kept: the mail's own headers
        ledger.record_fetch("a", "INBOX", 1, 2, "y.eml", "bb", datetime(2023, 12, 26, 8, tzinfo=beijing),
                            datetime(2023, 12, 25, 20, tzinfo=beijing))
        ledger.record_fetch("a", "收件箱/12月", 7, 9, "y.eml", "bb", datetime(2023, 12, 27, 8, tzinfo=beijing),
                            datetime(2023, 12, 25, 21, tzinfo=beijing))
        assert ledger.server_time("bb") == datetime(2023, 12, 25, 20, tzinfo=beijing)
        assert ledger.fetched_uids("a", "INBOX", 1) == {1, 2}


def with_real_headers(name: str, built: bytes) -> bytes:
    """A real client's header block (tests/data/mail) over a built MIME body: the real headers kept as they are,
    but for the body's own Content-Type, Content-Transfer-Encoding and MIME-Version, which the built body brings."""
    real = (MAIL / name).read_text(encoding="utf-8").replace("\n", "\r\n").encode()
    real = re.sub(rb"(?mi)^(Content-Type|Content-Transfer-Encoding|MIME-Version):.*\r\n", b"", real)
    head, body = built.replace(b"\r\n", b"\n").split(b"\n\n", 1)
    own = b"".join(m[0] + b"\r\n" for m in re.finditer(rb"(?mi)^(?:Content-Type|MIME-Version):.*(?:\n[ \t].*)*", head))
    return real + own.replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n") + b"\r\n" + body.replace(b"\n", b"\r\n")


def test_a_real_163_webmail_message_under_other_servers_is_timed_by_its_date(tmp_path):
    from bairi.intake.mail import parse_message, relays

    data = with_real_headers("163-webmail-coremail.headers", message(parts(tmp_path), date=None, encoding="rfc2047"))
    chain = relays(parse_message(data))
    assert [(r.by, r.when.isoformat() if r.when else None) for r in chain] == [
        ("mail.lfdr.de (Postfix)", "2023-12-11T10:50:31+01:00"), ("vger.kernel.org", "2023-12-11T04:50:21-05:00"),
        ("vger.kernel.org", "2023-12-11T04:50:19-05:00"), ("lindbergh.monkeyblade.net (Postfix)", "2023-12-11T01:50:22-08:00"),
        ("ajax-webmail-wmsvr45 (Coremail)", "2023-12-11T17:49:58+08:00")]
    box = tmp_path / "in"
    write_eml(box / "1.eml", data)
    item = state_of(box, as_of="2023-12-11")
    # The list's servers on top are not the county's, so 163's webmail line below them is the sender's side (it
    # could say anything): the message's own Date header decides, and says the same minute.
    assert (item["town"], item["status"], item["received"], item["evidence"]) == (
        "巴公镇", "on_time", "2023-12-11T17:49:58+08:00", "mail")
    assert [f["code"] for f in item["findings"] if f["code"] in ("D741", "D742", "D743")] == []


def test_a_link_beside_a_document_still_stands_for_the_return(tmp_path):
    from email.message import EmailMessage

    built = EmailMessage()
    built["From"], built["To"], built["Subject"] = "town@163.com", "zzyjyzg@163.com", "巴公镇12月份报表及阶段性进展"
    built["Date"] = "Mon, 25 Dec 2023 20:00:00 +0800"
    built.set_content("报表太大，用超大附件发送：https://fs.163.com/fs/display/?p=X-NETEASE-HUGE-ATTACHMENT&file=Q1w2\n")
    built.add_attachment(b"progress", maintype="application", subtype="octet-stream", filename="巴公镇12月阶段性进展.docx")
    box = tmp_path / "in"
    write_eml(box / "1.eml", built.as_bytes())
    item = state_of(box, as_of="2023-12-25")
    assert (item["status"], item["reason"]) == ("to_verify", "收到但无法读取：邮件里是网易邮箱超大附件的链接，不是附件")
