"""The semantic layer: sentences that read like a known bad follow-up.

The rules (:mod:`drafter.check.rules`) catch exact wordings. This layer catches
the same habits in words nobody listed: each sentence of the message is embedded
with a small static embedding model, and compared with the exemplar banks in
``<playbook>/exemplars/*.yaml`` (one file per category of bad follow-up, plus
``good.yaml``, sentences a careful rep would send). A sentence is flagged with a
category when its nearest bad exemplar of that category is close enough (the
bank's ``warning_at``/``error_at`` cosine similarity) and closer, by the bank's
``margin``, than its nearest good exemplar. The finding names the category, the
sentence's span, and the nearest known example as the explanation.

The model is WordLlama's ``l2_supercat`` at 256 dimensions: a table of token
embeddings (32,000 x 256, float16, 16 MB) and its tokenizer, both shipped
inside the ``wordllama`` wheel. A sentence's vector is the mean of its tokens'
vectors, normalised. It is loaded here from the packaged files with numpy (the
tokenizer's byte-pair encoding is replicated in :mod:`drafter.check.tokenizer`;
``tokenizers`` only for a chunk holding a special token's text): ``wordllama``
itself is never imported (its loader looks for the tokenizer in the wrong folder,
then tries to download it, and its import alone costs 0.7 s), so nothing is ever
fetched from the network.

Banks are technique-aware: a bank may name techniques it does not apply to
(``not_for``), so the rescue call may admit confusion and the final approach may
say it is the last message.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import struct
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drafter.check.memo import Memo
from drafter.check.rules import Rule
from drafter.errors import PlaybookError
from drafter.loading import read_data, validate

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from drafter.check.tokenizer import ChunkTokenizer

    Matrix = npt.NDArray[np.float32]

Level = Literal["error", "warning"]

# The layer multiplies a few sentence vectors by a few hundred exemplars: work
# far too small for threads, which OpenBLAS would otherwise start (and which cost
# 30 times the work itself on a busy 2-core machine: 2.7 ms instead of 0.07 ms
# per check). Single-threaded BLAS, if numpy is not imported yet and the
# environment does not say otherwise.
if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Likewise the tokenizer: a check tokenizes the few chunks it has not seen
# before, and handing those to a thread pool cost three times the work itself
# (80 µs instead of 25 µs for five chunks, idle; ten times that under load).
# The tokens are the same either way. A batch runs one process per core.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
# Chunks whose token sums the embedder keeps (8 MB of float32 at 256 dimensions):
# a batch's drafts share a few thousand chunks, and each row brings a few of its
# own (a name, an address) that the cache forgets when it starts again.
CHUNK_CACHE = 8_192

# Sentences end at . ! ? (or a run of them, or an ellipsis), at a colon before a
# space or a quote (a label: "If it goes to voicemail: ..."), and at line breaks
# (a closing quote or bracket stays with its sentence).
_SENTENCE = re.compile(r"(?:[^.!?…\n:]+|:(?![\s\"“]))+(?:[.!?…]+[\"”’)\]]*|:(?=[\s\"“])|$)", re.M)
# Each sentence is judged whole. Clauses of long sentences were tried too (30
# November 2026): on the tuning part they caught nothing the sentences missed
# once a clause had to be closer than a sentence (out of its sentence, "I haven't
# heard back" reads like an empty follow-up), and they cost 40% of the layer's
# time (benchmarks/calibrate_semantic.py, benchmarks/bench_check.py).


class ModelMissingError(PlaybookError):
    """The packaged embedding files cannot be found."""


# ---------------------------------------------------------------------------
# The embedding model.


def package_files() -> tuple[Path, Path]:
    """The weights and tokenizer files inside the installed ``wordllama``
    package, found without importing it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise ModelMissingError(
            "the semantic layer needs the wordllama package (pip install wordllama), "
            "or use --rules-only"
        )
    root = Path(spec.origin).parent
    weights, tokenizer = root / WEIGHTS, root / TOKENIZER
    for path in (weights, tokenizer):
        if not path.is_file():
            raise ModelMissingError(
                "the wordllama package has no packaged model file; use --rules-only",
                path=path,
            )
    return weights, tokenizer


