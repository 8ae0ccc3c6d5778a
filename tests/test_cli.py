"""The ``scrutiny`` command end to end: the fixture cycle through the real CLI.

Expected figures come from tests/fixtures/cycle/data/counts.csv by hand:
last 6 months (2022-05..10) 845 + 901 + 934 + 887 + 856 + 873 = 5,296;
last 4 months (2022-07..10) 934 + 887 + 856 + 873 = 3,550.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from conftest import (
    FIXTURE_CYCLE_DIR,
    REPO,
    published_source,
    read_json,
    report_problems,
    run_cli,
    skip_if_source_changed,
    write_cycle,
)
from scrutiny.cli import app

FIXTURE_CYCLE = FIXTURE_CYCLE_DIR / "2022-11.yaml"
COUNTS = FIXTURE_CYCLE_DIR / "data" / "counts.csv"


def published(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# ---------------------------------------------------------------------------------------
# Help and quick failures (no kernel)


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        ([], ["run", "params"]),
        (["--help"], ["run", "params", "--version"]),
        (
            ["run", "--help"],
            [
                "--only",
                "--jobs",
                "--force",
                "--reports-dir",
                "--plain",
                "--allow-outside-notebooks",
            ],
        ),
        (["params", "--help"], ["NOTEBOOK"]),
    ],
)
def test_help_on_everything(args, expect):
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200", "NO_COLOR": "1"})
    if args:  # with no arguments click shows the help and exits 0 or 2 (varies by version)
        assert res.exit_code == 0, res.output
    for word in expect:
        assert word in res.output


def test_params_command_lists_types_defaults_and_help():
    res = CliRunner().invoke(
        app, ["params", str(FIXTURE_CYCLE_DIR / "summary.ipynb")], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.output.splitlines() if " months " in ln)
    assert "int" in line and "6" in line and "months shown in the chart and table" in line


def test_params_command_on_a_notebook_without_parameters(tmp_path):
    nb = tmp_path / "x.ipynb"
    nb.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    res = CliRunner().invoke(app, ["params", str(nb)])
    assert res.exit_code == 2
    assert "no cell is tagged 'parameters'" in res.output


def test_typo_in_a_parameter_fails_fast_naming_the_key(tmp_path):
    cycle = write_cycle(
        tmp_path, [{"name": "summary", "notebook": "summary", "parameters": {"aera": "Rutland"}}]
    )
    res = run_cli("run", cycle, "--reports-dir", tmp_path / "reports")
    assert res.returncode == 2
    assert "nothing was run" in res.stderr
    assert str(cycle) in res.stderr
    assert (
        "(briefing 'summary'): briefings[0].parameters.aera: 'aera' is not a parameter"
        in res.stderr
    )
    assert "did you mean 'area'?" in res.stderr
    assert not list((tmp_path / "reports").rglob("*.html"))


def test_unknown_key_in_the_cycle_file(tmp_path):
    cycle = write_cycle(tmp_path, [{"name": "summary", "notebook": "summary", "timeout": 3}])
    res = run_cli("run", cycle, "--reports-dir", tmp_path / "reports")
    assert res.returncode == 2
    assert "briefings[0].timeout: unknown key 'timeout'" in res.stderr


def test_only_must_name_a_briefing(tmp_path):
    res = run_cli("run", FIXTURE_CYCLE, "--only", "sumary", "--reports-dir", tmp_path)
    assert res.returncode == 2
    assert (
        "--only: no briefing called 'sumary' (the cycle has: summary, closed_summary, broken)"
        in res.stderr
    )


def test_empty_cycle_is_nothing_to_run(tmp_path):
    cycle = write_cycle(tmp_path, [])
    res = run_cli("run", cycle, "--reports-dir", tmp_path / "reports")
    assert res.returncode == 0
    assert "Nothing to run" in res.stdout
    manifest = read_json(tmp_path / "reports" / "2022-11" / "manifest.json")
    assert manifest["briefings"] == {}
    assert "lists no briefings" in (tmp_path / "reports" / "2022-11" / "index.html").read_text()


# ---------------------------------------------------------------------------------------
# Bad input is refused before any kernel starts: exit 2, a clear message, no traceback,
# and the pages already published are untouched


def refused(tmp_path: Path, cycle: Path, *expected: str) -> str:
    """Run ``cycle`` over a published page; check it is refused with ``expected``; return stderr."""
    reports = tmp_path / "reports"
    page = reports / "2022-11" / "summary.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("<p>the last good page</p>", encoding="utf-8")
    before = snapshot(page)
    res = run_cli("run", cycle, "--reports-dir", reports)
    assert res.returncode == 2, res.stdout[-3000:] + res.stderr[-3000:]
    assert "nothing was run" in res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    for text in expected:
        assert text in res.stderr, res.stderr
    assert snapshot(page) == before
    assert [p.name for p in reports.rglob("*.html")] == ["summary.html"]
    return res.stderr


def summary_cycle(tmp_path: Path, **parameters: object) -> Path:
    return write_cycle(
        tmp_path, [{"name": "summary", "notebook": "summary", "parameters": parameters}]
    )


def test_cycle_file_not_utf8(tmp_path):
    cycle = summary_cycle(tmp_path)
    data = cycle.read_bytes().replace(b"title: Runner test", b"title: R\xe9sum\xe9 test")
    cycle.write_bytes(data)
    offset = data.index(b"\xe9")  # line 2 is "title: R\xe9sum\xe9 test": column 9
    refused(
        tmp_path,
        cycle,
        f"{cycle}: is not UTF-8 text: byte 0xe9 at byte offset {offset} (line 2, column 9)",
    )


def test_meeting_date_that_does_not_exist(tmp_path):
    cycle = summary_cycle(tmp_path)
    text = cycle.read_text(encoding="utf-8")
    cycle.write_text(text.replace("meeting_date: '2022-11-23'", "meeting_date: 2022-02-30"))
    refused(
        tmp_path,
        cycle,
        f"{cycle}: line 3, column 15: meeting_date: 2022-02-30 is not a date that exists "
        "(February 2022 has 28 days)",
    )


def test_alias_bomb_title(tmp_path):
    cycle = summary_cycle(tmp_path)
    levels = ["&a0 [" + ", ".join(['"lol"'] * 9) + "]"]
    levels += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    text = cycle.read_text(encoding="utf-8")
    cycle.write_text(text.replace("title: Runner test cycle", f"title: [{', '.join(levels)}]"))
    stderr = refused(tmp_path, cycle, f"{cycle}: line 2, column ", "more than 50 YAML aliases")
    assert "write the values out instead" in stderr


def test_unknown_kpi_in_the_agenda(tmp_path):
    cycle = summary_cycle(tmp_path)
    with cycle.open("a", encoding="utf-8") as fh:
        fh.write(
            "agenda:\n- {id: vawg, title: T, session: open, theme: t, request: r,\n"
            "   response: r, outcome: o, kpis: [rape, vawg_offences]}\n"
        )
    refused(
        tmp_path,
        cycle,
        f"{cycle}: agenda[0] (id 'vawg').kpis: KPI 'vawg_offences' is not in the KPI "
        "registry (params/kpis.yaml) (expected one of: all_crime, ",
    )


def test_unknown_kpi_in_a_briefing_parameter(tmp_path):
    cycle = write_cycle(
        tmp_path,
        [
            {
                "name": "deep_dive",
                "notebook": "notebooks/deep_dive.ipynb",
                "parameters": {"kpi": "robbry"},
            }
        ],
    )
    refused(
        tmp_path,
        cycle,
        f"{cycle} (briefing 'deep_dive'): briefings[0].parameters.kpi: KPI 'robbry' is not in "
        "the KPI registry (params/kpis.yaml); did you mean 'robbery'?",
    )


def test_action_on_an_item_never_on_the_agenda(tmp_path):
    cycle = summary_cycle(tmp_path)
    with cycle.open("a", encoding="utf-8") as fh:
        fh.write(
            "agenda: []\nactions:\n- {id: A1, raised_at: '2022-11', item: budget, "
            "description: d,\n   owner: o, due: 2023-01-31, status: open}\n"
        )
    refused(
        tmp_path,
        cycle,
        f"{cycle}: actions[0] (id 'A1'): item 'budget' is not an agenda item of 2022-11 or an "
        "earlier cycle (expected one of: none)",
    )


def test_data_to_after_the_data(tmp_path):
    cycle = summary_cycle(tmp_path)
    cycle.write_text(cycle.read_text(encoding="utf-8").replace("2022-10", "2023-01"))
    refused(
        tmp_path,
        cycle,
        f"{cycle}: data_to: '2023-01' is after the last month of police.uk street data in "
        "data/raw/police-uk/leicestershire (the files hold 35 months, 2019-12 to 2022-10); "
        "used by briefing 'summary'",
    )


def test_notebook_outside_the_project_is_refused(tmp_path):
    outside = tmp_path / "summary.ipynb"
    shutil.copy(FIXTURE_CYCLE_DIR / "summary.ipynb", outside)
    cycle = write_cycle(tmp_path, [{"name": "summary", "notebook": str(outside)}])
    refused(
        tmp_path,
        cycle,
        f"(briefing 'summary'): briefings[0].notebook: {outside} is outside the project folder",
        "or run with --allow-outside-notebooks if you trust it",
    )


@pytest.mark.slow
def test_allow_outside_notebooks_runs_it(tmp_path):
    outside = tmp_path / "summary.ipynb"
    shutil.copy(FIXTURE_CYCLE_DIR / "summary.ipynb", outside)
    cycle = write_cycle(tmp_path, [{"name": "summary", "notebook": str(outside)}])
    reports = tmp_path / "reports"
    res = run_cli("run", cycle, "--reports-dir", reports, "--allow-outside-notebooks")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "5,296 offences" in (reports / "2022-11" / "summary.html").read_text()


def street_cycle(tmp_path: Path, street: Path) -> Path:
    """A cycle of the street fixture briefing (read_street on ``street``), data to 2022-04."""
    return write_cycle(
        tmp_path,
        [
            {
                "name": "street",
                "notebook": "street",
                "parameters": {"street_crime": str(street), "data_to": "2022-04"},
            }
        ],
    )


def test_damaged_zip_is_refused_before_any_kernel(tmp_path, street_dir):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(street_dir.iterdir()):
            zf.write(f, f"{f.name[:7]}/{f.name}")
    archive.write_bytes(archive.read_bytes()[:300])  # truncated in the first member
    cycle = street_cycle(tmp_path, archive)
    refused(
        tmp_path,
        cycle,
        f"{cycle} (briefing 'street'): briefings[0].parameters.street_crime: the police.uk "
        f"street files cannot be listed to check data_to: {archive}: is a damaged or "
        "truncated zip archive",
    )


def test_zip_bomb_is_refused_before_any_kernel(tmp_path, street_dir):
    archive = tmp_path / "download.zip"
    member = "2022-03/2022-03-testshire-street.csv"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(street_dir.iterdir()):
            zf.write(f, f"{f.name[:7]}/{f.name}")
        zf.writestr(member, b"," * 9_000_000)  # 9 MB (over 8 MiB) of commas: ~1,000 times
    cycle = street_cycle(tmp_path, archive)
    refused(
        tmp_path,
        cycle,
        f"{archive}:{member}: expands from ",
        "more than 100 times its compressed size: it looks like a zip bomb",
    )


def test_dangling_street_file_link_is_refused_before_any_kernel(tmp_path, street_dir):
    link = street_dir / "2022-03-testshire-street.csv"
    link.symlink_to(tmp_path / "gone.csv")
    cycle = street_cycle(tmp_path, street_dir)
    refused(
        tmp_path,
        cycle,
        f"{link}: is a symbolic link to {tmp_path / 'gone.csv'}, which does not exist",
    )


@pytest.mark.slow
def test_data_errors_fail_the_briefing_and_keep_the_last_good_page(tmp_path, street_dir):
    cycle = street_cycle(tmp_path, street_dir)
    reports = tmp_path / "reports"
    page = reports / "2022-11" / "street.html"

    def run():
        # --force: read_street alone records no provenance, so the cache cannot see the change
        res = run_cli("run", cycle, "--reports-dir", reports, "--force")
        assert "Traceback" not in res.stdout + res.stderr
        return res

    # Lines ended by CR alone are read like any others: 5 + 4 + 3 rows.
    jan = street_dir / "2022-01-testshire-street.csv"
    jan.write_bytes(jan.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    res = run()
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "12 police.uk rows to 2022-04." in page.read_text(encoding="utf-8")
    good = snapshot(page)

    # One 2,000,000-byte line: the briefing fails naming the file and the line (exit 1).
    huge = street_dir / "2022-03-testshire-street.csv"
    huge.write_bytes(b"x" * 2_000_000)
    res = run()
    assert res.returncode == 1
    assert (
        f"raised DataError: {huge}, line 1: line 1 is 2,000,000 bytes long without a line break"
        in res.stdout
    )
    assert snapshot(page) == good
    assert (reports / "2022-11" / "street.error.html").is_file()


# ---------------------------------------------------------------------------------------
# The fixture cycle, cold


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    reports = tmp_path_factory.mktemp("cold") / "reports"
    res = run_cli("run", FIXTURE_CYCLE, "--reports-dir", reports)
    return SimpleNamespace(res=res, reports=reports, out=reports / "2022-11")


def test_cold_run_publishes_reports_and_isolates_the_failure(cold):
    assert cold.res.returncode == 1, cold.res.stdout + cold.res.stderr
    assert "broken failed: Code cell 5 of 6 raised ZeroDivisionError" in cold.res.stdout
    assert published(cold.out) == [
        ".hash-cache.json",
        ".inspect-cache.json",
        ".lock",
        "broken.error.html",
        "broken.failed.ipynb",
        "closed_summary.html",
        "closed_summary.ipynb",
        "index.html",
        "manifest.json",
        "summary.html",
        "summary.ipynb",
    ]


def test_cold_run_pages_show_the_figures(cold):
    summary = (cold.out / "summary.html").read_text()
    closed = (cold.out / "closed_summary.html").read_text()
    assert "5,296 offences in the last 6 months to 2022-10." in summary
    assert "3,550 offences in the last 4 months to 2022-10." in closed
    assert "OFFICIAL-SENSITIVE" in closed and "OFFICIAL-SENSITIVE" not in summary
    assert "<title>Closed session summary (OFFICIAL-SENSITIVE)</title>" in closed
    assert "Rows read: 8" in summary
    # never the code, never the injected parameters
    assert "record_input" not in summary and "injected" not in summary.lower()


def test_cold_run_keeps_the_executed_notebook(cold):
    nb = read_json(cold.out / "summary.ipynb")
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and 'area = "Leicester"' in "".join(injected[0]["source"])
    assert all(c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code")


def test_cold_run_manifest_has_provenance(cold):
    m = read_json(cold.out / "manifest.json")
    assert m["cycle"] == {
        "cycle": "2022-11",
        "title": "Runner test cycle",
        "meeting_date": "2022-11-23",
        "data_to": "2022-10",
    }
    b = m["briefings"]
    assert [b[n]["status"] for n in ("summary", "closed_summary", "broken")] == [
        "ok",
        "ok",
        "failed",
    ]
    pub = b["summary"]["published"]
    (data,) = pub["inputs"]
    assert data["path"] == "tests/fixtures/cycle/data/counts.csv"
    assert data["sha256"] == hashlib.sha256(COUNTS.read_bytes()).hexdigest()
    assert data["period"] == "2022-03 to 2022-10"
    assert pub["parameters"] == {
        "cycle": "2022-11",
        "data_to": "2022-10",
        "classification": "OFFICIAL",
        "area": "Leicester",
    }
    commit = pub["scrutiny"]["git_commit"]  # None outside a git checkout
    assert pub["scrutiny"]["version"] and (commit is None or len(commit) == 40)
    assert pub["started"] < pub["ended"]
    assert b["broken"]["published"] is None
    assert b["broken"]["error"]["page"] == "broken.error.html"
    footer = (cold.out / "summary.html").read_text().split('<footer class="provenance"')[1]
    assert (
        data["sha256"] in footer
        and "2022-03 to 2022-10" in footer
        and (commit or "unknown")[:10] in footer
    )


def test_error_page_shows_the_failing_cell(cold):
    page = (cold.out / "broken.error.html").read_text()
    assert "ratio = 1 / divisor" in page
    assert "ZeroDivisionError" in page and "Traceback" in page
    assert "There is no earlier good report" in page
    index = (cold.out / "index.html").read_text()
    assert '<a href="broken.error.html">what went wrong' in index
    assert '<a href="summary.html">Fixture briefing: Leicester</a>' in index


@pytest.mark.browser
@pytest.mark.parametrize(
    ("page", "classification"),
    [
        ("summary.html", "OFFICIAL"),
        ("closed_summary.html", "OFFICIAL-SENSITIVE"),
        ("index.html", "OFFICIAL-SENSITIVE"),
        ("broken.error.html", "OFFICIAL"),
    ],
)
def test_pages_in_a_browser(cold, check_report, axe_violations, page, classification):
    facts = check_report(cold.out / page)
    assert report_problems(facts, classification=classification) == []
    assert not axe_violations(cold.out / page)
    if page.endswith("summary.html"):
        assert facts["images"] and all(i["alt"] for i in facts["images"])
        assert facts["toc_links"] == ["#key-findings", "#monthly-offences", "#counts-by-month"]


# ---------------------------------------------------------------------------------------
# Warm runs, changed data, a failure after success, --force


def test_warm_run_skips_what_is_unchanged(cold, tmp_path):
    shutil.copytree(cold.reports, tmp_path / "reports")
    out = tmp_path / "reports" / "2022-11"
    before = snapshot(out / "summary.html")
    source = published_source(out, "summary")
    res = run_cli("run", FIXTURE_CYCLE, "--reports-dir", tmp_path / "reports")
    assert res.returncode == 1  # broken is re-run (failures are never cached) and fails again
    skip_if_source_changed(source)
    assert "summary: skipped (up to date)" in res.stdout
    assert "closed_summary: skipped (up to date)" in res.stdout
    assert "broken: failed" in res.stdout
    assert snapshot(out / "summary.html") == before

    res = run_cli(
        "run",
        FIXTURE_CYCLE,
        "--only",
        "summary",
        "--only",
        "closed_summary",
        "--reports-dir",
        tmp_path / "reports",
    )
    assert res.returncode == 0, res.stdout
    skip_if_source_changed(source)
    assert "running" not in res.stdout
    m = read_json(out / "manifest.json")["briefings"]
    assert (m["summary"]["status"], m["closed_summary"]["status"], m["broken"]["status"]) == (
        "skipped",
        "skipped",
        "failed",
    )


def test_data_change_failure_keeps_last_good_and_force(tmp_path):
    data = tmp_path / "counts.csv"
    shutil.copy(COUNTS, data)
    cycle = write_cycle(
        tmp_path,
        [{"name": "summary", "notebook": "summary", "parameters": {"data_file": str(data)}}],
    )
    reports = tmp_path / "reports"
    out = reports / "2022-11"

    def run(*extra):
        return run_cli("run", cycle, "--reports-dir", reports, *extra)

    assert run().returncode == 0

    # 1. changed data: the briefing runs again (873 -> 880 in 2022-10: 5,296 + 7 = 5,303)
    data.write_text(COUNTS.read_text().replace("2022-10,873", "2022-10,880"))
    res = run()
    assert res.returncode == 0 and "summary: done" in res.stdout
    assert "5,303 offences" in (out / "summary.html").read_text()
    good = snapshot(out / "summary.html")
    good_key = read_json(out / "manifest.json")["briefings"]["summary"]["published"]["cache_key"]

    # 2. broken data: the run fails, the last good page stays published
    data.write_text("month,count\n2022-10,880\n")
    res = run()
    assert res.returncode == 1
    assert snapshot(out / "summary.html") == good
    error_page = (out / "summary.error.html").read_text()
    assert "KeyError" in error_page and "The last good report" in error_page
    entry = read_json(out / "manifest.json")["briefings"]["summary"]
    assert entry["status"] == "failed" and entry["published"]["cache_key"] == good_key
    index = (out / "index.html").read_text()
    assert '<a href="summary.html">' in index and '<a href="summary.error.html">' in index
    assert not [p for p in out.iterdir() if ".tmp" in p.name]

    # 3. data restored: the last good page is current again, nothing runs, the error page goes
    data.write_text(COUNTS.read_text().replace("2022-10,873", "2022-10,880"))
    source = published_source(out, "summary")
    res = run()
    assert res.returncode == 0
    skip_if_source_changed(source)
    assert "summary: skipped" in res.stdout
    assert not (out / "summary.error.html").exists()

    # 4. --force runs it anyway
    res = run("--force")
    assert res.returncode == 0 and "summary: done" in res.stdout
    assert snapshot(out / "summary.html")[1] != good[1]
    assert "5,303 offences" in (out / "summary.html").read_text()


# ---------------------------------------------------------------------------------------
# Failures the machine causes: one message, a documented exit code, the pages untouched

# Runs the real CLI with one fault injected where the machine would cause it.
FAULTY_CLI = """
import errno, os, sys
from scrutiny.run import runner
from scrutiny.cli import app

