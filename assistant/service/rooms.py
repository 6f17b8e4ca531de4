"""What each room hears: the replies to the turns its satellite started, and music started from that room.

A satellite has one speaker stream (AudioStart, AudioChunk…, AudioStop, written to its --snd-command in order), so
everything for a room goes through one Room: its events are queued and written by one task, in order.

Music: every room has its own Player (the music skill's, skills/music/player.py), created by the skill on first use
with the sink factory the room lends it through its services ("player_sink_factory"). That sink paces itself like
the player's null sink but sends each block to the room's satellite as Wyoming audio (44.1 kHz stereo 16-bit; the
satellite converts to its speaker's format). A reply while music plays is mixed into the music stream, with the music
ducked, instead of being a second stream the satellite would play after the music. "Play baby shark" said in the
kitchen therefore plays in the kitchen; "stop" said in the bedroom stops the bedroom's player only.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event

from assistant.service.wire import audio_chunks, pcm16
from assistant.voice.audio import resample

log = logging.getLogger(__name__)

MAX_QUEUED_EVENTS = 2000
"""Events waiting for a slow satellite connection (~45 s of music); past that music blocks are dropped."""


class SatelliteSink:
    """The music player's output for one room: blocks pulled at real-time pace, mixed with speech, sent as events."""

    def __init__(self, room: Room, callback: Callable[[np.ndarray], None], rate_hz: int, channels: int, frames: int):
        self.room = room
        self.callback = callback
        self.rate_hz, self.channels, self.frames = rate_hz, channels, frames
        self.period_s = frames / rate_hz
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.speech: collections.deque[np.ndarray] = collections.deque()
        self.lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether music is streaming now."""
        return self.thread is not None and self.thread.is_alive() and not self.stop_event.is_set()

    def start(self) -> None:
        """Begin streaming (the player started or resumed)."""
        if self.active:
            return
        self.stop_event.clear()
        self.room.send(AudioStart(rate=self.rate_hz, width=2, channels=self.channels, timestamp=0).event())
        self.thread = threading.Thread(target=self._run, name=f"music-{self.room.area}", daemon=True)
        self.thread.start()

    def mix(self, audio: np.ndarray, rate_hz: int) -> float:
        """Add speech to the music stream; returns its duration in seconds."""
        frames = resample(audio, rate_hz, self.rate_hz)
        with self.lock:
            self.speech.append(np.repeat(frames[:, None], self.channels, axis=1))
        return len(frames) / self.rate_hz

    def _take_speech(self, frames: int) -> np.ndarray | None:
        with self.lock:
            if not self.speech:
                return None
            out = np.zeros((frames, self.channels), np.float32)
            filled = 0
            while self.speech and filled < frames:
                head = self.speech[0]
                take = min(frames - filled, len(head))
                out[filled : filled + take] = head[:take]
                filled += take
                if take == len(head):
                    self.speech.popleft()
                else:
                    self.speech[0] = head[take:]
            return out

    def _run(self) -> None:
        due = time.monotonic()
        block = np.zeros((self.frames, self.channels), np.float32)
        timestamp_ms = 0
        while not self.stop_event.is_set():
            block[:] = 0.0
            self.callback(block)
            speech = self._take_speech(self.frames)
            mixed = block + speech if speech is not None else block
            chunk = AudioChunk(
                rate=self.rate_hz,
                width=2,
                channels=self.channels,
                audio=pcm16(mixed.reshape(-1)),
                timestamp=timestamp_ms,
            )
            self.room.send(chunk.event(), droppable=True)
            timestamp_ms += int(self.period_s * 1000)
            due += self.period_s
            delay = due - time.monotonic()
            if delay > 0:
                self.stop_event.wait(delay)
            elif delay < -0.5:  # the machine stalled: do not race to catch up
                due = time.monotonic()

    def stop(self) -> None:
        """Stop streaming (pause, stop, end of the queue)."""
        if not self.active:
            return
        self.stop_event.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=2)
        with self.lock:
            self.speech.clear()
        self.room.send(AudioStop().event())

    close = stop


class Room:
    """One area: its services for the skills (its own player), and the queue of events to its satellite."""

    def __init__(self, area: str) -> None:
        self.area = area
        self.services: dict[str, Any] = {"player_sink_factory": self.sink_factory}
        """What the assistant's skills see as ctx.services during this room's turns (see backend.AREA_KEYS)."""
        self.sink: SatelliteSink | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue[Event] | None = None
        self.dropped = 0
        """Music blocks dropped because the satellite could not keep up or was away."""

    def sink_factory(self, callback: Callable[[np.ndarray], None], rate_hz: int, channels: int, frames: int) -> Any:
        """What the music skill's Player plays into: this room's satellite."""
        self.sink = SatelliteSink(self, callback, rate_hz, channels, frames)
        return self.sink

    def attach(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Event]) -> None:
        """A satellite connection took this room: events go to its writer queue from now on."""
        self.loop, self.queue = loop, queue

    def detach(self) -> None:
        """The satellite went away: events are dropped until it is back."""
        self.queue = None

    def send(self, event: Event, *, droppable: bool = False) -> None:
        """Queue an event for the satellite; safe from any thread. Music (droppable) is dropped when behind."""
        loop, queue = self.loop, self.queue
        if loop is None or queue is None or loop.is_closed():
            self.dropped += droppable
            return
        if droppable and queue.qsize() > MAX_QUEUED_EVENTS:
            self.dropped += 1
            return
        try:
            loop.call_soon_threadsafe(queue.put_nowait, event)
        except RuntimeError:  # the loop closed between the check and the call
            self.dropped += droppable

    def speech(self, duck_to: float = 0.2) -> Speech:
        """A reply to play here piece by piece (the first sentence plays while the next is synthesised)."""
        return Speech(self, duck_to)

    async def say(self, audio: np.ndarray, rate_hz: int, duck_to: float = 0.2) -> float:
        """Play one piece of audio here (mixed into the room's music, ducked, when music streams); its seconds."""
        speech = self.speech(duck_to)
        speech.add(audio, rate_hz)
        return speech.close()

    def close(self) -> None:
        """Stop this room's music."""
        player = self.services.get("player")
        if player is not None:
            player.close()


class Speech:
    """One reply on its way to a room: one AudioStart, the pieces' chunks as they come, one AudioStop; or, while the
    room's music streams, each piece mixed into it with the music ducked until the reply is over."""

    def __init__(self, room: Room, duck_to: float) -> None:
        self.room = room
        self.duck_to = duck_to
        self.sink = room.sink if room.sink is not None and room.sink.active else None
        self.seconds = 0.0
        """Audio added so far."""
        self.started_at = 0.0
        """When the first piece went out (time.monotonic)."""

    def add(self, audio: np.ndarray, rate_hz: int) -> None:
        """Send the next piece."""
        first = not self.started_at
        if first:
            self.started_at = time.monotonic()
        if self.sink is not None:
            player = self.room.services.get("player")
            if first and player is not None:
                player.duck(self.duck_to)
            self.seconds += self.sink.mix(audio, rate_hz)
            return
        if first:
            self.room.send(AudioStart(rate=rate_hz, width=2, channels=1, timestamp=0).event())
        for event in audio_chunks(audio, rate_hz, timestamp_ms=int(self.seconds * 1000)):
            self.room.send(event)
        self.seconds += len(audio) / rate_hz

    def close(self) -> float:
        """The reply is complete; the seconds until it has been heard (from now)."""
        if not self.started_at:
            return 0.0
        remaining = max(0.0, self.started_at + self.seconds - time.monotonic())
        if self.sink is None:
            self.room.send(AudioStop(timestamp=int(self.seconds * 1000)).event())
            return remaining
        player = self.room.services.get("player")
        if player is not None:
            asyncio.get_running_loop().call_later(remaining + 0.2, player.unduck)
        return remaining
