"""Shoutout rotations: fair, scheduled creator spotlights. This module is the capability's
public API: the service the bot holds (ShoutoutService, with nominate() for other capabilities),
the values it returns, and the names the cogs, tests and bench use."""

from services.shoutouts.admin import MODERATOR_PAUSE, RotationAdmin
from services.shoutouts.delivery import RotationPlan, RotationPort
from services.shoutouts.features import (
    FEATURE_PURPOSE,
    NOTICE_PURPOSE,
    RUN_NOW_KIND,
    SLOT_KIND,
    Features,
    post_key,
)
from services.shoutouts.inputs import REQUIRED_FIELDS, validate_tiktok_url
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
    "FEATURE_PURPOSE",
    "MODERATOR_PAUSE",
    "NOTICE_PURPOSE",
    "POSITION_SPACE",
    "REQUIRED_FIELDS",
    "RUN_NOW_KIND",
    "SLOT_KIND",
    "Feature",
    "Features",
    "MemberCheck",
    "Members",
    "Membership",
    "Nomination",
    "Pitch",
    "QueueEntry",
    "RotationAdmin",
    "RotationInfo",
    "RotationPlan",
    "RotationPort",
    "Rotations",
    "ShoutoutService",
    "SkipResult",
    "SlotOutcome",
    "post_key",
    "queue_head",
    "validate_tiktok_url",
]
