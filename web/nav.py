"""The sections of a server's dashboard, in the order the sidebar shows them. A new section is
a module in web/pages/ with a ``setup(app)`` that adds its routes, plus one line here."""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import N_


@dataclass(frozen=True)
class Section:
    key: str  # its URL: /g/<guild id>/<key>
    label: str  # marked with N_(): the sidebar shows _(label) in the viewer's language
    icon: str


SECTIONS: list[Section] = [
    Section("server", N_("Server"), "🏠"),
    Section("welcome", N_("Welcome"), "👋"),
    Section("shoutouts", N_("Shoutouts"), "📣"),
    Section("collabs", N_("Collabs"), "🤝"),
    Section("quizzes", N_("Quizzes"), "🧠"),
    Section("checkins", N_("Check-ins"), "📝"),
    Section("pulse", N_("Pulse"), "💓"),
]
