"""National and peer comparison of the force for each KPI, and the force's peer group.

The force is compared with the national rate (England's territorial forces pooled) and
with its most similar forces in the Home Office force-level recorded crime table (the one
year held, 2017/18). The peer group is chosen on size and make-up
(:func:`scrutiny.stats.compare.peer_group`, docs/peer-groups.md). Computed once per cycle
in the assessment (:mod:`scrutiny.analysis.assessment`); briefings read it from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scrutiny.analysis import narrative
from scrutiny.analysis.kpis import FLAGS, Kpi
from scrutiny.data import (
    DataSources,
    force_key,
    force_profiles,
    home_office_force_counts,
    load_offence_map,
    load_recorded_crime,
)
from scrutiny.data.police_uk import ASB
from scrutiny.stats import compare, dispersion
from scrutiny.stats.compare import PeerComparison, PeerGroup

#: Home Office force-level recorded crime: the one year held.
HOME_OFFICE_YEAR = "2017/18"


#: Peer group: forces left out (tiny resident population, see docs/peer-groups.md).
PEER_EXCLUDE = ("City of London",)


#: Peer group features: size and make-up (docs/peer-groups.md), as named on the page.
PEER_FEATURES = {
    "population_2011": "population (2011)",
    "density_per_hectare": "people per hectare (2011)",
    "crimes_per_1000_2017_18": "recorded crimes per 1,000 (2017/18)",
}


PEER_K = 7


def home_office_codes(kpi: Kpi, offence_map: pd.DataFrame) -> tuple[list[str] | None, str]:
    """Home Office offence codes that count a KPI at force level, or why there are none.

    Parameters
    ----------
    kpi
        A registry KPI.
    offence_map
        The offence-code mapping (``offence_code``, ``police_uk_category``), from
        :func:`scrutiny.data.load_offence_map`.

    Returns
    -------
    tuple
        ``(codes, "")`` or ``(None, reason)``: outcomes and the extract's flags (domestic
        abuse, knife) are not in the Home Office force table, and anti-social behaviour is
        not recorded crime.
    """
    d = kpi.definition
    if d.outcomes is not None:
        return None, "the Home Office force table has no outcomes"
    if d.extract_filter is not None:
        flags = [f.replace("_", " ") for f in FLAGS if getattr(d.extract_filter, f) is not None]
        return None, f"the Home Office force table has no {narrative.join_words(flags)} flag"
    if d.police_uk_categories is not None:
        cats = list(d.police_uk_categories)
        if ASB in cats:
            return None, "anti-social behaviour incidents are not recorded crime"
        mapped = offence_map[offence_map["police_uk_category"].isin(cats)]
        unmapped = sorted(set(cats) - set(mapped["police_uk_category"]))
        if unmapped:
            return None, f"no Home Office offence code maps to {narrative.join_words(unmapped)}"
        return sorted(mapped["offence_code"].astype(str).unique()), ""
    return [str(c) for c in d.offence_codes or []], ""


def peer_forces(
    sources: DataSources, *, k: int = PEER_K, exclude: Sequence[str] = PEER_EXCLUDE
) -> tuple[PeerGroup | None, str]:
    """The force's peer group on size and make-up, or why there is none.

    Uses :func:`scrutiny.stats.compare.peer_group` on population (2011), density and recorded
    crime per 1,000 (2017/18) from :func:`scrutiny.data.force_profiles`, with logs of
    population and density and the City of London left out (docs/peer-groups.md); the
    features carry readable names (:data:`PEER_FEATURES`) so the method sentence reads
    well. With fewer forces than ``k + 1`` every other force is a peer.

    Returns
    -------
    tuple
        ``(PeerGroup, "")`` or ``(None, reason)``.
    """
    profiles = force_profiles(sources).rename(columns=PEER_FEATURES).set_index("force")
    name = _profile_name(profiles.index, sources.force)
    if name is None:
        return None, f"{sources.force} is not among the forces with a profile (England only)"
    ex = [f for f in exclude if f in profiles.index and f != name]
    candidates = len(profiles) - len(ex) - 1
    if candidates < 1:
        return None, "no other force to compare with"
    features = list(PEER_FEATURES.values())
    group = compare.peer_group(
        profiles[features],
        name,
        k=min(k, candidates),
        exclude=ex,
        log_columns=features[:2],
    )
    return group, ""


def _profile_name(names: Sequence[str], force: str) -> str | None:
    key = force_key(force)
    for n in names:
        if force_key(str(n)) == key:
            return str(n)
    return None


@dataclass
class Comparison:
    """One KPI for the force against the national rate and its peers (Home Office 2017/18).

    Attributes
    ----------
    name
        The KPI's name, for sentences.
    available
        False when no force-level comparator exists (``reason`` says why).
    reason
        Why there is no comparator.
    codes
        Home Office offence codes counted.
    force
        The force as the tables spell it (e.g. ``"Leicestershire"``).
    rates
        ``compare.rates_table`` over every English force (index: force).
    peers
        The peer comparison, or None without a peer group.
    year
        The financial year of the data (``"2017/18"``).
    """

    name: str
    available: bool
    reason: str = ""
    codes: list[str] = field(default_factory=list)
    force: str | None = None
    rates: pd.DataFrame | None = None
    peers: PeerComparison | None = None
    year: str = HOME_OFFICE_YEAR

    @property
    def national(self) -> pd.Series | None:
        """The force's row of :attr:`rates` (rate, interval, national rate, verdict)."""
        if self.rates is None or self.force not in self.rates.index:
            return None
        return self.rates.loc[self.force]

    def national_short(self) -> str:
        """Short cell text, e.g. ``"Lower: 4.1 v 5.0 per 1,000"``."""
        row = self.national
        if not self.available or row is None:
            return "No comparator"
        verdict = {
            "significantly higher": "Higher",
            "significantly lower": "Lower",
            "not significantly different": "Similar",
        }[row["verdict"]]
        return (
            f"{verdict}: {narrative.fmt_num(row['rate'], 2)} v "
            f"{narrative.fmt_num(row['national_rate'], 2)} per 1,000"
        )

    def peer_short(self) -> str:
        """Short cell text, e.g. ``"Similar; 3rd highest of 8"``."""
        if not self.available or self.peers is None:
            return "No comparator"
        p = self.peers
        verdict = {
            "significantly higher": "Higher",
            "significantly lower": "Lower",
            "not significantly different": "Similar",
        }[p.verdict]
        return f"{verdict}; {p.rank_label}"

    def sentences(self) -> list[str]:
        """Plain-English comparison with the national rate and the peers, labelled 2017/18."""
        if not self.available:
            what = narrative.lower_first(self.name)
            return [f"There is no force-level comparison for {what}: {self.reason}."]
        out = []
        row = self.national
        what = f"{narrative.lower_first(self.name)} in {self.year}"
        if row is not None:
            out.append(
                narrative.rate_sentence(self.force or "The force", row, what=what)
                + f" (Home Office recorded crime, {self.year}, the latest force-level year held;"
                " England's forces pooled.)"
            )
        if self.peers is not None:
            out.append(narrative.peer_sentence(self.peers, what=what))
        return out


