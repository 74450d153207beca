"""What a report is made of, checked before anything is stored: where it came from, what
happened (a short list a scared 14-year-old can pick from), the member's own words, and a
message link pasted into ``/report``."""

from __future__ import annotations

import re
import unicodedata

from core.errors import DomainError
from core.i18n import N_, _, ngettext
from core.text import neutralise

#: where the member pressed Report (stored; never rename a key)
SOURCES = {
    "collab": N_("collab intro"),
    "intro": N_("welcome intro"),
    "shoutout": N_("shoutout post"),
    "recap": N_("check-in recap"),
    "command": "/report",
}

#: what happened, in the member's words (key stored, label shown); the order is the form's
CATEGORIES = {
    "uncomfortable": N_("They made me uncomfortable"),
    "harassment": N_("Bullying, hate or harassment"),
    "sexual": N_("Sexual or inappropriate stuff"),
    "contact": N_("Asked for pics, personal info or to move apps"),
    "spam": N_("Spam, scams or sketchy links"),
    "other": N_("Something else"),
}

DETAILS_MAX = 1000

_CONTROL = {"Cc", "Cf"}
_LINK = re.compile(
    r"^<?https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/"
    r"(?P<guild>\d{1,21}|@me)/(?P<channel>\d{1,21})/(?P<message>\d{1,21})/?>?$"
)
BAD_LINK = N_(
    "That doesn't look like a message link. In Discord, right-click (or long-press) the "
    "message, pick **Copy Message Link**, and paste it here. Or leave it out: your words are "
    "enough. 💞"
)


def check_source(source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown report source {source!r}")
    return source


def check_category(category: str | None) -> str | None:
    """None is fine (``/report`` says it in the member's own words)."""
    if category is None or category in CATEGORIES:
        return category
    raise DomainError(_("Pick what happened from the list, then send it again."))


def clean_details(text: str | None) -> str | None:
    """The member's own words, kept as typed (line breaks too) but never able to ping or break
    the moderators' message; empty means none."""
    if text is None:
        return None
    lines = [
        "".join(ch for ch in line if unicodedata.category(ch) not in _CONTROL).rstrip()
        for line in text.strip().splitlines()
    ]
    cleaned = neutralise("\n".join(lines).strip())
    if not cleaned:
        return None
    if len(cleaned) > DETAILS_MAX:
        raise DomainError(
            ngettext(
                "That's {n} character; keep it to {most} or fewer and send it again. The "
                "moderators can always ask you for more.",
                "That's {n} characters; keep it to {most} or fewer and send it again. The "
                "moderators can always ask you for more.",
                len(cleaned),
                most=DETAILS_MAX,
            )
        )
    return cleaned


def parse_message_link(link: str, guild_id: int) -> tuple[int, int]:
    """(channel id, message id) of a message link from this server."""
    found = _LINK.match(link.strip())
    if found is None:
        raise DomainError(_(BAD_LINK))
    if found["guild"] != str(guild_id):
        raise DomainError(
            _(
                "That message link is from somewhere else (another server or a DM). Link a "
                "message from this server, or leave the link out and tell the moderators in "
                "your own words."
            )
        )
    return int(found["channel"]), int(found["message"])


def jump_url(guild_id: int | None, channel_id: int, message_id: int) -> str:
    where = str(guild_id) if guild_id is not None else "@me"
    return f"https://discord.com/channels/{where}/{channel_id}/{message_id}"
