"""What the assistant's Whisper hears of spoken renderings (assistant/evaluation/spoken.py), cached on disk.

`hear()` turns renderings into transcripts the way the product would: the clip is cut to its speech by the Silero
VAD and transcribed by `stt_from_config` (the configured model, beam and language, the registry's hotwords after
the command vocabulary as bias). Each transcript is cached under a sha256 of the rendering and of everything else
that shapes it (model, [stt] and [vad] settings, bias words, espeak-ng version, Piper voice, RENDER_VERSION), so a
rerun reads it back; misses are spread over a pool of processes (two by default: this machine has two cores), one
Whisper thread each, so a transcript does not depend on how many workers made it.

`python -m assistant.evaluation.heard "play baby shark" --voice espeak:en-gb+m3@160 --noise pink@10` prints what
Whisper hears (`--wav F` keeps the audio, `--voices` lists the voices the mixes draw from).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from assistant.config import Config, load_config
from assistant.errors import AssistantError
from assistant.evaluation.bench_voice import edit_distance
from assistant.evaluation.spoken import (
    CLEAN,
    ESPEAK_SPEEDS_WPM,
    ESPEAK_VOICES,
    PIPER_LENGTH_SCALES,
    PIPER_VOICES,
    RENDER_VERSION,
    Condition,
    Rendering,
    Voice,
    check_rendering,
    piper_path,
    render,
)
from assistant.i18n import normalize_text
from assistant.numbers import read_numbers


@dataclass(frozen=True)
class Heard:
    """What Whisper heard of one rendering."""

    rendering: Rendering
    """What was said."""
    transcript: str
    """The text the router would get ("" when the VAD found no speech)."""
    speech_s: float
    """Length of the rendered speech, seconds (without the lead and tail)."""
    avg_logprob: float | None = None
    """Whisper's mean log-probability of the transcript (None: cached before it was kept, or nothing heard)."""
    cached: bool = False
    """Read from the cache rather than computed now."""
    error: str = ""
    """Why this one could not be said or heard (transcript empty); not cached, so a rerun tries again."""


STREAMING_ONLY_VAD = frozenset({"level_drop_db", "level_after_ms"})
"""[vad] settings the streaming Endpointer uses and speech_span does not: not part of a transcript's key."""


def stt_fingerprint(config: Config, hotwords: Sequence[str]) -> dict[str, Any]:
    """Everything besides the rendering that shapes a transcript (part of each cache key)."""
    from assistant.models import whisper_model_dir
    from assistant.voice.stt import COMMAND_VOCABULARY, has_second_opinion

    model = whisper_model_dir(config.stt.model) / "model.bin"
    espeak = shutil.which("espeak-ng")
    version = subprocess.run([espeak, "--version"], capture_output=True, text=True).stdout if espeak else "missing"
    stt = {k: v for k, v in asdict(config.stt).items() if k not in ("second_opinion", "second_opinion_below")}
    if has_second_opinion(config.stt):  # only then: the transcripts made before it existed keep their keys
        second = whisper_model_dir(config.stt.second_opinion) / "model.bin"
        # "lower": a record keeps the lower of the two hearings' sureness (records made before keep base's).
        stt |= {"second_opinion": second.stat().st_size, "second_opinion_below": config.stt.second_opinion_below,
                "second_opinion_sureness": "lower"}  # fmt: skip
    fingerprint = {
        "version": RENDER_VERSION,
        # confirm_bias joins the key only when on: the transcripts made before it existed keep their keys.
        "stt": {**{k: v for k, v in stt.items() if k != "confirm_bias" or v}, "threads": 1},
        "model_bytes": model.stat().st_size,
        # level_drop_db and level_after_ms shape only the streaming Endpointer, not speech_span (what is heard
        # here): left out, so the transcripts made before they existed keep their keys. (The same level rule on a
        # whole clip was tried and measured worse: docs/noise.md.)
        "vad": {k: v for k, v in asdict(config.vad).items() if k not in STREAMING_ONLY_VAD},
        "bias": [*COMMAND_VOCABULARY.get(config.stt.language, []), *hotwords],
        "espeak": version.split(" Data")[0].strip(),
        "piper_voice_bytes": piper_path("joe").stat().st_size,
    }
    audio = config.audio
    if audio.noise_suppression != "off" or audio.auto_gain_dbfs:  # only then: older keys stay valid
        from assistant.voice.frontend import FRONTEND_VERSION

        fingerprint["frontend"] = {"noise_suppression": audio.noise_suppression, "auto_gain_dbfs": audio.auto_gain_dbfs,
                                   "version": FRONTEND_VERSION}  # fmt: skip
    return fingerprint


