"""The Mutuals bot: start-up, extension discovery, command sync, shutdown."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import pkgutil
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import aiohttp
import discord
import yarl
from discord.ext import commands
from sqlalchemy import select

from core.clock import Clock, SteeredClock, SystemClock
from core.command_catalog import CatalogTranslator
from core.components import DirectButtons, PersistentButton
from core.db import Database
from core.deliveries import Deliveries
from core.heap import freeze_and_collect_in_bulk, release_free_memory
from core.i18n import forget_catalogs
from core.interactions import MutualsTree, OwedOutcomes
from core.leases import LeaseStore
from core.metrics import Metrics, shard_label
from core.outbox import OutboundMessage, OutboxStore
from core.outbox_worker import DeliveryResult, OutboxWorker
from core.scheduler import Scheduler
from core.settings import Settings
from core.slots import SlotStore
from core.tasks import Background, spawn
from models.guild import BotState

if TYPE_CHECKING:
    from core.health import HealthServer

log = logging.getLogger("mutuals")

#: connections to Discord's HTTP API at most (see ``login``)
HTTP_CONNECTIONS = 100
T = TypeVar("T")

COGS_DIR = Path(__file__).resolve().parent.parent / "cogs"
COMMAND_HASH_KEY = "command_tree_hash"
VERSION = "0.1.0"


def point_discord_at(api_base: str | None, gateway_url: str | None) -> None:
    """Route REST and the gateway to a proxy or a local fake (process-wide, before login)."""
    if api_base:
        discord.http.Route.BASE = api_base
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def discover_extensions() -> list[str]:
    """Every module or package in cogs/ not starting with an underscore."""
    return sorted(
        f"cogs.{info.name}"
        for info in pkgutil.iter_modules([str(COGS_DIR)])
        if not info.name.startswith("_")
    )


def intents() -> discord.Intents:
    value = discord.Intents.default()
    value.members = True  # joins and screening (privileged)
    value.message_content = True  # typed quiz answers (privileged)
    value.auto_moderation_configuration = True  # AutoMod rule events: member text's rules
    return value


class WebServer(Protocol):
    """What the bot starts and stops with itself: the moderators' dashboard (web/), built by the
    composition root (core never imports the layer above it)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class MutualsBot(commands.Bot):
    """The bot: Discord plumbing plus the per-process pieces core owns (database, clock,
    scheduler, outbox, claimed slots). Capabilities' services are built by the composition
    root (bot.py) and handed over with ``provide``; cogs reach them with ``need``."""

    #: set by the entry point (bot.py) and the benchmarks, not by tests (which start hundreds
    #: of bots in one process): see ``_freeze_heap``
    freeze_heap_when_ready = False
    #: how long after ready start-up's one-off work is taken to be over (see ``_freeze_heap``)
    heap_settle_seconds = 5.0
    #: the start-up heap is frozen and the collector tuned (benchmarks wait for it)
    heap_settled = False

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        clock: Clock | None = None,
        force_sync: bool = False,
        **options: Any,
    ) -> None:
        options.setdefault("guild_ready_timeout", settings.guild_ready_timeout)
        options.setdefault("intents", intents())
        super().__init__(**bot_options(options))
        self.settings = settings
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.scheduler = Scheduler()
        self.background = Background()
        self.direct_buttons = DirectButtons()
        self.leases = LeaseStore(
            db,
            # liveness is about real seconds whatever the bot's clock says (a fast demo clock)
            SystemClock()
            if self.clock.speed != 1 or isinstance(self.clock, SteeredClock)
            else self.clock,
            lease=timedelta(seconds=settings.claim_lease_seconds),
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
        )
        self.outbox_store = OutboxStore(
            db,
            self.clock,
            dm_closed_recheck=timedelta(hours=settings.dm_closed_recheck_hours),
            shard_count=settings.shard_count,
            shard_ids=settings.shard_ids,
        )
        self.outbox = OutboxWorker(
            self,
            self.outbox_store,
            owner=self.leases.owner,
            dm_rate=settings.dm_per_second,
            dm_burst=settings.dm_burst,
            channel_rate=settings.channel_posts_per_second,
        )
        self.slots = SlotStore(db, self.clock)
        self.deliveries = Deliveries(
            self.slots,
            self.leases,
            self.scheduler,
            self.clock,
            owns=self.owns_guild,
            sweep_seconds=settings.delivery_sweep_seconds,
            heartbeat_seconds=max(0.5, settings.claim_lease_seconds / 4),
            on_queued=self.outbox.wake,
            retry_first=settings.delivery_retry_seconds,
        )
        self.metrics = Metrics(shard_label(settings.shard_count, settings.shard_ids))
        self.deliveries.listeners.append(self.metrics.delivery)
        self.deliveries.failure_listeners.append(self.metrics.delivery_failed)
        self.outbox.observers.append(self._count_delivery)
        if isinstance(self.tree, MutualsTree):
            self.tree.observe_error = self._command_failed
        self.health: HealthServer | None = None
        #: the web dashboard, when the composition root attached one (WEB_PORT set)
        self.web: WebServer | None = None
        self._received: dict[int, float] = {}
        #: told of every interaction as it arrives, in line (keep them cheap: no I/O)
        self.interaction_observers: list[Callable[[discord.Interaction], None]] = []
        self._counters: dict[str, Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}
        #: interactions acknowledged (``core.interactions.acknowledge``) still owed their
        #: outcome; a clean stop waits for them after committing what they wrote
        self.owed_outcomes = OwedOutcomes()
        self._listening = False
        self.started_at = time.monotonic()
        self.force_sync = force_sync
        self._provided: dict[type, object] = {}

    # ------------------------------------------------------------------ composition

    def provide(self, value: object) -> None:
        """Hand the bot something built outside core (the services), found again by its type."""
        self._provided[type(value)] = value

    def need(self, kind: type[T]) -> T:
        """What ``provide`` handed over, typed; a missing piece is a wiring bug, said loudly."""
        value = self._provided.get(kind)
        if not isinstance(value, kind):
            raise LookupError(f"{kind.__name__} was not provided to the bot")
        return value

    def owns_guild(self, guild_id: int) -> bool:
        """In a multi-process deployment each process runs the schedules of its shards' guilds."""
        count, ids = self.settings.shard_count, self.settings.shard_ids
        if count is None or ids is None:
            return True
        return (guild_id >> 22) % count in ids

    # ------------------------------------------------------------------ lifecycle

    async def setup_hook(self) -> None:
        await self.db.listen()  # hot reads from memory only while other processes are heard
        self._listening = True
        self.scheduler.start()
        await self.start_health()
        if self.web is not None:
            await self.web.start()
        await self.recover_outbox()
        self.scheduler.every(
            "outbox:recover", self.settings.claim_lease_seconds, self.recover_outbox
        )
        for ext in discover_extensions():
            try:
                await self.load_extension(ext)
            except commands.ExtensionError:
                # One broken capability must not take the others down with it.
                log.exception("extension %s failed to load; running without it", ext)
        log.info("loaded %s extensions", len(self.extensions))
        await self.tree.set_translator(CatalogTranslator())  # localized names at sync
        await self.sync_commands()
        forget_catalogs()
        self.outbox.start()
        self.background.spawn(self._start_deliveries(), name="deliveries-start")
        if self.freeze_heap_when_ready:
            self.background.spawn(self._freeze_heap(), name="freeze-heap")

    async def login(self, token: str) -> None:
        # discord.py opens as many connections to Discord as requests are in flight: a crowd
        # of 500 clicks opened 500 (each a handshake, then idle), and answering the first
        # crowd took three times as long as the next. A pool of HTTP_CONNECTIONS (aiohttp's
        # own default) is reused by everyone's answers instead.
        self.http.connector = aiohttp.TCPConnector(limit=HTTP_CONNECTIONS)
        await super().login(token)

    def add_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        """Persistent buttons marked ``direct`` are routed by the bot itself (as the interaction
        arrives, see ``_interaction_received``); the others by discord.py."""
        routed = [i for i in items if issubclass(i, PersistentButton) and i.direct]
        for item in routed:
            self.direct_buttons.add(item)
        super().add_dynamic_items(*(i for i in items if i not in routed))

    def remove_dynamic_items(self, *items: type[discord.ui.DynamicItem[Any]]) -> None:
        routed = [i for i in items if issubclass(i, PersistentButton) and i in self.direct_buttons]
        for item in routed:
            self.direct_buttons.remove(item)
        super().remove_dynamic_items(*(i for i in items if i not in routed))

    async def recover_outbox(self) -> None:
        """Sends a dead process left half-done go back to the queue (a live one's never do)."""
        try:
            live = await self.leases.live_owners()
            recovered = await self.outbox_store.recover_interrupted(live | {self.leases.owner})
        except Exception as exc:  # the database is away: the next round tries again
            log.warning("outbox recovery failed: %s", exc)
            return
        if recovered:
            log.info("outbox: %s interrupted sends go back to the queue", recovered)
            self.outbox.wake()

    async def _freeze_heap(self) -> None:
        """Once start-up settled, what it built (modules, the guild cache) is collected once
        and frozen (``gc.freeze``): the cycle collector stops rescanning it on every full
        collection, which a busy bot otherwise pays all day (about a tenth of the CPU of a
        click in a crowd). Then the heap pages start-up used and freed go back to the system
        (``core.heap``): ~5 MB resident with 100k members."""
        await self.wait_until_ready()
        # ready is not the end of start-up: the guilds' member names are stored and the first
        # delivery sweep runs in the seconds after it, and their garbage is what to give back
        await asyncio.sleep(self.heap_settle_seconds)
        freeze_and_collect_in_bulk()
        release_free_memory()
        self.heap_settled = True

    async def _start_deliveries(self) -> None:
        """Schedules start once the guild cache is there (deliveries may consult it)."""
        await self.wait_until_ready()
        await self.deliveries.start()

    async def sync_commands(self) -> None:
        """Sync deliberately; a refused sync is logged and the bot runs with what Discord has
        (e.g. a DEV_GUILD_ID the bot isn't in answers 403), instead of dying at start-up."""
        try:
            await self._sync_commands()
        except discord.HTTPException as exc:
            log.error("command sync failed (%s %s): %s", exc.status, exc.code, exc.text)

    async def _sync_commands(self) -> None:
        tree = self.tree
        if self.settings.dev_guild_id:
            guild = discord.Object(self.settings.dev_guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            log.info("synced %s commands to dev guild %s", len(synced), guild.id)
            return
        # the localizations are part of what Discord holds: a new translation is a change
        translator = tree.translator
        payload = [
            await cmd.get_translated_payload(tree, translator)
            if translator is not None
            else cmd.to_dict(tree)
            for cmd in tree.get_commands()
        ]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        async with self.db.read() as session:
            stored = await session.scalar(
                select(BotState.value).where(BotState.key == COMMAND_HASH_KEY)
            )
        if stored == digest and not self.force_sync:
            log.info("command tree unchanged; not syncing")
            return
        synced = await tree.sync()
        async with self.db.write() as session:
            await session.merge(BotState(key=COMMAND_HASH_KEY, value=digest))
        log.info("synced %s global commands", len(synced))

    # ------------------------------------------------------------------ what operators see

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        # Interactions are counted here, in line: a listener would cost a task per interaction.
        if event_name == "interaction":
            self._interaction_received(args[0])
        elif event_name == "app_command_completion":
            self._command_done(args[0], "ok")
        super().dispatch(event_name, *args, **kwargs)

    def _interaction_received(self, interaction: discord.Interaction) -> None:
        kind = interaction.type.name
        counter = self._counters.get(kind)
        if counter is None:  # prometheus' labels() costs more than the rest of this hook
            counter = self._counters[kind] = self.metrics.interactions.labels(
                self.metrics.shard, kind
            )
        counter.inc()
        for observe in self.interaction_observers:
            observe(interaction)
        press = self.direct_buttons.route(interaction)
        if press is not None:  # a task only for the clicks that need one
            spawn(press, name="direct-button")
        if interaction.type is discord.InteractionType.application_command:
            if len(self._received) > 10_000:  # commands that never finished (token expired)
                self._received.clear()
            self._received[interaction.id] = time.monotonic()

    def _command_failed(self, interaction: discord.Interaction) -> None:
        self._command_done(interaction, "error")

    def _command_done(self, interaction: discord.Interaction, outcome: str) -> None:
        started = self._received.pop(interaction.id, None)
        if started is None:
            return
        name = interaction.command.qualified_name if interaction.command else "unknown"
        histogram = self._histograms.get((name, outcome))
        if histogram is None:
            histogram = self._histograms[(name, outcome)] = self.metrics.interaction_seconds.labels(
                self.metrics.shard, name, outcome
            )
        histogram.observe(time.monotonic() - started)

    def _count_delivery(self, message: OutboundMessage, result: DeliveryResult) -> None:
        self.metrics.outbox_sent.labels(self.metrics.shard, message.kind, result.status).inc()
        if result.status == "dms_closed":
            self.metrics.dms_closed.labels(self.metrics.shard).inc()

    def gateway_connected(self) -> bool:
        return self.is_ready() and not self.is_closed() and self.ws is not None and self.ws.open

    async def start_health(self) -> None:
        if self.settings.health_port is None:
            return
        # only here: aiohttp's server side (~1.8 MB resident) loads when HEALTH_PORT is set
        from core.health import HealthServer, Probe

        probe = Probe(
            db=self.db,
            deliveries=self.deliveries,
            outbox=self.outbox_store,
            metrics=self.metrics,
            gateway_connected=self.gateway_connected,
            gateway_latency=lambda: self.latency,
            shard=self.metrics.shard,
            owner=self.leases.owner,
        )
        self.health = HealthServer(probe, self.settings.health_host, self.settings.health_port)
        await self.health.start()

    async def close(self) -> None:
        if self.web is not None:
            await self.web.stop()
        if self.health is not None:
            await self.health.stop()
        await self.settle_outcomes()
        await self.deliveries.stop()
        await self.scheduler.close()
        await self.background.close()
        await self.outbox.stop()
        await super().close()
        if self._listening:
            self._listening = False
            await self.db.stop_listening()

    async def settle_outcomes(self, grace: float = 5.0) -> None:
        """A clean stop: commit every write received (``db.writes``), then give the members who
        were only acknowledged their outcome before the connection to Discord closes."""
        await self.db.writes.drain(grace)
        await self.owed_outcomes.settled(grace)

    def uptime(self) -> float:
        return time.monotonic() - self.started_at


class ShardedMutualsBot(MutualsBot, commands.AutoShardedBot):
    """The same bot over several shards (SHARD_COUNT/SHARD_IDS); discord.py routes by MRO."""

    def __init__(self, settings: Settings, db: Database, **options: Any) -> None:
        options.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids:
            options.setdefault("shard_ids", list(settings.shard_ids))
        super().__init__(settings, db, **options)

    def gateway_connected(self) -> bool:
        if not self.is_ready() or self.is_closed():
            return False
        return all(not shard.is_closed() for shard in self.shards.values())


def bot_options(options: dict[str, Any]) -> dict[str, Any]:
    """What every Mutuals bot is: slash-first, nobody pinged unless a message says so."""
    return {
        "command_prefix": commands.when_mentioned,
        "tree_cls": MutualsTree,
        "allowed_mentions": discord.AllowedMentions.none(),
        "help_command": None,
        **options,
    }


AnyBot = MutualsBot | ShardedMutualsBot


def create_bot(
    settings: Settings,
    db: Database,
    *,
    clock: Clock | None = None,
    force_sync: bool = False,
    **options: Any,
) -> AnyBot:
    """The one factory for bot.py and the tests, so both run the same bot."""
    point_discord_at(settings.discord_api_base, settings.discord_gateway_url)
    cls = ShardedMutualsBot if settings.shard_count else MutualsBot
    return cls(settings, db, clock=clock, force_sync=force_sync, **options)
