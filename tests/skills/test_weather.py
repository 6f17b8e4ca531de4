"""Weather skill against a real local HTTP server serving recorded Open-Meteo answers; routing; settings; catalogue."""

from __future__ import annotations

import json
import string
import time

import pytest

from assistant.calls import Call
from assistant.config import load_config
from assistant.errors import ConfigError
from assistant.i18n import LANGUAGES
from assistant.pipeline import Assistant
from assistant.registry import Context, Registry
from assistant.routing.matcher import FastMatcher
from assistant.routing.router import Router
from assistant.testing import SkillTester
from skills.news import news
from skills.weather import (
    MESSAGES,
    WMO_CODES,
    WeatherSettings,
    geocoding_language,
    hotwords,
    means_home,
    weather,
)
from tests.http_server import FIXTURES, RecordedServer, closed_port_url
from tests.junk_backend import JunkBackend

OFFLINE = "I can't reach the weather service right now. Please check the internet connection."
TIMEOUT = "The weather service is taking too long to answer. Please try again in a moment."
SERVER_ERROR = "The weather service has a problem right now. Please try again later."
BAD_ANSWER = "The weather service sent an answer I couldn't read. Please try again later."


@pytest.fixture
def server():
    """Open-Meteo as recorded: Boston, Berlin (German), Portland; unknown names get the real 'no results' answer."""
    with RecordedServer() as s:
        s.serve("/v1/search", "openmeteo/geocoding_none.json")
        s.serve("/v1/search", "openmeteo/geocoding_boston.json", query={"name": "boston", "count": "1"})
        s.serve("/v1/search", "openmeteo/geocoding_berlin_de.json", query={"name": "berlin", "language": "de"})
        s.serve("/v1/search", "openmeteo/geocoding_portland.json", query={"name": "portland", "count": "10"})
        s.serve("/v1/forecast", "openmeteo/forecast_boston.json", query={"latitude": "42.35843"})
        s.serve("/v1/forecast", "openmeteo/forecast_boston.json", query={"latitude": "43.65737"})  # Portland, Maine
        s.serve("/v1/forecast", "openmeteo/forecast_boston_3days.json", query={"forecast_days": "3"})
        s.serve(
            "/v1/forecast",
            "openmeteo/forecast_boston_fahrenheit.json",
            query={"latitude": "42.35843", "temperature_unit": "fahrenheit"},
        )
        s.serve("/v1/forecast", "openmeteo/forecast_berlin.json", query={"latitude": "52.52437"})
        yield s


def make_tester(server: RecordedServer, language: str = "en", **settings: object) -> SkillTester:
    """A SkillTester whose weather skill talks to the local server."""
    table = {"geocoding_url": server.url("/v1/search"), "forecast_url": server.url("/v1/forecast"), **settings}
    return SkillTester(weather, settings=table, language=language)


@pytest.mark.parametrize(
    "call, text",
    [
        ('weather(location="Boston")', "Right now in Boston it's 8 degrees and cloudy; today's high is 11."),
        (
            'weather(location="Boston", day="tomorrow")',
            "Tomorrow in Boston: light rain, high of 12 degrees, low of 5, chance of rain 80 percent.",
        ),
        ('weather(location="Boston", day="saturday")', "Saturday in Boston: clear, high of 14 degrees, low of 6."),
        (
            'weather(location="Boston", day="tuesday")',
            "Tuesday in Boston: light snow, high of 2 degrees, low of minus 4, chance of snow 60 percent.",
        ),
        # The forecast starts on a Thursday: "Thursday" is today, not next week.
        ('weather(location="Boston", day="thursday")', "Thursday in Boston: cloudy, high of 11 degrees, low of 4."),
        (
            'weather(location="Boston", day="weekend")',
            "This weekend in Boston: Saturday: clear, high of 14 and low of 6; Sunday: rain, high of 11 and low of 5,"
            " chance of rain 90 percent. Expect strong wind, up to 45 kilometers per hour.",
        ),
        (
            'weather(location="Boston", day="week")',
            "The week ahead in Boston: highs of 2 to 14 degrees, lows of minus 4 to 6; rain likely on Friday and"
            " Sunday, snow likely on Tuesday. Expect strong wind, up to 45 kilometers per hour.",
        ),
    ],
)
def test_replies_like_a_person(server, call, text):
    with make_tester(server) as t:
        assert t.call(call).text == text


