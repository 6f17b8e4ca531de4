"""The kitchen clock: timers, alarms, the time and the date.

- timers.py, alarms.py, now.py: the skills (set_timer, timer_control, set_alarm, alarm_control, current_time,
  current_date);
- spoken.py: durations and times of day as people say them, in every language the assistant hears;
- phrases.py and locales/: what the skills say;
- engine.py: rings timers and alarms on time, through restarts and clock jumps; store.py: them on disk (SQLite);
- ring.py: the ring tone, played over the music by the music player; wiring.py: one engine per assistant.
"""

from skills.clock import alarms, now, phrases, timers

# In the order the router's prompt lists them (Registry.from_modules keeps the module's order).
set_timer = timers.set_timer
timer_control = timers.timer_control
set_alarm = alarms.set_alarm
alarm_control = alarms.alarm_control
current_time = now.current_time
current_date = now.current_date

MESSAGES = phrases.MESSAGES
"""The clock skills' sentences (locales/<language>.json), where the language checks look for a skill's catalogue."""

__all__ = ["alarm_control", "current_date", "current_time", "set_alarm", "set_timer", "timer_control"]
