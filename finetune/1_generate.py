"""Step 1: a synthetic router training set from the skill registry, deduplicated against every eval set.

Sources, each example {"text", "call", "lang", "source", "tags"}:
  templates   finetune/templates/<lang>/<skill>.yaml phrasings with slots from <lang>/vocab.yaml and vocab.yaml
  examples    every registered skill's decorator examples, argument values swapped from its training_values,
              Literal choices or its other examples (so a new skill gets data without anyone writing templates)
  corrections (transcript, corrected call) pairs users gave in the trace store
  extra       optional intent+slots files such as ../shared/data/snips2017_train_full.jsonl

Every call is validated (and made canonical) through the registry; anything whose normalised text occurs in an
eval set is dropped. Writes train.jsonl, dev.jsonl and manifest.json (sha256, counts, config) to --out.

    .venv/bin/python finetune/1_generate.py --seed 1 --extra ../shared/data/snips2017_train_full.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from assistant.calls import Call, format_value, parse_call  # noqa: E402
from assistant.errors import AssistantError  # noqa: E402
from assistant.i18n import normalize_text  # noqa: E402
from assistant.registry import Registry  # noqa: E402
from finetune.templating import (  # noqa: E402
    Example,
    Vocab,
    _copyable,
    check_group,
    copy_target,
    fill_call,
    load_vocab,
    parse_template,
    plain,
    render,
    roughen,
)

log = logging.getLogger("finetune.generate")
TEMPLATES = Path(__file__).resolve().parent / "templates"
SHARED_DATA = ROOT.parent / "shared" / "data"
EXTERNAL_EVALS = ("slurp_devel.jsonl", "snips2017_validate.jsonl", "xsid_valid.jsonl")
SERVED_TOPICS = {
    "timer": ("set_timer", "timer_control"),
    "alarm": ("set_alarm", "alarm_control"),
    "datetime": ("current_time", "current_date"),
}
"""A none() template group tagged with one of these topics is left out when the registry has one of its skills:
"set a timer" is a hard negative for a speaker without timers and a set_timer call for one with them, and the same
sentence must never be taught both ways."""

# ---------------------------------------------------------------- the sources


def canonical(registry: Registry, call_text: str) -> str:
    """The registry's canonical form of a call; raises AssistantError when it does not validate."""
    return str(registry.parse(call_text))


def from_templates(
    registry: Registry, templates: Path, rng: random.Random, scale: float, rejected: Counter[str]
) -> tuple[list[Example], set[str]]:
    """Examples from every <lang>/<skill>.yaml whose skill is registered (or is none), and the skills covered."""
    out: list[Example] = []
    covered: set[str] = set()
    for lang_dir in sorted(p for p in templates.iterdir() if p.is_dir()):
        lang, vocab = lang_dir.name, load_vocab(templates, lang_dir.name)
        for path in sorted(lang_dir.glob("*.yaml")):
            if path.name == "vocab.yaml":
                continue
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
            skill = spec["skill"]
            if skill != "none" and skill not in registry.skills:
                log.info("templates %s: skill %s is not registered, skipped", path.relative_to(templates), skill)
                continue
            covered.add(skill)
            out.extend(
                _sample_file(registry, spec, lang, vocab, rng, round(spec["count"] * scale), rejected, path.name)
            )
    return out, covered


def _served(registry: Registry, tags: list[str]) -> bool:
    """Whether a registered skill answers the topic these none() tags name (SERVED_TOPICS)."""
    return any(skill in registry.skills for tag in tags for skill in SERVED_TOPICS.get(tag, ()))


