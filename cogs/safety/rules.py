"""The server's rules for member text, on Discord: reading the guild's AutoMod rules (when the
guild becomes available, when the bot joins, when it is given Manage Server) and keeping them
fresh from the rule events; and /safety-words (moderators): the words Mutuals never re-posts
from members here. What is checked, and how, is services.safety's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND
from core.i18n import N_, _, ngettext
from core.interactions import ModGroup, reply
from core.text import plural, truncate
from services.container import Services
from services.safety import RulesOverview, RuleSpec, WordsChange
from services.safety.automod import KEYWORD_PRESET, PRESET_NAMES

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger("mutuals.safety")

#: guilds whose rules are read at once (a process with many guilds starts without a burst)
PARALLEL_READS = 4
WHERE = N_("intros, shoutout blurbs, check-in wins")
SYNTAX = N_("`word` whole word · `word*` starts with · `*word` ends with · `*word*` anywhere")


def _shown(words: Iterable[str]) -> str:
    """Words in spoilers, so a list on a shared screen doesn't flash them."""
    return ", ".join(f"||`{w.replace('`', 'ˋ')}`||" for w in words)


def _rule_line(rule: RuleSpec) -> str:
    name = discord.utils.escape_markdown(rule.name)
    if rule.trigger_type == KEYWORD_PRESET:
        lists = ", ".join(
            _(PRESET_NAMES[p]) if p in PRESET_NAMES else "?" for p in rule.presets
        ) or _("none")
        return _(
            "• **{name}** (Discord's lists: {lists}): Discord doesn't share these lists with "
            "bots, so block the words you care about here too",
            name=name,
            lists=lists,
        )
    parts = [ngettext("{n} keyword", "{n} keywords", len(rule.keywords))]
    if rule.regex_patterns:
        parts.append(ngettext("{n} pattern", "{n} patterns", len(rule.regex_patterns)))
    if rule.allow_list:
        parts.append(ngettext("{n} allowed", "{n} allowed", len(rule.allow_list)))
    if rule.enabled:
        return _("• **{name}**: {parts}", name=name, parts=", ".join(parts))
    return _(
        "• **{name}**: {parts} (switched off, so not applied)", name=name, parts=", ".join(parts)
    )


def overview_embed(view: RulesOverview) -> discord.Embed:
    embed = discord.Embed(
        title=_("What member text is held to here 🛡️"),
        description=_(
            "Before I re-post a member's words ({where}), I check them against these. A match "
            "is refused privately, naming the field to change, and nothing is posted.",
            where=_(WHERE),
        ),
        color=BRAND,
    )
    words = (
        ngettext(
            "{n} word: {words}", "{n} words: {words}", len(view.words), words=_shown(view.words)
        )
        if view.words
        else _("none yet: add some with `/safety-words add`")
    )
    embed.add_field(name=_("Your blocked words"), value=truncate(words, 1024), inline=False)
    if view.readable is False:
        rules = _(
            "I can't read them: that needs the **Manage Server** permission. Give it to "
            "Mutuals and I'll pick them up by myself; until then your blocked words hold."
        )
    elif view.readable is None:
        rules = _("Not read yet: I read them when I connect to the server.")
    else:
        rules = "\n".join(_rule_line(r) for r in view.rules) or _("No keyword rules set up.")
    embed.add_field(
        name=_("This server's AutoMod rules"), value=truncate(rules, 1024), inline=False
    )
    if view.unreadable_patterns:
        lines = [
            _(
                "{pattern} in **{rule}**",
                pattern=f"`{truncate(p.replace('`', 'ˋ'), 80)}`",
                rule=discord.utils.escape_markdown(r),
            )
            for r, p in view.unreadable_patterns
        ]
        embed.add_field(
            name=_("Patterns I can't read (skipped)"),
            value=truncate("\n".join(lines), 1024),
            inline=False,
        )
    embed.set_footer(text=_("Like AutoMod: {syntax}", syntax=_(SYNTAX).replace("`", "")))
    if view.refreshed_at is not None:
        embed.timestamp = view.refreshed_at
    return embed


