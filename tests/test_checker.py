"""The tone checker: each rule type, technique-aware rules, offsets, stats, settings."""

from __future__ import annotations

import pytest

from drafter.check.checker import CheckReport, Violation, check_message, format_report
from drafter.context import Channel
from drafter.errors import InputError
from drafter.settings import CheckSettings


def words(n: int) -> str:
    """A plain text of ``n`` words, in short sentences."""
    return " ".join(["We can talk soon."] * (n // 4))


GUILT = (
    "Hi Bob. I'm starting to feel like I'm becoming a pest. Maybe I've done something to upset you."
)


def rules_hit(report: CheckReport, severity: str | None = None) -> set[str]:
    return {v.rule for v in report.violations if severity is None or v.severity == severity}


def only(report: CheckReport, rule: str) -> Violation:
    found = [v for v in report.violations if v.rule == rule]
    assert len(found) == 1, report.violations
    return found[0]


# --- the report ------------------------------------------------------------


def test_report_is_the_contract_shape() -> None:
    report = check_message("Just checking in. Any news?", channel=Channel.email)
    data = report.model_dump(mode="json")
    assert set(data) == {"ok", "violations", "stats"}
    assert set(data["stats"]) == {"words", "est_seconds", "reading_grade"}
    violation = data["violations"][0]
    assert {"rule", "severity", "message", "start", "end", "excerpt", "suggestion"} <= set(
        violation
    )
    assert data["ok"] is False
    assert violation["rule"] == "no-just-checking-in"
    assert violation["excerpt"] == "Just checking in"


def test_ok_exactly_when_no_error() -> None:
    clean = check_message(
        "Hi Jon, could we find 15 minutes this week? Thanks, Ana", channel=Channel.email
    )
    assert clean.ok and clean.violations == []
    warned = check_message("Hi Jon, could we talk this week?? Thanks", channel=Channel.email)
    assert warned.ok and rules_hit(warned) == {"repeated-punctuation"}
    with pytest.raises(ValueError, match="ok must be false"):
        CheckReport(
            ok=True,
            violations=[only(check_message("Just checking in."), "no-just-checking-in")],
            stats=clean.stats,
        )


def test_offsets_and_excerpts_point_into_the_body() -> None:
    body = "Hi Priya,\n\nAs per my last email, the quote stands.\nWhen are you in?"
    report = check_message(body, channel=Channel.email)
    for v in report.violations:
        assert body[v.start : v.end] == v.excerpt
    per = only(report, "no-per-my-last-email")
    assert (per.start, per.end, per.line, per.column) == (11, 31, 3, 1)
    threat = only(report, "no-persistence-threat")
    assert threat.excerpt == "When are you in?"
    assert (threat.line, threat.column) == (4, 1)


def test_curly_quotes_match_and_keep_offsets() -> None:
    body = "Hi Ana — I’ve been waiting to hear back. You promised."
    report = check_message(body)
    found = [v for v in report.violations if v.rule == "no-resentment"]
    assert [v.excerpt for v in found] == ["I’ve been waiting to hear", "You promised"]
    assert all(body[v.start : v.end] == v.excerpt for v in found)


def test_subject_violations_say_so() -> None:
    report = check_message(
        "Hi Marcus, the pilot plan is attached.",
        channel=Channel.email,
        subject="URGENT: last chance to join the pilot",
    )
    subject = [v for v in report.violations if v.field == "subject"]
    assert {v.excerpt for v in subject} == {"URGENT", "last chance"}
    assert all(v.severity == "error" for v in subject)
    urgent = next(v for v in subject if v.excerpt == "URGENT")
    assert (urgent.start, urgent.end) == (0, 6)
    assert "shouting" not in rules_hit(report)  # the same word: the error wins
    assert report.violations[0].field == "subject"  # subject first


def test_stats() -> None:
    body = "Hi Bob, it's Dana. Call me at 416 555 0199. Thanks."
    report = check_message(body, channel=Channel.voicemail)
    # 11 words; the 3 numbers are read digit by digit: 11 - 3 + 10 = 18 spoken words
    assert report.stats.words == 11
    assert report.stats.est_seconds == pytest.approx(18 / 150 * 60, abs=0.05)
    assert 0 <= report.stats.reading_grade < 4
    assert check_message("   ").stats.words == 0


# --- rule types --------------------------------------------------------------


def test_existence_and_exceptions() -> None:
    assert "no-fake-urgency" in rules_hit(check_message("This is urgent: reply today."))
    assert "no-fake-urgency" not in rules_hit(check_message("Nothing urgent, reply when you can."))
    assert "no-fake-urgency" not in rules_hit(check_message("It's not at all urgent."))
    assert "no-fake-urgency" not in rules_hit(check_message("No hurry at all."))


def test_whole_words_only() -> None:
    assert rules_hit(check_message("I won the lotterymania prize draw", semantic=False)) == set()
    assert "no-deception" in rules_hit(check_message("Claim your prize-draw entry"))


def test_substitution_suggests_the_replacement() -> None:
    report = check_message("Can we touch base at your earliest convenience?", semantic=False)
    assert {v.rule for v in report.violations} == {"plain-words"}
    assert all(v.severity == "suggestion" for v in report.violations)
    suggestions = {v.excerpt: v.suggestion for v in report.violations}
    assert suggestions == {
        "touch base": "talk",
        "at your earliest convenience": "when you have a moment",
    }
    assert (
        report.violations[0].message == "“talk” rather than “touch base”: plain words read faster."
    )


def test_occurrence_limits() -> None:
    report = check_message("Great news! The pilot worked! Can we talk! Thanks", semantic=False)
    v = only(report, "exclamation-marks")
    assert v.severity == "warning"
    assert v.message.startswith("3 exclamation marks")
    assert v.excerpt == "!" and v.start == report.violations[0].start
    assert "exclamation-marks" not in rules_hit(check_message("Great news! The pilot worked."))
    many = "Let me know. Call me. Reply here. Book a time. Thanks."
    assert "repeated-call-to-action" in rules_hit(check_message(many))
    questions = "Did it work? Was it fast? Is it live? Who owns it? Thanks."
    assert "question-marks" in rules_hit(check_message(questions))


def test_shouting_but_not_acronyms() -> None:
    report = check_message(
        "This is a FREE upgrade. ACT NOW or don't. Our SOC 2 and HIPAA work, CEO to CEO."
    )
    shouted = {v.excerpt for v in report.violations if v.rule == "shouting"}
    assert shouted == {"FREE"}  # ACT NOW is fake urgency (an error, same words)
    assert "no-fake-urgency" in rules_hit(report)
    assert rules_hit(check_message("Our ROI model, the CFO deck and the SOC 2 report.")) == set()


def test_allow_list_spares_a_company_name_in_capitals() -> None:
    body = "Hi Jo, the NORTHWIND team has the numbers ready."
    assert "shouting" in rules_hit(check_message(body))
    assert "shouting" not in rules_hit(
        check_message(body, settings=CheckSettings(allow=["Northwind"]))
    )


@pytest.mark.parametrize(
    ("channel", "count", "rule", "severity"),
    [
        (Channel.email, 160, "email-length", "warning"),
        (Channel.email, 260, "email-too-long", "error"),
        (Channel.voicemail, 120, "voicemail-length", "warning"),
        (Channel.call, 120, "call-opener-length", "warning"),
        (Channel.voicemail, 300, "voicemail-too-long", "error"),
        (Channel.linkedin, 130, "linkedin-length", "warning"),
        (Channel.letter, 260, "letter-length", "warning"),
    ],
)
def test_length_per_channel(channel: Channel, count: int, rule: str, severity: str) -> None:
    v = only(check_message(words(count), channel=channel), rule)
    assert v.severity == severity
    assert (v.start, v.end, v.excerpt) == (0, 0, "")
    assert rules_hit(check_message(words(40), channel=channel)) == set()


def test_length_rules_need_the_channel() -> None:
    assert rules_hit(check_message(words(300))) == set()


def test_voicemail_seconds_use_the_stated_rate() -> None:
    # 120 words at 150 wpm: 48 s, over the 45 s of a plain voicemail...
    body = words(120)
    assert "voicemail-length" in rules_hit(check_message(body, channel=Channel.voicemail))
    # ...and within the rescue call's minute.
    rescue = check_message(body, channel=Channel.voicemail, technique="rescue_call")
    assert not {"voicemail-length", "rescue-call-length"} & rules_hit(rescue)
    long_rescue = check_message(words(170), channel=Channel.voicemail, technique="rescue_call")
    assert "rescue-call-length" in rules_hit(long_rescue, "warning")


def test_call_opener_length_times_only_the_opener() -> None:
    """The voicemail fallback and what follows the first blank line are not the opener."""
    opener = "Hi Bob, it's Dana from Northwind. Have you got a minute?"
    script = f"{opener}\n\nThe point: {words(120)}\n\nIf it goes to voicemail: {words(100)}"
    assert "call-opener-length" not in rules_hit(check_message(script, channel=Channel.call))
    fallback = f"{opener} {words(80)}\nIf you get voicemail: {words(120)}"
    assert "call-opener-length" not in rules_hit(check_message(fallback, channel=Channel.call))
    long_opener = f"{opener} {words(120)}\nVoicemail: {words(20)}"
    v = only(check_message(long_opener, channel=Channel.call), "call-opener-length")
    assert v.message.startswith("About 52.4 s before they can speak")  # 131 words at 150 wpm


def test_text_characters_and_subject_length() -> None:
    v = only(check_message("x" * 170, channel=Channel.text), "text-length")
    assert v.message.startswith("170 characters")
    assert "text-too-long" in rules_hit(check_message("word " * 70, channel=Channel.text), "error")
    report = check_message(
        "Hi.", channel=Channel.email, subject="A very long subject line that goes on and on and on"
    )
    v = only(report, "subject-length")
    assert v.field == "subject"


def test_readability_is_a_suggestion_on_long_enough_texts() -> None:
    hard = (
        "Considering organisational interdependencies, comprehensive implementation "
        "methodologies necessitate sophisticated infrastructural harmonisation. "
    ) * 4
    v = only(check_message(hard, channel=Channel.email), "readability-grade")
    assert v.severity == "suggestion"
    short = "Organisational interdependencies necessitate harmonisation."
    assert "readability-grade" not in rules_hit(check_message(short))


@pytest.mark.parametrize(
    ("body", "rule", "excerpt"),
    [
        ("Hi [Name], thanks.", "placeholder-brackets", "[Name]"),
        ("Hi <<First Name>>, thanks.", "placeholder-brackets", "<<First Name>>"),
        (
            "We agreed to (specify what you agreed to do).",
            "placeholder-brackets",
            "(specify what you agreed to do)",
        ),
        ("Hi {{ name }}, thanks.", "template-syntax", "{{ name }}"),
        ("Hi {first_name}, thanks.", "template-syntax", "{first_name}"),
        ("Hi %FIRSTNAME%, thanks.", "template-syntax", "%FIRSTNAME%"),
        ("Hi *|FNAME|*, thanks.", "template-syntax", "*|FNAME|*"),
        ("_____ I haven't heard back.", "blank-placeholder", "_____"),
        ("We help you BENEFIT and BENEFIT.", "placeholder-word", "BENEFIT"),
        ("TODO: a case study.", "placeholder-word", "TODO"),
        ("Hi None, thanks.", "placeholder-word", "None"),
        ("Saves $XX,XXX a year.", "placeholder-word", "XX"),
        ("Hi FIRST_NAME, thanks.", "placeholder-word", "FIRST_NAME"),
    ],
)
def test_template_debris(body: str, rule: str, excerpt: str) -> None:
    report = check_message(body, channel=Channel.email)
    found = [v for v in report.violations if v.rule == rule]
    assert found and found[0].excerpt == excerpt and found[0].severity == "error"


def test_debris_rules_leave_real_text_and_the_reply_card_alone() -> None:
    assert check_message(
        "None of these options fit? Reply with [x] or a [link](https://x.example)."
    ).ok
    card = "Tick one:\n[ ] Kidnapped by aliens\n[ ] Buried in work\nDate: ______ Time: ______"
    assert "blank-placeholder" not in rules_hit(check_message(card, channel=Channel.letter))
    assert "blank-placeholder" not in rules_hit(check_message(card, technique="humor_card"))
    assert "blank-placeholder" in rules_hit(check_message(card, channel=Channel.email))


# --- the technique -----------------------------------------------------------


def test_guilt_is_flagged_outside_the_rescue_call() -> None:
    final = check_message(GUILT, channel=Channel.voicemail, technique="final_approach")
    guilt = [v for v in final.violations if v.rule == "no-guilt-trip"]
    assert [v.excerpt for v in guilt] == [
        "feel like I'm becoming a pest",
        "I've done something to upset you",
    ]
    assert all(v.severity == "error" for v in guilt)
    rescue = check_message(GUILT, channel=Channel.voicemail, technique="rescue_call")
    assert "no-guilt-trip" not in rules_hit(rescue)
    # Without a technique the rule applies: the rescue call must be named to use it.
    assert "no-guilt-trip" in rules_hit(check_message(GUILT))


def test_confusion_is_guilt_only_about_their_silence() -> None:
    for body in (
        "I must admit I'm a little confused. We agreed on a pilot.",
        "I'm a little confused: we agreed on a pilot and haven't spoken since.",
        "I'm confused about why we haven't connected since the demo.",
    ):
        assert "no-guilt-trip" in rules_hit(check_message(body)), body
    for body in (
        "I'm a little confused by the pricing sheet you sent.",
        "I'm a bit puzzled by the invoice numbering; is it per site?",
    ):
        assert check_message(body).ok, body


def test_waiting_is_resentment_only_when_it_is_on_them() -> None:
    for body in (
        "I've been waiting patiently for your reply.",
        "I've been waiting to hear back for three weeks.",
        "I'm still waiting for your answer.",
        "I've been waiting.",
    ):
        assert "no-resentment" in rules_hit(check_message(body)), body
    for body in (
        "I've been waiting for legal to finish the MSA.",
        "We're still waiting on legal's redlines.",
    ):
        assert check_message(body).ok, body


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("Just a friendly nudge about my previous email.", "no-just-checking-in"),
        ("This is a quick reminder about my last email.", "no-just-checking-in"),
        ("I'll be reaching out to your boss next week.", "no-persistence-threat"),
        ("If I can't reach you by Friday, I'm going to escalate this.", "no-persistence-threat"),
        ("Pricing increases next month, so you'll want to lock in today.", "no-fake-urgency"),
        ("URGENT: please read", "no-fake-urgency"),
        ("This is urgent.", "no-fake-urgency"),
        ("Please call me back urgently.", "no-fake-urgency"),
        ("I need an answer by end of day.", "no-deadline-demand"),
        ("Hello? Hello? Is this thing on?", "no-repeated-chase"),
        ("I've sent you 3 emails and left 2 voicemails.", "no-counting-messages"),
        ("I'm calling from the lottery winnings office.", "no-deception"),
        ("As I already said, the price holds.", "no-per-my-last-email"),
        ("As I mentioned in my last email, the price holds.", "no-per-my-last-email"),
        ("Should I take your silence as a sign you were never serious?", "no-character-assumption"),
    ],
)
def test_variants_of_the_reviewed_misses_are_errors(body: str, rule: str) -> None:
    assert rule in rules_hit(check_message(body), "error")


