"""The ``scrutiny`` command line: run a cycle of briefings, or list a notebook's parameters.

``scrutiny run params/cycles/2022-11.yaml`` validates the cycle, runs what is out of
date in parallel and publishes ``reports/2022-11/``. Every failure a user can cause ends
in one message naming the file and what was expected, and an exit code from
:data:`EXIT_CODES` (a traceback only with ``scrutiny --debug``).
"""

from __future__ import annotations

import contextlib
import sys
import time
import traceback
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from scrutiny import __version__

EXIT_CODES = {
    0: "every briefing produced or already up to date (also: nothing to run)",
    1: "at least one briefing failed (see its .error.html); with forces: or a force's run "
    "stopped (forces.html says why; the other forces ran)",
    2: "the command line, the cycle file or a parameter is wrong; nothing was run",
    3: "the machine stopped the run: a folder that cannot be written, a full disk, no "
    "Jupyter kernel, no Chromium for the board pack, or another run writing the same folder; "
    "published pages are intact",
    4: "an unexpected error inside scrutiny (a bug): run again with --debug and report it",
    5: "the pages are published but a board pack (pack.pdf, public-pack.pdf) could not be "
    "built; the message says why (no stale pack is left)",
    130: "interrupted; published pages are intact",
}
EXIT_HELP = "Exit codes: " + "; ".join(f"{k} {v}" for k, v in EXIT_CODES.items()) + "."

#: The hidden ``--debug`` every subcommand also takes (same as ``scrutiny --debug``).
DebugOption = Annotated[
    bool, typer.Option("--debug", hidden=True, help="Same as scrutiny --debug.")
]

app = typer.Typer(
    help="Run and publish the Corporate Governance Board briefings.",
    epilog=EXIT_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_DEBUG = {"on": False}

_STYLE = {
    "queued": "dim",
    "running": "cyan",
    "done": "green",
    "skipped": "blue",
    "failed": "bold red",
    "interrupted": "yellow",
}


class _PlainProgress:
    """One line per state change: for logs, CI and pipes."""

    def __init__(self, console: Console):
        self.console = console
        self.t0 = time.monotonic()

    def update(self, name: str, state: str, detail: str = "") -> None:
        if state == "running" and detail.startswith("cell "):
            return  # per-cell lines would swamp a log
        elapsed = time.monotonic() - self.t0
        text = f"[{elapsed:6.1f}s] {name}: {state}" + (f" ({detail})" if detail else "")
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)

    def tick(self) -> None:
        pass

    def notice(self, text: str) -> None:
        self.console.print(f"Note: {text}", highlight=False, markup=False, soft_wrap=True)


class _LiveProgress:
    """A table redrawn in place: each briefing's state, cell k of n, and time so far."""

    def __init__(self, console: Console):
        self.rows: dict[str, list[object]] = {}
        self.live = Live(
            console=console,
            auto_refresh=False,  # no refresh thread: workers are forked from this process
            redirect_stdout=False,
            redirect_stderr=False,
            transient=True,
        )
        self.last = 0.0

    def __enter__(self) -> _LiveProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def table(self) -> Table:
        t = Table(box=None, pad_edge=False)
        t.add_column("Briefing", no_wrap=True)
        t.add_column("State", no_wrap=True)
        t.add_column("Progress", no_wrap=True, overflow="ellipsis", max_width=60)
        t.add_column("Time", no_wrap=True, justify="right")
        now = time.monotonic()
        for name, (state, detail, since, until) in self.rows.items():
            end = until if until is not None else now
            elapsed = f"{end - since:5.1f} s" if state not in {"queued", "skipped"} else ""
            style = _STYLE.get(str(state), "")
            t.add_row(escape(name), f"[{style}]{state}[/]", escape(str(detail)), elapsed)
        return t

    def update(self, name: str, state: str, detail: str = "") -> None:
        row = self.rows.get(name)
        now = time.monotonic()
        since = now if row is None or (row[0] == "queued" and state == "running") else row[2]
        until = now if state in {"done", "failed", "skipped", "interrupted"} else None
        self.rows[name] = [state, detail, since, until]
        self.live.update(self.table(), refresh=True)
        self.last = now

    def tick(self) -> None:
        if time.monotonic() - self.last > 0.5:
            self.live.update(self.table(), refresh=True)
            self.last = time.monotonic()

    def notice(self, text: str) -> None:
        self.live.console.print(f"[yellow]Note:[/] {escape(text)}", soft_wrap=True)


