"""Speech for data and evals: text said by espeak-ng or Piper voices at several speeds, optionally in noise or a room.

A Rendering is (text, voice, condition, seed); `render()` makes its 16 kHz clip (lead silence, speech, tail
silence; reverb, then noise over all of it). assistant/evaluation/heard.py hears renderings with the assistant's
own Whisper set-up and caches the transcripts; evals/make_spoken.py and finetune/speech.py draw their voices here.

Deterministic for a seed: espeak-ng is deterministic; Piper samples noise inside its ONNX graph (RandomNormalLike
without a seed), so each Piper rendering gets a fresh session created after onnxruntime.set_seed(seed) (~0.5 s on
this machine, measured; a session reused across renderings gives audio that depends on what it said before).
Noise and rooms come from numpy Generators seeded by the rendering (assistant/evaluation/noise.py).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError, ModelError
from assistant.evaluation import babble
from assistant.evaluation.noise import NOISES, ROOMS, mix_at_snr, register_noise, reverberate
from assistant.voice.audio import SAMPLE_RATE_HZ, resample

RENDER_VERSION = 1
"""Part of every transcript's cache key (heard.py): bump it when rendering changes in a way the key does not see."""
LEAD_S = 0.3
"""Silence (or noise) before the speech, as when a microphone is already open."""
TAIL_S = 0.6
"""After the speech: long enough for the VAD to hear it end."""
ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-us+m3", "en-gb+f2", "en-gb-scotland", "en-029")
"""espeak-ng English voices: American and British, female and male variants, Scottish and Caribbean accents."""
ESPEAK_SPEEDS_WPM = (130, 160, 190)
"""espeak-ng speaking rates in words a minute (its default is 175)."""
PIPER_VOICES = ("joe",)
"""Piper voices: "joe" is the bundled en_US joe medium (any other name is a path to an .onnx voice)."""
PIPER_LENGTH_SCALES = (0.85, 1.0, 1.2)
"""Piper speaking rates as length scales (below 1 is faster)."""
SPEED_RANGES = {"espeak": (80.0, 450.0), "piper": (0.5, 2.0)}
"""Accepted speeds: espeak-ng words a minute, Piper length scale."""


class SpokenError(AssistantError):
    """A rendering cannot be made: empty text, an unknown voice or noise, a missing speech engine."""


@dataclass(frozen=True)
class Voice:
    """Who says it, and how fast."""

    engine: str
    """"espeak" (espeak-ng) or "piper"."""
    name: str
    """espeak-ng voice with an optional variant ("en-gb+m3"); for Piper "joe" (bundled) or a path to an .onnx."""
    speed: float
    """espeak-ng: words a minute; Piper: length scale (1.0 is the voice's own pace, above 1 slower)."""

    @property
    def spec(self) -> str:
        """The form parse() reads: "espeak:en-gb+m3@160", "piper:joe@1.2"."""
        speed = f"{self.speed:g}"
        return f"{self.engine}:{self.name}@{speed}"

    @classmethod
    def parse(cls, spec: str) -> Voice:
        """A voice from its spec; SpokenError when malformed (existence is check_voice's job)."""
        match = re.fullmatch(r"(espeak|piper):([^@]+)@([0-9.]+)", spec.strip())
        if not match:
            raise SpokenError(f"voice {spec!r} is not ENGINE:NAME@SPEED (e.g. espeak:en-us+f3@160, piper:joe@1.0)")
        return cls(match[1], match[2], float(match[3]))


@dataclass(frozen=True)
class Condition:
    """What surrounds the speech."""

    noise: str = "clean"
    """"clean", or a kind in assistant.evaluation.noise.NOISES ("pink", "white", "babble")."""
    snr_db: float = 20.0
    """Speech level above the noise, dB (ignored when clean)."""
    room: str = ""
    """A room in noise.ROOMS whose reverb is applied before the noise; empty for dry speech."""

    @property
    def spec(self) -> str:
        """The form parse() reads: "clean", "pink@10", "clean+small_room", "pink@20+living_room"."""
        base = "clean" if self.noise == "clean" else f"{self.noise}@{self.snr_db:g}"
        return f"{base}+{self.room}" if self.room else base

    @classmethod
    def parse(cls, spec: str) -> Condition:
        """A condition from its spec; SpokenError naming the known kinds when it names an unknown one."""
        base, _, room = spec.strip().partition("+")
        noise, _, snr = base.partition("@")
        try:
            condition = cls(noise or "clean", float(snr) if snr else 20.0, room)
        except ValueError:
            raise SpokenError(f"noise {spec!r}: the SNR must be a number of dB (e.g. pink@10)") from None
        check_condition(condition)
        return condition


CLEAN = Condition()


@dataclass(frozen=True)
class Rendering:
    """One text said by one voice in one condition."""

    text: str
    """What the voice says."""
    voice: Voice
    """Who says it."""
    condition: Condition = CLEAN
    """Noise and room."""
    seed: int = 0
    """Seeds Piper's sampling, the noise and the room; the same seed gives the same audio."""


