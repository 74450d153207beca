"""CheckinService: every check-in operation on one object, as the container builds it and the cog
and tests call it. The work is done by its parts, one per seam (moderators, members, answers,
care, prompts, recap); this class composes them and re-plans the deliveries after each change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.clock import Clock
from core.db import Database
from core.plans import DeliveryPlan, Replan, no_replan
from services.checkins.admin import CheckinAdmin
from services.checkins.answers import CheckinAnswers
from services.checkins.care import CheckinCare
from services.checkins.config import CheckinSettings
from services.checkins.delivery import PROMPT_KIND, SLOT_KIND, PromptPlan, RecapPlan
from services.checkins.members import CheckinMembers, Membership
from services.checkins.prompts import CheckinPrompts
from services.checkins.recap import CheckinRecap


class CheckinService:
    def __init__(self, db: Database, clock: Clock, *, replan: Replan = no_replan) -> None:
        self.db = db
        self.clock = clock
        #: told "who is due, or when, changed" after every such change (the bot's
        #: ``deliveries.poke``), so the next wake-up is re-planned at once, not at the next sweep
        self.replan = replan
        self.admin = CheckinAdmin(db, clock)
        self.members = CheckinMembers(db, clock)
        self.answers = CheckinAnswers(db, clock)
        self.recap = CheckinRecap(db, clock)
        self.prompts = CheckinPrompts(db, clock)
        self.care = CheckinCare(db, clock)

        # reads and changes that move no schedule
        self.get_settings = self.admin.get_settings
        self.membership = self.members.membership
        self.streak = self.members.streak
        self.form = self.answers.form
        self.submit = self.answers.submit
        # care after a low check-in (moves no schedule)
        self.care_settings = self.care.settings
        self.set_care_enabled = self.care.set_enabled
        self.set_care_channel = self.care.set_channel
        self.set_care_resources = self.care.set_resources
        self.reach_out = self.care.reach_out
        # the recap's content
        self.build_summary = self.recap.build_summary
        self.guild_label = self.recap.guild_label
        self.best_link = self.recap.best_link
        # what comes due, and delivering it
        self.guild_ids = self.prompts.guild_ids
        self.queue_due = self.prompts.queue_due
        self.fallback_to_channel = self.prompts.fallback_to_channel
        self.summaries_due = self.recap.summaries_due
        self.queue_summary = self.recap.queue_summary

    def plans(self) -> list[DeliveryPlan]:
        """What the cog hands to core's deliveries: the prompts and the recaps."""
        return [PromptPlan(self.prompts, self.clock), RecapPlan(self.prompts, self.recap)]

    def _replan(self, *kinds: str) -> None:
        for kind in kinds:
            self.replan(kind)

    # ------------------------------------------------------------------ moderators

    async def setup(
        self, guild_id: int, *, channel_id: int, day: str, at: str, period: str = "weekly", by: int
    ) -> CheckinSettings:
        settings = await self.admin.setup(
            guild_id, channel_id=channel_id, day=day, at=at, period=period, by=by
        )
        self._replan(PROMPT_KIND, SLOT_KIND)
        return settings

    async def set_questions(self, guild_id: int, texts: Sequence[str]) -> CheckinSettings:
        settings = await self.admin.set_questions(guild_id, texts)
        self._replan(PROMPT_KIND, SLOT_KIND)
        return settings

    async def reset_questions(self, guild_id: int) -> CheckinSettings:
        settings = await self.admin.reset_questions(guild_id)
        self._replan(PROMPT_KIND, SLOT_KIND)
        return settings

    async def set_summary_time(self, guild_id: int, at: str) -> CheckinSettings:
        settings = await self.admin.set_summary_time(guild_id, at)
        self._replan(SLOT_KIND)
        return settings

    async def set_paused(self, guild_id: int, paused: bool) -> CheckinSettings:
        settings = await self.admin.set_paused(guild_id, paused)
        self._replan(PROMPT_KIND, SLOT_KIND)
        return settings

    def zones_changed(self) -> None:
        """The server's zone or a member's profile zone changed elsewhere (``/config``,
        ``/profile``): prompt times and the recap time may have moved."""
        self._replan(PROMPT_KIND, SLOT_KIND)

    # ------------------------------------------------------------------ members

    async def opt_in(self, guild_id: int, user_id: int, mode: str = "dm") -> Membership:
        member = await self.members.opt_in(guild_id, user_id, mode)
        self._replan(PROMPT_KIND)
        return member

    async def opt_out(self, guild_id: int, user_id: int) -> None:
        await self.members.opt_out(guild_id, user_id)
        self._replan(PROMPT_KIND)

    async def set_away(self, guild_id: int, user_id: int, until_raw: str) -> date:
        until = await self.members.set_away(guild_id, user_id, until_raw)
        self._replan(PROMPT_KIND)
        return until

    async def end_away(self, guild_id: int, user_id: int) -> None:
        await self.members.end_away(guild_id, user_id)
        self._replan(PROMPT_KIND)

    async def zone_changed(self, guild_id: int, user_id: int) -> Membership | None:
        """The member set their time zone (``/checkin timezone``): re-plan, and say what it
        means for them now."""
        self._replan(PROMPT_KIND)
        return await self.members.membership(guild_id, user_id)
