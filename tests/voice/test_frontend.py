"""The microphone front end: WebRTC and RNNoise on real speech, streaming equals whole clips, config checks."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from assistant.config import AudioConfig
from assistant.errors import ConfigError
from assistant.evaluation.noise import mix_at_snr, pink_noise
from assistant.voice.audio import FRAME_SAMPLES, SAMPLE_RATE_HZ
from assistant.voice.frontend import CleanedSource, clean_clip, front_end_from_config
from tests.audio_fixtures import audio  # noqa: F401

needs_rnnoise = pytest.mark.skipif(importlib.util.find_spec("pyrnnoise") is None, reason="pyrnnoise not installed")
SETTINGS = [("webrtc2", 0), ("webrtc4", 0), ("webrtc2", 20), ("off", 20)]
SETTINGS += [pytest.param("rnnoise", 0, marks=needs_rnnoise)]


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def test_off_is_no_front_end():
    assert front_end_from_config(AudioConfig()) is None


@pytest.mark.parametrize(("kind", "gain"), SETTINGS)
def test_a_real_wav_keeps_its_length_and_a_sane_level(audio, kind, gain):  # noqa: F811
    speech = audio.samples("play baby shark in the kitchen please")
    noisy = mix_at_snr(speech, pink_noise(np.random.default_rng(1), len(speech)), 10.0)
    front_end = front_end_from_config(AudioConfig(noise_suppression=kind, auto_gain_dbfs=gain))
    assert front_end is not None
    cleaned = clean_clip(front_end, noisy)
    assert len(cleaned) == len(noisy)
    assert cleaned.dtype == np.float32
    assert np.abs(cleaned).max() <= 1.0
    assert 0.1 * _rms(noisy) < _rms(cleaned) < 4 * _rms(noisy)
    # Aligned: the loudest 100 ms is where the speech is, not 10 ms (or the filters' delay) later.
    frame = SAMPLE_RATE_HZ // 10
    loud_in = np.argmax([_rms(noisy[i : i + frame]) for i in range(0, len(noisy) - frame, frame)])
    loud_out = np.argmax([_rms(cleaned[i : i + frame]) for i in range(0, len(cleaned) - frame, frame)])
    assert abs(int(loud_in) - int(loud_out)) <= 1


@pytest.mark.parametrize("kind", ["webrtc2", pytest.param("rnnoise", marks=needs_rnnoise)])
def test_suppression_lowers_noise_alone(kind):
    noise = 0.05 * pink_noise(np.random.default_rng(2), 2 * SAMPLE_RATE_HZ)
    front_end = front_end_from_config(AudioConfig(noise_suppression=kind))
    assert front_end is not None
    cleaned = clean_clip(front_end, noise)
    # After the first half second (both adapt to the noise floor) the noise is at least 6 dB lower.
    assert _rms(cleaned[SAMPLE_RATE_HZ // 2 :]) < 0.5 * _rms(noise[SAMPLE_RATE_HZ // 2 :])


def test_streaming_in_frames_is_the_whole_clip_delayed(audio):  # noqa: F811
    speech = audio.samples("next song")
    front_end = front_end_from_config(AudioConfig(noise_suppression="webrtc2"))
    assert front_end is not None
    whole = clean_clip(front_end, speech)
    front_end.reset()
    padded = np.concatenate([speech, np.zeros(FRAME_SAMPLES * 2, np.float32)])
    streamed = np.concatenate(
        [front_end.process(padded[i : i + FRAME_SAMPLES]) for i in range(0, len(padded), FRAME_SAMPLES)]
    )
    delay = front_end.delay_samples
    assert np.array_equal(streamed[delay : delay + len(whole)], whole)


def test_cleaned_source_gives_frames_of_the_asked_size(audio):  # noqa: F811
    from assistant.voice.audio import WavSource

    front_end = front_end_from_config(AudioConfig(noise_suppression="webrtc1"))
    assert front_end is not None
    source = CleanedSource(WavSource(audio.spoken("stop")), front_end)
    frames = []
    while True:
        try:
            frame = source.read(FRAME_SAMPLES)
        except EOFError:
            break
        assert frame is not None
        frames.append(len(frame))
    source.close()
    assert frames and all(n == FRAME_SAMPLES for n in frames[:-1])


def test_bad_settings_are_named():
    with pytest.raises(ConfigError, match="audio.noise_suppression: must be off, webrtc1..webrtc4 or rnnoise"):
        AudioConfig(noise_suppression="webrtc9")
    with pytest.raises(ConfigError, match="audio.auto_gain_dbfs: must be in 0..31"):
        AudioConfig(auto_gain_dbfs=40)
    with pytest.raises(ConfigError, match="0 with rnnoise"):
        AudioConfig(noise_suppression="rnnoise", auto_gain_dbfs=10)
