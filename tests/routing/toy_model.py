"""A toy tokenizer with byte fallback and a random-logits engine: the decoder and router run on any text without
the model (Gemma's tokenizer also falls back to bytes for characters it has no piece for)."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

# Merges that matter for the call language (`="`, `",`, `")`, names after a space), a few words and CJK pieces
# ("サン" spans two characters, as in Gemma's "ロ|サン|ゼル|スの"), then every printable ASCII character.
NAMES = "weather play_music music_control set_volume calculate news none".split()
MERGES = [
    *NAMES,
    *(f" {name}" for name in NAMES),
    '="',
    '",',
    '")',
    "()",
    ", ",
    "location",
    "query",
    "expression",
    "topic",
    "level",
    "action",
    "today",
    "tomorrow",
    "Paris",
    " Paris",
    "jazz",
    "ñ",
    "サン",
    "ロ",
    "ゼル",
    "スの",
    "天気",
    "予",
    "報",
    "東京",
    "东京",
    "の",
]
VOCAB = list(dict.fromkeys(MERGES)) + [chr(c) for c in range(32, 127) if chr(c) not in MERGES]
BYTE_BASE = len(VOCAB)
"""Tokens BYTE_BASE + b stand for the single byte b (byte fallback)."""
VOCAB_SIZE = BYTE_BASE + 256
_TOKEN = {piece: i for i, piece in enumerate(VOCAB)}
_BY_FIRST: dict[str, list[str]] = {}
for _piece in sorted(VOCAB, key=len, reverse=True):
    _BY_FIRST.setdefault(_piece[0], []).append(_piece)


def tokenize(text: str) -> list[int]:
    """Greedy longest match over VOCAB; any other character as its UTF-8 bytes."""
    out, i = [], 0
    while i < len(text):
        piece = next((p for p in _BY_FIRST.get(text[i], ()) if text.startswith(p, i)), None)
        if piece is None:
            out.extend(BYTE_BASE + b for b in text[i].encode("utf-8", "surrogatepass"))
            i += 1
        else:
            out.append(_TOKEN[piece])
            i += len(piece)
    return out


def piece(token: int) -> bytes:
    """The bytes of a token."""
    return bytes([token - BYTE_BASE]) if token >= BYTE_BASE else VOCAB[token].encode()


class RandomScores:
    """Logits drawn at random, plus a bias on some tokens."""

    def __init__(self, rng: random.Random, bias: dict[int, float]) -> None:
        self.full = np.array([rng.gauss(0, 3) for _ in range(VOCAB_SIZE)], dtype=np.float32)
        for token, extra in bias.items():
            self.full[token] += extra

    def of(self, tokens: Sequence[int]) -> np.ndarray:
        return self.full[list(tokens)]


class RandomEngine:
    """Stands in for llama.cpp: random logits (bias: extra logit per token, e.g. against closing quotes so strings
    run long), the same position bookkeeping, this module's tokenizer."""

    def __init__(self, seed: int, bias: dict[int, float] | None = None) -> None:
        self.rng = random.Random(seed)
        self.bias = bias or {}
        self.n_past = 0

    def eval(self, tokens: Sequence[int], outputs: Sequence[int] = (), *, full: bool = False) -> list[RandomScores]:
        self.n_past += len(tokens)
        return [RandomScores(self.rng, self.bias) for _ in outputs]

    def truncate(self, n_tokens: int) -> None:
        assert n_tokens <= self.n_past
        self.n_past = n_tokens

    def tokenize(self, text: str) -> list[int]:
        return tokenize(text)

    def piece(self, token: int) -> bytes:
        return piece(token)
