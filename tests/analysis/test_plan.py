from pathlib import Path

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal

from scrutiny.analysis.plan import (
    GRADES,
    NOT_GRADED,
    GradingRule,
    change_signal,
    evidence_table,
    grade,
    grade_table,
    kpi_evidence,
    load_plan,
    movement,
    validate_plan,
)
from scrutiny.config import PARAMS_DIR
from scrutiny.errors import ParamsError

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
    assert plan.themes[1].kpis[0].improvement == "decrease"  # scrutiny.stats.spc.xmr's word
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


@pytest.mark.parametrize(
    ("ratio", "significant", "direction", "expected"),
    [
        (0.8, True, "lower", "better"),
        (1.2, True, "lower", "worse"),
        (1.2, True, "higher", "better"),
        (0.8, True, "higher", "worse"),
        (0.8, False, "lower", "no_significant_change"),
        (1.2, True, "monitor", None),
        (float("nan"), True, "lower", None),
    ],
)
def test_change_signal(ratio, significant, direction, expected):
    assert change_signal(ratio, significant, direction) == expected


# Twelve months: steady around 100, then 40 in December 2021.
MONTHS = pd.period_range("2021-01", "2021-12", freq="M")
VALUES = [100, 102, 98, 101, 99, 100, 102, 98, 101, 99, 100, 40]


def evidence_plan():
    raw = small_plan(
        baseline={"start": "2021-01", "end": "2021-03", "label": "January to March 2021"},
        evidence={"recent_months": 3, "alpha": 0.05},
    )
    return validate_plan(raw, file="plan.yaml", kpis_path=NO_REGISTRY)


def test_kpi_evidence_hand_worked():
    plan = evidence_plan()
    burglary = plan.themes[1].kpis[0]
    burglary = burglary.model_copy(update={"baseline": None})  # use the plan's Jan-Mar 2021
    ev = kpi_evidence(pd.Series(VALUES, index=MONTHS), burglary, plan)
    # SPC: mean 1140/12 = 95; moving ranges 2,4,3,2,1,2,4,3,2,1,60 sum 84, mean 84/11 = 7.636;
    # lower limit 95 - 2.66 x 7.636 = 74.69. December's 40 is below it: with lower better,
    # a special-cause improvement.
    assert ev["variation"] == "special_cause_improvement"
    # Change: Oct-Dec 99 + 100 + 40 = 239 against Jan-Mar 100 + 102 + 98 = 300, equal
    # exposures: ratio 239/300 = 0.797. Under no change 239 of 539 ~ Binomial(539, 0.5):
    # mean 269.5, sd 11.61, z = -2.63, p ~ 0.009 < 0.05, so significantly lower: better.
    assert ev["change"] == "better"
    assert ev["rate_ratio"] == pytest.approx(239 / 300)
    assert ev["recent_value"] == pytest.approx(239 / 3)
    assert ev["baseline_value"] == pytest.approx(100.0)
    assert ev["p_value"] < 0.05
    assert ev["assurance"] == "none"  # no target
    assert ev["recent_period"] == "Oct to Dec 2021"
    assert grade(ev, plan)[0] == "outstanding"


def test_evidence_table_missing_month_and_grade_table():
    plan = evidence_plan()
    # A kpi_series-style frame for robbery with November 2021 flagged missing (count 0).
    frame = pd.DataFrame(
        {
            "month": MONTHS.to_timestamp(),
            "count": VALUES[:10] + [0, 40],
            "missing": [False] * 10 + [True, False],
        }
    )
    table = evidence_table({"robbery": frame, "unplanned": frame}, plan)
    assert table["kpi"].tolist() == ["robbery"]  # plan order; ids not in the plan ignored
    row = table.iloc[0]
    assert row["change"] is None
    assert row["note"] == "no data for 2021-11"
    graded = grade_table(table, plan)
    assert graded["kpi"].tolist() == ["violence_sexual_offences", "rape", "burglary", "robbery"]
    assert graded["grade"].tolist()[:3] == [NOT_GRADED] * 3  # no evidence / monitored


