"""Errors that name exactly what was wrong: the file, the row, the column, the parameter.

A user who gets one of these should be able to open the file and fix it without reading
a traceback, so ``str(error)`` is a complete plain-English sentence.
"""

from __future__ import annotations

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