def test_data_carries_the_numbers(server):
    with make_tester(server) as t:
        data = t.call('weather(location="Boston", day="tomorrow")').data
    assert data["location"] == "Boston" and data["admin1"] == "Massachusetts"
    assert (data["latitude"], data["longitude"], data["timezone"]) == (42.35843, -71.05977, "America/New_York")
    assert data["units"] == "celsius" and data["temperature_unit"] == "°C" and data["current"] is None
    assert data["days"] == [
        {
            "date": "2024-11-15",
            "weekday": "friday",
            "weather_code": 61,
            "condition": "rain_light",
            "high": 12.4,
            "low": 5.2,
            "precipitation_probability": 80,
            "wind_speed_max": 24.1,
        }
    ]
    with make_tester(server) as t:
        now = t.call('weather(location="Boston")').data["current"]
    assert now["temperature"] == 8.1 and now["weather_code"] == 3 and now["time"] == "2024-11-14T09:15"


def test_requests_what_the_reply_needs(server):
    with make_tester(server) as t:
        t.call('weather(location="Boston")')
    geo, forecast = server.requests
    assert geo.query == {"name": "Boston", "count": "1", "language": "en", "format": "json"}
    assert forecast.query["timezone"] == "auto" and forecast.query["forecast_days"] == "7"
    assert forecast.query["current"] == "temperature_2m,weather_code,wind_speed_10m"
    assert "precipitation_probability_max" in forecast.query["daily"] and "temperature_unit" not in forecast.query
    assert geo.headers["User-Agent"].startswith("pi-assistant/")


def test_home_location_when_none_said(server):
    with make_tester(server, home_location="Boston") as t:
        assert t.call("weather()").data["location"] == "Boston"
        assert t.call('weather(location="home")').data["location"] == "Boston"
        for here in ("my area", "home town", "me", "area", "zu Hause", "dehors", "aquí", "min lokation", "外面"):
            assert t.call(f'weather(location="{here}")').data["location"] == "Boston", here


def test_a_while_from_now_copied_as_the_place_is_home(server):
    # "what's the weather in ten minutes": the model copied the time as the place; no town is called that.
    with make_tester(server, home_location="Boston") as t:
        for later in ("ten minutes", "an hour", "atten minutter", "zwei Stunden", "十分钟"):
            assert t.call(f'weather(location="{later}")').data["location"] == "Boston", later
    # "My location" inside a longer copied span is still here; "near Berlin" is Berlin.
    assert means_home("vejrudsigten for min nuværende lokation næste måned")
    assert means_home("the weather at my location tomorrow")
    assert not means_home("in der Nähe von Berlin") and not means_home("my home town Springfield")
    # A bare number may be a town, and a unit word inside a name is no duration.
    assert not means_home("Eighty Four") and not means_home("Minute Maid Park") and not means_home("time square")


def test_no_home_location_configured(server):
    with make_tester(server) as t:
        assert t.call("weather()").text == (
            "Which place do you mean? Say a city, or set a home location in the weather settings."
        )
    assert server.requests == []


def test_unknown_city(server):
    with make_tester(server) as t:
        assert t.call('weather(location="Atlantis")').text == "I couldn't find a place called Atlantis."
        assert t.call('weather(location="atlantis")').text == "I couldn't find a place called Atlantis."


