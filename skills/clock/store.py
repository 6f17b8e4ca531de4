"""Timers and alarms on disk: one SQLite file, every change one transaction, so a restart or kill -9 loses nothing.

SQLite rather than a JSON file renamed into place: several processes use the file at once (the live loop rings,
`assistant ask` sets a timer from a terminal), and its transactions make each change whole or absent after a
crash. WAL with synchronous=FULL: a committed change survives a power cut too (a Pi is often unplugged), and
readers never wait for the writer. Times are wall-clock epoch seconds, the only clock that outlives the process;
engine.py says how they are read after a restart or a clock jump.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, fields
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS timers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    duration_s INTEGER NOT NULL,
    state TEXT NOT NULL,
    ends_at REAL NOT NULL,
    left_s REAL NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT 'en'
);
CREATE TABLE IF NOT EXISTS alarms (
    id INTEGER PRIMARY KEY,
    hour INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    repeat TEXT NOT NULL DEFAULT '',
    weekday INTEGER NOT NULL DEFAULT -1,
    state TEXT NOT NULL,
    next_at REAL NOT NULL,
    language TEXT NOT NULL DEFAULT 'en'
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value REAL NOT NULL);
"""


@dataclass
class Timer:
    """A countdown."""

    id: int
    """Row id; also the order timers were set in."""
    name: str
    """What the user called it ("pasta"), "" when unnamed."""
    duration_s: int
    """The duration it was set for (plus time added), for its name in replies ("the 10 minute timer")."""
    state: str
    """ "running", "paused" or "ringing"."""
    ends_at: float
    """Running: the wall-clock time (epoch s) it ends; ringing: when it ended. Unused while paused."""
    left_s: float
    """Paused: the seconds it had left (a paused timer needs no clock at all)."""
    language: str
    """Language of the request that set it: the one its announcements are spoken in."""


@dataclass
class Alarm:
    """An alarm at a time of day, once or repeating."""

    id: int
    """Row id."""
    hour: int
    """Hour of the day, 0-23, in the configured time zone."""
    minute: int
    """Minute, 0-59."""
    repeat: str
    """ "" (once), "daily", "weekdays", "weekends" or "weekly"."""
    weekday: int
    """For "weekly" and one-off weekday alarms: Monday 0 to Sunday 6; -1 otherwise."""
    state: str
    """ "set", "snoozed" (rings again at next_at) or "ringing" (since next_at)."""
    next_at: float
    """Wall-clock time (epoch s) of the next ring, or when it started ringing."""
    language: str
    """Language of the request that set it."""


class Store:
    """The timers and alarms of one assistant, in data_dir/clock.sqlite."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def _write(self, sql: str, args: tuple[object, ...] = ()) -> int:
        """Run one statement in its own transaction; the new row id."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(sql, args)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return int(cursor.lastrowid or 0)

    def timers(self) -> list[Timer]:
        """Every timer, oldest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_columns(Timer)} FROM timers ORDER BY id").fetchall()
        return [Timer(*row) for row in rows]

    def alarms(self) -> list[Alarm]:
        """Every alarm, soonest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT {_columns(Alarm)} FROM alarms ORDER BY next_at, id").fetchall()
        return [Alarm(*row) for row in rows]

    def add_timer(self, name: str, duration_s: int, ends_at: float, language: str) -> Timer:
        """A new running timer."""
        row = self._write(
            "INSERT INTO timers (name, duration_s, state, ends_at, language) VALUES (?, ?, 'running', ?, ?)",
            (name, duration_s, ends_at, language),
        )
        return Timer(row, name, duration_s, "running", ends_at, 0.0, language)

    def add_alarm(self, hour: int, minute: int, repeat: str, weekday: int, next_at: float, language: str) -> Alarm:
        """A new alarm."""
        row = self._write(
            "INSERT INTO alarms (hour, minute, repeat, weekday, state, next_at, language)"
            " VALUES (?, ?, ?, ?, 'set', ?, ?)",
            (hour, minute, repeat, weekday, next_at, language),
        )
        return Alarm(row, hour, minute, repeat, weekday, "set", next_at, language)

    def save_timer(self, timer: Timer) -> None:
        """Write a changed timer back."""
        self._write(
            "UPDATE timers SET name=?, duration_s=?, state=?, ends_at=?, left_s=? WHERE id=?",
            (timer.name, timer.duration_s, timer.state, timer.ends_at, timer.left_s, timer.id),
        )

    def save_alarm(self, alarm: Alarm) -> None:
        """Write a changed alarm back."""
        self._write(
            "UPDATE alarms SET state=?, next_at=? WHERE id=?",
            (alarm.state, alarm.next_at, alarm.id),
        )

    def delete_timer(self, timer_id: int) -> bool:
        """Remove a timer; False when it was already gone (another process, or the ring ended meanwhile)."""
        with self._lock:
            return self._db.execute("DELETE FROM timers WHERE id=?", (timer_id,)).rowcount > 0

    def delete_alarm(self, alarm_id: int) -> bool:
        """Remove an alarm; False when it was already gone."""
        with self._lock:
            return self._db.execute("DELETE FROM alarms WHERE id=?", (alarm_id,)).rowcount > 0

    def get(self, key: str) -> float | None:
        """A bookkeeping value ("last_seen")."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else float(row[0])

    def put(self, key: str, value: float) -> None:
        """Set a bookkeeping value."""
        self._write(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


def _columns(cls: type) -> str:
    return ", ".join(f.name for f in fields(cls))
