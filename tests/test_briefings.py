"""End to end: the real briefings of the default cycle, as the Board and the public get them.

One run of ``scrutiny run params/cycles/2022-11.yaml`` through the real CLI (module
fixture), then every published page is opened in headless Chromium: the browser checks,
axe-core, alt text, heading order. The public pages are scanned for closed-session items
and unsuppressed small counts. Separately, every notebook runs top to bottom with only the
defaults of its parameters cell, as an analyst opening it in JupyterLab would, and the
briefings run on another force's police.uk files by changing parameters only.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
import yaml

from conftest import REPO, execute_notebook, report_problems, run_cli, write_cycle

pytestmark = pytest.mark.slow

CYCLE_FILE = REPO / "params" / "cycles" / "2022-11.yaml"
CYCLE = yaml.safe_load(CYCLE_FILE.read_text(encoding="utf-8"))
BRIEFINGS = {b["name"]: b for b in CYCLE["briefings"]}
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
PUBLIC = [n for n, b in BRIEFINGS.items() if b.get("classification", "OFFICIAL") == "OFFICIAL"]
LANCASHIRE = REPO / "tests" / "fixtures" / "police-uk-lancashire"

# Alt text that says nothing about the chart's content.
VACUOUS_ALT = re.compile(r"^(chart|image|figure|graph|plot|png)?\s*\d*\.?$", re.IGNORECASE)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    out = tmp_path_factory.mktemp("reports")
    proc = run_cli("run", CYCLE_FILE, "--reports-dir", out, "--jobs", "2", timeout=1800)
    return proc, out / CYCLE["cycle"]


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


#: Notebooks the default cycle cannot render, and the cycle that does: the national counts
#: held are for 2025 (issue 12), so national benchmarking is a 2026-01 briefing.
ELSEWHERE = {"national_benchmarking.ipynb": "2026-01.yaml"}


def test_default_cycle_lists_every_notebook():
    # Issue 5: the default cycle renders every briefing it has data for.
    used = {Path(b["notebook"]).name for b in CYCLE["briefings"]}
    assert used == {p.name for p in NOTEBOOKS} - set(ELSEWHERE)
    for notebook, cycle_file in ELSEWHERE.items():
        other = yaml.safe_load((REPO / "params" / "cycles" / cycle_file).read_text())
        assert notebook in {Path(b["notebook"]).name for b in other["briefings"]}


def test_default_cycle_runs_every_briefing(default_run):
    proc, folder = default_run
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    manifest = _manifest(folder)
    assert set(manifest["briefings"]) == set(BRIEFINGS)
    for name, entry in manifest["briefings"].items():
        assert entry["status"] == "ok", (name, entry.get("error"))
        assert (folder / f"{name}.html").is_file()
        assert (folder / f"{name}.ipynb").is_file()
        assert entry["published"]["inputs"], f"{name} recorded no data files"
    # The cycle's assessment is published beside the pages, as Parquet and CSV (issue 9):
    # violence and sexual offences for the force, October 2022: 3,733, common cause.
    kpis = pd.read_csv(folder / "assessment" / "kpis.csv")
    vso = kpis[
        (kpis["kpi"] == "violence_sexual_offences") & (kpis["area"] == "Leicestershire Police")
    ]
    assert vso["latest_value"].tolist() == [3733]
    assert vso["point_type"].tolist() == ["common_cause"]
    for table in ("kpis", "spc", "baselines", "comparisons", "grades", "maturity"):
        assert (folder / "assessment" / f"{table}.parquet").is_file(), table


@pytest.mark.browser
@pytest.mark.parametrize("name", sorted(BRIEFINGS))
def test_briefing_in_browser(default_run, check_report, axe_violations, name):
    _, folder = default_run
    path = folder / f"{name}.html"
    facts = check_report(path)
    expected = BRIEFINGS[name].get("classification", "OFFICIAL")
    assert not report_problems(facts, classification=expected)
    assert not axe_violations(path)

    # Every image has meaningful alt text (a sentence about the data, not "chart").
    for img in facts["images"]:
        alt = (img["alt"] or "").strip()
        assert len(alt) >= 25 and not VACUOUS_ALT.match(alt), (name, alt)

    # Headings in order: one h1 first, then no level skipped on the way down.
    levels = [h[0] for h in facts["headings"]]
    assert levels and levels[0] == 1 and levels.count(1) == 1, (name, facts["headings"][:5])
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, (name, facts["headings"])


@pytest.mark.browser
def test_index_in_browser(default_run, check_report, axe_violations):
    _, folder = default_run
    facts = check_report(folder / "index.html")
    assert not report_problems(facts)
    assert not axe_violations(folder / "index.html")


def _cells(browser: Any, path: Path, selector: str) -> list[str]:
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(path.resolve().as_uri(), wait_until="load")
        return page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.trim())")
    finally:
        context.close()


def _closed_items() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    agenda = [a for a in CYCLE.get("agenda", []) if a["session"] == "closed"]
    actions = [a for a in CYCLE.get("actions", []) if a.get("session", "open") == "closed"]
    return agenda, actions


def test_cycle_has_closed_items_to_protect():
    # Without closed items the public/restricted tests below would prove nothing.
    agenda, actions = _closed_items()
    assert agenda and actions


def test_public_panel_summary_has_no_closed_session_item(default_run):
    _, folder = default_run
    public = (folder / "panel_summary_public.html").read_text(encoding="utf-8")
    restricted = (folder / "panel_summary_restricted.html").read_text(encoding="utf-8")
    agenda, actions = _closed_items()
    for item in agenda:
        # The restricted version carries it: the check below is able to fail.
        assert item["title"] in restricted
        assert item["title"] not in public, item["id"]
        assert item["request"][:60] not in public
    for action in actions:
        assert action["id"] in restricted
        assert action["id"] not in public
        assert action["description"] not in public
    assert "OFFICIAL-SENSITIVE" not in public


@pytest.mark.browser
@pytest.mark.parametrize("name", ["panel_summary_public", "needs_assessment"])
def test_public_tables_suppress_small_counts(default_run, browser, name):
    _, folder = default_run
    threshold = 10
    cells = _cells(browser, folder / f"{name}.html", "td.count")
    assert cells, f"{name}: no count cells marked in its tables"
    for text in cells:
        if text in {"[c]", "0", "–"}:
            continue
        value = float(text.replace(",", ""))
        assert value >= threshold, f"{name}: unsuppressed count {text}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_with_its_defaults(tmp_path, notebook):
    """Top to bottom in a plain kernel, with only the parameters cell's defaults."""
    _, html = execute_notebook(notebook, tmp_path)
    assert "<h1>" in html, "the notebook shows no title"


