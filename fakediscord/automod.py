"""The guilds' AutoMod rules in the fake: rule objects shaped exactly as Discord's API documents
them (``GET /guilds/{id}/auto-moderation/rules`` answers a list of these, and the gateway's
``AUTO_MODERATION_RULE_CREATE/UPDATE/DELETE`` carry one as their payload)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

# Trigger types (https://discord.com/developers/docs/resources/auto-moderation)
KEYWORD = 1
SPAM = 3
KEYWORD_PRESET = 4
MENTION_SPAM = 5
MEMBER_PROFILE = 6
# Event types
MESSAGE_SEND = 1
MEMBER_UPDATE = 2
# Action types
BLOCK_MESSAGE = 1
SEND_ALERT_MESSAGE = 2
TIMEOUT = 3


def trigger_metadata(
    trigger_type: int,
    *,
    keywords: list[str] | None = None,
    regex_patterns: list[str] | None = None,
    allow_list: list[str] | None = None,
    presets: list[int] | None = None,
    mention_total_limit: int = 5,
) -> dict[str, Any]:
    """The ``trigger_metadata`` Discord sends for each trigger type."""
    if trigger_type in (KEYWORD, MEMBER_PROFILE):
        return {
            "keyword_filter": list(keywords or []),
            "regex_patterns": list(regex_patterns or []),
            "allow_list": list(allow_list or []),
        }
    if trigger_type == KEYWORD_PRESET:
        return {"presets": list(presets or []), "allow_list": list(allow_list or [])}
    if trigger_type == MENTION_SPAM:
        return {
            "mention_total_limit": mention_total_limit,
            "mention_raid_protection_enabled": False,
        }
    return {}


@dataclass
class GuildAutomod:
    """One guild's rules, by id, in creation order."""

    rules: dict[int, dict[str, Any]] = field(default_factory=dict)

    def listing(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for r in self.rules.values()]


def rule_object(
    rule_id: int,
    guild_id: int,
    creator_id: int,
    *,
    name: str,
    trigger_type: int,
    enabled: bool,
    keywords: list[str] | None,
    regex_patterns: list[str] | None,
    allow_list: list[str] | None,
    presets: list[int] | None,
    actions: list[dict[str, Any]] | None,
    exempt_roles: list[int],
    exempt_channels: list[int],
) -> dict[str, Any]:
    return {
        "id": str(rule_id),
        "guild_id": str(guild_id),
        "name": name,
        "creator_id": str(creator_id),
        "event_type": MEMBER_UPDATE if trigger_type == MEMBER_PROFILE else MESSAGE_SEND,
        "trigger_type": trigger_type,
        "trigger_metadata": trigger_metadata(
            trigger_type,
            keywords=keywords,
            regex_patterns=regex_patterns,
            allow_list=allow_list,
            presets=presets,
        ),
        "actions": actions
        if actions is not None
        else [{"type": BLOCK_MESSAGE, "metadata": {"custom_message": ""}}],
        "enabled": enabled,
        "exempt_roles": [str(r) for r in exempt_roles],
        "exempt_channels": [str(c) for c in exempt_channels],
    }


def apply_changes(rule: dict[str, Any], changes: dict[str, Any]) -> None:
    """Edit a rule as Modify Auto Moderation Rule would (the trigger type never changes)."""
    meta = rule["trigger_metadata"]
    for key, value in changes.items():
        if key in ("name", "enabled", "actions"):
            rule[key] = value
        elif key == "keywords":
            meta["keyword_filter"] = list(value)
        elif key in ("regex_patterns", "allow_list", "presets"):
            meta[key] = list(value)
        elif key in ("exempt_roles", "exempt_channels"):
            rule[key] = [str(v) for v in value]
        else:
            raise TypeError(f"update_automod_rule does not know {key!r}")
