"""/report and the Discord side of reports: the Report button's form, filing it (the service
stores it and queues the moderators' notice), and the moderators' buttons on the notice.

Thin on purpose: Discord objects become ids and plain values, services.safety decides,
report_render formats. Only moderators (Manage Server in the report's server) can use the
buttons on a notice, wherever it was sent (log channel or their DMs)."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs.safety.report_render import (
    actions_left,
    render_notice,
    thanks,
    updated_notice,
)
from cogs.safety.report_views import ModButton, ReportButton, ReportForm, ReportModal, mod_view
from core.components import ConfirmView
from core.errors import DomainError
from core.i18n import N_, _, use_locale
from core.interactions import is_moderator, reply
from core.outbox import CHANNEL, OutboundMessage
from core.outbox_worker import DeliveryResult, SendSpec
from services.container import Services
from services.directory import FALLBACK_MEMBER
from services.languages import member_language, server_language
from services.safety import REPORT_PURPOSE, Report, ReportDraft, parse_message_link
from services.safety.reports import SELF_REPORT

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)

#: moderators DM'd a report when the server has no log channel (the owner first)
MAX_MODERATOR_DMS = 10
MODS_ONLY = N_("This one's for moderators only (it needs **Manage Server**).")
ABOUT_YOU = N_("This report is about you, so another moderator has to handle it.")
BOT_TARGET = N_(
    "That's a bot, so there's nobody to report. If a bot is acting up, tell a moderator directly."
)


def moderators_in(guild: discord.Guild) -> list[int]:
    """Who can manage the server (bots aside), the owner first, at most MAX_MODERATOR_DMS."""
    found = [
        m.id
        for m in guild.members
        if not m.bot and (m.guild_permissions.manage_guild or m.guild_permissions.administrator)
    ]
    if guild.owner_id is not None:
        found.append(guild.owner_id)
    ordered = sorted(set(found), key=lambda uid: (uid != guild.owner_id, uid))
    return ordered[:MAX_MODERATOR_DMS]


class ReportsCog(commands.Cog):
    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        services = bot.need(Services)
        self.reports = services.safety_reports
        self.collabs = services.collabs
        self.directory = services.directory
        self.guild_config = services.guild_config

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReportButton, ModButton)
        self.bot.outbox.register(
            REPORT_PURPOSE, render=self.render_notice, on_result=self.notice_sent
        )

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReportButton, ModButton)

    # ------------------------------------------------------------------ who the moderators are

    async def moderators_of(self, guild_id: int) -> list[int]:
        """From the cache; a process without the guild cached (a DM on another shard) asks
        Discord who owns the server."""
        guild = self.bot.get_guild(guild_id)
        if guild is not None:
            return moderators_in(guild)
        try:
            fetched = await self.bot.fetch_guild(guild_id)
        except discord.HTTPException:
            return []
        return [fetched.owner_id] if fetched.owner_id else []

    async def is_moderator_of(self, interaction: discord.Interaction, guild_id: int) -> bool:
        if interaction.guild is not None:
            return interaction.guild.id == guild_id and is_moderator(interaction)
        # a notice in a moderator's DMs: their permissions in the report's server
        uid = interaction.user.id
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(uid) if guild is not None else None
        try:
            if guild is None:
                guild = await self.bot.fetch_guild(guild_id)
            if member is None:
                member = await guild.fetch_member(uid)
        except discord.HTTPException:
            return False
        perms = member.guild_permissions
        return bool(perms.manage_guild or perms.administrator)

    # ------------------------------------------------------------------ members report

    @app_commands.command(
        name="report", description="Tell the moderators about something, privately"
    )
    @app_commands.guild_only()
    @app_commands.describe(
        member="Who is this about?",
        reason="What happened, in your own words (only moderators see it)",
        message="Optional: a link to the message (right-click it, Copy Message Link)",
    )
    async def report(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        reason: app_commands.Range[str, 1, 1000],
        message: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        assert interaction.guild is not None
        if member.bot:
            raise DomainError(_(BOT_TARGET))
        channel_id = message_id = None
        if message is not None:
            channel_id, message_id = parse_message_link(message, interaction.guild.id)
        draft = ReportDraft(
            guild_id=interaction.guild.id,
            reporter_id=interaction.user.id,
            target_id=member.id,
            source="command",
            category=None,
            details=reason,
            channel_id=channel_id,
            message_id=message_id,
        )
        await self._file(interaction, draft, member.display_name)

    async def open_form(
        self, interaction: discord.Interaction, source: str, ref: int, user: int | None
    ) -> None:
        """A Report button was pressed: the form, or (already reported) a kind word now."""
        reporter = interaction.user.id
        candidates: list[int] | None
        if source == "collab":
            group = await self.collabs.group(ref)
            if group is None:
                raise DomainError(
                    _("I can't find this collab any more. Use `/report` in the server instead.")
                )
            guild_id = group.guild_id
            candidates = [u for u in group.members if u != reporter] or [reporter]
        elif source == "recap":
            guild_id, candidates = ref, None
        else:
            guild_id, candidates = ref, [user] if user else None
        if candidates == [reporter]:
            raise DomainError(_(SELF_REPORT))
        if candidates is not None and len(candidates) == 1:
            already = await self.reports.open_report(guild_id, reporter, candidates[0])
            if already is not None:
                raise DomainError(already)
        names = await self.directory.names(guild_id, candidates or [])
        msg = interaction.message
        form = ReportForm(
            guild_id=guild_id,
            source=source,
            channel_id=msg.channel.id if msg is not None else None,
            message_id=msg.id if msg is not None else None,
            in_dm=interaction.guild is None,
            candidates=None
            if candidates is None
            else tuple((u, names.get(u) or _(FALLBACK_MEMBER)) for u in candidates),
        )
        await interaction.response.send_modal(ReportModal(self, form, interaction.id))

    async def submit(
        self,
        interaction: discord.Interaction,
        form: ReportForm,
        *,
        target: int,
        target_is_bot: bool,
        category: str,
        details: str | None,
    ) -> None:
        guild = self.bot.get_guild(form.guild_id)
        member = guild.get_member(target) if guild is not None else None
        if target_is_bot or (member is not None and member.bot):
            raise DomainError(_(BOT_TARGET))
        draft = ReportDraft(
            guild_id=form.guild_id,
            reporter_id=interaction.user.id,
            target_id=target,
            source=form.source,
            category=category,
            details=details,
            channel_id=form.channel_id,
            message_id=form.message_id,
            in_dm=form.in_dm,
        )
        await self._file(interaction, draft, None)

    async def _file(
        self, interaction: discord.Interaction, draft: ReportDraft, name: str | None
    ) -> None:
        config = await self.guild_config.get(draft.guild_id)
        moderators = [] if config.log_channel_id else await self.moderators_of(draft.guild_id)
        filed = await self.reports.file(draft, moderators=moderators)
        self.bot.outbox.wake()
        await reply(interaction, thanks(filed.target_name or name, draft.source))

    # ------------------------------------------------------------------ the notice

    async def render_notice(self, message: OutboundMessage) -> SendSpec:
        """The notice in the language of whoever reads it: the server's in the log channel, the
        moderator's own in their DMs."""
        guild_id = int(message.payload["guild_id"])
        if message.kind == CHANNEL:
            language = await server_language(self.bot.db, guild_id)
        else:
            language = await member_language(self.bot.db, guild_id, message.target_id)
        with use_locale(language):
            return await render_notice(message)

    async def notice_sent(self, message: OutboundMessage, result: DeliveryResult) -> None:
        """A notice the log channel refused goes to the moderators' DMs instead."""
        if message.kind != CHANNEL or result.status != "failed":
            return
        error = result.error or ""
        guild_id = int(message.payload["guild_id"])
        # stored in the notice, which the moderators read in the server's language
        with use_locale(await server_language(self.bot.db, guild_id)):
            if error.startswith("404"):
                note = _(
                    "I sent this by DM because the mod log channel (id {channel_id}) is gone. "
                    "Pick a log channel with `/config log-channel`.",
                    channel_id=message.target_id,
                )
            else:
                note = _(
                    "I sent this by DM because I can't post in {channel} (missing permissions). "
                    "Pick a log channel with `/config log-channel`.",
                    channel=f"<#{message.target_id}>",
                )
        why = "log channel gone" if error.startswith("404") else "missing permissions"
        moderators = await self.moderators_of(guild_id)
        if await self.reports.notice_failed(int(message.payload["report_id"]), moderators, note):
            self.bot.outbox.wake()
        else:
            log.warning("report %s reached no moderator: %s", message.payload["report_id"], why)

    async def moderate(self, interaction: discord.Interaction, action: str, report_id: int) -> None:
        report = await self.reports.get(report_id)
        if not await self.is_moderator_of(interaction, report.guild_id):
            raise DomainError(_(MODS_ONLY))
        by = interaction.user.id
        if by == report.target_id:
            raise DomainError(_(ABOUT_YOU))
        if action == "post":
            await self._confirm_remove_post(interaction, report)
            return
        if action == "dismiss":
            done = await self.reports.dismiss(report_id, by)
            already = _("Already handled: nothing changed.")
        elif action == "collabs":
            done = await self.reports.remove_from_collabs(report_id, by)
            already = _("They were already out of collab rounds.")
        else:
            done = await self.reports.let_back(report_id, by)
            already = _("They were already back in collab rounds.")
        await interaction.response.edit_message(
            embed=updated_notice(interaction.message, done.report),
            view=mod_view(actions_left(done.report), report_id),
        )
        if not done.changed:
            await reply(interaction, already)

    async def _confirm_remove_post(self, interaction: discord.Interaction, report: Report) -> None:
        if not report.has_post:
            raise DomainError(_("There's no server post on this report to remove."))
        if report.post_removed:
            raise DomainError(_("That post is already removed. 🗑️"))
        notice = interaction.message
        by = interaction.user.id

        async def remove() -> str:
            text = await self.remove_post(report, by)
            if notice is not None:
                done = await self.reports.get(report.id)
                with contextlib.suppress(discord.HTTPException):
                    await notice.edit(
                        embed=updated_notice(notice, done),
                        view=mod_view(actions_left(done), report.id),
                    )
            return text

        view = ConfirmView(
            user_id=by,
            on_confirm=remove,
            confirm_label=_("Yes, remove it"),
            cancel_label=_("Keep it"),
            cancelled=_("Kept the post. 💞"),
        )
        await reply(
            interaction, _("Remove that post for everyone? This can't be undone."), view=view
        )

    async def remove_post(self, report: Report, by: int) -> str:
        assert report.channel_id is not None and report.message_id is not None
        post = self.bot.get_partial_messageable(report.channel_id).get_partial_message(
            report.message_id
        )
        text = _("Removed. 🗑️ The post is gone for everyone.")
        try:
            await post.delete()
        except discord.NotFound:
            text = _("That post was already gone; I've noted it on the report. 🗑️")
        except discord.Forbidden:
            raise DomainError(
                _(
                    "I can't delete that message: I need **Manage Messages** in {channel}. Open "
                    "it with the link on the report and delete it yourself.",
                    channel=f"<#{report.channel_id}>",
                )
            ) from None
        await self.reports.post_removed(report.id, by)
        return text
