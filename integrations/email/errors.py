"""Errors of the email adapter: what a caller may retry and what it may not.

`MailRejected` subclasses `MailUnavailable` on purpose: callers that retry a bounded number of
times and then give up (the mail outbox) handle both the same way and never get stuck on one
message, while a caller that cares can tell a permanent refusal from an outage.
"""

from __future__ import annotations


class MailUnavailable(Exception):
    """The message could not be handed to the mail server (down, unreachable, timed out, busy).

    Sending the same message again later may succeed; its Message-ID stays the same, so a
    message that did get through before the failure is recognisable as a duplicate.
    """


class MailRejected(MailUnavailable):
    """The mail server refused the message or the login for good (an SMTP 5xx reply).

    Retrying the same message unchanged will not help; the configuration or the address must change.
    """

    def __init__(self, message: str, smtp_code: int | None = None) -> None:
        super().__init__(message)
        self.smtp_code = smtp_code
