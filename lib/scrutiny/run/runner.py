"""Execute a cycle's briefings: validate, skip what is up to date, run the rest in parallel.

Each briefing runs with papermill in its own worker process (forked, in a new session so a
timeout can kill it and everything it started) and a fresh ``scrutiny`` kernel. The runner
hands the workers to an executor (:mod:`scrutiny.run.executor`: local forked processes by
default, or Dask distributed tasks that each start the worker as a subprocess). A worker
ends, with its kernel, as soon as the runner is gone, even after ``kill -9``
(:mod:`scrutiny.run.procs`), and never holds the folder's lock (:mod:`scrutiny.run.lock`).
The worker renders the page to a temporary file; the main process publishes it: it
records the new page and executed notebook (with their sha256) in ``manifest.json`` as
being published, renames both into place, then records them as published and rewrites
``index.html``. A pair on disk that does not match the manifest's published entry (a kill
between the two renames) is run again, so an interrupted run leaves every page either as
it was or complete, and a second run resumes where the first stopped.

A briefing is skipped when its cache key is unchanged: a sha256 over the notebook, its
resolved parameters (including the cycle's context, e.g. ``previous_cycle``, for notebooks
that declare it), the briefing entry, the cycle's header, the ``scrutiny`` source tree,
the versions of Python and the main packages (:data:`MAIN_PACKAGES`), the current content
of every data file the last good run read, and the current listing (names and contents of
the matching files) of every folder it listed (both recorded through
:mod:`scrutiny.provenance`). File hashes are cached on disk by path, size and modification
time (``.hash-cache.json`` beside the manifest), so a warm run reads no data.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import scrutiny
from scrutiny import config, provenance
from scrutiny.analysis.board import Briefing, Cycle, CycleError, load_cycle
from scrutiny.errors import ParamsError, machine_error
from scrutiny.run import lock, procs
from scrutiny.run.executor import EXECUTORS, Event, Executor, make_executor
from scrutiny.run.kernel import REGISTER_ADVICE, kernel_for_run
from scrutiny.run.params import (
    NotebookParameter,
    check_cycle,
    inspect_parameters,
    notebook_path,
    parameters_from_json,
    parameters_to_json,
)
from scrutiny.run.publish import (
    CycleInfo,
    IndexRow,
    PageMeta,
    Provenance,
    atomic_write,
    human_date,
    publish_file,
    read_manifest,
    remove_stale_temps,
    render_error_page,
    render_index,
    render_report,
    temp_path,
    write_manifest,
)

ENGINE_NAME = "scrutiny-progress"
MANIFEST = "manifest.json"
#: Folder of a cycle's reports holding its assessment as Parquet and CSV.
ASSESSMENT = "assessment"
INDEX = "index.html"
INSPECT_CACHE = ".inspect-cache.json"
HASH_CACHE = ".hash-cache.json"
REGISTRY_CACHE = ".registry-cache.json"
PLAN_CACHE = ".plan-cache.json"
LOCK = lock.LOCK
KERNEL_START_TIMEOUT_S = 120
MANIFEST_SCHEMA = 1
# Recorded in the manifest and part of every cache key: upgrading one re-runs the briefings.
MAIN_PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "papermill",
    "nbconvert",
    "pydantic",
)


class Progress(Protocol):
    """What the runner tells the display: a state change, or just "time passes"."""

    def update(self, name: str, state: str, detail: str = "") -> None:
        """Record that ``name`` is now ``state`` (queued, running, done, skipped, failed...)."""

    def tick(self) -> None:
        """Redraw (called a few times a second while briefings run)."""

    def notice(self, text: str) -> None:
        """Tell the user something about the run as a whole (e.g. a lock taken over)."""


class _NoProgress:
    def update(self, name: str, state: str, detail: str = "") -> None:
        pass

    def tick(self) -> None:
        pass

    def notice(self, text: str) -> None:
        pass


@dataclass
class Outcome:
    """What happened to one briefing in this run."""

    name: str
    status: str  # ok, skipped, failed, interrupted
    duration: float | None = None
    message: str = ""
    html: Path | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunResult:
    """The result of :func:`run_cycle`."""

    cycle: Cycle
    reports_dir: Path
    outcomes: dict[str, Outcome]
    interrupted: bool = False
    notices: list[str] = field(default_factory=list)
    packs: list[Any] = field(default_factory=list)
    pack_error: str | None = None
    pack_exit: int = 0

    @property
    def exit_code(self) -> int:
        """Return 0 when all is well, 1 if a briefing failed, 130 if interrupted.

        When every briefing is fine but a board pack could not be built: 5, or 3 when the
        machine has no Chromium to print with (see :mod:`scrutiny.run.pack`).
        """
        if self.interrupted:
            return 130
        if any(o.status == "failed" for o in self.outcomes.values()):
            return 1
        return self.pack_exit

    @property
    def index(self) -> Path:
        """Return the cycle's index page."""
        return self.reports_dir / INDEX

    @property
    def manifest(self) -> Path:
        """Return the cycle's manifest."""
        return self.reports_dir / MANIFEST


# ---------------------------------------------------------------------------------------
# Cache keys and provenance


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_key(
    *,
    notebook_sha256: str,
    parameters: Mapping[str, Any],
    briefing: Mapping[str, Any],
    cycle: Mapping[str, Any],
    source_sha256: str,
    inputs: Iterable[tuple[str, str | None]],
    folders: Iterable[tuple[str, str | None]] = (),
    environment: Mapping[str, Any] | None = None,
) -> str:
    """Return the sha256 that decides whether a briefing must run again.

    Parameters
    ----------
    notebook_sha256
        sha256 of the notebook file.
    parameters
        The resolved parameters the notebook is run with.
    briefing
        The briefing's entry in the cycle file (title, classification, ...).
    cycle
        The cycle's header (cycle, title, meeting date, data_to), shown on every page.
    source_sha256
        :func:`scrutiny.provenance.source_tree_hash`.
    inputs
        (path, sha256) of each data file the briefing read; sha256 None for a file that
        no longer exists.
    folders
        (listing key, listing sha256) of each folder the briefing listed
        (:attr:`scrutiny.provenance.FolderRecord.key`,
        :func:`scrutiny.provenance.listing_sha256`); sha256 None for a folder that no
        longer exists.
    environment
        :func:`environment_versions`: the Python and main package versions.
    """
    doc = {
        "notebook": notebook_sha256,
        "parameters": parameters,
        "briefing": briefing,
        "cycle": cycle,
        "source": source_sha256,
        "inputs": sorted(inputs, key=lambda t: t[0]),
        "folders": sorted(folders, key=lambda t: t[0]),
        "environment": dict(environment or {}),
    }
    return _sha256_bytes(json.dumps(doc, sort_keys=True, default=str).encode())


