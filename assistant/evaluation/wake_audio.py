"""Audio for the wake-word benchmark, made by a seeded script: wake phrases in several voices and noises, and an
hour of speech and music that holds no wake phrase.

Voices: espeak-ng (several accents and variants, two speeds) and Piper (the bundled voice at three speaking rates).
Music: synthesised, seeded (melody, chords, bass and drums with harmonics and envelopes), since no recording may be
downloaded; it stands in for a radio in the kitchen. Everything at 16 kHz float32.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.voice.audio import SAMPLE_RATE_HZ, read_wav, resample

log = logging.getLogger(__name__)

ESPEAK_VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-029", "en-us+f2", "en-gb-x-rp+f4", "en-us+m3")
"""espeak-ng voices: American, British, Scottish, Caribbean, two female variants and a male variant."""
ESPEAK_SPEEDS_WPM = (140, 180)
PIPER_LENGTH_SCALES = (0.85, 1.0, 1.2)
"""Piper speaking rates (< 1 faster) for the bundled voice."""
NOISES = ("clean", "white_20db", "white_10db", "music_10db", "speech_10db")
"""Background conditions: none, white noise at 20 and 10 dB SNR, music and other talk at 10 dB SNR."""
COMMANDS = ("what time is it", "play some music", "will it rain tomorrow", "turn it down")
"""Said after the wake phrase in half of the trials, in one breath, as users do."""
WAKE_NAMES = ("alexa", "jarvis", "nabu", "mycroft", "rhasspy", "computer")
"""Words no non-wake sentence may hold."""

_SUBJECTS = (
    "my sister|the neighbours|our teacher|the kids|my friend from work|the doctor|grandma|the new manager|we".split("|")
)
_VERBS = "said|thought|told me|wondered whether|promised that|forgot that|heard that|read that".split("|")
_CLAUSES = (
    "the train was late again this morning|the bakery on the corner closed last week|it might snow on sunday|"
    "the garden needs water before the weekend|dinner will be ready at seven|the match went to extra time|"
    "the roof leaks when the wind comes from the west|the library has a new reading room|the price of coffee went up|"
    "the cat got stuck in the shed|the meeting moved to thursday afternoon|the old bridge is being painted|"
    "the soup needs more salt|nobody remembered to buy milk|the car makes a strange noise on the motorway"
).split("|")
_TAILS = "|, so we stayed at home| and everybody laughed|, which surprised nobody| and then the phone rang".split("|")


@dataclass
class Trial:
    """One spoken wake phrase in its background."""

    audio: np.ndarray
    """16 kHz float32: background, the phrase (maybe followed by a command), background."""
    start: int
    """First sample of the phrase."""
    end: int
    """Last sample of the phrase (a detection is counted up to 1 s after it)."""
    voice: str
    """The TTS voice, e.g. espeak:en-gb@140 or piper:joe@1.2."""
    noise: str
    """One of NOISES."""


class Voices:
    """Speaks text with espeak-ng voices and the bundled Piper voice (loaded on first use)."""

    def __init__(self) -> None:
        self.espeak = shutil.which("espeak-ng")
        self.piper: object | None = None

    def names(self, piper: bool = True) -> list[str]:
        """Every voice label this machine can speak with."""
        names = [f"espeak:{v}@{s}" for v in ESPEAK_VOICES for s in ESPEAK_SPEEDS_WPM] if self.espeak else []
        if piper and self._piper() is not None:
            names += [f"piper:joe@{scale}" for scale in PIPER_LENGTH_SCALES]
        return names

    def _piper(self) -> object | None:
        if self.piper is None:
            try:
                from piper import PiperVoice

                from assistant.models import piper_voice_path

                self.piper = PiperVoice.load(str(piper_voice_path()))
            except Exception as error:  # a missing or broken voice only drops Piper from the benchmark
                log.warning("Piper unavailable for the wake benchmark: %s", error)
                self.piper = False
        return self.piper or None

    def say(self, text: str, voice: str) -> np.ndarray:
        """text in voice (a label from names()) at 16 kHz."""
        kind, _, rest = voice.partition(":")
        name, _, rate = rest.partition("@")
        if kind == "piper":
            from piper import SynthesisConfig

            chunks = list(self._piper().synthesize(text, SynthesisConfig(length_scale=float(rate))))  # type: ignore[attr-defined]
            audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
            return resample(audio, int(chunks[0].sample_rate))
        run = subprocess.run(
            [str(self.espeak), "-v", name, "-s", rate, "--stdout", text], capture_output=True, check=True, timeout=30
        )
        import io

        import soundfile

        audio, rate_hz = soundfile.read(io.BytesIO(run.stdout), dtype="float32")
        return resample(audio, int(rate_hz))


def _rms(audio: np.ndarray) -> float:
    voiced = audio[np.abs(audio) > 1e-3]
    return float(np.sqrt(np.mean(voiced**2))) if voiced.size else 1e-3


def mix(signal: np.ndarray, background: np.ndarray, snr_db: float) -> np.ndarray:
    """signal with background (looped or cut to its length) scaled to snr_db below it."""
    if background.size == 0:
        return signal
    reps = int(np.ceil(len(signal) / len(background)))
    bed = np.tile(background, reps)[: len(signal)]
    gain = _rms(signal) / (_rms(bed) * 10 ** (snr_db / 20))
    return np.clip(signal + bed * gain, -1.0, 1.0).astype(np.float32)


def music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Seeded synthetic music: a melody, chords and a bass in one key, with drums, at a random tempo."""
    n = int(seconds * SAMPLE_RATE_HZ)
    out = np.zeros(n, np.float32)
    beat = 60.0 / rng.uniform(70, 150)
    root = int(rng.integers(45, 57))
    scale = [0, 2, 4, 5, 7, 9, 11] if rng.random() < 0.5 else [0, 2, 3, 5, 7, 8, 10]
    harmonics = rng.uniform(0.1, 0.8, size=5) ** np.arange(1, 6)

    def note(midi: float, start_s: float, length_s: float, level: float) -> None:
        first = int(start_s * SAMPLE_RATE_HZ)
        count = min(int(length_s * SAMPLE_RATE_HZ), n - first)
        if count <= 0:
            return
        t = np.arange(count) / SAMPLE_RATE_HZ
        hz = 440.0 * 2 ** ((midi - 69) / 12)
        wave = sum(a * np.sin(2 * np.pi * hz * (k + 1) * t) for k, a in enumerate(harmonics) if hz * (k + 1) < 7500)
        envelope = np.minimum(1.0, t / 0.01) * np.exp(-t * rng.uniform(1.5, 4.0))
        out[first : first + count] += (level * wave * envelope).astype(np.float32)

    position = 0.0
    while position < seconds:
        degree = int(rng.integers(0, 7))
        chord = [root + 12 + scale[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in (0, 2, 4)]
        for pitch in chord:
            note(pitch, position, 4 * beat, 0.08)
        note(root + scale[degree] - 12, position, 2 * beat, 0.25)
        note(root + scale[degree] - 12, position + 2 * beat, 2 * beat, 0.2)
        step = position
        while step < position + 4 * beat:
            length = beat * float(rng.choice([0.5, 0.5, 1.0, 1.0, 2.0]))
            note(root + 24 + scale[int(rng.integers(0, 7))], step, length, 0.15)
            step += length
        for k in range(4):  # kick on every beat, a hiss of hi-hat on the off-beats
            start = int((position + k * beat) * SAMPLE_RATE_HZ)
            kick = np.sin(2 * np.pi * 60 * np.arange(2000) / SAMPLE_RATE_HZ) * np.exp(-np.arange(2000) / 400)
            hat = np.diff(rng.standard_normal(801)) * np.exp(-np.arange(800) / 150) * 0.05
            for sound, at in ((kick * 0.4, start), (hat, start + int(beat * SAMPLE_RATE_HZ / 2))):
                stop = min(n, at + len(sound))
                if at < stop:
                    out[at:stop] += sound[: stop - at].astype(np.float32)
        position += 4 * beat
    return (out / max(1e-6, float(np.max(np.abs(out)))) * 0.5).astype(np.float32)


def sentences(evals_dir: Path, rng: np.random.Generator) -> list[str]:
    """Non-wake sentences: evals/full.jsonl's English requests and seeded household talk, no wake word in any."""
    texts: list[str] = []
    path = evals_dir / "full.jsonl"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("lang", "en") == "en":
                texts.append(str(record["text"]))
    for _ in range(1500):
        texts.append(
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_CLAUSES)}{rng.choice(_TAILS)}".capitalize()
        )
    banned = re.compile(r"\b(" + "|".join(WAKE_NAMES) + r")", re.IGNORECASE)
    texts = sorted({t for t in texts if not banned.search(t)})
    rng.shuffle(texts)
    return texts


