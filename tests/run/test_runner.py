"""The runner: cache keys, and what happens when a briefing times out, dies or is interrupted."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from conftest import (
    REPO,
    SCRUTINY,
    cmdline,
    is_kernel,
    published_source,
    read_json,
    run_cli,
    skip_if_source_changed,
    write_cycle,
)
from scrutiny import provenance
from scrutiny.provenance import source_tree_hash
from scrutiny.run import procs
from scrutiny.run.runner import (
    cache_key,
    current_folders,
    current_inputs,
    environment_versions,
    git_info,
)

BASE = {
    "notebook_sha256": "n1",
    "parameters": {"cycle": "2022-11", "months": 6},
    "briefing": {"name": "summary", "classification": "OFFICIAL"},
    "cycle": {"cycle": "2022-11", "title": "CGB"},
    "source_sha256": "s1",
    "inputs": [("data/a.csv", "h1"), ("data/b.csv", "h2")],
    "folders": [('["data/street", "-street", true, true]', "l1")],
    "environment": {"python": "3.11.7", "packages": {"pandas": "2.2.0", "statsmodels": "0.14.1"}},
}


def test_cache_key_changes_with_each_dependency():
    key = cache_key(**BASE)
    changes = {
        "notebook_sha256": "n2",
        "parameters": {"cycle": "2022-11", "months": 7},
        "briefing": {"name": "summary", "classification": "OFFICIAL-SENSITIVE"},
        "cycle": {"cycle": "2022-11", "title": "CGB (rescheduled)"},
        "source_sha256": "s2",
        "inputs": [("data/a.csv", "h1"), ("data/b.csv", "CHANGED")],
        "folders": [('["data/street", "-street", true, true]', "l2")],
        "environment": {
            "python": "3.11.7",
            "packages": {"pandas": "2.2.0", "statsmodels": "0.14.2"},  # statsmodels upgraded
        },
    }
    for field, value in changes.items():
        assert cache_key(**{**BASE, field: value}) != key, field
    # a vanished file (None) differs from a present one, and an extra file counts
    assert cache_key(**{**BASE, "inputs": [("data/a.csv", "h1"), ("data/b.csv", None)]}) != key
    assert cache_key(**{**BASE, "inputs": [*BASE["inputs"], ("data/c.csv", "h3")]}) != key
    street = '["data/street", "-street", true, true]'
    assert cache_key(**{**BASE, "folders": [(street, None)]}) != key  # the folder is gone
    assert cache_key(**{**BASE, "folders": []}) != key


def test_cache_key_is_stable_under_reordering():
    again = {
        **BASE,
        "parameters": {"months": 6, "cycle": "2022-11"},
        "inputs": BASE["inputs"][::-1],
    }
    assert cache_key(**again) == cache_key(**BASE)
    assert len(cache_key(**BASE)) == 64


def test_current_inputs_hash_content_and_notice_missing_files(tmp_path):
    f = tmp_path / "a.csv"
    f.write_bytes(b"abc")
    recorded = [{"path": str(f)}, {"path": str(tmp_path / "gone.csv")}]
    # sha256("abc") is the FIPS 180-2 test vector
    assert current_inputs(recorded) == [
        (str(f), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (str(tmp_path / "gone.csv"), None),
    ]


def test_environment_versions_are_this_pythons():
    import platform
    from importlib import metadata

    env = environment_versions()
    assert env["python"] == platform.python_version()
    assert set(env["packages"]) == {
        "pandas",
        "numpy",
        "scipy",
        "statsmodels",
        "matplotlib",
        "papermill",
        "nbconvert",
        "pydantic",
    }
    assert env["packages"]["statsmodels"] == metadata.version("statsmodels")


def test_current_folders_notice_a_file_added_or_removed(tmp_path):
    folder = tmp_path / "street"
    folder.mkdir()
    (folder / "2022-09-x-street.csv").write_bytes(b"abc")
    rec = provenance.record_folder(folder, r"-street\.csv$")
    saved = [{**rec.__dict__, "unknown_later_field": 1}]
    assert current_folders(saved) == [(rec.key, rec.sha256)]
    (folder / "2022-10-x-street.csv").write_bytes(b"abc")
    ((key, added),) = current_folders(saved)
    assert key == rec.key and added not in (None, rec.sha256)
    shutil.rmtree(folder)
    assert current_folders(saved) == [(rec.key, None)]


def test_source_tree_hash_covers_files_not_bytecode(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "mod.py").write_text("x = 1\n")
    (tmp_path / "templates" / "page.html.j2").write_text("<p>")
    first = source_tree_hash(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    assert source_tree_hash(tmp_path) == first
    (tmp_path / "templates" / "page.html.j2").write_text("<p>changed")
    assert source_tree_hash(tmp_path) != first


def test_git_info_names_this_commit():
    info = git_info()
    assert info.version
    assert info.commit is None or len(info.commit) == 40
    assert info.dirty in (True, False, None)


# ---------------------------------------------------------------------------------------
# Robustness, through the real command


def test_timeout_and_killed_worker_fail_alone(tmp_path):
    cycle = write_cycle(
        tmp_path,
        [
            {
                "name": "slow",
                "notebook": "misbehave",
                "timeout_minutes": 0.05,  # 3 seconds
                "parameters": {"sleep_seconds": 120},
            },
            {"name": "killer", "notebook": "misbehave", "parameters": {"kill_worker": True}},
        ],
    )
    t0 = time.monotonic()
    res = subprocess.run(
        [SCRUTINY, "run", cycle, "--reports-dir", tmp_path / "reports", "--jobs", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - t0 < 60  # the 120 s sleep was cut short
    assert res.returncode == 1, res.stdout + res.stderr
    out = tmp_path / "reports" / "2022-11"
    m = read_json(out / "manifest.json")["briefings"]
    assert m["slow"]["status"] == "failed" and m["killer"]["status"] == "failed"
    # misbehave.ipynb: imports, parameters, injected parameters, sleep, kill = 5 code cells
    assert m["slow"]["error"]["summary"] == (
        "Stopped after the time limit of 0.05 minutes while running code cell 4 of 5."
    )
    assert m["killer"]["error"]["summary"] == (
        "The worker process ended unexpectedly (killed by signal 9) while running code cell 5 of 5."
    )
    page = (out / "slow.error.html").read_text()
    assert "time.sleep(sleep_seconds)" in page
    assert not (out / "slow.html").exists()
    assert not [p for p in out.iterdir() if ".tmp" in p.name]


def _wait_for(proc: subprocess.Popen, text: str, limit: float = 60) -> list[str]:
    seen = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"never saw {text!r}; output so far: {''.join(seen)}")


def test_interrupted_run_keeps_previous_reports_and_resumes(tmp_path):
    def cycle(second_sleep):
        return write_cycle(
            tmp_path,
            [
                {"name": "first", "notebook": "misbehave"},
                {
                    "name": "second",
                    "notebook": "misbehave",
                    "parameters": {"sleep_seconds": second_sleep},
                },
            ],
        )

    reports = tmp_path / "reports"
    out = reports / "2022-11"
    cmd = [SCRUTINY, "run", cycle(0.0), "--reports-dir", reports]
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
    previous = (out / "second.html").read_bytes()

    # second now sleeps for a minute; interrupt it once it is running (Ctrl-C = SIGINT)
    cycle(60.0)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(proc, "second: running")
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGINT)
        rest = proc.communicate(timeout=60)[0]
    finally:
        proc.kill()
    assert proc.returncode == 130, rest
    assert "Interrupted" in rest
    assert (out / "second.html").read_bytes() == previous
    assert not [p for p in out.iterdir() if ".tmp" in p.name]
    m = read_json(out / "manifest.json")["briefings"]
    assert (
        m["second"]["status"] == "interrupted" and m["second"]["published"]["html"] == "second.html"
    )
    assert m["first"]["status"] in ("skipped", "ok")

    # resume with the original parameters: both pages are still current, nothing is lost
    cycle(0.0)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout
    status = read_json(out / "manifest.json")["briefings"]["second"]["status"]
    if status == "ok":  # re-ran: only when lib/scrutiny was edited meanwhile (shared tree)
        assert "second: done" in res.stdout
    else:
        assert status == "skipped"
        assert (out / "second.html").read_bytes() == previous


# ---------------------------------------------------------------------------------------
# What a briefing depends on beyond the files it read


@pytest.mark.slow
def test_a_file_removed_and_put_back_reruns_the_briefing(tmp_path):
    """The reported bug: remove a month's street file, run, put it back, run again.

    data_quality lists the street folder; before the fix the second run said "up to date"
    (the cache key covered only the files the last run read) and kept saying 2022-07 was
    missing.
    """
    street = tmp_path / "leicestershire"
    shutil.copytree(REPO / "data" / "raw" / "police-uk" / "leicestershire", street)
    cycle = write_cycle(
        tmp_path,
        [
            {
                "name": "data_quality",
                "notebook": "notebooks/data_quality.ipynb",
                "parameters": {"street_crime": str(street)},
            }
        ],
    )
    reports = tmp_path / "reports"
    page = reports / "2022-11" / "data_quality.html"
    july = street / "2022-07-leicestershire-street.csv.gz"
    aside = tmp_path / july.name

    def run():
        res = run_cli("run", cycle, "--reports-dir", reports, "--plain", timeout=600)
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout

    july.rename(aside)
    run()
    assert "Months with no data: July 2022." in page.read_text()
    aside.rename(july)
    assert "data_quality: done" in run()
    text = page.read_text()
    assert "No months are missing." in text and "Months with no data" not in text
    # and a file added to the folder (a new month) re-runs it too
    source = published_source(reports / "2022-11", "data_quality")
    out = run()
    skip_if_source_changed(source)
    assert "data_quality: skipped (up to date)" in out
    october = gzip.decompress((street / "2022-10-leicestershire-street.csv.gz").read_bytes())
    (street / "2022-11-leicestershire-street.csv").write_bytes(
        october.replace(b",2022-10,", b",2022-11,")
    )
    assert "data_quality: done" in run()


def _earlier_cycle(folder, cycle, data_to):
    doc = {
        "cycle": cycle,
        "title": f"Board {cycle}",
        "meeting_date": f"{cycle}-20",
        "data_to": data_to,
        "briefings": [],
    }
    (folder / f"{cycle}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.mark.slow
def test_a_new_earlier_cycle_file_reruns_briefings_given_the_previous_cycle(tmp_path):
    cycles = tmp_path / "cycles"
    cycles.mkdir()
    cycle = write_cycle(
        cycles,
        [
            {"name": "context", "notebook": "context"},
            {"name": "plain", "notebook": "misbehave"},  # declares no previous_*
        ],
    )
    reports = tmp_path / "reports"
    page = reports / "2022-11" / "context.html"

    def run():
        res = run_cli("run", cycle, "--reports-dir", reports, "--plain")
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout

    run()
    assert "Previous cycle: none; data to none." in page.read_text()
    source = published_source(reports / "2022-11", "context")

    _earlier_cycle(cycles, "2022-09", "2022-08")
    out = run()
    skip_if_source_changed(source)
    assert "context: done" in out and "plain: skipped (up to date)" in out
    assert "Previous cycle: 2022-09; data to 2022-08." in page.read_text()

    _earlier_cycle(cycles, "2022-05", "2022-04")  # not the latest earlier one: no change
    out = run()
    assert "context: skipped (up to date)" in out

    _earlier_cycle(cycles, "2022-10", "2022-09")
    out = run()
    assert "context: done" in out and "plain: skipped (up to date)" in out
    assert "Previous cycle: 2022-10; data to 2022-09." in page.read_text()


# ---------------------------------------------------------------------------------------
# kill -9, the lock, and the page + notebook pair


def _gone(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # ended, not yet reaped (its parent was killed)


def _snapshot(out):
    """Every briefing page and executed notebook, by name (not the index, rewritten each run)."""
    pages = [p for p in out.iterdir() if p.suffix in {".html", ".ipynb"} and p.name != "index.html"]
    return {p.name: p.read_bytes() for p in pages}


@pytest.mark.slow
def test_kill_9_leaves_no_orphans_no_stuck_lock_and_the_pages_intact(tmp_path):
    def cycle(second_sleep):
        return write_cycle(
            tmp_path,
            [
                {"name": "first", "notebook": "misbehave"},
                {
                    "name": "second",
                    "notebook": "misbehave",
                    "parameters": {"sleep_seconds": second_sleep},
                },
            ],
        )

    reports = tmp_path / "reports"
    out = reports / "2022-11"
    cmd = [SCRUTINY, "run", cycle(0.0), "--reports-dir", reports, "--plain"]
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
    before = _snapshot(out)
    index = (out / "index.html").read_bytes()
    assert set(before) == {"first.html", "first.ipynb", "second.html", "second.ipynb"}

    cycle(120.0)  # second changes, and now takes two minutes
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(proc, "second: running")
        deadline = time.monotonic() + 60
        kernels: list[int] = []
        while not kernels and time.monotonic() < deadline:
            below = procs.descendants(proc.pid)
            kernels = [p for p in below if is_kernel(p)]
            time.sleep(0.2)
        assert kernels, "the kernel never started"
        time.sleep(2.0)  # well into the sleeping cell
        below = procs.descendants(proc.pid)
        assert len(below) >= 2  # the worker and its kernel
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    # the worker and the kernel end with the runner, within a few seconds (not 2 minutes)
    deadline = time.monotonic() + 10
    while [p for p in below if not _gone(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in below if not _gone(p)] == []
    assert _snapshot(out) == before  # nothing published half
    assert (out / "index.html").read_bytes() == index

    # the next run is not refused: it says the last run did not finish, and runs second again
    cycle(1.0)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Note: The previous run (pid" in res.stdout and "did not finish" in res.stdout
    assert "second: done" in res.stdout
    after = _snapshot(out)
    assert after["second.html"] != before["second.html"]
    if "first: skipped (up to date)" in res.stdout:  # unless lib/scrutiny changed meanwhile
        assert after["first.html"] == before["first.html"]
    assert not [p for p in out.iterdir() if ".tmp" in p.name]
    assert (out / ".lock").read_text() == ""


@pytest.mark.slow
def test_a_pair_that_does_not_match_the_manifest_runs_again(tmp_path):
    cycle = write_cycle(tmp_path, [{"name": "first", "notebook": "misbehave"}])
    reports = tmp_path / "reports"
    out = reports / "2022-11"

    def run():
        res = run_cli("run", cycle, "--reports-dir", reports, "--plain")
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout

    run()
    pub = read_json(out / "manifest.json")["briefings"]["first"]["published"]
    assert pub["html_sha256"] == hashlib.sha256((out / "first.html").read_bytes()).hexdigest()
    assert pub["ipynb_sha256"] == hashlib.sha256((out / "first.ipynb").read_bytes()).hexdigest()
    source = published_source(out, "first")
    assert "first: skipped (up to date)" in run() or source_tree_hash() != source

    # a kill between the two renames: the new notebook is in place, the page is the old one
    nb = read_json(out / "first.ipynb")
    nb["metadata"]["from_a_later_run"] = True
    (out / "first.ipynb").write_text(json.dumps(nb))
    assert "first: done" in run()
    skip_if_source_changed(source)

    # a kill after both renames but before the manifest said so: the pair is adopted
    manifest = read_json(out / "manifest.json")
    entry = manifest["briefings"]["first"]
    entry["publishing"] = entry["published"]
    entry["published"] = {**entry["published"], "html_sha256": "0" * 64, "cache_key": "old"}
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert "first: skipped (up to date)" in run()
    entry = read_json(out / "manifest.json")["briefings"]["first"]
    assert "publishing" not in entry and entry["published"]["cache_key"] != "old"


@pytest.mark.slow
def test_a_briefing_served_from_the_shared_assessment_still_depends_on_the_folder(tmp_path):
    """The first performance briefing computes the assessment, listing the street folder;
    the second reads it from the cache, which records the files again but lists no folder
    (deep dives list it themselves, performance pages do not): a new month's file must
    still re-run both."""
    street = tmp_path / "leicestershire"
    shutil.copytree(REPO / "data" / "raw" / "police-uk" / "leicestershire", street)
    cycle = write_cycle(
        tmp_path,
        [
            {
                "name": name,
                "notebook": "notebooks/performance_exceptions.ipynb",
                "classification": "OFFICIAL-SENSITIVE",
                "parameters": {"street_crime": str(street)},
            }
            for name in ("computes", "from_cache")
        ],
    )
    reports = tmp_path / "reports"

    def run():
        res = run_cli("run", cycle, "--reports-dir", reports, "--plain", "--jobs", "1", timeout=900)
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout

    run()
    m = read_json(reports / "2022-11" / "manifest.json")["briefings"]
    for name in ("computes", "from_cache"):
        listed = {f["path"]: f["files"] for f in m[name]["published"]["folders"]}
        assert listed.get(str(street)) == 35, (name, listed)  # 2019-12 to 2022-10
    october = gzip.decompress((street / "2022-10-leicestershire-street.csv.gz").read_bytes())
    (street / "2022-11-leicestershire-street.csv").write_bytes(
        october.replace(b",2022-10,", b",2022-11,")
    )
    out = run()
    assert "computes: done" in out and "from_cache: done" in out


@pytest.mark.slow
def test_kill_9_also_ends_the_cycles_assessment(tmp_path):
    """The runner builds the cycle's assessment in a process of its own (for cycles whose
    notebooks take the cycle file); it must end with the runner too."""
    cycle = write_cycle(
        tmp_path,
        [{"name": "slow", "notebook": "cycle_file", "parameters": {"sleep_seconds": 120.0}}],
    )
    env = {**os.environ, "SCRUTINY_CACHE_DIR": str(tmp_path / "cache")}  # cold: it takes a while
    cmd = [SCRUTINY, "run", cycle, "--reports-dir", tmp_path / "reports", "--plain"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        _wait_for(proc, "slow: running")
        deadline = time.monotonic() + 30
        builders: list[int] = []
        while not builders and time.monotonic() < deadline:
            below = procs.descendants(proc.pid)
            builders = [p for p in below if b"scrutiny.analysis.assessment" in cmdline(p)]
            time.sleep(0.2)
        assert builders, "the assessment process never started"
        below = procs.descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    deadline = time.monotonic() + 10
    while [p for p in below if not _gone(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in below if not _gone(p)] == []


def test_validating_a_cycle_file_imports_no_pandas():
    # A warm `scrutiny run` (nothing changed) validates the cycle and skips every briefing:
    # importing pandas alone costs 1-1.5 s on the build machine (benchmarks/bench_cycle.py:
    # warm 2.7 s with the registers' pandas import at module level, under 2 s without).
    code = (
        "import sys; from scrutiny.analysis.board import load_cycle; "
        "load_cycle('params/cycles/2022-11.yaml'); print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "False"


def test_checking_a_cycle_imports_no_numpy_pandas_or_pyarrow(tmp_path):
    # The rest of a warm run's checks: every briefing's parameters, data_to against the
    # police.uk file names (scrutiny.data.rawfiles), and the index's month in words. With
    # the notebooks' parameters, the registry and the plan remembered (as the runner's
    # memos do), none imports the numeric stack: numpy, pyarrow and pandas cost most of a
    # second on the build machine.
    from scrutiny.analysis.board import load_cycle
    from scrutiny.run.params import check_cycle, notebook_path
    from scrutiny.run.runner import _InspectMemo, _plan_themes, _registry_ids

    path = REPO / "params/cycles/2022-11.yaml"
    cycle, ids, themes = load_cycle(path), _registry_ids(), _plan_themes()
    memo = _InspectMemo(tmp_path / "inspect.json")
    check_cycle(path, cycle, inspect=memo, registry=lambda: ids, plan_themes=lambda: themes)
    memo.save({memo.sha(notebook_path(b)) for b in cycle.briefings})

    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from scrutiny.analysis.board import load_cycle\n"
        "from scrutiny.run.params import check_cycle\n"
        "from scrutiny.run.publish import _month_words\n"
        "from scrutiny.run.runner import _InspectMemo\n"
        "ids, themes = json.loads(sys.argv[1])\n"
        "path = 'params/cycles/2022-11.yaml'\n"
        "out = check_cycle(path, load_cycle(path), inspect=_InspectMemo(Path(sys.argv[2])),\n"
        "                  registry=lambda: ids, plan_themes=lambda: themes)\n"
        "month = _month_words('2022-10')\n"
        "heavy = [m for m in ('numpy', 'pyarrow', 'pandas') if m in sys.modules]\n"
        "print(json.dumps([len(out), month, heavy]))\n"
    )
    args = [json.dumps([ids, themes]), str(tmp_path / "inspect.json")]
    res = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout) == [12, "October 2022", []]  # 12 briefings in 2022-11


def test_the_registry_check_is_remembered_until_a_file_it_read_changes(tmp_path) -> None:
    """A warm run reuses the registry's ids (no pandas import); any change re-checks."""
    from scrutiny.run.runner import _CheckMemo

    registry_file = tmp_path / "kpis.yaml"
    registry_file.write_text("kpis: [burglary, robbery]\n", encoding="utf-8")
    calls = []

    def fake_load_registry() -> dict[str, None]:
        calls.append(1)
        provenance.record_input(registry_file, description="KPI registry")
        text = registry_file.read_text(encoding="utf-8")
        return dict.fromkeys(text.split("[")[1].split("]")[0].replace(" ", "").split(","))

    memo = _CheckMemo(tmp_path / "registry-cache.json", lambda: list(fake_load_registry()))
    assert memo() == ["burglary", "robbery"] and len(calls) == 1
    again = _CheckMemo(tmp_path / "registry-cache.json", lambda: list(fake_load_registry()))
    assert again() == ["burglary", "robbery"]
    assert len(calls) == 1  # remembered: the check did not run again
    registry_file.write_text("kpis: [burglary, robbery, homicide]\n", encoding="utf-8")
    assert memo() == ["burglary", "robbery", "homicide"] and len(calls) == 2
    (tmp_path / "registry-cache.json").write_text("{not json", encoding="utf-8")
    assert memo() == ["burglary", "robbery", "homicide"] and len(calls) == 3  # a bad cache
