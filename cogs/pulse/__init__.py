"""/pulse: the week's community pulse for moderators, as an embed and a chart image."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    from cogs.pulse.cog import PulseCog

    await bot.add_cog(PulseCog(bot))
