"""The collab service the bot and tests hold: every part (members, moderators, rounds,
delivery, stats) as one object over the same database, clock and niches."""

from __future__ import annotations

from services.collabs.admin import CollabAdmin
from services.collabs.delivery import CollabDelivery
from services.collabs.members import CollabMembers
from services.collabs.rounds import CollabRounds
from services.collabs.stats import CollabStats


class CollabService(CollabMembers, CollabAdmin, CollabRounds, CollabDelivery, CollabStats):
    """``CollabService(db, clock, niches)``. The parts share nothing but those three, so each
    lives in its own module; this class only puts them together for the composition root."""
