"""The voice loop end to end: spoken WAVs -> VAD -> Whisper -> wake phrase -> route -> skill -> speech -> trace."""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace

import pytest

from assistant.config import AudioConfig, BudgetsConfig, Config, SttConfig, TtsConfig, VadConfig
from assistant.pipeline import TOO_SLOW, Assistant
from assistant.registry import Registry, Reply, skill
from assistant.voice.audio import WavSource
from assistant.voice.loop import StatusLine, VoiceLoop, is_stop
from assistant.voice.stt import WhisperStt
from assistant.voice.tts import Speaker, WavSink
from skills.music.player import AudioFile, Player
from tests.audio_fixtures import audio, whisper  # noqa: F401
from tests.music_files import tone


@pytest.fixture
def voice_config(tmp_path) -> Config:
    # espeak-ng speaks in these tests: the spoken-reply path runs for real, without Piper's load time.
    return Config(data_dir=str(tmp_path / "data"), tts=TtsConfig(engine="espeak"), stt=SttConfig(use_hotwords=False))


def make_loop(config, stt, path, registry=None, **options):
    options.setdefault("trigger", "always")
    assistant = Assistant(config, registry)
    sink = WavSink()
    status = io.StringIO()
    loop = VoiceLoop(
        assistant, stt, Speaker(config, assistant.services, sink=sink), WavSource(path),
        status=StatusLine(status), **options,
    )  # fmt: skip
    return loop, assistant, sink, status


def test_stop_words():
    assert is_stop("Stop!") and is_stop("be quiet.") and is_stop("Never mind")
    assert not is_stop("stop the music and play baby shark")


def test_status_line_prints_one_line_per_state_off_a_terminal():
    out = io.StringIO()
    status = StatusLine(out)
    status.show("listening")
    status.show("listening")
    status.show("heard", "play baby shark")
    assert out.getvalue().splitlines() == ["[listening]", "[heard] play baby shark"]


@pytest.mark.model
def test_spoken_math_goes_to_calculate_and_every_stage_is_traced(whisper, audio, voice_config):  # noqa: F811
    config = replace(voice_config, budgets=BudgetsConfig(stt_ms=1))  # every turn is "over budget" for STT
    loop, assistant, sink, status = make_loop(config, whisper, audio.spoken("what is twelve times seven"))
    (turn,) = loop.run()
    assert turn.outcome == "answered"
    assert turn.call == 'calculate(expression="12*7")'
    assert "84" in turn.reply
    assert len(sink.audio) > 0  # the reply was spoken
    stored = assistant.traces.get(turn.trace_id)
    stages = {"capture_ms", "vad_end_ms", "stt_ms", "route_ms", "skill_ms", "tts_first_audio_ms",
              "speech_end_to_call_ms"}  # fmt: skip
    assert stages <= set(stored.timings)
    assert stored.source == "wav" and stored.audio_ms > 500
    assert "stt_ms" in stored.over_budget
    assert "[heard]" in status.getvalue() and "[speaking]" in status.getvalue()
    assistant.close()


@pytest.mark.model
def test_wake_phrase_in_one_breath_alone_then_command_and_not_addressed(whisper, audio, voice_config):  # noqa: F811
    path = audio.sequence(
        "what is twelve times seven", 1.0,  # not addressed: ignored
        "hey computer, what is two plus two", 1.0,  # one breath
        "hey computer", 1.0, "set the volume to five", 1.0,  # phrase alone, then the command
    )  # fmt: skip
    config = replace(voice_config, audio=AudioConfig(wake_engine="transcript"))
    loop, assistant, _, _ = make_loop(config, whisper, path, trigger="wake")
    turns = loop.run()
    assert [t.outcome for t in turns] == ["ignored", "answered", "armed", "answered"]
    assert turns[1].call == 'calculate(expression="2+2")'
    assert turns[3].call == "set_volume(level=5)"
    assistant.close()


@pytest.mark.model
def test_silence_and_noise_make_no_turns(whisper, audio, voice_config):  # noqa: F811
    for path in (audio.silence_file(3.0), audio.noise_file(3.0)):
        loop, assistant, sink, _ = make_loop(voice_config, whisper, path)
        assert loop.run() == []
        assert len(sink.audio) == 0
        assistant.close()


@pytest.mark.model
def test_a_ramble_is_cut_with_a_message_and_the_loop_goes_on(whisper, audio, voice_config, tmp_path):  # noqa: F811
    import numpy as np

    from assistant.voice.audio import write_wav

    config = replace(voice_config, vad=VadConfig(max_utterance_ms=4000))
    samples = np.concatenate([audio.ramble(10.0), audio.silence(1.0), audio.samples("what is two plus two")])
    loop, assistant, _, _ = make_loop(config, whisper, write_wav(tmp_path / "ramble.wav", samples))
    turns = loop.run()
    assert turns[0].message == "I only listened to the first 4 seconds."
    assert turns[0].reply.startswith(turns[0].message)
    assert turns[-1].call == 'calculate(expression="2+2")'
    assistant.close()


