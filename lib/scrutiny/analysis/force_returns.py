"""The return KPIs: 999 and 101 call handling and victim satisfaction, as shares.

Each :class:`~scrutiny.analysis.kpis.ReturnKpi` in the registry's ``return_kpis:`` is a
share (numerator over denominator, two count columns of a force return).
:func:`return_kpi_series` gives it month by month with an exact (Clopper-Pearson)
interval, as a survey share needs (a month's survey may ask fewer than a hundred
victims); :func:`return_kpi_summary` gives the latest month, the latest 12 months pooled
and the 12 before, with the difference tested (Newcombe's interval).

These KPIs are not in the cycle's assessment (they are force-level shares, not crime
counts for the force and each district), and plan delivery never grades them. While a
return is SYNTHETIC (:mod:`scrutiny.data.returns`) every row says so, ``graded`` and
``exception`` are False whatever the figures show, and the sentences begin by saying the
figures are illustrative: a synthetic figure is never graded, never escalated and never
a public finding. A real return is described the same way, but not graded either until
a grading rule for return KPIs is agreed (``status`` says which).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scrutiny.analysis.kpis import ReturnKpi
from scrutiny.analysis.narrative import fmt_int, month_text
from scrutiny.stats.dispersion import clopper_pearson_ci, newcombe_difference

NOT_GRADED_SYNTHETIC = "Not graded: synthetic example return, figures illustrative"
NOT_GRADED_REAL = "Not graded: no grading rule for return KPIs yet"


def return_kpi_series(
    kpi: ReturnKpi, returns: Mapping[str, pd.DataFrame], *, alpha: float = 0.05
) -> pd.DataFrame:
    """Monthly share of a return KPI with its exact interval.

    Parameters
    ----------
    kpi
        The KPI (its ``source`` names the return).
    returns
        :func:`scrutiny.data.returns.load_returns` (keys ``calls``, ``victims``, ...).
    alpha
        1 - confidence of the interval.

    Returns
    -------
    DataFrame
        ``month``, ``numerator``, ``denominator`` (int), ``share``, ``lower``, ``upper``
        (per cent; NaN when the denominator is 0), ``synthetic``.
    """
    df = returns[kpi.source]
    if kpi.groups is not None:
        df = df[df["group"].isin(kpi.groups)]
    g = df.groupby("month", sort=True).agg(
        numerator=(kpi.numerator, "sum"),
        denominator=(kpi.denominator, "sum"),
        synthetic=("synthetic", "any"),
    )
    out = g.reset_index()
    out["numerator"] = out["numerator"].astype("int64")
    out["denominator"] = out["denominator"].astype("int64")
    ok = out["denominator"].to_numpy() > 0
    share = np.full(len(out), np.nan)
    lo = np.full(len(out), np.nan)
    hi = np.full(len(out), np.nan)
    if ok.any():
        x, n = out["numerator"].to_numpy()[ok], out["denominator"].to_numpy()[ok]
        share[ok] = x / n * 100
        a, b = clopper_pearson_ci(x, n, alpha)
        lo[ok], hi[ok] = np.asarray(a) * 100, np.asarray(b) * 100
    out["share"], out["lower"], out["upper"] = share, lo, hi
    return out[["month", "numerator", "denominator", "share", "lower", "upper", "synthetic"]]


def _pooled(s: pd.DataFrame, alpha: float) -> tuple[int, int, float, float, float]:
    x, n = int(s["numerator"].sum()), int(s["denominator"].sum())
    if n == 0:
        return x, n, np.nan, np.nan, np.nan
    lo, hi = clopper_pearson_ci(x, n, alpha)
    return x, n, x / n * 100, lo * 100, hi * 100


def return_kpi_summary(
    kpis: Mapping[str, ReturnKpi],
    returns: Mapping[str, pd.DataFrame],
    data_to: str,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Latest month and latest 12 months against the 12 before, for each return KPI.

    Returns
    -------
    DataFrame
        One row per KPI: ``kpi``, ``name``, ``latest_month``, ``latest_share``,
        ``latest_lower``, ``latest_upper``, ``latest_n``; ``share_12m``, ``lower_12m``,
        ``upper_12m``, ``n_12m``; ``share_prev_12m``, ``n_prev_12m``; ``change_pts``
        (percentage points), ``change_lower``, ``change_upper``, ``change_significant``;
        ``target`` (per cent or NaN), ``direction``, ``national_measure``,
        ``synthetic``, ``graded`` (always False), ``exception`` (always False),
        ``status`` (why not graded), ``sentence``.
    """
    end = pd.Timestamp(f"{data_to}-01")
    rows = []
    for kid, k in kpis.items():
        s = return_kpi_series(k, returns, alpha=alpha)
        s = s[s["month"] <= end]
        if s.empty:
            raise ValueError(f"the {k.source} return has no month up to {data_to} for {kid}")
        last = s.iloc[-1]
        cut = last["month"] - pd.DateOffset(months=12)
        cur = s[s["month"] > cut]
        prev = s[(s["month"] <= cut) & (s["month"] > cut - pd.DateOffset(months=12))]
        x1, n1, p1, lo1, hi1 = _pooled(cur, alpha)
        x0, n0, p0, _, _ = _pooled(prev, alpha)
        full_prev = len(prev) == 12 and len(cur) == 12
        if full_prev and n0 > 0 and n1 > 0:
            d = newcombe_difference(x1, n1, x0, n0, alpha=alpha)
            change = (d.difference * 100, d.lower * 100, d.upper * 100, d.significant)
        else:
            change = (np.nan, np.nan, np.nan, False)
        synthetic = bool(s["synthetic"].any())
        row = {
            "kpi": kid,
            "name": k.name,
            "latest_month": last["month"],
            "latest_share": last["share"],
            "latest_lower": last["lower"],
            "latest_upper": last["upper"],
            "latest_n": int(last["denominator"]),
            "share_12m": p1,
            "lower_12m": lo1,
            "upper_12m": hi1,
            "n_12m": n1,
            "share_prev_12m": p0 if full_prev else np.nan,
            "n_prev_12m": n0 if full_prev else 0,
            "change_pts": change[0],
            "change_lower": change[1],
            "change_upper": change[2],
            "change_significant": bool(change[3]),
            "target": k.target.value if k.target else np.nan,
            "direction": k.direction,
            "national_measure": k.national_measure_text or "",
            "synthetic": synthetic,
            "graded": False,
            "exception": False,
            "status": NOT_GRADED_SYNTHETIC if synthetic else NOT_GRADED_REAL,
        }
        row["sentence"] = _sentence(k, row, len(cur))
        rows.append(row)
    return pd.DataFrame(rows)


