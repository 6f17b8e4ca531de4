"""The time and the date, in the configured time zone (or a city's) and the request's language."""

from __future__ import annotations

import datetime as dt
import functools
import time
import zoneinfo
from typing import Literal

import skills.clock.phrases as phrases
import skills.clock.wiring as wiring
from assistant.errors import SkillError
from assistant.i18n import normalize_text
from assistant.registry import Context, Reply, skill

PLACE_ALIASES = {
    **dict.fromkeys("beijing peking pékin pekín pechino 北京 北京市".split(), "Asia/Shanghai"),
    **dict.fromkeys("tokio tóquio 東京 东京".split(), "Asia/Tokyo"),
    **dict.fromkeys("londres londra londen ロンドン 伦敦".split(), "Europe/London"),
    **dict.fromkeys("parigi parijs パリ 巴黎".split(), "Europe/Paris"),
    **dict.fromkeys(["nueva york", "ニューヨーク", "纽约"], "America/New_York"),
    **dict.fromkeys(["new york city", "nyc", "boston", "washington", "miami", "atlanta"], "America/New_York"),
    **dict.fromkeys(["san francisco", "seattle", "las vegas", "san diego"], "America/Los_Angeles"),
    **dict.fromkeys(["mumbai", "delhi", "new delhi", "bangalore"], "Asia/Kolkata"),
    **dict.fromkeys("mosca moskau moscou moscú moskva モスクワ 莫斯科".split(), "Europe/Moscow"),
    **dict.fromkeys(["københavn"], "Europe/Copenhagen"),
    **dict.fromkeys("münchen munich monaco frankfurt hamburg köln cologne".split(), "Europe/Berlin"),
    **dict.fromkeys("上海 上海市".split(), "Asia/Shanghai"),
}
"""Cities people ask for that are not a time zone's own name (the tz database names one city per zone), and the
zone cities in the other languages."""


@functools.cache
def _zone_cities() -> dict[str, str]:
    """City (lower case) -> IANA zone, from the time zone database itself: "new york" -> America/New_York."""
    cities: dict[str, str] = {}
    for key in sorted(zoneinfo.available_timezones()):
        if "/" in key and not key.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            cities.setdefault(key.rsplit("/", 1)[1].replace("_", " ").lower(), key)
    return cities


def place_zone(place: str) -> zoneinfo.ZoneInfo | None:
    """The time zone of a city ("Tokyo", "new york", "東京"), None when unknown."""
    name = normalize_text(place).removeprefix("the ").strip()
    key = PLACE_ALIASES.get(name) or PLACE_ALIASES.get(place.strip()) or _zone_cities().get(name)
    return zoneinfo.ZoneInfo(key) if key else None


@skill(
    examples=[
        ("what time is it", "current_time()"),
        ("what time is it now", "current_time()"),
        ("what's the time", "current_time()"),
        ("tell me the time", "current_time()"),
        ("do you know what time it is", "current_time()"),
        ("what time is it in tokyo", 'current_time(place="tokyo")'),
        ("what's the time in new york", 'current_time(place="new york")'),
        ("wie spät ist es", "current_time()"),
        ("wie viel uhr ist es", "current_time()"),
        ("quelle heure est-il", "current_time()"),
        ("qué hora es", "current_time()"),
        ("che ore sono", "current_time()"),
        ("hoe laat is het", "current_time()"),
        ("今何時", "current_time()"),
        ("现在几点", "current_time()"),
        ("几点了", "current_time()"),
        ("hvad er klokken", "current_time()"),
    ],
)
def current_time(place: str | None = None, *, ctx: Context) -> Reply:
    """Say the time now, here (the configured time zone) or in a city ("Tokyo")."""
    zone = wiring.time_zone(ctx.config)
    if place:
        place = place.title() if place.islower() else place  # "tokyo" as the recogniser wrote it -> "Tokyo"
        found = place_zone(place)
        if found is None:
            raise SkillError(
                phrases.say(ctx.language, "unknown_place", place=place), cause=f"no time zone for {place!r}"
            )
        zone = found
    now = dt.datetime.fromtimestamp(time.time(), zone)
    said = phrases.clock(ctx.language, now.hour, now.minute)
    if place:
        text = phrases.say(ctx.language, "now_in", time=said, place=place)
    else:
        text = phrases.say(ctx.language, "now", time=said)
    return Reply(text, {"time": now.strftime("%H:%M"), "zone": str(zone), "iso": now.isoformat(timespec="seconds")})


@skill(
    examples=[
        ("what's the date", "current_date()"),
        ("what's today's date", "current_date()"),
        ("what is the date today", "current_date()"),
        ("what day is it", "current_date()"),
        ("what day is it today", "current_date()"),
        ("what day is tomorrow", 'current_date(day="tomorrow")'),
        ("what was the date yesterday", 'current_date(day="yesterday")'),
        ("welcher tag ist heute", "current_date()"),
        ("welches datum haben wir heute", "current_date()"),
        ("quel jour sommes-nous", "current_date()"),
        ("on est quel jour", "current_date()"),
        ("qué día es hoy", "current_date()"),
        ("qué fecha es hoy", "current_date()"),
        ("che giorno è oggi", "current_date()"),
        ("welke dag is het vandaag", "current_date()"),
        ("今日は何日", "current_date()"),
        ("今日は何曜日", "current_date()"),
        ("今天几号", "current_date()"),
        ("今天星期几", "current_date()"),
        ("hvilken dato er det i dag", "current_date()"),
    ],
)
def current_date(day: Literal["today", "tomorrow", "yesterday"] = "today", *, ctx: Context) -> Reply:
    """Say today's date and weekday (or tomorrow's, or yesterday's)."""
    zone = wiring.time_zone(ctx.config)
    today = dt.datetime.fromtimestamp(time.time(), zone).date()
    date = today + dt.timedelta(days={"today": 0, "tomorrow": 1, "yesterday": -1}[day])
    text = phrases.say(ctx.language, day, date=phrases.date(ctx.language, date))
    return Reply(text, {"date": date.isoformat(), "weekday": date.strftime("%A").lower(), "zone": str(zone)})
