"""A local fake Discord (REST + gateway) for testing the unmodified discord.py client.

Usage::

    fake = FakeDiscord(app_id=..., bot_name="Mutuals")
    await fake.start()
    undo = fake.patch_client()   # sets discord.http.Route.BASE and DEFAULT_GATEWAY
    ...
    await fake.stop(); undo()

See ``server.py`` for what the fake implements and why.
"""

from .handles import InteractionHandle, LimitViolation, RecordedRequest
from .server import FakeDiscord, OptionRef
from .state import (
    ADMINISTRATOR,
    MANAGE_GUILD,
    MANAGE_ROLES,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
)

__all__ = [
    "ADMINISTRATOR",
    "MANAGE_GUILD",
    "MANAGE_ROLES",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "InteractionHandle",
    "LimitViolation",
    "OptionRef",
    "RecordedRequest",
]
