"""Wake word from audio: a small streaming model hears "hey jarvis" without transcribing anything.

Two engines, both TensorFlow Lite on the CPU, both with their models inside the PyPI wheel (x86_64 and aarch64):
microWakeWord through `pymicro-wakeword` (models of 50-80 kB, the one ESPHome satellites use) and openWakeWord
through `pyopen-wakeword` (a shared melspectrogram + embedding front end, then a 0.2-1.3 MB model per word). The
`openwakeword` package itself ships no model (it downloads them at first use), so it is not used. The transcript
wake phrase (assistant/voice/wake.py) stays the fallback when neither loads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelError
from assistant.voice.audio import SAMPLE_RATE_HZ

log = logging.getLogger(__name__)

ENGINES = ("micro", "openwakeword")
"""Model engines; "transcript" (the wake phrase in Whisper's text) is the loop's fallback, not an engine here."""
MODELS = {
    "micro": ("alexa", "hey_jarvis", "hey_mycroft", "okay_nabu"),
    "openwakeword": ("alexa", "hey_jarvis", "hey_mycroft", "hey_rhasspy", "okay_nabu"),
}
"""The words whose models ship inside each engine's wheel."""
REFRACTORY_MS = 2000
"""After a detection, further detections are ignored this long (one phrase lights several inference steps)."""


def model_name(word: str) -> str:
    """A configured wake word as a model name: "Hey Jarvis", "hey-jarvis" and "hey_jarvis" are one word."""
    return "_".join(word.strip().lower().replace("-", " ").replace("_", " ").split())


def spoken_phrase(word: str) -> str:
    """What the user says for a model name ("okay_nabu" -> "okay nabu"); a model file's stem for a path."""
    name = Path(word).stem if word.endswith((".json", ".tflite")) else model_name(word)
    return name.replace("_", " ")


def pcm16(samples: np.ndarray) -> bytes:
    """float32 audio in -1..1 as 16-bit little-endian PCM, what both engines' front ends read."""
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


class WakeWordEngine:
    """A streaming wake-word model: feed 16 kHz audio of any length, get the highest probability it produced."""

    name = ""
    threshold = 0.5
    """The model's own detection cutoff (0..1)."""

    def process(self, samples: np.ndarray) -> float:
        """Run the model over samples (16 kHz float32); the highest probability of the steps completed (0 if none)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the audio heard so far (after a detection, or after the assistant spoke)."""

    def close(self) -> None:
        """Release the TFLite interpreters."""


class MicroEngine(WakeWordEngine):
    """microWakeWord (pymicro-wakeword): a 10 ms feature front end in C++, a model step every 30 ms."""

    def __init__(self, word: str) -> None:
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures
        except (ImportError, OSError) as error:
            raise ModelError(
                f"the micro wake-word engine is not installed ({error}); pip install pymicro-wakeword"
            ) from None
        config_path = model_file(word, "micro", ".json")
        try:
            self.model = MicroWakeWord.from_config(config_path)
        except (OSError, ValueError, KeyError) as error:
            raise ModelError(f"cannot load wake-word model {config_path}: {error}") from None
        self.features = MicroWakeWordFeatures()
        self.name = f"micro:{config_path.stem}"
        self.threshold = float(self.model.probability_cutoff)

    def process(self, samples: np.ndarray) -> float:
        """Features per 10 ms, a model step per 3 features; the model averages its last few steps itself."""
        best = 0.0
        for features in self.features.process_streaming(pcm16(samples)):
            probability = self.model.process_streaming_prob(features)
            if probability is not None and probability > best:
                best = float(probability)
        return best

    def reset(self) -> None:
        """Clear the front end, the model's averaging window and the model's own streaming state."""
        self.features.reset()
        reset_micro_model(self.model)

    def close(self) -> None:
        """Release the interpreter."""
        self.model.close()


def reset_micro_model(model: Any) -> None:
    """A microWakeWord model as if new: a streaming model keeps the last second of features inside the
    interpreter, so a word heard before a turn would fire again after it; pymicro-wakeword 2.5 has no reset, so the
    interpreter is made again (about a millisecond) and its two Python buffers emptied."""
    model.close()
    model._load_model()
    model._features.clear()
    model._probabilities.clear()


class OpenWakeWordEngine(WakeWordEngine):
    """openWakeWord (pyopen-wakeword): melspectrogram every 80 ms, a shared embedding, then the word's model."""

    def __init__(self, word: str) -> None:
        try:
            from pyopen_wakeword import OpenWakeWord, OpenWakeWordFeatures
        except (ImportError, OSError) as error:
            raise ModelError(
                f"the openwakeword engine is not installed ({error}); pip install pyopen-wakeword"
            ) from None
        model_path = model_file(word, "openwakeword", ".tflite")
        try:
            self.model = OpenWakeWord.from_model(model_path)
            self.features = OpenWakeWordFeatures.from_builtin()
        except (OSError, ValueError) as error:
            raise ModelError(f"cannot load wake-word model {model_path}: {error}") from None
        self.name = f"openwakeword:{model_path.stem}"
        self.threshold = 0.5  # openWakeWord's documented default

    def process(self, samples: np.ndarray) -> float:
        """Audio to embeddings to probabilities; the highest of this chunk."""
        best = 0.0
        for embeddings in self.features.process_streaming(pcm16(samples)):
            for probability in self.model.process_streaming(embeddings):
                best = max(best, float(probability))
        return best

    def reset(self) -> None:
        """Clear both the front end's and the model's windows."""
        self.features.reset()
        self.model.reset()

    def close(self) -> None:
        """Release the three interpreters."""
        self.model.close()
        self.features.close()


def _package_models(engine: str) -> Path:
    """The models folder inside the engine's installed wheel."""
    module = "pymicro_wakeword" if engine == "micro" else "pyopen_wakeword"
    import importlib

    return Path(str(importlib.import_module(module).__file__)).parent / "models"


def model_file(word: str, engine: str, suffix: str) -> Path:
    """A shipped model by name, or a model file by path; ModelError naming the choices otherwise."""
    if word.endswith(suffix):
        path = Path(word).expanduser()
        if not path.is_file():
            raise ModelError(f"wake-word model {path} does not exist")
        return path
    name = model_name(word)
    path = _package_models(engine) / f"{name}{suffix}"
    if not path.is_file():
        choices = ", ".join(MODELS[engine])
        raise ModelError(
            f"no {engine} wake-word model for {word!r}; shipped: {choices} (or a {suffix} file, "
            f'or audio.wake_engine = "transcript" for a phrase in the transcript)'
        )
    return path


def load_engine(engine: str, word: str) -> WakeWordEngine:
    """The engine ("micro" or "openwakeword") with the model for word; ModelError with a sentence when it cannot."""
    if engine == "micro":
        return MicroEngine(word)
    if engine == "openwakeword":
        return OpenWakeWordEngine(word)
    raise ModelError(f"unknown wake-word engine {engine!r}; use one of {', '.join(ENGINES)} or transcript")


@dataclass(frozen=True)
class Detection:
    """One time the wake word was heard."""

    probability: float
    """The model's probability at the detection (0..1)."""
    sample: int
    """Stream position (16 kHz samples fed since the detector started) of the chunk that crossed the threshold."""


class WakeWordDetector:
    """An engine with a threshold and a refractory period: feed the microphone's frames, get detections."""

    def __init__(self, engine: WakeWordEngine, threshold: float = 0.0, refractory_ms: int = REFRACTORY_MS) -> None:
        self.engine = engine
        self.threshold = threshold or engine.threshold
        self.refractory_samples = refractory_ms * SAMPLE_RATE_HZ // 1000
        self.position = 0
        """Samples fed so far."""
        self.last_detection = -self.refractory_samples

    @property
    def name(self) -> str:
        """engine:model, e.g. micro:hey_jarvis."""
        return self.engine.name

    def feed(self, samples: np.ndarray) -> Detection | None:
        """Process samples; a Detection when the probability crossed the threshold outside the refractory period."""
        return self.observe(self.engine.process(samples), len(samples))

    def observe(self, probability: float, n_samples: int) -> Detection | None:
        """The decision for a chunk of n_samples whose highest probability is known (the benchmark scores several
        words from one front end this way)."""
        self.position += n_samples
        if probability < self.threshold or self.position - self.last_detection < self.refractory_samples:
            return None
        self.last_detection = self.position
        log.info("wake word %s heard (p=%.2f)", self.name, probability)
        return Detection(probability, self.position)

    def reset(self) -> None:
        """Forget the audio so far: after a turn, what was heard before must not complete a detection, and the
        refractory period is over (the detector was not fed during the turn, so its clock stood still)."""
        self.engine.reset()
        self.last_detection = self.position - self.refractory_samples

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()


def detector_from_config(audio: Any) -> WakeWordDetector:
    """The detector for [audio] wake_engine / wake_word / wake_threshold; ModelError when it cannot load."""
    return WakeWordDetector(load_engine(audio.wake_engine, audio.wake_word), audio.wake_threshold)


def shipped_models() -> dict[str, list[str]]:
    """engine -> the wake words whose models are installed here (empty list: the engine is not installed)."""
    found: dict[str, list[str]] = {}
    for engine, names in MODELS.items():
        try:
            folder = _package_models(engine)
        except ImportError:
            found[engine] = []
            continue
        suffix = ".json" if engine == "micro" else ".tflite"
        found[engine] = [name for name in names if (folder / f"{name}{suffix}").is_file()]
    return found
