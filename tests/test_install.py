"""Installed without ``make setup``: ``pip install .`` into a fresh venv, run from elsewhere.

The project is copied as a fresh clone would have it (the files git tracks, plus new ones
not ignored), ``scrutiny`` is built from that copy and installed *non-editable* into a new
venv, and the cycle is run from a folder outside the project, with no ``scrutiny`` kernel
registered anywhere the new venv looks (its own HOME). The runner must find the project
from the cycle file, register the kernel for the new venv's Python and render the page.

To keep the test to seconds, the new venv sees the dependencies of this project's own
environment through a ``.pth`` file instead of downloading them again; pip still checks
them against ``pyproject.toml``, and ``scrutiny`` itself comes only from the new install
(the editable install's import hook is not loaded through a ``.pth`` path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import REPO


def fresh_clone(dst: Path) -> Path:
    """Copy the project as ``git clone`` (plus uncommitted work) would give it."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout: copy all but what git would ignore
        ignore = shutil.ignore_patterns(".git", ".venv", "reports", "cache", "__pycache__")
        shutil.copytree(REPO, dst, ignore=ignore)
        return dst
    for name in listed.stdout.decode().split("\0"):
        if name and (REPO / name).is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dst / name)
    return dst


@pytest.mark.slow
def test_pip_install_then_run_from_another_folder(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=120)
    py = venv / "bin" / "python"
    purelib = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    res = subprocess.run(
        [py, "-m", "pip", "install", "--quiet", clone],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    where = subprocess.run(
        [py, "-c", "import scrutiny; print(scrutiny.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(purelib), f"scrutiny imported from {where}"

    home = tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER", "SCRUTINY", "VIRTUAL_ENV", "PYTHON"))
    }
    env |= {"HOME": str(home), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    cmd = [
        venv / "bin" / "scrutiny",
        "run",
        clone / "params" / "cycles" / "2022-11.yaml",
        "--only",
        "budget_scenarios",
        "--plain",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=elsewhere, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    kernel_dir = venv / "share" / "jupyter" / "kernels" / "scrutiny"
    assert f"Registered the Jupyter kernel 'scrutiny' for {py}" in " ".join(res.stdout.split())
    assert (kernel_dir / "kernel.json").is_file()
    page = clone / "reports" / "2022-11" / "budget_scenarios.html"
    text = page.read_text()
    assert "<h1 " in text and "Budget scenarios: Precept 2022-23" in text
    assert not list(elsewhere.iterdir())  # nothing written where it was run from

    # the second time the kernel is there, and the page is up to date
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=elsewhere, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "budget_scenarios: skipped (up to date)" in res.stdout
    assert "Registered" not in res.stdout
