#!/usr/bin/env python3
"""Write sample_data/mail/campaign.mbox: the campaign's e-mails, whose Date headers say when each town sent what.

A plain file's modification time does not survive a git clone; a mail's Date header does, so
`bairi deadlines sample_data` gives the same answer on every machine. Every return under
sample_data/2023-11, 2023-12 and 2024-01 is attached byte for byte (the saved copies and the
mailbox then count once, on the mail's evidence); plans (行动方案) and summaries (工作总结) are
small .docx/.pdf documents made here. Some towns are late, some never send, one resubmits,
one sends the same file twice, some clocks say UTC.

Deterministic: fixed seed, fixed MIME boundaries, fixed mbox 'From ' lines, fixed zip times.
It also appends (or replaces) its own section of sample_data/README.md: exactly what
`bairi deadlines sample_data --as-of 2024-02-10` must report; tests/test_deadlines_cli.py checks it.

    python scripts/make_sample_mail.py
"""

from __future__ import annotations

import base64
import io
import mailbox
import random
import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email import encoders
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from bairi.core.campaign import default_campaign  # noqa: E402

SEED = 20231109
SAMPLE = ROOT / "sample_data"
MBOX = SAMPLE / "mail" / "campaign.mbox"
README = SAMPLE / "README.md"
KEEP_MARKER = "<!-- 以下内容不由 make_sample_data.py 生成，重新生成时保留 -->"
SECTION_START = "<!-- make_sample_mail.py: begin -->"
SECTION_END = "<!-- make_sample_mail.py: end -->"
AS_OF = date(2024, 2, 10)
BEIJING = timezone(timedelta(hours=8))
UTC = UTC
COUNTY = "zzyjyzg@163.com"

CAMPAIGN = default_campaign()
TOWNS = [u.name for u in CAMPAIGN.units]
ADDRESS = {town: f"zz{n:02d}yjzx@163.com" for n, town in enumerate(TOWNS, start=1)}


