"""Microphone front end: noise suppression and automatic gain before the wake word, the VAD and Whisper.

Two suppressors, both in 10 ms steps (160 samples at 16 kHz):

- "webrtc": WebRTC's audio processing through `webrtc-noise-gain`, what wyoming-satellite runs on its
  microphone (`--mic-noise-suppression 0..4`, `--mic-auto-gain 0..31`): a high-pass filter, noise suppression at a
  level and optional automatic gain toward a target level in dBFS below full scale. Wheels for x86_64 and aarch64.
- "rnnoise": Xiph's RNNoise (a small recurrent network, 48 kHz) from the `pyrnnoise` wheel, whose library is loaded
  directly with ctypes (the package's own module imports matplotlib and an audio toolkit); 16 kHz is taken to
  48 kHz and back with a short windowed-sinc filter here.

Off by default: on the project's noisy sets (assistant/evaluation/noisy.py, docs/noise.md) WebRTC level 2 lowered
skill + argument success in 7 of 9 conditions and RNNoise raised Whisper's word error in all of them.

Streaming: `FrontEnd.process` returns as many samples as it was given, delayed by DELAY_SAMPLES plus the
suppressor's own delay (measured: WebRTC's suppression 6 ms, RNNoise two frames and the resampling filters), so a
frame in is a frame out; `clean_clip` processes a whole clip from a fresh state (the same clip always gives the same
audio) and gives it back aligned, of the same length.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.config import AudioConfig
from assistant.errors import ModelError

log = logging.getLogger(__name__)

FRONTEND_VERSION = 2
"""Part of the transcript cache key when a front end is on (evaluation/heard.py): bump it when its audio changes."""
CHUNK_SAMPLES = 160
"""Both suppressors work on 10 ms at 16 kHz."""
DELAY_SAMPLES = CHUNK_SAMPLES
"""Streaming delay: a chunk is given back once it is whole."""
UPSAMPLE = 3
"""RNNoise runs at 48 kHz."""
FILTER_TAPS = 97
"""Windowed-sinc low-pass for the 16 <-> 48 kHz steps: odd, so its delay (48 samples at 48 kHz) is whole."""


class Suppressor(Protocol):
    """One 10 ms chunk of int16 samples in, the same length out."""

    name: str

    def chunk(self, pcm: np.ndarray) -> np.ndarray:
        """Process CHUNK_SAMPLES int16 samples; the same number back."""
        ...

    @property
    def delay_samples(self) -> int:
        """Samples (at 16 kHz) the suppressor itself delays its output by."""
        ...


class WebRtc:
    """WebRTC noise suppression (level 0-4) and automatic gain (target dBFS below full scale, 0 = off)."""

    name = "webrtc"

    def __init__(self, noise_suppression: int, auto_gain_dbfs: int) -> None:
        try:
            from webrtc_noise_gain import AudioProcessor
        except ModuleNotFoundError:
            raise ModelError("the webrtc front end needs webrtc-noise-gain (pip install webrtc-noise-gain)") from None
        self.processor = AudioProcessor(auto_gain_dbfs, noise_suppression)
        # Measured by cross-correlating speech in and out: suppression (any level) delays it 6 ms, gain alone not.
        self.delay_samples = 96 if noise_suppression else 0

    def chunk(self, pcm: np.ndarray) -> np.ndarray:
        """One 10 ms chunk through WebRTC's processing."""
        result = self.processor.Process10ms(pcm.astype("<i2").tobytes())
        return np.frombuffer(result.audio, dtype="<i2").astype(np.int16)


@lru_cache(maxsize=1)
def _rnnoise_library() -> Any:
    """librnnoise from the pyrnnoise wheel, loaded without importing the package (see module doc)."""
    spec = importlib.util.find_spec("pyrnnoise")
    folders = list(spec.submodule_search_locations or []) if spec else []
    path = next((Path(f) / "librnnoise.so" for f in folders if (Path(f) / "librnnoise.so").is_file()), None)
    if path is None:
        raise ModelError("the rnnoise front end needs pyrnnoise (pip install pyrnnoise)")
    lib = ctypes.CDLL(str(path))
    lib.rnnoise_create.argtypes = [ctypes.c_void_p]
    lib.rnnoise_create.restype = ctypes.c_void_p
    lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
    floats = ctypes.POINTER(ctypes.c_float)
    lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, floats, floats]
    lib.rnnoise_process_frame.restype = ctypes.c_float
    lib.rnnoise_get_frame_size.restype = ctypes.c_int
    if lib.rnnoise_get_frame_size() != CHUNK_SAMPLES * UPSAMPLE:
        raise ModelError(f"{path}: RNNoise frames of {lib.rnnoise_get_frame_size()} samples, expected 480")
    return lib


def _low_pass() -> np.ndarray:
    """Windowed-sinc low-pass at 48 kHz cutting at 7.6 kHz (below 16 kHz audio's 8 kHz Nyquist)."""
    n = np.arange(FILTER_TAPS) - (FILTER_TAPS - 1) / 2
    cutoff = 7600 / 48000
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.blackman(FILTER_TAPS)
    return (taps / taps.sum()).astype(np.float32)


