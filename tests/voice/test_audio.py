"""Audio in: WAV reading (rates, channels, bad files), the ring buffer, the WAV source, and the missing microphone."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant.voice.audio import (
    FRAME_SAMPLES,
    SAMPLE_RATE_HZ,
    AudioError,
    MicSource,
    RingBuffer,
    WavSource,
    find_device,
    read_wav,
    resample,
    write_wav,
)
from tests.audio_fixtures import audio  # noqa: F401


def test_read_wav_resamples_espeak_22k_to_16k(audio):  # noqa: F811
    path = audio.spoken("play baby shark")
    import soundfile

    info = soundfile.info(str(path))
    assert info.samplerate == 22050
    samples = read_wav(path)
    assert samples.dtype == np.float32
    assert len(samples) == pytest.approx(info.frames * SAMPLE_RATE_HZ / 22050, abs=64)


def test_read_wav_44k_stereo_becomes_16k_mono_of_the_same_length(audio):  # noqa: F811
    original = read_wav(audio.spoken("what is twelve times seven"))
    converted = read_wav(audio.resampled("what is twelve times seven", 44100, 2))
    assert converted.ndim == 1
    assert len(converted) == pytest.approx(len(original), abs=160)
    # Same speech after two conversions: the envelopes line up.
    a, b = np.abs(original[:16000]), np.abs(converted[:16000])
    assert np.corrcoef(a, b)[0, 1] > 0.8


def test_resample_keeps_a_tone_at_its_frequency():
    rate = 44100
    tone = np.sin(2 * np.pi * 440 * np.arange(rate) / rate).astype(np.float32)
    out = resample(tone, rate)
    assert len(out) == pytest.approx(SAMPLE_RATE_HZ, abs=32)
    peak_hz = np.argmax(np.abs(np.fft.rfft(out))) * SAMPLE_RATE_HZ / len(out)
    assert peak_hz == pytest.approx(440, abs=2)


def test_corrupt_wav_is_a_clear_error(audio):  # noqa: F811
    path = audio.corrupt_file()
    with pytest.raises(AudioError, match=r"corrupt\.wav is not a readable WAV file"):
        read_wav(path)


def test_missing_and_empty_wav_are_clear_errors(audio, tmp_path):  # noqa: F811
    with pytest.raises(AudioError, match="does not exist"):
        read_wav(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="holds no audio"):
        read_wav(audio.empty_file())


def test_write_then_read_round_trip(tmp_path):
    samples = np.linspace(-0.5, 0.5, 1600, dtype=np.float32)
    back = read_wav(write_wav(tmp_path / "x.wav", samples))
    assert np.allclose(back, samples, atol=1e-4)


def test_ring_buffer_keeps_order_across_the_wrap():
    ring = RingBuffer(10)
    ring.write(np.arange(7, dtype=np.float32))
    assert list(ring.read(5)) == [0, 1, 2, 3, 4]
    ring.write(np.arange(7, 13, dtype=np.float32))
    assert list(ring.read(8)) == [5, 6, 7, 8, 9, 10, 11, 12]
    assert ring.read(1, timeout_s=0.01) is None


def test_ring_buffer_drops_the_oldest_when_the_reader_falls_behind():
    ring = RingBuffer(4)
    ring.write(np.arange(6, dtype=np.float32))
    assert ring.dropped_samples == 2
    assert list(ring.read(4)) == [2, 3, 4, 5]


def test_ring_buffer_between_threads_loses_nothing():
    ring = RingBuffer(512 * 50)  # room for all: a fast writer must not overrun this reader
    blocks = [np.full(512, i, dtype=np.float32) for i in range(50)]

    def capture():
        for block in blocks:
            ring.write(block)

    thread = threading.Thread(target=capture)
    thread.start()
    got = [ring.read(512, timeout_s=2.0) for _ in blocks]
    thread.join()
    assert [int(b[0]) for b in got if b is not None] == list(range(50))
    assert ring.dropped_samples == 0


def test_wav_source_gives_frames_then_trailing_silence_then_eof(audio):  # noqa: F811
    source = WavSource(audio.spoken("stop"), tail_silence_ms=500)
    frames = []
    with pytest.raises(EOFError):
        while True:
            frames.append(source.read(FRAME_SAMPLES))
    total = sum(len(f) for f in frames)
    assert total >= len(source.samples)
    assert np.all(frames[-1] == 0)  # the tail is silence
    assert source.audio_ms == pytest.approx((len(source.samples) - 8000) / 16, abs=1)


def test_muted_wav_source_reads_silence(audio):  # noqa: F811
    source = WavSource(audio.spoken("play baby shark"))
    source.read(FRAME_SAMPLES * 10)
    source.mute(True)
    assert not source.read(FRAME_SAMPLES).any()
    source.mute(False)
    assert source.read(FRAME_SAMPLES * 5).any()


def _has(kind: str) -> bool:
    try:
        find_device(kind)
    except AudioError:
        return False
    return True


@pytest.mark.skipif(_has("input"), reason="this machine has a microphone")
def test_no_microphone_is_a_clear_error():
    with pytest.raises(AudioError, match="no microphone.*plug one in or use --wav"):
        MicSource()


@pytest.mark.skipif(_has("output"), reason="this machine has a speaker")
def test_no_speaker_is_reported():
    from assistant.voice.audio import has_speaker

    assert has_speaker() is False
    with pytest.raises(AudioError, match="no speaker"):
        find_device("output")
