"""Checks and clean-up for text that members type, so it never pings or breaks a message."""

from __future__ import annotations

import re
import unicodedata

from core.errors import DomainError
from core.i18n import N_, _, format_number

MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
ROLE_OR_USER_MENTION = re.compile(r"<@[!&]?\d+>")
_CONTROL = {"Cc", "Cf"}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: shown where it is used with ``_(UNREADABLE)`` (the error path translates it too)
UNREADABLE = N_(
    "Some of what you typed came through garbled (a half-broken emoji, maybe), so I couldn't "
    "read it. Retype it and try again."
)


def has_lone_surrogates(value: object) -> bool:
    """True if any text in ``value`` (strings inside dicts and lists too) holds half of a UTF-16
    pair: such text can't be stored or sent, so it is refused where it comes in."""
    # every interaction passes through here: a walk without recursion, and ASCII (most text)
    # needs no search at all
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and _LONE_SURROGATE.search(item) is not None:
                return True
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """ "1 day", "2 days", "0 days": every count in the bot's copy goes through here."""
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"


def clean_line(value: str, *, field: str, max_len: int, allow_empty: bool = False) -> str:
    """One line of member text: trimmed, no control characters, no pings, within a length."""
    text = " ".join(value.split())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _CONTROL)
    if not text and not allow_empty:
        raise DomainError(_empty(field))
    if len(text) > max_len:
        raise DomainError(_too_long(field, len(text), max_len))
    if MASS_MENTION.search(text) or ROLE_OR_USER_MENTION.search(text):
        raise DomainError(
            _(
                "Your {field} can't contain @everyone, @here or mentions. "
                "Remove them and try again, no pings needed here!",
                field=field,
            )
        )
    return text


# ``field`` is a word the caller wrote ("intro", "answer"…), translated by the caller with
# ``_()`` so the whole sentence reads in one language.
def _empty(field: str) -> str:
    return _("Your {field} is empty. Type a few words and try again.", field=field)


def _too_long(field: str, length: int, max_len: int) -> str:
    return _(
        "Your {field} is {length} characters; keep it to {max_len} or fewer and try again.",
        field=field,
        length=format_number(length),
        max_len=format_number(max_len),
    )


def clean_block(value: str, *, field: str, max_len: int) -> str:
    """Multi-line member text (an answer, an intro): same rules, line breaks kept."""
    lines = [
        clean_line(line, field=field, max_len=max_len, allow_empty=True)
        for line in value.splitlines()
    ]
    text = "\n".join(lines).strip()
    if not text:
        raise DomainError(_empty(field))
    if len(text) > max_len:
        raise DomainError(_too_long(field, len(text), max_len))
    return text


def truncate(text: str, limit: int) -> str:
    """Shorten to Discord's limits with an ellipsis instead of letting the API refuse it."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def neutralise(text: str) -> str:
    """For text we show but did not validate: break mass mentions with a zero-width space."""
    return MASS_MENTION.sub(lambda m: "@\u200b" + m.group(1), text)
