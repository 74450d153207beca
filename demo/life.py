"""The fam's week: newcomers join and onboard, members answer the term of the day, play quiz
games, check in, say hi in their collab threads and tell the bot they collabbed.

Every act is what a person would do in Discord: a click, a select, a form, a message, through
the fake's gateway (INTERACTION_CREATE) exactly like the tests. Whoever the browser is acting
as (``human``) is left alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from demo.fam import AGE_ANSWERS, Member
from demo.world import World

if TYPE_CHECKING:
    from demo.run import Demo

log = logging.getLogger("demo.life")

WINS = (
    "Finished the edit I kept putting off!",
    "A stitch of mine got 2k hearts",
    "Replied to every comment this week 💞",
    "Posted three TikToks, no skipped days",
    "Tried a new sound and it worked",
    "Collabed with a mutual for the first time",
)
HELLOS = (
    "Hey mutual! Love your TikToks, when are you free to film? 💞",
    "Omg hi! A duet could be so fun, I'm free weekend mornings",
    "Hiii, respect the niche but I think ours overlap 👀",
)
DONE_IT = (
    "We filmed it! Posting tomorrow with the sound we picked 🎬",
    "Duet is up, go give it some hearts 💞",
)
MOODS = (5, 4, 4, 3, 3, 2, 5, 4)


def components(msg: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for row in msg.get("components") or ():
        yield from row.get("components") or ()


def modal_inputs(modal: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for c in modal.get("components") or ():
        if c.get("type") == 1:
            yield from c.get("components") or ()
        elif c.get("type") == 18 and isinstance(c.get("component"), dict):
            yield c["component"]


class Life:
    def __init__(self, world: World, demo: Demo, seed: int = 11) -> None:
        self.world = world
        self.demo = demo
        self.rng = random.Random(seed)
        #: members the browser acts as: the simulation keeps its hands off them
        self.human: set[int] = set()
        self._seen: set[tuple[int, int, tuple[str, ...]]] = set()
        self._threads_greeted: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        start = demo.start_at
        newcomers = [m for m in world.fam if m.kind == "newcomer"]
        #: newcomers arrive through the week, the first a few hours in
        self.arrivals = [(start + timedelta(hours=5 + 16 * i), m) for i, m in enumerate(newcomers)]

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="demo-life")

    async def stop(self) -> None:
        tasks = [*self._tasks, *([self._loop] if self._loop else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # the simulation keeps going whatever one tick met
                log.exception("life tick failed")
            await asyncio.sleep(0.5)

    # ------------------------------------------------------------------ what happens
    def tick(self) -> None:
        assert self.demo.clock is not None
        now = self.demo.clock.now()
        members = self.world.fake.guilds[self.world.guild_id].members
        for when, member in self.arrivals:
            if when <= now and member.id not in members and member.id not in self.human:
                self.world.join(member)
        present = [m for m in self.world.present if m.id not in self.human]
        for member in present:
            dm = self.world.fake.dm_channel_of(member.id)
            for msg in self.world.fake.history(dm) if dm else ():
                self._consider(member, msg)
        for cid, channel in list(self.world.fake.channels.items()):
            if channel.guild_id != self.world.guild_id:
                continue
            history = self.world.fake.history(cid)
            for msg in history[-12:]:
                mentioned = [m for m in present if f"<@{m.id}>" in str(msg.get("content"))]
                for member in mentioned:
                    self._consider(member, msg)
                if any(self._is_game(c) for c in components(msg)):
                    for member in self.rng.sample(present, k=min(len(present), 6)):
                        self._consider(member, msg)
            if channel.is_thread and cid not in self._threads_greeted and history:
                self._threads_greeted.add(cid)
                self._spawn(self._greet(cid, history[0], present))

    @staticmethod
    def _is_game(comp: dict[str, Any]) -> bool:
        return str(comp.get("custom_id", "")).startswith(("mutuals:qz:", "mutuals:qd:"))

    def _consider(self, member: Member, msg: dict[str, Any]) -> None:
        ids = tuple(str(c.get("custom_id")) for c in components(msg) if c.get("custom_id"))
        if not ids:
            return
        key = (member.id, int(msg["id"]), ids)
        if key in self._seen:
            return
        self._seen.add(key)
        self._spawn(self._play(member, msg, depth=0, delay=self.rng.uniform(0.5, 4.0)))

    async def _greet(self, thread_id: int, first: dict[str, Any], present: list[Member]) -> None:
        """The pair says hi in their new collab thread."""
        for member in present:
            if f"<@{member.id}>" in str(first.get("content")):
                await asyncio.sleep(self.rng.uniform(1, 5))
                await self.world.fake.user_message(thread_id, member.id, self.rng.choice(HELLOS))

    # ------------------------------------------------------------------ one person's clicks
    def _choose(self, member: Member, msg: dict[str, Any]) -> tuple[str, list[str] | None] | None:
        comps = [c for c in components(msg) if not c.get("disabled") and c.get("custom_id")]
        by_action: dict[str, dict[str, Any]] = {}
        for c in comps:
            cid = str(c["custom_id"])
            parts = cid.split(":")
            by_action[":".join(parts[:3]) if len(parts) > 2 else cid] = c
        if "mutuals:wel:done" in by_action:
            return str(by_action["mutuals:wel:done"]["custom_id"]), None
        if "mutuals:wel:prof" in by_action:
            return str(by_action["mutuals:wel:prof"]["custom_id"]), None
        if "mutuals:wel:pick" in by_action:
            select = by_action["mutuals:wel:pick"]
            wanted = {n.casefold() for n in member.niches}
            values = [
                str(o["value"])
                for o in select.get("options") or ()
                if str(o["value"]).casefold() in wanted or str(o["label"]).casefold() in wanted
            ][: int(select.get("max_values") or 1)]
            return str(select["custom_id"]), values or [str(select["options"][0]["value"])]
        if "mutuals:wel:start" in by_action:
            return str(by_action["mutuals:wel:start"]["custom_id"]), None
        if "mutuals:ci:open" in by_action:
            return str(by_action["mutuals:ci:open"]["custom_id"]), None
        moods = [c for c in comps if str(c["custom_id"]).startswith("mutuals:ci:mood:")]
        if moods:
            want = str(self.rng.choice(MOODS))
            pick = next((c for c in moods if str(c["custom_id"]).endswith(f":{want}")), moods[0])
            return str(pick["custom_id"]), None
        daily = [c for c in comps if str(c["custom_id"]).startswith("mutuals:qd:")]
        if daily:
            return str(daily[0]["custom_id"]), None
        choices = [
            c for c in comps if str(c["custom_id"]).startswith(("mutuals:qdc:", "mutuals:qz:"))
        ]
        if choices:
            return str(self.rng.choice(choices)["custom_id"]), None
        answers = [c for c in comps if str(c["custom_id"]).startswith("mutuals:collab:fu:")]
        if answers:
            said = self.rng.choices(["yes", "not_yet", "no"], weights=[6, 3, 1])[0]
            chosen = next((c for c in answers if str(c["custom_id"]).endswith(said)), answers[0])
            return str(chosen["custom_id"]), None
        return None

    def _fill(self, member: Member, modal: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in modal_inputs(modal):
            cid = str(field.get("custom_id"))
            if field.get("type") == 4:
                label = str(field.get("label", "")).casefold()
                if cid == "handle":
                    text = member.handle
                elif cid == "intro":
                    text = member.intro
                elif "how many" in label:
                    text = str(self.rng.randint(1, 4))
                elif "tiktok" in label or "link" in label:
                    video = self.rng.randint(7000, 7999)
                    text = f"https://www.tiktok.com/{member.handle}/video/{video}"
                elif field.get("required", True) or self.rng.random() < 0.6:
                    text = self.rng.choice(WINS)
                else:
                    text = ""
                values[cid] = text[: int(field.get("max_length") or 4000)]
            elif field.get("type") == 3:
                options = field.get("options") or [{"value": ""}]
                wanted = AGE_ANSWERS[member.age].casefold()
                match = [o for o in options if str(o.get("label", "")).casefold() == wanted]
                values[cid] = [str((match or options)[0]["value"])]
        return values

    async def _play(
        self, member: Member, msg: dict[str, Any], *, depth: int, delay: float = 1.0
    ) -> None:
        if depth > 6 or member.id in self.human:
            return
        choice = self._choose(member, msg)
        if choice is None:
            return
        await asyncio.sleep(delay)
        custom_id, values = choice
        fake = self.world.fake
        try:
            if custom_id.startswith("mutuals:collab:fu:") and custom_id.endswith(":yes"):
                await fake.user_message(int(msg["channel_id"]), member.id, self.rng.choice(DONE_IT))
            handle = await fake.click(
                member.id, custom_id, message_id=int(msg["id"]), values=values
            )
            response = await handle.response(timeout=10)
            if response.get("type") == 9:
                modal = handle.modal or {}
                await asyncio.sleep(self.rng.uniform(1.0, 3.0))
                handle = await fake.submit_modal(
                    member.id, str(modal.get("custom_id")), self._fill(member, modal)
                )
                response = await handle.response(timeout=10)
            if response.get("type") in (5, 6):
                with contextlib.suppress(TimeoutError):
                    await handle.wait_edit(timeout=5)
        except (LookupError, RuntimeError, TimeoutError) as exc:
            log.info("%s could not use %s: %s", member.name, custom_id, exc)
            return
        following = handle.message
        if following is not None:
            self._seen.add(
                (
                    member.id,
                    int(following["id"]),
                    tuple(str(c.get("custom_id")) for c in components(following)),
                )
            )
            await self._play(member, following, depth=depth + 1, delay=self.rng.uniform(0.5, 2))
