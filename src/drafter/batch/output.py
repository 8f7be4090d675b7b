"""The batch output: one record per input row, in JSONL or CSV, appended and
flushed as rows finish, and read back to resume.

Each record is written with a single ``write`` on an unbuffered append-mode
file, so a process killed mid-run leaves whole records behind (at worst a
torn tail after a power cut, which :class:`Sink` cuts off when it reopens the
file). The record's ``key`` (the row's ``id`` column, else a stable hash of
the row) is what a rerun skips by.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from drafter.errors import InputError

Format = Literal["jsonl", "csv"]
Status = Literal["ok", "flagged", "wait", "move_on", "error"]
STATUSES: tuple[Status, ...] = ("ok", "flagged", "wait", "move_on", "error")
FAILED: frozenset[str] = frozenset({"flagged", "error"})

# Added after the input's own columns in CSV output.
CSV_COLUMNS = (
    "technique",
    "channel",
    "send_on",
    "subject",
    "body",
    "ok",
    "violations",
    "error",
    "status",
    "reason",
    "row",
    "key",
)
# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A cell starting with one of these (a formula, or a newline) gets a leading ``'``.
_RISKY_FIRST = frozenset([*_FORMULA_START, "\n"])


def output_format(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise InputError(
        f"unsupported output type {suffix or '(none)'!r}: use .csv or .jsonl", key="--out"
    )


def neutralise(cell: str) -> str:
    """A cell no spreadsheet runs as a formula: a leading ``'`` where it
    would (OWASP's advice); newlines inside a cell become ``\\n``."""
    if cell[:1] not in _RISKY_FIRST and "\r" not in cell:
        return cell  # most cells: nothing to change
    risky = cell.startswith(_FORMULA_START)
    cell = cell.replace("\r\n", "\n").replace("\r", "\n")
    return "'" + cell if risky or cell.startswith("\n") else cell


class _Line:
    """A file whose ``write`` hands back what it is given: a CSV writer over
    it returns each row's text from ``writerow``, with no buffer to make,
    fill and empty for every record (a batch writes one a row)."""

    def write(self, text: str) -> str:
        return text


# Shared by every call: the writer keeps no state between rows, and it is only
# given str cells (no Python code of ours runs while it writes one).
_LINE_WRITER = csv.writer(_Line(), lineterminator="\r\n")


def csv_line(cells: Sequence[object]) -> bytes:
    """One CSV record (CRLF-terminated, UTF-8), every cell through :func:`neutralise`;
    ``None`` is an empty cell."""
    out: list[str] = []
    for cell in cells:
        text = "" if cell is None else str(cell)
        # neutralise's own first test, inlined: most cells need nothing.
        out.append(text if text[:1] not in _RISKY_FIRST and "\r" not in text else neutralise(text))
    line: str = _LINE_WRITER.writerow(out)
    return line.encode("utf-8")


def jsonl_line(obj: dict[str, Any]) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def csv_header(input_header: Sequence[str]) -> bytes:
    return csv_line([*input_header, *CSV_COLUMNS])


@dataclass(frozen=True)
class Done:
    status: str
    technique: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    priced: bool = True  # False: the model has no price, so cost_usd means nothing


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class Sink:
    """An output file opened for appending, knowing what it held when
    loaded: the key of every record (all a rerun needs to skip a row; what
    the records said is tallied as they are read, not kept)."""

    def __init__(self, path: Path, fmt: Format, input_header: Sequence[str]) -> None:
        self.path = path
        self.fmt = fmt
        self.input_header = tuple(input_header)
        self.keys: set[str] = set()
        self._fd: int | None = None

    # -- reading back ------------------------------------------------------
    def load(self, tally: Callable[[Done], None] | None = None) -> None:
        """Read what a previous run wrote (cutting a torn tail): each record's
        key, and its outcome given to ``tally``."""
        self.keys = set()
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        self._cut_torn_tail()
        for key, done in self._existing():
            self.keys.add(key)
            if tally is not None:
                tally(done)

    def _cut_torn_tail(self) -> None:
        end = b"\r\n" if self.fmt == "csv" else b"\n"
        size = self.path.stat().st_size
        with self.path.open("rb+") as handle:
            step = 1 << 16
            pos = size
            while pos > 0:
                start = max(0, pos - step)
                handle.seek(start)
                chunk = handle.read(pos - start + len(end) - 1)
                found = chunk.rfind(end)
                if found >= 0:
                    keep = start + found + len(end)
                    if keep < size:
                        handle.truncate(keep)
                    return
                pos = start
            handle.truncate(0)

    def _existing(self) -> Iterator[tuple[str, Done]]:
        shown = str(self.path)
        if self.fmt == "jsonl":
            with self.path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    try:
                        obj = json.loads(line)
                        key = obj["key"]
                        status = obj["status"]
                    except (ValueError, KeyError, TypeError):
                        raise InputError(
                            f"line {number}: not a drafter batch record; choose another --out",
                            path=shown,
                        ) from None
                    yield key, _done_of(obj)
            return
        with self.path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            expected = next(csv.reader(io.StringIO(csv_header(self.input_header).decode())))
            if header is None:
                return
            if header != expected:
                raise InputError(
                    "was written for another input (its columns differ); choose another --out",
                    path=shown,
                )
            base = len(self.input_header)
            at = {name: base + i for i, name in enumerate(CSV_COLUMNS)}
            for cells in reader:
                if len(cells) != len(expected):
                    raise InputError(
                        f"line {reader.line_num}: not a drafter batch record", path=shown
                    )
                key = _plain(cells[at["key"]])
                technique = _plain(cells[at["technique"]]) or None
                status = cells[at["status"]]
                yield key, Done(status, technique)

    # -- writing -----------------------------------------------------------
    def open(self) -> None:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        self._fd = os.open(self.path, flags, 0o644)
        if self.fmt == "csv" and os.fstat(self._fd).st_size == 0:
            _write_all(self._fd, csv_header(self.input_header))

    def write(self, line: bytes) -> None:
        """Append one record. Its key is not remembered: a run meets each row
        once, and :attr:`keys` is what the file held when last loaded (all a
        run needs to skip; memory does not grow with the rows written)."""
        assert self._fd is not None, "open() first"
        _write_all(self._fd, line)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def drop(self, statuses: frozenset[str]) -> int:
        """Rewrite the file without the records of these statuses (for
        ``--retry-failed``); atomic: a crash leaves the old file or the new."""
        if not self.path.exists():
            return 0
        temp = self.path.with_name(self.path.name + ".tmp")
        dropped = 0
        with self.path.open("rb") as src, temp.open("wb") as dst:
            if self.fmt == "jsonl":
                for line in src:
                    if json.loads(line)["status"] in statuses:
                        dropped += 1
                    else:
                        dst.write(line)
            else:
                text = io.TextIOWrapper(src, encoding="utf-8", newline="")
                reader = csv.reader(text)
                header = next(reader, None)
                if header is not None:
                    dst.write(_raw_csv_line(header))
                status_at = len(self.input_header) + CSV_COLUMNS.index("status")
                for cells in reader:
                    if cells[status_at] in statuses:
                        dropped += 1
                    else:
                        dst.write(_raw_csv_line(cells))
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(temp, self.path)
        self.load()
        return dropped


def _done_of(obj: dict[str, Any]) -> Done:
    draft = obj.get("draft") or {}
    usage = draft.get("usage") or {}
    plan = obj.get("plan") or {}
    return Done(
        obj["status"],
        plan.get("technique"),
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        float(usage.get("cost_usd") or 0.0),
    )


def _plain(cell: str) -> str:
    """A cell as written before neutralising (our own columns only)."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in _FORMULA_START else cell


def _raw_csv_line(cells: Sequence[str]) -> bytes:
    """Cells already neutralised, written back as they are."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue().encode("utf-8")
