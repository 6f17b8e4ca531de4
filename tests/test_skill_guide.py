"""The worked example of docs/skills.md works exactly as the guide says."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.registry import Registry
from assistant.testing import SkillTester

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "skills"


def test_dice_skill_in_three_lines():
    from examples.skills.dice import roll_dice

    tester = SkillTester(roll_dice)
    assert tester.ask("roll 3 dice").text.endswith("in total.")
    assert tester.route("roll a 20 sided die").args == {"sides": 20}


def test_user_skill_folder_loads_next_to_builtins():
    registry = Registry.load([EXAMPLES])
    assert "roll_dice" in registry.names() and "weather" in registry.names()
    assert "roll-dice-call" in registry.grammar()


@pytest.mark.model
def test_the_skill_reader_reads_the_guides_skills_with_the_real_models(tmp_path):
    """docs/skills.md, "The skill reader": with a skill folder the reader loads and answers for the added skills;
    a built-in request stays the router's."""
    from assistant.config import Config
    from assistant.pipeline import build_assistant

    assistant = build_assistant(Config(data_dir=str(tmp_path), skill_dirs=[str(EXAMPLES)]), trace=False)
    try:
        assert assistant.router.reader is not None
        garden = assistant.route("the garden looks dry, can you water it")
        assert garden.call.name == "water_garden" and garden.reader.startswith("water_garden(")
        assert "reader_prompt_ms" in garden.timings_ms
        weather = assistant.route("is it going to be chilly in oslo")
        assert weather.call.name == "weather" and weather.reader == ""
    finally:
        assistant.close()
    assert build_assistant(Config(data_dir=str(tmp_path)), trace=False).router.reader is None  # built-ins only
