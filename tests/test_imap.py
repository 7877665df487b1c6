"""`bairi fetch`, `check --reply` and `deadlines --remind` against real IMAP servers on loopback (pymap, Dovecot)."""

from __future__ import annotations

import json
import mailbox
import re
import shutil
from datetime import date, datetime, timedelta, timezone
from email import encoders, policy
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bairi.cli import app
from bairi.intake.imap import (
    ImapError,
    decode_folder,
    encode_folder,
    has_attachment,
    parse_fetch,
    parse_url,
)
from bairi.intake.mail import read_eml
from build import PERIOD, write_return
from build_mail import encoded_word, message
from imap_servers import DroppingProxy

runner = CliRunner()
SAMPLE_MBOX = Path(__file__).parent.parent / "sample_data" / "mail" / "campaign.mbox"
BEIJING = timezone(timedelta(hours=8))


def sample_messages() -> tuple[list[bytes], list[datetime]]:
    box = mailbox.mbox(str(SAMPLE_MBOX), create=False)
    try:
        # IMAP stores lines ending CRLF (imaplib's APPEND converts them): the server's bytes are these.
        data = [re.sub(rb"\r?\n", b"\r\n", box.get_bytes(key)) for key in box.iterkeys()]
    finally:
        box.close()
    dates = [parsedate_to_datetime(BytesParser(policy=policy.compat32).parsebytes(d, headersonly=True)["Date"])
             for d in data]
    return data, dates


def bairi(*args, password: str | None = None, env: dict | None = None):
    environment = dict(env or {})
    if password is not None:
        environment["BAIRI_IMAP_PASSWORD"] = password
    return runner.invoke(app, [str(a) for a in args], env=environment)


def fetch_json(server, out: Path, folder: str = "INBOX", *extra, env=None, url=None):
    result = bairi("fetch", url or server.url(folder), "-o", out, "--format", "json", *extra,
                   password=server.password, env=env)
    doc = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result, doc


def emls(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


def no_mail(subject: str, sender: str = "friend@example.com") -> bytes:
    msg = MIMEText("周末聚餐？", "plain", "utf-8")
    msg["From"], msg["To"], msg["Subject"] = sender, "clerk@163.com", subject
    msg["Date"] = "Mon, 18 Dec 2023 10:00:00 +0800"
    return msg.as_bytes()


def utf8_encoded(name: str, data: bytes) -> bytes:
    outer = MIMEMultipart()
    outer["From"], outer["To"] = "=?utf-8?b?5be05YWs6ZWH?= <zz09yjzx@163.com>", "zzxajjgmfm@163.com"
    outer["Subject"], outer["Date"] = encoded_word("巴公镇12月报表", "utf-8"), "Wed, 20 Dec 2023 09:30:00 +0800"
    outer.attach(MIMEText("见附件", "plain", "utf-8"))
    part = MIMEBase("application", "vnd.ms-excel", name=encoded_word(name, "utf-8"))
    part.set_payload(data)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=encoded_word(name, "utf-8"))
    outer.attach(part)
    return outer.as_bytes()


def statuses(doc: dict) -> list[tuple]:
    return sorted((i["town"], i["deadline"], i["status"], i["received"], i["days_late"]) for i in doc["items"])


# --- pure pieces -------------------------------------------------------------------------------------------

def test_folder_names_in_modified_utf7():
    assert encode_folder("草稿箱") == "&g0l6P3ux-"
    assert encode_folder("INBOX") == "INBOX"
    assert encode_folder("R&D 报表/12月") == "R&-D &YqWIaA-/12&Zwg-"
    assert decode_folder("&g0l6P3ux-") == "草稿箱"
    assert decode_folder("&-") == "&"
    assert decode_folder("&bad") == "&bad"  # not an encoded run: kept as sent


@given(st.text())
def test_folder_codec_round_trips(name):
    encoded = encode_folder(name)
    assert all(0x20 <= ord(ch) <= 0x7E for ch in encoded)
    assert decode_folder(encoded) == name


@pytest.mark.parametrize("url, expected", [
    ("imaps://zzxajjgmfm@163.com@imap.163.com/INBOX", ("imaps", "zzxajjgmfm@163.com", "imap.163.com", 993, "INBOX")),
    ("imaps://zzxajjgmfm@163.com@imap.163.com", ("imaps", "zzxajjgmfm@163.com", "imap.163.com", 993, "INBOX")),
    ("imap://clerk@127.0.0.1:1143/%E8%8D%89%E7%A8%BF%E7%AE%B1", ("imap", "clerk", "127.0.0.1", 1143, "草稿箱")),
    ("IMAP://clerk@[::1]:1143/各镇/12月", ("imap", "clerk", "::1", 1143, "各镇/12月")),
    ("imap://a%40b@host/x@y", ("imap", "a@b", "host", 143, "x@y")),
])
def test_urls(url, expected):
    account = parse_url(url)
    assert (account.scheme, account.user, account.host, account.port, account.folder) == expected


