"""Show a service's message (written for Discord) on a page: HTML-escaped first, then the
little Discord markdown the messages use (**bold**, `code`) and mentions as names."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_skeleton
from markupsafe import Markup, escape

from core.i18n import current
from web.guilds import GuildSnapshot

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+?)`")
_CHANNEL = re.compile(r"&lt;#(\d+)&gt;")
_ROLE = re.compile(r"&lt;@&amp;(\d+)&gt;")
_USER = re.compile(r"&lt;@!?(\d+)&gt;")


def discordish(text: object, guild: GuildSnapshot | None = None) -> Markup:
    html = str(escape(str(text)))
    if guild is not None:
        html = _CHANNEL.sub(lambda m: str(escape(guild.channel_name(int(m[1])))), html)
        html = _ROLE.sub(lambda m: str(escape(guild.role_name(int(m[1])))), html)
        html = _USER.sub(lambda m: "@" + str(escape(guild.member_name(int(m[1])))), html)
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return Markup(html.replace("\n", "<br>"))


def local_time(moment: datetime | None, zone: str = "UTC") -> str:
    """A date-time as the server reads it, in the viewer's language: "Mon, Mar 2 18:00
    (Europe/London)", "3月2日(月) 18:00 (Asia/Tokyo)"."""
    if moment is None:
        return "—"
    try:
        here = moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        here, zone = moment, "UTC"
    return f"{format_skeleton('MMMEd', here, locale=current())} {here:%H:%M} ({zone})"