def read_safetensors(path: Path, name: str = "embedding.weight") -> Matrix:
    """One tensor of a ``.safetensors`` file as float32, read with numpy alone:
    an 8-byte little-endian header length, a JSON header, then the raw data."""
    import numpy as np

    dtypes = {"F16": np.float16, "F32": np.float32}
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header: dict[str, Any] = json.loads(f.read(size))
        entry = header[name]
        begin, end = entry["data_offsets"]
        f.seek(8 + size + begin)
        raw = f.read(end - begin)
    array = np.frombuffer(raw, dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
    return array.astype(np.float32)


def map_safetensors(path: Path, name: str = "embedding.weight") -> Any:
    """One tensor of a ``.safetensors`` file, mapped from the file as stored
    (float16 or float32, read-only): only the rows used are ever read, and
    converted to float32 when they are (exactly the values
    :func:`read_safetensors` gives)."""
    import numpy as np

    dtypes = {"F16": "<f2", "F32": "<f4"}
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        entry = json.loads(f.read(size))[name]
    begin, end = entry["data_offsets"]
    dtype = np.dtype(dtypes[entry["dtype"]])
    shape = tuple(entry["shape"])
    if (end - begin) != dtype.itemsize * int(np.prod(shape)):
        raise ValueError(f"{path.name}: {name} does not fill its data range")
    mapped = np.memmap(path, dtype=dtype, mode="r", offset=8 + size + begin, shape=shape)
    return np.asarray(mapped)  # a plain array over the mapping


class Embedder:
    """Mean-pooled, normalised token embeddings (WordLlama's ``embed(norm=True)``).

    The tokenizer never merges across a space, so a text's tokens are its
    whitespace-separated chunks' tokens: each chunk is tokenized once and its
    tokens' vector sum is kept, and a text's vector is then a sum of cached rows,
    normalised (the check of a typical message tokenizes nothing new).

    The cache is bounded: its rows live in one preallocated array that doubles
    as it fills, up to ``capacity`` rows; when a new chunk would not fit, the
    cache is emptied and starts again (a batch of 100,000 rows, each with its
    own name and address, would otherwise keep every chunk it ever saw).
    """

    def __init__(
        self, table: Matrix, tokenizer: ChunkTokenizer, capacity: int = CHUNK_CACHE
    ) -> None:
        import numpy as np

        self.table = table
        self.tokenizer = tokenizer
        self.dim = int(table.shape[1])
        self.capacity = capacity
        self._index: dict[str, int] = {}
        self._sums: Matrix = np.zeros((min(1024, capacity), self.dim), dtype=np.float32)

    @classmethod
    def load(cls) -> Embedder:
        weights, tokenizer_file = package_files()
        return cls(map_safetensors(weights), load_tokenizer(tokenizer_file))

    @property
    def cached(self) -> int:
        """How many chunks the cache holds."""
        return len(self._index)

    def _tokenized(self, new: Sequence[str]) -> Matrix:
        """Each chunk's tokens' vector sum."""
        import numpy as np

        # Text read with surrogate escapes (undecodable bytes) cannot go to
        # the tokenizer as is: such characters become U+FFFD for it.
        safe = [c.encode("utf-8", "replace").decode("utf-8") for c in new]
        encodings = self.tokenizer.encode_batch(safe)
        sums = np.zeros((len(new), self.dim), dtype=np.float32)
        limit = self.table.shape[0] - 1
        for i, enc in enumerate(encodings):
            ids: Any = enc
            if ids:
                if min(ids) < 0 or max(ids) > limit:  # never from this model's own files
                    ids = np.clip(np.asarray(ids, dtype=np.int64), 0, limit)
                sums[i] = self.table[ids].astype(np.float32, copy=False).sum(axis=0)
        return sums

    def chunk_sums(self, chunks: Sequence[str]) -> Matrix:
        """The token-vector sums of whitespace-free chunks, one row each,
        tokenizing those the cache does not hold."""
        import numpy as np

        index = self._index
        try:
            rows = [index[c] for c in chunks]
        except KeyError:
            new = [c for c in dict.fromkeys(chunks) if c not in index]
            if len(index) + len(new) > self.capacity:
                index.clear()  # full: start again
                new = list(dict.fromkeys(chunks))
                if len(new) > self.capacity:  # a huge paste: nothing kept
                    unique = {c: i for i, c in enumerate(new)}
                    return self._tokenized(new).take([unique[c] for c in chunks], axis=0)
            base = len(index)
            if base + len(new) > len(self._sums):
                grown = np.zeros(
                    (min(self.capacity, max(2 * len(self._sums), base + len(new))), self.dim),
                    dtype=np.float32,
                )
                grown[:base] = self._sums[:base]
                self._sums = grown
            self._sums[base : base + len(new)] = self._tokenized(new)
            for i, c in enumerate(new):
                index[c] = base + i
            rows = [index[c] for c in chunks]
        return self._sums.take(rows, axis=0)

    def embed_chunks(self, pieces: Sequence[Sequence[str]]) -> Matrix:
        """Normalised vectors of texts given as their whitespace-separated chunks
        (the mean of the tokens' vectors, normalised: the sum normalised is the same)."""
        import numpy as np

        chunks = [c for p in pieces for c in p]
        if not chunks:
            return np.zeros((len(pieces), self.dim), dtype=np.float32)
        vectors = self.chunk_sums(chunks)
        out: Matrix
        if len(pieces) * len(chunks) <= _ASSIGN_LIMIT:
            # Sum each piece's rows as one product with a 0/1 assignment matrix: far
            # cheaper, for a message's few dozen chunks, than numpy's reduceat.
            assign = np.zeros((len(pieces), len(chunks)), dtype=np.float32)
            at = 0
            for i, p in enumerate(pieces):
                assign[i, at : at + len(p)] = 1.0
                at += len(p)
            out = assign @ vectors
        else:  # a huge paste: the assignment matrix would not fit in memory
            out = np.zeros((len(pieces), self.dim), dtype=np.float32)
            at = 0
            for i, p in enumerate(pieces):
                if p:
                    out[i] = vectors[at : at + len(p)].sum(axis=0)
                at += len(p)
        norms = np.sqrt(np.einsum("ij,ij->i", out, out))[:, None]
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def embed(self, texts: Sequence[str]) -> Matrix:
        return self.embed_chunks([t.split() for t in texts])


_ASSIGN_LIMIT = 4_000_000  # cells of the 0/1 matrix (16 MB of float32)


def load_tokenizer(path: Path) -> ChunkTokenizer:
    """The model's tokenizer (:mod:`drafter.check.tokenizer`): its tables are
    read from the tokenizer file once and kept in the start-up cache."""
    from drafter.check import compiled
    from drafter.check.tokenizer import ChunkTokenizer

    return compiled.cached(
        "tokenizer", path.parent, lambda: ChunkTokenizer.from_file(path), ChunkTokenizer
    )


@functools.cache
def load_embedder() -> Embedder:
    return Embedder.load()


# ---------------------------------------------------------------------------
# The rule a finding is reported under.


class SemanticRule(Rule):
    """The rule behind a semantic finding (not written in rule files)."""

    id: str  # semantic:<category>
    type: Literal["semantic"]


@functools.cache
def semantic_rule(category: str, level: Level) -> SemanticRule:
    return SemanticRule(
        id=f"semantic:{category}",
        type="semantic",
        level=level,
        message="Reads like a known bad follow-up.",
        rationale=f"semantic layer, exemplars/{category}.yaml",
    )


# ---------------------------------------------------------------------------
# The exemplar banks.


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bank(_Data):
    """One ``exemplars/<category>.yaml`` file."""

    category: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["bad", "good"] = "bad"
    level: Level = "error"  # the most a finding of this bank can be
    reads_like: str = ""  # "an empty follow-up": the message says "reads like <this>"
    suggestion: str | None = None
    warning_at: float = Field(default=0.8, gt=0, le=1)
    error_at: float = Field(default=0.9, gt=0, le=1)
    margin: float = Field(default=0.02, ge=0, le=1)
    not_for: list[str] = Field(default_factory=list)  # techniques it does not apply to
    source: str | None = None
    examples: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _thresholds(self) -> Bank:
        if self.kind == "bad" and not self.reads_like:
            raise ValueError("a bad bank needs reads_like")
        if self.error_at < self.warning_at:
            raise ValueError("error_at must not be below warning_at")
        return self


@dataclass(frozen=True)
class Hit:
    """A sentence that reads like a bad exemplar."""

    category: str
    level: Level
    start: int
    end: int
    score: float
    nearest: str
    message: str
    suggestion: str | None


# A sentence's verdict before the technique is known: the banks it reads like,
# in bank order, as (bank index, best similarity in the bank, nearest exemplar).
Verdict = tuple[tuple[int, float, int], ...]
SENTENCE_MEMO = 4_096  # sentences per generation of the memo (at most twice as many kept)

# What a name becomes before a sentence is judged: one ordinary name for all, so
# that a sentence reads the same whoever it is for. It is the name good.yaml's
# greetings and sign-offs use ("Thanks, Dana"), and no bad bank's.
STAND_IN_NAME = "Dana"


def without_names(sentence: str, names: Sequence[str]) -> str:
    """``sentence`` with each whole-word occurrence of a name (case as given)
    replaced by :data:`STAND_IN_NAME`: "Thanks, Tom." with the name "Tom" is
    "Thanks, Dana."; "Tomorrow" keeps its "Tom". Plain string search: a batch
    has new names on every row, and no regex is compiled for them."""
    for name in names:
        at = sentence.find(name) if name else -1
        while at >= 0:
            end = at + len(name)
            if (at == 0 or not sentence[at - 1].isalnum()) and (
                end == len(sentence) or not sentence[end].isalnum()
            ):
                sentence = f"{sentence[:at]}{STAND_IN_NAME}{sentence[end:]}"
            at = sentence.find(name, at + 1)
    return sentence


def _sentences(text: str) -> Iterator[tuple[int, str]]:
    """Each sentence's start and its text, stripped of spaces (none empty)."""
    for m in _SENTENCE.finditer(text):
        g = m.group()
        sentence = g.strip()
        if sentence:
            yield m.start() + len(g) - len(g.lstrip()), sentence


def _units(text: str) -> tuple[list[tuple[int, int]], list[list[str]]]:
    """Sentence spans (stripped of spaces) with their whitespace-separated
    chunks; a unit has 2 chunks or more."""
    spans: list[tuple[int, int]] = []
    chunks: list[list[str]] = []
    for start, sentence in _sentences(text):
        words = sentence.split()
        if len(words) >= 2:
            spans.append((start, start + len(sentence)))
            chunks.append(words)
    return spans, chunks


def embed_banks(banks: Sequence[Bank], embedder: Embedder) -> tuple[Matrix, Matrix]:
    """The vectors of the good exemplars and of the bad ones (in bank order)."""
    import numpy as np

    good = [e for b in banks if b.kind == "good" for e in b.examples]
    bad = [e for b in banks if b.kind == "bad" for e in b.examples]
    vectors = embedder.embed(good) if good else np.zeros((0, embedder.dim), np.float32)
    return vectors, embedder.embed(bad)


@dataclass(frozen=True)
class Embedded:
    """A playbook's exemplar banks with their vectors, as kept between runs."""

    banks: tuple[Bank, ...]
    good: Matrix
    bad: Matrix


class SemanticLayer:
    """The banks of one playbook, embedded once."""

    def __init__(
        self,
        path: Path,
        banks: Sequence[Bank],
        embedder: Embedder,
        vectors: tuple[Matrix, Matrix] | None = None,
    ) -> None:
        """``vectors``: the good and bad exemplars' vectors, as
        :func:`embed_banks` gives them (kept from an earlier run), else embedded here."""
        import numpy as np

        self.path = path
        self.embedder = embedder
        self.bad = tuple(b for b in banks if b.kind == "bad")
        self.categories = frozenset(b.category for b in self.bad)
        self._good, self._bad = vectors if vectors is not None else embed_banks(banks, embedder)
        texts = [e for b in self.bad for e in b.examples]
        self._owner = np.asarray(
            [i for i, b in enumerate(self.bad) for _ in b.examples], dtype=np.int64
        )
        self._texts = texts
        sizes = [len(b.examples) for b in self.bad]
        self._starts = np.cumsum([0, *sizes[:-1]]).astype(np.int64)
        self._warning_at = np.asarray([b.warning_at for b in self.bad], dtype=np.float32)
        self._margin = np.asarray([b.margin for b in self.bad], dtype=np.float32)
        self._n_bad = len(texts)
        self._both: Matrix = np.ascontiguousarray(np.concatenate([self._bad, self._good]).T)
        self._memo = Memo[str, Verdict](SENTENCE_MEMO)
        # Per line holding no name: its sentences that read like a bank, with
        # their verdicts, as (start, end, verdict) in the line.
        self._lines = Memo[str, tuple[tuple[int, int, Verdict], ...]](SENTENCE_MEMO)

    def knows(self, rule_id: str) -> bool:
        parts = rule_id.split(":")
        return parts[0] == "semantic" and (
            len(parts) == 1 or (len(parts) == 2 and parts[1] in self.categories)
        )

    def find(self, text: str, technique: str | None = None) -> list[Hit]:
        """The sentences of ``text`` that read like a bad exemplar, at most one
        finding per sentence (its best category)."""
        return self.find_many([text], technique)[0]

    def find_many(
        self, texts: Sequence[str], technique: str | None = None, names: Sequence[str] = ()
    ) -> list[list[Hit]]:
        """:meth:`find` for several texts (a body and its subject) in one pass.

        A sentence's verdict does not depend on the text around it, so it is
        kept in a bounded memo by its wording: drafts of one template share most
        of their sentences, and those are embedded and compared once. No
        sentence reaches over a line break either, so a line that holds none
        of ``names`` keeps its sentences' verdicts too (only those that read
        like a bank, usually none): such a line seen before costs one look-up.
        (A line alone may give one more sentence than in its text: a colon
        ending the line, alone; a sentence of one chunk is never judged.)

        ``names`` (people's and companies' names, as written) become one
        stand-in name before a sentence is judged: a name carries no tone, but
        its tokens can sound like something ("Thanks, Tom." read as deadline
        pressure, by its likeness to "tomorrow")."""
        found: list[list[Hit]] = [[] for _ in texts]
        if not self.bad:
            return found
        # longest first, so that "Tom Ito" goes whole before "Tom" is looked for
        longest = sorted(set(names), key=len, reverse=True)
        lines = self._lines
        # Each sentence as (text, start, end, verdict): the verdict None until judged.
        units: list[tuple[int, int, int, Verdict | None]] = []
        asked: list[tuple[int, str]] = []  # (index in units, wording judged) of unknown verdicts
        fresh: list[
            tuple[str, int, int, int]
        ] = []  # name-free lines to keep: (line, at, first, end)
        for owner, text in enumerate(texts):
            present = [name for name in longest if name and name in text]  # in that order
            at = 0
            for line in text.split("\n"):
                named = bool(present) and any(name in line for name in present)
                kept = None if named else lines.get(line)
                if kept is not None:
                    if kept:
                        units += [(owner, at + s, at + e, v) for s, e, v in kept]
                else:
                    first = len(units)
                    for start, sentence in _sentences(line):
                        if len(sentence.split(maxsplit=1)) < 2:
                            continue  # one chunk: never judged (see _judge)
                        wording = without_names(sentence, longest) if named else sentence
                        verdict = self._memo.get(wording)
                        if verdict is None:
                            asked.append((len(units), wording))
                        units.append((owner, at + start, at + start + len(sentence), verdict))
                    if not named:
                        fresh.append((line, at, first, len(units)))
                at += len(line) + 1
        if asked:
            new = list(dict.fromkeys(wording for _, wording in asked))
            judged = dict(zip(new, self._judge(new), strict=True))
            for wording, verdict in judged.items():
                self._memo.put(wording, verdict)
            for i, wording in asked:
                owner, start, end, _ = units[i]
                units[i] = (owner, start, end, judged[wording])
        for line, at, first, end in fresh:
            lines.put(
                line,
                tuple((s - at, e - at, v) for _, s, e, v in units[first:end] if v),
            )
        skip = self._skipped(technique)
        for owner, start, end, verdict in units:
            if not verdict:
                continue
            best: tuple[int, float, int] | None = None
            for over in verdict:
                if over[0] not in skip and (best is None or over[1] > best[1]):
                    best = over  # the first of the best, as numpy's argmax
            if best is not None:
                found[owner].append(self._hit(*best, start, end))
        return found

    def _judge(self, sentences: Sequence[str]) -> list[Verdict]:
        """Each sentence's verdict: the banks it reads like, whatever the technique."""
        import numpy as np

        verdicts: list[Verdict] = [()] * len(sentences)
        pieces = [s.split() for s in sentences]
        units = [i for i, p in enumerate(pieces) if len(p) >= 2]  # a unit has 2 chunks or more
        if not units:
            return verdicts
        vectors = self.embedder.embed_chunks([pieces[i] for i in units])
        both = vectors @ self._both  # (units, bad exemplars then good ones)
        sims = both[:, : self._n_bad]  # banks in contiguous columns
        per_bank = np.maximum.reduceat(sims, self._starts, axis=1)  # (units, banks)
        if self._n_bad < both.shape[1]:
            good = both[:, self._n_bad :].max(axis=1)
        else:
            good = np.zeros(len(units), dtype=np.float32)
        over = (per_bank >= self._warning_at) & (per_bank - good[:, None] >= self._margin)
        for u in np.flatnonzero(over.any(axis=1)):
            banks = []
            for b in np.flatnonzero(over[u]):
                begin = int(self._starts[b])
                j = begin + int(np.argmax(sims[u, begin : begin + len(self.bad[b].examples)]))
                banks.append((int(b), float(per_bank[u, b]), j))
            verdicts[units[u]] = tuple(banks)
        return verdicts

    def _hit(self, b_index: int, score: float, j: int, start: int, end: int) -> Hit:
        bank = self.bad[b_index]
        level: Level = "error" if bank.level == "error" and score >= bank.error_at else "warning"
        return Hit(
            category=bank.category,
            level=level,
            start=start,
            end=end,
            score=score,
            nearest=self._texts[j],
            message=f"Reads like {bank.reads_like}, like: “{self._texts[j]}”",
            suggestion=bank.suggestion,
        )

    @functools.cache  # noqa: B019 (one layer per playbook, kept for the process)
    def _skipped(self, technique: str | None) -> frozenset[int]:
        """The banks that do not apply to this technique."""
        if technique is None:
            return frozenset()
        return frozenset(i for i, b in enumerate(self.bad) if technique in b.not_for)


def _read_banks(folder: Path) -> list[Bank]:
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise PlaybookError("no exemplar files (*.yaml) found", path=folder)
    banks: list[Bank] = []
    seen: dict[str, Path] = {}
    for file in files:
        bank = validate(Bank, read_data(file, error=PlaybookError), path=file, error=PlaybookError)
        if bank.category in seen:
            raise PlaybookError(
                f"duplicate category {bank.category!r} (also in {seen[bank.category].name})",
                path=file,
                key="category",
            )
        seen[bank.category] = file
        banks.append(bank)
    return banks


@functools.cache
def _load_semantic(playbook_dir: Path | None) -> SemanticLayer:
    from drafter.check import compiled
    from drafter.resources import default_playbook_dir

    folder = (playbook_dir or default_playbook_dir()) / "exemplars"
    embedder = load_embedder()

    def build() -> Embedded:
        banks = tuple(_read_banks(folder))
        return Embedded(banks, *embed_banks(banks, embedder))

    # Embedding the banks is most of the layer's start-up: kept between runs
    # while the banks, the model files and the code are unchanged.
    from importlib.metadata import version

    import numpy as np

    embedded = compiled.cached(
        "exemplars",
        folder,
        build,
        Embedded,
        also=package_files(),
        versions=f"numpy {np.__version__}, tokenizers {version('tokenizers')}",
    )
    return SemanticLayer(folder, embedded.banks, embedder, (embedded.good, embedded.bad))


def load_semantic(playbook_dir: Path | None = None) -> SemanticLayer:
    """The exemplar banks of a playbook folder (default: the built-in one),
    embedded once. Raises :class:`drafter.errors.PlaybookError` naming the file
    and key on a malformed bank, or when the packaged model is missing."""
    return _load_semantic(playbook_dir.resolve() if playbook_dir is not None else None)


def read_banks(playbook_dir: Path | None = None) -> list[Bank]:
    """The exemplar banks of a playbook folder (default: the built-in one), read
    and validated without the embedding model: the LLM judge
    (:mod:`drafter.judge`) asks about the same categories."""
    from drafter.resources import default_playbook_dir

    return _read_banks((playbook_dir or default_playbook_dir()) / "exemplars")
