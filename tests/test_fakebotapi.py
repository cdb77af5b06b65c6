"""The fake Bot API speaks Telegram well enough for python-telegram-bot to run against it."""

from __future__ import annotations

import asyncio
import struct
import zlib

import httpx
import pytest
import tornado.escape
import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton
from telegram import InlineKeyboardMarkup as Keyboard
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, filters

from tests.fakebotapi import FakeBotAPI, Limits


def png(width: int, height: int) -> bytes:
    """A real, tiny PNG so the fake can read its size from the header."""
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def api():
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
async def bot(api):
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.file_url) as client:
        yield client


async def test_get_me__plain_ptb_bot__returns_the_fake_bot_identity(api, bot):
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        api.bot_id,
        "zhibu_test_bot",
        "支部助手",
        True,
    )


async def test_http__wrong_token_or_unknown_method__answers_401_and_404(api):
    async with httpx.AsyncClient() as http:
        wrong = await http.post(f"{api.base_url}123:nope/getMe")
        unknown = await http.post(f"{api.base_url}{api.token}/sendTelepathy")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json()["description"] == "Not Found"


async def test_http__json_body__is_accepted_like_form_data(api):
    alice = api.user("王芳")
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{api.base_url}{api.token}/sendMessage",
            json={"chat_id": alice.id, "text": "hi", "reply_markup": {"inline_keyboard": []}},
        )
    assert answer.json()["ok"] is True
    assert alice.last.text == "hi"


async def test_send_message__html_with_escapes__stores_plain_text_and_raw_html(api, bot):
    alice = api.user("王芳", username="wangfang", language_code="zh")
    html = "<b>支部</b> &lt;三会一课&gt; &amp; <a href='https://x.cn'>链接</a> &#9733;"
    sent = await bot.send_message(alice.id, html, parse_mode=ParseMode.HTML)
    assert sent.text == "支部 <三会一课> & 链接 ★"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 2),
        ("text_link", 12, 2),
    ]
    assert (alice.last.text, alice.last.html, alice.last.parse_mode) == (sent.text, html, "HTML")


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_send_message__malformed_html__is_rejected_with_telegrams_parse_error(
    api, bot, html, reason
):
    alice = api.user("王芳")
    with pytest.raises(BadRequest, match="parse entities") as caught:
        await bot.send_message(alice.id, html, parse_mode=ParseMode.HTML)
    assert api.requests[-1].description == f"Bad Request: can't parse entities: {reason}"
    assert caught.value.message.lower().endswith(reason.lower())
    assert alice.messages == []


async def test_send_message__over_4096_visible_characters__is_too_long(api, bot):
    alice = api.user("王芳")
    await bot.send_message(alice.id, "<b>" + "字" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice.id, "字" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(alice.id, "   ")
    assert len(alice.messages) == 1


async def test_send_message__unknown_chat_or_long_callback_data__is_bad_request(api, bot):
    alice = api.user("王芳")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(987654321, "hello")
    too_long = Keyboard([[InlineKeyboardButton("x", callback_data="数" * 22)]])  # 66 bytes
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(alice.id, "pick", reply_markup=too_long)


async def test_command_update__fetched_by_ptb__parses_as_command_with_args(api, bot):
    alice = api.user("王芳", username="wangfang", language_code="zh")
    group = api.group("城关镇党委")
    await group.add_bot(by=alice)
    await alice.send("/start abc")
    await group.send(alice, "/bind@zhibu_test_bot 7")
    updates = await bot.get_updates()
    kinds = [u.my_chat_member is not None for u in updates]
    assert kinds == [True, False, False, False]
    start = CommandHandler("start", lambda *_: None)
    bind = CommandHandler("bind", lambda *_: None)
    assert updates[1].message.new_chat_members[0].id == api.bot_id
    assert start.check_update(updates[2])[0] == ["abc"]
    assert bind.check_update(updates[3])[0] == ["7"]
    assert updates[2].message.from_user.language_code == "zh"
    assert updates[3].message.chat.type == "group" and updates[3].message.chat.id < 0
    assert filters.COMMAND.check_update(updates[2])


async def test_callback_press__bot_answers__round_trip_is_recorded(api, bot):
    alice = api.user("王芳")
    keyboard = Keyboard([[InlineKeyboardButton("提交", callback_data="submit:1")]])
    sent = await bot.send_message(alice.id, "确认？", reply_markup=keyboard)
    await alice.press("提交")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.from_user.id, query.message.message_id) == (
        "submit:1",
        alice.id,
        sent.message_id,
    )
    assert query.message.reply_markup == keyboard
    assert CallbackQueryHandler(lambda *_: None, pattern="^submit:").check_update(update)
    await query.answer("已提交", show_alert=True)
    assert alice.callback_answers == [("已提交", True)]
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("again")


async def test_callback_press__data_no_button_has__is_sent_as_a_forged_press(api, bot):
    alice = api.user("王芳")
    keyboard = Keyboard([[InlineKeyboardButton("提交", callback_data="submit:1")]])
    await bot.send_message(alice.id, "确认？", reply_markup=keyboard)
    with pytest.raises(AssertionError, match="no button"):
        await alice.press("删除")
    update = await alice.press(callback_data="admin:1", message=alice.last)
    assert update["callback_query"]["data"] == "admin:1"


