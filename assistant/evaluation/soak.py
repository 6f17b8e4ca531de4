"""Soak test: many turns from WAV files through the live loop and through the Wyoming server, as a board runs for
months. `assistant bench --section soak` (1,000 turns per path) or `python -m assistant.evaluation.soak`.

Live path: one VoiceLoop, built once, hears a playlist of spoken commands (each preceded by the wake word, Piper's
voice) from a source that plays WAV files back to back, exactly as the microphone would feed it. Wyoming path: a real
`assistant serve` process on 127.0.0.1, asked as Home Assistant asks (speech to text, the conversation agent, text
to speech: three connections a turn) by the wyoming client library; its memory is read from /proc.

Reported per path: failed turns (no answer, an error, or another call than the command's), resident memory after
warm-up (the first tenth of the turns) and at the end, and turn latency p50/p95 over the first and the last tenth.
Music plays for real through a null output, traces go to SQLite and the play history to its JSON file, so the
stores grow as on a board.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Config, load_config
from assistant.errors import AssistantError
from assistant.voice.audio import SAMPLE_RATE_HZ, read_wav, write_wav

COMMANDS = (
    ("what is twelve times seven", 'calculate(expression="12*7")'),
    ("play baby shark", 'play_music(query="baby shark")'),
    ("set the volume to five", "set_volume(level=5)"),
    ("pause the music", 'music_control(action="pause")'),
    ("resume the music", 'music_control(action="resume")'),
    ("what is two plus two", 'calculate(expression="2+2")'),
    ("turn off the music", 'music_control(action="stop")'),
)
"""The spoken commands, in playing order, and the call each must lead to (music starts, pauses, resumes, stops)."""
WAKE_WORD = "alexa"
"""The live path's wake word (the shipped model with the best measured recall; see bench_wake)."""
GAP_MS = 1500
"""Silence after each command file: the endpoint falls inside it."""


