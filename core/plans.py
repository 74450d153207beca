"""What a capability declares to the delivery mechanism (core.deliveries): the occurrences
that come due, how to deliver one, and the few words both sides share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from core.slots import RetryLater

GuildFilter = Callable[[int], bool]
#: how a service says "who is due, or when, changed for this plan": re-plan it now
Replan = Callable[[str], None]


def no_replan(_kind: str) -> None:
    """For services used without a running bot (unit tests, benchmarks)."""


EACH, LATEST = "each", "latest"
DEFAULT_GRACE = timedelta(hours=6)


@dataclass(frozen=True, order=True)
class Occurrence:
    """One thing that comes due: claimed once by (kind, ref, at). ``due`` is when it is
    really due, when that differs from its key (a raid window's post is due when it closes)."""

    at: datetime
    ref: str
    kind: str
    guild_id: int
    due: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Outcome:
    occurrence: Occurrence
    #: done | held | missed | taken | failed | busy, "retry" (claimed: resumed by itself in
    #: seconds) or "unavailable" (a manual run that could not even be claimed: ask again)
    status: str
    detail: str | None = None
    error_id: str | None = None
    late: bool = False

    @property
    def delivered(self) -> bool:
        return self.status in ("done", "held")


class HoldRest(Exception):
    """Raised by ``deliver``: this occurrence is settled (``detail`` says how, e.g. the
    rotation is paused) and the later ones of the same schedule wait for the next run."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class DeliveryPlan(ABC):
    """What a capability declares. Subclasses set ``kind`` (the claim kind of scheduled
    occurrences) and may set the rest."""

    kind: ClassVar[str]
    #: claim kind of moderator-triggered runs ("run now"), if the capability has them
    manual_kind: ClassVar[str | None] = None
    #: False when ``deliver`` is exactly-once by the capability's own unique rows (no claim)
    claimed: ClassVar[bool] = True
    #: deliver EACH late occurrence in order, or only the LATEST (the others are missed)
    catch_up: ClassVar[str] = EACH
    grace: timedelta = DEFAULT_GRACE

    @abstractmethod
    async def due(self, now: datetime, owns: GuildFilter) -> Sequence[Occurrence]:
        """Occurrences at or before ``now`` for guilds ``owns`` accepts. Returning ones that
        were already handled is fine (they are filtered), leaving out unhandled ones is not."""

    @abstractmethod
    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        """The next moment something may come due after ``now`` (None: nothing planned)."""

    @abstractmethod
    async def deliver(self, occurrence: Occurrence) -> str | None:
        """Do it (usually: queue outbox rows in one transaction). Must be idempotent: after a
        crash it may run again for the same occurrence. Returns a detail for the record."""

    async def missed(self, occurrence: Occurrence) -> None:  # noqa: B027 - optional hook
        """Told when an occurrence is recorded as missed (past the grace window)."""

    def guild_of(self, ref: str) -> int | None:
        """The guild a ref belongs to, for claims written before claims named their guild."""
        return None

    def kinds(self) -> tuple[str, ...]:
        return (self.kind,) if self.manual_kind is None else (self.kind, self.manual_kind)


def occurrences_in(
    times: Sequence[datetime], *, kind: str, ref: str, guild_id: int
) -> list[Occurrence]:
    """Occurrences of one schedule at the given times (a small convenience for plans)."""
    return [Occurrence(t, ref, kind, guild_id) for t in times]


__all__ = [
    "DEFAULT_GRACE",
    "EACH",
    "LATEST",
    "DeliveryPlan",
    "GuildFilter",
    "HoldRest",
    "Occurrence",
    "Outcome",
    "Replan",
    "RetryLater",
    "no_replan",
    "occurrences_in",
]
