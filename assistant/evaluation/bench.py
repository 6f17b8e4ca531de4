"""`assistant bench`: stage latencies measured on this machine; with --json the last line is one JSON object.

Each section is a function (config, options) -> dict of results; the dicts are merged in SECTIONS order, so a
stage adds its numbers by appending one function. A section that cannot run (a missing model) reports
"<name>_error" and the others still run.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Config
from assistant.errors import AssistantError

LLM_UTTERANCES = (
    "will it be cold in paris on friday",
    "how hot does it get in cairo this weekend",
    "is it sunny in madrid",
    "should i bring a coat tomorrow",
    "put on some taylor swift",
    "i'd like to hear something by adele",
    "could you play hotel california",
    "some jazz would be nice",
    "skip to the next track",
    "this song is too loud",
    "hold the music for a second",
    "make the speaker volume three",
    "how much is fifteen times four",
    "what's 81 divided by 9",
    "anything new about the olympics",
    "what's going on in politics",
    "tell me today's headlines",
    "set an alarm for six thirty",
    "turn off the bedroom lights",
    "what's on my calendar today",
    "remind me to call mom",
    "how do you spell necessary",
    "order a large pizza",
    "who won the game last night",
    "good morning",
    "what's your name",
)
"""Requests written for this benchmark that the fast path does not take (mixed skills and none())."""


@dataclass(frozen=True)
class BenchOptions:
    """What to measure."""

    rounds: int = 3
    """Times each utterance is routed (after one warm-up pass)."""
    llm: bool = True
    """Measure the LLM path (loads the model)."""
    wake_minutes: float = 60.0
    """Minutes of non-wake talk and music the wake section counts false wakes on."""
    soak_turns: int = 1000
    """Turns the soak section runs through each path."""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _stats(prefix: str, values: list[float]) -> dict[str, float]:
    return {f"{prefix}_p50_ms": round(percentile(values, 50), 3), f"{prefix}_p95_ms": round(percentile(values, 95), 3)}


def bench_route(config: Config, options: BenchOptions) -> dict[str, Any]:
    """Route latency: the fast path on the skills' own example phrasings, the LLM path on LLM_UTTERANCES."""
    from assistant.registry import Registry
    from assistant.routing.router import Router

    registry = Registry.load([Path(d) for d in config.skill_dirs])
    fast_router = Router(registry)
    examples = [utterance for item in registry.skills.values() for utterance, _ in item.examples]
    fast_ms = []
    for _ in range(options.rounds + 1):
        for utterance in examples:
            route = fast_router.route(utterance)
            if route.path == "fast":
                fast_ms.append(route.timings_ms["route_ms"])
    result: dict[str, Any] = {**_stats("fast_route", fast_ms), "fast_route_n": len(fast_ms)}
    if not options.llm:
        return result
    from assistant.routing.llm import load_backend

    started = time.perf_counter()
    backend = load_backend(config, registry)
    result["llm_startup_ms"] = round((time.perf_counter() - started) * 1000, 1)
    router = Router(registry, backend, fast_path=config.router.fast_path)
    texts = [t for t in LLM_UTTERANCES if fast_router.matcher is None or fast_router.matcher.match(t) is None]
    context = {"date": time.strftime("%A %Y-%m-%d"), "time": time.strftime("%H:%M")}
    for text in texts:  # warm-up: first touches of the weights and caches
        router.route(text, context)
    route_ms: list[float] = []
    none_ms: list[float] = []
    call_ms: list[float] = []
    prompt_ms: list[float] = []
    generate_ms: list[float] = []
    per_prompt_token: list[float] = []
    per_decode: list[float] = []
    calls: list[str] = []
    for _ in range(options.rounds):
        for text in texts:
            route = router.route(text, context)
            if route.path != "llm" or route.error.startswith("LLM unavailable"):
                raise AssistantError(f"route bench: {route.error or 'the LLM path did not run'}")
            route_ms.append(route.timings_ms["route_ms"])
            (none_ms if route.call.name == "none" else call_ms).append(route.timings_ms["route_ms"])
            prompt_ms.append(route.timings_ms.get("llm_prompt_ms", 0.0))
            generate_ms.append(route.timings_ms.get("llm_generate_ms", 0.0))
            if route.prompt_tokens:
                per_prompt_token.append(route.timings_ms.get("llm_prompt_ms", 0.0) / route.prompt_tokens)
            decoded = getattr(backend, "last", None)
            if decoded is not None and decoded.evals > 1:
                per_decode.append(decoded.generate_ms / (decoded.evals - 1))
            calls.append(str(route.call))
    result.update(_stats("route", route_ms))
    result.update(_stats("route_skill_call", call_ms))  # LLM routes that chose a skill (more decoding than none())
    result.update(_stats("route_none", none_ms))
    result.update(
        {
            "route_n": len(route_ms),
            "route_skill_call_n": len(call_ms),
            "route_max_ms": round(max(route_ms), 3),
            "llm_prompt_p50_ms": round(percentile(prompt_ms, 50), 3),
            "llm_generate_p50_ms": round(percentile(generate_ms, 50), 3),
            "llm_prompt_ms_per_token": round(percentile(per_prompt_token, 50), 3),
            "llm_ms_per_decode": round(percentile(per_decode, 50), 3),
            "llm_backend": config.router.backend,
            "llm_calls_distinct": len(set(calls)),
        }
    )
    close = getattr(backend, "close", None)
    if callable(close):
        close()
    return result


