"""Spoken or written math to one canonical expression string, and a safe, exact evaluator for that string.

Pipeline: normalise the text (Unicode operators, CJK numerals) -> strip filler ("what is", "please") ->
lex words and symbols into tokens (phrases of six languages) -> assemble number words into numbers ->
recursive-descent parse into a small tree -> print the tree with one fixed printer (Python syntax, minimal
parentheses). The evaluator parses that string with ast, walks a whitelist of nodes and computes with
fractions.Fraction, so 0.1+0.2 is exactly 0.3 and 1/3 stays a third. Standard library only.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

MAX_EXPRESSION_CHARS = 200
"""Longer input is refused before parsing (bounds recursion and work)."""
MAX_NESTING = 20
"""Deepest parenthesis nesting accepted."""
MAX_BITS = 4000
"""Largest numerator/denominator (in bits, about 1,200 digits) any intermediate value may reach."""
MAX_RESULT = 10**15
"""Results at or above this magnitude are too big to say."""
FUNCTIONS = ("sqrt", "abs", "round")
"""The only names an expression may call."""


# ---------------------------------------------------------------- the tree and its printer


@dataclass(frozen=True)
class Num:
    """A non-negative number literal; always a terminating decimal."""

    value: Fraction
    """Exact value."""


@dataclass(frozen=True)
class Neg:
    """Unary minus."""

    operand: Node
    """What is negated."""


@dataclass(frozen=True)
class Bin:
    """A binary operation."""

    op: str
    """One of + - * / // % **."""
    left: Node
    """Left operand."""
    right: Node
    """Right operand."""


@dataclass(frozen=True)
class Fn:
    """A call of sqrt, abs or round."""

    name: str
    """Function name (one of FUNCTIONS)."""
    args: tuple[Node, ...]
    """Arguments: one, or two for round(x, places)."""


Node = Num | Neg | Bin | Fn
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2, "**": 4}
UNARY_PRECEDENCE, ATOM_PRECEDENCE = 3, 5


def precedence(node: Node) -> int:
    """Python's binding strength of a node (higher binds tighter)."""
    if isinstance(node, Bin):
        return PRECEDENCE[node.op]
    return UNARY_PRECEDENCE if isinstance(node, Neg) else ATOM_PRECEDENCE


