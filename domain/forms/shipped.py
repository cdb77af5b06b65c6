"""The forms shipped with Zhibu, read from the package's ``definitions/`` folder.

Shipped forms: ``standardisation`` (党支部标准化规范化建设自评), ``demonstration``
(基层党建示范阵地创建自评) and ``activity_record`` (组织生活记录).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from .definition import FormDefinition
from .loading import load_form_yaml

SHIPPED_FORMS = ("standardisation", "demonstration", "activity_record")


@cache
def shipped_form(form_id: str) -> FormDefinition:
    """Load a shipped form once; KeyError for an unknown id."""
    if form_id not in SHIPPED_FORMS:
        raise KeyError(form_id)
    text = resources.files("domain.forms.definitions").joinpath(f"{form_id}.yaml").read_text("utf-8")
    return load_form_yaml(text)
