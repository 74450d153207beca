"""Shoutout rotations: fair, scheduled creator spotlights. This is the capability's public API;
the modules behind it are inputs, results, store, rounds (the fairness), rotations, admin,
members, delivery and service (the object the bot holds)."""

from services.shoutouts.admin import UNSET, RotationAdmin
from services.shoutouts.delivery import (
    DEFAULT_GRACE,
    FEATURE_PURPOSE,
    NOTICE_PURPOSE,
    RECOVER_AFTER,
    RUN_NOW_KIND,
    SLOT_KIND,
    ShoutoutDelivery,
    slot_key,
    voice_line,
)
from services.shoutouts.inputs import (
    REQUIRED_FIELDS,
    missing_fields,
    rotation_key,
    validate_blurb,
    validate_name,
    validate_required_fields,
    validate_tiktok_url,
)
from services.shoutouts.members import Members
from services.shoutouts.results import (
    Feature,
    MemberCheck,
    Membership,
    Nomination,
    Pitch,
    QueueEntry,
    RotationInfo,
    SkipResult,
    SlotOutcome,
)
from services.shoutouts.rotations import Rotations
from services.shoutouts.rounds import POSITION_SPACE, queue_head
from services.shoutouts.service import ShoutoutService

__all__ = [
    "DEFAULT_GRACE",
    "FEATURE_PURPOSE",
    "NOTICE_PURPOSE",
    "POSITION_SPACE",
    "RECOVER_AFTER",
    "REQUIRED_FIELDS",
    "RUN_NOW_KIND",
    "SLOT_KIND",
    "UNSET",
    "Feature",
    "MemberCheck",
    "Members",
    "Membership",
    "Nomination",
    "Pitch",
    "QueueEntry",
    "RotationAdmin",
    "RotationInfo",
    "Rotations",
    "ShoutoutDelivery",
    "ShoutoutService",
    "SkipResult",
    "SlotOutcome",
    "missing_fields",
    "queue_head",
    "rotation_key",
    "slot_key",
    "validate_blurb",
    "validate_name",
    "validate_required_fields",
    "validate_tiktok_url",
    "voice_line",
]
