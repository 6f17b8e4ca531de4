"""Speak the project's English eval sentences and write what Whisper heard as evals/spoken.jsonl.

Sentences: every golden one, every English one of quick.jsonl and a seeded sample of the other English ones of
full.jsonl (typed math such as "12 * 7", tag `written`, is left out: nobody says an asterisk). Each is said once by
a voice drawn for it from a seeded mix (half espeak-ng voices at 130-190 words a minute, half Piper's joe at three
length scales; assistant/evaluation/spoken.py), heard by the shipped Whisper the way the assistant hears
(assistant/evaluation/heard.py), and written in the eval format: `text` is the transcript, `call` the sentence's
expected call, `note` the sentence, tags add `spoken`, `source:<set>`, `engine:<espeak|piper>`, `voice:<spec>`.

Transcripts are cached (<data_dir>/spoken-cache), so a rerun writes the committed file byte for byte in seconds;
from an empty cache it takes a few minutes on two cores and gives the same file on the same kind of machine.

    .venv/bin/python evals/make_spoken.py            # writes evals/spoken.jsonl, prints word error per engine
    .venv/bin/assistant eval --dataset spoken
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 20261206
FULL_SAMPLE = 137
"""Sentences drawn from full.jsonl besides quick's: 50 golden + 163 quick + 137 = 350 renderings."""
PIPER_SHARE = 0.5


@dataclass(frozen=True)
class Sentence:
    """One eval sentence to speak."""

    record: dict[str, Any]
    """The eval record as written (id, text, lang, call, tags)."""
    source: str
    """The set it came from: golden, quick or full."""


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _speakable(record: dict[str, Any]) -> bool:
    return record.get("lang") == "en" and "written" not in record.get("tags", [])


def select(evals_dir: Path, seed: int = SEED, full_sample: int = FULL_SAMPLE) -> list[Sentence]:
    """golden, quick and a seeded sample of full: English, speakable, each text once, in that order."""
    chosen: list[Sentence] = []
    seen: set[str] = set()
    for source in ("golden", "quick"):
        for record in _read(evals_dir / f"{source}.jsonl"):
            if _speakable(record) and record["text"] not in seen:
                seen.add(record["text"])
                chosen.append(Sentence(record, source))
    rest = [r for r in _read(evals_dir / "full.jsonl") if _speakable(r) and r["text"] not in seen]
    for record in random.Random(seed).sample(rest, min(full_sample, len(rest))):
        chosen.append(Sentence(record, "full"))
    return chosen


def _seed_for(seed: int, record_id: str) -> int:
    """A per-sentence seed that depends on the set's seed and the sentence's id only (not on its position)."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{record_id}".encode()).digest()[:4], "big")


def renderings(sentences: list[Sentence], seed: int = SEED, piper_share: float = PIPER_SHARE) -> list[Any]:
    """One Rendering per sentence: a voice drawn with the sentence's own seed, clean audio."""
    from assistant.evaluation.spoken import Rendering, sample_voice

    out = []
    for sentence in sentences:
        own = _seed_for(seed, sentence.record["id"])
        voice = sample_voice(random.Random(own), piper_share)
        out.append(Rendering(sentence.record["text"], voice, seed=own))
    return out


