"""A time or a duration in a request's own words, beyond the span read alone (skills.clock.spoken reads that): an
alarm said as a while from now, a time read where the model's span stands in Japanese and Chinese, and whether a
sentence states a time or a duration at all (Normalize.states, Normalize.near)."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.i18n import normalize_text, unspaced_text
from assistant.numbers import said_numbers
from skills.clock.spoken import (
    CJK_NUM,
    CJK_PERIOD,
    HOUR_MARKS,
    HOUR_S,
    MIDNIGHT,
    NOON,
    UNIT_S,
    canonical_duration,
    clock_time,
    duration_seconds,
    normalize_time,
)

# --- an alarm in a while ---------------------------------------------------------------------------------------------
# "Wake me up in 20 minutes", "ein Wecker für fünfzehn Minuten", "十五分钟后的闹钟": an alarm said as a duration from
# now rings then. The converter keeps it relative ("in 20 minutes"); set_alarm adds it to the clock's now.

RELATIVE = "in "
"""How a relative alarm time starts in its canonical form: "in 1 hour 30 minutes"."""
MAX_RELATIVE_S = 24 * HOUR_S
_LEAD_WORDS = re.compile(r"^(?:in|within|om|fra|tra|dans|dentro de|entro|binnen|over)\s+")
_TAIL_WORDS = re.compile(r"\s+(?:from now|later|später|plus tard|più tardi|más tarde|later vanaf nu|fra nu)$")
_CJK_LATER = re.compile(r"(?:以后|以後|之后|之後|后|後)$")


def normalize_alarm_time(text: str) -> str:
    """The converter of an alarm's time: a time of day ("HH:MM"), or a while from now up to a day ("in 20 minutes":
    "in twenty minutes", "fünfzehn Minuten", "om 10 minutter"; in Chinese and Japanese with its "later", "十五分钟后",
    "15分後"); ValueError for anything else."""
    try:
        return normalize_time(text)
    except ValueError as not_a_time:
        norm = normalize_text(text)
        if unspaced_text(norm):  # only with 後/后 said: "3分" is as often "every 3 minutes" (3分ごと, 每3分钟)
            norm = norm.replace(" ", "")
            if not _CJK_LATER.search(norm):
                raise
            norm = _CJK_LATER.sub("", norm)
        else:
            norm = _TAIL_WORDS.sub("", _LEAD_WORDS.sub("", norm))
        try:
            seconds = duration_seconds(norm)
        except ValueError:
            raise not_a_time from None
        if not 0 < seconds <= MAX_RELATIVE_S:
            raise ValueError(f"{text!r} is not a while from now up to a day") from None
        return RELATIVE + canonical_duration(seconds)


# --- a time where the model's span sits, in unspaced scripts ---------------------------------------------------------
# The model copies a span of the request; in Japanese and Chinese it often runs on into the particle and verb after
# the time ("6時に設定する" from "アラームを午前 6 時に設定する"), or starts after the morning/afternoon word ("5時の
# アラーム" from "午後 5 時のアラーム"). Reading the time where the span sits, with the word just before it, gives
# 06:00 and 17:00; reading the span alone would give 05:00 for the second, which is worse than asking again.

_DAY_PART_BEFORE = re.compile(rf"({CJK_PERIOD})$")
_HOUR_COUNTER = re.compile(r"[時时点點]")
_NUMERAL = re.compile(CJK_NUM)


def time_near(sentence: str, span: str) -> str:
    """Normalize.near for a time of day: the longest start of the model's span that is a time and stands in the
    sentence where a time can start, read with the morning/afternoon word right before it ("HH:MM"; ValueError)."""
    text, value = "".join(sentence.split()), "".join(span.split())
    if not unspaced_text(value):
        raise ValueError(f"{span!r}: only unspaced scripts are read in place")
    for end in range(len(value), 0, -1):
        start = value[:end]
        if not _HOUR_COUNTER.search(start):
            break
        at = text.find(start)
        while at > 0 and _NUMERAL.match(text[at - 1]):  # "5時" inside "15時" is not a time of its own
            at = text.find(start, at + 1)
        if at < 0:
            continue
        part = _DAY_PART_BEFORE.search(text[:at])
        try:
            return normalize_time((part.group(1) if part else "") + start)
        except ValueError:
            continue
    raise ValueError(f"no time of day where {span!r} stands in the request")


# --- does a sentence state one at all -------------------------------------------------------------------------------
# Normalize.states: when the model's time or duration cannot be read, nor the whole request, the router leaves an
# optional one out only if the request states none ("cancel my alarm for tomorrow"). A time said but not readable
# ("the four hundred am alarm", "关掉在上午6点的闹钟": the Chinese reader takes a time alone, not inside a sentence) is
# stated: the call is then none(), never "the one alarm there is".

_CJK_TIME_INSIDE = re.compile(rf"(?:{CJK_NUM})(?:時|时|点|點)(?!間)")
_CJK_DURATION_INSIDE = re.compile(rf"(?:{CJK_NUM})(?:个|個)?(?:小时|小時|時間|钟头|鐘頭|分|秒|刻)")
_SPOKEN_TIME_MARKS = HOUR_MARKS | NOON | MIDNIGHT


def _states(text: str, read: Callable[[str], object], marks: frozenset[str], cjk: re.Pattern[str]) -> bool:
    norm = normalize_text(text)
    try:
        read(text)
        return True
    except ValueError:
        pass
    if unspaced_text(norm):
        return cjk.search(norm.replace(" ", "")) is not None
    return bool(said_numbers(norm)) or bool(marks.intersection(norm.split()))


def states_time(text: str) -> bool:
    """Whether text states a time of day, readable or not: a number, an o'clock/noon/midnight word, a CJK hour."""
    return _states(text, clock_time, _SPOKEN_TIME_MARKS, _CJK_TIME_INSIDE)


def states_duration(text: str) -> bool:
    """Whether text states a duration, readable or not: a number or a unit word, a CJK count of units."""
    return _states(text, duration_seconds, frozenset(UNIT_S), _CJK_DURATION_INSIDE)
