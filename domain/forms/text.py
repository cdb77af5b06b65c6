"""Bilingual text: every label, help and message is given in Chinese (zh) and English (en).

A definition may give text as a plain string (taken as Chinese) or as ``{"zh": ..., "en": ...}``;
English falls back to Chinese when absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LOCALES = ("zh", "en")


@dataclass(frozen=True)
class LocalText:
    """A piece of user-visible text in Chinese and English."""

    zh: str
    en: str = ""

    def get(self, locale: str = "zh") -> str:
        """Return the text in ``locale``, falling back to Chinese."""
        if locale == "en" and self.en:
            return self.en
        return self.zh

    def to_json(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}

    @classmethod
    def of(cls, raw: Any) -> LocalText | None:
        """Read a plain string or a ``{"zh", "en"}`` mapping; None for nothing usable."""
        if raw is None:
            return None
        if isinstance(raw, LocalText):
            return raw
        if isinstance(raw, dict):
            zh = _clean(raw.get("zh"))
            en = _clean(raw.get("en"))
            if not zh and not en:
                return None
            return cls(zh or en, en)
        text = _clean(raw)
        return cls(text) if text else None


def _clean(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()
