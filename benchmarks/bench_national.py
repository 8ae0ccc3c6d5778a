"""National build benchmark: synthetic police.uk street files, the project's ingest against DuckDB.

The input is a **synthetic national archive** in police.uk's published layout,
``YYYY-MM/YYYY-MM-<force>-street.csv.gz`` (one gzipped CSV per force and month, the 12 street
columns in the published order), for the 43 territorial forces of England and Wales over 36
months (2023-01 to 2025-12) with 11,600 rows per force and month: 17,956,800 rows. Crime
types follow their shares in the 2025 national counts; anti-social behaviour rows have no
Crime ID and no outcome, as published; about 1.5% of rows have no location. The set is
generated once (seeded, numpy and pyarrow, two processes; about 2-4 minutes on the 2-core
machine; not timed) under ``benchmarks/.data/`` (git-ignored) and reused while the
parameters are the same.

Then, in the same run, each in a child process of its own (wall time and peak resident
memory of that process, ``resource.getrusage(RUSAGE_SELF).ru_maxrss``):

(a) **the project's ingest**: :func:`scrutiny.data.national.build_store` (what
    ``scrutiny national-counts`` and the national briefing use: list and check the files,
    hash them for the store key, read them with DuckDB, write the Parquet store partitioned
    by force and month, check every row's month) into an empty store folder;
(b) **plain DuckDB**: ``COPY (SELECT * FROM read_csv('<glob>')) TO 'x.parquet'`` of the same
    files, DuckDB's defaults (auto-detected types, every core, its default memory limit);
(c) **one force's KPI series from the built store, warm**: every police.uk KPI of the
    registry (``all_crime``, ``burglary``, ...) as a monthly count for one force:
    :func:`scrutiny.analysis.kpis.store_kpi_counts` (only that force's partitions, counted
    in DuckDB by month, crime type and outcome; then each KPI's groups summed). The first
    call (cold) and the second (warm, what is timed against the target) run in the same
    process; the result is then checked, untimed, against the same counts taken row by row
    (every row of the force read into pandas, :func:`scrutiny.analysis.kpis.select_rows`
    per KPI).

Before (a) and (b) every input file is read once, so both find it in the page cache.

Targets (issue 13, on the 2-core machine): peak memory of the build under 4 GiB; build time
at most 1.5 times the plain DuckDB build; the warm force series under 0.5 s. Each figure is
printed as ``BENCH <name> <value> <unit>``.

    .venv/bin/python benchmarks/bench_national.py            # 43 forces x 36 months
    .venv/bin/python benchmarks/bench_national.py --quick    # 43 forces x 3 months
    .venv/bin/python benchmarks/bench_national.py --quick --repeat 3   # medians of 3 pairs

With ``--repeat N`` the build and the DuckDB copy run as N adjacent pairs (the order swapped
every other pair, each into empty folders); times and the build/DuckDB ratio are medians (the
ratio is the median of the pairs' ratios), peaks the maximum. On a shared machine single
figures vary by a factor of two or more from one run to the next.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / ".data"

#: The published street-file header, in order.
COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]

#: The 43 territorial forces of England and Wales: (file slug, "Falls within" name).
FORCES = [
    ("avon-and-somerset", "Avon and Somerset Constabulary"),
    ("bedfordshire", "Bedfordshire Police"),
    ("cambridgeshire", "Cambridgeshire Constabulary"),
    ("cheshire", "Cheshire Constabulary"),
    ("city-of-london", "City of London Police"),
    ("cleveland", "Cleveland Police"),
    ("cumbria", "Cumbria Constabulary"),
    ("derbyshire", "Derbyshire Constabulary"),
    ("devon-and-cornwall", "Devon & Cornwall Police"),
    ("dorset", "Dorset Police"),
    ("durham", "Durham Constabulary"),
    ("dyfed-powys", "Dyfed-Powys Police"),
    ("essex", "Essex Police"),
    ("gloucestershire", "Gloucestershire Constabulary"),
    ("greater-manchester", "Greater Manchester Police"),
    ("gwent", "Gwent Police"),
    ("hampshire", "Hampshire Constabulary"),
    ("hertfordshire", "Hertfordshire Constabulary"),
    ("humberside", "Humberside Police"),
    ("kent", "Kent Police"),
    ("lancashire", "Lancashire Constabulary"),
    ("leicestershire", "Leicestershire Police"),
    ("lincolnshire", "Lincolnshire Police"),
    ("merseyside", "Merseyside Police"),
    ("metropolitan", "Metropolitan Police Service"),
    ("norfolk", "Norfolk Constabulary"),
    ("north-wales", "North Wales Police"),
    ("north-yorkshire", "North Yorkshire Police"),
    ("northamptonshire", "Northamptonshire Police"),
    ("northumbria", "Northumbria Police"),
    ("nottinghamshire", "Nottinghamshire Police"),
    ("south-wales", "South Wales Police"),
    ("south-yorkshire", "South Yorkshire Police"),
    ("staffordshire", "Staffordshire Police"),
    ("suffolk", "Suffolk Constabulary"),
    ("surrey", "Surrey Police"),
    ("sussex", "Sussex Police"),
    ("thames-valley", "Thames Valley Police"),
    ("warwickshire", "Warwickshire Police"),
    ("west-mercia", "West Mercia Police"),
    ("west-midlands", "West Midlands Police"),
    ("west-yorkshire", "West Yorkshire Police"),
    ("wiltshire", "Wiltshire Police"),
]

#: Crime types and their 2025 national counts (data/raw/police-uk/national-2025-counts).
CRIME_TYPES = {
    "Violence and sexual offences": 1497121,
    "Anti-social behaviour": 660815,
    "Shoplifting": 336015,
    "Criminal damage and arson": 322749,
    "Public order": 289544,
    "Other theft": 244900,
    "Vehicle crime": 164627,
    "Drugs": 135292,
    "Burglary": 134654,
    "Other crime": 100238,
    "Possession of weapons": 41210,
    "Robbery": 34035,
    "Bicycle theft": 31768,
    "Theft from the person": 22489,
}
ASB = "Anti-social behaviour"

#: Last outcome categories of crimes, with rough shares (illustrative, not published figures).
OUTCOMES = {
    "Investigation complete; no suspect identified": 30,
    "Unable to prosecute suspect": 28,
    "Under investigation": 10,
    "Status update unavailable": 8,
    "Local resolution": 4,
    "Awaiting court outcome": 3,
    "Court result unavailable": 3,
    "Further investigation is not in the public interest": 2,
    "Action to be taken by another organisation": 2,
    "Formal action is not in the public interest": 1,
    "Further action is not in the public interest": 1,
    "Offender given a caution": 1,
    "Offender given penalty notice": 1,
    "Offender sent to prison": 1,
    "Offender given community sentence": 1,
    "Offender fined": 1,
    "Offender given suspended prison sentence": 1,
    "Suspect charged as part of another case": 1,
    "Defendant found not guilty": 1,
}
NO_LOCATION_SHARE = 0.015

WALES = {"dyfed-powys", "gwent", "north-wales", "south-wales"}

_STREET_A = [
    "Church", "Station", "Victoria", "Park", "Mill", "London", "High", "Queen", "King",
    "Green", "Manor", "North", "South", "West", "Albert", "Grange", "Springfield", "Windsor",
    "Chapel", "Meadow", "Oak", "Elm", "Ash", "Birch", "Cedar", "Willow", "Orchard", "Brook",
    "Castle", "Abbey", "Bridge", "Market", "New", "Main", "School", "Forest", "Hill", "Moor",
]  # fmt: skip
_STREET_B = ["Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Place"]


def months_of(n: int, last: str = "2025-12") -> list[str]:
    """The ``n`` months ending at ``last``, oldest first (``YYYY-MM``)."""
    y, m = map(int, last.split("-"))
    idx = y * 12 + (m - 1)
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(idx - n + 1, idx + 1)]


def file_name(month: str, slug: str) -> str:
    """Path of a street file inside the archive: ``YYYY-MM/YYYY-MM-<slug>-street.csv.gz``."""
    return f"{month}/{month}-{slug}-street.csv.gz"


def _force_pools(seed: int, fi: int) -> dict[str, np.ndarray]:
    """A force's places: LSOAs (code, name, centroid) and streets, the same every month."""
    rng = np.random.default_rng([seed, fi, 0])
    n_lsoa, n_street = 600, 1500
    country = "W" if FORCES[fi][0] in WALES else "E"
    first = rng.integers(0, 1_000_000 - n_lsoa)
    codes = np.array([f"{country}01{c:06d}" for c in range(first, first + n_lsoa)])
    district = [f"{FORCES[fi][1].split()[0]} District {k + 1}" for k in range(8)]
    names = np.array([f"{district[i % 8]} {i // 8 + 1:03d}{'ABCDE'[i % 5]}" for i in range(n_lsoa)])
    lon0, lat0 = rng.uniform(-4.5, 0.5), rng.uniform(50.5, 54.5)
    lon = np.round(lon0 + rng.normal(0, 0.15, n_lsoa), 6)
    lat = np.round(lat0 + rng.normal(0, 0.1, n_lsoa), 6)
    streets = np.array(
        [
            f"On or near {_STREET_A[a]} {_STREET_B[b]}"
            for a, b in zip(
                rng.integers(0, len(_STREET_A), n_street),
                rng.integers(0, len(_STREET_B), n_street),
                strict=True,
            )
        ]
    )
    return {"code": codes, "name": names, "lon": lon, "lat": lat, "street": streets}