fault = os.environ["SCRUTINY_TEST_FAULT"]
if fault == "full-disk":
    def write_manifest(path, manifest):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    runner.write_manifest = write_manifest
elif fault == "publish-refused":
    def publish_file(tmp, final):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(final))
    runner.publish_file = publish_file
elif fault == "statsmodels-upgraded":
    real = runner.environment_versions
    def environment_versions():
        env = real()
        env["packages"]["statsmodels"] = "99.0"
        return env
    runner.environment_versions = environment_versions
elif fault == "bug":
    def environment_versions():
        raise ValueError("a deliberate bug")
    runner.environment_versions = environment_versions
sys.argv[0] = "scrutiny"
app()
"""


def run_faulty(tmp_path, fault, *args):
    driver = tmp_path / "faulty_cli.py"
    driver.write_text(FAULTY_CLI)
    return subprocess.run(
        [sys.executable, driver, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SCRUTINY_TEST_FAULT": fault},
    )


def pages(out: Path) -> dict[str, bytes]:
    """Every briefing page and executed notebook (not the index, which each run rewrites)."""
    keep = [p for p in out.iterdir() if p.suffix in {".html", ".ipynb"} and p.name != "index.html"]
    return {p.name: p.read_bytes() for p in keep}


@pytest.fixture
def published_summary(tmp_path):
    """A cycle of one briefing on a data file of the test's own, published once."""
    data = tmp_path / "counts.csv"
    shutil.copy(COUNTS, data)
    cycle = write_cycle(
        tmp_path,
        [{"name": "summary", "notebook": "summary", "parameters": {"data_file": str(data)}}],
    )
    reports = tmp_path / "reports"
    res = run_cli("run", cycle, "--reports-dir", reports, "--plain")
    assert res.returncode == 0, res.stdout + res.stderr
    out = reports / "2022-11"
    return SimpleNamespace(data=data, cycle=cycle, reports=reports, out=out, pages=pages(out))


