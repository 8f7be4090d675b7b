"""``drafter eval`` through the real entry point: the shipped suite passes
offline (this is how CI runs it), a broken template fails it, a bad suite file
exits 2 naming the case, baselines compare, reports are written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests.cli_helpers import Result, run_cli

ROOT = Path(__file__).resolve().parents[1]
EVALS = ROOT / "evals"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("DRAFTER_CONFIG", "DRAFTER_PLAYBOOK", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DRAFTER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def run_eval(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    return run_cli(capsys, "eval", *args)


def report_of(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.out)
    return data


def test_the_shipped_suite_passes_offline(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_eval(capsys, str(EVALS), "--offline", "--json")
    report = report_of(result)
    failing = [(c["id"], c["status"], c["error"]) for c in report["cases"] if not c["holds"]]
    assert result.code == 0, failing
    assert report["ok"] is True and report["totals"]["cases"] >= 40
    assert report["schema"] == "drafter-eval" and report["version"] == 1


def test_the_suite_covers_what_the_issue_asks(capsys: pytest.CaptureFixture[str]) -> None:
    from drafter.playbook import load_playbook

    report = report_of(run_eval(capsys, str(EVALS), "--offline", "--json"))
    planned = {c["technique"] for c in report["cases"]}
    assert set(load_playbook().techniques) <= planned  # every technique, wait and move_on too
    tags = {t for c in report["cases"] for t in c["tags"]}
    assert {"touches", "summary", "minimal", "rich", "unicode", "long-notes", "adversarial"} <= tags
    adversarial = [c for c in report["cases"] if "adversarial" in c["tags"]]
    assert len(adversarial) >= 8


def test_terminal_table_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_eval(capsys, str(EVALS), "--offline", "--filter", "^example-")
    assert result.code == 0
    assert "PASS   example-rescue-call" in result.out
    assert "10 cases: 10 pass, 0 fail" in result.out and "fingerprint " in result.out


def test_offline_eval_imports_no_openai() -> None:
    code = (
        "import sys\n"
        "from drafter.cli import main\n"
        "try:\n"
        f"    main(['eval', {str(EVALS)!r}, '--offline', '--filter', 'rescue'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('OPENAI', 'openai' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert "OPENAI False" in done.stderr, done.stderr


def _playbook_copy(tmp_path: Path) -> Path:
    book = tmp_path / "playbook"
    shutil.copytree(ROOT / "playbook", book)
    return book


def test_a_broken_template_fails_the_suite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    book = _playbook_copy(tmp_path)
    voicemail = book / "templates/rescue_call/voicemail.j2"
    # an edit that drops the agreed next step from the rescue call
    voicemail.write_text(
        voicemail.read_text().replace(
            "our next step was to {{ deal.agreed_next_step }}", "on a plan"
        )
    )
    result = run_eval(capsys, str(EVALS), "--offline", "--playbook", str(book), "--json")
    assert result.code == 1
    failed = {c["id"] for c in report_of(result)["cases"] if not c["holds"]}
    assert "example-rescue-call" in failed and "rescue-call-voicemail-script" in failed


def test_a_template_that_does_not_render_is_a_case_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    book = _playbook_copy(tmp_path)
    (book / "templates/last_email_nudge/email.j2").write_text("Subject: hi\n\n{{ deal.nope }}\n")
    result = run_eval(capsys, str(EVALS), "--offline", "--playbook", str(book), "--filter", "nudge")
    assert result.code == 1
    assert "ERROR  example-last-email-nudge" in result.out
    assert "last_email_nudge/email.j2" in result.out


def _write_suite(folder: Path, cases: list[dict[str, Any]], **top: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cases.yaml").write_text(json.dumps({**top, "cases": cases}))
    return folder


def test_a_bad_suite_file_exits_2_naming_file_and_case(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = _write_suite(
        tmp_path / "bad",
        [
            {
                "id": "nudge-typo",
                "context_file": str(ROOT / "examples/last_email_nudge.yaml"),
                "assert": [{"type": "techniqe", "value": "last_email_nudge"}],
            }
        ],
    )
    result = run_eval(capsys, str(bad), "--offline")
    assert result.code == 2
    line = result.err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "cases.yaml" in line and "nudge-typo" in line and "unknown assertion type" in line


def test_broken_yaml_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad/cases.yaml").write_text("cases: [ {broken: \n")
    result = run_eval(capsys, str(tmp_path / "bad"), "--offline")
    assert result.code == 2 and "cases.yaml" in result.err and "invalid YAML" in result.err


def test_a_case_whose_history_is_after_its_day_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    suite = _write_suite(
        tmp_path / "s",
        [
            {
                "id": "time-travel",
                "today": "2026-11-01",
                "context_file": str(ROOT / "examples/rescue_call.yaml"),
                "assert": [{"type": "tone-ok"}],
            }
        ],
    )
    result = run_eval(capsys, str(suite), "--offline")
    assert result.code == 2 and "time-travel" in result.err and "future" in result.err


def _case(cid: str, technique: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "context_file": str(ROOT / "examples/rescue_call.yaml"),
        "assert": [{"type": "technique", "value": technique}],
        **extra,
    }


def test_pass_rate_threshold_and_xfail(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = [_case("good", "rescue_call"), _case("wrong", "final_approach")]
    strict = _write_suite(tmp_path / "strict", cases)
    assert run_eval(capsys, str(strict), "--offline").code == 1
    lenient = _write_suite(tmp_path / "lenient", cases, pass_rate=0.5)
    assert run_eval(capsys, str(lenient), "--offline").code == 0
    known = _write_suite(
        tmp_path / "known", [cases[0], {**cases[1], "xfail": "issue 99: wrong technique"}]
    )
    result = run_eval(capsys, str(known), "--offline")
    assert result.code == 0 and "XFAIL  wrong" in result.out and "issue 99" in result.out


def test_case_threshold_allows_a_partial_score(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    case = _case("partial", "rescue_call")
    case["assert"].append({"type": "channel", "value": "email", "weight": 1})
    case["assert"][0]["weight"] = 3
    assert run_eval(capsys, str(_write_suite(tmp_path / "a", [case])), "--offline").code == 1
    case["threshold"] = 0.75
    assert run_eval(capsys, str(_write_suite(tmp_path / "b", [case])), "--offline").code == 0


def test_today_fills_in_for_cases_without_a_day(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    context = {
        "prospect": {"name": "Ken Ito", "company": "Ito Precision", "email": "ken@ito.example"},
        "deal": {"stage": "engaged"},
        "history": {
            "attempts": 1,
            "channels_tried": ["email"],
            "first_attempt": "2026-11-15",
            "last_attempt": "2026-11-15",
            "last_reply": "2026-11-12",
        },
    }
    case = {
        "id": "dayless",
        "context": context,
        "assert": [{"type": "technique", "value": "last_email_nudge"}],
    }
    suite = _write_suite(tmp_path / "s", [case])
    assert run_eval(capsys, str(suite), "--offline", "--today", "2026-11-23").code == 0
    assert run_eval(capsys, str(suite), "--offline", "--today", "2026-12-21").code == 1


def test_baseline_round_trip_and_a_template_change(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    first = run_eval(
        capsys, str(EVALS), "--offline", "--filter", "rescue", "--save-baseline", str(baseline)
    )
    assert first.code == 0 and baseline.is_file()
    saved = json.loads(baseline.read_text())
    assert "draft" not in saved["cases"][0] and saved["cases"][0]["draft_sha"]
    same = report_of(
        run_eval(
            capsys,
            str(EVALS),
            "--offline",
            "--filter",
            "rescue",
            "--baseline",
            str(baseline),
            "--json",
        )
    )
    cmp = same["comparison"]
    assert (
        cmp["fingerprint_changed"] == [] and cmp["regressions"] == [] and cmp["text_changed"] == []
    )
    book = _playbook_copy(tmp_path)
    voicemail = book / "templates/rescue_call/voicemail.j2"
    voicemail.write_text(
        voicemail.read_text().replace("I'm starting to feel like a pest", "I'm a pest")
    )
    result = run_eval(
        capsys,
        str(EVALS),
        "--offline",
        "--filter",
        "rescue",
        "--playbook",
        str(book),
        "--baseline",
        str(baseline),
        "--report-md",
        "pr.md",
        "--junit",
        "junit.xml",
    )
    assert "changed: templates" in result.out
    assert "drafts changed" in result.out
    md = Path("pr.md").read_text()
    assert "changed **templates**" in md and "drafter eval" in md
    assert ET.parse("junit.xml").getroot().tag == "testsuites"


def test_a_bad_baseline_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text('{"hello": 1}')
    result = run_eval(capsys, str(EVALS), "--offline", "--baseline", str(tmp_path / "b.json"))
    assert result.code == 2 and "not a drafter eval report" in result.err


def test_only_failing_reruns_the_last_failures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    suite = _write_suite(
        tmp_path / "s", [_case("good", "rescue_call"), _case("wrong", "final_approach")]
    )
    assert run_eval(capsys, str(suite), "--only-failing", "--offline").code == 2  # no run yet
    assert run_eval(capsys, str(suite), "--offline").code == 1
    rerun = report_of(run_eval(capsys, str(suite), "--offline", "--only-failing", "--json"))
    assert [c["id"] for c in rerun["cases"]] == ["wrong"]


def test_repeat_runs_each_case_n_times(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    suite = _write_suite(tmp_path / "s", [_case("good", "rescue_call")])
    report = report_of(run_eval(capsys, str(suite), "--offline", "--repeat", "3", "--json"))
    assert report["cases"][0]["runs"] == 3 and report["cases"][0]["passed_runs"] == 3
    assert run_eval(capsys, str(suite), "--offline", "--repeat", "0").code == 2


def test_filter_with_no_match_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_eval(capsys, str(EVALS), "--offline", "--filter", "no-such-case-anywhere")
    assert result.code == 2 and "no case to run" in result.err


def _prompts_copy(tmp_path: Path) -> Path:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    return prompts


def test_a_prompt_change_shows_as_fingerprint_and_token_delta(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    args = (str(EVALS), "--offline", "--filter", "^example-")
    assert run_eval(capsys, *args, "--save-baseline", str(baseline)).code == 0
    saved = json.loads(baseline.read_text())
    assert all(
        c["prompt_tokens"] for c in saved["cases"] if c["technique"] not in ("wait", "move_on")
    )
    prompts = _prompts_copy(tmp_path)
    system = prompts / "system.j2"
    system.write_text(system.read_text() + "\nAlways be brief, warm and specific; never pad.\n")
    report = report_of(
        run_eval(capsys, *args, "--prompts", str(prompts), "--baseline", str(baseline), "--json")
    )
    cmp = report["comparison"]
    assert cmp["fingerprint_changed"] == ["prompts"]
    assert cmp["totals"]["prompt_tokens"]["delta"] > 0
    rescue = next(r for r in cmp["cases"] if r["id"] == "example-rescue-call")
    assert rescue["token_delta"] > 0 and rescue["change"] == "same"


def test_untrusted_text_outside_the_data_block_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    prompts = _prompts_copy(tmp_path)
    user = prompts / "user.j2"
    user.write_text("Context, for reference: {{ data }}\n" + user.read_text())
    result = run_eval(
        capsys, str(EVALS), "--offline", "--prompts", str(prompts), "--filter", "injection-ignore"
    )
    assert result.code == 1
    assert "x prompt-data-only" in result.out and "outside the data block" in result.out


def _live_env(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-000")


def test_live_run_then_a_second_run_makes_no_api_calls(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.standin import StandIn

    with StandIn() as standin:
        _live_env(monkeypatch, standin.url)
        args = (str(EVALS), "--model", "gpt-4o-mini", "--filter", "^example-", "--json")
        first = run_eval(capsys, *args, "--concurrency", "3")
        report = report_of(first)
        assert first.code == 0, [(c["id"], c["error"]) for c in report["cases"] if not c["holds"]]
        assert report["mode"] == "live" and report["model"] == "gpt-4o-mini"
        assert report["fingerprint"]["model"] == "gpt-4o-mini"
        drafted = [c for c in report["cases"] if c["draft"]]
        assert drafted and all(c["provider"] == "openai" for c in drafted)
        assert standin.served >= len(drafted)
        served = standin.served
        second = report_of(run_eval(capsys, *args))
        assert standin.served == served  # every reply came from the cache
        assert [c["draft_sha"] for c in second["cases"]] == [
            c["draft_sha"] for c in report["cases"]
        ]


def test_live_cost_is_estimated_and_capped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.standin import StandIn

    with StandIn() as standin:
        _live_env(monkeypatch, standin.url)
        result = run_eval(
            capsys,
            str(EVALS),
            "--model",
            "gpt-4o-mini",
            "--filter",
            "^example-",
            "--max-cost",
            "0.000001",
        )
        assert result.code == 2 and "--max-cost" in result.err and "estimated" in result.err
        assert standin.served == 0  # refused before any request


def test_live_mode_needs_a_server(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_eval(capsys, str(EVALS), "--model", "gpt-4o-mini")
    assert result.code == 2 and "OPENAI_API_KEY" in result.err
