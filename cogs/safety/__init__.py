"""Safety on Discord. This part: the server's rules for member text (AutoMod rules read and kept
fresh, and /safety-words for moderators)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.safety.rules import SafetyRulesCog

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(SafetyRulesCog(bot))
