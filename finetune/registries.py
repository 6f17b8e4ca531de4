"""Many registries: training episodes that teach the router to read whatever skill listing it is given.

An episode is one sampled registry (the built-in skills, all or some, plus a random handful of others: SGD services
and the project's skill families, under varied names and descriptions, in shuffled order) and a batch of requests
labelled for that listing: a request for a listed skill becomes its call in the listing's naming, a request for a
skill that is not listed becomes none() (the same sentence is a call in one episode and none() in another: that is
the lesson), and generic none() requests join unless a listed skill answers their topic ("play the radio" is a call
when a radio skill is listed). The trainer computes the listing once per episode and packs the batch after it.

    pools = builtin_pools(registry, examples) + family_pools(...) + sgd_pools(...)
    episodes = build_episodes(pools, negatives, count=800, rng=random.Random(1))
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from assistant.calls import Call, parse_call
from assistant.errors import AssistantError
from assistant.registry import Param, Range, Registry, Skill
from assistant.routing.prompt import shown_examples
from finetune import sgd
from finetune.templating import (
    Example,
    Vocab,
    _entries,
    check_group,
    copy_target,
    fill_call,
    load_vocab,
    parse_template,
    render,
    roughen,
)

FAMILIES = Path(__file__).resolve().parent / "families"
HELD_TOPICS = ("timer", "alarm", "lights", "thermostat", "datetime")
"""Hard-negative topics no training skill answers but a household's skill will (its lights, the built-in clock): their
none() examples are left out, or the model learns "lights -> none()" whatever the listing says ("bedroom lights on
please" came out none() with a lights skill listed). Requests for skills that are not listed teach none() instead."""
DAY_WORDS = ("today", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class Pool:
    """One skill's requests and how it may be named in a listing."""

    skill: Skill
    """The declaration as written; pool examples call it by this name."""
    examples: list[Example]
    """Requests for this skill (calls in the skill's own naming)."""
    group: str
    """Skills listed together: "builtin", a family module or an SGD service."""
    domain: str = ""
    """At most one group per domain in a listing (two restaurant services would name the same thing twice)."""
    topics: frozenset[str] = frozenset()
    """Hard-negative topics this skill answers: generic none() requests of these topics leave the episode."""
    variants: list[tuple[Skill, dict[str, str]]] = field(default_factory=list)
    """Other declarations of the same skill: (renamed skill, original parameter name -> new name)."""
    _order: list[int] = field(default_factory=list)

    def draw(self, rng: random.Random) -> Example:
        """The next example, cycling through a shuffled order (each is used once before any repeats)."""
        if not self._order:
            self._order = list(range(len(self.examples)))
            rng.shuffle(self._order)
        return self.examples[self._order.pop()]


@dataclass
class Episode:
    """A listing and the requests trained after it."""

    skills: list[Skill]
    """The listing, in order."""
    examples: list[Example]
    """Requests labelled for this listing."""
    shown: list[tuple[str, str]] = field(default_factory=list)
    """The listing's shown examples (Mix.shown): one (request, call) per skill, in listing order."""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"skills": [skill_dict(s) for s in self.skills]}
        if self.shown:
            data["shown"] = [list(pair) for pair in self.shown]
        data["examples"] = [e.as_json() for e in self.examples]
        return data


# ---------------------------------------------------------------- declarations as data (episodes are JSON lines)


def skill_dict(item: Skill) -> dict[str, Any]:
    """What the router reads of a skill, as JSON."""
    params = []
    for p in item.params:
        entry: dict[str, Any] = {"name": p.name, "type": p.type.__name__, "optional": p.optional}
        if p.default is not None:
            entry["default"] = p.default
        if p.choices:
            entry["choices"] = list(p.choices)
        if p.range:
            entry["range"] = [p.range.min, p.range.max]
        if p.doc:
            entry["doc"] = p.doc
        params.append(entry)
    return {"name": item.name, "description": item.description, "params": params}


def _nothing(**_: Any) -> Any:
    return None


TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}


def skill_from_dict(data: dict[str, Any]) -> Skill:
    """A declaration read back from JSON (no function behind it: episodes are only read and tokenized)."""
    params = tuple(
        Param(
            p["name"],
            TYPES[p["type"]],
            p["optional"],
            p.get("default"),
            tuple(p.get("choices", ())),
            Range(*p["range"]) if "range" in p else None,
            None,
            p.get("doc", ""),
        )
        for p in data["params"]
    )
    return Skill(data["name"], _nothing, data["description"], params)


