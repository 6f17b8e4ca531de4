"""Calculate: the computer does the math (exact fractions, safe ast evaluator), the reply says it back in words."""

from __future__ import annotations

import logging
import math
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

from assistant.errors import SkillError
from assistant.i18n import Messages
from assistant.registry import Context, Normalize, Reply, skill
from skills.calculate.spoken_math import (
    ATOM_PRECEDENCE,
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
    format_decimal,
    parse_expression,
    precedence,
    to_expression,
)
from skills.calculate.units import Conversion, parse_canonical, parse_spoken, unit_name

log = logging.getLogger(__name__)

MAX_SPOKEN_OPERATIONS = 6
"""A longer expression is not read back; the reply gives just the answer."""
MAX_EXACT_DECIMALS = 6
"""An exact result with at most this many decimals is said exactly (0.0625); longer ones are rounded."""
ROUND_SIGNIFICANT = 3
"""Significant decimals kept when rounding (1/3 -> 0.333, 1/700 -> 0.00143)."""
MEASURE_SIGNIFICANT = 4
"""Significant digits of a converted amount (3.107 miles, 176.7 degrees, 1609 meters): a measure, not a sum."""
MEASURE_EXACT_DECIMALS = 2
"""A conversion result with at most this many decimals is said exactly (2.54 centimeters)."""
SEPARATORS = {
    "en": (",", "."),
    "de": (".", ","),
    "es": (".", ","),
    "it": (".", ","),
    "nl": (".", ","),
    "da": (".", ","),
    "fr": ("\u00a0", ","),
    "ja": (",", "."),
    "zh": (",", "."),
}
"""Language -> (thousands separator, decimal separator)."""
GROUP_FOUR_DIGITS = {"en", "ja", "zh"}
"""Languages that group a four-digit number too (1,234); the others start at five digits (1234, 12.345)."""

_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "**": "pow"}
MESSAGES = Messages.load("calculate", Path(__file__).with_name("locales"))
"""Reply sentences and the words that say an expression back, per language: locales/<language>.json."""


def _round_half_up(value: Fraction, places: int) -> Fraction:
    """Round half away from zero to a number of decimal places."""
    scale = 10**places
    return Fraction(math.floor(abs(value) * scale + Fraction(1, 2)) * (1 if value >= 0 else -1), scale)


def _localize(digits: str, language: str) -> str:
    """'-1234567.5' -> '-1,234,567.5' (en) or '-1.234.567,5' (de): thousands grouping and decimal mark."""
    group, point = SEPARATORS.get(language.split("-")[0], SEPARATORS["en"])
    sign, digits = ("-", digits[1:]) if digits.startswith("-") else ("", digits)
    whole, _, decimals = digits.partition(".")
    if len(whole) > 4 or (len(whole) == 4 and language.split("-")[0] in GROUP_FOUR_DIGITS):
        whole = f"{int(whole):,}".replace(",", group)
    return sign + whole + (point + decimals if decimals else "")


def format_result(value: Value, language: str = "en") -> tuple[str, bool]:
    """The result as said: digits rounded sensibly, grouped for the language; and whether it was rounded (about)."""
    exact = Fraction(value)
    approximate = isinstance(value, float)
    if not approximate:
        try:
            digits = format_decimal(exact)
            if len(digits.partition(".")[2]) <= MAX_EXACT_DECIMALS:
                return _localize(digits, language), False
        except ValueError:
            pass  # a repeating decimal such as 1/3
    if exact == 0:
        return "0", approximate
    places = max(ROUND_SIGNIFICANT, ROUND_SIGNIFICANT - 1 - math.floor(math.log10(abs(exact))))
    rounded = _round_half_up(exact, min(places, 12))
    return _localize(format_decimal(rounded), language), approximate or rounded != exact


def say_expression(node: Node, language: str = "en", budget: list[int] | None = None) -> str | None:
    """The expression in words with digits ('12 times 7'); None when it needs parentheses to be unambiguous."""
    budget = budget if budget is not None else [MAX_SPOKEN_OPERATIONS]

    def say(child: Node, needed: int) -> str | None:
        return say_expression(child, language, budget) if precedence(child) >= needed else None

    def fill(key: str, *parts: str | None) -> str | None:
        budget[0] -= 1
        if budget[0] < 0 or any(part is None for part in parts):
            return None
        return MESSAGES.say(language, key, **dict(zip("ab", parts, strict=False)))

    if isinstance(node, Num):
        return _localize(format_decimal(node.value), language)
    if isinstance(node, Neg):
        return fill("neg", say(node.operand, UNARY_PRECEDENCE))
    if isinstance(node, Fn):
        if node.name == "round" and len(node.args) == 2:
            return fill("round_to", say(node.args[0], UNARY_PRECEDENCE), say(node.args[1], ATOM_PRECEDENCE))
        return fill(node.name, say(node.args[0], UNARY_PRECEDENCE))
    left, right = node.left, node.right
    if node.op == "*" and isinstance(left, Bin) and left.op == "/" and left.right == Num(Fraction(100)):
        return fill("percent_of", say(left.left, ATOM_PRECEDENCE), say(right, UNARY_PRECEDENCE))
    if node.op == "**" and right in (Num(Fraction(2)), Num(Fraction(3))):
        return fill("squared" if right == Num(Fraction(2)) else "cubed", say(left, ATOM_PRECEDENCE))
    if node.op == "**" and right == Bin("/", Num(Fraction(1)), Num(Fraction(3))):
        return fill("cbrt", say(left, ATOM_PRECEDENCE))
    if node.op == "**":
        return fill("pow", say(left, ATOM_PRECEDENCE), say(right, UNARY_PRECEDENCE))
    if node.op == "//":
        return None  # "divided by, rounded down" reads badly; just give the answer
    level = PRECEDENCE[node.op]
    return fill(_OPS[node.op], say(left, level), say(right, level + 1))


