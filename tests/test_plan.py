from pathlib import Path

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal

from scrutiny.config import PARAMS_DIR
from scrutiny.errors import ParamsError
from scrutiny.plan import (
    GRADES,
    NOT_GRADED,
    GradingRule,
    grade,
    grade_table,
    load_plan,
    movement,
    validate_plan,
)

# The default rules, as in params/plan.yaml, in order (first match wins).
DEFAULT_RULES = [
    {
        "grade": "outstanding",
        "when": [
            {"variation": "special_cause_improvement", "change": "better"},
            {"assurance": "consistently_passing"},
        ],
    },
    {
        "grade": "inadequate",
        "when": [
            {"variation": "special_cause_concern", "change": "worse"},
            {"assurance": "consistently_failing"},
        ],
    },
    {
        "grade": "requires improvement",
        "when": [{"change": "worse"}, {"variation": "special_cause_concern"}],
    },
    {
        "grade": "good",
        "when": [{"change": "better"}, {"variation": "special_cause_improvement"}],
    },
    {
        "grade": "adequate",
        "when": [
            {
                "change": "no_significant_change",
                "variation": ["common_cause", "special_cause_neutral"],
            }
        ],
    },
]


def small_plan(**overrides):
    raw = {
        "plan": "Test plan",
        "area": "Testshire",
        "baseline": {"start": "2020-11", "end": "2021-10", "label": "the year to October 2021"},
        "themes": [
            {
                "id": "vawg",
                "title": "Violence against women and girls",
                "kpis": [
                    {"kpi": "violence_sexual_offences", "direction": "lower"},
                    {"kpi": "rape", "direction": "monitor", "note": "reporting is encouraged."},
                ],
            },
            {
                "id": "neighbourhood",
                "title": "Neighbourhood crime",
                "kpis": [
                    {
                        "kpi": "burglary",
                        "direction": "lower",
                        "baseline": {
                            "start": "2019-12",
                            "end": "2020-02",
                            "label": "December 2019 to February 2020",
                        },
                    },
                    {"kpi": "robbery", "direction": "lower"},
                ],
            },
        ],
        "rules": DEFAULT_RULES,
    }
    raw.update(overrides)
    return raw


NO_REGISTRY = Path("/nonexistent/kpis.yaml")


def test_default_plan_file_loads_and_uses_registry_ids():
    plan = load_plan(PARAMS_DIR / "plan.yaml")
    assert 5 <= len(plan.themes) <= 7
    assert [r.grade for r in plan.rules] == [r["grade"] for r in DEFAULT_RULES]
    # The shipped rules are the defaults tested below.
    rules = [GradingRule.model_validate(r) for r in DEFAULT_RULES]
    assert list(plan.rules) == rules


@pytest.mark.parametrize(
    ("evidence", "expected_grade", "expected_reason"),
    [
        # rule 1, clause 1
        (
            {"variation": "special_cause_improvement", "change": "better", "assurance": "none"},
            "outstanding",
            "Outstanding: the latest month shows special-cause improvement and the last 12 "
            "months are significantly better than the baseline.",
        ),
        # rule 1, clause 2: consistently passing a target, whatever else
        (
            {
                "variation": "common_cause",
                "change": "no_significant_change",
                "assurance": "consistently_passing",
            },
            "outstanding",
            "Outstanding: the measure consistently meets its target.",
        ),
        # rule 2, clause 1
        (
            {"variation": "special_cause_concern", "change": "worse", "assurance": "none"},
            "inadequate",
            "Inadequate: the latest month shows special-cause concern and the last 12 months "
            "are significantly worse than the baseline.",
        ),
        # rule 2, clause 2
        (
            {
                "variation": "common_cause",
                "change": "no_significant_change",
                "assurance": "consistently_failing",
            },
            "inadequate",
            "Inadequate: the measure consistently misses its target.",
        ),
        # rule 3, clause 1: worse without special cause
        (
            {"variation": "common_cause", "change": "worse", "assurance": "none"},
            "requires improvement",
            "Requires improvement: the last 12 months are significantly worse than the baseline.",
        ),
        # rule 3, clause 2: special-cause concern without a significant change
        (
            {"variation": "special_cause_concern", "change": "no_significant_change"},
            "requires improvement",
            "Requires improvement: the latest month shows special-cause concern.",
        ),
        # rule 4, clause 1
        (
            {"variation": "common_cause", "change": "better", "assurance": "inconsistent"},
            "good",
            "Good: the last 12 months are significantly better than the baseline.",
        ),
        # rule 4, clause 2
        (
            {"variation": "special_cause_improvement", "change": "no_significant_change"},
            "good",
            "Good: the latest month shows special-cause improvement.",
        ),
        # rule 5
        (
            {"variation": "common_cause", "change": "no_significant_change", "assurance": "none"},
            "adequate",
            "Adequate: the last 12 months are not significantly different from the baseline "
            "and the latest month is within common-cause variation.",
        ),
    ],
)
def test_every_default_rule_is_hit(evidence, expected_grade, expected_reason):
    rules = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY).rules
    assert grade(evidence, rules) == (expected_grade, expected_reason)