def rename(call: Call, skill: Skill, params: dict[str, str]) -> Call:
    """A call written for another declaration of the same skill."""
    return Call(skill.name, {params.get(k, k): v for k, v in call.args.items()})


# ---------------------------------------------------------------- the pools


def builtin_pools(
    registry: Registry, examples: Iterable[Example], names: Sequence[str]
) -> tuple[list[Pool], list[Example]]:
    """Pools of the built-in skills named (from the flat generated examples) and the generic none() requests."""
    by_skill: dict[str, list[Example]] = {name: [] for name in names}
    negatives: list[Example] = []
    for example in examples:
        name = parse_call(example.call).name
        if name == "none":
            negatives.append(example)
        elif name in by_skill:
            by_skill[name].append(example)
    pools = [Pool(registry.get(name), items, "builtin", "builtin") for name, items in by_skill.items() if items]
    return pools, negatives


def sgd_builtin_examples(registry: Registry, records: Iterable[dict[str, Any]]) -> list[Example]:
    """SGD's weather and music requests as phrasings of the built-ins (crowd-written, so real wording): GetWeather
    with a city and a day the skill can take, PlaySong/PlayMedia with a title, artist, album or genre and no device."""
    out = []
    for record in records:
        args, text = record["args"], record["text"]
        call: str | None = None
        if record["intent"] == "GetWeather":
            when = args.get("date", "").lower()
            days = [d for d in DAY_WORDS if d in when]
            if when and len(days) != 1:
                continue
            parts = [f'location="{args["city"]}"'] if "city" in args else []
            if days and days[0] != "today":
                parts.append(f'day="{days[0]}"')
            call = f"weather({', '.join(parts)})"
        elif record["intent"] in ("PlaySong", "PlayMedia") and "playback_device" not in args:
            query = next((args[k] for k in ("song_name", "track", "artist", "album", "genre") if k in args), None)
            call = f'play_music(query="{query}")' if query else "play_music()"
        if call is None or not sgd.is_command(record):
            continue
        try:
            canonical = registry.parse(call)
        except AssistantError:
            continue
        out.append(Example(text, str(canonical), "en", f"sgd:{record['service']}", ["sgd"]))
    return out


def sgd_pools(records: Iterable[dict[str, Any]], services: dict[str, list[dict[str, Any]]]) -> list[Pool]:
    """One pool per SGD intent of the given services, with the five SGD-X rewrites as variants."""
    declared: dict[tuple[str, str], list[sgd.SgdSkill]] = {}
    for service, schemas in services.items():
        for item in sgd.skills_of(service, schemas):
            declared.setdefault((service, item.intent), []).append(item)
    pools: dict[tuple[str, str], Pool] = {}
    for (service, intent), items in declared.items():
        first = next((i for i in items if i.variant == 0), None)
        if first is None:
            continue
        variants = []
        for other in items:
            if other.variant:  # original parameter name -> this variant's, through the slot
                mapping = {first.params[slot]: name for slot, name in other.params.items()}
                variants.append((other.skill, mapping))
        topics = frozenset({first.topic} - {""})
        pools[(service, intent)] = Pool(first.skill, [], service, service.split("_")[0], topics, variants)
    registry_cache: dict[str, Registry] = {}
    for record in records:
        pool = pools.get((record["service"], record["intent"]))
        if pool is None or not sgd.is_command(record):
            continue
        first = next(i for i in declared[(record["service"], record["intent"])] if i.variant == 0)
        call, kind = sgd.request_call(record, first)
        if call is None:
            continue
        registry = registry_cache.setdefault(pool.skill.name + record["service"], Registry([pool.skill]))
        try:
            valid = registry.validate(call)
        except AssistantError:
            continue
        target = copy_target(registry, record["text"], "en", valid, call)
        if not _copies(target or str(valid), record["text"]):
            continue  # a value that is not words of the request: the decoder could never write it
        pool.examples.append(Example(record["text"], str(valid), "en", f"sgd:{record['service']}", ["sgd"], target))
    return [p for p in pools.values() if p.examples]


