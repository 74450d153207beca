"""Safety for a young community: reports to moderators (`/report`, the Report buttons and the
moderators' buttons). The cog is imported in ``setup`` only, so other capabilities' renderers
can import the Report button without loading this cog."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    from cogs.safety.reports import ReportsCog

    await bot.add_cog(ReportsCog(bot))
