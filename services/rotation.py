"""Transitional alias for services.shoutouts, kept only because cogs/collabs probes
``import services.rotation`` to decide whether to offer its "nominate our collab" button.
Delete this module once that probe imports services.shoutouts."""

from services.shoutouts import Nomination, ShoutoutService

__all__ = ["Nomination", "ShoutoutService"]