def bj(month: int, day: int, hour: int = 9, minute: int = 0, year: int | None = None) -> datetime:
    """A Beijing time in the campaign (Nov–Dec 2023, Jan–Feb 2024)."""
    return datetime(year or (2023 if month >= 11 else 2024), month, day, hour, minute, tzinfo=BEIJING)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A time written by a mail server whose clock says UTC."""
    return datetime(2023 if month >= 11 else 2024, month, day, hour, minute, tzinfo=UTC)


# --- what each town sent, and when --------------------------------------------------------------
# Returns are sent on their 填表日期 at a seeded office hour unless listed here.

RETURN_SENT: dict[str, datetime] = {
    "2023-11/南岭镇11月报表.xlsx": bj(11, 27, 10, 12),                       # filled 11-27: late 2 days
    "2023-11/柳树口镇报表202311.xlsx": utc(11, 25, 16, 30),                   # 11-26 00:30 Beijing: late 1 day
    "2023-11/周村镇冶金工贸百日攻坚工作报告表11月.xlsx": utc(11, 25, 15, 40),  # 11-25 23:40 Beijing: on time
    "2023-12/北义城镇2023-12百日攻坚.xlsx": bj(12, 25, 23, 30),               # 23:30 on the due day: on time
    "2023-12/巴公镇12月份百日攻坚报表.xlsx": utc(12, 25, 16, 30),             # 12-26 00:30 Beijing: late 1 day
    "2023-12/附件：大箕镇工作报告表(12月).xlsx": bj(12, 27, 16, 48),          # filled 12-27: late 2 days
    "2023-12/南岭镇工作报告表.xlsx": bj(12, 22, 11, 5),                       # no 填表日期; the subject says 12月
    "2023-12/陵川县崇文镇12月百日攻坚报表.xlsx": bj(12, 22, 15, 30),          # another county's town, sent here by mistake
    "2023-12/高都镇12月份工作报告表.xlsx": bj(12, 19, 17, 2),                 # on time, rejected ...
    "2023-12/高都镇12月份工作报告表（修改版）.xlsx": bj(12, 26, 9, 41),       # ... and resubmitted corrected
    "2024-01/金村镇一月份工作报告表.xlsx": bj(1, 29, 15, 20),                 # filled 01-29: late 4 days
    "2024-01/犁川镇1月.xlsx": bj(1, 22, 10, 30),                              # 填表日期 typed as 2023-01-22
    "2024-01/柳树口镇报表202401.xlsx": bj(1, 25, 11, 0),                      # the blank template sent back
}
# The same file sent a second time the next day ("没收到的话再发一遍").
SENT_TWICE = {"2023-12/下村镇12月百日攻坚报表.xls": bj(12, 19, 8, 50)}
# A town's return sent from another town's mailbox (a shared office): flagged, counted for the 填报单位.
SENT_BY = {"2024-01/晋庙铺镇百日攻坚工作报告表2024.1.ods": "金村镇"}
SUBJECT_MONTH = {"2023-11": "11月份", "2023-12": "12月份", "2024-01": "1月份"}

# Plans (due 2023-11-09) and summaries (due 2024-02-06): town → (sent, attachment name). None: never sent.
PLANS: dict[str, tuple[datetime, str] | None] = {
    "南村镇": (bj(11, 9, 23, 50), "南村镇百日攻坚冬季行动方案.docx"),
    "下村镇": (bj(11, 7, 16, 20), "下村镇百日攻坚冬季行动方案.docx"),
    "大东沟镇": (bj(11, 8, 10, 5), "大东沟镇百日攻坚冬季行动方案.docx"),
    "周村镇": (bj(11, 8, 15, 33), "周村镇“百日攻坚”冬季行动方案.docx"),
    "犁川镇": (utc(11, 9, 17, 20), "犁川镇百日攻坚冬季行动方案.docx"),   # 11-10 01:20 Beijing: late 1 day
    "晋庙铺镇": (bj(11, 8, 9, 12), "晋庙铺镇百日攻坚冬季行动方案.docx"),
    "金村镇": (bj(11, 9, 11, 45), "行动方案.docx"),                      # town only in the subject
    "高都镇": (bj(11, 7, 17, 58), "高都镇百日攻坚冬季行动方案.docx"),
    "巴公镇": (bj(11, 8, 14, 0), "巴公镇人民政府百日攻坚冬季行动方案.docx"),
    "大阳镇": (bj(11, 9, 8, 40), "大阳镇百日攻坚冬季行动方案.pdf"),
    "山河镇": (bj(11, 13, 10, 15), "山河镇百日攻坚冬季行动方案.docx"),   # late 4 days
    "大箕镇": (bj(11, 8, 16, 30), "大箕镇百日攻坚冬季行动方案.docx"),
    "柳树口镇": (bj(11, 9, 17, 45), "柳树口镇百日攻坚冬季行动方案.docx"),
    "北义城镇": None,
    "川底镇": (bj(11, 8, 11, 20), "川底乡百日攻坚冬季行动实施方案.docx"),  # the old name 川底乡
    "南岭镇": (bj(11, 9, 9, 55), "南岭镇百日攻坚冬季行动方案.docx"),
}
SUMMARIES: dict[str, tuple[datetime, str] | None] = {
    "南村镇": (bj(2, 5, 16, 10), "南村镇百日攻坚冬季行动工作总结.docx"),
    "下村镇": (bj(2, 6, 10, 30), "下村镇百日攻坚冬季行动工作总结.docx"),
    "大东沟镇": (bj(2, 4, 9, 15), "大东沟镇百日攻坚冬季行动工作总结.docx"),
    "周村镇": (bj(2, 6, 17, 50), "周村镇百日攻坚冬季行动工作总结.docx"),
    "犁川镇": (bj(2, 5, 11, 0), "犁川镇百日攻坚冬季行动工作总结.docx"),
    "晋庙铺镇": (bj(2, 2, 15, 40), "晋庙铺镇百日攻坚冬季行动工作总结.docx"),
    "金村镇": (bj(2, 6, 9, 5), "金村镇百日攻坚冬季行动工作总结.docx"),
    "高都镇": (utc(2, 6, 16, 5), "高都镇百日攻坚冬季行动工作总结.docx"),  # 02-07 00:05 Beijing: late 1 day
    "巴公镇": (bj(2, 5, 14, 25), "巴公镇百日攻坚冬季行动工作总结.docx"),
    "大阳镇": (bj(2, 8, 10, 0), "大阳镇百日攻坚冬季行动工作总结.pdf"),   # late 2 days
    "山河镇": (bj(2, 6, 16, 0), "山河镇百日攻坚冬季行动工作总结.docx"),
    "大箕镇": (bj(2, 3, 10, 45), "大箕镇百日攻坚冬季行动工作总结.docx"),
    "柳树口镇": None,
    "北义城镇": (bj(2, 6, 11, 30), "北义城镇百日攻坚冬季行动工作总结.docx"),
    "川底镇": None,
    "南岭镇": (bj(2, 5, 15, 15), "南岭镇百日攻坚冬季行动工作总结.docx"),
}

# What the returns themselves say (documented by make_sample_data.py's README; checked by the test).
OPEN_HAZARD_TOWNS = ["南村镇", "下村镇", "山河镇"]

# Each month the notice also asks for the 阶段性进展 and the 问题、整改、责任“三清单”, sent with the return.
# Some towns forget one or both: (town, period) → what they left out.
WITHOUT: dict[tuple[str, str], tuple[str, ...]] = {
    ("犁川镇", "2023-11"): ("progress", "lists"), ("犁川镇", "2023-12"): ("progress", "lists"),
    ("犁川镇", "2024-01"): ("progress", "lists"),
    ("大东沟镇", "2023-12"): ("lists",),
    ("山河镇", "2024-01"): ("progress",),
}
# The typical enforcement case each town must report once (通知：各镇行动期间至少上报1个典型案例).
CASES: dict[str, datetime | None] = {
    "南村镇": bj(12, 12, 10, 0), "下村镇": bj(12, 20, 15, 30), "大东沟镇": bj(1, 10, 9, 20), "周村镇": bj(12, 28, 11, 0),
    "犁川镇": None, "晋庙铺镇": bj(1, 18, 16, 0), "金村镇": bj(1, 30, 10, 40), "高都镇": bj(12, 5, 9, 45),
    "巴公镇": bj(11, 30, 14, 10), "大阳镇": bj(1, 16, 11, 25), "山河镇": bj(2, 2, 9, 0), "大箕镇": bj(12, 22, 17, 0),
    "柳树口镇": None, "北义城镇": bj(1, 24, 15, 0), "川底镇": bj(2, 9, 10, 10), "南岭镇": bj(1, 5, 8, 50),
}
# A return sent as a photo of the printed form instead of the workbook: it arrived, but cannot be read.
PHOTOS: dict[tuple[str, str], datetime] = {("川底镇", "2024-01"): bj(1, 24, 17, 35)}
NO_CASE_TOWNS = [t for t, sent in CASES.items() if sent is None]


# --- documents ----------------------------------------------------------------------------------

_ZIP_TIME = (2023, 11, 1, 0, 0, 0)


def docx(paragraphs: list[str]) -> bytes:
    """A minimal, valid Word document (deterministic bytes)."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>'),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text.encode("utf-8"))
    return out.getvalue()


