"""The local mail server of `make run` and the tests: accepts every message, delivers none.

Owns: an SMTP listener on 127.0.0.1 (aiosmtpd) that keeps each message as an `.eml` file in one
directory, named by arrival time so the names sort by arrival, and a read-only HTTP viewer on a
second port:

    /                      the messages, newest first (received, from, to, subject)
    /messages/<id>         one message: its headers and text body
    /messages/<id>/raw     the stored .eml as received
    /api/messages          JSON, newest first: [{"id", "from", "to", "subject", "date", "text", "message_id"}]
    /api/messages/<id>     JSON, one message

Run it with `python -m devstack.mailsink --smtp-port 1025 --http-port 8025 --dir .dev/mail`;
SIGTERM or SIGINT stops it. The sink accepts any AUTH credentials (without TLS), so an
`SMTP_URL` with a user and password works against it too.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

log = logging.getLogger("devstack.mailsink")

HOST = "127.0.0.1"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Arrival time in UTC down to the nanosecond: sorts by arrival and is readable in `ls`.
_ID = re.compile(r"\d{8}-\d{6}-\d{9}")
_ID_FORMAT = "%Y%m%d-%H%M%S"


# --- storage -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredMessage:
    id: str
    received: datetime
    sender: str
    to: str
    subject: str
    date: str
    message_id: str
    text: str
    headers: list[tuple[str, str]]

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "from": self.sender, "to": self.to, "subject": self.subject,
                "date": self.date, "text": self.text, "message_id": self.message_id}


class MailStore:
    """One directory of `<id>.eml` files; writes are atomic, so readers never see half a message."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._last_ns = 0

    def save(self, mail_from: str, rcpt_tos: list[str], data: bytes) -> str:
        newline = b"\r\n" if b"\r\n" in data else b"\n"
        # What a delivering server records, so the envelope stays visible next to the headers.
        trace = (f"Return-Path: <{mail_from}>".encode() + newline
                 + f"X-Original-To: {', '.join(rcpt_tos)}".encode() + newline)
        with self._lock:
            # Strictly increasing even when two messages arrive within one clock tick.
            ns = max(time.time_ns(), self._last_ns + 1)
            while (self.directory / f"{_format_id(ns)}.eml").exists():
                ns += 1
            self._last_ns = ns
            message_id = _format_id(ns)
            partial = self.directory / f".{message_id}.partial"
            partial.write_bytes(trace + data)
            os.replace(partial, self.directory / f"{message_id}.eml")
        return message_id

    def ids(self) -> list[str]:
        """Newest first."""
        names = (path.stem for path in self.directory.glob("*.eml"))
        return sorted((name for name in names if _ID.fullmatch(name)), reverse=True)

    def path(self, message_id: str) -> Path | None:
        if not _ID.fullmatch(message_id):
            return None
        path = self.directory / f"{message_id}.eml"
        return path if path.is_file() else None

    def load(self, message_id: str) -> StoredMessage | None:
        path = self.path(message_id)
        if path is None:
            return None
        return _parse(message_id, path.read_bytes())

    def messages(self) -> list[StoredMessage]:
        found = (self.load(message_id) for message_id in self.ids())
        return [message for message in found if message is not None]


def _format_id(ns: int) -> str:
    seconds, fraction = divmod(ns, 1_000_000_000)
    return f"{datetime.fromtimestamp(seconds, UTC).strftime(_ID_FORMAT)}-{fraction:09d}"


