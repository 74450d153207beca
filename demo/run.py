"""The demo, start to finish: the simulated Discord, the real bot process, the set-up, the
fam's life and the browser view; ``Demo`` is what ``python -m demo`` and the tests run."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

from demo.botproc import ROOT, BotProcess, bot_env
from demo.clockctl import DemoClock
from demo.fam import load_fam
from demo.life import Life
from demo.setup import configure_server, fam_joins_in
from demo.view.app import ViewServer
from demo.world import build_world

log = logging.getLogger("demo")

#: a day a minute: the week in seven
DEFAULT_SPEED = 1440.0


class Demo:
    def __init__(
        self,
        *,
        workdir: Path = ROOT / "var" / "demo",
        speed: float = DEFAULT_SPEED,
        host: str = "127.0.0.1",
        port: int = 8765,
        start: datetime | None = None,
        life: bool = True,
    ) -> None:
        self.workdir = workdir
        self.speed = speed
        now = datetime.now(UTC)
        self.start_at = start or now.replace(minute=0, second=0, microsecond=0)
        self.world = build_world(load_fam())
        self.clock: DemoClock | None = None
        self.bot: BotProcess | None = None
        self.view = ViewServer(self, host, port)
        self.life = Life(self.world, self) if life else None
        self.status = "starting the simulated Discord…"
        self.ready = asyncio.Event()

    async def start(self) -> None:
        """Serve the view at once; the bot and the set-up follow (the page shows progress)."""
        if self.workdir.exists():  # a fresh server every time: a fresh database
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True)
        await self.world.fake.start()
        await self.view.start()
        self.clock = DemoClock(self.workdir / "clock.json", self.start_at, self.speed)
        self.bot = BotProcess(
            bot_env(self.world.fake, self.workdir, self.clock.path, self.speed), self.workdir
        )
        self.status = "starting Mutuals (python bot.py)…"
        await self.bot.start()

    async def set_up(self) -> None:
        """Wait for the bot, configure the server and the fam (the clock stands still
        meanwhile), then let the week run."""
        fake, gid = self.world.fake, self.world.guild_id
        assert self.bot is not None and self.clock is not None
        try:
            await fake.wait_for(lambda: gid in fake.guild_commands, timeout=60)
        except TimeoutError:
            raise RuntimeError(f"Mutuals did not start; its log:\n{self.bot.tail()}") from None
        self.status = "the moderators set the server up…"
        await configure_server(self.world, self.start_at)
        self.status = "the fam fills in their profiles…"
        members = [m for m in self.world.fam if m.kind != "newcomer"]
        await fam_joins_in(self.world, members)
        self.status = ""
        self.clock.run()
        self.ready.set()
        if self.life is not None:
            self.life.start()

    async def stop(self) -> None:
        if self.life is not None:
            await self.life.stop()
        if self.bot is not None:
            await self.bot.stop()
        await self.view.stop()
        await self.world.fake.stop()