def bench_listing(config: Config, options: BenchOptions) -> dict[str, Any]:
    """The skill listing with the built-ins and with about 30 skills (plus evals/unseen/skills, skills no training
    named): its size, the time to build it and to evaluate it as the cached prefix, and LLM route latency with it:
    for built-in requests, and for requests to the added skills (the skill reader asked too)."""
    from dataclasses import replace

    from assistant.evaluation.evaluate import EVALS_DIR
    from assistant.registry import Registry
    from assistant.routing.llm import load_backend, load_reader, prompt_mode, reader_adapter
    from assistant.routing.prompt import static_prefix
    from assistant.routing.router import Router

    result: dict[str, Any] = {}
    extra = EVALS_DIR / "unseen" / "skills"
    uncached = replace(config, data_dir=str(Path(config.data_path) / "bench-no-cache"))  # prefix evaluated, not loaded
    for label, dirs in (("builtin", []), ("30", [extra])):
        started = time.perf_counter()
        registry = Registry.load([*(Path(d) for d in config.skill_dirs), *dirs])
        prefix = static_prefix(registry, examples=prompt_mode(config.router) == "examples")
        build_ms = (time.perf_counter() - started) * 1000
        result[f"listing_{label}_skills"] = len(registry.skills)
        result[f"listing_{label}_build_ms"] = round(build_ms, 1)
        result[f"listing_{label}_chars"] = len(prefix)
        if not options.llm:
            continue
        started = time.perf_counter()
        backend = load_backend(uncached, registry)
        result[f"listing_{label}_startup_ms"] = round((time.perf_counter() - started) * 1000, 1)
        result[f"listing_{label}_tokens"] = getattr(backend, "prefix_len", None)
        reader = None
        if label == "30":
            if reader_adapter(config, registry) is not None:
                started = time.perf_counter()
                reader = load_reader(uncached, registry)
                result["reader_30_startup_ms"] = round((time.perf_counter() - started) * 1000, 1)
                result["reader_30_tokens"] = getattr(reader, "prefix_len", None)
            router = Router(registry, backend, fast_path=config.router.fast_path, reader=reader)
            matcher = router.matcher
            texts, added = (
                [t for t in requests if matcher is None or matcher.match(t) is None]
                for requests in (LLM_UTTERANCES, _added_skill_requests(EVALS_DIR / "unseen.jsonl"))
            )
            for text in texts + added:
                router.route(text)
            route_ms = [router.route(text).timings_ms["route_ms"] for _ in range(options.rounds) for text in texts]
            result.update(_stats("route_30_skills", route_ms))
            added_ms = [router.route(text).timings_ms["route_ms"] for _ in range(options.rounds) for text in added]
            result.update(_stats("route_30_added_skill", added_ms))
            result["route_30_added_skill_n"] = len(added_ms)
        for model in (backend, reader):
            close = getattr(model, "close", None)
            if callable(close):
                close()
    return result


def _added_skill_requests(path: Path, limit: int = 24) -> list[str]:
    """Requests for the project's held-out household skills (short, as said at home), from the unseen set."""
    examples = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return [e["text"] for e in examples if "household" in e.get("tags", ())][:limit]


def bench_voice(config: Config, options: BenchOptions) -> dict[str, Any]:
    """STT and end of speech to call over spoken commands, TTS first audio (assistant/evaluation/bench_voice.py)."""
    from assistant.evaluation.bench_voice import voice_bench

    return voice_bench(config, repeats=options.rounds, llm=options.llm)


