"""What the request says for a call: rules that hold a model's call to the words of the request.

The skill reader (the adapter that reads added skills) knows a skill only from its listing line, and makes five
mistakes a rule can see: it calls an added skill for a request that says nothing of it ("search for an apartment"
as find_provider()), writes a value said once under two parameters, writes an added skill's flags and Literal
values out of habit, puts a value under the wrong one of several text parameters ("movies starring X" as
director="X"), and leaves out or misplaces counts ("I need one room"). Each rule changes a call only where the
request's own words say so, and each was measured by replaying the stored outcomes of the unseen set
(evals/unseen.jsonl) and then by a new run (docs/skills.md).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from assistant.calls import Call
from assistant.i18n import normalize_text
from assistant.registry import Param, Registry, Skill
from assistant.routing.matcher import NUMBER_WORDS

ENGLISH_WORDS = frozenset(
    "the my you please want need find with what some can it to of and this that how could would".split()
)
"""Words that mark a request as English: an added skill's names are English, so only then can a request be asked to
say them (a German request for outdoor seating says "draußen")."""
CHOICE_FILLER = frozenset("has is are allowed options option available type kind number of".split())
"""Words of a flag's name that say nothing of what it asks for (has_vegetarian_options: vegetarian)."""
ROLELESS = frozenset("name number type kind city date time place has".split())
"""Words of a parameter's name that name no role: what sets departure_date apart from return_date is the other word."""
FUNCTION_WORDS = frozenset(
    "with from that this there about some want like find need into their have what when will would could the for "
    "and".split()
)
"""Words too common to be a role's cue, though four letters long."""
PREPOSITION_ROLES = {
    "from": ("origin", "source", "departure", "start", "pickup", "sender"),
    "to": ("destination", "arrival", "recipient", "receiver", "target"),
}
"""What a preposition right before a value says of its role: "a flight to San Francisco" is a destination."""
VOCABULARY_STOP = frozenset(
    "the a an to of for and or in on at with by my me i you can could would like want need please find some any this "
    "that there is are be it its from get help look looking search make let lets give tell one what do does".split()
)
"""Words any request may say: they tie it to no skill ("can you find me" is every search)."""


def _words(text: str) -> list[str]:
    return normalize_text(text).split()


def _english(words: Collection[str]) -> bool:
    return not ENGLISH_WORDS.isdisjoint(words)


def _says(words: Collection[str], evidence: Collection[str]) -> bool:
    """Whether words say one of evidence, by its first four letters ("cooling" says cool, "returns" return)."""
    prefixes = {w[:4] for w in words}
    return any(w[:4] in prefixes if len(w) >= 4 else w in words for w in evidence)


def _stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]+", text.casefold()) if len(w) > 2 and w not in VOCABULARY_STOP}


def vocabulary(skill: Skill) -> frozenset[str]:
    """The four-letter stems of the words a skill's declaration uses: its name, docstring line, parameter names,
    Literal values, example requests and the things it acts on."""
    words = _stems(skill.name.replace("_", " ")) | _stems(skill.description) | _stems(" ".join(skill.acts_on))
    for utterance, _ in skill.examples:
        words |= _stems(utterance)
    for param in skill.params:
        words |= _stems(param.name.replace("_", " ")) | {s for choice in param.choices for s in _stems(str(choice))}
    return frozenset(words)


def unrelated(words: frozenset[str], text: str) -> bool:
    """Whether an English request shares no word with an added skill's declaration (its vocabulary): the reader
    calls such a skill for requests nobody made of it ("Can you help me search for an apartment?" as find_provider(),
    "what does ubiquitous mean" as spell_word). Unseen set, replaying run #178: 15 fixes, 2 regressions ("a drama
    film" for find_movies, "warm it up to 21" for a thermostat: words the declarations do not use)."""
    said = _words(text)
    return _english(said) and not _stems(" ".join(said)) & words