def _copies(call_text: str, text: str) -> bool:
    """Every string value of the call is made of words of the text (any case, edge punctuation ignored)."""
    words = {w.strip(".,!?;:\"'()").lower() for w in text.split()} | {w.lower() for w in text.split()}
    for value in parse_call(call_text).args.values():
        if isinstance(value, str) and not all(w.lower() in words for w in value.split()):
            return False
    return True


def family_pools(folder: Path, rng: random.Random, per_skill: int) -> list[Pool]:
    """Pools of the project's skill families: finetune/families/<name>.py declarations, <name>.yaml phrasings."""
    base = load_vocab(Path(__file__).resolve().parent / "templates", "en")
    pools = []
    for path in sorted(folder.glob("*.yaml")):
        module = importlib.import_module(f"finetune.families.{path.stem}")
        registry = Registry.from_modules([module])
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        vocab = Vocab(dict(base.slots), dict(base.unions), base.noise, set(base.words))
        for name, raw in (spec.get("vocab") or {}).items():
            if isinstance(raw, dict) and "union" in raw:
                vocab.unions[name] = list(raw["union"])
            else:
                vocab.slots[name] = _entries(raw)
        by_skill: dict[str, list[Example]] = {name: [] for name in registry.names()}
        groups = []
        for group in spec["groups"]:
            texts = group["texts"]
            nodes = [parse_template(t) for t in texts]
            check_group(group["call"], nodes, texts, vocab.words, path.name)
            groups.append((group["call"], nodes))
        seen: set[str] = set()
        for _ in range(per_skill * len(by_skill) * 6):
            template, phrasings = rng.choice(groups)
            name = template.split("(")[0]
            if len(by_skill[name]) >= per_skill:
                continue
            filled: dict[str, tuple[str, str]] = {}
            text, tags = roughen(render(rng.choice(phrasings), vocab, rng, filled), "en", base.noise, rng)
            if text.lower() in seen:
                continue
            try:
                raw = parse_call(fill_call(template, filled))
                call = registry.validate(raw)
            except AssistantError:
                continue
            seen.add(text.lower())
            target = copy_target(registry, text, "en", call, raw)
            by_skill[name].append(Example(text, str(call), "en", f"family:{path.stem}", sorted(tags), target))
        aliases, descriptions = spec.get("aliases") or {}, spec.get("descriptions") or {}
        for name, examples in by_skill.items():
            item = registry.get(name)
            variants: list[tuple[Skill, dict[str, str]]] = [
                (replace(item, name=alias), {}) for alias in aliases.get(name, [])
            ]
            variants += [(replace(item, description=d), {}) for d in descriptions.get(name, [])]
            topics = frozenset((spec.get("topics") or {}).get(name, []))
            pools.append(Pool(item, examples, f"family:{path.stem}", f"family:{path.stem}", topics, variants))
    return pools


# ---------------------------------------------------------------- episodes


@dataclass
class Mix:
    """How an episode is drawn."""

    size: int = 20
    """Requests per episode (one training batch after one listing)."""
    all_builtins: float = 0.7
    """Chance that every built-in skill is listed (as in every real household); else each is kept at 50%."""
    extra_skills: tuple[int, int] = (1, 16)
    """How many other skills join the listing (uniform)."""
    builtin_share: float = 0.5
    """Share of requests for listed built-in skills (the household's own skills are the ones it uses)."""
    other_share: float = 0.3
    """Share of requests for the other listed skills."""
    variant_chance: float = 0.5
    """Chance that a skill appears under one of its other names or descriptions."""
    shuffle_chance: float = 0.5
    """Chance that the listing is shuffled; else the built-ins come first, as a real registry lists them."""
    param_shuffle: float = 0.0
    """Chance that an added skill's parameters are listed (and so written in its call) in another order, required ones
    still first. SGD's labels fill a service's first slots most, so with declared order only the reader learns "a value
    goes to the first optional parameter" (genre -0.0 against actors -14.6 nats for "a movie with Alfred Hitchcock")
    instead of reading the names. v1-v4: 0."""
    shown: bool = False
    """Show one example per listed skill after the listing (the "listing-example" prompt), as a developer's skill
    shows its richest example at run time: a built-in its own, another skill one of its requests not asked in the
    episode. v1-v5: off."""


NOISY_TAGS = frozenset({"wake", "disfluent", "spoken", "asr", "stutter", "filler"})
"""Tags of roughened requests: a shown example is as its author would write it, so these are avoided."""


