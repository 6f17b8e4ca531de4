"""The fast path: example phrasings become templates; it answers only what it is sure of."""

from __future__ import annotations

import pytest

from assistant.calls import Call
from assistant.i18n import normalize_text
from assistant.registry import Registry, Reply, skill
from assistant.routing.matcher import FastMatcher


@pytest.mark.parametrize(
    "text, call",
    [
        ("What's the weather in Paris?", Call("forecast", {"city": "paris"})),
        ("will it rain in new york tomorrow", Call("forecast", {"city": "new york", "day": "tomorrow"})),
        ("will it rain in Oslo today", Call("forecast", {"city": "oslo"})),
        ("what's the weather", Call("forecast")),
        ("set the volume to 3", Call("volume", {"level": 3})),
    ],
)
def test_matches(registry, text, call):
    assert FastMatcher(registry).match(text) == call


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather in boston tomorrow",  # capture would swallow a Literal word
        "set the volume to 30",  # out of range: not sure, so leave it to the LLM
        "what's the weather in the radio",  # not_for word
        "tell me a joke",
        "",
        "what's the weather in a b c d e f g",  # capture too long
    ],
)
def test_declines(registry, text):
    assert FastMatcher(registry).match(text) is None


def test_normalize_keeps_math_and_decimals():
    assert normalize_text("What's 3.5 + 2, please?") == "what is 3.5 + 2 please"


def test_capture_that_swallowed_a_joining_word_declines(registry):
    assert FastMatcher(registry).match("what's the weather in boston for") is None


def test_politeness_is_ignored(registry):
    assert FastMatcher(registry).match("please what's the weather in Oslo please") == Call("forecast", {"city": "oslo"})


def test_time_words_are_never_captured(registry):
    assert FastMatcher(registry).match("what's the weather in toronto right now") is None


@pytest.fixture(scope="module")
def builtin_matcher() -> FastMatcher:
    from assistant.registry import Registry

    return FastMatcher(Registry.load())


@pytest.mark.parametrize(
    "text, action",
    [
        ("Canzone successiva.", "next"),
        ("Nächstes Lied!", "next"),
        ("Chanson précédente", "previous"),
        ("Baja el volumen.", "volume_down"),
        ("下一首。", "next"),
        ("音量を上げて", "volume_up"),
        ("Stop de muziek", "stop"),
        ("Næste sang.", "next"),
        ("Skru ned", "volume_down"),
    ],
)
def test_short_music_commands_in_other_languages_take_the_fast_path(builtin_matcher, text, action):
    assert builtin_matcher.match(text) == Call("music_control", {"action": action})


@pytest.mark.parametrize(
    "text, action",
    [
        ("please turn up the speaker volume", "volume_up"),
        ("Turn the speaker volume down.", "volume_down"),
        ("could you turn down the volume", "volume_down"),
        ("raise the volume", "volume_up"),
        ("let's turn up the volume", "volume_up"),  # "let's" opens a command as "please" does
    ],
)
def test_volume_requests_naming_the_speaker_take_the_fast_path(builtin_matcher, text, action):
    assert builtin_matcher.match(text) == Call("music_control", {"action": action})


@pytest.mark.parametrize(
    "text", ["turn up the heat", "lower the volume of the tv", "raise the blinds", "play back the last message"]
)
def test_other_things_turned_up_are_not_music(builtin_matcher, text):
    assert builtin_matcher.match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "give me the news",  # no topic "the"
        "give me the well politics news",
        "give me the okay so uh the olympics news",
        "give me the uh sports news",
        "play techno you know",
        "what's the temperature in the hallway",  # a room: the thermostat's, not the forecast's
    ],
)
def test_hesitations_lone_articles_and_rooms_are_left_to_the_llm(builtin_matcher, text):
    assert builtin_matcher.match(text) is None


def test_words_that_only_look_like_fillers_stay_in_values(builtin_matcher):
    assert builtin_matcher.match("play all is well") == Call("play_music", {"query": "all is well"})
    assert builtin_matcher.match("play the beatles") == Call("play_music", {"query": "the beatles"})
    assert builtin_matcher.match("can you play a song") == Call("play_music", {})  # a generic query is no query
    song = "if you are happy and you know it"
    assert builtin_matcher.match("play if you're happy and you know it") == Call("play_music", {"query": song})
    # Spoken math drops its own fillers, so they don't stop the fast path.
    assert builtin_matcher.match("what's the square root okay so of 225") == Call(
        "calculate", {"expression": "sqrt(225)"}
    )


def test_never_for_words_make_the_fast_path_decline_too():
    @skill(examples=[("play baby shark", 'tune(query="baby shark")')], never_for=["joke"])
    def tune(query: str | None = None) -> Reply:
        """Play a tune."""
        return Reply("ok")

    matcher = FastMatcher(Registry([tune]))
    assert matcher.match("play baby shark") == Call("tune", {"query": "baby shark"})
    assert matcher.match("play a joke") is None


def test_a_not_for_word_the_example_itself_says_is_its_own():
    @skill(
        examples=[("play baby shark", 'tune(query="baby shark")'), ("shuffle my playlist", "tune()")],
        not_for=["playlist"],
    )
    def tune(query: str | None = None) -> Reply:
        """Play a tune."""
        return Reply("ok")

    matcher = FastMatcher(Registry([tune]))
    assert matcher.match("shuffle my playlist") == Call("tune", {})
    # Other templates still decline on it: "play my gym playlist" is no song called that.
    assert matcher.match("play my gym playlist") is None


def test_the_playlist_is_the_library(builtin_matcher):
    for said in ("play my playlist", "play the playlist", "shuffle my playlist", "please play the playlist"):
        assert builtin_matcher.match(said) == Call("play_music", {}), said
    assert builtin_matcher.match("add this song to my playlist") is None


def test_a_value_whose_examples_all_say_a_number_needs_one():
    @skill(
        examples=[
            ("send 50 dollars to Maria", 'pay(amount="50 dollars", to="Maria")'),
            ("send twenty euros to Tom", 'pay(amount="twenty euros", to="Tom")'),
        ]
    )
    def pay(amount: str, to: str) -> Reply:
        """Send money to someone."""
        return Reply("sent")

    matcher = FastMatcher(Registry([pay]))
    assert matcher.match("send 15 dollars to Anna") == Call("pay", {"amount": "15 dollars", "to": "anna"})
    assert matcher.match("send a message to dad") is None  # no amount of anything: the model decides
