"""Reading published CSV files quickly, and saying exactly where one is broken.

The fast path hands the bytes to pyarrow's CSV reader. When pyarrow refuses a file (a
truncated row, text that is not UTF-8) the slow path re-reads it with the ``csv`` module
to name the line, so the user gets "line 4,312: has 7 fields, not 12" rather than a
traceback. Files may be plain, gzip-compressed, or members of a zip archive.

Limits (module constants, so a test or an unusual deployment can change them):
:data:`MAX_LINE_BYTES` per line; the limits on compressed files (a zip or gzip bomb is
refused, naming the member, before it fills the memory) are in
:mod:`scrutiny.data.rawfiles`, which finds and opens the files without parsing them.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scrutiny.data.rawfiles import RawFile
from scrutiny.errors import DataError

UTF8 = "UTF-8 text (re-save the file as UTF-8 CSV)"

#: Longest line accepted (police.uk lines are a few hundred bytes; pyarrow reads 1 MiB blocks).
MAX_LINE_BYTES = 1 << 20


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