def format_decimal(value: Fraction) -> str:
    """Exact decimal digits of a terminating fraction: 15/2 -> '7.5' (no exponent, no grouping)."""
    rest, twos, fives = value.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        raise ValueError(f"{value} is not a terminating decimal")
    places = max(twos, fives)
    digits = str(abs(value.numerator) * 10**places // value.denominator)
    sign = "-" if value < 0 else ""
    if places == 0:
        return sign + digits
    digits = digits.rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def to_text(node: Node) -> str:
    """The canonical string of a tree: Python syntax, no spaces, only the parentheses Python needs."""

    def wrap(child: Node, needed: int) -> str:
        text = to_text(child)
        return f"({text})" if precedence(child) < needed else text

    if isinstance(node, Num):
        return format_decimal(node.value)
    if isinstance(node, Neg):
        return "-" + wrap(node.operand, UNARY_PRECEDENCE)
    if isinstance(node, Fn):
        return f"{node.name}(" + ", ".join(to_text(arg) for arg in node.args) + ")"
    if node.op == "**":  # right-associative; the left side must be an atom ((-2)**2, (2**3)**2)
        return wrap(node.left, ATOM_PRECEDENCE) + "**" + wrap(node.right, UNARY_PRECEDENCE)
    level = PRECEDENCE[node.op]  # left-associative: equal precedence on the right needs parentheses
    # 5%(-1), not 5%-1: a "%" followed by a minus would read as "5 percent minus 1".
    right_needs = UNARY_PRECEDENCE + 1 if node.op == "%" else level + 1
    return wrap(node.left, level) + node.op + wrap(node.right, right_needs)


# ---------------------------------------------------------------- words of six languages

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
_SPANISH_HUNDREDS = "ciento doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos novecientos"
_SCALES = {
    1000: "thousand tausend duizend mille mil mila",
    10**6: "million millions millionen miljoen millón millon millones milione milioni",
    10**9: "billion milliarde milliarden miljard milliard milliards miliardo miliardi",
    10**12: "trillion billionen biljoen billón billones",
}
_FRACTIONS = {
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


def _table() -> tuple[dict[str, tuple[str, int]], dict[tuple[str, ...], list[tuple[str, object]]]]:
    """Number morphemes (word -> (class, value)) and phrases (words -> tokens)."""
    numbers: dict[str, tuple[str, int]] = {}
    for cls, groups in (("unit", _UNITS), ("teen", _TEENS), ("tens", _TENS), ("scale", _SCALES)):
        for value, words in groups.items():
            for word in words.split():
                numbers.setdefault(word, (cls, value))
    for pair in _SPANISH_TWENTIES.split():
        word, value = pair.split(":")
        numbers[word] = ("tensunit", int(value))
    for i, word in enumerate(_SPANISH_HUNDREDS.split()):
        numbers[word] = ("hundreds", 100 * (i + 1))
        if i:
            numbers[word[:-2] + "as"] = ("hundreds", 100 * (i + 1))
    numbers.update({"cien": ("hundreds", 100), "hundred": ("hundred", 100), "hundert": ("hundred", 100)})
    numbers.update({w: ("hundred", 100) for w in ("honderd", "cent", "cents", "cento")})
    numbers.update({w: ("dozen", 12) for w in ("dozen", "dutzend", "dozijn", "douzaine", "docena", "dozzina")})
    numbers.update({w: ("glue", 0) for w in ("and", "und", "en", "ën", "et", "y", "e")})

    phrases: dict[tuple[str, ...], list[tuple[str, object]]] = {}

    def add(kind: str, value: object, *texts: str) -> None:
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
    for d, words in _FRACTIONS.items():
        add("frac", d, *words.split())
    # "the half of", "la moitié de": an article, then a fraction noun, then "of".
    for article, noun, of in (("the", "half", "of"), ("die", "hälfte", "von"), ("de", "helft", "van"),
                              ("la", "moitié", "de"), ("la", "mitad", "de"), ("la", "metà", "di")):  # fmt: skip
        phrases[(article, noun, of)] = [("frac", 2), ("of", None)]
    return numbers, phrases


NUMBER_WORDS, PHRASES = _table()
MAX_PHRASE_WORDS = max(len(key) for key in PHRASES)

_FILLER_PREFIX = re.compile(
    r"^(?:hey|ok|okay|so|please|can you|could you|would you|tell me|do you know|i want to know|what is|what's|whats"
    r"|what are|what does|what do|how much is|how much are|how much|calculate|compute|work out|figure out|solve"
    r"|evaluate|was ist|was sind|was ergibt|was macht|wie ?viel ist|wie ?viel sind|wie ?viel macht|berechne"
    r"|rechne mal|rechne|sag mir|bitte|combien font|combien fait|combien ça fait|combien ca fait|c'est combien"
    r"|combien|calcule|calculez|dis[- ]moi|quel est|quelle est|s'il te plaît|s'il vous plaît|cuánto es|cuanto es"
    r"|cuánto son|cuanto son|cuánto da|cuanto da|cuánto|cuanto|calcula|dime|qué es|que es|por favor|quanto fa"
    r"|quanto fanno|quanto è|quanto e|quant'è|calcola|dimmi|per favore|wat is|wat zijn|hoeveel is|hoeveel zijn"
    r"|hoeveel|bereken|reken uit|zeg me|alsjeblieft|alstublieft)\b[\s,:]*"
)
_FILLER_SUFFIX = re.compile(
    r"[\s,]*\b(?:please|for me|equal to|equals|equal|make|makes|is|are|bitte|ist gleich|ist|ergibt|gleich"
    r"|s'il te plaît|s'il vous plaît|font|fait|égal à|égale|égal|por favor|es igual a|igual a|per favore|fa"
    r"|uguale a|alsjeblieft|alstublieft|is gelijk aan|gelijk aan)$|\s*=$"
)
_CJK_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000}
_CJK_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CJK_OPS = (
    ("乘以", "*"), ("乘", "*"), ("除以", "/"), ("加上", "+"), ("加", "+"), ("减去", "-"), ("減去", "-"), ("减", "-"),
    ("減", "-"), ("かける", "*"), ("掛ける", "*"), ("わる", "/"), ("割る", "/"), ("たす", "+"), ("足す", "+"),
    ("ひく", "-"), ("引く", "-"),
)  # fmt: skip
_CJK_SUFFIX = re.compile(r"(?:等于|等於|是|は)?(?:多少|几|幾|いくつ|何|なん)?(?:ですか|でしょう)?$|(?:等于|等於|は)$")
_SYMBOLS = {"×": "*", "✕": "*", "⋅": "*", "·": "*", "∗": "*", "÷": "/", "∕": "/", "−": "-", "–": "-", "—": "-",
            "²": "**2", "³": "**3", "√": " √ ", "’": "'", "＾": "^"}  # fmt: skip


def _cjk_number(text: str) -> int:
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


def _normalize(text: str) -> str:
    """Lowercase, map Unicode and CJK operators to ASCII, CJK numerals to digits, strip filler and punctuation."""
    text = "".join(_SYMBOLS.get(char, char) for char in text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[零〇一二两兩三四五六七八九十百千万萬亿億]+", lambda m: f" {_cjk_number(m.group())} ", text)
    text = _CJK_SUFFIX.sub("", text.strip(" ?!。"))
    for word, op in _CJK_OPS:
        text = text.replace(word, f" {op} ")
    text = re.sub(r"[¿¡!?;:\"“”«»]", " ", text)
    text = re.sub(r"\.(?!\d)", " ", text)  # a full stop, not a decimal point
    text = re.sub(r"quatre[- ]vingts?", "quatrevingt", text)
    text = " ".join(text.split())
    while True:
        stripped = _FILLER_SUFFIX.sub("", _FILLER_PREFIX.sub("", text)).strip(" ,")
        if stripped == text:
            break
        text = stripped
    return re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", " ", text)  # twenty-one, dix-sept


# ---------------------------------------------------------------- lexer

Token = tuple[str, object]
_LEX = re.compile(
    r"(?P<ord>\d+(?:st|nd|rd|th))(?![^\W\d_])"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}(?![\d,])"
    r"|\d+\.\d+|\d+,\d+|\.\d+|\d+)"
    r"|(?P<sym>\*\*|//|[-+*/^%(),√])"
    r"|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)?)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)"
)


def _number_literal(text: str) -> Fraction:
    """Digits with grouping or a decimal comma/point: '1,000' -> 1000, '7,5' -> 7.5, '1.234,5' -> 1234.5."""
    if "," in text and "." in text:
        group, decimal = (",", ".") if text.rfind(".") > text.rfind(",") else (".", ",")
        text = text.replace(group, "").replace(decimal, ".")
    elif text.count(",") > 1 or re.fullmatch(r"\d{1,3},\d{3}", text):
        text = text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    return Fraction(text.replace(",", "."))


def _split_compound(word: str) -> list[tuple[str, int]] | None:
    """A run-together number word ('vierundzwanzig', 'ventitré') split into number morphemes, or None."""
    best: list[list[tuple[str, int]] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 12), end):
            piece = word[start:end]
            if best[start] is not None and piece in NUMBER_WORDS and best[end] is None:
                best[end] = [*best[start], NUMBER_WORDS[piece]]  # type: ignore[misc]
    return best[len(word)]


