"""Facts learnt at run time: two processes starting together both keep the bot's username."""

from __future__ import annotations

import asyncio

from domain.kernel import learnt
from storage import database


async def test_two_starts_at_once_both_keep_the_username_and_the_last_one_stands(engine) -> None:
    sessions = database.sessionmaker(engine)

    async def start(username: str) -> None:
        async with sessions() as session, session.begin():
            assert await learnt.recall(session, learnt.BOT_USERNAME) in (None, "zhibu_bot", "zhibu_new_bot")
            await learnt.remember(session, learnt.BOT_USERNAME, username)

    await asyncio.gather(start("zhibu_bot"), start("zhibu_bot"))  # the race that made one process crash
    await start("zhibu_new_bot")  # renamed at @BotFather
    async with sessions() as session:
        assert await learnt.recall(session, learnt.BOT_USERNAME) == "zhibu_new_bot"
