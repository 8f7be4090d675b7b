"""drafter log: record a touch in the context file, keep its layout, plan again."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import shutil
from pathlib import Path

import pytest

from drafter.inputs import load_context
from drafter.plan.engagement import summarise
from drafter.playbook import Playbook
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]


def _copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(ROOT / "examples" / name, target)
    return target


def _added_lines(before: str, after: str) -> list[str]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    assert not [d for d in diff if d.startswith("- ")], "log removed or changed a line"
    return [d[2:] for d in diff if d.startswith("+ ")]


def test_log_records_the_planned_touch_and_keeps_the_file_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, "should_i_stay_or_go.yaml")
    before = path.read_text()
    result = run_cli(capsys, "log", str(path))
    assert result.code == 0, result.err
    assert "email out on Mon 23 Nov 2026, technique should_i_stay_or_go" in result.out
    assert "The plan now" in result.out and "Wait (wait)" in result.out
    added = _added_lines(before, path.read_text())
    assert added == [
        "  - {date: 2026-11-23, channel: email, direction: out, technique: should_i_stay_or_go}"
    ]
    assert path.read_text().startswith("# Sixteen days of silence")  # comments survive
    week_on = run_cli(capsys, "plan", str(path), "--today", "2026-11-30", "--json")
    assert json.loads(week_on.out)["technique"] == "move_on"


def test_a_touch_the_plan_forbids_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, "should_i_stay_or_go.yaml")
    assert run_cli(capsys, "log", str(path)).code == 0
    before = path.read_text()
    again = run_cli(
        capsys,
        "log",
        str(path),
        "--channel",
        "email",
        "--technique",
        "none",
        "--today",
        "2026-11-27",
    )
    assert again.code == 2
    assert "--force" in again.err and "final" in again.err
    assert len(again.err.strip().splitlines()) == 1
    assert path.read_text() == before
    soon = run_cli(
        capsys, "log", str(path), "--channel", "call", "--force", "--today", "2026-11-27"
    )
    assert soon.code == 0, soon.err
    assert "call out on Fri 27 Nov 2026" in soon.out


def test_spacing_is_enforced_for_ordinary_touches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, "rescue_call.yaml")  # last touch 2026-11-18
    result = run_cli(
        capsys,
        "log",
        str(path),
        "--channel",
        "email",
        "--technique",
        "none",
        "--date",
        "2026-11-19",
    )
    assert result.code == 2
    assert "only 1 day since the last attempt" in result.err


def test_a_logged_reply_restarts_the_sequence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, "should_i_stay_or_go.yaml")
    assert run_cli(capsys, "log", str(path)).code == 0
    reply = run_cli(capsys, "log", str(path), "--replied", "--today", "2026-11-25")
    assert reply.code == 0, reply.err
    assert "email from them on Wed 25 Nov 2026" in reply.out
    plan = json.loads(run_cli(capsys, "plan", str(path), "--today", "2026-12-02", "--json").out)
    assert plan["technique"] != "move_on"
    assert plan["facts"]["closing_message_sent"] is False
    assert plan["facts"]["attempts"] == 0
    # and once they go quiet again, the playbook starts over
    later = json.loads(run_cli(capsys, "plan", str(path), "--today", "2026-12-28", "--json").out)
    assert later["technique"] not in ("move_on", "wait") or later["then"]


def test_a_meeting_is_logged_as_theirs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _copy(tmp_path, "rescue_call.yaml")
    result = run_cli(capsys, "log", str(path), "--met", "--date", "2026-11-20")
    assert result.code == 0, result.err
    assert "  - {date: 2026-11-20, channel: meeting, direction: in}" in path.read_text()


@pytest.mark.parametrize(
    "name",
    [
        "move_on.yaml",
        "final_approach.yaml",
        "in_person_visit.yaml",
        "last_email_nudge.yaml",
        "wait_away.yaml",
    ],
)
def test_a_summary_history_becomes_touches_with_the_same_facts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], playbook: Playbook, name: str
) -> None:
    path = _copy(tmp_path, name)
    old = load_context(path, playbook)
    assert not isinstance(old.history, list)
    result = run_cli(capsys, "log", str(path), "--replied", "--channel", "email", "--force")
    assert result.code == 0, result.err
    assert "CRM summary" in result.out
    text = path.read_text()
    assert "# history: converted from the CRM summary by drafter log" in text
    new = load_context(path, playbook)
    assert isinstance(new.history, list)
    without_reply = new.model_copy(update={"history": new.history[:-1]})
    a, b = summarise(old), summarise(without_reply)
    assert (a.attempts, set(a.channels_tried), a.first_attempt, a.last_attempt) == (
        b.attempts,
        set(b.channels_tried),
        b.first_attempt,
        b.last_attempt,
    )
    assert (a.last_reply, a.last_technique, a.techniques_used) == (
        b.last_reply,
        b.last_technique,
        b.techniques_used,
    )


def test_json_contexts_are_rewritten_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deal.json"
    path.write_text(
        json.dumps(
            {
                "today": "2026-11-23",
                "prospect": {"name": "Li Wei", "company": "W"},
                "deal": {"stage": "Qualified"},
                "history": [{"date": "2026-11-02", "channel": "demo", "direction": "in"}],
            },
            indent=2,
        )
    )
    result = run_cli(capsys, "log", str(path), "--channel", "phone", "--technique", "none")
    assert result.code == 0, result.err
    data = json.loads(path.read_text())
    assert data["deal"]["stage"] == "Qualified"  # the rep's word stays
    assert data["history"][-1] == {"date": "2026-11-23", "channel": "call", "direction": "out"}


def test_a_failed_write_leaves_the_file_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    path = _copy(tmp_path, "should_i_stay_or_go.yaml")
    before = path.read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    result = run_cli(capsys, "log", str(path))
    assert result.code != 0
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left


def test_bad_log_requests_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, "rescue_call.yaml")
    before = path.read_text()
    cases = [
        (["--date", "2026-12-25"], "--date"),
        (["--technique", "rescue_cal"], "--technique"),
        (["--replied", "--technique", "rescue_call"], "--technique"),
        (["--replied", "--met"], "--met"),
        (["--technique", "rescue_call", "--channel", "email"], "--channel"),
    ]
    for args, key in cases:
        result = run_cli(capsys, "log", str(path), *args)
        assert result.code == 2, (args, result.err)
        assert key in result.err and len(result.err.strip().splitlines()) == 1
    assert run_cli(capsys, "log", "-").code == 2
    assert path.read_text() == before


def test_with_nothing_due_log_asks_what_went_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, "wait_away.yaml")
    result = run_cli(capsys, "log", str(path))
    assert result.code == 2
    assert "--channel" in result.err and "wait" in result.err


def test_log_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _copy(tmp_path, "rescue_call.yaml")
    result = run_cli(capsys, "log", str(path), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["recorded"] == {
        "date": "2026-11-23",
        "channel": "voicemail",
        "direction": "out",
        "technique": "rescue_call",
    }
    assert data["plan"]["send_on"] >= str(dt.date(2026, 11, 23))


def test_a_brush_off_with_a_date_they_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _copy(tmp_path, "rescue_call.yaml")
    result = run_cli(
        capsys,
        "log",
        str(path),
        "--replied",
        "--deferred",
        "--channel",
        "call",
        "--follow-up-on",
        "2027-01-05",
        "--follow-up-channel",
        "phone",
    )
    assert result.code == 0, result.err
    text = path.read_text()
    assert "  - {date: 2026-11-23, channel: call, direction: in, outcome: deferred}" in text
    assert "  follow_up_on: 2027-01-05\n  follow_up_channel: call\n" in text
    plan = json.loads(run_cli(capsys, "plan", str(path), "--json").out)
    assert (plan["technique"], plan["send_on"]) == ("wait", "2027-01-05")
    bad = run_cli(capsys, "log", str(path), "--deferred")
    assert bad.code == 2 and "--replied" in bad.err
