"""The local SMTP sink and the SMTP adapter, against each other over real SMTP and HTTP.

The sink runs as a real subprocess on free ports in a temporary directory, as `make run` starts it;
mail goes in through `SmtpMailer` and is read back through the viewer's JSON and HTML pages.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from devstack.mailsink import start_mailsink, wait_until_ready
from devstack.ports import free_port
from integrations.email import (
    DEFAULT_SENDER,
    MailRejected,
    MailUnavailable,
    OutgoingEmail,
    SmtpMailer,
)


@dataclass
class Sink:
    smtp_port: int
    http_port: int
    directory: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def mailer(self, **env: str) -> SmtpMailer:
        return SmtpMailer.from_env({"SMTP_URL": f"smtp://127.0.0.1:{self.smtp_port}", **env})

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.headers["Content-Type"], response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers["Content-Type"], error.read().decode()

    def messages(self) -> list[dict[str, str]]:
        status, content_type, body = self.get("/api/messages")
        assert (status, content_type) == (200, "application/json")
        return json.loads(body)

    def find(self, subject: str) -> dict[str, str]:
        found = [m for m in self.messages() if m["subject"] == subject]
        assert len(found) == 1, f"expected one message with subject {subject!r}, got {len(found)}"
        return found[0]


def two_free_ports() -> tuple[int, int]:
    first = free_port()
    second = free_port()
    while second == first:
        second = free_port()
    return first, second


def start_sink(directory: Path) -> Sink:
    smtp_port, http_port = two_free_ports()
    process = start_mailsink(smtp_port, http_port, directory)
    try:
        wait_until_ready(smtp_port, http_port, timeout=30, proc=process)
    except BaseException:
        stop(process)
        raise
    return Sink(smtp_port, http_port, directory, process)


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sink]:
    running = start_sink(tmp_path_factory.mktemp("mail"))
    try:
        yield running
    finally:
        stop(running.process)


def email(subject: str, **fields: str) -> OutgoingEmail:
    values = {"to": "ada@studio-ada.example", "text": "Your deal was accepted.",
              "message_id": f"<{uuid.uuid4().hex}@tradepact.local>", **fields}
    return OutgoingEmail(subject=subject, **values)


def unique(subject: str) -> str:
    return f"{subject} {uuid.uuid4().hex[:8]}"


# --- the round trip -------------------------------------------------------------------------------

def test_a_sent_message_is_listed_by_the_json_api(sink: Sink) -> None:
    subject = unique("Deal 42 accepted")
    message = email(subject, text="Ben accepted your offer.\nNext: pay into escrow.")

    sink.mailer().send(message)

    stored = sink.find(subject)
    assert stored["from"] == DEFAULT_SENDER
    assert stored["to"] == "ada@studio-ada.example"
    assert stored["text"].strip() == "Ben accepted your offer.\nNext: pay into escrow."
    assert stored["message_id"] == message.message_id
    assert datetime.fromisoformat(stored["date"]).tzinfo is not None
    assert set(stored) >= {"id", "from", "to", "subject", "date", "text"}


def test_each_message_is_kept_as_an_eml_file_named_by_arrival(sink: Sink) -> None:
    first, second = unique("first"), unique("second")
    sink.mailer().send(email(first))
    sink.mailer().send(email(second))

    ids = [m["id"] for m in sink.messages()]
    assert ids == sorted(ids, reverse=True), "newest first"
    assert ids.index(sink.find(second)["id"]) < ids.index(sink.find(first)["id"])
    files = sorted(path.stem for path in sink.directory.glob("*.eml"))
    assert files == sorted(ids)
    raw = (sink.directory / f"{sink.find(first)['id']}.eml").read_bytes()
    assert f"Subject: {first}".encode() in raw


def test_a_retried_send_carries_the_same_message_id(sink: Sink) -> None:
    subject = unique("Reminder: delivery due")
    message = email(subject, message_id="n7.3f2a9c@tradepact.local")
    assert message.message_id == "<n7.3f2a9c@tradepact.local>"

    sink.mailer().send(message)
    sink.mailer().send(message)

    copies = [m for m in sink.messages() if m["subject"] == subject]
    assert [m["message_id"] for m in copies] == ["<n7.3f2a9c@tradepact.local>"] * 2


def test_html_mail_keeps_its_text_part_for_readers(sink: Sink) -> None:
    subject = unique("Escrow released")
    sink.mailer().send(email(subject, text="Plain version", html="<p>HTML <b>version</b></p>"))

    assert sink.find(subject)["text"].strip() == "Plain version"


def test_login_and_sender_come_from_the_environment(sink: Sink) -> None:
    subject = unique("From finance")
    mailer = SmtpMailer.from_env({"SMTP_URL": f"smtp://finance%40tp:p%3Ass@127.0.0.1:{sink.smtp_port}",
                                  "MAIL_FROM": "Tradepact Finance <finance@tradepact.local>"})
    assert (mailer.username, mailer.security) == ("finance@tp", "plain")
    assert "p:ss" not in repr(mailer)

    mailer.send(email(subject))

    assert sink.find(subject)["from"] == "Tradepact Finance <finance@tradepact.local>"


# --- the HTML viewer ------------------------------------------------------------------------------

def test_the_html_list_escapes_what_mail_says(sink: Sink) -> None:
    subject = unique('<script>alert("x")</script> & <b>bold</b>')
    sink.mailer().send(email(subject))

    status, content_type, page = sink.get("/")

    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script>" not in page and "<b>bold</b>" not in page


def test_the_list_is_newest_first_and_links_each_message(sink: Sink) -> None:
    older, newer = unique("older"), unique("newer")
    sink.mailer().send(email(older))
    sink.mailer().send(email(newer))

    _status, _type, page = sink.get("/")

    assert page.index(newer) < page.index(older)
    assert f'href="/messages/{sink.find(newer)["id"]}"' in page


def test_a_message_page_shows_headers_and_text_escaped(sink: Sink) -> None:
    subject = unique("Counter-offer")
    sink.mailer().send(email(subject, text="Price: 120 credits <not a tag> & more"))
    message_id = sink.find(subject)["id"]

    status, content_type, page = sink.get(f"/messages/{message_id}")

    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert "Message-ID" in page and "ada@studio-ada.example" in page
    assert "Price: 120 credits &lt;not a tag&gt; &amp; more" in page
    assert sink.get(f"/api/messages/{message_id}")[0] == 200


@pytest.mark.parametrize("path", ["/messages/nope", "/messages/..%2F..%2Fetc%2Fpasswd",
                                  "/api/messages/00000000-000000-000000000", "/elsewhere"])
def test_unknown_paths_are_not_found(sink: Sink, path: str) -> None:
    assert sink.get(path)[0] == 404


# --- failures the callers retry -------------------------------------------------------------------

def test_mail_unavailable_when_nothing_listens() -> None:
    mailer = SmtpMailer.from_env({"SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})

    with pytest.raises(MailUnavailable) as raised:
        mailer.send(email("nobody home"))
    assert not isinstance(raised.value, MailRejected)


def test_mail_unavailable_when_the_server_never_answers() -> None:
    # The kernel accepts the connection into the backlog; nobody ever sends the SMTP greeting.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        mailer = SmtpMailer("127.0.0.1", port, timeout=0.5)

        with pytest.raises(MailUnavailable):
            mailer.send(email("slow server"))


class _Refusing:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 no such mailbox"


def test_a_permanent_refusal_is_mail_rejected() -> None:
    port = free_port()
    controller = Controller(_Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(MailRejected) as raised:
            SmtpMailer("127.0.0.1", port).send(email("to nobody"))
    finally:
        controller.stop()
    assert raised.value.smtp_code == 550
    assert isinstance(raised.value, MailUnavailable), "bounded retries in callers still cover it"


# --- the process --------------------------------------------------------------------------------

def test_the_sink_stops_on_sigterm_and_keeps_its_mail(tmp_path: Path) -> None:
    own = start_sink(tmp_path / "mail")
    own.mailer().send(email("kept"))

    assert stop(own.process) == 0
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1

    again = start_sink(tmp_path / "mail")
    try:
        assert [m["subject"] for m in again.messages()] == ["kept"]
    finally:
        stop(again.process)


def test_wait_until_ready_reports_a_sink_that_could_not_start(sink: Sink, tmp_path: Path) -> None:
    clash = start_mailsink(sink.smtp_port, free_port(), tmp_path)  # that SMTP port is taken
    try:
        with pytest.raises(RuntimeError, match="exited"):
            wait_until_ready(sink.smtp_port, free_port(), timeout=30, proc=clash)
    finally:
        stop(clash)


# --- SMTP_URL and OutgoingEmail -------------------------------------------------------------------

@pytest.mark.parametrize(("url", "security", "port"), [
    ("smtp://mail.example.com", "plain", 25),
    ("smtp://mail.example.com?starttls=1", "starttls", 587),
    ("smtp://mail.example.com:2525?starttls=true", "starttls", 2525),
    ("smtps://mail.example.com", "tls", 465),
])
def test_smtp_url_forms(url: str, security: str, port: int) -> None:
    mailer = SmtpMailer.from_url(url)
    assert (mailer.host, mailer.port, mailer.security) == ("mail.example.com", port, security)


def test_defaults_without_environment() -> None:
    mailer = SmtpMailer.from_env({})
    assert (mailer.host, mailer.port, mailer.security, mailer.sender) == (
        "127.0.0.1", 1025, "plain", "Tradepact <no-reply@tradepact.local>")
    assert mailer.timeout == 10


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://h?starttls=maybe",
                                 "smtp://h?tls=1", "smtps://h?starttls=1"])
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        SmtpMailer.from_url(url)


@pytest.mark.parametrize("fields", [{"subject": "two\nlines"}, {"to": "a@b.example\r\nBcc: x@y.example"},
                                    {"message_id": "no-at-sign"}, {"to": " "}])
def test_outgoing_email_refuses_unsafe_headers(fields: dict[str, str]) -> None:
    values = {"to": "a@b.example", "subject": "s", "text": "t", "message_id": "<m@tradepact.local>", **fields}
    with pytest.raises(ValueError):
        OutgoingEmail(**values)
