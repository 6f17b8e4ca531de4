"""The live loop: listen, endpoint, transcribe, check the wake phrase, route, run, speak; every stage stamped."""

from __future__ import annotations

import logging
import queue
import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from assistant.errors import AssistantError
from assistant.pipeline import Assistant
from assistant.voice.audio import FRAME_SAMPLES, SAMPLE_RATE_HZ, AudioSource, write_wav
from assistant.voice.frontend import CleanedSource, front_end_from_config
from assistant.voice.stt import Transcript, WhisperStt
from assistant.voice.tts import Speaker, Spoken
from assistant.voice.vad import Endpointer, SileroVad, Utterance
from assistant.voice.wake import WakePhrase
from assistant.voice.wakeword import WakeWordDetector, detector_from_config, spoken_phrase

log = logging.getLogger(__name__)

STOP_WORDS = frozenset(
    (
        "stop|cancel|quiet|be quiet|enough|shut up|never mind|stop it|stopp|halt|ruhe|sei still|genug|arrête|arrete"
        "|silence|tais toi|para|basta|cállate|callate|silencio|zitto|fermati|stil|hou op|genoeg|止めて|やめて|ストップ"
        "|停止|停|别说了|安静|stille|ti stille|hold op|hold mund|det er nok|glem det|annuller"
    ).split("|")
)
"""Said while the assistant speaks (with barge-in on): cut the reply. Routed as usual otherwise ("stop" the music)."""
PUSH_WAIT_MS = 5000
"""After Enter, how long to wait for speech to start before giving up."""
SILENT_MIC_S = 5.0
"""A microphone that delivers nothing for this long is reported (unplugged, or taken by another program)."""


def is_stop(text: str) -> bool:
    """Whether text is just a stop word ("Stop!", "be quiet.")."""
    return " ".join(re.sub(r"[^\w' ]", " ", text.lower()).split()) in STOP_WORDS


