"""drafter batch on the LLM path, end to end against the loopback stand-in
server (a test double, not a model): concurrency, faults, 429 with
retry-after, the shared cache, --dry-run and --max-cost."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.standin import Scripted, StandIn, cli_env, error_body

ROOT = Path(__file__).resolve().parents[1]
PROSPECTS = ROOT / "examples" / "prospects.csv"
SECRET = "sk-test-DoNotLeak-batch-0123456789abcdef"
MESSAGE_ROWS = 7  # rows of prospects.csv whose plan sends a message (not wait/move_on)

Batch = Callable[..., subprocess.CompletedProcess[str]]


def _env(tmp_path: Path, url: str) -> dict[str, str]:
    return cli_env(dict(os.environ), url, SECRET, str(tmp_path / "cache"))


@pytest.fixture
def batch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Batch:
    """``drafter batch`` through its entry point, in-process (a real process is
    started and killed in tests/test_cli_batch.py), in the environment given."""
    monkeypatch.chdir(tmp_path)

    def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        for name in [n for n in os.environ if n not in env]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        argv = ["batch", str(PROSPECTS), "--today", "2026-11-23", "--model", "gpt-4o-mini", *args]
        result = run_cli(capsys, *argv)
        return subprocess.CompletedProcess(argv, result.code, result.out, result.err)

    return run


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_llm_rows_with_faults_complete_once_and_a_rerun_pays_nothing(
    tmp_path: Path, batch: Batch
) -> None:
    out = tmp_path / "out.jsonl"
    script = [Scripted(status=429, body=error_body(429, "slow down"), headers={"retry-after": "0"})]
    with StandIn(script, fail_500=0.2, drop=0.1, seed=3) as standin:
        env = _env(tmp_path, standin.url)
        first = batch(env, "--out", str(out), "--concurrency", "4")
        assert first.returncode == 0, first.stderr + first.stdout
        records = _records(out)
        assert sorted(r["id"] for r in records) == [f"D-10{n:02d}" for n in range(1, 10)]
        drafted = [r for r in records if r["draft"]]
        assert len(drafted) == MESSAGE_ROWS
        assert all(r["draft"]["provider"] == "openai" for r in drafted)  # type: ignore[index]
        assert standin.served >= MESSAGE_ROWS
        served = standin.served
        # a lost output file: the rerun drafts every row again, from the cache
        out.unlink()
        again = batch(env, "--out", str(out))
        assert again.returncode == 0, again.stderr
        assert standin.served == served  # nothing asked twice
        assert "cost: $0.0000" in again.stdout
        assert len(_records(out)) == 9
    for text in (out.read_text(), first.stdout, first.stderr):
        assert SECRET not in text


def test_dry_run_estimates_tokens_and_cost_without_calling(tmp_path: Path, batch: Batch) -> None:
    with StandIn() as standin:
        env = _env(tmp_path, standin.url)
        result = batch(env, "--out", str(tmp_path / "o.jsonl"), "--dry-run")
        assert result.returncode == 0, result.stderr
        assert standin.requests == []
    assert "with the LLM" in result.stdout
    line = next(x for x in result.stdout.splitlines() if x.startswith("estimated tokens"))
    prompt = int(line.split("(")[1].split(" prompt")[0].replace(",", ""))
    assert prompt > 300 * MESSAGE_ROWS
    assert "estimated cost: $0.0" in line and "$0.0000" not in line
    assert not (tmp_path / "o.jsonl").exists()


def test_max_cost_stops_cleanly_and_a_rerun_finishes(tmp_path: Path, batch: Batch) -> None:
    out = tmp_path / "out.jsonl"
    with StandIn() as standin:
        env = _env(tmp_path, standin.url)
        dry = batch(env, "--out", str(out), "--dry-run")
        line = next(x for x in dry.stdout.splitlines() if x.startswith("estimated tokens"))
        total = float(line.rsplit("$", 1)[1])
        cap = total / 2
        first = batch(env, "--out", str(out), "--max-cost", f"{cap:.6f}",
                       "--concurrency", "1")  # fmt: skip
        assert first.returncode == 1, first.stderr
        assert "stopped before the estimate passed --max-cost" in first.stdout
        partial = _records(out)
        assert 0 < len(partial) < 9
        spent = sum(
            (r["draft"] or {}).get("usage", {}).get("cost_usd") or 0.0  # type: ignore[union-attr]
            for r in partial
        )
        assert spent <= cap
        rest = batch(env, "--out", str(out))
        assert rest.returncode == 0, rest.stderr
    assert sorted(r["id"] for r in _records(out)) == [f"D-10{n:02d}" for n in range(1, 10)]


def test_an_llm_error_is_a_row_error_and_retry_failed_redoes_it(
    tmp_path: Path, batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("drafter.batch.rows.TRANSIENT_PAUSE", 0.0)
    out = tmp_path / "out.jsonl"
    config = tmp_path / "drafter.toml"
    config.write_text("[llm]\nmax_retries = 0\n", encoding="utf-8")
    with StandIn(fail_500=1.0) as down:  # a server that fails every request
        first = batch(_env(tmp_path, down.url), "--out", str(out), "--concurrency", "1")
        assert first.returncode == 1
        errors = [r for r in _records(out) if r["status"] == "error"]
        assert len(errors) == MESSAGE_ROWS and all("(500)" in str(r["error"]) for r in errors)
        assert len(down.requests) == 2 * MESSAGE_ROWS  # each row: its request, one more round
    with StandIn() as standin:
        again = batch(_env(tmp_path, standin.url), "--out", str(out), "--retry-failed")
        assert again.returncode == 0, again.stdout
    records = _records(out)
    assert len(records) == 9 and not [r for r in records if r["status"] == "error"]


def test_a_row_the_server_failed_gets_one_more_round_before_it_is_an_error(
    tmp_path: Path, batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the SDK's own retries, a row that still met a 5xx (or a lost
    connection, a timeout, a 429) is tried once more, a while later, instead
    of being written as an error: a server's bad minute costs a pause, not a
    --retry-failed. A request the server refuses (a 400) is not tried again."""
    monkeypatch.setattr("drafter.batch.rows.TRANSIENT_PAUSE", 0.0)
    out = tmp_path / "out.jsonl"
    (tmp_path / "drafter.toml").write_text("[llm]\nmax_retries = 0\n", encoding="utf-8")
    script = [Scripted(status=500, body=error_body(500, "a bad minute"))]
    with StandIn(script) as standin:
        result = batch(_env(tmp_path, standin.url), "--out", str(out), "--concurrency", "1")
        assert result.returncode == 0, result.stdout
        assert len(standin.requests) == MESSAGE_ROWS + 1
    assert not [r for r in _records(out) if r["status"] == "error"]
    refused = [Scripted(status=400, body=error_body(400, "bad parameter"))]
    out2 = tmp_path / "out2.jsonl"
    with StandIn(refused) as standin:
        result = batch(_env(tmp_path, standin.url), "--out", str(out2), "--concurrency", "1",
                       "--no-cache")  # fmt: skip
        assert result.returncode == 1
        assert len(standin.requests) == MESSAGE_ROWS  # the refused one was not sent again
    errors = [r for r in _records(out2) if r["status"] == "error"]
    assert len(errors) == 1 and "(400)" in str(errors[0]["error"])


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_is_the_requests_in_flight(
    tmp_path: Path, batch: Batch, concurrency: int
) -> None:
    """--concurrency N: never more than N requests at the server at once, and
    N of them while rows are waiting (rows are prepared and checked meanwhile)."""
    out = tmp_path / "out.jsonl"
    with StandIn(latency=0.3) as standin:
        result = batch(_env(tmp_path, standin.url), "--out", str(out),
                       "--concurrency", str(concurrency))  # fmt: skip
        assert result.returncode == 0, result.stderr + result.stdout
        assert standin.max_in_flight == concurrency
    assert len(_records(out)) == 9


