"""Shared test helpers: the ``scrutiny`` CLI, and checks of published HTML in headless Chromium.

Browser checks (reuse them on every briefing and index page)::

    def test_my_briefing(check_report, axe_violations):
        result = check_report(path)          # dict, see page_checks()
        assert not report_problems(result)   # or assert on single keys
        assert not axe_violations(path)      # serious/critical axe-core violations

Chromium is Debian's ``/usr/bin/chromium`` (``playwright install`` is not possible here).
Without it the browser tests are skipped, except under CI (env ``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE_CYCLE_DIR = REPO / "tests" / "fixtures" / "cycle"
SCRUTINY = Path(sys.executable).with_name("scrutiny")

CHROMIUM = os.environ.get("SCRUTINY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BAD_IMPACTS = ("serious", "critical")


def run_cli(
    *args: str | Path, timeout: float = 300, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``scrutiny`` command; return the completed process (text output)."""
    return subprocess.run(
        [str(SCRUTINY), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


def cmdline(pid: int) -> bytes:
    """Process ``pid``'s command line, NUL-separated (empty once it has gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def is_kernel(pid: int) -> bool:
    """Whether ``pid`` is a Jupyter kernel: started as ``ipykernel_launcher`` or forked warm.

    A warm kernel (scrutiny.run.warm) keeps its parent's command line and is named
    ``ipykernel`` instead.
    """
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return False
    return name == "ipykernel" or b"ipykernel" in cmdline(pid)


# ---------------------------------------------------------------------------------------
# Browser


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium for the whole session (skipped locally if missing, fails in CI)."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dev dependency
        _unavailable(f"playwright is not installed ({exc})")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - any launch failure means "no browser"
        pw.stop()
        _unavailable(f"Chromium would not start: {exc}")
    yield b
    b.close()
    pw.stop()


_PAGE_FACTS = """() => {
  const visible = el => {
    const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const printRules = [];
  for (const sheet of document.styleSheets) {
    for (const rule of sheet.cssRules) {
      const media = rule.media ? Array.from(rule.media) : [];
      if (media.includes('print')) printRules.push(rule.cssRules.length);
    }
  }
  const target = href => {
    const id = decodeURIComponent(href.slice(1));
    return id === '' || document.getElementById(id) !== null;
  };
  return {
    title: document.title,
    lang: document.documentElement.getAttribute('lang'),
    images: Array.from(document.images).map(img => ({
      src: img.getAttribute('src').slice(0, 40), alt: img.getAttribute('alt'),
      natural_width: img.naturalWidth, complete: img.complete})),
    toc_links: Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href')),
    unresolved_links: Array.from(document.querySelectorAll('a[href^="#"]'))
      .map(a => a.getAttribute('href')).filter(h => !target(h)),
    banners: Array.from(document.querySelectorAll('.classification'))
      .filter(visible).map(el => el.textContent.replace('Security classification:', '').trim()),
    headings: Array.from(document.querySelectorAll('main h1, main h2, main h3'))
      .map(h => [Number(h.tagName[1]), h.id, h.textContent.trim()]),
    has_main: document.querySelector('main') !== null,
    print_rules: printRules.reduce((a, b) => a + b, 0),
    scripts: document.scripts.length,
  };
}"""


def page_checks(browser: Any, path: str | Path) -> dict[str, Any]:
    """Open a published page and return facts for assertions.

    Keys: ``title``, ``lang``, ``console_errors`` (console errors and page errors),
    ``requests`` (every URL requested), ``external_requests`` (any not ``file:``/``data:``),
    ``images`` (src prefix, alt, natural width), ``broken_images`` (natural width 0),
    ``toc_links``, ``unresolved_links`` (``#`` links with no target), ``banners``
    (visible classification markings), ``headings``, ``has_main``, ``print_rules``
    (rules inside ``@media print``), ``scripts``.
    """
    url = Path(path).resolve().as_uri()
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(url, wait_until="load")
        facts = page.evaluate(_PAGE_FACTS)
    finally:
        context.close()
    facts["console_errors"] = errors
    facts["requests"] = requests
    facts["external_requests"] = [u for u in requests if not u.startswith(("file:", "data:"))]
    facts["broken_images"] = [i for i in facts["images"] if not i["natural_width"]]
    return facts


def report_problems(facts: dict[str, Any], *, classification: str | None = None) -> list[str]:
    """Return what is wrong with a page according to :func:`page_checks` (empty = fine)."""
    problems = []
    if facts["lang"] != "en-GB":
        problems.append(f"lang is {facts['lang']!r}, not en-GB")
    if not facts["title"]:
        problems.append("no <title>")
    if facts["console_errors"]:
        problems.append(f"console errors: {facts['console_errors']}")
    if facts["external_requests"]:
        problems.append(f"requests other than file:/data: {facts['external_requests']}")
    if facts["broken_images"]:
        problems.append(f"images not decoded: {facts['broken_images']}")
    if facts["unresolved_links"]:
        problems.append(f"links to missing anchors: {facts['unresolved_links']}")
    if len(facts["banners"]) < 2:
        problems.append(
            f"expected the classification banner at top and bottom, saw {facts['banners']}"
        )
    if classification and any(b != classification for b in facts["banners"]):
        problems.append(f"banner says {facts['banners']}, expected {classification}")
    if not facts["has_main"]:
        problems.append("no <main>")
    if not facts["print_rules"]:
        problems.append("no print stylesheet")
    if facts["scripts"]:
        problems.append(f"{facts['scripts']} <script> element(s): pages need no JavaScript")
    return problems


def render_only(name: str, cycles: list[Path], out: Path, *, timeout: int = 900) -> dict[str, Path]:
    """Render one briefing of each cycle through the CLI; return cycle id -> its page."""
    pages = {}
    for cycle in cycles:
        proc = run_cli("run", cycle, "--only", name, "--reports-dir", out, timeout=timeout)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        pages[cycle.stem] = out / cycle.stem / f"{name}.html"
    return pages


def check_page(
    path: Path, check_report: Any, axe_violations: Any, *, classification: str, images: int
) -> str:
    """Browser and axe checks of one page, with ``images`` charts of alt text; its HTML."""
    facts = check_report(path)
    assert not report_problems(facts, classification=classification)
    assert not axe_violations(path)
    assert len(facts["images"]) == images
    for img in facts["images"]:
        assert len((img["alt"] or "").strip()) >= 25
    return Path(path).read_text(encoding="utf-8")


def axe_check(
    browser: Any, path: str | Path, impacts: tuple[str, ...] = BAD_IMPACTS
) -> list[dict[str, Any]]:
    """Run axe-core on a page; return violations of the given impacts (id, impact, help, nodes)."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        results = Axe().run(page)
    finally:
        context.close()
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]


@pytest.fixture(scope="session")
def check_report(browser: Any) -> Callable[[str | Path], dict[str, Any]]:
    """``check_report(path) -> dict`` of page facts (see :func:`page_checks`)."""
    return lambda path: page_checks(browser, path)


@pytest.fixture(scope="session")
def axe_violations(browser: Any) -> Callable[..., list[dict[str, Any]]]:
    """``axe_violations(path) -> list`` of serious or critical axe-core violations."""
    return lambda path, impacts=BAD_IMPACTS: axe_check(browser, path, impacts)


# ---------------------------------------------------------------------------------------
# Cycles for end-to-end runs


def write_cycle(
    folder: Path,
    briefings: list[dict[str, Any]],
    *,
    cycle: str = "2022-11",
    timeout_minutes: float = 5,
) -> Path:
    """Write ``<folder>/<cycle>.yaml`` listing ``briefings`` (notebook names resolve to the
    fixture notebooks, e.g. ``"summary"`` -> ``tests/fixtures/cycle/summary.ipynb``)."""
    import yaml

    entries = []
    for b in briefings:
        nb = b["notebook"]
        if "/" not in nb:
            nb = str(FIXTURE_CYCLE_DIR / f"{nb}.ipynb")
        entries.append({**b, "notebook": nb})
    doc = {
        "cycle": cycle,
        "title": "Runner test cycle",
        "meeting_date": "2022-11-23",
        "data_to": "2022-10",
        "timeout_minutes": timeout_minutes,
        "defaults": {"cycle": cycle, "data_to": "2022-10"},
        "briefings": entries,
    }
    path = folder / f"{cycle}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def read_json(path: Path) -> Any:
    """Read a JSON file."""
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def published_source(out: Path, name: str) -> str:
    """Return the source tree hash a briefing's published page was made with."""
    return read_json(out / "manifest.json")["briefings"][name]["published"]["source_sha256"]


def skip_if_source_changed(before: str) -> None:
    """A change to lib/scrutiny rightly re-runs everything; in a shared working tree
    someone may edit it mid-test, and then "skipped" cannot be checked."""
    from scrutiny.provenance import source_tree_hash

    if source_tree_hash() != before:
        pytest.skip("lib/scrutiny changed during the test (another edit), so briefings re-ran")


# ---------------------------------------------------------------------------------------
# Executing one notebook as an analyst would (papermill, the scrutiny kernel)


def execute_notebook(notebook: Path, out_dir: Path, **parameters: Any) -> tuple[Any, str]:
    """Run ``notebook`` with papermill in the ``scrutiny`` kernel; return (nb, its HTML).

    Fails on any error output, and on a bare matplotlib image (every chart must go
    through ``scrutiny.present.page.show_figure``, which gives it alt text and a data table).
    """
    import nbformat
    import papermill

    out = out_dir / Path(notebook).name
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters=parameters,
        kernel_name="scrutiny",
        cwd=str(Path(notebook).parent),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    html = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.output_type != "error", "".join(o.get("traceback", []))[-2000:]
            assert "image/png" not in o.get("data", {}), "bare matplotlib image"
            html.append(o.get("data", {}).get("text/html", ""))
    return nb, "".join(html)


# ---------------------------------------------------------------------------------------
# Data cache


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A data cache of this test's own, so runs on other data never share cache files."""
    from scrutiny import config
    from scrutiny.data import store

    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")
    store.clear_memo()
    yield
    store.clear_memo()


# -- the hand-made Testshire force (tests/data/fixtures) ----------------------------------

TESTSHIRE = REPO / "tests" / "data" / "fixtures"
OFFENCE_MAP = REPO / "data" / "raw" / "home-office" / "offence-code-to-policeuk-category.csv"


@pytest.fixture
def fixtures() -> Path:
    return TESTSHIRE


@pytest.fixture
def street_dir(tmp_path: Path) -> Path:
    """A writable copy of the three Testshire monthly street files."""
    dst = tmp_path / "street"
    shutil.copytree(TESTSHIRE / "police-uk" / "testshire", dst)
    return dst


@pytest.fixture
def testshire(street_dir: Path) -> Any:
    """DataSources for the hand-made Testshire force."""
    from scrutiny.data.sources import DataSources

    return DataSources(
        force="Testshire Police",
        street_crime=str(street_dir),
        home_office_force=str(TESTSHIRE / "home-office" / "prc.csv"),
        offence_map=str(OFFENCE_MAP),
        lsoa_lookup=str(TESTSHIRE / "ons" / "lsoa-lookup.csv"),
        census_population=str(TESTSHIRE / "ons" / "census.csv"),
        la_population=str(TESTSHIRE / "ons" / "la-population.csv"),
        police_grant=str(TESTSHIRE / "home-office" / "grant.csv"),
        officer_fte=str(TESTSHIRE / "home-office" / "officers.csv"),
    )


# -- hand-made KPIs and series ------------------------------------------------------------


def hand_kpi(kid: str = "burglary", **kw) -> Any:
    """A registry KPI for tests (burglary unless told otherwise)."""
    from scrutiny.analysis.kpis import Definition, Kpi

    base = {
        "id": kid,
        "name": kw.pop("name", "Burglary"),
        "description": "test",
        "definition": kw.pop("definition", Definition(police_uk_categories=["Burglary"])),
        "direction": kw.pop("direction", "decrease"),
    }
    return Kpi(**base, **kw)


def hand_series(counts, *, start="2021-01", missing=(), denominator=None) -> pd.DataFrame:
    """A kpi_series-shaped frame (population 100,000) for hand-made counts."""
    months = pd.date_range(f"{start}-01", periods=len(counts), freq="MS")
    count = np.asarray(counts, dtype="int64")
    miss = np.isin(np.arange(len(counts)), list(missing))
    denom = (
        np.full(len(counts), 100_000.0) if denominator is None else np.asarray(denominator, float)
    )
    per = 1000 if denominator is None else 100
    return pd.DataFrame(
        {
            "month": months,
            "count": count,
            "population": 100_000,
            "rate_per_1000": count / 100_000 * 1000,
            "denominator": denom,
            "rate": count / denom * per,
            "missing": miss,
            "synthetic": False,
        }
    )
