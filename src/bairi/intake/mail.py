"""E-mail as evidence: .eml files and .mbox mailboxes → attachments in memory, with Date, From and Subject.

Headers are decoded by hand (RFC 2047 encoded words, RFC 2231 parameters, raw 8-bit GBK) because
Chinese mail clients mislabel charsets (GB2312 for GBK text) and quote encoded words where the
standard does not allow them; the standard library's strict decoders would turn such names into
replacement characters.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import Message

# The email package and mailbox are imported where a mail is actually read: `merge` asks is_mail() of every
# input, and most inputs are plain spreadsheets (importing them costs 13 ms).

MAIL_SUFFIXES = (".eml", ".mbox", ".mbx")


class MailUnreadable(Exception):
    """A mail file that cannot be opened or parsed at all."""


@dataclass(frozen=True)
class Attachment:
    """One attached file of one message, held in memory."""

    name: str
    data: bytes
    sent: datetime | None  # the Date header, timezone-aware; None when absent or unparseable
    date_raw: str
    sender: str  # the address, lower case
    sender_name: str
    subject: str
    source: str  # e.g. campaign.mbox#3 or 巴公镇.eml
    message_id: str


# Chinese clients label GBK (and GB18030) text as GB2312; GB18030 decodes all three.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "hz-gb-2312": "hz", "big5-hkscs": "big5hkscs"}


def _codec(charset: str | None) -> str:
    name = (charset or "utf-8").strip().strip('"').lower()
    return _CHARSET_ALIASES.get(name, name)


def _bytes_to_text(raw: bytes, charset: str | None = None) -> str:
    """Bytes in a declared (or guessed) charset → text; never raises."""
    tried = [_codec(charset)] if charset else []
    for codec in (*tried, "utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", errors="replace")


def _unescape_8bit(text: str) -> str:
    """Header text parsed from bytes keeps raw 8-bit bytes as surrogates; decode them (UTF-8 or GBK)."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return _bytes_to_text(text.encode("utf-8", errors="surrogateescape"))


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words (=?charset?B?...?=) anywhere in `text`, tolerating bad charsets."""
    text = _unescape_8bit(text or "")
    # Whitespace between adjacent encoded words is not part of the text (RFC 2047 §6.2).
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    pieces: list[str] = []
    pending = b""
    pending_charset: str | None = None
    last = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            pieces.append(_bytes_to_text(pending, pending_charset))
        pending, pending_charset = b"", None

    for match in _ENCODED_WORD.finditer(text):
        if match.start() > last:
            flush()
            pieces.append(text[last:match.start()])
        charset = match[1].split("*")[0]
        payload = match[3]
        try:
            if match[2] in "bB":
                raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
            else:
                raw = quopri.decodestring(payload.replace("_", " ").encode("ascii", errors="replace"), header=True)
        except (binascii.Error, ValueError):
            raw = match[0].encode("ascii", errors="replace")
        # Clients split one multi-byte character across two encoded words; join bytes before decoding.
        if pending and _codec(charset) != _codec(pending_charset):
            flush()
        pending += raw
        pending_charset = charset
        last = match.end()
    flush()
    pieces.append(text[last:])
    return "".join(pieces)


def _raw(message: Message, name: str) -> str | None:
    """A header's value as sent (8-bit bytes decoded), before RFC 2047 decoding; None when absent."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return _unescape_8bit(str(value))
    return None


def _header(message: Message, name: str) -> str:
    value = _raw(message, name)
    if value is None:
        return ""
    return decode_words(value).replace("\r", "").replace("\n", "").strip()


def _filename(part: Message) -> str:
    """The attachment's file name from Content-Disposition or Content-Type, decoded."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = _raw(part, header)
        if raw is None:
            continue
        # A scratch message parses the parameters of the 8-bit-decoded header text.
        from email.message import Message as Blank

        scratch = Blank()
        scratch[header] = raw
        value = scratch.get_param(param, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text as latin-1)
            charset, _language, text = value
            encoded = text.encode("latin-1", errors="surrogateescape") if isinstance(text, str) else bytes(text)
            name = _bytes_to_text(encoded, charset or None)
        else:
            name = str(value)
        name = decode_words(name.strip().strip('"'))
        if name:
            return name
    return ""


def _safe_name(name: str) -> str:
    """A name to show and classify by: no folders, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()


def _sent(message: Message) -> tuple[datetime | None, str]:
    raw = _header(message, "Date")
    if not raw:
        return None, ""
    # Chinese mail clients write "CST" for China Standard Time; RFC 5322 would read it as US Central.
    text = re.sub(r"\bCST\b", "+0800", raw) if not re.search(r"[+-]\d{4}", raw) else raw
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, raw
    if when is None:
        return None, raw
    if when.tzinfo is None:
        # RFC 5322: "-0000" means the time is UTC with no local offset known.
        when = when.replace(tzinfo=UTC)
    return when, raw


