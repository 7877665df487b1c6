"""The county mailbox over IMAP: fetch the campaign's mail into .eml files; append drafts to its drafts folder.

The standard library's imaplib speaks the protocol; this module adds what it leaves out: the URL,
TLS rules (verified against the system store, STARTTLS when offered, plain login only on loopback),
the ID command 163.com demands, modified UTF-7 folder names, and a reader for FETCH and LIST
responses (BODYSTRUCTURE included), so that a message's exact bytes are saved as the server holds them.
"""

from __future__ import annotations

import hashlib
import imaplib
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Self
from urllib.parse import unquote

from bairi.core.atomic import write_atomic
from bairi.intake.ledger import Ledger, LedgerUnavailable

TIMEOUT = 60
CLIENT_ID = ("name", "bairi", "version", "0.1.0", "vendor", "bairi")
# Metadata of this many messages per FETCH: one round trip each, few enough that a reply stays small.
BATCH = 200


class ImapError(Exception):
    """The mailbox could not be reached, logged into or read (a Chinese message; exit status 2)."""


# --- the URL -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    """A mailbox named by an imap:// or imaps:// URL."""

    scheme: str
    user: str
    host: str
    port: int
    folder: str = "INBOX"

    @property
    def label(self) -> str:
        """user@host:port, the key under which the ledger remembers what was fetched."""
        return f"{self.user}@{self.host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """True when the server is this machine (the only place a plain-text login is allowed)."""
        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def is_url(text: str) -> bool:
    """True for an imap:// or imaps:// URL (as opposed to a folder)."""
    return str(text).lower().startswith(("imap://", "imaps://"))


def parse_url(url: str) -> Account:
    """imaps://USER@HOST[:PORT][/FOLDER] → Account; ImapError naming what is wrong.

    The user part may itself contain @ (a 163.com address is the login name), so the host is what
    follows the last @ before the first / after it.
    """
    match = re.fullmatch(r"(imaps?)://([^/]*)(?:/(.*))?", url.strip(), flags=re.IGNORECASE)
    if not match:
        raise ImapError(f"邮箱地址“{url}”格式不对，应为 imaps://用户名@服务器/文件夹，如 imaps://zzxajjgmfm@163.com@imap.163.com/INBOX")
    scheme, netloc, folder = match[1].lower(), match[2], match[3]
    if "@" not in netloc:
        raise ImapError(f"邮箱地址“{url}”缺少用户名，应为 imaps://用户名@服务器，如 imaps://zzxajjgmfm@163.com@imap.163.com")
    user, hostport = netloc.rsplit("@", 1)
    if ":" in user:
        raise ImapError("密码不能写在邮箱地址里；请用环境变量 BAIRI_IMAP_PASSWORD，或运行时按提示输入")
    host_match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?|([^:\[\]]+)(?::(\d+))?", hostport)
    if not user or not host_match:
        raise ImapError(f"邮箱地址“{url}”中的用户名或服务器不对")
    host = host_match[1] or host_match[3]
    port_text = host_match[2] or host_match[4]
    port = int(port_text) if port_text else (993 if scheme == "imaps" else 143)
    if not 0 < port < 65536:
        raise ImapError(f"端口 {port} 不对")
    folder = unquote(folder).strip("/") if folder else ""
    return Account(scheme, unquote(user), host, port, folder or "INBOX")


# --- modified UTF-7 (RFC 3501 §5.1.3) ----------------------------------------------------------------------

def encode_folder(name: str) -> str:
    """A folder name as IMAP writes it: printable ASCII as is, & as &-, the rest as &base64(UTF-16BE)-."""
    import base64

    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def decode_folder(name: str) -> str:
    """The folder name a person reads, from IMAP's modified UTF-7; a malformed name is kept as sent."""
    import base64
    import binascii

    def piece(match: re.Match[str]) -> str:
        body = match[1]
        if not body:
            return "&"
        padded = body.replace(",", "/") + "=" * (-len(body) % 4)
        try:
            return base64.b64decode(padded, validate=True).decode("utf-16-be")
        except (binascii.Error, UnicodeDecodeError):
            return match[0]

    return re.sub(r"&([A-Za-z0-9+,]*)-", piece, name)


