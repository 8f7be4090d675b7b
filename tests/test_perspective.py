"""Free text written about the prospect is said to the prospect (issue 13, part 4).

A CRM note speaks of the prospect in the third person ("loop in her finance
lead"); a message to that same person must say "your finance lead", or leave
the text out and say so in the plan. The checker catches the prospect's name
used in the third person in a message to them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from drafter.check.checker import check_message
from drafter.context import Channel, DealContext, Prospect, Sender
from drafter.draft.base import DraftRequest
from drafter.draft.llm.prompt import deal_data
from drafter.draft.templates import render_offline
from drafter.perspective import said_to_them
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook, load_playbook
from tests.cli_helpers import run_cli
from tests.conftest import make_context, touches

SARAH = Prospect(name="Sarah Klein", company="Northgate Dental")
SENDER = Sender(name="Dana Reyes", company="Northwind", phone="+1 416 555 0199")
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook()


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("loop in her finance lead", "loop in your finance lead"),
        ("review the pilot plan with their CFO", "review the pilot plan with your CFO"),
        ("walk his team through the rollout", "walk your team through the rollout"),
        ("send her the signed order form", "send you the signed order form"),
        ("call her back on Monday", "call you back on Monday"),
        ("help her decide between the two plans", "help you decide between the two plans"),
        ("a case study from a firm like theirs", "a case study from a firm like yours"),
        ("review Sarah's budget", "review your budget"),
        ("review Sarah Klein’s budget", "review your budget"),
        ("Her team signs off on Friday", "Your team signs off on Friday"),
        # nothing about them: unchanged
        ("review the pilot plan with your CFO", "review the pilot plan with your CFO"),
        ("cut onboarding time in half", "cut onboarding time in half"),
    ],
)
def test_a_word_for_word_swap_is_made(written: str, said: str) -> None:
    result = said_to_them(written, SARAH)
    assert result.text == said
    assert result.changed is (written != said)


@pytest.mark.parametrize(
    "written",
    [
        "she will send the contract to legal",
        "they're checking the budget",
        "send Sarah the deck",
        "Sarah reviews the numbers with finance",
        "He'll loop in procurement",
    ],
)
def test_what_needs_a_verb_changed_is_left_out(written: str) -> None:
    assert said_to_them(written, SARAH).text is None


def test_a_phrase_asked_again_for_another_prospect_is_said_to_that_one() -> None:
    """The answer kept for a phrase that names nobody is never given for a
    prospect whose name the phrase holds (a batch asks the same phrase row
    after row)."""
    tom = Prospect(name="Tom Reyes", company="Northgate Dental")
    phrase = "walk Tom's team through the pilot"
    assert said_to_them(phrase, SARAH).text == phrase  # no name of Sarah's in it: kept
    assert said_to_them(phrase, tom).text == "walk your team through the pilot"
    assert said_to_them("send Tom the deck", SARAH).text == "send Tom the deck"
    assert said_to_them("send Tom the deck", tom).text is None
    assert said_to_them("loop in her finance lead", tom).text == "loop in your finance lead"


def _ctx(next_step: str, **deal: object) -> DealContext:
    history = touches(
        ("2026-11-03", "meeting", "in"),
        ("2026-11-10", "email", "out"),
        ("2026-11-17", "voicemail", "out"),
    )
    return make_context(
        prospect={"name": "Sarah Klein", "company": "Northgate Dental"},
        history=history,
        deal={"agreed_next_step": next_step, **deal},
        today=TODAY,
    )


def _message_pairs(playbook: Playbook) -> list[tuple[str, Channel]]:
    return [(t.id, c) for t in playbook.ordered if t.kind == "message" for c in t.channels]


def test_a_third_person_next_step_never_reaches_a_message_unchanged(playbook: Playbook) -> None:
    """Every technique on every channel: the rep's words come out said to Sarah."""
    ctx = _ctx(
        "loop in her finance lead",
        benefits=["cut her team's onboarding time in half"],
        news="a case study from a clinic like theirs",
    )
    seen_next_step = 0
    for technique, channel in _message_pairs(playbook):
        subject, body = render_offline(
            ctx,
            technique,
            channel,
            sender=SENDER,
            send_on=TODAY,
            templates_dir=playbook.path / "templates",
        )
        text = f"{subject or ''}\n{body}"
        for third in ("her finance lead", "her team", "like theirs"):
            assert third not in text, (technique, channel, text)
        seen_next_step += "loop in your finance lead" in text
    assert seen_next_step >= 3  # the closing messages and the rescue call name it


