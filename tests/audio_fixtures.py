"""Real audio for tests: spoken WAVs made by espeak-ng at test time (cached per session), silence, noise, corrupt files.

Import the fixtures into a test module: `from tests.audio_fixtures import audio, whisper  # noqa: F401`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from assistant.voice.audio import SAMPLE_RATE_HZ, read_wav, write_wav

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


class AudioFiles:
    """Makes test recordings into one folder, once per distinct request."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, kind: str, *parts: object) -> Path:
        digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:10]
        return self.folder / f"{kind}-{digest}.wav"

    def spoken(self, text: str, *, voice: str = "en-us", speed_wpm: int = 160, word_gap_ms: int = 0) -> Path:
        """text said by espeak-ng: a 22.05 kHz WAV, so every test also exercises resampling."""
        path = self._path("speech", text, voice, speed_wpm, *([word_gap_ms] if word_gap_ms else []))
        if not path.exists():
            gap = ["-g", str(word_gap_ms // 10)] if word_gap_ms else []  # espeak-ng counts 10 ms units
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed_wpm), *gap, "-w", str(path), text], check=True)
        return path

    def samples(self, text: str, **options: object) -> np.ndarray:
        """spoken() as 16 kHz float32."""
        return read_wav(self.spoken(text, **options))  # type: ignore[arg-type]

    def silence(self, seconds: float) -> np.ndarray:
        """Digital silence."""
        return np.zeros(int(seconds * SAMPLE_RATE_HZ), dtype=np.float32)

    def noise(self, seconds: float, level: float = 0.1, seed: int = 7) -> np.ndarray:
        """White noise (a fan, a hiss)."""
        return (np.random.default_rng(seed).standard_normal(int(seconds * SAMPLE_RATE_HZ)) * level).astype(np.float32)

    def sequence(self, *parts: str | float, name: str = "") -> Path:
        """A WAV of spoken texts (str) and pauses (float seconds) in order, e.g. ("hey computer", 1.0, "stop")."""
        path = self._path("seq", name, *parts)
        if not path.exists():
            pieces = [self.samples(p) if isinstance(p, str) else self.silence(p) for p in parts]
            write_wav(path, np.concatenate(pieces))
        return path

    def silence_file(self, seconds: float = 3.0) -> Path:
        """A WAV of silence."""
        path = self._path("silence", seconds)
        if not path.exists():
            write_wav(path, self.silence(seconds))
        return path

    def noise_file(self, seconds: float = 3.0, level: float = 0.1) -> Path:
        """A WAV of white noise only."""
        path = self._path("noise", seconds, level)
        if not path.exists():
            write_wav(path, self.noise(seconds, level))
        return path

    def resampled(self, text: str, rate_hz: int = 44100, channels: int = 2) -> Path:
        """spoken() converted by sox to another rate and channel count (a typical phone or PC recording)."""
        path = self._path("rate", text, rate_hz, channels)
        if not path.exists():
            command = ["sox", str(self.spoken(text)), "-r", str(rate_hz), "-c", str(channels), str(path)]
            subprocess.run(command, check=True)
        return path

    def corrupt_file(self) -> Path:
        """A .wav that is not audio (a truncated header followed by text)."""
        path = self.folder / "corrupt.wav"
        path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt this is not really a wav file")
        return path

    def empty_file(self) -> Path:
        """A valid WAV header with no samples."""
        path = self.folder / "empty.wav"
        write_wav(path, np.zeros(0, dtype=np.float32))
        return path

    def ramble(self, seconds: float = 30.0) -> np.ndarray:
        """Continuous talk for about seconds (short pauses only): longer than any utterance may be."""
        sentence = self.samples(
            "and then we went to the shop, and we bought some bread, and some milk, and the weather was nice, "
            "and we talked about the football, and about the garden, and the neighbours, and the holiday"
        )
        repeats = int(np.ceil(seconds * SAMPLE_RATE_HZ / len(sentence)))
        return np.concatenate([sentence] * repeats)[: int(seconds * SAMPLE_RATE_HZ)]


@pytest.fixture(scope="session")
def audio(tmp_path_factory: pytest.TempPathFactory) -> AudioFiles:
    """Test recordings, made once per session."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        # `make test` installs both first and sets this: there a missing tool is a broken install, not a skip.
        if os.environ.get("ASSISTANT_REQUIRE_AUDIO_TOOLS"):
            pytest.fail("espeak-ng and sox are needed to make test audio; run `make install`")
        pytest.skip("espeak-ng and sox are needed to make test audio")
    return AudioFiles(tmp_path_factory.mktemp("audio"))


@pytest.fixture(scope="session")
def whisper():  # type: ignore[no-untyped-def]
    """The bundled Whisper tiny.en, loaded once per session (tests using it are marked model)."""
    from assistant.voice.stt import WhisperStt

    stt = WhisperStt("tiny.en", threads=2)
    stt.wait_ready()
    return stt
