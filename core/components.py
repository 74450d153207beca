"""Discord pieces every capability shares: a confirmation, persistent buttons whose errors
reach the member like a command's, and a typed way to reach another capability's cog."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Self, TypeVar

import discord
from discord.ext import commands

from core.errors import DomainError
from core.i18n import _
from core.interactions import MutualsView, handle_error, speak_to

CogT = TypeVar("CogT", bound=commands.Cog)


class ConfirmView(MutualsView):
    """ "Are you sure?" for something that can't be undone, answered only by whoever asked.

    ``on_confirm`` does the work and returns what the message should say afterwards.
    """

    def __init__(
        self,
        *,
        user_id: int,
        on_confirm: Callable[[], Awaitable[str]],
        confirm_label: str | None = None,
        cancel_label: str | None = None,
        cancelled: str | None = None,
        timeout: float = 120,
    ) -> None:
        super().__init__(timeout=timeout)
        self.user_id = user_id
        self.on_confirm = on_confirm
        # built while answering the member: in their language
        self.cancelled = cancelled or _("Kept it. 💞")
        self.confirmed: bool | None = None
        self.confirm.label = confirm_label or _("Yes, delete it")
        self.cancel.label = cancel_label or _("Keep it")

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        speak_to(interaction)
        if interaction.user.id != self.user_id:
            raise DomainError(_("This button isn't yours."))
        return True

    @discord.ui.button(label="Yes", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, _button: discord.ui.Button[ConfirmView]
    ) -> None:
        content = await self.on_confirm()
        self.confirmed = True
        self.stop()
        await interaction.response.edit_message(content=content, view=None)

    @discord.ui.button(label="No", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, _button: discord.ui.Button[ConfirmView]
    ) -> None:
        self.confirmed = False
        self.stop()
        await interaction.response.edit_message(content=self.cancelled, view=None)


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A button that still works after a restart (its state lives in its custom id).

    Subclasses give their own ``template``, build themselves with the button's look, rebuild
    themselves in ``from_match`` and put the work in ``pressed``: a DomainError becomes a
    friendly ephemeral reply, anything else the apology with an error id, exactly as for slash
    commands. (The base template matches nothing.)
    """

    def __init__(
        self,
        *,
        custom_id: str,
        label: str,
        emoji: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.primary,
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls.from_match(match, label)

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> Self:
        """The button again, from its custom id (and the label it was sent with)."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
        speak_to(interaction)
        try:
            await self.pressed(interaction)
        except Exception as exc:
            await handle_error(interaction, exc)

    async def pressed(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


def cog_of(client: discord.Client, kind: type[CogT]) -> CogT:
    """The running cog of another capability, typed; a member gets a kind word (not a crash)
    when that capability is switched off or failed to load."""
    if isinstance(client, commands.Bot):
        for cog in client.cogs.values():
            if isinstance(cog, kind):
                return cog
    raise DomainError(_("That part of Mutuals is taking a break right now. Try again later."))
