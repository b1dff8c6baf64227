"""A plain-text email written directly reads back, through the standard parser, as what was sent."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from hypothesis import given
from hypothesis import strategies as st

from integrations.email.smtp import OutgoingEmail, SmtpMailer
from integrations.email.wire import envelope_sender, plain_text_bytes

SENDER = "Tradepact <no-reply@tradepact.local>"


def parsed(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def content(raw: bytes) -> str:
    """The text a mail client shows (SMTP carries CRLF line ends; the text has LF)."""
    return parsed(raw).get_content().replace("\r\n", "\n")


def test_an_ascii_notice_is_plain_7bit_with_crlf_lines():
    raw = plain_text_bytes(SENDER, "ada@studio-ada.example", "New offer", "<n1.abc@tradepact.local>",
                           "You received an offer.\n\nhttp://127.0.0.1:5000/deals/d1")
    assert raw is not None
    assert b"\r\n\r\nYou received an offer.\r\n\r\nhttp://127.0.0.1:5000/deals/d1\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    message = parsed(raw)
    assert message["Content-Transfer-Encoding"] == "7bit"
    assert message["From"] == SENDER and message["To"] == "ada@studio-ada.example"
    assert message["Message-ID"] == "<n1.abc@tradepact.local>"
    assert message["Date"] is not None and message["MIME-Version"] == "1.0"


def test_non_ascii_subject_and_body_survive_encoding():
    raw = plain_text_bytes("Tradépact <no-reply@tradepact.local>", "ben@bens-books.example",
                           "Ben’s Books accepted your offer — Logo design", "<n2.abc@tradepact.local>",
                           "Accepted — à bientôt\n\n— Tradepact")
    assert raw is not None and raw.isascii()
    message = parsed(raw)
    assert message["Subject"] == "Ben’s Books accepted your offer — Logo design"
    assert message["From"].addresses[0].display_name == "Tradépact"
    assert content(raw) == "Accepted — à bientôt\n\n— Tradepact\n"


def test_a_line_beyond_the_smtp_limit_is_base64():
    text = "x" * 5000
    raw = plain_text_bytes(SENDER, "ada@studio-ada.example", "Long note", "<n3.abc@tradepact.local>", text)
    assert raw is not None and max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert content(raw) == text + "\n"


def test_what_needs_full_mime_is_left_to_email_message():
    assert plain_text_bytes(SENDER, "adà@example.test", "Hi", "<n4.a@tradepact.local>", "x") is None
    assert plain_text_bytes(SENDER, "a@example.test", "s" * 600, "<n5.a@tradepact.local>", "x") is None


def test_the_envelope_sender_is_the_bare_address():
    assert envelope_sender(SENDER) == "no-reply@tradepact.local"
    assert envelope_sender("no-reply@tradepact.local") == "no-reply@tradepact.local"


@given(subject=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200),
       body=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=400))
def test_any_subject_and_body_read_back_as_through_email_message(subject, body):
    raw = plain_text_bytes(SENDER, "ada@studio-ada.example", subject, "<n6.a@tradepact.local>", body)
    assert raw is not None
    before = SmtpMailer("127.0.0.1").build(OutgoingEmail(to="ada@studio-ada.example", subject=subject, text=body,
                                                         message_id="<n6.a@tradepact.local>"))
    expected = parsed(before.as_bytes(policy=before.policy.clone(linesep="\r\n")))
    # As given, or as the standard library would send it: it drops a leading space before an
    # encoded word (' \xa0' reads back as '\xa0'), which the fast path keeps.
    assert str(parsed(raw)["Subject"]) in (subject, str(expected["Subject"]))
    assert content(raw) == expected.get_content().replace("\r\n", "\n")
