"""Replying to interactions, and the one error path every command, button and modal shares."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import discord
from discord import app_commands

from core.errors import DomainError, new_error_id
from core.text import UNREADABLE, has_lone_surrogates

log = logging.getLogger("mutuals.errors")

T = TypeVar("T")


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    ephemeral: bool = True,
    allowed_mentions: discord.AllowedMentions | None = None,
) -> None:
    """Send a reply whether or not the interaction was already answered (or deferred)."""
    kwargs: dict[str, Any] = {"ephemeral": ephemeral}
    if content is not None:
        kwargs["content"] = content
    if embed is not None:
        kwargs["embed"] = embed
    if embeds:
        kwargs["embeds"] = embeds
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if allowed_mentions is not None:
        kwargs["allowed_mentions"] = allowed_mentions
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


class UnreadableInput(app_commands.CheckFailure):
    """What a member typed can't be read (lone UTF-16 surrogates): refused at the edge."""


def _message_for(error: BaseException) -> tuple[str, bool]:
    """(what the member sees, whether it is unexpected and must be logged with an id)."""
    original: BaseException = error
    if isinstance(error, app_commands.CommandInvokeError):
        original = error.original
    elif isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        original = error.__cause__
    if isinstance(original, DomainError):
        return original.message, False
    if isinstance(error, UnreadableInput):
        return UNREADABLE, False
    if isinstance(error, app_commands.MissingPermissions):
        return "This one's for moderators only (it needs **Manage Server**).", False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "Use this command inside the server, not in DMs.", False
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Easy there! Try again in {error.retry_after:.0f}s.", False
    if isinstance(error, app_commands.TransformerError):
        return (
            f"I couldn't read `{str(error.value)[:50]}` for that option. Pick from the list.",
            False,
        )
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this here.", False
    return "", True


async def handle_error(interaction: discord.Interaction, error: BaseException) -> None:
    message, unexpected = _message_for(error)
    if unexpected:
        error_id = new_error_id()
        where = interaction.command.qualified_name if interaction.command else interaction.data
        log.error(
            "error id %s in %s by user %s",
            error_id,
            where,
            interaction.user.id,
            exc_info=(type(error), error, error.__traceback__),
        )
        message = (
            f"Oops, something broke on my side (error id `{error_id}`). "
            "Try again in a moment; if it keeps happening, tell a moderator with that id."
        )
    try:
        await reply(interaction, message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)


def guarded(
    func: Callable[..., Coroutine[Any, Any, T]],
) -> Callable[..., Coroutine[Any, Any, T | None]]:
    """For button/select/modal callbacks that discord.py would otherwise only log on error."""

    @functools.wraps(func)
    async def wrapper(self: Any, interaction: discord.Interaction, *args: Any) -> T | None:
        try:
            return await func(self, interaction, *args)
        except Exception as exc:
            await handle_error(interaction, exc)
            return None

    return wrapper


class MutualsView(discord.ui.View):
    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await handle_error(interaction, error)


class MutualsModal(discord.ui.Modal):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if has_lone_surrogates(interaction.data):
            raise DomainError(UNREADABLE)
        return True

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await handle_error(interaction, error)


class MutualsTree(app_commands.CommandTree[Any]):
    #: told when a command ends in an error (the bot counts it with the command's latency)
    observe_error: Callable[[discord.Interaction], None] | None = None

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Member text is checked once, here at the edge, for every command and autocomplete."""
        if not has_lone_surrogates(interaction.data):
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
            return False
        raise UnreadableInput(UNREADABLE)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        if self.observe_error is not None:
            self.observe_error(interaction)
        await handle_error(interaction, error)


MOD_PERMISSIONS = discord.Permissions(manage_guild=True)


def is_moderator(interaction: discord.Interaction) -> bool:
    perms = interaction.permissions
    return bool(perms.manage_guild or perms.administrator)


class ModGroup(app_commands.Group):
    """A command group for moderators: hidden from members at sync, and refused at run time."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_permissions", MOD_PERMISSIONS)
        kwargs.setdefault("guild_only", True)
        super().__init__(**kwargs)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.guild is None:
            raise app_commands.NoPrivateMessage()
        if not is_moderator(interaction):
            raise app_commands.MissingPermissions(["manage_guild"])
        return True


class ModSubGroup(app_commands.Group):
    """A subgroup of a ModGroup: discord.py only runs the immediate parent's check."""

    interaction_check = ModGroup.interaction_check