def test_a_missing_whisper_model_is_reported_per_utterance_and_the_loop_keeps_running(audio, voice_config, tmp_path):  # noqa: F811
    stt = WhisperStt(str(tmp_path / "no-such-model"))
    path = audio.sequence("play baby shark", 1.0, "stop", 1.0)
    loop, assistant, _, status = make_loop(voice_config, stt, path)
    turns = loop.run()
    assert [t.outcome for t in turns] == ["error", "error"]
    assert "has no model.bin" in turns[0].message
    assert "speech recognition unavailable" in status.getvalue()
    assistant.close()


@skill(examples=[("tell me a long story", "long_story()")])
def long_story() -> Reply:
    """Tell a long story (too slowly)."""
    time.sleep(1.5)
    return Reply("Once upon a time.")


@pytest.mark.model
def test_a_skill_over_budget_is_cut_off_with_a_spoken_apology(whisper, audio, voice_config):  # noqa: F811
    config = replace(voice_config, budgets=BudgetsConfig(skill_ms=300))
    path = audio.spoken("tell me a long story")
    loop, assistant, sink, _ = make_loop(config, whisper, path, registry=Registry([long_story]))
    started = time.perf_counter()
    (turn,) = loop.run()
    assert turn.call == "long_story()"
    assert turn.reply == TOO_SLOW and len(sink.audio) > 0
    assert turn.timings_ms["skill_ms"] < 1000
    assert "exceeded 300 ms" in assistant.traces.get(turn.trace_id).errors
    assert time.perf_counter() - started < 10
    assistant.close()


@pytest.mark.model
def test_spoken_stop_stops_the_music(whisper, audio, voice_config, tmp_path):  # noqa: F811
    loop, assistant, _, _ = make_loop(voice_config, whisper, audio.spoken("stop"))
    player = Player("null")
    assistant.services["player"] = player
    player.play([AudioFile(tone(tmp_path / "long.wav", 440, seconds=30.0), "a long tone")])
    assert player.state == "playing"
    (turn,) = loop.run()
    assert turn.call == 'music_control(action="stop")'
    assert player.state == "stopped"
    assistant.close()


@pytest.mark.model
def test_push_to_talk_ignores_speech_until_enter(whisper, audio, voice_config):  # noqa: F811
    path = audio.spoken("what is two plus two")
    loop, assistant, _, status = make_loop(voice_config, whisper, path, trigger="push")
    loop._keys = lambda: None  # no keyboard in tests; the window is opened below as Enter would
    assert loop.run() == []
    assert "press Enter" in status.getvalue()
    loop, assistant2, _, _ = make_loop(voice_config, whisper, path, trigger="push")
    loop._keys = lambda: None
    loop.push_until = time.monotonic() + 60
    (turn,) = loop.run()
    assert turn.call == 'calculate(expression="2+2")'
    assistant.close()
    assistant2.close()


def test_listen_cli_reports_a_corrupt_wav_clearly(audio, tmp_path, capsys):  # noqa: F811
    from assistant.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    assert main(["--config", str(config), "listen", "--wav", str(audio.corrupt_file())]) == 2
    assert "is not a readable WAV file" in capsys.readouterr().err


@pytest.mark.model
def test_listen_cli_one_turn_from_a_44k_file(audio, tmp_path, capsys):  # noqa: F811
    from assistant.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n[tts]\nengine = "espeak"\n[router]\nllm = false\n')
    path = audio.resampled("what is twelve times seven", 44100, 2)
    reply = tmp_path / "reply.wav"
    assert main(["--config", str(config), "listen", "--wav", str(path), "--json", "--speak-to", str(reply)]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["call"] == 'calculate(expression="12*7")' and "84" in record["reply"]
    assert record["timings_ms"]["stt_ms"] > 0 and reply.exists()


def _microphone_exists() -> bool:
    from assistant.voice.audio import AudioError, find_device

    try:
        find_device("input")
    except AudioError:
        return False
    return True


@pytest.mark.skipif(_microphone_exists(), reason="this machine has a microphone")
def test_no_microphone_is_said_once_and_retried():
    from assistant.voice.audio import AudioError
    from assistant.voice.loop import open_microphone

    out = io.StringIO()
    with pytest.raises(AudioError):
        open_microphone("", StatusLine(out), retry_s=0.01, attempts=3)
    (line,) = out.getvalue().splitlines()
    assert "no microphone found" in line and "retrying" in line
