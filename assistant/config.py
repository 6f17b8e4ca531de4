"""Configuration: one TOML file mapped onto frozen dataclasses; a typo gives a message naming the key."""

from __future__ import annotations

import difflib
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from assistant.errors import ConfigError

DEFAULT_PATH = Path(os.environ.get("ASSISTANT_CONFIG", "~/.config/assistant/config.toml")).expanduser()


@dataclass(frozen=True)
class AudioConfig:
    """Microphone and speaker."""

    sample_rate_hz: int = 16000
    """Capture rate; Whisper and the VAD want 16 kHz."""
    input_device: str = ""
    """Microphone: a part of its name, any case ("USB" picks "USB PnP Sound Device"; a part that fits two devices is
    refused naming both), an index, or empty for the system default. `assistant doctor` lists the devices."""
    output_device: str = ""
    """Speaker, named the same way; empty for the system default; "null" for none (music plays silently)."""
    trigger: str = "wake"
    """How a turn starts: "wake" (the wake word, see wake_engine), "push" (Enter key) or "always"."""
    wake_engine: str = "micro"
    """How "wake" hears its name: "micro" (a microWakeWord model, pymicro-wakeword), "openwakeword"
    (pyopen-wakeword) or "transcript" (wake_phrases found in Whisper's text of every utterance: everything said
    near the microphone is transcribed). A model engine that cannot load falls back to "transcript" with a warning."""
    wake_word: str = "alexa"
    """The model engine's wake word: alexa, hey_jarvis, hey_mycroft, okay_nabu (openwakeword also hey_rhasspy),
    or a model file (micro: its .json, openwakeword: a .tflite). alexa heard the most of the benchmark's voices
    (`assistant bench --section wake`): micro 82%, no false wake in an hour of talk and music."""
    wake_threshold: float = 0.0
    """Detection probability (0..1) for the model engine; 0 uses the model's own cutoff."""
    wake_phrases: list[str] = field(default_factory=lambda: ["hey computer", "computer"])
    """Phrases that address the assistant in "wake" mode, matched at the start of the transcript."""
    wake_phrases_by_language: dict[str, list[str]] = field(
        default_factory=lambda: {
            "de": ["hallo computer"],
            "fr": ["salut ordinateur", "ordinateur"],
            "es": ["hola computadora", "oye computadora", "computadora"],
            "it": ["ciao computer"],
            "nl": ["hallo computer"],
            "da": ["hej computer"],
            "ja": ["ねえコンピューター", "コンピューター"],
            "zh": ["你好电脑", "电脑"],
        }
    )
    """More phrases per language of the utterance (ISO 639-1), heard besides wake_phrases."""
    wake_window_ms: int = 8000
    """After the wake phrase alone, how long the next utterance counts as the command."""
    noise_suppression: str = "off"
    """Microphone front end before the wake word, VAD and Whisper (assistant/voice/frontend.py): "off", "webrtc1" to
    "webrtc4" (WebRTC's suppression levels, as wyoming-satellite's --mic-noise-suppression) or "rnnoise". Off by
    default: on the noisy sets webrtc2 lowered skill + argument success in 7 of 9 conditions and RNNoise raised word
    error in all of them (docs/noise.md)."""
    auto_gain_dbfs: int = 0
    """WebRTC automatic gain toward this many dB below full scale (1..31, as wyoming-satellite's --mic-auto-gain);
    0 is off. For a quiet microphone; the noisy sets are at full level."""

    def __post_init__(self) -> None:
        if self.noise_suppression not in ("off", "rnnoise", "webrtc1", "webrtc2", "webrtc3", "webrtc4"):
            raise ConfigError(
                f"audio.noise_suppression: must be off, webrtc1..webrtc4 or rnnoise, got {self.noise_suppression!r}"
            )
        if not 0 <= self.auto_gain_dbfs <= 31 or (self.auto_gain_dbfs and self.noise_suppression == "rnnoise"):
            raise ConfigError(f"audio.auto_gain_dbfs: must be in 0..31 (0 with rnnoise), got {self.auto_gain_dbfs}")
        if self.wake_engine not in ("micro", "openwakeword", "transcript"):
            raise ConfigError(f"audio.wake_engine: must be micro, openwakeword or transcript, got {self.wake_engine!r}")
        if not 0 <= self.wake_threshold <= 1:
            raise ConfigError(f"audio.wake_threshold: must be in 0..1, got {self.wake_threshold}")


