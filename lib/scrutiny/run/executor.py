"""Where a cycle's briefings run: the runner submits jobs to an executor and reads its events.

An :class:`Executor` runs each job in a process of its own, so that a timeout or Ctrl-C can
end the job, its Jupyter kernel and whatever the kernel started (:func:`scrutiny.run.procs.
kill_tree`). The runner (:mod:`scrutiny.run.runner`) talks only to this seam:

``submit(name, target, args, env)``
    start ``target(*args, conn)`` in a new process; ``conn.send(message)`` in the job
    travels back to the runner as an :class:`Event`.
``events(timeout)``
    the events since the last call (waiting at most ``timeout`` seconds for one):
    ``started`` (the job's process is running: its time limit counts from here), each
    message the job sent (``cell``, ``done``), and ``exit`` (the process ended; ``exit``
    after no ``done`` means it died).
``cancel(name)``
    end the job's process tree now (a timeout, Ctrl-C); its ``exit`` event follows.
``shutdown()``
    end every job still running and release what the executor holds.

Two implementations:

:class:`LocalExecutor` (the default)
    forks a worker per job on this machine, warm with the parent's imports.
:class:`DaskExecutor` (``scrutiny run --executor dask``)
    each job is a Dask ``distributed`` task that starts the job's own subprocess
    (``python -m scrutiny.run.executor``) on whichever worker runs it, forwards its
    messages through a ``distributed.Queue`` and kills it when the runner cancels the job
    (through a ``distributed.Event``). Without a scheduler address it starts a
    ``LocalCluster`` of worker processes on 127.0.0.1 (no dashboard); with one, it uses an
    existing cluster, whose workers must see the project, ``data/cache`` and the reports
    folder at the same paths (a shared filesystem).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from scrutiny.run import procs

#: The executors ``scrutiny run --executor`` accepts.
EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class Event:
    """Something that happened to one job.

    Attributes
    ----------
    name
        The job's name (the briefing's).
    kind
        ``started``, ``exit`` or the first item of a message the job sent (``cell``,
        ``done``).
    payload
        The rest of the message; for ``exit``, ``(exit code,)`` (negative: killed by that
        signal; None when unknown).
    """

    name: str
    kind: str
    payload: tuple[Any, ...] = ()


class Executor(Protocol):
    """Runs jobs, each in a process of its own that :meth:`cancel` can end."""

    #: Whether jobs may run on other machines (temporary files must be on shared storage).
    remote: bool

    def submit(
        self,
        name: str,
        target: Callable[..., None],
        args: Sequence[Any],
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Start ``target(*args, conn)`` in a new process, with ``env`` added to its environment."""

    def events(self, timeout: float) -> list[Event]:
        """Return the events since the last call, waiting up to ``timeout`` s for the first."""

    def cancel(self, name: str) -> None:
        """End the job's process and everything it started (waits until it has ended)."""

    def shutdown(self) -> None:
        """End every job still running and release the executor's resources."""


# ---------------------------------------------------------------------------------------
# Local: one forked worker process per job


@dataclass
class _LocalJob:
    proc: Any
    conn: Connection
    ended: bool = False


