"""Reply catalogues: every built-in skill speaks every language in LANGUAGES, with English's placeholders."""

from __future__ import annotations

import fnmatch
import string
import tomllib
from pathlib import Path

import pytest

import skills.calculate
import skills.clock
import skills.music
import skills.news
import skills.weather
from assistant.i18n import LANGUAGES, Messages, join_sentences, missing_translations

BUILTIN = {
    "weather": skills.weather,
    "music": skills.music,
    "news": skills.news,
    "calculate": skills.calculate,
    "clock": skills.clock,
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_builtin_skills_have_every_language():
    missing = [line for line in missing_translations() if line.split(":")[0] in BUILTIN]
    assert missing == []
    assert all(set(module.MESSAGES.catalog) == set(LANGUAGES) for module in BUILTIN.values())


def test_the_assistants_own_sentences_have_every_language():
    """Nothing matched, too slow, a skill's bug (pipeline) and the hub's models being down."""
    from assistant.pipeline import MESSAGES as ASSISTANT
    from assistant.service.hub import MESSAGES as HUB

    for messages in (ASSISTANT, HUB):
        assert messages.missing() == [] and set(messages.catalog) == set(LANGUAGES), messages.owner


@pytest.mark.parametrize("owner", sorted(BUILTIN))
def test_translations_fill_the_same_placeholders_as_english(owner):
    catalog = BUILTIN[owner].MESSAGES.catalog
    for language in LANGUAGES:
        assert set(catalog[language]) == set(catalog["en"]), (owner, language)
        for key, template in catalog[language].items():
            assert _fields(template) == _fields(catalog["en"][key]), (owner, language, key)


@pytest.mark.parametrize("language", ["ja", "zh"])
def test_chinese_and_japanese_sentences_have_no_spaces_of_their_own(language):
    """Spaces in a CJK reply come only from the values put in (an English title, a folder path)."""
    for owner, module in BUILTIN.items():
        for key, template in module.MESSAGES.catalog[language].items():
            assert " " not in template, (owner, key, template)


def test_join_sentences():
    assert join_sentences("en", "Stopped.", "", "Volume 3.") == "Stopped. Volume 3."
    assert join_sentences("ja", "停止しました。", "音量3です。") == "停止しました。音量3です。"
    assert join_sentences("zh-CN", "已停止。", "音量3。") == "已停止。音量3。"


# --- catalogues as data: Messages.load -------------------------------------------------------------------------------


def _write(folder, language: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{language}.json").write_text(text, encoding="utf-8")


def test_load_reads_one_file_per_language_and_skips_notes(tmp_path):
    _write(tmp_path, "en", '{"_note": "{n} is a number", "one": "You rolled a {n}.", "two": "Two dice."}')
    _write(tmp_path, "de", '{"one": "Du hast eine {n} gewürfelt."}')
    messages = Messages.load("test-dice", tmp_path)
    assert messages.catalog == {
        "de": {"one": "Du hast eine {n} gewürfelt."},
        "en": {"one": "You rolled a {n}.", "two": "Two dice."},
    }
    assert messages.say("de-AT", "one", n=4) == "Du hast eine 4 gewürfelt."
    assert messages.say("de", "two") == "Two dice."  # falls back to English...
    assert "test-dice: de: two" in missing_translations(("de",))  # ...and the check lists it


def test_load_needs_english(tmp_path):
    _write(tmp_path, "de", '{"one": "Eins."}')
    with pytest.raises(ValueError, match="no en.json"):
        Messages.load("test-no-english", tmp_path)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"one": "One.",}', r"en.json: not a UTF-8 JSON file"),
        ('["One."]', r"en.json: expected one JSON object"),
        ('{"one": ["One."]}', r"en.json: one: expected a string, got list"),
    ],
)
def test_a_translators_mistake_names_the_file_and_key(tmp_path, text, message):
    _write(tmp_path, "en", text)
    with pytest.raises(ValueError, match=message):
        Messages.load("test-broken", tmp_path)


def test_catalogues_are_package_data():
    """Every locales/*.json beside a module matches a package-data pattern, so a wheel carries it."""
    root = Path(__file__).parent.parent
    package_data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    files = sorted((root / "assistant").rglob("locales/*.json")) + sorted((root / "skills").rglob("locales/*.json"))
    assert len(files) >= 5 * len(LANGUAGES)
    for path in files:
        package, inside = path.relative_to(root).parts[0], "/".join(path.relative_to(root).parts[1:])
        assert any(fnmatch.fnmatch(inside, pattern) for pattern in package_data.get(package, [])), path
