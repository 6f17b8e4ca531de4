"""One engine per assistant, shared by the timer and alarm skills: its settings, time zone, store and ringer, and
the sentences it says on its own (a timer done, an alarm missed) handed to whoever speaks.

Speaking on its own: the engine's events become sentences given to services["announce"](text, language), which
the live loop (or a server) installs and says between turns; without one they are logged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import skills.clock.phrases as phrases
from assistant.errors import ConfigError
from assistant.registry import Context
from skills.clock.engine import Engine, Event
from skills.clock.ring import PlayerRinger, write_ring
from skills.clock.store import Store

log = logging.getLogger(__name__)

SETTINGS_TABLE = "set_timer"
"""[skills.set_timer] holds the settings of timers and alarms alike (one engine serves both)."""
SERVICE = "clock_engine"
"""Key of the engine in the assistant's services."""


@dataclass(frozen=True)
class ClockSettings:
    """[skills.set_timer] settings, for timers and alarms."""

    max_timer_hours: int = 24
    """The longest timer; "a timer for 400 hours" gets a sentence naming this limit."""
    max_timers: int = 20
    """Timers that may run at once."""
    max_alarms: int = 30
    """Alarms that may be set at once."""
    ring_s: int = 60
    """How long a ring lasts when nobody says stop."""
    ring_volume: int = 7
    """Loudness of the ring, 0-10 (its own, not the music's: a quiet song must not hide a timer)."""
    ring_sound: str = ""
    """A sound file to ring with instead of the built-in beeps (any format the music player plays)."""
    duck_music_to: float = 0.2
    """Music volume factor while a timer or alarm rings."""
    snooze_minutes: int = 9
    """Snooze length when none is said (9, as on most alarm clocks)."""

    def __post_init__(self) -> None:
        where = f"[skills.{SETTINGS_TABLE}]"
        if not 1 <= self.max_timer_hours <= 24 * 7:
            raise ConfigError(f"{where} max_timer_hours: must be in 1..168, got {self.max_timer_hours}")
        if not 0 <= self.ring_volume <= 10:
            raise ConfigError(f"{where} ring_volume: must be in 0..10, got {self.ring_volume}")
        if not 5 <= self.ring_s <= 3600:
            raise ConfigError(f"{where} ring_s: must be in 5..3600, got {self.ring_s}")
        if not 1 <= self.snooze_minutes <= 60:
            raise ConfigError(f"{where} snooze_minutes: must be in 1..60, got {self.snooze_minutes}")
        if not 0 <= self.duck_music_to <= 1:
            raise ConfigError(f"{where} duck_music_to: must be in 0..1, got {self.duck_music_to}")
        if self.max_timers < 1 or self.max_alarms < 1:
            raise ConfigError(f"{where} max_timers and max_alarms: must be at least 1")


def settings(ctx: Context) -> ClockSettings:
    """The clock settings whichever of the skills runs (validated at start-up with set_timer's)."""
    if isinstance(ctx.settings, ClockSettings):
        return ctx.settings
    table = getattr(ctx.config, "skills", {}).get(SETTINGS_TABLE, {}) if ctx.config is not None else {}
    return ClockSettings(**table)


def time_zone(config: Any) -> dt.tzinfo:
    """The configured time zone (config time_zone, an IANA name), else the system's own, daylight saving included."""
    name = str(getattr(config, "time_zone", "") or "")
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"time_zone: unknown time zone {name!r} (an IANA name such as 'Europe/Berlin')") from None
    return system_zone()


def system_zone() -> dt.tzinfo:
    """The machine's zone by its IANA name ($TZ, /etc/localtime, /etc/timezone), so daylight saving is right all
    year; a fixed offset from the C library only when it has none."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return dt.datetime.now().astimezone().tzinfo or dt.UTC


_CREATE = threading.Lock()


def engine(ctx: Context) -> Engine:
    """The assistant's engine, created on first use (its store in the data folder beside the skills' own)."""
    with _CREATE:
        found = ctx.services.get(SERVICE)
        if isinstance(found, Engine):
            return found
        zone = time_zone(ctx.config)
        store = Store(ctx.data_dir.parent / "clock" / "clock.sqlite")
        services = ctx.services
        created = Engine(store, zone=zone, ring_s=settings(ctx).ring_s, tell=lambda event: announce(services, event))
        ctx.services[SERVICE] = created
        return created


def start(ctx: Context) -> None:
    """Start ringing (the live loop calls this through the skills' background hook): timers and alarms go off, and
    what was missed while the assistant was off is said."""
    found = engine(ctx)
    if found.started:
        return
    options = settings(ctx)
    folder = ctx.data_dir.parent / "clock"
    sound = Path(options.ring_sound).expanduser() if options.ring_sound else write_ring(folder / "ring.wav")
    device = str(getattr(getattr(ctx.config, "audio", None), "output_device", "") or "")
    found.ringer = PlayerRinger(
        ctx.services,
        device,
        sound,
        level=options.ring_volume,
        duck_to=options.duck_music_to,
        on_stop=found.user_stopped,
    )
    found.start()


def sentence(event: Event) -> str:
    """What the user hears for an event, in the language of the request that set the timer or alarm."""
    language = event.language
    if event.timer is not None:
        name = phrases.timer_name(language, event.timer)
        if event.kind == "timer_missed":
            return phrases.say(language, "timer_missed", timer=name, ago=phrases.duration(language, event.late_s))
        return phrases.say(language, "timer_done", timer=name)
    if event.alarm is not None:
        time_said = phrases.clock(language, event.alarm.hour, event.alarm.minute)
        if event.kind == "alarm_missed_jump":
            jump = phrases.duration(language, event.late_s)
            return phrases.say(language, "alarm_missed_jump", jump=jump, time=time_said)
        if event.kind == "alarm_missed":
            return phrases.say(language, "alarm_missed", time=time_said)
        return phrases.say(language, "alarm_ring", time=time_said)
    return phrases.say(language, "clock_behind")


def announce(services: dict[str, Any], event: Event) -> None:
    """Say an event through services["announce"] (the live loop's), or log it when nobody can speak."""
    text = sentence(event)
    speak = services.get("announce")
    if callable(speak):
        speak(text, event.language)
    else:
        log.warning("clock: %s (nobody to say it to: no live loop)", text)