class RnNoise:
    """RNNoise at 48 kHz between two stateful low-pass filters (16 kHz -> 48 kHz -> 16 kHz)."""

    name = "rnnoise"
    # Two filters of (taps-1)/2 samples each at 48 kHz, and RNNoise's own two frames (measured by cross-correlation).
    delay_samples = (FILTER_TAPS - 1) // UPSAMPLE + 2 * CHUNK_SAMPLES

    def __init__(self) -> None:
        self.lib = _rnnoise_library()
        self.state = self.lib.rnnoise_create(None)
        self.taps = _low_pass()
        self.up_history = np.zeros(FILTER_TAPS - 1, np.float32)
        self.down_history = np.zeros(FILTER_TAPS - 1, np.float32)
        self.buffer = np.zeros(CHUNK_SAMPLES * UPSAMPLE, np.float32)

    def __del__(self) -> None:
        state = getattr(self, "state", None)
        if state:
            self.lib.rnnoise_destroy(state)

    def _filter(self, samples: np.ndarray, history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        joined = np.concatenate([history, samples])
        return np.convolve(joined, self.taps, mode="valid").astype(np.float32), joined[-(FILTER_TAPS - 1) :]

    def chunk(self, pcm: np.ndarray) -> np.ndarray:
        """10 ms at 16 kHz: up to 48 kHz, RNNoise (which works on int16-scaled floats), back down."""
        stuffed = np.zeros(CHUNK_SAMPLES * UPSAMPLE, np.float32)
        stuffed[::UPSAMPLE] = pcm.astype(np.float32) * UPSAMPLE
        up, self.up_history = self._filter(stuffed, self.up_history)
        self.buffer[:] = up
        pointer = self.buffer.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        self.lib.rnnoise_process_frame(self.state, pointer, pointer)
        down, self.down_history = self._filter(self.buffer, self.down_history)
        return np.clip(np.round(down[::UPSAMPLE]), -32768, 32767).astype(np.int16)


class FrontEnd:
    """Streaming front end: float32 samples in, the same number out, DELAY_SAMPLES (+ the suppressor's) late."""

    def __init__(self, make: Callable[[], Suppressor]) -> None:
        self.make = make
        self.suppressor = make()
        self.name = self.suppressor.name
        self.delay_samples = DELAY_SAMPLES + self.suppressor.delay_samples
        self.fresh = True
        self.reset()

    def reset(self) -> None:
        """Forget the stream (a new file): a new suppressor too, whose noise estimate starts over."""
        if not self.fresh:
            self.suppressor = self.make()
        self.fresh = True
        self.pending = np.zeros(0, np.float32)
        self.ready = np.zeros(DELAY_SAMPLES, np.float32)

    def process(self, samples: np.ndarray) -> np.ndarray:
        """The next len(samples) samples of the cleaned stream."""
        self.fresh = False
        self.pending = np.concatenate([self.pending, samples.astype(np.float32, copy=False)])
        whole = len(self.pending) // CHUNK_SAMPLES * CHUNK_SAMPLES
        if whole:
            pcm = (np.clip(self.pending[:whole], -1.0, 1.0) * 32767).astype(np.int16)
            out = [self.suppressor.chunk(pcm[i : i + CHUNK_SAMPLES]) for i in range(0, whole, CHUNK_SAMPLES)]
            cleaned = np.concatenate(out).astype(np.float32) / 32768
            self.ready = np.concatenate([self.ready, cleaned])
            self.pending = self.pending[whole:]
        given, self.ready = self.ready[: len(samples)], self.ready[len(samples) :]
        return given


def clean_clip(front_end: FrontEnd, audio: np.ndarray) -> np.ndarray:
    """A whole clip through a fresh stream: aligned with the input (the delay taken out), same length."""
    front_end.reset()
    padded = np.concatenate([audio.astype(np.float32), np.zeros(front_end.delay_samples, np.float32)])
    return front_end.process(padded)[front_end.delay_samples :]


def front_end_from_config(audio: AudioConfig) -> FrontEnd | None:
    """The [audio] front end (noise_suppression, auto_gain_dbfs), or None when off; ModelError when its
    package is missing."""
    kind = audio.noise_suppression
    if kind == "off" and audio.auto_gain_dbfs == 0:
        return None
    if kind == "rnnoise":
        return FrontEnd(RnNoise)
    level = int(kind.removeprefix("webrtc")) if kind.startswith("webrtc") else 0
    return FrontEnd(lambda: WebRtc(level, audio.auto_gain_dbfs))


class CleanedSource:
    """An audio source (microphone, WAV) read through a front end: what the wake word, VAD and Whisper hear."""

    def __init__(self, source: Any, front_end: FrontEnd) -> None:
        self.source = source
        self.front_end = front_end

    def read(self, n_samples: int, timeout_s: float | None = None) -> np.ndarray | None:
        """n_samples of cleaned audio, None when none came within timeout_s; EOFError at the end of a file."""
        samples = self.source.read(n_samples, timeout_s)
        return None if samples is None else self.front_end.process(samples)

    def mute(self, muted: bool) -> None:
        """Mute the source underneath (while the assistant speaks)."""
        self.source.mute(muted)

    def close(self) -> None:
        """Close the source underneath."""
        self.source.close()
