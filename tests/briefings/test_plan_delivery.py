"""Police and Crime Plan delivery (scrutiny.briefings.plan_delivery) on a hand-made assessment,
and the Panel and plan pages against the real 2022-11 assessment (slow)."""

from __future__ import annotations

import html as html_mod
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.analysis import assessment, plan
from scrutiny.analysis.assessment import GRADE_COLUMNS, SYNTHETIC_NOT_GRADED, Assessment
from scrutiny.analysis.kpis import Kpi
from scrutiny.analysis.method import Method
from scrutiny.briefings import plan_delivery as pdl
from scrutiny.data import DataQuality, DataSources

REPO = Path(__file__).resolve().parents[2]
CYCLE_FILE = REPO / "params" / "cycles" / "2022-11.yaml"

TOY = Kpi(
    id="toy",
    name="Toy burglary",
    description="A made-up KPI.",
    definition={"police_uk_categories": ["Burglary"]},
    direction="decrease",
    plan_theme="t",
)
FAKE = Kpi(
    id="fake",
    name="Toy rape",
    description="A made-up KPI counted in the extract.",
    definition={"offence_codes": ["19C"]},
    direction="decrease",
    plan_theme="t",
)
REGISTRY = {"toy": TOY, "fake": FAKE}


def _series(values: list[int], *, synthetic: bool = False) -> pd.DataFrame:
    months = pd.date_range("2020-01-01", periods=len(values), freq="MS")
    return pd.DataFrame(
        {
            "month": months,
            "count": values,
            "population": 100_000,
            "rate_per_1000": [v / 100 for v in values],
            "denominator": 100_000.0,
            "rate": [v / 100 for v in values],
            "missing": False,
            "synthetic": synthetic,
        }
    )


