"""The `assistant` command: ask, skills, route, traces (and the voice, eval and bench commands)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from assistant.config import Config, load_config
from assistant.errors import AssistantError
from assistant.pipeline import Assistant, build_assistant, load_registry
from assistant.routing.router import readable

log = logging.getLogger("assistant")


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    """Route, execute and print the reply for one sentence."""
    # Lazy: a request the fast path answers ("stop", "what is 12 times 7") does not wait ~4 s for the model.
    assistant = build_assistant(config, llm=not args.no_llm, lazy=True)
    try:
        try:
            turn = assistant.ask(readable(" ".join(args.text)), language=args.language)
        except AssistantError:
            raise  # main() prints it as one line
        except Exception as error:  # a bug: a sentence here, the traceback with --debug
            log.debug("ask: %r failed", args.text, exc_info=True)
            print(
                f"assistant: sorry, that request could not be answered ({type(error).__name__}: {error}); "
                "--debug shows where it failed",
                file=sys.stderr,
            )
            return 1
        print(turn.reply.text)
        if turn.route.error.startswith("LLM unavailable"):
            print(f"note: {turn.route.error}", file=sys.stderr)
        if args.verbose:
            print(
                json.dumps(
                    {
                        **turn.route.as_json(),  # the call, path, tokens, confidence, the skill reader's call
                        "timings_ms": turn.timings_ms,
                        "error": turn.error,
                        "data": turn.reply.data,
                    },
                    ensure_ascii=False,
                    default=str,
                ),
                file=sys.stderr,
            )
    finally:
        assistant.close()
    return 0


def cmd_skills(args: argparse.Namespace, config: Config) -> int:
    """List the registered skills with signatures and descriptions."""
    registry = load_registry(config)
    for item in registry.skills.values():
        network = "  [network]" if item.needs_network else ""
        print(f"{item.signature()}{network}\n    {item.description}")
    print("none()\n    Not a request for any skill.")
    if args.grammar:
        print("\n" + registry.grammar())
    return 0


def _jsonl(stream: Iterable[str | bytes]) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, record or None, error) for each non-empty input line; bytes that are not UTF-8 are read as
    U+FFFD, so the line keeps its id. A record with an error is passed on for its id."""
    for number, raw in enumerate(stream, 1):
        line = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as error:  # RecursionError: JSON nested too deep for the parser
            yield number, None, f"line {number}: {error}"
            continue
        if not isinstance(record, dict):
            yield number, None, f"line {number}: not a JSON object"
        elif "text" not in record and "audio" not in record:
            yield number, record, f'line {number}: needs "text" or "audio"'
        elif any(key in record and not isinstance(record[key], str) for key in ("text", "audio")):
            yield number, record, f'line {number}: "text" and "audio" must be strings'
        else:
            yield number, record, ""


def _print_json(record: dict[str, Any]) -> None:
    """One JSON line on stdout, flushed; text a terminal cannot take (lone surrogates) goes out escaped."""
    try:
        print(json.dumps(record, ensure_ascii=False), flush=True)
    except UnicodeEncodeError:
        print(json.dumps(record), flush=True)


def _unrouted(record_id: Any, error: str) -> dict[str, Any]:
    """The route --jsonl line for an input that could not be routed (bad line, unreadable audio)."""
    return {
        "id": record_id,
        "transcript": "",
        "call": "none()",
        "skill": "none",
        "args": {},
        "path": "none",
        "timings_ms": {},
        "error": error,
    }


