"""The cycle file and notebook parameters: strict models and checks made before any kernel starts.

A cycle file (``params/cycles/YYYY-MM.yaml``) says which briefings a Corporate Governance
Board cycle produces and with which parameters. :func:`load_cycle` reads it into the
:class:`Cycle` model (unknown keys anywhere are errors) and :func:`resolve_parameters`
checks each briefing's parameters against the cell tagged ``parameters`` in its notebook
(:func:`inspect_parameters`, built on papermill's ``inspect_notebook``).
:func:`check_cycle` then checks what the cycle refers to: notebooks inside the project,
KPI ids in the registry, actions raised on an agenda item, a ``data_to`` month that
the police.uk files hold, and the board pack's fields (:func:`pack_problems`: each agenda
item's ``briefings`` name briefings of the cycle, a briefing marked ``public`` is OFFICIAL
with disclosure control on, descriptions fit on one line). Every problem is reported with
the file, the briefing and the key, all at once, as :class:`CycleError`.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scrutiny import config, yamlio
from scrutiny.analysis.board import (
    RUNNER_PARAMETERS,
    Briefing,
    Cycle,
    CycleError,
    load_cycle,
    suggest_key,
)
from scrutiny.errors import DataError, ParamsError

#: Parameter names that hold KPI ids (checked against ``params/kpis.yaml``).
KPI_PARAMETER = re.compile(r"^(kpi|kpis|.+_kpi)$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# Set by ``scrutiny run --allow-outside-notebooks`` (see outside_notebooks_allowed).
_ALLOW_OUTSIDE: ContextVar[bool] = ContextVar("allow_outside_notebooks", default=False)


@contextlib.contextmanager
def outside_notebooks_allowed(allowed: bool = True) -> Iterator[None]:
    """Let :func:`check_cycle` accept notebooks outside the project while the block runs.

    ``scrutiny run --allow-outside-notebooks`` wraps the run in this, so the runner's own
    call of :func:`check_cycle` sees the choice without a new argument.
    """
    token = _ALLOW_OUTSIDE.set(allowed)
    try:
        yield
    finally:
        _ALLOW_OUTSIDE.reset(token)


@dataclass(frozen=True)
class NotebookParameter:
    """One name declared in a notebook's parameters cell.

    ``type_name`` is the annotation when there is one, else the type of the literal
    default (``None`` when it cannot be told, e.g. the default is an expression).
    """

    name: str
    type_name: str | None
    default: str
    help: str


# ---------------------------------------------------------------------------------------
# A notebook's parameters cell


def _literal(src: str) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(src)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _type_name(annotation: str, default: str) -> str | None:
    if annotation and annotation != "None":
        return annotation
    ok, value = _literal(default)
    return type(value).__name__ if ok else None


def _ast_parameters(source: str) -> dict[str, NotebookParameter]:
    """Read top-level assignments with the standard library parser.

    papermill's line-based parser skips a line holding a second ``=`` (for example in its
    comment); the notebook still declares that name, so the runner must know it.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    lines = source.splitlines()
    out: dict[str, NotebookParameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, annotation = node.targets[0], ""
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, annotation = node.target, ast.unparse(node.annotation)
        else:
            continue
        if not isinstance(target, ast.Name) or node.value is None:
            continue
        default = ast.get_source_segment(source, node.value) or ast.unparse(node.value)
        last = lines[(node.end_lineno or node.lineno) - 1][node.end_col_offset or 0 :]
        comment = last.split("#", 1)[1].strip() if "#" in last else ""
        out[target.id] = NotebookParameter(
            name=target.id,
            type_name=_type_name(annotation, default),
            default=" ".join(default.split()),
            help=comment,
        )
    return out


def inspect_parameters(notebook: str | Path) -> dict[str, NotebookParameter]:
    """Return the names declared in a notebook's parameters cell, with types and help.

    Python's own parser reads the cell (:func:`_ast_parameters`). Only a cell it cannot
    parse (an IPython magic, say) goes to papermill's line-based ``inspect_notebook``,
    whose import (nbformat, jsonschema: 1.85 s) would otherwise come before the first
    kernel of a cold run; names papermill cannot parse (a line with a second ``=``, e.g.
    in the comment) are then filled in from whatever Python's parser made of the cell.
    On every notebook of the project the two readings are equal.

    Parameters
    ----------
    notebook
        The ``.ipynb`` file.

    Returns
    -------
    dict
        Name to :class:`NotebookParameter`, in the order of the cell. The help text is
        the comment at the end of the line (``area = "Leicester"  # policing area``).

    Raises
    ------
    ParamsError
        The notebook cannot be read or has no cell tagged ``parameters``.
    """
    p = Path(notebook)
    try:
        cells = json.loads(p.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError) as exc:
        raise ParamsError(p, f"cannot read the notebook ({exc})") from exc
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        raise ParamsError(p, "no cell is tagged 'parameters' (every briefing needs one)")
    source = "".join(tagged[0].get("source", ""))
    try:
        ast.parse(source)
    except SyntaxError:
        pass
    else:
        return _ast_parameters(source)

    from_papermill = papermill_parameters(p)
    from_ast = _ast_parameters(source)
    ordered = list(from_ast) + [n for n in from_papermill if n not in from_ast]
    return {n: from_papermill.get(n) or from_ast[n] for n in ordered}


def papermill_parameters(notebook: Path) -> dict[str, NotebookParameter]:
    """The parameters cell as papermill's line-based ``inspect_notebook`` reads it.

    It skips lines it cannot parse (a magic, a second ``=`` in a comment); its "unable to
    parse line" warnings are silenced, as :func:`inspect_parameters` fills those in.
    """
    import logging

    from papermill import inspect_notebook  # slow import (nbformat, jsonschema): only here

    log = logging.getLogger("papermill")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        found = inspect_notebook(str(notebook))
    finally:
        log.setLevel(level)
    return {
        name: NotebookParameter(
            name=name,
            type_name=_type_name(info["inferred_type_name"], info["default"]),
            default=info["default"],
            help=info["help"],
        )
        for name, info in found.items()
    }


def parameters_to_json(params: Mapping[str, NotebookParameter]) -> dict[str, dict[str, Any]]:
    """Return inspected parameters as plain JSON-able dicts (for caching)."""
    return {k: asdict(v) for k, v in params.items()}


def parameters_from_json(data: Mapping[str, Mapping[str, Any]]) -> dict[str, NotebookParameter]:
    """Inverse of :func:`parameters_to_json`."""
    return {k: NotebookParameter(**v) for k, v in data.items()}


_ARTICLE = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}
_ARTICLE |= {"list": "a list", "dict": "a mapping"}


