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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from bairi.intake.discover import is_mbox

if TYPE_CHECKING:
    from email.message import Message

# The email package and mailbox are imported where a mail is actually read: `merge` asks is_mail() of every
# input, and most inputs are plain spreadsheets (importing them costs 13 ms).


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
    # The Received lines, topmost (last added) first: (the "by" clause, its time, the line as sent).
    relays: tuple[Relay, ...] = ()
    zoneless: bool = False  # the Date header names no time zone: `sent` is naive, read in the campaign's zone
    problem: str = ""  # a part that carries data but cannot be opened (a broken winmail.dat), or a link: why
    service: str = ""  # a link instead of a file: the service it points to


@dataclass(frozen=True)
class Relay:
    """One Received header: which server added it (its "by" clause) and when."""

    by: str
    when: datetime | None
    raw: str


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


# Patterns stay strings, compiled by re's cache when a mail is read: most runs read none.
_ENCODED_WORD = r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?="
_BETWEEN_WORDS = r"(\?=)\s+(=\?)"


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words (=?charset?B?...?=) anywhere in `text`, tolerating bad charsets."""
    text = _unescape_8bit(text or "")
    # Whitespace between adjacent encoded words is not part of the text (RFC 2047 §6.2).
    text = re.sub(_BETWEEN_WORDS, r"\1\2", text)
    pieces: list[str] = []
    pending = b""
    pending_charset: str | None = None
    last = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            pieces.append(_bytes_to_text(pending, pending_charset))
        pending, pending_charset = b"", None

    for match in re.finditer(_ENCODED_WORD, text):
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


# Zones as clients write them beside RFC 5322's "+0800": GMT+0800, GMT+8, UTC+08:00 (JavaScript, Outlook on the web,
# hand-rolled PHP and Java mailers), and "+08:00" (ISO 8601).
_ZONE_WORDS = r"(?i)\b(?:GMT|UTC|UT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?(?!\d)"
_COLON_ZONE = r"([+-])(\d{2}):(\d{2})$"
_NUMERIC_ZONE = r"(?<![\d:])[+-]\d{4}$|(?<=\s)[+-]\d{4}(?=\s|$)"
_NAMED_ZONE = r"(?i)\b(?:GMT|UTC|UT|Z|[ECMP][SD]T)\s*$"


def parse_date(raw: str) -> tuple[datetime | None, bool]:
    """A mail date as clients really write it → (moment, zoneless). A date that names no zone comes back naive
    (zoneless True) for the caller to read in the campaign's zone; None when it is no date at all."""
    # Comments say nothing the zone does not: "(CST)", "(中国标准时间)", "(China Standard Time)".
    text = re.sub(r"\([^)]*\)", " ", raw or "")
    text = re.sub(_ZONE_WORDS, lambda m: f"{m[1]}{int(m[2]):02d}{m[3] or '00'}", text)
    text = re.sub(_COLON_ZONE, r"\1\2\3", " ".join(text.split()))
    text = re.sub(r"(?<=:\d\d)\s*([+-])(\d{2})$", r" \1\g<2>00", text)  # "20:00:00 +08": the hours only
    if not re.search(_NUMERIC_ZONE, text):
        # Chinese mail clients write "CST" for China Standard Time; RFC 5322 would read it as US Central.
        text = re.sub(r"\bCST\b|北京时间|中国标准时间|中国时间", "+0800", text)
        text = re.sub(r"(?<=\d)\+0800", " +0800", text)
    zoned = bool(re.search(_NUMERIC_ZONE, text) or re.search(_NAMED_ZONE, text))
    from email.utils import parsedate_tz

    try:
        parts = parsedate_tz(text)
        if parts is None:
            iso = datetime.fromisoformat(text.replace("/", "-"))
            return (iso, False) if iso.tzinfo is not None else (iso, True)
        moment = datetime(*parts[:6])
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, False
    if not zoned:
        return moment, True
    return moment.replace(tzinfo=timezone(timedelta(seconds=parts[9] or 0))), False


def _sent(message: Message) -> tuple[datetime | None, str, bool]:
    raw = _header(message, "Date")
    if not raw:
        return None, "", False
    when, zoneless = parse_date(raw)
    return when, raw, zoneless


_BY = r"(?i)\bby\s+(\S+(?:\s*\([^)]*\))?)"


def relays(message: Message) -> tuple[Relay, ...]:
    """The Received headers, topmost first, each with the server that added it and its time."""
    found = []
    for key, value in message.raw_items():
        if key.lower() != "received":
            continue
        text = " ".join(_unescape_8bit(str(value)).split())
        by = re.search(_BY, text.split(";")[0] if ";" in text else text)
        when, zoneless = parse_date(text.rsplit(";", 1)[1]) if ";" in text else (None, False)
        found.append(Relay(by[1] if by else "", None if zoneless else when, text))
    return tuple(found)


