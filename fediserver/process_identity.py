"""Who this process is, as a holder of leases on queue rows, and whether another still runs.

A worker stamps the rows it claims with its ``token`` (new in every process). To tell
whether a recorded holder is gone, the record keeps where it ran (``place``: the host
name, the boot and the PID namespace, so two containers never mistake each other's
pids) and which process it was (pid and, on Linux, the moment it started, so a reused
pid is not mistaken for the holder). ``still_runs`` answers for holders of this place;
for holders elsewhere only their heartbeat can tell.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ProcessIdentity", "current", "still_runs"]


@dataclass(frozen=True)
class ProcessIdentity:
    token: str
    place: str
    pid: int
    started: str  # when the process started, as the kernel counts it; "" if unknown


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, start time) of ``pid`` from /proc, or None when /proc cannot tell."""
    text = _read(f"/proc/{pid}/stat")
    if not text:
        return None
    fields = text.rpartition(")")[2].split()  # the name in parentheses may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else None


_current: ProcessIdentity | None = None


def current() -> ProcessIdentity:
    """This process (a fresh identity after a fork)."""
    global _current
    pid = os.getpid()
    if _current is None or _current.pid != pid:
        place = " ".join(filter(None, [socket.gethostname(), _read("/proc/sys/kernel/random/boot_id"), _namespace()]))
        stat = _stat(pid)
        _current = ProcessIdentity(secrets.token_hex(16), place[:255], pid, stat[1] if stat else "")
    return _current


def still_runs(place: str, pid: int, started: str) -> bool | None:
    """Whether the process recorded as (place, pid, started) still runs; None when it ran
    elsewhere, where this process cannot look."""
    me = current()
    if place != me.place:
        return None
    if pid == me.pid:
        return False  # a holder other than this process that had our pid: an earlier one
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    stat = _stat(pid)
    if stat is None:
        return True
    state, start = stat
    return state not in ("Z", "X") and (not started or start == started)
