"""The cycle file and notebook parameters: strict models and checks made before any kernel starts.

A cycle file (``params/cycles/YYYY-MM.yaml``) says which briefings a Corporate Governance
Board cycle produces and with which parameters. :func:`load_cycle` reads it into the
:class:`Cycle` model (unknown keys anywhere are errors) and :func:`resolve_parameters`
checks each briefing's parameters against the cell tagged ``parameters`` in its notebook
(:func:`inspect_parameters`, built on papermill's ``inspect_notebook``). Every problem is
reported with the file, the briefing and the key, all at once, as :class:`CycleError`.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from scrutiny import config
from scrutiny.analysis.board import (
    RUNNER_PARAMETERS,
    Briefing,
    Cycle,
    CycleError,
    load_cycle,
    suggest_key,
)
from scrutiny.errors import ParamsError


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

    Uses papermill's ``inspect_notebook``; names it cannot parse (a line with a second
    ``=``, e.g. in the comment) are filled in from Python's own parser.

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

    import logging

    from papermill import inspect_notebook  # slow import (nbformat, jsonschema): only here

    log = logging.getLogger("papermill")
    level = log.level
    log.setLevel(logging.ERROR)  # its "unable to parse line" warning is handled below
    try:
        found = inspect_notebook(str(p))
    finally:
        log.setLevel(level)
    from_papermill = {
        name: NotebookParameter(
            name=name,
            type_name=_type_name(info["inferred_type_name"], info["default"]),
            default=info["default"],
            help=info["help"],
        )
        for name, info in found.items()
    }
    from_ast = _ast_parameters(source)
    ordered = list(from_ast) + [n for n in from_papermill if n not in from_ast]
    return {n: from_papermill.get(n) or from_ast[n] for n in ordered}


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
            prev = yaml.safe_load(earlier[-1].read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            prev = {}
        if isinstance(prev, dict) and prev.get("data_to"):
            out["previous_cycle"] = earlier[-1].stem
            out["previous_data_to"] = str(prev["data_to"])
    return out


def check_cycle(
    path: str | Path,
    cycle: Cycle,
    *,
    inspect: Callable[[Path], Mapping[str, NotebookParameter]] = inspect_parameters,
) -> dict[str, dict[str, Any]]:
    """Check every briefing's notebook and parameters; return name -> parameters to pass.

    Parameters
    ----------
    path
        The cycle file (named in errors).
    cycle
        The cycle from :func:`load_cycle`.
    inspect
        How to read a notebook's parameters cell (the runner passes a memoised one).

    Raises
    ------
    CycleError
        Listing every missing notebook, unknown parameter and wrong type.
    """
    errors: list[ParamsError] = []
    out: dict[str, dict[str, Any]] = {}
    context = cycle_context(path, cycle)
    for i, b in enumerate(cycle.briefings):
        nb = notebook_path(b)
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
    if errors:
        raise CycleError(errors)
    return out


def validate_cycle(path: str | Path) -> tuple[Cycle, dict[str, dict[str, Any]]]:
    """Load a cycle file and check all its briefings: :func:`load_cycle` + :func:`check_cycle`."""
    cycle = load_cycle(path)
    return cycle, check_cycle(path, cycle)
