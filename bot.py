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
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
from sqlalchemy.exc import SQLAlchemyError

from core import migrate
from core.bot import AnyBot, create_bot, discover_extensions, intents
from core.clock import Clock, ClockControl, ScaledClock, SteeredClock
from core.command_catalog import command_entries, write_template
from core.db import Database
from core.errors import ContentError
from core.logs import setup_logging
from core.settings import Secret, Settings, SettingsError, load_settings
from services.container import build_services

log = logging.getLogger("mutuals")


def build_bot(
    settings: Settings, db: Database, *, clock: Clock | None = None, **options: Any
) -> AnyBot:
    """The composition root, used by main() and by the tests alike: the bot (core) and the
    services it runs, built once and handed over; core never reaches up for them."""
    bot = create_bot(settings, db, clock=clock, **options)
    services = build_services(
        db,
        bot.clock,
        grace=timedelta(hours=settings.slot_grace_hours),
        replan=bot.deliveries.poke,
    )
    bot.provide(services)
    if settings.web is not None:  # the moderators' dashboard, on the bot's own loop
        # imported only when it is served: Jinja2, cryptography and the pages are ~16 MB
        from web import DashboardServer

        bot.web = DashboardServer(bot, services, settings.web)
    return bot


def intent_fallbacks() -> list[discord.Intents]:
    """What to connect with, best first: a portal without the privileged intents enabled
    closes the gateway (4014); the bot then runs with what it may have, and says what is lost."""
    full = intents()
    no_content = intents()
    no_content.message_content = False
    minimal = intents()
    minimal.message_content = False
    minimal.members = False
    return [full, no_content, minimal]


async def serve(bot: AnyBot, token: str, stopping: asyncio.Event) -> None:
    """Run until a stop signal or until the bot stops by itself (re-raising why it stopped)."""

    async def _runner() -> None:
        async with bot:
            await bot.start(token, reconnect=True)

    runner = asyncio.create_task(_runner(), name="bot")
    stopper = asyncio.create_task(stopping.wait(), name="stop")
    try:
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            runner.result()
    finally:
        if not bot.is_closed():
            await bot.close()
        runner.cancel()
        stopper.cancel()
        await asyncio.gather(runner, stopper, return_exceptions=True)


def steered_clock(settings: Settings, path: Path) -> SteeredClock:
    """The demo's clock: CLOCK_SPEED/CLOCK_START until whoever owns the file says otherwise."""
    start = ScaledClock(settings.clock_speed, settings.clock_start, settings.clock_real_start)
    initial = ClockControl(at=start.now().isoformat(), real=time.time(), speed=start.speed)
    return SteeredClock(path, initial)


async def run(settings: Settings, *, force_sync: bool) -> int:
    db = Database.from_url(settings.database_url)
    try:  # in a child process: Alembic never loads into the bot (~11 MB resident)
        await migrate.upgrade_in_child(settings.database_url)
    except (OSError, SQLAlchemyError, migrate.MigrationFailed) as exc:
        await db.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        print(f"mutuals: cannot start: DATABASE_URL is not usable ({reason})", file=sys.stderr)
        return 2
    clock: Clock | None = None
    if settings.clock_control is not None:
        steered = steered_clock(settings, settings.clock_control)
        log.info("clock steered through %s, now %s", settings.clock_control, steered.now())
        clock = steered
    elif settings.clock_speed != 1 or settings.clock_start is not None:
        clock = ScaledClock(settings.clock_speed, settings.clock_start, settings.clock_real_start)
        log.info("clock runs at %sx from %s", settings.clock_speed, clock.now().isoformat())
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()

    def _stop() -> None:
        log.info("shutdown requested")
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stop)

    code = 0
    try:
        for wanted in intent_fallbacks():
            try:
                bot = build_bot(settings, db, clock=clock, force_sync=force_sync, intents=wanted)
                bot.freeze_heap_when_ready = True
            except ContentError as exc:  # shipped content missing or broken: say which, stop
                print(f"mutuals: cannot start: {exc}", file=sys.stderr)
                code = 2
                break
            try:
                await serve(bot, settings.discord_token.get(), stopping)
                break
            except discord.PrivilegedIntentsRequired:
                log.error(
                    "Discord refused privileged intents (members=%s, message_content=%s). "
                    "Enable Server Members and Message Content for the bot in the developer "
                    "portal; retrying without them (welcomes need members, typed quiz answers "
                    "need message content).",
                    wanted.members,
                    wanted.message_content,
                )
        else:
            print(
                "mutuals: Discord refused every intent set; check the application", file=sys.stderr
            )
            code = 2
    except discord.LoginFailure:
        print("mutuals: DISCORD_TOKEN was refused by Discord; check the token", file=sys.stderr)
        code = 2
    except OSError as exc:
        print(f"mutuals: cannot reach Discord: {exc}", file=sys.stderr)
        code = 2
    finally:
        await db.dispose()
        log.info("stopped")
    return code


async def write_command_catalog(path: Path) -> int:
    """``python3 dev.py i18n extract commands``: build the whole bot without connecting (its
    cogs load against a throwaway SQLite database) and write every command string to the
    catalog template."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            discord_token=Secret("offline"),
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'commands.db'}",
        )
        db = Database.from_url(settings.database_url)
        try:
            await migrate.upgrade(db.engine)
            bot = build_bot(settings, db)
            for ext in discover_extensions():
                await bot.load_extension(ext)
            entries = command_entries(bot.tree.get_commands())
            write_template(entries, path)
            await bot.close()
        finally:
            await db.dispose()
    print(f"{len(entries)} command strings written to {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Mutuals, the bot for micro-TikTok creator servers"
    )
    parser.add_argument("--sync", action="store_true", help="sync slash commands globally now")
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    parser.add_argument(
        "--write-command-catalog",
        metavar="POT",
        help="write the slash commands' strings to this catalog template and exit",
    )
    args = parser.parse_args(argv)
    if args.write_command_catalog:
        return asyncio.run(write_command_catalog(Path(args.write_command_catalog)))
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
