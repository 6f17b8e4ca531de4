"""One turn of the assistant: route the words, run the skill within its budget, build the reply, trace it all."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import queue
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.calls import Call
from assistant.config import Config, check_skill_tables, skill_settings
from assistant.errors import AssistantError, InvalidArguments, SkillError, UnknownSkill
from assistant.i18n import Messages
from assistant.registry import Context, Registry, Reply, Skill
from assistant.routing.router import LlmBackend, Route, Router
from assistant.trace import TraceStore, TurnRecord

log = logging.getLogger(__name__)
GATED_LANGUAGES = ("en",)
"""Languages whose spoken requests go through the router's hearing gate: measured on English only (docs/noise.md).
Whisper base is less sure of German than tiny.en of English, and the gate turned espeak-ng's "Welches Datum ist
heute?" (heard "Welches Tatum ist heute.", a right call) into "didn't catch that" (tests/test_languages.py)."""

MESSAGES = Messages.load("assistant", Path(__file__).with_name("locales"))
"""The assistant's own replies (a skill's come from its catalogue), per language: locales/<language>.json."""
NOT_FOR_ME = MESSAGES.say("en", "not_for_me")
TOO_SLOW = MESSAGES.say("en", "too_slow")
BUG = MESSAGES.catalog["en"]["bug"]


@dataclass
class Turn:
    """Everything about one turn, for the CLI, the voice loop and the trace."""

    text: str
    """What was heard or typed."""
    route: Route
    """The router's decision."""
    reply: Reply
    """What the assistant answers."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Stage timings (route_ms, skill_ms, and audio stages when spoken)."""
    error: str = ""
    """What went wrong, for the trace (the user hears reply.text)."""
    trace_id: int | None = None
    """Row in the trace store."""


