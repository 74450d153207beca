"""The running bot freezes its start-up heap once start-up settled (bot.py sets it; tests, which
start hundreds of bots in one process, don't): the cycle collector stops rescanning it, and the
free heap pages go back to the system."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from core.bot import AnyBot, MutualsBot
from core.heap import GC_THRESHOLDS, release_free_memory
from tests.conftest import BotFactory
from tests.util import eventually


@pytest.fixture
def unfrozen() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_a_ready_bot_freezes_what_start_up_built(
    bot_factory: BotFactory, unfrozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MutualsBot, "freeze_heap_when_ready", True)
    monkeypatch.setattr(MutualsBot, "heap_settle_seconds", 0.0)
    bot: AnyBot = await bot_factory()

    async def frozen() -> bool:
        return gc.get_freeze_count() > 0

    await eventually(frozen, what="the start-up heap frozen")
    assert bot.is_ready()
    assert gc.get_threshold() == GC_THRESHOLDS  # a crowd's garbage is collected in bulk


def test_free_heap_pages_go_back_to_the_system() -> None:
    assert release_free_memory() is (sys.platform == "linux")  # glibc here; no-op elsewhere


async def test_tests_leave_the_heap_alone(bot_factory: BotFactory, unfrozen: None) -> None:
    await bot_factory()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() != GC_THRESHOLDS