def _console(stderr: bool = False) -> Console:
    """Return a console; in logs and pipes lines are not wrapped at 80 columns."""
    probe = Console(stderr=stderr)
    return Console(stderr=stderr, highlight=False, width=None if probe.is_terminal else 200)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scrutiny {__version__}")
        raise typer.Exit()


@contextlib.contextmanager
def _user_errors(doing: str) -> Iterator[None]:
    """End any failure in one message and a documented exit code (a traceback with --debug).

    Parameters
    ----------
    doing
        What the command was doing, for errors that do not say (e.g. ``"running the cycle"``).
    """
    from scrutiny.analysis.board import CycleError
    from scrutiny.errors import DataError, MachineError, ParamsError, machine_error
    from scrutiny.run.pack import PackError

    err = _console(stderr=True)

    def fail(code: int, message: str) -> typer.Exit:
        if _DEBUG["on"]:
            err.print(traceback.format_exc(), markup=False, highlight=False, soft_wrap=True)
        err.print(message, soft_wrap=True, highlight=False)
        return typer.Exit(code)

    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except CycleError as exc:
        n = len(exc.errors)
        problems = f"{n} problem{'s' if n != 1 else ''}"
        lines = [f"[bold red]Invalid cycle ({problems}); nothing was run:[/]"]
        lines += [f"  - {escape(str(e))}" for e in exc.errors]
        raise fail(2, "\n".join(lines)) from None
    except (ParamsError, DataError) as exc:
        raise fail(2, f"[bold red]Error:[/] {escape(str(exc))}") from None
    except MachineError as exc:
        raise fail(3, f"[bold red]Error:[/] {escape(str(exc))}") from None
    except PackError as exc:
        raise fail(5, f"[bold red]Board pack not built:[/] {escape(str(exc))}") from None
    except KeyboardInterrupt:
        raise fail(130, "[yellow]Interrupted.[/] Pages already published are intact.") from None
    except OSError as exc:
        described = machine_error(exc, doing)
        if isinstance(described, MachineError):
            raise fail(3, f"[bold red]Error:[/] {escape(str(described))}") from None
        raise fail(4, _bug(exc, doing)) from None
    except Exception as exc:  # noqa: BLE001 - the last resort: one line, not a traceback
        raise fail(4, _bug(exc, doing)) from None


def _bug(exc: BaseException, doing: str) -> str:
    hint = "" if _DEBUG["on"] else " Run again as `scrutiny --debug ...` for the traceback, and"
    return (
        f"[bold red]Error:[/] scrutiny stopped on an unexpected error while {escape(doing)}: "
        f"{escape(type(exc).__name__)}: {escape(str(exc))}.{hint} report it (it is a bug)."
    )


@app.callback(epilog=EXIT_HELP)
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="On an error, show the Python traceback as well as the message "
            "(put it before the command: scrutiny --debug run ...).",
        ),
    ] = False,
) -> None:
    """Run and publish the Corporate Governance Board briefings."""
    _DEBUG["on"] = debug


