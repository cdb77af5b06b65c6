"""The text's catalogues: every string marked in the sources has a Chinese and an English
translation, and the catalogues move in step with the templates."""

from __future__ import annotations

import shutil
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from templates import HERE, Renderer, catalogue_path
from templates.tools import catalogues, convert_old_layout


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of templates/ to change: messages, labels, mapping and catalogues."""
    shutil.copytree(HERE / "messages", tmp_path / "messages")
    shutil.copytree(HERE / "locale", tmp_path / "locale")
    shutil.copy(HERE / "strings.py", tmp_path / "strings.py")
    shutil.copy(HERE / "babel.cfg", tmp_path / "babel.cfg")
    return tmp_path


def _render(root: Path, name: str, locale: str, **values) -> str:
    """Render a message of ``root`` as the Renderer does, with that tree's catalogue."""
    catalog = catalogues.read(locale, root)
    assert catalog is not None
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    env = Environment(
        loader=FileSystemLoader(str(root / "messages")),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(Translations(mo), newstyle=False)  # type: ignore[attr-defined]
    return env.get_template(name).render(locale=locale, **values).strip()


def test_catalogues__every_string_in_the_sources__has_a_chinese_and_an_english_translation():
    assert catalogues.problems() == []


def test_catalogue_check__a_new_string_without_a_catalogue_entry__fails(tree: Path):
    (tree / "messages" / "toy.html.j2").write_text("{% trans %}新的一句话{% endtrans %}\n", encoding="utf-8")

    found = catalogues.problems(tree)

    assert "zh: not in the catalogue: '新的一句话'" in found
    assert "en: not in the catalogue: '新的一句话'" in found


def test_catalogue_check__an_empty_or_fuzzy_english_entry__fails(tree: Path):
    catalog = catalogues.read("en", tree)
    assert catalog is not None
    catalog.get("您没有权限执行此操作。").string = ""
    catalog.get("出错了，请稍后重试。").flags.add("fuzzy")
    catalogues.write(catalog, "en", tree)

    found = catalogues.problems(tree)

    assert found == [
        "en: fuzzy, check and clear the flag: '出错了，请稍后重试。'",
        "en: no translation: '您没有权限执行此操作。'",
    ]


def test_catalogue_check__a_translation_with_a_wrong_placeholder__fails(tree: Path):
    catalog = catalogues.read("en", tree)
    assert catalog is not None
    catalog.get("截止日期：%(deadline_on)s").string = "Deadline: %(deadline)s"
    catalogues.write(catalog, "en", tree)

    assert any("deadline" in line and "placeholder" in line for line in catalogues.problems(tree))


def test_catalogue_check__a_string_gone_from_the_sources__fails(tree: Path):
    (tree / "messages" / "not_allowed.html.j2").unlink()

    found = catalogues.problems(tree)

    assert any(line.startswith("en: in the catalogue but no longer in the sources") for line in found)


def test_catalogue_update__a_new_string__gets_its_chinese_at_once_and_waits_for_english(tree: Path):
    (tree / "messages" / "toy.html.j2").write_text(
        "{% trans %}共 {{ n }} 份{% endtrans %}\n", encoding="utf-8"
    )

    left = catalogues.update(tree)

    assert left == ["en: no translation: '共 %(n)s 份'"]
    assert _render(tree, "toy.html.j2", "zh", n=3) == "共 3 份"
    catalog = catalogues.read("en", tree)
    assert catalog is not None
    catalog.get("共 %(n)s 份").string = "%(n)s in all"
    catalogues.write(catalog, "en", tree)
    assert catalogues.problems(tree) == []
    assert _render(tree, "toy.html.j2", "en", n=3) == "3 in all"


def test_convert_old_layout__a_pair_of_templates_and_labels__becomes_one_template_that_renders_both(tree: Path):
    (tree / "zh").mkdir()
    (tree / "en").mkdir()
    (tree / "zh" / "toy.html.j2").write_text(
        "📋 <b>{{ item.title }}</b> · 已提交 {{ done|length }}/{{ total }}\n"
        "{% if late %}\n逾期：{{ late|join('、') }}\n{% else %}\n{{ unit_name }}没有逾期。\n{% endif %}\n",
        encoding="utf-8",
    )
    (tree / "en" / "toy.html.j2").write_text(
        "📋 <b>{{ item.title }}</b> · {{ done|length }}/{{ total }} submitted\n"
        "{% if late %}\nOverdue: {{ late|join(', ') }}\n{% else %}\nNothing overdue at {{ unit_name }}.\n{% endif %}\n",
        encoding="utf-8",
    )
    (tree / "zh" / "strings.yaml").write_text('toy.button: "看看"\n', encoding="utf-8")
    (tree / "en" / "strings.yaml").write_text('toy.button: "Have a look"\n', encoding="utf-8")

    assert convert_old_layout.convert(tree, remove=True) == 0

    assert not (tree / "zh" / "toy.html.j2").exists()
    assert catalogues.problems(tree) == []
    assert '"toy.button": N_("看看")' in (tree / "strings.py").read_text(encoding="utf-8")
    values = {"item": {"title": "A&B"}, "done": [1, 2], "total": 5, "unit_name": "一支部"}
    assert _render(tree, "toy.html.j2", "zh", late=["x", "y"], **values) == (
        "📋 <b>A&amp;B</b> · 已提交 2/5\n逾期：x、y"
    )
    assert _render(tree, "toy.html.j2", "en", late=["x", "y"], **values) == (
        "📋 <b>A&amp;B</b> · 2/5 submitted\nOverdue: x, y"
    )
    assert _render(tree, "toy.html.j2", "en", late=[], **values) == (
        "📋 <b>A&amp;B</b> · 2/5 submitted\nNothing overdue at 一支部."
    )


def test_renderer__one_template__speaks_the_locale_asked_for_and_escapes_values():
    renderer = Renderer()
    values = {"unit_name": "<一支部>", "clause": "x", "due_on": date(2026, 5, 4),
              "stage": "d3", "days_left": 1}

    zh = renderer.render("reminder_problem.html.j2", "zh", **values)
    en = renderer.render("reminder_problem.html.j2", "en", **values)

    assert zh.startswith("🟡 <b>问题整改还剩 1 天</b>\n\n支部：&lt;一支部&gt;")
    assert en.startswith("🟡 <b>Rectification due in 1 day</b>\n\nBranch: &lt;一支部&gt;")
    assert renderer.render("reminder_problem.html.j2", "en", **{**values, "days_left": 2}).startswith(
        "🟡 <b>Rectification due in 2 days</b>"
    )
    assert catalogue_path("en").exists()
