"""`python -m web` serves the app under gunicorn, on loopback, with threads for waiting requests."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from web.__main__ import THREADS, LocalServer


def test_the_local_server_is_gunicorn_on_loopback_with_a_thread_pool(settings):
    server = LocalServer(replace(settings, port=5123))
    assert server.cfg.bind == ["127.0.0.1:5123"]
    assert server.cfg.workers == 1 and server.cfg.worker_class_str == "gthread"
    assert server.cfg.threads == THREADS >= 8  # the benchmark's and a demo's concurrent clients
    assert isinstance(server.load(), Flask)