def _sample_file(
    registry: Registry,
    spec: dict[str, Any],
    lang: str,
    vocab: Vocab,
    rng: random.Random,
    count: int,
    rejected: Counter[str],
    name: str,
) -> list[Example]:
    """Draw count distinct examples from one template file, groups weighted by their weight."""
    groups = []
    for group in spec["groups"]:
        call = group.get("call", "none()")
        if call == "none()" and _served(registry, group.get("tags", [])):
            continue
        texts = group["texts"] if isinstance(group["texts"], list) else [group["texts"]]
        phrasings = [parse_template(t) for t in texts]
        check_group(call, phrasings, texts, vocab.words, f"{lang}/{name}")
        groups.append((call, phrasings, float(group.get("weight", 1)), list(group.get("tags", []))))
    weights = [g[2] for g in groups]
    seen: set[str] = set()
    out: list[Example] = []
    for _ in range(count * 20):
        if len(out) >= count:
            break
        call_template, phrasings, _, group_tags = rng.choices(groups, weights)[0]
        filled: dict[str, tuple[str, str]] = {}
        segments = render(rng.choice(phrasings), vocab, rng, filled)
        text, tags = roughen(segments, lang, vocab.noise, rng)
        key = normalize_text(text)
        if not key or key in seen:
            continue
        if "lower" in tags:  # copied values follow the text's form, so the model learns to copy
            filled = {k: (plain(s), plain(v) if v == s else v) for k, (s, v) in filled.items()}
        try:
            raw = parse_call(fill_call(call_template, filled))
            call = registry.validate(raw)
        except AssistantError as error:
            rejected[f"{lang}/{name}: {error}"] += 1
            log.debug("rejected %r -> %s: %s", text, call_template, error)
            continue
        seen.add(key)
        target = copy_target(registry, text, lang, call, raw)
        out.append(Example(text, str(call), lang, f"template:{call.name}", sorted(tags | set(group_tags)), target))
    if len(out) < count:
        log.warning("templates %s/%s: only %d distinct of %d wanted", lang, name, len(out), count)
    return out


def from_examples(
    registry: Registry, rng: random.Random, per_skill: int, noise: dict[str, Any], covered: set[str]
) -> list[Example]:
    """Each skill's decorator examples; for skills without templates also variants with argument values swapped
    from its training_values, Literal choices or its other examples."""
    out: list[Example] = []
    for item in registry.skills.values():
        parsed = [(utterance, registry.parse(text)) for utterance, text in item.examples]
        pool: dict[str, list[str]] = {p.name: list(item.training_values.get(p.name, ())) for p in item.params}
        for param in item.params:
            if not pool[param.name]:
                pool[param.name] = list(param.choices) or sorted(
                    {str(c.args[param.name]) for _, c in parsed if param.name in c.args}
                )
        for utterance, call in parsed:
            out.append(Example(utterance, str(call), "en", f"examples:{item.name}", ["seed"]))
        swappable = [(u, c) for u, c in parsed if any(_found(_said(v), u) for v in c.args.values())]
        for _ in range(per_skill if swappable and item.name not in covered else 0):
            utterance, call = rng.choice(swappable)
            args = dict(call.args)
            for name, value in call.args.items():
                if _found(_said(value), utterance) and pool.get(name):
                    new = rng.choice(pool[name])
                    pattern = rf"(?<!\w){re.escape(_said(value))}(?!\w)"
                    said = _said(new)
                    utterance = re.sub(pattern, lambda _, n=said: n, utterance, count=1, flags=re.I)
                    args[name] = new if isinstance(value, str) else type(value)(new)
            text, tags = roughen([["text", utterance]], "en", noise, rng)
            try:
                out.append(
                    Example(
                        text, str(registry.validate(Call(call.name, args))), "en", f"examples:{item.name}", sorted(tags)
                    )
                )
            except (AssistantError, ValueError):
                continue
    return out


def _said(value: object) -> str:
    """How a value sounds in a sentence: Literal "volume_up" is said "volume up"."""
    return str(value).replace("_", " ")


def _found(value: str, utterance: str) -> bool:
    return bool(value) and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", utterance, re.I) is not None


