"""`assistant doctor`: is this board ready? Microphone, speaker, models, CPU, memory, clock and network, each with a
sentence saying what was found and, when something is wrong, what to do about it.

A check never raises: whatever goes wrong while checking becomes its sentence. The exit code is 0 when nothing
failed (warnings allowed), 1 otherwise, so an install script or the service's ExecStartPre can use it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assistant.config import Config
from assistant.errors import AssistantError

MIN_YEAR = 2025
"""A clock before this year was not set (a Pi without a battery boots at its last shutdown, or in 1970)."""
MEMORY_WARN_MB = 1500
"""Whisper tiny.en, Gemma 270M, Piper and the VAD need about 1 GB together; less than this leaves little room."""
MEMORY_FAIL_MB = 700
NETWORK_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Check:
    """One finding."""

    name: str
    """What was checked: microphone, speaker, models, cpu, memory, clock, network..."""
    status: str
    """"ok", "warn" (works, but worse) or "fail" (a part of the assistant will not work)."""
    sentence: str
    """What was found, for a person."""
    fix: str = ""
    """What to do; empty when nothing needs doing."""


def check_microphone(config: Config) -> Check:
    """The configured (or default) input device exists."""
    from assistant.voice.audio import AudioError, find_device

    spec = config.audio.input_device
    try:
        info = find_device("input", spec)
    except AudioError as error:
        return Check("microphone", "fail", f"{error}.", _audio_fix("input", spec))
    return Check("microphone", "ok", f"microphone: {info['name']} ({int(info['default_samplerate'])} Hz).")


def check_speaker(config: Config) -> Check:
    """The output device exists (without one, replies are printed)."""
    from assistant.voice.audio import AudioError, find_device

    spec = config.audio.output_device
    try:
        info = find_device("output", spec)
    except AudioError as error:
        return Check("speaker", "warn", f"{error}; replies will be printed, not spoken.", _audio_fix("output", spec))
    return Check("speaker", "ok", f"speaker: {info['name']}.")


def _audio_fix(kind: str, spec: str) -> str:
    """How to get a device: list them, name one by a part of its name, or be allowed to open them."""
    tool, key = ("arecord -l", "input_device") if kind == "input" else ("aplay -l", "output_device")
    names = ", ".join(repr(n) for n in device_names(kind)) or "none"
    return (
        f"plug one in (USB), check `{tool}` and that your user is in the audio group (`groups`); devices PortAudio "
        f'sees: {names}; pick one with [audio] {key} = "USB" (any part of its name)'
        + (f", not {spec!r}" if spec else "")
    )


def device_names(kind: str) -> list[str]:
    """Names of the input or output devices PortAudio lists (empty without PortAudio)."""
    try:
        from assistant.voice.audio import _sounddevice

        devices = _sounddevice().query_devices()
    except (AssistantError, OSError):
        return []
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    return [str(d["name"]) for d in devices if d[channels] > 0]


def check_models(config: Config) -> Check:
    """Every model the configuration uses is on disk (nothing is downloaded at run time)."""
    from assistant import models
    from assistant.voice.stt import has_second_opinion
    from assistant.voice.vad import silero_model_path

    found: list[str] = []
    missing: list[str] = []
    parts: list[tuple[str, Callable[[], object]]] = [
        (f"Whisper {config.stt.model}", lambda: models.whisper_model_dir(config.stt.model)),
        ("Silero VAD", silero_model_path),
        ("Piper voice", lambda: models.piper_voice_path(config.tts.voice)),
    ]
    if has_second_opinion(config.stt):
        second = config.stt.second_opinion
        parts.append((f"Whisper {second} (second opinion)", lambda: models.whisper_model_dir(second)))
    if config.router.llm and config.router.backend == "local":
        parts.append(("router LLM", lambda: models.llm_model_path(config.router.model)))
        parts.append(("LoRA adapter", lambda: models.adapter_path(config.router.lora) or "none"))
        if config.skill_dirs and config.router.reader != "off":  # asked about the skills the folders add
            reader = config.router.reader
            parts.append(("skill reader", lambda: models.adapter_path(reader, models.DEFAULT_READER, "router.reader")))
    if config.audio.trigger == "wake" and config.audio.wake_engine != "transcript":
        parts.append((f"wake word {config.audio.wake_word}", lambda: _wake_model(config)))
    for name, locate in parts:
        try:
            locate()
            found.append(name)
        except (AssistantError, OSError, ImportError) as error:
            missing.append(f"{name}: {error}")
    if missing:
        return Check("models", "fail", "missing: " + "; ".join(missing) + ".", "run `make install` in the checkout")
    return Check("models", "ok", "models present: " + ", ".join(found) + ".")


def _wake_model(config: Config) -> str:
    from assistant.voice.wakeword import load_engine

    engine = load_engine(config.audio.wake_engine, config.audio.wake_word)
    engine.close()
    return engine.name


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first CPU in /proc/cpuinfo ("flags" on x86, "Features" on ARM)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in ("flags", "features"):
            return set(value.split())
    return set()


def check_cpu(machine: str | None = None, cpuinfo: str | None = None) -> Check:
    """The SIMD the inference libraries want: AVX2/FMA on x86 (the llama.cpp wheel is built for it), NEON on ARM."""
    machine = machine or platform.machine()
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    flags = cpu_flags(cpuinfo)
    cores = os.cpu_count() or 1
    if machine in ("x86_64", "AMD64"):
        have: list[str] = [f for f in ("avx2", "fma", "f16c", "avx512f") if f in flags]
        if "avx2" not in flags:
            return Check(
                "cpu", "fail", f"x86_64, {cores} cores, no AVX2: the llama.cpp build of `make install` needs it.",
                'rebuild llama.cpp for this CPU: CMAKE_ARGS="-DGGML_NATIVE=ON" make install',
            )  # fmt: skip
        return Check("cpu", "ok", f"x86_64, {cores} cores, {', '.join(have)}.")
    if machine in ("aarch64", "arm64"):
        have = [f for f in ("asimd", "asimddp", "i8mm", "sve") if f in flags]
        if "asimd" not in flags:
            return Check("cpu", "fail", f"{machine} without NEON (asimd).", "use a 64-bit OS on a Pi 4/5 or RK3588")
        note = "" if "asimddp" in flags else " (no dot-product: llama.cpp's int8 kernels are slower, as on a Pi 4)"
        return Check("cpu", "ok", f"aarch64, {cores} cores, NEON ({', '.join(have)}){note}.")
    return Check("cpu", "warn", f"{machine}, {cores} cores: untested.", "the project is tested on x86_64 and aarch64")


def check_memory(meminfo: str | None = None) -> Check:
    """MemAvailable from /proc/meminfo against what the models need."""
    if meminfo is None:
        try:
            meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
        except OSError:
            return Check("memory", "warn", "cannot read /proc/meminfo.")
    values = {k.strip(): v.split() for k, _, v in (line.partition(":") for line in meminfo.splitlines())}
    available_mb = int(values.get("MemAvailable", ["0"])[0]) // 1024
    total_mb = int(values.get("MemTotal", ["0"])[0]) // 1024
    sentence = f"{available_mb} MB free of {total_mb} MB."
    if available_mb < MEMORY_FAIL_MB:
        return Check("memory", "fail", sentence, "stop other programs or use a board with 4 GB or more")
    if available_mb < MEMORY_WARN_MB:
        return Check("memory", "warn", sentence + " The models need about 1 GB.", "stop other programs, or add swap")
    return Check("memory", "ok", sentence)


def check_clock(now_s: float | None = None, synchronized: bool | None = None) -> Check:
    """The year is plausible and NTP has set the clock (weather's "tomorrow" and alarms depend on it)."""
    now_s = time.time() if now_s is None else now_s
    year = time.localtime(now_s).tm_year
    stamp = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(now_s))
    if year < MIN_YEAR:
        return Check(
            "clock", "fail", f"the clock says {stamp}: it was never set.",
            "connect to the network so NTP sets it (`timedatectl`), or fit the Pi 5's RTC battery",
        )  # fmt: skip
    synchronized = ntp_synchronized() if synchronized is None else synchronized
    if synchronized is False:
        return Check(
            "clock", "warn", f"the clock says {stamp}, but NTP has not synchronised it.",
            "`sudo timedatectl set-ntp true`; check the network",
        )  # fmt: skip
    return Check("clock", "ok", f"{stamp}" + (", NTP synchronised." if synchronized else "."))


