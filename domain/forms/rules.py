"""A small, safe expression language for relevance (适用条件), validation (校验) and pass (达标) rules.

Rules are parsed once, when a form definition is loaded, into a tree of frozen nodes, and
evaluated by walking that tree. Nothing is ever handed to ``eval``/``exec``/``compile``; a rule
can only read answers, the unit's attributes and the caller's facts.

Syntax (XLSForm-inspired)::

    ${room_area} >= 100                     answer of an earlier field
    . >= 60                                 "." is the answer being checked (constraint, pass)
    unit.type  unit.domain  unit.parent_type  unit.founded  unit.founded_years
    fact.activity_months                    a fact supplied by the caller (keys may contain dots)
    = == != < <= > >=   and  or  not  ( )   'text' "text" 12 3.5 -1 true false
    x in ('a', 'b')      x not in ('a', 'b')
    selected(${f}, 'opt')  count(${photos})  if(cond, a, b)  today()

Missing values (an unanswered or irrelevant field, an unknown unit attribute or fact) are
``None``. Every comparison involving a missing value is false, ``x in (...)`` is false,
``count`` of a missing value is 0 and a missing value is falsy. So a relevance rule such as
``${has_room} == true`` keeps its field hidden until ``has_room`` is answered "yes", and
``not (${a} > 1)`` is true while ``a`` is unanswered. Values of different kinds that cannot be
compared are unequal (``!=`` is true, everything else false).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_RULE_LENGTH = 500
MAX_DEPTH = 16
MAX_TOKENS = 200

UNIT_ATTRIBUTES = frozenset({"type", "domain", "parent_type", "founded", "founded_years"})
FUNCTIONS = {"selected": 2, "count": 1, "if": 3, "today": 0}
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
_YES = frozenset({"yes", "true", "y", "1", "是"})
_NO = frozenset({"no", "false", "n", "0", "否"})


class RuleError(ValueError):
    """A rule that cannot be parsed; carries a message in Chinese and English."""

    def __init__(self, en: str, zh: str, position: int = 0) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh
        self.position = position


# --- tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Current:
    pass


@dataclass(frozen=True)
class Attr:
    root: str  # "unit" or "fact"
    key: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class InList:
    item: Any
    options: tuple[Any, ...]
    negated: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its source text, tree, and the field names it reads."""

    source: str
    node: Any = field(repr=False, compare=False)
    references: tuple[str, ...] = ()
    uses_current: bool = False


@dataclass(frozen=True)
class RuleEnv:
    """What a rule may read: typed answers, the current answer, unit attributes, facts, today."""

    answers: dict[str, Any]
    today: date
    unit: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    current: Any = None


# --- tokenizer ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{(?P<refname>[A-Za-z_][A-Za-z0-9_]*)\})
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'[^'\n]*'|"[^"\n]*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>>=|<=|!=|==|=|<|>)
  | (?P<punct>[(),.\-])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if not match:
            raise RuleError(
                f"unexpected character {source[pos]!r} at {pos + 1}",
                f"第 {pos + 1} 个字符 {source[pos]!r} 无法识别",
                pos,
            )
        kind = match.lastgroup or ""
        if kind == "refname":
            kind = "ref"
        if kind != "space":
            text = match.group("refname") if kind == "ref" else match.group(0)
            tokens.append(_Token(kind, text, pos))
        pos = match.end()
        if len(tokens) > MAX_TOKENS:
            raise RuleError("rule is too long", "规则过长", pos)
    tokens.append(_Token("end", "", len(source)))
    return tokens


