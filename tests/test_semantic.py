"""The semantic layer beside the rules (drafter.check.semantic): it loads the
packaged model offline, catches each category in words no rule lists, knows the
technique, and a rep's own message gets missing moves as advice."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from drafter.check.checker import CheckReport, check_message
from drafter.check.rules import load_rules
from drafter.check.semantic import _units, load_semantic, read_safetensors, without_names
from drafter.context import Channel
from drafter.errors import PlaybookError
from drafter.playbook import default_playbook_dir
from drafter.settings import CheckSettings
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def semantic_hits(report: CheckReport) -> dict[str, str]:
    return {v.rule: v.severity for v in report.violations if v.rule.startswith("semantic:")}


def flagged(report: CheckReport) -> bool:
    return any(v.severity in ("error", "warning") for v in report.violations)


# --- loading, offline -----------------------------------------------------------

OFFLINE_LOAD = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network is unreachable in this test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from drafter.check.semantic import load_embedder, load_semantic
vectors = load_embedder().embed(["Just checking in.", "Any update on this?"])
layer = load_semantic()
hits = layer.find("Circling back once again on this.")
print(vectors.shape, round(float((vectors ** 2).sum(axis=1).min()), 3),
      "wordllama" in sys.modules, "requests" in sys.modules, [h.category for h in hits])
"""


def test_the_model_loads_from_packaged_files_with_downloads_impossible(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HOME": str(tmp_path),  # an empty home: no download cache to fall back on
        "HF_HUB_OFFLINE": "1",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_LOAD], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "(2, 256) 1.0 False False ['empty_followup']"
    assert not (tmp_path / ".cache").exists()


def test_read_safetensors_reads_float16_and_float32(tmp_path: Path) -> None:
    for dtype, name in ((np.float16, "F16"), (np.float32, "F32")):
        table = np.arange(12, dtype=dtype).reshape(3, 4)
        header = json.dumps(
            {
                "embedding.weight": {
                    "dtype": name,
                    "shape": [3, 4],
                    "data_offsets": [0, table.nbytes],
                }
            }
        ).encode()
        path = tmp_path / f"t_{name}.safetensors"
        path.write_bytes(struct.pack("<Q", len(header)) + header + table.tobytes())
        read = read_safetensors(path)
        assert read.dtype == np.float32 and read.tolist() == table.astype(np.float32).tolist()