@pytest.mark.parametrize("url, words", [
    ("imaps://user:secret@imap.163.com/INBOX", "密码不能写在邮箱地址里"),
    ("imaps://imap.163.com/INBOX", "缺少用户名"),
    ("pop3://a@b", "格式不对"),
    ("imaps://a@b:99999", "端口"),
])
def test_bad_urls_are_refused_in_chinese(url, words):
    with pytest.raises(ImapError, match=words):
        parse_url(url)


@given(st.binary(max_size=300) | st.builds(lambda n, tail: b"1 (" + b"(" * n + tail, st.integers(0, 5000), st.binary(max_size=40)))
@example(b"1 (UID {-5}\r\nabcdefgh)")
@example(b"1 (UID {+}\r\n)")
def test_any_server_answer_is_read_or_left_without_an_exception(data):
    from bairi.intake.imap import parse_list

    fields = parse_fetch(data)
    assert isinstance(fields, dict)
    has_attachment(fields.get("BODYSTRUCTURE"))
    parse_list([data, (b"(\\Drafts) \"/\" {5}", b"abc"), data])


def test_loopback_is_the_only_place_for_plain_login():
    assert parse_url("imap://a@127.0.0.1").loopback and parse_url("imap://a@localhost").loopback
    assert parse_url("imap://a@[::1]").loopback
    assert not parse_url("imap://a@imap.163.com").loopback and not parse_url("imap://a@10.0.0.1").loopback


def test_bodystructure_with_literal_names_and_dispositions():
    # Dovecot's form (disposition as a list) and a literal-quoted Chinese name inside a multipart.
    name = "巴公镇.xlsx".encode()
    response = (b'7 (UID 42 BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "base64" 12 1 NIL NIL NIL NIL)'
                b'("application" "octet-stream" NIL NIL NIL "base64" 100 NIL ("attachment" ("filename" {'
                + str(len(name)).encode() + b'}\r\n' + name + b')) NIL NIL) "mixed" ("boundary" "b") NIL NIL NIL)'
                b' BODY[HEADER.FIELDS (FROM)] {19}\r\nFrom: a@163.com\r\n\r\n)')
    fields = parse_fetch(response)
    assert fields["UID"] == b"42"
    assert fields["BODY[HEADER.FIELDS (FROM)]"] == b"From: a@163.com\r\n\r\n"
    assert has_attachment(fields["BODYSTRUCTURE"])
    plain = parse_fetch(b'1 (UID 3 BODYSTRUCTURE ("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 1 NIL NIL NIL NIL))')
    assert not has_attachment(plain["BODYSTRUCTURE"])
    related = parse_fetch(b'2 (UID 4 BODYSTRUCTURE (("text" "html" ("charset" "utf-8") NIL NIL "7bit" 5 1 NIL NIL NIL NIL)'
                          b'("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 5 1 NIL NIL NIL NIL) "alternative"'
                          b' ("boundary" "x") NIL NIL NIL))')
    assert not has_attachment(related["BODYSTRUCTURE"])


# --- fetch against pymap -----------------------------------------------------------------------------------

def test_first_fetch_saves_each_message_once_and_the_second_saves_nothing(pymap_server, tmp_path):
    data, dates = sample_messages()
    pymap_server.seed("INBOX", data, dates=dates)
    out = tmp_path / "收件箱"
    result, doc = fetch_json(pymap_server, out)
    assert result.exit_code == 0, result.output
    assert (doc["fetched"], doc["skipped"], doc["known"], doc["folder"]) == (90, 0, 0, "INBOX")
    files = emls(out)
    assert len(files) == 90
    assert sorted(f.read_bytes() for f in files) == sorted(data)  # the bytes as the server holds them
    first = min(files)
    assert first.name.startswith(min(dates).astimezone(BEIJING).strftime("%Y-%m-%d_%H%M%S"))
    assert not list(out.glob(".*.tmp"))
    secret = pymap_server.password.encode()
    assert not any(secret in f.read_bytes() for f in out.iterdir())  # the ledger included
    again, doc = fetch_json(pymap_server, out)
    assert again.exit_code == 0
    assert (doc["fetched"], doc["known"], doc["files"]) == (0, 90, [])
    assert len(emls(out)) == 90


