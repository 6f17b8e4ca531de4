"""`assistant service install`: a systemd unit that starts the assistant on boot, restarts it on failure and logs
to the journal.

Two kinds, because Pi images differ in who owns the sound card:
- a system unit (default) in /etc/systemd/system with User= and SupplementaryGroups=audio: it starts at boot with
  nobody logged in and opens the ALSA devices directly (Raspberry Pi OS Lite, a headless board in the kitchen);
- a user unit (--user) in ~/.config/systemd/user: it runs inside the user's session, so it reaches PipeWire or
  PulseAudio (the desktop images); `loginctl enable-linger USER` makes it start at boot too.
"""

from __future__ import annotations

import getpass
import grp
import os
import pwd
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.config import Config
from assistant.errors import AssistantError

UNIT_NAME = "pi-assistant.service"
SYSTEM_DIR = Path("/etc/systemd/system")
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class UnitSettings:
    """What the unit file says."""

    user: str
    """The account that runs the assistant (its config, data and music live in its home)."""
    command: str = "run"
    """The assistant subcommand: "run" (the live loop on this board's microphone) or "serve" (Wyoming + hub)."""
    executable: str = str(REPO / ".venv" / "bin" / "assistant")
    """The assistant entry point inside the virtual environment."""
    working_dir: str = str(REPO)
    """The checkout (the shipped adapter and evals are found relative to it)."""
    config_path: str = ""
    """--config for the assistant; empty for the user's ~/.config/assistant/config.toml."""
    user_unit: bool = False
    """A user unit (the session's PipeWire/PulseAudio) instead of a system unit with User=."""
    restart_s: int = 5
    """Pause before systemd starts it again after a failure."""


def render_unit(settings: UnitSettings) -> str:
    """The unit file's text."""
    if settings.command not in ("run", "serve"):
        raise AssistantError(f"service: the command must be run or serve, not {settings.command!r}")
    args = [settings.executable]
    if settings.config_path:
        args += ["--config", settings.config_path]
    args.append(settings.command)
    what = "live voice loop" if settings.command == "run" else "Wyoming server and satellite hub"
    lines = [
        "# Written by `assistant service install`; edit the config, not this file (reinstall to change it).",
        "[Unit]",
        f"Description=pi-assistant, offline voice assistant ({what})",
        f"Documentation=file://{REPO / 'docs' / 'raspberry-pi.md'}",
        # Weather and news want the network and a set clock, but the assistant must start without them.
        "Wants=network-online.target",
        "After=network-online.target time-sync.target" + ("" if settings.user_unit else " sound.target"),
        # Give up after 10 failures in 5 minutes (a broken config), instead of restarting forever every 5 s.
        "StartLimitIntervalSec=300",
        "StartLimitBurst=10",
        "",
        "[Service]",
        "Type=simple",
    ]
    if not settings.user_unit:
        lines += [f"User={settings.user}", "SupplementaryGroups=audio"]
    lines += [
        f"WorkingDirectory={settings.working_dir}",
        f"ExecStart={shlex.join(args)}",
        "Environment=PYTHONUNBUFFERED=1",
        "Restart=on-failure",
        f"RestartSec={settings.restart_s}",
        # `assistant run` ends cleanly on Ctrl-C (SIGINT), exiting 130 when it comes during start-up: not a failure.
        "KillSignal=SIGINT",
        "SuccessExitStatus=130",
        "TimeoutStopSec=15",
        "StandardOutput=journal",
        "StandardError=journal",
        "SyslogIdentifier=pi-assistant",
        "",
        "[Install]",
        f"WantedBy={'default.target' if settings.user_unit else 'multi-user.target'}",
        "",
    ]
    return "\n".join(lines)


def unit_dir(user_unit: bool) -> Path:
    """Where the unit goes: /etc/systemd/system, or the user's ~/.config/systemd/user."""
    if user_unit:
        return Path(os.environ.get("XDG_CONFIG_HOME", "~/.config")).expanduser() / "systemd" / "user"
    return SYSTEM_DIR


def in_audio_group(user: str) -> bool:
    """Whether user may open the sound devices (root, or a member of the audio group)."""
    try:
        record = pwd.getpwnam(user)
        audio = grp.getgrnam("audio")
    except KeyError:
        return False
    return record.pw_uid == 0 or record.pw_gid == audio.gr_gid or user in audio.gr_mem


def install(settings: UnitSettings, target_dir: Path | None = None, *, enable: bool = False) -> list[str]:
    """Write the unit (into target_dir, default unit_dir()); the sentences to tell the user, commands included."""
    folder = target_dir or unit_dir(settings.user_unit)
    path = folder / UNIT_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(render_unit(settings), encoding="utf-8")
    except PermissionError:
        raise AssistantError(
            f"service: cannot write {path} (permission denied); run `sudo {sys.argv[0]} service install "
            f"--user-name {settings.user}`, or `--user` for a user unit"
        ) from None
    scope = ["--user"] if settings.user_unit else []
    systemctl = shlex.join(["systemctl", *scope, "daemon-reload"])
    start = shlex.join(["systemctl", *scope, "enable", "--now", UNIT_NAME])
    journal = shlex.join(["journalctl", *scope, "-u", UNIT_NAME, "-f"])
    notes = [f"wrote {path}"]
    if not settings.user_unit and not in_audio_group(settings.user):
        notes.append(
            f"note: {settings.user} is not in the audio group; the unit adds it for the service "
            f"(SupplementaryGroups=audio), for your shell run `sudo usermod -aG audio {settings.user}`"
        )
    if settings.user_unit:
        notes.append(f"to start at boot without logging in: sudo loginctl enable-linger {settings.user}")
    if enable and target_dir is None and shutil.which("systemctl"):
        for command in (systemctl, start):
            done = subprocess.run(shlex.split(command), capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise AssistantError(f"service: `{command}` failed: {done.stderr.strip() or done.stdout.strip()}")
        notes.append(f"started; follow its log with: {journal}")
    else:
        notes += [f"start it now and at every boot: {systemctl} && {start}", f"its log: {journal}"]
    return notes


def default_user() -> str:
    """The account to run as: the one behind sudo, else the current one."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


def cmd_service(args: Any, config: Config) -> int:
    """Entry point of `assistant service install` / `service show`."""
    settings = UnitSettings(
        user=args.user_name or default_user(),
        command=args.run,
        config_path=str(Path(args.config).expanduser().resolve()) if args.config else "",
        user_unit=args.user,
    )
    if args.service_command == "show":
        print(render_unit(settings), end="")
        return 0
    target = Path(args.unit_dir) if args.unit_dir else None
    for note in install(settings, target, enable=args.enable):
        print(note)
    return 0


def add_parser(sub: Any) -> None:
    """Register `assistant service` on the CLI's subparsers."""
    service = sub.add_parser("service", help="install the systemd unit that runs the assistant at boot")
    actions = service.add_subparsers(dest="service_command", required=True)
    for name, text in (("install", "write the unit file"), ("show", "print the unit file, write nothing")):
        action = actions.add_parser(name, help=text)
        action.add_argument("--user", action="store_true", help="a user unit (PipeWire/PulseAudio desktops)")
        action.add_argument("--user-name", help="the account to run as (default: the one behind sudo, or you)")
        action.add_argument("--run", choices=["run", "serve"], default="run", help="assistant run (default) or serve")
        if name == "install":
            action.add_argument("--enable", action="store_true", help="also systemctl daemon-reload, enable --now")
            action.add_argument("--unit-dir", help="write here instead of the systemd folder (packaging, tests)")
    service.set_defaults(func=cmd_service)
