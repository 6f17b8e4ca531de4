"""Spoken replies: Piper sentence by sentence (first audio early), espeak-ng when Piper has no voice, else text."""

from __future__ import annotations

import io
import json
import logging
import queue
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.config import Config
from assistant.errors import ModelError
from assistant.i18n import unspaced_text
from assistant.voice.audio import AudioError, _device, _sounddevice, find_device, write_wav

log = logging.getLogger(__name__)

SENTENCE_RE = re.compile(r"(?<=[.!?;:])\s+|(?<=[。！？；])\s*|\n+")
"""Split after sentence punctuation: each piece is synthesised and played while the next is synthesised."""
FIRST_PIECE_CHARS = 60
"""A first sentence longer than this is split at its first comma (time to first audio)."""
BLOCK_S = 0.05
"""Playback block; stop() takes effect within one block."""


def sentences(text: str) -> list[str]:
    """The text cut into sentences (short fragments joined to the previous one so prosody stays natural)."""
    out: list[str] = []
    for piece in SENTENCE_RE.split(text.strip()):
        piece = piece.strip()
        if not piece:
            continue
        cjk = unspaced_text(piece)  # Japanese and Chinese: no space between sentences, short in characters
        if out and len(piece) < (5 if cjk else 12):  # 12 letters, or 5 CJK characters
            out[-1] = f"{out[-1]}{'' if cjk else ' '}{piece}"
        else:
            out.append(piece)
    if out and len(out[0]) > FIRST_PIECE_CHARS:
        # Synthesis time grows with length: a long first sentence is cut at a comma so the speaker starts sooner.
        comma = out[0].find(", ", 20)
        if 0 < comma < len(out[0]) - 12:
            out[0:1] = [out[0][: comma + 1], out[0][comma + 2 :]]
        elif (comma := next((i for i, ch in enumerate(out[0]) if ch in "，、" and i >= 10), -1)) > 0:
            out[0:1] = [out[0][: comma + 1], out[0][comma + 1 :]]
    return out


class Engine(Protocol):
    """A synthesiser: one sentence in, float32 mono audio and its rate out."""

    name: str

    def synthesize(self, sentence: str, language: str) -> tuple[np.ndarray, int]:
        """Audio for one sentence."""
        ...


class PiperEngine:
    """Piper with one .onnx voice, loaded once."""

    name = "piper"

    def __init__(self, voice_path: Path) -> None:
        self.voice_path = voice_path
        meta = json.loads(Path(str(voice_path) + ".json").read_text(encoding="utf-8"))
        self.language = str(meta.get("language", {}).get("code", "en_US")).replace("_", "-").split("-")[0]
        self.voice: Any = None
        self.lock = threading.Lock()

    def load(self) -> PiperEngine:
        """Load the voice now (start-up) rather than on the first reply."""
        with self.lock:
            if self.voice is None:
                from piper import PiperVoice

                try:
                    self.voice = PiperVoice.load(str(self.voice_path))
                except Exception as error:  # onnxruntime and json raise their own types for a broken voice
                    raise ModelError(f"cannot load Piper voice {self.voice_path}: {error}") from None
        return self

    def synthesize(self, sentence: str, language: str) -> tuple[np.ndarray, int]:
        """One sentence through Piper (it may split further; the chunks are joined)."""
        self.load()
        chunks = list(self.voice.synthesize(sentence))
        if not chunks:
            return np.zeros(0, np.float32), 22050
        audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        return audio, int(chunks[0].sample_rate)


class EspeakEngine:
    """espeak-ng as a subprocess: robotic, but there for every language it knows."""

    name = "espeak"

    def __init__(self, binary: str = "espeak-ng") -> None:
        path = shutil.which(binary)
        if path is None:
            raise ModelError(f"{binary} is not installed (apt-get install espeak-ng)")
        self.binary = path

    def supports(self, language: str) -> bool:
        """Whether espeak-ng has a voice for the language."""
        out = subprocess.run([self.binary, f"--voices={language}"], capture_output=True, text=True, timeout=5)
        return len(out.stdout.strip().splitlines()) > 1

    def synthesize(self, sentence: str, language: str) -> tuple[np.ndarray, int]:
        """One sentence as WAV on espeak-ng's stdout."""
        import soundfile

        run = subprocess.run(
            [self.binary, "-v", language, "--stdout", sentence], capture_output=True, timeout=30, check=False
        )
        if run.returncode != 0 or not run.stdout:
            raise ModelError(f"espeak-ng failed for language {language!r}: {run.stderr.decode(errors='replace')}")
        audio, rate = soundfile.read(io.BytesIO(run.stdout), dtype="float32")
        return audio, int(rate)


