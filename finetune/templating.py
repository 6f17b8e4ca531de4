"""Template machinery shared by the data generators: phrasing templates, vocabularies, speech-like roughening,
training examples and copyable targets (see finetune/README.md, "1. 1_generate.py")."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.calls import Call
from assistant.errors import AssistantError
from assistant.registry import Registry

NO_SPACE_LANGS = ("ja", "zh")
SLOT_RE = re.compile(r"\{(\w+?)(?::(said))?\}")

# ---------------------------------------------------------------- phrasing templates: (a|b) [optional] {slot}


@dataclass
class Node:
    """One piece of a phrasing: text, a slot, a choice between sequences, or an optional sequence."""

    kind: str
    """"text", "slot", "alt" or "opt"."""
    text: str = ""
    """The literal text, or the slot name."""
    items: list[list[Node]] = field(default_factory=list)
    """Alternatives (alt) or the one optional sequence (opt)."""


def parse_template(text: str) -> list[Node]:
    """Parse hassil-style phrasing syntax: (a|b) picks one, [a] may be left out, {slot} is filled from vocab."""
    pos = 0

    def sequence(stop: str) -> list[list[Node]]:
        nonlocal pos
        alternatives: list[list[Node]] = [[]]
        while pos < len(text):
            char = text[pos]
            if char in stop:
                return alternatives
            pos += 1
            if char == "|":
                alternatives.append([])
            elif char in "([":
                inner = sequence(")" if char == "(" else "]")
                if pos >= len(text):
                    raise ValueError(f"unclosed {char!r} in template {text!r}")
                pos += 1
                node = Node("alt", items=inner) if char == "(" else Node("opt", items=[[Node("alt", items=inner)]])
                alternatives[-1].append(node)
            elif char == "{":
                end = text.index("}", pos)
                alternatives[-1].append(Node("slot", text[pos:end]))
                pos = end + 1
            elif char in ")]":
                raise ValueError(f"unbalanced {char!r} in template {text!r}")
            elif alternatives[-1] and alternatives[-1][-1].kind == "text":
                alternatives[-1][-1].text += char
            else:
                alternatives[-1].append(Node("text", char))
        return alternatives

    top = sequence("")
    if len(top) != 1:
        return [Node("alt", items=top)]
    return top[0]


@dataclass
class Vocab:
    """Slot values of one language: name -> [(said, value)], plus the noise words used to roughen phrasings."""

    slots: dict[str, list[tuple[str, str]]]
    """Slot name to (as said, value in the call) pairs."""
    unions: dict[str, list[str]]
    """Slot name to the slot names it picks from."""
    noise: dict[str, Any]
    """fillers, prefixes, suffixes, asr (word -> misrecognitions)."""
    words: set[str] = field(default_factory=set)
    """Slots that only vary the phrasing ("will it {condition}") and never reach a call."""

    def pick(self, name: str, rng: random.Random) -> tuple[str, str]:
        """One (said, value) pair for slot type name."""
        if name in self.unions:
            return self.pick(rng.choice(self.unions[name]), rng)
        if name not in self.slots:
            raise KeyError(f"no vocabulary for slot '{name}'")
        return rng.choice(self.slots[name])


ONES = re.split(
    r"\s+",
    "zero one two three four five six seven eight nine "
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen",
)
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def english_number(n: int) -> str:
    """0..999 in English words: 342 -> "three hundred and forty two"."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    rest = n % 100
    return ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + english_number(rest))


def _entries(raw: list[Any]) -> list[tuple[str, str]]:
    """Vocabulary entries: "Boston", [said, value] or {range: [lo, hi]} (digits; said: words spells English)."""
    pairs: list[tuple[str, str]] = []
    for entry in raw:
        if isinstance(entry, dict) and "range" in entry:
            low, high = entry["range"]
            spell = english_number if entry.get("said") == "words" else str
            pairs.extend((spell(n), str(n)) for n in range(int(low), int(high) + 1))
        elif isinstance(entry, list):
            pairs.append((str(entry[0]), str(entry[1])))
        else:
            pairs.append((str(entry), str(entry)))
    return pairs


def load_vocab(templates: Path, lang: str) -> Vocab:
    """The shared vocab.yaml overlaid with <lang>/vocab.yaml."""
    slots: dict[str, list[tuple[str, str]]] = {}
    unions: dict[str, list[str]] = {}
    noise: dict[str, Any] = {}
    words: set[str] = set()
    for path in (templates / "vocab.yaml", templates / lang / "vocab.yaml"):
        if not path.is_file():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        words |= set(data.get("words") or {})
        for name, raw in {**(data.get("slots") or {}), **(data.get("words") or {})}.items():
            if isinstance(raw, dict) and "union" in raw:
                unions[name] = list(raw["union"])
            else:
                slots[name] = _entries(raw)
        noise.update(data.get("noise") or {})
    return Vocab(slots, unions, noise, words)


