"""Typed, validated settings, read once in ``main()`` (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# Runtime state lives in var/, apart from the shipped content in data/ (quiz packs, copy), so
# a volume or bind mount for state never hides content and an upgrade serves the new content.
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/mutuals.db"
# Where the SQLite file lived before it moved to var/; still used when it is the one there.
LEGACY_SQLITE_FILE = Path("data") / "mutuals.db"
# Discord's OAuth2 pages and API for the web dashboard's "Log in with Discord" (settings, so the
# tests' fake Discord can serve them).
DEFAULT_OAUTH_AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
DEFAULT_OAUTH_API_BASE = "https://discord.com/api/v10"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and what is expected."""

    def __init__(self, name: str, expected: str) -> None:
        super().__init__(f"setting {name}: {expected}")
        self.name = name


class Secret:
    """Holds a secret so that printing or logging the settings never shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class WebSettings:
    """The moderators' web dashboard: where it listens, the public URL Discord sends people
    back to after login, and the application's OAuth2 credentials (the secret never shown)."""

    port: int
    client_id: int
    client_secret: Secret
    host: str = "127.0.0.1"
    base_url: str | None = None
    #: key of the encrypted session cookie; None: a random one per start (logins end on restart)
    session_secret: Secret | None = None
    authorize_url: str = DEFAULT_OAUTH_AUTHORIZE_URL
    api_base: str = DEFAULT_OAUTH_API_BASE

    def public_url(self, bound_port: int | None = None) -> str:
        """WEB_BASE_URL, or where this process listens (for a dashboard used on this machine)."""
        if self.base_url:
            return self.base_url
        return f"http://{self.host}:{bound_port if bound_port is not None else self.port}"

    @property
    def redirect_path(self) -> str:
        return "/auth/callback"


@dataclass(frozen=True)
class Settings:
    discord_token: Secret
    database_url: str = DEFAULT_DATABASE_URL
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    dm_per_second: float = 1.0
    dm_burst: int = 3
    channel_posts_per_second: float = 5.0
    dm_closed_recheck_hours: float = 72.0
    slot_grace_hours: float = 6.0
    guild_ready_timeout: float = 2.0
    delivery_sweep_seconds: float = 5.0
    claim_lease_seconds: float = 12.0
    delivery_retry_seconds: float = 1.0
    health_port: int | None = None
    health_host: str = "127.0.0.1"
    clock_speed: float = 1.0
    clock_start: datetime | None = None
    clock_real_start: float | None = None
    #: a file another process steers the clock through (the demo): see core.clock.SteeredClock
    clock_control: Path | None = None
    # The moderators' web dashboard (web/): None (off) unless WEB_PORT is set.
    web: WebSettings | None = None
    extra: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def backend(self) -> str:
        return make_url(self.database_url).get_backend_name()


def _int(env: Mapping[str, str], name: str, *, minimum: int | None = None) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"expected a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(name, f"expected a number >= {minimum}, got {value}")
    return value


def _port(env: Mapping[str, str], name: str) -> int | None:
    value = _int(env, name, minimum=0)
    if value is not None and value > 65535:
        raise SettingsError(name, f"expected a port number 0-65535, got {value}")
    return value


def _when(env: Mapping[str, str], name: str) -> datetime | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise SettingsError(
            name, f"expected an ISO date-time like 2026-03-02T08:00Z, got {raw!r}"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _float(env: Mapping[str, str], name: str, default: float, *, positive: bool = True) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"expected a number, got {raw!r}") from None
    if positive and value <= 0:
        raise SettingsError(name, f"expected a number > 0, got {raw!r}")
    return value