@dataclass
class TurnResult:
    """One command of the playlist, as the path answered it."""

    index: int
    """Position in the run (0-based)."""
    expected: str
    """The call the command must lead to."""
    call: str = ""
    """The call made ("" when none)."""
    transcript: str = ""
    """What was heard."""
    outcome: str = "missing"
    """"answered", "error", "missing" (no turn for this command)..."""
    latency_ms: float = 0.0
    """End of speech (live) or first request sent (Wyoming) to the reply synthesised."""
    rss_mb: float = 0.0
    """Resident memory of the serving process after the turn."""

    @property
    def ok(self) -> bool:
        """Answered with the expected call."""
        return self.outcome == "answered" and self.call == self.expected


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of a process (this one by default) in MB, from /proc."""
    try:
        status = Path(f"/proc/{pid or 'self'}/status").read_text(encoding="utf-8")
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- the playlist --------------------------------------------------------------------------------------------------


def make_files(folder: Path) -> dict[str, list[Path]]:
    """Spoken command WAVs (with and without the wake word before them) and a music folder, made once per folder."""
    from assistant.evaluation.wake_audio import Voices

    voices = Voices()
    voice = "piper:joe@1.0" if "piper:joe@1.0" in voices.names() else "espeak:en-us@160"
    files: dict[str, list[Path]] = {"wake": [], "plain": []}
    pause = np.zeros(int(0.5 * SAMPLE_RATE_HZ), np.float32)
    for i, (text, _call) in enumerate(COMMANDS):
        plain, woken = folder / f"command-{i}.wav", folder / f"wake-command-{i}.wav"
        if not plain.exists() or not woken.exists():
            said = voices.say(text, voice)
            write_wav(plain, said)
            write_wav(woken, np.concatenate([voices.say(WAKE_WORD.capitalize() + ".", voice), pause, said]))
        files["plain"].append(plain)
        files["wake"].append(woken)
    music = folder / "music" / "Baby Shark.wav"
    if not music.exists():
        # One second long: it plays to its end within a turn or two, so each play is counted in the history file.
        t = np.arange(SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
        write_wav(music, (0.2 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 2 * t)) / 2).astype(np.float32))
    return files


class PlaylistSource:
    """An AudioSource that plays WAV files one after another, each followed by GAP_MS of silence, count files in all."""

    def __init__(self, paths: list[Path], count: int, on_file: Callable[[int], None] | None = None) -> None:
        gap = np.zeros(SAMPLE_RATE_HZ * GAP_MS // 1000, np.float32)
        self.clips = [np.concatenate([read_wav(p), gap]) for p in paths]
        self.count = count
        self.on_file = on_file
        self.index = -1
        """The file being played (position in the run)."""
        self.buffer = np.zeros(0, np.float32)
        self.muted = False

    def read(self, n_samples: int, timeout_s: float | None = None) -> np.ndarray | None:
        """The next n_samples; EOFError after the last file."""
        while len(self.buffer) < n_samples:
            if self.index + 1 >= self.count:
                raise EOFError("end of the playlist")
            self.index += 1
            if self.on_file is not None:
                self.on_file(self.index)
            self.buffer = np.concatenate([self.buffer, self.clips[self.index % len(self.clips)]])
        chunk, self.buffer = self.buffer[:n_samples], self.buffer[n_samples:]
        return np.zeros(n_samples, np.float32) if self.muted else chunk

    def mute(self, muted: bool) -> None:
        """Like WavSource: the playlist goes on, heard as silence."""
        self.muted = muted

    def close(self) -> None:
        """Nothing to release."""


class DropSink:
    """A speaker that hears nothing: replies are synthesised (and timed) but not kept, so memory stays flat."""

    def play(self, audio: np.ndarray, rate_hz: int, stop: threading.Event) -> None:
        """Discard."""

    def close(self) -> None:
        """Nothing to release."""


def write_config(folder: Path, base: Config, *, llm: bool) -> Path:
    """A config file for both paths: data and music in folder, no sound device, the wake-word model."""
    text = "\n".join(
        [
            f"language = {json.dumps(base.language)}",
            f"data_dir = {json.dumps(str(folder / 'data'))}",
            "[audio]",
            'output_device = "null"',
            'trigger = "wake"',
            f'wake_engine = "micro"\nwake_word = "{WAKE_WORD}"',
            "[stt]",
            f"model = {json.dumps(base.stt.model)}",
            "[router]",
            f"llm = {'true' if llm else 'false'}",
            "[skills.play_music]",
            f"folder = {json.dumps(str(folder / 'music'))}",
            "",
        ]
    )
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the two paths -------------------------------------------------------------------------------------------------


def live_soak(
    config: Config, files: list[Path], turns: int, on_turn: Callable[[str, TurnResult], None] | None = None
) -> list[TurnResult]:
    """turns commands through one VoiceLoop (wake word model, Whisper, router, skills, Piper into a DropSink)."""
    from assistant.pipeline import build_assistant
    from assistant.voice.loop import StatusLine, VoiceLoop
    from assistant.voice.stt import registry_hotwords, stt_from_config
    from assistant.voice.tts import Speaker

    results = [TurnResult(i, COMMANDS[i % len(COMMANDS)][1]) for i in range(turns)]
    assistant = build_assistant(config, llm=config.router.llm)
    stt = stt_from_config(config, registry_hotwords(assistant) if config.stt.use_hotwords else ())
    speaker = Speaker(config, assistant.services, sink=DropSink())
    speaker.warm_up()
    stt.wait_ready()

    def started(index: int) -> None:
        if on_turn is not None:
            on_turn("start", results[index])

    source = PlaylistSource(files, turns, on_file=started)

    class Loop(VoiceLoop):
        def handle(self, utterance: Any, endpoint_at: float) -> Any:
            turn = super().handle(utterance, endpoint_at)
            result = results[min(source.index, turns - 1)]
            if result.outcome != "answered" and turn.outcome not in ("armed", "no_speech"):
                result.outcome, result.call, result.transcript = turn.outcome, turn.call, turn.transcript
                result.latency_ms = (time.perf_counter() - endpoint_at) * 1000
                result.rss_mb = rss_mb()
                if on_turn is not None:
                    on_turn("end", result)
            return turn

    loop = Loop(assistant, stt, speaker, source, status=StatusLine(quiet=True), source_name="wav")
    try:
        loop.run()
    finally:
        speaker.close()
        assistant.close()
    return results


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wyoming_soak(config_path: Path, files: list[Path], turns: int, *, llm: bool) -> list[TurnResult]:
    """turns commands through an `assistant serve` process: Transcribe + audio, Transcript, Synthesize per turn."""
    port = _free_port()
    command = [sys.executable, "-m", "assistant.cli", "--config", str(config_path), "serve"]
    command += ["--uri", f"tcp://127.0.0.1:{port}", "--no-zeroconf"] + ([] if llm else ["--no-llm"])
    log_path = config_path.parent / "serve.log"
    with log_path.open("w") as log_file:
        server = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, server, timeout_s=300.0, log_path=log_path)
        return asyncio.run(_wyoming_turns(port, server.pid, files, turns))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for_port(port: int, server: subprocess.Popen[bytes], *, timeout_s: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssistantError(f"soak: assistant serve exited ({server.returncode}); see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise AssistantError(f"soak: assistant serve did not listen within {timeout_s:.0f} s; see {log_path}")


async def _wyoming_turns(port: int, pid: int, files: list[Path], turns: int) -> list[TurnResult]:
    from wyoming.asr import Transcribe, Transcript
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncTcpClient
    from wyoming.tts import Synthesize

    from assistant.voice.wakeword import pcm16

    clips = [pcm16(read_wav(p)) for p in files]

    async def exchange(events: list[Any], *until: str) -> Any:
        async with AsyncTcpClient("127.0.0.1", port, connect_timeout=10, read_timeout=60) as client:
            for event in events:
                await client.write_event(event)
            while True:
                answer = await client.read_event()
                if answer is None or answer.type in (*until, "error"):
                    return answer

    results = []
    for i in range(turns):
        result = TurnResult(i, COMMANDS[i % len(COMMANDS)][1])
        pcm = clips[i % len(clips)]
        fmt = {"rate": SAMPLE_RATE_HZ, "width": 2, "channels": 1}
        audio = [AudioChunk(audio=pcm[k : k + 2048], **fmt).event() for k in range(0, len(pcm), 2048)]
        started = time.perf_counter()
        try:
            heard = await exchange([Transcribe(language="en").event(), AudioStart(**fmt).event(), *audio,
                                    AudioStop().event()], "transcript")  # fmt: skip
            if heard is None or heard.type != "transcript":
                raise AssistantError(f"no transcript ({heard.data if heard else 'closed'})")
            text = result.transcript = Transcript.from_event(heard).text
            handled = await exchange([Transcript(text=text).event()], "handled", "not-handled")
            if handled is None or handled.type not in ("handled", "not-handled"):
                raise AssistantError(f"no answer ({handled.data if handled else 'closed'})")
            spoken = await exchange([Synthesize(text=str(handled.data.get("text", ""))).event()], "audio-stop")
            if spoken is None or spoken.type != "audio-stop":
                raise AssistantError(f"no speech ({spoken.data if spoken else 'closed'})")
            result.outcome = "answered"
            result.call = str((handled.data.get("context") or {}).get("call", ""))
        except (TimeoutError, AssistantError, OSError) as error:
            result.outcome = f"error: {error}"
        result.latency_ms = (time.perf_counter() - started) * 1000
        result.rss_mb = rss_mb(pid)
        results.append(result)
    return results


# --- the report ----------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation as bench.percentile; NaN for no values."""
    return float(np.percentile(values, q)) if values else float("nan")


