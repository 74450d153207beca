"""Safety for a young community: reports to moderators (more parts join this package)."""

from services.safety.report_inputs import CATEGORIES, SOURCES, parse_message_link
from services.safety.reports import (
    REPORT_PURPOSE,
    Filed,
    Handled,
    Report,
    ReportDraft,
    ReportService,
)

__all__ = [
    "CATEGORIES",
    "REPORT_PURPOSE",
    "SOURCES",
    "Filed",
    "Handled",
    "Report",
    "ReportDraft",
    "ReportService",
    "parse_message_link",
]
