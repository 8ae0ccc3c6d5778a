"""Errors that name exactly what was wrong: the file, the row, the column, the parameter.

A user who gets one of these should be able to open the file and fix it without reading
a traceback, so ``str(error)`` is a complete plain-English sentence.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path


@dataclass
class DataError(ValueError):
    """A raw data file could not be used as it stands.

    Parameters
    ----------
    file
        The file (or folder, or archive member) that is wrong.
    problem
        What is wrong, in plain English.
    expected
        What was expected instead.
    row
        1-based line number in the file (the header is line 1), when known.
    column
        The column name, when known.
    """

    file: str | Path
    problem: str
    expected: str | None = None
    row: int | None = None
    column: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [str(self.file)]
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = f"{', '.join(where)}: {self.problem}"
        if self.expected:
            text += f" (expected {self.expected})"
        return text


@dataclass
class ParamsError(ValueError):
    """A parameters or cycle file is invalid.

    Parameters
    ----------
    file
        The YAML file, or the notebook whose parameters were checked.
    problem
        What is wrong, naming the key (e.g. ``briefings[2].parameters.distrct``).
    briefing
        The briefing name, when the problem belongs to one briefing.
    """

    file: str | Path
    problem: str
    briefing: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.file)
        if self.briefing:
            where += f" (briefing '{self.briefing}')"
        return f"{where}: {self.problem}"


@dataclass
class MachineError(RuntimeError):
    """The machine, not the cycle file, stops the run (exit code 3).

    For example a folder that cannot be written, a full disk, no Jupyter kernel, or another
    run writing the same folder.

    Parameters
    ----------
    path
        The file or folder concerned, when there is one.
    problem
        What is wrong, in plain English.
    remedy
        What to do about it.
    """

    path: str | Path | None
    problem: str
    remedy: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.path}: {self.problem}" if self.path else self.problem
        if self.remedy:
            text += f". {self.remedy}"
        return text


_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}


def machine_error(exc: OSError, doing: str, path: str | Path | None = None) -> Exception:
    """Describe an ``OSError`` the machine caused as a :class:`MachineError`.

    Parameters
    ----------
    exc
        The error, e.g. ``PermissionError`` or ``OSError(errno.ENOSPC, ...)``.
    doing
        What scrutiny was doing, e.g. ``"writing the manifest"``.
    path
        The file concerned (default: the error's own ``filename``).

    Returns
    -------
    Exception
        A :class:`MachineError` for a permission, read-only, full-disk or missing-
        folder error; ``exc`` itself for anything else (a bug to report, not to explain).
    """
    where = path if path is not None else exc.filename
    code = exc.errno
    if code in _NOT_ALLOWED:
        what = "the file system is read-only" if code == errno.EROFS else "permission denied"
        return MachineError(
            where,
            f"cannot write here while {doing} ({what})",
            "Expected a folder this user can write to: check its owner and permissions, "
            "or publish elsewhere with --reports-dir. Pages already published are unchanged",
        )
    if code in _NO_SPACE:
        return MachineError(
            where,
            f"no space left on the device while {doing}",
            "Free some space (`make clean` removes the data cache and generated pages) and "
            "run again. Pages already published are unchanged",
        )
    if code in {errno.ENOTDIR, errno.EISDIR, errno.ENOENT, errno.EEXIST}:
        return MachineError(
            where,
            f"{exc.strerror or exc} while {doing}",
            "Expected a folder (not a file) that can be created and written",
        )
    return exc