def pdf(title: str) -> bytes:
    """A minimal one-page PDF (the text is ASCII: a real one would embed a Chinese font)."""
    stream = f"BT /F1 14 Tf 72 720 Td ({title}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def jpeg() -> bytes:
    """A tiny JPEG (the photo of a printed return: bairi cannot read it, only see that it came)."""
    return bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + bytes(64) + bytes.fromhex("ffd9")


WORDS = {"progress": "阶段性进展情况", "lists": "问题、整改、责任“三清单”", "case": "重大隐患执法典型案例"}


def document(town: str, kind: str, name: str) -> bytes:
    """The plan, summary, progress report, three lists or case write-up itself."""
    if kind in WORDS:
        return docx([f"{town}安全生产“百日攻坚”冬季行动{WORDS[kind]}", Path(name).stem, f"{town}应急管理中心",
                     "一、基本情况", "二、具体内容"])
    title = f"{town}安全生产“百日攻坚”冬季行动{'工作总结' if kind == 'summary' else '方案'}"
    if name.endswith(".pdf"):
        return pdf(f"Zezhou county winter campaign {kind}")
    lines = [title, f"{town}应急管理中心", "一、总体要求", "二、组织领导", "三、工作安排", "四、主要任务", "五、工作要求"]
    if kind == "summary":
        lines = [title, f"{town}应急管理中心", "一、工作开展情况", "二、取得的成效", "三、存在的问题", "四、下步打算"]
    return docx(lines)


