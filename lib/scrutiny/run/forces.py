"""Run one cycle for many forces: ``forces:`` in the cycle file.

A cycle file may list forces (or parameter sets, a matrix)::

    forces:
      - Leicestershire Police
      - Cumbria Constabulary
      - force: City of London Police
        parameters: {peer_count: 5}

``scrutiny run`` then checks every force's briefings and parameters first (all problems at
once, exit 2, before any kernel starts), and renders each force's cycle into
``reports/<cycle>/<folder>/`` exactly as a one-force cycle is rendered there (pages,
executed notebooks, the assessment, ``index.html``, ``manifest.json`` and, when asked, the
board packs). One executor (local processes or a Dask cluster) serves every force, so a
cluster is started once. ``reports/<cycle>/forces.html`` lists every force with its status
and links to its index; ``reports/<cycle>/forces.json`` is the machine-readable record.

A force whose briefings fail, or whose run stops on an error of its own (its data, its
folder's lock), is recorded as failed and the next force runs: one force never stops the
others. An interruption (Ctrl-C, SIGTERM) stops the whole run, as for one force; pages
already published stay intact and the next run resumes.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrutiny import config
from scrutiny.analysis.board import Cycle, CycleError, ForceRun, load_cycle
from scrutiny.errors import MachineError, ParamsError
from scrutiny.run import lock, runner
from scrutiny.run.lock import LockHeldError
from scrutiny.run.params import check_forces
from scrutiny.run.publish import (
    CycleInfo,
    ForceRow,
    atomic_write,
    highest_classification,
    human_date,
    read_manifest,
    render_forces_index,
    write_manifest,
)

#: The national index and manifest of a cycle run for many forces, in ``reports/<cycle>/``.
FORCES_INDEX = "forces.html"
FORCES_MANIFEST = "forces.json"
FORCES_SCHEMA = 1


@dataclass
class ForceOutcome:
    """What happened to one force of the run."""

    run: ForceRun
    folder: Path
    result: runner.RunResult | None = None
    error: str = ""

    @property
    def status(self) -> str:
        """``ok``, ``failed`` or ``interrupted``."""
        if self.error:
            return "failed"
        if self.result is None:
            return "interrupted"
        if self.result.interrupted:
            return "interrupted"
        if self.result.exit_code == 1:
            return "failed"
        return "ok"


@dataclass
class ForcesResult:
    """The result of :func:`run_forces`."""

    cycle: Cycle
    reports_dir: Path
    forces: list[ForceOutcome]
    interrupted: bool = False
    notices: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """Return 130 if interrupted, 1 if a force failed, else the packs' code or 0.

        A force fails when a briefing fails or its run stops; the board packs' exit code
        is 5, or 3 without Chromium (the highest of the forces').
        """
        if self.interrupted:
            return 130
        codes = [f.result.exit_code for f in self.forces if f.result is not None]
        if any(f.error for f in self.forces) or 1 in codes:
            return 1
        return max(codes, default=0)

    @property
    def index(self) -> Path:
        """The national index page."""
        return self.reports_dir / FORCES_INDEX

    @property
    def manifest(self) -> Path:
        """The national manifest."""
        return self.reports_dir / FORCES_MANIFEST


def _selected(path: Path, cycle: Cycle, only_forces: Iterable[str] | None) -> list[ForceRun]:
    if not only_forces:
        return list(cycle.forces)
    wanted = [n.strip() for item in only_forces for n in item.split(",") if n.strip()]
    known = {f.folder: f for f in cycle.forces} | {f.force: f for f in cycle.forces}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        listed = ", ".join(f.folder for f in cycle.forces)
        raise CycleError(
            [
                ParamsError(path, f"--only-force: no force '{n}' (the cycle has: {listed})")
                for n in unknown
            ]
        )
    chosen = {known[n].folder for n in wanted}
    return [f for f in cycle.forces if f.folder in chosen]


def run_forces(
    cycle_file: str | Path,
    *,
    only: Iterable[str] | None = None,
    only_forces: Iterable[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    reports_dir: str | Path | None = None,
    progress: runner.Progress | None = None,
    pack: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
) -> ForcesResult:
    """Run a cycle for each force it lists (see the module's docstring).

    Parameters
    ----------
    cycle_file
        A cycle file with ``forces:``.
    only
        Run just these briefings for each force.
    only_forces
        Run just these forces (their folder names or force names); the national index
        still lists every force, with its last recorded run.
    jobs, force, reports_dir, progress, pack, executor, scheduler
        As :func:`scrutiny.run.runner.run_cycle`; ``jobs`` is the number of briefings
        running at once across the run.

    Raises
    ------
    CycleError
        A force's briefings or parameters are wrong (nothing has been run).
    MachineError
        The machine stops the whole run (the reports folder cannot be written, another run
        holds the cycle's lock, no kernel).
    """
    path = Path(cycle_file)
    root = None if os.environ.get(config.ROOT_ENV) else config.project_root_for(path)
    with config.using_root(root):
        return _run_forces(
            path,
            only=only,
            only_forces=only_forces,
            jobs=jobs,
            force=force,
            reports_dir=reports_dir,
            progress=progress or runner._NoProgress(),
            pack=pack,
            executor=executor,
            scheduler=scheduler,
        )


def _run_forces(
    path: Path,
    *,
    only: Iterable[str] | None,
    only_forces: Iterable[str] | None,
    jobs: int | None,
    force: bool,
    reports_dir: str | Path | None,
    progress: runner.Progress,
    pack: bool,
    executor: str,
    scheduler: str | None,
) -> ForcesResult:
    cycle = load_cycle(path)
    chosen = _selected(path, cycle, only_forces)
    # Every force's briefings and parameters, checked before anything runs.
    check_forces(path, cycle)
    runner.check_options(path, jobs, executor, scheduler)
    runner._select(path, [b.name for b in cycle.briefings], only)

    out = Path(reports_dir or config.REPORTS_DIR) / cycle.cycle
    with runner._machine("creating the reports folder", out):
        out.mkdir(parents=True, exist_ok=True)
    result = ForcesResult(cycle, out, [])
    national = _National(path, cycle, out)

    def notice(text: str) -> None:
        result.notices.append(text)
        progress.notice(text)

    with lock.hold(out, notice):
        national.write(queued={f.folder for f in chosen})
        workers = max(1, jobs or os.cpu_count() or 1)
        shared = runner.start_executor(executor, workers, scheduler)
        try:
            with runner._sigterm_as_interrupt():
                for i, run in enumerate(chosen, start=1):
                    folder = out / run.folder
                    notice(f"Force {i} of {len(chosen)}: {run.force} (pages in {folder})")
                    outcome = ForceOutcome(run, folder)
                    result.forces.append(outcome)
                    national.running(run)
                    try:
                        outcome.result = runner._run_cycle(
                            path,
                            only=only,
                            jobs=jobs,
                            force=force,
                            reports_dir=None,
                            progress=progress,
                            pack=pack,
                            executor=executor,
                            scheduler=scheduler,
                            cycle=cycle.for_force(run),
                            out=folder,
                            shared=shared,
                            up=f"../{FORCES_INDEX}",
                        )
                    except KeyboardInterrupt:
                        result.interrupted = True
                    except (CycleError, LockHeldError) as exc:  # this force's file or folder
                        outcome.error = " ".join(str(exc).split())
                    except MachineError:  # no kernel, a full disk: no force could run
                        raise
                    except Exception as exc:  # its data or its run: the next force goes on
                        if _machine_wide(exc):
                            raise
                        last = traceback.format_exception_only(exc)[-1].strip()
                        outcome.error = f"the run stopped: {last}"
                    if outcome.error:
                        notice(f"{run.force} failed: {outcome.error}")
                    national.finished(outcome)
                    if result.interrupted or (outcome.result and outcome.result.interrupted):
                        result.interrupted = True
                        break
        finally:
            shared.shutdown()
            national.write(final=True)
    return result


def _machine_wide(exc: BaseException) -> bool:
    """A full disk or a read-only file system stops every force, not just this one."""
    import errno

    return getattr(exc, "errno", None) in {errno.ENOSPC, errno.EROFS, errno.EDQUOT}


class _National:
    """The national manifest and index, rewritten as each force starts and ends."""

    def __init__(self, path: Path, cycle: Cycle, out: Path):
        self.path = path
        self.cycle = cycle
        self.out = out
        old = read_manifest(out / FORCES_MANIFEST)
        self.entries: dict[str, dict[str, Any]] = dict(old.get("forces", {}))
        self.started = _now()
        self.prov = runner.git_info()

    def _entry(self, run: ForceRun) -> dict[str, Any]:
        e = self.entries.setdefault(run.folder, {"status": "not run"})
        e.update(force=run.force, parameters=dict(run.parameters), index=None)
        if (self.out / run.folder / runner.INDEX).is_file():
            e["index"] = f"{run.folder}/{runner.INDEX}"
        return e

    def running(self, run: ForceRun) -> None:
        self._entry(run)["status"] = "running"
        self.write()

    def finished(self, outcome: ForceOutcome) -> None:
        e = self._entry(outcome.run)
        e["status"] = outcome.status
        e["error"] = outcome.error or None
        e["ended"] = _now().isoformat()
        res = outcome.result
        if res is not None:
            e["briefings"] = {n: o.status for n, o in res.outcomes.items()}
            e["duration_s"] = round(sum(o.duration or 0.0 for o in res.outcomes.values()), 2)
            e["exit_code"] = res.exit_code
        self.write()

    def write(self, queued: set[str] | None = None, final: bool = False) -> None:
        """Rewrite the manifest and the index.

        ``queued``: the forces about to run. ``final``: the run is over, so a force still
        waiting was not run and one still running was interrupted.
        """
        for run in self.cycle.forces:
            e = self._entry(run)
            if queued and run.folder in queued:
                e["status"] = "queued"
            elif final and e.get("status") == "queued":
                e["status"] = "not run"
            elif final and e.get("status") == "running":
                e["status"] = "interrupted"
        header = {
            "cycle": self.cycle.cycle,
            "title": self.cycle.title,
            "meeting_date": self.cycle.meeting_date.isoformat(),
            "data_to": self.cycle.data_to,
        }
        manifest = {
            "schema": FORCES_SCHEMA,
            "cycle": header,
            "cycle_file": runner._rel(self.path),
            "updated": _now().isoformat(),
            "run": {"started": self.started.isoformat(), "scrutiny": self.prov.as_dict()},
            "forces": {f.folder: self.entries[f.folder] for f in self.cycle.forces},
        }
        with runner._machine("writing the national manifest", self.out / FORCES_MANIFEST):
            write_manifest(self.out / FORCES_MANIFEST, manifest)
        rows = []
        for run in self.cycle.forces:
            e = self.entries[run.folder]
            briefings = e.get("briefings") or {}
            rows.append(
                ForceRow(
                    force=run.force,
                    folder=run.folder,
                    status=e.get("status", "not run"),
                    label=run.name if run.name else "",
                    briefings=briefings,
                    classification=highest_classification(
                        b.classification for b in self.cycle.briefings
                    ),
                    error=e.get("error") or "",
                    duration=e.get("duration_s"),
                    produced=e.get("ended"),
                    has_index=bool(e.get("index")),
                )
            )
        info = CycleInfo(
            cycle=self.cycle.cycle,
            title=self.cycle.title,
            meeting_date=human_date(self.cycle.meeting_date),
            data_to=self.cycle.data_to,
        )
        page = render_forces_index(
            info, rows, self.prov, generated=_now(), manifest=FORCES_MANIFEST
        )
        with runner._machine("writing the national index", self.out / FORCES_INDEX):
            atomic_write(self.out / FORCES_INDEX, page)


def _now() -> datetime:
    return datetime.now(UTC).astimezone()
