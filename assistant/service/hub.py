"""The hub: connects to each configured wyoming-satellite, as Home Assistant does, and runs its turns.

Per satellite (one task, reconnecting every service.reconnect_ms while it is unreachable):
Describe → Info (its name and area), RunSatellite; the satellite answers RunPipeline and streams its microphone.
- start_stage "wake" (no wake word on the board): the hub listens for the wake word with the model of [audio]
  wake_engine / wake_word (microWakeWord "hey jarvis" by default) and cuts what follows into the command with the VAD;
  with wake_engine "transcript" (or a model that cannot load) it transcribes every utterance and looks for the wake
  phrase in Whisper's text ("hey computer, …"). The word or phrase alone opens a window for the command.
- start_stage "asr" (the board heard its wake word itself): the next utterance is the command.
Then: Detection (hub-side wake), Transcript (the board plays its "done" sound), the turn (router + skill, with the
room's own services so music plays in that room), Synthesize (the text) and the reply audio (rooms.py). A pipeline
that started at "wake" goes on listening after the reply, as long as audio comes.

What a skill says on its own later (Assistant.announce: a timer that ended) is said in every connected room.

Failures are heard, not silent: a turn over service.turn_timeout_ms answers "that took too long" (synthesised at
start-up, so a stuck model cannot hold it up); a model that fails, or a queue that is full, gets an Error event plus
a spoken sentence or, when even speech fails, an error tone. A hub that is down cannot speak: the stock satellite
then keeps its microphone to itself until the hub is back (wyoming-satellite >= 1.1 can play a sound with
--disconnected-command; the 1.0.0 on PyPI cannot).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import RunSatellite
from wyoming.snd import Played
from wyoming.tts import Synthesize
from wyoming.wake import Detection

from assistant.config import Config, SatelliteConfig
from assistant.errors import AssistantError
from assistant.i18n import Messages
from assistant.pipeline import MESSAGES as ASSISTANT_MESSAGES
from assistant.service.backend import Backend
from assistant.service.rooms import Room
from assistant.service.tts import OUTPUT_RATE_HZ
from assistant.service.wire import BadEvent, PcmFormat, beep, pcm_to_float, read_event
from assistant.voice.audio import SAMPLE_RATE_HZ
from assistant.voice.tts import sentences
from assistant.voice.vad import Endpointer, SileroVad, Utterance
from assistant.voice.wake import WakePhrase
from assistant.voice.wakeword import WakeWordDetector, detector_from_config, spoken_phrase

log = logging.getLogger(__name__)

MESSAGES = Messages(
    "hub",
    {
        "en": {"unavailable": "Sorry, I can't understand anything right now. Please try again later."},
        "de": {"unavailable": "Tut mir leid, ich kann gerade nichts verstehen. Bitte versuch es später noch einmal."},
        "fr": {"unavailable": "Désolé, je ne peux rien comprendre pour le moment. Réessaie plus tard."},
        "es": {"unavailable": "Lo siento, ahora mismo no puedo entender nada. Inténtalo más tarde."},
        "it": {"unavailable": "Mi dispiace, in questo momento non riesco a capire. Riprova più tardi."},
        "nl": {"unavailable": "Sorry, ik kan nu even niets verstaan. Probeer het later nog eens."},
        "da": {"unavailable": "Beklager, jeg kan ikke forstå noget lige nu. Prøv igen senere."},
        "ja": {"unavailable": "すみません、今は聞き取れません。後でもう一度お試しください。"},
        "zh": {"unavailable": "抱歉，我现在听不懂。请稍后再试。"},
    },
)
"""What a satellite says when the hub's models cannot answer (the slow case uses the assistant's too_slow)."""
INFO_TIMEOUT_S = 5.0
"""How long a satellite has to answer Describe."""
PLAYED_GRACE_S = 0.5
"""After a reply's audio length, how long to wait for the satellite's Played before listening again."""


@dataclass
class Run:
    """A pipeline the satellite asked for (RunPipeline)."""

    start: PipelineStage
    """WAKE: the hub listens for the wake phrase; ASR: the next utterance is the command."""
    end: PipelineStage
    """ASR: only the transcript; HANDLE: no reply audio (no speaker); TTS: the full turn."""


class SatelliteLink:
    """One satellite: the connection, its room, its listening state and its turns."""

    def __init__(self, hub: Hub, settings: SatelliteConfig) -> None:
        self.hub = hub
        self.settings = settings
        self.name = settings.name or settings.uri
        self.room = hub.room(settings.area or settings.uri)
        audio = hub.config.audio
        self.wake = WakePhrase(audio.wake_phrases, audio.wake_window_ms, audio.wake_phrases_by_language)
        self.endpointer = Endpointer(SileroVad(), hub.config.vad)
        self.detector = hub.wake_detector()
        """The wake-word model on this board's stream (None: the wake phrase is looked for in the transcript)."""
        self.position = 0
        """Samples heard from this board since the hub started: the clock of the command window."""
        self.command_until = -1
        """With the model: the sample by which the command must start; -1 while waiting for the wake word."""
        self.converter = AudioChunkConverter(rate=16000, width=2, channels=1)
        self.run: Run | None = None
        self.turn_task: asyncio.Task[None] | None = None
        self.played = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None
        self.connected = asyncio.Event()
        self.turns = 0
        """Turns answered (tests and logs)."""

    # --- connection ---------------------------------------------------------------------------------------------

    async def run_forever(self) -> None:
        """Connect, serve, and reconnect after any failure until cancelled."""
        while True:
            try:
                await self.session()
                log.info("satellite %s: disconnected", self.name)
            except (TimeoutError, OSError, BadEvent, AssistantError) as error:
                log.info("satellite %s: %s; retrying in %d ms", self.name, error, self.hub.config.service.reconnect_ms)
            finally:
                self.connected.clear()
                self.room.detach()
                self.writer = None
                if self.turn_task is not None:
                    self.turn_task.cancel()
                self.run = None
            await asyncio.sleep(self.hub.config.service.reconnect_ms / 1000)

    async def session(self) -> None:
        """One connection: describe, start the satellite, then read its events until it goes away."""
        reader, writer = await self.open()
        queue: asyncio.Queue[Event] = asyncio.Queue()
        sender = asyncio.create_task(self._write_queue(queue, writer))
        try:
            await async_write_event(Describe().event(), writer)
            info = await asyncio.wait_for(self._info(reader), INFO_TIMEOUT_S)
            if info.satellite is not None:
                self.name = self.settings.name or info.satellite.name or self.name
                if not self.settings.area and info.satellite.area:
                    self.room = self.hub.room(info.satellite.area)
            self.writer = writer
            self.room.attach(asyncio.get_running_loop(), queue)
            self.send(RunSatellite().event())
            self.connected.set()
            log.info("satellite %s (%s): connected", self.name, self.room.area)
            while True:
                event = await read_event(reader)
                if event is None:
                    return
                await self.on_event(event)
        finally:
            sender.cancel()
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the satellite's uri."""
        parsed = urlparse(self.settings.uri)
        if parsed.scheme == "unix":
            return await asyncio.wait_for(asyncio.open_unix_connection(parsed.path), INFO_TIMEOUT_S)
        return await asyncio.wait_for(asyncio.open_connection(parsed.hostname, parsed.port), INFO_TIMEOUT_S)

    async def _info(self, reader: asyncio.StreamReader) -> Info:
        while True:
            event = await read_event(reader)
            if event is None:
                raise ConnectionResetError("closed before answering describe")
            if Info.is_type(event.type):
                return Info.from_event(event)

    async def _write_queue(self, queue: asyncio.Queue[Event], writer: asyncio.StreamWriter) -> None:
        """The one writer of this connection: events in the order they were queued."""
        try:
            while True:
                await async_write_event(await queue.get(), writer)
        except (ConnectionError, OSError) as error:
            log.info("satellite %s: write failed (%s)", self.name, error)
            writer.close()

    def send(self, event: Event) -> None:
        """Queue an event for the satellite (dropped while it is away)."""
        self.room.send(event)

    # --- events from the satellite ------------------------------------------------------------------------------

    async def on_event(self, event: Event) -> None:
        """React to one event from the satellite."""
        kind = event.type
        if AudioChunk.is_type(kind):
            if self.run is not None and (self.turn_task is None or self.turn_task.done()):
                await self.hear(event)
        elif RunPipeline.is_type(kind):
            try:
                pipeline = RunPipeline.from_event(event)
            except (KeyError, ValueError) as error:
                log.warning("satellite %s: bad run-pipeline (%s)", self.name, error)
                return
            self.run = Run(pipeline.start_stage, pipeline.end_stage)
            self.endpointer.reset()
            log.info("satellite %s: pipeline %s → %s", self.name, pipeline.start_stage, pipeline.end_stage)
        elif AudioStop.is_type(kind) and self.run is not None:
            last = self.endpointer.flush()
            if last is not None and (self.turn_task is None or self.turn_task.done()):
                self.start_turn(last)
            self.run = None
        elif Ping.is_type(kind):
            self.send(Pong(text=Ping.from_event(event).text).event())
        elif Played.is_type(kind):
            self.played.set()
        elif Error.is_type(kind):
            log.warning("satellite %s: error %s", self.name, event.data)

    async def hear(self, event: Event) -> None:
        """Microphone audio: converted to 16 kHz mono, cut by the VAD (on its own thread), utterances → turns."""
        try:
            chunk = self.converter.convert(AudioChunk.from_event(event))
        except (KeyError, ValueError, TypeError) as error:  # audioop refuses odd widths and channel counts
            log.warning("satellite %s: unusable audio (%s)", self.name, error)
            return
        samples = pcm_to_float(chunk.audio, _PCM16)
        loop = asyncio.get_running_loop()
        woke, utterances = await loop.run_in_executor(self.hub.listening, self.listen, samples)
        if woke:
            self.send(Detection(name=self.hub.config.audio.wake_word).event())
        if utterances:
            self.start_turn(utterances[0])

    def listen(self, samples: np.ndarray) -> tuple[bool, list[Utterance]]:
        """(the wake word was heard just now, utterances ended): on the VAD thread. With the wake-word model and a
        pipeline from "wake", only what follows the word goes to the VAD and Whisper (nothing else is transcribed)."""
        self.position += len(samples)
        if self.detector is None or self.run is None or self.run.start != PipelineStage.WAKE:
            return False, self.endpointer.feed(samples)
        woke = False
        if self.command_until < 0:
            if self.detector.feed(samples) is None:
                return False, []
            self.endpointer.reset()  # endpoint from the word on: "hey jarvis, …" in one breath keeps the command
            self.command_until = self.position + self.hub.config.audio.wake_window_ms * SAMPLE_RATE_HZ // 1000
            woke = True
        elif self.position > self.command_until and not self.endpointer.active:
            log.info("satellite %s: the wake word, then no command", self.name)
            self.await_wake_word()
            return False, []
        return woke, self.endpointer.feed(samples)

    def await_wake_word(self) -> None:
        """Back to waiting for the wake word, with nothing of the last turn left in the model's window."""
        if self.detector is not None:
            self.command_until = -1
            self.detector.reset()

    def start_turn(self, utterance: Utterance) -> None:
        """Answer an utterance in the background; the microphone is ignored until the reply has been played."""
        run = self.run or Run(PipelineStage.ASR, PipelineStage.TTS)
        self.turn_task = asyncio.create_task(self.turn(utterance, run, time.perf_counter()))

    # --- one turn -----------------------------------------------------------------------------------------------

    async def turn(self, utterance: Utterance, run: Run, heard_at: float) -> None:
        """Transcribe, wake check, turn, reply; every failure ends in something the room hears."""
        backend = self.hub.backend
        language = self.hub.config.language
        reply = ""
        try:
            async with asyncio.timeout(self.hub.config.service.turn_timeout_ms / 1000):
                heard = await backend.lane.run(backend.transcribe, utterance.audio)
                language = backend.language(heard.language)
                command = self.addressed(heard.text, heard.language, run)
                if command is None:
                    return
                self.await_wake_word()
                self.send(Transcript(text=command, language=language).event())
                if run.end == PipelineStage.ASR:
                    return
                source = f"satellite:{self.room.area}"
                answer = await backend.lane.run(
                    backend.ask,
                    command,
                    language,
                    source=source,
                    area=self.room.services,
                    heard_logprob=heard.avg_logprob,
                )
                reply = answer.reply.text
                log.info(
                    "satellite %s: %r -> %s -> %r (%.0f ms)",
                    self.name,
                    command,
                    answer.route.call,
                    reply,
                    (time.perf_counter() - heard_at) * 1000,
                )
        except TimeoutError:
            reply = ASSISTANT_MESSAGES.say(language, "too_slow")
            self.send(Error(text=reply, code="timeout").event())
            await self.play(self.hub.canned(reply, language), run)
            return
        except AssistantError as error:  # Busy, a model that failed to load, the lane closing
            log.warning("satellite %s: %s", self.name, error)
            sentence = MESSAGES.say(language, "unavailable")
            self.send(Error(text=str(error), code="unavailable").event())
            await self.play(self.hub.canned(sentence, language), run)
            return
        finally:
            self.endpointer.reset()
            if self.command_until >= 0 and self.position > self.command_until:
                self.await_wake_word()  # not addressed, or nothing heard: back to waiting for the word
        self.turns += 1
        if run.end != PipelineStage.TTS or not reply:
            return
        self.send(Synthesize(text=reply).event())
        await self.speak(reply, language)

    async def speak(self, reply: str, language: str) -> None:
        """The reply sentence by sentence: each one is sent as soon as it is synthesised, then wait until heard."""
        backend = self.hub.backend
        self.played.clear()
        speech = self.room.speech(self.hub.config.tts.duck_music_to)
        for piece in sentences(reply):
            try:
                audio = await backend.lane.run(backend.voices.synthesize, piece, None, language)
            except AssistantError as error:
                log.warning("satellite %s: cannot speak %r (%s)", self.name, piece, error)
                audio = beep(OUTPUT_RATE_HZ)
            speech.add(audio, OUTPUT_RATE_HZ)
        seconds = speech.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.played.wait(), seconds + PLAYED_GRACE_S)

    def addressed(self, text: str, language: str, run: Run) -> str | None:
        """The command in what was heard, or None when it is not for the assistant (or only woke it)."""
        if not text:
            return None
        if self.detector is not None and run.start == PipelineStage.WAKE:
            # The model heard the word; Whisper may have caught its tail ("jarvis, play ..."): strip it.
            said = spoken_phrase(self.hub.config.audio.wake_word)
            stripped = WakePhrase([said, said.split()[-1]]).check(text, language=language)
            command = stripped.command if stripped.addressed else text
            if not command:  # the word alone: the command window stays open
                self.command_until = self.position + self.hub.config.audio.wake_window_ms * SAMPLE_RATE_HZ // 1000
            return command or None
        woke = self.wake.check(text, language=language)
        if run.start != PipelineStage.WAKE:
            return woke.command if woke.addressed and woke.command else text  # the board already heard its name
        if not woke.addressed:
            log.info("satellite %s: not addressed: %r", self.name, text)
            return None
        self.send(Detection(name=self.wake.phrases(language)[0] if self.wake.phrases(language) else "").event())
        return woke.command or None

    async def play(self, audio: np.ndarray, run: Run) -> None:
        """Send audio to the room and wait until it has been played (Played, or its length) before listening."""
        if run.end != PipelineStage.TTS or not len(audio):
            return
        self.played.clear()
        seconds = await self.room.say(audio, OUTPUT_RATE_HZ, self.hub.config.tts.duck_music_to)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.played.wait(), seconds + PLAYED_GRACE_S)


