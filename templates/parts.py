"""Long messages in Telegram's HTML, cut into parts that each fit one message and each parse.

Telegram takes at most 4,096 characters a message (counted after its HTML is read, so measuring
the HTML itself, as here, is on the safe side). A part ends at a line break where one is near
enough; a single line longer than a message is cut between characters, never inside a tag or an
entity (``&amp;``). Tags open at a cut are closed at the end of the part and opened again at the
start of the next, so each part is well formed whenever the whole text is.
"""

from __future__ import annotations

import re

LIMIT = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH
# A tag, an entity, or one character: the pieces a cut may fall between.
_PIECE = re.compile(r"<[^<>]*>|&(?:[A-Za-z]+|#[0-9]+|#[xX][0-9A-Fa-f]+);|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")

Open = tuple[str, str]  # (tag name, the opening tag as written, attributes and all)


def split_html(text: str, limit: int = LIMIT) -> list[str]:
    """``text`` as parts of at most ``limit`` characters, cut at line breaks where possible."""
    if len(text) <= limit:
        return [text]
    pieces = _PIECE.findall(text)
    parts: list[str] = []
    start, stack = 0, []
    while start < len(pieces):
        end, cut_at, carry = _fill(pieces, start, stack, limit)
        part = "".join(o for _, o in stack) + "".join(pieces[start:end]) + _closing(carry)
        if any(not p.startswith("<") and not p.isspace() for p in pieces[start:end]):
            parts.append(part)  # a part of nothing but blank lines is not sent (Telegram refuses it)
        start, stack = cut_at, carry
    return parts


def _fill(pieces: list[str], start: int, stack: list[Open], limit: int) -> tuple[int, int, list[Open]]:
    """How far one part starting at ``start`` goes: (its end, where the next starts, tags open at the cut)."""
    length = sum(len(o) for _, o in stack)
    open_now = list(stack)
    line_break = space = None  # the last places to cut at: (end, next start, tags open there)
    i = start
    while i < len(pieces):
        piece = pieces[i]
        after = _apply(open_now, piece)
        if length + len(piece) + len(_closing(after)) > limit and i > start:
            break
        if piece == "\n" and i > start:
            line_break = (i, i + 1, list(open_now))  # the break itself is where one part ends
        elif piece == " " and i > start:
            space = (i + 1, i + 1, after)
        length += len(piece)
        open_now = after
        i += 1
    if i == len(pieces):
        return i, i, open_now
    return line_break or space or (i, i, open_now)


def _apply(stack: list[Open], piece: str) -> list[Open]:
    """The tags open after ``piece``."""
    if not piece.startswith("<") or len(piece) < 3:
        return stack
    name = _TAG_NAME.match(piece)
    if name is None:
        return stack
    tag = name.group(1).lower()
    if piece.startswith("</"):
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == tag:
                return stack[:depth]
        return stack
    return [*stack, (tag, piece)]


def _closing(stack: list[Open]) -> str:
    return "".join(f"</{tag}>" for tag, _ in reversed(stack))
