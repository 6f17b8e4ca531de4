"""Rooms: each area's own services during its turns (its player, where it plays) with the rest shared, and the
music sink that streams a room's player to its satellite, mixing a reply in."""

from __future__ import annotations

import asyncio
import time

import numpy as np
from wyoming.audio import AudioChunk

from assistant.config import Config
from assistant.pipeline import Assistant
from assistant.registry import Context, Registry, Reply, skill
from assistant.service.backend import Backend, Lane
from assistant.service.rooms import Room


@skill(examples=[("play something", "play_something()")])
def play_something(ctx: Context) -> Reply:
    """Start this room's player (a stand-in made with the room's sink factory) from the shared library."""
    player = ctx.services.setdefault("player", {"sink": ctx.services.get("player_sink_factory")})
    library = ctx.service("music_library", lambda: {"shared": True})
    return Reply("ok", {"player": player, "library": library})


def test_each_room_keeps_its_player_and_shares_the_rest(tmp_path):
    assistant = Assistant(Config(data_dir=str(tmp_path)), Registry([play_something]), trace=False)
    backend = Backend(assistant.config, assistant, stt=None, voices=None, lane=Lane())  # type: ignore[arg-type]
    kitchen, bedroom = Room("kitchen"), Room("bedroom")
    try:
        first = backend.ask("play something", "en", area=kitchen.services).reply.data
        second = backend.ask("play something", "en", area=bedroom.services).reply.data
        again = backend.ask("play something", "en", area=kitchen.services).reply.data
        assert first["player"]["sink"] == kitchen.sink_factory and second["player"]["sink"] == bedroom.sink_factory
        assert again["player"] is first["player"] and second["player"] is not first["player"]
        assert first["library"] is second["library"] is assistant.services["music_library"]
        assert "player" not in assistant.services  # the process's own services stay out of the rooms' business
    finally:
        backend.close()


def test_music_streams_to_the_room_and_a_reply_is_mixed_in():
    async def go() -> list[AudioChunk | str]:
        room = Room("kitchen")
        queue: asyncio.Queue = asyncio.Queue()
        room.attach(asyncio.get_running_loop(), queue)
        music = np.full((441, 2), 0.1, np.float32)

        def fill(block: np.ndarray) -> None:
            block[:] = music

        sink = room.sink_factory(fill, 44100, 2, 441)  # 10 ms blocks
        sink.start()
        await asyncio.sleep(0.1)
        seconds = await room.say(np.full(2205, 0.5, np.float32), 22050)  # 0.1 s of "speech", mixed in
        assert abs(seconds - 0.1) < 0.01
        await asyncio.sleep(0.3)
        sink.stop()
        await asyncio.sleep(0.05)
        events = []
        while not queue.empty():
            event = queue.get_nowait()
            events.append(AudioChunk.from_event(event) if AudioChunk.is_type(event.type) else event.type)
        return events

    started = time.monotonic()
    events = asyncio.run(go())
    assert events[0] == "audio-start" and events[-1] == "audio-stop"
    chunks = [e for e in events if isinstance(e, AudioChunk)]
    levels = [np.abs(np.frombuffer(c.audio, "<i2")).max() / 32767 for c in chunks]
    assert all(c.rate == 44100 and c.channels == 2 for c in chunks)
    assert min(levels) >= 0.09 and max(levels) >= 0.55  # music throughout, music + speech for a while
    assert 25 <= len(chunks) <= 60 and time.monotonic() - started < 3  # paced in real time (~0.45 s of audio)


def test_a_reply_in_pieces_is_one_stream_to_the_satellite():
    async def go() -> tuple[list[str], float]:
        room = Room("bedroom")
        queue: asyncio.Queue = asyncio.Queue()
        room.attach(asyncio.get_running_loop(), queue)
        speech = room.speech()
        for _ in range(3):  # three sentences, each sent as soon as it is synthesised
            speech.add(np.zeros(2205, np.float32), 22050)
        remaining = speech.close()
        await asyncio.sleep(0)
        kinds = []
        while not queue.empty():
            kinds.append(queue.get_nowait().type)
        return kinds, remaining

    kinds, remaining = asyncio.run(go())
    assert kinds[0] == "audio-start" and kinds[-1] == "audio-stop" and kinds.count("audio-start") == 1
    assert kinds.count("audio-chunk") == 9 and 0.2 < remaining <= 0.3  # 3 x 1024-sample chunks a piece; 0.3 s
