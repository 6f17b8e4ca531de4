"""The timer and alarm engine: sets, finds and changes them in the store, rings them on time, and says what it
missed while the assistant was off or the clock was wrong.

Clocks (the reasoning the tests check):
- Stored times are wall-clock epoch seconds: nothing else survives a restart. After a restart a running timer has
  ends_at - now left, and anything that came due while the assistant was down is found by comparing with now.
- Inside a running process the engine also reads a monotonic clock (CLOCK_BOOTTIME on Linux, which counts a
  suspend, so only a step of the wall clock differs from it). On every tick it compares how far each clock moved:
  a difference over JUMP_S is a clock jump (NTP setting the time on a Pi that booted without network, a user
  changing it). Timers measure elapsed time, so they keep the time they had left (their ends_at moves with the
  jump). Alarms are at a time of day, so they stay put: a forward jump past one is a missed alarm, said with a
  sentence; after a backward jump repeating alarms are scheduled again from the corrected time.
- At start-up, a wall clock behind the last time this engine ran ("last_seen", written every HEARTBEAT_S) is wrong
  (a Pi without a real-time clock or network): timers get the time they had left at that moment (the assistant
  cannot know how long it was off), the user hears that the clock looks wrong, and the correction that follows is
  a jump as above.
- Something found due up to LATE_RING_S late still rings (a restart, a busy board); later than that it is said as
  missed instead of ringing for something long over.

Only a started engine (start(): the live loop) rings and speaks; a one-shot `assistant ask` reads and writes the
same store, and the live process picks its changes up on its next tick.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from skills.clock.store import Alarm, Store, Timer

log = logging.getLogger(__name__)

JUMP_S = 5.0
"""A wall clock that moves this much more or less than the monotonic clock between two ticks has jumped (NTP slews
by well under a millisecond a second; a tick is about a second)."""
TICK_S = 1.0
"""Longest wait between two ticks: picks up other processes' changes and notices jumps within a second."""
HEARTBEAT_S = 60.0
"""How often last_seen is written (one small write a minute: little wear on an SD card)."""
LATE_RING_S = 300.0
"""A timer or alarm found due at most this late still rings; later it is said as missed."""


class Clock(Protocol):
    """Where the engine reads the time: the system, or a test's hand-moved clock."""

    def wall(self) -> float:
        """Wall-clock time, epoch seconds."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps."""
        ...


class SystemClock:
    """The machine's clocks: time.time() and CLOCK_BOOTTIME (monotonic including suspend) where Linux has it."""

    def wall(self) -> float:
        """Epoch seconds."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds since boot, suspend included where available."""
        boottime = getattr(time, "CLOCK_BOOTTIME", None)
        return time.clock_gettime(boottime) if boottime is not None else time.monotonic()


class Ringer(Protocol):
    """Makes the ring heard: the player (ring.PlayerRinger) or a test's recorder."""

    def ring(self) -> None:
        """Start ringing (again: nothing changes)."""
        ...

    def silence(self) -> None:
        """Stop ringing (not ringing: nothing changes)."""
        ...


@dataclass(frozen=True)
class Event:
    """Something the engine tells the user: a timer done, an alarm ringing, one missed, the clock looking wrong."""

    kind: str
    """ "timer_done", "timer_missed", "alarm", "alarm_missed", "alarm_missed_jump", "clock_behind"."""
    language: str
    """Language to say it in."""
    timer: Timer | None = None
    """The timer concerned."""
    alarm: Alarm | None = None
    """The alarm concerned."""
    late_s: float = 0.0
    """For missed ones: how long ago it was due; for clock events: the size of the jump."""


def next_ring(hour: int, minute: int, repeat: str, weekday: int, after: float, zone: dt.tzinfo) -> float:
    """The first time strictly after `after` (epoch s) that an alarm rings, in the zone's local time (so daylight
    saving changes move nothing: 7:00 stays 7:00)."""
    today = dt.datetime.fromtimestamp(after, zone).date()
    for offset in range(8):
        day = today + dt.timedelta(days=offset)
        if repeat == "weekdays" and day.weekday() >= 5 or repeat == "weekends" and day.weekday() < 5:
            continue
        if weekday >= 0 and day.weekday() != weekday:
            continue
        at = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp()
        if at > after:
            return at
    raise ValueError(f"no ring for {hour}:{minute:02d} {repeat} {weekday}")


