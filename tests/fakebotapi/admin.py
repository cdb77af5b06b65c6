"""Bot API methods about the bot itself, updates, webhooks, commands and chats."""

from __future__ import annotations

import asyncio
import re

from .models import ApiError, bad_request
from .params import Upload, as_int, method
from .state import BotState, Webhook

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
# What Telegram delivers when allowed_updates was never specified.
DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def chat_member(user: dict, status: str) -> dict:
    """A ChatMember object of the given status, with the fields PTB requires."""
    member: dict = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        rights = (
            "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
            "can_change_info can_invite_users can_post_stories can_edit_stories "
            "can_delete_stories can_pin_messages"
        ).split()
        member.update(dict.fromkeys(rights, True))
        member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _update_type(update: dict) -> str:
    return next((k for k in update if k != "update_id"), "")


@method("getMe")
def get_me(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    return {
        **state.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": True,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("getUpdates")
async def get_updates(state: BotState, params: dict, files: dict[str, Upload]) -> list[dict]:
    if state.webhook:
        raise ApiError(409, WEBHOOK_CONFLICT)
    if params.get("offset") not in (None, ""):
        state.confirm(as_int(params, "offset", "offset is invalid"))
    if params.get("allowed_updates") is not None:
        state.allowed_updates = set(params["allowed_updates"] or [])
    limit = min(max(int(params.get("limit") or 100), 1), 100)
    timeout = max(float(params.get("timeout") or 0), 0.0)
    # Telegram lets only one long poll live: a newer one ends the older with 409.
    token = object()
    state.poller = token
    state.notify()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if state.poller is not token:
            raise ApiError(409, POLL_CONFLICT)
        if state.webhook:
            raise ApiError(409, WEBHOOK_CONFLICT)
        drop_disallowed(state)
        batch = state.hand_out(limit)
        remaining = deadline - loop.time()
        if batch or remaining <= 0 or state.closed:
            return batch
        event = state.change_event()
        try:
            await asyncio.wait_for(event.wait(), remaining)
        except TimeoutError:
            pass


def drop_disallowed(state: BotState) -> None:
    allowed = state.allowed_updates
    dropped = [
        u
        for u in state.pending
        if (_update_type(u) not in allowed if allowed else _update_type(u) in DEFAULT_EXCLUDED)
    ]
    state.remove_pending(dropped)


@method("setWebhook")
def set_webhook(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    url = str(params.get("url") or "")
    if not url:
        return delete_webhook(state, params, files)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.remove_pending(list(state.pending))
    allowed = params.get("allowed_updates")
    if allowed is not None:
        state.allowed_updates = set(allowed)
    state.webhook = Webhook(
        url=url,
        secret_token=secret,
        max_connections=int(params.get("max_connections") or 40),
        allowed_updates=allowed,
    )
    state.notify()
    return True


@method("deleteWebhook")
def delete_webhook(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    state.webhook = None
    if params.get("drop_pending_updates"):
        state.remove_pending(list(state.pending))
    state.notify()
    return True


@method("getWebhookInfo")
def get_webhook_info(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    hook = state.webhook
    info: dict = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.pending),
    }
    if hook:
        info["max_connections"] = hook.max_connections
        info["ip_address"] = "127.0.0.1"
        if hook.allowed_updates is not None:
            info["allowed_updates"] = hook.allowed_updates
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


@method("close")
def close(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    return True


@method("logOut")
def log_out(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    return True


@method("setMyCommands")
def set_my_commands(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for item in commands:
        if not isinstance(item, dict) or not _COMMAND.fullmatch(str(item.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(item.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = (state.scope_key(params.get("scope")), str(params.get("language_code") or ""))
    state.commands[key] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@method("getMyCommands")
def get_my_commands(state: BotState, params: dict, files: dict[str, Upload]) -> list[dict]:
    key = (state.scope_key(params.get("scope")), str(params.get("language_code") or ""))
    return list(state.commands.get(key) or [])


@method("deleteMyCommands")
def delete_my_commands(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    key = (state.scope_key(params.get("scope")), str(params.get("language_code") or ""))
    state.commands.pop(key, None)
    return True


def member_status(state: BotState, chat_id, user_id: int) -> str:
    chat = state.chat(chat_id)
    if user_id == state.bot_id:
        return chat.bot_status if chat.is_group else ("kicked" if chat.blocked else "member")
    if user_id not in state.users:
        raise bad_request("user not found")
    if not chat.is_group:
        if user_id != chat.id:
            raise bad_request("user not found")
        return "member"
    return chat.member_status.get(user_id, "member")


@method("getChatMember")
def get_chat_member(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    user_id = as_int(params, "user_id", "user not found")
    status = member_status(state, params.get("chat_id"), user_id)
    user = state.bot_user if user_id == state.bot_id else state.users[user_id]
    return chat_member(user, status)


@method("getChatAdministrators")
def get_chat_administrators(state: BotState, params: dict, files: dict[str, Upload]) -> list:
    chat = state.chat(params.get("chat_id"))
    admins = [
        chat_member(state.users[uid], status)
        for uid, status in chat.member_status.items()
        if status in ("creator", "administrator")
    ]
    if chat.bot_status == "administrator":
        admins.append(chat_member(state.bot_user, "administrator"))
    return admins


@method("getChatMemberCount")
def get_chat_member_count(state: BotState, params: dict, files: dict[str, Upload]) -> int:
    chat = state.chat(params.get("chat_id"))
    if not chat.is_group:
        return 2
    gone = sum(1 for s in chat.member_status.values() if s in ("left", "kicked"))
    bot = 1 if chat.bot_status in ("member", "administrator") else 0
    return max(len(state.users) - gone, 0) + bot


@method("getChat")
def get_chat(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    chat = state.chat(params.get("chat_id"))
    return {
        **chat.info,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


@method("leaveChat")
def leave_chat(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    chat = state.chat(params.get("chat_id"))
    if not chat.is_group:
        raise bad_request("chat member status can't be changed in private chats")
    if chat.bot_status in ("left", "kicked"):
        raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
    old = chat.bot_status
    chat.bot_status = "left"
    # Telegram tells the bot about its own departure with a my_chat_member update.
    state.enqueue(
        {
            "my_chat_member": {
                "chat": chat.info,
                "from": state.bot_user,
                "date": state.now(),
                "old_chat_member": chat_member(state.bot_user, old),
                "new_chat_member": chat_member(state.bot_user, "left"),
            }
        }
    )
    return True


@method("setChatMenuButton")
def set_chat_menu_button(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
    chat_id = params.get("chat_id")
    key = state.chat(chat_id).id if chat_id not in (None, "") else None
    state.menu_buttons[key] = params.get("menu_button") or {"type": "default"}
    return True


@method("getChatMenuButton")
def get_chat_menu_button(state: BotState, params: dict, files: dict[str, Upload]) -> dict:
    chat_id = params.get("chat_id")
    key = state.chat(chat_id).id if chat_id not in (None, "") else None
    return state.menu_buttons.get(key) or state.menu_buttons.get(None) or {"type": "commands"}


def _accept(name: str) -> None:
    """Methods the fake only acknowledges; the calls are still recorded in api.requests."""

    def accept(state: BotState, params: dict, files: dict[str, Upload]) -> bool:
        if "chat_id" in params:
            state.chat(params["chat_id"])
        return True

    method(name)(accept)


for _name in (
    "pinChatMessage",
    "unpinChatMessage",
    "unpinAllChatMessages",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setMyDefaultAdministratorRights",
):
    _accept(_name)
