"""Wyoming on the wire, defended: events read with caps on every length, and PCM of any common format turned into the
16 kHz mono float32 the assistant works in (and replies back into 16-bit PCM audio events).

The event format is wyoming's (a JSON header line, then data_length bytes of JSON, then payload_length bytes), but
not its reader: wyoming.event.async_read_event trusts its peer. A payload_length of 2 GB is read into memory, and a
header line that is JSON but not an object raises AttributeError out of the connection's task. read_event below
refuses those with BadEvent, so the server answers an Error event and closes the connection instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event

from assistant.errors import AssistantError
from assistant.voice.audio import SAMPLE_RATE_HZ, resample

MAX_LINE_BYTES = 64 * 1024
"""Longest header line (asyncio's stream limit; the server opens connections with it)."""
MAX_DATA_BYTES = 256 * 1024
"""Largest data section: a Transcript or Synthesize text, an Info; far above any real one."""
MAX_PAYLOAD_BYTES = 1024 * 1024
"""Largest payload: one audio chunk of 1 MiB is 32 s of 16 kHz 16-bit mono (Home Assistant sends 64 ms chunks)."""
WIDTHS = (1, 2, 3, 4)
"""Sample widths in bytes that are understood: 8-bit unsigned, 16-, 24- and 32-bit signed little-endian."""
MIN_RATE_HZ, MAX_RATE_HZ = 4000, 192000
MAX_CHANNELS = 8
CHUNK_SAMPLES = 1024
"""Samples per outgoing audio chunk (what Home Assistant and wyoming-piper send)."""


class BadEvent(Exception):
    """What the peer sent is not a Wyoming event within the limits; code and text go into the Error event."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class AudioFormatError(AssistantError):
    """Audio in a format that cannot be converted (a width of 5 bytes, a rate of 0 Hz, 40 channels)."""


def _length(header: dict[str, Any], key: str, limit: int) -> int:
    value = header.get(key) or 0
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadEvent("bad-event", f"{key} must be a byte count, not {value!r}")
    if value > limit:
        raise BadEvent("too-big", f"{key} {value} is over the limit of {limit} bytes")
    return value


async def read_event(
    reader: asyncio.StreamReader, *, max_data_bytes: int = MAX_DATA_BYTES, max_payload_bytes: int = MAX_PAYLOAD_BYTES
) -> Event | None:
    """The next event; None when the peer closed (even mid-event); BadEvent for garbage or an oversized part."""
    try:
        line = await reader.readline()
    except (ValueError, asyncio.LimitOverrunError):  # no newline within the stream's limit
        raise BadEvent("too-big", f"an event header line is over {MAX_LINE_BYTES} bytes") from None
    except ConnectionError:
        return None
    if not line.endswith(b"\n"):  # b"" at EOF, or the peer closed in the middle of a line
        return None
    try:
        header = json.loads(line)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise BadEvent("not-json", "an event header must be one JSON object on one line") from None
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise BadEvent("bad-event", "an event header must be a JSON object with a string 'type'")
    data = header.get("data") or {}
    if not isinstance(data, dict):
        raise BadEvent("bad-event", "an event's 'data' must be a JSON object")
    data_length = _length(header, "data_length", max_data_bytes)
    payload_length = _length(header, "payload_length", max_payload_bytes)
    try:
        if data_length:
            extra = json.loads(await reader.readexactly(data_length))
            if not isinstance(extra, dict):
                raise BadEvent("bad-event", "an event's data section must be a JSON object")
            data.update(extra)
        payload = await reader.readexactly(payload_length) if payload_length else None
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    except ValueError:
        raise BadEvent("not-json", "an event's data section is not JSON") from None
    return Event(type=header["type"], data=data, payload=payload)


@dataclass(frozen=True)
class PcmFormat:
    """The format of raw PCM audio, as AudioStart and AudioChunk events carry it."""

    rate_hz: int
    """Samples per second per channel."""
    width: int
    """Bytes per sample (1, 2, 3 or 4)."""
    channels: int
    """Interleaved channels (1 = mono)."""

    @property
    def frame_bytes(self) -> int:
        """Bytes per frame (one sample of every channel)."""
        return self.width * self.channels

    def seconds(self, byte_count: int) -> float:
        """How long byte_count bytes of this audio last."""
        return byte_count / (self.rate_hz * self.frame_bytes)


def pcm_format(data: dict[str, Any]) -> PcmFormat:
    """The format named by an audio event's data; AudioFormatError with a sentence when it is missing or unusable."""
    values = [data.get("rate"), data.get("width"), data.get("channels")]
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if len(numbers) != 3:
        raise AudioFormatError(f"audio events need whole-number rate, width and channels, got {values}")
    rate_hz, width, channels = numbers
    if width not in WIDTHS:
        raise AudioFormatError(f"audio sample width {width} bytes is not supported (1, 2, 3 or 4)")
    if not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
        raise AudioFormatError(f"audio rate {rate_hz} Hz is outside {MIN_RATE_HZ}..{MAX_RATE_HZ} Hz")
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioFormatError(f"audio with {channels} channels is not supported (1..{MAX_CHANNELS})")
    return PcmFormat(rate_hz, width, channels)


def pcm_to_float(pcm: bytes, fmt: PcmFormat) -> np.ndarray:
    """Raw PCM as mono float32 in -1..1 at its own rate (channels averaged; a trailing partial frame dropped)."""
    frames = len(pcm) // fmt.frame_bytes
    raw = np.frombuffer(pcm, dtype=np.uint8, count=frames * fmt.frame_bytes)
    if fmt.width == 1:
        samples = (raw.astype(np.float32) - 128.0) / 128.0
    elif fmt.width == 3:
        triples = raw.reshape(-1, 3).astype(np.int32)
        value = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)  # sign of a 24-bit number
        samples = value.astype(np.float32) / float(1 << 23)
    else:
        dtype = "<i2" if fmt.width == 2 else "<i4"
        samples = raw.view(dtype).astype(np.float32) / float(1 << (8 * fmt.width - 1))
    if fmt.channels > 1:
        samples = samples.reshape(-1, fmt.channels).mean(axis=1)
    return np.ascontiguousarray(samples, dtype=np.float32)