def test_fetch_then_deadlines_merge_summary_agree_with_the_mails_as_files(pymap_server, tmp_path):
    data, dates = sample_messages()
    pymap_server.seed("INBOX", data, dates=dates)
    out = tmp_path / "fetched"
    assert fetch_json(pymap_server, out)[0].exit_code == 0
    direct = bairi("deadlines", SAMPLE_MBOX, "--as-of", "2024-02-10", "--format", "json", "--no-ledger")
    fetched = bairi("deadlines", out, "--as-of", "2024-02-10", "--format", "json")
    assert direct.exit_code == fetched.exit_code == 1
    a, b = json.loads(direct.stdout), json.loads(fetched.stdout)
    assert statuses(a) == statuses(b)
    assert len(statuses(b)) == 96 and {s[2] for s in statuses(b)} == {
        "on_time", "late", "missing", "rejected", "incomplete", "to_verify", "not_due"}
    merged = [bairi("merge", src, "-o", tmp_path / f"汇总{n}.xlsx", "--period", "2023-12", "--format", "json")
              for n, src in enumerate((SAMPLE_MBOX, out))]
    totals = [json.loads(m.stdout)["totals"] for m in merged]
    assert totals[0] == totals[1] and totals[0]["cumulative_row"]["enterprises"] > 0
    texts = [bairi("summary", src, "--as-of", "2024-01-26", "--no-ledger").stdout for src in (SAMPLE_MBOX, out)]
    assert texts[0] == texts[1] and "巴公镇" in texts[0]


def test_only_campaign_mail_is_fetched_unless_all(pymap_server, tmp_path):
    book = write_return(tmp_path / "巴公镇12月.xlsx", filled_on=date(2023, 12, 20)).read_bytes()
    pymap_server.seed("INBOX", [
        message([("巴公镇12月.xlsx", book)], date="Wed, 20 Dec 2023 09:30:00 +0800", subject="巴公镇12月报表"),
        no_mail("周末聚餐"),
        no_mail("巴公镇方案已发，请查收", sender="zz09yjzx@163.com"),  # a town's address, no attachment
        message([("旧表.xlsx", book)], date="Tue, 10 Oct 2023 09:30:00 +0800", subject="十月的"),
    ], dates=[datetime(2023, 12, 20, 9, 30, tzinfo=BEIJING), datetime(2023, 12, 18, 10, tzinfo=BEIJING),
              datetime(2023, 12, 19, 10, tzinfo=BEIJING), datetime(2023, 10, 10, 9, 30, tzinfo=BEIJING)])
    config = tmp_path / "bairi.toml"
    assert bairi("init", "-o", config).exit_code == 0
    text = config.read_text(encoding="utf-8")
    marker = 'name = "巴公镇"\naliases = []\nenterprises = 45\nemails = []'
    assert marker in text
    config.write_text(text.replace(marker, marker.replace("emails = []", 'emails = ["ZZ09yjzx@163.com"]')), encoding="utf-8")
    out = tmp_path / "one"
    result, doc = fetch_json(pymap_server, out, "INBOX", "--config", config)
    assert result.exit_code == 0, result.output
    assert (doc["fetched"], doc["skipped"]) == (2, 1)  # the October mail is before the campaign (--since)
    subjects = sorted(BytesParser(policy=policy.default).parsebytes(f.read_bytes())["Subject"] for f in emls(out))
    assert subjects == ["巴公镇12月报表", "巴公镇方案已发，请查收"]
    everything, doc = fetch_json(pymap_server, tmp_path / "all", "INBOX", "--all", "--since", "2023-01-01")
    assert everything.exit_code == 0
    assert (doc["fetched"], doc["skipped"]) == (4, 0)


def test_attachment_names_rfc2231_and_rfc2047_gbk_utf8_survive(pymap_server, tmp_path):
    book = write_return(tmp_path / "r.xlsx", filled_on=date(2023, 12, 20)).read_bytes()
    names = ["巴公镇12月份百日攻坚报表.xlsx", "南村镇（12月）报表.xlsx", "高都镇12月报表.xls"]
    pymap_server.seed("INBOX", [
        message([(names[0], book)], date="Wed, 20 Dec 2023 09:30:00 +0800", encoding="rfc2231"),
        message([(names[1], book + b"\0")], date="Wed, 20 Dec 2023 10:30:00 +0800", encoding="rfc2047"),  # GBK words
        utf8_encoded(names[2], book + b"\0\0"),
    ])
    out = tmp_path / "names"
    result, doc = fetch_json(pymap_server, out)
    assert result.exit_code == 0 and doc["fetched"] == 3
    found = sorted((a.name, len(a.data)) for f in emls(out) for a in read_eml(f))
    assert found == sorted([(names[0], len(book)), (names[1], len(book) + 1), (names[2], len(book) + 2)])


