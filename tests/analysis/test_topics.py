"""One topic in depth (scrutiny.analysis.topics): the deep dive's statistics on hand-made
frames, and a topic read on the hand-made Testshire force exactly as the assessment reads a
KPI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scrutiny.analysis import assessment, topics
from scrutiny.analysis.kpis import load_registry
from scrutiny.analysis.method import Method
from scrutiny.analysis.peers import Comparison
from scrutiny.data.extract import OUTCOMES
from scrutiny.stats import spc, trends
from scrutiny.stats.concentration import concentration

# Testshire (tests/data/fixtures): 19 five-year age bands of 1,100 people in Northtown and 500
# in Southvale in 2022.
NORTHTOWN_2022 = 19 * 1100
SOUTHVALE_2022 = 19 * 500


# -------------------------------------------------------------------------------- concentration


def test_concentration_sentence_with_counts_and_chance():
    c = concentration(pd.Series([40] + [0] * 24, index=[f"L{i}" for i in range(25)]))
    text = topics.concentration_sentence(c, "robbery", "in Testtown")
    # 10% of 25 LSOAs rounded up = 3; they hold all 40 offences; 24 LSOAs hold none
    assert text.startswith(
        "The busiest 10% of neighbourhoods (LSOAs: 3 of 25) hold 100% of robbery in Testtown "
        "(40 of 40). Spread at random over the LSOAs, the same number would put about "
    )
    assert text.endswith("24 LSOAs recorded none.")
    one = concentration(pd.Series([3, 1, 0]), simulations=0)
    assert topics.concentration_sentence(one, "robbery", "in A") == (
        "The busiest 10% of neighbourhoods (LSOAs: 1 of 3) hold 75% of robbery in A (3 of 4). "
        "1 LSOA recorded none."
    )
    none = concentration(pd.Series([0, 0]))
    assert topics.concentration_sentence(none, "robbery", "in A") == (
        "No robbery with a known LSOA in A, so concentration cannot be measured."
    )


def test_lsoa_counts_keep_lsoas_with_none():
    lsoas = pd.DataFrame(
        {"lsoa_code": ["E1", "E2", "E3"], "lsoa_name": ["A 1", "A 2", "A 3"], "district": "A"}
    )
    records = pd.DataFrame({"lsoa_code": ["E2", "E2", "E1", None]})
    out = topics.lsoa_counts(records, lsoas)
    expected = pd.DataFrame(
        {
            "lsoa_code": ["E2", "E1", "E3"],
            "lsoa_name": ["A 2", "A 1", "A 3"],
            "district": "A",
            "count": np.array([2, 1, 0], dtype="int64"),
        }
    )
    pd.testing.assert_frame_equal(out, expected)


# -------------------------------------------------------------------------------- rates, funnels


def _two_districts() -> pd.DataFrame:
    records = pd.DataFrame({"district": ["A"] * 300 + ["B"] * 100 + [None] * 5})
    return topics.district_rates(records, pd.Series({"A": 100_000, "B": 100_000}))


def test_district_rates_against_the_force():
    r = _two_districts()
    # force-wide (districts together): 400 / 200,000 = 2.0 per 1,000; A 3.0, B 1.0
    assert list(r.index) == ["A", "B"]
    assert r.loc["A", "rate"] == pytest.approx(3.0)
    assert r.loc["B", "rate"] == pytest.approx(1.0)
    assert r.loc["A", "national_rate"] == pytest.approx(2.0)
    assert r.loc["A", "verdict"] == "significantly higher"
    assert r.loc["B", "verdict"] == "significantly lower"
    # Two districts are too few to estimate over-dispersion: the exact Poisson verdicts.
    assert not r["adjusted"].any()


def test_district_rates_allow_for_districts_varying_more_than_chance():
    # Four districts of 100,000 with 100, 200, 300 and 400 offences: force-wide rate 2.5 per
    # 1,000, Poisson standard error s = sqrt(2.5 x 1,000 / 100,000) = 0.1581 for each, so
    # z = -9.487, -3.162, 3.162, 9.487. Winsorised at the 10th and 90th percentiles
    # (linear: -9.487 + 0.3 x 6.325 = -7.589, and 7.589): phi = (2 x 7.589^2 + 2 x 3.162^2)
    # / 4 = 33.8. Weights w = 1 / s^2 = 40: tau^2 = (4 x 33.8 - 3) / (160 - 6,400 / 160)
    # = 1.1017. District D: z = (4 - 2.5) / sqrt(0.025 + 1.1017) = 1.413, p = 0.158.
    records = pd.DataFrame({"district": ["A"] * 100 + ["B"] * 200 + ["C"] * 300 + ["D"] * 400})
    pops = pd.Series(100_000, index=["A", "B", "C", "D"])
    r = topics.district_rates(records, pops)
    assert r["adjusted"].all()
    assert r.loc["D", "p_value"] == pytest.approx(0.158, abs=5e-4)
    assert set(r["verdict"]) == {"not significantly different"}
    # Exact Poisson (overdispersion "none"): 400 against 250 expected is far beyond chance.
    exact = topics.district_rates(records, pops, overdispersion="none")
    assert not exact["adjusted"].any()
    assert exact.loc["D", "verdict"] == "significantly higher"


def test_district_rates_use_the_significance_level_given():
    # 110 v 100 expected (rates 1.1 and 0.9 against 1.0): p is about 0.33 either way, so
    # "not significantly different" at 5% and significant at 50%.
    records = pd.DataFrame({"district": ["A"] * 110 + ["B"] * 90})
    pops = pd.Series({"A": 100_000, "B": 100_000})
    assert set(topics.district_rates(records, pops)["verdict"]) == {"not significantly different"}
    loose = topics.district_rates(records, pops, alpha=0.5)
    assert list(loose["verdict"]) == ["significantly higher", "significantly lower"]


def test_no_offence_in_any_district_gives_zero_rates_and_no_funnel():
    records = pd.DataFrame({"district": [None, None]})  # both outside the force's districts
    r = topics.district_rates(records, pd.Series({"A": 1000, "B": 2000}))
    assert r["rate"].tolist() == [0.0, 0.0] and r["national_rate"].tolist() == [0.0, 0.0]
    assert set(r["verdict"]) == {"not significantly different"}
    # Garwood's upper limit for 0 events is chi2(0.975; 2) / 2 = -ln(0.025) = 3.689
    assert r.loc["A", "upper"] == pytest.approx(-np.log(0.025) / 1000 * 1000)
    assert topics.district_funnel(r) is None


def test_district_funnel_is_centred_on_the_force_wide_rate():
    f = topics.district_funnel(_two_districts())
    assert f.index.name == "District"
    assert f["target_rate"].tolist() == pytest.approx([2.0, 2.0])
    # Expected 200 in each district; the 99.8% limits are about 200 +/- 3.09 x sqrt(200),
    # i.e. 156 to 244 (1.56 to 2.44 per 1,000): 300 and 100 lie beyond them.
    assert f.loc["A", "band"] == "above 99.8% limit"
    assert f.loc["B", "band"] == "below 99.8% limit"
    assert 1.5 < f.loc["A", "lower_99_8"] < 1.6 and 2.4 < f.loc["A", "upper_99_8"] < 2.5


def _four_districts() -> pd.DataFrame:
    return topics.district_rates(_four_districts_records(), pd.Series(100_000, index=list("ABCD")))


def test_district_funnel_limits_allow_for_over_dispersion_as_the_verdicts_do():
    # Four districts of 100,000, counts 200, 200, 260, 140: force-wide 2.0 per 1,000;
    # s = sqrt(2 x 1,000 / 100,000) = 0.141421; z = 0, 0, +4.2426, -4.2426.
    # Winsorised (10% and 90% quantiles, linear) at -/+2.96985: phi = 2 x 8.82 / 4 = 4.41;
    # w = 50 each, sum w - sum w^2 / sum w = 200 - 50 = 150;
    # tau^2 = (4 x 4.41 - 3) / 150 = 0.0976; spread = sqrt(0.02 + 0.0976) = 0.342929.
    # 95% upper limit 2 + 1.959964 x 0.342929 = 2.67213; 99.8%: 2 + 3.090232 x 0.342929.
    r = _four_districts()
    assert r["adjusted"].all()
    f = topics.district_funnel(r)
    assert f["phi"].iloc[0] == pytest.approx(4.41, rel=1e-4)
    assert f["tau2"].iloc[0] == pytest.approx(0.0976, rel=1e-4)
    assert f.loc["C", "upper_95"] == pytest.approx(2.67213, abs=1e-4)
    assert f.loc["C", "upper_99_8"] == pytest.approx(2 + 3.090232 * 0.342929, abs=1e-4)
    # C (2.6) is far beyond the Poisson limits (2 + 3.09 x 0.1414 = 2.44) but within the
    # adjusted 95% limit, and the verdict (z = 0.6 / 0.342929 = 1.75, p = 0.08) agrees.
    assert f.loc["C", "band"] == "within 95% limits"
    assert r.loc["C", "verdict"] == "not significantly different"
    for name in r.index:
        beyond = f.loc[name, "band"] != "within 95% limits"
        assert beyond == (r.loc[name, "verdict"] != "not significantly different")
    # the cycle's method "none": exact Poisson limits and verdicts, C beyond 99.8%
    exact = topics.district_rates(
        _four_districts_records(), pd.Series(100_000, index=list("ABCD")), overdispersion="none"
    )
    fe = topics.district_funnel(exact, overdispersion="none")
    assert fe.loc["C", "band"] == "above 99.8% limit"
    assert (fe["limits_method"] == "none").all()


def _four_districts_records() -> pd.DataFrame:
    counts = {"A": 200, "B": 200, "C": 260, "D": 140}
    return pd.DataFrame({"district": [d for d, n in counts.items() for _ in range(n)]})


def test_force_funnel_leaves_the_city_of_london_off_but_in_the_national_rate():
    data = pd.DataFrame(
        {"count": [100.0, 300.0, 50.0], "population": [100_000.0, 100_000.0, 10_000.0]},
        index=pd.Index(["Northshire", "Southshire", "City of London"], name="force"),
    )
    rates = data.assign(national_rate=450 / 210_000 * 1000)
    comparison = Comparison("Robbery", True, force="Northshire", rates=rates)
    f = topics.force_funnel(comparison)
    assert list(f.index) == ["Northshire", "Southshire"] and f.index.name == "Force"
    assert f["target_rate"].tolist() == pytest.approx([450 / 210_000 * 1000] * 2)
    assert topics.force_funnel(Comparison("ASB", False, "not recorded crime")) is None


# -------------------------------------------------------------------------------- outcomes


def test_outcome_groups_and_charged_share():
    outcomes = pd.Series(
        [
            "Awaiting court outcome",
            "Offender fined",
            "Investigation complete; no suspect identified",
            "Unable to prosecute suspect",
            "Unable to prosecute suspect",
            None,
        ]
    )
    g = topics.outcome_groups(outcomes).set_index("group")
    # 6 crimes: 2 charged (33.3%), 1 no suspect (16.7%), 2 unable (33.3%), 1 no outcome
    assert g.loc["Charged or summonsed", "count"] == 2
    assert g.loc["Charged or summonsed", "share"] == pytest.approx(100 * 2 / 6)
    assert g.loc["No suspect identified", "share"] == pytest.approx(100 / 6)
    assert g.loc["Unable to prosecute suspect", "count"] == 2
    assert g.loc[topics.NO_OUTCOME, "count"] == 1
    assert g["count"].sum() == 6
    # Without crimes lacking an outcome, that group is left out.
    assert topics.NO_OUTCOME not in set(topics.outcome_groups(outcomes.dropna())["group"])


def test_every_police_uk_outcome_has_a_group():
    assert all(topics.outcome_group(o) != topics.NO_OUTCOME for o in OUTCOMES)


def test_charged_share_now_against_before():
    now = pd.Series(["Offender fined"] * 3 + ["Unable to prosecute suspect"] * 7)
    before = pd.Series(["Offender fined"] + ["Unable to prosecute suspect"] * 9)
    c = topics.charged_share(now, before)
    assert (c.now, c.now_total, c.before, c.before_total) == (3, 10, 1, 10)
    assert c.share == pytest.approx(30.0) and c.before_share == pytest.approx(10.0)
    # Shares compared as proportions (Newcombe's method 10, from Wilson intervals): Wilson
    # 95% for 3/10 is 0.1078 to 0.6032 and for 1/10 0.0179 to 0.4042, so the difference
    # 0.2 has the interval 0.2 - sqrt(0.1922^2 + 0.3042^2) = -0.160 to
    # 0.2 + sqrt(0.3032^2 + 0.0821^2) = 0.514: it includes no difference.
    assert c.test.difference == pytest.approx(0.2)
    assert c.test.lower == pytest.approx(-0.160, abs=5e-4)
    assert c.test.upper == pytest.approx(0.514, abs=5e-4)
    assert c.verdict == "no significant change"
    # Newcombe's (1998) own example, 56/70 against 48/80: 0.0524 to 0.3339, an increase.
    big = topics.charged_share(
        pd.Series(["Offender fined"] * 56 + ["Local resolution"] * 14),
        pd.Series(["Offender fined"] * 48 + ["Local resolution"] * 32),
    )
    assert (round(big.test.lower, 4), round(big.test.upper, 4)) == (0.0524, 0.3339)
    assert big.verdict == "significant increase"
    # The cycle's significance level is the one used.
    assert topics.charged_share(now, before, alpha=0.2).test.alpha == 0.2
    assert topics.charged_share(now).verdict == "not available"


def test_charged_by_district():
    records = pd.DataFrame(
        {
            "district": ["A", "A", "A", "A", "B", None],
            "outcome": [
                "Offender fined",
                "Local resolution",
                None,
                "Offender fined",
                "Local resolution",
                "Offender fined",
            ],
        }
    )
    out = topics.charged_by_district(records, ["A", "B", "C"])
    expected = pd.DataFrame(
        {
            "District": ["A", "B", "C"],
            "Crimes": [4, 1, 0],
            "Charged or summonsed": [2, 0, 0],
            "Share (%)": [50.0, 0.0, np.nan],
        }
    )
    pd.testing.assert_frame_equal(out, expected)


def test_all_crime_outcomes_leave_out_anti_social_behaviour():
    crimes = pd.DataFrame(
        {
            "month": pd.to_datetime(["2022-01-01", "2022-02-01", "2022-02-01", "2022-03-01"]),
            "crime_type": ["Robbery", "Anti-social behaviour", "Burglary", "Robbery"],
            "district": ["A", "A", "B", "A"],
            "last_outcome": ["Offender fined", None, "Local resolution", "Under investigation"],
        }
    )
    topic = topics.make_topic(categories=["Robbery"])
    force = topics.all_crime_outcomes(topic, crimes, None, "2022-01", "2022-02", None)
    assert list(force) == ["Offender fined", "Local resolution"]
    in_a = topics.all_crime_outcomes(topic, crimes, None, "2022-01", "2022-03", "A")
    assert list(in_a) == ["Offender fined", "Under investigation"]


# -------------------------------------------------------------------------------- trend


def _decomposition(remainder: float, start: str = "2016-01") -> pd.DataFrame:
    """Three years: July +10, +14, +12, January -12 each year, other months 0; remainder +/-."""
    months = pd.period_range(start, periods=36, freq="M")
    seasonal = np.zeros(36)
    seasonal[[6, 18, 30]] = [10.0, 14.0, 12.0]
    seasonal[[0, 12, 24]] = -12.0
    rem = np.tile([remainder, -remainder], 18)
    trend = np.full(36, 100.0)
    return pd.DataFrame(
        {
            "observed": trend + seasonal + rem,
            "trend": trend,
            "seasonal": seasonal,
            "remainder": rem,
        },
        index=months,
    )


def test_seasonal_profile_and_a_marked_peak():
    d = _decomposition(1.0)
    prof = topics.seasonal_profile(d)
    assert list(prof.index[:2]) == ["January", "February"] and len(prof) == 12
    assert prof["July"] == pytest.approx(12.0) and prof["January"] == pytest.approx(-12.0)
    # Three ordinary years of every month (2016 to 2018); range 24 against a remainder whose
    # standard deviation is sqrt(36 / 35) = 1.01: marked.
    assert topics.ordinary_years(d) == 3
    assert topics.seasonal_peak(d) == "July"
    # Remainder +/-10 (sd 10.1): 24 is not more than 4 sd, so no reliable peak.
    assert topics.seasonal_peak(_decomposition(10.0)) is None
    assert topics.seasonal_peak(None) is None and topics.ordinary_years(None) == 0


def test_no_seasonal_claim_from_the_lockdown_years():
    # January 2020 to December 2022 without March 2020 to July 2021: April, May and June
    # are ordinary only in 2022, so the same clear pattern is not claimed.
    d = _decomposition(1.0, start="2020-01")
    assert topics.ordinary_years(d) == 1
    assert topics.seasonal_peak(d) is None
    assert topics.seasonal_peak(d, exclude=None) == "July"  # were the restrictions ignored


def test_seasonality_and_forecast_say_why_not():
    short = pd.Series(np.arange(12.0), index=pd.date_range("2022-01-01", periods=12, freq="MS"))
    d, note = topics.seasonality(short)
    assert d is None
    assert note == (
        "No seasonal decomposition: decompose needs at least two full cycles (24 months); got 12."
    )
    gap = pd.Series(
        [5.0, np.nan, 6.0] * 9, index=pd.date_range("2020-01-01", periods=27, freq="MS")
    )
    fc, note = topics.forecast(gap)
    assert fc is None and note.startswith("No forecast: forecast needs every month")


def test_forecast_totals():
    months = pd.period_range("2020-01", periods=36, freq="M")
    fc = pd.DataFrame(
        {
            "actual": [1.0] * 12 + [2.0] * 12 + [np.nan] * 12,
            "forecast": [np.nan] * 24 + [3.0] * 12,
        },
        index=months,
    )
    # the next 12 months: 12 x 3 = 36; the latest 12 months of actuals: 12 x 2 = 24
    assert topics.forecast_totals(fc) == (36.0, 24.0)
    assert topics.forecast_totals(None) is None


def test_monthly_counts_make_missing_months_gaps():
    series = pd.DataFrame(
        {
            "month": pd.to_datetime(["2022-01-01", "2022-02-01", "2022-03-01"]),
            "count": [4, 0, 2],
            "missing": [False, True, False],
        }
    )
    out = topics.monthly_counts(series)
    assert out.iloc[0] == 4.0 and np.isnan(out.iloc[1]) and out.iloc[2] == 2.0
    assert out.index[1] == pd.Timestamp("2022-02-01")


def test_in_months():
    rows = pd.DataFrame({"month": pd.to_datetime(["2021-12-01", "2022-01-01", "2022-03-01"])})
    assert len(topics.in_months(rows, "2022-01", "2022-03")) == 2
    assert len(topics.in_months(rows, "2022-02", "2022-02")) == 0


# -------------------------------------------------------------------------------- questions


def _summary(values) -> spc.SpcSummary:
    dates = pd.date_range("2021-01-01", periods=len(values), freq="MS")
    return spc.summarise(spc.xmr(np.asarray(values, float), dates, improvement="decrease"))


def test_a_concern_series_prompts_the_question_why():
    # 12 months of 10 then 8 of 20: the latest month is a special-cause concern (high).
    q = topics.questions("Robbery", "in Blaby", summary=_summary([10] * 12 + [20] * 8))
    assert q.iloc[0]["Question"] == (
        "What has driven the rise in robbery in Blaby, and what specifically is being done "
        "about it?"
    )
    assert q.iloc[0]["What the data show"].startswith("SPC shows special-cause concern")
    assert q.iloc[0]["What the data show"].endswith("(limits from January 2021).")


def test_a_stable_series_prompts_no_question_about_change():
    flat = [10, 11, 9, 10, 12, 10, 11, 9, 10, 11, 10, 9, 10, 11, 10, 12, 9, 10, 11, 10]
    q = topics.questions("Robbery", "in Blaby", summary=_summary(flat))
    assert q.empty


def test_questions_from_each_kind_of_evidence():
    months = pd.period_range("2020-01", periods=24, freq="M")
    base = trends.baselines(pd.Series([10] * 12 + [20] * 12, index=months))
    conc = concentration(pd.Series([40] + [0] * 24), simulations=200)
    districts = pd.DataFrame(
        {
            "rate": [3.0, 1.0],
            "national_rate": [2.0, 2.0],
            "verdict": ["significantly higher", "significantly lower"],
        },
        index=["A", "B"],
    )
    outcomes = topics.outcome_groups(
        pd.Series(["Investigation complete; no suspect identified"] * 6 + ["Offender fined"] * 4)
    )
    none = Comparison("Robbery", False, "the Home Office force table has no outcomes")
    q = topics.questions(
        "Robbery",
        "for Testshire Police",
        baselines=base,
        concentration_result=conc,
        districts=districts,
        outcomes=outcomes,
        charged=topics.charged_share(pd.Series(["Offender fined"] * 4 + ["Local resolution"] * 6)),
        forecast_total=250.0,
        last_12_total=240.0,
        seasonal_peak="July",
        comparison=none,
        synthetic=True,
    )
    text = " ".join(q["Question"])
    assert "understand the increase in robbery" in text  # 240 v 120: significant increase
    assert "neighbourhoods that account for 100% of robbery" in text
    assert "Why is the rate of robbery in A significantly higher" in text
    assert "no suspect identified" in text  # 60% closed with no suspect
    assert "charge or summons" in text
    assert "seasonal peak in robbery in July" in text
    assert "resourced for the demand forecast" in text
    assert "comparable figures" in text
    assert "its own record-level data" in text
    # Each question comes with what prompted it, in numbers.
    assert q["What the data show"].str.len().min() > 20
    # A deep dive on district B is not asked about A.
    qb = topics.questions("Robbery", "in B", districts=districts, area="B")
    assert qb.empty


# -------------------------------------------------------------------------------- topic, area


def test_make_topic_from_registry_categories_and_codes():
    reg = load_registry()
    assert topics.make_topic(kpi="robbery", registry=reg) is reg["robbery"]
    renamed = topics.make_topic(kpi="robbery", name="Street robbery", registry=reg)
    assert renamed.name == "Street robbery" and renamed.definition == reg["robbery"].definition
    t = topics.make_topic(categories=["Robbery", "Theft from the person"])
    assert t.definition.police_uk_categories == ["Robbery", "Theft from the person"]
    assert t.name == "Robbery and Theft from the person" and t.direction == "decrease"
    t = topics.make_topic(offence_codes=["19C"], name="Rape of a female aged 16 and over")
    assert t.uses_extract and t.name == "Rape of a female aged 16 and over"
    with pytest.raises(ValueError, match=r"'categories'.*did you mean 'Robbery'"):
        topics.make_topic(categories=["Robery"])
    with pytest.raises(ValueError, match="one or the other"):
        topics.make_topic(categories=["Robbery"], offence_codes=["34B"])
    with pytest.raises(ValueError, match="parameter 'kpi'"):
        topics.make_topic(kpi="robery", registry=reg)
    with pytest.raises(ValueError, match="'offence_codes'"):
        topics.make_topic(offence_codes=["XX9"])
    with pytest.raises(ValueError, match="'direction'"):
        topics.make_topic(kpi="robbery", direction="up", registry=reg)


def test_resolve_area():
    districts = ["Blaby", "Charnwood", "Leicester"]
    assert topics.resolve_area("", "Leicestershire Police", districts) is None
    assert topics.resolve_area("Leicestershire", "Leicestershire Police", districts) is None
    assert topics.resolve_area("charnwood", "Leicestershire Police", districts) == "Charnwood"
    assert topics.resolve_area("Leicester UA", "Leicestershire Police", districts) == "Leicester"
    with pytest.raises(ValueError, match=r"parameter 'area'.*Charnwod.*did you mean"):
        topics.resolve_area("Charnwod", "Leicestershire Police", districts)


def test_extract_rows_are_placed_at_their_lsoa_centre():
    crimes = pd.DataFrame(
        {
            "lsoa_code": ["E1", "E1", "E2"],
            "lsoa_name": ["A 1", "A 1", "A 2"],
            "longitude": [-1.0, -1.2, -2.0],
            "latitude": [52.0, 52.2, 53.0],
        }
    )
    extract = pd.DataFrame(
        {
            "month": pd.to_datetime(["2022-01-01", "2022-02-01"]),
            "district": ["A", "A"],
            "lsoa_code": ["E1", "E3"],
            "offence_code": ["34B", "34B"],
            "outcome": ["Offender fined", None],
        }
    )
    topic = topics.make_topic(offence_codes=["34B"])
    rows = topics.topic_records(topic, crimes, extract)
    # E1's centre is the mean of its two police.uk points: (-1.1, 52.1); E3 has none
    assert rows.loc[0, "longitude"] == pytest.approx(-1.1)
    assert rows.loc[0, "latitude"] == pytest.approx(52.1)
    assert rows.loc[0, "lsoa_name"] == "A 1"
    assert np.isnan(rows.loc[1, "longitude"])
    assert rows["approximate_location"].all()
    with pytest.raises(ValueError, match="pass the extract"):
        topics.topic_records(topic, crimes)


# -------------------------------------------------------------------------------- the method


def test_usable_rebase_and_the_note_when_it_is_not():
    assert topics.usable_rebase("2021-08", "2019-12", "2022-10") == "2021-08"
    assert topics.usable_rebase("2019-12", "2019-12", "2022-10") is None  # the first month
    assert topics.usable_rebase("2022-10", "2019-12", "2022-10") == "2022-10"  # the last
    assert topics.usable_rebase(None, "2019-12", "2022-10") is None
    assert topics.rebase_note("2021-08", "2019-12", "2022-10") is None
    assert topics.rebase_note("2021-08", "2022-01", "2022-04") == (
        "The SPC limits are calculated over the whole period: the rebase month August 2021 is "
        "not inside January 2022 to April 2022."
    )


def test_a_topic_is_read_exactly_as_the_assessment_reads_a_kpi(testshire, private_cache):
    # Testshire's violence and sexual offences: Jan a1; Feb b1, b2; no March file; Apr d2.
    # (Four months of data are fewer than the default seven provisional months of outcome
    # KPIs, which the assessment cannot yet handle: no provisional months here.)
    method = Method(months=12, spc_rebase="2022-02", outcome_lag_months=0)
    a = assessment.assess(testshire, data_to="2022-04", method=method)
    kpi = a.result("violence_sexual_offences")
    topic = topics.make_topic(categories=["Violence and sexual offences"])
    r = topics.analyse_topic(
        topic, testshire, area="Testshire Police", data_to="2022-04", method=method
    )
    assert r.series["count"].tolist() == [1, 2, 0, 1]
    assert r.series["missing"].tolist() == [False, False, True, False]
    # March is a gap, and the limits are recalculated from February (the cycle's rebase).
    assert np.isnan(r.spc["value"].iloc[2])
    assert r.spc["segment"].tolist() == [0, 1, 1, 1]
    pd.testing.assert_frame_equal(r.series, kpi.series)
    pd.testing.assert_frame_equal(r.spc, kpi.spc)
    pd.testing.assert_frame_equal(r.baselines, kpi.baselines)
    assert r.spc_sentence() == kpi.spc_sentence()
    assert r.is_force and r.area == "Testshire Police"
    # In a district: Southvale has b2 (Feb) and d2 (Apr); January is a real zero.
    s = topics.analyse_topic(topic, testshire, area="southvale", data_to="2022-04", method=method)
    assert s.area == "Southvale" and not s.is_force
    assert s.series["count"].tolist() == [0, 1, 0, 1]
    pd.testing.assert_frame_equal(s.spc, a.result("violence_sexual_offences", "Southvale").spc)


def test_examine_testshire_by_hand(testshire, private_cache):
    topic = topics.make_topic(categories=["Violence and sexual offences"])
    r = topics.analyse_topic(topic, testshire, area="Testshire Police", data_to="2022-04")
    f = topics.examine(topic, r, testshire, data_to="2022-04", start="2022-01")
    # a1 (Jan, Northtown 001A, unable to prosecute), b1 (Feb, Northtown 001A, local
    # resolution), b2 (Feb, Southvale 001B, court result unavailable), d2 (Apr, Southvale
    # 001A, under investigation).
    assert len(f.records) == 4 and f.outside_districts == 0
    rates = f.district_rates
    assert list(rates.index) == ["Southvale", "Northtown"]  # 2/9,500 above 2/20,900
    assert list(rates["count"]) == [2.0, 2.0]
    assert rates.loc["Southvale", "rate"] == pytest.approx(2 / SOUTHVALE_2022 * 1000)
    assert rates.loc["Northtown", "national_rate"] == pytest.approx(
        4 / (NORTHTOWN_2022 + SOUTHVALE_2022) * 1000
    )
    lsoas = f.lsoas.set_index("lsoa_name")["count"]
    assert lsoas.to_dict() == {
        "Northtown 001A": 2,
        "Southvale 001A": 1,
        "Southvale 001B": 1,
        "Northtown 001B": 0,
    }
    assert (f.concentration.n_top, f.concentration.top_total) == (1, 2)  # 10% of 4 -> 1
    share = f.outcomes_now.set_index("group")["count"]
    assert share["Charged or summonsed"] == 1 and share["Out-of-court resolution"] == 1
    assert share["Unable to prosecute suspect"] == 1 and share["Still open or status unknown"] == 1
    assert f.outcomes_before is None  # no data in the 12 months before
    assert f.charged.verdict == "not available"
    # the 12 months to April 2022, but not before the first month held (January 2022)
    assert f.outcome_months == ("2022-01", "2022-04")
    # All crime in the same months, not ASB: a1-a4, b1-b4, d1, d2 = 10, of which a4 (awaiting
    # court outcome) and b2 are charged: 1 of 4 against 2 of 10.
    c = f.all_crime_charged
    assert (c.now, c.now_total, c.before, c.before_total) == (1, 4, 2, 10)
    by = f.outcomes_by_district.set_index("District")
    assert by.loc["Southvale", "Charged or summonsed"] == 1 and by.loc["Northtown", "Crimes"] == 2
    # March has no data, so neither STL nor the forecast can run; each says why.
    assert f.decomposition is None and "no value for 2022-03" in f.decomposition_note
    assert f.forecast is None and f.forecast_note.startswith("No forecast")
    # With the latest two months' outcomes provisional, outcomes are of crimes to February:
    # a1, b1, b2, of which b2 is charged; geography still covers the latest 12 months.
    p = topics.examine(
        topic, r, testshire, data_to="2022-04", start="2022-01", provisional_months=2
    )
    assert p.outcome_months == ("2022-01", "2022-02")  # January: the first month held
    assert (p.charged.now, p.charged.now_total) == (1, 3)
    assert p.lsoas["count"].sum() == 4


def test_an_outcome_topic_stops_before_its_provisional_months(testshire, private_cache):
    # With the latest month's outcomes provisional, a topic counting outcomes (the registry's
    # charged share) ends in March, as the assessment's outcome KPI does.
    method = Method(months=12, spc_rebase="2022-02", outcome_lag_months=1)
    a = assessment.assess(testshire, data_to="2022-04", method=method)
    assert a.provisional_months == 1
    kpi = a.result("charged_share")
    r = topics.analyse_topic(
        a.registry["charged_share"],
        testshire,
        area="",
        data_to="2022-04",
        method=method,
        provisional_months=a.provisional_months,
    )
    assert r.provisional_from == kpi.provisional_from == "2022-04"
    assert r.series["month"].dt.strftime("%Y-%m").tolist() == ["2022-01", "2022-02", "2022-03"]
    # Charged (b2, court result unavailable, in February) over all crime but ASB: Jan a1-a4
    # (a4 awaiting court outcome: charged), Feb b1-b4 (b2 charged), March no data.
    assert r.series["count"].tolist() == [1, 1, 0]
    assert r.series["denominator"].tolist()[:2] == [4.0, 4.0]
    pd.testing.assert_frame_equal(r.spc, kpi.spc)
    pd.testing.assert_frame_equal(r.baselines, kpi.baselines)
    assert r.spc_sentence() == kpi.spc_sentence()
