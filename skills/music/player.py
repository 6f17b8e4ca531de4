"""Background audio playback: a queue decoded on a feeder thread and played by an audio callback.

The callback runs on sounddevice's OutputStream, or on a null sink that consumes audio at real-time pace when no
output device exists (CI, a headless box), so playing/paused/position behave the same either way. Volume uses a
perceptual curve; duck()/unduck() lower the music while the assistant speaks. An alert (a timer's ring) sounds over
the music, looped, with the music lowered, until stop_alert() or stop(). One Player per assistant:
shared_player(services) creates it on first use and keeps services["now_playing"] current for the LLM prompt
("Baby Shark by Pinkfong", "" when nothing plays).

Long: the queue, the feeder thread that decodes ahead, the sinks and volume and ducking share one condition, one
control lock and one state (playing, paused, stopped) with the audio callback; their locking is easier to keep right
read in one file.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 44100
"""Output rate; files are resampled to it while decoding."""
CHANNELS = 2
BLOCK_FRAMES = 1024
"""Frames per decoded block and per callback (23 ms at 44.1 kHz)."""
BUFFER_BLOCKS = 12
"""Blocks decoded ahead (~0.28 s): enough against hiccups, short enough that stop and next feel instant."""
STEP_DB = 4.0
"""Loudness step between volume levels; level 10 is 0 dB, level 1 is -36 dB, level 0 is silent."""
RESTART_PREVIOUS_S = 3.0
"""Past this point of a track, "previous" restarts it instead of going back (as CD players do)."""


def volume_gain(level: int) -> float:
    """Linear gain for a volume level 0-10 on a perceptual (decibel) curve."""
    return 0.0 if level <= 0 else float(10 ** ((min(level, 10) - 10) * STEP_DB / 20))


class Playable(Protocol):
    """Anything the player can queue: a file path and a name for people ("Baby Shark by Pinkfong")."""

    @property
    def path(self) -> Path: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class AudioFile:
    """A plain file to queue (a chime, a recording) when there is no library Track."""

    path: Path
    """The audio file."""
    label: str = ""
    """Its name for people."""


@dataclass(frozen=True)
class PlayerEvent:
    """What happened, for listeners (play history, now-playing, the voice loop)."""

    kind: str
    """"start", "pause", "resume", "leave" (a track ended or was left), "error" (unplayable) or "stop"."""
    item: Playable | None = None
    """The track concerned."""
    heard_s: float = 0.0
    """For "leave": seconds of the track actually played."""
    complete: bool = False
    """For "leave": True when the track played to its end."""
    message: str = ""
    """For "error": why the file cannot be played."""


@dataclass
class PlayResult:
    """The outcome of play/next/previous: what started, and what was skipped because it cannot be played."""

    started: Playable | None
    """The track now playing (None when nothing could start)."""
    skipped: list[tuple[Playable, str]] = field(default_factory=list)
    """(track, reason) for each unplayable file passed over."""


class UnplayableFile(Exception):
    """A file that cannot be decoded (missing, damaged, not audio)."""

    def __init__(self, path: Path, reason: str, detail: object = "") -> None:
        self.path = path
        self.reason = reason
        """Why, in words for people: "it is damaged or not an audio file"."""
        self.detail = " ".join(str(a) for a in getattr(detail, "args", ())) or str(detail)
        """The decoder's own message, for the log."""
        super().__init__(f"{path}: {reason}" + (f" ({self.detail})" if self.detail else ""))


def _decode_errors() -> tuple[type[BaseException], ...]:
    import miniaudio

    return (miniaudio.MiniaudioError, RuntimeError, OSError, ValueError, EOFError)


