"""What drafter check builds from a playbook, kept on disk between runs
(drafter.check.compiled): used again only while nothing it came from changed,
never from a file another user could have written, and never a reason to fail."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import drafter.check.rules
import drafter.check.semantic
from drafter.check import compiled
from drafter.check.checker import check_message
from drafter.check.rules import RuleSet, load_rules
from drafter.check.semantic import SemanticLayer, load_semantic
from drafter.playbook import default_playbook_dir, load_playbook

MESSAGE = "Hi Sam,\n\nJust checking in!!! Per my last email, it's URGENT.\n\nThanks, Ro"
NEW_RULE = """
  - id: no-zebras
    type: existence
    level: error
    message: "No zebras."
    rationale: a test
    tokens: [zebra]
"""


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the built-in playbook, with the cache on and in tmp_path."""
    folder = tmp_path / "playbook"
    shutil.copytree(default_playbook_dir(), folder)
    monkeypatch.setenv("DRAFTER_COMPILED_CACHE", "1")
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path / "cache"))
    drafter.check.rules._load_rules.cache_clear()
    yield folder.resolve()
    drafter.check.rules._load_rules.cache_clear()
    drafter.check.semantic._load_semantic.cache_clear()
    load_playbook.cache_clear()


def fresh(folder: Path) -> RuleSet:
    """load_rules as a new process would call it."""
    drafter.check.rules._load_rules.cache_clear()
    load_playbook.cache_clear()
    return load_rules(folder)


def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path | None]:
    """Record every time the rule files are actually read."""
    calls: list[Path | None] = []
    real = drafter.check.rules._read_rules

    def counting(playbook_dir: Path | None) -> RuleSet:
        calls.append(playbook_dir)
        return real(playbook_dir)

    monkeypatch.setattr(drafter.check.rules, "_read_rules", counting)
    return calls


def report(rules: RuleSet) -> dict[str, object]:
    return check_message(MESSAGE, rules=rules, technique="follow_up", semantic=False).model_dump()


def test_the_second_load_comes_from_the_cache_and_checks_the_same(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = reads(monkeypatch)
    first = fresh(book)
    assert calls == [book] and compiled.cache_file("rules", book).is_file()
    second = fresh(book)
    assert calls == [book]  # not read again
    assert second is not first and second.ids == first.ids
    assert report(second) == report(first)
    assert report(first)["ok"] is False


def test_an_edited_rule_file_is_read_again(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = reads(monkeypatch)
    fresh(book)
    path = book / "rules" / "phrases.yaml"
    path.write_text(path.read_text(encoding="utf-8") + NEW_RULE, encoding="utf-8")
    rules = fresh(book)
    assert len(calls) == 2
    found = check_message("A zebra.", rules=rules, semantic=False).violations
    assert [v.rule for v in found] == ["no-zebras"]


def test_an_edited_technique_file_is_read_again(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = reads(monkeypatch)
    before = {m.id: m.level for m in fresh(book).moves_by_technique["follow_up"]}
    path = book / "techniques" / "follow_up.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    level: warning\n", "    level: error\n"), encoding="utf-8")
    after = {m.id: m.level for m in fresh(book).moves_by_technique["follow_up"]}
    assert len(calls) == 2
    assert before["move:follow_up:brings_something"] == "warning"
    assert after["move:follow_up:brings_something"] == "error"


def test_a_file_others_may_write_is_never_read(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = reads(monkeypatch)
    fresh(book)
    compiled.cache_file("rules", book).chmod(0o666)
    fresh(book)
    assert len(calls) == 2


def test_a_damaged_cache_file_is_rebuilt(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = reads(monkeypatch)
    first = fresh(book)
    path = compiled.cache_file("rules", book)
    path.write_bytes(path.read_bytes()[:100])
    assert report(fresh(book)) == report(first)
    assert len(calls) == 2
    fresh(book)
    assert len(calls) == 2  # the rebuilt file is used again


def test_an_unwritable_cache_folder_costs_nothing_but_time(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(blocker))
    assert report(fresh(book))["ok"] is False


def test_switched_off_it_writes_nothing(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_COMPILED_CACHE", "0")
    fresh(book)
    assert not compiled.cache_file("rules", book).exists()


def test_without_an_owner_check_it_is_not_used(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "getuid")  # as on Windows
    calls = reads(monkeypatch)
    fresh(book)
    fresh(book)
    assert len(calls) == 2
    assert not compiled.cache_file("rules", book).exists()


# --- the semantic layer's exemplar banks ------------------------------------------


def fresh_layer(folder: Path) -> SemanticLayer:
    drafter.check.semantic._load_semantic.cache_clear()
    return load_semantic(folder)


def test_the_exemplar_vectors_come_from_the_cache_and_are_the_same(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = fresh_layer(book)
    assert compiled.cache_file("exemplars", book / "exemplars").is_file()

    def refuse(*args: object) -> None:
        raise AssertionError("embedded again")

    monkeypatch.setattr(drafter.check.semantic, "embed_banks", refuse)
    second = fresh_layer(book)
    assert second is not first
    assert np.array_equal(second._bad, first._bad) and np.array_equal(second._good, first._good)
    assert second.bad == first.bad
    sentence = "Circling back once again on this."
    assert second.find(sentence) == first.find(sentence) != []


def test_an_edited_exemplar_bank_is_embedded_again(book: Path) -> None:
    before = fresh_layer(book)
    path = book / "exemplars" / "tallying.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("examples:\n", "examples:\n- I count eleven zebras.\n", 1), encoding="utf-8"
    )
    after = fresh_layer(book)
    assert after._bad.shape[0] == before._bad.shape[0] + 1
    assert "I count eleven zebras." in after._texts