@dataclass(frozen=True)
class VadConfig:
    """Endpointing with Silero VAD."""

    threshold: float = 0.5
    """Speech probability above which a 30 ms frame counts as speech."""
    silence_ms: int = 500
    """Silence after speech that ends the utterance."""
    max_utterance_ms: int = 10000
    """Longest utterance; speech is cut here."""
    min_speech_ms: int = 200
    """Shorter bursts are treated as noise."""
    level_drop_db: float = 12.0
    """End of speech also when the voice falls this many dB below the utterance's loudest 96 ms, even if the VAD
    still hears speech: other people talking further away (0 is off). Without it Silero heard babble 20 dB below the
    command as speech and 118 of 120 commands waited for max_utterance_ms; with 12 all ended, p50 454 ms after the
    voice, clean word error 20.0% -> 20.8% (docs/noise.md). Streaming endpointing only."""
    level_after_ms: int = 1000
    """The level rule applies once the utterance holds this much speech: before, a loud first word set the peak
    and the softer words after it ended the command in two ("Was ist | zwölf mal sieben", espeak-ng de)."""


@dataclass(frozen=True)
class SttConfig:
    """Speech to text with faster-whisper."""

    model: str = "tiny.en"
    """"tiny.en" (bundled), "base" (multilingual, bundled in two parts) or a path to a CTranslate2 model folder."""
    language: str = "en"
    """Language code, or "auto" to detect per utterance (multilingual model only)."""
    beam_size: int = 5
    """Beam width; 1 is greedy and fastest. 5 heard noisy English better than greedy (docs/noise.md: word error at 10
    dB pink noise 31.6 -> 26.2%) for about 30 ms a command on 2 x86 cores; 0: greedy for English, 5 for the others."""
    threads: int = 0
    """CPU threads; 0 means all cores."""
    use_hotwords: bool = True
    """Bias recognition toward skill vocabulary (song titles, cities)."""
    auto_language_floor: float = 0.5
    """With language "auto": below this detection probability, use the assistant's language."""
    confirm_bias: bool = True
    """A transcript that is only one of the bias prompt's everyday commands ("Turn it up.") is heard again without
    the prompt and kept only if that hearing is alike (docs/noise.md: what noise made of non-commands)."""
    second_opinion: str = "base"
    """A bigger Whisper that hears again what the first heard unsurely (mean log-probability under
    second_opinion_below), and whose hearing is kept: in other voices at 10 dB it took commands from 29 to 45% right
    (docs/noise.md). Costs its load and, on unsure utterances only, its time; "" for none."""
    second_opinion_below: float = -0.5
    """Ask the second opinion when the first hearing's mean log-probability is under this."""

    def __post_init__(self) -> None:
        if self.second_opinion_below > 0:
            raise ConfigError(
                f"stt.second_opinion_below: a log-probability is 0 or below, got {self.second_opinion_below}"
            )


