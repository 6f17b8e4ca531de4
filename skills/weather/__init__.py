"""Weather: Open-Meteo geocoding and forecast (no API key), answered the way a person would say it."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from assistant.errors import ConfigError, SkillError
from assistant.http import TtlCache, new_session
from assistant.i18n import ALARM_WORDS, Messages, join_sentences
from assistant.registry import Context, Reply, skill
from skills.weather.days import DAYS_SAID, WEEK_DAYS, WEEKDAYS, Day
from skills.weather.places import means_home

log = logging.getLogger(__name__)

MESSAGES = Messages.load("weather", Path(__file__).with_name("locales"))
"""Reply sentences and the words they use (days, WMO weather codes), per language: locales/<language>.json."""

CURRENT_FIELDS = "temperature_2m,weather_code,wind_speed_10m"
DAILY_FIELDS = "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max,wind_speed_10m_max"
USER_AGENT = "pi-assistant/0.1 (weather skill)"
MENTION_CHANCE_PERCENT = 30
"""A chance of rain or snow at or above this is worth saying; below it is noise."""
WINDY_KMH = 40.0
"""Daily maximum wind (km/h) from which the reply warns about wind (about 6 Beaufort, 'strong breeze')."""
EDGE_FILLERS = {"on", "for", "this", "next", "in", "at", "like"}
"""Words a loose capture may leave at the edge of a place name ("boston on" from "in boston on saturday")."""

# WMO weather interpretation codes (Open-Meteo docs) -> catalogue key of the words for them.
WMO_CODES = {
    0: "clear", 1: "mainly_clear", 2: "partly_cloudy", 3: "cloudy", 45: "fog", 48: "fog",
    51: "drizzle_light", 53: "drizzle", 55: "drizzle", 56: "freezing_drizzle", 57: "freezing_drizzle",
    61: "rain_light", 63: "rain", 65: "rain_heavy", 66: "freezing_rain", 67: "freezing_rain",
    71: "snow_light", 73: "snow", 75: "snow_heavy", 77: "snow_grains",
    80: "showers_light", 81: "showers", 82: "showers_heavy", 85: "snow_showers", 86: "snow_showers",
    95: "thunderstorm", 96: "thunderstorm_hail", 99: "thunderstorm_hail",
}  # fmt: skip
SNOW_CODES = {71, 73, 75, 77, 85, 86}


@dataclass(frozen=True)
class WeatherSettings:
    """[skills.weather] settings."""

    home_location: str = ""
    """Place used when none is said ("Boston", "Portland Maine"); empty means ask the user to name one."""
    units: str = "celsius"
    """"celsius" (temperatures in °C, wind in km/h) or "fahrenheit" (°F, mph)."""
    geocoding_url: str = "https://geocoding-api.open-meteo.com/v1/search"
    """Open-Meteo geocoding endpoint (place name -> coordinates)."""
    forecast_url: str = "https://api.open-meteo.com/v1/forecast"
    """Open-Meteo forecast endpoint."""
    timeout_ms: int = 2500
    """Total time for all requests of one answer, in milliseconds; below the 3000 ms skill budget so the user
    hears why it failed instead of a generic apology."""
    cache_s: int = 600
    """How long a forecast is reused, in seconds (in memory; 0 disables)."""
    geocoding_cache_s: int = 86400
    """How long a place lookup is reused, in seconds (places do not move)."""
    forecast_days: int = 7
    """Days of forecast to fetch, 1..16; 7 covers every weekday name."""

    def __post_init__(self) -> None:
        where = "[skills.weather]"
        if self.units not in ("celsius", "fahrenheit"):
            raise ConfigError(f"{where} units: must be 'celsius' or 'fahrenheit', got {self.units!r}")
        if self.timeout_ms <= 0:
            raise ConfigError(f"{where} timeout_ms: must be positive, got {self.timeout_ms}")
        if self.cache_s < 0 or self.geocoding_cache_s < 0:
            raise ConfigError(f"{where} cache_s/geocoding_cache_s: must not be negative")
        if not 1 <= self.forecast_days <= 16:
            raise ConfigError(f"{where} forecast_days: must be in 1..16 (Open-Meteo's range), got {self.forecast_days}")
        for key in ("geocoding_url", "forecast_url"):
            if not getattr(self, key).startswith(("http://", "https://")):
                raise ConfigError(f"{where} {key}: must be an http(s) URL, got {getattr(self, key)!r}")


@dataclass(frozen=True)
class DayForecast:
    """One day of the daily forecast, in the configured units."""

    date: dt.date
    """Local date at the place."""
    code: int
    """WMO weather code."""
    high: float
    """Maximum temperature."""
    low: float
    """Minimum temperature."""
    chance_percent: int | None
    """Maximum precipitation probability, 0..100 (None when the service has none)."""
    wind_max: float | None
    """Maximum wind speed at 10 m (km/h or mph)."""

    def as_data(self) -> dict[str, Any]:
        """JSON-ready form for Reply.data."""
        return {
            "date": self.date.isoformat(),
            "weekday": WEEKDAYS[self.date.weekday()],
            "weather_code": self.code,
            "condition": WMO_CODES.get(self.code, "unknown"),
            "high": self.high,
            "low": self.low,
            "precipitation_probability": self.chance_percent,
            "wind_speed_max": self.wind_max,
        }


def _session() -> Any:
    """The skill's keep-alive HTTP session."""
    return new_session(USER_AGENT)


