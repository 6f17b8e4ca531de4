"""Skills: @skill turns a typed function into a Skill; the Registry derives validation, grammar and prompt.

Long: the declaration (@skill, Param, Skill) and what the Registry derives from it (validation, the GBNF grammar,
the prompt listing, hotwords) must agree on every type a signature may use, and they change together.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin, get_type_hints

from assistant.calls import NONE_CALL, Call, CallSyntaxError, Value, format_call, format_value, parse_call
from assistant.errors import InvalidArguments, SkillDeclarationError, UnknownSkill
from assistant.i18n import normalize_text

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_STRING_CHARS = 80
"""Longest string argument a call may carry (also the grammar's limit)."""


@dataclass(frozen=True)
class Range:
    """Inclusive bounds for a number parameter: Annotated[int, Range(0, 10)]."""

    min: float
    """Smallest allowed value."""
    max: float
    """Largest allowed value."""


@dataclass(frozen=True)
class Normalize:
    """A converter run on a string argument before the skill sees it: Annotated[str, Normalize(fn)].

    fn returns the canonical value or raises ValueError with a reason; the canonical value is what
    evaluation compares, so two phrasings of one request compare equal.
    """

    fn: Callable[[str], str]
    """Converter from what was said to the canonical argument."""
    states: Callable[[str], bool] | None = None
    """Whether a sentence states a value of this kind at all (a time of day somewhere in "wake me at seven please",
    read or not). With it, an optional argument whose value fn refuses, in the model's text and in the whole request,
    is left out when the request states none ("cancel my alarm for tomorrow": alarm_control(time="tomorrow") becomes
    alarm_control(action="cancel")); a request that does state one keeps the error (a time the converter cannot read
    is not dropped for "any alarm"). None: the error always stands (a music query is the request's own words)."""
    near: Callable[[str, str], str] | None = None
    """(request, the model's value) -> the canonical value read where the model's value sits in the request, or
    ValueError. For unspaced scripts, where the model's span runs on into the words after it ("午前6時に設定する"
    for "午前 6 時に設定"), and a reader of the whole request would have to find the value among other words. Tried
    after fn refuses the model's value and the whole request."""


@dataclass(frozen=True)
class Reply:
    """What a skill answers: a sentence to speak plus structured data for screens and tests."""

    text: str
    """The sentence to speak, in the user's language."""
    data: dict[str, Any] = field(default_factory=dict)
    """Structured result (temperatures, track paths, headlines...)."""


@dataclass
class Context:
    """What a skill may use besides its arguments: settings, language, a data folder and shared services."""

    settings: Any
    """The skill's own settings dataclass from the [skills.NAME] config table (None if it has none)."""
    language: str = "en"
    """Language of the request (ISO 639-1), for the reply."""
    data_dir: Path = Path(".")
    """A folder where the skill may keep state (created on first use)."""
    services: dict[str, Any] = field(default_factory=dict)
    """Objects shared across turns (a music player, an HTTP session), keyed by name."""
    config: Any = None
    """The whole assistant Config, for skills that need more than their own settings."""

    def service(self, key: str, factory: Callable[[], Any]) -> Any:
        """Return the shared object named key, creating it with factory on first use."""
        if key not in self.services:
            self.services[key] = factory()
        return self.services[key]


@dataclass(frozen=True)
class Param:
    """One parameter of a skill, derived from its type hint."""

    name: str
    """Argument name in the call language."""
    type: type
    """Base type: str, int, float or bool."""
    optional: bool
    """True when the call may leave it out."""
    default: Value = None
    """Value used when left out."""
    choices: tuple[str, ...] = ()
    """Allowed values for a Literal parameter."""
    range: Range | None = None
    """Bounds for a number parameter."""
    normalize: Normalize | None = None
    """Converter for a string parameter."""
    doc: str = ""
    """Short description from Annotated metadata (a plain string)."""

    def convert(self, skill: str, value: Value) -> Value:
        """Check and convert one value; raise InvalidArguments naming skill, parameter and reason."""
        if value is None:
            if self.optional:
                return None
            raise InvalidArguments(skill, self.name, value, "a value is required")
        if self.type is bool:
            if not isinstance(value, bool):
                raise InvalidArguments(skill, self.name, value, "must be True or False")
            return value
        if self.type in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                if isinstance(value, str):
                    try:
                        value = float(value) if self.type is float else int(value)
                    except ValueError:
                        raise InvalidArguments(skill, self.name, value, f"must be a {self.type.__name__}") from None
                else:
                    raise InvalidArguments(skill, self.name, value, f"must be a {self.type.__name__}")
            if self.type is int:
                if isinstance(value, float) and not value.is_integer():
                    raise InvalidArguments(skill, self.name, value, "must be a whole number")
                value = int(value)
            else:
                value = float(value)
            if self.range and not (self.range.min <= value <= self.range.max):
                raise InvalidArguments(
                    skill, self.name, value, f"{value} is not in the range {self.range.min:g}<=x<={self.range.max:g}"
                )
            return value
        if not isinstance(value, str):
            raise InvalidArguments(skill, self.name, value, "must be a string")
        text = " ".join(value.split())
        if not text:
            if self.optional:
                return None
            raise InvalidArguments(skill, self.name, value, "must not be empty")
        if len(text) > MAX_STRING_CHARS:
            raise InvalidArguments(skill, self.name, value, f"longer than {MAX_STRING_CHARS} characters")
        if self.choices:
            folded = {choice.lower(): choice for choice in self.choices}
            if text.lower() not in folded:
                raise InvalidArguments(skill, self.name, value, f"must be one of {', '.join(self.choices)}")
            return folded[text.lower()]
        if self.normalize:
            try:
                converted = self.normalize.fn(text)
            except ValueError as error:
                raise InvalidArguments(skill, self.name, value, str(error)) from None
            if converted == "":  # a converter that leaves nothing ("." as a music query): as if nothing was said
                return self.convert(skill, None)
            if isinstance(converted, str) and len(converted) > MAX_STRING_CHARS:  # "²" -> " squared": stays valid
                raise InvalidArguments(skill, self.name, value, f"longer than {MAX_STRING_CHARS} characters converted")
            return converted
        return text

    def signature(self) -> str:
        """The parameter as shown to people and to the model: location: str | None = None."""
        if self.choices:
            kind = "Literal[" + ", ".join(format_value(c) for c in self.choices) + "]"
        else:
            kind = self.type.__name__
        if self.range:
            kind += f" ({self.range.min:g}..{self.range.max:g})"
        if self.optional and self.default is None:
            return f"{self.name}: {kind} | None = None"
        if self.optional:
            return f"{self.name}: {kind} = {format_value(self.default)}"
        return f"{self.name}: {kind}"


@dataclass(frozen=True)
class Skill:
    """A registered skill: the function plus everything derived from its declaration."""

    name: str
    """Name in the call language (the function's name)."""
    func: Callable[..., Reply]
    """The Python function; receives converted values (and ctx= if it declares it)."""
    description: str
    """First line of the docstring: what the model and the user see."""
    params: tuple[Param, ...]
    """Parameters in signature order."""
    examples: tuple[tuple[str, str], ...] = ()
    """(utterance, call) pairs: seeds for the fast matcher, prompt and training data."""
    not_for: tuple[str, ...] = ()
    """Words that mean a request is NOT for this skill even if a fast-path template matches ("radio", "podcast");
    the LLM may still choose the skill."""
    never_for: tuple[str, ...] = ()
    """Words that rule this skill out whoever chose it ("joke" is never music): the fast path declines and an LLM
    call becomes none() with the reason. A safety net for a small model; keep it to words that cannot occur in a
    request for the skill."""
    acts_on: tuple[str, ...] = ()
    """Optional: the things the skill's commands act on ("music", "song", "track"). A command that does something to
    another thing ("start the vacuum", "turn up the heat") is not for it, whoever chose it: the model's call becomes
    none() with the reason. The docstring line's words and the Literal values count as such things too."""
    said_as: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """Optional: per Literal parameter, the words that name each value in any language ({"day": {"monday":
    ("monday", "montag", "月曜")}}). When a request names exactly one value, an LLM call must carry it: the router
    puts it in ("月曜日の天気は" had come out day="saturday"). Only words that name nothing else."""
    needs_network: bool = False
    """True when the skill calls out to the network."""
    settings: type | None = None
    """Frozen dataclass of the skill's settings, filled from [skills.NAME] in the config."""
    wants_context: bool = False
    """True when the function takes a ctx: Context keyword."""
    hotwords: Callable[[Context], list[str]] | None = None
    """Optional: words speech recognition should expect for this skill (song titles, city names)."""
    training_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Optional: per parameter, values the fine-tuning generator swaps into the examples (finetune/1_generate.py)."""
    means_default: dict[str, Callable[[str], bool]] = field(default_factory=dict)
    """Optional: per optional parameter, a test for said values that mean the same as leaving it out (weather's
    location "outside" or "zu Hause" is home). Evaluation scores such a value like no value at all."""
    background: Callable[[Context], None] | None = None
    """Optional: work the skill does on its own, started once when the assistant runs live (the voice loop, a
    server; not a one-shot ask or an evaluation): a timer that must ring after a restart. It gets the skill's
    Context; what it starts lives in ctx.services and is closed by Assistant.close()."""

    def param(self, name: str) -> Param:
        """The parameter called name, or InvalidArguments."""
        for param in self.params:
            if param.name == name:
                return param
        allowed = ", ".join(p.name for p in self.params) or "no arguments"
        raise InvalidArguments(self.name, name, None, f"unknown argument (allowed: {allowed})")

    def signature(self) -> str:
        """The call signature: weather(location: str | None = None, day: ...)."""
        return f"{self.name}(" + ", ".join(p.signature() for p in self.params) + ")"

    def __call__(self, *args: Any, **kwargs: Any) -> Reply:
        return self.func(*args, **kwargs)


def _param_from_hint(skill: str, name: str, hint: Any, default: Any) -> Param:
    """Build a Param from a type hint such as Annotated[int, Range(0, 10)] or Literal["a", "b"] | None."""
    optional = default is not inspect.Parameter.empty
    default_value = None if default is inspect.Parameter.empty else default
    range_, normalize, doc = None, None, ""
    # Annotated[X, ...] | None and Annotated[X | None, ...] both work: unwrap whichever comes first, then the other.
    for _ in range(2):
        if get_origin(hint) is Annotated:
            hint, *metadata = get_args(hint)
            for item in metadata:
                if isinstance(item, Range):
                    range_ = item
                elif isinstance(item, Normalize):
                    normalize = item
                elif isinstance(item, str):
                    doc = item
        if get_origin(hint) in (typing.Union, types.UnionType):
            members = [a for a in get_args(hint) if a is not type(None)]
            if len(members) != 1 or len(get_args(hint)) != 2:
                raise SkillDeclarationError(f"skill '{skill}', parameter '{name}': only 'X | None' unions are allowed")
            if default is inspect.Parameter.empty:
                raise SkillDeclarationError(f"skill '{skill}', parameter '{name}': 'X | None' needs a default (= None)")
            hint = members[0]
    origin = get_origin(hint)
    choices: tuple[str, ...] = ()
    if origin is Literal:
        choices = tuple(get_args(hint))
        if not choices or not all(isinstance(c, str) for c in choices):
            raise SkillDeclarationError(f"skill '{skill}', parameter '{name}': Literal values must be strings")
        base: type = str
    elif hint in (str, int, float, bool):
        base = hint
    else:
        raise SkillDeclarationError(
            f"skill '{skill}', parameter '{name}': type {hint!r} is not supported (use str, int, float, bool, Literal)"
        )
    if range_ and base not in (int, float):
        raise SkillDeclarationError(f"skill '{skill}', parameter '{name}': Range applies to int or float only")
    if normalize and base is not str:
        raise SkillDeclarationError(f"skill '{skill}', parameter '{name}': Normalize applies to str only")
    param = Param(name, base, optional, default_value, choices, range_, normalize, doc)
    if optional and default_value is not None:
        try:
            param.convert(skill, default_value)
        except InvalidArguments as error:
            raise SkillDeclarationError(f"skill '{skill}', parameter '{name}': default {error.reason}") from None
    return param


def skill(
    func: Callable[..., Reply] | None = None,
    *,
    examples: Iterable[tuple[str, str]] = (),
    not_for: Iterable[str] = (),
    never_for: Iterable[str] = (),
    acts_on: Iterable[str] = (),
    said_as: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
    needs_network: bool = False,
    settings: type | None = None,
    hotwords: Callable[[Context], list[str]] | None = None,
    training_values: dict[str, Iterable[str]] | None = None,
    means_default: Mapping[str, Callable[[str], bool]] | None = None,
    background: Callable[[Context], None] | None = None,
) -> Any:
    """Register a typed function as a skill; its signature is the whole contract (see docs/skills.md)."""

    def wrap(function: Callable[..., Reply]) -> Skill:
        name = function.__name__
        if not NAME_RE.match(name) or name == "none":
            raise SkillDeclarationError(f"skill name '{name}' must be lower_snake_case and not 'none'")
        doc = inspect.getdoc(function) or ""
        if not doc:
            raise SkillDeclarationError(f"skill '{name}' needs a docstring: it is the description the model sees")
        if settings is not None and not is_dataclass(settings):
            raise SkillDeclarationError(f"skill '{name}': settings must be a dataclass")
        hints = get_type_hints(function, include_extras=True)
        params, wants_context = [], False
        for pname, parameter in inspect.signature(function).parameters.items():
            if pname == "ctx":
                wants_context = True
                continue
            if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
                raise SkillDeclarationError(f"skill '{name}', parameter '{pname}': *args/**kwargs are not allowed")
            if pname not in hints:
                raise SkillDeclarationError(f"skill '{name}', parameter '{pname}': needs a type hint")
            params.append(_param_from_hint(name, pname, hints[pname], parameter.default))
        if isinstance(acts_on, str):
            raise SkillDeclarationError(f"skill '{name}': acts_on needs a list of words, got the string {acts_on!r}")
        values = {key: tuple(str(v) for v in vals) for key, vals in (training_values or {}).items()}
        said = {
            pname: {value: tuple(word.lower() for word in words) for value, words in names.items()}
            for pname, names in (said_as or {}).items()
        }
        for pname, names in said.items():
            choices = next((p.choices for p in params if p.name == pname), None)
            if not choices or not set(names) <= set(choices):
                raise SkillDeclarationError(
                    f"skill '{name}': said_as needs Literal values of a parameter, got '{pname}'"
                )
        for pname in values:
            if pname not in {p.name for p in params}:
                raise SkillDeclarationError(f"skill '{name}': training_values names unknown parameter '{pname}'")
        for pname in means_default or {}:
            if pname not in {p.name for p in params if p.optional}:
                raise SkillDeclarationError(f"skill '{name}': means_default needs an optional parameter, got '{pname}'")
        return Skill(
            name=name,
            func=function,
            description=doc.splitlines()[0].strip(),
            params=tuple(params),
            examples=tuple(examples),
            not_for=tuple(word.lower() for word in not_for),
            never_for=tuple(word.lower() for word in never_for),
            acts_on=tuple(word.lower() for word in acts_on),
            said_as=said,
            needs_network=needs_network,
            settings=settings,
            wants_context=wants_context,
            hotwords=hotwords,
            training_values=values,
            means_default=dict(means_default or {}),
            background=background,
        )

    return wrap(func) if func is not None else wrap


class Registry:
    """All skills of one assistant; validates calls and derives the grammar, prompt list and hotwords."""

    def __init__(self, skills: Iterable[Skill]) -> None:
        self.skills: dict[str, Skill] = {}
        for item in skills:
            if item.name in self.skills:
                raise SkillDeclarationError(
                    f"two skills are called '{item.name}': {_where(self.skills[item.name])} and {_where(item)}; "
                    "rename one (a skill named like a built-in does not replace it)"
                )
            self.skills[item.name] = item
        self._check_examples()
        self._check_same_examples()

    @classmethod
    def from_modules(cls, modules: Iterable[types.ModuleType]) -> Registry:
        """Collect every Skill object defined at the top level of the given modules."""
        found: list[Skill] = []
        for module in modules:
            found.extend(v for v in vars(module).values() if isinstance(v, Skill) and v not in found)
        return cls(found)

    @classmethod
    def load(cls, extra_dirs: Iterable[Path] = ()) -> Registry:
        """The built-in skills (package 'skills') plus every *.py file in extra_dirs."""
        import skills as builtin

        modules = [importlib.import_module(f"skills.{name}") for name in builtin.BUILTIN]
        for folder in extra_dirs:
            folder = Path(folder).expanduser()
            if not folder.is_dir():
                raise SkillDeclarationError(f"skill folder {folder} does not exist")
            for path in sorted(folder.glob("*.py")):
                modules.append(_import_file(path))
        return cls.from_modules(modules)

    def _check_examples(self) -> None:
        """Every example must parse and validate, so a typo in a skill file fails at start-up."""
        for item in self.skills.values():
            for utterance, text in item.examples:
                try:
                    call = parse_call(text)
                    if call.name != item.name and call.name != "none":
                        raise SkillDeclarationError(f"example calls {call.name}, not {item.name}")
                    self.validate(call)
                except (CallSyntaxError, InvalidArguments, UnknownSkill, SkillDeclarationError) as error:
                    raise SkillDeclarationError(
                        f"skill '{item.name}', example {utterance!r} -> {text!r}: {error}"
                    ) from None

    def _check_same_examples(self) -> None:
        """One utterance (as normalize_text reads it) must not be an example of two different calls: the fast path
        and the prompt would each pick one, and training would teach both."""
        seen: dict[str, tuple[Skill, str, str]] = {}
        for item in self.skills.values():
            for utterance, text in item.examples:
                call = format_call(self.validate(parse_call(text)))  # canonical: defaults left out
                key = normalize_text(utterance)
                first = seen.setdefault(key, (item, utterance, call))
                if first[2] != call:
                    raise SkillDeclarationError(
                        f"the example {utterance!r} of skill '{item.name}' ({_where(item)}) -> {call} is also the "
                        f"example {first[1]!r} of skill '{first[0].name}' ({_where(first[0])}) -> {first[2]}; "
                        "an utterance must mean one call"
                    )

    def names(self) -> list[str]:
        """Skill names in registration order, without none."""
        return list(self.skills)

    def added(self) -> list[str]:
        """The skills a household or developer added from skill folders: every skill not from the built-in package
        'skills' (the router asks its skill reader about these)."""
        return [name for name, item in self.skills.items() if not _builtin(item)]

    def get(self, name: str) -> Skill:
        """The skill called name, or UnknownSkill."""
        try:
            return self.skills[name]
        except KeyError:
            raise UnknownSkill(name, list(self.skills)) from None

    def validate(self, call: Call) -> Call:
        """Check a call against its skill; return it canonical (converted values, signature order, no defaults)."""
        if call.name == "none":
            if call.args:
                raise InvalidArguments("none", next(iter(call.args)), None, "none() takes no arguments")
            return NONE_CALL
        item = self.get(call.name)
        for name in call.args:
            item.param(name)
        args: dict[str, Value] = {}
        for param in item.params:
            if param.name in call.args:
                value = param.convert(item.name, call.args[param.name])
                if value is not None and not (param.optional and value == param.default):
                    args[param.name] = value
            elif not param.optional:
                raise InvalidArguments(item.name, param.name, None, "a value is required")
        return Call(item.name, args)

    def parse(self, text: str) -> Call:
        """Parse and validate a call string in one step."""
        return self.validate(parse_call(text))

    def bind(self, call: Call) -> dict[str, Value]:
        """Keyword arguments for the function: the validated call's args with defaults filled in."""
        item = self.get(call.name)
        return {p.name: call.args.get(p.name, p.default) for p in item.params}

    def prompt_listing(self) -> str:
        """One line per skill for the model's prompt: signature and description, plus none()."""
        lines = [f"{s.signature()}  # {s.description}" for s in self.skills.values()]
        lines.append("none()  # not a request for any of these skills")
        return "\n".join(lines)

    def hotwords(self, ctx_for: Callable[[Skill], Context]) -> list[str]:
        """Words speech recognition should expect: Literal values plus each skill's own hotwords."""
        words: list[str] = []
        for item in self.skills.values():
            for param in item.params:
                words.extend(c for c in param.choices if c not in words)
            if item.hotwords:
                words.extend(w for w in item.hotwords(ctx_for(item)) if w not in words)
        return words

    def grammar(self) -> str:
        """A GBNF grammar that accepts exactly the well-formed calls of this registry (canonical order)."""
        rules = [
            "root ::= call",
            "call ::= " + " | ".join([f"{_rule(s.name)}-call" for s in self.skills.values()] + ['"none()"']),
        ]
        rules.append(f'str ::= "\\"" [^"\\\\\\x00-\\x1f]{{1,{MAX_STRING_CHARS}}} "\\""')
        # No leading zeros: Python rejects 05 as a literal, so the grammar must not let a model write it.
        rules.append('int ::= "-"? ("0" | [1-9] [0-9]{0,8})')
        rules.append('float ::= "-"? ("0" | [1-9] [0-9]{0,8}) ("." [0-9]{1,6})?')
        rules.append('bool ::= "True" | "False"')
        for item in self.skills.values():
            base = _rule(item.name)
            rules.append(f'{base}-call ::= "{item.name}(" {base}-args-0 ")"')
            n = len(item.params)
            for i, param in enumerate(item.params):
                value = _value_rule(param)
                pair = f'"{param.name}=" {value}'
                # args-i: no argument written yet, from position i; rest-i: at least one written.
                first = f"{pair} {base}-rest-{i + 1}"
                rules.append(
                    f"{base}-args-{i} ::= " + (first if not param.optional else f"{first} | {base}-args-{i + 1}")
                )
                later = f'", " {pair} {base}-rest-{i + 1}'
                rules.append(
                    f"{base}-rest-{i} ::= " + (later if not param.optional else f"{later} | {base}-rest-{i + 1}")
                )
            rules.append(f'{base}-args-{n} ::= ""')
            rules.append(f'{base}-rest-{n} ::= ""')
        return "\n".join(rules) + "\n"


def _rule(name: str) -> str:
    """GBNF rule names use dashes, not underscores."""
    return name.replace("_", "-")


def _value_rule(param: Param) -> str:
    """The GBNF expression for one parameter's value."""
    if param.choices:
        return (
            "("
            + " | ".join('"' + format_value(c).replace("\\", "\\\\").replace('"', '\\"') + '"' for c in param.choices)
            + ")"
        )
    return {str: "str", int: "int", float: "float", bool: "bool"}[param.type]


def _where(item: Skill) -> str:
    """Where a skill is declared, file:line, for start-up errors that name two skills."""
    code = getattr(item.func, "__code__", None)
    if code is None:
        return f"module {getattr(item.func, '__module__', '?')}"
    return f"{code.co_filename}:{code.co_firstlineno}"


def _builtin(item: Skill) -> bool:
    """Whether a skill comes from the built-in package 'skills' (skill folders import as user_skills.*)."""
    module = getattr(item.func, "__module__", "") or ""
    return module == "skills" or module.startswith("skills.")


def _import_file(path: Path) -> types.ModuleType:
    """Import a user skill file by path under a private module name."""
    name = f"user_skills.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SkillDeclarationError(f"cannot import skill file {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


__all__ = [
    "Context",
    "Normalize",
    "Param",
    "Range",
    "Registry",
    "Reply",
    "Skill",
    "skill",
    "parse_call",
]
