"""drafter's byte-pair encoding of a chunk gives the ids ``tokenizers`` gives.

The semantic layer tokenizes chunks (text between whitespace) with
:mod:`drafter.check.tokenizer` instead of loading ``tokenizers`` (a sixth of a
cold ``drafter check``): any difference would move a sentence's vector, so every
chunk of the corpora, the exemplars, the templates and the docs, and tens of
thousands of random ones (accents, CJK, emoji, combining marks, the ``▁`` itself,
bytes outside the vocabulary), are compared with the library's own ids.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from tokenizers import Tokenizer

from drafter.check.semantic import load_embedder, package_files
from drafter.check.tokenizer import ChunkTokenizer

ROOT = Path(__file__).resolve().parent.parent
_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'’.,!?-–—“”()[]{}<>/\\@#$%^&*_"
    '=+:;"éèüößçñåøæ€£¥©®™…•·😀👍🙂中文字日本語한국어ñ̃\u0301\u200b\ufeff▁s<>/unk'
)


@pytest.fixture(scope="module")
def library() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(package_files()[1]))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


@pytest.fixture(scope="module")
def ours() -> ChunkTokenizer:
    return ChunkTokenizer.from_file(package_files()[1])


def _chunks() -> list[str]:
    found: set[str] = set()
    for name in ("tone_labelled.yaml", "tone_corpus.yaml", "tone_review.yaml"):
        for m in yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))[
            "messages"
        ]:
            found.update(" ".join(str(m.get(k) or "") for k in ("body", "text", "subject")).split())
    for path in [*(ROOT / "playbook").rglob("*.yaml"), *(ROOT / "docs").glob("*.md")]:
        found.update(path.read_text(encoding="utf-8").split())
    rng = random.Random(10)
    for _ in range(40_000):
        found.add("".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 14))))
    for _ in range(5_000):
        found.add("".join(chr(rng.randint(33, 0x2FFFF)) for _ in range(rng.randint(1, 6))))
    safe = {c.encode("utf-8", "replace").decode("utf-8") for c in found}  # as the embedder does
    return sorted(c for c in safe if c.split() == [c])


def test_ids_are_the_librarys_on_every_chunk(library: Tokenizer, ours: ChunkTokenizer) -> None:
    chunks = _chunks()
    assert ours.chars is not None  # the file is replicated, not handed to the library
    want = [e.ids for e in library.encode_batch(chunks, add_special_tokens=False)]
    got = ours.encode_batch(chunks)
    differ = [c for c, w, g in zip(chunks, want, got, strict=True) if w != g]
    assert not differ, differ[:5]
    assert len(chunks) > 40_000


def test_a_special_tokens_text_goes_to_the_library(
    library: Tokenizer, ours: ChunkTokenizer
) -> None:
    chunks = ["<s>", "a</s>b", "x<unk>", "<s><s>"]
    want = [e.ids for e in library.encode_batch(chunks, add_special_tokens=False)]
    assert ours.encode_batch(chunks) == want
    assert 1 in want[0]  # <s> is the special token there, not its letters


def test_another_kind_of_tokenizer_file_is_left_to_the_library(tmp_path: Path) -> None:
    spec = json.loads(package_files()[1].read_text(encoding="utf-8"))
    spec["normalizer"] = None  # not the normalization replicated here
    path = tmp_path / "other.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    other = ChunkTokenizer.from_file(path)
    assert other.chars is None
    library = Tokenizer.from_file(str(path))
    assert other.encode_batch(["Hello,", "world"]) == [
        e.ids for e in library.encode_batch(["Hello,", "world"], add_special_tokens=False)
    ]


def test_the_embedder_uses_the_replica() -> None:
    embedder = load_embedder()
    assert isinstance(embedder.tokenizer, ChunkTokenizer)
    assert embedder.tokenizer.chars is not None
