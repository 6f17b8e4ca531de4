"""The clock skills through the assistant: the fast path's calls, the replies, bad input answered with a sentence,
every language, the configured time zone. The engine runs on a hand-moved clock (no sleeps)."""

from __future__ import annotations

import dataclasses
import re
import string

import pytest

import skills.clock as clock_skills
from assistant.errors import InvalidArguments
from assistant.i18n import LANGUAGES
from assistant.testing import SkillTester
from skills.clock import wiring
from skills.clock.engine import Engine, Event
from skills.clock.phrases import MESSAGES
from skills.clock.store import Store, Timer
from tests.skills.clock.conftest import ZONE, FakeClock, Recorder

SKILLS = [getattr(clock_skills, name) for name in clock_skills.__all__]


@pytest.fixture
def kitchen():
    """A SkillTester with the six clock skills, its engine on a hand-moved clock in Berlin (Tue 3 March, 06:00)."""
    with SkillTester(*SKILLS) as tester:
        clock, recorder = FakeClock(), Recorder()
        engine = Engine(
            Store(tester.data_dir / "skills" / "clock" / "clock.sqlite"),
            zone=ZONE,
            clock=clock,
            ringer=recorder,
            tell=recorder.tell,
        )
        tester.assistant.services[wiring.SERVICE] = engine
        tester.clock, tester.recorder, tester.engine = clock, recorder, engine  # type: ignore[attr-defined]
        yield tester


@pytest.mark.parametrize(
    "text, call",
    [
        ("set a timer for ten minutes", 'set_timer(duration="10 minutes")'),
        ("Set a timer for 10 minutes.", 'set_timer(duration="10 minutes")'),
        ("please set a timer for an hour and a half", 'set_timer(duration="1 hour 30 minutes")'),
        ("set a timer for 90 seconds", 'set_timer(duration="1 minute 30 seconds")'),
        ("set a 20 minute timer", 'set_timer(duration="20 minutes")'),
        ("set a pasta timer for 9 minutes", 'set_timer(duration="9 minutes", name="pasta")'),
        ("set a timer for 4 minutes called tea", 'set_timer(duration="4 minutes", name="tea")'),
        ("how much time is left on the pasta timer", 'timer_control(action="time_left", name="pasta")'),
        ("how much time is left", 'timer_control(action="time_left")'),
        ("pause the timer", 'timer_control(action="pause")'),
        ("resume the eggs timer", 'timer_control(action="resume", name="eggs")'),
        ("cancel the timer", 'timer_control(action="cancel")'),
        ("cancel all timers", 'timer_control(action="cancel_all")'),
        ("Stop every timer.", 'timer_control(action="cancel_all")'),
        ("add 3 minutes to the timer", 'timer_control(action="add", duration="3 minutes")'),
        ("set an alarm for 6 am", 'set_alarm(time="06:00")'),
        ("set an alarm for 7 30 tomorrow", 'set_alarm(time="07:30", day="tomorrow")'),
        ("set an alarm for 6 am on friday", 'set_alarm(time="06:00", day="friday")'),
        ("set an alarm for 6 15 every weekday", 'set_alarm(time="06:15", repeat="weekdays")'),
        ("wake me up at 7", 'set_alarm(time="07:00")'),
        ("what alarms do i have", 'alarm_control(action="list")'),
        ("cancel the 7 am alarm", 'alarm_control(action="cancel", time="07:00")'),
        ("snooze", 'alarm_control(action="snooze")'),
        ("what time is it", "current_time()"),
        ("what time is it in london", 'current_time(place="london")'),
        ("what's the date", "current_date()"),
        ("what day is tomorrow", 'current_date(day="tomorrow")'),
        ("stell einen timer auf zwanzig minuten", 'set_timer(duration="20 minutes")'),
        ("mets un minuteur de cinq minutes", 'set_timer(duration="5 minutes")'),
        ("pon un temporizador de diez minutos", 'set_timer(duration="10 minutes")'),
        ("定时十分钟", 'set_timer(duration="10 minutes")'),
        ("weck mich um halb sieben", 'set_alarm(time="06:30")'),
        ("wie spät ist es", "current_time()"),
        ("现在几点", "current_time()"),
        ("wake me up in 45 minutes", 'set_alarm(time="in 45 minutes")'),
        ("set an alarm for 10 minutes", 'set_alarm(time="in 10 minutes")'),
        ("væk mig klokken 7", 'set_alarm(time="07:00")'),
        ("væk mig klokken halv syv i morgen", 'set_alarm(time="06:30", day="tomorrow")'),
        ("sæt en timer på femten minutter", 'set_timer(duration="15 minutes")'),
        ("hvad er klokken", "current_time()"),
    ],
)
def test_common_phrasings_take_the_fast_path(kitchen, text, call):
    assert str(kitchen.route(text)) == call


