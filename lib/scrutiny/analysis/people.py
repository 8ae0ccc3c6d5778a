"""People: officers, staff and PCSOs per 1,000 residents against peers, and the people return.

Two sources:

* the Home Office workforce tables (:mod:`scrutiny.data.workforce`), real and published:
  officer, staff and PCSO full-time equivalents by force at 31 March and 30 September
  2014 to 2019, and officers at 31 March 2025. :func:`workforce_per_1000` divides them by
  each force's resident population and compares the force with its peer group (the one
  the cycle's assessment uses, :attr:`Assessment.peers`) and with all English forces.
  The only population this project holds for every force is the **2011 Census** (summed
  over the force's LSOAs, :func:`scrutiny.data.force_profiles`); it is used for every
  date, so later rates are somewhat overstated where population grew, and the Welsh
  forces (no LSOA lookup) are left out. Pages say so.
* the force's monthly people return (:mod:`scrutiny.data.returns`): strength against
  establishment, joiners, leavers, sickness and complaints; :func:`people_return_summary`
  describes the latest month and the latest 12 months. While the return is SYNTHETIC
  these figures are illustrative: described, never graded, never escalated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrutiny.analysis.narrative import fmt_int, month_text
from scrutiny.data.geography import force_key
from scrutiny.data.workforce import WORKER_LABELS, latest_figures

POPULATION_NOTE = (
    "Per 1,000 residents uses the 2011 Census population of each force area for every "
    "date (the only population this project holds for every force), so rates for later "
    "years are somewhat overstated where the population has grown. Welsh forces are not "
    "compared: the population lookup covers England only."
)


def force_series(workforce: pd.DataFrame, force: str, *, measure: str = "FTE") -> pd.DataFrame:
    """The force's officers, staff and PCSOs at every published date (latest publication).

    Returns
    -------
    DataFrame
        ``as_at`` and one column per worker type (``officer``, ``staff``, ``pcso``; NaN
        where a table has no figure), sorted by date.

    Raises
    ------
    ValueError
        A force the tables do not hold.
    """
    latest = latest_figures(workforce)
    latest = latest[latest["measure"] == measure]
    mine = latest[latest["force"].map(force_key) == force_key(force)]
    if mine.empty:
        raise ValueError(f"the workforce tables hold no {measure} figures for {force!r}")
    wide = mine.pivot_table(index="as_at", columns="worker_type", values="value", aggfunc="first")
    for w in WORKER_LABELS:
        if w not in wide.columns:
            wide[w] = np.nan
    return wide[list(WORKER_LABELS)].reset_index().rename_axis(columns=None)


def workforce_per_1000(
    workforce: pd.DataFrame,
    profiles: pd.DataFrame,
    force: str,
    peers: Sequence[str],
    *,
    worker_type: str = "officer",
    measure: str = "FTE",
) -> pd.DataFrame:
    """Full-time equivalents per 1,000 residents for the force, its peers and England.

    Parameters
    ----------
    workforce
        :func:`scrutiny.data.workforce.load_workforce` (every publication).
    profiles
        :func:`scrutiny.data.force_profiles`: ``force`` and ``population_2011``.
    force
        The force (any spelling :func:`force_key` knows).
    peers
        Its peer forces (e.g. ``Assessment.peers.peers``).
    worker_type, measure
        ``officer``, ``staff`` or ``pcso``; ``FTE`` or ``headcount``.

    Returns
    -------
    DataFrame
        One row per date: ``as_at``, ``force_value`` (FTE), ``force_per_1000``,
        ``peer_per_1000`` (peers pooled: their FTE over their population),
        ``peer_min_per_1000``, ``peer_max_per_1000``, ``england_per_1000`` (every English
        force pooled), ``peers_counted`` and ``forces_counted`` (forces with a figure
        that date).
    """
    latest = latest_figures(workforce)
    latest = latest[(latest["worker_type"] == worker_type) & (latest["measure"] == measure)]
    pop = profiles.assign(key=profiles["force"].map(force_key)).set_index("key")["population_2011"]
    latest = latest.assign(key=latest["force"].map(force_key))
    latest = latest[latest["key"].isin(pop.index)]
    latest = latest.assign(population=latest["key"].map(pop))
    me = force_key(force)
    peer_keys = {force_key(p) for p in peers}
    rows = []
    for as_at, g in latest.groupby("as_at"):
        mine = g[g["key"] == me]
        pg = g[g["key"].isin(peer_keys)]
        pr = pg["value"] / pg["population"] * 1000
        rows.append(
            {
                "as_at": as_at,
                "force_value": float(mine["value"].iat[0]) if len(mine) else np.nan,
                "force_per_1000": (
                    float(mine["value"].iat[0] / mine["population"].iat[0] * 1000)
                    if len(mine)
                    else np.nan
                ),
                "peer_per_1000": (
                    float(pg["value"].sum() / pg["population"].sum() * 1000) if len(pg) else np.nan
                ),
                "peer_min_per_1000": float(pr.min()) if len(pr) else np.nan,
                "peer_max_per_1000": float(pr.max()) if len(pr) else np.nan,
                "england_per_1000": float(g["value"].sum() / g["population"].sum() * 1000),
                "peers_counted": len(pg),
                "forces_counted": len(g),
            }
        )
    return pd.DataFrame(rows)


def peer_table(
    workforce: pd.DataFrame,
    profiles: pd.DataFrame,
    force: str,
    peers: Sequence[str],
    as_at: str | pd.Timestamp,
    *,
    worker_type: str = "officer",
) -> pd.DataFrame:
    """The force and each peer at one date: FTE, 2011 population, per 1,000, rank.

    Returns
    -------
    DataFrame
        ``force`` (as the workforce tables spell it), ``fte``, ``population_2011``,
        ``per_1000``, ``is_force``; the force first, then peers by ``per_1000``
        (highest first).
    """
    latest = latest_figures(workforce)
    at = pd.Timestamp(as_at)
    g = latest[
        (latest["worker_type"] == worker_type)
        & (latest["measure"] == "FTE")
        & (latest["as_at"] == at)
    ]
    pop = profiles.assign(key=profiles["force"].map(force_key)).set_index("key")["population_2011"]
    keys = {force_key(force)} | {force_key(p) for p in peers}
    g = g.assign(key=g["force"].map(force_key))
    g = g[g["key"].isin(keys) & g["key"].isin(pop.index)]
    out = pd.DataFrame(
        {
            "force": g["force"],
            "fte": g["value"],
            "population_2011": g["key"].map(pop).astype("int64"),
            "is_force": g["key"] == force_key(force),
        }
    )
    out["per_1000"] = out["fte"] / out["population_2011"] * 1000
    out = out.sort_values(["is_force", "per_1000"], ascending=[False, False])
    return out[["force", "fte", "population_2011", "per_1000", "is_force"]].reset_index(drop=True)


def per_1000_sentence(table: pd.DataFrame, force: str, worker_type: str = "officer") -> str:
    """One sentence on the latest date of :func:`workforce_per_1000`."""
    last = table.dropna(subset=["force_per_1000"]).iloc[-1]
    what = WORKER_LABELS[worker_type]
    when = pd.Timestamp(last["as_at"]).strftime("%-d %B %Y")
    f, p, e = last["force_per_1000"], last["peer_per_1000"], last["england_per_1000"]
    rel = "more" if f > p else "fewer"
    return (
        f"At {when} {force} had {fmt_int(round(last['force_value']))} full-time equivalent "
        f"{what}: {f:.2f} per 1,000 residents, {rel} than its peers pooled ({p:.2f}; "
        f"{int(last['peers_counted'])} forces, range {last['peer_min_per_1000']:.2f} to "
        f"{last['peer_max_per_1000']:.2f}) and against {e:.2f} for England's "
        f"{int(last['forces_counted'])} forces."
    )


# ------------------------------------------------------------------------- people return


@dataclass(frozen=True)
class PeopleSummary:
    """The people return described at ``data_to`` (see :func:`people_return_summary`)."""

    data_to: str
    synthetic: bool
    table: pd.DataFrame
    sentences: list[str]


def people_return_summary(people: pd.DataFrame, data_to: str) -> PeopleSummary:
    """Strength against establishment, joiners, leavers, sickness and complaints.

    Parameters
    ----------
    people
        :func:`scrutiny.data.returns.load_return` of a people return.
    data_to
        Last month to use (``YYYY-MM``); later months are ignored.

    Returns
    -------
    PeopleSummary
        ``table``: one row per worker type (``officer``, ``staff``, ``pcso``):
        ``establishment``, ``strength``, ``gap`` (strength minus establishment),
        ``strength_pct`` (of establishment), ``joiners_12m``, ``leavers_12m``,
        ``sickness_days_per_fte_12m`` (PCSOs: not in the return, NaN); and sentences for
        the page, which say "synthetic" when the return is.

    Raises
    ------
    ValueError
        No month of the return at or before ``data_to``.
    """
    end = pd.Timestamp(f"{data_to}-01")
    df = people[people["month"] <= end].sort_values("month")
    if df.empty:
        raise ValueError(f"the people return has no month up to {data_to}")
    last = df.iloc[-1]
    year = df[df["month"] > last["month"] - pd.DateOffset(months=12)]
    rows = []
    for w in ("officer", "staff", "pcso"):
        est, strength = float(last[f"{w}_establishment"]), float(last[f"{w}_strength"])
        sick = (
            float(year[f"{w}_sickness_days"].sum() / year[f"{w}_strength"].mean())
            if f"{w}_sickness_days" in year
            else np.nan
        )
        rows.append(
            {
                "worker_type": w,
                "establishment": est,
                "strength": strength,
                "gap": strength - est,
                "strength_pct": strength / est * 100 if est > 0 else np.nan,
                "joiners_12m": int(year[f"{w}_joiners"].sum()) if f"{w}_joiners" in year else None,
                "leavers_12m": int(year[f"{w}_leavers"].sum()) if f"{w}_leavers" in year else None,
                "sickness_days_per_fte_12m": sick,
            }
        )
    table = pd.DataFrame(rows)
    synthetic = bool(df["synthetic"].any())
    when = month_text(last["month"].strftime("%Y-%m"))
    n = len(year)
    span = f"the {n} months to {when}" if n > 1 else when
    o = table.iloc[0]
    words = "SYNTHETIC example return: illustrative, not the force's figures. " if synthetic else ""
    s = [
        f"{words}At the end of {when} officer strength was {fmt_int(round(o['strength']))} "
        f"FTE against an establishment of {fmt_int(round(o['establishment']))} "
        f"({o['strength_pct']:.1f}%, {fmt_int(round(abs(o['gap'])))} "
        f"{'below' if o['gap'] < 0 else 'above'})."
    ]
    s.append(
        f"In {span}, {fmt_int(o['joiners_12m'])} officers joined and "
        f"{fmt_int(o['leavers_12m'])} left; officers lost {o['sickness_days_per_fte_12m']:.1f} "
        "working days each to sickness."
    )
    logged = int(year["complaint_allegations_logged"].sum())
    informal = int(year["complaint_allegations_informal"].sum())
    if informal:
        w = year["complaint_allegations_informal"]
        days = float((year["complaint_informal_days"].fillna(0) * w).sum() / w.sum())
        s.append(
            f"{fmt_int(logged)} complaint allegations were logged in {span}; "
            f"{fmt_int(informal)} were finalised by informal handling, in {days:.1f} working "
            "days on average."
        )
    else:
        s.append(f"{fmt_int(logged)} complaint allegations were logged in {span}.")
    return PeopleSummary(data_to, synthetic, table, s)