def test_a_chinese_folder_and_its_uidvalidity_change(pymap_server, tmp_path):
    data, dates = sample_messages()
    pymap_server.seed("各镇报表", data[:5], dates=dates[:5])
    out = tmp_path / "报表"
    result, doc = fetch_json(pymap_server, out, "各镇报表")
    assert result.exit_code == 0, result.output
    assert (doc["fetched"], doc["folder"], doc["uidvalidity_changed"]) == (5, "各镇报表", False)
    # The folder is deleted and made again (a server migration does the same): new UIDVALIDITY, old UIDs void.
    imap = pymap_server.client()
    imap.delete('"' + encode_folder("各镇报表") + '"')
    imap.logout()
    pymap_server.seed("各镇报表", data[:6], dates=dates[:6])
    again, doc2 = fetch_json(pymap_server, out, "各镇报表")
    assert again.exit_code == 0
    assert doc2["uidvalidity"] != doc["uidvalidity"]
    assert (doc2["fetched"], doc2["known"], doc2["uidvalidity_changed"]) == (1, 0, True)
    assert len(emls(out)) == 6  # the five already saved are not saved twice
    third, doc3 = fetch_json(pymap_server, out, "各镇报表")
    assert third.exit_code == 0
    assert (doc3["fetched"], doc3["known"], doc3["uidvalidity_changed"]) == (0, 6, False)


def test_nothing_is_marked_read(pymap_server, tmp_path):
    data, dates = sample_messages()
    pymap_server.seed("INBOX", data[:3], dates=dates[:3])
    pymap_server.seed("INBOX", data[3:4], flags="(\\Seen \\Flagged)", dates=dates[3:4])
    before = pymap_server.flags("INBOX")
    assert fetch_json(pymap_server, tmp_path / "x")[1]["fetched"] == 4
    after = pymap_server.flags("INBOX")
    assert after == before
    assert [sorted(f - {"\\Recent"}) for f in after.values()] == [[], [], [], ["\\Flagged", "\\Seen"]]


def test_wrong_password_exits_2_in_chinese_and_writes_nothing(pymap_server, tmp_path):
    out = tmp_path / "收件箱"
    result = bairi("fetch", pymap_server.url(), "-o", out, password="not-the-code")
    assert result.exit_code == 2
    assert "登录邮箱 clerk@163.com 失败" in result.output and "授权码" in result.output
    assert "not-the-code" not in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_missing_folder_is_named(pymap_server, tmp_path):
    result = bairi("fetch", pymap_server.url("不存在"), "-o", tmp_path / "x", password=pymap_server.password)
    said = "".join(result.output.split())
    assert result.exit_code == 2 and "无法打开邮箱文件夹“不存在”" in said and "现有文件夹：INBOX" in said


def test_no_password_and_no_terminal_exits_2(pymap_server, tmp_path):
    result = runner.invoke(app, ["fetch", pymap_server.url(), "-o", str(tmp_path / "x")], env={"BAIRI_IMAP_PASSWORD": ""})
    assert result.exit_code == 2 and "BAIRI_IMAP_PASSWORD" in result.output


def test_unreachable_server_exits_2(tmp_path):
    from imap_servers import free_port

    result = bairi("fetch", f"imap://a@127.0.0.1:{free_port()}/INBOX", "-o", tmp_path / "x", password="p")
    assert result.exit_code == 2 and "拒绝连接" in result.output
    assert not (tmp_path / "x").exists()


def test_no_plain_text_login_beyond_loopback(pymap_server, tmp_path):
    from imap_servers import outside_address

    address = outside_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to reach a server by")
    relay = DroppingProxy(pymap_server.port, host=address)  # the same server, reached over the network
    try:
        result = bairi("fetch", f"imap://clerk@163.com@{address}:{relay.port}/INBOX", "-o", tmp_path / "x",
                       password=pymap_server.password)
    finally:
        relay.close()
    assert result.exit_code == 2
    assert "不支持加密（STARTTLS），为保护密码拒绝明文登录" in "".join(result.output.split())
    assert b"LOGIN" not in bytes(relay.heard).upper() and b"AUTHENTICATE" not in bytes(relay.heard).upper()
    assert not (tmp_path / "x").exists()


