"""The canonical math expression: a small tree, one fixed printer, an ast-whitelist parser and an exact evaluator.

The evaluator never runs Python: it parses with ast (mode="eval"), keeps only numbers, + - * / // % **, unary
minus and sqrt/abs/round calls, and computes with fractions.Fraction, so 0.1+0.2 is exactly 0.3 and 1/3 stays a
third; irrational roots become floats. Every intermediate value is size-guarded. Standard library only.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from fractions import Fraction

MAX_EXPRESSION_CHARS = 200
"""Longer input is refused before parsing (bounds recursion and work)."""
MAX_BITS = 4000
"""Largest numerator/denominator (in bits, about 1,200 digits) any intermediate value may reach."""
MAX_ROOT_DEGREE = 64
"""Roots up to this degree are looked for exactly (the 3rd root of 27 is 3); a higher one (an exponent such as 0.0001,
the 10,000th root) is computed in floating point: the exact search raises 2 to the degree, which for "two to the power
of 0.000000000001" took more memory than the machine has."""
MAX_RESULT = 10**15
"""Results at or above this magnitude are too big to say."""
FUNCTIONS = ("sqrt", "abs", "round")
"""The only names an expression may call."""


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


# ---------------------------------------------------------------- evaluator

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
        "below_absolute_zero": "Nothing is colder than absolute zero, minus 273.15 degrees Celsius.",
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
    if _magnitude(value) >= MAX_RESULT:
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


def _magnitude(value: Value) -> Value:
    """abs() that keeps the Fraction/float type visible to the type checker."""
    return -value if value < 0 else value


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
            return _magnitude(args[0])
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
    if Fraction(places).denominator != 1 or _magnitude(places) > 15:
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
    exact = degree <= MAX_ROOT_DEGREE
    top = _integer_root(magnitude.numerator, degree) if exact else None
    bottom = _integer_root(magnitude.denominator, degree) if exact else None
    if top is not None and bottom is not None:
        root = Fraction(top, bottom) * (-1 if base < 0 else 1)
        return _power(root, Fraction(numerator))
    approximate = math.pow(float(magnitude), float(exponent))
    return -approximate if base < 0 and numerator % 2 else approximate
