"""The soak, short: turns through the live loop and a real Wyoming server fail none; kill -9 mid-turn loses nothing.

The 1,000-turn soak is a benchmark (`assistant bench --section soak`); these run a cycle of the commands.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.config import Config, load_config
from assistant.evaluation.soak import COMMANDS, PlaylistSource, make_files, soak_bench, summarize, write_config
from assistant.trace import TraceStore
from skills.music.library import History

pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/espeak-ng") and not os.path.exists("/usr/local/bin/espeak-ng"),
    reason="espeak-ng is needed",
)


def test_the_playlist_plays_each_file_then_ends(tmp_path):
    files = make_files(tmp_path)["plain"][:2]
    seen: list[int] = []
    source = PlaylistSource(files, 3, on_file=seen.append)
    total = 0
    with pytest.raises(EOFError):
        while True:
            total += len(source.read(512))
    assert seen == [0, 1, 2] and total > 3 * 16000


def test_summary_counts_wrong_calls_and_memory_growth():
    from assistant.evaluation.soak import TurnResult

    results = [TurnResult(i, "x()", call="x()", outcome="answered", latency_ms=100 + i, rss_mb=100 + i / 10)
               for i in range(100)]  # fmt: skip
    results[50].call = "none()"
    summary = summarize(results)
    assert summary.failed == 1 and "#50" in summary.failures[0]
    assert summary.rss_after_warmup_mb == 100.9 and summary.rss_end_mb == 109.9
    assert summary.start_p50_ms == 104.5 and summary.end_p50_ms == 194.5


@pytest.mark.model
@pytest.mark.slow
def test_a_short_soak_fails_no_turn_on_either_path(tmp_path):
    config = Config(data_dir=str(tmp_path / "data"))
    result = soak_bench(config, turns=len(COMMANDS), llm=False)
    for path in ("live", "wyoming"):
        failures = result[f"soak_{path}_failures"]
        assert all(": answered " in failure for failure in failures), failures  # every command got its turn
        # Whisper hears a command differently from run to run where the live endpointer's cut moves with timing
        # ("resume the music" -> "Present the music."; 2026-12-06, about one run in three): one misheard
        # command of the seven is noise, two are a regression.
        assert len(failures) <= 1, failures
    assert result["soak_live_end_p50_ms"] > 0 and result["soak_wyoming_end_p50_ms"] > 0


def _stores(folder: Path) -> tuple[int, int]:
    """(trace rows, plays in the history), after checking both stores are whole."""
    traces = folder / "data" / "traces.sqlite"
    with sqlite3.connect(traces) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = TraceStore(traces)
    rows = len(store.recent(100000))
    store.close()
    history_files = list((folder / "data").rglob("history.json"))
    plays = 0
    for path in history_files:
        history = History(path)
        assert history.recovered_from == "", f"{path} was damaged"
        plays += sum(int(v["count"]) for v in history.plays.values())
    return rows, plays


@pytest.mark.model
@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_turn_loses_no_history_no_traces_no_configuration(tmp_path):
    folder = tmp_path / "soak"
    make_files(folder)
    config_path = write_config(folder, Config(), llm=False)
    config_bytes = config_path.read_bytes()
    before = (0, 0)
    plays_seen = 0
    play_index = next(i for i, (_text, call) in enumerate(COMMANDS) if call.startswith("play_music"))
    for round_, delay_s in enumerate((0.0, 0.7)):
        command = [sys.executable, "-m", "assistant.evaluation.soak", "--events", str(folder), "--turns", "60"]
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ended = 0
        assert child.stdout is not None
        deadline = time.monotonic() + 180
        for line in child.stdout:
            event = json.loads(line)
            if event["event"] == "end":
                ended += 1
            # A play after the first round, once the history on disk has counted one (a misheard command or a busy
            # machine can leave the first round without a counted play): a new turn is under way.
            play_starts = event["event"] == "start" and event["index"] % len(COMMANDS) == play_index
            if play_starts and ended > len(COMMANDS) and _stores(folder)[1] > before[1]:
                time.sleep(delay_s)
                break
            assert time.monotonic() < deadline, "the child made no progress"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
        rows, plays = _stores(folder)
        assert rows >= before[0] + ended, (
            f"round {round_}: {ended} turns ended but the store grew by {rows - before[0]}"
        )
        assert plays >= before[1] + 1, f"round {round_}: a play finished but the history did not count it"
        plays_seen += 1
        before = (rows, plays)
        assert config_path.read_bytes() == config_bytes
        assert load_config(config_path).audio.wake_word == "alexa"
    assert plays_seen == 2