def attachments(message: Message, source: str, keep: Callable[[str], bool] | None = None) -> list[Attachment]:
    """Every attached file of a parsed message (forwarded messages and Outlook's winmail.dat included), in order.

    A part is known by its content, not only its name: a part without a file name, or whose name has no (or a
    wrong) extension, is named by what its bytes are. `keep(name)` may skip attachments by name (photos, logos).
    """
    sent, date_raw, zoneless = _sent(message)
    sender_name, sender = sender_of(_raw(message, "From") or "")
    subject = _header(message, "Subject")
    message_id = _header(message, "Message-ID")
    chain = relays(message)
    found: list[Attachment] = []

    def add(name: str, data: bytes, problem: str = "", service: str = "") -> None:
        if keep is not None and not problem and not keep(name):
            return  # what cannot be opened is kept whatever its name: it is 待核实, never dropped unseen
        found.append(Attachment(name, data, sent, date_raw, sender.strip().lower(), sender_name, subject, source,
                                message_id, chain, zoneless, problem, service))

    for part in message.walk():
        if part.is_multipart():
            continue
        name = _safe_name(_filename(part))
        disposition = (part.get_content_disposition() or "").lower()
        kind = part.get_content_type().lower()
        if not name and disposition != "attachment" and kind.startswith(("text/", "multipart/", "message/")):
            continue  # the body, in plain text or HTML
        try:
            data = part.get_payload(decode=True)
        except (ValueError, TypeError, binascii.Error):
            data = None
        if not isinstance(data, bytes) or not data:
            continue
        if kind == "application/ms-tnef" or name.lower() == "winmail.dat" or data.startswith(_TNEF_MAGIC):
            for inner, inner_data, problem in _tnef(data, name or "winmail.dat"):
                add(inner, inner_data, problem)
            continue
        named = _by_content(name, data)
        if named:
            add(named, data)
    if not any(a.name.lower().endswith(_SHEETS) for a in found):
        for url, service, expires, named in _cloud_links(message)[:1]:
            # No spreadsheet attached (perhaps its 进展 as a document), but a cloud-drive or large-attachment link:
            # the town did send something, which bairi cannot open. It stands as a ".url" receipt, named by the
            # file the mail names (else the subject), so that it is 待核实.
            days = re.match(r"(\d+)天后过期$", expires)
            if days and sent is not None:
                # Counted from the sending: the Date header is all the mail says of when that was.
                expires += f"（约至{(sent + timedelta(days=int(days[1]))).date().isoformat()}）"
            until = f"，{expires}" if expires else ""
            add(f"{_safe_name(named) or _safe_name(subject) or '网盘链接'}.url", url.encode("utf-8"),
                f"邮件里是{service}的链接{until}，不是附件", service)
    return found


_ADDRESS = r"^[^@\s<>,;:\"()=?]+@[\w.-]+\.[\w-]+$"


def sender_of(raw: str) -> tuple[str, str]:
    """(display name, address) of a From header as sent. Parsed before encoded words are decoded, so a display
    name decoding to "巴公镇应急管理中心,牛小军" (or to "x <other@address>") stays a name; decoded first only when
    the whole header is one encoded word (the address inside it), as some mailers write it."""
    from email.utils import getaddresses

    text = " ".join(raw.split())
    pairs = getaddresses([text])
    name, address = pairs[0] if pairs else ("", "")
    if not re.match(_ADDRESS, address.strip()):
        pairs = getaddresses([decode_words(text)])
        name, address = pairs[0] if len(pairs) == 1 else ("", "")
        if not re.match(_ADDRESS, address.strip()):
            return decode_words(text).strip(), ""
        return name.strip(), address.strip()
    return decode_words(name).strip(), address.strip()


_TNEF_MAGIC = b"\x78\x9f\x3e\x22"
_SHEETS = (".xlsx", ".xlsm", ".xls", ".et", ".ett", ".ods", ".zip", ".rar", ".7z")
_SENT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ett", ".ods", ".csv", ".zip", ".rar", ".7z", ".doc", ".docx",
                  ".wps", ".pdf", ".ofd", ".txt", ".rtf", ".odt", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif",
                  ".tiff", ".heic", ".webp", ".ppt", ".pptx", ".dps", ".url", ".html", ".htm")


