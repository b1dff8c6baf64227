"""Serve the web app locally: `python -m web` on http://127.0.0.1:$PORT (default 5000).

Under gunicorn, as in production (docker-compose.yml): one worker process with a pool of
threads, because every deal action waits on its workflow (I/O, not CPU), and one process
keeps a single Temporal client. Werkzeug's development server parsed each request through
`http.server` and started a thread per connection, which cost more CPU per request than the
views did for the lighter ones.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from integrations.long_lived_process import freeze_startup_objects
from integrations.settings import Settings
from web import create_app

THREADS = 16  # concurrent requests; each mostly waits on Temporal or PostgreSQL


class LocalServer(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        super().__init__()

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"127.0.0.1:{self._settings.port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": THREADS,
            "keepalive": 30,  # API clients keep their connection, as a browser does
            "graceful_timeout": 5,  # Ctrl-C in `make run` must not wait long for idle clients
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        # Built in the worker process, after the fork: the Temporal client's thread and the
        # database pool must belong to the process that serves.
        app = create_app(self._settings)
        freeze_startup_objects()
        return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s web %(levelname)s %(message)s")
    LocalServer(Settings.from_env()).run()


if __name__ == "__main__":
    main()
