"""Presentation of the budget options: sentences, tables and accessible charts.

Takes the validated parameters and the frames from :mod:`scrutiny.analysis.budget` and
turns them into what the budget briefing shows. The pure builders (``*_sentences``, ``*_table``,
``*_chart``) return strings, DataFrames or :class:`Chart` objects and are what the tests
check; :func:`show` puts a chart on the page through :func:`scrutiny.present.page.show_figure` with
alt text written from the numbers and the data table underneath.

Options keep the colours the paper gives them (green, orange, blue, yellow, grey), drawn from
the Okabe-Ito colour-blind-safe palette. Colour is never the only cue: every bar has a hatch
and every line a marker, the legend names each option, and all text is black on white.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from scrutiny.analysis import budget
from scrutiny.analysis.budget import BudgetParams
from scrutiny.present import page

#: The paper's option colours as Okabe-Ito hues (colour-blind safe).
OPTION_COLOURS: dict[str, str] = {
    "green": "#009E73",
    "orange": "#E69F00",
    "blue": "#0072B2",
    "yellow": "#F0E442",
    "grey": "#999999",
    "vermillion": "#D55E00",
    "sky blue": "#56B4E9",
    "purple": "#CC79A7",
}
_FALLBACK = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999"]
_HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
_EDGE = "#222222"

SOURCE = (
    "Source: CGB report of 17 January 2022 and Police and Crime Panel minutes of 2 February "
    "2022 (published figures); other lines illustrative, see the assumptions table."
)


# --------------------------------------------------------------------------------------------
# Words and numbers
# --------------------------------------------------------------------------------------------


def money(x: float, dp: int = 2) -> str:
    """Format GBP millions, e.g. ``1.734 -> "£1.73m"``, ``-1.1 -> "-£1.10m"``."""
    value = round(float(x), dp)
    if value == 0:
        value = 0.0  # no "-£0.00m"
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.{dp}f}m"


def pounds(x: float) -> str:
    """Format pounds to the penny, e.g. ``258.23 -> "£258.23"``."""
    sign = "-" if round(float(x), 2) < 0 else ""
    return f"{sign}£{abs(float(x)):,.2f}"


def pence(x_pounds: float) -> str:
    """Format an amount in pounds as whole pence, e.g. ``0.1923 -> "19p"``."""
    return f"{round(float(x_pounds) * 100):d}p"


def position_phrase(x: float) -> str:
    """Say a surplus or deficit in words: ``"a surplus of £1.73m"``, ``"a balanced position"``."""
    if abs(x) < budget.BALANCED_TOLERANCE:
        return "a balanced position"
    return f"a surplus of {money(x)}" if x > 0 else f"a deficit of {money(-x)}"


def _year_phrase(label: str, x: float) -> str:
    if abs(x) < budget.BALANCED_TOLERANCE:
        return f"{label} balanced"
    return f"{label} {'surplus' if x > 0 else 'deficit'} {money(abs(x))}"


def chosen_option(params: BudgetParams, option_id: str = "") -> str:
    """Return the option the briefing centres on: ``option_id``, else the decided option.

    Raises
    ------
    KeyError
        ``option_id`` is not an option in the parameters (the message lists them).
    ValueError
        No ``option_id`` was given and the parameters name no decided option.
    """
    if option_id:
        return params.option(option_id).id
    if params.decided_option:
        return params.decided_option
    raise ValueError("give decided_option: the budget parameters do not name a decided option")


def colour_of(option: budget.Option, index: int = 0) -> str:
    """The fill colour for an option: the paper's colour name, a hex code, or a fallback."""
    name = option.colour.strip().lower()
    if name in OPTION_COLOURS:
        return OPTION_COLOURS[name]
    if name.startswith("#") and len(name) in (4, 7):
        return name
    return _FALLBACK[index % len(_FALLBACK)]


@dataclass(frozen=True)
class Decision:
    """The headline numbers of the chosen option in its first plan year."""

    option_name: str
    year: str
    base_year: str
    band_d_before: float
    band_d_after: float
    increase: float
    increase_pct: float
    weekly_increase: float
    precept_before: float
    precept_after: float
    from_increase: float
    from_tax_base: float
    mtfp_position: float
    referendum_limit: float


