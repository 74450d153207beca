"""The outbox worker: sends queued DMs and channel posts at a paced rate.

DMs and channel posts are two queues with their own token buckets: Discord flags bots that
open DMs quickly, and every 403 from a closed DM counts toward its invalid-request ban, so a
closed DM is recorded once and never retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import discord

from core.db import is_transient
from core.outbox import CHANNEL, DM, OutboundMessage, OutboxStore
from core.pacing import TokenBucket
from core.tasks import spawn

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)

DM_CLOSED_CODES = {50007, 50278}
FINAL = ("sent", "failed", "dms_closed")
POLL_SECONDS = 2.0


@dataclass
class SendSpec:
    """What to send for one outbox row, built at send time (views need the running bot)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    allowed_mentions: discord.AllowedMentions | None = None


@dataclass(frozen=True)
class DeliveryResult:
    status: str  # "sent" | "dms_closed" | "failed" | "retry"
    message_id: int | None = None
    channel_id: int | None = None
    error: str | None = None


Renderer = Callable[[OutboundMessage], Awaitable[SendSpec]]
ResultHook = Callable[[OutboundMessage, DeliveryResult], Awaitable[None]]


def default_render(message: OutboundMessage) -> SendSpec:
    """Plain payloads: content, embeds (dicts), and mention_users / mention_roles (ids to ping)."""
    payload = message.payload
    mentions = discord.AllowedMentions.none()
    if payload.get("mention_users"):
        mentions.users = [discord.Object(int(u)) for u in payload["mention_users"]]
    if payload.get("mention_roles"):
        mentions.roles = [discord.Object(int(r)) for r in payload["mention_roles"]]
    return SendSpec(
        content=payload.get("content"),
        embeds=[discord.Embed.from_dict(e) for e in payload.get("embeds", [])],
        allowed_mentions=mentions,
    )