# --- mail ---------------------------------------------------------------------------------------


def encoded_word(text: str) -> str:
    """RFC 2047 as Foxmail and Outlook write Chinese names: GBK bytes labelled GB2312."""
    return f"=?GB2312?B?{base64.b64encode(text.encode('gbk')).decode()}?="


@dataclass
class Mail:
    """One message to write."""

    sent: datetime
    town: str  # the sending mailbox's town ("" for strangers)
    subject: str
    attachments: list[tuple[str, bytes]]
    sender: str = ""
    counts_for: tuple[str, str] | None = None  # (town, deadline key) this mail delivers, by design


def render(mail: Mail, number: int, style: str) -> bytes:
    """The message bytes: 'rfc2231' (UTF-8 filename*=) or 'rfc2047' (GB2312 encoded words, Foxmail-style)."""
    boundary = f"=_bairi_sample_{number:03d}"
    name = f"{mail.town}应急管理中心" if mail.town else "崇文镇应急办"
    address = mail.sender or ADDRESS.get(mail.town, "")
    stamp = format_datetime(mail.sent)
    message_id = f"<sample-{number:03d}@mail.zezhou.example>"
    if style == "rfc2231":
        msg = EmailMessage()
        msg["From"] = f"{name} <{address}>"
        msg["To"] = COUNTY
        msg["Subject"] = mail.subject
        msg["Date"] = stamp
        msg["Message-ID"] = message_id
        msg.set_content(f"{mail.subject}，请查收。\n{name}\n")
        for filename, data in mail.attachments:
            msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
        msg.set_boundary(boundary)
        return msg.as_bytes()
    outer = MIMEMultipart(boundary=boundary)
    outer["From"] = f"{encoded_word(name)} <{address}>"
    outer["To"] = COUNTY
    outer["Subject"] = encoded_word(mail.subject)
    outer["Date"] = stamp
    outer["Message-ID"] = message_id
    outer.attach(MIMEText(f"{mail.subject}，请查收。\n{name}\n", "plain", "gbk"))
    for filename, data in mail.attachments:
        part = MIMEBase("application", "octet-stream", name=encoded_word(filename))
        part.set_payload(data)
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=encoded_word(filename))
        outer.attach(part)
    return outer.as_bytes()


def return_files() -> list[Path]:
    """Every return under sample_data's period folders, in a stable order."""
    found = []
    for folder in ("2023-11", "2023-12", "2024-01"):
        found += sorted(p for p in (SAMPLE / folder).iterdir() if p.is_file() and not p.name.startswith("."))
    return found


