"""`assistant serve`: the assistant as a Wyoming server, one connection at a time per client, every model job on the
backend's lane (off the event loop, in arrival order).

Per connection, what Home Assistant's Wyoming integration sends:
- Describe → Info (asr, tts, handle, intent; see info.py)
- Transcribe, AudioStart, AudioChunk…, AudioStop → Transcript (speech to text)
- Synthesize → AudioStart, AudioChunk…, AudioStop; or SynthesizeStart, SynthesizeChunk…, [Synthesize], SynthesizeStop
  → the same audio, then SynthesizeStopped (text to speech, streamed sentence by sentence)
- Transcript → Handled / NotHandled (conversation agent: the skill's spoken answer)
- Recognize → Intent / NotRecognized (the call, executing nothing)
- Ping → Pong; anything else is ignored, as the protocol asks.

Whatever goes wrong with a request is answered with an Error event (text for people, a code for programs) and the
connection is closed: Home Assistant's STT and TTS readers wait for their answer and ignore Error events, but see a
closed connection at once. Garbage, oversized events, unusable audio formats, a flood of audio and a client that
vanishes end that connection only; the server and the other connections go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.intent import Recognize
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeStopped

from assistant.errors import AssistantError, ModelError
from assistant.service.asr import AudioStream, StreamTooLong
from assistant.service.backend import Backend, Busy
from assistant.service.handle import handled_event, intent_event
from assistant.service.tts import OUTPUT_RATE_HZ, TextStream
from assistant.service.wire import AudioFormatError, BadEvent, audio_chunks, read_event
from assistant.voice.tts import sentences

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2000
"""Longest Transcript or Recognize text (a request, not a document: the LLM prompt has room for ~2,000 tokens)."""
MAX_SPEECH_CHARS = 8000
"""Longest text to synthesise in one request (a news reading is ~600)."""
DRAIN_S = 1.0
"""After refusing a request, how long the client's remaining data is read and dropped before closing."""
MAX_CONNECTIONS = 32
"""Open connections at once (Home Assistant opens one per request); one more is told the server is busy."""


def _text(data: dict[str, Any], limit: int) -> str:
    """The event's "text", checked: a string within limit characters."""
    text = data.get("text")
    if not isinstance(text, str):
        raise BadEvent("bad-event", f"'text' must be a string, not {type(text).__name__}")
    if len(text) > limit:
        raise BadEvent("too-big", f"text of {len(text)} characters is over the limit of {limit}")
    return text