@pytest.mark.parametrize(
    "body",
    [
        "A friendly reminder that our meeting is tomorrow at 10.",
        "I'd be happy to walk your CFO through the numbers.",
        "Our prices go up in January; the current quote is attached for your records.",
        "We need a decision from the board before the audit.",
        "Did it arrive? Could you confirm the address?",
        "Are you too busy this week? Next week works too.",
        "Our urgent-care partners love it.",
        "There's a sense of urgency on our side because the grant closes in June.",
        "As previously discussed, the pilot is free.",
        "If I don't hear back by Friday, I'll assume the timing is wrong and close the file.",
        "When are you in the office next week? I'd like to drop off the samples.",
        "I've left a few messages.",
    ],
)
def test_ordinary_sentences_near_the_rules_are_not_errors(body: str) -> None:
    assert check_message(body, channel=Channel.email).ok, body


def test_counting_calls_is_a_warning_counting_messages_left_an_error() -> None:
    assert rules_hit(check_message("I've called you 6 times.")) == {"no-counting-attempts"}
    report = check_message("I've left you 6 voicemails and 4 emails.")
    assert only(report, "no-counting-messages").severity == "error"


def test_resentment_is_flagged_even_in_the_rescue_call() -> None:
    report = check_message("You promised to call back.", technique="rescue_call")
    assert "no-resentment" in rules_hit(report)


