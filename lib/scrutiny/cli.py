"""The ``scrutiny`` command line: run a cycle of briefings, or list a notebook's parameters.

``scrutiny run params/cycles/2022-11.yaml`` validates the cycle, runs what is out of
date in parallel and publishes ``reports/2022-11/``. Exit codes: 0 every briefing ok or up
to date; 1 a briefing failed; 2 the cycle file or a parameter is wrong (nothing was run);
130 interrupted.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from scrutiny import __version__

app = typer.Typer(
    help="Run and publish the Corporate Governance Board briefings.",
    no_args_is_help=True,
    add_completion=False,
)

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


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Run and publish the Corporate Governance Board briefings."""


@app.command()
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
) -> None:
    """Run a cycle's briefings with papermill and publish them as HTML.

    Validates the whole cycle file and every briefing's parameters first (exit 2 on any
    problem, before a kernel starts), skips briefings whose notebook, parameters, data
    and the scrutiny code are unchanged, runs the rest in parallel, and writes
    <cycle>/<briefing>.html, the executed .ipynb, index.html and manifest.json.
    """
    from scrutiny.analysis.board import CycleError
    from scrutiny.run.params import outside_notebooks_allowed
    from scrutiny.run.runner import run_cycle

    out = _console()
    err = _console(stderr=True)
    live = out.is_terminal and not plain
    progress = _LiveProgress(out) if live else _PlainProgress(out)
    try:
        with outside_notebooks_allowed(allow_outside_notebooks):
            if live:
                with progress:  # type: ignore[attr-defined]
                    result = run_cycle(
                        cycle_file,
                        only=only,
                        jobs=jobs,
                        force=force,
                        reports_dir=reports_dir,
                        progress=progress,
                    )
            else:
                result = run_cycle(
                    cycle_file,
                    only=only,
                    jobs=jobs,
                    force=force,
                    reports_dir=reports_dir,
                    progress=progress,
                )
    except CycleError as exc:
        n = len(exc.errors)
        err.print(
            f"[bold red]Invalid cycle ({n} problem{'s' if n != 1 else ''}); nothing was run:[/]"
        )
        for e in exc.errors:
            err.print(f"  - {e}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except RuntimeError as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None

    if not result.cycle.briefings:
        out.print(
            f"Nothing to run: {cycle_file} lists no briefings. Index: {result.index}",
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(0)
    _summary(out, result)
    raise typer.Exit(result.exit_code)


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
    out.print(f"Index: {result.index}", soft_wrap=True, markup=False)


@app.command()
def params(
    notebook: Annotated[
        Path, typer.Argument(help="A notebook (.ipynb).", show_default=False, metavar="NOTEBOOK")
    ],
) -> None:
    """Show a notebook's parameters: names, types, defaults and help from their comments."""
    from scrutiny.errors import ParamsError
    from scrutiny.run.params import inspect_parameters

    out = _console()
    try:
        found = inspect_parameters(notebook)
    except ParamsError as exc:
        _console(stderr=True).print(f"[bold red]Error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    t = Table(title=escape(f"Parameters of {notebook}"), title_justify="left")
    for col in ("Name", "Type", "Default", "Help"):
        t.add_column(col, overflow="fold")
    for p in found.values():
        t.add_row(*(escape(x) for x in (p.name, p.type_name or "any", p.default, p.help)))
    out.print(t)
    if not found:
        out.print("The parameters cell declares nothing.")


@app.command("new-cycle")
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
) -> None:
    """Start the next cycle file: briefings kept, agenda copied, open actions carried forward.

    Writes params/cycles/YYYY-MM.yaml next to the file it starts from and never overwrites.
    """
    from rich.markup import escape

    from scrutiny.analysis import actions
    from scrutiny.analysis.board import CycleError
    from scrutiny.errors import ParamsError

    err = _console(stderr=True)
    try:
        src = from_ if from_ is not None else actions.latest_cycle_file(actions.CYCLES_DIR)
        path = actions.write_new_cycle(
            src, cycle, meeting_date=meeting_date.date() if meeting_date else None
        )
    except (ParamsError, CycleError) as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    _console().print(
        f"Wrote {path} from {src}. Edit its agenda and actions (the comments at the top say "
        f"what), then: scrutiny run {path}",
        soft_wrap=True,
    )


if __name__ == "__main__":  # pragma: no cover - `python -m scrutiny.cli`
    sys.exit(app())
