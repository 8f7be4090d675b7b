"""Secrets hygiene (issue 9): the LLM path run for real against the loopback
stand-in with a distinctive fake key, from the environment and from a
chmod-600 key file; then EVERY artefact the runs produced is searched for it
and for anything key-like: stdout and stderr (with and without --debug, on
success and on failure), the cache, any file written under the run's home,
working folder and temp folder, and the committed cassettes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.standin import Scripted, StandIn, error_body

ROOT = Path(__file__).resolve().parents[1]
SECRET = "sk-proj-HardenCanary-7f3a9c1e5b2d4a6f8e0c"
PARTS = ("HardenCanary", "7f3a9c1e5b2d4a6f8e0c")  # a key cut short still gives itself away
KEY_LIKE = re.compile(
    r"sk-[A-Za-z0-9_\-]{12,}|Bearer\s+\S{8,}|api[_-]?key\W{1,3}[A-Za-z0-9_\-]{16,}", re.I
)


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drafter", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "DRAFTER_")) and k not in ("HOME", "TMPDIR")
    }
    return (
        env
        | {
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "TMPDIR": str(home / "tmp"),
            "DRAFTER_CACHE_DIR": str(home / "cache"),
            "DRAFTER_SENDER_NAME": "Dana Reyes",
            "DRAFTER_SENDER_PHONE": "+1 416 555 0199",
            "NO_COLOR": "1",
        }
        | extra
    )


def _leaks(text: str) -> list[str]:
    found = [p for p in (SECRET, *PARTS) if p in text]
    return found + KEY_LIKE.findall(text)


def _artefacts(root: Path, skip: Path | None = None) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path != skip:
            out[str(path.relative_to(root))] = path.read_bytes().decode("utf-8", "replace")
    return out


def _exercise(env: dict[str, str], cwd: Path, url: str) -> list[subprocess.CompletedProcess[str]]:
    example = str(ROOT / "examples" / "rescue_call.yaml")
    runs = [
        _run(["draft", example, "--json"], env, cwd),
        _run(["draft", example], env, cwd),  # from the cache
        _run(["--debug", "draft", example, "--no-cache"], env, cwd),
        _run(["draft", example, "-q", "--no-cache"], env, cwd),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    return runs


@pytest.mark.parametrize("source", ["env", "key_file"])
def test_the_key_is_in_no_artefact_of_a_run(tmp_path: Path, source: str) -> None:
    home, cwd = tmp_path / "home", tmp_path / "work"
    for folder in (home / "tmp", cwd):
        folder.mkdir(parents=True)
    key_file = home / ".config" / "drafter" / "key"
    with StandIn() as standin:
        if source == "env":
            env = _env(home, OPENAI_API_KEY=SECRET, OPENAI_BASE_URL=standin.url)
        else:
            key_file.parent.mkdir(parents=True)
            key_file.write_text(SECRET + "\n", encoding="utf-8")
            key_file.chmod(0o600)
            (cwd / "drafter.toml").write_text(
                f'[llm]\napi_key_file = "{key_file}"\nbase_url = "{standin.url}"\n',
                encoding="utf-8",
            )
            env = _env(home)
        runs = _exercise(env, cwd, standin.url)
        sent = [{k.lower(): v for k, v in h.items()} for h in standin.headers]
    # the key did reach the server, so the runs really used it
    assert sent and all(h["authorization"] == f"Bearer {SECRET}" for h in sent)
    outputs = {
        f"run {i} {name}": text
        for i, r in enumerate(runs)
        for name, text in (("stdout", r.stdout), ("stderr", r.stderr))
    }
    files = _artefacts(home, skip=key_file) | {f"work/{k}": v for k, v in _artefacts(cwd).items()}
    assert any(name.startswith("cache/") for name in files), sorted(files)  # the cache was written
    leaks = {name: _leaks(text) for name, text in (outputs | files).items() if _leaks(text)}
    assert not leaks


def test_a_failing_run_with_debug_shows_no_key(tmp_path: Path) -> None:
    """The server echoes the key back in a 401; --debug prints a traceback."""
    home = tmp_path / "home"
    (home / "tmp").mkdir(parents=True)
    script = [Scripted(status=401, body=error_body(401, f"Incorrect API key provided: {SECRET}"))]
    with StandIn(script) as standin:
        env = _env(home, OPENAI_API_KEY=SECRET, OPENAI_BASE_URL=standin.url)
        run = _run(["--debug", "draft", str(ROOT / "examples" / "rescue_call.yaml")], env, tmp_path)
    assert run.returncode == 2
    assert "Traceback" in run.stderr  # --debug did print one
    assert not _leaks(run.stdout + run.stderr), run.stderr[-2000:]
    assert not {n: t for n, t in _artefacts(home).items() if _leaks(t)}


def test_a_key_file_others_can_read_is_refused_without_showing_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "tmp").mkdir(parents=True)
    key_file = tmp_path / "key"
    key_file.write_text(SECRET, encoding="utf-8")
    key_file.chmod(0o644)
    config = tmp_path / "drafter.toml"
    config.write_text(
        f'[llm]\napi_key_file = "{key_file}"\nbase_url = "http://127.0.0.1:9/v1"\n',
        encoding="utf-8",
    )
    run = _run(
        ["draft", str(ROOT / "examples" / "rescue_call.yaml"), "--config", str(config)],
        _env(home),
        tmp_path,
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "chmod 600" in run.stderr and not _leaks(run.stdout + run.stderr)


def test_no_committed_cassette_or_fixture_holds_a_key() -> None:
    checked = 0
    for folder in ("tests", "examples", "benchmarks", "playbook", "prompts", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".json", ".txt", ".md", ".csv"):
                text = path.read_text(encoding="utf-8", errors="replace")
                assert not KEY_LIKE.findall(text), path
                checked += 1
    assert checked > 20
