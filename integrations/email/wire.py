"""The bytes of a plain-text email, written directly instead of through `email.message`.

The outbox sends one short text email per notice; building each through `EmailMessage`
(header objects, policy folding, then flattening them again for SMTP) cost about a millisecond
and was most of the worker's mail time. A text-only message needs none of that machinery:
ASCII headers, RFC 2047 encoded words for a non-ASCII subject or sender name, and a body sent
as 7bit when it is short-lined ASCII and base64 otherwise. Anything else (an HTML part, a
non-ASCII address, an overlong header) returns None and goes through `email.message`.
"""

from __future__ import annotations

import binascii
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

MAX_LINE = 998  # RFC 5322's hard limit on a line, without its CRLF
BASE64_CHUNK = 57  # bytes per 76-character base64 line


def envelope_sender(sender: str) -> str:
    """The address SMTP's MAIL FROM carries, from a `Name <address>` header value."""
    return parseaddr(sender)[1] or sender


def plain_text_bytes(sender: str, to: str, subject: str, message_id: str, text: str) -> bytes | None:
    """The whole message, CRLF line ends; None if it needs the full MIME machinery."""
    name, address = parseaddr(sender)
    if not (address.isascii() and to.isascii()) or max(len(subject), len(to), len(sender)) > MAX_LINE // 2:
        return None
    body, encoding = _body(text)
    headers = [
        f"From: {formataddr((name, address), charset='utf-8')}",
        f"To: {to}",
        f"Subject: {_header_text(subject)}",
        f"Date: {formatdate(usegmt=True)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        f"Content-Transfer-Encoding: {encoding}",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + body


def _header_text(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def _body(text: str) -> tuple[bytes, str]:
    # Lines as `EmailMessage.set_content` splits them, so the content reads back the same.
    lines = text.encode("utf-8").splitlines()
    if text.isascii() and all(len(line) <= MAX_LINE for line in lines):
        return b"\r\n".join(lines) + b"\r\n", "7bit"
    raw = b"\n".join(lines) + b"\n"
    chunks = (binascii.b2a_base64(raw[i:i + BASE64_CHUNK], newline=False)
              for i in range(0, len(raw), BASE64_CHUNK))
    return b"\r\n".join(chunks) + b"\r\n", "base64"