class LocalExecutor:
    """Fork a worker process per job on this machine (the parent's imports stay warm).

    Parameters
    ----------
    prepare
        Called once before the first fork, to import what every worker needs.
    """

    remote = False

    def __init__(self, prepare: Callable[[], None] | None = None):
        self._ctx = multiprocessing.get_context("fork")
        self._jobs: dict[str, _LocalJob] = {}
        self._pending: list[Event] = []
        self._prepare = prepare

    def submit(
        self,
        name: str,
        target: Callable[..., None],
        args: Sequence[Any],
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Start ``target(*args, conn)`` for job ``name`` (see :class:`Executor`)."""
        if self._prepare is not None:
            self._prepare()
            self._prepare = None
        sys.stdout.flush()  # else the child flushes the parent's buffered lines into its log
        sys.stderr.flush()
        reader, writer = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(
            target=_local_main,
            args=(target, tuple(args), writer, dict(env or {})),
            name=f"scrutiny-{name}",
            daemon=False,
        )
        proc.start()
        writer.close()
        self._jobs[name] = _LocalJob(proc, reader)
        self._pending.append(Event(name, "started"))

    def events(self, timeout: float) -> list[Event]:
        """Return the events since the last call (see :meth:`Executor.events`)."""
        out, self._pending = self._pending, []
        live = {n: j for n, j in self._jobs.items() if not j.ended}
        if not out and live:
            wait(
                [j.conn for j in live.values()] + [j.proc.sentinel for j in live.values()],
                timeout,
            )
        elif not out:
            time.sleep(timeout)
        for name, job in live.items():
            out.extend(self._drain(name, job))
            if not job.proc.is_alive():
                out.extend(self._drain(name, job))
                out.append(self._end(name, job))
        return out

    def _drain(self, name: str, job: _LocalJob) -> list[Event]:
        found = []
        try:
            while job.conn.poll():
                msg = job.conn.recv()
                found.append(Event(name, msg[0], tuple(msg[1:])))
        except (EOFError, OSError):
            pass
        return found

    def _end(self, name: str, job: _LocalJob) -> Event:
        job.proc.join(5)
        job.conn.close()
        job.ended = True
        del self._jobs[name]
        return Event(name, "exit", (job.proc.exitcode,))

    def cancel(self, name: str) -> None:
        """End job ``name``'s process tree now (see :meth:`Executor.cancel`)."""
        job = self._jobs.get(name)
        if job is None or job.ended:
            return
        if job.proc.exitcode is None:  # still running (exitcode reaps an ended process)
            procs.kill_tree(job.proc.pid)
        job.proc.join(5)
        self._pending.append(self._end(name, job))

    def shutdown(self) -> None:
        """Let finished jobs end, end the rest, release the executor."""
        for name, job in list(self._jobs.items()):
            job.proc.join(5)  # a job that has sent its result is ending by itself
            self.cancel(name)
        self._pending.clear()


def _local_main(
    target: Callable[..., None], args: tuple[Any, ...], conn: Connection, env: dict[str, str]
) -> None:
    os.environ.update(env)
    target(*args, conn)


# ---------------------------------------------------------------------------------------
# A job in a subprocess of its own (what a Dask task starts)

#: How a job's subprocess is named on its command line (tests find it in /proc by this).
SUBPROCESS_FLAG = "--scrutiny-job"


def start_subprocess(
    name: str, target: Callable[..., None], args: Sequence[Any], env: Mapping[str, str]
) -> tuple[subprocess.Popen[bytes], Connection]:
    """Start ``target(*args, conn)`` in ``python -m scrutiny.run.executor``; return it and its conn.

    The job is sent pickled on the child's stdin; its messages come back on a pipe of its own
    (the job redirects its stdout and stderr to its log).
    """
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrutiny.run.executor", SUBPROCESS_FLAG, name, str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            env={**os.environ, **env},
            pass_fds=(write_fd,),
            preexec_fn=procs.parent_death_signal(),  # ends with the task's worker
        )
    finally:
        os.close(write_fd)
    assert proc.stdin is not None
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.write(pickle.dumps((target, tuple(args))))
        proc.stdin.close()
    return proc, Connection(read_fd, writable=False)


def _subprocess_main(argv: list[str]) -> None:
    """Entry of ``python -m scrutiny.run.executor --scrutiny-job NAME FD`` (job on stdin)."""
    if len(argv) != 3 or argv[0] != SUBPROCESS_FLAG:
        sys.exit("usage: python -m scrutiny.run.executor --scrutiny-job NAME FD < job.pickle")
    target, args = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - our own parent's job
    conn = Connection(int(argv[2]), readable=False)
    target(*args, conn)


# ---------------------------------------------------------------------------------------
# Dask distributed

CANCEL_POLL_S = 0.2


def _dask_task(
    name: str,
    target: Callable[..., None],
    args: tuple[Any, ...],
    env: dict[str, str],
    queue_name: str,
    cancel_name: str,
) -> dict[str, Any]:
    """Run one job on a Dask worker: its own subprocess, messages forwarded to the runner.

    Returns ``{"exit": code, "cancelled": bool}`` once the subprocess has ended.
    """
    from distributed import Event as DaskEvent
    from distributed import Queue

    queue = Queue(queue_name)
    cancel = DaskEvent(cancel_name)
    if cancel.is_set():  # cancelled while queued, or run again after its worker died
        return {"exit": None, "cancelled": True}
    # the job's watchdog (die_with_parent) follows this worker process
    proc, conn = start_subprocess(name, target, tuple(args), env)
    queue.put((name, "started", (proc.pid,)))
    cancelled = False
    try:
        while True:
            with contextlib.suppress(EOFError, OSError):
                while conn.poll(CANCEL_POLL_S):
                    msg = conn.recv()
                    queue.put((name, msg[0], tuple(msg[1:])))
            if proc.poll() is not None:
                with contextlib.suppress(EOFError, OSError):
                    while conn.poll():
                        msg = conn.recv()
                        queue.put((name, msg[0], tuple(msg[1:])))
                break
            if cancel.is_set():
                cancelled = True
                procs.kill_tree(proc.pid)
                proc.wait()
                break
    finally:
        if proc.poll() is None:  # the task itself was stopped: leave nothing behind
            procs.kill_tree(proc.pid)
            proc.wait()
        conn.close()
    return {"exit": proc.returncode, "cancelled": cancelled}


