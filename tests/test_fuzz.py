"""Fuzzing (issue 9): the loader, the planner, the offline renderer and the
checker over generated inputs.

Seeded and bounded: every test here runs under the ``ci`` hypothesis profile
(tests/conftest.py: derandomized, a fixed number of examples, no example
database), so a run is reproducible and the fuzzers together stay well under a
minute. ``DRAFTER_FUZZ=deep`` runs ten times as many examples locally. Every
failing example they found became a regular test (tests/test_hostile.py and
the ``@example`` lines below).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from drafter.check.checker import check_message
from drafter.context import Channel, DealContext, Direction, Sender
from drafter.draft.templates import render_offline
from drafter.errors import DrafterError, InputError
from drafter.inputs import check_context, load_context, resolve_today
from drafter.plan.selector import make_plan
from drafter.playbook import Playbook, load_playbook

PLAYBOOK = load_playbook()
TODAY = dt.date(2026, 11, 23)
CHANNELS = [c.value for c in Channel]
MESSAGE_TECHNIQUES = [t.id for t in PLAYBOOK.ordered if t.kind == "message"]
DEBRIS_RULES = {"placeholder-brackets", "template-syntax", "blank-placeholder", "placeholder-word"}
SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------------------
# Strategies: contexts a CRM could hand us, in both history forms.

# Words as people write them: letters of any script, capitalised (no ALL-CAPS
# word, which the checker rightly reads as a leftover placeholder such as TODO).
_LETTERS = st.characters(categories=["Ll"], exclude_characters="ǅǈǋǲ")
_word = st.builds(
    lambda head, tail: head.upper() + tail,
    _LETTERS.filter(lambda c: c.upper() != c and len(c.upper()) == 1),
    st.text(_LETTERS, max_size=9),
).filter(lambda w: w not in ("None", "Null", "Nan"))
_name = st.lists(_word, min_size=1, max_size=3).map(" ".join)
_lower_words = st.lists(st.text(_LETTERS, min_size=1, max_size=8), min_size=1, max_size=6)
_phrase = _lower_words.map(lambda ws: "review " + " ".join(ws))  # a verb phrase
_day = st.integers(min_value=-120, max_value=0).map(lambda d: TODAY + dt.timedelta(days=d))
_any_text = st.text(max_size=200)


def _iso(day: dt.date) -> str:
    return day.isoformat()


@st.composite
def touch_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    items = draw(
        st.lists(
            st.tuples(
                _day,
                st.sampled_from(CHANNELS),
                st.sampled_from(["out", "out", "out", "in"]),
                st.none() | st.sampled_from(MESSAGE_TECHNIQUES),
            ),
            max_size=12,
        )
    )
    out = []
    for day, channel, direction, technique in items:
        touch: dict[str, Any] = {"date": _iso(day), "channel": channel, "direction": direction}
        if technique is not None and direction == "out":
            touch["technique"] = technique
        out.append(touch)
    return out


@st.composite
def summaries(draw: st.DrawFn) -> dict[str, Any]:
    attempts = draw(st.integers(min_value=0, max_value=15))
    data: dict[str, Any] = {"attempts": attempts}
    data["channels_tried"] = draw(st.lists(st.sampled_from(CHANNELS), unique=True, max_size=4))
    if attempts:
        last = draw(_day)
        first = last - dt.timedelta(days=draw(st.integers(0, 60)))
        data["last_attempt"] = _iso(last)
        if draw(st.booleans()):
            data["first_attempt"] = _iso(first)
        if draw(st.booleans()):
            data["last_technique"] = draw(st.sampled_from(MESSAGE_TECHNIQUES))
        if draw(st.booleans()):
            data["last_reply"] = _iso(first - dt.timedelta(days=draw(st.integers(0, 90))))
    elif draw(st.booleans()):
        data["last_reply"] = _iso(draw(_day))
    return data


@st.composite
def contexts(draw: st.DrawFn, *, text: st.SearchStrategy[str] = _name) -> dict[str, Any]:
    """A context as a CRM export holds it: valid in shape, varied in content."""
    maybe = lambda strategy: draw(st.none() | strategy)  # noqa: E731
    prospect: dict[str, Any] = {"name": draw(text), "company": draw(text)}
    extras = {
        "title": maybe(text),
        "email": maybe(st.just("someone@example.com")),
        "phone": maybe(st.just("+1 555 0100")),
        "mailing_address": maybe(text),
        "role": maybe(st.sampled_from(["decision_maker", "influencer", "unknown"])),
        "preferred_channel": maybe(
            st.sampled_from(["email", "phone", "text", "in_person", "assistant"])
        ),
        "best_time": maybe(st.just("before 9am")),
        "away_until": maybe(st.integers(-5, 40).map(lambda d: _iso(TODAY + dt.timedelta(days=d)))),
    }
    prospect |= {k: v for k, v in extras.items() if v is not None}
    deal: dict[str, Any] = {"stage": draw(st.sampled_from(["cold", "engaged", "proposal"]))}
    deal_extras = {
        "value": maybe(st.integers(0, 10_000_000)),
        "agreed_next_step": maybe(_phrase),
        "missed_appointment": maybe(_day.map(_iso)),
        "benefits": maybe(st.lists(_phrase, max_size=3)),
        "news": maybe(_phrase),
        "notes": maybe(_any_text),
    }
    deal |= {k: v for k, v in deal_extras.items() if v is not None}
    history = draw(touch_lists() | summaries())
    return {"today": _iso(TODAY), "prospect": prospect, "deal": deal, "history": history}


def _valid(data: dict[str, Any]) -> DealContext:
    """The context, or the example is discarded when the loader (rightly) refuses it."""
    try:
        ctx = check_context(data, PLAYBOOK, path="fuzz.json")
        resolve_today(ctx, None, TODAY)
    except InputError:
        assume(False)
        raise
    return ctx


# ---------------------------------------------------------------------------
# The loader: both file formats, both history forms; valid or one clear error.


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


_junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@st.composite
def mangled(draw: st.DrawFn) -> Any:
    """A context with one key replaced by junk, one key dropped, or junk outright."""
    data = draw(contexts())
    how = draw(st.sampled_from(["replace", "drop", "junk", "keep"]))
    if how == "junk":
        return draw(_junk)
    section = draw(st.sampled_from(["prospect", "deal", "history", None]))
    target = data if section is None or not isinstance(data[section], dict) else data[section]
    key = draw(st.sampled_from(sorted(target)))
    if how == "replace":
        target[key] = draw(_junk)
    elif how == "drop":
        del target[key]
    return data


@SLOW
@given(data=mangled(), suffix=st.sampled_from([".json", ".yaml"]))
@example(data={"prospect": {"name": "A", "company": "B"}, "deal": {"stage": "x"}}, suffix=".yaml")
def test_the_loader_accepts_or_names_the_problem(
    tmp_path_factory: pytest.TempPathFactory, data: Any, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("ctx") / f"deal{suffix}"
    data = _jsonable(data)
    if suffix == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        ctx = load_context(path, PLAYBOOK)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and str(path) in message
        assert "Traceback" not in message
        return
    assert isinstance(ctx, DealContext)


@SLOW
@given(data=contexts())
def test_json_and_yaml_read_the_same_context(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("both")
    (folder / "deal.json").write_text(json.dumps(data), encoding="utf-8")
    (folder / "deal.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    outcomes = []
    for name in ("deal.json", "deal.yaml"):
        try:
            outcomes.append(load_context(folder / name, PLAYBOOK).model_dump())
        except InputError as exc:
            outcomes.append(str(exc).replace(str(folder / name), "FILE"))
    assert outcomes[0] == outcomes[1]


# ---------------------------------------------------------------------------
# The planner: any valid context yields a valid, honest plan.


def _unanswered_closing(ctx: DealContext, playbook: Playbook) -> bool:
    """Independently of the planner: did a closing message go out unanswered?"""
    if isinstance(ctx.history, list):
        replies = [t.date for t in ctx.history if t.direction is Direction.in_]
        last_reply = max(replies, default=None)
        return any(
            t.technique in playbook.closing
            for t in ctx.history
            if t.direction is Direction.out and (last_reply is None or t.date > last_reply)
        )
    return ctx.history.attempts > 0 and ctx.history.last_technique in playbook.closing


@SLOW
@given(data=contexts())
def test_any_valid_context_yields_a_valid_plan(data: dict[str, Any]) -> None:
    ctx = _valid(data)
    plan = make_plan(ctx, PLAYBOOK, TODAY)
    technique = PLAYBOOK.techniques[plan.technique]  # a known technique
    assert plan.send_on >= TODAY
    steps = [(plan.technique, plan.send_on), *((s.technique, s.send_on) for s in plan.then)]
    days = [d for _, d in steps]
    assert days == sorted(days)
    kinds = [PLAYBOOK.techniques[t].kind for t, _ in steps]
    if _unanswered_closing(ctx, PLAYBOOK):
        assert set(kinds) <= {"wait", "stop"}, steps
    # never a touch after a closing message (planned or in the road ahead)
    closing_at = [i for i, (t, _) in enumerate(steps) if t in PLAYBOOK.closing]
    if closing_at:
        after = kinds[closing_at[0] + 1 :]
        assert "message" not in after, steps
    if technique.kind == "message":
        assert plan.channel in technique.channels
        assert plan.send_on.strftime("%a").lower() in PLAYBOOK.settings.working_days


# ---------------------------------------------------------------------------
# The offline renderer: any valid context renders without template debris.


_PAIRS = [(t.id, c) for t in PLAYBOOK.ordered if t.kind == "message" for c in t.channels]


@SLOW
@given(
    data=contexts(),
    pair=st.sampled_from(_PAIRS),
    sender=st.sampled_from([None, "Dana Reyes"]),
)
def test_any_valid_context_renders_without_debris(
    data: dict[str, Any], pair: tuple[str, Channel], sender: str | None
) -> None:
    """Every technique's template on every channel (the planner would choose
    few of them for random contexts), sent today."""
    ctx = _valid(data)
    technique, channel = pair
    who = Sender(name=sender, company="Northwind", phone="+1 416 555 0199")
    subject, body = render_offline(
        ctx,
        technique,
        channel,
        sender=who,
        send_on=TODAY,
        templates_dir=PLAYBOOK.path / "templates",
    )
    report = check_message(body, channel=channel, technique=technique, subject=subject)
    debris = [(v.rule, v.excerpt) for v in report.violations if v.rule in DEBRIS_RULES]
    assert not debris, body
    notes = (data["deal"].get("notes") or "").strip()
    assert len(notes) < 12 or notes not in body  # notes are never copied into a draft


# ---------------------------------------------------------------------------
# The checker: never crashes; offsets inside the text; any script.

_RTL = "مرحبا بك، هل لديك وقت للحديث؟ שלום, מה שלומך?"
_EMOJI = "👍🏽 🚀 👨‍👩‍👧‍👦 🇨🇦 ❤️"
_message_text = st.text(max_size=400) | st.lists(
    st.sampled_from(
        [
            "Just checking in",
            "ASAP!!!",
            _RTL,
            _EMOJI,
            "{{ name }}",
            "[Name]",
            "\u200f",
            "\x00",
            "\r\n",
            "I hope this finds you well.",
            "Ｉ ｈｏｐｅ",
            "İstanbul",
            "ß",
        ]
    ),
    max_size=30,
).map(" ".join)


def _assert_sane(report: Any, body: str, subject: str | None) -> None:
    lines = {
        part: [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        for part, text in (("body", body), ("subject", subject or ""))
    }
    for v in report.violations:
        text = subject if v.field == "subject" else body
        assert text is not None
        assert 0 <= v.start <= v.end <= len(text), v
        assert v.excerpt == text[v.start : v.end]
        starts = lines[v.field]
        line = bisect.bisect_right(starts, v.start)
        assert (v.line, v.column) == (line, v.start - starts[line - 1] + 1)


@SLOW
@given(
    body=_message_text,
    subject=st.none() | _message_text,
    channel=st.none() | st.sampled_from(list(Channel)),
    technique=st.none() | st.sampled_from(MESSAGE_TECHNIQUES),
)
@example(body="\u0130" * 3 + " just checking in", subject=None, channel=None, technique=None)
def test_the_checker_never_crashes_and_points_inside_the_text(
    body: str, subject: str | None, channel: Channel | None, technique: str | None
) -> None:
    report = check_message(body, channel=channel, technique=technique, subject=subject)
    _assert_sane(report, body, subject)
    again = check_message(body, channel=channel, technique=technique, subject=subject)
    assert again == report  # stable


def test_the_checker_handles_a_one_megabyte_body() -> None:
    """One 1 MB body whose lines take turns: right-to-left script, emoji, a
    phrase the rules flag, plain text."""
    pieces = [_RTL, _EMOJI, "Just checking in!!! ", "ok. "]
    block = "".join(piece + " I wanted to follow up. " + _EMOJI + "\n" for piece in pieces)
    body = block * (1_000_000 // len(block.encode("utf-8")) + 1)
    assert len(body.encode("utf-8")) >= 1_000_000
    report = check_message(body, channel=Channel.email)
    _assert_sane(report, body, None)
    # every "checking in" is reported, at its own line
    flagged = sorted(v.line for v in report.violations if v.rule == "no-just-checking-in")
    lines = body.splitlines()
    assert flagged == [n for n, line in enumerate(lines, 1) if "checking in" in line]
    assert flagged[-1] == len(lines) - 1


def _outermost_pairwise(found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The checker's rule, written the obvious quadratic way (the reference)."""
    from drafter.check.rules import LEVEL_RANK

    ranked = sorted(found, key=lambda rf: (-LEVEL_RANK[rf[0].level], rf[1].start - rf[1].end))
    kept: list[tuple[Any, Any]] = []
    for rule, f in ranked:
        inside = f.end > f.start and any(
            g.part == f.part and g.start <= f.start and f.end <= g.end and other is not rule
            for other, g in kept
            if g.end > g.start
        )
        if not inside:
            kept.append((rule, f))
    return kept


