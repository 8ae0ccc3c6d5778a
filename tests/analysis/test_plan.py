from pathlib import Path

import pandas as pd
import pytest
import yaml
from pandas.testing import assert_frame_equal

from scrutiny.analysis.assessment import (
    GRADE_COLUMNS,
    SYNTHETIC_NOT_GRADED,
    analyse_series,
    latest_year_evidence,
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
            "Outstanding: the latest month shows special-cause improvement and the latest matching "
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
            "Inadequate: the latest month shows special-cause concern and the latest matching "
            "months are significantly worse than the baseline.",
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
            "Requires improvement: the latest matching months are significantly worse than the "
            "baseline.",
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
            "Good: the latest matching months are significantly better than the baseline.",
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
            "Adequate: the latest matching months are not significantly different from the "
            "baseline and the latest month is within common-cause variation.",
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
                "Inadequate: the latest month shows special-cause concern and the latest matching "
                "months are significantly worse than the year to October 2021.",
                "Monitored, not graded: reporting is encouraged.",
                "Good: the latest matching months are significantly better than December 2019 to "
                "February 2020.",
                "Not graded: no evidence was supplied for this KPI.",
            ],
            "capped": [False] * 4,
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
# The months compared with a baseline are its calendar months in the latest year the data
# cover (like for like), with a rate-ratio test allowing for the series' own dispersion.

# 2020 alternating 100 and 110; 2021 alternating 70 and 80.
STEP = [100, 110] * 6 + [70, 80] * 6