def test_required_moves_only_with_a_technique() -> None:
    body = "Hi Priya, we've launched a new dashboard. Want a demo?"
    assert "move:last_email_nudge:asks_if_received" not in rules_hit(check_message(body))
    report = check_message(body, channel=Channel.email, technique="last_email_nudge")
    v = only(report, "move:last_email_nudge:asks_if_received")
    assert v.severity == "error" and not report.ok
    assert (v.start, v.end, v.excerpt) == (0, 0, "")
    fixed = check_message(
        "Hi Priya, did you get my last email?", channel=Channel.email, technique="last_email_nudge"
    )
    assert fixed.ok


def test_moves_respect_their_channels_and_levels() -> None:
    body = (
        "Hi Bob, I'm a little confused: we agreed the next step was the CFO review. Maybe you went "
        "in another direction. An update would help me close the file."
    )
    voicemail = check_message(body, channel=Channel.voicemail, technique="rescue_call")
    assert rules_hit(voicemail, "error") == {"move:rescue_call:callback_number"}
    call = check_message(body, channel=Channel.call, technique="rescue_call")
    assert call.ok  # the callback number is a voicemail move


def test_moves_search_the_subject_too() -> None:
    body = (
        "Hi Ana, one of three things: you chose another vendor, you're still interested but short "
        "of time, or you're on a beach. Let me know which one it is; I only want to follow up "
        "accordingly."
    )
    # A move about the subject line is checked only when a subject is given.
    without = check_message(body, channel=Channel.email, technique="should_i_stay_or_go")
    assert "move:should_i_stay_or_go:stay_or_go_subject" not in rules_hit(without)
    other = check_message(
        body, channel=Channel.email, technique="should_i_stay_or_go", subject="Quick question"
    )
    assert "move:should_i_stay_or_go:stay_or_go_subject" in rules_hit(other, "error")
    with_subject = check_message(
        body,
        channel=Channel.email,
        technique="should_i_stay_or_go",
        subject="Should I stay or should I go?",
    )
    assert with_subject.ok, with_subject.violations


