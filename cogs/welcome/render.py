"""What the welcome looks like when the outbox sends it: the onboarding DM, the public welcome
with its card, the raid batch post and the introduction, and what each send's result changes
(a DMs-closed note on the public welcome). The names each shows travel in its payload, put there
when it was queued: the sending process may not hold the guild in its cache."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord.utils import escape_markdown

from cogs._common import BRAND
from cogs.safety.report_views import ReportButton
from cogs.welcome.views import flow_for, server_name, start_view
from core.i18n import _, format_number, ngettext, use_locale
from core.outbox import OutboundMessage
from core.outbox_worker import DeliveryResult, OutboxWorker, Renderer, ResultHook, SendSpec
from core.text import truncate
from services.languages import member_language, server_language
from services.welcome import (
    PURPOSE_BATCH,
    PURPOSE_DM,
    PURPOSE_INTRO,
    PURPOSE_PUBLIC,
    CardInfo,
    OnboardingState,
    WelcomeService,
    WelcomeSettings,
    copy_text,
    render_card,
    render_template,
)

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)


def intro_message(
    user_id: int,
    display_name: str,
    niches: Sequence[str],
    tiktok_handle: str | None,
    intro: str | None,
    invitees: list[int],
) -> tuple[str, discord.Embed, discord.AllowedMentions]:
    """The public introduction: names the niche and pings only the invited members."""
    main = niches[0] if niches else "TikTok"
    lines = [
        _(
            "Everyone say hi to {member}, our newest **{niche}** creator! 💞",
            member=f"<@{user_id}>",
            niche=main,
        )
    ]
    if invitees:
        who = ", ".join(f"<@{i}>" for i in invitees)
        lines.append(copy_text("intro_invite", invitees=who, niche=main))
    else:
        lines.append(copy_text("intro_no_invite"))
    embed = discord.Embed(
        title=truncate(_("Meet {name}", name=escape_markdown(display_name)), 256), color=BRAND
    )
    embed.add_field(name=_("Niche"), value=truncate(", ".join(niches) or "—", 1024))
    if tiktok_handle:
        url = f"https://www.tiktok.com/@{tiktok_handle}"
        embed.add_field(name="TikTok", value=f"[@{tiktok_handle}]({url})")
    if intro:
        embed.add_field(name=_("In their words"), value=truncate(intro, 1024), inline=False)
    mentions = discord.AllowedMentions.none()
    mentions.users = [discord.Object(i) for i in invitees]
    return "\n".join(lines), embed, mentions


def state_intro(
    state: OnboardingState, invitees: list[int]
) -> tuple[str, discord.Embed, discord.AllowedMentions]:
    """The introduction of a member's current onboarding (the moderator's preview)."""
    return intro_message(
        state.user_id,
        state.display_name,
        state.niches,
        state.tiktok_handle,
        state.intro,
        invitees,
    )


def rules_embed(settings: WelcomeSettings, title: str) -> discord.Embed:
    rules = "\n".join(f"**{i}.** {r}" for i, r in enumerate(settings.rules, start=1))
    embed = discord.Embed(title=title, description=truncate(rules, 4096), color=BRAND)
    embed.set_footer(
        text=_("Using custom norms. Edit with /welcome rules.")
        if settings.custom_rules
        else _("Using the community defaults. Edit with /welcome rules.")
    )
    return embed


class WelcomeOutbox:
    """The welcome's outbox purposes: how each renders and what its delivery result records."""

    def __init__(self, bot: MutualsBot, service: WelcomeService) -> None:
        self.bot = bot
        self.service = service
        self._noted: dict[int, bool] = {}  # outbox id -> public welcome rendered with DM note

    def register(self, worker: OutboxWorker) -> None:
        # The DM speaks the member's language; everything posted in the server (and the
        # DMs-closed note a result adds to the public welcome) speaks the server's.
        dm, public = self._in_member_language, self._in_server_language
        worker.register(PURPOSE_DM, render=dm(self.render_dm), on_result=self._hook(self.dm_result))
        worker.register(
            PURPOSE_PUBLIC,
            render=public(self.render_public),
            on_result=self._hook(self.public_result),
        )
        worker.register(PURPOSE_BATCH, render=public(self.render_batch))
        worker.register(
            PURPOSE_INTRO, render=public(self.render_intro), on_result=self._hook(self.intro_result)
        )

    async def _server_language(self, message: OutboundMessage) -> str:
        return await server_language(self.bot.db, int(message.payload["guild_id"]))

    def _in_server_language(self, render: Renderer) -> Renderer:
        async def rendered(message: OutboundMessage) -> SendSpec:
            with use_locale(await self._server_language(message)):
                return await render(message)

        return rendered

    def _in_member_language(self, render: Renderer) -> Renderer:
        async def rendered(message: OutboundMessage) -> SendSpec:
            guild_id, user_id = self._ids(message)
            with use_locale(await member_language(self.bot.db, guild_id, user_id)):
                return await render(message)

        return rendered

    def _hook(self, hook: ResultHook) -> ResultHook:
        async def recorded(message: OutboundMessage, result: DeliveryResult) -> None:
            with use_locale(await self._server_language(message)):
                await hook(message, result)

        return recorded

    @staticmethod
    def _ids(message: OutboundMessage) -> tuple[int, int]:
        return int(message.payload["guild_id"]), int(message.payload["user_id"])

    async def render_dm(self, message: OutboundMessage) -> SendSpec:
        guild_id, user_id = self._ids(message)
        state = await self.service.state(guild_id, user_id)
        if state is None:
            raise LookupError(f"no onboarding for {user_id} in {guild_id}")
        server = message.payload.get("guild_name")
        embed, view = await flow_for(self.bot, state, "d", server=server)
        return SendSpec(embeds=[embed], view=view)

    async def dm_result(self, message: OutboundMessage, result: DeliveryResult) -> None:
        guild_id, user_id = self._ids(message)
        if not await self.service.dm_result(guild_id, user_id, result.status):
            return
        # DMs are closed: if their welcome is already up, point them at the in-server button.
        post = await self.service.public_post(guild_id, user_id)
        if post is not None:  # not posted yet: public_result adds the note once it is
            await self._add_dm_note(message, *post)

    async def _add_dm_note(
        self, message: OutboundMessage, channel_id: int, message_id: int
    ) -> None:
        """``message``: the DM or the public welcome, whose payload names the server."""
        guild_id, user_id = self._ids(message)
        content = await self._public_content(guild_id, user_id, message.payload.get("guild_name"))
        if content is None:
            return
        try:
            partial = self.bot.get_partial_messageable(channel_id).get_partial_message(message_id)
            await partial.edit(content=content, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("could not add the DMs-closed note to %s: %s", message_id, exc)

    async def _card(self, guild_id: int, state: OnboardingState, name: str, server: str) -> bytes:
        avatar: bytes | None = None
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(state.user_id) if guild is not None else None
        if member is not None and member.avatar is not None:
            with contextlib.suppress(Exception):
                avatar = await asyncio.wait_for(
                    member.avatar.replace(size=256, format="png").read(), timeout=3
                )
        info = CardInfo(
            name=name,
            niche=state.niches[0] if state.niches else None,
            member_number=state.member_number,
            server=server,
            avatar_png=avatar,
        )
        return await asyncio.to_thread(render_card, info)

    async def _public_content(
        self,
        guild_id: int,
        user_id: int,
        server: object,
        state: OnboardingState | None = None,
    ) -> str | None:
        """The public welcome's text, with a pointer to the button when DMs can't be used
        (``server``: the name the queued message carries)."""
        state = state or await self.service.state(guild_id, user_id)
        if state is None:
            return None
        settings = await self.service.settings(guild_id)
        content = render_template(
            settings.template,
            member=f"<@{user_id}>",
            server=escape_markdown(await server_name(self.bot, guild_id, server)),
            count=format_number(state.member_number) if state.member_number else _("new"),
            niche=state.niches[0] if state.niches else "TikTok",
        )
        if state.dm_state in ("closed", "off"):
            note = copy_text("dms_closed_note" if state.dm_state == "closed" else "dm_off_note")
            content = truncate(content + "\n" + note, 2000)
        return content

    @staticmethod
    def _has_dm_note(content: str | None) -> bool:
        return bool(content) and copy_text("dms_closed_note") in (content or "")

    async def render_public(self, message: OutboundMessage) -> SendSpec:
        guild_id, user_id = self._ids(message)
        state = await self.service.state(guild_id, user_id)
        if state is None:
            raise LookupError(f"no onboarding for {user_id} in {guild_id}")
        payload = message.payload
        server = await server_name(self.bot, guild_id, payload.get("guild_name"))
        content = await self._public_content(guild_id, user_id, server, state)
        assert content is not None
        name = str(payload.get("display_name") or state.display_name)
        card = await self._card(guild_id, state, name, server)
        mentions = discord.AllowedMentions.none()
        mentions.users = [discord.Object(user_id)]
        self._noted[message.id] = self._has_dm_note(content)
        return SendSpec(
            content=content,
            files=[discord.File(io.BytesIO(card), filename="welcome.png")],
            view=start_view(guild_id),
            allowed_mentions=mentions,
        )

    async def public_result(self, message: OutboundMessage, result: DeliveryResult) -> None:
        noted = self._noted.pop(message.id, False)
        if result.status == "sent" and result.message_id and result.channel_id:
            guild_id, user_id = self._ids(message)
            await self.service.posted(
                guild_id, user_id, "public", result.channel_id, result.message_id
            )
            state = await self.service.state(guild_id, user_id)
            if not noted and state is not None and state.dm_state == "closed":
                # the DM bounced while this post was on its way
                await self._add_dm_note(message, result.channel_id, result.message_id)

    async def render_batch(self, message: OutboundMessage) -> SendSpec:
        payload = message.payload
        guild_id = int(payload["guild_id"])
        names = ", ".join(f"<@{int(u)}>" for u in payload["user_ids"])
        server = escape_markdown(await server_name(self.bot, guild_id, payload.get("guild_name")))
        embed = discord.Embed(
            title=copy_text("batch_title"),
            description=truncate(copy_text("batch_body", server=server, names=names), 4096),
            color=BRAND,
        )
        total, part, parts = int(payload["total"]), int(payload["part"]), int(payload["parts"])
        footer = ngettext("{n} new mutual in this wave", "{n} new mutuals in this wave", total)
        if parts > 1:
            footer += " · " + _("part {part} of {parts}", part=part, parts=parts)
        embed.set_footer(text=footer)
        return SendSpec(
            embeds=[embed],
            view=start_view(guild_id),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def render_intro(self, message: OutboundMessage) -> SendSpec:
        guild_id, user_id = self._ids(message)
        payload = message.payload
        invitees = [int(i) for i in payload.get("invitees", [])]
        if "display_name" in payload:
            content, embed, mentions = intro_message(
                user_id,
                str(payload["display_name"]),
                [str(n) for n in payload.get("niches") or ()],
                payload.get("tiktok_handle"),
                payload.get("intro"),
                invitees,
            )
        else:  # queued by an older version: what the database holds now
            state = await self.service.state(guild_id, user_id)
            if state is None:
                raise LookupError(f"no onboarding for {user_id} in {guild_id}")
            content, embed, mentions = state_intro(state, invitees)
        view = discord.ui.View(timeout=None)
        view.add_item(ReportButton.about_member("intro", guild_id, user_id))
        return SendSpec(content=content, embeds=[embed], view=view, allowed_mentions=mentions)

    async def intro_result(self, message: OutboundMessage, result: DeliveryResult) -> None:
        if result.status == "sent" and result.message_id and result.channel_id:
            guild_id, user_id = self._ids(message)
            await self.service.posted(
                guild_id, user_id, "intro", result.channel_id, result.message_id
            )
