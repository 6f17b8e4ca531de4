"""An offline voice assistant for a Raspberry Pi: speech to one skill call to a spoken answer."""

from assistant.calls import Call, format_call, parse_call
from assistant.errors import InvalidArguments, SkillError, UnknownSkill
from assistant.registry import Context, Normalize, Range, Reply, skill

__version__ = "0.1.0"

__all__ = [
    "Call",
    "Context",
    "InvalidArguments",
    "Normalize",
    "Range",
    "Reply",
    "SkillError",
    "UnknownSkill",
    "format_call",
    "parse_call",
    "skill",
]
