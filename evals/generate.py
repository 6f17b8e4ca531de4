"""Expand evals/templates.yaml into evals/full.jsonl and evals/quick.jsonl, deterministically.

Run `python evals/generate.py` after editing the templates; the same seed gives the same files, so a change in
the datasets is always a reviewable diff. golden.jsonl is written by hand and never generated; generated
sentences that equal a golden one are left out so the two sets do not overlap.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SEED = 20250605
QUICK_SIZE = 200
SLOT_RE = re.compile(r"\{(\w+)\}")
NUMBER_SLOTS = {"a", "b", "c", "n", "level", "sq", "p"}
QUESTION_WORDS = (
    "what",
    "how",
    "is",
    "will",
    "do",
    "does",
    "can",
    "could",
    "should",
    "who",
    "when",
    "where",
    "why",
    "am",
    "are",
    "any",
    "would",
)
IMPERATIVES = (
    "play",
    "put",
    "set",
    "turn",
    "give",
    "tell",
    "read",
    "stop",
    "pause",
    "skip",
    "add",
    "check",
    "calculate",
    "multiply",
    "divide",
    "start",
    "resume",
    "continue",
    "subtract",
    "take",
    "make",
    "change",
)

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SMALL_WORDS = {
    "de": "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn "
    "sechzehn siebzehn achtzehn neunzehn zwanzig",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept "
    "dix-huit dix-neuf vingt",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis "
    "diecisiete dieciocho diecinueve veinte",
    "it": "zero uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici quindici "
    "sedici diciassette diciotto diciannove venti",
    "nl": "nul een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien vijftien zestien "
    "zeventien achttien negentien twintig",
}
_CJK = "〇一二三四五六七八九"


def english_words(n: int) -> str:
    """Spell 0..999999 the way people say it ("one hundred twenty three")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + english_words(rest))
    rest = n % 1000
    return english_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + english_words(rest))


def number_words(n: int, lang: str) -> str | None:
    """Number n spelled in lang, or None where this table has no spelling (digits are used then)."""
    if lang == "en":
        return english_words(n)
    if lang in SMALL_WORDS:
        words = SMALL_WORDS[lang].split()
        return words[n] if n < len(words) else None
    if lang in ("ja", "zh") and 0 < n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 0 else ("" if tens == 1 else _CJK[tens]) + "十") + ("" if ones == 0 else _CJK[ones])
    return None


@dataclass
class Segment:
    """A piece of a sentence: literal words, or a slot value that augmentation must not touch."""

    text: str
    slot: str = ""
    value: str = ""


@dataclass
class Item:
    """One generated example before it is written."""

    segments: list[Segment]
    call: str
    lang: str
    tags: list[str]
    style: str = "plain"
    numbers_as: str = "any"
    extra: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The sentence, with the surface style applied."""
        raw = " ".join("".join(s.text for s in self.segments).split())
        if self.style == "whisper" and self.lang == "en" and raw:
            end = "?" if raw.split()[0].lower().split("'")[0] in QUESTION_WORDS else "."
            raw = raw[0].upper() + raw[1:] + ("" if raw[-1] in "?.!" else end)
        return raw


class GenerationError(Exception):
    """A template refers to a slot or vocabulary that does not exist."""


def _choose(slot: str, group: dict[str, Any], vocab: dict[str, Any], rng: random.Random, words: bool) -> Segment:
    """Pick a value for one slot and the phrase that says it."""
    lang = group.get("lang", "en")
    if slot in NUMBER_SLOTS:
        spec = group.get("numbers", {}).get(slot, {"level": "0-10"}.get(slot, "2-20"))
        if isinstance(spec, list):
            number = int(rng.choice(spec))
        else:
            low, high = (int(x) for x in str(spec).split("-"))
            number = rng.randint(low, high)
        spoken = number_words(number, lang) if words else None
        return Segment(spoken or str(number), slot, str(number))
    if slot not in vocab:
        raise GenerationError(f"template slot {{{slot}}} has no vocabulary (group {group['call']})")
    entry = vocab[slot]
    if isinstance(entry, dict):
        value = rng.choice(sorted(entry))
        return Segment(rng.choice(entry[value]), slot, value)
    value = str(rng.choice(entry))
    return Segment(value, slot, value)


def _render(template: str, chosen: dict[str, Segment]) -> list[Segment]:
    """Split a template into literal and slot segments."""
    segments, position = [], 0
    for match in SLOT_RE.finditer(template):
        segments.append(Segment(template[position : match.start()]))
        segments.append(chosen[match.group(1)])
        position = match.end()
    segments.append(Segment(template[position:]))
    return [s for s in segments if s.text or s.slot]


def _fill_call(call: str, chosen: dict[str, Segment]) -> str:
    """Put the slot values into the call template (JSON escaping inside strings)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in chosen:
            raise GenerationError(f"call {call!r} uses {{{name}}} that no text of its group has")
        return json.dumps(chosen[name].value, ensure_ascii=False)[1:-1]

    return SLOT_RE.sub(value, call)


