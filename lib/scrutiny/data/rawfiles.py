"""Finding and opening raw files without parsing them: plain, gzip or zip members.

What the runner needs before any kernel starts (listing police.uk files by name, checking
an archive) lives here, with the standard library only, so that check does not import
numpy, pyarrow or pandas. :mod:`scrutiny.data.csvio` parses what these return, and
re-exports them; :mod:`scrutiny.data.police_uk` re-exports :func:`find_files` and
:func:`months_available`.

Limits (module constants, so a test or an unusual deployment can change them): for
compressed files :data:`MAX_FILE_BYTES` after decompression and
:data:`MAX_EXPANSION_RATIO` times the compressed size (checked once a file expands beyond
:data:`RATIO_CHECK_FROM_BYTES`), so a zip or gzip bomb is refused with an error naming
the member before it fills the memory.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scrutiny import config, provenance
from scrutiny.errors import DataError

#: Largest file accepted after decompression (police.uk's largest monthly file is ~25 MB).
MAX_FILE_BYTES = 1 << 30
#: Most a compressed file may expand, as a multiple of its compressed size (CSV: ~5 to 20).
MAX_EXPANSION_RATIO = 100
#: Files expanding to less than this are not held to the ratio (small files vary widely).
RATIO_CHECK_FROM_BYTES = 8 << 20
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def expansion_problem(compressed: int, expanded: int, *, at_least: bool = False) -> str | None:
    """Say why a file that expands from ``compressed`` to ``expanded`` bytes is refused.

    Returns None when it is within :data:`MAX_FILE_BYTES` and, above
    :data:`RATIO_CHECK_FROM_BYTES`, within :data:`MAX_EXPANSION_RATIO` times its size.
    ``at_least``: reading stopped at ``expanded`` bytes, so the file is larger still.
    """
    ratio = expanded / max(compressed, 1)
    if expanded > MAX_FILE_BYTES:
        why = f"more than the limit of {MAX_FILE_BYTES:,} bytes"
    elif expanded > RATIO_CHECK_FROM_BYTES and ratio > MAX_EXPANSION_RATIO:
        why = f"more than {MAX_EXPANSION_RATIO} times its compressed size"
    else:
        return None
    return (
        f"expands from {compressed:,} to {'at least ' if at_least else ''}{expanded:,} bytes "
        f"({ratio:,.0f} times), {why}: "
        "it looks like a zip bomb or a damaged file, so it is not read"
    )


def _cap(compressed: int) -> int:
    """Most bytes worth decompressing from ``compressed`` bytes (one more breaks a limit)."""
    return min(MAX_FILE_BYTES, max(RATIO_CHECK_FROM_BYTES, compressed * MAX_EXPANSION_RATIO))


_BOMB_EXPECTED = "a police.uk file as published (download it again)"


def display_path(path: Path) -> str:
    """Return ``path`` relative to the project root when inside it (shorter errors)."""
    try:
        return str(path.resolve().relative_to(config.PROJECT_ROOT))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class RawFile:
    """A file to read: a path on disk, or a member of a zip archive on disk.

    Attributes
    ----------
    path
        The file on disk (the archive, for a zip member).
    member
        The name inside the archive, or None.
    """

    path: Path
    member: str | None = None

    @property
    def label(self) -> str:
        """How errors and the quality record name this file."""
        base = display_path(self.path)
        return f"{base}:{self.member}" if self.member else base

    @property
    def name(self) -> str:
        """The file's own name (without folders)."""
        return Path(self.member).name if self.member else self.path.name

    def read_bytes(self) -> bytes:
        """Return the file's content, decompressed when it is gzip.

        Raises
        ------
        DataError
            The file cannot be read, the archive is damaged, or the content would expand
            beyond the limits (:func:`expansion_problem`).
        """
        if self.member is not None:
            data = self._read_member()
        else:
            try:
                data = self.path.read_bytes()
            except OSError as exc:
                raise DataError(
                    self.label,
                    f"cannot be read ({exc.strerror or exc})",
                    expected="a readable file",
                ) from None
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(data, self.label)
        return data

    def _read_member(self) -> bytes:
        assert self.member is not None
        data = b""
        try:
            with zipfile.ZipFile(self.path) as zf:
                info = zf.getinfo(self.member)
                problem = expansion_problem(info.compress_size, info.file_size)
                if problem is None:  # read no more than the limits allow, whatever it claims
                    cap = _cap(info.compress_size)
                    with zf.open(info) as fh:
                        data = fh.read(cap + 1)
                    if len(data) > cap:
                        problem = expansion_problem(info.compress_size, len(data), at_least=True)
        except (zipfile.BadZipFile, EOFError, zlib.error, KeyError, OSError) as exc:
            raise DataError(
                self.label,
                f"cannot be read from the archive ({exc}); the zip looks damaged or truncated",
                expected="a complete zip archive as police.uk produces it",
            ) from None
        if problem is not None:
            raise DataError(self.label, problem, expected=_BOMB_EXPECTED)
        return data


