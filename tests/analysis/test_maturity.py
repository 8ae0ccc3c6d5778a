"""Outcome maturity from two snapshots of the same crimes: hand-made snapshots."""

from __future__ import annotations

import pandas as pd
import pytest

from scrutiny.analysis import maturity

CHARGE = "Awaiting court outcome"
OPEN = "Under investigation"
DONE = "Investigation complete; no suspect identified"


def _crimes(rows):
    return pd.DataFrame(rows, columns=["crime_id", "month", "last_outcome"])


def test_curve_from_two_snapshots():
    # Early snapshot as of 2022-03. January: 4 crimes, 2 charged early, 4 charged late;
    # March: 4 crimes, 0 charged early (3 under investigation), 2 charged late.
    early = _crimes(
        [("a", "2022-01", CHARGE), ("b", "2022-01", CHARGE), ("c", "2022-01", OPEN)]
        + [("d", "2022-01", DONE), ("e", "2022-03", OPEN), ("f", "2022-03", OPEN)]
        + [("g", "2022-03", OPEN), ("h", "2022-03", DONE), (None, "2022-03", None)]
    )
    late = _crimes(
        [("a", "2022-01", CHARGE), ("b", "2022-01", CHARGE), ("c", "2022-01", CHARGE)]
        + [("d", "2022-01", CHARGE), ("e", "2022-03", CHARGE), ("f", "2022-03", CHARGE)]
        + [("g", "2022-03", DONE), ("h", "2022-03", DONE), ("z", "2022-04", CHARGE)]
    )
    c = maturity.maturity_curve(early, late, early_as_of="2022-03").set_index("month")
    assert list(c.index) == ["2022-01", "2022-03"]
    assert c.loc["2022-01", "lag"] == 2 and c.loc["2022-03", "lag"] == 0
    assert c.loc["2022-01", "crimes"] == 4  # the crime without an id is ASB: ignored
    assert c.loc["2022-01", "completeness"] == pytest.approx(2 / 4)
    assert c.loc["2022-03", "completeness"] == pytest.approx(0 / 2)
    assert c.loc["2022-03", "pending_early"] == pytest.approx(3 / 4)
    assert c.loc["2022-03", "pending_late"] == 0


def test_provisional_lag_needs_every_older_month_complete_enough():
    curve = pd.DataFrame(
        {"lag": [0, 1, 2, 3, 4, 5], "completeness": [0.3, 0.6, 0.85, 0.79, 0.9, 0.95]}
    )
    # lag 3 is below 0.8, so months at lags 0 to 3 are provisional: the answer is 4
    assert maturity.provisional_lag(curve, 0.8) == 4
    assert maturity.provisional_lag(curve, 0.5) == 1
    assert maturity.provisional_lag(curve, 0.99) == 6  # none complete enough: all of them
    assert maturity.provisional_lag(pd.DataFrame(columns=["lag", "completeness"])) is None
    with pytest.raises(ValueError, match="completeness"):
        maturity.provisional_lag(curve, 1.5)


def test_the_measured_leicestershire_curve():
    # The committed snapshots: charges recorded by October 2022 against the later
    # republication, counted independently with pandas from the raw files (see
    # data/README.md): October 2022 143 of 531, April 2022 508 of 636, January 498 of 570.
    from scrutiny.data import DataSources

    curve, why = maturity.measured_curve(DataSources())
    assert why == ""
    c = curve.set_index("month")
    assert (c.loc["2022-10", "charged_early"], c.loc["2022-10", "charged_late"]) == (143, 531)
    assert (c.loc["2022-04", "charged_early"], c.loc["2022-04", "charged_late"]) == (508, 636)
    assert (c.loc["2022-01", "charged_early"], c.loc["2022-01", "charged_late"]) == (498, 570)
    assert c.loc["2022-10", "pending_early"] == pytest.approx(0.514, abs=1e-3)
    # April 2022 (lag 6) has 79.9% of its charges: the latest seven months are provisional
    assert maturity.provisional_lag(curve, 0.8) == 7
