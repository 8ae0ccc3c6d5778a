"""What importing the briefings costs: no heavy package is imported before it is used.

Every briefing notebook starts with an imports cell; on the 2022-11 cycle that cell was a
fifth of a briefing's time and scipy a third of it (issue 13), pulled in by a module-level
``from scipy import stats`` reached through ``scrutiny.present.charts``. scipy and
statsmodels are now imported inside the functions that use them.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from conftest import REPO

HEAVY = ("scipy", "statsmodels")


def notebook_imports() -> list[str]:
    """Every ``scrutiny`` import statement in the briefing notebooks' code cells."""
    out: list[str] = []
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            try:
                tree = ast.parse(source)
            except SyntaxError:  # IPython magics: not an import cell
                continue
            for node in tree.body:
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scrutiny"):
                    out.append(ast.unparse(node))
                elif isinstance(node, ast.Import) and any(
                    a.name.startswith("scrutiny") for a in node.names
                ):
                    out.append(ast.unparse(node))
    return sorted(set(out))


def test_the_notebooks_import_scrutiny():
    # The test below means something only if it imports what the notebooks import.
    found = notebook_imports()
    assert "from scrutiny.briefings import performance" in found
    assert any("scrutiny.present import" in line for line in found)


def test_importing_the_briefings_imports_no_scipy_nor_statsmodels():
    briefings = sorted(
        f"import scrutiny.briefings.{p.stem}"
        for p in (REPO / "lib" / "scrutiny" / "briefings").glob("*.py")
        if p.stem != "__init__"
    )
    code = "\n".join(
        [
            "import sys",
            *notebook_imports(),
            *briefings,
            "import scrutiny.present.charts",
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))",
        ]
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "[]"
