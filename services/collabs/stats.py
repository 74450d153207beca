"""A guild's collab numbers for moderators: rounds, groups, trios, repeats, answers, and who
rounds couldn't match (and why)."""

from __future__ import annotations

from sqlalchemy import func, select

from models.collabs import CollabGroup, CollabGroupMember, CollabMember, CollabRound, CollabSettings
from services.collabs.base import CollabPart
from services.collabs.results import ANSWERS, LEFT_OUT_REASONS, Stats, to_settings


class CollabStats(CollabPart):
    async def stats(self, guild_id: int) -> Stats:
        now = self.clock.now()
        async with self.db.read() as s:
            settings = await s.get(CollabSettings, guild_id)
            rounds, last = (
                await s.execute(
                    select(func.count(), func.max(CollabRound.slot_at)).where(
                        CollabRound.guild_id == guild_id
                    )
                )
            ).one()
            groups = await s.scalar(
                select(func.count())
                .select_from(CollabGroup)
                .where(CollabGroup.guild_id == guild_id)
            )
            sizes = (
                await s.execute(
                    select(CollabGroupMember.group_id, func.count())
                    .where(CollabGroupMember.guild_id == guild_id)
                    .group_by(CollabGroupMember.group_id)
                )
            ).all()
            answer_rows = (
                await s.execute(
                    select(CollabGroupMember.answer, func.count())
                    .join(CollabGroup, CollabGroup.id == CollabGroupMember.group_id)
                    .where(
                        CollabGroupMember.guild_id == guild_id,
                        CollabGroup.followup_sent_at.is_not(None),
                    )
                    .group_by(CollabGroupMember.answer)
                )
            ).all()
            answers: dict[str | None, int] = {a: int(n) for a, n in answer_rows}
            opted, paused = (
                await s.execute(
                    select(
                        func.count(),
                        func.count(CollabMember.paused_until).filter(
                            CollabMember.paused_until > now
                        ),
                    ).where(CollabMember.guild_id == guild_id, CollabMember.opted_in.is_(True))
                )
            ).one()
            left_out = (
                await s.execute(
                    select(CollabRound.unplaced, CollabRound.unplaced_why).where(
                        CollabRound.guild_id == guild_id
                    )
                )
            ).all()
            repeat_groups = await s.scalar(
                select(func.count())
                .select_from(CollabGroup)
                .where(CollabGroup.guild_id == guild_id, CollabGroup.repeat.is_(True))
            )
        why = dict.fromkeys(LEFT_OUT_REASONS, 0)
        for unplaced, reasons in left_out:
            for uid in unplaced or ():
                why[(reasons or {}).get(str(uid), "blocked")] += 1  # blocks: the only reason once
        return Stats(
            settings=to_settings(settings) if settings else None,
            rounds=int(rounds or 0),
            groups=int(groups or 0),
            trios=sum(1 for _g, n in sizes if n >= 3),
            matched=sum(int(n) for _g, n in sizes),
            repeats=int(repeat_groups or 0),
            answers={k: int(answers.get(k, 0)) for k in ANSWERS},
            awaiting=int(answers.get(None, 0)),
            opted_in=int(opted or 0),
            paused=int(paused or 0),
            last_round_at=last,
            left_out=why,
        )
