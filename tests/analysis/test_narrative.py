"""Tests for scrutiny.analysis.narrative: sentences say only what the statistics support."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.analysis import narrative
from scrutiny.stats import compare, spc, trends

MONTHS = pd.period_range("2021-01", periods=31, freq="M")
SHIFT = [11, 9, 11, 9] + [11, 12, 11, 12, 11, 12, 11] + [8, 11] * 10


def test_formatting_helpers():
    assert narrative.fmt_int(1234.4) == "1,234"
    assert narrative.fmt_num(1234.56) == "1,234.6"
    assert narrative.fmt_value(612.0) == "612"
    assert narrative.fmt_value(16.5613) == "16.6"
    assert narrative.fmt_pct(-12.34) == "12%"
    assert narrative.month_label(pd.Period("2022-10", "M")) == "October 2022"
    assert narrative.month_label(pd.Timestamp("2022-10-01"), short=True) == "Oct 2022"
    assert narrative.fmt_int(float("nan")) == "no value"


def test_spc_sentence_special_cause_concern():
    # first 11 points of SHIFT: the last 7 are above the mean (119/11 = 10.8); with
    # lower-is-better that is a concern; 11 points are fewer than spc.MIN_POINTS (12), so
    # the sentence says the limits are trial limits
    r = spc.xmr(pd.Series(SHIFT[:11], index=MONTHS[:11], dtype=float), improvement="decrease")
    assert narrative.spc_sentence("violence with injury", r) == (
        "Violence with injury shows special-cause concern: 7 months in a row above its "
        "average; 11 offences in November 2021. The limits are trial limits: they rest on "
        "11 months, too few to settle them."
    )


def test_spc_sentence_trial_limits_follow_min_points():
    # the same 12 points: settled limits by default (12 = spc.MIN_POINTS), trial limits
    # when the method asks for 20 (the 2026-01 cycle, 12 months held)
    s = pd.Series(SHIFT[:12], index=MONTHS[:12], dtype=float)
    settled = narrative.spc_sentence("Burglary", spc.xmr(s))
    assert "trial limits" not in settled
    trial = narrative.spc_sentence("Burglary", spc.xmr(s, min_points=20))
    assert trial == settled[:-1] + (
        ". The limits are trial limits: they rest on 12 months, too few to settle them."
    )


def test_spc_sentence_common_cause_claims_no_change():
    r = spc.xmr(pd.Series(SHIFT, index=MONTHS, dtype=float))
    text = narrative.spc_sentence("Burglary", r, unit="burglaries")
    assert text.startswith("Burglary shows common-cause variation:")
    assert "special-cause" not in text
    assert text.endswith("11 burglaries in July 2023.")


def test_spc_sentences_for_each_rule():
    # 1..7: the latest point is above the upper limit (see test_spc)
    up = spc.summarise(spc.xmr([1, 2, 3, 4, 5, 6, 7]))
    assert narrative.spc_pattern(up) == "the latest month is above the upper process limit"
    # TREND_UP from test_spc with the last four points cut: ends in 7 rising points
    trend = spc.summarise(spc.xmr([0, 20, 0, 20, 4, 6, 8, 12, 14, 16, 18]))
    assert trend.latest_special_cause == "trend_rising"
    assert narrative.spc_pattern(trend) == "7 months in a row rising"
    assert narrative.spc_pattern(trend, point_word="week") == "7 weeks in a row rising"


def example_series(latest: float) -> pd.Series:
    s = pd.Series(100.0, index=pd.period_range("2018-01", periods=58, freq="M"))
    s[pd.Period("2019-10", "M")] = 110
    s[pd.Period("2022-10", "M")] = latest
    return s


def test_spc_sentence_with_baseline_respects_the_test():
    s = example_series(120)
    b = trends.baselines(s)
    text = narrative.spc_sentence("Burglary", spc.xmr(s), baselines=b)
    # 120 vs Oct 2019's 110 = +9% (10/110); exact test p > 0.05 -> not significant
    assert text.endswith(
        "120 offences in October 2022, 9% above Oct 2019 (110), not a significant change "
        "(within what chance would give)."
    )
    s2 = example_series(200)
    text2 = narrative.spc_sentence("Burglary", spc.xmr(s2), baselines=trends.baselines(s2))
    # 200 vs 110: +82% (90/110), z = (200 - 155)/sqrt(77.5) = 5.1: significant
    assert text2.endswith(
        "200 offences in October 2022, 82% above Oct 2019 (110), a significant increase."
    )


def test_baseline_sentence_and_not_available():
    b = trends.baselines(example_series(120)).set_index("baseline", drop=False)
    assert narrative.baseline_sentence("Burglary", b.loc["Same period last year"]) == (
        "Burglary: 120 offences in Oct 2022, 20% above Oct 2021 (100), not a significant "
        "change (within what chance would give)."
    )
    late = pd.Series(100.0, index=pd.period_range("2019-12", periods=35, freq="M"))
    row = trends.baselines(late, kinds=["2019"]).iloc[0]
    assert narrative.baseline_clause(row) == (
        "no comparison with same period in 2019 (pre-pandemic) (no data for 2019-10 (the "
        "data start in 2019-12))"
    )


def test_change_sentence():
    t = trends.change_test(120, 100)
    assert narrative.change_sentence(
        "Burglary", t, now_label="October 2022", before_label="October 2021"
    ) == (
        "Burglary went from 100 offences in October 2021 to 120 in October 2022 (up 20%); "
        "this is not a significant change (p = 0.20)."
    )
    # 15 vs 5: p = 2 * 21700/1048576 = 0.041
    t2 = trends.change_test(15, 5)
    assert narrative.change_sentence("Robbery", t2, now_label="2022", before_label="2021") == (
        "Robbery went from 5 offences in 2021 to 15 in 2022 (up 200%); this is a "
        "significant increase (p = 0.04)."
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 300), st.integers(0, 300))
def test_change_words_follow_the_p_value(now, before):
    t = trends.change_test(now, before)
    text = narrative.change_sentence("X", t, now_label="b", before_label="a")
    if t.p_value >= 0.05:
        assert "not a significant change" in text
        assert "significant increase" not in text and "significant decrease" not in text
    else:
        assert ("significant increase" in text) == (now > before)
        assert ("significant decrease" in text) == (now < before)


def test_assurance_sentence():
    assert narrative.assurance_sentence("Answering 999 calls", "consistent_fail", 90) == (
        "Answering 999 calls will consistently miss its target of 90 unless something changes."
    )
    assert narrative.assurance_sentence("X", None, None) == "X has no target to assess."


def test_rate_peer_and_funnel_sentences():
    data = pd.DataFrame({"count": [50, 80, 20], "population": [10_000] * 3}, index=["A", "B", "C"])
    t = compare.rates_table(data, national_rate=4.0)
    # B: 8.0 per 1,000, interval about 6.34 to 9.96 (Garwood for 80), above 4.0
    text = narrative.rate_sentence("B", t.loc["B"], what="violence")
    assert text.startswith("B's rate of violence, 8.0 per 1,000 people (95% confidence interval")
    assert text.endswith("is significantly higher than the national rate of 4.0 per 1,000.")
    assert "not significantly different from" in narrative.rate_sentence(
        "A", t.loc["A"], what="violence"
    )
    peers = pd.DataFrame({"count": [15, 2, 3], "population": [1000] * 3}, index=["Us", "P1", "P2"])
    c = compare.compare_with_peers(peers, "Us", ["P1", "P2"])
    assert narrative.peer_sentence(c, what="robbery") == (
        "Us's rate of robbery (15.0 per 1,000) is significantly higher than the combined rate "
        "of its 2 peer forces (2.5 per 1,000: their offences over their population, a weighted "
        "average); it is the 1st highest of 3."
    )
    f = compare.funnel(
        pd.DataFrame({"count": [17, 10], "population": [1000, 1000]}, index=["A", "C"]),
        target_rate=10,
    )
    assert narrative.funnel_sentence("A", f.loc["A"], what="violence") == (
        "A's rate of violence (17.0 per 1,000) is above the 95% limit but within the 99.8% "
        "limit: possibly more than chance, worth watching."
    )
    assert "within the 95% limits" in narrative.funnel_sentence("C", f.loc["C"], what="v")


def test_sentences_reject_unknown_verdicts():
    with pytest.raises(KeyError):
        narrative.baseline_clause(
            pd.Series(
                {"verdict": "huge", "baseline_count": 1.0, "baseline_period": "x",
                 "baseline": "Same period last year", "pct_change": np.nan,
                 "current_period": "y"}
            )
        )  # fmt: skip


def test_spc_sentence_agrees_verb_and_unit_with_the_numbers():
    # A constant series of 1s: common cause, latest value exactly 1.
    r = spc.xmr(pd.Series([1.0] * 12, index=MONTHS[:12]))
    text = narrative.spc_sentence("Public order offences", r)
    assert text.startswith("Public order offences show common-cause variation:")
    assert text.endswith("; 1 offence in December 2021.")
    assert narrative.spc_sentence("Robbery", r).startswith("Robbery shows ")