def home_office_table(sources: DataSources) -> pd.DataFrame:
    """Home Office recorded crime per territorial force and offence code, with population.

    Read once and reused for every KPI (:func:`force_comparison`). Columns: ``force``,
    ``financial_year``, ``population_2011`` (missing for the Welsh forces),
    ``offence_code``, ``count``; a force with no offences of a code has no row for it.
    """
    base = home_office_force_counts([], sources=sources)
    prc = load_recorded_crime(
        sources.path("home_office_force"), financial_year=sources.financial_year
    )
    by = prc.groupby(["force", "offence_code"], as_index=False)["count"].sum()
    by = by[by["force"].isin(base["force"])]
    return base[["force", "financial_year", "population_2011"]].merge(by, on="force", how="left")


def _counts_for(table: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Per-force count of ``codes`` from :func:`home_office_table` (0 where none)."""
    forces = table.drop_duplicates("force")[["force", "financial_year", "population_2011"]]
    sel = table[table["offence_code"].isin([str(c) for c in codes])]
    counts = sel.groupby("force")["count"].sum()
    out = forces.reset_index(drop=True)
    out["count"] = out["force"].map(counts).fillna(0).astype("int64")
    return out


def force_comparison(
    kpi: Kpi,
    sources: DataSources,
    peers: PeerGroup | None,
    *,
    offence_map: pd.DataFrame | None = None,
    home_office: pd.DataFrame | None = None,
    overdispersion: str = "additive",
    alpha: float = 0.05,
) -> Comparison:
    """Compare the force with the national rate and its peers for one KPI (2017/18).

    The national rate is the pooled rate of England's territorial forces (the Welsh
    forces have no population in the England-only lookup). The comparison uses the Home
    Office codes of :func:`home_office_codes`; without them, ``available`` is False.
    Forces differ from each other far more than chance, so both verdicts allow for it by
    default (``overdispersion``: Spiegelhalter's additive random-effects adjustment for
    the national verdict, :func:`scrutiny.stats.dispersion.rates_table_adjusted`; the
    multiplicative factor phi for the test against the pooled peers); ``"none"`` gives
    the exact Poisson verdicts.

    Parameters
    ----------
    kpi
        The KPI.
    sources
        The force and files.
    peers
        The peer group (:func:`peer_forces`), or None.
    offence_map, home_office
        Already loaded offence map and :func:`home_office_table` (loaded if not given).
    """
    om = offence_map if offence_map is not None else load_offence_map(sources.path("offence_map"))
    codes, reason = home_office_codes(kpi, om)
    if codes is None:
        return Comparison(kpi.name, False, reason)
    table = home_office if home_office is not None else home_office_table(sources)
    counts = _counts_for(table, codes)
    counts = counts[counts["population_2011"].notna()]
    name = _profile_name(counts["force"], sources.force)
    if name is None:
        return Comparison(kpi.name, False, f"{sources.force} is not in the Home Office table")
    if counts["count"].sum() == 0:
        return Comparison(kpi.name, False, "no offences with these codes in the Home Office table")
    # Index by the ONS spelling when the profiles use one (City of London v "London, City of").
    data = pd.DataFrame(
        {
            "count": counts["count"].to_numpy(dtype=float),
            "population": counts["population_2011"].astype(float).to_numpy(),
        },
        index=pd.Index(_ons_names(counts["force"], peers), name="force"),
    )
    force = _ons_names(pd.Series([name]), peers)[0]
    rates = dispersion.rates_table_adjusted(data, method=overdispersion, alpha=alpha)
    rates["adjusted"] = rates.attrs["dispersion"] is not None and bool(
        rates.attrs["dispersion"].overdispersed
    )
    phi = dispersion.peer_phi(rates.attrs["dispersion"]) if overdispersion != "none" else 1.0
    peer_cmp = None
    if peers is not None:
        have = [p for p in peers.peers if p in data.index]
        if have and force in data.index:
            peer_cmp = compare.compare_with_peers(data, force, have, phi=phi, alpha=alpha)
    year = str(counts["financial_year"].iloc[0]) if len(counts) else HOME_OFFICE_YEAR
    return Comparison(kpi.name, True, "", list(codes), force, rates, peer_cmp, year)


def _ons_names(names: pd.Series, peers: PeerGroup | None) -> list[str]:
    """Home Office force names in the profiles' spelling where one matches."""
    known = list(peers.table.index) if peers is not None else []
    by_key = {force_key(str(n)): str(n) for n in known}
    by_key.setdefault("cityoflondon", "City of London")
    return [by_key.get(force_key(str(n)), str(n)) for n in names]


