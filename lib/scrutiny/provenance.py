"""Record which data files a briefing read, with their content hash and period.

Loaders call :func:`record_input` for every raw file they read. Inside a briefing run the
runner sets ``SCRUTINY_INPUTS_LOG`` to a file path; each record is appended there as a
JSON line, so the runner can key its cache on the *content* of the data and list the
files, hashes and periods in the report footer and manifest. Outside a run the records
are only kept in memory (:func:`recorded_inputs`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from scrutiny import config

INPUTS_LOG_ENV = "SCRUTINY_INPUTS_LOG"

# (path, size, mtime_ns) -> sha256, so repeated reads in one process hash once.
_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_RECORDS: dict[str, InputRecord] = {}
# Lists collecting the records made inside each open capture() block.
_CAPTURES: list[list[InputRecord]] = []


@dataclass(frozen=True)
class InputRecord:
    """One data file a briefing read."""

    path: str
    sha256: str
    bytes: int
    period: str | None = None
    synthetic: bool = False
    description: str | None = None


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex sha256 of a file's content (cached on path, size and mtime)."""
    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    cached = _HASH_CACHE.get(key)
    if cached is not None:
        return cached
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    _HASH_CACHE[key] = digest
    return digest


def _display_path(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(config.PROJECT_ROOT))
    except ValueError:
        return str(p.resolve())


def record_input(
    path: str | os.PathLike[str],
    *,
    period: str | None = None,
    synthetic: bool = False,
    description: str | None = None,
) -> InputRecord:
    """Record that the current briefing read ``path``.

    Parameters
    ----------
    path
        The file read (a folder is recorded file by file by the caller).
    period
        The period the file covers, e.g. ``"2019-12 to 2022-10"``.
    synthetic
        True when the file is a synthetic stand-in for data that cannot be public.
    description
        A short human description, e.g. ``"police.uk street-level crime"``.

    Returns
    -------
    InputRecord
        What was recorded.
    """
    p = Path(path)
    rec = InputRecord(
        path=_display_path(p),
        sha256=sha256_file(p),
        bytes=p.stat().st_size,
        period=period,
        synthetic=synthetic,
        description=description,
    )
    _RECORDS[rec.path] = rec
    for captured in _CAPTURES:
        if rec not in captured:
            captured.append(rec)
    log = os.environ.get(INPUTS_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(rec)) + "\n")
    return rec


def recorded_inputs() -> list[InputRecord]:
    """Return the inputs recorded in this process, in first-read order."""
    return list(_RECORDS.values())


def read_inputs_log(path: str | os.PathLike[str]) -> list[InputRecord]:
    """Read a ``SCRUTINY_INPUTS_LOG`` file back, one record per path (the last wins)."""
    out: dict[str, InputRecord] = {}
    p = Path(path)
    if not p.exists():
        return []
    for line in p.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = InputRecord(**json.loads(line))
            out[rec.path] = rec
    return list(out.values())


@contextlib.contextmanager
def capture() -> Iterator[list[InputRecord]]:
    """Collect the records made inside a ``with`` block (each file once, first-read order).

    Used by cached computations (the assessment) to remember which files they read, so a
    later cache hit can record them again for the briefing that asked.
    """
    records: list[InputRecord] = []
    _CAPTURES.append(records)
    try:
        yield records
    finally:
        _CAPTURES.remove(records)


def source_tree_hash(root: Path | None = None) -> str:
    """Return a sha256 over the scrutiny package: every file's relative path and content.

    Parameters
    ----------
    root
        The package folder (default: the installed ``scrutiny``).
    """
    base = root or Path(__file__).parent
    h = hashlib.sha256()
    for p in sorted(base.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.suffix in {".pyc", ".pyo"}:
            continue
        h.update(p.relative_to(base).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()