# --- settings ----------------------------------------------------------------


def test_disable_min_level_and_move_prefixes() -> None:
    body = "Just checking in!! Any thoughts yet?"
    assert "no-just-checking-in" not in rules_hit(
        check_message(body, settings=CheckSettings(disable=["no-just-checking-in"]))
    )
    errors_only = check_message(body, settings=CheckSettings(min_level="error"))
    # The rules catch "Just checking in"; only the semantic layer catches "Any thoughts yet?".
    assert rules_hit(errors_only) == {"no-just-checking-in", "semantic:empty_followup"}
    no_semantic = CheckSettings(min_level="error", disable=["semantic"])
    assert rules_hit(check_message(body, settings=no_semantic)) == {"no-just-checking-in"}
    one_bank = CheckSettings(min_level="error", disable=["semantic:empty_followup"])
    assert rules_hit(check_message(body, settings=one_bank)) == {"no-just-checking-in"}
    nudge = check_message(
        "Hi there.", technique="last_email_nudge", settings=CheckSettings(disable=["move"])
    )
    assert nudge.ok
    scoped = CheckSettings(disable=["move:last_email_nudge"])
    assert check_message("Hi there.", technique="last_email_nudge", settings=scoped).ok


def test_allow_phrase() -> None:
    report = check_message(
        "Just checking in on the pilot.", settings=CheckSettings(allow=["checking in"])
    )
    assert report.ok


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"technique": "nope"}, "technique"),
        ({"channel": "fax"}, "channel"),
        ({"settings": CheckSettings(disable=["no-just-chekcing-in"])}, "check.disable"),
        ({"settings": CheckSettings(disable=["move:nope"])}, "check.disable"),
    ],
)
def test_bad_input_is_an_input_error(kwargs: dict[str, object], key: str) -> None:
    with pytest.raises(InputError) as info:
        check_message("Hi.", **kwargs)  # type: ignore[arg-type]
    assert info.value.key == key


