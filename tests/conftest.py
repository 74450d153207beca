"""Shared fixtures: databases on both backends, an injected clock, and the real bot running
against the local fake Discord (fakediscord) over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot import build_bot
from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from core.settings import Secret, Settings
from fakediscord import FakeDiscord
from tests import dbutil

GUILD_ID = 1_100_000_000_000_000_001
MOD_ID = 2_000_000_000_000_000_001
ALICE_ID = 2_000_000_000_000_000_002
BOB_ID = 2_000_000_000_000_000_003
GENERAL_ID = 3_000_000_000_000_000_001
MANAGE_GUILD = 1 << 5

BACKENDS = ("sqlite", "postgres")


# ---------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dbutil.make_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    name = dbutil.create_pg_database()  # raises (fails the tests) when PostgreSQL is down
    yield name
    dbutil.drop_pg_database(name)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database URL; every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return dbutil.sqlite_url(dbutil.copy_sqlite(sqlite_template, tmp_path))
    name = request.getfixturevalue("pg_database")
    return dbutil.pg_url(name)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(db_url)
    if database.backend == "postgresql":
        await dbutil.truncate_all(database)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


# ---------------------------------------------------------------- fake Discord + bot


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A guild with a moderator (Manage Server), two members and a #general channel."""
    server = FakeDiscord()
    server.add_guild(guild_id=GUILD_ID, name="Creator Fam", owner_id=MOD_ID)
    server.add_channel(GUILD_ID, channel_id=GENERAL_ID, name="general")
    server.add_member(GUILD_ID, MOD_ID, "modmia", permissions=MANAGE_GUILD, dispatch=False)
    server.add_member(GUILD_ID, ALICE_ID, "alice", dispatch=False)
    server.add_member(GUILD_ID, BOB_ID, "bob", dispatch=False)
    await server.start()
    yield server
    await server.stop()
    assert not server.unhandled, f"the bot called routes the fake does not know: {server.unhandled}"
    assert not server.limit_violations, f"messages broke Discord limits: {server.limit_violations}"


def bot_settings(fake: FakeDiscord, db_url: str, **overrides: Any) -> Settings:
    base = Settings(
        discord_token=Secret("test-token"),
        database_url=db_url,
        dev_guild_id=GUILD_ID,
        discord_api_base=fake.rest_base,
        discord_gateway_url=fake.gateway_url,
        guild_ready_timeout=0.1,
        dm_per_second=50.0,
        dm_burst=10,
        channel_posts_per_second=50.0,
        delivery_retry_seconds=0.02,  # failures back off, but tests needn't wait long for it
    )
    return replace(base, **overrides)


BotFactory = Callable[..., Awaitable[AnyBot]]


async def start_bot(
    fake: FakeDiscord, db: Database, settings: Settings, **kwargs: Any
) -> tuple[AnyBot, asyncio.Task[None]]:
    """Start the real bot (the factory bot.py uses) and wait until the fake saw it READY."""
    bot = build_bot(settings, db, **kwargs)

    async def no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
        return None  # discord.py sleeps 5 s before each re-IDENTIFY; tests need not

    bot.before_identify_hook = no_identify_wait  # type: ignore[method-assign]

    async def run() -> None:
        async with bot:
            await bot.start(settings.discord_token.get())

    task = asyncio.create_task(run(), name="test-bot")
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()  # raise what stopped the bot
        raise RuntimeError("the bot stopped before becoming ready")
    if ready not in done:
        ready.cancel()
        task.cancel()
        raise TimeoutError("the bot did not become ready within 15 s")
    return bot, task


async def stop_bot(bot: AnyBot, task: asyncio.Task[None]) -> None:
    if not bot.is_closed():
        await bot.close()
    try:
        await asyncio.wait_for(task, timeout=10)
    except (asyncio.CancelledError, TimeoutError):
        task.cancel()


@pytest.fixture
async def bot_factory(fake: FakeDiscord, db: Database, db_url: str) -> AsyncIterator[BotFactory]:
    """Start bots on demand: ``bot = await bot_factory(clock=..., dm_per_second=...)``.

    Keyword arguments that name a Settings field override it; the rest go to build_bot.
    Call it again after ``await stop(bot)`` to simulate a restart on the same database.
    """
    running: list[tuple[AnyBot, asyncio.Task[None]]] = []
    fields = set(Settings.__dataclass_fields__)

    async def factory(**kwargs: Any) -> AnyBot:
        overrides = {k: kwargs.pop(k) for k in list(kwargs) if k in fields}
        settings = bot_settings(fake, db_url, **overrides)
        bot, task = await start_bot(fake, db, settings, **kwargs)
        running.append((bot, task))
        return bot

    yield factory
    for bot, task in running:
        await stop_bot(bot, task)


@pytest.fixture
async def bot(bot_factory: BotFactory) -> AnyBot:
    return await bot_factory()


@pytest.fixture
async def stop() -> Callable[[AnyBot], Awaitable[None]]:
    """Stop a bot started by bot_factory (a clean shutdown; for a crash, see tests using kill)."""

    async def _stop(bot: AnyBot) -> None:
        if not bot.is_closed():
            await bot.close()

    return _stop
