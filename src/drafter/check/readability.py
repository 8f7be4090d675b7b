"""Words, speaking time and reading grade of a short message, offline.

No textstat or nltk (both fetch data at run time and fail offline). Syllables
come from a small heuristic (vowel groups, less a silent final ``e`` and
silent ``-ed``/``-es`` endings, at least one per word), which is within one
syllable of a dictionary count for most everyday words; reading grade is the
Flesch-Kincaid grade level on those counts:

    grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59

Grades of very short texts (a greeting and one line) swing widely, which is
why the checker reports them as a suggestion only, above a minimum length.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

# A word: letters or digits, with inner apostrophes ("don't", "we’re").
WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
# A sentence: from a letter or digit to . ! ? (followed by a space, a closing
# quote or the end) or to a line break: greetings and sign-offs sit on lines of
# their own. Inner dots ("416.555.1212", "e.g.x") do not end one.
_SENTENCE = re.compile(r"[A-Za-z0-9][^\n.!?]*(?:[.!?]+(?![\s\"'”’)]|$)[^\n.!?]*)*")
# Numbers of 3+ digits (phone numbers, extensions) are read out digit by digit.
_NUMBER = re.compile(r"[0-9]{3,}")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_SILENT_E = re.compile(r"[^aeiouy]e$")
_CONSONANT_LE = re.compile(r"[^aeiouy]le$")
_SILENT_ED = re.compile(r"[^aeiouytd]ed$")
_SILENT_ES = re.compile(r"[^aeiouyszxhcg]es$")


@functools.lru_cache(maxsize=8_192)  # a batch's common words; each row's own names come and go
def syllables(word: str) -> int:
    """Estimated syllables in one word (heuristic; at least 1)."""
    w = word.lower().replace("’", "'").split("'")[0]  # don't -> don, we're -> we
    if not w.isalpha():
        return 1  # a number reads as one token
    count = len(_VOWEL_GROUPS.findall(w))
    if count > 1 and _SILENT_E.search(w) and not _CONSONANT_LE.search(w):
        count -= 1  # make, hope, before
    elif count > 1 and (_SILENT_ED.search(w) or _SILENT_ES.search(w)):
        count -= 1  # asked, called, makes (but wanted, boxes, pages keep theirs)
    return max(1, count)


@dataclass(frozen=True, slots=True)
class TextStats:
    vocabulary: frozenset[str]  # the distinct words, lower-cased
    words: int
    spoken_words: int
    sentences: int
    syllables: int
    characters: int

    def seconds(self, words_per_minute: float) -> float:
        """Estimated speaking time; numbers of 3+ digits (phone numbers) are read
        out digit by digit, so each digit counts as a word."""
        return self.spoken_words * 60.0 / words_per_minute

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level (0 for an empty text; never below 0)."""
        if not self.words:
            return 0.0
        value = 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59
        return max(0.0, value)


def _extra_spoken(word: str) -> int:
    """Words a word adds when spoken beyond itself: a number of 3+ digits is
    read out digit by digit."""
    if word.isalpha():
        return 0
    return sum(len(n) - 1 for n in _NUMBER.findall(word))


Chunk = tuple[tuple[str, ...], int, int, int]  # words, how many, syllables, extra spoken words
CHUNKS_KEPT = 8_192  # like syllables' cache: a batch's common chunks; its rows' own come and go


class _Chunks(dict[str, Chunk]):
    """What each whitespace-separated chunk of a lower-cased text holds, worked
    out once: no word spans whitespace, so a text's words are its chunks' words
    in order; and every run of digits lies whole inside one word (a word is
    letters and digits, with letters only after an apostrophe), so its numbers
    are its words' numbers. Emptied when full."""

    def __missing__(self, chunk: str) -> Chunk:
        if len(self) >= CHUNKS_KEPT:
            self.clear()
        words = tuple(WORD.findall(chunk))
        found = self[chunk] = (
            words,
            len(words),
            sum(map(syllables, words)),
            sum(map(_extra_spoken, words)),
        )
        return found


_CHUNKS = _Chunks()
_WORDS, _COUNT, _SYLLABLES, _EXTRA = (operator.itemgetter(i) for i in range(4))


@dataclass(frozen=True, slots=True)
class Tally:
    """The counts of a piece of a text that add up over its pieces: a text's
    words, numbers and sentences each lie within one line (none reaches over a
    line break), so a text's stats are its lines' tallies added up
    (:func:`stats_of`); the checker tallies a line it has seen before only once."""

    vocabulary: frozenset[str]  # the distinct words, lower-cased
    words: int
    spoken_words: int
    sentences: int  # as found: a text with none still counts as one sentence
    syllables: int


def tally(text: str) -> Tally:
    """The counts of ``text`` (see :class:`Tally`)."""
    # Most chunks were seen before: this costs a third of finding the words anew.
    chunks = list(map(_CHUNKS.__getitem__, text.lower().split()))
    words = sum(map(_COUNT, chunks))
    return Tally(
        vocabulary=frozenset(itertools.chain.from_iterable(map(_WORDS, chunks))),
        words=words,
        spoken_words=words + sum(map(_EXTRA, chunks)),
        sentences=len(_SENTENCE.findall(text)),
        syllables=sum(map(_SYLLABLES, chunks)),
    )


def stats_of(text: str, tallies: Sequence[Tally]) -> TextStats:
    """The stats of ``text`` from the tallies of pieces of it that together
    hold all its words and sentences (its lines; or the text itself)."""
    if len(tallies) == 1:
        one = tallies[0]
        vocabulary, words, spoken, sentences, syllables_ = (
            one.vocabulary,
            one.words,
            one.spoken_words,
            one.sentences,
            one.syllables,
        )
    else:
        vocabulary = frozenset().union(*(t.vocabulary for t in tallies))
        words = sum(t.words for t in tallies)
        spoken = sum(t.spoken_words for t in tallies)
        sentences = sum(t.sentences for t in tallies)
        syllables_ = sum(t.syllables for t in tallies)
    return TextStats(
        vocabulary=vocabulary,
        words=words,
        spoken_words=spoken,
        sentences=max(1, sentences),
        syllables=syllables_,
        characters=len(text.strip()),
    )


def measure(text: str) -> TextStats:
    """Words, spoken words, sentences, syllables and characters of ``text``."""
    return stats_of(text, (tally(text),))