def mails(rng: random.Random) -> list[Mail]:
    """Every message of the campaign, in the order they arrived."""
    from bairi.read.reader import read_return

    out: list[Mail] = []
    for path in return_files():
        key = f"{path.parent.name}/{path.name}"
        ret = read_return(path, CAMPAIGN)
        town = ret.town or ""
        sent = RETURN_SENT.get(key)
        if sent is None:
            day = ret.filled_on
            if day is None:
                raise SystemExit(f"{key}: 没有填表日期，请在 RETURN_SENT 中指定发送时间")
            sent = datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=BEIJING)
        month = SUBJECT_MONTH[path.parent.name]
        who = "陵川县崇文镇" if not town else town
        subject = f"{who}{month}百日攻坚工作报告表"
        if "修改版" in path.name:
            subject = f"{who}{month}百日攻坚工作报告表（修改后重新报送）"
        data = path.read_bytes()
        sender_town = SENT_BY.get(key, town)
        counts = (town, path.parent.name) if town else None
        attached = [(path.name, data)]
        if town and "修改版" not in path.name:
            left_out = WITHOUT.get((town, path.parent.name), ())
            for kind, word in (("progress", "阶段性进展"), ("lists", "三清单")):
                if kind not in left_out:
                    name = f"{town}{month}{word}.docx"
                    attached.append((name, document(town, kind, name)))
        out.append(Mail(sent, sender_town, subject, attached,
                        sender="" if town else "cwzyjb@163.com", counts_for=counts))
        if key in SENT_TWICE:
            out.append(Mail(SENT_TWICE[key], town, f"（重发）{subject}", [(path.name, data)], counts_for=counts))
    for (town, period), sent in PHOTOS.items():
        month = SUBJECT_MONTH[period]
        out.append(Mail(sent, town, f"{town}{month}百日攻坚工作报告表", [(f"{town}{month}报表.jpg", jpeg())],
                        counts_for=(town, period)))
    for town, sent in CASES.items():
        if sent is not None:
            name = f"{town}重大隐患执法典型案例.docx"
            out.append(Mail(sent, town, f"{town}报送重大隐患执法典型案例", [(name, document(town, "case", name))],
                            counts_for=(town, "case")))
    for kinds, word in ((PLANS, "百日攻坚冬季行动方案"), (SUMMARIES, "百日攻坚冬季行动工作总结")):
        kind = "plan" if kinds is PLANS else "summary"
        for town, entry in kinds.items():
            if entry is None:
                continue
            sent, name = entry
            out.append(Mail(sent, town, f"{town}{word}", [(name, document(town, kind, name))], counts_for=(town, kind)))
    return sorted(out, key=lambda m: (m.sent.astimezone(UTC), m.subject))


def write_mbox(messages: list[Mail]) -> None:
    """Write the mailbox from scratch, deterministically."""
    MBOX.parent.mkdir(parents=True, exist_ok=True)
    temp = MBOX.with_name(MBOX.name + ".tmp")
    if temp.exists():
        temp.unlink()
    box = mailbox.mbox(str(temp))
    try:
        for number, mail in enumerate(messages, start=1):
            style = "rfc2047" if number % 2 else "rfc2231"
            message = mailbox.mboxMessage(render(mail, number, style))
            # A fixed envelope line (mailbox would stamp the current time).
            message.set_from(mail.sender or ADDRESS.get(mail.town, "unknown"), mail.sent.astimezone(UTC).timetuple())
            box.add(message)
        box.flush()
    finally:
        box.close()
    temp.replace(MBOX)


# --- the expected answer ------------------------------------------------------------------------


