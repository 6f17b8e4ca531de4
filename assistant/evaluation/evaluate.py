"""Evaluation: load a dataset (the project's call-labelled sets, intent-labelled external files, or a skill
developer's sentences as text lines), route every example, judge the calls, and compute the metrics (accuracy with a
Wilson interval, per skill, none() precision and recall, confusion matrix, per-language and per-tag breakdowns,
latency per path)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.calls import Call, CallSyntaxError, parse_call
from assistant.errors import AssistantError, InvalidArguments, UnknownSkill
from assistant.evaluation.metrics import Outcome, metrics
from assistant.i18n import unspaced_text
from assistant.registry import Registry
from assistant.routing.router import Route

log = logging.getLogger(__name__)

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals"
"""The project's own datasets: golden.jsonl, quick.jsonl, full.jsonl."""
INTENT_TO_SKILL = {
    "weather": "weather",
    "play_music": "play_music",
    "math": "calculate",
    "news": "news",
    "out_of_scope": "none",
}
"""External intent labels mapped to our skills."""
SERVED_OUT_OF_SCOPE = {
    "audio_volume_up": ("music_control", "set_volume"),
    "audio_volume_down": ("music_control", "set_volume"),
    # The clock skills (SLURP's and xSID's names): alarms set, listed, cancelled; the time and date.
    "alarm_set": ("set_alarm", "set_timer"),
    "alarm_query": ("alarm_control",),
    "alarm_remove": ("alarm_control",),
    "datetime_query": ("current_date", "current_time"),
    "alarm/set_alarm": ("set_alarm", "set_timer"),
    "alarm/cancel_alarm": ("alarm_control",),
    "alarm/show_alarms": ("alarm_control",),
    "alarm/snooze_alarm": ("alarm_control",),
    "alarm/modify_alarm": ("set_alarm", "alarm_control"),
}
"""External out_of_scope examples by original intent that this product serves on purpose ("turn the volume up" is
music_control, or set_volume with a level): the first skill is expected, the others also count, when the registry
has it (without the clock skills an alarm stays a negative). Such examples are tagged served:<intent>, so a run can
still be read the dataset's way and compared with one from before a skill was served."""
ARG_SLOTS = {
    "weather": ("location", {"place_name", "city", "country", "state", "location", "geographic_poi"}),
    "play_music": (
        "query",
        {"song_name", "artist_name", "music_genre", "playlist_name", "artist", "album", "track", "playlist", "genre"},
    ),
    "news": ("topic", {"news_topic"}),
}
"""Per skill: the argument a slot value must appear in, and the slot types that count."""
CALL_KEYS = {"id", "text", "lang", "call", "tags", "note", "was"}
"""Keys of a JSON-lines example; "was" is the call a generated example had before a skill joining the built-ins
relabelled it (evals/make_spoken.py --relabel)."""
SENTENCE_SUFFIX = ".txt"
"""A dataset file with this suffix holds `sentence => call` lines (# comments) instead of JSON lines."""
_LANG_LINE = re.compile(r"^#\s*lang\s*:\s*([A-Za-z][A-Za-z-]*)\s*$")
MAX_REPORTED_ERRORS = 20
_ARTICLES = re.compile(r"^(the|a|an) ")
# Word lists as strings, split once: easier to read and extend than 100 lines of quoted items.
_HERE_WORDS = (
    "here there out outside nearby close around local home hometown hier do hie draußen draussen draußn afoure "
    "dusse nah nahe her ute tæt nær qui fuori fore bicino cà ca luar sini ovde vani napolju burada buranın buiten "
    "dichtbij 外 ここ 这里 外面 附近 هنا الخارج"
)
_HERE_PARTS = (
    "current|near|close by|my location|my area|where i am|home town|aktuell|jetzig|momentan|itzig|standort|nähe|"
    "näh|nöchi|nechne|wo i gr|nuværende|nærheden|lokation|udenfor|huidige|in de buurt|attuale|vicin|saat ini|dekat|"
    "lokasi|posisi|trenutn|okolini|blizini|lokacij|konum|bulunduğum|yakın|dışarı|қазіргі|жақын|сыртта|дала|"
    "осы жер|الحالي|قريب|بالقرب|موقعي|位置|靠近|近く|現在地"
)
HERE_WORDS = frozenset(_HERE_WORDS.split())
"""Place slot values that mean "where I am" (xSID labels "outside", "here" as locations): no place said."""
HERE_PARTS = tuple(_HERE_PARTS.split("|"))
"""Pieces of such values ("aktuellen Standort", "现在的位置")."""


