"""Safety for a young community: /safety for moderators (age groups)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.safety.moderators import SafetyModerationCog

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(SafetyModerationCog(bot))
