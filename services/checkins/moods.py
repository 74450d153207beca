"""The five moods of a check-in (one per check-in, picked with emoji buttons before the form),
which of them are low, and what the moderators set up for members who had a rough week (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import DomainError
from core.i18n import N_, _, ngettext
from core.text import clean_line
from models.checkins import CheckinConfig

MAX_RESOURCES = 6
RESOURCE_MAX = 150
#: what a member is pointed to until the moderators add their own lines
DEFAULT_RESOURCES = (
    N_("🌍 Anywhere: findahelpline.com lists free, confidential helplines in your country"),
)


@dataclass(frozen=True)
class Mood:
    value: int
    emoji: str
    label: str  # the English source (N_); ``name`` is it in the current language

    @property
    def name(self) -> str:
        return _(self.label)

    @property
    def text(self) -> str:
        return f"{self.emoji} {self.name}"


MOODS = (
    Mood(1, "😣", N_("Rough")),
    Mood(2, "😕", N_("Meh")),
    Mood(3, "😐", N_("Okay")),
    Mood(4, "🙂", N_("Good")),
    Mood(5, "🤩", N_("Thriving")),
)
LOW_MOODS = frozenset({1, 2})


def mood_of(value: int) -> Mood:
    return MOODS[max(1, min(5, value)) - 1]


def is_low(mood: int | None) -> bool:
    """The two lowest steps: the answer stays out of the recap and the member is offered care."""
    return mood in LOW_MOODS


@dataclass(frozen=True)
class CareSettings:
    enabled: bool = True
    channel_id: int | None = None
    resources: tuple[str, ...] = ()  # the moderators' own lines; empty: DEFAULT_RESOURCES
    set_by: int | None = None

    @property
    def shown_resources(self) -> tuple[str, ...]:
        """The moderators' own lines as typed, else the default in the current language."""
        return self.resources or tuple(_(line) for line in DEFAULT_RESOURCES)


def care_from(row: CheckinConfig) -> CareSettings:
    return CareSettings(
        enabled=bool(row.care_enabled) if row.care_enabled is not None else True,
        channel_id=row.care_channel_id,
        resources=tuple(str(r) for r in row.care_resources or ()),
        set_by=row.care_set_by,
    )


def parse_resources(text: str) -> list[str]:
    """The moderators' resource lines: one per line, empty lines dropped, each short and
    ping-free, at most MAX_RESOURCES. All empty: back to the default."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = clean_line(
            raw, field=_("line {number}", number=number), max_len=RESOURCE_MAX, allow_empty=True
        )
        if line:
            lines.append(line)
    if len(lines) > MAX_RESOURCES:
        raise DomainError(
            ngettext(
                "That's {n} line; keep it to {most} or fewer (one per region or service) so a "
                "member on a rough week can take it in at a glance.",
                "That's {n} lines; keep it to {most} or fewer (one per region or service) so a "
                "member on a rough week can take it in at a glance.",
                len(lines),
                most=MAX_RESOURCES,
            )
        )
    return lines
