"""Reading a CRM export as a stream: UTF-8 with or without a BOM, CRLF or LF,
one record at a time (memory does not grow with the file).

A file-level problem (not UTF-8, not CSV, no header) raises :class:`InputError`
naming the file and the row; :func:`scan` finds them all before any work is
done, so a batch never stops half-way for a reason it could have seen first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from drafter.errors import InputError

_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class InputRow:
    row: int  # 1 = the first record after the header
    line: int  # the file line the record starts on
    cells: list[str]


@dataclass(frozen=True)
class Scan:
    header: tuple[str, ...]
    delimiter: str
    rows: int  # records after the header (blank lines not counted)


def _lines(path: Path, shown: str) -> Iterator[str]:
    """Decoded lines, ends kept (as ``open(newline="")`` gives them)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError("no such file", path=shown) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=shown) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), path=shown) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if b"\x00" in raw:
                raise InputError(
                    f"line {number}: not CSV (NUL bytes: UTF-16 or a binary file?); save the "
                    "file as CSV UTF-8",
                    path=shown,
                )
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"line {number}: not UTF-8 text ({exc.reason} at byte {exc.start + 1} of "
                    "the line); save the file as CSV UTF-8",
                    path=shown,
                ) from None


def _sniff(first_line: str) -> str:
    """The delimiter that splits the header into the most cells (``,`` first)."""
    counts = [(len(next(csv.reader([first_line], delimiter=d), [])), d) for d in _DELIMITERS]
    best = max(counts, key=lambda c: c[0])
    return "," if best[0] <= counts[0][0] else best[1]


def records(path: Path, *, shown: str | None = None) -> tuple[tuple[str, ...], Iterator[InputRow]]:
    """The header and an iterator of records. Raises :class:`InputError` for
    file-level problems (as they are met: call :func:`scan` first)."""
    name = shown or str(path)
    lines = _lines(path, name)
    first = next(lines, None)
    if first is None or not first.strip():
        raise InputError("empty file: expected a header row of column names", path=name)
    delimiter = _sniff(first)

    def chained() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(chained(), delimiter=delimiter, strict=False)
    try:
        header = tuple(h.strip() for h in next(reader))
    except csv.Error as exc:
        raise InputError(f"line 1: not a CSV header ({exc})", path=name) from None
    if len(header) < 2 and (first.lstrip().startswith(("{", "[")) or len(first) > 2000):
        raise InputError("not a CSV file (expected a header row of column names)", path=name)

    def rows() -> Iterator[InputRow]:
        row = 0
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(f"line {reader.line_num}: not CSV ({exc})", path=name) from None
            if not cells or all(not c.strip() for c in cells):
                continue
            row += 1
            yield InputRow(row, line, cells)

    return header, rows()


def scan(path: Path, *, shown: str | None = None) -> Scan:
    """Read the whole file once, cheaply: every file-level problem, and the
    number of records (for progress), before any work is done."""
    header, rows = records(path, shown=shown)
    count = 0
    for _ in rows:
        count += 1
    with path.open("rb") as handle:
        first = handle.readline().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    return Scan(header, _sniff(first), count)
