"""The board: a Corporate Governance Board cycle file read into strict models.

A cycle file (``params/cycles/YYYY-MM.yaml``) names the meeting, the month its data run to,
the agenda items, the action log carried from board to board and the briefings the cycle
produces. :func:`load_cycle` reads it into :class:`Cycle` (unknown keys anywhere are
errors, naming the key and suggesting the likely one); every problem is reported with the
file, the briefing and the key, all at once, as :class:`CycleError`. The runner
(:mod:`scrutiny.run.params`) adds the checks of each briefing's notebook parameters.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from scrutiny import provenance, yamlio
from scrutiny.analysis import registers as _registers
from scrutiny.analysis.method import Method
from scrutiny.analysis.registers import Registers
from scrutiny.errors import ParamsError

YearMonth = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Classification = Literal["OFFICIAL", "OFFICIAL-SENSITIVE"]
Session = Literal["open", "closed"]

# Parameters the runner fills in from the briefing entry itself, not from ``parameters:``.
RUNNER_PARAMETERS = ("classification",)
# Supplied by the cycle itself (see cycle_context); a cycle file may still set them.
CONTEXT_PARAMETERS = ("cycle_file", "previous_cycle", "previous_data_to")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Briefing(_Strict):
    """One briefing of a cycle: a notebook and the parameters it is run with."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")] = Field(
        description="output file name (reports/<cycle>/<name>.html): lower case, digits, _ and -"
    )
    notebook: str = Field(description="notebook path, relative to the project root")
    title: str | None = Field(default=None, description="else the notebook's first h1")
    description: str | None = Field(
        default=None, description="one line for the index and the board pack: what it is for"
    )
    classification: Classification = "OFFICIAL"
    public: bool = Field(
        default=False,
        description="for the public (OFFICIAL, disclosure control on): published by "
        "scrutiny publish --public and put in public-pack.pdf",
    )
    board_pack: bool = Field(
        default=True,
        description="in pack.pdf; false for a page the Board reads in another version (the "
        "public Panel summary beside the restricted one) or that is not a paper of the "
        "meeting: still on the index and, if public, in public-pack.pdf",
    )
    timeout_minutes: float | None = Field(default=None, gt=0)
    parameters: dict[str, Any] = Field(default_factory=dict)


class AgendaItem(_Strict):
    """An item on the Corporate Governance Board agenda for the cycle."""

    id: str
    title: str
    session: Session
    theme: str
    request: str
    response: str
    outcome: str
    kpis: list[str] = Field(default_factory=list)
    briefings: list[str] = Field(
        default_factory=list, description="the briefings that are this item's evidence, in order"
    )


class Action(_Strict):
    """An action raised at a board meeting, carried from cycle to cycle until complete."""

    id: str
    raised_at: YearMonth
    item: str = Field(description="the id of the agenda item that raised it")
    description: str
    owner: str
    due: dt.date
    status: Literal["open", "in progress", "complete"]
    update: str = ""
    session: Session = "open"


def force_folder_name(force: str) -> str:
    """The folder a force's pages go in: its name in lower case, without the service word.

    Examples
    --------
    >>> force_folder_name("City of London Police")
    'city-of-london'
    >>> force_folder_name("Devon & Cornwall Police")
    'devon-and-cornwall'
    >>> force_folder_name("Cumbria Constabulary")
    'cumbria'
    """
    name = re.sub(r"\s+(police( service)?|constabulary)$", "", force.strip(), flags=re.I)
    name = name.replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class ForceRun(_Strict):
    """One force (one set of parameters) of a cycle run for many forces.

    In the cycle file, ``forces:`` lists either force names or mappings with ``force``,
    an optional ``name`` (the folder under ``reports/<cycle>/``; default from the force
    name, e.g. ``city-of-london``) and ``parameters`` (set for every briefing of that force
    that declares them, over the cycle's ``defaults``): a matrix of parameter sets.
    """

    force: str = Field(description="the force, as police.uk names it in 'Falls within'")
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")] | None = Field(
        default=None,
        description="folder under reports/<cycle>/: lower case, digits, _ and - "
        "(default from the force name)",
    )
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("force")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("force must name a police force, e.g. 'Cumbria Constabulary'")
        return value.strip()

    @property
    def folder(self) -> str:
        """The folder under ``reports/<cycle>/`` this force's pages go in."""
        return self.name or force_folder_name(self.force)


