"""Evaluating a parsed rule against answers, the unit's attributes and facts: a walk of its tree.

Nothing here parses or executes text; see ``rules`` for the language and its semantics of
missing values.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .rules import Attr, BoolOp, Call, Compare, Current, InList, Literal, Not, Ref, Rule, RuleEnv

_YES = frozenset({"yes", "true", "y", "1", "是"})
_NO = frozenset({"no", "false", "n", "0", "否"})


def evaluate(rule: Rule, env: RuleEnv) -> Any:
    """Evaluate a rule to a value (None when missing)."""
    return _eval(rule.node, env)


def holds(rule: Rule, env: RuleEnv) -> bool:
    """Evaluate a rule as a condition."""
    return truthy(_eval(rule.node, env))


def truthy(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return value != 0
    if isinstance(value, str | tuple | list | dict):
        return len(value) > 0
    return True


def normalise(value: Any) -> Any:
    """Bring a Python value to the kinds rules compare: None, bool, Decimal, str, date, tuple."""
    if value is None or isinstance(value, bool | Decimal | str | date | dict):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(value)
    return str(value)


def _eval(node: Any, env: RuleEnv) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return normalise(env.answers.get(node.name))
    if isinstance(node, Current):
        return normalise(env.current)
    if isinstance(node, Attr):
        source = env.unit if node.root == "unit" else env.facts
        return normalise(source.get(node.key))
    if isinstance(node, Compare):
        return compare(node.op, _eval(node.left, env), _eval(node.right, env))
    if isinstance(node, InList):
        item = _eval(node.item, env)
        if item is None:
            return False
        found = any(compare("==", item, option.value) for option in node.options)
        return not found if node.negated else found
    if isinstance(node, BoolOp):
        if node.op == "and":
            return all(truthy(_eval(item, env)) for item in node.items)
        return any(truthy(_eval(item, env)) for item in node.items)
    if isinstance(node, Not):
        return not truthy(_eval(node.item, env))
    if isinstance(node, Call):
        return _call(node, env)
    raise TypeError(f"unknown rule node {node!r}")


def _call(node: Call, env: RuleEnv) -> Any:
    if node.name == "if":
        branch = node.args[1] if truthy(_eval(node.args[0], env)) else node.args[2]
        return _eval(branch, env)
    if node.name == "today":
        return env.today
    args = [_eval(arg, env) for arg in node.args]
    if node.name == "count":
        value = args[0]
        if value is None or value == "":
            return Decimal(0)
        return Decimal(len(value)) if isinstance(value, tuple) else Decimal(1)
    # selected(field, option)
    value, option = args
    if value is None or option is None:
        return False
    if isinstance(value, tuple):
        return any(compare("==", item, option) for item in value)
    return compare("==", value, option)


def compare(op: str, left: Any, right: Any) -> bool:
    """Compare two rule values; False whenever either is missing."""
    if left is None or right is None:
        return False
    pair = _coerce(left, right)
    if pair is None:
        return op == "!="
    a, b = pair
    try:
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        if op == ">=":
            return a >= b
    except TypeError:
        return op == "!="
    raise ValueError(f"unknown operator {op!r}")


def _coerce(a: Any, b: Any) -> tuple[Any, Any] | None:
    if type(a) is type(b):
        return a, b
    if isinstance(b, str):
        converted = _from_text(b, a)
        return None if converted is None else (a, converted)
    if isinstance(a, str):
        converted = _from_text(a, b)
        return None if converted is None else (converted, b)
    return None


def _from_text(text: str, like: Any) -> Any:
    """Read ``text`` as the same kind as ``like`` (e.g. '100' next to a number)."""
    if isinstance(like, bool):
        lowered = text.strip().lower()
        return True if lowered in _YES else False if lowered in _NO else None
    if isinstance(like, Decimal):
        try:
            value = Decimal(text.strip())
        except (InvalidOperation, ValueError):
            return None
        return value if value.is_finite() else None
    if isinstance(like, date):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            return None
    return None
