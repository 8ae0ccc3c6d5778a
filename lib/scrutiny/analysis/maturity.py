"""Outcome maturity: how long it takes for the outcomes of a month's crimes to be recorded.

police.uk publishes each crime's *latest* outcome. A recent month's crimes are still being
investigated, so its share "charged" looks low and rises for months afterwards. Read as a
fall, that is a false finding. Two snapshots of the same crimes (the same Crime IDs,
published at different times) show how outcomes mature: for each offence month, the charges
recorded in the earlier snapshot as a share of those recorded later, against the months
that had passed when the earlier snapshot was taken.

* :func:`maturity_curve` measures that from two crime tables;
* :func:`provisional_lag` turns it into the number of latest months whose outcomes are too
  immature to judge (below a completeness threshold, 80% by default);
* :func:`measured_curve` loads the two snapshots a :class:`~scrutiny.data.DataSources`
  names (``street_crime`` and ``republished``).

Measured on Leicestershire 2022 (snapshot to October 2022 against the later republication):
27% of eventual charges are recorded in the offence month itself, 60% after three months,
80% after six (79.9%), 87% after nine; at the default 80% threshold the latest seven
months are provisional.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scrutiny.data import DataSources, load_crimes
from scrutiny.data.police_uk import CHARGED_OUTCOMES

#: Outcomes that mean the investigation has not finished (or its result is not known yet).
PENDING = ("Under investigation", "Status update unavailable")
#: Completeness of charges below which a month's outcomes are provisional.
DEFAULT_COMPLETENESS = 0.8
#: The lag used when no second snapshot is available: the one measured on Leicestershire
#: 2022 at 80% completeness (seven months).
DEFAULT_LAG = 7

CURVE_COLUMNS = [
    "month",
    "lag",
    "crimes",
    "pending_early",
    "pending_late",
    "charged_early",
    "charged_late",
    "completeness",
]


def maturity_curve(
    early: pd.DataFrame,
    late: pd.DataFrame,
    *,
    early_as_of: str,
    charged: Sequence[str] = CHARGED_OUTCOMES,
) -> pd.DataFrame:
    """Measure outcome maturity from two snapshots of the same crimes.

    Parameters
    ----------
    early, late
        Crimes with ``crime_id``, ``month`` (Timestamp or ``YYYY-MM``) and
        ``last_outcome``: the earlier and the later publication. Only crimes in both (by
        ``crime_id``) are counted; rows without an id (anti-social behaviour) are ignored.
    early_as_of
        The last month of data in the earlier snapshot (``YYYY-MM``): the lag of an
        offence month is the number of months from it to this month.
    charged
        The outcomes that count as a charge or summons.

    Returns
    -------
    DataFrame
        One row per offence month: ``month`` (``YYYY-MM``), ``lag`` (months),
        ``crimes``, ``pending_early`` and ``pending_late`` (shares still under
        investigation or without a status), ``charged_early`` and ``charged_late``
        (counts), ``completeness`` (charged_early / charged_late; NaN without charges).
    """
    need = {"crime_id", "month", "last_outcome"}
    for name, frame in (("early", early), ("late", late)):
        missing = need - set(frame.columns)
        if missing:
            raise ValueError(f"the {name} snapshot has no column(s) {sorted(missing)}")
    e = early.dropna(subset=["crime_id"])[["crime_id", "month", "last_outcome"]]
    lt = late.dropna(subset=["crime_id"])[["crime_id", "last_outcome"]]
    both = e.merge(lt, on="crime_id", suffixes=("_early", "_late"))
    if both.empty:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    both["month"] = pd.to_datetime(both["month"].astype(str).str[:7] + "-01").dt.to_period("M")
    charged_set = set(charged)
    both["pe"] = both["last_outcome_early"].isin(PENDING)
    both["pl"] = both["last_outcome_late"].isin(PENDING)
    both["ce"] = both["last_outcome_early"].isin(charged_set)
    both["cl"] = both["last_outcome_late"].isin(charged_set)
    g = both.groupby("month")
    out = pd.DataFrame(
        {
            "crimes": g.size(),
            "pending_early": g["pe"].mean(),
            "pending_late": g["pl"].mean(),
            "charged_early": g["ce"].sum().astype("int64"),
            "charged_late": g["cl"].sum().astype("int64"),
        }
    )
    as_of = pd.Period(early_as_of, "M")
    out["lag"] = [(as_of - m).n for m in out.index]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["completeness"] = np.where(
            out["charged_late"] > 0, out["charged_early"] / out["charged_late"], np.nan
        )
    out = out[out["lag"] >= 0].reset_index()
    out["month"] = out["month"].astype(str)
    return out[CURVE_COLUMNS]


def provisional_lag(curve: pd.DataFrame, completeness: float = DEFAULT_COMPLETENESS) -> int | None:
    """How many of the latest months are provisional.

    That is the smallest lag L such that every month at lag L or more has at least
    ``completeness`` of its eventual charges recorded. Returns None for an empty curve
    (nothing measured). Months older than the curve reaches count as mature.

    Examples
    --------
    >>> c = pd.DataFrame({"lag": [0, 1, 2, 3], "completeness": [0.3, 0.7, 0.85, 0.9]})
    >>> provisional_lag(c, 0.8)
    2
    """
    if not 0 < completeness <= 1:
        raise ValueError(f"completeness must be above 0 and at most 1, got {completeness}")
    c = curve.dropna(subset=["completeness"]).sort_values("lag")
    if c.empty:
        return None
    lag = int(c["lag"].max()) + 1
    for _, row in c.iloc[::-1].iterrows():
        if row["completeness"] < completeness:
            break
        lag = int(row["lag"])
    return lag


def measured_curve(sources: DataSources) -> tuple[pd.DataFrame, str]:
    """The maturity curve of the force's own data, if a later snapshot is named.

    Returns
    -------
    tuple
        ``(curve, "")``, or an empty curve and the reason there is none (no
        ``republished`` files, or no crimes in common with ``street_crime``).
    """
    if not sources.republished:
        return pd.DataFrame(columns=CURVE_COLUMNS), "no later snapshot of the data is named"
    early, _ = load_crimes(sources)
    late_sources = sources.model_copy(update={"street_crime": sources.republished})
    late, _ = load_crimes(late_sources)
    if early.empty:
        return pd.DataFrame(columns=CURVE_COLUMNS), "no crimes in the data"
    as_of = early["month"].max().strftime("%Y-%m")
    curve = maturity_curve(early, late, early_as_of=as_of)
    if curve.empty:
        return curve, "the later snapshot holds none of the same crimes"
    return curve, ""
