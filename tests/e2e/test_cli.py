"""The zhibu command line as an administrator uses it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from storage import database
from storage.models import Unit
from tests.e2e.harness import EXAMPLE_UNITS, ROOT


def zhibu(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHIBU_")}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, "ZHIBU_DATABASE_URL": database_url, **env}, timeout=60)  # fmt: skip


async def _units(database_url: str) -> int:
    engine = database.create_engine(database_url)
    async with database.sessionmaker(engine)() as session:
        count = await session.scalar(select(func.count()).select_from(Unit))
    await engine.dispose()
    return count


async def test_units_import__file_with_errors__imports_nothing_and_lists_every_bad_row(database_url, tmp_path: Path):
    bad = tmp_path / "units.csv"
    bad.write_text("编码,名称,上级编码,类型,领域,成立日期\nD,组织部,,组织部,,\nB1,一支部,X9,党支部,农村,\n"
                   "B2,二支部,D,党支部,菜园,\nB3,三支部,D,党支部,农村,2020-02-30\n", encoding="utf-8")  # fmt: skip

    result = await asyncio.to_thread(zhibu, "units", "import", str(bad), database_url=database_url)

    assert result.returncode == 2
    assert "3 处错误，未导入任何单位" in result.stderr
    assert "第 3 行（parent）：上级编码“X9”不存在" in result.stderr
    assert "第 4 行（domain）：未知领域“菜园”" in result.stderr
    assert "第 5 行（founded）：日期“2020-02-30”无法识别" in result.stderr
    assert await _units(database_url) == 0


async def test_units_import_then_list__prints_the_indented_tree(database_url):
    imported = await asyncio.to_thread(zhibu, "units", "import", str(EXAMPLE_UNITS), database_url=database_url)
    listed = await asyncio.to_thread(zhibu, "units", "list", database_url=database_url)

    assert imported.returncode == 0 and "新增 8 个" in imported.stdout
    assert "D001  某县委组织部\n  T01  城关镇党委\n    T0101  城关镇东街社区党支部" in listed.stdout


async def test_invite_create__unknown_unit__says_so_and_exits_non_zero(database_url):
    result = await asyncio.to_thread(zhibu, "invite", "create", "--role", "secretary", "--unit", "NOPE",
                                     database_url=database_url)  # fmt: skip
    assert result.returncode == 2 and "找不到编码为 NOPE 的单位" in result.stderr


async def test_run__without_a_token__stops_with_one_clear_line(database_url):
    result = await asyncio.to_thread(zhibu, "run", database_url=database_url)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "ZHIBU_BOT_TOKEN" in result.stderr


async def test_configuration_errors__are_printed_in_chinese_and_english_on_one_line(database_url):
    missing = await asyncio.to_thread(zhibu, "run", database_url=database_url)
    wrong_locale = await asyncio.to_thread(zhibu, "run", database_url=database_url, ZHIBU_LOCALE="fr")
    english_default = await asyncio.to_thread(zhibu, "run", database_url=database_url, ZHIBU_LOCALE="en")

    assert "未设置 ZHIBU_BOT_TOKEN" in missing.stderr and "ZHIBU_BOT_TOKEN is not set" in missing.stderr
    assert "配置错误" in wrong_locale.stderr and "Configuration error" in wrong_locale.stderr
    assert "ZHIBU_LOCALE" in wrong_locale.stderr and wrong_locale.returncode == 2
    assert english_default.stderr.index("Configuration error") < english_default.stderr.index("配置错误")
    for result in (missing, wrong_locale, english_default):
        assert result.stderr.strip().count("\n") == 0


async def test_run__with_a_malformed_token__stops_with_one_clear_line(database_url):
    result = await asyncio.to_thread(zhibu, "run", database_url=database_url, ZHIBU_BOT_TOKEN="12345")
    assert result.returncode == 2 and "格式不对" in result.stderr and "Traceback" not in result.stderr


async def test_run__with_a_socks_proxy__names_the_setting_and_what_it_takes(database_url):
    result = await asyncio.to_thread(zhibu, "run", database_url=database_url, ZHIBU_PROXY_URL="socks5://127.0.0.1:1080",
                                     ZHIBU_BOT_TOKEN="123456:TEST-token-abcdefghijklmnopqrstuvwxyz")  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ZHIBU_PROXY_URL" in result.stderr and "http://" in result.stderr


async def test_invite_create__prints_the_deep_link_and_token(api, database_url):
    await asyncio.to_thread(zhibu, "units", "import", str(EXAMPLE_UNITS), database_url=database_url)

    result = await asyncio.to_thread(zhibu, "invite", "create", "--role", "secretary", "--unit", "T0102",
                                     "--name", "王芳", database_url=database_url, ZHIBU_BOT_TOKEN=api.token,
                                     ZHIBU_API_BASE_URL=api.base_url)  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "支部书记 · 城关镇红旗村党支部（王芳）" in result.stdout
    link = next(line for line in result.stdout.splitlines() if line.startswith("链接："))
    token = next(line for line in result.stdout.splitlines() if line.startswith("令牌："))
    assert link.endswith("https://t.me/zhibu_test_bot?start=" + token.removeprefix("令牌："))


async def test_project_call_reopen_review_and_list__from_the_shell__with_bad_input_refused(database_url):
    await asyncio.to_thread(zhibu, "units", "import", str(EXAMPLE_UNITS), database_url=database_url)
    year = str(date.today().year + 1)  # the shell's clock is the system's
    bad = await asyncio.to_thread(zhibu, "project", "call", "--unit", "D001", "--year", year, "--max", "3",
                                  database_url=database_url)  # fmt: skip
    assert bad.returncode == 2 and "每个单位可申报的项目数应在 1 到 2 之间" in bad.stderr
    block = await asyncio.to_thread(zhibu, "project", "call", "--unit", "D001", "--year", year, "--blocks", "nope",
                                    database_url=database_url)  # fmt: skip
    assert block.returncode == 2 and "没有这个工作板块：nope" in block.stderr
    opened = await asyncio.to_thread(zhibu, "project", "call", "--unit", "D001", "--year", year, "--deadline",
                                     f"{year}-04-15", "--topic", "党员积分制管理", database_url=database_url)  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    assert f"已发布申报通知 #1：{year}年度党建项目申报" in opened.stdout and "每个单位最多 2 个项目" in opened.stdout
    again = await asyncio.to_thread(zhibu, "project", "call", "--unit", "T01", "--year", year,
                                    database_url=database_url)  # fmt: skip
    assert again.returncode == 2 and "已有同类申报通知（#1）" in again.stderr
    reopened = await asyncio.to_thread(zhibu, "project", "reopen", "--call", "1", "--unit", "T0102", "--until",
                                       f"{year}-04-30", database_url=database_url)  # fmt: skip
    assert reopened.returncode == 0 and "已为 城关镇红旗村党支部 延期" in reopened.stdout
    review = await asyncio.to_thread(zhibu, "project", "review", "--call", "1", database_url=database_url)
    assert review.returncode == 0 and "0 个项目进入评审" in review.stdout
    listed = await asyncio.to_thread(zhibu, "project", "list", database_url=database_url)
    assert listed.returncode == 0 and "还没有项目" in listed.stdout
