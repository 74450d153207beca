"""Small pieces every cog shares (not an extension: the leading underscore keeps it unloaded)."""

from __future__ import annotations

from discord import app_commands

from services.profiles import search_timezones

BRAND = 0xFE2C55  # TikTok's pink, for the fam


def timezone_choices(current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for any time-zone option."""
    return [app_commands.Choice(name=z, value=z) for z in search_timezones(current[:64])]
