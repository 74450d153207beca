"""The moderators' web dashboard: log in with Discord, pick a server you manage, change
Mutuals' settings there through the same services as the slash commands. Presentation, like
cogs/ (beside it, never importing it); started with the bot when WEB_PORT is set."""

from web.server import DashboardServer

__all__ = ["DashboardServer"]
