"""Everything the fake Telegram knows: users, chats, messages, files, the update queue."""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .models import (
    ApiError,
    Call,
    CallbackAnswer,
    Limits,
    RateLimiter,
    SentMessage,
    StoredFile,
    bad_request,
    forbidden,
)


@dataclass
class Chat:
    """A chat as the fake sees it; ``info`` is the Telegram Chat object sent in updates."""

    id: int
    type: str  # private | group | supergroup
    info: dict
    bot_status: str = "member"  # the bot's own membership: member | administrator | left | kicked
    blocked: bool = False  # private chats: the user blocked the bot
    member_status: dict[int, str] = field(default_factory=dict)  # user id -> status override
    bot_messages: list[SentMessage] = field(default_factory=list)
    messages: dict[int, dict | SentMessage] = field(default_factory=dict)  # every message by id
    deleted: set[int] = field(default_factory=set)
    cursor: int = 0  # seq of the last bot message before the latest user action here

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


def is_deleted(chat: Chat, message: dict | SentMessage) -> bool:
    message_id = message.message_id if isinstance(message, SentMessage) else message["message_id"]
    return message_id in chat.deleted


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


class BotState:
    """Shared state between the HTTP server, the method implementations and the test side."""

    def __init__(self, token: str, bot_username: str, bot_first_name: str, limits: Limits | None):
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.users: dict[int, dict] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.menu_buttons: dict[int | None, dict] = {}
        self.pending: list[dict] = []  # updates not yet confirmed (polling) or delivered (webhook)
        self.dropped_updates: list[dict] = []  # webhook deliveries given up on
        self.last_offset: int | None = None
        self._handed_out: set[int] = set()  # id() of pending updates already returned
        self.last_get_updates_at: float | None = None
        self.webhook: Webhook | None = None
        self.poller: object | None = None  # token of the live getUpdates long poll
        self.allowed_updates: set[str] = set()  # empty: Telegram's default set
        self.requests: list[Call] = []
        self.in_flight: list[Call] = []  # excludes getUpdates, which just waits
        # Methods held at the door (api.hold): their requests wait unanswered and unrecorded, as if
        # they had not reached Telegram yet; a client that dies meanwhile has sent nothing.
        self.holds: dict[str, asyncio.Event] = {}
        self.message_listeners: list = []  # called with each new bot message (benchmarks' drivers)
        self.held: list[str] = []
        # Methods Telegram is slow to answer (api.delay): seconds each request takes, in flight.
        self.delays: dict[str, float] = {}
        self.sent: list[SentMessage] = []
        self.callback_queries: dict[str, dict] = {}  # query id -> {"user_id", "answered"}
        self.callback_answers: dict[int, list[CallbackAnswer]] = {}
        self.answered_queries: dict[str, dict] = {}
        self.limiter = RateLimiter(limits) if limits else None
        self.count_429 = 0
        self.server_errors: list[str] = []  # tracebacks of bugs in the fake itself
        self.closed = False
        self._last_update_id = 0
        self._message_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(1)
        self._changed = asyncio.Event()

    # -- change notification ---------------------------------------------------------------

    def notify(self) -> None:
        """Wake everyone waiting for a state change (long polls, webhook sender, wait_for)."""
        self._changed.set()
        self._changed = asyncio.Event()

    def change_event(self) -> asyncio.Event:
        return self._changed

    # -- ids ---------------------------------------------------------------------------------

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def next_seq(self) -> int:
        return next(self._seq)

    def next_user_id(self) -> int:
        user_id = next(self._user_ids)
        while user_id in self.users:
            user_id = next(self._user_ids)
        return user_id

    def next_group_id(self, supergroup: bool) -> int:
        n = next(self._group_ids)
        return -(1_000_000_000_000 + n) if supergroup else -(4_000_000_000 + n)

    @staticmethod
    def now() -> int:
        return int(time.time())

    # -- chats -------------------------------------------------------------------------------

    def chat(self, chat_id: Any) -> Chat:
        """Look up a chat by id or @username the way Telegram does, else 400 chat not found."""
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                for chat in self.chats.values():
                    if chat.info.get("username", "").lower() == chat_id[1:].lower():
                        return chat
                raise bad_request("chat not found")
            try:
                chat_id = int(chat_id)
            except ValueError:
                raise bad_request("chat not found") from None
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, chat_id: Any) -> Chat:
        """A chat the bot may post into, else the 403 Telegram would answer."""
        chat = self.chat(chat_id)
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if chat.is_group and chat.bot_status == "kicked":
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise forbidden(f"bot was kicked from the {kind} chat")
        if chat.is_group and chat.bot_status == "left":
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise forbidden(f"bot is not a member of the {kind} chat")
        return chat

    def add_user(self, user: dict) -> Chat:
        self.users[user["id"]] = user
        info = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                info[key] = user[key]
        chat = Chat(id=user["id"], type="private", info=info)
        self.chats[chat.id] = chat
        return chat

    def add_group(self, title: str, supergroup: bool, chat_id: int | None) -> Chat:
        chat_id = chat_id if chat_id is not None else self.next_group_id(supergroup)
        kind = "supergroup" if supergroup else "group"
        info = {"id": chat_id, "type": kind, "title": title}
        chat = Chat(id=chat_id, type=kind, info=info, bot_status="left")
        self.chats[chat_id] = chat
        return chat

    def message(self, chat: Chat, message_id: Any, missing: str) -> dict | SentMessage:
        try:
            found = chat.messages.get(int(message_id))
        except (TypeError, ValueError):
            found = None
        if found is None or is_deleted(chat, found):
            raise bad_request(missing)
        return found

    def record_bot_message(self, chat: Chat, message: SentMessage) -> SentMessage:
        message.seq = self.next_seq()
        chat.messages[message.message_id] = message
        chat.bot_messages.append(message)
        self.sent.append(message)
        for listener in self.message_listeners:
            listener(message)
        return message

    def mark_user_action(self, chat: Chat) -> None:
        """Remember where replies() starts for this chat: after the bot messages so far."""
        chat.cursor = chat.bot_messages[-1].seq if chat.bot_messages else 0

    # -- files -------------------------------------------------------------------------------

    def store_file(
        self, data: bytes | None, kind: str, file_name: str | None = None, **extra: Any
    ) -> StoredFile:
        n = next(self._file_ids)
        ext = (file_name or "").rsplit(".", 1)[-1] if file_name and "." in file_name else None
        ext = ext or {"photos": "jpg", "voice": "oga", "stickers": "webp"}.get(kind, "bin")
        stored = StoredFile(
            file_id=f"{kind[:3].upper()}{n:06d}-{secrets.token_hex(6)}",
            file_unique_id=f"U{n:06d}",
            data=data,
            file_path=f"{kind}/file_{n}.{ext}",
            file_name=file_name,
            **extra,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # -- updates -----------------------------------------------------------------------------

    def enqueue(self, update: dict) -> dict:
        """Queue an update for the bot; assigns a fresh update_id unless it has one."""
        if "update_id" not in update:
            self._last_update_id += 1
            update = {"update_id": self._last_update_id, **update}
        # Fresh ids stay above any id a test injected or redelivered by hand.
        self._last_update_id = max(self._last_update_id, update["update_id"])
        # Keep the queue in update_id order: a redelivered old update goes before newer ones,
        # so a client that confirms "last id + 1" never skips or duplicates anything.
        index = len(self.pending)
        while index and self.pending[index - 1]["update_id"] > update["update_id"]:
            index -= 1
        self.pending.insert(index, update)
        self.notify()
        return update

    def hand_out(self, limit: int) -> list[dict]:
        batch = self.pending[:limit]
        self._handed_out.update(id(u) for u in batch)
        return batch

    def confirm(self, offset: int) -> None:
        """getUpdates(offset): forget every update with a smaller id, as Telegram does.

        Only updates the client has actually been given count, so a test's redeliver() of an
        old update_id still reaches a bot whose offset is already past it.
        """
        if offset < 0:
            keep = -offset
            dropped = self.pending[:-keep] if keep < len(self.pending) else []
        else:
            dropped = [
                u for u in self.pending if u["update_id"] < offset and id(u) in self._handed_out
            ]
        self.remove_pending(dropped)
        self.last_offset = offset

    def remove_pending(self, updates: list[dict]) -> None:
        gone = {id(u) for u in updates}
        if gone:
            self.pending = [u for u in self.pending if id(u) not in gone]
            self._handed_out -= gone
            self.notify()

    def unsettled_reason(self) -> str | None:
        """None when settled; otherwise why not (used by settled() and its error message)."""
        parts = []
        if self.pending:
            ids = [u["update_id"] for u in self.pending]
            verb = "undelivered (webhook)" if self.webhook else "unconfirmed"
            parts.append(f"{verb} update ids {ids}")
        if self.in_flight:
            parts.append(f"requests in flight: {[c.method for c in self.in_flight]}")
        return "; ".join(parts) or None

    # -- commands ----------------------------------------------------------------------------

    def scope_key(self, scope: Any) -> str:
        scope = scope or {"type": "default"}
        if isinstance(scope, str):
            scope = json.loads(scope)
        scope = dict(scope)
        for key in ("chat_id", "user_id"):
            if key in scope:
                if key == "chat_id":
                    scope[key] = self.chat(scope[key]).id
                else:
                    scope[key] = int(scope[key])
        return json.dumps(scope, sort_keys=True)

    # -- errors ------------------------------------------------------------------------------

    def count_rejection(self, error: ApiError) -> None:
        if error.code == 429:
            self.count_429 += 1
