"""Welcome: the service on real databases, and the bot end to end against the fake Discord."""