def negatives(minutes: float, seed: int, cache_dir: Path, evals_dir: Path, voices: Voices | None = None) -> np.ndarray:
    """minutes of non-wake audio: about 70% talk (espeak-ng voices, a fifth Piper) and 30% music, cached by seed."""
    path = cache_dir / f"wake-negatives-seed{seed}-{minutes:g}min.flac"
    if path.is_file():
        return read_wav(path)
    rng = np.random.default_rng(seed)
    voices = voices or Voices()
    names = voices.names()
    espeak_names = [n for n in names if n.startswith("espeak:")]
    piper_names = [n for n in names if n.startswith("piper:")]
    texts = sentences(evals_dir, rng)
    target = int(minutes * 60 * SAMPLE_RATE_HZ)
    parts: list[np.ndarray] = []
    total = 0
    index = 0
    while total < target:
        if rng.random() < 0.3:
            piece = music(float(rng.uniform(20, 60)), rng)
        else:
            # A stretch of talk: a few sentences by one voice, pauses between them, as in a conversation.
            pool = piper_names if piper_names and rng.random() < 0.2 else espeak_names
            voice = str(rng.choice(pool))
            said = []
            for _ in range(int(rng.integers(3, 10))):
                said.append(voices.say(texts[index % len(texts)], voice) * float(rng.uniform(0.3, 0.9)))
                said.append(np.zeros(int(rng.uniform(0.2, 1.5) * SAMPLE_RATE_HZ), np.float32))
                index += 1
            piece = np.concatenate(said)
        parts.append(piece)
        total += len(piece)
    audio = np.concatenate(parts)[:target]
    cache_dir.mkdir(parents=True, exist_ok=True)
    import soundfile

    soundfile.write(str(path), np.clip(audio, -1, 1), SAMPLE_RATE_HZ, subtype="PCM_16")
    log.info("wrote %s (%d sentences)", path, index)
    return audio