def quoted(text: str) -> str:
    """An IMAP quoted string (imaplib sends arguments as written)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- reading server responses ------------------------------------------------------------------------------

_ATOM_END = b" ()\r\n"


# Real BODYSTRUCTUREs nest a few levels; a server sending thousands of '(' must not exhaust the stack.
MAX_DEPTH = 64


def _tokens(data: bytes, pos: int = 0, depth: int = 0) -> tuple[list, int]:
    """Parse a parenthesised IMAP list from data[pos:] (after its '('), returning (items, next position);
    ValueError when the response is malformed."""
    if depth > MAX_DEPTH:
        raise ValueError("nested too deep")
    items: list = []
    size = len(data)
    while pos < size:
        ch = data[pos:pos + 1]
        if ch in (b" ", b"\r", b"\n"):
            pos += 1
        elif ch == b"(":
            inner, pos = _tokens(data, pos + 1, depth + 1)
            items.append(inner)
        elif ch == b")":
            return items, pos + 1
        elif ch == b'"':
            pos += 1
            buf = bytearray()
            while pos < size and data[pos:pos + 1] != b'"':
                if data[pos:pos + 1] == b"\\":
                    pos += 1
                buf += data[pos:pos + 1]
                pos += 1
            items.append(bytes(buf))
            pos += 1
        elif ch == b"{":
            close = data.index(b"}", pos)
            length = int(data[pos + 1:close].rstrip(b"+"))
            if length < 0:
                raise ValueError("negative literal")
            start = data.index(b"\n", close) + 1
            items.append(data[start:start + length])
            pos = start + length
        else:
            start = pos
            depth = 0
            # An atom like BODY[HEADER.FIELDS (FROM)] holds spaces and parentheses inside its brackets.
            while pos < size and (depth or data[pos:pos + 1] not in (b" ", b"(", b")", b"\r", b"\n")):
                if data[pos:pos + 1] == b"[":
                    depth += 1
                elif data[pos:pos + 1] == b"]":
                    depth = max(depth - 1, 0)
                pos += 1
            atom = data[start:pos]
            items.append(None if atom.upper() == b"NIL" else _Atom(atom))
    return items, pos


class _Atom(bytes):
    """An unquoted token (told apart from a quoted string only where that matters: NIL)."""


def responses(data: Iterable) -> list[bytes]:
    """imaplib's reply data (lines and (line, literal) pairs) joined back into one byte string per response."""
    joined: list[bytes] = []
    buf = b""
    for item in data:
        if isinstance(item, tuple):
            buf += item[0] + b"\r\n" + item[1]
        elif item is not None:
            buf += item
            joined.append(buf)
            buf = b""
    if buf:
        joined.append(buf)
    return joined


def parse_fetch(response: bytes) -> dict[str, object]:
    """One FETCH response (b'12 (UID 7 ...)') → {'UID': b'7', 'BODY[]': b'...', ...}, keys upper case."""
    start = response.find(b"(")
    if start < 0:
        return {}
    try:
        items, _ = _tokens(response, start + 1)
    except ValueError:
        return {}  # not an answer bairi can read: the message is left on the server, never half-saved
    found: dict[str, object] = {}
    for key, value in zip(items[::2], items[1::2]):
        if isinstance(key, bytes):
            found[key.decode("ascii", errors="replace").upper()] = value
    return found


def _text(value: object) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else ""


def has_attachment(structure: object) -> bool:
    """True when a BODYSTRUCTURE holds a part with a file name or an attachment disposition."""
    if not isinstance(structure, list) or not structure:
        return False
    if isinstance(structure[0], list):  # multipart: its parts, then the subtype and extensions
        for part in structure:
            if not isinstance(part, list):
                return False
            if has_attachment(part):
                return True
        return False
    kind = _text(structure[0]).lower()
    subtype = _text(structure[1]).lower() if len(structure) > 1 else ""
    params = structure[2] if len(structure) > 2 and isinstance(structure[2], list) else []
    if any(_text(k).lower().startswith("name") for k in params[::2]):
        return True
    if kind == "message" and subtype == "rfc822" and len(structure) > 8 and has_attachment(structure[8]):
        return True
    for extension in structure[7:]:
        if isinstance(extension, list) and len(extension) == 2 and isinstance(extension[0], bytes):
            disposition = _text(extension[0]).lower()
            names = extension[1] if isinstance(extension[1], list) else []
            if disposition == "attachment" or any(_text(k).lower().startswith("filename") for k in names[::2]):
                return True
        # Some servers (pymap) send the disposition as the header's text instead of a list.
        elif isinstance(extension, bytes) and _DISPOSITION.match(_text(extension)):
            return True
    return False


