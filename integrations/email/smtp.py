"""Sending one email through an SMTP server named by a URL.

Owns: parsing `SMTP_URL` (`smtp://[user:pass@]host[:port]`, `smtps://` for implicit TLS,
`?starttls=1` to upgrade a plain connection), building the MIME message (text, optional HTML
alternative, a caller-chosen Message-ID; a plain-text one is written directly by `wire`) and
mapping every failure to `MailUnavailable` or `MailRejected`. It keeps no connection open
between sends: mail is sent from a background outbox a few messages at a time, and a fresh
connection survives server restarts for free.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from integrations.email.errors import MailRejected, MailUnavailable
from integrations.email.wire import envelope_sender, plain_text_bytes

DEFAULT_SMTP_URL = "smtp://127.0.0.1:1025"
DEFAULT_SENDER = "Tradepact <no-reply@tradepact.local>"
DEFAULT_TIMEOUT = 10.0

Security = Literal["plain", "starttls", "tls"]

_DEFAULT_PORTS: dict[Security, int] = {"plain": 25, "starttls": 587, "tls": 465}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")


@dataclass(frozen=True, kw_only=True)
class OutgoingEmail:
    """One email to one recipient.

    `message_id` identifies the message across retries: derive it from what the email is about
    (e.g. the notification and the recipient), so a resend after a timeout carries the same id.
    Given without angle brackets it is wrapped in them.
    """

    to: str
    subject: str
    text: str
    message_id: str
    html: str | None = None

    def __post_init__(self) -> None:
        # Header fields with line breaks would let a value smuggle in extra headers.
        for name in ("to", "subject", "message_id"):
            value = getattr(self, name)
            if "\r" in value or "\n" in value:
                raise ValueError(f"{name} must be a single line")
        if not self.to.strip():
            raise ValueError("to must name a recipient")
        message_id = self.message_id.strip()
        if not message_id.startswith("<"):
            message_id = f"<{message_id}>"
        if not _MESSAGE_ID.fullmatch(message_id):
            raise ValueError(f"message_id must look like <left@right>, got {self.message_id!r}")
        object.__setattr__(self, "message_id", message_id)


class SmtpMailer:
    """Sends `OutgoingEmail`s through one SMTP server, one connection per message."""

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        security: Security = "plain",
        username: str | None = None,
        password: str | None = None,
        sender: str = DEFAULT_SENDER,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if security not in _DEFAULT_PORTS:
            raise ValueError(f"unknown SMTP security {security!r}")
        self.host = host
        self.port = port if port is not None else _DEFAULT_PORTS[security]
        self.security: Security = security
        self.username = username
        self._password = password
        self.sender = sender
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str, *, sender: str = DEFAULT_SENDER,
                 timeout: float = DEFAULT_TIMEOUT) -> SmtpMailer:
        """`smtp://user:pass@host:port`, `smtps://host` (TLS from the first byte) or `smtp://host?starttls=1`."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"SMTP_URL must start with smtp:// or smtps://, got {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("SMTP_URL names no host")
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"starttls"}
        if unknown:
            # A misspelt option would otherwise silently send in clear text.
            raise ValueError(f"unknown SMTP_URL options: {', '.join(sorted(unknown))}")
        starttls = query.get("starttls", ["0"])[-1].lower()
        if starttls not in _TRUE | _FALSE:
            raise ValueError(f"starttls must be 1 or 0, got {starttls!r}")
        security: Security = "tls" if parts.scheme == "smtps" else "plain"
        if starttls in _TRUE:
            if security == "tls":
                raise ValueError("smtps:// is already encrypted; drop ?starttls")
            security = "starttls"
        return cls(
            parts.hostname,
            parts.port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            sender=sender,
            timeout=timeout,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpMailer:
        """From `SMTP_URL` (default: the local sink) and `MAIL_FROM` (default: Tradepact's no-reply)."""
        env = os.environ if environ is None else environ
        return cls.from_url(env.get("SMTP_URL") or DEFAULT_SMTP_URL,
                            sender=env.get("MAIL_FROM") or DEFAULT_SENDER)

    def __repr__(self) -> str:
        # Never show the password: mailers end up in logs and tracebacks.
        user = f"{self.username}@" if self.username else ""
        return f"SmtpMailer({self.security} {user}{self.host}:{self.port})"

    def build(self, message: OutgoingEmail) -> EmailMessage:
        """The MIME message `send` hands to the server."""
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(usegmt=True)
        email["Message-ID"] = message.message_id
        email.set_content(message.text)
        if message.html is not None:
            email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message: OutgoingEmail) -> None:
        """Hand one message to the server; raises `MailUnavailable` or `MailRejected` if it was not accepted."""
        with self.connection() as deliver:
            deliver(message)

    @contextmanager
    def connection(self) -> Iterator[Callable[[OutgoingEmail], None]]:
        """One SMTP session for many messages (the outbox sends a batch per pass)."""
        where = f"{self.host}:{self.port}"
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            raise MailUnavailable(f"cannot reach mail server {where}: {error}") from error
        try:
            try:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self._password or "")
            except (OSError, smtplib.SMTPException) as error:
                raise MailUnavailable(f"cannot open a session with {where}: {error}") from error
            yield lambda message: self._deliver(smtp, where, message)
        finally:
            _close(smtp)

    def _deliver(self, smtp: smtplib.SMTP, where: str, message: OutgoingEmail) -> None:
        try:
            wire = None if message.html is not None else plain_text_bytes(
                self.sender, message.to, message.subject, message.message_id, message.text)
            if wire is None:
                smtp.send_message(self.build(message))
            else:
                smtp.sendmail(envelope_sender(self.sender), [message.to], wire)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise MailRejected(f"{where} refused {message.to}: {error.recipients}", min(codes)) from error
            raise MailUnavailable(f"{where} deferred {message.to}: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                raise MailRejected(f"{where} refused the message: {error.smtp_code} {error.smtp_error!r}",
                                   error.smtp_code) from error
            raise MailUnavailable(f"{where} deferred the message: {error.smtp_code} {error.smtp_error!r}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise MailUnavailable(f"sending through {where} failed: {error}") from error

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def _close(smtp: smtplib.SMTP) -> None:
    # The message is either accepted or already reported by now; a failed QUIT changes neither.
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
