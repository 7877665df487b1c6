"""Real IMAP servers on loopback for the tests: pymap (from the test extras) and a private Dovecot instance.

Each server is started by the test that needs it and stopped after; a server that cannot be had
(pymap not installed, no dovecot binary, no openssl to make a certificate) skips with the reason.
A dropping proxy sits in front of a server for the connection-lost test.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bairi.intake.imap import encode_folder, quoted

DOVECOT = next((p for p in (shutil.which("dovecot"), "/usr/sbin/dovecot") if p and Path(p).exists()), None)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, what: str, timeout: float = 20) -> None:
    """Until something accepts connections on the port (or the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (trusted in a test through SSL_CERT_FILE)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed: cannot make the server's certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@dataclass
class Server:
    """A running IMAP server and how to log into it."""

    host: str
    port: int
    user: str
    password: str
    tls_port: int | None = None
    cert: Path | None = None
    log: Path | None = None

    def url(self, folder: str = "INBOX", scheme: str = "imap", port: int | None = None) -> str:
        """The bairi fetch URL of one folder."""
        return f"{scheme}://{self.user}@{self.host}:{port or self.port}/{folder}"

    def client(self) -> imaplib.IMAP4:
        """A logged-in imaplib client (plain on loopback, or STARTTLS where the server wants it)."""
        imap = imaplib.IMAP4(self.host, self.port)
        # Without it every APPEND waits out a delayed ACK for the server's "+ go ahead" (40 ms a message).
        imap.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if "STARTTLS" in imap.capabilities and self.cert is not None:
            imap.starttls(ssl.create_default_context(cafile=str(self.cert)))
        token = f"\0{self.user}\0{self.password}".encode()
        imap.authenticate("PLAIN", lambda _: token)
        return imap

    def seed(self, folder: str, messages: list[bytes], flags: str | None = None, dates: list | None = None) -> None:
        """APPEND messages to a folder (created when missing), with their INTERNALDATE when given."""
        imap = self.client()
        try:
            name = quoted(encode_folder(folder))
            if folder.upper() != "INBOX":
                imap.create(name)
            for index, data in enumerate(messages):
                when = imaplib.Time2Internaldate(dates[index]) if dates else None
                typ, said = imap.append(name, flags, when, data)
                assert typ == "OK", said
        finally:
            imap.logout()

    def flags(self, folder: str) -> dict[int, set[str]]:
        """UID → flags of every message in a folder."""
        imap = self.client()
        try:
            imap.select(quoted(encode_folder(folder)), readonly=True)
            _, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            found = {}
            import re

            for line in data:
                if isinstance(line, bytes):
                    uid = int(re.search(rb"UID (\d+)", line)[1])
                    found[uid] = set(re.search(rb"FLAGS \(([^)]*)\)", line)[1].decode().split())
            return found
        finally:
            imap.logout()

    def messages(self, folder: str) -> list[tuple[set[str], bytes]]:
        """(flags, bytes) of every message in a folder, read without changing anything."""
        imap = self.client()
        try:
            imap.select(quoted(encode_folder(folder)), readonly=True)
            _, data = imap.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
            import re

            found = []
            for item in data:
                if isinstance(item, tuple):
                    flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0])[1].decode().split())
                    found.append((flags, item[1]))
            return found
        finally:
            imap.logout()


