"""The KPI registry (``params/kpis.yaml``) and "the monthly series for KPI x in area y".

Each KPI says what it counts (police.uk categories, Home Office offence codes in the force
extract, or a filter on the extract's flags and outcomes), what it is divided by
(population of an age range per 1,000, or another KPI's count for a share), which way is
better, any target, the national Crime and Policing Measure it serves and the Police and
Crime Plan theme (an id in ``params/plan.yaml``). :func:`kpi_series` turns one into a
monthly DataFrame for the force or one of its districts.

KPIs counted in the force extract are synthetic unless ``DataSources.extract`` names a
real extract; :attr:`Kpi.uses_extract` says which KPIs those are, and the series carries
a ``synthetic`` column so every table and chart built on it can say so.

The file's second list, ``return_kpis:``, holds shares taken from the force's monthly
returns (:mod:`scrutiny.data.returns`: 999 and 101 calls, victim satisfaction), read by
:func:`load_return_kpis` as :class:`ReturnKpi`. They are force-level monthly shares, not
crime counts for the force and each district, so they are not in the cycle's assessment
and never graded by plan delivery; :mod:`scrutiny.analysis.force_returns` computes them,
and while the returns are synthetic they are labelled so and never escalated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scrutiny import provenance, yamlio
from scrutiny.analysis.method import KpiMethod
from scrutiny.config import PARAMS_DIR
from scrutiny.data import DataSources, force_geography, load_crimes, load_extract, national
from scrutiny.data.extract import OUTCOMES
from scrutiny.data.geography import force_key
from scrutiny.data.home_office import load_offence_map
from scrutiny.data.ons import parse_ages, population_for_codes
from scrutiny.data.police_uk import CRIME_TYPES
from scrutiny.data.quality import DataQuality
from scrutiny.data.returns import SCHEMAS as RETURN_SCHEMAS
from scrutiny.data.returns import VICTIM_GROUPS
from scrutiny.errors import ParamsError

DEFAULT_PATH = PARAMS_DIR / "kpis.yaml"

NATIONAL_MEASURES: dict[str, str] = {
    "reduce_homicide": "Reduce murder and other homicide",
    "reduce_serious_violence": "Reduce serious violence",
    "disrupt_drugs_supply": "Disrupt drugs supply and county lines",
    "reduce_neighbourhood_crime": "Reduce neighbourhood crime",
    "tackle_cyber_crime": "Tackle cyber crime",
    "improve_victim_satisfaction": (
        "Improve satisfaction among victims, with a particular focus on victims of domestic abuse"
    ),
}
NationalMeasure = Literal[
    "reduce_homicide",
    "reduce_serious_violence",
    "disrupt_drugs_supply",
    "reduce_neighbourhood_crime",
    "tackle_cyber_crime",
    "improve_victim_satisfaction",
]
FLAGS = ("domestic_abuse", "knife_sharp_instrument", "night_time_economy", "public_place")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExtractFilter(_Model):
    """Conditions on the force extract's flags (None: either value)."""

    domestic_abuse: bool | None = None
    knife_sharp_instrument: bool | None = None
    night_time_economy: bool | None = None
    public_place: bool | None = None


class Definition(_Model):
    """What a KPI counts.

    Either ``police_uk_categories`` (counted in police.uk street-level crime) or
    ``offence_codes`` and/or ``extract_filter`` (counted in the force extract).
    ``outcomes`` narrows either to crimes with those outcomes.
    """

    police_uk_categories: list[str] | None = None
    offence_codes: list[str] | None = None
    extract_filter: ExtractFilter | None = None
    outcomes: list[str] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Definition:
        uk = self.police_uk_categories is not None
        ex = self.offence_codes is not None or self.extract_filter is not None
        if uk == ex:
            raise ValueError(
                "give either police_uk_categories, or offence_codes and/or extract_filter"
            )
        for c in self.police_uk_categories or []:
            if c not in CRIME_TYPES:
                raise ValueError(
                    f"unknown police.uk category {c!r} (expected one of {CRIME_TYPES})"
                )
        for o in self.outcomes or []:
            if o not in OUTCOMES:
                raise ValueError(f"unknown outcome {o!r} (expected a police.uk outcome category)")
        return self

    @property
    def source(self) -> Literal["police_uk", "extract"]:
        """Where the KPI is counted."""
        return "police_uk" if self.police_uk_categories is not None else "extract"


class Denominator(_Model):
    """What a KPI's count is divided by: population (``per`` people) or another KPI's count."""

    kind: Literal["population", "kpi"] = "population"
    ages: str = "all"
    per: int = Field(1000, gt=0)
    kpi: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Denominator:
        if self.kind == "kpi" and not self.kpi:
            raise ValueError("a 'kpi' denominator needs the id of the KPI to divide by")
        if self.kind == "population" and self.kpi:
            raise ValueError("a population denominator takes no 'kpi'")
        parse_ages(self.ages)
        return self


class Target(_Model):
    """An optional target: a monthly ``count``, a ``rate`` or a ``share`` (per denominator)."""

    value: float
    measure: Literal["count", "rate", "share"] = "count"
    note: str | None = None


class Kpi(_Model):
    """One key performance indicator."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    definition: Definition
    denominator: Denominator = Denominator()
    direction: Literal["increase", "decrease", "neutral"]
    target: Target | None = None
    national_measure: NationalMeasure | None = None
    plan_theme: str | None = None
    method: KpiMethod | None = None

    @property
    def uses_extract(self) -> bool:
        """True when counted in the force extract (synthetic unless a real one is given)."""
        return self.definition.source == "extract"

    @property
    def national_measure_text(self) -> str | None:
        """The national Crime and Policing Measure in words."""
        return NATIONAL_MEASURES.get(self.national_measure) if self.national_measure else None


class ReturnKpi(_Model):
    """A share taken from a force return: ``numerator`` over ``denominator`` (columns).

    For the victim satisfaction return, ``groups`` picks the survey groups pooled (all
    of them when not given).
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    source: Literal["calls", "victims", "people"]
    numerator: str
    denominator: str
    groups: list[str] | None = None
    direction: Literal["increase", "decrease", "neutral"]
    target: Target | None = None
    national_measure: NationalMeasure | None = None

    @model_validator(mode="after")
    def _columns(self) -> ReturnKpi:
        cols = {f.name for f in RETURN_SCHEMAS[self.source] if f.kind == "count"}
        for key in ("numerator", "denominator"):
            if getattr(self, key) not in cols:
                raise ValueError(
                    f"{key} '{getattr(self, key)}' is not a count column of the "
                    f"{self.source} return (expected one of {', '.join(sorted(cols))})"
                )
        if self.groups is not None:
            if self.source != "victims":
                raise ValueError("groups apply to the victims return only")
            for g in self.groups:
                if g not in VICTIM_GROUPS:
                    raise ValueError(
                        f"unknown survey group {g!r} (expected one of {', '.join(VICTIM_GROUPS)})"
                    )
        if self.target is not None and self.target.measure != "share":
            raise ValueError("a return KPI's target is a share (measure: share, in per cent)")
        return self

    @property
    def national_measure_text(self) -> str | None:
        """The national Crime and Policing Measure in words."""
        return NATIONAL_MEASURES.get(self.national_measure) if self.national_measure else None


class Registry(_Model):
    """The file: ``kpis:`` followed by a list of KPIs, then optional ``return_kpis:``."""

    kpis: list[Kpi] = Field(min_length=1)
    return_kpis: list[ReturnKpi] = Field(default_factory=list)


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def load_registry(path: str | Path | None = None) -> dict[str, Kpi]:
    """Load and check the KPI registry.

    Parameters
    ----------
    path
        The YAML file; default ``params/kpis.yaml``.

    Returns
    -------
    dict
        ``{id: Kpi}`` in file order.

    Raises
    ------
    ParamsError
        Naming the key: unknown keys, missing fields, bad values, a repeated id, an
        offence code not in the Home Office offence map, a denominator KPI that does not
        exist (or is itself a share).
    """
    p = Path(path) if path is not None else DEFAULT_PATH
    raw = yamlio.read_yaml(p)  # ParamsError: missing, not UTF-8, not YAML, alias bomb
    # A briefing's figures depend on the KPI definitions: an edit must invalidate its cache.
    provenance.record_input(p, description="KPI registry")
    try:
        reg = Registry.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _loc(tuple(err["loc"]))
        kind = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise ParamsError(p, f"{where}: {kind}") from None
    out: dict[str, Kpi] = {}
    codes = set(load_offence_map(DataSources().path("offence_map"))["offence_code"])
    for i, k in enumerate(reg.kpis):
        if k.id in out:
            raise ParamsError(p, f"kpis[{i}].id: '{k.id}' is used twice")
        for code in k.definition.offence_codes or []:
            if code not in codes:
                raise ParamsError(
                    p, f"kpis[{i}].definition.offence_codes: '{code}' is not a Home Office code"
                )
        out[k.id] = k
    for i, k in enumerate(reg.kpis):
        d = k.denominator
        if d.kind == "kpi":
            if d.kpi not in out:
                raise ParamsError(p, f"kpis[{i}].denominator.kpi: no KPI '{d.kpi}'")
            if out[d.kpi].denominator.kind == "kpi":
                raise ParamsError(p, f"kpis[{i}].denominator.kpi: '{d.kpi}' is itself a share")
    return out


def load_return_kpis(path: str | Path | None = None) -> dict[str, ReturnKpi]:
    """Load the registry's ``return_kpis:`` (shares from the force returns).

    Raises
    ------
    ParamsError
        As :func:`load_registry`, and an id used twice or also used by a crime KPI.
    """
    p = Path(path) if path is not None else DEFAULT_PATH
    crime = load_registry(p)
    raw = yamlio.read_yaml(p)
    try:
        reg = Registry.model_validate(raw)
    except ValidationError as exc:  # pragma: no cover - load_registry raised already
        raise ParamsError(p, str(exc.errors()[0]["msg"])) from None
    out: dict[str, ReturnKpi] = {}
    for i, k in enumerate(reg.return_kpis):
        if k.id in out or k.id in crime:
            raise ParamsError(p, f"return_kpis[{i}].id: '{k.id}' is used twice")
        out[k.id] = k
    return out


# -- series ---------------------------------------------------------------------------------


def _area(area: str, sources: DataSources) -> tuple[str, str | None, list[str]]:
    """Return (display name, column to filter or None for the force, LA codes)."""
    geo = force_geography(sources)
    if force_key(area) == force_key(sources.force) or force_key(area) == force_key(geo.force):
        return sources.force, None, list(geo.districts["la_code"])
    norm = area.strip().lower().removesuffix(" ua")
    for _, row in geo.districts.iterrows():
        if row["district"].lower() == norm:
            return row["district"], "district", [row["la_code"]]
    csps = geo.districts.groupby("csp")["la_code"].apply(list)
    for csp, codes in csps.items():
        if str(csp).lower() == norm:
            return str(csp), "csp", codes
    raise ValueError(
        f"area {area!r} is neither the force ({sources.force}) nor one of its districts "
        f"({', '.join(geo.district_names)})"
    )


def select_rows(definition: Definition, df: pd.DataFrame) -> pd.Series:
    """Return a boolean mask of the rows of ``df`` that a KPI definition counts.

    Parameters
    ----------
    definition
        The KPI's definition.
    df
        police.uk crimes (from :func:`scrutiny.data.load_crimes`) when the definition is
        by police.uk category, otherwise the force extract (:func:`scrutiny.data.load_extract`).
    """
    d = definition
    if d.source == "police_uk":
        sel = df["crime_type"].isin(d.police_uk_categories)
        if d.outcomes is not None:
            sel &= df["last_outcome"].isin(d.outcomes)
        return sel
    sel = pd.Series(True, index=df.index)
    if d.offence_codes is not None:
        sel &= df["offence_code"].isin(d.offence_codes)
    if d.extract_filter is not None:
        for flag in FLAGS:
            want = getattr(d.extract_filter, flag)
            if want is not None:
                sel &= df[flag] == want
    if d.outcomes is not None:
        sel &= df["outcome"].isin(d.outcomes)
    return sel


def store_kpi_counts(
    store: str | Path, force: str, registry: dict[str, Kpi] | None = None
) -> pd.DataFrame:
    """Monthly count of every police.uk KPI of the registry for one force of a national store.

    The store (:func:`scrutiny.data.national.build_store`) is counted in DuckDB by month,
    crime type and last outcome, reading only the force's partitions
    (:func:`scrutiny.data.national.monthly_counts`): a few hundred groups a month instead of
    every row. Each KPI's definition then picks its groups (:func:`select_rows`, the same
    rule as on the rows) and their counts are summed by month.

    Parameters
    ----------
    store
        A national store folder.
    force
        The force slug in the store (``"leicestershire"``).
    registry
        The KPIs (default ``params/kpis.yaml``); those counted in the force extract or the
        returns are left out (the store holds police.uk rows only).

    Returns
    -------
    DataFrame
        Indexed by ``month`` (``"YYYY-MM"``, every month the store holds for the force),
        one int64 column per police.uk KPI in registry order; 0 where a month has no row of
        that KPI.

    Raises
    ------
    DataError
        When the store holds no street files for the force.
    """
    registry = registry if registry is not None else load_registry()
    groups = national.monthly_counts(store, outcome=True, forces=[force])
    months = pd.Index(sorted(groups["month"].unique()), name="month")
    # select_rows reads an absent outcome as missing, as it is in the rows (not "").
    groups["last_outcome"] = groups["last_outcome"].replace("", np.nan)
    out = {}
    for kpi_id, kpi in registry.items():
        if kpi.definition.source != "police_uk":
            continue
        picked = groups.loc[select_rows(kpi.definition, groups).to_numpy(dtype=bool)]
        out[kpi_id] = (
            picked.groupby("month")["count"].sum().reindex(months, fill_value=0).astype("int64")
        )
    return pd.DataFrame(out, index=months)


