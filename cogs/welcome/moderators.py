"""/welcome … for moderators: where and how newcomers are welcomed, the house norms, raid and
leave tuning, the niche list, stats, and a preview of the whole flow on themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from cogs._common import BRAND, niche_choices
from cogs.welcome.render import rules_embed
from cogs.welcome.views import RulesModal, flow_for
from core.emoji import validate_emoji
from core.errors import Conflict, DomainError
from core.i18n import _, format_number, ngettext
from core.interactions import ModGroup, ModSubGroup, reply
from core.text import clean_line, truncate
from services.container import Services
from services.niches import update_niche
from services.welcome import PLACEHOLDERS, render_template

if TYPE_CHECKING:
    from core.bot import MutualsBot


class WelcomeModerationCog(commands.Cog, name="WelcomeModeration"):
    """The /welcome command group (hidden from members at sync, refused to them at run time)."""

    welcome = ModGroup(name="welcome", description="Welcome and onboard newcomers (moderators)")
    niche = ModSubGroup(name="niche", description="The server's niche list", parent=welcome)

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.service = bot.need(Services).welcome

    async def on_rules_submitted(self, interaction: discord.Interaction, text: str) -> None:
        assert interaction.guild is not None
        settings = await self.service.configure(interaction.guild.id, rules=text)
        await reply(interaction, embed=rules_embed(settings, _("Norms saved 💞")))

    @welcome.command(name="channel", description="Where public welcomes and introductions go")
    @app_commands.describe(channel="The welcome channel")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        assert interaction.guild is not None
        me = interaction.guild.me
        if me is not None and not channel.permissions_for(me).send_messages:
            raise DomainError(
                _(
                    "I can't post in {channel}. Give me **Send Messages** there, or pick "
                    "another channel.",
                    channel=channel.mention,
                )
            )
        await self.service.configure(interaction.guild.id, channel_id=channel.id)
        await reply(
            interaction,
            _("Welcomes and introductions will go to {channel}. 💞", channel=channel.mention),
        )

    @welcome.command(name="message", description="The public welcome (placeholders in braces)")
    @app_commands.describe(
        text="e.g. Hey mutual {member}! Welcome to {server}, member #{count}",
        reset="Go back to the default welcome",
    )
    async def message(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 1500] | None = None,
        reset: bool = False,
    ) -> None:
        assert interaction.guild is not None
        gid = interaction.guild.id
        valid = ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)
        if reset:
            settings = await self.service.configure(gid, template=None)
            head = _("Back to the default welcome.")
        elif text is not None:
            settings = await self.service.configure(gid, template=text)
            head = _("Welcome message saved.")
        else:
            settings = await self.service.settings(gid)
            head = _("Current welcome message.")
        sample = render_template(
            settings.template,
            member=interaction.user.mention,
            server=escape_markdown(interaction.guild.name),
            count=format_number(interaction.guild.member_count or 1),
            niche="PlantTok",
        )
        embed = discord.Embed(
            title=_("How it looks"), description=truncate(sample, 4096), color=BRAND
        )
        embed.set_footer(
            text=_("Placeholders: {placeholders}", placeholders="{member} {server} {count} {niche}")
        )
        await reply(
            interaction, _("{head} Placeholders: {valid}.", head=head, valid=valid), embed=embed
        )

    @welcome.command(name="dm", description="Turn the onboarding DM on or off")
    @app_commands.describe(state="on: DM newcomers; off: onboarding only in the server")
    @app_commands.choices(
        state=[
            app_commands.Choice(name="on", value="on"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    async def dm(self, interaction: discord.Interaction, state: app_commands.Choice[str]) -> None:
        assert interaction.guild is not None
        await self.service.configure(interaction.guild.id, dm_enabled=state.value == "on")
        text = (
            _("Newcomers get the onboarding DM. 📬")
            if state.value == "on"
            else _("No DMs: newcomers use **Start onboarding** on their welcome post.")
        )
        await reply(interaction, text)

    @welcome.command(name="autorole", description="A role given when onboarding is complete")
    @app_commands.describe(role="The role (leave empty to stop giving one)")
    async def autorole(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        assert interaction.guild is not None
        if role is not None and not role.is_assignable():
            raise DomainError(
                _(
                    "I can't give {role}: it must be below my highest role and not managed "
                    "by an integration. Move my role up or pick another.",
                    role=role.mention,
                )
            )
        await self.service.configure(
            interaction.guild.id, autorole_id=role.id if role is not None else None
        )
        text = (
            _("Onboarded members get {role}. 💞", role=role.mention)
            if role
            else _("No role is given on completing onboarding.")
        )
        await reply(interaction, text)

    @welcome.command(name="rules", description="Edit the norms shown to newcomers")
    @app_commands.describe(reset="Go back to the community's default norms")
    async def rules(self, interaction: discord.Interaction, reset: bool = False) -> None:
        assert interaction.guild is not None
        if reset:
            settings = await self.service.configure(interaction.guild.id, rules=None)
            await reply(interaction, embed=rules_embed(settings, _("Default norms restored")))
            return
        settings = await self.service.settings(interaction.guild.id)
        await interaction.response.send_modal(RulesModal(self, settings.rules))

    @welcome.command(name="tuning", description="Raid batching and the leave clean-up window")
    @app_commands.describe(
        raid_joins="Joins within the raid window that switch to one batched welcome",
        raid_seconds="Length of the raid window in seconds",
        leave_minutes="Remove the welcome of members leaving within this many minutes (0: off)",
    )
    async def tuning(
        self,
        interaction: discord.Interaction,
        raid_joins: app_commands.Range[int, 2, 1000] | None = None,
        raid_seconds: app_commands.Range[int, 5, 3600] | None = None,
        leave_minutes: app_commands.Range[int, 0, 10080] | None = None,
    ) -> None:
        assert interaction.guild is not None
        changes: dict[str, Any] = {}
        if raid_joins is not None:
            changes["raid_joins"] = raid_joins
        if raid_seconds is not None:
            changes["raid_window_seconds"] = raid_seconds
        if leave_minutes is not None:
            changes["leave_window_minutes"] = leave_minutes
        settings = await self.service.configure(interaction.guild.id, **changes)
        await reply(
            interaction,
            _(
                "More than **{joins}** in **{seconds}** turn into one batched welcome per "
                "window; members leaving within **{minutes}** have their welcome removed.",
                joins=ngettext("{n} join", "{n} joins", settings.raid_joins),
                seconds=ngettext("{n} second", "{n} seconds", settings.raid_window_seconds),
                minutes=ngettext("{n} minute", "{n} minutes", settings.leave_window_minutes),
            ),
        )

    @welcome.command(name="show", description="Show the welcome settings")
    async def show(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        s = await self.service.settings(interaction.guild.id)
        embed = discord.Embed(title=_("Welcome settings"), color=BRAND)
        embed.add_field(
            name=_("Channel"),
            value=f"<#{s.channel_id}>" if s.channel_id else _("not set (`/welcome channel`)"),
        )
        embed.add_field(name=_("DM"), value=_("on") if s.dm_enabled else _("off"))
        embed.add_field(
            name=_("Autorole"), value=f"<@&{s.autorole_id}>" if s.autorole_id else _("none")
        )
        embed.add_field(
            name=_("Raids"),
            value=_(
                "> {joins} in {seconds} → batched",
                joins=ngettext("{n} join", "{n} joins", s.raid_joins),
                seconds=ngettext("{n} second", "{n} seconds", s.raid_window_seconds),
            ),
        )
        embed.add_field(
            name=_("Leave clean-up"),
            value=ngettext("{n} minute", "{n} minutes", s.leave_window_minutes),
        )
        embed.add_field(name=_("Message"), value=truncate(s.template, 1024), inline=False)
        embed.add_field(
            name=_("Norms"),
            value=ngettext(
                "{n} norm (`/welcome rules`)", "{n} norms (`/welcome rules`)", len(s.rules)
            ),
        )
        await reply(interaction, embed=embed)

    @welcome.command(name="preview", description="Run the whole newcomer flow on yourself")
    async def preview(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        state = await self.service.open_flow(
            interaction.guild.id,
            interaction.user.id,
            display_name=interaction.user.display_name,
            preview=True,
        )
        embed, view = await flow_for(self.bot, state, "p")
        await reply(interaction, embed=embed, view=view)

    @welcome.command(name="stats", description="Joins and onboarding over 7 and 30 days")
    async def stats(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        periods = await self.service.stats(interaction.guild.id)
        embed = discord.Embed(title=_("Welcome stats"), color=BRAND)
        for p in periods:
            rate = f"{p.completion_rate:.0%}" if p.completion_rate is not None else "—"
            embed.add_field(
                name=ngettext("Last {n} day", "Last {n} days", p.days),
                value=_(
                    "Joins: **{joins}**\nStarted onboarding: **{started}**\n"
                    "Completed: **{completed}** ({rate} of those who started)\n"
                    "DMs closed: **{closed}**",
                    joins=format_number(p.joins),
                    started=format_number(p.started),
                    completed=format_number(p.completed),
                    rate=rate,
                    closed=format_number(p.dms_closed),
                ),
            )
        await reply(interaction, embed=embed)

    # ------------------------------------------------------------ /welcome niche …

    @niche.command(name="add", description="Add a niche newcomers can pick")
    @app_commands.describe(
        name="e.g. CozyGamerTok",
        emoji="One emoji for the menu",
        role="A role given to members of this niche",
        description="One line shown in the menu",
    )
    async def niche_add(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 40],
        emoji: app_commands.Range[str, 1, 64] | None = None,
        role: discord.Role | None = None,
        description: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild is not None
        if role is not None and not role.is_assignable():
            raise DomainError(
                _(
                    "I can't give {role}: move my role above it (or pick another role).",
                    role=role.mention,
                )
            )
        clean_emoji = validate_emoji(emoji)
        role_id = role.id if role is not None else None
        extra = _(" (gives {role})", role=role.mention) if role is not None else ""
        try:
            added = await self.bot.need(Services).niches.add(
                interaction.guild.id,
                name,
                emoji=clean_emoji,
                role_id=role_id,
                description=description,
            )
        except Conflict as exc:
            if clean_emoji is None and role_id is None and description is None:
                raise Conflict(
                    _(
                        "{problem} To change it, run this again with an emoji, role or "
                        "description.",
                        problem=exc.message,
                    )
                ) from None
            updated = await update_niche(
                self.bot.need(Services).niches,
                interaction.guild.id,
                name,
                emoji=clean_emoji,
                role_id=role_id,
                description=description,
            )
            await reply(
                interaction,
                _(
                    "Updated **{niche}**{extra}. 💞",
                    niche=escape_markdown(updated.label),
                    extra=extra,
                ),
            )
            return
        await reply(
            interaction,
            _("Added **{niche}**{extra}. 💞", niche=escape_markdown(added.label), extra=extra),
        )

    @niche.command(name="remove", description="Remove a niche from the list")
    @app_commands.describe(name="The niche to remove")
    async def niche_remove(
        self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 40]
    ) -> None:
        assert interaction.guild is not None
        removed = await self.bot.need(Services).niches.remove(
            interaction.guild.id, clean_line(name, field="niche name", max_len=40)
        )
        await reply(
            interaction,
            _("Removed **{niche}** from the list.", niche=escape_markdown(removed.name)),
        )

    @niche_remove.autocomplete("name")
    async def _niche_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        guild_id = interaction.guild.id if interaction.guild else None
        return await niche_choices(self.bot.need(Services).niches, guild_id, current)

    @niche.command(name="list", description="Show the niche list")
    async def niche_list(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        niches = await self.bot.need(Services).niches.list_niches(interaction.guild.id)
        lines = [
            f"{n.emoji or '•'} **{escape_markdown(n.name)}**"
            + (f" <@&{n.role_id}>" if n.role_id else "")
            + (f": {escape_markdown(n.description)}" if n.description else "")
            for n in niches
        ]
        embed = discord.Embed(
            title=_("Niches ({count}/25)", count=len(niches)),
            description=truncate(
                "\n".join(lines) or _("No niches yet: `/welcome niche add`."), 4096
            ),
            color=BRAND,
        )
        await reply(interaction, embed=embed)
