"""Reading published CSV files quickly, and saying exactly where one is broken.

The fast path hands the bytes to pyarrow's CSV reader. When pyarrow refuses a file (a
truncated row, text that is not UTF-8) the slow path re-reads it with the ``csv`` module
to name the line, so the user gets "line 4,312: has 7 fields, not 12" rather than a
traceback. Files may be plain, gzip-compressed, or members of a zip archive.

Limits (module constants, so a test or an unusual deployment can change them):
:data:`MAX_LINE_BYTES` per line, and for compressed files :data:`MAX_FILE_BYTES` after
decompression and :data:`MAX_EXPANSION_RATIO` times the compressed size (checked once a
file expands beyond :data:`RATIO_CHECK_FROM_BYTES`), so a zip or gzip bomb is refused with
an error naming the member before it fills the memory.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scrutiny import config
from scrutiny.errors import DataError

UTF8 = "UTF-8 text (re-save the file as UTF-8 CSV)"

#: Longest line accepted (police.uk lines are a few hundred bytes; pyarrow reads 1 MiB blocks).
MAX_LINE_BYTES = 1 << 20
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


def _check_encoding_start(data: bytes, label: str) -> bytes:
    if not data:
        raise DataError(label, "is empty (0 bytes)", expected="a CSV file with a header row")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataError(label, "is UTF-16 encoded", expected=UTF8, row=1)
    if data[:3] == b"\xef\xbb\xbf":  # UTF-8 byte-order mark (Excel's "CSV UTF-8")
        data = data[3:]
    if not data.strip():
        raise DataError(label, "is empty (no header row)", expected="a CSV file with a header row")
    return data


def _too_long(length: int, label: str, line: int) -> DataError:
    return DataError(
        label,
        f"line {line} is {length:,} bytes long without a line break: the file is damaged or "
        "not a CSV file",
        expected=f"lines shorter than {MAX_LINE_BYTES:,} bytes (police.uk lines are a few "
        "hundred bytes)",
        row=line,
    )


def _normalise_newlines(data: bytes) -> bytes:
    """Read lines ended by CR alone (old Mac files) as lines ended by LF."""
    if b"\r" in data and b"\n" not in data:
        return data.replace(b"\r", b"\n")
    return data


def _header(data: bytes, label: str) -> list[str]:
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    if len(first) > MAX_LINE_BYTES:
        raise _too_long(len(first), label, 1)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            label, f"is not UTF-8 text (byte 0x{first[exc.start]:02x})", expected=UTF8, row=1
        ) from None
    return [h.strip() for h in next(csv.reader([text.rstrip("\r")]))]


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def match_columns(
    header: Sequence[str],
    label: str,
    required: Sequence[str],
    *,
    aliases: dict[str, Sequence[str]] | None = None,
    optional: Sequence[str] = (),
) -> dict[str, int]:
    """Map canonical column names to their position in ``header``.

    Matching ignores case and repeated spaces; ``aliases`` lists other accepted spellings.

    Raises
    ------
    DataError
        Naming the first required column not found, and the closest header (a rename).
    """
    aliases = aliases or {}
    positions: dict[str, int] = {}
    normed = [_norm(h) for h in header]
    for name in [*required, *optional]:
        spellings = [name, *aliases.get(name, ())]
        for sp in spellings:
            if _norm(sp) in normed:
                positions[name] = normed.index(_norm(sp))
                break
        else:
            if name in optional:
                continue
            taken = set(positions.values())
            free = [h for i, h in enumerate(header) if i not in taken]
            close = difflib.get_close_matches(name, free, n=1, cutoff=0.6)
            hint = f"; found '{close[0]}' instead: was it renamed?" if close else ""
            also = f" (or {' / '.join(repr(a) for a in aliases[name])})" if name in aliases else ""
            raise DataError(
                label,
                f"has no column '{name}'{also}{hint}",
                expected="columns " + ", ".join(required),
                row=1,
                column=name,
            )
    return positions


def _diagnose(data: bytes, label: str, ncols: int, exc: Exception) -> DataError:
    """Find the line pyarrow stumbled on and describe it."""
    lines = data.split(b"\n")
    for i, line in enumerate(lines):
        if len(line) > MAX_LINE_BYTES:
            return _too_long(len(line), label, i + 1)
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as err:
            return DataError(
                label,
                f"is not UTF-8 text (byte 0x{line[err.start]:02x} at character {err.start + 1})",
                expected=UTF8,
                row=i + 1,
            )
    text = data.decode("utf-8")
    total_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            if len(record) != ncols and any(field.strip() for field in record):
                truncated = reader.line_num == total_lines and not text.endswith("\n")
                why = "the file looks truncated" if truncated else "the row is damaged"
                return DataError(
                    label,
                    f"has {len(record)} fields, not {ncols}: {why}",
                    expected=f"{ncols} comma-separated fields on every line",
                    row=reader.line_num,
                )
    except csv.Error as err:  # e.g. a quote never closed, a field over the csv module's limit
        return DataError(
            label,
            f"could not be read as CSV ({err})",
            expected="a well-formed CSV file",
            row=reader.line_num,
        )
    return DataError(label, f"could not be read as CSV ({exc})", expected="a well-formed CSV file")


def read_csv(
    raw: RawFile,
    required: Sequence[str],
    *,
    aliases: dict[str, Sequence[str]] | None = None,
    optional: Sequence[str] = (),
    header_check: Sequence[str] | None = None,
) -> pa.Table:
    """Read a CSV into an all-string Arrow table with canonical column names.

    Parameters
    ----------
    raw
        The file.
    required
        Canonical names of columns that must be present (matched case-insensitively).
    aliases
        Other accepted spellings per canonical name.
    optional
        Canonical names that may be missing (the column is then all null).
    header_check
        For files whose header repeats a name (the 2011 Census table): the exact header
        expected, position by position; ``required`` then names the columns by position.

    Returns
    -------
    pyarrow.Table
        Columns ``required`` then ``optional``, strings, empty cells null. Extra
        columns in the file are not returned.

    Raises
    ------
    DataError
        Empty, truncated, not UTF-8, a column missing or renamed, a damaged row, a line
        longer than :data:`MAX_LINE_BYTES`, no rows; a damaged archive, or a compressed
        file that would expand beyond the limits. Lines ended by CR alone are read as lines.
    """
    label = raw.label
    data = _normalise_newlines(_check_encoding_start(raw.read_bytes(), label))
    header = _header(data, label)
    if header_check is not None:
        for i, expected in enumerate(header_check):
            found = header[i] if i < len(header) else None
            if found is None or _norm(found) != _norm(expected):
                name = required[i] if i < len(required) else expected
                raise DataError(
                    label,
                    f"column {i + 1} is headed {found!r}",
                    expected=f"{expected!r} ({name}); header "
                    + ", ".join(repr(h) for h in header_check),
                    row=1,
                    column=expected or name,
                )
        positions = {name: i for i, name in enumerate(required)}
    else:
        positions = match_columns(header, label, required, aliases=aliases, optional=optional)
    ncols = len(header)
    names = [f"__c{i}" for i in range(ncols)]
    for name, i in positions.items():
        names[i] = name
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                include_columns=list(positions),
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _diagnose(data, label, ncols, exc) from None
    if table.num_rows == 0:
        raise DataError(label, "has a header but no data rows", expected="at least one row", row=2)
    for name in optional:
        if name not in positions:
            table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    return table.select([*required, *[o for o in optional if o in table.column_names]])


# -- column checks on Arrow tables -------------------------------------------------------


def first_false(mask: pa.ChunkedArray | pa.Array) -> int | None:
    """Index of the first False (or null) in a boolean array, or None when all True."""
    arr = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
    bad = np.flatnonzero(~arr)
    return int(bad[0]) if bad.size else None


def line_of(index: int) -> int:
    """The line number of data row ``index`` (0-based) in a file with one header line."""
    return index + 2


def _require_pattern(
    table: pa.Table,
    column: str,
    cleaned: pa.ChunkedArray,
    pattern: str,
    label: str | Callable[[int], str],
    *,
    what: str,
    expected: str,
    allow_null: bool,
    row_offset: np.ndarray | None,
) -> None:
    """Raise DataError at the first cell of ``cleaned`` not matching ``pattern``.

    The message quotes the cell as it is in the file (``table``), not as cleaned.
    """
    ok = pc.match_substring_regex(cleaned, pattern)
    if allow_null:
        ok = pc.or_kleene(ok, pc.is_null(cleaned))
    bad = first_false(ok)
    if bad is not None:
        value = table.column(column)[bad].as_py()
        shown = "an empty cell" if value is None else repr(value)
        raise DataError(
            _lab(label, bad),
            f"has {shown} where {what} belongs",
            expected=expected,
            row=_row(bad, row_offset),
            column=column,
        )


def parse_int(
    table: pa.Table,
    column: str,
    label: str | Callable[[int], str],
    *,
    thousands: bool = False,
    allow_null: bool = False,
    allow_negative: bool = True,
    row_offset: np.ndarray | None = None,
) -> pa.ChunkedArray:
    """Parse a string column to int64, raising DataError at the first bad cell.

    ``row_offset`` maps table rows to line numbers when the table concatenates files.
    """
    col = table.column(column)
    if thousands:
        col = pc.replace_substring(col, ",", "")
    col = pc.utf8_trim_whitespace(col)
    _require_pattern(
        table,
        column,
        col,
        r"^-?\d+$",
        label,
        what="a whole number",
        expected="a whole number" + (" (thousands separators allowed)" if thousands else ""),
        allow_null=allow_null,
        row_offset=row_offset,
    )
    out = pc.cast(col, pa.int64())
    if not allow_negative:
        neg = first_false(pc.or_kleene(pc.greater_equal(out, 0), pc.is_null(out)))
        if neg is not None:
            raise DataError(
                _lab(label, neg),
                f"has a negative count ({out[neg].as_py()})",
                expected="a count of zero or more",
                row=_row(neg, row_offset),
                column=column,
            )
    return out


def parse_float(
    table: pa.Table,
    column: str,
    label: str | Callable[[int], str],
    *,
    allow_null: bool = True,
    row_offset: np.ndarray | None = None,
) -> pa.ChunkedArray:
    """Parse a string column to float64, raising DataError at the first bad cell."""
    col = pc.utf8_trim_whitespace(pc.replace_substring(table.column(column), ",", ""))
    _require_pattern(
        table,
        column,
        col,
        r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$",
        label,
        what="a number",
        expected="a number",
        allow_null=allow_null,
        row_offset=row_offset,
    )
    return pc.cast(col, pa.float64())


def _lab(label: str | Callable[[int], str], index: int) -> str:
    return label(index) if callable(label) else label


def _row(index: int, row_offset: np.ndarray | None) -> int:
    return int(row_offset[index]) if row_offset is not None else line_of(index)