class StatusLine:
    """One line that says what the assistant is doing: listening / heard / thinking / speaking."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.quiet = quiet
        self.last = ""

    def show(self, state: str, detail: str = "") -> None:
        """Replace the line (on a terminal) or print a new one (in a log)."""
        line = f"[{state}] {detail}".rstrip()
        if self.quiet or line == self.last:
            return
        self.last = line
        if self.tty:
            self.stream.write("\r\x1b[K" + line[:200])
            if state not in ("listening", "hearing", "thinking", "speaking"):
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


@dataclass
class VoiceTurn:
    """What one utterance led to."""

    outcome: str
    """"answered", "ignored" (not addressed), "armed" (wake phrase alone), "no_speech", "interrupted", "error", or
    "timeout" (the wake word came, no command followed within audio.wake_window_ms)."""
    transcript: str = ""
    """What Whisper heard."""
    command: str = ""
    """The transcript without the wake phrase."""
    call: str = ""
    """The call chosen, when routed."""
    reply: str = ""
    """What the assistant said."""
    message: str = ""
    """A note for the user (cut at max length, model missing...)."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """capture_ms, vad_end_ms, stt_ms, route_ms, skill_ms, tts_first_audio_ms, speech_end_to_call_ms..."""
    trace_id: int | None = None
    """Row in the trace store."""


class VoiceLoop:
    """Runs turns from an audio source until it ends (a file) or the user quits (the microphone)."""

    def __init__(
        self,
        assistant: Assistant,
        stt: WhisperStt,
        speaker: Speaker,
        source: AudioSource,
        *,
        trigger: str | None = None,
        vad: SileroVad | None = None,
        status: StatusLine | None = None,
        barge_in: bool = False,
        source_name: str = "",
        save_audio: bool = False,
        wake_word: WakeWordDetector | None = None,
    ) -> None:
        self.assistant = assistant
        self.config = assistant.config
        self.stt = stt
        self.speaker = speaker
        front_end = front_end_from_config(self.config.audio)
        # What the wake word, the VAD and Whisper hear: the [audio] noise suppression, when one is set.
        self.source: AudioSource = CleanedSource(source, front_end) if front_end is not None else source
        self.trigger = trigger or self.config.audio.trigger
        if self.trigger not in ("wake", "push", "always"):
            raise AssistantError(f"audio.trigger must be wake, push or always, not {self.trigger!r}")
        self.vad = vad or SileroVad()
        self.endpointer = Endpointer(self.vad, self.config.vad)
        self.wake = self._wake_phrase()
        self.status = status or StatusLine()
        self.wake_word = wake_word if self.trigger == "wake" else None
        if self.wake_word is None and self.trigger == "wake" and self.config.audio.wake_engine != "transcript":
            try:
                self.wake_word = detector_from_config(self.config.audio)
            except AssistantError as error:
                # The transcript phrase still works: slower and less private, but the assistant answers.
                log.warning("wake word model unavailable, using the transcript wake phrase: %s", error)
                self.status.show("note", f"{error}; listening for {' or '.join(self.wake.common)!r} instead")
        self.position = 0
        """Samples read from the source: the loop's clock (a WAV file is read faster than real time)."""
        self.command_until = -1
        """With a wake-word model: the sample by which the command must start; -1 while waiting for the word."""
        self.barge_in = barge_in
        self.source_name = source_name or ("wav" if type(source).__name__ == "WavSource" else "mic")
        self.save_audio = save_audio
        self.turns: deque[VoiceTurn] = deque(maxlen=1000)  # a loop runs for months: keep the recent ones
        self.handled = 0
        self.push_until = 0.0
        self.reset_pending = False
        self.quit = threading.Event()

    # --- the loop ---------------------------------------------------------------------------------------------

    def run(self, max_turns: int | None = None) -> list[VoiceTurn]:
        """Listen and answer until the source ends, quit is set, or max_turns utterances were handled; the turns."""
        if self.trigger == "push":
            threading.Thread(target=self._keys, name="push-to-talk", daemon=True).start()
        self._idle_status()
        silent_since = time.monotonic()
        while not self.quit.is_set() and (max_turns is None or self.handled < max_turns):
            try:
                frame = self.source.read(FRAME_SAMPLES, timeout_s=0.5)
            except EOFError:
                last = self.endpointer.flush()
                if last is not None:
                    self.turns.append(self._safe_handle(last, time.perf_counter()))
                break
            if frame is None:
                if time.monotonic() - silent_since > SILENT_MIC_S:
                    self.status.show("error", "the microphone delivers no audio (unplugged, or in use elsewhere?)")
                    silent_since = time.monotonic()
                continue
            silent_since = time.monotonic()
            self.position += len(frame)
            if not self.endpointer.active and self.command_until < 0 and not self.assistant.announcements.empty():
                self._say_announcements()  # between turns: a timer that ended, an alarm missed while off
            if self.wake_word is not None and not self._command_window(frame):
                continue
            if self.reset_pending:
                self.reset_pending = False
                self.endpointer.reset()
            if self.trigger == "push" and time.monotonic() > self.push_until and not self.endpointer.active:
                if self.push_until:
                    self.push_until = 0.0
                    self.status.show("ready", "heard nothing; press Enter and speak")
                continue
            was_active = self.endpointer.active
            for utterance in self.endpointer.feed(frame):
                self.turns.append(self._safe_handle(utterance, time.perf_counter()))
                self._idle_status()
            if self.endpointer.active and not was_active:
                self.status.show("hearing")
        return list(self.turns)

    def _say_announcements(self) -> None:
        """Say what skills announced on their own, each like a reply (the microphone muted meanwhile)."""
        while True:
            try:
                text, language = self.assistant.announcements.get_nowait()
            except queue.Empty:
                return
            self.speak(text, language)
            self._idle_status()

    def _command_window(self, frame: np.ndarray) -> bool:
        """With a wake-word model: whether frame goes on to the endpointer (the word was heard, a command follows)."""
        assert self.wake_word is not None
        if self.command_until < 0:
            if self.wake_word.feed(frame) is None:
                return False
            # Endpoint from here: "hey jarvis, play baby shark" in one breath loses at most the word's tail.
            self.endpointer.reset()
            self.command_until = self.position + self.config.audio.wake_window_ms * SAMPLE_RATE_HZ // 1000
            self.status.show("listening", "for your command")
            return True
        if self.position > self.command_until and not self.endpointer.active:
            self.handled += 1
            self.turns.append(VoiceTurn("timeout", message="the wake word came, then no command"))
            self._await_wake_word()
            self.status.show("listening", "(no command after the wake word)")
            return False
        return True

    def _await_wake_word(self) -> None:
        """Back to waiting for the wake word, with nothing of the last turn left in the model's window."""
        if self.wake_word is not None:
            self.command_until = -1
            self.wake_word.reset()

    def _safe_handle(self, utterance: Utterance, endpoint_at: float) -> VoiceTurn:
        """handle(), with a bug in one turn logged and reported instead of ending the loop."""
        self.handled += 1
        try:
            turn = self.handle(utterance, endpoint_at)
        except Exception as error:  # the loop must outlive any one turn; the traceback goes to the log
            log.exception("voice turn failed")
            self.status.show("error", f"something went wrong ({type(error).__name__}); still listening")
            self.source.mute(False)
            turn = VoiceTurn("error", message=f"{type(error).__name__}: {error}")
        if turn.outcome == "armed" and self.wake_word is not None:
            self.command_until = self.position + self.config.audio.wake_window_ms * SAMPLE_RATE_HZ // 1000
        else:
            self._await_wake_word()
        return turn

    def _idle_status(self) -> None:
        if self.trigger == "push":
            self.status.show("ready", "press Enter and speak")
        elif self.wake_word is not None and self.command_until < 0:
            self.status.show("listening", f"for {spoken_phrase(self.config.audio.wake_word)!r}")
        elif self.wake.waiting:
            self.status.show("listening", "for your command")
        else:
            self.status.show("listening")

    def _keys(self) -> None:
        """Push-to-talk: each Enter opens the microphone; Enter while speaking cuts the reply."""
        for _line in sys.stdin:
            if self.speaker.speaking.is_set():
                self.speaker.stop()
            self.reset_pending = True  # the loop thread resets the endpointer; it owns it
            self.push_until = time.monotonic() + PUSH_WAIT_MS / 1000
            self.status.show("listening")

    # --- one utterance ----------------------------------------------------------------------------------------

    def handle(self, utterance: Utterance, endpoint_at: float) -> VoiceTurn:
        """Transcribe, check the wake phrase, route, run, speak and trace one utterance; never raises."""
        self.push_until = 0.0
        timings = {
            "capture_ms": (utterance.end_sample - utterance.start_sample) * 1000 / SAMPLE_RATE_HZ,
            "vad_end_ms": utterance.end_wait_ms,
        }
        message = ""
        if utterance.reason == "max_length":
            message = f"I only listened to the first {self.config.vad.max_utterance_ms // 1000} seconds."
            self.status.show("note", message)
        try:
            transcript = self.stt.transcribe(utterance.audio)
        except AssistantError as error:
            log.error("speech recognition: %s", error)
            self.status.show("error", f"speech recognition unavailable: {error}")
            return VoiceTurn("error", message=str(error), timings_ms=timings)
        timings.update(transcript.timings_ms)
        text = transcript.text
        if not text:
            self.status.show("listening", "(no words heard)")
            return VoiceTurn("no_speech", timings_ms=timings, message=message)
        command = text
        if self.wake_word is not None:
            # The model heard the word; Whisper may still have caught its tail ("jarvis, play ..."): strip it.
            said = spoken_phrase(self.config.audio.wake_word)
            stripped = WakePhrase([said, said.split()[-1]]).check(text, language=transcript.language)
            command = stripped.command if stripped.addressed else text
            if not command:
                self.status.show("heard", f"{text}  (say the command)")
                return VoiceTurn("armed", text, timings_ms=timings)
        elif self.trigger == "wake":
            woke = self.wake.check(text, language=transcript.language)
            if not woke.addressed:
                log.info("not addressed: %r", text)
                self.status.show("ignored", text)
                return VoiceTurn("ignored", text, timings_ms=timings)
            if woke.armed:
                self.status.show("heard", f"{text}  (say the command)")
                return VoiceTurn("armed", text, timings_ms=timings)
            command = woke.command
        self.status.show("heard", command)
        return self._answer(utterance, transcript, command, endpoint_at, timings, message)

    def _answer(
        self,
        utterance: Utterance,
        transcript: Transcript,
        command: str,
        endpoint_at: float,
        timings: dict[str, float],
        message: str,
    ) -> VoiceTurn:
        self.status.show("thinking", command)
        asked_at = time.perf_counter()
        turn = self.assistant.ask(
            command,
            source=self.source_name,
            language=transcript.language,
            extra_timings=timings,
            heard_logprob=transcript.avg_logprob,
        )
        timings = dict(turn.timings_ms)
        # The call is chosen when routing ends; the skill runs after that.
        timings["speech_end_to_call_ms"] = (asked_at - endpoint_at) * 1000 + timings.get("route_ms", 0.0)
        timings["last_word_to_call_ms"] = timings["speech_end_to_call_ms"] + timings["vad_end_ms"]
        reply = turn.reply.text
        if message:
            reply = f"{message} {reply}"
        spoken = self.speak(reply, transcript.language)
        if spoken.first_audio_ms:
            timings["tts_first_audio_ms"] = spoken.first_audio_ms
        result = VoiceTurn(
            "interrupted" if spoken.interrupted else "answered",
            transcript.text,
            command,
            str(turn.route.call),
            reply,
            message,
            timings,
            turn.trace_id,
        )
        self._trace(result, utterance)
        return result

    def _wake_phrase(self) -> WakePhrase:
        audio = self.config.audio
        return WakePhrase(audio.wake_phrases, audio.wake_window_ms, audio.wake_phrases_by_language)

    def speak(self, text: str, language: str) -> Spoken:
        """Say text with the microphone muted (or, with barge-in, listening only for a stop word)."""
        self.status.show("speaking", text)
        self.source.mute(not self.barge_in)
        done: dict[str, Spoken] = {}
        thread = threading.Thread(target=lambda: done.setdefault("s", self.speaker.speak(text, language)), daemon=True)
        thread.start()
        barge = Endpointer(SileroVad(self.vad.path), self.config.vad) if self.barge_in else None
        while thread.is_alive():
            if barge is None:
                thread.join(0.05)
                continue
            try:
                frame = self.source.read(FRAME_SAMPLES, timeout_s=0.1)
            except EOFError:
                thread.join()
                break
            for heard in barge.feed(frame) if frame is not None else []:
                said = self.stt.transcribe(heard.audio)
                command = self._wake_phrase().check(said.text, language=said.language).command
                if is_stop(said.text) or is_stop(command):
                    self.speaker.stop()
        thread.join()
        self.source.mute(False)
        self.endpointer.reset()
        return done.get("s", Spoken("none"))

    def _trace(self, turn: VoiceTurn, utterance: Utterance) -> None:
        """Add the stages known only after the reply (TTS, end to end, audio) to the stored turn."""
        store = self.assistant.traces
        if store is None or turn.trace_id is None:
            return
        audio_path = None
        if self.save_audio:
            path = self.config.data_path / "audio" / f"turn-{turn.trace_id}.wav"
            audio_path = str(write_wav(path, utterance.audio))
        store.amend(
            turn.trace_id,
            timings=turn.timings_ms,
            over_budget=self.assistant.over_budget(turn.timings_ms),
            audio_ms=utterance.duration_ms,
            audio_path=audio_path,
        )


def open_microphone(device: str, status: StatusLine, *, retry_s: float = 5.0, attempts: int | None = None) -> Any:
    """The microphone, retrying every retry_s while there is none (a USB microphone may be plugged in later)."""
    from assistant.voice.audio import AudioError, MicSource, _sounddevice

    tried = 0
    while True:
        try:
            return MicSource(device)
        except AudioError as error:
            tried += 1
            if tried == 1:
                status.show("error", f"{error}; retrying every {retry_s:.0f} s (Ctrl-C to quit)")
            if attempts is not None and tried >= attempts:
                raise
        time.sleep(retry_s)
        sd = _sounddevice()
        # PortAudio lists devices once per initialisation: re-initialise to see one plugged in since.
        sd._terminate()
        sd._initialize()