def lex(text: str) -> list[Token]:
    """Tokens of normalised text; ValueError names the first word that is not math."""
    pieces: list[tuple[str, str]] = []
    depth = 0
    for match in _LEX.finditer(text):
        kind, piece = match.lastgroup or "other", match.group()
        if kind == "other":
            raise ValueError(f"unexpected character {piece!r}")
        if kind == "space" or (piece == "," and depth == 0):
            continue  # a comma outside round(...) is a spoken pause ("twelve, times seven")
        if piece in "()":
            depth += 1 if piece == "(" else -1
            if depth > MAX_NESTING:
                raise ValueError("too deeply nested")
        pieces.append((kind, piece))
    tokens: list[Token] = []
    i = 0
    while i < len(pieces):
        kind, piece = pieces[i]
        if kind == "ord":
            tokens.append(("ord", int(piece[:-2])))
            i += 1
            continue
        if kind == "num":
            tokens.append(("num", _number_literal(piece)))
            i += 1
            continue
        for size in range(min(MAX_PHRASE_WORDS, len(pieces) - i), 0, -1):
            phrase = tuple(text for _, text in pieces[i : i + size])
            if phrase in PHRASES and all(k in ("word", "sym") for k, _ in pieces[i : i + size]):
                tokens.extend(PHRASES[phrase])
                i += size
                break
        else:
            if piece in NUMBER_WORDS:
                tokens.append(("nw", NUMBER_WORDS[piece]))
            elif (parts := _split_compound(piece)) is not None:
                tokens.extend(("nw", part) for part in parts)
            else:
                raise ValueError(f"unknown word {piece!r}")
            i += 1
    return tokens


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
    return token[0] == "and" or (token[0] == "nw" and token[1][0] == "glue")  # type: ignore[index]