def test_format_report() -> None:
    report = check_message("Hi Bob,\nJust checking in!!", channel=Channel.email, subject="URGENT")
    text = format_report(report, "draft.txt")
    lines = text.splitlines()
    assert lines[0].startswith("draft.txt:subject:1  error  no-fake-urgency  ")
    assert "draft.txt:2:1  error  no-just-checking-in  " in text
    assert "    | Just checking in" in text
    assert lines[-1].startswith("draft.txt: fails: 2 errors, 1 warning, 0 suggestions (")


# --- the second review: variants of its sentences that are in neither set ---


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (
            "This is the third time I'm asking about the quote, for the 5th time now.",
            "no-tallying-attempts",
        ),
        ("Two emails, and no reply.", "no-tallying-attempts"),
        ("I have tried phoning, writing and messaging you on LinkedIn.", "no-tallying-attempts"),
        ("My last two emails went unanswered.", "no-tallying-attempts"),
        ("You are deliberately dodging my calls.", "no-character-assumption"),
        ("It seems you're ignoring me.", "no-character-assumption"),
        ("Clearly you're not the person in charge.", "no-character-assumption"),
        ("My patience is wearing thin.", "no-impatience"),
        ("I'm amazed you still haven't replied.", "no-impatience"),
        ("Have you gone completely silent on me?", "no-impatience"),
        ("Is it too much to ask for a reply?", "no-impatience"),
        ("I absolutely need your decision.", "no-deadline-demand"),
        ("I need an answer from you.", "no-deadline-demand"),
        ("I need to hear back from you ASAP.", "no-deadline-demand"),
        ("Sorry to be such a pest, but any news?", "no-guilt-trip"),
        (
            "Have you had a chance to read it? Have you had a chance to forward it?",
            "no-repeated-chase",
        ),
        ("Your competition has already switched to us.", "no-fomo"),
        ("Your team is falling further behind every quarter.", "no-fomo"),
        ("Nobody wants to be left behind.", "no-fomo"),
        ("Can't you even spare 10 minutes?", "no-time-pressure"),
        ("Everyone has five minutes.", "no-time-pressure"),
        ("We'll take your silence as agreement.", "no-silence-as-consent"),
        ("If we don't hear back by Monday, we'll take that as a yes.", "no-silence-as-consent"),
        (
            "If I don't get a reply, I'll renew the contract for another year.",
            "no-silence-as-consent",
        ),
        ("We can only reserve these seats until noon tomorrow.", "no-fake-urgency"),
        ("The discount is only valid till midnight.", "no-fake-urgency"),
        ("Final notice: reply now to keep your slot.", "no-fake-urgency"),
        ("This is your final notice.", "no-fake-urgency"),
        ("I'll ring you tomorrow, then every morning after that.", "no-persistence-threat"),
    ],
)
def test_variants_of_the_second_review_are_errors(body: str, rule: str) -> None:
    assert rule in rules_hit(check_message(body), "error"), body