def list_zip(path: Path, keep: Callable[[str], bool]) -> list[RawFile]:
    """The members of a zip archive whose names ``keep`` accepts, checked before any is read.

    Raises
    ------
    DataError
        The archive is damaged or truncated (no readable central directory), or a member
        would expand beyond the limits (:func:`expansion_problem`), naming the member.
    """
    label = display_path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir() and keep(i.filename)]
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise DataError(
            label,
            f"is a damaged or truncated zip archive ({exc})",
            expected="a complete zip archive as police.uk produces it (download it again)",
        ) from None
    for info in infos:
        problem = expansion_problem(info.compress_size, info.file_size)
        if problem is not None:
            raise DataError(f"{label}:{info.filename}", problem, expected=_BOMB_EXPECTED)
    return [RawFile(path, i.filename) for i in sorted(infos, key=lambda i: i.filename)]


def looks_like_zip(path: Path) -> bool:
    """True when ``path`` is named ``.zip`` or starts like a zip archive (even a damaged one)."""
    if path.suffix.lower() == ".zip":
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(4) in _ZIP_MAGIC
    except OSError:
        return False


def _gunzip(data: bytes, label: str) -> bytes:
    d = zlib.decompressobj(wbits=47)
    cap = _cap(len(data))
    try:
        out = d.decompress(data, cap + 1)
    except zlib.error as exc:
        raise DataError(
            label, f"is not a readable gzip file ({exc})", expected="a complete .gz file"
        ) from None
    if len(out) > cap:
        problem = expansion_problem(len(data), len(out), at_least=True)
        raise DataError(label, str(problem), expected=_BOMB_EXPECTED)
    if not d.eof:
        lines = out.count(b"\n")
        raise DataError(
            label,
            f"is truncated: the compressed data ends early, after line {lines}",
            expected="a complete .gz file (download it again)",
            row=lines + 1,
        )
    return out


_MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2})(?!\d)")


