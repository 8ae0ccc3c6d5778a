"""The briefings on paper and offline (issue 14): the default cycle printed to A4 by Chromium.

One run of ``scrutiny run params/cycles/2022-11.yaml`` through the real command line (module
fixture), then each page is printed with Playwright's ``page.pdf`` (A4, the page's own print
stylesheet) and its pages counted, against the targets a Board member can carry:
performance exceptions at most 25 pages, plan delivery 20, the deep dive 20 and the public
Panel summary 8. Every chart's "Download the data for figure N (CSV)" link is clicked in a
browser with the network off, and the file it gives is compared with the chart's data table.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CYCLE_FILE = REPO / "params" / "cycles" / "2022-11.yaml"
CYCLE = yaml.safe_load(CYCLE_FILE.read_text(encoding="utf-8"))

#: Most A4 pages each page may print to (issue 14's targets).
PAGE_LIMITS = {
    "performance_exceptions": 25,
    "plan_delivery": 20,
    "deep_dive_vawg": 20,
    "panel_summary_public": 8,
}

# A PDF page object is "/Type /Page"; the page tree is "/Type /Pages".
_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def pdf_pages(pdf: bytes) -> int:
    """Number of pages in a PDF (counted from its page objects)."""
    return len(_PAGE.findall(pdf))


def test_pdf_pages_counts_pages_not_the_page_tree():
    pdf = b"<< /Type /Pages /Kids [3 0 R 4 0 R] >> << /Type /Page >> << /Type/Page /Parent 2 >>"
    assert pdf_pages(pdf) == 2


@pytest.fixture(scope="module")
def cycle_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    proc = run_cli("run", CYCLE_FILE, "--reports-dir", out, "--jobs", "2", timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out / CYCLE["cycle"]


def test_the_limits_cover_briefings_of_the_cycle():
    names = {b["name"] for b in CYCLE["briefings"]}
    assert set(PAGE_LIMITS) <= names


@pytest.mark.parametrize("name", sorted(PAGE_LIMITS))
def test_page_prints_within_its_limit(cycle_pages, browser, name):
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        page.goto((cycle_pages / f"{name}.html").resolve().as_uri(), wait_until="load")
        pdf = page.pdf(format="A4")
    finally:
        context.close()
    pages = pdf_pages(pdf)
    assert 1 <= pages <= PAGE_LIMITS[name], f"{name}: {pages} A4 pages"


# -------------------------------------------------------------------------------- CSV


def _same(table_text: str, csv_text: str) -> bool:
    """Whether a data-table cell (formatted for reading) shows the CSV's value."""
    t, c = table_text.strip(), csv_text.strip()
    if t == c:
        return True
    if t == "–":  # missing
        return c in {"", "nan", "NaT"}
    if (t, c) in {("Yes", "True"), ("No", "False")}:
        return True
    try:
        shown = float(t.replace(",", ""))
        value = float(c)
    except ValueError:
        return False
    decimals = len(t.split(".")[1]) if "." in t else 0
    return math.isclose(shown, value, abs_tol=0.5 * 10**-decimals + 1e-9)


_FIGURES = """() => Array.from(document.querySelectorAll('figure.chart')).map(f => {
  const link = f.querySelector('.csv-link a');
  const table = f.querySelector('details.data table');
  return {
    caption: (f.querySelector('figcaption .caption') || {textContent: ''}).textContent,
    link: link ? link.textContent : null,
    head: table ? Array.from(table.querySelectorAll('thead th')).map(c => c.textContent) : null,
    rows: table ? Array.from(table.querySelectorAll('tbody tr')).map(
      r => Array.from(r.children).map(c => c.textContent)) : null,
  };
})"""


#: Chromium stops answering an 11th download click in a row on one page (its guard against
#: sites that download many files): the page is opened afresh for every few downloads.
DOWNLOADS_PER_VISIT = 8


def _figures_with_downloads(browser: Any, path: Path) -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    done = 0
    while True:
        context = browser.new_context(offline=True, accept_downloads=True)
        try:
            page = context.new_page()
            page.goto(path.resolve().as_uri(), wait_until="load")
            if not figures:
                figures = page.evaluate(_FIGURES)
                assert page.locator("main img").count() == len(figures)
            links = page.locator("figure.chart .csv-link a")
            assert links.count() == sum(1 for f in figures if f["link"])
            for k in range(done, min(done + DOWNLOADS_PER_VISIT, links.count())):
                with page.expect_download() as info:
                    links.nth(k).click()
                download = info.value
                figures[k]["file"] = download.suggested_filename
                figures[k]["csv"] = Path(download.path()).read_text(encoding="utf-8")
                done += 1
            if done >= links.count():
                return figures
        finally:
            context.close()


PAGES_WITH_CHARTS = [
    "performance_exceptions",
    "plan_delivery",
    "deep_dive_vawg",
    "needs_assessment",
    "data_quality",
    "budget_scenarios",
]


@pytest.mark.parametrize("name", PAGES_WITH_CHARTS)
def test_every_charts_data_downloads_as_csv_with_the_network_off(cycle_pages, browser, name):
    figures = _figures_with_downloads(browser, cycle_pages / f"{name}.html")
    assert figures, f"{name}: no chart"
    # Every chart has its link and its data (and every image on the page is a chart).
    assert all(f["link"] and f["head"] for f in figures), name
    for number, f in enumerate(figures, start=1):
        # Numbered in order on the page; the link and the file say which figure.
        assert f["caption"].startswith(f"Figure {number}: "), f["caption"]
        assert f["link"] == f"Download the data for figure {number} (CSV)"
        assert f["file"].startswith(f"figure-{number}") and f["file"].endswith(".csv")
        rows = list(csv.reader(io.StringIO(f["csv"])))
        assert rows, f"{name} figure {number}: empty CSV"
        head, body = rows[0], rows[1:]
        assert head == f["head"], (name, number)
        assert len(body) == len(f["rows"]), (name, number)
        for shown, value in zip(f["rows"], body, strict=True):
            for t, c in zip(shown, value, strict=True):
                assert _same(t, c), f"{name} figure {number}: table shows {t!r}, CSV has {c!r}"