def _check_type(value: Any, param: NotebookParameter) -> tuple[bool, Any]:
    """Return (ok, value to pass): ``value`` against the declared type, converting dates."""
    name = param.type_name
    if name is None:
        return True, value
    optional = False
    m = re.fullmatch(r"Optional\[(.+)\]", name.strip())
    if m:
        optional, name = True, m.group(1)
    base = name.split("[", 1)[0].strip()
    if value is None and optional:
        return True, value
    if base in {"NoneType", "Any", "object"}:
        return True, value
    if base == "str":
        if isinstance(value, dt.date):  # YAML reads 2022-11-23 as a date
            return True, value.isoformat()
        return isinstance(value, str), value
    if base == "bool":
        return isinstance(value, bool), value
    if base == "int":
        return isinstance(value, int) and not isinstance(value, bool), value
    if base == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return ok, float(value) if ok else value
    if base in {"list", "List", "tuple"}:
        return isinstance(value, list), value
    if base in {"dict", "Dict"}:
        return isinstance(value, dict), value
    return True, value  # an annotation we do not model (e.g. a class name): let it through


def resolve_parameters(
    cycle: Cycle,
    briefing: Briefing,
    declared: Mapping[str, NotebookParameter],
    *,
    file: str | Path,
    index: int | None = None,
    context: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[ParamsError]]:
    """Work out the parameters a briefing's notebook is run with, and check them.

    The cycle's context (:func:`cycle_context`: its own file, the previous cycle's
    ``data_to``) goes first to notebooks that declare those names, then the cycle's
    ``defaults``, then ``classification`` from the briefing entry, and the briefing's own
    ``parameters`` come last.

    Parameters
    ----------
    cycle, briefing
        The validated cycle and one of its briefings.
    declared
        The notebook's parameters (:func:`inspect_parameters`).
    file
        The cycle file, named in errors.
    index
        The briefing's position in the file, for ``briefings[i].parameters.key``.
    context
        Values the cycle itself supplies (see :func:`cycle_context`).

    Returns
    -------
    tuple
        (parameters to pass, problems found). Parameters are JSON-able; dates given for
        string parameters become ISO strings.
    """
    where = f"briefings[{index}]" if index is not None else f"briefing '{briefing.name}'"
    errors: list[ParamsError] = []
    resolved: dict[str, Any] = {}
    sources: dict[str, str] = {}

    for key, value in (context or {}).items():
        if key in declared:
            resolved[key], sources[key] = value, f"the cycle ({key})"
    for key, value in cycle.defaults.items():
        if key in declared:
            resolved[key], sources[key] = value, f"defaults.{key}"
    if "classification" in declared:
        resolved["classification"] = briefing.classification
        sources["classification"] = f"{where}.classification"
    for key, value in briefing.parameters.items():
        loc = f"{where}.parameters.{key}"
        if key in RUNNER_PARAMETERS:
            errors.append(
                ParamsError(
                    file,
                    f"{loc}: set '{key}' on the briefing itself, not under parameters",
                    briefing.name,
                )
            )
        elif key not in declared:
            names = list(declared)
            errors.append(
                ParamsError(
                    file,
                    f"{loc}: '{key}' is not a parameter of {briefing.notebook}"
                    f"{suggest_key(key, names)} (it declares: {', '.join(names) or 'nothing'})",
                    briefing.name,
                )
            )
        else:
            resolved[key], sources[key] = value, loc

    for key in list(resolved):
        param = declared[key]
        ok, value = _check_type(resolved[key], param)
        if ok:
            resolved[key] = value
            continue
        expected = _ARTICLE.get(str(param.type_name), f"of type {param.type_name}")
        errors.append(
            ParamsError(
                file,
                f"{sources[key]}: '{key}' should be {expected}, like the notebook's default "
                f"{param.default}; got {resolved[key]!r} ({type(resolved[key]).__name__})",
                briefing.name,
            )
        )
    return resolved, errors


