"""Which language to speak to whom, when no interaction says it.

Replies to a member follow the interaction's locale (``core.interactions.speak_to``); these
answer for what the bot writes on its own: public posts in the server's language, and DMs a
schedule sends in the member's last known language.
"""

from __future__ import annotations

from core.db import Database
from core.i18n import SOURCE


async def server_language(db: Database, guild_id: int) -> str:
    """The language of the server's public posts (``/config language``, else the server's own
    Discord locale, else English)."""
    # first cut: English until /config language and the server's locale are stored
    del db, guild_id
    return SOURCE


async def member_language(db: Database, guild_id: int, user_id: int) -> str:
    """The language of a DM the bot sends unasked: the member's Discord locale as last seen in
    an interaction, else the server's language."""
    del user_id
    return await server_language(db, guild_id)