@given(
    spans=st.lists(
        st.tuples(
            st.integers(0, 3),
            st.sampled_from(["body", "subject"]),
            st.integers(0, 60),
            st.integers(0, 12),
        ),
        max_size=40,
    )
)
def test_the_outermost_finding_index_agrees_with_the_pairwise_rule(
    spans: list[tuple[int, str, int, int]],
) -> None:
    """Found when a 1 MB paste took seven minutes to check: one finding per
    passage was decided pairwise (and each line number counted from the top)."""
    from drafter.check.checker import _outermost
    from drafter.check.rules import Finding, load_rules

    every = load_rules().rules
    rules = [
        *[r for r in every if r.level == "error"][:2],
        next(r for r in every if r.level == "warning"),
        next(r for r in every if r.level == "suggestion"),
    ]
    found = [
        (rules[r], Finding(part, start, start + length, "m", None))  # type: ignore[arg-type]
        for r, part, start, length in spans
    ]
    assert _outermost(found) == _outermost_pairwise(found)


@given(
    spans=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 8)), max_size=30),
    start=st.integers(0, 40),
    length=st.integers(0, 8),
)
def test_the_span_index_agrees_with_the_pairwise_overlap(
    spans: list[tuple[int, int]], start: int, length: int
) -> None:
    """A semantic finding is dropped when a rule's finding overlaps it; that
    was asked pairwise (minutes for a 1 MB paste), now by bisection."""
    from drafter.check.checker import _Spans

    pairs = [(s, s + n) for s, n in spans]
    end = start + length
    expected = any(s < end and start < e for s, e in pairs)
    assert _Spans(pairs).overlaps(start, end) is expected


