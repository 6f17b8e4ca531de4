"""Errors split by who must act: the skill author, the model, the user, or us (a bug)."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class ConfigError(AssistantError):
    """The configuration file is wrong; the message names the file and key."""


class CallSyntaxError(AssistantError):
    """A call string is not one well-formed call of the call language."""


class UnknownSkill(AssistantError):
    """A call names a skill that is not registered."""

    def __init__(self, name: str, known: list[str] | None = None) -> None:
        self.name = name
        hint = f" (known: {', '.join(sorted(known))})" if known else ""
        super().__init__(f"unknown skill '{name}'{hint}")


class InvalidArguments(AssistantError):
    """A call's arguments do not fit the skill's signature."""

    def __init__(self, skill: str, param: str, value: object, reason: str) -> None:
        self.skill = skill
        self.param = param
        self.value = value
        self.reason = reason
        super().__init__(f"{skill}({param}={value!r}): {reason}")


class SkillDeclarationError(AssistantError):
    """A skill's declaration is wrong; found at start-up, names the skill and parameter."""


class SkillError(AssistantError):
    """Something the user must hear: a sentence fit to be spoken ("I don't know a city called X")."""

    def __init__(self, sentence: str, *, cause: str = "") -> None:
        self.sentence = sentence
        self.cause = cause
        super().__init__(sentence if not cause else f"{sentence} ({cause})")


class ModelError(AssistantError):
    """A model file is missing or cannot be loaded; the message names the path."""
