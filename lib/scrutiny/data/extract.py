"""The record-level force extract: its schema, validation, and loading (real or synthetic).

police.uk has no time of day, ages, offender identifiers or flags, but needs assessments
need them. The force extract carries them, one row per crime, in the schema below (also
documented in ``docs/extract-schema.md``). A real extract (CSV or Parquet) plugs in
through ``DataSources.extract`` and is checked against the schema; without one,
:func:`load_extract` generates the synthetic extract (:mod:`scrutiny.data.synthetic`)
from the real police.uk rows and caches it. Either way the analyses see the same columns;
the ``synthetic`` column and the quality record say which it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scrutiny import provenance
from scrutiny.data import store
from scrutiny.data.crimes import crimes_key, load_crimes
from scrutiny.data.geography import force_key
from scrutiny.data.home_office import load_offence_map, load_recorded_crime
from scrutiny.data.ons import load_la_population
from scrutiny.data.police_uk import ASB, CHARGED_OUTCOMES
from scrutiny.data.quality import DataQuality, SourceUsed
from scrutiny.data.rawfiles import display_path
from scrutiny.data.sources import DataSources
from scrutiny.errors import DataError


@dataclass(frozen=True)
class Field:
    """One column of the extract schema."""

    name: str
    kind: str  # string, datetime, date, int, bool, sex
    required: bool
    nullable: bool
    description: str


SEX_VALUES = ("F", "M", "U")  # female, male, unknown / not stated

OUTCOMES = (
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Local resolution",
    "Offender given a caution",
    "Offender given a drugs possession warning",
    "Offender given penalty notice",
    "Formal action is not in the public interest",
    "Further action is not in the public interest",
    "Further investigation is not in the public interest",
    "Action to be taken by another organisation",
    "Under investigation",
    "Status update unavailable",
    *CHARGED_OUTCOMES,
)
PENDING_OUTCOMES = ("Under investigation", "Awaiting court outcome", "Status update unavailable")

SCHEMA: tuple[Field, ...] = (
    Field("reference", "string", True, False, "crime reference, unique"),
    Field("occurred_at", "datetime", True, False, "date and time the crime occurred (local)"),
    Field("offence_code", "string", True, False, "Home Office offence code, e.g. 8N"),
    Field("offence_group", "string", True, False, "Home Office offence group"),
    Field("offence_subgroup", "string", True, False, "Home Office offence subgroup"),
    Field("lsoa_code", "string", True, True, "2011 LSOA where it occurred; empty if unknown"),
    Field("district", "string", True, True, "local authority (district); empty if unknown"),
    Field("victim_age", "int", True, True, "victim age in years; empty if no person victim"),
    Field("victim_sex", "sex", True, True, "F, M or U (unknown); empty if no person victim"),
    Field("suspect_id", "string", True, True, "pseudonymised suspect id; empty if none"),
    Field("suspect_age", "int", True, True, "suspect age in years at the offence"),
    Field("suspect_sex", "sex", True, True, "F, M or U"),
    Field("domestic_abuse", "bool", True, False, "domestic abuse flag"),
    Field("knife_sharp_instrument", "bool", True, False, "knife or sharp instrument flag"),
    Field("night_time_economy", "bool", True, False, "night-time economy flag"),
    Field("public_place", "bool", True, False, "occurred in a public place"),
    Field("outcome", "string", True, True, "outcome (police.uk outcome categories)"),
    Field("outcome_date", "date", True, True, "date of the outcome; empty while pending"),
    Field("synthetic", "bool", False, False, "True for generated rows (added if absent)"),
)
COLUMNS = [f.name for f in SCHEMA]
DERIVED = ["month", "offence_description", "police_uk_category", "serious_violence"]

# The Violence Reduction Network's definition (seed 004): Homicide, Violence with injury,
# Robbery (Home Office groupings).
SERIOUS_VIOLENCE_SUBGROUPS = (
    "Homicide",
    "Violence with injury",
    "Robbery of business property",
    "Robbery of personal property",
)


def _line(i: int, is_csv: bool) -> int | None:
    return i + 2 if is_csv else None


def _err(label: str, i: int, col: str, problem: str, expected: str, is_csv: bool) -> DataError:
    row = _line(i, is_csv)
    if not is_csv:
        problem = f"row {i + 1}: {problem}"
    return DataError(label, problem, expected=expected, row=row, column=col)


def _first(mask: pd.Series | np.ndarray) -> int | None:
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(idx[0]) if idx.size else None


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def validate_extract(
    df: pd.DataFrame,
    offence_map: pd.DataFrame,
    *,
    label: str = "extract",
    is_csv: bool = False,
) -> pd.DataFrame:
    """Check a force extract against the schema and return it typed, with derived columns.

    Parameters
    ----------
    df
        The extract as read (strings from a CSV, or typed columns from Parquet).
    offence_map
        From :func:`scrutiny.data.home_office.load_offence_map`.
    label
        The file name for errors.
    is_csv
        Row numbers in errors are file lines (header = line 1) when True, else row
        positions.

    Returns
    -------
    DataFrame
        The schema columns, typed (``occurred_at`` datetime, ages ``Int64``, flags bool,
        ``outcome_date`` datetime), plus ``month`` (first of month), ``offence_description``,
        ``police_uk_category``, ``serious_violence`` and ``synthetic`` (False if absent).

    Raises
    ------
    DataError
        A missing column; an empty required cell; a date, age, sex or flag that does not
        parse; an unknown offence code or one whose group/subgroup disagrees with the
        Home Office map; a repeated reference; an outcome before the offence.
    """
    missing = [f.name for f in SCHEMA if f.required and f.name not in df.columns]
    if missing:
        raise DataError(
            label,
            f"has no column '{missing[0]}'",
            expected="the extract schema columns " + ", ".join(COLUMNS[:-1]),
            row=1 if is_csv else None,
            column=missing[0],
        )
    out = pd.DataFrame(index=range(len(df)))
    src = df.reset_index(drop=True)
    if len(src) == 0:
        raise DataError(label, "has no rows", expected="one row per crime")
    for f in SCHEMA:
        if f.name not in src.columns:
            out[f.name] = False  # only 'synthetic' may be absent
            continue
        col = src[f.name]
        blank = col.isna() | (col.astype("string").str.strip() == "")
        if not f.nullable and (i := _first(blank)) is not None:
            raise _err(label, i, f.name, "is empty", f.description, is_csv)
        if f.kind == "string":
            out[f.name] = col.astype("string").str.strip().where(~blank, pd.NA)
        elif f.kind in {"datetime", "date"}:
            parsed = pd.to_datetime(col.where(~blank, None), errors="coerce", format="mixed")
            if (i := _first(parsed.isna() & ~blank)) is not None:
                raise _err(
                    label,
                    i,
                    f.name,
                    f"has {col.iat[i]!r}, not a date"
                    + (" and time" if f.kind == "datetime" else ""),
                    "ISO format, e.g. 2022-10-14 23:15" if f.kind == "datetime" else "2022-11-02",
                    is_csv,
                )
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_convert("Europe/London").dt.tz_localize(None)
            out[f.name] = parsed
        elif f.kind == "int":
            num = pd.to_numeric(col.where(~blank, None), errors="coerce")
            bad = (num.isna() & ~blank) | (num.notna() & ((num % 1 != 0) | (num < 0) | (num > 120)))
            if (i := _first(bad)) is not None:
                raise _err(
                    label,
                    i,
                    f.name,
                    f"has {col.iat[i]!r}",
                    "a whole number of years, 0 to 120",
                    is_csv,
                )
            out[f.name] = num.astype("Int64")
        elif f.kind == "bool":
            if pd.api.types.is_bool_dtype(col):
                out[f.name] = col.astype(bool)
                continue
            text = col.astype("string").str.strip().str.lower()
            ok = text.isin(list(_TRUE | _FALSE))
            if (i := _first(~ok.fillna(False))) is not None:
                raise _err(label, i, f.name, f"has {col.iat[i]!r}", "true or false", is_csv)
            out[f.name] = text.isin(list(_TRUE)).astype(bool)
        elif f.kind == "sex":
            text = col.astype("string").str.strip().str.upper()
            bad = ~text.isin(list(SEX_VALUES)) & ~blank
            if (i := _first(bad.fillna(False))) is not None:
                raise _err(label, i, f.name, f"has {col.iat[i]!r}", "F, M or U", is_csv)
            out[f.name] = pd.Categorical(text.where(~blank, None), categories=list(SEX_VALUES))

    ref_dup = out["reference"].duplicated()
    if (i := _first(ref_dup)) is not None:
        raise _err(
            label,
            i,
            "reference",
            f"repeats reference {out['reference'].iat[i]!r}",
            "each crime once",
            is_csv,
        )
    omap = offence_map.set_index("offence_code")
    codes = out["offence_code"]
    if (i := _first(~codes.isin(omap.index))) is not None:
        raise _err(
            label,
            i,
            "offence_code",
            f"has unknown offence code {codes.iat[i]!r}",
            "a Home Office offence code in the offence map",
            is_csv,
        )
    for col, ref in (("offence_group", "offence_group"), ("offence_subgroup", "offence_subgroup")):
        want = codes.map(omap[ref])
        if (i := _first(want.str.lower() != out[col].str.lower())) is not None:
            raise _err(
                label,
                i,
                col,
                f"says {out[col].iat[i]!r} for offence {codes.iat[i]}",
                f"{want.iat[i]!r}, as the Home Office offence map has it",
                is_csv,
            )
    bad_outcome = out["outcome"].notna() & ~out["outcome"].isin(list(OUTCOMES))
    if (i := _first(bad_outcome)) is not None:
        raise _err(
            label,
            i,
            "outcome",
            f"has outcome {out['outcome'].iat[i]!r}",
            "a police.uk outcome category (see docs/extract-schema.md)",
            is_csv,
        )
    early = out["outcome_date"].notna() & (out["outcome_date"] < out["occurred_at"].dt.normalize())
    if (i := _first(early)) is not None:
        raise _err(
            label,
            i,
            "outcome_date",
            "is before the offence occurred",
            "an outcome date on or after occurred_at",
            is_csv,
        )
    orphan = out["suspect_id"].isna() & (out["suspect_age"].notna() | out["suspect_sex"].notna())
    if (i := _first(orphan)) is not None:
        raise _err(
            label,
            i,
            "suspect_id",
            "is empty but the suspect has an age or sex",
            "a suspect_id whenever suspect details are given",
            is_csv,
        )

    out["month"] = out["occurred_at"].dt.to_period("M").dt.to_timestamp()
    out["offence_description"] = codes.map(omap["offence_description"]).astype("string")
    out["police_uk_category"] = codes.map(omap["police_uk_category"]).astype("category")
    out["serious_violence"] = out["offence_subgroup"].isin(list(SERIOUS_VIOLENCE_SUBGROUPS))
    for name in ("offence_code", "offence_group", "offence_subgroup", "district", "outcome"):
        out[name] = out[name].astype("category")
    return out[[*COLUMNS, *DERIVED]]


def read_extract(path: str | Path, offence_map: pd.DataFrame) -> pd.DataFrame:
    """Read and validate a real extract from CSV (plain or .gz) or Parquet."""
    p = Path(path)
    label = display_path(p)
    if not p.exists():
        raise DataError(label, "does not exist", expected="a CSV or Parquet force extract")
    if p.suffix.lower() == ".parquet":
        try:
            df = pd.read_parquet(p)
        except Exception as exc:  # noqa: BLE001 - any reader failure is an unreadable file
            raise DataError(label, f"cannot be read as Parquet ({exc})") from None
        return validate_extract(df, offence_map, label=label, is_csv=False)
    from scrutiny.data.csvio import read_csv
    from scrutiny.data.rawfiles import RawFile

    raw = RawFile(p)
    required = [f.name for f in SCHEMA if f.required]
    table = read_csv(raw, required, optional=["synthetic"])
    return validate_extract(table.to_pandas(), offence_map, label=label, is_csv=True)


def load_extract(
    sources: DataSources | None = None, *, data_to: str | None = None
) -> tuple[pd.DataFrame, DataQuality]:
    """Load the force extract: the real one in ``sources.extract``, else the synthetic one.

    Parameters
    ----------
    sources
        Which force and files. ``sources.extract`` empty means synthetic.
    data_to
        Optional last month (``YYYY-MM``); later rows are excluded and counted.

    Returns
    -------
    extract : DataFrame
        One row per crime, the columns of :data:`SCHEMA` plus ``month``,
        ``offence_description``, ``police_uk_category`` and ``serious_violence``;
        ``synthetic`` is True on every generated row.
    quality : DataQuality
        Inputs (marked synthetic when generated), rows excluded and why.
    """
    sources = sources or DataSources()
    omap = load_offence_map(sources.path("offence_map"))
    if sources.extract is not None:
        p = sources.path("extract")
        rec = provenance.record_input(p, description="force crime extract", synthetic=False)
        df = read_extract(p, omap)
        q = DataQuality(dataset="force extract")
        months = pd.Series(df["month"].unique()).dt.strftime("%Y-%m")
        q.add_source(
            SourceUsed(
                "force extract",
                rec.path,
                rows=len(df),
                period=f"{months.min()} to {months.max()}",
                synthetic=bool(df["synthetic"].any()),
            )
        )
    else:
        df, q = _synthetic(sources)
    if data_to is not None:
        after = df["month"] > pd.Timestamp(f"{data_to}-01")
        q.exclude(f"after the reporting period (data_to {data_to})", int(after.sum()))
        df = df.loc[~after.to_numpy()].reset_index(drop=True)
    q.metrics["extract rows"] = len(df)
    q.metrics["extract is synthetic"] = "yes" if bool(df["synthetic"].any()) else "no"
    return df, q


def _synthetic(sources: DataSources) -> tuple[pd.DataFrame, DataQuality]:
    from scrutiny.data import synthetic

    crimes, cq = load_crimes(sources)
    prc_path = sources.path("home_office_force")
    la_path = sources.path("la_population")
    shas = [
        provenance.sha256_file(sources.path(n))
        for n in ("home_office_force", "offence_map", "la_population")
    ]
    key = store.cache_key(
        synthetic.GENERATOR_VERSION,
        force_key(sources.force),
        crimes_key(sources)[0],
        shas,
        sources.financial_year,
        sources.synthetic_seed,
    )

    def build() -> tuple[pd.DataFrame, dict]:
        q = DataQuality(dataset="force extract (synthetic)")
        prc = load_recorded_crime(prc_path, financial_year=sources.financial_year)
        omap = load_offence_map(sources.path("offence_map"))
        la = load_la_population(la_path)
        df = synthetic.generate_extract(
            crimes, prc, omap, la, sources=sources, seed=sources.synthetic_seed, quality=q
        )
        return df, {"quality": q.to_dict()}

    df, meta, _ = store.cached_frame("extract_synthetic", key, build)
    q = DataQuality.from_dict(meta["quality"])
    provenance.record_input(
        store.cache_path("extract_synthetic", key),
        period=cq.metrics.get("period") if isinstance(cq.metrics.get("period"), str) else None,
        synthetic=True,
        description="synthetic force extract (generated from police.uk rows)",
    )
    for s in cq.sources:
        q.add_source(s)
    q.exclude(
        "anti-social behaviour incidents (not crimes)", int((crimes["crime_type"] == ASB).sum())
    )
    return df, q
