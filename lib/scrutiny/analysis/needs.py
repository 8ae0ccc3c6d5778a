"""Statistics of the serious-violence needs assessment (``briefings/needs.py`` lays them out).

Every figure the needs assessment prints under a KPI's name is that KPI as the registry
(``params/kpis.yaml``) defines it, taken from the cycle's assessment
(:mod:`scrutiny.analysis.assessment`): the monthly series (:func:`kpi_monthly`), the totals
of a period (:func:`period_total`, :func:`district_totals`) and the board's 12-month
figures (:func:`rolling_12_table`). Breakdowns the registry cannot define (victims and
suspects by age and sex, repeat suspects, time of day) are counted in the extract rows
that the serious-violence KPI counts (:func:`kpi_rows`), and :func:`check_rows` makes sure
those rows add up to the KPI's figure.

Everything here is pure (DataFrames in, DataFrames out) except :func:`kpi_monthly`, which
reads further months of a KPI (with its registry definition) when a baseline starts
before the assessment's window. Disclosure control is not applied here: the briefing
applies it to what it shows (:mod:`scrutiny.analysis.disclosure`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrutiny.analysis.assessment import TOO_FEW, Assessment, KpiResult
from scrutiny.analysis.disclosure import Ledger
from scrutiny.analysis.kpis import Kpi, kpi_series, select_rows
from scrutiny.analysis.narrative import month_label
from scrutiny.stats import trends

#: The KPI whose offences the needs assessment describes.
SERIOUS_VIOLENCE = "serious_violence"
#: The board's knife KPI (all serious violence flagged knife, domestic abuse included).
KNIFE = "knife_serious_violence"
#: Parts of serious violence shown as shares of it: label -> KPI id in the registry.
FLAG_KPIS: dict[str, str] = {
    "Knife or sharp instrument": "knife_serious_violence_vrn",
    "Night-time economy": "serious_violence_night_time_economy",
    "Public place": "serious_violence_public_place",
}
ROBBERY = "robbery"
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

_RANGE = re.compile(r"^(\d{4}-\d{2})(?:\.\.(\d{4}-\d{2}))?$")
_YEAR = re.compile(r"^(\d{4})$")


# -------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Baseline:
    """The baseline period: first and last month and a plain-English label."""

    start: pd.Period
    end: pd.Period

    @property
    def months(self) -> int:
        """Number of months."""
        return (self.end - self.start).n + 1

    @property
    def pre_pandemic(self) -> bool:
        """True when the baseline ends before March 2020 (the first national lockdown)."""
        return self.end < pd.Period("2020-03", "M")

    @property
    def label(self) -> str:
        """E.g. ``"December 2019 to February 2020"``."""
        if self.start == self.end:
            return month_label(self.start)
        return f"{month_label(self.start)} to {month_label(self.end)}"


def parse_baseline(text: str, *, first_month: str, last_month: str) -> Baseline:
    """Read the ``baseline`` parameter: ``"2019-12..2020-02"``, ``"2019-12"`` or ``"2020"``.

    Parameters
    ----------
    text
        A month range ``YYYY-MM..YYYY-MM``, one month, or a calendar year.
    first_month, last_month
        The data's first and last month (``YYYY-MM``): the baseline must lie within them.

    Returns
    -------
    Baseline

    Raises
    ------
    ValueError
        Naming the parameter, what was given and what is allowed.
    """
    t = text.strip()
    m, y = _RANGE.match(t), _YEAR.match(t)
    try:
        if m:
            start = pd.Period(m.group(1), freq="M")
            end = pd.Period(m.group(2) or m.group(1), freq="M")
        elif y:
            start, end = pd.Period(f"{y.group(1)}-01", "M"), pd.Period(f"{y.group(1)}-12", "M")
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"parameter 'baseline': {text!r} is not a period (expected YYYY-MM..YYYY-MM, "
            "YYYY-MM or a year YYYY, e.g. '2019-12..2020-02')"
        ) from None
    first, last = pd.Period(first_month, "M"), pd.Period(last_month, "M")
    if start > end:
        raise ValueError(f"parameter 'baseline': {text!r} starts after it ends")
    if start < first or end > last:
        raise ValueError(
            f"parameter 'baseline': {text!r} is outside the data, which run from {first_month} "
            f"to {last_month} (the committed police.uk files start in December 2019, so the "
            "pre-pandemic baseline is '2019-12..2020-02')"
        )
    return Baseline(start, end)


def window(rows: pd.DataFrame, *, data_to: str, months: int) -> pd.DataFrame:
    """Rows whose ``month`` is in the ``months`` months ending ``data_to``.

    Parameters
    ----------
    rows
        Record-level rows with a ``month`` column (first of the month).
    data_to
        Last month (``YYYY-MM``).
    months
        Length of the window.

    Returns
    -------
    DataFrame
        The rows inside the window.
    """
    end = pd.Timestamp(f"{data_to}-01")
    start = end - pd.DateOffset(months=months - 1)
    return rows[(rows["month"] >= start) & (rows["month"] <= end)]


# -------------------------------------------------------------------------- KPI figures


def kpi_rows(extract: pd.DataFrame, kpi: Kpi) -> pd.DataFrame:
    """The extract rows a KPI counts, by its registry definition.

    Parameters
    ----------
    extract
        The force extract (:func:`scrutiny.data.load_extract`).
    kpi
        A KPI counted in the extract (offence codes and/or an extract filter).

    Returns
    -------
    DataFrame
        The rows of ``extract`` the KPI counts.

    Raises
    ------
    ValueError
        A KPI counted in police.uk data, not in the extract.
    """
    if not kpi.uses_extract:
        raise ValueError(f"KPI '{kpi.id}' is counted in police.uk data, not in the extract")
    return extract.loc[select_rows(kpi.definition, extract).to_numpy(dtype=bool)]


def series_counts(series: pd.DataFrame) -> pd.Series:
    """Monthly counts of a :func:`scrutiny.analysis.kpis.kpi_series` frame.

    Parameters
    ----------
    series
        ``month``, ``count`` and ``missing`` columns.

    Returns
    -------
    Series
        Counts (float) on a monthly PeriodIndex, NaN for a month without data.
    """
    counts = series["count"].astype(float).where(~series["missing"].astype(bool))
    return pd.Series(
        counts.to_numpy(), index=pd.PeriodIndex(pd.DatetimeIndex(series["month"]), freq="M")
    )


def kpi_monthly(
    a: Assessment, kpi_id: str, *, area: str | None = None, first_month: str | None = None
) -> pd.Series:
    """A KPI's monthly counts from the assessment (force by default).

    When ``first_month`` is before the assessment's window (``a.start``), the earlier
    months are counted with the same registry definition
    (:func:`scrutiny.analysis.kpis.kpi_series`), so a baseline may start before the SPC
    window.

    Parameters
    ----------
    a
        The cycle's assessment.
    kpi_id
        The KPI.
    area
        The force (default) or a district.
    first_month
        First month wanted (``YYYY-MM``); default the assessment's first month.

    Returns
    -------
    Series
        :func:`series_counts` from ``first_month`` (or ``a.start``) to ``a.data_to``.
    """
    counts = series_counts(a.result(kpi_id, area).series)
    if first_month is None or pd.Period(first_month, "M") >= pd.Period(a.start, "M"):
        return counts
    before_end = pd.Period(a.start, "M") - 1
    earlier = kpi_series(
        a.registry[kpi_id],
        area=area or a.force,
        start=first_month,
        end=str(before_end),
        sources=a.sources,
        registry=a.registry,
    )
    return pd.concat([series_counts(earlier), counts])


def period_total(monthly: pd.Series, *, data_to: str, months: int) -> float:
    """The total of the ``months`` months ending ``data_to`` (NaN if any month has no data).

    Parameters
    ----------
    monthly
        Counts on a monthly PeriodIndex (:func:`series_counts`).
    data_to
        Last month (``YYYY-MM``).
    months
        Length of the period.

    Returns
    -------
    float
    """
    end = pd.Period(data_to, "M")
    vals = monthly.reindex(pd.period_range(end - (months - 1), end, freq="M"))
    return float(vals.sum()) if vals.notna().all() else np.nan


def rolling_12(result: KpiResult) -> pd.Series:
    """The assessment's latest 12 months against the 12 before, for one result.

    Parameters
    ----------
    result
        One KPI in one area from the assessment.

    Returns
    -------
    Series
        The ``Previous 12 months`` row of ``result.baselines``: ``current_period``,
        ``current_count`` (the KPI's 12-month figure, the assessment's ``count_12m``),
        ``baseline_period``, ``baseline_count``, ``pct_change``, ``p_value``, ``verdict``,
        ``note``.
    """
    label = trends.BASELINE_LABELS["rolling_12"]
    rows = result.baselines[result.baselines["baseline"] == label]
    if rows.empty:
        raise KeyError(f"no 12-month comparison for {result.kpi.id} in {result.area}")
    return rows.iloc[0]


def kpi_total(a: Assessment, kpi_id: str, *, data_to: str, months: int) -> float:
    """A KPI's force total over the ``months`` months ending ``data_to``.

    Over the 12 months to the assessment's ``data_to`` this is its own 12-month figure
    (``count_12m``, the rolling-12 ``current_count``); over another period it is the sum
    of the same monthly series.

    Parameters
    ----------
    a
        The cycle's assessment.
    kpi_id
        The KPI.
    data_to
        Last month (``YYYY-MM``); the assessment's own ``data_to`` for the 12-month figure.
    months
        Length of the period.

    Returns
    -------
    float
        NaN when a month of the period has no data.
    """
    result = a.result(kpi_id)
    if months == 12 and data_to == a.data_to and result.provisional_from is None:
        return float(rolling_12(result)["current_count"])
    first = str(pd.Period(data_to, "M") - (months - 1))
    return period_total(kpi_monthly(a, kpi_id, first_month=first), data_to=data_to, months=months)


def district_totals(a: Assessment, kpi_id: str, *, data_to: str, months: int) -> pd.Series:
    """A KPI's total in each district over the ``months`` months ending ``data_to``.

    Parameters
    ----------
    a
        The cycle's assessment.
    kpi_id
        The KPI.
    data_to, months
        The period.

    Returns
    -------
    Series
        Indexed by district (``a.districts`` order), named ``offences``.
    """
    first = str(pd.Period(data_to, "M") - (months - 1))
    totals = [
        period_total(
            kpi_monthly(a, kpi_id, area=d, first_month=first), data_to=data_to, months=months
        )
        for d in a.districts
    ]
    return pd.Series(totals, index=pd.Index(a.districts, name="district"), name="offences")


def check_rows(rows: pd.DataFrame, total: float, *, what: str) -> None:
    """Raise unless the extract rows number the KPI's figure (they are the same offences).

    Parameters
    ----------
    rows
        The rows the breakdowns are counted in.
    total
        The KPI's figure for the same period.
    what
        The KPI and period, for the message.

    Raises
    ------
    ValueError
        When they differ.
    """
    if pd.notna(total) and len(rows) != int(total):
        raise ValueError(
            f"{what}: the extract holds {len(rows):,} offences but the assessment counts "
            f"{int(total):,}; the assessment was computed on other data"
        )


def rolling_12_table(a: Assessment, kpi_ids: Sequence[str]) -> pd.DataFrame:
    """The force's 12-month figures of some KPIs, from the assessment.

    Parameters
    ----------
    a
        The cycle's assessment.
    kpi_ids
        KPIs in the order wanted.

    Returns
    -------
    DataFrame
        Indexed by KPI id: ``name``, ``synthetic``, ``current_period``, ``current_count``,
        ``baseline_period``, ``baseline_count``, ``pct_change``, ``p_value``, ``verdict``,
        ``note``.
    """
    rows = []
    for k in kpi_ids:
        r = a.result(k)
        row = rolling_12(r)
        rows.append(
            {
                "kpi": k,
                "name": r.kpi.name,
                "synthetic": r.synthetic,
                **{
                    c: row[c]
                    for c in (
                        "current_period",
                        "current_count",
                        "baseline_period",
                        "baseline_count",
                        "pct_change",
                        "p_value",
                        "verdict",
                        "note",
                    )
                },
            }
        )
    return pd.DataFrame(rows).set_index("kpi")


def small_difference(whole: float, part: float, *, threshold: int | None) -> bool:
    """Whether ``whole - part`` is a small count (1 to ``threshold - 1``).

    Two published figures of nested definitions (e.g. knife-enabled serious violence with
    and without domestic abuse) give away their difference: when it is small, one of them
    must be withheld.

    >>> small_difference(1411, 906, threshold=10), small_difference(12, 10, threshold=10)
    (False, True)
    """
    if threshold is None or pd.isna(whole) or pd.isna(part):
        return False
    return 0 < whole - part < threshold


# -------------------------------------------------------------------------- rates


def under_25(ages: pd.Series, limit: int = 25) -> pd.Series:
    """True where an age is known and below ``limit``."""
    return (ages < limit).fillna(False).astype(bool)


def district_rates(
    offences: pd.Series, offences_under_25: pd.Series, population: pd.DataFrame
) -> pd.DataFrame:
    """Offences and rates per 1,000 people, all ages and under-25 victims, by district.

    Parameters
    ----------
    offences
        Offences by district (the KPI's district totals).
    offences_under_25
        Offences against a victim aged under 25, by district.
    population
        ``district``, ``all_ages``, ``under_25`` (residents aged 0-24).

    Returns
    -------
    DataFrame
        Indexed by district (the order of ``population``): ``offences``,
        ``rate_per_1000``, ``share_of_force`` (% of the offences placed in a district),
        ``offences_under_25``, ``rate_per_1000_under_25`` (per 1,000 residents aged
        0-24), ``under_25_ratio`` (under-25 rate / all-ages rate).
    """
    pop = population.set_index("district")
    all_n = offences.reindex(pop.index).fillna(0).astype(float)
    u_n = offences_under_25.reindex(pop.index).fillna(0).astype(float)
    out = pd.DataFrame(index=pop.index)
    out["offences"] = all_n
    out["rate_per_1000"] = all_n / pop["all_ages"] * 1000
    out["share_of_force"] = all_n / all_n.sum() * 100 if all_n.sum() else all_n * np.nan
    out["offences_under_25"] = u_n
    out["rate_per_1000_under_25"] = u_n / pop["under_25"] * 1000
    out["under_25_ratio"] = out["rate_per_1000_under_25"] / out["rate_per_1000"]
    out.index.name = "district"
    return out


def district_counts(rows: pd.DataFrame, districts: Sequence[str]) -> pd.Series:
    """Rows per district (0 where none), in the order of ``districts``.

    Parameters
    ----------
    rows
        Record-level rows with a ``district`` column (missing: not placed).
    districts
        The force's districts.

    Returns
    -------
    Series
        Indexed by district.
    """
    placed = rows[rows["district"].notna()]
    n = placed.groupby("district", observed=True).size()
    return n.reindex(pd.Index(list(districts), name="district"), fill_value=0).astype("int64")


def force_rates(
    offences: float, rows: pd.DataFrame, force_population: Mapping[str, float]
) -> dict[str, float]:
    """Force-wide rates per 1,000: all ages, under-25 victims, and suspects by age.

    Parameters
    ----------
    offences
        The KPI's force total for the period.
    rows
        The same offences, one row each: ``victim_age``, ``suspect_id``, ``suspect_age``.
    force_population
        Residents by age band: ``all``, ``0-24``, ``10-24``, ``25+``.

    Returns
    -------
    dict
        ``offences``, ``rate_per_1000``, ``victims_under_25``, ``rate_per_1000_under_25``,
        ``suspect_rate_under_25`` (offences with a suspect aged 10-24 per 1,000 residents
        aged 10-24), ``suspect_rate_25_plus`` (the same for 25 and over) and
        ``suspect_ratio`` (the first over the second: the SNA's "under-25s commit serious
        violence at 1.6 times the rate").
    """
    victims_u25 = int(under_25(rows["victim_age"]).sum())
    sus = rows[rows["suspect_id"].notna()]
    s_age = sus["suspect_age"]
    s_u = int(((s_age >= 10) & (s_age < 25)).fillna(False).sum())
    s_o = int((s_age >= 25).fillna(False).sum())
    u_rate = s_u / force_population["10-24"] * 1000
    o_rate = s_o / force_population["25+"] * 1000
    return {
        "offences": float(offences),
        "rate_per_1000": offences / force_population["all"] * 1000,
        "victims_under_25": float(victims_u25),
        "rate_per_1000_under_25": victims_u25 / force_population["0-24"] * 1000,
        "suspect_rate_under_25": u_rate,
        "suspect_rate_25_plus": o_rate,
        "suspect_ratio": u_rate / o_rate if o_rate else np.nan,
    }


# -------------------------------------------------------------------------- trend


def _sum(s: pd.Series, start: pd.Period, end: pd.Period) -> tuple[float, int]:
    months = pd.period_range(start, end, freq="M")
    vals = s.reindex(months)
    return (float(vals.sum()) if vals.notna().all() else np.nan), len(months)


def dispersion_of(result: KpiResult) -> float:
    """The dispersion factor phi the assessment's change tests of a KPI use (1: Poisson).

    Parameters
    ----------
    result
        One KPI in one area from the assessment.

    Returns
    -------
    float
        phi of the series' latest SPC segment (:func:`scrutiny.stats.dispersion.series_dispersion`),
        1.0 when the method allows for no over-dispersion or the KPI is a share.
    """
    return float(result.baselines.attrs.get("phi", 1.0))


def comparison_windows(
    baseline: Baseline, *, data_to: str, recent_months: int = 12
) -> list[tuple[str, pd.Period, pd.Period]]:
    """The periods of :func:`baseline_comparison`, in its row order: label, first, last month.

    The baseline; the same calendar months in the latest year the data cover (when the
    baseline ended a year or more before ``data_to``); the latest ``recent_months`` months.

    Examples
    --------
    >>> base = Baseline(pd.Period("2019-12", "M"), pd.Period("2020-02", "M"))
    >>> [(str(s), str(e)) for _, s, e in comparison_windows(base, data_to="2022-10")]
    [('2019-12', '2020-02'), ('2021-12', '2022-02'), ('2021-11', '2022-10')]
    """
    end = pd.Period(data_to, "M")
    out = [(f"Baseline: {baseline.label}", baseline.start, baseline.end)]
    shift = 12 * ((end - baseline.end).n // 12)
    if shift > 0:
        s_start, s_end = baseline.start + shift, baseline.end + shift
        out.append((f"Same months, {Baseline(s_start, s_end).label}", s_start, s_end))
    r_start = end - (recent_months - 1)
    out.append((f"Latest {recent_months} months, {Baseline(r_start, end).label}", r_start, end))
    return out


#: Verdict of a period that holds other calendar months than the baseline: not compared.
NOT_LIKE_FOR_LIKE = "not compared: other months of the year"


def like_for_like(baseline: Baseline, start: pd.Period, end: pd.Period) -> bool:
    """Whether ``start`` to ``end`` holds the baseline's calendar months, in the same mix.

    The one baseline rule: a period is compared with the baseline only when seasons match,
    the same calendar months (both whole years, or the same months shifted by whole years).

    >>> winter = Baseline(pd.Period("2019-12", "M"), pd.Period("2020-02", "M"))
    >>> like_for_like(winter, pd.Period("2021-12", "M"), pd.Period("2022-02", "M"))
    True
    >>> like_for_like(winter, pd.Period("2021-11", "M"), pd.Period("2022-10", "M"))
    False
    """
    n, n_base = (end - start).n + 1, baseline.months
    if n % 12 == 0 and n_base % 12 == 0:
        return True
    return n == n_base and (start - baseline.start).n % 12 == 0


def baseline_comparison(
    monthly: pd.Series,
    baseline: Baseline,
    *,
    data_to: str,
    recent_months: int = 12,
    alpha: float = 0.05,
    phi: float = 1.0,
    min_expected: float = 0.0,
) -> pd.DataFrame:
    """Compare recent periods with the baseline, per month, with the assessment's test.

    Rows: the baseline itself; the same calendar months in the latest year the data
    cover (a like-for-like seasonal comparison, as the plan grades make); the latest
    ``recent_months`` months. A period is compared with the baseline only when it holds the
    same calendar months (:func:`like_for_like`): the latest 12 months against a winter
    baseline are shown with their counts but not compared (verdict
    :data:`NOT_LIKE_FOR_LIKE`), as the plan grades them. The test is
    :func:`scrutiny.stats.trends.change_test` with the months as exposures and the
    variance scaled by the series' dispersion ``phi`` (exact Poisson when ``phi`` is 1),
    as the assessment tests every change.

    Parameters
    ----------
    monthly
        Counts on a monthly PeriodIndex; NaN for a month without data.
    baseline
        The baseline period.
    data_to
        Last month (``YYYY-MM``).
    recent_months
        Length of the latest period.
    alpha
        Significance level (the cycle's method).
    phi
        Dispersion factor of the series (:func:`dispersion_of`).
    min_expected
        The least count in the baseline period the method judges (the cycle's
        ``min_expected``); below it every verdict is ``too few to judge``.

    Returns
    -------
    DataFrame
        ``period``, ``months``, ``offences``, ``per_month``, ``change_pct`` (per month,
        against the baseline), ``verdict`` (``significant increase``, ``significant
        decrease``, ``no significant change``, ``not available`` when a month has no
        data, ``too few to judge``, :data:`NOT_LIKE_FOR_LIKE`; empty for the baseline
        row), ``rate_ratio``, ``p_value``.
    """
    b_total, b_n = _sum(monthly, baseline.start, baseline.end)
    rows = [
        {
            "period": f"Baseline: {baseline.label}",
            "months": b_n,
            "offences": b_total,
            "per_month": b_total / b_n,
            "change_pct": np.nan,
            "verdict": "" if pd.notna(b_total) else "not available",
            "rate_ratio": np.nan,
            "p_value": np.nan,
        }
    ]
    for label, s, e in comparison_windows(baseline, data_to=data_to, recent_months=recent_months)[
        1:
    ]:
        total, n = _sum(monthly, s, e)
        row = {
            "period": label,
            "months": n,
            "offences": total,
            "per_month": total / n,
            "change_pct": np.nan,
            "verdict": "not available",
            "rate_ratio": np.nan,
            "p_value": np.nan,
        }
        if not like_for_like(baseline, s, e):
            row["verdict"] = NOT_LIKE_FOR_LIKE
        elif pd.notna(total) and pd.notna(b_total):
            test = trends.change_test(
                total, b_total, exposure_now=n, exposure_before=b_n, alpha=alpha, phi=phi
            )
            if b_total < min_expected:
                verdict = TOO_FEW
            elif not test.significant:
                verdict = "no significant change"
            else:
                verdict = "significant increase" if test.rate_ratio > 1 else "significant decrease"
            base = b_total / b_n
            row.update(
                change_pct=(total / n - base) / base * 100 if b_total else np.nan,
                verdict=verdict,
                rate_ratio=test.rate_ratio,
                p_value=test.p_value,
            )
        rows.append(row)
    return pd.DataFrame(rows)


# -------------------------------------------------------------------------- profiles


def hour_profile(rows: pd.DataFrame) -> pd.DataFrame:
    """Offences by hour of the day (0-23).

    Parameters
    ----------
    rows
        Offences with ``occurred_at`` (timestamp).

    Returns
    -------
    DataFrame
        Index ``hour`` 0-23: ``offences`` and ``share`` (% of all).
    """
    counts = rows["occurred_at"].dt.hour.value_counts().reindex(range(24), fill_value=0)
    out = pd.DataFrame({"offences": counts.astype("int64")})
    out["share"] = out["offences"] / out["offences"].sum() * 100 if len(rows) else 0.0
    out.index.name = "hour"
    return out


def day_profile(rows: pd.DataFrame) -> pd.DataFrame:
    """Offences by day of the week (Monday first).

    Parameters
    ----------
    rows
        Offences with ``occurred_at`` (timestamp).

    Returns
    -------
    DataFrame
        Index ``day`` (Monday to Sunday): ``offences`` and ``share`` (%).
    """
    days = rows["occurred_at"].dt.day_of_week.value_counts().reindex(range(7), fill_value=0)
    out = pd.DataFrame(
        {"offences": days.astype("int64").to_numpy()}, index=pd.Index(DAYS, name="day")
    )
    out["share"] = out["offences"] / out["offences"].sum() * 100 if len(rows) else 0.0
    return out


def peak_hours(hours: pd.DataFrame, n: int = 2) -> list[int]:
    """The ``n`` busiest local peaks (an hour busier than both neighbours, midnight wraps).

    Parameters
    ----------
    hours
        :func:`hour_profile` (``offences`` for hours 0-23).
    n
        How many peaks.

    Returns
    -------
    list of int
        Hours in clock order.
    """
    v = hours["offences"].to_numpy()
    peaks = [h for h in range(24) if v[h] > v[(h - 1) % 24] and v[h] > v[(h + 1) % 24]]
    return sorted(sorted(peaks, key=lambda h: -v[h])[:n])


# -------------------------------------------------------------------------- people


def sex_split(rows: pd.DataFrame) -> pd.DataFrame:
    """Victims and suspects by sex: counts (Female, Male, Unknown) and the male share.

    Parameters
    ----------
    rows
        Offences with ``victim_sex``, ``suspect_id`` and ``suspect_sex`` (F, M or U).

    Returns
    -------
    DataFrame
        Index ``Victims``, ``Suspects``: ``Female``, ``Male``, ``Unknown`` and
        ``male_share`` (% of those with a known sex, F or M, who are male). Victims:
        offences with a recorded victim sex. Suspects: offences with an identified suspect
        (a repeat suspect counts once per offence).
    """
    out_rows = {}
    for who, col, sel in (
        ("Victims", "victim_sex", rows["victim_sex"].notna()),
        ("Suspects", "suspect_sex", rows["suspect_id"].notna() & rows["suspect_sex"].notna()),
    ):
        vc = rows.loc[sel.to_numpy(), col].astype(str).value_counts()
        out_rows[who] = {
            "Female": int(vc.get("F", 0)),
            "Male": int(vc.get("M", 0)),
            "Unknown": int(vc.get("U", 0)),
        }
    out = pd.DataFrame.from_dict(out_rows, orient="index")
    known = out["Female"] + out["Male"]
    out["male_share"] = (out["Male"] / known * 100).where(known > 0)
    return out


def repeat_share(rows: pd.DataFrame) -> pd.DataFrame:
    """Offences by repeat suspects: all ages and suspects under 25.

    A repeat suspect has two or more offences in ``rows`` (so the answer depends on the
    period ``rows`` covers: a longer period finds more repeats).

    Parameters
    ----------
    rows
        Offences with ``suspect_id`` and ``suspect_age``.

    Returns
    -------
    DataFrame
        Index ``All ages``, ``Suspect under 25``: ``with_suspect`` (offences with an
        identified suspect), ``by_repeat`` and ``share`` (%).
    """
    s = rows[rows["suspect_id"].notna()]
    repeat = s["suspect_id"].map(s["suspect_id"].value_counts()) > 1
    u25 = under_25(s["suspect_age"])
    out = {}
    for label, sel in (("All ages", pd.Series(True, index=s.index)), ("Suspect under 25", u25)):
        n = int(sel.sum())
        r = int((repeat & sel).sum())
        out[label] = {"with_suspect": n, "by_repeat": r, "share": r / n * 100 if n else np.nan}
    return pd.DataFrame.from_dict(out, orient="index")


def repeat_periods(periods: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """:func:`repeat_share` for several periods, one block of rows each.

    Parameters
    ----------
    periods
        A label (e.g. "12 months to October 2022") -> the offences of that period.

    Returns
    -------
    DataFrame
        ``period``, ``suspects``, ``with_suspect``, ``by_repeat``, ``share``.
    """
    frames = []
    for label, rows in periods.items():
        r = repeat_share(rows).rename_axis("suspects").reset_index()
        r.insert(0, "period", label)
        frames.append(r)
    return pd.concat(frames, ignore_index=True)


def flag_shares(parts: Mapping[str, float], whole: float) -> pd.DataFrame:
    """Parts of serious violence (each a KPI's figure) as shares of the whole.

    Parameters
    ----------
    parts
        Label -> the part's count (e.g. knife-enabled serious violence excluding domestic
        abuse), in the order wanted.
    whole
        The whole's count over the same period.

    Returns
    -------
    DataFrame
        Index: the labels; ``offences``, ``of_all`` and ``share`` (%).
    """
    rows = {
        label: {
            "offences": float(n),
            "of_all": float(whole),
            "share": n / whole * 100 if whole else np.nan,
        }
        for label, n in parts.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index")


# -------------------------------------------------------------------------- disclosure


def month_key(series: str, month: pd.Period | str) -> str:
    """Ledger key of one month's count of a trend (``"sv:month:2019-12"``)."""
    return f"{series}:month:{pd.Period(month, 'M')}"


def period_key(series: str, row: int) -> str:
    """Ledger key of row ``row`` of a trend's :func:`baseline_comparison`."""
    return f"{series}:period:{row}"


def repeat_key(period: str, suspects: str, column: str) -> str:
    """Ledger key of a cell of :func:`repeat_periods`."""
    return f"repeats:{period}:{suspects}:{column}"


SV_TOTAL = "sv:total"


def page_ledger(
    *,
    threshold: int | None,
    sv_total: float,
    trends_: Mapping[str, tuple[pd.Series, pd.DataFrame]],
    windows: Sequence[tuple[str, pd.Period, pd.Period]],
    sexes: pd.DataFrame,
    repeats: pd.DataFrame,
    flags: pd.DataFrame,
    printed: Mapping[str, float] | None = None,
) -> Ledger:
    """Every count of the needs page that ties to another, protected as one system.

    Parameters
    ----------
    threshold
        Counts from 1 to ``threshold - 1`` are withheld; None: no disclosure control.
    sv_total
        Serious violence in the page's period: printed in the findings, the KPI table and
        the flags table, so it is fixed (never withheld).
    trends_
        Series name (``"sv"``, ``"robbery"``) -> its monthly counts (each printed in the
        chart's data table) and its :func:`baseline_comparison` (each period's total is
        printed, and its average per month, which gives the total back).
    windows
        :func:`comparison_windows`, the months of each comparison row.
    sexes
        :func:`sex_split`. Female + Male + Unknown of a row is tied to a total only when the
        page prints that total elsewhere (suspects: the repeats table's offences with a
        suspect; victims: serious violence, when every offence has a victim sex), so an
        Unknown below the threshold does not cost the Female and Male counts unless it
        must.
    repeats
        :func:`repeat_periods`; the first period is the page's period. Nested rows
        (suspects under 25 within all ages) and complements (offences not by a repeat
        suspect) are counts a reader can take by difference, so they are in the ledger
        unpublished: a small one is protected like a printed one.
    flags
        :func:`flag_shares` (index: KPI id): each part of serious violence, and its
        complement (serious violence not so flagged), by difference from ``sv_total``.
    printed
        Ledger key -> count, for figures the page prints elsewhere whatever this ledger
        decides (e.g. a trend's latest 12 months, which is also the board's KPI figure):
        fixed, so never withheld, and a small count they give away is protected through
        the other members of its sums.

    Returns
    -------
    Ledger
        Protected (:meth:`Ledger.protect` has run): ``ledger.hidden(key)`` says whether a
        figure is withheld; keys from :func:`month_key`, :func:`period_key`,
        :func:`repeat_key`, ``"sex:<row>:<column>"`` and ``"flag:<kpi>"``.
    """
    led = Ledger(threshold)
    led.figure(SV_TOTAL, sv_total, fixed=True)
    for key, n in (printed or {}).items():
        led.figure(key, n, fixed=True)
    for name, (monthly, table) in trends_.items():
        for month, n in monthly.items():
            if pd.notna(n):
                led.figure(month_key(name, month), n)
        for i, (_, start, end) in enumerate(windows):
            n = table.iloc[i]["offences"]
            if pd.isna(n):
                continue
            led.figure(period_key(name, i), n)
            months = [month_key(name, m) for m in pd.period_range(start, end, freq="M")]
            led.relate(period_key(name, i), months, f"{name} {start} to {end}")
    first = repeats["period"].iloc[0] if len(repeats) else None
    for period, block in repeats.groupby("period", sort=False):
        cells = block.set_index("suspects")
        a, b = (repeat_key(period, "All ages", c) for c in ("with_suspect", "by_repeat"))
        c, d = (repeat_key(period, "Suspect under 25", c) for c in ("with_suspect", "by_repeat"))
        for key, (row, col) in {
            a: ("All ages", "with_suspect"),
            b: ("All ages", "by_repeat"),
            c: ("Suspect under 25", "with_suspect"),
            d: ("Suspect under 25", "by_repeat"),
        }.items():
            led.figure(key, cells.loc[row, col])
        derived = {
            "25+ with_suspect": (a, c),
            "25+ by_repeat": (b, d),
            "All ages not_repeat": (a, b),
            "Suspect under 25 not_repeat": (c, d),
        }
        for name, (whole, part) in derived.items():
            key = f"repeats:{period}:{name}"
            led.figure(key, led.values[whole] - led.values[part], published=False)
            led.relate(whole, [part, key], f"{period}: {name}")
    for who in sexes.index:
        keys = [f"sex:{who}:{col}" for col in ("Female", "Male", "Unknown")]
        for key, col in zip(keys, ("Female", "Male", "Unknown"), strict=True):
            led.figure(key, sexes.loc[who, col])
        total = float(sexes.loc[who, ["Female", "Male", "Unknown"]].sum())
        printed = None
        if who == "Suspects" and first is not None:
            printed = repeat_key(first, "All ages", "with_suspect")
        elif who == "Victims":
            printed = SV_TOTAL
        if printed is not None and led.values[printed] == total:
            led.relate(printed, keys, f"{who} by sex")
    for kpi, row in flags.iterrows():
        key, rest = f"flag:{kpi}", f"flag:{kpi}:not"
        led.figure(key, row["offences"])
        led.figure(rest, sv_total - row["offences"], published=False)
        led.relate(SV_TOTAL, [key, rest], f"serious violence flagged {kpi}, and not")
    led.protect()
    return led
