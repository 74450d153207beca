"""/welcome …: newcomers onboarded by DM (or in the server when DMs are closed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.welcome.cog import WelcomeCog
from cogs.welcome.moderators import WelcomeModerationCog

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(WelcomeCog(bot))
    await bot.add_cog(WelcomeModerationCog(bot))