def _grade(kpi: str, area: str, grade: str, reason: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(GRADE_COLUMNS, np.nan)
    row.update(area=area, theme="Toy theme", kpi=kpi, grade=grade, reason=reason, note="")
    row.update(kw)
    return row


# 2020: 100 a month (the baseline); 2021: 80 a month. Hand-worked change test: 960 in 12
# months against 1,200 in 12, equal exposures: rate ratio 0.8, -20%. Given 2,160 in all, 960
# is Binomial(2,160, 0.5) under no change: mean 1,080, sd 23.2, z = -5.2, p < 0.001.
TOY_NOW = {
    "synthetic": False,
    "variation": "special_cause_improvement",
    "change": "better",
    "assurance": "none",
    "baseline": "2020",
    "recent_period": "Jan to Dec 2021",
    "recent": 960.0,
    "recent_per_month": 80.0,
    "baseline_per_month": 100.0,
    "change_pct": -20.0,
    "rate_ratio": 0.8,
    "p_value": 1e-7,
}

# The synthetic KPI's evidence, shown but never graded: 10 a month in both years.
FAKE_NOW = {
    "synthetic": True,
    "variation": "common_cause",
    "assurance": "none",
    "baseline": "2020",
    "recent_period": "Jan to Dec 2021",
    "recent": 120.0,
    "recent_per_month": 10.0,
    "baseline_per_month": 10.0,
    "change_pct": 0.0,
    "rate_ratio": 1.0,
    "p_value": 1.0,
}


def _report(grades: list[dict[str, object]], data_to: str = "2021-12") -> Assessment:
    """Two KPIs for the force and one district; grades as given (a hand-made frame)."""
    results = {}
    for area in ("Toyshire", "North"):
        for kpi, values, synthetic in (
            (TOY, [100] * 12 + [80] * 12, False),
            (FAKE, [10] * 24, True),
        ):
            results[(kpi.id, area)] = assessment.analyse_series(
                kpi,
                _series(values, synthetic=synthetic),
                area=area,
                is_force=area == "Toyshire",
                end=data_to,
            )
    return Assessment(
        sources=DataSources(force="Toyshire"),
        data_to=data_to,
        start="2020-01",
        rebase=None,
        method=Method(),
        registry=REGISTRY,
        districts=["North"],
        results=results,
        peers=None,
        peer_note="no other force",
        crimes_quality=DataQuality(),
        extract_quality=DataQuality(),
        grades=pd.DataFrame(grades, columns=GRADE_COLUMNS),
    )


NOW = _report(
    [
        _grade("toy", "Toyshire", "outstanding", "Outstanding: r.", **TOY_NOW),
        _grade("fake", "Toyshire", "not graded", SYNTHETIC_NOT_GRADED, **FAKE_NOW),
        _grade("toy", "North", "adequate", "Adequate: r.", synthetic=False),
        _grade("fake", "North", "not graded", SYNTHETIC_NOT_GRADED, **FAKE_NOW),
    ]
)


def test_area_grades_are_the_assessments_for_the_area() -> None:
    force = pdl.area_grades(NOW)
    assert force["kpi"].tolist() == ["toy", "fake"] and "area" not in force.columns
    assert force["grade"].tolist() == ["outstanding", "not graded"]
    assert pdl.area_grades(NOW, "North")["grade"].tolist() == ["adequate", "not graded"]
    assert pdl.synthetic_flags(force) == {"toy": False, "fake": True}
    with pytest.raises(ValueError, match="parameter 'area': 'South' is not Toyshire"):
        pdl.area_grades(NOW, "South")


def test_synthetic_kpis_show_not_graded_with_the_assessments_reason() -> None:
    shown = pdl.grades_display(pdl.area_grades(NOW), REGISTRY)
    assert shown["KPI"].tolist() == ["Toy burglary", "Toy rape (synthetic)"]
    assert ">Outstanding</span>" in shown.loc[0, "Grade"]
    assert ">Not graded</span>" in shown.loc[1, "Grade"]
    assert shown.loc[1, "Reason"] == SYNTHETIC_NOT_GRADED
    counts = pdl.grade_counts(pdl.area_grades(NOW))
    assert counts.loc[0, "Outstanding"] == 1 and counts.loc[0, "Not graded"] == 1
    assert counts.loc[0, "Inadequate"] == 0


def test_evidence_sentences_are_the_assessments_words() -> None:
    grades = pdl.area_grades(NOW)
    row = pdl.grade_row(grades, "Toy theme", "toy")
    result = NOW.result("toy")
    sentences = pdl.evidence_sentences(result, row, alpha=0.05)
    assert sentences[0] == "Outstanding: r."
    assert sentences[1] == result.spc_sentence()  # word for word what every page prints
    # Twelve points below the mean of 90 (a run): special-cause improvement, lower better.
    assert sentences[1].startswith("Toy burglary for Toyshire shows special-cause improvement")
    assert sentences[2] == (
        "Jan to Dec 2021: 960 offences, 80.0 a month, 20% below 2020 (100.0 a month): "
        "a significant decrease (p < 0.001)."
    )
    # Then the latest 12 months against the 12 before, as every page prints it, and what
    # set the grade (this hand-made row has no latest-year evidence).
    assert sentences[3] == result.rolling_sentence()
    assert sentences[3].startswith("Toy burglary for Toyshire: 960 offences in Jan to Dec 2021")
    assert sentences[4].endswith("the latest 12 months could not be compared with the 12 before.")
    assert len(sentences) == 5
    assert pdl.heading_text(result, row["grade"]) == "Toy burglary: outstanding"
    fake = NOW.result("fake")
    fake_row = pdl.grade_row(grades, "Toy theme", "fake")
    out = pdl.evidence_sentences(fake, fake_row, alpha=0.05)
    # A synthetic KPI: the reason it is not graded, and no verdict or figure of its own.
    assert out == [SYNTHETIC_NOT_GRADED, pdl.SYNTHETIC_EVIDENCE]
    assert not any(ch.isdigit() for ch in " ".join(out))
    assert pdl.evidence_chart(NOW, fake) is None
    assert pdl.heading_text(fake, "not graded") == "Toy rape (synthetic): not graded"


def test_the_latest_year_is_stated_with_what_set_the_grade() -> None:
    # 2020 at 80 a month, 2021 at 100: 1,200 against 960 (+25%), a significant rise, and
    # the year before holds lockdown months (from March 2020).
    rising = assessment.analyse_series(
        TOY, _series([80] * 12 + [100] * 12), area="Toyshire", is_force=True, end="2021-12"
    )
    assert rising.rolling_sentence().startswith(
        "Toy burglary for Toyshire: 1,200 offences in Jan to Dec 2021, 25% above Jan to Dec "
        "2020 (960), a significant increase"
    )
    capped = pd.Series(
        {"grade": "adequate", "capped": True, "baseline": "2020", "latest_year": "worse",
         "previous_year_lockdown": "Mar to Dec 2020"}
    )  # fmt: skip
    # A capped grade: its reason (printed above) names the lockdown months already.
    assert pdl.latest_year_sentences(rising, capped) == [
        rising.rolling_sentence(),
        "The latest 12 months set this grade: they are significantly worse than the 12 "
        "months before, so it is held at adequate; the plan's rules alone would give a "
        "better one (the reason above).",
    ]
    # Not capped (the rules already give requires improvement): the lockdown months are
    # said beside the comparison.
    lower = capped.copy()
    lower.update({"grade": "requires improvement", "capped": False})
    assert pdl.latest_year_sentences(rising, lower) == [
        rising.rolling_sentence(),
        "The 12 months before (Jan to Dec 2020) include Mar to Dec 2020, under Covid-19 "
        "restrictions, so part of this rise may be recovery from lockdown rather than a "
        "change in the force's performance.",
        "The plan's rules set this grade (the change from the baseline, the latest month's "
        "SPC reading and any target); the latest 12 months are significantly worse than the "
        "12 before too, which holds down only a better grade.",
    ]
    stands = capped.copy()
    stands.update({"grade": "good", "capped": False, "latest_year": "no_significant_change",
                   "previous_year_lockdown": ""})  # fmt: skip
    assert pdl.latest_year_sentences(rising, stands)[1:] == [
        "The plan's rules set this grade (the change from the baseline, the latest month's "
        "SPC reading and any target); the latest 12 months are not significantly worse than "
        "the 12 before, so they do not lower it."
    ]
    ungraded = stands.copy()
    ungraded["grade"] = "not graded"
    assert pdl.latest_year_sentences(rising, ungraded) == [rising.rolling_sentence()]


def test_the_method_paragraph_states_the_latest_year_rule() -> None:
    text = pdl.method_paragraph(
        "Plan", cap="adequate", now_label="October 2022", before_label="August 2022"
    )
    assert "the latest 12 months are also compared with the 12 months before" in text
    assert "no KPI is graded better than adequate" in text
    assert "recovering from lockdown" in text


def test_a_page_for_another_force_says_nothing_is_graded() -> None:
    the_plan = plan.load_plan(REPO / "params" / "plan.yaml")  # Leicestershire Police's
    assert the_plan.force == "Leicestershire Police"
    assert pdl.grades_here(the_plan, "Leicestershire Police")
    assert not pdl.grades_here(the_plan, "Cumbria Constabulary")
    assert pdl.grades_here(the_plan.model_copy(update={"force": None}), "Cumbria Constabulary")
    text = pdl.method_paragraph(
        "Plan", cap="adequate", now_label="Dec 2025", before_label="Nov 2025", graded=False
    )
    assert "no KPI on this page is graded, now or at the previous board" in text
    assert "Each KPI is graded" not in text and "graded better than" not in text
    assert pdl.activity_not_shown("Leicestershire Police", "Cumbria Constabulary") == (
        "The delivery plan activity in the cycle file is the delivery of Leicestershire "
        "Police's plan, so it is not shown for Cumbria Constabulary."
    )


def test_key_findings_when_the_plan_is_another_forces() -> None:
    why = assessment.OTHER_PLAN_NOT_GRADED.format(plan_force="A Police", force="B Police")
    current = pd.DataFrame(
        {
            "theme": ["T"] * 3,
            "kpi": ["toy", "b", "c"],
            "grade": ["not graded"] * 3,
            "reason": [why, why, why],
            "synthetic": [False, False, True],  # a synthetic KPI says so first
        }
    )
    reg = {k: TOY.model_copy(update={"id": k}) for k in ("toy", "b", "c")}
    moves = current[["theme", "kpi"]].assign(
        previous="not graded", current="not graded", movement="same", sentence="x"
    )
    found = pdl.key_findings(current, moves, reg, previous_label="Nov", current_label="Dec")
    assert found[0] == (
        "0 of the 3 KPIs under the Plan's themes are graded, with the data to Dec: none; 3 are "
        "not graded (1 counted in the synthetic extract, whose figures are illustrative; 2 "
        "under another force's plan)."
    )


def test_change_sentence_without_a_significant_change_or_a_comparison() -> None:
    result = NOW.result("toy")
    # 1,040 against 1,000 a year: ratio 1.04, p = 0.38 (hand: z = 40/sqrt(2,040) = 0.89).
    row = pd.Series(
        {**TOY_NOW, "change": "no_significant_change", "recent": 1040.0,
         "recent_per_month": 86.7, "baseline_per_month": 83.3, "change_pct": 4.0,
         "rate_ratio": 1.04, "p_value": 0.38, "note": ""}
    )  # fmt: skip
    assert pdl.change_sentence(result, row, alpha=0.05) == (
        "Jan to Dec 2021: 1,040 offences, 86.7 a month, 4% above 2020 (83.3 a month): "
        "not a significant change (p = 0.38)."
    )
    # A monitored KPI has no change signal: the verdict comes from p against the plan's alpha.
    monitored = pd.Series({**row, "change": None, "p_value": 0.01})
    assert pdl.change_sentence(result, monitored, alpha=0.05).endswith(
        ": a significant increase (p = 0.01)."
    )
    gap = pd.Series(
        {**TOY_NOW, "change": None, "recent_per_month": np.nan, "p_value": np.nan,
         "note": "no complete data for Jan to Dec 2021 and 2020"}
    )  # fmt: skip
    assert pdl.change_sentence(result, gap, alpha=0.05) == (
        "No comparison with 2020: no complete data for Jan to Dec 2021 and 2020."
    )
    # Three a month: below the 10 a month the assessment judges, so no verdict (as on
    # every page), whatever the test says.
    few = assessment.analyse_series(
        TOY, _series([3] * 24), area="Toyshire", is_force=True, end="2021-12"
    )
    assert few.too_few
    flat = pd.Series(
        {**TOY_NOW, "change": "no_significant_change", "recent": 36.0, "recent_per_month": 3.0,
         "baseline_per_month": 3.0, "change_pct": 0.0, "rate_ratio": 1.0, "p_value": 1.0}
    )  # fmt: skip
    assert pdl.change_sentence(few, flat, alpha=0.05) == (
        "Jan to Dec 2021: 36 offences, 3.0 a month, about the same as 2020 (3.0 a month): "
        "too few a month to judge a change."
    )


def test_a_share_is_compared_as_two_proportions_without_a_p_value() -> None:
    charged = Kpi(
        id="charged",
        name="Crimes charged",
        description="A made-up share.",
        definition={"police_uk_categories": ["Burglary"]},
        direction="increase",
        denominator={"kind": "kpi", "kpi": "toy", "per": 100},
    )
    series = _series([10] * 12 + [20] * 12)
    series["denominator"] = [200.0] * 12 + [100.0] * 12
    series["rate"] = series["count"] / series["denominator"] * 100
    result = assessment.analyse_series(
        charged, series, area="Toyshire", is_force=True, end="2021-12"
    )
    # 2021: 240 charged of 1,200 crimes = 20%; 2020: 120 of 2,400 = 5% (Newcombe's interval
    # of the difference excludes 0: a significant increase, and higher is better).
    row = pd.Series(
        {**TOY_NOW, "change": "better", "recent": 240.0, "recent_per_month": 20.0,
         "baseline_per_month": 5.0, "change_pct": 300.0, "rate_ratio": 4.0, "p_value": np.nan}
    )  # fmt: skip
    assert pdl.change_sentence(result, row, alpha=0.05) == (
        "Jan to Dec 2021: 20.0% (240 crimes charged), 300% above 2020 (5.0%): a significant "
        "increase."
    )


def test_movement_since_the_previous_assessment() -> None:
    before = _report(
        [
            _grade("toy", "Toyshire", "adequate", "Adequate: r.", synthetic=False),
            _grade("fake", "Toyshire", "not graded", SYNTHETIC_NOT_GRADED, synthetic=True),
            _grade("toy", "North", "adequate", "Adequate: r.", synthetic=False),
            _grade("fake", "North", "not graded", SYNTHETIC_NOT_GRADED, synthetic=True),
        ],
        data_to="2021-10",
    )
    now = pdl.area_grades(NOW)
    moves = plan.movement(pdl.area_grades(before), now)
    assert moves[["kpi", "previous", "current", "movement"]].values.tolist() == [
        ["toy", "adequate", "outstanding", "up"],
        ["fake", "not graded", "not graded", "same"],
    ]
    shown = pdl.movement_display(
        moves,
        REGISTRY,
        pdl.synthetic_flags(now),
        previous_label="October 2021",
        current_label="December 2021",
    )
    assert shown.loc[0, "Movement"] == "Improved"
    assert shown.loc[0, "In words"] == "Improved from adequate to outstanding"
    assert shown.loc[1, "KPI"] == "Toy rape (synthetic)"
    found = pdl.key_findings(
        now, moves, REGISTRY, previous_label="October 2021", current_label="December 2021"
    )
    assert found[0] == (
        "1 of the 2 KPIs under the Plan's themes are graded, with the data to December 2021: "
        "1 outstanding; 1 is not graded (1 counted in the synthetic extract, whose figures "
        "are illustrative)."
    )
    assert found[-1] == (
        "Since the data to October 2021, improved: Toy burglary: improved from adequate to "
        "outstanding."
    )
    assert not any("Toy rape" in f for f in found)  # synthetic: never a finding


def test_key_findings_name_the_worst_grades() -> None:
    current = pd.DataFrame(
        {
            "theme": ["T"] * 4,
            "kpi": ["toy", "b", "c", "d"],
            "grade": ["inadequate", "good", "not graded", "not graded"],
            "reason": [
                "",
                "",
                "Monitored, not graded: r.",
                "Not graded: about 3.0 a month, too few to judge (the assessment judges 10 or "
                "more).",
            ],
            "synthetic": [False, False, False, False],
        }
    )
    reg = {
        "toy": TOY,
        "b": TOY.model_copy(update={"id": "b", "name": "Bee"}),
        "c": TOY.model_copy(update={"id": "c", "name": "Sea"}),
        "d": TOY.model_copy(update={"id": "d", "name": "Dee"}),
    }
    moves = pd.DataFrame(
        {
            "theme": ["T"] * 3,
            "kpi": ["toy", "b", "c"],
            "previous": ["adequate", "good", "not graded"],
            "current": ["inadequate", "good", "not graded"],
            "movement": ["down", "same", "same"],
            "sentence": ["declined from adequate to inadequate", "stayed at good", "x"],
        }
    )
    found = pdl.key_findings(current, moves, reg, previous_label="Aug", current_label="Oct")
    assert found[0] == (
        "2 of the 4 KPIs under the Plan's themes are graded, with the data to Oct: 1 good and "
        "1 inadequate; 2 are not graded (1 monitored only; 1 too few a month to judge)."
    )
    assert "Inadequate: Toy burglary." in found
    assert "declined: Toy burglary: declined from adequate to inadequate" in found[-1]
    assert not any(f.startswith("Held at") for f in found)
    # Bee is adequate because its latest 12 months are worse: a finding of its own.
    current["grade"] = ["inadequate", "adequate", "not graded", "not graded"]
    current["capped"] = [False, True, False, False]
    found = pdl.key_findings(current, moves, reg, previous_label="Aug", current_label="Oct")
    assert (
        "Held at adequate because the latest 12 months are significantly worse than the 12 "
        "before, though the plan's rules alone would grade them better: Bee."
    ) in found


# -------------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_panel_and_plan_pages_print_the_assessments_spc_verdict(tmp_path: Path) -> None:
    """Violence and sexual offences for the force, October 2022: one verdict on both pages.

    Hand check from the raw police.uk files (rows of crime type "Violence and sexual
    offences" per monthly file): August 2021 to October 2022 are 3,307, 3,337, 3,537,
    3,326, 3,295, 3,338, 3,339, 3,854, 3,491, 3,942, 3,853, 3,662, 3,877, 3,676, 3,733:
    15 months, 53,567 in all, mean 3,571.1; the 14 moving ranges sum to 2,598, mean
    185.57; upper limit 3,571.1 + 2.66 x 185.57 = 4,064.8 and lower limit 2 x 3,571.1 -
    4,064.8 = 3,077.5. October's 3,733 is inside: common-cause variation. (Limits over
    the whole 35 months without a rebase, as the Panel page once computed them, have mean
    3,215.2 and upper limit 3,716.4, which 3,733 exceeds.)
    """
    a = assessment.for_cycle(CYCLE_FILE)
    r = a.result("violence_sexual_offences")
    s = r.summary
    assert s.latest_date == pd.Timestamp("2022-10-01") and s.latest_value == 3733
    assert s.segment_start == pd.Timestamp("2021-08-01")
    assert s.mean == pytest.approx(53_567 / 15)
    assert s.upl == pytest.approx(4064.8, abs=0.05)
    assert s.lpl == pytest.approx(2 * 3571.13 - 4064.75, abs=0.05)  # 3,077.5
    assert s.lpl < 3733 < s.upl and r.variation == "common_cause"
    sentence = r.spc_sentence()
    assert sentence.startswith(
        "Violence and sexual offences for Leicestershire Police show common-cause variation"
    )
    words = html_mod.escape(sentence, quote=False)

    (tmp_path / "panel").mkdir()
    (tmp_path / "plan").mkdir()
    # The public version (its defaults: the 2022-11 cycle, session "open").
    _, panel_page = execute_notebook(REPO / "notebooks" / "panel_summary.ipynb", tmp_path / "panel")
    assert words in panel_page
    assert "Violence and sexual offences for Leicestershire Police show special-cause" not in (
        panel_page
    )

    _, plan_page = execute_notebook(REPO / "notebooks" / "plan_delivery.ipynb", tmp_path / "plan")
    assert words in plan_page
    assert plan_page.count("<h1>") == 1 and "Movement since the last board" in plan_page
    assert 'class="grade"' in plan_page
    # Its grade is the assessment's: significantly worse than the year to October 2021.
    grade = a.grade("violence_sexual_offences")
    assert html_mod.escape(str(grade["reason"]), quote=False) in plan_page
