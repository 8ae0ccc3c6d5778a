"""Serious-violence needs assessment (scrutiny.briefings.needs) on small hand-made frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import execute_notebook
from scrutiny.analysis.disclosure import disclose
from scrutiny.briefings import needs
from scrutiny.present.tables import table_html

REPO = Path(__file__).resolve().parents[2]


def _rows(n: int, **values: object) -> list[dict[str, object]]:
    return [dict(values) for _ in range(n)]


def _sv(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "month": pd.Timestamp("2022-10-01"),
        "occurred_at": pd.Timestamp("2022-10-03 23:30"),  # a Monday
        "district": "Alpha",
        "victim_age": 30,
        "victim_sex": "M",
        "suspect_id": None,
        "suspect_age": None,
        "suspect_sex": None,
        "knife_sharp_instrument": False,
        "night_time_economy": False,
        "public_place": True,
        "serious_violence": True,
        "domestic_abuse": False,
    }
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["victim_age"] = df["victim_age"].astype("Int64")
    df["suspect_age"] = df["suspect_age"].astype("Int64")
    return df


POP = pd.DataFrame(
    {"district": ["Alpha", "Beta"], "all_ages": [20_000, 5_000], "under_25": [4_000, 1_000]}
)


def test_serious_violence_excludes_domestic_abuse_and_other_crime() -> None:
    df = _sv(_rows(3) + _rows(2, domestic_abuse=True) + _rows(1, serious_violence=False))
    assert len(needs.serious_violence(df)) == 3


def test_district_rates_per_1000_all_ages_and_under_25() -> None:
    # Alpha: 40 offences, 12 with a victim under 25; Beta: 15 offences, 10 under 25.
    df = _sv(
        _rows(28)
        + _rows(12, victim_age=18)
        + _rows(5, district="Beta")
        + _rows(10, district="Beta", victim_age=20)
    )
    r = needs.district_rates(df, POP)
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


def test_district_rates_withhold_rates_with_their_counts() -> None:
    # Beta has 4 offences (below 10), so it is withheld; Alpha must go too (one withheld
    # cell in a column with a known total could be worked out), and both rates with them.
    df = _sv(_rows(40) + _rows(4, district="Beta"))
    r = needs.district_rates(df, POP, threshold=10)
    assert list(r["offences"]) == ["[c]", "[c]"]
    assert r["rate_per_1000"].isna().all()
    assert r["share_of_force"].isna().all()


def test_force_rates_and_the_under_25_suspect_ratio() -> None:
    # 6 offences with suspects aged 15 (10-24) and 4 with suspects aged 40 (25+);
    # population 10-24: 2,000 and 25+: 4,000 -> 3.0 v 1.0 per 1,000 -> ratio 3.0.
    df = _sv(
        _rows(6, suspect_id="P1", suspect_age=15, suspect_sex="M")
        + _rows(4, suspect_id="P2", suspect_age=40, suspect_sex="F", victim_age=20)
    )
    pops = {"all": 10_000, "0-24": 2_500, "10-24": 2_000, "25+": 4_000}
    r = needs.force_rates(df, pops)
    assert r["rate_per_1000"] == pytest.approx(1.0)  # 10 / 10,000 x 1,000
    assert r["rate_per_1000_under_25"] == pytest.approx(1.6)  # 4 / 2,500 x 1,000
    assert r["suspect_rate_under_25"] == pytest.approx(3.0)
    assert r["suspect_ratio"] == pytest.approx(3.0)


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


def test_sex_split_repeat_and_flag_shares() -> None:
    # Suspect P1 has 3 offences (a repeat suspect, aged 19), P2 one (aged 30); 2 with none.
    df = _sv(
        _rows(3, suspect_id="P1", suspect_age=19, suspect_sex="M", knife_sharp_instrument=True)
        + _rows(1, suspect_id="P2", suspect_age=30, suspect_sex="F", victim_sex="F")
        + _rows(2, night_time_economy=True, public_place=False)
    )
    sexes = needs.sex_split(df)
    assert sexes.loc["Victims", ["Female", "Male"]].tolist() == [1, 5]
    assert sexes.loc["Suspects", "male_share"] == pytest.approx(75.0)  # 3 of 4
    rep = needs.repeat_share(df)
    assert rep.loc["All ages", "share"] == pytest.approx(75.0)  # 3 of 4 with a suspect
    assert rep.loc["Suspect under 25", "share"] == pytest.approx(100.0)  # 3 of 3
    flags = needs.flag_shares(df)
    assert flags.loc["Knife or sharp instrument", "share"] == pytest.approx(50.0)  # 3 of 6
    assert flags.loc["Night-time economy", "offences"] == 2
    assert flags.loc["Public place", "share"] == pytest.approx(100 * 4 / 6)


def test_baseline_parameter() -> None:
    b = needs.parse_baseline("2019-12..2020-02", first_month="2019-12", last_month="2022-10")
    assert b.months == 3 and b.label == "December 2019 to February 2020"
    assert needs.parse_baseline("2020", first_month="2019-12", last_month="2022-10").months == 12
    with pytest.raises(ValueError, match="parameter 'baseline'.*outside the data"):
        needs.parse_baseline("2019", first_month="2019-12", last_month="2022-10")
    with pytest.raises(ValueError, match="parameter 'baseline'.*not a period"):
        needs.parse_baseline("Dec 2019", first_month="2019-12", last_month="2022-10")


def test_baseline_comparison_per_month_with_the_exact_test() -> None:
    months = pd.period_range("2019-12", "2022-10", freq="M")
    s = pd.Series(100, index=months)
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
    # 107.5 a month against 100 = +7.5%; 1,290 of 1,590 at p = 12/15 = 0.8 is within
    # chance (expected 1,272, sd 16; z = 1.1), so no significant change.
    assert t.loc[2, "per_month"] == pytest.approx(107.5)
    assert t.loc[2, "change_pct"] == pytest.approx(7.5)
    assert t.loc[2, "verdict"] == "no significant change"


def test_disclose_suppresses_a_toy_table() -> None:
    # B/x = 3 is withheld; then B/y (the only other cell of row B), A/x (the only other
    # of column x) and A/y (of column y): with totals known, all four must go.
    toy = pd.DataFrame({"x": [20, 3], "y": [30, 12]}, index=["A", "B"])
    shown = disclose(toy, threshold=10)
    assert (shown == "[c]").all().all()
    wide = pd.DataFrame({"x": [20, 3, 40], "y": [30, 12, 50]}, index=["A", "B", "C"])
    # With a third row: B/x and B/y go, then the smallest of A/C in each column (A).
    assert disclose(wide, threshold=10).loc["C"].tolist() == [40, 50]
    html = table_html(shown.reset_index(), count_columns=("x", "y"))
    assert '<td class="count">[c]</td>' in html
    assert disclose(toy, threshold=None).loc["B", "x"] == 3


@pytest.mark.slow
def test_notebook_runs_with_its_defaults(tmp_path: Path) -> None:
    _, html = execute_notebook(REPO / "notebooks" / "needs_assessment.ipynb", tmp_path)
    assert html.count("<h1>") == 1 and "Key findings" in html
    assert "(synthetic)" in html and "callout-synthetic" in html


def _findings(threshold: int | None, knife: int) -> list[str]:
    # 100 offences, `knife` of them knife-enabled; 60 male and 40 female victims and
    # suspects; 30 of 50 offences with a suspect by repeat suspects (all ages), 12 of 20
    # for under-25s.
    sexes = pd.DataFrame(
        {"Female": [40, 40], "Male": [60, 60], "Unknown": [0, 0], "male_share": [60.0, 60.0]},
        index=["Victims", "Suspects"],
    )
    flags = pd.DataFrame(
        {"offences": [knife, 30, 60], "of_all": [100] * 3, "share": [knife, 30.0, 60.0]},
        index=["Knife or sharp instrument", "Night-time economy", "Public place"],
    )
    repeats = pd.DataFrame(
        {"with_suspect": [50, 20], "by_repeat": [30, 12], "share": [60.0, 60.0]},
        index=["All ages", "Suspect under 25"],
    )
    hours = pd.DataFrame({"offences": [1] * 24}, index=range(24))
    days = needs.day_profile(_sv(_rows(1)))
    return needs.key_findings(
        force="Toy Police",
        period="the 12 months to October 2022",
        rates=pd.DataFrame({"rate_per_1000": [1.0], "share_of_force": [100.0]}, index=["A"]),
        force_rate={
            "offences": 100.0,
            "rate_per_1000": 1.0,
            "rate_per_1000_under_25": 2.0,
            "suspect_rate_under_25": 3.0,
            "suspect_rate_25_plus": 1.5,
            "suspect_ratio": 2.0,
        },
        sexes=sexes,
        repeats=repeats,
        flags=flags,
        hours=hours,
        days=days,
        sv_sentence="SV.",
        robbery_sentence="Robbery.",
        district="",
        synthetic=True,
        threshold=threshold,
    )


def test_key_findings_say_synthetic_and_hold_back_shares_of_small_counts() -> None:
    found = _findings(threshold=10, knife=10)
    assert "About 1 in 10 offences (10%) involved a knife or sharp instrument (synthetic)." in found
    assert "60% of suspects and 60% of victims were male (synthetic)." in found
    assert "30% of serious violence was linked to the night-time economy (synthetic)." in found
    # 4 knife-enabled offences: 4 is below 10, so the share would disclose it.
    small = _findings(threshold=10, knife=4)
    assert not any("knife" in f for f in small)
    assert any("knife" in f for f in _findings(threshold=None, knife=4))
