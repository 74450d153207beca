"""Real ``python bot.py`` processes against the fake Discord, and a database link that can be
cut: the pieces of the chaos tests (SIGKILLs, outages, shards, rolling restarts)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from fakediscord import FakeDiscord
from tests.conftest import GUILD_ID

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """One bot process; its output goes to a log file kept for the failure message."""

    def __init__(
        self,
        fake: FakeDiscord,
        db_url: str,
        workdir: Path,
        name: str,
        **settings: str,
    ) -> None:
        self.fake = fake
        self.db_url = db_url
        self.workdir = workdir
        self.name = name
        self.settings = settings
        self.log = workdir / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
        return {
            **base,
            "DISCORD_TOKEN": "chaos-token",
            "DATABASE_URL": self.db_url,
            "DEV_GUILD_ID": str(GUILD_ID),
            "DISCORD_API_BASE": self.fake.rest_base,
            "DISCORD_GATEWAY_URL": self.fake.gateway_url,
            "GUILD_READY_TIMEOUT": "0.1",
            "LOG_LEVEL": "INFO",
            "DM_PER_SECOND": "20",
            "DM_BURST": "5",
            "CHANNEL_POSTS_PER_SECOND": "20",
            **self.settings,
        }

    async def start(self) -> None:
        self.starts += 1
        out = self.log.open("ab")
        out.write(f"\n===== start {self.starts} =====\n".encode())
        out.flush()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "--env-file",
            str(self.workdir / "absent.env"),
            env=self.env(),
            cwd=self.workdir,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
        out.close()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup — as a crash or an OOM kill would."""
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self, timeout: float = 20) -> int:  # noqa: ASYNC109 - a deadline
        if not self.running:
            return self.proc.returncode if self.proc and self.proc.returncode is not None else 0
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            await self.kill()
            return -9

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class DatabaseLink:
    """A TCP proxy between the bot and PostgreSQL that a test can cut: while cut, new
    connections are refused and open ones are dropped, as when the database goes away."""

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def restore(self) -> None:
        await self.start()  # same port: the bot's URL stays valid

    async def close(self) -> None:
        await self.cut()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})
        a = asyncio.create_task(self._pipe(reader, up_writer))
        b = asyncio.create_task(self._pipe(up_reader, writer))
        self._pipes.update({a, b})
        a.add_done_callback(self._pipes.discard)
        b.add_done_callback(self._pipes.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()
