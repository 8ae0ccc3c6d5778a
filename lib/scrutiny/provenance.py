"""Record which data files a briefing read, with their content hash and period.

Loaders call :func:`record_input` for every raw file they read, and :func:`record_folder`
for every folder they list (so that a file added to or removed from it counts as a
change). Inside a briefing run the runner sets ``SCRUTINY_INPUTS_LOG`` to a file path;
each record is appended there as a JSON line, so the runner can key its cache on the
*content* of the data and of the folder listings, and list the files, hashes and periods
in the report footer and manifest. Outside a run the records are only kept in memory
(:func:`recorded_inputs`, :func:`recorded_folders`).

File hashes are cached on (path, size, mtime in ns); :func:`load_hash_cache` and
:func:`save_hash_cache` keep that cache on disk between runs, so checking whether a
briefing is up to date does not read every data file again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scrutiny import config

INPUTS_LOG_ENV = "SCRUTINY_INPUTS_LOG"

# (path, size, mtime_ns) -> sha256, so repeated reads in one process hash once.
_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_RECORDS: dict[str, InputRecord] = {}
# Lists collecting the records made inside each open capture() block.
_CAPTURES: list[list[InputRecord]] = []
_FOLDERS: dict[str, FolderRecord] = {}
FOLDER_KIND = "folder"
# Every listing a loader has made (folder, pattern), kept in the data cache so that other
# processes know them too: see _implied_listings().
LISTINGS_FILE = "folder-listings.json"
_LISTINGS: dict[str, dict[str, Any]] = {}
_LISTINGS_FROM: list[Path] = []
# (log file, listing key) already written, so an implied listing is logged once per log.
_LOGGED: set[tuple[str | None, str]] = set()


@dataclass(frozen=True)
class InputRecord:
    """One data file a briefing read."""

    path: str
    sha256: str
    bytes: int
    period: str | None = None
    synthetic: bool = False
    description: str | None = None


@dataclass(frozen=True)
class FolderRecord:
    """One folder a briefing listed: which files matched, by name and content.

    ``sha256`` is :func:`listing_sha256` of the files that matched when the briefing ran;
    the runner computes it again to see whether a file was added, removed or changed.
    """

    path: str
    pattern: str
    ignore_case: bool = False
    recursive: bool = True
    sha256: str | None = None
    files: int = 0
    description: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FolderRecord:
        """Return the record saved as ``data`` (keys it does not know are ignored)."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def key(self) -> str:
        """Return what identifies the listing: the folder, the pattern and how it matched."""
        return json.dumps([self.path, self.pattern, self.ignore_case, self.recursive])


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


def load_hash_cache(path: str | os.PathLike[str]) -> int:
    """Add the file hashes saved by :func:`save_hash_cache` to this process's cache.

    A missing or unreadable cache file is ignored (it is only a cache).

    Returns
    -------
    int
        How many hashes were loaded.
    """
    try:
        rows = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    n = 0
    if isinstance(rows, list):
        for row in rows:
            with contextlib.suppress(TypeError, ValueError):
                name, size, mtime_ns, digest = row
                _HASH_CACHE[(str(name), int(size), int(mtime_ns))] = str(digest)
                n += 1
    return n


def save_hash_cache(path: str | os.PathLike[str]) -> None:
    """Save the hashes of files that are still as they were hashed, for the next run.

    Written whole to a temporary file and renamed into place. Entries for files that have
    since changed or gone are dropped.
    """
    rows = []
    for (name, size, mtime_ns), digest in sorted(_HASH_CACHE.items()):
        try:
            st = os.stat(name)
        except OSError:
            continue
        if (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
            rows.append([name, size, mtime_ns, digest])
    final = Path(path)
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(rows), encoding="utf-8")
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


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
    _implied_listings(p)
    return rec


def _listings() -> dict[str, dict[str, Any]]:
    """Return the known listings, reading the data cache's list once per cache folder."""
    path = Path(config.CACHE_DIR) / LISTINGS_FILE
    if _LISTINGS_FROM != [path]:
        _LISTINGS_FROM[:] = [path]
        _LISTINGS.clear()
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            for spec in json.loads(path.read_text(encoding="utf-8")):
                _LISTINGS.setdefault(_spec_key(spec), spec)
    return _LISTINGS


