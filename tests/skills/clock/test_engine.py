"""The engine with a hand-moved clock: rings on time, through restarts, kill -9 and clock jumps (no sleeps)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from skills.clock.engine import JUMP_S, LATE_RING_S, next_ring
from skills.clock.store import Store
from tests.skills.clock.conftest import START, ZONE


def local(day: int, hour: int, minute: int = 0) -> float:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=ZONE).timestamp()


def test_a_timer_rings_when_it_ends_and_says_its_name(make_engine, clock, recorder):
    engine = make_engine()
    engine.start(thread=False)
    timer = engine.start_timer(600, "pasta", "en")
    clock.advance(599)
    engine.tick()
    assert not recorder.ringing and engine.left_s(timer) == 1
    clock.advance(1)
    engine.tick()
    assert recorder.ringing and recorder.kinds() == ["timer_done"]
    assert recorder.events[0].timer is not None and recorder.events[0].timer.name == "pasta"


def test_a_ring_nobody_stops_ends_after_ring_s(make_engine, clock, recorder):
    engine = make_engine(ring_s=60)
    engine.start(thread=False)
    engine.start_timer(10, "", "en")
    clock.advance(10)
    engine.tick()
    clock.advance(59)
    engine.tick()
    assert recorder.ringing
    clock.advance(1)
    engine.tick()
    assert not recorder.ringing and engine.timers() == []


def test_stopping_through_the_player_ends_the_ring(make_engine, clock, recorder):
    engine = make_engine()
    engine.start(thread=False)
    engine.start_timer(10, "eggs", "en")
    clock.advance(10)
    engine.tick()
    engine.user_stopped()  # the player's listener: "stop" ended the alert
    engine.tick()
    assert not recorder.ringing and engine.timers() == []


def test_several_timers_ring_each_on_time(make_engine, clock, recorder):
    engine = make_engine()
    engine.start(thread=False)
    engine.start_timer(60, "eggs", "en")
    engine.start_timer(120, "rice", "de")
    clock.advance(60)
    engine.tick()
    assert [e.timer.name for e in recorder.events if e.timer] == ["eggs"]
    clock.advance(60)
    engine.tick()
    assert [(e.timer.name, e.language) for e in recorder.events if e.timer] == [("eggs", "en"), ("rice", "de")]


def test_pause_keeps_the_time_left_whatever_the_clocks_do(make_engine, clock):
    engine = make_engine()
    timer = engine.start_timer(300, "", "en")
    clock.advance(100)
    engine.pause(timer)
    clock.advance(3600)
    clock.jump(-7200)
    assert engine.left_s(engine.timers()[0]) == 200
    engine.resume(engine.timers()[0])
    clock.advance(50)
    assert engine.left_s(engine.timers()[0]) == 150


def test_add_time(make_engine, clock):
    engine = make_engine()
    timer = engine.start_timer(300, "", "en")
    clock.advance(100)
    engine.add_time(timer, 60)
    assert engine.left_s(engine.timers()[0]) == 260
    assert engine.timers()[0].duration_s == 360


def test_a_restart_resumes_timers_with_the_right_time_left(make_engine, clock, recorder):
    """Wall clock reasoning across a restart: ends_at is stored, so time left is ends_at - now."""
    first = make_engine()
    first.start(thread=False)
    first.start_timer(600, "pasta", "en")
    clock.advance(120)
    first.close()  # the assistant stops
    clock.advance(180)  # ...and is off for 3 minutes
    second = make_engine()
    second.start(thread=False)
    (timer,) = second.timers()
    assert second.left_s(timer) == 300
    assert recorder.events == []


def test_a_timer_that_ended_while_off_is_said_not_rung(make_engine, clock, recorder):
    first = make_engine()
    first.start(thread=False)
    first.start_timer(60, "pasta", "en")
    first.close()
    clock.advance(3600)
    second = make_engine()
    second.start(thread=False)
    assert recorder.kinds() == ["timer_missed"] and not recorder.ringing
    assert recorder.events[0].late_s == 3600 - 60
    assert second.timers() == []


def test_a_timer_just_due_after_a_quick_restart_still_rings(make_engine, clock, recorder):
    first = make_engine()
    first.start(thread=False)
    first.start_timer(60, "pasta", "en")
    first.close()
    clock.advance(60 + LATE_RING_S - 1)
    make_engine().start(thread=False)
    assert recorder.kinds() == ["timer_done"] and recorder.ringing


def test_an_alarm_rings_at_its_time_and_a_daily_one_comes_back(make_engine, clock, recorder):
    engine = make_engine()
    engine.start(thread=False)
    at = next_ring(6, 30, "daily", -1, clock.wall(), ZONE)
    assert at == local(3, 6, 30)
    engine.add_alarm(6, 30, "daily", -1, at, "en")
    clock.advance(1800)
    engine.tick()
    assert recorder.kinds() == ["alarm"] and recorder.ringing
    (alarm,) = engine.alarms()
    assert engine.stop_alarm(alarm) is not None
    assert engine.alarms()[0].next_at == local(4, 6, 30)


def test_snooze_rings_again(make_engine, clock, recorder):
    engine = make_engine()
    engine.start(thread=False)
    engine.add_alarm(6, 10, "", -1, local(3, 6, 10), "en")
    clock.advance(600)
    engine.tick()
    engine.snooze(engine.alarms()[0], 540)
    engine.tick()
    assert not recorder.ringing
    clock.advance(540)
    engine.tick()
    assert recorder.ringing and recorder.kinds() == ["alarm", "alarm"]


def test_an_alarm_missed_while_off_is_said_when_it_comes_back(make_engine, clock, recorder):
    first = make_engine()
    first.start(thread=False)
    first.add_alarm(7, 0, "", -1, local(3, 7), "en")
    first.add_alarm(7, 30, "weekdays", -1, local(3, 7, 30), "en")
    first.close()
    clock.advance(3 * 3600)  # off from 6:00 to 9:00
    second = make_engine()
    second.start(thread=False)
    assert recorder.kinds() == ["alarm_missed", "alarm_missed"]
    assert not recorder.ringing
    (repeating,) = second.alarms()  # the one-off is gone, the weekday one waits for Wednesday
    assert repeating.next_at == local(4, 7, 30)


def test_a_forward_jump_keeps_timers_and_says_the_alarm_it_skipped(make_engine, clock, recorder):
    """NTP sets the clock of a Pi that booted without network: 3 hours forward in one step."""
    engine = make_engine()
    engine.start(thread=False)
    timer = engine.start_timer(600, "pasta", "en")
    engine.add_alarm(7, 0, "", -1, local(3, 7), "en")
    clock.advance(60)
    engine.tick()
    clock.jump(3 * 3600)
    engine.tick()
    assert engine.left_s(engine.timers()[0]) == 540  # the timer measures elapsed time: not ended by the jump
    assert recorder.kinds() == ["alarm_missed_jump"]
    assert abs(recorder.events[0].late_s - 3 * 3600) < 1
    assert timer.id == engine.timers()[0].id


def test_a_small_drift_is_no_jump(make_engine, clock, recorder):
    engine = make_engine()
    timer = engine.start_timer(600, "", "en")
    engine.tick()
    clock.advance(1)
    clock.jump(JUMP_S - 1)  # within tolerance: the wall clock rules
    engine.tick()
    assert engine.timers()[0].ends_at == timer.ends_at


def test_a_backward_jump_brings_a_repeating_alarm_back(make_engine, clock, recorder):
    """A clock that was a day ahead is corrected: the daily alarm's next ring is today again, not tomorrow."""
    clock.jump(24 * 3600)  # the clock says Wednesday; it is Tuesday 6:00
    engine = make_engine()
    engine.add_alarm(6, 30, "daily", -1, next_ring(6, 30, "daily", -1, clock.wall(), ZONE), "en")
    assert engine.alarms()[0].next_at == local(4, 6, 30)
    engine.tick()
    clock.jump(-24 * 3600)
    engine.tick()
    assert engine.alarms()[0].next_at == local(3, 6, 30)


