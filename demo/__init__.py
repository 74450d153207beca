"""Try Mutuals without Discord: a simulated server (the local fake Discord), the real bot
against it as its own ``python bot.py`` process, a fam that lives a week in a few minutes, and
a browser view to watch and take part (``python3 dev.py demo``).

The demo acts only as members and moderators would, through the fake's gateway and REST; it
never reaches into the bot's services or database (an import contract checks that).
"""
