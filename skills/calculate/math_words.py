"""Words of spoken math in English, German, French, Spanish, Italian and Dutch, and how a run of number words in a
token stream becomes one number (the number words themselves are assistant.numbers, shared with the router)."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from assistant.numbers import FRACTIONS, Token


def _phrase_table() -> dict[tuple[str, ...], list[tuple[str, Any]]]:
    """Phrases of spoken math (words -> tokens): operators, functions, fractions, glue words."""
    phrases: dict[tuple[str, ...], list[tuple[str, Any]]] = {}

    def add(kind: str, value: Any, *texts: str) -> None:
        for text in texts:
            phrases[tuple(text.split())] = [(kind, value)]

    add("op", "+", "plus", "+", "más", "mas", "più", "piu", "added to")
    add("op", "-", "minus", "-", "less", "take away", "moins", "menos", "meno", "min")
    add("op", "*", "times", "*", "x", "multiplied by", "mal", "multipliziert mit", "fois", "multiplié par", "por",
        "multiplicado por", "per", "moltiplicato per", "keer", "maal", "vermenigvuldigd met")  # fmt: skip
    add("op", "/", "divided by", "/", "over", "is divided by", "geteilt durch", "durch", "dividiert durch",
        "divisé par", "sur", "dividido por", "dividido entre", "dividido", "entre", "diviso", "diviso per",
        "gedeeld door")  # fmt: skip
    add("op", "//", "//")
    add("op", "%", "mod", "modulo", "módulo")
    add("op", "**", "**", "^", "to the power of", "to the power", "raised to the power of", "raised to", "hoch",
        "à la puissance", "puissance", "exposant", "elevado a", "elevado a la", "elevato a", "elevato alla",
        "alla", "tot de macht")  # fmt: skip
    add("pctsym", None, "%")
    add("lp", None, "(")
    add("rp", None, ")")
    add("comma", None, ",")
    add("tothe", None, "to the")
    add("powerword", None, "power")
    add("sq", 2, "squared", "zum quadrat", "au carré", "al cuadrado", "al quadrato", "in het kwadraat", "kwadraat")
    add("sq", 3, "cubed", "au cube", "al cubo", "alla terza", "tot de derde macht")
    add("pct", None, "percent", "per cent", "pct", "prozent", "pour cent", "pourcent", "por ciento", "porciento",
        "per cento", "percento", "procent")  # fmt: skip
    add("of", None, "of", "von", "de", "du", "des", "di", "del", "della", "van", "aus")
    add("neg", None, "negative", "negativ", "négatif", "negativo", "negatief")
    add("fn", "sqrt", "sqrt", "√", "root of", "the root of", "square root of", "the square root of",
        "wurzel aus", "wurzel von", "die wurzel aus", "die wurzel von", "quadratwurzel aus", "quadratwurzel von",
        "die quadratwurzel aus", "die quadratwurzel von", "racine de", "la racine de", "racine carrée de",
        "la racine carrée de", "raíz de", "raiz de", "la raíz de", "raíz cuadrada de", "la raíz cuadrada de",
        "raiz cuadrada de", "radice di", "la radice di", "radice quadrata di", "la radice quadrata di",
        "wortel van", "de wortel van", "vierkantswortel van", "de vierkantswortel van")  # fmt: skip
    add("fn", "cbrt", "cube root of", "the cube root of", "kubikwurzel aus", "die kubikwurzel aus",
        "racine cubique de", "la racine cubique de", "raíz cúbica de", "la raíz cúbica de", "radice cubica di",
        "la radice cubica di", "derdemachtswortel van", "de derdemachtswortel van")  # fmt: skip
    add("fn", "abs", "abs", "absolute value of", "the absolute value of", "betrag von", "der betrag von",
        "valeur absolue de", "la valeur absolue de", "valor absoluto de", "el valor absoluto de",
        "valore assoluto di", "il valore assoluto di", "absolute waarde van", "de absolute waarde van")  # fmt: skip
    add("fn", "round", "round", "round off")
    add("rounded", None, "rounded", "rounded off")
    add("decimals", None, "decimal places", "decimal place", "decimals", "places", "digits")
    for word in ("to", "and", "from", "by", "a"):
        add(word, None, word)
    add("from", None, "away from")  # "take 12 away from 548"
    add("a", None, "an")
    add("add", None, "add")
    add("subtract", None, "subtract", "take")
    add("multiply", None, "multiply")
    add("divide", None, "divide")
    add("sum", None, "sum of", "the sum of")
    add("product", None, "product of", "the product of")
    add("difference", None, "difference of", "the difference of", "difference between", "the difference between")
    add("remainder", None, "remainder of", "the remainder of")
    add("point", None, "point", "dot", "komma", "virgule", "coma", "punto", "virgola")
    add("ord", 2, "second")
    for d, words in FRACTIONS.items():
        add("frac", d, *words.split())
    # "the half of", "la moitié de": an article, then a fraction noun, then "of".
    for article, noun, of in (("the", "half", "of"), ("die", "hälfte", "von"), ("de", "helft", "van"),
                              ("la", "moitié", "de"), ("la", "mitad", "de"), ("la", "metà", "di")):  # fmt: skip
        phrases[(article, noun, of)] = [("frac", 2), ("of", None)]
    return phrases


PHRASES = _phrase_table()
MAX_PHRASE_WORDS = max(len(key) for key in PHRASES)

FILLER_PREFIX = re.compile(
    r"^(?:hey|ok|okay|so|please|can you|could you|would you|tell me|do you know|i want to know|what is|what's|whats"
    r"|what are|what does|what do|how much is|how much are|how much|calculate|compute|work out|figure out|solve"
    r"|evaluate|was ist|was sind|was ergibt|was macht|wie ?viel ist|wie ?viel sind|wie ?viel macht|berechne"
    r"|rechne mal|rechne|sag mir|bitte|combien font|combien fait|combien ça fait|combien ca fait|c'est combien"
    r"|combien|calcule|calculez|dis[- ]moi|quel est|quelle est|s'il te plaît|s'il vous plaît|cuánto es|cuanto es"
    r"|cuánto son|cuanto son|cuánto da|cuanto da|cuánto|cuanto|calcula|dime|qué es|que es|por favor|quanto fa"
    r"|quanto fanno|quanto è|quanto e|quant'è|calcola|dimmi|per favore|wat is|wat zijn|hoeveel is|hoeveel zijn"
    r"|hoeveel|bereken|reken uit|reken|zeg me|alsjeblieft|alstublieft)\b[\s,:]*"
)
DISFLUENCY = re.compile(r"\b(?:u+m+|u+h+|e+r+m*|h+m+|a+h+|you know|i mean|like|okay so|ok so|well|so|äh+m*|euh|eh)\b")
"""Hesitations anywhere in spoken math ("303 minus like um 7"): none of them means an operation or a number."""
FILLER_SUFFIX = re.compile(
    r"[\s,]*\b(?:please|for me|equal to|equals|equal|make|makes|is|are|bitte|ist gleich|ist|ergibt|gleich"
    r"|s'il te plaît|s'il vous plaît|font|fait|égal à|égale|égal|por favor|es igual a|igual a|per favore|fa"
    r"|uguale a|alsjeblieft|alstublieft|is gelijk aan|gelijk aan|uit)$|\s*=$"
)
CJK_OPS = (
    ("乘以", "*"), ("乘", "*"), ("除以", "/"), ("加上", "+"), ("加", "+"), ("减去", "-"), ("減去", "-"), ("减", "-"),
    ("減", "-"), ("かける", "*"), ("掛ける", "*"), ("わる", "/"), ("割る", "/"), ("たす", "+"), ("足す", "+"),
    ("ひく", "-"), ("引く", "-"),
)  # fmt: skip
CJK_SUFFIX = re.compile(r"(?:等于|等於|是|は)?(?:多少|几|幾|いくつ|何|なん)?(?:ですか|でしょう)?$|(?:等于|等於|は)$")
SYMBOLS = {"×": "*", "✕": "*", "⋅": "*", "·": "*", "∗": "*", "÷": "/", "∕": "/", "−": "-", "–": "-", "—": "-",
            "²": "**2", "³": "**3", "√": " √ ", "’": "'", "＾": "^"}  # fmt: skip


# ---------------------------------------------------------------- number words -> numbers


class _NumberState:
    """One number being read from words: total of finished scale groups plus the current group below 1000."""

    def __init__(self) -> None:
        self.total, self.group = 0, 0
        self.hundreds = self.tens = self.units = False
        self.last: tuple[str, int] = ("", 0)
        self.glued = False
        self.zero = False
        self.last_scale = 10**18

    def accepts(self, cls: str, value: int) -> bool:
        """Whether the morpheme can continue this number (one hundred twenty three: yes; one two: no)."""
        last_cls, last_value = self.last
        if self.zero:
            return False
        started = bool(last_cls)
        if cls == "unit":
            if value == 0:
                return not started
            if last_cls == "teen":
                return last_value == 10 and value >= 7  # dix-sept, quatre-vingt-dix-neuf
            return not self.units
        if cls == "teen":
            return (not self.tens and not self.units) or (last_cls == "tens" and last_value in (60, 80))
        if cls == "tens":  # vier-und-zwanzig: a unit may come first when glued
            return not self.tens and (not self.units or (self.glued and last_cls == "unit"))
        if cls == "tensunit":
            return not self.tens and not self.units
        if cls == "hundred":
            return not self.hundreds and self.group < 100
        if cls == "hundreds":
            return self.group == 0 and not self.hundreds
        if cls in ("scale", "dozen"):
            return value < self.last_scale and (self.group > 0 or not started)
        return False

    def add(self, cls: str, value: int) -> None:
        """Apply an accepted morpheme."""
        if cls == "unit":
            self.group += value
            self.units, self.zero = True, value == 0 and not self.last[0]
        elif cls in ("teen", "tens", "tensunit"):
            self.group += value
            self.tens = True
            self.units = self.units or cls != "tens"
        elif cls == "hundred":
            self.group = (self.group or 1) * 100
            self.hundreds, self.tens, self.units = True, False, False
        elif cls == "hundreds":
            self.group, self.hundreds = value, True
        else:  # scale or dozen: "a thousand", "mille", "two dozen"
            self.total += (self.group or 1) * value
            self.group, self.last_scale = 0, value
            self.hundreds = self.tens = self.units = False
        self.last, self.glued = (cls, value), False

    @property
    def value(self) -> int:
        """The number read so far."""
        return self.total + self.group


def _is_glue(token: Token) -> bool:
    return token[0] == "and" or (token[0] == "nw" and token[1][0] == "glue")


def _read_number(tokens: list[Token], i: int) -> tuple[Fraction, int]:
    """Read number words from tokens[i] on; return the value and the index after it."""
    state = _NumberState()
    if tokens[i][0] == "a":  # "a hundred", "a dozen"
        state.group, state.units, state.last = 1, True, ("unit", 1)
        i += 1
    while i < len(tokens):
        token = tokens[i]
        if _is_glue(token) and state.last[0] and i + 1 < len(tokens) and tokens[i + 1][0] == "nw":
            cls, value = tokens[i + 1][1]
            if cls != "glue":
                state.glued = True
                if state.accepts(cls, value):
                    i += 1
                    continue
                state.glued = False
            break
        if token[0] != "nw":
            break
        cls, value = token[1]
        if not state.accepts(cls, value):
            break
        state.add(cls, value)
        i += 1
        if cls == "dozen":
            break
    number = Fraction(state.value)
    # "seven point five", "three point one four": each word after the point is digits.
    if i + 1 < len(tokens) and tokens[i][0] == "point" and tokens[i + 1][0] == "nw":
        digits = ""
        i += 1
        while i < len(tokens) and tokens[i][0] == "nw" and tokens[i][1][0] in ("unit", "teen", "tens"):
            digits += str(tokens[i][1][1])
            i += 1
        number += Fraction(int(digits or "0"), 10 ** len(digits))
    # "one and a half", "uno y medio", "zwei und ein viertel"
    j = i + 1 if i < len(tokens) and _is_glue(tokens[i]) else i
    if j > i and j < len(tokens) and (tokens[j][0] == "a" or tokens[j][1] == ("unit", 1)):
        j += 1
    if j > i and j < len(tokens) and tokens[j][0] == "frac" and tokens[j][1] in (2, 4):
        number += Fraction(1, tokens[j][1])
        i = j + 1
    return number, i


def assemble_numbers(tokens: list[Token]) -> list[Token]:
    """Replace runs of number words by ("num", value); '3 million' and 'a dozen' become numbers too."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        kind = tokens[i][0]
        following = tokens[i + 1] if i + 1 < len(tokens) else ("", ("", 0))
        scale_next = following[0] == "nw" and following[1][0] in ("scale", "hundred", "dozen")
        if kind == "nw" or (kind == "a" and scale_next) or (kind == "point" and following[0] == "nw"):
            if kind == "nw" and tokens[i][1][0] == "glue":
                raise ValueError("a number cannot start with 'and'")
            value, i = _read_number(tokens, i)
            out.append(("num", value))
        elif kind == "num" and scale_next and following[1][0] != "dozen":
            value, after = _read_number(tokens, i + 1)
            out.append(("num", tokens[i][1] * value))
            i = after
        else:
            out.append(tokens[i])
            i += 1
    return out
