"""Police and Crime Plan delivery (scrutiny.briefings.plan_delivery) on hand-made series."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.analysis import plan
from scrutiny.analysis.kpis import Kpi
from scrutiny.briefings import plan_delivery as pdl

REPO = Path(__file__).resolve().parents[2]

TOY = Kpi(
    id="toy",
    name="Toy burglary",
    description="A made-up KPI.",
    definition={"police_uk_categories": ["Burglary"]},
    direction="decrease",
    plan_theme="t",
)
PLAN = plan.validate_plan(
    {
        "plan": "Toy plan",
        "area": "Toyshire",
        "baseline": {"start": "2020-01", "end": "2020-12", "label": "2020"},
        "themes": [
            {"id": "t", "title": "Toy theme", "kpis": [{"kpi": "toy", "direction": "lower"}]}
        ],
        "rules": [
            {
                "grade": "outstanding",
                "when": [{"variation": "special_cause_improvement", "change": "better"}],
            },
            {
                "grade": "inadequate",
                "when": [{"variation": "special_cause_concern", "change": "worse"}],
            },
            {
                "grade": "requires improvement",
                "when": [{"change": "worse"}, {"variation": "special_cause_concern"}],
            },
            {
                "grade": "good",
                "when": [{"change": "better"}, {"variation": "special_cause_improvement"}],
            },
            {"grade": "adequate", "when": [{}]},
        ],
    },
    file="toy-plan.yaml",
    kpis_path=REPO / "no-registry-here.yaml",
)


def _series(values: list[int], start: str = "2020-01") -> pd.DataFrame:
    months = pd.date_range(f"{start}-01", periods=len(values), freq="MS")
    return pd.DataFrame(
        {
            "month": months,
            "count": values,
            "population": 100_000,
            "rate_per_1000": [v / 100 for v in values],
            "denominator": 100_000.0,
            "rate": [v / 100 for v in values],
            "missing": False,
            "synthetic": False,
        }
    )


# 2020: 100 a month (the baseline); 2021: 80 a month.
SERIES = {"toy": _series([100] * 12 + [80] * 12)}


def test_evidence_now_is_a_shift_down_and_a_significant_fall() -> None:
    e = pdl.evidence(PLAN, {"toy": TOY}, SERIES, end="2021-12")["toy"]
    # Twelve points below the mean of 90: a run (shift) below the mean, improvement when
    # lower is better.
    assert e.row["variation"] == "special_cause_improvement"
    # 2021: 960 in 12 months v. 1,200 in 12: rate ratio 0.8. Given 2,160 in all, 960 is
    # Binomial(2,160, 0.5) under no change: mean 1,080, sd 23.2, z = -5.2 -> p < 0.001.
    assert e.row["rate_ratio"] == pytest.approx(0.8)
    assert e.row["change"] == "better"
    assert e.row["change_pct"] == pytest.approx(-20.0)
    assert e.row["assurance"] == "none"  # no target
    g = pdl.grades(PLAN, {"toy": e})
    assert g.loc[0, "grade"] == "outstanding"


def test_evidence_as_at_an_earlier_month_and_the_movement() -> None:
    # As at December 2020 the latest 12 months are the baseline itself (ratio 1) and the
    # series is constant (no signal): adequate. By December 2021: outstanding, so "up".
    before = pdl.evidence(PLAN, {"toy": TOY}, SERIES, end="2020-12")
    assert before["toy"].row["change"] == "no_significant_change"
    assert before["toy"].row["variation"] == "common_cause"
    g_before = pdl.grades(PLAN, before)
    g_now = pdl.grades(PLAN, pdl.evidence(PLAN, {"toy": TOY}, SERIES, end="2021-12"))
    moves = plan.movement(g_before, g_now)
    assert moves.loc[0, ["previous", "current", "movement"]].tolist() == [
        "adequate",
        "outstanding",
        "up",
    ]
    shown = pdl.movement_display(
        moves, {"toy": TOY}, {"toy": False}, previous_label="Dec 2020", current_label="Dec 2021"
    )
    assert shown.loc[0, "Movement"] == "Improved"
    assert shown.loc[0, "In words"] == "Improved from adequate to outstanding"


def test_a_baseline_outside_the_data_gives_no_change_signal() -> None:
    short = {"toy": _series([100] * 12, start="2021-01")}
    e = pdl.evidence(PLAN, {"toy": TOY}, short, end="2021-12")["toy"]
    assert e.row["change"] is None and e.test is None
    assert (
        "do not cover"
        in pdl.evidence_sentences(e, grade="adequate", reason="r", synthetic=False)[-1]
    )


def test_grade_badge_writes_the_grade_and_display_marks_synthetic() -> None:
    badge = pdl.grade_badge("requires improvement")
    assert ">Requires improvement</span>" in badge
    table = pd.DataFrame(
        {"theme": ["Toy theme"], "kpi": ["toy"], "grade": ["good"], "reason": ["Good: r."]}
    )
    shown = pdl.grades_display(table, {"toy": TOY}, {"toy": True})
    assert shown.loc[0, "KPI"] == "Toy burglary (synthetic)"
    counts = pdl.grade_counts(table)
    assert counts.loc[0, "Good"] == 1 and counts.loc[0, "Inadequate"] == 0


def test_key_findings_name_the_worst_grades_and_the_moves() -> None:
    current = pd.DataFrame(
        {
            "theme": ["T"] * 3,
            "kpi": ["toy", "b", "c"],
            "grade": ["inadequate", "good", "not graded"],
            "reason": ["", "", ""],
        }
    )
    reg = {
        "toy": TOY,
        "b": TOY.model_copy(update={"id": "b", "name": "Bee"}),
        "c": TOY.model_copy(update={"id": "c", "name": "Sea"}),
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
    assert found[0].startswith("2 of the 3 KPIs") and "1 good and 1 inadequate" in found[0]
    assert "Inadequate: Toy burglary." in found
    assert "declined: Toy burglary: declined from adequate to inadequate" in found[-1]


@pytest.mark.slow
def test_notebook_runs_with_its_defaults(tmp_path: Path) -> None:
    _, html = execute_notebook(REPO / "notebooks" / "plan_delivery.ipynb", tmp_path)
    assert html.count("<h1>") == 1 and "Movement since the last board" in html
    assert 'class="grade"' in html
