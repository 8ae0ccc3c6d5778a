"""Statistics of the serious-violence needs assessment (scrutiny.analysis.needs) on small
hand-made frames, and the registry KPIs it reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scrutiny.analysis import assessment, needs
from scrutiny.analysis.kpis import Definition, ExtractFilter, Kpi, load_registry
from scrutiny.analysis.method import Method
from scrutiny.data import DataQuality, DataSources

SV_CODES = ["1/4.1/4.10/4.2", "2", "37.1", "4.3", "4.4", "4.6", "4.7", "4.8", "4.9"]
SV_CODES += ["5D", "5E", "8N", "8P", "8S", "34A", "34B"]


def _rows(n: int, **values: object) -> list[dict[str, object]]:
    return [dict(values) for _ in range(n)]


def _sv(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "month": pd.Timestamp("2022-10-01"),
        "occurred_at": pd.Timestamp("2022-10-03 23:30"),  # a Monday
        "offence_code": "8N",
        "district": "Alpha",
        "victim_age": 30,
        "victim_sex": "M",
        "suspect_id": None,
        "suspect_age": None,
        "suspect_sex": None,
        "knife_sharp_instrument": False,
        "night_time_economy": False,
        "public_place": True,
        "domestic_abuse": False,
        "outcome": "Under investigation",
    }
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["victim_age"] = df["victim_age"].astype("Int64")
    df["suspect_age"] = df["suspect_age"].astype("Int64")
    return df


POP = pd.DataFrame(
    {"district": ["Alpha", "Beta"], "all_ages": [20_000, 5_000], "under_25": [4_000, 1_000]}
)


# -------------------------------------------------------------------------- the registry


def test_the_needs_kpis_are_in_the_registry_as_parts_of_serious_violence() -> None:
    reg = load_registry()
    sv = reg[needs.SERIOUS_VIOLENCE].definition
    assert sv.extract_filter is not None and sv.extract_filter.domestic_abuse is False
    for kpi_id in needs.FLAG_KPIS.values():
        d = reg[kpi_id].definition
        # The same offence codes as serious violence, domestic abuse left out, one flag set:
        # each is a part of serious violence, so its share of it is a share.
        assert d.offence_codes == sv.offence_codes, kpi_id
        flags = {k: v for k, v in d.extract_filter.model_dump().items() if v is not None}
        assert flags.pop("domestic_abuse") is False, kpi_id
        assert list(flags.values()) == [True], kpi_id
        assert reg[kpi_id].plan_theme is None  # the plan does not list them
    knife = reg[needs.KNIFE].definition
    assert knife.offence_codes == sv.offence_codes
    assert knife.extract_filter.domestic_abuse is None  # the board's KPI counts it too
    assert reg[needs.ROBBERY].definition.police_uk_categories == ["Robbery"]


def test_kpi_rows_follow_the_registry_definition() -> None:
    # 3 serious violence (one knife-enabled), 2 domestic abuse (one knife-enabled),
    # 1 common assault (8N is violence with injury; 105A is not serious violence).
    df = _sv(
        _rows(2)
        + _rows(1, knife_sharp_instrument=True)
        + _rows(1, domestic_abuse=True)
        + _rows(1, domestic_abuse=True, knife_sharp_instrument=True)
        + _rows(1, offence_code="105A")
    )
    reg = load_registry()
    assert len(needs.kpi_rows(df, reg["serious_violence"])) == 3
    assert len(needs.kpi_rows(df, reg["knife_serious_violence"])) == 2  # 1 + 1 domestic
    assert len(needs.kpi_rows(df, reg["knife_serious_violence_vrn"])) == 1
    with pytest.raises(ValueError, match="police.uk"):
        needs.kpi_rows(df, reg["robbery"])


# -------------------------------------------------------------------------- figures


def test_series_counts_mark_months_without_data_and_period_total() -> None:
    series = pd.DataFrame(
        {
            "month": pd.date_range("2022-07-01", periods=4, freq="MS"),
            "count": [10, 0, 30, 40],
            "missing": [False, True, False, False],
        }
    )
    s = needs.series_counts(series)
    assert list(s.index.astype(str)) == ["2022-07", "2022-08", "2022-09", "2022-10"]
    assert np.isnan(s["2022-08"])
    assert needs.period_total(s, data_to="2022-10", months=2) == 70.0  # 30 + 40
    assert np.isnan(needs.period_total(s, data_to="2022-10", months=3))  # August has no data
    assert np.isnan(needs.period_total(s, data_to="2022-10", months=5))  # before the series


def _kpi(kid: str) -> Kpi:
    return Kpi(
        id=kid,
        name=kid.capitalize(),
        description="test",
        definition=Definition(offence_codes=["8N"], extract_filter=ExtractFilter()),
        direction="decrease",
    )


def _series(counts: list[int]) -> pd.DataFrame:
    months = pd.date_range("2020-11-01", periods=len(counts), freq="MS")
    c = np.asarray(counts, dtype="int64")
    return pd.DataFrame(
        {
            "month": months,
            "count": c,
            "population": 100_000,
            "rate_per_1000": c / 100,
            "denominator": 100_000.0,
            "rate": c / 100,
            "missing": False,
            "synthetic": True,
        }
    )


def _toy_assessment() -> assessment.Assessment:
    # 24 months, November 2020 to October 2022: 10 a month in the first 12, 15 in the
    # latest 12 for the force; Alpha has 6 and 9, Beta 4 and 6.
    kpi = _kpi("toy")
    results = {}
    for area, (before, now) in {"Toy Police": (10, 15), "Alpha": (6, 9), "Beta": (4, 6)}.items():
        results[("toy", area)] = assessment.analyse_series(
            kpi,
            _series([before] * 12 + [now] * 12),
            area=area,
            is_force=area == "Toy Police",
            end="2022-10",
        )
    return assessment.Assessment(
        sources=DataSources(force="Toy Police"),
        data_to="2022-10",
        start="2020-11",
        rebase=None,
        method=Method(),
        registry={"toy": kpi},
        districts=["Alpha", "Beta"],
        results=results,
        peers=None,
        peer_note="",
        crimes_quality=DataQuality(),
        extract_quality=DataQuality(),
    )


def test_kpi_totals_are_the_assessments_figures() -> None:
    a = _toy_assessment()
    # 12 months: the rolling-12 figure, 12 x 15 = 180 (and 12 x 10 = 120 before).
    row = needs.rolling_12(a.result("toy"))
    assert (row["current_count"], row["baseline_count"]) == (180.0, 120.0)
    assert needs.kpi_total(a, "toy", data_to="2022-10", months=12) == 180.0
    # 18 months: 6 x 10 + 12 x 15 = 240, summed from the same monthly series.
    assert needs.kpi_total(a, "toy", data_to="2022-10", months=18) == 240.0
    pd.testing.assert_series_equal(
        needs.district_totals(a, "toy", data_to="2022-10", months=12),
        pd.Series(
            [108.0, 72.0], index=pd.Index(["Alpha", "Beta"], name="district"), name="offences"
        ),
    )
    table = needs.rolling_12_table(a, ["toy"])
    assert table.loc["toy", "name"] == "Toy" and bool(table.loc["toy", "synthetic"])
    assert table.loc["toy", "pct_change"] == pytest.approx(50.0)  # 180 v 120


def test_check_rows_insists_the_rows_are_the_kpis_offences() -> None:
    rows = _sv(_rows(3))
    needs.check_rows(rows, 3.0, what="Toy")
    with pytest.raises(ValueError, match="Toy: the extract holds 3 offences but the assessment"):
        needs.check_rows(rows, 4.0, what="Toy")


def test_small_difference_of_nested_figures() -> None:
    assert needs.small_difference(1411, 906, threshold=10) is False
    assert needs.small_difference(15, 10, threshold=10) is True  # 5 would be given away
    assert needs.small_difference(15, 15, threshold=10) is False  # 0 discloses nobody
    assert needs.small_difference(15, 10, threshold=None) is False


# -------------------------------------------------------------------------- rates


def test_district_rates_per_1000_all_ages_and_under_25() -> None:
    # Alpha: 40 offences, 12 with a victim under 25; Beta: 15 offences, 10 under 25.
    r = needs.district_rates(
        pd.Series({"Alpha": 40, "Beta": 15}), pd.Series({"Alpha": 12, "Beta": 10}), POP
    )
    # Alpha: 40 / 20,000 x 1,000 = 2.0; under 25: 12 / 4,000 x 1,000 = 3.0; ratio 1.5.
    assert r.loc["Alpha", "rate_per_1000"] == pytest.approx(2.0)
    assert r.loc["Alpha", "rate_per_1000_under_25"] == pytest.approx(3.0)
    assert r.loc["Alpha", "under_25_ratio"] == pytest.approx(1.5)
    # Beta: 15 / 5,000 x 1,000 = 3.0; under 25: 10 / 1,000 x 1,000 = 10.0.
    assert r.loc["Beta", "rate_per_1000"] == pytest.approx(3.0)
    assert r.loc["Beta", "rate_per_1000_under_25"] == pytest.approx(10.0)
    # Shares of the 55 placed offences: 40/55 = 72.7%, 15/55 = 27.3%.
    assert r.loc["Alpha", "share_of_force"] == pytest.approx(100 * 40 / 55)
    assert list(r["offences"]) == [40, 15]


def test_district_counts_and_under_25_victims() -> None:
    df = _sv(
        _rows(3, victim_age=18)
        + _rows(2, victim_age=25)
        + _rows(1, district="Beta", victim_age=None)
        + _rows(1, district=None, victim_age=12)
    )
    young = df[needs.under_25(df["victim_age"])]  # 18, 18, 18 and 12 (unknown ages are not)
    assert len(young) == 4
    pd.testing.assert_series_equal(
        needs.district_counts(young, ["Alpha", "Beta", "Gamma"]),
        pd.Series([3, 0, 0], index=pd.Index(["Alpha", "Beta", "Gamma"], name="district")),
    )


def test_force_rates_and_the_under_25_suspect_ratio() -> None:
    # 6 offences with suspects aged 15 (10-24) and 4 with suspects aged 40 (25+);
    # population 10-24: 2,000 and 25+: 4,000 -> 3.0 v 1.0 per 1,000 -> ratio 3.0.
    df = _sv(
        _rows(6, suspect_id="P1", suspect_age=15, suspect_sex="M")
        + _rows(4, suspect_id="P2", suspect_age=40, suspect_sex="F", victim_age=20)
    )
    pops = {"all": 10_000, "0-24": 2_500, "10-24": 2_000, "25+": 4_000}
    r = needs.force_rates(10, df, pops)
    assert r["offences"] == 10.0
    assert r["rate_per_1000"] == pytest.approx(1.0)  # 10 / 10,000 x 1,000
    assert r["victims_under_25"] == 4.0
    assert r["rate_per_1000_under_25"] == pytest.approx(1.6)  # 4 / 2,500 x 1,000
    assert r["suspect_rate_under_25"] == pytest.approx(3.0)
    assert r["suspect_ratio"] == pytest.approx(3.0)


# -------------------------------------------------------------------------- profiles, people


def test_hour_and_day_profile_shares() -> None:
    # 3 at 23:30 on Monday 3 Oct, 1 at 15:10 on Saturday 8 Oct.
    df = _sv(_rows(3) + _rows(1, occurred_at=pd.Timestamp("2022-10-08 15:10")))
    hours = needs.hour_profile(df)
    assert len(hours) == 24
    assert hours.loc[23, "offences"] == 3 and hours.loc[15, "offences"] == 1
    assert hours.loc[23, "share"] == pytest.approx(75.0)  # 3 of 4
    assert hours["share"].sum() == pytest.approx(100.0)
    days = needs.day_profile(df)
    assert list(days.index)[:2] == ["Monday", "Tuesday"]
    assert days.loc["Monday", "offences"] == 3 and days.loc["Saturday", "share"] == 25.0


def test_peak_hours_finds_local_peaks_across_midnight() -> None:
    counts = np.full(24, 10)
    counts[15], counts[23], counts[4] = 30, 50, 12
    peaks = needs.peak_hours(pd.DataFrame({"offences": counts}, index=range(24)))
    assert peaks == [15, 23]  # the two busiest local peaks, in clock order


def test_sex_split_and_repeat_suspects() -> None:
    # Suspect P1 has 3 offences (a repeat suspect, aged 19), P2 one (aged 30); 2 with none.
    df = _sv(
        _rows(3, suspect_id="P1", suspect_age=19, suspect_sex="M")
        + _rows(1, suspect_id="P2", suspect_age=30, suspect_sex="F", victim_sex="F")
        + _rows(2)
    )
    sexes = needs.sex_split(df)
    assert sexes.loc["Victims", ["Female", "Male"]].tolist() == [1, 5]
    assert sexes.loc["Suspects", "male_share"] == pytest.approx(75.0)  # 3 of 4
    rep = needs.repeat_share(df)
    assert rep.loc["All ages", "share"] == pytest.approx(75.0)  # 3 of 4 with a suspect
    assert rep.loc["Suspect under 25", "share"] == pytest.approx(100.0)  # 3 of 3
    # Over the first offence of P1 only, nobody is a repeat suspect.
    both = needs.repeat_periods({"all": df, "one": df.iloc[[0, 3]]})
    assert both["by_repeat"].tolist() == [3, 3, 0, 0]
    assert both["period"].tolist() == ["all", "all", "one", "one"]


def test_flag_shares_of_the_whole() -> None:
    flags = needs.flag_shares({"knife": 906, "nte": 0}, 8_893)
    expected = pd.DataFrame(
        {
            "offences": [906.0, 0.0],
            "of_all": [8_893.0, 8_893.0],
            "share": [100 * 906 / 8_893, 0.0],  # 10.19%, 0%
        },
        index=["knife", "nte"],
    )
    pd.testing.assert_frame_equal(flags, expected)
    assert np.isnan(needs.flag_shares({"knife": 0}, 0).loc["knife", "share"])


# -------------------------------------------------------------------------- trend


def test_baseline_parameter() -> None:
    b = needs.parse_baseline("2019-12..2020-02", first_month="2019-12", last_month="2022-10")
    assert b.months == 3 and b.label == "December 2019 to February 2020"
    assert b.pre_pandemic
    assert needs.parse_baseline("2020", first_month="2019-12", last_month="2022-10").months == 12
    with pytest.raises(ValueError, match="parameter 'baseline'.*outside the data"):
        needs.parse_baseline("2019", first_month="2019-12", last_month="2022-10")
    with pytest.raises(ValueError, match="parameter 'baseline'.*not a period"):
        needs.parse_baseline("Dec 2019", first_month="2019-12", last_month="2022-10")


def test_window_keeps_the_latest_months() -> None:
    df = _sv(
        _rows(1, month=pd.Timestamp("2021-10-01"))
        + _rows(2, month=pd.Timestamp("2021-11-01"))
        + _rows(3)
    )
    assert len(needs.window(df, data_to="2022-10", months=12)) == 5  # Nov 2021 to Oct 2022


def test_baseline_comparison_per_month_with_the_exact_test() -> None:
    months = pd.period_range("2019-12", "2022-10", freq="M")
    s = pd.Series(100.0, index=months)
    s[pd.Period("2021-12", "M") : pd.Period("2022-02", "M")] = 130
    base = needs.parse_baseline("2019-12..2020-02", first_month="2019-12", last_month="2022-10")
    t = needs.baseline_comparison(s, base, data_to="2022-10")
    # Baseline 3 x 100; same months 3 x 130; latest 12 months (Nov 2021 to Oct 2022)
    # 9 x 100 + 3 x 130 = 1,290.
    assert t["offences"].tolist() == [300, 390, 1_290]
    # Same months: 130 v 100 a month = +30%; 390 v 300 over equal exposure is significant
    # (binomial 390 of 690 at p = 0.5: p < 0.001).
    assert t.loc[1, "change_pct"] == pytest.approx(30.0)
    assert t.loc[1, "verdict"] == "significant increase"
    # The latest 12 months, 107.5 a month, hold other months of the year than the winter
    # baseline: shown, but not compared with it (one baseline rule: like for like).
    assert t.loc[2, "per_month"] == pytest.approx(107.5)
    assert np.isnan(t.loc[2, "change_pct"]) and np.isnan(t.loc[2, "p_value"])
    assert t.loc[2, "verdict"] == needs.NOT_LIKE_FOR_LIKE
    # A whole-year baseline (November 2020 to October 2021, 1,200) is like for like with
    # the latest 12 months (1,290): +7.5%; 1,290 of 2,490 at p = 0.5 is within chance
    # (expected 1,245, sd 25; z = 1.8, p about 0.07), so no significant change.
    year = needs.parse_baseline("2020-11..2021-10", first_month="2019-12", last_month="2022-10")
    t = needs.baseline_comparison(s, year, data_to="2022-10")
    assert t.loc[2, "change_pct"] == pytest.approx(7.5)
    assert t.loc[2, "verdict"] == "no significant change"
    # At alpha 0.5 the same counts are "significant".
    loose = needs.baseline_comparison(s, year, data_to="2022-10", alpha=0.5)
    assert loose.loc[2, "verdict"] == "significant increase"


def test_baseline_comparison_allows_for_the_series_dispersion_and_too_few() -> None:
    months = pd.period_range("2019-12", "2022-10", freq="M")
    s = pd.Series(100.0, index=months)
    s[pd.Period("2021-12", "M") : pd.Period("2022-02", "M")] = 130
    base = needs.parse_baseline("2019-12..2020-02", first_month="2019-12", last_month="2022-10")
    # Same months, 390 v 300 over 3 months each, with phi 10: log(1.3) = 0.2624, standard
    # error sqrt(10 x (1/390 + 1/300)) = 0.2428, z = 1.08, p = 0.28: no longer significant.
    t = needs.baseline_comparison(s, base, data_to="2022-10", phi=10.0)
    assert t.loc[1, "p_value"] == pytest.approx(0.280, abs=0.001)
    assert t.loc[1, "verdict"] == "no significant change"
    assert t.loc[1, "rate_ratio"] == pytest.approx(1.3)
    # A baseline of 300 offences is below a minimum of 400: too few to judge.
    few = needs.baseline_comparison(s, base, data_to="2022-10", min_expected=400)
    assert few["verdict"].tolist() == ["", "too few to judge", needs.NOT_LIKE_FOR_LIKE]


def test_dispersion_of_a_result_is_the_assessments() -> None:
    r = _toy_assessment().result("toy")
    # A flat series within each year varies less than Poisson: phi is never below 1.
    assert needs.dispersion_of(r) == 1.0
    r.baselines.attrs["phi"] = 2.5
    assert needs.dispersion_of(r) == 2.5


def test_baseline_comparison_says_not_available_for_a_month_without_data() -> None:
    months = pd.period_range("2019-12", "2022-10", freq="M")
    s = pd.Series(100.0, index=months)
    s[pd.Period("2022-01", "M")] = np.nan
    base = needs.parse_baseline("2019-12..2020-02", first_month="2019-12", last_month="2022-10")
    t = needs.baseline_comparison(s, base, data_to="2022-10")
    # Dec 2021 to Feb 2022 miss January 2022: no comparison, and no total.
    assert t.loc[1, "verdict"] == "not available" and np.isnan(t.loc[1, "offences"])
    assert np.isnan(t.loc[2, "offences"])


def test_only_the_same_calendar_months_are_like_for_like() -> None:
    winter = needs.Baseline(pd.Period("2019-12", "M"), pd.Period("2020-02", "M"))
    p = pd.Period
    assert needs.like_for_like(winter, p("2021-12", "M"), p("2022-02", "M"))
    assert not needs.like_for_like(winter, p("2022-01", "M"), p("2022-03", "M"))
    assert not needs.like_for_like(winter, p("2021-11", "M"), p("2022-10", "M"))
    year = needs.Baseline(p("2020-11", "M"), p("2021-10", "M"))
    assert needs.like_for_like(year, p("2021-11", "M"), p("2022-10", "M"))
    assert needs.like_for_like(year, p("2022-01", "M"), p("2022-12", "M"))  # any whole year
