"""Build the `unseen` evaluation: skill files for SGD's dev-only services and evals/unseen.jsonl, deterministically.

Skills never seen in training, listed beside the built-ins, with requests people make of them and requests for
skills that are not listed:

- `evals/unseen/skills/sgd_<service>.py`: every intent of the SGD services that occur only in SGD's dev split
  (finetune.sgd.DEV_ONLY), declared through finetune/sgd.py (SGD's own names, variant 0: all parameters optional,
  Literal for categorical slots, bool, int with a Range) as a developer writes a skill file, with two or three
  examples written for this project. Movies_2 has one intent, FindMovies, which is Media_2's FindMovies under
  another slot name (starring = actors): two skills doing one thing would make a request's right answer a coin
  toss, so Movies_2's requests are find_movies requests of Media_2's declaration (still tagged service:Movies_2).
- `evals/unseen/skills/household.py` (written by hand): six everyday skills held out of training.
- `evals/unseen.jsonl`: (a) SGD dev requests of the listed services that work as a spoken command and whose values
  are words of the request (as training keeps them, finetune/registries.py) -> their calls, tags `sgd`,
  `service:<name>`, at most PER_INTENT per intent; (b) `evals/unseen/household.txt`, sentences written for the
  held-out skills, tags `household`, `family:<skill>`; (c) requests for skills that are not listed -> none(), tag
  `unlisted`: SGD dev requests of services that overlap no listed skill (UNLISTED, PER_UNLISTED each, tags
  `service:<name>`) and `evals/unseen/unlisted.txt`, written for this project (tag `handwritten`).
  Sentences equal to one of another eval set, to a skill's example, or to another sentence here are left out;
  one SGD sentence labelled with two different calls is left out.

Run `.venv/bin/python evals/make_unseen.py` after editing this file or the .txt files; a test checks the committed
files are what it makes. SGD (Rastogi et al. 2020) is CC BY-SA 4.0: see ../shared/data/LICENSES.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script: finetune/ is not an installed package
    sys.path.insert(0, str(ROOT))

from assistant.errors import AssistantError  # noqa: E402
from assistant.evaluation.evaluate import load_dataset, sentence_id  # noqa: E402
from assistant.i18n import normalize_text  # noqa: E402
from assistant.registry import Param, Registry  # noqa: E402
from finetune import sgd  # noqa: E402
from finetune.registries import _copies, rename  # noqa: E402

UNSEEN = HERE / "unseen"
SKILLS = UNSEEN / "skills"
DATASET = HERE / "unseen.jsonl"
OTHER_SETS = ("golden.jsonl", "quick.jsonl", "full.jsonl")
SEED = 16
PER_INTENT = 40
"""SGD requests per listed intent (seeded sample): ~600 of them would cost more minutes than they tell."""
PER_UNLISTED = 20
"""SGD requests per unlisted service."""
SAME_AS = {("Movies_2", "FindMovies"): (("Media_2", "FindMovies"), {"starring": "actors"})}
"""An intent declared by another service's skill: (that service and intent, this slot name -> that parameter)."""
UNLISTED = ("Buses_1", "Events_1", "Homes_1", "RentalCars_1", "RideSharing_1", "Travel_1")
"""Dev services that no listed skill serves: their requests must be none(). Not Hotels_1 (Hotels_4 is listed),
Weather_1 or Music_1 (the built-ins serve them)."""
EXAMPLES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("Alarm_1", "GetAlarms"): [
        ("which alarms do I have", "get_alarms()"),
        ("list my alarms", "get_alarms()"),
    ],
    ("Alarm_1", "AddAlarm"): [
        ("set an alarm for 6:45 am", 'add_alarm(new_alarm_time="6:45 am")'),
        (
            "add an alarm at 7 pm called take the pills",
            'add_alarm(new_alarm_time="7 pm", new_alarm_name="take the pills")',
        ),
    ],
    ("Banks_2", "CheckBalance"): [
        ("how much is in my checking account", 'check_balance(account_type="checking")'),
        ("what's my bank balance", "check_balance()"),
    ],
    ("Banks_2", "TransferMoney"): [
        ("send 50 dollars to Maria", 'transfer_money(transfer_amount="50 dollars", recipient_name="Maria")'),
        (
            "transfer 200 dollars from savings to Tom",
            'transfer_money(account_type="savings", transfer_amount="200 dollars", recipient_name="Tom")',
        ),
    ],
    ("Flights_3", "SearchOnewayFlight"): [
        (
            "find a one way flight from Boston to Denver",
            'search_oneway_flight(origin_city="Boston", destination_city="Denver")',
        ),
        (
            "I need a one-way business class ticket to Rome on May 3rd",
            'search_oneway_flight(destination_city="Rome", departure_date="May 3rd", flight_class="Business")',
        ),
    ],
    ("Flights_3", "SearchRoundtripFlights"): [
        (
            "round trip from Seattle to Miami for 2 people",
            'search_roundtrip_flights(origin_city="Seattle", destination_city="Miami", passengers=2)',
        ),
        (
            "return flights to Oslo leaving Friday and back on Sunday",
            'search_roundtrip_flights(destination_city="Oslo", departure_date="Friday", return_date="Sunday")',
        ),
    ],
    ("Hotels_4", "SearchHotel"): [
        ("find me a hotel in Lisbon", 'search_hotel(location="Lisbon")'),
        (
            "I want a 4 star hotel in Vienna where smoking is allowed",
            'search_hotel(location="Vienna", smoking_allowed=True, star_rating=4)',
        ),
    ],
    ("Hotels_4", "ReserveHotel"): [
        (
            "reserve two rooms at the Hilton in Austin",
            'reserve_hotel(place_name="Hilton", location="Austin", number_of_rooms=2)',
        ),
        (
            "book the Seaside Inn from next Friday for 3 nights",
            'reserve_hotel(place_name="Seaside Inn", check_in_date="next Friday", stay_length="3")',
        ),
    ],
    ("Media_2", "FindMovies"): [
        ("find a comedy to watch", 'find_movies(genre="comedy")'),
        ("movies directed by Greta Gerwig", 'find_movies(director="Greta Gerwig")'),
        ("I'd like a thriller starring Tom Hanks", 'find_movies(genre="thriller", actors="Tom Hanks")'),
    ],
    ("Media_2", "RentMovie"): [
        ("rent The Matrix", 'rent_movie(movie_name="The Matrix")'),
        ("rent Amelie with English subtitles", 'rent_movie(movie_name="Amelie", subtitle_language="English")'),
    ],
    ("Restaurants_2", "FindRestaurants"): [
        ("find an Italian restaurant in Oakland", 'find_restaurants(category="Italian", location="Oakland")'),
        (
            "cheap places to eat with outdoor seating",
            'find_restaurants(price_range="cheap", has_seating_outdoors=True)',
        ),
    ],
    ("Restaurants_2", "ReserveRestaurant"): [
        (
            "reserve a table for 4 at Chez Marie at 7 pm",
            'reserve_restaurant(restaurant_name="Chez Marie", time="7 pm", number_of_seats=4)',
        ),
        ("make a dinner reservation for tomorrow", 'reserve_restaurant(date="tomorrow")'),
    ],
    ("Services_4", "FindProvider"): [
        ("find a psychologist in Denver", 'find_provider(city="Denver", type="Psychologist")'),
        ("I'm looking for a family counselor", 'find_provider(type="Family Counselor")'),
    ],
    ("Services_4", "BookAppointment"): [
        (
            "book an appointment with Dr. Kim on Tuesday at 3 pm",
            'book_appointment(therapist_name="Dr. Kim", appointment_time="3 pm", appointment_date="Tuesday")',
        ),
        ("make an appointment with my therapist", "book_appointment()"),
    ],
}
"""Examples per intent, written for this project (no SGD sentence): what a developer puts in @skill(examples=...)."""


