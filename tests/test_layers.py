"""The package's layers: each module imports only from the layers before it.

Order: foundation (config, errors, provenance, yamlio) -> data -> stats -> analysis -> present ->
briefings -> run -> cli. Imports are read from the source (every ``import`` and
``from ... import`` anywhere in a module, including those inside functions).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib" / "scrutiny"
ORDER = ["foundation", "data", "stats", "analysis", "present", "briefings", "run", "cli"]
FOUNDATION = {"config", "errors", "provenance", "yamlio", "__version__"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside ``scrutiny`` (e.g. ``scrutiny.stats.spc``)."""
    parts = module.split(".")
    assert parts[0] == "scrutiny", module
    if len(parts) == 1 or parts[1] in FOUNDATION:
        return "foundation"
    if parts[1] in ORDER:
        return parts[1]
    raise AssertionError(f"{module} is in no layer (expected one of {ORDER} or {FOUNDATION})")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every scrutiny module a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("scrutiny")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "scrutiny":
                out += [(node.lineno, f"scrutiny.{a.name}") for a in node.names]
            elif node.module.startswith("scrutiny."):
                out.append((node.lineno, node.module))
    return out


def module_name(path: Path, lib: Path = LIB) -> str:
    rel = path.relative_to(lib.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def violations(lib: Path = LIB) -> list[str]:
    found = []
    for path in sorted(lib.rglob("*.py")):
        me = module_name(path, lib)
        mine = ORDER.index(layer_of(me))
        for line, target in imported_modules(path):
            theirs = ORDER.index(layer_of(target))
            if theirs > mine:
                found.append(f"{path.relative_to(lib)}:{line} ({layer_of(me)}) imports {target}")
    return found


def test_every_module_imports_only_from_earlier_layers() -> None:
    assert violations() == []


def statistics_in_briefings(lib: Path = LIB) -> list[str]:
    """Briefing modules that import a statistics module: they must read the assessment."""
    found = []
    for path in sorted((lib / "briefings").glob("*.py")):
        for line, target in imported_modules(path):
            if layer_of(target) == "stats":
                found.append(f"briefings/{path.name}:{line} imports {target}")
    return found


def test_no_briefing_computes_a_statistic_of_its_own() -> None:
    # One version of the truth: a page reads the cycle's assessment (scrutiny.analysis)
    # and never runs SPC, tests or comparisons itself.
    assert statistics_in_briefings() == []


def test_the_briefing_check_finds_a_statistics_import(tmp_path: Path) -> None:
    pkg = tmp_path / "scrutiny" / "briefings"
    pkg.mkdir(parents=True)
    (pkg / "page.py").write_text("import pandas\nfrom scrutiny.stats import spc\n")
    assert statistics_in_briefings(tmp_path / "scrutiny") == [
        "briefings/page.py:2 imports scrutiny.stats"
    ]


def test_the_check_finds_an_upward_import(tmp_path: Path) -> None:
    pkg = tmp_path / "scrutiny"
    (pkg / "stats").mkdir(parents=True)
    (pkg / "stats" / "spc.py").write_text("from scrutiny.present import charts\n")
    (pkg / "present").mkdir()
    (pkg / "present" / "charts.py").write_text("from scrutiny.stats import spc\n")
    assert violations(pkg) == ["stats/spc.py:1 (stats) imports scrutiny.present"]


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("scrutiny", "foundation"),
        ("scrutiny.config", "foundation"),
        ("scrutiny.data.police_uk", "data"),
        ("scrutiny.run.runner", "run"),
        ("scrutiny.cli", "cli"),
    ],
)
def test_layer_of(module: str, layer: str) -> None:
    assert layer_of(module) == layer
