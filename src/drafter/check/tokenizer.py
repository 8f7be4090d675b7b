"""The embedding model's tokenizer for one whitespace-free chunk, in Python.

WordLlama's ``l2_supercat`` model ships Llama 2's tokenizer as a ``tokenizers``
JSON file: byte-pair encoding over the whole text, with ``▁`` prepended and
spaces made ``▁``, characters outside the vocabulary spelled as their UTF-8
bytes (``<0xE2>``), and three special tokens (``<unk>``, ``<s>``, ``</s>``).
Loading that file with ``tokenizers`` parses 1.8 MB of JSON and builds 61,249
merges: 0.1 s, a sixth of a cold ``drafter check``. The semantic layer only
ever tokenizes chunks (text between whitespace), so this module does the same
byte-pair encoding from three small tables kept in the start-up cache
(:mod:`drafter.check.compiled`), built once from that file:

- the vocabulary's one-character tokens, and the 256 byte tokens;
- each merge, keyed by its pair of token ids, with its rank and the merged id.

:meth:`ChunkTokenizer.encode` follows ``tokenizers``' own BPE step by step
(``Word::merge_all``: a heap of candidate merges, lowest rank first, then
leftmost; a merge whose pair has changed since it was queued is dropped), so the
ids are the same: ``tests/test_semantic_tokenizer.py`` compares them on every
chunk of the corpora, the exemplars and a few hundred thousand random ones.
A chunk holding a special token's text (``<s>``) goes to ``tokenizers`` itself,
loaded then. A file that is not shaped like this one (another model) is
tokenized by ``tokenizers`` throughout.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tokenizers import Tokenizer

_SPACE = "\u2581"  # ▁, what the normalizer makes of a space and puts in front
_ID_BITS = 16  # ids (and ranks) of a merge share one int: pair a, b -> rank, merged id
_ID_MASK = (1 << _ID_BITS) - 1
_EXPECTED_NORMALIZER = {
    "type": "Sequence",
    "normalizers": [
        {"type": "Prepend", "prepend": _SPACE},
        {"type": "Replace", "pattern": {"String": " "}, "content": _SPACE},
    ],
}


class NotThisModel(ValueError):
    """The tokenizer file is not shaped like the one this module replicates."""


class ChunkTokenizer:
    """Token ids of whitespace-free chunks, as the model's tokenizer gives them."""

    def __init__(
        self,
        path: Path,
        chars: dict[str, int] | None,
        byte_ids: tuple[int, ...] = (),
        merges: dict[int, int] | None = None,
        specials: tuple[str, ...] = (),
    ) -> None:
        """``chars`` None: every chunk goes to ``tokenizers`` (see :meth:`from_file`)."""
        self.path = path
        self.chars = chars
        self.byte_ids = byte_ids
        self.merges = merges or {}
        self.specials = specials
        self._library: Tokenizer | None = None

    def __getstate__(self) -> dict[str, Any]:  # kept in the start-up cache without the library's
        return {**self.__dict__, "_library": None}

    @classmethod
    def from_file(cls, path: Path) -> ChunkTokenizer:
        """The tables of a ``tokenizers`` JSON file like WordLlama's; one that
        is not (another kind of model, other normalization) is used through
        ``tokenizers`` for every chunk."""
        try:
            return cls(path, *_tables(json.loads(path.read_text(encoding="utf-8"))))
        except NotThisModel:
            return cls(path, None)

    def library(self) -> Tokenizer:
        """``tokenizers``' own tokenizer for the file, loaded on first use."""
        if self._library is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.path))
            tokenizer.no_padding()
            tokenizer.no_truncation()
            self._library = tokenizer
        return self._library

    def encode_batch(self, chunks: Sequence[str]) -> list[list[int]]:
        """Each chunk's token ids (no special tokens added)."""
        if self.chars is None:
            return [e.ids for e in self.library().encode_batch(chunks, add_special_tokens=False)]
        out: list[list[int]] = []
        for chunk in chunks:
            if any(special in chunk for special in self.specials):
                encoded = self.library().encode_batch([chunk], add_special_tokens=False)
                out.append(encoded[0].ids)
            else:
                out.append(self.encode(chunk))
        return out

    def encode(self, chunk: str) -> list[int]:
        """The ids of ``▁`` + ``chunk`` (spaces as ``▁``): ``tokenizers``' BPE
        with byte fallback, merge by merge."""
        chars, byte_ids = self.chars, self.byte_ids
        assert chars is not None
        ids: list[int] = []
        for ch in _SPACE + chunk.replace(" ", _SPACE):
            found = chars.get(ch)
            if found is not None:
                ids.append(found)
            else:  # every byte has a token in this vocabulary (checked when built)
                ids.extend(byte_ids[b] for b in ch.encode("utf-8"))
        n = len(ids)
        if n < 2:
            return ids
        merges = self.merges
        following = [*range(1, n), -1]
        preceding = list(range(-1, n - 1))
        alive = [True] * n
        queue: list[tuple[int, int, int]] = []  # (rank, position, merged id)
        for at in range(n - 1):
            merge = merges.get(ids[at] << _ID_BITS | ids[at + 1])
            if merge is not None:
                queue.append((merge >> _ID_BITS, at, merge & _ID_MASK))
        heapq.heapify(queue)
        while queue:
            _, at, merged = heapq.heappop(queue)
            if not alive[at] or (right := following[at]) == -1:
                continue
            merge = merges.get(ids[at] << _ID_BITS | ids[right])
            if merge is None or merge & _ID_MASK != merged:
                continue  # queued before a neighbour changed: no longer this pair
            ids[at] = merged
            alive[right] = False
            after = following[right]
            following[at] = after
            if after != -1:
                preceding[after] = at
            before = preceding[at]
            if before >= 0:
                merge = merges.get(ids[before] << _ID_BITS | merged)
                if merge is not None:
                    heapq.heappush(queue, (merge >> _ID_BITS, before, merge & _ID_MASK))
            if after != -1:
                merge = merges.get(merged << _ID_BITS | ids[after])
                if merge is not None:
                    heapq.heappush(queue, (merge >> _ID_BITS, at, merge & _ID_MASK))
        return [token for token, kept in zip(ids, alive, strict=True) if kept]


