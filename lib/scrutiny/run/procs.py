"""The processes a run starts: tie their lives to the runner, and end a whole tree at once.

A briefing runs in a forked worker, which starts a Jupyter kernel (in a session of its
own), which may start processes of its own. If the runner is killed outright
(``kill -9``), nothing tells the worker; :func:`die_with_parent` starts a thread in the
worker that notices the runner is gone and ends the worker and everything under it.
:func:`kill_tree` ends a process with all its descendants (used for timeouts and
Ctrl-C as well).

Descendants are found through ``/proc`` (Linux). Elsewhere only the process and its own
process group are ended; ipykernel still stops a kernel whose parent has gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")


def _children_by_parent() -> dict[int, list[int]]:
    """Map each process id to its children's ids, from ``/proc/<pid>/stat``."""
    out: dict[int, list[int]] = {}
    try:
        names = os.listdir(PROC)
    except OSError:
        return out
    for name in names:
        if not name.isdigit():
            continue
        try:
            stat = (PROC / name / "stat").read_bytes()
        except OSError:
            continue
        # the command name (field 2) may hold spaces and brackets: split after the last ")"
        fields = stat.rsplit(b")", 1)[-1].split()
        with contextlib.suppress(IndexError, ValueError):
            out.setdefault(int(fields[1]), []).append(int(name))
    return out


def descendants(pid: int) -> list[int]:
    """Return the ids of every process below ``pid`` (children first); empty off Linux."""
    tree = _children_by_parent()
    found: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        child = todo.pop(0)
        if child not in found:
            found.append(child)
            todo.extend(tree.get(child, []))
    return found


def process_start(pid: int) -> str | None:
    """Return when ``pid`` started (clock ticks since boot), to tell a reused pid; or None."""
    try:
        stat = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    fields = stat.rsplit(b")", 1)[-1].split()
    return fields[19].decode() if len(fields) > 19 else None


def is_alive(pid: int, started: str | None = None) -> bool:
    """Return whether process ``pid`` exists (and, given ``started``, is the same process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    if started is not None:
        now = process_start(pid)
        if now is not None and now != started:
            return False  # the pid was reused by another process
    return True


def kill_tree(pid: int) -> None:
    """Send SIGKILL to ``pid``, every process below it, and the process groups they lead.

    The tree is listed before anything is killed (an orphan is re-parented and could no
    longer be found). Groups are only killed through a process that leads one (the worker
    after ``setsid``, a kernel in its own session), never the caller's own group.
    """
    mine = os.getpgid(0)
    below = descendants(pid)
    for p in [*below, pid]:
        if p != mine:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p, signal.SIGKILL)
        if p != os.getpid():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(p, signal.SIGKILL)
    if pid == os.getpid():
        os.kill(pid, signal.SIGKILL)


def die_with_parent(parent: int, interval: float = 0.2) -> threading.Thread:
    """In a child process: end it and everything below it as soon as ``parent`` is gone.

    Starts a daemon thread that polls ``os.getppid()``; when the parent has died the child
    is re-parented, and the thread kills the child's whole tree (its kernel included).

    Parameters
    ----------
    parent
        The parent's pid, read before the fork (if it is already gone, the child ends at
        the first poll).
    interval
        Seconds between polls.
    """

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                kill_tree(os.getpid())
            time.sleep(interval)

    thread = threading.Thread(target=watch, name="scrutiny-die-with-parent", daemon=True)
    thread.start()
    return thread


def parent_death_signal(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """Return a ``preexec_fn`` that has a child program killed when its parent ends.

    Linux's ``prctl(PR_SET_PDEATHSIG)``: the signal is sent when the *thread* that started
    the child ends, so start it from the runner's main thread. None off Linux (use
    :func:`die_with_parent` in a Python child there).

    Parameters
    ----------
    sig
        The signal the child gets (default SIGKILL).
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec
