"""A force's crimes: police.uk street-level rows placed in the force's districts, cached.

:func:`load_crimes` is what briefings call. It reads the police.uk files named in
:class:`~scrutiny.data.sources.DataSources` (or takes them from the cache when their
content has not changed), places each row in a local authority (by the LSOA lookup, or for
LSOAs it does not hold, such as 2021 codes, by the authority the LSOA's name begins with),
flags rows outside the force area, applies the reporting period and returns the rows with a
:class:`~scrutiny.data.quality.DataQuality` record.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from scrutiny import provenance
from scrutiny.data import store
from scrutiny.data.geography import (
    ForceGeography,
    force_geography,
    force_key,
    name_example,
    place_lsoas,
)
from scrutiny.data.police_uk import ASB, find_files, read_street
from scrutiny.data.quality import DataQuality, SourceUsed
from scrutiny.data.rawfiles import RawFile
from scrutiny.data.sources import DataSources
from scrutiny.errors import ParamsError

LOADER_VERSION = "crimes-5"  # 2: impossible coordinates removed and counted; 3: LSOAs
# the 2011 lookup does not know (2021 codes) placed by the authority their name begins with;
# 4: from a national archive folder, only the force's own files are read (own_files);
# 5: the quality note's example of an LSOA placed by name is one of the force's own

COLUMNS = [
    "month",
    "crime_id",
    "crime_type",
    "last_outcome",
    "lsoa_code",
    "lsoa_name",
    "district",
    "csp",
    "la_name",
    "district_from",
    "longitude",
    "latitude",
    "location",
    "has_location",
    "in_force_area",
    "reported_by",
    "falls_within",
    "context",
    "source_file",
    "line",
]


def _month_of(f: RawFile) -> str | None:
    m = re.search(r"(?<!\d)(\d{4}-\d{2})(?!\d)", f.name)
    return m.group(1) if m else None


def _record_files(files: list[RawFile]) -> list[str]:
    """Record each file read (an archive once) and return their content hashes."""
    shas: list[str] = []
    seen: set[Path] = set()
    for f in files:
        if f.path in seen:
            shas.append(f"{f.member}")
            continue
        months = [m for g in files if g.path == f.path and (m := _month_of(g))]
        period = None
        if months:
            period = months[0] if len(set(months)) == 1 else f"{min(months)} to {max(months)}"
        rec = provenance.record_input(
            f.path, period=period, description="police.uk street-level crime"
        )
        seen.add(f.path)
        shas.append(rec.sha256 + (f":{f.member}" if f.member else ""))
    return shas


_ARCHIVE_NAME = re.compile(r"^\d{4}-\d{2}-(?P<slug>[a-z0-9-]+)-street\.csv(\.gz)?$")


def own_files(files: list[RawFile], force: str) -> tuple[list[RawFile], list[RawFile]]:
    """Split a national archive's street files into the force's and the other forces'.

    police.uk's archive names each file ``YYYY-MM-<force>-street.csv``. When every file is
    named so, more than one force is present and some files are the force's (its slug,
    e.g. ``city-of-london``, matches the force's name by
    :func:`scrutiny.data.geography.force_key`), only those are read: the others' rows
    would all be excluded anyway. Otherwise (one force, names not matched, e.g. ``btp``)
    every file is read and other forces' rows are excluded by their "Reported by".

    Examples
    --------
    >>> from pathlib import Path
    >>> fs = [RawFile(Path(f"2025-01-{s}-street.csv")) for s in ("cumbria", "city-of-london")]
    >>> [f.path.name for f in own_files(fs, "City of London Police")[0]]
    ['2025-01-city-of-london-street.csv']
    >>> len(own_files(fs, "British Transport Police")[0])
    2
    """
    names = [_ARCHIVE_NAME.match((f.member or f.path.name).rsplit("/", 1)[-1]) for f in files]
    if not all(names):
        return files, []
    slugs = [m.group("slug") for m in names if m]
    key = force_key(force)
    mine = [
        f for f, slug in zip(files, slugs, strict=True) if force_key(slug.replace("-", " ")) == key
    ]
    if not mine or len(set(slugs)) < 2:
        return files, []
    return mine, [f for f in files if f not in mine]


def _build(
    sources: DataSources, files: list[RawFile], others: list[RawFile] | None = None
) -> tuple[pd.DataFrame, dict]:
    q = DataQuality(dataset="police.uk street-level crime")
    df = read_street(files, q)
    geo = force_geography(sources, q)
    key = force_key(sources.force)
    rows_read = len(df)

    # Rows another force reported (a zip holding several forces) are not this force's.
    by_key = df["reported_by"].cat.categories.map(force_key)
    other = ~df["reported_by"].cat.codes.isin(np.flatnonzero(by_key == key))
    for name, n in df.loc[other, "reported_by"].value_counts().items():
        q.exclude(f"reported by another force ({name})", int(n))
    if other.any():
        # read_street counted rows without a location over every force's rows: count the
        # force's own (the other forces' rows are excluded above, with their count).
        df = df.loc[~other].reset_index(drop=True)
        for issue in q.issues:
            if issue.check == "rows without a location":
                issue.rows = int((~df["has_location"]).sum())
        q.issues = [i for i in q.issues if i.rows]

    df, placed = place_rows(df, geo, q)
    df["csp"] = df["district"].map(geo.districts.set_index("district")["csp"]).astype("category")
    located = df["has_location"].to_numpy()
    in_force = df["in_force_area"].to_numpy(dtype=bool)
    outside = located & ~in_force & placed.to_numpy()
    q.warn(
        "rows in LSOAs outside the force area",
        int(outside.sum()),
        "snapped to LSOAs of neighbouring forces: kept in force totals, flagged "
        "in_force_area = False, in no district",
    )
    months = sorted(df["month"].dt.strftime("%Y-%m").unique())
    q.add_source(
        SourceUsed(
            "police.uk street-level crime",
            sources.street_crime,
            files=len({f.label for f in files}),
            rows=rows_read,
            period=f"{months[0]} to {months[-1]}" if months else None,
        )
    )
    q.metrics.update(
        {
            "force": geo.force,
            "rows read": rows_read,
            "files read": len(files),
        }
    )
    if others:  # a national archive folder: the other forces' files were listed, not read
        q.metrics["other forces' files in the folder, not read"] = len(others)
    df = df[COLUMNS]
    return df, {"quality": q.to_dict(), "force": geo.force}


def place_rows(
    df: pd.DataFrame, geo: ForceGeography, quality: DataQuality | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Place every row in a local authority, and in a district of the force when it is one.

    An LSOA the force's lookup knows (2011 codes, and 2021 codes that did not change) takes
    its local authority from the lookup; any other LSOA (a 2021 code for an LSOA that was
    split or merged) takes the authority its police.uk name begins with
    (:func:`scrutiny.data.geography.place_lsoas`, e.g. ``"Charnwood 034F"`` -> Charnwood).

    Parameters
    ----------
    df
        Street rows with ``lsoa_code``, ``lsoa_name`` and ``has_location``.
    geo
        The force's geography (:func:`scrutiny.data.geography.force_geography`).
    quality
        Where to count the rows placed by name and the rows that could not be placed.

    Returns
    -------
    tuple
        ``df`` with ``district`` (one of the force's districts, else NaN), ``la_name`` (the
        LSOA's own authority, any force), ``in_force_area`` and ``district_from``
        (``"lookup"``, ``"LSOA name"`` or None); and a boolean Series: the row was placed in
        some local authority.
    """
    codes = df["lsoa_code"].astype("string")
    pairs = pd.DataFrame({"lsoa_code": codes, "lsoa_name": df["lsoa_name"].astype("string")})
    pairs = pairs[codes.fillna("") != ""].drop_duplicates("lsoa_code")
    sub = DataQuality()
    placed = place_lsoas(pairs, geo.lookup[["lsoa_code", "district"]], sub)
    placed = placed.set_index("lsoa_code")
    la = pd.Series(codes.map(placed["district"]).astype(object), index=df.index)
    la = la.where(la.notna(), None)
    how = pd.Series(codes.map(placed["district_from"]).astype(object), index=df.index)
    own = geo.district_names
    df = df.copy()
    in_force = la.isin(own).to_numpy(dtype=bool)
    df["district"] = pd.Categorical(la.where(in_force).astype(object), categories=own)
    df["la_name"] = la.astype("category")
    df["in_force_area"] = in_force
    df["district_from"] = how.astype("category")
    is_placed = la.notna()
    if quality is not None:
        by_name = how.eq("LSOA name").to_numpy()
        lsoa, district = name_example(placed.reset_index(), own)
        quality.warn(
            "rows placed by LSOA name",
            int(by_name.sum()),
            f"{int(sub_rows(sub, 'district taken from the LSOA name'))} LSOAs the 2011 lookup "
            "does not hold (2021 codes) placed in the local authority their police.uk name "
            f"begins with (e.g. '{lsoa}' -> {district}); {int((by_name & in_force).sum())} "
            "of these rows are in the force's districts",
            severity="note",
        )
        lost = df["has_location"].to_numpy(dtype=bool) & ~is_placed.to_numpy()
        quality.warn(
            "rows with an LSOA that cannot be placed",
            int(lost.sum()),
            "the LSOA code is not in the lookup and its name is not '<authority> 012A': "
            "kept in force totals, in no district",
        )
    return df, is_placed


