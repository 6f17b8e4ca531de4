"""The Schema-Guided Dialogue data as skills and calls, for training a router that reads any skill listing.

SGD (Rastogi et al., AAAI 2020; SGD-X, Lee et al., AAAI 2022; CC BY-SA 4.0, see ../shared/data/LICENSES.md) has
crowd-written requests to 43 services, each labelled with the service's intent and the slot values said. Each
intent becomes a skill declaration, as a developer would write it: the intent's name in snake_case, its
description as the docstring line, one optional parameter per slot (str for free text, Literal for categorical
slots, bool for True/False slots, int with a Range for numeric ones). SGD-X rewrote every schema five times (other
names, other descriptions): variant 0 is the original, 1-5 the rewrites, so the router sees one intent under six
names. A request becomes the call with the slot values it says; a value the decoder could not write (a string
that is not words of the request, a number nobody said) drops the request rather than teach an unreachable call.

    from finetune.sgd import load_services, skills_of, request_call
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.calls import Call
from assistant.numbers import said_numbers
from assistant.registry import Param, Range, Reply, Skill

SGD_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sgd"
VARIANTS = 6
"""Schema variant 0 is SGD's own, 1-5 are SGD-X's rewrites."""
DEV_ONLY = ("Alarm_1", "Banks_2", "Flights_3", "Hotels_4", "Media_2", "Movies_2", "Restaurants_2", "Services_4")
"""Services that occur only in SGD's dev split: held out of training, they are the `unseen` evaluation's."""
BUILTIN_SERVICES = ("Weather_1", "Music_1", "Music_2")
"""Services the built-in skills already cover: never listed beside them; their requests are built-in phrasings."""
TOPICS = {
    "Calendar": "calendar",
    "Events": "events",
    "Flights": "travel",
    "Buses": "travel",
    "RentalCars": "travel",
    "RideSharing": "travel",
    "Travel": "travel",
    "Hotels": "travel",
    "Homes": "travel",
    "Movies": "movie",
    "Media": "movie",
    "Restaurants": "food",
    "Alarm": "alarm",
}
"""The none() templates' hard-negative topic each service answers: a listed service makes those negatives wrong."""
MAX_WORDS = 35
"""Longer turns are dialogue, not commands."""
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@dataclass(frozen=True)
class SgdSkill:
    """One SGD intent declared as a skill under one schema variant."""

    service: str
    """The SGD service, e.g. "Restaurants_1"."""
    intent: str
    """The intent's original name, e.g. "ReserveRestaurant"."""
    variant: int
    """0 for SGD's schema, 1-5 for SGD-X's rewrites."""
    skill: Skill
    """The declaration the router reads."""
    params: dict[str, str]
    """Original slot name -> this variant's parameter name."""

    @property
    def topic(self) -> str:
        """The hard-negative topic this skill answers ("" for none)."""
        return TOPICS.get(self.service.split("_")[0], "")


def snake(name: str) -> str:
    """CamelCase or any spelling to lower_snake_case: "SearchOnewayFlight" -> "search_oneway_flight"."""
    text = _CAMEL.sub("_", name.strip()).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def load_services(split: str, sgd_dir: Path = SGD_DIR) -> dict[str, list[dict[str, Any]]]:
    """Service name -> its schema in variants 0..5 (SGD-X keeps the order of services, slots and intents)."""
    variants = [json.loads((sgd_dir / "schemas" / f"{split}.json").read_text(encoding="utf-8"))]
    for number in range(1, VARIANTS):
        path = sgd_dir / "schemas" / f"{split}.sgdx_v{number}.json"
        variants.append(json.loads(path.read_text(encoding="utf-8")))
    return {service["service_name"]: [v[i] for v in variants] for i, service in enumerate(variants[0])}


def _param(slot: dict[str, Any], name: str) -> Param:
    """A parameter for one slot: bool, int with a range, Literal or str; always optional (a spoken request rarely
    says every slot, and the skill may ask or use a default)."""
    values = [v for v in slot.get("possible_values") or [] if v != "dontcare"]
    if slot.get("is_categorical") and values:
        if set(values) <= {"True", "False"}:
            return Param(name, bool, True)
        if all(v.isdigit() for v in values):
            numbers = [int(v) for v in values]
            return Param(name, int, True, range=Range(min(numbers), max(numbers)))
        return Param(name, str, True, choices=tuple(values))
    return Param(name, str, True)


def _reply(**_: Any) -> Reply:
    return Reply("")


def skills_of(service: str, schemas: list[dict[str, Any]]) -> Iterator[SgdSkill]:
    """Every intent of a service as a skill, in every schema variant."""
    original = schemas[0]
    for variant, schema in enumerate(schemas):
        slots = {s["name"]: (s, v) for s, v in zip(original["slots"], schema["slots"], strict=True)}
        for intent, declared in zip(original["intents"], schema["intents"], strict=True):
            wanted = [*intent["required_slots"], *intent["optional_slots"]]
            names = {slot: snake(slots[slot][1]["name"]) for slot in wanted}
            params = tuple(_param(slots[slot][0], names[slot]) for slot in wanted)
            if len(set(names.values())) != len(names) or any(keyword.iskeyword(n) for n in names.values()):
                continue  # two slots with one name, or a name like "class", cannot be written as a call
            description = " ".join(declared["description"].split()).rstrip(".") + "."
            item = Skill(snake(declared["name"]), _reply, description[0].upper() + description[1:], params)
            yield SgdSkill(service, intent["name"], variant, item, names)


def requests(split: str | None = None, sgd_dir: Path = SGD_DIR) -> Iterator[dict[str, Any]]:
    """SGD user turns that state an intent (see ../shared/data/README.md), optionally of one split. A few turns write
    o'clock as o"clock: a call's string can't hold a double quote, so it is read as the apostrophe it stands for."""
    with (sgd_dir / "sgd_requests.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if split is None or record["split"] == split:
                record["text"] = record["text"].replace('"', "'")
                record["args"] = {k: v.replace('"', "'") for k, v in record["args"].items()}
                yield record


def is_command(record: dict[str, Any]) -> bool:
    """A turn that works as a single spoken command: a dialogue's first turn, or a later one that says a value
    ("Book that one" alone leans on the dialogue), and not a paragraph."""
    first = record["id"].endswith("-0")
    return (first or bool(record["args"])) and len(record["text"].split()) <= MAX_WORDS


Kind = Literal["ok", "unsaid", "unknown"]


def request_call(record: dict[str, Any], sgd: SgdSkill) -> tuple[Call | None, Kind]:
    """The call a request makes of this skill, and "ok"; (None, why) when a value can't be written as said."""
    args: dict[str, Any] = {}
    params = {p.name: p for p in sgd.skill.params}
    for slot, value in record["args"].items():
        name = sgd.params.get(slot)
        if name is None:
            return None, "unknown"
        if value == "dontcare":
            continue
        param = params[name]
        if param.type is bool:
            args[name] = value == "True"
        elif param.type is int:
            if not value.isdigit() or float(value) not in said_numbers(record["text"]):
                return None, "unsaid"
            args[name] = int(value)
        elif param.choices:
            folded = {c.lower(): c for c in param.choices}
            if value.lower() not in folded:
                return None, "unknown"
            args[name] = folded[value.lower()]
        else:
            args[name] = value
    return Call(sgd.skill.name, args), "ok"
