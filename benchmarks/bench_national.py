"""National ingest of the police.uk 2025 street files: cold, warm and one force, with peak memory.

Each step runs in a fresh Python process (so its peak resident memory is its own, read from
``resource.getrusage``; psutil's figure too when installed):

* ``cold``: an empty store folder; DuckDB reads every gzipped CSV and writes the Parquet
  store partitioned by force and month, then counts by month, force and crime type;
* ``warm``: the same call again: the store is found (the files are hashed to check), and
  only the counts are computed;
* ``one_force``: Leicestershire's rows read from the store (its partitions only);
* ``loader_folder`` / ``loader_glob``: the force loader (:func:`scrutiny.data.load_crimes`,
  empty cache) pointed at the whole national folder (it reads every force's rows, then
  keeps Leicestershire's) or at a glob of Leicestershire's files only.

Input: ``/work/shared/data/police-uk/national-2025`` when present (15 forces), else the
committed ``data/raw/police-uk/national-2025`` (2 forces). Output: ``BENCH <name> <value>
<unit>`` lines.

    .venv/bin/python benchmarks/bench_national.py [--path FOLDER_OR_ZIP]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared/data/police-uk/national-2025")
COMMITTED = REPO / "data" / "raw" / "police-uk" / "national-2025"


def _peak_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024


def child(step: str, path: Path, root: Path) -> None:
    """Run one step in this process and print a JSON line of its figures."""
    from scrutiny.data import national

    t0 = time.perf_counter()
    if step in ("cold", "warm"):
        store = national.build_store(path, store_root=root)
        counts = national.monthly_counts(store)
        rows = int(counts["count"].sum())
        extra = {"count_rows": len(counts), "forces": int(counts["force"].nunique())}
    elif step == "one_force":
        store = next(p for p in root.glob("national-*") if p.is_dir())
        df = national.read_force(store, "leicestershire")
        rows = len(df)
        extra = {}
    else:  # the force loader (scrutiny.data.load_crimes), cold cache, folder or glob
        from scrutiny import config
        from scrutiny.data import DataSources, load_crimes

        config.CACHE_DIR = root / f"cache-{step}"
        street = str(path) if step == "loader_folder" else f"{path}/*/*-leicestershire-street.csv*"
        df, _ = load_crimes(DataSources(street_crime=street), data_to="2025-12")
        rows = len(df)
        extra = {}
    secs = time.perf_counter() - t0
    out = {"step": step, "seconds": secs, "rows": rows, "peak_mb": _peak_mb(), **extra}
    try:
        import psutil

        out["rss_now_mb"] = psutil.Process().memory_info().rss / 2**20
    except ImportError:
        pass
    if step == "cold":
        out["store_mb"] = sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) / 2**20
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--path", type=Path, default=SHARED if SHARED.exists() else COMMITTED)
    ap.add_argument(
        "--child",
        choices=["cold", "warm", "one_force", "loader_folder", "loader_glob"],
        help=argparse.SUPPRESS,
    )
    ap.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.path, args.root)
        return
    src_mb = sum(p.stat().st_size for p in args.path.rglob("*.gz")) / 2**20
    files = len(list(args.path.rglob("*-street.csv*")))
    print(f"# input {args.path}: {files} files, {src_mb:.1f} MB gzipped")
    with tempfile.TemporaryDirectory(prefix="bench-national-") as tmp:
        for step in ("cold", "warm", "one_force", "loader_folder", "loader_glob"):
            res = subprocess.run(
                [sys.executable, __file__, "--child", step, "--path", args.path, "--root", tmp],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(res.stdout.strip().splitlines()[-1])
            print(f"BENCH national_{step}_seconds {r['seconds']:.2f} s")
            print(f"BENCH national_{step}_peak_rss {r['peak_mb']:.0f} MB")
            print(f"BENCH national_{step}_rows {r['rows']} rows")
            if "store_mb" in r:
                print(f"BENCH national_store_size {r['store_mb']:.1f} MB")
            if "forces" in r:
                print(f"BENCH national_{step}_forces {r['forces']} forces")


if __name__ == "__main__":
    main()
