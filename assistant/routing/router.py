"""Text to one call: the fast matcher first, the LLM for the rest; bad model output becomes none() with a reason."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from assistant.calls import NONE_CALL, Call, parse_call
from assistant.errors import AssistantError, CallSyntaxError, InvalidArguments, UnknownSkill
from assistant.i18n import is_dismissal, normalize_text
from assistant.numbers import said_numbers
from assistant.registry import Param, Registry
from assistant.routing.evidence import Counts, Objects, Roles, said_once, unrelated, unsaid_choices_left_out, vocabulary
from assistant.routing.grounding import SaidNumbers
from assistant.routing.matcher import FastMatcher, mentioned

log = logging.getLogger(__name__)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


GENERIC_NAME_WORDS = frozenset(
    "find search get set check book reserve add read call flip spell play rent transfer send request make show list "
    "lookup look control to of from the a my and or for on off up down all new".split()
)
"""Name words that say what a skill does, not what it is about: they name no skill on their own."""


def _unreadable(param: Param, value: object) -> bool:
    """Whether param's converter reads no value in value (a time in "tomorrow"); a value it reads but that fails
    another check (too long once converted) is not unreadable: that error stands."""
    assert param.normalize is not None
    try:
        param.normalize.fn(" ".join(str(value).split()))
    except ValueError:
        return True
    return False


def _name_words(text: str) -> set[str]:
    """The words of a skill name or a normalized request that could name a skill: "find_movies" -> {"movie"}."""
    words = re.split(r"[_\W]+", text)
    singular = {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words}
    return {w for w in singular if len(w) > 2 and w not in GENERIC_NAME_WORDS}


def readable(text: str) -> str:
    """text with each lone surrogate (undecodable bytes in argv, a "\\udcff" escape in JSON) as U+FFFD: such a
    str cannot be encoded as UTF-8, so no tokenizer, trace store or terminal would take it."""
    return _LONE_SURROGATE.sub("\ufffd", text)


@dataclass
class Completion:
    """What an LLM backend produced for one utterance."""

    text: str
    """The raw call text the model wrote."""
    prompt_tokens: int = 0
    """Tokens evaluated for this turn (the cached prefix not counted)."""
    generated_tokens: int = 0
    """Tokens sampled."""
    confidence: float = 1.0
    """Mean probability of the sampled tokens (1.0 when unknown)."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Backend stage timings (prompt, generate)."""


class LlmBackend(Protocol):
    """Anything that turns an utterance into call text: llama.cpp in process or a llama-server."""

    def complete(self, text: str, context: dict[str, str], skills: frozenset[str] | None = None) -> Completion:
        """Write one call for text; context holds what changes per turn (date, time, home city, playing); skills,
        when given, are the only ones the call may name besides none()."""
        ...


@dataclass
class Route:
    """The router's answer for one utterance."""

    call: Call
    """The validated call (none() when nothing fits)."""
    path: str
    """"fast" or "llm" (or "none" when neither ran)."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """route_ms plus backend stages."""
    prompt_tokens: int = 0
    """Tokens the model evaluated this turn."""
    generated_tokens: int = 0
    """Tokens the model generated."""
    raw: str = ""
    """The model's raw output, when the LLM ran."""
    error: str = ""
    """Why the call became none(), when it did."""
    confidence: float = 1.0
    """The model's mean token probability for its call (1.0 on the fast path)."""
    unsure: bool = False
    """The call became none() because the request was heard unsurely and the model was not sure enough either."""
    reader: str = ""
    """The skill reader's call, when it was asked (the router's call was none() or one of the added skills)."""
    dismissed: bool = False
    """The request only took itself back ("never mind"): none(), answered with a short "Okay."."""

    def as_json(self) -> dict[str, Any]:
        """The route --jsonl record fields (without id and transcript)."""
        return {
            "call": str(self.call),
            "skill": self.call.name,
            "args": dict(self.call.args),
            "path": self.path,
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
            "prompt_tokens": self.prompt_tokens,
            "generated_tokens": self.generated_tokens,
            "confidence": round(self.confidence, 3),
            **({"error": self.error} if self.error else {}),
            **({"reader": self.reader} if self.reader else {}),
            **({"dismissed": True} if self.dismissed else {}),
        }