def current_inputs(recorded: Iterable[Mapping[str, Any]]) -> list[tuple[str, str | None]]:
    """Return (path, current sha256 or None if gone) for inputs recorded by a past run."""
    out = []
    for rec in recorded:
        p = config.resolve(rec["path"])
        out.append((rec["path"], provenance.sha256_file(p) if p.is_file() else None))
    return out


def current_folders(recorded: Iterable[Mapping[str, Any]]) -> list[tuple[str, str | None]]:
    """Return (listing key, current listing sha256 or None) for folders a past run listed."""
    out = []
    for data in recorded:
        rec = provenance.FolderRecord.from_dict(data)
        out.append((rec.key, provenance.current_listing(rec)))
    return out


def recorded_folders(records: Iterable[Mapping[str, Any]]) -> list[tuple[str, str | None]]:
    """Return (listing key, sha256) of folder records as the briefing's run saw them."""
    recs = [provenance.FolderRecord.from_dict(data) for data in records]
    return [(rec.key, rec.sha256) for rec in recs]


def environment_versions() -> dict[str, Any]:
    """Return the Python version and the versions of :data:`MAIN_PACKAGES` (None if absent).

    They are this interpreter's, which is the kernel's when the ``scrutiny`` kernel was
    registered by ``make setup`` or by the runner.
    """
    from importlib import metadata

    packages: dict[str, str | None] = {}
    for name in MAIN_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"python": platform.python_version(), "packages": packages}


