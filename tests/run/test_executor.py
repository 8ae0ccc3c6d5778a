"""The executor seam: the local and Dask executors run jobs in processes of their own, report
what the job sends, and end a job's whole process tree on cancel; ``scrutiny run --executor
dask`` publishes the same pages as the local executor and isolates a failing briefing.

Pages are compared byte for byte after replacing, by the regular expressions in
:data:`VOLATILE`, what differs between any two runs: timestamps (ISO 8601 and
``YYYY-MM-DD HH:MM:SS UTC``), durations (``N.N s`` on pages, ``duration``/``duration_s`` in
JSON), the sha256 of the published page and notebook in the manifest (they hash the times),
the manifest's ``executor`` entry, the random ids papermill gives the cells it adds to the
executed notebook, and the notebook's ``output_path`` (a temporary file in each run's own
reports folder). The git commit and the figures are not normalised.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import (
    FIXTURE_CYCLE_DIR,
    SCRUTINY,
    cmdline,
    is_kernel,
    read_json,
    run_cli,
    write_cycle,
)
from scrutiny.run import procs
from scrutiny.run.executor import SUBPROCESS_FLAG, DaskExecutor, Event, LocalExecutor
from scrutiny.run.runner import longest_first

FIXTURE_CYCLE = FIXTURE_CYCLE_DIR / "2022-11.yaml"

VOLATILE = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}| UTC)?"), "<T>"),
    (re.compile(r"\(?\d+(\.\d+)? s\)?"), "<D>"),
    (re.compile(r'"(duration|duration_s)": [0-9.eE+-]+'), r'"\1": <D>'),
    (re.compile(r'"(html|ipynb)_sha256": "[0-9a-f]{64}"'), r'"\1_sha256": <H>'),
    (re.compile(r'"executor": "[^"]*"'), '"executor": <E>'),
    # papermill gives the cells it adds (injected parameters, error banners) random ids
    (re.compile(r'"id": "[0-9a-f]{8}"'), '"id": <ID>'),
    # where papermill wrote the executed notebook: a temporary file in each run's folder
    (re.compile(r'"output_path": "[^"]*"'), '"output_path": <P>'),
]


def normalise(text: str) -> str:
    for pattern, repl in VOLATILE:
        text = pattern.sub(repl, text)
    return text


def test_normalise_hides_times_but_not_figures():
    a = '<dd>2022-11-01 10:00:00 UTC (3.4 s)</dd> 5,296 offences "duration_s": 3.2'
    b = '<dd>2026-12-01 06:35:31 UTC (12 s)</dd> 5,296 offences "duration_s": 1e-3'
    assert normalise(a) == normalise(b)
    assert normalise(a) != normalise(a.replace("5,296", "5,297"))
    commit = "commit <code>433b551146</code>"
    assert normalise(commit) != normalise(commit.replace("433b", "ab17"))


# ---------------------------------------------------------------------------------------
# Longest first


def test_longest_first_orders_by_the_last_durations_new_ones_first():
    entries = {
        "short": {"last_run": {"status": "ok", "duration_s": 2.0}},
        "long": {"last_run": {"status": "ok", "duration_s": 40.5}},
        # skipped last time: the published page's duration counts
        "middle": {"last_run": {"status": "skipped"}, "published": {"duration_s": 10}},
        "also_long": {"last_run": {"status": "failed", "duration_s": 40.5}},
    }
    names = ["short", "middle", "new", "long", "also_long", "newer"]
    assert longest_first(names, entries) == [
        "new",
        "newer",
        "long",  # 40.5 s, before also_long (same time) as in the cycle file
        "also_long",
        "middle",
        "short",
    ]
    assert longest_first([], entries) == []
    assert longest_first(["a", "b"], {}) == ["a", "b"]


# ---------------------------------------------------------------------------------------
# The seam, with trivial jobs


def _talks(conn: Connection) -> None:
    conn.send(("cell", 1, 2, "x = 1"))
    conn.send(("done", {"status": "ok", "env": os.environ.get("SCRUTINY_TEST_MARK")}))
    conn.close()


def _sleeps(conn: Connection) -> None:
    conn.send(("cell", 1, 1, "sleep"))
    child = subprocess.Popen(["sleep", "120"])  # stands for the job's kernel
    conn.send(("child", child.pid))
    time.sleep(120)


def _collect(ex, until, limit=120.0) -> list[Event]:
    seen: list[Event] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        seen.extend(ex.events(0.2))
        if until(seen):
            return seen
    raise AssertionError(f"events so far: {seen}")


def _gone(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _wait_gone(pids, limit=15.0) -> list[int]:
    deadline = time.monotonic() + limit
    while [p for p in pids if not _gone(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if not _gone(p)]


def _check_events_and_cancel(ex) -> None:
    # a Dask job's subprocess imports this module to run its target
    path = {"PYTHONPATH": os.pathsep.join(sys.path)}
    ex.submit("talker", _talks, (), {"SCRUTINY_TEST_MARK": "from-the-runner", **path})
    seen = _collect(ex, lambda s: any(e.kind == "exit" for e in s))
    kinds = [(e.name, e.kind) for e in seen]
    assert kinds == [
        ("talker", "started"),
        ("talker", "cell"),
        ("talker", "done"),
        ("talker", "exit"),
    ]
    assert seen[1].payload == (1, 2, "x = 1")
    assert seen[2].payload == ({"status": "ok", "env": "from-the-runner"},)
    assert seen[3].payload == (0,)

    ex.submit("sleeper", _sleeps, (), path)
    seen = _collect(ex, lambda s: any(e.kind == "child" for e in s))
    (child,) = [e.payload[0] for e in seen if e.kind == "child"]
    assert not _gone(child)
    t0 = time.monotonic()
    ex.cancel("sleeper")
    assert time.monotonic() - t0 < 30  # not the 120 s sleep
    seen = _collect(ex, lambda s: any(e.kind == "exit" for e in s), limit=30)
    assert [e.payload for e in seen if e.kind == "exit"] == [(-signal.SIGKILL,)]
    assert _wait_gone([child]) == []  # the job's own child (its "kernel") ended with it


def test_local_executor_reports_messages_and_cancel_ends_the_tree():
    ex = LocalExecutor()
    try:
        _check_events_and_cancel(ex)
    finally:
        ex.shutdown()


@pytest.mark.slow
def test_dask_executor_reports_messages_and_cancel_ends_the_tree():
    ex = DaskExecutor(n_workers=1)
    try:
        _check_events_and_cancel(ex)
    finally:
        ex.shutdown()


# ---------------------------------------------------------------------------------------
# The fixture cycle through both executors


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    runs = {}
    for kind in ("local", "dask"):
        reports = tmp_path_factory.mktemp(kind) / "reports"
        res = run_cli("run", FIXTURE_CYCLE, "--reports-dir", reports, "--executor", kind, "--plain")
        runs[kind] = SimpleNamespace(res=res, out=reports / "2022-11")
    return runs


PAGES = [
    "summary.html",
    "summary.ipynb",
    "closed_summary.html",
    "closed_summary.ipynb",
    "broken.error.html",
    "broken.failed.ipynb",
    "index.html",
    "manifest.json",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_dask_executor_renders_the_same_pages_as_the_local_one(both, name):
    local, dask = both["local"], both["dask"]
    assert sorted(p.name for p in dask.out.iterdir()) == sorted(p.name for p in local.out.iterdir())
    a = (local.out / name).read_text(encoding="utf-8")
    b = (dask.out / name).read_text(encoding="utf-8")
    assert normalise(a) == normalise(b)


@pytest.mark.slow
def test_dask_executor_isolates_the_broken_briefing(both):
    res, out = both["dask"].res, both["dask"].out
    assert res.returncode == 1, res.stdout + res.stderr
    assert "broken failed: Code cell 5 of 6 raised ZeroDivisionError" in res.stdout
    m = read_json(out / "manifest.json")
    assert m["run"]["executor"] == "dask"
    b = m["briefings"]
    assert [b[n]["status"] for n in ("summary", "closed_summary", "broken")] == [
        "ok",
        "ok",
        "failed",
    ]
    # fixture data by hand: Leicester's last 6 months sum to 5,296 (tests/test_cli.py)
    assert "5,296 offences in the last 6 months to 2022-10." in (out / "summary.html").read_text()
    assert not [p for p in out.iterdir() if ".tmp" in p.name or p.name.startswith(".scrutiny-")]


# ---------------------------------------------------------------------------------------
# Timeouts, a killed job and Ctrl-C with the Dask executor


def _job_tree(runner: int, name: str, limit: float = 90) -> list[int]:
    """The pids of job ``name``'s subprocess and its kernel, below the runner."""
    flag = f"{SUBPROCESS_FLAG}\0{name}\0".encode()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        jobs = [p for p in procs.descendants(runner) if flag in cmdline(p)]
        if jobs:
            below = procs.descendants(jobs[0])
            if any(is_kernel(p) for p in below):
                return [jobs[0], *below]
        time.sleep(0.2)
    raise AssertionError(f"job {name} and its kernel never started")