class _Resampler:
    """Streaming linear resampler for the soundfile path (miniaudio resamples by itself)."""

    def __init__(self, src_hz: int, dst_hz: int) -> None:
        self.step = src_hz / dst_hz
        self.pos = 0.0
        self.tail: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.tail is not None:
            x = np.concatenate([self.tail, x])
        last = len(x) - 1
        count = int((last - self.pos) // self.step) + 1 if last >= self.pos else 0
        at = self.pos + self.step * np.arange(count)
        i0 = at.astype(np.int64)
        frac = (at - i0)[:, None].astype(np.float32)
        y = x[i0] * (1 - frac) + x[np.minimum(i0 + 1, last)] * frac
        self.pos = (at[-1] + self.step if count else self.pos) - last  # relative to the carried last frame
        self.tail = x[-1:]
        return y.astype(np.float32)


class Decoder:
    """Streams one file as float32 (frames, channels) blocks at the player's rate; UnplayableFile when it cannot."""

    def __init__(
        self, path: Path, rate_hz: int = SAMPLE_RATE_HZ, channels: int = CHANNELS, block_frames: int = BLOCK_FRAMES
    ) -> None:
        self.path = Path(path)
        self.channels = channels
        if not self.path.is_file():
            raise UnplayableFile(self.path, "the file is missing")
        errors = _decode_errors()
        try:
            self._blocks = self._miniaudio(rate_hz, block_frames)
        except errors as first_error:  # Opus, odd WAV codecs: let libsndfile try (its MP3 decoder is no better)
            try:
                if self.path.suffix.lower() in (".mp3", ".flac"):
                    raise first_error
                self._blocks = self._soundfile(rate_hz, block_frames)
            except errors:
                raise UnplayableFile(self.path, "it is damaged or not an audio file", first_error) from None
        try:
            self._first = next(self._blocks, None)
        except errors as error:
            raise UnplayableFile(self.path, "it is damaged", error) from None
        if self._first is None:
            raise UnplayableFile(self.path, "it contains no audio")

    def _miniaudio(self, rate_hz: int, block_frames: int) -> Any:
        import miniaudio

        stream = miniaudio.stream_file(
            str(self.path),
            output_format=miniaudio.SampleFormat.FLOAT32,
            nchannels=self.channels,
            sample_rate=rate_hz,
            frames_to_read=block_frames,
        )
        return (np.frombuffer(chunk, dtype=np.float32).reshape(-1, self.channels) for chunk in stream if len(chunk))

    def _soundfile(self, rate_hz: int, block_frames: int) -> Any:
        import soundfile

        handle = soundfile.SoundFile(str(self.path))
        resample = _Resampler(handle.samplerate, rate_hz) if handle.samplerate != rate_hz else None

        def blocks() -> Any:
            with handle:
                while True:
                    data = handle.read(block_frames, dtype="float32", always_2d=True)
                    if not len(data):
                        return
                    if data.shape[1] != self.channels:
                        data = (
                            np.repeat(data[:, :1], self.channels, axis=1)
                            if data.shape[1] == 1
                            else data[:, : self.channels]
                        )
                    yield resample(data) if resample else data

        return blocks()

    def read(self) -> np.ndarray | None:
        """The next block, or None at the end (damage mid-file ends the track early, with a log line)."""
        if self._first is not None:
            block, self._first = self._first, None
            return block
        try:
            return next(self._blocks, None)
        except _decode_errors() as error:
            log.warning("player: %s is damaged after the start (%s); ending the track", self.path, error)
            return None


class NullSink:
    """No output device: calls the callback at real-time pace and discards the samples."""

    def __init__(self, callback: Callable[[np.ndarray], None], rate_hz: int, channels: int, block_frames: int) -> None:
        self._callback = callback
        self._block = np.zeros((block_frames, channels), dtype=np.float32)
        self._period_s = block_frames / rate_hz
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="player-null-sink", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            self._callback(self._block)
            due += self._period_s
            delay = due - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            elif delay < -0.5:  # the machine stalled: don't race to catch up
                due = time.monotonic()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    close = stop


class DeviceSink:
    """A sounddevice OutputStream whose callback pulls from the player."""

    def __init__(
        self, callback: Callable[[np.ndarray], None], rate_hz: int, channels: int, block_frames: int, device: str
    ) -> None:
        import sounddevice

        target: int | str | None = int(device) if device.isdigit() else (device or None)
        self._stream = sounddevice.OutputStream(
            samplerate=rate_hz,
            channels=channels,
            dtype="float32",
            blocksize=block_frames,
            device=target,
            callback=lambda out, frames, when, status: callback(out),
        )

    def start(self) -> None:
        if not self._stream.active:
            self._stream.start()

    def stop(self) -> None:
        if self._stream.active:
            self._stream.abort()  # now, not after the buffered audio

    def close(self) -> None:
        self._stream.close()


def open_sink(
    device: str, callback: Callable[[np.ndarray], None], rate_hz: int, channels: int, block_frames: int
) -> DeviceSink | NullSink:
    """The sound card, or a null sink with a clear log line when there is none (device "null" asks for it)."""
    if device == "null":
        return NullSink(callback, rate_hz, channels, block_frames)
    try:
        return DeviceSink(callback, rate_hz, channels, block_frames, device)
    except Exception as error:  # ImportError, OSError (no PortAudio), PortAudioError (no device), ValueError
        log.warning(
            "player: no audio output device (%s: %s); music plays into a null sink and will not be heard",
            type(error).__name__,
            error,
        )
        return NullSink(callback, rate_hz, channels, block_frames)


class Player:
    """A play queue with pause/resume/next/previous, volume 0-10 and ducking, playing in the background."""

    def __init__(
        self,
        output_device: str = "",
        *,
        volume: int = 5,
        rate_hz: int = SAMPLE_RATE_HZ,
        channels: int = CHANNELS,
        block_frames: int = BLOCK_FRAMES,
        sink_factory: Callable[..., Any] | None = None,
    ) -> None:
        """output_device: sounddevice name or index, "" for the default, "null" for no sound; sink_factory(callback,
        rate_hz, channels, block_frames) replaces the sound card (a network stream to a satellite, a recorder)."""
        self.output_device = output_device
        self._sink_factory = sink_factory
        self.rate_hz, self.channels, self.block_frames = rate_hz, channels, block_frames
        self._cond = threading.Condition(threading.Lock())  # shared with the audio callback: held briefly
        self._control = threading.RLock()  # serialises state changes (callers and the feeder thread)
        self._queue: list[Playable] = []
        self._index = -1
        self._state = "stopped"
        self._decoder: Decoder | None = None
        self._generation = 0
        self._buffer: deque[np.ndarray | None] = deque()
        self._pending: np.ndarray | None = None
        self._pending_at = 0
        self._frames_heard = 0
        self._track_done = False
        self._volume = max(0, min(10, volume))
        self._duck = 1.0
        self._gain_now = volume_gain(self._volume)
        self._listeners: list[Callable[[PlayerEvent], None]] = []
        self._alert: np.ndarray | None = None  # (frames, channels), looped by the audio callback
        self._alert_item: Playable | None = None
        self._alert_at = 0
        self._alert_gain = 1.0
        self._alert_duck = 1.0
        self._sink: DeviceSink | NullSink | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # --- what is going on ---

    @property
    def state(self) -> str:
        """ "playing", "paused" or "stopped"."""
        return self._state

    @property
    def current(self) -> Playable | None:
        """The track playing or paused, None when stopped."""
        with self._cond:
            return self._queue[self._index] if self._state != "stopped" else None

    @property
    def position_s(self) -> float:
        """Seconds of the current track played so far (pauses not counted)."""
        return self._frames_heard / self.rate_hz

    @property
    def queue(self) -> tuple[Playable, ...]:
        """The play queue and, through current, the place in it."""
        return tuple(self._queue)

    @property
    def volume(self) -> int:
        """Volume level 0-10."""
        return self._volume

    @property
    def ducked(self) -> bool:
        """True while duck() is in effect."""
        return self._duck < 1.0

    @property
    def alerting(self) -> bool:
        """True while an alert (a timer's or an alarm's ring) sounds."""
        return self._alert is not None

    def add_listener(self, listener: Callable[[PlayerEvent], None]) -> None:
        """Call listener(event) on every start, pause, resume, leave, error and stop."""
        self._listeners.append(listener)

    # --- control ---

    def play(self, items: Sequence[Playable], start: int = 0) -> PlayResult:
        """Replace the queue with items and play from start, skipping files that cannot be played."""
        items = list(items)
        if self._closed:
            raise RuntimeError("the player is closed")
        with self._control:
            decoder, index, skipped = self._open_from(items, start, +1)
            events = [PlayerEvent("error", item, message=reason) for item, reason in skipped]
            with self._cond:
                events += self._leave(complete=False)
                events += self._switch(items, index, decoder) if decoder else self._halt()
            self._emit(events)
            return PlayResult(items[index] if decoder else None, skipped)

    def next(self) -> PlayResult:
        """Skip to the next playable track; started is None at the end of the queue (the current one goes on)."""
        with self._control:
            if self._state == "stopped":
                return PlayResult(None)
            return self._jump(self._index + 1, +1)

    def previous(self) -> PlayResult:
        """Go back one track, or restart this one when past its first seconds or at the start of the queue."""
        with self._control:
            if self._state == "stopped":
                return PlayResult(None)
            if self.position_s > RESTART_PREVIOUS_S or self._index == 0:
                return self._jump(self._index, +1)
            result = self._jump(self._index - 1, -1)
            return result if result.started else self._jump(self._index, +1)

    def pause(self) -> bool:
        """Pause; False when nothing was playing."""
        return self._set_state("playing", "paused")

    def resume(self) -> bool:
        """Resume after pause; False when nothing was paused."""
        return self._set_state("paused", "playing")

    def alert(self, item: Playable, *, level: int = 7, duck_to: float = 0.2) -> None:
        """Sound item over whatever plays, looped, at volume level 0-10 (not the music's), with the music lowered to
        duck_to of its volume, until stop_alert() or stop(); UnplayableFile when it cannot be decoded."""
        decoder = Decoder(item.path, self.rate_hz, self.channels, self.block_frames)
        blocks = []
        while (block := decoder.read()) is not None:
            blocks.append(block)
        samples = np.concatenate(blocks)
        if self._closed:
            raise RuntimeError("the player is closed")
        with self._control:
            with self._cond:
                self._alert, self._alert_item, self._alert_at = samples, item, 0
                self._alert_gain, self._alert_duck = volume_gain(level), max(0.0, min(1.0, duck_to))
            self._emit([PlayerEvent("alert", item)])

    def stop_alert(self) -> bool:
        """End the alert (the music comes back to its volume); False when none sounded."""
        with self._control:
            with self._cond:
                item, self._alert, self._alert_item = self._alert_item, None, None
            if item is None:
                return False
            self._emit([PlayerEvent("alert_stop", item)])
            return True

    def stop(self) -> bool:
        """Stop a sounding alert first ("stop" while a timer rings must not end the music); otherwise stop and
        forget the queue. False when nothing was sounding, playing or paused."""
        if self.stop_alert():
            return True
        with self._control:
            with self._cond:
                if self._state == "stopped":
                    return False
                events = self._leave(complete=False) + self._halt()
            self._emit(events)
            return True

    def set_volume(self, level: int) -> None:
        """Set the volume level 0-10 (applied within one audio block, with a short ramp)."""
        if not 0 <= level <= 10:
            raise ValueError(f"volume {level} is not in the range 0<=x<=10")
        self._volume = int(level)

    def change_volume(self, steps: int) -> int:
        """Raise or lower the volume by steps, within 0-10; returns the new level."""
        self._volume = max(0, min(10, self._volume + steps))
        return self._volume

    def duck(self, factor: float = 0.2) -> None:
        """Lower the music to factor (0-1) of its volume, while the assistant speaks."""
        self._duck = max(0.0, min(1.0, factor))

    def unduck(self) -> None:
        """Back to the full volume level."""
        self._duck = 1.0

    def close(self) -> None:
        """Stop playback and the background threads (Assistant.close() calls this)."""
        self.stop_alert()
        self.stop()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        if self._sink is not None:
            self._sink.close()

    # --- internals: callers hold _control; "_cond" notes say when _cond must be held too ---

    def _open_from(
        self, items: list[Playable], index: int, step: int
    ) -> tuple[Decoder | None, int, list[tuple[Playable, str]]]:
        """A decoder for the first playable item from index in direction step (decoding outside _cond)."""
        skipped: list[tuple[Playable, str]] = []
        while 0 <= index < len(items):
            try:
                return Decoder(items[index].path, self.rate_hz, self.channels, self.block_frames), index, skipped
            except UnplayableFile as error:
                detail = f" ({error.detail})" if error.detail else ""
                log.warning("player: cannot play %s: %s%s; skipping it", error.path, error.reason, detail)
                skipped.append((items[index], error.reason))
                index += step
        return None, -1, skipped

    def _jump(self, index: int, step: int) -> PlayResult:
        items = list(self._queue)
        decoder, found, skipped = self._open_from(items, index, step)
        events = [PlayerEvent("error", item, message=reason) for item, reason in skipped]
        if decoder is not None:
            with self._cond:
                events += self._leave(complete=False) + self._switch(items, found, decoder)
        self._emit(events)
        return PlayResult(items[found] if decoder else None, skipped)

    def _switch(self, items: list[Playable], index: int, decoder: Decoder) -> list[PlayerEvent]:
        """Make items[index] the playing track (_cond held)."""
        self._queue, self._index, self._decoder = items, index, decoder
        self._generation += 1
        self._buffer.clear()
        self._pending, self._frames_heard, self._track_done = None, 0, False
        self._state = "playing"
        self._cond.notify_all()
        return [PlayerEvent("start", items[index])]

    def _halt(self) -> list[PlayerEvent]:
        """Nothing plays any more (_cond held)."""
        was = self._state
        self._state, self._decoder, self._index, self._queue = "stopped", None, -1, []
        self._generation += 1
        self._buffer.clear()
        self._pending, self._frames_heard, self._track_done = None, 0, False
        return [PlayerEvent("stop")] if was != "stopped" else []

    def _leave(self, complete: bool) -> list[PlayerEvent]:
        """The "leave" event for the current track, if any (_cond held)."""
        if self._state == "stopped":
            return []
        return [PlayerEvent("leave", self._queue[self._index], self._frames_heard / self.rate_hz, complete)]

    def _set_state(self, before: str, after: str) -> bool:
        with self._control:
            with self._cond:
                if self._state != before:
                    return False
                self._state = after
                item = self._queue[self._index]
                self._cond.notify_all()
            self._emit([PlayerEvent("pause" if after == "paused" else "resume", item)])
            return True

    def _emit(self, events: list[PlayerEvent]) -> None:
        """Start or stop the output to match the state, then tell the listeners (_control held, _cond not)."""
        if self._state == "stopped" and self._alert is None:
            if self._sink is not None:
                self._sink.stop()  # outside _cond: the sink's thread may be waiting for it in _fill
        else:
            if self._thread is None:
                self._thread = threading.Thread(target=self._feed, name="player", daemon=True)
                self._thread.start()
            if self._sink is None:
                args = (self._fill, self.rate_hz, self.channels, self.block_frames)
                self._sink = self._sink_factory(*args) if self._sink_factory else open_sink(self.output_device, *args)
            self._sink.start()
        for event in events:
            for listener in list(self._listeners):
                try:
                    listener(event)
                except Exception:  # a listener's bug must not stop the music
                    log.exception("player: listener failed on %s", event.kind)

    def _feed(self) -> None:
        """Feeder thread: decode ahead into the buffer; at the end of a track, move on to the next."""
        while True:
            with self._cond:
                while (
                    not self._closed
                    and not self._track_done
                    and (self._decoder is None or len(self._buffer) >= BUFFER_BLOCKS or self._state == "stopped")
                ):
                    self._cond.wait(0.5)
                if self._closed:
                    return
                advance, decoder, generation = self._track_done, self._decoder, self._generation
            if advance:
                self._advance()
                continue
            assert decoder is not None
            block = decoder.read()
            with self._cond:
                if generation == self._generation:
                    self._buffer.append(block)  # None marks the end of the track
                    if block is None:
                        self._decoder = None

    def _advance(self) -> None:
        """The track played to its end: start the next playable one, or stop at the end of the queue."""
        with self._control:
            with self._cond:
                if not self._track_done:
                    return  # stopped or switched meanwhile
                self._track_done = False
                items, index = list(self._queue), self._index
                events = self._leave(complete=True)
            decoder, found, skipped = self._open_from(items, index + 1, +1)
            events += [PlayerEvent("error", item, message=reason) for item, reason in skipped]
            with self._cond:
                events += self._switch(items, found, decoder) if decoder else self._halt()
            self._emit(events)

    def _fill(self, out: np.ndarray) -> None:
        """Audio callback: copy decoded audio into out at the current gain; silence when paused or starved."""
        frames, filled = len(out), 0
        with self._cond:
            if self._state == "playing":
                while filled < frames:
                    if self._pending is None:
                        if not self._buffer:
                            break
                        block = self._buffer.popleft()
                        if block is None:
                            self._track_done = True
                            break
                        self._pending, self._pending_at = block, 0
                    take = min(frames - filled, len(self._pending) - self._pending_at)
                    out[filled : filled + take] = self._pending[self._pending_at : self._pending_at + take]
                    filled += take
                    self._pending_at += take
                    if self._pending_at >= len(self._pending):
                        self._pending = None
                self._frames_heard += filled
                self._cond.notify_all()
        out[filled:] = 0
        alert = self._alert
        target = volume_gain(self._volume) * (min(self._duck, self._alert_duck) if alert is not None else self._duck)
        if target != self._gain_now:  # ramp over the block: no click when the volume or ducking changes
            out *= np.linspace(self._gain_now, target, frames, dtype=np.float32)[:, None]
            self._gain_now = target
        elif target != 1.0:
            out *= np.float32(target)
        if alert is not None:  # the ring, looped, over the lowered music; lowered too while the assistant speaks
            at = (self._alert_at + np.arange(frames)) % len(alert)
            self._alert_at = int(at[-1] + 1) % len(alert)
            out += alert[at] * np.float32(self._alert_gain * self._duck)
            np.clip(out, -1.0, 1.0, out=out)


_SHARED_LOCK = threading.Lock()


def shared_player(services: dict[str, Any], output_device: str = "") -> Player:
    """The assistant's one Player (services["player"]), created on first use; keeps services["now_playing"] current."""
    with _SHARED_LOCK:
        player = services.get("player")
        if isinstance(player, Player):
            return player
        # A room of the hub lends its own output (its satellite's speaker) through services["player_sink_factory"].
        player = Player(output_device, sink_factory=services.get("player_sink_factory"))

        def now_playing(event: PlayerEvent) -> None:
            # A short string the LLM prompt can mention ("Baby Shark by Pinkfong"); "" when nothing plays. Keys are
            # only ever assigned, never added or removed here: Assistant.close() iterates services while we stop.
            if event.kind in ("start", "resume") and event.item is not None:
                services["now_playing"] = event.item.label
            elif event.kind == "pause" and event.item is not None:
                services["now_playing"] = f"{event.item.label} (paused)"
            elif event.kind == "stop":
                services["now_playing"] = ""

        player.add_listener(now_playing)
        services["now_playing"] = ""
        services["player"] = player
        return player
