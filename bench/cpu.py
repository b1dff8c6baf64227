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


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds so far) of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS  # ppid; utime + stime


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def snapshot(marker: str | None = None) -> dict[str, tuple[str, float]]:
    """pid -> (group, CPU seconds so far) for the stack's processes.

    Only this process, its descendants, and processes whose command line names `marker` (the
    stack's data directory: PostgreSQL detaches from its starter) and their descendants count:
    other stacks on a shared machine run the same commands and must not be billed to this one.
    """
    stats = {pid: stat for pid in filter(str.isdigit, os.listdir("/proc")) if (stat := _stat(pid))}
    ours = {str(os.getpid())} | {pid for pid in stats if marker and marker in _cmdline(pid)}
    grew = True
    while grew:
        more = {pid for pid, (parent, _cpu) in stats.items() if str(parent) in ours} - ours
        ours |= more
        grew = bool(more)
    seen = {}
    for pid in ours & stats.keys():
        group = _group(pid)
        if group is not None:
            seen[pid] = (group, stats[pid][1])
    return seen


def used_between(before: dict[str, tuple[str, float]], after: dict[str, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per group between two snapshots (processes born in between count from zero)."""
    totals: dict[str, float] = {}
    for pid, (group, seconds) in after.items():
        totals[group] = totals.get(group, 0.0) + seconds - before.get(pid, (group, 0.0))[1]
    return {group: round(seconds, 2) for group, seconds in sorted(totals.items(), key=lambda kv: -kv[1])}
