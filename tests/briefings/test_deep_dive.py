"""The deep-dive briefing: it computes no statistic; a KPI's reading is the cycle's
assessment word for word and a topic is read with the cycle's method (on the hand-made
Testshire force); the density map; another force's files; the notebook end to end, on its
defaults and on another topic and district (slow). The statistics themselves are tested in
tests/analysis/test_topics.py and tests/stats/test_concentration.py."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import execute_notebook
from scrutiny.analysis import assessment
from scrutiny.briefings import deep_dive as dd
from scrutiny.data import DataSources
from test_layers import imported_modules

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "deep_dive.ipynb"
DEEP_DIVE = REPO / "lib" / "scrutiny" / "briefings" / "deep_dive.py"
CYCLE = REPO / "params" / "cycles" / "2022-11.yaml"
RAW = REPO / "data" / "raw" / "police-uk" / "leicestershire"
LANCASHIRE = REPO / "tests" / "fixtures" / "police-uk-lancashire"


# -------------------------------------------------------------------------------- the layers


def test_the_briefing_computes_no_statistic():
    # Every statistic is in scrutiny.analysis (the assessment, topics); the briefing picks
    # and lays out. It imports nothing from scrutiny.stats and never builds a series itself.
    source = DEEP_DIVE.read_text(encoding="utf-8")
    modules = [m for _, m in imported_modules(DEEP_DIVE)]
    assert not [m for m in modules if m.startswith("scrutiny.stats")]
    tree = ast.parse(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "kpi_series" not in names and "stats" not in names
    for private in ("_join", "_lc", "_month"):
        assert f"def {private}(" not in source


# -------------------------------------------------------------------------------- the assessment


def _cycle(folder: Path, **method) -> Path:
    """A cycle file for Testshire (data to April 2022) with its own method block.

    Testshire's four months are fewer than the default seven provisional months of outcome
    KPIs, which the assessment cannot yet handle, so none are provisional here.
    """
    method = {"outcome_lag_months": 0, **method}
    path = folder / "2022-05.yaml"
    doc = {
        "cycle": "2022-05",
        "title": "Testshire board",
        "meeting_date": "2022-05-25",
        "data_to": "2022-04",
        "method": method,
        "briefings": [],
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_a_kpi_is_the_cycles_assessment_word_for_word(testshire, private_cache, tmp_path):
    # Testshire's violence and sexual offences: Jan 1, Feb 2, no March file, Apr 1.
    cycle = _cycle(tmp_path, months=12, spc_rebase="2022-02")
    topic = dd.make_topic(kpi="violence_sexual_offences")
    d = dd.collect(testshire, topic, data_to="2022-04", cycle_file=str(cycle))
    a = assessment.for_cycle(cycle, sources=testshire)
    r = a.result("violence_sexual_offences")
    assert d.from_assessment and d.method == a.method
    assert d.method.spc_rebase == "2022-02" and d.rebase == "2022-02"
    pd.testing.assert_frame_equal(d.spc, r.spc)
    pd.testing.assert_frame_equal(d.baselines, r.baselines)
    findings = dd.key_findings(d)
    assert findings[0] == r.spc_sentence()
    # Limits from February: Feb 2 and Apr 1 average 1.5 a month, below the 10 a month the
    # method judges, so the sentence says so instead of reading the chart.
    assert findings[0] == (
        "Violence and sexual offences for Testshire Police: about 1.5 offences a month on "
        "average, too few to judge whether anything has changed (the assessment judges 10 or "
        "more a month); 1 offence in April 2022."
    )
    assert not dd.force_questions(d)["What the data show"].str.contains("SPC").any()
    assert findings[1] == r.rolling_sentence()
    assert dd.trend_sentences(d)[-1] == (
        "The chart's mean and limits are recalculated from February 2022, the cycle's rebase month."
    )
    assert "the cycle's assessment" in dd.about(d)
    assert d.comparison.sentences() == a.comparisons["violence_sexual_offences"].sentences()
    # A district is in the assessment too: Southvale has b2 (Feb) and d2 (Apr).
    s = dd.collect(testshire, topic, data_to="2022-04", area="Southvale", cycle_file=str(cycle))
    assert s.series["count"].tolist() == [0, 1, 0, 1]
    assert dd.key_findings(s)[0] == a.result("violence_sexual_offences", "Southvale").spc_sentence()


def test_without_a_usable_rebase_the_limits_span_the_window(testshire, private_cache, tmp_path):
    # The default rebase month (August 2021) is before Testshire's data start.
    cycle = _cycle(tmp_path)
    d = dd.collect(
        testshire, dd.make_topic(kpi="robbery"), data_to="2022-04", cycle_file=str(cycle)
    )
    assert d.rebase is None
    assert d.notes == [
        "The SPC limits are calculated over the whole period: the rebase month August 2021 is "
        "not inside January 2022 to April 2022."
    ]
    assert not any("recalculated" in t for t in dd.trend_sentences(d))
    # Testshire's one robbery (a4) is in Borderland, outside its districts.
    assert dd.district_sentences(d) == [
        "No offences of robbery were recorded in any of the force's districts in May 2021 to "
        "April 2022, so there are no rates to compare.",
        "1 offence without a location or placed outside the force area is in the force total "
        "but in no district.",
    ]
    assert dd.district_funnel_chart(d) is None


def test_a_topic_is_read_with_the_cycles_method(testshire, private_cache, tmp_path):
    cycle = _cycle(tmp_path, months=12, spc_rebase="2022-02")
    topic = dd.make_topic(categories=["Violence and sexual offences"], name="Violence")
    d = dd.collect(testshire, topic, data_to="2022-04", cycle_file=str(cycle))
    assert not d.from_assessment
    assert d.spc["segment"].tolist() == [0, 1, 1, 1]  # limits recalculated from February
    assert dd.key_findings(d)[0].startswith("Violence for Testshire Police: about 1.5 offences")
    assert "read with the cycle's method" in dd.about(d)
    # The same counts as the KPI: a topic is treated exactly as a KPI would be.
    kpi = assessment.for_cycle(cycle, sources=testshire).result("violence_sexual_offences")
    pd.testing.assert_frame_equal(d.spc, kpi.spc)


def test_a_renamed_kpi_keeps_the_figures_and_a_redirected_one_says_so(
    testshire, private_cache, tmp_path
):
    cycle = _cycle(tmp_path, months=12, spc_rebase="2022-02")
    a = assessment.for_cycle(cycle, sources=testshire)
    r = a.result("violence_sexual_offences")
    renamed = dd.make_topic(kpi="violence_sexual_offences", name="All violence")
    d = dd.collect(testshire, renamed, data_to="2022-04", cycle_file=str(cycle))
    assert d.from_assessment
    pd.testing.assert_frame_equal(d.spc, r.spc)
    assert dd.key_findings(d)[0].startswith("All violence for Testshire Police: about 1.5")
    assert dd.title(d).startswith("Deep dive: all violence for Testshire Police")
    turned = dd.make_topic(kpi="violence_sexual_offences", direction="neutral")
    t = dd.collect(testshire, turned, data_to="2022-04", cycle_file=str(cycle))
    assert not t.from_assessment
    assert t.notes[0] == (
        "Violence and sexual offences is read here with neutral as the better direction, not "
        "the registry's decrease, so its SPC icons can differ from the performance exceptions "
        "briefing."
    )


# -------------------------------------------------------------------------------- the page


def test_hexbin_map_counts_every_located_point():
    rng = np.random.default_rng(1)
    pts = pd.DataFrame(
        {
            "longitude": np.r_[rng.normal(-1.13, 0.005, 80), rng.uniform(-1.4, -0.8, 20), np.nan],
            "latitude": np.r_[rng.normal(52.63, 0.005, 80), rng.uniform(52.4, 52.9, 20), np.nan],
            "lsoa_name": ["Centre 001A"] * 80 + ["Elsewhere"] * 20 + ["No place"],
        }
    )
    chart = dd.hexbin_map(pts, "Robbery: where recorded", gridsize=20)
    assert chart.data["Offences"].sum() == 100  # the row without coordinates is left out
    assert chart.data.iloc[0]["Most common LSOA"] == "Centre 001A"
    assert "100 offences with a location of 101" in chart.alt
    assert "no base map" in chart.alt
    assert dd.hexbin_map(pts.iloc[[100]], "Nothing") is None


# -------------------------------------------------------------------------------- another force


def test_collect_on_another_forces_files(private_cache):
    # Made-up Lancashire files: every fixture row of robbery in Preston is accounted for.
    sources = DataSources(force="Lancashire Constabulary", street_crime=str(LANCASHIRE))
    topic = dd.make_topic(kpi="robbery")
    d = dd.collect(sources, topic, data_to="2022-10", area="preston")
    assert d.district == "Preston" and d.where == "in Preston"
    assert d.from_assessment  # robbery is a registry KPI: the assessment's reading
    expected = 0
    for f in LANCASHIRE.glob("*.csv"):
        rows = pd.read_csv(f)
        expected += int(
            (
                (rows["Crime type"] == "Robbery")
                & rows["LSOA name"].fillna("").str.startswith("Preston ")
            ).sum()
        )
    assert int(d.series["count"].sum()) == expected
    assert d.concentration.n_lsoas == 86  # Preston's 2011 LSOAs
    assert dd.title(d).startswith("Deep dive: robbery in Preston")
    assert not d.synthetic
    assert "Leicestershire" not in " ".join(dd.key_findings(d))
    for chart in (dd.trend_chart(d), dd.district_funnel_chart(d)):
        assert chart.alt and chart.data is not None


# -------------------------------------------------------------------------------- the notebook


def _run(tmp_path, **parameters) -> str:
    _, page = execute_notebook(NOTEBOOK, tmp_path, **parameters)
    levels = [int(h) for h in re.findall(r"<h([1-4])>", page)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    for alt in re.findall(r'<img [^>]*alt="([^"]*)"', page):
        assert len(alt) > 40
    return page


def test_notebook_is_thin_and_stored_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "scrutiny"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    source = params[0].source
    assert 'kpi = "violence_sexual_offences"' in source
    # The method is the cycle's (its method: block), not the notebook's.
    assert 'cycle_file = "params/cycles/2022-11.yaml"' in source
    assert not re.search(r"^(months|spc_rebase) =", source, re.M)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert not re.search(r"^\s*(def|class) ", cell.source, re.M)


@pytest.fixture(scope="module")
def default_page(tmp_path_factory) -> str:
    """The notebook run once on its defaults (violence and sexual offences, the force)."""
    return _run(tmp_path_factory.mktemp("deep_dive"))


@pytest.mark.slow
def test_notebook_runs_with_its_defaults(default_page):
    page = default_page
    assert "<h1>Deep dive: violence and sexual offences for Leicestershire Police" in page
    for section in (
        "Trend",
        "Geography",
        "Outcomes",
        "Comparison with peer forces",
        "Questions for the force",
        "Data sources and period",
    ):
        assert f"<h2>{section}</h2>" in page
    assert page.count('<figure class="chart">') == 7
    assert "Density map (hexagonal bins, no base map)" in page
    assert "2017/18" in page
    # December 2019 to October 2022 without the restrictions (March 2020 to July 2021) holds
    # one ordinary April, May, June and July (2022): no seasonal pattern is claimed.
    assert "the data hold 1 ordinary year of some calendar months" in page
    assert "seasonal peak" not in page and "marked seasonal pattern" not in page


@pytest.mark.slow
def test_notebook_says_what_the_assessment_says_for_october_2022(default_page):
    # Hand calculation from the published police.uk files: violence and sexual offences per
    # month from August 2021 (the cycle's rebase month) to October 2022.
    counts = []
    for month in pd.period_range("2021-08", "2022-10", freq="M"):
        rows = pd.read_csv(RAW / f"{month}-leicestershire-street.csv.gz", usecols=["Crime type"])
        counts.append(int((rows["Crime type"] == "Violence and sexual offences").sum()))
    x = np.asarray(counts, dtype=float)
    upper = x.mean() + 2.66 * np.abs(np.diff(x)).mean()
    lower = x.mean() - 2.66 * np.abs(np.diff(x)).mean()
    assert counts[-1] == 3733 and upper == pytest.approx(4064.8, abs=0.05)
    assert lower < 3733 < upper  # inside the limits: common-cause variation

    r = assessment.for_cycle(CYCLE).result("violence_sexual_offences")
    assert r.summary.segment_start == pd.Timestamp("2021-08-01")
    assert r.summary.upl == pytest.approx(upper) and r.summary.latest_value == 3733
    sentence = r.spc_sentence()
    assert sentence.startswith(
        "Violence and sexual offences for Leicestershire Police show common-cause variation"
    )
    assert "3,733 offences in October 2022" in sentence

    box = re.search(r'<section class="findings"[^>]*>.*?<li>(.*?)</li>', default_page, re.S)
    assert box is not None
    assert html.unescape(box.group(1)) == sentence
    assert (
        "The chart&#x27;s mean and limits are recalculated from August 2021" in default_page
        or "The chart's mean and limits are recalculated from August 2021" in default_page
    )


@pytest.mark.slow
def test_notebook_on_another_topic_and_district(tmp_path):
    page = _run(tmp_path, kpi="robbery", area="Charnwood")
    assert "<h1>Deep dive: robbery in Charnwood" in page
    assert "Charnwood&#x27;s rate" in page or "Charnwood's rate" in page
    assert (
        "police.uk category &quot;Robbery&quot;" in page or 'police.uk category "Robbery"' in page
    )
    # a custom topic from police.uk categories, by parameters only
    page = _run(tmp_path, categories=["Bicycle theft"], topic="Bicycle theft", area="Leicester")
    assert "<h1>Deep dive: bicycle theft in Leicester" in page