@dataclass
class Summary:
    """One path's figures."""

    turns: int
    """Commands played."""
    failed: int
    """Commands not answered with their call (0 expected)."""
    failures: list[str] = field(default_factory=list)
    """The first ten failures: position, outcome, call and transcript."""
    rss_after_warmup_mb: float = 0.0
    """Resident memory after the first tenth of the turns."""
    rss_end_mb: float = 0.0
    """Resident memory after the last turn."""
    rss_growth_pct: float = 0.0
    """Growth from warm-up to the end (under 5% expected)."""
    start_p50_ms: float = 0.0
    """Median turn latency over the first tenth."""
    start_p95_ms: float = 0.0
    """95th percentile over the first tenth."""
    end_p50_ms: float = 0.0
    """Median over the last tenth."""
    end_p95_ms: float = 0.0
    """95th percentile over the last tenth."""


def summarize(results: list[TurnResult]) -> Summary:
    """Failures, memory after the first tenth against the end, latency of the first and last tenth."""
    window = max(1, len(results) // 10)
    failed = [r for r in results if not r.ok]
    summary = Summary(
        len(results), len(failed), [f"#{r.index}: {r.outcome} {r.call!r} ({r.transcript!r})" for r in failed[:10]]
    )
    if not results:
        return summary
    warm = results[window - 1].rss_mb
    end = results[-1].rss_mb
    summary.rss_after_warmup_mb, summary.rss_end_mb = round(warm, 1), round(end, 1)
    summary.rss_growth_pct = round(100 * (end - warm) / warm, 2) if warm else float("nan")
    first = [r.latency_ms for r in results[:window] if r.ok]
    last = [r.latency_ms for r in results[-window:] if r.ok]
    summary.start_p50_ms, summary.start_p95_ms = round(percentile(first, 50), 1), round(percentile(first, 95), 1)
    summary.end_p50_ms, summary.end_p95_ms = round(percentile(last, 50), 1), round(percentile(last, 95), 1)
    return summary


def soak_bench(
    config: Config, *, turns: int = 1000, llm: bool = True, paths: tuple[str, ...] = ("live", "wyoming")
) -> dict[str, Any]:
    """Both paths, flat keys soak_<path>_<figure> (failed, rss_growth_pct, start/end p50/p95)."""
    folder = config.data_path / "soak"
    if (folder / "data").exists():
        shutil.rmtree(folder / "data")  # a fresh store each run; the synthesised files stay
    files = make_files(folder)
    config_path = write_config(folder, config, llm=llm)
    soak_config = load_config(config_path)
    out: dict[str, Any] = {"soak_turns": turns}
    for path in paths:
        started = time.perf_counter()
        if path == "live":
            results = live_soak(soak_config, files["wake"], turns)
        else:
            results = wyoming_soak(config_path, files["plain"], turns, llm=llm)
        summary = summarize(results)
        for key, value in vars(summary).items():
            if key != "turns":
                out[f"soak_{path}_{key}"] = value
        out[f"soak_{path}_wall_s"] = round(time.perf_counter() - started, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: the soak alone (JSON on stdout); --events prints a line per turn start and end (the kill test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="config file (its data_dir holds the soak folder)")
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--path", action="append", choices=["live", "wyoming"], help="only this path (repeatable)")
    parser.add_argument("--no-llm", action="store_true", help="fast path only")
    parser.add_argument("--events", metavar="FOLDER", help="live path on a prepared soak FOLDER, one line per event")
    args = parser.parse_args(argv)
    if args.events:
        folder = Path(args.events)
        files = make_files(folder)

        def event(kind: str, result: TurnResult) -> None:
            print(json.dumps({"event": kind, "index": result.index, "call": result.call}), flush=True)

        live_soak(load_config(folder / "config.toml"), files["wake"], args.turns, event)
        return 0
    config = load_config(args.config)
    paths = tuple(args.path or ("live", "wyoming"))
    print(json.dumps(soak_bench(config, turns=args.turns, llm=not args.no_llm, paths=paths), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    sys.exit(main())
