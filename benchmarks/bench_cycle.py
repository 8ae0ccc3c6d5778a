"""Time ``scrutiny run`` (cold and warm) against the plain way of producing the same pages.

The plain way, per notebook and one after another: the ``papermill`` command, then
``jupyter nbconvert --to html --no-input``. Both use the same notebooks, parameters and
``scrutiny`` kernel, and each starts with an empty data cache (``SCRUTINY_CACHE_DIR`` points
at a new folder), so "cold" pays for parsing the data and building the cycle's assessment.
"Warm" is a second ``scrutiny run`` with nothing changed. Targets on the 2-core build
machine: cold at most 0.6 of the plain way; warm under 2 s.

Each figure is also printed as a ``BENCH <name> <value> <unit>`` line.

    .venv/bin/python benchmarks/bench_cycle.py            # the fixture cycle
    .venv/bin/python benchmarks/bench_cycle.py --real     # and params/cycles/2022-11.yaml
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from scrutiny.run.params import notebook_path, validate_cycle

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURE = REPO / "tests" / "fixtures" / "cycle" / "2022-11.yaml"
REAL = REPO / "params" / "cycles" / "2022-11.yaml"
COLD_TARGET, WARM_TARGET = 0.6, 2.0


def timed(
    cmd: list[str | Path], cache: Path | None = None, **kwargs
) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ)
    if cache is not None:
        env["SCRUTINY_CACHE_DIR"] = str(cache)
    t0 = time.perf_counter()
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, **kwargs)
    return time.perf_counter() - t0, res


def plain_way(cycle_file: Path, names: list[str], work: Path, cache: Path) -> float:
    """papermill then nbconvert, serially, for each briefing; return seconds."""
    cycle, params = validate_cycle(cycle_file)
    total = 0.0
    for b in cycle.briefings:
        if b.name not in names:
            continue
        nb = notebook_path(b)
        out = work / f"{b.name}.ipynb"
        secs, res = timed(
            [
                BIN / "papermill",
                nb,
                out,
                "-k",
                "scrutiny",
                "--cwd",
                nb.parent,
                "-y",
                yaml.safe_dump(params[b.name]),
                "--no-progress-bar",
            ],
            cache,
        )
        total += secs
        if res.returncode:
            print(f"  plain: papermill failed for {b.name}:\n{res.stderr[-800:]}")
        secs, res = timed(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", out, "--output-dir", work],
            cache,
        )
        total += secs
        if res.returncode:
            print(f"  plain: nbconvert failed for {b.name}:\n{res.stderr[-800:]}")
    return total


def bench(cycle_file: Path, names: list[str] | None, label: str) -> dict[str, float]:
    cycle, _ = validate_cycle(cycle_file)
    names = names or [b.name for b in cycle.briefings]
    print(f"\n{cycle_file.relative_to(REPO)}: {len(names)} briefing(s): {', '.join(names)}")
    if not names:
        print("  nothing to time")
        return {}
    with tempfile.TemporaryDirectory(prefix="bench-cycle-") as tmp:
        work = Path(tmp)
        (work / "plain").mkdir()
        plain = plain_way(cycle_file, names, work / "plain", work / "plain-cache")
        run = [BIN / "scrutiny", "run", cycle_file, "--reports-dir", work / "reports"]
        run += ["--only", ",".join(names)]
        cold, res = timed(run, work / "cache")
        if res.returncode:
            print(f"  scrutiny cold run exit {res.returncode}:\n{res.stdout[-1500:]}")
        warm, res = timed(run, work / "cache")
        if res.returncode:
            print(f"  scrutiny warm run exit {res.returncode}:\n{res.stdout[-1500:]}")
        skipped = res.stdout.count("skipped (up to date)")
    ratio = cold / plain
    cold_ok = "ok" if ratio <= COLD_TARGET else "MISSED"
    warm_ok = "ok" if warm < WARM_TARGET else "MISSED"
    print(f"  plain way (papermill + nbconvert, serial): {plain:6.2f} s")
    print(f"  scrutiny run, cold:                        {cold:6.2f} s  ratio {ratio:.2f}")
    print(f"  scrutiny run, warm ({skipped}/{len(names)} skipped):       {warm:6.2f} s")
    print(f"  targets: cold <= {COLD_TARGET} x plain: {cold_ok}; warm < {WARM_TARGET} s: {warm_ok}")
    print(f"BENCH {label}_plain_serial_s {plain:.2f} s")
    print(f"BENCH {label}_cold_s {cold:.2f} s")
    print(f"BENCH {label}_cold_vs_plain {ratio:.3f} ratio")
    print(f"BENCH {label}_warm_s {warm:.2f} s")
    return {"plain": plain, "cold": cold, "warm": warm}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", action="store_true", help="also time params/cycles/2022-11.yaml")
    args = ap.parse_args()
    # The fixture cycle's "broken" briefing fails on purpose; time the two that succeed.
    bench(FIXTURE, ["summary", "closed_summary"], "fixture_cycle")
    if args.real:
        bench(REAL, None, "cycle")


if __name__ == "__main__":
    main()
