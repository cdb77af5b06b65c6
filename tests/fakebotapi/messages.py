"""Bot API methods that send, edit and delete messages, and the file/callback methods."""

from __future__ import annotations

import mimetypes
import struct
import uuid

from .models import ApiError, CallbackAnswer, SentMessage, StoredFile, bad_request
from .params import (
    Upload,
    as_int,
    check_rate,
    count_rate,
    formatted,
    method,
    reply_target,
    validate_markup,
)
from .state import BotState, Chat

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG/GIF/JPEG header; a plausible default otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return 800, 600


def _new_message(
    state: BotState, chat: Chat, params: dict, kind: str, text_key: str, limit: int, **extra
) -> SentMessage:
    raw = params.get(text_key)
    text, entities = formatted(
        raw,
        params.get("parse_mode"),
        params.get("entities" if text_key == "text" else "caption_entities"),
    )
    if kind == "text" and not text:
        raise bad_request("message text is empty")
    if len(text) > limit:
        raise bad_request(
            "message is too long" if kind == "text" else "message caption is too long"
        )
    return SentMessage(
        message_id=0,
        chat_id=chat.id,
        text=text,
        html=None if raw is None else str(raw),
        parse_mode=params.get("parse_mode"),
        entities=entities,
        reply_markup=validate_markup(params.get("reply_markup")),
        date=state.now(),
        chat=chat.info,
        sender=state.bot_user,
        kind=kind,
        reply_to_message_id=reply_target(state, chat, params),
        params=params,
        **extra,
    )


def _commit(state: BotState, chat: Chat, message: SentMessage) -> dict:
    message.message_id = state.next_message_id()
    state.record_bot_message(chat, message)
    return message.to_dict()


