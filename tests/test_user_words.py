"""Help, errors and human output speak to users: no internal words.

Users have the README and docs/, not this project's notes: an article is cited
by its title, never by a seed number or a file id, and nothing points at "the
contract". This test runs every command's --help and the human output of every
command over the examples, and fails if such a word comes back.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from drafter.cli import app
from drafter.playbook import Playbook, load_playbook
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
MESSAGES = sorted((ROOT / "examples" / "messages").glob("*.txt"))
INTERNAL = re.compile(
    r"\bseeds?\b|\d{3}_[0-9a-f]{16}\.txt|\bcontract(?:'s)?\b|§|\.\./shared", re.IGNORECASE
)


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    if hasattr(command, "commands"):  # a group
        for name, sub in sorted(command.commands.items()):
            found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def _internal(text: str) -> list[str]:
    return sorted({m.group(0) for m in INTERNAL.finditer(text)})


def test_internal_words_are_caught() -> None:
    assert _internal("Source: 002_0ec449f3ff175391.txt (seed 002), the contract's shape") == [
        "002_0ec449f3ff175391.txt",
        "contract's",
        "seed",
    ]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "drafter" for c in COMMANDS])
def test_help_has_no_internal_words(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, *command, "--help")
    assert result.code == 0, result.err
    assert _internal(result.out) == [], result.out


def test_json_help_says_where_the_shape_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    for command in (("plan",), ("draft",), ("check",), ("playbook", "list")):
        out = " ".join(run_cli(capsys, *command, "--help").out.split())
        assert "docs/output.md" in out, command
    assert (ROOT / "docs" / "output.md").is_file()


def _runs(book: Playbook) -> list[tuple[str, ...]]:
    runs: list[tuple[str, ...]] = [("playbook", "list")]
    runs += [("playbook", "show", t) for t in book.techniques]
    for example in EXAMPLES:
        runs += [("plan", str(example)), ("draft", str(example), "--offline")]
    runs += [("check", str(m)) for m in MESSAGES]
    # errors speak to users too
    runs += [
        ("playbook", "show", "nope"),
        ("plan", str(EXAMPLES[0]), "--technique", "nope"),
        ("plan", str(EXAMPLES[0]), "--channel", "fax"),
        ("plan", str(ROOT / "missing.yaml")),
    ]
    return runs


RUNS = _runs(load_playbook())


@pytest.mark.parametrize(
    "args", RUNS, ids=[" ".join(Path(a).name if "/" in a else a for a in r) for r in RUNS]
)
def test_human_output_has_no_internal_words(
    args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, *args)
    assert result.code in (0, 1, 2), result.err
    assert _internal(result.out + result.err) == [], result.out + result.err


@pytest.mark.parametrize("technique", sorted(load_playbook().techniques))
def test_playbook_show_reads_like_the_plan(
    technique: str, playbook: Playbook, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "playbook", "show", technique)
    assert result.code == 0, result.err
    out = result.out
    shown = playbook.get(technique)
    assert "null" not in out and ".txt" not in out
    assert out.startswith(f"{shown.name} ({shown.id})")
    if shown.source is not None:  # cited by its title, never its file id
        title = playbook.source_title(shown.source)
        assert title and title != shown.source and f"Source: “{title}”" in out
    flat = " ".join(out.split())
    for group in shown.when:  # the plan's own wording of the conditions
        assert playbook.cite(group.explained()) in flat
    for move in shown.moves:
        assert move.text in flat
    for note in shown.tone + shown.avoid:
        assert playbook.cite(note) in flat
    if shown.reported_response_rate is not None:
        assert f"{shown.reported_response_rate:.0%}" in out


def test_playbook_show_json_keeps_everything(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    record = json.loads(run_cli(capsys, "playbook", "show", "in_person_visit", "--json").out)
    assert record["source"] == "003_5b8d292689e54e06.txt"
    assert record["when"][0]["all"][1] == {
        "fact": "value",
        "eq": None,
        "ne": None,
        "in": None,
        "not_in": None,
        "gte": 1000000.0,
        "lte": None,
        "between": None,
        "contains": None,
        "not_contains": None,
    }


def test_articles_are_cited_by_title(playbook: Playbook) -> None:
    said = playbook.cite("Seed 004, point 5, and seed 000; see 002_0ec449f3ff175391.txt")
    assert said == (
        "“Prospects Hiding Behind Voicemail? Here's What to Do”, point 5, and "
        "“Which Last Ditch Message Works?”; see “They Won't Return Your Calls”"
    )
    assert playbook.source_title("nowhere.txt") == "nowhere.txt"  # a team's unlisted source


def test_sources_written_as_text_still_load(tmp_path: Path) -> None:
    import shutil

    from drafter.errors import PlaybookError

    team = tmp_path / "team"
    shutil.copytree(ROOT / "playbook", team)
    settings = team / "playbook.yaml"
    text = settings.read_text()
    head = text[: text.index("sources:")]
    settings.write_text(
        head + "sources:\n"
        "  000_e23578934d945184.txt: 'Which Last Ditch Message Works? (CBS News): three messages'\n"
    )
    with pytest.raises(PlaybookError, match="is not listed under sources"):
        load_playbook(team)
    listed = "".join(f"  {key}: 'Title {key[:3]}'\n" for key in load_playbook().settings.sources)
    settings.write_text(head + "sources:\n" + listed)
    team_book = load_playbook(team)
    assert team_book.source_title("002_0ec449f3ff175391.txt") == "Title 002"


@pytest.mark.parametrize("example", ["rescue_call.yaml", "should_i_stay_or_go.yaml"])
def test_log_output_has_no_internal_words(
    example: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    path = tmp_path / example
    shutil.copy(ROOT / "examples" / example, path)
    result = run_cli(capsys, "log", str(path))
    assert result.code in (0, 1, 2), result.err
    assert _internal(result.out + result.err) == [], result.out + result.err
