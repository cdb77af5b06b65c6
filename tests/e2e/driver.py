"""A secretary answering a form the way a person would: looking at the question and its buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.fakebotapi import FakeUser, SentMessage

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64  # a few bytes are enough: the bot keeps Telegram's file id
Answer = Callable[[FakeUser, SentMessage], Awaitable[None]]


def question_of(message: SentMessage) -> str:
    """The question's label: the bold line after the header."""
    lines = [line for line in message.text.split("\n") if line.strip()]
    return lines[1] if len(lines) > 1 else lines[0]


async def default_answer(user: FakeUser, prompt: SentMessage) -> None:
    text, buttons = prompt.text, prompt.button_texts
    if "是" in buttons:
        await user.press("是")
    elif "可多选" in text:
        chosen = [b for b in buttons if b.startswith("✅ ")]
        options = [b for b in buttons if b.startswith("#") or not b.startswith(("⬅️", "跳过", "完成", "✖️", "✅"))]
        await user.press("完成 ✔️" if chosen or not options else options[0])
    elif "请发送照片" in text:
        if "已收到" in text:
            await user.press("完成 ✔️")
        else:
            await user.send_photo(JPEG)
    elif "请输入数字" in text:
        await user.send("12")
    elif "例如 2026-04-15" in text:
        await user.send("昨天")
    elif "跳过" in buttons:
        await user.press("跳过")
    elif len(buttons) > 2 and not buttons[0].startswith(("⬅️", "✖️")):
        await user.press(buttons[0])  # a single choice: the first option
    else:
        await user.send("按要求开展")


async def fill(user: FakeUser, answers: dict[str, Answer] | None = None, *, until_review: bool = True,
               limit: int = 80) -> SentMessage:  # fmt: skip
    """Answer question after question (``answers`` overrides by a substring of the question) until the
    review summary is shown; return it."""
    answers = answers or {}
    for _ in range(limit):
        await user.replies()
        prompt = user.last
        if {"✅ 提交", "✅ Submit"} & set(prompt.button_texts):
            return prompt
        label = question_of(prompt)
        action = next((a for key, a in answers.items() if key in label), default_answer)
        await action(user, prompt)
    raise AssertionError(f"the form did not reach its review; last prompt:\n{user.last.text}")


def send(text: str) -> Answer:
    async def act(user: FakeUser, _prompt: SentMessage) -> None:
        await user.send(text)

    return act


def press(label: str) -> Answer:
    async def act(user: FakeUser, _prompt: SentMessage) -> None:
        await user.press(label)

    return act


async def arrives(api, chat, text: str, *, after: int = 0, timeout: float = 10.0) -> SentMessage:  # noqa: ASYNC109
    """Wait for a message containing ``text`` in ``chat`` (a user or a group), among those after the
    first ``after``: notices come from the outbox shortly after the update that caused them."""

    def found(_api):
        return next((m for m in chat.messages[after:] if text in m.text), None)

    return await api.wait_for(found, timeout=timeout, what=f"a message with {text!r}")