# ---------------------------------------------------------------- checking voices and conditions


@lru_cache(maxsize=1)
def espeak_binary() -> str:
    """The espeak-ng program; SpokenError when it is not installed."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise SpokenError("espeak-ng is not installed (apt-get install espeak-ng); espeak voices need it")
    return path


@lru_cache(maxsize=1)
def espeak_voices() -> tuple[frozenset[str], frozenset[str]]:
    """(voice names, variant names) espeak-ng knows: "en-us", "en-gb-scotland"...; "f3", "m3"..."""
    listing = subprocess.run([espeak_binary(), "--voices"], capture_output=True, text=True, timeout=10).stdout
    voices = {line.split()[1].lower() for line in listing.splitlines()[1:] if len(line.split()) > 1}
    voices |= {m.lower() for m in re.findall(r"\((\S+) \d+\)", listing)}  # "Other languages" such as (en 2)
    variants = subprocess.run([espeak_binary(), "--voices=variant"], capture_output=True, text=True, timeout=10).stdout
    names = {line.split()[-1].removeprefix("!v/") for line in variants.splitlines()[1:] if "!v/" in line}
    return frozenset(voices), frozenset(names)


def piper_path(name: str) -> Path:
    """The .onnx file of a Piper voice ("joe" is the bundled one); SpokenError when it is missing."""
    from assistant.models import piper_voice_path

    try:
        return piper_voice_path("" if name == "joe" else name)
    except ModelError as error:
        raise SpokenError(f"no Piper voice {name!r}: {error}") from None


def check_voice(voice: Voice) -> None:
    """SpokenError unless the voice exists here and its speed is in range."""
    if voice.engine not in SPEED_RANGES:
        raise SpokenError(f"unknown speech engine {voice.engine!r} (known: espeak, piper)")
    low, high = SPEED_RANGES[voice.engine]
    if not low <= voice.speed <= high:
        unit = "words a minute" if voice.engine == "espeak" else "length scale"
        raise SpokenError(f"voice {voice.spec}: speed {voice.speed:g} is outside {low:g}..{high:g} ({unit})")
    if voice.engine == "piper":
        piper_path(voice.name)
        return
    base, _, variant = voice.name.lower().partition("+")
    voices, variants = espeak_voices()
    if base not in voices:
        near = ", ".join(sorted(v for v in voices if v.startswith(base[:2]))[:12])
        raise SpokenError(f"espeak-ng has no voice {base!r} (voice {voice.spec}); similar: {near or 'none'}")
    if variant and variant not in variants:
        raise SpokenError(f"espeak-ng has no variant {variant!r} (voice {voice.spec}); e.g. f1-f5, m1-m7")


def check_condition(condition: Condition) -> None:
    """SpokenError unless its noise kind and room are known."""
    if condition.noise != "clean" and condition.noise not in NOISES:
        raise SpokenError(f"unknown noise {condition.noise!r} (known: clean, {', '.join(sorted(NOISES))})")
    if condition.room and condition.room not in ROOMS:
        raise SpokenError(f"unknown room {condition.room!r} (known: {', '.join(sorted(ROOMS))})")


def check_rendering(rendering: Rendering) -> None:
    """SpokenError for empty text, an unknown voice or an unknown condition."""
    if not rendering.text.strip():
        raise SpokenError("nothing to say: the text is empty")
    check_voice(rendering.voice)
    check_condition(rendering.condition)


def sample_voice(rng: random.Random, piper_share: float = 0.5) -> Voice:
    """A voice drawn from ESPEAK_VOICES x ESPEAK_SPEEDS_WPM, or Piper at PIPER_LENGTH_SCALES with piper_share."""
    if rng.random() < piper_share:
        return Voice("piper", rng.choice(PIPER_VOICES), rng.choice(PIPER_LENGTH_SCALES))
    return Voice("espeak", rng.choice(ESPEAK_VOICES), rng.choice(ESPEAK_SPEEDS_WPM))


# ---------------------------------------------------------------- rendering


class _Piper:
    """A Piper voice whose ONNX session is recreated per rendering after seeding onnxruntime (see module doc)."""

    def __init__(self, path: Path) -> None:
        import tempfile

        import onnxruntime
        from piper.config import PiperConfig

        self.config = PiperConfig.from_dict(json.loads(Path(f"{path}.json").read_text(encoding="utf-8")))
        # Optimise the graph once and keep the result in memory: recreating a session from it is ~3x faster.
        with tempfile.TemporaryDirectory() as folder:
            options = self._options()
            options.optimized_model_filepath = str(Path(folder) / "voice.onnx")
            onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            self.model = Path(options.optimized_model_filepath).read_bytes()

    @staticmethod
    def _options(optimise: bool = True) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3  # no warning about saving an optimised model
        if not optimise:
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        return options

    def say(self, text: str, length_scale: float, seed: int) -> tuple[np.ndarray, int]:
        import onnxruntime
        from piper import PiperVoice, SynthesisConfig

        onnxruntime.set_seed(seed % 2**31)
        session = onnxruntime.InferenceSession(self.model, self._options(False), providers=["CPUExecutionProvider"])
        voice = PiperVoice(session=session, config=self.config)
        chunks = list(voice.synthesize(text, SynthesisConfig(length_scale=length_scale)))
        audio = np.concatenate([c.audio_float_array for c in chunks]) if chunks else np.zeros(0, np.float32)
        return audio.astype(np.float32), self.config.sample_rate


_PIPERS: dict[str, _Piper] = {}


def _espeak_say(text: str, voice: Voice) -> tuple[np.ndarray, int]:
    import io

    import soundfile

    # The text goes on stdin: a sentence starting with "-" must not be read as an option.
    command = [espeak_binary(), "-v", voice.name, "-s", str(round(voice.speed)), "--stdout"]
    run = subprocess.run(command, input=text.encode(), capture_output=True, timeout=60, check=False)
    if run.returncode != 0 or not run.stdout:
        raise SpokenError(f"espeak-ng failed for voice {voice.spec}: {run.stderr.decode(errors='replace').strip()}")
    audio, rate = soundfile.read(io.BytesIO(run.stdout), dtype="float32")
    return audio, int(rate)


@lru_cache(maxsize=4)
def _engine_id(engine: str) -> str:
    """What identifies the speech engine's output besides the text: espeak-ng's version, the Piper voice's size."""
    if engine == "espeak":
        return subprocess.run([espeak_binary(), "--version"], capture_output=True, text=True).stdout.split(" Data")[0]
    return str(piper_path("joe").stat().st_size)