def expected(messages: list[Mail]) -> dict[str, dict[str, list[str]]]:
    """Per deadline: the towns in each state as of AS_OF, from what was sent and when, by the rules README.md
    states (the first acceptable copy fixes the time; only sent-back copies: 退回; unreadable: 待核实;
    on time but without the 阶段性进展 or 三清单 once the day is past: 缺件)."""
    from bairi.check.rules import check_file

    good: dict[tuple[str, str], date] = {}
    sent_back: set[tuple[str, str]] = set()
    unreadable: set[tuple[str, str]] = set()
    extras: dict[tuple[str, str], set[str]] = {}
    for mail in messages:
        if mail.counts_for is None:
            continue  # another county's file counts for nobody
        day = mail.sent.astimezone(BEIJING).date()
        key = mail.counts_for
        for name, _ in mail.attachments:
            if "阶段性进展" in name:
                extras.setdefault(key, set()).add("progress")
            elif "三清单" in name:
                extras.setdefault(key, set()).add("lists")
        first_name = mail.attachments[0][0]
        if first_name.endswith(".jpg"):
            unreadable.add(key)
            continue
        if first_name.endswith((".xlsx", ".xls", ".ods")):
            path = next(p for p in return_files() if p.name == first_name)
            if not check_file(path, CAMPAIGN).ok:
                sent_back.add(key)
                continue
        good[key] = min(day, good.get(key, day))
    dues = {"plan": CAMPAIGN.plan_due, "summary": CAMPAIGN.summary_due, "case": CAMPAIGN.cases_due,
            **{p.period: p.due for p in CAMPAIGN.periods}}
    result = {}
    for key in KEYS:
        due = dues[key]
        states: dict[str, list[str]] = {"late": [], "rejected": [], "missing": [], "to_verify": [], "incomplete": []}
        for town in TOWNS:
            if (town, key) in good:
                day = good[(town, key)]
                if day > due:
                    states["late"].append(f"{town}（{(day - due).days}天）")
                elif key in SUBJECT_MONTH and extras.get((town, key), set()) != {"progress", "lists"}:
                    lacking = [w for k, w in (("progress", "阶段性进展"), ("lists", "三清单"))
                               if k not in extras.get((town, key), set())]
                    states["incomplete"].append(f"{town}（缺{'、'.join(lacking)}）")
            elif (town, key) in unreadable:
                states["to_verify"].append(town)
            elif (town, key) in sent_back:
                states["rejected"].append(town)
            elif AS_OF > due:
                states["missing"].append(town)
        result[key] = states
    return result


KEYS = ("plan", "2023-11", "2023-12", "2024-01", "summary", "case")
LABELS = {"plan": "行动方案（11月9日前）", "2023-11": "2023年11月报表（11月25日前）",
          "2023-12": "2023年12月报表（12月25日前）", "2024-01": "2024年1月报表（1月25日前）",
          "summary": "工作总结（2024年2月6日前）", "case": "重大隐患执法典型案例（行动结束前）"}