def find_files(path: str | Path, kind: str, *, record: bool = True) -> list[RawFile]:
    """List the police.uk files of ``kind`` (``street``, ``outcomes``, ``stop-and-search``).

    Parameters
    ----------
    path
        A CSV/CSV.gz file, a folder (searched recursively), a ``.zip`` archive, or a glob
        picking files out of a folder, e.g. one force from a national archive:
        ``data/raw/police-uk/national-2025/*/*-leicestershire-street.csv.gz`` (only those
        files are read). Several of these joined by ``;`` are read together, e.g. a
        folder and two later months published elsewhere:
        ``data/raw/police-uk/leicestershire;data/raw/police-uk/leicestershire-republished/2022-1[12]-*``.
    kind
        Which files: names end ``-street.csv``, ``-outcomes.csv`` or
        ``-stop-and-search.csv`` (optionally ``.gz``).
    record
        Record a folder's listing through :func:`scrutiny.provenance.record_folder` (it
        hashes the files); False when only the names are wanted.

    Raises
    ------
    DataError
        When the path does not exist or holds no file of that kind; when it, or a file of
        that kind in the folder, is a symbolic link to nothing (a dangling link); when a
        zip archive is damaged or truncated, or a member would expand beyond the limits
        of :func:`expansion_problem` (a zip bomb).
    """
    if ";" in str(path):
        out: list[RawFile] = []
        for part in str(path).split(";"):
            if part.strip():
                out += find_files(config.resolve(part.strip()), kind, record=record)
        return out
    p = Path(path)
    pattern = re.compile(rf"-{re.escape(kind)}\.csv(\.gz)?$", re.IGNORECASE)
    if _GLOB_CHARS.search(str(path)):
        return _glob_files(p, kind, pattern, record=record)
    if not p.exists():
        if p.is_symlink():
            raise _dangling(p, kind)
        raise DataError(display_path(p), "does not exist", expected=f"police.uk {kind} files")
    if p.is_dir():
        files = []
        for f in sorted(p.rglob("*")):
            if not pattern.search(f.name):
                continue
            if f.is_symlink() and not f.exists():
                raise _dangling(f, kind)
            if f.is_file():
                files.append(RawFile(f))
        if record:  # a file added to or removed from the folder re-runs the briefings
            provenance.record_folder(p, pattern, description=f"police.uk {kind} files")
    elif looks_like_zip(p):
        files = list_zip(p, lambda name: bool(pattern.search(name)))
    else:
        return [RawFile(p)]
    if not files:
        raise DataError(
            display_path(p),
            f"holds no police.uk {kind} files",
            expected=f"files named like 2022-10-leicestershire-{kind}.csv (or .csv.gz)",
        )
    return files


_GLOB_CHARS = re.compile(r"[*?\[]")


def _glob_files(p: Path, kind: str, pattern: re.Pattern[str], *, record: bool) -> list[RawFile]:
    """The files of ``kind`` a glob picks out (its folder part must exist)."""
    parts = p.parts
    first = next(i for i, part in enumerate(parts) if _GLOB_CHARS.search(part))
    base = Path(*parts[:first])
    rest = "/".join(parts[first:])
    if not base.is_dir():
        raise DataError(
            display_path(base),
            "does not exist",
            expected=f"a folder holding police.uk {kind} files",
        )
    files = [RawFile(f) for f in sorted(base.glob(rest)) if f.is_file() and pattern.search(f.name)]
    if record:
        provenance.record_folder(
            base,
            re.compile(fnmatch.translate(parts[-1])),
            recursive="/" in rest or "**" in rest,
            description=f"police.uk {kind} files matching {rest}",
        )
    if not files:
        raise DataError(
            display_path(p),
            f"matches no police.uk {kind} files",
            expected=f"a pattern such as {base.name}/*/*-leicestershire-{kind}.csv.gz",
        )
    return files


def _dangling(link: Path, kind: str) -> DataError:
    """The error for a symbolic link whose target does not exist (named as the link)."""
    shown = Path(os.path.abspath(link))
    with contextlib.suppress(ValueError):
        shown = shown.relative_to(config.PROJECT_ROOT)
    return DataError(
        str(shown),
        f"is a symbolic link to {os.readlink(link)}, which does not exist",
        expected=f"a police.uk {kind} file: restore the file it points to, or remove the link",
    )


def months_available(path: str | Path, kind: str = "street") -> list[str]:
    """The months (``YYYY-MM``) of the police.uk files of ``kind`` at ``path``, by name only.

    Cheap: lists the folder or the archive's members and reads no file, so the runner can
    check a cycle's ``data_to`` before any kernel starts.

    Parameters
    ----------
    path
        As for :func:`find_files`.
    kind
        ``street``, ``outcomes`` or ``stop-and-search``.

    Returns
    -------
    list of str
        Sorted months; empty when no file name holds a month (e.g. one ``crimes.csv``).

    Raises
    ------
    DataError
        As :func:`find_files`.
    """
    names = find_files(path, kind, record=False)
    months = {m.group(1) for f in names if (m := _MONTH_IN_NAME.search(f.name))}
    return sorted(months)