def to_assistant_audio(pcm: bytes, fmt: PcmFormat) -> np.ndarray:
    """Raw PCM in any supported format as the 16 kHz mono float32 the VAD and Whisper take."""
    return resample(pcm_to_float(pcm, fmt), fmt.rate_hz, SAMPLE_RATE_HZ)


def pcm16(samples: np.ndarray) -> bytes:
    """float32 audio as 16-bit little-endian PCM bytes."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def audio_chunks(samples: np.ndarray, rate_hz: int, *, timestamp_ms: int = 0) -> Iterator[Event]:
    """AudioChunk events (16-bit mono) for float32 audio, CHUNK_SAMPLES each, with running timestamps."""
    for start in range(0, len(samples), CHUNK_SAMPLES):
        piece = samples[start : start + CHUNK_SAMPLES]
        yield AudioChunk(rate=rate_hz, width=2, channels=1, audio=pcm16(piece), timestamp=timestamp_ms).event()
        timestamp_ms += len(piece) * 1000 // rate_hz


def audio_events(samples: np.ndarray, rate_hz: int) -> list[Event]:
    """AudioStart, the chunks and AudioStop for one piece of float32 audio (a reply, a sound)."""
    duration_ms = len(samples) * 1000 // rate_hz
    return [
        AudioStart(rate=rate_hz, width=2, channels=1, timestamp=0).event(),
        *audio_chunks(samples, rate_hz),
        AudioStop(timestamp=duration_ms).event(),
    ]


def beep(rate_hz: int = 22050, *, tones_hz: tuple[float, ...] = (660.0, 440.0), tone_s: float = 0.18) -> np.ndarray:
    """A short falling two-tone sound: the error signal when no sentence can be synthesised."""
    t = np.arange(int(rate_hz * tone_s)) / rate_hz
    fade = np.minimum(1.0, np.minimum(t, tone_s - t) / 0.01)  # 10 ms ramps: no clicks
    return np.concatenate([(0.3 * np.sin(2 * np.pi * hz * t) * fade).astype(np.float32) for hz in tones_hz])
