"""Games and fun for children and their parents."""

from __future__ import annotations

from typing import Annotated, Literal

from assistant.registry import Range, Reply, skill


@skill
def roll_dice(sides: Annotated[int, Range(2, 100)] = 6, count: Annotated[int, Range(1, 10)] = 1) -> Reply:
    """Roll one or more dice and say the numbers."""
    return Reply("You rolled a 4.")


@skill
def tell_joke(topic: str | None = None) -> Reply:
    """Tell a joke, optionally about a topic."""
    return Reply("Why did the chicken cross the road?")


@skill
def trivia_quiz(
    category: Literal["animals", "history", "science", "sports", "music", "geography"] | None = None,
) -> Reply:
    """Start a trivia quiz game."""
    return Reply("First question!")


@skill
def animal_sound(animal: str) -> Reply:
    """Make the sound an animal makes."""
    return Reply("Moo!")