def shown_example(pool: Pool, skill: Skill, mapping: dict[str, str], rng: random.Random) -> tuple[str, str] | None:
    """The example a listing shows for a skill: a built-in's own richest (what run time shows), else the richest clean
    short one of a few of the pool's requests, written in the listing's naming."""
    if pool.skill.examples:
        shown = shown_examples(Registry([skill]))
        return shown[0] if shown else None
    candidates = rng.sample(pool.examples, min(6, len(pool.examples)))
    if not candidates:
        return None
    # Clean, short (an author's example is a line, not SGD's three-sentence turn), then the most arguments.
    best = max(
        candidates,
        key=lambda e: (not NOISY_TAGS.intersection(e.tags), len(e.text.split()) <= 14, len(parse_call(e.call).args)),
    )
    return best.text, str(rename(parse_call(best.call), skill, mapping))


def build_episode(
    builtin: list[Pool], others: list[Pool], negatives: list[Example], rng: random.Random, mix: Mix
) -> Episode:
    """One listing and its labelled requests."""
    if rng.random() < mix.all_builtins:
        chosen = list(builtin)
    else:
        chosen = [p for p in builtin if rng.random() < 0.5]
    groups: dict[str, list[Pool]] = {}
    for pool in others:
        groups.setdefault(pool.group, []).append(pool)
    order = list(groups)
    rng.shuffle(order)
    wanted = rng.randint(*mix.extra_skills)
    domains: set[str] = set()
    names = {p.skill.name for p in chosen}
    extra: list[tuple[Pool, Skill, dict[str, str]]] = []
    variant_of_group: dict[str, int] = {}
    for group in order:
        if len(extra) >= wanted:
            break
        members = groups[group]
        if members[0].domain in domains:
            continue
        if group.startswith("family:"):  # a developer writes some of a family's skills, not always all
            members = [m for m in members if rng.random() < 0.7] or [rng.choice(members)]
        picked = []
        use_variant = rng.random() < mix.variant_chance
        for pool in members:
            skill, mapping = pool.skill, dict[str, str]()
            if use_variant and pool.variants:
                # SGD-X rewrites a whole service at once: keep one variant number across its intents
                index = variant_of_group.setdefault(group, rng.randrange(len(pool.variants)))
                skill, mapping = pool.variants[index % len(pool.variants)]
            if mix.param_shuffle and rng.random() < mix.param_shuffle:
                skill = reorder_params(skill, rng)
            picked.append((pool, skill, mapping))
        if any(s.name in names for _, s, _ in picked):
            continue
        names |= {s.name for _, s, _ in picked}
        domains.add(members[0].domain)
        extra += picked
    listing = [p.skill for p in chosen] + [s for _, s, _ in extra]
    if rng.random() < mix.shuffle_chance:
        rng.shuffle(listing)
    registry = Registry(listing)
    covered = frozenset().union(*(p.topics for p in chosen), *(p.topics for p, _, _ in extra))
    listed = {id(p) for p in chosen} | {id(p) for p, _, _ in extra}
    examples: list[Example] = []
    shown: dict[str, tuple[str, str]] = {}
    if mix.shown:
        for pool, skill, mapping in [(p, p.skill, {}) for p in chosen] + extra:
            if pair := shown_example(pool, skill, mapping, rng):
                shown[skill.name] = pair
    shown_texts = {text for text, _ in shown.values()}
    n_builtin = round(mix.size * mix.builtin_share) if chosen else 0
    n_other = round(mix.size * mix.other_share) if extra else 0
    for _ in range(n_builtin):
        examples.append(rng.choice(chosen).draw(rng))
    for _ in range(n_other):
        pool, skill, mapping = rng.choice(extra)
        example = pool.draw(rng)
        if example.text in shown_texts:  # asked what the listing shows: the answer is above, no lesson in reading
            example = pool.draw(rng)
        call = rename(parse_call(example.call), skill, mapping)
        target = rename(parse_call(example.target), skill, mapping) if example.target else None
        examples.append(replace(example, call=str(call), target=str(target) if target else ""))
    # Requests for skills that are not listed become none(): a family's other skills too ("play a podcast" with only
    # the radio listed), but not a listed service's domain or a listed topic, which a listed skill may answer.
    unlisted = [p for p in builtin if id(p) not in listed] + [
        p
        for p in others
        if id(p) not in listed
        and not (p.topics & covered)
        and (p.domain not in domains or p.group.startswith("family:"))
    ]
    while len(examples) < mix.size:
        if unlisted and rng.random() < 0.5:
            example = rng.choice(unlisted).draw(rng)
            examples.append(replace(example, call="none()", target="", tags=[*example.tags, "unlisted"]))
        else:
            example = rng.choice(negatives)
            if not covered.intersection(example.tags):
                examples.append(example)
    for example in examples:  # every call must be one this listing can make
        registry.parse(example.target or example.call)
    rng.shuffle(examples)
    ordered = registry_listing(registry)
    return Episode(ordered, examples, [shown[s.name] for s in ordered if s.name in shown])


