"""The planner's memo (drafter.plan.memo) changes no plan: every plan made
with answers remembered from other deals equals the plan made afresh, and the
memo stays bounded."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from drafter.context import DealContext
from drafter.plan import memo
from drafter.plan.engagement import INEXACT_FACTS, facts, summarise
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook, load_playbook
from tests.conftest import TODAY, make_context


def _contexts(n: int, seed: int = 3) -> list[DealContext]:
    """Deals in many situations, several alike (so the memo is used)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        attempts = rng.randint(0, 6)
        last = TODAY - dt.timedelta(days=rng.randint(1, 20))
        first = last - dt.timedelta(days=rng.randint(0, 14))
        history: dict[str, Any] = {"attempts": attempts}
        if attempts:
            history |= {
                "channels_tried": rng.sample(["call", "email", "voicemail", "text"], k=2),
                "first_attempt": first.isoformat(),
                "last_attempt": last.isoformat(),
                "last_technique": rng.choice([None, "follow_up", "should_i_stay_or_go"]),
            }
        if rng.random() < 0.6:
            history["last_reply"] = (first - dt.timedelta(days=3)).isoformat()
        deal: dict[str, Any] = {
            "value": rng.choice([None, 45000, 45000.0, 10000, 10000.0, 2400000]),
        }
        if rng.random() < 0.5:
            deal["agreed_next_step"] = "review the pilot plan with your CFO"
        if rng.random() < 0.1:
            deal["follow_up_on"] = (TODAY + dt.timedelta(days=rng.randint(-3, 5))).isoformat()
        prospect: dict[str, Any] = {"name": f"Prospect{i} Example"}
        if rng.random() < 0.1:
            prospect["away_until"] = (TODAY + dt.timedelta(days=rng.randint(1, 9))).isoformat()
        if rng.random() < 0.3:
            prospect["mailing_address"] = "1 Main St, Denver CO"
        out.append(
            make_context(
                stage=rng.choice(["cold", "engaged", "proposal"]),
                history=history,
                prospect=prospect,
                deal=deal,
            )
        )
    return out


@pytest.fixture()
def book() -> Playbook:
    return load_playbook()


def test_plans_with_the_memo_equal_plans_made_afresh(book: Playbook) -> None:
    contexts = _contexts(300)
    warm = [make_plan(c, book, TODAY).to_json() for c in contexts]
    used = memo.memo_of(book)
    assert used._tables["why_not"] and used._tables["matching"]
    for ctx, remembered in zip(contexts, warm, strict=True):
        memo._MEMOS.clear()  # every plan computed with an empty memo
        assert make_plan(ctx, book, TODAY).to_json() == remembered


def test_the_memo_stays_bounded(book: Playbook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "LIMIT", 5)
    memo._MEMOS.clear()
    for ctx in _contexts(40):
        make_plan(ctx, book, TODAY)
    used = memo.memo_of(book)
    assert all(0 < len(table) <= 5 for table in used._tables.values())
    assert len(used._days) <= 5


def test_a_float_value_and_the_int_it_equals_are_told_apart() -> None:
    names = ("value", "channels_tried")
    a = memo.fact_key({"value": 10000, "channels_tried": ["email"]}, names)
    b = memo.fact_key({"value": 10000.0, "channels_tried": ["email"]}, names)
    assert a != b and hash(a) is not None


def test_only_the_inexact_facts_hold_lists_or_floats(book: Playbook) -> None:
    """The memo makes only INEXACT_FACTS hashable and exact: no other fact may
    hold a list, or a float (which an int would be taken for)."""
    held = set()
    for ctx in _contexts(200):
        eng = summarise(ctx)
        for day in (TODAY, TODAY + dt.timedelta(days=9)):
            for name, value in facts(ctx, eng, day, book.closing).items():
                if type(value) in (list, float):
                    held.add(name)
    assert held == INEXACT_FACTS


def test_another_playbook_gets_its_own_memo(book: Playbook) -> None:
    other = book.model_copy(update={"settings": book.settings.model_copy()})
    assert memo.memo_of(other) is not memo.memo_of(book)
    assert memo.memo_of(book) is memo.memo_of(book)