class Router:
    """Fast path first, then the LLM backend (if any)."""

    def __init__(
        self,
        registry: Registry,
        llm: LlmBackend | None = None,
        *,
        fast_path: bool = True,
        min_confidence: float = 0.0,
        unsure_hearing_logprob: float = -0.5,
        min_confidence_unsure: float = 0.0,
        reader: LlmBackend | None = None,
    ) -> None:
        self.registry = registry
        self.matcher = FastMatcher(registry) if fast_path else None
        self.llm = llm
        self.builtin = frozenset(registry.names()) - frozenset(registry.added())
        """Built-in skill names: a call for one of these is the router's to make, the reader is not asked."""
        self.reader = reader if registry.added() else None
        """The skill reader (a model trained to read any skill listing), asked when the router's call is none() or
        one of the added skills, or when the request names an added skill (named_by): the router's adapter knows the
        built-ins, the reader reads new skills (docs/skills.md, "The skill reader")."""
        self.named_by = {
            word: frozenset(name for name in registry.added() if word in _name_words(name))
            for word in {w for name in registry.added() for w in _name_words(name)}
        }
        """Words of the added skills' names (find_movies: movie) -> those skills: a request that says one is asked of
        the reader even after a built-in call ("I want to watch a movie" is no song when find_movies is listed)."""
        self.vocabularies = {name: vocabulary(registry.get(name)) for name in registry.added()}
        """The words of each added skill's declaration (evidence.vocabulary): a request that says none is not for it."""
        self.counts = {name: counts for name in registry.added() if (counts := Counts.of(registry.get(name), registry))}
        """What each added skill's whole-number parameters count (evidence.Counts)."""
        self.roles = {name: roles for name in registry.added() if (roles := Roles.of(registry.get(name), registry))}
        """How each added skill's text parameters are told apart (evidence.Roles)."""
        self.objects = {name: objects for name in registry.names() if (objects := Objects.of(registry.get(name)))}
        """What each skill's commands act on, where it says (acts_on, evidence.Objects): "start the vacuum" is no
        music_control."""
        self.min_confidence = min_confidence
        self.unsure_hearing_logprob = unsure_hearing_logprob
        self.min_confidence_unsure = min_confidence_unsure

    def route(self, text: str, context: dict[str, str] | None = None, *, heard_logprob: float | None = None) -> Route:
        """Choose one call for text; never raises for bad model output. heard_logprob: Whisper's mean
        log-probability for a spoken request (None when typed), which asks a call from an unsure hearing to be surer."""
        start = time.perf_counter()
        text = readable(text)
        if is_dismissal(text):  # before any model: "never mind" must not stop the music
            return Route(NONE_CALL, "fast", {"route_ms": (time.perf_counter() - start) * 1000}, dismissed=True)
        if self.matcher is not None:
            call = self.matcher.match(text)
            if call is not None:  # a day the capture swallowed ("klokken 7 i morgen") is still the day said
                return Route(self.agree(call, text), "fast", {"route_ms": (time.perf_counter() - start) * 1000})
        if self.llm is None:
            route = Route(NONE_CALL, "none", error="no fast-path match and no LLM configured")
            route.timings_ms["route_ms"] = (time.perf_counter() - start) * 1000
            return route
        named = self._named(text) if self.reader is not None else frozenset()
        reader: Route | None = None
        if self.reader is not None and named:
            # A request that names added skills is for one of them or for none: the reader chooses among those. Its
            # call for one of them wins after any call of the router's (_reread), so the router is not asked then:
            # the same answer as asking both, a model pass sooner.
            reader = self._ask(self.reader, text, context or {}, heard_logprob, named)
            if reader.call.name in named:
                # Its call counted as the router's too, so _reread takes it, with each pass's cost counted once.
                route = self._reread(replace(reader, timings_ms={}, prompt_tokens=0, generated_tokens=0), reader, named)
                route.timings_ms["route_ms"] = (time.perf_counter() - start) * 1000
                return route
        route = self._ask(self.llm, text, context or {}, heard_logprob)
        if self.reader is not None and (route.call.name not in self.builtin or named):
            if reader is None:
                reader = self._ask(self.reader, text, context or {}, heard_logprob)
            route = self._reread(route, reader, named)
        route.timings_ms["route_ms"] = (time.perf_counter() - start) * 1000
        return route

    def _named(self, text: str) -> frozenset[str]:
        """The added skills whose name words the request says."""
        return frozenset().union(*(self.named_by.get(w, frozenset()) for w in _name_words(normalize_text(text))))

    def _reread(self, first: Route, reader: Route, named: frozenset[str] = frozenset()) -> Route:
        """The router's answer after the skill reader's: the reader's call when it is one of the added skills or
        none(), else the router's own (the reader chose a built-in: the router knows those better). After a built-in
        call (the request named an added skill), the reader's call wins only when it is one of the skills named.
        Timings and tokens of both passes are counted."""
        builtin = first.call.name in self.builtin
        wins = reader.call.name in named if builtin else reader.call.name not in self.builtin
        unavailable = not reader.raw and reader.error  # no answer at all: the router's call stands
        chosen = reader if wins and not unavailable else first
        timings = dict(first.timings_ms)
        for key, value in reader.timings_ms.items():
            timings[key.replace("llm_", "reader_", 1)] = value
        return replace(
            chosen,
            timings_ms=timings,
            prompt_tokens=first.prompt_tokens + reader.prompt_tokens,
            generated_tokens=first.generated_tokens + reader.generated_tokens,
            error=chosen.error or ("" if chosen is reader else f"skill reader: {reader.raw or reader.error}"),
            reader=str(reader.call),
        )

    def _ask(
        self,
        llm: LlmBackend,
        text: str,
        context: dict[str, str],
        heard_logprob: float | None,
        skills: frozenset[str] | None = None,
    ) -> Route:
        """One model's call for text, validated and held to the confidence floors; none() with the reason when the
        model is unavailable or its output is rejected."""
        try:
            completion = llm.complete(text, context, skills)
        except AssistantError as error:  # a model that fails or a server that is down: none() with the reason
            log.warning("router: %s", error)
            return Route(NONE_CALL, "llm", error=f"LLM unavailable: {error}")
        route = Route(
            NONE_CALL,
            "llm",
            dict(completion.timings_ms),
            completion.prompt_tokens,
            completion.generated_tokens,
            completion.text,
            confidence=completion.confidence,
        )
        try:
            route.call = self._validate(completion.text, text)
            ruled_out = (
                mentioned(self.registry.get(route.call.name).never_for, text) if route.call.name != "none" else []
            )
            if ruled_out:  # "i want a nerd joke" is no song, whatever the model thinks
                route.error = f"{route.call} ruled out: the request says {ruled_out[0]!r}"
                route.call = NONE_CALL
            elif route.call.name in self.vocabularies and unrelated(self.vocabularies[route.call.name], text):
                route.error = f"{route.call} ruled out: the request says no word of {route.call.name}'s declaration"
                route.call = NONE_CALL
            elif route.call.name in self.objects and (
                thing := self.objects[route.call.name].other_thing(route.call, text)
            ):
                route.error = f"{route.call} ruled out: {route.call.name} does not act on {thing!r}"
                route.call = NONE_CALL
            route.call = self.agree(route.call, text)
            if self.min_confidence and completion.confidence < self.min_confidence and route.call.name != "none":
                route.error = f"low confidence {completion.confidence:.2f} for {route.call}"
                route.call = NONE_CALL
            elif self._unsure(heard_logprob, completion.confidence) and route.call.name != "none":
                # Noise and other voices make Whisper write words nobody said ("I'll be going at salmon"), and the
                # model makes a call of them: when both are unsure, asking again beats starting the wrong thing.
                route.error = (
                    f"heard unsurely ({heard_logprob:.2f}), confidence {completion.confidence:.2f} for {route.call}"
                )
                route.call, route.unsure = NONE_CALL, True
        except (CallSyntaxError, UnknownSkill, InvalidArguments) as error:
            route.error = f"model output rejected: {error}"
            log.info("router: %s", route.error)
        except AssistantError as error:  # a Normalize converter may raise our own errors
            route.error = f"model output rejected: {error}"
        return route

    def _unsure(self, heard_logprob: float | None, confidence: float) -> bool:
        """Whether a spoken request was heard unsurely and the model's call is not sure enough to act on."""
        return (
            heard_logprob is not None
            and self.min_confidence_unsure > 0
            and heard_logprob < self.unsure_hearing_logprob
            and confidence < self.min_confidence_unsure
        )

    def _validate(self, raw: str, text: str) -> Call:
        """The model's call, validated. When a converted argument (math, a time) is rejected, the converter gets the
        whole request instead: the model copied a broken span ("eighty five by four"), the computer reads the
        sentence ("hmm multiply um eighty five by four" -> 85*4); in unspaced scripts the converter may then read the
        value where the model's span stands (Normalize.near: "6 時に設定する" in "午前 6 時に設定する" -> 06:00). When
        that fails too and the request states no such value at all (Normalize.states: no time of day in it), an
        optional argument is left out ("cancel my alarm for tomorrow" is no alarm_control(time="tomorrow") but
        alarm_control(action="cancel"), which asks which alarm when there are several); otherwise the error stands."""
        return self._validated(parse_call(raw), text)

    def _validated(self, call: Call, text: str) -> Call:
        call = self._unsaid_left_out(self._heard_arguments(call, text), text)
        try:
            return self._said(self.registry.validate(call), text)
        except InvalidArguments as error:
            skill = self.registry.skills.get(call.name)
            param = next((p for p in skill.params if p.name == error.param), None) if skill else None
            if param is None or param.normalize is None or error.value is None:
                raise
            try:
                return self._said(self.registry.validate(Call(call.name, {**call.args, param.name: text})), text)
            except AssistantError:
                near = self._near(param, text, error.value)
                if near is not None:
                    return self._said(self.registry.validate(Call(call.name, {**call.args, param.name: near})), text)
                states = param.normalize.states
                if not param.optional or states is None or states(text) or not _unreadable(param, error.value):
                    raise error from None
            log.info("router: %s left out: the request states no value for it (%s)", param.name, error.reason)
            return self._validated(Call(call.name, {k: v for k, v in call.args.items() if k != param.name}), text)

    def _heard_arguments(self, call: Call, text: str) -> Call:
        """call held to what the request says of its arguments (assistant.routing.evidence): a value said once
        fills one parameter; an added skill's flags and Literal values stand only when said, and its text values
        go to the parameter whose role the words around them say, and a count said before what it counts fills the
        parameter that counts it."""
        skill = self.registry.skills.get(call.name)
        if skill is None:
            return call
        held = said_once(skill, call)
        if call.name not in self.builtin:
            held = unsaid_choices_left_out(skill, held, text)
            roles, counts = self.roles.get(call.name), self.counts.get(call.name)
            held = roles.placed(held, text) if roles is not None else held
            held = counts.counted(held, text) if counts is not None else held
        if held != call:
            log.info("router: %s -> %s, as the request says", call, held)
        return held

    def _unsaid_left_out(self, call: Call, text: str) -> Call:
        """call without an optional converted argument whose digits the request never says, when the request states
        no such value at all: "turn off my alarm for tomorrow" came out duration="1000", which a duration reads as
        1000 minutes. (A converted value may differ from what was said: "ten minutes" is "10 minutes".)"""
        skill = self.registry.skills.get(call.name)
        for param in skill.params if skill else ():
            value = call.args.get(param.name)
            states = param.normalize.states if param.normalize is not None else None
            if not param.optional or states is None or not isinstance(value, str):
                continue
            digits = {float(d) for d in re.findall(r"\d+(?:\.\d+)?", value)}  # cheapest test first: most have none
            if digits and digits - said_numbers(text) and not states(text):
                log.info("router: %s=%r left out: the request says no such number", param.name, value)
                call = Call(call.name, {k: v for k, v in call.args.items() if k != param.name})
        return call

    @staticmethod
    def _near(param: Param, text: str, value: object) -> str | None:
        """The value the converter reads where the model's value sits in the request (Normalize.near), or None."""
        assert param.normalize is not None
        if param.normalize.near is None:
            return None
        try:
            return param.normalize.near(text, str(value))
        except ValueError:
            return None

    def agree(self, call: Call, text: str) -> Call:
        """call with each Literal value the request names (the skill's said_as): "月曜日の天気は" is monday
        whatever day the model wrote; nothing changes when the request names none or several."""
        if call.name == "none":
            return call
        skill = self.registry.get(call.name)
        args = dict(call.args)
        for name, names in skill.said_as.items():
            said = [value for value, words in names.items() if mentioned(words, text)]
            if len(said) == 1 and args.get(name, skill.param(name).default) != said[0]:
                log.info("router: %s=%r -> %r, as the request says", name, args.get(name), said[0])
                args[name] = said[0]
        return self.registry.validate(Call(call.name, args)) if args != call.args else call

    def _said(self, call: Call, text: str) -> Call:
        """call, if every number the model put in it was said (assistant.routing.grounding): setting a volume nobody
        asked for is worse than asking again. The local backend never writes such a number; a server backend may."""
        skill = self.registry.skills.get(call.name)
        said: SaidNumbers | None = None
        for param in skill.params if skill else ():
            value = call.args.get(param.name)
            if param.type not in (int, float) or param.normalize is not None or not isinstance(value, (int, float)):
                continue
            said = said or SaidNumbers(text)
            if not said.said(param, value):
                raise InvalidArguments(call.name, param.name, value, "that number was not said in the request")
        return call