_DISPOSITION = re.compile(r"\s*(attachment\b|[\w-]+\s*;.*\bfilename\*?\s*=)", re.IGNORECASE | re.DOTALL)


def _internaldate(value: object) -> datetime | None:
    text = _text(value).strip()
    try:
        return datetime.strptime(text, "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


@dataclass(frozen=True)
class Folder:
    """One mailbox folder as LIST shows it."""

    raw: str  # as the server spells it (modified UTF-7)
    name: str  # as a person reads it
    flags: tuple[str, ...]


def parse_list(data: Iterable) -> list[Folder]:
    """LIST replies → folders with their flags (\\Drafts and the like, RFC 6154)."""
    found = []
    for response in responses(data):
        try:
            items, _ = _tokens(b"(" + response + b")", 1)
        except ValueError:
            continue
        if len(items) < 3 or not isinstance(items[0], list):
            continue
        raw = items[2].decode("utf-8", errors="replace") if isinstance(items[2], bytes) else ""
        flags = tuple(_text(f).lower() for f in items[0])
        found.append(Folder(raw, decode_folder(raw), flags))
    return found


# --- the session -------------------------------------------------------------------------------------------

def tls_context() -> ssl.SSLContext:
    """Certificates verified against the system's store (SSL_CERT_FILE / SSL_CERT_DIR honoured), never less."""
    return ssl.create_default_context()


def _explain(exc: BaseException, account: Account) -> str:
    where = f"{account.host}:{account.port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"无法安全连接邮箱服务器 {where}：服务器证书验证失败（{exc.verify_message or exc.reason}），为防止冒充已停止"
    if isinstance(exc, ssl.SSLError):
        return f"无法与邮箱服务器 {where} 建立加密连接（TLS 握手失败：{exc.reason or exc}）；请确认端口和 imaps/imap 写法"
    if isinstance(exc, socket.gaierror):
        return f"找不到邮箱服务器 {account.host}（请检查服务器名称和网络）"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"连接邮箱服务器 {where} 超时（请检查网络，或稍后再试）"
    if isinstance(exc, ConnectionRefusedError):
        return f"邮箱服务器 {where} 拒绝连接（请检查服务器名称和端口）"
    if isinstance(exc, (imaplib.IMAP4.abort, ConnectionError, EOFError)):
        return f"与邮箱服务器 {where} 的连接中断"
    if isinstance(exc, OSError):
        return f"无法连接邮箱服务器 {where}：{exc.strerror or exc}"
    return f"邮箱服务器 {where} 返回错误：{exc}"


class Session:
    """A logged-in IMAP connection; use as a context manager."""

    def __init__(self, account: Account, password: str, timeout: float = TIMEOUT) -> None:
        self.account = account
        try:
            self.imap = self._open(account, timeout)
        except ImapError:
            raise
        except (OSError, imaplib.IMAP4.error, EOFError) as exc:
            raise ImapError(_explain(exc, account)) from None
        try:
            self._login(password)
        except BaseException:
            self._drop()
            raise

    @staticmethod
    def _open(account: Account, timeout: float) -> imaplib.IMAP4:
        if account.scheme == "imaps":
            secure = imaplib.IMAP4_SSL(account.host, account.port, ssl_context=tls_context(), timeout=timeout)
            Session._quick(secure)
            return secure
        imap = imaplib.IMAP4(account.host, account.port, timeout=timeout)
        Session._quick(imap)
        if "STARTTLS" in imap.capabilities:
            try:
                imap.starttls(tls_context())
            except BaseException:
                try:
                    imap.shutdown()
                except OSError:
                    pass  # a failed handshake has closed the socket already; its own error is the one to tell
                raise
        elif not account.loopback:
            imap.shutdown()
            raise ImapError(f"邮箱服务器 {account.host}:{account.port} 不支持加密（STARTTLS），为保护密码拒绝明文登录；"
                            f"请改用 imaps://（端口 993）")
        return imap

    @staticmethod
    def _quick(imap: imaplib.IMAP4) -> None:
        # Commands are small and answered one by one: without this each literal (an APPEND's message, a
        # LOGIN's password) waits out a delayed ACK.
        try:
            imap.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def _login(self, password: str) -> None:
        try:
            if "AUTH=PLAIN" in self.imap.capabilities:
                # SASL PLAIN carries UTF-8 (RFC 4616); imaplib's LOGIN would refuse a non-ASCII password.
                token = f"\0{self.account.user}\0{password}".encode()
                self.imap.authenticate("PLAIN", lambda _challenge: token)
            else:
                self.imap.login(self.account.user, password)
        except imaplib.IMAP4.abort as exc:
            raise ImapError(_explain(exc, self.account)) from None
        except imaplib.IMAP4.error:
            raise ImapError(f"登录邮箱 {self.account.user} 失败：用户名或密码不对。163 邮箱请使用“授权码”，"
                            "不是网页登录密码（设置 → POP3/SMTP/IMAP → 开启 IMAP 服务后获得）") from None
        except UnicodeEncodeError:
            raise ImapError("该邮箱服务器只接受英文字母、数字组成的密码，请检查密码（授权码）") from None
        except OSError as exc:
            raise ImapError(_explain(exc, self.account)) from None
        # RFC 2971: 163.com answers SELECT with "Unsafe Login" to clients that have not said who they are. Sent
        # whether or not ID is advertised; a server that does not know it says BAD, and that is all.
        fields = " ".join(quoted(v) for v in CLIENT_ID)
        try:
            self.imap.xatom("ID", f"({fields})")
        except imaplib.IMAP4.abort as exc:
            raise ImapError(_explain(exc, self.account)) from None
        except imaplib.IMAP4.error:
            pass
        except OSError as exc:
            raise ImapError(_explain(exc, self.account)) from None

    def call(self, method: Callable, *args: object) -> tuple[str, list]:
        """Run one imaplib command; a dropped connection or a refusal becomes an ImapError."""
        try:
            typ, data = method(*args)
        except imaplib.IMAP4.abort as exc:
            raise ImapError(_explain(exc, self.account)) from None
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"邮箱服务器拒绝了请求：{exc}") from None
        except OSError as exc:
            raise ImapError(_explain(exc, self.account)) from None
        if typ != "OK":
            said = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", errors="replace")
            raise ImapError(f"邮箱服务器拒绝了请求：{said or typ}")
        return typ, data

    def folders(self) -> list[Folder]:
        """Every folder of the mailbox."""
        _, data = self.call(self.imap.list, '""', "*")
        return parse_list(data)

    def examine(self, folder: str) -> int:
        """Open `folder` read-only (EXAMINE: nothing changes, not even \\Recent); return its UIDVALIDITY."""
        try:
            typ, answer = self.imap.select(quoted(encode_folder(folder)), readonly=True)
        except imaplib.IMAP4.abort as exc:
            raise ImapError(_explain(exc, self.account)) from None
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError(f"无法打开邮箱文件夹“{folder}”：{exc}") from None
        if typ != "OK":
            said = b" ".join(d for d in answer if isinstance(d, bytes)).decode("utf-8", errors="replace")
            names = "、".join(f.name for f in self.folders())
            raise ImapError(f"无法打开邮箱文件夹“{folder}”（服务器答复：{said or typ}；现有文件夹：{names}）")
        _, values = self.imap.response("UIDVALIDITY")
        try:
            return int(values[0])
        except (TypeError, ValueError, IndexError):
            raise ImapError(f"邮箱服务器没有给出文件夹“{folder}”的 UIDVALIDITY") from None

    def _drop(self) -> None:
        try:
            self.imap.shutdown()
        except (OSError, imaplib.IMAP4.error):
            pass

    def close(self) -> None:
        """Log out (quietly: the work is done whether or not the server says goodbye)."""
        try:
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error, EOFError):
            self._drop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- fetch -------------------------------------------------------------------------------------------------