def records(sentences: list[Sentence], heard: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Eval records (transcript as text) and the sentences Whisper heard nothing of (left out, reported)."""
    out: list[dict[str, Any]] = []
    lost: list[str] = []
    for sentence, result in zip(sentences, heard, strict=True):
        record, voice = sentence.record, result.rendering.voice
        if not result.transcript.strip():
            lost.append(f"{record['id']} {voice.spec} {record['text']!r}: {result.error or 'nothing heard'}")
            continue
        tags = [*record.get("tags", []), "spoken", f"source:{sentence.source}", f"engine:{voice.engine}"]
        out.append(
            {
                "id": f"{record['id']}-spoken",
                "text": result.transcript,
                "lang": "en",
                "call": record["call"],
                "tags": [*tags, f"voice:{voice.spec}"],
                "note": record["text"],
            }
        )
    return out, lost


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def relabel(rows: list[dict[str, Any]], evals_dir: Path) -> int:
    """Give each row the call (and tags) the eval sets now give its sentence; return how many changed.

    A request that was none() becomes a call when a skill for it joins the built-ins (the clock's timers): the id,
    renderings and transcripts stay as they are, so runs before and after still compare sentence by sentence, and
    "was" keeps the first call, from which the noisy set still draws the same sentences (noisy.build_manifest)."""
    current: dict[str, dict[str, Any]] = {}
    for name in ("golden", "quick", "full"):
        for record in _read(evals_dir / f"{name}.jsonl"):
            current.setdefault(record["text"], record)
    changed = 0
    for row in rows:
        now = current.get(row["note"])
        if now is None or now["call"] == row["call"]:
            continue
        kept = [t for t in row["tags"] if t == "spoken" or t.startswith(("source:", "engine:", "voice:"))]
        row.setdefault("was", row["call"])
        row.update(call=now["call"], tags=[*now.get("tags", []), *kept])
        changed += 1
    return changed


def word_error_report(sentences: list[Sentence], heard: list[Any]) -> dict[str, Any]:
    """Word error rate per engine and overall, and how many transcripts differ from the sentence."""
    from assistant.evaluation.heard import wer_words, word_errors

    errors: Counter[str] = Counter()
    words: Counter[str] = Counter()
    differ: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for sentence, result in zip(sentences, heard, strict=True):
        engine = result.rendering.voice.engine
        wrong, total = word_errors(sentence.record["text"], result.transcript)
        for key in (engine, "all"):
            errors[key] += wrong
            words[key] += total
            count[key] += 1
            differ[key] += wer_words(sentence.record["text"]) != wer_words(result.transcript)
    return {
        key: {
            "renderings": count[key],
            "wer": round(errors[key] / max(words[key], 1), 4),
            "transcripts_differing": differ[key],
        }
        for key in sorted(count)
    }


def main(argv: list[str] | None = None) -> int:
    """Write evals/spoken.jsonl; print the word error report as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--full-sample", type=int, default=FULL_SAMPLE, help="sentences drawn from full.jsonl")
    parser.add_argument("--piper-share", type=float, default=PIPER_SHARE, help="share said by Piper")
    parser.add_argument("--evals", default=str(HERE), help="folder with golden/quick/full.jsonl")
    parser.add_argument("--out", default=str(HERE / "spoken.jsonl"))
    parser.add_argument("--cache", help="transcript cache folder (default <data_dir>/spoken-cache)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--config", help="assistant config (its [stt] and skills' hotwords shape what is heard)")
    parser.add_argument(
        "--relabel", action="store_true", help="only give --out's rows the calls the eval sets now give (no audio)"
    )
    args = parser.parse_args(argv)
    if args.relabel:
        rows = _read(Path(args.out))
        changed = relabel(rows, Path(args.evals))
        _write(Path(args.out), rows)
        print(json.dumps({"out": args.out, "relabelled": changed}))
        return 0

    from assistant.config import load_config
    from assistant.errors import AssistantError
    from assistant.evaluation.heard import hear

    sentences = select(Path(args.evals), args.seed, args.full_sample)

    def progress(done: int, total: int) -> None:
        if done % 25 == 0 or done == total:
            print(f"heard {done}/{total}", file=sys.stderr, flush=True)

    try:
        heard = hear(
            renderings(sentences, args.seed, args.piper_share),
            load_config(args.config),
            cache_dir=Path(args.cache) if args.cache else None,
            workers=args.workers,
            progress=progress,
        )
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rows, lost = records(sentences, heard)
    for line in lost:
        print(f"left out, no transcript: {line}", file=sys.stderr)
    _write(Path(args.out), rows)
    sources = Counter(s.source for s in sentences)
    print(json.dumps({"out": args.out, "written": len(rows), "left_out": len(lost), "sources": sources,
                      "word_error": word_error_report(sentences, heard)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
