"""The page ledger (scrutiny.analysis.disclosure.Ledger): disclosure control over every
figure a public page publishes, with the sums that tie them. Expected values by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from scrutiny.analysis import needs as calc
from scrutiny.analysis.disclosure import Ledger


def _months(led: Ledger, counts: dict[str, int], total: int) -> None:
    for m, n in counts.items():
        led.figure(m, n)
    led.figure("baseline", total)
    led.relate("baseline", list(counts), "baseline months")


def test_a_sub_window_total_would_give_a_withheld_month_back() -> None:
    # The example: a baseline of three months, 26, 33 and 5, printed as a total
    # of 64 (and an average of 21.3, which is the same total). 64 - 26 - 33 = 5.
    led = Ledger(10)
    _months(led, {"Dec": 26, "Jan": 33, "Feb": 5}, 64)
    assert led.leaks() == {}  # nothing withheld yet: 5 is printed, not worked out
    led.withheld.add("Feb")  # what the chart alone would withhold
    assert set(led.leaks()) == {"Feb"}
    led.withheld.clear()
    assert led.protect() == {"Feb", "Dec"}  # 5, then the smallest other part (26)
    assert led.leaks() == {}
    assert not led.hidden("baseline") and not led.hidden("Jan")


def test_the_total_goes_when_it_is_the_only_figure_left_to_withhold() -> None:
    led = Ledger(10)
    _months(led, {"Dec": 26, "Jan": 5}, 31)
    led.fixed.add("Dec")  # printed elsewhere anyway
    assert led.protect() == {"Jan", "baseline"}


def test_a_small_complement_is_protected_like_a_printed_count() -> None:
    # 8,893 offences, 8,887 flagged as in a public place: 8,893 - 8,887 = 6 not flagged.
    led = Ledger(10)
    led.figure("all", 8893, fixed=True)
    led.figure("public", 8887)
    led.figure("not public", 6, published=False)
    led.relate("all", ["public", "not public"])
    assert set(led.leaks()) == {"not public"}
    assert led.protect() == {"public"}
    # Without disclosure control nothing is withheld.
    open_ = Ledger(None)
    open_.figure("x", 3)
    assert open_.protect() == set() and not open_.hidden("x")


def test_nested_rows_are_protected_through_their_difference() -> None:
    # 15 offences with a suspect, 12 of them with a suspect under 25: 3 with a suspect
    # aged 25 or over, never printed but worked out by difference.
    led = Ledger(10)
    led.figure("all ages", 15)
    led.figure("under 25", 12)
    led.figure("25+", 3, published=False)
    led.relate("all ages", ["under 25", "25+"])
    assert led.protect() == {"under 25"}  # the part, not the total


def test_an_unknown_below_the_threshold_costs_female_and_male_only_when_it_must() -> None:
    # Four victims of unknown sex. With no total for the row printed anywhere, only the
    # 4 is withheld: Female and Male survive.
    led = Ledger(10)
    for k, v in {"F": 2776, "M": 6055, "U": 4}.items():
        led.figure(k, v)
    assert led.protect() == {"U"}
    # When the page prints the row's total (2,776 + 6,055 + 4 = 8,835), one more must go:
    # the smaller of Female and Male, never the printed total.
    led = Ledger(10)
    led.figure("total", 8835, fixed=True)
    for k, v in {"F": 2776, "M": 6055, "U": 4}.items():
        led.figure(k, v)
    led.relate("total", ["F", "M", "U"])
    assert led.protect() == {"U", "F"}


def test_a_leak_that_nothing_can_stop_is_an_error() -> None:
    led = Ledger(10)
    led.figure("all", 20, fixed=True)
    led.figure("part", 17, fixed=True)
    led.figure("rest", 3, published=False)
    led.relate("all", ["part", "rest"], "flagged")
    with pytest.raises(ValueError, match="cannot protect 'rest' \\(flagged\\)"):
        led.protect()
    with pytest.raises(ValueError, match="recorded as 20.0 and 21"):
        led.figure("all", 21)
    with pytest.raises(KeyError, match="unknown figures"):
        led.relate("all", ["nothing"])


def test_the_needs_page_ledger_protects_the_whole_page() -> None:
    # A baseline of December to February (26, 33, 5 = 64), data to February 2021: the
    # same months a year later (40, 41, 42 = 123) are the latest 3 months too.
    months = pd.period_range("2019-12", "2021-02", freq="M")
    counts = [26, 33, 5] + [30] * 9 + [40, 41, 42]
    monthly = pd.Series(counts, index=months, dtype=float)
    base = calc.Baseline(pd.Period("2019-12", "M"), pd.Period("2020-02", "M"))
    windows = calc.comparison_windows(base, data_to="2021-02", recent_months=3)
    table = calc.baseline_comparison(monthly, base, data_to="2021-02", recent_months=3)
    assert table["offences"].tolist() == [64, 123, 123]
    sexes = pd.DataFrame(
        {"Female": [40, 30], "Male": [79, 58], "Unknown": [4, 2]}, index=["Victims", "Suspects"]
    )
    repeats = pd.DataFrame(
        {
            "period": ["p", "p"],
            "suspects": ["All ages", "Suspect under 25"],
            "with_suspect": [90, 84],  # 90 - 84 = 6 suspects aged 25 and over
            "by_repeat": [20, 15],
            "share": [22.2, 17.9],
        }
    )
    flags = calc.flag_shares({"knife": 12, "public": 118}, 123)  # 123 - 118 = 5
    led = calc.page_ledger(
        threshold=10,
        sv_total=123,
        trends_={"sv": (monthly, table)},
        windows=windows,
        sexes=sexes,
        repeats=repeats,
        flags=flags,
        printed={calc.period_key("sv", 2): 123},
    )
    # February 2020 (5) and the smallest other baseline month (December, 26).
    assert led.hidden(calc.month_key("sv", "2020-02"))
    assert led.hidden(calc.month_key("sv", "2019-12"))
    assert not led.hidden(calc.period_key("sv", 0))
    # Victims: 40 + 79 + 4 = 123 is the printed serious violence total, so Female (the
    # smaller) goes with the 4. Suspects: 30 + 58 + 2 = 90 is the repeats table's
    # offences with a suspect, so Female goes with the 2.
    assert {k for k in led.withheld if k.startswith("sex:")} == {
        "sex:Victims:Unknown",
        "sex:Victims:Female",
        "sex:Suspects:Unknown",
        "sex:Suspects:Female",
    }
    # 6 aged 25 and over: the under-25 row's count goes. 5 not in a public place: the
    # public place count goes.
    assert led.hidden(calc.repeat_key("p", "Suspect under 25", "with_suspect"))
    assert not led.hidden(calc.repeat_key("p", "All ages", "with_suspect"))
    assert led.hidden("flag:public") and not led.hidden("flag:knife")
    assert led.leaks() == {}
