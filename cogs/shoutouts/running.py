"""/rotation run-now's answer: a manual slot run by core.deliveries, then what really happened
to its post (the outbox's stored result), told to the moderator in words they can act on."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from cogs.shoutouts.cog import post_problem
from core.i18n import _
from services.shoutouts import (
    MODERATOR_PAUSE,
    RUN_NOW_KIND,
    SLOT_KIND,
    RotationInfo,
    ShoutoutService,
    post_key,
)

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger(__name__)
#: how long the moderator's answer waits for the post to really go out
RESULT_WAIT = 10.0


def paused_already(rot: RotationInfo) -> str:
    reason = rot.pause_reason or MODERATOR_PAUSE
    if reason == MODERATOR_PAUSE:
        return _(
            "**{name}** was paused by a moderator. Resume it with "
            "`/rotation resume name:{name}` first.",
            name=rot.name,
        )
    return _(
        "**{name}** is paused: {reason}. Resume it with `/rotation resume name:{name}` first.",
        name=rot.name,
        reason=reason,
    )


def paused_text(rot: RotationInfo, reason: str) -> str:
    return _(
        "⏸️ Nothing was posted: {reason}. I paused **{name}**, and nobody lost their place. "
        "Fix the channel (or pick another with `/rotation edit name:{name} channel:`), "
        "then `/rotation resume name:{name}`.",
        reason=reason,
        name=rot.name,
    )


def jump_link(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


async def run_now_report(bot: MutualsBot, service: ShoutoutService, rot: RotationInfo) -> str:
    """Run one slot of ``rot`` now (claimed like any slot, never twice) and say what happened."""
    outcome = await bot.deliveries.run_manual(SLOT_KIND, str(rot.id), rot.guild_id)
    at = outcome.occurrence.at
    if outcome.status == "held":
        if outcome.detail == MODERATOR_PAUSE:  # paused while this ran
            return paused_already(replace(rot, pause_reason=MODERATOR_PAUSE))
        return paused_text(rot, outcome.detail or _("it is paused"))
    if outcome.status == "failed":
        return _(
            "Something broke on my side while running **{name}** (error id `{error_id}`), so "
            "nothing was posted. Share that id with whoever runs the bot: the log has the "
            "details.",
            name=rot.name,
            error_id=outcome.error_id,
        )
    if outcome.status == "retry":
        return _(
            "⏳ The database blinked while I was posting for **{name}** (error id "
            "`{error_id}`). I'll finish it by myself in a few seconds, no need to run it again.",
            name=rot.name,
            error_id=outcome.error_id,
        )
    if outcome.status == "unavailable":
        return _(
            "⏳ The database didn't answer, so **{name}** didn't run (error id `{error_id}`). "
            "Try `/rotation run-now` again in a few seconds.",
            name=rot.name,
            error_id=outcome.error_id,
        )
    if outcome.status != "done":  # "taken": the same instant was claimed by another run
        return _(
            "**{name}** was just run by someone else. Check `/rotation history`.", name=rot.name
        )
    feature = await service.features.feature_at(rot.id, RUN_NOW_KIND, at)
    if feature is None:
        return _("**{name}** was deleted in the meantime, so nothing was posted.", name=rot.name)
    if feature.status != "featured" or feature.user_id is None:
        return _("Nobody to feature right now: {why}.", why=feature.detail or feature.status)
    who = f"<@{feature.user_id}>"
    result = await bot.outbox.wait_for(post_key(rot.id, feature.slot_key), RESULT_WAIT)
    if result is None:
        return _(
            "📣 {who} is queued for {channel}, but the post hasn't gone out yet (the queue is "
            "busy). `/rotation history` shows it once it's up.",
            who=who,
            channel=f"<#{rot.channel_id}>",
        )
    if result.status == "sent":
        where = (
            f": {jump_link(rot.guild_id, result.channel_id, result.message_id)}"
            if result.channel_id is not None and result.message_id is not None
            else " " + _("in {channel}", channel=f"<#{rot.channel_id}>")
        )
        return _("📣 Posted! {who} is in the spotlight{where}", who=who, where=where)
    return paused_text(rot, post_problem(result.error, rot.channel_id))
