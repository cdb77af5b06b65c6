"""Request decoding, the method registry and validation shared by the method modules."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import ApiError, bad_request
from .state import BotState, Chat
from .textparse import EntityParseError, parse_html, strip_text

# Parameters that arrive JSON-encoded inside form or multipart bodies.
JSON_PARAMS = {
    "reply_markup",
    "scope",
    "media",
    "entities",
    "caption_entities",
    "allowed_updates",
    "commands",
    "link_preview_options",
    "reply_parameters",
    "menu_button",
    "message_ids",
}
INT_PARAMS = {
    "offset",
    "limit",
    "message_id",
    "user_id",
    "reply_to_message_id",
    "message_thread_id",
    "cache_time",
    "max_connections",
    "from_chat_id",
    "until_date",
}
FLOAT_PARAMS = {"timeout", "latitude", "longitude"}
BOOL_PARAMS = {
    "show_alert",
    "drop_pending_updates",
    "disable_notification",
    "protect_content",
    "disable_web_page_preview",
    "allow_sending_without_reply",
    "has_spoiler",
    "disable_content_type_detection",
    "show_caption_above_media",
    "allow_paid_broadcast",
}


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    body: bytes
    content_type: str | None


Method = Callable[[BotState, dict, dict[str, Upload]], Any]
METHODS: dict[str, tuple[str, Method]] = {}  # lower-case name -> (canonical name, function)


def method(name: str) -> Callable[[Method], Method]:
    """Register a Bot API method; Telegram matches method names case-insensitively."""

    def register(fn: Method) -> Method:
        METHODS[name.lower()] = (name, fn)
        return fn

    return register


def coerce(params: dict[str, Any]) -> dict[str, Any]:
    """Turn string form values into the JSON types Telegram would see."""
    result: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in JSON_PARAMS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise bad_request(f"can't parse {key} JSON object") from None
            elif key in INT_PARAMS or key == "chat_id":
                value = _maybe_int(value)
            elif key in FLOAT_PARAMS:
                try:
                    value = float(value)
                except ValueError:
                    pass
            elif key in BOOL_PARAMS:
                value = value.lower() in ("true", "1")
        result[key] = value
    return result


def _maybe_int(value: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        return value


def as_int(params: dict, key: str, missing: str) -> int:
    value = params.get(key)
    if value in (None, ""):
        raise bad_request(missing)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(missing) from None


def formatted(text: Any, parse_mode: Any, entities: Any = None) -> tuple[str, list[dict]]:
    """Apply parse_mode like Telegram: returns the visible text and its entities."""
    text = "" if text is None else str(text)
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            plain, found = parse_html(text)
        except EntityParseError as err:
            raise bad_request(f"can't parse entities: {err}") from None
    else:
        # Markdown modes are not interpreted; the raw text is what the fake shows.
        plain, found = text, list(entities or [])
    return strip_text(plain, found)


def validate_markup(markup: Any) -> dict | None:
    """Check an inline keyboard the way Telegram does (callback_data is 1-64 bytes)."""
    if markup in (None, "", {}):
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            if "callback_data" in button:
                data = str(button["callback_data"])
                if not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif len(button) == 1:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
    return markup


def reply_target(state: BotState, chat: Chat, params: dict) -> int | None:
    """Resolve reply_parameters / reply_to_message_id to an existing message id."""
    reply = params.get("reply_parameters") or {}
    message_id = reply.get("message_id", params.get("reply_to_message_id"))
    if message_id in (None, ""):
        return None
    allow_missing = reply.get(
        "allow_sending_without_reply", params.get("allow_sending_without_reply")
    )
    try:
        found = state.message(chat, message_id, "message to be replied not found")
    except ApiError:
        if allow_missing:
            return None
        raise
    return found.message_id if hasattr(found, "message_id") else found["message_id"]


def check_rate(state: BotState, chat: Chat, count: int = 1) -> None:
    if state.limiter:
        state.limiter.check(chat.id, chat.is_group, count)


def count_rate(state: BotState, chat: Chat, count: int = 1) -> None:
    if state.limiter:
        state.limiter.record(chat.id, chat.is_group, count)
