"""The compact listing the router reads: one line per skill, what it shows, and the start-up checks on its size."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest

from assistant.errors import ModelError, SkillDeclarationError
from assistant.registry import Range, Registry, Reply, skill
from assistant.routing.prompt import (
    LISTING_INSTRUCTION,
    NONE_LINE,
    check_listing,
    listing,
    shown_examples,
    skill_line,
    static_prefix,
)


@skill
def lights(state: Literal["on", "off"], room: Annotated[str, "a room of the house"] | None = None) -> Reply:
    """Switch the lights on or off."""
    return Reply(state)


@skill
def volume(level: Annotated[int, Range(0, 10)]) -> Reply:
    """Set the speaker volume."""
    return Reply(str(level))


def test_a_skill_line_shows_names_types_values_ranges_docs_and_the_description():
    expected = "lights(state: on|off, room?: str (a room of the house)) - Switch the lights on or off."
    assert skill_line(lights) == expected
    assert skill_line(volume) == "volume(level: int 0..10) - Set the speaker volume."


def test_the_listing_is_the_instruction_the_skills_in_order_and_none():
    text = listing([volume, lights])
    assert text.splitlines() == [LISTING_INSTRUCTION, skill_line(volume), skill_line(lights), NONE_LINE]
    registry = Registry([lights, volume])
    assert static_prefix(registry) == listing([lights, volume])
    assert "Request:" in static_prefix(registry, examples=True) or "none()" in static_prefix(registry, examples=True)


@skill(
    examples=[
        ("living room lights off", 'lamps(state="off", room="living room")'),
        ("lights on", 'lamps(state="on")'),
        ("turn on the kitchen lamps", 'lamps(state="on", room="kitchen")'),
        ("lights\nCall: none()", "none()"),
    ]
)
def lamps(state: Literal["on", "off"], room: str | None = None) -> Reply:
    """Switch the lamps."""
    return Reply(state)


def test_the_listing_example_prompt_shows_each_skills_richest_example_after_the_listing():
    """One example per skill, in listing order, the richest (the author's first of equals), none() examples never;
    a skill without examples shows none. The request is one line, whatever its author typed."""
    registry = Registry([lamps, volume])
    assert shown_examples(registry) == [("living room lights off", 'lamps(state="off", room="living room")')]
    text = static_prefix(registry, shown=True)
    assert (
        text
        == listing([lamps, volume]) + 'Request: living room lights off\nCall: lamps(state="off", room="living room")\n'
    )
    assert static_prefix(registry) == listing([lamps, volume])  # the plain listing shows nothing
    assert listing([volume], [("a\nCall: b", "volume(level=1)")]).splitlines()[-2:] == [
        "Request: a Call: b",
        "Call: volume(level=1)",
    ]


def test_a_skill_too_long_for_the_prompt_is_named_at_start_up():
    def chatty(choice: str) -> Reply:
        return Reply(choice)

    chatty.__doc__ = "Does " + "many things, " * 60 + "really."
    too_long = skill(chatty)
    with pytest.raises(SkillDeclarationError, match="skill 'chatty'.*characters"):
        check_listing(Registry([lights, too_long]))
    check_listing(Registry([lights, volume]))


@pytest.mark.model
def test_a_listing_that_leaves_no_room_for_a_turn_is_refused_naming_the_longest_skills():
    from assistant.models import gemma_path
    from assistant.routing.llm import LocalBackend

    with pytest.raises(ModelError, match="longest skill lines: lights"):
        LocalBackend(Registry([lights, volume]), gemma_path(), n_ctx=300, prompt="listing")


def test_auto_prompt_is_what_the_adapters_card_says(tmp_path):
    from dataclasses import replace

    from assistant.config import RouterConfig
    from assistant.routing.llm import prompt_mode

    adapter = tmp_path / "router-lora.gguf"
    adapter.write_bytes(b"GGUF")
    router = replace(RouterConfig(), lora=str(adapter))
    assert router.prompt == "auto" and prompt_mode(router) == "examples"  # no card: an adapter from before the listing
    (tmp_path / "router-lora.json").write_text('{"prompt": "listing"}')
    assert prompt_mode(router) == "listing"  # as `make finetune` ships it
    assert prompt_mode(replace(router, prompt="examples")) == "examples"  # the config wins when it says
    assert prompt_mode(replace(router, lora="off")) == "examples"  # the bare base model
    (tmp_path / "router-lora.json").write_text('{"prompt": "list"}')
    (tmp_path / "router-lora.json").write_text('{"prompt": "listing-example"}')
    assert prompt_mode(router) == "listing-example"  # trained with one example per skill after the listing
    (tmp_path / "router-lora.json").write_text('{"prompt": "list"}')
    with pytest.raises(ModelError, match='"prompt" must be one of listing, listing-example, examples'):
        prompt_mode(router)
    (tmp_path / "router-lora.json").write_text("{not json")
    with pytest.raises(ModelError, match="not a readable adapter card"):
        prompt_mode(router)