class Sink(Protocol):
    """Where audio goes: the speaker, or a WAV file standing in for it."""

    def play(self, audio: np.ndarray, rate_hz: int, stop: threading.Event) -> None:
        """Play audio, returning when done or soon after stop is set."""
        ...

    def close(self) -> None:
        """Release the device or write the file."""
        ...


class DeviceSink:
    """The speaker via sounddevice, played in short blocks so it can be interrupted."""

    def __init__(self, device: str = "") -> None:
        self.sd = _sounddevice()
        self.device = device
        find_device("output", device)

    def play(self, audio: np.ndarray, rate_hz: int, stop: threading.Event) -> None:
        """Blocking playback, checking stop every BLOCK_S."""
        block = int(rate_hz * BLOCK_S)
        try:
            with self.sd.OutputStream(
                samplerate=rate_hz, channels=1, dtype="float32", device=_device(self.device)
            ) as out:
                for i in range(0, len(audio), block):
                    if stop.is_set():
                        break
                    out.write(np.ascontiguousarray(audio[i : i + block, None]))
        except self.sd.PortAudioError as error:
            raise AudioError(f"the speaker stopped working ({error})") from None

    def close(self) -> None:
        """Nothing held between replies."""


class WavSink:
    """Collects what would have been played; writes it to a WAV file (tests, `listen --speak-to`)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.chunks: list[np.ndarray] = []
        self.rate_hz = 22050

    def play(self, audio: np.ndarray, rate_hz: int, stop: threading.Event) -> None:
        """Keep the audio (no real-time wait)."""
        if not stop.is_set():
            self.chunks.append(audio)
            self.rate_hz = rate_hz

    @property
    def audio(self) -> np.ndarray:
        """Everything played so far."""
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)

    def close(self) -> None:
        """Write the WAV file, if a path was given."""
        if self.path is not None and self.chunks:
            write_wav(self.path, self.audio, self.rate_hz)


@dataclass
class Spoken:
    """What happened to one reply."""

    engine: str
    """"piper", "espeak" or "text"."""
    first_audio_ms: float = 0.0
    """From speak() to the first sample handed to the speaker."""
    total_ms: float = 0.0
    """From speak() to the end of playback."""
    interrupted: bool = False
    """Stopped by stop() ("stop", or a key press)."""


def choose_engine(config: Config, language: str) -> Engine | None:
    """The engine for a language: Piper if its voice speaks it, espeak-ng if it knows it, None (text) otherwise."""
    wanted = config.tts.engine
    if wanted == "text":
        return None
    if wanted in ("piper", "auto"):
        try:
            from assistant.models import piper_voice_path

            piper = PiperEngine(piper_voice_path(config.tts.voice))
            if wanted == "piper" or piper.language == language.split("-")[0]:
                return piper
        except (ModelError, OSError, ValueError) as error:
            log.warning("Piper unavailable (%s); falling back to espeak-ng", error)
    try:
        espeak = EspeakEngine()
    except ModelError as error:
        log.warning("%s; replies will be text only", error)
        return None
    if espeak.supports(language):
        return espeak
    log.warning("no voice for language %r; replies will be text only", language)
    return None


class Speaker:
    """Speaks replies sentence by sentence, ducking the music, interruptible; prints when there is no speaker."""

    def __init__(self, config: Config, services: dict[str, Any] | None = None, sink: Sink | None = None) -> None:
        self.config = config
        self.services = services if services is not None else {}
        self.engines: dict[str, Engine | None] = {}
        self.stop_event = threading.Event()
        self.speaking = threading.Event()
        if sink is None and config.tts.engine != "text":
            try:
                sink = DeviceSink(config.audio.output_device)
            except AudioError as error:
                log.warning("%s: replies will be printed", error)
        self.sink = sink

    def engine(self, language: str) -> Engine | None:
        """The engine for a language, chosen (and loaded) once."""
        if self.sink is None:
            return None
        if language not in self.engines:
            self.engines[language] = choose_engine(self.config, language)
        return self.engines[language]

    def warm_up(self, language: str | None = None) -> None:
        """Load the voice now so the first reply is not slow."""
        language = language or self.config.language
        engine = self.engine(language)
        if isinstance(engine, PiperEngine):
            engine.load()
            engine.synthesize("Ready.", language)  # the first inference allocates; do it before the first reply

    def stop(self) -> None:
        """Interrupt the reply being spoken (within one playback block)."""
        self.stop_event.set()

    def speak(self, text: str, language: str | None = None) -> Spoken:
        """Say text: synthesis of sentence n+1 overlaps playback of sentence n; returns when done or stopped."""
        started = time.perf_counter()
        language = language or self.config.language
        engine = self.engine(language)
        self.stop_event.clear()
        if engine is None or self.sink is None:
            print(f"assistant: {text}", flush=True)
            return Spoken("text", total_ms=(time.perf_counter() - started) * 1000)
        pieces: queue.Queue[tuple[np.ndarray, int] | BaseException | None] = queue.Queue(maxsize=2)
        producer = threading.Thread(target=self._produce, args=(engine, text, language, pieces), daemon=True)
        self.speaking.set()
        self._duck(True)
        spoken = Spoken(engine.name)
        try:
            producer.start()
            for item in iter(pieces.get, None):
                if isinstance(item, BaseException):
                    log.warning("speech synthesis failed: %s", item)
                    print(f"assistant: {text}", flush=True)
                    break
                if self.stop_event.is_set():
                    break
                audio, rate_hz = item
                if not spoken.first_audio_ms:
                    spoken.first_audio_ms = (time.perf_counter() - started) * 1000
                try:
                    self.sink.play(audio * self.config.tts.speaker_volume, rate_hz, self.stop_event)
                except AudioError as error:
                    log.warning("%s; printing instead", error)
                    print(f"assistant: {text}", flush=True)
                    break
        finally:
            spoken.interrupted = self.stop_event.is_set()
            self.stop_event.set()  # tells the producer to quit early
            self._drain(pieces)
            self._duck(False)
            self.speaking.clear()
        spoken.total_ms = (time.perf_counter() - started) * 1000
        return spoken

    def _produce(self, engine: Engine, text: str, language: str, out: queue.Queue[Any]) -> None:
        try:
            for sentence in sentences(text):
                if self.stop_event.is_set():
                    break
                out.put(engine.synthesize(sentence, language))
            out.put(None)
        except (ModelError, OSError, RuntimeError, ValueError, subprocess.SubprocessError) as error:
            out.put(error)

    @staticmethod
    def _drain(pieces: queue.Queue[Any]) -> None:
        """Empty the queue so a producer blocked on put() can finish."""
        try:
            while True:
                pieces.get_nowait()
        except queue.Empty:
            pass

    def _duck(self, on: bool) -> None:
        """Lower the music while speaking (the music skill's shared player, when there is one)."""
        player = self.services.get("player")
        if player is None:
            return
        if on and callable(getattr(player, "duck", None)):
            player.duck(self.config.tts.duck_music_to)
        elif not on and callable(getattr(player, "unduck", None)):
            player.unduck()

    def close(self) -> None:
        """Stop speaking and release the output."""
        self.stop()
        if self.sink is not None:
            self.sink.close()


def synthesize_to_wav(text: str, path: Path, config: Config | None = None, language: str = "en") -> Path:
    """Speak text into a WAV file (bench and test fixtures); Piper when available, else espeak-ng."""
    sink = WavSink(path)
    Speaker(config or Config(), sink=sink).speak(text, language)
    sink.close()
    if not path.exists():
        raise ModelError(f"no speech engine could say {text!r}")
    return path