class KpiCounts:
    """Monthly counts of KPIs by area, from one load of the crimes and of the force extract.

    Every :func:`kpi_series` call needs the police.uk crimes or the force extract; loading
    one (:func:`scrutiny.data.load_crimes`, :func:`scrutiny.data.load_extract`) checks every
    raw file again and copies the whole frame, which was 42% of the performance briefing
    when the assessment asked for its 200-odd series one by one (issue 13). Pass one
    ``KpiCounts`` to every call instead: each table is loaded once, when first needed; each
    KPI's rows are selected once and counted by area and month; a series is then a lookup.

    The tables are those of the moment they are loaded: use one ``KpiCounts`` for one pass
    over data that does not change (one assessment), not as a long-lived cache.

    Parameters
    ----------
    sources
        Which files (default: committed Leicestershire data).
    crimes, extract
        Frames to count instead of loading them (the columns of
        :func:`scrutiny.data.load_crimes` and :func:`scrutiny.data.load_extract`).
    """

    def __init__(
        self,
        sources: DataSources | None = None,
        *,
        crimes: pd.DataFrame | None = None,
        extract: pd.DataFrame | None = None,
    ) -> None:
        self.sources = sources or DataSources()
        self._tables: dict[str, pd.DataFrame] = {}
        if crimes is not None:
            self._tables["police_uk"] = crimes
        if extract is not None:
            self._tables["extract"] = extract
        self._present: dict[str, set[pd.Timestamp]] = {}
        self._grouped: dict[tuple[str, str | None], pd.Series] = {}
        self._areas: dict[str, tuple[str, str | None, list[str]]] = {}
        self._population: dict[tuple[object, ...], pd.Series] = {}

    def table(self, source: Literal["police_uk", "extract"]) -> pd.DataFrame:
        """The crimes (``"police_uk"``) or the force extract (``"extract"``), loaded once."""
        if source not in self._tables:
            load = load_crimes if source == "police_uk" else load_extract
            self._tables[source] = load(self.sources)[0]
        return self._tables[source]

    def months_present(self, source: Literal["police_uk", "extract"]) -> set[pd.Timestamp]:
        """The months that have at least one row in the table."""
        if source not in self._present:
            self._present[source] = set(self.table(source)["month"].unique())
        return self._present[source]

    def counts(self, definition: Definition, column: str | None, name: str) -> pd.Series:
        """Rows counted by ``definition`` per month, in the area ``column == name``.

        ``column`` None is the whole table (the force); months without a row are absent.
        """
        key = (definition.model_dump_json(), column)
        grouped = self._grouped.get(key)
        if grouped is None:
            df = self.table(definition.source)
            sel = select_rows(definition, df).to_numpy(dtype=bool)
            if column is None:
                grouped = df.loc[sel, ["month"]].groupby("month").size()
            else:
                rows = df.loc[sel, [column, "month"]]
                grouped = rows.groupby([column, "month"], observed=True).size()
            self._grouped[key] = grouped
        if column is None:
            return grouped
        try:
            return grouped.xs(name, level=column)
        except KeyError:
            return pd.Series([], index=pd.DatetimeIndex([], name="month"), dtype="int64")

    def synthetic(self, definition: Definition) -> bool:
        """Whether the definition counts synthetic rows (the generated force extract)."""
        return definition.source == "extract" and bool(self.table("extract")["synthetic"].any())

    def area(self, area: str) -> tuple[str, str | None, list[str]]:
        """(display name, column to filter or None for the force, LA codes) of ``area``."""
        if area not in self._areas:
            self._areas[area] = _area(area, self.sources)
        return self._areas[area]

    def population(self, codes: list[str], ages: str, years: list[int], name: str) -> pd.Series:
        """:func:`scrutiny.data.ons.population_for_codes`, computed once per question."""
        key = (tuple(codes), ages, tuple(years), name)
        if key not in self._population:
            self._population[key] = population_for_codes(
                codes, ages, years, name=name, sources=self.sources
            )
        return self._population[key]


