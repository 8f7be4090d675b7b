"""The offline batch's process pool: what each worker starts with."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

from drafter.batch import runner
from drafter.batch.rows import DraftConfig, RowDrafter
from drafter.settings import load_settings


def _drafter(tmp_path: Path) -> RowDrafter:
    settings = load_settings(env={}, cwd=tmp_path)
    header = ("name", "company", "stage")
    return RowDrafter(DraftConfig(settings, header, dt.date(2026, 11, 23), "csv"))


def test_a_worker_collects_garbage_less_often_and_leaves_the_parent_as_it_was(
    tmp_path: Path,
) -> None:
    before = gc.get_threshold()
    pool = runner._pool(1, _drafter(tmp_path))
    try:
        threshold = pool.submit(gc.get_threshold).result(timeout=60)
        frozen = pool.submit(gc.get_freeze_count).result(timeout=60)
    finally:
        pool.shutdown()
    assert threshold == (runner.WORKER_GC_THRESHOLD, *before[1:])
    assert frozen > 0  # what the worker started with is out of the collector's way
    assert gc.get_threshold() == before
