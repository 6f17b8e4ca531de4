"""Per-turn traces in SQLite: transcript, route, tokens, call, reply, stage timings, errors and user feedback."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at REAL NOT NULL,
    source TEXT NOT NULL,
    audio_ms REAL,
    transcript TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'en',
    path TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    generated_tokens INTEGER NOT NULL DEFAULT 0,
    call TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '{}',
    reply TEXT NOT NULL DEFAULT '',
    timings TEXT NOT NULL DEFAULT '{}',
    over_budget TEXT NOT NULL DEFAULT '',
    errors TEXT NOT NULL DEFAULT '',
    feedback TEXT NOT NULL DEFAULT '',
    corrected_call TEXT NOT NULL DEFAULT '',
    audio_path TEXT NOT NULL DEFAULT ''
);
"""
ADDED_COLUMNS = {"confidence": "REAL NOT NULL DEFAULT 1.0"}
"""Columns newer than the table above: added when a store is opened, to a new table and to one an older version
wrote alike, so each is defined once."""


@dataclass
class TurnRecord:
    """One turn as stored."""

    transcript: str
    """What was heard or typed."""
    call: str
    """The call chosen, canonical text."""
    path: str
    """"fast", "llm" or "none"."""
    source: str = "text"
    """"text", "wav" or "mic"."""
    language: str = "en"
    """Language of the request."""
    audio_ms: float | None = None
    """Length of the utterance audio, when there was audio."""
    prompt_tokens: int = 0
    """Tokens the model evaluated."""
    generated_tokens: int = 0
    """Tokens the model generated."""
    confidence: float = 1.0
    """The model's mean token probability for its call (1.0 on the fast path)."""
    result: dict[str, Any] = field(default_factory=dict)
    """The skill's structured data."""
    reply: str = ""
    """The sentence spoken."""
    timings: dict[str, float] = field(default_factory=dict)
    """Stage name to milliseconds (route_ms, skill_ms, stt_ms, ...)."""
    over_budget: list[str] = field(default_factory=list)
    """Stages that went over their budget."""
    errors: str = ""
    """Error text, if any stage failed."""
    audio_path: str = ""
    """Saved utterance audio, if kept."""
    started_at: float = field(default_factory=time.time)
    """Unix time the turn started."""
    id: int | None = None
    """Row id once stored."""
    feedback: str = ""
    """User feedback ("wrong", "good")."""
    corrected_call: str = ""
    """The call it should have been, from the user."""


class TraceStore:
    """SQLite store of turns; safe to open from several processes (WAL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(turns)")}
        with self.db:
            for name, kind in ADDED_COLUMNS.items():
                if name not in have:  # an older store keeps its turns and gains the column
                    self.db.execute(f"ALTER TABLE turns ADD COLUMN {name} {kind}")

    def add(self, turn: TurnRecord) -> int:
        """Store a turn and return its id."""
        row = asdict(turn)
        row.pop("id")
        row["result"] = json.dumps(row["result"], ensure_ascii=False, default=str)
        row["timings"] = json.dumps(row["timings"])
        row["over_budget"] = ",".join(row["over_budget"])
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self.db:
            cursor = self.db.execute(f"INSERT INTO turns ({columns}) VALUES ({marks})", list(row.values()))
        turn.id = int(cursor.lastrowid or 0)
        return turn.id

    def recent(self, limit: int = 20, *, slow_only: bool = False) -> list[TurnRecord]:
        """The newest turns first; slow_only keeps those over a budget."""
        where = "WHERE over_budget != ''" if slow_only else ""
        rows = self.db.execute(f"SELECT * FROM turns {where} ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [self._record(row) for row in rows]

    def get(self, turn_id: int) -> TurnRecord | None:
        """One turn by id."""
        row = self.db.execute("SELECT * FROM turns WHERE id = ?", (turn_id,)).fetchone()
        return self._record(row) if row else None

    def mark(self, turn_id: int, feedback: str, corrected_call: str = "") -> bool:
        """Record user feedback (and the call it should have been); False when the turn does not exist."""
        with self.db:
            cursor = self.db.execute(
                "UPDATE turns SET feedback = ?, corrected_call = ? WHERE id = ?", (feedback, corrected_call, turn_id)
            )
        return cursor.rowcount == 1

    def amend(
        self,
        turn_id: int,
        *,
        timings: dict[str, float] | None = None,
        over_budget: list[str] | None = None,
        audio_ms: float | None = None,
        audio_path: str | None = None,
        errors: str | None = None,
    ) -> bool:
        """Add what is known only after the reply (TTS first audio, end-to-end times); timings are merged."""
        turn = self.get(turn_id)
        if turn is None:
            return False
        values: dict[str, Any] = {}
        if timings:
            values["timings"] = json.dumps({**turn.timings, **timings})
        if over_budget is not None:
            values["over_budget"] = ",".join(over_budget)
        if audio_ms is not None:
            values["audio_ms"] = audio_ms
        if audio_path is not None:
            values["audio_path"] = audio_path
        if errors is not None:
            values["errors"] = errors
        if values:
            assignments = ", ".join(f"{column} = ?" for column in values)
            with self.db:
                self.db.execute(f"UPDATE turns SET {assignments} WHERE id = ?", [*values.values(), turn_id])
        return True

    def corrections(self) -> list[tuple[str, str]]:
        """(transcript, corrected call) pairs the user gave: training data for fine-tuning."""
        rows = self.db.execute("SELECT transcript, corrected_call FROM turns WHERE corrected_call != ''").fetchall()
        return [(r[0], r[1]) for r in rows]

    def _record(self, row: tuple[Any, ...]) -> TurnRecord:
        names = [d[0] for d in self.db.execute("SELECT * FROM turns LIMIT 0").description]
        data = dict(zip(names, row, strict=True))
        data["result"] = json.loads(data["result"] or "{}")
        data["timings"] = json.loads(data["timings"] or "{}")
        data["over_budget"] = [s for s in data["over_budget"].split(",") if s]
        return TurnRecord(**data)

    def close(self) -> None:
        """Close the database."""
        self.db.close()
