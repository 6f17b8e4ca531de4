"""Noisy test sets: babble and rooms at an SNR, the manifest rebuilt the same, scoring and targets, one real run."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from assistant.config import AudioConfig, load_config
from assistant.evaluation import babble, noisy, spoken
from assistant.evaluation.noise import living_room, mix_at_snr, speech_power, synthetic_room
from assistant.evaluation.spoken import Condition, Rendering, Voice, render
from assistant.voice.audio import SAMPLE_RATE_HZ
from tests.audio_fixtures import needs_espeak


@pytest.fixture
def espeak_babble(monkeypatch):
    """Babble from espeak-ng voices only (no Piper model in a unit test)."""
    monkeypatch.setattr(babble, "BANK_VOICES", ("espeak:en-us+m3@170", "espeak:en-gb+f2@180", "espeak:en-029@160",
                                                "espeak:en-us+f3@150"))  # fmt: skip
    spoken.babble_bank.cache_clear()
    yield
    spoken.babble_bank.cache_clear()


@needs_espeak
@pytest.mark.parametrize("snr_db", [20.0, 10.0, 5.0])
def test_babble_is_mixed_at_the_asked_snr(espeak_babble, snr_db):
    speech, _ = render(Rendering("what is the weather in boston", Voice("espeak", "en-us", 160)))
    noise = spoken.babble_noise(np.random.default_rng(3), len(speech))
    mixed = mix_at_snr(speech, noise, snr_db)
    added = mixed - speech
    measured = 10 * np.log10(speech_power(speech) / np.mean(np.square(added, dtype=np.float64)))
    assert measured == pytest.approx(snr_db, abs=0.5)


@needs_espeak
def test_babble_is_several_voices_seeded_and_never_silent(espeak_babble):
    first = spoken.babble_noise(np.random.default_rng(5), 3 * SAMPLE_RATE_HZ)
    assert np.array_equal(first, spoken.babble_noise(np.random.default_rng(5), 3 * SAMPLE_RATE_HZ))
    assert not np.array_equal(first, spoken.babble_noise(np.random.default_rng(6), 3 * SAMPLE_RATE_HZ))
    assert first.std() == pytest.approx(1.0, rel=1e-3)
    frames = first[: len(first) // 160 * 160].reshape(-1, 160)
    # Four talkers overlap: hardly a 10 ms frame where all of them pause.
    assert np.mean(np.sqrt(np.mean(frames**2, axis=1)) < 0.05) < 0.05
    assert spoken.babble_noise(np.random.default_rng(1), 0).size == 0


def test_synthetic_room_decays_60_db_in_its_rt60():
    impulse = synthetic_room(np.random.default_rng(0), 0.6)
    assert len(impulse) == int(0.6 * SAMPLE_RATE_HZ) + 1
    tail = impulse[1:].astype(np.float64) ** 2
    remaining = np.cumsum(tail[::-1])[::-1]  # Schroeder's backward integral: energy still to come
    decay_db = 10 * np.log10(remaining / remaining[0])
    t_20 = np.argmax(decay_db < -20) / SAMPLE_RATE_HZ  # -20 dB reached at a third of RT60 (linear in dB)
    assert t_20 * 3 == pytest.approx(0.6, rel=0.15)
    assert np.array_equal(impulse, synthetic_room(np.random.default_rng(0), 0.6))
    assert np.array_equal(living_room(np.random.default_rng(1)), living_room(np.random.default_rng(1)))


def test_the_committed_manifest_is_what_the_builder_makes():
    rows = noisy.build_manifest()
    assert rows == noisy.build_manifest()
    committed = [json.loads(line) for line in noisy.MANIFEST.read_text(encoding="utf-8").splitlines()]
    assert committed == rows
    commands = [r for r in rows if r["call"] != "none()"]
    # Drawn as 80 commands and 40 non-commands; five of those became clock commands when the clock was built in.
    assert (len(commands), len(rows) - len(commands)) == (noisy.COMMANDS + 5, noisy.NON_COMMANDS - 5)
    assert {t.split(":")[1] for r in rows for t in r["tags"] if t.startswith("engine:")} == {"espeak", "piper"}
    assert len({r["id"] for r in rows}) == len(rows)


def test_the_held_out_manifest_shares_no_sentence_with_the_standard_one():
    from assistant.evaluation.evaluate import EVALS_DIR
    from assistant.i18n import normalize_text

    standard = noisy.load_manifest()
    rows = noisy.build_manifest(EVALS_DIR / "full.jsonl", seed=20261208, exclude=standard)
    committed = [json.loads(line) for line in (noisy.MANIFEST.parent / "held-out.jsonl").read_text().splitlines()]
    assert committed == rows  # rebuilt by the command in docs/noise.md
    assert not {r["id"] for r in rows} & {s.id for s in standard}
    assert not {normalize_text(r["text"]) for r in rows} & {normalize_text(s.text) for s in standard}
    assert sum(r["call"] == "none()" for r in rows) == noisy.NON_COMMANDS


def test_a_missing_manifest_or_source_is_named_before_any_work(tmp_path, capsys):
    missing = tmp_path / "nowhere.jsonl"
    for argv in (["--sentences", str(missing)], ["--manifest", "--sentences", str(tmp_path / "new.jsonl"),
                                                 "--exclude", str(missing)]):  # fmt: skip
        with pytest.raises(SystemExit):
            noisy.main(argv)
        assert f"no such file: {missing}" in capsys.readouterr().err
    assert not (tmp_path / "new.jsonl").exists()


def test_every_condition_says_the_same_sentence_with_the_same_voice_and_seed():
    sentences = noisy.load_manifest()[:5]
    by_condition = [noisy.renderings(sentences, c) for c in noisy.CONDITIONS]
    for renderings in by_condition:
        assert [(r.text, r.voice, r.seed) for r in renderings] == [(s.text, s.voice, s.seed) for s in sentences]
    assert [r[0].condition for r in by_condition] == [Condition.parse(c) for c in noisy.CONDITIONS]


@needs_espeak
def test_a_cached_sentence_renders_the_same_audio(tmp_path, espeak_babble):
    rendering = Rendering("turn the volume up", Voice("espeak", "en-gb+m3", 160), Condition.parse("babble@5"), 11)
    direct, _ = render(rendering)
    first, _ = render(rendering, speech_cache=tmp_path)
    again, _ = render(rendering, speech_cache=tmp_path)
    assert np.array_equal(direct, first) and np.array_equal(first, again)
    assert len(list(tmp_path.rglob("*.npy"))) == 1


def test_the_transcript_cache_key_follows_what_shapes_the_hearing():
    from assistant.evaluation.heard import stt_fingerprint

    config = load_config(None)
    plain = stt_fingerprint(config, [])
    assert "frontend" not in plain  # transcripts made before the front end existed stay valid
    assert not {"level_drop_db", "level_after_ms"} & set(plain["vad"])  # the streaming Endpointer's only
    assert plain["stt"]["confirm_bias"] is True and plain["stt"]["beam_size"] == 5
    greedy = stt_fingerprint(replace(config, stt=replace(config.stt, confirm_bias=False, beam_size=0)), [])
    assert "confirm_bias" not in greedy["stt"]  # transcripts made before it existed stay valid
    cleaned = stt_fingerprint(replace(config, audio=AudioConfig(noise_suppression="webrtc2")), [])
    assert cleaned["frontend"]["noise_suppression"] == "webrtc2" and cleaned["frontend"]["auto_gain_dbfs"] == 0


def _sentence(text, call):
    return noisy.Sentence(text, text, call, Voice("espeak", "en-us", 160), 1, ())


def test_scoring_counts_nothing_heard_as_a_failed_command_and_no_false_start():
    sentences = [_sentence("play jazz", 'play_music(query="jazz")'), _sentence("stop", 'music_control(action="stop")'),
                 _sentence("set a timer", "none()"), _sentence("hello there", "none()")]  # fmt: skip
    heard = [SimpleNamespace(transcript=t) for t in ("Play jazz.", "", "Set a timer.", "Play the radio.")]
    outcomes = {
        "play jazz": SimpleNamespace(correct=True, skill_ok=True, predicted_skill="play_music", predicted="x"),
        "set a timer": SimpleNamespace(correct=True, skill_ok=True, predicted_skill="none", predicted="none()"),
        "hello there": SimpleNamespace(correct=False, skill_ok=False, predicted_skill="play_music", predicted="y"),
    }
    row = noisy.score_condition(sentences, heard, outcomes)
    assert (row["success"], row["skill"], row["false_start"], row["heard_nothing"]) == (0.5, 0.5, 0.5, 1)
    assert row["wer"] == pytest.approx(4 / 8)  # of 8 words: "stop" lost, "hello there" -> "play the radio" (3)


def test_targets_compare_each_noise_with_clean():
    rows = {
        "clean": {"success": 0.80, "false_start": 0.0, "non_commands": 40},
        "pink@10": {"success": 0.75, "false_start": 0.0, "non_commands": 40},
        "babble@10": {"success": 0.65, "false_start": 0.05, "non_commands": 40},
        "pink@5": {"success": 0.70, "false_start": 0.0, "non_commands": 40},
    }
    out = noisy.targets(rows)
    assert out["noise_drop_at_10db"] == {"pink@10": 0.05, "babble@10": 0.15}
    assert out["noise_target_10db_met"] is False
    assert out["noise_target_5db_met"] is True
    assert out["noise_false_start"] == pytest.approx(0.05 / 3, abs=1e-4)
    assert out["noise_false_start_target_met"] is True


@pytest.mark.model
def test_the_noise_report_hears_and_routes_a_small_set(tmp_path):
    from assistant.pipeline import build_assistant

    config = replace(load_config(None), data_dir=str(tmp_path))
    sentences = [s for s in noisy.load_manifest() if s.voice.engine == "espeak"][:2]
    assistant = build_assistant(config, llm=False, trace=False)
    try:
        report = noisy.noise_report(config, assistant.route, assistant.registry, sentences=sentences,
                                    conditions=["clean", "pink@10"], workers=1)  # fmt: skip
    finally:
        assistant.close()
    assert set(report["noise_conditions"]) == {"clean", "pink@10"}
    assert 0.0 <= report["noise_conditions"]["pink@10"]["wer"] <= 2.0
    assert (tmp_path / "noisy" / "pink@10.jsonl").is_file()
    clips = [json.loads(line) for line in (tmp_path / "noisy" / "clean.outcomes.jsonl").read_text().splitlines()]
    assert [c["id"] for c in clips] == [s.id for s in sentences]
    heard = [c for c in clips if c["heard"]]
    assert heard and all(c["avg_logprob"] < 0 and c["voice"].startswith("espeak") for c in heard)
    assert "| pink@10 |" in noisy.table(report)


@pytest.mark.model
def test_a_prompt_sentence_noise_made_of_a_non_command_is_heard_again_without_the_prompt():
    from assistant.voice.stt import WhisperStt
    from assistant.voice.vad import SileroVad, speech_span

    # In pink noise at 10 dB this non-command came out as the prompt's "Turn it up." (music_control volume_up).
    sentence = Rendering("hmm skip to the next episode", Voice.parse("espeak:en-gb-scotland@160"),
                         Condition.parse("pink@10"), noisy._seed_for("none-en-b3951d51-noisy"))  # fmt: skip
    stop = Rendering("stop", Voice.parse("espeak:en-us@160"), Condition.parse("pink@10"), 1)
    plain, confirming = WhisperStt("tiny.en", threads=2), WhisperStt("tiny.en", threads=2, confirm_bias=True)
    vad = SileroVad()

    def heard(stt, rendering):
        clip, _ = render(rendering)
        first, last = speech_span(vad, clip)
        return stt.transcribe(clip[first:last]).text

    assert heard(plain, sentence) == "Turn it up."
    assert "turn it up" not in heard(confirming, sentence).lower()
    assert heard(confirming, stop) == "Stop."  # a command the prompt helps stays


@needs_espeak
def test_endpointing_reports_the_talk_that_never_ends_and_the_level_rule_that_ends_it(tmp_path, espeak_babble):
    from assistant.evaluation.endpointing import endpointing

    config = replace(load_config(None), data_dir=str(tmp_path))
    sentence = noisy.Sentence("a", "what is the weather in boston", 'weather(location="Boston")',
                              Voice("espeak", "en-us", 160), 4, ())  # fmt: skip
    out = endpointing(config, [sentence], ["clean", "babble@20"], [(0.5, 0.0), (0.5, 12.0)])
    assert out["clean vad0.5 drop0"]["ended"] == 1 and out["clean vad0.5 drop0"]["cut_words"] == 0
    assert 300 < out["clean vad0.5 drop0"]["wait_p50_ms"] < 800  # silence_ms after the voice, give or take frames
    assert out["babble@20 vad0.5 drop0"]["never_ended"] == 1
    assert out["babble@20 vad0.5 drop12"]["ended"] == 1
