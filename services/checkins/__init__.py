"""Check-ins: weekly (or daily) questions at each member's own local time, with streaks and a recap.

The public API: what the cog, the container, tests and benchmarks use. ``CheckinService`` does
every operation and hands out the delivery plans (prompts, recaps) core runs; the values it
returns, the outbox purposes the cog renders, and the pure period arithmetic and heatmap come
with it.
"""

from services.checkins.answers import AnswerForm, Submitted
from services.checkins.care import PURPOSE_CARE_NOTE, Outreach
from services.checkins.config import CheckinSettings
from services.checkins.delivery import PROMPT_KIND, SLOT_KIND, PromptPlan, RecapPlan
from services.checkins.heatmap import render_heatmap
from services.checkins.inputs import BLOCKER, MAX_QUESTIONS, QUESTION_MAX, TEXT, WIN, Question
from services.checkins.members import Membership, StreakReport
from services.checkins.moods import (
    DEFAULT_RESOURCES,
    MAX_RESOURCES,
    MOODS,
    RESOURCE_MAX,
    CareSettings,
    Mood,
    is_low,
    mood_of,
)
from services.checkins.periods import (
    DAILY,
    WEEKDAY_NAMES,
    WEEKDAYS,
    WEEKLY,
    MemberPeriod,
    label_for,
    member_period,
    unit_of,
    wall_to_utc,
)
from services.checkins.prompts import PURPOSE_PROMPT_CHANNEL, PURPOSE_PROMPT_DM, QueueResult
from services.checkins.recap import PURPOSE_SUMMARY, SUMMARY_GRACE, Summary, SummaryDue
from services.checkins.service import CheckinService
from services.checkins.streaks import PeriodMark, Streak

__all__ = [
    "BLOCKER",
    "DAILY",
    "DEFAULT_RESOURCES",
    "MAX_QUESTIONS",
    "MAX_RESOURCES",
    "MOODS",
    "PROMPT_KIND",
    "PURPOSE_CARE_NOTE",
    "PURPOSE_PROMPT_CHANNEL",
    "PURPOSE_PROMPT_DM",
    "PURPOSE_SUMMARY",
    "QUESTION_MAX",
    "RESOURCE_MAX",
    "SLOT_KIND",
    "SUMMARY_GRACE",
    "TEXT",
    "WEEKDAYS",
    "WEEKDAY_NAMES",
    "WEEKLY",
    "WIN",
    "AnswerForm",
    "CareSettings",
    "CheckinService",
    "CheckinSettings",
    "MemberPeriod",
    "Membership",
    "Mood",
    "Outreach",
    "PeriodMark",
    "PromptPlan",
    "Question",
    "QueueResult",
    "RecapPlan",
    "Streak",
    "StreakReport",
    "Submitted",
    "Summary",
    "SummaryDue",
    "is_low",
    "label_for",
    "member_period",
    "mood_of",
    "render_heatmap",
    "unit_of",
    "wall_to_utc",
]