def _by_content(name: str, data: bytes) -> str:
    """The name a part is taken under: its own when its extension is one a town sends; else its name (or
    （未命名附件）) with the extension its content says; "" for a nameless part that is no file a town sends."""
    from bairi.guard.sniff import suffix_of

    real = suffix_of(data)
    if name and name.lower().endswith(_SENT_SUFFIXES):
        if real in (".xlsx", ".xls", ".ods") and not name.lower().endswith(_SHEETS):
            return f"{name}{real}"  # a workbook under a document's name (报表.pdf): read as what it is
        return name
    if not real or real == ".dat" or (not name and real in (".png", ".jpg", ".gif")):
        # Pictures without a name are inline (logos, signatures); unknown bytes keep whatever name they had.
        return name
    return f"{name or '（未命名附件）'}{real}"


def _tnef_name(attachment: object, codepage: str) -> str:
    """A TNEF attachment's name: the long name, decoded in the message's code page (936 for Chinese Outlook).

    tnefparse's long_filename() hands back the property as stored (bytes in the code page for PT_STRING8) and
    its `name` decodes as UTF-8, which fails on GBK; the raw values are decoded here."""
    raw: object = None
    for attr in getattr(attachment, "mapi_attrs", []):
        if attr.name == 0x3707:  # PR_ATTACH_LONG_FILENAME
            raw = attr.data
    if raw is None:
        raw = getattr(attachment, "_name", b"")
    if isinstance(raw, list):
        raw = raw[0] if raw else b""
    if isinstance(raw, bytes):
        return _bytes_to_text(raw.split(b"\x00", 1)[0], codepage)
    return str(raw or "").strip("\x00")


def _tnef(data: bytes, name: str) -> list[tuple[str, bytes, str]]:
    """The files inside Outlook's winmail.dat: (name, bytes, problem); the whole file with the reason when it
    cannot be opened, so that what was sent that way is 待核实, never lost."""
    from tnefparse import TNEF

    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception as exc:  # noqa: BLE001 - the library raises whatever its parser meets; all of it means unreadable
        return [(name, data, f"Outlook 的 winmail.dat 无法打开（{type(exc).__name__}）")]
    page = tnef.codepage
    codepage = f"cp{page}" if isinstance(page, int) else str(page or "cp1252")
    found = []
    for attachment in tnef.attachments:
        inner = _safe_name(_tnef_name(attachment, codepage))
        payload = attachment.data if isinstance(attachment.data, bytes) else b""
        if payload:
            found.append((_by_content(inner, payload) or inner or "（未命名附件）", payload, ""))
    if not found:
        return [(name, data, "Outlook 的 winmail.dat 中没有可取出的附件")]
    return found


# Where towns' offices park files too big (or too awkward) to attach: 网盘, webmail's 超大附件, online documents.
_SERVICES = (
    ("网易企业邮超大附件", r"fs\.qiye\.163\.com/fs/display|qiye\.163\.com/[^\s\"'<>]*(?:large|attach|download)"),
    ("网易邮箱超大附件", r"(?:fs|dashi)\.163\.com/fs/display|fs\.(?:126|yeah)\.(?:com|net)/fs/display"
                  r"|(?:mail|dashi|webmail)\.(?:163|126)\.com/[^\s\"'<>]*(?:large|attach|download)"
                  r"|mail\.yeah\.net/[^\s\"'<>]*(?:large|attach|download)"),
    ("QQ邮箱超大附件", r"(?:wx\.|i\.|ex)?mail\.qq\.com/cgi-bin/ftnExs_download|(?:i?wx\.)mail\.qq\.com/ftn"),
    ("腾讯文档", r"docs\.qq\.com/"),
    ("金山文档", r"kdocs\.cn/|docs\.wps\.cn/"),
    ("百度网盘", r"(?:pan|yun)\.baidu\.com/"),
    ("腾讯微云", r"weiyun\.com/"), ("阿里云盘", r"(?:aliyundrive|alipan)\.com/"), ("夸克网盘", r"pan\.quark\.cn/"),
    ("蓝奏云", r"lanzou[a-z]*\.com/"), ("中国移动云盘", r"(?:caiyun|yun)\.139\.com/"), ("天翼云盘", r"cloud\.189\.cn/"),
    ("115网盘", r"115\.com/"),
)
_CLOUD = (r"(?i)https?://(?:[\w-]+\.)*?(?:" + "|".join(f"(?P<s{i}>{p})" for i, (_, p) in enumerate(_SERVICES))
          + r")[^\s\"'<>]*")
# How a mail says when its link stops working: 有效期至2023年12月30日, 过期时间：2023-12-30, 2023年12月30日 10:00 到期,
# 30天后过期, 有效期30天, 永久有效.
_DAY = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_EXPIRES = (rf"(?:有效期至|有效期到|过期时间|到期时间|失效时间|有效期截止)[:：]?\s*{_DAY}"
            rf"|{_DAY}[^\n，,。；;]{{0,16}}?(?:到期|过期|失效)"
            r"|(\d{1,3})\s*天后(?:过期|失效|到期|删除)|有效期\s*[:：]?\s*(\d{1,3})\s*天|(永久有效)")
