"""The prefilter: words a regex cannot match without.

A rule's phrase regexes are only run on a message that contains at least one
of the words they need; most rules are skipped on most messages, which keeps
a check well under a millisecond (see benchmarks/bench_check.py).

The words are read off the regex's parse tree, from CPython's ``re._parser``
(``sre_parse`` before 3.11; stable for decades, but private). Anything the
analysis does not understand, or a failure to import the parser, gives no
requirement: the rule is then always scanned. So the prefilter can skip work
but never a match (``tests/test_rules.py`` checks that on every rule against
the labelled messages and the seeds).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

# ---------------------------------------------------------------------------
# The prefilter: words a regex cannot match without.
#
# A word here is what drafter.check.readability.WORD finds: letters and digits, with
# inner apostrophes. From a regex's parse tree we take a literal word that is
# whole (bounded by separators, or by the pattern's edges when it is matched as
# whole words) on every path; for a group of alternatives, one such word per
# alternative. If a text's words include none of them, the regex cannot match.
# Anything the analysis does not understand gives no requirement (the rule is
# always scanned), so the prefilter can skip work but never a match.

_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'")
# Frequent words make poor filters: a requirement without them is preferred.
_COMMON_WORDS = """a about after again all also am an and any are as at back be because been before
    but by call can could day did do does email for from get good has have he her here his
    how i if in into is it just know let like make me meeting message more my need new next
    no not now of on one only or our out over please see she so some than thank thanks that
    last don't i'm i've i'll i'd it's you're that's can't won't we're let's
    the their them then there they this time to today up us very want was way we week well
    were what when which who why will with work would you your"""
_COMMON = frozenset(_COMMON_WORDS.split())


@dataclass(frozen=True, slots=True)
class _El:
    kind: Literal["lit", "sep", "group", "branch", "opt", "opaque"]
    text: str = ""
    seqs: tuple[tuple[_El, ...], ...] = ()


def _parser() -> tuple[Any, Any]:
    """CPython's regex parser and its constants (``re._parser`` since 3.11,
    ``sre_parse`` before). Raises ImportError when neither is there; callers
    turn any failure into "no requirement"."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]
    except ImportError:
        import sre_constants as _constants  # Python < 3.11
        import sre_parse as _parser
    return _parser, _constants


