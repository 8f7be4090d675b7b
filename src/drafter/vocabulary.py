"""The words a rep or a CRM uses for a deal's stage or a channel, mapped to
drafter's values: one table, ``playbook/vocabulary.yaml``, that a team may
extend in its own playbook folder.

``normalise_stage("Contract Sent") == "proposal"``; an unknown word raises
:class:`UnknownWord` (a ``ValueError``) whose message lists every accepted word.
Context files, ``drafter init`` and the batch CSV all read words through here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drafter.context import Channel, PreferredChannel, Stage

VOCABULARY_FILE = "vocabulary.yaml"
_KINDS: Mapping[str, tuple[str, ...]] = {
    "stage": tuple(s.value for s in Stage),
    "channel": tuple(c.value for c in Channel),
    "preferred_channel": tuple(p.value for p in PreferredChannel),
}


class UnknownWord(ValueError):
    """A word the table does not know; the message lists the accepted ones."""


def word_key(word: str) -> str:
    """How words are compared: case, punctuation and spacing do not count."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", word.lower()).split())


class Vocabulary(BaseModel):
    """For each kind of word, each of drafter's values and the words that mean it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: dict[str, list[str]] = Field(default_factory=dict)
    channel: dict[str, list[str]] = Field(default_factory=dict)
    preferred_channel: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid_targets(self) -> Vocabulary:
        for kind, values in _KINDS.items():
            seen: dict[str, str] = {}
            table: dict[str, list[str]] = getattr(self, kind)
            for target, words in table.items():
                if target not in values:
                    raise ValueError(
                        f"{kind}: {target!r} is not one of drafter's values: {', '.join(values)}"
                    )
                for word in words:
                    key = word_key(word)
                    other = seen.setdefault(key, target)
                    if other != target or (key in values and key != target):
                        raise ValueError(f"{kind}: {word!r} cannot mean both {other} and {target}")
        return self

    @functools.cached_property
    def _lookup(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for kind, values in _KINDS.items():
            table: dict[str, list[str]] = getattr(self, kind)
            found = {word_key(w): target for target, words in table.items() for w in words}
            found.update({v: v for v in values})
            found.update({word_key(v): v for v in values})
            out[kind] = found
        return out

    def accepted(self, kind: str) -> list[str]:
        """drafter's values first, then the table's words for them."""
        values = list(_KINDS[kind])
        table: dict[str, list[str]] = getattr(self, kind)
        words = [w for target in values for w in table.get(target, [])]
        return values + [w for w in words if w not in values]

    def normalise(self, kind: str, word: str) -> str:
        """drafter's value for ``word``; :class:`UnknownWord` if there is none."""
        found = self._lookup[kind].get(word) or self._lookup[kind].get(word_key(word))
        if found is None:
            from drafter.loading import short

            table: dict[str, list[str]] = getattr(self, kind)
            examples = [words[0] for words in table.values() if words]
            such_as = f", such as {', '.join(examples)}" if examples else ""
            raise UnknownWord(
                f"unknown {kind.replace('_', ' ')} {short(word)}; use one of "
                f"{', '.join(_KINDS[kind])}, or a word playbook/{VOCABULARY_FILE} "
                f"maps to one{such_as}"
            )
        return found


def _read(path: Path) -> Vocabulary:
    from drafter.errors import PlaybookError
    from drafter.loading import read_data, validate

    return validate(
        Vocabulary, read_data(path, error=PlaybookError), path=path, error=PlaybookError
    )


@functools.cache
def load_vocabulary(playbook_dir: Path | None = None) -> Vocabulary:
    """The table in a playbook folder, else the built-in one."""
    from drafter.resources import default_playbook_dir

    if playbook_dir is not None and (playbook_dir / VOCABULARY_FILE).is_file():
        return _read(playbook_dir / VOCABULARY_FILE)
    return _read(default_playbook_dir() / VOCABULARY_FILE)


def from_validation_context(context: Any) -> Vocabulary:
    """The vocabulary a validation was given (``context={"vocabulary": ...}``),
    else the built-in one."""
    given = context.get("vocabulary") if isinstance(context, dict) else None
    if isinstance(given, Vocabulary):
        return given
    return load_vocabulary()


def normalise_stage(word: str, vocabulary: Vocabulary | None = None) -> str:
    """``"Contract Sent"`` -> ``"proposal"``; ``UnknownWord`` lists the accepted words."""
    return (vocabulary or load_vocabulary()).normalise("stage", word)


def normalise_channel(word: str, vocabulary: Vocabulary | None = None) -> str:
    """``"phone"`` -> ``"call"``, ``"demo"`` -> ``"meeting"``."""
    return (vocabulary or load_vocabulary()).normalise("channel", word)


def normalise_preferred_channel(word: str, vocabulary: Vocabulary | None = None) -> str:
    """``"call"`` -> ``"phone"``, ``"in person"`` -> ``"in_person"``."""
    return (vocabulary or load_vocabulary()).normalise("preferred_channel", word)
