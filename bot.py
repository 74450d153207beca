"""Mutuals entry point: ``python bot.py [--sync]``.

main() reads settings, builds the engine, builds the bot (which migrates in setup_hook) and
runs it until SIGTERM/SIGINT, then closes the scheduler, the bot and the engine.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any

import discord
from sqlalchemy.exc import SQLAlchemyError

from core import migrate
from core.bot import AnyBot, create_bot
from core.db import Database
from core.logs import setup_logging
from core.settings import Settings, SettingsError, load_settings

log = logging.getLogger("mutuals")


def build_bot(settings: Settings, db: Database, **kwargs: Any) -> AnyBot:
    """The same factory the tests use."""
    return create_bot(settings, db, **kwargs)


async def run(settings: Settings, *, force_sync: bool) -> int:
    db = Database.from_url(settings.database_url)
    try:
        await migrate.upgrade(db.engine)
    except (OSError, SQLAlchemyError) as exc:
        await db.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        print(f"mutuals: cannot start: DATABASE_URL is not usable ({reason})", file=sys.stderr)
        return 2
    bot = build_bot(settings, db, force_sync=force_sync)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def _stop() -> None:
        log.info("shutdown requested")
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stop)

    async def _runner() -> None:
        async with bot:
            await bot.start(settings.discord_token.get(), reconnect=True)

    runner = asyncio.create_task(_runner(), name="bot")
    stopper = asyncio.create_task(stopping.wait(), name="stop")
    code = 0
    try:
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done and runner.exception() is not None:
            raise runner.exception()  # type: ignore[misc]
    except discord.LoginFailure:
        print("mutuals: DISCORD_TOKEN was refused by Discord; check the token", file=sys.stderr)
        code = 2
    except OSError as exc:
        print(f"mutuals: cannot reach the database or Discord: {exc}", file=sys.stderr)
        code = 2
    finally:
        if not bot.is_closed():
            await bot.close()
        runner.cancel()
        stopper.cancel()
        await asyncio.gather(runner, stopper, return_exceptions=True)
        await db.dispose()
        log.info("stopped")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Mutuals, the bot for micro-TikTok creator servers"
    )
    parser.add_argument("--sync", action="store_true", help="sync slash commands globally now")
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(env_file=args.env_file)
    except SettingsError as exc:
        print(f"mutuals: cannot start: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    log.info("starting Mutuals (database: %s)", settings.backend)
    try:
        return asyncio.run(run(settings, force_sync=args.sync))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
