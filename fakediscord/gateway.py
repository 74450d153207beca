"""Gateway connection/session bookkeeping for the fake.

Frames are plain JSON text. discord.py asks for ``compress=zlib-stream`` in the URL, but it only
runs its decompressor on *binary* frames (``DiscordWebSocket.received_message``), so text
frames are accepted as they are: no zlib needed.

Each connection owns an outgoing queue drained by one writer task, so events pushed from
synchronous helpers (``add_member``) keep their order and sequence numbers stay increasing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Gateway opcodes
OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11


@dataclass
class Session:
    """A gateway session (what RESUME refers to); survives the connection that created it."""

    id: str
    intents: int
    shard: tuple[int, int] | None
    seq: int = 0
    invalid: bool = False
    identify_payload: dict[str, Any] = field(default_factory=dict)

    def wants_guild(self, guild_id: int | None) -> bool:
        """Shard routing: ``shard_id = (guild_id >> 22) % shard_count``; DMs go to shard 0."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id


class Connection:
    """One websocket. ``live`` once IDENTIFY (READY queued) or RESUME succeeded."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.session: Session | None = None
        self.live = False
        self.ready_flushed = asyncio.Event()
        self.heartbeats = 0
        self._queue: asyncio.Queue[str | asyncio.Future[None] | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="fakediscord-gw-writer")

    async def _write_loop(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, asyncio.Future):
                if not item.done():
                    item.set_result(None)
                continue
            if self.ws.closed:
                continue
            try:
                await self.ws.send_str(item)
            except (ConnectionError, RuntimeError):
                # Client went away mid-send; the reader side notices and cleans up.
                continue

    def send_op(self, op: int, d: Any) -> None:
        self._queue.put_nowait(json.dumps({"op": op, "d": d, "s": None, "t": None}))

    def send_dispatch(self, event: str, encoded_data: str) -> int:
        """Queue a DISPATCH; ``encoded_data`` is pre-serialized once for all connections."""
        assert self.session is not None
        self.session.seq += 1
        seq = self.session.seq
        self._queue.put_nowait(f'{{"op":0,"s":{seq},"t":"{event}","d":{encoded_data}}}')
        return seq

    async def flush(self) -> None:
        """Wait until everything queued so far was handed to the socket."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(fut)
        await fut

    async def close(self, code: int) -> None:
        self.live = False
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code=code), 5)
        await self.shutdown()

    async def shutdown(self) -> None:
        self.live = False
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._writer, 2)
        if not self._writer.done():
            self._writer.cancel()