# --- parser ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0
        self.refs: list[str] = []
        self.uses_current = False

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, token: _Token, en: str, zh: str) -> RuleError:
        return RuleError(f"{en} at {token.pos + 1}", f"第 {token.pos + 1} 个字符处{zh}", token.pos)

    def expect(self, kind: str, text: str | None = None) -> _Token:
        token = self.take()
        if token.kind != kind or (text is not None and token.text != text):
            want = text or kind
            raise self.fail(token, f"expected {want!r}", f"应为 {want!r}")
        return token

    def is_word(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "name" and token.text == word

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(self.peek(), "rule is nested too deeply", "规则嵌套过深")

    def parse(self) -> Any:
        node = self.or_expr()
        if self.peek().kind != "end":
            raise self.fail(self.peek(), f"unexpected {self.peek().text!r}", f"多余的 {self.peek().text!r}")
        return node

    def or_expr(self) -> Any:
        items = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_expr(self) -> Any:
        items = [self.not_expr()]
        while self.is_word("and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def not_expr(self) -> Any:
        if self.is_word("not"):
            self.take()
            self.nest()
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Any:
        left = self.primary()
        token = self.peek()
        if token.kind == "op":
            self.take()
            op = "==" if token.text == "=" else token.text
            return Compare(op, left, self.primary())
        negated = False
        if self.is_word("not") and self.tokens[self.i + 1].text == "in":
            self.take()
            negated = True
        if self.is_word("in"):
            self.take()
            self.expect("punct", "(")
            options = [self.literal()]
            while self.peek().text == ",":
                self.take()
                options.append(self.literal())
            self.expect("punct", ")")
            return InList(left, tuple(options), negated)
        if negated:
            raise self.fail(token, "expected 'in'", "应为 'in'")
        return left

    def literal(self) -> Any:
        node = self.primary()
        if not isinstance(node, Literal):
            raise self.fail(self.tokens[self.i - 1], "expected a literal", "应为常量")
        return node

    def primary(self) -> Any:
        token = self.take()
        if token.kind == "number":
            return Literal(Decimal(token.text))
        if token.kind == "punct" and token.text == "-" and self.peek().kind == "number":
            return Literal(-Decimal(self.take().text))
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "ref":
            self.refs.append(token.text)
            return Ref(token.text)
        if token.kind == "punct" and token.text == ".":
            self.uses_current = True
            return Current()
        if token.kind == "punct" and token.text == "(":
            self.nest()
            node = self.or_expr()
            self.expect("punct", ")")
            self.depth -= 1
            return node
        if token.kind == "name":
            return self.name(token)
        raise self.fail(token, f"unexpected {token.text or 'end of rule'!r}", f"不应出现 {token.text or '结尾'!r}")

    def name(self, token: _Token) -> Any:
        text = token.text
        if text == "true":
            return Literal(True)
        if text == "false":
            return Literal(False)
        if text in KEYWORDS:
            raise self.fail(token, f"unexpected {text!r}", f"不应出现 {text!r}")
        root, _, key = text.partition(".")
        if root == "unit" and key:
            if key not in UNIT_ATTRIBUTES:
                raise self.fail(token, f"unknown unit attribute {key!r}", f"未知的单位属性 {key!r}")
            return Attr("unit", key)
        if root == "fact" and key:
            return Attr("fact", key)
        if text in FUNCTIONS and self.peek().text == "(":
            self.take()
            self.nest()
            args: list[Any] = []
            if self.peek().text != ")":
                args.append(self.or_expr())
                while self.peek().text == ",":
                    self.take()
                    args.append(self.or_expr())
            self.expect("punct", ")")
            self.depth -= 1
            if len(args) != FUNCTIONS[text]:
                raise self.fail(
                    token,
                    f"{text}() takes {FUNCTIONS[text]} argument(s)",
                    f"{text}() 需要 {FUNCTIONS[text]} 个参数",
                )
            return Call(text, tuple(args))
        raise self.fail(token, f"unknown name {text!r}", f"未知的名称 {text!r}")


def parse_rule(source: str) -> Rule:
    """Parse ``source`` into a Rule; raise RuleError when it is not a valid rule."""
    if not isinstance(source, str) or not source.strip():
        raise RuleError("rule is empty", "规则为空")
    if len(source) > MAX_RULE_LENGTH:
        raise RuleError(f"rule is longer than {MAX_RULE_LENGTH} characters", f"规则超过 {MAX_RULE_LENGTH} 个字符")
    parser = _Parser(source)
    node = parser.parse()
    return Rule(source.strip(), node, tuple(dict.fromkeys(parser.refs)), parser.uses_current)


# --- evaluation -----------------------------------------------------------------------------


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
