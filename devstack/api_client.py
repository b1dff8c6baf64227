"""A small JSON client of Tradepact's own API, for the end-to-end tests and the benchmarks."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    body: Any
    seconds: float


class ApiClient:
    """Keeps one HTTP/1.1 connection per thread, as a browser or SDK would."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            parts = urlsplit(self.base_url)
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             raw_body: tuple[bytes, str] | None = None) -> Answer:
        """JSON `body`, or `raw_body` as (bytes, content type) for a multipart upload."""
        data = None if body is None else json.dumps(body).encode()
        sent = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        if raw_body is not None:
            data, sent["Content-Type"] = raw_body
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        started = time.perf_counter()
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, path, body=data, headers=sent)
                response = connection.getresponse()
                status, raw = response.status, response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open a new one once.
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return Answer(status, parsed, elapsed)

    def get(self, path: str) -> Answer:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None, **headers: str) -> Answer:
        return self.call("POST", path, body if body is not None else {}, headers)

    def post_files(self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes, str]]) -> Answer:
        """multipart/form-data: text `fields` and `files` as (field, file name, bytes, content type)."""
        boundary = f"tradepact-{uuid.uuid4().hex}"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields.items()]
        parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                  f"Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n"
                  for field, filename, content, kind in files]
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.call("POST", path, raw_body=(body, f"multipart/form-data; boundary={boundary}"))

    def log_in(self, email: str, password: str) -> ApiClient:
        answer = self.post("/api/v1/auth/token", {"email": email, "password": password})
        if answer.status != 200:
            raise RuntimeError(f"login failed for {email}: {answer.status} {answer.body}")
        return ApiClient(self.base_url, answer.body["token"], self.timeout)