@app.command(epilog=EXIT_HELP)
def run(
    cycle_file: Annotated[
        Path,
        typer.Argument(
            help="The cycle file, e.g. params/cycles/2022-11.yaml.",
            show_default=False,
            metavar="CYCLE_FILE",
        ),
    ],
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="NAME",
            help="Run only this briefing; repeat the option or separate names with commas.",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Briefings run at once. [default: number of cores]"
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Re-run briefings even when nothing they use has changed."),
    ] = False,
    reports_dir: Annotated[
        Path | None,
        typer.Option(
            "--reports-dir",
            file_okay=False,
            help="Publish under this folder instead of reports/ (pages go in <folder>/<cycle>/).",
        ),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            metavar="local|dask",
            help="Where briefings run: local worker processes, or Dask distributed tasks "
            "(a LocalCluster of --jobs workers unless --scheduler is given).",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="With --executor dask: an existing Dask scheduler, e.g. tcp://host:8786 "
            "(its workers must share the project, data/cache and the reports folder).",
        ),
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Print plain progress lines even on a terminal.")
    ] = False,
    allow_outside_notebooks: Annotated[
        bool,
        typer.Option(
            "--allow-outside-notebooks",
            help="Run briefing notebooks outside the project folder (refused by default).",
        ),
    ] = False,
    only_force: Annotated[
        list[str] | None,
        typer.Option(
            "--only-force",
            metavar="NAME",
            help="For a cycle file with forces: run only this force (its folder or force "
            "name); repeat the option or separate names with commas.",
        ),
    ] = None,
    no_pack: Annotated[
        bool,
        typer.Option(
            "--no-pack",
            help="Do not build the board packs (pack.pdf, public-pack.pdf) after the run; "
            "packs that no longer match the pages are removed.",
        ),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Run a cycle's briefings with papermill and publish them as HTML.

    Validates the whole cycle file and every briefing's parameters first (exit 2 on any
    problem, before a kernel starts), skips briefings whose notebook, parameters, data
    and the scrutiny code are unchanged, runs the rest in parallel, and writes
    <cycle>/<briefing>.html, the executed .ipynb, index.html and manifest.json. When no
    briefing failed, it then prints the board packs <cycle>/pack.pdf and public-pack.pdf
    with Chromium (exit 5 if that fails, 3 without Chromium; --no-pack skips it).
    """
    _DEBUG["on"] |= debug
    out = _console()
    live = out.is_terminal and not plain
    progress = _LiveProgress(out) if live else _PlainProgress(out)
    with _user_errors(f"running {cycle_file}"):
        from scrutiny.run.params import outside_notebooks_allowed
        from scrutiny.run.runner import run_cycle

        with (
            outside_notebooks_allowed(allow_outside_notebooks),
            progress if live else contextlib.nullcontext(),  # type: ignore[attr-defined]
        ):
            result = run_cycle(
                cycle_file,
                only=only,
                jobs=jobs,
                force=force,
                reports_dir=reports_dir,
                progress=progress,
                pack=not no_pack,
                executor=executor,
                scheduler=scheduler,
                only_forces=only_force,
            )

    from scrutiny.run.forces import ForcesResult

    if isinstance(result, ForcesResult):
        _forces_summary(out, result)
        raise typer.Exit(result.exit_code)
    if not result.cycle.briefings:
        out.print(
            f"Nothing to run: {cycle_file} lists no briefings. Index: {result.index}",
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(0)
    _summary(out, result)
    raise typer.Exit(result.exit_code)


def _forces_summary(out: Console, result: object) -> None:
    from scrutiny.run.forces import ForcesResult

    assert isinstance(result, ForcesResult)
    for f in result.forces:
        out.print(f"\n{f.run.force} ({f.folder})", soft_wrap=True, markup=False)
        if f.result is not None:
            _summary(out, f.result)
        if f.error:
            msg = f"[bold red]{escape(f.run.force)} failed:[/] {escape(f.error)}"
            out.print(msg, soft_wrap=True, highlight=False)
    counts: dict[str, int] = {}
    for f in result.forces:
        counts[f.status] = counts.get(f.status, 0) + 1
    shown = ", ".join(f"{v} {k}" for k, v in counts.items()) or "no force run"
    out.print(f"\nForces: {shown}. Every force: {result.index}", soft_wrap=True, markup=False)


def _summary(out: Console, result: object) -> None:
    from scrutiny.run.publish import human_duration
    from scrutiny.run.runner import RunResult

    assert isinstance(result, RunResult)
    t = Table(
        title=escape(f"Cycle {result.cycle.cycle}: {result.cycle.title}"), title_justify="left"
    )
    for col in ("Briefing", "Status", "Duration", "Output"):
        t.add_column(col)
    for name, o in result.outcomes.items():
        style = {"ok": "green", "skipped": "blue", "failed": "bold red"}.get(o.status, "yellow")
        shown = "up to date" if o.status == "skipped" else o.status
        where = str(o.html) if o.html else ""
        t.add_row(escape(name), f"[{style}]{shown}[/]", human_duration(o.duration), escape(where))
    out.print(t)
    counts: dict[str, int] = {}
    for o in result.outcomes.values():
        counts[o.status] = counts.get(o.status, 0) + 1
    out.print(", ".join(f"{v} {k}" for k, v in counts.items()) or "nothing selected")
    for o in result.outcomes.values():
        if o.status == "failed":
            msg = f"[bold red]{escape(o.name)} failed:[/] {escape(o.message)}"
            out.print(msg, soft_wrap=True, highlight=False)
        for w in o.warnings:
            msg = f"[yellow]{escape(o.name)}: warning:[/] {escape(w)}"
            out.print(msg, soft_wrap=True, highlight=False)
    if result.interrupted:
        out.print(
            "[yellow]Interrupted.[/] Pages already published are intact; run again to resume."
        )
    for r in result.packs:
        state = "built" if r.built else "up to date"
        out.print(f"Board pack {state}: {r.path} ({r.pages} pages)", soft_wrap=True, markup=False)
    if result.pack_error:
        out.print(
            f"[bold red]Board pack not built:[/] {escape(result.pack_error)}",
            soft_wrap=True,
            highlight=False,
        )
    out.print(f"Index: {result.index}", soft_wrap=True, markup=False)


@app.command(epilog=EXIT_HELP)
def params(
    notebook: Annotated[
        Path, typer.Argument(help="A notebook (.ipynb).", show_default=False, metavar="NOTEBOOK")
    ],
    debug: DebugOption = False,
) -> None:
    """Show a notebook's parameters: names, types, defaults and help from their comments."""
    _DEBUG["on"] |= debug
    out = _console()
    with _user_errors(f"reading {notebook}"):
        from scrutiny.run.params import inspect_parameters

        found = inspect_parameters(notebook)
    t = Table(title=escape(f"Parameters of {notebook}"), title_justify="left")
    for col in ("Name", "Type", "Default", "Help"):
        t.add_column(col, overflow="fold")
    for p in found.values():
        t.add_row(*(escape(x) for x in (p.name, p.type_name or "any", p.default, p.help)))
    out.print(t)
    if not found:
        out.print("The parameters cell declares nothing.")


