"""Wake phrase in the transcript: "hey computer, play baby shark" in one breath, or the phrase, then the command."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from rapidfuzz import fuzz

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


class WakePhrase:
    """Matches configured phrases at the start of a transcript, with a window for a command that follows."""

    def __init__(self, phrases: list[str], window_ms: int = 8000) -> None:
        # Longest first, so "hey computer" wins over "computer" and leaves no "hey" in the command.
        self.phrases = sorted((_words(p) for p in phrases if _words(p)), key=len, reverse=True)
        self.window_ms = window_ms
        self.armed_until = 0.0

    def _match(self, words: list[str]) -> int:
        """How many leading words of the transcript are the wake phrase (0 when it is not there)."""
        for skip in (0, 1):
            if skip and (not words or words[0] not in FILLERS):
                break
            rest = words[skip:]
            for phrase in self.phrases:
                head = rest[: len(phrase)]
                if len(head) == len(phrase) and fuzz.ratio(" ".join(head), " ".join(phrase)) >= MIN_SIMILARITY:
                    return skip + len(phrase)
        return 0

    def check(self, transcript: str, now_s: float | None = None) -> WakeResult:
        """Decide whether transcript is addressed to the assistant, and what the command is."""
        now_s = time.monotonic() if now_s is None else now_s
        words = _words(transcript)
        matched = self._match(words)
        if matched:
            command = _strip_words(transcript, matched)
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
