"""Tone rules as data: ``playbook/rules/*.yaml``, validated strictly.

Each file holds a list of ``rules``; each rule has a ``type`` in the spirit of
Vale's rule types (docs/checking.md describes every key):

- ``existence``: phrases (case-insensitive regexes) that should not appear;
- ``substitution``: phrases with a suggested replacement each;
- ``occurrence``: at most ``max`` matches of some tokens (``!``, ``?``, calls to action);
- ``shouting``: all-caps words that are not known acronyms;
- ``length``: a limit on words, characters or spoken seconds of the body or subject;
- ``readability``: a Flesch-Kincaid grade limit, above a minimum length.

Every technique's ``moves`` (``playbook/techniques/*.yaml``) become rules too,
with ids ``move:<technique>:<move>``: a move none of whose patterns matches the
subject or body is reported at the move's level.

Rules say which channels and techniques they apply to (empty: all) and which
they exclude. A rule limited to some channels or techniques applies only when
the channel or technique is known and listed; an exclusion applies only when
it is known. A typo anywhere (an unknown key, level, channel or technique, a
regex that does not compile, a duplicate id) fails loudly with the file and key.

Rules are compiled once into matchers (:class:`RuleSet`). A phrase rule is only
scanned when the message contains one of the words its regexes cannot match
without (worked out from the regexes themselves, see ``drafter.check.prefilter``):
most rules are skipped on most messages, which keeps a check well under a
millisecond.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from drafter.check.memo import Memo
from drafter.check.readability import WORD, Tally, TextStats, measure, stats_of, tally
from drafter.context import Channel
from drafter.errors import PlaybookError
from drafter.loading import Patterns, check_patterns, read_data, validate
from drafter.perspective import name_spans
from drafter.settings import LEVELS, Level

Part = Literal["body", "subject"]
LEVEL_RANK: dict[str, int] = {level: len(LEVELS) - i for i, level in enumerate(LEVELS)}
RULE_ID = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"


@dataclass(frozen=True, slots=True)
class Finding:
    """One place (or, with ``start == end == 0``, the whole part) a rule objects to."""

    part: Part
    start: int
    end: int
    message: str
    suggestion: str | None


def _fill(template: str, values: Mapping[str, object]) -> str:
    return template.format_map(values) if "{" in template else template


_uids = itertools.count()


# The non-ASCII characters that re.IGNORECASE takes for an ASCII letter (İ and ı
# for i, ſ for s, the Kelvin sign for k), and that letter; tests/test_rules.py
# recomputes the set over all of Unicode.
_ASCII_LOOKALIKES = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_FOLD: Mapping[str, str] = _ASCII_LOOKALIKES


def _folded(text: str) -> str:
    """``text`` with each of those characters replaced by its letter (one
    ``str.replace`` each: several times faster than ``str.translate``)."""
    for lookalike, letter in _FOLD.items():
        text = text.replace(lookalike, letter)
    return text


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch in "_'"


def _lowered_source(pattern: str) -> str:
    """``pattern`` with its literals lower-cased (escapes kept as they are)."""
    return re.sub(
        r"\\.|[^\\]+", lambda m: m.group() if m.group()[0] == "\\" else m.group().lower(), pattern
    )


def _lowered(pattern: str) -> re.Pattern[str] | None:
    """``pattern`` with its literals lower-cased, for matching lower-cased text
    case-sensitively: unlike ``re.IGNORECASE``, that lets ``re`` skip ahead to a
    literal prefix, which is several times faster."""
    try:
        return re.compile(_lowered_source(pattern))
    except re.error:
        return None


class Token:
    """One regex of a rule, compiled once.

    Whole-word tokens must not touch a letter, digit, ``_`` or apostrophe on
    either side; the left side is checked here rather than with a lookbehind,
    which would stop ``re`` from skipping ahead to the token's first letters.
    """

    __slots__ = (
        "_exact",
        "_fast",
        "_fast_known",
        "also",
        "case_sensitive",
        "least",
        "left",
        "literals",
        "local",
        "needs",
        "source",
        "uid",
    )

    def __init__(self, pattern: str, *, case_sensitive: bool, whole_words: bool) -> None:
        self.source = f"(?:{pattern})" + (r"(?![\w'])" if whole_words else "")
        self.case_sensitive = case_sensitive
        self.uid = next(_uids)
        self.left = whole_words
        # Compiled on first use, each form only when it is used (the lower-cased
        # one for most texts): most tokens are never scanned in a one-off check
        # (the prefilter rules them out), and compiling is most of the cost of
        # loading the rules, which `drafter check` pays at every start.
        self._exact: re.Pattern[str] | None = None
        self._fast: re.Pattern[str] | None = None
        self._fast_known = case_sensitive  # whether _fast is worked out (none for case-sensitive)
        from drafter.check.prefilter import (  # only when building
            line_bound,
            required_count,
            required_text,
            required_words,
            word_options,
        )

        self.needs = required_words(pattern, whole_words=whole_words)
        # The other sets of words every match needs one of: a text that lacks
        # all of one set is not scanned either (see RuleSet.prepare).
        self.also = tuple(
            o for o in word_options(pattern, whole_words=whole_words) if o != self.needs
        )
        # Whether it finds in a text what it finds in each line alone (in both
        # forms), so that a line's matches can be kept (see RuleSet.prepare).
        self.local = line_bound(self.source) and line_bound(_lowered_source(self.source))
        # Without a required word, a required piece of text (any case) still saves scans.
        self.literals = None if self.needs is not None else required_text(pattern)
        # A one-character piece every match holds more than once (two "?" in
        # "Any update? Any update?"): a text with fewer is not scanned.
        self.least: tuple[str, int] | None = None
        if self.literals is not None and len(self.literals) == 1:
            (piece,) = self.literals
            if len(piece) == 1 and piece.lower() == piece.upper() == piece:
                count = required_count(pattern, piece)
                if count > 1:
                    self.least = (piece, count)

    @property
    def gated(self) -> bool:
        """Whether the prefilter knows something every match needs."""
        return self.needs is not None or self.literals is not None

    def possible(self, t: Prepared) -> bool:
        """False when ``t`` lacks what every match needs (a word, or a piece of text)."""
        return self.uid in t.active if self.gated else True

    def spans(self, t: Prepared) -> Iterator[tuple[int, int]]:
        """Where the token matches (non-overlapping), if it possibly can."""
        return self.scan(t) if self.possible(t) else iter(())

    @property
    def exact(self) -> re.Pattern[str]:
        """The regex as written, case-insensitive unless the rule says otherwise."""
        if self._exact is None:
            flags = 0 if self.case_sensitive else re.IGNORECASE
            self._exact = re.compile(self.source, flags)
        return self._exact

    @property
    def fast(self) -> re.Pattern[str] | None:
        """The regex for the lower-cased text (see :func:`_lowered`), if there is one."""
        if not self._fast_known:
            self._fast, self._fast_known = _lowered(self.source), True
        return self._fast

    def _target(self, t: Prepared) -> tuple[re.Pattern[str], str]:
        if t.lower is not None and (fast := self.fast) is not None:
            return fast, t.lower
        return self.exact, t.text

    def scan(self, t: Prepared) -> Iterator[tuple[int, int]]:
        """Where the token matches (non-overlapping)."""
        regex, text = self._target(t)
        if self.least is not None and text.count(self.least[0]) < self.least[1]:
            return
        pos = 0
        while (span := self._next(regex, text, pos)) is not None:
            yield span
            pos = span[1]

    def present(self, t: Prepared) -> bool:
        """Whether the token matches ``t`` at all (``next(self.spans(t), None)``
        is not None), without a generator."""
        if not self.possible(t):
            return False
        regex, text = self._target(t)
        if self.least is not None and text.count(self.least[0]) < self.least[1]:
            return False
        return self._next(regex, text, 0) is not None

    def _next(self, regex: re.Pattern[str], text: str, pos: int) -> tuple[int, int] | None:
        """The first match at or after ``pos`` that is not empty and, for a
        token anchored on the left, does not start inside a word."""
        while (m := regex.search(text, pos)) is not None:
            start, end = m.span()
            if self.left and start > 0 and _wordish(text[start - 1]):
                pos = start + 1
            elif end > start:
                return start, end
            else:
                pos = start + 1
        return None


def _tokens(patterns: Sequence[str], case_sensitive: bool, whole_words: bool) -> tuple[Token, ...]:
    return tuple(Token(p, case_sensitive=case_sensitive, whole_words=whole_words) for p in patterns)


Spans = list[tuple[int, int, int]]  # (start, end, index of the token in its matcher)


def _leftmost_longest(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Overlapping matches of one rule are reported once: the leftmost, then
    longest, then of the first token."""
    spans.sort(key=lambda s: (s[0], -s[1], s[2]))
    kept: list[tuple[int, int, int]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


@dataclass(frozen=True, slots=True)
class Prepared:
    """A text ready for the matchers (see :meth:`RuleSet.prepare`)."""

    text: str  # curly quotes straightened
    lower: str | None  # text.lower(); None when matching it could differ (see RuleSet.prepare)
    stats: TextStats
    # uids of the tokens whose required word or piece of text is present (or all of them)
    active: frozenset[int]
    # Who the message is addressed to, when the caller knows (a draft's prospect);
    # else the recipient rules read the greeting ("Hi Sarah,").
    recipients: tuple[str, ...] = ()
    # The text's lines, as the rule set keeps them (see RuleSet.prepare); empty
    # when the text is read whole.
    lines: tuple[Line, ...] = ()


# What the line-local matchers of a layout find in a line: (position of the
# matcher in the layout's rules, start, end, message, suggestion), offsets in the line.
LineHit = tuple[int, int, int, str, str | None]
# Where the line-local tokens of the layout's other matchers match in a line:
# (position of the matcher, start, end, index of the token in the matcher).
LineSpan = tuple[int, int, int, int]
Scope = tuple[Channel | None, str | None]


class Line:
    """One line of a text (no line break in it), worked out once and kept by
    the rule set while it is in use (templates' drafts share most lines): its
    tally for the text's stats, its lower-cased copy, the tokens its words and
    (per scope) pieces of text make worth scanning, and per layout what the
    line-local matchers find in it."""

    __slots__ = ("active", "found", "lower", "tally", "text", "vocabulary", "words")

    def __init__(
        self,
        text: str,
        lower: str,
        counted: Tally,
        vocabulary: frozenset[str],
        words: frozenset[int],
    ) -> None:
        self.text = text
        self.lower = lower
        self.tally = counted
        self.vocabulary = vocabulary  # its words as the prefilter reads them (case folded)
        self.words = words  # uids of the tokens whose required word is in the line
        self.active: dict[Scope | None, frozenset[int]] = {}
        self.found: dict[int, tuple[tuple[LineHit, ...], tuple[LineSpan, ...]]] = {}


# ---------------------------------------------------------------------------
# Matchers: a rule compiled once.


class Matcher:
    __slots__ = ("always", "gated", "index", "local", "message", "parts", "suggestion", "tokens")

    def __init__(self, rule: Rule, tokens: tuple[Token, ...] = ()) -> None:
        self.parts = frozenset(rule.parts)
        self.message = rule.message
        self.suggestion = rule.suggestion
        self.tokens = tokens
        # Tokens the prefilter knows nothing about, and the others by uid (see Prepared.active).
        self.always = tuple(i for i, tok in enumerate(tokens) if not tok.gated)
        self.index = {tok.uid: i for i, tok in enumerate(tokens) if tok.gated}
        # Nothing to do unless what one of the tokens needs is present.
        self.gated = bool(tokens) and not self.always
        # Whether its findings in a text are its findings in each line alone,
        # in line order, shifted by where the line starts (RuleSet.prepare
        # keeps them by line); the matchers that can say so set it.
        self.local = False

    def idle(self, t: Prepared) -> bool:
        """True when no token of this matcher can match ``t`` (a quick test)."""
        return self.gated and t.active.isdisjoint(self.index)

    def active(self, t: Prepared) -> list[int]:
        """Indexes of the tokens worth scanning in ``t``, in rule order."""
        if not self.index:
            return list(self.always)
        found = [self.index[uid] for uid in t.active.intersection(self.index)]
        if self.always:
            found += self.always
        if len(found) > 1:
            found.sort()
        return found

    def finding(self, part: Part, start: int, end: int, **values: object) -> Finding:
        suggestion = _fill(self.suggestion, values) if self.suggestion else None
        return Finding(part, start, end, _fill(self.message, values), suggestion)

    def matches(self, t: Prepared, spans: Spans | None = None) -> Spans:
        """(start, end, index of the token) of every token, merged. ``spans``:
        the matches of the line-local tokens, found line by line (see
        :meth:`RuleSet.find`): then only the other tokens are scanned."""
        tokens = self.tokens
        if spans is None:
            found = [(s, e, i) for i in self.active(t) for s, e in tokens[i].scan(t)]
        else:
            found = spans + [
                (s, e, i)
                for i in self.active(t)
                if not tokens[i].local
                for s, e in tokens[i].scan(t)
            ]
        return _leftmost_longest(found) if len(found) > 1 else found

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        """What the rule finds in ``t``; ``spans`` as for :meth:`matches`."""
        raise NotImplementedError


class ExistenceMatcher(Matcher):
    __slots__ = ("exceptions",)

    def __init__(self, rule: ExistenceRule) -> None:
        super().__init__(rule, _tokens(rule.tokens, rule.case_sensitive, rule.whole_words))
        self.exceptions = _tokens(rule.exceptions, False, rule.whole_words)
        # Spans of tokens and exceptions within one line: no span of one line
        # overlaps another line's, so merging and excepting go line by line.
        self.local = all(tok.local for tok in (*self.tokens, *self.exceptions))

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        found = self.matches(t, spans)
        if found and self.exceptions:
            excepted = [span for tok in self.exceptions for span in tok.spans(t)]
            found = [f for f in found if not any(s < f[1] and f[0] < e for s, e in excepted)]
        for start, end, _ in found:
            yield self.finding(part, start, end, match=t.text[start:end])


class SubstitutionMatcher(Matcher):
    __slots__ = ("replacements",)

    def __init__(self, rule: SubstitutionRule) -> None:
        super().__init__(rule, _tokens(list(rule.swap), rule.case_sensitive, rule.whole_words))
        self.replacements = tuple(rule.swap.values())
        self.local = all(tok.local for tok in self.tokens)

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        for start, end, i in self.matches(t, spans):
            yield self.finding(
                part, start, end, match=t.text[start:end], replacement=self.replacements[i]
            )


class RecipientMatcher(Matcher):
    """The recipient spoken of in the third person (see :class:`RecipientRule`).

    Names differ message by message, so they are found by plain string search
    (:func:`drafter.perspective.name_spans`) and only what follows the name is
    a regex, compiled once."""

    __slots__ = ("greeting", "tails")

    def __init__(self, rule: RecipientRule) -> None:
        super().__init__(rule)
        self.tails = tuple(
            re.compile(p.removeprefix("{name}") + r"(?![\w'])", re.IGNORECASE)
            for p in rule.patterns
        )
        self.greeting = re.compile(rule.greeting, re.IGNORECASE)

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        names = t.recipients
        after = 0
        if not names:
            greeted = self.greeting.match(t.text)
            if greeted is None:
                return
            names, after = (greeted.group("name"),), greeted.end()
        found = set()
        for name in names:
            for start, end in name_spans(t.text, name):
                if start < after:
                    continue
                for tail in self.tails:
                    m = tail.match(t.text, end)
                    if m is not None:
                        found.add((start, m.end(), name))
                        break
        for start, end, name in sorted(found):
            yield self.finding(part, start, end, match=t.text[start:end], name=name)


class OccurrenceMatcher(Matcher):
    __slots__ = ("max",)

    def __init__(self, rule: OccurrenceRule) -> None:
        super().__init__(rule, _tokens(rule.tokens, rule.case_sensitive, rule.whole_words))
        self.max = rule.max

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        found = self.matches(t, spans)
        if len(found) > self.max:
            start, end, _ = found[self.max]
            yield self.finding(
                part, start, end, match=t.text[start:end], count=len(found), max=self.max
            )


# All-caps words; the left edge is checked in code (a lookbehind would slow the scan).
_CAPS_WORD = re.compile(r"[A-Z][A-Z']*[A-Z](?![\w'])")


class ShoutingMatcher(Matcher):
    __slots__ = ("acronyms", "min_letters")

    def __init__(self, rule: ShoutingRule) -> None:
        super().__init__(rule)
        self.acronyms = frozenset(rule.exceptions)
        self.min_letters = rule.min_letters
        # All-caps words hold no line break, a word's left edge at a line's start
        # is a "\n" (not part of a word), and a run is separated by spaces only.
        self.local = True

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        text = t.text
        run: list[re.Match[str]] = []
        for m in _CAPS_WORD.finditer(text):
            if m.start() and _wordish(text[m.start() - 1]):
                continue  # inside a word (McDONALD)
            if run and not text[run[-1].end() : m.start()].strip(" "):
                run.append(m)  # "ACT NOW": all-caps words separated by spaces only
                continue
            yield from self._shouted(part, text, run)
            run = [m]
        yield from self._shouted(part, text, run)

    def _shouted(self, part: Part, text: str, run: list[re.Match[str]]) -> Iterator[Finding]:
        words = [m.group() for m in run if m.group() not in self.acronyms]
        if not words:
            return
        if len(run) > 1 or any(sum(c.isalpha() for c in w) >= self.min_letters for w in words):
            start, end = run[0].start(), run[-1].end()
            yield self.finding(part, start, end, match=text[start:end])


class LengthMatcher(Matcher):
    __slots__ = ("max", "metric", "min", "until")

    def __init__(self, rule: LengthRule) -> None:
        super().__init__(rule)
        self.metric, self.max, self.min = rule.metric, rule.max, rule.min
        self.until = re.compile(rule.until, re.IGNORECASE | re.MULTILINE) if rule.until else None

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        stats = t.stats
        if self.until is not None and (cut := self.until.search(t.text)) is not None:
            stats = measure(t.text[: cut.start()])  # only the text before the cut
        if self.metric == "words":
            value = float(stats.words)
        elif self.metric == "characters":
            value = float(stats.characters)
        else:
            value = round(stats.seconds(wpm), 1)
        if self.max is not None and value > self.max:
            limit = self.max
        elif self.min is not None and value < self.min and stats.words:
            limit = self.min
        else:
            return
        yield self.finding(part, 0, 0, value=f"{value:g}", limit=f"{limit:g}", unit=self.metric)


class ReadabilityMatcher(Matcher):
    __slots__ = ("max_grade", "min_words")

    def __init__(self, rule: ReadabilityRule) -> None:
        super().__init__(rule)
        self.max_grade, self.min_words = rule.max_grade, rule.min_words

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        grade = t.stats.grade
        if t.stats.words >= self.min_words and grade > self.max_grade:
            yield self.finding(part, 0, 0, grade=f"{grade:.1f}", max_grade=f"{self.max_grade:g}")


class MoveMatcher(Matcher):
    """A required move: present when any pattern matches the subject or the body."""

    def __init__(self, rule: MoveRule) -> None:
        super().__init__(rule, _tokens(rule.patterns, False, False))

    def find(
        self, part: Part, t: Prepared, wpm: float, spans: Spans | None = None
    ) -> Iterator[Finding]:
        raise TypeError("moves are checked with missing()")

    def missing(self, texts: Sequence[Prepared]) -> Finding | None:
        for tok in self.tokens:
            for t in texts:
                if tok.present(t):
                    return None
        return Finding("body", 0, 0, _fill(self.message, {}), self.suggestion)


# ---------------------------------------------------------------------------
# The rule models (what a rule file may say).


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Rule(_Data):
    """What every rule has. ``message`` and ``suggestion`` may use the
    placeholders listed in the rule type's ``fields``."""

    fields: ClassVar[tuple[str, ...]] = ()
    default_scope: ClassVar[tuple[Part, ...]] = ("body", "subject")
    allowable: ClassVar[bool] = True  # the allow list may mute it

    id: str = Field(pattern=RULE_ID)
    type: str
    level: Level
    message: str = Field(min_length=1)
    suggestion: str | None = None
    source: str | None = None
    rationale: str | None = None
    channels: list[Channel] = Field(default_factory=list)
    exclude_channels: list[Channel] = Field(default_factory=list)
    techniques: list[str] = Field(default_factory=list)
    exclude_techniques: list[str] = Field(default_factory=list)
    scope: list[Part] | None = None  # default: the rule type's

    @model_validator(mode="after")
    def _common(self) -> Rule:
        if not (self.source or self.rationale):
            raise ValueError("a rule needs a source or a rationale")
        sample = dict.fromkeys(self.fields, 0)
        for key in ("message", "suggestion"):
            try:
                _fill(getattr(self, key) or "", sample)
            except (KeyError, IndexError, ValueError) as exc:
                allowed = ", ".join("{" + f + "}" for f in self.fields) or "none"
                raise ValueError(
                    f"{key}: unknown placeholder {exc} (this rule type allows: {allowed})"
                ) from None
        return self

    @property
    def parts(self) -> tuple[Part, ...]:
        return tuple(self.scope) if self.scope is not None else self.default_scope

    def applies(self, channel: Channel | None, technique: str | None) -> bool:
        if self.channels and channel not in self.channels:
            return False
        if channel is not None and channel in self.exclude_channels:
            return False
        if self.techniques and technique not in self.techniques:
            return False
        return technique is None or technique not in self.exclude_techniques

    def compile(self) -> Matcher:
        raise NotImplementedError


class ExistenceRule(Rule):
    """Flags every match of any token (regexes, matched as whole words unless
    ``whole_words: false``); a match overlapping one of ``exceptions`` is not flagged."""

    fields: ClassVar[tuple[str, ...]] = ("match",)

    type: Literal["existence"]
    tokens: Patterns = Field(min_length=1)
    exceptions: Patterns = Field(default_factory=list)
    case_sensitive: bool = False
    whole_words: bool = True

    def compile(self) -> Matcher:
        return ExistenceMatcher(self)


class SubstitutionRule(Rule):
    """Like ``existence``, with a replacement for each phrase (``swap``: regex → text)."""

    fields: ClassVar[tuple[str, ...]] = ("match", "replacement")

    type: Literal["substitution"]
    swap: dict[str, str] = Field(min_length=1)
    case_sensitive: bool = False
    whole_words: bool = True

    @field_validator("swap")
    @classmethod
    def _swap_patterns(cls, value: dict[str, str]) -> dict[str, str]:
        check_patterns(list(value))
        return value

    def compile(self) -> Matcher:
        return SubstitutionMatcher(self)


class RecipientRule(Rule):
    """Flags the recipient spoken of in the third person in a message addressed
    to them ("Sarah's finance lead" to Sarah). Each of ``patterns`` starts with
    ``{name}`` and goes on as a regex. The name is, for drafts, the prospect's;
    for a rep's own message, the one its greeting uses (``greeting``, a regex
    matched at the start of the body with a group ``name``); no greeting, no
    finding.
    A name on the allow list does not mute this rule."""

    fields: ClassVar[tuple[str, ...]] = ("match", "name")
    default_scope: ClassVar[tuple[Part, ...]] = ("body",)
    allowable: ClassVar[bool] = False

    type: Literal["recipient"]
    patterns: Patterns = Field(min_length=1)
    greeting: str = Field(min_length=1)

    @model_validator(mode="after")
    def _greeting_names(self) -> RecipientRule:
        if any(not p.startswith("{name}") for p in self.patterns):
            raise ValueError("patterns: each starts with {name}")
        try:
            names = re.compile(self.greeting).groupindex
        except re.error as exc:
            raise ValueError(f"greeting: not a regex ({exc})") from None
        if "name" not in names:
            raise ValueError("greeting: needs a group (?P<name>...)")
        return self

    def compile(self) -> Matcher:
        return RecipientMatcher(self)


class OccurrenceRule(Rule):
    """At most ``max`` matches of the tokens; reported once, at the first one too many."""

    fields: ClassVar[tuple[str, ...]] = ("match", "count", "max")
    default_scope: ClassVar[tuple[Part, ...]] = ("body",)

    type: Literal["occurrence"]
    tokens: Patterns = Field(min_length=1)
    max: int = Field(ge=0)
    case_sensitive: bool = False
    whole_words: bool = False

    def compile(self) -> Matcher:
        return OccurrenceMatcher(self)


class ShoutingRule(Rule):
    """All-caps words: one of ``min_letters`` or more, or two or more in a row
    ("ACT NOW"), that are not listed in ``exceptions`` (acronyms, matched exactly)."""

    fields: ClassVar[tuple[str, ...]] = ("match",)

    type: Literal["shouting"]
    min_letters: int = Field(default=4, ge=2)
    exceptions: list[str] = Field(default_factory=list)

    def compile(self) -> Matcher:
        return ShoutingMatcher(self)


class LengthRule(Rule):
    """A limit on ``words``, ``characters`` or spoken ``seconds`` (at the
    speaking rate the rules data states). Reported for the whole part; with
    ``until`` (a regex, case-insensitive, ``^`` at each line), only the text
    before its first match is measured (a call's opener, not its fallbacks)."""

    fields: ClassVar[tuple[str, ...]] = ("value", "limit", "unit")
    default_scope: ClassVar[tuple[Part, ...]] = ("body",)

    type: Literal["length"]
    metric: Literal["words", "characters", "seconds"]
    max: float | None = Field(default=None, gt=0)
    min: float | None = Field(default=None, ge=0)
    until: str | None = Field(default=None, min_length=1)

    @field_validator("until")
    @classmethod
    def _until_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            check_patterns([value])
        return value

    @model_validator(mode="after")
    def _a_limit(self) -> LengthRule:
        if self.max is None and self.min is None:
            raise ValueError("a length rule needs max or min")
        return self

    def compile(self) -> Matcher:
        return LengthMatcher(self)


class ReadabilityRule(Rule):
    """Flesch-Kincaid grade above ``max_grade``, for texts of ``min_words`` or more."""

    fields: ClassVar[tuple[str, ...]] = ("grade", "max_grade")
    default_scope: ClassVar[tuple[Part, ...]] = ("body",)

    type: Literal["readability"]
    max_grade: float = Field(gt=0)
    min_words: int = Field(default=0, ge=0)

    def compile(self) -> Matcher:
        return ReadabilityMatcher(self)


class MoveRule(Rule):
    """Built from a technique's ``moves``; not written in rule files."""

    id: str  # move:<technique>:<move>
    type: Literal["move"]
    patterns: Patterns
    subject_only: bool = False  # a move about the subject line: checked only with a subject

    def compile(self) -> MoveMatcher:
        return MoveMatcher(self)


RULE_TYPES: dict[str, type[Rule]] = {
    "existence": ExistenceRule,
    "substitution": SubstitutionRule,
    "occurrence": OccurrenceRule,
    "shouting": ShoutingRule,
    "length": LengthRule,
    "readability": ReadabilityRule,
    "recipient": RecipientRule,
}


class RuleFile(_Data):
    """One ``rules/*.yaml`` file. Exactly one file states ``speaking_rate_wpm``."""

    about: str | None = None
    speaking_rate_wpm: float | None = Field(default=None, gt=0, le=400)
    rules: list[Any] = Field(default_factory=list)


# ---------------------------------------------------------------------------
# The compiled set.

Compiled = tuple[tuple[Rule, Matcher], ...]


@dataclass(frozen=True, slots=True)
class Wake:
    """Some matchers of a layout, laid out for the prefilter: those that always
    run, and for each token the prefilter knows about, those it wakes (asking
    each matcher in turn whether it is idle cost more than its scan)."""

    always: tuple[int, ...]  # positions in the layout's rules
    woken_by: Mapping[int, tuple[int, ...]]  # token uid -> positions
    uids: frozenset[int]  # the keys of woken_by
    positions: frozenset[int]  # every matcher it may wake

    @classmethod
    def of(cls, rules: Compiled, positions: Iterable[int], *, local_tokens: bool = False) -> Wake:
        """The matchers at ``positions``, woken by any of their tokens (or, with
        ``local_tokens``, by their line-local tokens only)."""
        positions = tuple(positions)
        always: list[int] = []
        woken_by: dict[int, list[int]] = {}
        for i in positions:
            matcher = rules[i][1]
            if not local_tokens and not matcher.gated:
                always.append(i)
                continue
            tokens = [t for t in matcher.tokens if t.local or not local_tokens]
            if any(not t.gated for t in tokens):
                always.append(i)
                continue
            for t in tokens:
                woken_by.setdefault(t.uid, []).append(i)
        return cls(
            tuple(always),
            {uid: tuple(at) for uid, at in woken_by.items()},
            frozenset(woken_by),
            frozenset(positions),
        )

    def awake(self, active: frozenset[int]) -> list[int]:
        """Positions of the matchers that may find something in a text whose
        active tokens are ``active`` (``not matcher.idle(t)``), in rule order."""
        woken_by = self.woken_by
        found = set(self.always)
        for uid in self.uids.intersection(active):
            found.update(woken_by[uid])
        return sorted(found)


@dataclass(frozen=True, slots=True, eq=False)
class Layout:
    """The file rules that apply to one channel, technique and part of a
    message, in rule order, laid out for the prefilter: all of them (``every``),
    the line-local ones (``line``: what they find in a text is what they find
    in its lines, which are kept) and the others (``whole``: run on the text).
    Of the others, those with some line-local tokens (``split``) have those
    tokens' matches found line by line too, and kept."""

    rules: Compiled
    part: Part
    scope: Scope
    serial: int  # which layout of its rule set (the key of Line.found)
    every: Wake
    line: Wake
    whole: Wake
    split: Wake  # the others, woken by their line-local tokens

    @classmethod
    def of(cls, rules: Compiled, part: Part, scope: Scope, serial: int) -> Layout:
        local = [i for i, (_, matcher) in enumerate(rules) if matcher.local]
        other = [i for i, (_, matcher) in enumerate(rules) if not matcher.local]
        split = [i for i in other if any(t.local for t in rules[i][1].tokens)]
        return cls(
            rules,
            part,
            scope,
            serial,
            Wake.of(rules, range(len(rules))),
            Wake.of(rules, local),
            Wake.of(rules, other),
            Wake.of(rules, split, local_tokens=True),
        )

    def awake(self, active: frozenset[int]) -> list[int]:
        """Positions of the matchers that may find something in a text whose
        active tokens are ``active`` (``not matcher.idle(t)``), in rule order."""
        return self.every.awake(active)


_FIRST = operator.itemgetter(0)
LINES_KEPT = 2_048  # lines per generation of a rule set's memo (at most twice as many kept)
LONGEST_KEPT = 2_000  # longer lines are worked out but not kept (a paste, not a template)


class RuleSet:
    """The loaded rules, compiled once; ``select`` memoises by channel and technique."""

    def __init__(
        self,
        path: Path,
        rules: Sequence[Rule],
        moves: Mapping[str, Sequence[MoveRule]],
        words_per_minute: float,
    ) -> None:
        self.path = path
        self.rules = tuple(rules)
        self.words_per_minute = words_per_minute
        self._compiled: Compiled = tuple((r, r.compile()) for r in self.rules)
        self.matchers: dict[str, Matcher] = {r.id: m for r, m in self._compiled}
        self._moves = {t: tuple((m, m.compile()) for m in ms) for t, ms in moves.items()}
        matchers = [m for _, m in self._compiled] + [
            m for ms in self._moves.values() for _, m in ms
        ]
        index: dict[str, set[int]] = {}
        pieces: dict[str, set[int]] = {}
        for matcher in matchers:
            for token in (*matcher.tokens, *getattr(matcher, "exceptions", ())):
                for word in token.needs or ():
                    index.setdefault(word, set()).add(token.uid)
                for piece in token.literals or ():
                    pieces.setdefault(piece, set()).add(token.uid)
        self._index = {word: frozenset(uids) for word, uids in index.items()}
        # Required pieces of text, each looked for once per text (not once per token).
        self._pieces = tuple((piece, frozenset(uids)) for piece, uids in sorted(pieces.items()))
        # Tokens with more sets of words they need (Token.also): all of them, and
        # those run on a whole text (not line-local, or a move's).
        every = [t for m in matchers for t in (*m.tokens, *getattr(m, "exceptions", ())) if t.also]
        self._conditions = {t.uid: t.also for t in every}
        self._conditioned = frozenset(self._conditions)
        moving = {t.uid for ms in self._moves.values() for _, m in ms for t in m.tokens}
        self._whole_conditioned = frozenset(t.uid for t in every if not t.local or t.uid in moving)
        # Pieces holding a line break, looked for in the whole text (no line has one).
        self._newline_pieces = tuple((p, u) for p, u in self._pieces if "\n" in p)
        # Every token the prefilter knows something about.
        self._all = frozenset().union(*self._index.values(), *(u for _, u in self._pieces))
        self._lines = Memo[str, Line](LINES_KEPT)
        self.techniques = frozenset(self._moves)
        self.matchers.update((r.id, m) for ms in self._moves.values() for r, m in ms)
        self.moves_by_technique = {t: tuple(ms) for t, ms in moves.items()}
        self.ids = frozenset(r.id for r in self.rules) | frozenset(
            m.id for ms in moves.values() for m in ms
        )
        self._selected: dict[tuple[Channel | None, str | None], Compiled] = {}
        self._layouts: dict[tuple[Channel | None, str | None, Part], Layout] = {}
        self._pieces_in_scope: dict[
            tuple[Channel | None, str | None], tuple[tuple[str, frozenset[int]], ...]
        ] = {}
        self._selected_moves: dict[
            tuple[Channel | None, str], tuple[tuple[MoveRule, MoveMatcher], ...]
        ] = {}

    def prepare(
        self, text: str, scope: Scope | None = None, recipients: tuple[str, ...] = ()
    ) -> Prepared:
        """Measure ``text`` (curly quotes already straightened) and note which
        tokens its words and pieces of text make worth scanning (each required
        word and piece is looked up once per text, not once per token).

        With ``scope`` (a channel and a technique), only the pieces of text that
        tokens of the rules and moves :meth:`select` and :meth:`moves` give for
        them need are looked for (a third to a half of them): the text is then
        ready for those rules only.

        The shortcuts (the word prefilter and matching on a lower-cased copy)
        must find exactly what a case-insensitive scan of the text finds. The
        few non-ASCII characters that ``re.IGNORECASE`` equates with an ASCII
        letter (``ſ`` is ``s``: "aſap" matches ``asap``) are first replaced by
        that letter, one character for one, so offsets stay right. If
        lower-casing still changes the length (a character that lower-cases to
        two), there is no shortcut: every token is scanned on the text itself.
        ``recipients``: who the message is addressed to (see :class:`Prepared`).

        A text is read line by line: words, numbers, sentences and required
        words never reach over a line break, so the text's stats and active
        tokens are its lines' added up, and each line is worked out once and
        kept (:class:`Line`; a batch's drafts share most of their lines). A
        text with a capital sigma, which lower-cases by what follows it, is
        read whole.
        """
        folded = text if text.isascii() else _folded(text)
        lower = folded.lower()
        if len(lower) != len(text):
            return Prepared(text, None, measure(text), self._all, recipients)
        if "\u03a3" in text:
            return self._prepare_whole(text, folded, lower, scope, recipients)
        lines = tuple(map(self._line, text.split("\n")))
        hits = [self._line_active(line, scope) for line in lines]
        if self._newline_pieces:
            hits += [uids for piece, uids in self._newline_pieces if piece in lower]
        active = frozenset().union(*hits)
        if not active.isdisjoint(self._whole_conditioned):
            vocabulary = frozenset().union(*(line.vocabulary for line in lines))
            active = self._ready(active, vocabulary, self._whole_conditioned)
        return Prepared(
            text=text,
            lower=lower,
            stats=stats_of(text, [line.tally for line in lines]),
            active=active,
            recipients=recipients,
            lines=lines,
        )

    def _ready(
        self, active: frozenset[int], vocabulary: frozenset[str], among: frozenset[int]
    ) -> frozenset[int]:
        """``active`` without the tokens (of ``among``) one of whose other sets
        of needed words (Token.also) has no word in ``vocabulary``."""
        conditions = self._conditions
        out = [
            uid
            for uid in active.intersection(among)
            if any(vocabulary.isdisjoint(words) for words in conditions[uid])
        ]
        return active.difference(out) if out else active

    def _prepare_whole(
        self,
        text: str,
        folded: str,
        lower: str,
        scope: Scope | None,
        recipients: tuple[str, ...] = (),
    ) -> Prepared:
        """:meth:`prepare` without reading line by line."""
        stats = measure(text)
        vocabulary = stats.vocabulary
        if folded is not text and folded != text:
            vocabulary = frozenset(WORD.findall(lower))
        index = self._index
        hits = [index[w] for w in vocabulary if w in index]
        pieces = self._pieces if scope is None else self._scoped_pieces(*scope)
        hits += [uids for piece, uids in pieces if piece in lower]
        active = self._ready(frozenset().union(*hits), vocabulary, self._conditioned)
        return Prepared(text=text, lower=lower, stats=stats, active=active, recipients=recipients)

    def _line(self, text: str) -> Line:
        """A line of a text, as kept (or worked out now: see :class:`Line`)."""
        line = self._lines.get(text)
        if line is None:
            folded = text if text.isascii() else _folded(text)
            lower = folded.lower()
            counted = tally(text)
            vocabulary = counted.vocabulary
            if folded is not text and folded != text:
                vocabulary = frozenset(WORD.findall(lower))
            index = self._index
            words = frozenset().union(*[index[w] for w in vocabulary if w in index])
            line = Line(text, lower, counted, vocabulary, words)
            if len(text) <= LONGEST_KEPT:
                self._lines.put(text, line)
        return line

    def _line_active(self, line: Line, scope: Scope | None) -> frozenset[int]:
        """The tokens worth scanning in ``line`` for the rules of ``scope``
        (see :meth:`prepare`), worked out once per line and scope."""
        found = line.active.get(scope)
        if found is None:
            pieces = self._pieces if scope is None else self._scoped_pieces(*scope)
            lower = line.lower
            hits = [uids for piece, uids in pieces if piece in lower]
            found = line.words.union(*hits) if hits else line.words
            line.active[scope] = found
        return found

    def find(self, layout: Layout, t: Prepared, wpm: float) -> list[tuple[Rule, Finding]]:
        """What the rules of ``layout`` find in ``t`` (prepared for its scope),
        in rule order, then in text order: as each awake matcher's ``find``
        gives it on the whole text. For a text read line by line, what the
        line-local matchers find and where the other matchers' line-local
        tokens match are each line's, kept with the line."""
        rules = layout.rules
        part = layout.part
        if not t.lines:
            return [
                (rules[i][0], f)
                for i in layout.awake(t.active)
                for f in rules[i][1].find(part, t, wpm)
            ]
        hits: list[tuple[int, Finding]] = []
        spans: dict[int, Spans] = {}
        at = 0
        for line in t.lines:
            if line.text:
                found, matched = self._line_found(line, layout, wpm)
                for i, start, end, message, suggestion in found:
                    hits.append((i, Finding(part, at + start, at + end, message, suggestion)))
                for i, start, end, token in matched:
                    spans.setdefault(i, []).append((at + start, at + end, token))
            at += len(line.text) + 1
        for i in layout.whole.awake(t.active):
            matcher = rules[i][1]
            if i in layout.split.positions:
                found_here = matcher.find(part, t, wpm, spans.get(i, []))
            else:
                found_here = matcher.find(part, t, wpm)
            hits.extend((i, f) for f in found_here)
        hits.sort(key=_FIRST)  # stable: each matcher's findings stay in text order
        return [(rules[i][0], f) for i, f in hits]

    def _line_found(
        self, line: Line, layout: Layout, wpm: float
    ) -> tuple[tuple[LineHit, ...], tuple[LineSpan, ...]]:
        """What the line-local matchers of ``layout`` find in ``line`` alone,
        and where its other matchers' line-local tokens match in it."""
        kept = line.found.get(layout.serial)
        if kept is None:
            # A match within the line has every word it needs in the line.
            active = self._line_active(line, layout.scope)
            t = Prepared(
                text=line.text,
                lower=line.lower,
                stats=stats_of(line.text, (line.tally,)),
                active=self._ready(active, line.vocabulary, self._conditioned),
            )
            rules = layout.rules
            found = tuple(
                (i, f.start, f.end, f.message, f.suggestion)
                for i in layout.line.awake(t.active)
                for f in rules[i][1].find(layout.part, t, wpm)
            )
            matched: list[LineSpan] = []
            for i in layout.split.awake(t.active):
                tokens = rules[i][1].tokens
                for k in rules[i][1].active(t):
                    if tokens[k].local:
                        matched += [(i, start, end, k) for start, end in tokens[k].scan(t)]
            kept = line.found[layout.serial] = (found, tuple(matched))
        return kept

    def select(self, channel: Channel | None, technique: str | None) -> Compiled:
        """The file rules that apply to this channel and technique (either may be unknown)."""
        key = (channel, technique)
        found = self._selected.get(key)
        if found is None:
            found = tuple(rm for rm in self._compiled if rm[0].applies(channel, technique))
            self._selected[key] = found
        return found

    def _scoped_pieces(
        self, channel: Channel | None, technique: str | None
    ) -> tuple[tuple[str, frozenset[int]], ...]:
        """The pieces of text some token of this channel's and technique's rules
        and moves needs (see :meth:`prepare`)."""
        key = (channel, technique)
        found = self._pieces_in_scope.get(key)
        if found is None:
            used = {
                token.uid
                for _, matcher in (
                    *self.select(channel, technique),
                    *self.moves(technique, channel),
                )
                for token in (*matcher.tokens, *getattr(matcher, "exceptions", ()))
            }
            found = tuple(
                (piece, uids) for piece, uids in self._pieces if not uids.isdisjoint(used)
            )
            self._pieces_in_scope[key] = found
        return found

    def layout(self, channel: Channel | None, technique: str | None, part: Part) -> Layout:
        """:meth:`select`'s rules that check ``part``, laid out for the prefilter."""
        key = (channel, technique, part)
        found = self._layouts.get(key)
        if found is None:
            chosen = tuple(rm for rm in self.select(channel, technique) if part in rm[1].parts)
            found = Layout.of(chosen, part, (channel, technique), len(self._layouts))
            self._layouts[key] = found
        return found

    def moves(
        self, technique: str | None, channel: Channel | None
    ) -> tuple[tuple[MoveRule, MoveMatcher], ...]:
        """The technique's required moves on this channel (none without a technique)."""
        if technique is None:
            return ()
        key = (channel, technique)
        found = self._selected_moves.get(key)
        if found is None:
            found = tuple(mm for mm in self._moves[technique] if mm[0].applies(channel, technique))
            self._selected_moves[key] = found
        return found

    def knows(self, rule_id: str) -> bool:
        """A rule id, or a prefix of move ids: ``move`` or ``move:<technique>``."""
        if rule_id in self.ids:
            return True
        parts = rule_id.split(":")
        return parts[0] == "move" and (
            len(parts) == 1 or (len(parts) == 2 and parts[1] in self._moves)
        )


# ---------------------------------------------------------------------------
# Loading.


def _rule(data: Any, index: int, path: Path) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(data, dict):
        raise PlaybookError("a rule is a mapping of keys", path=path, key=where)
    kind = data.get("type")
    model = RULE_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        known = ", ".join(RULE_TYPES)
        problem = "required key is missing" if kind is None else f"unknown rule type {kind!r}"
        raise PlaybookError(f"{problem}; known: {known}", path=path, key=f"{where}.type")
    try:
        return validate(model, data, path=path, error=PlaybookError)
    except PlaybookError as exc:
        named = f" (rule {data['id']!r})" if isinstance(data.get("id"), str) else ""
        key = f"{where}.{exc.key}" if exc.key and exc.key != "(top level)" else where
        raise PlaybookError(exc.message + named, path=path, key=key) from None


def _move_rules(playbook_dir: Path | None) -> dict[str, list[MoveRule]]:
    from drafter.playbook import load_playbook

    book = load_playbook(playbook_dir)
    return {
        technique.id: [
            MoveRule(
                id=f"move:{technique.id}:{move.id}",
                type="move",
                level=move.level,
                message=f"Missing a move of {technique.id}: {move.text}".replace("{", "{{").replace(
                    "}", "}}"
                ),
                suggestion=f"Add it, or see `drafter playbook show {technique.id}`.",
                source=technique.source,
                rationale=f"technique {technique.id}, move {move.id}",
                channels=move.channels,
                techniques=[technique.id],
                patterns=move.patterns,
                subject_only=move.subject,
            )
            for move in technique.moves
        ]
        for technique in book.ordered
    }


def _check_references(rule: Rule, index: int, path: Path, techniques: frozenset[str]) -> None:
    for key in ("techniques", "exclude_techniques"):
        for i, name in enumerate(getattr(rule, key)):
            if name not in techniques:
                raise PlaybookError(
                    f"unknown technique {name!r} (rule {rule.id!r}); known: "
                    + ", ".join(sorted(techniques)),
                    path=path,
                    key=f"rules[{index}].{key}[{i}]",
                )


@functools.cache
def _load_rules(playbook_dir: Path | None) -> RuleSet:
    """The rules, from the on-disk cache while nothing they came from changed
    (:mod:`drafter.check.compiled`), else read, validated and compiled."""
    from drafter.check import compiled
    from drafter.resources import default_playbook_dir

    folder = playbook_dir or default_playbook_dir()
    return compiled.cached("rules", folder, lambda: _read_rules(playbook_dir), RuleSet)


def _read_rules(playbook_dir: Path | None) -> RuleSet:
    from drafter.resources import default_playbook_dir

    moves = _move_rules(playbook_dir)
    techniques = frozenset(moves)
    root = (playbook_dir or default_playbook_dir()) / "rules"
    files = sorted(root.glob("*.yaml"))
    if not files:
        raise PlaybookError("no rule files (*.yaml) found", path=root)
    rules: list[Rule] = []
    seen: dict[str, Path] = {}
    rate: tuple[float, Path] | None = None
    for file in files:
        spec = validate(
            RuleFile, read_data(file, error=PlaybookError), path=file, error=PlaybookError
        )
        if spec.speaking_rate_wpm is not None:
            if rate is not None:
                raise PlaybookError(
                    f"speaking_rate_wpm is already stated in {rate[1].name}",
                    path=file,
                    key="speaking_rate_wpm",
                )
            rate = (spec.speaking_rate_wpm, file)
        for index, data in enumerate(spec.rules):
            rule = _rule(data, index, file)
            if rule.id in seen:
                raise PlaybookError(
                    f"duplicate rule id {rule.id!r} (also in {seen[rule.id].name})",
                    path=file,
                    key=f"rules[{index}].id",
                )
            _check_references(rule, index, file, techniques)
            seen[rule.id] = file
            rules.append(rule)
    if rate is None:
        raise PlaybookError("no rule file states speaking_rate_wpm", path=root)
    return RuleSet(root, rules, moves, rate[0])


def load_rules(playbook_dir: Path | None = None) -> RuleSet:
    """The rules of a playbook folder (default: the built-in one), loaded once.

    Reads ``<playbook>/rules/*.yaml`` and the techniques' moves; raises
    :class:`drafter.errors.PlaybookError` naming the file and key on any problem.
    """
    return _load_rules(playbook_dir.resolve() if playbook_dir is not None else None)
