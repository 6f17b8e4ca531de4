"""The call language: one Python-like call with keyword literals, parsed with ast and never executed."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import CallSyntaxError

Value = str | int | float | bool | None
MAX_CALL_CHARS = 2000


@dataclass(frozen=True)
class Call:
    """One skill call, e.g. weather(location="Boston")."""

    name: str
    """The skill's name; "none" means not a command."""
    args: dict[str, Value] = field(default_factory=dict)
    """Keyword arguments, literals only, in the order given (canonical order after registry binding)."""

    def __str__(self) -> str:
        return format_call(self)

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.args.items())))


NONE_CALL = Call("none")


def _literal(node: ast.expr, text: str) -> Value:
    """Convert an ast node that must be a literal; a negative number counts as one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool | type(None)):
        return node.value  # type: ignore[no-any-return]
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    raise CallSyntaxError(f"argument values must be literals, got {ast.unparse(node)!r} in {text!r}")


def parse_call(text: str) -> Call:
    """Parse 'name(key="value", ...)' into a Call; raise CallSyntaxError with the reason otherwise."""
    text = text.strip()
    if not text:
        raise CallSyntaxError("empty call")
    if len(text) > MAX_CALL_CHARS:
        raise CallSyntaxError(f"call longer than {MAX_CALL_CHARS} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise CallSyntaxError(f"not a call: {text!r} ({error.msg})") from None
    node = tree.body
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise CallSyntaxError(f"not a single call of a plain name: {text!r}")
    if node.args:
        raise CallSyntaxError(f"positional arguments are not allowed, use name=value: {text!r}")
    args: dict[str, Value] = {}
    for keyword in node.keywords:
        if keyword.arg is None:
            raise CallSyntaxError(f"**kwargs are not allowed: {text!r}")
        if keyword.arg in args:
            raise CallSyntaxError(f"argument {keyword.arg!r} given twice: {text!r}")
        args[keyword.arg] = _literal(keyword.value, text)
    return Call(node.func.id, args)


def format_value(value: Value) -> str:
    """Format a literal the canonical way: strings double-quoted with JSON escapes."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def format_call(call: Call) -> str:
    """Format a Call canonically; parse_call(format_call(c)) == c."""
    inner = ", ".join(f"{key}={format_value(value)}" for key, value in call.args.items())
    return f"{call.name}({inner})"


def call_to_json(call: Call) -> dict[str, Any]:
    """The call as JSON-ready data: {"skill": name, "args": {...}}."""
    return {"skill": call.name, "args": dict(call.args)}
