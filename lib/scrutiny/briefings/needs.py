"""Content of the serious-violence needs assessment (``notebooks/needs_assessment.ipynb``).

Serious violence is the board's KPI ``serious_violence`` (``params/kpis.yaml``): the
Violence Reduction Network's definition, homicide, violence with injury and robbery,
excluding domestic abuse. Every figure printed under a KPI's name comes from the cycle's
assessment (:mod:`scrutiny.analysis.assessment`), so this page and the board's other pages
print one number for one name: serious violence, knife-enabled serious violence and
robbery are the assessment's figures, and the parts of serious violence shown as shares
(knife-enabled serious violence excluding domestic abuse, serious violence linked to the
night-time economy, serious violence flagged as in a public place) are KPIs of their own
in the registry. Breakdowns the registry cannot define (ages, sexes, repeat suspects,
times) are counted in the same offences of the extract.

Offence codes, times of day, ages, sexes, suspects and flags exist only in the
record-level force extract, which is **synthetic** unless a real one is given; robbery is
also a police.uk category, so its trend is shown from the real police.uk data.

The statistics are in :mod:`scrutiny.analysis.needs`; this module loads the inputs once
(:func:`load`), assembles them (:func:`assess`) and turns them into sentences, tables and
charts. Counts shown on the public page go through
:func:`scrutiny.analysis.disclosure.disclose`; a rate or share whose count is withheld is
withheld too, so it cannot be multiplied back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrutiny.analysis import assessment
from scrutiny.analysis import needs as calc
from scrutiny.analysis.assessment import TOO_FEW, Assessment
from scrutiny.analysis.disclosure import Ledger, disclose, rule_sentence, withheld
from scrutiny.analysis.narrative import fmt_int, fmt_num, fmt_pct, month_label, month_text
from scrutiny.analysis.needs import NOT_LIKE_FOR_LIKE, Baseline
from scrutiny.data import DataQuality, DataSources, load_extract
from scrutiny.data import population as ons_population
from scrutiny.present import charts
from scrutiny.present.charts import Chart

MARKER = "[c]"
SOURCE_EXTRACT = "Source: force extract; ONS population projections."
SOURCE_POLICE_UK = "Source: data.police.uk street-level crime (real)."
#: The KPIs whose 12-month figures the page reports as the board does.
BOARD_KPIS = (calc.SERIOUS_VIOLENCE, calc.KNIFE, calc.ROBBERY)
#: Parts of serious violence shown as shares of it (KPI ids in the registry).
FLAG_KPIS = tuple(calc.FLAG_KPIS.values())
KNIFE_VRN = calc.FLAG_KPIS["Knife or sharp instrument"]
NTE = calc.FLAG_KPIS["Night-time economy"]


def definition_paragraph(a: Assessment) -> str:
    """What serious violence means on this page, naming the board's KPI."""
    name = a.registry[calc.SERIOUS_VIOLENCE].name
    knife = a.registry[calc.KNIFE].name
    return (
        f"Serious violence here is the board's KPI '{name}': homicide, violence with injury "
        "and robbery (Home Office offence codes), excluding domestic abuse. The Violence "
        "Reduction Network calls this public place serious violence because it leaves out "
        "domestic abuse; it is not limited to offences the extract flags as in a public "
        f"place, which are shown separately. The board's KPI '{knife}' also counts domestic "
        "abuse, so it is larger than the knife-enabled part of serious violence shown here."
    )


def window_label(data_to: str, months: int) -> str:
    """E.g. ``"the 12 months to October 2022 (November 2021 to October 2022)"``."""
    end = pd.Period(data_to, "M")
    start = end - (months - 1)
    return f"the {months} months to {month_label(end)} ({month_label(start)} to {month_label(end)})"


# -------------------------------------------------------------------------- loading


@dataclass
class NeedsData:
    """Everything the needs assessment reads, loaded once.

    Attributes
    ----------
    assessment
        The cycle's assessment (every KPI figure on the page).
    rows
        The extract's serious-violence offences (the KPI's rows), every month.
    population, population_year, force_population
        District populations (all ages, aged 0-24), their year, and the force's by age.
    """

    sources: DataSources
    data_to: str
    assessment: Assessment
    rows: pd.DataFrame
    population: pd.DataFrame
    population_year: int
    force_population: dict[str, int]
    synthetic: bool
    extract_quality: DataQuality
    first_month: str

    @property
    def crimes_quality(self) -> DataQuality:
        """Quality record of the police.uk load (the assessment's)."""
        return self.assessment.crimes_quality


