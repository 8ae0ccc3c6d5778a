"""Reading the YAML parameter files safely: one loader for every file under ``params/``.

The cycle files, the KPI registry, the Police and Crime Plan and the budget files are
written by hand, so they are read strictly and defensively:

* the text must be UTF-8 (a byte-order mark is allowed); an error names the byte offset,
  line and column of the first byte that is not;
* only plain YAML: PyYAML's ``SafeLoader`` (no Python objects);
* a key given twice in one mapping is an error (YAML would silently keep the last);
* a date that does not exist (``2022-02-30``) is an error naming the key, not a crash;
* aliases (``*name``) are limited: at most :data:`MAX_ALIASES` in a file, and at most
  :data:`MAX_ALIAS_NODES` values reached through them, so an alias bomb ("billion laughs")
  is refused in milliseconds instead of expanding to gigabytes; a recursive alias is
  refused too;
* nesting deeper than Python can follow is an error, not a ``RecursionError``.

Every problem is a :class:`scrutiny.errors.ParamsError` naming the file, the line and
the column, in plain English.
"""

from __future__ import annotations

import calendar
import os
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from scrutiny.errors import ParamsError

#: Most aliases (``*name``) one file may use. Hand-written parameter files need few.
MAX_ALIASES = 50
#: Most values (nodes) one file may reach through its aliases, counting every repeat.
MAX_ALIAS_NODES = 10_000

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class YamlLimitError(yaml.MarkedYAMLError):
    """A document that breaks one of this module's limits (aliases, dates, repeated keys)."""


def date_problem(text: str) -> str | None:
    """Say why ``YYYY-MM-DD`` text is not a real date, or return None when it is one.

    >>> date_problem("2022-02-30")
    '2022-02-30 is not a date that exists (February 2022 has 28 days)'
    """
    m = _DATE.match(text.strip())
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return f"{text.strip()} is not a date that exists (there is no month {month})"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        name = calendar.month_name[month]
        return f"{text.strip()} is not a date that exists ({name} {year} has {days} days)"
    return None


class _Checks:
    """The constructor's checks: a key given twice, a date that does not exist."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:  # noqa: D102
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep=deep)  # type: ignore[misc]
        self.flatten_mapping(node)  # type: ignore[attr-defined]
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            try:
                hash(key)
            except TypeError:
                continue  # the parent class reports an unhashable key
            if key in seen:
                raise YamlLimitError(
                    problem=(
                        f"key {key!r} appears twice in one mapping (first on line {seen[key]})"
                    ),
                    problem_mark=key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
            if isinstance(value_node, ScalarNode) and value_node.tag == _TIMESTAMP_TAG:
                why = date_problem(value_node.value)
                if why:
                    raise YamlLimitError(
                        problem=f"{key}: {why}", problem_mark=value_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:  # noqa: D102
        why = date_problem(str(node.value))
        if why:  # a date in a list: no key to name
            raise YamlLimitError(problem=why, problem_mark=node.start_mark)
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[misc]
        except ValueError as exc:  # e.g. an hour 25 in a date-time
            raise YamlLimitError(
                problem=f"{node.value} is not a valid date and time ({exc})",
                problem_mark=node.start_mark,
            ) from None


class SafeParamsLoader(_Checks, yaml.SafeLoader):
    """PyYAML's SafeLoader with the limits described in the module docstring."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # noqa: D102
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlLimitError(
                    problem=(
                        f"more than {MAX_ALIASES} YAML aliases (*{event.anchor} is one); "
                        "parameter files may repeat a value through an alias only a few times: "
                        "write the values out instead"
                    ),
                    problem_mark=event.start_mark,
                )
        return super().compose_node(parent, index)  # type: ignore[misc]

    def get_single_node(self) -> Node | None:  # noqa: D102
        node = super().get_single_node()  # type: ignore[misc]
        if node is not None:
            _check_expansion(node)
        return node


SafeParamsLoader.add_constructor(_TIMESTAMP_TAG, SafeParamsLoader.construct_yaml_timestamp)

