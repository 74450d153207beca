"""What every part of the collab service shares: the database, the injected clock and the
guild's niches (their families say which creators are related)."""

from __future__ import annotations

from core.clock import Clock
from core.db import Database
from services.niches import NicheService


class CollabPart:
    def __init__(self, db: Database, clock: Clock, niches: NicheService) -> None:
        self.db = db
        self.clock = clock
        self.niches = niches
