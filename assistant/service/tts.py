"""The tts role: Synthesize (or the streamed SynthesizeStart/Chunk/Stop) → audio events, sentence by sentence.

Voices are the Piper voice (config [tts] voice, the bundled en_US joe by default) and espeak-ng for every reply
language it knows, named in Info so Home Assistant lists them. Every sentence goes out at OUTPUT_RATE_HZ 16-bit mono:
Home Assistant's streaming reader writes one WAV header from the first AudioStart and appends all chunks after it,
so a later sentence at another rate would play at the wrong speed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import numpy as np

from assistant.config import Config
from assistant.errors import AssistantError, ModelError
from assistant.i18n import LANGUAGES
from assistant.voice.audio import resample
from assistant.voice.tts import SENTENCE_RE, Engine, EspeakEngine, PiperEngine, sentences

log = logging.getLogger(__name__)

OUTPUT_RATE_HZ = 22050
"""Rate of every audio chunk sent (Piper's medium voices and espeak-ng both speak at it; satellites default to it)."""


@dataclass(frozen=True)
class Voice:
    """One voice offered in Info."""

    name: str
    """Its id in Info and in Synthesize.voice.name ("en_US-joe-medium", "espeak-ng-de")."""
    engine: str
    """"piper" or "espeak"."""
    languages: tuple[str, ...]
    """ISO 639-1 codes it speaks."""
    description: str = ""
    """For people (Home Assistant's voice menu)."""


@dataclass
class TextStream:
    """A streamed synthesis request (SynthesizeStart … SynthesizeStop): text in, whole sentences out."""

    voice: str | None = None
    """Synthesize.voice.name, when given."""
    language: str | None = None
    """Synthesize.voice.language, when given."""
    pending: str = ""
    """Text received but not yet synthesised (an unfinished sentence)."""
    sent_start: bool = False
    """Whether AudioStart has gone out for this stream."""
    total_chars: int = 0
    """Text received so far (capped: a stream is one reply, not a book)."""
    timestamps_ms: list[int] = field(default_factory=lambda: [0])
    """Running audio timestamp (a list so helpers can update it in place)."""

    def feed(self, text: str) -> list[str]:
        """Add text; return the sentences now complete (the last piece stays pending until more text or the end)."""
        self.pending += text
        self.total_chars += len(text)
        parts = SENTENCE_RE.split(self.pending)
        if len(parts) <= 1:
            return []
        self.pending = parts[-1]
        return [part.strip() for part in parts[:-1] if part.strip()]

    def finish(self) -> list[str]:
        """The sentences left at SynthesizeStop."""
        rest, self.pending = self.pending, ""
        return sentences(rest)


class Voices:
    """The voices this assistant can speak with, loaded on first use, and synthesis of one sentence at a time."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.voices: list[Voice] = []
        self.engines: dict[str, Engine] = {}
        self.lock = threading.Lock()
        if config.tts.engine == "text":
            return
        if config.tts.engine in ("piper", "auto"):
            try:
                from assistant.models import piper_voice_path

                piper = PiperEngine(piper_voice_path(config.tts.voice))
                name = piper.voice_path.name.removesuffix(".onnx")
                self.voices.append(Voice(name, "piper", (piper.language,), f"Piper {name}"))
                self.engines[name] = piper
            except (ModelError, OSError, ValueError) as error:
                log.warning("Piper voice unavailable (%s); espeak-ng only", error)
        if config.tts.engine in ("espeak", "auto"):
            try:
                espeak = EspeakEngine()
            except ModelError as error:
                log.warning("%s", error)
                return
            for language in LANGUAGES:
                if espeak.supports(language):
                    name = f"espeak-ng-{language}"
                    self.voices.append(Voice(name, "espeak", (language,), f"espeak-ng {language}"))
                    self.engines[name] = espeak

    def choose(self, name: str | None = None, language: str | None = None) -> tuple[Voice, str]:
        """The voice asked for by name, else the best for the language (Piper first), else the default language's."""
        if not self.voices:
            raise ModelError("no speech engine is available (tts.engine is 'text', or neither Piper nor espeak-ng)")
        if name:
            for voice in self.voices:
                if voice.name == name:
                    return voice, voice.languages[0]
            log.info("voice %r is not known; choosing by language", name)
        code = (language or self.config.language).replace("_", "-").split("-")[0].lower()
        for wanted in (code, self.config.language):
            for voice in self.voices:
                if wanted in voice.languages:
                    return voice, wanted
        return self.voices[0], self.voices[0].languages[0]

    def synthesize(self, sentence: str, name: str | None = None, language: str | None = None) -> np.ndarray:
        """One sentence as float32 audio at OUTPUT_RATE_HZ (blocking: run it on the lane)."""
        voice, spoken_in = self.choose(name, language)
        engine = self.engines[voice.name]
        with self.lock:
            try:
                audio, rate_hz = engine.synthesize(sentence, spoken_in)
            except (OSError, RuntimeError, ValueError) as error:
                raise ModelError(f"{voice.name} could not say {sentence[:40]!r}: {error}") from None
        audio = audio * self.config.tts.speaker_volume
        return resample(audio, rate_hz, OUTPUT_RATE_HZ) if rate_hz != OUTPUT_RATE_HZ else audio.astype(np.float32)

    def say(self, text: str, name: str | None = None, language: str | None = None) -> np.ndarray:
        """A whole text as one piece of audio (short sentences: errors, confirmations)."""
        pieces = [self.synthesize(s, name, language) for s in sentences(text)]
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)

    def warm_up(self) -> None:
        """Load the default voice and run it once (the first inference allocates)."""
        try:
            self.synthesize("Ready.")
        except AssistantError as error:
            log.warning("text to speech: %s", error)