class SafetyRulesCog(commands.Cog):
    words = ModGroup(
        name="safety-words", description="Words Mutuals never re-posts from members (moderators)"
    )

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).text_rules
        self._locks: dict[int, asyncio.Lock] = {}
        self._reads = asyncio.Semaphore(PARALLEL_READS)

    def _lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    # ------------------------------------------------------------ reading Discord's rules

    async def refresh(self, guild: discord.Guild) -> None:
        """Read the guild's AutoMod rules (they replace what was stored), or, without Manage
        Server, record that they can't be read (the moderators are told once). A rule event
        arriving meanwhile waits, so it is applied after the read, never lost under it."""
        async with self._lock(guild.id), self._reads:
            me = guild.me
            if me is None or not me.guild_permissions.manage_guild:
                await self._unreadable(guild)  # asking anyway would only earn a 403
                return
            try:
                rules = await guild.fetch_automod_rules()
            except discord.Forbidden:
                await self._unreadable(guild)
                return
            except discord.HTTPException as exc:  # kept as stored; the next read tries again
                log.warning("AutoMod rules of guild %s not read: %s", guild.id, exc)
                return
            count = await self.service.rules_read(guild.id, [r.to_dict() for r in rules])
            log.info("guild %s: %s applied to member text", guild.id, plural(count, "rule"))

    async def _unreadable(self, guild: discord.Guild) -> None:
        if await self.service.rules_unreadable(guild.id, owner_id=guild.owner_id):
            self.bot.outbox.wake()

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.refresh(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.refresh(guild)

    @commands.Cog.listener()
    async def on_automod_rule_create(self, rule: discord.AutoModRule) -> None:
        async with self._lock(rule.guild.id):
            await self.service.rule_changed(rule.guild.id, rule.to_dict())

    @commands.Cog.listener()
    async def on_automod_rule_update(self, rule: discord.AutoModRule) -> None:
        await self.on_automod_rule_create(rule)

    @commands.Cog.listener()
    async def on_automod_rule_delete(self, rule: discord.AutoModRule) -> None:
        async with self._lock(rule.guild.id):
            await self.service.rule_deleted(rule.guild.id, rule.id)

    @commands.Cog.listener()
    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        """A role of the bot gained or lost Manage Server: read again (or say it can't)."""
        me = after.guild.me
        if me is None or after not in me.roles:
            return
        if _can_read(before.permissions) != _can_read(after.permissions):
            await self.refresh(after.guild)

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """The bot itself was given (or lost) a role with Manage Server."""
        if self.bot.user is None or after.id != self.bot.user.id:
            return
        if _can_read(before.guild_permissions) != _can_read(after.guild_permissions):
            await self.refresh(after.guild)

    # ------------------------------------------------------------ /safety-words

    @words.command(name="add", description="Never re-post member text with these words here")
    @app_commands.describe(words="Comma-separated: word, word* (starts with), *word*, a phrase")
    async def add(
        self, interaction: discord.Interaction, words: app_commands.Range[str, 1, 1000]
    ) -> None:
        assert interaction.guild is not None
        change = await self.service.add_words(interaction.guild.id, words)
        await reply(interaction, _added(change))

    @words.command(name="remove", description="Take words off this server's list")
    @app_commands.describe(words="Comma-separated, as they are on the list")
    async def remove(
        self, interaction: discord.Interaction, words: app_commands.Range[str, 1, 1000]
    ) -> None:
        assert interaction.guild is not None
        change = await self.service.remove_words(interaction.guild.id, words)
        lines = [
            ngettext(
                "Took {n} word off the list: {words}.",
                "Took {n} words off the list: {words}.",
                len(change.changed),
                words=_shown(change.changed),
            )
        ]
        if change.unchanged:
            lines.append(_("Not on it: {words}.", words=_shown(change.unchanged)))
        lines.append(
            ngettext("The list has {n} word now.", "The list has {n} words now.", change.total)
        )
        await reply(interaction, truncate("\n".join(lines), 2000))

    @remove.autocomplete("words")
    async def _words(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        found = await self.service.word_choices(interaction.guild.id, current[:60])
        return [app_commands.Choice(name=w, value=w) for w in found]

    @words.command(name="list", description="What member text is held to here")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await reply(
            interaction, embed=overview_embed(await self.service.overview(interaction.guild.id))
        )


def _can_read(permissions: discord.Permissions) -> bool:
    return bool(permissions.manage_guild or permissions.administrator)


def _added(change: WordsChange) -> str:
    lines = []
    if change.changed:
        lines.append(
            ngettext(
                "Blocked {n} word: {words}.",
                "Blocked {n} words: {words}.",
                len(change.changed),
                words=_shown(change.changed),
            )
        )
    if change.unchanged:
        lines.append(_("Already on the list: {words}.", words=_shown(change.unchanged)))
    lines.append(
        ngettext(
            "I won't re-post member text with them here ({where}); the list has {n} word. 🛡️",
            "I won't re-post member text with them here ({where}); the list has {n} words. 🛡️",
            change.total,
            where=_(WHERE),
        )
    )
    return truncate("\n".join(lines), 2000)