def _read_number(tokens: list[Token], i: int) -> tuple[Fraction, int]:
    """Read number words from tokens[i] on; return the value and the index after it."""
    state = _NumberState()
    if tokens[i][0] == "a":  # "a hundred", "a dozen"
        state.group, state.units, state.last = 1, True, ("unit", 1)
        i += 1
    while i < len(tokens):
        token = tokens[i]
        if _is_glue(token) and state.last[0] and i + 1 < len(tokens) and tokens[i + 1][0] == "nw":
            cls, value = tokens[i + 1][1]  # type: ignore[misc]
            if cls != "glue":
                state.glued = True
                if state.accepts(cls, value):
                    i += 1
                    continue
                state.glued = False
            break
        if token[0] != "nw":
            break
        cls, value = token[1]  # type: ignore[misc]
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
        while i < len(tokens) and tokens[i][0] == "nw" and tokens[i][1][0] in ("unit", "teen", "tens"):  # type: ignore[index]
            digits += str(tokens[i][1][1])  # type: ignore[index]
            i += 1
        number += Fraction(int(digits or "0"), 10 ** len(digits))
    # "one and a half", "uno y medio", "zwei und ein viertel"
    j = i + 1 if i < len(tokens) and _is_glue(tokens[i]) else i
    if j > i and j < len(tokens) and (tokens[j][0] == "a" or tokens[j][1] == ("unit", 1)):
        j += 1
    if j > i and j < len(tokens) and tokens[j][0] == "frac" and tokens[j][1] in (2, 4):
        number += Fraction(1, tokens[j][1])  # type: ignore[arg-type]
        i = j + 1
    return number, i


