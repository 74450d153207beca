"""The bot's languages: gettext catalogs managed with Babel, and the language of the moment.

English is the source: every user-facing string is written in English inside ``_()`` (or
``ngettext()`` when it holds a count) and looked up in ``locales/<lang>/LC_MESSAGES/<domain>.po``
(compiled to ``.mo`` by ``python3 dev.py i18n compile``). One domain per capability keeps the
catalogs small and lets each capability's copy move on its own; a language's domains are merged
into one catalog at load.

Which language: a contextvar, set at the edge — ``set_locale`` in every interaction check (the
member's Discord locale, for what only they see) — and overridden with ``use_locale`` around
text that others read (public posts in the server's language, DMs sent by a schedule in the
member's last known language). Outside of both it is English.

Placeholders are named (``_("Hi {name}!", name=...)``) so translators can move them; a string
with no fields is returned as is (so a literal ``{`` needs no escaping there).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"

#: the source language, and the languages the bot speaks (Babel's names for them)
SOURCE = "en"
LANGUAGES: tuple[str, ...] = ("en", "es", "pt_BR", "ja", "ko")

#: one catalog per capability, plus the shared pieces and the command names/descriptions;
#: dev.py's ``i18n`` step maps each domain to the code it is extracted from
DOMAINS: tuple[str, ...] = (
    "core",
    "shared",
    "commands",
    "welcome",
    "shoutouts",
    "collabs",
    "quizzes",
    "checkins",
    "safety",
    "pulse",
    "web",
)

#: Discord's locale names for the languages above (anything else falls back to English)
_FROM_DISCORD = {
    "es-ES": "es",
    "es-419": "es",
    "pt-BR": "pt_BR",
    "ja": "ja",
    "ko": "ko",
}

_current: ContextVar[str] = ContextVar("mutuals_language", default=SOURCE)


def language_of(discord_locale: object) -> str:
    """The bot's language for a Discord locale (``discord.Locale`` or its string value)."""
    value = getattr(discord_locale, "value", discord_locale)
    if not isinstance(value, str):
        return SOURCE
    if value in LANGUAGES:  # already one of ours (a stored /config language)
        return value
    return _FROM_DISCORD.get(value, SOURCE)


def current() -> str:
    return _current.get()


def set_locale(language: str) -> None:
    """Speak ``language`` for the rest of this task (an interaction's handler)."""
    _current.set(language if language in LANGUAGES else SOURCE)


@contextlib.contextmanager
def use_locale(language: str | None) -> Iterator[str]:
    """Speak ``language`` inside the block (a public post, a DM to someone else)."""
    chosen = language if language in LANGUAGES else SOURCE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def _load_po(path: Path, domain: str) -> Translations:
    import io

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.parent.parent.name, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=domain)


@functools.cache
def translations(language: str) -> NullTranslations:
    """Every domain of ``language`` merged into one catalog (compiled ``.mo`` files when they
    are up to date, else the ``.po`` compiled in memory, so a fresh checkout works too)."""
    merged: NullTranslations = NullTranslations()
    if language == SOURCE:
        return merged
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    first: Translations | None = None
    for domain in DOMAINS:
        po = folder / f"{domain}.po"
        mo = folder / f"{domain}.mo"
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as handle:
                part = Translations(handle, domain=domain)
        elif po.exists():
            part = _load_po(po, domain)
        else:
            continue
        if first is None:
            first = part
        else:
            first.merge(part)
    return first if first is not None else merged


def _(message: str, /, **fields: Any) -> str:
    """``message`` in the current language, with its ``{named}`` fields filled in."""
    text = translations(_current.get()).gettext(message)
    return text.format(**fields) if fields else text


def ngettext(singular: str, plural: str, n: int, /, **fields: Any) -> str:
    """The form for ``n`` in the current language (``{n}`` is filled in, numbers by locale)."""
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text.format(n=format_number(n), **fields)


def pgettext(context: str, message: str, /) -> str:
    """``message`` in a context (``"command name"``…), for words that differ by use."""
    return str(translations(_current.get()).pgettext(context, message))


def N_(message: str, /) -> str:
    """Marks a string for extraction where it is defined; ``_()`` translates it where used."""
    return message


def format_number(value: float) -> str:
    return format_decimal(value, locale=_current.get())


def language_name(language: str, *, in_language: str | None = None) -> str:
    """ "日本語", "한국어", "Español"… (in that language itself unless told otherwise)."""
    locale = Locale.parse(language)
    return locale.get_display_name(in_language or language) or language
