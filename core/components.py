"""Discord pieces every capability shares: a confirmation, persistent buttons whose errors
reach the member like a command's, and a typed way to reach another capability's cog."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, ClassVar, Self, TypeVar

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

    #: ``pressed`` needs nothing but the click (not the message's other components, nor this
    #: button's label): the click then skips discord.py rebuilding the whole message's view as
    #: objects, which was a fifth of a quiz answer's cost when a crowd clicks (see DirectButtons)
    direct: ClassVar[bool] = False

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

    def is_dispatchable(self) -> bool:
        # a view of direct buttons needn't be kept by discord.py: the bot routes their clicks
        return not self.direct and super().is_dispatchable()

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.direct:
            return  # the bot routed this click already (DirectButtons): once is enough
        await self.run(interaction)

    async def run(self, interaction: discord.Interaction) -> None:
        speak_to(interaction)
        try:
            await self.pressed(interaction)
        except Exception as exc:
            await handle_error(interaction, exc)

    async def pressed(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class DirectButtons:
    """Routes clicks on ``direct`` persistent buttons straight to their ``pressed`` (the bot
    registers them here instead of with discord.py, so each click is handled exactly once)."""

    def __init__(self) -> None:
        self._templates: dict[type[PersistentButton], re.Pattern[str]] = {}

    def add(self, cls: type[PersistentButton]) -> None:
        self._templates[cls] = cls.__discord_ui_compiled_template__

    def remove(self, cls: type[PersistentButton]) -> None:
        self._templates.pop(cls, None)

    def __contains__(self, cls: object) -> bool:
        return cls in self._templates

    def route(self, interaction: discord.Interaction) -> Coroutine[Any, Any, None] | None:
        """The handling of the click if it is on a direct button (to be run as a task)."""
        if interaction.type is not discord.InteractionType.component or not interaction.data:
            return None
        data: Any = interaction.data
        if data.get("component_type") != discord.ComponentType.button.value:
            return None
        custom_id = str(data.get("custom_id", ""))
        for cls, template in self._templates.items():
            match = template.fullmatch(custom_id)
            if match is not None:
                return cls.from_match(match, None).run(interaction)
        return None


def cog_of(client: discord.Client, kind: type[CogT]) -> CogT:
    """The running cog of another capability, typed; a member gets a kind word (not a crash)
    when that capability is switched off or failed to load."""
    if isinstance(client, commands.Bot):
        for cog in client.cogs.values():
            if isinstance(cog, kind):
                return cog
    raise DomainError(_("That part of Mutuals is taking a break right now. Try again later."))