def sub_rows(q: DataQuality, check: str) -> int:
    """Rows (or LSOAs) of the issue ``check`` in ``q`` (0 when absent)."""
    return next((i.rows for i in q.issues if i.check == check), 0)


def crimes_key(sources: DataSources) -> tuple[str, list[RawFile]]:
    """Cache key of the crimes table (content of the street files and lookup), and the files.

    Records every file read in the provenance log: from a national archive folder, the
    force's own files (:func:`own_files`).
    """
    files, others = own_files(find_files(sources.path("street_crime"), "street"), sources.force)
    shas = _record_files(files) + [f"not read: {f.label}" for f in others]
    lookup_sha = provenance.record_input(
        sources.path("lsoa_lookup"), period="2011 LSOAs", description="ONS LSOA to force lookup"
    ).sha256
    key = store.cache_key(
        LOADER_VERSION, force_key(sources.force), sources.csp_map, shas, lookup_sha
    )
    return key, files


def load_crimes(
    sources: DataSources | None = None,
    *,
    data_to: str | None = None,
    data_from: str | None = None,
) -> tuple[pd.DataFrame, DataQuality]:
    """Load the force's police.uk street-level crime and ASB, with its quality record.

    Parameters
    ----------
    sources
        Which force and files (default: Leicestershire Police, committed files).
    data_to, data_from
        Optional reporting period, ``YYYY-MM`` inclusive. Rows outside it are excluded
        and counted in the quality record; months inside it without data are listed as
        missing.

    Returns
    -------
    crimes : DataFrame
        One row per crime or ASB incident: ``month`` (Timestamp, first of month),
        ``crime_id``, ``crime_type``, ``last_outcome``, ``lsoa_code``, ``lsoa_name``,
        ``district`` (the force's local authority, or NaN when outside the force area or
        without a location), ``csp``, ``la_name`` (the LSOA's own local authority, any
        force), ``district_from`` (``"lookup"``, or ``"LSOA name"`` for an LSOA the 2011
        lookup does not hold, placed by :func:`place_rows`), ``longitude``, ``latitude``,
        ``location``, ``has_location``,
        ``in_force_area``, ``reported_by``, ``falls_within``, ``context``,
        ``source_file``, ``line``.
    quality : DataQuality
        Sources, rows excluded and why, missing months, rows without a location, rows
        outside the force area, and the metrics ``share geocoded`` and ``share outside
        the force area``.

    Raises
    ------
    DataError
        When a file cannot be used (see :func:`scrutiny.data.police_uk.read_street`).
    """
    sources = sources or DataSources()
    key, files = crimes_key(sources)
    listed = find_files(sources.path("street_crime"), "street", record=False)
    others = [f for f in listed if f not in set(files)]
    df, meta, _ = store.cached_frame("crimes", key, lambda: _build(sources, files, others))
    q = DataQuality.from_dict(meta["quality"])

    for name, value in (("data_from", data_from), ("data_to", data_to)):
        if value is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", str(value)):
            raise ParamsError("parameters", f"{name}={value!r} is not a month written YYYY-MM")
    month = df["month"]
    first = month.min() if len(df) else None
    keep = np.ones(len(df), dtype=bool)
    if data_to is not None:
        to = pd.Timestamp(f"{data_to}-01")
        if first is not None and to < first:
            raise ParamsError(
                "parameters",
                f"data_to={data_to!r} is before the first month of data ({first:%Y-%m})",
            )
        after = (month > to).to_numpy()
        q.exclude(f"after the reporting period (data_to {data_to})", int(after.sum()))
        keep &= ~after
    if data_from is not None:
        before = (month < pd.Timestamp(f"{data_from}-01")).to_numpy()
        q.exclude(f"before the reporting period (data_from {data_from})", int(before.sum()))
        keep &= ~before
    if not keep.all():
        df = df.loc[keep].reset_index(drop=True)

    present = sorted(pd.Timestamp(m).strftime("%Y-%m") for m in df["month"].unique())
    q.missing_months = months_without_data(present, data_from=data_from, data_to=data_to)

    n = len(df)
    located = int(df["has_location"].sum())
    outside = int((df["has_location"] & ~df["in_force_area"]).sum())
    asb = int((df["crime_type"] == ASB).sum())
    q.metrics.update(
        {
            "period": f"{present[0]} to {present[-1]}" if present else "none",
            "months covered": len(present),
            "rows kept": n,
            "crimes": n - asb,
            "anti-social behaviour incidents": asb,
            "share geocoded": round(located / n, 4) if n else 0.0,
            "share outside the force area": round(outside / located, 4) if located else 0.0,
        }
    )
    return df, q


def months_without_data(
    present: list[str], *, data_from: str | None = None, data_to: str | None = None
) -> list[str]:
    """Months from the first (or ``data_from``) to the last (or ``data_to``) not in ``present``."""
    if not present and not (data_from and data_to):
        return []
    lo = data_from or min(present)
    hi = data_to or max(present)
    full = [str(p) for p in pd.period_range(lo, hi, freq="M")]
    have = set(present)
    return [m for m in full if m not in have]
