"""An admin publishes checklist versions: a file with errors publishes nothing and says where."""

from __future__ import annotations

import asyncio
import io

from openpyxl import Workbook
from sqlalchemy import select

from domain.standardisation import checklists
from storage.models import PublishedForm, Role, Submission
from tests.e2e.driver import fill
from tests.e2e.test_cli import zhibu
from tests.e2e.test_selfassessment import join


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