@dataclass(frozen=True)
class RouterConfig:
    """Text to call: fast matcher first, then the LLM."""

    fast_path: bool = True
    """Try the deterministic matcher before the model."""
    llm: bool = True
    """Use the LLM for what the fast path does not take; false means fast path only."""
    backend: str = "local"
    """"local" (llama-cpp-python in process) or "server" (llama.cpp's OpenAI-compatible llama-server)."""
    model: str = ""
    """Path to a GGUF model; empty for the bundled Gemma 3 270M Q4_K_M."""
    lora: str = ""
    """Path to a GGUF LoRA adapter; empty for the project's shipped adapter, "off" for none."""
    reader: str = ""
    """The skill reader, a second GGUF LoRA adapter trained to read any skill listing, asked when the registry has
    skills from skill folders and the router's call is none() or one of them: empty for the shipped one
    (models/reader-lora.gguf), "off" for none, or a path. Local backend only; built-ins-only registries never load
    it, and after a built-in call when the request says a word of an added skill's name (it then chooses among the
    skills named). With it, requests for skills no training saw reach the right call 56.2% of the time instead of
    22.2%, and requests for skills that are not there are declined 82.2% instead of 35.0% (run #185; docs/skills.md,
    "The skill reader")."""
    server_url: str = "http://127.0.0.1:8080"
    """llama-server base URL for backend "server"."""
    threads: int = 0
    """CPU threads for llama.cpp; 0 means all cores."""
    context_tokens: int = 4096
    """llama.cpp context size: the prompt prefix plus a turn. The built-ins' few-shot prompt is about 1,220 tokens
    (the compact listing 542), each added skill 40-200 more, so 4096 leaves room for a household's own skills; it
    costs about 36 MB of memory over 2048 (measured: 475 vs 438 MB resident)."""
    min_confidence: float = 0.7
    """Calls whose mean token probability is below this become none() (0 disables). 0.7 is the highest floor that
    cost no right answer on SLURP devel or the full set with the shipped adapter: it turned 3 of SLURP's out-of-scope
    requests from a guessed call into none(), and cost 2 of 700 on SNIPS (vague "play something on last fm")."""
    unsure_hearing_logprob: float = -0.5
    """A spoken request whose transcript Whisper heard with a mean log-probability below this counts as unsure
    (noise, other voices): its call must then reach min_confidence_unsure, else the assistant says it did not catch
    it. -0.5 and 0.9 took non-commands starting a skill in noise from 12.9 to 8.9% for 1 command in 85 at babble
    10 dB (docs/noise.md); typed requests, and languages other than English (unmeasured), are not gated."""
    min_confidence_unsure: float = 0.9
    """The call confidence a request heard unsurely needs (0 disables the hearing gate)."""
    span_bonus: float = 3.0
    """Logit bonus, inside a copied name, for going on with the words as said rather than closing the quote (0
    disables). The small model ends names early ("Bella ciao" -> "bella"); 3 fixed 4 of the full set's 31 misses
    and 4 of SLURP devel's 82, with no regression there or on xSID (runs #81-#88)."""
    skill_search: bool = True
    """Choose the skill by the probability of its whole name over the whole vocabulary, not token by token (false:
    greedy). Greedy decoding commits to a name's first word: "I'm looking for a hotel" went "find" and so
    find_restaurants beside search_hotel. With the skill reader on the unseen set: 58.1 -> 59.3% exact (14 fixes, 5
    regressions, p = 0.06; runs #164/#163, again #174/#175 with the same outcomes), search_hotel 27.5 -> 47.5%;
    the built-ins' sets unchanged (docs/skills.md); LLM route p50 +9 ms on unseen's requests."""

    merge: str = "auto"
    """Fold the adapter into a Q8_0 copy of the model (built once into the cache, about 30 s and 290 MB) instead of
    applying it at run time: "on", "off" or "auto" (on for x86_64, where it cut the LLM route p50 from 125 to 100 ms
    under load; off on ARM, where twice-as-large weights may cost more memory bandwidth than they save: unmeasured)."""
    prompt: str = "auto"
    """The prompt the adapter was trained with: "listing" (the compact skill listing, no examples: the router that
    reads any registry), "listing-example" (that listing and one example per skill after it), "examples" (the older
    few-shot prompt) or "auto": what the adapter's card beside it says
    (<adapter>.json, written by finetune/3_export.py), else examples. A model without an adapter always gets
    examples."""

    def __post_init__(self) -> None:
        if self.merge not in ("auto", "on", "off"):
            raise ConfigError(f'router.merge: must be "auto", "on" or "off", got {self.merge!r}')
        if self.prompt not in ("auto", "listing", "listing-example", "examples"):  # routing.prompt.PROMPT_MODES
            raise ConfigError(
                f'router.prompt: must be "auto", "listing", "listing-example" or "examples", got {self.prompt!r}'
            )
        if not 0 <= self.min_confidence <= 1:
            raise ConfigError(f"router.min_confidence: must be in 0..1, got {self.min_confidence}")
        if not 0 <= self.min_confidence_unsure <= 1:
            raise ConfigError(f"router.min_confidence_unsure: must be in 0..1, got {self.min_confidence_unsure}")
        if self.unsure_hearing_logprob > 0:
            raise ConfigError(
                f"router.unsure_hearing_logprob: a log-probability is 0 or below, got {self.unsure_hearing_logprob}"
            )
        if not 0 <= self.span_bonus <= 20:
            raise ConfigError(f"router.span_bonus: must be in 0..20 (a logit bonus), got {self.span_bonus}")