def _received(message_id: str) -> datetime:
    stamp, fraction = message_id.rsplit("-", 1)
    moment = datetime.strptime(stamp, _ID_FORMAT).replace(tzinfo=UTC)
    return moment.replace(microsecond=int(fraction) // 1000)


def _parse(message_id: str, raw: bytes) -> StoredMessage:
    # SMTP carries CRLF line ends; readers of the JSON and the page want plain newlines.
    raw = raw.replace(b"\r\n", b"\n")
    email: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    received = _received(message_id)
    return StoredMessage(
        id=message_id,
        received=received,
        sender=_header(email, "From") or _header(email, "Return-Path").strip("<>"),
        to=_header(email, "To") or _header(email, "X-Original-To"),
        subject=_header(email, "Subject"),
        date=_date(email, received),
        message_id=_header(email, "Message-ID"),
        text=_text(email),
        headers=[(name, _safe_str(value)) for name, value in email.items()],
    )


def _header(email: EmailMessage, name: str) -> str:
    value = email.get(name)
    return "" if value is None else _safe_str(value)


def _safe_str(value: Any) -> str:
    # A malformed header from some client must not take the viewer down with it.
    try:
        return str(value)
    except Exception:
        return repr(value)


def _date(email: EmailMessage, received: datetime) -> str:
    """The Date header as ISO 8601, or the arrival time when it is missing or unreadable."""
    value = email.get("Date")
    if value:
        try:
            return parsedate_to_datetime(str(value)).isoformat()
        except (TypeError, ValueError):
            pass
    return received.isoformat()


def _text(email: EmailMessage) -> str:
    try:
        part = email.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except (KeyError, LookupError, ValueError):
        return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return _TextOfHtml.extract(content)
    return content


class _TextOfHtml(HTMLParser):
    """Readable text of an HTML-only message: its character data, without scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)

    @classmethod
    def extract(cls, markup: str) -> str:
        parser = cls()
        parser.feed(markup)
        parser.close()
        return re.sub(r"\n{3,}", "\n\n", "".join(parser.chunks)).strip()


# --- SMTP ----------------------------------------------------------------------------------------

class _SinkHandler:
    """aiosmtpd handler: every message is accepted and stored; nothing is relayed."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        try:
            self.store.save(envelope.mail_from or "", list(envelope.rcpt_tos), data)
        except OSError:
            log.exception("could not store a message")
            # 451: the client keeps the message and tries again later.
            return "451 4.3.0 Could not store the message"
        return "250 2.0.0 OK: stored"


class _DropLoginDataNotice(logging.Filter):
    """aiosmtpd 1.4 warns about its own use of a deprecated attribute on every successful AUTH."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


_LOGIN_DATA_NOTICE = _DropLoginDataNotice()


def _accept_any_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    return AuthResult(success=True)


# --- HTTP viewer -------------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:1em}}</style></head>
<body>{body}</body></html>
"""


class _ViewerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: MailStore) -> None:
        super().__init__(address, _ViewerHandler)
        self.store = store