if getattr(yaml, "__with_libyaml__", False):

    class _FastParamsLoader(_Checks, yaml.CSafeLoader):  # type: ignore[misc, name-defined]
        """The same checks on libyaml's C parser, for a document with no anchor or alias.

        No alias limit can apply to such a document; the cycle files parse several times
        faster. Any error is reported by the pure-Python parser, as documented.
        """

    _FastParamsLoader.add_constructor(_TIMESTAMP_TAG, _FastParamsLoader.construct_yaml_timestamp)
else:  # pragma: no cover - PyYAML built without libyaml
    _FastParamsLoader = None  # type: ignore[assignment, misc]


def _check_expansion(root: Node) -> None:
    """Refuse a node graph whose aliases repeat more than :data:`MAX_ALIAS_NODES` values.

    The graph is walked once: the expanded size of each node is memoised, so the check is
    linear in the number of distinct nodes however large the expansion would be.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    distinct = 0

    def size(node: Node) -> int:
        nonlocal distinct
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise YamlLimitError(
                problem="a YAML alias refers to the value that contains it (a recursive alias)",
                problem_mark=node.start_mark,
            )
        active.add(key)
        distinct += 1
        total = 1
        if isinstance(node, SequenceNode):
            for child in node.value:
                total += size(child)
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        active.discard(key)
        sizes[key] = total
        if total - distinct > MAX_ALIAS_NODES:
            raise YamlLimitError(
                problem=(
                    f"YAML aliases here expand to more than {MAX_ALIAS_NODES:,} values "
                    "(an alias bomb, or 'billion laughs'); parameter files may repeat a value "
                    "through an alias only a few times: write the values out instead"
                ),
                problem_mark=node.start_mark,
            )
        return total

    size(root)


def _where(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def describe_yaml_error(exc: yaml.YAMLError) -> str:
    """One plain-English line for a PyYAML error: line, column, problem and context."""
    if isinstance(exc, YamlLimitError):
        return f"{_where(exc.problem_mark)}{exc.problem}"
    if isinstance(exc, yaml.MarkedYAMLError):
        text = f"not valid YAML: {_where(exc.problem_mark)}{exc.problem or 'cannot be parsed'}"
        if exc.context:
            line = f" on line {exc.context_mark.line + 1}" if exc.context_mark else ""
            text += f" ({exc.context}{line})"
        return text
    return f"not valid YAML: {exc}"


def _decode(data: bytes, file: str | Path) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ParamsError(file, "is UTF-16 text; save it as UTF-8")
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ParamsError(
            file,
            f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset {exc.start} "
            f"(line {line}, column {column}) cannot be read; save the file as UTF-8",
        ) from None


def parse_yaml(text: str, file: str | Path) -> Any:
    """Parse YAML text with :class:`SafeParamsLoader`.

    Parameters
    ----------
    text
        The document.
    file
        Named in errors.

    Returns
    -------
    Any
        The document (None when it is empty).

    Raises
    ------
    ParamsError
        Not valid YAML, a key given twice, a date that does not exist, too many aliases or
        an alias bomb, or nesting too deep; the message names the line and column.
    """
    if _FastParamsLoader is not None and "&" not in text and "*" not in text:
        try:
            return yaml.load(text, Loader=_FastParamsLoader)  # noqa: S506 - CSafeLoader
        except (yaml.YAMLError, RecursionError):
            pass  # the messages below come from the pure-Python parser, named as documented
    try:
        return yaml.load(text, Loader=SafeParamsLoader)  # noqa: S506 - a SafeLoader subclass
    except (ComposerError, ConstructorError, yaml.YAMLError) as exc:
        raise ParamsError(file, describe_yaml_error(exc)) from None
    except RecursionError:
        raise ParamsError(file, "not valid YAML: the values are nested too deeply") from None


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """Read a YAML parameter file: UTF-8 text parsed by :func:`parse_yaml`.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Any
        The document (None when it is empty).

    Raises
    ------
    ParamsError
        The file cannot be read (missing: "cannot read the file (file not found)"), is not
        UTF-8, or as
        :func:`parse_yaml`.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ParamsError(p, "cannot read the file (file not found)") from None
    except OSError as exc:
        raise ParamsError(p, f"cannot read the file ({exc.strerror or exc})") from None
    return parse_yaml(_decode(data, p), p)