# ---------------------------------------------------------------------------------------
# National benchmarking on police.uk (2025 onwards): most similar forces on demographic and
# social features only (docs/peer-groups.md, "Most similar forces").

#: The features: demographic and social only, from the 2011 Census (the one population
#: source covering every English force held); no crime figure, so the comparison is not
#: circular. Keys are the profile columns; values the names printed on the page.
DEMOGRAPHIC_FEATURES = {
    "population": "residents (2011 Census)",
    "density": "residents per hectare (2011 Census)",
    "sparse_share": "share of residents in LSOAs under 5 people per hectare (2011 Census)",
    "communal_share": "share of residents in communal establishments (2011 Census)",
    "persons_per_household": "residents per household (2011 Census)",
}

#: Left out of every group (as a peer and as a force with a group of its own): the City of
#: London (about 7,400 residents and a daytime population many times that) and forces
#: without a resident area (British Transport Police, the fraud bodies).
NATIONAL_EXCLUDE = ("City of London",)

#: Peer averages a page can state.
PEER_AVERAGES = {
    "simple": "the simple mean of the rates of the force and its peers (as the "
    "inspectorate's most similar group average)",
    "weighted": "the rate of the force and its peers pooled (their crimes over their "
    "residents: each force weighted by its population, as value-for-money profiles do)",
}


