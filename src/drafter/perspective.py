"""Free text a rep wrote about the prospect, said to the prospect.

CRM notes speak of the prospect in the third person ("loop in her finance
lead"); a message is addressed to them ("loop in your finance lead"). Where
the change is a word-for-word swap (a possessive, an object pronoun, their
name with 's) it is made; where it would need a verb changed too ("she will
send ...", "Bob reviews ...") the text is left out of drafts, and the plan's
notes say so (:func:`perspective_notes`).

Pure functions: the templates, the LLM prompt's data block and the plan's
notes all call :func:`said_to_them`, so the three never disagree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drafter.context import Deal, Prospect

# Word-for-word swaps, said to the prospect.
_SWAPS = {
    "his": "your",
    "their": "your",
    "theirs": "yours",
    "hers": "yours",
    "him": "you",
    "them": "you",
    "himself": "yourself",
    "herself": "yourself",
    "themselves": "yourself",
    "themself": "yourself",
}
# A subject pronoun needs its verb changed too ("she wants" -> "you want").
_SUBJECTS = frozenset(
    [
        "he",
        "she",
        "they",
        "he's",
        "she's",
        "they're",
        "they've",
        "he'll",
        "she'll",
        "they'll",
        "he'd",
        "she'd",
        "they'd",
    ]
)
# After these (or at the end), "her" is an object ("call her", "with her on"),
# said as "you"; before anything else it is a possessive ("her team": "your team").
_NOT_A_NOUN = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "of",
        "about",
        "as",
        "if",
        "so",
        "than",
        "that",
        "this",
        "these",
        "those",
        "when",
        "while",
        "before",
        "after",
        "until",
        "next",
        "last",
        "again",
        "too",
        "also",
        "up",
        "down",
        "out",
        "off",
        "over",
        "into",
        "onto",
        "back",
        "now",
        "today",
        "tomorrow",
        "later",
        "soon",
        "first",
        "directly",
        "personally",
    ]
)
# After these verbs "her" is an object even before a word ("let her know", "help her decide").
_CAUSATIVE = frozenset(
    ["let", "lets", "help", "helps", "make", "makes", "have", "has", "get", "gets", "see", "watch"]
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch in "_'’"


def name_spans(text: str, name: str) -> list[tuple[int, int]]:
    """Where ``name`` stands as whole words in ``text`` (as written: "Will" is
    not "will"). Plain string search: names differ row by row, and compiling a
    regex for each would cost more than the rest of a draft."""
    spans = []
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if (start == 0 or not _wordish(text[start - 1])) and (
            end == len(text) or not _wordish(text[end]) or text[end] in "'’"
        ):
            spans.append((start, end))
        start = text.find(name, start + 1)
    return spans


def _possessive(text: str, span: tuple[int, int]) -> bool:
    """``text[span]`` followed by 's / ’s and a word boundary."""
    end = span[1]
    return (
        text[end : end + 1] in ("'", "’")
        and text[end + 1 : end + 2] == "s"
        and (end + 2 == len(text) or not _wordish(text[end + 2]))
    )


@dataclass(frozen=True)
class Said:
    """``text`` as said to the prospect; ``None`` when it cannot be said to
    them word for word (drafts then leave it out)."""

    text: str | None
    changed: bool


def _match_case(word: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if word[:1].isupper() else replacement


def names_of(prospect: Prospect | None) -> list[str]:
    """The ways a note may name the prospect, longest first ("Sarah Klein"
    before "Sarah"): full name, greeting name, first name, surname."""
    if prospect is None:
        return []
    return list(_names_for(prospect))


# The last prospect asked about and its names: a draft asks for them for each
# of its phrases (a Prospect is immutable, and kept alive here while it is the key).
_LAST_NAMES: list[Any] = [None, ()]


def _names_for(prospect: Prospect) -> tuple[str, ...]:
    last = _LAST_NAMES
    if last[0] is prospect:
        found: tuple[str, ...] = last[1]
        return found
    names = _names(prospect.name, prospect.greeting_name, prospect.first_name)
    last[:] = [prospect, names]
    return names


@functools.lru_cache(maxsize=256)  # a batch asks about the same prospect a few times in a row
def _names(name: str, greeting_name: str, first_name: str | None) -> tuple[str, ...]:
    words = name.split()
    found = {name, greeting_name, words[-1] if words else ""}
    if first_name:
        found.add(first_name)
    return tuple(
        sorted((n for n in found if len(n) > 1 and n[:1].isupper()), key=len, reverse=True)
    )


def names_in(text: str, prospect: Prospect | None) -> bool:
    """Whether ``text`` names the prospect (one of :func:`names_of`): if not,
    what it says to them depends on the text alone."""
    if prospect is None:
        return False
    return any(name in text for name in _names_for(prospect))


def said_to_them(text: str, prospect: Prospect | None = None) -> Said:
    """``text`` said to the prospect, if that can be done word for word."""
    names = _names_for(prospect) if prospect is not None else ()
    if any(name in text for name in names):
        return _said(text, names)
    return _said_without_names(text)


@functools.lru_cache(maxsize=4096)  # the same phrases come back row after row in a batch
def _said_without_names(text: str) -> Said:
    """:func:`_said` of a text in which no name occurs (a pure function of the text)."""
    return _said(text, ())


def _said(text: str, names: tuple[str, ...]) -> Said:
    out = text
    for name in names:
        for span in reversed(name_spans(out, name)):
            if not _possessive(out, span):
                return Said(None, False)  # "send Bob the deck", "Bob will review": not safe
            out = out[: span[0]] + "your" + out[span[1] + 2 :]
    words = list(_WORD.finditer(out))
    pieces: list[str] = []
    last = 0
    for i, match in enumerate(words):
        word = match.group(0)
        lower = word.lower().replace("’", "'")
        if lower in _SUBJECTS:
            return Said(None, False)
        replacement = _SWAPS.get(lower)
        if lower == "her":
            nxt = words[i + 1] if i + 1 < len(words) else None
            prev = words[i - 1].group(0).lower() if i > 0 else ""
            noun_next = (
                nxt is not None
                and prev not in _CAUSATIVE
                and nxt.group(0).lower() not in _NOT_A_NOUN
                and out[match.end() : nxt.start()].strip() == ""
            )
            replacement = "your" if noun_next else "you"
        if replacement is not None:
            pieces += [out[last : match.start()], _match_case(word, replacement)]
            last = match.end()
    pieces.append(out[last:])
    said = "".join(pieces)
    return Said(said, said != text)


def free_text_fields(deal: Deal) -> list[tuple[str, str]]:
    """The deal's free text a draft says to the prospect, by key."""
    named = [("agreed_next_step", deal.agreed_next_step), ("news", deal.news)]
    named += [(f"benefits[{i}]", b) for i, b in enumerate(deal.benefits)]
    return [(key, text) for key, text in named if text]


def perspective_notes(deal: Deal, prospect: Prospect, skip: Iterable[str] = ()) -> list[str]:
    """What the plan says about free text written about the prospect (keys in
    ``skip`` already have a note of their own)."""
    notes = []
    skipped = set(skip)
    for key, text in free_text_fields(deal):
        if key in skipped:
            continue
        said = said_to_them(text, prospect)
        if said.text is None:
            notes.append(
                f"deal.{key} speaks of {prospect.name} in the third person, so drafts leave "
                "it out: write it as you would say it to them (e.g. 'loop in your finance "
                "lead')."
            )
        elif said.changed:
            notes.append(
                f"deal.{key} speaks of {prospect.name} in the third person; drafts say it "
                f"to them: '{said.text}'."
            )
    return notes