def _assemble(tokens: list[Token]) -> list[Token]:
    """Replace runs of number words by ("num", value); '3 million' and 'a dozen' become numbers too."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        kind = tokens[i][0]
        following = tokens[i + 1] if i + 1 < len(tokens) else ("", None)
        scale_next = following[0] == "nw" and following[1][0] in ("scale", "hundred", "dozen")  # type: ignore[index]
        if kind == "nw" or (kind == "a" and scale_next) or (kind == "point" and following[0] == "nw"):
            if kind == "nw" and tokens[i][1][0] == "glue":  # type: ignore[index]
                raise ValueError("a number cannot start with 'and'")
            value, i = _read_number(tokens, i)
            out.append(("num", value))
        elif kind == "num" and scale_next and following[1][0] != "dozen":  # type: ignore[index]
            value, after = _read_number(tokens, i + 1)
            out.append(("num", tokens[i][1] * value))  # type: ignore[operator]
            i = after
        else:
            out.append(tokens[i])
            i += 1
    return out


# ---------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over tokens, with Python's precedence: + - < * / // % < unary < ** < atoms."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.bare_percent: set[int] = set()  # ids of "15 percent" nodes without "of": 80 plus 15 percent = 92

    def peek(self, offset: int = 0) -> str:
        index = self.i + offset
        return self.tokens[index][0] if index < len(self.tokens) else ""

    def take(self, *kinds: str) -> object:
        kind, value = self.tokens[self.i] if self.i < len(self.tokens) else ("end", None)
        if kind not in kinds:
            raise ValueError(f"expected {' or '.join(kinds)}, got {kind}")
        self.i += 1
        return value

    def parse(self) -> Node:
        node = self.expr()
        if self.i != len(self.tokens):
            raise ValueError(f"unexpected {self.peek()}")
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek() == "op" and self.tokens[self.i][1] in ("+", "-"):
            op = str(self.take("op"))
            right = self.term()
            if id(right) in self.bare_percent:  # 80 plus 15 percent: 80 + 15/100*80
                right = Bin("*", right, node)
            node = Bin(op, node, right)
        return node

    def term(self) -> Node:
        node = self.unary()
        while True:
            if self.peek() == "op" and self.tokens[self.i][1] in ("*", "/", "//", "%"):
                op = str(self.take("op"))
            elif self.peek() == "pctsym":  # "17 % 5" between operands is modulo
                self.take("pctsym")
                op = "%"
            else:
                return node
            node = Bin(op, node, self.unary())

    def unary(self) -> Node:
        if self.peek() == "neg" or (self.peek() == "op" and self.tokens[self.i][1] in ("+", "-")):
            sign = self.take("neg", "op")
            operand = self.unary()
            return operand if sign == "+" else Neg(operand)
        return self.power()

    def power(self) -> Node:
        node = self.postfix()
        if self.peek() == "op" and self.tokens[self.i][1] == "**":
            self.take("op")
            return Bin("**", node, self.unary())
        if self.peek() == "tothe":  # "to the fourth (power)", "to the 4th"
            self.take("tothe")
            exponent = self.take("num", "ord", "frac")
            if self.peek() == "powerword":
                self.take("powerword")
            return Bin("**", node, Num(Fraction(exponent)))  # type: ignore[arg-type]
        return node

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            kind = self.peek()
            if kind == "sq":
                node = Bin("**", node, Num(Fraction(self.take("sq"))))  # type: ignore[arg-type]
            elif kind == "pct" or (kind == "pctsym" and self.peek(1) not in _OPERAND_START):
                self.take(kind)
                node = Bin("/", node, Num(Fraction(100)))
                if self.peek() == "of":
                    self.take("of")
                    node = Bin("*", node, self.unary())
                else:
                    self.bare_percent.add(id(node))
            elif kind == "rounded":
                self.take("rounded")
                node = Fn("round", (node, *self.places()))
            else:
                return node

    def places(self) -> tuple[Node, ...]:
        """Optional 'to 2 decimal places' after round."""
        if self.peek() == "to" and self.peek(1) == "num":
            self.take("to")
            places = Num(Fraction(self.take("num")))  # type: ignore[arg-type]
            if self.peek() == "decimals":
                self.take("decimals")
            return (places,)
        return ()

    def of_operand(self, fraction: Node, denominator: Fraction, numerator: Fraction) -> Node:
        """After 'a third' or 'two thirds': 'of 90' gives 90/3 or 2/3*90."""
        if self.peek() != "of":
            return fraction
        self.take("of")
        operand = self.unary()
        return Bin("/", operand, Num(denominator)) if numerator == 1 else Bin("*", fraction, operand)

    def primary(self) -> Node:
        kind = self.peek()
        if kind == "num":
            number = Fraction(self.take("num"))  # type: ignore[arg-type]
            if self.peek() == "frac":  # "two thirds", "one half"
                denominator = Fraction(self.take("frac"))  # type: ignore[arg-type]
                return self.of_operand(Bin("/", Num(number), Num(denominator)), denominator, number)
            return Num(number)
        if kind in ("a", "frac"):  # "a third of 90", "half of 97"
            if kind == "a":
                self.take("a")
            denominator = Fraction(self.take("frac"))  # type: ignore[arg-type]
            return self.of_operand(Bin("/", Num(Fraction(1)), Num(denominator)), denominator, Fraction(1))
        if kind == "lp":
            self.take("lp")
            node = self.expr()
            self.take("rp")
            return node
        if kind == "fn":
            return self.function(str(self.take("fn")))
        if kind in _BINARY_WORDS:
            self.take(kind)
            op, joiners, swap = _BINARY_WORDS[kind]
            if self.peek() == "of":
                self.take("of")
            first = self.expr()
            self.take(*joiners)
            second = self.expr()
            return Bin(op, second, first) if swap else Bin(op, first, second)
        if kind == "remainder":  # "the remainder of 17 divided by 5"
            self.take("remainder")
            node = self.term()
            if not (isinstance(node, Bin) and node.op == "/"):
                raise ValueError("a remainder needs a division")
            return Bin("%", node.left, node.right)
        raise ValueError(f"expected a number, got {kind or 'the end'}")

    def function(self, name: str) -> Node:
        """sqrt(x), 'square root of x', 'cube root of x', abs, 'round x to 2 decimal places'."""
        if self.peek() == "lp" and name != "cbrt":
            self.take("lp")
            args = [self.expr()]
            if name == "round" and self.peek() == "comma":
                self.take("comma")
                args.append(self.expr())
            self.take("rp")
            return Fn(name, tuple(args))
        operand = self.unary()
        if name == "cbrt":
            return Bin("**", operand, Bin("/", Num(Fraction(1)), Num(Fraction(3))))
        return Fn(name, (operand, *self.places())) if name == "round" else Fn(name, (operand,))


_OPERAND_START = {"num", "lp", "fn", "a", "frac", "neg", "remainder", "sum", "product", "difference", "add"}
_BINARY_WORDS = {  # kind -> (op, words between the operands, operands swapped)
    "add": ("+", ("and", "to"), False),
    "sum": ("+", ("and",), False),
    "subtract": ("-", ("from",), True),
    "difference": ("-", ("and",), False),
    "multiply": ("*", ("by", "and"), False),
    "product": ("*", ("and",), False),
    "divide": ("/", ("by",), False),
}


def to_expression(text: str) -> str:
    """What was said or written, as one canonical expression ('twelve times seven' -> '12*7'); ValueError if not math."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"not a math expression: longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        normal = _normalize(text)
        tree = _Parser(_assemble(lex(normal))).parse()
    except ValueError as error:
        raise ValueError(f"not a math expression: {text!r} ({error})") from None
    if isinstance(tree, Num):
        raise ValueError(f"not a math expression: {text!r} is just a number")
    return to_text(tree)


