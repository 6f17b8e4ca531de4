"""Example user skill from docs/skills.md: roll dice. Load it with skill_dirs = ["examples/skills"]."""

import random
from typing import Annotated

from assistant import Range, Reply, skill


@skill(
    examples=[
        ("roll a dice", "roll_dice()"),
        ("roll 3 dice", "roll_dice(count=3)"),
        ("roll a 20 sided die", "roll_dice(sides=20)"),
    ],
)
def roll_dice(sides: Annotated[int, Range(2, 100)] = 6, count: Annotated[int, Range(1, 10)] = 1) -> Reply:
    """Roll one or more dice and say the numbers."""
    rolls = [random.randint(1, sides) for _ in range(count)]
    if count == 1:
        return Reply(f"You rolled a {rolls[0]}.", {"rolls": rolls})
    return Reply(f"You rolled {', '.join(map(str, rolls))}: {sum(rolls)} in total.", {"rolls": rolls})
