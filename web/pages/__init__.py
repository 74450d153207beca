"""The dashboard's pages, one module per section of web/nav.py; each has ``setup(app)``."""

from web.pages import checkins, collabs, pulse, quizzes, server, shoutouts, welcome

PAGES = [server, welcome, shoutouts, collabs, quizzes, checkins, pulse]

__all__ = ["PAGES"]
