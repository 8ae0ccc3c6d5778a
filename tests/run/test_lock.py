"""The reports folder's lock, and ending a tree of processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from scrutiny.run import lock, procs
from scrutiny.run.lock import LockHeldError


def gone(pid: int) -> bool:
    """A process that has ended (a zombie no one has reaped yet counts as ended)."""
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def wait_gone(pids: list[int], limit: float = 10) -> list[int]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        left = [p for p in pids if not gone(p)]
        if not left:
            return []
        time.sleep(0.1)
    return left


# ---------------------------------------------------------------------------------------
# procs


def test_is_alive_tells_a_reused_pid_from_the_same_process():
    me = os.getpid()
    assert procs.is_alive(me)
    assert procs.is_alive(me, procs.process_start(me))
    assert not procs.is_alive(me, "1")  # started at another time: another process
    child = subprocess.Popen(["true"])
    child.wait()
    assert not procs.is_alive(child.pid)


def test_kill_tree_ends_a_process_and_everything_below_it(tmp_path):
    # a parent in its own session, its child in a session of its own (like a kernel), and a
    # grandchild: all three go
    script = textwrap.dedent(
        """
        import subprocess, sys, time
        inner = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
        subprocess.Popen([sys.executable, "-c", inner], start_new_session=True)
        time.sleep(60)
        """
    )
    top = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while len(procs.descendants(top.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        below = procs.descendants(top.pid)
        assert len(below) == 2
        procs.kill_tree(top.pid)
        top.wait(10)
        assert wait_gone([top.pid, *below]) == []
    finally:
        top.kill()


# ---------------------------------------------------------------------------------------
# the lock


def test_lock_records_its_owner_and_is_emptied_on_release(tmp_path):
    with lock.hold(tmp_path):
        owner = json.loads((tmp_path / ".lock").read_text())
        assert owner["pid"] == os.getpid() and owner["host"] == socket.gethostname()
        assert owner["started"] and owner["process_start"] == procs.process_start(os.getpid())
    assert (tmp_path / ".lock").read_text() == ""


def test_the_lock_descriptor_is_not_inherited_by_programs(tmp_path):
    with lock.hold(tmp_path) as fd:
        assert not os.get_inheritable(fd)


def holder(tmp_path, owner: dict | None = None) -> subprocess.Popen:
    """Another process that holds the lock, with ``owner`` written in it (default: itself)."""
    script = textwrap.dedent(
        f"""
        import dataclasses, fcntl, json, os, time
        from scrutiny.run.lock import LockOwner
        owner = {owner!r} or dataclasses.asdict(LockOwner.me())
        fd = os.open({str(tmp_path / ".lock")!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(owner).encode())
        print("locked", flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_live_owner_keeps_the_lock_and_is_named(tmp_path):
    proc = holder(tmp_path)
    try:
        with pytest.raises(LockHeldError) as err, lock.hold(tmp_path):
            pass
    finally:
        proc.kill()
        proc.wait()
    text = str(err.value)
    assert text.startswith(
        f"{tmp_path}: another scrutiny run is writing this folder (pid {proc.pid} on "
        f"{socket.gethostname()}, started "
    )
    assert text.endswith(". Wait for it to finish")


def test_a_dead_owners_lock_held_by_a_leftover_is_taken_over(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    owner = {
        "pid": dead.pid,
        "host": socket.gethostname(),
        "started": "2022-11-20T09:00:00+00:00",
        "process_start": None,
        "command": "scrutiny run params/cycles/2022-11.yaml",
    }
    leftover = holder(tmp_path, owner)
    said: list[str] = []
    try:
        with lock.hold(tmp_path, said.append):
            assert json.loads((tmp_path / ".lock").read_text())["pid"] == os.getpid()
            # a third run is refused: the lock is ours now
            with pytest.raises(LockHeldError), lock.hold(tmp_path):
                pass
    finally:
        leftover.kill()
        leftover.wait()
    assert len(said) == 1 and f"pid {dead.pid}" in said[0] and "taking it over" in said[0]
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".new")]


def test_a_lock_left_by_a_killed_run_is_free_and_the_next_run_says_so(tmp_path):
    (tmp_path / ".lock").write_text(
        json.dumps({"pid": 999999, "host": "h", "started": "2022-11-20T09:00:00+00:00"})
    )
    said: list[str] = []
    with lock.hold(tmp_path, said.append):
        pass
    assert said == [
        "The previous run (pid 999999 on h, started 2022-11-20T09:00:00+00:00) did not finish "
        "(it was killed or the machine stopped); taking over its lock. Pages it had not "
        "finished publishing are run again."
    ]