def _fixed6(values: np.ndarray):
    """Decimal degrees as police.uk prints them: six decimals (``-1.211133``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    micro = np.rint(np.abs(values) * 1e6).astype(np.int64)
    sign = pa.array(np.where(values < 0, "-", ""))
    whole = pa.array(micro // 1_000_000).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(micro % 1_000_000).cast(pa.string()), width=6, padding="0")
    return pc.binary_join_element_wise(sign, whole, ".", frac, "")


def street_table(seed: int, fi: int, mi: int, month: str, rows: int, pools=None):
    """One force-month of synthetic street rows as a pyarrow Table (the 12 columns, as text).

    Parameters
    ----------
    seed, fi, mi
        Seed, force index in :data:`FORCES`, month index: together they fix every value.
    month
        ``YYYY-MM``.
    rows
        Number of rows.
    pools
        The force's places from :func:`_force_pools` (computed when not given).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    pools = pools if pools is not None else _force_pools(seed, fi)
    rng = np.random.default_rng([seed, fi, mi + 1])
    types = list(CRIME_TYPES)
    p = np.array(list(CRIME_TYPES.values()), dtype=float)
    ctype = rng.choice(len(types), rows, p=p / p.sum())
    asb = ctype == types.index(ASB)
    ids = np.frombuffer(rng.bytes(32 * rows).hex().encode(), dtype="S64")
    q = np.array(list(OUTCOMES.values()), dtype=float)
    outcome = rng.choice(len(OUTCOMES), rows, p=q / q.sum())
    lsoa = rng.integers(0, len(pools["code"]), rows)
    street = rng.integers(0, len(pools["street"]), rows)
    noloc = rng.random(rows) < NO_LOCATION_SHARE
    jitter = rng.normal(0, 0.005, (2, rows))
    lon = pools["lon"][lsoa] + jitter[0]
    lat = pools["lat"][lsoa] + jitter[1]

    def take(pool, idx: np.ndarray, null: np.ndarray | None = None):
        out = pa.array(pool, type=pa.string()).take(pa.array(idx))
        if null is not None:
            out = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), out)
        return out

    location = pc.if_else(pa.array(noloc), pa.scalar("No Location"), take(pools["street"], street))
    const = np.zeros(rows, dtype=np.int8)
    return pa.table(
        {
            "Crime ID": pa.array(ids, mask=asb, type=pa.binary()).cast(pa.string()),
            "Month": take([month], const),
            "Reported by": take([FORCES[fi][1]], const),
            "Falls within": take([FORCES[fi][1]], const),
            "Longitude": pc.if_else(pa.array(noloc), pa.scalar(None, pa.string()), _fixed6(lon)),
            "Latitude": pc.if_else(pa.array(noloc), pa.scalar(None, pa.string()), _fixed6(lat)),
            "Location": location,
            "LSOA code": take(pools["code"], lsoa, noloc),
            "LSOA name": take(pools["name"], lsoa, noloc),
            "Crime type": take(types, ctype),
            "Last outcome category": take(list(OUTCOMES), outcome, asb),
            "Context": pa.nulls(rows, pa.string()),
        }
    )