def notebook_path(briefing: Briefing) -> Path:
    """Return the briefing's notebook as an absolute path (relative to the project root)."""
    return config.resolve(briefing.notebook)


def cycle_context(path: str | Path, cycle: Cycle) -> dict[str, Any]:
    """Values a cycle supplies to notebooks that declare them, unless set explicitly.

    ``cycle_file``
        This cycle file (relative to the project root when inside it), so a briefing that
        reads the agenda and actions reads this cycle's, never its notebook's default.
    ``previous_cycle``, ``previous_data_to``
        The cycle before this one (the latest ``YYYY-MM.yaml`` in the same folder that
        sorts before it) and its ``data_to``, for movement since the last board. Absent
        when there is no earlier cycle file.
    """
    p = Path(path).resolve()
    try:
        shown = p.relative_to(config.PROJECT_ROOT).as_posix()
    except ValueError:
        shown = str(p)
    out: dict[str, Any] = {"cycle_file": shown}
    earlier = sorted(
        f
        for f in p.parent.glob("*.yaml")
        if re.fullmatch(r"\d{4}-\d{2}", f.stem) and f.stem < p.stem
    )
    if earlier:
        try:
            prev = yamlio.read_yaml(earlier[-1]) or {}
        except ParamsError:
            prev = {}
        if isinstance(prev, dict) and prev.get("data_to"):
            out["previous_cycle"] = earlier[-1].stem
            out["previous_data_to"] = str(prev["data_to"])
    return out


def _outside_project(notebook: Path) -> bool:
    """True when ``notebook`` (symbolic links followed) is not inside the project folder."""
    return not notebook.resolve().is_relative_to(config.PROJECT_ROOT.resolve())


