"""An extension whose setup fails, for the test that one broken capability can't stop the bot."""

from __future__ import annotations

from typing import Any


async def setup(bot: Any) -> None:
    raise RuntimeError("this capability is broken")
