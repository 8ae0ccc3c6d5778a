"""Paths and defaults: where the project, its data, parameters and reports live.

Everything else asks this module for a path, so that a notebook executed by papermill
(whose working directory is ``notebooks/``), a test in a temporary directory and the
command line all resolve ``data/raw/...`` the same way.
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    """Return the project root: the nearest folder above this file holding pyproject.toml."""
    env = os.environ.get("SCRUTINY_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "lib" / "scrutiny").is_dir():
            return parent
    return Path.cwd().resolve()


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
