"""Small pieces every cog shares (not an extension: the leading underscore keeps it unloaded)."""

from __future__ import annotations

from discord import app_commands

from services.niches import NicheService
from services.profiles import search_timezones

BRAND = 0xFE2C55  # TikTok's pink, for the fam


def timezone_choices(current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for any time-zone option."""
    return [app_commands.Choice(name=z, value=z) for z in search_timezones(current[:64])]


async def niche_choices(
    niches: NicheService, guild_id: int | None, current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for any niche option: the server's niches matching what was typed."""
    if guild_id is None:
        return []
    found = await niches.list_niches(guild_id)
    q = current.casefold().strip()
    hits = [n for n in found if q in n.name.casefold()] if q else found
    return [app_commands.Choice(name=n.label[:100], value=n.name) for n in hits[:25]]
