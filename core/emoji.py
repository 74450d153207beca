"""The one rule for an emoji a moderator gives a niche (it goes on a select option), shared by
the slash command and the dashboard."""

from __future__ import annotations

import discord

from core.errors import DomainError
from core.i18n import _

EMOJI_MAX = 8


def validate_emoji(raw: str | None) -> str | None:
    """A unicode emoji (or a custom one like <:name:id>) for a select option."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if value.startswith("<") and value.endswith(">"):
        if discord.PartialEmoji.from_str(value).id:
            return value
    elif len(value) <= EMOJI_MAX and not any(ch.isascii() and ch.isalnum() for ch in value):
        return value
    raise DomainError(
        _(
            "`{value}` isn't an emoji I can put in a menu. "
            "Use one emoji like 🪴 (or leave it out).",
            value=value[:20],
        )
    )