def _origin(cycle: Cycle, briefing: Briefing, index: int, key: str) -> str:
    """Where the value of ``key`` passed to a briefing is set in the cycle file."""
    if key in briefing.parameters:
        return f"briefings[{index}].parameters.{key}"
    if key == "data_to" and key in cycle.defaults:
        return "data_to"
    if key in cycle.defaults:
        return f"defaults.{key}"
    return f"{briefing.notebook} (its default {key})"


def _literal_default(param: NotebookParameter | None) -> Any:
    ok, value = _literal(param.default) if param is not None else (False, None)
    return value if ok else None


def kpi_problems(
    path: str | Path,
    cycle: Cycle,
    params: Mapping[str, Mapping[str, Any]],
    *,
    registry: Callable[[], Iterable[str]] | None = None,
) -> list[ParamsError]:
    """KPI ids the cycle names that are not in the KPI registry (``params/kpis.yaml``).

    Checked: every briefing parameter set by the cycle whose name is ``kpi``, ``kpis`` or
    ends in ``_kpi`` (a string or a list of strings; ``""`` means "none"), and every agenda
    item's ``kpis``.

    Parameters
    ----------
    path
        The cycle file, named in errors.
    cycle
        The loaded cycle.
    params
        Briefing name to the parameters resolved for it (:func:`resolve_parameters`).
    registry
        Returns the registry (default :func:`scrutiny.analysis.kpis.load_registry`); only
        called when there is an id to check.
    """
    wanted: list[tuple[str, str | None, str]] = []  # (where, briefing, id)
    for i, b in enumerate(cycle.briefings):
        for key, value in params.get(b.name, {}).items():
            if not KPI_PARAMETER.match(key):
                continue
            ids = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            where = _origin(cycle, b, i, key)
            owner = b.name if where.startswith("briefings[") else None
            wanted += [(where, owner, k) for k in ids if isinstance(k, str) and k.strip()]
    for j, item in enumerate(cycle.agenda):
        wanted += [(f"agenda[{j}] (id '{item.id}').kpis", None, k) for k in item.kpis]
    if not wanted:
        return []
    if registry is None:
        from scrutiny.analysis.kpis import load_registry

        registry = load_registry
    try:
        known = list(registry())
    except ParamsError as exc:
        return [ParamsError(path, f"the KPI registry cannot be read to check KPI ids: {exc}")]
    problems: list[ParamsError] = []
    seen: set[tuple[str, str]] = set()
    for where, owner, kpi in wanted:
        if kpi in known or (where, kpi) in seen:
            continue
        seen.add((where, kpi))
        problems.append(
            ParamsError(
                path,
                f"{where}: KPI '{kpi}' is not in the KPI registry (params/kpis.yaml)"
                f"{suggest_key(kpi, known)} (expected one of: {', '.join(known)})",
                owner,
            )
        )
    return problems


def action_problems(path: str | Path, cycle: Cycle) -> list[ParamsError]:
    """Actions whose ``item`` is on neither this cycle's agenda nor an earlier cycle's.

    The earlier cycles are the ``YYYY-MM.yaml`` files in the same folder that sort before
    this one (see :func:`scrutiny.analysis.actions.validate_action_items`). An earlier file
    that cannot be read is left out, and named when an item is then not found.
    """
    if not cycle.actions:
        return []
    from scrutiny.analysis.actions import action_item_problems

    p = Path(path)
    earlier: dict[str, Cycle] = {}
    unreadable: list[str] = []
    for f in sorted(p.parent.glob("*.yaml")):
        if not _MONTH.match(f.stem) or f.stem >= cycle.cycle or f.resolve() == p.resolve():
            continue
        try:
            earlier[f.stem] = load_cycle(f)
        except CycleError:
            unreadable.append(f.name)
    problems = action_item_problems(cycle, earlier, file=path)
    if unreadable:
        note = f" (not searched, as they cannot be read: {', '.join(unreadable)})"
        problems = [
            ParamsError(e.file, e.problem + note) if "is not an agenda item" in e.problem else e
            for e in problems
        ]
    return problems