def evidence_plan():
    raw = small_plan(
        baseline={"start": "2020-01", "end": "2020-03", "label": "January to March 2020"},
        evidence={"alpha": 0.05},
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


def series_frame(counts, *, start="2020-01", missing=(), denominator=None, synthetic=False):
    """A kpi_series-shaped frame from ``start`` (months flagged missing count 0)."""
    n = len(counts)
    denom = [100_000.0] * n if denominator is None else [float(d) for d in denominator]
    per = 1000 if denominator is None else 100
    return pd.DataFrame(
        {
            "month": pd.date_range(f"{start}-01", periods=n, freq="MS"),
            "count": counts,
            "population": 100_000,
            "rate_per_1000": [c / 100 for c in counts],
            "denominator": denom,
            "rate": [c / d * per for c, d in zip(counts, denom, strict=True)],
            "missing": [i in missing for i in range(n)],
            "synthetic": synthetic,
        }
    )


def analysed(kpi, frame, *, rebase=None, end="2021-12", area="Testshire"):
    return analyse_series(kpi, frame, area=area, is_force=True, end=end, rebase=rebase)


def test_plan_evidence_hand_worked():
    plan = evidence_plan()
    robbery = plan.themes[1].kpis[1]  # the plan's baseline, January to March 2020
    result = analysed(registry_kpi("robbery"), series_frame(STEP))
    ev = plan_evidence(result, robbery, plan, data_to="2021-12")
    # SPC over the 24 months: mean 2,160/24 = 90; the 2021 months are all below it, a run
    # of 12: with lower better, a special-cause improvement.
    assert ev["variation"] == "special_cause_improvement"
    # Like for like: January to March 2021 (70 + 80 + 70 = 220) against January to March
    # 2020 (100 + 110 + 100 = 310), three months each: rate ratio 220/310 = 0.710.
    assert ev["recent_period"] == "Jan to Mar 2021"
    assert ev["recent"] == 220
    assert ev["recent_per_month"] == pytest.approx(220 / 3)
    assert ev["baseline_per_month"] == pytest.approx(310 / 3)
    assert ev["change_pct"] == pytest.approx(-29.03, abs=0.01)
    assert ev["rate_ratio"] == pytest.approx(220 / 310)
    # Dispersion: 23 moving ranges, 22 of 10 and one of 40 (December to January): mean
    # 260/23 = 11.304, sigma 11.304/1.128 = 10.022, phi = 10.022^2 / 90 = 1.116. The test:
    # se = sqrt(1.116 x (1/220 + 1/310)) = 0.0931, z = ln(0.710)/0.0931 = -3.68, p = 0.00023:
    # significantly lower, and lower is better.
    assert result.baselines.attrs["phi"] == pytest.approx(1.1159, abs=1e-4)
    assert ev["p_value"] == pytest.approx(0.00023, abs=1e-5)
    assert ev["change"] == "better"
    assert ev["assurance"] == "none"  # no target
    assert ev["baseline"] == "January to March 2020"
    assert grade(ev, plan) == (
        "outstanding",
        "Outstanding: the latest month shows special-cause improvement and the latest "
        "matching months (Jan to Mar 2021) are significantly better than January to March "
        "2020.",
    )


def test_plan_evidence_without_complete_matching_months_gives_no_change_signal():
    plan = evidence_plan()
    robbery = plan.themes[1].kpis[1]
    # February 2021 flagged missing (count 0): a gap, not a zero.
    frame = series_frame(STEP, missing=(13,))
    ev = plan_evidence(analysed(registry_kpi("robbery"), frame), robbery, plan, data_to="2021-12")
    assert ev["change"] is None and pd.isna(ev["p_value"])
    assert ev["note"] == "no complete data for Jan to Mar 2021 and January to March 2020"
    # Data to February 2021: the baseline's months have not come round again yet.
    short = analysed(registry_kpi("robbery"), series_frame(STEP[:14]), end="2021-02")
    ev = plan_evidence(short, robbery, plan, data_to="2021-02")
    assert ev["change"] is None
    assert (
        ev["note"] == "the data do not yet cover the months of January to March 2020 a year later"
    )


def test_share_kpi_compares_two_proportions():
    raw = small_plan(
        baseline={"start": "2020-01", "end": "2020-03", "label": "January to March 2020"},
        evidence={"alpha": 0.05},
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
    # 2020: 10 charged of 200 crimes a month (5%); 2021: 20 of 100 (20%).
    frame = series_frame([10] * 12 + [20] * 12, denominator=[200] * 12 + [100] * 12)
    result = analysed(kpi, frame)
    assert result.measure == "share"
    ev = plan_evidence(result, share, plan, data_to="2021-12")
    # January to March 2020: 30 of 600 = 5%; January to March 2021: 60 of 300 = 20%.
    assert ev["baseline_per_month"] == pytest.approx(5.0)
    assert ev["recent_per_month"] == pytest.approx(20.0)
    assert ev["rate_ratio"] == pytest.approx(4.0) and ev["change_pct"] == pytest.approx(300.0)
    # Newcombe: Wilson intervals 15.87% to 24.89% (60/300) and 3.52% to 7.05% (30/600);
    # the difference 15 points has lower limit 15 - sqrt(4.13^2 + 2.05^2) = 10.4 > 0:
    # significant, and higher is better. The verdict comes from the interval (no p).
    assert ev["change"] == "better" and pd.isna(ev["p_value"])
    # SPC: 12 points of 5%, then 12 of 20% above the mean of 12.5% (a run): improvement.
    assert ev["variation"] == "special_cause_improvement"


def test_a_plan_tied_to_one_force_grades_no_other_force():
    raw = small_plan(
        baseline={"start": "2020-01", "end": "2020-03", "label": "January to March 2020"},
        force="Testshire Police",
    )
    plan = validate_plan(raw, file="plan.yaml", kpis_path=NO_REGISTRY)
    robbery = registry_kpi("robbery", name="Robbery")
    # The hand-worked robbery evidence above grades outstanding for the plan's own force.
    own = {("robbery", "Testshire Police"): analysed(robbery, series_frame(STEP))}
    g = plan_grades(own, ["Testshire Police"], plan, data_to="2021-12", force="Testshire Police")
    assert g.set_index("kpi").loc["robbery", "grade"] == "outstanding"
    # The same series for another force: nothing graded against a plan it does not have.
    other = {("robbery", "Otherland Police"): analysed(robbery, series_frame(STEP))}
    g = plan_grades(other, ["Otherland Police"], plan, data_to="2021-12", force="Otherland Police")
    assert set(g["grade"]) == {NOT_GRADED} and not g["capped"].any()
    assert set(g["reason"]) == {
        "Not graded: the Police and Crime Plan held is Testshire Police's, not Otherland Police's."
    }
    assert g.set_index("kpi").loc["robbery", "change"] == "better"  # the evidence is kept


def test_the_cycles_rebase_keeps_a_lockdown_dip_out_of_the_limits_the_plan_grades_on():
    # Jan-Mar 2021 at 50 (a lockdown dip), then Apr-Dec around 100.
    values = [50, 50, 50, 100, 102, 98, 101, 99, 100, 102, 98, 101]
    base = {"start": "2021-01", "end": "2021-03", "label": "January to March 2021"}
    plan = validate_plan(small_plan(baseline=base), file="p.yaml", kpis_path=NO_REGISTRY)
    robbery = plan.themes[1].kpis[1]
    kpi = registry_kpi("robbery")
    # One set of limits over all 12 months: mean 1051/12 = 87.6 and the last nine points
    # are all above it, a shift of 7 or more; higher is worse for robbery: concern.
    whole = analysed(kpi, series_frame(values, start="2021-01"))
    assert plan_evidence(whole, robbery, plan, data_to="2021-12")["variation"] == (
        "special_cause_concern"
    )
    # Limits recalculated from April: mean 901/9 = 100.1, moving ranges 2,4,3,2,1,2,4,3
    # (mean 2.625), limits 100.1 +/- 6.98; no run of 7 on one side, no trend: December
    # is common cause. The plan reads the assessment's reading, whatever it is.
    later = analysed(kpi, series_frame(values, start="2021-01"), rebase="2021-04")
    ev = plan_evidence(later, robbery, plan, data_to="2021-12")
    assert ev["variation"] == "common_cause" == later.summary.latest_point_type


def test_plan_grades_never_grade_synthetic_kpis_and_list_every_plan_kpi():
    plan = evidence_plan()
    burglary = registry_kpi("burglary")
    robbery = registry_kpi("robbery", name="Robbery")
    results = {
        ("burglary", "Testshire"): analysed(burglary, series_frame(STEP)),
        ("robbery", "Testshire"): analysed(robbery, series_frame(STEP, synthetic=True)),
        ("robbery", "Realshire"): analysed(robbery, series_frame(STEP), area="Realshire"),
    }
    g = plan_grades(results, ["Testshire", "Realshire"], plan, data_to="2021-12")
    assert list(g.columns) == GRADE_COLUMNS
    test = g[g["area"] == "Testshire"].set_index("kpi")
    assert test.index.tolist() == ["violence_sexual_offences", "rape", "burglary", "robbery"]
    # Burglary's own baseline, December 2019 to February 2020, is not in the data (they
    # start in January 2020): no change signal; the special-cause improvement gives "good".
    assert test.loc["burglary", "grade"] == "good"
    # 2021 (900 offences) against 2020 (1,260) is better, so the latest-year check passes.
    assert test.loc["burglary", "reason"] == (
        "Good: the latest month shows special-cause improvement; the latest 12 months (Jan to "
        "Dec 2021) are significantly better than the 12 months before (Jan to Dec 2020), so "
        "they do not lower the grade."
    )
    # Robbery has the hand-worked evidence above (outstanding), but here it is counted in
    # the synthetic extract: never graded, and the reason says why; the evidence is shown.
    assert test.loc["robbery", "grade"] == NOT_GRADED and test.loc["robbery", "synthetic"]
    assert test.loc["robbery", "reason"] == SYNTHETIC_NOT_GRADED
    assert test.loc["robbery", "change"] == "better"
    real = g[(g["area"] == "Realshire") & (g["kpi"] == "robbery")].iloc[0]
    assert real["grade"] == "outstanding" and not real["synthetic"]
    assert test.loc["violence_sexual_offences", "reason"] == (
        "Not graded: no evidence was supplied for this KPI."
    )
    assert test.loc["rape", "reason"].startswith("Monitored, not graded")


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


# ------------------------------------------------------------------ the latest-year check
# A grade must not be good (or outstanding) while the latest 12 months are significantly
# worse than the 12 months before: it is held at the plan's `latest_year.cap` (adequate),
# and the reason gives both comparisons and says which set the grade.

VEHICLE = {
    "variation": "common_cause",
    "change": "better",
    "assurance": "none",
    "baseline": "December 2019 to February 2020, before the pandemic",
    "recent_period": "Dec 2021 to Feb 2022",
    "latest_year_period": "Nov 2021 to Oct 2022",
    "previous_year_period": "Nov 2020 to Oct 2021",
}


def test_a_good_grade_whose_latest_year_is_worse_is_held_at_adequate():
    rules = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    g, reason = grade({**VEHICLE, "latest_year": "worse"}, rules)
    assert g == "adequate"
    assert reason == (
        "Adequate: the latest 12 months (Nov 2021 to Oct 2022) are significantly worse than "
        "the 12 months before (Nov 2020 to Oct 2021), so the grade is held at adequate; the "
        "plan's rules alone would give good, because the latest matching months (Dec 2021 "
        "to Feb 2022) are significantly better than December 2019 to February 2020, before "
        "the pandemic."
    )


def test_an_outstanding_grade_whose_latest_year_is_worse_is_held_at_adequate():
    rules = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    evidence = {**VEHICLE, "variation": "special_cause_improvement", "latest_year": "worse"}
    g, reason = grade(evidence, rules)
    assert g == "adequate"
    assert "the plan's rules alone would give outstanding" in reason


def test_the_cap_names_lockdown_months_in_the_year_before():
    rules = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    evidence = {
        **VEHICLE,
        "latest_year": "worse",
        "latest_year_pct": 37.6,
        "previous_year_lockdown": "Nov 2020 to Jul 2021",
    }
    _, reason = grade(evidence, rules)
    assert reason.endswith(
        " The 12 months before include Nov 2020 to Jul 2021, under Covid-19 restrictions, so "
        "part of the rise may be recovery from lockdown."
    )


@pytest.mark.parametrize(
    ("latest", "expected_end"),
    [
        (
            "no_significant_change",
            "; the latest 12 months (Nov 2021 to Oct 2022) are not significantly different "
            "from the 12 months before (Nov 2020 to Oct 2021), so they do not lower the grade.",
        ),
        (
            "better",
            "; the latest 12 months (Nov 2021 to Oct 2022) are significantly better than the "
            "12 months before (Nov 2020 to Oct 2021), so they do not lower the grade.",
        ),
        (None, "; the latest 12 months could not be compared with the 12 months before."),
        (float("nan"), "; the latest 12 months could not be compared with the 12 months before."),
    ],
)
def test_a_good_grade_stands_when_the_latest_year_is_not_worse(latest, expected_end):
    rules = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    g, reason = grade({**VEHICLE, "latest_year": latest}, rules)
    assert g == "good"
    assert reason == (
        "Good: the latest matching months (Dec 2021 to Feb 2022) are significantly better "
        "than December 2019 to February 2020, before the pandemic" + expected_end
    )


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        # the rules give adequate: the check cannot lower it, and says nothing
        ({"variation": "common_cause", "change": "no_significant_change"}, "adequate"),
        ({"variation": "common_cause", "change": "worse"}, "requires improvement"),
        ({"variation": "special_cause_concern", "change": "worse"}, "inadequate"),
    ],
)
def test_a_grade_of_adequate_or_below_is_left_alone(evidence, expected):
    rules = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    with_check = grade({**evidence, "latest_year": "worse"}, rules)
    assert with_check == grade(evidence, rules)
    assert with_check[0] == expected


