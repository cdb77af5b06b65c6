"""All handlers, declared in one place. Order matters: the first matching handler in a group wins."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import admin, fallback, groups, onboarding


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    grouped = filters.ChatType.GROUPS
    application.add_handlers(
        [
            CommandHandler("start", onboarding.start, filters=private),
            CommandHandler("help", onboarding.help_command),
            CommandHandler("lang", onboarding.lang_command),
            CommandHandler("invite", admin.invite, filters=private),
            CommandHandler("units", admin.units_command, filters=private),
            CommandHandler("bind", groups.bind),
            CommandHandler("unbind", groups.unbind, filters=grouped),
            CallbackQueryHandler(onboarding.lang_chosen, pattern=r"^lang:"),
            CallbackQueryHandler(admin.invite_role_chosen, pattern=r"^inv:"),
            CallbackQueryHandler(groups.bind_chosen, pattern=r"^bind:"),
            ChatMemberHandler(groups.bot_added, ChatMemberHandler.MY_CHAT_MEMBER),
            # Last: anything unclaimed above.
            CallbackQueryHandler(fallback.stale_button),
            MessageHandler(private & ~filters.StatusUpdate.ALL, fallback.unknown_message),
        ]
    )