def csv_bytes(table) -> bytes:
    """The table as police.uk writes it: its header, no quotes, empty cells for nulls.

    No synthetic value holds a comma, a quote or a line break, so none needs quoting.
    """
    import pyarrow.compute as pc

    lines = pc.binary_join_element_wise(
        *table.columns, ",", null_handling="replace", null_replacement=""
    )
    body = "\n".join(lines.to_pylist())
    return (",".join(COLUMNS) + "\n" + body + "\n").encode()


def _write_force(args: tuple[Path, int, int, list[str], int, int]) -> int:
    root, seed, fi, months, rows, level = args
    pools = _force_pools(seed, fi)
    for mi, month in enumerate(months):
        table = street_table(seed, fi, mi, month, rows, pools)
        out = root / file_name(month, FORCES[fi][0])
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(gzip.compress(csv_bytes(table), compresslevel=level, mtime=0))
        os.replace(tmp, out)
    return len(months)


def generate(
    root: str | Path,
    *,
    forces: int = 43,
    months: int = 36,
    rows: int = 11_600,
    seed: int = 13,
    workers: int | None = None,
    level: int = 6,
) -> Path:
    """Write a synthetic national archive (folder per month, one gzipped file per force).

    Parameters
    ----------
    root
        The archive folder (created).
    forces
        How many forces, the first ``forces`` of :data:`FORCES` (at most 43).
    months
        How many months, ending 2025-12.
    rows
        Rows in each file.
    seed
        Seed: the same parameters write byte-identical files.
    workers
        Processes writing files (default: the cores); 1 writes in this process.
    level
        gzip compression level.

    Returns
    -------
    Path
        ``root``.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if not 1 <= forces <= len(FORCES):
        raise ValueError(f"forces must be 1 to {len(FORCES)}")
    mlist = months_of(months)
    jobs = [(root, seed, fi, mlist, rows, level) for fi in range(forces)]
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for job in jobs:
            _write_force(job)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_write_force, jobs))
    return root


def cached_archive(forces: int, months: int, rows: int, seed: int) -> Path:
    """The generated archive under ``benchmarks/.data/``, generated when absent or incomplete."""
    params = {"forces": forces, "months": months, "rows": rows, "seed": seed, "version": 1}
    root = DATA / f"police-uk-f{forces}-m{months}-r{rows}-s{seed}"
    done = root / "generated.json"
    if done.exists() and json.loads(done.read_text()) == params:
        print(f"# reusing the synthetic archive {root.relative_to(REPO)}")
        return root
    if root.exists():
        shutil.rmtree(root)
    t0 = time.perf_counter()
    generate(root, forces=forces, months=months, rows=rows, seed=seed)
    done.write_text(json.dumps(params) + "\n")
    print(f"# generated {root.relative_to(REPO)} in {time.perf_counter() - t0:.0f} s (not timed)")
    return root


# -- the measured steps, each run in a child process ------------------------------------------


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def step_build(archive: Path, work: Path) -> dict:
    """(a) The project's ingest into an empty store folder."""
    from scrutiny.data import national

    t0 = time.perf_counter()
    store = national.build_store(archive, store_root=work / "store")
    secs = time.perf_counter() - t0
    rows = sum(r["rows"] for r in json.loads((store / "files.json").read_text()))
    return {"seconds": secs, "peak_gib": _peak_gib(), "rows": rows, "store": str(store)}