def said_once(skill: Skill, call: Call) -> Call:
    """call with a copied value that stands under two parameters kept only under the later one, when the earlier
    is optional. A thing said once fills one parameter; the reader writes the first optional parameter out of habit
    (genre="Anna Boden") and, having written the value, names the fitting one (director="Anna Boden"). Unseen set:
    5 fixes, no regression (runs #110/#141); the built-in sets did not change."""
    if len(call.args) < 2:
        return call
    optional = {p.name for p in skill.params if p.optional}
    last: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in call.args.items():
        if isinstance(value, str) and value.strip():
            key = value.strip().casefold()
            if last.get(key) in optional:
                repeated.add(last[key])
            last[key] = name
    return Call(call.name, {k: v for k, v in call.args.items() if k not in repeated}) if repeated else call


def _evidence(param: Param, value: object) -> list[str]:
    """The words a request says when it asks for value: a Literal's value ("Premium Economy"), else the name of the
    flag (has_seating_outdoors: seating, outdoors)."""
    source = value if param.choices and isinstance(value, str) else param.name
    return [w for w in re.split(r"[_\W]+", source.casefold()) if w and w not in CHOICE_FILLER]


def unsaid_choices_left_out(skill: Skill, call: Call, text: str) -> Call:
    """call without an optional flag or Literal value that an English request does not say: the reader writes an added
    skill's flags out of habit (find_restaurants(category="Noodles", has_seating_outdoors=True) for "a place that
    serves Noodles", flight_class="Economy" for any flight). Unseen set, replaying run #141: 7 fixes, 1 regression
    ("energy saving" is eco). For added skills only: a built-in's values are the router's, trained and said in
    every language (said_as)."""
    words = set(_words(text))
    if not _english(words):
        return call
    unsaid = {
        p.name
        for p in skill.params
        if p.optional
        and (p.choices or p.type is bool)
        and p.name in call.args
        and p.name not in skill.said_as  # the skill says how its values are said: agree() holds the call to that
        and not _says(words, _evidence(p, call.args[p.name]))
    }
    return Call(call.name, {k: v for k, v in call.args.items() if k not in unsaid}) if unsaid else call


@dataclass(frozen=True)
class Roles:
    """How a request tells an added skill's text parameters apart: by words of their names ("return" for
    return_date, "directed" for director) and by the word before each value in the skill's examples ("starring Tom
    Hanks" for actors)."""

    names: dict[str, frozenset[str]]
    """Parameter -> the four-letter stems of its name's role words."""
    cues: dict[str, frozenset[str]]
    """Parameter -> words before its values in the examples."""

    @classmethod
    def of(cls, skill: Skill, registry: Registry) -> Roles | None:
        """The roles of skill's plain text parameters, or None when it has fewer than two."""
        params = [p.name for p in skill.params if p.type is str and not p.choices and p.normalize is None]
        if len(params) < 2:
            return None
        names = {p: frozenset(w[:4] for w in p.split("_") if len(w) > 2 and w not in ROLELESS) for p in params}
        cues: dict[str, set[str]] = {p: set() for p in params}
        for utterance, text in skill.examples:
            said = _words(utterance)
            for name, value in registry.parse(text).args.items():
                at = _find(said, _words(str(value)))
                if name in cues and at is not None and at > 0 and _content(said[at - 1]):
                    cues[name].add(said[at - 1])
        return cls(names, {p: frozenset(c) for p, c in cues.items()})

    def placed(self, call: Call, text: str) -> Call:
        """call with a value moved to the one unset parameter whose role the words around it say, when they say
        nothing of the parameter it stands under: find_movies(director="David Albiero") for "a movie starring David
        Albiero" is actors="David Albiero". Unseen set, replaying run #141: 6 fixes, no regression."""
        said = _words(text)
        args = dict(call.args)
        for name in [n for n in call.args if n in self.names]:
            value = args[name]
            where = _find(said, _words(str(value))) if isinstance(value, str) else None
            if where is None:
                continue
            size = len(_words(str(value)))
            around = [w for w in said[max(0, where - 2) : where] + said[where + size : where + size + 1] if _content(w)]
            before = said[where - 1 : where]
            if self._says(name, around, before):
                continue
            fits = [
                other
                for other in self.names
                if other not in args and _kind(other) == _kind(name) and self._says(other, around, before)
            ]
            if len(fits) == 1:
                args[fits[0]] = args.pop(name)
        return Call(call.name, args) if args != call.args else call

    def _says(self, name: str, around: list[str], before: list[str]) -> bool:
        led = {role for word in before for role in PREPOSITION_ROLES.get(word, ())}
        return (
            _says(around, self.names[name])
            or bool(self.cues[name].intersection(before))
            or bool(led & set(name.split("_")))
        )


