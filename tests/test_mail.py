"""Mail as evidence: attachments read in memory with Date, From, Subject; Chinese names in every encoding."""

import base64
from datetime import datetime, timedelta, timezone

import pytest

from bairi.intake.discover import is_mail
from bairi.intake.mail import MailUnreadable, attachments, decode_words, parse_message, read_mail
from build_mail import encoded_word, message, write_eml, write_mbox

BEIJING = timezone(timedelta(hours=8))


def names(found):
    return [a.name for a in found]


def test_rfc2231_filename_subject_sender_and_date(tmp_path):
    data = message([("巴公镇12月份百日攻坚报表.xlsx", b"PK-1")], date="Mon, 25 Dec 2023 23:30:00 +0800",
                   subject="巴公镇12月份报表", sender="巴公镇应急管理中心 <BaGong@163.com>")
    assert b"filename*" in data  # really RFC 2231 on the wire
    [found] = read_mail(write_eml(tmp_path / "a.eml", data))
    assert (found.name, found.data, found.subject, found.sender, found.sender_name) == (
        "巴公镇12月份百日攻坚报表.xlsx", b"PK-1", "巴公镇12月份报表", "bagong@163.com", "巴公镇应急管理中心")
    assert found.sent == datetime(2023, 12, 25, 23, 30, tzinfo=BEIJING)
    assert found.source == "a.eml"


def test_rfc2047_gb2312_filename_and_subject(tmp_path):
    data = message([("大箕镇“百日攻坚”行动方案.doc", b"doc"), ("附件：犁川镇工作报告表(12月).xlsx", b"PK-2")],
                   date="Wed, 08 Nov 2023 10:00:00 +0800", subject="大箕镇行动方案", encoding="rfc2047")
    assert b"=?GB2312?B?" in data and b"filename*" not in data
    found = read_mail(write_eml(tmp_path / "b.eml", data))
    assert names(found) == ["大箕镇“百日攻坚”行动方案.doc", "附件：犁川镇工作报告表(12月).xlsx"]
    assert found[0].subject == "大箕镇行动方案"


def test_raw_8bit_gbk_filename_is_decoded():
    data = message([("x.xlsx", b"PK")], date="Wed, 08 Nov 2023 10:00:00 +0800", encoding="rfc2047")
    raw = data.replace(encoded_word("x.xlsx").encode(), "犁川镇11月.xlsx".encode("gbk"))
    assert names(attachments(parse_message(raw), "c.eml")) == ["犁川镇11月.xlsx"]


def test_encoded_words_split_inside_a_character_are_joined():
    text = "巴公镇".encode()
    first, second = base64.b64encode(text[:4]).decode(), base64.b64encode(text[4:]).decode()
    assert decode_words(f"=?utf-8?B?{first}?= =?utf-8?B?{second}?=.xlsx") == "巴公镇.xlsx"
    assert decode_words("=?gb2312?Q?=B0=CD=B9=AB?= 12月") == "巴公 12月"


def test_utc_date_and_missing_date(tmp_path):
    late = message([("a.xlsx", b"1")], date="Mon, 25 Dec 2023 16:30:00 +0000")
    none = message([("b.xlsx", b"2")], date=None)
    [with_date] = attachments(parse_message(late), "x")
    [without] = attachments(parse_message(none), "y")
    assert with_date.sent.astimezone(BEIJING) == datetime(2023, 12, 26, 0, 30, tzinfo=BEIJING)
    assert without.sent is None and without.date_raw == ""


def test_mbox_messages_are_numbered_in_order(tmp_path):
    box = write_mbox(tmp_path / "收件箱.mbox", [
        message([("巴公镇11月.xlsx", b"1")], date="Fri, 24 Nov 2023 09:00:00 +0800"),
        message([("南村镇11月.xlsx", b"2"), ("logo.png", b"img")], date="Sat, 25 Nov 2023 10:00:00 +0800",
                encoding="rfc2047"),
    ])
    found = read_mail(box)
    assert [(a.source, a.name) for a in found] == [
        ("收件箱.mbox#1", "巴公镇11月.xlsx"), ("收件箱.mbox#2", "南村镇11月.xlsx"), ("收件箱.mbox#2", "logo.png")]
    assert is_mail(box) and is_mail(tmp_path / "x.eml")


def test_forwarded_message_attachments_are_found():
    inner = message([("高都镇12月份工作报告表.xlsx", b"PK-3")], date="Tue, 19 Dec 2023 17:02:00 +0800")
    from email.message import EmailMessage

    outer = EmailMessage()
    outer["Subject"] = "转发：高都镇12月报表"
    outer["Date"] = "Wed, 20 Dec 2023 08:00:00 +0800"
    outer.set_content("转发")
    outer.add_attachment(parse_message(inner))
    [found] = attachments(parse_message(outer.as_bytes()), "fw.eml")
    assert (found.name, found.data, found.subject) == ("高都镇12月份工作报告表.xlsx", b"PK-3", "转发：高都镇12月报表")
    assert found.sent == datetime(2023, 12, 20, 8, 0, tzinfo=BEIJING)


def test_empty_eml_is_unreadable(tmp_path):
    path = tmp_path / "empty.eml"
    path.write_bytes(b"")
    with pytest.raises(MailUnreadable):
        read_mail(path)


def test_cst_in_a_date_header_is_china_time(tmp_path):
    from bairi.intake.mail import read_mail
    from build_mail import message, write_eml

    # Written by hand: the standard library would rewrite "CST" as -0600 on the way out.
    raw = message([("巴公镇12月.xlsx", b"x")], date="Mon, 25 Dec 2023 23:30:00 +0100")
    path = write_eml(tmp_path / "a.eml", raw.replace(b"23:30:00 +0100", b"23:30:00 CST"))
    (item,) = read_mail(path)
    assert item.sent.isoformat() == "2023-12-25T23:30:00+08:00"
