"""CPU seconds used by each part of the stack over a stretch of time, read from /proc.

Processes are grouped by what they run (web, worker, temporal, postgres, ...), so a benchmark
can say where a deal's CPU goes, not only how many deals went through.
"""

from __future__ import annotations

import os
from pathlib import Path

GROUPS = (("-m web", "web"), ("workflows.worker", "worker"), ("temporal server", "temporal"),
          ("postgres", "postgres"), ("devstack.mailsink", "mail sink"), ("devstack.stripe_server", "stripe"),
          ("-m bench", "benchmark clients"))
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _group(pid: str) -> str | None:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    return next((name for needle, name in GROUPS if needle in command), None)


def snapshot() -> dict[str, tuple[str, float]]:
    """pid -> (group, CPU seconds so far) for the stack's processes."""
    seen = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        group = _group(pid)
        if group is None:
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        seen[pid] = (group, (int(fields[11]) + int(fields[12])) / TICKS)  # utime + stime
    return seen


def used_between(before: dict[str, tuple[str, float]], after: dict[str, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per group between two snapshots (processes born in between count from zero)."""
    totals: dict[str, float] = {}
    for pid, (group, seconds) in after.items():
        totals[group] = totals.get(group, 0.0) + seconds - before.get(pid, (group, 0.0))[1]
    return {group: round(seconds, 2) for group, seconds in sorted(totals.items(), key=lambda kv: -kv[1])}
