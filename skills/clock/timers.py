"""Timers: several at once, optionally named; time left, add time, pause, resume, cancel one or all."""

from __future__ import annotations

from typing import Annotated, Literal

from rapidfuzz import fuzz

import skills.clock.phrases as phrases
import skills.clock.wiring as wiring
from assistant.errors import SkillError
from assistant.i18n import join_sentences, normalize_text
from assistant.registry import Context, Normalize, Reply, skill
from skills.clock.engine import Engine
from skills.clock.said import states_duration
from skills.clock.spoken import UNIT_S, duration_seconds, normalize_duration
from skills.clock.store import Timer
from skills.clock.wiring import ClockSettings

Duration = Annotated[str, Normalize(normalize_duration)]
"""A duration as said ("an hour and a half", "zwanzig Minuten", "十分钟"), canonical "1 hour 30 minutes"."""
OptionalDuration = Annotated[str | None, Normalize(normalize_duration, states=states_duration)]  # type: ignore[arg-type]

_ARTICLES = frozenset("the a an my our der die das den dem le la les l el los las il lo de het een mijn mon ma".split())
_TIMER_WORDS = (
    "timer",
    "timers",
    "minuteur",
    "temporizador",
    "kurzzeitwecker",
    "countdown",
    "タイマー",
    "计时器",
    "計時器",
)
NAME_MATCH = 85
"""How close (0-100) a said name must be to a timer's ("pasta" / "the pastas"): speech recognition varies."""


def timer_label(text: str | None) -> str:
    """A said name as kept: lower case, without an article or the word timer ("the Pasta timer" -> "pasta")."""
    words = normalize_text(text or "").split()
    while words and words[0] in _ARTICLES:
        words = words[1:]
    while words and words[-1] in _TIMER_WORDS:
        words = words[:-1]
    label = " ".join(words)
    for word in _TIMER_WORDS:
        label = label.removesuffix(word).removesuffix("-").strip()
    return label


_NOT_IN_A_NAME = frozenset("to for on at in of with and by from more please".split())
_QUANTIFIERS = frozenset("every all each both any".split())
"""A name that is only one of these counts timers instead of naming one ("stop every timer" is cancel_all)."""


def normalize_name(text: str) -> str:
    """The Normalize converter of a timer's name: "the Pasta timer" -> "pasta"; a duration names an unnamed timer
    ("the 10 minute timer"); a capture that swallowed other words ("five more minutes to the") is refused."""
    label = timer_label(text)
    if not label:
        return ""
    try:
        duration_seconds(label)
        return label
    except ValueError:
        pass
    words = label.split()
    if set(words) <= _QUANTIFIERS:
        raise ValueError(f"{text!r} counts timers, it names none")
    if (
        len(words) > 3
        or _NOT_IN_A_NAME.intersection(words)
        or UNIT_S.keys() & set(words)
        or any(c.isdigit() for c in label)
    ):
        raise ValueError(f"{text!r} does not look like a timer's name")
    return label


TimerName = Annotated[str | None, Normalize(normalize_name)]  # type: ignore[arg-type]
"""A timer's name as said, canonical without articles or the word timer: "pasta"."""


def _clock(ctx: Context) -> tuple[Engine, ClockSettings, str]:
    return wiring.engine(ctx), wiring.settings(ctx), ctx.language


def _left(language: str, engine: Engine, timer: Timer) -> str:
    return phrases.duration(language, engine.left_s(timer))


def _names(language: str, timers: list[Timer]) -> str:
    return phrases.listing(language, [phrases.timer_name(language, t) for t in timers])


def _matches(timer: Timer, said: str) -> bool:
    """Whether a said name means this timer: its name, near enough, or for an unnamed one its duration."""
    if timer.name and (timer.name == said or fuzz.ratio(timer.name, said) >= NAME_MATCH):
        return True
    try:
        return not timer.name and duration_seconds(said) in (timer.duration_s,)
    except ValueError:
        return False