async def test_edit_message_text__same_content__is_not_modified_and_edits_are_kept(api, bot):
    alice = api.user("王芳")
    keyboard = Keyboard([[InlineKeyboardButton("好", callback_data="ok")]])
    sent = await bot.send_message(alice.id, "v1", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("v1", alice.id, sent.message_id, reply_markup=keyboard)
    await bot.edit_message_text("v2", alice.id, sent.message_id)
    assert (alice.last.text, alice.last.edits, alice.last.buttons) == ("v2", ["v1"], [])
    await bot.delete_message(alice.id, sent.message_id)
    assert alice.last.deleted
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("v3", alice.id, sent.message_id)


async def test_user_edits_a_message__ptb_gets_an_edited_message_with_the_new_text(api, bot):
    alice = api.user("王芳")
    group = api.group("城关镇党委")
    await group.add_bot(by=alice)
    sent = await alice.send("20")
    await alice.edit(sent, "15")
    said = await group.send(alice, "你好")
    await group.edit(alice, said["message"]["message_id"], "大家好")
    updates = (await bot.get_updates())[2:]
    first, edit, _, group_edit = updates
    assert (first.message.text, edit.message, edit.edited_message.text) == ("20", None, "15")
    assert edit.edited_message.message_id == first.message.message_id and edit.edited_message.edit_date
    assert filters.UpdateType.EDITED_MESSAGE.check_update(edit)
    assert (group_edit.edited_message.chat.type, group_edit.edited_message.text) == ("group", "大家好")
    with pytest.raises(AssertionError, match="only the sender"):
        await group.edit(api.user("李明"), said, "x")


async def test_user_photo__get_file_then_download__returns_the_same_bytes(api, bot):
    alice = api.user("王芳")
    picture = png(40, 30)
    await alice.send_photo(picture, caption="会议照片")
    [update] = await bot.get_updates()
    largest = update.message.photo[-1]
    assert (largest.width, largest.height, update.message.caption) == (40, 30, "会议照片")
    file = await bot.get_file(largest.file_id)
    assert bytes(await file.download_as_bytearray()) == picture


async def test_user_album__two_photos__share_one_media_group_id(api, bot):
    alice = api.user("王芳")
    await alice.send_album([png(2, 2), png(3, 3)])
    updates = await bot.get_updates()
    assert len({u.message.media_group_id for u in updates}) == 1
    assert [u.message.photo[-1].width for u in updates] == [2, 3]


async def test_bot_uploads__photo_and_document__keep_the_bytes(api, bot):
    alice = api.user("王芳")
    await bot.send_photo(alice.id, png(8, 4), caption="<i>图</i>", parse_mode="HTML")
    await bot.send_document(alice.id, b"a,b\n1,2\n", filename="list.csv")
    photo, document = alice.messages
    assert (photo.kind, photo.text, photo.photo[-1]["width"]) == ("photo", "图", 8)
    assert api.file_bytes(photo.photo[-1]["file_id"]) == png(8, 4)
    assert (document.document["file_name"], document.file.data) == ("list.csv", b"a,b\n1,2\n")


async def test_set_my_commands__chat_scope__is_visible_through_api_commands(api, bot):
    alice = api.user("王芳")
    scope = BotCommandScopeChat(alice.id)
    await bot.set_my_commands(
        [BotCommand("start", "开始"), BotCommand("bind", "绑定")], scope=scope
    )
    expected = [
        {"command": "start", "description": "开始"},
        {"command": "bind", "description": "绑定"},
    ]
    assert api.commands(scope={"type": "chat", "chat_id": alice.id}) == expected
    assert api.commands() is None
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["start", "bind"]
    await bot.delete_my_commands(scope=scope)
    assert api.commands(scope={"type": "chat", "chat_id": alice.id}) is None


class _Receiver(tornado.web.RequestHandler):
    def initialize(self, log: list, statuses: list) -> None:
        self.log, self.statuses = log, statuses

    def post(self) -> None:
        self.log.append(
            (
                self.request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                tornado.escape.json_decode(self.request.body)["update_id"],
            )
        )
        self.set_status(self.statuses.pop(0) if self.statuses else 200)


async def test_webhook__receiver_fails_once__same_update_is_retried_in_order(api, bot):
    alice = api.user("王芳")
    log: list = []
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    receiver = tornado.httpserver.HTTPServer(
        tornado.web.Application([(r"/hook", _Receiver, {"log": log, "statuses": [500]})])
    )
    receiver.add_sockets(sockets)
    try:
        url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/hook"
        await bot.set_webhook(url, secret_token="s3cret")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        first = await alice.send("/start")
        second = await alice.send("hello")
        await api.settled(timeout=3)
        ids = first["update_id"], second["update_id"]
        assert log == [("s3cret", ids[0]), ("s3cret", ids[0]), ("s3cret", ids[1])]
        assert (await bot.get_webhook_info()).last_error_message.endswith("500")
    finally:
        receiver.stop()
    await bot.delete_webhook()
    await alice.send("after")
    assert [u.message.text for u in await bot.get_updates()] == ["after"]


async def test_get_updates__client_restarts_without_confirming__update_comes_again(api, bot):
    alice = api.user("王芳")
    first = await alice.send("one")
    assert [u.update_id for u in await bot.get_updates()] == [first["update_id"]]
    # A restarted bot starts without an offset: Telegram hands out the same update again.
    assert [u.update_id for u in await bot.get_updates()] == [first["update_id"]]
    second = await alice.send("two")
    assert [u.update_id for u in await bot.get_updates(offset=first["update_id"] + 1)] == [
        second["update_id"]
    ]
    await bot.get_updates(offset=second["update_id"] + 1)
    assert api.pending_updates == []
    await api.settled(timeout=1)
    await api.redeliver(second)
    assert [u.update_id for u in await bot.get_updates()] == [second["update_id"]]


async def test_get_updates__long_poll__returns_when_an_update_arrives(api, bot):
    alice = api.user("王芳")

    async def type_later() -> None:
        await asyncio.sleep(0.05)
        await alice.send("hi")

    typing = asyncio.create_task(type_later())
    started = asyncio.get_running_loop().time()
    updates = await bot.get_updates(timeout=10)
    await typing
    assert [u.message.text for u in updates] == ["hi"]
    assert asyncio.get_running_loop().time() - started < 2


async def test_delay__slow_method__stays_in_flight_while_other_calls_are_answered(api, bot):
    alice = api.user("王芳")
    api.delay("getChatMember", 1.0)
    slow = asyncio.create_task(bot.get_chat_member(alice.id, alice.id))
    await api.wait_for(lambda a: [c for c in a.state.in_flight if c.method == "getChatMember"],
                       what="getChatMember in flight")
    await bot.send_message(alice.id, "meanwhile")
    assert not slow.done()
    assert "in flight: ['getChatMember']" in api.state.unsettled_reason()
    assert (await slow).status == "member"
    api.delay("getChatMember", None)
    assert (await bot.get_chat_member(alice.id, alice.id)).status == "member"


# PTB itself reads RetryAfter.retry_after while building the exception and warns about it.
@pytest.mark.filterwarnings("ignore:.*retry_after.*")
async def test_rate_limits__bursts_in_private_and_group_chats__answer_429_with_retry_after():
    async with FakeBotAPI(limits=Limits(per_group_per_minute=3)) as api:
        async with Bot(api.token, base_url=api.base_url) as bot:
            alice = api.user("王芳")
            group = api.group("城关镇党委", supergroup=True)
            await group.add_bot(by=alice)
            await bot.send_message(alice.id, "1")
            with pytest.raises(RetryAfter):
                await bot.send_message(alice.id, "2")
            assert api.requests[-1].description == "Too Many Requests: retry after 1"
            for n in range(3):
                await bot.send_message(group.id, str(n))
            with pytest.raises(RetryAfter):
                await bot.send_message(group.id, "over")
            assert api.requests[-1].description in (
                "Too Many Requests: retry after 60",
                "Too Many Requests: retry after 59",
            )
            assert api.count_429 == 2
            assert [m.text for m in api.sent] == ["1", "0", "1", "2"]


async def test_blocked_user__send_message__is_403_until_unblocked(api, bot):
    alice = api.user("王芳")
    alice.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "hello")
    [update] = await bot.get_updates()
    assert update.my_chat_member.new_chat_member.status == "kicked"
    alice.unblock_bot()
    await bot.send_message(alice.id, "hello")
    assert alice.last.text == "hello"


