"""CheckinService: every check-in operation on one object, as the container builds it and the cog
and tests call it. The work is done by its parts, one per seam (moderators, members, answers,
recap, delivery); this class only composes them."""

from __future__ import annotations

from core.clock import Clock
from core.db import Database
from core.slots import SlotStore
from services.checkins.admin import CheckinAdmin
from services.checkins.answers import CheckinAnswers
from services.checkins.delivery import CheckinDelivery
from services.checkins.members import CheckinMembers
from services.checkins.recap import CheckinRecap


class CheckinService:
    def __init__(self, db: Database, clock: Clock, slots: SlotStore | None = None) -> None:
        self.db = db
        self.clock = clock
        self.admin = CheckinAdmin(db, clock)
        self.members = CheckinMembers(db, clock)
        self.answers = CheckinAnswers(db, clock)
        self.recap = CheckinRecap(db, clock)
        # A slot store keeps no state of its own, so callers that never post a recap (tests,
        # benchmarks) may leave it out; the container hands over the bot's.
        self.delivery = CheckinDelivery(db, clock, slots or SlotStore(db, clock))

        # moderators
        self.get_settings = self.admin.get_settings
        self.setup = self.admin.setup
        self.set_questions = self.admin.set_questions
        self.reset_questions = self.admin.reset_questions
        self.set_summary_time = self.admin.set_summary_time
        self.set_paused = self.admin.set_paused
        # members
        self.opt_in = self.members.opt_in
        self.opt_out = self.members.opt_out
        self.membership = self.members.membership
        self.set_away = self.members.set_away
        self.end_away = self.members.end_away
        self.streak = self.members.streak
        # answering
        self.form = self.answers.form
        self.submit = self.answers.submit
        # the recap's content
        self.build_summary = self.recap.build_summary
        self.guild_label = self.recap.guild_label
        self.best_link = self.recap.best_link
        # what comes due, and delivering it
        self.guild_ids = self.delivery.guild_ids
        self.queue_due = self.delivery.queue_due
        self.fallback_to_channel = self.delivery.fallback_to_channel
        self.next_wake = self.delivery.next_wake
        self.summaries_due = self.delivery.summaries_due
        self.queue_summary = self.delivery.queue_summary
        self.post_due_summaries = self.delivery.post_due_summaries
        self.resume_summaries = self.delivery.resume_summaries
