"""Wake phrase in the transcript: "hey computer, play baby shark" in one breath, or the phrase, then the command."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from rapidfuzz import fuzz

from assistant.i18n import unspaced_text

FILLERS = frozenset(["a", "ah", "eh", "hey", "hay", "hi", "ok", "okay", "oh", "uh", "um", "so", "yo"])
"""Words Whisper writes before the phrase ("A computer, play ...", "Okay computer"): skipped, at most one."""
MIN_SIMILARITY = 85.0
"""rapidfuzz ratio (0-100) a heard phrase needs: one letter off in "computer" passes (Whisper's "komputer",
"computers"), "compete" or "cucumber" do not."""


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w' ]", " ", text.lower()).split()


@dataclass
class WakeResult:
    """What the wake check decided about one transcript."""

    addressed: bool
    """The utterance is for the assistant (wake phrase heard now, or within the window after it)."""
    command: str = ""
    """The request with the wake phrase removed; empty when the phrase came alone."""
    armed: bool = False
    """The phrase came alone: the next utterance within the window is the command."""


_LEADING_MARKS = " \t、。，,.!！?？:：~〜ー"


class WakePhrase:
    """Matches configured phrases at the start of a transcript, with a window for a command that follows.

    phrases are heard in every language; by_language adds phrases for the language of the utterance ("hallo
    computer" when Whisper hears German). Phrases in Japanese or Chinese are matched character by character.
    """

    def __init__(
        self, phrases: list[str], window_ms: int = 8000, by_language: dict[str, list[str]] | None = None
    ) -> None:
        self.common = list(phrases)
        self.by_language = {lang.lower(): list(extra) for lang, extra in (by_language or {}).items()}
        self.window_ms = window_ms
        self.armed_until = 0.0

    def phrases(self, language: str = "") -> list[str]:
        """The phrases heard for an utterance in language: that language's own first, then the common ones."""
        own = self.by_language.get(language.lower(), []) or self.by_language.get(language.lower().split("-")[0], [])
        return list(dict.fromkeys(own + self.common))

    def _match(self, transcript: str, language: str) -> str | None:
        """The command after the wake phrase ("" when the phrase came alone), or None when it is not there."""
        words = _words(transcript)
        spaced = [p for p in self.phrases(language) if not unspaced_text(p)]
        # Longest first, so "hey computer" wins over "computer" and leaves no "hey" in the command.
        for phrase_words in sorted((_words(p) for p in spaced if _words(p)), key=len, reverse=True):
            for skip in (0, 1):
                if skip and (not words or words[0] not in FILLERS):
                    break
                head = words[skip : skip + len(phrase_words)]
                if (
                    len(head) == len(phrase_words)
                    and fuzz.ratio(" ".join(head), " ".join(phrase_words)) >= MIN_SIMILARITY
                ):
                    return _strip_words(transcript, skip + len(phrase_words))
        text = transcript.strip().lstrip(_LEADING_MARKS)
        for phrase in sorted((p for p in self.phrases(language) if unspaced_text(p)), key=len, reverse=True):
            if text.startswith(phrase):
                return text[len(phrase) :].lstrip(_LEADING_MARKS).strip()
        return None

    def heard(self, transcript: str, language: str = "") -> bool:
        """Whether transcript starts with a wake phrase (a wake event), whatever the window."""
        return self._match(transcript, language) is not None

    def check(self, transcript: str, now_s: float | None = None, language: str = "") -> WakeResult:
        """Decide whether transcript (heard in language, when known) is for the assistant, and what the command is."""
        now_s = time.monotonic() if now_s is None else now_s
        words = _words(transcript)
        command = self._match(transcript, language)
        if command is not None:
            if not command:
                self.armed_until = now_s + self.window_ms / 1000
                return WakeResult(True, "", armed=True)
            self.armed_until = 0.0
            return WakeResult(True, command)
        if words and now_s <= self.armed_until:
            self.armed_until = 0.0
            return WakeResult(True, transcript.strip())
        return WakeResult(False)

    @property
    def waiting(self) -> bool:
        """Whether a wake phrase was heard alone and the command window is open."""
        return time.monotonic() <= self.armed_until


def _strip_words(text: str, count: int) -> str:
    """text without its first count words (punctuation between them too), keeping the rest as written."""
    tokens = list(re.finditer(r"[\w']+", text))
    if count >= len(tokens):
        return ""
    rest = text[tokens[count].start() :]
    return rest.strip()