def decision(params: BudgetParams, option_id: str) -> Decision:
    """Work out the headline numbers of ``option_id`` for its first plan year.

    The extra precept income splits into the effect of the increase (increase x this year's
    tax base) and of the larger tax base (growth in Band D equivalents x last year's Band D).
    """
    r = budget.project(params, option_id)
    y0, y1 = params.base_year, params.years[0]
    increase = float(r.at[y1, "band_d_increase"])
    return Decision(
        option_name=params.option(option_id).name,
        year=y1,
        base_year=y0,
        band_d_before=float(r.at[y0, "band_d"]),
        band_d_after=float(r.at[y1, "band_d"]),
        increase=increase,
        increase_pct=float(r.at[y1, "increase_pct"]),
        weekly_increase=increase / budget.WEEKS_PER_YEAR,
        precept_before=float(r.at[y0, "precept_income"]),
        precept_after=float(r.at[y1, "precept_income"]),
        from_increase=increase * float(r.at[y1, "tax_base"]) / 1e6,
        from_tax_base=(float(r.at[y1, "tax_base"]) - float(r.at[y0, "tax_base"]))
        * float(r.at[y0, "band_d"])
        / 1e6,
        mtfp_position=float(r.at[params.years[-1], "cumulative"]),
        referendum_limit=float(r.at[y1, "referendum_limit"]),
    )


def decision_sentences(params: BudgetParams, option_id: str) -> list[str]:
    """The decision in words: new Band D, the increase, pence per week and extra income."""
    d = decision(params, option_id)
    extra = d.precept_after - d.precept_before
    out = [
        f"{d.option_name}: the Band D precept for {d.year} rises by {pounds(d.increase)} "
        f"({d.increase_pct:.2f}%), from {pounds(d.band_d_before)} to {pounds(d.band_d_after)}. "
        f"For a Band D household that is {pence(d.weekly_increase)} a week more.",
        f"The precept raises {money(d.precept_after)} in {d.year}, {money(extra)} more than in "
        f"{d.base_year}: {money(d.from_increase)} from the increase and "
        f"{money(d.from_tax_base)} from the larger tax base.",
        f"Over the plan {params.years[0]} to {params.years[-1]} this option gives "
        f"{position_phrase(d.mtfp_position)}.",
    ]
    if params.decision:
        out.append(params.decision.strip())
    return out


def referendum_messages(params: BudgetParams) -> list[tuple[str, str]]:
    """Callouts for the referendum check: one warning per option and year above the limit.

    Returns
    -------
    list of (text, kind)
        ``kind`` is ``"warning"`` for each breach, or one ``"note"`` when all are within it.
    """
    notes: list[tuple[str, str]] = [(n, "note") for n in params.notes]
    breaches = budget.referendum_breaches(params)
    if breaches.empty:
        limits = budget.project(params, params.options[0].id).loc[params.years, "referendum_limit"]
        first = params.years[0]
        return notes + [
            (
                f"All {len(params.options)} options are within the referendum limit: no option "
                f"raises Band D by more than {pounds(limits[first])} in {first}, "
                f"nor by more than the assumed limit in later years.",
                "note",
            )
        ]
    return notes + [
        (
            f"{row.name} raises Band D by {pounds(row.band_d_increase)} in {row.year}, above the "
            f"referendum limit of {pounds(row.referendum_limit)}: this increase could only be "
            f"set after a local referendum.",
            "warning",
        )
        for row in breaches.itertuples()
    ]


def referendum_warnings(params: BudgetParams) -> list[str]:
    """Only the warning texts of :func:`referendum_messages` (for the top of the page)."""
    return [text for text, kind in referendum_messages(params) if kind == "warning"]


