"""Long messages are cut into parts that each fit Telegram's limit and each parse as its HTML."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from templates.parts import LIMIT, split_html
from tests.fakebotapi.textparse import EntityParseError, parse_html

NESTABLE = ["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", 'span class="tg-spoiler"']
WORDS = ["党", "支部", "a", "word", " ", "\n", "&amp;", "&lt;", "&gt;", "&quot;", "&#36;", "📢"]

plain = st.lists(st.sampled_from(WORDS), max_size=40).map("".join)
runs = st.builds(lambda piece, n: piece * n, st.sampled_from(["字", "x", "&amp;", " ", "\n", "ab\n"]),
                 st.integers(0, 3000))  # fmt: skip
verbatim = st.builds(lambda tag, body: f"<{tag}>{body}</{tag}>", st.sampled_from(["code", "pre"]),
                     st.one_of(plain, runs))  # fmt: skip
link = st.builds(lambda href, body: f'<a href="https://example.org/{href}">{body}</a>',
                 st.text("abcxyz0123", max_size=20), plain)  # fmt: skip


def _wrapped(children):
    def wrap(opening: str, kids: list[str]) -> str:
        return f"<{opening}>{''.join(kids)}</{opening.split()[0]}>"

    return st.builds(wrap, st.sampled_from(NESTABLE), st.lists(children, max_size=4))


html = st.lists(st.recursive(st.one_of(plain, runs, verbatim, link), _wrapped, max_leaves=12), max_size=8).map("".join)


def _visible(text: str) -> str:
    return re.sub(r"\s", "", parse_html(text)[0])


def _check(text: str, limit: int) -> list[str]:
    try:
        whole = _visible(text)
    except EntityParseError:
        assume(False)
    parts = split_html(text, limit)
    for part in parts:
        assert len(part) <= limit, (len(part), part[:200])
        parse_html(part)  # raises on a cut tag, an unclosed or unopened one, a cut entity
    assert "".join(_visible(p) for p in parts) == whole, "nothing lost, nothing added"
    return parts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=html)
def test_split_html__any_well_formed_text__parts_fit_and_parse(text):
    _check(text, LIMIT)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=html, limit=st.integers(300, 1200))
def test_split_html__smaller_limits__parts_fit_and_parse(text, limit):
    _check(text, limit)


def test_split_html__lines__cut_between_lines_not_inside_them():
    lines = [f"第{n}行 <b>{'字' * 90}</b>" for n in range(100)]
    parts = _check("\n".join(lines), LIMIT)
    assert len(parts) > 1
    assert all(line in lines for part in parts for line in part.split("\n"))


def test_split_html__one_bold_line_longer_than_a_message__is_closed_and_reopened():
    parts = _check(f"<b>{'字' * 5000}</b>", LIMIT)
    assert len(parts) == 2
    assert parts[0].startswith("<b>") and parts[0].endswith("</b>") and parts[1].startswith("<b>")


def test_split_html__entities__are_never_cut():
    parts = _check("&amp;" * 1000, LIMIT)
    assert all(re.fullmatch(r"(&amp;)+", p) for p in parts)


def test_split_html__short_text__is_one_part_unchanged():
    assert split_html("<b>短</b>") == ["<b>短</b>"]
