"""The Wyoming server with the real models, spoken to as Home Assistant speaks to it (wyoming's AsyncTcpClient), and
every kind of bad input: garbage, wrong audio formats, a chunk storm, a client that vanishes, two clients at once."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time

import pytest
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, Info
from wyoming.intent import Intent, NotRecognized, Recognize
from wyoming.ping import Ping
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop, SynthesizeVoice

from tests.audio_fixtures import audio  # noqa: F401
from tests.service.wyoming_fixtures import served, transcribe_events, transcript_of, wav_of  # noqa: F401

pytestmark = pytest.mark.model


def words(text: str) -> str:
    return " ".join(re.sub(r"[^\w ]", " ", text.lower()).split())


def still_serving(served) -> None:  # noqa: F811
    answers = served.ask(Describe().event(), until=("info",), timeout_s=10)
    assert answers and Info.is_type(answers[-1].type), "the server stopped answering"


def error_of(answers: list[Event]) -> Error:
    errors = [Error.from_event(e) for e in answers if Error.is_type(e.type)]
    assert errors, f"expected an error event, got {[e.type for e in answers]}"
    return errors[0]


# --- what Home Assistant does -----------------------------------------------------------------------------------------


def test_describe_offers_asr_tts_handle_and_intent_with_languages(served):  # noqa: F811
    info = Info.from_event(served.ask(Describe().event(), until=("info",))[-1])
    assert info.asr[0].installed and info.asr[0].models[0].languages == ["en"]  # tiny.en
    voices = {v.name: v.languages for v in info.tts[0].voices}
    assert voices["en_US-joe-medium"] == ["en"] and "de" in voices["espeak-ng-de"] and "da" in voices["espeak-ng-da"]
    assert info.tts[0].supports_synthesize_streaming
    assert set(info.handle[0].models[0].languages) >= {"en", "de", "fr", "da", "ja"}
    assert info.intent[0].installed and info.satellite is None  # a satellite section would make HA drive us as one


def test_transcribe_a_spoken_command_as_home_assistant_sends_it(served, audio):  # noqa: F811
    answers = served.ask(*transcribe_events(audio.spoken("what is twelve times seven")), until=("transcript",))
    transcript = Transcript.from_event(answers[-1])
    assert words(transcript.text) in ("what is 12 times 7", "what is twelve times seven")
    assert transcript.language == "en"


@pytest.mark.parametrize(("rate", "width", "channels"), [(44100, 2, 2), (48000, 4, 1), (22050, 3, 1)])
def test_other_rates_widths_and_channels_are_converted(served, audio, rate, width, channels):  # noqa: F811
    import numpy as np

    from assistant.voice.audio import read_wav, resample

    samples = resample(read_wav(audio.spoken("what is twelve times seven")), 16000, rate)
    ints = (np.clip(samples, -1, 1) * (2 ** (8 * width - 1) - 1)).astype("<i4")
    frames = np.frombuffer(ints.tobytes(), np.uint8).reshape(-1, 4)[:, :width]  # little-endian: the low bytes
    pcm = np.repeat(frames[:, None, :], channels, axis=1).tobytes()
    fmt = {"rate": rate, "width": width, "channels": channels}
    step = 4096 * width * channels
    events = [Event("transcribe", {"language": "en"}), AudioStart(**fmt).event()]
    events += [AudioChunk(**fmt, audio=pcm[i : i + step]).event() for i in range(0, len(pcm), step)]
    answers = served.ask(*events, AudioStop().event(), until=("transcript", "error"))
    assert words(transcript_of(answers)) in ("what is 12 times 7", "what is twelve times seven")


def test_silence_is_an_empty_transcript(served, audio):  # noqa: F811
    answers = served.ask(*transcribe_events(audio.silence_file(2.0)), until=("transcript",))
    assert transcript_of(answers) == "" and Transcript.is_type(answers[-1].type)


def test_synthesize_gives_audio_that_says_the_text(served):  # noqa: F811
    answers = served.ask(Synthesize(text="What is twelve times seven?").event(), until=("audio-stop",))
    assert [answers[0].type, answers[-1].type] == ["audio-start", "audio-stop"]
    rate, wav = wav_of(answers)
    assert rate == 22050 and len(wav) > 22050  # more than half a second of 16-bit audio
    # Heard back through the server's own speech to text, in Home Assistant's 16 kHz.
    import soundfile

    samples, file_rate = soundfile.read(__import__("io").BytesIO(wav), dtype="float32")
    from assistant.service.wire import pcm16
    from assistant.voice.audio import resample

    pcm = pcm16(resample(samples, file_rate, 16000))
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    back = served.ask(
        Event("transcribe", {}),
        AudioStart(**fmt).event(),
        AudioChunk(**fmt, audio=pcm).event(),
        AudioStop().event(),
        until=("transcript",),
    )
    assert words(transcript_of(back)) in ("what is 12 times 7", "what is twelve times seven")


def test_a_voice_is_chosen_by_name_or_language(served):  # noqa: F811
    german = served.ask(
        Synthesize(text="Hallo.", voice=SynthesizeVoice(name="espeak-ng-de")).event(), until=("audio-stop",)
    )
    by_language = served.ask(
        Event("synthesize", {"text": "Hallo.", "voice": {"language": "de"}}), until=("audio-stop",)
    )
    assert wav_of(german)[1] == wav_of(by_language)[1]  # the same espeak-ng German voice


def test_streamed_synthesis_is_spoken_once_and_ends_with_synthesize_stopped(served):  # noqa: F811
    whole = "It is sunny in Boston today. Tomorrow it will rain."
    single = served.ask(Synthesize(text=whole).event(), until=("audio-stop",))
    # Home Assistant's streaming order: start, text chunks, the whole text again for old servers, stop.
    parts = ["It is sunny ", "in Boston today. Tomor", "row it will rain."]
    streamed = served.ask(
        SynthesizeStart().event(),
        *[SynthesizeChunk(text=p).event() for p in parts],
        Synthesize(text=whole).event(),
        SynthesizeStop().event(),
        until=("synthesize-stopped",),
    )
    kinds = [e.type for e in streamed]
    assert kinds[0] == "audio-start" and kinds[-2:] == ["audio-stop", "synthesize-stopped"]
    assert kinds.count("audio-start") == 1
    seconds = len(wav_of(streamed)[1]) / 44100
    assert seconds == pytest.approx(len(wav_of(single)[1]) / 44100, rel=0.25)  # once, not twice


def test_a_transcript_is_handled_with_the_skills_spoken_answer(served):  # noqa: F811
    answers = served.ask(
        Transcript(text="what is twelve times seven", language="en", context={"conversation_id": "c1"}).event(),
        until=("handled", "not-handled"),
    )
    handled = Handled.from_event(answers[-1])
    assert handled.text == "12 times 7 is 84."
    assert handled.context == {
        "conversation_id": "c1",
        "call": 'calculate(expression="12*7")',
        "skill": "calculate",
        "path": "fast",
    }


def test_a_request_for_nothing_known_is_not_handled_with_a_sentence(served):  # noqa: F811
    answers = served.ask(Transcript(text="tell me a joke about penguins").event(), until=("handled", "not-handled"))
    assert NotHandled.is_type(answers[-1].type)
    assert NotHandled.from_event(answers[-1]).text == "Sorry, I can't help with that yet."


def test_never_mind_is_handled_with_okay_and_recognized_as_nothing(served):  # noqa: F811
    answers = served.ask(Transcript(text="Never mind.").event(), until=("handled", "not-handled"))
    assert Handled.is_type(answers[-1].type) and Handled.from_event(answers[-1]).text == "Okay."
    nothing = served.ask(Recognize(text="never mind").event(), until=("intent", "not-recognized"))
    assert NotRecognized.from_event(nothing[-1]).text == "Okay."


def test_the_reply_follows_the_transcripts_language(served):  # noqa: F811
    answers = served.ask(Transcript(text="zwölf mal sieben", language="de").event(), until=("handled",))
    assert Handled.from_event(answers[-1]).text == "12 mal 7 ist 84."


def test_recognize_gives_the_call_as_an_intent_without_running_it(served):  # noqa: F811
    answers = served.ask(Recognize(text="what is twelve times seven").event(), until=("intent", "not-recognized"))
    intent = Intent.from_event(answers[-1])
    assert intent.name == "calculate" and [(e.name, e.value) for e in intent.entities] == [("expression", "12*7")]
    assert intent.context is not None and intent.context["call"] == 'calculate(expression="12*7")'
    nothing = served.ask(Recognize(text="tell me a joke").event(), until=("intent", "not-recognized"))
    assert NotRecognized.is_type(nothing[-1].type)


def test_ping_is_answered_and_unknown_events_are_ignored(served):  # noqa: F811
    answers = served.ask(Event("something-new", {"x": 1}), Ping(text="hi").event(), until=("pong",))
    assert answers[-1].data == {"text": "hi"}


# --- bad input ------------------------------------------------------------------------------------------


def raw_exchange(served, raw: bytes, *, close_after_send: bool = False) -> tuple[bytes, bool]:  # noqa: F811
    """Send raw bytes; everything the server says, and whether it closed the connection (within 10 s)."""
    with socket.create_connection((served.host, served.port), timeout=10) as sock:
        sock.sendall(raw)
        received = b""
        while not close_after_send:
            try:
                piece = sock.recv(65536)
            except TimeoutError:
                return received, False
            if not piece:
                return received, True
            received += piece
    return received, False


def errors_in(raw: bytes) -> list[dict]:
    events = []
    for line in raw.split(b"\n"):
        if line.startswith(b"{"):
            header = json.loads(line)
            if header["type"] == "error":
                events.append(header)
    return events


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\x01\xff\xfe\x80 not an event at all\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        b'["type", "describe"]\n',
        b'{"type": "audio-chunk", "payload_length": 5000000000}\n',
        b"{" + b"a" * 100_000 + b"\n",
    ],
)
def test_garbage_gets_an_error_event_and_a_closed_connection(served, raw):  # noqa: F811
    received, closed = raw_exchange(served, raw)
    assert closed  # by the server, at once: not left hanging
    header = json.loads(received.split(b"\n")[0])
    assert header["type"] == "error" and header["data_length"] > 0
    still_serving(served)


def test_a_malformed_known_event_is_named(served):  # noqa: F811
    answers = served.ask(Event("transcript", {"text": 42}), until=("error",))
    assert error_of(answers).code == "bad-event" and "'text' must be a string" in error_of(answers).text
    answers = served.ask(Event("recognize", {}), until=("error",))
    assert error_of(answers).code == "bad-event"
    answers = served.ask(Event("audio-stop", {}), until=("error",))
    assert "audio-stop without audio-start" in error_of(answers).text


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ({"rate": 16000, "width": 5, "channels": 1}, "width 5 bytes is not supported"),
        ({"rate": 0, "width": 2, "channels": 1}, "rate 0 Hz"),
        ({"rate": 16000, "width": 2, "channels": 64}, "64 channels"),
    ],
)
def test_audio_in_an_unusable_format_gets_a_clear_error(served, fmt, message):  # noqa: F811
    answers = served.ask(Event("transcribe", {}), AudioStart(**fmt).event(), until=("error",))
    error = error_of(answers)
    assert error.code == "audio-format" and message in error.text
    changed = served.ask(
        Event("transcribe", {}),
        AudioStart(rate=16000, width=2, channels=1).event(),
        AudioChunk(rate=22050, width=2, channels=1, audio=b"\x00\x00" * 100).event(),
        until=("error",),
    )
    assert "changed in the middle of a stream" in error_of(changed).text
    still_serving(served)


def test_a_chunk_storm_is_capped_then_refused(served):  # noqa: F811
    fmt = {"rate": 4000, "width": 1, "channels": 1}
    # Many tiny chunks: 40 s of audio in 10,000 events; the first 30 s are kept and transcribed (silence: "").
    tiny = [AudioChunk(**fmt, audio=b"\x80" * 16).event() for _ in range(10_000)]
    started = time.perf_counter()
    answers = served.ask(
        Event("transcribe", {}), AudioStart(**fmt).event(), *tiny, AudioStop().event(), until=("transcript", "error")
    )
    assert transcript_of(answers) == "" and Transcript.is_type(answers[-1].type)
    assert time.perf_counter() - started < 30
    # A flood: more than five minutes of audio in one request is refused and the connection closed.
    big = AudioChunk(**fmt, audio=b"\x80" * 400_000).event()  # 100 s each
    answers = served.ask(
        Event("transcribe", {}), AudioStart(**fmt).event(), *[big] * 4, AudioStop().event(), until=("transcript",)
    )
    assert error_of(answers).code == "too-big" and not any(Transcript.is_type(e.type) for e in answers)
    still_serving(served)


def test_a_client_that_vanishes_mid_stream_or_mid_answer_leaves_the_server_running(served, audio):  # noqa: F811
    from wyoming.event import async_write_event  # noqa: F401

    events = transcribe_events(audio.spoken("what is twelve times seven"))

    async def vanish(count: int) -> None:
        async with served.client() as client:
            for event in events[:count]:
                await client.write_event(event)
        # leaving the block closes the socket: mid-stream (count < all) or while the answer is computed (all)

    asyncio.run(vanish(len(events) // 2))
    asyncio.run(vanish(len(events)))
    # Half an event: the header promises a payload that never comes.
    raw_exchange(
        served,
        b'{"type": "audio-chunk", "data": {"rate": 16000, "width": 2, "channels": 1}, "payload_length": 4000}\n'
        + b"\x00" * 100,
        close_after_send=True,
    )
    still_serving(served)
    answers = served.ask(*events, until=("transcript",))
    assert "12" in transcript_of(answers) or "twelve" in transcript_of(answers).lower()


def test_a_second_client_during_a_turn_is_queued_not_lost(served, audio):  # noqa: F811
    speech = transcribe_events(audio.spoken("what is twelve times seven"))

    async def both() -> list[list[Event]]:
        return await asyncio.gather(
            served.exchange(speech, ("transcript", "error")),
            served.exchange([Transcript(text="what is three plus four").event()], ("handled", "error")),
            served.exchange([Synthesize(text="Hello there.").event()], ("audio-stop", "error")),
        )

    heard, handled, spoken = asyncio.run(both())
    assert "12" in transcript_of(heard) or "twelve" in transcript_of(heard).lower()
    assert Handled.from_event(handled[-1]).text == "3 plus 4 is 7."
    assert AudioStop.is_type(spoken[-1].type) and len(wav_of(spoken)[1]) > 10_000


def test_a_whisper_model_that_cannot_load_is_an_error_per_request_not_a_dead_server(tmp_path, audio):  # noqa: F811
    from assistant.config import Config, SttConfig
    from tests.service.wyoming_fixtures import serving

    config = Config(data_dir=str(tmp_path), stt=SttConfig(model=str(tmp_path / "no-such-model")))
    with serving(config) as broken:
        answers = broken.ask(*transcribe_events(audio.spoken("what is twelve times seven")), until=("error",))
        error = error_of(answers)
        assert error.code == "model" and "no-such-model" in error.text
        # Everything that does not need Whisper still works.
        handled = broken.ask(Transcript(text="what is twelve times seven").event(), until=("handled",))
        assert Handled.from_event(handled[-1]).text == "12 times 7 is 84."


def test_too_many_connections_at_once_are_told_the_server_is_busy(served):  # noqa: F811
    from assistant.service.wyoming_server import MAX_CONNECTIONS

    idle = [socket.create_connection((served.host, served.port), timeout=10) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.5)  # the server has accepted them all
        received, closed = raw_exchange(served, b"")
        assert closed and json.loads(received.split(b"\n")[0])["type"] == "error"
        assert b"busy" in received
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.5)
    still_serving(served)
