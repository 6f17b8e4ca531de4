"""Hearing renderings: word error, cache keys, and (model) real espeak-ng speech through the assistant's Whisper."""

from __future__ import annotations

import json

import pytest

from assistant.evaluation.heard import cache_key, hear, wer_words, word_errors
from assistant.evaluation.spoken import Condition, Rendering, SpokenError, Voice
from tests.audio_fixtures import needs_espeak


def test_word_error_reads_numbers_and_symbols_as_said():
    assert word_errors("what's twelve times seven", "What is 12 times 7?") == (0, 5)
    assert word_errors("what is fifteen percent of eighty", "What is 15% of 80?") == (0, 6)
    assert word_errors("set the volume to seven", "Set the volume to San Run.") == (2, 5)
    assert word_errors("play my favourite song", "play my favorite song") == (0, 4)
    assert wer_words("how much is three hundred divided by four") == "how much is 300 divided by 4".split()
    assert word_errors("stop", "") == (1, 1)
    assert word_errors("whats 321 minus 4", "What's 321-4?") == (0, 5)
    assert word_errors("i wanna hear baby shark", "I want to hear Baby Shark.") == (0, 6)


def test_cache_key_changes_with_what_changes_the_transcript():
    hearing = {"stt": {"model": "tiny.en"}, "bias": ["Stop"]}
    espeak = Rendering("play jazz", Voice("espeak", "en-us", 160))
    key = cache_key(espeak, hearing)
    # espeak-ng in clean audio does not use the seed: any seed shares one transcript.
    assert cache_key(Rendering("play jazz", espeak.voice, seed=9), hearing) == key
    assert cache_key(Rendering("play jazz", espeak.voice, Condition("pink", 10), seed=9), hearing) != cache_key(
        Rendering("play jazz", espeak.voice, Condition("pink", 10), seed=8), hearing
    )
    piper = Voice("piper", "joe", 1.0)  # Piper samples: its seed counts
    assert cache_key(Rendering("play jazz", piper, seed=1), hearing) != cache_key(
        Rendering("play jazz", piper), hearing
    )
    assert cache_key(espeak, {**hearing, "bias": ["Stop", "Boston"]}) != key
    assert cache_key(Rendering("play jazz", Voice("espeak", "en-us", 190)), hearing) != key


@needs_espeak
def test_bad_input_fails_before_any_work(config, tmp_path):
    with pytest.raises(SpokenError, match="no voice 'xx'"):
        hear([Rendering("stop", Voice("espeak", "xx", 160))], config, cache_dir=tmp_path, hotwords=[])
    with pytest.raises(SpokenError, match="nothing to say"):
        hear([Rendering("", Voice("espeak", "en-us", 160))], config, cache_dir=tmp_path, hotwords=[])
    assert not any(tmp_path.iterdir())


@needs_espeak
@pytest.mark.model
def test_espeak_speech_is_heard_and_cached(config, tmp_path):
    renderings = [
        Rendering("what is the weather in Boston", Voice("espeak", "en-us", 160)),
        Rendering("stop the music", Voice("espeak", "en-us+f3", 160), Condition("pink", 20), seed=2),
    ]
    first = hear(renderings, config, cache_dir=tmp_path, workers=1)
    assert [h.cached for h in first] == [False, False]
    assert "boston" in first[0].transcript.lower() and "weather" in first[0].transcript.lower()
    assert "music" in first[1].transcript.lower()
    again = hear(renderings, config, cache_dir=tmp_path, workers=1)
    assert [h.cached for h in again] == [True, True]
    assert [h.transcript for h in again] == [h.transcript for h in first]
    assert [h.avg_logprob for h in again] == [round(h.avg_logprob, 4) for h in first] and first[0].avg_logprob < 0
    assert len(list(tmp_path.rglob("*.json"))) == 2
    # A record cached before Whisper's sureness was kept is heard again (the router's hearing gate needs it).
    stored = next(tmp_path.rglob("*.json"))
    record = json.loads(stored.read_text())
    stored.write_text(json.dumps({k: v for k, v in record.items() if k != "avg_logprob"}))
    assert sorted(h.cached for h in hear(renderings, config, cache_dir=tmp_path, workers=1)) == [False, True]
    assert "avg_logprob" in json.loads(stored.read_text())


def test_the_second_opinion_joins_the_fingerprint_only_when_there_is_one():
    from dataclasses import replace

    from assistant.config import Config
    from assistant.evaluation.heard import stt_fingerprint

    config = Config()
    without = replace(config, stt=replace(config.stt, second_opinion=""))
    same_model = replace(config, stt=replace(config.stt, model="base", second_opinion="base"))
    assert "second_opinion" in stt_fingerprint(config, [])["stt"]
    # Without one, the key is what it was before the setting existed: cached transcripts stay valid.
    assert set(stt_fingerprint(without, [])["stt"]) == set(stt_fingerprint(same_model, [])["stt"])
    assert "second_opinion" not in stt_fingerprint(without, [])["stt"]
    lower = replace(config, stt=replace(config.stt, second_opinion_below=-0.7))
    assert stt_fingerprint(lower, []) != stt_fingerprint(config, [])
