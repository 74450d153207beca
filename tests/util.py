"""Small helpers for tests that wait on the bot's background work (never on wall-clock speed)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fakediscord.handles import InteractionHandle


async def eventually(
    check: Callable[[], Awaitable[bool]],
    timeout: float = 10.0,  # noqa: ASYNC109 - a polling deadline, not a cancel scope
    what: str = "",
) -> None:
    """Poll an async condition until it holds; fail with `what` if it never does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await check():
            return
        if loop.time() > deadline:
            raise AssertionError(f"condition never held within {timeout}s: {what}")
        await asyncio.sleep(0.02)


async def outcome(handle: InteractionHandle, timeout: float = 10.0) -> str:  # noqa: ASYNC109
    """What a member finally reads after a click whose work is a batched write: the outcome
    itself as the answer when it was ready at once, else the acknowledgement first (a private
    "thinking…", or a silent deferral for a button on a private message) and the outcome in
    its place once the write committed."""
    response = await handle.response(timeout=timeout)
    if response["type"] in (5, 6):
        await handle.wait_edit(timeout=timeout)
    return str(handle.content)