# A file a link stands for, as the notice names it: 巴公镇12月份报表.xlsx (25.3M).
_LINKED_FILE = r"(?i)(?<![^\s<>\"'/\\:：|*?（）()>,，])[^\s<>\"'/\\:：|*?（）(),，]{1,120}\.(?:xlsx|xlsm|xls|et|ods|zip|rar|7z|docx?|wps|pdf)(?![\w.])"


def _expiry(text: str) -> str:
    """When the mail says its link expires, normalised: "有效期至2023-12-30", "30天后过期", "永久有效"."""
    found = re.search(_EXPIRES, text)
    if not found:
        return ""
    day = found.group(1, 2, 3) if found[1] else found.group(4, 5, 6)
    if day[0]:
        return f"有效期至{day[0]}-{int(day[1]):02d}-{int(day[2]):02d}"
    if found[7] or found[8]:
        return f"{found[7] or found[8]}天后过期"
    return "永久有效"


def _body_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, binascii.Error):
        return ""
    if not isinstance(payload, bytes):
        return ""
    text = _bytes_to_text(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        import html

        # Links sit in href attributes; the expiry in the text between the tags.
        # Bounded: a hostile body of '<' without '>' must not cost quadratic time.
        text = re.sub(r"<[^<>]{0,2000}?\bhref\s*=\s*[\"']?([^\"'\s<>]{1,4000})[^<>]{0,2000}>", r" \1 ", text, flags=re.I)
        text = html.unescape(re.sub(r"<[^<>]{0,4000}>", " ", text))
    return text


def _cloud_links(message: Message) -> list[tuple[str, str, str, str]]:
    """The cloud-drive, large-attachment and online-document links in the message's text parts, plain or HTML:
    (url, service, when it expires as the mail says or "", the file it names or "")."""
    found: list[tuple[str, str, str, str]] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        text = _body_text(part)
        expires = _expiry(text)
        named = re.search(_LINKED_FILE, re.sub(_CLOUD, " ", text))
        for match in re.finditer(_CLOUD, text):
            service = next(_SERVICES[int(k[1:])][0] for k, v in match.groupdict().items() if v)
            if all(url != match[0] for url, *_ in found):
                found.append((match[0], service, expires, named[0] if named else ""))
    return found


def mail_text(data: bytes) -> str:
    """The text of one message's plain and HTML parts (for `fetch`, deciding whether it names a town)."""
    message = parse_message(data)
    return "\n".join(_body_text(p) for p in message.walk() if not p.is_multipart() and p.get_content_maintype() == "text")


def mail_links(data: bytes) -> list[tuple[str, str, str, str]]:
    """The cloud and large-attachment links of one message's bytes (for `fetch`, deciding what to keep)."""
    return _cloud_links(parse_message(data))


def parse_message(data: bytes) -> Message:
    """Bytes of one message → a Message with raw (undecoded) headers."""
    from email import policy
    from email.parser import BytesParser

    return BytesParser(policy=policy.compat32).parsebytes(data)


def read_eml(path: Path, label: str | None = None, keep: Callable[[str], bool] | None = None) -> list[Attachment]:
    """The attachments of one .eml file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MailUnreadable(exc.strerror or type(exc).__name__) from None
    if not data.strip():
        raise MailUnreadable("文件为空")
    return attachments(parse_message(data), label or Path(path).name, keep)


def read_mbox(path: Path, label: str | None = None, keep: Callable[[str], bool] | None = None,
              only: int | None = None) -> list[Attachment]:
    """The attachments of every message in an mbox mailbox (or of message number `only`); the source names the
    message number."""
    import mailbox

    label = label or Path(path).name
    try:
        box = mailbox.mbox(str(path), create=False)
        keys = list(box.keys())
    except (OSError, mailbox.Error) as exc:
        raise MailUnreadable(getattr(exc, "strerror", None) or str(exc) or type(exc).__name__) from None
    if only is not None and not 1 <= only <= len(keys):
        box.close()
        raise MailUnreadable(f"邮箱中只有 {len(keys)} 封邮件，没有第 {only} 封")
    found: list[Attachment] = []
    try:
        for number, key in enumerate(keys, start=1):
            if only is None or number == only:
                found.extend(attachments(parse_message(box.get_bytes(key)), f"{label}#{number}", keep))
    finally:
        box.close()
    return found


def read_mail(path: Path, label: str | None = None, keep: Callable[[str], bool] | None = None) -> list[Attachment]:
    """The attachments of a mail file, .eml or mbox."""
    return read_mbox(path, label, keep) if is_mbox(path) else read_eml(path, label, keep)
