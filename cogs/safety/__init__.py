"""Safety for a young community: /safety for moderators (age groups), the server's rules for
member text (AutoMod rules read and kept fresh, /safety-words)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.safety.moderators import SafetyModerationCog
from cogs.safety.rules import SafetyRulesCog

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(SafetyRulesCog(bot))
    await bot.add_cog(SafetyModerationCog(bot))
