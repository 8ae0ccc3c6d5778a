"""Content of the national benchmarking briefing (``notebooks/national_benchmarking.ipynb``).

The force against every force in England and against its most similar forces, for each KPI
police.uk can count, over the latest 12 months to the cycle's ``data_to``: rates per 1,000
residents, over-dispersion-adjusted funnels, ranks, change on the previous 12 months where
both are held, and who the peers are and why. The comparison itself is computed in
:func:`scrutiny.analysis.peers.national_benchmark`; this module turns it into sentences,
tables and charts, so the notebook only calls and displays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scrutiny import config
from scrutiny.analysis import narrative, peers
from scrutiny.analysis.kpis import load_registry
from scrutiny.data import DataQuality, DataSources, force_key, national
from scrutiny.data.geography import (
    NAME_EXAMPLE,
    WELSH_FORCES,
    force_geography,
    load_district_lookup,
    name_example,
    place_lsoas,
)
from scrutiny.data.quality import SourceUsed
from scrutiny.errors import DataError
from scrutiny.present import charts

SOURCE_LINE = (
    "Source: data.police.uk street-level crime and ASB, counts by force and month; ONS 2011 "
    "Census. Open Government Licence v3.0."
)

VERDICT_SHORT = {
    "significantly higher": "Higher",
    "significantly lower": "Lower",
    "not significantly different": "Similar",
}


@dataclass
class NationalReport:
    """Everything the national benchmarking page shows."""

    sources: DataSources
    data_to: str
    bench: peers.NationalBenchmark
    profiles: pd.DataFrame
    districts: pd.DataFrame | None
    district_reason: str
    quality: DataQuality
    counts_label: str
    latest_month: str
    force_months: int | None = None
    district_lookup: str | None = None
    #: An LSOA of the force placed by its name, and its district, for the page.
    name_example: tuple[str, str] = NAME_EXAMPLE
    extra_sources: list[dict[str, str]] = field(default_factory=list)

    @property
    def period(self) -> str:
        """``January 2025 to December 2025``."""
        m = self.bench.months
        return f"{narrative.month_text(m[0])} to {narrative.month_text(m[-1])}"


def force_slug(force: str) -> str:
    """The force's slug in police.uk file names: ``"Leicestershire Police"`` -> ``leicestershire``.

    >>> force_slug("Devon & Cornwall Police")
    'devon-and-cornwall'
    """
    s = force.strip().lower().replace("&", "and")
    s = re.sub(r"\b(police service|constabulary|police)\b", " ", s)
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def _read_counts(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz", ".parquet")) and "street" not in name:
        return national.shared_counts(path)
    return national.national_counts(path)


def collect(
    sources: DataSources,
    *,
    data_to: str,
    counts: str,
    street: str | None = None,
    peer_list: list[str] | None = None,
    peer_average: str = "simple",
    annualise: bool = False,
    district_lookup: str | None = None,
) -> NationalReport:
    """Load the national counts and the force's street files, and benchmark the force.

    Parameters
    ----------
    sources
        The force, the 2011 LSOA lookup and census (for the peer features and population).
    data_to
        The cycle's last month: no month after it is used.
    counts
        Monthly counts by force and crime type: the published counts CSV
        (``monthly-counts-by-force-crime-type-*.csv``) or a folder/zip of police.uk street
        files in the archive layout (counted by :mod:`scrutiny.data.national`).
    street
        A folder/zip in the archive layout holding the force's own files, for its
        districts (taken from the LSOA names); None: no district table.
    peer_list
        The force's own peer group (e.g. the inspectorate's); empty: nearest neighbours.
    peer_average
        ``"simple"`` (the inspectorate's) or ``"weighted"``.
    annualise
        Annualise forces with missing months instead of leaving them out.
    district_lookup
        An LSOA to local authority lookup of the street files' vintage (e.g. ONS's 2021
        lookup, :func:`scrutiny.data.geography.load_district_lookup`); None or empty: the
        district is the local authority each LSOA name begins with.
    """
    root = Path(config.PROJECT_ROOT)
    cpath = Path(counts) if Path(counts).is_absolute() else root / counts
    q = DataQuality(dataset="police.uk national counts")
    c = _read_counts(cpath)
    q.add_source(
        SourceUsed(
            "police.uk monthly counts by force and crime type",
            str(counts),
            rows=len(c),
            period=f"{c['month'].min()} to {c['month'].max()}",
        )
    )
    later = c[c["month"] > data_to]
    q.exclude(f"counts for months after data_to ({data_to})", int(later["count"].sum()))
    registry = load_registry()
    kpis, _ = peers.police_uk_kpis(registry)
    profiles = peers.demographic_profiles(sources)
    bench = peers.national_benchmark(
        c,
        profiles,
        sources.force,
        kpis,
        data_to=data_to,
        peers=peer_list or None,
        average=peer_average,
        annualise=annualise,
    )
    bench.not_compared = peers.police_uk_kpis(registry)[1]
    districts, why, held = None, "no street files of the force's own were given", None
    example = None
    if street:
        lookup = None
        if district_lookup:
            lp = Path(district_lookup)
            lookup = load_district_lookup(lp if lp.is_absolute() else root / lp)
        districts, why, held, example = _districts(
            sources, street, bench.months, data_to, q, lookup
        )
    return NationalReport(
        sources=sources,
        data_to=data_to,
        bench=bench,
        profiles=profiles,
        districts=districts,
        district_reason=why,
        quality=q,
        counts_label=str(counts),
        latest_month=str(c.loc[c["month"] <= data_to, "month"].max()),
        force_months=held,
        district_lookup=district_lookup or None,
        name_example=example or NAME_EXAMPLE,
    )


def _districts(
    sources: DataSources,
    street: str,
    months: list[str],
    data_to: str,
    q: DataQuality,
    lookup: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame | None, str, int | None, tuple[str, str] | None]:
    """Crimes and ASB of the force by district (from the LSOA names), latest 12 months.

    A district is one of the force's local authorities (their names from the 2011 lookup);
    crimes police.uk places in LSOAs of other authorities are one row, "Outside the force
    area", as on the data-quality page. The last item is an LSOA of the force placed by
    its name, the example :func:`district_text` gives (:func:`scrutiny.data.name_example`).
    """
    force = sources.force
    if force_key(force) in {force_key(w) for w in WELSH_FORCES}:
        why = "the force's local authorities are not in the England-only lookup held"
        return None, why, None, None
    own = set(force_geography(sources).district_names)
    root = Path(config.PROJECT_ROOT)
    path = Path(street) if Path(street).is_absolute() else root / street
    slug = force_slug(force)
    try:
        store = national.build_store(path, forces=[slug])
    except DataError as exc:
        return None, f"the force's street files could not be read: {exc}", None, None
    held_all = national.store_files(store)["month"]
    n_held = int((held_all <= data_to).sum())
    window = [m for m in months if m in set(held_all)]
    if not window:
        return (
            None,
            f"no street files of the force are held for {months[0]} to {months[-1]}",
            n_held,
            None,
        )
    rows = national.read_force(
        store, slug, months=window, columns=["lsoa_code", "lsoa_name", "crime_type"]
    )
    held = sorted(rows["month"].unique())
    q.add_source(
        SourceUsed(
            f"police.uk street files, {force}",
            str(street),
            rows=len(rows),
            period=f"{held[0]} to {held[-1]}" if held else "",
        )
    )
    if len(held) < 12:
        return (
            None,
            f"only {len(held)} of the 12 months of the force's street files are held",
            n_held,
            None,
        )
    lsoas = rows[["lsoa_code", "lsoa_name"]].drop_duplicates()
    placed = place_lsoas(lsoas[lsoas["lsoa_code"].fillna("") != ""], lookup, q)
    rows = rows.merge(placed[["lsoa_code", "district"]], on="lsoa_code", how="left")
    outside = "Outside the force area"
    rows.loc[rows["district"].notna() & ~rows["district"].isin(own), "district"] = outside
    rows["district"] = rows["district"].fillna("No location (no LSOA)")
    no_lsoa = int(rows["lsoa_code"].fillna("").eq("").sum())
    q.warn("rows without an LSOA", no_lsoa, "kept in the force's totals; in no district")
    asb = rows["crime_type"] == "Anti-social behaviour"
    out = pd.DataFrame(
        {
            "Crimes": rows[~asb].groupby("district").size(),
            "Anti-social behaviour": rows[asb].groupby("district").size(),
        }
    ).fillna(0)
    out = out.astype("int64")
    order = sorted(d for d in out.index if d in own) + [d for d in out.index if d not in own]
    out = out.loc[order]
    out["Share of crimes (%)"] = out["Crimes"] / out["Crimes"].sum() * 100
    out.index.name = "District"
    return out.reset_index(), "", n_held, name_example(placed, sorted(own))


# ---------------------------------------------------------------------------------------
# Sentences


def district_text(r: NationalReport) -> str:
    """Where the districts come from, for the paragraph above the district table."""
    by_name = next(
        (i.rows for i in r.quality.issues if i.check == "district taken from the LSOA name"), 0
    )
    lsoa, district = r.name_example
    if r.district_lookup:
        text = f"Districts come from the lookup given ({r.district_lookup})"
        if by_name:
            text += (
                f"; {narrative.fmt_int(by_name)} LSOAs it does not hold are placed in the local "
                f"authority their police.uk name begins with (for example '{lsoa}' is in "
                f"{district})"
            )
        text += "."
    else:
        text = (
            "Districts are the local authorities each police.uk LSOA name begins with (for "
            f"example '{lsoa}' is in {district}): no lookup of the files' LSOA vintage was "
            "given (the 2025 files use 2021 LSOAs)."
        )
    return (
        text + " Crimes placed in LSOAs of other authorities are counted as outside the force "
        "area; rows without an LSOA as having no location."
    )


def _force_row(k: peers.NationalKpi, force: str) -> pd.Series | None:
    return k.force_row(force)


def kpi_sentence(r: NationalReport, k: peers.NationalKpi) -> str:
    """One sentence for a KPI: rate, national rate, funnel verdict, rank, peers."""
    f = r.bench.force
    row = _force_row(k, f)
    if row is None:
        return f"{k.name}: {f} is not compared (see the forces left out)."
    n = len(k.table)
    verdict = row["verdict"]
    where = {
        "significantly higher": "above the over-dispersion-adjusted 95% funnel limit",
        "significantly lower": "below the over-dispersion-adjusted 95% funnel limit",
        "not significantly different": "within the over-dispersion-adjusted 95% funnel limits",
    }[verdict]
    text = (
        f"{k.name}: {narrative.fmt_num(row['rate'], 2)} per 1,000 residents in {r.period}, "
        f"{_ordinal(int(row['rank']))} highest of {n} forces; the national rate is "
        f"{narrative.fmt_num(row['national_rate'], 2)}, and {f} is {where}"
    )
    if k.peer_average is not None:
        text += (
            f". Its peers' {k.peer_average_kind} average is {narrative.fmt_num(k.peer_average, 2)}"
        )
    return text + "."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def key_findings(r: NationalReport) -> list[str]:
    """Findings: how many KPIs are above, below or within the funnel; data caveats."""
    f = r.bench.force
    v = {"significantly higher": [], "significantly lower": [], "not significantly different": []}
    for k in r.bench.kpis:
        row = _force_row(k, f)
        if row is not None:
            v[row["verdict"]].append(k.name)
    out = []
    total = sum(len(x) for x in v.values())
    if not r.bench.kpis:
        first, last = r.bench.counts_span
        return [
            f"There is no national comparison for {r.period}: the police.uk national counts "
            f"held cover {narrative.month_text(first)} to {narrative.month_text(last)}, none "
            "of those months. The force-level comparison this cycle can make is Home Office "
            "recorded crime for 2017/18 (the performance pages), the latest year held for "
            "every force."
        ]
    if total == 0:
        reason = r.bench.left_out.set_index("force")["reason"].to_dict()
        why = next((rs for fo, rs in reason.items() if _same(fo, f)), r.bench.group_reason)
        return [f"{f} is not compared with other forces for {r.period}: {why}."]
    hi, lo = v["significantly higher"], v["significantly lower"]
    if not hi and not lo:
        out.append(
            f"For all {total} measures police.uk can count, {f}'s rate per 1,000 residents in "
            f"{r.period} is within the national funnel's 95% limits once the forces' "
            "over-dispersion is allowed for: none differs from the national rate by more "
            "than forces usually differ."
        )
    else:
        out.append(
            f"Of {total} measures police.uk can count, {f}'s rate per 1,000 residents in "
            f"{r.period} is above the national funnel's adjusted 95% limit for "
            f"{_list_or_none(hi)}, below it for {_list_or_none(lo)}, and within the limits "
            f"for the other {len(v['not significantly different'])}."
        )
    n_forces = len(r.bench.kpis[0].table) if r.bench.kpis else 0
    out.append(
        f"{n_forces} forces are compared; {len(r.bench.left_out)} in the counts or in the "
        "2011 lookup are left out, each with its reason below (missing months are "
        + ("annualised" if r.bench.annualise else "not annualised: such forces are left out")
        + ")."
    )
    if r.bench.annualise and r.bench.kpis:
        t = r.bench.kpis[0].table
        part = t[t["annualised"]]
        if len(part):
            names = [f"{n} ({int(m)} months)" for n, m in part["months"].items()]
            out.append(
                "Annualised (count x 12 / months published, rounded, as the parameters ask): "
                + narrative.join_words(names)
                + "; their rates rest on fewer months than the others'."
            )
    if r.bench.group is not None:
        how = (
            "named in the force's parameters"
            if r.bench.configured
            else "chosen on demographic and social features only (2011 Census)"
        )
        text = (
            f"{f}'s {len(r.bench.group.peers)} peers, {how}: "
            f"{narrative.join_words(r.bench.group.peers)}. The peer average is "
            f"{peers.PEER_AVERAGES[r.bench.average]}."
        )
        if r.bench.kpis:
            rated = set(r.bench.kpis[0].peers.index)
            missing = [p for p in r.bench.group.peers if p not in rated]
            if missing:
                text += (
                    f" {narrative.join_words(missing)} "
                    + ("has" if len(missing) == 1 else "have")
                    + " no rate (see the forces left out), so the average and ranks use the "
                    f"other {len(r.bench.group.peers) - len(missing)}."
                )
        out.append(text)
    else:
        out.append(f"{f} has no peer group: {r.bench.group_reason}.")
    if not any(k.previous_held for k in r.bench.kpis):
        prev = r.bench.previous_months
        out.append(
            f"There is no change on the previous 12 months: the counts held do not cover "
            f"{narrative.month_text(prev[0])} to {narrative.month_text(prev[-1])}."
        )
    out.append(r.bench.population_note)
    return out


def _same(a: str, b: str) -> bool:
    return force_key(a) == force_key(b)


def _list_or_none(items: list[str]) -> str:
    return narrative.join_words([narrative.lower_first(i) for i in items]) if items else "none"


def cannot_say(r: NationalReport) -> list[str]:
    """What this page cannot say, in plain words."""
    out = [
        "police.uk counts crimes by its own categories only: measures needing flags (domestic "
        "abuse, knife), Home Office offence codes or outcomes are not compared (listed below).",
        "Rates use 2011 Census residents: populations have grown unevenly since, so small "
        "differences between forces should not be read as real.",
        "Street-level counts are what each force published to police.uk; forces record "
        "differently, and anti-social behaviour especially.",
    ]
    if r.force_months and r.force_months < 20:
        out.append(
            f"The force's own street files held run to {r.force_months} months up to "
            f"{narrative.month_text(r.data_to)}: SPC limits from fewer than 20 months are "
            "trial limits only, so the force's own monthly charts are not drawn from them."
        )
    if r.bench.kpis and not any(k.previous_held for k in r.bench.kpis):
        out.append(
            "Only one year of national counts is held, so there is no change on the previous "
            "12 months and no national trend."
        )
    return out


# ---------------------------------------------------------------------------------------
# Tables


def summary_table(r: NationalReport) -> pd.DataFrame:
    """One row per KPI: rate, national rate, funnel verdict, rank, peers, change."""
    f = r.bench.force
    rows = []
    for k in r.bench.kpis:
        row = _force_row(k, f)
        if row is None:
            continue
        peer_rank = ""
        if not k.peers.empty:
            rk = k.peers["rate"].rank(ascending=False, method="min")
            peer_rank = f"{int(rk.loc[f])} of {len(k.peers)}"
        change = narrative.fmt_num(row["change"], 2) if pd.notna(row["change"]) else "Not held"
        rows.append(
            {
                "Measure": k.name,
                "Count": int(round(row["count"])),
                "Rate per 1,000": row["rate"],
                "National rate": row["national_rate"],
                "Against the national funnel": VERDICT_SHORT[row["verdict"]],
                "Rank (1 = highest)": f"{int(row['rank'])} of {len(k.table)}",
                f"Peer average ({k.peer_average_kind})": k.peer_average
                if k.peer_average is not None
                else np.nan,
                "Rank in the peer group (force included)": peer_rank,
                "Against the peers' pooled rate": VERDICT_SHORT.get(k.peer_verdict, ""),
                "Change on previous 12 months": change,
            }
        )
    return pd.DataFrame(rows)


def peers_table(r: NationalReport) -> pd.DataFrame:
    """Who the peers are and why: each force's features and distance, nearest first."""
    g = r.bench.group
    if g is None:
        return pd.DataFrame()
    t = g.table.copy()
    t = t[t["peer"] | (t["rank"] == 0)].sort_values("rank")
    cols = list(peers.DEMOGRAPHIC_FEATURES.values())
    out = pd.DataFrame(
        {
            "Force": t.index,
            "Role": ["The force" if rk == 0 else f"Peer {int(rk)}" for rk in t["rank"]],
            "Distance": t["distance"].to_numpy(),
        }
    )
    nice = {
        cols[0]: "Residents (2011)",
        cols[1]: "Residents per hectare",
        cols[2]: "Share in sparse LSOAs (%)",
        cols[3]: "Share in communal establishments (%)",
        cols[4]: "Residents per household",
    }
    reasons = {
        force_key(a): b
        for a, b in zip(r.bench.left_out["force"], r.bench.left_out["reason"], strict=True)
    }
    out["In the rates"] = [
        "Yes" if force_key(str(n)) not in reasons else f"No: {reasons[force_key(str(n))]}"
        for n in t.index
    ]
    for c in cols:
        v = t[c].to_numpy(dtype=float)
        if "%" in nice[c]:
            v = v * 100
        out[nice[c]] = v
    return out