class DatasetError(AssistantError):
    """A dataset file is missing or has malformed lines; the message lists each as file:line: reason."""


@dataclass(frozen=True)
class Example:
    """One utterance to route and what it should give."""

    id: str
    """Unique within the dataset; runs are compared by id."""
    text: str
    """The utterance as the router sees it."""
    lang: str
    """ISO 639-1 code (xSID also has dialect codes such as de-ba)."""
    skill: str
    """Expected skill name; "none" for not-a-command."""
    call: Call | None = None
    """Expected call (call-labelled sets), canonical through the registry when one was given."""
    slots: tuple[tuple[str, str], ...] = ()
    """(type, value) slot labels (intent-labelled sets)."""
    tags: tuple[str, ...] = ()
    """Free labels for breakdowns: asr, disfluent, hard_negative, child..."""
    line: int = 0
    """Line number in the file, for messages."""
    also: tuple[str, ...] = ()
    """Other skills that are right too (SERVED_OUT_OF_SCOPE)."""

    def expected_text(self) -> str:
        """What the example expects, for people: the call, or skill plus slots."""
        if self.call is not None:
            return str(self.call)
        slots = ", ".join(f"{t}={v!r}" for t, v in self.slots if t in ARG_SLOTS.get(self.skill, ("", set()))[1])
        return f"{self.skill}[{slots}]" if slots else self.skill


@dataclass
class Dataset:
    """A loaded dataset file."""

    name: str
    """Short name: golden, quick, full, or the file's stem."""
    path: Path
    """The file it came from."""
    kind: str
    """"calls" (expected call per line) or "intents" (intent + slots per line)."""
    examples: list[Example]
    """In file order."""
    sha256: str
    """Hash of the file's bytes, recorded with every run."""


def dataset_skills(path: Path) -> Path | None:
    """The skill folder that comes with a dataset, <folder>/<stem>/skills/ beside it (evals/unseen.jsonl ->
    evals/unseen/skills/), or None: its skills are loaded besides the configured ones when it is evaluated."""
    folder = path.parent / path.stem / "skills"
    return folder if folder.is_dir() else None


def resolve_dataset(name: str) -> tuple[str, Path]:
    """A built-in set name (golden, quick, full, unseen) or a file path, as (short name, path)."""
    builtin = EVALS_DIR / f"{name}.jsonl"
    if "/" not in name and not name.endswith(".jsonl") and builtin.is_file():
        return name, builtin
    path = Path(name).expanduser()
    if path.is_file():
        return path.stem, path
    known = ", ".join(sorted(p.stem for p in EVALS_DIR.glob("*.jsonl")))
    raise DatasetError(f"no dataset '{name}': not a built-in set ({known}) and no such file")


