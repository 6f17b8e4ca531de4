"""Backgrounds for rendered speech: seeded noise mixed in at a signal-to-noise ratio, and a room's reverb.

Every maker is a plain function of a seeded numpy Generator, so a condition rebuilds the same audio from its seed.
Makers are looked up by name in NOISES and ROOMS; `register_noise` / `register_room` add others (babble from
other voices, measured room impulses) without touching the renderer (assistant/evaluation/spoken.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.voice.audio import SAMPLE_RATE_HZ

NoiseMaker = Callable[[np.random.Generator, int], np.ndarray]
"""(rng, samples) -> float32 noise of that length; any level (mix_at_snr scales it)."""
RoomMaker = Callable[[np.random.Generator], np.ndarray]
"""rng -> a room impulse response at 16 kHz (float32, direct sound first)."""

NOISES: dict[str, NoiseMaker] = {}
"""Noise kinds by name ("white", "pink"); "clean" is the absence of one."""
ROOMS: dict[str, RoomMaker] = {}
"""Room impulse responses by name ("small_room", "living_room")."""
ACTIVE_FLOOR_DB = 30.0
"""Speech level is measured over the 10 ms frames within this many dB of the loudest one (the pauses a TTS voice
leaves between words would otherwise lower it and make every SNR look better than it is)."""


def register_noise(name: str) -> Callable[[NoiseMaker], NoiseMaker]:
    """Decorator: make a noise maker available by name."""

    def add(maker: NoiseMaker) -> NoiseMaker:
        NOISES[name] = maker
        return maker

    return add


def register_room(name: str) -> Callable[[RoomMaker], RoomMaker]:
    """Decorator: make a room impulse response available by name."""

    def add(maker: RoomMaker) -> RoomMaker:
        ROOMS[name] = maker
        return maker

    return add


@register_noise("white")
def white_noise(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Flat-spectrum noise (a fan, a hiss), unit variance."""
    return rng.standard_normal(samples).astype(np.float32)


@register_noise("pink")
def pink_noise(rng: np.random.Generator, samples: int) -> np.ndarray:
    """1/f noise (rain, traffic, a kitchen's hum): white noise shaped in the frequency domain, unit variance."""
    if samples <= 0:
        return np.zeros(0, np.float32)
    spectrum = np.fft.rfft(rng.standard_normal(samples))
    frequencies = np.fft.rfftfreq(samples)
    frequencies[0] = frequencies[1] if samples > 1 else 1.0  # no infinite DC gain
    pink = np.fft.irfft(spectrum / np.sqrt(frequencies), n=samples)
    pink -= pink.mean()
    return (pink / (pink.std() or 1.0)).astype(np.float32)


def speech_power(speech: np.ndarray) -> float:
    """Mean square of the active speech (frames within ACTIVE_FLOOR_DB of the loudest); 0 for silence."""
    frame = SAMPLE_RATE_HZ // 100
    usable = len(speech) // frame * frame
    if usable == 0:
        return float(np.mean(np.square(speech))) if len(speech) else 0.0
    powers = np.mean(np.square(speech[:usable].reshape(-1, frame), dtype=np.float64), axis=1)
    loudest = float(powers.max())
    if loudest <= 0.0:
        return 0.0
    return float(powers[powers >= loudest * 10 ** (-ACTIVE_FLOOR_DB / 10)].mean())


def mix_at_snr(audio: np.ndarray, noise: np.ndarray, snr_db: float, speech: np.ndarray | None = None) -> np.ndarray:
    """audio + noise scaled so that the speech (audio itself unless given) is snr_db above it; clipped to [-1, 1]."""
    if len(noise) != len(audio):
        raise ValueError(f"noise has {len(noise)} samples, the audio {len(audio)}")
    signal = speech_power(audio if speech is None else speech)
    noise_power = float(np.mean(np.square(noise, dtype=np.float64)))
    if signal <= 0.0 or noise_power <= 0.0:
        return audio.astype(np.float32)
    gain = np.sqrt(signal / (noise_power * 10 ** (snr_db / 10)))
    return np.clip(audio + gain * noise, -1.0, 1.0).astype(np.float32)


def synthetic_room(rng: np.random.Generator, rt60_s: float, pre_delay_ms: float = 3.0) -> np.ndarray:
    """An impulse response: the direct sound, then exponentially decaying noise reaching -60 dB after rt60_s."""
    length = int(rt60_s * SAMPLE_RATE_HZ)
    t = np.arange(length) / SAMPLE_RATE_HZ
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60_s)  # ln(1000) = 6.9: -60 dB at rt60
    delay = int(pre_delay_ms * SAMPLE_RATE_HZ / 1000)
    tail[:delay] = 0.0
    impulse = np.concatenate([[1.0], 0.3 * tail / (np.abs(tail).max() or 1.0)])
    return impulse.astype(np.float32)


@register_room("small_room")
def small_room(rng: np.random.Generator) -> np.ndarray:
    """A small furnished room (RT60 0.3 s)."""
    return synthetic_room(rng, 0.3)


@register_room("living_room")
def living_room(rng: np.random.Generator) -> np.ndarray:
    """A larger room with hard surfaces (RT60 0.6 s)."""
    return synthetic_room(rng, 0.6)


def reverberate(audio: np.ndarray, impulse: np.ndarray) -> np.ndarray:
    """audio convolved with a room impulse (FFT), same length and peak level as the dry audio."""
    if len(audio) == 0:
        return audio.astype(np.float32)
    size = len(audio) + len(impulse) - 1
    n = 1 << (size - 1).bit_length()
    wet = np.fft.irfft(np.fft.rfft(audio, n) * np.fft.rfft(impulse, n), n)[: len(audio)]
    peak = float(np.abs(wet).max())
    wet *= float(np.abs(audio).max()) / peak if peak > 0 else 1.0
    return wet.astype(np.float32)
