"""``drafter check`` through the real entry point: exit codes, JSON shape, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

BAD = "Hi Bob,\n\nJust checking in!! Did you get my last email?\n\nDana\n"
GOOD = "Hi Jon, could we find 15 minutes this week? Thanks, Ana\n"


@pytest.fixture(autouse=True)
def _no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./drafter.toml
    for var in ("DRAFTER_CONFIG", "DRAFTER_PLAYBOOK", "DRAFTER_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")


def test_clean_message_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "check", "-", "--channel", "email", "--json", stdin=GOOD)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data == {"ok": True, "violations": [], "stats": data["stats"]}
    assert set(data["stats"]) == {"words", "est_seconds", "reading_grade"}


def test_errors_exit_1_with_the_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(
        capsys, "check", "--channel", "email", "--json", stdin=BAD
    )  # FILE omitted: stdin
    assert result.code == 1
    data = json.loads(result.out)
    assert data["ok"] is False
    first = data["violations"][0]
    assert {"rule", "severity", "message", "start", "end", "excerpt", "suggestion"} <= set(first)
    assert first["rule"] == "no-just-checking-in"
    assert BAD[first["start"] : first["end"]] == first["excerpt"] == "Just checking in"


def test_human_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "followup.txt"
    path.write_text(BAD, encoding="utf-8")
    result = run_cli(capsys, "check", str(path), "--channel", "email")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == (
        f"{path}:3:1  error  no-just-checking-in  “Just checking in” gives them nothing new to reply to."
    )
    assert lines[1] == "    | Just checking in"
    assert lines[2].startswith("    suggestion: ")
    # The rules flag "Just checking in"; the semantic layer flags the bare
    # "Did you get my last email?" (an empty follow-up outside the nudge technique).
    assert any("error  semantic:empty_followup  Reads like an empty follow-up" in x for x in lines)
    assert lines[-1].startswith(f"{path}: fails: 2 errors, 1 warning, 0 suggestions (")


def test_disable_and_min_level_flags(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(
        capsys,
        "check",
        "-",
        "--disable",
        "no-just-checking-in",
        "--disable",
        "semantic",
        "--min-level",
        "error",
        "--json",
        stdin=BAD,
    )
    assert result.code == 0, result.out
    assert json.loads(result.out)["violations"] == []


def test_semantic_layer_catches_what_a_disabled_rule_would(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ("check", "-", "--disable", "no-just-checking-in", "--min-level", "error", "--json")
    report = json.loads(run_cli(capsys, *args, stdin=BAD).out)
    spans = {(v["rule"], v["excerpt"]) for v in report["violations"]}
    assert ("semantic:empty_followup", "Just checking in!!") in spans
    rules_only = run_cli(capsys, *args, "--rules-only", stdin=BAD)
    assert rules_only.code == 0, rules_only.out
    assert json.loads(rules_only.out)["violations"] == []


def test_unknown_semantic_category_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "check", "-", "--disable", "semantic:nonsense", stdin=BAD)
    assert result.code == 2
    assert "semantic:nonsense" in result.err and len(result.err.strip().splitlines()) == 1


def test_config_file_settings_apply(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "drafter.toml").write_text(
        '[check]\nallow = ["checking in"]\ndisable = ["semantic"]\n', encoding="utf-8"
    )
    result = run_cli(capsys, "check", "-", "--json", stdin=BAD)
    assert result.code == 0, result.out


def test_technique_moves_and_subject(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(
        capsys,
        "check",
        "-",
        "--channel",
        "email",
        "--technique",
        "last_email_nudge",
        "--subject",
        "URGENT",
        "--json",
        stdin="Hi Priya, we have a new dashboard.",
    )
    assert result.code == 1
    rules = {(v["rule"], v["field"]) for v in json.loads(result.out)["violations"]}
    assert ("move:last_email_nudge:asks_if_received", "body") in rules
    assert ("no-fake-urgency", "subject") in rules


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["missing.txt"], "", "missing.txt: no such file"),
        (["-", "--channel", "fax"], GOOD, "--channel: unknown channel 'fax'"),
        (["-", "--technique", "nope"], GOOD, "--technique: unknown technique 'nope'"),
        (["-", "--min-level", "loud"], GOOD, "--min-level: unknown level 'loud'"),
        (["-", "--disable", "no-such-rule"], GOOD, "unknown rule id 'no-such-rule'"),
        (["-"], "  \n", "<stdin>: the message is empty"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], stdin: str, words: str
) -> None:
    result = run_cli(capsys, "check", *args, stdin=stdin)
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1 and words in result.err
    assert result.err.startswith("drafter: error: ")


def test_not_utf8_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 tomorrow?".encode("latin-1"))
    result = run_cli(capsys, "check", str(path))
    assert result.code == 2 and "not UTF-8" in result.err


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "check", "--help")
    assert result.code == 0
    assert "Example: drafter check" in result.out


def test_check_does_not_import_openai() -> None:
    code = (
        "import sys\n"
        "from drafter.cli import main\n"
        "try:\n"
        "    main(['check', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stdin = __import__('io').StringIO('Hi Jon, could we talk this week?')\n"
        "try:\n"
        "    main(['check', '-', '--json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('openai' in sys.modules, 'drafter.draft.pipeline' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stderr.strip().splitlines()[-1] == "False False", done.stderr


def test_module_entry_point_reads_stdin() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "drafter", "check", "-", "--json"],
        input=BAD,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["ok"] is False


def test_offsets_of_a_crlf_file_count_a_line_break_as_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Files are read with universal newlines: offsets index the text with
    ``\\n`` line breaks, and code points (not bytes) count."""
    path = tmp_path / "crlf.txt"
    path.write_bytes("Hi Zoë,\r\n\r\nJust checking in.\r\n".encode())
    result = run_cli(capsys, "check", str(path), "--json")
    v = json.loads(result.out)["violations"][0]
    text = "Hi Zoë,\n\nJust checking in.\n"
    assert (v["start"], v["end"], v["line"], v["column"]) == (9, 25, 3, 1)
    assert text[v["start"] : v["end"]] == v["excerpt"] == "Just checking in"


def test_a_warm_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    """Cold start is a target (docs/checking.md, Speed): once the start-up cache
    holds the compiled rules, `drafter check` reads no YAML or TOML and builds
    no playbook, vocabulary or command-helper models."""
    msg = tmp_path / "m.txt"
    msg.write_text("Hi Jon,\n\nJust checking in.\n", encoding="utf-8")
    env = {
        **os.environ,
        "DRAFTER_CACHE_DIR": str(tmp_path / "cache"),
        "DRAFTER_COMPILED_CACHE": "1",
    }
    command = [sys.executable, "-X", "importtime", "-m", "drafter", "check", str(msg)]
    for flags in (["--channel", "email", "--rules-only"], ["--channel", "email"]):
        for _ in range(2):  # the first run fills the start-up cache
            done = subprocess.run(
                [*command, *flags],
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
                cwd=tmp_path,
            )
        assert done.returncode == 1, done.stderr
        modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
        unused = {
            "yaml",
            "tomllib",
            "drafter.playbook",
            "drafter.vocabulary",
            "drafter.cli.common",
            "drafter.check.prefilter",
        }
        assert unused.isdisjoint(modules), unused & modules