def test_first_match_wins_when_signals_conflict():
    plan = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    # Significantly better (rule 4 "good") but the latest month is a special-cause concern
    # (rule 3 "requires improvement"): rule 3 comes first, so it wins.
    g, _ = grade({"variation": "special_cause_concern", "change": "better"}, plan)
    assert g == "requires improvement"
    # Reverse the order of rules 3 and 4: now "good" wins for the same evidence.
    swapped = [
        DEFAULT_RULES[0],
        DEFAULT_RULES[1],
        DEFAULT_RULES[3],
        DEFAULT_RULES[2],
        DEFAULT_RULES[4],
    ]
    plan2 = validate_plan(small_plan(rules=swapped), file="plan.yaml", kpis_path=NO_REGISTRY)
    g2, _ = grade({"variation": "special_cause_concern", "change": "better"}, plan2)
    assert g2 == "good"


def test_missing_signal_and_no_match():
    plan = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    # No change signal (baseline not in the data): common cause alone matches no rule.
    g, reason = grade(pd.Series({"variation": "common_cause", "change": float("nan")}), plan)
    assert g == NOT_GRADED
    assert reason == "Not graded: no grading rule matches the evidence (variation=common_cause)."
    with pytest.raises(ValueError, match="variation='improving'"):
        grade({"variation": "improving"}, plan)


def test_grade_table_uses_kpi_baseline_and_lists_every_plan_kpi():
    plan = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    evidence = pd.DataFrame(
        {
            "kpi": ["burglary", "violence_sexual_offences", "shoplifting"],
            "variation": ["common_cause", "special_cause_concern", "common_cause"],
            "change": ["better", "worse", "worse"],
            "assurance": ["none", "none", "none"],
        }
    )
    out = grade_table(evidence, plan)
    expected = pd.DataFrame(
        {
            "theme": ["Violence against women and girls"] * 2 + ["Neighbourhood crime"] * 2,
            "kpi": ["violence_sexual_offences", "rape", "burglary", "robbery"],
            "grade": ["inadequate", NOT_GRADED, "good", NOT_GRADED],
            "reason": [
                "Inadequate: the latest month shows special-cause concern and the last 12 "
                "months are significantly worse than the year to October 2021.",
                "Monitored, not graded: reporting is encouraged.",
                "Good: the last 12 months are significantly better than December 2019 to "
                "February 2020.",
                "Not graded: no evidence was supplied for this KPI.",
            ],
        }
    )
    assert_frame_equal(out, expected)
    assert out.attrs["not_in_plan"] == ["shoplifting"]


def test_grade_table_rejects_duplicate_evidence():
    plan = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    ev = pd.DataFrame({"kpi": ["rape", "rape"], "change": ["better", "worse"]})
    with pytest.raises(ValueError, match="more than one row for KPI"):
        grade_table(ev, plan)


def write(tmp_path, raw, name="plan.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.update(themse=[]), "themse: unknown key"),
        (
            lambda r: r["themes"][1]["kpis"][0].update(direction="down"),
            "themes[1].kpis[0].direction",
        ),
        (
            lambda r: r["themes"][0]["kpis"][0].update(trget=5),
            "themes[0].kpis[0].trget: unknown key",
        ),
        (
            lambda r: r["rules"][3].update(grade="very good"),
            "rules[3].grade: unknown grade 'very good'",
        ),
        (
            lambda r: r["rules"][0]["when"][0].update(varation="common_cause"),
            "rules[0].when[0].varation: unknown signal 'varation'",
        ),
        (
            lambda r: r["rules"][2]["when"][0].update(change="higher"),
            "rules[2].when[0].change: unknown value 'higher' for change",
        ),
        (lambda r: r["baseline"].update(start="2020-13"), "baseline.start"),
        (
            # Without "adequate", the first uncovered combination in SIGNALS order is
            # special-cause neutral, no significant change, inconsistent assurance.
            lambda r: r["rules"].pop(),
            "no rule matches the evidence variation=special_cause_neutral, "
            "change=no_significant_change, assurance=inconsistent",
        ),
        (lambda r: r["themes"][1].update(id="vawg"), "themes[1].id: theme 'vawg' appears twice"),
    ],
)
def test_invalid_plan_names_file_and_key(tmp_path, mutate, message):
    raw = small_plan()
    raw = yaml.safe_load(yaml.safe_dump(raw))  # a deep copy: mutate() must not touch DEFAULT_RULES
    mutate(raw)
    path = write(tmp_path, raw)
    with pytest.raises(ParamsError) as info:
        load_plan(path, kpis_path=NO_REGISTRY)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def registry_file(tmp_path, entries):
    return write(tmp_path, {"kpis": entries}, "kpis.yaml")


