"""Safety for a young community: adults and members not confirmed adult kept apart (age
groups). Pure domain logic (no discord); this is its public API."""

from services.safety.age import (
    ADULT,
    ADULT_GROUP,
    ADULTS_BY,
    AGE_ANSWERS,
    EITHER,
    MINOR,
    NO_GROUPS,
    NOT_CONFIRMED,
    ROLE,
    SAID,
    UNSAID,
    AgeAnswer,
    AgeRule,
    AgeSettings,
    RoleHoldersUnknown,
    age_rule_in,
    answer_in,
    save_answer_in,
    validate_age,
)
from services.safety.settings import AgeCounts, AgeGroupService

__all__ = [
    "ADULT",
    "ADULTS_BY",
    "ADULT_GROUP",
    "AGE_ANSWERS",
    "EITHER",
    "MINOR",
    "NOT_CONFIRMED",
    "NO_GROUPS",
    "ROLE",
    "SAID",
    "UNSAID",
    "AgeAnswer",
    "AgeCounts",
    "AgeGroupService",
    "AgeRule",
    "AgeSettings",
    "RoleHoldersUnknown",
    "age_rule_in",
    "answer_in",
    "save_answer_in",
    "validate_age",
]
