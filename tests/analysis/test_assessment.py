"""The assessment's building blocks on hand-made series: SPC, baselines, shares, and the
national and peer comparison (scrutiny.analysis.assessment and scrutiny.analysis.peers)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import hand_kpi as _kpi
from conftest import hand_series as _series
from scrutiny import config, provenance
from scrutiny.analysis import assessment
from scrutiny.analysis import peers as peers_mod
from scrutiny.analysis.kpis import Definition, Denominator, ExtractFilter
from scrutiny.analysis.method import Method
from scrutiny.data import DataSources
from scrutiny.stats.compare import PeerGroup

# -------------------------------------------------------------------------------- helpers


def test_window_starts_no_earlier_than_the_data():
    assert assessment.window("2019-12", "2022-10", 36) == "2019-12"  # 36 months would start 2019-11
    assert assessment.window("2019-12", "2022-10", 12) == "2021-11"  # Nov 2021 .. Oct 2022
    with pytest.raises(ValueError, match="months"):
        assessment.window("2019-12", "2022-10", 0)


def test_measure_of_share_and_count():
    share = _kpi(
        "charged",
        definition=Definition(police_uk_categories=["Burglary"], outcomes=["Offender fined"]),
        denominator=Denominator(kind="kpi", kpi="burglary", per=100),
        direction="increase",
    )
    assert assessment.measure_of(share) == "share"
    assert assessment.measure_of(_kpi()) == "count"


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
    codes, why = peers_mod.home_office_codes(_kpi(), om)
    assert codes == ["28E", "30C"] and why == ""
    asb = _kpi("asb", definition=Definition(police_uk_categories=["Anti-social behaviour"]))
    assert peers_mod.home_office_codes(asb, om) == (
        None,
        "anti-social behaviour incidents are not recorded crime",
    )
    knife = _kpi(
        "knife",
        definition=Definition(
            offence_codes=["8N"], extract_filter=ExtractFilter(knife_sharp_instrument=True)
        ),
    )
    assert peers_mod.home_office_codes(knife, om) == (
        None,
        "the Home Office force table has no knife sharp instrument flag",
    )
    charged = _kpi(
        "c", definition=Definition(police_uk_categories=["Burglary"], outcomes=["Offender fined"])
    )
    assert peers_mod.home_office_codes(charged, om)[0] is None
    coded = _kpi("h", definition=Definition(offence_codes=["8N"]))
    assert peers_mod.home_office_codes(coded, om) == (["8N"], "")


# -------------------------------------------------------------------------------- SPC, baselines


def test_a_step_up_in_a_lower_is_better_kpi_is_an_exception():
    # 12 months of 10 then 8 of 20: mean 14, the last 8 points all far above it.
    res = assessment.analyse_series(
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
    assert res.baseline_text("last_year") == "20 v 10 (+100%): no significant change"
    assert res.title == "Burglary: Blaby" and res.where == "in Blaby"


def test_the_same_step_is_an_improvement_when_higher_is_better():
    res = assessment.analyse_series(
        _kpi(direction="increase"),
        _series([10] * 12 + [20] * 8),
        area="F",
        is_force=True,
        end="2022-08",
    )
    assert res.variation == "improvement_high" and not res.is_exception


def test_missing_months_are_gaps_not_zeros():
    res = assessment.analyse_series(
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
    res = assessment.analyse_series(
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
    b = assessment.share_baselines(num, den, end="2022-12").set_index("baseline")
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
    short = assessment.share_baselines(num.iloc[12:], den.iloc[12:], end="2022-12")
    short = short.set_index("baseline")
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
    c = peers_mod.force_comparison(
        _kpi(),
        DataSources(force="Aforce Police"),
        peers,
        offence_map=om,
        home_office=_home_office(),
        overdispersion="none",
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


def test_force_comparison_allows_for_the_variation_between_forces():
    om = pd.DataFrame({"offence_code": ["28E"], "police_uk_category": ["Burglary"]})
    group = PeerGroup("Aforce", ["Bforce"], pd.DataFrame(index=["Aforce", "Bforce"]), [], [], "")
    c = peers_mod.force_comparison(
        _kpi(),
        DataSources(force="Aforce Police"),
        group,
        offence_map=om,
        home_office=_home_office(),
    )
    # Rates 1, 3 and 2 per 1,000 around 2.0: s = sqrt(2 x 1,000 / 100,000) = 0.14142, z = -7.071,
    # 7.071, 0; winsorised at the 10% and 90% quantiles: -5.657, 5.657, 0; phi = 64 / 3 =
    # 21.333; w = 50 each, sum w - sum w^2 / sum w = 100; tau^2 = (3 x 21.333 - 2) / 100 = 0.62.
    # Aforce: z = -1 / sqrt(0.02 + 0.62) = -1.25, p = 0.211: not significantly different.
    row = c.national
    assert row["p_value"] == pytest.approx(0.2113, abs=1e-4)
    assert row["verdict"] == "not significantly different" and row["adjusted"]
    assert "allowing for the usual variation between forces" in c.sentences()[0]
    assert "confidence interval" not in c.sentences()[0]
    # Against Bforce, phi 21.333: log(1/3) = -1.0986, se = sqrt(21.333 x (1/100 + 1/300)) =
    # 0.53333, z = -2.060, p = 0.0394: still significantly lower.
    assert c.peers.test.p_value == pytest.approx(0.0394, abs=1e-4)
    assert c.peers.verdict == "significantly lower"
    assert "combined rate of its 1 peer forces" in c.sentences()[1]


def test_no_comparator_says_why():
    om = pd.DataFrame({"offence_code": ["28E"], "police_uk_category": ["Burglary"]})
    asb = _kpi(
        "asb", name="ASB", definition=Definition(police_uk_categories=["Anti-social behaviour"])
    )
    c = peers_mod.force_comparison(
        asb, DataSources(force="Aforce"), None, offence_map=om, home_office=_home_office()
    )
    assert not c.available
    assert c.national_short() == "No comparator"
    assert c.sentences() == [
        "There is no force-level comparison for ASB: anti-social behaviour incidents are not "
        "recorded crime."
    ]


# -------------------------------------------------------------------------------- the assessment


def _assessment(grades: pd.DataFrame | None = None) -> assessment.Assessment:
    """Burglary for a force and one district, from hand-made series (2021-01 to 2022-08)."""
    from scrutiny.analysis.method import Method
    from scrutiny.data import DataQuality

    burglary = _kpi()
    flat = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 10, 9, 10, 11, 10, 12, 9, 10, 11, 10]
    step = [10] * 12 + [20] * 8
    results = {
        ("burglary", area): assessment.analyse_series(
            burglary, _series(v), area=area, is_force=area == "Force", end="2022-08"
        )
        for area, v in (("Force", flat), ("South", step))
    }
    return assessment.Assessment(
        sources=DataSources(force="Force"),
        data_to="2022-08",
        start="2021-01",
        rebase=None,
        method=Method(),
        registry={"burglary": burglary},
        districts=["South"],
        results=results,
        peers=None,
        peer_note="no other force",
        crimes_quality=DataQuality(),
        extract_quality=DataQuality(),
        grades=grades if grades is not None else pd.DataFrame(),
    )


def test_kpis_table_one_row_per_kpi_and_area_with_hand_counted_figures():
    kpis = _assessment().tables()["kpis"].set_index("area")
    assert list(kpis.index) == ["Force", "South"]
    assert list(kpis.columns) == [c for c in assessment.KPI_COLUMNS if c != "area"]
    south = kpis.loc["South"]
    # South: ten a month for 12 months, then 20: August 2022 is 20 against 10 a year before.
    assert south["latest_month"] == "2022-08" and south["latest_value"] == 20
    assert south["count_month_last_year"] == 10 and south["change_month_pct"] == 100
    # latest 12 months: Sep-Dec 2021 (4 x 10) and Jan-Aug 2022 (8 x 20) = 200; the 12 before
    # start before the data (January 2021), so there is no 12-month comparison.
    assert south["count_12m"] == 200
    assert np.isnan(south["count_prev_12m"])
    assert south["change_12m_verdict"] == "not available"
    assert south["variation"] == "concern_high" and bool(south["exception"])
    assert south["area_type"] == "district"
    force = kpis.loc["Force"]
    # Sep 2021 to Aug 2022 of the flat series: 10+11+10+9+10+11+10+12+9+10+11+10 = 123.
    assert force["count_12m"] == 123
    assert force["point_type"] == "common_cause" and not bool(force["exception"])
    assert force["spc_sentence"].startswith("Burglary for Force shows common-cause variation")


def test_spc_table_rows_are_the_months_with_their_limits():
    a = _assessment()
    t = a.spc_table("burglary", "South")
    assert len(t) == 20 and t["month"].iloc[0] == pd.Timestamp("2021-01-01")
    assert (t["kpi"] == "burglary").all() and (t["area"] == "South").all()
    assert t["value"].iloc[-1] == 20 and t["point_type"].iloc[-1] == "special_cause_concern"
    long = a.tables()["spc"]
    pd.testing.assert_frame_equal(
        long[long["area"] == "South"].reset_index(drop=True), t.reset_index(drop=True)
    )


def test_synthetic_concern_is_never_an_exception():
    a = _assessment()
    r = a.result("burglary", "South")
    r.series = r.series.assign(synthetic=True)
    assert r.signals_exception and not r.is_exception


def test_write_and_read_round_trip(tmp_path):
    a = _assessment()
    out = a.write(tmp_path / "assessment")
    names = {p.name for p in out.iterdir()}
    for table in ("kpis", "spc", "baselines", "comparisons", "grades", "peers"):
        assert {f"{table}.parquet", f"{table}.csv"} <= names
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left
    kpis = pd.read_parquet(out / "kpis.parquet")
    assert kpis.loc[kpis["area"] == "South", "count_12m"].item() == 200
    csv = pd.read_csv(out / "kpis.csv")
    assert csv.loc[csv["area"] == "Force", "count_12m"].item() == 123
    meta = json.loads((out / "meta.json").read_text())
    assert meta["data_to"] == "2022-08" and meta["method"]["spc_rebase"] == "2021-08"
    again = assessment.read(out)
    assert again.result("burglary", "South").summary == a.result("burglary", "South").summary
    # writing again replaces the folder whole
    a.write(out)
    assert {p.name for p in out.iterdir()} == names


def test_get_computes_once_then_reads_the_cache_and_records_the_inputs(
    tmp_path, monkeypatch, private_cache
):
    data = tmp_path / "street.csv"
    data.write_text("Crime ID\n", encoding="utf-8")
    calls = []

    def fake_assess(sources, **kw):
        calls.append(kw["data_to"])
        provenance.record_input(data, description="made-up street file")
        return _assessment()

    monkeypatch.setattr(assessment, "assess", fake_assess)
    monkeypatch.setattr(assessment, "load_registry", lambda path: {})
    monkeypatch.setattr(assessment.plan_mod, "load_plan", lambda path, kpis_path: None)
    src = DataSources(force="Force", street_crime=str(data))
    first = assessment.get(src, data_to="2022-08")
    assert calls == ["2022-08"] and first.inputs[0]["description"] == "made-up street file"
    # the cache keeps the object and its meta.json only: the tables are for publishing
    (cached,) = [p for p in (config.CACHE_DIR / "assessment").iterdir() if p.is_dir()]
    assert {p.name for p in cached.iterdir()} == {"assessment.pkl", "meta.json"}
    provenance._RECORDS.clear()
    second = assessment.get(src, data_to="2022-08")
    assert calls == ["2022-08"]  # not computed again
    assert [r.description for r in provenance.recorded_inputs()] == ["made-up street file"]
    assert second.result("burglary", "South").summary.latest_value == 20
    # another data_to, another method or changed data: computed again
    assessment.get(src, data_to="2022-07")
    assessment.get(src, data_to="2022-08", method=Method(spc_rebase=None))
    data.write_text("Crime ID\nx\n", encoding="utf-8")
    assessment.get(src, data_to="2022-08")
    assert calls == ["2022-08", "2022-07", "2022-08", "2022-08"]


def test_cycle_method_block_is_validated_and_read(tmp_path):
    from scrutiny.analysis.board import CycleError, load_cycle

    text = (
        'cycle: "2022-11"\ntitle: t\nmeeting_date: 2022-11-23\ndata_to: "2022-10"\n'
        'method:\n  months: 24\n  spc_rebase: "2021-09"\n'
    )
    f = tmp_path / "2022-11.yaml"
    f.write_text(text, encoding="utf-8")
    assert assessment.method_of(f) == Method(months=24, spc_rebase="2021-09", alpha=0.05)
    f.write_text(text + "  rebase: x\n", encoding="utf-8")
    with pytest.raises(CycleError, match=r"method\.rebase: unknown key 'rebase'; did you mean"):
        load_cycle(f)
    assert assessment.method_of("") == Method()


def test_a_kpi_can_set_its_own_rebase():
    from scrutiny.analysis.method import KpiMethod, rebase_for

    assert rebase_for(Method(spc_rebase="2021-08"), KpiMethod(spc_rebase="2022-01")) == "2022-01"
    assert rebase_for(Method(spc_rebase="2021-08"), KpiMethod()) == "2021-08"
    assert rebase_for(Method(spc_rebase="2021-08"), KpiMethod(spc_rebase="none")) is None


def test_plan_evidence_takes_the_spc_reading_and_tests_the_plans_baseline(tmp_path):
    from scrutiny.analysis import plan as plan_mod

    plan = plan_mod.validate_plan(
        {
            "plan": "p",
            "area": "a",
            "baseline": {"start": "2021-01", "end": "2021-06", "label": "January to June 2021"},
            "themes": [
                {"id": "t", "title": "T", "kpis": [{"kpi": "burglary", "direction": "lower"}]}
            ],
            "rules": [
                {"grade": "good", "when": [{"change": ["better"]}]},
                {"grade": "inadequate", "when": [{"change": ["worse"]}]},
                {"grade": "adequate", "when": [{}]},
            ],
        },
        file="plan.yaml",
        kpis_path=tmp_path / "no-registry.yaml",
    )
    a = _assessment()
    r = a.result("burglary", "South")
    row = assessment.plan_evidence(r, plan.themes[0].kpis[0], plan, data_to="2022-08")
    # Jan-Jun 2022 (the baseline's months a year on) 6 x 20 = 120 against Jan-Jun 2021, 60: the
    # rate ratio is 2; the exact conditional test, 120 of 180 with p = 1/2, gives p < 1e-5.
    assert row["recent"] == 120 and row["recent_per_month"] == 20
    assert row["baseline_per_month"] == 10 and row["rate_ratio"] == 2
    assert row["p_value"] < 1e-5 and row["change"] == "worse"
    assert row["variation"] == r.summary.latest_point_type == "special_cause_concern"
    grades = assessment.plan_grades(a.results, ["Force", "South"], plan, data_to="2022-08")
    south = grades[grades["area"] == "South"].iloc[0]
    assert south["grade"] == "inadequate" and not south["synthetic"]


def test_change_tests_allow_for_the_series_own_dispersion():
    # 24 months (Nov 2020 to Oct 2022) alternating 180 and 220, the last one 280.
    counts = [180, 220] * 11 + [180, 280]
    s = _series(counts, start="2020-11")
    r = assessment.analyse_series(_kpi(), s, area="Force", is_force=True, end="2022-10")
    # moving ranges: 22 of 40 and one of 100: mean 42.609, sigma 42.609 / 1.128 = 37.774;
    # mean 4,860 / 24 = 202.5; phi = 37.774^2 / 202.5 = 7.046.
    assert r.baselines.attrs["phi"] == pytest.approx(7.046, abs=1e-3)
    last = r.baselines.set_index("baseline").loc["Same period last year"]
    # Oct 2022 280 against Oct 2021 220: log(280/220) = 0.24116, se = sqrt(7.046 x (1/280 +
    # 1/220)) = 0.23915, z = 1.008, p = 0.313: no significant change.
    assert last["p_value"] == pytest.approx(0.313, abs=1e-3)
    assert last["verdict"] == "no significant change"
    # and the SPC agrees: 280 is inside the upper limit 202.5 + 2.66 x 42.609 = 315.8
    assert r.summary.upl == pytest.approx(315.84, abs=0.01)
    assert r.summary.latest_point_type == "common_cause"
    # the exact Poisson test alone would have called it significant (p < 0.01)
    exact = assessment.analyse_series(
        _kpi(), s, area="Force", is_force=True, end="2022-10", method=Method(overdispersion="none")
    )
    plain = exact.baselines.set_index("baseline").loc["Same period last year"]
    assert plain["p_value"] < 0.01 and plain["verdict"] == "significant increase"


def test_too_few_to_judge_no_icon_exception_or_change_verdict():
    # Homicide-like: 0 or 1 a month, the latest month 3 (far above a mean of about 0.5).
    counts = [0, 1] * 11 + [0, 3]
    s = _series(counts, start="2020-11")
    kpi = _kpi("homicide", name="Homicide")
    r = assessment.analyse_series(kpi, s, area="Blaby", is_force=False, end="2022-10")
    # mean 14 / 24 = 0.583 a month, below the default minimum of 10
    assert r.expected == pytest.approx(14 / 24) and r.too_few
    assert r.variation == "too_few" and r.assurance is None
    assert not r.signals_exception and not r.is_exception
    assert r.spc_sentence().startswith(
        "Homicide in Blaby: about 0.6 offences a month on average, too few to judge"
    )
    assert r.spc_sentence().endswith("; 3 offences in October 2022.")
    last = r.baselines.set_index("baseline").loc["Same period last year"]
    assert last["verdict"] == "too few to judge"  # 3 against 0 in October 2021
    roll = r.baselines.set_index("baseline").loc["Previous 12 months"]
    # Nov 2021 to Oct 2022: 0,1 x 5 + 0,3 = 8 against Nov 2020 to Oct 2021: 6: both below 10
    assert (roll["current_count"], roll["baseline_count"]) == (8, 6)
    assert roll["verdict"] == "too few to judge"
    # the same series with the minimum at 0 is judged
    judged = assessment.analyse_series(
        kpi, s, area="Blaby", is_force=False, end="2022-10", method=Method(min_expected=0)
    )
    assert not judged.too_few and judged.variation != "too_few"


def test_plan_grades_compare_like_for_like_months_with_the_series_dispersion(tmp_path):
    from scrutiny.analysis import plan as plan_mod

    # 36 months, Nov 2019 to Oct 2022: 100 a month, except Dec, Jan and Feb at 150.
    months = pd.period_range("2019-11", "2022-10", freq="M")
    counts = [150 if m.month in (12, 1, 2) else 100 for m in months]
    s = _series(counts, start="2019-11")
    r = assessment.analyse_series(_kpi(), s, area="Force", is_force=True, end="2022-10")
    plan = plan_mod.validate_plan(
        {
            "plan": "p",
            "area": "a",
            "baseline": {"start": "2019-12", "end": "2020-02", "label": "winter 2019-20"},
            "themes": [
                {"id": "t", "title": "T", "kpis": [{"kpi": "burglary", "direction": "lower"}]}
            ],
            "rules": [
                {"grade": "good", "when": [{"change": ["better"]}]},
                {"grade": "adequate", "when": [{}]},
            ],
        },
        file="plan.yaml",
        kpis_path=tmp_path / "none.yaml",
    )
    row = assessment.plan_evidence(r, plan.themes[0].kpis[0], plan, data_to="2022-10")
    # Like for like: December 2021 to February 2022 (3 x 150) against December 2019 to
    # February 2020 (3 x 150): no change. The latest 12 months (mean 112.5) against the
    # winter baseline (150) would have read as a 25% fall.
    assert row["recent_period"] == "Dec 2021 to Feb 2022"
    assert row["recent"] == 450 and row["recent_per_month"] == 150
    assert row["baseline_per_month"] == 150 and row["change_pct"] == 0
    assert row["change"] == "no_significant_change"


def test_a_one_point_series_gets_no_icon():
    r = assessment.analyse_series(
        _kpi(), _series([500], start="2022-10"), area="Force", is_force=True, end="2022-10"
    )
    # 500 a month is plenty, but one point has no limits: nothing to judge
    assert r.expected == 500 and r.too_few and r.variation == "too_few"


def test_a_force_with_fewer_months_than_the_outcome_lag(testshire, private_cache):
    # Testshire has four months (January to April 2022, March missing); outcomes mature over
    # seven months, so no month of the charged share is mature: it is assessed on its first
    # month alone, which is too few to judge, and nothing fails.
    a = assessment.assess(testshire, data_to="2022-04")
    r = a.result("charged_share")
    assert r.provisional_from == "2022-02" and len(r.series) == 1
    assert r.too_few and not r.is_exception


def test_a_force_is_not_graded_against_another_forces_plan(testshire, private_cache):
    # params/plan.yaml is Leicestershire's plan (its `force:`); Testshire is another force.
    a = assessment.assess(testshire, data_to="2022-04")
    assert a.force == "Testshire Police"
    assert set(a.grades["grade"]) == {"not graded"}
    assert set(a.grades["reason"]) == {
        "Not graded: the Police and Crime Plan held is Leicestershire Police's, not Testshire "
        "Police's."
    }
    assert (
        "No KPI is graded: the Police and Crime Plan held (Police and Crime Plan 2021-25, "
        "Leicester, Leicestershire and Rutland) is Leicestershire Police's, not Testshire "
        "Police's. Give this force its own plan file (the plan_file parameter) to grade its KPIs."
    ) in a.notes
