"""An admin publishes checklist versions: a file with errors publishes nothing and says where."""

from __future__ import annotations

import asyncio
import io
import os
import re
import threading
import time
from contextlib import contextmanager

from openpyxl import Workbook
from sqlalchemy import select

from domain.standardisation import checklists
from storage.models import PublishedForm, Role, Submission
from tests.e2e.driver import arrives, fill
from tests.e2e.test_cli import zhibu
from tests.e2e.test_selfassessment import join
from tests.hostile_files import HEADER, rows_xml, zip_bomb
from tests.hostile_files import workbook as raw_workbook


def workbook(rows: list[list[object]], *, version: str = "2") -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "label::en", "required", "relevant", "pass", "category"])
    for row in rows:
        survey.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "title", "title::en"])
    settings.append(["activity_record", version, "组织生活记录（新版）", "Organisational life record (new)"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    ["select_one kind", "kind", "活动类型", "Kind", "yes", None, None, None],
    ["date", "held_on", "活动日期", "Date", "yes", None, None, None],
    ["text", "topic", "主题", "Topic", "yes", None, None, None],
    ["integer", "expected", "应到人数", "Expected", "yes", None, None, None],
    ["integer", "attended", "实到人数", "Attended", "yes", None, None, None],
]


def with_choices(data: bytes) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label", "label::en"])
    for name, zh in (("theme_day", "主题党日"), ("party_lecture", "党课")):
        choices.append(["kind", name, zh, name])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_publish__xlsx_with_errors_sent_to_the_bot__lists_rows_and_publishes_nothing(
    bot, api, database_url, clock
):
    admin = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    bad = with_choices(workbook([
        *GOOD_ROWS[:2],
        ["textbox", "topic", "主题", "Topic", "yes", None, None, None],  # row 4: unknown type
        ["integer", "held_on", "人数", "Count", "yes", None, None, None],  # row 5: duplicate name
        ["integer", "attended", "实到", "Attended", "yes", "${nope} > 1", None, None],  # row 6: unknown ref
    ]))  # fmt: skip

    await admin.send_document(bad, "组织生活记录.xlsx")
    [answer] = await admin.replies()

    assert "未发布" in answer.text
    assert "survey 第 4 行" in answer.text and "survey 第 5 行" in answer.text and "survey 第 6 行" in answer.text
    async with bot.sessions() as session:
        assert await session.scalar(select(PublishedForm)) is None


async def test_publish__valid_version__is_used_by_new_fillings_while_old_submissions_keep_theirs(
    bot, api, database_url, clock
):
    admin = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/activity")
    await fill(wang)
    await wang.press("✅ 提交")
    await wang.replies()

    await admin.send_document(with_choices(workbook(GOOD_ROWS)), "activity_v2.xlsx")
    [answer] = await admin.replies()
    assert "已发布" in answer.text and "第 2 版" in answer.text

    await wang.send("/activity")
    [first] = await wang.replies()
    assert "组织生活记录（新版）" in first.text and first.button_texts[:2] == ["主题党日", "党课"]
    async with bot.sessions() as session:
        defn = await checklists.current(session, "activity_record")
        assert defn.version == "2"
        assert (await checklists.version(session, "activity_record", "1")).version == "1"


async def test_publish__a_secretary_sending_a_checklist__is_not_allowed(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send_document(with_choices(workbook(GOOD_ROWS)), "activity_v2.xlsx")
    [answer] = await wang.replies()
    assert "没有权限" in answer.text


async def test_checklist_publish_cli__yaml_with_errors__prints_rows_and_exits_non_zero(database_url, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: standardisation\nversion: 9\ntitle: 测试\nfields:\n"
                   "  - {name: a, type: yes_no, label: 甲}\n  - {name: a, type: maybe, label: 乙}\n",
                   encoding="utf-8")  # fmt: skip

    result = await asyncio.to_thread(zhibu, "checklist", "publish", str(bad), database_url=database_url)

    assert result.returncode == 2
    assert "未发布" in result.stderr and "第 2 行" in result.stderr


async def test_submission__keeps_the_version_it_was_filled_against(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/selfcheck")
    await fill(wang)
    await wang.press("✅ 提交")
    await wang.replies()
    async with bot.sessions() as session:
        submission = await session.scalar(select(Submission))
    assert submission.version == "1"


async def test_checklist_publish_cli__valid_yaml__publishes_the_new_version(database_url, tmp_path):
    good = tmp_path / "activity.yaml"
    good.write_text("id: activity_record\nversion: 5\ntitle: {zh: 组织生活记录, en: Record}\nfields:\n"
                    "  - {name: topic, type: text, required: true, label: {zh: 主题, en: Topic}}\n",
                    encoding="utf-8")  # fmt: skip

    result = await asyncio.to_thread(zhibu, "checklist", "publish", str(good), database_url=database_url)

    assert result.returncode == 0, result.stderr
    assert "已发布：组织生活记录（activity_record）第 5 版，1 个字段" in result.stdout


# --- hostile files ------------------------------------------------------------------------------

MEMORY_BOUND_MIB = 64  # what handling one checklist file may add to the process's peak resident memory


@contextmanager
def peak_memory_growth():
    """Yields a function giving how far this process's peak resident memory (MiB) rose since the block
    began: the kernel's own high-water mark, reset at the start, so a loaded machine does not blur it."""

    def status(key: str) -> int:
        with open("/proc/self/status") as file:
            return int(re.search(rf"{key}:\s+(\d+)", file.read()).group(1)) // 1024

    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")  # VmHWM := VmRSS
    before = status("VmRSS")
    yield lambda: status("VmHWM") - before


async def _asks_for_help(api, user) -> float:
    """Seconds until ``user``'s /help is answered."""
    seen = len(user.messages)
    await user.send("/help")
    asked = time.monotonic()
    await arrives(api, user, "/selfcheck", after=seen)
    return time.monotonic() - asked


async def test_publish__zip_bomb_from_an_admin__refused_in_one_message_while_others_are_answered_and_memory_bounded(
    bot, api, database_url, clock
):
    admin = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    bomb = zip_bomb(inflated_mb=150)  # about 160 KiB; its survey also has 2,000 wrong rows

    with peak_memory_growth() as growth:
        await admin.send_document(bomb, "清单.xlsx")
        waited = await _asks_for_help(api, wang)  # sent at once: the same batch of updates as the bomb
        assert waited < 1.0, f"/help waited {waited:.1f} s behind the bomb"
        answers = await admin.replies(timeout=30)

    assert len(answers) == 1
    assert "未发布" in answers[0].text and "150.0 MB" in answers[0].text
    assert growth() < MEMORY_BOUND_MIB
    async with bot.sessions() as session:
        assert await session.scalar(select(PublishedForm)) is None


async def test_publish__a_slow_check__does_not_hold_up_anyone_else(bot, api, database_url, clock, monkeypatch):
    admin = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    load, checked_in = checklists.load_form_xlsx, []

    def slow_load(data: bytes):
        checked_in.append(threading.current_thread())
        time.sleep(2)  # a workbook at the limits, on a busy machine
        return load(data)

    monkeypatch.setattr(checklists, "load_form_xlsx", slow_load)

    await admin.send_document(with_choices(workbook(GOOD_ROWS)), "activity_v2.xlsx")
    waited = await _asks_for_help(api, wang)
    [answer] = await admin.replies(timeout=10)

    assert waited < 1.0, f"/help waited {waited:.1f} s behind the check"
    assert "已发布" in answer.text and checked_in != [threading.main_thread()]


async def test_publish__file_without_a_stated_size_over_the_limit__refused_without_being_read_whole(
    bot, api, database_url, clock
):
    admin = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    huge = bytes(64 * 1024 * 1024)

    await admin.send_document(huge, "清单.xlsx", size_stated=False)
    [answer] = await admin.replies(timeout=30)

    assert "文件太大" in answer.text
    [stored] = [f for f in api.uploaded_files if f.file_name == "清单.xlsx"]
    # What the bot read, plus what the sockets buffered before it hung up: far from the whole file.
    assert stored.served < 16 * 1024 * 1024


async def test_publish__workbook_with_hundreds_of_errors__one_message_with_the_first_twenty_and_a_count(
    bot, api, database_url, clock
):
    admin = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    rows = [HEADER] + [["bomb" + "?" * 300, f"q{i}", "?"] for i in range(300)]  # long, wrong types

    await admin.send_document(raw_workbook(rows_xml(rows)), "清单.xlsx")
    [answer] = await admin.replies()

    assert answer.text.count("• ") == 20
    assert "有 301 处错误，未发布" in answer.text and "另有 281 处错误未列出" in answer.text


async def test_checklist_publish_cli__zip_bomb__refused_at_once_with_the_reason(database_url, tmp_path):
    bomb = tmp_path / "清单.xlsx"
    bomb.write_bytes(zip_bomb(inflated_mb=150))

    result = await asyncio.to_thread(zhibu, "checklist", "publish", str(bomb), database_url=database_url)

    assert result.returncode == 2
    assert "未发布" in result.stderr and "150.0 MB" in result.stderr


async def test_checklist_publish_cli__endless_file__refused_after_reading_just_past_the_limit(database_url, tmp_path):
    endless = tmp_path / "清单.xlsx"
    os.mkfifo(endless)
    written = 0

    def feed() -> None:  # up to 64 MiB, for as long as the reader reads
        nonlocal written
        try:
            with open(endless, "wb", buffering=0) as pipe:
                for _ in range(1024):
                    written += pipe.write(bytes(64 * 1024))
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    result = await asyncio.to_thread(zhibu, "checklist", "publish", str(endless), database_url=database_url)
    feeder.join(timeout=10)

    assert result.returncode == 2 and "文件超过 2 MB" in result.stderr
    assert written < 3 * 1024 * 1024
