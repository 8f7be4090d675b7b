from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from drafter.context import DealContext
from drafter.playbook import Playbook, load_playbook

# Fuzzing (tests/test_fuzz.py): seeded and bounded in CI; DRAFTER_FUZZ=deep for
# ten times the examples on a developer's machine. No example database: a run
# writes nothing into the work tree.
hypothesis_settings.register_profile(
    "ci", max_examples=60, derandomize=True, database=None, deadline=None, print_blob=True
)
hypothesis_settings.register_profile(
    "deep", max_examples=600, derandomize=False, database=None, deadline=None
)
hypothesis_settings.load_profile("deep" if os.environ.get("DRAFTER_FUZZ") == "deep" else "ci")

# The cache of compiled rules and embedded exemplars (drafter.check.compiled)
# would write into the user's cache folder, one file per temporary playbook:
# off, except in its own tests.
os.environ["DRAFTER_COMPILED_CACHE"] = "0"


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Tests run on every core (pytest-xdist's ``-n auto``) unless told otherwise:
    ``-n 0`` or ``-p no:xdist`` runs them in one process, and so does an
    environment installed before pytest-xdist was a test dependency."""
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("xdist"):
        return  # a worker, or no pytest-xdist
    if config.getoption("numprocesses") is None:
        config.option.numprocesses = "auto"


TODAY = dt.date(2026, 11, 22)
SENDER = {
    "name": "Dana Reyes",
    "company": "Northwind Analytics",
    "phone": "+1 416 555 0199",
    "email": "dana@northwind.example",
}


@pytest.fixture(scope="session")
def playbook() -> Playbook:
    return load_playbook()


def touches(*items: tuple[str, str, str] | tuple[str, str, str, str]) -> list[dict[str, Any]]:
    """touches(("2026-11-10", "email", "out"), ("2026-11-12", "call", "out", "rescue_call"))"""
    out = []
    for item in items:
        touch = {"date": item[0], "channel": item[1], "direction": item[2]}
        if len(item) > 3:
            touch["technique"] = item[3]
        out.append(touch)
    return out


def as_summary(history: list[dict[str, Any]]) -> dict[str, Any]:
    """The CRM-summary form of a touch list, written independently of drafter."""
    replies = [t["date"] for t in history if t["direction"] == "in"]
    last_reply = max(replies) if replies else None
    unanswered = sorted(
        (
            t
            for t in history
            if t["direction"] == "out" and (last_reply is None or t["date"] > last_reply)
        ),
        key=lambda t: t["date"],
    )
    channels: list[str] = []
    for t in unanswered:
        if t["channel"] not in channels:
            channels.append(t["channel"])
    return {
        "attempts": len(unanswered),
        "channels_tried": channels,
        "first_attempt": unanswered[0]["date"] if unanswered else None,
        "last_attempt": unanswered[-1]["date"] if unanswered else None,
        "last_reply": last_reply,
        "last_technique": unanswered[-1].get("technique") if unanswered else None,
    }


def make_context(
    *,
    stage: str = "engaged",
    history: list[dict[str, Any]] | dict[str, Any] | None = None,
    prospect: dict[str, Any] | None = None,
    deal: dict[str, Any] | None = None,
    today: dt.date | None = TODAY,
    sender: dict[str, Any] | None = None,
) -> DealContext:
    data: dict[str, Any] = {
        "prospect": {"name": "Bob Martin", "company": "Acme Logistics", **(prospect or {})},
        "deal": {"stage": stage, **(deal or {})},
        "history": history if history is not None else [],
        "sender": SENDER if sender is None else sender,
    }
    if today is not None:
        data["today"] = today.isoformat()
    return DealContext.model_validate(data)