@pytest.mark.slow
def test_dask_timeout_and_killed_job_fail_alone_and_leave_no_process(tmp_path):
    cycle = write_cycle(
        tmp_path,
        [
            {
                "name": "sleeper",
                "notebook": "misbehave",
                "timeout_minutes": 0.25,  # 15 seconds
                "parameters": {"sleep_seconds": 120},
            },
            {"name": "killer", "notebook": "misbehave", "parameters": {"kill_worker": True}},
        ],
    )
    cmd = [SCRUTINY, "run", cycle, "--reports-dir", tmp_path / "reports", "--jobs", "2"]
    t0 = time.monotonic()
    proc = subprocess.Popen([*cmd, "--executor", "dask", "--plain"], stdout=subprocess.PIPE)
    try:
        tree = _job_tree(proc.pid, "sleeper")
        out, _ = proc.communicate(timeout=150)
    finally:
        proc.kill()
    assert time.monotonic() - t0 < 120  # the 120 s sleep was cut short
    assert proc.returncode == 1, out
    assert _wait_gone(tree) == []  # the job's subprocess and its kernel
    m = read_json(tmp_path / "reports" / "2022-11" / "manifest.json")["briefings"]
    # misbehave.ipynb: imports, parameters, injected parameters, sleep, kill = 5 code cells
    assert m["sleeper"]["error"]["summary"] == (
        "Stopped after the time limit of 0.25 minutes while running code cell 4 of 5."
    )
    assert m["killer"]["error"]["summary"] == (
        "The worker process ended unexpectedly (killed by signal 9) while running code cell 5 of 5."
    )


