"""Babble: other people talking in the room, as a noise kind ("babble@10") for rendered speech.

Several TTS voices (espeak-ng accents and Piper's joe) say unrelated kitchen chatter; TALKERS of them at once, each
from a random point in its own shuffled run of sentences, at equal levels. The sentences are said once per process
(BANK_VOICES x BABBLE_SENTENCES, a few seconds; assistant/evaluation/spoken.py says them and registers the kind) and
every babble clip is cut from that bank by the rendering's seeded Generator, so a condition rebuilds the same audio
from its seed. None of the sentences is a command, but Whisper may hear words of them: that is the point (does
other talk start a skill?).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.evaluation.noise import speech_power
from assistant.voice.audio import SAMPLE_RATE_HZ

BABBLE_SENTENCES = (
    "I told her we would be there by six but the traffic was terrible",
    "did you see what the kids left on the stairs this morning",
    "the cake needs another ten minutes I think",
    "my sister called and she wants to come over on Sunday",
    "we are out of milk again so somebody has to go to the shop",
    "honestly that meeting could have been an email",
    "he said the car makes a funny noise when it turns left",
    "can you pass me the salt and the big wooden spoon",
    "the garden looks lovely since the rain last week",
    "I can never remember where I put my glasses",
    "the new neighbours seem nice they have two dogs",
    "we should paint the hallway before the winter",
)
"""Chatter written for this module: not commands, not questions to an assistant."""
BANK_VOICES = ("espeak:en-us+m3@170", "espeak:en-gb+f2@180", "espeak:en-us+f3@150", "espeak:en-029@160",
               "piper:joe@1.1")  # fmt: skip
"""Who talks in the background (specs as assistant.evaluation.spoken.Voice.parse reads them)."""
TALKERS = 4
"""Voices at once: with four, single words are hard to follow (with one or two it is a competing talker)."""
PAUSE_S = (0.1, 0.5)
"""Gap between one talker's sentences, seconds (drawn)."""
BANK_SEED = 7
"""Seeds Piper's sampling in the bank."""


Bank = tuple[tuple[np.ndarray, ...], ...]
"""Per bank voice, its sentences said: 16 kHz float32 at equal active level."""


def make_bank(say: Callable[[str, str, int], np.ndarray]) -> Bank:
    """Every BANK_VOICES voice saying every sentence; say(text, voice spec, seed) gives 16 kHz float32."""
    bank = []
    for spec in BANK_VOICES:
        said = [say(text, spec, BANK_SEED + i) for i, text in enumerate(BABBLE_SENTENCES)]
        bank.append(tuple((s / np.sqrt(speech_power(s) or 1.0)).astype(np.float32) for s in said))
    return tuple(bank)


def _talker(rng: np.random.Generator, sentences: tuple[np.ndarray, ...], samples: int) -> np.ndarray:
    """One voice talking on: its sentences in a drawn order with drawn pauses, cut at a drawn point."""
    pieces: list[np.ndarray] = []
    total = 0
    while total < 2 * samples + SAMPLE_RATE_HZ:
        for index in rng.permutation(len(sentences)):
            pause = np.zeros(int(rng.uniform(*PAUSE_S) * SAMPLE_RATE_HZ), np.float32)
            pieces += [sentences[index], pause]
            total += len(sentences[index]) + len(pause)
    stream = np.concatenate(pieces)
    start = int(rng.integers(0, len(stream) - samples))
    return stream[start : start + samples]


def babble(rng: np.random.Generator, samples: int, bank: Bank) -> np.ndarray:
    """TALKERS voices of the bank talking at once, unit variance."""
    if samples <= 0:
        return np.zeros(0, np.float32)
    voices = rng.choice(len(bank), size=min(TALKERS, len(bank)), replace=False)
    mixed = np.sum([_talker(rng, bank[v], samples) for v in voices], axis=0)
    return (mixed / (mixed.std() or 1.0)).astype(np.float32)
