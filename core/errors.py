"""Errors a member can act on. The global error path shows their message ephemerally."""

from __future__ import annotations

import secrets


def new_error_id() -> str:
    """A short id that ties what a member or moderator is told to the logged traceback."""
    return secrets.token_hex(4)


class DomainError(Exception):
    """A user-safe failure: the message is shown as-is to the member who caused it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    pass


class ContentError(RuntimeError):
    """Shipped content (data/: quiz packs, copy, collab prompts) is missing or broken: the bot
    refuses to start with one line saying which file and what to do."""
