"""`python bot.py` as users run it: against the fake Discord, answered, SIGTERM, restarted."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from fakediscord import FakeDiscord
from tests.conftest import ALICE_ID, GUILD_ID

ROOT = Path(__file__).resolve().parents[2]


async def _spawn(fake: FakeDiscord, db_url: str, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))},
        "DISCORD_TOKEN": "process-token",
        "DATABASE_URL": db_url,
        "DEV_GUILD_ID": str(GUILD_ID),
        "DISCORD_API_BASE": fake.rest_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "GUILD_READY_TIMEOUT": "0.1",
        "LOG_LEVEL": "INFO",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        "--env-file",
        str(tmp_path / "absent.env"),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _about(fake: FakeDiscord) -> dict[str, str]:
    await fake.wait_ready(timeout=30)
    await fake.wait_for(lambda: GUILD_ID in fake.guild_commands, timeout=30)
    h = await fake.slash(GUILD_ID, ALICE_ID, "about")
    await h.response(timeout=10)
    return {f["name"]: f["value"] for f in h.embeds[0]["fields"]}


async def test_bot_process_runs_stops_and_restarts(
    fake: FakeDiscord, db_url: str, tmp_path: Path
) -> None:
    proc = await _spawn(fake, db_url, tmp_path)
    try:
        fields = await _about(fake)
        assert fields["Servers"] == "1"
        proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = out.decode()
    assert proc.returncode == 0, text
    assert "shutdown requested" in text and "stopped" in text
    assert "process-token" not in text  # the token is never logged
    assert "Traceback" not in text

    requests_before = len(fake.requests)
    again = await _spawn(fake, db_url, tmp_path)  # restart on the same database
    try:
        await fake.wait_for(lambda: len(fake.requests) > requests_before, timeout=30)
        await asyncio.sleep(0)  # let the previous READY state clear
        assert (await _about(fake))["Servers"] == "1"
    finally:
        again.send_signal(signal.SIGTERM)
        await asyncio.wait_for(again.communicate(), timeout=20)
    assert again.returncode == 0


async def test_missing_privileged_intents_degrade_instead_of_dying(
    db_url: str, tmp_path: Path
) -> None:
    members_only = 1 << 1  # the portal has Server Members on, Message Content off
    fake = FakeDiscord(privileged_intents=members_only)
    fake.add_guild(guild_id=GUILD_ID, name="Creator Fam", owner_id=ALICE_ID)
    await fake.start()
    proc = await _spawn(fake, db_url, tmp_path)
    try:
        assert (await _about(fake))["Servers"] == "1"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=20)
        await fake.stop()
    text = out.decode()
    assert proc.returncode == 0, text
    assert "refused privileged intents" in text and "Message Content" in text
