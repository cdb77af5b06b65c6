"""Help that depends on the unit or on earlier answers (提示随单位而变): ``{= rule }`` placeholders.

A field's help text may hold placeholders written in the rule language (``rules``), filled in
when the question is shown, so a criterion quotes only what applies to this branch::

    不少于 {= if(unit.parent_type == 'direct_committee', 60, 100)} 平方米
    {= if(unit.parent_type == 'direct_committee', '直属党委下属', '镇党委下属')}

Placeholders are parsed when the definition is loaded (``loading`` reports a bad one as
``bad_rule``) and evaluated by walking the rule's tree: nothing typed is ever run as code. A
missing value is shown as nothing.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from .conditions import evaluate
from .rules import Rule, RuleEnv, parse_rule

OPEN = "{="


def placeholders(text: str) -> list[str]:
    """The rule sources of the ``{= … }`` placeholders in ``text``, in order (ValueError when one
    is not closed)."""
    return [source for source, _start, _end in _scan(text)]


def fill(text: str, env: RuleEnv) -> str:
    """``text`` with each placeholder replaced by its value (texts without one are returned as they are)."""
    if OPEN not in text:
        return text
    try:
        found = _scan(text)
    except ValueError:
        return text
    out, position = [], 0
    for source, start, end in found:
        out.append(text[position:start])
        out.append(_show(evaluate(_parsed(source), env)))
        position = end
    out.append(text[position:])
    return "".join(out)


@lru_cache(maxsize=512)
def _parsed(source: str) -> Rule:
    return parse_rule(source)


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    return str(value)


def _scan(text: str) -> list[tuple[str, int, int]]:
    """(source, start, end) of each placeholder; a ``}`` inside quotes or ``${name}`` does not close it."""
    found = []
    start = text.find(OPEN)
    while start != -1:
        i, quote = start + len(OPEN), ""
        while i < len(text):
            char = text[i]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif text.startswith("${", i):
                close = text.find("}", i)
                i = close if close != -1 else len(text)
            elif char == "}":
                break
            i += 1
        if i >= len(text):
            raise ValueError(f"placeholder at {start} is not closed")
        found.append((text[start + len(OPEN):i].strip(), start, i + 1))
        start = text.find(OPEN, i + 1)
    return found
