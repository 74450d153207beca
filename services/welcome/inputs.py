"""What moderators and newcomers type, checked before anything is saved: the public welcome
template (known placeholders only, fits one message), the house norms, the tuning ranges, and
a newcomer's one-line intro."""

from __future__ import annotations

import string

from core.errors import DomainError
from core.i18n import _, ngettext
from core.text import MASS_MENTION, clean_line

PLACEHOLDERS = ("member", "server", "count", "niche")
MAX_RULES = 10
RULE_LEN = 200
INTRO_LEN = 200

# Worst-case values used to check a template fits Discord's 2,000-character message limit.
_WORST_CASE = {
    "member": "<@" + "9" * 20 + ">",
    "server": "S" * 100,
    "count": "9" * 9,
    "niche": "N" * 40,
}


def validate_template(raw: str) -> str:
    """A public welcome template: only known placeholders, fits a message when rendered."""
    valid = ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)
    text = raw.strip().replace("\\n", "\n")
    if not text:
        raise DomainError(_("The welcome message is empty. Write one using {valid}.", valid=valid))
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        raise DomainError(
            _(
                "That message has an unmatched `{{` or `}}`. Placeholders look like "
                "`{{member}}`; valid ones are {valid} (write `{{{{` for a literal brace).",
                valid=valid,
            )
        ) from None
    unknown = sorted(
        {
            "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            for _, name, spec, conv in fields
            if name is not None and (name not in PLACEHOLDERS or spec or conv)
        }
    )
    if unknown:
        raise DomainError(
            _(
                "I don't know {unknown}. Valid placeholders are {valid}.",
                unknown=", ".join(f"`{u[:40]}`" for u in unknown[:5]),
                valid=valid,
            )
        )
    if MASS_MENTION.search(text):
        raise DomainError(
            _(
                "A welcome can't ping @everyone or @here: it would ping the whole server on "
                "every join. Use {valid} instead.",
                valid=valid,
            )
        )
    longest = len(text.format(**_WORST_CASE))
    if longest > 2000:
        raise DomainError(
            ngettext(
                "With a long server name and niche that welcome could reach {n} character; "
                "Discord allows 2000. Shorten it (placeholders: {valid}).",
                "With a long server name and niche that welcome could reach {n} characters; "
                "Discord allows 2000. Shorten it (placeholders: {valid}).",
                longest,
                valid=valid,
            )
        )
    return text


def render_template(template: str, *, member: str, server: str, count: str, niche: str) -> str:
    text = template.format(member=member, server=server, count=count, niche=niche)
    return text if len(text) <= 2000 else text[:1999] + "…"


def validate_rules(raw: str) -> tuple[str, ...]:
    lines = [line.strip().lstrip("-•*").strip() for line in raw.splitlines()]
    rules = [clean_line(line, field="rule", max_len=RULE_LEN) for line in lines if line]
    if not rules:
        raise DomainError(_("Write at least one rule, one per line."))
    if len(rules) > MAX_RULES:
        raise DomainError(
            _(
                "Keep it to {most} rules or fewer (you wrote {count}).",
                most=MAX_RULES,
                count=len(rules),
            )
        )
    return tuple(rules)


def validate_leave_window(minutes: int) -> int:
    if not 0 <= minutes <= 7 * 24 * 60:
        raise DomainError(_("The leave window is in minutes: 0 (off) to 10080 (a week)."))
    return minutes


def validate_raid_joins(joins: int) -> int:
    if not 2 <= joins <= 1000:
        raise DomainError(_("The raid threshold must be between 2 and 1000 joins."))
    return joins


def validate_raid_window(seconds: int) -> int:
    if not 5 <= seconds <= 3600:
        raise DomainError(_("The raid window must be between 5 and 3600 seconds."))
    return seconds


def clean_intro(raw: str | None) -> str | None:
    """A newcomer's optional one-line intro; blank means none."""
    return (
        clean_line(raw, field="intro", max_len=INTRO_LEN, allow_empty=True) if raw else ""
    ) or None