@dataclass(frozen=True)
class TtsConfig:
    """Spoken replies."""

    engine: str = "auto"
    """"piper", "espeak" or "auto" (Piper when a voice exists for the language, else espeak-ng); "text" prints only."""
    voice: str = ""
    """Path to a Piper .onnx voice; empty for the bundled en_US joe voice."""
    speaker_volume: float = 1.0
    """Reply loudness, 0..1."""
    duck_music_to: float = 0.2
    """Music volume factor while the assistant speaks."""


@dataclass(frozen=True)
class BudgetsConfig:
    """Latency budgets per stage, in milliseconds; a turn over budget is flagged in the trace."""

    stt_ms: int = 300
    """Speech to text."""
    route_ms: int = 250
    """Text to call."""
    skill_ms: int = 3000
    """Skill execution; a skill past this is cut off with an apology."""
    tts_first_audio_ms: int = 300
    """Reply text to first audio sample."""
    speech_end_to_call_ms: int = 400
    """End of speech to call chosen."""


@dataclass(frozen=True)
class ServiceConfig:
    """`assistant serve`: the Wyoming server (Home Assistant, other clients) and the hub for [[satellites]]."""

    uri: str = "tcp://0.0.0.0:10700"
    """Where the Wyoming server listens (tcp://HOST:PORT or unix://PATH); 10700 is the conventional port."""
    zeroconf: bool = True
    """Announce the server as _wyoming._tcp.local. so Home Assistant discovers it."""
    zeroconf_name: str = ""
    """The announced name; empty for pi-assistant-HOSTNAME."""
    max_waiting: int = 8
    """Requests that may wait for the models at once; one more gets a "busy" error instead of a long wait."""
    turn_timeout_ms: int = 15000
    """A satellite's turn (speech end to reply) that takes longer is answered "that took too long"."""
    reconnect_ms: int = 5000
    """Pause before connecting again to a satellite that is unreachable or went away."""


@dataclass(frozen=True)
class SatelliteConfig:
    """One wyoming-satellite board the hub connects to: [[satellites]] uri = "tcp://kitchen.local:10700"."""

    uri: str = ""
    """The satellite's Wyoming address, tcp://HOST:PORT."""
    area: str = ""
    """The room it is in ("kitchen"); empty for the area the satellite reports (its --area), else its uri."""
    name: str = ""
    """A name for logs and traces; empty for the satellite's own."""

    def __post_init__(self) -> None:
        if not self.uri.startswith(("tcp://", "unix://")):
            raise ConfigError(f"satellites: uri must be tcp://HOST:PORT or unix://PATH, got {self.uri!r}")


