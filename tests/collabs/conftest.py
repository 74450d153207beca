"""Collab tests' bots: the collab service re-plans through the bot's deliveries."""

from __future__ import annotations

from typing import Any

import pytest

from core.bot import AnyBot
from core.deliveries import no_replan
from services.container import Services
from tests.conftest import BotFactory


@pytest.fixture
async def bot_factory(bot_factory: BotFactory) -> BotFactory:
    """The shared factory, with the collab service re-planning through the bot's deliveries
    as the composition root wires it (a no-op once bot.py hands ``deliveries.poke`` to
    build_services), so a change is acted on at once, not at the next sweep."""

    async def factory(**kwargs: Any) -> AnyBot:
        bot = await bot_factory(**kwargs)
        service = bot.need(Services).collabs
        if service.replan is no_replan:
            service.replan = bot.deliveries.poke
        return bot

    return factory
