"""All user-visible text, read through one renderer.

One template per message in ``messages/``, written in Chinese (the product's language and the
source text) with every phrase marked for translation (``{% trans %}``, ``_()``); short labels
(buttons, command descriptions) are in ``strings.py``. The translations are gettext catalogues,
``locale/<locale>/LC_MESSAGES/messages.po``, compiled in memory when first used: an install needs
no build step. ``*.html.j2`` templates are for Telegram's HTML parse mode and autoescape every
value; ``*.txt.j2`` are plain text (the command line). Chinese (zh) is the default locale, English
(en) is complete too; ``tools/catalogues.py`` keeps the catalogues in step with the sources.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

from templates.strings import STRINGS

HERE = Path(__file__).parent
MESSAGES = HERE / "messages"
CATALOGUES = HERE / "locale"
DOMAIN = "messages"
LOCALES = ("zh", "en")
BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}


def normalise_locale(code: str | None, default: str = "zh") -> str:
    """Map a Telegram language_code or a user's choice ("zh-hans", "en-US") to a supported locale."""
    if code:
        base = code.replace("_", "-").split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


def catalogue_path(locale: str, root: Path = CATALOGUES) -> Path:
    return root / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> Translations:
    """The locale's catalogue, compiled from its ``.po`` once per process (fuzzy entries left out)."""
    with catalogue_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo, domain=DOMAIN)


class Renderer:
    def __init__(self, *, default_locale: str = "zh", timezone: str = "Asia/Shanghai") -> None:
        self.default_locale = normalise_locale(default_locale)
        self.tz = ZoneInfo(timezone)
        # One environment per locale, each with its catalogue installed: the same template
        # renders Chinese or English depending on which environment loads it.
        self.envs = {loc: self._environment(loc) for loc in LOCALES}
        self.env = self.envs[self.default_locale]

    def _environment(self, locale: str) -> Environment:
        env = Environment(
            loader=FileSystemLoader(str(MESSAGES)),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            extensions=["jinja2.ext.i18n"],
        )
        # Old-style gettext: {% trans %} marks the translation safe and escapes the values put
        # into it, as literal template text and {{ values }} were before.
        env.install_gettext_translations(translations(locale), newstyle=False)  # type: ignore[attr-defined]
        env.filters.update(
            date=pass_context(lambda ctx, v, fmt="medium": self.format_date(v, fmt, ctx.get("locale"))),
            datetime=pass_context(lambda ctx, v, fmt="yyyy-MM-dd HH:mm": self.format_datetime(v, fmt, ctx.get("locale"))),
            number=pass_context(lambda ctx, v: self.format_number(v, ctx.get("locale"))),
        )
        return env

    def render(self, name: str, locale: str | None = None, **context: Any) -> str:
        """Render the message ``name`` (e.g. ``welcome.html.j2``) in ``locale`` with ``context``."""
        loc = normalise_locale(locale, self.default_locale)
        template = self.envs[loc].get_template(name)
        return template.render(locale=loc, s=lambda key, **kw: self.string(key, loc, **kw), **context).strip()

    def string(self, key: str, locale: str | None = None, **params: Any) -> str:
        """A short plain-text label from ``strings.py``, translated; ``{name}`` placeholders filled."""
        loc = normalise_locale(locale, self.default_locale)
        source = STRINGS.get(key)
        if source is None:
            raise KeyError(f"no string {key!r} for locale {loc!r}")
        text = translations(loc).gettext(source)
        return text.format(**params) if params else text

    def format_date(self, value: date | datetime, fmt: str = "medium", locale: str | None = None) -> str:
        loc = BABEL_LOCALES[normalise_locale(locale, self.default_locale)]
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        elif isinstance(value, str):  # an answer as forms store it
            value = date.fromisoformat(value)
        return format_date(value, format=fmt, locale=loc)

    def format_datetime(self, value: datetime, fmt: str = "yyyy-MM-dd HH:mm", locale: str | None = None) -> str:
        loc = BABEL_LOCALES[normalise_locale(locale, self.default_locale)]
        return format_datetime(value, format=fmt, tzinfo=self.tz, locale=loc)

    def format_number(self, value: float, locale: str | None = None) -> str:
        return format_decimal(value, locale=BABEL_LOCALES[normalise_locale(locale, self.default_locale)])