@dataclass(frozen=True)
class Config:
    """The whole assistant configuration; every field has a documented default."""

    language: str = "en"
    """The assistant's language for replies (ISO 639-1)."""
    data_dir: str = "~/.local/share/assistant"
    """Where play history, traces, caches and eval runs live."""
    skill_dirs: list[str] = field(default_factory=list)
    """Extra folders of skill files (*.py) to load."""
    time_zone: str = ""
    """The household's IANA time zone ("Europe/Berlin") for the clock, alarms and dates; empty for the system's."""
    audio: AudioConfig = field(default_factory=AudioConfig)
    vad: VadConfig = field(default_factory=VadConfig)
    stt: SttConfig = field(default_factory=SttConfig)
    router: RouterConfig = field(default_factory=RouterConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    budgets: BudgetsConfig = field(default_factory=BudgetsConfig)
    service: ServiceConfig = field(default_factory=ServiceConfig)
    satellites: list[SatelliteConfig] = field(default_factory=list)
    """Satellite boards the hub runs turns for (`assistant serve`), each a [[satellites]] table."""
    skills: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-skill settings tables: [skills.weather] home_location = "Boston"."""
    source: str = "<defaults>"
    """The file this config came from (not a TOML key)."""

    def __post_init__(self) -> None:
        if self.time_zone:
            import zoneinfo

            try:
                zoneinfo.ZoneInfo(self.time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                close = difflib.get_close_matches(self.time_zone, zoneinfo.available_timezones(), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else " (an IANA name such as 'Europe/Berlin')"
                raise ConfigError(f"time_zone: unknown time zone '{self.time_zone}'{hint}") from None

    @property
    def data_path(self) -> Path:
        """data_dir expanded, created on first use."""
        path = Path(self.data_dir).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path


def unknown_key_message(where: str, key: str, known: typing.Iterable[str]) -> str:
    """The message for a typo: names the key and suggests the closest known one."""
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(known))}"
    return f"{where}: unknown key '{key}'{hint}"


def _convert(value: Any, hint: Any, where: str) -> Any:
    """Check one TOML value against a dataclass field's type hint."""
    origin = get_origin(hint)
    if is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return _build(hint, value, where)  # type: ignore[arg-type]
    if origin is list:
        (item,) = get_args(hint)
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return [_convert(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        item = get_args(hint)[1] if get_args(hint) else Any
        return {k: _convert(v, item, f"{where}.{k}") for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool) and (type(value) is not hint):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def _build(cls: type, table: dict[str, Any], where: str) -> Any:
    """Build dataclass cls from a TOML table, naming unknown keys and wrong types."""
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls) if f.name != "source"}  # type: ignore[arg-type]
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(unknown_key_message(where, key, known))
        values[key] = _convert(value, hints[key], f"{where} {key}" if where.endswith(":") else f"{where}.{key}")
    return cls(**values)


def load_config(path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read the config file (defaults when it does not exist and no path was given explicitly)."""
    explicit = path is not None
    file = Path(path).expanduser() if path is not None else DEFAULT_PATH
    table: dict[str, Any] = {}
    if file.exists():
        try:
            table = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{file}: not valid TOML ({error})") from None
        except OSError as error:
            raise ConfigError(f"{file}: cannot read ({error.strerror})") from None
    elif explicit:
        raise ConfigError(f"{file}: config file not found")
    config = _build(Config, table, f"{file}:")
    config = replace(config, source=str(file) if file.exists() else "<defaults>")
    if overrides:
        config = replace(config, **overrides)
    return config


def skill_settings(config: Config, skill: Any) -> Any:
    """The skill's settings dataclass from [skills.NAME]; unknown keys give a ConfigError naming the key."""
    table = config.skills.get(skill.name, {})
    where = f"{config.source}: [skills.{skill.name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    if skill.settings is None:
        if table:
            raise ConfigError(f"{where}: skill '{skill.name}' has no settings, got {', '.join(table)}")
        return None
    return _build(skill.settings, table, where)


def check_skill_tables(config: Config, names: typing.Iterable[str]) -> None:
    """A [skills.X] table for a skill that does not exist is a typo."""
    names = list(names)
    for key in config.skills:
        if key not in names:
            raise ConfigError(unknown_key_message(f"{config.source}: [skills]", key, names))


def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass, read from its source (they are not kept at run time)."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for node, after in zip(body, body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _toml_value(value: Any) -> str:
    """A Python default as a TOML value."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def example_toml(skill_settings_types: dict[str, type] | None = None) -> str:
    """The whole configuration with every default and its documentation, as a commented TOML file."""
    config = Config()
    lines = [
        "# pi-assistant configuration: ~/.config/assistant/config.toml (or --config / $ASSISTANT_CONFIG).",
        "# Every key is shown with its default; delete what you do not change. A typo stops start-up naming the key.",
        "",
    ]
    tables: list[tuple[str, Any]] = []
    docs = field_docs(Config)
    for item in fields(Config):
        value = getattr(config, item.name)
        if item.name in ("source", "skills"):
            continue
        if is_dataclass(value):
            tables.append((item.name, value))
            continue
        if item.name in docs:
            lines.append(f"# {docs[item.name]}")
        lines.append(f"{item.name} = {_toml_value(value)}")
    for name, settings in tables + [
        (f"skills.{skill}", cls()) for skill, cls in sorted((skill_settings_types or {}).items())
    ]:
        lines += ["", f"[{name}]"]
        if settings.__doc__:
            lines.append(f"# {' '.join(settings.__doc__.split())}")
        docs = field_docs(type(settings))
        for item in fields(settings):
            if item.name in docs:
                lines.append(f"# {docs[item.name]}")
            lines.append(f"{item.name} = {_toml_value(getattr(settings, item.name))}")
    return "\n".join(lines) + "\n"
