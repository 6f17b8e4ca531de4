"""Per-language message catalogues for replies; a missing translation falls back to English and is listed by a check."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "da", "ja", "zh")
"""Languages every built-in catalogue aims to cover."""
UNSPACED = frozenset({"ja", "zh"})
"""Languages written without spaces between words and sentences."""
_UNSPACED_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def unspaced_text(text: str) -> bool:
    """True when text has Japanese or Chinese characters (written without spaces, matched by characters)."""
    return _UNSPACED_SCRIPT.search(text) is not None


ALARM_WORDS = tuple(
    "alarms wecker alarme alarmes wekker wekkers réveil réveils sveglia sveglie despertador alarmas vækkeur "
    "vækkeuret alarmer reminders erinnerungen herinneringen rappels promemoria recordatorios påmindelser "
    "アラーム 目覚まし 闹钟 提醒".split()
)
"""Alarm clocks and reminders in every language the router hears (da too, for xSID), for skills' never_for
lists: the small model sent "Schalte alle Wecker aus" to play_music and "Slet alle påmindelser" to news. Plurals
only where the singular is also a song title ("Alarm", "Reminder")."""

DISMISSALS = frozenset(
    (
        "never mind|nevermind|never mind then|forget it|forget that|ignore that|nothing|no thanks|no thank you|"
        "that's all|that is all|vergiss es|schon gut|nichts|egal|laisse tomber|oublie ça|oublie|rien|olvídalo|"
        "olvidalo|déjalo|dejalo|nada|lascia perdere|lascia stare|niente|laat maar|laat maar zitten|niks|"
        "glem det|ligegyldigt|ingenting|算了|没事|沒事|没什么|なんでもない|何でもない|やっぱりいい|いいや"
    ).split("|")
)
"""A whole request that takes the question back ("never mind"): the turn ends with a short "Okay." and starts
nothing. The model sent "never mind" to music_control(action="stop"), which would stop the music playing."""


def is_dismissal(text: str) -> bool:
    """Whether text only takes the request back ("Never mind.", "hey forget it", "算了")."""
    said = normalize_text(text)
    lead = r"^(?:(?:oh|ah|um|uh|hmm|no|hey|okay|ok|well|actually|nah|ach|euh|eh|bah) )+"
    core = re.sub(r"(?: (?:then|please|thanks|thank you|bitte|danke|merci|grazie|gracias|tak|dank je))+$", "", said)
    return said in DISMISSALS or re.sub(lead, "", core) in DISMISSALS


_EXPANSIONS = {"'s": "is", "'re": "are", "'m": "am", "'ll": "will", "'d": "would", "n't": "not"}
CONTRACTIONS = re.compile(
    r"\b(what|how|it|that|there|who|where|when|i|you|we|they|is|are|do|does|did|was|should|could|would)('s|'re|'m|'ll|'d|n't)\b"
)
"""Spoken contractions expanded so "what's" and "what is" share one template (not possessives: "today's")."""


def normalize_text(text: str) -> str:
    """Lowercase, strip punctuation (keeping apostrophes inside words and math symbols), collapse spaces."""
    # NFKC would turn "10²" into "102": say superscripts as words first.
    text = text.replace("²", " squared").replace("³", " cubed")
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"[^\w\s'+\-*/^%.,()×÷]", " ", text)
    text = re.sub(r"[.,](?!\d)|(?<!\d)[.,]", " ", text)  # keep 3.5 and 1,000; drop sentence punctuation
    text = re.sub(r"(^|\s)'|'(\s|$)", " ", text)
    text = CONTRACTIONS.sub(lambda m: m.group(1) + " " + _EXPANSIONS[m.group(2)], text)
    return " ".join(text.split())


_ALL: list[Messages] = []


@dataclass
class Messages:
    """A skill's reply sentences by language: Messages("weather", {"en": {"rain": "Rain in {place}."}, "de": {...}})."""

    owner: str
    """Skill or module the catalogue belongs to (for the missing-translation check)."""
    catalog: dict[str, dict[str, str]] = field(default_factory=dict)
    """language -> key -> str.format template."""

    def __post_init__(self) -> None:
        if "en" not in self.catalog:
            raise ValueError(f"{self.owner}: a message catalogue needs English ('en') as the fallback")
        _ALL.append(self)

    @classmethod
    def load(cls, owner: str, folder: str | Path) -> Messages:
        """The catalogue kept as data beside its owner: folder/<language>.json, each one object of key -> template.

        en.json is required. Keys starting with "_" are notes for translators and are skipped. A file that is not
        such an object stops start-up with the file and key named.
        """
        catalog: dict[str, dict[str, str]] = {}
        for path in sorted(Path(folder).glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ValueError(f"{path}: not a UTF-8 JSON file: {error}") from None
            if not isinstance(data, dict):
                raise ValueError(f"{path}: expected one JSON object of key -> sentence")
            for key, template in data.items():
                if not isinstance(template, str):
                    raise ValueError(f"{path}: {key}: expected a string, got {type(template).__name__}")
            catalog[path.stem] = {key: text for key, text in data.items() if not key.startswith("_")}
        if "en" not in catalog:
            raise ValueError(f"{owner}: no en.json in {folder}: English is the fallback every catalogue needs")
        return cls(owner, catalog)

    def say(self, language: str, key: str, **values: object) -> str:
        """The sentence for key in language (base language of "de-CH" too), else English."""
        for lang in (language, language.split("-")[0], "en"):
            template = self.catalog.get(lang, {}).get(key)
            if template is not None:
                return template.format(**values)
        raise KeyError(f"{self.owner}: no message '{key}' in English either")

    def missing(self, languages: tuple[str, ...] = LANGUAGES) -> list[str]:
        """'owner: lang: key' for every English key without a translation."""
        keys = self.catalog["en"]
        return [
            f"{self.owner}: {lang}: {key}"
            for lang in languages
            for key in keys
            if key not in self.catalog.get(lang, {})
        ]


def missing_translations(languages: tuple[str, ...] = LANGUAGES) -> list[str]:
    """Every missing translation across all loaded catalogues."""
    return [line for messages in _ALL for line in messages.missing(languages)]


def join_sentences(language: str, *sentences: str) -> str:
    """Sentences one after the other: a space between them, none in Japanese or Chinese; empty ones dropped."""
    gap = "" if language.split("-")[0].lower() in UNSPACED else " "
    return gap.join(s for s in sentences if s)