def test_the_cap_is_set_in_the_plan_file():
    raw = small_plan(latest_year={"cap": "requires improvement"})
    plan = validate_plan(raw, file="plan.yaml", kpis_path=NO_REGISTRY)
    assert grade({**VEHICLE, "latest_year": "worse"}, plan)[0] == "requires improvement"
    # without the key: adequate
    assert validate_plan(small_plan(), file="p", kpis_path=NO_REGISTRY).latest_year.cap == (
        "adequate"
    )


@pytest.mark.parametrize("cap", ["good", "outstanding", "fair"])
def test_a_cap_that_would_let_good_through_is_an_error(cap):
    with pytest.raises(ParamsError, match=r"latest_year\.cap"):
        validate_plan(small_plan(latest_year={"cap": cap}), file="plan.yaml", kpis_path=NO_REGISTRY)


def test_an_unknown_latest_year_value_is_an_error():
    rules = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    with pytest.raises(ValueError, match="latest_year='down'"):
        grade({**VEHICLE, "latest_year": "down"}, rules)


def test_grade_table_says_which_grades_the_latest_year_capped():
    plan = validate_plan(small_plan(), file="plan.yaml", kpis_path=NO_REGISTRY)
    evidence = pd.DataFrame(
        {
            "kpi": ["burglary", "robbery", "violence_sexual_offences"],
            "variation": ["common_cause"] * 3,
            "change": ["better", "better", "no_significant_change"],
            "assurance": ["none"] * 3,
            "latest_year": ["worse", "no_significant_change", "worse"],
        }
    )
    out = grade_table(evidence, plan).set_index("kpi")
    assert out["grade"].to_dict() == {
        "violence_sexual_offences": "adequate",
        "rape": NOT_GRADED,
        "burglary": "adequate",
        "robbery": "good",
    }
    assert out["capped"].to_dict() == {
        "violence_sexual_offences": False,
        "rape": False,
        "burglary": True,
        "robbery": False,
    }


