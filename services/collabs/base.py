"""What every part of the collab service shares: the database, the injected clock, the guild's
niches (their families say which creators are related), the re-plan callback and the names of
the collab deliveries it re-plans."""

from __future__ import annotations

from core.clock import Clock
from core.db import Database
from core.plans import Replan, no_replan
from core.worker_pool import WorkerPool
from services.niches import NicheService

# The delivery kinds (core.deliveries): the stored claim kinds of rounds keep their names.
SLOT_KIND = "collab_round"  # a scheduled round, once per (guild, slot)
ROUND_NOW_KIND = "collab_round_now"  # a moderator's /collab-rounds run-now
INTRO_KIND = "collab_intro"  # a round's groups still waiting for their intro
FOLLOWUP_KIND = "collab_followup"  # "did you collab?", once per group

# Outbox purposes: what each queued message is (renderers are registered by the cog).
INTRO_PURPOSE = "collab_intro"
FOLLOWUP_PURPOSE = "collab_followup"
ANNOUNCE_PURPOSE = "collab_announce"
LEFT_OUT_PURPOSE = "collab_left_out"


class CollabPart:
    def __init__(
        self, db: Database, clock: Clock, niches: NicheService, *, replan: Replan = no_replan
    ) -> None:
        self.db = db
        self.clock = clock
        self.niches = niches
        #: who is due or when changed for a collab delivery kind: re-plan it now
        self.replan = replan
        #: processes that solve a big round's blocks, started by the first one (close())
        self.workers = WorkerPool()

    def close(self) -> None:
        """Stop the matching workers (the bot closing); a later round would match in-process."""
        self.workers.close()
