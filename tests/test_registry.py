"""The registry: declaration checks, validation and conversion, canonical calls, prompt listing."""

from __future__ import annotations

from typing import Literal

import pytest

from assistant.calls import Call
from assistant.errors import InvalidArguments, SkillDeclarationError, UnknownSkill
from assistant.registry import Registry, Reply, skill


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
