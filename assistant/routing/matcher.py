"""The fast path: templates built from the skills' example phrasings, matched in microseconds.

Each example ("will it rain in Boston tomorrow", 'weather(location="Boston", day="tomorrow")') becomes a
template: the free-text argument values found in the utterance become captures, Literal values become
alternations of every allowed value. A match is accepted only when every captured value validates through
the registry and no word of the skill's not_for list occurs, so the fast path answers only what it is sure
of and leaves the rest to the LLM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.calls import Call, parse_call
from assistant.errors import InvalidArguments
from assistant.i18n import normalize_text, unspaced_text
from assistant.numbers import said_numbers
from assistant.registry import Param, Registry

MAX_CAPTURE_WORDS = 5
"""A captured free-text value longer than this is probably a misparse; leave it to the LLM."""
EDGE_WORDS = frozenset(
    "on for at in to this next of and by with please um uh latest what whats is me any some tell give".split()
)
"""A capture that starts or ends with one of these swallowed a joining word ("boston for"): not sure, decline."""
NEVER_CAPTURED = frozenset(
    {
        "now",
        "tonight",
        "today",
        "tomorrow",
        "morning",
        "afternoon",
        "evening",
        "later",
        "please",
        "pretty",
        "moment",
        "currently",
    }
)
"""Time words and fillers that belong around a slot, never inside one ("toronto right now"): decline instead."""
_UMS = "uh|um|uhm|er|erm|hmm|hm"
_ASIDES = "you know|i mean"
HESITATIONS = re.compile(rf"(?:^| )(?:{_UMS})(?: |$)|^(?:well|okay so|{_ASIDES}) | (?:{_ASIDES})$")
"""Spoken hesitation left in a capture ("techno you know", "well politics", "uh the olympics") that the skill's
converter did not remove: the LLM reads past it, so decline. Only at the edges for phrases that titles contain
("if you're happy and you know it")."""
NOT_A_VALUE = frozenset("the a an my your his her our their some this that these those".split())
"""A capture that is only one of these found no value ("give me the news" is no topic "the"): decline."""
NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
"""Spoken small numbers for int slots ("set the volume to three")."""
_NUMBER = r"-?\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))


def _literal(text: str) -> str:
    """Regex for a template's literal words; "the" is optional, so "set volume to 8" fits "set the volume to 5".

    Greedy: a template written "tell me the {topic} headlines" takes "the" as its own, not the topic's.
    """
    return re.sub(r"(?:(?<=^)|(?<=\\ ))the\\ ", r"(?:the\\ )?", re.escape(text))


POLITE = re.compile(r"^(?:please |can you |could you |let's |lets )+|(?: please| thanks| thank you)+$")
LEADING_HESITATION = re.compile(rf"^(?:(?:{_UMS}) )+")
"""Hesitation before a command ("uh uh er skip" is "skip"). A speaker who hesitates may say "you know" anywhere, so
a capture of such a request that contains it declines ("um play music you know by metallica")."""
INNER_HESITATION = re.compile(rf"(?:^| )(?:{_ASIDES})(?: |$)")


def _converted(param: Param, value: str) -> str:
    """A captured value as the skill's converter leaves it (spoken math drops its own fillers); as said if none."""
    if param.normalize is None:
        return value
    try:
        converted = param.normalize.fn(value)
    except ValueError:
        return value
    return normalize_text(converted) if converted else ""  # None: no value at all ("a song" is any music)


def mentioned(words: tuple[str, ...], text: str) -> list[str]:
    """Which of words text says: whole words (or phrases) after normalize_text, characters for Japanese and Chinese."""
    normal = normalize_text(text)
    said, padded = set(normal.split()), f" {normal} "
    return [
        word
        for word in words
        if (word in text if unspaced_text(word) else word in said or (" " in word and f" {word} " in padded))
    ]


@dataclass(frozen=True)
class Template:
    """One compiled example phrasing."""

    skill: str
    """Skill the template calls."""
    pattern: re.Pattern[str]
    """Anchored regex over normalized text; named groups are arguments."""
    fixed: tuple[tuple[str, str], ...]
    """Arguments whose value is fixed by the example (not found in the utterance)."""
    literal_words: int
    """Number of literal words; more specific templates are tried first."""
    words: frozenset[str]
    """The literal words: a not_for word the example itself says is its own ("shuffle my playlist")."""
    source: str
    """The example utterance it came from (for debugging)."""