SMALL_NUMBERS = {word: n for word, n in NUMBER_WORDS.items() if n <= 12}
"""Counts as people say them ("one room", "three people"); bigger counts come as digits."""
COUNTLESS = frozenset("number num count of".split())
"""Words of a parameter's name that name no thing counted (number_of_rooms counts rooms)."""


def _count(word: str) -> int | None:
    return int(word) if word.isdigit() else SMALL_NUMBERS.get(word)


def _tokens(text: str) -> list[str]:
    """Words and digits, hyphens and punctuation dropped ("a two -star hotel": two, star)."""
    return re.findall(r"[a-z0-9]+", text.casefold())


@dataclass(frozen=True)
class Counts:
    """What an added skill's whole-number parameters count, so that "3 rooms" is number_of_rooms=3 and "a 4 star
    hotel" star_rating=4: the words of each name (rooms, star, bags, passengers) and the word after its values in the
    skill's examples ("for 2 people")."""

    nouns: dict[str, frozenset[str]]
    """Parameter -> four-letter stems of the things it counts."""
    ranges: dict[str, tuple[float, float]]
    """Parameter -> its Range, where it has one."""
    optional: frozenset[str]
    """The skill's optional parameters: only these lose a value that copied a count's words."""

    @classmethod
    def of(cls, skill: Skill, registry: Registry) -> Counts | None:
        """The counts of skill's int parameters, or None when it has none."""
        params = [p for p in skill.params if p.type is int and not p.choices]
        if not params:
            return None
        nouns = {p.name: {w[:4] for w in p.name.split("_") if len(w) > 2 and w not in COUNTLESS} for p in params}
        for utterance, text in skill.examples:
            said = _tokens(utterance)
            for name, value in registry.parse(text).args.items():
                if name in nouns:
                    nouns[name] |= {said[i + 1][:4] for i in range(len(said) - 1) if _count(said[i]) == value}
        ranges = {p.name: (p.range.min, p.range.max) for p in params if p.range is not None}
        optional = frozenset(p.name for p in skill.params if p.optional)
        return cls({name: frozenset(stems) for name, stems in nouns.items()}, ranges, optional)

    def counted(self, call: Call, text: str) -> Call:
        """call with each count the request says before a thing one parameter counts ("3 rooms", "4 economy
        tickets"): the reader leaves such counts out ("I need one room") or writes one under another parameter
        (star_rating=1, number_of_rooms=2 for "1 room at a two-star hotel"). A count moved to its parameter leaves
        the one it stood under, and so do the counted words copied as a text value. Unseen set, replaying run #184: 9
        fixes, no regression; the copied words, replaying #198: 2 fixes."""
        said = _tokens(text)
        found: dict[str, int] = {}
        phrases: set[tuple[str, ...]] = set()
        for i, word in enumerate(said):
            number = _count(word)
            if number is None:
                continue
            after = {w[:4] for w in said[i + 1 : i + 3]}  # the thing, or one word before it ("4 economy tickets")
            counts = [name for name, stems in self.nouns.items() if stems & after and self._fits(name, number)]
            if len(counts) == 1 and counts[0] not in found:
                found[counts[0]] = number
                phrases |= {tuple(said[i : i + 2]), tuple(said[i : i + 3])}
        if not found:
            return call
        args = dict(call.args)
        for name, number in found.items():
            for other in self.nouns:
                if other not in found and args.get(other) == number:
                    del args[other]  # the model's copy of this count under a parameter that does not count it
            args[name] = number
        # The counted words copied as a text value are that count, not another thing (stay_length="one room").
        for name, value in call.args.items():
            if name in self.optional and isinstance(value, str) and tuple(_tokens(value)) in phrases:
                del args[name]
        return Call(call.name, args) if args != call.args else call

    def _fits(self, name: str, number: int) -> bool:
        low, high = self.ranges.get(name, (float("-inf"), float("inf")))
        return low <= number <= high


