"""The performance-exceptions briefing: composition on hand-made frames, another force's
files, and the notebook end to end (slow)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.analysis.kpis import Definition, Denominator, ExtractFilter, Kpi
from scrutiny.briefings import performance as pf
from scrutiny.data import DataQuality, DataSources
from scrutiny.stats.compare import PeerGroup

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "performance_exceptions.ipynb"
LANCASHIRE = REPO / "tests" / "fixtures" / "police-uk-lancashire"


def _kpi(kid: str = "burglary", **kw) -> Kpi:
    base = {
        "id": kid,
        "name": kw.pop("name", "Burglary"),
        "description": "test",
        "definition": kw.pop("definition", Definition(police_uk_categories=["Burglary"])),
        "direction": kw.pop("direction", "decrease"),
    }
    return Kpi(**base, **kw)


def _series(counts, *, start="2021-01", missing=(), denominator=None) -> pd.DataFrame:
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


# -------------------------------------------------------------------------------- helpers


def test_window_starts_no_earlier_than_the_data():
    assert pf.window("2019-12", "2022-10", 36) == "2019-12"  # 36 months would start 2019-11
    assert pf.window("2019-12", "2022-10", 12) == "2021-11"  # Nov 2021 .. Oct 2022
    with pytest.raises(ValueError, match="months"):
        pf.window("2019-12", "2022-10", 0)


def test_measure_of_share_and_count():
    share = _kpi(
        "charged",
        definition=Definition(police_uk_categories=["Burglary"], outcomes=["Offender fined"]),
        denominator=Denominator(kind="kpi", kpi="burglary", per=100),
        direction="increase",
    )
    assert pf.measure_of(share) == "share"
    assert pf.measure_of(_kpi()) == "count"


def test_home_office_codes_maps_categories_and_says_why_not():
    om = pd.DataFrame(
        {
            "offence_code": ["28E", "30C", "34B", "8N"],
            "police_uk_category": [
                "Burglary",
                "Burglary",
                "Robbery",
                "Violence and sexual offences",
            ],
        }
    )
    codes, why = pf.home_office_codes(_kpi(), om)
    assert codes == ["28E", "30C"] and why == ""
    asb = _kpi("asb", definition=Definition(police_uk_categories=["Anti-social behaviour"]))
    assert pf.home_office_codes(asb, om) == (
        None,
        "anti-social behaviour incidents are not recorded crime",
    )
    knife = _kpi(
        "knife",
        definition=Definition(
            offence_codes=["8N"], extract_filter=ExtractFilter(knife_sharp_instrument=True)
        ),
    )
    assert pf.home_office_codes(knife, om) == (
        None,
        "the Home Office force table has no knife sharp instrument flag",
    )
    charged = _kpi(
        "c", definition=Definition(police_uk_categories=["Burglary"], outcomes=["Offender fined"])
    )
    assert pf.home_office_codes(charged, om)[0] is None
    coded = _kpi("h", definition=Definition(offence_codes=["8N"]))
    assert pf.home_office_codes(coded, om) == (["8N"], "")


# -------------------------------------------------------------------------------- SPC, baselines


def test_a_step_up_in_a_lower_is_better_kpi_is_an_exception():
    # 12 months of 10 then 8 of 20: mean 14, the last 8 points all far above it.
    res = pf.analyse_series(
        _kpi(), _series([10] * 12 + [20] * 8), area="Blaby", is_force=False, end="2022-08"
    )
    assert res.variation == "concern_high"
    assert res.is_exception
    row = res.baselines.set_index("baseline").loc["Same period last year"]
    # Aug 2022 (20) against Aug 2021 (10): +10, +100%. Exact conditional test: given 30,
    # P(X >= 20 | Bin(30, 1/2)) = 0.0494, two-sided p = 0.099 -> not significant.
    assert (row["current_count"], row["baseline_count"]) == (20, 10)
    assert row["pct_change"] == pytest.approx(100)
    assert row["p_value"] == pytest.approx(0.0987, abs=5e-4)
    assert row["verdict"] == "no significant change"
    assert pf.baseline_text(res, "last_year") == "20 v 10 (+100%): no significant change"
    assert res.title == "Burglary: Blaby" and res.where == "in Blaby"


def test_the_same_step_is_an_improvement_when_higher_is_better():
    res = pf.analyse_series(
        _kpi(direction="increase"),
        _series([10] * 12 + [20] * 8),
        area="F",
        is_force=True,
        end="2022-08",
    )
    assert res.variation == "improvement_high" and not res.is_exception


def test_missing_months_are_gaps_not_zeros():
    res = pf.analyse_series(
        _kpi(),
        _series([10, 11, 0, 9, 10, 12, 11, 10], missing=[2]),
        area="F",
        is_force=True,
        end="2021-08",
    )
    assert res.spc["point_type"].iloc[2] == "no_data"
    assert np.isnan(res.spc["value"].iloc[2])
    # mean of the 7 observed months: (10+11+9+10+12+11+10)/7 = 73/7
    assert res.spc["mean"].iloc[-1] == pytest.approx(73 / 7)


def test_rebase_starts_a_new_segment():
    res = pf.analyse_series(
        _kpi(),
        _series([10] * 12 + [20] * 8),
        area="F",
        is_force=True,
        end="2022-08",
        rebase="2022-01",
    )
    # Segment 2 is the eight 20s: mean 20, no variation, nothing special.
    assert res.spc["segment"].iloc[-1] == 1
    assert res.spc["mean"].iloc[-1] == 20
    assert res.variation == "common_cause"


def test_share_baselines_with_counts_and_test():
    # 24 months: 10 of 100 charged each month in the first year, 1 of 100 in the second.
    num = pd.Series([10] * 12 + [1] * 12, index=pd.period_range("2021-01", periods=24, freq="M"))
    den = pd.Series([100] * 24, index=num.index)
    b = pf.share_baselines(num, den, end="2022-12").set_index("baseline")
    r = b.loc["Previous 12 months"]
    # 12 of 1,200 (1.0%) against 120 of 1,200 (10.0%)
    assert (r["current_count"], r["current_denominator"]) == (12, 1200)
    assert (r["baseline_count"], r["baseline_denominator"]) == (120, 1200)
    assert r["current_share"] == pytest.approx(1.0)
    assert r["baseline_share"] == pytest.approx(10.0)
    assert r["verdict"] == "significant decrease"
    same = b.loc["Same period last year"]  # 1 of 100 against 10 of 100
    assert same["current_share"] == pytest.approx(1.0)
    assert same["baseline_share"] == pytest.approx(10.0)
    # not enough months: the baseline is not available, and says which are missing
    short = pf.share_baselines(num.iloc[12:], den.iloc[12:], end="2022-12").set_index("baseline")
    assert short.loc["Previous 12 months", "verdict"] == "not available"
    assert "2021-01" in short.loc["Previous 12 months", "note"]


# -------------------------------------------------------------------------------- comparison


def _home_office() -> pd.DataFrame:
    # Three forces of 100,000 people: 100, 300 and 200 burglaries (code 28E).
    return pd.DataFrame(
        {
            "force": ["Aforce", "Bforce", "Cforce"],
            "financial_year": "2017/18",
            "population_2011": [100_000, 100_000, 100_000],
            "offence_code": ["28E"] * 3,
            "count": [100, 300, 200],
        }
    )


def test_force_comparison_against_national_and_peers():
    om = pd.DataFrame({"offence_code": ["28E"], "police_uk_category": ["Burglary"]})
    peers = PeerGroup(
        force="Aforce",
        peers=["Bforce"],
        table=pd.DataFrame(index=["Aforce", "Bforce", "Cforce"]),
        features=[],
        logged=[],
        method="",
    )
    c = pf.force_comparison(
        _kpi(),
        DataSources(force="Aforce Police"),
        peers,
        offence_map=om,
        home_office=_home_office(),
    )
    assert c.available and c.force == "Aforce"
    row = c.national
    # national = 600 / 300,000 = 2.0 per 1,000; Aforce 1.0 per 1,000: expected 200, saw 100
    assert row["national_rate"] == pytest.approx(2.0)
    assert row["rate"] == pytest.approx(1.0)
    assert row["verdict"] == "significantly lower"
    assert c.national_short() == "Lower: 1.00 v 2.00 per 1,000"
    # peers: Bforce alone, 3.0 per 1,000; Aforce is 2nd highest of 2
    assert c.peers.peer_rate == pytest.approx(3.0)
    assert c.peer_short() == "Lower; 2nd highest of 2"
    assert any("2017/18" in s for s in c.sentences())


def test_no_comparator_says_why():
    om = pd.DataFrame({"offence_code": ["28E"], "police_uk_category": ["Burglary"]})
    asb = _kpi(
        "asb", name="ASB", definition=Definition(police_uk_categories=["Anti-social behaviour"])
    )
    c = pf.force_comparison(
        asb, DataSources(force="Aforce"), None, offence_map=om, home_office=_home_office()
    )
    assert not c.available
    assert c.national_short() == "No comparator"
    assert c.sentences() == [
        "There is no force-level comparison for ASB: anti-social behaviour incidents are not "
        "recorded crime."
    ]


# -------------------------------------------------------------------------------- a report


def _report() -> pf.PerformanceReport:
    """Two KPIs, the force and two districts, built from hand-made series."""
    burglary = _kpi()
    robbery = _kpi(
        "robbery", name="Robbery", definition=Definition(police_uk_categories=["Robbery"])
    )
    flat = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 10, 9, 10, 11, 10, 12, 9, 10, 11, 10]
    step = [10] * 12 + [20] * 8
    series = {
        ("burglary", "Force"): flat,
        ("burglary", "North"): flat,
        ("burglary", "South"): step,  # the only exception
        ("robbery", "Force"): flat,
        ("robbery", "North"): flat,
        ("robbery", "South"): flat,
    }
    results = {
        key: pf.analyse_series(
            burglary if key[0] == "burglary" else robbery,
            _series(v),
            area=key[1],
            is_force=key[1] == "Force",
            end="2022-08",
        )
        for key, v in series.items()
    }
    return pf.PerformanceReport(
        sources=DataSources(force="Force"),
        data_to="2022-08",
        start="2021-01",
        rebase=None,
        registry={"burglary": burglary, "robbery": robbery},
        districts=["North", "South"],
        results=results,
        peers=None,
        peer_note="no other force",
        crimes_quality=DataQuality(),
        extract_quality=DataQuality(),
    )


def test_exceptions_findings_and_tables_from_a_hand_made_report():
    report = _report()
    ex = pf.exceptions(report)
    assert [(r.kpi.id, r.area) for r in ex] == [("burglary", "South")]
    findings = pf.key_findings(report)
    assert findings[0] == "None of the 2 KPIs is an exception for Force in August 2022."
    assert findings[1] == "1 district exceptions: burglary in South."
    paras = pf.exception_paragraphs(report, ex[0])
    assert paras[0].startswith("Burglary in South shows special-cause concern")
    assert "For the force as a whole, burglary shows common-cause variation" in " ".join(paras)
    summary = pf.summary_table(report)
    assert list(summary["KPI"]) == ["Burglary", "Robbery"]
    assert "aria-label" in summary.loc[0, "Variation"]
    matrix = pf.district_matrix(report)
    assert list(matrix.columns) == ["KPI", "Force", "North", "South"]
    assert "Special-cause concern: higher values" in matrix.loc[0, "South"]
    assert pf.area_groups(report, size=2) == [["Force", "North"], ["South"]]
    measures = {m.id: m for m in pf.national_measures(report)}
    assert measures["tackle_cyber_crime"].sentence.startswith("No KPI in the registry serves")
    chart = pf.exception_chart(report, ex[0])
    assert chart.alt.startswith("SPC chart (XmR) of burglary in South")
    assert "20" in chart.alt and not chart.synthetic


# -------------------------------------------------------------------------------- another force


def test_collect_on_another_forces_files(private_cache):
    # Made-up Lancashire files (tests/fixtures/police-uk-lancashire): 24 months, 14 districts.
    sources = DataSources(force="Lancashire Constabulary", street_crime=str(LANCASHIRE))
    report = pf.collect(sources, data_to="2022-10")
    assert report.start == "2020-11"  # the fixture starts in November 2020
    assert len(report.districts) == 14 and "Preston" in report.districts
    assert len(report.results) == len(report.registry) * 15
    assert report.peers is not None and report.peers.force == "Lancashire"
    assert "Leicestershire" not in " ".join(pf.key_findings(report))
    assert pf.about(report).startswith("This briefing covers Lancashire Constabulary")


# -------------------------------------------------------------------------------- the notebook


def test_notebook_is_thin_and_stored_clean():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "scrutiny"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert 'classification = "OFFICIAL-SENSITIVE"' in params[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            assert not re.search(r"^\s*(def|class) ", cell.source, re.M)


@pytest.mark.slow
def test_notebook_runs_with_its_defaults(tmp_path):
    _, html = execute_notebook(NOTEBOOK, tmp_path)
    levels = [int(h) for h in re.findall(r"<h([1-4])>", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    for section in ("Exceptions", "All KPIs at a glance", "National Crime and Policing Measures"):
        assert f"<h2>{section}</h2>" in html
    assert html.index("<h2>Exceptions</h2>") < html.index("<h2>All KPIs at a glance</h2>")
    assert "Synthetic extract" in html and "2017/18" in html
    assert html.count('<figure class="chart">') >= 1