@pytest.mark.slow
def test_dask_ctrl_c_stops_the_job_and_its_kernel(tmp_path):
    cycle = write_cycle(
        tmp_path,
        [{"name": "sleeper", "notebook": "misbehave", "parameters": {"sleep_seconds": 120}}],
    )
    reports = tmp_path / "reports"
    cmd = [SCRUTINY, "run", cycle, "--reports-dir", reports, "--executor", "dask", "--plain"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        tree = _job_tree(proc.pid, "sleeper")
        everything = procs.descendants(proc.pid)  # the cluster's workers too
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=90)
    finally:
        proc.kill()
    assert proc.returncode == 130, out
    assert b"Interrupted." in out
    assert _wait_gone(tree) == []
    assert _wait_gone(everything) == []
    m = read_json(reports / "2022-11" / "manifest.json")["briefings"]
    assert m["sleeper"]["status"] == "interrupted"


@pytest.mark.slow
def test_dask_executor_on_an_existing_scheduler(tmp_path):
    """--scheduler: a scheduler and a worker started apart (as on a cluster) run the briefing."""
    dask = Path(sys.executable).with_name("dask")
    info = tmp_path / "scheduler.json"
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    started = [subprocess.Popen([dask, "scheduler", "--scheduler-file", info, *common])]
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker = [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", *common]
        started.append(subprocess.Popen(worker))
        reports = tmp_path / "reports"
        res = run_cli(
            "run",
            FIXTURE_CYCLE,
            "--only",
            "summary",
            "--reports-dir",
            reports,
            "--executor",
            "dask",
            "--scheduler",
            address,
            "--plain",
        )
        assert res.returncode == 0, res.stdout + res.stderr
        out = reports / "2022-11"
        page = (out / "summary.html").read_text()
        assert "5,296 offences in the last 6 months to 2022-10." in page
        m = read_json(out / "manifest.json")
        assert m["run"]["executor"] == f"dask ({address})"
        assert m["briefings"]["summary"]["status"] == "ok"
    finally:
        for p in reversed(started):
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_scheduler_needs_the_dask_executor(tmp_path):
    address = "tcp://127.0.0.1:1"
    res = run_cli("run", FIXTURE_CYCLE, "--scheduler", address, "--reports-dir", tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "--scheduler needs --executor dask" in res.stdout + res.stderr


@pytest.mark.slow
def test_dask_kill_9_of_the_runner_leaves_no_worker_job_or_kernel(tmp_path):
    cycle = write_cycle(
        tmp_path,
        [{"name": "sleeper", "notebook": "misbehave", "parameters": {"sleep_seconds": 120}}],
    )
    reports = tmp_path / "reports"
    cmd = [SCRUTINY, "run", cycle, "--reports-dir", reports, "--executor", "dask", "--plain"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        tree = _job_tree(proc.pid, "sleeper")
        everything = procs.descendants(proc.pid)  # the cluster's worker, the job, its kernel
        assert set(tree) <= set(everything)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    assert _wait_gone(everything, limit=20) == []
    assert not (reports / "2022-11" / "sleeper.html").exists()  # nothing published half
