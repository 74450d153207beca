"""What the chaos tests share: one fast timeline for every bot process of a test, a rotation
and a welcome set up through slash commands, and the ledger of what came out of it (claims,
feature rows, outbox rows, messages in Discord) with the checks "exactly once, in order"."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import func, select

from core.clock import ScaledClock, as_utc
from core.db import Database
from fakediscord import FakeDiscord
from models.delivery import OutboxMessage, ScheduledSlot
from models.shoutouts import Rotation, RotationFeature, RotationMember
from services.shoutouts import SLOT_KIND
from tests.chaos.harness import BotProcess
from tests.conftest import ALICE_ID, BOB_ID, MOD_ID
from tests.util import eventually

#: what every chaos bot process runs with: sweeps every second, claims of a dead process taken
#: over after 3 s without a heartbeat
FAST = {"DELIVERY_SWEEP_SECONDS": "1", "CLAIM_LEASE_SECONDS": "3"}
EVERY_MINUTE = "* * * * *"
CREATORS = (ALICE_ID, BOB_ID, MOD_ID)
FEATURE_PURPOSE = "shoutouts_feature"


@dataclass(frozen=True)
class Timeline:
    """The fast clock every process of a test shares (CLOCK_SPEED/START/REAL_START), and the
    same clock in the test, to know which slots have come due."""

    speed: float
    start: datetime = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
    real_start: float = field(default_factory=time.time)

    @property
    def clock(self) -> ScaledClock:
        return ScaledClock(self.speed, self.start, self.real_start)

    def now(self) -> datetime:
        return self.clock.now()

    def env(self) -> dict[str, str]:
        return {
            "CLOCK_SPEED": str(self.speed),
            "CLOCK_START": self.start.isoformat(),
            "CLOCK_REAL_START": repr(self.real_start),
        }

    def wall(self, clock_seconds: float) -> float:
        """Wall seconds in which this much clock time passes."""
        return clock_seconds / self.speed

    async def reach(self, when: datetime) -> None:
        """Until the clock shows ``when``: time passing is what is waited for here."""
        left = (when - self.now()).total_seconds()
        if left > 0:
            await asyncio.sleep(self.wall(left) + 0.001)


def minute_slots(after: datetime, through: datetime) -> list[datetime]:
    """The fire times of ``* * * * *`` in (after, through]."""
    first = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    out = []
    while first <= through:
        out.append(first)
        first += timedelta(minutes=1)
    return out


def next_slot(after: datetime) -> datetime:
    return after.replace(second=0, microsecond=0) + timedelta(minutes=1)


def free_port() -> int:
    """A port nobody listens on now, for HEALTH_PORT (0 would not be reachable from here)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def http_get(url: str) -> tuple[int, str]:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as resp:
        return resp.status, await resp.text()


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of one Prometheus series' samples whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(r"^([a-z_]+)\{(.*)\} ([0-9.e+-]+)$", line)
        if not match or match.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2)))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(match.group(3))
    return total


# ---------------------------------------------------------------- setting things up


async def connected(fake: FakeDiscord, identifies_before: int, count: int = 1) -> None:
    """Until ``count`` new gateway sessions (a process or its shards) have IDENTIFYed."""
    await fake.wait_for(
        lambda: fake.identifies >= identifies_before + count,
        timeout=60,
        message="the bot process connected to the gateway",
    )


async def start(fake: FakeDiscord, bot: BotProcess) -> None:
    before = fake.identifies
    await bot.start()
    await connected(fake, before)


async def commands_synced(fake: FakeDiscord, guild_id: int | None) -> None:
    """Until the bot's commands are there (a dev guild's, or global ones)."""

    def synced() -> bool:
        if guild_id is not None:
            return guild_id in fake.guild_commands
        return bool(fake.commands)

    await fake.wait_for(synced, timeout=60, message="slash commands synced")


async def command(
    fake: FakeDiscord, guild_id: int, user_id: int, name: str, options: dict[str, Any]
) -> str:
    """Run a slash command and return what the bot answered (content and embed titles)."""
    handle = await fake.slash(guild_id, user_id, name, options)
    await handle.response(timeout=30)
    parts = [handle.content or ""] + [str(e.get("title") or "") for e in handle.embeds]
    return " ".join(parts)