def format_measure(value: Fraction, language: str = "en") -> tuple[str, bool]:
    """A converted amount as said: exact when short (12, 2.54), else four significant digits; and whether rounded."""
    try:
        digits = format_decimal(value)
        if len(digits.partition(".")[2]) <= MEASURE_EXACT_DECIMALS:
            return _localize(digits, language), False
    except ValueError:
        pass  # a repeating decimal: 350 degF is 176.666... degC
    if value == 0:
        return "0", False
    places = max(0, MEASURE_SIGNIFICANT - 1 - math.floor(math.log10(abs(value))))
    rounded = _round_half_up(value, min(places, 12))
    return _localize(format_decimal(rounded), language), rounded != value


def to_calculation(text: str) -> str:
    """Arithmetic or a unit conversion as one canonical string ('12*7', '1 lb to g'); ValueError if neither."""
    conversion = parse_canonical(text) or parse_spoken(text)
    return str(conversion) if conversion is not None else to_expression(text)


def _convert(conversion: Conversion, language: str) -> Reply:
    """The reply for a unit conversion: '5 kilometers is about 3.107 miles.'"""
    if not conversion.compatible:
        names = {
            "source": unit_name(conversion.source, language, Fraction(2)),
            "target": unit_name(conversion.target, language, Fraction(2)),
        }
        raise SkillError(MESSAGES.say(language, "incompatible", **names), cause=f"{conversion}: incompatible units")
    try:
        conversion.check()
    except MathError as error:
        raise SkillError(MESSAGES.say(language, error.kind), cause=f"{conversion}: {error.kind}") from None
    value = conversion.value()
    result, about = format_measure(value, language)
    amount, _ = format_result(conversion.amount, language)
    text = MESSAGES.say(
        language,
        "converted_about" if about else "converted",
        amount=amount,
        source=unit_name(conversion.source, language, conversion.amount),
        value=result,
        target=unit_name(conversion.target, language, value),
    )
    data: dict[str, Any] = {
        "expression": str(conversion),
        "value": _value_data(value) if not about else float(value),
        "result": result,
        "exact": not about,
        "unit": conversion.target,
    }
    return Reply(text[0].upper() + text[1:], data)


def _value_data(value: Value) -> int | float:
    """The result for Reply.data: an int when whole and exact, else a float."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return float(value)


@skill(
    examples=[
        ("what is 12*7", 'calculate(expression="12*7")'),
        ("what's 2+2", 'calculate(expression="2+2")'),
        ("how much is 3+4", 'calculate(expression="3+4")'),
        ("calculate 144/12", 'calculate(expression="144/12")'),
        ("what does 6*9 equal", 'calculate(expression="6*9")'),
        ("9-4", 'calculate(expression="9-4")'),
        ("what is twelve times seven", 'calculate(expression="12*7")'),
        ("what's 15 percent of 80", 'calculate(expression="15/100*80")'),
        ("what is the square root of 144", 'calculate(expression="sqrt(144)")'),
        ("what is three to the power of four", 'calculate(expression="3**4")'),
        ("what's half of 97", 'calculate(expression="97/2")'),
        ("what's 12 x 7", 'calculate(expression="12*7")'),
        ("how much is one hundred and twenty three plus four", 'calculate(expression="123+4")'),
        ("what is seven point five divided by two", 'calculate(expression="7.5/2")'),
        ("what is minus three times four", 'calculate(expression="-3*4")'),
        ("what's a third of 90", 'calculate(expression="90/3")'),
        ("what is 10 squared", 'calculate(expression="10**2")'),
        ("what's 5 cubed", 'calculate(expression="5**3")'),
    ],
)
def calculate(expression: Annotated[str, Normalize(to_calculation)], ctx: Context | None = None) -> Reply:
    """Work out arithmetic: + - * /, powers, percentages, square roots; expression is math like "12*7"."""
    language = ctx.language if ctx is not None else "en"
    conversion = parse_canonical(expression) or parse_spoken(expression)
    if conversion is not None:  # '1 lb to g': the skill also converts units, with exact factors
        return _convert(conversion, language)
    try:
        try:
            value = evaluate(expression)
        except MathError:
            raise
        except ValueError:  # called directly with words ("twelve times seven"), not through the registry
            expression = to_expression(expression)
            value = evaluate(expression)
    except MathError as error:
        log.info("calculate %r: %s", expression, error)
        raise SkillError(MESSAGES.say(language, error.kind), cause=f"{expression}: {error.kind}") from None
    except ValueError as error:
        raise SkillError(MESSAGES.say(language, "bad_input"), cause=str(error)) from None
    result, about = format_result(value, language)
    spoken = say_expression(parse_expression(expression), language)
    key = ("result" if spoken else "answer") + ("_about" if about else "")
    text = MESSAGES.say(language, key, expression=spoken or "", value=result)
    data: dict[str, Any] = {"expression": expression, "value": _value_data(value), "result": result, "exact": not about}
    return Reply(text[0].upper() + text[1:], data)