def debt_sentences(params: BudgetParams) -> list[str]:
    """How the revenue contribution to capital changes debt charges, option by option."""
    cmp = budget.compare_options(params)
    base, last = params.base_year, params.years[-1]
    out = [
        "Debt charges are the minimum revenue provision (setting aside money to repay "
        "borrowing) plus interest. A revenue contribution to capital pays for part of the "
        "capital programme from the revenue budget, so less is borrowed: it costs money now "
        "and saves debt charges in later years.",
    ]
    for _, row in cmp.iterrows():
        dc_base, dc_last = row[f"debt_charges_{base}"], row[f"debt_charges_{last}"]
        contribution = (
            f"a contribution of {money(row['rcco_total'])}"
            if row["rcco_total"] > 0
            else "no contribution"
        )
        out.append(
            f"{row['name']}: {contribution}; debt charges rise from {money(dc_base)} in {base} "
            f"to {money(dc_last)} in {last}."
        )
    return out


def sensitivity_sentences(params: BudgetParams, option_id: str) -> list[str]:
    """What the sensitivity tests mean, in words."""
    s = params.sensitivity
    first_grown = [y for y in params.years if y not in _known_tax_base_years(params)]
    grown = f"from {first_grown[0]}" if first_grown else "in no year (all are given)"
    return [
        f"Each test changes one input in every year of the plan and shows how far the position "
        f"of {params.option(option_id).name} over the MTFP moves: pay inflation "
        f"{s.pay_award_points:g} percentage point higher or lower each year (about the pay "
        f"award), core grants {s.grant_pct:g}% higher or lower, and tax base growth "
        f"{s.tax_base_growth_points:g} point higher or lower ({grown}; the tax base for "
        f"{params.years[0]} is already set by the billing authorities).",
        "Pay is by far the largest part of the budget, so a small change in the pay award "
        "outweighs the other tests: changes compound from year to year.",
    ]


def _known_tax_base_years(params: BudgetParams) -> set[str]:
    return {y for seg in params.lines.tax_base for y in seg.values}


def reserves_sentences(params: BudgetParams, option_id: str) -> list[str]:
    """The effect of each option on reserves, in words."""
    tbl = reserves_table(params).set_index("Point")
    start, end = tbl.index[0], tbl.index[-1]
    name = params.option(option_id).name
    low = tbl.loc[end].idxmin()
    return [
        f"Each year's surplus is added to the {params.reserves.surplus_to.replace('_', ' ')} "
        f"reserve and each deficit is met from it; planned use of earmarked reserves is "
        f"drawn as budgeted.",
        f"Total reserves start at {money(tbl.iloc[0, 0])} ({start.lower()}). By "
        f"{end.lower()} they are {money(tbl.at[end, name])} under {name}; the lowest is "
        f"{money(tbl.at[end, low])} under {low}.",
    ]


def band_sentences(params: BudgetParams, option_id: str) -> list[str]:
    """How the bands relate to Band D, in words."""
    d = decision(params, option_id)
    before = budget.council_tax_bands(d.band_d_before).set_index("band")
    after = budget.council_tax_bands(d.band_d_after).set_index("band")
    weekly_rise = after["weekly"] - before["weekly"]
    return [
        f"Each band pays a fixed fraction of Band D, from 6/9 (Band A) to 18/9 (Band H). "
        f"In {d.year} Band A pays {pounds(after.at['A', 'yearly'])} a year and Band H "
        f"{pounds(after.at['H', 'yearly'])}; the increase is {pence(weekly_rise['A'])} a week "
        f"for Band A, {pence(weekly_rise['D'])} for Band D and {pence(weekly_rise['H'])} "
        f"for Band H."
    ]


ILLUSTRATIVE_NOTE = (
    "The papers publish the tax base, the Band D charge, each option's result over the MTFP "
    "and the debt charges. They do not publish the yearly budget lines (grants, pay, non-pay, "
    "the capital programme, reserves): those here are illustrative, chosen so that the model "
    "reproduces every published option result, and are labelled in the assumptions table. "
    "Read the comparison between options as published, and the year-by-year split as "
    "illustrative."
)


