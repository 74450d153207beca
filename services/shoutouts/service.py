"""The shoutouts service as the bot holds it: one object built once (services.container),
made of the parts that read rotations, serve moderators, serve creators and deliver slots."""

from __future__ import annotations

import random

from core.clock import Clock
from core.db import Database
from core.slots import SlotStore
from services.shoutouts.admin import RotationAdmin
from services.shoutouts.delivery import ShoutoutDelivery
from services.shoutouts.members import Members
from services.shoutouts.results import Nomination
from services.shoutouts.rotations import Rotations


class ShoutoutService:
    """``rotations`` reads, ``admin`` is what moderators do, ``members`` what creators do,
    ``delivery`` the clock's side. Other capabilities only ever call ``nominate``."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        slots: SlotStore | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.slots = slots or SlotStore(db, clock)
        # one generator for every part, so a seeded test draws the same positions as before
        self.rng = rng or random.SystemRandom()
        self.rotations = Rotations(db)
        self.admin = RotationAdmin(db, clock, rng=self.rng)
        self.members = Members(db, clock, rng=self.rng)
        self.delivery = ShoutoutDelivery(
            db, clock, slots=self.slots, rng=self.rng, rotations=self.rotations
        )

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
