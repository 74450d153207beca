"""Collab matchmaking: /collab for members, /collab-rounds for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.collabs.admin import CollabRoundsCog
from cogs.collabs.cog import CollabsCog

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    main = CollabsCog(bot)
    await bot.add_cog(main)
    await bot.add_cog(CollabRoundsCog(bot, main))
