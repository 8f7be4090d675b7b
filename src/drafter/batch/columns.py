"""Which CSV column gives which deal field (contract §2), and how a row of
cells becomes a deal context.

Header names are matched case-insensitively, ignoring spaces and punctuation
(``First Name``, ``first_name`` and ``first-name`` are one name). A column is
taken, in this order, from the user's map (``--map FILE`` or ``[batch.columns]``
in drafter.toml), the field's own name, then the CRM aliases below, first
listed first. Columns nobody claims are ignored, and named once on stderr.
``docs/batch.md`` shows the same table; a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, get_args

from pydantic import BaseModel

from drafter.context import (
    FIRST_DAY,
    LAST_DAY,
    Channel,
    Deal,
    DealContext,
    HistorySummary,
    Prospect,
    Sender,
    parse_channel,
)
from drafter.errors import InputError
from drafter.inputs import check_context
from drafter.loading import short
from drafter.playbook import Playbook

PROSPECT_FIELDS = tuple(Prospect.model_fields)
HISTORY_FIELDS = tuple(HistorySummary.model_fields)
# The sender (the rep who owns the deal) per row: ``sender_name`` and so on,
# since ``name``, ``email``... are the prospect's. --sender-* flags win.
SENDER_PREFIX = "sender_"
SENDER_FIELDS = tuple(SENDER_PREFIX + name for name in Sender.model_fields)
# Parts a CRM splits a field into: joined back into the field.
NAME_PARTS = ("first_name", "last_name")
ADDRESS_PARTS = ("street", "city", "state", "postal_code", "country")
ROW_FIELDS = ("id", "technique", "channel")
# A deal context's ``today`` is not a column: a batch plans every row for one
# day (--today), so a run is reproducible. The history's list of touches is
# not one either: a CSV carries its summary (attempts, last_reply...).


def _fields_typed(models: Sequence[type[BaseModel]], kind: type) -> frozenset[str]:
    """The models' fields whose type is ``kind`` (or a list of it), optional or not."""

    def has(annotation: Any) -> bool:
        if annotation is kind or (isinstance(annotation, type) and issubclass(annotation, kind)):
            return True
        return any(has(arg) for arg in get_args(annotation))

    return frozenset(
        name
        for model in models
        for name, info in model.model_fields.items()
        if has(info.annotation)
    )


_MODELS: tuple[type[BaseModel], ...] = (Prospect, Deal, HistorySummary)
# Read from the models, so a field they gain is read the right way at once.
LIST_FIELDS = frozenset(
    n for m in _MODELS for n, f in m.model_fields.items() if "list[" in str(f.annotation)
)
DATE_FIELDS = _fields_typed(_MODELS, dt.date)
BOOL_FIELDS = _fields_typed(_MODELS, bool)
WORD_FIELDS = _fields_typed(_MODELS, Enum)  # "Decision Maker" -> decision_maker
_TRUE = frozenset({"true", "yes", "y", "1", "x", "checked", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "unchecked", "off"})


def deal_fields() -> tuple[str, ...]:
    """The deal's fields as the model has them today (``currency``,
    ``follow_up_on``... join as they land)."""
    return tuple(Deal.model_fields)


def known_fields() -> tuple[str, ...]:
    extra = ("last_name", *ADDRESS_PARTS)
    return (
        *ROW_FIELDS,
        *PROSPECT_FIELDS,
        *deal_fields(),
        *HISTORY_FIELDS,
        *SENDER_FIELDS,
        *extra,
    )


