"""Words of spoken math in English, German, French, Spanish, Italian and Dutch (and Danish operators around digits:
"12 gange 7"), and how a run of number words in a token stream becomes one number.

text2num reads the number words themselves (assistant.numbers, shared with the router): "one hundred and twenty
three", "quatre-vingt-dix-sept", "vierundzwanzig". Kept here, what spoken math says around them that text2num
does not read: "a hundred", "3 million", "two dozen", "point five" (and a decimal point in any of the six
languages), "one and a half", and which language reads a run (the lexer does not know the language).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from assistant.numbers import (
    BIG_SCALES,
    DOZENS,
    FRACTIONS,
    is_scale,
    read_numbers,
    readings,
    word_number,
)

Token = tuple[str, Any]
"""A lexer token: (kind, value), e.g. ("op", "*"), ("num", Fraction(12)), ("nw", "zwanzig")."""
GLUE = frozenset("und et y e en ën".split())
"""'And' inside a number in de, fr, es, it, nl ("vingt et un", "treinta y uno"); English "and" is a phrase."""


def _phrase_table() -> dict[tuple[str, ...], list[tuple[str, Any]]]:
    """Phrases of spoken math (words -> tokens): operators, functions, fractions, glue words."""
    phrases: dict[tuple[str, ...], list[tuple[str, Any]]] = {}

    def add(kind: str, value: Any, *texts: str) -> None:
        for text in texts:
            phrases[tuple(text.split())] = [(kind, value)]

    add("op", "+", "plus", "+", "más", "mas", "più", "piu", "added to")
    add("op", "-", "minus", "-", "less", "take away", "moins", "menos", "meno", "min")
    add("op", "*", "times", "*", "x", "multiplied by", "mal", "multipliziert mit", "fois", "multiplié par", "por",
        "multiplicado por", "per", "moltiplicato per", "keer", "maal", "vermenigvuldigd met", "gange",
        "ganget med")  # fmt: skip
    add("op", "/", "divided by", "/", "over", "is divided by", "geteilt durch", "durch", "dividiert durch",
        "divisé par", "sur", "dividido por", "dividido entre", "dividido", "entre", "diviso", "diviso per",
        "gedeeld door", "divideret med", "delt med")  # fmt: skip
    add("op", "//", "//")
    add("op", "%", "mod", "modulo", "módulo")
    # "on" for "of" is how Whisper often hears it ("square root on 16", "raised to the power on 4").
    add("op", "**", "**", "^", "to the power of", "to the power on", "to the power", "raised to the power of",
        "raised to the power on", "raised to", "hoch",
        "à la puissance", "puissance", "exposant", "elevado a", "elevado a la", "elevato a", "elevato alla",
        "alla", "tot de macht", "opløftet i")  # fmt: skip
    add("pctsym", None, "%")
    add("lp", None, "(")
    add("rp", None, ")")
    add("comma", None, ",")
    add("tothe", None, "to the")
    add("powerword", None, "power")
    add("sq", 2, "squared", "zum quadrat", "au carré", "al cuadrado", "al quadrato", "in het kwadraat", "kwadraat",
        "i anden")  # fmt: skip
    add("sq", 3, "cubed", "au cube", "al cubo", "alla terza", "tot de derde macht", "i tredje")
    add("pct", None, "percent", "per cent", "pct", "prozent", "pour cent", "pourcent", "por ciento", "porciento",
        "per cento", "percento", "procent")  # fmt: skip
    add("of", None, "of", "von", "de", "du", "des", "di", "del", "della", "van", "aus", "af")
    add("neg", None, "negative", "negativ", "négatif", "negativo", "negatief")
    add("fn", "sqrt", "sqrt", "√", "root of", "the root of", "square root of", "the square root of", "square root on",
        "the square root on",
        "wurzel aus", "wurzel von", "die wurzel aus", "die wurzel von", "quadratwurzel aus", "quadratwurzel von",
        "die quadratwurzel aus", "die quadratwurzel von", "racine de", "la racine de", "racine carrée de",
        "la racine carrée de", "raíz de", "raiz de", "la raíz de", "raíz cuadrada de", "la raíz cuadrada de",
        "raiz cuadrada de", "radice di", "la radice di", "radice quadrata di", "la radice quadrata di",
        "wortel van", "de wortel van", "vierkantswortel van", "de vierkantswortel van", "kvadratroden af",
        "roden af")  # fmt: skip
    add("fn", "cbrt", "cube root of", "the cube root of", "cube root on", "the cube root on", "kubikwurzel aus",
        "die kubikwurzel aus", "racine cubique de", "la racine cubique de", "raíz cúbica de", "la raíz cúbica de",
        "radice cubica di", "la radice cubica di", "derdemachtswortel van", "de derdemachtswortel van",
        "kubikroden af")  # fmt: skip
    add("fn", "abs", "abs", "absolute value of", "the absolute value of", "betrag von", "der betrag von",
        "valeur absolue de", "la valeur absolue de", "valor absoluto de", "el valor absoluto de",
        "valore assoluto di", "il valore assoluto di", "absolute waarde van", "de absolute waarde van",
        "numerisk værdi af", "den numeriske værdi af")  # fmt: skip
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
    r"|hoeveel|bereken|reken uit|reken|zeg me|alsjeblieft|alstublieft|hvad bliver|hvad giver|hvad"
    r"|hvor meget bliver|hvor meget giver|hvor meget|beregn|udregn|regn ud|sig mig)\b[\s,:]*"
)
"""Question and politeness words before spoken math. The Danish ones are written without "er" (is): DISFLUENCY has
dropped it as the English hesitation "er" by then ("hvad er 12 gange 7" -> "hvad 12 gange 7")."""
DISFLUENCY = re.compile(r"\b(?:u+m+|u+h+|e+r+m*|h+m+|a+h+|you know|i mean|like|okay so|ok so|well|so|äh+m*|euh|eh)\b")
"""Hesitations anywhere in spoken math ("303 minus like um 7"): none of them means an operation or a number."""
FILLER_SUFFIX = re.compile(
    r"[\s,]*\b(?:please|for me|equal to|equals|equal|make|makes|is|are|bitte|ist gleich|ist|ergibt|gleich"
    r"|s'il te plaît|s'il vous plaît|font|fait|égal à|égale|égal|por favor|es igual a|igual a|per favore|fa"
    r"|uguale a|alsjeblieft|alstublieft|is gelijk aan|gelijk aan|uit|lig med|tak)$|\s*=$"
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


def _is_glue(token: Token) -> bool:
    return token[0] in ("and", "glue")


def _words_from(tokens: list[Token], i: int) -> list[str]:
    """The run of number words from tokens[i] on, one word per token, with 'and' between them ("vingt et un")."""
    words: list[str] = []
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "nw":
            words.append(value)
        elif _is_glue(tokens[i]) and words and i + 1 < len(tokens) and tokens[i + 1][0] == "nw":
            words.append(value or "and")  # the "and" phrase token carries no word
        else:
            break
        i += 1
    return words


def _read_words(words: list[str]) -> tuple[Fraction, int]:
    """The first number text2num reads in words (which start with a number word) and how many words it takes, in
    the language that reads the most of them (the first of LANGUAGES on a tie); (0, 0) if none reads it."""
    best = (Fraction(0), 0)  # "milioni" alone: Italian reads it only after a number ("due milioni")
    for _, language in readings(words[0]):
        read = read_numbers(words, language)
        if read and read[0].start == 0 and read[0].end > best[1]:
            best = (read[0].value, read[0].end)
    return best


def _first_number(words: list[str]) -> tuple[Fraction, int]:
    """The first number a run of number words states and how many words it takes; a dozen or a 10**12 word, which
    text2num does not read, multiplies the number before it ("two dozen") or is one alone ("dozen")."""
    plain = 0
    while plain < len(words) and words[plain] not in DOZENS and words[plain] not in BIG_SCALES:
        plain += 1
    value, taken = _read_words(words[:plain]) if plain else (Fraction(1), 0)
    if taken == plain < len(words):
        scale = 12 if words[plain] in DOZENS else BIG_SCALES[words[plain]]
        return value * scale, taken + 1
    if not taken:
        raise ValueError(f"{words[0]!r} is not a number alone")
    return value, taken


def _decimals(tokens: list[Token], i: int) -> tuple[str, int]:
    """Digits said one by one after a decimal point ("three point one four": "14") and the index after them, word
    by word as before: a decimal point is "point", "dot", "komma", "virgule", "coma", "punto" or "virgola" in any of
    the six languages, and each digit word is read alone (text2num's own decimals take only its language's word)."""
    digits = ""
    while i < len(tokens) and tokens[i][0] == "nw":
        known = word_number(tokens[i][1])
        if known is None or known[0] >= 100:
            break
        digits += str(known[0])
        i += 1
    return digits, i


def _read_number(tokens: list[Token], i: int) -> tuple[Fraction, int]:
    """Read number words from tokens[i] on; return the value and the index after it."""
    if tokens[i][0] == "a":  # "a hundred", "a dozen"
        i += 1
    number = Fraction(0)
    if tokens[i][0] == "nw":
        number, taken = _first_number(_words_from(tokens, i))
        i += taken
    # "seven point five", "three point one four", "point five": digits said one by one after the point.
    if i + 1 < len(tokens) and tokens[i][0] == "point" and tokens[i + 1][0] == "nw":
        digits, i = _decimals(tokens, i + 1)
        number += Fraction(int(digits or "0"), 10 ** len(digits))
    # "one and a half", "uno y medio", "zwei und ein viertel"
    j = i + 1 if i < len(tokens) and _is_glue(tokens[i]) else i
    if j > i and j < len(tokens) and (tokens[j][0] == "a" or _is_one(tokens[j])):
        j += 1
    if j > i and j < len(tokens) and tokens[j][0] == "frac" and tokens[j][1] in (2, 4):
        number += Fraction(1, tokens[j][1])
        i = j + 1
    return number, i


def _is_one(token: Token) -> bool:
    known = word_number(token[1]) if token[0] == "nw" else None
    return known is not None and known[0] == 1


def _multiplier(tokens: list[Token], i: int) -> str:
    """'scale' or 'dozen' when tokens[i] is a word that multiplies the number before it, else ''."""
    if i >= len(tokens) or tokens[i][0] != "nw":
        return ""
    return "dozen" if tokens[i][1] in DOZENS else "scale" if is_scale(tokens[i][1]) else ""


def assemble_numbers(tokens: list[Token]) -> list[Token]:
    """Replace runs of number words by ("num", value); '3 million' and 'a dozen' become numbers too."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        kind = tokens[i][0]
        following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        if kind == "nw" or (kind == "a" and _multiplier(tokens, i + 1)) or (kind == "point" and following == "nw"):
            value, i = _read_number(tokens, i)
            out.append(("num", value))
        elif kind == "num" and _multiplier(tokens, i + 1) == "scale":
            value, after = _read_number(tokens, i + 1)
            out.append(("num", tokens[i][1] * value))
            i = after
        elif kind == "glue":
            raise ValueError("a number cannot start with 'and'")
        else:
            out.append(tokens[i])
            i += 1
    return out