REGISTRY = [
    {"id": "violence_sexual_offences", "direction": "decrease", "plan_theme": "vawg"},
    {"id": "rape", "direction": "neutral", "plan_theme": "vawg"},
    {"id": "burglary", "direction": "decrease", "plan_theme": "neighbourhood"},
    {"id": "robbery", "direction": "decrease", "plan_theme": None},
    {"id": "shoplifting", "direction": "decrease"},
]


def test_registry_gives_missing_directions(tmp_path):
    raw = small_plan()
    for theme in raw["themes"]:
        for k in theme["kpis"]:
            del k["direction"]
    plan = load_plan(write(tmp_path, raw), kpis_path=registry_file(tmp_path, REGISTRY))
    # decrease -> lower, neutral -> monitor
    assert [(k.kpi, k.direction) for t in plan.themes for k in t.kpis] == [
        ("violence_sexual_offences", "lower"),
        ("rape", "monitor"),
        ("burglary", "lower"),
        ("robbery", "lower"),
    ]
    assert plan.themes[1].kpis[0].improvement == "decrease"  # scrutiny.spc.xmr's word
    # Without a registry a direction must be given.
    with pytest.raises(ParamsError, match=r"themes\[0\]\.kpis\[0\]\.direction: required"):
        load_plan(write(tmp_path, raw), kpis_path=NO_REGISTRY)


@pytest.mark.parametrize(
    ("change_registry", "file", "message"),
    [
        (
            lambda r: r.pop(0),
            "plan.yaml",
            "themes[0].kpis[0].kpi: 'violence_sexual_offences' is not a KPI id in the registry",
        ),
        (
            lambda r: r[1].update(direction="decrease"),
            "plan.yaml",
            "themes[0].kpis[1].direction: 'monitor' contradicts the registry",
        ),
        (
            lambda r: r[3].update(plan_theme="vawg"),
            "plan.yaml",
            "themes[1].kpis[1].kpi: 'robbery' is listed under theme 'neighbourhood' but the "
            "registry",
        ),
        (
            lambda r: r[4].update(plan_theme="neighbourhood"),
            "plan.yaml",
            "themes[1].kpis: the registry",
        ),
        (
            lambda r: r[4].update(plan_theme="retail"),
            "kpis.yaml",
            "kpis[4].plan_theme: 'retail' is not a theme id",
        ),
    ],
)
def test_plan_and_registry_must_agree(tmp_path, change_registry, file, message):
    entries = [dict(e) for e in REGISTRY]
    change_registry(entries)
    registry = registry_file(tmp_path, entries)
    path = write(tmp_path, small_plan())
    with pytest.raises(ParamsError) as info:
        load_plan(path, kpis_path=registry)
    assert str(info.value).startswith(str(tmp_path / file))
    assert message in str(info.value)


def test_movement_sentences():
    prev = pd.DataFrame(
        {
            "theme": ["T"] * 5,
            "kpi": ["a", "b", "c", "d", "gone"],
            "grade": ["adequate", "good", "requires improvement", NOT_GRADED, "good"],
        }
    )
    curr = pd.DataFrame(
        {
            "theme": ["T"] * 5,
            "kpi": ["a", "b", "c", "d", "new"],
            "grade": [
                "good",
                "requires improvement",
                "requires improvement",
                "adequate",
                "inadequate",
            ],
        }
    )
    out = movement(prev, curr)
    expected = pd.DataFrame(
        {
            "theme": ["T"] * 6,
            "kpi": ["a", "b", "c", "d", "new", "gone"],
            "previous": [
                "adequate",
                "good",
                "requires improvement",
                NOT_GRADED,
                NOT_GRADED,
                "good",
            ],
            "current": [
                "good",
                "requires improvement",
                "requires improvement",
                "adequate",
                "inadequate",
                NOT_GRADED,
            ],
            "movement": ["up", "down", "same", "new", "new", "not graded"],
            "sentence": [
                "improved from adequate to good",
                "declined from good to requires improvement",
                "stayed at requires improvement",
                "graded adequate (not graded last cycle)",
                "graded inadequate (not graded last cycle)",
                "not graded this cycle (was good)",
            ],
        }
    )
    assert_frame_equal(out, expected)


def test_grades_scale_order():
    assert GRADES == ("outstanding", "good", "adequate", "requires improvement", "inadequate")
