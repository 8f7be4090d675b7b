"""The built wheel carries the playbook and prompts: it runs from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_installed_wheel_runs_from_another_directory(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("drafter-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "drafter/playbook/techniques/rescue_call.yaml" in names
        assert any(n.startswith("drafter/playbook/templates/") for n in names)
        assert any(n.startswith("drafter/prompts/") for n in names)
        assert "drafter/playbook/exemplars/good.yaml" in names
        zf.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    context = elsewhere / "ctx.json"
    context.write_text((ROOT / "examples" / "rescue_call.yaml").read_text())
    context = context.rename(elsewhere / "ctx.yaml")
    env = {**os.environ, "PYTHONPATH": str(site), "NO_COLOR": "1"}
    env.pop("DRAFTER_PLAYBOOK", None)

    def drafter(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "drafter", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
        )

    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import drafter, drafter.resources as r; print(drafter.__file__); print(r.data_dir('playbook'))",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(path.startswith(str(site)) for path in where)
    result = drafter("draft", str(context), "--offline", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["draft"]["technique"] == "rescue_call"
    assert "review the pilot plan with your CFO" in record["draft"]["body"]
    assert drafter("playbook", "list", "--json").returncode == 0
