"""What moderators and members type for shoutouts, checked and normalised before anything is
stored: rotation names, TikTok links, blurbs and their content warnings, required profile
fields, limits."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.errors import DomainError
from core.i18n import N_, _, ngettext
from core.text import clean_line
from models.profile import CreatorProfile

MAX_ROTATIONS = 10
MAX_NAME = 40
MAX_BLURB = 150
MAX_CONTENT_WARNING = 80
MAX_URL = 300
MAX_EXCLUDED_ROLES = 10
MAX_MIN_DAYS = 365
TIKTOK_HOSTS = {"tiktok.com", "www.tiktok.com", "vm.tiktok.com", "m.tiktok.com"}
#: the profile fields a rotation can require, and their names in words (translated where shown)
REQUIRED_FIELDS: dict[str, str] = {
    "niches": N_("niches"),
    "intro": N_("intro"),
    "followers": N_("fam size"),
    "timezone": N_("time zone"),
}
NO_HANDLE = N_(
    "You need a creator profile with your TikTok handle first: run `/profile set "
    "handle:@yourhandle`, then try again. 💞"
)


def validate_name(raw: str) -> str:
    name = clean_line(raw, field="rotation name", max_len=MAX_NAME)
    if "`" in name or "*" in name:
        raise DomainError(_("Keep the rotation name to letters, numbers and spaces."))
    return name


def rotation_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def validate_tiktok_url(raw: str) -> str:
    """Only tiktok.com and vm.tiktok.com links, normalised to https."""
    value = raw.strip()
    if len(value) > MAX_URL:
        raise DomainError(
            ngettext(
                "That link is over {n} character. Paste the short TikTok link.",
                "That link is over {n} characters. Paste the short TikTok link.",
                MAX_URL,
            )
        )
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        host, port, parts = "", None, urlsplit("")
    if (
        parts.scheme.lower() not in ("http", "https")
        or host not in TIKTOK_HOSTS
        or port is not None
        or parts.username
        or parts.password
        or any(c.isspace() for c in value)
    ):
        shown = raw.strip()[:60]
        raise DomainError(
            _(
                "`{link}` isn't a TikTok link. Paste a video link from tiktok.com or "
                "vm.tiktok.com (Share → Copy link in the app), e.g. "
                "`https://www.tiktok.com/@you/video/123…`.",
                link=shown,
            )
        )
    return urlunsplit(("https", host, parts.path, parts.query, ""))


def validate_blurb(raw: str) -> str:
    return clean_line(raw, field="blurb", max_len=MAX_BLURB)


def validate_content_warning(raw: str | None) -> str | None:
    """A pitch's content warning, cleaned like the blurb (one line, no pings, short); blank
    means none. It is shown as "CW: …" before the blurb, which then hides behind a spoiler."""
    if raw is None:
        return None
    text = clean_line(raw, field="content warning", max_len=MAX_CONTENT_WARNING, allow_empty=True)
    if text.casefold().startswith(("cw:", "tw:")):  # we add "CW:" ourselves
        text = text[3:].strip()
    return text or None


def validate_required_fields(raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for item in raw:
        key = item.strip().lower()
        if not key:
            continue
        if key not in REQUIRED_FIELDS:
            raise DomainError(
                _(
                    "`{field}` isn't a profile field I can require. Use any of: {fields}.",
                    field=key[:20],
                    fields=", ".join(REQUIRED_FIELDS),
                )
            )
        if key not in out:
            out.append(key)
    return tuple(out)


def check_min_days(value: int) -> None:
    if not 0 <= value <= MAX_MIN_DAYS:
        raise DomainError(_("Minimum days between features must be 0–{most}.", most=MAX_MIN_DAYS))


def check_excluded_roles(role_ids: list[int] | tuple[int, ...]) -> list[int]:
    """The excluded roles as stored: ints, each once, in the order given."""
    if len(role_ids) > MAX_EXCLUDED_ROLES:
        raise DomainError(
            ngettext("Exclude up to {n} role.", "Exclude up to {n} roles.", MAX_EXCLUDED_ROLES)
        )
    return [int(r) for r in dict.fromkeys(role_ids)]


def missing_fields(profile: CreatorProfile, required: tuple[str, ...] | list[str]) -> list[str]:
    """The required profile fields this creator hasn't filled in, in words for them."""
    missing = []
    for key in required:
        value: Any = {
            "niches": profile.niches,
            "intro": profile.intro,
            "followers": profile.follower_band,
            "timezone": profile.timezone,
        }.get(key)
        if not value:
            missing.append(_(REQUIRED_FIELDS[key]))
    return missing