@method("sendMessage")
def send_message(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    chat = state.writable_chat(params.get("chat_id"))
    message = _new_message(state, chat, params, "text", "text", TEXT_LIMIT)
    check_rate(state, chat)
    count_rate(state, chat)
    return _commit(state, chat, message)


def _input_file(
    state: BotState, value, files: dict[str, Upload], field: str, kind: str
) -> StoredFile:
    """Resolve an uploaded part, attach://name, a known file_id, or a URL."""
    upload = files.get(field)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = files.get(value[len("attach://") :])
    if upload is not None:
        mime = upload.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(upload.filename or "")[0] or mime
        extra: dict = {"mime_type": mime}
        if kind == "photos":
            extra["width"], extra["height"] = image_size(upload.body)
        return state.store_file(upload.body, kind, upload.filename, **extra)
    if not value:
        raise bad_request(f"there is no {field} in the request")
    if isinstance(value, str) and value in state.files:
        return state.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return state.store_file(None, kind, value.rsplit("/", 1)[-1] or None, url=value)
    raise bad_request("wrong file identifier/HTTP URL specified")


@method("sendPhoto")
def send_photo(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    chat = state.writable_chat(params.get("chat_id"))
    stored = _input_file(state, params.get("photo"), files, "photo", "photos")
    message = _new_message(state, chat, params, "photo", "caption", CAPTION_LIMIT, file=stored)
    check_rate(state, chat)
    count_rate(state, chat)
    return _commit(state, chat, message)


@method("sendDocument")
def send_document(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    chat = state.writable_chat(params.get("chat_id"))
    stored = _input_file(state, params.get("document"), files, "document", "documents")
    message = _new_message(state, chat, params, "document", "caption", CAPTION_LIMIT, file=stored)
    check_rate(state, chat)
    count_rate(state, chat)
    return _commit(state, chat, message)


@method("sendMediaGroup")
def send_media_group(state: BotState, params: dict, files: dict[str, Upload]) -> list[dict]:
    chat = state.writable_chat(params.get("chat_id"))
    media = params.get("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("media must be an array of 2-10 InputMedia objects")
    group_id = str(uuid.uuid4().int % 10**18)
    messages = []
    for item in media:
        kind = item.get("type")
        if kind not in ("photo", "document"):
            raise bad_request(f"unsupported media type {kind!r} in the fake")
        folder = "photos" if kind == "photo" else "documents"
        stored = _input_file(state, item.get("media"), files, "media", folder)
        item_params = {**params, **item, "reply_markup": None}
        messages.append(
            _new_message(
                state,
                chat,
                item_params,
                kind,
                "caption",
                CAPTION_LIMIT,
                file=stored,
                media_group_id=group_id,
            )
        )
    check_rate(state, chat, len(messages))
    count_rate(state, chat, len(messages))
    return [_commit(state, chat, m) for m in messages]


def _editable(state: BotState, params: dict) -> tuple[Chat, SentMessage]:
    if params.get("inline_message_id"):
        raise bad_request("inline messages are not supported by the fake")
    chat = state.chat(params.get("chat_id"))
    message = state.message(chat, params.get("message_id"), "message to edit not found")
    if not isinstance(message, SentMessage):
        raise bad_request("message can't be edited")
    return chat, message


def _apply_edit(
    state: BotState,
    chat: Chat,
    message: SentMessage,
    text: str | None,
    html: str | None,
    entities: list[dict] | None,
    markup: dict | None,
) -> dict:
    check_rate(state, chat)
    count_rate(state, chat)
    if text is not None:
        message.edits.append(message.text)
        message.text, message.html, message.entities = text, html, entities or []
    message.reply_markup = markup
    message.edit_date = state.now()
    state.notify()
    return message.to_dict()


def _same_markup(a: dict | None, b: dict | None) -> bool:
    # Telegram treats "no keyboard" and an empty inline keyboard alike.
    return ((a or {}).get("inline_keyboard") or None) == ((b or {}).get("inline_keyboard") or None)


def _refuse_unchanged(message, text: str, entities, markup) -> None:
    """Telegram refuses an edit that changes nothing (text, entities and keyboard all the same)."""
    if text == message.text and entities == message.entities and _same_markup(markup, message.reply_markup):
        raise bad_request(NOT_MODIFIED)


@method("editMessageText")
def edit_message_text(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    chat, message = _editable(state, params)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted(params.get("text"), params.get("parse_mode"), params.get("entities"))
    if not text:
        raise bad_request("message text is empty")
    if len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    markup = validate_markup(params.get("reply_markup"))
    _refuse_unchanged(message, text, entities, markup)
    return _apply_edit(state, chat, message, text, params.get("text"), entities, markup)


@method("editMessageCaption")
def edit_message_caption(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    chat, message = _editable(state, params)
    if message.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    text, entities = formatted(
        params.get("caption"), params.get("parse_mode"), params.get("caption_entities")
    )
    if len(text) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    markup = validate_markup(params.get("reply_markup"))
    _refuse_unchanged(message, text, entities, markup)
    return _apply_edit(state, chat, message, text, params.get("caption"), entities, markup)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    chat, message = _editable(state, params)
    markup = validate_markup(params.get("reply_markup"))
    if _same_markup(markup, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    return _apply_edit(state, chat, message, None, None, None, markup)


@method("deleteMessage")
def delete_message(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    chat = state.chat(params.get("chat_id"))
    message = state.message(chat, params.get("message_id"), "message to delete not found")
    chat.deleted.add(as_int(params, "message_id", "message identifier is not specified"))
    if isinstance(message, SentMessage):
        message.deleted = True
    state.notify()
    return True


@method("deleteMessages")
def delete_messages(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    chat = state.chat(params.get("chat_id"))
    for message_id in params.get("message_ids") or []:
        try:
            delete_message(state, {"chat_id": chat.id, "message_id": message_id}, files)
        except ApiError:
            pass  # Telegram silently skips messages it cannot delete here
    return True


@method("sendChatAction")
def send_chat_action(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    state.writable_chat(params.get("chat_id"))
    if not params.get("action"):
        raise bad_request("action is empty")
    return True


@method("getFile")
def get_file(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    stored = state.files.get(str(params.get("file_id") or ""))
    if stored is None:
        raise bad_request("invalid file_id")
    found = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
    if not stored.size_stated:
        del found["file_size"]
    return found


@method("answerCallbackQuery")
def answer_callback_query(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    query_id = str(params.get("callback_query_id") or "")
    query = state.callback_queries.get(query_id)
    if query is None or query["answered"]:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    query["answered"] = True
    answer = CallbackAnswer(params.get("text"), bool(params.get("show_alert", False)))
    state.callback_answers.setdefault(query["user_id"], []).append(answer)
    state.answered_queries[query_id] = dict(params)
    state.notify()
    return True