async def create_rotation(
    fake: FakeDiscord,
    db: Database,
    guild_id: int,
    channel_id: int,
    *,
    creators: tuple[int, ...] = CREATORS,
    name: str = "Spotlight",
) -> int:
    """A moderator creates an every-minute rotation; creators set a handle and join it."""
    answer = await command(
        fake,
        guild_id,
        MOD_ID,
        "rotation create",
        {"name": name, "channel": fake.channel_option(channel_id), "schedule": EVERY_MINUTE},
    )
    assert "is live" in answer, answer
    for i, user_id in enumerate(creators):
        answer = await command(
            fake, guild_id, user_id, "profile set", {"handle": f"@creator{guild_id % 97}x{i}"}
        )
        assert "Saved" in answer, answer
        answer = await command(fake, guild_id, user_id, "shoutout join", {})
        assert name in answer, answer
    async with db.read() as s:
        rotation_id = await s.scalar(select(Rotation.id).where(Rotation.guild_id == guild_id))
    assert rotation_id is not None
    return int(rotation_id)


async def set_welcome(fake: FakeDiscord, guild_id: int, channel_id: int) -> None:
    answer = await command(
        fake, guild_id, MOD_ID, "welcome channel", {"channel": fake.channel_option(channel_id)}
    )
    assert "welcome" in answer.lower(), answer


async def active_from(db: Database, rotation_id: int) -> datetime:
    """Where the test starts holding the rotation to a post per slot: its start, or the last
    creator's join when the joins ran past a slot (a loaded machine on a fast clock) — a slot
    before anyone joined rightly features nobody."""
    async with db.read() as s:
        value = await s.scalar(select(Rotation.active_from).where(Rotation.id == rotation_id))
        last_join = await s.scalar(
            select(func.max(RotationMember.joined_at)).where(
                RotationMember.rotation_id == rotation_id
            )
        )
    assert value is not None
    start = as_utc(value)
    return max(start, as_utc(last_join)) if last_join is not None else start


# ---------------------------------------------------------------- what came out


@dataclass(frozen=True)
class Post:
    """One slot as it went out: its claim, its feature row, its outbox row, its message."""

    slot_at: datetime
    claim_status: str
    claim_owner: str | None
    feature_status: str | None
    outbox_id: int | None
    outbox_status: str | None
    sent_at: datetime | None
    sender: str | None
    message_ids: tuple[int, ...]

    @property
    def delay(self) -> timedelta | None:
        """From the slot's time to the post reaching Discord (clock time)."""
        return None if self.sent_at is None else self.sent_at - self.slot_at


