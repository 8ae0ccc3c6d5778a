"""Calls and victims briefing: pure pieces on hand-made returns, the cycle entries, and the
page rendered in both cycles through the CLI and checked in Chromium with axe (slow)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import yaml

from conftest import REPO, check_page, render_only
from scrutiny.analysis.force_returns import return_kpi_summary
from scrutiny.analysis.kpis import load_return_kpis
from scrutiny.briefings import calls_victims as cv

CYCLES = [REPO / "params" / "cycles" / f"{c}.yaml" for c in ("2022-09", "2022-11")]
MINE = ("people", "calls_victims")


def _returns(synthetic=True):
    months = pd.date_range("2020-11-01", periods=24, freq="MS")
    calls = pd.DataFrame(
        {
            "month": months,
            "calls_999_offered": 1000,
            "calls_999_within_10s": 700,
            "calls_101_offered": 2000,
            "calls_101_answered": 1600,
            "calls_101_abandoned": 300,
            "synthetic": synthetic,
        }
    )
    rows = [(m, g, 20, 15) for m in months for g in ("burglary", "domestic abuse")]
    victims = pd.DataFrame(rows, columns=["month", "group", "asked", "satisfied"])
    victims["synthetic"] = synthetic
    return {"calls": calls, "victims": victims}


def _report(synthetic=True):
    kpis = {k: v for k, v in load_return_kpis().items() if v.source in ("calls", "victims")}
    r = _returns(synthetic)
    return cv.CallsVictimsReport("2022-10", kpis, r, return_kpi_summary(kpis, r, "2022-10"))


def test_summary_table_and_sentences():
    rep = _report()
    t = cv.summary_table(rep).set_index("KPI")
    row = t.loc["999 calls answered within 10 seconds"]
    assert row["Data"] == "Synthetic"
    assert row["Latest 12 months (95% interval)"].startswith("70.0% (")  # 8400 / 12000
    assert row["Standard"] == "90%"
    assert row["Status"].startswith("Not graded: synthetic")
    assert t.loc["101 calls abandoned", "Latest 12 months (95% interval)"].startswith("15.0%")
    assert all(s.startswith("SYNTHETIC") for s in cv.key_findings(rep))
    m = cv.measure_sentence(rep)
    assert "victim satisfaction (whole experience) and victim satisfaction, domestic abuse" in m
    assert "no real evidence here" in m


def test_chart_labels_synthetic_and_describes_the_data():
    ch = cv.kpi_chart(_report(), "calls_999_within_10s")
    assert ch.synthetic and "SYNTHETIC" in ch.caption
    assert ch.alt.startswith("Line chart of 999 calls answered within 10 seconds")
    assert "70" in ch.alt and "Standard (90%)" in ch.alt
    assert "Lower 95% limit" in ch.data.columns and "Upper 95% limit" in ch.data.columns
    assert ch.data["999 calls answered within 10 seconds"].eq(70.0).all()


def test_group_table():
    t = cv.satisfaction_by_group(_report())
    assert t["Survey group"].tolist() == ["Burglary", "Domestic abuse", "All groups"]
    assert t["Asked"].tolist() == [240, 240, 480]
    assert t["Satisfied, % (95% exact interval)"].iat[0].startswith("75.0% (")
    assert t.attrs["period"] == "November 2021 to October 2022"


@pytest.mark.parametrize("cycle", CYCLES, ids=lambda p: p.stem)
def test_pages_with_synthetic_returns_are_not_public(cycle):
    """Both new pages are OFFICIAL-SENSITIVE; no public page's notebook reads the returns."""
    raw = yaml.safe_load(cycle.read_text(encoding="utf-8"))
    entries = {b["name"]: b for b in raw["briefings"]}
    for name in MINE:
        assert entries[name]["classification"] == "OFFICIAL-SENSITIVE"
    ids = set(load_return_kpis())
    pattern = re.compile(
        r"force_returns|calls_victims|data\.returns|force-returns|" + "|".join(ids)
    )
    for b in entries.values():
        if b.get("classification", "OFFICIAL") != "OFFICIAL":
            continue
        text = (REPO / b["notebook"]).read_text(encoding="utf-8")
        assert not pattern.search(text), b["name"]
        assert not pattern.search(json.dumps(b.get("parameters", {}))), b["name"]


# ------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return render_only("calls_victims", CYCLES, tmp_path_factory.mktemp("reports"), timeout=900)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("cycle", ["2022-09", "2022-11"])
def test_page_renders_and_passes_browser_and_axe(rendered, check_report, axe_violations, cycle):
    text = check_page(
        rendered[cycle],
        check_report,
        axe_violations,
        classification="OFFICIAL-SENSITIVE",
        images=4,
    )
    assert text.count("SYNTHETIC") >= 5
    month = {"2022-09": "August 2022", "2022-11": "October 2022"}[cycle]
    assert f"Calls and victims: board of {month}" in text
