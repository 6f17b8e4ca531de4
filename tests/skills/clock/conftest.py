"""A clock moved by hand, a ringer and a listener that record, and an engine on a store in the test's folder."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from skills.clock.engine import Engine, Event
from skills.clock.store import Store

ZONE = zoneinfo.ZoneInfo("Europe/Berlin")
START = dt.datetime(2026, 3, 3, 6, 0, tzinfo=ZONE).timestamp()
"""Tuesday 3 March 2026, 06:00 in Berlin."""


class FakeClock:
    """Wall and monotonic time that move only when a test says so."""

    def __init__(self, wall: float = START) -> None:
        self.now_wall = wall
        self.now_mono = 1000.0

    def wall(self) -> float:
        return self.now_wall

    def monotonic(self) -> float:
        return self.now_mono

    def advance(self, seconds: float) -> None:
        """Time passes."""
        self.now_wall += seconds
        self.now_mono += seconds

    def jump(self, seconds: float) -> None:
        """The wall clock is set (NTP, a user): the monotonic clock does not move."""
        self.now_wall += seconds


class Recorder:
    """A ringer and a listener in one: what rang, and what the engine said."""

    def __init__(self) -> None:
        self.ringing = False
        self.rings = 0
        self.events: list[Event] = []

    def ring(self) -> None:
        if not self.ringing:
            self.rings += 1
        self.ringing = True

    def silence(self) -> None:
        self.ringing = False

    def tell(self, event: Event) -> None:
        self.events.append(event)

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_engine(tmp_path, clock, recorder):
    """make_engine() -> an engine on the test's store; call again for "the assistant restarted"."""
    made: list[Engine] = []

    def make(**kwargs) -> Engine:
        engine = Engine(
            Store(tmp_path / "clock.sqlite"), zone=ZONE, clock=clock, ringer=recorder, tell=recorder.tell, **kwargs
        )
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()
        engine.store.close()
