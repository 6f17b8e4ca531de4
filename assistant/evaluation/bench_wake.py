"""Wake-word benchmark: recall per voice and noise, false wakes per hour of talk and music, CPU against Whisper.

`assistant bench --section wake` (or `python -m assistant.evaluation.bench_wake`). For each engine and shipped
word: the phrase in every voice of wake_audio.trials (espeak-ng and Piper, five background conditions) counts as
heard when a detection falls between its start and one second after its end; false wakes are the detections in
wake_audio.negatives (seeded, an hour by default, cached). Several words share one front end (the features are the
same), so every shipped model is scored in one pass; the CPU figure comes from the runtime engine itself
(assistant.voice.wakeword) over a slice of the same audio, as does "transcribe everything" (Silero VAD + Whisper on
every utterance, the transcript wake phrase's path).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Config, load_config
from assistant.voice.audio import FRAME_SAMPLES, SAMPLE_RATE_HZ
from assistant.voice.wakeword import (
    MODELS,
    WakeWordDetector,
    WakeWordEngine,
    load_engine,
    model_file,
    pcm16,
    reset_micro_model,
    spoken_phrase,
)

HIT_AFTER_MS = 1000
"""A detection up to this long after the phrase ends still counts as hearing it."""
SWEEP = (0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97)
"""Thresholds reported besides each model's own, to choose one."""
EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"