def register_problems(
    path: str | Path,
    cycle: Cycle,
    *,
    registry: Callable[[], Iterable[str]] | None = None,
    plan_themes: Callable[[], list[str]] | None = None,
) -> list[ParamsError]:
    """Register entries that do not agree with the plan, the KPI registry or the last board.

    Delivery-plan activities must name themes of ``params/plan.yaml`` and KPIs of
    ``params/kpis.yaml`` (:func:`scrutiny.analysis.registers.reference_problems`); a risk
    that was on the previous cycle's register (the latest ``YYYY-MM.yaml`` before this one
    in the same folder) must carry that score as its ``previous``
    (:func:`scrutiny.analysis.registers.previous_problems`). Each error names the file, the
    entry (index and id) and the key. The plan and registry are read only when the cycle
    has delivery-plan entries.
    """
    from scrutiny.analysis.registers import previous_problems, reference_problems

    problems: list[ParamsError] = []
    if cycle.registers.risks:
        p = Path(path)
        earlier = sorted(
            f
            for f in p.parent.glob("*.yaml")
            if _MONTH.match(f.stem) and f.stem < cycle.cycle and f.resolve() != p.resolve()
        )
        if earlier:
            try:
                prev = load_cycle(earlier[-1])
            except CycleError:
                prev = None  # reported when that file is run; not this file's problem
            if prev is not None:
                problems += previous_problems(
                    cycle.registers, prev.registers, file=path, previous_cycle=prev.cycle
                )
    if not cycle.registers.delivery:
        return problems

    if registry is None:
        from scrutiny.analysis.kpis import load_registry

        registry = load_registry
    if plan_themes is None:
        from scrutiny.analysis.plan import load_plan

        def plan_themes() -> list[str]:
            return [t.id for t in load_plan().themes]

    try:
        kpi_ids, theme_ids = list(registry()), plan_themes()
    except ParamsError as exc:
        return [*problems, ParamsError(path, f"registers.delivery cannot be checked: {exc}")]
    return problems + reference_problems(
        cycle.registers, file=path, kpi_ids=kpi_ids, theme_ids=theme_ids
    )


#: Longest one-line ``description`` of a briefing (the index and the pack's contents).
DESCRIPTION_MAX = 160


def is_public(briefing: Briefing) -> bool:
    """True when a briefing's page is for the public: the one definition of "public".

    A page is public when its cycle entry says ``public: true``. :func:`pack_problems`
    makes sure such an entry is OFFICIAL and runs with disclosure control on, and sits on no
    closed-session agenda item, so this flag alone decides what ``scrutiny publish
    --public`` copies and what goes into ``public-pack.pdf``.
    """
    return briefing.public and briefing.classification == "OFFICIAL"