def test_connection_dropped_mid_fetch_leaves_whole_files_and_the_next_run_completes(pymap_server, tmp_path):
    data, dates = sample_messages()
    pymap_server.seed("INBOX", data[:8], dates=dates[:8])
    proxy = DroppingProxy(pymap_server.port, nth=4, budget=900)  # cut inside the fourth message's bytes
    out = tmp_path / "断线"
    url = pymap_server.url(port=proxy.port)
    try:
        result, _ = fetch_json(pymap_server, out, url=url)
        assert proxy.cut.is_set()
        assert result.exit_code == 2
        said = "".join(result.output.split())
        assert "连接中断" in said and "再次运行会接着收取" in said
        saved = emls(out)
        assert len(saved) == 3
        assert all(f.read_bytes() in data[:8] for f in saved)  # each one whole
        assert [p.name for p in out.iterdir() if p.suffix != ".eml"] == [".bairi-ledger.sqlite"]  # no temporary files
        again, doc = fetch_json(pymap_server, out, url=url)
    finally:
        proxy.close()
    assert again.exit_code == 0
    assert (doc["fetched"], doc["known"]) == (5, 3)
    assert sorted(f.read_bytes() for f in emls(out)) == sorted(data[:8])


# --- drafts ------------------------------------------------------------------------------------------------

def bad_return(tmp_path: Path) -> Path:
    return write_return(tmp_path / "巴公镇12月份报表.xlsx", filled_on=date(2023, 12, 20),
                        period=dict(PERIOD) | {"general_fixed": "正在整改"})


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def test_reply_drafts_into_a_folder_to_the_sender_of_the_mail(tmp_path):
    book = bad_return(tmp_path)
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / "巴公镇.eml").write_bytes(message([(book.name, book.read_bytes())], date="Wed, 20 Dec 2023 09:30:00 +0800",
                                               sender="巴公镇 <zz09yjzx@163.com>", encoding="rfc2047"))
    result = bairi("check", inbox, "--reply", tmp_path / "退回", "--format", "json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert doc["reply"] == str(tmp_path / "退回" / "退回_巴公镇_2023-12.eml")
    draft = parse(Path(doc["reply"]).read_bytes())
    assert (draft["To"], draft["X-Unsent"], draft["From"]) == ("zz09yjzx@163.com", "1", "zzxajjgmfm@163.com")
    assert draft["Subject"] == "关于巴公镇12月报表退回修改的通知"
    body = draft.get_body(("plain",)).get_content()
    # The town reads each cell as a person says it, never the sheet reference the clerk sees.
    cells = [f["location"] for f in doc["findings"] if f["severity"] == "error"]
    assert cells and all(c.startswith("Sheet1!") and c not in body for c in cells)
    assert all(f"第{c[-1]}行" not in body or f"（{c.split('!')[1]}）：" in body for c in cells)
    assert all(f"（{c.split('!')[1]}）：" in body for c in cells)
    assert "“一般隐患已整改”填写“正在整改”，不是数字" in body and "修改方法：" in body
    [attached] = list(draft.iter_attachments())
    assert attached.get_filename() == "巴公镇12月份报表.xlsx"
    raw = Path(doc["reply"]).read_bytes()
    assert re.search(rb"(?i)filename\*(0\*)?=utf-8''%E5%B7%B4%E5%85%AC%E9%95%87", raw)  # RFC 2231
    assert b'name="=?UTF-8?B?' in raw  # and RFC 2047 in Content-Type, for Outlook and Foxmail
    assert b"\r\n\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF throughout
    assert attached.get_content() == book.read_bytes()


def test_a_clean_return_gets_no_draft_and_config_addresses_win(tmp_path):
    good = write_return(tmp_path / "南村镇12月.xlsx", unit="南村镇应急管理中心", filled_on=date(2023, 12, 22))
    book = bad_return(tmp_path)
    config = tmp_path / "bairi.toml"
    bairi("init", "-o", config)
    text = config.read_text(encoding="utf-8")
    marker = 'name = "巴公镇"\naliases = []\nenterprises = 45\nemails = []'
    config.write_text(text.replace(marker, marker.replace("[]\nemails = []", "[]\nemails = []").replace(
        "emails = []", 'emails = ["bagong@example.cn", "zz09@163.com"]')), encoding="utf-8")
    result = bairi("check", good, book, "--reply", tmp_path / "out", "--config", config, "--format", "json")
    docs = json.loads(result.stdout)
    assert [d["reply"] is not None for d in docs] == [False, True]
    assert parse(Path(docs[1]["reply"]).read_bytes())["To"] == "bagong@example.cn, zz09@163.com"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["退回_巴公镇_2023-12.eml"]


def test_reply_drafts_appended_to_the_drafts_folder(pymap_server, tmp_path):
    book = bad_return(tmp_path)
    pymap_server.seed("草稿箱", [])
    result = bairi("check", book, "--reply", pymap_server.url(), password=pymap_server.password)
    assert result.exit_code == 1, result.output
    assert "草稿箱：关于巴公镇12月报表退回修改的通知" in result.output
    [(flags, data)] = pymap_server.messages("草稿箱")
    assert "\\Draft" in flags
    draft = parse(data)
    assert (draft["Subject"], draft["X-Unsent"], draft["From"]) == ("关于巴公镇12月报表退回修改的通知", "1", "clerk@163.com")
    assert draft["To"] is None  # no address configured and not mailed: the clerk fills it in
    [attached] = list(draft.iter_attachments())
    assert (attached.get_filename(), attached.get_content()) == ("巴公镇12月份报表.xlsx", book.read_bytes())
    assert pymap_server.messages("INBOX") == []
    again = bairi("check", book, "--reply", pymap_server.url(), password=pymap_server.password)
    assert again.exit_code == 1 and "草稿箱中已有，未重复放入" in "".join(again.output.split())
    assert len(pymap_server.messages("草稿箱")) == 1


def remind_config(tmp_path: Path) -> Path:
    config = tmp_path / "bairi.toml"
    bairi("init", "-o", config)
    text = config.read_text(encoding="utf-8")
    for town, address in (("周村镇", "zhoucun@163.com"), ("南岭镇", "nanling@163.com")):
        head = f'name = "{town}"\n'
        start = text.index(head)
        end = text.index("emails = []", start)
        text = text[:end] + f'emails = ["{address}"]' + text[end + len("emails = []"):]
    config.write_text(text, encoding="utf-8")
    return config


def test_remind_writes_a_draft_per_overdue_town_with_an_address(tmp_path):
    config = remind_config(tmp_path)
    folder = tmp_path / "催报"
    result = bairi("deadlines", SAMPLE_MBOX, "--as-of", "2024-02-10", "--remind", folder, "--config", config,
                   "--format", "json", "--no-ledger")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    overdue = sorted({i["town"] for i in doc["items"] if i["overdue"] and i["status"] != "late"})
    assert {"周村镇", "南岭镇"} <= set(overdue)
    texts = sorted(p.name for p in folder.glob("*.txt") if not p.stem.endswith("_短信"))
    assert texts == sorted(f"催报_{t}.txt" for t in overdue)
    assert sorted(p.name for p in folder.glob("*.eml")) == sorted(["催报_周村镇.eml", "催报_南岭镇.eml"])
    draft = parse((folder / "催报_周村镇.eml").read_bytes())
    assert (draft["To"], draft["X-Unsent"]) == ("zhoucun@163.com", "1")
    notice = (folder / "催报_周村镇.txt").read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    assert draft.get_body(("plain",)).get_content().rstrip("\n") == notice.rstrip("\n")
    # The Word 催报 (and its PDF where LibreOffice is installed), the one written beside the text.
    attached = list(draft.iter_attachments())
    assert [(a.get_content_type(), a.get_filename()) for a in attached][:1] == [
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "催报_周村镇.docx")]
    assert attached[0].get_content()[:2] == b"PK"
    assert [a.get_filename() for a in attached[1:]] == (["催报_周村镇.pdf"] if shutil.which("soffice") else [])