def cmd_route(args: argparse.Namespace, config: Config) -> int:
    """Route JSON lines from stdin to JSON lines on stdout; executes nothing. Every input line gets its answer: one
    that fails (bad JSON, unreadable audio, a bug) gets skill none and the error, and the rest go on."""
    if not args.jsonl:
        print("route: only --jsonl input is supported; see `assistant route --help`", file=sys.stderr)
        return 2
    assistant = build_assistant(config, llm=not args.no_llm, trace=False)
    transcriber: Callable[[str, str | None], tuple[str, dict[str, float], str]] | None = None

    def route(record: dict[str, Any]) -> dict[str, Any]:
        nonlocal transcriber
        timings: dict[str, float] = {}
        text = readable(record.get("text", ""))
        if "audio" in record and not text:
            if transcriber is None:
                from assistant.voice.stt import transcriber_for

                transcriber = transcriber_for(config)
            text, timings, _lang = transcriber(record["audio"], record.get("lang"))
        out: dict[str, Any] = {"id": record.get("id"), "transcript": text, **assistant.route(text).as_json()}
        out["timings_ms"] = {**timings, **out["timings_ms"]}
        return out

    try:
        for number, record, error in _jsonl(getattr(sys.stdin, "buffer", sys.stdin)):
            if record is None or error:
                _print_json(_unrouted(record.get("id") if record else None, error))
                continue
            try:
                _print_json(route(record))
            except AssistantError as line_error:  # unreadable audio, a model that cannot load: this line only
                _print_json(_unrouted(record.get("id"), str(line_error)))
            except Exception as line_error:  # a bug: logged with its traceback, and this line alone is lost
                log.exception("route: line %d failed", number)
                _print_json(_unrouted(record.get("id"), f"line {number}: {type(line_error).__name__}: {line_error}"))
    finally:
        assistant.close()
    return 0


def cmd_config(args: argparse.Namespace, config: Config) -> int:
    """Print every setting with its default and documentation (a ready config.toml), or check the current file."""
    from assistant.config import example_toml

    registry = load_registry(config)
    if args.check:
        Assistant(config, registry, trace=False).close()  # validates every table, skill settings included
        print(f"{config.source}: OK")
        return 0
    print(example_toml({n: s.settings for n, s in registry.skills.items() if s.settings is not None}), end="")
    return 0


def cmd_traces(args: argparse.Namespace, config: Config) -> int:
    """List recent turns, or mark one wrong with the call it should have been."""
    from assistant.trace import TraceStore

    store = TraceStore(config.data_path / "traces.sqlite")
    if args.mark is not None:
        corrected = ""
        if args.correct:
            registry = load_registry(config)
            corrected = str(registry.parse(args.correct))
        if not store.mark(args.mark, "wrong" if corrected or not args.good else "good", corrected):
            print(f"traces: no turn with id {args.mark}", file=sys.stderr)
            return 1
        print(
            f"turn {args.mark} marked {'good' if args.good else 'wrong'}"
            + (f", should be {corrected}" if corrected else "")
        )
        return 0
    for turn in store.recent(args.limit, slow_only=args.slow):
        timing = " ".join(f"{k}={v:.0f}" for k, v in turn.timings.items())
        flag = f"  OVER: {','.join(turn.over_budget)}" if turn.over_budget else ""
        sure = f" p={turn.confidence:.2f}" if turn.path == "llm" else ""  # the model's confidence in its call
        print(f"#{turn.id} [{turn.path}{sure}] {turn.transcript!r} -> {turn.call}  ({timing}){flag}")
        if turn.errors:
            print(f"    error: {turn.errors}")
        if turn.feedback:
            print(f"    feedback: {turn.feedback} {turn.corrected_call}")
    return 0


def _voice_parts(config: Config, args: argparse.Namespace, sink: Any = None) -> tuple[Any, Any, Any]:
    """Assistant, Whisper (loading in the background, biased toward the skills' words) and Speaker."""
    # Imported before the LLM loads: assistant.voice.stt sets OMP_WAIT_POLICY=PASSIVE, which llama.cpp's OpenMP
    # reads too.
    from assistant.voice.stt import registry_hotwords, stt_from_config
    from assistant.voice.tts import Speaker

    assistant = build_assistant(config, llm=not args.no_llm)
    stt = stt_from_config(config, registry_hotwords(assistant) if config.stt.use_hotwords else ())
    speaker = Speaker(config, assistant.services, sink=sink)
    return assistant, stt, speaker


