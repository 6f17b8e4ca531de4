"""Alarms: at a time today, tomorrow or on a weekday, once or repeating; list, cancel, snooze, stop."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import skills.clock.phrases as phrases
import skills.clock.wiring as wiring
from assistant.errors import SkillError
from assistant.registry import Context, Normalize, Reply, skill
from skills.clock.engine import Engine, next_ring
from skills.clock.said import RELATIVE, normalize_alarm_time, states_duration, states_time, time_near
from skills.clock.spoken import DAYS_SAID, duration_seconds, normalize_duration, normalize_time, split_time
from skills.clock.store import Alarm

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
AlarmTime = Annotated[str, Normalize(normalize_alarm_time, near=time_near)]
"""A time of day as said ("seven thirty", "halb sieben", "7時半"), canonical "HH:MM" (24-hour), or a while from now
("in twenty minutes", "fünfzehn Minuten"), canonical "in 20 minutes"."""
OptionalTime = Annotated[str | None, Normalize(normalize_time, states=states_time, near=time_near)]  # type: ignore[arg-type]
OptionalDuration = Annotated[str | None, Normalize(normalize_duration, states=states_duration)]  # type: ignore[arg-type]
Day = Literal["today", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Repeat = Literal["daily", "weekdays", "weekends", "weekly"]


def _clock(ctx: Context) -> tuple[Engine, wiring.ClockSettings, str]:
    return wiring.engine(ctx), wiring.settings(ctx), ctx.language


def _when(language: str, engine: Engine, alarm: Alarm) -> str:
    return phrases.alarm_when(language, alarm, engine.now(), engine.zone)


def _data(action: str, *alarms: Alarm, **more: object) -> dict[str, object]:
    items = [
        {"id": a.id, "time": f"{a.hour:02d}:{a.minute:02d}", "repeat": a.repeat, "next_at": a.next_at} for a in alarms
    ]
    return {"action": action, "alarms": items, **more}


def _from_now(engine: Engine, seconds: int) -> str:
    """The "HH:MM" a while from now, to the minute, never the minute now (it would ring tomorrow)."""
    now = engine.now()
    at = dt.datetime.fromtimestamp(now + seconds, engine.zone).replace(second=0, microsecond=0)
    if at.timestamp() <= now:
        at += dt.timedelta(minutes=1)
    return f"{at.hour:02d}:{at.minute:02d}"


def first_ring(
    engine: Engine, hour: int, minute: int, day: str | None, repeat: str | None, language: str
) -> tuple[float, int]:
    """When a new alarm first rings (epoch s) and its weekday for a weekly one (-1 otherwise)."""
    now = engine.now()
    today = dt.datetime.fromtimestamp(now, engine.zone).date()
    weekday = WEEKDAYS.index(day) if day in WEEKDAYS else -1
    if repeat in ("daily", "weekdays", "weekends"):
        return next_ring(hour, minute, repeat, -1, now, engine.zone), -1
    if day in ("today", "tomorrow"):
        date = today + dt.timedelta(days=1 if day == "tomorrow" else 0)
        at = dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=engine.zone).timestamp()
        if at <= now:
            raise SkillError(
                phrases.say(language, "alarm_passed", time=phrases.clock(language, hour, minute)),
                cause=f"{hour:02d}:{minute:02d} today is past",
            )
    else:
        at = next_ring(hour, minute, "", weekday, now, engine.zone)
    if repeat == "weekly":
        weekday = dt.datetime.fromtimestamp(at, engine.zone).weekday()
    return at, weekday if repeat == "weekly" else -1


@skill(
    examples=[
        ("set an alarm for 7 am", 'set_alarm(time="7 am")'),
        ("set an alarm for seven thirty tomorrow", 'set_alarm(time="seven thirty", day="tomorrow")'),
        ("set an alarm for 6 am on monday", 'set_alarm(time="6 am", day="monday")'),
        ("set an alarm for 6 45 every weekday", 'set_alarm(time="6 45", repeat="weekdays")'),
        ("set an alarm for 8 every day", 'set_alarm(time="8", repeat="daily")'),
        ("set an alarm for 9 am on weekends", 'set_alarm(time="9 am", repeat="weekends")'),
        ("set an alarm for 7 every monday", 'set_alarm(time="7", day="monday", repeat="weekly")'),
        ("set my alarm for 6 30", 'set_alarm(time="6 30")'),
        ("wake me up at 7", 'set_alarm(time="7")'),
        ("wake me up at half past six tomorrow", 'set_alarm(time="half past six", day="tomorrow")'),
        ("wake me up tomorrow at 6", 'set_alarm(time="6", day="tomorrow")'),
        ("alarm at 5 30 am", 'set_alarm(time="5 30 am")'),
        ("stell einen wecker für 7 uhr", 'set_alarm(time="7 uhr")'),
        ("weck mich um halb sieben", 'set_alarm(time="halb sieben")'),
        ("weck mich morgen um 6 uhr", 'set_alarm(time="6 uhr", day="tomorrow")'),
        ("mets un réveil à 7 heures", 'set_alarm(time="7 heures")'),
        ("réveille-moi demain à 6 heures 30", 'set_alarm(time="6 heures 30", day="tomorrow")'),
        ("pon una alarma a las 7", 'set_alarm(time="7")'),
        ("despiértame mañana a las 6 y media", 'set_alarm(time="6 y media", day="tomorrow")'),
        ("metti una sveglia alle 7", 'set_alarm(time="7")'),
        ("svegliami domani alle 6 e mezza", 'set_alarm(time="6 e mezza", day="tomorrow")'),
        ("zet een wekker om 7 uur", 'set_alarm(time="7 uur")'),
        ("maak me morgen wakker om half zeven", 'set_alarm(time="half zeven", day="tomorrow")'),
        ("7時にアラームをセットして", 'set_alarm(time="7時")'),
        ("明日の朝6時に起こして", 'set_alarm(time="朝6時", day="tomorrow")'),
        ("设置早上7点的闹钟", 'set_alarm(time="早上7点")'),
        ("明天早上6点叫醒我", 'set_alarm(time="早上6点", day="tomorrow")'),
        ("wake me up in 20 minutes", 'set_alarm(time="in 20 minutes")'),
        ("væk mig klokken 7", 'set_alarm(time="klokken 7")'),
        ("sæt en alarm til klokken 6 i morgen", 'set_alarm(time="klokken 6", day="tomorrow")'),
    ],
    said_as={"day": DAYS_SAID},
)
def set_alarm(time: AlarmTime, day: Day | None = None, repeat: Repeat | None = None, *, ctx: Context) -> Reply:
    """Set an alarm at a time of day ("7:30"), today, tomorrow or on a weekday, once or repeating (weekdays...)."""
    engine, options, language = _clock(ctx)
    if time.startswith(RELATIVE):  # "in 20 minutes": that time of day, whatever day was said
        time, day, repeat = _from_now(engine, duration_seconds(time.removeprefix(RELATIVE))), None, None
    hour, minute = split_time(time)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise SkillError(phrases.say(language, "alarm_bad_time", time=f"{hour}:{minute:02d}"), cause=f"time {time!r}")
    alarms = engine.alarms()
    if len(alarms) >= options.max_alarms:
        raise SkillError(phrases.say(language, "alarm_too_many", count=len(alarms)), cause="max_alarms reached")
    at, weekday = first_ring(engine, hour, minute, day, repeat, language)
    for alarm in alarms:
        if (alarm.hour, alarm.minute, alarm.repeat, alarm.weekday) == (hour, minute, repeat or "", weekday) and (
            repeat or abs(alarm.next_at - at) < 60
        ):
            raise SkillError(
                phrases.say(language, "alarm_exists", when=_when(language, engine, alarm)), cause="same alarm exists"
            )
    alarm = engine.add_alarm(hour, minute, repeat or "", weekday, at, language)
    return Reply(phrases.say(language, "alarm_set", when=_when(language, engine, alarm)), _data("set", alarm))


@skill(
    examples=[
        ("what alarms do i have", 'alarm_control(action="list")'),
        ("list my alarms", 'alarm_control(action="list")'),
        ("show my alarms", 'alarm_control(action="list")'),
        ("do i have any alarms", 'alarm_control(action="list")'),
        ("when is my alarm", 'alarm_control(action="list")'),
        ("is my alarm set", 'alarm_control(action="list")'),
        ("snooze", 'alarm_control(action="snooze")'),
        ("snooze the alarm", 'alarm_control(action="snooze")'),
        ("snooze for 5 minutes", 'alarm_control(action="snooze", duration="5 minutes")'),
        ("stop the alarm", 'alarm_control(action="stop")'),
        ("turn off the alarm", 'alarm_control(action="stop")'),
        ("cancel my alarm", 'alarm_control(action="cancel")'),
        ("cancel the 7 am alarm", 'alarm_control(action="cancel", time="7 am")'),
        ("cancel my alarm for 6 30", 'alarm_control(action="cancel", time="6 30")'),
        ("delete the alarm at 8", 'alarm_control(action="cancel", time="8")'),
        ("cancel all alarms", 'alarm_control(action="cancel_all")'),
        ("cancel my alarms", 'alarm_control(action="cancel_all")'),
        ("delete all my alarms", 'alarm_control(action="cancel_all")'),
        ("welche wecker habe ich", 'alarm_control(action="list")'),
        ("wecker aus", 'alarm_control(action="stop")'),
        ("lösche den wecker", 'alarm_control(action="cancel")'),
        ("lösche alle wecker", 'alarm_control(action="cancel_all")'),
        ("arrête le réveil", 'alarm_control(action="stop")'),
        ("annule le réveil", 'alarm_control(action="cancel")'),
        ("apaga la alarma", 'alarm_control(action="stop")'),
        ("qué alarmas tengo", 'alarm_control(action="list")'),
        ("spegni la sveglia", 'alarm_control(action="stop")'),
        ("che sveglie ho", 'alarm_control(action="list")'),
        ("zet de wekker uit", 'alarm_control(action="stop")'),
        ("welke wekkers heb ik", 'alarm_control(action="list")'),
        ("アラームを止めて", 'alarm_control(action="stop")'),
        ("关掉闹钟", 'alarm_control(action="stop")'),
        ("取消闹钟", 'alarm_control(action="cancel")'),
        ("hvilke alarmer har jeg", 'alarm_control(action="list")'),
        ("sluk alarmen", 'alarm_control(action="stop")'),
        ("slet alarmen", 'alarm_control(action="cancel")'),
    ],
)
def alarm_control(
    action: Literal["list", "cancel", "cancel_all", "snooze", "stop"],
    time: OptionalTime = None,
    duration: OptionalDuration = None,
    *,
    ctx: Context,
) -> Reply:
    """List alarms, cancel one (by time) or all, snooze or stop the one ringing."""
    engine, options, language = _clock(ctx)
    alarms = engine.alarms()
    ringing = [a for a in alarms if a.state == "ringing"]
    if action == "list":
        if not alarms:
            return Reply(phrases.say(language, "no_alarms"), _data(action))
        whens = [_when(language, engine, a) for a in alarms]
        if len(alarms) == 1:
            return Reply(phrases.say(language, "alarms_one", when=whens[0]), _data(action, *alarms))
        text = phrases.say(language, "alarms_list", count=len(alarms), list=phrases.listing(language, whens))
        return Reply(text, _data(action, *alarms))
    if action == "snooze":
        seconds = duration_seconds(duration) if duration else options.snooze_minutes * 60
        if not 60 <= seconds <= 3600:
            raise SkillError(phrases.say(language, "snooze_range"), cause=f"snooze {seconds} s")
        if not ringing:
            return Reply(phrases.say(language, "nothing_ringing"), _data(action, done=False))
        for alarm in ringing:
            engine.snooze(alarm, seconds)
        return Reply(
            phrases.say(language, "snoozed", duration=phrases.duration(language, seconds)), _data(action, *ringing)
        )
    if action == "stop" or (action == "cancel" and ringing and time is None):
        return _stop(language, engine, ringing, action)
    if action == "cancel_all":
        if not alarms:
            return Reply(phrases.say(language, "no_alarms"), _data(action))
        for alarm in alarms:
            engine.cancel_alarm(alarm)
        if len(alarms) == 1:
            return Reply(
                phrases.say(language, "alarm_cancelled", when=_when(language, engine, alarms[0])),
                _data(action, *alarms),
            )
        return Reply(phrases.say(language, "alarms_cancelled_all", count=len(alarms)), _data(action, *alarms))
    if not alarms:
        return Reply(phrases.say(language, "no_alarms"), _data(action))
    chosen = alarms
    if time is not None:
        hour, minute = split_time(time)
        chosen = [a for a in alarms if (a.hour, a.minute) == (hour, minute)]
        if not chosen:
            raise SkillError(
                phrases.say(language, "alarm_unknown", time=phrases.clock(language, hour, minute)), cause=f"no {time}"
            )
    if len(chosen) > 1:
        said = phrases.listing(language, [_when(language, engine, a) for a in chosen])
        raise SkillError(phrases.say(language, "which_alarm", count=len(chosen), list=said), cause="several alarms")
    when = _when(language, engine, chosen[0])
    engine.cancel_alarm(chosen[0])
    return Reply(phrases.say(language, "alarm_cancelled", when=when), _data(action, chosen[0]))


def _stop(language: str, engine: Engine, ringing: list[Alarm], action: str) -> Reply:
    """Stop what rings: alarms (a repeating one waits for its next time), else a ringing timer."""
    if not ringing:
        if engine.stop_ringing():  # "stop the alarm" while a timer rings: people call a timer's ring an alarm
            return Reply(phrases.say(language, "alarm_stopped"), _data(action, timers=True))
        return Reply(phrases.say(language, "nothing_ringing"), _data(action, done=False))
    later = [found for alarm in ringing if (found := engine.stop_alarm(alarm)) is not None]
    engine.stop_ringing()
    if later:
        text = phrases.say(language, "alarm_stopped_repeat", when=_when(language, engine, later[0]))
        return Reply(text, _data(action, *ringing))
    return Reply(phrases.say(language, "alarm_stopped"), _data(action, *ringing))