@pytest.mark.parametrize(
    "text",
    [
        "set a timer for the pasta",
        "set an alarm in ten minutes",
        "set a timer for 10 minutes for the eggs please now",
        "stop each timer",  # "each" counts timers, it names none: not cancel(name="each")
    ],
)
def test_what_the_fast_path_is_not_sure_of_goes_to_the_model(kitchen, text):
    assert kitchen.route(text) is None


def test_several_named_timers(kitchen):
    assert kitchen.ask("set a pasta timer for 9 minutes").text == "The pasta timer is set for 9 minutes."
    assert kitchen.ask("set a timer for 6 minutes called eggs").text == "The eggs timer is set for 6 minutes."
    kitchen.clock.advance(60)
    assert kitchen.ask("how much time is left on the pasta timer").text == "The pasta timer has 8 minutes left."
    assert kitchen.ask("pause the eggs timer").text == "The eggs timer is paused with 5 minutes left."
    assert (
        kitchen.ask("add 2 minutes to the pasta timer").text
        == "I added 2 minutes. The pasta timer has 10 minutes left."
    )
    assert kitchen.ask("how much time is left").text == (
        "You have 2 timers. The pasta timer has 10 minutes left. The eggs timer is paused with 5 minutes left."
    )
    assert kitchen.ask("resume the timer").text == "The eggs timer is running again, with 5 minutes left."
    assert kitchen.ask("cancel the eggs timer").text == "The eggs timer is cancelled."


def test_a_timer_ends_rings_and_is_stopped_by_cancel(kitchen):
    kitchen.ask("set a timer for 10 seconds")
    kitchen.clock.advance(10)
    kitchen.engine.tick()
    assert kitchen.recorder.ringing
    assert wiring.sentence(kitchen.recorder.events[0]) == "The timer for 10 seconds is done!"
    assert kitchen.ask("stop the timer").text == "The timer for 10 seconds is stopped."
    kitchen.engine.tick()
    assert not kitchen.recorder.ringing


# --- bad input: a sentence each --------------------------------------------------------------------------------


def test_a_timer_for_zero_minutes(kitchen):
    turn = kitchen.turn("set a timer for zero minutes")
    assert turn.reply.text == "A timer needs some time. Say how long, like ten minutes."
    assert kitchen.engine.timers() == []


def test_a_timer_for_400_hours(kitchen):
    turn = kitchen.turn("set a timer for 400 hours")
    assert turn.reply.text == "That's too long for a timer: the longest I can set is 24 hours."
    assert kitchen.engine.timers() == []


def test_an_alarm_at_25_oclock(kitchen):
    turn = kitchen.turn("set an alarm for 25 o'clock")
    assert str(turn.route.call) == 'set_alarm(time="25:00")'
    assert turn.reply.text.startswith("There's no such time as 25:00.")
    assert kitchen.engine.alarms() == []


def test_cancel_the_timer_with_none_running(kitchen):
    assert kitchen.ask("cancel the timer").text == "There's no timer running."


def test_cancel_the_timer_with_three_running_asks_which(kitchen):
    for text in (
        "set a pasta timer for 9 minutes",
        "set a timer for 6 minutes called eggs",
        "set a timer for 20 minutes",
    ):
        kitchen.ask(text)
    assert kitchen.ask("cancel the timer").text == (
        "You have 3 timers: the pasta timer, the eggs timer and the timer for 20 minutes. Which one? "
        "Please say its name."
    )
    assert len(kitchen.engine.timers()) == 3  # nothing lost
    assert kitchen.ask("cancel the 20 minute timer").text == "The timer for 20 minutes is cancelled."
    assert kitchen.ask("cancel the rice timer").text == (
        "There's no rice timer. You have the pasta timer and the eggs timer."
    )


