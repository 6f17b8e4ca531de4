"""Skills whose parameters hold the same kind of value in different roles: two people, a day and a count of nights.
Which parameter a value goes to is said by the words around it ("starring", "created by", "hosted by", "with the guest",
"for three nights"), and the reader must read the parameter names to follow them.

Written after the unseen evaluation's misses (a person in `genre`, a return date in `departure_date`, "two days" in
a check-in date: finetune/README.md, "r6"); none of these skills, names or sentences is the unseen set's."""

from __future__ import annotations

from typing import Annotated

from assistant.registry import Range, Reply, skill


@skill
def find_show(genre: str | None = None, starring: str | None = None, created_by: str | None = None) -> Reply:
    """Find a TV series to watch by genre, cast or creator."""
    return Reply("Here are some shows.")


@skill
def find_podcast_episode(topic: str | None = None, host: str | None = None, guest: str | None = None) -> Reply:
    """Find podcast episodes by topic, host or guest."""
    return Reply("Here are some episodes.")


@skill
def book_campsite(
    arrival_day: str | None = None,
    nights: Annotated[int, Range(1, 30)] | None = None,
    people: Annotated[int, Range(1, 12)] | None = None,
) -> Reply:
    """Reserve a campsite pitch from an arrival day for a number of nights."""
    return Reply("Pitch reserved.")