def _speech_file(cache_dir: Path, text: str, voice: Voice, seed: int) -> Path:
    """Where the dry speech of (text, voice, seed) is kept: a hash of them and of the engine (seed for Piper only)."""
    import hashlib

    key = {"text": text, "voice": voice.spec, "seed": seed if voice.engine == "piper" else 0,
           "engine": _engine_id(voice.engine), "version": RENDER_VERSION}  # fmt: skip
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return cache_dir / digest[:2] / f"{digest}.npy"


def speak(text: str, voice: Voice, seed: int = 0, speech_cache: Path | None = None) -> np.ndarray:
    """The text said by the voice, 16 kHz mono float32, nothing around it; with speech_cache, kept there as exact
    float32 (.npy) and read back, so a sentence rendered in many conditions is synthesised once."""
    if speech_cache is not None:
        path = _speech_file(speech_cache, text, voice, seed)
        if path.is_file():
            return np.load(path)
        speech = speak(text, voice, seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(temporary, speech)
        temporary.replace(path)  # atomic: a pool of workers may write the same sentence
        return speech
    if voice.engine == "espeak":
        audio, rate = _espeak_say(text, voice)
    else:
        if voice.name not in _PIPERS:
            _PIPERS[voice.name] = _Piper(piper_path(voice.name))
        audio, rate = _PIPERS[voice.name].say(text, voice.speed, seed)
    if not len(audio) or not np.any(audio):
        raise SpokenError(f"voice {voice.spec} said nothing for {text!r}")
    return resample(audio, rate)


@lru_cache(maxsize=1)
def babble_bank() -> babble.Bank:
    """The babble talkers' sentences, said once per process (assistant/evaluation/babble.py)."""
    return babble.make_bank(lambda text, spec, seed: speak(text, Voice.parse(spec), seed))


@register_noise("babble")
def babble_noise(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Other people talking: babble.TALKERS voices of the bank at once, unit variance."""
    return babble.babble(rng, samples, babble_bank())


def render(
    rendering: Rendering, *, speech_cache: Path | None = None, tail_s: float = TAIL_S
) -> tuple[np.ndarray, float]:
    """(16 kHz clip with lead and tail, speech seconds): speech, then the room's reverb, then noise over all of it.

    speech_cache: a folder for the dry speech (see speak); tail_s: seconds after the speech (the endpointing
    measurement wants more than the VAD's silence)."""
    check_rendering(rendering)
    speech = speak(rendering.text, rendering.voice, rendering.seed, speech_cache)
    lead, tail = np.zeros(int(LEAD_S * SAMPLE_RATE_HZ), np.float32), np.zeros(int(tail_s * SAMPLE_RATE_HZ), np.float32)
    clip = np.concatenate([lead, speech, tail])
    condition = rendering.condition
    if condition.room:
        clip = reverberate(clip, ROOMS[condition.room](np.random.default_rng([rendering.seed, 1])))
    if condition.noise != "clean":
        noise = NOISES[condition.noise](np.random.default_rng([rendering.seed, 2]), len(clip))
        clip = mix_at_snr(clip, noise, condition.snr_db)
    return clip, len(speech) / SAMPLE_RATE_HZ
