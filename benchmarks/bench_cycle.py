"""Time ``scrutiny run`` on a whole cycle against two plain ways and against its physical limit.

The cycle is the real default one, ``params/cycles/2022-11.yaml`` (``--fixture``: the
two good briefings of the test fixture cycle instead). Every way runs the same notebooks
with the same resolved parameters (:func:`scrutiny.run.params.validate_cycle`), the same
``scrutiny`` kernel and the notebook's folder as working directory, and each starts with an
empty data cache (``SCRUTINY_CACHE_DIR`` points at a new folder), so each pays for parsing
the data and building the cycle's assessment:

* **plain, serial**: per briefing, one after another, the ``papermill`` command then
  ``jupyter nbconvert --to html --no-input``;
* **plain, parallel**: what a competent analyst would write: a
  ``concurrent.futures.ProcessPoolExecutor(max_workers=os.cpu_count())`` whose task calls
  ``papermill.execute_notebook(..., kernel_name="scrutiny")`` then nbconvert's
  ``HTMLExporter(exclude_input=True)`` in-process and writes the page; briefings are
  submitted in the cycle file's order;
* **scrutiny run, cold**: an empty cache and an empty reports folder, ``--no-pack`` (the
  PDF board packs are not part of the plain ways); **warm**: the same command again,
  nothing changed, three times (the median; a single start of Python varies by a few
  tenths of a second on a shared machine); **pages, warm data**: the same command into an
  empty reports folder with the data cache kept, so every page is made again but no data
  is loaded from the raw files and no assessment built (``..._pages_warm_data_s``): the
  least a cold run could take were the data work free, and its ratio to the parallel
  plain way (``..._pages_warm_data_vs_parallel_plain``), a floor under
  ``..._cold_vs_parallel_plain``;
* **plain, parallel, own caches** (for the record, not a target): the parallel plain way
  with each briefing given an empty cache of its own, so no notebook reads what another
  built (``..._parallel_plain_own_caches_s`` and the cold run's ratio to it,
  ``..._cold_vs_parallel_plain_own_caches``): what each notebook costs alone, and so
  what computing the data and the assessment once per cycle saves. The plain ways above
  share one cache, as notebooks using this library on one machine would.

**Physical limit.** From the executed notebooks of the parallel plain run (papermill
records each cell's wall time in ``metadata.papermill.duration``)::

    limit = (sum over notebooks of the durations of all their code cells) / cores
            + one kernel start

where one kernel start is the time to start the ``scrutiny`` kernel with jupyter_client
and run ``pass`` in it (the fastest of three). It is the wall time of a perfect scheduler
that splits the cells' own work evenly over the cores and pays one kernel start, with no
process start, set-up, rendering or writing. It is optimistic in that a notebook cannot be
split across cores (the longest notebook is printed beside it). It is not a strict lower
bound on every way of working: the cells' durations depend on the data cache (the
notebooks of one run share it: what one notebook builds the next reads) and, in the
parallel run, include the other core's contention and any wait on a cache lock held by the
other worker. So two other limits, the same formula over other cells' durations, are
printed for the record (``..._limit_from_serial_s``: the serial plain run's notebooks, no
contention between them; ``..._limit_from_own_cells_s``: the executed notebooks of the cold
``scrutiny run`` itself) with the cold run's ratio to the smallest of the three
(``..._cold_vs_strictest_limit``). The target is on ``..._limit_s`` as defined above.

Targets (issue 13, real cycle, on the 2-core machine): cold at most 0.5 of the parallel
plain way and at most 1.3 times the physical limit; warm under 1 s. The load average is
printed at the start and end, as other work on the machine slows every figure.

Each figure is also printed as a ``BENCH <name> <value> <unit>`` line (``fixture_cycle_...``
with ``--fixture``).

    .venv/bin/python benchmarks/bench_cycle.py              # params/cycles/2022-11.yaml
    .venv/bin/python benchmarks/bench_cycle.py --fixture    # the test fixture cycle
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from scrutiny.run.params import notebook_path, validate_cycle

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FIXTURE = REPO / "tests" / "fixtures" / "cycle" / "2022-11.yaml"
REAL = REPO / "params" / "cycles" / "2022-11.yaml"
KERNEL = "scrutiny"
VS_PARALLEL_TARGET, VS_LIMIT_TARGET, WARM_TARGET = 0.5, 1.3, 1.0
#: Warm runs timed; the median is reported.
WARM_RUNS = 3
#: What went wrong in this run (a briefing failed, a run crashed): no target is judged then.
PLAIN_FAILURES: list[str] = []


# -- the physical limit -------------------------------------------------------------------------


def code_cell_seconds(nb: Mapping[str, Any]) -> float:
    """Sum of papermill's ``metadata.papermill.duration`` over a notebook's code cells.

    Parameters
    ----------
    nb
        An executed notebook (nbformat JSON as a dict, or a NotebookNode); a cell without
        a duration (never run) counts 0.
    """
    total = 0.0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        total += float(duration or 0.0)
    return total


def physical_limit(
    notebooks: Iterable[Mapping[str, Any]], cores: int, kernel_start_s: float
) -> float:
    """The cycle's physical limit: ``sum(code cells' durations) / cores + kernel_start_s``.

    Parameters
    ----------
    notebooks
        The executed notebooks of the cycle.
    cores
        Cores the work can be spread over.
    kernel_start_s
        One kernel start (start the kernel, run ``pass``).

    Examples
    --------
    >>> nb = lambda *ds: {"cells": [{"cell_type": "code",
    ...                              "metadata": {"papermill": {"duration": d}}} for d in ds]}
    >>> physical_limit([nb(1.0, 2.0), nb(4.0)], cores=2, kernel_start_s=0.5)
    4.0
    """
    if cores < 1:
        raise ValueError("cores must be at least 1")
    return sum(code_cell_seconds(nb) for nb in notebooks) / cores + kernel_start_s


def kernel_start_seconds(kernel: str = KERNEL, repeat: int = 3) -> float:
    """Fastest of ``repeat`` starts of ``kernel`` (start, run ``pass``, reply), in seconds."""
    from jupyter_client.manager import KernelManager

    best = float("inf")
    for _ in range(repeat):
        km = KernelManager(kernel_name=kernel)
        t0 = time.perf_counter()
        km.start_kernel(stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=120)
            kc.execute_interactive("pass", timeout=120)
            best = min(best, time.perf_counter() - t0)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return best


# -- the ways of producing the pages ------------------------------------------------------------


def timed(
    cmd: list[str | Path], cache: Path | None = None, **kwargs: Any
) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ)
    if cache is not None:
        env["SCRUTINY_CACHE_DIR"] = str(cache)
    t0 = time.perf_counter()
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, **kwargs)
    return time.perf_counter() - t0, res


def _jobs(cycle_file: Path, names: list[str]) -> list[tuple[str, Path, dict[str, Any]]]:
    """(name, notebook, parameters) of each briefing timed, in the cycle file's order."""
    cycle, params = validate_cycle(cycle_file)
    return [(b.name, notebook_path(b), params[b.name]) for b in cycle.briefings if b.name in names]