def _voice(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """(name, language) from a Synthesize event's "voice" (either may be None)."""
    voice = data.get("voice") or {}
    if not isinstance(voice, dict):
        return None, None
    name, language = voice.get("name"), voice.get("language")
    return (name if isinstance(name, str) else None), (language if isinstance(language, str) else None)


class AssistantHandler(AsyncEventHandler):
    """One client connection: requests answered in order, each through the backend."""

    open_connections = 0
    """Connections being served now (all handlers of this process)."""

    def __init__(
        self, backend: Backend, info: Info, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        super().__init__(reader, writer)
        self.backend = backend
        self.info_event = info.event()
        self.audio: AudioStream | None = None
        self.text_stream: TextStream | None = None
        self.peer = str(writer.get_extra_info("peername"))

    async def run(self) -> None:
        """Read events with caps (wire.read_event) until the client leaves or a request fails; never raises."""
        AssistantHandler.open_connections += 1
        try:
            if AssistantHandler.open_connections > MAX_CONNECTIONS:
                await self.fail(f"more than {MAX_CONNECTIONS} connections are open; try again in a moment", "busy")
                return
            while True:
                try:
                    event = await read_event(self.reader)
                except BadEvent as bad:
                    await self.fail(bad.text, bad.code)
                    break
                if event is None:
                    break
                if not await self.handle_event(event):
                    break
        except (ConnectionError, OSError) as error:  # the client vanished while we were answering
            log.info("wyoming %s: connection lost (%s)", self.peer, error)
        except Exception:  # a bug must end this connection, not the server
            log.exception("wyoming %s: request failed", self.peer)
        finally:
            AssistantHandler.open_connections -= 1
            self.writer.close()

    async def fail(self, text: str, code: str) -> bool:
        """Send an Error event (if the client is still there); False closes the connection."""
        log.warning("wyoming %s: %s (%s)", self.peer, text, code)
        with contextlib.suppress(ConnectionError, OSError):  # the client may be gone already
            await self.write_event(Error(text=text, code=code).event())
            await self._drain_before_close()
        return False

    async def _drain_before_close(self) -> None:
        """Say we are done writing and read (and drop) what the client still sends, briefly: closing with its data
        unread makes the kernel reset the connection, and a client may then lose the Error event just sent."""
        if self.writer.can_write_eof():
            self.writer.write_eof()
        deadline = asyncio.get_running_loop().time() + DRAIN_S
        with contextlib.suppress(asyncio.TimeoutError):
            while await asyncio.wait_for(self.reader.read(1 << 16), deadline - asyncio.get_running_loop().time()):
                pass

    async def handle_event(self, event: Event) -> bool:
        """Answer one event; False ends the connection."""
        try:
            return await self._dispatch(event)
        except BadEvent as bad:
            return await self.fail(bad.text, bad.code)
        except (KeyError, TypeError, ValueError) as error:  # a known event type with missing or mistyped fields
            return await self.fail(f"malformed {event.type} event ({type(error).__name__}: {error})", "bad-event")
        except AudioFormatError as error:
            return await self.fail(str(error), "audio-format")
        except StreamTooLong as error:
            return await self.fail(str(error), "too-big")
        except Busy as error:
            return await self.fail(f"the assistant is busy: {error}; try again in a moment", "busy")
        except ModelError as error:
            return await self.fail(str(error), "model")
        except AssistantError as error:
            return await self.fail(str(error), "error")

    async def _dispatch(self, event: Event) -> bool:
        kind, data = event.type, event.data
        if Describe.is_type(kind):
            await self.write_event(self.info_event)
        elif Ping.is_type(kind):
            await self.write_event(Pong(text=Ping.from_event(event).text).event())
        elif Transcribe.is_type(kind):
            language = data.get("language")
            self.audio = AudioStream(language=language if isinstance(language, str) else None)
        elif AudioStart.is_type(kind):
            self.audio = self.audio or AudioStream()
            self.audio.start(data)
        elif AudioChunk.is_type(kind):
            self.audio = self.audio or AudioStream()
            self.audio.add(data, event.payload)
        elif AudioStop.is_type(kind):
            await self.transcribe()
        elif Transcript.is_type(kind):
            await self.answer(_text(data, MAX_TEXT_CHARS), data)
        elif Recognize.is_type(kind):
            await self.recognize(_text(data, MAX_TEXT_CHARS), data)
        elif SynthesizeStart.is_type(kind):
            name, language = _voice(data)
            self.text_stream = TextStream(name, language)
        elif SynthesizeChunk.is_type(kind) and self.text_stream is not None:
            stream = self.text_stream
            if stream.total_chars + len(_text(data, MAX_SPEECH_CHARS)) > MAX_SPEECH_CHARS:
                raise BadEvent("too-big", f"more than {MAX_SPEECH_CHARS} characters to synthesise")
            await self.speak(stream.feed(data["text"]), stream)
        elif SynthesizeStop.is_type(kind) and self.text_stream is not None:
            stream, self.text_stream = self.text_stream, None
            await self.speak(stream.finish(), stream)
            if stream.sent_start:
                await self.write_event(AudioStop(timestamp=stream.timestamps_ms[0]).event())
            await self.write_event(SynthesizeStopped().event())
        elif Synthesize.is_type(kind) and self.text_stream is None:
            # Inside a stream, Home Assistant repeats the whole text as Synthesize for older servers: ignored then.
            name, language = _voice(data)
            stream = TextStream(name, language)
            await self.speak(sentences(_text(data, MAX_SPEECH_CHARS)), stream)
            if not stream.sent_start:  # nothing to say (empty text): still a well-formed, empty answer
                await self.write_event(AudioStart(rate=OUTPUT_RATE_HZ, width=2, channels=1, timestamp=0).event())
            await self.write_event(AudioStop(timestamp=stream.timestamps_ms[0]).event())
        else:
            log.debug("wyoming %s: ignoring %s", self.peer, kind)
        return True

    async def transcribe(self) -> None:
        """AudioStop: the stream's audio through the VAD and Whisper → Transcript."""
        stream, self.audio = self.audio, None
        if stream is None:
            raise BadEvent("bad-event", "audio-stop without audio-start")
        if stream.dropped_s:
            log.warning("wyoming %s: kept the first %.0f s of %.1f s", self.peer, stream.max_audio_s, stream.received_s)
        audio = await self.backend.lane.run(stream.audio)
        heard = await self.backend.lane.run(self.backend.transcribe, audio, stream.language)
        log.info("wyoming %s: heard %r (%.0f ms)", self.peer, heard.text, heard.timings_ms.get("stt_ms", 0.0))
        await self.write_event(Transcript(text=heard.text, language=heard.language).event())

    async def answer(self, text: str, data: dict[str, Any]) -> None:
        """Transcript → the turn (route, skill, trace) → Handled or NotHandled."""
        language = self.backend.language(data.get("language"))
        turn = await self.backend.lane.run(self.backend.ask, text, language)
        log.info("wyoming %s: %r -> %s -> %r", self.peer, text, turn.route.call, turn.reply.text)
        await self.write_event(handled_event(turn, _context(data)))

    async def recognize(self, text: str, data: dict[str, Any]) -> None:
        """Recognize → the call as an Intent (or NotRecognized), nothing executed."""
        language = self.backend.language(data.get("language"))
        route = await self.backend.lane.run(self.backend.route, text)
        await self.write_event(intent_event(route, language, _context(data)))

    async def speak(self, pieces: list[str], stream: TextStream) -> None:
        """Synthesise sentences one lane job each (other clients' jobs may run between them) and send the audio."""
        for sentence in pieces:
            audio = await self.backend.lane.run(self.backend.voices.synthesize, sentence, stream.voice, stream.language)
            if not stream.sent_start:
                await self.write_event(AudioStart(rate=OUTPUT_RATE_HZ, width=2, channels=1, timestamp=0).event())
                stream.sent_start = True
            for chunk in audio_chunks(audio, OUTPUT_RATE_HZ, timestamp_ms=stream.timestamps_ms[0]):
                await self.write_event(chunk)
            stream.timestamps_ms[0] += len(audio) * 1000 // OUTPUT_RATE_HZ


def _context(data: dict[str, Any]) -> dict[str, Any] | None:
    context = data.get("context")
    return context if isinstance(context, dict) else None


def handler_factory(backend: Backend, info: Info) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
    """What wyoming's AsyncServer calls for each new connection."""
    return lambda reader, writer: AssistantHandler(backend, info, reader, writer)


async def start_server(uri: str, backend: Backend, info: Info) -> AsyncServer:
    """Listen on uri (tcp://HOST:PORT or unix://PATH) and return the running server."""
    server = AsyncServer.from_uri(uri)
    await server.start(handler_factory(backend, info))
    return server
