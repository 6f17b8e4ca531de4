"""Turn latency over Wyoming, as Home Assistant's voice pipeline drives a server: `assistant serve` in its own process,
spoken commands (Piper WAVs) sent as Transcribe + audio, then the transcript as a conversation Transcript, then the
reply as Synthesize. Each stage is timed from the moment its request is complete:

- stt_ms: AudioStop sent → Transcript back (the audio itself is sent at once, not paced);
- handle_ms: Transcript sent → Handled back (router + skill);
- tts_first_audio_ms: Synthesize sent → first AudioChunk back; tts_ms: → AudioStop;
- turn_ms = stt_ms + handle_ms + tts_first_audio_ms: end of speech to the first sound of the answer, less what Home
  Assistant itself adds between the stages.

    python -m assistant.evaluation.bench_wyoming [--repeats 3] [--no-llm] [--json]

The commands need no network (weather and news would time the network, not the assistant).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.config import Config, load_config
from assistant.evaluation.bench_voice import percentile, spoken_commands

COMMANDS: list[tuple[str, str]] = [
    ("what is twelve times seven", 'calculate(expression="12*7")'),
    ("how much is three hundred divided by four", 'calculate(expression="300/4")'),
    ("set the volume to five", "set_volume(level=5)"),
    ("pause the music", 'music_control(action="pause")'),
    ("next song please", 'music_control(action="next")'),
    ("play baby shark", 'play_music(query="baby shark")'),
]
"""Network-free commands across the skills."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _one_turn(port: int, wav: Path) -> dict[str, Any]:
    """One command through the three requests Home Assistant makes; stage timings and what came back."""
    from wyoming.asr import Transcribe, Transcript
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncTcpClient
    from wyoming.handle import Handled, NotHandled
    from wyoming.tts import Synthesize

    from assistant.service.wire import pcm16
    from assistant.voice.audio import read_wav

    pcm = pcm16(read_wav(wav))
    fmt = {"rate": 16000, "width": 2, "channels": 1}
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(**fmt).event())
        for start in range(0, len(pcm), 2048):
            await client.write_event(AudioChunk(**fmt, audio=pcm[start : start + 2048]).event())
        sent = time.perf_counter()
        await client.write_event(AudioStop().event())
        while (event := await client.read_event()) is not None and not Transcript.is_type(event.type):
            pass
        stt_ms = (time.perf_counter() - sent) * 1000
        text = Transcript.from_event(event).text if event is not None else ""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        sent = time.perf_counter()
        await client.write_event(Transcript(text=text, language="en").event())
        while (event := await client.read_event()) is not None:
            if Handled.is_type(event.type) or NotHandled.is_type(event.type):
                break
        handle_ms = (time.perf_counter() - sent) * 1000
        reply = (event.data.get("text") or "") if event is not None else ""
        call = (event.data.get("context") or {}).get("call", "") if event is not None else ""
    first_ms = 0.0
    async with AsyncTcpClient("127.0.0.1", port) as client:
        sent = time.perf_counter()
        await client.write_event(Synthesize(text=reply).event())
        while (event := await client.read_event()) is not None and not AudioStop.is_type(event.type):
            if AudioChunk.is_type(event.type) and not first_ms:
                first_ms = (time.perf_counter() - sent) * 1000
        tts_ms = (time.perf_counter() - sent) * 1000
    return {
        "transcript": text,
        "call": call,
        "reply": reply,
        "stt_ms": stt_ms,
        "handle_ms": handle_ms,
        "tts_first_audio_ms": first_ms,
        "tts_ms": tts_ms,
        "turn_ms": stt_ms + handle_ms + first_ms,
    }


def wyoming_bench(config: Config, *, repeats: int = 3, llm: bool = True) -> dict[str, Any]:
    """Start `assistant serve`, warm it up, run COMMANDS repeats times; p50/p95 per stage and the calls right."""
    folder = Path(tempfile.mkdtemp(prefix="bench-wyoming-"))
    commands = spoken_commands(config.data_path / "bench" / "spoken", config, COMMANDS)
    port = _free_port()
    config_file = folder / "config.toml"
    config_file.write_text(Path(config.source).read_text() if Path(config.source).is_file() else "")
    command = [sys.executable, "-m", "assistant.cli", "--config", str(config_file), "serve", "--no-zeroconf"]
    command += ["--uri", f"tcp://127.0.0.1:{port}"] + ([] if llm else ["--no-llm"])
    server = subprocess.Popen(command, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert server.stderr is not None
        for line in server.stderr:  # "assistant: serving Wyoming on ..." once the models are loaded
            if b"serving Wyoming" in line:
                break
        else:
            raise RuntimeError("assistant serve ended before serving")
        asyncio.run(_one_turn(port, commands[0][2]))  # warm-up: first inferences allocate; the LLM loads lazily
        turns = [
            asyncio.run(_one_turn(port, wav)) | {"want": call} for _ in range(repeats) for _, call, wav in commands
        ]
    finally:
        server.terminate()
        server.wait(30)
    stages = ("stt_ms", "handle_ms", "tts_first_audio_ms", "tts_ms", "turn_ms")
    result: dict[str, Any] = {
        f"wyoming_{stage[:-3]}_p{q}_ms": round(percentile([t[stage] for t in turns], q), 1)
        for stage in stages
        for q in (50, 95)
    }
    result["wyoming_turns"] = len(turns)
    wrong = [t for t in turns if t["call"].lower() != t["want"].lower()]
    result["wyoming_calls_right"] = len(turns) - len(wrong)
    result["wyoming_wrong"] = sorted({f"{t['transcript']!r} -> {t['call']} (want {t['want']})" for t in wrong})
    result["wyoming_per_command_turn_p50_ms"] = {
        text: round(percentile([t["turn_ms"] for t in turns if t["want"] == call], 50), 1) for text, call, _ in commands
    }
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: print the results (one JSON line with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="config file (default ~/.config/assistant/config.toml)")
    parser.add_argument("--repeats", type=int, default=3, help="times each command is measured")
    parser.add_argument("--no-llm", action="store_true", help="fast path only")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args(argv)
    result = wyoming_bench(load_config(args.config), repeats=args.repeats, llm=not args.no_llm)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:34} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