def test_region_after_the_city_name(server):
    """Speech has no commas: "portland maine" is Portland in Maine, not the biggest Portland."""
    with make_tester(server) as t:
        data = t.call('weather(location="portland maine", day="tomorrow")').data
    assert (data["location"], data["admin1"], data["latitude"]) == ("Portland", "Maine", 43.65737)
    assert [r.query["name"] for r in server.requests if r.path == "/v1/search"] == ["portland maine", "portland"]


def test_filler_word_left_by_a_loose_capture(server):
    with make_tester(server) as t:
        assert t.call('weather(location="boston on", day="saturday")').data["location"] == "Boston"


def test_network_down(server):
    with make_tester(server, geocoding_url=closed_port_url("/v1/search")) as t:
        reply, error = t.assistant.execute(t.registry.parse('weather(location="Boston")'))
    assert reply.text == OFFLINE and "refused" in error
    server.serve("/v1/forecast", hang_up=True)
    with make_tester(server) as t:
        assert t.call('weather(location="Boston")').text == OFFLINE


def test_timeout(server):
    server.serve("/v1/forecast", "openmeteo/forecast_boston.json", delay_s=3)
    with make_tester(server, timeout_ms=300) as t:
        start = time.monotonic()
        turn_reply, error = t.assistant.execute(t.registry.parse('weather(location="Boston")'))
        assert time.monotonic() - start < 1.5
    assert turn_reply.text == TIMEOUT and "Read timed out" in error


@pytest.mark.parametrize("status, file", [(500, None), (400, "openmeteo/error_400.json"), (404, None)])
def test_http_errors(server, status, file):
    server.serve("/v1/forecast", file, body=None if file else b"Internal Server Error", status=status)
    with make_tester(server) as t:
        reply, error = t.assistant.execute(t.registry.parse('weather(location="Boston")'))
    assert reply.text == SERVER_ERROR and f"HTTP {status}" in error


def _broken_forecast(change) -> bytes:
    data = json.loads((FIXTURES / "openmeteo/forecast_boston.json").read_text())
    change(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "body",
    [
        b'{"latitude":42.36,"daily":{"time":["2024-11-14"',  # cut off mid-answer
        b"<html><body>Bad gateway</body></html>",
        b"[1, 2, 3]",
        _broken_forecast(lambda d: d.pop("daily")),
        _broken_forecast(lambda d: d["daily"]["temperature_2m_max"].pop()),  # columns of different lengths
        _broken_forecast(lambda d: d["daily"].update(time=["yesterday"] * 7)),
        _broken_forecast(lambda d: d["current"].update(temperature_2m="warm")),
        _broken_forecast(lambda d: d["daily"]["precipitation_probability_max"].__setitem__(0, "lots")),
    ],
)
def test_malformed_answers(server, body):
    server.serve("/v1/forecast", body=body)
    with make_tester(server) as t:
        assert t.call('weather(location="Boston")').text == BAD_ANSWER


def test_malformed_geocoding(server):
    server.serve("/v1/search", body=b'{"results": {"name": "Boston"}}', query={"name": "boston"})
    with make_tester(server) as t:
        assert t.call('weather(location="Boston")').text == BAD_ANSWER


def test_day_beyond_the_forecast(server):
    with make_tester(server, forecast_days=3) as t:
        assert t.call('weather(location="Boston", day="monday")').text == (
            "I don't have a forecast for Monday yet; it only goes up to Saturday."
        )
        # Saturday is the last day: the weekend is what there is of it.
        assert t.call('weather(location="Boston", day="weekend")').text.startswith(
            "This weekend in Boston: Saturday: clear"
        )


