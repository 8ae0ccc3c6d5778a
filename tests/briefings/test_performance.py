"""The performance-exceptions briefing: composition on hand-made frames, another force's
files, and the notebook end to end (slow)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import nbformat
import pytest

from conftest import execute_notebook
from conftest import hand_kpi as _kpi
from conftest import hand_series as _series
from scrutiny.analysis import assessment
from scrutiny.analysis.assessment import Assessment
from scrutiny.analysis.kpis import Definition, Target
from scrutiny.analysis.method import Method
from scrutiny.briefings import performance as pf
from scrutiny.data import DataQuality, DataSources

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "performance_exceptions.ipynb"
LANCASHIRE = REPO / "tests" / "fixtures" / "police-uk-lancashire"


# -------------------------------------------------------------------------------- a report


def _report() -> Assessment:
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
        key: assessment.analyse_series(
            burglary if key[0] == "burglary" else robbery,
            _series(v),
            area=key[1],
            is_force=key[1] == "Force",
            end="2022-08",
        )
        for key, v in series.items()
    }
    return Assessment(
        sources=DataSources(force="Force"),
        data_to="2022-08",
        start="2021-01",
        rebase=None,
        method=Method(),
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


# -------------------------------------------------------------------------------- print (issue 14)


def test_baselines_that_cannot_be_computed_are_named_once_not_shown_as_rows():
    # Data from January 2021 to August 2022 (20 months). Only the same month last year
    # (August 2021) is in the data; the three-year average needs August 2019 and 2020, the
    # 2019 baseline August 2019, and the previous 12 months September 2020 onwards.
    ex = pf.exceptions(_report())[0]
    table = pf.baselines_table(ex)
    assert table["Baseline"].tolist() == ["Same period last year"]
    assert "not available" not in table["Verdict"].tolist()
    assert "Note" not in table.columns  # every remaining note was empty
    assert pf.baselines_note(ex) == (
        "The three-year average baseline could not be computed: no data for August 2019, "
        "August 2020 (the data start in January 2021). The same period in 2019 "
        "(pre-pandemic) baseline could not be computed: no data for August 2019 (the data "
        "start in January 2021). The previous 12 months baseline could not be computed: no "
        "data for September 2020 to December 2020 (4 months) (the data start in January 2021)."
    )


def test_every_exception_has_questions_for_the_force():
    report = _report()
    for result in pf.exceptions(report):
        asked = pf.exception_questions(result)
        assert not asked.empty
        assert asked.iloc[0]["Question"].startswith("What has driven the rise in burglary")


def test_the_assurance_column_is_hidden_without_a_target_and_the_page_says_why():
    report = _report()
    assert "Assurance" not in pf.summary_table(report).columns
    assert pf.assurance_note(report).startswith("No KPI in the registry has a target")
    with_target = _kpi(target=Target(value=30))
    report.registry["burglary"] = with_target
    for key, r in list(report.results.items()):
        if key[0] == "burglary":
            report.results[key] = dataclasses.replace(r, kpi=with_target)
    assert "Assurance" in pf.summary_table(report).columns
    assert pf.assurance_note(report) is None


def test_the_latest_month_is_written_in_words():
    assert pf.latest_month(_report()) == "August 2022"


def test_the_page_names_the_test_the_cycle_used() -> None:
    # The page once said "exact test" and "exact Poisson" beside verdicts that allow for
    # over-dispersion; the words now follow the cycle's method.
    from types import SimpleNamespace

    from scrutiny.analysis.method import Method

    adjusted = SimpleNamespace(method=Method(overdispersion="additive"))
    exact = SimpleNamespace(method=Method(overdispersion="none"))
    assert "quasi-Poisson" in pf.glance_intro(adjusted)
    assert "exact" not in pf.glance_intro(adjusted)
    assert "exact Poisson test" in pf.glance_intro(exact)
    assert "Spiegelhalter's additive" in pf.comparisons_method(adjusted)
    assert "exact Poisson" not in pf.comparisons_method(adjusted)
    assert "exact Poisson" in pf.comparisons_method(exact)
    assert "2017/18" in pf.comparisons_method(adjusted)
