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