def from_corrections(registry: Registry, db: Path) -> list[Example]:
    """What users said the call should have been (assistant traces --mark ID --correct CALL)."""
    from assistant.trace import TraceStore

    if not db.is_file():
        return []
    store = TraceStore(db)
    out = []
    for transcript, call_text in store.corrections():
        try:
            out.append(Example(transcript, canonical(registry, call_text), "en", "corrections", ["user"]))
        except AssistantError as error:
            log.warning("correction %r -> %r does not validate: %s", transcript, call_text, error)
    store.close()
    return out


WEATHER_PLACE = ("city", "place_name", "location", "state", "country", "geographic_poi")
MUSIC_QUERY = (
    "song_name",
    "track",
    "artist_name",
    "artist",
    "playlist_name",
    "playlist",
    "album",
    "music_genre",
    "genre",
)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def extra_call(record: dict[str, Any]) -> str | None:
    """An intent+slots record as a call; None when its arguments cannot be said in the call language."""
    slots: dict[str, str] = {}
    for slot in record.get("slots", []):
        slots.setdefault(slot["type"], slot["value"])
    intent = record["intent"]
    if intent == "weather":
        place = next((slots[t] for t in WEATHER_PLACE if t in slots), "")
        when = (slots.get("timeRange") or slots.get("date") or slots.get("datetime") or "").lower()
        day = "today"
        if when:
            found = [d for d in (*DAYS, "tomorrow", "weekend") if d in when]
            if len(found) == 1:
                day = found[0]
            elif when.strip() not in (
                "today",
                "now",
                "right now",
                "tonight",
                "this morning",
                "this afternoon",
                "this evening",
                "currently",
            ):
                return None  # a date the skill cannot take: leave it out rather than teach a wrong day
        return (
            f"weather(location={format_value(place)}, day={format_value(day)})"
            if place
            else f"weather(day={format_value(day)})"
        )
    if intent == "play_music":
        query = next((slots[t] for t in MUSIC_QUERY if t in slots), "")
        return f"play_music(query={format_value(query)})" if query else "play_music()"
    if intent == "out_of_scope":
        return "none()"
    return None