def illustrative_note(params: BudgetParams) -> str:
    """The note on illustrative lines: :data:`ILLUSTRATIVE_NOTE`, or one for an unchecked plan.

    :data:`ILLUSTRATIVE_NOTE` when the file checks the model against published results, else
    a note that the yearly lines are illustrative and nothing published is reproduced.
    """
    if not budget.reproduction(params).empty:
        return ILLUSTRATIVE_NOTE
    return (
        "No option result is published for this plan yet, so the model is not checked against "
        "one. Inputs marked published in the assumptions table are from the cited papers; every "
        "other yearly line is illustrative (many rolled forward from the previous year's plan by "
        "`scrutiny budget roll`). Read the options as a comparison on these assumptions, not as "
        "the force's budget."
    )


def source_text(params: BudgetParams) -> str:
    """The source line under the charts: the file's ``sources``, else :data:`SOURCE`."""
    return params.sources or SOURCE


def referendum_table(params: BudgetParams) -> pd.DataFrame:
    """The referendum check by plan year: the limit and each option's Band D increase (pounds)."""
    rows = []
    results = {o.id: budget.project(params, o.id) for o in params.options}
    for y in params.years:
        row: dict[str, object] = {
            "Year": y,
            "Limit on Band D (£)": results[params.options[0].id].at[y, "referendum_limit"],
        }
        over = []
        for o in params.options:
            row[f"{o.name} (£)"] = results[o.id].at[y, "band_d_increase"]
            if bool(results[o.id].at[y, "above_limit"]):
                over.append(o.name)
        row["Above the limit"] = ", ".join(over) if over else "None"
        rows.append(row)
    return pd.DataFrame(rows)