def demographic_profiles(sources: DataSources) -> pd.DataFrame:
    """Demographic and social profile of every territorial force in England (2011 Census).

    Built from the 2011 LSOA-to-force lookup and the 2011 Census usual residents per LSOA
    (:data:`DEMOGRAPHIC_FEATURES`): residents, residents per hectare, the share living in
    sparse LSOAs (under 5 residents per hectare: a rurality measure), the share living in
    communal establishments (students' halls, care homes, prisons, barracks) and residents
    per household. The Welsh forces are not in the England-only lookup.

    Returns
    -------
    DataFrame
        Index ``force`` (the lookup's spelling, e.g. ``"Leicestershire"``), one column per
        feature, sorted by force.
    """
    from scrutiny.data import load_census_population
    from scrutiny.data.geography import load_lsoa_lookup

    lookup = load_lsoa_lookup(sources.path("lsoa_lookup"))
    census = load_census_population(sources.path("census_population"))
    m = lookup[["lsoa_code", "force"]].merge(census, on="lsoa_code", how="inner")
    m["sparse_pop"] = m["population"].where(m["population"] / m["area_hectares"] < 5, 0)
    g = m.groupby("force").agg(
        population=("population", "sum"),
        area=("area_hectares", "sum"),
        communal=("population_communal", "sum"),
        households=("households", "sum"),
        in_households=("population_households", "sum"),
        sparse=("sparse_pop", "sum"),
    )
    out = pd.DataFrame(index=g.index)
    out["population"] = g["population"].astype(float)
    out["density"] = g["population"] / g["area"]
    out["sparse_share"] = g["sparse"] / g["population"]
    out["communal_share"] = g["communal"] / g["population"]
    out["persons_per_household"] = g["in_households"] / g["households"]
    out.index.name = "force"
    return out.sort_index()


def most_similar_forces(
    profiles: pd.DataFrame,
    force: str,
    *,
    k: int = PEER_K,
    peers: Sequence[str] | None = None,
    exclude: Sequence[str] = NATIONAL_EXCLUDE,
) -> tuple[PeerGroup | None, str]:
    """The force's most similar forces on demographic and social features, or why none.

    Nearest neighbours (:func:`scrutiny.stats.compare.peer_group`): logs of residents and
    density, every feature standardised across the English territorial forces (the City
    of London left out), straight-line distance, the ``k`` nearest (up to seven). The
    choice is made for each force separately, so membership is one-way: Y can be among
    X's peers without X among Y's. A list in the force's parameters (``peers``, e.g. the
    inspectorate's published group) wins; the distances are still shown.

    Parameters
    ----------
    profiles
        From :func:`demographic_profiles` (index: force).
    force
        The force, in any spelling (``"Leicestershire Police"``).
    k
        At most this many peers (1 to 7).
    peers
        A configured list, which wins.
    exclude
        Forces never in a group.

    Returns
    -------
    tuple
        ``(PeerGroup, "")`` or ``(None, reason)``.
    """
    if not 1 <= k <= 7:
        raise ValueError(f"k must be 1 to 7 (the inspectorate's groups hold up to seven), got {k}")
    name = _profile_name(profiles.index, force)
    if force_key(force) in {force_key(e) for e in exclude}:
        return None, f"{force} is given no peer group (as the inspectorate gives it none)"
    if name is None:
        return None, (
            f"{force} has no demographic profile: the 2011 lookup held covers England's "
            "territorial forces only"
        )
    ex = [e for e in profiles.index if force_key(e) in {force_key(x) for x in exclude}]
    table = profiles.rename(columns=DEMOGRAPHIC_FEATURES)
    features = list(DEMOGRAPHIC_FEATURES.values())
    if peers:
        chosen = []
        for p in peers:
            pn = _profile_name(profiles.index, p)
            if pn is None:
                raise ValueError(
                    f"configured peer '{p}' is not an English territorial force in the "
                    "2011 lookup (expected a name such as 'Nottinghamshire')"
                )
            chosen.append(pn)
        group = compare.peer_group(
            table[features], name, peers=chosen, exclude=ex, log_columns=features[:2]
        )
        return group, ""
    candidates = len(table) - len(ex) - 1
    group = compare.peer_group(
        table[features], name, k=min(k, candidates), exclude=ex, log_columns=features[:2]
    )
    return group, ""