def reorder_params(item: Skill, rng: random.Random) -> Skill:
    """The same skill with its required parameters, then its optional ones, each in a shuffled order."""
    required = [p for p in item.params if not p.optional]
    optional = [p for p in item.params if p.optional]
    rng.shuffle(required)
    rng.shuffle(optional)
    return replace(item, params=tuple(required + optional))


def registry_listing(registry: Registry) -> list[Skill]:
    """The skills of a registry in listing order."""
    return list(registry.skills.values())


def build_episodes(
    builtin: list[Pool], others: list[Pool], negatives: list[Example], count: int, rng: random.Random, mix: Mix
) -> list[Episode]:
    """count episodes; the same request may come back under another listing, which is the point."""
    return [build_episode(builtin, others, negatives, rng, mix) for _ in range(count)]


def heard_variant(example: Example, heard: str, voice: str, registry: Registry) -> Example | None:
    """The example as Whisper heard it, trained toward the call that was meant: None when the model could not write
    that call from what was heard (a misheard name, a number that is not in the transcript)."""
    from assistant.i18n import normalize_text
    from assistant.numbers import said_numbers

    if example.lang != "en" or not heard.strip() or normalize_text(heard) == normalize_text(example.text):
        return None
    call = parse_call(example.call)
    target = ""
    if call.name != "none":
        try:
            canonical = registry.validate(call)
        except AssistantError:
            return None
        target = copy_target(registry, heard, "en", canonical, None)
        if not _copies(target or str(canonical), heard):
            return None
        item = registry.get(call.name)
        numbers = [
            v for p in item.params if p.type in (int, float) and not p.normalize for v in [call.args.get(p.name)]
        ]
        if any(isinstance(v, int | float) and float(v) not in said_numbers(heard) for v in numbers):
            return None
    return Example(
        heard, example.call, "en", example.source, sorted({*example.tags, "spoken", f"voice:{voice}"}), target
    )


def add_heard(
    pools: list[Pool], negatives: list[Example], heard: dict[str, tuple[str, str]], registry: Registry
) -> int:
    """Add what Whisper heard of each pool's English examples (and of the generic negatives) as more examples of the
    same call; returns how many were added."""
    added = 0
    for pool in pools:
        pool_registry = registry if pool.group == "builtin" else Registry([pool.skill])
        extra = []
        for example in pool.examples:
            if example.text in heard:
                transcript, voice = heard[example.text]
                variant = heard_variant(example, transcript, voice, pool_registry)
                if variant is not None:
                    extra.append(variant)
        pool.examples += extra
        added += len(extra)
    spoken_negatives = []
    for example in negatives:
        if example.text in heard:
            variant = heard_variant(example, *heard[example.text], registry)
            if variant is not None:
                spoken_negatives.append(variant)
    negatives += spoken_negatives
    return added + len(spoken_negatives)


def read_heard(path: Path) -> dict[str, tuple[str, str]]:
    """finetune/speech.py's transcripts file: text -> (transcript, voice)."""
    import json

    heard = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            condition = row.get("condition") or "clean"
            voice = row["voice"] if condition == "clean" else f"{row['voice']}+{condition}"
            heard[row["text"]] = (row["transcript"], voice)
    return heard


def _split(pools: list[Pool], share: float, rng: random.Random) -> list[Pool]:
    """Move a share of each pool's examples into a dev copy of the pool (same declarations)."""
    dev = []
    for pool in pools:
        items = pool.examples[:]
        rng.shuffle(items)
        cut = max(1, int(len(items) * share)) if len(items) > 4 else 0
        dev.append(replace(pool, examples=items[:cut], _order=[]))
        pool.examples = items[cut:]
    return [p for p in dev if p.examples]


