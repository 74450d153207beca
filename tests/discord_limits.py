"""Discord's size limits, checked on what the bot builds (embeds, messages) in tests."""

from __future__ import annotations

from typing import Any

import discord


def check_embed(embed: discord.Embed) -> None:
    data: dict[str, Any] = dict(embed.to_dict())
    title = str(data.get("title") or "")
    description = str(data.get("description") or "")
    footer = str((data.get("footer") or {}).get("text") or "")
    fields = data.get("fields") or []
    assert len(title) <= 256, title
    assert len(description) <= 4096, description[:100]
    assert len(footer) <= 2048, footer
    assert len(fields) <= 25
    total = len(title) + len(description) + len(footer)
    for field in fields:
        assert 0 < len(field["name"]) <= 256, field["name"]
        assert 0 < len(field["value"]) <= 1024, field["value"][:100]
        total += len(field["name"]) + len(field["value"])
    assert total <= 6000


def check_message(message: Any) -> None:
    """A SendSpec, or the text of a message: content within 2,000, embeds within theirs,
    button labels within 80."""
    if isinstance(message, str):
        assert 0 < len(message) <= 2000, message[:100]
        return
    if message.content is not None:
        check_message(message.content)
    for embed in message.embeds or []:
        check_embed(embed)
    view = getattr(message, "view", None)
    for item in view.children if view is not None else []:
        label = getattr(item, "label", None)
        assert label is None or len(label) <= 80, label