def assert_clean_failure(res, code, message):
    assert res.returncode == code, res.stdout + res.stderr
    assert message in res.stderr
    assert "Traceback" not in res.stdout + res.stderr


@pytest.mark.slow
def test_full_disk_stops_the_run_twice_then_it_recovers(published_summary):
    s = published_summary
    # the data change (873 -> 880 in 2022-10: 5,296 + 7 = 5,303) makes summary run again
    s.data.write_text(COUNTS.read_text().replace("2022-10,873", "2022-10,880"))
    manifest = s.out / "manifest.json"
    expected = (
        f"Error: {manifest}: no space left on the device while writing the manifest. Free some "
        "space (`make clean` removes the data cache and generated pages) and run again. Pages "
        "already published are unchanged"
    )
    for _ in range(2):  # and the second run, on a disk still full, does not crash either
        res = run_faulty(
            s.out.parent.parent, "full-disk", "run", s.cycle, "--reports-dir", s.reports
        )
        assert_clean_failure(res, 3, expected)
        assert pages(s.out) == s.pages
        assert not [p.name for p in s.out.iterdir() if ".tmp" in p.name]
    res = run_cli("run", s.cycle, "--reports-dir", s.reports, "--plain")
    assert res.returncode == 0 and "summary: done" in res.stdout, res.stdout + res.stderr
    assert "5,303 offences in the last 6 months" in (s.out / "summary.html").read_text()


