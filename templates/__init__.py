"""All user-visible text, read through one renderer.

``*.html.j2`` templates are for Telegram's HTML parse mode and autoescape every value;
``*.txt.j2`` are plain text (the command line). ``strings.yaml`` holds short labels (buttons,
command descriptions). Chinese (zh) is the default locale, English (en) is complete too.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

HERE = Path(__file__).parent
LOCALES = ("zh", "en")
BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}


def normalise_locale(code: str | None, default: str = "zh") -> str:
    """Map a Telegram language_code or a user's choice ("zh-hans", "en-US") to a supported locale."""
    if code:
        base = code.replace("_", "-").split("-")[0].lower()
        if base in LOCALES:
            return base
    return default


class Renderer:
    def __init__(self, *, default_locale: str = "zh", timezone: str = "Asia/Shanghai") -> None:
        self.default_locale = normalise_locale(default_locale)
        self.tz = ZoneInfo(timezone)
        self.env = Environment(
            loader=FileSystemLoader(str(HERE)),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
        )
        self.env.filters.update(
            date=pass_context(lambda ctx, v, fmt="medium": self.format_date(v, fmt, ctx.get("locale"))),
            datetime=pass_context(lambda ctx, v, fmt="yyyy-MM-dd HH:mm": self.format_datetime(v, fmt, ctx.get("locale"))),
            number=pass_context(lambda ctx, v: self.format_number(v, ctx.get("locale"))),
        )

    def render(self, name: str, locale: str | None = None, **context: Any) -> str:
        """Render ``<locale>/<name>`` (e.g. ``welcome.html.j2``) with ``context``."""
        loc = normalise_locale(locale, self.default_locale)
        template = self.env.get_template(f"{loc}/{name}")
        return template.render(locale=loc, s=lambda key, **kw: self.string(key, loc, **kw), **context).strip()

    def string(self, key: str, locale: str | None = None, **params: Any) -> str:
        """A short plain-text label from ``<locale>/strings.yaml``; ``{name}`` placeholders filled."""
        loc = normalise_locale(locale, self.default_locale)
        text = _strings(loc).get(key)
        if text is None:
            raise KeyError(f"no string {key!r} for locale {loc!r}")
        return text.format(**params) if params else text

    def format_date(self, value: date | datetime, fmt: str = "medium", locale: str | None = None) -> str:
        loc = BABEL_LOCALES[normalise_locale(locale, self.default_locale)]
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, format=fmt, locale=loc)

    def format_datetime(self, value: datetime, fmt: str = "yyyy-MM-dd HH:mm", locale: str | None = None) -> str:
        loc = BABEL_LOCALES[normalise_locale(locale, self.default_locale)]
        return format_datetime(value, format=fmt, tzinfo=self.tz, locale=loc)

    def format_number(self, value: float, locale: str | None = None) -> str:
        return format_decimal(value, locale=BABEL_LOCALES[normalise_locale(locale, self.default_locale)])


@cache
def _strings(locale: str) -> dict[str, str]:
    return yaml.safe_load((HERE / locale / "strings.yaml").read_text(encoding="utf-8")) or {}
