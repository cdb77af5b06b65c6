"""Plain records the fake keeps: calls, sent messages, files, rate limits and API errors."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class ApiError(Exception):
    """A Bot API error response; the server turns it into {"ok": false, ...}."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


@dataclass
class Call:
    """One HTTP call the bot made; status/description are filled in when it is answered."""

    method: str
    params: dict
    at: float  # time.monotonic() when the request arrived
    status: int | None = None
    description: str | None = None

    def __repr__(self) -> str:
        brief = {k: v for k, v in self.params.items() if k not in ("reply_markup",)}
        shown = repr(brief)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        outcome = "…" if self.status is None else str(self.status)
        if self.description:
            outcome += f" {self.description}"
        return f"Call({self.method} {shown} -> {outcome})"


class CallbackAnswer(NamedTuple):
    """What the bot answered to one button press (answerCallbackQuery)."""

    text: str | None
    show_alert: bool


@dataclass
class StoredFile:
    """A file known to the fake, uploaded by a user or by the bot."""

    file_id: str
    file_unique_id: str
    data: bytes | None
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    url: str | None = None  # when the bot sent a file by URL the fake cannot fetch
    size_stated: bool = True  # False: Telegram left file_size out (it may, in messages and getFile)
    served: int = 0  # bytes of it written to downloaders (what a client read, plus socket buffers)

    @property
    def size(self) -> int:
        return len(self.data or b"")

    def photo_size(self, width: int | None = None, height: int | None = None) -> dict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": width or self.width or 0,
            "height": height or self.height or 0,
            "file_size": self.size,
        }

    def document(self) -> dict:
        doc = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if not self.size_stated:
            del doc["file_size"]
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent; edits are applied in place and the old texts kept in ``edits``."""

    message_id: int
    chat_id: int
    text: str  # plain text as the user sees it (the caption for media messages)
    html: str | None  # the raw text/caption the bot sent, markup included
    parse_mode: str | None
    entities: list[dict]
    reply_markup: dict | None
    date: int
    chat: dict
    sender: dict
    kind: str = "text"  # text | photo | document
    file: StoredFile | None = None
    media_group_id: str | None = None
    reply_to_message_id: int | None = None
    params: dict = field(default_factory=dict)
    edits: list[str] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None
    seq: int = 0

    @property
    def caption(self) -> str | None:
        return self.text if self.kind != "text" else None

    @property
    def photo(self) -> list[dict] | None:
        if self.kind != "photo" or self.file is None:
            return None
        return [self.file.photo_size()]

    @property
    def document(self) -> dict | None:
        if self.kind != "document" or self.file is None:
            return None
        return self.file.document()

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard as rows of (text, callback_data or url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [(b.get("text", ""), b.get("callback_data", b.get("url"))) for b in row] for row in rows
        ]

    @property
    def button_texts(self) -> list[str]:
        return [text for row in self.buttons for text, _ in row]

    def find_button(self, text: str | None = None, callback_data: str | None = None) -> dict | None:
        for row in (self.reply_markup or {}).get("inline_keyboard") or []:
            for button in row:
                if text is not None and button.get("text") != text:
                    continue
                if callback_data is not None and button.get("callback_data") != callback_data:
                    continue
                return button
        return None

    def to_dict(self) -> dict:
        """The message as Telegram returns it from send* and embeds it in callback queries."""
        msg: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        key = "text" if self.kind == "text" else "caption"
        if self.kind == "photo":
            msg["photo"] = self.photo
        elif self.kind == "document":
            msg["document"] = self.document
        if self.text or self.kind == "text":
            msg[key] = self.text
        if self.entities:
            msg["entities" if key == "text" else "caption_entities"] = self.entities
        if self.media_group_id:
            msg["media_group_id"] = self.media_group_id
        if self.edit_date:
            msg["edit_date"] = self.edit_date
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            msg["reply_markup"] = self.reply_markup
        return msg

    def __repr__(self) -> str:
        flags = " deleted" if self.deleted else ""
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        extra = f" buttons={self.button_texts}" if self.button_texts else ""
        kind = "" if self.kind == "text" else f" {self.kind}"
        return f"<SentMessage #{self.message_id} chat={self.chat_id}{kind}{flags} {shown!r}{extra}>"


@dataclass(frozen=True)
class Limits:
    """Telegram's flood limits; counted over sliding windows of monotonic time."""

    per_bot_per_second: int = 30
    per_chat_per_second: int = 1
    per_group_per_minute: int = 20


class RateLimiter:
    """Sliding-window counters; check() raises 429 without counting, record() counts."""

    def __init__(self, limits: Limits, clock=time.monotonic):
        self.limits = limits
        self.clock = clock
        self._windows: dict[tuple, deque[float]] = {}

    def _rules(self, chat_id: int, is_group: bool) -> list[tuple[tuple, int, float]]:
        rules = [(("bot",), self.limits.per_bot_per_second, 1.0)]
        if is_group:
            rules.append((("group", chat_id), self.limits.per_group_per_minute, 60.0))
        else:
            rules.append((("chat", chat_id), self.limits.per_chat_per_second, 1.0))
        return rules

    def check(self, chat_id: int, is_group: bool, count: int = 1) -> None:
        now = self.clock()
        wait = 0.0
        for key, limit, window in self._rules(chat_id, is_group):
            stamps = self._windows.setdefault(key, deque())
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if len(stamps) + count > limit:
                # The window frees up when enough of the oldest calls have aged out.
                index = min(len(stamps) + count - limit - 1, len(stamps) - 1)
                wait = max(wait, stamps[index] + window - now) if index >= 0 else max(wait, window)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def record(self, chat_id: int, is_group: bool, count: int = 1) -> None:
        now = self.clock()
        for key, _limit, _window in self._rules(chat_id, is_group):
            self._windows.setdefault(key, deque()).extend([now] * count)
