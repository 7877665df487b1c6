"""Mail drafts the clerk opens and sends: a 退回 reply per return sent back, a 催报 per late town.

A draft is a whole message (RFC 5322, MIME) marked `X-Unsent: 1`, so that Outlook and Thunderbird
open a saved .eml as something to send; over IMAP it goes into the drafts folder instead. An attachment's name is
written twice: RFC 2231 (`filename*=UTF-8''...`, which 163 webmail and Thunderbird read) and RFC 2047 in
Content-Type's `name` (which Outlook and Foxmail read).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from bairi.core.atomic import safe_filename, write_atomic
from bairi.core.campaign import Campaign
from bairi.core.findings import Severity
from bairi.core.model import Return

REPLY_TEMPLATE = "reply.txt.j2"


@dataclass
class Draft:
    """One message to send: where it goes, what it says, the file it is saved as."""

    name: str  # the .eml file name in a drafts folder
    town: str
    to: list[str]
    subject: str
    message: EmailMessage

    @property
    def key(self) -> str:
        """What makes two drafts the same one (the X-Bairi-Draft header): a mailbox gets it once."""
        return str(self.message["X-Bairi-Draft"])

    def as_bytes(self) -> bytes:
        """The message as it is saved or appended (CRLF line ends, as RFC 5322 and IMAP APPEND want)."""
        from email import policy

        # refold_source="none": the attachments' headers are folded by hand (attachment()), and stay so.
        return self.message.as_bytes(policy=policy.default.clone(linesep="\r\n", refold_source="none"))


def message(sender: str, to: list[str], subject: str, body: str, attachments: list[tuple[str, bytes]],
            now: datetime, key: str = "") -> EmailMessage:
    """A draft: plain-text Chinese body in UTF-8, the files attached with RFC 2231 names.

    `key` names what the draft is about (the return's bytes, the town and day of a 催报), so that running
    the same command again does not put a second copy in the mailbox's drafts folder."""
    import hashlib

    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    if to:
        msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] if "@" in sender else "bairi.invalid")
    msg["X-Unsent"] = "1"
    msg["X-Bairi-Draft"] = hashlib.sha256((key or body).encode("utf-8")).hexdigest()[:32]
    msg.set_content(body, charset="utf-8")
    if attachments:
        msg.make_mixed()
    for name, data in attachments:
        msg.attach(attachment(name, data))
    return msg


# RFC 2047 encoded words stay within 75 characters, RFC 2231 continuations and header lines within 78.
_WORD_BYTES, _PCT_CHARS = 42, 60


def _encoded_words(name: str) -> list[str]:
    """`name` as RFC 2047 base64 encoded words, each of whole characters and at most 75 characters long."""
    import base64

    words, chunk = [], b""
    for ch in name:
        piece = ch.encode("utf-8")
        if len(chunk) + len(piece) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += piece
    words.append(chunk)
    return [f"=?UTF-8?B?{base64.b64encode(w).decode('ascii')}?=" for w in words if w]


def _rfc2231(name: str) -> list[str]:
    """`name` as RFC 2231 percent-encoded pieces of at most _PCT_CHARS, never splitting a %XX."""
    from urllib.parse import quote

    encoded = quote(name, safe="")
    pieces, start = [], 0
    while start < len(encoded):
        end = min(start + _PCT_CHARS, len(encoded))
        while end < len(encoded) and "%" in encoded[end - 2:end]:
            end -= 1
        pieces.append(encoded[start:end])
        start = end
    return pieces


def attachment(name: str, data: bytes) -> EmailMessage:
    """One attached file, its headers written out by hand: Content-Type exactly its MIME type, with the name as
    RFC 2047 `name="=?UTF-8?B?…?="` (Outlook, Foxmail), and Content-Disposition with RFC 2231 `filename*=`.

    The modern email policy folds a long parameter by RFC 2047-encoding the whole header, MIME type included
    (`application/=?utf-8?q?vnd=2Eopenxml…?=`); lines kept short here are written as they are."""
    from email import encoders, policy

    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    # compat32 keeps a header as it is given: folded here, by hand.
    part = EmailMessage(policy=policy.compat32)
    # A text attachment is our own notice, in UTF-8: said so, or readers guess ASCII.
    charset = '; charset="utf-8"' if kind.startswith("text/") else ""
    words = _encoded_words(name)
    part["Content-Type"] = f"{kind}{charset};\n name=\"" + "\n ".join(words) + "\""
    pieces = _rfc2231(name)
    if len(pieces) == 1:
        disposition = f"attachment;\n filename*=UTF-8''{pieces[0]}"
    else:
        disposition = "attachment;" + ";".join(f"\n filename*{i}*={'UTF-8' + chr(39) * 2 if i == 0 else ''}{piece}"
                                               for i, piece in enumerate(pieces))
    part["Content-Disposition"] = disposition
    part.set_payload(data)
    encoders.encode_base64(part)
    return part


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def reply_subject(town: str | None, period: str | None, name: str) -> str:
    """关于巴公镇12月报表退回修改的通知 (the month when known; the file when the town is not)."""
    month = f"{int(period[5:])}月" if period else ""
    if town:
        return f"关于{town}{month}报表退回修改的通知"
    return f"关于报表《{name}》退回修改的通知"


