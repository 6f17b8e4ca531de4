"""Example user skill from docs/skills.md: water the garden (a skill the router was never trained on)."""

from typing import Annotated, Literal

from assistant import Range, Reply, skill


@skill(
    examples=[
        ("water the garden", "water_garden()"),
        ("water the vegetables for 20 minutes", 'water_garden(zone="vegetables", minutes=20)'),
        ("turn on the sprinklers in the front yard", 'water_garden(zone="front")'),
    ],
)
def water_garden(
    zone: Literal["front", "back", "vegetables"] | None = None, minutes: Annotated[int, Range(1, 60)] = 10
) -> Reply:
    """Water the garden with the sprinklers: one zone or all of them, for some minutes."""
    where = f"the {zone} zone" if zone else "every zone"
    return Reply(f"Watering {where} for {minutes} minutes.", {"zone": zone, "minutes": minutes})
