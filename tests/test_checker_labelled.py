"""Precision and recall of the tone checker on two labelled sets of messages.

tests/data/tone_labelled.yaml holds good and bad follow-ups (channel, technique
where relevant, label, why), written with the rules. tests/data/tone_review.yaml
is a second, smaller set built from a reviewer's report (misses and false
alarms found after the first set); its bad messages also name the rule that
should fire. A bad message counts as caught when the checker reports at least
one error; a good one is a false alarm when it gets any error. Both sets have
the same thresholds; the figures are printed (pytest -s) and recorded in
docs/checking.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from drafter.check.checker import CheckReport, check_message
from drafter.context import Channel

DATA = Path(__file__).parent / "data"
SETS = {"tone_labelled": 40, "tone_review": 14}  # file stem: the least number of messages
KEYS = {"id", "label", "channel", "technique", "subject", "why", "body", "rule"}


def labelled(name: str = "tone_labelled") -> list[dict[str, Any]]:
    path = DATA / f"{name}.yaml"
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["messages"])


def check(message: dict[str, Any]) -> CheckReport:
    return check_message(
        message["body"],
        channel=Channel(message["channel"]),
        technique=message.get("technique"),
        subject=message.get("subject"),
    )


def has_error(message: dict[str, Any]) -> bool:
    return not check(message).ok


@pytest.mark.parametrize("name", SETS)
def test_the_set_is_well_formed(name: str) -> None:
    messages = labelled(name)
    assert len(messages) >= SETS[name]
    assert len({m["id"] for m in messages}) == len(messages)
    for m in messages:
        assert set(m) <= KEYS, m["id"]
        assert m["label"] in ("good", "bad") and m["why"] and m["body"].strip()
        assert "rule" not in m or m["label"] == "bad", m["id"]
    labels = [m["label"] for m in messages]
    least = 15 if name == "tone_labelled" else 5
    assert labels.count("good") >= least and labels.count("bad") >= least


@pytest.mark.parametrize("name", SETS)
def test_precision_and_recall(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    messages = labelled(name)
    bad = [m for m in messages if m["label"] == "bad"]
    good = [m for m in messages if m["label"] == "good"]
    caught = [m["id"] for m in bad if has_error(m)]
    false_alarms = [m["id"] for m in good if has_error(m)]
    recall = len(caught) / len(bad)
    false_alarm_rate = len(false_alarms) / len(good)
    precision = len(caught) / (len(caught) + len(false_alarms)) if caught or false_alarms else 1.0
    missed = sorted({m["id"] for m in bad} - set(caught))
    with capsys.disabled():
        print(
            f"\n{name}: {len(bad)} bad, {len(good)} good; recall {recall:.1%} "
            f"({len(caught)}/{len(bad)}), precision {precision:.1%}, false alarms "
            f"{false_alarm_rate:.1%} ({len(false_alarms)}/{len(good)}); missed: {missed}; "
            f"false alarms: {false_alarms}"
        )
    assert recall >= 0.9, missed
    assert false_alarm_rate <= 0.1, false_alarms


def test_review_errors_come_from_the_named_rule() -> None:
    """In the review set, a bad message's error is the one its sentence should get."""
    for m in labelled("tone_review"):
        if "rule" in m:
            errors = {v.rule for v in check(m).violations if v.severity == "error"}
            assert m["rule"] in errors, (m["id"], errors)