def test_share_kpi_uses_denominators_and_spc_start():
    raw = small_plan(
        baseline={"start": "2021-01", "end": "2021-03", "label": "January to March 2021"},
        evidence={"recent_months": 3, "alpha": 0.05, "spc_start": "2021-04"},
    )
    raw["themes"][0]["kpis"].append(
        {"kpi": "charged_share", "direction": "higher", "measure": "share"}
    )
    plan = validate_plan(raw, file="plan.yaml", kpis_path=NO_REGISTRY)
    share = plan.themes[0].kpis[2]
    assert plan.themes[0].kpis[0].measure == "count"  # the default without a registry
    frame = pd.DataFrame(
        {
            "month": MONTHS.to_timestamp(),
            "count": [10] * 9 + [20, 20, 20],
            "denominator": [200] * 9 + [100, 100, 100],
        }
    )
    ev = kpi_evidence(frame, share, plan)
    # Baseline Jan-Mar: 30 charged of 600 crimes = 5%; Oct-Dec: 60 of 300 = 20%.
    assert ev["baseline_value"] == pytest.approx(5.0)
    assert ev["recent_value"] == pytest.approx(20.0)
    assert ev["rate_ratio"] == pytest.approx((60 / 300) / (30 / 600))  # = 4
    assert ev["change"] == "better"  # higher is better; 60 v 30 on half the exposure
    # SPC from April: 5% for Apr-Sep, 20% for Oct-Dec (9 points): mean 90/9 = 10; moving
    # ranges 0,0,0,0,0,15,0,0, mean 15/8 = 1.875; upper limit 10 + 2.66 x 1.875 = 14.99.
    # December's 20% is above it, and higher is better: special-cause improvement.
    assert ev["variation"] == "special_cause_improvement"
    with pytest.raises(ValueError, match="is a share: pass the kpi_series frame"):
        kpi_evidence(pd.Series([1.0] * 12, index=MONTHS), share, plan)


def test_graded_false_is_listed_with_its_note():
    raw = small_plan()
    raw["themes"][1]["kpis"][1].update(graded=False, note="outcomes still being recorded.")
    plan = validate_plan(raw, file="plan.yaml", kpis_path=NO_REGISTRY)
    ev = pd.DataFrame({"kpi": ["robbery"], "variation": ["common_cause"], "change": ["worse"]})
    out = grade_table(ev, plan)
    assert out.loc[out["kpi"] == "robbery", "reason"].item() == (
        "Not graded: outcomes still being recorded."
    )
    assert out.loc[out["kpi"] == "robbery", "grade"].item() == NOT_GRADED


def test_spc_start_keeps_a_lockdown_dip_out_of_the_limits():
    # Jan-Mar 2021 at 50 (a lockdown dip), then Apr-Dec around 100.
    values = [50, 50, 50, 100, 102, 98, 101, 99, 100, 102, 98, 101]
    series = pd.Series(values, index=MONTHS)
    base = {"start": "2021-01", "end": "2021-03", "label": "January to March 2021"}
    whole = validate_plan(small_plan(baseline=base), file="p.yaml", kpis_path=NO_REGISTRY)
    robbery = whole.themes[1].kpis[1]
    # All 12 months: mean 1051/12 = 87.6 and the last nine points are all above it, a
    # shift of 7 or more; higher is worse for robbery, so special-cause concern.
    assert kpi_evidence(series, robbery, whole)["variation"] == "special_cause_concern"
    # From April: mean 901/9 = 100.1, moving ranges 2,4,3,2,1,2,4,3 (mean 2.625), limits
    # 100.1 +/- 6.98; no run of 7 on one side, no trend: December is common cause.
    later = validate_plan(
        small_plan(baseline=base, evidence={"spc_start": "2021-04"}),
        file="p.yaml",
        kpis_path=NO_REGISTRY,
    )
    assert kpi_evidence(series, robbery, later)["variation"] == "common_cause"