def peer_average(rates: pd.DataFrame, kind: str = "simple") -> float:
    """The average of a peer group's rates (including the force), simple or weighted.

    Parameters
    ----------
    rates
        One row per force in the group (the force itself and its peers) with ``count``,
        ``population`` and ``rate`` (per 1,000).
    kind
        ``"simple"``: the mean of the rates (the inspectorate's most similar group
        average); ``"weighted"``: total count over total population per 1,000.

    Examples
    --------
    >>> t = pd.DataFrame({"count": [10, 30], "population": [1000, 2000], "rate": [10.0, 15.0]})
    >>> peer_average(t, "simple"), round(peer_average(t, "weighted"), 4)
    (12.5, 13.3333)
    """
    if kind == "simple":
        return float(rates["rate"].mean())
    if kind == "weighted":
        return float(rates["count"].sum() / rates["population"].sum() * 1000)
    raise ValueError(f"peer average must be 'simple' or 'weighted', got {kind!r}")


def months_back(data_to: str, n: int) -> list[str]:
    """The ``n`` months ending ``data_to``, oldest first.

    >>> months_back("2025-12", 3)
    ['2025-10', '2025-11', '2025-12']
    """
    end = pd.Period(data_to, "M")
    return [str(end - i) for i in range(n - 1, -1, -1)]


#: Why a body in the police.uk counts has no rate per resident.
NOT_TERRITORIAL = {
    "britishtransport": "British Transport Police polices the railways, not a resident area",
    "ofnorthernireland": "the PSNI is outside England and Wales (no population held)",
    "cityoflondon": "City of London has about 7,400 residents and a daytime population many "
    "times that: a rate per resident is not comparable",
}


@dataclass
class NationalKpi:
    """One KPI for every force over the latest 12 months, and the force's place.

    Attributes
    ----------
    kpi_id, name
        The registry KPI.
    categories
        The police.uk crime types counted.
    table
        One row per force compared (index: force as the lookup spells it): ``count``,
        ``population``, ``rate``, ``lower``, ``upper``, ``national_rate``,
        ``verdict`` (allowing for over-dispersion), ``rank`` (1 = highest rate),
        ``months``, ``annualised``, ``previous_rate``, ``change``.
    phi, tau2
        Over-dispersion of the forces around the national rate (Spiegelhalter).
    limits
        Funnel limits on a population grid (``population``, ``lower_95`` ...).
    peers
        The force and its peers with a rate (a slice of ``table``), nearest first.
    peer_average, peer_average_kind
        The average of ``peers`` and whether it is simple or weighted.
    peer_verdict
        The force against its peers' pooled rate (allowing for over-dispersion), or "".
    previous_held
        Whether the previous 12 months are held for the force.
    """

    kpi_id: str
    name: str
    categories: list[str]
    table: pd.DataFrame
    phi: float
    tau2: float
    limits: pd.DataFrame
    peers: pd.DataFrame
    peer_average: float | None
    peer_average_kind: str
    peer_verdict: str
    previous_held: bool

    def force_row(self, force: str) -> pd.Series | None:
        """The force's row of :attr:`table`, or None when it is not compared."""
        return self.table.loc[force] if force in self.table.index else None


