"""Benchmark: loading the 35 months of police.uk street crime, cold and warm, with peak memory.

Each measurement runs in a fresh Python process (so nothing is held in memory between
them): "cold" starts with an empty cache and reads, checks and joins the 35 gzipped CSVs,
then writes the Parquet cache; "warm" starts a new process that finds the cache. Times
exclude the Python and library import, which is reported separately. Peak memory is the
process's maximum resident set size.

Targets (issue 3, on the 2-core reference machine): cold under 3 s, warm under 0.3 s; a
missed one is printed (NOT MET), the exit code stays 0. Each figure is also printed as a
``BENCH <name> <value> <unit>`` line.

    .venv/bin/python benchmarks/bench_load.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from scrutiny.data import load_crimes, load_extract
t1 = time.perf_counter()
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
what = sys.argv[1]
if what == "crimes":
    df, q = load_crimes(data_to="2022-10")
else:
    df, q = load_extract(data_to="2022-10")
t2 = time.perf_counter()
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "rows": len(df),
                  "peak_rss_mb": rss1 / 1024, "rss_after_import_mb": rss0 / 1024}))
"""

TARGETS = {("crimes", "cold"): 3.0, ("crimes", "warm"): 0.3}


def run(what: str, cache: str) -> dict:
    env = {**os.environ, "SCRUTINY_CACHE_DIR": cache}
    env.pop("SCRUTINY_INPUTS_LOG", None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, what], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict[tuple[str, str], list[dict]] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cache:
            for what in ("crimes", "extract"):
                results.setdefault((what, "cold"), []).append(run(what, cache))
                results.setdefault((what, "warm"), []).append(run(what, cache))
    head = ["table", "cache", "rows", "load s", "import s", "peak MB"]
    print(f"{head[0]:8} {head[1]:5} " + " ".join(f"{h:>8}" for h in head[2:]) + "  target")
    bench = []
    for (what, state), runs in results.items():
        load = statistics.median(r["load_s"] for r in runs)
        imp = statistics.median(r["import_s"] for r in runs)
        peak = max(r["peak_rss_mb"] for r in runs)
        target = TARGETS.get((what, state))
        verdict = ""
        if target is not None:
            verdict = f"< {target} s {'met' if load < target else 'NOT MET'}"
        bench.append(f"BENCH load_{what}_{state}_s {load:.3f} s")
        bench.append(f"BENCH load_{what}_{state}_peak_mb {peak:.0f} MB")
        print(
            f"{what:8} {state:5} {runs[0]['rows']:>8,} {load:>8.3f} {imp:>8.3f} {peak:>8.0f}  "
            f"{verdict}"
        )
    print(f"(median of {args.repeat} runs; the extract is the synthetic one, generated cold)")
    print("\n".join(bench))


if __name__ == "__main__":
    main()
