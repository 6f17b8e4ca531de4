"""The worked example of docs/skills.md works exactly as the guide says."""

from __future__ import annotations

from pathlib import Path

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