def key_findings(params: BudgetParams, option_id: str) -> list[str]:
    """The key findings box: decision, income, position, debt, referendum, risk, reproduction."""
    d = decision(params, option_id)
    cmp = budget.compare_options(params).set_index("name")
    last, base = params.years[-1], params.base_year
    opt = cmp.loc[params.option(option_id).name]
    no_rcco = cmp[cmp["rcco_total"] == 0]
    if option_id == params.decided_option:
        lead = f"The Commissioner's decision is {d.option_name}:"
    elif params.decided_option is None:
        lead = f"No option is decided yet; this briefing centres on {d.option_name}:"
    else:
        lead = f"This briefing centres on {d.option_name} (not the decided option):"
    findings = [
        *params.notes,
        f"{lead} Band D rises {pounds(d.increase)} ({d.increase_pct:.2f}%) to "
        f"{pounds(d.band_d_after)} in {d.year}, {pence(d.weekly_increase)} a week for a Band D "
        f"household, raising {money(d.precept_after - d.precept_before)} more precept than "
        f"{base}.",
        f"Over the MTFP it gives {position_phrase(d.mtfp_position)}; the "
        f"{len(cmp)} options range from "
        f"{position_phrase(cmp['mtfp_position'].min())} under {cmp['mtfp_position'].idxmin()} "
        f"to {position_phrase(cmp['mtfp_position'].max())} under {cmp['mtfp_position'].idxmax()}.",
    ]
    if opt["rcco_total"] > 0 and not no_rcco.empty:
        findings.append(
            f"Its revenue contribution to capital of {money(opt['rcco_total'])} holds debt "
            f"charges in {last} to {money(opt[f'debt_charges_{last}'])}, against "
            f"{money(no_rcco[f'debt_charges_{last}'].iloc[0])} with no contribution "
            f"({money(opt[f'debt_charges_{base}'])} in {base})."
        )
    breaches = budget.referendum_breaches(params)
    if breaches.empty:
        findings.append(
            f"Every option is within the {pounds(d.referendum_limit)} referendum limit "
            f"for {d.year}."
        )
    else:
        names = ", ".join(sorted(set(breaches["name"])))
        findings.append(f"Above the referendum limit: {names}.")
    sens = budget.sensitivity(params, option_id).iloc[0]
    findings.append(
        f"The biggest risk is the {sens['factor'].lower()}: {sens['high_label']} moves the MTFP "
        f"position by {money(sens['high_change'])}, {sens['low_label']} by "
        f"{money(sens['low_change'])}."
    )
    rep = budget.reproduction(params)
    if not rep.empty:
        worst = rep["difference"].abs().max()
        findings.append(
            f"The model reproduces all {len(rep)} published option figures to within "
            f"{money(worst)}; the lines the papers do not publish are illustrative."
        )
    return findings


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _tidy(df: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """Round float columns for display so that tiny negatives do not show as "-0.00"."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(decimals) + 0.0
    return out


def options_table(params: BudgetParams, option_id: str | None = None) -> pd.DataFrame:
    """The options side by side (first plan year and the whole plan), ready for show_table."""
    cmp = budget.compare_options(params)
    first, last = params.years[0], params.years[-1]
    published = {
        o.id: (o.published.mtfp_position if o.published else np.nan) for o in params.options
    }
    out = pd.DataFrame(
        {
            "Option": cmp["name"],
            f"Band D increase {first} (£)": cmp["band_d_increase"],
            f"Band D {first} (£)": cmp["band_d"],
            "Increase (%)": cmp["increase_pct"],
            "Within referendum limit": ~cmp["above_limit"],
            "Contribution to capital (£m)": cmp["rcco_total"],
            f"Position over MTFP to {last} (£m)": cmp["mtfp_position"],
            "Published position (£m)": cmp["id"].map(published),
            f"Debt charges {last} (£m)": cmp[f"debt_charges_{last}"],
            f"Reserves at end {last} (£m)": cmp["reserves_end"],
        }
    )
    if option_id is not None:
        mark = "Chosen" if option_id == params.decided_option else "Centred on (not decided)"
        out.insert(1, "Decision", np.where(cmp["id"] == option_id, mark, ""))
    return _tidy(out)


def yearly_table(params: BudgetParams) -> pd.DataFrame:
    """Surplus (+) or deficit (-) by plan year and option, with the cumulative position (GBP m)."""
    rows = []
    for o in params.options:
        r = budget.project(params, o.id)
        row = {"Option": o.name}
        for y in params.years:
            row[f"{y} (£m)"] = r.at[y, "surplus"]
        row["Cumulative (£m)"] = r.at[params.years[-1], "cumulative"]
        rows.append(row)
    return _tidy(pd.DataFrame(rows))


def band_table(params: BudgetParams, option_id: str) -> pd.DataFrame:
    """Council tax for Bands A to H before and after the option's first-year increase (pounds)."""
    d = decision(params, option_id)
    before = budget.council_tax_bands(d.band_d_before)
    after = budget.council_tax_bands(d.band_d_after)
    return pd.DataFrame(
        {
            "Band": before["band"],
            "Share of Band D": before["ratio"],
            f"{d.base_year} per year (£)": before["yearly"],
            f"{d.year} per year (£)": after["yearly"],
            "Increase per year (£)": after["yearly"] - before["yearly"],
            f"{d.year} per week (£)": after["weekly"],
            "Increase per week (£)": after["weekly"] - before["weekly"],
        }
    )


def sensitivity_table(params: BudgetParams, option_id: str) -> pd.DataFrame:
    """The sensitivity tests as a table: the MTFP position under each change (GBP m)."""
    s = budget.sensitivity(params, option_id)
    return pd.DataFrame(
        {
            "Factor": s["factor"],
            "Lower": s["low_label"],
            "Position if lower (£m)": s["low"],
            "Higher": s["high_label"],
            "Position if higher (£m)": s["high"],
            "Change if lower (£m)": s["low_change"],
            "Change if higher (£m)": s["high_change"],
        }
    ).pipe(_tidy)


def reproduction_table(params: BudgetParams) -> pd.DataFrame:
    """Published figures beside the model's, for the assumptions section (GBP m)."""
    rep = budget.reproduction(params)
    return pd.DataFrame(
        {
            "Option": rep["option"],
            "Figure": rep["measure"],
            "Published (£m)": rep["published"],
            "Model (£m)": rep["model"].round(2) + 0.0,
            "Difference (£m)": rep["difference"].round(3) + 0.0,
            "Where published": rep["citation"],
        }
    )


#: Plain-English names (with units) for the inputs, by field name.
INPUT_LABELS: dict[str, str] = {
    "band_d_base": "Band D charge in the base year (£)",
    "pay_base": "Pay costs in the base year (£m)",
    "non_pay_base": "Non-pay costs in the base year (£m)",
    "opening_cfr": "Capital financing requirement at the start (£m)",
    "existing_debt_life_years": "Years to repay existing debt",
    "asset_life_years": "Life of assets bought with new borrowing (years)",
    "tax_base": "Tax base (Band D equivalent properties)",
    "tax_base_growth_pct": "Tax base growth (%)",
    "band_d_increase": "Band D increase (£)",
    "referendum_limit": "Referendum limit on the Band D increase (£)",
    "collection_fund": "Collection fund surplus or deficit (£m)",
    "core_grants": "Core government grants (£m)",
    "other_income": "Other income (£m)",
    "pay_inflation_pct": "Pay inflation (%)",
    "non_pay_inflation_pct": "Non-pay inflation (%)",
    "capital_programme": "Capital programme (£m)",
    "capital_grants_and_receipts": "Capital grants and receipts (£m)",
    "revenue_contribution_to_capital": "Revenue contribution to capital (£m)",
    "interest_rate_pct": "Interest rate on borrowing (%)",
}


def input_label(params: BudgetParams, field: str) -> str:
    """Plain-English label for an input's field path from :func:`budget.assumptions_table`."""
    parts = field.split(".")
    name = parts[-1]
    words = name.replace("_", " ")
    if parts[0] in ("constants", "lines"):
        return INPUT_LABELS.get(name, words.capitalize())
    if parts[0] == "growth":
        return f"Growth: {words} (£m)"
    if parts[0] == "savings":
        return f"Savings: {words} (£m)"
    if parts[:2] == ["reserves", "opening"]:
        return f"Reserve at the start: {words} (£m)"
    if parts[:2] == ["reserves", "planned_use"]:
        return f"Planned use of reserve: {words} (£m)"
    if parts[0] == "options":
        option = params.option(".".join(parts[1:-1])).name
        return f"{option}: {INPUT_LABELS.get(name, words)}"
    return words.capitalize()


def assumptions_display(params: BudgetParams) -> pd.DataFrame:
    """Every input with its source, published first, for the assumptions section."""
    a = budget.assumptions_table(params)
    a = a.assign(_order=(a["source"] != "published").astype(int)).sort_values(
        "_order", kind="stable"
    )
    where = [
        "; ".join(t for t in (c, f"Note: {n}" if n else "") if t)
        for c, n in zip(a["citation"], a["note"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Input": [input_label(params, f) for f in a["input"]],
            "Values": a["values"],
            "Source": a["source"].str.capitalize(),
            "Citation or note": where,
        }
    ).reset_index(drop=True)


def reserves_table(params: BudgetParams) -> pd.DataFrame:
    """Total reserves at the end of each plan year by option (GBP m), opening balance first."""
    res = budget.reserves_by_option(params)
    opening = sum(v.value for v in params.reserves.opening.values())
    start = pd.DataFrame([{c: opening for c in res.columns}], index=[f"Start of {params.years[0]}"])
    out = pd.concat([start, res.rename(index=lambda y: f"End of {y}")])
    return _tidy(out.rename_axis("Point").reset_index())


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


@dataclass
class Chart:
    """A chart ready for :func:`show`: the figure, its alt text, data and caption."""

    fig: Figure
    alt: str
    data: pd.DataFrame
    caption: str


def _style(ax: plt.Axes, ylabel: str) -> None:
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.axhline(0, color=_EDGE, linewidth=0.8)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _grouped_bars(params: BudgetParams, values: pd.DataFrame, ylabel: str, title: str) -> Figure:
    """Bars by year (groups) and option (bars), each option with its colour and hatch."""
    fig, ax = plt.subplots(figsize=(9, 4.6))
    n = len(params.options)
    width = 0.8 / n
    x = np.arange(len(values.index))
    for i, o in enumerate(params.options):
        ax.bar(
            x + (i - (n - 1) / 2) * width,
            values[o.name].to_numpy(dtype=float),
            width,
            label=o.name,
            color=colour_of(o, i),
            edgecolor=_EDGE,
            linewidth=0.7,
            hatch=_HATCHES[i % len(_HATCHES)],
        )
    ax.set_xticks(x, list(values.index))
    ax.set_title(title, loc="left")
    _style(ax, ylabel)
    ax.legend(frameon=False, ncol=min(n, 3), loc="upper center", bbox_to_anchor=(0.5, -0.1))
    fig.tight_layout()
    return fig


def _series_alt(values: pd.DataFrame, fmt: Callable[[float], str]) -> str:
    parts = []
    for col in values.columns:
        items = ", ".join(f"{idx} {fmt(v)}" for idx, v in values[col].items())
        parts.append(f"{col}: {items}.")
    return " ".join(parts)


def yearly_position_chart(params: BudgetParams) -> Chart:
    """Grouped bars of each option's surplus or deficit in each plan year."""
    values = pd.DataFrame(
        {o.name: budget.project(params, o.id).loc[params.years, "surplus"] for o in params.options}
    )
    title = "Surplus (above zero) or deficit (below zero) in each year"
    fig = _grouped_bars(params, values, "£ million", title)
    alt = (
        f"Grouped bar chart of the yearly surplus or deficit of {len(params.options)} options, "
        f"{params.years[0]} to {params.years[-1]}. "
        + " ".join(
            f"{col}: " + ", ".join(_year_phrase(y, v) for y, v in values[col].items()) + "."
            for col in values.columns
        )
    )
    data = values.rename(columns=lambda c: f"{c} (£m)").rename_axis("Year").reset_index()
    return Chart(fig, alt, data, "Yearly surplus or deficit by option")


def _option_lines(ax: Axes, frame: pd.DataFrame, params: BudgetParams) -> None:
    """One line per option (a column of ``frame`` named after it), in the option's style."""
    for i, o in enumerate(params.options):
        ax.plot(
            list(frame.index),
            frame[o.name].to_numpy(dtype=float),
            label=o.name,
            color=colour_of(o, i),
            marker=_MARKERS[i % len(_MARKERS)],
            markersize=8,
            markeredgecolor=_EDGE,
            linewidth=2.2,
        )


def cumulative_position_chart(params: BudgetParams) -> Chart:
    """Lines of each option's cumulative position over the plan."""
    values = pd.DataFrame(
        {
            o.name: budget.project(params, o.id).loc[params.years, "cumulative"]
            for o in params.options
        }
    )
    fig, ax = plt.subplots(figsize=(9, 4.6))
    _option_lines(ax, values, params)
    last = params.years[-1]
    ax.set_title("Cumulative position over the plan (running total)", loc="left")
    _style(ax, "£ million")
    ax.legend(frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    fig.tight_layout()
    ends = ", ".join(f"{o.name} {position_phrase(values.at[last, o.name])}" for o in params.options)
    alt = (
        f"Line chart of the cumulative surplus or deficit of each option from {params.years[0]} "
        f"to {last}. By {last}: {ends}. " + _series_alt(values, money)
    )
    data = values.rename(columns=lambda c: f"{c} (£m)").rename_axis("Year").reset_index()
    return Chart(fig, alt, data, "Cumulative position over the MTFP by option")


def debt_charges_chart(params: BudgetParams) -> Chart:
    """Grouped bars of debt charges (MRP plus interest) by year and option."""
    values = pd.DataFrame(
        {o.name: budget.project(params, o.id)["debt_charges"] for o in params.options}
    )
    fig = _grouped_bars(
        params, values, "£ million", "Debt charges: minimum revenue provision plus interest"
    )
    base, last = params.base_year, params.years[-1]
    same: dict[float, list[str]] = {}
    for col in values.columns:
        same.setdefault(round(values.at[last, col], 2), []).append(col)
    groups = "; ".join(f"{money(v)} for {', '.join(names)}" for v, names in same.items())
    alt = (
        f"Grouped bar chart of debt charges from {base} to {last}. All options start at "
        f"{money(values[values.columns[0]].iloc[0])} in {base}. In {last}: {groups}. "
        + _series_alt(values, money)
    )
    data = values.rename(columns=lambda c: f"{c} (£m)").rename_axis("Year").reset_index()
    return Chart(fig, alt, data, "Debt charges by option")


def reserves_chart(params: BudgetParams) -> Chart:
    """Lines of total reserves by option, from the opening balance to the end of the plan."""
    tbl = reserves_table(params).set_index("Point")
    fig, ax = plt.subplots(figsize=(9, 4.6))
    _option_lines(ax, tbl, params)
    ax.set_title("Total reserves (general, budget equalisation and earmarked)", loc="left")
    _style(ax, "£ million")
    ax.set_ylim(0, None)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    last_point = tbl.index[-1]
    ends = ", ".join(f"{o.name} {money(tbl.at[last_point, o.name])}" for o in params.options)
    alt = (
        f"Line chart of total reserves by option, starting at {money(tbl.iloc[0, 0])}. "
        f"{last_point}: {ends}. " + _series_alt(tbl, money)
    )
    data = tbl.rename(columns=lambda c: f"{c} (£m)").reset_index()
    return Chart(fig, alt, data, "Total reserves by option")


def tornado_chart(params: BudgetParams, option_id: str) -> Chart:
    """Tornado chart: how far each sensitivity test moves the option's MTFP position."""
    s = budget.sensitivity(params, option_id)
    name = params.option(option_id).name
    fig, ax = plt.subplots(figsize=(9, 3.6))
    y = np.arange(len(s))[::-1]
    ax.barh(
        y,
        s["low_change"],
        color=OPTION_COLOURS["sky blue"],
        edgecolor=_EDGE,
        label="Input lower",
        height=0.55,
    )
    ax.barh(
        y,
        s["high_change"],
        color=OPTION_COLOURS["vermillion"],
        edgecolor=_EDGE,
        hatch="//",
        label="Input higher",
        height=0.55,
    )
    for yi, row in zip(y, s.itertuples(), strict=True):
        for v, lab in ((row.low_change, row.low_label), (row.high_change, row.high_label)):
            ax.annotate(
                f"{lab}: {money(v)}",
                (v, yi),
                xytext=(6 if v >= 0 else -6, 0),
                textcoords="offset points",
                ha="left" if v >= 0 else "right",
                va="center",
                fontsize=8,
                color="black",
            )
    ax.set_yticks(y, list(s["factor"]))
    ax.axvline(0, color=_EDGE, linewidth=0.8)
    span = float(np.nanmax(np.abs(s[["low_change", "high_change"]].to_numpy())))
    ax.set_xlim(-span * 2.2, span * 2.2)
    ax.set_xlabel(f"Change in the MTFP position of {name} (£ million)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(f"Sensitivity of {name} (base: {position_phrase(s['base'].iloc[0])})", loc="left")
    fig.tight_layout()
    alt = (
        f"Tornado chart of the change in the MTFP position of {name} "
        f"(base {position_phrase(s['base'].iloc[0])}) under each test, widest first. "
        + " ".join(
            f"{r.factor}: {r.low_label} {money(r.low_change)}, {r.high_label} "
            f"{money(r.high_change)}."
            for r in s.itertuples()
        )
    )
    return Chart(fig, alt, sensitivity_table(params, option_id), f"Sensitivity of {name}")


def data_for_display(data: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """Float columns as text to ``decimals`` places (money in GBP m to the paper's 2 places).

    :func:`scrutiny.present.page.show_figure` formats floats to one place; the budget's data tables
    need two, so the numbers are written out here.
    """
    out = data.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "–" if pd.isna(v) else f"{v:,.{decimals}f}")
    return out


def show(chart: Chart, source: str = SOURCE) -> None:
    """Put a chart on the page with its alt text, caption, source, data table and CSV link.

    The table shows money to 2 places (:func:`data_for_display`); the CSV has the numbers.
    """
    page.show_figure(
        chart.fig,
        alt=chart.alt,
        data=chart.data,
        table_data=data_for_display(chart.data),
        caption=chart.caption,
        source=source,
    )
