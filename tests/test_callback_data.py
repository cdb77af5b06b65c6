"""Button data is read strictly: a fixed number of fields, ASCII-digit ids within INTEGER, known words."""

from __future__ import annotations

import pytest

from handlers.callback_data import ID, MAX_ID, TEXT, one_of, parse


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("prob:17", (17,)),
        ("prob:0", (0,)),
        (f"prob:{MAX_ID}", (MAX_ID,)),
        ("new:self:3", ("self", 3)),
        ("inv:3:secretary", (3, "secretary")),
        ("f:4:c:党员:大会", (4, "c", "党员:大会")),  # an option's value may hold ':'
    ],
)
def test_parse__data_a_button_sends__gives_its_fields(data, expected):
    fields = {"prob": (ID,), "new": (one_of("self", "act"), ID), "inv": (ID, one_of("secretary")),
              "f": (ID, one_of("c"), TEXT)}[data.split(":")[0]]  # fmt: skip
    assert parse(data, data.split(":")[0], *fields) == expected


@pytest.mark.parametrize(
    "data",
    [
        "prob:" + "9" * 60,  # OverflowError in the database before
        f"prob:{MAX_ID + 1}",  # beyond int4 (PostgreSQL's INTEGER)
        "prob:²",  # str.isdigit() is True for these
        "prob:٣",
        "prob:1²",
        "prob:-1",
        "prob:+1",
        "prob: 1",
        "prob:01",
        "prob:",  # a missing field
        "prob",
        "prob:1:2",  # an extra field
        "prob:1:",
        "probe:1",
        "prob:1\n",
        "",
        None,
        "prob:" + "1" * 70,  # longer than Telegram's 64 bytes
    ],
)
def test_parse__forged_data__is_none(data):
    assert parse(data, "prob", ID) is None


@pytest.mark.parametrize("data", ["new:self", "new:self:", "new:x:1", "new:self:1:2", "new:self:²"])
def test_parse__two_fields__need_exactly_two(data):
    assert parse(data, "new", one_of("self"), ID) is None


def test_parse__no_fields__takes_the_bare_prefix_only():
    assert parse("self", "self") == ()
    assert parse("self:", "self") is None
