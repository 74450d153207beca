"""Settings: validated once, secrets never shown, one clear line when start-up can't proceed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import Secret, Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def load(**env: str) -> Settings:
    return load_settings(env, env_file=None)


def test_defaults_and_token_redacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load(DISCORD_TOKEN="abc.def.ghi")
    assert s.database_url == "sqlite+aiosqlite:///./var/mutuals.db"
    assert s.dm_per_second == 1.0 and s.dm_burst == 3
    assert s.discord_token.get() == "abc.def.ghi"
    assert "abc.def.ghi" not in repr(s) and "abc.def.ghi" not in str(s.discord_token)
    assert repr(Secret("x")) == "Secret('**********')"


def test_state_lives_in_var_but_an_older_data_file_is_still_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mutuals.db").write_bytes(b"")
    assert load(DISCORD_TOKEN="t").database_url == "sqlite+aiosqlite:///./data/mutuals.db"
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "mutuals.db").write_bytes(b"")
    assert load(DISCORD_TOKEN="t").database_url == "sqlite+aiosqlite:///./var/mutuals.db"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "a b"}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "t", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DISCORD_TOKEN": "t", "DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DISCORD_TOKEN": "t", "DATABASE_URL": "sqlite://"}, "DATABASE_URL"),
        ({"DISCORD_TOKEN": "t", "DEV_GUILD_ID": "abc"}, "DEV_GUILD_ID"),
        ({"DISCORD_TOKEN": "t", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DISCORD_TOKEN": "t", "SHARD_IDS": "0"}, "SHARD_IDS"),
        ({"DISCORD_TOKEN": "t", "SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "SHARD_IDS"),
        ({"DISCORD_TOKEN": "t", "DM_PER_SECOND": "0"}, "DM_PER_SECOND"),
        ({"DISCORD_TOKEN": "t", "DISCORD_GATEWAY_URL": "http://x"}, "DISCORD_GATEWAY_URL"),
    ],
)
def test_bad_settings_name_the_setting(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError) as info:
        load(**env)
    assert info.value.name == name
    assert name in str(info.value)


def test_urls_normalised_to_async_drivers() -> None:
    s = load(DISCORD_TOKEN="t", DATABASE_URL="postgresql://u@h/db")
    assert s.database_url.startswith("postgresql+asyncpg://") and s.backend == "postgresql"
    s = load(DISCORD_TOKEN="t", DATABASE_URL="sqlite:///x.db", SHARD_COUNT="2", SHARD_IDS="1")
    assert s.database_url == "sqlite+aiosqlite:///x.db" and s.shard_ids == (1,)


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=from-file\nLOG_LEVEL=debug\n")
    s = load_settings({"LOG_LEVEL": "WARNING"}, env_file=env_file)
    assert s.discord_token.get() == "from-file" and s.log_level == "WARNING"


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "--env-file", str(tmp_path / "none.env")],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "t", "DATABASE_URL": "mysql://nobody/x"}, "DATABASE_URL"),
        (
            {"DISCORD_TOKEN": "t", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"},
            "DATABASE_URL",
        ),
    ],
)
def test_bad_start_is_one_clear_line(env: dict[str, str], needle: str, tmp_path: Path) -> None:
    result = _start(env, tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0] and "Traceback" not in result.stderr + result.stdout


def test_clock_settings() -> None:
    s = load(
        DISCORD_TOKEN="t",
        CLOCK_SPEED="60",
        CLOCK_START="2026-03-02T08:00Z",
        CLOCK_REAL_START="1700000000",
    )
    assert s.clock_speed == 60 and s.clock_start is not None and s.clock_start.hour == 8
    assert s.clock_real_start == 1_700_000_000
    with pytest.raises(SettingsError, match="CLOCK_START"):
        load(DISCORD_TOKEN="t", CLOCK_START="tomorrow")
    with pytest.raises(SettingsError, match="CLOCK_SPEED"):
        load(DISCORD_TOKEN="t", CLOCK_SPEED="0")


def test_missing_shipped_content_is_one_clear_line(tmp_path: Path) -> None:
    """An install whose quiz packs went missing refuses to start, saying what to restore."""
    import shutil

    app = tmp_path / "app"
    app.mkdir()
    for part in ("bot.py", "alembic.ini"):
        shutil.copy(ROOT / part, app / part)
    for pkg in ("cogs", "web", "core", "services", "models", "migrations", "data"):
        shutil.copytree(ROOT / pkg, app / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(app / "data" / "quizzes")
    result = subprocess.run(
        [sys.executable, str(app / "bot.py"), "--env-file", str(tmp_path / "none.env")],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))},
            "DISCORD_TOKEN": "t",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=app,
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("mutuals: cannot start:") and "data/quizzes" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_scaled_clock_continues_the_same_timeline_after_a_restart() -> None:
    import time
    from datetime import UTC, datetime

    from core.clock import ScaledClock

    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    anchor = time.time() - 10  # the first process started 10 real seconds ago
    restarted = ScaledClock(60, start, anchor)
    elapsed = (restarted.now() - start).total_seconds()
    assert 600 <= elapsed < 660  # ten real seconds at 60x: ten clock minutes, not zero


def test_the_web_dashboard_is_off_unless_web_port_is_set() -> None:
    assert load(DISCORD_TOKEN="t").web is None
    assert load(DISCORD_TOKEN="t", DISCORD_CLIENT_SECRET="x").web is None


def test_the_web_dashboard_needs_the_oauth_client_and_keeps_its_secret() -> None:
    with pytest.raises(SettingsError, match="DISCORD_CLIENT_ID"):
        load(DISCORD_TOKEN="t", WEB_PORT="8081")
    with pytest.raises(SettingsError, match="DISCORD_CLIENT_SECRET"):
        load(DISCORD_TOKEN="t", WEB_PORT="8081", DISCORD_CLIENT_ID="123")
    with pytest.raises(SettingsError, match="WEB_BASE_URL"):
        load(
            DISCORD_TOKEN="t",
            WEB_PORT="8081",
            DISCORD_CLIENT_ID="123",
            DISCORD_CLIENT_SECRET="shh",
            WEB_BASE_URL="mutuals.example.com",
        )
    with pytest.raises(SettingsError, match="WEB_SESSION_SECRET"):
        load(
            DISCORD_TOKEN="t",
            WEB_PORT="8081",
            DISCORD_CLIENT_ID="123",
            DISCORD_CLIENT_SECRET="shh",
            WEB_SESSION_SECRET="short",
        )
    s = load(
        DISCORD_TOKEN="t",
        WEB_PORT="8081",
        DISCORD_CLIENT_ID="123",
        DISCORD_CLIENT_SECRET="the-client-secret",
        WEB_BASE_URL="https://mutuals.example.com/",
    )
    assert s.web is not None
    assert s.web.public_url() == "https://mutuals.example.com"
    assert s.web.public_url() + s.web.redirect_path == "https://mutuals.example.com/auth/callback"
    assert s.web.authorize_url == "https://discord.com/oauth2/authorize"
    assert s.web.api_base == "https://discord.com/api/v10"
    assert s.web.client_secret.get() == "the-client-secret"
    assert "the-client-secret" not in repr(s) and "the-client-secret" not in str(s.web)
    local = load(
        DISCORD_TOKEN="t", WEB_PORT="8081", DISCORD_CLIENT_ID="1", DISCORD_CLIENT_SECRET="x"
    )
    assert local.web is not None and local.web.public_url() == "http://127.0.0.1:8081"