def from_extra(registry: Registry, path: Path, rng: random.Random, per_intent: int) -> list[Example]:
    """Labelled intent+slots records (English) turned into calls, at most per_intent per intent."""
    by_intent: dict[str, list[Example]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        call = extra_call(record)
        if call is None or record.get("lang", "en") != "en":
            continue
        try:
            call = canonical(registry, call)
        except AssistantError as error:
            log.info("%s:%d: %s", path.name, number, error)
            continue
        by_intent.setdefault(record["intent"], []).append(Example(record["text"], call, "en", f"extra:{path.stem}", []))
    out: list[Example] = []
    for intent in sorted(by_intent):
        items = by_intent[intent]
        rng.shuffle(items)
        out.extend(items[:per_intent])
    return out


def eval_texts(paths: list[Path]) -> set[str]:
    """Normalised texts of every eval set: none of them may appear in training data."""
    texts: set[str] = set()
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                texts.add(normalize_text(record.get("text") or record.get("utterance") or ""))
    texts.discard("")
    return texts


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate(registry: Registry, args: argparse.Namespace) -> dict[str, Any]:
    """Build the data set, write train/dev JSONL and the manifest; return the manifest."""
    rng = random.Random(args.seed)
    templates = Path(args.templates)
    rejected: Counter[str] = Counter()
    examples, covered = from_templates(registry, templates, rng, args.scale, rejected)
    examples += from_examples(registry, rng, args.per_skill, load_vocab(templates, "en").noise, covered)
    for extra in args.extra:
        examples += from_extra(registry, Path(extra), rng, args.extra_per_intent)
    corrections = from_corrections(registry, Path(args.corrections)) if args.corrections else []
    eval_paths = [Path(p) for p in args.evals if Path(p).is_file()]
    # A missing eval set means training may contain its sentences: say so loudly and keep it in the manifest
    # (a run from another checkout once missed ../shared/data and trained on 27 sentences of SLURP/SNIPS/xSID).
    missing = [str(p) for p in args.evals if not Path(p).is_file()]
    for path in missing:
        log.warning("eval set %s not found: training data is NOT deduplicated against it", path)
    banned = eval_texts(eval_paths)
    chosen: dict[str, Example] = {}
    dropped = Counter[str]()
    for example in examples:
        key = normalize_text(example.text)
        if key in banned:
            dropped["in an eval set"] += 1
        elif key in chosen:
            dropped["duplicate"] += 1
        else:
            chosen[key] = example
    for example in corrections:  # the user is right, even over a template
        chosen[normalize_text(example.text)] = example
    final = sorted(chosen.values(), key=lambda e: (e.source, e.lang, e.text))
    rng.shuffle(final)
    not_copyable: Counter[str] = Counter()
    for example in final:
        call = registry.parse(example.call)
        example.target = example.target or copy_target(registry, example.text, example.lang, call, None)
        written = parse_call(example.target or example.call)
        free = (
            [p.name for p in registry.get(call.name).params if p.type is str and not p.choices]
            if call.name != "none"
            else []
        )
        if any(not _copyable(str(written.args[n]), example.text, example.lang) for n in free if n in written.args):
            not_copyable[call.name] += 1
    n_dev = int(len(final) * args.dev_fraction)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in (("dev.jsonl", final[:n_dev]), ("train.jsonl", final[n_dev:])):
        with (out / name).open("w", encoding="utf-8") as handle:
            for example in part:
                handle.write(json.dumps(example.as_json(), ensure_ascii=False) + "\n")
    manifest = {
        "seed": args.seed,
        "train": {
            "path": str(out / "train.jsonl"),
            "examples": len(final) - n_dev,
            "sha256": sha256(out / "train.jsonl"),
        },
        "dev": {"path": str(out / "dev.jsonl"), "examples": n_dev, "sha256": sha256(out / "dev.jsonl")},
        "skills": {s.name: s.signature() for s in registry.skills.values()},
        "by_skill": dict(Counter(parse_call(e.call).name for e in final).most_common()),
        "by_lang": dict(Counter(e.lang for e in final).most_common()),
        "by_source": dict(Counter(e.source.split(":")[0] for e in final).most_common()),
        "dropped": dict(dropped),
        "not_copyable": dict(not_copyable.most_common()),
        "with_target": sum(bool(e.target) for e in final),
        "rejected_calls": dict(rejected.most_common(20)),
        "eval_sets": [str(p) for p in eval_paths],
        "eval_sets_missing": missing,
        "config": {k: v for k, v in vars(args).items() if k not in ("evals",)},
    }
    if args.episodes:
        from finetune.registries import Mix, generate_episodes

        manifest["episodes"] = generate_episodes(
            registry,
            final[n_dev:],
            final[:n_dev],
            banned,
            rng,
            args.episodes,
            out,
            use_sgd=not args.no_sgd,
            families=None if args.no_families else Path(args.families),
            heard_path=Path(args.heard) if args.heard else None,
            mix=Mix(
                size=args.episode_size,
                builtin_share=args.builtin_share,
                other_share=args.other_share,
                extra_skills=(args.extra_skills[0], args.extra_skills[1]),
                param_shuffle=args.param_shuffle,
                shown=args.shown,
            ),
        )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    default_evals = [str(p) for p in sorted((ROOT / "evals").glob("*.jsonl"))] + [
        str(SHARED_DATA / n) for n in EXTERNAL_EVALS
    ]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same files)")
    parser.add_argument("--out", default=str(ROOT / "finetune" / "out" / "data"), help="output folder")
    parser.add_argument("--templates", default=str(TEMPLATES), help="templates folder")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every template file's count")
    parser.add_argument("--per-skill", type=int, default=40, help="swapped variants per skill from decorator examples")
    parser.add_argument("--extra", action="append", default=[], help="intent+slots JSONL to add (repeatable)")
    parser.add_argument("--extra-per-intent", type=int, default=300, help="at most this many extra records per intent")
    parser.add_argument(
        "--corrections", default=None, help="trace database with user corrections (default: the config's)"
    )
    parser.add_argument("--no-corrections", action="store_true", help="leave user corrections out")
    parser.add_argument("--skill-dir", action="append", default=None, help="extra skill folder (default: the config's)")
    parser.add_argument(
        "--evals", nargs="*", default=default_evals, help="eval files whose texts must not be trained on"
    )
    parser.add_argument(
        "--episodes",
        type=int,
        default=640,
        help="training episodes: a sampled skill listing and --episode-size requests labelled for it (0: flat only)",
    )
    parser.add_argument("--episode-size", type=int, default=20, help="requests per episode (one training step)")
    parser.add_argument(
        "--builtin-share", type=float, default=0.5, help="share of an episode's requests for listed built-ins (v1: 0.5)"
    )
    parser.add_argument(
        "--other-share",
        type=float,
        default=0.3,
        help="share of an episode's requests for the other listed skills (v1-v4: 0.3); the rest are none()",
    )
    parser.add_argument(
        "--extra-skills",
        type=int,
        nargs=2,
        default=[1, 16],
        metavar=("MIN", "MAX"),
        help="other skills listed beside the built-ins per episode, drawn uniformly (v1-v3: 1 16; a household with "
        "30 skills lists about 18 beside the 12 built-ins)",
    )
    parser.add_argument(
        "--param-shuffle",
        type=float,
        default=0.0,
        help="chance that an added skill's parameters are listed in another order (required first), so that a value "
        "goes to the parameter whose name fits it, not the first one (v1-v4: 0; v5: 0.5)",
    )
    parser.add_argument(
        "--shown",
        action="store_true",
        help="show one example per listed skill after the listing (the listing-example prompt: a developer's skill "
        "shows its richest example at run time; v1-v5: off)",
    )
    parser.add_argument("--families", default=str(ROOT / "finetune" / "families"), help="skill families folder")
    parser.add_argument("--no-families", action="store_true", help="no project skill families in the listings")
    parser.add_argument("--no-sgd", action="store_true", help="no Schema-Guided Dialogue services in the listings")
    parser.add_argument(
        "--heard",
        help="speech in the loop: finetune/speech.py's transcripts.jsonl; each transcribed English example is added as "
        "heard, toward the call that was meant, where the model could write that call from the transcript",
    )
    parser.add_argument("--dev-fraction", type=float, default=0.05, help="share held out for the training loss check")
    args = parser.parse_args(argv)
    low, high = args.extra_skills
    if not 0 <= low <= high:
        parser.error(f"--extra-skills: MIN must be 0 or more and at most MAX, got {low} {high}")
    if not 0 <= args.param_shuffle <= 1:
        parser.error(f"--param-shuffle: a chance from 0 to 1, got {args.param_shuffle:g}")
    if min(args.builtin_share, args.other_share) < 0 or args.builtin_share + args.other_share > 1:
        parser.error(
            f"--builtin-share {args.builtin_share:g} and --other-share {args.other_share:g}: each must be 0 or more "
            "and together at most 1 (the rest of an episode is none())"
        )
    return args


def main(argv: list[str] | None = None) -> None:
    """Generate the data set from the registry of the configured assistant."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    from assistant.config import load_config

    config = load_config()
    skill_dirs = args.skill_dir if args.skill_dir is not None else config.skill_dirs
    registry = Registry.load([Path(d) for d in skill_dirs])
    if args.no_corrections:
        args.corrections = None
    elif args.corrections is None:
        args.corrections = str(config.data_path / "traces.sqlite")
    manifest = generate(registry, args)
    keys = ("train", "dev", "by_skill", "by_lang", "by_source", "dropped", "not_copyable", "with_target")
    print(json.dumps({k: manifest[k] for k in keys}, indent=1, ensure_ascii=False))
    if manifest["rejected_calls"]:
        print(
            "rejected calls (template values the registry refused):", json.dumps(manifest["rejected_calls"], indent=1)
        )


if __name__ == "__main__":
    main()