def _pick(language: str, timers: list[Timer], name: str | None, suits: set[str]) -> Timer:
    """The timer a request means: by name; else the only one, or the only one in a state that suits the action;
    otherwise a sentence asking which (there is no dialogue yet: the user says it again with the name)."""
    if not timers:
        raise SkillError(phrases.say(language, "no_timers"), cause="no timers")
    said = timer_label(name)
    if said:
        found = [t for t in timers if _matches(t, said)]
        if len(found) == 1:
            return found[0]
        if not found:
            raise SkillError(
                phrases.say(language, "timer_unknown", name=said, timers=_names(language, timers)),
                cause=f"no timer called {said!r}",
            )
        timers = found
    if len(timers) == 1:
        return timers[0]
    suitable = [t for t in timers if t.state in suits]
    if len(suitable) == 1:
        return suitable[0]
    raise SkillError(
        phrases.say(language, "which_timer", count=len(timers), timers=_names(language, timers)),
        cause=f"{len(timers)} timers and no name",
    )


def _data(action: str, *timers: Timer, **more: object) -> dict[str, object]:
    return {"action": action, "timers": [{"id": t.id, "name": t.name, "state": t.state} for t in timers], **more}


@skill(
    examples=[
        ("set a timer for ten minutes", 'set_timer(duration="ten minutes")'),
        ("set a timer for 5 minutes", 'set_timer(duration="5 minutes")'),
        ("timer for 20 minutes", 'set_timer(duration="20 minutes")'),
        ("start a timer for an hour and a half", 'set_timer(duration="an hour and a half")'),
        ("set a 10 minute timer", 'set_timer(duration="10 minute")'),
        ("start a 3 minute timer", 'set_timer(duration="3 minute")'),
        ("5 minute timer", 'set_timer(duration="5 minute")'),
        ("set a pasta timer for 9 minutes", 'set_timer(duration="9 minutes", name="pasta")'),
        ("set a timer for 6 minutes called eggs", 'set_timer(duration="6 minutes", name="eggs")'),
        ("set a timer called rice for 20 minutes", 'set_timer(duration="20 minutes", name="rice")'),
        ("start the oven timer for 45 minutes", 'set_timer(duration="45 minutes", name="oven")'),
        ("timer 90 seconds", 'set_timer(duration="90 seconds")'),
        ("count down from 30 seconds", 'set_timer(duration="30 seconds")'),
        ("stell einen timer auf zehn minuten", 'set_timer(duration="zehn minuten")'),
        ("stelle einen timer für 5 minuten", 'set_timer(duration="5 minuten")'),
        ("timer für 20 minuten", 'set_timer(duration="20 minuten")'),
        ("stell einen timer für zehn minuten", 'set_timer(duration="zehn minuten")'),
        ("stell mir einen timer auf 5 minuten", 'set_timer(duration="5 minuten")'),
        ("mets un minuteur de dix minutes", 'set_timer(duration="dix minutes")'),
        ("minuteur de 5 minutes", 'set_timer(duration="5 minutes")'),
        ("pon un temporizador de diez minutos", 'set_timer(duration="diez minutos")'),
        ("temporizador de 5 minutos", 'set_timer(duration="5 minutos")'),
        ("imposta un timer di dieci minuti", 'set_timer(duration="dieci minuti")'),
        ("timer di 5 minuti", 'set_timer(duration="5 minuti")'),
        ("zet een timer voor tien minuten", 'set_timer(duration="tien minuten")'),
        ("zet een timer op 5 minuten", 'set_timer(duration="5 minuten")'),
        ("10分のタイマーをセットして", 'set_timer(duration="10分")'),
        ("タイマーを5分にセットして", 'set_timer(duration="5分")'),
        ("设置一个十分钟的计时器", 'set_timer(duration="十分钟")'),
        ("定时十分钟", 'set_timer(duration="十分钟")'),
        ("sæt en timer på 10 minutter", 'set_timer(duration="10 minutter")'),
    ],
    settings=ClockSettings,
    background=wiring.start,
)
def set_timer(duration: Duration, name: TimerName = None, *, ctx: Context) -> Reply:
    """Start a countdown timer for a duration ("10 minutes"), optionally named ("pasta"); several may run at once."""
    engine, options, language = _clock(ctx)
    seconds = duration_seconds(duration)
    if seconds <= 0:
        raise SkillError(phrases.say(language, "timer_zero"), cause=f"duration {duration!r}")
    longest_s = options.max_timer_hours * 3600
    if seconds > longest_s:
        raise SkillError(
            phrases.say(language, "timer_too_long", max=phrases.duration(language, longest_s)),
            cause=f"{seconds} s is over max_timer_hours={options.max_timer_hours}",
        )
    label = timer_label(name)
    timers = engine.timers()
    if len(timers) >= options.max_timers:
        raise SkillError(phrases.say(language, "timer_too_many", count=len(timers)), cause="max_timers reached")
    taken = [t for t in timers if label and t.name == label]
    if taken:
        raise SkillError(
            phrases.say(
                language,
                "timer_name_taken",
                timer=phrases.timer_name(language, taken[0]),
                left=_left(language, engine, taken[0]),
            ),
            cause=f"a timer called {label!r} exists",
        )
    timer = engine.start_timer(seconds, label, language)
    said = phrases.duration(language, seconds)
    if label:
        text = phrases.say(language, "timer_set_named", timer=phrases.timer_name(language, timer), duration=said)
    else:
        text = phrases.say(language, "timer_set", duration=said)
    return Reply(text, _data("set", timer, seconds=seconds, ends_at=timer.ends_at))


