"""Check-ins on Discord: /checkin for members, /checkin-mod for moderators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.checkins.cog import CheckinCog

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(CheckinCog(bot))