def test_remind_to_the_mailbox_appends_only_drafts(pymap_server, tmp_path):
    config = remind_config(tmp_path)
    pymap_server.seed("Drafts", [])
    result = bairi("deadlines", SAMPLE_MBOX, "--as-of", "2024-02-10", "--remind", pymap_server.url(), "--config", config,
                   "--format", "json", "--no-ledger", password=pymap_server.password)
    assert result.exit_code == 1, result.output
    assert len(json.loads(result.stdout)["reminders"]) == 2
    drafts = pymap_server.messages("Drafts")
    assert sorted(parse(d)["To"] for _, d in drafts) == ["nanling@163.com", "zhoucun@163.com"]
    assert all("\\Draft" in f for f, _ in drafts)


# --- Dovecot: TLS, STARTTLS, SPECIAL-USE, ID ---------------------------------------------------------------

def test_imaps_with_a_certificate_trusted_through_the_system_store(dovecot_server, tmp_path):
    data, dates = sample_messages()
    dovecot_server.seed("INBOX", data[:10], dates=dates[:10])
    url = dovecot_server.url(scheme="imaps", port=dovecot_server.tls_port)
    out = tmp_path / "tls"
    result, doc = fetch_json(dovecot_server, out, url=url, env={"SSL_CERT_FILE": str(dovecot_server.cert)})
    assert result.exit_code == 0, result.output
    assert doc["fetched"] == 10 and sorted(f.read_bytes() for f in emls(out)) == sorted(data[:10])
    log = dovecot_server.log.read_text(errors="replace")
    assert "name=bairi" in log  # the ID command (RFC 2971), as 163.com requires
    assert "TLS" in log


