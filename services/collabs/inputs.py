"""What members and moderators type, checked and normalised before anything is written:
formats, languages, pause dates and the round schedule (a DomainError says what to fix)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import DomainError
from core.i18n import _
from services.collabs.content import format_aliases, languages, normalise_format
from services.collabs.scoring import FORMATS
from services.profiles import validate_timezone
from services.schedules import parse_days, parse_time

FREQUENCIES = ("weekly", "biweekly", "monthly")
DEFAULT_HISTORY = 6
DEFAULT_FOLLOWUP_DAYS = 7
MAX_PAUSE_DAYS = 365
MAX_LANGUAGES = 3


def parse_formats(raw: str) -> tuple[str, ...]:
    """`duets, Stitch` -> ("duet", "stitch"), in FORMATS order; `all` for every format."""
    chosen: list[str] = []
    for part in raw.replace(";", ",").split(","):
        item = normalise_format(part)
        if not item:
            continue
        if item in ("all", "any", "anything"):
            return tuple(FORMATS)
        key = format_aliases().get(item, item)
        if key not in FORMATS:
            # rapidfuzz (~2.6 MB resident) loads with the first typo, not at start-up
            from rapidfuzz import process

            guess = process.extractOne(item, list(FORMATS), score_cutoff=60)
            hint = " " + _("Did you mean **{guess}**?", guess=guess[0]) if guess else ""
            raise DomainError(
                _(
                    "`{item}` isn't a collab format.{hint} Pick from: {formats} "
                    "(comma-separated), or `all`.",
                    item=item[:30],
                    hint=hint,
                    formats=", ".join(FORMATS),
                )
            )
        if key not in chosen:
            chosen.append(key)
    if not chosen:
        raise DomainError(
            _("Name at least one format: {formats}, or `all`.", formats=", ".join(FORMATS))
        )
    return tuple(f for f in FORMATS if f in chosen)


def parse_languages(raw: str) -> tuple[str, ...]:
    """`es, English` -> ("Spanish", "English"): up to MAX_LANGUAGES, in the order given."""
    known = languages()
    by_key = {lang.casefold(): lang for lang in known.names}
    chosen: list[str] = []
    for part in raw.replace(";", ",").replace("/", ",").split(","):
        item = part.strip().casefold()
        if not item:
            continue
        lang = by_key.get(item) or known.aliases.get(item)
        if lang is None:
            from rapidfuzz import process  # on first use, as in parse_formats

            guess = process.extractOne(item, list(known.names), processor=str.casefold)
            hint = (
                " " + _("Did you mean **{guess}**?", guess=guess[0])
                if guess and guess[1] >= 60
                else ""
            )
            raise DomainError(
                _(
                    "`{item}` isn't a language I know.{hint} Use names like `English, Spanish`.",
                    item=part.strip()[:30],
                    hint=hint,
                )
            )
        if lang not in chosen:
            chosen.append(lang)
    if not chosen:
        raise DomainError(_("Name at least one language you can collab in, e.g. `English`."))
    if len(chosen) > MAX_LANGUAGES:
        raise DomainError(
            _("Pick up to {count} languages, the ones you create in.", count=MAX_LANGUAGES)
        )
    return tuple(chosen)


def parse_pause_date(raw: str, *, now: datetime, timezone: str) -> datetime:
    """A date (YYYY-MM-DD) → the local midnight that starts it, in UTC."""
    text = raw.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise DomainError(
            _(
                "`{text}` isn't a date I can read. Use year-month-day, like `2026-03-01`.",
                text=text[:20],
            )
        ) from None
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    if day <= today:
        raise DomainError(
            _(
                "{day} isn't in the future. Pick a date after today ({today}) and I'll skip "
                "you until then.",
                day=day.isoformat(),
                today=today.isoformat(),
            )
        )
    if day > today + timedelta(days=MAX_PAUSE_DAYS):
        raise DomainError(
            _(
                "That's more than a year away. Pause up to {days} days, or use "
                "`/collab optout` to step out of rounds for now.",
                days=MAX_PAUSE_DAYS,
            )
        )
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class ScheduleInput:
    """A round schedule as a moderator gave it, checked (None: keep the current value)."""

    frequency: str
    day: str  # mon..sun
    time: str  # HH:MM
    timezone: str
    history_rounds: int | None
    followup_days: int | None


def parse_schedule(
    frequency: str,
    day: str,
    at: str,
    timezone: str,
    *,
    history_rounds: int | None = None,
    followup_days: int | None = None,
) -> ScheduleInput:
    if frequency not in FREQUENCIES:
        raise DomainError(_("Pick a frequency: {choices}.", choices=", ".join(FREQUENCIES)))
    weekday = parse_days(day)
    if "," in weekday:
        raise DomainError(_("Pick one weekday for rounds, like `mon`."))
    hour, minute = parse_time(at)
    zone = validate_timezone(timezone)
    if history_rounds is not None and not 0 <= history_rounds <= 52:
        raise DomainError(_("Remember between 0 and 52 past rounds when avoiding repeats."))
    if followup_days is not None and not 1 <= followup_days <= 60:
        raise DomainError(_("Follow up between 1 and 60 days after a round."))
    return ScheduleInput(
        frequency, weekday, f"{hour:02d}:{minute:02d}", zone, history_rounds, followup_days
    )