def pack_problems(
    path: str | Path,
    cycle: Cycle,
    params: Mapping[str, Mapping[str, Any]],
    declared: Mapping[str, Mapping[str, NotebookParameter]],
) -> list[ParamsError]:
    """Problems with what the index and the board pack read from the cycle file.

    Checked:

    * every name in an agenda item's ``briefings`` is a briefing of this cycle (an unknown
      name is an error naming the item and suggesting the likely briefing), and listed
      once per item (a briefing may be the evidence of several items: the pack prints it
      at the first and the later items point to its page);
    * a briefing marked ``public: true`` is OFFICIAL, its notebook applies disclosure
      control (it declares ``disclosure_threshold`` and is run with a value above 0), its
      ``session`` (when it declares one) is ``open``, and it is not the evidence of a
      closed-session item (its link back to the agenda would name that item);
    * a ``description`` is one line of at most :data:`DESCRIPTION_MAX` characters.

    Parameters
    ----------
    path
        The cycle file, named in errors.
    cycle
        The loaded cycle.
    params
        Briefing name to the parameters resolved for it (:func:`resolve_parameters`).
    declared
        Briefing name to its notebook's parameters (for the defaults the cycle leaves).
    """
    problems: list[ParamsError] = []
    names = [b.name for b in cycle.briefings]
    for j, item in enumerate(cycle.agenda):
        seen: set[str] = set()
        for k, name in enumerate(item.briefings):
            where = f"agenda[{j}] (id '{item.id}').briefings[{k}]"
            if name not in names:
                problems.append(
                    ParamsError(
                        path,
                        f"{where}: '{name}' is not a briefing of this cycle"
                        f"{suggest_key(name, names)} (expected one of: "
                        f"{', '.join(names) or 'no briefings listed'})",
                    )
                )
                continue
            if name in seen:
                problems.append(
                    ParamsError(path, f"{where}: '{name}' is listed twice on this item", name)
                )
                continue
            seen.add(name)
            b = cycle.briefing(name)
            if b.public and item.session == "closed":
                problems.append(
                    ParamsError(
                        path,
                        f"{where}: '{name}' is marked public but is the evidence of "
                        f"closed-session item '{item.id}'; move it to an open item or drop "
                        "public: true",
                        name,
                    )
                )
    for i, b in enumerate(cycle.briefings):
        where = f"briefings[{i}]"
        if b.description is not None:
            text = b.description.strip()
            if not text or "\n" in text or len(text) > DESCRIPTION_MAX:
                problems.append(
                    ParamsError(
                        path,
                        f"{where}.description: expected one line of 1 to {DESCRIPTION_MAX} "
                        f"characters, got {len(text)} characters"
                        + (" over several lines" if "\n" in text else ""),
                        b.name,
                    )
                )
        if not b.public:
            continue
        if b.classification != "OFFICIAL":
            problems.append(
                ParamsError(
                    path,
                    f"{where}.public: a page marked public must be classified OFFICIAL, "
                    f"not {b.classification}",
                    b.name,
                )
            )
        if b.name not in params or b.name not in declared:
            continue  # its notebook could not be read: reported already
        notebook = declared[b.name]
        given = {k: _literal_default(v) for k, v in notebook.items()} | dict(params[b.name])
        threshold = given.get("disclosure_threshold")
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold <= 0:
            problems.append(
                ParamsError(
                    path,
                    f"{where}.public: a page marked public must apply disclosure control: "
                    f"its notebook {b.notebook} must declare 'disclosure_threshold' and be "
                    f"run with a value above 0 (got {threshold!r})",
                    b.name,
                )
            )
        if "session" in given and given["session"] != "open":
            problems.append(
                ParamsError(
                    path,
                    f"{where}.public: a page marked public shows the open session only; "
                    f"its 'session' is {given['session']!r}, expected 'open'",
                    b.name,
                )
            )
    return problems


def _describe_months(months: list[str]) -> str:
    """Say which months are present: ``35 months, 2019-12 to 2022-10[, without ...]``."""
    first, last = months[0], months[-1]
    y, m = int(first[:4]), int(first[5:])
    gaps = []
    while f"{y:04d}-{m:02d}" < last:
        m, y = (1, y + 1) if m == 12 else (m + 1, y)
        if f"{y:04d}-{m:02d}" not in months:
            gaps.append(f"{y:04d}-{m:02d}")
    text = f"{len(months)} month{'s' if len(months) != 1 else ''}, {first} to {last}"
    if gaps:
        text += f", without {', '.join(gaps[:12])}{' ...' if len(gaps) > 12 else ''}"
    return text


