"""The registry: declaration checks, validation and conversion, canonical calls, prompt listing."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

import pytest

from assistant.calls import Call
from assistant.errors import InvalidArguments, SkillDeclarationError, UnknownSkill
from assistant.registry import Normalize, Registry, Reply, skill


def test_validate_converts_and_orders(registry):
    call = registry.parse('forecast(day="Tomorrow", city="  Boston ")')
    assert call == Call("forecast", {"city": "Boston", "day": "tomorrow"})
    assert list(call.args) == ["city", "day"]


def test_defaults_dropped_and_bound(registry):
    call = registry.parse('forecast(day="today")')
    assert call == Call("forecast")
    assert registry.bind(call) == {"city": None, "day": "today"}


def test_range_message_names_everything(registry):
    with pytest.raises(InvalidArguments) as error:
        registry.parse("volume(level=11)")
    assert str(error.value) == "volume(level=11): 11 is not in the range 0<=x<=10"


@pytest.mark.parametrize(
    "text, reason",
    [
        ('volume(level="loud")', "must be a int"),
        ("volume(level=2.5)", "whole number"),
        ("volume()", "required"),
        ('forecast(day="yesterday")', "must be one of today, tomorrow"),
        ('forecast(town="Oslo")', "unknown argument"),
        ("none(x=1)", "no arguments"),
    ],
)
def test_invalid_arguments(registry, text, reason):
    with pytest.raises(InvalidArguments, match=reason):
        registry.parse(text)


def test_unknown_skill(registry):
    with pytest.raises(UnknownSkill, match="unknown skill 'timer'"):
        registry.parse("timer(minutes=5)")


def test_numeric_string_is_converted(registry):
    assert registry.parse('volume(level="7")').args == {"level": 7}


def test_declaration_errors_name_skill_and_param():
    with pytest.raises(SkillDeclarationError, match="skill 'bad', parameter 'when'"):

        @skill
        def bad(when: list) -> Reply:  # type: ignore[type-arg]
            """Bad."""
            return Reply("")

    with pytest.raises(SkillDeclarationError, match="docstring"):

        @skill
        def undocumented() -> Reply:
            return Reply("")


def test_bad_example_fails_at_startup():
    @skill(examples=[("x", 'typo(day="monday")')])
    def calendar(day: Literal["today"] = "today") -> Reply:
        """Calendar."""
        return Reply("")

    with pytest.raises(SkillDeclarationError, match="skill 'calendar', example 'x'"):
        Registry([calendar])


def test_prompt_listing(registry):
    listing = registry.prompt_listing()
    assert (
        'forecast(city: str | None = None, day: Literal["today", "tomorrow"] = "today")  # Weather for a city.'
        in listing
    )
    assert listing.endswith("none()  # not a request for any of these skills")


def test_builtin_registry_loads():
    registry = Registry.load()
    assert {"weather", "play_music", "calculate", "news"} <= set(registry.names())


LIGHTS = '''
from assistant.registry import Reply, skill


@skill(examples=[("{said}", 'lights(state="on")')])
def lights(state: str) -> Reply:
    """Switch the lights."""
    return Reply(state)
'''


def skill_folder(root, name: str, said: str = "lights on", source: str = LIGHTS):
    folder = root / name
    folder.mkdir()
    (folder / "lights.py").write_text(source.replace("{said}", said))
    return folder


def test_two_skills_with_one_name_are_named_with_both_files_at_startup(tmp_path):
    first, second = skill_folder(tmp_path, "mine"), skill_folder(tmp_path, "theirs", said="lamps on")
    with pytest.raises(SkillDeclarationError) as error:
        Registry.load([first, second])
    message = str(error.value)
    assert "two skills are called 'lights'" in message
    assert str(first / "lights.py") in message and str(second / "lights.py") in message


def test_a_user_skill_named_like_a_builtin_is_named_at_startup(tmp_path):
    folder = skill_folder(
        tmp_path, "mine", source=LIGHTS.replace("def lights", "def weather").replace("lights(", "weather(")
    )
    with pytest.raises(SkillDeclarationError, match="two skills are called 'weather'") as error:
        Registry.load([folder])
    assert "skills/weather" in str(error.value) and str(folder / "lights.py") in str(error.value)


def test_one_utterance_in_two_skills_examples_is_named_with_both_skills_and_files(tmp_path):
    @skill(examples=[("Turn on the lights!", "lamp()")])
    def lamp() -> Reply:
        """The desk lamp."""
        return Reply("")

    @skill(examples=[("what's the weather", "forecast()"), ("turn on the lights", "forecast()")])
    def forecast() -> Reply:
        """Weather."""
        return Reply("")

    with pytest.raises(SkillDeclarationError) as error:
        Registry([lamp, forecast])
    message = str(error.value)
    assert "'turn on the lights' of skill 'forecast'" in message and "'Turn on the lights!' of skill 'lamp'" in message
    assert message.count(__file__) == 2  # where each skill is declared
    # As normalize_text reads them: a contraction and punctuation do not make two utterances.
    with pytest.raises(SkillDeclarationError, match="'what is the weather' of skill 'lamp'"):
        Registry([replace(lamp, examples=(("what is the weather", "lamp()"),)), forecast])


def test_skills_may_share_an_example_that_is_for_neither():
    @skill(examples=[("play the radio", "none()"), ("lamp on", "lamp()")])
    def lamp() -> Reply:
        """The desk lamp."""
        return Reply("")

    @skill(examples=[("play the radio", "none()"), ("a song", "song()")])
    def song() -> Reply:
        """A song."""
        return Reply("")

    assert Registry([lamp, song]).names() == ["lamp", "song"]


def test_a_converted_value_that_comes_out_empty_is_no_value():
    @skill
    def tune(query: Annotated[str | None, Normalize(lambda text: text.strip(".!"))] = None) -> Reply:
        """Play a tune."""
        return Reply("")

    registry = Registry([tune])
    assert registry.validate(Call("tune", {"query": "..."})) == Call("tune") == registry.validate(Call("tune"))


def test_a_validated_call_stays_valid_when_its_conversion_grows_the_value():
    """A converter may lengthen a value ("²" -> " squared"); a call that validates must validate again unchanged."""

    @skill
    def tune(query: Annotated[str | None, Normalize(lambda text: text.replace("²", " squared"))] = None) -> Reply:
        """Play a tune."""
        return Reply("")

    registry = Registry([tune])
    short = registry.validate(Call("tune", {"query": "x²"}))
    assert registry.validate(short) == short == Call("tune", {"query": "x squared"})
    with pytest.raises(InvalidArguments, match="longer than 80 characters converted"):
        registry.validate(Call("tune", {"query": "²" * 20}))
    # a converter may also say "no particular value" (None): "play a song" is play_music()
    assert Registry.load().validate(Call("play_music", {"query": "a song"})) == Call("play_music")