def cache_key(rendering: Rendering, fingerprint: dict[str, Any]) -> str:
    """sha256 of the rendering and the fingerprint; the seed counts only where it changes the audio."""
    seeded = rendering.voice.engine == "piper" or rendering.condition != CLEAN
    record = {
        "text": rendering.text,
        "voice": rendering.voice.spec,
        "condition": rendering.condition.spec,
        "seed": rendering.seed if seeded else 0,
        "hearing": fingerprint,
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class _Listener:
    """The assistant's Whisper and VAD in this process, one thread (the pool gives each process one core)."""

    def __init__(self, config: Config, hotwords: Sequence[str], speech_cache: Path | None = None) -> None:
        from assistant.voice.frontend import front_end_from_config
        from assistant.voice.stt import stt_from_config
        from assistant.voice.vad import SileroVad

        self.config = config
        self.speech_cache = speech_cache
        self.front_end = front_end_from_config(config.audio)
        self.stt = stt_from_config(replace(config, stt=replace(config.stt, threads=1)), list(hotwords))
        self.vad = SileroVad()
        self.stt.wait_ready()

    def hear(self, rendering: Rendering) -> tuple[str, float, float | None, str]:
        """(transcript, speech seconds, mean log-probability, error): one sentence espeak-ng or Whisper fails on must
        not stop a batch."""
        from assistant.voice.frontend import clean_clip
        from assistant.voice.vad import speech_span

        try:
            clip, speech_s = render(rendering, speech_cache=self.speech_cache)
            if self.front_end is not None:
                clip = clean_clip(self.front_end, clip)
            span = speech_span(self.vad, clip, self.config.vad)
            if span is None:
                return "", speech_s, None, ""
            heard = self.stt.transcribe(clip[span[0] : span[1]])
            return heard.text, speech_s, heard.avg_logprob if heard.text else None, ""
        except (AssistantError, OSError, RuntimeError, ValueError, subprocess.SubprocessError) as error:
            return "", 0.0, None, f"{rendering.voice.spec} {rendering.text!r}: {error}"


_LISTENER: _Listener | None = None


def _start_worker(config: Config, hotwords: Sequence[str], speech_cache: Path | None) -> None:
    global _LISTENER
    _LISTENER = _Listener(config, hotwords, speech_cache)


def _hear_in_worker(rendering: Rendering) -> tuple[str, float, float | None, str]:
    assert _LISTENER is not None, "worker not started"
    return _LISTENER.hear(rendering)


def default_cache_dir(config: Config) -> Path:
    """<data_dir>/spoken-cache: transcripts survive between runs and are shared by every script."""
    return config.data_path / "spoken-cache"


def hear(
    renderings: Sequence[Rendering],
    config: Config | None = None,
    *,
    cache_dir: Path | None = None,
    workers: int = 2,
    hotwords: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    speech_cache: Path | None = None,
) -> list[Heard]:
    """What the assistant's Whisper hears of each rendering, in order; cached ones are read back, the others are
    computed by `workers` processes. SpokenError (before any work) for empty text or an unknown voice.

    The clip goes through the [audio] front end (noise suppression) when one is configured, as the microphone's
    audio would; speech_cache keeps each sentence's dry speech (spoken.speak) for renderings in many conditions."""
    from assistant.voice.stt import skill_hotwords

    config = config or load_config(None)
    for rendering in renderings:
        check_rendering(rendering)
    if hotwords is None:
        hotwords = skill_hotwords(config) if config.stt.use_hotwords else []
    fingerprint = stt_fingerprint(config, hotwords)
    folder = cache_dir or default_cache_dir(config)
    keys = [cache_key(r, fingerprint) for r in renderings]
    found: dict[str, Heard] = {}
    for rendering, key in zip(renderings, keys, strict=True):
        path = folder / key[:2] / f"{key}.json"
        if key not in found and path.is_file():
            record = json.loads(path.read_text(encoding="utf-8"))
            if record["transcript"] and "avg_logprob" not in record:
                continue  # cached before Whisper's sureness was kept: heard again, since the router's gate reads it
            found[key] = Heard(rendering, record["transcript"], record["speech_s"], record.get("avg_logprob"), True)
    todo = list({key: r for r, key in zip(renderings, keys, strict=True) if key not in found}.items())
    results = _run([r for _, r in todo], config, hotwords, workers, speech_cache)
    for done, ((key, rendering), (transcript, speech_s, logprob, error)) in enumerate(
        zip(todo, results, strict=True), 1
    ):
        found[key] = Heard(rendering, transcript, speech_s, logprob, error=error)
        if not error:  # a failure is reported, not remembered: the next run tries again
            _store(folder, key, rendering, transcript, speech_s, logprob)
        if progress:
            progress(done, len(todo))
    return [replace(found[key], rendering=r) for r, key in zip(renderings, keys, strict=True)]


def _run(
    renderings: list[Rendering], config: Config, hotwords: Sequence[str], workers: int, speech_cache: Path | None
) -> Any:
    """(transcript, speech_s, avg_logprob, error) of each rendering in order: in this process for one worker, else
    a pool."""
    if not renderings:
        return iter(())
    if workers <= 1 or len(renderings) < 4:
        listener = _Listener(config, hotwords, speech_cache)
        return (listener.hear(r) for r in renderings)
    # spawn, not fork: CTranslate2 and onnxruntime hold threads and locks a forked child would inherit half-taken.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(config, list(hotwords), speech_cache),
    )

    def results() -> Any:
        with pool:
            yield from pool.map(_hear_in_worker, renderings, chunksize=2)

    return results()