@skill(
    examples=[
        ("how much time is left", 'timer_control(action="time_left")'),
        ("how much time is left on the timer", 'timer_control(action="time_left")'),
        ("how much time is left on the pasta timer", 'timer_control(action="time_left", name="pasta")'),
        ("how long is left on the timer", 'timer_control(action="time_left")'),
        ("how long until the timer goes off", 'timer_control(action="time_left")'),
        ("how much longer on the timer", 'timer_control(action="time_left")'),
        ("check my timers", 'timer_control(action="time_left")'),
        ("pause the timer", 'timer_control(action="pause")'),
        ("pause the pasta timer", 'timer_control(action="pause", name="pasta")'),
        ("resume the timer", 'timer_control(action="resume")'),
        ("continue the timer", 'timer_control(action="resume")'),
        ("cancel the timer", 'timer_control(action="cancel")'),
        ("cancel the eggs timer", 'timer_control(action="cancel", name="eggs")'),
        ("stop the timer", 'timer_control(action="cancel")'),
        ("stop the pasta timer", 'timer_control(action="cancel", name="pasta")'),
        ("turn off the timer", 'timer_control(action="cancel")'),
        ("delete my timer", 'timer_control(action="cancel")'),
        ("cancel all timers", 'timer_control(action="cancel_all")'),
        ("cancel all my timers", 'timer_control(action="cancel_all")'),
        ("stop all the timers", 'timer_control(action="cancel_all")'),
        ("stop every timer", 'timer_control(action="cancel_all")'),
        ("cancel every timer", 'timer_control(action="cancel_all")'),
        ("add 5 minutes to the timer", 'timer_control(action="add", duration="5 minutes")'),
        ("add 5 more minutes to the timer", 'timer_control(action="add", duration="5 more minutes")'),
        ("add two minutes to the rice timer", 'timer_control(action="add", name="rice", duration="two minutes")'),
        ("wie lange läuft der timer noch", 'timer_control(action="time_left")'),
        ("timer abbrechen", 'timer_control(action="cancel")'),
        ("stopp den timer", 'timer_control(action="cancel")'),
        ("lösche alle timer", 'timer_control(action="cancel_all")'),
        ("annule le minuteur", 'timer_control(action="cancel")'),
        ("combien de temps reste-t-il", 'timer_control(action="time_left")'),
        ("cancela el temporizador", 'timer_control(action="cancel")'),
        ("cuánto falta para el temporizador", 'timer_control(action="time_left")'),
        ("annulla il timer", 'timer_control(action="cancel")'),
        ("quanto manca al timer", 'timer_control(action="time_left")'),
        ("stop de timer", 'timer_control(action="cancel")'),
        ("hoeveel tijd heeft de timer nog", 'timer_control(action="time_left")'),
        ("タイマーを止めて", 'timer_control(action="cancel")'),
        ("タイマーはあと何分", 'timer_control(action="time_left")'),
        ("取消计时器", 'timer_control(action="cancel")'),
        ("计时器还剩多少时间", 'timer_control(action="time_left")'),
        ("annuller timeren", 'timer_control(action="cancel")'),
        ("hvor lang tid er der tilbage på timeren", 'timer_control(action="time_left")'),
    ],
)
def timer_control(
    action: Literal["time_left", "add", "pause", "resume", "cancel", "cancel_all"],
    name: TimerName = None,
    duration: OptionalDuration = None,
    *,
    ctx: Context,
) -> Reply:
    """Ask or change running timers: time left, add time, pause, resume, cancel one (by name) or cancel all."""
    engine, options, language = _clock(ctx)
    timers = engine.timers()
    if action == "time_left" and not timer_label(name):
        if not timers:
            return Reply(phrases.say(language, "no_timers"), _data(action))
        lines = [_status(language, engine, t) for t in timers]
        if len(timers) > 1:
            lines.insert(0, phrases.say(language, "timers_count", count=len(timers)))
        return Reply(join_sentences(language, *lines), _data(action, *timers))
    if action == "cancel_all":
        if not timers:
            return Reply(phrases.say(language, "no_timers"), _data(action))
        for timer in timers:
            engine.cancel(timer)
        if len(timers) == 1:
            return Reply(
                phrases.say(language, "cancelled", timer=phrases.timer_name(language, timers[0])),
                _data(action, *timers),
            )
        return Reply(phrases.say(language, "cancelled_all", count=len(timers)), _data(action, *timers))
    suits = {"time_left": {"running", "paused", "ringing"}, "pause": {"running"}, "resume": {"paused"}}
    ringing = {"ringing"} if any(t.state == "ringing" for t in timers) else {"running", "paused", "ringing"}
    timer = _pick(language, timers, name, suits.get(action, ringing))
    said = phrases.timer_name(language, timer)
    if action == "time_left":
        return Reply(_status(language, engine, timer), _data(action, timer, left_s=engine.left_s(timer)))
    if action == "pause":
        if timer.state != "running":
            return Reply(phrases.say(language, "already_paused", timer=said), _data(action, timer, done=False))
        engine.pause(timer)
        return Reply(
            phrases.say(language, "left_paused", timer=said, left=_left(language, engine, timer)), _data(action, timer)
        )
    if action == "resume":
        if timer.state != "paused":
            return Reply(phrases.say(language, "not_paused", timer=said), _data(action, timer, done=False))
        engine.resume(timer)
        return Reply(
            phrases.say(language, "resumed", timer=said, left=_left(language, engine, timer)), _data(action, timer)
        )
    if action == "add":
        if duration is None:
            raise SkillError(phrases.say(language, "add_needs_duration"), cause="add without a duration")
        seconds = duration_seconds(duration)
        if seconds <= 0:
            raise SkillError(phrases.say(language, "timer_zero"), cause=f"add {duration!r}")
        if engine.left_s(timer) + seconds > options.max_timer_hours * 3600:
            longest = phrases.duration(language, options.max_timer_hours * 3600)
            raise SkillError(phrases.say(language, "timer_too_long", max=longest), cause="over max_timer_hours")
        engine.add_time(timer, seconds)
        text = phrases.say(
            language,
            "added",
            added=phrases.duration(language, seconds),
            timer=said,
            left=_left(language, engine, timer),
        )
        return Reply(text, _data(action, timer, added_s=seconds))
    was_ringing = timer.state == "ringing"
    engine.cancel(timer)
    return Reply(
        phrases.say(language, "timer_stopped" if was_ringing else "cancelled", timer=said), _data(action, timer)
    )


def _status(language: str, engine: Engine, timer: Timer) -> str:
    """One timer's state as a sentence: time left, paused, or ringing."""
    said = phrases.timer_name(language, timer)
    if timer.state == "ringing":
        return phrases.say(language, "left_ringing", timer=said)
    key = "left_paused" if timer.state == "paused" else "left"
    return phrases.say(language, key, timer=said, left=_left(language, engine, timer))
