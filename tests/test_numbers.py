"""Number words: what text2num reads for us (one test per behaviour relied on) and what our own code adds."""

from __future__ import annotations

from fractions import Fraction

import pytest

from assistant.numbers import LANGUAGES, cjk_number, danish_number, read_numbers, said_numbers, word_number


def _read(text: str, language: str) -> list[Fraction]:
    return [number.value for number in read_numbers(text.split(), language)]


@pytest.mark.parametrize(
    "text, language, numbers",
    [
        # text2num: a run of words is one number, "and" inside it too
        ("one hundred and twenty three", "en", [123]),
        ("twelve hundred", "en", [1200]),
        ("one million two hundred thousand", "en", [1_200_000]),
        ("two thousand and five", "en", [2005]),
        ("quatre vingt dix neuf", "fr", [99]),
        ("soixante et onze", "fr", [71]),
        ("vingt et un", "fr", [21]),
        ("ciento veinte", "es", [120]),
        ("treinta y uno", "es", [31]),
        ("vier und zwanzig", "de", [24]),
        ("vijf en twintig", "nl", [25]),
        ("due milioni", "it", [2_000_000]),
        # glued words
        ("vierundzwanzig", "de", [24]),
        ("zweihundertdreiundvierzig", "de", [243]),
        ("drieëntwintig", "nl", [23]),
        ("duemilaventiquattro", "it", [2024]),
        ("veinticinco", "es", [25]),
        # every number, however small (threshold 0), and a run ends where a number cannot go on
        ("one", "en", [1]),
        ("one two three", "en", [1, 2, 3]),
        ("three and four", "en", [3, 4]),
        ("nineteen ninety", "en", [19, 90]),
        ("zwei und drei", "de", [2, 3]),
        # its decimals, in the language's own word (the router's said numbers use them)
        ("seven point five", "en", [Fraction(15, 2)]),
        ("sieben komma fünf", "de", [Fraction(15, 2)]),
        # ours: a zero ends a number (text2num alone reads "zero five" as the digits 05)
        ("zero five", "en", [0, 5]),
        # ours: spellings text2num does not read
        ("eine million", "de", [1_000_000]),
        ("veintidos", "es", [22]),
        ("centottantuno", "it", [181]),
        ("novecentottantotto", "it", [988]),
        # ours: false friends are no numbers ("o" is "or", "second" a unit of time)
        ("seven o five", "en", [7, 5]),
        ("un second", "it", [1]),
    ],
)
def test_runs_of_number_words(text, language, numbers):
    assert _read(text, language) == numbers


@pytest.mark.parametrize(
    "word, reading",
    [
        ("twenty", (20, "en")),
        ("elf", (11, "de")),  # German and Dutch: the first of LANGUAGES settles it
        ("un", (1, "fr")),
        ("vent", None),  # French wind; the old table's Italian stem of "ventuno"
        ("dozen", (12, "en")),  # ours: text2num has no dozen
        ("trillion", (10**12, "en")),  # ours: not in text2num's English
        ("milioni", None),  # a number only after one
        ("miles", None),  # Spanish thousands, English distance
        ("o", None),
        ("second", None),
        ("and", None),
    ],
)
def test_word_number(word, reading):
    assert word_number(word) == reading


def test_languages_are_the_ones_text2num_reads_and_the_assistant_hears():
    assert LANGUAGES == ("en", "de", "fr", "es", "it", "nl")


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("mets le volume à quatre-vingt-dix", {4, 20, 10, 90}),  # each word alone and the whole number
        ("one hundred and twenty three", {1, 100, 20, 3, 123}),
        ("volume à cent", {100}),  # a hundred word alone is a number: the top of a 0-100 scale
        ("a thousand", set()),  # a bigger scale word alone is not
        ("two thousand", {2, 2000}),
        ("set a timer for one and a half minutes", {1, 1.5, 0.5}),
        ("a dozen eggs", {12}),
        ("how many miles in five kilometers", {5}),
        ("wait a second", set()),
        ("cinco o seis", {5, 6}),
        ("zero five", {0, 5}),
        ("十二", {12}),
    ],
)
def test_said_numbers(text, numbers):
    assert said_numbers(text) == {float(n) for n in numbers}


def test_cjk_numbers():
    assert [cjk_number(text) for text in ("十二", "一百零五", "三万", "两千")] == [12, 105, 30000, 2000]


@pytest.mark.parametrize(
    "word, value",
    [("fem", 5), ("tolv", 12), ("femten", 15), ("tyve", 20), ("femogtyve", 25), ("halvtreds", 50), ("niogfyrre", 49)],
)
def test_danish_number_words(word, value):
    assert danish_number(word) == value


def test_danish_words_that_are_other_words_elsewhere_state_no_number():
    assert said_numbers("sæt en timer på femten minutter") == {15.0}
    assert said_numbers("set the volume to five") == {5.0}  # "to" is not Danish two here
    assert said_numbers("tres") == {3.0}  # Spanish three, not Danish sixty
    assert danish_number("pasta") is None