def test_an_alarm_already_past_today(kitchen):
    assert kitchen.call('set_alarm(time="05:00", day="today")').text == (
        "It's already past 5 AM today. Say tomorrow if you mean tomorrow."
    )


def test_an_alarm_in_a_while_rings_that_long_from_now(kitchen):
    # The clock stands at 6:00; a while said in any language is an alarm that long from now, whatever day was said.
    assert kitchen.call('set_alarm(time="in 20 minutes")').text == "Alarm set for 6:20 AM today."
    assert kitchen.call('set_alarm(time="fünfzehn Minuten", day="tomorrow")').text == "Alarm set for 6:15 AM today."
    assert kitchen.call('set_alarm(time="十分钟后")').text == "Alarm set for 6:10 AM today."
    kitchen.clock.advance(30)  # 6:00:30: half a minute from now is 6:01, never the minute now (that rings tomorrow)
    assert kitchen.call('set_alarm(time="in 30 seconds")').text == "Alarm set for 6:01 AM today."
    assert "no such time" not in kitchen.call('set_alarm(time="two hours from now")').text


def test_an_alarm_a_day_or_more_away_is_no_while(kitchen):
    with pytest.raises(InvalidArguments, match="not a while from now up to a day"):
        kitchen.registry.validate(kitchen.registry.parse('set_alarm(time="in 30 hours")'))


def test_alarms_set_list_and_cancel(kitchen):
    assert kitchen.ask("set an alarm for 7 am").text == "Alarm set for 7 AM today."
    assert kitchen.ask("set an alarm for 6 45 every weekday").text == "Alarm set for 6:45 AM on weekdays."
    assert kitchen.ask("set an alarm for 9 on saturday").text == "Alarm set for 9 AM on Saturday."
    assert kitchen.ask("what alarms do i have").text == (
        "You have 3 alarms: 6:45 AM on weekdays, 7 AM today and 9 AM on Saturday."
    )
    assert kitchen.ask("cancel my alarm").text.endswith("Which one? Please say its time.")
    assert kitchen.ask("cancel the 7 am alarm").text == "The alarm for 7 AM today is cancelled."
    assert kitchen.ask("cancel all alarms").text == "All 2 alarms are cancelled."


def test_snooze_and_stop_a_ringing_alarm(kitchen):
    kitchen.ask("set an alarm for 6 30")
    kitchen.clock.advance(1800)
    kitchen.engine.tick()
    assert kitchen.recorder.ringing
    assert kitchen.ask("snooze for 5 minutes").text == "Snoozing for 5 minutes."
    kitchen.engine.tick()
    assert not kitchen.recorder.ringing
    kitchen.clock.advance(300)
    kitchen.engine.tick()
    assert kitchen.recorder.ringing
    assert kitchen.ask("stop the alarm").text == "Alarm stopped."
    assert kitchen.engine.alarms() == []


def test_the_time_in_the_configured_zone_and_a_city(kitchen):
    kitchen.assistant.config = dataclasses.replace(kitchen.assistant.config, time_zone="Asia/Tokyo")
    reply = kitchen.ask("what time is it")
    assert reply.data["zone"] == "Asia/Tokyo" and re.fullmatch(r"It's \d+(:\d\d)? [AP]M\.", reply.text)
    assert kitchen.ask("what time is it in new york").data["zone"] == "America/New_York"
    assert kitchen.ask("what time is it in atlantis").text == "I don't know which time zone Atlantis is in."


def test_a_wrong_time_zone_is_named():
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match="Europe/Berln"):
        wiring.time_zone(dataclasses.make_dataclass("C", [("time_zone", str)])("Europe/Berln"))


