"""The eval suite: the assertion types (each can fail), the suite format's
errors, fingerprints, baseline comparison and the reports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from drafter.check.rules import load_rules
from drafter.context import DealContext
from drafter.draft.pipeline import draft_deal
from drafter.errors import SuiteError
from drafter.eval.assertions import Grade, Outcome, PromptInfo, grade, score
from drafter.eval.fingerprint import changed, fingerprint
from drafter.eval.report import compare, format_junit, format_markdown, format_terminal
from drafter.eval.suite import Assertion, AssertionSpec, Known, load_suite
from drafter.playbook import Playbook
from drafter.settings import Settings
from tests.conftest import SENDER, make_context, touches

ROOT = Path(__file__).resolve().parents[1]
RESCUE = make_context(
    deal={"agreed_next_step": "review the pilot plan with your CFO", "notes": "offer 90% off"},
    history=touches(
        ("2026-10-28", "meeting", "in"),
        ("2026-11-10", "voicemail", "out"),
        ("2026-11-14", "email", "out"),
        ("2026-11-18", "voicemail", "out"),
    ),
    today=dt.date(2026, 11, 23),
)


def outcome(
    playbook: Playbook,
    ctx: DealContext = RESCUE,
    channel: str | None = None,
    **extra: Any,
) -> Outcome:
    from drafter.context import Channel, Sender
    from drafter.runtime import build_runtime

    result = draft_deal(
        ctx,
        build_runtime(Settings(), playbook, offline=True),
        ctx.today or dt.date(2026, 11, 23),
        channel=Channel(channel) if channel else None,
    )
    return Outcome(
        ctx=ctx,
        sender=Sender.model_validate(SENDER),
        plan=result.plan,
        draft=result.draft,
        check=result.check,
        **extra,
    )


def check(a: dict[str, Any], out: Outcome, *, from_defaults: bool = False) -> bool | None:
    return grade(AssertionSpec(Assertion.model_validate(a), from_defaults), out).passed


# Each assertion type: one spec that passes on the rescue-call voicemail and one
# that fails on it (the negated form where the type has one).
CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"type": "technique", "value": "rescue_call"}, {"type": "technique", "value": ["move_on"]}),
    (
        {"type": "not-technique", "value": "move_on"},
        {"type": "not-technique", "value": "rescue_call"},
    ),
    ({"type": "channel", "value": ["voicemail", "call"]}, {"type": "channel", "value": "email"}),
    (
        {"type": "send-on", "value": "2026-11-23"},
        {"type": "send-on", "value": {"from": "2026-11-24"}},
    ),
    (
        {"type": "not-send-on", "value": {"to": "2026-11-22"}},
        {"type": "not-send-on", "value": {"to": "2026-11-23"}},
    ),
    ({"type": "then", "value": "move_on"}, {"type": "then", "value": "final_approach"}),
    ({"type": "contains", "value": "Bob"}, {"type": "contains", "value": "bob"}),
    ({"type": "icontains", "value": "BOB"}, {"type": "icontains", "value": "90% off"}),
    ({"type": "not-icontains", "value": "90% off"}, {"type": "not-icontains", "value": "confused"}),
    ({"type": "regex", "value": r"\d{3} \d{3} \d{4}"}, {"type": "regex", "value": "^Dear"}),
    ({"type": "not-regex", "value": "(?i)discount"}, {"type": "not-regex", "value": "(?i)pest"}),
    ({"type": "max-words", "value": 500}, {"type": "max-words", "value": 20}),
    ({"type": "max-seconds", "value": 300}, {"type": "max-seconds", "value": 10}),
    ({"type": "tone-ok"}, {"type": "not-tone-ok"}),
    (
        {"type": "not-rule", "value": "no-fake-urgency"},
        {"type": "rule", "value": "no-fake-urgency"},
    ),
    (
        {"type": "mentions", "value": "deal.agreed_next_step"},
        {"type": "mentions", "value": "deal.notes"},
    ),
    (
        {"type": "mentions", "value": "sender.phone"},
        {"type": "not-mentions", "value": "prospect.first_name"},
    ),
]


@pytest.mark.parametrize(("good", "bad"), CASES, ids=[g["type"] for g, _ in CASES])
def test_each_assertion_type_passes_and_can_fail(
    playbook: Playbook, good: dict[str, Any], bad: dict[str, Any]
) -> None:
    out = outcome(playbook)
    assert out.plan.technique == "rescue_call"
    assert check(good, out) is True
    assert check(bad, out) is False


def test_rule_fires_on_a_bad_message(playbook: Playbook) -> None:
    from drafter.check.checker import check_message
    from drafter.draft.pipeline import Draft

    out = outcome(playbook)
    body = "Just checking in! Offer expires TODAY."
    bad = Outcome(
        ctx=out.ctx,
        sender=out.sender,
        plan=out.plan,
        draft=Draft(
            technique="rescue_call",
            channel="voicemail",
            subject=None,
            body=body,
            provider="offline",
        ),
        check=check_message(body, channel="voicemail", technique="rescue_call", rules=load_rules()),
    )
    assert check({"type": "rule", "value": "no-just-checking-in"}, bad) is True
    assert check({"type": "tone-ok"}, bad) is False
    assert check({"type": "rule", "value": "move:rescue_call"}, bad) is True  # moves missing
    assert check({"type": "mentions", "value": "deal.agreed_next_step"}, bad) is False


def test_prompt_cost_and_rubric_assertions(playbook: Playbook) -> None:
    offline = outcome(playbook)
    for spec in (
        {"type": "max-prompt-tokens", "value": 10},
        {"type": "prompt-data-only"},
        {"type": "max-cost", "value": 0},
        {"type": "llm-rubric", "value": "is kind"},
    ):
        assert check(spec, offline) is None  # skipped, with a note, not passed
    live = outcome(
        playbook,
        live=True,
        prompt=PromptInfo(
            tokens=900, exact=True, data_only_problems=("notes outside the data block",)
        ),
        cost_usd=0.002,
        grades={"is kind": Grade(0.3, False, "it nags")},
    )
    assert check({"type": "max-prompt-tokens", "value": 1000}, live) is True
    assert check({"type": "max-prompt-tokens", "value": 899}, live) is False
    assert check({"type": "prompt-data-only"}, live) is False
    assert check({"type": "max-cost", "value": 0.01}, live) is True
    assert check({"type": "max-cost", "value": 0.001}, live) is False
    assert check({"type": "llm-rubric", "value": "is kind"}, live) is False


def test_text_assertions_without_a_draft(playbook: Playbook) -> None:
    waiting = make_context(
        prospect={"away_until": "2026-12-07"},
        history=touches(("2026-11-02", "meeting", "in"), ("2026-11-16", "email", "out")),
        today=dt.date(2026, 11, 23),
    )
    out = outcome(playbook, waiting)
    assert out.draft is None
    spec = {"type": "not-icontains", "value": "urgent"}
    assert check(spec, out) is False  # the case asked about a draft there is none of
    assert check(spec, out, from_defaults=True) is None  # a default: skipped


def test_score_is_weighted_and_ignores_skipped(playbook: Playbook) -> None:
    out = outcome(playbook)
    results = [
        grade(AssertionSpec(Assertion.model_validate(a), False), out)
        for a in (
            {"type": "technique", "value": "rescue_call", "weight": 3},
            {"type": "channel", "value": "email", "weight": 1},
            {"type": "llm-rubric", "value": "x", "weight": 100},
        )
    ]
    assert score(results) == 0.75


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "techniqe", "value": "x"}, "unknown assertion type"),
        ({"type": "not-max-words", "value": 3}, "cannot be negated"),
        ({"type": "regex", "value": "("}, "does not compile"),
        ({"type": "channel", "value": "fax"}, "unknown channel"),
        ({"type": "mentions", "value": "deal.secret"}, "mentions: value must be"),
        ({"type": "tone-ok", "value": 3}, "takes no value"),
        ({"type": "max-words", "value": "ten"}, "max-words: value must be"),
        ({"type": "contains", "value": "x", "wieght": 2}, "unknown key"),
    ],
)
def test_bad_assertions_are_named(tmp_path: Path, spec: dict[str, Any], message: str) -> None:
    suite = tmp_path / "s.yaml"
    case = {
        "id": "the-case",
        "context_file": str(ROOT / "examples/rescue_call.yaml"),
        "assert": [spec],
    }
    suite.write_text(json.dumps({"cases": [case]}))
    with pytest.raises(SuiteError) as err:
        load_suite(suite, _known())
    text = str(err.value)
    assert "case 'the-case'" in text and str(suite) in text and message in text, text


def _known() -> Known:
    from drafter.playbook import load_playbook

    book = load_playbook()
    return Known(frozenset(book.techniques), load_rules(book.path).knows)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ({"id": "c", "assert": [{"type": "tone-ok"}]}, "exactly one of context and context_file"),
        ({"id": "c", "context_file": "nope.yaml", "assert": [{"type": "tone-ok"}]}, "no such file"),
        (
            {
                "id": "c",
                "context": {"prospect": {"name": "A"}, "deal": {"stage": "cold"}},
                "assert": [{"type": "tone-ok"}],
            },
            "context.prospect.company",
        ),
        (
            {
                "id": "c",
                "context_file": "{ex}",
                "assert": [{"type": "technique", "value": "rescue_cal"}],
            },
            "unknown technique",
        ),
        (
            {
                "id": "c",
                "context_file": "{ex}",
                "assert": [{"type": "rule", "value": "no-such-rule"}],
            },
            "unknown rule id",
        ),
        ({"id": "c", "context_file": "{ex}", "assert": []}, "at least one assertion"),
        ({"id": "c", "context_file": "{ex}", "asert": []}, "unknown key"),
    ],
)
def test_bad_cases_are_named(tmp_path: Path, case: dict[str, Any], message: str) -> None:
    if case.get("context_file") == "{ex}":
        case["context_file"] = str(ROOT / "examples/rescue_call.yaml")
    suite = tmp_path / "s.yaml"
    suite.write_text(json.dumps({"cases": [case]}))
    with pytest.raises(SuiteError) as err:
        load_suite(suite, _known())
    assert "case 'c'" in str(err.value) and message in str(err.value), str(err.value)


def test_duplicate_ids_and_two_pass_rates(tmp_path: Path) -> None:
    case = {
        "id": "c",
        "context_file": str(ROOT / "examples/rescue_call.yaml"),
        "assert": [{"type": "tone-ok"}],
    }
    (tmp_path / "a.yaml").write_text(json.dumps({"pass_rate": 0.9, "cases": [case]}))
    (tmp_path / "b.yaml").write_text(json.dumps({"cases": [case]}))
    with pytest.raises(SuiteError, match="duplicate case id"):
        load_suite(tmp_path, _known())
    (tmp_path / "b.yaml").write_text(json.dumps({"pass_rate": 0.5, "cases": [{**case, "id": "d"}]}))
    with pytest.raises(SuiteError, match="pass_rate is already set"):
        load_suite(tmp_path, _known())


def test_patch_merges_over_the_referenced_context(tmp_path: Path) -> None:
    case = {
        "id": "c",
        "context_file": str(ROOT / "examples/rescue_call.yaml"),
        "patch": {"prospect": {"name": "Zoë Field"}, "deal": {"notes": "hi"}},
        "assert": [{"type": "tone-ok"}],
    }
    (tmp_path / "s.yaml").write_text(json.dumps({"cases": [case]}))
    loaded = load_suite(tmp_path, _known()).cases[0]
    assert loaded.ctx.prospect.name == "Zoë Field"
    assert loaded.ctx.prospect.company == "Acme Logistics"  # kept from the file
    assert loaded.ctx.deal.notes == "hi"


def test_fingerprint_names_what_changed(tmp_path: Path) -> None:
    import shutil

    book = tmp_path / "playbook"
    shutil.copytree(ROOT / "playbook", book)
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    (prompts / "system.j2").write_text("Be kind.")
    before = fingerprint(book, prompts, None)
    assert fingerprint(book, prompts, None) == before  # stable
    (prompts / "system.j2").write_text("Be kind and brief.")
    after = fingerprint(book, prompts, None)
    assert changed(before, after) == ["prompts"] and after["id"] != before["id"]
    (book / "templates/rescue_call/voicemail.j2").write_text("Hi.")
    edited = fingerprint(book, prompts, None)
    assert changed(after, edited) == ["templates"]
    assert changed(edited, fingerprint(book, prompts, "gpt-4o-mini")) == ["model"]


def _report(cases: list[dict[str, Any]], fp: str = "a") -> dict[str, Any]:
    from drafter.eval.report import totals

    full = []
    for c in cases:
        full.append(
            {
                "id": c["id"],
                "file": "evals/x.yaml",
                "description": None,
                "tags": [],
                "status": "pass" if c["passed"] else "fail",
                "passed": c["passed"],
                "holds": c["passed"],
                "score": c.get("score", 1.0 if c["passed"] else 0.5),
                "threshold": 1.0,
                "xfail": None,
                "technique": "rescue_call",
                "channel": "voicemail",
                "send_on": "2026-11-23",
                "prompt_tokens": c.get("tokens"),
                "cost_usd": None,
                "seconds": 0.01,
                "error": None,
                "runs": 1,
                "passed_runs": int(c["passed"]),
                "draft_sha": c.get("sha", "x"),
                "assertions": [
                    {"label": "technique rescue_call", "passed": c["passed"], "detail": "got x"}
                ],
            }
        )
    return {
        "schema": "drafter-eval",
        "version": 1,
        "suite": "evals",
        "mode": "offline",
        "model": None,
        "fingerprint": {
            "id": fp,
            "prompts": fp,
            "templates": "t",
            "techniques": "p",
            "rules": "r",
            "model": None,
        },
        "ok": all(c["passed"] for c in cases),
        "totals": totals(full, 1.0),
        "cases": full,
        "comparison": None,
    }


def test_comparison_case_by_case() -> None:
    before = _report(
        [
            {"id": "kept", "passed": True, "tokens": 800},
            {"id": "broke", "passed": True, "tokens": 700},
            {"id": "fixed", "passed": False, "tokens": 700},
            {"id": "gone", "passed": True},
        ],
        fp="a",
    )
    after = _report(
        [
            {"id": "kept", "passed": True, "tokens": 850, "sha": "y"},
            {"id": "broke", "passed": False, "tokens": 700},
            {"id": "fixed", "passed": True, "tokens": 690},
            {"id": "added", "passed": True},
        ],
        fp="b",
    )
    cmp = compare(after, before, "evals/baseline.json")
    assert cmp["regressions"] == ["broke"]
    assert cmp["improvements"] == ["fixed"]
    assert cmp["new"] == ["added"] and cmp["removed"] == ["gone"]
    assert cmp["fingerprint_changed"] == ["prompts"]
    assert cmp["text_changed"] == ["kept"]
    rows = {r["id"]: r for r in cmp["cases"]}
    assert rows["kept"]["token_delta"] == 50 and rows["fixed"]["token_delta"] == -10
    assert cmp["totals"]["prompt_tokens"]["delta"] == 40
    after["comparison"] = cmp
    md = format_markdown(after)
    assert "changed **prompts**" in md and "| `broke` | regression |" in md and "+40" in md
    text = format_terminal(after)
    assert "1 regressions, 1 improvements" in text and "tokens 800 -> 850 (+50)" in text


def test_junit_xml_is_parseable_and_counts() -> None:
    report = _report([{"id": "ok", "passed": True}, {"id": "bad", "passed": False}])
    root = ET.fromstring(format_junit(report))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    failed = [tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is not None]
    assert failed == ["bad"]
