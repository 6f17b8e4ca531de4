"""The wire: bounded event reading (garbage, oversized parts, a peer that closes mid-event) and PCM conversion."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from wyoming.audio import AudioChunk
from wyoming.event import Event

from assistant.service.asr import AudioStream, StreamTooLong
from assistant.service.wire import (
    AudioFormatError,
    BadEvent,
    PcmFormat,
    audio_events,
    pcm16,
    pcm_format,
    pcm_to_float,
    read_event,
)


def read(raw: bytes, **limits: int) -> Event | None:
    async def go() -> Event | None:
        reader = asyncio.StreamReader(limit=64 * 1024)
        reader.feed_data(raw)
        reader.feed_eof()
        return await read_event(reader, **limits)

    return asyncio.run(go())


def wire(event: Event) -> bytes:
    header = {"type": event.type, "data": {}, "version": "1.5.0"}
    data = json.dumps(event.data).encode()
    header["data_length"] = len(data)
    if event.payload:
        header["payload_length"] = len(event.payload)
    return json.dumps(header).encode() + b"\n" + data + (event.payload or b"")


def test_a_real_event_round_trips_with_data_and_payload():
    chunk = AudioChunk(rate=16000, width=2, channels=1, audio=b"\x01\x00" * 100).event()
    event = read(wire(chunk))
    assert event is not None and event.type == "audio-chunk" and event.data["rate"] == 16000
    assert event.payload == chunk.payload


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\x00\xff\xfe garbage \x80\n", "not-json"),
        (b"not json at all\n", "not-json"),
        (b"[1, 2, 3]\n", "bad-event"),
        (b'{"data": {}}\n', "bad-event"),
        (b'{"type": 5}\n', "bad-event"),
        (b'{"type": "x", "data": [1]}\n', "bad-event"),
        (b'{"type": "x", "payload_length": -4}\n', "bad-event"),
        (b'{"type": "x", "payload_length": "many"}\n', "bad-event"),
        (b'{"type": "audio-chunk", "payload_length": 2000000000}\n', "too-big"),
        (b'{"type": "x", "data_length": 3}\n[1]', "bad-event"),
        (b'{"type": "x", "data_length": 4}\nnope', "not-json"),
        (b"x" * 70000 + b"\n", "too-big"),
    ],
)
def test_garbage_is_refused_with_a_code(raw, code):
    with pytest.raises(BadEvent) as caught:
        read(raw)
    assert caught.value.code == code and caught.value.text


def test_a_peer_closing_mid_event_is_the_end_not_an_error():
    assert read(b"") is None
    assert read(b'{"type": "audio-chunk"') is None  # no newline: cut off
    assert read(b'{"type": "audio-chunk", "payload_length": 100}\n' + b"\x00" * 10) is None


def test_limits_are_the_callers():
    with pytest.raises(BadEvent, match="payload_length 10 is over the limit of 4"):
        read(b'{"type": "x", "payload_length": 10}\n' + b"\x00" * 10, max_payload_bytes=4)


def test_pcm_formats_convert_to_the_same_mono_float():
    tone = (0.5 * np.sin(np.arange(1600) / 5)).astype(np.float32)
    as16 = pcm_to_float(pcm16(tone), PcmFormat(16000, 2, 1))
    assert np.allclose(as16, tone, atol=1e-4)
    stereo = np.repeat((tone * 32767).astype("<i2")[:, None], 2, axis=1).tobytes()
    assert np.allclose(pcm_to_float(stereo, PcmFormat(16000, 2, 2)), tone, atol=1e-4)
    eight = np.clip(tone * 128 + 128, 0, 255).astype(np.uint8).tobytes()
    assert np.allclose(pcm_to_float(eight, PcmFormat(16000, 1, 1)), tone, atol=1e-2)
    as24 = (tone * (1 << 23)).astype("<i4")
    triples = np.frombuffer(as24.tobytes(), np.uint8).reshape(-1, 4)[:, :3].tobytes()
    assert np.allclose(pcm_to_float(triples, PcmFormat(16000, 3, 1)), tone, atol=1e-5)
    as32 = (tone * (1 << 31)).astype("<i4").tobytes()
    assert np.allclose(pcm_to_float(as32, PcmFormat(16000, 4, 1)), tone, atol=1e-5)
    assert len(pcm_to_float(b"\x00\x01\x02", PcmFormat(16000, 2, 1))) == 1  # a trailing half sample is dropped


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rate": 16000, "width": 5, "channels": 1}, "width 5 bytes"),
        ({"rate": 0, "width": 2, "channels": 1}, "rate 0 Hz"),
        ({"rate": 16000, "width": 2, "channels": 40}, "40 channels"),
        ({"rate": "16000", "width": 2, "channels": 1}, "whole-number"),
        ({"width": 2, "channels": 1}, "whole-number"),
    ],
)
def test_unusable_formats_get_a_sentence(data, message):
    with pytest.raises(AudioFormatError, match=message):
        pcm_format(data)


def test_an_audio_stream_keeps_its_cap_and_refuses_a_flood():
    stream = AudioStream(max_audio_s=1.0, max_stream_s=3.0)
    fmt = {"rate": 4000, "width": 1, "channels": 1}
    stream.start(fmt)
    for _ in range(5):
        stream.add(fmt, b"\x80" * 2000)  # 0.5 s each
    assert stream.kept_bytes == 4000 and stream.dropped_s == pytest.approx(1.5)
    assert len(stream.audio()) == 16000  # 1 s, resampled to 16 kHz
    with pytest.raises(StreamTooLong):
        for _ in range(4):
            stream.add(fmt, b"\x80" * 2000)
    with pytest.raises(AudioFormatError, match="changed in the middle"):
        stream.add({"rate": 8000, "width": 1, "channels": 1}, b"\x80")


def test_reply_audio_is_framed_as_start_chunks_stop():
    events = audio_events(np.zeros(2500, np.float32), 22050)
    assert [e.type for e in events] == ["audio-start"] + ["audio-chunk"] * 3 + ["audio-stop"]
    assert sum(len(e.payload or b"") for e in events) == 5000


def test_a_stream_keeps_at_most_a_fixed_number_of_bytes_whatever_the_format():
    from assistant.service.asr import MAX_KEPT_BYTES

    stream = AudioStream()
    fmt = {"rate": 192000, "width": 4, "channels": 8}  # 6 MB a second
    stream.start(fmt)
    for _ in range(3):
        stream.add(fmt, bytes(6_144_000))
    assert stream.kept_bytes == MAX_KEPT_BYTES and stream.received_s == 3.0
