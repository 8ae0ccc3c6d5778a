"""Which files a briefing reads: the :class:`DataSources` parameters model.

Nothing in the data layer is specific to Leicestershire except these defaults. A
briefing's parameters cell holds the force name and the paths as literals and passes them
here, so another force's files work by changing parameters only::

    sources = DataSources(force="Lancashire Constabulary",
                          street_crime="data/raw/police-uk/lancashire")
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from scrutiny import config

RAW = "data/raw"


class DataSources(BaseModel):
    """The force and the raw files to read; paths are relative to the project root.

    Attributes
    ----------
    force
        The force whose crimes are loaded, e.g. ``"Leicestershire Police"``. Matched to the
        other tables on a normalised key (``"Leicestershire"``, ``"Leicestershire Police"``
        and ``"Leicestershire Constabulary"`` are the same force).
    street_crime
        police.uk street-level crime: one CSV (plain or ``.gz``), a folder of monthly
        files, or the zip archive of a police.uk custom download.
    outcomes, stop_and_search
        Optional police.uk outcomes and stop-and-search files (same forms as above).
    home_office_force
        Home Office recorded crime by police force area (CSV, ODS or XLSX).
    home_office_csp
        Optional Home Office recorded crime by community safety partnership.
    financial_year
        Which financial year to read from the Home Office tables (the sheet name in an
        ODS/XLSX workbook), e.g. ``"2017-18"``.
    offence_map
        Home Office offence code to police.uk category mapping.
    lsoa_lookup
        LSOA (2011) to local authority and police force lookup.
    census_population
        2011 Census usual residents per LSOA.
    la_population
        ONS population by local authority, five-year age band and year.
    police_grant, officer_fte
        Grant and officer numbers per force.
    extract
        A real force extract (CSV or Parquet, see ``docs/extract-schema.md``). Empty or
        ``None`` means: generate the synthetic extract from the police.uk rows.
    republished
        Optional later publication of the same police.uk street files (same Crime IDs,
        outcomes moved on), used to measure how outcomes mature
        (:mod:`scrutiny.analysis.maturity`). Empty or ``None``: no measurement.
    csp_map
        Optional map from district name to community safety partnership name, for forces
        whose CSPs merge districts. Empty means each district is its own CSP (true in
        Leicester, Leicestershire and Rutland).
    synthetic_seed
        Seed for the synthetic extract (deterministic).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    force: str = config.DEFAULT_FORCE
    street_crime: str = f"{RAW}/police-uk/leicestershire"
    outcomes: str | None = None
    stop_and_search: str | None = None
    home_office_force: str = f"{RAW}/home-office/prc-pfa-2017-18.csv.gz"
    home_office_csp: str | None = None
    financial_year: str = "2017-18"
    offence_map: str = f"{RAW}/home-office/offence-code-to-policeuk-category.csv"
    lsoa_lookup: str = f"{RAW}/ons/lsoa-2011-to-police-force.csv.gz"
    census_population: str = f"{RAW}/ons/lsoa-2011-census-population.csv.gz"
    la_population: str = f"{RAW}/ons/la-population-projections-2018based.csv"
    police_grant: str = f"{RAW}/home-office/police-grant-2025-26.csv"
    officer_fte: str = f"{RAW}/home-office/officer-fte-2025-03-31.csv"
    extract: str | None = None
    republished: str | None = f"{RAW}/police-uk/leicestershire-republished"
    csp_map: dict[str, str] | None = None
    synthetic_seed: int = 20221123

    @field_validator("outcomes", "stop_and_search", "home_office_csp", "extract", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        # Notebook parameters cannot hold None and keep their type, so "" means "not given".
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return str(v) if isinstance(v, Path) else v

    @field_validator(
        "street_crime",
        "home_office_force",
        "offence_map",
        "lsoa_lookup",
        "census_population",
        "la_population",
        "police_grant",
        "officer_fte",
        mode="before",
    )
    @classmethod
    def _path_str(cls, v: object) -> object:
        return str(v) if isinstance(v, Path) else v

    @field_validator("force")
    @classmethod
    def _force_not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("force must name a police force, e.g. 'Leicestershire Police'")
        return v.strip()

    def path(self, name: str) -> Path:
        """Return the absolute path of source ``name`` (e.g. ``"street_crime"``)."""
        value = getattr(self, name)
        if value is None:
            raise ValueError(f"data source '{name}' is not set")
        return config.resolve(value)

    @property
    def synthetic_extract(self) -> bool:
        """True when no real extract is given, so the extract is generated."""
        return self.extract is None


def default_sources() -> DataSources:
    """Return the default sources: Leicestershire Police and the committed files."""
    return DataSources()