def data_to_problems(
    path: str | Path,
    cycle: Cycle,
    params: Mapping[str, Mapping[str, Any]],
    declared: Mapping[str, Mapping[str, NotebookParameter]],
) -> list[ParamsError]:
    """``data_to`` months outside the police.uk street files each briefing would read.

    A briefing is checked when its notebook declares ``data_to``. Its street files are the
    ``street_crime`` the cycle passes it, else its notebook's default ``street_crime``,
    else :class:`scrutiny.data.sources.DataSources`' default. Only the ``YYYY-MM`` in the
    file names are read (:func:`scrutiny.data.rawfiles.months_available`), so the check is
    cheap. Briefings sharing the same month and files share one error.
    """
    from scrutiny.data.rawfiles import display_path, months_available
    from scrutiny.data.sources import DataSources

    groups: dict[tuple[str, str, str], list[str]] = {}  # (where, data_to, street) -> briefings
    street_where: dict[str, str] = {}
    problems: list[ParamsError] = []
    for i, b in enumerate(cycle.briefings):
        names = declared.get(b.name, {})
        if "data_to" not in names:
            continue
        given = params.get(b.name, {})
        data_to = given.get("data_to", _literal_default(names.get("data_to")))
        if not isinstance(data_to, str):
            continue  # a wrong type is reported by resolve_parameters
        where = _origin(cycle, b, i, "data_to")
        if not _MONTH.match(data_to):
            problems.append(
                ParamsError(path, f"{where}: '{data_to}' is not a month written YYYY-MM", b.name)
            )
            continue
        if "street_crime" in given:
            street, swhere = given["street_crime"], _origin(cycle, b, i, "street_crime")
        elif "street_crime" in names:
            street = _literal_default(names["street_crime"])
            swhere = f"{b.notebook} (its default street_crime)"
        else:
            street, swhere = DataSources().street_crime, "the default police.uk files"
        if not isinstance(street, str) or not street.strip():
            continue
        street_where.setdefault(street, swhere)
        groups.setdefault((where, data_to, street), []).append(b.name)

    listed: dict[str, list[str] | DataError] = {}
    for (where, data_to, street), briefings in groups.items():
        if street not in listed:
            try:
                listed[street] = months_available(config.resolve(street), "street")
            except DataError as exc:
                listed[street] = exc
                problems.append(
                    ParamsError(
                        path,
                        f"{street_where[street]}: the police.uk street files cannot be listed "
                        f"to check data_to: {exc}",
                        briefings[0] if len(briefings) == 1 else None,
                    )
                )
        months = listed[street]
        if isinstance(months, DataError) or not months:
            continue
        if months[0] <= data_to <= months[-1]:
            continue
        side = "after the last" if data_to > months[-1] else "before the first"
        used = (
            f"; used by briefing '{briefings[0]}'"
            if len(briefings) == 1
            else f"; used by briefings {', '.join(briefings)}"
        )
        problems.append(
            ParamsError(
                path,
                f"{where}: '{data_to}' is {side} month of police.uk street data in "
                f"{display_path(config.resolve(street))} (the files hold "
                f"{_describe_months(months)}){used}",
            )
        )
    return problems


