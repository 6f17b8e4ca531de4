"""Lists, notes, reminders and messages: the household's memory."""

from __future__ import annotations

from assistant.registry import Reply, skill


@skill
def add_todo(task: str) -> Reply:
    """Add a task to the to-do list."""
    return Reply(f"Added {task}.")


@skill
def read_todos() -> Reply:
    """Read out the to-do list."""
    return Reply("Your list is empty.")


@skill
def take_note(text: str) -> Reply:
    """Write down a note to read later."""
    return Reply("Noted.")


@skill
def set_reminder(task: str, when: str | None = None) -> Reply:
    """Remind me of something at a time or day."""
    return Reply(f"I'll remind you to {task}.")


@skill
def send_message(contact: str, message: str | None = None) -> Reply:
    """Send a text message to a contact."""
    return Reply(f"Message sent to {contact}.")
