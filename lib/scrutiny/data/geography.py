"""Geography: LSOA (2011) to local authority (district) to police force, and CSPs.

The ONS lookup in ``data/raw/ons`` covers England only, so Welsh forces cannot be placed
on the LSOA map (peer comparisons that need LSOA population are England-only). It also
leaves 3,335 LSOAs in 54 local authorities without a force; each of those authorities lies
wholly inside one force area, so :data:`LA_FORCE_FILL` fills them and the quality record
counts the LSOAs filled.

Community safety partnerships (CSPs): in Leicester, Leicestershire and Rutland each CSP is
one local authority (Leicester, Blaby, Charnwood, Harborough, Hinckley and Bosworth,
Melton, North West Leicestershire, Oadby and Wigston, Rutland), so by default the CSP of a
district is the district. Forces whose CSPs merge districts pass ``DataSources.csp_map``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc

from scrutiny import provenance
from scrutiny.data.csvio import first_false, line_of, read_csv
from scrutiny.data.quality import DataQuality, SourceUsed
from scrutiny.data.rawfiles import RawFile
from scrutiny.data.sources import DataSources
from scrutiny.errors import DataError

LOOKUP_COLUMNS = [
    "Region code",
    "Region name",
    "Local authority code",
    "Local authority name",
    "MSOA Code",
    "MSOA Name",
    "LSOA Code",
    "LSOA Name",
    "Police force",
]

# Local authorities (2011 codes) the ONS lookup leaves without a police force. Each lies
# wholly within one force area (the county it belonged to in 2011), so the force follows.
LA_FORCE_FILL: dict[str, str] = {
    # Hertfordshire
    "E07000097": "Hertfordshire",  # East Hertfordshire
    "E07000100": "Hertfordshire",  # St Albans
    "E07000101": "Hertfordshire",  # Stevenage
    "E07000104": "Hertfordshire",  # Welwyn Hatfield
    # Suffolk
    "E07000200": "Suffolk",  # Babergh
    "E07000201": "Suffolk",  # Forest Heath
    "E07000203": "Suffolk",  # Mid Suffolk
    "E07000204": "Suffolk",  # St Edmundsbury
    # Northamptonshire
    "E07000151": "Northamptonshire",  # Daventry
    "E07000155": "Northamptonshire",  # South Northamptonshire
    # Nottinghamshire
    "E07000172": "Nottinghamshire",  # Broxtowe
    "E07000173": "Nottinghamshire",  # Gedling
    "E07000176": "Nottinghamshire",  # Rushcliffe
    # Northumbria
    "E06000048": "Northumbria",  # Northumberland
    "E08000020": "Northumbria",  # Gateshead
    # Hampshire
    "E07000084": "Hampshire",  # Basingstoke and Deane
    "E07000089": "Hampshire",  # Hart
    "E07000092": "Hampshire",  # Rushmoor
    # Kent
    "E07000107": "Kent",  # Dartford
    "E07000109": "Kent",  # Gravesham
    # Devon and Cornwall
    "E07000040": "Devon and Cornwall",  # East Devon
    "E07000042": "Devon and Cornwall",  # Mid Devon
    "E07000043": "Devon and Cornwall",  # North Devon
    "E07000044": "Devon and Cornwall",  # South Hams
    "E07000045": "Devon and Cornwall",  # Teignbridge
    "E07000046": "Devon and Cornwall",  # Torridge
    "E07000047": "Devon and Cornwall",  # West Devon
    # Dorset
    "E07000048": "Dorset",  # Christchurch
    "E07000049": "Dorset",  # East Dorset
    "E07000050": "Dorset",  # North Dorset
    "E07000051": "Dorset",  # Purbeck
    "E07000052": "Dorset",  # West Dorset
    "E07000053": "Dorset",  # Weymouth and Portland
    # Avon and Somerset
    "E07000187": "Avon and Somerset",  # Mendip
    "E07000188": "Avon and Somerset",  # Sedgemoor
    "E07000189": "Avon and Somerset",  # South Somerset
    "E07000190": "Avon and Somerset",  # Taunton Deane
    "E07000191": "Avon and Somerset",  # West Somerset
    # Warwickshire
    "E07000221": "Warwickshire",  # Stratford-on-Avon
    "E07000222": "Warwickshire",  # Warwick
    # West Mercia
    "E07000234": "West Mercia",  # Bromsgrove
    "E07000235": "West Mercia",  # Malvern Hills
    "E07000236": "West Mercia",  # Redditch
    "E07000237": "West Mercia",  # Worcester
    "E07000238": "West Mercia",  # Wychavon
    "E07000239": "West Mercia",  # Wyre Forest
    # North Yorkshire
    "E07000163": "North Yorkshire",  # Craven
    "E07000164": "North Yorkshire",  # Hambleton
    "E07000165": "North Yorkshire",  # Harrogate
    "E07000166": "North Yorkshire",  # Richmondshire
    "E07000167": "North Yorkshire",  # Ryedale
    "E07000168": "North Yorkshire",  # Scarborough
    "E07000169": "North Yorkshire",  # Selby
}

WELSH_FORCES = ("Dyfed-Powys", "Gwent", "North Wales", "South Wales")

# Non-geographic bodies in the Home Office tables: recorded crime, but not a force area.
NON_TERRITORIAL = {
    "britishtransport",
    "actionfraud",
    "cifas",
    "ukfinance",
    "financialfraudactionuk",
}


@lru_cache(maxsize=4096)  # pure, and called once per row of the national tables
def force_key(name: str) -> str:
    """Normalise a force name so every publication's spelling matches.

    ``"Leicestershire Police"``, ``"Leicestershire"``, ``"Devon & Cornwall Police"`` /
    ``"Devon and Cornwall"``, ``"London, City of"`` / ``"City of London Police"`` and
    ``"Metropolitan Police Service"`` / ``"Metropolitan Police"`` each give one key.
    """
    s = name.strip().lower().replace("&", " and ")
    s = re.sub(r"^london,\s*city of$", "city of london", s)
    s = re.sub(r"\b(police service|constabulary|police|service)\b", " ", s)
    return re.sub(r"[^a-z]", "", s)


def district_name(la_name: str) -> str:
    """Local authority name as a district name: ``"Leicester UA"`` -> ``"Leicester"``."""
    return re.sub(r"\s+UA$", "", la_name.strip())


@lru_cache(maxsize=4)
def _read_lookup(path: Path, sha: str) -> tuple[pd.DataFrame, int]:
    raw = RawFile(path)
    t = read_csv(raw, LOOKUP_COLUMNS)
    bad = first_false(pc.match_substring_regex(t.column("LSOA Code"), r"^[EW]01\d{6}$"))
    if bad is not None:
        raise DataError(
            raw.label,
            f"has LSOA code {t.column('LSOA Code')[bad].as_py()!r}",
            expected="a 2011 LSOA code like E01025631",
            row=line_of(bad),
            column="LSOA Code",
        )
    df = t.to_pandas()
    dup = df["LSOA Code"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataError(
            raw.label,
            f"lists LSOA {df['LSOA Code'].iat[i]} twice",
            expected="each LSOA once",
            row=line_of(i),
            column="LSOA Code",
        )
    out = pd.DataFrame(
        {
            "lsoa_code": df["LSOA Code"],
            "lsoa_name": df["LSOA Name"],
            "msoa_code": df["MSOA Code"],
            "la_code": df["Local authority code"],
            "la_name": df["Local authority name"],
            "district": df["Local authority name"].map(district_name),
            "region": df["Region name"],
            "force": df["Police force"],
        }
    )
    missing = out["force"].isna()
    out["force_filled"] = missing & out["la_code"].isin(list(LA_FORCE_FILL))
    out.loc[missing, "force"] = out.loc[missing, "la_code"].map(LA_FORCE_FILL)
    return out, int(missing.sum())


def load_lsoa_lookup(path: str | Path, quality: DataQuality | None = None) -> pd.DataFrame:
    """Read the LSOA (2011) lookup to local authority and police force.

    Parameters
    ----------
    path
        ``lsoa-2011-to-police-force.csv(.gz)``: columns Region code, Region name, Local
        authority code, Local authority name, MSOA Code, MSOA Name, LSOA Code, LSOA Name,
        Police force.
    quality
        Record to add the gap-filling note to.

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, msoa_code, la_code, la_name, district, region, force,
        force_filled``: one row per LSOA; ``district`` is the local authority name without
        " UA"; ``force_filled`` marks LSOAs whose force came from :data:`LA_FORCE_FILL`.
    """
    p = Path(path)
    rec = provenance.record_input(p, period="2011 LSOAs", description="ONS LSOA to force lookup")
    df, filled = _read_lookup(p.resolve(), rec.sha256)
    if quality is not None:
        quality.add_source(SourceUsed("LSOA to police force lookup", rec.path, rows=len(df)))
        still = int(df["force"].isna().sum())
        quality.warn("LSOA lookup: no police force", still, "LSOAs that match no force")
    df.attrs["filled"] = filled
    return df.copy()


@dataclass(frozen=True)
class ForceGeography:
    """A force's areas.

    Attributes
    ----------
    force
        The force's name as the ONS lookup spells it (e.g. ``"Leicestershire"``).
    lsoas
        ``lsoa_code, lsoa_name, district, la_code, csp`` for the force's LSOAs.
    districts
        ``district, la_code, csp, lsoas``: one row per local authority, in name order.
    lookup
        The whole (England) lookup, for placing LSOAs outside the force.
    """

    force: str
    lsoas: pd.DataFrame
    districts: pd.DataFrame
    lookup: pd.DataFrame

    @property
    def district_names(self) -> list[str]:
        """District names, e.g. Blaby ... Rutland."""
        return list(self.districts["district"])


def force_geography(sources: DataSources, quality: DataQuality | None = None) -> ForceGeography:
    """Return the LSOAs, districts and CSPs of ``sources.force``.

    Raises
    ------
    DataError
        When the force is not in the lookup (naming the forces it does have; Welsh forces
        are not in this England-only lookup).
    """
    path = sources.path("lsoa_lookup")
    rec = provenance.record_input(path, period="2011 LSOAs", description="ONS LSOA to force lookup")
    csp = tuple(sorted((sources.csp_map or {}).items()))
    geo = _force_geography(path.resolve(), rec.sha256, sources.force, csp, sources.lsoa_lookup)
    if quality is not None:
        quality.add_source(
            SourceUsed("LSOA to police force lookup", rec.path, rows=len(geo.lookup))
        )
        filled = geo.lookup.set_index("lsoa_code").loc[geo.lsoas["lsoa_code"], "force_filled"]
        quality.warn(
            "LSOA lookup: force filled from local authority",
            int(filled.sum()),
            "the ONS lookup leaves these LSOAs without a force; their local authority lies "
            "wholly in this force area, so the force was filled (see scrutiny.data.geography)",
            severity="note",
        )
    return geo


@lru_cache(maxsize=8)
def _force_geography(
    path: Path, sha: str, force: str, csp: tuple[tuple[str, str], ...], label: str
) -> ForceGeography:
    lookup, _ = _read_lookup(path, sha)
    key = force_key(force)
    names = lookup["force"].dropna().unique()
    keys = lookup["force"].map({n: force_key(n) for n in names})
    mine = lookup.loc[keys == key]
    if mine.empty:
        known = sorted(lookup["force"].dropna().unique())
        welsh = (
            " (Welsh forces are not in this England-only lookup)"
            if key in {force_key(w) for w in WELSH_FORCES}
            else ""
        )
        raise DataError(
            label,
            f"has no LSOAs for force '{force}'{welsh}",
            expected="one of " + ", ".join(known),
            column="Police force",
        )
    csp_map = dict(csp)
    lsoas = mine[["lsoa_code", "lsoa_name", "district", "la_code"]].reset_index(drop=True)
    lsoas["csp"] = lsoas["district"].map(lambda d: csp_map.get(d, d))
    districts = (
        lsoas.groupby(["district", "la_code", "csp"], as_index=False)
        .size()
        .rename(columns={"size": "lsoas"})
        .sort_values("district", ignore_index=True)
    )
    return ForceGeography(
        force=str(mine["force"].iloc[0]), lsoas=lsoas, districts=districts, lookup=lookup
    )


#: A police.uk LSOA name: the local authority's name, a space, three digits and a letter.
LSOA_NAME = re.compile(r"^(?P<la>.*\S)\s+\d{3}[A-Z]$")


def district_from_lsoa_name(name: object) -> str | None:
    """The local authority an LSOA name begins with, or None when it has no such form.

    Every LSOA name police.uk publishes (2011 or 2021 vintage) is the name of the local
    authority the LSOA lay in when the names were set, then a number and a letter, so the
    district needs no lookup of the right vintage.

    Examples
    --------
    >>> district_from_lsoa_name("Charnwood 012A")
    'Charnwood'
    >>> district_from_lsoa_name("Hinckley and Bosworth 001E")
    'Hinckley and Bosworth'
    >>> district_from_lsoa_name("") is None
    True
    """
    if not isinstance(name, str):
        return None
    m = LSOA_NAME.match(name.strip())
    return m["la"] if m else None


def place_lsoas(
    lsoas: pd.DataFrame,
    lookup: pd.DataFrame | None = None,
    quality: DataQuality | None = None,
) -> pd.DataFrame:
    """Districts for LSOAs of any vintage: from a lookup when given, else from the name.

    Parameters
    ----------
    lsoas
        ``lsoa_code`` and ``lsoa_name`` (one row per LSOA, or per crime).
    lookup
        A lookup of the *same* vintage (``lsoa_code``, ``district``), e.g. a 2021 LSOA to
        local authority lookup; None when none is held. Codes it lacks fall back to names.
    quality
        Where to record how many LSOAs were placed by name (a note) and how many could
        not be placed (a warning).

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, district, district_from`` (``"lookup"``, ``"LSOA name"``
        or None when neither places it; rows without an LSOA are never placed).
    """
    out = lsoas[["lsoa_code", "lsoa_name"]].copy()
    out["district"] = None
    out["district_from"] = None
    if lookup is not None:
        known = lookup.drop_duplicates("lsoa_code").set_index("lsoa_code")["district"]
        d = out["lsoa_code"].map(known)
        out.loc[d.notna(), "district"] = d[d.notna()]
        out.loc[d.notna(), "district_from"] = "lookup"
    todo = out["district"].isna()
    named = out.loc[todo, "lsoa_name"].map(district_from_lsoa_name)
    hit = named.notna()
    out.loc[named.index[hit], "district"] = named[hit]
    out.loc[named.index[hit], "district_from"] = "LSOA name"
    if quality is not None:
        by_name = out.loc[out["district_from"] == "LSOA name", "lsoa_code"].nunique()
        lsoa, district = name_example(out)
        quality.warn(
            "district taken from the LSOA name",
            by_name,
            "LSOAs placed in the local authority their police.uk name begins with "
            f"(e.g. '{lsoa}' -> {district})"
            + (
                " because the lookup given does not hold them"
                if lookup is not None
                else " because no lookup of their vintage (2021) is held"
            ),
            severity="note",
        )
        lost = out["district"].isna() & out["lsoa_code"].notna() & (out["lsoa_code"] != "")
        quality.warn(
            "LSOA with no district",
            int(lost.sum()),
            "rows whose LSOA is in no lookup given and whose name is not '<authority> 012A'",
        )
    return out


#: The example of an LSOA placed by its name when the force's data hold none.
NAME_EXAMPLE = ("Charnwood 012A", "Charnwood")


def name_example(placed: pd.DataFrame, districts: Sequence[str] = ()) -> tuple[str, str]:
    """An LSOA placed by its name and its district, as an example for the reader.

    The first LSOA of ``placed`` (:func:`place_lsoas` output) placed by name, in one of
    ``districts`` when any is, so each force's pages show one of its own;
    :data:`NAME_EXAMPLE` when none was placed by name.
    """
    by_name = placed[placed["district_from"] == "LSOA name"]
    if by_name.empty:
        return NAME_EXAMPLE
    own = by_name[by_name["district"].isin(list(districts))]
    first = (own if len(own) else by_name).iloc[0]
    return str(first["lsoa_name"]), str(first["district"])


#: Column names accepted for an LSOA -> district lookup of any vintage (ONS spells them by
#: year: LSOA21CD / LAD22NM, LSOA11CD / LAD11NM, ...).
_LOOKUP_CODE = re.compile(r"^(lsoa_code|LSOA\d{2}CD)$", re.IGNORECASE)
_LOOKUP_NAME = re.compile(r"^(district|la_name|LAD\d{2}NM|LTLA\d{2}NM)$", re.IGNORECASE)


def load_district_lookup(path: str | Path) -> pd.DataFrame:
    """Read an LSOA to local authority lookup of any vintage (e.g. ONS's 2021 LSOA lookup).

    Parameters
    ----------
    path
        CSV (plain or gzip) with an LSOA code column (``lsoa_code`` or ``LSOAyyCD``) and a
        local-authority name column (``district``, ``la_name``, ``LADyyNM`` or
        ``LTLAyyNM``); other columns are ignored.

    Returns
    -------
    DataFrame
        ``lsoa_code, district`` (one row per LSOA; " UA" dropped from names).

    Raises
    ------
    DataError
        When either column is missing, or an LSOA is given two districts.
    """
    p = Path(path)
    rec = provenance.record_input(p, description="LSOA to local authority lookup")
    del rec
    df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    code = next((c for c in df.columns if _LOOKUP_CODE.match(c.strip())), None)
    name = next((c for c in df.columns if _LOOKUP_NAME.match(c.strip())), None)
    if code is None or name is None:
        raise DataError(
            str(path),
            f"has no {'LSOA code' if code is None else 'local authority name'} column",
            row=1,
            expected="columns such as LSOA21CD and LAD22NM (or lsoa_code and district)",
        )
    out = pd.DataFrame({"lsoa_code": df[code].str.strip(), "district": df[name].map(district_name)})
    out = out[out["lsoa_code"] != ""].drop_duplicates()
    dup = out["lsoa_code"].duplicated(keep=False)
    if dup.any():
        first = out.loc[dup, "lsoa_code"].iloc[0]
        raise DataError(
            str(path),
            f"gives LSOA {first} more than one district",
            column=code,
            expected="one local authority per LSOA",
        )
    return out.reset_index(drop=True)
