"""How a CSV row's cells are read into a deal context (drafter.batch.columns):
the per-field routes and memoised converters RowReader uses must give what
the plain reading gives, for good cells and for bad ones."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from drafter.batch.columns import (
    SENDER_PREFIX,
    RowProblem,
    RowReader,
    _cell,
    _date,
    layout,
)
from drafter.context import DealContext
from drafter.errors import InputError
from drafter.inputs import check_context
from drafter.playbook import load_playbook
from drafter.resources import default_playbook_dir

_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\S*)?$")


def _plain_date(text: str) -> str:
    """The reading before it was memoised: the day's text, for the model to parse."""
    found = _DATE_TIME.match(text.strip())
    return found.group(1) if found else text.strip()


def _outcome(data: dict[str, Any]) -> DealContext | str:
    playbook = load_playbook(default_playbook_dir())
    try:
        return check_context(data, playbook, path="row")
    except InputError as exc:
        return f"{exc.key}: {exc.message}"


DATES = [
    "2026-11-10",
    " 2026-11-10 ",
    "2026-11-10 14:32",
    "2026-11-10T14:32:05.123Z",
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "1800-01-01",
    "1899-12-31",
    "1900-01-01",
    "2999-12-31",
    "3000-01-01",
    "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0661\u0660",  # Arabic-Indic digits
    "11/10/2026",
    "2026-1-1",
    "yesterday",
]


@pytest.mark.parametrize("text", DATES)
def test_a_date_cell_validates_as_its_plain_text_would(text: str) -> None:
    """_date hands the model a date where the text is one: same context, or
    the same error, as the day's text gave."""
    base: dict[str, dict[str, Any]] = {"prospect": {"name": "Ana Gomez", "company": "Acme"}}
    for section, key in (("deal", "missed_appointment"), ("prospect", "away_until")):
        fast = {**base, "deal": {"stage": "cold"}}
        plain = {**base, "deal": {"stage": "cold"}}
        fast[section] = {**fast[section], key: _date(text)}
        plain[section] = {**plain[section], key: _plain_date(text)}
        assert _outcome(fast) == _outcome(plain)
    assert _date(text) == _date(text)  # memoised: the same answer again
    if _plain_date(text) in ("2026-11-10", "1900-01-01", "2999-12-31"):
        assert isinstance(_date(text), dt.date)  # read once, here


HEADER = (
    "Record ID",
    "First Name",
    "Last Name",
    "Company Name",
    "Role",
    "Preferred Channel",
    "Away Until",
    "Deal Stage",
    "Amount",
    "RFP",
    "Benefits",
    "Attempts",
    "Channels Tried",
    "First Attempt",
    "Last Attempt",
    "Last Reply",
    "Last Reply Outcome",
    "Last Technique",
    "Street",
    "City",
    "Sender Name",
)

ROWS = [
    [
        "D-1",
        "Ana",
        "Gomez",
        "Acme",
        "Decision Maker",
        "phone",
        "",
        "Proposal",
        "$2.4M",
        "yes",
        "cut costs; ship faster;",
        "2",
        "call;email",
        "2026-11-01",
        "2026-11-10 14:32",
        "",
        "",
        "",
        "1 Main St",
        "Denver",
        "Sam Rep",
    ],
    [
        "D-2",
        "Bo",
        "",
        "Beta",
        "",
        "",
        "2026-12-01",
        "cold",
        "",
        "",
        "",
        "0",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "D-3",
        "Cy",
        "Day",
        "Gamma",
        "influencer",
        "email",
        "",
        "engaged",
        "1000 EUR",
        "no",
        "",
        "3",
        "linkedin",
        "2026-10-01",
        "2026-11-02",
        "2026-09-30",
        "deferred",
        "follow_up",
        "",
        "Paris",
        "",
    ],
    # bad rows: each must fail, naming its column
    [
        "D-4",
        "Di",
        "",
        "Delta",
        "boss",
        "",
        "",
        "cold",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "D-5",
        "Ed",
        "",
        "Eps",
        "",
        "",
        "2026-02-30",
        "cold",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "D-6",
        "Fa",
        "",
        "Zeta",
        "",
        "",
        "",
        "cold",
        "",
        "maybe",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "D-7",
        "Gi",
        "",
        "Eta",
        "",
        "",
        "",
        "cold",
        "",
        "",
        "",
        "2.5",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "D-8",
        "Ho",
        "",
        "Theta",
        "",
        "",
        "",
        "won",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


def _plain_read(reader: RowReader, cells: list[str]) -> DealContext | str:
    """The row read the plain way: every cell through _cell, sorted by set membership."""
    raw = reader.values(cells)
    if "name" not in raw and ("first_name" in raw or "last_name" in raw):
        raw["name"] = " ".join(raw[p] for p in ("first_name", "last_name") if p in raw)
    if "mailing_address" not in raw and any(p in raw for p in ("street", "city")):
        raw["mailing_address"] = ", ".join(raw[p] for p in ("street", "city") if p in raw)
    data: dict[str, Any] = {"prospect": {}, "deal": {}}
    history: dict[str, Any] = {}
    sender: dict[str, Any] = {}
    for name, text in raw.items():
        value = _cell(name, text)
        if name in reader.sender_fields:
            sender[name.removeprefix(SENDER_PREFIX)] = value
        elif name in reader.prospect_fields:
            data["prospect"][name] = value
        elif name in reader.deal_fields:
            data["deal"][name] = value
        elif name in reader.history_fields:
            history[name] = value
    if history:
        data["history"] = history
    if sender:
        data["sender"] = sender
    return _outcome(data)


def test_rows_read_as_the_plain_reading_gives() -> None:
    playbook = load_playbook(default_playbook_dir())
    reader = RowReader(layout(HEADER), playbook)
    seen_errors = 0
    for _ in range(2):  # the second time from the converters' memos
        for cells in ROWS:
            expected = _plain_read(reader, cells)
            try:
                got: DealContext | str = reader.read(cells).ctx
            except RowProblem as exc:
                got = str(exc)
                seen_errors += 1
                assert isinstance(expected, str), got
                # the same problem, shown under the file's own column name
                assert expected.split(": ", 1)[1] == exc.problem
                assert exc.column in HEADER
                continue
            assert got == expected
    assert seen_errors == 2 * 5