def peers_text(r: NationalReport) -> str:
    """How the peers were chosen, and how that differs from the inspectorate's groups."""
    b = r.bench
    if b.group is None:
        return f"{b.force} has no peer group: {b.group_reason}."
    if b.configured:
        head = (
            f"The peers are the list named in {b.force}'s parameters, which takes precedence "
            "over the nearest-neighbour choice; the table shows how near each is on the "
            "features below."
        )
    else:
        head = (
            f"The peers are the {len(b.group.peers)} English territorial forces nearest to "
            f"{b.force} on demographic and social features only, from the 2011 Census: "
            "residents and residents per hectare (logged), the share of residents in sparse "
            "LSOAs (under 5 per hectare), the share in communal establishments and residents "
            "per household, each standardised across the forces. No crime figure is used, so "
            "forces are not chosen for already having the force's crime. The City of London "
            "and British Transport Police are never peers."
        )
    return (
        head + " Membership is one-way: a peer of this force need not count this force among its "
        "own peers. The inspectorate's most similar groups use a wider set of social and "
        "economic drivers of crime (such as deprivation and age structure), which the data "
        f"held cannot supply. The peer average is {peers.PEER_AVERAGES[b.average]}."
    )


def left_out_table(r: NationalReport) -> pd.DataFrame:
    """Forces in the counts or the lookup but not in the rates, with the reason."""
    return r.bench.left_out.rename(columns={"force": "Force", "reason": "Why it is left out"})


