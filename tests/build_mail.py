"""Build real e-mail for tests with the standard library: .eml bytes and mbox mailboxes, Chinese attachment names."""

from __future__ import annotations

import base64
import mailbox
from email import encoders
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path


def encoded_word(text: str, charset: str = "gb2312") -> str:
    """RFC 2047 B-encoding as Chinese clients write it (GBK bytes labelled GB2312)."""
    codec = "gbk" if charset.lower() in ("gb2312", "gbk") else charset
    return f"=?{charset.upper()}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def message(attachments: list[tuple[str, bytes]], *, date: str | None, subject: str = "",
            sender: str = "town@163.com", encoding: str = "rfc2231") -> bytes:
    """One message with the given attachments.

    encoding="rfc2231": EmailMessage's own filename*= parameters (Thunderbird, Apple Mail);
    encoding="rfc2047": filename="=?GB2312?B?...?=" and an encoded subject (Foxmail, Outlook, 163 webmail).
    """
    if encoding == "rfc2231":
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = "zzyjyzg@163.com"
        msg["Subject"] = subject
        if date is not None:
            msg["Date"] = date
        msg.set_content("报表见附件。")
        for name, data in attachments:
            msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
        return msg.as_bytes()
    outer = MIMEMultipart()
    outer["From"] = sender
    outer["To"] = "zzyjyzg@163.com"
    outer["Subject"] = encoded_word(subject) if subject else ""
    if date is not None:
        outer["Date"] = date
    outer.attach(MIMEText("报表见附件。", "plain", "gbk"))
    for name, data in attachments:
        part = MIMEBase("application", "octet-stream", name=encoded_word(name))
        part.set_payload(data)
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=encoded_word(name))
        outer.attach(part)
    return outer.as_bytes()


def write_eml(path: Path, data: bytes) -> Path:
    """Save one message as an .eml file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    """Save messages into an mbox mailbox, in order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.mbox(str(path))
    try:
        for data in messages:
            box.add(data)
        box.flush()
    finally:
        box.close()
    return path
