"""Test-side actors: users who talk to the bot and groups the bot lives in."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .admin import chat_member
from .messages import image_size
from .models import CallbackAnswer, SentMessage
from .state import BotState, Chat
from .textparse import auto_entities

if TYPE_CHECKING:
    from .api import FakeBotAPI

# Smallest well-formed stand-ins for media the tests do not care about.
TINY_WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
TINY_OGG = b"OggS\x00\x02" + bytes(20)


class _Conversation:
    """What users and groups share: a chat, its bot messages, sending and pressing."""

    api: FakeBotAPI
    chat: Chat

    @property
    def state(self) -> BotState:
        return self.api.state

    @property
    def messages(self) -> list[SentMessage]:
        """All bot messages in this chat, in order (edits applied, deleted ones flagged)."""
        return list(self.chat.bot_messages)

    @property
    def last(self) -> SentMessage | None:
        return self.chat.bot_messages[-1] if self.chat.bot_messages else None

    async def replies(self, timeout: float = 5.0) -> list[SentMessage]:  # noqa: ASYNC109 (the brief's API)
        """Wait until settled, then the visible bot messages sent here since the last action."""
        await self.api.settled(timeout)
        return [m for m in self.chat.bot_messages if m.seq > self.chat.cursor and not m.deleted]

    def _post(self, sender: dict, content: dict, reply_to: SentMessage | int | None = None) -> dict:
        state = self.state
        if self.chat.blocked:
            raise AssertionError(
                f"{sender['first_name']} blocked the bot; call unblock_bot() first"
            )
        if self.chat.is_group and self.chat.bot_status in ("left", "kicked"):
            raise AssertionError(
                f"the bot is not in {self.chat.info['title']!r}; await group.add_bot(by=user) first"
            )
        message: dict[str, Any] = {
            "message_id": state.next_message_id(),
            "from": sender,
            "chat": self.chat.info,
            "date": state.now(),
            **content,
        }
        if reply_to is not None:
            reply_id = reply_to.message_id if isinstance(reply_to, SentMessage) else reply_to
            target = state.message(self.chat, reply_id, "message to be replied not found")
            message["reply_to_message"] = (
                target.to_dict() if isinstance(target, SentMessage) else target
            )
        self.chat.messages[message["message_id"]] = message
        state.mark_user_action(self.chat)
        return state.enqueue({"message": message})

    def _edit(self, sender: dict, message: dict | int, text: str) -> dict:
        """The sender edits their own text message: an ``edited_message`` update with the new text.

        ``message`` is the update (or message, or message id) that ``send`` returned. As Telegram
        does, the update carries the whole message as it now reads, with ``edit_date`` set; an edit
        of a message since deleted is sent all the same (the client may not know yet).
        """
        if isinstance(message, dict):
            message = message.get("message", message)["message_id"]
        original = self.chat.messages.get(message)
        if not isinstance(original, dict):
            raise AssertionError(f"no user message {message} in this chat to edit")
        if original["from"]["id"] != sender["id"]:
            raise AssertionError("only the sender of a message can edit it")
        if "text" not in original:
            raise AssertionError("only text messages can be edited this way")
        edited = {**original, "text": text, "edit_date": self.state.now()}
        edited.pop("entities", None)
        entities = auto_entities(text)
        if entities:
            edited["entities"] = entities
        self.chat.messages[edited["message_id"]] = edited
        self.state.mark_user_action(self.chat)
        return self.state.enqueue({"edited_message": edited})

    def _text(self, sender: dict, text: str, reply_to) -> dict:
        content: dict[str, Any] = {"text": text}
        entities = auto_entities(text)
        if entities:
            content["entities"] = entities
        return self._post(sender, content, reply_to)

    def _photo(self, sender: dict, data: bytes, caption: str | None, **extra) -> dict:
        width, height = image_size(data)
        scale = 90 / max(width, height, 1)
        thumb_w, thumb_h = max(int(width * scale), 1), max(int(height * scale), 1)
        thumb = self.state.store_file(
            data, "photos", None, mime_type="image/jpeg", width=thumb_w, height=thumb_h
        )
        full = self.state.store_file(
            data, "photos", None, mime_type="image/jpeg", width=width, height=height
        )
        # Telegram lists every size, smallest first; bots usually take photo[-1].
        content: dict[str, Any] = {"photo": [thumb.photo_size(), full.photo_size()], **extra}
        if caption:
            content["caption"] = caption
        return self._post(sender, content)

    def _document(
        self,
        sender: dict,
        data: bytes,
        file_name: str,
        mime_type: str | None,
        caption: str | None,
        size_stated: bool = True,
    ) -> dict:
        import mimetypes

        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self.state.store_file(
            data, "documents", file_name, mime_type=mime, size_stated=size_stated
        )
        content: dict[str, Any] = {"document": stored.document()}
        if caption:
            content["caption"] = caption
        return self._post(sender, content)

    def _press(
        self,
        user: FakeUser,
        text: str | None,
        callback_data: str | None,
        message: SentMessage | None,
    ) -> dict:
        if text is None and callback_data is None:
            raise TypeError("press() needs the button text or callback_data")
        candidates = (
            [message] if message else [m for m in reversed(self.chat.bot_messages) if not m.deleted]
        )
        button = None
        for candidate in candidates:
            button = candidate.find_button(text, callback_data)
            if button is not None:
                break
        if button is None and message is not None and text is None and callback_data is not None:
            # A forged or stale press: tests of the bot's defences send data no button has.
            candidate, button = message, {"text": "", "callback_data": callback_data}
        if button is None:
            shown = [(m.message_id, m.buttons) for m in self.chat.bot_messages[-5:]]
            raise AssertionError(
                f"no button text={text!r} callback_data={callback_data!r} in this chat; "
                f"recent keyboards (message_id, rows): {shown}"
            )
        if "callback_data" not in button:
            raise AssertionError(f"button {button!r} sends no callback query (url/other button)")
        query_id = str(secrets.randbits(62))
        self.state.callback_queries[query_id] = {"user_id": user.id, "answered": False}
        user.callback_query_ids.append(query_id)
        self.state.mark_user_action(self.chat)
        return self.state.enqueue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.user,
                    "message": candidate.to_dict(),
                    "chat_instance": str(abs(self.chat.id) * 7919 % 10**18),
                    "data": button["callback_data"],
                }
            }
        )


class FakeUser(_Conversation):
    """A Telegram user; everything they do happens in their private chat with the bot."""

    def __init__(self, api: FakeBotAPI, user: dict):
        self.api = api
        self.user = user
        self.chat = api.state.add_user(user)
        self.callback_query_ids: list[str] = []

    id = property(lambda self: self.user["id"])
    first_name = property(lambda self: self.user["first_name"])
    username = property(lambda self: self.user.get("username"))
    language_code = property(lambda self: self.user.get("language_code"))

    def __repr__(self) -> str:
        return f"<FakeUser {self.first_name} id={self.id}>"

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self.state.callback_answers.get(self.id, []))

    async def send(self, text: str, *, reply_to: SentMessage | int | None = None) -> dict:
        """A text (or /command) message in the private chat; returns the update."""
        return self._text(self.user, text, reply_to)

    async def press(
        self,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message: SentMessage | None = None,
    ) -> dict:
        """Press an inline button on the newest bot message that has it (or on ``message``).

        ``press(callback_data=..., message=m)`` sends the data even if ``m`` has no such
        button, as a forged or stale client would.
        """
        return self._press(self, text, callback_data, message)

    async def edit(self, message: dict | int, text: str) -> dict:
        """Edit a text message this user sent (pass what ``send`` returned, or its message id)."""
        return self._edit(self.user, message, text)

    async def send_photo(self, data: bytes, caption: str | None = None) -> dict:
        return self._photo(self.user, data, caption)

    async def send_album(self, photos: list[bytes], caption: str | None = None) -> list[dict]:
        """One update per photo sharing a media_group_id; the caption rides on the first."""
        group_id = str(secrets.randbits(60))
        return [
            self._photo(self.user, data, caption if i == 0 else None, media_group_id=group_id)
            for i, data in enumerate(photos)
        ]

    async def send_document(
        self,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        *,
        size_stated: bool = True,
    ) -> dict:
        """``size_stated=False``: the update and getFile leave file_size out, as Telegram may."""
        return self._document(self.user, data, file_name, mime_type, caption, size_stated)

    async def send_location(self, latitude: float, longitude: float) -> dict:
        return self._post(self.user, {"location": {"latitude": latitude, "longitude": longitude}})

    async def send_sticker(self, emoji: str = "👍") -> dict:
        stored = self.state.store_file(
            TINY_WEBP, "stickers", None, mime_type="image/webp", width=512, height=512
        )
        sticker = {
            **stored.photo_size(),
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
        }
        return self._post(self.user, {"sticker": sticker})

    async def send_voice(self, data: bytes = TINY_OGG, duration: int = 2) -> dict:
        stored = self.state.store_file(data, "voice", None, mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
        return self._post(self.user, {"voice": voice})

    def block_bot(self) -> dict:
        """Block the bot: sends then fail with 403, and the bot gets a my_chat_member update."""
        self.chat.blocked = True
        return self._status_update("member", "kicked")

    def unblock_bot(self) -> dict:
        self.chat.blocked = False
        return self._status_update("kicked", "member")

    def _status_update(self, old: str, new: str) -> dict:
        bot = self.state.bot_user
        return self.state.enqueue(
            {
                "my_chat_member": {
                    "chat": self.chat.info,
                    "from": self.user,
                    "date": self.state.now(),
                    "old_chat_member": chat_member(bot, old),
                    "new_chat_member": chat_member(bot, new),
                }
            }
        )


class FakeGroup(_Conversation):
    """A group or supergroup; users act in it via ``group.send(user, ...)``."""

    def __init__(self, api: FakeBotAPI, title: str, supergroup: bool, chat_id: int | None):
        self.api = api
        self.chat = api.state.add_group(title, supergroup, chat_id)

    id = property(lambda self: self.chat.id)
    title = property(lambda self: self.chat.info["title"])
    type = property(lambda self: self.chat.type)

    def __repr__(self) -> str:
        return f"<FakeGroup {self.title} id={self.id}>"

    def set_admin(self, user: FakeUser) -> None:
        self.chat.member_status[user.id] = "administrator"

    def set_creator(self, user: FakeUser) -> None:
        self.chat.member_status[user.id] = "creator"

    def set_member(self, user: FakeUser, status: str = "member") -> None:
        """Any ChatMember status: member, restricted, left, kicked, administrator, creator."""
        self.chat.member_status[user.id] = status

    async def add_bot(self, by: FakeUser, *, as_admin: bool = False) -> list[dict]:
        """Someone adds the bot: a my_chat_member update, then the new_chat_members message."""
        new = "administrator" if as_admin else "member"
        first = self._bot_status(by, new)
        second = self._post(by.user, {"new_chat_members": [self.state.bot_user]})
        return [first, second]

    async def remove_bot(self, by: FakeUser) -> dict:
        # Basic groups report "left", supergroups "kicked" for a removed member.
        return self._bot_status(by, "kicked" if self.chat.type == "supergroup" else "left")

    async def promote_bot(self, by: FakeUser) -> dict:
        return self._bot_status(by, "administrator")

    def _bot_status(self, by: FakeUser, new: str) -> dict:
        old, self.chat.bot_status = self.chat.bot_status, new
        bot = self.state.bot_user
        self.state.mark_user_action(self.chat)
        return self.state.enqueue(
            {
                "my_chat_member": {
                    "chat": self.chat.info,
                    "from": by.user,
                    "date": self.state.now(),
                    "old_chat_member": chat_member(bot, old),
                    "new_chat_member": chat_member(bot, new),
                }
            }
        )

    async def add_member(self, user: FakeUser, by: FakeUser | None = None) -> dict:
        self.chat.member_status.pop(user.id, None)
        return self._post((by or user).user, {"new_chat_members": [user.user]})

    async def send(
        self, user: FakeUser, text: str, *, reply_to: SentMessage | int | None = None
    ) -> dict:
        return self._text(user.user, text, reply_to)

    async def press(
        self,
        user: FakeUser,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message: SentMessage | None = None,
    ) -> dict:
        return self._press(user, text, callback_data, message)

    async def edit(self, user: FakeUser, message: dict | int, text: str) -> dict:
        """``user`` edits a text message they sent in this group."""
        return self._edit(user.user, message, text)

    async def send_photo(self, user: FakeUser, data: bytes, caption: str | None = None) -> dict:
        return self._photo(user.user, data, caption)

    async def send_document(
        self,
        user: FakeUser,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> dict:
        return self._document(user.user, data, file_name, mime_type, caption)