@dataclass
class Fetched:
    """What one `bairi fetch` did."""

    folder: str
    output: Path
    uidvalidity: int
    files: list[Path] = field(default_factory=list)
    skipped: int = 0  # looked at, not the campaign's: no attachment, no town named, no link, not a town's address
    passed: list[tuple[str, str, str]] = field(default_factory=list)  # (sender, subject, why) of each skipped
    known: int = 0  # fetched by an earlier run
    reset: bool = False  # the server's UIDVALIDITY changed since the last run: every message looked at again


def _sender(header: bytes) -> str:
    return _who(header)[1]


def _who(header: bytes) -> tuple[str, str, str]:
    """(display name, address, subject) of a message's header fields."""
    from bairi.intake.mail import decode_words, parse_message, sender_of

    message = parse_message(header + b"\r\n\r\n")
    name, address = sender_of(str(message.get("From", "")))
    subject = " ".join(decode_words(str(message.get("Subject", ""))).split())
    return name, address.strip().lower(), subject


def eml_name(when: datetime | None, data: bytes, zone: timezone) -> str:
    """The file a message is saved as: its server date (in the campaign's zone) and a digest of its bytes,
    so one message is one file whatever UID the server gives it."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    stamp = when.astimezone(zone).strftime("%Y-%m-%d_%H%M%S") if when else "无日期"
    return f"{stamp}_{digest}.eml"


def fetch(session: Session, output: Path, ledger: Ledger, *, since: date | None, senders: Iterable[str],
          take_all: bool, zone: timezone, now: datetime,
          progress: Callable[[int, int], None] | None = None, names: Callable[[str], bool] | None = None) -> Fetched:
    """Save the folder's new campaign mail as .eml files in `output`: every mail with an attachment, from a town's
    address, naming a town (`names` of its subject or sender's name) or carrying a cloud or large-attachment link;
    the rest are listed with why (`passed`).

    Each message is written whole (atomically) before the ledger records its UID, so a connection lost
    halfway leaves complete files only and the next run takes up the rest.
    """
    account = session.account
    uidvalidity = session.examine(account.folder)
    try:
        known = ledger.fetched_uids(account.label, account.folder, uidvalidity)
        reset = not known and ledger.has_fetched(account.label, account.folder)
    except LedgerUnavailable as exc:
        raise ImapError(f"收件台账无法使用：{exc}") from None
    criteria = ["SINCE", since.strftime("%d-%b-%Y")] if since else ["ALL"]
    _, data = session.call(session.imap.uid, "SEARCH", *criteria)
    uids = sorted({int(u) for chunk in data if chunk for u in chunk.split()})
    result = Fetched(account.folder, output, uidvalidity, reset=reset)
    result.known = sum(1 for u in uids if u in known)
    fresh = [u for u in uids if u not in known]
    wanted = {s.strip().lower() for s in senders if s.strip()}
    chosen: list[int] = []
    if take_all:
        chosen = fresh
    else:
        doubtful: list[tuple[int, tuple[str, str, str]]] = []
        for start in range(0, len(fresh), BATCH):
            batch = fresh[start:start + BATCH]
            _, data = session.call(session.imap.uid, "FETCH", ",".join(map(str, batch)),
                                   "(UID BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])")
            for response in responses(data):
                fields = parse_fetch(response)
                if "UID" not in fields:
                    continue  # an unsolicited flag update, not an answer
                uid = int(str(fields["UID"], "ascii") if isinstance(fields["UID"], bytes) else str(fields["UID"]))
                header = next((v for k, v in fields.items() if k.startswith("BODY[HEADER")), b"") or b""
                who = _who(header) if isinstance(header, bytes) else ("", "", "")
                if has_attachment(fields.get("BODYSTRUCTURE")) or (wanted and who[1] in wanted) or (
                        names is not None and (names(who[2]) or names(who[0]))):
                    chosen.append(uid)
                else:
                    doubtful.append((uid, who))
        chosen.extend(_with_links(session, doubtful, result, names))
        chosen.sort()
    for index, uid in enumerate(chosen, start=1):
        _, data = session.call(session.imap.uid, "FETCH", str(uid), "(UID INTERNALDATE BODY.PEEK[])")
        answer = next((f for f in map(parse_fetch, responses(data)) if f.get("UID") == str(uid).encode()), None)
        body = answer.get("BODY[]") if answer else None
        if not isinstance(body, bytes):
            # Expunged by another client between SEARCH and FETCH: nothing to save, nothing to remember.
            continue
        arrived = _internaldate(answer.get("INTERNALDATE") if answer else None)
        target = output / eml_name(arrived, body, zone)
        if not target.exists():
            write_atomic(target, body, parents=True)
            result.files.append(target)
        try:
            ledger.record_fetch(account.label, account.folder, uidvalidity, uid, target.name,
                                hashlib.sha256(body).hexdigest(), now, arrived)
        except LedgerUnavailable as exc:
            raise ImapError(f"收件台账无法写入：{exc}") from None
        if progress:
            progress(index, len(chosen))
    return result


def _with_links(session: Session, doubtful: list[tuple[int, tuple[str, str, str]]], result: Fetched,
                names: Callable[[str], bool] | None = None) -> list[int]:
    """Of the mails with no attachment and no town in the subject or sender, those whose text carries a cloud-drive
    or large-attachment link or names a town (they are small: read whole); the rest are passed over, each said
    with why."""
    from bairi.intake.mail import mail_links, mail_text

    found = []
    for uid, (name, address, subject) in doubtful:
        _, data = session.call(session.imap.uid, "FETCH", str(uid), "(UID BODY.PEEK[])")
        answer = next((f for f in map(parse_fetch, responses(data)) if f.get("UID") == str(uid).encode()), None)
        body = answer.get("BODY[]") if answer else None
        if isinstance(body, bytes) and (mail_links(body) or (names is not None and names(mail_text(body)))):
            found.append(uid)
            continue
        result.skipped += 1
        sender = f"{name} <{address}>" if name and address else (address or name or "（无发件人）")
        result.passed.append((sender, subject or "（无主题）", "没有附件、网盘或超大附件链接，主题、发件人和正文都没有提到各镇"))
    return found


# --- drafts ------------------------------------------------------------------------------------------------

DRAFT_NAMES = ("草稿箱", "drafts", "草稿", "draft")


def drafts_folder(folders: list[Folder]) -> Folder | None:
    """The drafts folder: flagged \\Drafts (RFC 6154), else named 草稿箱, else Drafts."""
    for folder in folders:
        if "\\drafts" in folder.flags:
            return folder
    for wanted in DRAFT_NAMES:
        for folder in folders:
            leaf = re.split(r"[/.]", folder.name)[-1]
            if leaf.lower() == wanted:
                return folder
    return None


def append_drafts(session: Session, drafts: list[tuple[str, bytes]], now: datetime) -> tuple[Folder, list[bool]]:
    """APPEND each (key, message) to the drafts folder flagged \\Draft (and \\Seen: a draft is not unread
    mail), unless a draft with the same X-Bairi-Draft key is there already (a second run the same day adds
    nothing). Returns the folder and, per draft, whether it was added."""
    folders = session.folders()
    folder = drafts_folder(folders)
    if folder is None:
        raise ImapError(f"邮箱中找不到草稿箱（现有文件夹：{'、'.join(f.name for f in folders)}）")
    session.examine(folder.name)
    stamp = imaplib.Time2Internaldate(now)
    added = []
    for key, data in drafts:
        _, found = session.call(session.imap.uid, "SEARCH", "HEADER", DRAFT_HEADER, quoted(key))
        if any(chunk and chunk.split() for chunk in found):
            added.append(False)
            continue
        session.call(session.imap.append, quoted(folder.raw), "(\\Draft \\Seen)", stamp, data)
        added.append(True)
    return folder, added


DRAFT_HEADER = "X-Bairi-Draft"


class FetchFailed(Exception):
    """Fetching stopped: the output folder or ledger unusable, the server lost, a file not written (Chinese; exit 2)."""


def fetch_campaign(session: Session, output: Path, ledger_file: Path, campaign: Any, *, since: date | None,
                   take_all: bool, now: datetime, progress: Callable[[int, int], None] | None = None) -> Fetched:
    """Fetch the campaign's mail into `output` (from the campaign's start unless `since`), recording UIDs in the ledger
    at `ledger_file`; the session is closed either way."""
    from bairi.core.calendar import zone
    from bairi.core.names import towns_in
    from bairi.intake.ledger import open_ledger

    try:
        output.mkdir(parents=True, exist_ok=True)
        ledger = open_ledger(ledger_file)
    except (OSError, LedgerUnavailable) as exc:
        session.close()
        raise FetchFailed(f"无法使用文件夹 {output}：{getattr(exc, 'strerror', None) or exc}") from None
    try:
        senders = [e for unit in campaign.units for e in unit.emails] + campaign.county_senders
        return fetch(session, output, ledger, since=since or campaign.start, senders=senders, take_all=take_all,
                     zone=zone(campaign), now=now, progress=progress,
                     names=lambda text: bool(text and towns_in(text, campaign)))
    except ImapError as exc:
        raise FetchFailed(f"{exc}。已完整保存的邮件保留在 {output}，再次运行会接着收取") from None
    except OSError as exc:
        raise FetchFailed(f"无法写入 {output}：{exc.strerror or exc}") from None
    finally:
        ledger.close()
        session.close()
