"""A stand-in for the router's model in unit tests: it writes whatever call text it is given."""

from __future__ import annotations

from assistant.routing.router import Completion


class JunkBackend:
    """An LLM backend that writes whatever it is given."""

    def __init__(self, text: str, confidence: float) -> None:
        self.text, self.confidence = text, confidence
        self.skills: frozenset[str] | None = None
        self.asked = 0

    def complete(self, text, context, skills=None):
        self.skills = skills  # the skills it was asked to choose among
        self.asked += 1
        return Completion(self.text, 3, 5, self.confidence, {"llm_prompt_ms": 1.0})