# ---------------------------------------------------------------- safe evaluator

Value = Fraction | float
"""An exact result (Fraction) or an approximate one (float, from an irrational root)."""


class MathError(ValueError):
    """Math that cannot be done; kind names which (for translated sentences), the message says it in English."""

    SENTENCES = {
        "too_big": "That number is too big for me to say.",
        "div_zero": "You can't divide by zero.",
        "negative_sqrt": "I can't take the square root of a negative number.",
        "even_root": "I can't take an even root of a negative number.",
        "bad_round": "I can only round to a whole number of decimal places.",
    }

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(self.SENTENCES[kind])


_AST_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**"}
_PLAIN_NUMBER = re.compile(r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d{1,3})?")


def parse_expression(expression: str) -> Node:
    """Parse an expression in Python syntax with ast, keeping only numbers, + - * / // % **, sqrt, abs, round."""
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    source = expression.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, MemoryError, RecursionError, ValueError):
        raise ValueError(f"not a math expression: {expression!r}") from None
    return _from_ast(tree.body, source)


def _from_ast(node: ast.expr, source: str) -> Node:
    """Convert one whitelisted ast node; anything else is a ValueError naming the node type."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        segment = ast.get_source_segment(source, node) or ""
        if not _PLAIN_NUMBER.fullmatch(segment):
            raise ValueError(f"not a plain decimal number: {segment!r}")
        return Num(Fraction(segment.replace("_", "")))  # from the digits, so 0.1 is exactly a tenth
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _from_ast(node.operand, source)
        return Neg(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _AST_OPS:
        return Bin(_AST_OPS[type(node.op)], _from_ast(node.left, source), _from_ast(node.right, source))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in FUNCTIONS
        and not node.keywords
        and 1 <= len(node.args) <= (2 if node.func.id == "round" else 1)
    ):
        return Fn(node.func.id, tuple(_from_ast(arg, source) for arg in node.args))
    raise ValueError(f"{type(node).__name__} is not allowed in a calculation")


def evaluate(expression: str) -> Value:
    """The value of an expression: a Fraction when exact, a float when irrational; MathError or ValueError otherwise."""
    value = evaluate_tree(parse_expression(expression))
    if abs(value) >= MAX_RESULT:
        raise MathError("too_big")
    return value


def evaluate_tree(node: Node) -> Value:
    """Evaluate a tree exactly where possible, with size guards on every intermediate value."""
    try:
        return _checked(_evaluate(node))
    except OverflowError:
        raise MathError("too_big") from None
    except ZeroDivisionError:
        raise MathError("div_zero") from None


def _checked(value: Value) -> Value:
    """Refuse values too large to compute with further."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MathError("too_big")
    elif value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
        raise MathError("too_big")
    return value


