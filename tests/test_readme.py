"""The README cannot rot: its tour is re-run and compared, its set-up test
command is the one CI runs, and its tables name what the code has."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from drafter.plan.engagement import FACT_LABELS
from drafter.playbook import Playbook
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# A console block is one or more `$ command` lines, each followed by its output.
BLOCKS = re.findall(r"```console\n(\$ .*?)```", README, flags=re.S)


def steps(block: str) -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ` line of a block."""
    out = []
    for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
        command, _, expected = part.partition("\n")
        out.append((command, expected))
    return out


def test_the_tour_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[steps(b)[0][0] for b in BLOCKS])
def test_tour_output_is_what_drafter_prints(
    block: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # each block runs on a fresh copy of the examples: `drafter log` edits files
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    for var in ("DRAFTER_CONFIG", "DRAFTER_PLAYBOOK", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    for command, expected in steps(block):
        args = shlex.split(command)
        if args[0] == "cp":
            shutil.copy(args[1], args[2])
            shown = ""
        else:
            assert args[0] == "drafter", command
            shown = "\n".join(line.rstrip() for line in run_cli(capsys, *args[1:]).out.splitlines())
        assert shown.strip() == expected.strip(), command


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_readme_names_every_technique_and_fact(playbook: Playbook) -> None:
    for technique in playbook.techniques:
        assert f"`{technique}`" in README
    listed = re.search(r"Facts: (.*?) \(each explained", README, flags=re.S)
    assert listed is not None
    assert re.findall(r"`(\w+)`", listed.group(1)) == list(FACT_LABELS)


def test_readme_technique_table_matches_the_playbook(playbook: Playbook) -> None:
    for technique in playbook.techniques.values():
        words = " ".join(technique.applies_when.split())
        assert f"| {technique.priority} | `{technique.id}`" in README
        assert words in README, technique.id
        row = next(r for r in README.splitlines() if r.startswith(f"| {technique.priority} |"))
        assert row.endswith(f"| *{playbook.source_title(technique.source)}* |"), row