def _remember_listing(
    folder: Path, rx: re.Pattern[str], recursive: bool, description: str | None
) -> None:
    """Add a listing to the data cache's list (best effort: it is a cache)."""
    spec = _spec(folder, rx, recursive, description)
    key = _spec_key(spec)
    if key in _listings():
        return
    _LISTINGS[key] = spec
    path = Path(config.CACHE_DIR) / LISTINGS_FILE
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        # folders that have gone (e.g. temporary test folders) are forgotten
        merged = {_spec_key(k): k for k in known if Path(k["folder"]).is_dir()}
        merged[key] = spec
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(list(merged.values()), indent=1), encoding="utf-8")
        os.replace(tmp, path)


def _implied_listings(path: Path) -> None:
    """Record every known listing that ``path`` belongs to, if not recorded yet.

    A computation cached across briefings (e.g. the assessment) records the files it read
    again on a cache hit, but does not list their folder again; without this, a briefing
    served from such a cache would not depend on the folder's listing and would not run
    again when a file is added to it.
    """
    specs = _listings()
    if not specs:
        return
    try:
        full = path.resolve()
    except OSError:
        return
    log = os.environ.get(INPUTS_LOG_ENV)
    for key, spec in list(specs.items()):
        folder = Path(spec["folder"])
        if folder not in full.parents or (log, key) in _LOGGED:
            continue
        if not spec["recursive"] and full.parent != folder:
            continue
        flags = re.IGNORECASE if spec["ignore_case"] else 0
        if re.search(spec["pattern"], full.name, flags):
            record_folder(
                folder,
                re.compile(spec["pattern"], flags),
                recursive=spec["recursive"],
                description=spec.get("description"),
            )


def _pattern(pattern: str | re.Pattern[str], ignore_case: bool | None) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        flags = pattern.flags
        text = pattern.pattern
    else:
        flags, text = 0, pattern
    if ignore_case is not None:
        flags = (flags | re.IGNORECASE) if ignore_case else (flags & ~re.IGNORECASE)
    return re.compile(text, flags)


def list_folder(
    path: str | os.PathLike[str],
    pattern: str | re.Pattern[str],
    *,
    ignore_case: bool | None = None,
    recursive: bool = True,
) -> list[Path]:
    """Return the files under ``path`` whose *name* matches ``pattern``, in a stable order.

    Parameters
    ----------
    path
        The folder.
    pattern
        A regular expression searched (``re.search``) in each file's name.
    ignore_case
        Match regardless of case (default: as the compiled ``pattern`` says).
    recursive
        Look in sub-folders too.

    Returns
    -------
    list of Path
        Sorted by path relative to ``path``; empty when the folder does not exist.
    """
    folder = Path(path)
    if not folder.is_dir():
        return []
    rx = _pattern(pattern, ignore_case)
    found = folder.rglob("*") if recursive else folder.iterdir()
    files = [f for f in found if f.is_file() and rx.search(f.name)]
    return sorted(files, key=lambda f: f.relative_to(folder).as_posix())


def listing_sha256(
    path: str | os.PathLike[str],
    pattern: str | re.Pattern[str],
    *,
    ignore_case: bool | None = None,
    recursive: bool = True,
) -> tuple[str | None, int]:
    """Return a sha256 over the names and contents of the files :func:`list_folder` finds.

    Returns
    -------
    tuple
        (digest, number of files); the digest is None when the folder does not exist.
        Adding, removing, renaming or changing a matching file changes the digest.
    """
    folder = Path(path)
    if not folder.is_dir():
        return None, 0
    h = hashlib.sha256()
    files = list_folder(folder, pattern, ignore_case=ignore_case, recursive=recursive)
    for f in files:
        h.update(f"{f.relative_to(folder).as_posix()}\0{sha256_file(f)}\n".encode())
    return h.hexdigest(), len(files)


