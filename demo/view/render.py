"""Discord's message objects (as the fake stores them) → what the browser view shows: names
for mentions, a little markdown, embeds, images, buttons and selects."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from demo.world import World
from fakediscord import FakeDiscord

BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link"}
PALETTE = ("#5865f2", "#eb459e", "#57f287", "#fee75c", "#ed4245", "#3ba55c", "#faa61a", "#9b59b6")


def color_of(user_id: int) -> str:
    return PALETTE[user_id % len(PALETTE)]


def display_name(fake: FakeDiscord, guild_id: int, user_id: int) -> str:
    guild = fake.guilds.get(guild_id)
    member = guild.members.get(user_id) if guild else None
    if member is not None and member.nick:
        return member.nick
    user = fake.users.get(user_id)
    return user.name if user else f"user {user_id}"


class Renderer:
    def __init__(self, world: World) -> None:
        self.world = world
        self.fake = world.fake

    # ------------------------------------------------------------------ text
    def _mention(self, match: re.Match[str]) -> str:
        kind, raw = match.group(1).replace("&amp;", "&").replace("!", ""), int(match.group(2))
        if kind == "#":
            ch = self.fake.channels.get(raw)
            name = html.escape(ch.name if ch else "unknown")
            return f'<a class="mention" href="/channels/{raw}">#{name}</a>'
        if kind == "@&":
            role = self.fake.guilds[self.world.guild_id].roles.get(raw)
            return f'<span class="mention">@{html.escape(role.name if role else "role")}</span>'
        name = display_name(self.fake, self.world.guild_id, raw)
        return f'<span class="mention">@{html.escape(name)}</span>'

    @staticmethod
    def _timestamp(match: re.Match[str]) -> str:
        when = datetime.fromtimestamp(int(match.group(1)), UTC)
        return f'<span class="ts">{when.strftime("%a %d %b %H:%M UTC")}</span>'

    def markdown(self, text: str) -> str:
        out = html.escape(text or "", quote=False)
        out = re.sub(r"&lt;(#|@&amp;|@!?)(\d+)&gt;", self._mention, out)
        out = re.sub(r"&lt;t:(\d+)(?::[a-zA-Z])?&gt;", self._timestamp, out)
        out = re.sub(
            r"\[([^\]]+)\]\((https?://[^)\s]+)\)",
            r'<a href="\2" target="_blank" rel="noopener">\1</a>',
            out,
        )
        out = re.sub(
            r"(?<![\"'>])(https?://[^\s<]+)",
            r'<a href="\1" target="_blank" rel="noopener">\1</a>',
            out,
        )
        out = re.sub(r"```(.+?)```", r"<pre>\1</pre>", out, flags=re.S)
        out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
        out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out, flags=re.S)
        out = re.sub(r"__(.+?)__", r"<u>\1</u>", out, flags=re.S)
        out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)\*(?!\w)", r"<em>\1</em>", out)
        out = re.sub(r"(?<![\w])_(?!\s)(.+?)_(?!\w)", r"<em>\1</em>", out)
        out = re.sub(r"~~(.+?)~~", r"<s>\1</s>", out)
        out = re.sub(
            r"\|\|(.+?)\|\|",
            r'<span class="spoiler" onclick="this.classList.add(\'shown\')">\1</span>',
            out,
            flags=re.S,
        )
        lines = []
        for line in out.split("\n"):
            if line.startswith("-# "):
                line = f'<small class="subtext">{line[3:]}</small>'
            elif line.startswith("&gt; "):
                line = f"<blockquote>{line[5:]}</blockquote>"
            elif m := re.match(r"(#{1,3}) (.*)", line):
                line = f'<span class="h{len(m.group(1))}">{m.group(2)}</span>'
            elif m := re.match(r"[-*] (.*)", line):
                line = f"• {m.group(1)}"
            lines.append(line)
        return "<br>".join(lines)

    # ------------------------------------------------------------------ messages
    def message(self, msg: dict[str, Any], viewer: int) -> dict[str, Any]:
        author = msg.get("author") or {}
        author_id = int(author.get("id") or 0)
        attachments = msg.get("attachments") or []
        by_name = {a.get("filename"): a.get("url") for a in attachments}

        def image(url: str | None) -> str | None:
            if url and url.startswith("attachment://"):
                return by_name.get(url.removeprefix("attachment://"))
            return url

        embeds = []
        for e in msg.get("embeds") or ():
            embeds.append(
                {
                    "color": f"#{int(e.get('color') or 0x5865F2):06x}",
                    "author": (e.get("author") or {}).get("name"),
                    "title": self.markdown(str(e.get("title") or "")),
                    "url": e.get("url"),
                    "description": self.markdown(str(e.get("description") or "")),
                    "fields": [
                        {
                            "name": self.markdown(str(f.get("name", ""))),
                            "value": self.markdown(str(f.get("value", ""))),
                            "inline": bool(f.get("inline")),
                        }
                        for f in e.get("fields") or ()
                    ],
                    "image": image((e.get("image") or {}).get("url")),
                    "thumbnail": image((e.get("thumbnail") or {}).get("url")),
                    "footer": (e.get("footer") or {}).get("text"),
                }
            )
        shown_in_embeds = {x for e in embeds for x in (e["image"], e["thumbnail"]) if x}
        images = [
            a["url"]
            for a in attachments
            if str(a.get("content_type") or "").startswith("image/")
            or str(a.get("filename", "")).endswith((".png", ".jpg", ".gif", ".webp"))
        ]
        rows = []
        for row in msg.get("components") or ():
            items = []
            for c in row.get("components") or ():
                if c.get("type") == 2:
                    emoji = (c.get("emoji") or {}).get("name") or ""
                    items.append(
                        {
                            "kind": "button",
                            "label": c.get("label") or "",
                            "emoji": emoji,
                            "style": BUTTON_STYLES.get(int(c.get("style") or 2), "secondary"),
                            "custom_id": c.get("custom_id"),
                            "url": c.get("url"),
                            "disabled": bool(c.get("disabled")),
                        }
                    )
                elif c.get("type") in (3, 5, 6, 7, 8):
                    items.append(self._select(c))
            rows.append(items)
        meta = msg.get("interaction_metadata") or {}
        used = None
        if meta.get("name") and meta.get("user"):
            used = {
                "who": display_name(self.fake, self.world.guild_id, int(meta["user"]["id"])),
                "command": meta["name"],
            }
        flags = int(msg.get("flags") or 0)
        return {
            "id": msg["id"],
            "author": display_name(self.fake, self.world.guild_id, author_id),
            "bot": bool(author.get("bot")),
            "color": color_of(author_id),
            "initial": (display_name(self.fake, self.world.guild_id, author_id) or "?")[:1],
            "time": str(msg.get("timestamp", ""))[11:16],
            "content": self.markdown(str(msg.get("content") or "")),
            "loading": bool(flags & (1 << 7)),
            "ephemeral": bool(flags & (1 << 6)),
            "embeds": embeds,
            "images": [u for u in images if u not in shown_in_embeds],
            "rows": rows,
            "used": used,
            "edited": bool(msg.get("edited_timestamp")),
        }

    def _select(self, c: dict[str, Any]) -> dict[str, Any]:
        ctype = int(c.get("type") or 3)
        if ctype == 3:
            options = [
                {
                    "value": o.get("value"),
                    "label": o.get("label"),
                    "emoji": (o.get("emoji") or {}).get("name") or "",
                    "description": o.get("description") or "",
                }
                for o in c.get("options") or ()
            ]
        else:  # user/role/mentionable/channel selects: the server's people, roles, channels
            guild = self.fake.guilds[self.world.guild_id]
            if ctype == 8:
                options = [
                    {"value": str(ch.id), "label": f"#{ch.name}", "emoji": "", "description": ""}
                    for ch in guild.channels.values()
                    if not ch.is_thread
                ]
            elif ctype == 6:
                options = [
                    {"value": str(r.id), "label": f"@{r.name}", "emoji": "", "description": ""}
                    for r in guild.roles.values()
                    if r.id != guild.id
                ]
            else:
                options = [
                    {
                        "value": str(uid),
                        "label": display_name(self.fake, guild.id, uid),
                        "emoji": "",
                        "description": "",
                    }
                    for uid in guild.members
                ]
        return {
            "kind": "select",
            "custom_id": c.get("custom_id"),
            "placeholder": c.get("placeholder") or "Make a selection",
            "min": int(c.get("min_values") or 1),
            "max": int(c.get("max_values") or 1),
            "options": options,
            "disabled": bool(c.get("disabled")),
        }
