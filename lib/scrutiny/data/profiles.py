"""Peer and national comparison: force profiles and Home Office counts per force.

Force-level recorded crime is available for one year only, **2017/18** (the Home Office
table committed in ``data/raw/home-office``), so every figure from it is labelled with
that year. Population is the 2011 Census summed over each force's LSOAs, the only
population covering every English force in the committed data. The LSOA lookup is
England-only, so the four Welsh forces have no population and are left out of the
profiles (their recorded crime is still in :func:`home_office_force_counts`, with
population missing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scrutiny.data.geography import NON_TERRITORIAL, force_key, load_lsoa_lookup
from scrutiny.data.home_office import load_force_values, load_recorded_crime
from scrutiny.data.ons import load_census_population
from scrutiny.data.sources import DataSources

YEAR_LABEL = "2017/18"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _force_population(sources: DataSources) -> pd.DataFrame:
    lookup = load_lsoa_lookup(sources.path("lsoa_lookup"))
    census = load_census_population(sources.path("census_population"))
    merged = lookup[["lsoa_code", "force"]].merge(
        census[["lsoa_code", "population", "area_hectares"]], on="lsoa_code", how="left"
    )
    out = merged.groupby("force", as_index=False).agg(
        lsoas=("lsoa_code", "size"),
        population_2011=("population", "sum"),
        area_hectares=("area_hectares", "sum"),
    )
    out["key"] = out["force"].map(force_key)
    return out


def home_office_force_counts(
    offence_codes: Sequence[str] | None = None,
    *,
    groups: Sequence[str] | None = None,
    subgroups: Sequence[str] | None = None,
    sources: DataSources | None = None,
    territorial_only: bool = True,
) -> pd.DataFrame:
    """Recorded crime per force in 2017/18 for chosen offences, with rates per 1,000.

    Parameters
    ----------
    offence_codes
        Home Office offence codes (e.g. ``["8N", "5D"]``); None for all.
    groups, subgroups
        Alternatively (or as well), offence groups or subgroups to include.
    sources
        Which files (default: committed ones).
    territorial_only
        Leave out British Transport Police and the fraud bodies (default).

    Returns
    -------
    DataFrame
        ``force, financial_year ("2017/18"), count, population_2011, rate_per_1000``, one
        row per force, sorted by force. Welsh forces have no population (NaN rate).
    """
    sources = sources or DataSources()
    prc = load_recorded_crime(
        sources.path("home_office_force"), financial_year=sources.financial_year
    )
    sel = np.ones(len(prc), dtype=bool)
    if offence_codes is not None:
        sel &= prc["offence_code"].isin([str(c) for c in offence_codes]).to_numpy()
    if groups is not None:
        sel &= prc["offence_group"].isin(list(groups)).to_numpy()
    if subgroups is not None:
        sel &= prc["offence_subgroup"].isin(list(subgroups)).to_numpy()
    keys = prc["force"].map(force_key)
    if territorial_only:
        sel &= ~keys.isin(NON_TERRITORIAL).to_numpy()
    all_forces = prc.loc[~keys.isin(NON_TERRITORIAL) | (not territorial_only), "force"].unique()
    counts = prc.loc[sel].groupby("force")["count"].sum()
    out = pd.DataFrame({"force": sorted(all_forces)})
    out["financial_year"] = prc["financial_year"].iloc[0] if len(prc) else YEAR_LABEL
    out["count"] = out["force"].map(counts).fillna(0).astype("int64")
    pop = _force_population(sources).set_index("key")["population_2011"]
    out["population_2011"] = out["force"].map(force_key).map(pop).astype("Int64")
    out["rate_per_1000"] = (out["count"] / out["population_2011"].astype(float) * 1000).astype(
        float
    )
    return out


def force_profiles(sources: DataSources | None = None) -> pd.DataFrame:
    """One row per territorial force in England, for peer comparison.

    Returns
    -------
    DataFrame
        ``force`` (as the ONS lookup spells it), ``lsoas``, ``population_2011`` (2011
        Census, summed over the force's LSOAs), ``area_hectares``, ``density_per_hectare``,
        ``officer_fte_2025`` (31 March 2025), ``grant_gbp_2025_26``,
        ``crimes_2017_18`` (Home Office recorded crime, all offences),
        ``crimes_per_1000_2017_18``, then for each offence group ``<group>_2017_18`` and
        ``<group>_per_1000_2017_18`` (e.g. ``violence_against_the_person_2017_18``),
        ``officers_per_1000`` and ``grant_per_head_gbp``. Population-based rates use the
        2011 Census; the years differ by source and are in the column names.
    """
    sources = sources or DataSources()
    pop = _force_population(sources)
    prc = load_recorded_crime(
        sources.path("home_office_force"), financial_year=sources.financial_year
    )
    prc = prc[~prc["force"].map(force_key).isin(NON_TERRITORIAL)]
    prc = prc.assign(key=prc["force"].map(force_key))
    officers = load_force_values(sources.path("officer_fte"), "officer_fte", "officer FTE")
    grant = load_force_values(sources.path("police_grant"), "grant_gbp", "police grant")
    out = pop.copy()
    out["density_per_hectare"] = out["population_2011"] / out["area_hectares"]
    out["officer_fte_2025"] = out["key"].map(
        officers.assign(key=officers["force"].map(force_key)).set_index("key")["officer_fte"]
    )
    out["grant_gbp_2025_26"] = out["key"].map(
        grant.assign(key=grant["force"].map(force_key)).set_index("key")["grant_gbp"]
    )
    yr = "_" + (prc["financial_year"].iloc[0] if len(prc) else YEAR_LABEL).replace("/", "_")
    total = prc.groupby("key")["count"].sum()
    out[f"crimes{yr}"] = out["key"].map(total).fillna(0).astype("int64")
    out[f"crimes_per_1000{yr}"] = out[f"crimes{yr}"] / out["population_2011"] * 1000
    by_group = prc.groupby(["key", "offence_group"])["count"].sum().unstack(fill_value=0)
    for g in sorted(by_group.columns):
        col = f"{_slug(g)}{yr}"
        out[col] = out["key"].map(by_group[g]).fillna(0).astype("int64")
        out[f"{_slug(g)}_per_1000{yr}"] = out[col] / out["population_2011"] * 1000
    out["officers_per_1000"] = out["officer_fte_2025"] / out["population_2011"] * 1000
    out["grant_per_head_gbp"] = out["grant_gbp_2025_26"] / out["population_2011"]
    return out.drop(columns="key").sort_values("force", ignore_index=True)
