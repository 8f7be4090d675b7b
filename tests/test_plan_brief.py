"""Brief plans (``make_plan(..., brief=True)``, the batch CSV's): every field a
brief plan keeps equals the full plan's, the rest is left empty and marked so,
and nothing drafted from one differs (the draft, its check, the LLM's request,
the CSV line). JSONL and the other commands keep whole plans."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from drafter.batch.rows import DraftConfig, Job, RowDrafter
from drafter.context import Channel, DealContext
from drafter.draft.base import DraftRequest
from drafter.draft.pipeline import draft_deal, resolve_sender
from drafter.errors import InputError
from drafter.inputs import load_context
from drafter.plan.models import Plan
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook
from drafter.runtime import build_runtime
from drafter.settings import Settings
from tests.conftest import TODAY, make_context

ROOT = Path(__file__).resolve().parents[1]
PROSPECTS = ROOT / "examples" / "prospects.csv"
# What a brief plan keeps (each equal to the full plan's) and what it leaves empty.
KEPT = (
    "technique",
    "name",
    "channel",
    "send_on",
    "send_at",
    "rationale",
    "source",
    "source_title",
    "reported_response_rate",
    "forced",
)
LEFT_OUT = ("then", "alternatives", "notes", "facts")
_CHANNELS = ["call", "email", "voicemail", "text", "letter", "linkedin"]
_TECHNIQUES = [
    None,
    "follow_up",
    "should_i_stay_or_go",
    "final_approach",
    "last_email_nudge",
    "rescue_call",
    "missed_appointment",
    "best_contact_question",
]


def _day(rng: random.Random, lo: int, hi: int) -> str:
    return (TODAY + dt.timedelta(days=rng.randint(lo, hi))).isoformat()


def _history(rng: random.Random) -> list[dict[str, Any]] | dict[str, Any]:
    """A touch list (often labelled, sometimes answered) or a CRM summary."""
    if rng.random() < 0.35:
        attempts = rng.randint(0, 6)
        last = TODAY - dt.timedelta(days=rng.randint(1, 25))
        first = last - dt.timedelta(days=rng.randint(0, 20))
        summary: dict[str, Any] = {"attempts": attempts}
        if attempts:
            summary |= {
                "channels_tried": rng.sample(_CHANNELS[:4], k=rng.randint(1, 3)),
                "first_attempt": first.isoformat(),
                "last_attempt": last.isoformat(),
                "last_technique": rng.choice(_TECHNIQUES),
            }
        if rng.random() < 0.5:
            summary["last_reply"] = (first - dt.timedelta(days=rng.randint(1, 10))).isoformat()
        return summary
    touches = []
    for _ in range(rng.randint(0, 6)):
        touch = {
            "date": _day(rng, -40, -1),
            "channel": rng.choice(_CHANNELS),
            "direction": "in" if rng.random() < 0.2 else "out",
        }
        technique = rng.choice(_TECHNIQUES)
        if touch["direction"] == "out" and technique is not None:
            touch["technique"] = technique
        touches.append(touch)
    return sorted(touches, key=lambda t: t["date"])


def _contexts(n: int, seed: int) -> list[DealContext]:
    """Deals in many situations: waits, stops, messages due, away, asked-for
    dates and channels, missed appointments, closing messages, influencers."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        prospect: dict[str, Any] = {"name": f"Prospect{i} Example"}
        deal: dict[str, Any] = {"value": rng.choice([None, 45000, 45000.0, 2400000])}
        if rng.random() < 0.3:
            prospect["role"] = rng.choice(["influencer", "decision_maker", "unknown"])
        if rng.random() < 0.2:
            prospect["preferred_channel"] = rng.choice(["email", "phone", "text", "assistant"])
        if rng.random() < 0.2:
            prospect["best_time"] = "mornings"
        if rng.random() < 0.1:
            prospect["away_until"] = _day(rng, 1, 12)
        if rng.random() < 0.3:
            prospect["mailing_address"] = "1 Main St, Denver CO"
        if rng.random() < 0.4:
            deal["agreed_next_step"] = rng.choice(
                ["review the pilot plan with your CFO", "The pilot plan review."]
            )
        if rng.random() < 0.15:
            deal["follow_up_on"] = _day(rng, -4, 6)
            if rng.random() < 0.5:
                deal["follow_up_channel"] = rng.choice(["call", "email"])
        if rng.random() < 0.1:
            deal["missed_appointment"] = _day(rng, -10, -1)
        if rng.random() < 0.2:
            deal["news"] = "we shipped the routing export"
        out.append(
            make_context(
                stage=rng.choice(["cold", "engaged", "proposal"]),
                history=_history(rng),
                prospect=prospect,
                deal=deal,
            )
        )
    return out


def _examples(playbook: Playbook) -> list[DealContext]:
    return [load_context(path, playbook) for path in sorted((ROOT / "examples").glob("*.yaml"))]


