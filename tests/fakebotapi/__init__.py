"""An in-process fake Telegram Bot API server for end-to-end tests of the bot."""

from .actors import FakeGroup, FakeUser
from .api import DEFAULT_TOKEN, FakeBotAPI
from .models import ApiError, Call, CallbackAnswer, Limits, SentMessage, StoredFile

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "CallbackAnswer",
    "FakeBotAPI",
    "FakeGroup",
    "FakeUser",
    "Limits",
    "SentMessage",
    "StoredFile",
]