def generate_episodes(
    registry: Registry,
    train: list[Example],
    dev: list[Example],
    banned: set[str],
    rng: random.Random,
    count: int,
    out: Path,
    *,
    use_sgd: bool = True,
    families: Path | None = FAMILIES,
    per_family_skill: int = 120,
    mix: Mix | None = None,
    heard_path: Path | None = None,
    held_topics: tuple[str, ...] = HELD_TOPICS,
) -> dict[str, Any]:
    """Write episodes.jsonl and dev_episodes.jsonl to out; return their manifest entry."""
    import hashlib
    import json
    from collections import Counter

    from assistant.i18n import normalize_text

    mix = mix or Mix()
    names = registry.names()
    records = list(sgd.requests("train")) if use_sgd else []
    sgd_phrasings = [
        e for e in sgd_builtin_examples(registry, (r for r in records if r["service"] in sgd.BUILTIN_SERVICES))
    ]
    sgd_phrasings = [e for e in sgd_phrasings if normalize_text(e.text) not in banned]
    rng.shuffle(sgd_phrasings)
    n_dev = len(sgd_phrasings) // 20
    builtin, negatives = builtin_pools(registry, train + sgd_phrasings[n_dev:], names)
    dev_builtin, dev_negatives = builtin_pools(registry, dev + sgd_phrasings[:n_dev], names)
    held = set(held_topics)
    negatives = [e for e in negatives if not held.intersection(e.tags)]
    dev_negatives = [e for e in dev_negatives if not held.intersection(e.tags)]
    others: list[Pool] = []
    if use_sgd:
        services = {
            name: schemas
            for name, schemas in sgd.load_services("train").items()
            if name not in sgd.BUILTIN_SERVICES and name not in sgd.DEV_ONLY
        }
        others += sgd_pools(records, services)
    if families is not None:
        others += family_pools(families, rng, per_family_skill)
    taken = set(names)
    others = [p for p in others if p.skill.name not in taken or p.group.startswith("sgd")]
    for pool in others:
        pool.examples = [e for e in pool.examples if normalize_text(e.text) not in banned]
    others = [p for p in others if p.examples]
    dev_others = _split(others, 0.05, rng)
    heard_added = 0
    if heard_path is not None:  # speech in the loop: training sentences as the shipped Whisper hears them
        heard_added = add_heard([*builtin, *others], negatives, read_heard(heard_path), registry)
    written: dict[str, Any] = {}
    for name, pools, extra, negs, n in (
        ("episodes.jsonl", builtin, others, negatives, count),
        ("dev_episodes.jsonl", dev_builtin, dev_others, dev_negatives, max(10, count // 20)),
    ):
        episodes = build_episodes(pools, extra, negs, n, rng, mix)
        path = out / name
        with path.open("w", encoding="utf-8") as handle:
            for episode in episodes:
                handle.write(json.dumps(episode.as_json(), ensure_ascii=False) + "\n")
        calls = Counter(
            "none" if e.call == "none()" else ("builtin" if parse_call(e.call).name in names else "other")
            for ep in episodes
            for e in ep.examples
        )
        written[name] = {
            "path": str(path),
            "episodes": len(episodes),
            "examples": sum(len(ep.examples) for ep in episodes),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "calls": dict(calls),
            "listing_sizes": dict(sorted(Counter(len(ep.skills) for ep in episodes).items())),
            "unlisted_negatives": sum("unlisted" in e.tags for ep in episodes for e in ep.examples),
        }
    written["pools"] = {
        "builtin": {p.skill.name: len(p.examples) for p in builtin},
        "sgd_phrasings_of_builtins": len(sgd_phrasings),
        "other_skills": len(others),
        "other_examples": sum(len(p.examples) for p in others),
        "groups": sorted({p.group for p in others}),
    }
    written["mix"] = {k: v for k, v in vars(mix).items()}
    written["held_topics"] = list(held_topics)
    if heard_path is not None:
        written["heard"] = {
            "path": str(heard_path),
            "sha256": hashlib.sha256(heard_path.read_bytes()).hexdigest(),
            "examples_added": heard_added,
        }
    return written
