"""Numbers in a call must come from the request: what a number parameter may take this turn.

A small model asked for set_volume with no number in the request fills in a plausible one ("volume à sec", a
misheard "volume à cinq", came out set_volume(level=5); "volume assist" came out level 3). The decoder offers a
number parameter only the values the request states, so the model's next-best call wins instead
(assistant.routing.decoder); the router checks the same for backends that do not constrain (assistant.routing.router).
"""

from __future__ import annotations

import math
import re

from assistant.i18n import unspaced_text
from assistant.numbers import said_numbers
from assistant.registry import Param

BOUND_PHRASES = {
    "max": (
        *"max maximum maximal maximale full loudest highest höchste volle voll plein máximo maximo".split(),
        *"massimo tope hoogste vol 最大 最高 一番大きく".split(),
        "all the way up",
        "à fond",
        "as loud as",
    ),
    "min": (
        *"min minimum minimal minimale lowest mute silent niedrigste stumm muet silence mínimo minimo".split(),
        *"silencio laagste 最小 最低 静音 ミュート".split(),
        "all the way down",
    ),
}
"""Phrases that name a number parameter's bounds ("volume to max" is 10): a bound needs no digits to be said."""


def names_bound(text: str, bound: str) -> bool:
    """Whether text names the max or min of a range: whole words, or characters for Chinese and Japanese."""
    words = " " + " ".join(re.sub(r"[^\w]+", " ", text.lower()).split()) + " "
    return any(
        (phrase in text) if unspaced_text(phrase) else (f" {phrase} " in words) for phrase in BOUND_PHRASES[bound]
    )


class SaidNumbers:
    """The numbers one request states, and which of them each number parameter may take."""

    def __init__(self, text: str) -> None:
        self.text = text
        # A number too big for a float ("1" and 400 zeros) is said as inf: no parameter can take it.
        self.numbers = {n for n in said_numbers(text) if math.isfinite(n)}
        self._max = names_bound(text, "max")
        self._min = names_bound(text, "min")
        self._literals: dict[str, frozenset[str]] = {}

    def values(self, param: Param) -> set[float]:
        """Values for param: said numbers inside its range; a bound named in words; on a 0-10 scale a said
        percentage ("volume to ninety" is 9)."""
        bounds = param.range
        if bounds is None:
            return set(self.numbers)
        out = {n for n in self.numbers if bounds.min <= n <= bounds.max}
        if bounds.max == 10:
            out |= {n / 10 for n in self.numbers if 10 < n <= 100 and n % 10 == 0}
        if self._max:
            out.add(float(bounds.max))
        if self._min:
            out.add(float(bounds.min))
        if param.type is int:
            out = {n for n in out if n == int(n)}
        return out

    def literals(self, param: Param) -> frozenset[str]:
        """values() as the call language writes them: 7, 1.5 (asked for again and again while decoding: kept)."""
        key = f"{param.name}:{param.type.__name__}:{param.range}"
        if key not in self._literals:
            self._literals[key] = frozenset(str(int(n)) if n == int(n) else repr(n) for n in self.values(param))
        return self._literals[key]

    def said(self, param: Param, value: float) -> bool:
        """Whether value for param was said."""
        return float(value) in self.values(param)