def _kind(name: str) -> frozenset[str]:
    """What sort of value a parameter takes, as its name says (origin_city: a city, departure_date: a date): a value
    moves only between parameters of one sort ("departing from Los Angeles" is no date, "the therapist for three pm"
    no name)."""
    return frozenset(name.split("_")) & ROLELESS


def _content(word: str) -> bool:
    return len(word) >= 4 and word not in FUNCTION_WORDS


def _find(words: list[str], part: list[str]) -> int | None:
    """Where part starts in words, or None."""
    if not part:
        return None
    return next((i for i in range(len(words) - len(part) + 1) if words[i : i + len(part)] == part), None)


ASKING = frozenset(
    "what whats how hows is are was will would do does did can could should shall when where who which why tell give "
    "show i im it its lets let please there theres".split()
)
"""First words of a question or statement: no command verb ("what's the forecast", "is it raining")."""
PARTICLES = frozenset("up down off on out back over".split())
"""Words that belong to the verb before its object ("turn up the volume", "turn off the music")."""
DETERMINERS = frozenset("the my this that your our these those".split())
LEAD_INS = frozenset("please hey okay ok so now just um uh er".split())
THING_END = frozenset(
    "to for in on at up down over again before after please now of with from by and or but so if then".split()
)
"""Where the thing a command names ends ("start the song over", "turn the volume up")."""


def _command(words: list[str]) -> tuple[str, list[str]] | None:
    """(verb, thing) of a command "VERB [particle] the THING ...", or None for anything else."""
    while words and words[0] in LEAD_INS:
        words = words[1:]
    if words[:2] in (["can", "you"], ["could", "you"], ["would", "you"], ["will", "you"]):
        words = words[2:]
    if len(words) < 3 or words[0] in ASKING or words[0] in DETERMINERS or words[0].isdigit():
        return None
    verb, at = words[0], 1
    if words[at] in PARTICLES:
        verb, at = f"{verb} {words[at]}", at + 1
    if at >= len(words) or words[at] not in DETERMINERS:
        return None
    thing: list[str] = []
    for word in words[at + 1 :]:
        if word in THING_END:
            break
        thing.append(word)
    return (verb, thing) if thing else None


@dataclass(frozen=True)
class Objects:
    """What a skill's commands act on, from its acts_on words, its docstring line and its Literal values: a command
    that does something to another thing ("start the vacuum", heard "start the back"; "turn up the heat") is not for
    it."""

    things: frozenset[str]
    """Four-letter stems of the things."""

    @classmethod
    def of(cls, skill: Skill) -> Objects | None:
        """The things skill acts on, or None when it declares none (acts_on)."""
        if not skill.acts_on:
            return None
        things = _stems(" ".join(skill.acts_on)) | _stems(skill.description)
        for param in skill.params:
            things |= {s for choice in param.choices for s in _stems(str(choice))}  # "volume_up": volu
        return cls(frozenset(things))

    def other_thing(self, call: Call, text: str) -> str | None:
        """The thing an English command acts on when the skill acts on no such thing ("back" of "start the back"),
        else None. A thing the call holds as an argument ("shuffle my jazz" as query="jazz") is the skill's."""
        command = _command(_words(text))
        if command is None:
            return None
        values = {w for v in call.args.values() if isinstance(v, str) for w in _words(v)}
        stems = _stems(" ".join(command[1]))
        if not stems or stems & self.things or values.intersection(command[1]):
            return None
        return " ".join(command[1])