def test_a_next_step_that_cannot_be_said_to_them_is_left_out_and_named(
    playbook: Playbook,
) -> None:
    ctx = _ctx("send Sarah the revised quote")
    plan = make_plan(ctx, playbook, TODAY, technique="rescue_call")
    assert any(
        "deal.agreed_next_step speaks of Sarah Klein in the third person" in n and "leave" in n
        for n in plan.notes
    ), plan.notes
    assert plan.channel is not None
    _, body = render_offline(
        ctx,
        plan.technique,
        plan.channel,
        sender=SENDER,
        send_on=TODAY,
        templates_dir=playbook.path / "templates",
    )
    assert "revised quote" not in body
    # A sentence ("she will ...") has its own note, once.
    sentence = make_plan(_ctx("she will send the contract"), playbook, TODAY)
    assert [n for n in sentence.notes if "agreed_next_step" in n] == [
        n for n in sentence.notes if "reads as a sentence" in n
    ]


def test_the_plan_names_what_it_changed(playbook: Playbook) -> None:
    plan = make_plan(_ctx("loop in her finance lead"), playbook, TODAY)
    assert any("drafts say it to them: 'loop in your finance lead'" in n for n in plan.notes)
    plain = make_plan(_ctx("loop in your finance lead"), playbook, TODAY)
    assert not any("third person" in n for n in plain.notes)


def test_the_llm_prompt_gets_the_text_said_to_them(playbook: Playbook) -> None:
    ctx = _ctx(
        "loop in her finance lead",
        benefits=["cut her team's onboarding time in half", "she saves a day a week"],
        news="she will present it to the board",
    )
    plan = make_plan(ctx, playbook, TODAY, technique="rescue_call")
    assert plan.channel is not None
    request = DraftRequest(ctx, plan, SENDER, plan.technique, plan.channel, plan.send_on)
    deal = deal_data(request, None, None)["deal"]
    assert deal["agreed_next_step"] == "loop in your finance lead"
    assert deal["benefits"] == ["cut your team's onboarding time in half"]
    assert "news" not in deal
    assert "her finance lead" not in json.dumps(deal)


# --- the checker ---------------------------------------------------------------


def _recipient_hits(body: str, **kwargs: object) -> list[str]:
    report = check_message(body, semantic=False, **kwargs)
    return [v.excerpt for v in report.violations if v.rule == "recipient-third-person"]


def test_the_greeted_name_in_the_third_person_is_an_error() -> None:
    body = (
        "Hi Sarah,\n\nWhen we met, we agreed to loop in Sarah's finance lead. "
        "Sarah and I also said we'd talk again in December."
    )
    assert _recipient_hits(body) == ["Sarah's", "Sarah and I"]
    report = check_message(body, semantic=False)
    assert not report.ok


@pytest.mark.parametrize(
    "body",
    [
        "Hi Sarah,\n\nWe agreed to loop in your finance lead.",
        "Hi Bob,\n\nSarah's team liked the pilot.",  # Sarah is someone else here
        "Thanks for the call. Sarah's team liked the pilot.",  # no greeting: unknown recipient
        "Hi Sarah,\n\nI spoke with Maria; her team is keen.",  # pronouns are left alone
        "Hi Will,\n\nI will call you on Tuesday.",  # a name that is also a word
    ],
)
def test_what_the_rule_leaves_alone(body: str) -> None:
    assert _recipient_hits(body) == []


def test_drafts_name_the_recipient_and_the_allow_list_does_not_mute_it() -> None:
    body = "Hello there, we agreed to loop in Sarah Klein's finance lead."
    assert _recipient_hits(body) == []  # the greeting names nobody
    hits = _recipient_hits(body, recipients=("Sarah Klein", "Sarah"))
    assert hits == ["Sarah Klein's"]


def test_drafter_check_flags_it_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "m.txt"
    message.write_text("Hi Sarah,\n\nWe agreed to loop in Sarah's finance lead.\n", "utf-8")
    result = run_cli(capsys, "check", str(message), "--json")
    assert result.code == 1, result.err
    rules = [v["rule"] for v in json.loads(result.out)["violations"]]
    assert "recipient-third-person" in rules
