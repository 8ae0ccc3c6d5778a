"""The force's monthly returns: people, calls (999 and 101) and victim satisfaction.

Three CSV files, documented in ``docs/force-returns.md``:

* the **people return** (:data:`PEOPLE_SCHEMA`): one row per month, strength against
  establishment for officers, staff and PCSOs (FTE), joiners and leavers, working days
  lost to sickness, complaint allegations logged and how long informal handling took;
* the **calls return** (:data:`CALLS_SCHEMA`): one row per month, 999 calls offered and
  answered within 10 seconds, 101 calls offered, answered and abandoned;
* the **victim satisfaction return** (:data:`VICTIMS_SCHEMA`): one row per month and
  survey group (:data:`VICTIM_GROUPS`), victims asked and victims satisfied with the
  whole experience.

:func:`load_return` reads and checks any of them: every cell is checked and the first bad
one is a :class:`~scrutiny.errors.DataError` naming the file, line, column and what was
expected (exit code 2, as for every data error). A file whose first line is
``# SYNTHETIC ...`` is synthetic: the frame's ``synthetic`` column is True and every
page built on it says so; such figures are never graded, never exceptions and never a
public finding.

No force has supplied these returns yet, so the committed ones
(``data/raw/force-returns/``) are SYNTHETIC examples made by :func:`synthetic_returns`
(fixed seed) from the published national figures in :data:`NATIONAL_FIGURES`, or from
illustrative levels where there is no published figure (said so there).
``python -m scrutiny.data.returns`` writes them again.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scrutiny import provenance
from scrutiny.config import RAW_DIR
from scrutiny.data.rawfiles import display_path
from scrutiny.errors import DataError

RETURNS_DIR = RAW_DIR / "force-returns"
SYNTHETIC_MARK = "# SYNTHETIC"
VICTIM_GROUPS = ("burglary", "violent crime", "vehicle crime", "hate crime", "domestic abuse")


@dataclass(frozen=True)
class Field:
    """One column of a return.

    Its name, kind (``month``, ``count``, ``fte``, ``days``, ``group``), whether it may be
    empty, and what it means.
    """

    name: str
    kind: str
    description: str
    optional: bool = False


PEOPLE_SCHEMA: tuple[Field, ...] = (
    Field("month", "month", "the calendar month, YYYY-MM"),
    Field("officer_establishment", "fte", "funded police officer posts, FTE"),
    Field("officer_strength", "fte", "police officers in post at the month end, FTE"),
    Field("staff_establishment", "fte", "funded police staff posts, FTE"),
    Field("staff_strength", "fte", "police staff in post at the month end, FTE"),
    Field("pcso_establishment", "fte", "funded PCSO posts, FTE"),
    Field("pcso_strength", "fte", "PCSOs in post at the month end, FTE"),
    Field("officer_joiners", "count", "police officers who joined in the month"),
    Field("officer_leavers", "count", "police officers who left in the month"),
    Field("staff_joiners", "count", "police staff who joined in the month"),
    Field("staff_leavers", "count", "police staff who left in the month"),
    Field("officer_sickness_days", "days", "working days lost to officer sickness in the month"),
    Field("staff_sickness_days", "days", "working days lost to staff sickness in the month"),
    Field("complaint_allegations_logged", "count", "complaint allegations logged in the month"),
    Field(
        "complaint_allegations_informal",
        "count",
        "allegations finalised in the month by informal handling (outside Schedule 3)",
    ),
    Field(
        "complaint_informal_days",
        "days",
        "mean working days to finalise those allegations (empty when there were none)",
        optional=True,
    ),
)
CALLS_SCHEMA: tuple[Field, ...] = (
    Field("month", "month", "the calendar month, YYYY-MM"),
    Field("calls_999_offered", "count", "999 calls presented to the force"),
    Field("calls_999_within_10s", "count", "999 calls answered within 10 seconds"),
    Field("calls_101_offered", "count", "101 calls presented to the force"),
    Field("calls_101_answered", "count", "101 calls answered"),
    Field("calls_101_abandoned", "count", "101 calls the caller abandoned before an answer"),
)
VICTIMS_SCHEMA: tuple[Field, ...] = (
    Field("month", "month", "the calendar month of the interviews, YYYY-MM"),
    Field("group", "group", "survey group: " + ", ".join(VICTIM_GROUPS)),
    Field("asked", "count", "victims interviewed who answered the whole-experience question"),
    Field("satisfied", "count", "of those, completely, very or fairly satisfied"),
)
SCHEMAS = {"people": PEOPLE_SCHEMA, "calls": CALLS_SCHEMA, "victims": VICTIMS_SCHEMA}
FILES = {
    "people": "people-return.csv",
    "calls": "calls-return.csv",
    "victims": "victim-satisfaction-return.csv",
}
KIND_EXPECTED = {
    "month": "a month written YYYY-MM",
    "count": "a whole number of zero or more",
    "fte": "a number of zero or more (full-time equivalents)",
    "days": "a number of zero or more",
    "group": "one of " + ", ".join(VICTIM_GROUPS),
}


def _parse(kind: str, text: str) -> object:
    """Parse one cell; raise ValueError when it does not fit ``kind``."""
    t = text.strip()
    if kind == "month":
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", t):
            raise ValueError
        return pd.Timestamp(f"{t}-01")
    if kind == "group":
        if t.lower() not in VICTIM_GROUPS:
            raise ValueError
        return t.lower()
    v = float(t.replace(",", ""))
    if not np.isfinite(v) or v < 0:
        raise ValueError
    if kind == "count":
        if v != round(v):
            raise ValueError
        return int(round(v))
    return v


def _read_text(path: Path, label: str) -> tuple[list[str], bool]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(label, "does not exist", expected="a force return CSV") from None
    except UnicodeDecodeError:
        raise DataError(label, "is not UTF-8 text", expected="a CSV file in UTF-8") from None
    lines = text.splitlines()
    synthetic = bool(lines) and lines[0].upper().startswith(SYNTHETIC_MARK)
    return lines, synthetic


def load_return(path: str | Path, kind: str) -> pd.DataFrame:
    """Read and check a force return.

    Parameters
    ----------
    path
        The CSV file. Lines starting with ``#`` before the header are comments; a first
        line starting ``# SYNTHETIC`` marks the file as synthetic.
    kind
        ``"people"``, ``"calls"`` or ``"victims"``.

    Returns
    -------
    DataFrame
        The schema's columns (``month`` as a Timestamp, counts as int64, FTE and days as
        float, an empty optional cell as NaN), then ``synthetic`` (bool); sorted by month
        (and group). ``attrs["source"]`` is the file.

    Raises
    ------
    DataError
        A missing or extra column, a cell that does not fit its column, a month given
        twice (or a month and group twice), a month missing between the first and last,
        and the return's own arithmetic (answered within 10 seconds more than offered;
        101 answered and abandoned more than offered; satisfied more than asked;
        informal days given with no allegation finalised).
    """
    if kind not in SCHEMAS:
        raise ValueError(f"kind must be one of {', '.join(SCHEMAS)}, not {kind!r}")
    p = Path(path)
    label = display_path(p)
    schema = SCHEMAS[kind]
    lines, synthetic = _read_text(p, label)
    start = 0
    while start < len(lines) and (lines[start].startswith("#") or not lines[start].strip()):
        start += 1
    if start >= len(lines):
        raise DataError(label, "has no header", expected="a header row: " + _names(schema))
    rows = list(csv.reader(io.StringIO("\n".join(lines[start:]))))
    header = [h.strip() for h in rows[0]]
    names = [f.name for f in schema]
    for f in names:
        if f not in header:
            raise DataError(
                label, f"has no column '{f}'", expected="columns " + _names(schema), row=start + 1
            )
    extra = [h for h in header if h not in names]
    if extra:
        raise DataError(
            label,
            f"has a column '{extra[0]}' the {kind} return does not define",
            expected="only the columns " + _names(schema) + " (docs/force-returns.md)",
            row=start + 1,
            column=extra[0],
        )
    pos = {h: i for i, h in enumerate(header)}
    data: dict[str, list] = {f.name: [] for f in schema}
    lines_of: list[int] = []
    for k, row in enumerate(rows[1:]):
        line = start + 2 + k
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise DataError(
                label,
                f"has {len(row)} cells",
                expected=f"{len(header)} cells, one per column of the header",
                row=line,
            )
        for f in schema:
            cell = row[pos[f.name]]
            if not cell.strip() and f.optional:
                data[f.name].append(np.nan)
                continue
            try:
                data[f.name].append(_parse(f.kind, cell))
            except ValueError:
                raise DataError(
                    label,
                    f"has {cell!r}" if cell.strip() else "is empty",
                    expected=KIND_EXPECTED[f.kind] + f" ({f.description})",
                    row=line,
                    column=f.name,
                ) from None
        lines_of.append(line)
    if not lines_of:
        raise DataError(label, "has a header but no data rows", row=start + 2)
    df = pd.DataFrame(data)
    _check(df, kind, label, np.asarray(lines_of))
    provenance.record_input(p, description=f"force {kind} return", synthetic=synthetic)
    df["synthetic"] = synthetic
    keys = ["month", "group"] if kind == "victims" else ["month"]
    df = df.sort_values(keys).reset_index(drop=True)
    for f in schema:
        if f.kind == "count":
            df[f.name] = df[f.name].astype("int64")
        elif f.kind in ("fte", "days"):
            df[f.name] = df[f.name].astype(float)
    df.attrs["source"] = label
    return df


def _names(schema: tuple[Field, ...]) -> str:
    return ", ".join(f.name for f in schema)


def _fail(label: str, lines: np.ndarray, mask: np.ndarray, column: str, problem, expected):
    i = int(np.flatnonzero(mask)[0])
    raise DataError(label, problem(i), expected=expected, row=int(lines[i]), column=column)


def _check(df: pd.DataFrame, kind: str, label: str, lines: np.ndarray) -> None:
    keys = ["month", "group"] if kind == "victims" else ["month"]
    dup = df.duplicated(keys).to_numpy()
    if dup.any():
        what = "month and group" if kind == "victims" else "month"
        _fail(
            label,
            lines,
            dup,
            keys[-1],
            lambda i: (
                f"gives {what} {df['month'].iat[i]:%Y-%m}"
                + (f", {df['group'].iat[i]}" if kind == "victims" else "")
                + " twice"
            ),
            f"each {what} once",
        )
    months = pd.DatetimeIndex(sorted(set(df["month"])))
    every = pd.date_range(months[0], months[-1], freq="MS")
    gone = every.difference(months)
    if len(gone):
        raise DataError(
            label,
            "has no row for " + ", ".join(m.strftime("%Y-%m") for m in gone),
            expected=f"every month from {months[0]:%Y-%m} to {months[-1]:%Y-%m}",
            column="month",
        )
    if kind == "calls":
        bad = (df["calls_999_within_10s"] > df["calls_999_offered"]).to_numpy()
        if bad.any():
            _fail(
                label,
                lines,
                bad,
                "calls_999_within_10s",
                lambda i: (
                    f"says {df['calls_999_within_10s'].iat[i]} 999 calls were answered "
                    f"within 10 seconds of {df['calls_999_offered'].iat[i]} offered"
                ),
                "no more than calls_999_offered",
            )
        used = df["calls_101_answered"] + df["calls_101_abandoned"]
        bad = (used > df["calls_101_offered"]).to_numpy()
        if bad.any():
            _fail(
                label,
                lines,
                bad,
                "calls_101_abandoned",
                lambda i: (
                    f"says {df['calls_101_answered'].iat[i]} 101 calls were answered and "
                    f"{df['calls_101_abandoned'].iat[i]} abandoned of "
                    f"{df['calls_101_offered'].iat[i]} offered"
                ),
                "answered plus abandoned no more than calls_101_offered",
            )
    if kind == "victims":
        bad = (df["satisfied"] > df["asked"]).to_numpy()
        if bad.any():
            _fail(
                label,
                lines,
                bad,
                "satisfied",
                lambda i: f"says {df['satisfied'].iat[i]} satisfied of {df['asked'].iat[i]} asked",
                "no more satisfied than asked",
            )
    if kind == "people":
        bad = (
            (df["complaint_allegations_informal"] == 0) & df["complaint_informal_days"].notna()
        ).to_numpy()
        if bad.any():
            _fail(
                label,
                lines,
                bad,
                "complaint_informal_days",
                lambda i: "gives a mean time to finalise with no allegation finalised",
                "an empty cell when complaint_allegations_informal is 0",
            )
        missing = (
            (df["complaint_allegations_informal"] > 0) & df["complaint_informal_days"].isna()
        ).to_numpy()
        if missing.any():
            _fail(
                label,
                lines,
                missing,
                "complaint_informal_days",
                lambda i: "is empty although allegations were finalised",
                "the mean working days to finalise them",
            )


def load_returns(folder: str | Path = RETURNS_DIR) -> dict[str, pd.DataFrame]:
    """The three returns in ``folder`` (:data:`FILES`), keyed ``people``, ``calls``, ``victims``."""
    d = Path(folder)
    return {k: load_return(d / name, k) for k, name in FILES.items()}


# ------------------------------------------------------------------------- synthetic

#: Published national figures the synthetic returns are built from (cited in
#: data/README.md). Anything not here is illustrative and said so in :data:`ILLUSTRATIVE`.
NATIONAL_FIGURES = {
    "share_999_within_10s": (
        0.71,
        "Home Office 999 call answering data, first release 31 May 2022: 71% of 999 calls "
        "answered within 10 seconds, November 2021 to April 2022, against the 90% standard",
    ),
    "complaint_allegations_per_1000_employees_per_year": (
        264.0,
        "IOPC, Police complaints: statistics for England and Wales 2018/19: 264 allegations "
        "per 1,000 employees",
    ),
    "complaint_informal_days": (
        16.0,
        "IOPC police complaints statistics 2022/23 (Home Office written answer, 22 January "
        "2024): allegations handled informally took 16 working days on average to finalise",
    ),
    "officer_establishment": (
        2242.0,
        "Police and Crime Panel, 16 May 2022 (seed paper 004): the budget maintains 2,242 "
        "officers, the national uplift requirement",
    ),
}
#: Levels with no published national figure behind them: illustrative only.
ILLUSTRATIVE = {
    "calls_999_per_month": 18_000,
    "calls_101_per_month": 30_000,
    "share_101_abandoned": 0.15,
    "satisfaction": {
        "burglary": 0.82,
        "violent crime": 0.72,
        "vehicle crime": 0.70,
        "hate crime": 0.76,
        "domestic abuse": 0.86,
    },
    "asked_per_group_per_month": 90,
    "staff_establishment": 1_400.0,
    "pcso_establishment": 200.0,
    "sickness_days_per_fte_per_month": 0.75,
}
SYNTHETIC_SEED = 20221123
SYNTHETIC_MONTHS = ("2019-11", "2022-10")


def synthetic_returns(
    seed: int = SYNTHETIC_SEED, start: str = SYNTHETIC_MONTHS[0], end: str = SYNTHETIC_MONTHS[1]
) -> dict[str, pd.DataFrame]:
    """SYNTHETIC example returns for a force the size of Leicestershire (fixed seed).

    The 999 share answered within 10 seconds varies round the national 71%; complaint
    allegations follow the national 264 per 1,000 employees a year and informal
    handling round 16 working days; officer establishment is 2,242 (the force's budget).
    101 volumes and shares, satisfaction levels, staff and PCSO establishment, joiners,
    leavers and sickness are illustrative (:data:`ILLUSTRATIVE`).

    Returns
    -------
    dict
        ``people``, ``calls``, ``victims`` frames in the schemas' column order (months
        as ``YYYY-MM`` text), ready to write.
    """
    rng = np.random.default_rng(seed)
    months = pd.date_range(f"{start}-01", f"{end}-01", freq="MS")
    n = len(months)
    ym = [m.strftime("%Y-%m") for m in months]
    wobble = 0.04 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 0.015, n)
    p999 = np.clip(NATIONAL_FIGURES["share_999_within_10s"][0] + wobble, 0.4, 0.97)
    offered999 = rng.poisson(ILLUSTRATIVE["calls_999_per_month"], n)
    offered101 = rng.poisson(ILLUSTRATIVE["calls_101_per_month"], n)
    p_ab = np.clip(ILLUSTRATIVE["share_101_abandoned"] - wobble, 0.02, 0.5)
    abandoned = rng.binomial(offered101, p_ab)
    # a few calls neither answered nor abandoned (e.g. diverted to another service)
    answered = offered101 - abandoned - rng.binomial(offered101 - abandoned, 0.02)
    calls = pd.DataFrame(
        {
            "month": ym,
            "calls_999_offered": offered999,
            "calls_999_within_10s": rng.binomial(offered999, p999),
            "calls_101_offered": offered101,
            "calls_101_answered": answered,
            "calls_101_abandoned": abandoned,
        }
    )
    vrows = []
    for m in ym:
        for g in VICTIM_GROUPS:
            asked = int(rng.poisson(ILLUSTRATIVE["asked_per_group_per_month"]))
            sat = int(rng.binomial(asked, ILLUSTRATIVE["satisfaction"][g]))
            vrows.append({"month": m, "group": g, "asked": asked, "satisfied": sat})
    victims = pd.DataFrame(vrows)
    est = NATIONAL_FIGURES["officer_establishment"][0]
    officers = np.round(np.linspace(est - 160, est - 10, n) + rng.normal(0, 8, n), 2)
    staff = np.round(ILLUSTRATIVE["staff_establishment"] - 60 + rng.normal(0, 10, n), 2)
    pcso = np.round(ILLUSTRATIVE["pcso_establishment"] - 25 + rng.normal(0, 3, n), 2)
    employees = officers + staff + pcso
    per_year = NATIONAL_FIGURES["complaint_allegations_per_1000_employees_per_year"][0]
    logged = rng.poisson(employees * per_year / 1000 / 12)
    informal = rng.binomial(logged, 0.4)
    days = np.round(NATIONAL_FIGURES["complaint_informal_days"][0] + rng.normal(0, 3, n), 1)
    sick = ILLUSTRATIVE["sickness_days_per_fte_per_month"]
    people = pd.DataFrame(
        {
            "month": ym,
            "officer_establishment": est,
            "officer_strength": officers,
            "staff_establishment": ILLUSTRATIVE["staff_establishment"],
            "staff_strength": staff,
            "pcso_establishment": ILLUSTRATIVE["pcso_establishment"],
            "pcso_strength": pcso,
            "officer_joiners": rng.poisson(22, n),
            "officer_leavers": rng.poisson(12, n),
            "staff_joiners": rng.poisson(14, n),
            "staff_leavers": rng.poisson(13, n),
            "officer_sickness_days": np.round(officers * sick * rng.uniform(0.8, 1.25, n), 0),
            "staff_sickness_days": np.round(staff * sick * rng.uniform(0.8, 1.25, n), 0),
            "complaint_allegations_logged": logged,
            "complaint_allegations_informal": informal,
            "complaint_informal_days": np.where(informal > 0, days, np.nan),
        }
    )
    return {"people": people, "calls": calls, "victims": victims}


SYNTHETIC_HEADER = (
    "# SYNTHETIC example {kind} return, NOT real force data: generated by "
    "scrutiny.data.returns.synthetic_returns(seed={seed}); levels from published national "
    "figures where cited in data/README.md, otherwise illustrative. Never graded.\n"
)


def write_synthetic_returns(folder: str | Path = RETURNS_DIR, seed: int = SYNTHETIC_SEED) -> None:
    """Write :func:`synthetic_returns` to ``folder`` with the SYNTHETIC header line."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    for kind, df in synthetic_returns(seed).items():
        text = SYNTHETIC_HEADER.format(kind=kind, seed=seed) + df.to_csv(
            index=False, lineterminator="\n"
        )
        (d / FILES[kind]).write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - the committed files' generator
    write_synthetic_returns()
