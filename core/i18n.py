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
import sys
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


def _load(language: str, domain: str) -> Translations | None:
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    po = folder / f"{domain}.po"
    mo = folder / f"{domain}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=domain)
    if po.exists():
        return _load_po(po, domain)
    return None


@functools.cache
def translations(language: str) -> NullTranslations:
    """Every domain of ``language`` merged into one catalog (compiled ``.mo`` files when they
    are up to date, else the ``.po`` compiled in memory, so a fresh checkout works too).

    Where two domains translate the same English differently, the earlier domain in
    ``DOMAINS`` wins here (core, shared and the command names are the canonical words); code
    inside a capability reads its own domain first (see ``_catalogs``)."""
    if language == SOURCE:
        return NullTranslations()
    merged: Translations | None = None
    for domain in reversed(DOMAINS):
        part = _load(language, domain)
        if part is None:
            continue
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    return merged if merged is not None else NullTranslations()


@functools.cache
def domain_catalog(language: str, domain: str) -> NullTranslations | None:
    return None if language == SOURCE else _load(language, domain)


def forget_catalogs() -> None:
    """Drop the loaded catalogs: the command sync reads every language's, but until somebody
    speaks one it is only memory (a language loads again on its first use)."""
    translations.cache_clear()
    domain_catalog.cache_clear()


@functools.cache
def domain_of(module: str) -> str | None:
    """The catalog a module's strings are extracted to (mirrors dev.py's ``I18N_DOMAINS``):
    ``cogs.quizzes.views`` → quizzes, ``core.text`` → core, ``services.profiles`` → shared."""
    parts = module.split(".")
    if parts[0] in ("core", "bot"):
        return "core"
    if parts[0] == "web":
        return "pulse" if parts[1:] == ["pages", "pulse"] else "web"
    if parts[0] in ("cogs", "services") and len(parts) > 1:
        return parts[1] if parts[1] in DOMAINS else "shared"
    return None


def _catalogs(caller: str) -> tuple[NullTranslations | None, NullTranslations]:
    """The caller's own domain (so "Question {number}" is a quiz's question in quizzes and a
    check-in's in checkins), then every domain merged (strings marked in one domain with
    ``N_`` and translated in another)."""
    language = _current.get()
    domain = domain_of(caller)
    own = domain_catalog(language, domain) if domain is not None else None
    return own, translations(language)


def _caller() -> str:
    return str(sys._getframe(2).f_globals.get("__name__", ""))


def _(message: str, /, **fields: Any) -> str:
    """``message`` in the current language, with its ``{named}`` fields filled in."""
    text = message
    if _current.get() != SOURCE:  # English is the source: nothing to look up
        own, merged = _catalogs(_caller())
        text = own.gettext(message) if own is not None else message
        if text == message:
            text = merged.gettext(message)
    return text.format(**fields) if fields else text


def ngettext(singular: str, plural: str, n: int, /, **fields: Any) -> str:
    """The form for ``n`` in the current language (``{n}`` is filled in, numbers by locale)."""
    untranslated = singular if n == 1 else plural
    text = untranslated
    if _current.get() != SOURCE:
        own, merged = _catalogs(_caller())
        text = own.ngettext(singular, plural, n) if own is not None else untranslated
        if text == untranslated:
            text = merged.ngettext(singular, plural, n)
    return text.format(n=format_number(n), **fields)


def pgettext(context: str, message: str, /) -> str:
    """``message`` in a context (``"command name"``…), for words that differ by use."""
    own, merged = _catalogs(_caller())
    text = str(own.pgettext(context, message)) if own is not None else message
    if text == message:
        text = str(merged.pgettext(context, message))
    return text


def N_(message: str, /) -> str:
    """Marks a string for extraction where it is defined; ``_()`` translates it where used."""
    return message


def format_number(value: float) -> str:
    return format_decimal(value, locale=_current.get())


#: each language's name in itself, as CLDR (babel) spells it — tests/core/test_i18n.py checks
#: they agree — so that naming them (the /config choices, built at start-up) doesn't load
#: every language's locale data (~7 MB resident) before anyone speaks it
ENDONYMS: dict[str, str] = {
    "en": "English",
    "es": "español",
    "pt_BR": "português (Brasil)",
    "ja": "日本語",
    "ko": "한국어",
}


def language_name(language: str, *, in_language: str | None = None) -> str:
    """ "日本語", "한국어", "Español"… (in that language itself unless told otherwise)."""
    if in_language in (None, language) and language in ENDONYMS:
        return ENDONYMS[language]
    locale = Locale.parse(language)
    return locale.get_display_name(in_language or language) or language
