"""The models every Wyoming connection and satellite shares, and the one worker thread they run on.

Every model call (VAD, Whisper, the router, a skill, Piper) goes through Lane.run: off the event loop, one at a time,
in arrival order. On two cores a second turn in parallel would only slow the first one down, and Whisper, llama.cpp
and Piper each hold one model instance. A second client is therefore queued, not refused, up to max_waiting jobs;
past that it gets Busy (an Error event) at once instead of waiting minutes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from assistant.config import Config
from assistant.errors import AssistantError
from assistant.http import TtlCache
from assistant.i18n import LANGUAGES
from assistant.pipeline import Assistant, Turn, build_assistant
from assistant.routing.router import Route
from assistant.voice.stt import Transcript, WhisperStt, registry_hotwords, stt_from_config
from assistant.voice.vad import SileroVad, speech_span

log = logging.getLogger(__name__)
RECENT_HEARING_S = 60.0
"""How long a transcript's sureness is kept for the text coming back to be handled (a turn takes seconds)."""
RECENT_HEARINGS = 32
"""At most this many recent transcripts are kept (satellites of a house)."""

T = TypeVar("T")

AREA_KEYS = frozenset({"player", "player_sink_factory", "now_playing", "music_history_player"})
"""Assistant.services entries that belong to one room (its music player, where it plays, what it plays); the rest
(the music library, the play history, the clock) is shared by every room."""


class Busy(AssistantError):
    """Too many jobs are waiting for the models; the client should try again shortly."""


class Lane:
    """One worker thread for all model work: jobs run in arrival order; at most max_waiting wait or run at once."""

    def __init__(self, max_waiting: int = 8) -> None:
        self.max_waiting = max_waiting
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="models")
        self.waiting = 0
        """Jobs queued or running now."""

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """func(*args, **kwargs) on the worker thread; Busy when the queue is full. Cancelling drops a queued job."""
        if self.waiting >= self.max_waiting:
            raise Busy(f"{self.waiting} requests are already waiting for the models")
        self.waiting += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.executor, functools.partial(func, *args, **kwargs))
        finally:
            self.waiting -= 1

    def close(self) -> None:
        """Drop queued jobs; a running one finishes on its own."""
        self.executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class Heard:
    """What Whisper made of one stretch of audio."""

    text: str
    """The words ("" when there was no speech)."""
    language: str
    """The language transcribed in."""
    timings_ms: dict[str, float]
    """vad_ms, stt_ms and Whisper's stages."""
    avg_logprob: float | None = None
    """How sure Whisper was of the words (None when nothing was heard): the router's hearing gate reads it."""


def stt_languages(config: Config) -> list[str]:
    """The languages the configured Whisper model transcribes (an English-only model's name ends in .en)."""
    return ["en"] if config.stt.model.endswith(".en") else list(LANGUAGES)


class Backend:
    """Whisper, the VAD, the assistant (router + skills, with their traces) and the voices, behind one Lane."""

    def __init__(self, config: Config, assistant: Assistant, stt: WhisperStt, voices: Any, lane: Lane) -> None:
        self.config = config
        self.assistant = assistant
        self.stt = stt
        self.voices = voices
        """assistant.service.tts.Voices (typed loosely: tts imports this module)."""
        self.lane = lane
        self.recent_hearings = TtlCache(RECENT_HEARING_S, RECENT_HEARINGS)
        """What this server heard lately, text -> Whisper's mean log-probability: Home Assistant sends the transcript
        back for handling as text, and the router's hearing gate needs to know how sure the hearing was."""
        self.vad = SileroVad()

    @classmethod
    def load(cls, config: Config, *, llm: bool = True, max_waiting: int = 8) -> Backend:
        """Load everything now (Whisper in its thread, the LLM lazily on the first turn that needs it)."""
        from assistant.service.tts import Voices

        assistant = build_assistant(config, llm=llm, lazy=True)
        stt = stt_from_config(config, registry_hotwords(assistant) if config.stt.use_hotwords else ())
        return cls(config, assistant, stt, Voices(config), Lane(max_waiting))

    def warm_up(self) -> None:
        """Wait for Whisper and load the default voice, so the first request is not the slow one.

        A model that fails to load is logged, not fatal: the server still speaks and handles text, and every
        transcription request is answered with an Error event naming the model file."""
        try:
            self.stt.wait_ready()
        except AssistantError as error:
            log.error("speech to text is unavailable: %s", error)
        self.voices.warm_up()

    def language(self, wanted: str | None) -> str:
        """A request's language ("en-US" -> "en"), or the configured one when it names none the replies know."""
        code = (wanted or "").replace("_", "-").split("-")[0].lower()
        return code if code in LANGUAGES else self.config.language

    # --- jobs for the lane (they block) -------------------------------------------------------------------------

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> Heard:
        """The speech in 16 kHz mono audio as text; silence or noise gives ""."""
        started = time.perf_counter()
        span = speech_span(self.vad, audio)
        vad_ms = (time.perf_counter() - started) * 1000
        if span is None:
            self.stt.wait_ready()
            return Heard("", self.language(language), {"vad_ms": vad_ms, "stt_ms": 0.0})
        stt_language = None if language is None else self.stt_language(language)
        result: Transcript = self.stt.transcribe(audio[span[0] : span[1]], stt_language)
        if result.text:
            self.remember_hearing(result.text, result.avg_logprob)
        return Heard(result.text, result.language, {"vad_ms": vad_ms, **result.timings_ms}, result.avg_logprob)

    def remember_hearing(self, text: str, avg_logprob: float) -> None:
        """Keep how sure Whisper was of text for RECENT_HEARING_S (the last RECENT_HEARINGS of them)."""
        self.recent_hearings.put(text.strip(), avg_logprob)

    def recalled_hearing(self, text: str) -> float | None:
        """Whisper's sureness for text this server heard within RECENT_HEARING_S, else None (typed, heard elsewhere)."""
        return self.recent_hearings.get(text.strip())

    def stt_language(self, wanted: str) -> str | None:
        """What to ask Whisper for: the request's language when the model knows it, else the configured setting."""
        code = wanted.replace("_", "-").split("-")[0].lower()
        return code if code in stt_languages(self.config) else None

    def ask(
        self,
        text: str,
        language: str,
        *,
        source: str = "wyoming",
        area: dict[str, Any] | None = None,
        heard_logprob: float | None = None,
    ) -> Turn:
        """Route, run the skill and trace the turn; with area (a room's services), that room's player is used.
        heard_logprob: how sure Whisper was, for a request this server heard itself; when not given, a transcript this
        server made in the last RECENT_HEARING_S (Home Assistant sends it back as text) brings its own."""
        if heard_logprob is None:
            heard_logprob = self.recalled_hearing(text)
        if area is None:
            return self.assistant.ask(text, source=source, language=language, heard_logprob=heard_logprob)
        # Turns run one at a time on this thread, so lending the room's own entries to the assistant for the length
        # of one turn is safe; whatever the skill created for everyone (the music library, the play history) is
        # copied back into the shared services.
        shared = self.assistant.services
        area.update({k: v for k, v in shared.items() if k not in AREA_KEYS})
        self.assistant.services = area
        try:
            return self.assistant.ask(text, source=source, language=language, heard_logprob=heard_logprob)
        finally:
            self.assistant.services = shared
            shared.update({k: v for k, v in area.items() if k not in AREA_KEYS})

    def route(self, text: str) -> Route:
        """The call for text, executing nothing."""
        return self.assistant.route(text)

    def close(self) -> None:
        """Stop the lane and the assistant's background work."""
        self.lane.close()
        self.assistant.close()
