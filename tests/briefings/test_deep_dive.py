"""The deep-dive briefing: concentration, outcomes, questions and the topic on hand-made
frames; another force's files; the notebook end to end, on its defaults and on another
topic and district (slow)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.analysis.kpis import load_registry
from scrutiny.analysis.peers import Comparison
from scrutiny.briefings import deep_dive as dd
from scrutiny.data import DataSources
from scrutiny.data.extract import OUTCOMES
from scrutiny.stats import spc, trends

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "deep_dive.ipynb"
LANCASHIRE = REPO / "tests" / "fixtures" / "police-uk-lancashire"


# -------------------------------------------------------------------------------- concentration


def test_concentration_of_a_ten_lsoa_toy_set():
    counts = pd.Series([10, 5, 3, 2, 0, 0, 0, 0, 0, 0], index=[f"L{i}" for i in range(10)])
    c = dd.concentration(counts, simulations=0)
    # top 10% of 10 LSOAs = 1 LSOA (L0) holding 10 of 20 offences = 50%; 6 LSOAs with none
    assert (c.n_lsoas, c.n_top, c.total, c.top_total) == (10, 1, 20, 10)
    assert c.share == pytest.approx(50.0)
    assert c.n_zero == 6
    assert list(c.top.index) == ["L0"]
    assert np.isnan(c.random_share) and not c.beyond_chance


def test_concentration_rounds_the_top_up_and_compares_with_chance():
    counts = pd.Series([40] + [0] * 24, index=[f"L{i}" for i in range(25)])
    c = dd.concentration(counts, simulations=500)
    # 10% of 25 = 2.5, rounded up to 3 LSOAs; they hold all 40 offences
    assert c.n_top == 3 and c.share == pytest.approx(100.0)
    # 40 offences spread at random over 25 LSOAs (1.6 each on average) almost never put all
    # 40 in the busiest 3, so this is beyond chance.
    assert c.random_upper < 100 and c.beyond_chance
    text = c.sentence("robbery", "in Testtown")
    assert text.startswith(
        "The busiest 10% of neighbourhoods (LSOAs: 3 of 25) hold 100% of robbery in Testtown "
        "(40 of 40)."
    )
    assert text.endswith("24 LSOAs recorded none.")  # all but L0


def test_concentration_rejects_bad_input():
    with pytest.raises(ValueError, match="every LSOA"):
        dd.concentration(pd.Series([], dtype=float))
    with pytest.raises(ValueError, match="negative"):
        dd.concentration(pd.Series([1, -1]))


def test_lsoa_counts_keep_lsoas_with_none():
    lsoas = pd.DataFrame(
        {"lsoa_code": ["E1", "E2", "E3"], "lsoa_name": ["A 1", "A 2", "A 3"], "district": "A"}
    )
    records = pd.DataFrame({"lsoa_code": ["E2", "E2", "E1", None]})
    out = dd.lsoa_counts(records, lsoas)
    assert list(out["lsoa_code"]) == ["E2", "E1", "E3"]
    assert list(out["count"]) == [2, 1, 0]


# -------------------------------------------------------------------------------- outcomes


def test_outcome_groups_and_charged_share():
    outcomes = pd.Series(
        [
            "Awaiting court outcome",
            "Offender fined",
            "Investigation complete; no suspect identified",
            "Unable to prosecute suspect",
            "Unable to prosecute suspect",
            None,
        ]
    )
    g = dd.outcome_groups(outcomes).set_index("group")
    # 6 crimes: 2 charged (33.3%), 1 no suspect (16.7%), 2 unable (33.3%), 1 no outcome
    assert g.loc["Charged or summonsed", "count"] == 2
    assert g.loc["Charged or summonsed", "share"] == pytest.approx(100 * 2 / 6)
    assert g.loc["No suspect identified", "share"] == pytest.approx(100 / 6)
    assert g.loc["Unable to prosecute suspect", "count"] == 2
    assert g.loc[dd.NO_OUTCOME, "count"] == 1
    assert g["count"].sum() == 6


def test_every_police_uk_outcome_has_a_group():
    assert all(dd.outcome_group(o) != dd.NO_OUTCOME for o in OUTCOMES)


def test_charged_share_now_against_before():
    now = pd.Series(["Offender fined"] * 3 + ["Unable to prosecute suspect"] * 7)
    before = pd.Series(["Offender fined"] + ["Unable to prosecute suspect"] * 9)
    c = dd.charged_share(now, before)
    assert (c.now, c.now_total, c.before, c.before_total) == (3, 10, 1, 10)
    assert c.share == pytest.approx(30.0) and c.before_share == pytest.approx(10.0)
    # Given 4 charged in all, 3 now is Bin(4, 1/2): P(X >= 3) = 5/16, two-sided p = 0.625
    assert c.test.p_value == pytest.approx(0.625)
    assert c.verdict == "no significant change"
    assert dd.charged_share(now).verdict == "not available"


def test_district_rates_against_the_force():
    records = pd.DataFrame({"district": ["A"] * 300 + ["B"] * 100 + [None] * 5})
    pops = pd.Series({"A": 100_000, "B": 100_000})
    r = dd.district_rates(records, pops)
    # force-wide (districts together): 400 / 200,000 = 2.0 per 1,000; A 3.0, B 1.0
    assert list(r.index) == ["A", "B"]
    assert r.loc["A", "rate"] == pytest.approx(3.0)
    assert r.loc["B", "rate"] == pytest.approx(1.0)
    assert r.loc["A", "national_rate"] == pytest.approx(2.0)
    assert r.loc["A", "verdict"] == "significantly higher"
    assert r.loc["B", "verdict"] == "significantly lower"


# -------------------------------------------------------------------------------- questions


def _summary(values) -> spc.SpcSummary:
    dates = pd.date_range("2021-01-01", periods=len(values), freq="MS")
    return spc.summarise(spc.xmr(np.asarray(values, float), dates, improvement="decrease"))


def test_a_concern_series_prompts_the_question_why():
    # 12 months of 10 then 8 of 20: the latest month is a special-cause concern (high).
    q = dd.questions("Robbery", "in Blaby", summary=_summary([10] * 12 + [20] * 8))
    assert q.iloc[0]["Question"] == (
        "What has driven the rise in robbery in Blaby, and what specifically is being done "
        "about it?"
    )
    assert q.iloc[0]["What the data show"].startswith("SPC shows special-cause concern")


def test_a_stable_series_prompts_no_question_about_change():
    flat = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 10, 9, 10, 11, 10, 12, 9, 10, 11, 10]
    q = dd.questions("Robbery", "in Blaby", summary=_summary(flat))
    assert q.empty


def test_questions_from_each_kind_of_evidence():
    months = pd.period_range("2020-01", periods=24, freq="M")
    base = trends.baselines(pd.Series([10] * 12 + [20] * 12, index=months))
    conc = dd.concentration(pd.Series([40] + [0] * 24), simulations=200)
    districts = pd.DataFrame(
        {
            "rate": [3.0, 1.0],
            "national_rate": [2.0, 2.0],
            "verdict": ["significantly higher", "significantly lower"],
        },
        index=["A", "B"],
    )
    outcomes = dd.outcome_groups(
        pd.Series(["Investigation complete; no suspect identified"] * 6 + ["Offender fined"] * 4)
    )
    none = Comparison("Robbery", False, "the Home Office force table has no outcomes")
    q = dd.questions(
        "Robbery",
        "for Testshire Police",
        baselines=base,
        concentration_result=conc,
        districts=districts,
        outcomes=outcomes,
        charged=dd.charged_share(pd.Series(["Offender fined"] * 4 + ["Local resolution"] * 6)),
        forecast_total=250.0,
        last_12_total=240.0,
        seasonal_peak="July",
        comparison=none,
        synthetic=True,
    )
    text = " ".join(q["Question"])
    assert "understand the increase in robbery" in text  # 240 v 120: significant increase
    assert "neighbourhoods that account for 100% of robbery" in text
    assert "Why is the rate of robbery in A significantly higher" in text
    assert "no suspect identified" in text  # 60% closed with no suspect
    assert "charge or summons" in text
    assert "seasonal peak in robbery in July" in text
    assert "resourced for the demand forecast" in text
    assert "comparable figures" in text
    assert "its own record-level data" in text
    # Each question comes with what prompted it, in numbers.
    assert q["What the data show"].str.len().min() > 20
    # A deep dive on district B is not asked about A.
    qb = dd.questions("Robbery", "in B", districts=districts, area="B")
    assert qb.empty


# -------------------------------------------------------------------------------- topic, area


def test_make_topic_from_registry_categories_and_codes():
    reg = load_registry()
    assert dd.make_topic(kpi="robbery", registry=reg) is reg["robbery"]
    t = dd.make_topic(categories=["Robbery", "Theft from the person"])
    assert t.definition.police_uk_categories == ["Robbery", "Theft from the person"]
    assert t.name == "Robbery and Theft from the person" and t.direction == "decrease"
    t = dd.make_topic(offence_codes=["19C"], name="Rape of a female aged 16 and over")
    assert t.uses_extract and t.name == "Rape of a female aged 16 and over"
    with pytest.raises(ValueError, match=r"'categories'.*did you mean 'Robbery'"):
        dd.make_topic(categories=["Robery"])
    with pytest.raises(ValueError, match="one or the other"):
        dd.make_topic(categories=["Robbery"], offence_codes=["34B"])
    with pytest.raises(ValueError, match="parameter 'kpi'"):
        dd.make_topic(kpi="robery", registry=reg)
    with pytest.raises(ValueError, match="'offence_codes'"):
        dd.make_topic(offence_codes=["XX9"])


def test_resolve_area():
    districts = ["Blaby", "Charnwood", "Leicester"]
    assert dd.resolve_area("", "Leicestershire Police", districts) is None
    assert dd.resolve_area("Leicestershire", "Leicestershire Police", districts) is None
    assert dd.resolve_area("charnwood", "Leicestershire Police", districts) == "Charnwood"
    assert dd.resolve_area("Leicester UA", "Leicestershire Police", districts) == "Leicester"
    with pytest.raises(ValueError, match=r"parameter 'area'.*Charnwod.*did you mean"):
        dd.resolve_area("Charnwod", "Leicestershire Police", districts)


def test_extract_rows_are_placed_at_their_lsoa_centre():
    crimes = pd.DataFrame(
        {
            "lsoa_code": ["E1", "E1", "E2"],
            "lsoa_name": ["A 1", "A 1", "A 2"],
            "longitude": [-1.0, -1.2, -2.0],
            "latitude": [52.0, 52.2, 53.0],
        }
    )
    extract = pd.DataFrame(
        {
            "month": pd.to_datetime(["2022-01-01", "2022-02-01"]),
            "district": ["A", "A"],
            "lsoa_code": ["E1", "E3"],
            "offence_code": ["34B", "34B"],
            "outcome": ["Offender fined", None],
        }
    )
    topic = dd.make_topic(offence_codes=["34B"])
    rows = dd.topic_records(topic, crimes, extract)
    # E1's centre is the mean of its two police.uk points: (-1.1, 52.1); E3 has none
    assert rows.loc[0, "longitude"] == pytest.approx(-1.1)
    assert rows.loc[0, "latitude"] == pytest.approx(52.1)
    assert rows.loc[0, "lsoa_name"] == "A 1"
    assert np.isnan(rows.loc[1, "longitude"])
    assert rows["approximate_location"].all()


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
    _, html = execute_notebook(NOTEBOOK, tmp_path, **parameters)
    levels = [int(h) for h in re.findall(r"<h([1-4])>", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    for alt in re.findall(r'<img [^>]*alt="([^"]*)"', html):
        assert len(alt) > 40
    return html


def test_notebook_is_thin_and_stored_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert 'kpi = "violence_sexual_offences"' in params[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert not re.search(r"^\s*(def|class) ", cell.source, re.M)


@pytest.mark.slow
def test_notebook_runs_with_its_defaults(tmp_path):
    html = _run(tmp_path)
    assert "<h1>Deep dive: violence and sexual offences for Leicestershire Police" in html
    for section in (
        "Trend",
        "Geography",
        "Outcomes",
        "Comparison with peer forces",
        "Questions for the force",
        "Data sources and period",
    ):
        assert f"<h2>{section}</h2>" in html
    assert html.count('<figure class="chart">') == 7
    assert "Density map (hexagonal bins, no base map)" in html
    assert "2017/18" in html


@pytest.mark.slow
def test_notebook_on_another_topic_and_district(tmp_path):
    html = _run(tmp_path, kpi="robbery", area="Charnwood")
    assert "<h1>Deep dive: robbery in Charnwood" in html
    assert "Charnwood&#x27;s rate" in html or "Charnwood's rate" in html
    assert (
        "police.uk category &quot;Robbery&quot;" in html or 'police.uk category "Robbery"' in html
    )
    # a custom topic from police.uk categories, by parameters only
    html = _run(tmp_path, categories=["Bicycle theft"], topic="Bicycle theft", area="Leicester")
    assert "<h1>Deep dive: bicycle theft in Leicester" in html
