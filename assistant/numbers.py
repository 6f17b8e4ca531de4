"""Number words: how the languages the assistant hears say numbers, and which numbers a request states.

Shared by the router (a number in a call must have been said: assistant.routing.grounding) and by skills that read
spoken numbers (calculate). English, German, French, Spanish, Italian and Dutch words, Chinese and Japanese
numerals.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

Token = tuple[str, Any]
"""A lexer token: (kind, value), e.g. ("op", "*"), ("num", Fraction(12)), ("nw", ("tens", 20))."""

_UNITS = {
    0: "zero null nul zéro cero",
    1: "one eins ein eine een één un une uno una",
    2: "two zwei zwo twee deux dos due",
    3: "three drei drie trois tres tre tré",
    4: "four vier quatre cuatro quattro",
    5: "five fünf vijf cinq cinco cinque",
    6: "six sechs zes seis sei",
    7: "seven sieben zeven sept siete sette",
    8: "eight acht huit ocho otto",
    9: "nine neun negen neuf nueve nove",
}
_TEENS = {
    10: "ten zehn tien dix diez dieci",
    11: "eleven elf onze once undici",
    12: "twelve zwölf twaalf douze doce dodici",
    13: "thirteen dreizehn dertien treize trece tredici",
    14: "fourteen vierzehn veertien quatorze catorce quattordici",
    15: "fifteen fünfzehn vijftien quinze quince quindici",
    16: "sixteen sechzehn zestien seize dieciséis dieciseis sedici",
    17: "seventeen siebzehn zeventien diecisiete diciassette",
    18: "eighteen achtzehn achttien dieciocho diciotto",
    19: "nineteen neunzehn negentien diecinueve diciannove",
}
_TENS = {
    20: "twenty zwanzig twintig vingt vingts veinte venti vent",
    30: "thirty dreißig dreissig dertig trente treinta trenta trent",
    40: "forty fourty vierzig veertig quarante cuarenta quaranta quarant",
    50: "fifty fünfzig vijftig cinquante cincuenta cinquanta cinquant",
    60: "sixty sechzig zestig soixante sesenta sessanta sessant",
    70: "seventy siebzig zeventig setenta settanta settant",
    80: "eighty achtzig tachtig quatrevingt quatrevingts ochenta ottanta ottant",
    90: "ninety neunzig negentig noventa novanta novant",
}
_SPANISH_TWENTIES = (
    "veintiuno:21 veintiún:21 veintiuna:21 veintidós:22 veintidos:22 veintitrés:23 veintitres:23 veinticuatro:24"
    " veinticinco:25 veintiséis:26 veintiseis:26 veintisiete:27 veintiocho:28 veintinueve:29"
)
_SPANISH_HUNDREDS = (
    "ciento doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos novecientos"
)
_SCALES = {
    1000: "thousand tausend duizend mille mil mila",
    10**6: "million millions millionen miljoen millón millon millones milione milioni",
    10**9: "billion milliarde milliarden miljard milliard milliards miliardo miliardi",
    10**12: "trillion billionen biljoen billón billones",
}
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


def _number_table() -> dict[str, tuple[str, int]]:
    """Number morphemes: word -> (class, value), e.g. "zwanzig" -> ("tens", 20)."""
    numbers: dict[str, tuple[str, int]] = {}
    for cls, groups in (("unit", _UNITS), ("teen", _TEENS), ("tens", _TENS), ("scale", _SCALES)):
        for value, words in groups.items():
            for word in words.split():
                numbers.setdefault(word, (cls, value))
    for pair in _SPANISH_TWENTIES.split():
        word, number = pair.split(":")
        numbers[word] = ("tensunit", int(number))
    for i, word in enumerate(_SPANISH_HUNDREDS.split()):
        numbers[word] = ("hundreds", 100 * (i + 1))
        if i:
            numbers[word[:-2] + "as"] = ("hundreds", 100 * (i + 1))
    numbers.update({"cien": ("hundreds", 100), "hundred": ("hundred", 100), "hundert": ("hundred", 100)})
    numbers.update({w: ("hundred", 100) for w in ("honderd", "cent", "cents", "cento")})
    numbers.update({w: ("dozen", 12) for w in ("dozen", "dutzend", "dozijn", "douzaine", "docena", "dozzina")})
    numbers.update({w: ("glue", 0) for w in ("and", "und", "en", "ën", "et", "y", "e")})

    return numbers


NUMBER_WORDS = _number_table()
"""Every number morpheme: word -> (class, value)."""
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
_SAID_CLASSES = ("unit", "teen", "tens", "tensunit", "hundreds", "dozen")
_HALVES = frozenset(FRACTIONS[2].split()) | {"halb", "halbe", "halve", "mezza"}
_GERMAN_DUTCH_COMPOUND = re.compile(r"^(\w+?)(?:und|en|ën)(\w+)$")
"""German and Dutch say units before tens in one word: fünfundzwanzig, vijfentwintig."""


def said_numbers(text: str) -> set[float]:
    """Every number the text states, as digits or as number words in a supported language: "volume à cinq" -> {5},
    "vingt-cinq" -> {20, 5, 25}, "音量を五に" -> {5}. Used to check that a number in a model's call was said."""
    found: set[float] = set()
    lowered = unicodedata.normalize("NFKC", text).lower()
    for digits in re.findall(r"\d+(?:[.,]\d+)?", lowered):
        found.add(float(digits.replace(",", ".")))
    for run in _CJK_NUMERAL_RUN.findall(lowered):
        try:
            found.add(float(cjk_number(run)))
        except KeyError:  # a lone 万 or 亿 is not a number
            continue
    values: list[int | None] = []
    for word in re.split(r"[^\w]+|_", lowered):
        value = _word_value(word)
        values.append(value)
        if value is not None:
            found.add(float(value))
    # Tens then a unit (twenty five, vingt-cinq; Spanish veinticinco is one word of the table).
    for first, second in zip(values, values[1:], strict=False):
        if first is not None and second is not None and first % 10 == 0 and 20 <= first < 100 and second < 10:
            found.add(float(first + second))
    if _HALVES.intersection(re.split(r"[^\w]+", lowered)):  # "one and a half", "zweieinhalb" is left out
        found |= {n + 0.5 for n in found} | {0.5}
    return found


def _word_value(word: str) -> int | None:
    """A single number word's value (with German/Dutch unit-and-tens compounds); None for other words."""
    known = NUMBER_WORDS.get(word)
    if known is not None and known[0] in _SAID_CLASSES:
        return known[1]
    compound = _GERMAN_DUTCH_COMPOUND.match(word)
    if compound:
        unit, tens = NUMBER_WORDS.get(compound.group(1)), NUMBER_WORDS.get(compound.group(2))
        if unit and tens and unit[0] == "unit" and tens[0] == "tens":
            return unit[1] + tens[1]
    return None