class Cycle(_Strict):
    """A Corporate Governance Board cycle: what is reported, to when, and which briefings."""

    cycle: YearMonth
    title: str
    meeting_date: dt.date
    data_to: YearMonth
    defaults: dict[str, Any] = Field(default_factory=dict)
    timeout_minutes: float = Field(default=30.0, gt=0)
    method: Method = Field(default_factory=Method)
    briefings: list[Briefing] = Field(default_factory=list)
    agenda: list[AgendaItem] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    registers: Registers = Field(
        default_factory=Registers,
        description="HMICFRS, risk, collaboration, project and delivery-plan registers",
    )
    forces: list[ForceRun] = Field(
        default_factory=list,
        description="run the cycle for each of these forces (or parameter sets): pages in "
        "reports/<cycle>/<folder>/ and a national index reports/<cycle>/forces.html",
    )

    @field_validator("forces", mode="before")
    @classmethod
    def _force_names(cls, value: Any) -> Any:
        """Read a bare force name in ``forces:`` as ``{force: name}``."""
        if value is None:
            return []
        if isinstance(value, list):
            return [{"force": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("defaults", "briefings", "agenda", "actions", "registers", mode="before")
    @classmethod
    def _empty(cls, value: Any, info: ValidationInfo) -> Any:
        """Read a key left empty in YAML (``briefings:`` with nothing under it) as empty."""
        if value is None:
            return {} if info.field_name in ("defaults", "registers") else []
        return value

    def briefing(self, name: str) -> Briefing:
        """Return the briefing called ``name`` (KeyError if there is none)."""
        for b in self.briefings:
            if b.name == name:
                return b
        raise KeyError(name)

    def for_force(self, run: ForceRun) -> Cycle:
        """Return the cycle for one of its ``forces``: its defaults, its title, no ``forces``.

        The force and the entry's ``parameters`` go over the cycle's ``defaults``; the
        title names the force, so every page says whose it is.
        """
        defaults = {**self.defaults, "force": run.force, **run.parameters}
        title = f"{self.title}: {run.force}"
        if run.name and run.name != force_folder_name(run.force):
            title = f"{title} ({run.name})"
        return self.model_copy(update={"defaults": defaults, "forces": [], "title": title})


class CycleError(ValueError):
    """One or more problems with a cycle file; ``errors`` holds each as a ParamsError."""

    def __init__(self, errors: list[ParamsError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# ---------------------------------------------------------------------------------------
# Reading the cycle file


def _loc_text(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel]:
    lists = {"briefings": Briefing, "agenda": AgendaItem, "actions": Action, "forces": ForceRun}
    if len(loc) >= 3 and loc[0] in lists and isinstance(loc[1], int):
        return lists[str(loc[0])]
    if len(loc) >= 2 and loc[0] == "method":
        return Method
    if len(loc) >= 2 and loc[0] == "registers":
        return _registers.model_at(loc[1:]) or Cycle
    return Cycle


def _briefing_name(raw: Any, loc: tuple[int | str, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "briefings" and isinstance(loc[1], int):
        try:
            name = raw["briefings"][loc[1]].get("name")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return str(name) if name is not None else f"#{loc[1] + 1}"
    return None


def suggest_key(word: str, choices: list[str]) -> str:
    """Return "; did you mean 'x'?" for the closest of ``choices``, or ""."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _pydantic_errors(path: Path, raw: Any, exc: ValidationError) -> list[ParamsError]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = _loc_text(loc)
        if loc and loc[0] == "registers" and isinstance(raw, dict):
            where = _registers.where(raw.get("registers"), loc[1:])
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            allowed = sorted(_model_at(loc).model_fields)
            problem = (
                f"{where}: unknown key '{key}'{suggest_key(key, allowed)} "
                f"(allowed here: {', '.join(allowed)})"
            )
        elif err["type"] == "missing":
            problem = f"{where}: required key is missing"
        elif str(err["type"]).startswith("date") and yamlio.date_problem(str(err.get("input"))):
            problem = f"{where}: {yamlio.date_problem(str(err.get('input')))}"
        else:
            problem = f"{where}: {err['msg']} (got {err.get('input')!r})"
        out.append(ParamsError(path, problem, _briefing_name(raw, loc)))
    return out


def load_cycle(path: str | Path) -> Cycle:
    """Read and check a cycle file.

    Parameters
    ----------
    path
        The YAML file, e.g. ``params/cycles/2022-11.yaml``.

    Returns
    -------
    Cycle
        The validated cycle.

    Raises
    ------
    CycleError
        Listing every problem found: text that is not UTF-8 (naming the byte offset and
        line), YAML syntax, duplicate or unknown keys, a date that does not exist, YAML
        aliases beyond :mod:`scrutiny.yamlio`'s limits (an alias bomb), wrong types,
        duplicate briefing names, a cycle that does not match the file name.
    """
    p = Path(path)
    try:
        raw = yamlio.read_yaml(p)
    except ParamsError as exc:
        raise CycleError([exc]) from None
    if not isinstance(raw, dict):
        raise CycleError([ParamsError(p, "expected a mapping with cycle, title, briefings, ...")])
    try:
        cycle = Cycle.model_validate(raw)
    except ValidationError as exc:
        raise CycleError(_pydantic_errors(p, raw, exc)) from exc

    errors = []
    if p.suffix in {".yaml", ".yml"} and p.stem != cycle.cycle:
        errors.append(
            ParamsError(p, f"cycle: '{cycle.cycle}' does not match the file name '{p.name}'")
        )
    for key in ("cycle", "data_to"):
        if key in cycle.defaults and cycle.defaults[key] != getattr(cycle, key):
            errors.append(
                ParamsError(
                    p,
                    f"defaults.{key}: {cycle.defaults[key]!r} differs from the top-level "
                    f"{key} {getattr(cycle, key)!r}",
                )
            )
    seen: set[str] = set()
    for i, b in enumerate(cycle.briefings):
        if b.name in seen:
            errors.append(ParamsError(p, f"briefings[{i}].name: '{b.name}' is used twice", b.name))
        seen.add(b.name)
    for kind, items in (("agenda", cycle.agenda), ("actions", cycle.actions)):
        ids: set[str] = set()
        for i, item in enumerate(items):
            if item.id in ids:
                errors.append(ParamsError(p, f"{kind}[{i}].id: '{item.id}' is used twice"))
            ids.add(item.id)
    folders: dict[str, int] = {}
    for i, f in enumerate(cycle.forces):
        if f.folder in folders:
            errors.append(
                ParamsError(
                    p,
                    f"forces[{i}]: the folder '{f.folder}' is used by forces[{folders[f.folder]}] "
                    "too; give one of them its own name",
                )
            )
        folders.setdefault(f.folder, i)
        for key in ("cycle", "data_to"):
            if key in f.parameters:
                errors.append(
                    ParamsError(
                        p,
                        f"forces[{i}].parameters.{key}: every force of a cycle reports on the "
                        f"cycle's own {key}; run another cycle file for another {key}",
                    )
                )
    errors += _registers.duplicate_problems(cycle.registers, file=p)
    if errors:
        raise CycleError(errors)
    # Briefings that read the agenda or actions depend on this file's content.
    provenance.record_input(p, description="CGB cycle file (agenda and actions)")
    return cycle