@pytest.mark.parametrize(
    "body",
    [
        "The third time we ran the pilot, onboarding took half as long.",
        "Two emails and the deck are attached, as promised.",
        "I've tried calling the number on your site, but it seems out of date.",
        "My last few emails had the wrong attachment, sorry; here is the right one.",
        "You're avoiding the migration cost entirely with the hosted plan.",
        "I'm surprised how quickly your team picked it up.",
        "It would be great to hear how the pilot went.",
        "Sorry for the radio silence on my side: I was out last week.",
        "The market has gone quiet since the rate change.",
        "I need an answer on whether SSO is in scope before I can price it.",
        "Please reply ASAP if the address has changed.",
        "I don't want to be a pest, so this is my last note.",
        "Did you get a chance to look at the proposal? If not, no rush.",
        "Your competitors' filings are public, so I pulled the numbers you asked about.",
        "Our release fell behind schedule, so the demo moves to May.",
        "If you're not the decision maker, who should I speak with?",
        "We're in Boston tomorrow and the day after, if you'd like to meet.",
        "The hotel can only hold the room block until June 3, so I booked it for both teams.",
        "The quote is valid until the end of the month.",
        "I'm only available until noon today, so Thursday may suit you better.",
        "If I don't hear back by Friday, I'll assume the timing is wrong and close the file.",
        "The regulator sent a final warning to the whole sector last year.",
    ],
)
def test_ordinary_sentences_near_the_second_review_rules_are_not_errors(body: str) -> None:
    assert check_message(body, channel=Channel.email).ok, body


def test_minimising_their_time_is_a_warning() -> None:
    report = check_message("It only takes a minute of your time.", channel=Channel.email)
    assert report.ok and only(report, "time-minimising").severity == "warning"
    assert "time-minimising" not in rules_hit(
        check_message("Could you spare 15 minutes next week?")
    )


def test_the_guilt_opener_is_the_rescue_calls_own() -> None:
    body = "I hate to be a pest, but did you get a chance to read the proposal?"
    assert "no-guilt-trip" in rules_hit(check_message(body), "error")
    rescue = check_message(body, technique="rescue_call")
    assert "no-guilt-trip" not in rules_hit(rescue)
