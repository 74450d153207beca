"""Welcome: newcomers are recorded, welcomed, walked through niche -> handle -> norms, and
introduced to members of their niche. Pure domain logic (no discord); this is its public API."""

from services.welcome.card import CardInfo, render_card
from services.welcome.delivery import (
    BATCH_KIND,
    PURPOSE_BATCH,
    PURPOSE_DM,
    PURPOSE_INTRO,
    PURPOSE_PUBLIC,
    WelcomeBatchPlan,
)
from services.welcome.inputs import (
    PLACEHOLDERS,
    render_template,
    validate_rules,
    validate_template,
)
from services.welcome.joins import window_start
from services.welcome.service import WelcomeService
from services.welcome.values import (
    BatchRef,
    Completion,
    JoinInfo,
    JoinOutcome,
    LeaveOutcome,
    OnboardingState,
    PeriodStats,
    StartCheck,
    WelcomeSettings,
)
from services.welcome.wording import copy_text, default_rules

__all__ = [
    "BATCH_KIND",
    "PLACEHOLDERS",
    "PURPOSE_BATCH",
    "PURPOSE_DM",
    "PURPOSE_INTRO",
    "PURPOSE_PUBLIC",
    "BatchRef",
    "CardInfo",
    "Completion",
    "JoinInfo",
    "JoinOutcome",
    "LeaveOutcome",
    "OnboardingState",
    "PeriodStats",
    "StartCheck",
    "WelcomeBatchPlan",
    "WelcomeService",
    "WelcomeSettings",
    "copy_text",
    "default_rules",
    "render_card",
    "render_template",
    "validate_rules",
    "validate_template",
    "window_start",
]
