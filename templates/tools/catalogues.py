"""Keep the gettext catalogues in step with the text in the sources.

    python -m templates.tools.catalogues           # extract, merge into zh and en, list what is left
    python -m templates.tools.catalogues --check   # change nothing; exit 1 if a catalogue is behind

Extraction reads ``templates/babel.cfg`` (the same as ``pybabel extract -F templates/babel.cfg``):
``{% trans %}`` blocks and ``_()`` calls in ``messages/*.j2``, ``N_()`` in ``strings.py``. Chinese
is the source text, so a new message's Chinese entry is filled from its msgid; its English entry
is left empty for a translator, and the check fails until it is filled in.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Mapping
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from templates import DOMAIN, HERE, LOCALES, catalogue_path

PROJECT = "zhibu"
SOURCE_LOCALE = "zh"

Key = tuple[str | None, str | tuple[str, ...]]  # (msgctxt, msgid or (singular, plural))


def extract(root: Path = HERE) -> Catalog:
    """Every translatable string in the sources under ``root``, as a catalogue template."""
    with (root / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(root / "babel.cfg"))
    template = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(locale: str, root: Path = HERE) -> Catalog | None:
    path = catalogue_path(locale, root / "locale")
    if not path.exists():
        return None
    with path.open("rb") as po:
        return read_po(po, locale=locale, domain=DOMAIN)


def write(catalog: Catalog, locale: str, root: Path = HERE) -> None:
    path = catalogue_path(locale, root / "locale")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        # File names without line numbers: editing a template does not churn every entry.
        write_po(po, catalog, ignore_obsolete=True, include_lineno=False)


def key(message: Message) -> Key:
    return message.context, message.id


def _messages(catalog: Catalog) -> dict[Key, Message]:
    return {key(m): m for m in catalog if m.id}


def problems(root: Path = HERE) -> list[str]:
    """What keeps the catalogues from matching the sources; empty when every string is translated."""
    template = extract(root)
    wanted = _messages(template)
    found: list[str] = []
    for locale in LOCALES:
        catalog = read(locale, root)
        if catalog is None:
            found.append(f"{locale}: no catalogue at {catalogue_path(locale, root / 'locale')}")
            continue
        have = _messages(catalog)
        for k in wanted.keys() - have.keys():
            found.append(f"{locale}: not in the catalogue: {_show(k)}")
        for k in have.keys() - wanted.keys():
            found.append(f"{locale}: in the catalogue but no longer in the sources: {_show(k)}")
        for k, message in have.items():
            if k not in wanted:
                continue
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            if message.fuzzy:
                found.append(f"{locale}: fuzzy, check and clear the flag: {_show(k)}")
            if not strings or not all(strings):
                found.append(f"{locale}: no translation: {_show(k)}")
        for message, errors in catalog.check():
            if key(message) in wanted and message.string:
                found.extend(f"{locale}: {error}: {_show(key(message))}" for error in errors)
    return sorted(found)


def update(root: Path = HERE, english: Mapping[Key, str | tuple[str, ...]] | None = None) -> list[str]:
    """Merge the sources' strings into every catalogue, as ``pybabel update`` does; fill the
    Chinese entries from their msgids and the English ones from ``english`` where given.
    Returns what is still missing."""
    template = extract(root)
    for locale in LOCALES:
        catalog = read(locale, root)
        if catalog is None:
            catalog = new_catalogue(locale)
        # update() adopts the template's new Message objects: give each catalogue its own.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_creation_date=False)
        for message in catalog:
            if not message.id:
                continue
            if locale == SOURCE_LOCALE and not _translated(message):
                message.string = _source(message, catalog.num_plurals)
            elif english and locale == "en" and key(message) in english:
                message.string = english[key(message)]
        write(catalog, locale, root)
    return problems(root)


def new_catalogue(locale: str) -> Catalog:
    return Catalog(
        locale=locale, domain=DOMAIN, project=PROJECT, version="1", fuzzy=False,
        header_comment=f"# {'Chinese' if locale == 'zh' else 'English'} text of Zhibu (支部助手).\n"
        "# Chinese is the source: msgids are the Chinese text of templates/messages and strings.py.\n"
        "# Update with: python -m templates.tools.catalogues",
        msgid_bugs_address="", last_translator="Zhibu maintainers", language_team=locale,
    )


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(strings) and all(strings)


def _source(message: Message, num_plurals: int) -> str | tuple[str, ...]:
    if isinstance(message.id, (list, tuple)):
        return tuple(message.id[min(i, 1)] for i in range(num_plurals))
    return message.id


def _show(k: Key) -> str:
    context, msgid = k
    text = " | ".join(msgid) if isinstance(msgid, tuple) else msgid
    return f"{text!r}" + (f" (context {context!r})" if context else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing, report and fail")
    args = parser.parse_args(argv)
    left = problems() if args.check else update()
    for line in left:
        print(line)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
