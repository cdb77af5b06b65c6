"""A small, safe expression language for relevance (适用条件), validation (校验) and pass (达标) rules.

Rules are parsed once, when a form definition is loaded, into a tree of frozen nodes (this
module), and evaluated by walking that tree (``evaluation``). Nothing is ever handed to ``eval``/``exec``/``compile``; a rule
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
from decimal import Decimal
from typing import Any

MAX_RULE_LENGTH = 500
MAX_DEPTH = 16
MAX_TOKENS = 200

UNIT_ATTRIBUTES = frozenset({"type", "domain", "parent_type", "founded", "founded_years"})
FUNCTIONS = {"selected": 2, "count": 1, "if": 3, "today": 0}
KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})


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