def _tables(
    spec: Any,
) -> tuple[dict[str, int], tuple[int, ...], dict[int, int], tuple[str, ...]]:
    """One-character tokens, byte tokens, merges and special tokens' texts of a
    tokenizer file shaped like WordLlama's; :class:`NotThisModel` otherwise."""
    model = spec.get("model") or {}
    plain = {
        "type": "BPE",
        "dropout": None,
        "continuing_subword_prefix": None,
        "end_of_word_suffix": None,
        "byte_fallback": True,
        "ignore_merges": False,
    }
    if any(model.get(key) != value for key, value in plain.items()):
        raise NotThisModel("not a plain byte-fallback BPE")
    if spec.get("normalizer") != _EXPECTED_NORMALIZER or spec.get("pre_tokenizer") is not None:
        raise NotThisModel("another normalization")
    vocab: dict[str, int] = model["vocab"]
    added = spec.get("added_tokens") or []
    if any(not a.get("special") or a.get("normalized") for a in added):
        raise NotThisModel("added tokens other than unnormalized special ones")
    if max(vocab.values()) > _ID_MASK or len(model["merges"]) > _ID_MASK:
        raise NotThisModel("too many tokens to pack")
    try:
        byte_ids = tuple(vocab[f"<0x{b:02X}>"] for b in range(256))
    except KeyError:
        raise NotThisModel("a byte without a token") from None
    merges: dict[int, int] = {}
    try:
        for rank, pair in enumerate(model["merges"]):
            left, right = pair.split(" ", 1) if isinstance(pair, str) else pair
            # a pair listed twice keeps its last rank, as tokenizers' map does
            merges[vocab[left] << _ID_BITS | vocab[right]] = rank << _ID_BITS | vocab[left + right]
    except KeyError:
        raise NotThisModel("a merge outside the vocabulary") from None
    chars = {token: i for token, i in vocab.items() if len(token) == 1}
    return chars, byte_ids, merges, tuple(a["content"] for a in added)
