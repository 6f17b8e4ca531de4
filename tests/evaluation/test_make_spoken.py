"""evals/make_spoken.py: which sentences are spoken, by which voice, and the same file every time."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from tests.audio_fixtures import needs_espeak

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_spoken", ROOT / "evals" / "make_spoken.py")
assert _spec and _spec.loader
make_spoken = importlib.util.module_from_spec(_spec)
sys.modules["make_spoken"] = make_spoken  # dataclasses look their module up
_spec.loader.exec_module(make_spoken)


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _row(id_: str, text: str, lang: str = "en", tags: tuple[str, ...] = ("basic",), call: str = "none()") -> dict:
    return {"id": id_, "text": text, "lang": lang, "call": call, "tags": list(tags)}


@pytest.fixture
def evals(tmp_path: Path) -> Path:
    _write(tmp_path / "golden.jsonl", [_row("g1", "stop the music", call='music_control(action="stop")')])
    quick = [_row("q1", "play some jazz", call='play_music(query="jazz")'), _row("q2", "wie spät ist es", lang="de"),
             _row("q3", "12 * 7", tags=("written",), call='calculate(expression="12*7")')]  # fmt: skip
    _write(tmp_path / "quick.jsonl", quick)
    full = [*quick, _row("f1", "what is the weather"), _row("f2", "tell me a joke"), _row("f3", "stop the music"),
            _row("f4", "next song please"), _row("f5", "read me the news")]  # fmt: skip
    _write(tmp_path / "full.jsonl", full)
    return tmp_path


def test_selects_english_spoken_sentences_once_with_a_seeded_sample(evals):
    chosen = make_spoken.select(evals, seed=1, full_sample=2)
    assert [(s.record["id"], s.source) for s in chosen[:2]] == [("g1", "golden"), ("q1", "quick")]
    assert [s.source for s in chosen] == ["golden", "quick", "full", "full"]
    ids = [s.record["id"] for s in chosen]
    assert "q2" not in ids and "q3" not in ids and "f3" not in ids  # German, typed math, a golden text again
    assert chosen == make_spoken.select(evals, seed=1, full_sample=2)
    assert len(make_spoken.select(evals, seed=1, full_sample=99)) == 6


def test_a_sentence_keeps_its_voice_whatever_else_is_in_the_set(evals):
    chosen = make_spoken.select(evals, seed=1, full_sample=4)
    voices = {s.record["id"]: r.voice for s, r in zip(chosen, make_spoken.renderings(chosen, 7), strict=True)}
    alone = make_spoken.renderings(chosen[3:4], 7)[0]
    assert voices[chosen[3].record["id"]] == alone.voice
    assert voices != {s.record["id"]: r.voice for s, r in zip(chosen, make_spoken.renderings(chosen, 8), strict=True)}


def test_relabel_gives_a_sentence_the_call_the_sets_now_give_and_keeps_what_was_heard(evals):
    spoken = evals / "spoken.jsonl"
    heard = ["spoken", "source:full", "engine:piper", "voice:piper:joe@1"]
    rows = [
        {**_row("f1-spoken", "What is the whether?", tags=("basic", *heard)), "note": "what is the weather"},
        {**_row("f2-spoken", "Tell me a joke.", tags=("basic", *heard)), "note": "tell me a joke"},
    ]
    _write(spoken, rows)
    full = [json.loads(line) for line in (evals / "full.jsonl").read_text().splitlines()]
    full[3] = _row("weather-f1", "what is the weather", tags=("weather",), call="weather()")  # a skill came
    _write(evals / "full.jsonl", full)
    assert make_spoken.main(["--relabel", "--evals", str(evals), "--out", str(spoken)]) == 0
    first, second = (json.loads(line) for line in spoken.read_text().splitlines())
    assert first == {"id": "f1-spoken", "text": "What is the whether?", "lang": "en", "call": "weather()",
                     "tags": ["weather", *heard], "note": "what is the weather", "was": "none()"}  # fmt: skip
    assert second["id"] == "f2-spoken" and second["call"] == "none()"


@needs_espeak
@pytest.mark.model
def test_the_set_is_the_same_file_from_scratch_and_from_the_cache(evals, tmp_path, config):
    out = tmp_path / "spoken.jsonl"
    args = ["--evals", str(evals), "--full-sample", "1", "--piper-share", "0", "--workers", "1", "--out", str(out)]
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'data_dir = "{config.data_dir}"\n', encoding="utf-8")
    args += ["--config", str(config_file)]
    assert make_spoken.main([*args, "--cache", str(tmp_path / "a")]) == 0
    first = out.read_bytes()
    assert make_spoken.main([*args, "--cache", str(tmp_path / "b")]) == 0  # from scratch again
    assert out.read_bytes() == first
    assert make_spoken.main([*args, "--cache", str(tmp_path / "a")]) == 0  # from the cache
    assert out.read_bytes() == first
    rows = [json.loads(line) for line in first.decode().splitlines()]
    assert [r["id"] for r in rows] == ["g1-spoken", "q1-spoken", rows[2]["id"]]
    assert rows[0]["note"] == "stop the music" and rows[0]["call"] == 'music_control(action="stop")'
    assert "engine:espeak" in rows[0]["tags"] and any(t.startswith("voice:espeak:") for t in rows[0]["tags"])
    assert rows[1]["note"] == "play some jazz" and rows[1]["text"].strip()  # what Whisper heard, right or not
