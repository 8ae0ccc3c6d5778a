"""The embedded store: normalised data cached as Parquet under ``data/cache/``.

A cold build (reading 35 monthly CSVs, checking and joining them) happens once; later
runs read one Parquet file. Each cached file is named by a key hashed from the *content*
of the raw files it came from plus the loader version and parameters, so a changed raw
file is rebuilt automatically and an unchanged one never is.

Several briefings run in parallel processes and may meet a cold cache together. A
builder takes an exclusive lock per file (so the others wait rather than repeat the
work), writes to a temporary file in the same folder and renames it into place
atomically; readers only ever open complete files, read-only. A crash leaves at worst a
stray temporary file, never a half-written cache entry.

:func:`connect` gives a DuckDB connection with the cached tables as views, for SQL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from scrutiny import config

META_KEY = b"scrutiny"
_MEMO: dict[Path, tuple[pd.DataFrame, dict[str, Any]]] = {}
_MEMO_MAX = 8


def cache_dir() -> Path:
    """Folder holding the data cache (``config.CACHE_DIR / "data"``), created on demand."""
    d = Path(config.CACHE_DIR) / "data"
    d.mkdir(parents=True, exist_ok=True)
    return d


def cache_key(*parts: object) -> str:
    """Hash ``parts`` (versions, parameters, file sha256s) into a hex key."""
    h = hashlib.sha256()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()


def cache_path(name: str, key: str) -> Path:
    """Where the table ``name`` built with ``key`` lives."""
    return cache_dir() / f"{name}-{key[:20]}.parquet"


@contextlib.contextmanager
def _lock(path: Path, timeout: float = 300.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a ``.lock`` beside the cache file)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: fall back to atomic rename only
        yield
        return
    lock = path.with_suffix(".lock")
    with open(lock, "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break  # build anyway: the rename keeps the result whole
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def write_frame(df: pd.DataFrame, path: Path, meta: dict[str, Any] | None = None) -> None:
    """Write ``df`` to ``path`` as Parquet atomically (temporary file, then rename)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    md = dict(table.schema.metadata or {})
    md[META_KEY] = json.dumps(meta or {}, default=str).encode()
    table = table.replace_schema_metadata(md)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is shared
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def read_frame(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a cached Parquet file and its metadata."""
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(META_KEY, b"{}"))
    return table.to_pandas(), meta


def cached_frame(
    name: str,
    key: str,
    build: Callable[[], tuple[pd.DataFrame, dict[str, Any]]],
) -> tuple[pd.DataFrame, dict[str, Any], Path]:
    """Return the table ``name`` for ``key``, building and caching it when absent.

    Parameters
    ----------
    name
        Table name, e.g. ``"crimes"``; also the view name in :func:`connect`.
    key
        From :func:`cache_key` over everything the table depends on.
    build
        Returns ``(frame, metadata)``; metadata must be JSON-serialisable.

    Returns
    -------
    tuple
        ``(frame, metadata, path)``. The frame is a copy: callers may change it.
    """
    path = cache_path(name, key)
    memo = _MEMO.get(path)
    if memo is None and path.exists():
        with contextlib.suppress(OSError, pa.ArrowException, ValueError):
            memo = read_frame(path)
    if memo is None:
        with _lock(path):
            if path.exists():  # another process built it while we waited
                with contextlib.suppress(OSError, pa.ArrowException, ValueError):
                    memo = read_frame(path)
            if memo is None:
                df, meta = build()
                write_frame(df, path, meta)
                memo = (df, meta)
        _REGISTRY[name] = path
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.pop(next(iter(_MEMO)))
    _MEMO[path] = memo
    _REGISTRY[name] = path
    df, meta = memo
    return df.copy(), json.loads(json.dumps(meta)), path


# name -> most recent cache file used in this process, for SQL views.
_REGISTRY: dict[str, Path] = {}


def registered_tables() -> dict[str, Path]:
    """Tables cached or read in this process: ``{name: parquet path}``."""
    return dict(_REGISTRY)


def connect(tables: dict[str, Path] | None = None) -> Any:
    """Return an in-memory DuckDB connection with cached tables as views.

    Parameters
    ----------
    tables
        ``{view name: parquet path}``; default: every table this process loaded (call
        :func:`scrutiny.data.load_crimes` or :func:`scrutiny.data.load_extract` first).

    Examples
    --------
    >>> con = connect()  # doctest: +SKIP
    >>> con.sql("select crime_type, count(*) from crimes group by 1").df()  # doctest: +SKIP
    """
    import duckdb

    con = duckdb.connect(":memory:")
    for name, path in (tables or registered_tables()).items():
        con.execute(f"create view {name} as select * from read_parquet('{path.as_posix()}')")
    return con


def clear_memo() -> None:
    """Forget tables held in memory (tests use this to force a read from disk)."""
    _MEMO.clear()
