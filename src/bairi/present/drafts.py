"""Mail drafts the clerk opens and sends: a 退回 reply per return sent back, a 催报 per late town.

A draft is a whole message (RFC 5322, MIME) marked `X-Unsent: 1`, so that Outlook and Thunderbird
open a saved .eml as something to send; over IMAP it goes into the drafts folder instead. An attachment's name is
written twice: RFC 2231 (`filename*=UTF-8''...`, which 163 webmail and Thunderbird read) and RFC 2047 in
Content-Type's `name` (which Outlook and Foxmail read).
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bairi.core.atomic import safe_filename, write_atomic
from bairi.core.calendar import day_text, month_text
from bairi.core.campaign import Campaign
from bairi.core.findings import Severity
from bairi.core.model import Return
from bairi.deadlines.today import reply_stem

if TYPE_CHECKING:
    from collections.abc import Callable

    from bairi.intake.imap import Session

REPLY_TEMPLATE = "reply.txt.j2"


@dataclass
class Draft:
    """One message to send: where it goes, what it says, the file it is saved as."""

    name: str  # the .eml file name in a drafts folder
    town: str
    to: list[str]
    subject: str
    message: EmailMessage
    note: str = ""  # for the clerk: whose address it goes to when not the sender's, or why it could not be written

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



def reply_subject(town: str | None, period: str | None, name: str, unit: str = "") -> str:
    """关于巴公镇12月报表退回修改的通知 (the month when known; the unit as written when the town is not known,
    never the file's name: the town reads it)."""
    month = f"{int(period[5:])}月" if period else ""
    who = town or unit.strip()
    return f"关于{who}{month}报表退回修改的通知"


def reply_context(ret: Return, name: str, campaign: Campaign, today: date) -> dict[str, Any]:
    """Variables of templates/reply.txt.j2 (documented in templates/README.md)."""
    suffix = campaign.unit_suffixes[0] if campaign.unit_suffixes else ""

    from bairi.present.wording import town_findings

    def listed(severity: Severity) -> list[dict[str, Any]]:
        # The town's words: the cell said as a person would, no file name, sheet, command or configuration.
        return town_findings([f for f in ret.findings if f.severity is severity], ret)

    return {
        "town": ret.town or "",
        "addressee": f"{ret.town}{suffix}" if ret.town else (ret.unit_raw or "你单位"),
        "file_name": name,
        "period": ret.period,
        "period_text": month_text(ret.period) if ret.period else "",
        "errors": listed(Severity.ERROR),
        "warnings": listed(Severity.WARNING),
        "authority": campaign.authority,
        "date_text": day_text(today),
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

    configured = town_addresses(campaign, ret.town)
    to = configured or ([mailed_from] if mailed_from else [])
    subject = reply_subject(ret.town, ret.period, name, ret.unit_raw)
    body = render(REPLY_TEMPLATE, **reply_context(ret, name, campaign, now.date()))
    stem = reply_stem(ret.town or Path(name).stem, ret.period)  # `bairi status` looks for this name
    import hashlib

    key = f"reply {hashlib.sha256(data).hexdigest()} {','.join(to)}"
    note = ""
    if configured and mailed_from and mailed_from.lower() not in {a.lower() for a in configured}:
        note = f"发往{ret.town}登记的邮箱 {'、'.join(configured)}（原邮件来自 {mailed_from}）"
    return Draft(f"{stem}.eml", ret.town or "", to, subject,
                 message(sender, to, subject, body, [(name, data)], now, key), note)


_ADDRESS = re.compile(r"^[^@\s<>,;:\"()]+@[\w.-]+\.[\w-]+$")


def reply_address(campaign: Campaign, ret: Return, mailed_from: str, written: str = "") -> str:
    """Why a 退回 draft for a return that came by mail cannot be addressed ("" when it can): no address configured
    for the town, and the mail's From is missing or a group (undisclosed-recipients:;)."""
    if town_addresses(campaign, ret.town) or _ADDRESS.match(mailed_from or ""):
        return ""
    written = mailed_from or written  # the From as written, when it held no address (a group: name:;)
    shown = f"发件人“{written}”不是可以回复的邮箱地址" if written else "没有发件人地址"
    return f"原邮件{shown}，{ret.town or '该单位'}也没有登记邮箱（bairi.toml 的 emails）"


def reply_drafts(returns: list[Return], mailed: dict[int, Any], campaign: Campaign, now: datetime,
                 sender: str) -> tuple[list[int], list[Draft], dict[int, str]]:
    """The 退回 drafts of every return with errors, the id() of the return each is for, and why a return got
    none (by id). `mailed` maps id(return) to the mail attachment it was read from (its bytes attached, its
    sender the fallback address)."""
    owners, drafts, skipped = [], [], {}
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
        # Only a return that came by mail has a sender to judge; a file from a folder or a zip is drafted to the
        # town's configured address, or left for the clerk to address.
        came_by_mail = item is not None and bool(getattr(item, "mail", "") or getattr(item, "sender", ""))
        why = reply_address(campaign, ret, mailed_from, getattr(item, "sender_name", "")) if came_by_mail else ""
        if why:
            skipped[id(ret)] = why
            continue
        drafts.append(reply_draft(ret, name, data, campaign, now, sender, mailed_from))
        owners.append(id(ret))
    return owners, drafts, skipped


def not_a_return(ret: Return, name: str, campaign: Campaign) -> bool:
    """A workbook without the return's form whose name says it is another material (阶段性进展, 三清单 …), as the
    state's receipts read it: nothing to send back, it is not a return."""
    from bairi.state.receipts import materials_in

    if not any(f.code == "E201" for f in ret.findings):
        return False
    named = materials_in(Path(name).stem, campaign)
    return bool(named) and "return" not in named


def reminder_draft(town: str, text: str, text_name: str, campaign: Campaign, now: datetime, sender: str,
                   attached: list[tuple[str, bytes]] | None = None, subject: str = "") -> Draft:
    """The 催报 draft for one town: the notice as the body, and attached to print or file (the Word 催报 and its
    PDF when given, else the text); the subject is the notice's own title (关于督促巴公镇报送……的函)."""
    to = town_addresses(campaign, town)
    subject = subject or f"关于督促{town}报送有关材料的函"
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


# File systems allow 255 bytes a name (ext4, NTFS counts UTF-16 units, fewer): room kept for "_99.eml".
NAME_BYTES = 255 - len("_99.eml")


def fit_name(stem: str, limit: int = NAME_BYTES) -> str:
    """A file name stem cut, at a character, to `limit` bytes of UTF-8."""
    cut = stem.encode("utf-8")[:limit].decode("utf-8", errors="ignore")
    return cut.rstrip(" ._") or "未命名"


def write_drafts(folder: Path, drafts: list[Draft]) -> list[Path | None]:
    """Save each draft as an .eml file in `folder` (created if needed), atomically; the file of each, None for one
    that could not be written (its `note` says why) — one failing never stops the others."""

    folder = Path(folder)
    for draft in drafts:
        draft.name = f"{fit_name(safe_filename(draft.name.removesuffix('.eml')))}.eml"
    unique_names(drafts)
    written: list[Path | None] = []
    for draft in drafts:
        target = folder / draft.name
        try:
            write_atomic(target, draft.as_bytes(), parents=True)  # --reply/--remind DIR: the folder is the output
        except OSError as exc:
            draft.note = f"未能写出 {target}：{exc.strerror or exc}"
            written.append(None)
            continue
        written.append(target)
    return written


class DraftsRefused(Exception):
    """Drafts that cannot go where they were asked to: a mailbox address wrong or refusing them, a file where a
    folder should be (an operator mistake, exit status 2)."""


def draft_sender(target: str, campaign: Campaign) -> str:
    """From of a draft: the mailbox it goes into, else the county's first configured address."""
    from bairi.intake.imap import ImapError, is_url, parse_url

    if is_url(target):
        try:
            user = parse_url(target).user
        except ImapError as exc:
            raise DraftsRefused(str(exc)) from None
        if "@" in user:
            return user
    return next(iter(campaign.contact.emails), "")


def deliver(target: str, drafts: list[Draft], now: datetime, session: Callable[[str], Session]) -> list[str]:
    """Drafts into a folder (.eml files) or the drafts folder of an imap(s):// mailbox, logged in to by `session`
    only when there is a draft to put there; where each went."""
    from bairi.intake.imap import ImapError, append_drafts, is_url

    if not drafts:
        return []
    if is_url(target):
        opened = session(target)
        try:
            folder, added = append_drafts(opened, [(d.key, d.as_bytes()) for d in drafts], now)
        except ImapError as exc:
            raise DraftsRefused(f"邮件草稿未能放进草稿箱：{exc}") from None
        finally:
            opened.close()
        return [f"{folder.name}：{d.subject}{'' if new else '（草稿箱中已有，未重复放入）'}" for d, new in zip(drafts, added)]
    if Path(target).exists() and not Path(target).is_dir():
        raise DraftsRefused(f"草稿应写到文件夹，但 {target} 是一个文件")
    return [str(p) if p else "" for p in write_drafts(Path(target), drafts)]


def send_back(target: str, returns: list[Return], mailed: dict[int, Any], campaign: Campaign, now: datetime,
              session: Callable[[str], Session]) -> dict[int, tuple[str | None, str | None]]:
    """A 退回 draft for every return with errors, put where `target` says; by id of the return, (where its draft
    went, a note: whose address it goes to, or why there is none)."""
    from bairi.core.calendar import zone

    sender = draft_sender(target, campaign)
    owners, drafts, skipped = reply_drafts(returns, mailed, campaign, now.astimezone(zone(campaign)), sender)
    done = {o: (w or None, d.note or None) for o, d, w in zip(owners, drafts, deliver(target, drafts, now, session))}
    return done | {o: (None, f"未写退回邮件草稿：{why}") for o, why in skipped.items()}
