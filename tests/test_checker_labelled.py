"""Precision and recall of the tone checker on a labelled set of messages.

tests/data/tone_labelled.yaml holds good and bad follow-ups (channel, technique
where relevant, label, why). A bad message counts as caught when the checker
reports at least one error; a good one is a false alarm when it gets any error.
The figures are printed (pytest -s) and recorded in docs/checking.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from drafter.checker import check_message
from drafter.context import Channel

DATA = Path(__file__).parent / "data" / "tone_labelled.yaml"


def labelled() -> list[dict[str, Any]]:
    return list(yaml.safe_load(DATA.read_text(encoding="utf-8"))["messages"])


def has_error(message: dict[str, Any]) -> bool:
    report = check_message(
        message["body"],
        channel=Channel(message["channel"]),
        technique=message.get("technique"),
        subject=message.get("subject"),
    )
    return not report.ok


def test_the_set_is_well_formed() -> None:
    messages = labelled()
    assert len(messages) >= 40
    assert len({m["id"] for m in messages}) == len(messages)
    allowed = {"id", "label", "channel", "technique", "subject", "why", "body"}
    for m in messages:
        assert set(m) <= allowed, m["id"]
        assert m["label"] in ("good", "bad") and m["why"] and m["body"].strip()
    labels = [m["label"] for m in messages]
    assert labels.count("good") >= 15 and labels.count("bad") >= 15


def test_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    messages = labelled()
    bad = [m for m in messages if m["label"] == "bad"]
    good = [m for m in messages if m["label"] == "good"]
    caught = [m["id"] for m in bad if has_error(m)]
    false_alarms = [m["id"] for m in good if has_error(m)]
    recall = len(caught) / len(bad)
    false_alarm_rate = len(false_alarms) / len(good)
    precision = len(caught) / (len(caught) + len(false_alarms))
    missed = sorted({m["id"] for m in bad} - set(caught))
    with capsys.disabled():
        print(
            f"\ntone_labelled: {len(bad)} bad, {len(good)} good; recall {recall:.1%} "
            f"({len(caught)}/{len(bad)}), precision {precision:.1%}, false alarms "
            f"{false_alarm_rate:.1%} ({len(false_alarms)}/{len(good)}); missed: {missed}; "
            f"false alarms: {false_alarms}"
        )
    assert recall >= 0.9, missed
    assert false_alarm_rate <= 0.1, false_alarms