def test_the_week_is_what_the_forecast_has_and_says_when_it_stays_dry(server):
    with make_tester(server, forecast_days=3) as t:
        short = t.call('weather(location="Boston", day="week")')
    assert short.text == "The week ahead in Boston: highs of 11 to 14 degrees, lows of 4 to 6; rain likely on Friday."
    dry = json.loads((FIXTURES / "openmeteo/forecast_boston.json").read_text())
    dry["daily"]["precipitation_probability_max"] = [0, 10, None, 20, 0, 5, 29]
    dry["daily"]["wind_speed_10m_max"] = [10.0] * 7
    with RecordedServer() as dry_server:
        dry_server.serve("/v1/search", "openmeteo/geocoding_boston.json")
        dry_server.serve("/v1/forecast", body=json.dumps(dry))
        with make_tester(dry_server) as t:
            reply = t.call('weather(location="Boston", day="week")')
    assert reply.text.endswith("lows of minus 4 to 6; no rain or snow expected.")


def test_days_the_service_sends_as_null_do_not_count(server):
    def blank_last_two(d):
        for key in ("weather_code", "temperature_2m_max", "temperature_2m_min"):
            d["daily"][key][5:] = [None, None]

    server.serve("/v1/forecast", body=_broken_forecast(blank_last_two))
    with make_tester(server) as t:
        assert t.call('weather(location="Boston", day="tuesday")').text == (
            "I don't have a forecast for Tuesday yet; it only goes up to Monday."
        )


def test_fahrenheit(server):
    with make_tester(server, units="fahrenheit") as t:
        reply = t.call('weather(location="Boston", day="weekend")')
        now = t.call('weather(location="Boston")')
    forecast = server.requests[-1].query
    assert forecast["temperature_unit"] == "fahrenheit" and forecast["wind_speed_unit"] == "mph"
    assert now.text == "Right now in Boston it's 47 degrees and cloudy; today's high is 52."
    assert reply.text.endswith("Expect strong wind, up to 28 miles per hour.")
    assert reply.data["temperature_unit"] == "°F" and reply.data["wind_unit"] == "mph"


def test_german_asks_the_geocoder_in_german(server):
    with make_tester(server, language="de") as t:
        now = t.call('weather(location="Berlin")')
        weekend = t.call('weather(location="Berlin", day="weekend")')
    assert server.requests[0].query["language"] == "de"
    assert now.text == (
        "Gerade hat es in Berlin minus 1 Grad, leichter Schneefall; heute werden es höchstens 2 Grad,"
        " Schneewahrscheinlichkeit 70 Prozent."
    )
    # The forecast starts on a Sunday: what is left of the weekend is today.
    assert weekend.text == (
        "Am Wochenende in Berlin: Sonntag: leichter Schneefall, höchstens 2 und mindestens minus 3 Grad,"
        " Schneewahrscheinlichkeit 70 Prozent."
    )
    assert weekend.data["country"] == "Deutschland"
    with make_tester(server, language="de") as t:
        week = t.call('weather(location="Berlin", day="week")')
    assert week.text == (
        "Die Woche in Berlin: Höchstwerte von minus 1 bis 8 Grad, Tiefstwerte von minus 4 bis 2; Regen"
        " wahrscheinlich am Dienstag und Mittwoch, Schnee wahrscheinlich am Sonntag und Samstag."
    )


def _boston_named(name: str, admin1: str, country: str) -> str:
    """The recorded Boston answer with the names GeoNames has for it in another language."""
    data = json.loads((FIXTURES / "openmeteo/geocoding_boston.json").read_text())
    data["results"][0].update(name=name, admin1=admin1, country=country)
    return json.dumps(data, ensure_ascii=False)


