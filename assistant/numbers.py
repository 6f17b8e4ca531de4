"""Number words: which numbers a request states, read by text2num, the kept library for spoken numbers.

Shared by the router (a number in a call must have been said: assistant.routing.grounding) and by skills that read
spoken numbers (calculate). text2num reads English, German, French, Spanish, Italian and Dutch number words,
glued ones too ("vierundzwanzig", "duemilaventiquattro", "drieëntwintig", "quatre-vingt-dix-neuf"). Our own code
covers only what it lacks, checked word by word against the tables this module had before text2num:
- Chinese and Japanese numerals (cjk_number): text2num has no ja or zh;
- words it does not read: dozen words, German "eine", unaccented Spanish "veintidos", the 10**12 scale words, and
  Italian scale words alone ("milioni" is read only after a number);
- words it reads as numbers that a request means otherwise (NOT_NUMBERS: "o" is "or" in Spanish and Italian,
  "second" a unit of time, "miles" a distance);
- fraction nouns (FRACTIONS): text2num reads "third" as the ordinal 3rd, spoken math needs one third;
- a zero ends a number, as it did before (text2num reads "zero five" as the digits 05);
- Danish (danish_number): text2num has no da; times and durations need its words to 99 ("femogtyve").
The other spoken-math rules around number words ("a dozen", "3 million", "point five", "one and a half") are
skills.calculate.math_words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from text_to_num import find_numbers, text2num

LANGUAGES = ("en", "de", "fr", "es", "it", "nl")
"""Languages whose number words are read, in the order that settles a word several share ("elf": German 11)."""
NOT_NUMBERS = frozenset("o os second quart miles ones twos fives tens zeros firsts unos hundreds thousands".split())
"""Words text2num reads as numbers (found over every word in this repository) that a request means otherwise:
"o" is "or" (es, it), "second" (it: 2) a unit of time, "quart" (it: 4) a French quarter, "miles" (es: thousands)
a distance, plurals like "tens" or "hundreds" are amounts no one stated."""
SPELLINGS = {"eine": "ein", "veintidos": "veintidós", "veintitres": "veintitrés", "veintiún": "veintiuno"}
"""Spellings text2num does not read, as the spelling it reads (speech-to-text often drops Spanish accents)."""
_ITALIAN_ELISION = re.compile(r"cent(?=ott)")
"""Italian cento drops its o before otto and ottanta: text2num reads "centottanta" (180) but not "centottantuno"
(181) or "centottantotto" (188), 270 of the numbers to 9999; it reads all of them spelled "centoottantuno"."""


def respell(word: str) -> str:
    """A lowercase word as text2num reads it: "eine" -> "ein", "centottantuno" -> "centoottantuno"."""
    return SPELLINGS.get(word) or _ITALIAN_ELISION.sub("cento", word)


AFTER_A_NUMBER = frozenset("mila milione milioni miliardo miliardi".split())
"""Italian scale words text2num reads only after a number ("due milioni"): still number words to the lexer."""
DOZENS = frozenset("dozen dutzend dozijn douzaine docena dozzina".split())
"""A dozen is 12: text2num has no dozen."""
BIG_SCALES = {"trillion": 10**12, "billionen": 10**12, "billón": 10**12, "billones": 10**12}
"""Scale words text2num does not read, not even after a number."""
FRACTIONS = {
    2: "half halves hälfte helft moitié demi mitad medio metà mezzo",
    3: "third thirds drittel derde derden tiers tercio tercios terzo terzi",
    4: "quarter quarters fourth fourths viertel kwart vierde quart quarts cuarto cuartos quarto quarti",
    5: "fifth fifths fünftel vijfde cinquième quinto",
    6: "sixth sixths",
    7: "seventh sevenths",
    8: "eighth eighths achtel",
    9: "ninth ninths",
    10: "tenth tenths zehntel tiende dixième décimo decimo",
    100: "hundredth hundredths",
}
"""Fraction nouns by denominator ("two thirds"): text2num reads these as ordinals."""


_DANISH_UNITS = dict(
    zip("nul en et to tre fire fem seks syv otte ni".split(), (0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9), strict=True)
)
_DANISH_TEENS = dict(
    zip("ti elleve tolv tretten fjorten femten seksten sytten atten nitten".split(), range(10, 20), strict=True)
)
_DANISH_TENS = dict(
    zip("tyve tredive fyrre halvtreds tres halvfjerds firs halvfems".split(), range(20, 100, 10), strict=True)
)
_DANISH_COMPOUND = re.compile(rf"^({'|'.join(_DANISH_UNITS)})og({'|'.join(_DANISH_TENS)})$")
DANISH_AMBIGUOUS = frozenset("en et to tre fire ni ti tres".split())
"""Danish number words that are common words or other numbers elsewhere ("to" in English, "en" and "et" in French,
Spanish "tres" is 3 where Danish "tres" is 60): counted only where the text is known to be a time or a duration."""


def danish_number(word: str) -> int | None:
    """A lowercase Danish number word to 99, units before tens as Danes say them: "femogtyve" -> 25, "halvtreds" ->
    50, "hundrede" -> 100; None for other words. The vigesimal tens are whole words, not arithmetic to redo."""
    if word in _DANISH_UNITS:
        return _DANISH_UNITS[word]
    if word in _DANISH_TEENS:
        return _DANISH_TEENS[word]
    if word in _DANISH_TENS:
        return _DANISH_TENS[word]
    if word == "hundrede":
        return 100
    compound = _DANISH_COMPOUND.match(word)
    if compound:
        return _DANISH_UNITS[compound.group(1)] + _DANISH_TENS[compound.group(2)]
    return None


@lru_cache(maxsize=4096)
def readings(word: str) -> tuple[tuple[int, str], ...]:
    """Every reading of a lowercase word as a number, (value, language) in the order of LANGUAGES: "un" -> ((1, "fr"),
    (1, "es"), (1, "it")), "dozen" -> ((12, "en"),); () for a word that is no number alone ("and", "milioni")."""
    if word in NOT_NUMBERS:
        return ()
    if word in DOZENS:
        return ((12, "en"),)
    if word in BIG_SCALES:
        return ((BIG_SCALES[word], "en"),)
    spelled = respell(word)
    found = []
    for language in LANGUAGES:
        try:
            found.append((text2num(spelled, language), language))
        except ValueError:
            continue
    return tuple(found)


def word_number(word: str) -> tuple[int, str] | None:
    """A lowercase word's value and the first language (of LANGUAGES) that reads it: "vierundzwanzig" -> (24, "de");
    None for a word that is no number alone."""
    found = readings(word)
    return found[0] if found else None


def is_scale(word: str) -> bool:
    """Whether a word multiplies the number before it: hundred, cent, mille, thousand, million, trillion..."""
    if word in AFTER_A_NUMBER or word in BIG_SCALES:
        return True
    known = word_number(word)
    return known is not None and known[0] >= 100 and str(known[0]).rstrip("0") == "1"


@dataclass(frozen=True)
class SpokenNumber:
    """A run of number words read as one number."""

    start: int
    """Index of its first word."""
    end: int
    """Index after its last word."""
    value: Fraction
    """The number, exact ("three point one four" is 157/50)."""


class _Word:
    """One word as text2num's find_numbers takes it (its Token protocol)."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.spelled = respell(word)

    def text(self) -> str:
        return self.spelled

    def nt_separated(self, previous: _Word) -> bool:
        """A number ends after zero: "zero five" is 0 and 5, not the digits 05."""
        known = word_number(previous.word)
        return known is not None and known[0] == 0

    def not_a_number_part(self) -> bool:
        return self.word in NOT_NUMBERS


