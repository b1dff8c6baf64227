"""Outgoing email: the SMTP adapter the worker's mail outbox sends through.

`SmtpMailer` owns turning an `OutgoingEmail` into a MIME message and handing it to the server
named by `SMTP_URL`; failures come back as `MailUnavailable` (retry later) or its subclass
`MailRejected` (refused for good). Locally `SMTP_URL` points at `devstack.mailsink`.
"""

from integrations.email.errors import MailRejected, MailUnavailable
from integrations.email.smtp import DEFAULT_SENDER, DEFAULT_SMTP_URL, OutgoingEmail, SmtpMailer

__all__ = [
    "DEFAULT_SENDER",
    "DEFAULT_SMTP_URL",
    "MailRejected",
    "MailUnavailable",
    "OutgoingEmail",
    "SmtpMailer",
]