def ntp_synchronized() -> bool | None:
    """systemd's view of NTP (None when it cannot be asked, e.g. in a container)."""
    if Path("/run/systemd/timesync/synchronized").exists():
        return True
    if shutil.which("timedatectl"):
        try:
            out = subprocess.run(
                ["timedatectl", "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True, timeout=3
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if out.returncode == 0 and out.stdout.strip() in ("yes", "no"):
            return out.stdout.strip() == "yes"
    return None


def network_urls(config: Config) -> list[str]:
    """The http(s) addresses the network skills are configured to use (weather's API, news feeds...)."""
    from assistant.config import skill_settings
    from assistant.pipeline import load_registry

    urls: list[str] = []
    for item in load_registry(config).skills.values():
        if not item.needs_network:
            continue
        settings = skill_settings(config, item)
        values = list(vars(settings).values()) if settings is not None else []
        for value in values:
            for candidate in value.values() if isinstance(value, dict) else [value]:
                if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
                    urls.append(candidate)
    return urls


def check_network(urls: Iterable[str], timeout_s: float = NETWORK_TIMEOUT_S) -> Check:
    """Each distinct host answers a TCP connection (DNS, route, firewall), without sending a request."""
    hosts = sorted({(p.hostname or "", p.port or (443 if p.scheme == "https" else 80)) for p in map(urlsplit, urls)})
    hosts = [(h, port) for h, port in hosts if h]
    if not hosts:
        return Check("network", "ok", "no skill needs the network.")
    failed: list[str] = []
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                pass
        except OSError as error:
            failed.append(f"{host}:{port} ({getattr(error, 'strerror', None) or error})")
    if failed:
        sentence = (
            f"{len(failed)} of {len(hosts)} hosts unreachable: {', '.join(failed)}; weather and news will say they "
            "cannot reach their service, everything else works offline."
        )
        fix = "check the network (`ping -c1 1.1.1.1`, `resolvectl status`), the URLs in [skills.weather], [skills.news]"
        return Check("network", "warn", sentence, fix)
    return Check("network", "ok", f"reached {', '.join(f'{h}:{p}' for h, p in hosts)}.")


def run_checks(config: Config, *, network: bool = True) -> list[Check]:
    """Every check, in the order a person would go through them; a check that breaks becomes a failed Check."""
    checks: list[tuple[str, Callable[[], Check]]] = [
        ("microphone", lambda: check_microphone(config)),
        ("speaker", lambda: check_speaker(config)),
        ("models", lambda: check_models(config)),
        ("cpu", check_cpu),
        ("memory", check_memory),
        ("clock", check_clock),
    ]
    if network:
        checks.append(("network", lambda: check_network(network_urls(config))))
    results = []
    for name, function in checks:
        try:
            results.append(function())
        except Exception as error:  # a doctor that crashes helps nobody: the error is the finding
            results.append(Check(name, "fail", f"the check itself failed: {type(error).__name__}: {error}."))
    return results


def format_checks(checks: list[Check]) -> str:
    """One line per check, its fix indented below."""
    mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
    lines = []
    for check in checks:
        lines.append(f"[{mark[check.status]}] {check.name}: {check.sentence}")
        if check.fix and check.status != "ok":
            lines.append(f"       fix: {check.fix}")
    return "\n".join(lines)


def cmd_doctor(args: Any, config: Config) -> int:
    """Entry point of `assistant doctor`: print the checks; exit 1 when one failed."""
    checks = run_checks(config, network=not args.no_network)
    if args.json:
        print(json.dumps([asdict(c) for c in checks], ensure_ascii=False))
    else:
        print(format_checks(checks))
    return 1 if any(c.status == "fail" for c in checks) else 0


def add_parser(sub: Any) -> None:
    """Register `assistant doctor` on the CLI's subparsers."""
    doctor = sub.add_parser("doctor", help="check microphone, speaker, models, CPU, memory, clock and network")
    doctor.add_argument("--no-network", action="store_true", help="skip the network check (no connections made)")
    doctor.add_argument("--json", action="store_true", help="one JSON list of checks")
    doctor.set_defaults(func=cmd_doctor)