def read_numbers(words: Sequence[str], language: str) -> list[SpokenNumber]:
    """The numbers runs of lowercase words state in one language, however small ("one" too); text2num reads them."""
    found = find_numbers([_Word(word) for word in words], language, 0)
    return [SpokenNumber(o.start, o.end, Fraction(o.text.replace(",", "."))) for o in found if not o.is_ordinal]


_CJK_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000}
_CJK_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}


def cjk_number(text: str) -> int:
    """Chinese/Japanese numerals to an int: 十二 -> 12, 一百零五 -> 105, 三万 -> 30000."""
    total, section, digit = 0, 0, 0
    for char in text:
        if char in _CJK_DIGITS:
            digit = _CJK_DIGITS[char]
        elif char in _CJK_UNITS:
            section += (digit or 1) * _CJK_UNITS[char]
            digit = 0
        else:
            total += (section + digit) * _CJK_BIG[char]
            section, digit = 0, 0
    return total + section + digit


# ---------------------------------------------------------------- numbers a request states

_CJK_NUMERAL_RUN = re.compile(r"[零〇一二两兩三四五六七八九十百千万萬亿億]+")
_HALVES = frozenset(FRACTIONS[2].split()) | {"halb", "halbe", "halve", "mezza"}


def said_numbers(text: str) -> set[float]:
    """Every number the text states, as digits or as number words in a supported language: "volume à cinq" -> {5},
    "vingt-cinq" -> {20, 5, 25}, "音量を五に" -> {5}. Used to check that a number in a model's call was said.

    Each number word counts alone too (a misheard "vingt-cinq" may have meant either word); a scale word alone
    ("thousand", "mille", "million") states no number, a hundred word alone does ("volume à cent" is the top)."""
    found: set[float] = set()
    lowered = unicodedata.normalize("NFKC", text).lower()
    for digits in re.findall(r"\d+(?:[.,]\d+)?", lowered):
        found.add(float(digits.replace(",", ".")))
    for run in _CJK_NUMERAL_RUN.findall(lowered):
        try:
            found.add(float(cjk_number(run)))
        except KeyError:  # a lone 万 or 亿 is not a number
            continue
    words = [word for word in re.split(r"[^\w]+|_", lowered) if word]
    for word in words:
        known = word_number(word)
        if known is not None and not (is_scale(word) and known[0] > 100):
            found.add(float(known[0]))
    for word in words:  # Danish, which text2num does not read; its everyday words only in times and durations
        danish = danish_number(word) if word not in DANISH_AMBIGUOUS else None
        if danish is not None:
            found.add(float(danish))
    languages = {language for word in words for _, language in readings(word)}
    for language in (language for language in LANGUAGES if language in languages):  # the languages of its words
        for number in read_numbers(words, language):
            if number.end - number.start > 1 or not is_scale(words[number.start]) or number.value == 100:
                found.add(float(number.value))
    if _HALVES.intersection(words):  # "one and a half", "zweieinhalb" is left out
        found |= {n + 0.5 for n in found} | {0.5}
    return found