def _assert_brief_of(brief: Plan, full: Plan) -> None:
    for name in KEPT:
        assert getattr(brief, name) == getattr(full, name), name
    for name in LEFT_OUT:
        assert not getattr(brief, name), name
    assert brief.brief and not full.brief
    assert brief != full  # never taken for the full plan
    with pytest.raises(ValueError, match="brief plan"):
        brief.to_json()
    assert "brief" not in full.to_json()


def _both(
    ctx: DealContext, playbook: Playbook, today: dt.date, **kw: Any
) -> tuple[Plan, Plan] | str:
    """(brief, full), or the error both raised (the same one)."""
    try:
        full = make_plan(ctx, playbook, today, **kw)
    except InputError as exc:
        with pytest.raises(InputError) as raised:
            make_plan(ctx, playbook, today, brief=True, **kw)
        assert (raised.value.message, raised.value.key) == (exc.message, exc.key)
        return exc.message
    return make_plan(ctx, playbook, today, brief=True, **kw), full


def test_a_brief_plan_equals_the_full_plan_on_every_field_it_keeps(playbook: Playbook) -> None:
    contexts = [*_contexts(400, seed=5), *_examples(playbook)]
    fulls = []
    for ctx in contexts:
        for today in (TODAY, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=3)):
            pair = _both(ctx, playbook, today)
            assert not isinstance(pair, str)
            _assert_brief_of(*pair)
            fulls.append(pair[1])
    # the deals reach every kind of plan, and what a brief plan leaves out
    assert {p.technique for p in fulls} >= {"wait", "move_on", "follow_up", "final_approach"}
    assert any(p.technique == "wait" and p.then for p in fulls)  # a wait's next step
    assert any(p.channel is not None and p.then for p in fulls)  # a message's road ahead
    assert any(p.notes for p in fulls) and all(p.alternatives for p in fulls)
    assert any(p.send_at for p in fulls)


def test_forced_brief_plans_equal_forced_full_plans(playbook: Playbook) -> None:
    refused = 0
    for ctx in _contexts(60, seed=8):
        for technique in playbook.techniques:
            for channel in (None, Channel.email):
                pair = _both(ctx, playbook, TODAY, technique=technique, channel=channel)
                if isinstance(pair, str):
                    refused += 1
                else:
                    _assert_brief_of(*pair)
    assert refused  # the refusals are the same ones too


def test_drafts_and_checks_from_a_brief_plan_are_the_full_plans(playbook: Playbook) -> None:
    runtime = build_runtime(Settings(), playbook, offline=True)
    drafted = 0
    for ctx in [*_contexts(120, seed=13), *_examples(playbook)]:
        brief = draft_deal(ctx, runtime, TODAY, brief=True)
        full = draft_deal(ctx, runtime, TODAY)
        _assert_brief_of(brief.plan, full.plan)
        assert (brief.draft, brief.check, brief.notes) == (full.draft, full.check, full.notes)
        drafted += brief.draft is not None
    assert drafted > 20


def test_the_llm_request_from_a_brief_plan_is_the_full_plans(playbook: Playbook) -> None:
    from drafter.draft.llm.writer import LLMWriter

    runtime = build_runtime(Settings(api_key=SecretStr("k" * 10)), playbook)
    writer = runtime.writer()
    assert isinstance(writer, LLMWriter)
    asked = 0
    for ctx in [*_contexts(80, seed=21), *_examples(playbook)]:
        brief, full = make_plan(ctx, playbook, TODAY, brief=True), make_plan(ctx, playbook, TODAY)
        if full.channel is None:
            continue
        who = resolve_sender(ctx, runtime, None)
        requests = [
            DraftRequest(ctx, p, who, p.technique, full.channel, p.send_on) for p in (brief, full)
        ]
        assert writer.first_request(requests[0]) == writer.first_request(requests[1])
        asked += 1
    assert asked > 10


def _jobs() -> tuple[tuple[str, ...], list[Job]]:
    with PROSPECTS.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = tuple(next(reader))
        rows = list(reader)
    return header, [Job(i + 2, i + 2, cells, f"k{i}", cells[0]) for i, cells in enumerate(rows)]


def _drafter(header: tuple[str, ...], fmt: Any) -> RowDrafter:
    return RowDrafter(DraftConfig(settings=Settings(), header=header, today=TODAY, fmt=fmt))


def test_batch_csv_rows_are_the_same_with_brief_plans_and_jsonl_keeps_whole_plans() -> None:
    header, jobs = _jobs()
    brief = _drafter(header, "csv")
    assert brief.brief
    full = _drafter(header, "csv")
    full.brief = False
    assert [brief(j).line for j in jobs] == [full(j).line for j in jobs]

    jsonl = _drafter(header, "jsonl")
    assert not jsonl.brief
    plans = [json.loads(jsonl(j).line)["plan"] for j in jobs]
    assert all(p["alternatives"] and p["facts"] for p in plans)
    assert any(p["then"] for p in plans) and any(p["notes"] for p in plans)
