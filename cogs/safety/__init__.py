"""Safety for a young community: /safety for moderators (age groups), reports (`/report`, the
Report buttons and the moderators' buttons), and the server's rules for member text (AutoMod
rules read and kept fresh, /safety-words). The cogs are imported in ``setup`` only, so other
capabilities' renderers can import the Report button without loading them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    from cogs.safety.moderators import SafetyModerationCog
    from cogs.safety.reports import ReportsCog
    from cogs.safety.rules import SafetyRulesCog

    await bot.add_cog(SafetyRulesCog(bot))
    await bot.add_cog(SafetyModerationCog(bot))
    await bot.add_cog(ReportsCog(bot))
