"""Configuration: defaults, typos named with a suggestion, wrong types, skill tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_file(tmp_path, monkeypatch):
    config = load_config(None)
    assert config.vad.silence_ms == 500


def test_values_read(tmp_path):
    config = load_config(
        write(tmp_path, 'language = "de"\n[vad]\nsilence_ms = 700\n[skills.weather]\nhome_location = "Berlin"\n')
    )
    assert (config.language, config.vad.silence_ms, config.skills["weather"]["home_location"]) == ("de", 700, "Berlin")


def test_typo_names_key_and_suggests(tmp_path):
    with pytest.raises(ConfigError, match=r"\[?vad.*unknown key 'silense_ms'; did you mean 'silence_ms'\?"):
        load_config(write(tmp_path, "[vad]\nsilense_ms = 700\n"))


def test_wrong_type(tmp_path):
    with pytest.raises(ConfigError, match="vad.silence_ms: expected int"):
        load_config(write(tmp_path, '[vad]\nsilence_ms = "long"\n'))


def test_wake_phrases_per_language_are_read_and_checked(tmp_path):
    config = load_config(write(tmp_path, '[audio.wake_phrases_by_language]\nde = ["hallo jarvis"]\n'))
    assert config.audio.wake_phrases_by_language == {"de": ["hallo jarvis"]}
    with pytest.raises(ConfigError, match=r"audio.wake_phrases_by_language.de: expected a list"):
        load_config(write(tmp_path, '[audio.wake_phrases_by_language]\nde = "hallo jarvis"\n'))


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[vad\n"))
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_printed_example_is_a_valid_config_with_every_default(tmp_path):
    from assistant.cli import main

    out = tmp_path / "example.toml"
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["config"]) == 0
    out.write_text(buffer.getvalue())
    assert "silence_ms = 500" in buffer.getvalue() and "[skills.weather]" in buffer.getvalue()
    config = load_config(out)
    assert config.vad.silence_ms == 500 and config.skills["weather"]["units"] == "celsius"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--config", str(out), "config", "--check"]) == 0
    # The documented example is this output: regenerate it with `assistant config > docs/config.example.toml`.
    documented = Path(__file__).resolve().parents[1] / "docs" / "config.example.toml"
    assert documented.read_text(encoding="utf-8") == buffer.getvalue()


def test_router_numbers_out_of_range_are_named(tmp_path):
    with pytest.raises(ConfigError, match=r"router.span_bonus: must be in 0..20"):
        load_config(write(tmp_path, "[router]\nspan_bonus = -2.0\n"))
    with pytest.raises(ConfigError, match=r"router.min_confidence: must be in 0..1"):
        load_config(write(tmp_path, "[router]\nmin_confidence = 70.0\n"))
    with pytest.raises(ConfigError, match=r"router.min_confidence_unsure: must be in 0..1"):
        load_config(write(tmp_path, "[router]\nmin_confidence_unsure = 90\n"))
    with pytest.raises(ConfigError, match=r"router.unsure_hearing_logprob: a log-probability is 0 or below"):
        load_config(write(tmp_path, "[router]\nunsure_hearing_logprob = 0.5\n"))


def test_router_prompt_is_one_a_model_was_trained_with(tmp_path):
    assert load_config(write(tmp_path, '[router]\nprompt = "listing-example"\n')).router.prompt == "listing-example"
    with pytest.raises(ConfigError, match=r'router.prompt: must be "auto", "listing", "listing-example" or "examples"'):
        load_config(write(tmp_path, '[router]\nprompt = "listing_example"\n'))


def test_a_second_opinion_threshold_above_zero_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"stt.second_opinion_below: a log-probability is 0 or below"):
        load_config(write(tmp_path, "[stt]\nsecond_opinion_below = 0.3\n"))
    assert load_config(write(tmp_path, '[stt]\nsecond_opinion = ""\n')).stt.second_opinion == ""
