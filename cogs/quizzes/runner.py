"""The task that runs one channel game: asks one question at a time, reveals, then posts the
standings. Its state lives in the database, so a gateway reconnect changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import discord

from cogs.quizzes.render import final_embed, question_embed, reveal_embed
from cogs.quizzes.views import answer_view
from core.i18n import _, use_locale
from core.tasks import spawn
from services.quizzes import GameInfo, OpenQuestion

if TYPE_CHECKING:
    from cogs.quizzes.cog import QuizCog

log = logging.getLogger("mutuals.quiz")


class GameRunner:
    """Asks the questions of one game in one channel, then posts the standings."""

    def __init__(
        self,
        cog: QuizCog,
        game: GameInfo,
        channel: discord.abc.Messageable,
        language: str | None = None,
    ) -> None:
        self.cog = cog
        self.game = game
        self.channel = channel
        self.language = language  # the server's: the whole channel reads the game
        self.stop_event = asyncio.Event()
        self.current: OpenQuestion | None = None
        self.task: asyncio.Task[Any] | None = None

    def start(self) -> None:
        self.task = spawn(self.run(), name=f"quiz-game-{self.game.id}")

    async def _wait(self, seconds: float) -> bool:
        """Wait (through the cog's injectable sleep); True if the game was stopped meanwhile."""
        if self.stop_event.is_set():
            return True
        sleeper = asyncio.ensure_future(self.cog.sleep(seconds))
        stopper = asyncio.ensure_future(self.stop_event.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            stopper.cancel()
        return self.stop_event.is_set()

    async def _ask(self, asked: OpenQuestion) -> bool:
        """One question: post, wait (with a hint halfway for typed answers), reveal."""
        self.current = asked  # open in the DB already: typed answers count from now
        timer = asked.timer_seconds
        try:
            view = answer_view(asked)
            if view is not None:
                message = await self.channel.send(embed=question_embed(asked), view=view)
            else:
                message = await self.channel.send(embed=question_embed(asked))
            if asked.question.kind == "free":
                stopped = await self._wait(timer / 2)
                if not stopped:
                    with contextlib.suppress(discord.HTTPException):
                        await message.edit(embed=question_embed(asked, hint=True))
                    stopped = await self._wait(timer / 2)
            else:
                stopped = await self._wait(timer)
        finally:
            self.current = None
        reveal = await self.cog.quizzes.games.close_question(asked.game_id, asked.index)
        with contextlib.suppress(discord.HTTPException):
            await message.edit(
                embed=question_embed(asked, hint=True), view=answer_view(asked, revealed=True)
            )
        await self.channel.send(embed=reveal_embed(reveal))
        return stopped

    async def run(self) -> None:
        with use_locale(self.language):
            await self._run()

    async def _run(self) -> None:
        games = self.cog.quizzes.games
        try:
            stopped = await self._wait(self.cog.pause_seconds)
            for index in range(self.game.total):
                if stopped:
                    break
                asked = await games.open_question(self.game.id, index)
                if asked is None:
                    break
                stopped = await self._ask(asked)
                if not stopped and index + 1 < self.game.total:
                    stopped = await self._wait(self.cog.pause_seconds)
            end = await games.finish_game(self.game.id)
            await self.channel.send(embed=final_embed(end))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("quiz game %s crashed", self.game.id)
            with contextlib.suppress(Exception):
                end = await games.finish_game(self.game.id, "failed")
                await self.channel.send(
                    embed=final_embed(
                        end, note=_("Oops, something broke on my side and the quiz had to end.")
                    )
                )
        finally:
            if self.cog.runners.get(self.game.channel_id) is self:
                del self.cog.runners[self.game.channel_id]
