"""The router's prompt: a static prefix (an instruction and the skill listing) and a short per-turn tail.

The prefix is the same every turn, so its KV cache is computed once; what changes goes at the end, one short line
each. The fine-tuned router reads a compact listing, one line per skill, and no examples: it was trained on many
registries to read whatever skills the listing names (finetune/). A model without the adapter (or a bigger one on
a llama-server) gets a few examples from the skills' own examples too, since a base model needs to see the format.

    Call one of these functions for the request, or none().
    weather(location?: str, day?: today|tomorrow|...|weekend) - Weather now or the forecast ...
    set_volume(level: int 0..10) - Set the speaker volume ...
    none() - no function fits
    Playing: Baby Shark
    Request: skip this one
    Call:
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.calls import format_call
from assistant.errors import SkillDeclarationError
from assistant.registry import Param, Registry, Skill

INSTRUCTION = "Each request becomes one call of these functions, or none() when no function fits."
"""The first line of the few-shot prompt (models without the project's adapter)."""
LISTING_INSTRUCTION = "Call one of these functions for the request, or none()."
"""The first line of the compact prompt the adapter was trained with."""
NONE_LINE = "none() - no function fits"
MAX_SKILL_LINE_CHARS = 600
"""A skill's listing line longer than this is a declaration error at start-up: every turn pays for its tokens
(about 4 characters a token), and a long line crowds out the other skills."""
EXAMPLES_PER_SKILL = 2
"""Few-shot examples taken from each skill's examples (more examples: longer start-up, slower on a Pi)."""
NONE_EXAMPLES = (
    ("thanks, that's all", "none()"),
    ("turn on the kitchen lights", "none()"),
    ("what's on my calendar tomorrow", "none()"),
    ("tell me a joke", "none()"),
    ("send a message to dad", "none()"),
)
"""Requests no built-in skill handles; skipped when a skill of the registry declares the same utterance."""
MAX_NONE_EXAMPLES = 3
"""none() examples in the prompt (the skills' own first, then NONE_EXAMPLES)."""
CONTEXT_LABELS = {"date": "Date", "time": "Time", "home": "Home", "playing": "Playing"}
"""Prompt label of each per-turn context key."""
DEFAULT_CONTEXT_KEYS = ("playing",)
"""Context keys written into the prompt. Date, time and home are left out: no built-in skill argument depends
on them, each costs prompt tokens every turn, and a base model copies the home city into weather() calls."""
PROMPT_MODES = ("listing", "listing-example", "examples")
"""The prompts an adapter may be trained with: the compact listing, the listing with one example per skill after it,
the few-shot prompt (listing and several examples per skill, for models not trained on the format)."""
MAX_UTTERANCE_CHARS = 300
"""Longer input is cut: a spoken request is a sentence, and prompt tokens cost time."""


def few_shot(registry: Registry, per_skill: int | None = None) -> list[tuple[str, str]]:
    """Examples for the prompt: per skill the richest one, other argument sets and values, plus none(); richest last."""
    per_skill = EXAMPLES_PER_SKILL if per_skill is None else per_skill
    picked: list[list[tuple[str, str]]] = []
    negatives: list[tuple[str, str]] = []
    for item in registry.skills.values():
        chosen: list[tuple[str, str]] = []
        shapes: set[tuple[str, ...]] = set()
        canonical = []
        for utterance, text in item.examples:
            call = registry.parse(text)
            if call.name == "none":
                negatives.append((utterance, "none()"))
            else:
                canonical.append((utterance, call))
        # Richest first (sorted is stable, so a skill author's order breaks ties), then different argument sets.
        ranked = sorted(canonical, key=lambda pair: -len(pair[1].args))
        for utterance, call in ranked:
            shape = tuple(call.args)
            if len(chosen) < per_skill and shape not in shapes:
                chosen.append((utterance, format_call(call)))
                shapes.add(shape)
        calls = {text for _, text in chosen}
        for utterance, call in ranked[1:]:  # then other values of the same shapes
            if len(chosen) < per_skill and format_call(call) not in calls:
                chosen.append((utterance, format_call(call)))
                calls.add(format_call(call))
        picked.append(chosen)
    declared = {utterance.lower() for item in registry.skills.values() for utterance, _ in item.examples}
    negatives += [pair for pair in NONE_EXAMPLES if pair[0] not in declared]
    examples = [pair for rank in range(per_skill) for chosen in picked if rank < len(chosen) for pair in [chosen[rank]]]
    # Spread the none() examples through the list: the model favours what it read last.
    negatives = negatives[:MAX_NONE_EXAMPLES]
    for i in reversed(range(len(negatives))):
        examples.insert(round((i + 1) * len(examples) / (len(negatives) + 1)), negatives[i])
    # The richest example of each skill goes last, next to the request: 0.79 vs 0.73 skill accuracy with the
    # bundled Gemma on 300 English requests of evals/full.jsonl (richest first: 0.73, none() last: 0.64).
    return examples[::-1]


def param_text(param: Param) -> str:
    """One parameter as the compact listing shows it: "day?: today|tomorrow", "level: int 0..10", "q?: str"."""
    if param.choices:
        kind = "|".join(param.choices)
    else:
        kind = param.type.__name__
        if param.range:
            kind += f" {param.range.min:g}..{param.range.max:g}"
    doc = f" ({param.doc})" if param.doc else ""
    return f"{param.name}{'?' if param.optional else ''}: {kind}{doc}"


def skill_line(item: Skill) -> str:
    """A skill's line in the compact listing: signature and the first docstring line."""
    return f"{item.name}({', '.join(param_text(p) for p in item.params)}) - {item.description}"


def listing(skills: Iterable[Skill], shown: Iterable[tuple[str, str]] = ()) -> str:
    """The compact listing: the instruction, one line per skill in the given order, and none(); then the requests
    shown with their calls (the "listing-example" prompt: one example per skill, as its author wrote it)."""
    lines = [LISTING_INSTRUCTION, *(skill_line(s) for s in skills), NONE_LINE]
    for utterance, call in shown:
        lines += [f"Request: {clean_utterance(utterance)}", f"Call: {call}"]
    return "\n".join(lines) + "\n"


def shown_examples(registry: Registry) -> list[tuple[str, str]]:
    """One example per skill, in listing order, for the "listing-example" prompt: the skill's richest (most
    arguments; the author's first of equals), its call in canonical form. A skill with no examples shows none."""
    shown = []
    for item in registry.skills.values():
        calls = [(utterance, registry.parse(text)) for utterance, text in item.examples]
        calls = [(utterance, call) for utterance, call in calls if call.name != "none"]
        if calls:
            utterance, call = max(calls, key=lambda pair: len(pair[1].args))  # max keeps the first of equals
            shown.append((utterance, format_call(call)))
    return shown


def check_listing(registry: Registry) -> None:
    """A skill whose listing line is too long for the prompt is a start-up error naming it."""
    for item in registry.skills.values():
        line = skill_line(item)
        if len(line) > MAX_SKILL_LINE_CHARS:
            raise SkillDeclarationError(
                f"skill '{item.name}': its line in the model's prompt is {len(line)} characters, over the "
                f"{MAX_SKILL_LINE_CHARS} a turn can afford; shorten the docstring's first line or its Literal values"
            )


def static_prefix(registry: Registry, *, examples: bool = False, shown: bool = False) -> str:
    """The part of the prompt that never changes for a registry: the compact listing the adapter reads (shown: with
    one example per skill after it), or with examples the few-shot prompt for a model that was not trained on the
    format."""
    if not examples:
        return listing(registry.skills.values(), shown_examples(registry) if shown else ())
    lines = [INSTRUCTION, "", registry.prompt_listing(), ""]
    for utterance, call in few_shot(registry):
        lines += [f"Request: {utterance}", f"Call: {call}"]
    return "\n".join(lines) + "\n"


def clean_utterance(text: str) -> str:
    """One line of at most MAX_UTTERANCE_CHARS: a newline in the input must not start a fake prompt line."""
    return " ".join(text.split())[:MAX_UTTERANCE_CHARS]


def context_lines(context: dict[str, str], keys: tuple[str, ...] = DEFAULT_CONTEXT_KEYS) -> str:
    """The per-turn context as prompt lines ("Playing: Baby Shark\\n"), in a fixed key order."""
    lines = []
    for key in keys:
        value = clean_utterance(str(context.get(key) or ""))
        if value:
            lines.append(f"{CONTEXT_LABELS.get(key, key.capitalize())}: {value}\n")
    return "".join(lines)


def request_lines(text: str) -> str:
    """The utterance and the cue for the call; the model continues right after "Call:"."""
    return f"Request: {clean_utterance(text)}\nCall:"


def utterance_words(text: str) -> list[str]:
    """Words of the utterance as a string argument may copy them (punctuation around words removed)."""
    words = [word.strip(".,!?;:\"'()[]") for word in clean_utterance(text).split()]
    return [word for word in words if word]