def load_dataset(name: str, registry: Registry | None = None) -> Dataset:
    """Read and check a dataset; every malformed line is reported as file:line: reason, none skipped."""
    short, path = resolve_dataset(name)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DatasetError(f"{path}: cannot read ({error.strerror})") from None
    examples: list[Example] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    kind = ""
    sentences, lang = path.suffix == SENTENCE_SUFFIX, "en"
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        if sentences and line.lstrip().startswith("#"):
            directive = _LANG_LINE.match(line.strip())  # "# lang: de": the language of the lines below
            lang = directive.group(1).lower() if directive else lang
            continue
        try:
            record = _sentence_record(line, lang) if sentences else json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            line_kind = "intents" if "intent" in record else "calls"
            kind = kind or line_kind
            if line_kind != kind:
                raise ValueError(f"a {line_kind} record in a {kind} file (first record decides)")
            example = (
                _call_example(record, number, registry)
                if kind == "calls"
                else _intent_example(record, number, registry)
            )
            if example.id in seen:
                if sentences:
                    raise ValueError(f"the same sentence is already on line {seen[example.id]}")
                raise ValueError(f"id {example.id!r} already used on line {seen[example.id]}")
            seen[example.id] = number
            examples.append(example)
        except (ValueError, CallSyntaxError, UnknownSkill, InvalidArguments) as error:
            problems.append(f"{path}:{number}: {error}")
    if problems:
        shown = "\n".join(problems[:MAX_REPORTED_ERRORS])
        more = f"\n... and {len(problems) - MAX_REPORTED_ERRORS} more" if len(problems) > MAX_REPORTED_ERRORS else ""
        raise DatasetError(f"{len(problems)} malformed line(s) in {path}:\n{shown}{more}")
    if not examples:
        raise DatasetError(f"{path}: no examples")
    return Dataset(short, path, kind, examples, hashlib.sha256(data).hexdigest())


def sentence_id(call: str, lang: str, text: str) -> str:
    """A stable id for a sentence: the skill name plus a hash of language and text (as evals/generate.py makes)."""
    digest = hashlib.sha1(f"{lang}\n{text}".encode()).hexdigest()[:8]
    return f"{call.split('(')[0].strip()}-{lang}-{digest}"


def _sentence_record(line: str, lang: str) -> dict[str, Any]:
    """A `sentence => call` line as a record of our JSON format (the call is checked like a JSON line's)."""
    text, arrow, call = line.partition("=>")
    text, call = " ".join(text.split()), call.strip()
    if not arrow or not text or not call:
        raise ValueError(
            f"expected 'sentence => call', e.g. 'turn on the lights => lights(state=\"on\")' or "
            f"'thanks, that's all => none()', got {line.strip()!r}"
        )
    return {"id": sentence_id(call, lang, text), "text": text, "lang": lang, "call": call, "tags": []}


def _string(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'"{key}" must be a non-empty string, got {value!r}')
    return value


def _tags(record: dict[str, Any]) -> tuple[str, ...]:
    tags = record.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise ValueError(f'"tags" must be a list of strings, got {tags!r}')
    return tuple(tags)


def _call_example(record: dict[str, Any], number: int, registry: Registry | None) -> Example:
    """A line of our own format: {"id", "text", "lang", "call", "tags"}."""
    unknown = set(record) - CALL_KEYS
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(CALL_KEYS))})")
    call = parse_call(_string(record, "call"))
    if registry is not None:
        call = registry.validate(call)
    return Example(
        _string(record, "id"),
        _string(record, "text"),
        _string(record, "lang"),
        call.name,
        call,
        tags=_tags(record),
        line=number,
    )


def _intent_example(record: dict[str, Any], number: int, registry: Registry | None = None) -> Example:
    """A line of the shared intent format: {"id", "lang", "text", "intent", "slots": [{"type", "value"}]}."""
    intent = _string(record, "intent")
    if intent not in INTENT_TO_SKILL:
        raise ValueError(f"unknown intent {intent!r} (known: {', '.join(INTENT_TO_SKILL)})")
    slots = record.get("slots", [])
    if not isinstance(slots, list) or not all(isinstance(s, dict) and "type" in s and "value" in s for s in slots):
        raise ValueError('"slots" must be a list of {"type", "value"} objects')
    tags = [f"source:{record['source']}"] if isinstance(record.get("source"), str) else []
    skill = INTENT_TO_SKILL[intent]
    also: tuple[str, ...] = ()
    if intent == "out_of_scope" and isinstance(record.get("orig_intent"), str):
        served = SERVED_OUT_OF_SCOPE.get(record["orig_intent"], ())
        if served and (registry is None or served[0] in registry.skills):
            skill, *others = served
            also = tuple(others)
            tags.append(f"served:{record['orig_intent']}")
        else:
            tags.append(f"oos:{record['orig_intent']}")  # which kind of negative fooled the router
    record_id = record.get("id")
    if not isinstance(record_id, str | int) or isinstance(record_id, bool) or record_id == "":
        raise ValueError(f'"id" must be a string or number, got {record_id!r}')
    return Example(
        str(record_id),
        _string(record, "text"),
        str(record.get("lang") or "en"),
        skill,
        None,
        tuple((str(s["type"]), str(s["value"])) for s in slots),
        tuple(tags),
        number,
        also,
    )


