"""The README cannot rot: its tour is re-run and compared, its set-up test
command is the one CI runs, and its tables name what the code has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from drafter.plan.engagement import FACT_LABELS
from drafter.playbook import Playbook
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```console\n\$ (drafter [^\n]*)\n(.*?)```", README, flags=re.S)


def test_the_tour_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize(("command", "expected"), BLOCKS, ids=[c for c, _ in BLOCKS])
def test_tour_output_is_what_drafter_prints(
    command: str, expected: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    for var in ("DRAFTER_CONFIG", "DRAFTER_PLAYBOOK", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    result = run_cli(capsys, *shlex.split(command)[1:])
    shown = "\n".join(line.rstrip() for line in result.out.splitlines())
    assert shown.strip() == expected.strip()


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