def slot_type(name: str) -> str:
    """{place_2} is a second place, {place_wrong} one the user takes back: the type is the name without suffix."""
    return re.sub(r"_(\d+|wrong)$", "", name)


def slot_names(nodes: list[Node]) -> set[str]:
    """Every slot a parsed phrasing can fill."""
    names: set[str] = set()
    for node in nodes:
        if node.kind == "slot":
            names.add(node.text)
        for items in node.items:
            names |= slot_names(items)
    return names


def check_group(call: str, phrasings: list[list[Node]], texts: list[str], words: set[str], where: str) -> None:
    """A phrasing's argument slots must reach the call (or end in _wrong); every call slot must be said somewhere."""
    wanted = {m.group(1) for m in SLOT_RE.finditer(call)}
    said: set[str] = set()
    for nodes, text in zip(phrasings, texts, strict=True):
        names = slot_names(nodes)
        lost = {n for n in names - wanted if not n.endswith("_wrong") and slot_type(n) not in words}
        if lost and call != "none()":
            raise ValueError(f"{where}: {text!r} fills {sorted(lost)} but the call {call!r} does not use them")
        said |= names
    if wanted - said:
        raise ValueError(f"{where}: call {call!r} uses {sorted(wanted - said)}, which no phrasing says")


def render(nodes: list[Node], vocab: Vocab, rng: random.Random, filled: dict[str, tuple[str, str]]) -> list[list[str]]:
    """Sample one phrasing: a list of [kind, text] segments ("text" or "slot:name"); slot picks go to filled."""
    out: list[list[str]] = []
    for node in nodes:
        if node.kind == "text":
            out.append(["text", node.text])
        elif node.kind == "slot":
            if node.text not in filled:
                filled[node.text] = vocab.pick(slot_type(node.text), rng)
            out.append([f"slot:{node.text}", filled[node.text][0]])
        elif node.kind == "alt":
            out.extend(render(rng.choice(node.items), vocab, rng, filled))
        elif rng.random() < 0.5:  # opt
            out.extend(render(node.items[0], vocab, rng, filled))
    return out


def fill_call(template: str, filled: dict[str, tuple[str, str]]) -> str:
    """Put slot values (or {slot:said}, the words as said) into a call template; unfilled slots become ""."""

    def value(match: re.Match[str]) -> str:
        said, val = filled.get(match.group(1), ("", ""))
        text = said if match.group(2) else val
        return json.dumps(text, ensure_ascii=False)[1:-1]

    return SLOT_RE.sub(value, template)


# ---------------------------------------------------------------- roughening: ASR style, disfluencies, casing


def roughen(segments: list[list[str]], lang: str, noise: dict[str, Any], rng: random.Random) -> tuple[str, set[str]]:
    """Join segments into text with speech-like noise on the template words only (slot values stay intact)."""
    tags: set[str] = set()
    sep = "" if lang in NO_SPACE_LANGS else " "
    if noise.get("asr") and rng.random() < 0.15:
        for seg in segments:
            for word, errors in noise["asr"].items() if seg[0] == "text" else ():
                pattern = rf"(?<!\w){re.escape(word)}(?!\w)"
                if re.search(pattern, seg[1], re.I) and rng.random() < 0.6:
                    error = rng.choice(errors)
                    seg[1] = re.sub(pattern, lambda _, e=error: e, seg[1], count=1, flags=re.I)
                    tags.add("asr")
    # Word-sized pieces, so noise goes between words and never inside a slot value.
    pieces = [[k, t] for k, text in segments for t in (re.split(r"( )", text) if k == "text" and sep else [text]) if t]
    if noise.get("fillers") and rng.random() < 0.12:
        spots = [i for i, (k, t) in enumerate(pieces) if i == 0 or t == " " or (not sep and k != pieces[i - 1][0])]
        pieces.insert(rng.choice(spots), ["text", f"{sep}{rng.choice(noise['fillers'])}{sep}"])
        tags.add("disfluent")
    if noise.get("prefixes") and rng.random() < 0.1:
        pieces.insert(0, ["text", rng.choice(noise["prefixes"]) + (sep or "、")])
        tags.add("wake")
    if noise.get("suffixes") and rng.random() < 0.08:
        pieces.append(["text", sep + rng.choice(noise["suffixes"])])
    text = "".join(t for _, t in pieces)
    if sep and rng.random() < 0.05:
        first = text.split(" ", 1)[0]
        text = f"{first} {text}"  # a stutter: "what what's the weather"
        tags.add("disfluent")
    text = re.sub(r"\s+([,?.!])", r"\1", " ".join(text.split()))
    style = rng.random()
    if style < 0.45:  # what a plain transcript or a typed line looks like
        text = plain(text)
        tags.add("lower")
    elif style < 0.8 and text and text[-1] not in "?.!？。！":  # Whisper style: capital and final mark
        mark = rng.choice("?.") if sep else rng.choice("？。")
        text = text[0].upper() + text[1:] + mark
    return text, tags