# field -> {CRM: [header spellings]}, most specific first. Only columns that
# mean the same thing are aliased: a CRM's "times contacted" counts every
# touch ever, not unanswered ones since the last reply, so history columns
# have no aliases (map them with --map).
ALIASES: dict[str, dict[str, list[str]]] = {
    "id": {
        "HubSpot": ["Record ID"],
        "Salesforce": ["Opportunity ID", "Contact ID", "Lead ID"],
        "Pipedrive": ["Deal - ID"],
    },
    "name": {
        "Salesforce": ["Full Name", "Contact Name", "Contact: Full Name"],
        "Pipedrive": ["Person - Name", "Deal - Contact person"],
    },
    "first_name": {
        "HubSpot": ["First Name"],
        "Pipedrive": ["Person - First name"],
    },
    "last_name": {
        "HubSpot": ["Last Name"],
        "Pipedrive": ["Person - Last name"],
    },
    "title": {
        "HubSpot": ["Job Title"],
        "Pipedrive": ["Person - Job title"],
    },
    "company": {
        "HubSpot": ["Company Name", "Associated Company"],
        "Salesforce": ["Account Name", "Account: Account Name"],
        "Pipedrive": ["Organization - Name", "Deal - Organization"],
    },
    "email": {
        "HubSpot": ["Email Address"],
        "Pipedrive": ["Person - Email", "Person - Email - Work"],
    },
    "phone": {
        "HubSpot": ["Phone Number", "Mobile Phone Number"],
        "Salesforce": ["Mobile"],
        "Pipedrive": ["Person - Phone", "Person - Phone - Work", "Person - Phone - Mobile"],
    },
    "mailing_address": {
        "Pipedrive": ["Organization - Address", "Person - Postal address"],
    },
    "street": {
        "HubSpot": ["Street Address"],
        "Salesforce": ["Mailing Street"],
    },
    "city": {"Salesforce": ["Mailing City"]},
    "state": {
        "HubSpot": ["State/Region"],
        "Salesforce": ["Mailing State/Province", "State/Province"],
    },
    "postal_code": {
        "Salesforce": ["Mailing Zip/Postal Code", "Zip/Postal Code"],
    },
    "country": {
        "HubSpot": ["Country/Region"],
        "Salesforce": ["Mailing Country"],
    },
    "stage": {
        "HubSpot": ["Deal Stage"],
        "Pipedrive": ["Deal - Stage"],
    },
    "value": {
        "HubSpot": ["Amount"],
        "Pipedrive": ["Deal - Value"],
    },
    "currency": {
        "Salesforce": ["Opportunity Currency"],
        "Pipedrive": ["Deal - Currency"],
    },
    "agreed_next_step": {
        "HubSpot": ["Next Step"],
    },
    "notes": {
        "HubSpot": ["Deal Description"],
        "Salesforce": ["Description"],
    },
    # The deal's owner is the rep who writes: the sender.
    "sender_name": {
        "HubSpot": ["Deal owner", "Contact owner"],
        "Salesforce": ["Opportunity Owner", "Owner Name", "Lead Owner"],
        "Pipedrive": ["Deal - Owner"],
    },
    "sender_email": {
        "Salesforce": ["Owner Email"],
    },
}


def normalise(header: str) -> str:
    """``First Name`` -> ``firstname``: case, spaces and punctuation ignored."""
    return re.sub(r"[\W_]+", "", header.casefold())


class MapProblem(ValueError):
    """A user column map names a field drafter does not have."""


def _alias_order() -> dict[str, list[tuple[str, str]]]:
    """normalised header -> [(field, preference)]"""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, by_crm in ALIASES.items():
        for crm, spellings in by_crm.items():
            for spelling in spellings:
                out.setdefault(normalise(spelling), []).append((name, crm))
    return out


@dataclass(frozen=True)
class Layout:
    """Which column (index, header) gives each field, and what was left out."""

    header: tuple[str, ...]
    columns: dict[str, int]  # field -> column index
    ignored: tuple[str, ...]  # headers nobody claims, or a field already taken

    def header_of(self, name: str) -> str:
        index = self.columns.get(name)
        return self.header[index] if index is not None else name


def check_user_map(user_map: Mapping[str, str]) -> dict[str, str]:
    """normalised header -> field, or "" to ignore that column."""
    known = set(known_fields())
    out = {}
    for header, target in user_map.items():
        wanted = str(target).strip()
        if wanted in ("", "-", "ignore"):
            out[normalise(str(header))] = ""
            continue
        if wanted not in known:
            raise MapProblem(
                f"column {short(header)} maps to unknown field {short(wanted)}; known: "
                + ", ".join(sorted(known))
            )
        out[normalise(str(header))] = wanted
    return out


def layout(header: Sequence[str], user_map: Mapping[str, str] | None = None) -> Layout:
    """Assign columns to fields: the user's map, then exact names, then aliases."""
    mapped = check_user_map(user_map or {})
    known = set(known_fields())
    exact = {normalise(f): f for f in known}
    aliases = _alias_order()
    ranked: dict[str, tuple[int, int, int]] = {}  # field -> (rank, order, column)
    ignored = []
    for index, raw in enumerate(header):
        key = normalise(raw)
        choices: list[tuple[str, int, int]] = []
        if key in mapped:
            choices = [(mapped[key], 0, 0)] if mapped[key] else []
        elif key in exact:
            choices = [(exact[key], 1, 0)]
        else:
            for name, crm in aliases.get(key, []):
                spellings = [normalise(s) for s in ALIASES[name][crm]]
                order = list(ALIASES[name]).index(crm) * 100 + spellings.index(key)
                choices.append((name, 2, order))
        taken = False
        for name, rank, order in choices:
            if name not in known:
                continue
            best = ranked.get(name)
            if best is None or (rank, order) < best[:2]:
                if best is not None:
                    ignored.append(header[best[2]])
                ranked[name] = (rank, order, index)
                taken = True
                break
        if not taken:
            ignored.append(raw)
    columns = {name: best[2] for name, best in ranked.items()}
    return Layout(tuple(header), columns, tuple(h for h in ignored if h.strip()))