def _say(ctx: Context, key: str, **values: object) -> str:
    """A sentence from the catalogue in the request's language, first letter capitalised."""
    text = MESSAGES.say(ctx.language, key, **values)
    return text[:1].upper() + text[1:]


def _failure(ctx: Context, key: str, cause: str) -> SkillError:
    """Log what went wrong and return the sentence the user hears."""
    log.warning("weather: %s", cause)
    return SkillError(_say(ctx, key), cause=cause)


def _cache(ctx: Context, kind: str, ttl_s: float) -> TtlCache:
    """The skill's cache of one kind of answer ("places", "forecasts"), made on first use with its time to live."""
    return ctx.service(f"weather.{kind}", lambda: TtlCache(ttl_s))  # type: ignore[no-any-return]


def _get_json(ctx: Context, url: str, params: dict[str, Any], deadline: float, cache: TtlCache) -> dict[str, Any]:
    """GET url as JSON through the shared session and the cache; every failure becomes a sentence for the user."""
    import requests

    key = url + "?" + urlencode(sorted((k, str(v)) for k, v in params.items()))
    cached = cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    remaining_s = deadline - time.monotonic()
    if remaining_s <= 0:
        raise _failure(ctx, "timeout", f"no time left for {url}")
    try:
        response = ctx.service("weather.session", _session).get(url, params=params, timeout=remaining_s)
    except requests.Timeout as error:  # before ConnectionError: ConnectTimeout is both
        raise _failure(ctx, "timeout", f"{url}: {error}") from None
    except requests.RequestException as error:
        raise _failure(ctx, "offline", f"{url}: {error}") from None
    if response.status_code != 200:
        raise _failure(ctx, "server_error", f"{url}: HTTP {response.status_code} {response.text[:200]!r}")
    try:
        data = response.json()
    except ValueError as error:
        raise _failure(ctx, "bad_answer", f"{url}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise _failure(ctx, "bad_answer", f"{url}: expected a JSON object, got {type(data).__name__}")
    cache.put(key, data)
    return data


def _clean_location(text: str) -> str:
    """Trim filler words a loose capture left at the edges ("boston on" -> "boston")."""
    words = text.split()
    while len(words) > 1 and words[-1].lower() in EDGE_FILLERS:
        words.pop()
    while len(words) > 1 and words[0].lower() in EDGE_FILLERS:
        words.pop(0)
    return " ".join(words)


def geocoding_language(language: str) -> str:
    """The language to ask the geocoder for place names in: the reply's ("de" for "de-CH"), else English."""
    base = language.split("-")[0].lower()
    # Names in the language the sentence around them is in: a reply that falls back to English says "Munich".
    return base if base in MESSAGES.catalog else "en"


def _geocode(ctx: Context, settings: WeatherSettings, name: str, deadline: float) -> dict[str, Any]:
    """The best place for name, named in the reply's language; "portland maine" retries "portland" in Maine."""
    language = geocoding_language(ctx.language)

    def search(text: str, count: int) -> list[dict[str, Any]]:
        params = {"name": text, "count": count, "language": language, "format": "json"}
        places = _cache(ctx, "places", settings.geocoding_cache_s)
        results = _get_json(ctx, settings.geocoding_url, params, deadline, places).get("results")
        if results is None:
            return []  # Open-Meteo leaves "results" out when nothing matches
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise _failure(ctx, "bad_answer", f"geocoding for {text!r}: 'results' is not a list of objects")
        return results

    candidates = search(name, 1)
    words = name.split()
    # The geocoder searches names only; speech has no comma, so try the last words as region or country.
    for cut in (1, 2):
        if candidates or len(words) <= cut:
            break
        base, qualifier = " ".join(words[:-cut]), " ".join(words[-cut:]).lower()
        fields = ("admin1", "admin2", "country", "country_code")
        candidates = [r for r in search(base, 10) if qualifier in {str(r.get(k, "")).lower() for k in fields}]
    if not candidates:
        spoken = name.title() if name.islower() else name
        log.info("weather: no place called %r", name)
        raise SkillError(_say(ctx, "not_found", name=spoken), cause=f"geocoding found nothing for {name!r}")
    place = candidates[0]
    if not isinstance(place.get("name"), str) or not all(
        isinstance(place.get(k), int | float) for k in ("latitude", "longitude")
    ):
        raise _failure(ctx, "bad_answer", f"geocoding result without name/latitude/longitude: {place!r}")
    return place


def _optional(kind: type[int] | type[float], value: Any) -> Any:
    """value converted to kind (ValueError/TypeError when it is not a number), None kept."""
    return None if value is None else kind(value)


def _parse_forecast(ctx: Context, data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[DayForecast]]:
    """The current conditions and the usable days of an Open-Meteo forecast answer."""
    try:
        daily = data["daily"]
        columns = [daily[k] for k in ("time", *DAILY_FIELDS.split(","))]
        if len({len(c) for c in columns}) != 1:
            raise ValueError("daily columns differ in length")
        days = [
            DayForecast(
                dt.date.fromisoformat(t),
                int(code),
                float(high),
                float(low),
                _optional(int, chance),
                _optional(float, wind),
            )
            for t, code, high, low, chance, wind in zip(*columns, strict=True)
            if None not in (code, high, low)  # Open-Meteo sends null for days it cannot forecast yet
        ]
        current = data.get("current")
        if current is not None:
            current = {
                "temperature": float(current["temperature_2m"]),
                "weather_code": int(current["weather_code"]),
                "condition": WMO_CODES.get(int(current["weather_code"]), "unknown"),
                "wind_speed": current.get("wind_speed_10m"),
                "time": current.get("time"),
            }
    except (KeyError, TypeError, ValueError) as error:
        raise _failure(ctx, "bad_answer", f"forecast answer unreadable: {type(error).__name__}: {error}") from None
    if not days:
        raise _failure(ctx, "bad_answer", "forecast answer has no usable day")
    return current, days


def _pick_days(day: str, days: list[DayForecast]) -> list[DayForecast]:
    """The forecast days the request is about; the forecast's first day is 'today' at the place."""
    if day == "today":
        return days[:1]
    if day == "tomorrow":
        return days[1:2]
    if day == "weekend":
        # The coming Saturday and Sunday; on a Sunday, what is left of this weekend is today.
        for i, item in enumerate(days):
            if item.date.weekday() == 6:
                return [item]
            if item.date.weekday() == 5:
                return [d for d in days[i : i + 2] if d.date.weekday() in (5, 6)]
        return []
    if day == "week":
        return days[:WEEK_DAYS]
    wanted = WEEKDAYS.index(day)
    # A weekday name means the next such day, today included ("on Friday" said on a Friday is today).
    return [d for d in days if d.date.weekday() == wanted][:1]


def _temp(ctx: Context, value: float) -> str:
    """A temperature as spoken: rounded half up, "minus 3" rather than "-3"."""
    n = math.floor(value + 0.5)
    return MESSAGES.say(ctx.language, "minus", n=-n) if n < 0 else str(n)


def _chance(ctx: Context, item: DayForecast) -> str:
    """The clause ", chance of rain 80 percent" when worth saying, else an empty string."""
    if item.chance_percent is None or item.chance_percent < MENTION_CHANCE_PERCENT:
        return ""
    key = "chance_snow" if item.code in SNOW_CODES else "chance_rain"
    return MESSAGES.say(ctx.language, key, percent=int(item.chance_percent))


def _sky(ctx: Context, code: int) -> str:
    """Words for a WMO code."""
    return MESSAGES.say(ctx.language, WMO_CODES.get(code, "unknown"))


def _describe(
    ctx: Context, settings: WeatherSettings, place: str, day: str, current: Any, chosen: list[DayForecast]
) -> str:
    """The reply sentence(s) for the chosen days."""
    say = MESSAGES.say
    lang = ctx.language
    first = chosen[0]
    if day == "today" and current is not None:
        text = _say(
            ctx, "now", place=place, temp=_temp(ctx, current["temperature"]), sky=_sky(ctx, current["weather_code"]),
            high=_temp(ctx, first.high), extra=_chance(ctx, first),
        )  # fmt: skip
    elif day == "weekend":
        parts = [
            say(lang, "weekend_part", day=say(lang, WEEKDAYS[d.date.weekday()]), sky=_sky(ctx, d.code),
                high=_temp(ctx, d.high), low=_temp(ctx, d.low), extra=_chance(ctx, d))
            for d in chosen
        ]  # fmt: skip
        text = _say(ctx, "weekend_reply", place=place, parts=say(lang, "separator").join(parts))
    elif day == "week":
        text = _week(ctx, place, chosen)
    else:
        name = day if day in ("today", "tomorrow") else WEEKDAYS[first.date.weekday()]
        text = _say(
            ctx, "day", day=say(lang, name), place=place, sky=_sky(ctx, first.code), high=_temp(ctx, first.high),
            low=_temp(ctx, first.low), extra=_chance(ctx, first),
        )  # fmt: skip
    fahrenheit = settings.units == "fahrenheit"
    windy = WINDY_KMH / 1.609 if fahrenheit else WINDY_KMH
    wind = max((d.wind_max for d in chosen if d.wind_max is not None), default=0.0)
    if wind >= windy:
        windy_text = _say(ctx, "windy", speed=round(wind), unit=say(lang, "mph" if fahrenheit else "kmh"))
        text = join_sentences(lang, text, windy_text)
    return text


def _week(ctx: Context, place: str, chosen: list[DayForecast]) -> str:
    """The week in one sentence: the range of highs and lows and the days rain or snow is likely. Seven days of
    "Monday: cloudy, high of..." is too long to listen to in a kitchen."""
    say, lang = MESSAGES.say, ctx.language
    wet = []
    for key, snowy in (("week_rain", False), ("week_snow", True)):
        days = [
            say(lang, WEEKDAYS[d.date.weekday()])
            for d in chosen
            if d.chance_percent is not None
            and d.chance_percent >= MENTION_CHANCE_PERCENT
            and (d.code in SNOW_CODES) == snowy
        ]
        if days:
            listed = say(lang, "week_comma").join(days[:-1])
            wet.append(say(lang, key, days=f"{listed}{say(lang, 'week_and')}{days[-1]}" if listed else days[0]))
    highs, lows = [d.high for d in chosen], [d.low for d in chosen]
    return _say(
        ctx, "week_reply", place=place, high_min=_temp(ctx, min(highs)), high_max=_temp(ctx, max(highs)),
        low_min=_temp(ctx, min(lows)), low_max=_temp(ctx, max(lows)),
        wet=say(lang, "week_comma").join(wet) if wet else say(lang, "week_dry"),
    )  # fmt: skip


def hotwords(ctx: Context) -> list[str]:
    """Words speech recognition should expect for this skill: the home location."""
    settings = ctx.settings or WeatherSettings()
    return [settings.home_location] if settings.home_location else []


@skill(
    examples=[
        ("what's the weather", "weather()"),
        ("what's the weather like", "weather()"),
        ("what's the weather like today", 'weather(day="today")'),
        ("what's the weather in Boston", 'weather(location="Boston")'),
        ("what's the weather like in Paris", 'weather(location="Paris")'),
        ("what's the weather in Boston tomorrow", 'weather(location="Boston", day="tomorrow")'),
        ("what's the weather in Berlin on Saturday", 'weather(location="Berlin", day="saturday")'),
        ("what's the weather in Denver this weekend", 'weather(location="Denver", day="weekend")'),
        ("what's the weather like in Rome on Friday", 'weather(location="Rome", day="friday")'),
        ("how's the weather in Berlin", 'weather(location="Berlin")'),
        ("will it rain tomorrow", 'weather(day="tomorrow")'),
        ("will it rain in Seattle on Friday", 'weather(location="Seattle", day="friday")'),
        ("what's the forecast for tomorrow", 'weather(day="tomorrow")'),
        ("what's the forecast for Chicago", 'weather(location="Chicago")'),
        ("what's the weather this weekend", 'weather(day="weekend")'),
        ("what's the weather this week", 'weather(day="week")'),
        ("do I need an umbrella today", 'weather(day="today")'),
        ("will it rain in Boston tomorrow", 'weather(location="Boston", day="tomorrow")'),
        ("is it going to snow in Oslo on Monday", 'weather(location="Oslo", day="monday")'),
        ("what's the temperature in Tokyo", 'weather(location="Tokyo")'),
        ("what's the weather going to be like on Sunday", 'weather(day="sunday")'),
        ("what's the weather today", 'weather(day="today")'),
        ("is it going to rain on Saturday", 'weather(day="saturday")'),
    ],
    not_for=[
        *"radio traffic stock stocks market markets shares sales earnings economy portfolio".split(),
        *"movie film song game story book oven fridge freezer room bedroom kitchen hallway bathroom".split(),
        *"basement garage attic nursery indoors pool cpu mars".split(),
    ],
    # Alarms, calendars and reminders are other assistants' jobs: "do i have any alarms for tomorrow morning"
    # came out weather(day="tomorrow"). Not meetings or appointments: "will it rain for my meeting" is weather.
    never_for=[
        *ALARM_WORDS,
        *"alarm alarma reminder erinnerung rappel recordatorio herinnering".split(),
        *"calendar kalender calendrier calendario agenda".split(),
        # Other worlds have no forecast here: "what's the temperature of the sun" came out weather() (home) and
        # "is it cold on mars" weather(location="mars"), which finds a town called Mars. Mars alone is March in
        # French, Norwegian and Swedish ("le 3 mars"): only "on mars".
        *"jupiter saturn pluto neptune uranus".split(),
        *["on mars", "of mars", "on venus", "of venus", "of the sun", "on the sun", "hot is the sun"],
        *["of the moon", "on the moon", "in space", "outer space"],
        # Indoors is the thermostat's: "make it 19 degrees in here" and "set the temperature to seventeen degrees"
        # came out weather() (unseen set, a household with a thermostat skill).
        *["in here", "set the temperature"],
    ],
    said_as={"day": DAYS_SAID},
    means_default={"location": means_home},
    needs_network=True,
    settings=WeatherSettings,
    hotwords=hotwords,
)
def weather(location: str | None = None, day: Day = "today", *, ctx: Context) -> Reply:
    """Weather now or the forecast for today, tomorrow, a weekday, the weekend or the week; no location means home."""
    settings: WeatherSettings = ctx.settings or WeatherSettings()
    deadline = time.monotonic() + settings.timeout_ms / 1000
    wanted = _clean_location(location or "")
    if not wanted or means_home(wanted):
        wanted = settings.home_location
    if not wanted:
        log.info("weather: no location said and no home_location configured")
        raise SkillError(_say(ctx, "no_home"), cause="no location and no [skills.weather] home_location")
    place = _geocode(ctx, settings, wanted, deadline)
    params: dict[str, Any] = {
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "current": CURRENT_FIELDS,
        "daily": DAILY_FIELDS,
        "timezone": "auto",  # dates and "today" in the place's own time zone
        "forecast_days": settings.forecast_days,
    }
    if settings.units == "fahrenheit":
        params |= {"temperature_unit": "fahrenheit", "wind_speed_unit": "mph"}
    answer = _get_json(ctx, settings.forecast_url, params, deadline, _cache(ctx, "forecasts", settings.cache_s))
    current, days = _parse_forecast(ctx, answer)
    chosen = _pick_days(day, days)
    if not chosen:
        last = MESSAGES.say(ctx.language, WEEKDAYS[days[-1].date.weekday()])
        log.info("weather: %s is beyond the forecast (last day %s)", day, days[-1].date)
        sentence = _say(ctx, "beyond", day=MESSAGES.say(ctx.language, day), last=last)
        raise SkillError(sentence, cause=f"{day} is past the forecast's last day {days[-1].date}")
    name = place["name"]
    text = _describe(ctx, settings, name, day, current, chosen)
    fahrenheit = settings.units == "fahrenheit"
    data = {
        "location": name,
        "admin1": place.get("admin1"),
        "country": place.get("country"),
        "latitude": place["latitude"],
        "longitude": place["longitude"],
        "timezone": answer.get("timezone"),
        "day": day,
        "units": settings.units,
        "temperature_unit": "°F" if fahrenheit else "°C",
        "wind_unit": "mph" if fahrenheit else "km/h",
        "current": current if day == "today" else None,
        "days": [d.as_data() for d in chosen],
    }
    return Reply(text, data)
