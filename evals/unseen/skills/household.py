"""Six everyday skills a household adds (the shopping list is two functions), written as docs/skills.md teaches;
held out of training (the `unseen` evaluation)."""

import random
from typing import Annotated, Literal

from assistant import Normalize, Range, Reply, skill


@skill(
    examples=[
        ("turn on the lights", 'lights(state="on")'),
        ("switch off the lights in the kitchen", 'lights(state="off", room="kitchen")'),
    ],
)
def lights(state: Literal["on", "off"], room: str | None = None) -> Reply:
    """Switch the lights on or off, in one room or everywhere."""
    return Reply(f"Lights {state}" + (f" in the {room}." if room else "."))


@skill(
    examples=[
        ("set the thermostat to 21 degrees", "thermostat(temperature=21)"),
        ("switch the heating to eco mode", 'thermostat(mode="eco")'),
        ("turn the heating off", 'thermostat(mode="off")'),
    ],
)
def thermostat(
    temperature: Annotated[int, Range(10, 30)] | None = None,
    mode: Literal["heat", "cool", "eco", "off"] | None = None,
) -> Reply:
    """Set the thermostat's target temperature in degrees Celsius, or its mode."""
    parts = [f"{temperature} degrees"] if temperature is not None else []
    parts += [f"{mode} mode"] if mode else []
    return Reply(f"Thermostat set to {' and '.join(parts) or 'its schedule'}.")


SHOPPING_LIST: list[str] = []


@skill(
    examples=[
        ("add milk to the shopping list", 'add_to_shopping_list(item="milk")'),
        ("put bread on my shopping list", 'add_to_shopping_list(item="bread")'),
    ],
)
def add_to_shopping_list(item: str) -> Reply:
    """Add an item to the shopping list."""
    SHOPPING_LIST.append(item)
    return Reply(f"Added {item} to the shopping list.")


@skill(
    examples=[
        ("what's on the shopping list", "read_shopping_list()"),
        ("read me my shopping list", "read_shopping_list()"),
    ],
)
def read_shopping_list() -> Reply:
    """Read out what is on the shopping list."""
    if not SHOPPING_LIST:
        return Reply("Your shopping list is empty.")
    return Reply("On your list: " + ", ".join(SHOPPING_LIST) + ".")


@skill(
    examples=[
        ("flip a coin", "flip_coin()"),
        ("heads or tails", "flip_coin()"),
    ],
)
def flip_coin() -> Reply:
    """Flip a coin and say heads or tails."""
    return Reply(random.choice(["Heads.", "Tails."]))


@skill(
    examples=[
        ("how do you spell necessary", 'spell_word(word="necessary")'),
        ("spell the word giraffe", 'spell_word(word="giraffe")'),
    ],
)
def spell_word(word: str) -> Reply:
    """Spell a word letter by letter."""
    return Reply(f"{word}: " + ", ".join(word.upper()))


def _contact(said: str) -> str:
    """The phone book name in what was said: "my sister" is the entry "sister"."""
    words = said.strip().strip(".,!?").split()
    while words and words[0].lower() in ("my", "the", "our"):
        words = words[1:]
    if not words:
        raise ValueError("no name")
    return " ".join(words)


@skill(
    examples=[
        ("call mom", 'call_contact(contact="mom")'),
        ("phone Anna Berg", 'call_contact(contact="Anna Berg")'),
    ],
)
def call_contact(contact: Annotated[str, Normalize(_contact)]) -> Reply:
    """Phone someone from the contacts."""
    return Reply(f"Calling {contact}.")
