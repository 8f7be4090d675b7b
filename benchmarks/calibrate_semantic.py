"""Choose the semantic layer's thresholds on the TUNING part of the corpus only.

For each tuning record, every sentence (and clause) is scored against the
exemplar banks as ``drafter check`` would, except that exemplars that are
near-copies of the record (cosine >= --self 0.92) are left out: many bank
examples were written from tuning records, and a record must not vouch for
itself. The rules' own verdict is added (rules only, moves off). Then a grid of
(warning_at, error_at, margin), the same for every bank, is searched for the
best recall (bad-clear given an error, plus all bad given a warning or error)
with no good record given an error and at most one in five given a warning
(a warning is advice, but a layer that warns on every message is not read).
It prints the best settings; copy them into playbook/exemplars/*.yaml by hand.
The held-out part is never read.

    .venv/bin/python benchmarks/calibrate_semantic.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_tone import judge, load_corpus


def scores(layer: Any, record: dict[str, Any], near: float) -> list[tuple[str, str, float, float]]:
    """(category, bank level, best bad score, margin over good) per unit, self-matches out."""
    import numpy as np

    from drafter.check.semantic import _units

    text = record["text"]
    spans, pieces = _units(text)
    if not spans:
        return []
    vectors = layer.embedder.embed_chunks(pieces)
    bad = vectors @ layer._bad.T
    good = vectors @ layer._good.T
    whole = layer.embedder.embed([text])[0]
    bad[:, (layer._bad @ whole) >= near] = -1.0
    good[:, (layer._good @ whole) >= near] = -1.0
    best_good = good.max(axis=1) if good.shape[1] else np.zeros(len(spans))
    out = []
    technique = record.get("technique")
    for u in range(len(spans)):
        for b, bank in enumerate(layer.bad):
            if technique in bank.not_for:
                continue
            cols = np.flatnonzero(layer._owner == b)
            s = float(bad[u, cols].max())
            out.append((bank.category, bank.level, s, s - float(best_good[u])))
    return out


def project_sets() -> list[dict[str, Any]]:
    """The project's own labelled messages (tests/data/tone_labelled.yaml and
    tone_review.yaml: written here, never part of the corpus), as more tuning
    data: a bad one is clear (it must get an error), a good one must not."""
    import yaml

    out = []
    for name in ("tone_labelled.yaml", "tone_review.yaml"):
        path = Path(__file__).resolve().parent.parent / "tests" / "data" / name
        for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            out.append(
                {
                    "id": m["id"],
                    "text": m["body"],
                    "channel": m["channel"],
                    "technique": m.get("technique"),
                    "label": "good" if m["label"] == "good" else "bad-clear",
                    "category": "project",
                }
            )
    return out


def main() -> int:
    from drafter.check.semantic import load_semantic

    near = 0.92
    layer = load_semantic()
    records = [r for r in load_corpus() if r["part"] == "tune"] + project_sets()
    data = []
    for r in records:
        error, flagged, _ = judge(r, rules_only=True)
        data.append((r["label"], error, flagged, scores(layer, r, near)))
    best = None
    grid_w = [0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    grid_e = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75]
    grid_m = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]
    for w, e, m in itertools.product(grid_w, grid_e, grid_m):
        if e < w:
            continue
        clear = clear_hit = bad = bad_hit = good_err = good_warn = 0
        for label, r_err, r_flag, units in data:
            s_err = any(s >= e and mg >= m and lvl == "error" for _, lvl, s, mg in units)
            s_flag = any(s >= w and mg >= m for _, _, s, mg in units)
            err, flag = r_err or s_err, r_flag or r_err or s_flag or s_err
            if label == "good":
                good_err += err
                good_warn += flag
            else:
                bad += 1
                bad_hit += flag
                if label == "bad-clear":
                    clear += 1
                    clear_hit += err
        score = (clear_hit / clear + bad_hit / bad, -good_warn)
        goods = sum(1 for d in data if d[0] == "good")
        if good_err == 0 and good_warn <= 0.2 * goods and (best is None or score > best[0]):
            best = (score, w, e, m, clear_hit, clear, bad_hit, bad, good_warn)
    assert best is not None
    _, w, e, m, ch, c, bh, b, gw = best
    print(f"self-matches (cosine >= {near}) left out; {len(records)} tuning and project records")
    print(f"best: warning_at {w}, error_at {e}, margin {m}")
    print(f"  bad-clear given an error {ch}/{c}; all bad flagged {bh}/{b}; good given an error 0;")
    print(f"  good given a warning {gw}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