@dataclass
class NationalBenchmark:
    """The force against every force and its most similar forces (police.uk counts).

    Attributes
    ----------
    force
        The force as the lookup spells it (``"Leicestershire"``).
    months, previous_months
        The latest 12 months (ending ``data_to``) and the 12 before.
    kpis
        One :class:`NationalKpi` per KPI police.uk can count.
    not_compared
        KPIs left out and why (``kpi, reason``).
    left_out
        Forces in the counts but not in the rates, and why (``force, reason``).
    group
        The peer group (:class:`~scrutiny.stats.compare.PeerGroup`), or None.
    group_reason
        Why there is no group.
    configured
        Whether the peers came from the force's parameters.
    average
        ``"simple"`` or ``"weighted"``.
    annualise
        Whether forces with missing months were annualised (else left out).
    population_note
        Where the population comes from, for the page.
    """

    force: str
    months: list[str]
    previous_months: list[str]
    kpis: list[NationalKpi]
    not_compared: pd.DataFrame
    left_out: pd.DataFrame
    group: PeerGroup | None
    group_reason: str
    configured: bool
    average: str
    annualise: bool
    counts_span: tuple[str, str] = ("", "")
    #: (first, last) month in the counts given (before ``data_to`` is applied).
    population_note: str = (
        "Rates are per 1,000 residents at the 2011 Census (the force's 2011 LSOAs), the only "
        "population held for every English force."
    )


def police_uk_kpis(registry: dict[str, Kpi]) -> tuple[list[Kpi], pd.DataFrame]:
    """KPIs police.uk's counts can give as rates per 1,000, and the others with reasons."""
    keep, why = [], []
    for kpi in registry.values():
        d = kpi.definition
        if d.police_uk_categories is None:
            why.append((kpi.name, "not a police.uk category (counted in the force's own data)"))
        elif d.outcomes is not None:
            why.append(
                (
                    kpi.name,
                    "a share of outcomes: police.uk's latest outcomes mature at "
                    "different speeds in different forces, so they are not compared",
                )
            )
        elif d.extract_filter is not None:
            why.append((kpi.name, "needs a flag police.uk does not publish"))
        else:
            keep.append(kpi)
    return keep, pd.DataFrame(why, columns=["kpi", "reason"])


