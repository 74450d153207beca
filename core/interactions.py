"""Replying to interactions, and the one error path every command, button and modal shares."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import discord
from discord import app_commands

from core.errors import DomainError, new_error_id
from core.i18n import _, format_number, language_of, set_locale
from core.text import UNREADABLE, has_lone_surrogates

log = logging.getLogger("mutuals.errors")

T = TypeVar("T")

#: how long a click waits for its outcome (a batched write: committed in about a millisecond
#: when the bot is quiet) before it is acknowledged without it: within this, the member gets
#: the outcome as the very answer (one request, no "thinking…" flash); past it, a "thinking…"
#: at once and the outcome in its place when it is ready
ACK_WITHIN = 0.5
#: however long a click queued on a crowded bot, it is acknowledged by this many seconds
#: after Discord created it: Discord fails an interaction left unanswered for 3 s
ACK_BY = 1.5

#: ``interaction.extras`` key: the member saw an acknowledgement and is owed the outcome
_OWED = "mutuals_owed"


class OwedOutcomes:
    """Interactions acknowledged and still owed their outcome: a clean stop waits for them
    (after committing what they wrote) before the connection to Discord closes."""

    def __init__(self) -> None:
        self._since: dict[int, float] = {}
        self._empty = asyncio.Event()
        self._empty.set()

    def __len__(self) -> int:
        return len(self._since)

    def add(self, interaction_id: int) -> None:
        if len(self._since) > 10_000:  # ones whose outcome never came (a crash in between)
            cutoff = time.monotonic() - 900
            self._since = {i: t for i, t in self._since.items() if t > cutoff}
        self._since[interaction_id] = time.monotonic()
        self._empty.clear()

    def discard(self, interaction_id: int) -> None:
        self._since.pop(interaction_id, None)
        if not self._since:
            self._empty.set()

    async def settled(self, grace: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._empty.wait(), grace)


async def acknowledge(interaction: discord.Interaction, *, update: bool = False) -> None:
    """Acknowledge first, within milliseconds, when the work behind a click may wait on others
    (a batched write): Discord's 3 s deadline is met however busy the bot is. The member sees
    a private "thinking…" that the next ``reply`` replaces with the outcome; with ``update``
    (a button on a private message the outcome will replace) nothing changes until
    ``replace_message``. Acknowledged means received, never saved: only the outcome says that.
    """
    if update:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=True, thinking=True)
    interaction.extras[_OWED] = "update" if update else "thinking"
    owed = getattr(interaction.client, "owed_outcomes", None)
    if isinstance(owed, OwedOutcomes):
        owed.add(interaction.id)


async def outcome_within(
    interaction: discord.Interaction,
    work: Awaitable[T],
    *,
    update: bool = False,
    within: float | None = None,
) -> T:
    """The outcome of ``work`` (received already: a batched write queued, or a coroutine),
    acknowledging the interaction first if it isn't ready in time (``within`` seconds;
    by default ``ACK_WITHIN``, and never past ``ACK_BY`` seconds after Discord created the
    interaction). The caller then answers with ``reply`` (or ``replace_message`` with
    ``update``), which sends the outcome as the answer or puts it in place of the
    acknowledgement."""
    pending = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({pending}, timeout=_budget(interaction, within))
    if not done:
        try:
            await acknowledge(interaction, update=update)
        except BaseException:
            # the work goes on (it was received); nobody is left to read how it ended
            pending.add_done_callback(lambda t: t.cancelled() or t.exception())
            raise
    return await pending


def _budget(interaction: discord.Interaction, within: float | None) -> float:
    """How long this interaction may still wait for its outcome before being acknowledged."""
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    if not 0.0 <= age <= 10.0:  # our clock and Discord's disagree: count from now
        age = 0.0
    return max(0.0, min(ACK_WITHIN if within is None else within, ACK_BY - age))


def _settled(interaction: discord.Interaction) -> str | None:
    owed = getattr(interaction.client, "owed_outcomes", None)
    if isinstance(owed, OwedOutcomes):
        owed.discard(interaction.id)
    value = interaction.extras.pop(_OWED, None)
    return value if isinstance(value, str) else None


async def replace_message(
    interaction: discord.Interaction, content: str, *, view: discord.ui.View | None = None
) -> None:
    """The outcome of a click on a button of a private message: the message becomes
    ``content`` (its buttons replaced by ``view``, or gone), whether or not the click was
    acknowledged first (``outcome_within(..., update=True)``)."""
    _settled(interaction)
    if not interaction.response.is_done():
        await interaction.response.edit_message(content=content, view=view)
        return
    await interaction.edit_original_response(
        content=content, view=view, allowed_mentions=discord.AllowedMentions.none()
    )


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
    if not interaction.response.is_done():
        await interaction.response.send_message(**kwargs)
        return
    if _settled(interaction) == "thinking":  # the outcome replaces the "thinking…"
        kwargs.pop("ephemeral")
        if "embed" in kwargs:
            kwargs["embeds"] = [kwargs.pop("embed")]
        if "file" in kwargs:
            kwargs["attachments"] = [kwargs.pop("file")]
        await interaction.edit_original_response(**kwargs)
        return
    await interaction.followup.send(**kwargs)


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
        # a message built elsewhere (a batch's task, a module constant marked with N_) is
        # translated here, in the member's language; one already translated stays as it is
        return _(original.message), False
    if isinstance(error, UnreadableInput):
        return _(UNREADABLE), False
    if isinstance(error, app_commands.MissingPermissions):
        return _("This one's for moderators only (it needs **Manage Server**)."), False
    if isinstance(error, app_commands.NoPrivateMessage):
        return _("Use this command inside the server, not in DMs."), False
    if isinstance(error, app_commands.CommandOnCooldown):
        return _(
            "Easy there! Try again in {seconds}s.", seconds=format_number(round(error.retry_after))
        ), False
    if isinstance(error, app_commands.TransformerError):
        return (
            _(
                "I couldn't read `{value}` for that option. Pick from the list.",
                value=str(error.value)[:50],
            ),
            False,
        )
    if isinstance(error, app_commands.CheckFailure):
        return _("You can't use this here."), False
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
        message = _(
            "Oops, something broke on my side (error id `{error_id}`). "
            "Try again in a moment; if it keeps happening, tell a moderator with that id.",
            error_id=error_id,
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
        speak_to(interaction)
        try:
            return await func(self, interaction, *args)
        except Exception as exc:
            await handle_error(interaction, exc)
            return None

    return wrapper


def speak_to(interaction: discord.Interaction) -> None:
    """Reply in the member's own language for the rest of this interaction's task (what others
    read — public posts, DMs to someone else — is wrapped in ``use_locale`` where it is built)."""
    set_locale(language_of(interaction.locale))


class MutualsView(discord.ui.View):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        speak_to(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await handle_error(interaction, error)


class MutualsModal(discord.ui.Modal):
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        speak_to(interaction)
        if has_lone_surrogates(interaction.data):
            raise DomainError(_(UNREADABLE))
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
        speak_to(interaction)
        if not has_lone_surrogates(interaction.data):
            return True
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
            return False
        raise UnreadableInput(_(UNREADABLE))

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