def section(messages: list[Mail]) -> str:
    """The README section: what the mailbox holds and what `bairi deadlines` must say about it."""
    rows = []
    for key, states in expected(messages).items():
        cells = " | ".join("、".join(states[s]) or "—" for s in ("late", "rejected", "missing", "to_verify", "incomplete"))
        rows.append(f"| `{key}` | {LABELS[key]} | {cells} |")
    table = "\n".join(rows)
    return f"""{SECTION_START}
## 邮件：各镇何时报送了什么（`mail/campaign.mbox`）

由 `python scripts/make_sample_mail.py` 生成（随机种子 {SEED}，可重复运行，输出逐字节相同）。邮箱中共 {len(messages)} 封邮件，
按到达顺序排列：各镇的月报表（上面三个文件夹中的文件原样作为附件，大多附有阶段性进展和“三清单”）、行动方案、
重大隐患执法典型案例和工作总结（.docx，大阳镇为 .pdf）。
文件的修改时间在 git clone 后会变，邮件的 Date 头不会变，所以 `bairi deadlines` 对本目录在任何机器上结果相同：
文件夹中的报表与邮件附件内容相同（sha256 一致），按邮件的收到时间计。重新运行 `make_sample_data.py` 后请再运行本脚本。

附件名一半按 RFC 2231（UTF-8，Thunderbird 等）、一半按 RFC 2047（`=?GB2312?B?…?=`，Foxmail、Outlook 等）编码。
有意安排的情形：

- 时区：巴公镇 12 月报表的 Date 头为 `Mon, 25 Dec 2023 16:30:00 +0000`，即北京时间 12 月 26 日 00:30，逾期 1 天；
  北义城镇 12 月报表 `Mon, 25 Dec 2023 23:30:00 +0800`，截止当天，按时。同理柳树口镇 11 月报表（逾期 1 天）、
  周村镇 11 月报表（北京时间 11 月 25 日 23:40，按时）、犁川镇行动方案（逾期 1 天）、高都镇工作总结（逾期 1 天）。
- 重报：高都镇 12 月 12 月 19 日报送（检查未通过，退回），12 月 26 日重报修改版：按第一份合格的（修改版）计时间和数字，
  迟报 1 天，并提示退回和重报（`sent_back_keeps_time = true` 时按第一份计，按时）。
- 同一文件发两次：下村镇 12 月报表（内容相同，只计一次，按第一次）。
- 只报了检查未通过的报表、没有补报的，为“退回”：南岭镇 11 月、周村镇 12 月、金村镇 12 月、大箕镇 12 月、南岭镇 12 月、
  南村镇 1 月、柳树口镇 1 月（空表）。
- 川底镇 1 月报表发来的是照片（.jpg）：收到但无法读取，为“待核实”，不是“未报”。
- 阶段性进展和“三清单”：犁川镇每月都没有报，大东沟镇 12 月缺“三清单”，山河镇 1 月缺阶段性进展：截止日过后为“缺件”。
- 南岭镇 12 月报表自身无法确定报告期，按邮件主题“12月份”计入 12 月。
- 金村镇行动方案附件名只写“行动方案.docx”，按邮件主题识别为金村镇；川底镇方案用旧名“川底乡”。
- 晋庙铺镇 1 月报表从金村镇的邮箱发出：按填报单位计为晋庙铺镇，并提示“同一文件指向不同的镇”。
- 陵川县崇文镇的报表误发到本县：不计入任何镇，提示无法识别。

`bairi deadlines sample_data --as-of 2024-02-10` 应列出的各镇状态（迟报括号内为迟报天数），不多不少
（`tests/test_deadlines_cli.py` 读取本表核对；命令退出码为 1）：

| deadline | 材料（截止） | 迟报 | 退回 | 未报 | 待核实 | 缺件 |
|---|---|---|---|---|---|---|
{table}

其余镇均为已报（按时）。同一命令还应列出：

- 重大隐患逾期未整改（12 月底后，各镇最新报表累计排查多于已整改）：{"、".join(OPEN_HAZARD_TOWNS)}；
- 行动结束时仍未上报重大隐患执法典型案例的镇：{"、".join(NO_CASE_TOWNS)}。

```bash
bairi deadlines sample_data --as-of 2024-02-10                 # 各镇 × 各项材料的报送情况
bairi deadlines sample_data --as-of 2024-02-10 --remind 催报    # 并为每个仍欠材料（未报、退回、缺件）的镇写一份催报通知
```
{SECTION_END}
"""


def write_readme(text: str) -> None:
    """Put the section after the keep-marker, replacing an earlier version of it."""
    readme = README.read_text(encoding="utf-8") if README.exists() else ""
    pattern = re.compile(re.escape(SECTION_START) + r".*?" + re.escape(SECTION_END) + r"\n?", re.S)
    if pattern.search(readme):
        readme = pattern.sub(lambda _m: text, readme)
    else:
        if KEEP_MARKER not in readme:
            readme = readme.rstrip("\n") + "\n\n" + KEEP_MARKER + "\n"
        readme = readme.rstrip("\n") + "\n\n" + text
    README.write_text(readme, encoding="utf-8")


def main() -> None:
    """Write the mailbox and the README section."""
    if not any((SAMPLE / f).is_dir() for f in ("2023-11", "2023-12", "2024-01")):
        raise SystemExit("sample_data/ 中还没有报表；请先运行 scripts/make_sample_data.py")
    rng = random.Random(SEED)
    messages = mails(rng)
    write_mbox(messages)
    write_readme(section(messages))
    print(f"已写出 {MBOX.relative_to(ROOT)}（{len(messages)} 封邮件），并更新 {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