def national_benchmark(
    counts: pd.DataFrame,
    profiles: pd.DataFrame,
    force: str,
    kpis: Sequence[Kpi],
    *,
    data_to: str,
    peers: Sequence[str] | None = None,
    k: int = PEER_K,
    average: str = "simple",
    annualise: bool = False,
    alpha: float = 0.05,
) -> NationalBenchmark:
    """Compare the force with every force and its most similar forces, latest 12 months.

    Parameters
    ----------
    counts
        Monthly police.uk counts: ``month, force`` (the ``Falls within`` value),
        ``crime_type, count`` (e.g. :func:`scrutiny.data.national.shared_counts`); a
        force-month with no row at all counts as missing (police.uk publishes a file for
        every month a force reports).
    profiles
        :func:`demographic_profiles` (its ``population`` gives the rates).
    force
        The force (any spelling).
    kpis
        From :func:`police_uk_kpis`.
    data_to
        The cycle's last month: nothing after it is used.
    peers
        The force's own peer list (wins over the nearest-neighbour choice).
    k
        Up to this many peers (at most 7).
    average
        ``"simple"`` or ``"weighted"`` peer average.
    annualise
        Annualise a force with some of the 12 months (count x 12 / months held);
        default False: such a force is left out, with its reason.
    alpha
        1 - confidence level of the verdicts.
    """
    from scrutiny.data import force_key as _fk

    if average not in PEER_AVERAGES:
        raise ValueError(f"average must be one of {sorted(PEER_AVERAGES)}, got {average!r}")
    months = months_back(data_to, 12)
    previous = months_back(str(pd.Period(data_to, "M") - 12), 12)
    c = counts[counts["month"] <= data_to]
    by_key = {_fk(str(n)): str(n) for n in profiles.index}
    c = c.assign(key=c["force"].map(lambda f: _fk(str(f))))
    held = c.groupby("key")["month"].apply(lambda s: set(s))
    spelled = c.drop_duplicates("key").set_index("key")["force"]
    left: list[tuple[str, str]] = []
    use: dict[str, tuple[str, list[str], list[str]]] = {}  # profile name -> (key, months, prev)
    for key, got in held.items():
        shown = str(spelled[key])
        if key in NOT_TERRITORIAL:
            left.append((shown, NOT_TERRITORIAL[key]))
            continue
        if key not in by_key:
            left.append((shown, "no population held: the 2011 lookup covers England only"))
            continue
        have = [m for m in months if m in got]
        if not have:
            left.append((shown, f"no police.uk files in {months[0]} to {months[-1]}"))
            continue
        if len(have) < 12 and not annualise:
            miss = [m for m in months if m not in got]
            left.append(
                (
                    shown,
                    f"{len(have)} of the 12 months published (missing "
                    + narrative.join_words([narrative.month_text(m) for m in miss])
                    + "); not annualised",
                )
            )
            continue
        use[by_key[key]] = (key, have, [m for m in previous if m in got])
    for name in profiles.index:
        if _fk(str(name)) not in held.index and _fk(str(name)) != "cityoflondon":
            left.append(
                (
                    str(name),
                    f"no police.uk counts held for {narrative.month_text(months[0])} to "
                    f"{narrative.month_text(months[-1])}",
                )
            )
    fname = _profile_name(list(profiles.index), force)
    group, reason = most_similar_forces(profiles, force, k=k, peers=peers)
    out = []
    for kpi in kpis if use else []:
        cats = list(kpi.definition.police_uk_categories or [])
        sel = c[c["crime_type"].isin(cats)]
        rows = []
        for name, (key, have, prev) in use.items():
            mine = sel[sel["key"] == key]
            n = float(mine.loc[mine["month"].isin(have), "count"].sum())
            factor = 12 / len(have)
            pn = float(mine.loc[mine["month"].isin(prev), "count"].sum())
            pop = float(profiles.loc[name, "population"])
            rows.append(
                {
                    "force": name,
                    "count": float(round(n * factor)),  # annualised counts rounded to whole crimes
                    "population": pop,
                    "months": len(have),
                    "annualised": len(have) < 12,
                    "previous_rate": pn / pop * 1000 if len(prev) == 12 else float("nan"),
                }
            )
        data = pd.DataFrame(rows).set_index("force").sort_index()
        rates = dispersion.rates_table_adjusted(
            data[["count", "population"]], method="additive", alpha=alpha
        )
        d = rates.attrs["dispersion"]
        table = rates.join(data[["months", "annualised", "previous_rate"]])
        table["change"] = table["rate"] - table["previous_rate"]
        table["rank"] = table["rate"].rank(ascending=False, method="min").astype(int)
        national = float(table["national_rate"].iloc[0])
        grid = np.geomspace(table["population"].min() * 0.8, table["population"].max() * 1.1, 120)
        limits = dispersion.funnel_limits_adjusted(grid, national, d, method="additive")
        pt = pd.DataFrame()
        avg = None
        verdict = ""
        if group is not None and fname in table.index:
            members = [fname] + [p for p in group.peers if p in table.index]
            pt = table.loc[members].copy()
            avg = peer_average(pt, average)
            have_peers = members[1:]
            if have_peers:
                cmp = compare.compare_with_peers(
                    table[["count", "population"]],
                    fname,
                    have_peers,
                    phi=dispersion.peer_phi(d),
                    alpha=alpha,
                )
                verdict = cmp.verdict
        out.append(
            NationalKpi(
                kpi.id,
                kpi.name,
                cats,
                table,
                float(d.phi) if d is not None else 1.0,
                float(d.tau2) if d is not None else 0.0,
                limits,
                pt,
                avg,
                average,
                verdict,
                bool(fname in table.index and pd.notna(table.loc[fname, "previous_rate"])),
            )
        )
    _, not_cmp = police_uk_kpis({k_.id: k_ for k_ in kpis})
    return NationalBenchmark(
        force=fname or force,
        months=months,
        previous_months=previous,
        kpis=out,
        not_compared=not_cmp,
        left_out=pd.DataFrame(sorted(left), columns=["force", "reason"]),
        group=group,
        group_reason=reason,
        configured=bool(peers),
        average=average,
        annualise=annualise,
        counts_span=(str(counts["month"].min()), str(counts["month"].max()))
        if len(counts)
        else ("", ""),
    )
