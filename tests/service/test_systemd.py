"""The systemd unit: what it says (boot, restart, journal, audio group), where it is written, and systemd's verdict."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from assistant.errors import AssistantError
from assistant.service.systemd import UNIT_NAME, UnitSettings, install, render_unit


def _lines(text: str) -> set[str]:
    return set(text.splitlines())


def test_the_system_unit_starts_at_boot_restarts_logs_to_the_journal_and_runs_as_the_user_with_audio():
    unit = render_unit(UnitSettings(user="pi", executable="/opt/pa/.venv/bin/assistant", working_dir="/opt/pa"))
    assert {
        "User=pi",
        "SupplementaryGroups=audio",
        "ExecStart=/opt/pa/.venv/bin/assistant run",
        "WorkingDirectory=/opt/pa",
        "Restart=on-failure",
        "StandardOutput=journal",
        "StandardError=journal",
        "KillSignal=SIGINT",
        "SuccessExitStatus=130",
        "WantedBy=multi-user.target",
    } <= _lines(unit)
    assert "After=network-online.target time-sync.target sound.target" in unit


def test_a_user_unit_has_no_user_line_and_starts_with_the_session():
    unit = render_unit(UnitSettings(user="pi", user_unit=True, command="serve", config_path="/home/pi/my config.toml"))
    assert "User=" not in unit and "SupplementaryGroups" not in unit
    assert "WantedBy=default.target" in _lines(unit)
    assert "--config '/home/pi/my config.toml' serve" in unit  # quoted: a space in a path must not split it


def test_an_unknown_command_is_refused_with_a_sentence():
    with pytest.raises(AssistantError, match="must be run or serve"):
        render_unit(UnitSettings(user="pi", command="dance"))


def test_install_writes_the_unit_and_says_how_to_start_it(tmp_path):
    notes = install(UnitSettings(user="root"), tmp_path)
    assert (tmp_path / UNIT_NAME).read_text() == render_unit(UnitSettings(user="root"))
    text = "\n".join(notes)
    assert "systemctl daemon-reload && systemctl enable --now pi-assistant.service" in text
    assert "journalctl -u pi-assistant.service -f" in text


def test_the_cli_installs_a_user_unit(tmp_path, capsys):
    from assistant.cli import main

    assert main(["service", "install", "--user", "--user-name", "pi", "--unit-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "systemctl --user enable --now" in out and "loginctl enable-linger pi" in out
    assert "WantedBy=default.target" in (tmp_path / UNIT_NAME).read_text()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path):
    unit = tmp_path / UNIT_NAME
    # /bin/true stands in for the virtual environment's entry point: verify checks that ExecStart exists.
    unit.write_text(render_unit(UnitSettings(user="root", executable="/bin/true", working_dir=str(tmp_path))))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    problems = [line for line in done.stderr.splitlines() if UNIT_NAME in line]
    assert problems == [], done.stderr