def reply_context(ret: Return, name: str, campaign: Campaign, today: date) -> dict[str, Any]:
    """Variables of templates/reply.txt.j2 (documented in templates/README.md)."""
    suffix = campaign.unit_suffixes[0] if campaign.unit_suffixes else ""

    def listed(severity: Severity) -> list[dict[str, str]]:
        return [{"code": f.code, "location": f.location, "message": f.message, "hint": f.hint}
                for f in ret.findings if f.severity is severity]

    return {
        "town": ret.town or "",
        "addressee": f"{ret.town}{suffix}" if ret.town else (ret.unit_raw or "你单位"),
        "file_name": name,
        "period": ret.period,
        "period_text": f"{ret.period[:4]}年{int(ret.period[5:])}月" if ret.period else "",
        "errors": listed(Severity.ERROR),
        "warnings": listed(Severity.WARNING),
        "authority": campaign.authority,
        "date_text": _cn_date(today),
        "contact": {"people": list(campaign.contact.people), "phones": list(campaign.contact.phones),
                    "emails": list(campaign.contact.emails)},
    }


def town_addresses(campaign: Campaign, town: str | None) -> list[str]:
    """The addresses configured for a town (bairi.toml `emails = [...]`)."""
    unit = campaign.unit(town) if town else None
    return [e.strip() for e in unit.emails if e.strip()] if unit else []


def reply_draft(ret: Return, name: str, data: bytes, campaign: Campaign, now: datetime, sender: str,
                mailed_from: str = "") -> Draft:
    """The 退回 draft for one return: to the town's configured address, else to whoever mailed it."""
    from bairi.present.render import render

    to = town_addresses(campaign, ret.town) or ([mailed_from] if mailed_from else [])
    subject = reply_subject(ret.town, ret.period, name)
    body = render(REPLY_TEMPLATE, **reply_context(ret, name, campaign, now.date()))
    stem = "_".join(p for p in ("退回", ret.town or Path(name).stem, ret.period or "") if p)
    import hashlib

    key = f"reply {hashlib.sha256(data).hexdigest()} {','.join(to)}"
    return Draft(f"{stem}.eml", ret.town or "", to, subject,
                 message(sender, to, subject, body, [(name, data)], now, key))


def reply_drafts(returns: list[Return], mailed: dict[int, Any], campaign: Campaign, now: datetime,
                 sender: str) -> tuple[list[int], list[Draft]]:
    """The 退回 drafts of every return with errors, and the id() of the return each is for. `mailed` maps
    id(return) to the mail attachment it was read from (its bytes attached, its sender the fallback address)."""
    owners, drafts = [], []
    for ret in returns:
        if ret.ok:
            continue
        item = mailed.get(id(ret))
        if item is not None:
            name, data, mailed_from = item.name, item.data, item.sender
        else:
            try:
                name, data, mailed_from = ret.file.name, Path(ret.file).read_bytes(), ""
            except OSError:
                continue  # nothing to attach: the clerk sees the file's own F109 finding
        if not_a_return(ret, name, campaign):
            continue
        drafts.append(reply_draft(ret, name, data, campaign, now, sender, mailed_from))
        owners.append(id(ret))
    return owners, drafts


def not_a_return(ret: Return, name: str, campaign: Campaign) -> bool:
    """A workbook without the return's form whose name says it is another material (阶段性进展, 三清单 …), as the
    state's receipts read it: nothing to send back, it is not a return."""
    from bairi.state.receipts import materials_in

    if not any(f.code == "E201" for f in ret.findings):
        return False
    named = materials_in(Path(name).stem, campaign)
    return bool(named) and "return" not in named


def reminder_draft(town: str, text: str, text_name: str, campaign: Campaign, now: datetime, sender: str,
                   attached: list[tuple[str, bytes]] | None = None) -> Draft:
    """The 催报 draft for one town: the notice as the body, and attached to print or file (the Word 催报 and its
    PDF when given, else the text)."""
    to = town_addresses(campaign, town)
    subject = f"关于{town}{campaign.name}材料催报的通知"
    attached = attached or [(text_name, text.encode("utf-8"))]
    return Draft(f"{Path(text_name).stem}.eml", town, to, subject,
                 message(sender, to, subject, text, attached, now, f"remind {town} {text}"))


def unique_names(drafts: list[Draft]) -> None:
    """Give drafts with the same file name a _2, _3 … suffix, in order."""
    used: set[str] = set()
    for draft in drafts:
        stem, n = draft.name.removesuffix(".eml"), 2
        while draft.name in used:
            draft.name, n = f"{stem}_{n}.eml", n + 1
        used.add(draft.name)


def write_drafts(folder: Path, drafts: list[Draft]) -> list[Path]:
    """Save each draft as an .eml file in `folder` (created if needed), atomically; the files written."""

    folder = Path(folder)
    for draft in drafts:
        draft.name = f"{safe_filename(draft.name.removesuffix('.eml'))}.eml"
    unique_names(drafts)
    written = []
    for draft in drafts:
        target = folder / draft.name
        write_atomic(target, draft.as_bytes(), parents=True)  # --reply/--remind DIR: the folder is the output
        written.append(target)
    return written