async def test_settled__nobody_confirms__timeout_explains_pending_updates(api):
    alice = api.user("王芳")
    update = await alice.send("/start")
    with pytest.raises(AssertionError, match=rf"unconfirmed update ids \[{update['update_id']}\]"):
        await api.settled(timeout=0.1)


async def test_application__polling_with_command_and_button__replies_settle(api):
    async def start(update, context):
        keyboard = Keyboard([[InlineKeyboardButton("提交", callback_data="submit")]])
        await update.message.reply_html(f"你好 <b>{context.args[0]}</b>", reply_markup=keyboard)

    async def submit(update, context):
        await update.callback_query.answer("收到")
        await update.callback_query.edit_message_text("已提交")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(submit))
    api.watch_application(app)
    alice = api.user("王芳", username="wangfang", language_code="zh")
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=5)
        await alice.send("/start 同志")
        [reply] = await alice.replies()
        assert (reply.text, reply.html, reply.button_texts) == (
            "你好 同志",
            "你好 <b>同志</b>",
            ["提交"],
        )
        await alice.press("提交")
        assert await alice.replies() == []
        assert (alice.last.text, alice.last.edits, alice.callback_answers) == (
            "已提交",
            ["你好 同志"],
            [("收到", False)],
        )
        await app.updater.stop()
        await app.stop()
    assert api.pending_updates == []
