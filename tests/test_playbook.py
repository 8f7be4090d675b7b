"""The playbook is data: validated strictly, tunable, extensible without code."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pytest
import yaml

from drafter.errors import PlaybookError
from drafter.plan.selector import make_plan
from drafter.playbook import Condition, Playbook, load_playbook
from tests.conftest import TODAY, make_context, touches

CONTRACT_IDS = {
    "best_contact_question",
    "missed_appointment",
    "last_email_nudge",
    "should_i_stay_or_go",
    "rescue_call",
    "final_approach",
    "humor_card",
    "in_person_visit",
    "move_on",
    "wait",
    "follow_up",  # contract section 6 (issue 14)
}


def test_every_contract_technique_is_in_the_playbook(playbook: Playbook) -> None:
    assert set(playbook.techniques) == CONTRACT_IDS
    assert playbook.closing == {
        "rescue_call",
        "final_approach",
        "should_i_stay_or_go",
        "humor_card",
    }


def test_reported_rates_come_from_the_seeds(playbook: Playbook) -> None:
    rates = {t.id: t.reported_response_rate for t in playbook.techniques.values()}
    assert rates["rescue_call"] == 0.75
    assert rates["should_i_stay_or_go"] == 0.6
    assert rates["humor_card"] == 0.1
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    for t in playbook.techniques.values():
        assert t.source is None or t.source in playbook.settings.sources
        if t.reported_response_rate is not None:
            assert t.reported_response_rate_source
        if seeds.is_dir() and t.source:
            assert (seeds / t.source).is_file()


def test_every_message_technique_has_moves_channels_and_words(playbook: Playbook) -> None:
    for t in playbook.techniques.values():
        assert t.summary and t.applies_when
        if t.kind == "message":
            assert t.channels and t.moves and t.when


@pytest.mark.parametrize(
    ("condition", "facts", "holds"),
    [
        ({"fact": "attempts", "gte": 3}, {"attempts": 3}, True),
        ({"fact": "attempts", "gte": 3}, {"attempts": 2}, False),
        ({"fact": "attempts", "lte": 1}, {"attempts": 1}, True),
        ({"fact": "attempts", "between": [2, 3]}, {"attempts": 4}, False),
        ({"fact": "days_since_last_reply", "lte": 14}, {"days_since_last_reply": None}, False),
        ({"fact": "stage", "in": ["engaged", "proposal"]}, {"stage": "cold"}, False),
        ({"fact": "stage", "not_in": ["cold"]}, {"stage": "engaged"}, True),
        ({"fact": "last_technique", "eq": None}, {"last_technique": None}, True),
        ({"fact": "last_technique", "ne": "rescue_call"}, {"last_technique": None}, True),
        (
            {"fact": "channels_tried", "contains": "email"},
            {"channels_tried": ["call", "email"]},
            True,
        ),
        ({"fact": "techniques_used", "not_contains": "x"}, {"techniques_used": []}, True),
    ],
)
def test_conditions(condition: dict[str, object], facts: dict[str, object], holds: bool) -> None:
    assert Condition.model_validate(condition).holds(facts) is holds


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"fact": "atempts", "gte": 3}, "unknown fact"),
        ({"fact": "attempts", "gte": 3, "lte": 5}, "exactly one"),
        ({"fact": "attempts"}, "exactly one"),
        ({"fact": "attempts", "between": [5, 2]}, "low bound"),
        ({"fact": "attempts", "gt": 2}, "Extra inputs"),
    ],
)
def test_bad_conditions_are_rejected(condition: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Condition.model_validate(condition)


@pytest.fixture
def team_playbook(tmp_path: Path, playbook: Playbook) -> Path:
    copy = tmp_path / "our-playbook"
    shutil.copytree(playbook.path, copy)
    load_playbook.cache_clear()
    return copy


def _edit(path: Path, change: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_team_tunes_a_threshold_without_code(team_playbook: Path) -> None:
    ctx = make_context(
        history=touches(
            ("2026-10-20", "meeting", "in"),
            ("2026-11-14", "voicemail", "out"),
            ("2026-11-18", "voicemail", "out"),
        ),
        deal={"agreed_next_step": "pilot"},
    )
    assert (
        make_plan(ctx, load_playbook(team_playbook), TODAY).technique == "wait"
    )  # day 8: too soon
    rescue = team_playbook / "techniques" / "rescue_call.yaml"
    data = yaml.safe_load(rescue.read_text())
    data["when"][0]["all"][-1] = {"fact": "days_since_first_attempt", "between": [7, 14]}
    rescue.write_text(yaml.safe_dump(data, sort_keys=False))
    load_playbook.cache_clear()
    assert make_plan(ctx, load_playbook(team_playbook), TODAY).technique == "rescue_call"


def test_a_team_adds_a_technique_without_code(team_playbook: Path) -> None:
    (team_playbook / "techniques" / "linkedin_hello.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "linkedin_hello",
                "name": "Say hello on LinkedIn",
                "kind": "message",
                "summary": "A short hello on LinkedIn after one unanswered call.",
                "applies_when": "A cold prospect with exactly one unanswered call.",
                "priority": 90,
                "when": [
                    {
                        "reason": "One unanswered call",
                        "all": [
                            {"fact": "stage", "eq": "cold"},
                            {"fact": "attempts", "eq": 1},
                        ],
                    }
                ],
                "channels": ["linkedin"],
                "moves": [{"id": "hello", "text": "Says hello.", "patterns": ["hello"]}],
            }
        )
    )
    ctx = make_context(stage="cold", history=touches(("2026-11-10", "call", "out")))
    plan = make_plan(ctx, load_playbook(team_playbook), TODAY)
    assert (plan.technique, plan.channel and plan.channel.value) == ("linkedin_hello", "linkedin")


@pytest.mark.parametrize(
    ("file", "change", "key"),
    [
        ("techniques/rescue_call.yaml", {"priorty": 3}, "priorty"),
        ("techniques/rescue_call.yaml", {"channels": ["fax"]}, "channels[0]"),
        ("techniques/rescue_call.yaml", {"id": "rescue"}, "id"),
        ("playbook.yaml", {"min_days_between_touches": 0}, "min_days_between_touches"),
    ],
)
def test_playbook_typos_fail_loudly_with_the_path(
    team_playbook: Path, file: str, change: dict[str, object], key: str
) -> None:
    _edit(team_playbook / file, change)
    with pytest.raises(PlaybookError) as caught:
        load_playbook(team_playbook)
    assert caught.value.path is not None and caught.value.path.endswith(file)
    assert caught.value.key == key


def test_honesty_and_spacing_hold_for_many_random_deals(playbook: Playbook) -> None:
    """Invariants over 400 generated deals: nothing after an unanswered closing
    message but move_on; no planned touch closer than the spacing; nothing
    before today or while the prospect is away."""
    rng = random.Random(7)
    gap = playbook.settings.min_days_between_touches
    channels = ["call", "voicemail", "email", "text", "linkedin"]
    techniques = [
        None,
        None,
        None,
        "last_email_nudge",
        "rescue_call",
        "final_approach",
        "best_contact_question",
    ]
    for _ in range(400):
        last = TODAY - dt.timedelta(days=rng.randint(0, 40))
        n = rng.randint(0, 7)
        first = last - dt.timedelta(days=rng.randint(0, 30)) if n else None
        replied = rng.random() < 0.6
        history = {
            "attempts": n,
            "channels_tried": rng.sample(channels, k=min(n, rng.randint(1, 3))) if n else [],
            "first_attempt": first.isoformat() if first else None,
            "last_attempt": last.isoformat() if n else None,
            "last_reply": (first or TODAY - dt.timedelta(days=3))
            - dt.timedelta(days=rng.randint(0, 9))
            if replied
            else None,
            "last_technique": rng.choice(techniques) if n else None,
        }
        if history["last_reply"] is not None:
            history["last_reply"] = history["last_reply"].isoformat()
        prospect = {
            "mailing_address": "1 Main St" if rng.random() < 0.5 else None,
            "away_until": (TODAY + dt.timedelta(days=rng.randint(-5, 20))).isoformat()
            if rng.random() < 0.2
            else None,
        }
        deal = {
            "value": rng.choice([None, 50_000, 3_000_000]),
            "agreed_next_step": rng.choice([None, "pilot"]),
        }
        stage = rng.choice(["cold", "engaged", "proposal"]) if replied else "cold"
        ctx = make_context(stage=stage, history=history, prospect=prospect, deal=deal)
        plan = make_plan(ctx, playbook, TODAY)
        assert plan.send_on >= TODAY
        sends = [(plan.technique, plan.send_on)] + [(s.technique, s.send_on) for s in plan.then]
        messages = [(t, d) for t, d in sends if t not in ("move_on", "wait")]
        if history["last_technique"] in playbook.closing:
            assert plan.technique in ("move_on", "wait")
            assert [t for t, _ in sends if t != "wait"] == ["move_on"]
        previous = last if n else None
        for _technique, day in messages:
            assert day.weekday() < 5, (plan.technique, sends)
            if previous is not None:
                assert (day - previous).days >= 1
                if _technique != "missed_appointment":
                    assert (day - previous).days >= gap
            if ctx.prospect.away_until:
                assert day >= ctx.prospect.away_until
            previous = day
        closing_seen = False
        for technique, _ in sends:
            assert not (closing_seen and technique != "move_on")
            closing_seen = closing_seen or technique in playbook.closing


def test_a_copy_with_other_techniques_computes_its_order_afresh() -> None:
    """The planner's cached views of a playbook (order, closing ids, the days a
    condition starts to hold) must follow a copy's own techniques."""
    book = load_playbook()
    assert book.ordered and book.closing and book.day_bounds  # computed and cached
    kept = {k: t for k, t in book.techniques.items() if not t.closing}
    copy = book.model_copy(update={"techniques": kept})
    assert [t.id for t in copy.ordered] == [t.id for t in book.ordered if not t.closing]
    assert copy.closing == frozenset()
    assert set(copy.day_bounds) <= set(book.day_bounds)
