"""One cycle run for many forces (``forces:`` in the cycle file): checked first, each force
in its own folder, a national index and manifest, one force failing without stopping the
others; and 3 forces x the 2026-01 briefings on a Dask LocalCluster."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO, read_json, report_problems, run_cli, write_cycle
from scrutiny.analysis.board import CycleError, force_folder_name, load_cycle
from scrutiny.run.params import check_forces


def _forces_cycle(folder: Path, forces: list, briefings: list | None = None) -> Path:
    path = write_cycle(folder, briefings or [{"name": "summary", "notebook": "summary"}])
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["forces"] = forces
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------
# The cycle file


@pytest.mark.parametrize(
    ("force", "folder"),
    [
        ("Leicestershire Police", "leicestershire"),
        ("Cumbria Constabulary", "cumbria"),
        ("Devon & Cornwall Police", "devon-and-cornwall"),
        ("Police Service of Northern Ireland", "police-service-of-northern-ireland"),
        ("Metropolitan Police Service", "metropolitan"),
    ],
)
def test_force_folder_names(force: str, folder: str) -> None:
    assert force_folder_name(force) == folder


def test_forces_are_names_or_parameter_sets(tmp_path: Path) -> None:
    path = _forces_cycle(
        tmp_path,
        [
            "Cumbria Constabulary",
            {
                "force": "Leicestershire Police",
                "name": "leics-rutland",
                "parameters": {"area": "Rutland"},
            },
        ],
    )
    cycle = load_cycle(path)
    assert [f.folder for f in cycle.forces] == ["cumbria", "leics-rutland"]
    one = cycle.for_force(cycle.forces[1])
    assert one.defaults["force"] == "Leicestershire Police"
    assert one.defaults["area"] == "Rutland"
    assert one.defaults["data_to"] == "2022-10"  # the cycle's defaults stay
    assert one.forces == []
    assert one.title == "Runner test cycle: Leicestershire Police (leics-rutland)"
    assert cycle.for_force(cycle.forces[0]).title == "Runner test cycle: Cumbria Constabulary"
    params = check_forces(path, cycle)
    assert list(params) == ["cumbria", "leics-rutland"]
    assert params["leics-rutland"]["summary"]["area"] == "Rutland"
    assert "area" not in params["cumbria"]["summary"]  # the notebook's default applies


def test_two_forces_in_one_folder_is_an_error(tmp_path: Path) -> None:
    path = _forces_cycle(tmp_path, ["Cumbria Constabulary", {"force": "Cumbria Police"}])
    with pytest.raises(
        CycleError, match=r"forces\[1\]: the folder 'cumbria' is used by forces\[0\]"
    ):
        load_cycle(path)


def test_a_force_cannot_change_the_cycles_month(tmp_path: Path) -> None:
    path = _forces_cycle(
        tmp_path, [{"force": "Cumbria Constabulary", "parameters": {"data_to": "2022-09"}}]
    )
    with pytest.raises(CycleError, match=r"forces\[0\]\.parameters\.data_to: every force"):
        load_cycle(path)


def test_unknown_keys_in_a_force_are_named(tmp_path: Path) -> None:
    path = _forces_cycle(tmp_path, [{"force": "Cumbria Constabulary", "parameter": {}}])
    with pytest.raises(CycleError, match=r"forces\[0\]\.parameter.*did you mean 'parameters'"):
        load_cycle(path)


def test_every_forces_parameters_are_checked_before_anything_runs(tmp_path: Path) -> None:
    path = _forces_cycle(
        tmp_path,
        [
            "Cumbria Constabulary",
            {"force": "Leicestershire Police", "parameters": {"aera": "Rutland"}},
            {"force": "City of London Police", "parameters": {"months": "six"}},
        ],
    )
    reports = tmp_path / "reports"
    proc = run_cli("run", path, "--reports-dir", reports, "--no-pack")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = " ".join((proc.stdout + proc.stderr).split())
    assert (
        "forces[1] (Leicestershire Police).parameters.aera: no briefing of this cycle "
        "declares 'aera'; did you mean 'area'?" in text
    )
    assert "forces[2] (City of London Police): defaults.months: 'months' should be" in text
    assert not list(reports.rglob("*.html"))  # nothing ran


def test_only_force_names_what_the_cycle_has(tmp_path: Path) -> None:
    path = _forces_cycle(tmp_path, ["Cumbria Constabulary"])
    proc = run_cli("run", path, "--reports-dir", tmp_path / "r", "--only-force", "cumbira")
    assert proc.returncode == 2
    assert "--only-force: no force 'cumbira' (the cycle has: cumbria)" in proc.stdout + proc.stderr
    (tmp_path / "plain").mkdir()
    plain = write_cycle(tmp_path / "plain", [{"name": "summary", "notebook": "summary"}])
    proc = run_cli("run", plain, "--reports-dir", tmp_path / "r", "--only-force", "cumbria")
    assert proc.returncode == 2
    assert "--only-force: this cycle file lists no forces" in proc.stdout + proc.stderr


# ---------------------------------------------------------------------------------------
# Running


def _text(html_file: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", html_file.read_text(encoding="utf-8"))
    return " ".join(html.unescape(text).split())


@pytest.mark.slow
def test_each_force_in_its_folder_and_a_failing_force_stops_no_other(tmp_path: Path) -> None:
    forces = [
        {"force": "Leicestershire Police", "parameters": {"area": "Leicester"}},
        # this force's data file does not exist: its briefing fails
        {
            "force": "Cumbria Constabulary",
            "parameters": {"data_file": "tests/fixtures/cycle/data/none.csv"},
        },
        {"force": "City of London Police", "parameters": {"area": "Rutland", "months": 4}},
    ]
    path = _forces_cycle(tmp_path, forces)
    reports = tmp_path / "reports"
    proc = run_cli("run", path, "--reports-dir", reports, "--no-pack", "--jobs", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = reports / "2022-11"
    assert (out / "leicestershire" / "summary.html").is_file()
    assert (out / "city-of-london" / "summary.html").is_file()  # ran after the failure
    assert (out / "cumbria" / "summary.error.html").is_file()
    assert not (out / "cumbria" / "summary.html").exists()
    # each page is its force's: the header names it, the figures are its parameters'
    leics = _text(out / "leicestershire" / "summary.html")
    city = _text(out / "city-of-london" / "summary.html")
    assert "Runner test cycle: Leicestershire Police" in leics
    assert "Fixture briefing: Leicester" in leics
    assert "Runner test cycle: City of London Police" in city
    assert "Fixture briefing: Rutland" in city and "last 4 months" in city
    manifest = read_json(out / "forces.json")
    got = {k: (v["status"], v["briefings"]) for k, v in manifest["forces"].items()}
    assert got == {
        "leicestershire": ("ok", {"summary": "ok"}),
        "cumbria": ("failed", {"summary": "failed"}),
        "city-of-london": ("ok", {"summary": "ok"}),
    }
    assert manifest["forces"]["cumbria"]["index"] == "cumbria/index.html"
    index = _text(out / "forces.html")
    assert re.search(r"Leicestershire Police Produced 1 produced", index)
    assert re.search(r"Cumbria Constabulary Failed 1 failed", index)
    assert 'href="cumbria/index.html"' in (out / "forces.html").read_text(encoding="utf-8")
    assert 'href="../forces.html"' in (out / "cumbria" / "index.html").read_text(encoding="utf-8")

    # a second run skips what is up to date, force by force; only the failed one runs
    proc = run_cli("run", path, "--reports-dir", reports, "--no-pack", "--only-force", "cumbria")
    assert proc.returncode == 1
    manifest = read_json(out / "forces.json")
    assert manifest["forces"]["leicestershire"]["status"] == "ok"  # kept from the first run
    proc = run_cli("run", path, "--reports-dir", reports, "--no-pack")
    assert "Forces: 1 ok, 1 failed, 1 ok" not in proc.stdout
    assert re.search(r"Forces: 2 ok, 1 failed", " ".join(proc.stdout.split()))
    assert (
        read_json(out / "leicestershire" / "manifest.json")["briefings"]["summary"]["status"]
        == "skipped"
    )


@pytest.mark.slow
def test_three_forces_of_the_2026_cycle_on_a_dask_local_cluster(
    tmp_path: Path, check_report
) -> None:
    """A small matrix: 3 forces x the 2026-01 briefings, every page rendered and opened."""
    src = yaml.safe_load((REPO / "params" / "cycles" / "2026-01.yaml").read_text(encoding="utf-8"))
    src["forces"] = ["Leicestershire Police", "Cumbria Constabulary", "City of London Police"]
    path = tmp_path / "2026-01.yaml"
    path.write_text(yaml.safe_dump(src, sort_keys=False), encoding="utf-8")
    reports = tmp_path / "reports"
    proc = run_cli(
        "run",
        path,
        "--reports-dir",
        reports,
        "--no-pack",
        "--executor",
        "dask",
        "--jobs",
        "2",
        timeout=3000,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = reports / "2026-01"
    names = [b["name"] for b in src["briefings"]]
    manifest = read_json(out / "forces.json")
    assert manifest["run"]["scrutiny"]
    for folder_name, force in [
        ("leicestershire", "Leicestershire Police"),
        ("cumbria", "Cumbria Constabulary"),
        ("city-of-london", "City of London Police"),
    ]:
        entry = manifest["forces"][folder_name]
        assert entry["status"] == "ok" and set(entry["briefings"]) == set(names)
        assert read_json(out / folder_name / "manifest.json")["run"]["executor"] == "dask"
        for name in names:
            page = out / folder_name / f"{name}.html"
            assert f"January 2026: {force}" in _text(page), page
            assert not report_problems(check_report(page)), page
        assert not report_problems(check_report(out / folder_name / "index.html"))
        plan_page = _text(out / folder_name / "plan_delivery.html")
        other = "is Leicestershire Police's, not " + force  # params/plan.yaml is Leicestershire's
        mine = force == "Leicestershire Police"
        assert (other in plan_page) == (not mine), folder_name
        # another force's page neither says it grades nor shows the plan's delivery activity
        assert ("Each KPI is graded on the HMICFRS five-point scale" in plan_page) == mine
        assert ("no KPI on this page is graded" in plan_page) == (not mine)
        not_shown = f"Leicestershire Police's plan, so it is not shown for {force}."
        assert (not_shown in plan_page) == (not mine), folder_name
    assert not report_problems(check_report(out / "forces.html"))