def plain(text: str) -> str:
    """Lowercase without sentence punctuation (decimal points and math signs stay)."""
    text = re.sub(r"[?!¿¡。？！、,，]+", " ", text.lower())
    return " ".join(re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text).split())


# ---------------------------------------------------------------- examples and what the model writes


@dataclass
class Example:
    """One training example."""

    text: str
    """The utterance."""
    call: str
    """The canonical call (what the registry makes of the target; what evaluation compares)."""
    lang: str
    """ISO 639-1 code."""
    source: str
    """template:<skill>, examples:<skill>, corrections or extra:<file>."""
    tags: list[str] = field(default_factory=list)
    """asr, disfluent, child, lower, wake, hard_negative..."""
    target: str = ""
    """The call as the model is trained to write it when it differs from call: string values copied from the
    text (the router's decoder copies words), which the registry normalises to call ("twelve times seven")."""

    def as_json(self) -> dict[str, Any]:
        row = {"text": self.text, "call": self.call, "lang": self.lang, "source": self.source, "tags": self.tags}
        return {**row, "target": self.target} if self.target else row


MATH_CHARS = set("0123456789+-*/.()%^")
"""Characters the router's decoder always allows in a copied string (assistant.routing.llm.MATH_CHARACTERS)."""
EDGE_WORDS = set(
    re.split(
        r"\s+",
        """
        what what's whats is are how much many the a an please hey um uh so ok okay computer calculate tell me can
        could you play again thanks thank now for and was ist wie viel bitte quanto fa è qual cuánto cuántos es son
        combien font fait c'est wat hoeveel hvad er hvor meget make makes equal equals come comes to compute solve
        work out figure quick question la el le les il der die das de het den
        """.strip(),
    )
)
"""Words a copied span does not grow over: question words, politeness and fillers around the value."""


def _units(text: str, lang: str) -> list[str]:
    """Words of the text as the decoder may copy them (characters for languages written without spaces)."""
    words = [w.strip(".,!?;:\"'()[]¿¡。？！、，") for w in text.split()]
    words = [w for w in words if w]
    return [c for w in words for c in w] if lang in NO_SPACE_LANGS else words


def _copyable(value: str, text: str, lang: str, *, math: bool = True) -> bool:
    """Can the decoder write value from the words of text (any case), and math characters when math is set?"""
    if lang in NO_SPACE_LANGS:
        return all(part in text or (math and set(part) <= MATH_CHARS) for part in value.split())
    forms = {form for w in _units(text, lang) for form in (w, w.lower(), w.capitalize(), w.upper())}
    forms |= set(text.split())  # words as written, punctuation included ("Paris," in "Paris, Texas")
    return all(w in forms or (math and set(w) <= MATH_CHARS) for w in value.split(" "))


def copy_target(registry: Registry, text: str, lang: str, call: Call, raw: Call | None) -> str:
    """The call with every free string value copied from the text, where the registry maps the copy to the same call.

    Order: the value as filled in or the canonical value when the text has it word for word; else the shortest
    span of the text that maps to the call, grown over neighbouring words that keep it mapping and are not
    question words or fillers ("what's the square root of 144" -> "square root of 144"); else the value as is.
    Returns "" when the target is the call itself.
    """
    if call.name == "none":
        return ""
    item = registry.get(call.name)
    args = dict(call.args)

    def maps(name: str, option: str) -> bool:
        try:
            return registry.validate(Call(call.name, {**args, name: option})) == call
        except AssistantError:
            return False

    joiner = "" if lang in NO_SPACE_LANGS else " "
    units = _units(text, lang)
    for param in item.params:
        value = call.args.get(param.name)
        if not isinstance(value, str) or param.choices:
            continue
        given = [v for v in ((raw.args.get(param.name) if raw else None), value) if isinstance(v, str)]
        choice = next((v for v in given if _copyable(v, text, lang, math=False) and maps(param.name, v)), None)
        if choice is None:
            found = next(
                (
                    (i, n)
                    for n in range(1, min(len(units), 14) + 1)
                    for i in range(len(units) - n + 1)
                    if maps(param.name, joiner.join(units[i : i + n]))
                ),
                None,
            )
            if found:
                i, end = found[0], found[0] + found[1]
                while True:
                    if (
                        i > 0
                        and units[i - 1].lower() not in EDGE_WORDS
                        and maps(param.name, joiner.join(units[i - 1 : end]))
                    ):
                        i -= 1
                    elif (
                        end < len(units)
                        and units[end].lower() not in EDGE_WORDS
                        and maps(param.name, joiner.join(units[i : end + 1]))
                    ):
                        end += 1
                    else:
                        break
                choice = joiner.join(units[i:end])
        if choice is None:
            choice = next((v for v in given if _copyable(v, text, lang) and maps(param.name, v)), value)
        args[param.name] = choice
    target = str(Call(call.name, args))
    return "" if target == str(call) else target
