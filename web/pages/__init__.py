"""The dashboard's pages, one module per section of web/nav.py; each has ``setup(app)``."""

from web.pages import checkins, collabs, quizzes, server, shoutouts, welcome

PAGES = [server, welcome, shoutouts, collabs, quizzes, checkins]

__all__ = ["PAGES"]
