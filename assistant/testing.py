"""Helpers for skill authors: test a skill in three lines.

from assistant.testing import SkillTester
tester = SkillTester(my_skill, settings={"greeting": "hi"})
assert tester.ask("say hello").text == "hi"
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from assistant.calls import Call, parse_call
from assistant.config import Config
from assistant.pipeline import Assistant, Turn
from assistant.registry import Registry, Reply, Skill


class SkillTester:
    """An assistant with just the given skills, no LLM, no trace, state in a temporary folder."""

    def __init__(self, *skills: Skill, settings: dict[str, Any] | None = None, language: str = "en") -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="skilltest-")
        tables = {skills[0].name: settings} if settings else {}
        config = Config(language=language, data_dir=self._tmp.name, skills=tables)
        self.registry = Registry(skills)
        self.assistant = Assistant(config, self.registry, trace=False)

    @property
    def data_dir(self) -> Path:
        """The temporary data folder."""
        return Path(self._tmp.name)

    def route(self, text: str) -> Call | None:
        """The fast path's call for text (None when only an LLM could answer), with the days and other Literal
        values the request names (the skill's said_as), as Router.route gives it."""
        router = self.assistant.router
        call = router.matcher.match(text) if router.matcher else None
        return None if call is None else router.agree(call, text)

    def call(self, text: str) -> Reply:
        """Run a call string such as 'weather(location="Oslo")' and return the reply."""
        reply, _ = self.assistant.execute(self.registry.parse(text))
        return reply

    def ask(self, text: str) -> Reply:
        """Route text through the fast path and run it."""
        return self.turn(text).reply

    def turn(self, text: str) -> Turn:
        """The whole turn (route, reply, error)."""
        return self.assistant.ask(text)

    def close(self) -> None:
        """Stop services and remove the temporary folder."""
        self.assistant.close()
        self._tmp.cleanup()

    def __enter__(self) -> SkillTester:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["SkillTester", "parse_call"]