class Assistant:
    """Holds the registry, router, skill contexts and trace store; answers turns."""

    def __init__(
        self,
        config: Config,
        registry: Registry | None = None,
        llm: LlmBackend | None = None,
        *,
        trace: bool = True,
        reader: LlmBackend | None = None,
    ) -> None:
        self.config = config
        self.registry = registry or load_registry(config)
        check_skill_tables(config, self.registry.names())
        self.services: dict[str, Any] = {}
        # Settings are validated now, at start-up, so a config typo stops the assistant with the key named.
        self.settings = {name: skill_settings(config, item) for name, item in self.registry.skills.items()}
        self.router = Router(
            self.registry,
            llm,
            fast_path=config.router.fast_path,
            min_confidence=config.router.min_confidence,
            unsure_hearing_logprob=config.router.unsure_hearing_logprob,
            min_confidence_unsure=config.router.min_confidence_unsure,
            reader=reader,
        )
        self.traces = TraceStore(config.data_path / "traces.sqlite") if trace else None
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="skill")
        self.language = config.language
        self.announcements: queue.Queue[tuple[str, str]] = queue.Queue()
        """Sentences skills say on their own, (text, language): a timer that ended, an alarm missed while the
        assistant was off. The live loop says them between turns; skills reach it as services["announce"]."""
        self.services["announce"] = self.announce
        self._background: list[object] = []

    def announce(self, text: str, language: str | None = None) -> None:
        """Queue a sentence to be said between turns (any thread may call it)."""
        self.announcements.put((text, language or self.language))

    def start_background(self) -> None:
        """Start the skills' background work once (timers and alarms that ring, also after a restart): the live loop
        and a server call this; a one-shot ask or an evaluation does not. A skill that fails to start is logged."""
        for item in self.registry.skills.values():
            if item.background is None or item.background in self._background:
                continue
            self._background.append(item.background)
            try:
                item.background(self.context(item))
            except Exception:  # one skill's broken background work must not stop the assistant
                log.exception("skill %s: its background work did not start", item.name)

    def context(self, item: Skill, language: str | None = None) -> Context:
        """The Context a skill runs with."""
        folder = self.config.data_path / "skills" / item.name
        return Context(self.settings[item.name], language or self.language, folder, self.services, self.config)

    def turn_context(self) -> dict[str, str]:
        """What changes per turn and goes at the end of the LLM prompt."""
        now = dt.datetime.now()
        context = {"date": now.strftime("%A %Y-%m-%d"), "time": now.strftime("%H:%M")}
        home = str(getattr(self.settings.get("weather"), "home_location", "") or "")
        if home:
            context["home"] = home
        playing = self.services.get("now_playing")
        if playing:
            context["playing"] = str(playing)
        return context

    def route(self, text: str, heard_logprob: float | None = None) -> Route:
        """Route only, execute nothing (route --jsonl); heard_logprob: how sure Whisper was of a spoken request."""
        return self.router.route(text, self.turn_context(), heard_logprob=heard_logprob)

    def execute(self, call: Call, language: str | None = None) -> tuple[Reply, str]:
        """Run a validated call within the skill budget; return the reply and an error text for the trace."""
        language = language or self.language
        if call.name == "none":
            return Reply(MESSAGES.say(language, "not_for_me"), {}), ""
        try:
            item = self.registry.get(call.name)
            kwargs: dict[str, Any] = dict(self.registry.bind(self.registry.validate(call)))
        except (UnknownSkill, InvalidArguments) as error:
            log.warning("execute: %s", error)
            return Reply(MESSAGES.say(language, "not_for_me"), {}), str(error)
        if item.wants_context:
            kwargs["ctx"] = self.context(item, language)
        future = self.executor.submit(item.func, **kwargs)
        budget_s = self.config.budgets.skill_ms / 1000
        try:
            reply = future.result(timeout=budget_s)
        except concurrent.futures.TimeoutError:
            log.warning("skill %s over its %d ms budget", item.name, self.config.budgets.skill_ms)
            return Reply(
                MESSAGES.say(language, "too_slow"), {}
            ), f"{item.name} exceeded {self.config.budgets.skill_ms} ms"
        except SkillError as error:
            log.info("skill %s: %s", item.name, error)
            return Reply(error.sentence, {}), str(error)
        except AssistantError as error:
            log.warning("skill %s: %s", item.name, error)
            return Reply(MESSAGES.say(language, "bug", skill=item.name), {}), str(error)
        except Exception as error:  # a bug in a skill must not take the assistant down
            log.exception("skill %s crashed", item.name)
            return Reply(MESSAGES.say(language, "bug", skill=item.name), {}), f"{type(error).__name__}: {error}"
        if not isinstance(reply, Reply):
            error_text = f"{item.name} returned {type(reply).__name__}, not Reply"
            return Reply(MESSAGES.say(language, "bug", skill=item.name), {}), error_text
        return reply, ""

    def ask(
        self,
        text: str,
        *,
        source: str = "text",
        language: str | None = None,
        extra_timings: dict[str, float] | None = None,
        heard_logprob: float | None = None,
    ) -> Turn:
        """Route text, run the skill, trace the turn. heard_logprob: Whisper's mean log-probability of a spoken
        request (None when typed)."""
        started = time.time()
        if (language or self.language) not in GATED_LANGUAGES:
            heard_logprob = None
        route = self.route(text, heard_logprob)
        skill_start = time.perf_counter()
        if route.unsure:  # heard unsurely, and the model was not sure either: ask again rather than guess
            reply, error = Reply(MESSAGES.say(language or self.language, "not_caught"), {}), ""
        elif route.dismissed:  # "never mind": nothing to do, and no "I can't help with that"
            reply, error = Reply(MESSAGES.say(language or self.language, "dismissed"), {}), ""
        else:
            reply, error = self.execute(route.call, language)
        timings = dict(extra_timings or {})
        timings.update(route.timings_ms)
        timings["skill_ms"] = (time.perf_counter() - skill_start) * 1000
        turn = Turn(text, route, reply, timings, error or route.error)
        if self.traces is not None:
            turn.trace_id = self.traces.add(
                TurnRecord(
                    transcript=text,
                    call=str(route.call),
                    path=route.path,
                    source=source,
                    language=language or self.language,
                    prompt_tokens=route.prompt_tokens,
                    generated_tokens=route.generated_tokens,
                    confidence=route.confidence,
                    result=reply.data,
                    reply=reply.text,
                    timings=timings,
                    over_budget=self.over_budget(timings),
                    errors=turn.error,
                    started_at=started,
                )
            )
        return turn

    def over_budget(self, timings: dict[str, float]) -> list[str]:
        """Stages whose time exceeded the configured budget."""
        budgets = {
            "stt_ms": self.config.budgets.stt_ms,
            "route_ms": self.config.budgets.route_ms,
            "skill_ms": self.config.budgets.skill_ms,
            "tts_first_audio_ms": self.config.budgets.tts_first_audio_ms,
            "speech_end_to_call_ms": self.config.budgets.speech_end_to_call_ms,
        }
        return [stage for stage, limit in budgets.items() if timings.get(stage, 0) > limit]

    def close(self) -> None:
        """Stop background work and close stores."""
        for service in list(self.services.values()):
            stop = getattr(service, "close", None)
            if callable(stop):
                stop()
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.traces is not None:
            self.traces.close()


def load_registry(config: Config) -> Registry:
    """Built-in skills plus the configured skill folders."""
    return Registry.load([Path(d) for d in config.skill_dirs])


def build_assistant(config: Config, *, llm: bool = True, trace: bool = True, lazy: bool = False) -> Assistant:
    """An Assistant with the registry, and the LLM router unless disabled (lazy: loaded on first need)."""
    registry = load_registry(config)
    backend: LlmBackend | None = None
    reader: LlmBackend | None = None
    if llm and config.router.llm:
        # heavy: llama.cpp loads only when asked
        from assistant.routing.llm import LazyBackend, load_backend, load_reader, reader_adapter
        from assistant.routing.prompt import check_listing

        check_listing(registry)  # at start-up, even when the model itself loads on first need

        backend = LazyBackend(lambda: load_backend(config, registry)) if lazy else load_backend(config, registry)
        if reader_adapter(config, registry) is not None:
            reader = LazyBackend(lambda: load_reader(config, registry)) if lazy else load_reader(config, registry)
    return Assistant(config, registry, backend, trace=trace, reader=reader)
