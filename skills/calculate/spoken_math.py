"""Spoken or written math to one canonical expression string: 'twelve times seven' -> '12*7'.

Pipeline: normalise the text (Unicode and CJK operators, CJK numerals) -> strip filler ("what is", "please") ->
lex words and symbols into tokens (phrases of six languages, see math_words) -> assemble number words into
numbers -> recursive-descent parse into an arithmetic tree -> print it with the one fixed printer, so two
phrasings of the same math give the same string. The tree, printer and the safe exact evaluator live in
skills.calculate.arithmetic and are re-exported here. Number words are read by text2num (assistant.numbers): the
lexer marks them, math_words reads each run; CJK numerals are our own (text2num has no ja or zh).
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from typing import Any

from assistant.numbers import AFTER_A_NUMBER, cjk_number, word_number
from skills.calculate.arithmetic import (
    ATOM_PRECEDENCE,
    FUNCTIONS,
    MAX_EXPRESSION_CHARS,
    PRECEDENCE,
    UNARY_PRECEDENCE,
    Bin,
    Fn,
    MathError,
    Neg,
    Node,
    Num,
    Value,
    evaluate,
    evaluate_tree,
    format_decimal,
    parse_expression,
    precedence,
    to_text,
)
from skills.calculate.math_words import (
    CJK_OPS,
    CJK_SUFFIX,
    DISFLUENCY,
    FILLER_PREFIX,
    FILLER_SUFFIX,
    GLUE,
    MAX_PHRASE_WORDS,
    PHRASES,
    SYMBOLS,
    Token,
    assemble_numbers,
)

MAX_NESTING = 20
"""Deepest parenthesis nesting accepted."""


def _normalize(text: str) -> str:
    """Lowercase, map Unicode and CJK operators to ASCII, CJK numerals to digits, strip filler and punctuation."""
    text = "".join(SYMBOLS.get(char, char) for char in text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[零〇一二两兩三四五六七八九十百千万萬亿億]+", lambda m: f" {cjk_number(m.group())} ", text)
    text = CJK_SUFFIX.sub("", text.strip(" ?!。"))
    for word, op in CJK_OPS:
        text = text.replace(word, f" {op} ")
    text = re.sub(r"[¿¡!?;:\"“”«»]", " ", text)
    text = re.sub(r"\.(?!\d)", " ", text)  # a full stop, not a decimal point
    text = " ".join(DISFLUENCY.sub(" ", text).split())
    while True:
        stripped = FILLER_SUFFIX.sub("", FILLER_PREFIX.sub("", text)).strip(" ,")
        if stripped == text:
            break
        text = stripped
    return re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", " ", text)  # twenty-one, dix-sept


# ---------------------------------------------------------------- lexer

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
            if word_number(piece) is not None or piece in AFTER_A_NUMBER:
                tokens.append(("nw", piece))
            elif piece in GLUE:
                tokens.append(("glue", piece))
            else:
                raise ValueError(f"unknown word {piece!r}")
            i += 1
    return tokens


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

    def take(self, *kinds: str) -> Any:
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
            return Bin("**", node, Num(Fraction(exponent)))
        return node

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            kind = self.peek()
            if kind == "sq":
                node = Bin("**", node, Num(Fraction(self.take("sq"))))
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
            places = Num(Fraction(self.take("num")))
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
            number = Fraction(self.take("num"))
            if self.peek() == "frac":  # "two thirds", "one half"
                denominator = Fraction(self.take("frac"))
                return self.of_operand(Bin("/", Num(number), Num(denominator)), denominator, number)
            return Num(number)
        if kind in ("a", "frac"):  # "a third of 90", "half of 97"
            if kind == "a":
                self.take("a")
            denominator = Fraction(self.take("frac"))
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
    """What was said or written as one canonical expression ('twelve times seven' -> '12*7'); ValueError if not math."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"not a math expression: longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        normal = _normalize(text)
        tree = _Parser(assemble_numbers(lex(normal))).parse()
    except ValueError as error:
        raise ValueError(f"not a math expression: {text!r} ({error})") from None
    if isinstance(tree, Num):
        raise ValueError(f"not a math expression: {text!r} is just a number")
    return to_text(tree)


def spoken_number(text: str) -> Fraction:
    """One amount as said or written ('two and a half', '3,5', '五') -> its exact value; ValueError if it is not one."""
    try:
        value = evaluate_tree(_Parser(assemble_numbers(lex(_normalize(text)))).parse())
    except (ValueError, MathError) as error:
        raise ValueError(f"not a number: {text!r} ({error})") from None
    if not isinstance(value, Fraction):
        raise ValueError(f"not an exact number: {text!r}")
    return value


__all__ = [
    "ATOM_PRECEDENCE",
    "FUNCTIONS",
    "PRECEDENCE",
    "UNARY_PRECEDENCE",
    "Bin",
    "Fn",
    "MathError",
    "Neg",
    "Node",
    "Num",
    "Value",
    "evaluate",
    "evaluate_tree",
    "format_decimal",
    "lex",
    "parse_expression",
    "precedence",
    "spoken_number",
    "to_expression",
    "to_text",
]