class FrontEnd:
    """One engine's features computed once per chunk, scored by several word models: max probability per word."""

    def __init__(self, engine: str, words: list[str]) -> None:
        self.engine = engine
        self.words = words
        if engine == "micro":
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures

            self.features: Any = MicroWakeWordFeatures()
            self.models: list[Any] = [MicroWakeWord.from_config(model_file(w, engine, ".json")) for w in words]
        else:
            from pyopen_wakeword import OpenWakeWord, OpenWakeWordFeatures

            self.features = OpenWakeWordFeatures.from_builtin()
            self.models = [OpenWakeWord.from_model(model_file(w, engine, ".tflite")) for w in words]

    def reset(self) -> None:
        """A fresh stream (between trials)."""
        self.features.reset()
        for model in self.models:
            if self.engine == "micro":
                reset_micro_model(model)
            else:
                model.reset()

    def frames(self, audio: np.ndarray) -> np.ndarray:
        """Per FRAME_SAMPLES frame, each word's highest probability: shape (frames, words)."""
        out = np.zeros((len(audio) // FRAME_SAMPLES, len(self.models)), np.float32)
        for i in range(len(out)):
            pcm = pcm16(audio[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])
            for features in self.features.process_streaming(pcm):
                for j, model in enumerate(self.models):
                    if self.engine == "micro":
                        p = model.process_streaming_prob(features) or 0.0
                        out[i, j] = max(out[i, j], p)
                    else:
                        for p in model.process_streaming(features):
                            out[i, j] = max(out[i, j], p)
        return out


def detections(probabilities: np.ndarray, threshold: float) -> list[int]:
    """The frames where WakeWordDetector would fire for this probability track (same threshold and refractory)."""
    decide = WakeWordDetector(_Null(), threshold)
    return [i for i, p in enumerate(probabilities) if decide.observe(float(p), FRAME_SAMPLES) is not None]


class _Null(WakeWordEngine):
    """An engine stand-in for replaying known probabilities through WakeWordDetector's decision."""

    name = "replay"

    def process(self, samples: np.ndarray) -> float:
        return 0.0


def score_words(engine: str, words: list[str], negatives: np.ndarray, seed: int) -> dict[str, Any]:
    """Recall (by voice, by noise) and false wakes per hour for each word, at its own threshold and a sweep."""
    from assistant.evaluation.wake_audio import trials

    front = FrontEnd(engine, words)
    thresholds = {w: load_engine(engine, w).threshold for w in words}
    hours = len(negatives) / SAMPLE_RATE_HZ / 3600
    front.reset()
    negative_tracks = front.frames(negatives)
    result: dict[str, Any] = {}
    for j, word in enumerate(words):
        hits: list[tuple[str, str, float]] = []  # voice, noise, peak probability inside the window
        for trial in trials(spoken_phrase(word), seed):
            front.reset()
            track = front.frames(trial.audio)
            first = trial.start // FRAME_SAMPLES
            last = (trial.end + HIT_AFTER_MS * SAMPLE_RATE_HZ // 1000) // FRAME_SAMPLES + 1
            hits.append((trial.voice, trial.noise, float(track[first:last, front.words.index(word)].max())))
        own = thresholds[word]

        def recall(threshold: float, keep: Any = lambda h: True, hits: list[Any] = hits) -> float:
            chosen = [h for h in hits if keep(h)]
            return round(sum(h[2] >= threshold for h in chosen) / max(1, len(chosen)), 3)

        def false_per_hour(threshold: float, j: int = j) -> float:
            return round(len(detections(negative_tracks[:, j], threshold)) / hours, 2)

        voices = sorted({h[0] for h in hits})
        noises = list(dict.fromkeys(h[1] for h in hits))
        result[word] = {
            "threshold": own,
            "recall": recall(own),
            "false_wakes_per_hour": false_per_hour(own),
            "trials": len(hits),
            "recall_by_voice": {v: recall(own, lambda h, v=v: h[0] == v) for v in voices},
            "recall_by_noise": {n: recall(own, lambda h, n=n: h[1] == n) for n in noises},
            "sweep": {str(t): [recall(t), false_per_hour(t)] for t in SWEEP},
        }
    return result


def cpu_engine(engine: str, word: str, audio: np.ndarray) -> dict[str, float]:
    """CPU seconds per audio second of the runtime detector fed the loop's frames (percent of one core)."""
    from assistant.voice.wakeword import detector_from_config

    detector = detector_from_config(argparse.Namespace(wake_engine=engine, wake_word=word, wake_threshold=0.0))
    started_cpu, started = time.process_time(), time.perf_counter()
    for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        detector.feed(audio[i : i + FRAME_SAMPLES])
    cpu_s, wall_s = time.process_time() - started_cpu, time.perf_counter() - started
    detector.close()
    audio_s = len(audio) / SAMPLE_RATE_HZ
    return {"cpu_pct_of_core": round(100 * cpu_s / audio_s, 2), "realtime_factor": round(wall_s / audio_s, 4)}


def cpu_transcribe_everything(config: Config, audio: np.ndarray) -> dict[str, Any]:
    """Silero VAD on every frame and Whisper on every utterance, as the transcript wake phrase needs; CPU and
    the transcript phrase's false wakes over the same audio."""
    from assistant.voice.stt import stt_from_config
    from assistant.voice.vad import Endpointer, SileroVad
    from assistant.voice.wake import WakePhrase

    stt = stt_from_config(config, hotwords=())
    stt.wait_ready()
    endpointer = Endpointer(SileroVad(), config.vad)
    phrase = WakePhrase(config.audio.wake_phrases, config.audio.wake_window_ms)
    utterances = woke = 0
    speech_ms = 0.0
    started_cpu, started = time.process_time(), time.perf_counter()
    for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        for utterance in endpointer.feed(audio[i : i + FRAME_SAMPLES]):
            utterances += 1
            speech_ms += utterance.duration_ms
            text = stt.transcribe(utterance.audio).text
            woke += phrase.heard(text)
    cpu_s, wall_s = time.process_time() - started_cpu, time.perf_counter() - started
    audio_s = len(audio) / SAMPLE_RATE_HZ
    return {
        "model": config.stt.model,
        "cpu_pct_of_core": round(100 * cpu_s / audio_s, 2),
        "realtime_factor": round(wall_s / audio_s, 4),
        "utterances": utterances,
        # Whisper's cost follows the talk it is given: this share of the slice was handed to it.
        "transcribed_pct_of_audio": round(100 * speech_ms / 1000 / audio_s, 1),
        "false_wakes_per_hour": round(woke / (audio_s / 3600), 2),
        "phrases": config.audio.wake_phrases,
    }


def transcript_recall(config: Config, seed: int) -> dict[str, Any]:
    """The transcript wake phrase's recall on the same voices and noises ("hey computer", Whisper + VAD)."""
    from assistant.evaluation.wake_audio import trials
    from assistant.voice.stt import stt_from_config
    from assistant.voice.vad import SileroVad, speech_span
    from assistant.voice.wake import WakePhrase

    stt = stt_from_config(config, hotwords=())
    stt.wait_ready()
    vad = SileroVad()
    heard: list[tuple[str, str, bool]] = []
    for trial in trials(config.audio.wake_phrases[0], seed):
        span = speech_span(vad, trial.audio, config.vad)
        text = stt.transcribe(trial.audio[span[0] : span[1]]).text if span else ""
        heard.append((trial.voice, trial.noise, WakePhrase(config.audio.wake_phrases).heard(text)))
    noises = list(dict.fromkeys(h[1] for h in heard))
    return {
        "phrase": config.audio.wake_phrases[0],
        "recall": round(sum(h[2] for h in heard) / max(1, len(heard)), 3),
        "recall_by_noise": {n: round(float(np.mean([h[2] for h in heard if h[1] == n])), 3) for n in noises},
    }


def wake_bench(
    config: Config,
    *,
    minutes: float = 60.0,
    cpu_minutes: float = 5.0,
    seed: int = 1,
    engines: tuple[str, ...] = ("micro", "openwakeword"),
    whisper: bool = True,
) -> dict[str, Any]:
    """The whole measurement; flat headline keys (wake_*) plus wake_detail with every table."""
    from assistant.evaluation.wake_audio import negatives

    started = time.perf_counter()
    audio = negatives(minutes, seed, config.data_path / "bench", EVALS_DIR)
    built_s = time.perf_counter() - started
    slice_ = audio[: int(cpu_minutes * 60 * SAMPLE_RATE_HZ)]
    detail: dict[str, Any] = {"negatives_minutes": round(len(audio) / SAMPLE_RATE_HZ / 60, 1), "seed": seed}
    result: dict[str, Any] = {}
    for engine in engines:
        try:
            words = list(MODELS[engine])
            detail[engine] = score_words(engine, words, audio, seed)
        except (ImportError, OSError) as error:
            result[f"wake_{engine}_error"] = str(error)
            continue
        for word in words:
            detail[engine][word]["cpu"] = cpu_engine(engine, word, slice_)
            scores = detail[engine][word]
            key = f"wake_{engine}_{word}"
            result[f"{key}_recall"] = scores["recall"]
            result[f"{key}_false_per_hour"] = scores["false_wakes_per_hour"]
            result[f"{key}_cpu_pct"] = scores["cpu"]["cpu_pct_of_core"]
    if whisper:
        detail["transcribe_everything"] = cpu_transcribe_everything(config, slice_)
        detail["transcribe_everything"].update(transcript_recall(config, seed))
        result["wake_transcript_cpu_pct"] = detail["transcribe_everything"]["cpu_pct_of_core"]
        result["wake_transcript_recall"] = detail["transcribe_everything"]["recall"]
        result["wake_transcript_false_per_hour"] = detail["transcribe_everything"]["false_wakes_per_hour"]
    detail["cpu_slice_minutes"] = cpu_minutes
    detail["corpus_build_s"] = round(built_s, 1)
    detail["wall_s"] = round(time.perf_counter() - started, 1)
    result["wake_detail"] = detail
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: the wake benchmark alone, one JSON object on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="config file")
    parser.add_argument("--minutes", type=float, default=60.0, help="non-wake audio for false wakes (default 60)")
    parser.add_argument("--cpu-minutes", type=float, default=5.0, help="audio for the CPU figures (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", action="append", choices=list(MODELS), help="only this engine (repeatable)")
    parser.add_argument("--no-whisper", action="store_true", help="skip transcribe-everything")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    result = wake_bench(
        config,
        minutes=args.minutes,
        cpu_minutes=args.cpu_minutes,
        seed=args.seed,
        engines=tuple(args.engine or MODELS),
        whisper=not args.no_whisper,
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
