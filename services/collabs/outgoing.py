"""What a round sends, exactly once each, rendered from stored data when it is queued: the
public line, a private note to each member left out, every group's intro (in its private
thread or by DM) and, days later, the "did you collab?" follow-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import use_locale
from core.outbox import CHANNEL, DM, add_message, post_or_dm_each
from models.collabs import CollabGroup, CollabGroupMember, CollabMember, CollabRound, CollabSettings
from services.collabs.base import (
    ANNOUNCE_PURPOSE,
    FOLLOWUP_KIND,
    FOLLOWUP_PURPOSE,
    INTRO_PURPOSE,
    LEFT_OUT_PURPOSE,
    CollabPart,
)
from services.collabs.inputs import DEFAULT_FOLLOWUP_DAYS
from services.collabs.results import GroupInfo, RoundInfo
from services.collabs.round_text import announcement, left_out_note
from services.collabs.rounds import load_groups
from services.directory import FALLBACK_GUILD, FALLBACK_MEMBER, guild_name_in, names_in
from services.languages import member_language, server_language

INTRODUCED = ("thread", "dm")


@dataclass(frozen=True)
class IntroWork:
    """A round's groups still waiting for their intro, and what opening their threads needs."""

    round_id: int
    guild_id: int
    channel_id: int | None  # the collab channel (None: rounds aren't set up any more)
    groups: tuple[GroupInfo, ...]
    names: dict[int, str]  # stored display names of their members


async def _guild_name(s: AsyncSession, guild_id: int) -> str:
    return await guild_name_in(s, guild_id) or FALLBACK_GUILD


def _names(found: dict[int, str], members: list[int]) -> dict[str, str]:
    return {str(u): found.get(u, FALLBACK_MEMBER) for u in members}


