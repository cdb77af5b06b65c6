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

from handlers import (
    admin,
    assess,
    fallback,
    forms,
    groups,
    onboarding,
    people,
    problems,
    projects,
    publish,
    reminders,
)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    grouped = filters.ChatType.GROUPS
    application.add_handlers(
        [
            # First: an edited message (a command or an answer) is never acted on again.
            MessageHandler(filters.UpdateType.EDITED, forms.edited),
            CommandHandler("start", onboarding.start, filters=private),
            CommandHandler("help", onboarding.help_command),
            CommandHandler("lang", onboarding.lang_command),
            CommandHandler("invite", admin.invite, filters=private),
            CommandHandler("units", admin.units_command, filters=private),
            CommandHandler("people", people.people_command, filters=private),
            CommandHandler("selfcheck", assess.selfcheck, filters=private),
            CommandHandler("demo", assess.demonstration, filters=private),
            CommandHandler("activity", assess.record_activity, filters=private),
            CommandHandler("review", assess.review_list, filters=private),
            CommandHandler("problems", assess.problems, filters=private),
            CommandHandler("rectify", problems.rectify, filters=private),
            CommandHandler("verify", problems.verify, filters=private),
            CommandHandler("inspect", problems.inspect, filters=private),
            CommandHandler("draw", problems.draw, filters=private),
            CommandHandler("status", problems.status, filters=private),
            CommandHandler("ledger", problems.ledger, filters=private),
            CommandHandler("holidays", problems.load_holidays, filters=private),
            CommandHandler("cancel", forms.cancel, filters=private),
            CommandHandler("publish", publish.publish_help, filters=private),
            CommandHandler("call", projects.open_call, filters=private),
            CommandHandler("calls", projects.call_list, filters=private),
            CommandHandler("plan", projects.draft_plan, filters=private),
            CommandHandler("projects", projects.project_list, filters=private),
            CommandHandler("matrix", projects.matrix, filters=private),
            CommandHandler("todo", projects.todo, filters=private),
            CommandHandler("bind", groups.bind),
            CommandHandler("unbind", groups.unbind, filters=grouped),
            CallbackQueryHandler(onboarding.lang_chosen, pattern=r"^lang:"),
            CallbackQueryHandler(admin.invite_role_chosen, pattern=r"^inv:"),
            CallbackQueryHandler(people.pressed, pattern=r"^ppl:"),
            CallbackQueryHandler(groups.bind_chosen, pattern=r"^bind:"),
            CallbackQueryHandler(reminders.snooze, pattern=r"^snz:"),
            CallbackQueryHandler(forms.pressed, pattern=r"^f:"),
            CallbackQueryHandler(assess.start_pressed, pattern=r"^new:"),
            CallbackQueryHandler(assess.review_pressed, pattern=r"^rev:"),
            CallbackQueryHandler(assess.reminder_start_pressed, pattern=r"^[a-z]{1,16}:start$"),  # any purpose's code
            CallbackQueryHandler(problems.card_pressed, pattern=r"^prob:"),
            CallbackQueryHandler(problems.pressed, pattern=r"^rx:"),
            CallbackQueryHandler(problems.inspect_pressed, pattern=r"^ins:"),
            CallbackQueryHandler(problems.load_holidays, pattern=r"^hol:new$"),
            CallbackQueryHandler(problems.ledger_pressed, pattern=r"^lg:"),
            CallbackQueryHandler(projects.project_pressed, pattern=r"^pj:"),
            CallbackQueryHandler(projects.project_list, pattern=r"^pl:"),
            CallbackQueryHandler(projects.matrix, pattern=r"^pm:"),
            CallbackQueryHandler(projects.call_pressed, pattern=r"^pc:"),
            ChatMemberHandler(groups.bot_added, ChatMemberHandler.MY_CHAT_MEMBER),
            # Last: anything unclaimed above.
            CallbackQueryHandler(fallback.stale_button),
            # Private messages: answers to the open form (or not understood when none is open).
            MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, forms.message),
            MessageHandler(private & ~filters.StatusUpdate.ALL, fallback.unknown_message),
        ]
    )
