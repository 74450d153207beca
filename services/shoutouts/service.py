"""The shoutouts service as the bot holds it: one object built once (services.container),
made of the parts that read rotations, serve moderators, serve creators and deliver slots."""

from __future__ import annotations

import random
from datetime import timedelta

from core.clock import Clock
from core.db import Database
from core.plans import DEFAULT_GRACE, Replan, no_replan
from services.shoutouts.admin import RotationAdmin
from services.shoutouts.delivery import RotationPlan
from services.shoutouts.features import SLOT_KIND, Features
from services.shoutouts.members import Members
from services.shoutouts.results import Nomination
from services.shoutouts.rotations import Rotations


class ShoutoutService:
    """``rotations`` reads, ``admin`` is what moderators do, ``members`` what creators do,
    ``features`` what one slot does, ``plan`` the slots core.deliveries runs. Other
    capabilities only ever call ``nominate``.

    ``replan`` (the bot's ``deliveries.poke``) is called whenever when or whether a rotation
    posts changed, so the next wake-up is re-planned at once."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        rng: random.Random | None = None,
        grace: timedelta = DEFAULT_GRACE,
        replan: Replan = no_replan,
    ) -> None:
        self.db = db
        self.clock = clock
        self.replan = replan
        # one generator for every part, so a seeded test draws the same positions as before
        self.rng = rng or random.SystemRandom()
        self.rotations = Rotations(db)
        self.admin = RotationAdmin(db, clock, rng=self.rng, changed=self.rotations_changed)
        self.members = Members(db, clock, rng=self.rng)
        self.features = Features(db, clock, rng=self.rng, changed=self.rotations_changed)
        self.plan = RotationPlan(self.features, self.rotations, grace=grace)

    def rotations_changed(self) -> None:
        """When or whether a rotation posts changed (set up, edited, paused, resumed, deleted,
        paused itself): re-plan the slots now."""
        self.replan(SLOT_KIND)

    async def nominate(
        self,
        guild_id: int,
        user_id: int,
        *,
        url: str | None,
        blurb: str,
        nominated_by: int | None,
    ) -> Nomination:
        """Record a pitch for a creator and put them in the guild's first rotation (collab
        follow-ups and check-in recaps call this); see ``Members.nominate``."""
        return await self.members.nominate(
            guild_id, user_id, url=url, blurb=blurb, nominated_by=nominated_by
        )
