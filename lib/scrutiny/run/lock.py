"""The lock on a cycle's reports folder: one run writes it at a time.

``<reports>/<cycle>/.lock`` is held with ``flock`` for the whole run and records its owner
(pid, host, start time, command) as JSON; a run that ends normally empties it. So:

* a second run while the first is alive is refused, naming the first;
* a run that finds the lock free but not empty knows the previous run did not finish
  (it was killed) and says so;
* a lock still held although its owner is dead (a process the dead run left behind holds
  the file) is taken over: the file is replaced, under a short second lock so that two
  runs never take it over at once.

The file is opened close-on-exec, and forked workers close their copy
(:func:`close_in_child`), so no child of the run can keep the lock alive after the run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from scrutiny.errors import MachineError, machine_error
from scrutiny.run.procs import is_alive, process_start

LOCK = ".lock"
GUARD = ".lock.takeover"


@dataclass(frozen=True)
class LockOwner:
    """The run that holds (or last held) a lock."""

    pid: int
    host: str
    started: str
    process_start: str | None = None
    command: str | None = None

    @classmethod
    def me(cls) -> LockOwner:
        """Return this process as an owner."""
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            started=datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
            process_start=process_start(os.getpid()),
            command=" ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[
                :300
            ],
        )

    def describe(self) -> str:
        """Return e.g. ``pid 1234 on host1, started 2022-11-20T09:00:00+00:00``."""
        text = f"pid {self.pid} on {self.host}, started {self.started}"
        return text + (f": {self.command}" if self.command else "")

    def alive(self) -> bool | None:
        """Return whether the owner still runs; None when it is on another host."""
        if self.host != socket.gethostname():
            return None
        return is_alive(self.pid, self.process_start)


class LockHeldError(MachineError):
    """Another run is writing the same reports folder."""


def _read_owner(fd: int) -> LockOwner | None:
    try:
        raw = os.pread(fd, 4096, 0)
        data = json.loads(raw.decode("utf-8")) if raw.strip() else None
        return LockOwner(**data) if isinstance(data, dict) else None
    except (OSError, ValueError, TypeError):
        return None


def _write_owner(fd: int, owner: LockOwner) -> None:
    # Best effort: on a full disk the lock still works without its description.
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(asdict(owner)) + "\n").encode("utf-8"), 0)


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _held(folder: Path, owner: LockOwner | None) -> LockHeldError:
    if owner is None:
        return LockHeldError(
            folder, "another scrutiny run is writing this folder", "Wait for it to finish"
        )
    where = "" if owner.host == socket.gethostname() else f" on another machine ({owner.host})"
    return LockHeldError(
        folder,
        f"another scrutiny run is writing this folder{where} ({owner.describe()})",
        "Wait for it to finish"
        + (
            f", or, if that run is gone, delete {folder / LOCK}"
            if owner.host != socket.gethostname()
            else ""
        ),
    )


def _take_over(folder: Path, dead: LockOwner) -> int:
    """Replace a lock file whose dead owner's leftovers still hold it; return the new fd."""
    path = folder / LOCK
    guard = _open(folder / GUARD)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)  # held for milliseconds by live runs only
        fd = _open(path)
        if _try_lock(fd):  # replaced and released meanwhile
            return fd
        current = _read_owner(fd)
        if current != dead:  # another run took it over first
            os.close(fd)
            raise _held(folder, current)
        tmp = folder / f".lock.{os.getpid()}.new"
        new = _open(tmp)
        fcntl.flock(new, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else has it
        os.replace(tmp, path)
        os.close(fd)
        return new
    finally:
        os.close(guard)


@contextlib.contextmanager
def hold(folder: Path, notice: Callable[[str], None] | None = None) -> Iterator[int]:
    """Hold the lock on ``folder`` for the duration; yield its file descriptor.

    Parameters
    ----------
    folder
        The cycle's reports folder (it must exist).
    notice
        Called with a sentence for the console when a dead run's lock is taken over.

    Raises
    ------
    LockHeldError
        Another live run holds the lock.
    MachineError
        The lock file cannot be created (e.g. the folder is read-only).
    """
    say = notice or (lambda text: None)
    try:
        fd = _open(folder / LOCK)
    except OSError as exc:
        err = machine_error(exc, "creating the lock file", folder / LOCK)
        if err is exc:
            raise
        raise err from exc
    try:
        if not _try_lock(fd):
            owner = _read_owner(fd)
            alive = owner.alive() if owner is not None else True
            if alive is not False:
                raise _held(folder, owner)
            assert owner is not None
            os.close(fd)
            fd = -1
            fd = _take_over(folder, owner)
            say(
                f"The run that held {folder / LOCK} ({owner.describe()}) is no longer running, "
                "but a process it left behind still held the lock; taking it over."
            )
        else:
            previous = _read_owner(fd)
            if previous is not None and previous.pid != os.getpid():
                say(
                    f"The previous run ({previous.describe()}) did not finish (it was killed "
                    "or the machine stopped); taking over its lock. Pages it had not "
                    "finished publishing are run again."
                )
        _write_owner(fd, LockOwner.me())
        yield fd
    finally:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)  # an empty lock file: the run ended normally
            os.close(fd)


def close_in_child(fd: int | None) -> None:
    """In a forked child: close the inherited lock descriptor, so only the runner holds it."""
    if fd is not None and fd >= 0:
        with contextlib.suppress(OSError):
            os.close(fd)