def attachments(message: Message, source: str, keep: Callable[[str], bool] | None = None) -> list[Attachment]:
    """Every attached file of a parsed message (forwarded messages included), in order.

    `keep(name)` may skip attachments by name before their bytes are decoded (photos, logos).
    """
    sent, date_raw = _sent(message)
    from email.utils import getaddresses

    senders = getaddresses([_header(message, "From")])
    sender_name, sender = senders[0] if senders else ("", "")
    subject = _header(message, "Subject")
    message_id = _header(message, "Message-ID")
    found: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = _safe_name(_filename(part))
        disposition = (part.get_content_disposition() or "").lower()
        if not name and disposition != "attachment":
            continue
        if keep is not None and not keep(name):
            continue
        try:
            data = part.get_payload(decode=True)
        except (ValueError, TypeError, binascii.Error):
            data = None
        if not isinstance(data, bytes):
            continue
        found.append(Attachment(name or "（未命名附件）", data, sent, date_raw, sender.strip().lower(),
                                sender_name.strip(), subject, source, message_id))
    if not found:
        # No file attached, but a cloud-drive or large-attachment link in the text: the town did send something,
        # which bairi cannot open. It stands as a ".url" receipt, named by the subject, so that it is 待核实.
        link = _cloud_link(message)
        if link and (keep is None or keep("网盘链接.url")):
            found.append(Attachment(f"{_safe_name(subject) or '网盘链接'}.url", link.encode("utf-8"), sent, date_raw,
                                    sender.strip().lower(), sender_name.strip(), subject, source, message_id))
    return found


# Where towns' offices park files too big (or too awkward) to attach: 网盘 and webmail's 超大附件.
_CLOUD = re.compile(r"https?://(?:[\w-]+\.)*(?:pan\.baidu\.com|yun\.baidu\.com|weiyun\.com|aliyundrive\.com|alipan\.com|"
                    r"quark\.cn|lanzou[a-z]*\.com|caiyun\.139\.com|cloud\.189\.cn|115\.com|(?:mail|dashi)\.163\.com/"
                    r"[^\s\"'<>]*(?:large|attach|download)|wx\.mail\.qq\.com/ftn)[^\s\"'<>]*", re.I)


def _cloud_link(message: Message) -> str:
    """The first cloud-drive or large-attachment link in the message's text parts, or ''."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        try:
            payload = part.get_payload(decode=True)
        except (ValueError, TypeError, binascii.Error):
            continue
        if isinstance(payload, bytes):
            match = _CLOUD.search(_bytes_to_text(payload, part.get_content_charset()))
            if match:
                return match[0]
    return ""


def parse_message(data: bytes) -> Message:
    """Bytes of one message → a Message with raw (undecoded) headers."""
    from email import policy
    from email.parser import BytesParser

    return BytesParser(policy=policy.compat32).parsebytes(data)


def is_mbox(path: Path) -> bool:
    """True when the file is an mbox mailbox (by suffix, or starting with a 'From ' line)."""
    if path.suffix.lower() in (".mbox", ".mbx"):
        return True
    if path.suffix:
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def is_mail(path: Path) -> bool:
    """True for .eml files and mbox mailboxes."""
    return path.suffix.lower() == ".eml" or is_mbox(path)


def read_eml(path: Path, label: str | None = None, keep: Callable[[str], bool] | None = None) -> list[Attachment]:
    """The attachments of one .eml file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MailUnreadable(exc.strerror or type(exc).__name__) from None
    if not data.strip():
        raise MailUnreadable("文件为空")
    return attachments(parse_message(data), label or Path(path).name, keep)


def read_mbox(path: Path, label: str | None = None, keep: Callable[[str], bool] | None = None) -> list[Attachment]:
    """The attachments of every message in an mbox mailbox; the source names the message number."""
    import mailbox

    label = label or Path(path).name
    try:
        box = mailbox.mbox(str(path), create=False)
        keys = list(box.keys())
    except (OSError, mailbox.Error) as exc:
        raise MailUnreadable(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__) from None
    found: list[Attachment] = []
    try:
        for number, key in enumerate(keys, start=1):
            found.extend(attachments(parse_message(box.get_bytes(key)), f"{label}#{number}", keep))
    finally:
        box.close()
    return found


def read_mail(path: Path, label: str | None = None, keep: Callable[[str], bool] | None = None) -> list[Attachment]:
    """The attachments of a mail file, .eml or mbox."""
    return read_mbox(path, label, keep) if is_mbox(path) else read_eml(path, label, keep)