def test_japanese_and_chinese_ask_the_geocoder_in_their_language(server):
    server.serve(
        "/v1/search", body=_boston_named("ボストン", "マサチューセッツ州", "アメリカ合衆国"), query={"language": "ja"}
    )
    server.serve("/v1/search", body=_boston_named("波士顿", "马萨诸塞州", "美国"), query={"language": "zh"})
    with make_tester(server, language="ja") as t:
        now = t.call('weather(location="Boston")')
        tuesday = t.call('weather(location="Boston", day="tuesday")')
        weekend = t.call('weather(location="Boston", day="weekend")')
    assert [r.query["language"] for r in server.requests if r.path == "/v1/search"] == ["ja"]  # then cached
    assert now.text == "ボストンの今の気温は8度、曇りです。今日の最高気温は11度です。"
    assert tuesday.text == (
        "火曜日のボストンは小雪、最高気温は2度、最低気温はマイナス4度、雪の降る確率は60パーセントです。"
    )
    # Days joined by a full stop, the wind warning straight after it: no spaces in Japanese.
    assert weekend.text == (
        "今週末のボストンの天気です。土曜日は晴れ、最高気温14度、最低気温6度。"
        "日曜日は雨、最高気温11度、最低気温5度、降水確率は90パーセント。"
        "強い風に注意してください。最大で時速45キロの見込みです。"
    )
    assert weekend.data["location"] == "ボストン" and weekend.data["country"] == "アメリカ合衆国"
    with make_tester(server, language="ja") as t:
        week = t.call('weather(location="Boston", day="week")')
    assert week.text == (
        "ボストンの今週の天気です。最高気温は2度から14度、最低気温はマイナス4度から6度。"
        "金曜日と日曜日は雨の見込み、火曜日は雪の見込み。強い風に注意してください。最大で時速45キロの見込みです。"
    )
    with make_tester(server, language="zh-CN") as t:
        tomorrow = t.call('weather(location="Boston", day="tomorrow")')
        weekend = t.call('weather(location="Boston", day="weekend")')
    assert server.requests[-2].query["language"] == "zh"
    assert tomorrow.text == "波士顿明天小雨，最高气温12度，最低气温5度，降雨概率80%。"
    assert weekend.text == (
        "波士顿这个周末：星期六晴，最高14度，最低6度；星期天中雨，最高11度，最低5度，降雨概率90%。"
        "注意大风，最大风速每小时45公里。"
    )


def test_danish_replies_and_asks_the_geocoder_in_danish(server):
    server.serve("/v1/search", body=_boston_named("Boston", "Massachusetts", "USA"), query={"language": "da"})
    with make_tester(server, language="da") as t:
        now = t.call('weather(location="Boston")')
        tomorrow = t.call('weather(location="Boston", day="tomorrow")')
        weekend = t.call('weather(location="Boston", day="weekend")')
        week = t.call('weather(location="Boston", day="week")')
    assert [r.query["language"] for r in server.requests if r.path == "/v1/search"] == ["da"]  # then cached
    assert now.text == "Lige nu er der 8 grader i Boston, overskyet; i dag bliver det højst 11 grader."
    assert tomorrow.text == "I morgen i Boston: let regn, højst 12 grader, lavest 5, 80 procent risiko for regn."
    assert weekend.text == (
        "I weekenden i Boston: lørdag: klart, højst 14 og lavest 6 grader; søndag: regn, højst 11 og lavest 5 grader,"
        " 90 procent risiko for regn. Der ventes kraftig vind, op til 45 kilometer i timen."
    )
    assert week.text == (
        "Den kommende uge i Boston: højst mellem 2 og 14 grader, lavest mellem minus 4 og 6; sandsynligvis regn"
        " fredag og søndag, sandsynligvis sne tirsdag. Der ventes kraftig vind, op til 45 kilometer i timen."
    )


def test_geocoder_language_is_the_reply_language():
    assert [geocoding_language(x) for x in ("en", "de-CH", "JA", "zh-TW", "fr")] == ["en", "de", "ja", "zh", "fr"]
    # No catalogue for Swedish: the reply is English, so the place names are too ("Gothenburg", not "Göteborg").
    assert geocoding_language("sv") == "en" and geocoding_language("") == "en"


def test_unsupported_language_asks_the_geocoder_in_english(server):
    with make_tester(server, language="sv") as t:
        assert t.call('weather(location="Boston")').text.startswith("Right now in Boston")
    assert server.requests[0].query["language"] == "en"