class _ViewerHandler(BaseHTTPRequestHandler):
    server: _ViewerServer
    server_version = "tradepact-mailsink"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        store = self.server.store
        if path == "/":
            self._html("Mail sink", _list_page(store.messages()))
        elif path == "/api/messages":
            self._json([message.as_json() for message in store.messages()])
        elif path.startswith("/api/messages/"):
            message = store.load(path.removeprefix("/api/messages/"))
            if message is None:
                self._not_found()
            else:
                self._json(message.as_json())
        elif path.startswith("/messages/") and path.endswith("/raw"):
            found = store.path(path.removeprefix("/messages/").removesuffix("/raw"))
            if found is None:
                self._not_found()
            else:
                self._send(200, "text/plain; charset=utf-8", found.read_bytes())
        elif path.startswith("/messages/"):
            message = store.load(path.removeprefix("/messages/"))
            if message is None:
                self._not_found()
            else:
                self._html(message.subject or "(no subject)", _message_page(message))
        else:
            self._not_found()

    def _html(self, title: str, body: str) -> None:
        page = _PAGE.format(title=html.escape(title), body=body)
        self._send(200, "text/html; charset=utf-8", page.encode())

    def _json(self, payload: object) -> None:
        self._send(200, "application/json", json.dumps(payload, ensure_ascii=False).encode())

    def _not_found(self) -> None:
        self._send(404, "text/plain; charset=utf-8", b"no such message\n")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Mail content is hostile input: no scripts, no remote loads, no sniffing it into HTML.
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def _list_page(messages: list[StoredMessage]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(m.received.strftime('%Y-%m-%d %H:%M:%S'))}</td><td>{e(m.sender)}</td>"
        f"<td>{e(m.to)}</td><td><a href=\"/messages/{e(m.id)}\">{e(m.subject or '(no subject)')}</a></td></tr>"
        for m in messages
    )
    if not rows:
        rows = '<tr><td colspan="4">No mail yet.</td></tr>'
    return (f"<h1>Mail sink</h1><p>{len(messages)} message(s), newest first. "
            f"JSON at <a href=\"/api/messages\">/api/messages</a>.</p>"
            f"<table><thead><tr><th>received (UTC)</th><th>from</th><th>to</th><th>subject</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _message_page(message: StoredMessage) -> str:
    e = html.escape
    headers = "".join(f"<tr><th>{e(name)}</th><td>{e(value)}</td></tr>" for name, value in message.headers)
    return (f"<p><a href=\"/\">all messages</a> · <a href=\"/messages/{e(message.id)}/raw\">raw</a></p>"
            f"<h1>{e(message.subject or '(no subject)')}</h1>"
            f"<table>{headers}</table><pre>{e(message.text)}</pre>")


# --- the sink as a whole -------------------------------------------------------------------------

class MailSink:
    """The SMTP listener and the HTTP viewer over one store, started and stopped together."""

    def __init__(self, smtp_port: int, http_port: int, directory: Path, host: str = HOST) -> None:
        logging.getLogger("mail.log").addFilter(_LOGIN_DATA_NOTICE)
        self.store = MailStore(directory)
        self.host = host
        self.smtp_port = smtp_port
        self.http_port = http_port
        self._controller = Controller(
            _SinkHandler(self.store), hostname=host, port=smtp_port,
            enable_SMTPUTF8=True, authenticator=_accept_any_login, auth_require_tls=False,
        )
        self._viewer: _ViewerServer | None = None
        self._viewer_thread: threading.Thread | None = None

    def start(self) -> None:
        # aiosmtpd reports a taken port only after its whole ready timeout; find out at once.
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((self.host, self.smtp_port))
        self._controller.start()
        try:
            self._viewer = _ViewerServer((self.host, self.http_port), self.store)
        except OSError:
            self._controller.stop()
            raise
        self._viewer_thread = threading.Thread(target=self._viewer.serve_forever, name="mailsink-http",
                                               daemon=True)
        self._viewer_thread.start()

    def stop(self) -> None:
        if self._viewer is not None:
            self._viewer.shutdown()
            self._viewer.server_close()
            self._viewer = None
        if self._viewer_thread is not None:
            self._viewer_thread.join(timeout=5)
            self._viewer_thread = None
        self._controller.stop()

    def __enter__(self) -> MailSink:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.mailsink", description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path(".dev/mail"), help="where the .eml files are kept")
    parser.add_argument("--host", default=HOST, help="interface to listen on (default: loopback only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="mailsink %(levelname)s %(message)s")

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sink = MailSink(args.smtp_port, args.http_port, args.dir, host=args.host)
    try:
        sink.start()
    except (OSError, RuntimeError) as error:
        print(f"mailsink: cannot start: {error}", file=sys.stderr, flush=True)
        return 1
    print(f"mailsink: smtp://{args.host}:{args.smtp_port}, messages at http://{args.host}:{args.http_port}, "
          f"stored in {args.dir}", flush=True)
    try:
        stop.wait()
    finally:
        sink.stop()
    return 0


# --- for the supervisor and the tests ----------------------------------------------------------

def start_mailsink(smtp_port: int, http_port: int, directory: Path | str,
                   log_path: Path | None = None) -> subprocess.Popen:
    """Start the sink as a child process (own session, so a terminal's Ctrl-C reaches only the parent).

    Without `log_path` its one start-up line is dropped and warnings go to the parent's stderr.
    """
    args = [sys.executable, "-m", "devstack.mailsink", "--smtp-port", str(smtp_port),
            "--http-port", str(http_port), "--dir", str(Path(directory).resolve())]
    if log_path is None:
        return subprocess.Popen(args, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, start_new_session=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        return subprocess.Popen(args, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_until_ready(smtp_port: int, http_port: int, timeout: float = 30.0,
                     proc: subprocess.Popen | None = None, host: str = HOST) -> None:
    """Return once the sink greets on SMTP and answers /api/messages; raise if it exits or times out."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"mail sink exited with {proc.returncode} before it was ready")
        try:
            with smtplib.SMTP(host, smtp_port, timeout=2) as smtp:
                smtp.noop()
            with urllib.request.urlopen(f"http://{host}:{http_port}/api/messages", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, smtplib.SMTPException, urllib.error.URLError) as error:
            last_error = error
        time.sleep(0.1)
    raise TimeoutError(f"mail sink not ready on smtp {smtp_port} / http {http_port} after {timeout}s: {last_error}")


if __name__ == "__main__":
    sys.exit(main())