def normalize_value(value: object, *, symbols: bool = False) -> object:
    """Strings compare casefolded, without punctuation, spacing or a leading article; symbols=True (math) keeps
    every symbol and drops only spaces. Other values compare as they are."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).casefold()
    if symbols:
        return "".join(text.split())
    text = text.replace("'", "").replace("\u2019", "")  # "don't" = "dont", as recognisers write it
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return _ARTICLES.sub("", " ".join(text.split()))


def same_call(expected: Call, predicted: Call, registry: Registry | None = None) -> bool:
    """Exact call match: same skill, same arguments in any order, strings normalised."""
    if expected.name != predicted.name or set(expected.args) != set(predicted.args):
        return False
    for name, value in expected.args.items():
        symbols = False
        if registry is not None and expected.name in registry.skills:
            param = next((p for p in registry.skills[expected.name].params if p.name == name), None)
            symbols = param is not None and param.normalize is not None  # "12*7" must not equal "127"
        if normalize_value(value, symbols=symbols) != normalize_value(predicted.args[name], symbols=symbols):
            return False
    return True


def is_here(value: str) -> bool:
    """True when a place slot value means "here / outside / my current location" rather than naming a place."""
    text = normalize_value(value)
    assert isinstance(text, str)
    return text in HERE_WORDS or any(part in text for part in HERE_PARTS)


def _canonical_slots(values: list[str], skill: str, argument: str, registry: Registry | None) -> list[str]:
    """The slot values plus their canonical form where the skill normalises that argument: the skill makes
    "dance music" the query "dance", so a call that says "dance" asks for what the label says."""
    if registry is None or skill not in registry.skills:
        return values
    param = next((p for p in registry.skills[skill].params if p.name == argument), None)
    if param is None or param.normalize is None:
        return values
    canonical = list(values)
    for value in values:
        try:
            converted = param.normalize.fn(value)
        except (ValueError, TypeError):
            continue  # the skill would refuse this value; only the label's own words count
        if isinstance(converted, str) and converted not in canonical:
            canonical.append(converted)
    return canonical


def slot_success(example: Example, predicted: Call, registry: Registry | None = None) -> bool:
    """Intent sets: a labelled place/music/topic slot value must appear in our argument (case-insensitive).

    Weather without a place slot, or whose place means "here" ("outside", "current location"), must have no
    location, or one the weather skill itself reads as home ("home town"; the home location is used); "nearby
    Moosic" also accepts location="Moosic". Music and news without a content slot are not judged on arguments.
    With a registry, a slot value also counts in the canonical form the skill gives that argument ("dance music"
    is play_music's query "dance").
    """
    if example.skill not in ARG_SLOTS:
        return True
    argument, types = ARG_SLOTS[example.skill]
    values = _canonical_slots([v for t, v in example.slots if t in types], example.skill, argument, registry)
    said = predicted.args.get(argument)
    if example.skill == "weather" and all(is_here(v) for v in values):
        skill = registry.skills.get(example.skill) if registry else None
        means_home = skill.means_default.get(argument) if skill else None  # the skill's own "no place but here"
        if said is None or (means_home and means_home(str(said))):  # "home town" is the home forecast, as weather()
            return True
        values = [v for v in values if normalize_value(v) != normalize_value(said)]  # "here" is not a place
        return any(_within(str(said), v) for v in values)
    if not values:
        return True
    if not isinstance(said, str):
        return False
    return any(_within(v, said) for v in values)


def _within(part: str, whole: str) -> bool:
    """part occurs in whole as whole words; by characters in Chinese and Japanese, which have no spaces between
    words ("科罗拉多州" is in "蒂奥加科罗拉多州")."""
    part_text, whole_text = str(normalize_value(part)), str(normalize_value(whole))
    if unspaced_text(part_text):
        return part_text in whole_text
    return f" {part_text} " in f" {whole_text} "


def judge(example: Example, predicted: Call, registry: Registry | None = None) -> tuple[bool, bool]:
    """(skill right, arguments right) for one prediction."""
    skill_ok = predicted.name == example.skill or predicted.name in example.also
    if not skill_ok:
        return False, False
    if example.call is not None:
        return True, same_call(example.call, predicted, registry)
    return True, slot_success(example, predicted, registry)


def select(examples: Iterable[Example], tags: Iterable[str] = (), limit: int | None = None) -> list[Example]:
    """Examples carrying every given tag (lang:xx matches the language), the first limit of them."""
    wanted = list(tags)
    chosen = [e for e in examples if all(t in e.tags or t == f"lang:{e.lang}" for t in wanted)]
    return chosen[:limit] if limit is not None else chosen


def run(
    route: Callable[[str], Route],
    examples: list[Example],
    registry: Registry | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Route every example and judge it; a router bug on one example is recorded, not fatal."""
    outcomes = []
    for index, example in enumerate(examples, 1):
        start = time.perf_counter()
        try:
            result = route(example.text)
        except AssistantError as error:
            result = Route(Call("none"), "none", error=f"router error: {error}")
        except Exception as error:  # a crash here is a bug to fix, but the other examples still count
            log.exception("router crashed on %s", example.id)
            result = Route(Call("none"), "none", error=f"router crashed: {type(error).__name__}: {error}")
        route_ms = result.timings_ms.get("route_ms", (time.perf_counter() - start) * 1000)
        skill_ok, args_ok = judge(example, result.call, registry)
        outcomes.append(
            Outcome(
                example.id,
                example.text,
                example.lang,
                list(example.tags),
                example.expected_text(),
                str(result.call),
                example.skill,
                result.call.name,
                result.path,
                route_ms,
                skill_ok,
                args_ok,
                skill_ok and args_ok,
                result.error,
                result.raw,
                result.confidence,
            )
        )
        if progress is not None:
            progress(index, len(examples))
    return outcomes


def outcome_dicts(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """Outcomes as JSON-ready dicts (for the run store)."""
    return [asdict(o) for o in outcomes]


def outcomes_from_dicts(rows: Iterable[dict[str, Any]]) -> list[Outcome]:
    """Outcomes read back from the run store."""
    names = {f for f in Outcome.__dataclass_fields__}
    return [Outcome(**{k: v for k, v in row.items() if k in names}) for row in rows]


@dataclass
class EvalResult:
    """One evaluation: the dataset, what was selected, every outcome and the metrics."""

    dataset: Dataset
    outcomes: list[Outcome]
    metrics: dict[str, Any]
    selection: dict[str, Any] = field(default_factory=dict)
    """The --limit and --tag used (so a run says what subset it measured)."""
    wall_s: float = 0.0
    """Seconds the whole evaluation took."""


def evaluate(
    route: Callable[[str], Route],
    dataset: Dataset,
    registry: Registry | None = None,
    *,
    limit: int | None = None,
    tags: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Select, route, judge and score: the whole evaluation of one dataset."""
    tags = list(tags)
    chosen = select(dataset.examples, tags, limit)
    if not chosen:
        raise DatasetError(f"{dataset.path}: no example has tag(s) {', '.join(tags)}")
    start = time.perf_counter()
    outcomes = run(route, chosen, registry, progress)
    return EvalResult(
        dataset,
        outcomes,
        metrics(outcomes),
        {"limit": limit, "tags": tags, "n": len(chosen)},
        time.perf_counter() - start,
    )