@dataclass
class Ledger:
    rotation_id: int
    channel_id: int
    posts: list[Post]
    #: every message the bot created in the rotation's channel, oldest first: (id, nonce)
    messages: list[tuple[int, str | None]]
    #: POSTs that reached the fake for the channel, by nonce (a resend after a kill shows here)
    sends: Counter[str]
    #: how many messages each slot before the held stretch has (see active_from): rightly
    #: posted, featuring an early joiner, but at most once
    early: list[int] = field(default_factory=list)

    @classmethod
    async def read(
        cls, db: Database, fake: FakeDiscord, rotation_id: int, channel_id: int
    ) -> Ledger:
        start = await active_from(db, rotation_id)
        async with db.read() as s:
            claims = (
                await s.execute(
                    select(ScheduledSlot.slot_at, ScheduledSlot.status, ScheduledSlot.owner)
                    .where(ScheduledSlot.kind == SLOT_KIND, ScheduledSlot.ref == str(rotation_id))
                    .order_by(ScheduledSlot.slot_at)
                )
            ).all()
            features = {
                as_utc(at): status
                for at, status in (
                    await s.execute(
                        select(RotationFeature.slot_at, RotationFeature.status).where(
                            RotationFeature.rotation_id == rotation_id
                        )
                    )
                ).all()
            }
            rows = (
                await s.scalars(
                    select(OutboxMessage).where(
                        OutboxMessage.purpose == FEATURE_PURPOSE,
                        OutboxMessage.dedupe_key.like(f"shoutout:{rotation_id}:%"),
                    )
                )
            ).all()
        by_slot = {
            datetime.fromisoformat(str(r.payload["slot_key"]).split(":", 1)[1]): r for r in rows
        }
        messages = [(int(m["id"]), m.get("nonce")) for m in fake.messages(channel_id)]
        by_nonce: dict[str, list[int]] = {}
        for mid, nonce in messages:
            by_nonce.setdefault(str(nonce), []).append(mid)
        posts = []
        early: dict[str, int] = {}
        for at, status, owner in claims:
            slot_at = as_utc(at)
            if slot_at <= start:  # see active_from
                before = by_slot.get(slot_at)
                if before is not None:
                    early[f"mo{before.id}"] = len(by_nonce.get(f"mo{before.id}", ()))
                continue
            row = by_slot.get(slot_at)
            posts.append(
                Post(
                    slot_at=slot_at,
                    claim_status=status,
                    claim_owner=owner,
                    feature_status=features.get(slot_at),
                    outbox_id=row.id if row else None,
                    outbox_status=row.status if row else None,
                    sent_at=as_utc(row.sent_at) if row and row.sent_at else None,
                    sender=row.claimed_by if row else None,
                    message_ids=tuple(by_nonce.get(f"mo{row.id}", ())) if row else (),
                )
            )
        sends: Counter[str] = Counter(
            str(r.json.get("nonce"))
            for r in fake.requests_to("POST", rf"/channels/{channel_id}/messages$")
            if isinstance(r.json, dict) and r.status == 200
        )
        held = [(mid, nonce) for mid, nonce in messages if str(nonce) not in early]
        return cls(rotation_id, channel_id, posts, held, sends, list(early.values()))

    def slot_times(self) -> list[datetime]:
        return [p.slot_at for p in self.posts]

    def posted_through(self, through: datetime) -> bool:
        """Every slot up to ``through`` has its message in Discord (for waiting on)."""
        last_due = through.replace(second=0, microsecond=0)
        return (
            bool(self.posts)
            and self.posts[-1].slot_at >= last_due
            and all(p.message_ids for p in self.posts if p.slot_at <= through)
        )

    def assert_exactly_once(self, start: datetime, through: datetime) -> None:
        """Every slot from the rotation's start to ``through`` was claimed once, is done,
        featured somebody and has exactly one message in the channel; the messages are in slot
        order and there is no message for anything else. Slots claimed after ``through`` (the
        bot ran on while the test stopped it) are checked as far as they got: no gap, at most
        one message each."""
        expected = minute_slots(start, max([through, *self.slot_times()]))
        assert self.slot_times() == expected, (
            f"claimed slots {[t.isoformat() for t in self.slot_times()]} "
            f"!= expected {[t.isoformat() for t in expected]}"
        )
        problems = [
            p
            for p in self.posts
            if p.slot_at <= through
            and (
                p.claim_status != "done"
                or p.feature_status != "featured"
                or p.outbox_status != "sent"
                or len(p.message_ids) != 1
            )
        ]
        problems += [p for p in self.posts if p.slot_at > through and len(p.message_ids) > 1]
        assert not problems, f"slots not posted exactly once: {problems}"
        assert all(count <= 1 for count in self.early), f"an early slot posted twice: {self.early}"
        ids = [mid for p in self.posts for mid in p.message_ids]
        assert len(self.messages) == len(ids), (
            f"{len(self.messages)} messages in the channel for {len(ids)} posted slots"
        )
        assert [mid for mid, _ in self.messages] == ids, "messages are not in slot order"

    def due(self, through: datetime) -> list[Post]:
        return [p for p in self.posts if p.slot_at <= through]

    @property
    def resent(self) -> int:
        """Sends Discord saw again for the same message (dropped by the nonce)."""
        return sum(n - 1 for n in self.sends.values() if n > 1)

    def max_delay(self) -> timedelta:
        return max((p.delay for p in self.posts if p.delay is not None), default=timedelta(0))


async def ledger(db: Database, fake: FakeDiscord, rotation_id: int, channel_id: int) -> Ledger:
    return await Ledger.read(db, fake, rotation_id, channel_id)


async def posted_through(
    db: Database,
    fake: FakeDiscord,
    rotation_id: int,
    channel_id: int,
    through: datetime,
    timeout: float,  # noqa: ASYNC109 - a polling deadline
) -> Ledger:
    """Until every slot up to ``through`` is in the channel; returns the ledger then."""
    found: list[Ledger] = []

    async def done() -> bool:
        current = await ledger(db, fake, rotation_id, channel_id)
        found[:] = [current]
        return current.posted_through(through)

    try:
        await eventually(done, timeout=timeout, what=f"every slot through {through} posted")
    except AssertionError:
        raise AssertionError(f"not every slot through {through} was posted: {found}") from None
    return found[0]