@pytest.mark.slow
def test_a_page_that_cannot_be_published_stops_the_run_and_keeps_the_last(published_summary):
    s = published_summary
    s.data.write_text(COUNTS.read_text().replace("2022-10,873", "2022-10,880"))
    res = run_faulty(
        s.out.parent.parent, "publish-refused", "run", s.cycle, "--reports-dir", s.reports
    )
    assert_clean_failure(
        res,
        3,
        f"Error: {s.out}: cannot write here while publishing summary (permission denied). "
        "Expected a folder this user can write to: check its owner and permissions, or "
        "publish elsewhere with --reports-dir. Pages already published are unchanged",
    )
    assert pages(s.out) == s.pages
    assert not [p.name for p in s.out.iterdir() if ".tmp" in p.name]
    res = run_cli("run", s.cycle, "--reports-dir", s.reports, "--plain")
    assert res.returncode == 0 and "summary: done" in res.stdout, res.stdout + res.stderr


def make_read_only(folder: Path) -> Callable[[], None]:
    """Make ``folder`` read-only for real, even for root (chattr +i); return the undo."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed: cannot make a folder read-only for root")
    res = subprocess.run(["chattr", "+i", folder], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"chattr +i is not allowed here: {res.stderr.strip()}")
    return lambda: subprocess.run(["chattr", "-i", folder], check=True)


def test_read_only_reports_folder(published_summary):
    s = published_summary
    undo = make_read_only(s.out)
    try:
        res = run_cli("run", s.cycle, "--reports-dir", s.reports, "--force")
    finally:
        undo()
    assert_clean_failure(res, 3, f"Error: {s.out}: cannot write here while checking that the ")
    assert "Expected a folder this user can write to" in res.stderr
    assert pages(s.out) == s.pages


def test_read_only_reports_root(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    cycle = write_cycle(tmp_path, [{"name": "summary", "notebook": "summary"}])
    undo = make_read_only(reports)
    try:
        res = run_cli("run", cycle, "--reports-dir", reports)
    finally:
        undo()
    assert_clean_failure(
        res, 3, f"Error: {reports / '2022-11'}: cannot write here while creating the reports folder"
    )
    assert list(reports.iterdir()) == []


def test_reports_dir_below_a_file(tmp_path):
    (tmp_path / "afile").write_text("not a folder")
    res = run_cli("run", FIXTURE_CYCLE, "--reports-dir", tmp_path / "afile" / "sub")
    assert_clean_failure(
        res,
        3,
        f"Error: {tmp_path / 'afile' / 'sub' / '2022-11'}: Not a directory while creating the "
        "reports folder. Expected a folder (not a file) that can be created and written",
    )


def test_another_run_writing_the_folder(tmp_path):
    import fcntl

    out = tmp_path / "reports" / "2022-11"
    out.mkdir(parents=True)
    with open(out / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        res = run_cli("run", FIXTURE_CYCLE, "--reports-dir", tmp_path / "reports")
    assert_clean_failure(
        res, 3, f"Error: {out}: another scrutiny run is writing this folder. Wait for it to finish"
    )


def test_an_unexpected_error_is_one_line_unless_debug(tmp_path):
    cycle = write_cycle(tmp_path, [{"name": "summary", "notebook": "summary"}])
    res = run_faulty(tmp_path, "bug", "run", cycle, "--reports-dir", tmp_path / "reports")
    assert_clean_failure(
        res,
        4,
        f"Error: scrutiny stopped on an unexpected error while running {cycle}: ValueError: a "
        "deliberate bug. Run again as `scrutiny --debug ...` for the traceback, and report it",
    )
    res = run_faulty(
        tmp_path, "bug", "--debug", "run", cycle, "--reports-dir", tmp_path / "reports"
    )
    assert res.returncode == 4
    assert "Traceback (most recent call last)" in res.stderr
    assert res.stderr.rstrip().endswith("report it (it is a bug).")


def test_exit_codes_are_documented_in_the_help_and_the_readme():
    from scrutiny.cli import EXIT_CODES

    readme = (REPO / "README.md").read_text()
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", readme, re.M))
    assert set(map(int, table)) == set(EXIT_CODES)
    for args in (["--help"], ["run", "--help"]):
        res = CliRunner().invoke(app, args, env={"COLUMNS": "300", "NO_COLOR": "1"})
        text = " ".join(res.output.split())
        for code, meaning in EXIT_CODES.items():
            assert f"{code} {meaning}" in text, (args, code)


def test_the_manifest_records_the_environment_and_an_upgrade_reruns(published_summary):
    import platform
    from importlib import metadata

    s = published_summary
    m = read_json(s.out / "manifest.json")
    assert m["environment"]["python"] == platform.python_version()
    assert m["environment"]["packages"]["pandas"] == metadata.version("pandas")
    pub = m["briefings"]["summary"]["published"]
    assert pub["environment"]["packages"]["statsmodels"] == metadata.version("statsmodels")
    source = published_source(s.out, "summary")
    res = run_faulty(
        s.out.parent.parent,
        "statsmodels-upgraded",
        "run",
        s.cycle,
        "--reports-dir",
        s.reports,
        "--plain",
    )
    assert res.returncode == 0, res.stdout + res.stderr
    skip_if_source_changed(source)
    assert "summary: done" in res.stdout
    pub = read_json(s.out / "manifest.json")["briefings"]["summary"]["published"]
    assert pub["environment"]["packages"]["statsmodels"] == "99.0"


# ---------------------------------------------------------------- registers and budget roll


def test_register_entry_refused_naming_the_entry_and_key(tmp_path):
    cycle = summary_cycle(tmp_path)
    with cycle.open("a", encoding="utf-8") as fh:
        fh.write(
            "registers:\n  delivery:\n  - {id: D-9, ambition: a, theme: vawgg, activity: x, "
            "owner: o,\n     milestone: 2023-01-31, status: in progress, kpis: [rape, rapes]}\n"
            "  risks:\n  - {id: R-9, title: t, owner: o, likelihood: 6, impact: 2, controls: c,\n"
            "     review_due: 2023-01-31}\n"
        )
    # Both the model error and (once fixed) the cross-references are named.
    refused(tmp_path, cycle, f"{cycle}: registers.risks[0] (id 'R-9').likelihood")
    text = cycle.read_text(encoding="utf-8").replace("likelihood: 6", "likelihood: 5")
    cycle.write_text(text, encoding="utf-8")
    refused(
        tmp_path,
        cycle,
        f"{cycle}: registers.delivery[0] (id 'D-9').theme: 'vawgg' is not a theme of "
        "params/plan.yaml; did you mean 'vawg'?",
        f"{cycle}: registers.delivery[0] (id 'D-9').kpis[1]: KPI 'rapes' is not in the KPI "
        "registry",
    )


def test_new_cycle_carries_registers_through_the_cli(tmp_path):
    src = tmp_path / "2022-11.yaml"
    src.write_text((REPO / "params" / "cycles" / "2022-11.yaml").read_text(encoding="utf-8"))
    res = CliRunner().invoke(app, ["new-cycle", "2023-01", "--from", str(src)])
    assert res.exit_code == 0, res.output
    from scrutiny.analysis.board import load_cycle

    new = load_cycle(tmp_path / "2023-01.yaml")
    # D-03 and D-07 were complete in November: left behind; the other 21 entries move on
    assert "D-03" not in {a.id for a in new.registers.delivery}
    assert sum(1 for _ in new.registers.entries()) == 21
    r1 = next(r for r in new.registers.risks if r.id == "R-01")
    assert (r1.previous.likelihood, r1.previous.impact) == (4, 4)  # November's 4 x 4


def test_budget_roll_command(tmp_path):
    src = tmp_path / "mtfp-2022-23.yaml"
    src.write_text((REPO / "params" / "budget" / "mtfp-2022-23.yaml").read_text("utf-8"))
    res = CliRunner().invoke(app, ["budget", "roll", str(src)])
    assert res.exit_code == 0, res.output
    from scrutiny.analysis import budget

    rolled = budget.load_budget(tmp_path / "mtfp-2023-24.yaml", record=False)
    assert rolled.constants.band_d_base.value == 258.23  # 248.23 + the decided £10
    again = CliRunner().invoke(app, ["budget", "roll", str(src)])
    assert again.exit_code == 2 and "already exists" in again.output
    wrong = CliRunner().invoke(
        app, ["budget", "roll", str(src), "--option", "9-pink", "--out", str(tmp_path / "x.yaml")]
    )
    assert wrong.exit_code == 2 and "no option '9-pink'" in wrong.output