def record_folder(
    path: str | os.PathLike[str],
    pattern: str | re.Pattern[str],
    *,
    ignore_case: bool | None = None,
    recursive: bool = True,
    description: str | None = None,
) -> FolderRecord:
    """Record that the current briefing listed ``path`` for files matching ``pattern``.

    Call it where a loader lists a folder (besides :func:`record_input` for each file it
    reads), so that the runner re-runs the briefing when a matching file is added or
    removed, not only when a file it read changes.

    Parameters
    ----------
    path
        The folder listed.
    pattern
        The regular expression the loader searches in file names (a compiled pattern
        keeps its IGNORECASE flag).
    ignore_case
        Override the pattern's case sensitivity.
    recursive
        Whether the loader looks in sub-folders.
    description
        A short human description, e.g. ``"police.uk street files"``.

    Returns
    -------
    FolderRecord
        What was recorded.
    """
    rx = _pattern(pattern, ignore_case)
    digest, n = listing_sha256(path, rx, recursive=recursive)
    rec = FolderRecord(
        path=_display_path(Path(path)),
        pattern=rx.pattern,
        ignore_case=bool(rx.flags & re.IGNORECASE),
        recursive=recursive,
        sha256=digest,
        files=n,
        description=description,
    )
    _FOLDERS[rec.key] = rec
    log = os.environ.get(INPUTS_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": FOLDER_KIND, **asdict(rec)}) + "\n")
    folder = Path(path)
    _LOGGED.add((log, _spec_key(_spec(folder, rx, recursive))))
    _remember_listing(folder, rx, recursive, description)
    return rec


def _spec(
    folder: Path, rx: re.Pattern[str], recursive: bool, description: str | None = None
) -> dict[str, Any]:
    return {
        "folder": str(folder.resolve()),
        "pattern": rx.pattern,
        "ignore_case": bool(rx.flags & re.IGNORECASE),
        "recursive": recursive,
        "description": description,
    }


def _spec_key(spec: Mapping[str, Any]) -> str:
    return json.dumps([spec["folder"], spec["pattern"], spec["ignore_case"], spec["recursive"]])


def current_listing(rec: FolderRecord | Mapping[str, Any]) -> str | None:
    """Return the listing digest of a recorded folder as it is now (None if it is gone)."""
    r = rec if isinstance(rec, FolderRecord) else FolderRecord.from_dict(rec)
    digest, _ = listing_sha256(
        config.resolve(r.path), r.pattern, ignore_case=r.ignore_case, recursive=r.recursive
    )
    return digest


def recorded_inputs() -> list[InputRecord]:
    """Return the inputs recorded in this process, in first-read order."""
    return list(_RECORDS.values())


def recorded_folders() -> list[FolderRecord]:
    """Return the folders listed in this process, in first-listed order."""
    return list(_FOLDERS.values())


def _log_lines(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_inputs_log(path: str | os.PathLike[str]) -> list[InputRecord]:
    """Read a ``SCRUTINY_INPUTS_LOG`` file back, one record per path (the last wins)."""
    out: dict[str, InputRecord] = {}
    for data in _log_lines(path):
        if data.get("kind") == FOLDER_KIND:
            continue
        rec = InputRecord(**data)
        out[rec.path] = rec
    return list(out.values())


def read_folders_log(path: str | os.PathLike[str]) -> list[FolderRecord]:
    """Read the folder listings from a ``SCRUTINY_INPUTS_LOG`` file (the last wins)."""
    out: dict[str, FolderRecord] = {}
    for data in _log_lines(path):
        if data.get("kind") == FOLDER_KIND:
            rec = FolderRecord.from_dict(data)
            out[rec.key] = rec
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

    The sha256 of, for every file in path order (bytecode left out): its relative path, a
    NUL byte, the hex sha256 of its content, a NUL byte. Each file's content hash comes from
    :func:`sha256_file`, cached on its path, size and mtime in ns: a process that loaded the
    hash cache (:func:`load_hash_cache`, as ``scrutiny run`` does before calling this) reads
    only the files that changed since it was saved, and a warm run none. A file edited (its
    size or mtime changes) is read again, so the hash follows its content: a file touched
    but unchanged gives the same hash.

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
        h.update(sha256_file(p).encode() + b"\0")
    return h.hexdigest()