def plain_serial(cycle_file: Path, names: list[str], work: Path, cache: Path) -> float:
    """papermill then nbconvert (the commands), serially, for each briefing; return seconds."""
    total = 0.0
    for name, nb, params in _jobs(cycle_file, names):
        out = work / f"{name}.ipynb"
        cmd = [BIN / "papermill", nb, out, "-k", KERNEL, "--cwd", nb.parent]
        cmd += ["-y", yaml.safe_dump(params), "--no-progress-bar"]
        secs, res = timed(cmd, cache)
        total += secs
        if res.returncode:
            PLAIN_FAILURES.append(f"plain serial: papermill failed for {name}")
            print(f"  plain serial: papermill failed for {name}:\n{res.stderr[-800:]}")
        cmd = [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", out]
        secs, res = timed(cmd + ["--output-dir", work], cache)
        total += secs
        if res.returncode:
            PLAIN_FAILURES.append(f"plain serial: nbconvert failed for {name}")
            print(f"  plain serial: nbconvert failed for {name}:\n{res.stderr[-800:]}")
    return total


def _set_cache(cache: str) -> None:
    os.environ["SCRUTINY_CACHE_DIR"] = cache


def _plain_task(
    nb: str, out_ipynb: str, out_html: str, params: dict[str, Any], cache: str | None = None
) -> str | None:
    """One briefing the parallel plain way: papermill, then nbconvert, in this process.

    ``cache``: a data cache of this briefing's own (default: the pool's, shared).
    """
    import papermill
    from nbconvert import HTMLExporter

    if cache is not None:
        _set_cache(cache)  # the kernel papermill starts inherits it
    try:
        executed = papermill.execute_notebook(
            nb,
            out_ipynb,
            parameters=params,
            kernel_name=KERNEL,
            cwd=str(Path(nb).parent),
            progress_bar=False,
        )
    except Exception as exc:  # report it; the others go on
        return f"{type(exc).__name__}: {str(exc)[-800:]}"
    html, _ = HTMLExporter(exclude_input=True).from_notebook_node(executed)
    Path(out_html).write_text(html, encoding="utf-8")
    return None


def plain_parallel(
    cycle_file: Path, names: list[str], work: Path, cache: Path, own_cache: bool = False
) -> float:
    """A process pool of ``os.cpu_count()`` workers, each briefing one task; return seconds.

    ``own_cache``: each briefing starts with an empty cache of its own (``cache/<name>``),
    so none reads what another built: what each notebook costs run on its own.
    """
    jobs = _jobs(cycle_file, names)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=os.cpu_count(), initializer=_set_cache, initargs=(str(cache),)
    ) as pool:
        futures = {
            name: pool.submit(
                _plain_task,
                str(nb),
                str(work / f"{name}.ipynb"),
                str(work / f"{name}.html"),
                params,
                str(cache / name) if own_cache else None,
            )
            for name, nb, params in jobs
        }
        problems = {name: f.result() for name, f in futures.items()}
    secs = time.perf_counter() - t0
    for name, problem in problems.items():
        if problem:
            what = "plain parallel" + (", own caches" if own_cache else "")
            PLAIN_FAILURES.append(f"{what}: {name} failed")
            print(f"  {what}: {name} failed: {problem}")
    return secs


