"""Where the pulse's charts are drawn: one worker process (spawned once, on first use), so the
bot's event loop and its GIL stay free while matplotlib works, and a cache of the pictures.

A chart is the same picture for the same numbers in the same language, so pictures are kept by
(server, week, language, format, chart, digest of the numbers): a reload, the page's five chart
requests after its HTML, and a finished week looked at again are served from memory. A page
asks for all five at once (``prefetch``), drawn in one job while the browser reads the HTML;
requests for a picture already being drawn wait for that drawing instead of starting another.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

from core.errors import NotFound
from core.i18n import _
from services.pulse.values import Pulse

log = logging.getLogger("mutuals.pulse")

#: the chart names (services.pulse.charts.DRAW's keys), known here without importing matplotlib
CHART_KEYS = ("funnel", "checkins", "collabs", "quizzes", "shoutouts")
FORMATS = ("png", "svg")
SUMMARY = "summary"
#: pictures kept (a PNG is 15–40 kB: a few MB at most)
KEPT = 256
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

Key = tuple[int, str, str, str, str, str]


def digest(p: Pulse) -> str:
    """The numbers of a pulse, without the moment they were read (reprs of frozen values are
    stable), so the same numbers find the same pictures."""
    return hashlib.blake2b(
        repr(replace(p, generated_at=_EPOCH)).encode(), digest_size=16
    ).hexdigest()


class ChartRenderer:
    def __init__(self, workers: int = 1, executor: Executor | None = None) -> None:
        self.workers = workers
        self._executor = executor
        self._pictures: OrderedDict[Key, bytes] = OrderedDict()
        self._drawing: dict[Key, asyncio.Future[bytes]] = {}
        #: how many pictures were drawn (tests and the benchmark tell cold from cached with it)
        self.drawn = 0

    def _pool(self) -> Executor:
        if self._executor is None:
            # spawn, not fork: a forked child would inherit the bot's sockets, threads and locks
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_warm_up
            )
        return self._executor

    async def start(self) -> None:
        """Spawn the worker and let it import matplotlib now, not on the first page."""
        await asyncio.get_running_loop().run_in_executor(self._pool(), _warm_up)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def forget(self) -> None:
        """Drop every kept picture (the benchmark's cold runs)."""
        self._pictures.clear()

    def _key(self, p: Pulse, name: str, fmt: str, language: str, numbers: str) -> Key:
        return (p.guild_id, p.week.key, language, fmt, name, numbers)

    def _kept(self, key: Key) -> bytes | None:
        found = self._pictures.get(key)
        if found is not None:
            self._pictures.move_to_end(key)
        return found

    def _keep(self, key: Key, picture: bytes) -> None:
        self._pictures[key] = picture
        while len(self._pictures) > KEPT:
            self._pictures.popitem(last=False)

    async def _draw(
        self, p: Pulse, names: Sequence[str], fmt: str, language: str
    ) -> dict[str, bytes]:
        """Draw the pictures not kept nor being drawn in one job; wait for the others."""
        numbers = digest(p)
        found: dict[str, bytes] = {}
        waiting: dict[str, asyncio.Future[bytes]] = {}
        todo: list[str] = []
        for name in names:
            key = self._key(p, name, fmt, language, numbers)
            if (kept := self._kept(key)) is not None:
                found[name] = kept
            elif key in self._drawing:
                waiting[name] = self._drawing[key]
            else:
                todo.append(name)
        if todo:
            loop = asyncio.get_running_loop()
            futures = {name: loop.create_future() for name in todo}
            for name, future in futures.items():
                self._drawing[self._key(p, name, fmt, language, numbers)] = future
            try:
                drawn = await loop.run_in_executor(
                    self._pool(), _draw_many, p, tuple(todo), fmt, language
                )
            except BaseException as exc:
                for future in futures.values():
                    if not future.done():
                        future.set_exception(exc)
                        future.exception()  # retrieved: nobody else may be waiting
                raise
            finally:
                for name in todo:
                    self._drawing.pop(self._key(p, name, fmt, language, numbers), None)
            self.drawn += len(drawn)
            for name, picture in drawn.items():
                self._keep(self._key(p, name, fmt, language, numbers), picture)
                futures[name].set_result(picture)
            found.update(drawn)
        for name, future in waiting.items():
            found[name] = await future
        return found

    async def chart(self, p: Pulse, name: str, fmt: str, language: str) -> bytes:
        """One chart as PNG or SVG bytes, in ``language``."""
        if name not in CHART_KEYS or fmt not in FORMATS:
            raise NotFound(
                _("The pulse has no chart called `{name}.{fmt}`.", name=name[:40], fmt=fmt[:5])
            )
        return (await self._draw(p, (name,), fmt, language))[name]

    def prefetch(self, p: Pulse, language: str, fmt: str = "png") -> asyncio.Task[dict[str, bytes]]:
        """Start drawing the page's charts now (the browser asks for them right after)."""
        task = asyncio.get_running_loop().create_task(self._draw(p, CHART_KEYS, fmt, language))
        task.add_done_callback(_log_failure)
        return task

    async def summary(self, p: Pulse, language: str) -> bytes:
        """The week on one PNG, for Discord."""
        return (await self._draw(p, (SUMMARY,), "png", language))[SUMMARY]


# In the worker process only: the bot's process never imports matplotlib.
def _warm_up() -> None:
    from services.pulse import charts

    charts.warm_up()


def _draw_many(p: Pulse, names: Sequence[str], fmt: str, language: str) -> dict[str, bytes]:
    from services.pulse import charts

    return charts.draw_many(p, names, fmt, language)


def _log_failure(task: asyncio.Task[dict[str, bytes]]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("drawing the pulse's charts ahead failed: %r", task.exception())
