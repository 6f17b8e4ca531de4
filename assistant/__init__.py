"""An offline voice assistant for a Raspberry Pi: speech to one skill call to a spoken answer."""

import os

# CTranslate2 (Whisper) and llama.cpp share few cores; spinning OpenMP waiters starve each other
# (measured here: LLM route 4-6 s -> 150 ms, Whisper 1.1 s -> 0.5 s under load). Must be set before they load.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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