def _evaluate(node: Node) -> Value:
    if isinstance(node, Num):
        return _checked(node.value)
    if isinstance(node, Neg):
        return -_evaluate(node.operand)
    if isinstance(node, Fn):
        args = [_evaluate(arg) for arg in node.args]
        if node.name == "sqrt":
            if args[0] < 0:
                raise MathError("negative_sqrt")
            return _power(args[0], Fraction(1, 2))
        if node.name == "abs":
            return abs(args[0])
        return _round(*args)
    a, b = _evaluate(node.left), _evaluate(node.right)
    if node.op in ("/", "//", "%") and b == 0:
        raise MathError("div_zero")
    if node.op == "+":
        return _checked(a + b)
    if node.op == "-":
        return _checked(a - b)
    if node.op == "*":
        return _checked(a * b)
    if node.op == "/":
        return _checked(a / b)
    if node.op == "//":
        return Fraction(math.floor(a / b))
    if node.op == "%":  # Python's sign convention: the result has the divisor's sign
        return _checked(a % b if isinstance(a, float) or isinstance(b, float) else a - b * math.floor(a / b))
    return _checked(_power(a, b))


def _round(value: Value, places: Value = Fraction(0)) -> Fraction:
    """Round half away from zero (2.5 -> 3, as people expect), to a whole number of decimal places."""
    if Fraction(places).denominator != 1 or abs(places) > 15:
        raise MathError("bad_round")
    scale = Fraction(10) ** int(places)
    scaled = abs(Fraction(value)) * scale
    rounded = math.floor(scaled + Fraction(1, 2)) * (1 if value >= 0 else -1)
    return Fraction(rounded) / scale


def _integer_root(x: int, degree: int) -> int | None:
    """The exact integer degree-th root of x >= 0, or None."""
    if x < 2:
        return x
    root = 1 << -(-x.bit_length() // degree)  # Newton's method from above
    while True:
        better = ((degree - 1) * root + x // root ** (degree - 1)) // degree
        if better >= root:
            return root if root**degree == x else None
        root = better


def _power(base: Value, exponent: Value) -> Value:
    """base**exponent: exact for whole exponents and perfect roots, float otherwise; guarded against huge results."""
    if isinstance(base, float) or isinstance(exponent, float):
        if base == 0 and exponent < 0:
            raise MathError("div_zero")
        if base < 0 and not float(exponent).is_integer():
            raise MathError("even_root")
        return math.pow(float(base), float(exponent))
    if exponent.denominator == 1:
        power = exponent.numerator
        if base == 0 and power < 0:
            raise MathError("div_zero")
        if base in (0, 1, -1) or power == 0:
            return base**power
        bits = max(abs(base.numerator).bit_length(), base.denominator.bit_length())
        if (bits - 1) * abs(power) > MAX_BITS:
            raise MathError("too_big")
        return base**power
    numerator, degree = exponent.numerator, exponent.denominator
    if base < 0 and degree % 2 == 0:
        raise MathError("negative_sqrt" if degree == 2 else "even_root")
    magnitude = abs(base)
    top, bottom = _integer_root(magnitude.numerator, degree), _integer_root(magnitude.denominator, degree)
    if top is not None and bottom is not None:
        root = Fraction(top, bottom) * (-1 if base < 0 else 1)
        return _power(root, Fraction(numerator))
    approximate = math.pow(float(magnitude), float(exponent))
    return -approximate if base < 0 and numerator % 2 else approximate
