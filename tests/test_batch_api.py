"""drafter batch --via batch-api, end to end against the loopback stand-in
(tests/standin.py), whose /v1/files and /v1/batches are a TEST DOUBLE of the
OpenAI Batch API that really runs the uploaded JSONL through its chat logic:
submit, poll, collect; failed requests, an expired batch, repairs that go
live, the Batch API's price, and no key in any file it leaves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from drafter.draft.llm.cost import estimate_cost
from tests.standin import Scripted, StandIn, cli_env, error_body, reply_json

ROOT = Path(__file__).resolve().parents[1]
PROSPECTS = ROOT / "examples" / "prospects.csv"
SECRET = "sk-test-DoNotLeak-batchapi-0123456789abcdef"
IDS = [f"D-10{n:02d}" for n in range(1, 10)]
MESSAGE_ROWS = 7  # rows of prospects.csv whose plan sends a message
PENDING = 75


def _batch(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = cli_env(dict(os.environ), url, SECRET, str(tmp_path / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "drafter", "batch", str(PROSPECTS), "--today", "2026-11-23",
         "--model", "gpt-4o-mini", "--via", "batch-api", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _chat_calls(standin: StandIn) -> int:
    return sum(1 for route in standin.routes if route.endswith("/chat/completions"))


def test_submit_poll_collect_writes_every_row_once_at_the_batch_price(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.batch-api.json"
    requests = tmp_path / "out.jsonl.batch-api-input.jsonl"
    with StandIn(batch_polls=1) as standin:
        first = _batch(tmp_path, standin.url, "--out", str(out))
        assert first.returncode == PENDING, first.stderr + first.stdout
        assert "submitted batch batch_standin_1" in first.stdout
        # the rows that need no model are written at once; no live request was made
        assert sorted(r["status"] for r in _records(out)) == ["move_on", "wait"]
        assert _chat_calls(standin) == 0
        lines = [json.loads(x) for x in requests.read_text(encoding="utf-8").splitlines()]
        assert len(lines) == MESSAGE_ROWS
        assert {x["method"] for x in lines} == {"POST"}
        assert {x["url"] for x in lines} == {"/v1/chat/completions"}
        assert all(x["body"]["model"] == "gpt-4o-mini" and x["body"]["messages"] for x in lines)
        kept = json.loads(state.read_text(encoding="utf-8"))
        assert kept["batch_id"] == "batch_standin_1" and kept["input_file_id"]
        assert len(kept["rows"]) == MESSAGE_ROWS

        running = _batch(tmp_path, standin.url, "--out", str(out))
        assert running.returncode == PENDING, running.stderr
        assert "is in progress (0 of 7 requests done, 0 failed)" in running.stdout
        assert len(_records(out)) == 2

        done = _batch(tmp_path, standin.url, "--out", str(out))
        assert done.returncode == 0, done.stderr + done.stdout
        assert "collected batch batch_standin_1" in done.stdout
        records = _records(out)
        assert sorted(str(r["id"]) for r in records) == IDS  # every row, once
        drafted = [r for r in records if r["draft"]]
        assert len(drafted) == MESSAGE_ROWS
        assert {r["status"] for r in drafted} == {"ok"}
        assert _chat_calls(standin) == 0  # every draft came from the batch
        assert not state.exists() and not requests.exists()
        for record in drafted:
            usage = record["draft"]["usage"]  # type: ignore[index]
            live = estimate_cost(
                "gpt-4o-mini", usage["prompt_tokens"], usage["completion_tokens"], {}
            )
            assert live and abs(usage["cost_usd"] - live / 2) < 1e-12

        again = _batch(tmp_path, standin.url, "--out", str(out))
        assert again.returncode == 0 and len(_records(out)) == 9
        assert len(standin.batches) == 1  # nothing submitted twice
    for text in (out.read_text(), first.stdout, first.stderr, done.stdout, running.stdout):
        assert SECRET not in text


def test_no_key_lands_in_the_state_or_request_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    with StandIn(batch_polls=5) as standin:
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == PENDING
    files = list(tmp_path.glob("out.csv*"))
    assert {f.name for f in files} >= {"out.csv.batch-api.json", "out.csv.batch-api-input.jsonl"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert SECRET not in text and "Bearer" not in text and "api_key" not in text


def test_a_failed_request_is_an_error_row_that_retry_failed_redoes(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    config = tmp_path / "drafter.toml"
    config.write_text("[llm]\nmax_retries = 0\n", encoding="utf-8")
    script = [Scripted(status=500, body=error_body(500, "stand-in: overloaded"))]
    with StandIn(script) as standin:
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == PENDING
        collected = _batch(tmp_path, standin.url, "--out", str(out))
        assert collected.returncode == 1, collected.stderr + collected.stdout
        errors = [r for r in _records(out) if r["status"] == "error"]
        assert len(errors) == 1 and "Batch API request failed (500)" in str(errors[0]["error"])
        assert len(_records(out)) == 9
        # redo it through a new batch
        again = _batch(tmp_path, standin.url, "--out", str(out), "--retry-failed")
        assert again.returncode == PENDING and "1 requests for 1 rows" in again.stdout
        final = _batch(tmp_path, standin.url, "--out", str(out))
        assert final.returncode == 0, final.stdout
    records = _records(out)
    assert sorted(str(r["id"]) for r in records) == IDS
    assert not [r for r in records if r["status"] == "error"]


def test_an_expired_batch_is_one_line_and_its_unrun_rows_are_errors(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with StandIn(batch_outcome="expired", batch_expire_after=3) as standin:
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == PENDING
        ended = _batch(tmp_path, standin.url, "--out", str(out))
    assert ended.returncode == 1, ended.stderr
    said = [line for line in ended.stdout.splitlines() if line.startswith("batch ")]
    assert len(said) == 1 and "batch batch_standin_1 expired" in said[0]
    records = _records(out)
    assert sorted(str(r["id"]) for r in records) == IDS
    assert sum(1 for r in records if r["status"] == "ok") == 3
    errors = [r for r in records if r["status"] == "error"]
    assert len(errors) == MESSAGE_ROWS - 3
    assert all("ended before this request ran" in str(r["error"]) for r in errors)
    assert "Traceback" not in ended.stderr


def test_a_draft_that_fails_the_check_is_repaired_live(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    rude = reply_json("Following up", "Just checking in!!! Call me back ASAP.")
    with StandIn([Scripted(content=rude)]) as standin:
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == PENDING
        done = _batch(tmp_path, standin.url, "--out", str(out))
        assert done.returncode == 0, done.stdout
        assert _chat_calls(standin) == 1  # the repair, live
    repaired = [r for r in _records(out) if r["draft"] and r["draft"]["attempts"] == 2]  # type: ignore[index]
    assert len(repaired) == 1 and repaired[0]["status"] == "ok"


def test_dry_run_shows_the_batch_price(tmp_path: Path) -> None:
    def cost(*args: str) -> float:
        result = _batch(tmp_path, url, "--out", str(tmp_path / "o.jsonl"), "--dry-run", *args)
        assert result.returncode == 0, result.stderr
        line = next(x for x in result.stdout.splitlines() if x.startswith("estimated tokens"))
        return float(line.rsplit("$", 1)[1])

    with StandIn() as standin:
        url = standin.url
        batch_price = cost()
        live_price = cost("--via", "live")
        assert standin.routes == []
    assert batch_price > 0 and abs(batch_price - live_price / 2) < 0.00015


def test_a_pending_batch_keeps_its_planning_day(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with StandIn(batch_polls=3) as standin:
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == PENDING
        other = _batch(tmp_path, standin.url, "--out", str(out), "--today", "2026-11-24")
    assert other.returncode == 2
    assert "--today 2026-11-23" in other.stderr and len(other.stderr.strip().splitlines()) == 1


def test_the_batch_api_needs_an_llm(tmp_path: Path) -> None:
    with StandIn() as standin:
        result = _batch(tmp_path, standin.url, "--out", str(tmp_path / "o.jsonl"), "--offline")
    assert result.returncode == 2 and "--via" in result.stderr


def test_a_server_without_the_batch_api_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with StandIn(batch_api=False) as standin:
        result = _batch(tmp_path, standin.url, "--out", str(out))
    assert result.returncode == 2, result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "has no Batch API" in line and "--via live" in line
    assert SECRET not in line


def test_max_cost_caps_what_is_submitted(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with StandIn() as standin:
        dry = _batch(tmp_path, standin.url, "--out", str(out), "--dry-run")
        line = next(x for x in dry.stdout.splitlines() if x.startswith("estimated tokens"))
        cap = float(line.rsplit("$", 1)[1]) / 2
        first = _batch(tmp_path, standin.url, "--out", str(out), "--max-cost", f"{cap:.6f}")
        assert first.returncode == PENDING, first.stderr
        assert "rows wait for a later batch" in first.stdout
        sent = len(json.loads((tmp_path / "out.jsonl.batch-api.json").read_text())["requests"])
        assert 0 < sent < MESSAGE_ROWS
        # collecting, then the rest goes into a second batch, then it is collected
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == PENDING
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == 0
        assert len(standin.batches) == 2
    assert sorted(str(r["id"]) for r in _records(out)) == IDS


# -- a crash: the state a killed run leaves, and the rerun that picks it up ----------


def _popen(tmp_path: Path, url: str, out: Path) -> subprocess.Popen[str]:
    env = cli_env(dict(os.environ), url, SECRET, str(tmp_path / "cache"))
    return subprocess.Popen(
        [sys.executable, "-m", "drafter", "batch", str(PROSPECTS), "--today", "2026-11-23",
         "--model", "gpt-4o-mini", "--via", "batch-api", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        start_new_session=True,
    )  # fmt: skip


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool]) -> None:
    """SIGKILL the run (and its process group) once ``ready()``; fail if it never is."""
    deadline = time.monotonic() + 60
    while not ready():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_a_run_killed_after_creating_the_batch_adopts_it_on_rerun(tmp_path: Path) -> None:
    """Killed between creating the batch and keeping its id: the state file
    names the uploaded file only; the rerun finds the batch made for that file
    and keeps it, so nothing is submitted (or paid for) twice."""
    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.batch-api.json"
    with StandIn(batch_polls=1, create_delay=30) as standin:
        proc = _popen(tmp_path, standin.url, out)
        _kill_when(proc, lambda: bool(standin.batches) and state.exists())
        kept = json.loads(state.read_text(encoding="utf-8"))
        assert kept["batch_id"] is None and kept["input_file_id"]
        assert len(_records(out)) == 2  # the rows that need no model were written first
        standin.create_delay = 0
        adopted = _batch(tmp_path, standin.url, "--out", str(out))
        assert adopted.returncode == PENDING, adopted.stderr + adopted.stdout
        assert "submitted batch batch_standin_1" in adopted.stdout
        assert json.loads(state.read_text(encoding="utf-8"))["batch_id"] == "batch_standin_1"
        assert len(standin.batches) == 1 and len(standin.files) == 1  # no second upload
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == PENDING
        done = _batch(tmp_path, standin.url, "--out", str(out))
        assert done.returncode == 0, done.stderr + done.stdout
        assert _chat_calls(standin) == 0
        assert len(standin.batches) == 1
    records = _records(out)
    assert sorted(str(r["id"]) for r in records) == IDS  # every row, once
    assert not state.exists()


def test_a_run_killed_while_collecting_finishes_exactly_once_on_rerun(tmp_path: Path) -> None:
    """Killed mid-collection (one row waiting on its live repair, the others
    written): the state file stays, and the rerun collects the same batch again,
    writing only the rows not yet written."""
    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.batch-api.json"
    rude = reply_json("Following up", "Just checking in!!! Call me back ASAP.")
    with StandIn([Scripted(content=rude)]) as standin:
        assert _batch(tmp_path, standin.url, "--out", str(out)).returncode == PENDING
        standin.latency = 30  # the live repair hangs: the run is killed while it waits
        proc = _popen(tmp_path, standin.url, out)
        _kill_when(proc, lambda: _chat_calls(standin) == 1 and len(_records(out)) == 8)
        assert state.exists()
        partial = [str(r["id"]) for r in _records(out)]
        assert len(set(partial)) == 8
        standin.latency = 0
        done = _batch(tmp_path, standin.url, "--out", str(out))
        assert done.returncode == 0, done.stderr + done.stdout
        assert "collected batch batch_standin_1" in done.stdout
        assert len(standin.batches) == 1  # collected again, not submitted again
        assert _chat_calls(standin) == 2  # the repair that was cut off, and its redo
    records = _records(out)
    assert sorted(str(r["id"]) for r in records) == IDS  # every row, once
    assert [str(r["id"]) for r in records][:8] == partial  # what was written stays
    repaired = [r for r in records if r["draft"] and r["draft"]["attempts"] == 2]  # type: ignore[index]
    assert len(repaired) == 1 and repaired[0]["status"] == "ok"
    assert not state.exists()
