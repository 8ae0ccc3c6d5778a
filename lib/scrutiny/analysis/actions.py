"""The CGB action log and agenda across cycles, and the next cycle file built from the latest.

Actions are raised at a Corporate Governance Board and carried in the cycle file
(``params/cycles/YYYY-MM.yaml``) until they are complete. Open and in-progress actions move
to the next cycle unchanged; complete ones stay in the older file, which is the audit trail.
Items and actions taken in closed session never reach the public (Panel) versions.

Everything here is pure except :func:`load_cycles`, :func:`check_cycle_actions` and
:func:`write_new_cycle`, which read and write files at the edge.
"""

from __future__ import annotations

import calendar
import copy
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import ValidationError

from scrutiny import yamlio
from scrutiny.analysis import registers
from scrutiny.analysis.board import CONTEXT_PARAMETERS, Action, AgendaItem, Cycle, load_cycle
from scrutiny.config import PARAMS_DIR
from scrutiny.errors import ParamsError

if TYPE_CHECKING:  # pandas is imported where a frame is built: checking a cycle needs none
    import pandas as pd

CYCLES_DIR = PARAMS_DIR / "cycles"
_CYCLE_ID = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: Columns of :func:`action_log`.
ACTION_LOG_COLUMNS = [
    "id",
    "raised_at",
    "item",
    "description",
    "owner",
    "due",
    "status",
    "update",
    "session",
    "overdue",
    "days_overdue",
]

#: Columns of :func:`agenda_frame`.
AGENDA_COLUMNS = ["id", "title", "theme", "session", "request", "response", "outcome", "kpis"]


# --------------------------------------------------------------------------- action log


def action_log(
    actions: Sequence[Action], *, as_at: date, session: Literal["open", "all"] = "open"
) -> pd.DataFrame:
    """The action log as at a date, overdue actions first.

    Parameters
    ----------
    actions
        The cycle's actions.
    as_at
        The date the log is judged at, normally the meeting date. An action due on this
        date is not yet overdue.
    session
        ``"open"`` (the public, Panel version) leaves out every closed-session action;
        ``"all"`` keeps them (OFFICIAL-SENSITIVE briefings only).

    Returns
    -------
    DataFrame
        Columns :data:`ACTION_LOG_COLUMNS`. ``overdue`` is True when the action is not
        complete and ``due < as_at``; ``days_overdue`` is ``(as_at - due).days`` when
        overdue, else 0. Sorted overdue first, then by due date, then id.
    """
    import pandas as pd

    if session not in ("open", "all"):
        raise ValueError(f"session must be 'open' or 'all', got {session!r}")
    kept = [a for a in actions if session == "all" or a.session == "open"]
    rows = []
    for a in kept:
        overdue = a.status != "complete" and a.due < as_at
        rows.append(
            {
                "id": a.id,
                "raised_at": a.raised_at,
                "item": a.item,
                "description": a.description,
                "owner": a.owner,
                "due": pd.Timestamp(a.due),
                "status": a.status,
                "update": a.update,
                "session": a.session,
                "overdue": overdue,
                "days_overdue": (as_at - a.due).days if overdue else 0,
            }
        )
    df = pd.DataFrame(rows, columns=ACTION_LOG_COLUMNS)
    df = df.astype({"due": "datetime64[ns]", "overdue": bool, "days_overdue": "int64"})
    df = df.sort_values(["overdue", "due", "id"], ascending=[False, True, True], kind="stable")
    return df.reset_index(drop=True)


def public_actions(actions: Sequence[Action]) -> list[Action]:
    """The actions that may be shown to the Panel and the public (open session only)."""
    return [a for a in actions if a.session == "open"]


def carry_forward(previous_cycle: Cycle) -> list[Action]:
    """The actions that move to the next cycle: every action not yet complete, unchanged.

    Complete actions are dropped here; they stay in the previous cycle file as the record.
    """
    return [a.model_copy(deep=True) for a in previous_cycle.actions if a.status != "complete"]


# --------------------------------------------------------------------------- agenda


def public_agenda(agenda: Sequence[AgendaItem]) -> list[AgendaItem]:
    """The agenda items that may be shown to the Panel and the public (open session only)."""
    return [item for item in agenda if item.session == "open"]


