"""Paths and defaults: where the project, its data, parameters and reports live.

Everything else asks this module for a path, so that a notebook executed by papermill
(whose working directory is ``notebooks/``), a test in a temporary directory and the
command line all resolve ``data/raw/...`` the same way.

The project root is, in order: ``SCRUTINY_ROOT`` (the runner sets it for every kernel it
starts, from the cycle file's location: see :func:`project_root_for`); the checkout this
package was installed from in editable mode (``make setup``); else the nearest folder at
or above the working directory that holds ``params/`` and ``notebooks/``; else the working
directory. A non-editable install (``pip install .``, conda) therefore works from any
folder when given a cycle file, and in JupyterLab opened inside the project.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

ROOT_ENV = "SCRUTINY_ROOT"


def _is_project(folder: Path) -> bool:
    return (folder / "params").is_dir() and (folder / "notebooks").is_dir()


def _find_root() -> Path:
    """Return the project root (see the module's docstring for the order)."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "lib" / "scrutiny").is_dir():
            return parent
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if _is_project(folder):
            return folder
    return cwd


def project_root_for(cycle_file: str | os.PathLike[str]) -> Path | None:
    """Return the project a cycle file belongs to, or None when it is in none.

    That is the folder above ``params/cycles/`` when the file is there, else the nearest
    folder above the file that holds ``params/`` and ``notebooks/``.

    Parameters
    ----------
    cycle_file
        E.g. ``/srv/opcc/params/cycles/2022-11.yaml`` -> ``/srv/opcc``.
    """
    p = Path(cycle_file).resolve()
    if p.parent.name == "cycles" and p.parent.parent.name == "params":
        root = p.parent.parent.parent
        if _is_project(root):
            return root
    for folder in p.parents:
        if _is_project(folder):
            return folder
    return None


PROJECT_ROOT: Path = _find_root()
DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DIR: Path = DATA_DIR / "raw"
CACHE_DIR: Path = Path(os.environ.get("SCRUTINY_CACHE_DIR", DATA_DIR / "cache"))
PARAMS_DIR: Path = PROJECT_ROOT / "params"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
DOCS_DIR: Path = PROJECT_ROOT / "docs"

DEFAULT_FORCE = "Leicestershire Police"
DEFAULT_CYCLE = "2022-11"


def set_root(root: str | os.PathLike[str]) -> None:
    """Point every project path (data, params, notebooks, reports...) at ``root``.

    ``SCRUTINY_CACHE_DIR``, when set, still decides the cache folder.
    """
    global PROJECT_ROOT, DATA_DIR, RAW_DIR, CACHE_DIR, PARAMS_DIR, NOTEBOOKS_DIR
    global REPORTS_DIR, DOCS_DIR
    PROJECT_ROOT = Path(root).resolve()
    DATA_DIR = PROJECT_ROOT / "data"
    RAW_DIR = DATA_DIR / "raw"
    CACHE_DIR = Path(os.environ.get("SCRUTINY_CACHE_DIR", DATA_DIR / "cache"))
    PARAMS_DIR = PROJECT_ROOT / "params"
    NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
    REPORTS_DIR = PROJECT_ROOT / "reports"
    DOCS_DIR = PROJECT_ROOT / "docs"


@contextlib.contextmanager
def using_root(root: str | os.PathLike[str] | None) -> Iterator[Path]:
    """Use ``root`` as the project root inside the block (None: leave it as it is).

    Yields
    ------
    Path
        The project root in force.
    """
    if root is None:
        yield PROJECT_ROOT
        return
    saved = {
        name: globals()[name]
        for name in (
            "PROJECT_ROOT",
            "DATA_DIR",
            "RAW_DIR",
            "CACHE_DIR",
            "PARAMS_DIR",
            "NOTEBOOKS_DIR",
            "REPORTS_DIR",
            "DOCS_DIR",
        )
    }
    set_root(root)
    try:
        yield PROJECT_ROOT
    finally:
        globals().update(saved)


def resolve(path: str | os.PathLike[str]) -> Path:
    """Resolve ``path`` against the project root unless it is already absolute.

    Parameters
    ----------
    path
        A path as written in a params file or a notebook's parameters cell,
        e.g. ``"data/raw/police-uk/leicestershire"``.

    Returns
    -------
    Path
        An absolute path.
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p)