def expand(group: dict[str, Any], vocab: dict[str, Any], rng: random.Random) -> list[Item]:
    """Sample up to n distinct sentences from one template group."""
    texts = [str(t) for t in group["texts"]]
    has_slots = any(SLOT_RE.search(t) for t in texts)
    wanted = int(group.get("n", len(texts))) if has_slots else len(texts)
    order = texts[:]
    rng.shuffle(order)
    items: list[Item] = []
    seen: set[str] = set()
    attempts = 0
    while len(items) < wanted and attempts < wanted * 30:
        template = order[attempts % len(order)]
        attempts += 1
        mode = group.get("numbers_as", "any")
        words = mode == "words" or (mode == "any" and rng.random() < 0.5)
        chosen = {slot: _choose(slot, group, vocab, rng, words) for slot in SLOT_RE.findall(template)}
        item = Item(
            _render(template, chosen),
            _fill_call(str(group["call"]), chosen),
            group.get("lang", "en"),
            list(group.get("tags", [])),
            numbers_as=mode,
        )
        item.style = "whisper" if rng.random() < 0.6 else "plain"
        key = item.text().lower()
        if key not in seen:
            seen.add(key)
            items.append(item)
    return items


def _tokens(item: Item) -> list[Segment]:
    """Literal segments split into words; slot segments kept whole."""
    out: list[Segment] = []
    for seg in item.segments:
        if seg.slot:
            out.append(seg)
        else:
            out.extend(Segment(w) for w in seg.text.split())
    return out


def _join(tokens: list[Segment]) -> list[Segment]:
    return [Segment(t.text + " ", t.slot, t.value) for t in tokens]


def augment(kind: str, item: Item, spec: dict[str, Any], rng: random.Random) -> Item | None:
    """A variant of an English item: asr, homophone, disfluent or polite; None when it does not apply."""
    tokens = _tokens(item)
    if kind == "asr":
        out = []
        for t in tokens:
            if t.slot in NUMBER_SLOTS and item.numbers_as == "any":
                # Recognisers write numbers either way; flip to the other spelling.
                words = english_words(int(t.value))
                t = Segment(str(t.value) if t.text == words else words, t.slot, t.value)
            text = re.sub(r"[^\w\s'+*/-]", "", t.text.lower())
            if rng.random() < 0.5:
                text = text.replace("'", "")
            out.append(Segment(text, t.slot, t.value))
        return replace(item, segments=_join(out), style="plain", tags=item.tags + ["asr"])
    if kind == "homophone":
        table = spec["homophones"]
        spots = [i for i, t in enumerate(tokens) if not t.slot and t.text.lower().strip("?.,") in table]
        if not spots:
            return None
        i = rng.choice(spots)
        tokens[i] = Segment(rng.choice(table[tokens[i].text.lower().strip("?.,")]))
        text_tokens = [Segment(t.text.lower().strip("?.,"), t.slot, t.value) for t in tokens]
        return replace(item, segments=_join(text_tokens), style="plain", tags=item.tags + ["asr", "homophone"])
    if kind == "disfluent":
        fillers = spec["fillers"]
        out = [Segment(t.text.lower().strip("?.,"), t.slot, t.value) for t in tokens]
        for _ in range(rng.choice([1, 1, 2])):
            out.insert(rng.randrange(0, len(out)), Segment(rng.choice(fillers)))
        if rng.random() < 0.3 and not out[0].slot:
            out.insert(0, Segment(out[0].text))  # a stutter: "play play baby shark"
        return replace(item, segments=_join(out), style="plain", tags=item.tags + ["disfluent"])
    if kind == "polite":
        first = tokens[0].text.lower() if tokens and not tokens[0].slot else ""
        base = [Segment(t.text.strip("?.") if not t.slot else t.text, t.slot, t.value) for t in tokens]
        if first in IMPERATIVES and rng.random() < 0.7:
            base[0] = Segment(first)
            base.insert(0, Segment(rng.choice(spec["polite_prefix"])))
        elif rng.random() < 0.5:
            base.insert(0, Segment("hey,"))
            base.append(Segment(rng.choice(spec["polite_suffix"])))
        else:
            base.append(Segment(rng.choice(spec["polite_suffix"])))
        return replace(item, segments=_join(base), style="plain", tags=item.tags + ["polite"])
    raise GenerationError(f"unknown augmentation {kind!r}")


