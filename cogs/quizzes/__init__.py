"""Slang quizzes: the /quiz and /quiz-mod commands, channel games and the term of the day."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.quizzes.cog import QuizCog

if TYPE_CHECKING:
    from core.bot import MutualsBot


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(QuizCog(bot))