@pytest.fixture
def pymap_server(tmp_path):
    """pymap's in-memory backend on a loopback port, plain IMAP (allowed to loopback only)."""
    # pymap is in the test extras: after the README's install it is always there, so its absence fails, not skips.
    import pymap  # noqa: F401
    port = free_port()
    log = tmp_path / "pymap.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-c", "import sys; from pymap.main import main; sys.exit(main())", "--host", "127.0.0.1", "--port", str(port), "--no-tls",
                                    "dict", "--demo-user", "clerk@163.com", "--demo-password", "授权码abc123"],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(port, process, "pymap")
        yield Server("127.0.0.1", port, "clerk@163.com", "授权码abc123", log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_DOVECOT_CONF = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
imap_id_log = *
auth_failure_delay = 0
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 0
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox 待发草稿 {{
    special_use = \\Drafts
    auto = create
  }}
  mailbox Drafts {{
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture(scope="module")
def dovecot_server():
    """A private Dovecot: its own config, passwd-file user and Maildir under a temporary folder; STARTTLS on one
    port, implicit TLS on another, a self-signed certificate; plain-text login refused without TLS."""
    if DOVECOT is None:
        pytest.skip("dovecot not installed (apt-get install dovecot-imapd; .ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="bairi-dovecot-"))
    os.chmod(root, 0o755)  # the mail user (nobody when run as root) must reach its Maildir
    make_certificate(root)
    if os.geteuid() == 0:
        # Dovecot will not deliver mail as root; nobody owns the Maildir. Its own users run the services.
        try:
            internal, login = pwd.getpwnam("dovecot").pw_name, pwd.getpwnam("dovenull").pw_name
        except KeyError:
            internal = login = "nobody"
        mail = pwd.getpwnam("nobody")
        uid, gid = mail.pw_uid, mail.pw_gid
        group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
    else:
        me = pwd.getpwuid(os.geteuid())
        internal = login = me.pw_name
        uid, gid = me.pw_uid, me.pw_gid
        group = grp.getgrgid(gid).gr_name
    (root / "home").mkdir()
    os.chown(root / "home", uid, gid) if os.geteuid() == 0 else None
    (root / "passwd").write_text("county@163.com:{PLAIN}s3cret-授权码::::::\n", encoding="utf-8")
    port, tls_port = free_port(), free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_DOVECOT_CONF.format(root=root, internal=internal, login=login, group=group, uid=uid, gid=gid,
                                         port=port, tls_port=tls_port), encoding="utf-8")
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            wait_for(port, process, "dovecot")
            wait_for(tls_port, process, "dovecot")
        except RuntimeError as exc:
            err = process.stderr.read().decode(errors="replace") if process.poll() is not None else ""
            log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"{exc}: {err} {log}") from None
        yield Server("127.0.0.1", port, "county@163.com", "s3cret-授权码", tls_port=tls_port, cert=root / "cert.pem",
                     log=root / "dovecot.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


class DroppingProxy:
    """A TCP relay to a real server. On the first connection it cuts both sides once the server has sent
    `budget` bytes after the client asked for a message body (`BODY.PEEK[]`) for the `nth` time: a connection
    lost mid-message. Later connections are relayed whole (the network is back)."""

    def __init__(self, port: int, nth: int = 1 << 30, budget: int = 0, host: str = "127.0.0.1") -> None:
        self.target, self.nth, self.budget = port, nth, budget
        self.heard = bytearray()  # everything the client sent
        self.listener = socket.create_server((host, 0))
        self.port = self.listener.getsockname()[1]
        self.cut = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        first = True
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client, first), daemon=True).start()
            first = False

    def _relay(self, client: socket.socket, dropping: bool) -> None:
        server = socket.create_connection(("127.0.0.1", self.target))
        asked = [0]

        def upstream() -> None:
            try:
                while data := client.recv(65536):
                    self.heard += data
                    asked[0] += data.count(b"BODY.PEEK[]")
                    server.sendall(data)
            except OSError:
                pass
            for sock in (client, server):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=upstream, daemon=True).start()
        sent = 0
        try:
            while data := server.recv(65536):
                if dropping and asked[0] >= self.nth:
                    client.sendall(data[:max(self.budget - sent, 0)])
                    sent += len(data)
                    if sent >= self.budget:
                        self.cut.set()
                        break
                else:
                    client.sendall(data)
        except OSError:
            pass
        for sock in (client, server):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        """Stop listening."""
        self.listener.close()


def outside_address() -> str | None:
    """This machine's address on its network (not loopback), or None when it has none."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))  # no packet is sent: this only asks which source address a route has
            address = sock.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address
