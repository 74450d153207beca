"""What a quiz question is: its categories, difficulties and limits, and the snapshot form a
game or a term of the day stores so that later edits never change what was asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import DomainError
from core.i18n import N_, _

#: each category → its name (translated with ``_()`` where shown)
CATEGORIES: dict[str, str] = {
    "lingo": N_("Lingo"),
    "sayings": N_("Sayings & inside jokes"),
    "rules": N_("Unwritten rules"),
    "niches": N_("Niches & microgenres"),
}
DIFFICULTIES: dict[str, float] = {"easy": 1.0, "medium": 1.25, "hard": 1.5}
KINDS = ("choice", "free")

MAX_PROMPT = 300
MAX_OPTION = 70  # buttons show "A · option" and a label holds 80
MAX_ANSWER = 100
MAX_ACCEPTED = 10
MAX_EXPLANATION = 500
MAX_HINT = 100


def require_category(category: str) -> None:
    if category not in CATEGORIES:
        raise DomainError(
            _("Pick a category from the list: {choices}.", choices=", ".join(CATEGORIES))
        )


@dataclass(frozen=True)
class Question:
    key: str  # "b:<id>" for shipped questions, "g:<id>" for the server's own
    id: str
    category: str
    kind: str
    prompt: str
    options: tuple[str, ...]
    answer: str
    accepted: tuple[str, ...]
    difficulty: str
    explanation: str
    hint: str | None = None

    @property
    def category_label(self) -> str:
        return _(CATEGORIES[self.category]) if self.category in CATEGORIES else self.category

    @property
    def correct_option(self) -> int:
        """Index of the right option (multiple choice)."""
        return self.options.index(self.answer)

    @property
    def answers(self) -> tuple[str, ...]:
        """Everything accepted for a free answer."""
        return (self.answer, *self.accepted)

    def to_dict(self) -> dict[str, Any]:
        """The pack form (also the snapshot stored with a game)."""
        out: dict[str, Any] = {
            "id": self.id,
            "category": self.category,
            "type": self.kind,
            "difficulty": self.difficulty,
            "question": self.prompt,
        }
        if self.kind == "choice":
            out["options"] = list(self.options)
        out["answer"] = self.answer
        if self.accepted:
            out["accept"] = list(self.accepted)
        if self.hint:
            out["hint"] = self.hint
        out["explanation"] = self.explanation
        return out

    def snapshot(self) -> dict[str, Any]:
        return {"key": self.key, **self.to_dict()}


def from_snapshot(data: dict[str, Any]) -> Question:
    return Question(
        key=str(data["key"]),
        id=str(data["id"]),
        category=str(data["category"]),
        kind=str(data["type"]),
        prompt=str(data["question"]),
        options=tuple(data.get("options") or ()),
        answer=str(data["answer"]),
        accepted=tuple(data.get("accept") or ()),
        difficulty=str(data["difficulty"]),
        explanation=str(data["explanation"]),
        hint=data.get("hint"),
    )