def _fixture_rows(folder: Path) -> int:
    # Independent count: data rows in the CSV files (header excluded).
    total = 0
    for f in sorted(folder.glob("*.csv")):
        with f.open(newline="", encoding="utf-8") as fh:
            total += sum(1 for _ in csv.reader(fh)) - 1
    return total


def test_briefings_run_on_another_forces_files(tmp_path):
    """Another force's police.uk files, by parameters only: no notebook code changes."""
    rows = _fixture_rows(LANCASHIRE)
    params = {"force": "Lancashire Constabulary", "street_crime": str(LANCASHIRE)}
    cycle = write_cycle(
        tmp_path,
        [
            {
                "name": "lancs_data_quality",
                "notebook": str(REPO / "notebooks" / "data_quality.ipynb"),
                "parameters": params,
            },
            {
                "name": "lancs_deep_dive",
                "notebook": str(REPO / "notebooks" / "deep_dive.ipynb"),
                "parameters": {**params, "kpi": "robbery"},
            },
        ],
    )
    env_cache = {"SCRUTINY_CACHE_DIR": str(tmp_path / "cache")}
    proc = run_cli(
        "run",
        cycle,
        "--reports-dir",
        tmp_path / "reports",
        timeout=900,
        env={**os.environ, **env_cache},
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    dq = (tmp_path / "reports" / "2022-11" / "lancs_data_quality.html").read_text("utf-8")
    assert "Lancashire" in dq
    assert f"{rows:,}" in dq  # every fixture row is accounted for
    assert "Leicestershire" not in dq.split("<main", 1)[1].split("</main>", 1)[0]
    dd = (tmp_path / "reports" / "2022-11" / "lancs_deep_dive.html").read_text("utf-8")
    assert "Lancashire" in dd and "Robbery" in dd


def test_needs_assessment_runs_unchanged_on_a_real_extract(tmp_path):
    """A force extract in the documented schema plugs in through the `extract` parameter."""
    from scrutiny.data import DataSources, load_extract
    from scrutiny.data.extract import COLUMNS

    synth, _ = load_extract(DataSources())
    # Stand-in for a real extract: the same rows, written as a force would export them
    # (a force's export has no `synthetic` column; the loader adds it as False).
    real = tmp_path / "force-extract.parquet"
    synth[[c for c in COLUMNS if c != "synthetic"]].to_parquet(real)
    cycle = write_cycle(
        tmp_path,
        [
            {
                "name": "needs_real",
                "notebook": str(REPO / "notebooks" / "needs_assessment.ipynb"),
                "parameters": {"extract": str(real)},
            }
        ],
    )
    proc = run_cli("run", cycle, "--reports-dir", tmp_path / "reports", timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    page = (tmp_path / "reports" / "2022-11" / "needs_real.html").read_text("utf-8")
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "callout-synthetic" not in main  # no synthetic notice on real data
    assert "force-extract.parquet" in page  # the extract is named in the sources


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_stored_clean(notebook):
    """Imports, one parameters cell of literals, then calls: no definitions, no outputs."""
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "scrutiny"
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    for stmt in ast.parse(tagged[0].source).body:
        assert isinstance(stmt, ast.Assign), ast.dump(stmt)[:80]
        ast.literal_eval(stmt.value)  # raises unless the value is a literal
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ), f"definition in a notebook cell: {cell.source[:80]}"
            assert not (isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names))
