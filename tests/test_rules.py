"""Loading the rule files: strict validation with the file and key in the error,
and the word prefilter that lets the checker skip most rules."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from drafter.check.prefilter import required_text, required_words
from drafter.check.readability import measure
from drafter.check.rules import ExistenceRule, Prepared, RuleSet, load_rules
from drafter.errors import PlaybookError
from drafter.playbook import default_playbook_dir

GOOD_RULE = {
    "id": "no-foo",
    "type": "existence",
    "level": "error",
    "message": "“{match}” is foo.",
    "rationale": "Testing.",
    "tokens": ["foo"],
}


def playbook_with(tmp_path: Path, rules: list[object], **top: object) -> Path:
    """A copy of the built-in playbook with one more rule file."""
    root = tmp_path / "playbook"
    shutil.copytree(default_playbook_dir(), root)
    (root / "rules" / "zz_extra.yaml").write_text(
        yaml.safe_dump({"rules": rules, **top}, allow_unicode=True), encoding="utf-8"
    )
    return root


def load_error(tmp_path: Path, rules: list[object], **top: object) -> PlaybookError:
    with pytest.raises(PlaybookError) as info:
        load_rules(playbook_with(tmp_path, rules, **top))
    return info.value


def test_builtin_rules_load_once() -> None:
    rules = load_rules()
    assert rules is load_rules()
    assert rules.words_per_minute == 150
    assert "no-just-checking-in" in rules.ids
    assert "move:final_approach:says_it_is_the_last" in rules.ids
    assert {"rescue_call", "final_approach", "humor_card"} <= rules.techniques


def test_an_extra_rule_file_is_loaded(tmp_path: Path) -> None:
    rules = load_rules(playbook_with(tmp_path, [GOOD_RULE]))
    assert "no-foo" in rules.ids


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"level": "eror"}, "rules[0].level", "error"),
        ({"levle": "error"}, "rules[0].levle", "unknown key"),
        ({"type": "existance"}, "rules[0].type", "unknown rule type 'existance'"),
        ({"tokens": ["(unclosed"]}, "rules[0].tokens", "does not compile"),
        ({"channels": ["fax"]}, "rules[0].channels[0]", "fax"),
        ({"exclude_techniques": ["rescue_cal"]}, "rules[0].exclude_techniques[0]", "rescue_cal"),
        ({"message": "{nope} here"}, "rules[0]", "unknown placeholder"),
        ({"id": "Bad Id"}, "rules[0].id", "pattern"),
        ({"rationale": None}, "rules[0]", "source or a rationale"),
    ],
)
def test_a_bad_rule_fails_naming_file_and_key(
    tmp_path: Path, change: dict[str, object], key: str, words: str
) -> None:
    rule = {**GOOD_RULE, **change}
    rule = {k: v for k, v in rule.items() if v is not None}
    error = load_error(tmp_path, [rule])
    assert error.path is not None and error.path.endswith("zz_extra.yaml")
    assert error.key == key
    assert words in error.message
    assert "\n" not in str(error)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    error = load_error(tmp_path, [GOOD_RULE], rulez=[])
    assert error.key == "rulez"
    assert "unknown key" in error.message


def test_duplicate_rule_id(tmp_path: Path) -> None:
    error = load_error(tmp_path, [{**GOOD_RULE, "id": "no-just-checking-in"}])
    assert "duplicate rule id 'no-just-checking-in'" in error.message
    assert error.key == "rules[0].id"


def test_speaking_rate_is_stated_exactly_once(tmp_path: Path) -> None:
    error = load_error(tmp_path, [GOOD_RULE], speaking_rate_wpm=170)
    assert "already stated" in error.message
    root = playbook_with(tmp_path / "again", [GOOD_RULE])
    text = (root / "rules" / "length.yaml").read_text(encoding="utf-8")
    (root / "rules" / "length.yaml").write_text(
        text.replace("speaking_rate_wpm: 150", ""), encoding="utf-8"
    )
    with pytest.raises(PlaybookError, match="speaking_rate_wpm"):
        load_rules(root)


def test_a_length_rule_needs_a_limit(tmp_path: Path) -> None:
    rule = {**GOOD_RULE, "type": "length", "metric": "words", "message": "{value} words"}
    del rule["tokens"]
    error = load_error(tmp_path, [rule])
    assert "max or min" in error.message


def test_rule_scoping() -> None:
    rule = ExistenceRule.model_validate(
        {
            **GOOD_RULE,
            "channels": ["email", "text"],
            "exclude_techniques": ["rescue_call"],
        }
    )
    assert rule.applies("email", None)  # type: ignore[arg-type]
    assert rule.applies("email", "final_approach")  # type: ignore[arg-type]
    assert not rule.applies("email", "rescue_call")  # type: ignore[arg-type]
    assert not rule.applies("voicemail", None)  # type: ignore[arg-type]
    assert not rule.applies(None, None)  # scoped to channels: needs the channel


# --- the prefilter ---------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "whole", "words"),
    [
        ("lottery", True, {"lottery"}),
        ("lottery", False, None),
        ("(just )?checking in", True, {"checking"}),
        ("(did|have) i (upset|offended) you", True, {"upset", "offended"}),
        ("you (promised|said)", True, {"promised", "said"}),
        ("urgent(ly)?", True, None),
        (r"when (are|will) you (be )?in\?", True, {"when"}),
        ("[A-Z]+(_[A-Z]+)+", True, None),
        ("(?<=[A-Za-z,:;] )(None|null)(?! of)", True, {"none", "null"}),
        ("don'?t worry", True, {"worry"}),
        ("i'm sure", True, {"sure"}),
        ("(i('ll| will)|i('m| am) going to) keep calling", True, {"calling"}),
    ],
)
def test_required_words(pattern: str, whole: bool, words: set[str] | None) -> None:
    assert required_words(pattern, whole_words=whole) == words


def test_required_text() -> None:
    assert required_text(r"(just )?reply") == {"reply"}
    assert required_text(r"\+?\d[\d .()\-]{6,}\d") is None


def _reference_spans(
    pattern: str, text: str, case_sensitive: bool, whole: bool
) -> list[tuple[int, int]]:
    source = f"(?:{pattern})"
    if whole:
        source = rf"(?<![\w'])(?:{pattern})(?![\w'])"
    flags = 0 if case_sensitive else re.IGNORECASE
    return [m.span() for m in re.finditer(source, text, flags) if m.end() > m.start()]


def _corpus() -> list[str]:
    data = yaml.safe_load(
        (Path(__file__).parent / "data" / "tone_labelled.yaml").read_text(encoding="utf-8")
    )
    texts = [m["body"] for m in data["messages"]]
    texts += [m.get("subject") or "" for m in data["messages"]]
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # beside the checkout
    if seeds.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    review = Path(__file__).parent / "data" / "tone_review.yaml"
    texts += [m["body"] for m in yaml.safe_load(review.read_text(encoding="utf-8"))["messages"]]
    texts += NON_ASCII  # case folding beyond ASCII (below)
    return [t.replace("’", "'") for t in texts if t]


def test_prefilter_never_skips_a_match() -> None:
    """Every token finds exactly what a plain regex scan finds, on every text."""
    rules: RuleSet = load_rules()
    prepared = [rules.prepare(text) for text in _corpus()]
    checked = 0
    for rule_id, matcher in rules.matchers.items():
        spec = next((r for r in rules.rules if r.id == rule_id), None)
        data = spec.model_dump() if spec is not None else {"whole_words": False}
        patterns = data.get("tokens") or list(data.get("swap") or {})
        if rule_id.startswith("move:"):
            patterns = next(
                m.patterns
                for ms in rules.moves_by_technique.values()
                for m in ms
                if m.id == rule_id
            )
        for pattern, token in zip(patterns, matcher.tokens, strict=True):
            for t in prepared:
                want = _reference_spans(
                    pattern,
                    t.text,
                    data.get("case_sensitive", False),
                    data.get("whole_words", True),
                )
                assert list(token.spans(t)) == want, (rule_id, pattern, t.text[:60])
                checked += 1
    assert checked > 5000


def test_prepare_keeps_offsets_when_lowercasing_changes_length(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import drafter.check.rules

    rules = load_rules()
    text = "İstanbul: just checking in"  # "İ".lower() is two characters
    t: Prepared = rules.prepare(text)
    assert t.lower == "istanbul: just checking in"  # folded one for one first
    assert t.stats == measure(text)
    # Were a character to lower-case to two after folding: no shortcut at all.
    monkeypatch.setattr(drafter.check.rules, "_FOLD", {})
    t = rules.prepare(text)
    assert t.lower is None and t.stats == measure(text)
    token = rules.matchers["no-just-checking-in"].tokens[0]
    assert token.possible(t) and list(token.spans(t)) == [(10, 26)]


# Texts whose case folding is not plain ASCII: lower() changes their length, or
# they hold characters re.IGNORECASE equates with ASCII letters (ſ, K, İ, ı).
NON_ASCII = [
    "Please reply a\u017fap.",  # long s: "aſap" is "asap" to re.IGNORECASE
    "Per my la\u017ft email, the quote stands.",
    "Ju\u017ft checking in, Jos\u00e9.",
    "I'll \u212aEEP CALLING until I reach you.",  # the Kelvin sign is a K
    "\u0130stanbul team: just checking in. I've been waiting for weeks.",
    "Hi \u0130lker, thi\u0131s is my la\u0131st message. WHEN ARE YOU \u0130N?",
    "Hi Jos\u00e9, M\u00fcller & Garc\u00eda: last chance! Caf\u00e9 na\u00efve r\u00e9sum\u00e9.",
    "\u00c9QUIPE \u00c0 PARIS \u2014 per my last email, stra\u00dfe \ufb00 \u03a3\u03b1\u03c2.",
    "I'm a little confused \u2014 we agreed on a pilot.",
]


def test_prefilter_never_skips_a_match_in_non_ascii_text() -> None:
    """The word prefilter and the lower-cased fast path must find exactly what a
    case-insensitive scan of the text finds, whatever its characters."""
    rules = load_rules()
    for text in NON_ASCII:
        t = rules.prepare(text)
        for rule in rules.rules:
            data = rule.model_dump()
            patterns = data.get("tokens") or list(data.get("swap") or {})
            if rule.type == "shouting" or not patterns:
                continue
            matcher = rules.matchers[rule.id]
            for pattern, token in zip(patterns, matcher.tokens, strict=True):
                want = _reference_spans(
                    pattern, t.text, data.get("case_sensitive", False), data["whole_words"]
                )
                assert list(token.spans(t)) == want, (rule.id, pattern, text)


def test_long_s_and_kelvin_sign_are_flagged_like_their_ascii_letters() -> None:
    from drafter.check.checker import check_message

    assert {v.rule for v in check_message("Please reply a\u017fap.").violations} == {
        "pressure-words"
    }
    per = check_message("Hi. Per my la\u017ft email").violations
    assert [(v.rule, v.start, v.end) for v in per] == [("no-per-my-last-email", 4, 21)]
    assert not check_message("I'll \u212aeep calling").ok


def test_the_ascii_lookalikes_are_all_listed() -> None:
    """Every non-ASCII character re.IGNORECASE takes for an ASCII letter is in
    the table the shortcuts fold it with, mapped to that letter (recomputed
    over all of Unicode)."""
    from drafter.check.rules import _ASCII_LOOKALIKES

    letter = re.compile("[a-z]", re.IGNORECASE)
    found = {c for c in map(chr, range(0x80, 0x110000)) if letter.match(c)}
    assert found == set(_ASCII_LOOKALIKES)
    for char, ascii_letter in _ASCII_LOOKALIKES.items():
        assert re.fullmatch(ascii_letter, char, re.IGNORECASE), char


def test_without_the_regex_parser_every_token_is_scanned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed import of re's private parser means no requirement (the token is
    always scanned), never an exception or a skipped match."""
    import builtins

    real_import = builtins.__import__

    def fake_import(
        name: str,
        globals: object = None,
        locals: object = None,
        fromlist: tuple[str, ...] | None = (),
        level: int = 0,
    ) -> object:
        blocked = {"_parser", "_constants"} & set(fromlist or ())
        if (name == "re" and blocked) or name in ("sre_parse", "sre_constants"):
            raise ImportError(f"simulated: no {name}")
        return real_import(name, globals, locals, fromlist, level)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    assert required_words("lottery winnings", whole_words=True) is None
    assert required_text("(just )?reply") is None
    rule = ExistenceRule.model_validate({**GOOD_RULE, "tokens": ["per my last email", "foo"]})
    matcher = rule.compile()
    assert all(tok.needs is None and tok.literals is None for tok in matcher.tokens)
    rules = load_rules()
    for text in ["Per my last email, the foo stands.", "Nothing here.", *NON_ASCII]:
        t = rules.prepare(text)
        assert not matcher.idle(t)
        found = [(f.start, f.end) for f in matcher.find("body", t, 150.0)]
        want = sorted(
            span
            for p in ("per my last email", "foo")
            for span in _reference_spans(p, text, False, True)
        )
        assert found == want, text
