"""The community pulse: per server and per week, whether the fam is doing what matters
(newcomers finishing onboarding, check-ins answered, collabs happening, shoutouts given
fairly, quizzes played), and its tables as CSV. No Discord here. The charts are in
``services.pulse.charts`` (imported by who draws them: matplotlib is big)."""

from services.pulse.export import TABLES, table_csv
from services.pulse.service import PulseService
from services.pulse.values import Pulse, Week
from services.pulse.weeks import following, previous

__all__ = [
    "TABLES",
    "Pulse",
    "PulseService",
    "Week",
    "following",
    "previous",
    "table_csv",
]
