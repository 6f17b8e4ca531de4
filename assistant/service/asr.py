"""The asr role: Transcribe, AudioStart, AudioChunk…, AudioStop → Transcript, in any PCM format, with caps.

Home Assistant sends 16 kHz 16-bit mono, but a Wyoming client may send any rate, width and channel count: that is
converted (channels averaged, resampled once at the end), and a format that cannot be converted is an Error. Audio
past max_audio_s is not kept (Whisper hears 30 s at most; the transcript is of the first part, as the voice loop
does with a long utterance); a stream that goes on past max_stream_s is a chunk storm, not a person, and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.errors import AssistantError
from assistant.service.wire import AudioFormatError, PcmFormat, pcm_format, to_assistant_audio

MAX_AUDIO_S = 30.0
"""Audio kept per Transcribe request."""
MAX_STREAM_S = 300.0
"""Audio accepted per request before the connection is closed as a flood."""
MAX_KEPT_BYTES = 12 * 1024 * 1024
"""Raw audio kept per request whatever its format (30 s of 48 kHz 32-bit stereo; 192 kHz 8-channel would be 184 MB)."""


class StreamTooLong(AssistantError):
    """More audio than any utterance: the client is refused."""


@dataclass
class AudioStream:
    """One utterance on its way in: the request's language, its format and the audio bytes kept so far."""

    language: str | None = None
    """Transcribe.language ("en", "de-DE"), or None for the configured one."""
    fmt: PcmFormat | None = None
    """The format from AudioStart (or the first chunk when AudioStart was skipped)."""
    chunks: list[bytes] = field(default_factory=list)
    """Raw PCM kept (up to max_audio_s)."""
    kept_bytes: int = 0
    """Bytes in chunks."""
    received_s: float = 0.0
    """Seconds of audio received, kept or not."""
    max_audio_s: float = MAX_AUDIO_S
    """See the module docstring."""
    max_stream_s: float = MAX_STREAM_S
    """See the module docstring."""

    def start(self, data: dict[str, object]) -> None:
        """AudioStart: the format of what follows (AudioFormatError when unusable)."""
        self.fmt = pcm_format(data)
        self.chunks, self.kept_bytes, self.received_s = [], 0, 0.0

    def add(self, data: dict[str, object], payload: bytes | None) -> None:
        """One AudioChunk; AudioFormatError when its format differs from the stream's, StreamTooLong on a flood."""
        fmt = pcm_format(data)
        if self.fmt is None:
            self.fmt = fmt
        elif fmt != self.fmt:
            raise AudioFormatError(f"the audio format changed in the middle of a stream ({self.fmt} -> {fmt})")
        audio = payload or b""
        self.received_s += fmt.seconds(len(audio))
        if self.received_s > self.max_stream_s:
            raise StreamTooLong(f"more than {self.max_stream_s:.0f} s of audio in one request")
        room = min(int(self.max_audio_s * fmt.rate_hz) * fmt.frame_bytes, MAX_KEPT_BYTES) - self.kept_bytes
        if room > 0:
            piece = audio[:room]
            self.chunks.append(piece)
            self.kept_bytes += len(piece)

    @property
    def dropped_s(self) -> float:
        """Seconds received past max_audio_s."""
        return max(0.0, self.received_s - self.max_audio_s)

    def audio(self) -> np.ndarray:
        """Everything kept, as 16 kHz mono float32."""
        if self.fmt is None or not self.kept_bytes:
            return np.zeros(0, np.float32)
        return to_assistant_audio(b"".join(self.chunks), self.fmt)
