"""Property tests of the running bot: any button data, any update Telegram could send in any shape,
reaches no error handler, and every button press is answered.

One bot (and one fake Bot API) serves all the examples of a test: they share the database, so each
example meets the state the ones before it left (a form opened, cancelled, a language switched),
which is what a long-running bot meets too.
"""

from __future__ import annotations

import copy
import logging
import secrets

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from telegram import Update

from storage.models import Role
from tests.e2e.harness import make_invite

PREFIXES = ["f:", "f:0:", "f:1:c:", "f:0:e:", "new:", "new:self:", "new:act:", "prob:", "rev:", "snz:", "inv:",
            "inv:1:", "bind:", "lang:", "self:", "act:", "demo:", "self:start", "act:start", "old:"]  # fmt: skip
WORDS = ["", "0", "1", "2", "7", "x", "b", "s", "d", "ok", "c", "e", "zh", "en", "admin", "secretary", "start",
         "kind", "yes", "no", "branch_general_meeting", "²", "٣", "9" * 60, str(2**31), str(2**63), "-1", " "]  # fmt: skip
CALLBACK_DATA = st.one_of(
    st.text(max_size=70),
    st.builds(lambda p, parts: p + ":".join(parts), st.sampled_from(PREFIXES), st.lists(st.sampled_from(WORDS), max_size=3)),
    st.builds(lambda p, n: f"{p}{n}", st.sampled_from(PREFIXES), st.integers(min_value=-(2**70), max_value=2**70)),
)
USERS = [{"id": 100_000_001 + i, "is_bot": False, "first_name": name} for i, name in enumerate(("王芳", "张部长", "路人"))]
CHATS = [{"id": user["id"], "type": "private", "first_name": user["first_name"]} for user in USERS]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Errors(logging.Handler):
    """Failures that reached the bot's error handler (it logs "update … failed")."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def failures(records: list[logging.LogRecord]) -> list[str]:
    return [record.getMessage() + ": " + logging.Formatter().formatException(record.exc_info) if record.exc_info
            else record.getMessage() for record in records]  # fmt: skip


@pytest.fixture
def errors():
    handler = Errors()
    logging.getLogger().addHandler(handler)
    yield handler.records
    logging.getLogger().removeHandler(handler)


@pytest.fixture
async def people(bot, api, database_url, clock):
    """A secretary with a form open, an admin, and a stranger: between them every handler's checks."""
    wang, admin, stranger = (api.user(user["first_name"], user_id=user["id"]) for user in USERS)
    for user, role, unit in ((wang, Role.secretary, "T0102"), (admin, Role.admin, "D001")):
        await user.send(f"/start {await make_invite(database_url, clock, role, unit, name=user.first_name)}")
        await user.replies()
    await wang.send("/activity")
    await wang.replies()
    await stranger.send("/help")
    await stranger.replies()
    return [wang, admin, stranger]


@SETTINGS
@given(data=CALLBACK_DATA, who=st.integers(min_value=0, max_value=2))
@example(data="prob:" + "9" * 60, who=0)  # OverflowError before
@example(data="new:self:²", who=0)  # ValueError before
@example(data="rev:" + str(2**63), who=1)
@example(data="snz:٣", who=2)
async def test_any_button_data__is_answered_once_and_raises_nothing(bot, api, people, errors, data, who):
    errors.clear()  # the examples share the bot, not their failures
    user = people[who]
    answered = len(user.callback_answers)
    await user.press(callback_data=data, message=user.last)
    await api.settled()
    assert len(user.callback_answers) == answered + 1, data
    assert not errors, failures(errors)


# Updates in the shapes Telegram uses, with optional parts left out or put in at random.
def _update_strategy():
    user = st.sampled_from(USERS)
    chat = st.sampled_from(CHATS)
    text = st.one_of(st.text(max_size=30), st.sampled_from(["/start", "/start abc", "/help", "/lang", "/activity",
                     "/selfcheck", "/demo", "/review", "/problems", "/cancel", "/bind", "/unbind", "/invite",
                     "/invite T0102 secretary", "/units", "/publish", "20", "昨天"]))  # fmt: skip
    photo = st.just([{"file_id": "AgAD-test", "file_unique_id": "u1", "width": 90, "height": 90}])
    message = st.fixed_dictionaries(
        {"message_id": st.integers(min_value=1, max_value=2**31 - 1), "date": st.integers(min_value=0, max_value=2**31),
         "chat": chat},
        optional={"from": user, "text": text, "photo": photo, "media_group_id": st.text(min_size=1, max_size=8),
                  "caption": st.text(max_size=10), "edit_date": st.integers(min_value=0, max_value=2**31),
                  "location": st.fixed_dictionaries({"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)}),
                  "sticker": st.just({"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                      "is_animated": False, "is_video": False, "type": "regular"}),
                  "new_chat_members": st.lists(user, max_size=2), "left_chat_member": user},
    )  # fmt: skip
    callback = st.fixed_dictionaries(
        {"from": user, "chat_instance": st.text(max_size=5)},
        optional={"data": CALLBACK_DATA, "message": message, "game_short_name": st.text(max_size=5)},
    )
    member = st.fixed_dictionaries({"user": user, "status": st.sampled_from(["member", "left", "kicked",
                                                                            "administrator"])})  # fmt: skip
    chat_member = st.fixed_dictionaries({"chat": chat, "from": user, "date": st.integers(min_value=0, max_value=2**31),
                                         "old_chat_member": member, "new_chat_member": member})  # fmt: skip
    # An update carries exactly one of these.
    well_formed = st.one_of([st.fixed_dictionaries({kind: part}) for kind, part in (
        ("message", message), ("edited_message", message), ("channel_post", message), ("edited_channel_post", message),
        ("callback_query", callback), ("my_chat_member", chat_member))])  # fmt: skip
    json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                        max_leaves=8)  # fmt: skip
    malformed = st.dictionaries(st.sampled_from(["message", "edited_message", "callback_query", "my_chat_member",
                                                 "channel_post", "chat_member", "poll"]), json, max_size=2)  # fmt: skip
    return st.one_of(well_formed, malformed)


@SETTINGS
@given(raw=_update_strategy())
@example(raw={"callback_query": {"from": USERS[0], "chat_instance": "1", "data": "f:0:b"}})  # no message: no chat
@example(raw={"my_chat_member": {}})  # PTB reads it, with no members
async def test_any_update__in_any_shape__raises_nothing_and_every_press_is_answered(bot, api, people, errors, raw):
    errors.clear()
    raw = copy.deepcopy(raw)
    raw["update_id"] = 10**9 + secrets.randbelow(10**9)
    query = raw.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("from"), dict):
        query["id"] = str(secrets.randbits(62))
        api.state.callback_queries[query["id"]] = {"user_id": query["from"]["id"], "answered": False}
    try:
        update = Update.de_json(raw, bot.runtime.application.bot)
    except Exception:  # not an update at all: refused before any handler (bot/webhook.py, bot/polling.py)
        return
    await bot.runtime.application.process_update(update)
    await api.settled()
    assert not errors, (raw, failures(errors))
    if update.callback_query is not None:
        assert api.state.callback_queries[update.callback_query.id]["answered"], raw
