"""The CRM's words for stages and channels map to the model's values through
one documented table (playbook/vocabulary.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafter.context import Channel, PreferredChannel, Stage
from drafter.errors import PlaybookError
from drafter.loading import validate
from drafter.vocabulary import (
    UnknownWord,
    Vocabulary,
    load_vocabulary,
    normalise_channel,
    normalise_stage,
)
from tests.cli_helpers import run_cli


@pytest.mark.parametrize(
    ("word", "stage"),
    [
        ("Demo", "engaged"),
        ("Qualified", "engaged"),
        ("Contract Sent", "proposal"),
        ("contract_sent", "proposal"),
        ("Closed Lost", "cold"),
        ("Negotiation/Review", "proposal"),
        ("ENGAGED", "engaged"),
        ("cold", "cold"),
    ],
)
def test_crm_stage_words_map(word: str, stage: str) -> None:
    assert normalise_stage(word) == stage


@pytest.mark.parametrize(
    ("word", "channel"),
    [
        ("demo", "meeting"),
        ("phone", "call"),
        ("E-mail", "email"),
        ("SMS", "text"),
        ("vm", "voicemail"),
    ],
)
def test_crm_channel_words_map(word: str, channel: str) -> None:
    assert normalise_channel(word) == channel


def test_an_unknown_word_lists_the_accepted_values() -> None:
    with pytest.raises(UnknownWord) as info:
        normalise_stage("warm")
    assert "'warm'" in str(info.value)
    assert "cold, engaged, proposal" in str(info.value)
    assert "vocabulary.yaml" in str(info.value)


def test_a_table_cannot_map_one_word_two_ways() -> None:
    with pytest.raises(PlaybookError, match="cannot mean both"):
        validate(
            Vocabulary,
            {"stage": {"cold": ["demo"], "engaged": ["demo"]}},
            path="v.yaml",
            error=PlaybookError,
        )
    with pytest.raises(PlaybookError, match="not one of drafter's values"):
        validate(Vocabulary, {"stage": {"warm": ["x"]}}, path="v.yaml", error=PlaybookError)


def test_a_team_playbook_adds_its_own_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from drafter.playbook import default_playbook_dir

    book = tmp_path / "book"
    shutil.copytree(default_playbook_dir(), book)
    (book / "vocabulary.yaml").write_text("stage:\n  engaged: [Stage 3 - Solutioning]\n")
    assert load_vocabulary(book).normalise("stage", "stage 3 solutioning") == "engaged"
    ctx = tmp_path / "deal.json"
    ctx.write_text(
        json.dumps(
            {
                "today": "2026-11-23",
                "prospect": {"name": "Li Wei", "company": "W"},
                "deal": {"stage": "Stage 3 - Solutioning"},
            }
        )
    )
    result = run_cli(capsys, "plan", str(ctx), "--json", "--playbook", str(book))
    assert result.code == 0, result.err
    assert json.loads(result.out)["facts"]["stage"] == "engaged"
    # without the team's table, the word is unknown
    result = run_cli(capsys, "plan", str(ctx))
    assert result.code == 2
    assert "deal.stage" in result.err and "Solutioning" in result.err


def test_context_files_read_crm_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = tmp_path / "deal.yaml"
    ctx.write_text(
        "today: 2026-11-23\n"
        "prospect: {name: Li Wei, company: W, preferred_channel: call}\n"
        "deal: {stage: Contract Sent}\n"
        "history:\n"
        "  - {date: 2026-11-02, channel: demo, direction: in}\n"
        "  - {date: 2026-11-05, channel: phone, direction: out}\n"
    )
    result = run_cli(capsys, "plan", str(ctx), "--json")
    assert result.code == 0, result.err
    facts = json.loads(result.out)["facts"]
    assert facts["stage"] == "proposal"
    assert facts["channels_tried"] == ["call"]


def test_several_problems_are_all_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = tmp_path / "deal.yaml"
    ctx.write_text(
        "prospect: {name: Li Wei, company: W}\n"
        "deal: {stage: demoo}\n"
        "history:\n"
        "  - {date: 2026-11-05, channel: pigeon, direction: out}\n"
    )
    result = run_cli(capsys, "plan", str(ctx))
    assert result.code == 2
    line = result.err.strip()
    assert len(line.splitlines()) == 1
    assert "deal.stage" in line and "'demoo'" in line
    assert "history[0].channel" in line and "'pigeon'" in line
    assert "more problem:" in line


def test_drafter_s_own_words_are_themselves_under_any_vocabulary() -> None:
    """The model's word validators let drafter's own values skip the table:
    what every table (built in, or a team's) says of them anyway."""
    from drafter.context import DealContext, HistorySummary

    team = Vocabulary(
        stage={"cold": ["new", "Engaged Lead"], "proposal": ["quote"]},
        channel={"call": ["phone", "Email Call"], "meeting": ["demo"]},
        preferred_channel={"phone": ["call", "Text Me"], "in_person": ["in person"]},
    )
    for vocabulary in (load_vocabulary(), team):
        for kind, values in (
            ("stage", [s.value for s in Stage]),
            ("channel", [c.value for c in Channel]),
            ("preferred_channel", [p.value for p in PreferredChannel]),
        ):
            for value in values:
                assert vocabulary.normalise(kind, value) == value
        data = {
            "prospect": {"name": "Ana", "company": "Acme", "preferred_channel": "in_person"},
            "deal": {"stage": "engaged"},
            "history": {
                "attempts": 2,
                "channels_tried": ["email", "text"],
                "last_attempt": "2026-11-10",
            },
        }
        ctx = DealContext.model_validate(data, context={"vocabulary": vocabulary})
        assert ctx.deal.stage is Stage.engaged
        assert ctx.prospect.preferred_channel is PreferredChannel.in_person
        assert isinstance(ctx.history, HistorySummary)
        assert ctx.history.channels_tried == [Channel.email, Channel.text]
    # a word that is not drafter's own still goes through the table it is given
    data = {"prospect": {"name": "Ana", "company": "Acme"}, "deal": {"stage": "quote"}}
    ctx = DealContext.model_validate(data, context={"vocabulary": team})
    assert ctx.deal.stage is Stage.proposal
