"""Shared fixtures: a small inline registry, and a data folder per test."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest

from assistant.config import Config
from assistant.registry import Range, Registry, Reply, skill


@skill(
    examples=[
        ("what's the weather in Boston", 'forecast(city="Boston")'),
        ("will it rain in Boston tomorrow", 'forecast(city="Boston", day="tomorrow")'),
        ("what's the weather", "forecast()"),
    ],
    not_for=["radio"],
)
def forecast(city: str | None = None, day: Literal["today", "tomorrow"] = "today") -> Reply:
    """Weather for a city."""
    return Reply(f"{day} in {city}: sunny", {"city": city, "day": day})


@skill(examples=[("set the volume to 5", "volume(level=5)")])
def volume(level: Annotated[int, Range(0, 10)]) -> Reply:
    """Set the speaker volume."""
    return Reply(f"volume {level}")


@pytest.fixture
def registry() -> Registry:
    return Registry([forecast, volume])


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(data_dir=str(tmp_path / "data"))