# By hand: January to March 2020 at 150 a month, then 60 a month (lockdown); 2021 at 100 a
# month to March, then 105 and 115 in turn. Like for like, January to March 2021 (300)
# against January to March 2020 (450): -33.3%, significantly better, so "good" on the
# rules. The latest 12 months, 2021: 300 + 4 x 220 + 105 = 1,285, against 2020: 450 + 540
# = 990, +29.8%, significantly worse: held at adequate. 2020 holds lockdown months from
# March (the first national lockdown).
WINTER_BETTER_YEAR_WORSE = [150] * 3 + [60] * 9 + [100] * 3 + [105, 115] * 4 + [105]


def test_plan_grades_hold_a_kpi_better_than_its_winter_but_worse_than_last_year():
    plan = evidence_plan()
    result = analysed(
        registry_kpi("robbery"), series_frame(WINTER_BETTER_YEAR_WORSE), rebase="2021-04"
    )
    ev = latest_year_evidence(result, plan.themes[1].kpis[1])
    assert (ev["latest_year_count"], ev["previous_year_count"]) == (1285, 990)
    assert ev["latest_year_pct"] == pytest.approx(29.80, abs=0.01)
    assert ev["latest_year"] == "worse"
    assert (ev["latest_year_period"], ev["previous_year_period"]) == (
        "Jan to Dec 2021",
        "Jan to Dec 2020",
    )
    assert ev["previous_year_lockdown"] == "Mar to Dec 2020"
    g = plan_grades({("robbery", "Testshire"): result}, ["Testshire"], plan, data_to="2021-12")
    row = g.set_index("kpi").loc["robbery"]
    assert row["change_pct"] == pytest.approx(-33.33, abs=0.01)
    assert row["change"] == "better" and row["variation"] == "common_cause"
    assert row["grade"] == "adequate" and bool(row["capped"])
    assert row["reason"].startswith(
        "Adequate: the latest 12 months (Jan to Dec 2021) are significantly worse than the "
        "12 months before (Jan to Dec 2020), so the grade is held at adequate; the plan's "
        "rules alone would give good"
    )
    assert "include Mar to Dec 2020, under Covid-19 restrictions" in row["reason"]


def test_a_monitored_kpi_has_no_latest_year_signal():
    plan = evidence_plan()
    result = analysed(registry_kpi("rape"), series_frame(WINTER_BETTER_YEAR_WORSE))
    ev = latest_year_evidence(result, plan.themes[0].kpis[1])
    assert ev["latest_year"] is None and ev["latest_year_count"] == 1285
