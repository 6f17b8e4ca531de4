"""A real Wyoming server for tests: the assistant's Backend (Whisper, Piper, the skills; no LLM) on 127.0.0.1, its
event loop on a thread, and a client that talks to it as Home Assistant does (wyoming's AsyncTcpClient).

    from tests.service.wyoming_fixtures import served  # noqa: F401  (the fixture)
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import threading
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event

from assistant.config import Config
from assistant.voice.audio import read_wav


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running server: where it is, and its backend (for assertions on traces and the lane)."""

    host: str
    port: int
    backend: Any

    def client(self, read_timeout_s: float = 60.0) -> AsyncTcpClient:
        """A new client connection (use with `async with`)."""
        return AsyncTcpClient(self.host, self.port, connect_timeout=5, read_timeout=read_timeout_s)

    def ask(self, *events: Event, until: tuple[str, ...] = (), timeout_s: float = 60.0) -> list[Event]:
        """Send events on a new connection; the answers until one of type `until` or the connection closes."""
        return asyncio.run(self.exchange(list(events), until, timeout_s))

    async def exchange(self, events: list[Event], until: tuple[str, ...], timeout_s: float = 60.0) -> list[Event]:
        """ask(), for tests that run several clients at once."""
        answers: list[Event] = []
        try:
            async with self.client(timeout_s) as client:
                for event in events:
                    await client.write_event(event)
                while True:
                    event = await client.read_event()
                    if event is None:
                        return answers
                    answers.append(event)
                    if event.type in until:
                        return answers
        except ConnectionResetError:
            # A server that refuses a request and closes with the client's audio unread makes the kernel reset the
            # connection: after its answer (then the reset only ends the close), or before the answer was read
            # (then answers lacks it and the test's assertions say so).
            return answers


def transcribe_events(path: Path, language: str = "en", *, rate: int = 16000, chunk_samples: int = 1024) -> list[Event]:
    """What Home Assistant's STT entity sends for a recording: Transcribe, AudioStart, 16-bit chunks, AudioStop."""
    from assistant.service.wire import pcm16
    from assistant.voice.audio import resample

    samples = resample(read_wav(path), 16000, rate)
    pcm = pcm16(samples)
    step = chunk_samples * 2
    chunks = [
        AudioChunk(rate=rate, width=2, channels=1, audio=pcm[i : i + step]).event() for i in range(0, len(pcm), step)
    ]
    start = AudioStart(rate=rate, width=2, channels=1).event()
    return [Transcribe(language=language).event(), start, *chunks, AudioStop().event()]


def wav_of(events: list[Event]) -> tuple[int, bytes]:
    """(rate, WAV bytes) from audio events, as Home Assistant's TTS entity assembles them."""
    chunks = [AudioChunk.from_event(e) for e in events if AudioChunk.is_type(e.type)]
    if not chunks:
        return 0, b""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setframerate(chunks[0].rate)
        writer.setsampwidth(chunks[0].width)
        writer.setnchannels(chunks[0].channels)
        for chunk in chunks:
            writer.writeframes(chunk.audio)
    return chunks[0].rate, buffer.getvalue()


def transcript_of(answers: list[Event]) -> str:
    """The text of the Transcript among answers ("" when there is none)."""
    return next((Transcript.from_event(e).text for e in answers if Transcript.is_type(e.type)), "")


@contextlib.contextmanager
def serving(config: Config) -> Iterator[Served]:
    """A server for config on a free port, its event loop on a thread; stopped on leaving."""
    from assistant.service.backend import Backend
    from assistant.service.info import service_info
    from assistant.service.wyoming_server import start_server

    backend = Backend.load(config, llm=False, max_waiting=8)
    backend.warm_up()
    loop = asyncio.new_event_loop()
    port = free_port()
    started = threading.Event()
    holder: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            holder["server"] = await start_server(
                f"tcp://127.0.0.1:{port}", backend, service_info(config, backend.voices.voices)
            )
            started.set()

        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name="wyoming-test-server", daemon=True)
    thread.start()
    assert started.wait(30), "the server did not start"
    try:
        yield Served("127.0.0.1", port, backend)
    finally:
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(holder["server"].stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        backend.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server per test module (loading Whisper and Piper once), stopped at the end."""
    with serving(Config(data_dir=str(tmp_path_factory.mktemp("wyoming-data")))) as server:
        yield server