@dataclass(frozen=True)
class RowProblem(Exception):
    """One row cannot be drafted: which column, and what is wrong."""

    column: str | None
    problem: str

    def __str__(self) -> str:
        return f"{self.column}: {self.problem}" if self.column else self.problem


@dataclass(frozen=True)
class Row:
    """One prospect from the CSV, ready to plan."""

    ctx: DealContext
    technique: str | None = None
    channel: Channel | None = None


_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\S*)?$")

# The converters below are pure functions of a cell's text, and a batch meets
# the same few dates, words, counts and flags row after row: each is memoised
# (on an immutable result: a str, int, bool or date).


@functools.lru_cache(maxsize=4096)
def _word(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


@functools.lru_cache(maxsize=4096)
def _date(text: str) -> dt.date | str:
    """A CRM's ``2026-11-10 14:32`` is the day 2026-11-10, read here once (as
    the model would read ``2026-11-10``) rather than again by the model. A day
    the model would refuse (no date: ``2026-02-30``; not in ASCII digits;
    outside FIRST_DAY-LAST_DAY) is left as its text, so that the model's
    message quotes the text as before."""
    found = _DATE_TIME.match(text.strip())
    if not found:
        return text.strip()
    day = found.group(1)
    if day.isascii():
        try:
            when = dt.date.fromisoformat(day)
        except ValueError:
            return day
        if FIRST_DAY <= when <= LAST_DAY:
            return when
    return day


@functools.lru_cache(maxsize=1024)
def _count(text: str) -> int | str:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else text


@functools.lru_cache(maxsize=1024)
def _flag(text: str) -> bool | str:
    """``true``/``yes``/``x``/``1`` and ``false``/``no``/``0``, any case;
    anything else is left for the model to refuse (naming the column)."""
    word = text.strip().casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return text


def _items(text: str) -> list[str]:
    """A list cell: ``a; b;`` -> ``["a", "b"]`` (a new list each time: not memoised)."""
    return [part.strip() for part in text.split(";") if part.strip()]


def _converter(name: str) -> Callable[[str], Any] | None:
    """How field ``name``'s cell text is read before the model validates it;
    None for text the model takes as it is."""
    if name in LIST_FIELDS:
        return _items
    if name in DATE_FIELDS:
        return _date
    if name in BOOL_FIELDS:
        return _flag
    if name in WORD_FIELDS and name not in ("stage", "preferred_channel", "channels_tried"):
        return _word  # (those three go through the vocabulary, which knows CRM words)
    if name == "attempts":
        return _count
    return None


def _cell(name: str, text: str) -> Any:
    convert = _converter(name)
    return text if convert is None else convert(text)


class RowReader:
    """Turns a row's cells into a :class:`Row`, or raises :class:`RowProblem`
    naming the column (the header as the file has it)."""

    def __init__(self, lay: Layout, playbook: Playbook) -> None:
        self.layout = lay
        self.playbook = playbook
        self.deal_fields = frozenset(deal_fields())
        self.history_fields = frozenset(HISTORY_FIELDS)
        self.prospect_fields = frozenset(PROSPECT_FIELDS)
        self.sender_fields = frozenset(SENDER_FIELDS)
        self._columns = tuple(lay.columns.items())
        # Worked out once, not per cell: where each field goes in the context's
        # data (section, key) and how its text is read; fields the model does
        # not have (id, last_name, street...) have no route.
        self._routes: dict[str, tuple[str, str, Callable[[str], Any] | None]] = {}
        for name in (*lay.columns, "name", "mailing_address"):
            section = self._section(name)
            if section is not None:
                key = name.removeprefix(SENDER_PREFIX) if section == "sender" else name
                self._routes[name] = (section, key, _converter(name))

    def _section(self, name: str) -> str | None:
        """The part of the context data field ``name`` belongs to."""
        if name in self.sender_fields:
            return "sender"
        if name in self.prospect_fields:
            return "prospect"
        if name in self.deal_fields:
            return "deal"
        if name in self.history_fields:
            return "history"
        return None

    def values(self, cells: Sequence[str]) -> dict[str, str]:
        """field -> the cell's text (stripped), for the non-empty cells."""
        out = {}
        for name, index in self._columns:
            text = cells[index].strip()
            if text:
                out[name] = text
        return out

    def read(self, cells: Sequence[str]) -> Row:
        raw = self.values(cells)
        if "name" not in raw and ("first_name" in raw or "last_name" in raw):
            raw["name"] = " ".join(raw[p] for p in NAME_PARTS if p in raw)
        if "mailing_address" not in raw and any(p in raw for p in ADDRESS_PARTS):
            raw["mailing_address"] = ", ".join(raw[p] for p in ADDRESS_PARTS if p in raw)
        sections: dict[str, dict[str, Any]] = {
            "prospect": {},
            "deal": {},
            "history": {},
            "sender": {},
        }
        routes = self._routes
        for name, text in raw.items():
            route = routes.get(name)
            if route is not None:
                section, key, convert = route
                sections[section][key] = text if convert is None else convert(text)
        history, sender = sections["history"], sections["sender"]
        data: dict[str, Any] = {"prospect": sections["prospect"], "deal": sections["deal"]}
        if history:
            data["history"] = history
        if sender:
            data["sender"] = sender
        for required in ("name", "company", "stage"):
            if required not in raw:
                column = self.layout.header_of(required)
                raise RowProblem(
                    column,
                    f"{required} is empty"
                    if required in self.layout.columns
                    else f"no {required} column",
                )
        try:
            ctx = check_context(data, self.playbook, path="row")
        except InputError as exc:
            raise RowProblem(self._column_of(exc.key or ""), exc.message) from None
        technique = raw.get("technique")
        if technique is not None:
            technique = technique.casefold()
            if technique not in self.playbook.techniques:
                known = ", ".join(sorted(self.playbook.techniques))
                raise RowProblem(
                    self.layout.header_of("technique"),
                    f"unknown technique {short(technique)}; known: {known}",
                )
        channel = None
        if "channel" in raw:
            try:
                channel = parse_channel(raw["channel"], key="channel")
            except InputError as exc:
                raise RowProblem(self.layout.header_of("channel"), exc.message) from None
        return Row(ctx, technique, channel)

    def _column_of(self, key: str) -> str:
        """A validation error's key (``deal.stage``, ``history``) as a column."""
        parts = [p for p in re.split(r"[.\[\]]", key) if p and not p.isdigit()]
        if parts and parts[0] == "sender":
            named = [SENDER_PREFIX + p for p in parts[1:]]
            return self.layout.header_of(named[-1]) if named else "sender"
        for part in reversed(parts):
            if part in self.layout.columns:
                return self.layout.header_of(part)
        if parts and parts[0] == "history":
            named = [h for h in HISTORY_FIELDS if h in self.layout.columns]
            return self.layout.header_of(named[0]) if named else "history"
        if "mailing_address" in parts:
            return ", ".join(
                self.layout.header_of(p) for p in ADDRESS_PARTS if p in self.layout.columns
            )
        return key

    def identity(self, cells: Sequence[str], row: int) -> tuple[str, str | None]:
        """(the row's ``id`` as the contract defines it, its own id column value)."""
        given = self._cell(cells, "id")
        if given:
            return given, given
        return self._cell(cells, "email") or str(row), None

    def _cell(self, cells: Sequence[str], name: str) -> str | None:
        """The stripped text of field ``name``'s cell; None when empty or absent."""
        index = self.layout.columns.get(name)
        return (cells[index].strip() or None) if index is not None else None

    def fingerprint(self, cells: Sequence[str]) -> str:
        """A stable hash of what the row says (fields, not column order)."""
        raw = self.values(cells)
        text = "\x1e".join(f"{k}\x1f{raw[k]}" for k in sorted(raw))
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def check_today(ctx: DealContext, today: dt.date, lay: Layout) -> None:
    """The history cannot be after the day we plan for."""
    latest = ctx.latest_date()
    if latest is not None and latest[1] > today:
        key, when = latest
        name = key.rsplit(".", 1)[-1]
        raise RowProblem(
            lay.header_of(name), f"{when} is after the planning day {today} (use --today)"
        )