def agenda_frame(
    agenda: Sequence[AgendaItem], *, session: Literal["open", "all"] = "open"
) -> pd.DataFrame:
    """The agenda as a table, one row per item in agenda order.

    Parameters
    ----------
    agenda
        The cycle's agenda.
    session
        ``"open"`` leaves out closed-session items; ``"all"`` keeps them.

    Returns
    -------
    DataFrame
        Columns :data:`AGENDA_COLUMNS`; ``kpis`` holds the KPI ids joined with ", ".
    """
    import pandas as pd

    if session not in ("open", "all"):
        raise ValueError(f"session must be 'open' or 'all', got {session!r}")
    items = public_agenda(agenda) if session == "open" else list(agenda)
    rows = [
        {
            "id": i.id,
            "title": i.title,
            "theme": i.theme,
            "session": i.session,
            "request": i.request,
            "response": i.response,
            "outcome": i.outcome,
            "kpis": ", ".join(i.kpis),
        }
        for i in items
    ]
    return pd.DataFrame(rows, columns=AGENDA_COLUMNS)


def closed_session_note(agenda: Sequence[AgendaItem], actions: Sequence[Action]) -> str | None:
    """A sentence for the public summary saying how much was held in closed session.

    Returns None when nothing was. Only counts are given, never titles.
    """
    n_items = sum(i.session == "closed" for i in agenda)
    n_actions = sum(a.session == "closed" for a in actions)
    if not n_items and not n_actions:
        return None

    def _count(n: int, noun: str) -> str:
        return f"{n} {noun}" + ("" if n == 1 else "s")

    parts = [_count(n, noun) for n, noun in ((n_items, "agenda item"), (n_actions, "action")) if n]
    one = n_items + n_actions == 1
    return (
        f"{' and '.join(parts)} {'was' if one else 'were'} taken in closed session because of "
        f"sensitive detail and {'is' if one else 'are'} not reported here."
    )


# --------------------------------------------------------------------------- validation


def action_item_problems(
    cycle: Cycle,
    earlier: Mapping[str, Cycle] | Sequence[Cycle] = (),
    *,
    file: str | Path,
) -> list[ParamsError]:
    """Every problem :func:`validate_action_items` checks for, all at once (empty: none).

    Parameters
    ----------
    cycle, earlier, file
        As for :func:`validate_action_items`.

    Returns
    -------
    list of ParamsError
        One per problem, in the order of the actions.
    """
    others = list(earlier.values()) if isinstance(earlier, Mapping) else list(earlier)
    known: dict[str, str] = {}  # item id -> the latest cycle (up to this one) naming it
    for c in sorted(others, key=lambda c: c.cycle):
        if c.cycle < cycle.cycle:
            known.update({i.id: c.cycle for i in c.agenda})
    known.update({i.id: cycle.cycle for i in cycle.agenda})
    seen: set[str] = set()
    problems: list[ParamsError] = []
    for n, a in enumerate(cycle.actions):
        where = f"actions[{n}] (id '{a.id}')"
        if a.id in seen:
            problems.append(ParamsError(file, f"{where}: the action id appears more than once"))
        seen.add(a.id)
        if a.raised_at > cycle.cycle:
            problems.append(
                ParamsError(
                    file,
                    f"{where}: raised_at '{a.raised_at}' is after this cycle ({cycle.cycle})",
                )
            )
        if a.item not in known:
            listed = ", ".join(sorted(known)) or "none"
            problems.append(
                ParamsError(
                    file,
                    f"{where}: item '{a.item}' is not an agenda item of {cycle.cycle} or an "
                    f"earlier cycle (expected one of: {listed})",
                )
            )
    return problems


def validate_action_items(
    cycle: Cycle,
    earlier: Mapping[str, Cycle] | Sequence[Cycle] = (),
    *,
    file: str | Path,
) -> None:
    """Check the cycle's actions against its agenda and the agendas before it.

    Every action's ``item`` must name an agenda item of this cycle or an earlier one, its
    ``raised_at`` must not be after this cycle, and action ids must not repeat.
    :func:`action_item_problems` returns every problem instead of raising the first.

    Parameters
    ----------
    cycle
        The cycle to check.
    earlier
        Earlier cycles (their agendas are searched too); later ones are ignored.
    file
        The cycle file, for error messages.

    Raises
    ------
    ParamsError
        The first problem, naming the file, the action (``actions[i]`` and its id) and
        what was expected.
    """
    problems = action_item_problems(cycle, earlier, file=file)
    if problems:
        raise problems[0]


def load_cycles(cycles_dir: str | Path = CYCLES_DIR) -> dict[str, Cycle]:
    """Every cycle file ``YYYY-MM.yaml`` in ``cycles_dir``, keyed by cycle id, oldest first."""
    files = sorted(p for p in Path(cycles_dir).glob("*.yaml") if _CYCLE_ID.match(p.stem))
    return {p.stem: load_cycle(p) for p in files}


def check_cycle_actions(path: str | Path) -> Cycle:
    """Load a cycle file and check its actions against the agendas of it and earlier files.

    The earlier cycle files are the ``YYYY-MM.yaml`` files in the same folder.

    Returns
    -------
    Cycle
        The loaded cycle.
    """
    path = Path(path)
    cycle = load_cycle(path)
    earlier = {
        k: c for k, c in load_cycles(path.parent).items() if k < cycle.cycle and k != path.stem
    }
    validate_action_items(cycle, earlier, file=path)
    return cycle