def _sentence(k: ReturnKpi, r: dict, months: int) -> str:
    when = month_text(r["latest_month"].strftime("%Y-%m"))
    lead = "SYNTHETIC, illustrative: " if r["synthetic"] else ""
    text = (
        f"{lead}{k.name}: {r['latest_share']:.1f}% in {when} (95% exact interval "
        f"{r['latest_lower']:.1f}% to {r['latest_upper']:.1f}%, of {fmt_int(r['latest_n'])}); "
        f"{r['share_12m']:.1f}% over the {months} months to {when}"
    )
    if not np.isnan(r["change_pts"]):
        sig = (
            "a change the data cannot tell from chance"
            if not r["change_significant"]
            else (
                "a statistically significant "
                + ("rise" if r["change_pts"] > 0 else "fall")
                + f" ({r['change_lower']:+.1f} to {r['change_upper']:+.1f} points)"
            )
        )
        text += (
            f", against {r['share_prev_12m']:.1f}% in the 12 months before "
            f"({r['change_pts']:+.1f} points, {sig})"
        )
    text += "."
    if not np.isnan(r["target"]):
        below = r["share_12m"] < r["target"]
        text += f" The standard is {r['target']:.0f}%; the 12-month share is " + (
            "below it." if below else "at or above it."
        )
    return text


def satisfaction_by_group(
    victims: pd.DataFrame, data_to: str, *, months: int = 12, alpha: float = 0.05
) -> pd.DataFrame:
    """Victims satisfied of victims asked, by survey group, over the latest ``months``.

    Returns
    -------
    DataFrame
        ``group``, ``asked``, ``satisfied``, ``share``, ``lower``, ``upper`` (per cent,
        exact interval), ``synthetic``; then an ``all groups`` row; the period is in
        ``attrs["period"]`` (first and last month).
    """
    end = pd.Timestamp(f"{data_to}-01")
    start = end - pd.DateOffset(months=months - 1)
    v = victims[(victims["month"] >= start) & (victims["month"] <= end)]
    if v.empty:
        raise ValueError(f"the victims return has no month from {start:%Y-%m} to {data_to}")
    g = v.groupby("group", sort=False).agg(
        asked=("asked", "sum"), satisfied=("satisfied", "sum"), synthetic=("synthetic", "any")
    )
    total = pd.DataFrame(
        {
            "asked": [g["asked"].sum()],
            "satisfied": [g["satisfied"].sum()],
            "synthetic": [bool(g["synthetic"].any())],
        },
        index=["all groups"],
    )
    out = pd.concat([g, total]).rename_axis("group").reset_index()
    ok = out["asked"].to_numpy() > 0
    share = np.full(len(out), np.nan)
    lo = np.full(len(out), np.nan)
    hi = np.full(len(out), np.nan)
    x, n = out["satisfied"].to_numpy()[ok], out["asked"].to_numpy()[ok]
    share[ok] = x / n * 100
    a, b = clopper_pearson_ci(x, n, alpha)
    lo[ok], hi[ok] = np.asarray(a) * 100, np.asarray(b) * 100
    out["share"], out["lower"], out["upper"] = share, lo, hi
    out["asked"] = out["asked"].astype("int64")
    out["satisfied"] = out["satisfied"].astype("int64")
    out = out[["group", "asked", "satisfied", "share", "lower", "upper", "synthetic"]]
    first = v["month"].min().strftime("%Y-%m")
    out.attrs["period"] = (first, v["month"].max().strftime("%Y-%m"))
    return out
