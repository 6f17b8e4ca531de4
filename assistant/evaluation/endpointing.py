"""Endpointing in noise: the live Endpointer on the noisy sets' clips, per VAD setting (docs/noise.md).

Each clip of assistant/evaluation/noisy.py is rendered with ENDPOINT_TAIL_S of its condition's noise after the
speech and streamed frame by frame, as from the microphone. Reported per condition and (threshold, level_drop_db):
endpoints found, the wait after the voice ended, cuts that end before the voice did, clips that never ended; with a
WhisperStt, what Whisper hears of the cut (the live path's word error).

    .venv/bin/python -m assistant.evaluation.endpointing --variants 0.5/0,0.5/12 --wer --conditions clean,babble@10
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from assistant.config import Config, load_config
from assistant.evaluation.noisy import CONDITIONS, Sentence, load_manifest, renderings, speech_cache_dir
from assistant.evaluation.spoken import render

ENDPOINT_TAIL_S = 2.5
"""Noise after the speech: more than silence_ms, so a VAD that never hears the speech end shows as a timeout."""


def endpointing(
    config: Config,
    sentences: Sequence[Sentence],
    conditions: Sequence[str],
    variants: Sequence[tuple[float, float]] = ((0.5, 0.0),),
    stt: Any = None,
) -> dict[str, Any]:
    """The streaming VAD in each condition, per (threshold, level_drop_db): endpoints found, wait after the voice
    ended (p50/p95 ms), utterances whose audio ends before the voice did (cut_words), and clips that never ended
    (live, those wait for max_utterance_ms with whatever else was said). With stt (a WhisperStt), also the word error
    of what the endpointer hands Whisper (a clip that never ended: all of it), the live path's WER."""
    from assistant.evaluation.heard import word_errors
    from assistant.evaluation.spoken import LEAD_S, speak
    from assistant.voice.audio import FRAME_SAMPLES, SAMPLE_RATE_HZ
    from assistant.voice.frontend import clean_clip, front_end_from_config
    from assistant.voice.vad import STT_TAIL_MS, Endpointer, SileroVad

    vad = SileroVad()
    front_end = front_end_from_config(config.audio)
    cache = speech_cache_dir(config)
    out: dict[str, Any] = {}
    for condition in conditions:
        clips = []
        for rendering in renderings(sentences, condition):
            clip, _ = render(rendering, speech_cache=cache, tail_s=ENDPOINT_TAIL_S)
            if front_end is not None:
                clip = clean_clip(front_end, clip)
            dry = speak(rendering.text, rendering.voice, rendering.seed, cache)
            clips.append((rendering.text, clip, int(LEAD_S * SAMPLE_RATE_HZ) + voice_end(dry)))
        for threshold, drop_db in variants:
            settings = replace(config.vad, threshold=threshold, level_drop_db=drop_db)
            waits, cut, never, missed = [], 0, 0, 0
            errors = words = 0
            for text, clip, voice_ends in clips:
                endpointer = Endpointer(vad, settings)
                ended = None
                for i in range(0, len(clip) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
                    done = endpointer.feed(clip[i : i + FRAME_SAMPLES])
                    if done:
                        ended = done[0]
                        break
                active = endpointer.active
                if stt is not None:
                    last = ended or endpointer.flush()
                    heard = stt.transcribe(last.audio).text if last is not None and len(last.audio) else ""
                    wrong, total = word_errors(text, heard)
                    errors, words = errors + wrong, words + total
                if ended is None:
                    missed += not active
                    never += active
                    continue
                # What Whisper gets ends STT_TAIL_MS after the last speech frame: cut if that is before the voice ends.
                cut += ended.last_speech_sample + STT_TAIL_MS * SAMPLE_RATE_HZ // 1000 < voice_ends
                waits.append((ended.end_sample - voice_ends) * 1000 / SAMPLE_RATE_HZ)
            key = f"{condition} vad{threshold:g} drop{drop_db:g}"
            out[key] = {
                "ended": len(waits),
                "wait_p50_ms": round(statistics.median(waits), 0) if waits else None,
                "wait_p95_ms": round(float(np.percentile(waits, 95)), 0) if waits else None,
                "cut_words": cut,
                "never_ended": never,
                "no_speech_found": missed,
            }
            if stt is not None:
                out[key]["live_wer"] = round(errors / max(words, 1), 4)
    return out


def voice_end(speech: np.ndarray, floor_db: float = 40.0) -> int:
    """The sample after the last 10 ms of dry speech within floor_db of its loudest 10 ms (trailing silence off)."""
    frame = 160
    usable = len(speech) // frame * frame
    if usable == 0:
        return len(speech)
    levels = np.sqrt(np.mean(np.square(speech[:usable].reshape(-1, frame), dtype=np.float64), axis=1))
    loud = np.flatnonzero(levels >= levels.max() * 10 ** (-floor_db / 20))
    return int(loud[-1] + 1) * frame if len(loud) else usable


def main(argv: list[str] | None = None) -> int:
    """Measure endpointing on the noisy sets' clips; print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config")
    parser.add_argument("--variants", default="0.5/0,0.5/12", help="THRESHOLD/LEVEL_DROP_DB,... (default 0.5/0,0.5/12)")
    parser.add_argument("--conditions", default=",".join(CONDITIONS), help="comma-separated (default: the standard)")
    parser.add_argument("--limit", type=int, help="only the first N sentences")
    parser.add_argument("--wer", action="store_true", help="also transcribe each cut (the live path's word error)")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    variants = [(float(v.split("/")[0]), float(v.partition("/")[2] or 0)) for v in args.variants.split(",")]
    stt = None
    if args.wer:
        from assistant.voice.stt import stt_from_config

        stt = stt_from_config(config)
        stt.wait_ready()
    conditions = [c.strip() for c in args.conditions.split(",") if c.strip()]
    print(json.dumps(endpointing(config, load_manifest()[: args.limit], conditions, variants, stt)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
