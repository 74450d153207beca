"""The browser view of the simulated server (aiohttp + Jinja2, server-rendered; one small
script polls for changes and opens forms). Whatever a person does here is an interaction or a
message the fake sends the bot over its gateway, exactly as Discord would."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from demo.commands import flatten_commands
from demo.view.render import Renderer, color_of, display_name
from fakediscord import FakeDiscord

if TYPE_CHECKING:
    from demo.run import Demo

HERE = Path(__file__).resolve().parent
COOKIE = "demo_as"


class ViewServer:
    def __init__(self, demo: Demo, host: str, port: int) -> None:
        self.demo = demo
        self.world = demo.world
        self.fake: FakeDiscord = demo.world.fake
        self.host, self.port = host, port
        self.render = Renderer(demo.world)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
        )
        aiohttp_jinja2.get_env(app).filters["cdn"] = self._local_url
        r = app.router
        r.add_get("/", self.home)
        r.add_get("/channels/{cid}", self.channel_page)
        r.add_get("/channels/{cid}/live", self.live)
        r.add_post("/as", self.act_as)
        r.add_post("/clock/{action}", self.clock_action)
        r.add_get("/commands", self.commands)
        r.add_post("/autocomplete", self.autocomplete)
        r.add_post("/slash", self.slash)
        r.add_post("/click", self.click)
        r.add_post("/modal", self.modal)
        r.add_post("/say", self.say)
        r.add_get("/cdn/{tail:.*}", self.cdn)
        r.add_static("/static", HERE / "static")
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ who, where
    def viewer(self, request: web.Request) -> int:
        raw = request.cookies.get(COOKIE, "")
        if raw.isdigit() and self.world.by_id(int(raw)) is not None:
            return int(raw)
        return self.world.mods[0].id

    def _visible(self, cid: int, viewer: int) -> bool:
        ch = self.fake.channels.get(cid)
        if ch is None:
            return False
        if ch.guild_id is None:
            return self.fake.dm_channel_of(viewer) == cid
        if ch.name == "mod-log" or (ch.is_thread and ch.type == 12):
            member = self.world.by_id(viewer)
            is_mod = member is not None and member.is_mod
            return is_mod or (ch.name != "mod-log" and viewer in ch.thread_members)
        return True

    def sidebar(self, viewer: int, current: int) -> dict[str, Any]:
        guild = self.fake.guilds[self.world.guild_id]
        top = sorted(
            (c for c in guild.channels.values() if not c.is_thread), key=lambda c: c.position
        )
        channels = []
        for ch in top:
            if not self._visible(ch.id, viewer):
                continue
            threads = [
                {"id": t.id, "name": t.name, "current": t.id == current}
                for t in guild.channels.values()
                if t.is_thread and t.parent_id == ch.id and self._visible(t.id, viewer)
            ]
            channels.append(
                {"id": ch.id, "name": ch.name, "current": ch.id == current, "threads": threads}
            )
        dm = self.fake.dm_channel_of(viewer)
        return {"channels": channels, "dm": dm, "dm_current": dm == current}

    def people(self, viewer: int) -> list[dict[str, Any]]:
        members = self.fake.guilds[self.world.guild_id].members
        out = []
        for m in self.world.fam:
            state = "here" if m.id in members else "not joined yet"
            out.append(
                {
                    "id": m.id,
                    "label": f"{m.name} · {', '.join(m.niches)}"
                    + (" · moderator" if m.is_mod else "")
                    + (" · 13–17" if m.age == "teen" else "")
                    + ("" if m.dms_open else " · DMs closed")
                    + ("" if state == "here" else " · newcomer, joins now"),
                    "selected": m.id == viewer,
                }
            )
        return out

    def feed(self, cid: int, viewer: int) -> list[dict[str, Any]]:
        return [self.render.message(m, viewer) for m in self.fake.history(cid, viewer=viewer)[-80:]]

    # ------------------------------------------------------------------ pages
    async def home(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"/channels/{self.world.channels['general']}")

    async def channel_page(self, request: web.Request) -> web.StreamResponse:
        viewer = self.viewer(request)
        cid = int(request.match_info["cid"])
        if not self._visible(cid, viewer):
            raise web.HTTPFound(f"/channels/{self.world.channels['general']}")
        ch = self.fake.channels[cid]
        member = self.world.by_id(viewer)
        context = {
            "guild": self.fake.guilds[self.world.guild_id].name,
            "channel": ch,
            "is_dm": ch.guild_id is None,
            "is_thread": ch.is_thread,
            "viewer": viewer,
            "viewer_name": display_name(self.fake, self.world.guild_id, viewer),
            "viewer_color": color_of(viewer),
            "viewer_is_mod": bool(member and member.is_mod),
            "people": self.people(viewer),
            "sidebar": self.sidebar(viewer, cid),
            "messages": self.feed(cid, viewer),
            "clock": self.clock_state(),
        }
        return aiohttp_jinja2.render_template("page.html", request, context)

    def clock_state(self) -> dict[str, Any]:
        clock = self.demo.clock
        state: dict[str, Any] = clock.state() if clock else {"now": "", "mode": "", "speed": 0}
        state["status"] = self.demo.status
        return state

    async def live(self, request: web.Request) -> web.StreamResponse:
        viewer = self.viewer(request)
        cid = int(request.match_info["cid"])
        env = aiohttp_jinja2.get_env(request.app)
        feed = env.get_template("feed.html").render(messages=self.feed(cid, viewer))
        sidebar = env.get_template("sidebar.html").render(sidebar=self.sidebar(viewer, cid))
        return web.json_response({"feed": feed, "sidebar": sidebar, "clock": self.clock_state()})

    def _local_url(self, url: str) -> str:
        """The fake's /cdn/ address of an uploaded image, served by this view instead."""
        base = f"http://{self.fake.host}:{self.fake.port}/cdn/"
        return "/cdn/" + url.removeprefix(base) if url.startswith(base) else url

    async def cdn(self, request: web.Request) -> web.StreamResponse:
        """Images the bot uploaded, from the fake (so the page needs one address only)."""
        parts = request.match_info["tail"].split("/")
        data = self.fake.attachment_files.get(int(parts[1])) if len(parts) > 2 else None
        if data is None or not parts[1].isdigit():
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="image/png")

    # ------------------------------------------------------------------ acting
    async def act_as(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        uid = int(str(form.get("user", "0")) or 0)
        member = self.world.by_id(uid)
        back = str(form.get("back") or "/")
        if member is None:
            raise web.HTTPFound(back)
        if self.demo.life is not None:
            self.demo.life.human.add(uid)
        if uid not in self.fake.guilds[self.world.guild_id].members:
            self.world.join(member)  # a newcomer: joining is the first thing they do
        response = web.HTTPFound(back if back.startswith("/channels/") else "/")
        response.set_cookie(COOKIE, str(uid), httponly=True, samesite="Lax")
        raise response

    async def clock_action(self, request: web.Request) -> web.StreamResponse:
        clock = self.demo.clock
        action = request.match_info["action"]
        if clock is None or not self.demo.ready.is_set():
            return web.json_response({"error": "The server is still being set up."}, status=409)
        actions = {
            "pause": clock.pause,
            "run": clock.run,
            "real": clock.real,
            "step": clock.step_day,
        }
        if action not in actions:
            raise web.HTTPNotFound()
        actions[action]()
        return web.json_response(self.clock_state())

    async def commands(self, request: web.Request) -> web.StreamResponse:
        viewer = self.viewer(request)
        gid = self.world.guild_id
        visible = [
            c
            for c in self.fake.guild_commands.get(gid, [])
            if self.fake.command_visible_to(gid, viewer, c["name"])
        ]
        guild = self.fake.guilds[gid]
        roles = [{"id": str(r.id), "name": r.name} for r in guild.roles.values() if r.id != gid]
        return web.json_response({"commands": flatten_commands(visible), "roles": roles})

    def _options(self, path: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Typed values from the form's strings, by the synced definition."""
        defs = {
            c["path"]: c
            for c in flatten_commands(self.fake.guild_commands.get(self.world.guild_id, []))
        }
        spec = {o["name"]: o for o in defs.get(path, {}).get("options", [])}
        out: dict[str, Any] = {}
        for name, value in raw.items():
            text = str(value).strip()
            if text == "" or name not in spec:
                continue
            kind = spec[name]["type"]
            if kind == 4:
                out[name] = int(text)
            elif kind == 10:
                out[name] = float(text)
            elif kind == 5:
                out[name] = text.lower() in ("true", "yes", "1", "on")
            elif kind in (6, 9):
                out[name] = self.fake.user_option(int(text))
            elif kind == 7:
                out[name] = self.fake.channel_option(int(text))
            elif kind == 8:
                out[name] = self.fake.role_option(int(text))
            elif kind == 3:
                out[name] = text
        return out

    async def _answer(self, handle: Any) -> web.StreamResponse:
        try:
            response = await handle.response(timeout=5)
        except TimeoutError:
            return web.json_response({"error": "Mutuals didn't answer (yet)."})
        if response.get("type") == 9:
            return web.json_response({"modal": handle.modal})
        return web.json_response({"ok": True})

    async def autocomplete(self, request: web.Request) -> web.StreamResponse:
        viewer = self.viewer(request)
        body = await request.json()
        path, focused = str(body["path"]), str(body["focused"])
        options = {k: v for k, v in self._options(path, body.get("options") or {}).items()}
        options[focused] = str((body.get("options") or {}).get(focused, ""))
        handle = await self.fake.autocomplete(
            self.world.guild_id, viewer, path, options, focused=focused
        )
        await handle.response(timeout=5)
        return web.json_response(handle.choices)

    async def slash(self, request: web.Request) -> web.StreamResponse:
        viewer = self.viewer(request)
        body = await request.json()
        cid = int(body["channel_id"])
        ch = self.fake.channels[cid]
        try:
            options = self._options(str(body["path"]), body.get("options") or {})
            handle = await self.fake.slash(
                ch.guild_id, viewer, str(body["path"]), options, channel_id=cid
            )
        except (ValueError, LookupError) as exc:
            return web.json_response({"error": str(exc)})
        return await self._answer(handle)

    async def click(self, request: web.Request) -> web.StreamResponse:
        viewer = self.viewer(request)
        body = await request.json()
        values = body.get("values")
        try:
            handle = await self.fake.click(
                viewer,
                str(body["custom_id"]),
                message_id=int(body["message_id"]),
                values=list(values) if values is not None else None,
            )
        except (LookupError, RuntimeError, ValueError) as exc:
            return web.json_response({"error": str(exc)})
        return await self._answer(handle)

    async def modal(self, request: web.Request) -> web.StreamResponse:
        viewer = self.viewer(request)
        body = await request.json()
        try:
            handle = await self.fake.submit_modal(
                viewer, str(body["custom_id"]), dict(body.get("values") or {})
            )
        except (LookupError, ValueError) as exc:
            return web.json_response({"error": str(exc)})
        return await self._answer(handle)

    async def say(self, request: web.Request) -> web.StreamResponse:
        viewer = self.viewer(request)
        body = await request.json()
        cid = int(body["channel_id"])
        text = str(body.get("content") or "").strip()[:2000]
        if text and self._visible(cid, viewer):
            await self.fake.user_message(cid, viewer, text)
            await asyncio.sleep(0)
        return web.json_response({"ok": True})