@app.command("new-cycle", epilog=EXIT_HELP)
def new_cycle(
    cycle: Annotated[
        str, typer.Argument(help="The new cycle, YYYY-MM.", show_default=False, metavar="YYYY-MM")
    ],
    from_: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="The cycle file to start from; default the latest in params/cycles/.",
            show_default=False,
        ),
    ] = None,
    meeting_date: Annotated[
        datetime | None,
        typer.Option(
            "--meeting-date",
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="The board date; default the latest meeting's day in the new month.",
            show_default=False,
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Start the next cycle file: briefings kept, agenda copied, open actions carried forward.

    Writes params/cycles/YYYY-MM.yaml next to the file it starts from and never overwrites.
    """
    _DEBUG["on"] |= debug
    with _user_errors(f"writing the cycle file for {cycle}"):
        from scrutiny.analysis import actions

        src = from_ if from_ is not None else actions.latest_cycle_file(actions.CYCLES_DIR)
        path = actions.write_new_cycle(
            src, cycle, meeting_date=meeting_date.date() if meeting_date else None
        )
    _console().print(
        f"Wrote {path} from {src}. Edit its agenda and actions (the comments at the top say "
        f"what), then: scrutiny run {path}",
        soft_wrap=True,
    )


@app.command("national-counts", epilog=EXIT_HELP)
def national_counts(
    path: Annotated[
        Path,
        typer.Argument(
            help="A folder or zip in police.uk's archive layout "
            "(YYYY-MM/YYYY-MM-<force>-street.csv.gz).",
            show_default=False,
            metavar="PATH",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="The file to write: .csv or .parquet.", show_default=False),
    ],
    outcome: Annotated[
        bool, typer.Option("--outcome", help="Count by last outcome category as well.")
    ] = False,
    force: Annotated[
        list[str] | None,
        typer.Option("--force", help="Only this force (its file-name slug); repeatable."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Count police.uk street files by month, force and crime type (DuckDB, no pandas rows).

    Columns month, force (the files' Falls within), crime_type[, last_outcome], count. A
    file name not in the layout, a missing column or an unreadable gzip stops with exit 2,
    naming the file.
    """
    _DEBUG["on"] |= debug
    with _user_errors(f"counting {path}"):
        from scrutiny.data import national

        if out.suffix.lower() not in {".csv", ".parquet"}:
            from scrutiny.errors import ParamsError

            raise ParamsError(str(out), "--out must end .csv or .parquet")
        counts = national.national_counts(path, outcome=outcome, forces=force or None)
        written = national.write_counts(counts, out)
    _console().print(
        f"Wrote {written}: {len(counts):,} rows, {int(counts['count'].sum()):,} crimes and "
        f"incidents, {counts['force'].nunique()} forces, months "
        f"{counts['month'].min()} to {counts['month'].max()}.",
        soft_wrap=True,
        highlight=False,
    )


budget_app = typer.Typer(
    help="Budget parameters (params/budget/): roll the plan forward one year.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(budget_app, name="budget")


@budget_app.command("roll", epilog=EXIT_HELP)
def budget_roll(
    source: Annotated[
        Path,
        typer.Argument(
            help="The budget parameters to roll, e.g. params/budget/mtfp-2022-23.yaml.",
            show_default=False,
        ),
    ],
    option: Annotated[
        str | None,
        typer.Option(
            "--option",
            help="The option that was decided; default the file's decided_option.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write; default mtfp-<first new plan year>.yaml beside the source.",
            show_default=False,
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Roll the budget plan forward one year: the decided option becomes the base.

    Writes a new parameters file (never overwrites) whose header says what to type in: the
    new year's referendum limit, published figures, the options to compare.
    """
    _DEBUG["on"] |= debug
    with _user_errors(f"rolling {source} forward"):
        from scrutiny.analysis import budget

        path = budget.write_roll(source, option_id=option, out=out)
    _console().print(
        f"Wrote {path} from {source}. Type in the new year's referendum limit and the options "
        "(the comments at the top say what), then point a briefing's budget_file at it.",
        soft_wrap=True,
    )


def _cycle_file(cycle: str) -> Path:
    """A cycle file given as a path, or as ``YYYY-MM`` (``params/cycles/YYYY-MM.yaml``)."""
    import re

    from scrutiny import config
    from scrutiny.errors import ParamsError

    if re.fullmatch(r"\d{4}-\d{2}", cycle):
        path = config.PARAMS_DIR / "cycles" / f"{cycle}.yaml"
    else:
        path = Path(cycle)
    if not path.is_file():
        raise ParamsError(path, "no such cycle file (give YYYY-MM or the path of a cycle file)")
    return path


def _cycle_folder(path: Path, reports_dir: Path | None) -> tuple[object, Path]:
    from scrutiny import config
    from scrutiny.run.params import validate_cycle

    root = None if __import__("os").environ.get(config.ROOT_ENV) else config.project_root_for(path)
    with config.using_root(root):
        cycle, _ = validate_cycle(path)
        folder = Path(reports_dir or config.REPORTS_DIR) / cycle.cycle
    return cycle, folder


@app.command(epilog=EXIT_HELP)
def pack(
    cycle: Annotated[
        str,
        typer.Argument(
            help="The cycle: YYYY-MM (params/cycles/YYYY-MM.yaml) or a cycle file.",
            show_default=False,
            metavar="CYCLE",
        ),
    ],
    reports_dir: Annotated[
        Path | None,
        typer.Option("--reports-dir", file_okay=False, help="Where the cycle was published."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rebuild even when the packs are up to date.")
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Rebuild the board packs of a published cycle: pack.pdf and public-pack.pdf.

    Prints every published page with Chromium (SCRUTINY_CHROMIUM, else /usr/bin/chromium;
    exit 3 without it), in agenda order with a cover, contents, bookmarks and the
    classification and page number on every page (exit 5 if it cannot be built).
    """
    _DEBUG["on"] |= debug
    out = _console()
    with _user_errors(f"building the board packs of {cycle}"):
        from scrutiny.errors import ParamsError
        from scrutiny.run import lock
        from scrutiny.run.pack import build_packs
        from scrutiny.run.publish import read_manifest

        path = _cycle_file(cycle)
        the_cycle, folder = _cycle_folder(path, reports_dir)
        if not folder.is_dir():
            raise ParamsError(folder, "the cycle has not been published here; run it first")
        entries = read_manifest(folder / "manifest.json").get("briefings", {})
        bad = [
            n
            for n in (b.name for b in the_cycle.briefings)  # type: ignore[attr-defined]
            if entries.get(n, {}).get("status") in (None, "failed", "not run", "interrupted")
        ]
        if bad:
            raise ParamsError(
                folder,
                "these briefings are not published and up to date, so the pack would not "
                f"match the cycle: {', '.join(bad)}; run the cycle first",
            )
        with lock.hold(folder, lambda text: out.print(f"Note: {text}", markup=False)):
            results = build_packs(
                the_cycle,  # type: ignore[arg-type]
                folder,
                force=force,
                progress=lambda text: out.print(text, markup=False, highlight=False),
            )
            from scrutiny.run.runner import _CycleRun

            state = _CycleRun(path, the_cycle, folder, _PlainProgress(out))  # type: ignore[arg-type]
            for b in the_cycle.briefings:  # type: ignore[attr-defined]
                state.entry(b)
            state.write_index()  # the index links the new packs
    for r in results:
        state = "built" if r.built else "up to date"
        out.print(f"Board pack {state}: {r.path} ({r.pages} pages)", soft_wrap=True, markup=False)


@app.command(epilog=EXIT_HELP)
def publish(
    cycle: Annotated[
        str,
        typer.Argument(
            help="The cycle: YYYY-MM (params/cycles/YYYY-MM.yaml) or a cycle file.",
            show_default=False,
            metavar="CYCLE",
        ),
    ],
    public: Annotated[
        Path,
        typer.Option(
            "--public",
            file_okay=False,
            help="The folder for the website: gets only the pages marked public, a public "
            "index and public-pack.pdf.",
            show_default=False,
        ),
    ],
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="NAME",
            help="Publish only this page (it must be marked public); repeat for more.",
        ),
    ] = None,
    reports_dir: Annotated[
        Path | None,
        typer.Option("--reports-dir", file_okay=False, help="Where the cycle was published."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Copy a cycle's public papers to a folder for the website, and nothing else.

    Only pages marked public (public: true in the cycle file: OFFICIAL, disclosure control
    on) are copied, with a public index and public-pack.pdf; no executed notebook, no
    manifest, no name of or link to any other page. Asking for a page that is not marked
    public is refused (exit 2, nothing written), as is a folder holding other files.
    """
    _DEBUG["on"] |= debug
    with _user_errors(f"publishing {cycle} to {public}"):
        from scrutiny.run.publish import publish_public
        from scrutiny.run.runner import git_info

        path = _cycle_file(cycle)
        the_cycle, folder = _cycle_folder(path, reports_dir)
        names = [n.strip() for v in (only or []) for n in v.split(",") if n.strip()]
        done = publish_public(the_cycle, folder, public, only=names or None, prov=git_info())
    _console().print(
        f"Published {len(done.pages)} public page(s) to {done.folder}: " + ", ".join(done.files),
        soft_wrap=True,
        markup=False,
    )


if __name__ == "__main__":  # pragma: no cover - `python -m scrutiny.cli`
    sys.exit(app())