def bench_wake(config: Config, options: BenchOptions) -> dict[str, Any]:
    """Wake-word recall, false wakes per hour and CPU against transcribe-everything (evaluation/bench_wake.py)."""
    from assistant.evaluation.bench_wake import wake_bench

    return wake_bench(config, minutes=options.wake_minutes)


def bench_soak(config: Config, options: BenchOptions) -> dict[str, Any]:
    """Turns from WAV files through the live loop and the Wyoming server: failures, memory, latency (soak.py)."""
    from assistant.evaluation.soak import soak_bench

    return soak_bench(config, turns=options.soak_turns, llm=options.llm)


def bench_noise(config: Config, options: BenchOptions) -> dict[str, Any]:
    """Word error and skill + argument success per noise condition, non-commands starting a skill (noisy.py)."""
    from assistant.evaluation.noisy import noise_report, table
    from assistant.pipeline import build_assistant
    from assistant.voice import stt as _stt  # noqa: F401  (sets OMP_WAIT_POLICY before the LLM loads)

    assistant = build_assistant(config, llm=options.llm, trace=False)
    try:

        def progress(done: int, total: int) -> None:
            if done % 100 == 0 or done == total:
                print(f"bench noise: heard {done}/{total}", file=sys.stderr, flush=True)

        report = noise_report(config, assistant.route, assistant.registry, progress=progress)
    finally:
        assistant.close()
    print(table(report), file=sys.stderr)
    return report


SECTIONS: list[tuple[str, Callable[[Config, BenchOptions], dict[str, Any]]]] = [
    ("route", bench_route),
    ("listing", bench_listing),
    ("voice", bench_voice),
    ("wake", bench_wake),
    ("soak", bench_soak),
    ("noise", bench_noise),
]
"""Benchmark sections in run order; a stage adds (name, function) here."""
OPT_IN = {"wake", "soak", "noise"}
"""Sections that run only when named with --section: they take many minutes (an hour of audio, 1,000 turns,
1,080 noisy clips heard the first time)."""


def machine_load() -> dict[str, Any]:
    """How busy the machine was: load average and CPU pressure (other work skews every number)."""
    info: dict[str, Any] = {"cpus": os.cpu_count()}
    with contextlib.suppress(OSError):
        info["load_1min"] = round(os.getloadavg()[0], 2)
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
        info["cpu_pressure_avg10"] = float(line.split("avg10=")[1].split()[0])
    except (OSError, IndexError, ValueError):
        pass
    return info


def run_bench(config: Config, options: BenchOptions, sections: list[str] | None = None) -> dict[str, Any]:
    """Run the sections (all by default) and merge their results."""
    result: dict[str, Any] = {"machine_before": machine_load()}
    for name, function in SECTIONS:
        if (sections and name not in sections) or (not sections and name in OPT_IN):
            continue
        try:
            result.update(function(config, options))
        except AssistantError as error:
            result[f"{name}_error"] = str(error)
            print(f"bench {name}: {error}", file=sys.stderr)
    result["machine_after"] = machine_load()
    return result


def cmd_bench(args: Any, config: Config) -> int:
    """Entry point of `assistant bench`."""
    options = BenchOptions(
        rounds=args.rounds, llm=not args.no_llm, wake_minutes=args.wake_minutes, soak_turns=args.soak_turns
    )
    result = run_bench(config, options, args.section or None)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 1 if any(key.endswith("_error") for key in result) else 0


def add_parser(sub: Any) -> None:
    """Register the bench subcommand on the CLI's subparsers."""
    bench = sub.add_parser("bench", help="measure stage latencies on this machine")
    bench.add_argument("--json", action="store_true", help="print one JSON object (the last line)")
    bench.add_argument("--rounds", type=int, default=3, help="times each utterance is measured")
    bench.add_argument("--no-llm", action="store_true", help="fast path only (no model)")
    bench.add_argument(
        "--section",
        action="append",
        help="only this section (repeatable): "
        + ", ".join(name for name, _ in SECTIONS)
        + f"; {' and '.join(sorted(OPT_IN))} run only when named",
    )
    bench.add_argument("--wake-minutes", type=float, default=60.0, help="wake: minutes of non-wake audio (default 60)")
    bench.add_argument("--soak-turns", type=int, default=1000, help="soak: turns per path (default 1000)")
    bench.set_defaults(func=cmd_bench)


__all__ = ["BenchOptions", "SECTIONS", "add_parser", "percentile", "run_bench"]