class CollabOutgoing(CollabPart):
    async def queue_round_messages(self, rnd: RoundInfo) -> int:
        """The public line (when the round made groups and has a channel) and the private note
        to each member left out, in one transaction; safe to repeat (dedupe keys). The public
        line speaks the server's language, each note its member's."""
        now = self.clock.now()
        queued = 0
        public = await server_language(self.db, rnd.guild_id)
        spoken = {uid: await member_language(self.db, rnd.guild_id, uid) for uid in rnd.reasons}
        async with self.db.write() as s:
            settings = await s.get(CollabSettings, rnd.guild_id)
            if settings is not None and rnd.groups:
                with use_locale(public):
                    content = announcement(
                        rnd.members - len(rnd.unplaced),
                        len(rnd.groups),
                        rnd.left_out()["language"],
                    )
                queued += await add_message(
                    s,
                    kind=CHANNEL,
                    target_id=settings.channel_id,
                    payload={"content": content},
                    now=now,
                    purpose=ANNOUNCE_PURPOSE,
                    guild_id=rnd.guild_id,
                    dedupe_key=f"collab:announce:{rnd.id}",
                )
            if not rnd.reasons:
                return queued
            guild = await _guild_name(s, rnd.guild_id)
            rows = await s.execute(
                select(CollabMember.user_id, CollabMember.languages).where(
                    CollabMember.guild_id == rnd.guild_id,
                    CollabMember.user_id.in_(list(rnd.reasons)),
                )
            )
            languages: dict[int, list[str]] = {uid: langs for uid, langs in rows.all()}
            for uid, why in sorted(rnd.reasons.items()):
                with use_locale(spoken[uid]):
                    note = left_out_note(why, guild, languages.get(uid) or [])
                queued += await add_message(
                    s,
                    kind=DM,
                    target_id=uid,
                    payload={"content": note},
                    now=now,
                    purpose=LEFT_OUT_PURPOSE,
                    guild_id=rnd.guild_id,
                    dedupe_key=f"collab:left_out:{rnd.id}:{uid}",
                )
        return queued

    # ------------------------------------------------------------------ intros

    async def rounds_introducing(
        self, owns: Callable[[int], bool]
    ) -> list[tuple[int, int, datetime]]:
        """(round id, guild, slot) of every round of a guild ``owns`` accepts whose groups
        aren't all introduced yet."""
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(CollabRound.id, CollabRound.guild_id, CollabRound.slot_at)
                    .where(
                        CollabRound.id.in_(
                            select(CollabGroup.round_id)
                            .where(CollabGroup.intro == "pending")
                            .distinct()
                        )
                    )
                    .order_by(CollabRound.slot_at, CollabRound.id)
                )
            ).all()
        return [(rid, gid, at) for rid, gid, at in rows if owns(gid)]

    async def intro_work(self, round_id: int) -> IntroWork | None:
        async with self.db.read() as s:
            rnd = await s.get(CollabRound, round_id)
            if rnd is None:
                return None
            groups = await load_groups(
                s, CollabGroup.round_id == round_id, CollabGroup.intro == "pending"
            )
            settings = await s.get(CollabSettings, rnd.guild_id)
            names = await names_in(s, rnd.guild_id, {u for g in groups for u in g.members})
        return IntroWork(
            round_id=round_id,
            guild_id=rnd.guild_id,
            channel_id=settings.channel_id if settings is not None else None,
            groups=tuple(groups),
            names=names,
        )

    async def queue_intro(
        self, group_id: int, *, thread_id: int | None, channel_id: int | None
    ) -> bool:
        """Record how a group is introduced and queue the intro (one transaction), rendered
        from stored data: the group's reason and ideas, names and the server's name.

        With a thread: one post in it. Without: the same intro by DM to each member (naming
        ``channel_id``, the collab channel the thread couldn't be opened in). False if it was
        already done (a retry after a restart).
        """
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CollabGroup, group_id)
            if row is None or row.intro != "pending":
                return False
            members = list(
                (
                    await s.scalars(
                        select(CollabGroupMember.user_id)
                        .where(CollabGroupMember.group_id == group_id)
                        .order_by(CollabGroupMember.position)
                    )
                ).all()
            )
            settings = await s.get(CollabSettings, row.guild_id)
            payload: dict[str, Any] = {
                "group_id": group_id,  # what its Report button reports
                "members": members,
                "names": _names(await names_in(s, row.guild_id, members), members),
                "guild_name": await _guild_name(s, row.guild_id),
                "reason": row.reason,
                "prompts": list(row.prompts or ()),
                "repeat": row.repeat,
                "followup_days": settings.followup_days if settings else DEFAULT_FOLLOWUP_DAYS,
            }
            if thread_id is None:
                payload["channel_id"] = channel_id
            row.intro = "thread" if thread_id is not None else "dm"
            row.thread_id = thread_id
            await post_or_dm_each(
                s,
                channel_id=thread_id,
                user_ids=members,
                payload=payload,
                now=now,
                purpose=INTRO_PURPOSE,
                guild_id=row.guild_id,
                dedupe_key=f"collab:intro:{group_id}",
            )
        self.replan(FOLLOWUP_KIND)  # its follow-up is now on the calendar
        return True

    # ------------------------------------------------------------------ follow-ups

    def _followup_where(self) -> list[Any]:
        return [CollabGroup.followup_sent_at.is_(None), CollabGroup.intro.in_(INTRODUCED)]

    async def followups_due(
        self, now: datetime, owns: Callable[[int], bool]
    ) -> list[tuple[int, datetime]]:
        """(guild, follow-up time) with groups still to ask, for guilds ``owns`` accepts."""
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(CollabGroup.guild_id, CollabGroup.followup_at)
                    .where(*self._followup_where(), CollabGroup.followup_at <= now)
                    .group_by(CollabGroup.guild_id, CollabGroup.followup_at)
                )
            ).all()
        return [(gid, at) for gid, at in rows if owns(gid)]

    async def next_followup_at(
        self, now: datetime, owns: Callable[[int], bool] = lambda _g: True
    ) -> datetime | None:
        """The first follow-up after now among the guilds ``owns`` accepts."""
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(CollabGroup.guild_id, func.min(CollabGroup.followup_at))
                    .where(*self._followup_where(), CollabGroup.followup_at > now)
                    .group_by(CollabGroup.guild_id)
                )
            ).all()
        return min((at for gid, at in rows if owns(gid)), default=None)

    async def queue_followups(self, guild_id: int, until: datetime, *, batch: int = 500) -> int:
        """Ask "did you collab?" in every introduced group of the guild whose follow-up is due
        by ``until``: exactly once each (``followup_sent_at`` is set in the transaction that
        queues it), a batch of groups per transaction."""
        asked = 0
        while True:
            now = self.clock.now()
            async with self.db.write() as s:
                rows = (
                    await s.scalars(
                        select(CollabGroup)
                        .where(
                            *self._followup_where(),
                            CollabGroup.guild_id == guild_id,
                            CollabGroup.followup_at <= until,
                        )
                        .order_by(CollabGroup.followup_at, CollabGroup.id)
                        .limit(batch)
                    )
                ).all()
                if not rows:
                    return asked
                members: dict[int, list[int]] = {}
                found = (
                    await s.execute(
                        select(CollabGroupMember.group_id, CollabGroupMember.user_id)
                        .where(CollabGroupMember.group_id.in_([r.id for r in rows]))
                        .order_by(CollabGroupMember.position)
                    )
                ).all()
                for gid, uid in found:
                    members.setdefault(gid, []).append(uid)
                names = await names_in(s, guild_id, [u for who in members.values() for u in who])
                guild = await _guild_name(s, guild_id)
                for row in rows:
                    row.followup_sent_at = now
                    who = members.get(row.id, [])
                    if len(who) < 2:
                        continue  # a member erased their data: nobody left to ask together
                    await post_or_dm_each(
                        s,
                        channel_id=row.thread_id,
                        user_ids=who,
                        payload={
                            "group_id": row.id,
                            "members": who,
                            "names": _names(names, who),
                            "guild_name": guild,
                        },
                        now=now,
                        purpose=FOLLOWUP_PURPOSE,
                        guild_id=row.guild_id,
                        dedupe_key=f"collab:followup:{row.id}",
                    )
                asked += len(rows)