def kpi_series(
    kpi: Kpi | str,
    *,
    area: str,
    start: str | None = None,
    end: str | None = None,
    sources: DataSources | None = None,
    quality: DataQuality | None = None,
    registry: dict[str, Kpi] | None = None,
    counts: KpiCounts | None = None,
) -> pd.DataFrame:
    """Monthly series of a KPI for the force or one of its districts.

    Parameters
    ----------
    kpi
        A :class:`Kpi` or its id in the registry.
    area
        The force (``"Leicestershire Police"``) or a district (``"Charnwood"``); a CSP
        name works where CSPs differ from districts.
    start, end
        First and last month (``YYYY-MM``); default: the data's first and last month.
    sources
        Which files (default: committed Leicestershire data).
    quality
        Optional record: months missing from the source are added to it.
    registry
        Where to look up a KPI given by id (default: :func:`load_registry`).
    counts
        The tables to count in, shared by many calls (:class:`KpiCounts` of ``sources``;
        default: the tables loaded for this call alone).

    Returns
    -------
    DataFrame
        One row per month in range, every month present: ``month`` (Timestamp, first of
        month), ``count`` (int; 0 for a month with no data, flagged in ``missing``),
        ``population`` (mid-year, the KPI's age range), ``rate_per_1000`` (count per 1,000
        of that population), ``denominator`` and ``rate`` (count per the KPI's own
        denominator: population per ``per``, or another KPI's count, as a percentage for
        shares), ``missing`` (bool), ``synthetic`` (bool: counted in the synthetic extract).

    Raises
    ------
    ValueError
        An area that is not the force or one of its districts.
    """
    sources = sources or DataSources()
    if isinstance(kpi, str):
        reg = registry or load_registry()
        if kpi not in reg:
            raise ValueError(f"no KPI '{kpi}' in the registry (ids: {', '.join(reg)})")
        kpi_obj = reg[kpi]
    else:
        kpi_obj = kpi
        reg = registry
    counter = counts or KpiCounts(sources)
    name, column, codes = counter.area(area)
    d = kpi_obj.definition
    counted = counter.counts(d, column, name)
    present = counter.months_present(d.source)
    synthetic = counter.synthetic(d)
    first = min(present) if present else pd.Timestamp(start or end)
    last = max(present) if present else pd.Timestamp(end or start)
    lo = pd.Timestamp(f"{start}-01") if start else first
    hi = pd.Timestamp(f"{end}-01") if end else last
    months = pd.date_range(lo, hi, freq="MS")
    out = pd.DataFrame({"month": months})
    out["count"] = out["month"].map(counted).fillna(0).astype("int64")
    out["missing"] = ~out["month"].isin(present)
    if quality is not None and out["missing"].any():
        gone = [m.strftime("%Y-%m") for m in out.loc[out["missing"], "month"]]
        quality.missing_months = sorted(set(quality.missing_months) | set(gone))
        quality.warn(
            f"{kpi_obj.id}: months with no data",
            len(gone),
            f"{name}: counted as 0 ({', '.join(gone)})",
        )
    years = sorted(set(out["month"].dt.year.tolist()))
    d = kpi_obj.denominator
    ages = d.ages if d.kind == "population" else "all"
    if quality is None:
        pop = counter.population(codes, ages, years, name)
    else:  # the record is told about years outside the projections
        pop = population_for_codes(codes, ages, years, name=name, sources=sources, quality=quality)
    out["population"] = out["month"].dt.year.map(pop).astype("int64")
    out["rate_per_1000"] = out["count"] / out["population"] * 1000
    if d.kind == "population":
        out["denominator"] = out["population"].astype(float)
        out["rate"] = out["count"] / out["denominator"] * d.per
    else:
        base = kpi_series(
            d.kpi,
            area=area,
            start=months[0].strftime("%Y-%m"),
            end=months[-1].strftime("%Y-%m"),
            sources=sources,
            registry=reg or load_registry(),
            counts=counter,
        )
        out["denominator"] = base["count"].astype(float).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["rate"] = np.where(
                out["denominator"] > 0, out["count"] / out["denominator"] * d.per, np.nan
            )
    out["synthetic"] = synthetic
    cols = ["month", "count", "population", "rate_per_1000", "denominator", "rate", "missing"]
    return out[[*cols, "synthetic"]]
