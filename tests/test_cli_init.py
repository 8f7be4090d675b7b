"""drafter init: a commented starter with every field, or questions in a terminal."""

from __future__ import annotations

import io
import json
import re
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from drafter.context import DealContext
from drafter.starter import starter_text
from tests.cli_helpers import run_cli


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _init(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    answers: list[str] | None = None,
) -> tuple[int, str, str]:
    from drafter.cli import main

    stream = _Terminal if answers is not None else io.StringIO
    monkeypatch.setattr(sys, "stdin", stream("\n".join(answers or []) + "\n"))
    capsys.readouterr()
    try:
        main(["init", *args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    out = capsys.readouterr()
    return code, out.out, out.err


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        inner = [a for a in typing.get_args(field.annotation) if isinstance(a, type)]
        nested = [
            a
            for a in [field.annotation, *inner]
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if nested and name != "history":
            keys += _keys(nested[0], f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def test_the_starter_names_every_field_and_says_which_are_optional() -> None:
    text = starter_text()
    for key in _keys(DealContext):
        name = key.rpartition(".")[2]
        assert re.search(rf"^\s*(# )?{name}:", text, flags=re.M), key
    assert "# required: their full name" in text
    assert "# optional: their job title" in text
    flat = re.sub(r"\n\s*#   ", " ", text)  # long explanations wrap
    assert "cold, engaged or proposal" in flat and "Contract Sent" in flat
    assert "call, voicemail, email, text, letter, linkedin or meeting" in text


def test_the_blank_starter_names_every_empty_required_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deal.yaml"
    code, _, err = _init(capsys, monkeypatch, str(path))
    assert code == 0 and path.exists()
    assert "drafter plan" in err
    result = run_cli(capsys, "plan", str(path))
    assert result.code == 2
    for key in ("prospect.name", "prospect.company", "deal.stage"):
        assert key in result.err
    assert "fill it in" in result.err


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = re.sub(rf"^(\s*){key}:(\s*#)", rf"\g<1>{key}: {value}\2", text, count=1, flags=re.M)
    return text


def test_filling_the_required_fields_is_enough_to_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _init(capsys, monkeypatch)  # to stdout
    assert code == 0
    path = tmp_path / "deal.yaml"
    path.write_text(_fill(out, {"name": "Li Wei", "company": "Wei Freight", "stage": "Qualified"}))
    result = run_cli(capsys, "plan", str(path), "--json", "--today", "2026-11-23")
    assert result.code == 0, result.err
    assert json.loads(result.out)["facts"]["stage"] == "engaged"


def test_init_does_not_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deal.yaml"
    path.write_text("mine\n")
    code, _, err = _init(capsys, monkeypatch, str(path))
    assert code == 2 and "--force" in err
    assert path.read_text() == "mine\n"
    code, _, _ = _init(capsys, monkeypatch, str(path), "--force")
    assert code == 0 and "prospect:" in path.read_text()


ANSWERS = [
    "Sarah Klein",
    "Klein & Sons Hardware",
    "sarah@kleinsons.example",
    "",  # phone
    "warm",  # not a stage: asked again
    "Demo",
    "",  # next step
    "Dana Reyes",
    "2026-11-03",
    "demo",  # how: a demo is a meeting
    "2026-11-06 email best_contact_question",
    "2026-11-10 phone",
    "2026-11-15 e-mail last_email_nudge",
    "",
]


def test_init_asks_in_a_terminal_and_the_answers_plan_as_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sarah.yaml"
    code, _, err = _init(capsys, monkeypatch, str(path), answers=ANSWERS)
    assert code == 0, err
    assert "unknown stage 'warm'" in err  # and asked again
    text = path.read_text()
    assert "stage: engaged" in text
    assert "  - {date: 2026-11-03, channel: meeting, direction: in}" in text
    assert "  - {date: 2026-11-10, channel: call, direction: out}" in text
    result = run_cli(capsys, "plan", str(path), "--today", "2026-11-23", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["technique"] == "should_i_stay_or_go"


def test_the_reps_loop_through_the_real_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """init -> plan -> draft -q -> log -> a week on: move_on; a reply restarts it."""
    path = tmp_path / "sarah.yaml"
    assert _init(capsys, monkeypatch, str(path), answers=ANSWERS)[0] == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    today = ("--today", "2026-11-23")
    plan = json.loads(run_cli(capsys, "plan", str(path), *today, "--json").out)
    assert plan["technique"] == "should_i_stay_or_go"
    draft = run_cli(capsys, "draft", str(path), *today, "--offline", "-q")
    assert draft.code == 0, draft.err
    assert draft.out.startswith("Subject: Should I stay or should I go?\n\nHi Sarah,")
    assert "Why:" not in draft.out
    logged = run_cli(capsys, "log", str(path), *today)
    assert logged.code == 0, logged.err
    assert "technique should_i_stay_or_go" in logged.out
    assert "# required: their full name" in path.read_text()  # the comments survive
    week_on = json.loads(run_cli(capsys, "plan", str(path), "--today", "2026-11-30", "--json").out)
    assert week_on["technique"] == "move_on"
    # nothing more may be logged as sent, unless forced ...
    refused = run_cli(
        capsys,
        "log",
        str(path),
        "--today",
        "2026-11-30",
        "--channel",
        "email",
        "--technique",
        "none",
    )
    assert refused.code == 2
    # ... but their reply restarts the sequence
    reply = run_cli(capsys, "log", str(path), "--replied", "--today", "2026-12-01")
    assert reply.code == 0, reply.err
    after = json.loads(run_cli(capsys, "plan", str(path), "--today", "2026-12-01", "--json").out)
    assert after["technique"] != "move_on"
    assert after["facts"]["closing_message_sent"] is False
    assert after["facts"]["attempts"] == 0
