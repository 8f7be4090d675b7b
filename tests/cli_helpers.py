"""Run the real entry point in-process, the way the console script does."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

import pytest

from drafter.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> Result:
    capsys.readouterr()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdin = old
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