def load(sources: DataSources, *, data_to: str, cycle_file: str = "") -> NeedsData:
    """Read the assessment, the extract's serious violence and the populations once.

    Parameters
    ----------
    sources
        The force and its files.
    data_to
        Last month reported (``YYYY-MM``).
    cycle_file
        The cycle file whose ``method:`` block the assessment is computed with (empty:
        the default method).
    """
    a = assessment.for_briefing(sources, data_to=data_to, cycle_file=cycle_file)
    extract, eq = load_extract(sources, data_to=data_to)
    rows = calc.kpi_rows(extract, a.registry[calc.SERIOUS_VIOLENCE])
    year = pd.Period(data_to, "M").year
    pop = district_populations(sources, list(a.districts), year)
    force_pop = {
        ages: ons_population(sources.force, ages=ages, year=year, sources=sources)
        for ages in ("all", "0-24", "10-24", "25+")
    }
    return NeedsData(
        sources=sources,
        data_to=data_to,
        assessment=a,
        rows=rows,
        population=pop,
        population_year=year,
        force_population=force_pop,
        synthetic=a.result(calc.SERIOUS_VIOLENCE).synthetic,
        extract_quality=eq,
        first_month=pd.Timestamp(extract["month"].min()).strftime("%Y-%m"),
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


# -------------------------------------------------------------------------- disclosure


def _counts_for_page(
    counts: pd.DataFrame, *, threshold: int | None, secondary: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts ready to show and where they are withheld; "–" where a count has no data."""
    missing = counts.isna()
    whole = counts.fillna(0).round().astype("int64")
    shown = disclose(whole, threshold=threshold, secondary=secondary).copy()
    hide = (
        withheld(whole, threshold=threshold)
        if secondary
        else disclose(whole, threshold=threshold, secondary=False) == MARKER
    )
    shown.index, hide.index = counts.index, counts.index  # suppress() drops MultiIndex names
    shown = shown.astype(object).mask(missing, "–")
    return shown, hide | missing


def _whole(counts: pd.Series) -> pd.Series:
    """Counts as whole numbers (object dtype), "–" where there is no data."""
    return pd.Series(
        ["–" if pd.isna(v) else int(round(v)) for v in counts], index=counts.index, dtype=object
    )


def disclosure_paragraph(threshold: int | None) -> str:
    """The disclosure rule in words, or "" without disclosure control."""
    if not threshold:
        return ""
    return rule_sentence(threshold) + (
        " The page is checked as a whole: a count is also withheld where a sum of months, an "
        "average, a share or the difference between two rows shown elsewhere on the page "
        "would give away a withheld count. A rate or share whose count is withheld is "
        "withheld too."
    )


# -------------------------------------------------------------------------- rates


def rates_for_page(rates: pd.DataFrame, *, threshold: int | None) -> pd.DataFrame:
    """:func:`scrutiny.analysis.needs.district_rates` after disclosure control.

    Counts become object dtype (``[c]`` where withheld, with secondary suppression down
    each column: the districts add up to a force total); a rate, share or ratio whose
    count is withheld is NaN.
    """
    shown, hide = {}, {}
    for col in ("offences", "offences_under_25"):
        s, h = _counts_for_page(rates[[col]], threshold=threshold)
        shown[col], hide[col] = s[col], h[col]
    hide_all, hide_u = hide["offences"], hide["offences_under_25"]
    out = pd.DataFrame(index=rates.index)
    out["offences"] = shown["offences"]
    out["rate_per_1000"] = rates["rate_per_1000"].where(~hide_all)
    out["share_of_force"] = rates["share_of_force"].where(~hide_all)
    out["offences_under_25"] = shown["offences_under_25"]
    out["rate_per_1000_under_25"] = rates["rate_per_1000_under_25"].where(~hide_u)
    out["under_25_ratio"] = rates["under_25_ratio"].where(~hide_u & ~hide_all)
    return out


def rates_display(rates: pd.DataFrame) -> pd.DataFrame:
    """:func:`rates_for_page` with reader-friendly column names, for a table."""
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


def rates_chart(
    rates: pd.DataFrame,
    *,
    under_25: bool,
    force_rate: float,
    district: str,
    synthetic: bool,
) -> Chart:
    """Bar chart of the all-ages or under-25 rate by district, the force rate as a line.

    ``rates`` is :func:`rates_for_page`; the data table under the chart holds the
    (suppressed) offences and the rate.
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


def comparison_display(
    table: pd.DataFrame,
    *,
    threshold: int | None = None,
    alpha: float = 0.05,
    ledger: Ledger | None = None,
    series: str = "",
) -> pd.DataFrame:
    """:func:`scrutiny.analysis.needs.baseline_comparison` for showing.

    With the page's ``ledger`` (and the trend's ``series`` name in it), a period's total
    is withheld where the ledger withholds it: each period is the sum of months the chart
    prints, so the ledger protects both together. Without one, offences from 1 to
    ``threshold - 1`` are withheld. A withheld count hides its averages too.
    """
    shown, hide = _counts_for_page(table[["offences"]], threshold=threshold, secondary=False)
    if ledger is not None:
        mask = pd.Series(
            [ledger.hidden(calc.period_key(series, i)) for i in range(len(table))],
            index=table.index,
        )
        hide = pd.DataFrame({"offences": mask | table["offences"].isna()})
        shown = pd.DataFrame(
            {"offences": _whole(table["offences"]).astype(object).mask(mask, MARKER)}
        )
    out = table[["period", "months", "offences", "per_month", "change_pct", "verdict"]].copy()
    out["offences"] = shown["offences"]
    out.loc[hide["offences"].to_numpy(), ["per_month", "change_pct"]] = np.nan
    return out.rename(
        columns={
            "period": "Period",
            "months": "Months",
            "offences": "Offences",
            "per_month": "Offences per month",
            "change_pct": "Change per month against the baseline (%)",
            "verdict": f"Change test ({fmt_num(alpha * 100, 0)}%)",
        }
    )


def comparison_sentence(
    name: str,
    table: pd.DataFrame,
    baseline: Baseline,
    *,
    tag: str,
    threshold: int | None = None,
    ledger: Ledger | None = None,
    series: str = "",
) -> str:
    """One sentence: the like-for-like months per month against the baseline, with the verdict.

    The one baseline rule: the period quoted holds the baseline's calendar months (the same
    months of the latest year the data cover, or the latest months when the baseline is
    whole years), never the latest 12 months against a winter baseline
    (:func:`scrutiny.analysis.needs.like_for_like`). With a ``threshold``, periods holding
    from 1 to ``threshold - 1`` offences are not quoted (their averages would give the
    counts away), nor periods the page's ``ledger`` withholds (the trend's ``series`` name
    in it).
    """
    base = table.iloc[0]
    compared = [i for i in range(1, len(table)) if table.iloc[i]["verdict"] != NOT_LIKE_FOR_LIKE]
    if not compared:
        return (
            f"{name}{tag}: the data do not yet hold the months of {baseline.label} a year "
            "later, so there is no like-for-like comparison with it."
        )
    at = compared[-1]
    last = table.iloc[at]
    if last["verdict"] == "not available":
        return (
            f"{name}{tag}: no comparison with {baseline.label}, because some of the months "
            "compared have no data."
        )
    if last["verdict"] == TOO_FEW:
        return f"{name}{tag}: too few offences in {baseline.label} to judge a change against it."
    hidden = ledger is not None and any(ledger.hidden(calc.period_key(series, i)) for i in (0, at))
    if hidden or (
        threshold is not None
        and any(0 < n < threshold for n in (base["offences"], last["offences"]))
    ):
        return (
            f"{name}{tag}: too few offences in {baseline.label} or the months compared with it "
            "to compare without identifying people."
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
    period = str(last["period"])
    when = (
        period.removeprefix("Same months, ")
        if period.startswith("Same months, ")
        else f"the latest {int(last['months'])} months"
    )
    return (
        f"{name}{tag}: {fmt_int(last['per_month'])} offences a month in {when}, {size} the "
        f"{'pre-pandemic ' if baseline.pre_pandemic else ''}baseline of "
        f"{fmt_int(base['per_month'])} a month in the same months ({baseline.label}), "
        f"{verdict}."
    )


def trend_chart(
    monthly: pd.Series,
    comparison: pd.DataFrame,
    baseline: Baseline,
    *,
    title: str,
    source: str,
    synthetic: bool,
    threshold: int | None = None,
    ledger: Ledger | None = None,
    series: str = "",
) -> Chart:
    """Monthly offences with the baseline's monthly average as a dashed reference line.

    ``comparison`` is :func:`scrutiny.analysis.needs.baseline_comparison` of ``monthly``
    (its first row gives the baseline's average). With the page's ``ledger``, a month is
    withheld where the ledger withholds it, and the baseline's average is left out when
    its total is withheld (the average times its months is that total).
    """
    shown, hide = _counts_for_page(monthly.to_frame("n"), threshold=threshold)
    b_avg = float(comparison.iloc[0]["per_month"])
    if ledger is not None:
        mask = pd.Series(
            [ledger.hidden(calc.month_key(series, m)) for m in monthly.index], index=monthly.index
        )
        hide = pd.DataFrame({"n": mask | monthly.isna()})
        shown = pd.DataFrame({"n": _whole(monthly).mask(mask, MARKER)})
        if ledger.hidden(calc.period_key(series, 0)):
            b_avg = np.nan
    plotted = monthly.astype(float).where(~hide["n"])
    data = pd.DataFrame(
        {"Offences": plotted.to_numpy(), "Baseline monthly average": b_avg},
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
    chart.data["Offences"] = shown["n"].to_numpy()
    return chart


def kpi_display(
    kpis: pd.DataFrame,
    *,
    threshold: int | None,
    withhold: tuple[str, ...] = (),
    synthetic: bool | None = None,
) -> pd.DataFrame:
    """:func:`scrutiny.analysis.needs.rolling_12_table` for showing.

    Counts below the threshold are withheld (each row is a different KPI, so there is
    no total to protect); ``withhold`` names KPIs whose latest count must be withheld
    anyway (e.g. its difference from another figure on the page is small). A withheld
    count hides the percentage change with it. ``synthetic`` keeps only the KPIs counted in
    the synthetic extract (True) or only the others (False); None keeps every KPI.
    """
    if synthetic is not None:
        kpis = kpis[kpis["synthetic"].astype(bool) == synthetic]
        withhold = tuple(k for k in withhold if k in kpis.index)
    counts = kpis[["current_count", "baseline_count"]]
    shown, hide = _counts_for_page(counts, threshold=threshold, secondary=False)
    for k in withhold:
        shown.loc[k, "current_count"] = MARKER
        hide.loc[k, "current_count"] = True
    first = kpis.iloc[0]
    return pd.DataFrame(
        {
            "KPI": kpis["name"].to_numpy(),
            f"Offences, {first['current_period']}": shown["current_count"].to_numpy(),
            f"Offences, {first['baseline_period']}": shown["baseline_count"].to_numpy(),
            "Change (%)": kpis["pct_change"].where(~hide.any(axis=1)).round(1).to_numpy(),
            "Change test": kpis["verdict"].to_numpy(),
            "Data": ["Synthetic" if s else "Real (police.uk)" for s in kpis["synthetic"]],
        }
    )


def kpi_count_columns(kpis: pd.DataFrame) -> tuple[str, str]:
    """The count columns of :func:`kpi_display`."""
    first = kpis.iloc[0]
    return (f"Offences, {first['current_period']}", f"Offences, {first['baseline_period']}")


# -------------------------------------------------------------------------- profiles


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


def people_display(
    table: pd.DataFrame,
    count_cols: list[str],
    *,
    threshold: int | None,
    label: str | None = None,
    hidden: pd.DataFrame | None = None,
    share_of: list[str] | None = None,
) -> pd.DataFrame:
    """A table of counts and shares for showing: counts suppressed, shares hidden with them.

    Shares (columns not in ``count_cols``) are withheld on any row where a count in
    ``share_of`` (default: every count column) is withheld. ``hidden`` (same shape as
    the count columns) says which counts to withhold, as the page's ledger decided;
    without it the table is suppressed on its own, its totals assumed known.
    """
    shown, hide = _counts_for_page(table[count_cols], threshold=threshold)
    if hidden is not None:
        hide = hidden.astype(bool)
        shown = pd.DataFrame(
            {c: _whole(table[c]).mask(hide[c].to_numpy(), MARKER) for c in count_cols},
            index=table.index,
        )
    hide = hide[share_of or count_cols]
    out = shown.copy()
    out.index = table.index
    for col in table.columns:
        if col not in count_cols:
            out[col] = table[col].where(~hide.any(axis=1).to_numpy()).round(1)
    if label:
        out.index.name = label
    return out.reset_index()


SEX_COUNT_COLUMNS = ("Female", "Male", "Unknown")
REPEAT_COUNT_COLUMNS = ("Offences with a suspect", "By a repeat suspect")
FLAG_COUNT_COLUMNS = ("Offences", "All serious violence")


def _ledger_mask(ledger: Ledger | None, keys: pd.DataFrame) -> pd.DataFrame | None:
    """True where the page's ledger withholds the figure under each key (None: no ledger)."""
    if ledger is None:
        return None
    return keys.map(ledger.hidden).astype(bool)


def sexes_display(
    sexes: pd.DataFrame,
    *,
    threshold: int | None,
    ledger: Ledger | None = None,
    shares: bool = True,
) -> pd.DataFrame:
    """Victims and suspects by sex, for a table.

    With the page's ``ledger``, counts are withheld as it decides (an Unknown below the
    threshold is withheld on its own unless the row's total is printed elsewhere on the
    page); the male share goes only with a withheld Female or Male count. ``shares=False``
    leaves the share out (a synthetic extract: the share would restate the generator's
    input).
    """
    keys = pd.DataFrame(
        {c: [f"sex:{who}:{c}" for who in sexes.index] for c in SEX_COUNT_COLUMNS},
        index=sexes.index,
    )
    table = sexes.rename(columns={"male_share": "Male share of known sex (%)"})
    if not shares:
        table = table.drop(columns="Male share of known sex (%)")
    return people_display(
        table,
        list(SEX_COUNT_COLUMNS),
        threshold=threshold,
        label="Who",
        hidden=_ledger_mask(ledger, keys),
        share_of=["Female", "Male"],
    )


def repeats_display(
    repeats: pd.DataFrame,
    *,
    threshold: int | None,
    ledger: Ledger | None = None,
    shares: bool = True,
) -> pd.DataFrame:
    """Offences by repeat suspects in each period, for a table.

    With the page's ``ledger``, counts are withheld as it decides: the rows are nested
    (suspects under 25 within all ages) and each holds a complement (offences not by a
    repeat suspect), so their differences are protected too.
    """
    table = repeats.set_index(["period", "suspects"]).rename(
        columns={
            "with_suspect": REPEAT_COUNT_COLUMNS[0],
            "by_repeat": REPEAT_COUNT_COLUMNS[1],
            "share": "Share (%)",
        }
    )
    if not shares:
        table = table.drop(columns="Share (%)")
    keys = pd.DataFrame(
        {
            new: [calc.repeat_key(p, w, old) for p, w in table.index]
            for old, new in zip(("with_suspect", "by_repeat"), REPEAT_COUNT_COLUMNS, strict=True)
        },
        index=table.index,
    )
    out = people_display(
        table,
        list(REPEAT_COUNT_COLUMNS),
        threshold=threshold,
        hidden=_ledger_mask(ledger, keys),
    )
    return out.rename(columns={"period": "Period", "suspects": "Suspects"})


def flags_display(
    flags: pd.DataFrame,
    names: dict[str, str],
    *,
    threshold: int | None,
    ledger: Ledger | None = None,
    shares: bool = True,
) -> pd.DataFrame:
    """Parts of serious violence, each under its KPI's name, for a table.

    With the page's ``ledger``, a part is withheld when it or its complement (serious
    violence not so flagged, all serious violence less the part) is small; all serious
    violence is printed anyway.
    """
    keys = pd.DataFrame(
        {
            FLAG_COUNT_COLUMNS[0]: [f"flag:{k}" for k in flags.index],
            FLAG_COUNT_COLUMNS[1]: [calc.SV_TOTAL] * len(flags),
        },
        index=flags.index,
    ).rename(index=names)
    table = flags.rename(index=names).rename(
        columns={
            "offences": FLAG_COUNT_COLUMNS[0],
            "of_all": FLAG_COUNT_COLUMNS[1],
            "share": "Share (%)",
        }
    )
    if not shares:
        table = table.drop(columns="Share (%)")
    return people_display(
        table,
        list(FLAG_COUNT_COLUMNS),
        threshold=threshold,
        label="KPI",
        hidden=_ledger_mask(ledger, keys),
    )


# -------------------------------------------------------------------------- findings


#: The heading under which a public page shows figures from a synthetic extract.
ILLUSTRATIVE = "Illustrative figures from the synthetic extract"
SYNTHETIC_FINDING = (
    "Serious violence, its knife-enabled part, its victims, suspects, times and places are "
    "counted in the force extract, which here is synthetic: those figures are illustrative, "
    f"not findings, and are shown under '{ILLUSTRATIVE}'."
)


def level(n: int, synthetic: bool) -> int:
    """Heading level of a section resting on the extract.

    One level down, under :data:`ILLUSTRATIVE`, when the extract is synthetic.
    """
    return n + 1 if synthetic else n


def illustrative_paragraph() -> str:
    """What the illustrative section is, and why none of it is a finding."""
    return (
        "Everything in this section is counted in the synthetic force extract: real "
        "police.uk crimes with offence codes, times, ages, sexes, suspects and flags drawn "
        "from published distributions. It shows what the assessment will show with the "
        "force's own extract; it says nothing about the force. Its proportions (such as "
        "the knife-enabled share of serious violence, or the share of victims under 25) "
        "are, within chance, the published proportions the extract was drawn from (a "
        "published needs assessment and ONS population estimates), so dividing one "
        "figure by another recovers those inputs, not a fact about the force."
    )


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

    ``rates`` is :func:`rates_for_page` (withheld rates are NaN); ``flags`` is
    :func:`scrutiny.analysis.needs.flag_shares` indexed by KPI id. A synthetic figure is
    never a finding: when the extract is synthetic, only what the real police.uk data
    support is a finding (robbery against the baseline), and one more says the rest of
    the page is illustrative; the extract's figures stay in the body under
    :data:`ILLUSTRATIVE`. With a real extract every finding below is made. With a
    disclosure ``threshold``, a share whose count (or its complement) is from 1 to
    ``threshold - 1`` is not quoted, so no small count can be worked back from a finding.
    """
    if synthetic:
        return [robbery_sentence, SYNTHETIC_FINDING]
    tag = ""

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
    knife = flags.loc[KNIFE_VRN, "share"]
    k_n, all_n = flags.loc[KNIFE_VRN, ["offences", "of_all"]]
    if pd.notna(knife) and not small(k_n, all_n - k_n):
        out.append(
            f"About 1 in {round(100 / knife):d} serious violence offences ({fmt_pct(knife)}) "
            f"involved a knife or sharp instrument{tag}."
            if knife > 0
            else f"No serious violence offence was flagged as involving a knife or sharp "
            f"instrument{tag}."
        )
    peaks = calc.peak_hours(hours)
    busiest_day = days["offences"].idxmax()
    if peaks:
        out.append(
            f"Serious violence peaked at {' and '.join(hour_text(h) for h in peaks)}; the "
            f"busiest day was {busiest_day}{tag}."
        )
    nte = flags.loc[NTE, "share"]
    n_n = flags.loc[NTE, "offences"]
    if pd.notna(nte) and not small(n_n, all_n - n_n):
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
class NeedsAssessment:
    """Every table, figure input and sentence of the needs assessment.

    ``rates`` has passed disclosure control (:func:`rates_for_page`); ``rates_raw`` is
    the same before it. ``kpis`` is the board's 12-month figures from the assessment;
    ``kpis_withheld`` the KPIs whose latest count the page withholds.
    """

    force: str
    district: str
    baseline: Baseline
    period: str
    period_months: int
    threshold: int | None
    synthetic: bool
    tag: str
    alpha: float
    names: dict[str, str]
    rates_raw: pd.DataFrame
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
    kpis: pd.DataFrame
    kpis_withheld: tuple[str, ...]
    knife_sentence: str
    test_sentence: str
    findings: list[str]
    ledger: Ledger


def assess(
    nd: NeedsData,
    *,
    district: str,
    period_months: int,
    baseline: str,
    threshold: int | None,
) -> NeedsAssessment:
    """Assemble the page from the loaded data and the notebook's parameters."""
    if period_months < 1:
        raise ValueError(f"parameter 'period_months': must be 1 or more, got {period_months}")
    a = nd.assessment
    district = check_district(district, list(a.districts))
    base = calc.parse_baseline(baseline, first_month=nd.first_month, last_month=nd.data_to)
    period = window_label(nd.data_to, period_months)
    recent = calc.window(nd.rows, data_to=nd.data_to, months=period_months)
    tag = " (synthetic)" if nd.synthetic else ""
    names = {k: kpi.name for k, kpi in a.registry.items()}

    def total(kpi_id: str, months: int = period_months) -> float:
        return calc.kpi_total(a, kpi_id, data_to=nd.data_to, months=months)

    sv_total = total(calc.SERIOUS_VIOLENCE)
    calc.check_rows(recent, sv_total, what=f"{names[calc.SERIOUS_VIOLENCE]} in {period}")
    offences = calc.district_totals(
        a, calc.SERIOUS_VIOLENCE, data_to=nd.data_to, months=period_months
    )
    young = recent[calc.under_25(recent["victim_age"])]
    rates_raw = calc.district_rates(
        offences, calc.district_counts(young, a.districts), nd.population
    )
    rates = rates_for_page(rates_raw, threshold=threshold)
    force_rate = calc.force_rates(sv_total, recent, nd.force_population)
    first = str(min(base.start, pd.Period(a.start, "M")))
    sv_monthly = calc.kpi_monthly(a, calc.SERIOUS_VIOLENCE, first_month=first)
    rob_monthly = calc.kpi_monthly(a, calc.ROBBERY, first_month=first)
    compare = {
        "data_to": nd.data_to,
        "recent_months": period_months,
        "alpha": a.method.alpha,
        "min_expected": a.method.min_expected,
    }
    sv_compare = calc.baseline_comparison(
        sv_monthly, base, phi=calc.dispersion_of(a.result(calc.SERIOUS_VIOLENCE)), **compare
    )
    rob_compare = calc.baseline_comparison(
        rob_monthly, base, phi=calc.dispersion_of(a.result(calc.ROBBERY)), **compare
    )
    hours, days = calc.hour_profile(recent), calc.day_profile(recent)
    sexes = calc.sex_split(recent)
    flags = calc.flag_shares({k: total(k) for k in FLAG_KPIS}, sv_total)
    whole = f"{month_text(nd.first_month)} to {month_text(nd.data_to)}"
    repeats = calc.repeat_periods({period: recent, f"all months in the data ({whole})": nd.rows})
    kpis = calc.rolling_12_table(a, BOARD_KPIS)
    windows = calc.comparison_windows(base, data_to=nd.data_to, recent_months=period_months)
    printed = {}
    if period_months == 12:  # the latest 12 months are the board's KPI figures too
        last = len(windows) - 1
        printed[calc.period_key("robbery", last)] = kpis.loc[calc.ROBBERY, "current_count"]
    # The latest period of serious violence is the page's serious violence total.
    printed[calc.period_key("sv", len(windows) - 1)] = sv_compare.iloc[-1]["offences"]
    ledger = calc.page_ledger(
        threshold=threshold,
        sv_total=sv_total,
        trends_={"sv": (sv_monthly, sv_compare), "robbery": (rob_monthly, rob_compare)},
        windows=windows,
        sexes=sexes,
        repeats=repeats,
        flags=flags,
        printed=printed,
    )
    # The knife KPI less its part outside domestic abuse is a count too: withhold the KPI's
    # latest figure when that difference is small (the part is on the page as a share).
    knife_withheld = calc.small_difference(
        kpis.loc[calc.KNIFE, "current_count"], total(KNIFE_VRN, 12), threshold=threshold
    )
    withheld_kpis = (calc.KNIFE,) if knife_withheld else ()
    rob_name = names[calc.ROBBERY]
    findings = key_findings(
        force=a.force,
        period=period,
        rates=rates,
        force_rate=force_rate,
        sexes=sexes,
        repeats=calc.repeat_share(recent),
        flags=flags,
        hours=hours,
        days=days,
        sv_sentence=comparison_sentence(
            "Serious violence",
            sv_compare,
            base,
            tag=tag,
            threshold=threshold,
            ledger=ledger,
            series="sv",
        ),
        robbery_sentence=comparison_sentence(
            f"{rob_name} (police.uk, real)",
            rob_compare,
            base,
            tag="",
            threshold=threshold,
            ledger=ledger,
            series="robbery",
        ),
        district=district,
        synthetic=nd.synthetic,
        threshold=threshold,
    )
    return NeedsAssessment(
        force=a.force,
        district=district,
        baseline=base,
        period=period,
        period_months=period_months,
        threshold=threshold,
        synthetic=nd.synthetic,
        tag=tag,
        alpha=a.method.alpha,
        names=names,
        rates_raw=rates_raw,
        rates=rates,
        force_rate=force_rate,
        sv_monthly=sv_monthly,
        sv_compare=sv_compare,
        robbery_monthly=rob_monthly,
        robbery_compare=rob_compare,
        hours=hours,
        days=days,
        sexes=sexes,
        flags=flags,
        repeats=repeats,
        kpis=kpis,
        kpis_withheld=withheld_kpis,
        knife_sentence=knife_sentence(
            a, kpis, withheld=knife_withheld, threshold=threshold, tag=tag
        ),
        test_sentence=test_sentence(a),
        findings=findings,
        ledger=ledger,
    )


def test_sentence(a: Assessment) -> str:
    """How every change on the page is tested: the cycle's method, as in its assessment."""
    level = f"{fmt_num(a.method.alpha * 100, 0)}%"
    few = fmt_int(a.method.min_expected)
    if a.method.overdispersion == "none":
        how = "with an exact Poisson test of the two counts"
    else:
        how = (
            "allowing for how much each series varies from month to month, more than chance "
            "alone would give"
        )
    return (
        f"Changes are tested at the {level} level {how}, as the cycle's assessment tests "
        f"every change; a baseline with fewer than {few} offences is too few to judge."
    )


def knife_sentence(
    a: Assessment, kpis: pd.DataFrame, *, withheld: bool, threshold: int | None, tag: str
) -> str:
    """The board's knife KPI over the latest 12 months, in the assessment's own words."""
    row = kpis.loc[calc.KNIFE]
    name = row["name"]
    small = threshold is not None and any(
        0 < n < threshold for n in (row["current_count"], row["baseline_count"])
    )
    if withheld or small:
        return (
            f"{name}{tag}: the board's figure for {row['current_period']} is withheld, because "
            "it would let a small number of offences be worked out."
        )
    sentence = a.result(calc.KNIFE).rolling_sentence() or ""
    return sentence[:-1] + tag + "." if sentence.endswith(".") else sentence + tag


def age_sentence(force_rate: dict[str, float], *, tag: str) -> str:
    """The under-25 victim rate and the 10-24 v. 25+ suspect rate ratio, in words.

    With a synthetic extract (``tag`` set) the ratio is not stated: the extract was
    generated with it, so it would only restate the generator's input.
    """
    if tag:
        return (
            f"Victims under 25: {fmt_num(force_rate['rate_per_1000_under_25'], 1)} offences "
            f"per 1,000 residents aged 0-24, against {fmt_num(force_rate['rate_per_1000'], 1)} "
            f"per 1,000 for all ages{tag}. Suspect rates by age are not shown from a synthetic "
            "extract: the extract was generated from the published ratio, so it would only "
            "restate it."
        )
    return (
        f"Victims under 25: {fmt_num(force_rate['rate_per_1000_under_25'], 1)} offences per "
        f"1,000 residents aged 0-24, against {fmt_num(force_rate['rate_per_1000'], 1)} per "
        f"1,000 for all ages{tag}. Suspects aged 10-24: "
        f"{fmt_num(force_rate['suspect_rate_under_25'], 1)} offences per 1,000 residents of "
        f"that age, {fmt_num(force_rate['suspect_ratio'], 1)} times the rate for suspects aged "
        f"25 and over ({fmt_num(force_rate['suspect_rate_25_plus'], 1)} per 1,000){tag}. "
        "Suspect rates start at age 10, the age of criminal responsibility."
    )


def period_paragraph(a: NeedsAssessment, *, first_month: str) -> str:
    """Which months the figures cover, what the baseline is (and is not), how it is tested."""
    text = f"Rates, profiles and shares cover {a.period}. Trends compare with {a.baseline.label}"
    first = month_text(first_month)
    if a.baseline.pre_pandemic:
        text += (
            f", the months before the pandemic that the data hold (they start in {first}). "
            "They are winter months, so they are compared only with the same months of the "
            "latest year, like for like; the latest 12 months are shown beside them but not "
            "compared, because they hold other months of the year."
        )
    else:
        text += (
            f". These months are not before the pandemic (the data start in {first}), so the "
            "comparison is with a period when lockdown rules still affected crime."
        )
    return f"{text} {a.test_sentence}"


def kpi_paragraph(a: NeedsAssessment) -> str:
    """Introduce the board's 12-month figures: the same as every other page of the cycle."""
    return (
        "The board's KPIs over the latest 12 months against the 12 months before, as the "
        "performance exceptions briefing reports them: each is counted by its definition in "
        "the board's KPI registry. This compares with the 12 months before, not with the "
        "baseline above, so the two verdicts answer different questions."
    )