class OutboxWorker:
    def __init__(
        self,
        bot: commands.Bot,
        store: OutboxStore,
        *,
        owner: str | None = None,
        dm_rate: float,
        dm_burst: int,
        channel_rate: float,
    ) -> None:
        self.bot = bot
        self.store = store
        self.owner = owner
        self.buckets = {
            DM: TokenBucket(dm_rate, dm_burst),
            CHANNEL: TokenBucket(channel_rate, max(1, int(channel_rate))),
        }
        self._renderers: dict[str, Renderer] = {}
        self._hooks: dict[str, list[ResultHook]] = {}
        #: told about every delivery, whatever its purpose (metrics)
        self.observers: list[Callable[[OutboundMessage, DeliveryResult], None]] = []
        self._wake = {DM: asyncio.Event(), CHANNEL: asyncio.Event()}
        self._tasks: list[asyncio.Task[Any]] = []
        self._stopping = False
        self._database_away: set[str] = set()
        # Recent send times per queue, so tests and benchmarks can check the pace kept.
        self.sent_times: dict[str, deque[float]] = {
            DM: deque(maxlen=10_000),
            CHANNEL: deque(maxlen=10_000),
        }

    def register(
        self, purpose: str, *, render: Renderer | None = None, on_result: ResultHook | None = None
    ) -> None:
        if render is not None:
            self._renderers[purpose] = render
        if on_result is not None:
            self._hooks.setdefault(purpose, []).append(on_result)

    async def wait_for(
        self,
        dedupe_key: str,
        timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline; the wait is on the database
    ) -> DeliveryResult | None:
        """The true outcome of a queued message (sent, failed and why, DMs closed), for telling
        a moderator what actually happened; None if it hasn't gone out within ``timeout``.
        Reads the stored row, so it works whichever process sends it."""
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.02
        while True:
            found = await self.store.status_of(dedupe_key)
            if found is not None and found.status in FINAL:
                return DeliveryResult(
                    found.status,
                    message_id=found.message_id,
                    channel_id=found.channel_id,
                    error=found.error,
                )
            if loop.time() >= deadline:
                return None
            await asyncio.sleep(delay)
            delay = min(0.25, delay * 1.5)

    def wake(self) -> None:
        """Call after queueing rows so they go out now rather than at the next poll."""
        for event in self._wake.values():
            event.set()

    def start(self) -> None:
        self._stopping = False
        if not self._tasks:
            self._tasks = [
                spawn(self._run(DM), name="outbox-dm"),
                spawn(self._run(CHANNEL), name="outbox-channel"),
            ]

    async def stop(self, grace: float = 5.0) -> None:
        """Let an in-flight send finish and be recorded (so it isn't re-sent), then stop."""
        self._stopping = True
        self.wake()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._tasks = []

    async def _run(self, kind: str) -> None:
        await self.bot.wait_until_ready()
        bucket = self.buckets[kind]
        wake = self._wake[kind]
        while not self._stopping and not self.bot.is_closed():
            try:
                await asyncio.sleep(bucket.delay())
                if self._stopping:
                    break
                batch = await self.store.claim_due(kind, 1, owner=self.owner)
                if kind in self._database_away:
                    self._database_away.discard(kind)
                    log.info("outbox %s: the database is back", kind)
                if not batch:
                    wake.clear()
                    if self._stopping:  # stop() may have set `wake` just before the clear
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), timeout=POLL_SECONDS)
                    continue
                await self.deliver(batch[0], bucket)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("outbox %s loop error", kind)
                elif kind not in self._database_away:  # an outage: said once, not every second
                    self._database_away.add(kind)
                    log.warning(
                        "outbox %s: the database is unreachable (%s: %s); retrying every second",
                        kind,
                        type(exc).__name__,
                        str(exc).splitlines()[0][:200] if str(exc) else "",
                    )
                await asyncio.sleep(1)

    async def deliver(
        self, message: OutboundMessage, bucket: TokenBucket | None = None
    ) -> DeliveryResult:
        if message.kind == DM and await self.store.dms_closed(message.target_id):
            await self.store.mark_dms_closed(message, "DMs closed (known; not retried)")
            result = DeliveryResult("dms_closed", error="known closed")
            await self._notify(message, result)
            return result
        try:
            result = await self._send(message, bucket)
        except Exception as exc:  # a renderer bug must not stall the queue
            log.exception(
                "outbox message %s (%s) could not be rendered", message.id, message.purpose
            )
            result = DeliveryResult("failed", error=f"{type(exc).__name__}: {exc}")
        await self._record(message, result)
        await self._notify(message, result)
        return result

    async def _send(self, message: OutboundMessage, bucket: TokenBucket | None) -> DeliveryResult:
        renderer = self._renderers.get(message.purpose)
        spec = await renderer(message) if renderer else default_render(message)
        kwargs: dict[str, Any] = {
            "content": spec.content,
            "embeds": spec.embeds,
            "files": spec.files,
            "allowed_mentions": spec.allowed_mentions or discord.AllowedMentions.none(),
            # Discord drops a second message with the same nonce: a resend after a crash
            # between "sent" and "marked sent" does not post twice.
            "nonce": f"mo{message.id}",
        }
        if spec.view is not None:
            kwargs["view"] = spec.view
        try:
            channel: discord.abc.Messageable
            if message.kind == DM:
                channel = await self.bot.create_dm(discord.Object(message.target_id))
            else:
                found = self.bot.get_channel(message.target_id)
                if found is None:
                    found = await self.bot.fetch_channel(message.target_id)
                if not isinstance(found, discord.abc.Messageable):
                    return DeliveryResult("failed", error="not a text channel")
                channel = found
            # The token is taken right before the send, so sends reach Discord at the pace even
            # when opening a DM channel first takes a variable time.
            if bucket is not None and not bucket.try_take():
                await bucket.take()
            self.sent_times[message.kind].append(asyncio.get_running_loop().time())
            sent = await channel.send(**kwargs)
            return DeliveryResult("sent", message_id=sent.id, channel_id=sent.channel.id)
        except discord.Forbidden as exc:
            if message.kind == DM:
                return DeliveryResult("dms_closed", error=f"403 {exc.code}: {exc.text}")
            return DeliveryResult("failed", error=f"403 {exc.code}: missing access")
        except discord.NotFound as exc:
            return DeliveryResult("failed", error=f"404 {exc.code}: {exc.text}")
        except discord.DiscordServerError as exc:
            return DeliveryResult("retry", error=f"{exc.status}: {exc.text}")
        except discord.HTTPException as exc:
            if exc.status == 429:
                return DeliveryResult("retry", error="rate limited")
            return DeliveryResult("failed", error=f"{exc.status} {exc.code}: {exc.text}")
        except (TimeoutError, OSError) as exc:
            return DeliveryResult("retry", error=f"{type(exc).__name__}: {exc}")

    async def _record(self, message: OutboundMessage, result: DeliveryResult) -> None:
        if result.status == "sent":
            assert result.message_id is not None and result.channel_id is not None
            await self.store.mark_sent(
                message.id, sent_message_id=result.message_id, channel_id=result.channel_id
            )
        elif result.status == "dms_closed":
            log.info(
                "DMs closed for user %s (outbox %s); not retrying", message.target_id, message.id
            )
            await self.store.mark_dms_closed(message, result.error or "")
        elif result.status == "retry":
            if not await self.store.mark_retry(message, result.error or ""):
                log.warning(
                    "outbox %s gave up after %s tries: %s",
                    message.id,
                    message.attempts,
                    result.error,
                )
        else:
            log.warning("outbox %s (%s) failed: %s", message.id, message.purpose, result.error)
            await self.store.mark_failed(message.id, result.error or "")

    async def _notify(self, message: OutboundMessage, result: DeliveryResult) -> None:
        for observe in self.observers:
            try:
                observe(message, result)
            except Exception:
                log.exception("outbox observer failed")
        for hook in self._hooks.get(message.purpose, []):
            try:
                await hook(message, result)
            except Exception:
                log.exception("outbox hook for %s failed", message.purpose)
