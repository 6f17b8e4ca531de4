"""Reply catalogues: every built-in skill speaks every language in LANGUAGES, with English's placeholders."""

from __future__ import annotations

import string

import pytest

import skills.calculate
import skills.music
import skills.news
import skills.weather
from assistant.i18n import LANGUAGES, join_sentences, missing_translations

BUILTIN = {"weather": skills.weather, "music": skills.music, "news": skills.news, "calculate": skills.calculate}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_builtin_skills_have_every_language():
    missing = [line for line in missing_translations() if line.split(":")[0] in BUILTIN]
    assert missing == []
    assert all(set(module.MESSAGES.catalog) == set(LANGUAGES) for module in BUILTIN.values())


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