def test_the_checker_loads_once_the_first_requests_are_out(
    tmp_path: Path, batch: Batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The semantic layer is loaded when the first requests have gone out and
    before any answer is back, not by the first answer's check (which would
    hold up every answer behind it)."""
    import drafter.check.checker as checker
    from drafter.draft.llm.client import LLMClient

    seen: list[tuple[int, int]] = []
    load = checker.load_layers
    clients: list[LLMClient] = []
    sdk = LLMClient.sdk

    def spy_sdk(self: LLMClient) -> object:
        clients.append(self)
        return sdk(self)

    def spy_load(rules: object) -> None:
        seen.append((standin.served, clients[-1].requests if clients else -1))
        load(rules)  # type: ignore[arg-type]

    monkeypatch.setattr(LLMClient, "sdk", spy_sdk)
    monkeypatch.setattr(checker, "load_layers", spy_load)
    out = tmp_path / "out.jsonl"
    with StandIn(latency=0.6) as standin:
        result = batch(_env(tmp_path, standin.url), "--out", str(out), "--concurrency", "3")
        assert result.returncode == 0, result.stderr + result.stdout
    assert len(seen) == 1
    served, answered = seen[0]
    assert served == 0 and answered == 0  # no answer back yet
    assert len(_records(out)) == 9
