"""The speech renderer: voices and conditions, bad input, determinism, noise at an SNR, reverb."""

from __future__ import annotations

import random

import numpy as np
import pytest

from assistant.evaluation import spoken
from assistant.evaluation.noise import mix_at_snr, pink_noise, reverberate, small_room, speech_power, white_noise
from assistant.evaluation.spoken import (
    LEAD_S,
    TAIL_S,
    Condition,
    Rendering,
    SpokenError,
    Voice,
    check_rendering,
    check_voice,
    render,
    sample_voice,
)
from assistant.voice.audio import SAMPLE_RATE_HZ
from tests.audio_fixtures import needs_espeak


def test_voice_and_condition_specs_round_trip():
    for spec in ("espeak:en-gb+m3@160", "piper:joe@1.2", "piper:joe@0.85"):
        assert Voice.parse(spec).spec == spec
    for spec in ("clean", "pink@10", "white@20", "pink@5+small_room", "clean+living_room"):
        assert Condition.parse(spec).spec == spec


def test_malformed_specs_say_what_is_expected():
    with pytest.raises(SpokenError, match="ENGINE:NAME@SPEED"):
        Voice.parse("en-us")
    with pytest.raises(SpokenError, match=r"unknown noise 'kettle' \(known: clean, babble, pink, white\)"):
        Condition.parse("kettle@10")
    with pytest.raises(SpokenError, match="number of dB"):
        Condition.parse("pink@loud")
    with pytest.raises(SpokenError, match="unknown room 'cave'"):
        Condition.parse("pink@10+cave")


def test_empty_text_is_refused():
    with pytest.raises(SpokenError, match="nothing to say"):
        check_rendering(Rendering("   ", Voice("piper", "joe", 1.0)))


@needs_espeak
def test_a_voice_that_does_not_exist_is_named():
    with pytest.raises(SpokenError, match="espeak-ng has no voice 'xx-yy'"):
        check_voice(Voice("espeak", "xx-yy", 160))
    # espeak-ng itself ignores an unknown variant silently; the renderer must not.
    with pytest.raises(SpokenError, match="no variant 'zz'"):
        check_voice(Voice("espeak", "en-us+zz", 160))
    with pytest.raises(SpokenError, match="outside 80..450"):
        check_voice(Voice("espeak", "en-us", 900))
    with pytest.raises(SpokenError, match="no Piper voice"):
        check_voice(Voice("piper", "/nowhere/voice.onnx", 1.0))
    with pytest.raises(SpokenError, match="unknown speech engine"):
        check_voice(Voice("festival", "kal", 1.0))
    for voice in spoken.ESPEAK_VOICES:  # the mixes draw only voices that exist
        check_voice(Voice("espeak", voice, 160))


def test_missing_espeak_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(spoken.shutil, "which", lambda name: None)
    spoken.espeak_binary.cache_clear()
    spoken.espeak_voices.cache_clear()
    try:
        with pytest.raises(SpokenError, match=r"espeak-ng is not installed \(apt-get install espeak-ng\)"):
            check_voice(Voice("espeak", "en-us", 160))
    finally:
        spoken.espeak_binary.cache_clear()
        spoken.espeak_voices.cache_clear()


@needs_espeak
def test_espeak_rendering_is_16k_with_lead_and_tail_and_deterministic():
    rendering = Rendering("play baby shark", Voice("espeak", "en-gb+m3", 160), Condition("pink", 10), seed=3)
    clip, speech_s = render(rendering)
    again, _ = render(rendering)
    assert np.array_equal(clip, again)
    assert 0.5 < speech_s < 2.5
    assert len(clip) == pytest.approx((LEAD_S + speech_s + TAIL_S) * SAMPLE_RATE_HZ, abs=2)
    assert not np.array_equal(clip, render(Rendering(rendering.text, rendering.voice, rendering.condition, 4))[0])
    clean, _ = render(Rendering("play baby shark", Voice("espeak", "en-gb+m3", 160)))
    assert not clean[:100].any()  # the lead is silence when clean, noise otherwise
    assert clip[:100].any()


@pytest.mark.model
def test_piper_is_deterministic_for_a_seed_whatever_it_said_before():
    voice = Voice("piper", "joe", 1.0)
    first, _ = render(Rendering("next song please", voice, seed=5))
    render(Rendering("something else in between", Voice("piper", "joe", 0.85), seed=1))
    assert np.array_equal(first, render(Rendering("next song please", voice, seed=5))[0])
    slower, _ = render(Rendering("next song please", Voice("piper", "joe", 1.2), seed=5))
    assert len(slower) > len(first)


def test_sample_voice_is_seeded_and_mixes_engines():
    drawn = [sample_voice(random.Random(seed)).spec for seed in range(200)]
    assert drawn == [sample_voice(random.Random(seed)).spec for seed in range(200)]
    engines = {spec.split(":")[0] for spec in drawn}
    assert engines == {"espeak", "piper"}
    assert all(s.startswith("espeak") for s in (sample_voice(random.Random(i), 0.0).spec for i in range(50)))


def test_noise_is_mixed_at_the_asked_snr_over_the_speech_only():
    rng = np.random.default_rng(0)
    t = np.arange(SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
    tone = 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    padded = np.concatenate([np.zeros(SAMPLE_RATE_HZ, np.float32), tone])  # half silence: must not count
    noise = pink_noise(rng, len(padded))
    mixed = mix_at_snr(padded, noise, 10.0)
    added = mixed - padded
    snr = 10 * np.log10(speech_power(tone) / np.mean(np.square(added)))
    assert snr == pytest.approx(10.0, abs=0.2)
    assert np.array_equal(pink_noise(np.random.default_rng(1), 999), pink_noise(np.random.default_rng(1), 999))


def test_pink_noise_has_more_low_than_high_energy():
    spectrum = np.abs(np.fft.rfft(pink_noise(np.random.default_rng(2), SAMPLE_RATE_HZ))) ** 2
    white = np.abs(np.fft.rfft(white_noise(np.random.default_rng(2), SAMPLE_RATE_HZ))) ** 2
    low, high = slice(20, 200), slice(4000, 8000)  # 20-200 Hz against 4-8 kHz
    assert spectrum[low].mean() > 20 * spectrum[high].mean()
    assert white[low].mean() == pytest.approx(white[high].mean(), rel=0.5)


def test_reverb_keeps_length_and_level_and_rings_after_the_sound():
    click = np.zeros(SAMPLE_RATE_HZ, np.float32)
    click[100] = 0.5
    wet = reverberate(click, small_room(np.random.default_rng(0)))
    assert len(wet) == len(click)
    assert np.abs(wet).max() == pytest.approx(0.5)
    assert np.abs(wet[2000:4000]).max() > 0.001  # still ringing 100-250 ms later