def test_a_clock_behind_the_last_run_is_said_and_timers_keep_their_time(make_engine, clock, recorder):
    """A Pi without a real-time clock boots in 1970 (or at its last saved time) before NTP answers."""
    first = make_engine()
    first.start(thread=False)
    first.start_timer(600, "bread", "en")
    clock.advance(100)
    first.close()  # last_seen: 100 s after start, 500 s left
    clock.jump(-30 * 24 * 3600)
    second = make_engine()
    second.start(thread=False)
    assert recorder.kinds() == ["clock_behind"]
    (timer,) = second.timers()
    assert second.left_s(timer) == 500
    clock.advance(10)
    clock.jump(30 * 24 * 3600)  # NTP answers
    second.tick()
    assert second.left_s(second.timers()[0]) == 490


def test_next_ring_keeps_the_local_time_across_daylight_saving():
    before = dt.datetime(2026, 3, 28, 8, 0, tzinfo=ZONE).timestamp()  # Saturday; summer time starts Sunday
    sunday = next_ring(7, 0, "daily", -1, before, ZONE)
    assert dt.datetime.fromtimestamp(sunday, ZONE).strftime("%a %H:%M %Z") == "Sun 07:00 CEST"
    monday = next_ring(7, 0, "weekdays", -1, before, ZONE)
    assert dt.datetime.fromtimestamp(monday, ZONE).strftime("%a %H:%M") == "Mon 07:00"


def test_state_survives_kill_9(tmp_path):
    """A process sets a timer and an alarm and is killed with SIGKILL: both are there, whole, afterwards."""
    root = Path(__file__).resolve().parents[3]
    script = textwrap.dedent(
        f"""
        import sys, time
        from skills.clock.store import Store
        store = Store({str(tmp_path / "clock.sqlite")!r})
        store.add_timer("pasta", 600, {START + 600}, "en")
        store.add_alarm(7, 0, "weekdays", -1, {START + 3600}, "de")
        print("ready", flush=True)
        while True:  # keep writing: the kill lands in the middle of work
            store.put("last_seen", time.time())
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    store = Store(tmp_path / "clock.sqlite")
    try:
        (timer,) = store.timers()
        (alarm,) = store.alarms()
        assert (timer.name, timer.duration_s, timer.ends_at, timer.state) == ("pasta", 600, START + 600, "running")
        assert (alarm.hour, alarm.repeat, alarm.language) == (7, "weekdays", "de")
        assert store.get("last_seen") is not None
    finally:
        store.close()
