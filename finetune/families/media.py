"""Radio, podcasts and audiobooks: the listening a music library does not cover."""

from __future__ import annotations

from typing import Literal

from assistant.registry import Reply, skill


@skill
def play_radio(station: str | None = None) -> Reply:
    """Play a live radio station; no station plays the last one."""
    return Reply(f"Playing {station or 'the radio'}.")


@skill
def play_podcast(show: str | None = None, episode: Literal["latest", "next", "previous"] = "latest") -> Reply:
    """Play an episode of a podcast."""
    return Reply(f"Playing the {episode} episode of {show or 'your podcast'}.")


@skill
def play_audiobook(title: str | None = None, author: str | None = None) -> Reply:
    """Read an audiobook aloud, resuming where it stopped."""
    return Reply(f"Resuming {title or author or 'your audiobook'}.")