def _store(
    folder: Path, key: str, rendering: Rendering, transcript: str, speech_s: float, avg_logprob: float | None
) -> None:
    """Write one cache record atomically (a killed run leaves no half file)."""
    path = folder / key[:2] / f"{key}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"text": rendering.text, "voice": rendering.voice.spec, "condition": rendering.condition.spec,
              "seed": rendering.seed, "transcript": transcript, "speech_s": round(speech_s, 3),
              "avg_logprob": None if avg_logprob is None else round(avg_logprob, 4)}  # fmt: skip
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


# ---------------------------------------------------------------- word error rate

_SPELLINGS = {
    "favourite": "favorite",
    "colour": "color",
    "okay": "ok",
    "alright": "all right",
    "whats": "what is",
    "hows": "how is",
    "wheres": "where is",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
}
"""One spelling for words a sentence and a transcript may write two ways (transcript-style evals drop apostrophes)."""
_SYMBOLS = {"%": " percent ", "+": " plus ", "×": " times ", "*": " times ", "÷": " divided by ", "=": " equals "}


def wer_words(text: str) -> list[str]:
    """Words compared for word error: normalised, number words as digits ("twelve" and "12" are one word)."""
    text = normalize_text(text)
    for symbol, spoken in _SYMBOLS.items():
        text = text.replace(symbol, spoken)
    text = re.sub(r"(?<=\s)-(?=\s)|(?<=\d)-(?=\d)", " minus ", f" {text} ")  # "12 - 7", "321-4"
    words = [s for w in re.split(r"[\s\-]+", text) if w for s in _SPELLINGS.get(w, w).split()]
    out: list[str] = []
    position = 0
    for number in read_numbers(words, "en"):
        out += words[position : number.start]
        value = number.value
        out.append(str(value.numerator) if value.denominator == 1 else f"{float(value):g}")
        position = number.end
    return out + words[position:]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + insertions + deletions, words in the reference) after wer_words on both."""
    ref = wer_words(reference)
    return edit_distance(ref, wer_words(hypothesis)), len(ref)


def main(argv: list[str] | None = None) -> int:
    """Say one text and print what Whisper heard, as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text", nargs="?", help="what to say")
    parser.add_argument("--voice", default="espeak:en-us@160", help="ENGINE:NAME@SPEED (default espeak:en-us@160)")
    parser.add_argument("--noise", default="clean", help="clean, pink@20, white@10, pink@10+small_room...")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--wav", help="also write the rendered clip here")
    parser.add_argument("--voices", action="store_true", help="list the voices the mixes draw from")
    parser.add_argument("--config")
    args = parser.parse_args(argv)
    if args.voices:
        print("\n".join(f"espeak:{v}@{s}" for v in ESPEAK_VOICES for s in ESPEAK_SPEEDS_WPM))
        print("\n".join(f"piper:{v}@{s:g}" for v in PIPER_VOICES for s in PIPER_LENGTH_SCALES))
        return 0
    try:
        rendering = Rendering(args.text or "", Voice.parse(args.voice), Condition.parse(args.noise), args.seed)
        if args.wav:
            from assistant.voice.audio import write_wav

            write_wav(args.wav, render(rendering)[0])
        heard = hear([rendering], load_config(args.config), workers=1)[0]
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    errors, words = word_errors(rendering.text, heard.transcript)
    print(json.dumps({"text": rendering.text, "voice": rendering.voice.spec, "condition": rendering.condition.spec,
                      "transcript": heard.transcript, "word_errors": errors, "words": words,
                      "cached": heard.cached}, ensure_ascii=False))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
