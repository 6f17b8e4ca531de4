"""What the clock skills say: durations, times of day, dates, timers' and alarms' names, in the request's language.

Sentences and unit words are data (locales/<language>.json, loaded by assistant.i18n.Messages); dates, weekday names
and the clock format of each language come from Babel's CLDR data ("Dienstag, 3. März 2026", "7:05 PM", "下午7点05分").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from babel.dates import format_date, format_time, get_day_names

from assistant.i18n import UNSPACED, Messages
from skills.clock.store import Alarm, Timer

MESSAGES = Messages.load("clock", Path(__file__).with_name("locales"))
"""The clock skills' sentences: locales/<language>.json."""

_TIME_PATTERNS = {
    "en": ("h:mm a", "h a"),
    "de": ("H:mm 'Uhr'", "H 'Uhr'"),
    "fr": ("H 'h' mm", "H 'h'"),
    "es": ("H:mm", "H:mm"),
    "it": ("H:mm", "H:mm"),
    "nl": ("H:mm", "H 'uur'"),
    # Danish writes CLDR's "HH.mm", which espeak-ng reads "syv punktum nul fem"; "7:05" it reads "syv nul fem",
    # as Danes say it, and "19" alone after "klokken" is "klokken nitten".
    "da": ("H:mm", "H"),
    "ja": ("ah時m分", "ah時"),
    "zh": ("ah点mm分", "ah点"),
}
"""CLDR patterns (with minutes, on the hour) of a time of day as it is said: "7:05 PM", "19:05 Uhr", "19 h 05",
"午後7時5分", "下午7点05分"."""


def base(language: str) -> str:
    """The language's base code for tables ("de-CH" -> "de"), English when it has none."""
    code = language.split("-")[0].lower()
    return code if code in _TIME_PATTERNS else "en"


_SENTENCE_START = re.compile(r"(^[¡¿]?|(?:(?<!\d)\.|[!?])\s+[¡¿]?)(\w)")
"""Where a sentence starts. A full stop after a digit ends an ordinal, not a sentence: Danish "den 3. marts"."""


def say(language: str, key: str, **values: object) -> str:
    """Sentences from the catalogue, each starting with a capital (a name may start one: "the pasta timer...");
    not in Japanese and Chinese, where a capital would only change a name written in Latin letters."""
    text = MESSAGES.say(language, key, **values)
    if base(language) in UNSPACED:
        return text
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def phrase(language: str, key: str, **values: object) -> str:
    """A piece of a sentence from the catalogue, as written."""
    return MESSAGES.say(language, key, **values)


def duration(language: str, seconds: float) -> str:
    """A duration as said: "1 hour and 30 minutes", "4 minutes and 12 seconds", "10 minutes", "1時間30分".

    Rounded to what is worth saying: minutes from an hour up, whole minutes from ten minutes up, seconds below;
    rounded up, so a timer with 0.4 s left still has "1 second".
    """
    total = max(0, math.ceil(seconds - 1e-6))
    if total >= 3600:
        total = round(total / 60) * 60
    elif total >= 600:
        total = math.ceil(total / 60) * 60
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        phrase(language, key if n != 1 else f"{key[:-1]}_1", n=n)
        for n, key in ((hours, "hours"), (minutes, "minutes"), (secs, "seconds"))
        if n
    ]
    if not parts:
        return phrase(language, "seconds", n=0)
    return parts[0] if len(parts) == 1 else phrase(language, "pair", a=parts[0], b=parts[1])


def listing(language: str, items: list[str]) -> str:
    """Items as a spoken list: "a, b and c", "a、b和c"."""
    if len(items) <= 1:
        return "".join(items)
    return phrase(language, "list_and", a=phrase(language, "list_sep").join(items[:-1]), b=items[-1])


def clock(language: str, hour: int, minute: int) -> str:
    """A time of day as said: "7:05 PM", "7 PM", "19:05 Uhr", "19 h", "午後7時5分"."""
    with_minutes, on_the_hour = _TIME_PATTERNS[base(language)]
    pattern = on_the_hour if minute == 0 else with_minutes
    return format_time(dt.time(hour % 24, minute % 60), pattern, locale=base(language))


def date(language: str, day: dt.date) -> str:
    """A date as said: "Tuesday, March 3, 2026", "Dienstag, 3. März 2026", "2026年3月3日星期二"."""
    return format_date(day, "full", locale=base(language))


def weekday(language: str, index: int) -> str:
    """A weekday's name, Monday 0: "Monday", "Montag", "lundi", "月曜日"."""
    return str(get_day_names("wide", locale=base(language))[index])


def timer_name(language: str, timer: Timer) -> str:
    """A timer's name in a sentence: "the pasta timer", "the timer for 10 minutes"."""
    if timer.name:
        return phrase(language, "timer_named", name=timer.name)
    return phrase(language, "timer_plain", duration=duration(language, timer.duration_s))


def alarm_when(language: str, alarm: Alarm, now: float, zone: dt.tzinfo) -> str:
    """When an alarm rings, as said: "7 AM tomorrow", "7 AM on weekdays", "morgen um 7 Uhr"."""
    time_said = clock(language, alarm.hour, alarm.minute)
    if alarm.repeat in ("daily", "weekdays", "weekends"):
        return phrase(language, f"when_{alarm.repeat}", time=time_said)
    if alarm.repeat == "weekly":
        return phrase(language, "when_weekly", time=time_said, day=weekday(language, alarm.weekday))
    at = dt.datetime.fromtimestamp(alarm.next_at, zone).date()
    today = dt.datetime.fromtimestamp(now, zone).date()
    if at == today:
        return phrase(language, "when_today", time=time_said)
    if at == today + dt.timedelta(days=1):
        return phrase(language, "when_tomorrow", time=time_said)
    return phrase(language, "when_day", time=time_said, day=weekday(language, at.weekday()))
