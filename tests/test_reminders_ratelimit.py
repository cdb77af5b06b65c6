"""The rate limiter never lets Telegram's windows overflow, whatever the network does."""

from __future__ import annotations

import heapq
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ratelimit import Budget, Limits, Window, limited
from tests.fakebotapi.models import ApiError
from tests.fakebotapi.models import Limits as FakeLimits
from tests.fakebotapi.models import RateLimiter as FakeWindows

CHATS = [101, 102, 103, -5001, -5002]  # three private chats, two groups

requests = st.lists(
    st.tuples(
        st.sampled_from(CHATS),
        st.floats(min_value=0, max_value=0.5),  # gap after the previous arrival
        st.floats(min_value=0.0005, max_value=0.4),  # round trip
        st.floats(min_value=0, max_value=1),  # where in the round trip Telegram counts it
    ),
    min_size=1,
    max_size=120,
)


class _Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def simulate(plan, limits: Limits) -> tuple[list[float], int]:
    """Drive the budget through ``plan`` in virtual time; Telegram (the fake's own windows) judges.

    Returns when each request was admitted, and how many Telegram would have refused.
    """
    budget, clock = Budget(limits), _Clock()
    oracle = FakeWindows(FakeLimits(limits.per_bot_per_second, limits.per_chat_per_second,
                                    limits.per_group_per_minute), clock=clock)  # fmt: skip
    events: list[tuple[float, int, str, int]] = []
    seq, arrival = 0, 0.0
    for index, (_chat, gap, _trip, _where) in enumerate(plan):
        arrival += gap
        heapq.heappush(events, (arrival, seq, "try", index))
        seq += 1
    blocked: list[int] = []
    admitted: list[float] = [math.nan] * len(plan)
    refused = 0
    while events:
        now, _, kind, index = heapq.heappop(events)
        chat, _gap, trip, where = plan[index]
        clock.now = now
        if kind == "try":
            busy = budget.try_acquire(chat, 1, now)
            if busy is None:
                admitted[index] = now
                heapq.heappush(events, (now + trip * where, seq, "telegram", index))
                heapq.heappush(events, (now + trip, seq + 1, "answer", index))
                seq += 2
            elif math.isinf(busy.wait):
                blocked.append(index)
            else:
                heapq.heappush(events, (now + busy.wait, seq, "try", index))
                seq += 1
        elif kind == "telegram":
            try:
                oracle.check(chat, chat < 0)
                oracle.record(chat, chat < 0)
            except ApiError:
                refused += 1
        else:
            budget.release(chat, 1, now)
            for waiting in blocked:
                heapq.heappush(events, (now, seq, "try", waiting))
                seq += 1
            blocked.clear()
    return admitted, refused


@settings(max_examples=150, deadline=None)
@given(requests)
def test_budget__any_arrivals_and_round_trips__telegram_never_counts_too_many(plan):
    admitted, refused = simulate(plan, Limits(per_bot_per_second=5, per_chat_per_second=1, per_group_per_minute=3))
    assert refused == 0
    assert not any(math.isnan(a) for a in admitted), "every request is admitted in the end"


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=2, max_value=12).map(lambda seconds: 30 * seconds))
def test_budget__a_burst_to_distinct_chats__keeps_close_to_thirty_a_second(count):
    plan = [(10_000 + i, 0.0, 0.005, 0.5) for i in range(count)]
    admitted, refused = simulate(plan, Limits())
    assert refused == 0
    rate = count / (max(admitted) + 1.0)  # each second's 30 hold their window one second
    assert 0.95 * 30 <= rate <= 30


def test_window__full_of_answers__says_when_the_oldest_ages_out():
    window = Window(limit=2, seconds=1.0)
    window.stamps.extend([10.0, 10.4])
    assert window.wait(10.5, 1) > 0.5 - 0.01
    assert window.wait(11.0001, 1) == 0.0
    window.in_flight = 2
    assert math.isinf(window.wait(20.0, 1))


def test_limited__chat_actions_callbacks_and_updates__are_not_delayed():
    assert limited("sendMessage") and limited("editMessageText") and limited("sendMediaGroup")
    for free in ("answerCallbackQuery", "getUpdates", "getMe", "setMyCommands", "getChatMember", "sendChatAction"):
        assert not limited(free)


def test_budget__a_reply_burst_in_one_chat__goes_ahead_but_holds_back_bulk_sends_to_that_chat():
    budget = Budget(Limits())
    assert budget.try_acquire(7, 1, 0.0, burst=True) is None
    assert budget.try_acquire(7, 1, 0.0, burst=True) is None  # the form's edit and next question
    budget.release(7, 1, 0.01, burst=True)
    budget.release(7, 1, 0.02, burst=True)
    busy = budget.try_acquire(7, 1, 0.5)
    assert busy is not None and busy.scope == "chat" and busy.wait > 0.5
    assert budget.try_acquire(7, 1, 1.03) is None  # a reminder goes out
    budget.release(7, 1, 1.04)
    busy = budget.try_acquire(7, 1, 1.5, burst=True)
    assert busy is not None and busy.wait > 0.5, "a reply right after a reminder waits its second"