def cmd_listen(args: argparse.Namespace, config: Config) -> int:
    """One turn from a WAV file standing in for the microphone: transcript, call, reply, timings."""
    from assistant.voice.audio import WavSource
    from assistant.voice.loop import StatusLine, VoiceLoop
    from assistant.voice.tts import WavSink

    source = WavSource(args.wav)  # a bad file fails here, before any model loads
    # --json is for scripts: the reply is still synthesised (its timing is measured) but not played or printed.
    sink = WavSink(Path(args.speak_to)) if args.speak_to else (WavSink() if args.json else None)
    assistant, stt, speaker = _voice_parts(config, args, sink)
    try:
        # Both models load now (Whisper in its thread, the voice here) so the turn's timings are its own.
        speaker.warm_up()
        stt.wait_ready()
        loop = VoiceLoop(
            assistant,
            stt,
            speaker,
            source,
            trigger=args.trigger,
            source_name="wav",
            status=StatusLine(quiet=args.json),
            save_audio=args.save_audio,
        )
        turns = loop.run()
    finally:
        speaker.close()
        assistant.close()
    if not turns:
        print("listen: no speech found in the file (silence or noise only)", file=sys.stderr)
        return 1
    for turn in turns:
        record = {
            "outcome": turn.outcome,
            "transcript": turn.transcript,
            "command": turn.command,
            "call": turn.call,
            "reply": turn.reply,
            "timings_ms": {k: round(v, 1) for k, v in turn.timings_ms.items()},
        }
        if turn.message:
            record["message"] = turn.message
        if args.json:
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"transcript: {turn.transcript}\ncall: {turn.call or '-'}\nreply: {turn.reply or '-'}")
            print("timings: " + " ".join(f"{k}={v:.0f}" for k, v in turn.timings_ms.items()))
    return 0


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """The live loop on the microphone (or a WAV file played in real time)."""
    from assistant.voice.audio import WavSource
    from assistant.voice.loop import StatusLine, VoiceLoop, open_microphone

    status = StatusLine()
    assistant, stt, speaker = _voice_parts(config, args)
    assistant.start_background()  # live: timers and alarms ring, and what was missed while off is said
    try:
        speaker.warm_up()
        if args.wav:
            source: Any = WavSource(args.wav, realtime=True)
        else:
            status.show("starting", "opening the microphone")
            source = open_microphone(config.audio.input_device, status)
        loop = VoiceLoop(
            assistant,
            stt,
            speaker,
            source,
            trigger=args.trigger,
            status=status,
            barge_in=args.barge_in,
            source_name="wav" if args.wav else "mic",
            save_audio=args.save_audio,
        )
        try:
            stt.wait_ready()
        except AssistantError as error:
            # Keep listening: every utterance will say why it cannot be understood, and the log names the file.
            status.show("error", f"{error}")
        try:
            loop.run()
        except KeyboardInterrupt:
            status.show("bye")
        finally:
            source.close()
    finally:
        speaker.close()
        assistant.close()
    return 0


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    """The Wyoming server (Home Assistant's STT, TTS, conversation agent) and the hub for [[satellites]]."""
    from assistant.service.run import main as serve

    return serve(config, uri=args.uri or "", zeroconf=not args.no_zeroconf, llm=not args.no_llm)


def parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    top = argparse.ArgumentParser(prog="assistant", description="An offline voice assistant.")
    top.add_argument("--config", help="config file (default ~/.config/assistant/config.toml)")
    top.add_argument("--debug", action="store_true", help="log debug messages")
    sub = top.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer one typed request")
    ask.add_argument("text", nargs="+")
    ask.add_argument("--no-llm", action="store_true", help="fast path only")
    ask.add_argument("-v", "--verbose", action="store_true", help="print the call and timings to stderr")
    ask.add_argument("--language", help="reply language (ISO 639-1; default: the config's language)")
    ask.set_defaults(func=cmd_ask)

    skills = sub.add_parser("skills", help="list skills with their signatures")
    skills.add_argument("--grammar", action="store_true", help="also print the GBNF grammar")
    skills.set_defaults(func=cmd_skills)

    route = sub.add_parser("route", help="route JSON lines from stdin (executes nothing)")
    route.add_argument("--jsonl", action="store_true", help='read {"id", "text"|"audio"} lines, write one line each')
    route.add_argument("--no-llm", action="store_true", help="fast path only")
    route.set_defaults(func=cmd_route)

    conf = sub.add_parser("config", help="print every setting with its default and documentation")
    conf.add_argument("--check", action="store_true", help="validate the current config file instead")
    conf.set_defaults(func=cmd_config)

    traces = sub.add_parser("traces", help="recent turns; mark a turn wrong with the right call")
    traces.add_argument("--limit", type=int, default=20)
    traces.add_argument("--slow", action="store_true", help="only turns over a budget")
    traces.add_argument("--mark", type=int, metavar="ID", help="turn to give feedback on")
    traces.add_argument(
        "--correct", metavar="CALL", help="the call it should have been, e.g. 'weather(location=\"Oslo\")'"
    )
    traces.add_argument("--good", action="store_true", help="mark the turn right instead of wrong")
    traces.set_defaults(func=cmd_traces)

    run = sub.add_parser("run", help="the live voice loop on the microphone")
    run.add_argument("--trigger", choices=["wake", "push", "always"], help="how a turn starts (default: audio.trigger)")
    run.add_argument("--wav", metavar="FILE", help="play a WAV file in real time instead of the microphone")
    run.add_argument("--barge-in", action="store_true", help="while speaking, listen for 'stop' (headsets)")
    run.add_argument("--save-audio", action="store_true", help="keep each utterance's audio with its trace")
    run.add_argument("--no-llm", action="store_true", help="fast path only")
    run.set_defaults(func=cmd_run)

    listen = sub.add_parser("listen", help="one turn from a WAV file: transcript, call, reply, timings")
    listen.add_argument("--wav", metavar="FILE", required=True, help="the recording (any rate; mono or stereo)")
    listen.add_argument(
        "--trigger",
        choices=["wake", "always"],
        default="always",
        help="'wake' requires the wake phrase, as live (default: always)",
    )
    listen.add_argument("--speak-to", metavar="OUT.wav", help="write the spoken reply to a WAV file")
    listen.add_argument("--save-audio", action="store_true", help="keep the utterance audio with its trace")
    listen.add_argument("--json", action="store_true", help="one JSON line per turn")
    listen.add_argument("--no-llm", action="store_true", help="fast path only")
    listen.set_defaults(func=cmd_listen)

    serve = sub.add_parser("serve", help="serve Wyoming (Home Assistant, satellites); the hub for [[satellites]]")
    serve.add_argument("--uri", help="where to listen (default: service.uri, tcp://0.0.0.0:10700)")
    serve.add_argument("--no-zeroconf", action="store_true", help="do not announce the server on the network")
    serve.add_argument("--no-llm", action="store_true", help="fast path only")
    serve.set_defaults(func=cmd_serve)

    from assistant.evaluation.bench import add_parser as add_bench  # light: the models load only when bench runs
    from assistant.evaluation.command import add_parser as add_eval

    add_eval(sub)
    add_bench(sub)
    from assistant.service.doctor import add_parser as add_doctor
    from assistant.service.systemd import add_parser as add_service

    add_doctor(sub)
    add_service(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse arguments, load config, run the command; errors become one clear line."""
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        config = load_config(args.config)
        return int(args.func(args, config))
    except AssistantError as error:
        print(f"assistant: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
