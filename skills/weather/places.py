"""Said places that are no place: "here" in the nine reply languages, and what the model copies as a place that is
not one (a while from now, "my location" inside a longer span). The weather skill asks for the home forecast then,
and the evaluation scores such a value like no value (the skill's means_default)."""

from __future__ import annotations

from assistant.i18n import unspaced_text
from skills.clock.spoken import UNIT_S, duration_seconds

# Said as a "place" in every language the assistant replies in; compared lower-cased, edge punctuation removed.
_HOME_WORDS = (
    "home|here|outside|out there|at home|my house|my home|my location|my current location|where i am|around here|"
    "near me|nearby|local|home town|hometown|my town|my city|my area|me area|this area|the area|area|me|"
    "zu hause|zuhause|daheim|hier|draußen|draussen|bei mir|in der nähe|"
    "ici|dehors|à la maison|chez moi|près d'ici|"
    "aquí|aqui|afuera|fuera|en casa|cerca|"
    "qui|fuori|a casa|vicino|"
    "thuis|buiten|in de buurt|"
    "her|herhjemme|hjemme|derhjemme|udenfor|i nærheden|hos mig|min lokation|min nuværende lokation|min placering|"
    "ここ|外|家|近く|この辺|"
    "这里|這裡|外面|家里|家裡|附近|本地"
)
HOME_WORDS = frozenset(_HOME_WORDS.split("|"))
"""Locations that mean the configured home."""


def means_home(location: str) -> bool:
    """True when a said location is no place but "here" ("outside", "my area", "zu Hause", "外面"; "my location" inside
    a longer span the model copied), or a while from now that the model copied as the place ("what's the weather in
    ten minutes", "vejret om atten minutter"): the forecast asked for is here's, where looking "ten minutes" up as a
    town would answer "I couldn't find ten minutes"."""
    text = location.strip(" \t.,!?;:。，！？").lower()
    return text in HOME_WORDS or _a_while(text) or _says_here(text)


HERE_INSIDE = tuple(
    f" {words} "
    for words in (
        "my current location|my location|where i am|near me|around here|min nuværende lokation|min lokation|"
        "min placering"
    ).split("|")
)
"""Home words that name no town inside a longer value either (the model copies a span around them: "vejrudsigten for
min nuværende lokation næste måned"). Not "in der Nähe" or "chez moi": "in der Nähe von Berlin" is Berlin, "chez
moi à Lyon" Lyon."""


def _says_here(text: str) -> bool:
    padded = f" {' '.join(text.split())} "
    return any(phrase in padded for phrase in HERE_INSIDE)


def _a_while(text: str) -> bool:
    """Whether text is a duration with its unit said ("ten minutes", "zwei Stunden", "十分钟"); a bare number may be a
    town ("Eighty Four", Pennsylvania)."""
    if not unspaced_text(text) and UNIT_S.keys().isdisjoint(text.split()):
        return False
    try:
        duration_seconds(text)
    except ValueError:
        return False
    return True