class FastMatcher:
    """Deterministic matcher over the registry's example phrasings."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.templates: list[Template] = []
        self._literal_maps: dict[tuple[str, str], dict[str, str]] = {}
        self._counted = self._counted_params(registry)
        for item in registry.skills.values():
            for utterance, text in item.examples:
                template = self._compile(item.name, utterance, parse_call(text))
                if template is not None:
                    self.templates.append(template)
        # Most literal words first: "play the next song" must beat "play {query}".
        self.templates.sort(key=lambda t: -t.literal_words)

    @staticmethod
    def _counted_params(registry: Registry) -> set[tuple[str, str]]:
        """(skill, parameter) of the plain text parameters whose every example value says a number ("50 dollars"): a
        capture for one that says none is no such value ("send a message to dad" is no transfer of "a message")."""
        values: dict[tuple[str, str], list[str]] = {}
        for item in registry.skills.values():
            for _, text in item.examples:
                for name, value in registry.parse(text).args.items():
                    param = item.param(name)
                    if param.type is str and param.normalize is None and not param.choices:
                        values.setdefault((item.name, name), []).append(str(value))
        return {key for key, said in values.items() if all(said_numbers(v) for v in said)}

    def _compile(self, skill_name: str, utterance: str, call: Call) -> Template | None:
        text = normalize_text(utterance)
        if call.name == "none":
            pattern = re.compile("^" + re.escape(text) + "$")
            return Template("none", pattern, (), len(text.split()), frozenset(text.split()), utterance)
        item = self.registry.get(call.name)
        spans: list[tuple[int, int, str]] = []
        fixed: list[tuple[str, str]] = []
        for name, value in call.args.items():
            param = item.param(name)
            needle = normalize_text(str(value))
            match = re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", text) if needle else None
            if match is None or any(s < match.end() and match.start() < e for s, e, _ in spans):
                fixed.append((name, str(value)))
                continue
            spans.append((match.start(), match.end(), name))
        spans.sort()
        regex, position, literal = "^", 0, text
        for start, end, name in spans:
            regex += _literal(text[position:start])
            param = item.param(name)
            if param.choices:
                words = {normalize_text(c): c for c in param.choices}
                self._literal_maps[(call.name, name)] = words
                regex += f"(?P<{name}>" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"
            elif param.type is str:
                regex += f"(?P<{name}>.+?)"
            else:
                regex += f"(?P<{name}>{_NUMBER})"
            literal = literal.replace(text[start:end], " ")
            position = end
        regex += _literal(text[position:]) + "$"
        said = literal.split()
        return Template(call.name, re.compile(regex), tuple(fixed), len(said), frozenset(said), utterance)

    def match(self, text: str) -> Call | None:
        """The call for text if a template matches and every value validates; None means "ask the LLM"."""
        norm = normalize_text(text)
        hesitant = LEADING_HESITATION.match(norm) is not None
        norm = POLITE.sub("", LEADING_HESITATION.sub("", norm))
        if not norm:
            return None
        words = set(norm.split())
        for template in self.templates:
            found = template.pattern.match(norm)
            if found is None:
                continue
            if template.skill == "none":
                return Call("none")
            item = self.registry.get(template.skill)
            if (words - template.words) & set(item.not_for) or mentioned(item.never_for, text):
                continue
            args: dict[str, str | int | float | bool | None] = dict(template.fixed)
            ok = True
            for name, value in found.groupdict().items():
                literal_map = self._literal_maps.get((template.skill, name))
                if literal_map is not None:
                    args[name] = literal_map[value]
                    continue
                if value in NUMBER_WORDS and item.param(name).type in (int, float):
                    args[name] = NUMBER_WORDS[value]
                    continue
                value_words = value.split()
                param = item.param(name)
                if param.type is str and (
                    value in NOT_A_VALUE
                    or HESITATIONS.search(_converted(param, value))
                    or (hesitant and INNER_HESITATION.search(value))
                ):
                    ok = False
                    break
                # A Normalize converter (spoken math, music queries) checks the whole value itself;
                # a plain string must look like a clean slot value.
                if (
                    param.type is str
                    and param.normalize is None
                    and (
                        len(value_words) > MAX_CAPTURE_WORDS
                        or NEVER_CAPTURED.intersection(value_words)
                        or value_words[0] in EDGE_WORDS
                        or value_words[-1] in EDGE_WORDS
                    )
                ):
                    ok = False
                    break
                if (template.skill, name) in self._counted and not said_numbers(value):
                    ok = False
                    break
                # A capture that swallowed a Literal word ("boston tomorrow") is ambiguous: skip it.
                if any(normalize_text(c) in value.split() for p in item.params for c in p.choices):
                    ok = False
                    break
                args[name] = value
            if not ok:
                continue
            try:
                return self.registry.validate(Call(template.skill, args))
            except InvalidArguments:
                continue
        return None
