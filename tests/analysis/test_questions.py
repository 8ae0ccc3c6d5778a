"""Questions for the force (scrutiny.analysis.questions): one function for every page, tested
on hand-made KPI results."""

from __future__ import annotations

from conftest import hand_kpi, hand_series
from scrutiny.analysis import assessment, questions, topics
from scrutiny.analysis.kpis import Target

# 20 months from January 2021: flat around 10, and a step from 10 to 20 after 12 months.
FLAT = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 10, 9, 10, 11, 10, 12, 9, 10, 11, 10]
STEP = [10] * 12 + [20] * 8


def _result(counts, *, area="Blaby", is_force=False, **kpi):
    return assessment.analyse_series(
        hand_kpi(**kpi), hand_series(counts), area=area, is_force=is_force, end="2022-08"
    )


def test_the_deep_dive_and_the_exceptions_share_one_function():
    # The deep dive's topics module re-exports the same object: there is one generator.
    assert topics.questions is questions.questions
    assert topics.NO_SUSPECT_QUESTION == questions.NO_SUSPECT_QUESTION == 40.0


def test_a_concern_asks_what_drove_the_rise_with_its_evidence():
    # 12 months at 10 then 8 at 20: the latest month is above the upper process limit.
    q = questions.for_kpi(_result(STEP))
    assert list(q.columns) == ["Question", "What the data show"]
    assert q.iloc[0]["Question"] == (
        "What has driven the rise in burglary in Blaby, and what specifically is being done "
        "about it?"
    )
    assert q.iloc[0]["What the data show"].startswith("SPC shows special-cause concern")
    # Not counted in the synthetic extract, no target, no comparison: no other question.
    assert len(q) == 1


def test_a_stable_kpi_prompts_no_question():
    assert questions.for_kpi(_result(FLAT)).empty


def test_a_target_that_will_be_missed_prompts_a_question():
    # Flat around 10 (limits about 6 to 14), target at most 5 a month: every month the
    # process can produce is above it, so the target will consistently be missed.
    r = _result(FLAT, target=Target(value=5))
    assert r.assurance == "consistent_fail"
    q = questions.for_kpi(r)
    assert q["Question"].tolist() == [
        "What will change so that burglary in Blaby meets its target, and by when?"
    ]
    assert "target of 5" in q.iloc[0]["What the data show"]
    assert q.iloc[0]["What the data show"].endswith("unless something changes.")


def test_a_force_result_names_the_force_and_synthetic_data_ask_for_real_records():
    series = hand_series(STEP)
    series["synthetic"] = True
    r = assessment.analyse_series(
        hand_kpi(), series, area="Testshire Police", is_force=True, end="2022-08"
    )
    q = questions.for_kpi(r)
    assert q.iloc[0]["Question"].startswith(
        "What has driven the rise in burglary for Testshire Police"
    )
    assert q.iloc[-1]["Question"].startswith("Can the force provide its own record-level data")


def test_too_few_to_judge_asks_nothing_about_change():
    # Two a month on average: below the fewest the method judges, so no SPC question.
    r = _result([1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 9, 9])
    assert r.too_few
    assert questions.for_kpi(r).empty