def _executed(folder: Path, names: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in names:
        path = folder / f"{name}.ipynb"
        if path.exists():
            out.append(json.loads(path.read_text(encoding="utf-8")))
        else:
            PLAIN_FAILURES.append(f"no executed notebook {path.name} in {folder.name}")
            print(f"  no executed notebook {path.name} in {folder.name}: counted as 0 s")
    return out


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def bench(cycle_file: Path, names: list[str] | None, label: str) -> dict[str, float]:
    cycle, _ = validate_cycle(cycle_file)
    names = names or [b.name for b in cycle.briefings]
    cores = os.cpu_count() or 1
    print(f"# {cycle_file.relative_to(REPO)}: {len(names)} briefing(s): {', '.join(names)}")
    print(f"# cores: {cores}; load average at start: {_load()}")
    with tempfile.TemporaryDirectory(prefix="bench-cycle-") as tmp:
        work = Path(tmp)
        for sub in ("serial", "parallel", "parallel-own"):
            (work / sub).mkdir()
        serial = plain_serial(cycle_file, names, work / "serial", work / "serial-cache")
        print(f"# plain serial done ({serial:.1f} s); load {_load()}")
        parallel = plain_parallel(cycle_file, names, work / "parallel", work / "parallel-cache")
        print(f"# plain parallel done ({parallel:.1f} s); load {_load()}")
        own_caches = plain_parallel(
            cycle_file, names, work / "parallel-own", work / "own-caches", own_cache=True
        )
        print(f"# plain parallel, own caches, done ({own_caches:.1f} s); load {_load()}")
        kernel_s = kernel_start_seconds()
        nbs = _executed(work / "parallel", names)
        limit = physical_limit(nbs, cores, kernel_s)
        cells = sum(code_cell_seconds(nb) for nb in nbs)
        longest = max((code_cell_seconds(nb) for nb in nbs), default=0.0)
        limit_serial = physical_limit(_executed(work / "serial", names), cores, kernel_s)
        run = [BIN / "scrutiny", "run", cycle_file, "--reports-dir", work / "reports", "--no-pack"]
        run += ["--only", ",".join(names)]
        failures = PLAIN_FAILURES  # the same list: missing notebooks add to it below
        cold, res = timed(run, work / "cache")
        if res.returncode:
            failures.append(f"scrutiny run (cold) exited {res.returncode}")
            print(f"  scrutiny cold run exit {res.returncode}:\n{res.stdout[-1500:]}")
            print(res.stderr[-1500:])
        own = _executed(work / "reports" / cycle.cycle, names)
        limit_own = physical_limit(own, cores, kernel_s)
        warms = []
        for _ in range(WARM_RUNS):
            seconds, res = timed(run, work / "cache")
            warms.append(seconds)
            if res.returncode:
                break
        warm = statistics.median(warms)
        print(f"# warm runs: {', '.join(f'{w:.2f}' for w in warms)} s (median {warm:.2f} s)")
        if res.returncode:
            failures.append(f"scrutiny run (warm) exited {res.returncode}")
            print(f"  scrutiny warm run exit {res.returncode}:\n{res.stdout[-1500:]}")
            print(res.stderr[-1500:])
        skipped = res.stdout.count("skipped (up to date)")
        # Every page made again into an empty reports folder, the data cache kept: what a
        # cold run would cost if loading the data and building the assessment were free.
        rerun = [BIN / "scrutiny", "run", cycle_file, "--reports-dir", work / "reports-again"]
        rerun += ["--no-pack", "--only", ",".join(names)]
        pages, res = timed(rerun, work / "cache")
        if res.returncode:
            failures.append(f"scrutiny run (pages again) exited {res.returncode}")
            print(f"  scrutiny pages-again run exit {res.returncode}:\n{res.stdout[-1500:]}")
    vs_parallel, vs_limit = cold / parallel, cold / limit
    print(f"# code cells: {cells:.1f} s in all, longest notebook {longest:.1f} s; "
          f"kernel start {kernel_s:.2f} s")  # fmt: skip
    print(f"# warm run: {skipped} of {len(names)} briefings skipped (up to date)")
    print(f"# load average at end: {_load()}")
    print(f"BENCH {label}_plain_serial_s {serial:.2f} s")
    print(f"BENCH {label}_parallel_plain_s {parallel:.2f} s")
    print(f"BENCH {label}_kernel_start_s {kernel_s:.3f} s")
    print(f"BENCH {label}_limit_s {limit:.2f} s")
    print(f"BENCH {label}_cold_s {cold:.2f} s")
    print(f"BENCH {label}_cold_vs_parallel_plain {vs_parallel:.3f} ratio")
    print(f"BENCH {label}_cold_vs_limit {vs_limit:.3f} ratio")
    print(f"BENCH {label}_warm_s {warm:.2f} s")
    strictest = min(limit, limit_serial, limit_own)
    print(f"BENCH {label}_limit_from_serial_s {limit_serial:.2f} s")
    print(f"BENCH {label}_limit_from_own_cells_s {limit_own:.2f} s")
    print(f"BENCH {label}_cold_vs_strictest_limit {cold / strictest:.3f} ratio")
    print(f"BENCH {label}_pages_warm_data_s {pages:.2f} s")
    print(f"BENCH {label}_pages_warm_data_vs_parallel_plain {pages / parallel:.3f} ratio")
    print(f"BENCH {label}_parallel_plain_own_caches_s {own_caches:.2f} s")
    print(f"BENCH {label}_cold_vs_parallel_plain_own_caches {cold / own_caches:.3f} ratio")
    if failures:
        print("# targets NOT JUDGED: the figures above are not valid, because:")
        for f in failures:
            print(f"#   {f}")
        raise SystemExit(1)
    what = "" if label == "cycle" else " (set for the real cycle; this is the fixture)"
    print(f"# targets{what}:")
    print(f"#   cold <= {VS_PARALLEL_TARGET} x parallel plain: {vs_parallel:.2f}, "
          f"{_verdict(vs_parallel <= VS_PARALLEL_TARGET)}")  # fmt: skip
    print(f"#   cold <= {VS_LIMIT_TARGET} x physical limit: {vs_limit:.2f}, "
          f"{_verdict(vs_limit <= VS_LIMIT_TARGET)}")  # fmt: skip
    print(f"#   warm < {WARM_TARGET:g} s: {warm:.2f} s, {_verdict(warm < WARM_TARGET)}")
    print(f"#   the same against the strictest of the three limits: {cold / strictest:.2f}, "
          f"{_verdict(cold / strictest <= VS_LIMIT_TARGET)}")  # fmt: skip
    return {"serial": serial, "parallel": parallel, "limit": limit, "cold": cold, "warm": warm}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--fixture", action="store_true", help="time the test fixture cycle, not 2022-11"
    )
    args = ap.parse_args()
    if args.fixture:
        # The fixture cycle's "broken" briefing fails on purpose; time the two that succeed.
        bench(FIXTURE, ["summary", "closed_summary"], "fixture_cycle")
    else:
        bench(REAL, None, "cycle")


if __name__ == "__main__":
    main()