class Engine:
    """Timers and alarms: the skills' operations, and ticks that ring what is due (thread-safe)."""

    def __init__(
        self,
        store: Store,
        *,
        zone: dt.tzinfo,
        clock: Clock | None = None,
        ringer: Ringer | None = None,
        tell: Callable[[Event], None] | None = None,
        ring_s: float = 60.0,
    ) -> None:
        """tell(event) is how the engine speaks (the skill turns events into sentences and announces them)."""
        self.store = store
        self.zone = zone
        self.clock: Clock = clock or SystemClock()
        self.ringer = ringer
        self.tell = tell or (lambda event: log.info("clock: %s", event))
        self.ring_s = ring_s
        self._lock = threading.RLock()
        self._last: tuple[float, float] | None = None
        self._heartbeat_at = 0.0
        self._ringing_since: dict[tuple[str, int], float] = {}
        self._wake = threading.Event()
        self._user_stop = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started = False

    # --- time ---

    def now(self) -> float:
        """Wall-clock now, after checking for a jump."""
        with self._lock:
            wall = self.clock.wall()
            self._check_jump(wall, self.clock.monotonic())
            return wall

    def _check_jump(self, wall: float, mono: float) -> float:
        """Compare the clocks since the last look; on a jump, move running timers with it. Returns the jump (s)."""
        last, self._last = self._last, (wall, mono)
        if last is None:
            return 0.0
        jump = (wall - last[0]) - (mono - last[1])
        if abs(jump) <= JUMP_S:
            return 0.0
        log.warning("clock: the wall clock jumped by %+.0f s; timers keep their time left, alarms their time", jump)
        for timer in self.store.timers():
            if timer.state == "running":
                timer.ends_at += jump
                self.store.save_timer(timer)
        if jump < 0:  # an occurrence of a repeating alarm may be ahead again
            for alarm in self.store.alarms():
                if alarm.repeat and alarm.state == "set":
                    alarm.next_at = self._next(alarm, wall)
                    self.store.save_alarm(alarm)
        return jump

    def _next(self, alarm: Alarm, after: float) -> float:
        return next_ring(alarm.hour, alarm.minute, alarm.repeat, alarm.weekday, after, self.zone)

    # --- timers ---

    def timers(self) -> list[Timer]:
        """Every timer, oldest first."""
        return self.store.timers()

    def left_s(self, timer: Timer, now: float | None = None) -> float:
        """Seconds a timer has left (0 when ringing)."""
        if timer.state == "paused":
            return timer.left_s
        if timer.state == "ringing":
            return 0.0
        return max(0.0, timer.ends_at - (self.now() if now is None else now))

    def start_timer(self, duration_s: int, name: str, language: str) -> Timer:
        """Start a timer now."""
        with self._lock:
            timer = self.store.add_timer(name, duration_s, self.now() + duration_s, language)
        self._wake.set()
        return timer

    def pause(self, timer: Timer) -> Timer:
        """Pause a running timer: it keeps its time left, whatever the clocks do meanwhile."""
        with self._lock:
            timer.left_s, timer.state = self.left_s(timer), "paused"
            self.store.save_timer(timer)
        return timer

    def resume(self, timer: Timer) -> Timer:
        """Run a paused timer again from its time left."""
        with self._lock:
            timer.ends_at, timer.state = self.now() + timer.left_s, "running"
            self.store.save_timer(timer)
        self._wake.set()
        return timer

    def add_time(self, timer: Timer, seconds: int) -> Timer:
        """Add time to a timer (a ringing one starts again with that time)."""
        with self._lock:
            if timer.state == "paused":
                timer.left_s += seconds
            elif timer.state == "ringing":
                timer.state, timer.ends_at = "running", self.now() + seconds
                self._ringing_since.pop(("timer", timer.id), None)
            else:
                timer.ends_at += seconds
            timer.duration_s += seconds
            self.store.save_timer(timer)
        self._wake.set()
        return timer

    def cancel(self, timer: Timer) -> None:
        """Remove a timer (stops its ring)."""
        with self._lock:
            self.store.delete_timer(timer.id)
            self._ringing_since.pop(("timer", timer.id), None)
        self._wake.set()

    # --- alarms ---

    def alarms(self) -> list[Alarm]:
        """Every alarm, soonest first."""
        return self.store.alarms()

    def add_alarm(self, hour: int, minute: int, repeat: str, weekday: int, at: float, language: str) -> Alarm:
        """Set an alarm whose first ring is at `at` (epoch s)."""
        with self._lock:
            alarm = self.store.add_alarm(hour, minute, repeat, weekday, at, language)
        self._wake.set()
        return alarm

    def cancel_alarm(self, alarm: Alarm) -> None:
        """Remove an alarm."""
        with self._lock:
            self.store.delete_alarm(alarm.id)
            self._ringing_since.pop(("alarm", alarm.id), None)
        self._wake.set()

    def snooze(self, alarm: Alarm, seconds: int) -> Alarm:
        """Ring again in seconds."""
        with self._lock:
            alarm.state, alarm.next_at = "snoozed", self.now() + seconds
            self.store.save_alarm(alarm)
            self._ringing_since.pop(("alarm", alarm.id), None)
        self._wake.set()
        return alarm

    def stop_alarm(self, alarm: Alarm) -> Alarm | None:
        """Stop a ringing alarm: a repeating one waits for its next time (returned), a one-off one is removed."""
        with self._lock:
            self._ringing_since.pop(("alarm", alarm.id), None)
            if not alarm.repeat:
                self.store.delete_alarm(alarm.id)
                self._wake.set()
                return None
            alarm.state, alarm.next_at = "set", self._next(alarm, self.now())
            self.store.save_alarm(alarm)
        self._wake.set()
        return alarm

    def user_stopped(self) -> None:
        """The ring was stopped through the player ("stop"): the next tick ends what rang. Takes no lock, so the
        player's listener (which runs under the player's own lock) cannot deadlock with a tick."""
        self._user_stop.set()
        self._wake.set()

    def stop_ringing(self) -> int:
        """The user said stop: every ringing timer is done, every ringing alarm stopped. How many were ringing."""
        with self._lock:
            ringing = [t for t in self.store.timers() if t.state == "ringing"]
            alarms = [a for a in self.store.alarms() if a.state == "ringing"]
            for timer in ringing:
                self.cancel(timer)
            for alarm in alarms:
                self.stop_alarm(alarm)
            if self.ringer is not None:
                self.ringer.silence()
            return len(ringing) + len(alarms)

    # --- ringing ---

    def tick(self, *, starting: bool = False) -> None:
        """Ring what is due, end rings nobody stopped, say what was missed; called about once a second."""
        with self._lock:
            wall, mono = self.clock.wall(), self.clock.monotonic()
            jump = self._check_jump(wall, mono)
            if self._user_stop.is_set():
                self._user_stop.clear()
                self.stop_ringing()
            events: list[Event] = []
            ringing = False
            for timer in self.store.timers():
                ringing |= self._tick_timer(timer, wall, mono, events)
            for alarm in self.store.alarms():
                ringing |= self._tick_alarm(alarm, wall, mono, jump, starting, events)
            if self.ringer is not None:
                self.ringer.ring() if ringing else self.ringer.silence()
            if mono - self._heartbeat_at >= HEARTBEAT_S:
                self.store.put("last_seen", wall)
                self._heartbeat_at = mono
        for event in events:
            self.tell(event)

    def _tick_timer(self, timer: Timer, wall: float, mono: float, events: list[Event]) -> bool:
        """One timer's tick; True while it rings."""
        key = ("timer", timer.id)
        if timer.state == "running" and timer.ends_at <= wall:
            late = wall - timer.ends_at
            if late > LATE_RING_S:
                log.info("clock: timer %d ended %.0f s ago, while the assistant was off", timer.id, late)
                self.store.delete_timer(timer.id)
                events.append(Event("timer_missed", timer.language, timer=timer, late_s=late))
                return False
            timer.state = "ringing"
            self.store.save_timer(timer)
            events.append(Event("timer_done", timer.language, timer=timer))
        if timer.state != "ringing":
            return False
        since = self._ringing_since.setdefault(key, mono)  # a full minute from when this process started it
        if mono - since >= self.ring_s:
            log.info("clock: timer %d rang %.0f s and nobody stopped it", timer.id, self.ring_s)
            self.store.delete_timer(timer.id)
            self._ringing_since.pop(key, None)
            return False
        return True

    def _tick_alarm(
        self, alarm: Alarm, wall: float, mono: float, jump: float, starting: bool, events: list[Event]
    ) -> bool:
        """One alarm's tick; True while it rings."""
        key = ("alarm", alarm.id)
        if alarm.state in ("set", "snoozed") and alarm.next_at <= wall:
            late = wall - alarm.next_at
            if late > LATE_RING_S:
                # Skipped by a forward jump just now, or due while the assistant was off (or stalled).
                kind = "alarm_missed_jump" if jump > 0 and late <= jump + JUMP_S and not starting else "alarm_missed"
                log.warning(
                    "clock: alarm %d at %02d:%02d was missed by %.0f s", alarm.id, alarm.hour, alarm.minute, late
                )
                events.append(Event(kind, alarm.language, alarm=alarm, late_s=late if kind == "alarm_missed" else jump))
                self._after_ring(alarm, wall)
                return False
            alarm.state = "ringing"
            self.store.save_alarm(alarm)
            events.append(Event("alarm", alarm.language, alarm=alarm))
        if alarm.state != "ringing":
            return False
        since = self._ringing_since.setdefault(key, mono)  # a full minute from when this process started it
        if mono - since >= self.ring_s:
            log.info("clock: alarm %d rang %.0f s and nobody stopped it", alarm.id, self.ring_s)
            self._ringing_since.pop(key, None)
            self._after_ring(alarm, wall)
            return False
        return True

    def _after_ring(self, alarm: Alarm, wall: float) -> None:
        """A one-off alarm is done; a repeating one waits for its next time."""
        if alarm.repeat:
            alarm.state, alarm.next_at = "set", self._next(alarm, wall)
            self.store.save_alarm(alarm)
        else:
            self.store.delete_alarm(alarm.id)

    # --- running in the background ---

    def start(self, *, thread: bool = True) -> None:
        """Begin ringing: check the clock against the last run, say what was missed, then tick in a thread."""
        with self._lock:
            if self.started:
                return
            self.started = True
            wall = self.clock.wall()
            last_seen = self.store.get("last_seen")
            if last_seen is not None and wall < last_seen - JUMP_S:
                self._clock_behind(wall, last_seen)
        self.tick(starting=True)
        if thread:
            self._thread = threading.Thread(target=self._run, name="clock-engine", daemon=True)
            self._thread.start()

    def _clock_behind(self, wall: float, last_seen: float) -> None:
        """The wall clock is behind the last time we ran: it is wrong. Timers keep what they had left then."""
        behind = last_seen - wall
        log.warning(
            "clock: the wall clock is %.0f s behind the last time the assistant ran; it is probably wrong", behind
        )
        timers = self.store.timers()
        for timer in timers:
            if timer.state == "running":
                timer.ends_at = wall + max(0.0, timer.ends_at - last_seen)
                self.store.save_timer(timer)
        alarms = self.store.alarms()
        if timers or alarms:
            language = alarms[0].language if alarms else timers[0].language
            self.tell(Event("clock_behind", language, late_s=behind))

    def wake(self) -> None:
        """Tick now (something changed)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # a bad row or a full disk must not end the ringing for good
                log.exception("clock: tick failed")
            self._wake.wait(self._wait_s())
            self._wake.clear()

    def _wait_s(self) -> float:
        """Until the next thing is due, at most TICK_S."""
        wall = self.clock.wall()
        due = [t.ends_at for t in self.store.timers() if t.state == "running"]
        due += [a.next_at for a in self.store.alarms() if a.state != "ringing"]
        return max(0.01, min([TICK_S] + [at - wall for at in due]))

    def close(self) -> None:
        """Stop ticking, write last_seen, silence the ring, close the store (Assistant.close() calls this)."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        if self.started:
            self.store.put("last_seen", self.clock.wall())
        if self.ringer is not None:
            self.ringer.silence()
        self.store.close()