def step_checks(archive: Path, work: Path) -> dict:
    """Part of (a) alone, for the record: list and check the files and compute the store key."""
    from scrutiny.data import national

    t0 = time.perf_counter()
    with national.archive_files(archive) as files:
        national.store_key(files)
    return {"seconds": time.perf_counter() - t0, "files": len(files)}


def step_duckdb(archive: Path, work: Path) -> dict:
    """(b) Plain DuckDB: every file read with ``read_csv`` and copied to one Parquet file."""
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    glob = (archive / "*" / "*-street.csv.gz").as_posix()
    out = (work / "plain.parquet").as_posix()
    con.execute(f"COPY (SELECT * FROM read_csv('{glob}', header=true)) TO '{out}' (FORMAT parquet)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
    con.close()
    secs = time.perf_counter() - t0
    return {"seconds": secs, "peak_gib": _peak_gib(), "rows": int(rows)}


def force_series(store: Path, slug: str):
    """Monthly count of every police.uk KPI of the registry for one force, from the store.

    :func:`scrutiny.analysis.kpis.store_kpi_counts`: counted in DuckDB by month, crime
    type and outcome, then each KPI's groups summed. Returns a DataFrame indexed by month,
    one column per KPI.
    """
    from scrutiny.analysis.kpis import store_kpi_counts

    return store_kpi_counts(store, slug)


def rows_series(store: Path, slug: str):
    """The same series counted row by row (every row of the force read into pandas, each
    KPI's rows selected): a check on :func:`force_series`, not timed."""
    import pandas as pd

    from scrutiny.analysis.kpis import load_registry, select_rows
    from scrutiny.data import national

    kpis = {k: v for k, v in load_registry().items() if v.definition.source == "police_uk"}
    rows = national.read_force(store, slug, columns=["crime_type", "last_outcome"])
    months = pd.Index(sorted(rows["month"].unique()), name="month")
    return pd.DataFrame(
        {
            k: rows[select_rows(v.definition, rows)]
            .groupby("month")
            .size()
            .reindex(months, fill_value=0)
            .astype("int64")
            for k, v in kpis.items()
        },
        index=months,
    )


def step_series(store: Path, slug: str) -> dict:
    """(c) One force's KPI series from the built store: cold (first call), then warm."""
    import pandas as pd

    t0 = time.perf_counter()
    first = force_series(store, slug)
    t1 = time.perf_counter()
    second = force_series(store, slug)
    t2 = time.perf_counter()
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(second, rows_series(store, slug))  # the same counts
    return {
        "cold_s": t1 - t0,
        "warm_s": t2 - t1,
        "months": len(second),
        "kpis": second.shape[1],
        "all_crime": int(second["all_crime"].sum()),
    }


def _child(step: str, *args: str) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, "--child", step, *args],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SCRUTINY_INPUTS_LOG"},
    )
    if res.returncode:
        raise SystemExit(f"step {step} failed (exit {res.returncode}):\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="43 forces x 3 months (1.5 M rows)")
    ap.add_argument("--forces", type=int, default=43)
    ap.add_argument("--months", type=int, default=None, help="default 36 (3 with --quick)")
    ap.add_argument("--rows", type=int, default=11_600, help="rows per force and month")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--repeat", type=int, default=1, help="build/DuckDB pairs (medians reported); default 1"
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        if a.child == "build":
            out = step_build(Path(a.args[0]), Path(a.args[1]))
        elif a.child == "checks":
            out = step_checks(Path(a.args[0]), Path(a.args[1]))
        elif a.child == "duckdb":
            out = step_duckdb(Path(a.args[0]), Path(a.args[1]))
        else:
            out = step_series(Path(a.args[0]), a.args[1])
        print(json.dumps(out))
        return
    months = a.months or (3 if a.quick else 36)
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    archive = cached_archive(a.forces, months, a.rows, a.seed)
    files = sorted(archive.glob("*/*-street.csv.gz"))
    gz = sum(f.stat().st_size for f in files)
    t0 = time.perf_counter()
    for f in files:  # into the page cache, so neither build pays the disk
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass
    print(
        f"# input: {len(files)} files, {a.forces} forces x {months} months x {a.rows} rows "
        f"= {a.forces * months * a.rows:,} rows, {gz / 2**30:.2f} GiB gzipped "
        f"(read once in {time.perf_counter() - t0:.1f} s)"
    )
    builds, ducks, ratios = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        for i in range(a.repeat):
            work = Path(tmp) / str(i)
            work.mkdir()
            # one pair at a time, the order swapped every other time: the ratio of a pair
            # is measured under the same load; the median is of those ratios
            order = ("build", "duckdb") if i % 2 == 0 else ("duckdb", "build")
            got = {step: _child(step, str(archive), str(work)) for step in order}
            builds.append(got["build"])
            ducks.append(got["duckdb"])
            ratios.append(got["build"]["seconds"] / got["duckdb"]["seconds"])
            if a.repeat > 1:
                print(
                    f"# pair {i + 1} ({' then '.join(order)}): build "
                    f"{got['build']['seconds']:.2f} s, DuckDB {got['duckdb']['seconds']:.2f} s, "
                    f"ratio {ratios[-1]:.3f}; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
                )
            if i < a.repeat - 1:
                shutil.rmtree(work)
        checks = _child("checks", str(archive), str(work))
        slug = "leicestershire" if a.forces > 21 else FORCES[0][0]
        series = _child("series", builds[-1]["store"], slug)
    med = statistics.median
    build = {
        "seconds": med(b["seconds"] for b in builds),
        "peak_gib": max(b["peak_gib"] for b in builds),
        "rows": builds[-1]["rows"],
    }
    duck = {
        "seconds": med(d["seconds"] for d in ducks),
        "peak_gib": max(d["peak_gib"] for d in ducks),
        "rows": ducks[-1]["rows"],
    }
    if a.repeat > 1:
        print(f"# {a.repeat} pairs: times and the ratio are medians, peaks the maximum")
    expected = a.forces * months * a.rows
    for name, r in (("project build", build), ("plain DuckDB", duck)):
        note = "" if r["rows"] == expected else f"  (EXPECTED {expected:,} ROWS)"
        print(f"# {name}: {r['rows']:,} rows{note}")
    ratio = med(ratios)
    print(
        f"# {slug}: {series['kpis']} KPIs x {series['months']} months, "
        f"cold {series['cold_s']:.3f} s; all_crime total {series['all_crime']:,}; "
        "equal to the row-by-row counts"
    )
    print(
        f"# of the build: {checks['seconds']:.1f} s listing, checking and hashing the files "
        "(measured apart, in a fresh process)"
    )
    print(f"BENCH national_rows {expected} rows")
    print(f"BENCH national_build_s {build['seconds']:.2f} s")
    print(f"BENCH national_build_peak_gib {build['peak_gib']:.2f} GiB")
    print(f"BENCH national_duckdb_s {duck['seconds']:.2f} s")
    print(f"BENCH national_duckdb_peak_gib {duck['peak_gib']:.2f} GiB")
    print(f"BENCH national_build_vs_duckdb {ratio:.3f} ratio")
    print(f"BENCH force_series_cold_s {series['cold_s']:.3f} s")
    print(f"BENCH force_series_warm_s {series['warm_s']:.3f} s")
    print(f"# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    scale = "" if (a.forces, months, a.rows) == (43, 36, 11_600) else " (not the full 18 M set)"
    print(f"# targets{scale}:")
    print(f"#   build peak < 4 GiB: {build['peak_gib']:.2f} GiB, {_verdict(build['peak_gib'] < 4)}")
    print(f"#   build <= 1.5 x plain DuckDB: {ratio:.2f}, {_verdict(ratio <= 1.5)}")
    warm = series["warm_s"]
    print(f"#   force series warm < 0.5 s: {warm:.3f} s, {_verdict(warm < 0.5)}")


if __name__ == "__main__":
    main()