def test_place_names_are_cached_per_language(server):
    """The same city asked in English and then in German is looked up twice: the names differ by language."""
    german_names = _boston_named("Boston", "Massachusetts", "Vereinigte Staaten")
    server.serve("/v1/search", body=german_names, query={"language": "de"})
    with make_tester(server) as t:
        english = t.call('weather(location="Boston")')
        german, _ = t.assistant.execute(t.registry.parse('weather(location="Boston")'), "de")
        again, _ = t.assistant.execute(t.registry.parse('weather(location="Boston")'), "de")
    assert english.data["country"] == "United States" and german.data["country"] == "Vereinigte Staaten"
    assert german.text.startswith("Gerade hat es in Boston 8 Grad") and again.text == german.text
    assert [r.query["language"] for r in server.requests if r.path == "/v1/search"] == ["en", "de"]
    assert server.count("/v1/forecast") == 1  # the forecast itself is the same in every language


def test_cache(server):
    with make_tester(server) as t:
        t.call('weather(location="Boston")')
        t.call('weather(location="Boston", day="tomorrow")')
    assert (server.count("/v1/search"), server.count("/v1/forecast")) == (1, 1)
    with make_tester(server, cache_s=0) as t:
        t.call('weather(location="Boston")')
        t.call('weather(location="Boston")')
    assert (server.count("/v1/search"), server.count("/v1/forecast")) == (2, 3)


def test_failures_are_not_cached(server):
    server.serve("/v1/forecast", status=500, body=b"busy")
    with make_tester(server) as t:
        assert t.call('weather(location="Boston")').text == SERVER_ERROR
        server.serve("/v1/forecast", "openmeteo/forecast_boston.json")
        assert t.call('weather(location="Boston")').text.startswith("Right now in Boston")


def test_through_the_fast_path(server):
    with make_tester(server) as t:
        turn = t.turn("Will it rain in Boston tomorrow?")
    assert turn.route.path == "fast" and turn.route.call == Call("weather", {"location": "boston", "day": "tomorrow"})
    assert turn.reply.text.startswith("Tomorrow in Boston: light rain")


def _lower(call: Call | None) -> Call | None:
    return None if call is None else Call(call.name, {k: str(v).lower() for k, v in call.args.items()})


def test_every_example_routes_to_its_own_call():
    registry = Registry([weather])
    matcher = FastMatcher(registry)
    for utterance, text in weather.examples:
        assert _lower(matcher.match(utterance)) == _lower(registry.parse(text)), utterance


@pytest.mark.parametrize(
    "text, call",
    [
        ("What's the weather like in San Francisco on Friday?", 'weather(location="san francisco", day="friday")'),
        ("what's the weather in new york this weekend", 'weather(location="new york", day="weekend")'),
        ("what's the weather in Boston today", 'weather(location="boston")'),
        ("will it rain on saturday", None),  # no template says "rain on": left to the model
        ("is it going to snow in Denver on Sunday", 'weather(location="denver", day="sunday")'),
        ("what's the forecast for the weekend", None),  # "the weekend" is not a place: left to the model
        ("what's the weather this week", 'weather(day="week")'),
        ("what's the weather in Denver this week", 'weather(location="denver", day="week")'),
    ],
)
def test_routes(text, call):
    with SkillTester(weather) as t:
        expected = t.registry.parse(call) if call else None
        assert _lower(t.route(text)) == _lower(expected)


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather like on mars in the movie",
        "what's the weather in the movie",
        "what's the forecast for apple stock",
        "what's the forecast for the stock market",
        "what's the forecast for traffic",
        "what's the weather in the radio",
        "what's the temperature in the oven",
        "what's the temperature in the living room",
        "will it rain in the video game tomorrow",
        "what's the weather in a b c d e f g",
        "what's the latest weather news",
    ],
)
def test_hard_negatives_are_not_weather(text):
    call = FastMatcher(Registry([weather, news])).match(text)
    assert call is None or call.name != "weather", call


