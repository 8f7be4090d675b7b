"""Bad input: one clear line naming the file and key, exit 2, no traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli

GOOD: dict[str, Any] = {
    "today": "2026-03-02",
    "prospect": {"name": "Li Wei", "company": "Wei Imports"},
    "deal": {"stage": "cold"},
}


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _json(tmp_path: Path, data: dict[str, Any], name: str = "ctx.json") -> str:
    return _write(tmp_path, name, json.dumps(data))


def _with(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(GOOD))
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return data


def assert_clean_error(result: Any, *needles: str) -> None:
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err + result.out
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        (_with(prospect__nmae="typo"), ["prospect.nmae", "unknown key"]),
        (_with(colour="blue"), ["colour", "unknown key"]),
        (_with(today="2026-02-30"), ["today"]),
        (_with(deal__stage="warm"), ["deal.stage", "warm"]),
        (_with(prospect__role="boss"), ["prospect.role"]),
        (_with(prospect__preferred_channel="fax"), ["prospect.preferred_channel"]),
        ({"today": "2026-03-02", "deal": {"stage": "cold"}}, ["prospect", "missing"]),
        (
            _with(history=[{"date": "2026-03-01", "channel": "pigeon", "direction": "out"}]),
            ["history[0].channel"],
        ),
        (
            _with(
                history=[{"date": "2026-03-01", "channel": "call", "direction": "out", "mood": "x"}]
            ),
            ["history[0].mood"],
        ),
        (_with(history={"attemps": 2}), ["history.attemps"]),
        (
            _with(
                history={
                    "attempts": 2,
                    "last_attempt": "2026-03-01",
                    "last_technique": "rescue_cal",
                }
            ),
            ["history.last_technique", "rescue_cal"],
        ),
        (
            _with(
                history={"attempts": 2, "last_attempt": "2026-02-01", "first_attempt": "2026-02-10"}
            ),
            ["history", "first_attempt"],
        ),
        (
            _with(history=[{"date": "2026-03-09", "channel": "call", "direction": "out"}]),
            ["today", "history[0].date"],
        ),
        (_with(deal__missed_appointment="2026-04-01"), ["today", "deal.missed_appointment"]),
        (_with(deal__value=-5), ["deal.value"]),
        (
            _with(
                history=[
                    {
                        "date": "2026-03-01",
                        "channel": "call",
                        "direction": "in",
                        "technique": "rescue_call",
                    }
                ]
            ),
            ["history[0]", "direction must be out"],
        ),
    ],
    ids=[
        "unknown-key",
        "unknown-top-key",
        "bad-date",
        "bad-stage",
        "bad-role",
        "bad-channel-pref",
        "missing-prospect",
        "bad-touch-channel",
        "unknown-touch-key",
        "unknown-summary-key",
        "unknown-technique",
        "first-after-last",
        "today-before-history",
        "missed-in-future",
        "negative-value",
        "technique-on-reply",
    ],
)
def test_bad_context_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any], needles: list[str]
) -> None:
    path = _json(tmp_path, data)
    for command in ("plan", "draft"):
        result = run_cli(capsys, command, path, "--json")
        assert_clean_error(result, path, *needles)
        assert result.out == ""


def test_broken_json_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "broken.json", '{"prospect": ')
    assert_clean_error(run_cli(capsys, "plan", path), path, "invalid JSON", "line 1")


def test_broken_yaml_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "broken.yaml", "prospect:\n  name: [Li\n")
    assert_clean_error(run_cli(capsys, "plan", path), path, "invalid YAML")


def test_yaml_unknown_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path, "ctx.yaml", "prospect: {name: Li, company: W}\ndeal: {stage: cold, stge: x}\n"
    )
    assert_clean_error(run_cli(capsys, "plan", path), path, "deal.stge")


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert_clean_error(
        run_cli(capsys, "plan", "no_such_file.json"), "no_such_file.json", "no such file"
    )


def test_unsupported_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "ctx.txt", "{}")
    assert_clean_error(run_cli(capsys, "plan", path), path, "unsupported file type")


def test_top_level_not_a_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "ctx.json", "[1, 2]")
    assert_clean_error(run_cli(capsys, "plan", path), path, "mapping")


def test_bad_today_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_clean_error(
        run_cli(capsys, "plan", _json(tmp_path, GOOD), "--today", "03/02/2026"), "--today"
    )


def test_today_option_before_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _with(history=[{"date": "2026-03-01", "channel": "call", "direction": "out"}])
    result = run_cli(capsys, "plan", _json(tmp_path, data), "--today", "2026-02-01")
    assert_clean_error(result, "today", "history[0].date")


def test_unknown_forced_technique(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "draft", _json(tmp_path, GOOD), "--technique", "pester")
    assert_clean_error(result, "technique", "pester")


def test_forced_channel_not_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _with(
        history={
            "attempts": 3,
            "channels_tried": ["call", "email"],
            "first_attempt": "2026-02-01",
            "last_attempt": "2026-02-20",
        }
    )
    result = run_cli(capsys, "plan", _json(tmp_path, data), "--channel", "letter")
    assert_clean_error(result, "--channel", "final_approach")


def test_stdin_reads_json(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "plan", "-", "--json", stdin=json.dumps(GOOD))
    assert result.code == 0, result.err
    assert json.loads(result.out)["technique"] == "wait"


def test_stdin_errors_name_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "plan", "-", stdin=json.dumps(_with(prospect__nmae="x")))
    assert_clean_error(result, "<stdin>", "prospect.nmae")


def test_bad_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _write(tmp_path, "drafter.toml", "[sender]\nnmae = 'x'\n")
    result = run_cli(capsys, "plan", _json(tmp_path, GOOD), "--config", config)
    assert_clean_error(result, config, "sender.nmae")


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--debug", "plan", _json(tmp_path, _with(colour="x")))
    assert result.code == 2
    assert "Traceback (most recent call last)" in result.err
    assert "InputError" in result.err and result.err.rstrip().endswith("(check the spelling)")


def test_debug_traceback_redacts_keys(capsys: pytest.CaptureFixture[str]) -> None:
    from drafter.errors import InputError

    def boom(*args: object, **kwargs: object) -> None:
        raise InputError("bad key sk-proj-abcdefghijklmnop1234 here")

    import drafter.cli as cli

    original = cli.app
    cli.app = boom  # type: ignore[assignment]
    try:
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["--debug", "plan", "x.yaml"])
    finally:
        cli.app = original
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "Traceback" in err and "sk-proj-abcdefghijklmnop1234" not in err and "[redacted]" in err


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        (_with(today=1795392000), ["today", "YYYY-MM-DD"]),
        (_with(today="1795392000"), ["today", "YYYY-MM-DD"]),
        (_with(today="9999-12-31"), ["today", "outside"]),
        (_with(history={"attempts": True, "last_attempt": "2026-03-01"}), ["history.attempts"]),
        (
            _with(history={"attempts": 0, "last_technique": "final_approach"}),
            ["history", "last_technique"],
        ),
        (
            _with(
                history={"attempts": 1, "last_attempt": "2026-03-01", "last_technique": "move_on"}
            ),
            ["history.last_technique", "move_on"],
        ),
        (
            _with(prospect={"nmae": "Li Wei", "company": "Wei Imports"}),
            ["prospect.nmae", "unknown key"],
        ),
        (_with(prospect__name="x" * 500, prospect__away_until="soon"), ["prospect.away_until"]),
    ],
    ids=[
        "int-date",
        "numeric-string-date",
        "year-9999",
        "bool-attempts",
        "technique-without-attempts",
        "stop-as-technique",
        "typo-before-missing",
        "long-input",
    ],
)
def test_more_bad_contexts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: dict[str, Any], needles: list[str]
) -> None:
    path = _json(tmp_path, data)
    result = run_cli(capsys, "plan", path, "--json")
    assert_clean_error(result, path, *needles)
    assert len(result.err) < 400


def test_infinite_value_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path, "ctx.yaml", "prospect: {name: Li, company: W}\ndeal: {stage: cold, value: .inf}\n"
    )
    assert_clean_error(run_cli(capsys, "plan", path), path, "deal.value")


@pytest.mark.parametrize("today", ["20261123", "2026W481", "2026-11-23T10:00", "9999-12-31"])
def test_today_option_must_be_a_plain_iso_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], today: str
) -> None:
    assert_clean_error(run_cli(capsys, "plan", _json(tmp_path, GOOD), "--today", today), "--today")


def test_config_problems_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _json(tmp_path, GOOD)
    assert_clean_error(
        run_cli(capsys, "plan", ctx, "--config", str(tmp_path)), str(tmp_path), "directory"
    )
    bad = _write(tmp_path, "drafter.toml", 'sender = "Dana"\n')
    monkeypatch.setenv("DRAFTER_SENDER_NAME", "Dana Reyes")
    assert_clean_error(run_cli(capsys, "plan", ctx, "--config", bad), bad, "sender")


def test_stdin_json_with_a_bom(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "plan", "-", "--json", stdin="\ufeff" + json.dumps(GOOD))
    assert result.code == 0, result.err


@pytest.mark.parametrize("option", ["--technique", "--channel"])
def test_long_bad_values_are_not_echoed_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    result = run_cli(capsys, "plan", _json(tmp_path, GOOD), option, "x" * 3000)
    assert_clean_error(result, option)
    assert len(result.err) < 400


@pytest.mark.parametrize("option", ["--sender-name", "--sender-phone"])
def test_a_blank_sender_flag_is_one_line(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "draft", _json(tmp_path, GOOD), "--offline", option, " ")
    assert result.code == 2 and option in result.err and "is empty" in result.err
    assert len(result.err.strip().splitlines()) == 1