# ---------------------------------------------------------------- skill files


BUILT_IN_DOMAINS = {"Alarm_1": "set_alarm"}
"""Dev-only services a built-in skill now serves (the clock's alarms): listed beside it, a request would have two
right answers, so the service is left out of the set."""


def listed_services(services: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The dev-only services declared as skill files: not one whose every intent is another's (SAME_AS), nor one
    a built-in skill serves (BUILT_IN_DOMAINS)."""
    from assistant.registry import Registry

    builtin = set(Registry.load().names())
    return [
        name
        for name in sgd.DEV_ONLY
        if any((name, intent["name"]) not in SAME_AS for intent in services[name][0]["intents"])
        and BUILT_IN_DOMAINS.get(name) not in builtin
    ]


def _annotation(param: Param) -> str:
    """The parameter's type as a developer writes it (always optional)."""
    if param.choices:
        return "Literal[" + ", ".join(json.dumps(c) for c in param.choices) + "] | None"
    if param.range is not None:
        return f"Annotated[{param.type.__name__}, Range({param.range.min}, {param.range.max})] | None"
    return f"{param.type.__name__} | None"


def skill_source(service: str, declared: list[sgd.SgdSkill]) -> str:
    """One service's skill file, as a developer writes it, in ruff's format (as `make lint` checks it)."""
    typing_names: set[str] = set()
    needs_range = False
    body: list[str] = []
    for item in declared:
        params = []
        for param in item.skill.params:
            annotation = _annotation(param)
            typing_names.update(n for n in ("Annotated", "Literal") if annotation.startswith(n))
            needs_range = needs_range or param.range is not None
            params.append(f"{param.name}: {annotation} = None")
        what = item.skill.description.rstrip(".")
        reply = f"I would {what[0].lower()}{what[1:]}: {{said}}."  # no service behind it
        examples = ", ".join(f"({json.dumps(u)}, {json.dumps(c)})" for u, c in EXAMPLES[(service, item.intent)])
        body += [
            f"@skill(examples=[{examples}])",
            f"def {item.skill.name}({', '.join(params)}) -> Reply:",
            f'    """{item.skill.description}"""',
            "    said = {name: value for name, value in locals().items() if value is not None}",
            f"    return Reply(f{json.dumps(reply)}, said)",
        ]
    head = [
        f'"""{service} from SGD\'s dev schema, declared as a developer would (generated by evals/make_unseen.py)."""'
    ]
    if typing_names:
        head += [f"from typing import {', '.join(sorted(typing_names))}", ""]
    head.append(f"from assistant import {'Range, ' if needs_range else ''}Reply, skill")
    return _formatted("\n".join(head + body) + "\n")


def _formatted(source: str) -> str:
    """Source as `ruff format` writes it (the project's formatter, from the same environment)."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(SKILLS / "generated.py"), "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"make_unseen: ruff format failed: {done.stderr.strip()}")
    return done.stdout


def skill_files(services: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """File name -> source of every listed service's skill file."""
    files = {}
    for service in listed_services(services):
        declared = [item for item in sgd.skills_of(service, services[service]) if item.variant == 0]
        files[f"sgd_{sgd.snake(service)}.py"] = skill_source(service, declared)
    return files


# ---------------------------------------------------------------- the dataset

Item = tuple[str, str, list[str]]
"""(text, call, tags) of a candidate example."""


def _key(text: str) -> str:
    """What makes two sentences the same sentence."""
    return normalize_text(text)


def _sgd_listed(
    registry: Registry, services: dict[str, list[dict[str, Any]]], records: list[dict[str, Any]]
) -> dict[tuple[str, str], list[Item]]:
    """Per listed (service, intent): every request that works as a command, whose values are words of the request,
    as (text, call, tags)."""
    declared = {}
    for service in sgd.DEV_ONLY:
        for item in sgd.skills_of(service, services[service]):
            if item.variant == 0:
                declared[(service, item.intent)] = item
    found: dict[tuple[str, str], list[Item]] = {}
    for record in records:
        where = (record["service"], record["intent"])
        if where not in declared or not sgd.is_command(record):
            continue
        call, _kind = sgd.request_call(record, declared[where])
        if call is None:
            continue
        if where in SAME_AS:
            other, mapping = SAME_AS[where]
            call = rename(call, declared[other].skill, mapping)
        try:
            valid = registry.validate(call)
        except AssistantError:
            continue
        if _copies(str(valid), record["text"]):
            found.setdefault(where, []).append((record["text"], str(valid), ["sgd", f"service:{record['service']}"]))
    return found


def build(
    registry: Registry, services: dict[str, list[dict[str, Any]]], records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every record of evals/unseen.jsonl, in a stable pseudo-random order (by a hash of the id), so that --limit
    takes a mixed sample."""
    rng = random.Random(SEED)
    listed = _sgd_listed(registry, services, records)
    unlisted = [r for r in records if r["service"] in UNLISTED and sgd.is_command(r)]
    taken = {_key(e.text) for name in OTHER_SETS for e in load_dataset(str(HERE / name)).examples}
    taken |= {_key(utterance) for item in registry.skills.values() for utterance, _ in item.examples}
    calls: dict[str, set[str]] = {}
    for items in listed.values():
        for text, call, _tags in items:
            calls.setdefault(_key(text), set()).add(call)
    for record in unlisted:
        calls.setdefault(_key(record["text"]), set()).add("none()")
    taken |= {key for key, options in calls.items() if len(options) > 1}  # no right answer: left out
    out: list[dict[str, Any]] = []

    def add(items: Iterable[Item], count: int | None = None) -> None:
        fresh: dict[str, dict[str, Any]] = {}
        for text, call, tags in items:
            if _key(text) not in taken and _key(text) not in fresh:
                fresh[_key(text)] = {
                    "id": sentence_id(call, "en", text),
                    "text": text,
                    "lang": "en",
                    "call": call,
                    "tags": tags,
                }
        chosen = list(fresh.values())
        if count is not None and len(chosen) > count:
            chosen = rng.sample(chosen, count)
        taken.update(_key(r["text"]) for r in chosen)
        out.extend(chosen)

    for where in sorted(listed):
        add(listed[where], PER_INTENT)
    for example in load_dataset(str(UNSEEN / "household.txt"), registry).examples:
        add([(example.text, str(example.call), ["household", f"family:{example.skill}"])])
    for service in UNLISTED:
        items = [(r["text"], "none()", ["unlisted", f"service:{service}"]) for r in unlisted if r["service"] == service]
        add(items, PER_UNLISTED)
    for example in load_dataset(str(UNSEEN / "unlisted.txt"), registry).examples:
        add([(example.text, str(example.call), ["unlisted", "handwritten"])])
    return sorted(out, key=lambda r: hashlib.sha1(r["id"].encode()).hexdigest())


def check_examples(records: list[dict[str, Any]]) -> None:
    """The skills' examples are the project's own: none is an SGD sentence."""
    said = {_key(r["text"]) for r in records}
    copied = [u for examples in EXAMPLES.values() for u, _ in examples if _key(u) in said]
    if copied:
        raise SystemExit(f"make_unseen: examples copied from SGD: {copied}")


def main(argv: list[str] | None = None) -> int:
    """Write the skill files and the dataset; print what it holds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sgd", type=Path, default=sgd.SGD_DIR, help="the SGD folder (../shared/data/sgd)")
    args = parser.parse_args(argv)
    services = sgd.load_services("dev", args.sgd)
    records = list(sgd.requests("dev", args.sgd))
    check_examples(records)
    SKILLS.mkdir(parents=True, exist_ok=True)
    for name, source in skill_files(services).items():
        (SKILLS / name).write_text(source, encoding="utf-8")
    registry = Registry.load([SKILLS])
    rows = build(registry, services, records)
    with DATASET.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts = Counter(tag for row in rows for tag in row["tags"])
    print(f"{DATASET}: {len(rows)} examples, {len(registry.names())} skills listed")
    for tag, count in sorted(counts.items()):
        print(f"  {tag:32} {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
