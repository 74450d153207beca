"""The real bot as its own process: ``python bot.py``, the same entry point and settings as in
production, pointed at the simulated Discord and a fresh SQLite file."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from demo.world import GUILD_ID
from fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]


def bot_env(fake: FakeDiscord, workdir: Path, clock_file: Path, speed: float) -> dict[str, str]:
    # the person's own Discord/database settings (a .env, the shell) must not leak in
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    return {
        **base,
        "DISCORD_TOKEN": "demo-token-not-a-secret",
        "DATABASE_URL": f"sqlite+aiosqlite:///{(workdir / 'mutuals.db').as_posix()}",
        "DEV_GUILD_ID": str(GUILD_ID),
        "DISCORD_API_BASE": fake.rest_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "CLOCK_SPEED": repr(speed),
        "CLOCK_CONTROL": str(clock_file),
        "GUILD_READY_TIMEOUT": "0.2",
        # a day passes in a minute: sweep and send often enough to keep up with it
        "DELIVERY_SWEEP_SECONDS": "1",
        "DM_PER_SECOND": "8",
        "DM_BURST": "8",
        "CHANNEL_POSTS_PER_SECOND": "10",
        "SLOT_GRACE_HOURS": "24",
        "LOG_LEVEL": os.environ.get("DEMO_BOT_LOG_LEVEL", "WARNING"),
    }


class BotProcess:
    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.log = workdir / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        out = self.log.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "--env-file",
            str(self.workdir / "no.env"),  # settings come from the environment above only
            env=self.env,
            cwd=ROOT,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
        out.close()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def stop(self) -> None:
        if not self.running:
            return
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    def tail(self, lines: int = 20) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
