"""Calculate: the computer does the math (exact fractions, safe ast evaluator), the reply says it back in words."""

from __future__ import annotations

import logging
import math
from fractions import Fraction
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
    "fr": ("\u00a0", ","),
    "ja": (",", "."),
    "zh": (",", "."),
}
"""Language -> (thousands separator, decimal separator)."""
GROUP_FOUR_DIGITS = {"en", "ja", "zh"}
"""Languages that group a four-digit number too (1,234); the others start at five digits (1234, 12.345)."""

_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "**": "pow"}
MESSAGES = Messages(
    "calculate",
    {
        "en": {
            "below_absolute_zero": "Nothing is colder than absolute zero, minus 273.15 degrees Celsius.",
            "converted": "{amount} {source} is {value} {target}.",
            "converted_about": "{amount} {source} is about {value} {target}.",
            "incompatible": "I can't convert {source} to {target}.",
            "result": "{expression} is {value}.",
            "result_about": "{expression} is about {value}.",
            "answer": "The answer is {value}.",
            "answer_about": "The answer is about {value}.",
            "too_big": "That number is too big for me to say.",
            "div_zero": "You can't divide by zero.",
            "negative_sqrt": "I can't take the square root of a negative number.",
            "even_root": "I can't take an even root of a negative number.",
            "bad_round": "I can only round to a whole number of decimal places.",
            "bad_input": "Sorry, I couldn't work that out.",
            "add": "{a} plus {b}", "sub": "{a} minus {b}", "mul": "{a} times {b}", "div": "{a} divided by {b}",
            "mod": "{a} modulo {b}", "pow": "{a} to the power of {b}", "squared": "{a} squared", "cubed": "{a} cubed",
            "sqrt": "the square root of {a}", "cbrt": "the cube root of {a}", "abs": "the absolute value of {a}",
            "round": "{a} rounded", "round_to": "{a} rounded to {b} decimal places",
            "percent_of": "{a} percent of {b}", "neg": "minus {a}",
        },
        "de": {
            "below_absolute_zero": "Nichts ist kälter als der absolute Nullpunkt, minus 273,15 Grad Celsius.",
            "converted": "{amount} {source} sind {value} {target}.",
            "converted_about": "{amount} {source} sind ungefähr {value} {target}.",
            "incompatible": "{source} kann ich nicht in {target} umrechnen.",
            "result": "{expression} ist {value}.",
            "result_about": "{expression} ist ungefähr {value}.",
            "answer": "Das Ergebnis ist {value}.",
            "answer_about": "Das Ergebnis ist ungefähr {value}.",
            "too_big": "Diese Zahl ist zu groß, um sie auszusprechen.",
            "div_zero": "Durch null kann man nicht teilen.",
            "negative_sqrt": "Aus einer negativen Zahl kann ich keine Quadratwurzel ziehen.",
            "even_root": "Aus einer negativen Zahl kann ich keine gerade Wurzel ziehen.",
            "bad_round": "Ich kann nur auf eine ganze Zahl von Nachkommastellen runden.",
            "bad_input": "Das konnte ich leider nicht ausrechnen.",
            "add": "{a} plus {b}", "sub": "{a} minus {b}", "mul": "{a} mal {b}", "div": "{a} geteilt durch {b}",
            "mod": "{a} modulo {b}", "pow": "{a} hoch {b}", "squared": "{a} zum Quadrat", "cubed": "{a} hoch drei",
            "sqrt": "die Wurzel aus {a}", "cbrt": "die Kubikwurzel aus {a}", "abs": "der Betrag von {a}",
            "round": "{a} gerundet", "round_to": "{a} gerundet auf {b} Nachkommastellen",
            "percent_of": "{a} Prozent von {b}", "neg": "minus {a}",
        },
        "fr": {
            "below_absolute_zero": "Rien n'est plus froid que le zéro absolu, moins 273,15 degrés Celsius.",
            "converted": "{amount} {source}, ça fait {value} {target}.",
            "converted_about": "{amount} {source}, ça fait environ {value} {target}.",
            "incompatible": "Je ne peux pas convertir des {source} en {target}.",
            "result": "{expression} égale {value}.",
            "result_about": "{expression} égale environ {value}.",
            "answer": "Le résultat est {value}.",
            "answer_about": "Le résultat est environ {value}.",
            "too_big": "Ce nombre est trop grand pour que je le dise.",
            "div_zero": "On ne peut pas diviser par zéro.",
            "negative_sqrt": "Un nombre négatif n'a pas de racine carrée réelle.",
            "even_root": "Un nombre négatif n'a pas de racine paire réelle.",
            "bad_round": "Je ne peux arrondir qu'à un nombre entier de décimales.",
            "bad_input": "Désolé, je n'ai pas pu faire ce calcul.",
            "add": "{a} plus {b}", "sub": "{a} moins {b}", "mul": "{a} fois {b}", "div": "{a} divisé par {b}",
            "mod": "{a} modulo {b}", "pow": "{a} puissance {b}", "squared": "{a} au carré", "cubed": "{a} au cube",
            "sqrt": "la racine carrée de {a}", "cbrt": "la racine cubique de {a}", "abs": "la valeur absolue de {a}",
            "round": "{a} arrondi", "round_to": "{a} arrondi à {b} décimales",
            "percent_of": "{a} pour cent de {b}", "neg": "moins {a}",
        },
        "es": {
            "below_absolute_zero": "Nada es más frío que el cero absoluto, menos 273,15 grados Celsius.",
            "converted": "{amount} {source} son {value} {target}.",
            "converted_about": "{amount} {source} son unos {value} {target}.",
            "incompatible": "No puedo convertir {source} a {target}.",
            "result": "{expression} es {value}.",
            "result_about": "{expression} es aproximadamente {value}.",
            "answer": "El resultado es {value}.",
            "answer_about": "El resultado es aproximadamente {value}.",
            "too_big": "Ese número es demasiado grande para decirlo.",
            "div_zero": "No se puede dividir entre cero.",
            "negative_sqrt": "Un número negativo no tiene raíz cuadrada real.",
            "even_root": "Un número negativo no tiene raíz par real.",
            "bad_round": "Solo puedo redondear a un número entero de decimales.",
            "bad_input": "Lo siento, no he podido calcularlo.",
            "add": "{a} más {b}", "sub": "{a} menos {b}", "mul": "{a} por {b}", "div": "{a} dividido entre {b}",
            "mod": "{a} módulo {b}", "pow": "{a} elevado a {b}", "squared": "{a} al cuadrado", "cubed": "{a} al cubo",
            "sqrt": "la raíz cuadrada de {a}", "cbrt": "la raíz cúbica de {a}", "abs": "el valor absoluto de {a}",
            "round": "{a} redondeado", "round_to": "{a} redondeado a {b} decimales",
            "percent_of": "el {a} por ciento de {b}", "neg": "menos {a}",
        },
        "it": {
            "below_absolute_zero": "Niente è più freddo dello zero assoluto, meno 273,15 gradi Celsius.",
            "converted": "{amount} {source} sono {value} {target}.",
            "converted_about": "{amount} {source} sono circa {value} {target}.",
            "incompatible": "Non posso convertire {source} in {target}.",
            "result": "{expression} fa {value}.",
            "result_about": "{expression} fa circa {value}.",
            "answer": "Il risultato è {value}.",
            "answer_about": "Il risultato è circa {value}.",
            "too_big": "Questo numero è troppo grande da dire.",
            "div_zero": "Non si può dividere per zero.",
            "negative_sqrt": "Un numero negativo non ha una radice quadrata reale.",
            "even_root": "Un numero negativo non ha una radice pari reale.",
            "bad_round": "Posso arrotondare solo a un numero intero di decimali.",
            "bad_input": "Mi dispiace, non sono riuscito a calcolarlo.",
            "add": "{a} più {b}", "sub": "{a} meno {b}", "mul": "{a} per {b}", "div": "{a} diviso {b}",
            "mod": "{a} modulo {b}", "pow": "{a} elevato alla {b}", "squared": "{a} al quadrato",
            "cubed": "{a} al cubo",
            "sqrt": "la radice quadrata di {a}", "cbrt": "la radice cubica di {a}", "abs": "il valore assoluto di {a}",
            "round": "{a} arrotondato", "round_to": "{a} arrotondato a {b} decimali",
            "percent_of": "il {a} per cento di {b}", "neg": "meno {a}",
        },
        "nl": {
            "below_absolute_zero": "Niets is kouder dan het absolute nulpunt, min 273,15 graden Celsius.",
            "converted": "{amount} {source} is {value} {target}.",
            "converted_about": "{amount} {source} is ongeveer {value} {target}.",
            "incompatible": "Ik kan {source} niet omrekenen naar {target}.",
            "result": "{expression} is {value}.",
            "result_about": "{expression} is ongeveer {value}.",
            "answer": "De uitkomst is {value}.",
            "answer_about": "De uitkomst is ongeveer {value}.",
            "too_big": "Dat getal is te groot om uit te spreken.",
            "div_zero": "Je kunt niet door nul delen.",
            "negative_sqrt": "Een negatief getal heeft geen echte vierkantswortel.",
            "even_root": "Een negatief getal heeft geen echte even wortel.",
            "bad_round": "Ik kan alleen afronden op een heel aantal decimalen.",
            "bad_input": "Sorry, dat kon ik niet uitrekenen.",
            "add": "{a} plus {b}", "sub": "{a} min {b}", "mul": "{a} keer {b}", "div": "{a} gedeeld door {b}",
            "mod": "{a} modulo {b}", "pow": "{a} tot de macht {b}", "squared": "{a} in het kwadraat",
            "cubed": "{a} tot de derde macht", "sqrt": "de wortel van {a}", "cbrt": "de derdemachtswortel van {a}",
            "abs": "de absolute waarde van {a}", "round": "{a} afgerond", "round_to": "{a} afgerond op {b} decimalen",
            "percent_of": "{a} procent van {b}", "neg": "min {a}",
        },
        "ja": {
            "below_absolute_zero": "絶対零度（摂氏マイナス273.15度）より低い温度はありません。",
            "converted": "{amount}{source}は{value}{target}です。",
            "converted_about": "{amount}{source}は約{value}{target}です。",
            "incompatible": "{source}を{target}に換算することはできません。",
            "result": "{expression}は{value}です。",
            "result_about": "{expression}は約{value}です。",
            "answer": "答えは{value}です。",
            "answer_about": "答えは約{value}です。",
            "too_big": "数が大きすぎて読み上げられません。",
            "div_zero": "ゼロで割ることはできません。",
            "negative_sqrt": "負の数の平方根は計算できません。",
            "even_root": "負の数の偶数乗根は計算できません。",
            "bad_round": "四捨五入する桁数は整数で言ってください。",
            "bad_input": "すみません、計算できませんでした。",
            "add": "{a}たす{b}", "sub": "{a}ひく{b}", "mul": "{a}かける{b}", "div": "{a}わる{b}",
            "mod": "{a}を{b}で割った余り", "pow": "{a}の{b}乗", "squared": "{a}の2乗", "cubed": "{a}の3乗",
            "sqrt": "{a}の平方根", "cbrt": "{a}の立方根", "abs": "{a}の絶対値",
            "round": "{a}を四捨五入した値", "round_to": "{a}を小数第{b}位まで四捨五入した値",
            "percent_of": "{b}の{a}パーセント", "neg": "マイナス{a}",
        },
        "zh": {
            "below_absolute_zero": "没有比绝对零度（零下273.15摄氏度）更冷的温度。",
            "converted": "{amount}{source}等于{value}{target}。",
            "converted_about": "{amount}{source}约等于{value}{target}。",
            "incompatible": "无法把{source}换算成{target}。",
            "result": "{expression}等于{value}。",
            "result_about": "{expression}约等于{value}。",
            "answer": "答案是{value}。",
            "answer_about": "答案约等于{value}。",
            "too_big": "这个数太大了，我念不出来。",
            "div_zero": "不能除以零。",
            "negative_sqrt": "负数不能开平方。",
            "even_root": "负数不能开偶次方根。",
            "bad_round": "保留的小数位数必须是整数。",
            "bad_input": "抱歉，这个我算不出来。",
            "add": "{a}加{b}", "sub": "{a}减{b}", "mul": "{a}乘以{b}", "div": "{a}除以{b}",
            "mod": "{a}除以{b}的余数", "pow": "{a}的{b}次方", "squared": "{a}的平方", "cubed": "{a}的立方",
            "sqrt": "{a}的平方根", "cbrt": "{a}的立方根", "abs": "{a}的绝对值",
            "round": "{a}四舍五入", "round_to": "{a}四舍五入保留{b}位小数",
            "percent_of": "{b}的百分之{a}", "neg": "负{a}",
        },
    },
)  # fmt: skip


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