def _elements(items: Any, c: Any) -> tuple[_El, ...]:
    out: list[_El] = []
    for op, av in items:
        if op is c.LITERAL:
            ch = chr(av).lower()
            if out and out[-1].kind == "lit":
                out[-1] = _El("lit", out[-1].text + ch)
            else:
                out.append(_El("lit", ch))
        elif op in (c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: what is around it stays adjacent
        elif op is c.AT and av in (
            c.AT_BEGINNING,
            c.AT_BEGINNING_STRING,
            c.AT_END,
            c.AT_END_STRING,
        ):
            out.append(_El("sep"))  # ^ and $: the edge of the text or a line
        elif op is c.IN and _separators_only(av, c):
            out.append(_El("sep"))
        elif op is c.SUBPATTERN:
            out.append(_El("group", seqs=(_elements(av[-1], c),)))
        elif op is c.BRANCH:
            out.append(_El("branch", seqs=tuple(_elements(alt, c) for alt in av[1])))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, inner = av
            if low == high == 1:
                out.append(_El("group", seqs=(_elements(inner, c),)))
            elif low == 0 and high == 1:
                out.append(_El("opt", seqs=(_elements(inner, c),)))
            else:
                out.append(_El("opaque"))
        else:
            out.append(_El("opaque"))
    return tuple(out)


def _separators_only(members: Any, c: Any) -> bool:
    chars = []
    for op, av in members:
        if op is c.LITERAL:
            chars.append(chr(av).lower())
        elif op is c.CATEGORY and av in (c.CATEGORY_SPACE,):
            chars.append(" ")
        else:
            return False
    return all(ch not in _WORD_CHARS for ch in chars)


def _sep_before(seq: tuple[_El, ...], i: int, outer: bool) -> bool:
    """Is the character just before element ``i`` always a separator?"""
    if i < 0:
        return outer
    el = seq[i]
    if el.kind == "sep":
        return True
    if el.kind == "lit":
        return el.text[-1] not in _WORD_CHARS
    before = _sep_before(seq, i - 1, outer)
    if el.kind in ("group", "branch"):
        return all(_sep_before(s, len(s) - 1, before) for s in el.seqs)
    if el.kind == "opt":
        return before and _sep_before(el.seqs[0], len(el.seqs[0]) - 1, before)
    return False


def _sep_after(seq: tuple[_El, ...], i: int, outer: bool) -> bool:
    """Is the character just after element ``i - 1`` (at ``i``) always a separator?"""
    if i >= len(seq):
        return outer
    el = seq[i]
    if el.kind == "sep":
        return True
    if el.kind == "lit":
        return el.text[0] not in _WORD_CHARS
    after = _sep_after(seq, i + 1, outer)
    if el.kind in ("group", "branch"):
        return all(_sep_after(s, 0, after) for s in el.seqs)
    if el.kind == "opt":
        return after and _sep_after(el.seqs[0], 0, after)
    return False


def _score(words: frozenset[str]) -> tuple[int, int, int]:
    return (bool(words & _COMMON), len(words), -min(len(w) for w in words))


def _required(seq: tuple[_El, ...], left: bool, right: bool) -> frozenset[str] | None:
    """The best set of words one of which every match of ``seq`` contains whole."""
    options = _options(seq, left, right)
    return min(options, key=_score) if options else None


def _options(seq: tuple[_El, ...], left: bool, right: bool) -> list[frozenset[str]]:
    """Sets of words one of which every match of ``seq`` contains whole: each
    one a requirement of its own (a match needs a word of every set)."""
    options: list[frozenset[str]] = []
    for i, el in enumerate(seq):
        before, after = _sep_before(seq, i - 1, left), _sep_after(seq, i + 1, right)
        if el.kind == "lit":
            for m in re.finditer(r"[a-z0-9']+", el.text):
                whole_left = m.start() > 0 or before
                whole_right = m.end() < len(el.text) or after
                word = m.group().strip("'")
                if (
                    whole_left
                    and whole_right
                    and word
                    and "'" not in m.group()[:1] + m.group()[-1:]
                ):
                    options.append(frozenset([word]))
        elif el.kind in ("group", "branch"):
            alternatives = [_required(s, before, after) for s in el.seqs]
            if all(a is not None for a in alternatives):
                options.append(frozenset().union(*(a for a in alternatives if a is not None)))
    return options


def required_words(pattern: str, *, whole_words: bool) -> frozenset[str] | None:
    """Lower-case words one of which any match of ``pattern`` contains as a whole
    word, or None if the pattern does not say (then it must always be scanned)."""
    try:
        parser, c = _parser()
        return _required(_elements(parser.parse(pattern).data, c), whole_words, whole_words)
    except Exception:  # no parser, or an unexpected parse tree: never a wrong skip
        return None


def word_options(pattern: str, *, whole_words: bool) -> tuple[frozenset[str], ...]:
    """Every set of lower-case words of which any match of ``pattern`` contains
    one as a whole word (:func:`required_words` gives the best of them): a
    text that lacks a word of any one set cannot match. Only the sets no
    smaller one implies are given; none when the pattern does not say."""
    try:
        parser, c = _parser()
        options = _options(_elements(parser.parse(pattern).data, c), whole_words, whole_words)
    except Exception:  # no parser, or an unexpected parse tree: no requirement
        return ()
    unique = list(dict.fromkeys(options))
    return tuple(o for o in unique if not any(other < o for other in unique))


def _pieces(seq: tuple[_El, ...]) -> frozenset[str] | None:
    options: list[frozenset[str]] = []
    for el in seq:
        if el.kind == "lit":
            options.append(frozenset([el.text]))
        elif el.kind in ("group", "branch"):
            alternatives = [_pieces(s) for s in el.seqs]
            if all(a is not None for a in alternatives):
                options.append(frozenset().union(*(a for a in alternatives if a is not None)))
    return max(options, key=lambda o: (min(map(len, o)), -len(o))) if options else None


def required_text(pattern: str) -> frozenset[str] | None:
    """Lower-case pieces of text one of which any match of ``pattern`` contains
    (anywhere, not necessarily as a word), or None if the pattern does not say."""
    try:
        parser, c = _parser()
        return _pieces(_elements(parser.parse(pattern).data, c))
    except Exception:  # no parser, or an unexpected parse tree: never a wrong skip
        return None


# ---------------------------------------------------------------------------
# Line-bound regexes: what is found in a text is what is found in each line.
#
# A regex that can never match or look at a line break ("\n"), and has no
# anchor but \b and \B, finds in a text exactly what it finds in each of its
# lines alone (shifted by where the line starts): at a line's edges it meets a
# "\n" in the text and the end of the string in the line, and everything it
# can do (consume a character, a lookaround, a backreference, \b) fails or
# succeeds the same on both. The checker then scans a line it has seen before
# only once (``drafter.check.rules.RuleSet.prepare``). Anything the analysis does
# not know gives "not line-bound": the regex is then run on the whole text.

_LINE_SAFE_AT = ("AT_BOUNDARY", "AT_NON_BOUNDARY")
# Classes by whether they hold "\n" (parse-tree names; others are unknown).
_NEWLINE_CATEGORIES = ("CATEGORY_SPACE", "CATEGORY_NOT_WORD", "CATEGORY_NOT_DIGIT")
_OTHER_CATEGORIES = ("CATEGORY_DIGIT", "CATEGORY_WORD", "CATEGORY_NOT_SPACE")
_NEWLINE = 10


def _class_has_newline(members: Any, c: Any) -> bool:
    negated = False
    found = False
    for op, av in members:
        if op is c.NEGATE:
            negated = True
        elif op is c.LITERAL:
            found = found or av == _NEWLINE
        elif op is c.RANGE:
            found = found or av[0] <= _NEWLINE <= av[1]
        elif op is c.CATEGORY and av in tuple(getattr(c, n) for n in _NEWLINE_CATEGORIES):
            found = True
        elif op is c.CATEGORY and av in tuple(getattr(c, n) for n in _OTHER_CATEGORIES):
            pass
        else:
            return True  # unknown: assume it may
    return found != negated


def _line_bound(items: Any, c: Any, dotall: bool) -> bool:
    for op, av in items:
        if op is c.LITERAL:
            ok = av != _NEWLINE
        elif op is c.NOT_LITERAL:
            ok = av == _NEWLINE
        elif op is c.ANY:
            ok = not dotall
        elif op is c.IN:
            ok = not _class_has_newline(av, c)
        elif op is c.AT:
            ok = av in tuple(getattr(c, n) for n in _LINE_SAFE_AT)
        elif op is c.SUBPATTERN:
            _, add, remove, inner = av
            ok = _line_bound(inner, c, (dotall or bool(add & re.S)) and not remove & re.S)
        elif op is c.BRANCH:
            ok = all(_line_bound(alt, c, dotall) for alt in av[1])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            ok = _line_bound(av[2], c, dotall)
        elif op is c.ATOMIC_GROUP:
            ok = _line_bound(av, c, dotall)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            ok = _line_bound(av[1], c, dotall)
        elif op is c.GROUPREF:
            ok = True  # repeats a group, itself checked
        elif op is c.GROUPREF_EXISTS:
            ok = _line_bound(av[1], c, dotall) and (av[2] is None or _line_bound(av[2], c, dotall))
        else:
            ok = False
        if not ok:
            return False
    return True


def line_bound(pattern: str, flags: int = 0) -> bool:
    """Whether every match of ``pattern`` (compiled with ``flags``) lies within
    one line and is found the same when the line is searched alone (see above);
    False when the analysis cannot tell."""
    try:
        parser, c = _parser()
        parsed = parser.parse(pattern, flags)
        return _line_bound(parsed.data, c, bool(parsed.state.flags & re.S))
    except Exception:  # no parser, or an unexpected parse tree: the whole text is scanned
        return False


# ---------------------------------------------------------------------------
# How many times a match holds a character.


def _least(items: Any, c: Any, char: int, groups: dict[int, int]) -> int:
    total = 0
    for op, av in items:
        if op is c.LITERAL:
            total += av == char
        elif op is c.SUBPATTERN:
            inner = _least(av[-1], c, char, groups)
            if av[0] is not None:
                groups[av[0]] = inner
            total += inner
        elif op is c.BRANCH:
            total += min(_least(alt, c, char, dict(groups)) for alt in av[1])
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _, inner = av
            total += low * _least(inner, c, char, dict(groups)) if low else 0
        elif op is c.ATOMIC_GROUP:
            total += _least(av, c, char, groups)
        elif op is c.GROUPREF:
            total += groups.get(av, 0)  # a backreference repeats what its group matched
        # anything else (a class, a lookaround, an anchor, a conditional) counts none
    return total


def required_count(pattern: str, char: str) -> int:
    """The fewest times ``char`` (a character with no other case) occurs in any
    match of ``pattern``: a text with fewer cannot match. 0 when the analysis
    cannot tell."""
    try:
        parser, c = _parser()
        return _least(parser.parse(pattern).data, c, ord(char), {})
    except Exception:  # no parser, or an unexpected parse tree: no requirement
        return 0
