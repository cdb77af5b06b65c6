"""Convert text written in the old layout into the one template tree and its catalogues.

The old layout kept every message twice, ``templates/zh/NAME`` beside ``templates/en/NAME``, and
short labels in ``templates/zh/strings.yaml`` beside ``templates/en/strings.yaml``. This reads
each pair, writes ``templates/messages/NAME`` with the Chinese phrases in ``{% trans %}`` blocks
(string literals that differ become ``_()``), adds the labels to ``strings.py``, merges the
catalogues and puts the English of each pair into ``locale/en``. Pairs whose Jinja structure
differs (an English-only plural, a reordered condition) are reported and left for a person.

    python -m templates.tools.convert_old_layout            # convert every pair still there
    python -m templates.tools.convert_old_layout --remove   # ... and delete what was converted
    python -m templates.tools.convert_old_layout NAME ...   # only these templates (and the labels)

A pair is converted whole: a template that was polished by hand after its conversion and then
changed in the old layout comes back in the mechanical form (correct, but in smaller phrases).

Run ``python -m pytest tests/test_catalogues.py`` afterwards, and compare renders if in doubt.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from jinja2 import Environment, nodes

from templates import HERE
from templates.tools import catalogues

SEGMENT = re.compile(r"(\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\})")
LITERAL = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
SIMPLE_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
OLD_PATH = re.compile(r"""(['"])(?:zh|en)/""")
RESERVED = {"trimmed", "notrimmed", "context", "pluralize", "gettext", "ngettext", "pgettext", "_"}


class Mismatch(Exception):
    """The Chinese and English templates differ in more than their text."""


@dataclass
class Pairs:
    """English for each Chinese msgid met while converting, and where it was met."""

    english: dict[tuple[str | None, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    where: dict[tuple[str | None, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, context: str | None, msgid: str, msgstr: str, name: str) -> None:
        self.english[(context, msgid)].add(msgstr)
        self.where[(context, msgid)].add(name)


@dataclass
class Converter:
    """Converts one template pair; ``contexts`` names the msgids that need a msgctxt."""

    name: str
    contexts: set[str]
    pairs: Pairs

    @property
    def context(self) -> str:
        return self.name.split(".")[0]

    def _ctx(self, msgid: str) -> str | None:
        return self.context if msgid in self.contexts else None

    def convert(self, zh: str, en: str) -> str:
        zh_lines, en_lines = zh.split("\n"), en.split("\n")
        if len(zh_lines) != len(en_lines):
            raise Mismatch(f"{len(zh_lines)} lines in Chinese, {len(en_lines)} in English")
        return "\n".join(self._line(z, e, i + 1) for i, (z, e) in enumerate(zip(zh_lines, en_lines, strict=True)))

    def _line(self, zh: str, en: str, lineno: int) -> str:
        if zh == en:
            return zh
        zh_runs, zh_tags = _split(zh)
        en_runs, en_tags = _split(en)
        if len(zh_tags) != len(en_tags):
            raise Mismatch(f"line {lineno}: the tags differ")
        out: list[str] = []
        for i, (zr, er) in enumerate(zip(zh_runs, en_runs, strict=True)):
            out.append(self._run(zr, er, lineno))
            if i < len(zh_tags):
                out.append(self._tag(zh_tags[i], en_tags[i], lineno))
        line = "".join(out)
        if line.endswith("{% endtrans %}"):
            # trim_blocks would eat the newline after the block; "+%}" keeps it, as before.
            line = line[: -len("%}")] + "+%}"
        if re.match(r"^[ \t]+\{% trans", line):
            line = re.sub(r"\{% trans", "{%+ trans", line, count=1)  # and lstrip_blocks the indent
        return line

    def _tag(self, zh: str, en: str, lineno: int) -> str:
        if zh.startswith("{#"):
            return zh
        zh, en = OLD_PATH.sub(r"\1", zh), OLD_PATH.sub(r"\1", en)
        if zh == en:
            return zh
        return "{%" + self._expression(zh[2:-2], en[2:-2], lineno) + "%}"

    def _expression(self, zh: str, en: str, lineno: int) -> str:
        """``zh`` with each string literal that differs from ``en``'s wrapped in ``_()``."""
        zh_literals, en_literals = LITERAL.findall(zh), LITERAL.findall(en)
        if _shape(zh) != _shape(en) or len(zh_literals) != len(en_literals):
            raise Mismatch(f"line {lineno}: {zh.strip()!r} and {en.strip()!r} differ in more than text")
        translated = iter(zip(zh_literals, en_literals, strict=True))

        def wrap(match: re.Match[str]) -> str:
            z, e = next(translated)
            if z == e:
                return z
            msgid, msgstr = ast.literal_eval(z), ast.literal_eval(e)
            context = self._ctx(msgid)
            self.pairs.add(context, msgid, msgstr, self.name)
            return f'pgettext("{context}", {z})' if context else f"_({z})"

        return LITERAL.sub(wrap, zh)

    def _run(self, zh: list[str], en: list[str], lineno: int) -> str:
        if zh == en:
            return "".join(zh)
        zh_vars = [s[2:-2] for s in zh if s.startswith("{{")]
        en_vars = [s[2:-2] for s in en if s.startswith("{{")]
        if len(zh_vars) != len(en_vars):
            raise Mismatch(f"line {lineno}: {len(zh_vars)} values in Chinese, {len(en_vars)} in English")
        # Match each English value to a Chinese one: the same expression, else the same shape
        # with different string literals (those become _() and are translated on their own).
        match: dict[int, int] = {}
        free = list(range(len(en_vars)))
        for zi, z in enumerate(zh_vars):
            for ei in free:
                if _normal(en_vars[ei]) == _normal(z):
                    match[ei] = zi
                    free.remove(ei)
                    break
        unmatched = [zi for zi in range(len(zh_vars)) if zi not in match.values()]
        for ei, zi in zip(free, unmatched, strict=True):
            match[ei] = zi
        expressions = [
            self._expression(z, en_vars[next(e for e, m in match.items() if m == zi)], lineno)
            for zi, z in enumerate(zh_vars)
        ]

        zh_items, en_items = _items(zh, zh_vars), _items(en, en_vars)
        en_items = [(kind, match[v] if kind == "var" else v) for kind, v in en_items]
        head = 0
        while head < min(len(zh_items), len(en_items)) and zh_items[head] == en_items[head] and _outside(zh_items[head]):
            head += 1
        tail = 0
        while (
            tail < min(len(zh_items), len(en_items)) - head
            and zh_items[-1 - tail] == en_items[-1 - tail]
            and _outside(zh_items[-1 - tail])
        ):
            tail += 1
        prefix = _text(zh_items[:head], zh_vars)
        suffix = _text(zh_items[len(zh_items) - tail:], zh_vars)
        zh_body, en_body = zh_items[head: len(zh_items) - tail], en_items[head: len(en_items) - tail]

        names = _names(zh_vars, expressions, [v for kind, v in zh_body if kind == "var"])
        msgid, zh_source = _message(zh_body, names)
        msgstr, _ = _message(en_body, names)
        context = self._ctx(msgid)
        self.pairs.add(context, msgid, msgstr, self.name)
        bindings = ", ".join(f"{n}={expressions[i].strip()}" for i, n in names.items() if n != expressions[i].strip())
        opening = " ".join(p for p in ("trans", f'"{context}"' if context else "", bindings) if p)
        return f"{prefix}{{% {opening} %}}{zh_source}{{% endtrans %}}{suffix}"


def _split(line: str) -> tuple[list[list[str]], list[str]]:
    """A line as runs of text and values, separated by block tags and comments."""
    runs: list[list[str]] = [[]]
    tags: list[str] = []
    for piece in SEGMENT.split(line):
        if not piece:
            continue
        if piece.startswith(("{%", "{#")):
            tags.append(piece)
            runs.append([])
        else:
            runs[-1].append(piece)
    return runs, tags


def _shape(expression: str) -> str:
    return re.sub(r"\s+", "", LITERAL.sub('""', expression))


def _normal(expression: str) -> str:
    return re.sub(r"\s+", "", expression)


def _items(run: list[str], variables: list[str]) -> list[tuple[str, str | int]]:
    """Characters of text one by one, each value as one item (its index)."""
    items: list[tuple[str, str | int]] = []
    index = 0
    for piece in run:
        if piece.startswith("{{"):
            items.append(("var", index))
            index += 1
        else:
            items.extend(("text", c) for c in piece)
    return items


def _outside(item: tuple[str, str | int]) -> bool:
    """Whether an item may stay outside the message: white space, emoji, bullets."""
    kind, value = item
    if kind != "text":
        return False
    assert isinstance(value, str)
    return value.isspace() or value in "•" or unicodedata.category(value) in ("So", "Sk", "Mn", "Cf")


def _text(items: list[tuple[str, str | int]], variables: list[str]) -> str:
    return "".join(f"{{{{{variables[v]}}}}}" if kind == "var" else str(v) for kind, v in items)  # type: ignore[index]


def _names(variables: list[str], expressions: list[str], used: list) -> dict[int, str]:
    """A placeholder name for each value in the message: the name itself when it is one."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for index in dict.fromkeys(used):
        simple = SIMPLE_NAME.match(expressions[index])
        if simple and simple.group(1) not in RESERVED:
            name = simple.group(1)
        else:
            base = _derive(expressions[index])
            name = base
            n = 2
            while name in taken or name in RESERVED:
                name = f"{base}{n}"
                n += 1
        names[index] = name
        taken.add(name)
    return names


def _derive(expression: str) -> str:
    """A readable name for an expression: ``line.due_on|date`` gives ``due_on``."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    node = env.parse("{{ " + expression + " }}").body[0].nodes[0]  # type: ignore[attr-defined]
    suffix = ""
    while True:
        if isinstance(node, nodes.Name):
            return node.name + suffix
        elif isinstance(node, nodes.Getattr) and node.attr == "value" and isinstance(node.node, nodes.Getattr):
            node = node.node  # invite.role.value is the role
        elif isinstance(node, nodes.Getattr) and node.attr != "get":
            return node.attr + suffix
        elif isinstance(node, nodes.Getattr):
            node = node.node  # x.get(locale) is x in the locale
        elif isinstance(node, nodes.UnaryExpr):
            node = node.node
        elif isinstance(node, nodes.Filter):
            if node.name == "length":
                suffix = "_count"
            if isinstance(node.node, nodes.Const) and node.args:
                node = node.args[0]
            else:
                node = node.node
        elif isinstance(node, nodes.CondExpr):
            node = node.expr1
        elif isinstance(node, (nodes.Or, nodes.And)):
            node = node.left
        elif isinstance(node, nodes.Concat):
            node = node.nodes[-1]
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.args:
            node = node.args[0]  # s('role.' ~ joined_role) is the role
        elif isinstance(node, nodes.Call):
            node = node.node
        elif isinstance(node, nodes.Getitem):
            node = node.node
        else:
            return "value" + suffix


def _message(items: list[tuple[str, str | int]], names: dict[int, str]) -> tuple[str, str]:
    """The msgid as gettext sees it, and the body of the {% trans %} block that yields it."""
    has_vars = any(kind == "var" for kind, _ in items)
    msgid, source = [], []
    for kind, value in items:
        if kind == "var":
            msgid.append(f"%({names[value]})s")  # type: ignore[index]
            source.append(f"{{{{ {names[value]} }}}}")  # type: ignore[index]
        else:
            msgid.append(str(value).replace("%", "%%") if has_vars else str(value))
            source.append(str(value))
    return "".join(msgid), "".join(source)


def _pairs_of_templates(old: Path, only: list[str]) -> list[str]:
    names = sorted(p.name for p in (old / "zh").glob("*.j2"))
    return [n for n in names if not only or n in only]


def convert(root: Path = HERE, only: list[str] | None = None, remove: bool = False) -> int:
    only = only or []
    messages = root / "messages"
    messages.mkdir(exist_ok=True)
    existing = catalogues.read("en", root)
    known = {(m.context, m.id): m.string for m in existing if m.id} if existing else {}
    failures: list[str] = []
    converted: list[str] = []

    names = _pairs_of_templates(root, only)
    sources: dict[str, tuple[str, str]] = {}
    for name in names:
        en_path = root / "en" / name
        if not en_path.exists():
            failures.append(f"{name}: no English template beside the Chinese one")
            continue
        sources[name] = ((root / "zh" / name).read_text(encoding="utf-8"), en_path.read_text(encoding="utf-8"))

    # First pass: learn which Chinese phrases are translated two ways; those get a context.
    pairs = Pairs()
    for name, (zh, en) in sources.items():
        try:
            Converter(name, set(), pairs).convert(zh, en)
        except Mismatch:
            pass
    contexts = {
        msgid for (ctx, msgid), english in pairs.english.items()
        if len(english) > 1 or ((None, msgid) in known and known[(None, msgid)] not in english)
    }

    pairs = Pairs()
    for name, (zh, en) in sources.items():
        try:
            text = Converter(name, contexts, pairs).convert(zh, en)
        except Mismatch as error:
            failures.append(f"{name}: convert by hand: {error}")
            continue
        (messages / name).write_text(text, encoding="utf-8")
        converted.append(name)

    english: dict[catalogues.Key, str | tuple[str, ...]] = {
        k: next(iter(v)) for k, v in pairs.english.items() if len(v) == 1
    }
    string_failures = _convert_strings(root, english, known)
    failures += string_failures

    left = catalogues.update(root, english)
    if remove:
        for name in converted:
            (root / "zh" / name).unlink()
            (root / "en" / name).unlink()
        if not string_failures:
            for locale in ("zh", "en"):
                (root / locale / "strings.yaml").unlink(missing_ok=True)
    for name in converted:
        print(f"converted {name}")
    for line in failures + left:
        print(line)
    return 1 if failures or left else 0


def _convert_strings(root: Path, english: dict, known: dict) -> list[str]:
    """Add the labels of the old strings.yaml files to strings.py (new or changed keys)."""
    zh_path, en_path = root / "zh" / "strings.yaml", root / "en" / "strings.yaml"
    if not zh_path.exists():
        return []
    zh = yaml.safe_load(zh_path.read_text(encoding="utf-8")) or {}
    en = yaml.safe_load(en_path.read_text(encoding="utf-8")) if en_path.exists() else {}
    problems = []
    table = _read_strings(root)
    for k, text in zh.items():
        if k not in en:
            problems.append(f"strings.yaml: {k!r} has no English")
            continue
        previous = known.get((None, text))
        shared = table.get(k) != text  # the Chinese is another message's too: its English stays
        if previous and previous != en[k] and shared and (None, text) not in english:
            problems.append(f"strings.yaml: {k!r}: {text!r} is already translated as {previous!r}, not {en[k]!r}")
            continue
        table[k] = text
        english[(None, text)] = en[k]
    _write_strings(root, table)
    return problems


def _read_strings(root: Path) -> dict[str, str]:
    path = root / "strings.py"
    if not path.exists():
        return {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "STRINGS":
            assert isinstance(node.value, ast.Dict)
            return {
                ast.literal_eval(k): ast.literal_eval(v.args[0])  # type: ignore[union-attr,arg-type]
                for k, v in zip(node.value.keys, node.value.values, strict=True)
            }
    return {}


STRINGS_HEADER = '''"""Short plain-text labels: buttons, the command menu, toasts, looked up by key.

``Renderer.string(key, locale)`` translates the Chinese text through the catalogues; ``N_`` only
marks it for extraction. ``{name}`` placeholders are filled with ``str.format``.
"""


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    return text


STRINGS: dict[str, str] = {
'''


def _write_strings(root: Path, table: dict[str, str]) -> None:
    lines = [f"    {_literal(k)}: N_({_literal(v)})," for k, v in table.items()]
    (root / "strings.py").write_text(STRINGS_HEADER + "\n".join(lines) + "\n}\n", encoding="utf-8")


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a valid Python literal, in double quotes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="template names, e.g. help.html.j2 (default: all)")
    parser.add_argument("--remove", action="store_true", help="delete the old files that were converted")
    args = parser.parse_args(argv)
    return convert(only=args.names, remove=args.remove)


if __name__ == "__main__":
    sys.exit(main())