def not_compared_table(r: NationalReport) -> pd.DataFrame:
    """Registry KPIs this page does not compare, with the reason."""
    return r.bench.not_compared.rename(columns={"kpi": "Measure", "reason": "Why not compared"})


def sources_table(r: NationalReport) -> pd.DataFrame:
    """Sources: the counts, the force's street files, the 2011 lookup and census."""
    rows = [
        {
            "Source": s.name,
            "Location": s.path,
            "Period": s.period or "",
            "Data": "Real (published)",
        }
        for s in r.quality.sources
    ]
    rows += [
        {
            "Source": "ONS LSOA (2011) to police force lookup",
            "Location": str(r.sources.lsoa_lookup),
            "Period": "2011 LSOAs",
            "Data": "Real (published)",
        },
        {
            "Source": "ONS 2011 Census usual residents per LSOA",
            "Location": str(r.sources.census_population),
            "Period": "27 March 2011",
            "Data": "Real (published)",
        },
    ]
    return pd.DataFrame(rows)


def quality_table(r: NationalReport) -> pd.DataFrame:
    """Data-quality notes: rows after data_to, districts from names, rows without an LSOA."""
    s = r.quality.summary()
    return s[["check", "rows", "detail"]].rename(columns=str.capitalize)


# ---------------------------------------------------------------------------------------
# Funnel chart (limits allowing for over-dispersion)


