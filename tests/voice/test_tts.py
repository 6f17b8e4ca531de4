"""Spoken replies: sentence streaming, engine choice and fallbacks, ducking, interruption, text without a speaker."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from assistant.config import Config, TtsConfig
from assistant.voice.stt import transcribe_file
from assistant.voice.tts import EspeakEngine, PiperEngine, Speaker, WavSink, choose_engine, sentences
from skills.music.player import Player
from tests.audio_fixtures import needs_espeak, whisper  # noqa: F401


class TimedSink(WavSink):
    """A WavSink that notes when each chunk arrives, what the player's duck state was, and can play in real time."""

    def __init__(self, services=None, realtime=False):
        super().__init__()
        self.arrivals: list[float] = []
        self.ducked: list[bool] = []
        self.services = services or {}
        self.realtime = realtime

    def play(self, audio, rate_hz, stop):
        self.arrivals.append(time.perf_counter())
        player = self.services.get("player")
        self.ducked.append(bool(player and player.ducked))
        super().play(audio, rate_hz, stop)
        if self.realtime:
            end = time.perf_counter() + len(audio) / rate_hz
            while time.perf_counter() < end and not stop.is_set():
                time.sleep(0.01)


def test_sentences_split_after_punctuation_and_keep_short_bits_together():
    assert sentences("It is sunny. Tomorrow rain!  Then? ok.") == ["It is sunny.", "Tomorrow rain! Then? ok."]
    assert sentences("12 times 7 is 84.") == ["12 times 7 is 84."]
    assert sentences("   ") == []
    # Japanese and Chinese end sentences with 。！？ and no space.
    assert sentences("東京は晴れです。明日は雨が降るでしょう。") == ["東京は晴れです。", "明日は雨が降るでしょう。"]
    assert sentences("北京明天有小雨，最高气温十二度。好的。") == ["北京明天有小雨，最高气温十二度。好的。"]
    # A long first sentence is cut at a comma so the first audio comes sooner.
    long_first = "Here are the sports headlines from the BBC, as of this morning. The home team won."
    first, *rest = sentences(long_first)
    assert first == "Here are the sports headlines from the BBC,"
    assert rest == ["as of this morning.", "The home team won."]


@needs_espeak
def test_espeak_speaks_and_knows_its_languages():
    engine = EspeakEngine()
    audio_out, rate = engine.synthesize("hello there", "en")
    assert rate == 22050 and len(audio_out) > rate // 4
    assert engine.supports("de") and not engine.supports("xx")


def test_engine_choice_falls_back_piper_to_espeak_to_text():
    assert isinstance(choose_engine(Config(), "en"), PiperEngine)
    # The bundled voice is English: German goes to espeak-ng, a language nobody speaks to text.
    assert isinstance(choose_engine(Config(), "de"), EspeakEngine)
    assert choose_engine(Config(), "xx") is None
    missing_voice = Config(tts=TtsConfig(engine="piper", voice="/nonexistent/voice.onnx"))
    assert isinstance(choose_engine(missing_voice, "en"), EspeakEngine)
    assert choose_engine(Config(tts=TtsConfig(engine="text")), "en") is None


def test_no_speaker_prints_the_reply(capsys):
    speaker = Speaker(Config(tts=TtsConfig(engine="text")))
    spoken = speaker.speak("It is sunny in Boston.")
    assert spoken.engine == "text"
    assert "It is sunny in Boston." in capsys.readouterr().out


@needs_espeak
def test_each_sentence_is_played_as_soon_as_it_is_ready():
    sink = TimedSink()
    config = Config(tts=TtsConfig(engine="espeak"))
    text = "The first sentence is short. The second one is a good deal longer than the first. And a third."
    started = time.perf_counter()
    spoken = Speaker(config, sink=sink).speak(text)
    assert spoken.engine == "espeak"
    assert len(sink.arrivals) == 3
    # First audio comes before the whole reply was synthesised.
    assert spoken.first_audio_ms < (sink.arrivals[-1] - started) * 1000
    assert spoken.first_audio_ms > 0 and not spoken.interrupted


@needs_espeak
def test_music_is_ducked_while_speaking_and_restored_after():
    player = Player("null")
    try:
        services = {"player": player}
        sink = TimedSink(services)
        Speaker(Config(tts=TtsConfig(engine="espeak", duck_music_to=0.3)), services, sink=sink).speak("One. Two three.")
        assert sink.ducked and all(sink.ducked)
        assert not player.ducked
    finally:
        player.close()


@needs_espeak
def test_stop_interrupts_speech_within_a_block():
    sink = TimedSink(realtime=True)
    speaker = Speaker(Config(tts=TtsConfig(engine="espeak")), sink=sink)
    text = " ".join(f"This is sentence number {i} of a long news story." for i in range(8))
    threading.Timer(0.8, speaker.stop).start()
    started = time.perf_counter()
    spoken = speaker.speak(text)
    elapsed = time.perf_counter() - started
    assert spoken.interrupted
    full_s = sum(len(c) for c in sink.chunks) / sink.rate_hz
    assert elapsed < 2.0  # eight sentences take ~20 s to say
    assert full_s < 8  # synthesis stopped early too


@pytest.mark.model
def test_piper_reply_is_understood_by_whisper(whisper, tmp_path):  # noqa: F811
    path = tmp_path / "reply.wav"
    sink = WavSink(path)
    spoken = Speaker(Config(), sink=sink).speak("Twelve times seven is eighty four.")
    sink.close()
    assert spoken.engine == "piper" and spoken.first_audio_ms > 0
    heard = re.sub(r"[^\w ]", "", transcribe_file(whisper, path).text.lower())
    assert "84" in heard or "eighty four" in heard


@needs_espeak
def test_speaker_volume_scales_the_samples():
    loud, quiet = TimedSink(), TimedSink()
    base = Config(tts=TtsConfig(engine="espeak"))
    Speaker(base, sink=loud).speak("Volume check.")
    Speaker(replace(base, tts=replace(base.tts, speaker_volume=0.5)), sink=quiet).speak("Volume check.")
    assert np.abs(quiet.audio).max() == pytest.approx(np.abs(loud.audio).max() * 0.5, rel=0.01)


def _speaker_exists() -> bool:
    from assistant.voice.audio import has_speaker

    return has_speaker()


@pytest.mark.skipif(_speaker_exists(), reason="this machine has a speaker")
def test_without_a_speaker_replies_are_printed(capsys):
    spoken = Speaker(Config()).speak("Playing Baby Shark.")
    assert spoken.engine == "text"
    assert "assistant: Playing Baby Shark." in capsys.readouterr().out


class UnpluggedSink(WavSink):
    """A speaker pulled out mid-reply: PortAudio errors arrive as AudioError from DeviceSink."""

    def play(self, audio, rate_hz, stop):
        from assistant.voice.audio import AudioError

        raise AudioError("the speaker stopped working (device unavailable)")


@needs_espeak
def test_a_speaker_that_fails_mid_reply_falls_back_to_text(capsys):
    spoken = Speaker(Config(tts=TtsConfig(engine="espeak")), sink=UnpluggedSink()).speak("Playing Baby Shark.")
    assert not spoken.interrupted
    assert "assistant: Playing Baby Shark." in capsys.readouterr().out
