"""Endpointing with the real Silero model on spoken, silent, noisy and rambling audio."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant.config import VadConfig
from assistant.errors import ModelError
from assistant.voice.audio import FRAME_SAMPLES, SAMPLE_RATE_HZ
from assistant.voice.vad import (
    FRAME_MS,
    PRE_ROLL_MS,
    STT_TAIL_MS,
    Endpointer,
    SileroVad,
    silero_model_path,
    speech_span,
)
from tests.audio_fixtures import audio  # noqa: F401


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


def feed_all(endpointer: Endpointer, samples: np.ndarray, block: int = 1000):
    """Feed in odd-sized blocks (as a sound card would) and collect the utterances."""
    out = []
    for i in range(0, len(samples), block):
        out.extend(endpointer.feed(samples[i : i + block]))
    return out


def test_the_model_ships_with_faster_whisper():
    assert silero_model_path().suffix == ".onnx"


def test_a_missing_model_file_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="cannot load Silero VAD model"):
        SileroVad(tmp_path / "missing.onnx")


def test_streaming_equals_batch(vad, audio):  # noqa: F811
    samples = audio.samples("will it rain in Boston tomorrow")
    batch = vad.probabilities(samples)
    vad.reset()
    n = len(samples) // FRAME_SAMPLES
    stream = [vad(samples[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES]) for i in range(n)]
    assert np.allclose(stream, batch[:n], atol=1e-5)
    assert batch.max() > 0.9  # it is speech


def test_one_command_then_silence_is_one_utterance(vad, audio):  # noqa: F811
    speech = audio.samples("what is twelve times seven")
    samples = np.concatenate([audio.silence(0.5), speech, audio.silence(1.5)])
    endpointer = Endpointer(vad, VadConfig(silence_ms=500))
    (utterance,) = feed_all(endpointer, samples)
    assert utterance.reason == "silence"
    # The endpoint comes silence_ms after the last speech frame, within a frame.
    assert utterance.end_wait_ms == pytest.approx(500, abs=FRAME_MS + 1)
    # The audio holds the speech plus pre-roll and a short tail, not the whole wait.
    assert len(speech) / 16 - 300 < utterance.duration_ms < len(speech) / 16 + PRE_ROLL_MS + STT_TAIL_MS + 100
    assert utterance.start_sample == pytest.approx(0.5 * SAMPLE_RATE_HZ, abs=0.3 * SAMPLE_RATE_HZ)


def test_silence_ms_is_configurable(vad, audio):  # noqa: F811
    samples = np.concatenate([audio.samples("stop"), audio.silence(1.5)])
    (utterance,) = feed_all(Endpointer(vad, VadConfig(silence_ms=1000)), samples)
    assert utterance.end_wait_ms == pytest.approx(1000, abs=FRAME_MS + 1)


def test_two_commands_with_a_pause_are_two_utterances(vad, audio):  # noqa: F811
    samples = np.concatenate(
        [audio.samples("play baby shark"), audio.silence(1.0), audio.samples("next song please"), audio.silence(1.0)]
    )
    assert len(feed_all(Endpointer(vad), samples)) == 2


def test_silence_and_noise_give_no_utterance(vad, audio):  # noqa: F811
    endpointer = Endpointer(vad)
    assert feed_all(endpointer, audio.silence(3.0)) == []
    assert feed_all(endpointer, audio.noise(3.0, level=0.1)) == []
    assert feed_all(endpointer, audio.noise(3.0, level=0.5, seed=3)) == []
    assert speech_span(vad, audio.noise(2.0)) is None
    assert speech_span(vad, audio.silence(2.0)) is None


def test_speech_in_noise_is_still_found(vad, audio):  # noqa: F811
    speech = audio.samples("what is twelve times seven")
    padded = np.concatenate([audio.silence(0.5), speech, audio.silence(1.0)])
    noisy = padded + audio.noise(len(padded) / SAMPLE_RATE_HZ, level=0.03)
    (utterance,) = feed_all(Endpointer(vad), noisy)
    assert utterance.speech_ms > 1000


def test_a_ramble_is_cut_at_max_length_and_the_rest_is_ignored(vad, audio):  # noqa: F811
    config = VadConfig(max_utterance_ms=5000)
    samples = np.concatenate([audio.ramble(12.0), audio.silence(1.0), audio.samples("stop"), audio.silence(1.0)])
    first, *rest = feed_all(Endpointer(vad, config), samples)
    assert first.reason == "max_length"
    assert first.duration_ms == pytest.approx(5000, abs=PRE_ROLL_MS + STT_TAIL_MS + FRAME_MS)
    # The rest of the ramble is not chopped into more 5 s pieces; the command after the pause is heard.
    assert len(rest) == 1 and rest[0].reason == "silence" and rest[0].duration_ms < 2000


def test_short_bursts_below_min_speech_are_dropped(vad, audio):  # noqa: F811
    samples = np.concatenate([audio.silence(0.3), audio.samples("hi"), audio.silence(1.0)])
    strict = Endpointer(vad, VadConfig(min_speech_ms=1500))
    assert feed_all(strict, samples) == []
    assert strict.rejected_noise == 1
    assert len(feed_all(Endpointer(vad, replace(VadConfig(), min_speech_ms=100)), samples)) == 1


def test_end_of_input_flushes_speech_in_progress(vad, audio):  # noqa: F811
    endpointer = Endpointer(vad)
    assert feed_all(endpointer, audio.samples("play baby shark")) == []
    assert endpointer.active
    utterance = endpointer.flush()
    assert utterance is not None and utterance.reason == "end_of_input"


def test_talk_further_away_ends_the_command_only_with_the_level_rule(vad, audio):  # noqa: F811
    command = audio.samples("what is twelve times seven")
    talk = audio.samples("my sister called and she wants to come over on sunday with the kids", voice="en-gb")
    background = 0.1 * np.concatenate([talk, talk])  # 20 dB down: someone across the room
    stream = np.concatenate([audio.silence(0.3), command, np.zeros(len(background) - len(command), np.float32)])
    stream[: len(background)] += background
    spoken_until = int(0.3 * SAMPLE_RATE_HZ) + len(command)
    (waited,) = feed_all(Endpointer(vad, VadConfig(level_drop_db=0)), stream)
    assert waited.end_sample > spoken_until + 3 * SAMPLE_RATE_HZ  # the VAD heard speech until the talk stopped
    # The talk goes on and may make utterances of its own (with a wake word the loop does not listen to those).
    utterance, *_ = feed_all(Endpointer(vad, VadConfig(level_drop_db=12)), stream)
    assert utterance.reason == "silence"
    assert utterance.end_sample < spoken_until + SAMPLE_RATE_HZ  # within a second of the command's end
    assert utterance.last_speech_sample > spoken_until - SAMPLE_RATE_HZ // 2  # the command was not cut short


def test_a_loud_first_word_does_not_end_the_command_at_the_softer_ones(vad, audio):  # noqa: F811
    # espeak-ng's German "Was" is loud, "ist" much softer: measured from the first word alone, the level rule ended
    # this command after "Was ist" and made "zwölf mal sieben" a second turn.
    samples = np.concatenate(
        [audio.silence(0.3), audio.samples("Was ist zwölf mal sieben?", voice="de", speed_wpm=120, word_gap_ms=60)]
    )
    stream = np.concatenate([samples, audio.silence(1.0)])
    assert len(feed_all(Endpointer(vad, VadConfig(level_drop_db=12)), stream)) == 1
    early = Endpointer(vad, VadConfig(level_drop_db=12, level_after_ms=0))
    assert len(feed_all(early, stream)) == 2  # the rule from the first frame: the command in two
