"""Safety for a young community. This part: member text held to the server's rules (the guild's
AutoMod keyword rules and the moderators' blocked words) before Mutuals re-posts it."""

from services.safety.automod import Hit, RuleBook, RuleSpec, parse_rule
from services.safety.text_rules import (
    NOTICE_PURPOSE,
    RulesOverview,
    TextNotAllowed,
    TextRulesService,
    WordsChange,
    hold_to_rules,
    rulebook,
)

__all__ = [
    "NOTICE_PURPOSE",
    "Hit",
    "RuleBook",
    "RuleSpec",
    "RulesOverview",
    "TextNotAllowed",
    "TextRulesService",
    "WordsChange",
    "hold_to_rules",
    "parse_rule",
    "rulebook",
]