@pytest.mark.parametrize(
    "text, day",
    [
        ("how's the weather looking for the rest of the week", "week"),
        ("what is this week's weather forecast", "week"),
        ("give me the 7-day forecast", "week"),
        ("Wie wird das Wetter diese Woche in Berlin?", "week"),
        ("今週の天気は", "week"),
        ("what's the weather this weekend", "weekend"),  # "this week" is not said: "this weekend" is one word more
        ("今週末の天気は", "today"),  # 今週 and 週末 both said: the model's day stands
        ("what's the weather next week", "today"),  # past the forecast mostly: the model's day stands
    ],
)
def test_the_week_said_is_the_day_whatever_the_model_wrote(text, day):
    registry = Registry([weather])
    call = Router(registry, JunkBackend("weather()", 0.99), fast_path=False).route(text).call
    assert call.name == "weather" and call.args.get("day", "today") == day


def test_hotwords_are_the_home_location():
    assert hotwords(Context(WeatherSettings(home_location="Boston"))) == ["Boston"]
    assert hotwords(Context(WeatherSettings())) == []
    words = Registry([weather]).hotwords(lambda s: Context(WeatherSettings(home_location="Oslo")))
    assert "Oslo" in words and "tomorrow" in words


@pytest.mark.parametrize(
    "table, message",
    [
        ({"home_locaton": "Boston"}, r"\[skills.weather\]: unknown key 'home_locaton'; did you mean 'home_location'\?"),
        ({"units": "kelvin"}, r"units: must be 'celsius' or 'fahrenheit', got 'kelvin'"),
        ({"timeout_ms": "fast"}, r"\[skills.weather\].timeout_ms: expected int"),
        ({"forecast_days": 30}, r"forecast_days: must be in 1..16"),
        ({"forecast_url": "api.open-meteo.com"}, r"forecast_url: must be an http\(s\) URL"),
    ],
)
def test_config_mistakes_name_the_key(table, message):
    with pytest.raises(ConfigError, match=message):
        SkillTester(weather, settings=table)


def test_config_file_typo_stops_start_up(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[skills.weather]\nhome_location = "Boston"\nunit = "fahrenheit"\n')
    config = load_config(path)
    with pytest.raises(ConfigError, match=r"config.toml: \[skills.weather\]: unknown key 'unit'; did you mean 'units'"):
        Assistant(config, Registry([weather]), trace=False)


def test_catalogue_translations_are_complete_and_consistent():
    assert MESSAGES.missing() == []
    english = MESSAGES.catalog["en"]
    for lang in LANGUAGES:
        for key, template in MESSAGES.catalog[lang].items():
            fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            assert fields == {f for _, f, _, _ in string.Formatter().parse(english[key]) if f}, (lang, key)
    assert all(MESSAGES.catalog["en"].get(key) for key in set(WMO_CODES.values()) | {"unknown"})


def test_unknown_weather_code_still_reads(server):
    server.serve("/v1/forecast", body=_broken_forecast(lambda d: d["current"].update(weather_code=42)))
    with make_tester(server) as t:
        assert t.call('weather(location="Boston")').text == (
            "Right now in Boston it's 8 degrees and changeable weather; today's high is 11."
        )


@pytest.mark.parametrize(
    ("said", "model", "stands"),
    [
        ("What's the temperature of the sun?", "weather()", False),
        ("is it cold on mars", 'weather(location="mars")', False),
        ("how cold is it in space", 'weather(location="space")', False),
        ("will the sun come out today", "weather()", True),
        # Mars is March in French and Norwegian: the date stands.
        ("Quel temps fera-t-il le 3 mars ?", "weather()", True),
    ],
)
def test_other_worlds_have_no_forecast(said, model, stands):
    call = Router(Registry([weather, news]), JunkBackend(model, 0.99), fast_path=False).route(said).call
    assert (call.name == "weather") is stands
