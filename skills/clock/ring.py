"""The ring: a tone made with numpy (no sound file shipped), played as the player's alert over the music.

The player (skills/music/player.py) mixes an alert into its one output stream, so a ring is heard on a board whose
sound card takes a single stream, and the music is lowered while it rings and comes back after. "stop" while it
rings goes to music_control(action="stop"), whose Player.stop() ends the alert before the music: the ringer hears
that as the user stopping the ring.
"""

from __future__ import annotations

import logging
import os
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from skills.music.player import AudioFile, PlayerEvent, UnplayableFile, shared_player

log = logging.getLogger(__name__)

RATE_HZ = 22050
BEEP_HZ = (880.0, 1320.0)
"""Two tones a fifth apart, like a kitchen timer: heard over music and a running tap."""
BEEP_S = 0.12
PATTERN = (0.0, 0.2, 0.4)
"""Beep starts within one cycle (s): three quick beeps..."""
CYCLE_S = 1.5
"""...then a pause; the player loops the cycle."""


def ring_tone(rate_hz: int = RATE_HZ) -> np.ndarray:
    """One cycle of the ring as int16 mono samples: three short two-tone beeps and a pause."""
    cycle = np.zeros(int(CYCLE_S * rate_hz), dtype=np.float64)
    t = np.arange(int(BEEP_S * rate_hz)) / rate_hz
    beep = np.mean([np.sin(2 * np.pi * hz * t) for hz in BEEP_HZ], axis=0)
    fade = np.minimum(1.0, np.minimum(t, BEEP_S - t) / 0.01)  # 10 ms ramps: no clicks
    for start_s in PATTERN:
        at = int(start_s * rate_hz)
        cycle[at : at + len(beep)] += beep * fade
    return (cycle * 0.8 * 32767).astype(np.int16)


def write_ring(path: Path) -> Path:
    """The ring as a WAV file at path (written once; atomically, so a crash never leaves half a file)."""
    if path.is_file() and path.stat().st_size > 44:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with wave.open(str(partial), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE_HZ)
        out.writeframes(ring_tone().tobytes())
    os.replace(partial, path)
    return path


class PlayerRinger:
    """Rings through the assistant's shared player; tells on_stop when the user stopped the ring there."""

    def __init__(
        self,
        services: dict[str, Any],
        output_device: str,
        sound: Path,
        *,
        level: int = 7,
        duck_to: float = 0.2,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self.services = services
        self.output_device = output_device
        self.sound = sound
        self.level = level
        self.duck_to = duck_to
        self.on_stop = on_stop
        self.ringing = False
        self._lock = threading.Lock()
        self._listening = False

    def _player(self) -> Any:
        player = shared_player(self.services, self.output_device)
        if not self._listening:
            player.add_listener(self._heard)
            self._listening = True
        return player

    def ring(self) -> None:
        """Start the ring (already ringing: nothing changes)."""
        with self._lock:
            if self.ringing:
                return
            player = self._player()
            try:
                player.alert(AudioFile(self.sound, "ring"), level=self.level, duck_to=self.duck_to)
            except (UnplayableFile, RuntimeError) as error:
                log.error("clock: cannot ring (%s); the announcement is all the user gets", error)
                return
            self.ringing = True

    def silence(self) -> None:
        """Stop the ring (not ringing: nothing changes)."""
        with self._lock:
            if not self.ringing:
                return
            self.ringing = False  # before stop_alert: its event is ours, not the user's
            self._player().stop_alert()

    def _heard(self, event: PlayerEvent) -> None:
        """A player event: an alert stopped while we thought it rang means the user said stop."""
        if event.kind == "alert_stop" and self.ringing:
            self.ringing = False
            if self.on_stop is not None:
                self.on_stop()