def normalise_database_url(raw: str, name: str = "DATABASE_URL") -> str:
    """Accept the common spellings and pin the async drivers the bot ships with."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise SettingsError(
            name,
            "expected a URL like sqlite+aiosqlite:///./var/mutuals.db "
            f"or postgresql+asyncpg://user@host/db, got {raw!r}",
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
        if not url.database or url.database == ":memory:":
            raise SettingsError(name, "SQLite needs a file path (the bot runs several connections)")
    elif backend in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    else:
        raise SettingsError(
            name, f"expected a sqlite or postgresql URL, got the {backend!r} scheme"
        )
    return url.render_as_string(hide_password=False)


def default_database_url() -> str:
    """var/mutuals.db, unless an older install's data/mutuals.db is there and var/ isn't yet."""
    if LEGACY_SQLITE_FILE.is_file() and not (Path("var") / "mutuals.db").exists():
        return f"sqlite+aiosqlite:///./{LEGACY_SQLITE_FILE.as_posix()}"
    return DEFAULT_DATABASE_URL


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(schemes) or "://" not in raw or len(raw.split("://", 1)[1]) == 0:
        raise SettingsError(name, f"expected a URL starting with {' or '.join(schemes)}")
    return raw.rstrip("/")


def load_settings(
    env: Mapping[str, str] | None = None, *, env_file: str | Path | None = ".env"
) -> Settings:
    """Build settings from a .env file (if present) overlaid by the process environment."""
    merged: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    merged.update(os.environ if env is None else env)

    token = merged.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise SettingsError("DISCORD_TOKEN", "missing; set it to your bot token (see README)")
    if any(c.isspace() for c in token):
        raise SettingsError("DISCORD_TOKEN", "malformed; a bot token has no spaces")

    db_url = normalise_database_url(
        merged.get("DATABASE_URL", "").strip() or default_database_url()
    )

    level = merged.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise SettingsError("LOG_LEVEL", f"expected one of {', '.join(LOG_LEVELS)}")

    shard_count = _int(merged, "SHARD_COUNT", minimum=1)
    shard_ids: tuple[int, ...] | None = None
    raw_ids = merged.get("SHARD_IDS", "").strip()
    if raw_ids:
        try:
            shard_ids = tuple(int(p) for p in raw_ids.split(",") if p.strip())
        except ValueError:
            raise SettingsError("SHARD_IDS", "expected comma-separated numbers, e.g. 0,1") from None
        if shard_count is None:
            raise SettingsError("SHARD_IDS", "needs SHARD_COUNT to be set as well")
        if any(i < 0 or i >= shard_count for i in shard_ids):
            raise SettingsError("SHARD_IDS", f"each id must be between 0 and {shard_count - 1}")

    burst = _int(merged, "DM_BURST", minimum=1)
    return Settings(
        discord_token=Secret(token),
        database_url=db_url,
        dev_guild_id=_int(merged, "DEV_GUILD_ID", minimum=1),
        log_level=level,
        shard_count=shard_count,
        shard_ids=shard_ids,
        discord_api_base=_url(merged, "DISCORD_API_BASE", ("http://", "https://")),
        discord_gateway_url=_url(merged, "DISCORD_GATEWAY_URL", ("ws://", "wss://")),
        dm_per_second=_float(merged, "DM_PER_SECOND", 1.0),
        dm_burst=burst if burst is not None else 3,
        channel_posts_per_second=_float(merged, "CHANNEL_POSTS_PER_SECOND", 5.0),
        dm_closed_recheck_hours=_float(merged, "DM_CLOSED_RECHECK_HOURS", 72.0),
        slot_grace_hours=_float(merged, "SLOT_GRACE_HOURS", 6.0),
        guild_ready_timeout=_float(merged, "GUILD_READY_TIMEOUT", 2.0),
        delivery_sweep_seconds=_float(merged, "DELIVERY_SWEEP_SECONDS", 5.0),
        claim_lease_seconds=_float(merged, "CLAIM_LEASE_SECONDS", 12.0),
        delivery_retry_seconds=_float(merged, "DELIVERY_RETRY_SECONDS", 1.0),
        health_port=_port(merged, "HEALTH_PORT"),
        health_host=merged.get("HEALTH_HOST", "").strip() or "127.0.0.1",
        clock_speed=_float(merged, "CLOCK_SPEED", 1.0),
        clock_start=_when(merged, "CLOCK_START"),
        clock_real_start=_float(merged, "CLOCK_REAL_START", 0.0) or None,
        clock_control=Path(raw) if (raw := merged.get("CLOCK_CONTROL", "").strip()) else None,
        web=_web_settings(merged),
    )


def _web_settings(env: Mapping[str, str]) -> WebSettings | None:
    """WEB_* and DISCORD_OAUTH_*: checked only when the dashboard is on (WEB_PORT set)."""
    port = _port(env, "WEB_PORT")
    if port is None:
        return None
    client_id = _int(env, "DISCORD_CLIENT_ID", minimum=1)
    if client_id is None:
        raise SettingsError(
            "DISCORD_CLIENT_ID",
            "missing; the web dashboard (WEB_PORT) needs your application's OAuth2 client id",
        )
    secret = env.get("DISCORD_CLIENT_SECRET", "").strip()
    if not secret:
        raise SettingsError(
            "DISCORD_CLIENT_SECRET",
            "missing; the web dashboard (WEB_PORT) needs your application's OAuth2 client secret",
        )
    session_secret = env.get("WEB_SESSION_SECRET", "").strip()
    if session_secret and len(session_secret) < 32:
        raise SettingsError("WEB_SESSION_SECRET", "too short; use at least 32 random characters")
    host = env.get("WEB_HOST", "").strip() or "127.0.0.1"
    http = ("http://", "https://")
    return WebSettings(
        port=port,
        host=host,
        base_url=_url(env, "WEB_BASE_URL", http),
        client_id=client_id,
        client_secret=Secret(secret),
        session_secret=Secret(session_secret) if session_secret else None,
        authorize_url=_url(env, "DISCORD_OAUTH_AUTHORIZE_URL", http) or DEFAULT_OAUTH_AUTHORIZE_URL,
        api_base=_url(env, "DISCORD_OAUTH_API_BASE", http) or DEFAULT_OAUTH_API_BASE,
    )
