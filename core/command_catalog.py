"""Slash commands in the member's language: the "commands" catalog and discord.py's translator.

Discord shows each command's name, description, option names and choice names in the member's
client language when the synced payload carries ``*_localizations``; discord.py asks a
``Translator`` for every string and every Discord locale at sync. The strings come from the
command tree itself (``command_entries``, written to ``locales/commands.pot`` by
``python3 dev.py i18n extract commands``): names carry a gettext context ("command name",
"option name", "choice name") because a word used as a name (lowercase, no spaces) is
translated differently from the same word in a sentence; descriptions are plain messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from core.i18n import SOURCE, domain_catalog, language_of, translations

COMMAND_NAME = "command name"
OPTION_NAME = "option name"
CHOICE_NAME = "choice name"

#: discord.py's placeholder for an option nobody described: nothing to translate
_UNDESCRIBED = "…"

_CONTEXTS = {
    Where.command_name: COMMAND_NAME,
    Where.group_name: COMMAND_NAME,
    Where.parameter_name: OPTION_NAME,
    Where.choice_name: CHOICE_NAME,
}


@dataclass(frozen=True, order=True)
class Entry:
    """One string of the command tree: ``context`` is None for descriptions."""

    context: str | None
    message: str


class CatalogTranslator(app_commands.Translator):
    """Looks every command string up in the merged catalogs of the Discord locale's language
    (es-ES and es-419 both read Spanish); ``None`` (no localization) where the catalog has
    nothing else to say, so Discord shows the English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return localize(string.message, locale, context.location)


def localize(message: str, locale: object, location: Where) -> str | None:
    language = language_of(locale)
    if language == SOURCE or not message or message == _UNDESCRIBED:
        return None
    name_context = _CONTEXTS.get(location)
    # the commands' own catalog first: a description may share its English with another
    # domain's sentence ("Niches") and mean something else there
    for catalog in (domain_catalog(language, "commands"), translations(language)):
        if catalog is None:
            continue
        if name_context is not None:
            text = str(catalog.pgettext(name_context, message))
        else:
            text = catalog.gettext(message)
        if text and text != message:
            return text
    return None


AnyCommand = app_commands.Command[Any, Any, Any] | app_commands.Group | app_commands.ContextMenu


def command_entries(commands: Iterable[AnyCommand]) -> list[Entry]:
    """Every translatable string of the slash commands, sorted, each once."""
    found: set[Entry] = set()

    def walk(command: app_commands.Command[Any, Any, Any] | app_commands.Group) -> None:
        found.add(Entry(COMMAND_NAME, command.name))
        found.add(Entry(None, command.description))
        if isinstance(command, app_commands.Group):
            for child in command.commands:
                walk(child)
            return
        for parameter in command.parameters:
            found.add(Entry(OPTION_NAME, parameter.display_name))
            if parameter.description and parameter.description != _UNDESCRIBED:
                found.add(Entry(None, parameter.description))
            for choice in parameter.choices:
                found.add(Entry(CHOICE_NAME, choice.name))

    for command in commands:
        if isinstance(command, app_commands.Command | app_commands.Group):
            walk(command)
    return sorted(found, key=lambda e: (e.context or "", e.message))


def write_template(entries: Iterable[Entry], path: Path) -> None:
    """``locales/commands.pot``, in the layout ``pybabel extract`` gives the other domains."""
    catalog = Catalog(project="Mutuals", domain="commands")
    for entry in entries:
        catalog.add(entry.message, context=entry.context)
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=True, sort_output=True)