def trials(phrase: str, seed: int, voices: Voices | None = None, babble: np.ndarray | None = None) -> Iterator[Trial]:
    """phrase in every voice and every noise in NOISES; half of them followed by a command in one breath."""
    rng = np.random.default_rng(seed)
    voices = voices or Voices()
    white = rng.standard_normal(SAMPLE_RATE_HZ * 5).astype(np.float32)
    tune = music(20.0, rng)
    if babble is None:  # another person talking in the room: a voice the trials do not use
        babble = (
            np.concatenate([voices.say(clause, "espeak:en-us+f4@170") for clause in _CLAUSES[:6]])
            if voices.espeak
            else white
        )
    for voice in voices.names():
        spoken = voices.say(phrase, voice)
        for k, noise in enumerate(NOISES):
            lead = np.zeros(int(rng.uniform(1.0, 2.0) * SAMPLE_RATE_HZ), np.float32)
            after = [np.zeros(int(1.5 * SAMPLE_RATE_HZ), np.float32)]
            if k % 2:
                command = voices.say(COMMANDS[k % len(COMMANDS)], voice)
                after = [np.zeros(int(0.15 * SAMPLE_RATE_HZ), np.float32), command, after[0][:SAMPLE_RATE_HZ]]
            clean = np.concatenate([lead, spoken, *after])
            start, end = len(lead), len(lead) + len(spoken)
            if noise == "clean":
                audio = clean
            else:
                kind, snr = noise.split("_")
                bed = {"white": white, "music": tune, "speech": babble}[kind]
                offset = int(rng.integers(0, max(1, len(bed) - len(clean))))
                audio = mix(clean, np.roll(bed, -offset), float(snr.removesuffix("db")))
            yield Trial(audio, start, end, voice, noise)