_PCM16 = PcmFormat(16000, 2, 1)
"""What the converter hands the VAD: 16 kHz 16-bit mono."""


class Hub:
    """Every configured satellite, the rooms they are in, and the spoken sentences for failures."""

    def __init__(self, config: Config, backend: Backend) -> None:
        self.config = config
        self.backend = backend
        self.rooms: dict[str, Room] = {}
        self.links = [SatelliteLink(self, settings) for settings in config.satellites]
        self.listening = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="vad")
        """The satellites' VAD: apart from the model lane, so a long transcription does not stall listening."""
        self.sentences: dict[tuple[str, str], np.ndarray] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def wake_detector(self) -> WakeWordDetector | None:
        """A wake-word model for one satellite's stream ([audio] wake_engine), or None for the transcript phrase
        (configured so, or the model cannot load: then every utterance is transcribed, as before)."""
        audio = self.config.audio
        if audio.wake_engine == "transcript":
            return None
        try:
            return detector_from_config(audio)
        except AssistantError as error:
            log.warning(
                "hub: wake-word model unavailable (%s); listening for %s in the transcript", error, audio.wake_phrases
            )
            return None

    def room(self, area: str) -> Room:
        """The room called area (created on first mention)."""
        if area not in self.rooms:
            self.rooms[area] = Room(area)
        return self.rooms[area]

    def prepare(self) -> None:
        """Synthesise the failure sentences now (blocking), so they play even when the models are stuck later."""
        for language in dict.fromkeys([self.config.language, "en"]):
            for sentence in (ASSISTANT_MESSAGES.say(language, "too_slow"), MESSAGES.say(language, "unavailable")):
                self.canned(sentence, language, synthesize=True)

    def canned(self, sentence: str, language: str, *, synthesize: bool = False) -> np.ndarray:
        """A failure sentence's audio if prepared (or synthesize=True), else the error tone."""
        key = (language, sentence)
        if key not in self.sentences and synthesize:
            try:
                self.sentences[key] = self.backend.voices.say(sentence, None, language)
            except AssistantError as error:
                log.warning("hub: cannot prepare %r (%s); the error tone will play instead", sentence, error)
        return self.sentences.get(key, beep(OUTPUT_RATE_HZ))

    async def start(self) -> None:
        """Start one task per satellite, and the one that says what skills announce on their own."""
        self.tasks = [asyncio.create_task(link.run_forever(), name=f"satellite {link.name}") for link in self.links]
        self.tasks.append(asyncio.create_task(self.announce_forever(), name="announcements"))

    async def announce_forever(self) -> None:
        """Say each announcement (a timer that ended) in every room whose satellite is connected: the announcement
        does not say which room asked for it, and a house-wide word is better than none."""
        announcements = self.backend.assistant.announcements
        while True:
            try:
                text, language = await asyncio.to_thread(announcements.get, True, 0.5)
            except queue.Empty:
                continue
            try:
                audio = await self.backend.lane.run(self.backend.voices.say, text, None, language)
            except AssistantError as error:
                log.warning("hub: cannot say the announcement %r (%s)", text, error)
                audio = beep(OUTPUT_RATE_HZ)
            for link in self.links:
                if link.connected.is_set():
                    link.send(Synthesize(text=text).event())
                    await link.room.say(audio, OUTPUT_RATE_HZ, self.config.tts.duck_music_to)

    async def stop(self) -> None:
        """Disconnect every satellite and stop the rooms' music."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for room in self.rooms.values():
            room.close()
        self.listening.shutdown(wait=False, cancel_futures=True)
