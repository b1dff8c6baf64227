"""Serve the web app locally: `python -m web` on http://127.0.0.1:$PORT (default 5000).

Werkzeug's threaded server is enough for one machine's demo and tests; production runs the
same `create_app` under gunicorn (docker-compose.yml).
"""

from __future__ import annotations

import logging

from werkzeug.serving import run_simple

from integrations.settings import Settings
from web import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s web %(levelname)s %(message)s")
    settings = Settings.from_env()
    run_simple("127.0.0.1", settings.port, create_app(settings), threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
