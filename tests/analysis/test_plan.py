from pathlib import Path

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal

from scrutiny.analysis.assessment import (
    GRADE_COLUMNS,
    SYNTHETIC_NOT_GRADED,
    analyse_series,
    plan_evidence,
    plan_grades,
)
from scrutiny.analysis.kpis import Definition, Denominator, Kpi
from scrutiny.analysis.plan import (
    GRADES,
    NOT_GRADED,
    GradingRule,
    change_signal,
    grade,
    grade_table,
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
        # The SPC window and rebase are the cycle's (its method: block), not the plan's.
        (lambda r: r.update(evidence={"spc_start": "2021-08"}), "evidence.spc_start: unknown key"),
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


# The plan's evidence is computed by the cycle's assessment (assessment.plan_evidence) from
# the assessment's own SPC reading: one implementation of the change test, one set of limits.

# Twelve months: steady around 100, then 40 in December 2021.
MONTHS = pd.period_range("2021-01", "2021-12", freq="M")
VALUES = [100, 102, 98, 101, 99, 100, 102, 98, 101, 99, 100, 40]


def evidence_plan():
    raw = small_plan(
        baseline={"start": "2021-01", "end": "2021-03", "label": "January to March 2021"},
        evidence={"recent_months": 3, "alpha": 0.05},
    )
    return validate_plan(raw, file="plan.yaml", kpis_path=NO_REGISTRY)


def registry_kpi(kid, direction="decrease", **kw):
    """A registry entry for a plan KPI (what the assessment analyses)."""
    return Kpi(
        id=kid,
        name=kw.pop("name", kid.capitalize()),
        description="test",
        definition=kw.pop("definition", Definition(police_uk_categories=["Burglary"])),
        direction=direction,
        **kw,
    )


def series_frame(counts, *, missing=(), denominator=None, synthetic=False):
    """A kpi_series-shaped frame for 2021 (months flagged missing count 0)."""
    n = len(counts)
    denom = [100_000.0] * n if denominator is None else [float(d) for d in denominator]
    per = 1000 if denominator is None else 100
    return pd.DataFrame(
        {
            "month": MONTHS[:n].to_timestamp(),
            "count": counts,
            "population": 100_000,
            "rate_per_1000": [c / 100 for c in counts],
            "denominator": denom,
            "rate": [c / d * per for c, d in zip(counts, denom, strict=True)],
            "missing": [i in missing for i in range(n)],
            "synthetic": synthetic,
        }
    )


def analysed(kpi, frame, *, rebase=None):
    return analyse_series(kpi, frame, area="Testshire", is_force=True, end="2021-12", rebase=rebase)


def test_plan_evidence_hand_worked():
    plan = evidence_plan()
    burglary = plan.themes[1].kpis[0]
    burglary = burglary.model_copy(update={"baseline": None})  # use the plan's Jan-Mar 2021
    result = analysed(registry_kpi("burglary"), series_frame(VALUES))
    ev = plan_evidence(result, burglary, plan, data_to="2021-12")
    # SPC: mean 1140/12 = 95; moving ranges 2,4,3,2,1,2,4,3,2,1,60 sum 84, mean 84/11 = 7.636;
    # lower limit 95 - 2.66 x 7.636 = 74.69. December's 40 is below it: with lower better,
    # a special-cause improvement.
    assert ev["variation"] == "special_cause_improvement"
    # Change: Oct-Dec 99 + 100 + 40 = 239 against Jan-Mar 100 + 102 + 98 = 300, equal
    # exposures: ratio 239/300 = 0.797. Under no change 239 of 539 ~ Binomial(539, 0.5):
    # mean 269.5, sd 11.61, z = -2.63, p ~ 0.009 < 0.05, so significantly lower: better.
    assert ev["change"] == "better"
    assert ev["rate_ratio"] == pytest.approx(239 / 300)
    assert ev["recent"] == 239
    assert ev["recent_per_month"] == pytest.approx(239 / 3)
    assert ev["baseline_per_month"] == pytest.approx(100.0)
    assert ev["change_pct"] == pytest.approx((239 / 3 - 100) / 100 * 100)  # -20.3%
    assert 0.005 < ev["p_value"] < 0.015
    assert ev["assurance"] == "none"  # no target
    assert ev["recent_period"] == "Oct to Dec 2021"
    assert ev["baseline"] == "January to March 2021"
    assert grade(ev, plan)[0] == "outstanding"


def test_plan_evidence_missing_month_gives_no_change_signal():
    plan = evidence_plan()
    robbery = plan.themes[1].kpis[1]
    # November 2021 flagged missing (count 0): a gap, not a zero.
    frame = series_frame(VALUES[:10] + [0, 40], missing=(10,))
    ev = plan_evidence(analysed(registry_kpi("robbery"), frame), robbery, plan, data_to="2021-12")
    assert ev["change"] is None
    assert ev["note"] == "no complete data for the latest 3 months and January to March 2021"
    assert pd.isna(ev["p_value"])


def test_share_kpi_uses_denominators():
    raw = small_plan(
        baseline={"start": "2021-01", "end": "2021-03", "label": "January to March 2021"},
        evidence={"recent_months": 3, "alpha": 0.05},
    )
    raw["themes"][0]["kpis"].append(
        {"kpi": "charged_share", "direction": "higher", "measure": "share"}
    )
    plan = validate_plan(raw, file="plan.yaml", kpis_path=NO_REGISTRY)
    share = plan.themes[0].kpis[2]
    assert plan.themes[0].kpis[0].measure == "count"  # the default without a registry
    kpi = registry_kpi(
        "charged_share",
        direction="increase",
        denominator=Denominator(kind="kpi", kpi="all_crime", per=100),
    )
    frame = series_frame([10] * 9 + [20, 20, 20], denominator=[200] * 9 + [100, 100, 100])
    # The cycle rebases the limits in April (as a cycle file's method: block would).
    result = analysed(kpi, frame, rebase="2021-04")
    assert result.measure == "share"
    ev = plan_evidence(result, share, plan, data_to="2021-12")
    # Baseline Jan-Mar: 30 charged of 600 crimes = 5%; Oct-Dec: 60 of 300 = 20%.
    assert ev["baseline_per_month"] == pytest.approx(5.0)
    assert ev["recent_per_month"] == pytest.approx(20.0)
    assert ev["rate_ratio"] == pytest.approx((60 / 300) / (30 / 600))  # = 4
    assert ev["change"] == "better"  # higher is better; 60 v 30 on half the exposure
    # SPC from April: 5% for Apr-Sep, 20% for Oct-Dec (9 points): mean 90/9 = 10; moving
    # ranges 0,0,0,0,0,15,0,0, mean 15/8 = 1.875; upper limit 10 + 2.66 x 1.875 = 14.99.
    # December's 20% is above it, and higher is better: special-cause improvement.
    assert ev["variation"] == "special_cause_improvement"


def test_the_cycles_rebase_keeps_a_lockdown_dip_out_of_the_limits_the_plan_grades_on():
    # Jan-Mar 2021 at 50 (a lockdown dip), then Apr-Dec around 100.
    values = [50, 50, 50, 100, 102, 98, 101, 99, 100, 102, 98, 101]
    base = {"start": "2021-01", "end": "2021-03", "label": "January to March 2021"}
    plan = validate_plan(small_plan(baseline=base), file="p.yaml", kpis_path=NO_REGISTRY)
    robbery = plan.themes[1].kpis[1]
    kpi = registry_kpi("robbery")
    # One set of limits over all 12 months: mean 1051/12 = 87.6 and the last nine points
    # are all above it, a shift of 7 or more; higher is worse for robbery: concern.
    whole = analysed(kpi, series_frame(values))
    assert plan_evidence(whole, robbery, plan, data_to="2021-12")["variation"] == (
        "special_cause_concern"
    )
    # Limits recalculated from April: mean 901/9 = 100.1, moving ranges 2,4,3,2,1,2,4,3
    # (mean 2.625), limits 100.1 +/- 6.98; no run of 7 on one side, no trend: December
    # is common cause. The plan reads the assessment's reading, whatever it is.
    later = analysed(kpi, series_frame(values), rebase="2021-04")
    ev = plan_evidence(later, robbery, plan, data_to="2021-12")
    assert ev["variation"] == "common_cause" == later.summary.latest_point_type


def test_plan_grades_never_grade_synthetic_kpis_and_list_every_plan_kpi():
    plan = evidence_plan()
    burglary = registry_kpi("burglary")
    robbery = registry_kpi("robbery", name="Robbery")
    results = {
        ("burglary", "Testshire"): analysed(burglary, series_frame(VALUES)),
        ("robbery", "Testshire"): analysed(robbery, series_frame(VALUES, synthetic=True)),
    }
    g = plan_grades(results, ["Testshire"], plan, data_to="2021-12")
    assert list(g.columns) == GRADE_COLUMNS
    assert g["kpi"].tolist() == ["violence_sexual_offences", "rape", "burglary", "robbery"]
    by = g.set_index("kpi")
    # Burglary: the plan's own baseline (Dec 2019 to Feb 2020) is outside the data, so
    # there is no change signal; December's special-cause improvement alone gives "good".
    assert by.loc["burglary", "grade"] == "good"
    assert by.loc["burglary", "reason"] == (
        "Good: the latest month shows special-cause improvement."
    )
    # Robbery has the same evidence as the hand-worked burglary above (outstanding) but is
    # counted in the synthetic extract: never graded, and the reason says why.
    assert by.loc["robbery", "grade"] == NOT_GRADED and by.loc["robbery", "synthetic"]
    assert by.loc["robbery", "reason"] == SYNTHETIC_NOT_GRADED
    assert by.loc["robbery", "change"] == "better"  # the evidence is still shown
    assert by.loc["violence_sexual_offences", "reason"] == (
        "Not graded: no evidence was supplied for this KPI."
    )
    assert by.loc["rape", "reason"].startswith("Monitored, not graded")


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
