"""Keeps the stored names (guilds, members' display names) in step with the gateway.

Writes are buffered for half a second: a raid of joins or a large guild arriving becomes a
few bulk upserts, not thousands of tiny transactions competing with members' commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from core.tasks import spawn
from services.container import Services

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.5


class DirectoryCog(commands.Cog):
    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.directory = bot.need(Services).directory
        self._pending: dict[tuple[int, int], str] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._task = spawn(self._writer(), name="directory-writer")

    async def cog_unload(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()

    async def _writer(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(FLUSH_SECONDS)
            self._wake.clear()
            try:
                await self.flush()
            except Exception as exc:  # the database is away: keep the names for the next try
                log.warning("could not store %s names yet: %s", len(self._pending), exc)
                await asyncio.sleep(2)
                self._wake.set()

    async def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        try:
            await self.directory.remember_members([(g, u, n) for (g, u), n in batch.items()])
        except Exception:
            self._pending = {**batch, **self._pending}
            raise

    def note(self, member: discord.Member) -> None:
        if member.bot:
            return
        self._pending[(member.guild.id, member.id)] = member.display_name
        self._wake.set()

    async def _remember_guild(self, guild: discord.Guild) -> None:
        if not self.bot.owns_guild(guild.id):
            return
        await self.directory.remember_guild(guild.id, guild.name)
        for member in guild.members:
            self.note(member)

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._remember_guild(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._remember_guild(guild)

    @commands.Cog.listener()
    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        if before.name != after.name:
            await self.directory.remember_guild(after.id, after.name)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        self.note(member)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        if before.display_name != after.display_name:
            self.note(after)

    @commands.Cog.listener()
    async def on_user_update(self, before: discord.User, after: discord.User) -> None:
        if before.display_name == after.display_name:
            return
        for guild in self.bot.guilds:
            member = guild.get_member(after.id)
            if member is not None:
                self.note(member)


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(DirectoryCog(bot))