@pytest.mark.parametrize("scheme", ["imaps", "imap"])
def test_a_certificate_the_system_does_not_trust_is_refused(dovecot_server, tmp_path, scheme):
    from imap_servers import make_certificate

    other, _ = make_certificate(tmp_path)  # a store that trusts some other certificate, not the server's
    port = dovecot_server.tls_port if scheme == "imaps" else dovecot_server.port
    result = bairi("fetch", dovecot_server.url(scheme=scheme, port=port), "-o", tmp_path / "x",
                   password=dovecot_server.password, env={"SSL_CERT_FILE": str(other), "SSL_CERT_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "服务器证书验证失败" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_starttls_on_plain_imap_and_the_standard_bodystructure(dovecot_server, tmp_path):
    book = write_return(tmp_path / "r.xlsx", filled_on=date(2023, 12, 20)).read_bytes()
    dovecot_server.seed("各镇/12月", [
        message([("巴公镇12月份百日攻坚报表.xlsx", book)], date="Wed, 20 Dec 2023 09:30:00 +0800", encoding="rfc2231"),
        message([("南村镇12月报表.xlsx", book)], date="Wed, 20 Dec 2023 10:30:00 +0800", encoding="rfc2047"),
        utf8_encoded("高都镇12月报表.xls", book),
        no_mail("周末聚餐"),
    ], dates=[datetime(2023, 12, 20, 9, 30, tzinfo=BEIJING)] * 4)
    out = tmp_path / "starttls"
    result, doc = fetch_json(dovecot_server, out, "各镇/12月", env={"SSL_CERT_FILE": str(dovecot_server.cert)})
    assert result.exit_code == 0, result.output
    assert (doc["fetched"], doc["skipped"], doc["folder"]) == (3, 1, "各镇/12月")
    names = sorted(a.name for f in emls(out) for a in read_eml(f))
    assert names == ["南村镇12月报表.xlsx", "巴公镇12月份百日攻坚报表.xlsx", "高都镇12月报表.xls"]
    logins = [line for line in dovecot_server.log.read_text(errors="replace").splitlines() if "Login: user=<county" in line]
    assert logins and all("TLS" in line for line in logins)
    assert all(not ({"\\Seen"} & flags) for flags in dovecot_server.flags("各镇/12月").values())


def test_drafts_go_to_the_special_use_drafts_folder(dovecot_server, tmp_path):
    book = bad_return(tmp_path)
    result = bairi("check", book, "--reply", dovecot_server.url(), password=dovecot_server.password,
                   env={"SSL_CERT_FILE": str(dovecot_server.cert)})
    assert result.exit_code == 1, result.output
    assert dovecot_server.messages("Drafts") == []  # the folder merely named Drafts is not the one flagged \Drafts
    [(flags, data)] = dovecot_server.messages("待发草稿")
    assert {"\\Draft", "\\Seen"} <= flags
    draft = parse(data)
    assert (draft["Subject"], draft["X-Unsent"], draft["From"]) == ("关于巴公镇12月报表退回修改的通知", "1", "county@163.com")
    bairi("check", book, "--reply", dovecot_server.url(), password=dovecot_server.password,
          env={"SSL_CERT_FILE": str(dovecot_server.cert)})
    assert len(dovecot_server.messages("待发草稿")) == 1  # found by its X-Bairi-Draft header: not added twice
    [attached] = list(draft.iter_attachments())
    assert (attached.get_filename(), attached.get_content()) == ("巴公镇12月份报表.xlsx", book.read_bytes())


def test_wrong_password_on_dovecot(dovecot_server, tmp_path):
    result = bairi("fetch", dovecot_server.url(), "-o", tmp_path / "x", password="wrong",
                   env={"SSL_CERT_FILE": str(dovecot_server.cert)})
    assert result.exit_code == 2 and "登录邮箱 county@163.com 失败" in result.output


def test_template_readme_documents_every_reply_variable(tmp_path):
    from bairi.check.rules import check_file
    from bairi.core.campaign import default_campaign
    from bairi.present.drafts import reply_context

    readme = (Path(__file__).parent.parent / "templates" / "README.md").read_text(encoding="utf-8")
    part = readme.split("## reply.txt.j2")[1].split("\n## ")[0]
    documented = {name for cell in re.findall(r"^\| (`[^|]+`) \|", part, re.MULTILINE) for name in re.findall(r"`(\w+)`", cell)}
    ret = check_file(bad_return(tmp_path), default_campaign())
    assert set(reply_context(ret, "x.xlsx", default_campaign(), date(2023, 12, 20))) == documented


def test_draft_files_stay_in_their_folder_and_never_overwrite_each_other(tmp_path):
    from bairi.present.drafts import Draft, message, write_drafts

    now = datetime(2023, 12, 20, tzinfo=BEIJING)
    names = ["退回_a/b.eml", "退回_a_b.eml", "退回_a:b.eml", "../../x.eml"]
    drafts = [Draft(n, "", [], "s", message("a@b.cn", [], "s", n, [], now)) for n in names]
    written = write_drafts(tmp_path / "out", drafts)
    assert [p.name for p in written] == ["退回_a_b.eml", "退回_a_b_2.eml", "退回_a_b_3.eml", "x.eml"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in written)
    assert [parse(p.read_bytes()).get_body(("plain",)).get_content().strip() for p in written] == names


def bodystructure(server, folder: str) -> list:
    """The server's own BODYSTRUCTURE of the latest message in a folder (its MIME parser, not Python's)."""
    imap = server.client()
    try:
        imap.select('"' + encode_folder(folder) + '"', readonly=True)
        _, data = imap.uid("FETCH", "*", "(BODYSTRUCTURE)")  # the latest
    finally:
        imap.logout()
    # imaplib splits literals out: (b'... {103}', b'<literal>'); put the answer back together as the server sent it.
    raw = b"".join(part[0] + b"\r\n" + part[1] if isinstance(part, tuple) else part for part in data if part)
    return parse_fetch(raw)["BODYSTRUCTURE"]


def decoded(value) -> str:
    from email.header import decode_header, make_header

    text = value.decode() if isinstance(value, bytes) else str(value)
    return str(make_header(decode_header(text)))


def file_name(params: list) -> str:
    """A file name from BODYSTRUCTURE parameters: plain, RFC 2047, or RFC 2231 as the server left it."""
    from email.utils import collapse_rfc2231_value, decode_rfc2231
    from urllib.parse import unquote

    pairs = {decoded(k).lower(): v.decode() for k, v in zip(params[::2], params[1::2])}
    for key in ("name", "filename"):
        if key in pairs:
            return decoded(pairs[key])
    pieces = [pairs[k] for k in sorted(pairs, key=lambda k: int(re.sub(r"\D", "", k) or 0)) if k.startswith(("filename*", "name*"))]
    joined = "".join(pieces)
    return unquote(joined.split("''", 1)[1]) if "''" in joined else collapse_rfc2231_value(decode_rfc2231(joined))


@pytest.mark.parametrize(("server", "drafts"), [("pymap_server", "Drafts"), ("dovecot_server", "待发草稿")])
def test_a_draft_appended_names_its_attachment_in_the_servers_bodystructure(server, drafts, request, tmp_path):
    imap = request.getfixturevalue(server)
    name = "泽州县冶金工贸行业安全生产百日攻坚冬季行动巴公镇工作报告表（12月）.xlsx"
    book = write_return(tmp_path / name, filled_on=date(2023, 12, 20), period=dict(PERIOD) | {"general_fixed": "正在整改"})
    if server == "pymap_server":
        imap.seed(drafts, [])
    env = {"SSL_CERT_FILE": str(imap.cert)} if imap.cert else None
    result = bairi("check", book, "--reply", imap.url(), password=imap.password, env=env)
    assert result.exit_code == 1, result.output
    assert f"{drafts}：" in result.output
    structure = bodystructure(imap, drafts)
    body, attached = structure[0], structure[1]
    assert [decoded(v).lower() for v in body[:2]] == ["text", "plain"]
    assert [decoded(v) for v in attached[:2]] == ["application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    assert file_name(attached[2]) == name  # Content-Type's name
    disposition = attached[8]
    if isinstance(disposition, list):  # Dovecot: ("attachment" ("filename*0*" … ))
        assert decoded(disposition[0]).lower() == "attachment" and file_name(disposition[1]) == name


def test_a_material_that_is_not_a_return_gets_no_reply_draft(tmp_path):
    from openpyxl import Workbook

    book = bad_return(tmp_path)
    lists = tmp_path / "巴公镇三清单.xlsx"
    workbook = Workbook()
    workbook.active.append(["序号", "问题清单", "责任清单", "整改清单"])
    workbook.active.append([1, "除尘系统未定期清理", "企业负责人", "12月底前"])
    workbook.save(lists)
    result = bairi("check", book, lists, "--reply", tmp_path / "退回", "--format", "json")
    # The 三清单 is told from a return by the one intake (D790) and not checked as one: one document, one draft.
    doc = json.loads(result.stdout)
    assert (Path(doc["file"]).name, doc["ok"], doc["reply"] is not None) == ("巴公镇12月份报表.xlsx", False, True)
    assert "巴公镇三清单.xlsx" in result.stderr
    assert [p.name for p in (tmp_path / "退回").iterdir()] == ["退回_巴公镇_2023-12.eml"]
