"""Home devices other than lights and thermostats (those are held out for the unseen evaluation)."""

from __future__ import annotations

from typing import Annotated, Literal

from assistant.registry import Range, Reply, skill


@skill
def fan(
    state: Literal["on", "off"], speed: Literal["low", "medium", "high"] | None = None, room: str | None = None
) -> Reply:
    """Switch a fan on or off and set its speed."""
    return Reply(f"Fan {state}.")


@skill
def blinds(action: Literal["open", "close", "stop"], room: str | None = None) -> Reply:
    """Open or close the window blinds."""
    return Reply(f"Blinds {action}.")


@skill
def tv(action: Literal["on", "off", "mute", "unmute"] | None = None, channel: str | None = None) -> Reply:
    """Turn the television on or off, mute it or change the channel."""
    return Reply("TV.")


@skill
def robot_vacuum(action: Literal["start", "stop", "dock"], room: str | None = None) -> Reply:
    """Start the robot vacuum cleaner, stop it or send it back to its dock."""
    return Reply(f"Vacuum {action}.")


@skill
def door_lock(action: Literal["lock", "unlock", "status"], door: str | None = None) -> Reply:
    """Lock or unlock a door, or say whether it is locked."""
    return Reply(f"Door {action}.")


@skill
def oven(temperature: Annotated[int, Range(50, 300)] | None = None, state: Literal["on", "off"] = "on") -> Reply:
    """Preheat the oven to a temperature in degrees Celsius, or turn it off."""
    return Reply("Oven.")
