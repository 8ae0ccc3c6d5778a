"""Content of the serious-violence needs assessment (``notebooks/needs_assessment.ipynb``).

Serious violence follows the Violence Reduction Network's definition of *public place*
serious violence: homicide, violence with injury and robbery, excluding domestic abuse (the
KPI ``serious_violence`` in ``params/kpis.yaml``). Those offence codes, times of day, ages,
sexes, suspects and flags exist only in the record-level force extract, which is
**synthetic** unless a real one is given; robbery alone can also be counted in the real
police.uk data, so its trend is shown from there.

Everything below is pure (DataFrames in, DataFrames, sentences and charts out) except
:func:`load`, which reads the data once for the notebook. Counts shown on the public page go
through :func:`scrutiny.analysis.disclosure.disclose`; a rate or share whose count is withheld
is withheld too, so it cannot be multiplied back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrutiny.analysis.disclosure import disclose, withheld
from scrutiny.analysis.narrative import fmt_int, fmt_num, fmt_pct, month_label
from scrutiny.data import DataQuality, DataSources, force_geography, load_crimes, load_extract
from scrutiny.data import population as ons_population
from scrutiny.present import charts
from scrutiny.present.charts import Chart
from scrutiny.stats import trends

MARKER = "[c]"
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DEFINITION = (
    "Serious violence here is the Violence Reduction Network's definition of public place "
    "serious violence: homicide, violence with injury and robbery (Home Office offence "
    "subgroups), excluding domestic abuse, as in the board's KPI 'serious violence'."
)
SOURCE_EXTRACT = "Source: force extract; ONS population projections."
SOURCE_POLICE_UK = "Source: data.police.uk street-level crime (real)."

_RANGE = re.compile(r"^(\d{4}-\d{2})(?:\.\.(\d{4}-\d{2}))?$")
_YEAR = re.compile(r"^(\d{4})$")


# -------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Baseline:
    """The pre-pandemic baseline: first and last month and a plain-English label."""

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


def month_text(month: str) -> str:
    """``"2022-10" -> "October 2022"``."""
    return month_label(pd.Period(month, "M"))


def window(df: pd.DataFrame, *, data_to: str, months: int) -> pd.DataFrame:
    """Rows whose ``month`` is in the ``months`` months ending ``data_to``."""
    end = pd.Timestamp(f"{data_to}-01")
    start = end - pd.DateOffset(months=months - 1)
    return df[(df["month"] >= start) & (df["month"] <= end)]


def window_label(data_to: str, months: int) -> str:
    """E.g. ``"the 12 months to October 2022 (November 2021 to October 2022)"``."""
    end = pd.Period(data_to, "M")
    start = end - (months - 1)
    return f"the {months} months to {month_label(end)} ({month_label(start)} to {month_label(end)})"


# -------------------------------------------------------------------------- cohort


def serious_violence(extract: pd.DataFrame) -> pd.DataFrame:
    """The serious-violence offences of the extract (see :data:`DEFINITION`)."""
    sel = extract["serious_violence"].astype(bool) & ~extract["domestic_abuse"].astype(bool)
    return extract.loc[sel.to_numpy()]


def _under(ages: pd.Series, limit: int = 25) -> pd.Series:
    return (ages < limit).fillna(False).astype(bool)


@dataclass
class NeedsData:
    """Everything the needs assessment reads, loaded once."""

    sources: DataSources
    data_to: str
    sv: pd.DataFrame
    robbery_monthly: pd.Series
    population: pd.DataFrame
    population_year: int
    force_population: dict[str, int]
    synthetic: bool
    extract_quality: DataQuality
    crimes_quality: DataQuality

    @property
    def first_month(self) -> str:
        """First month in the data (``YYYY-MM``)."""
        return pd.Timestamp(self.sv["month"].min()).strftime("%Y-%m")


def load(sources: DataSources, *, data_to: str) -> NeedsData:
    """Read the extract, police.uk robbery and populations once for the notebook."""
    extract, eq = load_extract(sources, data_to=data_to)
    crimes, cq = load_crimes(sources, data_to=data_to)
    rob = _full_months(crimes[crimes["crime_type"] == "Robbery"].groupby("month").size())
    year = pd.Period(data_to, "M").year
    geo = force_geography(sources)
    pop = district_populations(sources, list(geo.district_names), year)
    force_pop = {
        ages: ons_population(sources.force, ages=ages, year=year, sources=sources)
        for ages in ("all", "0-24", "10-24", "25+")
    }
    return NeedsData(
        sources=sources,
        data_to=data_to,
        sv=serious_violence(extract),
        robbery_monthly=rob,
        population=pop,
        population_year=year,
        force_population=force_pop,
        synthetic=bool(extract["synthetic"].any()),
        extract_quality=eq,
        crimes_quality=cq,
    )


def district_populations(sources: DataSources, districts: list[str], year: int) -> pd.DataFrame:
    """``district``, ``all_ages`` and ``under_25`` (aged 0-24) mid-year populations."""
    rows = [
        {
            "district": d,
            "all_ages": ons_population(d, ages="all", year=year, sources=sources),
            "under_25": ons_population(d, ages="0-24", year=year, sources=sources),
        }
        for d in districts
    ]
    return pd.DataFrame(rows, columns=["district", "all_ages", "under_25"])


def check_district(district: str, districts: list[str]) -> str:
    """Return ``district`` as spelt in the data ("" stays ""), or raise naming the parameter."""
    if not district.strip():
        return ""
    for d in districts:
        if d.lower() == district.strip().lower():
            return d
    raise ValueError(
        f"parameter 'district': {district!r} is not a district of the force "
        f"(expected one of: {', '.join(districts)})"
    )


# -------------------------------------------------------------------------- rates


def district_rates(
    sv: pd.DataFrame, population: pd.DataFrame, *, threshold: int | None = None
) -> pd.DataFrame:
    """Offences and rates per 1,000 people, all ages and under-25 victims, by district.

    Parameters
    ----------
    sv
        Serious-violence offences (one row each) with ``district`` and ``victim_age``.
    population
        ``district``, ``all_ages``, ``under_25`` (aged 0-24).
    threshold
        Disclosure threshold; a withheld count also withholds its rate (NaN).

    Returns
    -------
    DataFrame
        Indexed by district: ``offences``, ``rate_per_1000``, ``offences_under_25`` (victim
        aged under 25), ``rate_per_1000_under_25`` (per 1,000 residents aged 0-24),
        ``share_of_force`` (% of offences placed in a district), ``under_25_ratio``
        (under-25 rate / all-ages rate). Counts are object dtype (``[c]`` if withheld).
    """
    pop = population.set_index("district")
    placed = sv[sv["district"].notna()]
    all_n = placed.groupby("district", observed=True).size().reindex(pop.index, fill_value=0)
    u25 = placed[_under(placed["victim_age"])]
    u_n = u25.groupby("district", observed=True).size().reindex(pop.index, fill_value=0)
    out = pd.DataFrame(index=pop.index)
    out["offences"] = disclose(all_n.rename("offences"), threshold=threshold)
    rate = all_n / pop["all_ages"] * 1000
    rate_u = u_n / pop["under_25"] * 1000
    share = all_n / all_n.sum() * 100 if all_n.sum() else all_n * np.nan
    hide_all = withheld(all_n.rename("offences"), threshold=threshold)["offences"]
    hide_u = withheld(u_n.rename("u"), threshold=threshold)["u"]
    out["rate_per_1000"] = rate.where(~hide_all)
    out["share_of_force"] = share.where(~hide_all)
    out["offences_under_25"] = disclose(u_n.rename("offences_under_25"), threshold=threshold)
    out["rate_per_1000_under_25"] = rate_u.where(~hide_u)
    out["under_25_ratio"] = (rate_u / rate).where(~hide_u & ~hide_all)
    out.index.name = "district"
    return out


def rates_display(rates: pd.DataFrame) -> pd.DataFrame:
    """:func:`district_rates` with reader-friendly column names, for a table."""
    return rates.reset_index().rename(
        columns={
            "district": "District",
            "offences": "Offences",
            "rate_per_1000": "Rate per 1,000 (all ages)",
            "share_of_force": "Share of force (%)",
            "offences_under_25": "Offences, victim under 25",
            "rate_per_1000_under_25": "Rate per 1,000 aged under 25",
            "under_25_ratio": "Under-25 rate / all-ages rate",
        }
    )


#: Count columns of :func:`rates_display`, for ``table_html(count_columns=...)``.
RATE_COUNT_COLUMNS = ("Offences", "Offences, victim under 25")


def force_rates(sv: pd.DataFrame, force_population: dict[str, int]) -> dict[str, float]:
    """Force-wide rates per 1,000: all ages, under-25 victims, and suspects by age.

    ``suspect_ratio`` is the rate of offences with a suspect aged 10-24 per 1,000 residents
    aged 10-24, divided by the rate for suspects aged 25 and over per 1,000 residents aged
    25 and over (the SNA's "under-25s commit serious violence at 1.6 times the rate").
    """
    victims_u25 = int(_under(sv["victim_age"]).sum())
    sus = sv[sv["suspect_id"].notna()]
    s_age = sus["suspect_age"]
    s_u = int(((s_age >= 10) & (s_age < 25)).fillna(False).sum())
    s_o = int((s_age >= 25).fillna(False).sum())
    u_rate = s_u / force_population["10-24"] * 1000
    o_rate = s_o / force_population["25+"] * 1000
    return {
        "offences": float(len(sv)),
        "rate_per_1000": len(sv) / force_population["all"] * 1000,
        "rate_per_1000_under_25": victims_u25 / force_population["0-24"] * 1000,
        "suspect_rate_under_25": u_rate,
        "suspect_rate_25_plus": o_rate,
        "suspect_ratio": u_rate / o_rate if o_rate else np.nan,
    }


def rates_chart(
    rates: pd.DataFrame,
    *,
    under_25: bool,
    force_rate: float,
    district: str,
    synthetic: bool,
) -> Chart:
    """Bar chart of the all-ages or under-25 rate by district, the force rate as a line.

    The data table under it holds the (suppressed) offences and the rate.
    """
    rate_col = "rate_per_1000_under_25" if under_25 else "rate_per_1000"
    count_col = "offences_under_25" if under_25 else "offences"
    who = "per 1,000 residents"
    if under_25:
        who = "victims aged under 25, per 1,000 residents aged 0-24"
    chart = charts.bar_chart(
        rates[rate_col].astype(float),
        f"Serious violence by district: {who}",
        x_label="Offences per 1,000 residents" + (" aged 0-24" if under_25 else ""),
        highlight=district,
        reference=force_rate,
        reference_label="Force rate",
        decimals=1,
        source=SOURCE_EXTRACT,
        synthetic=synthetic,
    )
    order = rates[rate_col].astype(float).sort_values(ascending=False, na_position="last").index
    chart.data = pd.DataFrame(
        {
            "District": list(order),
            "Offences": rates.loc[order, count_col].to_numpy(),
            "Rate per 1,000": rates.loc[order, rate_col].astype(float).round(1).to_numpy(),
        }
    )
    return chart


# -------------------------------------------------------------------------- trend


def monthly_counts(sv: pd.DataFrame) -> pd.Series:
    """Offences per month (PeriodIndex, every month from first to last present)."""
    return _full_months(sv.groupby("month").size())


def _full_months(counts: pd.Series) -> pd.Series:
    counts = counts.copy()
    counts.index = pd.PeriodIndex(pd.DatetimeIndex(counts.index), freq="M")
    full = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
    return counts.reindex(full, fill_value=0)


def _sum(s: pd.Series, start: pd.Period, end: pd.Period) -> tuple[int, int]:
    months = pd.period_range(start, end, freq="M")
    return int(s.reindex(months).fillna(0).sum()), len(months)


def baseline_comparison(
    monthly: pd.Series, baseline: Baseline, *, data_to: str, recent_months: int = 12
) -> pd.DataFrame:
    """Compare recent periods with the baseline, per month, with the exact rate-ratio test.

    Rows: the baseline itself; the same calendar months in the latest year the data
    cover (a like-for-like seasonal comparison); the latest ``recent_months`` months.

    Returns
    -------
    DataFrame
        ``period``, ``months``, ``offences``, ``per_month``, ``change_pct`` (per month,
        against the baseline), ``verdict`` (``significant increase``, ``significant
        decrease``, ``no significant change``; empty for the baseline row).
    """
    end = pd.Period(data_to, "M")
    b_total, b_n = _sum(monthly, baseline.start, baseline.end)
    rows = [
        {
            "period": f"Baseline: {baseline.label}",
            "months": b_n,
            "offences": b_total,
            "per_month": b_total / b_n,
            "change_pct": np.nan,
            "verdict": "",
        }
    ]
    shift = 12 * ((end - baseline.end).n // 12)
    periods = []
    if shift > 0:
        s_start, s_end = baseline.start + shift, baseline.end + shift
        periods.append((f"Same months, {Baseline(s_start, s_end).label}", s_start, s_end))
    r_start = end - (recent_months - 1)
    periods.append((f"Latest {recent_months} months, {Baseline(r_start, end).label}", r_start, end))
    for label, s, e in periods:
        total, n = _sum(monthly, s, e)
        test = trends.change_test(total, b_total, exposure_now=n, exposure_before=b_n)
        if not test.significant:
            verdict = "no significant change"
        else:
            verdict = "significant increase" if test.rate_ratio > 1 else "significant decrease"
        per = total / n
        rows.append(
            {
                "period": label,
                "months": n,
                "offences": total,
                "per_month": per,
                "change_pct": (per - b_total / b_n) / (b_total / b_n) * 100 if b_total else np.nan,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def comparison_display(table: pd.DataFrame, *, threshold: int | None = None) -> pd.DataFrame:
    """:func:`baseline_comparison` for showing (offences suppressed when asked)."""
    out = table.copy()
    hide = withheld(out["offences"].rename("o"), threshold=threshold)["o"].to_numpy()
    out["offences"] = disclose(
        out["offences"].rename("offences"), threshold=threshold, secondary=False
    )
    out.loc[hide, ["per_month", "change_pct"]] = np.nan
    return out.rename(
        columns={
            "period": "Period",
            "months": "Months",
            "offences": "Offences",
            "per_month": "Offences per month",
            "change_pct": "Change per month against the baseline (%)",
            "verdict": "Exact test (5%)",
        }
    )


def comparison_sentence(
    name: str, table: pd.DataFrame, baseline: Baseline, *, tag: str, threshold: int | None = None
) -> str:
    """One sentence: the latest 12 months per month against the baseline, with the verdict.

    With a ``threshold``, periods holding from 1 to ``threshold - 1`` offences are not
    quoted (their averages would give the counts away).
    """
    base = table.iloc[0]
    last = table.iloc[-1]
    if threshold is not None and any(
        0 < n < threshold for n in (base["offences"], last["offences"])
    ):
        return (
            f"{name}{tag}: too few offences in {baseline.label} or the latest months to compare "
            "without identifying people."
        )
    pct = last["change_pct"]
    if pd.isna(pct):  # nothing in the baseline: no percentage to give
        size = "against"
    elif round(pct) == 0:
        size = "about the same as"
    else:
        size = f"{fmt_pct(pct)} {'above' if pct > 0 else 'below'}"
    verdict = {
        "significant increase": "a significant increase",
        "significant decrease": "a significant decrease",
        "no significant change": "not a significant change",
    }[last["verdict"]]
    return (
        f"{name}{tag}: {fmt_int(last['per_month'])} offences a month in the latest "
        f"{int(last['months'])} months, {size} the "
        f"{'pre-pandemic ' if baseline.pre_pandemic else ''}baseline of "
        f"{fmt_int(base['per_month'])} a month ({baseline.label}), {verdict}."
    )


def trend_chart(
    monthly: pd.Series,
    baseline: Baseline,
    *,
    title: str,
    source: str,
    synthetic: bool,
    threshold: int | None = None,
) -> Chart:
    """Monthly offences with the baseline's monthly average as a dashed reference line."""
    shown = monthly.astype(float)
    if threshold is not None:
        shown = shown.where(~withheld(monthly.rename("n"), threshold=threshold)["n"])
    b_avg = _sum(monthly, baseline.start, baseline.end)[0] / baseline.months
    data = pd.DataFrame(
        {"Offences": shown.to_numpy(), "Baseline monthly average": b_avg},
        index=monthly.index,
    )
    chart = charts.line_chart(
        data,
        title,
        y_label="Offences per month",
        labels={"Baseline monthly average": f"Average, {baseline.label}"},
        source=source,
        synthetic=synthetic,
    )
    chart.data = chart.data.round({f"Average, {baseline.label}": 1})
    chart.data["Offences"] = disclose(monthly.rename("Offences"), threshold=threshold).to_numpy()
    return chart


# -------------------------------------------------------------------------- profiles


def hour_profile(sv: pd.DataFrame) -> pd.DataFrame:
    """Offences by hour of the day (0-23): ``offences`` and ``share`` (% of all)."""
    counts = sv["occurred_at"].dt.hour.value_counts().reindex(range(24), fill_value=0)
    out = pd.DataFrame({"offences": counts.astype("int64")})
    out["share"] = out["offences"] / out["offences"].sum() * 100 if len(sv) else 0.0
    out.index.name = "hour"
    return out


def day_profile(sv: pd.DataFrame) -> pd.DataFrame:
    """Offences by day of the week (Monday first): ``offences`` and ``share`` (%)."""
    days = sv["occurred_at"].dt.day_of_week.value_counts().reindex(range(7), fill_value=0)
    out = pd.DataFrame(
        {"offences": days.astype("int64").to_numpy()}, index=pd.Index(DAYS, name="day")
    )
    out["share"] = out["offences"] / out["offences"].sum() * 100 if len(sv) else 0.0
    return out


def peak_hours(hours: pd.DataFrame, n: int = 2) -> list[int]:
    """The ``n`` busiest local peaks (an hour busier than both neighbours, midnight wraps)."""
    v = hours["offences"].to_numpy()
    peaks = [h for h in range(24) if v[h] > v[(h - 1) % 24] and v[h] > v[(h + 1) % 24]]
    return sorted(sorted(peaks, key=lambda h: -v[h])[:n])


def hour_text(h: int) -> str:
    """``15 -> "15:00-16:00"``."""
    return f"{h:02d}:00-{(h + 1) % 24:02d}:00"


def profile_chart(
    profile: pd.DataFrame,
    *,
    title: str,
    x_label: str,
    synthetic: bool,
    threshold: int | None = None,
) -> Chart | None:
    """Bars of offences by hour or day; the data table has counts (suppressed) and shares.

    Returns None when every count is withheld (nothing could be drawn).
    """
    counts = profile["offences"]
    hide = withheld(counts.rename("n"), threshold=threshold)["n"]
    shown = counts.astype(float).where(~hide)
    if shown.isna().all():
        return None
    labels = [hour_text(h) if isinstance(h, int | np.integer) else h for h in profile.index]
    series = pd.Series(shown.to_numpy(), index=list(profile.index))
    chart = charts.profile_chart(
        series,
        title,
        value_label="Offences",
        x_label=x_label,
        source=SOURCE_EXTRACT,
        synthetic=synthetic,
    )
    chart.data = pd.DataFrame(
        {
            x_label: labels,
            "Offences": disclose(counts.rename("Offences"), threshold=threshold).to_numpy(),
            "Share (%)": profile["share"].where(~hide).round(1).to_numpy(),
        }
    )
    return chart


# -------------------------------------------------------------------------- people


def sex_split(sv: pd.DataFrame) -> pd.DataFrame:
    """Victims and suspects by sex: counts (Female, Male, Unknown) and the male share.

    Victims: offences with a recorded victim sex. Suspects: offences with an identified
    suspect (a repeat suspect counts once per offence). ``male_share`` is the share of
    those with a known sex (F or M) who are male, in per cent.
    """
    rows = {}
    for who, col, sel in (
        ("Victims", "victim_sex", sv["victim_sex"].notna()),
        ("Suspects", "suspect_sex", sv["suspect_id"].notna() & sv["suspect_sex"].notna()),
    ):
        vc = sv.loc[sel.to_numpy(), col].astype(str).value_counts()
        rows[who] = {
            "Female": int(vc.get("F", 0)),
            "Male": int(vc.get("M", 0)),
            "Unknown": int(vc.get("U", 0)),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    known = out["Female"] + out["Male"]
    out["male_share"] = (out["Male"] / known * 100).where(known > 0)
    return out


def repeat_share(sv: pd.DataFrame) -> pd.DataFrame:
    """Offences by repeat suspects: all ages and suspects under 25.

    A repeat suspect has two or more serious-violence offences in ``sv`` (so the answer
    depends on the period ``sv`` covers: a longer period finds more repeats).

    Returns
    -------
    DataFrame
        Index ``All ages``, ``Suspect under 25``: ``with_suspect`` (offences with an
        identified suspect), ``by_repeat`` and ``share`` (%).
    """
    s = sv[sv["suspect_id"].notna()]
    repeat = s["suspect_id"].map(s["suspect_id"].value_counts()) > 1
    u25 = _under(s["suspect_age"])
    rows = {}
    for label, sel in (("All ages", pd.Series(True, index=s.index)), ("Suspect under 25", u25)):
        n = int(sel.sum())
        r = int((repeat & sel).sum())
        rows[label] = {"with_suspect": n, "by_repeat": r, "share": r / n * 100 if n else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index")


def repeat_periods(periods: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """:func:`repeat_share` for several periods, one block of rows each.

    ``periods`` maps a label (e.g. "12 months to October 2022") to the offences of that
    period. Returns ``period``, ``suspects``, ``with_suspect``, ``by_repeat``, ``share``.
    """
    frames = []
    for label, sv in periods.items():
        r = repeat_share(sv).rename_axis("suspects").reset_index()
        r.insert(0, "period", label)
        frames.append(r)
    return pd.concat(frames, ignore_index=True)


def flag_shares(sv: pd.DataFrame) -> pd.DataFrame:
    """Knife or sharp instrument, night-time economy and public place: offences and share (%)."""
    n = len(sv)
    rows = {}
    for label, col in (
        ("Knife or sharp instrument", "knife_sharp_instrument"),
        ("Night-time economy", "night_time_economy"),
        ("Public place", "public_place"),
    ):
        k = int(sv[col].astype(bool).sum())
        rows[label] = {"offences": k, "of_all": n, "share": k / n * 100 if n else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index")


def people_display(
    table: pd.DataFrame, count_cols: list[str], *, threshold: int | None, label: str | None = None
) -> pd.DataFrame:
    """A table of counts and shares for showing: counts suppressed, shares hidden with them.

    Shares (columns not in ``count_cols``) are withheld on any row with a withheld count.
    """
    counts = table[count_cols].astype("int64")
    hide = withheld(counts, threshold=threshold)
    out = disclose(counts, threshold=threshold).copy()
    out.index, hide.index = table.index, table.index  # suppress() drops MultiIndex names
    for col in table.columns:
        if col not in count_cols:
            out[col] = table[col].where(~hide.any(axis=1)).round(1)
    if label:
        out.index.name = label
    return out.reset_index()


# -------------------------------------------------------------------------- findings


def key_findings(
    *,
    force: str,
    period: str,
    rates: pd.DataFrame,
    force_rate: dict[str, float],
    sexes: pd.DataFrame,
    repeats: pd.DataFrame,
    flags: pd.DataFrame,
    hours: pd.DataFrame,
    days: pd.DataFrame,
    sv_sentence: str,
    robbery_sentence: str,
    district: str,
    synthetic: bool,
    threshold: int | None = None,
) -> list[str]:
    """The numbered key findings, in the order of the SNA's list (seed 004).

    Every finding resting on the extract ends "(synthetic)" when the extract is synthetic.
    With a disclosure ``threshold``, a share whose count (or its complement) is from 1 to
    ``threshold - 1`` is not quoted, so no small count can be worked back from a finding.
    """
    tag = " (synthetic)" if synthetic else ""

    def small(*counts: float) -> bool:
        return threshold is not None and any(0 < c < threshold for c in counts)

    if small(force_rate["offences"]):
        return [
            f"Fewer than {threshold} serious violence offences were recorded by {force} in "
            f"{period}, too few to report further without identifying people{tag}."
        ]
    out = [
        f"{fmt_int(force_rate['offences'])} serious violence offences were recorded by {force} "
        f"in {period}: {fmt_num(force_rate['rate_per_1000'], 1)} per 1,000 residents, and "
        f"{fmt_num(force_rate['rate_per_1000_under_25'], 1)} per 1,000 for victims under "
        f"25{tag}."
    ]
    v, s = sexes.loc["Victims", "male_share"], sexes.loc["Suspects", "male_share"]
    if not small(*sexes[["Female", "Male"]].to_numpy().ravel()):
        out.append(f"{fmt_pct(s)} of suspects and {fmt_pct(v)} of victims were male{tag}.")
    out.append(
        f"People aged 10-24 were suspects in serious violence at "
        f"{fmt_num(force_rate['suspect_ratio'], 1)} times the rate of those aged 25 and over "
        f"({fmt_num(force_rate['suspect_rate_under_25'], 1)} against "
        f"{fmt_num(force_rate['suspect_rate_25_plus'], 1)} offences per 1,000 residents){tag}."
    )
    out.append(sv_sentence)
    out.append(robbery_sentence)
    knife = flags.loc["Knife or sharp instrument", "share"]
    k_n, all_n = flags.loc["Knife or sharp instrument", ["offences", "of_all"]]
    if not small(k_n, all_n - k_n):
        out.append(
            f"About 1 in {round(100 / knife):d} offences ({fmt_pct(knife)}) involved a knife or "
            f"sharp instrument{tag}."
            if knife > 0
            else f"No offence was flagged as involving a knife or sharp instrument{tag}."
        )
    peaks = peak_hours(hours)
    busiest_day = days["offences"].idxmax()
    if peaks:
        out.append(
            f"Serious violence peaked at {' and '.join(hour_text(h) for h in peaks)}; the "
            f"busiest day was {busiest_day}{tag}."
        )
    nte = flags.loc["Night-time economy", "share"]
    n_n = flags.loc["Night-time economy", "offences"]
    if not small(n_n, all_n - n_n):
        out.append(f"{fmt_pct(nte)} of serious violence was linked to the night-time economy{tag}.")
    ok = rates["rate_per_1000"].dropna()
    if len(ok):
        top = ok.idxmax()
        text = (
            f"{top} had the highest rate, {fmt_num(ok[top], 1)} per 1,000 residents, with "
            f"{fmt_pct(rates.loc[top, 'share_of_force'])} of the offences placed in a district"
        )
        if district and district != top and district in ok.index:
            rank = int((ok > ok[district]).sum()) + 1
            text += (
                f"; {district} had {fmt_num(ok[district], 1)} per 1,000 "
                f"(the {_ordinal(rank)} highest of {len(ok)})"
            )
        out.append(text + tag + ".")
    r = repeats.loc["All ages", "share"]
    ru = repeats.loc["Suspect under 25", "share"]
    parts = repeats[["with_suspect", "by_repeat"]].to_numpy()
    if not small(*parts[:, 1], *(parts[:, 0] - parts[:, 1])):
        out.append(
            f"Repeat suspects accounted for {fmt_pct(r)} of serious violence with an identified "
            f"suspect, and {fmt_pct(ru)} where the suspect was under 25{tag}."
        )
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# -------------------------------------------------------------------------- the whole


@dataclass
class Assessment:
    """Every table, figure input and sentence of the needs assessment."""

    district: str
    baseline: Baseline
    period: str
    threshold: int | None
    synthetic: bool
    tag: str
    rates: pd.DataFrame
    force_rate: dict[str, float]
    sv_monthly: pd.Series
    sv_compare: pd.DataFrame
    robbery_monthly: pd.Series
    robbery_compare: pd.DataFrame
    hours: pd.DataFrame
    days: pd.DataFrame
    sexes: pd.DataFrame
    flags: pd.DataFrame
    repeats: pd.DataFrame
    findings: list[str]


def assess(
    nd: NeedsData,
    *,
    force: str,
    district: str,
    period_months: int,
    baseline: str,
    threshold: int | None,
) -> Assessment:
    """Run the whole assessment from the loaded data and the notebook's parameters."""
    if period_months < 1:
        raise ValueError(f"parameter 'period_months': must be 1 or more, got {period_months}")
    district = check_district(district, list(nd.population["district"]))
    base = parse_baseline(baseline, first_month=nd.first_month, last_month=nd.data_to)
    period = window_label(nd.data_to, period_months)
    recent = window(nd.sv, data_to=nd.data_to, months=period_months)
    tag = " (synthetic)" if nd.synthetic else ""
    rates = district_rates(recent, nd.population, threshold=threshold)
    force_rate = force_rates(recent, nd.force_population)
    sv_monthly = monthly_counts(nd.sv)
    sv_compare = baseline_comparison(
        sv_monthly, base, data_to=nd.data_to, recent_months=period_months
    )
    rob_compare = baseline_comparison(
        nd.robbery_monthly, base, data_to=nd.data_to, recent_months=period_months
    )
    hours, days = hour_profile(recent), day_profile(recent)
    sexes, flags = sex_split(recent), flag_shares(recent)
    repeats = repeat_periods(
        {period: recent, f"all months in the data ({nd.first_month} to {nd.data_to})": nd.sv}
    )
    findings = key_findings(
        force=force,
        period=period,
        rates=rates,
        force_rate=force_rate,
        sexes=sexes,
        repeats=repeat_share(recent),
        flags=flags,
        hours=hours,
        days=days,
        sv_sentence=comparison_sentence(
            "Serious violence", sv_compare, base, tag=tag, threshold=threshold
        ),
        robbery_sentence=comparison_sentence(
            "Robbery (police.uk, real)", rob_compare, base, tag="", threshold=threshold
        ),
        district=district,
        synthetic=nd.synthetic,
        threshold=threshold,
    )
    return Assessment(
        district=district,
        baseline=base,
        period=period,
        threshold=threshold,
        synthetic=nd.synthetic,
        tag=tag,
        rates=rates,
        force_rate=force_rate,
        sv_monthly=sv_monthly,
        sv_compare=sv_compare,
        robbery_monthly=nd.robbery_monthly,
        robbery_compare=rob_compare,
        hours=hours,
        days=days,
        sexes=sexes,
        flags=flags,
        repeats=repeats,
        findings=findings,
    )


def age_sentence(force_rate: dict[str, float], *, tag: str) -> str:
    """The under-25 victim rate and the 10-24 v. 25+ suspect rate ratio, in words."""
    return (
        f"Victims under 25: {fmt_num(force_rate['rate_per_1000_under_25'], 1)} offences per "
        f"1,000 residents aged 0-24, against {fmt_num(force_rate['rate_per_1000'], 1)} per "
        f"1,000 for all ages{tag}. Suspects aged 10-24: "
        f"{fmt_num(force_rate['suspect_rate_under_25'], 1)} offences per 1,000 residents of "
        f"that age, {fmt_num(force_rate['suspect_ratio'], 1)} times the rate for suspects aged "
        f"25 and over ({fmt_num(force_rate['suspect_rate_25_plus'], 1)} per 1,000){tag}. "
        "Suspect rates start at age 10, the age of criminal responsibility."
    )


def period_paragraph(a: Assessment, *, first_month: str) -> str:
    """Say plainly which months the figures cover and what the baseline is (and is not)."""
    text = f"Rates, profiles and shares cover {a.period}. Trends compare with {a.baseline.label}"
    first = month_text(first_month)
    if a.baseline.pre_pandemic:
        text += (
            f", the months before the pandemic that the data hold (they start in {first}). "
            "They are winter months, so the tables also compare the same months of the latest "
            "year, like for like."
        )
    else:
        text += (
            f". These months are not before the pandemic (the data start in {first}), so the "
            "comparison is with a period when lockdown rules still affected crime."
        )
    return text
