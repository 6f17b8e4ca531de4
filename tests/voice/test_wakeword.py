"""The wake-word model: shipped models load, hear their word in real speech, stay quiet on talk, and drive the loop."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest

from assistant.config import AudioConfig, Config, SttConfig, TtsConfig
from assistant.errors import ConfigError, ModelError
from assistant.pipeline import Assistant
from assistant.voice.audio import WavSource, write_wav
from assistant.voice.loop import StatusLine, VoiceLoop
from assistant.voice.tts import Speaker, WavSink
from assistant.voice.wakeword import (
    MODELS,
    WakeWordDetector,
    load_engine,
    model_name,
    shipped_models,
    spoken_phrase,
)
from tests.audio_fixtures import audio, whisper  # noqa: F401


def test_wake_word_names():
    assert model_name("Hey Jarvis") == model_name("hey-jarvis") == "hey_jarvis"
    assert spoken_phrase("okay_nabu") == "okay nabu"
    assert spoken_phrase("/models/hey_kitchen.json") == "hey kitchen"


def test_every_listed_model_ships_in_its_wheel():
    assert shipped_models() == {engine: list(words) for engine, words in MODELS.items()}


def test_an_unknown_word_or_engine_is_a_sentence_naming_the_choices(tmp_path):
    with pytest.raises(ModelError, match="no micro wake-word model for 'hey computer'; shipped: alexa, hey_jarvis"):
        load_engine("micro", "hey computer")
    with pytest.raises(ModelError, match="does not exist"):
        load_engine("micro", str(tmp_path / "mine.json"))
    with pytest.raises(ModelError, match="unknown wake-word engine"):
        load_engine("porcupine", "alexa")


def test_config_checks_the_engine_and_threshold():
    with pytest.raises(ConfigError, match="audio.wake_engine: must be micro, openwakeword or transcript"):
        AudioConfig(wake_engine="porcupine")
    with pytest.raises(ConfigError, match="wake_threshold"):
        AudioConfig(wake_threshold=1.5)


def _detections(detector: WakeWordDetector, samples: np.ndarray) -> list[int]:
    found = []
    for i in range(0, len(samples) - 511, 512):
        hit = detector.feed(samples[i : i + 512])
        if hit is not None:
            found.append(hit.sample)
    return found


@pytest.mark.parametrize("engine", ["micro", "openwakeword"])
def test_the_model_hears_alexa_once_and_not_other_talk_or_noise(audio, engine):  # noqa: F811
    detector = WakeWordDetector(load_engine(engine, "alexa"))
    said = audio.samples("alexa", voice="en-gb")
    talk = audio.samples("the train was late again this morning, so we stayed at home")
    stream = np.concatenate([audio.silence(1.0), said, audio.silence(1.5), talk, audio.noise(3.0, 0.05)])
    hits = _detections(detector, stream)
    assert len(hits) == 1  # one phrase, one detection (the refractory period swallows the others)
    assert 16000 <= hits[0] <= 16000 + len(said) + 16000
    detector.close()


def test_the_micro_engine_costs_little_cpu(audio):  # noqa: F811
    # Not a benchmark (assistant bench --section wake measures): a guard against feeding it sample by sample.
    import time

    detector = WakeWordDetector(load_engine("micro", "alexa"))
    samples = audio.noise(30.0, 0.05)
    started = time.process_time()
    _detections(detector, samples)
    assert time.process_time() - started < 3.0  # measured 0.07 s for 30 s of audio


@pytest.fixture
def wake_config(tmp_path) -> Config:
    return Config(
        data_dir=str(tmp_path / "data"),
        tts=TtsConfig(engine="espeak"),
        stt=SttConfig(use_hotwords=False),
        audio=AudioConfig(wake_engine="micro", wake_word="alexa", wake_window_ms=3000),
    )


def _loop(config, stt, path):
    assistant = Assistant(config)
    status = io.StringIO()
    speaker = Speaker(config, assistant.services, sink=WavSink())
    loop = VoiceLoop(assistant, stt, speaker, WavSource(path), trigger="wake", status=StatusLine(status))
    return loop, assistant, status


@pytest.mark.model
def test_the_loop_answers_after_the_wake_word_and_transcribes_nothing_else(whisper, audio, wake_config):  # noqa: F811
    path = audio.sequence(
        "what is twelve times seven", 1.0,  # no wake word: never transcribed, no turn at all
        "alexa, what is two plus two", 1.0,  # one breath
        "alexa", 1.0, "set the volume to five", 1.0,  # the word, a pause, the command
        "alexa", 4.0,  # the word, then nothing: the window closes
        name="wakeword-loop",
    )  # fmt: skip
    loop, assistant, status = _loop(wake_config, whisper, path)
    assert loop.wake_word is not None and loop.wake_word.name == "micro:alexa"
    turns = loop.run()
    outcomes = [t.outcome for t in turns if t.outcome != "armed"]  # Whisper may catch the word's tail alone
    assert outcomes == ["answered", "answered", "timeout"], [(t.outcome, t.transcript) for t in turns]
    answered = [t for t in turns if t.outcome == "answered"]
    assert answered[0].call == 'calculate(expression="2+2")' and "alexa" not in answered[0].command.lower()
    assert answered[1].call == "set_volume(level=5)", [(t.outcome, t.transcript, t.command) for t in turns]
    assert "twelve" not in " ".join(t.transcript for t in turns)
    assert "[listening] for 'alexa'" in status.getvalue()
    assistant.close()


@pytest.mark.model
def test_a_wake_word_without_a_model_falls_back_to_the_transcript_phrase(whisper, audio, wake_config):  # noqa: F811
    config = replace(wake_config, audio=AudioConfig(wake_engine="micro", wake_word="hey computer"))
    loop, assistant, status = _loop(config, whisper, audio.sequence("hey computer, what is two plus two", 1.0))
    assert loop.wake_word is None
    assert "no micro wake-word model for 'hey computer'" in status.getvalue()
    (turn,) = loop.run()
    assert turn.call == 'calculate(expression="2+2")'
    assistant.close()


def test_a_loop_without_wake_trigger_loads_no_model(audio, wake_config, tmp_path):  # noqa: F811
    path = write_wav(tmp_path / "quiet.wav", audio.silence(0.5))
    from assistant.voice.stt import WhisperStt

    assistant = Assistant(wake_config)
    loop = VoiceLoop(
        assistant, WhisperStt(str(tmp_path / "none")), Speaker(wake_config, sink=WavSink()), WavSource(path),
        trigger="push", status=StatusLine(io.StringIO()),
    )  # fmt: skip
    assert loop.wake_word is None
    assistant.close()
