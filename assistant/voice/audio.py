"""Audio in: WAV files (read, resample to 16 kHz) and the microphone (sounddevice into a ring buffer)."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import AssistantError

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16000
"""What Whisper and Silero VAD want; everything inside the assistant runs at this rate."""
FRAME_SAMPLES = 512
"""One VAD frame: 32 ms at 16 kHz (the size Silero VAD v5/v6 is trained on)."""


class AudioError(AssistantError):
    """Audio the user must fix: no microphone or speaker, an unreadable or empty WAV file."""


def resample(samples: np.ndarray, from_hz: int, to_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Resample mono float32 audio with libswresample (PyAV ships with faster-whisper); no-op at equal rates."""
    if from_hz == to_hz or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=to_hz)
    mono = np.ascontiguousarray(samples, dtype=np.float32)[None, :]
    frame = av.AudioFrame.from_ndarray(mono, format="flt", layout="mono")
    frame.sample_rate = from_hz
    chunks = [f.to_ndarray()[0] for f in resampler.resample(frame)]
    chunks += [f.to_ndarray()[0] for f in resampler.resample(None)]
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


def read_wav(path: str | Path, rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """A sound file as mono float32 at rate_hz; AudioError naming the file when it is missing, corrupt or empty."""
    import soundfile

    file = Path(path).expanduser()
    if not file.is_file():
        raise AudioError(f"audio file {file} does not exist")
    try:
        samples, file_rate = soundfile.read(str(file), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as error:
        raise AudioError(f"audio file {file} is not a readable WAV file ({error})") from None
    if samples.shape[0] == 0:
        raise AudioError(f"audio file {file} holds no audio")
    mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    if file_rate != rate_hz:
        # Common for files made elsewhere (44.1 kHz recordings, 22.05 kHz TTS): convert, do not refuse.
        log.info("%s: resampling %d Hz to %d Hz", file, file_rate, rate_hz)
        mono = resample(mono, int(file_rate), rate_hz)
    return np.ascontiguousarray(mono, dtype=np.float32)


def write_wav(path: str | Path, samples: np.ndarray, rate_hz: int = SAMPLE_RATE_HZ) -> Path:
    """Write mono float32 audio as 16-bit PCM WAV."""
    import soundfile

    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(file), np.clip(samples, -1.0, 1.0), rate_hz, subtype="PCM_16")
    return file


class RingBuffer:
    """Fixed-size float32 buffer between the capture thread (writer) and the voice loop (reader)."""

    def __init__(self, capacity_samples: int) -> None:
        self.data = np.zeros(capacity_samples, dtype=np.float32)
        self.start = 0
        self.size = 0
        self.dropped_samples = 0
        """Oldest samples overwritten because the reader fell behind."""
        self.cond = threading.Condition()

    def write(self, samples: np.ndarray) -> None:
        """Append samples, overwriting the oldest when full (the loop wants the newest audio)."""
        capacity = len(self.data)
        with self.cond:
            if len(samples) > capacity:
                self.dropped_samples += len(samples) - capacity
                samples = samples[-capacity:]
            overflow = max(0, self.size + len(samples) - capacity)
            if overflow:
                self.start = (self.start + overflow) % capacity
                self.size -= overflow
                self.dropped_samples += overflow
            end = (self.start + self.size) % capacity
            first = min(len(samples), capacity - end)
            self.data[end : end + first] = samples[:first]
            self.data[: len(samples) - first] = samples[first:]
            self.size += len(samples)
            self.cond.notify_all()

    def read(self, n_samples: int, timeout_s: float | None = None) -> np.ndarray | None:
        """Exactly n_samples, waiting up to timeout_s for them; None on timeout."""
        with self.cond:
            if not self.cond.wait_for(lambda: self.size >= n_samples, timeout=timeout_s):
                return None
            index = (self.start + np.arange(n_samples)) % len(self.data)
            out = self.data[index].copy()
            self.start = (self.start + n_samples) % len(self.data)
            self.size -= n_samples
            return out

    def clear(self) -> None:
        """Forget everything buffered (what the microphone heard while the assistant spoke)."""
        with self.cond:
            self.start = self.size = 0


class AudioSource(Protocol):
    """Where utterances come from: the microphone or a WAV file standing in for it."""

    def read(self, n_samples: int, timeout_s: float | None = None) -> np.ndarray | None:
        """The next n_samples at 16 kHz; None when none came in time; raises EOFError at the end of a file."""
        ...

    def mute(self, muted: bool) -> None:
        """Drop (True) or keep (False) what is captured; the assistant must not hear itself speak."""
        ...

    def close(self) -> None:
        """Stop capturing."""
        ...


class WavSource:
    """A WAV file played into the assistant as if it were the microphone, then trailing silence, then EOF."""

    def __init__(self, path: str | Path, *, tail_silence_ms: int = 1000, realtime: bool = False) -> None:
        audio = read_wav(path)
        tail = np.zeros(SAMPLE_RATE_HZ * tail_silence_ms // 1000, dtype=np.float32)
        self.samples = np.concatenate([audio, tail])
        self.audio_ms = len(audio) * 1000 / SAMPLE_RATE_HZ
        self.position = 0
        self.realtime = realtime
        self.muted = False
        self.started = time.perf_counter()

    def read(self, n_samples: int, timeout_s: float | None = None) -> np.ndarray | None:
        """The next n_samples (zero-padded at the end); EOFError when the file is used up."""
        if self.position >= len(self.samples):
            raise EOFError("end of audio file")
        if self.realtime:
            # Pace like a live microphone so status lines and timings look like the real thing.
            due = self.started + (self.position + n_samples) / SAMPLE_RATE_HZ
            time.sleep(max(0.0, due - time.perf_counter()))
        chunk = self.samples[self.position : self.position + n_samples]
        self.position += n_samples
        if len(chunk) < n_samples:
            chunk = np.pad(chunk, (0, n_samples - len(chunk)))
        return np.zeros(n_samples, np.float32) if self.muted else chunk

    def mute(self, muted: bool) -> None:
        """While muted the file keeps advancing but reads as silence."""
        self.muted = muted

    def close(self) -> None:
        """Nothing to release."""


def _sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio library into a clear AudioError."""
    try:
        import sounddevice
    except OSError as error:
        raise AudioError(f"no audio system: PortAudio is not installed ({error}); install libportaudio2") from None
    return sounddevice


def _device(spec: str) -> int | str | None:
    """A configured device: empty for the default, a number for an index, otherwise a name."""
    if not spec:
        return None
    return int(spec) if spec.isdigit() else spec


def find_device(kind: str, spec: str = "") -> dict[str, Any]:
    """The input or output device to use; AudioError with a clear sentence when there is none."""
    sd = _sounddevice()
    what = "microphone" if kind == "input" else "speaker"
    try:
        info = sd.query_devices(_device(spec), kind=kind)
    except (ValueError, sd.PortAudioError) as error:
        named = f" '{spec}'" if spec else ""
        raise AudioError(f"no {what}{named} found ({error}); plug one in or use --wav FILE") from None
    channels = info["max_input_channels" if kind == "input" else "max_output_channels"]
    if channels < 1:
        raise AudioError(f"device '{info['name']}' is not a {what}")
    return dict(info)


def has_speaker(spec: str = "") -> bool:
    """Whether an output device exists (else replies are printed as text)."""
    try:
        find_device("output", spec)
    except AudioError:
        return False
    return True


class MicSource:
    """The microphone at 16 kHz mono: PortAudio's capture thread fills a ring buffer the voice loop reads."""

    def __init__(self, device: str = "", *, buffer_s: float = 30.0) -> None:
        sd = _sounddevice()
        info = find_device("input", device)
        self.device_name = str(info["name"])
        self.buffer = RingBuffer(int(buffer_s * SAMPLE_RATE_HZ))
        self.muted = False
        self.rate_hz = SAMPLE_RATE_HZ
        try:
            self.stream = self._open(sd, device, SAMPLE_RATE_HZ)
        except sd.PortAudioError:
            # Some devices only capture at their own rate (often 48 kHz): capture that and resample per block.
            self.rate_hz = int(info["default_samplerate"])
            log.info("microphone %s: 16 kHz refused, capturing at %d Hz", self.device_name, self.rate_hz)
            try:
                self.stream = self._open(sd, device, self.rate_hz)
            except sd.PortAudioError as error:
                raise AudioError(f"cannot open microphone '{self.device_name}' ({error})") from None
        self.stream.start()

    def _open(self, sd: Any, device: str, rate_hz: int) -> Any:
        block = FRAME_SAMPLES * rate_hz // SAMPLE_RATE_HZ
        return sd.InputStream(
            samplerate=rate_hz,
            channels=1,
            dtype="float32",
            blocksize=block,
            device=_device(device),
            callback=self._callback,
        )

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        # Runs on PortAudio's thread: copy and return at once, no logging or allocation-heavy work.
        if self.muted:
            return
        block = indata[:, 0]
        if self.rate_hz != SAMPLE_RATE_HZ:
            block = resample(block, self.rate_hz)
        self.buffer.write(block)

    def read(self, n_samples: int, timeout_s: float | None = None) -> np.ndarray | None:
        """The next n_samples captured; None when the microphone delivered nothing within timeout_s."""
        return self.buffer.read(n_samples, timeout_s)

    def mute(self, muted: bool) -> None:
        """Drop what is captured while muted; clear the backlog when unmuting so no echo leaks in."""
        self.muted = muted
        if not muted:
            self.buffer.clear()

    def close(self) -> None:
        """Stop and close the input stream."""
        self.stream.stop()
        self.stream.close()