def git_info(root: Path | None = None) -> Provenance:
    """Return scrutiny's version, the git commit of the project and whether it was dirty."""
    cwd = root or config.PROJECT_ROOT

    def git(*args: str) -> str | None:
        try:
            res = subprocess.run(
                ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return res.stdout if res.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    # The nbstripout clean filter starts a Python process per notebook whose index entry
    # git must re-check (every one, in a fresh clone or worktree): 10-30 s on two busy cores,
    # on every run until the index is refreshed. Files are compared as they are instead: a
    # notebook saved with outputs counts as a change, which is what "dirty" means here.
    status = (
        git(
            "-c",
            "filter.nbstripout.clean=cat",
            "-c",
            "filter.nbstripout.required=false",
            "status",
            "--porcelain",
        )
        if commit
        else None
    )
    return Provenance(
        version=scrutiny.__version__,
        commit=commit.strip() if commit else None,
        dirty=bool(status.strip()) if status is not None else None,
    )


def _now() -> datetime:
    return datetime.now(UTC).astimezone()


def _rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(config.PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------
# Validation with a memo of notebook parameters (papermill is slow to import)


class _InspectMemo:
    """Notebook parameters keyed by the notebook's sha256, kept beside the manifest.

    The memo is discarded when ``params.py`` (which does the inspecting) changes.
    """

    def __init__(self, path: Path):
        from scrutiny.run import params

        self.path = path
        self.version = _sha256_bytes(Path(params.__file__).read_bytes())
        self.data: dict[str, Any] = {}
        self.shas: dict[Path, str] = {}
        self.changed = False
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and loaded.get("version") == self.version:
                self.data = loaded.get("notebooks", {})

    def sha(self, nb: Path) -> str:
        if nb not in self.shas:
            self.shas[nb] = _sha256_bytes(nb.read_bytes())
        return self.shas[nb]

    def __call__(self, nb: Path) -> dict[str, NotebookParameter]:
        key = self.sha(nb)
        if key in self.data:
            return parameters_from_json(self.data[key])
        found = inspect_parameters(nb)
        self.data[key] = parameters_to_json(found)
        self.changed = True
        return found

    def save(self, keep: set[str]) -> None:
        if self.changed or set(self.data) - keep:
            kept = {k: v for k, v in self.data.items() if k in keep}
            atomic_write(self.path, json.dumps({"version": self.version, "notebooks": kept}))


# ---------------------------------------------------------------------------------------
# The worker (runs in a forked process)


class _CheckMemo:
    """A cycle check's reference list (the registry's KPI ids, the plan's themes), kept.

    It is kept with the files producing it read.

    Checking the registry or the plan (:func:`scrutiny.analysis.kpis.load_registry`,
    :func:`scrutiny.analysis.plan.load_plan`) imports pandas and reads the offence map:
    most of a warm run. The list is saved beside the manifest with the sha256 of every
    file the check read and of the ``scrutiny`` source tree; while all are unchanged
    (hashes from the cache, by size and mtime) it is reused, and any change runs the whole
    check again.
    """

    def __init__(self, path: Path, load: Callable[[], list[str]]):
        self.path = path
        self.load = load

    def __call__(self) -> list[str]:
        source = provenance.source_tree_hash()
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            files = saved["files"]
            if (
                saved["source"] == source
                and files
                and all(
                    config.resolve(f["path"]).is_file()
                    and provenance.sha256_file(config.resolve(f["path"])) == f["sha256"]
                    for f in files
                )
            ):
                return list(saved["ids"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        with provenance.capture() as records:
            ids = self.load()
        doc = {
            "source": source,
            "files": [{"path": r.path, "sha256": r.sha256} for r in records],
            "ids": ids,
        }
        with contextlib.suppress(OSError):  # only a cache
            atomic_write(self.path, json.dumps(doc, indent=1))
        return ids


def _registry_ids() -> list[str]:
    from scrutiny.analysis.kpis import load_registry

    return list(load_registry())


def _plan_themes() -> list[str]:
    from scrutiny.analysis.plan import load_plan

    return [t.id for t in load_plan().themes]


@dataclass
class _Job:
    name: str
    notebook: Path
    parameters: dict[str, Any]
    timeout_s: float
    tmp_html: Path
    tmp_ipynb: Path
    inputs_log: Path
    log_path: Path
    meta: PageMeta
    last_good: dict[str, str] | None
    executed_href: str
    parent_pid: int = 0
    lock_fd: int | None = None
    kernel_name: str = "scrutiny"


def _register_engine() -> None:
    from papermill.engines import NBClientEngine, papermill_engines

    class ProgressEngine(NBClientEngine):
        """papermill's nbclient engine, reporting each code cell as it starts."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            on_cell = kwargs.pop("on_cell", None)
            if on_cell is not None:
                code = [i for i, c in enumerate(nb_man.nb.cells) if c.cell_type == "code"]
                ordinal = {idx: k + 1 for k, idx in enumerate(code)}
                original = nb_man.cell_start

                def cell_start(cell: Any, cell_index: int | None = None, **kw: Any) -> Any:
                    if cell_index in ordinal:
                        on_cell(ordinal[cell_index], len(code), cell.source)
                    return original(cell, cell_index, **kw)

                nb_man.cell_start = cell_start
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(ENGINE_NAME, ProgressEngine)


def _prepare_worker_imports() -> None:
    """Import what workers need once, in the parent, so every fork starts warm."""
    from scrutiny.run import publish, warm

    warm.skip_unused_imports()
    import papermill  # noqa: F401

    _register_engine()
    publish._markdown_renderer()
    publish._env()
    warm.preload()  # the kernels' own imports: each kernel is forked with them done


def _worker(job: _Job, conn: Connection) -> None:
    """Run one briefing and render its page (or its error page) to temporary files."""
    os.setsid()  # own process group: a timeout kills the worker and what it started
    lock.close_in_child(job.lock_fd)  # only the runner holds the folder's lock
    procs.die_with_parent(job.parent_pid or os.getppid())  # a killed runner leaves no orphans
    fd = os.open(job.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.environ[provenance.INPUTS_LOG_ENV] = str(job.inputs_log)
    os.environ[config.ROOT_ENV] = str(config.PROJECT_ROOT)  # the kernel's project: the runner's
    state: dict[str, Any] = {"cell": None, "source": None}

    def on_cell(k: int, n: int, source: str) -> None:
        state["cell"], state["source"] = f"code cell {k} of {n}", source
        conn.send(("cell", k, n, source))

    try:
        result = _execute(job, on_cell, state)
    except BaseException as exc:  # report anything rather than die silently
        result = {"status": "failed", "error": {"summary": f"{type(exc).__name__}: {exc}"}}
        result["error"]["traceback"] = traceback.format_exc()
    conn.send(("done", result))
    conn.close()


def _worker_in_subprocess(job: _Job, conn: Connection) -> None:
    """:func:`_worker` in a process started afresh (a Dask task's): register the engine first."""
    from scrutiny.run import warm

    warm.skip_unused_imports()
    _register_engine()
    _worker(job, conn)


def _execute(
    job: _Job, on_cell: Callable[[int, int, str], None], state: dict[str, Any]
) -> dict[str, Any]:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from scrutiny.run.warm import WarmKernelManager

    started = _now()
    nb = None
    error: dict[str, Any] | None = None
    try:
        nb = papermill.execute_notebook(
            str(job.notebook),
            str(job.tmp_ipynb),
            parameters=job.parameters,
            engine_name=ENGINE_NAME,
            kernel_name=job.kernel_name,
            cwd=str(job.notebook.parent),
            progress_bar=False,
            request_save_on_cell_execute=False,
            start_timeout=KERNEL_START_TIMEOUT_S,
            on_cell=on_cell,
            kernel_manager_class=WarmKernelManager,
        )
    except PapermillExecutionError as exc:
        where = state["cell"] or f"cell [{exc.exec_count}]"
        error = {
            "summary": f"{where.capitalize()} raised {exc.ename}: {exc.evalue}",
            "cell": where,
            "cell_source": exc.source,
            "traceback": "\n".join(exc.traceback),
        }
    except Exception as exc:  # kernel would not start, died, notebook unreadable...
        error = {
            "summary": f"The notebook could not be run: {type(exc).__name__}: {exc}"
            + (f". {REGISTER_ADVICE}." if type(exc).__name__ == "NoSuchKernel" else ""),
            "cell": state["cell"],
            "cell_source": state["source"],
            "traceback": traceback.format_exc(),
        }
    ended = _now()
    inputs = [asdict(r) for r in provenance.read_inputs_log(job.inputs_log)]
    folders = [asdict(r) for r in provenance.read_folders_log(job.inputs_log)]
    meta = job.meta
    meta.inputs, meta.started, meta.ended = inputs, started, ended
    result: dict[str, Any] = {
        "started": started.isoformat(),
        "ended": ended.isoformat(),
        "inputs": inputs,
        "folders": folders,
        "warnings": [],
        "has_ipynb": job.tmp_ipynb.exists(),
    }
    if error is None:
        page, warnings = render_report(nb, meta, base=job.notebook.parent)
        atomic_write(job.tmp_html, page)
        result |= {"status": "ok", "warnings": warnings}
    else:
        if nb is None and not job.tmp_ipynb.exists():
            with contextlib.suppress(Exception):
                nbformat.read(str(job.notebook), as_version=4)  # surface read errors in log
        sys.stdout.flush()
        sys.stderr.flush()
        result |= {"status": "failed", "error": error}
        _write_error_page(job, error)
    return result


def _write_error_page(job: _Job, error: Mapping[str, Any]) -> None:
    log = (
        job.log_path.read_text(encoding="utf-8", errors="replace") if job.log_path.exists() else ""
    )
    page = render_error_page(
        job.meta,
        summary=error["summary"],
        cell=error.get("cell"),
        cell_source=error.get("cell_source"),
        traceback=error.get("traceback"),
        log=log[-20000:],
        last_good=job.last_good,
        executed=job.executed_href if job.tmp_ipynb.exists() else None,
    )
    atomic_write(job.tmp_html, page)


# ---------------------------------------------------------------------------------------
# The main process


@dataclass
class _Active:
    job: _Job
    started: float
    cell: str | None = None
    source: str | None = None
    result: dict[str, Any] | None = None


@contextlib.contextmanager
def _machine(doing: str, path: Path | None = None) -> Iterator[None]:
    """Turn an ``OSError`` the machine causes (permissions, full disk) into a MachineError."""
    try:
        yield
    except OSError as exc:
        err = machine_error(exc, doing, path)
        if err is exc:
            raise
        raise err from exc


def _check_writable(folder: Path) -> None:
    """Create and delete a file in ``folder``: fail now, before any briefing runs."""
    probe = folder / f".write-check.{os.getpid()}.tmp"
    with open(probe, "wb"):
        pass
    probe.unlink()


def _pair_matches(out: Path, pub: Mapping[str, Any]) -> bool:
    """Return whether the published page and notebook on disk are those ``pub`` records."""
    for kind in ("html", "ipynb"):
        name, digest = pub.get(kind), pub.get(f"{kind}_sha256")
        if not name or not digest or not (out / name).is_file():
            return False
        if provenance.sha256_file(out / name) != digest:
            return False
    return True


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _CycleRun:
    """State of one ``run_cycle`` call (kept in one place so publishing stays consistent)."""

    def __init__(self, cycle_file: Path, cycle: Cycle, out: Path, progress: Progress):
        self.cycle_file = cycle_file
        self.cycle = cycle
        self.out = out
        self.progress = progress
        self.manifest = read_manifest(out / MANIFEST)
        self.entries: dict[str, dict[str, Any]] = dict(self.manifest.get("briefings", {}))
        for e in self.entries.values():
            # a run stopped between recording a pair as being published and recording it as
            # published: if both files made it, they are the published pair
            pending = e.pop("publishing", None)
            if pending and _pair_matches(out, pending):
                e["published"], e["status"] = pending, "ok"
        self.run_info: dict[str, Any] = {}
        self.notices: list[str] = []
        self.lock_fd: int | None = None
        self.environment: dict[str, Any] = {}
        self.prov = git_info()
        self.info = CycleInfo(
            cycle=cycle.cycle,
            title=cycle.title,
            meeting_date=human_date(cycle.meeting_date),
            data_to=cycle.data_to,
        )
        self.cycle_header = {
            "cycle": cycle.cycle,
            "title": cycle.title,
            "meeting_date": cycle.meeting_date.isoformat(),
            "data_to": cycle.data_to,
        }
        self.started = _now()
        self.outcomes: dict[str, Outcome] = {}
        self.up: str | None = None  # the national index, for one force of many

    # -- manifest and index -------------------------------------------------------------

    def entry(self, b: Briefing) -> dict[str, Any]:
        e = self.entries.setdefault(b.name, {"status": "not run", "published": None})
        e.update(
            title=b.title or e.get("title") or b.name,
            notebook=b.notebook,
            classification=b.classification,
        )
        return e

    def notice(self, text: str) -> None:
        self.notices.append(text)
        self.progress.notice(text)

    def write_state(self, *, index: bool = True, **run: Any) -> None:
        """Write the manifest and (unless ``index`` is False) the index page."""
        names = [b.name for b in self.cycle.briefings]
        for b in self.cycle.briefings:
            self.entry(b)
        self.run_info.update(run)
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "cycle": self.cycle_header,
            "cycle_file": _rel(self.cycle_file),
            "environment": self.environment,
            "updated": _now().isoformat(),
            "run": {
                "started": self.started.isoformat(),
                "scrutiny": self.prov.as_dict(),
                **self.run_info,
            },
            "briefings": {n: self.entries[n] for n in names},
        }
        with _machine("writing the manifest", self.out / MANIFEST):
            write_manifest(self.out / MANIFEST, manifest)
        if index:
            self.write_index()

    def write_index(self) -> None:
        rows = []
        for b in self.cycle.briefings:
            e = self.entries[b.name]
            pub = e.get("published") or {}
            last = e.get("last_run") or {}
            rows.append(
                IndexRow(
                    name=b.name,
                    title=pub.get("title") or e["title"],
                    status=e.get("status", "not run"),
                    classification=b.classification,
                    href=pub.get("html"),
                    error_href=(e.get("error") or {}).get("page"),
                    duration=last.get("duration_s")
                    if e.get("status") != "skipped"
                    else pub.get("duration_s"),
                    produced=pub.get("ended"),
                )
            )
        page = render_index(
            self.info,
            rows,
            self.prov,
            generated=_now(),
            agenda=self.cycle,
            packs=pack_links(self.out),
            up=self.up,
        )
        with _machine("writing the index page", self.out / INDEX):
            atomic_write(self.out / INDEX, page)

    # -- one briefing's result ------------------------------------------------------------

    def meta(self, b: Briefing, params: Mapping[str, Any]) -> PageMeta:
        return PageMeta(
            cycle=self.info,
            name=b.name,
            classification=b.classification,
            prov=self.prov,
            title=b.title,
            notebook=b.notebook,
            parameters=dict(params),
        )

    def clear_error(self, b: Briefing, e: dict[str, Any]) -> None:
        for suffix in (".error.html", ".failed.ipynb"):
            (self.out / f"{b.name}{suffix}").unlink(missing_ok=True)
        e["error"] = None

    def skipped(self, b: Briefing) -> None:
        e = self.entry(b)
        pub = e["published"]
        self.clear_error(b, e)
        e["status"] = "skipped"
        e["last_run"] = {"status": "skipped", "checked": _now().isoformat()}
        self.outcomes[b.name] = Outcome(
            b.name, "skipped", pub.get("duration_s"), "up to date", self.out / pub["html"]
        )
        self.progress.update(b.name, "skipped", "up to date")

    def finished(self, a: _Active, plan: _Plan) -> None:
        job, res, b = a.job, a.result or {}, plan.briefing
        e = self.entry(b)
        started = res.get("started") or datetime.fromtimestamp(a.started, UTC).isoformat()
        ended = res.get("ended") or _now().isoformat()
        duration = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
        e["last_run"] = {
            "status": res.get("status"),
            "started": started,
            "ended": ended,
            "duration_s": duration,
        }
        html, ipynb = self.out / f"{b.name}.html", self.out / f"{b.name}.ipynb"
        if res.get("status") == "ok":
            inputs = res.get("inputs", [])
            folders = res.get("folders", [])
            key = plan.key([(r["path"], r["sha256"]) for r in inputs], recorded_folders(folders))
            pub = {
                "html": html.name,
                "ipynb": ipynb.name,
                "html_sha256": provenance.sha256_file(job.tmp_html),
                "ipynb_sha256": provenance.sha256_file(job.tmp_ipynb),
                "title": b.title or _title_from(job.tmp_html) or b.name,
                "classification": b.classification,
                "notebook": b.notebook,
                "notebook_sha256": plan.notebook_sha256,
                "source_sha256": plan.source_sha256,
                "parameters": plan.parameters,
                "inputs": inputs,
                "folders": folders,
                "cache_key": key,
                "started": started,
                "ended": ended,
                "duration_s": duration,
                "scrutiny": self.prov.as_dict(),
                "environment": plan.environment,
            }
            # 1. the manifest names the pair about to be published (a disk that is full or
            #    read-only stops the run here, with the published pages untouched);
            # 2. both files are renamed into place; 3. the pair is recorded as published
            #    (by finish(), which writes the manifest and the index)
            e["publishing"] = pub
            self.write_state(index=False)
            with _machine(f"publishing {b.name}", self.out):
                publish_file(job.tmp_ipynb, ipynb)
                publish_file(job.tmp_html, html)
            del e["publishing"]
            e["published"] = pub
            self.clear_error(b, e)
            e["status"] = "ok"
            e["warnings"] = res.get("warnings", [])
            e["title"] = pub["title"]
            self.outcomes[b.name] = Outcome(b.name, "ok", duration, "", html, e["warnings"])
            self.progress.update(b.name, "done", f"in {duration:.1f} s")
            return
        err = dict(res.get("error") or {"summary": "the worker stopped without a result"})
        if not job.tmp_html.exists():  # the worker failed before writing its error page
            with contextlib.suppress(Exception):
                _write_error_page(job, err)
        error_page = self.out / f"{b.name}.error.html"
        with _machine(f"publishing the error page of {b.name}", self.out):
            if job.tmp_html.exists():
                publish_file(job.tmp_html, error_page)
            else:  # an old error page would describe another run
                error_page.unlink(missing_ok=True)
            if job.tmp_ipynb.exists():
                publish_file(job.tmp_ipynb, self.out / f"{b.name}.failed.ipynb")
            else:
                (self.out / f"{b.name}.failed.ipynb").unlink(missing_ok=True)
        e["status"] = "failed"
        e["error"] = {
            "summary": err.get("summary"),
            "cell": err.get("cell"),
            "page": error_page.name if error_page.exists() else None,
            "executed": f"{b.name}.failed.ipynb"
            if (self.out / f"{b.name}.failed.ipynb").exists()
            else None,
        }
        self.outcomes[b.name] = Outcome(
            b.name, "failed", duration, str(err.get("summary")), error_page
        )
        self.progress.update(b.name, "failed", str(err.get("summary")))


def _title_from(html_file: Path) -> str | None:
    import re

    m = re.search(r"<h1[^>]*>(.*?)</h1>", html_file.read_text(encoding="utf-8"), re.S)
    if not m:
        return None
    from scrutiny.run.publish import heading_text

    return heading_text(m.group(1))


@dataclass
class _Plan:
    briefing: Briefing
    notebook: Path
    parameters: dict[str, Any]
    notebook_sha256: str
    source_sha256: str
    cycle_header: dict[str, Any]
    timeout_s: float
    environment: dict[str, Any] = field(default_factory=dict)

    def key(
        self,
        inputs: Iterable[tuple[str, str | None]],
        folders: Iterable[tuple[str, str | None]] = (),
    ) -> str:
        return cache_key(
            notebook_sha256=self.notebook_sha256,
            parameters=self.parameters,
            briefing=self.briefing.model_dump(mode="json"),
            cycle=self.cycle_header,
            source_sha256=self.source_sha256,
            inputs=inputs,
            folders=folders,
            environment=self.environment,
        )


def _up_to_date(plan: _Plan, entry: Mapping[str, Any], out: Path) -> bool:
    pub = entry.get("published")
    if not pub or not pub.get("cache_key"):
        return False
    if not _pair_matches(out, pub):  # e.g. a run killed between the two renames
        return False
    current = plan.key(
        current_inputs(pub.get("inputs", [])), current_folders(pub.get("folders", []))
    )
    return current == pub["cache_key"]


def run_cycle(
    cycle_file: str | Path,
    *,
    only: Iterable[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    reports_dir: str | Path | None = None,
    progress: Progress | None = None,
    pack: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    only_forces: Iterable[str] | None = None,
) -> RunResult:
    """Run a cycle: validate everything, skip what is up to date, run the rest, publish.

    A cycle file with ``forces:`` is run for each force (:mod:`scrutiny.run.forces`),
    which returns a :class:`scrutiny.run.forces.ForcesResult` instead.

    Parameters
    ----------
    cycle_file
        ``params/cycles/YYYY-MM.yaml``.
    only
        Run just these briefings (the index still lists all of them).
    jobs
        Worker processes at once (default: the number of cores).
    force
        Run even briefings whose cache key is unchanged.
    reports_dir
        Where cycles are published (default ``reports/``); pages go in ``<dir>/<cycle>/``.
    progress
        Receives state changes for a display (see :class:`Progress`).
    pack
        After a run in which no briefing failed, build the board packs ``pack.pdf`` and
        ``public-pack.pdf`` (:func:`scrutiny.run.pack.build_packs`; ``scrutiny run`` does,
        unless given ``--no-pack``), when every briefing of the cycle has an up-to-date
        page (else a notice says why not). Packs that no longer match the pages are removed
        whether or not this is set.
    executor
        Where briefings run (:mod:`scrutiny.run.executor`): ``local`` (forked worker
        processes, the default) or ``dask`` (Dask distributed tasks, each starting the
        briefing's own subprocess).
    scheduler
        With ``dask``: the address of an existing scheduler instead of a ``LocalCluster``
        of ``jobs`` worker processes on this machine.
    only_forces
        With ``forces:``, run just these (folder or force names).

    Returns
    -------
    RunResult
        Per-briefing outcomes; ``exit_code`` is 0, 1 (a briefing failed), 130, or 5 (3
        without Chromium) when the pack could not be built.

    Raises
    ------
    CycleError
        The cycle file or a briefing's parameters are wrong (nothing has been run).
    MachineError
        The machine stops the run: the reports folder cannot be written, the disk is full,
        no kernel, or another run holds the folder's lock.
    """
    path = Path(cycle_file)
    if _lists_forces(path):
        from scrutiny.run.forces import run_forces

        return run_forces(  # type: ignore[return-value]
            path,
            only=only,
            only_forces=only_forces,
            jobs=jobs,
            force=force,
            reports_dir=reports_dir,
            progress=progress,
            pack=pack,
            executor=executor,
            scheduler=scheduler,
        )
    if only_forces:
        raise CycleError([ParamsError(path, "--only-force: this cycle file lists no forces")])
    # The project is the one the cycle file is in (notebooks, params and data are found
    # there, whatever the working directory and however scrutiny was installed), unless
    # SCRUTINY_ROOT says otherwise.
    root = None if os.environ.get(config.ROOT_ENV) else config.project_root_for(path)
    with config.using_root(root):
        return _run_cycle(
            path,
            only=only,
            jobs=jobs,
            force=force,
            reports_dir=reports_dir,
            progress=progress,
            pack=pack,
            executor=executor,
            scheduler=scheduler,
        )


def _lists_forces(path: Path) -> bool:
    """Whether the cycle file holds a ``forces:`` list (read cheaply, checked later)."""
    from scrutiny import yamlio

    try:
        raw = yamlio.read_yaml(path)
    except (ParamsError, OSError):
        return False  # load_cycle reports it
    return isinstance(raw, dict) and bool(raw.get("forces"))


def _run_cycle(
    path: Path,
    *,
    only: Iterable[str] | None,
    jobs: int | None,
    force: bool,
    reports_dir: str | Path | None,
    progress: Progress | None,
    pack: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    cycle: Cycle | None = None,
    out: Path | None = None,
    shared: Executor | None = None,
    up: str | None = None,
) -> RunResult:
    """Run one cycle (or, given ``cycle`` and ``out``, one force of a cycle for many).

    ``shared`` is an executor to use and leave running (one for every force); ``up`` the
    national index the force's index links back to.
    """
    progress = progress or _NoProgress()
    one_force = cycle is not None
    cycle = cycle or load_cycle(path)
    out = out or Path(reports_dir or config.REPORTS_DIR) / cycle.cycle
    with _machine("creating the reports folder", out):
        out.mkdir(parents=True, exist_ok=True)
    notices: list[str] = []

    def notice(text: str) -> None:
        notices.append(text)
        progress.notice(text)

    with lock.hold(out, notice) as lock_fd:
        with contextlib.suppress(OSError, ValueError):  # only a cache
            provenance.load_hash_cache(out / HASH_CACHE)
        memo = _InspectMemo(out / INSPECT_CACHE)
        params = check_cycle(
            path,
            cycle,
            inspect=memo,
            registry=_CheckMemo(out / REGISTRY_CACHE, _registry_ids),
            plan_themes=_CheckMemo(out / PLAN_CACHE, _plan_themes),
        )
        with contextlib.suppress(OSError):  # only a cache
            memo.save({memo.sha(notebook_path(b)) for b in cycle.briefings})
        names = [b.name for b in cycle.briefings]
        selected = _select(path, names, only)
        check_options(path, jobs, executor, scheduler)

        with _machine("checking that the reports folder can be written", out):
            _check_writable(out)
            remove_stale_temps(out)
        run = _CycleRun(path, cycle, out, progress)
        run.up = up
        run.notices = notices
        run.lock_fd = lock_fd
        source_sha = provenance.source_tree_hash()
        environment = environment_versions()
        run.environment = environment
        plans: list[_Plan] = []
        for b in cycle.briefings:
            if b.name not in selected:
                continue
            nb = notebook_path(b)
            plan = _Plan(
                briefing=b,
                notebook=nb,
                parameters=params[b.name],
                notebook_sha256=memo.sha(nb),
                source_sha256=source_sha,
                cycle_header=run.cycle_header,
                timeout_s=60 * (b.timeout_minutes or cycle.timeout_minutes),
                environment=environment,
            )
            if not force and _up_to_date(plan, run.entry(b), out):
                run.skipped(b)
            else:
                plans.append(plan)
                progress.update(b.name, "queued")

        workers = max(1, min(jobs or os.cpu_count() or 1, len(plans) or 1))
        run_info = {"jobs": workers, "force": force, "only": sorted(only) if only else None}
        run_info["executor"] = executor if not scheduler else f"{executor} ({scheduler})"
        run.run_info.update(run_info)
        interrupted = False
        # The cycle's assessment is built beside the briefings (they wait for it on its
        # cache lock and read it) and published to <cycle>/assessment/ for other tools.
        # Only a cycle whose notebooks take the cycle file (and so its method) has one.
        assessment = None
        uses_cycle = any("cycle_file" in p.parameters for p in plans) or any(
            "cycle_file" in params[b.name] for b in cycle.briefings
        )
        if uses_cycle and (plans or not (out / ASSESSMENT / "meta.json").is_file()):
            assessment = _start_assessment(path, out, cycle.defaults if one_force else None)
        try:
            if plans:
                # the longest first, by the last run's durations (plans' entries are untouched)
                rank = {n: i for i, n in enumerate(longest_first(names, run.entries))}
                plans.sort(key=lambda p: rank[p.briefing.name])
                interrupted = _dispatch(run, plans, workers, executor, scheduler, shared)
        except BaseException:  # e.g. a full disk: the assessment must not run on alone
            if assessment is not None:
                procs.kill_tree(assessment.pid)
                assessment.wait()
            raise
        if assessment is not None and interrupted:
            procs.kill_tree(assessment.pid)
            assessment.wait()
        if assessment is not None and not interrupted:
            _finish_assessment(assessment, notice, timeout_s=60 * cycle.timeout_minutes)
        run.write_state(ended=_now().isoformat(), interrupted=interrupted)
        with contextlib.suppress(OSError):  # only a cache: a full disk must not fail the run
            provenance.save_hash_cache(out / HASH_CACHE)
        order = {name: i for i, name in enumerate(names)}
        outcomes = dict(sorted(run.outcomes.items(), key=lambda kv: order[kv[0]]))
        result = RunResult(cycle, out, outcomes, interrupted, notices)
        failed = any(o.status == "failed" for o in outcomes.values())
        if pack and not interrupted and not failed and cycle.briefings:
            _pack_step(run, result)
        else:
            _drop_stale_packs(run)
        return result


def pack_links(out: Path) -> list[dict[str, Any]]:
    """The board packs present in ``out``, for the index (href, label, pages, marking)."""
    from scrutiny.run.pack import PACK, PACK_STATE, PUBLIC_PACK

    state = read_manifest(out / PACK_STATE)
    links = []
    for name, label in ((PACK, "Board pack"), (PUBLIC_PACK, "Public papers")):
        if (out / name).is_file():
            links.append(
                {
                    "href": name,
                    "label": label,
                    "pages": state.get("pages", {}).get(name, "?"),
                    "classification": state.get("classification", {}).get(name, ""),
                    "note": None,
                }
            )
    return links


def _drop_stale_packs(run: _CycleRun) -> None:
    """Remove packs that no longer match the pages (a briefing failed or was re-run)."""
    from scrutiny.run.pack import PACK, PACK_STATE, pack_key, remove_packs

    state = read_manifest(run.out / PACK_STATE)
    if not (run.out / PACK).exists() and not state:
        return
    if state.get("key") == pack_key(run.cycle, run.out):
        return
    with _machine("removing the board packs", run.out):
        removed = remove_packs(run.out)
        run.write_index()
    if any(p.suffix == ".pdf" for p in removed):
        run.notice(
            "the board packs were removed: they no longer match the pages (run the cycle "
            "again, or `scrutiny pack`, to build them)"
        )


def _pack_step(run: _CycleRun, result: RunResult) -> None:
    """Build both board packs after a successful run; a failure is recorded, not raised."""
    from scrutiny.errors import MachineError
    from scrutiny.run.pack import PACK_EXIT_CODE, PackError, build_packs

    name = "board packs"
    incomplete = [
        b.name
        for b in run.cycle.briefings
        if run.entries.get(b.name, {}).get("status") not in ("ok", "skipped")
    ]
    if incomplete:  # a run of some briefings (--only) while others have no good page
        _drop_stale_packs(run)
        run.notice(
            "board packs not built: not every briefing has an up-to-date page "
            f"({', '.join(incomplete)}); run the whole cycle to build them"
        )
        return

    def said(text: str) -> None:
        run.progress.update(name, "running", text)
        run.progress.tick()

    try:
        result.packs = build_packs(run.cycle, run.out, progress=said)
    except (PackError, MachineError) as exc:
        result.pack_error = str(exc)
        result.pack_exit = 3 if isinstance(exc, MachineError) else PACK_EXIT_CODE
        run.progress.update(name, "failed", "see below")
    except OSError as exc:
        described = machine_error(exc, "writing the board pack")
        result.pack_error = str(described)
        result.pack_exit = 3 if described is not exc else PACK_EXIT_CODE
        run.progress.update(name, "failed", "see below")
    else:
        if any(r.built for r in result.packs):
            detail = ", ".join(f"{r.path.name} {r.pages} pages" for r in result.packs)
            run.progress.update(name, "done", detail)
        else:
            run.progress.update(name, "skipped", "up to date")
    with _machine("writing the index page", run.out):
        run.write_index()


def _start_assessment(
    cycle_file: Path, out: Path, defaults: Mapping[str, Any] | None = None
) -> subprocess.Popen[str]:
    """Start building and publishing the cycle's assessment in a process of its own.

    ``defaults`` replace the cycle file's (one force of a cycle run for many).
    """
    env = dict(os.environ)
    env[config.ROOT_ENV] = str(config.PROJECT_ROOT)
    env["SCRUTINY_CACHE_DIR"] = str(config.CACHE_DIR)
    extra = [] if defaults is None else ["--defaults", json.dumps(dict(defaults), default=str)]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scrutiny.analysis.assessment",
            str(cycle_file.resolve()),
            "--out",
            str(out / ASSESSMENT),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
        preexec_fn=procs.parent_death_signal(),  # ends with the runner, even after kill -9
    )


def _finish_assessment(
    proc: subprocess.Popen[str], notice: Callable[[str], None], *, timeout_s: float
) -> None:
    """Wait for the assessment; say so (it does not fail the run) if it was not published."""
    try:
        _, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        procs.kill_tree(proc.pid)
        proc.wait()
        notice(
            f"The cycle's assessment took longer than {timeout_s / 60:g} minutes: not published."
        )
        return
    if proc.returncode != 0:
        last = (err or "").strip().splitlines()[-1:] or ["no message"]
        notice(f"The cycle's assessment was not published: {last[0]}")


def check_options(path: Path, jobs: int | None, executor: str, scheduler: str | None) -> None:
    """Raise :class:`CycleError` for ``--jobs``, ``--executor`` or ``--scheduler`` misused."""
    if jobs is not None and jobs < 1:
        raise CycleError([ParamsError(path, f"--jobs must be at least 1, got {jobs}")])
    if executor not in EXECUTORS:
        problem = f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}"
        raise CycleError([ParamsError(path, problem)])
    if scheduler and executor != "dask":
        raise CycleError([ParamsError(path, "--scheduler needs --executor dask")])


def _select(path: Path, names: list[str], only: Iterable[str] | None) -> set[str]:
    if not only:
        return set(names)
    wanted = [n.strip() for item in only for n in item.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise CycleError(
            [
                ParamsError(
                    path,
                    f"--only: no briefing called '{n}' "
                    f"(the cycle has: {', '.join(names) or 'none'})",
                )
                for n in unknown
            ]
        )
    return set(wanted)


def _make_job(run: _CycleRun, plan: _Plan, tmpdir: Path) -> _Job:
    b = plan.briefing
    e = run.entry(b)
    pub = e.get("published")
    last_good = None
    if pub and (run.out / pub["html"]).is_file():
        from scrutiny.run.publish import human_time

        last_good = {"href": pub["html"], "ended": human_time(pub.get("ended"))}
    final_html = run.out / f"{b.name}.html"
    return _Job(
        name=b.name,
        notebook=plan.notebook,
        parameters=plan.parameters,
        timeout_s=plan.timeout_s,
        tmp_html=temp_path(final_html),
        tmp_ipynb=temp_path(run.out / f"{b.name}.ipynb", ".ipynb"),
        inputs_log=tmpdir / f"{b.name}.inputs.jsonl",
        log_path=tmpdir / f"{b.name}.log",
        meta=run.meta(b, plan.parameters),
        last_good=last_good,
        executed_href=f"{b.name}.failed.ipynb",
        parent_pid=os.getpid(),
        lock_fd=run.lock_fd,
    )


def longest_first(names: Sequence[str], entries: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Return ``names`` in the order to start them: the longest by the last manifest first.

    A briefing's duration is its last run's (``last_run.duration_s``), else its published
    page's (``published.duration_s``). Briefings with no recorded duration (new ones) go
    first, in the given order, since nothing says they are short; the rest follow from the
    longest to the shortest, ties in the given order.

    Parameters
    ----------
    names
        The briefings to run, in the cycle file's order.
    entries
        The manifest's ``briefings`` mapping (name -> entry) from the previous run.

    Examples
    --------
    >>> entries = {"a": {"last_run": {"duration_s": 5.0}}, "b": {"last_run": {"duration_s": 9.0}}}
    >>> longest_first(["a", "b", "new"], entries)
    ['new', 'b', 'a']
    """

    def duration(name: str) -> float | None:
        e = entries.get(name) or {}
        for rec in (e.get("last_run"), e.get("published")):
            value = (rec or {}).get("duration_s")
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
        return None

    known = {n: duration(n) for n in names}
    unknown = [n for n in names if known[n] is None]
    timed = [n for n in names if known[n] is not None]
    return unknown + sorted(timed, key=lambda n: -(known[n] or 0.0))


def start_executor(kind: str, workers: int, scheduler: str | None = None) -> Executor:
    """The executor ``scrutiny run --executor KIND`` runs briefings on (see ``_dispatch``)."""
    return make_executor(
        kind, workers=workers, scheduler=scheduler, prepare=_prepare_worker_imports
    )


def _dispatch(
    run: _CycleRun,
    plans: list[_Plan],
    workers: int,
    kind: str,
    scheduler: str | None,
    shared: Executor | None = None,
) -> bool:
    """Start the executor, run the plans through it, shut it down; True if interrupted.

    With ``shared``, run them on that executor and leave it running (its owner shuts it
    down). Jobs' logs and provenance logs go in a temporary folder: under the system's for
    local workers, inside the reports folder (shared storage, removed afterwards) for Dask
    ones.
    """
    executor = shared or start_executor(kind, workers, scheduler)
    try:
        if executor.remote:
            tmpdir = Path(tempfile.mkdtemp(prefix=".scrutiny-run-", dir=run.out))
        else:
            tmpdir = Path(tempfile.mkdtemp(prefix=f"scrutiny-{run.cycle.cycle}-"))
        try:
            with _sigterm_as_interrupt():
                return _schedule(run, plans, workers, tmpdir, executor)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
    finally:
        if shared is None:
            executor.shutdown()


def _schedule(
    run: _CycleRun,
    plans: list[_Plan],
    workers: int,
    tmpdir: Path,
    executor: Executor,
) -> bool:
    """Run the plans through ``executor``, at most ``workers`` at once; True if interrupted."""
    kernel = kernel_for_run(run.notice)
    pending = list(plans)
    by_name = {p.briefing.name: p for p in plans}
    active: dict[str, _Active] = {}
    progress = run.progress
    env = {config.ROOT_ENV: str(config.PROJECT_ROOT), "SCRUTINY_CACHE_DIR": str(config.CACHE_DIR)}

    def start(plan: _Plan) -> None:
        job = _make_job(run, plan, tmpdir)
        job.kernel_name = kernel
        if executor.remote:  # not a child of this process, and never near the folder's lock
            job.parent_pid, job.lock_fd = 0, None
            executor.submit(job.name, _worker_in_subprocess, (job,), env)
        else:
            executor.submit(job.name, _worker, (job,))
        active[job.name] = _Active(job, time.monotonic())
        progress.update(job.name, "running", "starting kernel")

    def on_event(ev: Event) -> None:
        a = active.get(ev.name)
        if a is None:
            return
        if ev.kind == "started":
            a.started = time.monotonic()  # the time limit counts from the job's start
        elif ev.kind == "cell":
            k, n, source = ev.payload
            a.cell, a.source = f"code cell {k} of {n}", source
            progress.update(a.job.name, "running", f"cell {k} of {n}")
        elif ev.kind == "done":
            a.result = ev.payload[0]
            finish(a)
        elif ev.kind == "exit":  # it ended without a result
            code = ev.payload[0] if ev.payload else None
            how = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
            where = f" while running {a.cell}" if a.cell else ""
            fail_in_main(a, f"The worker process ended unexpectedly ({how}){where}.")
            finish(a)

    def fail_in_main(a: _Active, summary: str) -> None:
        a.job.tmp_html.unlink(missing_ok=True)
        a.job.tmp_ipynb.unlink(missing_ok=True)
        started = datetime.fromtimestamp(time.time() - (time.monotonic() - a.started), UTC)
        meta = a.job.meta
        meta.started, meta.ended = started.astimezone(), _now()
        meta.inputs = [asdict(r) for r in provenance.read_inputs_log(a.job.inputs_log)]
        error = {"summary": summary, "cell": a.cell, "cell_source": a.source, "traceback": None}
        _write_error_page(a.job, error)
        a.result = {
            "status": "failed",
            "started": meta.started.isoformat(),
            "ended": meta.ended.isoformat(),
            "error": error,
        }

    def finish(a: _Active) -> None:
        del active[a.job.name]
        try:
            run.finished(a, by_name[a.job.name])
            run.write_state(ended=None, interrupted=False)
        finally:  # published, or never to be (the run stops on a full or read-only disk)
            a.job.tmp_html.unlink(missing_ok=True)
            a.job.tmp_ipynb.unlink(missing_ok=True)

    def discard(a: _Active) -> None:
        executor.cancel(a.job.name)
        a.job.tmp_html.unlink(missing_ok=True)
        a.job.tmp_ipynb.unlink(missing_ok=True)

    try:
        while pending or active:
            while pending and len(active) < workers:
                start(pending.pop(0))
            for ev in executor.events(0.2):
                on_event(ev)
            for a in list(active.values()):
                if a.result is None and time.monotonic() - a.started > a.job.timeout_s:
                    executor.cancel(a.job.name)  # its exit event is dropped: finished here
                    limit = a.job.timeout_s / 60
                    where = f" while running {a.cell}" if a.cell else " while starting the kernel"
                    fail_in_main(a, f"Stopped after the time limit of {limit:g} minutes{where}.")
                    finish(a)
            progress.tick()
    except KeyboardInterrupt:
        for a in list(active.values()):
            discard(a)
            e = run.entry(by_name[a.job.name].briefing)
            e["status"] = "interrupted"
            e["last_run"] = {"status": "interrupted", "ended": _now().isoformat()}
            run.outcomes[a.job.name] = Outcome(a.job.name, "interrupted", message="interrupted")
            progress.update(a.job.name, "interrupted")
        for plan in pending:
            progress.update(plan.briefing.name, "interrupted", "not started")
            run.outcomes[plan.briefing.name] = Outcome(
                plan.briefing.name, "interrupted", message="not started"
            )
        return True
    except BaseException:  # e.g. the disk is full: stop every worker, leave no temporary file
        for a in list(active.values()):
            discard(a)
        raise
    return False