def example_id(call: str, lang: str, text: str) -> str:
    """A stable id: the skill name plus a hash of language and text, so it survives regeneration."""
    digest = hashlib.sha1(f"{lang}\n{text}".encode()).hexdigest()[:8]
    return f"{call.split('(')[0]}-{lang}-{digest}"


def generate(templates: dict[str, Any], golden_texts: set[str], seed: int = SEED) -> list[dict[str, Any]]:
    """All examples of the full set, in template order, as JSON-ready records."""
    rng = random.Random(seed)
    vocab = templates["vocab"]
    base: list[Item] = []
    for group in templates["groups"]:
        base.extend(expand(group, vocab, rng))
    spec = templates["augment"]
    english = [item for item in base if item.lang == "en"]
    items = list(base)
    for kind in ("asr", "homophone", "disfluent", "polite"):
        pool = english[:]
        rng.shuffle(pool)
        made = 0
        for item in pool:
            if made >= int(spec[kind]):
                break
            variant = augment(kind, item, spec, rng)
            if variant is not None:
                items.append(variant)
                made += 1
    # Groups added after the set's first release draw from their own random stream, after the variants, so
    # adding one leaves every earlier example as it was and runs stay comparable example by example.
    later = random.Random(seed + 1)
    for group in templates.get("appended_groups", []):
        items.extend(expand(group, vocab, later))
    relabels = [
        (re.compile(rule["match"], re.IGNORECASE), rule["call"], rule.get("lang"), rule.get("tags", []))
        for rule in templates.get("relabels", [])
    ]
    records, seen = [], set(golden_texts)
    for item in items:
        text = item.text()
        item = relabel(item, text, relabels)
        key = " ".join(text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        tags = sorted(set(item.tags))
        records.append(
            {
                "id": example_id(item.call, item.lang, text),
                "text": text,
                "lang": item.lang,
                "call": item.call,
                "tags": tags,
            }
        )
    return records


def relabel(item: Item, text: str, rules: list[tuple[re.Pattern[str], str, str | None, list[str]]]) -> Item:
    """The item with the call of the first rule whose pattern it matches (in its language), else as it was.

    A request that was none() becomes a call when a skill for it joins the built-ins ("set a timer for 5 minutes" once
    the clock skills came): the rule rewrites the expected call from the text ("\\1" is the pattern's first group),
    so the random streams, and every other example, stay as they were."""
    for pattern, call, lang, tags in rules:
        found = pattern.search(text)
        if found and item.call == "none()" and (lang is None or lang == item.lang):
            return replace(item, call=found.expand(call), tags=[t for t in item.tags if t != "hard_negative"] + tags)
    return item


def quick_subset(records: list[dict[str, Any]], size: int = QUICK_SIZE) -> list[dict[str, Any]]:
    """A stratified sample by (skill, language): every stratum at least once, the rest proportional."""
    strata: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        strata[(record["call"].split("(")[0], record["lang"])].append(record)

    def by_hash(record: dict[str, Any]) -> str:
        return hashlib.sha1(record["id"].encode()).hexdigest()

    firsts: list[dict[str, Any]] = []
    extras: list[dict[str, Any]] = []
    for key in sorted(strata):
        members = sorted(strata[key], key=by_hash)
        quota = max(1, round(size * len(members) / len(records)))
        firsts.append(members[0])
        extras.extend(members[1:quota])
    # Rounding leaves the total a little off: top up (or trim) in hash order so it is exactly size. A trim takes
    # from the proportional extras only, so every stratum keeps its one example.
    taken = {r["id"] for r in firsts + extras}
    rest = sorted((r for r in records if r["id"] not in taken), key=by_hash)
    extras = sorted(extras + rest[: max(0, size - len(firsts) - len(extras))], key=by_hash)
    chosen = firsts + extras[: max(0, size - len(firsts))]
    position = {r["id"]: i for i, r in enumerate(records)}
    return sorted(chosen, key=lambda r: position[r["id"]])


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    """One JSON object per line, UTF-8, keys in a fixed order."""
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Regenerate full.jsonl and quick.jsonl from templates.yaml."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: evals/)")
    args = parser.parse_args(argv)
    templates = yaml.safe_load((HERE / "templates.yaml").read_text(encoding="utf-8"))
    golden = set()
    golden_file = HERE / "golden.jsonl"
    if golden_file.exists():
        for line in golden_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                golden.add(" ".join(json.loads(line)["text"].lower().split()))
    try:
        records = generate(templates, golden, args.seed)
    except GenerationError as error:
        print(f"generate: {error}", file=sys.stderr)
        return 1
    write_jsonl(args.out / "full.jsonl", records)
    quick = quick_subset(records)
    write_jsonl(args.out / "quick.jsonl", quick)
    print(f"full: {len(records)} examples, quick: {len(quick)} examples -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
