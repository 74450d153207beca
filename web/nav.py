"""The sections of a server's dashboard, in the order the sidebar shows them. A new section is
a module in web/pages/ with a ``setup(app)`` that adds its routes, plus one line here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str  # its URL: /g/<guild id>/<key>
    label: str
    icon: str


SECTIONS: list[Section] = [
    Section("server", "Server", "🏠"),
    Section("welcome", "Welcome", "👋"),
    Section("shoutouts", "Shoutouts", "📣"),
    Section("collabs", "Collabs", "🤝"),
    Section("quizzes", "Quizzes", "🧠"),
    Section("checkins", "Check-ins", "📝"),
    Section("pulse", "Pulse", "💓"),
]
