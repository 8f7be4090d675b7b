"""plan / draft / playbook through the real entry point: shapes and exit codes."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
EXPECTED = {
    "best_contact_question": "best_contact_question",
    "final_approach": "final_approach",
    "humor_card": "humor_card",
    "in_person_visit": "in_person_visit",
    "last_email_nudge": "last_email_nudge",
    "missed_appointment": "missed_appointment",
    "move_on": "move_on",
    "rescue_call": "rescue_call",
    "should_i_stay_or_go": "should_i_stay_or_go",
    "wait_away": "wait",
    "follow_up": "follow_up",
}


def test_examples_cover_every_technique() -> None:
    assert {p.stem for p in EXAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_plan_json_per_example(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "plan", str(example), "--json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert plan["technique"] == EXPECTED[example.stem]
    assert plan["send_on"] >= "2026-11-22"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_draft_json_per_example(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "draft", str(example), "--offline", "--json")
    assert result.code == 0, (result.out, result.err)  # our own templates pass our own rules
    record = json.loads(result.out)
    assert set(record) == {"plan", "draft", "check", "notes"}
    if record["plan"]["technique"] in ("move_on", "wait"):
        assert record["draft"] is None and record["check"] is None
        return
    draft = record["draft"]
    assert draft["provider"] == "offline" and draft["model"] is None and draft["usage"] is None
    assert draft["attempts"] == 1
    assert draft["technique"] == record["plan"]["technique"]
    assert (draft["subject"] is not None) == (draft["channel"] == "email")
    assert record["check"]["ok"] is True
    assert "Ignore previous instructions" not in draft["body"]


def test_draft_human_output_shows_plan_draft_and_check(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "draft", str(ROOT / "examples" / "rescue_call.yaml"), "--offline")
    assert result.code == 0, result.err
    assert "The rescue call (rescue_call)" in result.out
    assert "review the pilot plan with your CFO" in result.out
    assert "Then, if there is no reply:" in result.out


def test_today_option_overrides_the_context(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(ROOT / "examples" / "final_approach.yaml")
    result = run_cli(capsys, "plan", example, "--json", "--today", "2026-11-18")
    assert json.loads(result.out)["technique"] == "wait"  # two days after the last attempt


def test_sender_from_config_and_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = tmp_path / "ctx.yaml"
    text = (ROOT / "examples" / "final_approach.yaml").read_text()
    ctx.write_text("\n".join(line for line in text.splitlines() if not line.startswith("sender:")))
    (tmp_path / "drafter.toml").write_text(
        '[sender]\nname = "Sam Okafor"\nphone = "+1 212 555 0147"\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DRAFTER_SENDER_COMPANY", "Okafor Freight")
    result = run_cli(capsys, "draft", str(ctx), "--offline", "--json")
    body = json.loads(result.out)["draft"]["body"]
    assert "Sam" in body and "Okafor Freight" in body and "555 0147" in body


def test_playbook_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "playbook", "list", "--json")
    items = json.loads(result.out)
    assert result.code == 0 and len(items) == 11
    for item in items:
        assert {"id", "name", "source", "channels", "reported_response_rate"} <= set(item)
    shown = json.loads(run_cli(capsys, "playbook", "show", "rescue_call", "--json").out)
    assert shown["reported_response_rate"] == 0.75
    assert any(m["id"] == "names_next_step" for m in shown["moves"])
    human = run_cli(capsys, "playbook", "list")
    assert "rescue_call" in human.out and "75%" in human.out
    bad = run_cli(capsys, "playbook", "show", "nope")
    assert bad.code == 2 and "nope" in bad.err


def test_team_playbook_folder_from_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTER_PLAYBOOK", str(tmp_path / "missing"))
    result = run_cli(capsys, "playbook", "list")
    assert result.code == 2 and "playbook folder not found" in result.err


def test_names_in_the_context_do_not_trip_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        (ROOT / "examples" / "final_approach.yaml")
        .read_text()
        .replace("Lakeside Clinics", "Urgent Care Partners")
    )
    ctx = tmp_path / "ctx.yaml"
    ctx.write_text(text)
    result = run_cli(capsys, "draft", str(ctx), "--offline", "--json")
    record = json.loads(result.out)
    assert "Urgent Care Partners" in record["draft"]["body"]
    assert result.code == 0 and record["check"]["ok"], record["check"]


@pytest.mark.parametrize("channel", ["VOICEMAIL", "Call"])
def test_channel_option_ignores_case(channel: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(
        capsys, "plan", str(ROOT / "examples" / "rescue_call.yaml"), "--json", "--channel", channel
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["channel"] == channel.lower()


def test_unknown_channel_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(
        capsys, "draft", str(ROOT / "examples" / "rescue_call.yaml"), "--channel", "fax"
    )
    assert (
        result.code == 2 and "--channel" in result.err and len(result.err.strip().splitlines()) == 1
    )


def test_missing_sender_details_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no drafter.toml here
    for var in ("DRAFTER_SENDER_NAME", "DRAFTER_SENDER_PHONE", "DRAFTER_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    text = (ROOT / "examples" / "final_approach.yaml").read_text()
    ctx = tmp_path / "ctx.yaml"
    ctx.write_text("\n".join(line for line in text.splitlines() if not line.startswith("sender:")))
    result = run_cli(capsys, "draft", str(ctx), "--offline", "--json")
    notes = json.loads(result.out)["notes"]
    assert result.code == 1  # a voicemail without a callback number fails its own check
    assert any("name is not set" in n for n in notes) and any("--sender-phone" in n for n in notes)
    human = run_cli(capsys, "draft", str(ctx), "--offline")
    assert "Note: Your phone is not set" in human.out


def test_draft_quiet_prints_only_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    full = run_cli(capsys, "draft", "examples/should_i_stay_or_go.yaml", "--offline", "--json")
    draft = json.loads(full.out)["draft"]
    result = run_cli(capsys, "draft", "examples/should_i_stay_or_go.yaml", "--offline", "-q")
    assert result.code == 0
    assert result.out == f"Subject: {draft['subject']}\n\n{draft['body']}\n"
    assert result.err == ""
    full = run_cli(capsys, "draft", "examples/rescue_call.yaml", "--offline", "--json")
    voicemail = run_cli(capsys, "draft", "examples/rescue_call.yaml", "--offline", "--quiet")
    assert voicemail.out == json.loads(full.out)["draft"]["body"] + "\n"  # no subject


def test_draft_quiet_with_nothing_to_send_says_so_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_cli(capsys, "draft", "examples/move_on.yaml", "-q")
    assert result.code == 0
    assert result.out == ""
    assert "nothing to send" in result.err and "move_on" in result.err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_check_asks_for_the_message_only_in_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    from drafter.cli import main

    stream = _Terminal if terminal else io.StringIO
    monkeypatch.setattr(sys, "stdin", stream("Could we talk on Tuesday?\n"))
    try:
        main(["check", "--channel", "text"])
    except SystemExit as exc:
        assert exc.code in (0, None)
    err = capsys.readouterr().err
    assert ("Paste the message, then Ctrl-D" in err) is terminal


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    import tomllib
    from importlib.metadata import version

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    result = run_cli(capsys, "--version")
    assert result.code == 0 and result.out == f"drafter {version('drafter')}\n"
    assert version("drafter") == project["project"]["version"]


def test_the_process_skips_collecting_at_exit_but_a_caller_s_main_does_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A ``drafter`` process leaves its objects uncollected at exit (about
    0.2 s saved once openai is loaded), its output still whole; ``main([...])``
    called from a program leaves that program's collector alone."""
    import gc
    import subprocess

    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0, file=sys.stderr))\n"
        "sys.argv = ['drafter', 'draft', sys.argv[1], '--offline', '--json', '--today', "
        "'2026-11-23']\n"
        "from drafter.cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(EXAMPLES[0])],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "frozen True" in done.stderr
    assert json.loads(done.stdout)["plan"]["technique"]  # the output is whole
    before = gc.get_freeze_count()
    assert run_cli(capsys, "--version").code == 0
    assert gc.get_freeze_count() == before
