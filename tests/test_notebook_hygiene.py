"""Notebooks stay clean in git: outputs stripped as they are staged, defaults as documented.

``make lab`` opens the real notebooks, so an analyst who changes a parameter, runs and
saves writes the new value into the notebook. The defaults test catches that before it is
committed: a notebook run with only its defaults must reproduce a briefing of the default
cycle. The git filter (installed by ``make setup``) strips outputs on ``git add``.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import REPO
from scrutiny import config
from scrutiny.analysis.board import load_cycle
from scrutiny.run.params import check_cycle, inspect_parameters

DEFAULT_CYCLE = REPO / "params" / "cycles" / "2022-11.yaml"
STAMP = ".venv/.scrutiny-installed"


def literal(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return ...  # an expression: not a documented value


def off_their_defaults(cycle_file: Path, read=inspect_parameters) -> list[str]:
    """Notebooks that no briefing of ``cycle_file`` runs with exactly their defaults.

    For every notebook of the cycle, at least one of its briefings must be run with the
    notebook's defaults wherever the two overlap (the cycle's ``defaults``, its context such
    as ``cycle_file`` and ``previous_data_to``, the briefing's ``classification`` and its
    own ``parameters``). A notebook serving two briefings (public and restricted) matches
    one of them.
    """
    cycle = load_cycle(cycle_file)
    passed = check_cycle(cycle_file, cycle)
    by_notebook: dict[str, list[str]] = {}
    for b in cycle.briefings:
        by_notebook.setdefault(b.notebook, []).append(b.name)
    problems = []
    for nb, names in by_notebook.items():
        declared = read(config.resolve(nb))
        differences = {
            name: {
                k: (literal(declared[k].default), v)
                for k, v in passed[name].items()
                if literal(declared[k].default) not in (..., v)
            }
            for name in names
        }
        if all(differences.values()):
            problems.append(
                f"{nb}: no briefing of {cycle_file.name} is run with its defaults; "
                f"(notebook default, cycle value) by briefing: {differences}"
            )
    return problems


def test_every_notebooks_defaults_reproduce_a_briefing_of_the_default_cycle():
    assert off_their_defaults(DEFAULT_CYCLE) == []
    used = {b.notebook for b in load_cycle(DEFAULT_CYCLE).briefings}
    # A notebook the default cycle cannot render (national benchmarking: the national counts
    # held are for 2025) reproduces a briefing of the cycle that renders it.
    elsewhere = {f"notebooks/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb")} - used
    for nb in sorted(elsewhere):
        cycles = [
            f
            for f in sorted((REPO / "params" / "cycles").glob("*.yaml"))
            if nb in {b.notebook for b in load_cycle(f).briefings}
        ]
        assert cycles, f"{nb} is in no cycle file"
        assert any(
            not [p for p in off_their_defaults(f) if p.startswith(nb + ":")] for f in cycles
        ), f"{nb}: its defaults reproduce no briefing of {[f.name for f in cycles]}"


def test_the_check_finds_a_default_saved_back_from_jupyterlab(tmp_path):
    # an analyst looked at September in JupyterLab, and saved the notebook
    nb = nbformat.read(REPO / "notebooks" / "data_quality.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert 'data_to = "2022-10"' in cell.source
    cell.source = cell.source.replace('data_to = "2022-10"', 'data_to = "2022-09"')
    changed = tmp_path / "data_quality.ipynb"
    nbformat.write(nb, changed)

    def read(path):
        return inspect_parameters(changed if path.name == changed.name else path)

    assert off_their_defaults(DEFAULT_CYCLE, read) == [
        "notebooks/data_quality.ipynb: no briefing of 2022-11.yaml is run with its defaults; "
        "(notebook default, cycle value) by briefing: "
        "{'data_quality': {'data_to': ('2022-09', '2022-10')}}"
    ]


# ---------------------------------------------------------------------------------------
# The git filter


def notebook_with_output(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(1)")
    cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    cell.execution_count = 3
    nb.cells = [cell]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def project_copy(tmp_path: Path) -> Path:
    """The Makefile and the project's .venv, in a folder of its own."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(REPO / "Makefile", root / "Makefile")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / ".venv").symlink_to(REPO / ".venv")
    notebook_with_output(root / "notebooks" / "x.ipynb")
    return root


def git(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True, env=env
    ).stdout


def make_git_filter(root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env |= {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(
        ["make", "-s", "-o", STAMP, "git-filter"],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None, reason="no make")
def test_make_setup_installs_a_git_filter_that_strips_outputs(tmp_path):
    root = project_copy(tmp_path)
    git(root, "init", "-q")
    res = make_git_filter(root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "nbstripout git filter installed" in res.stdout
    assert "*.ipynb filter=nbstripout" in (root / ".gitattributes").read_text().splitlines()
    assert (
        git(root, "config", "filter.nbstripout.clean").strip() == '".venv/bin/python" -m nbstripout'
    )
    git(root / "notebooks", "add", "x.ipynb")  # from a subfolder: the filter runs from the top
    staged = json.loads(git(root, "show", ":notebooks/x.ipynb"))
    assert staged["cells"][0]["outputs"] == [] and staged["cells"][0]["execution_count"] is None
    on_disk = json.loads((root / "notebooks" / "x.ipynb").read_text())
    assert on_disk["cells"][0]["outputs"]  # the analyst's working copy keeps its outputs
    # again: nothing is added twice
    assert make_git_filter(root).returncode == 0
    lines = (root / ".gitattributes").read_text().splitlines()
    assert lines.count("*.ipynb filter=nbstripout") == 1


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_outside_a_git_checkout_make_setup_leaves_git_alone(tmp_path):
    root = project_copy(tmp_path)
    res = make_git_filter(root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout == "" and not (root / ".gitattributes").exists()


def test_the_repository_attributes_and_pre_commit_hooks():
    assert "*.ipynb filter=nbstripout" in (REPO / ".gitattributes").read_text().splitlines()
    hooks = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    ids = [h["id"] for repo in hooks["repos"] for h in repo["hooks"]]
    assert ids == ["ruff", "ruff-format", "nbstripout"]
    pre_commit = REPO / ".venv" / "bin" / "pre-commit"
    if pre_commit.exists():
        res = subprocess.run(
            [pre_commit, "validate-config", ".pre-commit-config.yaml"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, res.stdout + res.stderr
