"""The wake-word benchmark's parts: seeded audio, mixing at an SNR, the detector's decision replayed, the scoring."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation.bench_wake import FrontEnd, cpu_engine, detections
from assistant.evaluation.wake_audio import WAKE_NAMES, Voices, mix, music, sentences, trials
from tests.audio_fixtures import audio  # noqa: F401


def test_music_is_seeded_and_in_range():
    a, b = music(3.0, np.random.default_rng(5)), music(3.0, np.random.default_rng(5))
    assert np.array_equal(a, b) and len(a) == 48000 and 0.3 < float(np.max(np.abs(a))) <= 0.5
    assert not np.array_equal(a, music(3.0, np.random.default_rng(6)))


def test_mix_puts_the_background_at_the_asked_snr():
    rng = np.random.default_rng(1)
    signal = np.sin(np.arange(16000) / 5).astype(np.float32) * 0.5
    noise = rng.standard_normal(4000).astype(np.float32)
    mixed = mix(signal, noise, 10.0)
    added = mixed - signal
    snr_db = 20 * np.log10(np.sqrt(np.mean(signal**2)) / np.sqrt(np.mean(added**2)))
    assert abs(snr_db - 10.0) < 0.5


def test_non_wake_sentences_name_no_wake_word(tmp_path):
    texts = sentences(tmp_path, np.random.default_rng(1))  # no evals folder here: the seeded talk only
    assert len(texts) > 100
    assert not any(name in t.lower() for t in texts for name in WAKE_NAMES)


def test_replayed_decisions_keep_the_refractory_period():
    track = np.zeros(200, np.float32)
    track[[10, 11, 12, 40, 150]] = 0.95  # 40 is 30 frames (~1 s) after 10: inside the 2 s refractory period
    assert detections(track, 0.9) == [10, 150]
    assert detections(track, 0.99) == []


@pytest.mark.slow
def test_the_front_end_scores_several_words_from_one_pass(audio):  # noqa: F811
    front = FrontEnd("micro", ["alexa", "okay_nabu"])
    said = np.concatenate([audio.silence(1.0), audio.samples("alexa", voice="en-gb"), audio.silence(1.0)])
    probabilities = front.frames(said)
    assert probabilities.shape == (len(said) // 512, 2)
    assert probabilities[:, 0].max() > 0.9 > probabilities[:, 1].max()
    assert cpu_engine("micro", "alexa", said)["cpu_pct_of_core"] < 20


@pytest.mark.slow
def test_trials_cover_every_voice_and_noise(audio):  # noqa: F811
    voices = Voices()
    made = list(trials("alexa", 1, voices))
    assert len(made) == len(voices.names()) * 5
    assert {t.noise for t in made} == {"clean", "white_20db", "white_10db", "music_10db", "speech_10db"}
    assert all(0 < t.start < t.end < len(t.audio) for t in made)
