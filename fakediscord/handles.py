"""Records the fake hands back to tests: requests, interaction handles, violations.

An :class:`InteractionHandle` is the test's view of one INTERACTION_CREATE: the callback body
arrives on an ``asyncio.Future`` (so awaiting a response costs one wake-up, which keeps the
benchmark honest), followups and edits are appended as the bot makes them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

EPHEMERAL = 1 << 6


@dataclass
class RecordedRequest:
    """One REST call as the bot made it. ``path`` is relative to ``/api/v10``."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    time: float
    files: list[tuple[str, int]] = field(default_factory=list)
    status: int = 0
    #: the client's end of the connection it came on (host, port): how many it opened
    peer: tuple[str, int] | None = None


@dataclass
class LimitViolation:
    """A payload Discord would have refused (400); kept so fixtures can assert none happened."""

    method: str
    path: str
    problems: list[tuple[str, str, str]]
    body: Any


class InteractionHandle:
    """One interaction the fake pushed, and everything the bot answered to it."""

    def __init__(
        self,
        *,
        interaction_id: int,
        token: str,
        payload: dict[str, Any],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.id = interaction_id
        self.token = token
        self.payload = payload
        self.sent_at: float = 0.0
        self.responded_at: float | None = None
        self._response: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.followups: list[dict[str, Any]] = []
        self.edits: list[dict[str, Any]] = []
        #: id of the message the response created/updated ("@original"); None for 6/8/9 types
        self.original_message_id: int | None = None
        self.original_deleted = False
        self._changed = asyncio.Event()
        #: body of a callback that arrived after the deadline (answered 10062), if any
        self.late_callback: Any = None
        self._fake: Any = None  # set by FakeDiscord, used to read the live message

    # -- response ---------------------------------------------------------------------------
    @property
    def responded(self) -> bool:
        return self._response.done()

    def _set_response(self, body: dict[str, Any], when: float) -> None:
        self.responded_at = when
        if not self._response.done():
            self._response.set_result(body)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def response(self, timeout: float = 5) -> dict[str, Any]:  # noqa: ASYNC109 (public API name)
        """The callback body ``{"type": ..., "data": ...}``; TimeoutError names the command."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._response), timeout)
        except TimeoutError:
            late = ""
            if self.late_callback is not None:
                late = " (it answered after Discord's 3 s deadline and got 10062)"
            raise TimeoutError(
                f"bot did not answer interaction {self.describe()} within {timeout}s{late}"
            ) from None

    def response_nowait(self) -> dict[str, Any] | None:
        return self._response.result() if self._response.done() else None

    async def _wait_until(self, pred: Any, timeout: float, what: str) -> None:  # noqa: ASYNC109 (public API name)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not pred():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{what} for interaction {self.describe()} within {timeout}s")
            ev = self._changed
            try:
                await asyncio.wait_for(ev.wait(), remaining)
            except TimeoutError:
                continue

    async def wait_followup(self, timeout: float = 5, index: int | None = None) -> dict[str, Any]:  # noqa: ASYNC109 (public API name)
        """Wait for followup number ``index`` (default: the next one not yet seen by a wait)."""
        want = self._followups_seen if index is None else index
        await self._wait_until(lambda: len(self.followups) > want, timeout, "no followup")
        if index is None:
            self._followups_seen = want + 1
        return self.followups[want]

    _followups_seen = 0

    async def wait_edit(self, timeout: float = 5, index: int = 0) -> dict[str, Any]:  # noqa: ASYNC109 (public API name)
        await self._wait_until(lambda: len(self.edits) > index, timeout, "no edit of @original")
        return self.edits[index]

    # -- conveniences over the final visible state -----------------------------------------
    @property
    def message(self) -> dict[str, Any] | None:
        """Current state of the @original message (after edits), or None."""
        if self.original_message_id is None or self.original_deleted or self._fake is None:
            return None
        msg: dict[str, Any] | None = self._fake.get_message(self.original_message_id)
        return msg

    @property
    def ephemeral(self) -> bool:
        resp = self.response_nowait()
        if resp is not None and resp.get("type") in (4, 5):
            return bool(int((resp.get("data") or {}).get("flags") or 0) & EPHEMERAL)
        if self.followups:
            return bool(int(self.followups[-1].get("flags") or 0) & EPHEMERAL)
        return False

    @property
    def content(self) -> str | None:
        msg = self.message
        if msg is not None:
            return str(msg.get("content", ""))
        resp = self.response_nowait()
        if resp is not None and isinstance(resp.get("data"), dict):
            return resp["data"].get("content")
        return None

    @property
    def embeds(self) -> list[dict[str, Any]]:
        msg = self.message
        if msg is not None:
            return list(msg.get("embeds") or [])
        resp = self.response_nowait()
        if resp is not None and isinstance(resp.get("data"), dict):
            return list(resp["data"].get("embeds") or [])
        return []

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices (type 8 response)."""
        resp = self.response_nowait()
        if resp is None or resp.get("type") != 8:
            return []
        return list((resp.get("data") or {}).get("choices") or [])

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot opened (type 9 response data)."""
        resp = self.response_nowait()
        if resp is None or resp.get("type") != 9:
            return None
        data: dict[str, Any] = resp.get("data") or {}
        return data

    def describe(self) -> str:
        data = self.payload.get("data") or {}
        label = data.get("name") or data.get("custom_id") or "?"
        return f"{self.id} (type {self.payload.get('type')}, {label!r})"

    def __repr__(self) -> str:
        return f"<InteractionHandle {self.describe()} responded={self.responded}>"
