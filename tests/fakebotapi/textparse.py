"""Telegram-style text handling: HTML parse mode, UTF-16 offsets, auto-detected entities."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Tag name -> entity type, as accepted by Telegram's HTML parser (td/MessageEntity.cpp).
_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """Raised with Telegram's own wording; the caller prefixes "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode an HTML entity starting at text[i] == '&'; returns (char, next index)."""
    end = text.find(";", i + 1)
    if end == -1 or end - i > 12:
        return None
    body = text[i + 1 : end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1
    try:
        if body[:2] in ("#x", "#X"):
            code = int(body[2:], 16)
        elif body[:1] == "#" and body[1:].isdigit():
            code = int(body[1:])
        else:
            return None
        return chr(code), end + 1
    except (ValueError, OverflowError):
        return None


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output text
    byte_pos: int


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML into (plain text, entities) or raise EntityParseError."""
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    stack: list[_Open] = []
    entities: list[dict] = []
    i, n = 0, len(source)

    def emit(chunk: str) -> None:
        nonlocal out_len
        out.append(chunk)
        out_len += utf16_len(chunk)

    while i < n:
        ch = source[i]
        if ch == "&":
            decoded = _decode_entity(source, i)
            if decoded:
                emit(decoded[0])
                i = decoded[1]
                continue
            emit(ch)  # an unknown entity keeps its '&' literally, like Telegram
            i += 1
            continue
        if ch != "<":
            emit(ch)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and source[i] == "/":
            i = _close_tag(source, begin, stack, entities, out_len)
            continue
        i, item = _open_tag(source, begin, out_len)
        stack.append(item)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _open_tag(source: str, begin: int, out_len: int) -> tuple[int, _Open]:
    n = len(source)
    i = begin + 1
    while i < n and not source[i].isspace() and source[i] != ">":
        i += 1
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    tag = source[begin + 1 : i].lower()
    byte_pos = _byte_offset(source, begin)
    if tag not in _TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {byte_pos}')
    argument = ""
    while True:
        while i < n and source[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_pos}")
        if source[i] == ">":
            i += 1
            break
        name_start = i
        while i < n and not source[i].isspace() and source[i] not in "=>":
            i += 1
        name = source[name_start:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {byte_pos}'
            )
        while i < n and source[i].isspace():
            i += 1
        if tag == "blockquote" and name == "expandable" and (i >= n or source[i] != "="):
            argument = "expandable"
            continue
        if i >= n or source[i] != "=":
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {byte_pos}"
            )
        i += 1
        while i < n and source[i].isspace():
            i += 1
        value, i = _attribute_value(source, i, byte_pos)
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if tag == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_pos}')
    return i, _Open(tag, argument, out_len, byte_pos)


def _attribute_value(source: str, i: int, byte_pos: int) -> tuple[str, int]:
    n = len(source)
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {byte_pos}")
    if source[i] not in "'\"":
        start = i
        while i < n and (source[i].isalnum() or source[i] in ".-"):
            i += 1
        if i >= n or not (source[i].isspace() or source[i] == ">"):
            raise EntityParseError(
                f"Unexpected end of name token at byte offset {_byte_offset(source, start)}"
            )
        return source[start:i].lower(), i
    quote = source[i]
    i += 1
    value: list[str] = []
    while i < n and source[i] != quote:
        if source[i] == "&":
            decoded = _decode_entity(source, i)
            if decoded:
                value.append(decoded[0])
                i = decoded[1]
                continue
        value.append(source[i])
        i += 1
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {byte_pos}")
    return "".join(value), i + 1


def _close_tag(
    source: str, begin: int, stack: list[_Open], entities: list[dict], out_len: int
) -> int:
    n = len(source)
    byte_pos = _byte_offset(source, begin)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {byte_pos}")
    i = begin + 2
    while i < n and not source[i].isspace() and source[i] != ">":
        i += 1
    name = source[begin + 2 : i].lower()
    while i < n and source[i].isspace():
        i += 1
    if i >= n or source[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {byte_pos}")
    top = stack.pop()
    if name and name != top.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {byte_pos}, expected "</{top.tag}>", '
            f'found "</{name}>"'
        )
    length = out_len - top.offset
    if length > 0:
        entities.append(_entity(top, length, entities))
    return i + 1


def _entity(item: _Open, length: int, entities: list[dict]) -> dict:
    kind = _TAGS[item.tag]
    entity: dict = {"type": kind, "offset": item.offset, "length": length}
    if kind == "text_link":
        entity["url"] = item.argument
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = item.argument
    elif kind == "blockquote" and item.argument == "expandable":
        entity["type"] = "expandable_blockquote"
    elif kind == "pre":
        # <pre><code class="language-x">…</code></pre> becomes one pre entity with a language.
        inner = [
            e
            for e in entities
            if e["type"] == "code" and e["offset"] == item.offset and e["length"] == length
        ]
        for code in inner:
            entities.remove(code)
            if code.get("language"):
                entity["language"] = code["language"]
    elif kind == "code" and item.argument:
        entity["language"] = item.argument
    return entity


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


_AUTO_ENTITY = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@]))"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w))"
    r"|(?P<url>https?://[^\s<>\"]+)"
)


def auto_entities(text: str) -> list[dict]:
    """Entities Telegram adds to user text by itself: bot commands, mentions and URLs."""
    result = []
    for match in _AUTO_ENTITY.finditer(text):
        kind = match.lastgroup
        result.append(
            {
                "type": kind,
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return result
