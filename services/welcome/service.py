"""WelcomeService: the one welcome object cogs, tests and benches hold, composed of its parts
(settings, joins, the newcomer flow, delivery, stats); each method is its owning part's own.
``batch_plan`` is the raid batches' delivery plan the cog hands to core.deliveries."""

from __future__ import annotations

import random
from datetime import timedelta

from core.clock import Clock
from core.db import Database
from core.plans import DEFAULT_GRACE, Replan, no_replan
from services.niches import NicheService
from services.welcome.admin import WelcomeAdmin
from services.welcome.delivery import WelcomeBatchPlan, WelcomeDelivery
from services.welcome.joins import WelcomeJoins
from services.welcome.members import OnboardingFlow
from services.welcome.stats import WelcomeStats
from services.welcome.wording import check_all_copy


class WelcomeService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        niches: NicheService,
        *,
        grace: timedelta = DEFAULT_GRACE,
        replan: Replan = no_replan,
        rng: random.Random | None = None,
    ) -> None:
        check_all_copy()  # a broken translation of the copy stops start-up, naming the file
        admin = WelcomeAdmin(db, clock, replan=replan)
        joins = WelcomeJoins(db, clock, replan=replan)
        flow = OnboardingFlow(db, clock, niches, rng=rng or random.Random())
        delivery = WelcomeDelivery(db, clock)
        stats = WelcomeStats(db, clock)
        self.batch_plan = WelcomeBatchPlan(delivery, grace=grace)
        # One flat surface for callers, without forwarding boilerplate: each name below is
        # bound to the part that owns it (the parts each hold their own transactions).
        self.settings = admin.settings
        self.configure = admin.configure
        self.record_join = joins.record_join
        self.record_joins = joins.record_joins
        self.screening_passed = joins.screening_passed
        self.record_leave = joins.record_leave
        self.state = flow.state
        self.start_check = flow.start_check
        self.open_flow = flow.open_flow
        self.choose_niches = flow.choose_niches
        self.save_handle = flow.save_handle
        self.asks_age = flow.asks_age
        self.go_to = flow.go_to
        self.complete = flow.complete
        self.dm_result = delivery.dm_result
        self.public_post = delivery.public_post
        self.posted = delivery.posted
        self.due_batches = delivery.due_batches
        self.flush_batch = delivery.flush_batch
        self.stats = stats.stats
        self.joins_recorded = stats.joins_recorded
