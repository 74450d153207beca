"""Collab matchmaking: the service, the matching, the shipped copy and the bot end to end."""
