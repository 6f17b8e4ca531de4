"""Speech in the loop: what the shipped Whisper hears of training sentences, each said by a voice drawn for it.

For the data generator (1_generate.py): `transcripts([(id, text), ...], seed)` returns {id: Heard}; a sentence's
voice, speed and noise are drawn from a Random seeded by (seed, text), so the same sentence sounds the same in
every generated set and its transcript comes from the cache (assistant/evaluation/heard.py; <data_dir>/spoken-cache).
The mix: espeak-ng English voices at 130-190 words a minute and Piper's joe at three length scales
(PIPER_SHARE of the sentences), NOISY_SHARE of them in pink noise at 20 dB SNR. English only: tiny.en is the
shipped model. What the targets do with a misheard slot value is the generator's decision, not this module's.

As a script it precomputes transcripts for the English texts of a generated set:

    .venv/bin/python finetune/1_generate.py --out /tmp/gen-spoken --no-corrections \\
        --extra ../shared/data/snips2017_train_full.jsonl
    .venv/bin/python finetune/speech.py --episodes /tmp/gen-spoken/episodes.jsonl --share 0.2 --seed 1
        # -> finetune/out/spoken/transcripts.jsonl: {"text", "voice", "condition", "transcript"} per line

The last JSON line it prints has the throughput (sentences a minute computed, wall and CPU time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from assistant.config import Config, load_config  # noqa: E402
from assistant.evaluation.heard import Heard, hear, word_errors  # noqa: E402
from assistant.evaluation.spoken import CLEAN, Condition, Rendering, sample_voice  # noqa: E402

PIPER_SHARE = 0.4
"""Share of sentences Piper says; espeak-ng (eight voices, three speeds) says the rest."""
NOISY_SHARE = 0.25
"""Share of sentences said in light noise."""
NOISE = Condition("pink", 20.0)
"""The light noise: pink at 20 dB SNR (a quiet kitchen)."""
DEFAULT_OUT = ROOT / "finetune" / "out" / "spoken" / "transcripts.jsonl"


def rendering_for(text: str, seed: int) -> Rendering:
    """The voice, speed, noise and audio seed of one training sentence: a function of (seed, text) only."""
    own = int.from_bytes(hashlib.sha256(f"{seed}:{text}".encode()).digest()[:8], "big")
    rng = random.Random(own)
    voice = sample_voice(rng, PIPER_SHARE)
    condition = NOISE if rng.random() < NOISY_SHARE else CLEAN
    return Rendering(text, voice, condition, seed=rng.randrange(2**31))


def transcripts(
    items: Sequence[tuple[str, str]],
    seed: int = 1,
    *,
    config: Config | None = None,
    cache_dir: Path | None = None,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Heard]:
    """{id: what Whisper heard} for (id, English text) pairs; cached, so a second call is instant.

    Heard.transcript is "" when the VAD found no speech or the sentence could not be said (Heard.error says why);
    SpokenError before any work when a text is empty."""
    renderings = [rendering_for(text, seed) for _, text in items]
    heard = hear(renderings, config, cache_dir=cache_dir, workers=workers, progress=progress)
    return {item_id: result for (item_id, _), result in zip(items, heard, strict=True)}


def english_texts(path: Path) -> list[str]:
    """Distinct English texts of a generated file: episodes.jsonl (each episode's examples) or train.jsonl."""
    texts: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        for example in record.get("examples", [record]):
            if example.get("lang", "en") == "en" and str(example.get("text", "")).strip():
                texts.add(example["text"])
    return sorted(texts)


def main(argv: list[str] | None = None) -> int:
    """Transcribe a seeded share of a generated set's English texts; write transcripts.jsonl."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", required=True, help="episodes.jsonl or train.jsonl from 1_generate.py")
    parser.add_argument("--share", type=float, default=0.2, help="share of the distinct English texts to speak")
    parser.add_argument("--seed", type=int, default=1, help="draws the texts and each one's voice")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--cache", help="transcript cache folder (default <data_dir>/spoken-cache)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--config", help="assistant config (its [stt] and skills' hotwords shape what is heard)")
    args = parser.parse_args(argv)
    texts = english_texts(Path(args.episodes))
    chosen = sorted(random.Random(args.seed).sample(texts, round(len(texts) * min(max(args.share, 0.0), 1.0))))
    started, cpu_started = time.perf_counter(), os.times()
    computed = 0

    def progress(done: int, total: int) -> None:
        nonlocal computed
        computed = done
        if done % 100 == 0 or done == total:
            minutes = (time.perf_counter() - started) / 60
            print(f"heard {done}/{total} ({done / max(minutes, 1e-9):.0f} a minute)", file=sys.stderr, flush=True)

    heard = transcripts([(t, t) for t in chosen], args.seed, config=load_config(args.config),
                        cache_dir=Path(args.cache) if args.cache else None, workers=args.workers,
                        progress=progress)  # fmt: skip
    wall_s = time.perf_counter() - started
    cpu = os.times()
    cpu_s = (cpu.user + cpu.children_user + cpu.system + cpu.children_system) - (
        cpu_started.user + cpu_started.children_user + cpu_started.system + cpu_started.children_system
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for text in chosen:
        result = heard[text]
        if result.error:
            print(f"not heard: {result.error}", file=sys.stderr)
            continue
        record = {"text": text, "voice": result.rendering.voice.spec, "condition": result.rendering.condition.spec,
                  "transcript": result.transcript}  # fmt: skip
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    out.write_text("".join(lines), encoding="utf-8")
    errors = [word_errors(t, heard[t].transcript) for t in chosen]
    print(json.dumps({"out": str(out), "english_texts": len(texts), "spoken": len(chosen), "written": len(lines),
                      "computed": computed, "from_cache": len(chosen) - computed,
                      "differ_in_words": sum(e > 0 for e, _ in errors),
                      "empty": sum(not heard[t].transcript.strip() for t in chosen),
                      "wer": round(sum(e for e, _ in errors) / max(sum(n for _, n in errors), 1), 4),
                      "wall_s": round(wall_s, 1), "cpu_s": round(cpu_s, 1),
                      "per_minute": round(computed / (wall_s / 60), 1) if computed else None,
                      "load_avg_1m": round(os.getloadavg()[0], 2)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
