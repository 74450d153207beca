"""Keeps the stored names (guilds, members' display names) and languages (the server's Discord
locale, each member's client language as their interactions show it) in step with Discord.

Writes are buffered for half a second: a raid of joins or a large guild arriving becomes a
few bulk upserts, not thousands of tiny transactions competing with members' commands. A
member's language is only written when it differs from what this process last wrote (checked
in memory on every interaction, so the common case costs a dictionary lookup).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from core.i18n import language_of
from core.tasks import spawn
from services import languages
from services.container import Services

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.5
#: members whose last written language this process remembers (then it starts over)
MEMORY_LIMIT = 200_000


class DirectoryCog(commands.Cog):
    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.directory = bot.need(Services).directory
        self._pending: dict[tuple[int, int], str] = {}
        #: guilds whose every member's name is to be stored, read from the cache when written
        self._pending_guilds: set[int] = set()
        self._languages: dict[tuple[int, int], str] = {}  # what was written (or is pending)
        self._pending_languages: dict[tuple[int, int], str] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._task = spawn(self._writer(), name="directory-writer")
        self.bot.interaction_observers.append(self.note_language)

    async def cog_unload(self) -> None:
        if self.note_language in self.bot.interaction_observers:
            self.bot.interaction_observers.remove(self.note_language)
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
                waiting = len(self._pending) + len(self._pending_languages)
                log.warning(
                    "could not store %s names and languages (and %s servers' members) yet: %s",
                    waiting,
                    len(self._pending_guilds),
                    exc,
                )
                await asyncio.sleep(2)
                self._wake.set()

    async def flush(self) -> None:
        for guild_id in sorted(self._pending_guilds):
            guild = self.bot.get_guild(guild_id)
            if guild is not None:
                await self.directory.remember_members(
                    (guild_id, m.id, m.display_name) for m in guild.members if not m.bot
                )
            self._pending_guilds.discard(guild_id)
        if self._pending:
            batch, self._pending = self._pending, {}
            try:
                await self.directory.remember_members((g, u, n) for (g, u), n in batch.items())
            except Exception:
                self._pending = {**batch, **self._pending}
                raise
        if self._pending_languages:
            seen, self._pending_languages = self._pending_languages, {}
            try:
                await languages.remember_member_languages(
                    self.bot.db, [(g, u, lang) for (g, u), lang in seen.items()]
                )
            except Exception:
                self._pending_languages = {**seen, **self._pending_languages}
                raise

    def note_language(self, interaction: discord.Interaction) -> None:
        """Every interaction, in line: the member's client language, written when it changed."""
        if interaction.guild_id is None:
            return
        key = (interaction.guild_id, interaction.user.id)
        language = language_of(interaction.locale)
        if self._languages.get(key) == language:
            return
        if len(self._languages) > MEMORY_LIMIT:  # a restart forgets it too: one write more
            self._languages.clear()
        self._languages[key] = language
        self._pending_languages[key] = language
        self._wake.set()

    def note(self, member: discord.Member) -> None:
        if member.bot:
            return
        self._pending[(member.guild.id, member.id)] = member.display_name
        self._wake.set()

    async def _remember_guild(self, guild: discord.Guild) -> None:
        if not self.bot.owns_guild(guild.id):
            return
        await self.directory.remember_guild(guild.id, guild.name)
        await languages.record_discord_locale(self.bot.db, guild.id, str(guild.preferred_locale))
        self._pending_guilds.add(guild.id)  # not a name per member here: 100k at once
        self._wake.set()

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
        if before.preferred_locale != after.preferred_locale:
            await languages.record_discord_locale(
                self.bot.db, after.id, str(after.preferred_locale)
            )

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