class DaskExecutor:
    """Run each job as a Dask task that starts the job's own subprocess.

    Parameters
    ----------
    n_workers
        Worker processes of the ``LocalCluster`` started when ``scheduler`` is None (one
        thread each).
    scheduler
        Address of an existing Dask scheduler (e.g. ``tcp://10.0.0.5:8786``); its workers
        must see the project, the cache and the reports folder at the same paths.
    """

    remote = True

    def __init__(self, n_workers: int = 1, scheduler: str | None = None):
        try:
            from distributed import Client, LocalCluster, Queue
        except ImportError as exc:  # pragma: no cover - a dependency
            from scrutiny.errors import MachineError

            raise MachineError(
                None,
                f"the Dask executor needs the 'distributed' package ({exc})",
                "install scrutiny's dependencies again "
                "(make setup, or pip install 'dask[distributed]')",
            ) from exc
        self._cluster = None
        if scheduler is None:
            self._cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=50,  # logging.CRITICAL: the runner's display owns the terminal
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(scheduler, timeout=30)
        token = uuid.uuid4().hex
        self._queue_name = f"scrutiny-progress-{token}"
        self._queue = Queue(self._queue_name, client=self._client)
        self._cancel_prefix = f"scrutiny-cancel-{token}-"
        self._futures: dict[str, Any] = {}
        self._started: set[str] = set()

    def submit(
        self,
        name: str,
        target: Callable[..., None],
        args: Sequence[Any],
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Start ``target(*args, conn)`` for job ``name`` (see :class:`Executor`)."""
        self._futures[name] = self._client.submit(
            _dask_task,
            name,
            target,
            tuple(args),
            dict(env or {}),
            self._queue_name,
            self._cancel_prefix + name,
            key=f"scrutiny-{name}-{uuid.uuid4().hex[:8]}",
            pure=False,
            retries=0,
        )

    def _messages(self) -> list[Event]:
        out = []
        with contextlib.suppress(Exception):  # an empty queue
            for name, kind, payload in self._queue.get(batch=True):
                if kind == "started":
                    self._started.add(name)
                out.append(Event(name, kind, tuple(payload)))
        return out

    def events(self, timeout: float) -> list[Event]:
        """Return the events since the last call (see :meth:`Executor.events`)."""
        from distributed import wait as dask_wait

        out = self._messages()
        if not out and self._futures:
            with contextlib.suppress(TimeoutError):
                dask_wait(list(self._futures.values()), timeout, return_when="FIRST_COMPLETED")
        elif not out:
            time.sleep(timeout)
        done = [n for n, f in self._futures.items() if f.done()]
        out.extend(self._messages())  # what the finished tasks sent before they returned
        for name in done:
            out.append(self._exit(name))
        return out

    def _exit(self, name: str) -> Event:
        fut = self._futures.pop(name)
        try:
            res = fut.result(timeout=5)
            code = res.get("exit")
        except Exception:  # noqa: BLE001 - the task (or its worker) failed
            code = None
        return Event(name, "exit", (code,))

    def cancel(self, name: str, wait_s: float = 30) -> None:
        """End job ``name``'s process tree now (see :meth:`Executor.cancel`)."""
        from distributed import Event as DaskEvent
        from distributed import wait as dask_wait

        fut = self._futures.get(name)
        if fut is None:
            return
        DaskEvent(self._cancel_prefix + name, client=self._client).set()
        if name not in self._started:
            fut.cancel()  # not running yet
        with contextlib.suppress(TimeoutError):
            dask_wait([fut], wait_s)

    def shutdown(self) -> None:
        """Let finished jobs end, end the rest, release the executor."""
        from distributed import wait as dask_wait

        with contextlib.suppress(Exception):  # tasks that have sent their result are ending
            dask_wait(list(self._futures.values()), 10)
        for name in list(self._futures):
            with contextlib.suppress(Exception):
                self.cancel(name, wait_s=10)
        self._futures.clear()
        with contextlib.suppress(Exception):
            self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


def make_executor(
    kind: str = "local",
    *,
    workers: int = 1,
    scheduler: str | None = None,
    prepare: Callable[[], None] | None = None,
) -> Executor:
    """Return the executor ``scrutiny run --executor KIND`` asks for.

    Parameters
    ----------
    kind
        ``local`` or ``dask`` (:data:`EXECUTORS`).
    workers
        Jobs at once (the Dask ``LocalCluster``'s worker processes).
    scheduler
        An existing Dask scheduler's address (``dask`` only).
    prepare
        :class:`LocalExecutor`'s warm-up before the first fork.
    """
    if kind == "local":
        return LocalExecutor(prepare)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    raise ValueError(f"unknown executor {kind!r} (expected one of {', '.join(EXECUTORS)})")


if __name__ == "__main__":
    _subprocess_main(sys.argv[1:])
