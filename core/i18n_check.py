"""``python -m core.i18n_check [domain…]``: fails when a shipped catalog is behind its template
(a string with no entry), or holds an untranslated, fuzzy or placeholder-breaking entry."""

from __future__ import annotations

import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from core.i18n import DOMAINS, LANGUAGES, LOCALES_DIR, SOURCE


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<unbalanced braces>"}


def _read(path: Path, language: str | None = None) -> Catalog:
    # the language gives the plural forms: `i18n update` writes catalogs without a header
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def problems(domains: list[str] | None = None) -> list[str]:
    found: list[str] = []
    for domain in domains or list(DOMAINS):
        pot_path = LOCALES_DIR / f"{domain}.pot"
        if not pot_path.exists():
            continue
        template = _read(pot_path)
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
        for language in LANGUAGES:
            if language == SOURCE:
                continue
            po = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
            if not po.exists():
                found.append(f"{po.relative_to(LOCALES_DIR.parent)}: missing")
                continue
            catalog = _read(po, language)
            have: set[str] = set()
            for message in catalog:
                if not message.id:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                have.add(key)
                where = f"{po.relative_to(LOCALES_DIR.parent)}: {key[:60]!r}"
                raw = message.string
                strings = [str(x) for x in raw] if isinstance(raw, list | tuple) else [raw or ""]
                if message.fuzzy:
                    found.append(f"{where}: fuzzy")
                elif not all(strings):
                    found.append(f"{where}: untranslated")
                else:
                    ids = (
                        [str(i) for i in message.id]
                        if isinstance(message.id, list | tuple)
                        else [message.id]
                    )
                    allowed: set[str] = set().union(*(_fields(i) for i in ids)) | {"n"}
                    for text in strings:
                        extra = _fields(text) - allowed
                        if extra:
                            found.append(f"{where}: unknown fields {sorted(extra)}")
            for key in sorted(wanted - have):
                found.append(f"{po.relative_to(LOCALES_DIR.parent)}: {key[:60]!r}: no entry")
    return found


def main(argv: list[str]) -> int:
    found = problems(argv or None)
    for line in found:
        print(line)
    print(f"{len(found)} problem(s) in the shipped catalogs")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
