"""Issue 11: the planner stays true to the seeds in situations a rep meets,
each built from a realistic context (both history forms where it matters)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from drafter.context import Channel
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook, load_playbook
from tests.conftest import as_summary, make_context, touches

NEXT_STEP = {"agreed_next_step": "review the pilot plan with your CFO"}


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook()


# --- 1. the call at the appointment time is the appointment -----------------


def test_the_unanswered_call_at_the_appointment_time_is_followed_by_the_email(
    playbook: Playbook,
) -> None:
    """Thursday 10:00 was agreed; the rep called at 10:00, no answer, and logs it."""
    thursday = dt.date(2026, 11, 19)
    history = touches(
        ("2026-11-10", "meeting", "in"),
        ("2026-11-12", "email", "out"),
        ("2026-11-13", "email", "in"),
        ("2026-11-19", "call", "out"),
    )
    ctx = make_context(history=history, deal={"missed_appointment": "2026-11-19", **NEXT_STEP})
    plan = make_plan(ctx, playbook, thursday)
    assert (plan.technique, plan.send_on) == ("missed_appointment", thursday)
    summary = make_context(
        history=as_summary(history), deal={"missed_appointment": "2026-11-19", **NEXT_STEP}
    )
    plan = make_plan(summary, playbook, thursday)
    assert (plan.technique, plan.send_on) == ("missed_appointment", thursday)


def test_a_reminder_call_the_next_day_does_not_settle_the_miss(playbook: Playbook) -> None:
    history = touches(
        ("2026-11-10", "meeting", "in"),
        ("2026-11-16", "call", "out"),  # Monday: the appointment
        ("2026-11-17", "voicemail", "out"),  # Tuesday: a reminder
    )
    ctx = make_context(history=history, deal={"missed_appointment": "2026-11-16"})
    tuesday = make_plan(ctx, playbook, dt.date(2026, 11, 17))
    assert tuesday.technique == "wait"  # never two touches on one day
    assert (tuesday.then[0].technique, tuesday.then[0].send_on) == (
        "missed_appointment",
        dt.date(2026, 11, 18),
    )
    wednesday = make_plan(ctx, playbook, dt.date(2026, 11, 18))
    assert wednesday.technique == "missed_appointment"
    friday = make_plan(ctx, playbook, dt.date(2026, 11, 20))
    assert friday.technique != "missed_appointment"  # four days on: the moment has passed


def test_a_reply_or_the_email_itself_settles_the_miss(playbook: Playbook) -> None:
    replied = touches(
        ("2026-11-10", "meeting", "in"),
        ("2026-11-19", "call", "out"),
        ("2026-11-19", "email", "in"),  # "so sorry, stuck in a board meeting"
    )
    ctx = make_context(history=replied, deal={"missed_appointment": "2026-11-19"})
    assert make_plan(ctx, playbook, dt.date(2026, 11, 20)).technique != "missed_appointment"


# --- 2. the rescue-call window -------------------------------------------------


def _rescue_history(first: str) -> list[dict[str, str]]:
    return touches(
        ("2026-10-20", "meeting", "in"),
        (first, "email", "out"),
        ("2026-11-11", "voicemail", "out"),
        ("2026-11-16", "email", "out"),
    )


@pytest.mark.parametrize("form", ["touches", "summary"])
def test_a_rep_who_opens_drafter_on_a_weekend_keeps_the_rescue_call(
    playbook: Playbook, form: str
) -> None:
    """Three messages over the 14 days to Saturday; Monday is day 16."""
    saturday = dt.date(2026, 11, 21)
    history = _rescue_history("2026-11-07")
    ctx = make_context(
        history=history if form == "touches" else as_summary(history),
        deal=NEXT_STEP,
        today=saturday,
    )
    plan = make_plan(ctx, playbook, saturday)
    assert (plan.technique, plan.send_on) == ("rescue_call", dt.date(2026, 11, 23))


def test_the_stay_or_go_email_takes_over_after_the_grace(playbook: Playbook) -> None:
    ctx = make_context(history=_rescue_history("2026-10-30"), deal=NEXT_STEP)
    assert make_plan(ctx, playbook, dt.date(2026, 11, 20)).technique == "rescue_call"  # day 21
    assert make_plan(ctx, playbook, dt.date(2026, 11, 23)).technique == "should_i_stay_or_go"


# --- 3. different means ----------------------------------------------------------


def test_six_phone_touches_are_one_means_not_two(playbook: Playbook) -> None:
    history = touches(
        *[(f"2026-11-{d:02d}", c, "out") for d, c in [(2, "call"), (5, "voicemail")]],
        *[(f"2026-11-{d:02d}", c, "out") for d, c in [(9, "call"), (12, "voicemail")]],
        *[(f"2026-11-{d:02d}", c, "out") for d, c in [(16, "call"), (19, "voicemail")]],
    )
    ctx = make_context(stage="cold", history=history)
    plan = make_plan(ctx, playbook, dt.date(2026, 11, 23))
    assert plan.technique != "final_approach"
    assert plan.facts["distinct_means"] == 1 and plan.facts["distinct_channels"] == 2
    final = next(a for a in plan.alternatives if a.technique == "final_approach")
    assert "different means tried" in final.why


def test_the_final_approach_goes_by_a_means_not_yet_tried(playbook: Playbook) -> None:
    """Calls, voicemails and a letter: the final approach is an email, not a
    seventh phone touch."""
    history = touches(
        ("2026-11-02", "call", "out"),
        ("2026-11-05", "voicemail", "out"),
        ("2026-11-10", "letter", "out"),
        ("2026-11-16", "voicemail", "out"),
    )
    ctx = make_context(stage="cold", history=history)
    plan = make_plan(ctx, playbook, dt.date(2026, 11, 23))
    assert (plan.technique, plan.channel) == ("final_approach", Channel.email)
    assert "a means not yet tried" in plan.rationale
    # both seed means already tried: the seed's own voicemail
    tried = touches(
        ("2026-11-02", "call", "out"),
        ("2026-11-09", "email", "out"),
        ("2026-11-16", "voicemail", "out"),
    )
    plan = make_plan(make_context(stage="cold", history=tried), playbook, dt.date(2026, 11, 23))
    assert (plan.technique, plan.channel) == ("final_approach", Channel.voicemail)
    # the prospect's own preference still wins
    pref = make_context(stage="cold", history=history, prospect={"preferred_channel": "phone"})
    assert make_plan(pref, playbook, dt.date(2026, 11, 23)).channel is Channel.voicemail


# --- 6. smaller things -------------------------------------------------------------


def test_a_rep_who_presented_weeks_ago_and_waited_asks_the_best_contact_question(
    playbook: Playbook,
) -> None:
    ctx = make_context(
        stage="proposal", history=touches(("2026-10-29", "meeting", "in")), deal=NEXT_STEP
    )
    plan = make_plan(ctx, playbook, dt.date(2026, 11, 23))  # 25 days, nothing sent since
    assert plan.technique == "best_contact_question"


def test_nothing_fits_yet_says_as_agreed_only_when_something_was_agreed(
    playbook: Playbook,
) -> None:
    # Issue 14: they told us how to reach them and nothing has gone to them since,
    # so a touch is due: the ordinary follow-up, never a wait that advises one.
    known = {"preferred_channel": "email", "best_time": "mornings"}
    history = touches(("2026-11-20", "meeting", "in"))
    plain = make_plan(
        make_context(history=history, prospect=known), playbook, dt.date(2026, 11, 23)
    )
    assert (plain.technique, plain.channel) == ("follow_up", Channel.email)
    assert "agreed" not in plain.rationale
    agreed = make_plan(
        make_context(history=history, prospect=known, deal=NEXT_STEP),
        playbook,
        dt.date(2026, 11, 23),
    )
    assert agreed.technique == "follow_up"
    assert "agreed" not in agreed.rationale  # the draft names the step (test_follow_up)


# --- 7. the README and docs stand alone ----------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_readme_and_docs_never_point_outside_the_project() -> None:
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text and "contract.md" not in text, doc.name
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if not target.startswith("http"):
                assert (doc.parent / target).exists(), f"{doc.name} links to {target}"


def test_sources_doc_names_every_article_and_its_figure(playbook: Playbook) -> None:
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    for source_id, source in playbook.settings.sources.items():
        assert source.title in text and source_id in text
        for part in (source.by or "").split(", "):
            assert part in text, part
    for technique in playbook.techniques.values():
        assert technique.source in playbook.settings.sources
        if technique.reported_response_rate is not None:
            assert f"{technique.reported_response_rate:.0%}".rstrip("%") in text


def test_plan_names_its_source_by_title(
    playbook: Playbook, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli_helpers import run_cli

    result = run_cli(capsys, "plan", str(ROOT / "examples" / "rescue_call.yaml"), "--json")
    plan = json.loads(result.out)
    assert plan["source"] == "002_0ec449f3ff175391.txt"
    assert plan["source_title"] == "They Won't Return Your Calls"
    human = run_cli(capsys, "plan", str(ROOT / "examples" / "rescue_call.yaml")).out
    assert "Source: “They Won't Return Your Calls”" in human
    listed = json.loads(run_cli(capsys, "playbook", "list", "--json").out)
    assert {r["id"]: r["source_title"] for r in listed}["humor_card"] == (
        "Which Last Ditch Message Works?"
    )


def test_context_doc_covers_every_context_key() -> None:
    from drafter.context import Deal, HistorySummary, Prospect, Sender, Touch

    text = (ROOT / "docs" / "context.md").read_text(encoding="utf-8")
    for model in (Sender, Prospect, Deal, Touch, HistorySummary):
        for key in model.model_fields:
            assert f"{key}" in text, f"{model.__name__}.{key}"


# --- 5. closing messages say what is pending ---------------------------------------


def test_three_stay_or_go_emails_for_three_deals_differ_and_name_what_waits(
    playbook: Playbook,
) -> None:
    from drafter.draft.templates import render_offline

    history = touches(
        ("2026-11-02", "meeting", "in"),
        ("2026-11-06", "email", "out"),
        ("2026-11-13", "call", "out"),
    )
    deals = {
        "step": ("engaged", {"agreed_next_step": "send feedback on the store designs"}),
        "proposal": ("proposal", {}),
        "offer": ("engaged", {"benefits": ["see stock levels across all six stores"]}),
    }
    bodies = {}
    for name, (stage, deal) in deals.items():
        ctx = make_context(stage=stage, history=history, deal=deal)
        plan = make_plan(ctx, playbook, dt.date(2026, 11, 23))
        # (with an agreed step on file the planner picks the rescue call first)
        assert plan.technique == ("rescue_call" if name == "step" else "should_i_stay_or_go")
        _, bodies[name] = render_offline(
            ctx,
            "should_i_stay_or_go",
            Channel.email,
            sender=ctx.sender,
            send_on=plan.send_on,
            templates_dir=playbook.path / "templates",
        )
    assert "our next step was to send feedback on the store designs" in bodies["step"]
    assert "about the proposal" in bodies["proposal"]
    assert "see stock levels across all six stores" in bodies["offer"]
    assert len(set(bodies.values())) == 3
    # one email and one call: nothing about "my emails" or "filling your inbox"
    for body in bodies.values():
        assert "my emails" not in body and "inbox" not in body


def test_a_final_approach_names_the_proposal_and_the_letter_its_year(playbook: Playbook) -> None:
    from drafter.draft.templates import render_offline

    history = touches(
        ("2026-10-05", "call", "out"),
        ("2026-10-12", "email", "out"),
        ("2026-10-19", "voicemail", "out"),
        ("2026-10-26", "email", "out"),
        ("2026-11-09", "call", "out"),
    )
    ctx = make_context(
        stage="cold",
        history=history,
        deal={"agreed_next_step": "book a demo with your team"},
        prospect={"mailing_address": "200 Pier Road, Portland ME"},
    )
    for technique, channel in (
        ("final_approach", Channel.voicemail),
        ("humor_card", Channel.letter),
    ):
        _, body = render_offline(
            ctx,
            technique,
            channel,
            sender=ctx.sender,
            send_on=dt.date(2026, 11, 23),
            templates_dir=playbook.path / "templates",
        )
        assert "our next step, to book a demo with your team," in body
    assert "Monday 23 November 2026" in body


def test_a_crm_summary_keeps_spacing_from_earlier_touches_around_a_missed_day(
    playbook: Playbook,
) -> None:
    """Summary form: the call at the appointment time is not spaced from, but the
    email the day before still is (spacing 1 lets the email go the same day)."""
    summary = {
        "attempts": 2,
        "channels_tried": ["email", "call"],
        "first_attempt": "2026-11-18",
        "last_attempt": "2026-11-19",
        "last_reply": "2026-11-10",
    }
    ctx = make_context(history=summary, deal={"missed_appointment": "2026-11-19"})
    plan = make_plan(ctx, playbook, dt.date(2026, 11, 19))
    assert (plan.technique, plan.send_on) == ("missed_appointment", dt.date(2026, 11, 19))
    assert plan.facts["days_since_last_touch"] == 1
