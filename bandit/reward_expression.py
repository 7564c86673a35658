"""The small language a reward definition is written in: one expression over the signals'
names, parsed at definition time into a checked tree and evaluated by walking it. Never
Python's ``eval``.

>>> quality = RewardExpression.parse("0.2 * click + 0.8 * min(watch_minutes, 30) / 30")
>>> quality.names
('click', 'watch_minutes')
>>> quality.evaluate({"click": 1.0, "watch_minutes": 12.0})
0.52
>>> RewardExpression.parse("1 if watch_minutes >= 5 else 0").evaluate({"watch_minutes": 7})
1.0

What it takes: numbers; signal names (a signal that never came is 0); ``+ - * /`` (a division
by zero is 0); comparisons ``< <= > >= == !=`` (1 or 0); ``and``, ``or``, ``not``;
``A if CONDITION else B``; and the functions ``min``, ``max``, ``clip(x, low, high)`` and
``abs``. Anything else (attributes, subscripts, other calls, strings, lambdas) is refused with
its position, as is text that does not parse.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

from bandit.errors import BanditError

#: Longest expression accepted: a definition, not a program.
MAX_LENGTH = 500

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b if b else 0.0,
}
_COMPARE: dict[type[ast.cmpop], Callable[[float, float], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCTIONS: dict[str, tuple[int, int, Callable[..., float]]] = {
    "min": (2, 8, min),
    "max": (2, 8, max),
    "abs": (1, 1, abs),
    "clip": (3, 3, lambda x, low, high: min(max(x, low), high)),
}


class InvalidRewardExpression(BanditError, ValueError):
    """A reward expression that does not parse, or uses what the language does not have;
    the message gives the position."""


@dataclass(frozen=True)
class RewardExpression:
    """A parsed, checked reward expression (`parse`), evaluated over a decision's signals."""

    text: str
    _tree: ast.expr = field(repr=False, compare=False)
    names: tuple[str, ...] = ()
    """The signal names it reads, sorted."""

    @classmethod
    def parse(cls, text: str) -> RewardExpression:
        if not isinstance(text, str) or not text.strip():
            raise InvalidRewardExpression("a reward expression must be non-empty text")
        if len(text) > MAX_LENGTH:
            raise InvalidRewardExpression(f"a reward expression is at most {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise InvalidRewardExpression(
                f"does not parse at column {exc.offset or 0}: {exc.msg}"
            ) from None
        names: set[str] = set()
        _check(tree, names)
        return cls(text.strip(), tree, tuple(sorted(names)))

    def evaluate(self, signals: Mapping[str, float]) -> float:
        """The expression's value for these signal values (a missing one is 0)."""
        value = float(_walk(self._tree, signals))
        return value if math.isfinite(value) else 0.0


def _refuse(node: ast.AST, what: str) -> InvalidRewardExpression:
    return InvalidRewardExpression(f"column {getattr(node, 'col_offset', 0) + 1}: {what}")


def _check(node: ast.expr, names: set[str]) -> None:
    """Refuse every node the language does not have; collect the names."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _refuse(node, f"{node.value!r} is not a number")
    elif isinstance(node, ast.Name):
        if node.id in _FUNCTIONS:
            raise _refuse(node, f"{node.id} is a function: call it, as {node.id}(...)")
        names.add(node.id)
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
        _check(node.operand, names)
    elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        for part in (node.left, *node.comparators):
            _check(part, names)
    elif isinstance(node, ast.BoolOp):
        for part in node.values:
            _check(part, names)
    elif isinstance(node, ast.IfExp):
        for part in (node.test, node.body, node.orelse):
            _check(part, names)
    elif isinstance(node, ast.Call):
        function = node.func.id if isinstance(node.func, ast.Name) else None
        if function not in _FUNCTIONS or node.keywords:
            raise _refuse(node, f"only {', '.join(sorted(_FUNCTIONS))} may be called")
        low, high, _ = _FUNCTIONS[function]
        if not low <= len(node.args) <= high:
            raise _refuse(node, f"{function} takes {low}-{high} arguments")
        for argument in node.args:
            _check(argument, names)
    else:
        raise _refuse(node, f"{type(node).__name__} is not part of the reward language")


def _walk(node: ast.expr, signals: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant):
        return float(cast(float, node.value))  # a number: checked at parse
    if isinstance(node, ast.Name):
        return float(signals.get(node.id, 0.0))
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_walk(node.left, signals), _walk(node.right, signals))
    if isinstance(node, ast.UnaryOp):
        value = _walk(node.operand, signals)
        return (
            float(not value)
            if isinstance(node.op, ast.Not)
            else (-value if isinstance(node.op, ast.USub) else value)
        )
    if isinstance(node, ast.Compare):
        left = _walk(node.left, signals)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _walk(right_node, signals)
            if not _COMPARE[type(op)](left, right):
                return 0.0
            left = right
        return 1.0
    if isinstance(node, ast.BoolOp):
        values = (_walk(v, signals) for v in node.values)
        truth = all(values) if isinstance(node.op, ast.And) else any(values)
        return float(truth)
    if isinstance(node, ast.IfExp):
        return _walk(node.body if _walk(node.test, signals) else node.orelse, signals)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # checked at parse
    return float(_FUNCTIONS[node.func.id][2](*(_walk(a, signals) for a in node.args)))