def check_cycle(
    path: str | Path,
    cycle: Cycle,
    *,
    inspect: Callable[[Path], Mapping[str, NotebookParameter]] = inspect_parameters,
    allow_outside_notebooks: bool | None = None,
    registry: Callable[[], Iterable[str]] | None = None,
    plan_themes: Callable[[], list[str]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Check every briefing's notebook and parameters; return name -> parameters to pass.

    Besides each briefing's parameters (:func:`resolve_parameters`), checks that every
    notebook is inside the project (unless allowed), that every KPI id the cycle names is
    in the registry (:func:`kpi_problems`), that every action was raised on an agenda item
    (:func:`action_problems`) and that each ``data_to`` lies within the police.uk months
    present (:func:`data_to_problems`), and the index and board pack fields
    (:func:`pack_problems`).

    Parameters
    ----------
    path
        The cycle file (named in errors).
    cycle
        The cycle from :func:`load_cycle`.
    inspect
        How to read a notebook's parameters cell (the runner passes a memoised one).
    allow_outside_notebooks
        Accept notebooks outside the project folder (an absolute path elsewhere, or ``..``
        climbing out of it). ``None``: as set by :func:`outside_notebooks_allowed`
        (``scrutiny run --allow-outside-notebooks``), else refused.
    registry
        Returns the KPI registry's ids (default: :func:`scrutiny.analysis.kpis.load_registry`
        checks the registry; the runner passes a memo of it).
    plan_themes
        Returns the plan's theme ids (default: read ``params/plan.yaml``; the runner passes
        a memo).

    Raises
    ------
    CycleError
        Listing every problem found.
    """
    if allow_outside_notebooks is None:
        allow_outside_notebooks = _ALLOW_OUTSIDE.get()
    if cycle.forces:
        by_force = check_forces(
            path,
            cycle,
            inspect=inspect,
            allow_outside_notebooks=allow_outside_notebooks,
            registry=registry,
            plan_themes=plan_themes,
        )
        return next(iter(by_force.values()))
    errors: list[ParamsError] = []
    out: dict[str, dict[str, Any]] = {}
    declared_by: dict[str, Mapping[str, NotebookParameter]] = {}
    context = cycle_context(path, cycle)
    for i, b in enumerate(cycle.briefings):
        nb = notebook_path(b)
        if not allow_outside_notebooks and _outside_project(nb):
            errors.append(
                ParamsError(
                    path,
                    f"briefings[{i}].notebook: {b.notebook} is outside the project folder "
                    f"{config.PROJECT_ROOT}; keep briefing notebooks inside it (e.g. in "
                    "notebooks/), or run with --allow-outside-notebooks if you trust it",
                    b.name,
                )
            )
            continue
        if not nb.is_file():
            errors.append(
                ParamsError(path, f"briefings[{i}].notebook: {b.notebook} does not exist", b.name)
            )
            continue
        try:
            declared = inspect(nb)
        except ParamsError as exc:
            errors.append(ParamsError(path, f"briefings[{i}].notebook: {exc}", b.name))
            continue
        params, problems = resolve_parameters(
            cycle, b, declared, file=path, index=i, context=context
        )
        errors.extend(problems)
        out[b.name] = params
        declared_by[b.name] = declared
    errors.extend(kpi_problems(path, cycle, out, registry=registry))
    errors.extend(action_problems(path, cycle))
    errors.extend(register_problems(path, cycle, registry=registry, plan_themes=plan_themes))
    errors.extend(data_to_problems(path, cycle, out, declared_by))
    errors.extend(pack_problems(path, cycle, out, declared_by))
    if errors:
        raise CycleError(errors)
    return out


def check_forces(
    path: str | Path,
    cycle: Cycle,
    *,
    inspect: Callable[[Path], Mapping[str, NotebookParameter]] = inspect_parameters,
    allow_outside_notebooks: bool | None = None,
    registry: Callable[[], Iterable[str]] | None = None,
    plan_themes: Callable[[], list[str]] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Check a cycle run for many forces: every force's briefings and parameters.

    Each entry of ``forces:`` is checked as the cycle it makes (:meth:`Cycle.for_force`)
    with :func:`check_cycle`, and its ``parameters`` must each be declared by at least one
    briefing's notebook. Problems name the entry (``forces[1] (Cumbria Constabulary)``).

    Returns
    -------
    dict
        The force's folder -> briefing name -> parameters to pass, in the file's order
        (a cycle without ``forces`` gives one entry, ``""``).

    Raises
    ------
    CycleError
        Listing every problem found, for every force.
    """
    if not cycle.forces:
        return {
            "": check_cycle(
                path,
                cycle,
                inspect=inspect,
                allow_outside_notebooks=allow_outside_notebooks,
                registry=registry,
                plan_themes=plan_themes,
            )
        }
    errors: list[ParamsError] = []
    out: dict[str, dict[str, dict[str, Any]]] = {}
    declared: set[str] = set()
    for b in cycle.briefings:
        with contextlib.suppress(ParamsError, OSError):
            declared |= set(inspect(notebook_path(b)))
    for i, run in enumerate(cycle.forces):
        where = f"forces[{i}] ({run.force})"
        for key in run.parameters:
            if key not in declared:
                errors.append(
                    ParamsError(
                        path,
                        f"{where}.parameters.{key}: no briefing of this cycle declares "
                        f"'{key}'{suggest_key(key, sorted(declared))}",
                    )
                )
        try:
            out[run.folder] = check_cycle(
                path,
                cycle.for_force(run),
                inspect=inspect,
                allow_outside_notebooks=allow_outside_notebooks,
                registry=registry,
                plan_themes=plan_themes,
            )
        except CycleError as exc:
            errors.extend(
                ParamsError(e.file, f"{where}: {e.problem}", e.briefing) for e in exc.errors
            )
    if errors:
        raise CycleError(errors)
    return out


def validate_cycle(
    path: str | Path, *, allow_outside_notebooks: bool | None = None
) -> tuple[Cycle, dict[str, dict[str, Any]]]:
    """Load a cycle file and check all its briefings: :func:`load_cycle` + :func:`check_cycle`."""
    cycle = load_cycle(path)
    return cycle, check_cycle(path, cycle, allow_outside_notebooks=allow_outside_notebooks)