# --------------------------------------------------------------------------- new cycle


def latest_cycle_file(cycles_dir: str | Path = CYCLES_DIR) -> Path:
    """The cycle file with the latest ``YYYY-MM`` name in ``cycles_dir``."""
    files = sorted(p for p in Path(cycles_dir).glob("*.yaml") if _CYCLE_ID.match(p.stem))
    if not files:
        raise ParamsError(cycles_dir, "no cycle files (expected YYYY-MM.yaml)")
    return files[-1]


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _month(cycle_id: str) -> pd.Period:
    import pandas as pd

    return pd.Period(cycle_id, "M")


def _month_year(cycle_id: str) -> str:
    return _month(cycle_id).strftime("%B %Y")


def _same_day_in(day: int, cycle_id: str) -> date:
    """Day ``day`` of the cycle's month, clamped to the month's last day."""
    p = _month(cycle_id)
    return date(p.year, p.month, min(day, calendar.monthrange(p.year, p.month)[1]))


def _substitute(value: Any, swaps: Mapping[str, str], changed: list[str], where: str) -> Any:
    """Replace string values equal to a key of ``swaps``; record where in ``changed``."""
    if isinstance(value, str) and value in swaps:
        changed.append(where)
        return swaps[value]
    if isinstance(value, dict):
        return {k: _substitute(v, swaps, changed, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, swaps, changed, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


class _CycleDumper(yaml.SafeDumper):
    """Readable YAML: indented lists, quoted months, folded long text, inline short lists."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:  # noqa: D102
        return super().increase_indent(flow, False)


def _repr_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if len(value) > 70 and "\n" not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_str(value)


def _repr_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = all(isinstance(v, str | int | float) and len(str(v)) < 40 for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_CycleDumper.add_representer(str, _repr_str)
_CycleDumper.add_representer(list, _repr_list)


def new_cycle(
    latest_cycle_path: str | Path, new_cycle_id: str, *, meeting_date: date | None = None
) -> str:
    """The next cycle file, as YAML text, built from the latest one.

    The new file keeps the latest file's defaults, briefings and any other settings, with
    every parameter value that named the old cycle or its ``data_to`` month updated. It
    sets ``cycle``, ``data_to`` (the month before the cycle month), ``meeting_date`` and the
    month in the title; copies the agenda as a starting point with ``response`` and
    ``outcome`` emptied; and carries forward the actions that are not complete. Comments at
    the top say what to edit.

    Parameters
    ----------
    latest_cycle_path
        The latest cycle file, e.g. ``params/cycles/2022-11.yaml``.
    new_cycle_id
        The new cycle, ``YYYY-MM``, later than the latest.
    meeting_date
        The board date; by default the same day of the month as the latest meeting, in
        the new cycle's month (two months on for the usual bimonthly board), clamped to
        the month's end.

    Returns
    -------
    str
        YAML text that validates with :class:`scrutiny.analysis.board.Cycle`.

    Raises
    ------
    scrutiny.analysis.board.CycleError
        If the latest file is invalid (every problem listed).
    ParamsError
        If the new cycle id is malformed or not later than the latest.
    """
    src = Path(latest_cycle_path)
    latest = load_cycle(src)
    raw = yamlio.read_yaml(src)
    if not isinstance(new_cycle_id, str) or not _CYCLE_ID.match(new_cycle_id):
        raise ParamsError(src, f"new cycle '{new_cycle_id}' is not a month written YYYY-MM")
    if new_cycle_id <= latest.cycle:
        raise ParamsError(
            src, f"new cycle '{new_cycle_id}' is not later than this cycle ({latest.cycle})"
        )
    old_cycle, old_data_to = latest.cycle, latest.data_to
    data_to = str(_month(new_cycle_id) - 1)
    if meeting_date is None:
        meeting_date = _same_day_in(latest.meeting_date.day, new_cycle_id)

    swaps = {old_cycle: new_cycle_id, old_data_to: data_to}
    changed: list[str] = []
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "cycle":
            out[key] = new_cycle_id
        elif key == "title":
            title = str(value).replace(_month_year(old_cycle), _month_year(new_cycle_id))
            out[key] = title.replace(old_cycle, new_cycle_id)
        elif key == "meeting_date":
            out[key] = meeting_date
        elif key == "data_to":
            out[key] = data_to
        elif key == "defaults":
            kept = {k: v for k, v in value.items() if k not in CONTEXT_PARAMETERS}
            out[key] = _substitute(copy.deepcopy(kept), swaps, changed, "defaults")
        elif key == "briefings":
            briefings = copy.deepcopy(value) or []
            for b in briefings:
                if isinstance(b, dict) and "parameters" in b:
                    where = f"briefings[{b.get('name', '?')}].parameters"
                    b["parameters"] = _substitute(b["parameters"], swaps, changed, where)
                    # The runner supplies these for the new cycle; a copied value would
                    # point at the old one.
                    for name in CONTEXT_PARAMETERS:
                        if b["parameters"].pop(name, None) is not None:
                            changed.append(f"{where}.{name} (now from the cycle)")
            out[key] = briefings
        elif key in ("agenda", "actions", "registers"):
            continue
        else:
            out[key] = copy.deepcopy(value)
    out["agenda"] = [
        {**item.model_dump(mode="python"), "response": "", "outcome": ""} for item in latest.agenda
    ]
    carried = carry_forward(latest)
    out["actions"] = [a.model_dump(mode="python") for a in carried]
    reg_note: list[str] = []
    if "registers" in raw:
        regs = registers.carry_forward(latest.registers)
        out["registers"] = regs.model_dump(mode="python", exclude_none=True)
        n_in, n_out = sum(1 for _ in latest.registers.entries()), sum(1 for _ in regs.entries())
        done = n_in - n_out
        reg_note = [
            f"#  - registers: {n_out} {'entry' if n_out == 1 else 'entries'} not yet done carried"
            f" forward ({done} done {'entry' if done == 1 else 'entries'}",
            f"#    left in {src.name}); each risk's score is now its `previous`. After the",
            "#    board update status, scores, evidence and dates; add new entries.",
        ]

    n_done = len(latest.actions) - len(carried)
    swapped = ", ".join(c for c in changed if not c.startswith("defaults")) or "none"
    header = [
        f"# Corporate Governance Board cycle {new_cycle_id}: made by `scrutiny new-cycle` from",
        f"# {src.name}. Edit before running it:",
        f"#  - title and meeting_date ({meeting_date.isoformat()}): check the board calendar.",
        f"#  - data_to is {data_to}, the month before the cycle month.",
        f"#  - agenda: the {old_cycle} items are copied as a starting point. Rewrite each",
        "#    request, delete items not on this agenda, add new ones; fill in response and",
        "#    outcome after the board. Mark sensitive items `session: closed`.",
        f"#  - actions: {_n(len(carried), 'open or in-progress action')} carried forward",
        f"#    unchanged ({_n(n_done, 'complete action')} left in {src.name}). After the",
        f"#    board set each status and update; add new actions as A-{new_cycle_id}-NN.",
        *reg_note,
        f"#  - briefing parameters that named {old_cycle} or {old_data_to} now name",
        f"#    {new_cycle_id} or {data_to}: {swapped}.",
        "",
    ]
    body = yaml.dump(
        out, Dumper=_CycleDumper, sort_keys=False, allow_unicode=True, width=92, indent=2
    )
    text = "\n".join(header) + body
    # The generated file must load: fail here rather than when the analyst runs it.
    try:
        Cycle.model_validate(yamlio.parse_yaml(text, f"{new_cycle_id}.yaml"))
    except (ValidationError, ParamsError) as exc:  # pragma: no cover - a bug in this function
        raise ParamsError(f"{new_cycle_id}.yaml", f"generated file is invalid: {exc}") from None
    return text


def write_new_cycle(
    latest_cycle_path: str | Path,
    new_cycle_id: str,
    *,
    meeting_date: date | None = None,
    cycles_dir: str | Path | None = None,
) -> Path:
    """Write the next cycle file made by :func:`new_cycle`; never overwrites.

    Parameters
    ----------
    latest_cycle_path, new_cycle_id, meeting_date
        As for :func:`new_cycle`.
    cycles_dir
        Where to write ``<new_cycle_id>.yaml``; by default the latest file's folder.

    Returns
    -------
    Path
        The new file.

    Raises
    ------
    ParamsError
        If the file already exists (it is left untouched), or as :func:`new_cycle`.
    scrutiny.analysis.board.CycleError
        As :func:`new_cycle`.
    """
    src = Path(latest_cycle_path)
    target = Path(cycles_dir or src.parent) / f"{new_cycle_id}.yaml"
    if target.exists():
        raise ParamsError(
            target,
            "already exists; new-cycle never overwrites a cycle file (edit it, or delete it "
            "first if you mean to start it again)",
        )
    text = new_cycle(src, new_cycle_id, meeting_date=meeting_date)
    try:
        with target.open("x", encoding="utf-8") as fh:  # "x": fail if created meanwhile
            fh.write(text)
    except FileExistsError:
        raise ParamsError(
            target, "already exists; new-cycle never overwrites a cycle file"
        ) from None
    return target