def test_a_checker_error_is_a_drafter_error_not_a_crash() -> None:
    with pytest.raises(DrafterError):
        check_message("hi", technique="no_such_technique")


# the hypothesis profile is what bounds this module's time
def test_the_ci_profile_is_seeded_and_bounded() -> None:
    current = settings.default
    assert current.derandomize is True and current.database is None
    assert current.max_examples <= 200


# ---------------------------------------------------------------------------
# The batch CSV reader: any bytes give rows or one clear error; what a CSV
# writer wrote is read back cell for cell, BOM or not, CRLF or LF.

_cell = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)


@SLOW
@given(
    rows=st.lists(st.lists(_cell, min_size=3, max_size=3), max_size=8),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_the_csv_reader_reads_back_what_a_csv_writer_wrote(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], bom: bool, crlf: bool
) -> None:
    import csv
    import io

    from drafter.batch.reader import records

    # A bare CR in an unquoted cell is not CSV that any CRM writes (Python's
    # writer leaves it unquoted only when lines end in LF alone): the reader
    # refuses that with one clear error, tested below.
    assume(crlf or not any("\r" in c for r in rows for c in r))
    header = ["Record ID", "Full Name", "Company Name"]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    got_header, got = records(path)
    assert list(got_header) == header
    expected = [r for r in rows if any(c.strip() for c in r)]  # blank records are skipped
    assert [r.cells for r in got] == expected


@SLOW
@given(content=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
@example(content=b'a,b\n"unclosed,1\n')
@example(content=b"Record ID,Full Name,Company\n,,\r0\n")  # a bare CR, unquoted
@example(content=b"\xff\xfea\x00,\x00b\x00")
def test_the_csv_reader_gives_rows_or_one_clear_error(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    from drafter.batch.reader import records

    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_bytes(content)
    try:
        _, rows = records(path)
        for row in rows:
            assert row.row >= 1 and row.line >= 2
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
