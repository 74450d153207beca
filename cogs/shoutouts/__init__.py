"""Shoutout rotations: /shoutout for creators, /rotation for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.shoutouts.cog import ShoutoutsCog
from cogs.shoutouts.moderators import ShoutoutsModCog

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    shoutouts = ShoutoutsCog(bot)
    # /rotation is added before /shoutout, as when one cog held both: the synced command tree,
    # and so its stored hash, stays the same (no needless global re-sync after the update)
    await bot.add_cog(ShoutoutsModCog(bot, shoutouts))
    await bot.add_cog(shoutouts)