# --- languages ---------------------------------------------------------------------------------------------------


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_every_sentence_with_the_same_placeholders():
    assert set(MESSAGES.catalog) == set(LANGUAGES)
    for language in LANGUAGES:
        assert set(MESSAGES.catalog[language]) == set(MESSAGES.catalog["en"]), language
        for key, template in MESSAGES.catalog[language].items():
            assert _fields(template) == _fields(MESSAGES.catalog["en"][key]), (language, key)


@pytest.mark.parametrize(
    "language, timer_set, done, now",
    [
        ("en", "Timer set for 1 hour and 30 minutes.", "The pasta timer is done!", r"It's \d"),
        (
            "de",
            "Timer für 1 Stunde und 30 Minuten gestellt.",
            "Der Timer pasta ist abgelaufen!",
            r"Es ist \d+(:\d\d)? Uhr",
        ),
        ("fr", "Minuteur réglé sur 1 heure et 30 minutes.", "Le minuteur pasta est terminé !", r"Il est \d+ h"),
        ("es", "Temporizador de 1 hora y 30 minutos en marcha.", "¡El temporizador pasta ha terminado!", r"Son las"),
        ("it", "Timer impostato per 1 ora e 30 minuti.", "Il timer pasta è finito!", r"Sono le"),
        ("nl", "Timer gezet op 1 uur en 30 minuten.", "De timer pasta is afgelopen!", r"Het is"),
        ("da", "Timeren er sat til 1 time og 30 minutter.", "Timeren pasta er færdig!", r"Klokken er \d+(:\d\d)?\."),
        ("ja", "1時間30分のタイマーをセットしました。", "pastaのタイマーが終わりました！", r"午[前後]\d+時"),
        ("zh", "已设置1小时30分钟的计时器。", "pasta计时器时间到了！", r"现在是[上下]午\d+点"),
    ],
)
def test_replies_in_the_requests_language(kitchen, language, timer_set, done, now):
    reply, error = kitchen.assistant.execute(kitchen.registry.parse('set_timer(duration="90 minutes")'), language)
    assert (reply.text, error) == (timer_set, "")
    pasta = Timer(1, "pasta", 60, "ringing", 0.0, 0.0, language)
    assert wiring.sentence(Event("timer_done", language, timer=pasta)) == done
    reply, _ = kitchen.assistant.execute(kitchen.registry.parse("current_time()"), language)
    assert re.match(now, reply.text), reply.text
    reply, _ = kitchen.assistant.execute(kitchen.registry.parse('set_alarm(time="25:00")'), language)
    assert "25:00" in reply.text


def test_a_danish_date_is_not_two_sentences(kitchen):
    """ "den 3. marts": the full stop after the day ends an ordinal, so the month keeps its small letter."""
    reply, _ = kitchen.assistant.execute(kitchen.registry.parse("current_date()"), "da")
    assert re.fullmatch(r"I dag er det [a-zø]+dag den \d{1,2}\. [a-z]+ \d{4}\.", reply.text), reply.text


@pytest.mark.parametrize("language", ["ja", "zh"])
def test_chinese_and_japanese_sentences_have_no_spaces_of_their_own(language):
    for key, template in MESSAGES.catalog[language].items():
        assert " " not in template, key


def test_the_live_assistant_says_an_alarm_missed_while_it_was_off(kitchen):
    """Assistant.start_background() (the live loop calls it) starts the engine; what it missed while the
    assistant was off is queued for the loop to say between turns, in the language the alarm was set in."""
    kitchen.assistant.execute(kitchen.registry.parse('set_alarm(time="07:00")'), "de")
    kitchen.clock.advance(3 * 3600)  # the assistant was off from 6:00 to 9:00
    kitchen.assistant.config = dataclasses.replace(
        kitchen.assistant.config, audio=dataclasses.replace(kitchen.assistant.config.audio, output_device="null")
    )
    services = kitchen.assistant.services
    kitchen.engine.tell = lambda event: wiring.announce(services, event)  # as wiring.engine() makes it
    kitchen.assistant.start_background()
    kitchen.assistant.start_background()  # once only
    assert kitchen.assistant.announcements.get(timeout=5) == (
        "Während ich aus war, ist dein Wecker um 7 Uhr verstrichen.",
        "de",
    )
    assert kitchen.assistant.announcements.empty()
    assert kitchen.engine.alarms() == []