def test_rules_only_never_loads_the_model(tmp_path: Path) -> None:
    msg = tmp_path / "m.txt"
    msg.write_text("Just checking in.\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "drafter", "check", str(msg), "--rules-only"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    modules = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert {"numpy", "tokenizers", "drafter.check.semantic", "openai"}.isdisjoint(modules)


def test_sentences() -> None:
    text = 'Hi Bob,\n\nIf it goes to voicemail: "Call me." This is one long sentence, with a clause, and another clause that goes on for words.'
    spans, chunks = _units(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces == [
        "Hi Bob,", "If it goes to voicemail:", '"Call me."',
        "This is one long sentence, with a clause, and another clause that goes on for words.",
    ]  # fmt: skip
    assert all(c == p.split() for c, p in zip(chunks, pieces, strict=True))


# --- each category, in words no rule lists ----------------------------------------


@pytest.mark.parametrize(
    ("category", "sentence"),
    [
        ("empty_followup", "Just ringing about my message."),
        ("empty_followup", "Circling back once again on this."),
        ("empty_followup", "Any thoughts yet?"),
        ("resignation_guilt", "I won't keep wasting my words then."),
        ("resignation_guilt", "Guess you're just not interested then."),
        ("deadline_pressure", "Your answer is due by five today."),
        ("deadline_pressure", "Tomorrow morning is your deadline to answer."),
        ("tallying", "Seven emails and still not a word."),
        ("tallying", "I've left you several messages now without a reply."),
        ("self_centred", "Our software is simply the best there is."),
        ("self_centred", "Nobody in payroll is bigger than us."),
        ("blame", "You must be too busy to read my emails."),
        ("blame", "You clearly never read my emails."),
        ("deception", "This isn't a sales call, I promise."),
        ("cliche", "Hoping you are having a wonderful week."),
        ("empty_followup", "Just ringing to chase my message."),
        ("resignation_guilt", "Looks like this deal is dead then."),
    ],
)
def test_each_category_is_caught_only_by_its_layer(category: str, sentence: str) -> None:
    assert not flagged(check_message(sentence, semantic=False)), sentence
    report = check_message(sentence)
    assert f"semantic:{category}" in semantic_hits(report), report.violations
    (v,) = [v for v in report.violations if v.rule == f"semantic:{category}"]
    assert v.excerpt == sentence and v.message.startswith("Reads like ")
    assert "like: “" in v.message and v.suggestion


def test_the_finding_is_the_sentence_in_a_longer_message() -> None:
    body = "Hi Ana,\n\nThe revised quote is attached. Any thoughts yet?\n\nThanks, Dana"
    report = check_message(body, channel=Channel.email)
    (v,) = [v for v in report.violations if v.rule.startswith("semantic:")]
    assert v.excerpt == "Any thoughts yet?" and body[v.start : v.end] == v.excerpt
    assert (v.line, v.column) == (3, 32)


def test_a_passage_the_rules_flag_is_not_flagged_twice() -> None:
    report = check_message("Just checking in.")
    assert [v.rule for v in report.violations] == ["no-just-checking-in"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Would Tuesday or Thursday work better for a short call?",
        "I've attached the case study from a team your size.",
        "If the timing is wrong, tell me and I'll close the file.",
        "Thanks again for the tour of the plant last week.",
    ],
)
def test_ordinary_sentences_are_not_flagged(sentence: str) -> None:
    assert semantic_hits(check_message(sentence, channel=Channel.email)) == {}


def test_a_sentence_is_judged_whole() -> None:
    """ "I haven't heard back" alone is near the bad examples; inside an honest
    close it is not a finding, while a long bad sentence still is."""
    honest = (
        "I haven't heard back, so I'll assume the timing isn't right "
        "and close out my notes for now."
    )
    assert semantic_hits(check_message(honest, channel=Channel.email)) == {}
    layer = load_semantic()
    assert layer.find("I haven't heard back.")
    assert not layer.find(honest)
    long_bad = (
        "Any update on the proposal I sent you, by the way, since the last time I wrote to you?"
    )
    assert [h.category for h in layer.find(long_bad)] == ["empty_followup"]


# --- technique-aware -----------------------------------------------------------------


def test_tallying_is_allowed_where_the_technique_says_so() -> None:
    sentence = "I've left you several messages now without a reply."
    assert "semantic:tallying" in semantic_hits(check_message(sentence))
    for technique in ("final_approach", "rescue_call"):
        report = check_message(
            sentence, technique=technique, settings=CheckSettings(disable=["move"])
        )
        assert "semantic:tallying" not in semantic_hits(report), technique


def test_the_rescue_call_may_sound_hurt() -> None:
    sentence = "Guess you're just not interested then."
    assert "semantic:resignation_guilt" in semantic_hits(check_message(sentence))
    report = check_message(
        sentence, technique="rescue_call", settings=CheckSettings(disable=["move"])
    )
    assert "semantic:resignation_guilt" not in semantic_hits(report)


def test_the_humor_cards_reply_options_are_the_prospects_words() -> None:
    option = "Please take me off your list."
    assert "semantic:resignation_guilt" in semantic_hits(check_message(option))
    report = check_message(option, technique="humor_card", settings=CheckSettings(disable=["move"]))
    assert "semantic:resignation_guilt" not in semantic_hits(report)


# --- required moves: advice for a rep, errors for drafter's drafts --------------------

PARTIAL_FINAL = (
    "Hi Carla, it's Dana from Northwind. I'd still like to show you the reporting pilot."
)


def test_missing_moves_are_warnings_on_a_reps_message_and_errors_in_drafts() -> None:
    draft = check_message(PARTIAL_FINAL, channel=Channel.voicemail, technique="final_approach")
    moves = {v.rule: v.severity for v in draft.violations if v.rule.startswith("move:")}
    assert "error" in moves.values() and not draft.ok
    rep = check_message(
        PARTIAL_FINAL, channel=Channel.voicemail, technique="final_approach", moves_as_advice=True
    )
    advice = {v.rule: v.severity for v in rep.violations if v.rule.startswith("move:")}
    assert advice.keys() == moves.keys() and set(advice.values()) == {"warning"}
    assert all(v.suggestion for v in rep.violations if v.rule.startswith("move:"))


def test_drafter_check_reports_missing_moves_as_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_cli(
        capsys,
        "check",
        "-",
        "--channel",
        "voicemail",
        "--technique",
        "final_approach",
        "--json",
        stdin=PARTIAL_FINAL,
    )
    assert result.code == 0, result.out
    report = json.loads(result.out)
    assert report["ok"] is True
    assert {v["severity"] for v in report["violations"] if v["rule"].startswith("move:")} == {
        "warning"
    }


# --- the banks are data ------------------------------------------------------------


def copy_playbook(tmp_path: Path, *, exemplars: bool = True) -> Path:
    target = tmp_path / "playbook"
    shutil.copytree(default_playbook_dir(), target)
    if not exemplars:
        shutil.rmtree(target / "exemplars")
    return target


def test_a_team_can_extend_a_bank(tmp_path: Path) -> None:
    book = copy_playbook(tmp_path)
    sentence = "Our quarterly brochure is attached for your files."
    assert semantic_hits(check_message(sentence, rules=load_rules(book))) == {}
    bank = book / "exemplars" / "self_centred.yaml"
    bank.write_text(bank.read_text(encoding="utf-8") + f"- {sentence}\n", encoding="utf-8")
    other = tmp_path / "other"
    shutil.copytree(book, other)  # a new folder: nothing cached for it yet
    report = check_message(sentence, rules=load_rules(other))
    assert semantic_hits(report) == {"semantic:self_centred": "warning"}


def test_a_playbook_without_exemplars_has_no_semantic_layer(tmp_path: Path) -> None:
    book = copy_playbook(tmp_path, exemplars=False)
    report = check_message("Circling back once again on this.", rules=load_rules(book))
    assert semantic_hits(report) == {}


def test_a_malformed_bank_names_its_file_and_key(tmp_path: Path) -> None:
    book = copy_playbook(tmp_path)
    (book / "exemplars" / "broken.yaml").write_text(
        "category: broken\nkind: bad\nwarning_at: 0.9\nerror_at: 0.5\nexamples: [x]\n",
        encoding="utf-8",
    )
    with pytest.raises(PlaybookError) as err:
        load_semantic(book)
    assert "broken.yaml" in str(err.value.path) and "reads_like" in err.value.message


def test_disabling_the_layer_or_one_category() -> None:
    sentence = "Circling back once again on this."
    assert (
        semantic_hits(check_message(sentence, settings=CheckSettings(disable=["semantic"]))) == {}
    )
    one = CheckSettings(disable=["semantic:empty_followup"])
    assert semantic_hits(check_message(sentence, settings=one)) == {}
    with pytest.raises(Exception, match="semantic:nonsense"):
        check_message(sentence, settings=CheckSettings(disable=["semantic:nonsense"]))


@pytest.mark.parametrize(
    ("sentence", "names", "judged"),
    [
        ("Thanks, Tom.", ["Tom"], "Thanks, Dana."),
        (
            "See you tomorrow, Tom! Tom's team too.",
            ["Tom"],
            "See you tomorrow, Dana! Dana's team too.",
        ),
        ("Tomorrow works.", ["Tom"], "Tomorrow works."),  # whole words only
        ("Hi Tom Ito, Ito Precision here.", ["Ito Precision", "Tom Ito"], "Hi Dana, Dana here."),
        ("No names here.", [], "No names here."),
    ],
)
def test_names_read_as_one_stand_in(sentence: str, names: list[str], judged: str) -> None:
    assert without_names(sentence, names) == judged


def test_a_drafts_names_carry_no_tone() -> None:
    """'Tom' sounds like 'tomorrow' to the embedding: named as a name, it is not."""

    def semantic(names: tuple[str, ...]) -> list[str]:
        report = check_message("Thanks, Tom.", channel="voicemail", names=names)
        return [v.rule for v in report.violations if v.rule.startswith("semantic:")]

    assert semantic(()) == ["semantic:deadline_pressure"]
    assert semantic(("Tom",)) == []