def funnel_chart(r: NationalReport, k: peers.NationalKpi) -> charts.Chart:
    """Funnel of every compared force's rate against its population, adjusted limits."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    f = r.bench.force
    t = k.table
    lim = k.limits
    national = float(t["national_rate"].iloc[0])
    peer_names = set(k.peers.index) - {f}
    with charts.house_style():
        fig = Figure(figsize=charts.FIGSIZE, dpi=100, layout="constrained")
        ax = fig.add_subplot()
        ax.plot(lim["population"], lim["upper_95"], color=charts.GREY, linestyle="--")
        ax.plot(lim["population"], lim["lower_95"], color=charts.GREY, linestyle="--")
        ax.plot(lim["population"], lim["upper_99_8"], color=charts.TEXT, linestyle=":")
        ax.plot(lim["population"], lim["lower_99_8"], color=charts.TEXT, linestyle=":")
        ax.axhline(national, color=charts.TEXT, linewidth=1.2)
        for name, row in t.iterrows():
            if name == f:
                style = dict(color=charts.OKABE_ITO["vermillion"], marker="D", s=80, zorder=4)
            elif name in peer_names:
                style = dict(color=charts.OKABE_ITO["blue"], marker="s", s=50, zorder=3)
            else:
                style = dict(color=charts.GREY, marker="o", s=36, zorder=2)
            ax.scatter(row["population"], row["rate"], edgecolors="white", **style)
            if name == f or name in peer_names:
                ax.annotate(
                    str(name),
                    (row["population"], row["rate"]),
                    xytext=(5, 3),
                    textcoords="offset points",
                    fontsize=9,
                    fontweight="bold" if name == f else "normal",
                )
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        handles = [
            Line2D(
                [], [], color=charts.TEXT, label=f"National rate ({narrative.fmt_num(national, 2)})"
            ),
            Line2D([], [], color=charts.GREY, linestyle="--", label="95% limits (adjusted)"),
            Line2D([], [], color=charts.TEXT, linestyle=":", label="99.8% limits (adjusted)"),
            Line2D(
                [], [], color=charts.OKABE_ITO["vermillion"], marker="D", linestyle="none", label=f
            ),
            Line2D(
                [], [], color=charts.OKABE_ITO["blue"], marker="s", linestyle="none", label="Peers"
            ),
            Line2D([], [], color=charts.GREY, marker="o", linestyle="none", label="Other forces"),
        ]
        ax.legend(
            handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=9
        )
        ax.set_title(f"{k.name}: rate per 1,000 residents, {r.period}", loc="left", pad=10)
        ax.set_xlabel("Residents (2011 Census)")
        ax.set_ylabel("Rate per 1,000 residents")
        charts.add_footer(fig, SOURCE_LINE, False)
    row = _force_row(k, f)
    above = t.index[t["verdict"] == "significantly higher"].tolist()
    below = t.index[t["verdict"] == "significantly lower"].tolist()
    alt = (
        f"Funnel plot of {k.name.lower()} per 1,000 residents for {len(t)} forces, "
        f"{r.period}, against the national rate of {narrative.fmt_num(national, 2)} with 95% "
        "and 99.8% limits widened for over-dispersion. "
    )
    if row is not None:
        alt += (
            f"{f} is at {narrative.fmt_num(row['rate'], 2)}, "
            f"{VERDICT_SHORT[row['verdict']].lower()} to the national rate. "
        )
    alt += (
        f"Above the adjusted 95% limit: {narrative.join_words(above) or 'none'}. "
        f"Below it: {narrative.join_words(below) or 'none'}."
    )
    data = pd.DataFrame(
        {
            "Force": t.index,
            "Count": t["count"].round().astype("int64").to_numpy(),
            "Residents (2011)": t["population"].astype("int64").to_numpy(),
            "Rate per 1,000": t["rate"].to_numpy(),
            "Against the funnel": [VERDICT_SHORT[v] for v in t["verdict"]],
            "Months published": t["months"].astype("int64").to_numpy(),
        }
    ).sort_values("Rate per 1,000", ascending=False)
    caption = (
        f"{k.name}: every force compared, {r.period}. Limits allow for over-dispersion "
        f"(Spiegelhalter's additive method: phi {narrative.fmt_num(k.phi, 1)}, "
        f"tau-squared {narrative.fmt_num(k.tau2, 3)})."
    )
    return charts.Chart(fig, alt, data, caption, SOURCE_LINE, False)
