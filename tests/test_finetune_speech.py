"""finetune/speech.py: each training sentence keeps its voice, the English texts of a generated set, transcripts."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from finetune import speech
from tests.audio_fixtures import needs_espeak


def test_a_sentence_sounds_the_same_in_every_generated_set():
    first = speech.rendering_for("play some jazz", 1)
    assert speech.rendering_for("play some jazz", 1) == first
    assert speech.rendering_for("play some jazz", 2) != first
    drawn = [speech.rendering_for(f"sentence {i}", 1) for i in range(400)]
    engines = Counter(r.voice.engine for r in drawn)
    noisy = sum(r.condition != speech.CLEAN for r in drawn)
    assert 0.3 < engines["piper"] / 400 < 0.5  # PIPER_SHARE 0.4
    assert 0.18 < noisy / 400 < 0.32  # NOISY_SHARE 0.25
    assert {r.condition.spec for r in drawn} == {"clean", "pink@20"}


def test_english_texts_of_episodes_and_train_files(tmp_path):
    episodes = tmp_path / "episodes.jsonl"
    jazz, german, stop = ({"text": "play jazz", "lang": "en"}, {"text": "spiel Jazz", "lang": "de"},
                          {"text": "stop", "lang": "en"})  # fmt: skip
    rows = [{"skills": [], "examples": [jazz, german]}, {"skills": [], "examples": [jazz, stop]}]
    episodes.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert speech.english_texts(episodes) == ["play jazz", "stop"]
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps({"text": "next song", "lang": "en"}) + "\n\n", encoding="utf-8")
    assert speech.english_texts(train) == ["next song"]


@needs_espeak
@pytest.mark.model
def test_transcripts_for_training_sentences(tmp_path, config, monkeypatch):
    monkeypatch.setattr(speech, "PIPER_SHARE", 0.0)  # espeak-ng only: a short test
    heard = speech.transcripts([("a", "what is the weather in Boston"), ("b", "stop the music")], 1,
                               config=config, cache_dir=tmp_path, workers=1)  # fmt: skip
    assert set(heard) == {"a", "b"}
    assert "weather" in heard["a"].transcript.lower()
    assert all(h.rendering.voice.engine == "espeak" and not h.error for h in heard.values())
