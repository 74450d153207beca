"""The creator profile service: validation first, then one write; bad input changes nothing."""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError
from services.niches import DEFAULT_NICHES, NicheService
from services.profiles import ProfileService, search_timezones, validate_handle

G, U = 1, 42


@pytest.fixture
def profiles(db: Database, clock: ManualClock) -> ProfileService:
    return ProfileService(db, clock, NicheService(db))


@pytest.mark.parametrize(
    ("raw", "clean"), [("@plantladyjane", "plantladyjane"), ("book.tok_bryce", "book.tok_bryce")]
)
def test_valid_handles(raw: str, clean: str) -> None:
    assert validate_handle(raw) == clean


@pytest.mark.parametrize("raw", ["a", "@", "x" * 25, "has space", "@everyone now", "emoji💞", ""])
def test_invalid_handles(raw: str) -> None:
    with pytest.raises(DomainError, match="TikTok handle"):
        validate_handle(raw)


async def test_set_show_update(profiles: ProfileService, clock: ManualClock) -> None:
    p = await profiles.update(
        G,
        U,
        handle="@PlantLadyJane",
        niches=["planttok", "BookTok"],
        timezone="europe/london",
        follower_band="10k-50k",
        intro="Tiny jungle, big feelings",
    )
    assert p.tiktok_handle == "PlantLadyJane"
    assert p.niches == ("PlantTok", "BookTok")
    assert p.timezone == "Europe/London" and p.band_label == "10k–50k"
    clock.advance(minutes=5)
    p2 = await profiles.update(G, U, timezone="Asia/Kolkata")
    assert p2.tiktok_handle == "PlantLadyJane" and p2.timezone == "Asia/Kolkata"
    assert p2.updated_at > p.updated_at and p2.created_at == p.created_at
    assert await profiles.get(G, U) == p2
    assert await profiles.get(G, 999) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("handle", "not a handle!", "TikTok handle"),
        ("niches", ["KnittingTok"], "isn't one of this server's niches"),
        ("niches", ["BookTok", "FoodTok", "PlantTok", "ArtTok"], "up to 3"),
        ("timezone", "Mars/Olympus", "time zone"),
        ("follower_band", "a million", "follower band"),
        ("intro", "x" * 500, "200 or fewer"),
        ("intro", "hey @everyone follow me", "@everyone"),
        ("intro", "go see <@&123>", "mentions"),
    ],
)
async def test_bad_input_leaves_profile_unchanged(
    profiles: ProfileService, field: str, value: object, message: str
) -> None:
    before = await profiles.update(G, U, handle="@fam_first")
    with pytest.raises(DomainError, match=message):
        await profiles.update(G, U, **{field: value})  # type: ignore[arg-type]
    assert await profiles.get(G, U) == before


async def test_unknown_niche_suggests_close_match(profiles: ProfileService) -> None:
    with pytest.raises(DomainError, match="Did you mean \\*\\*BookTok\\*\\*"):
        await profiles.update(G, U, niches=["BookTock"])


async def test_delete_erases(profiles: ProfileService) -> None:
    await profiles.update(G, U, handle="@gone")
    assert await profiles.delete(G, U) >= 1
    assert await profiles.get(G, U) is None
    assert await profiles.delete(G, U) == 0


async def test_niches_seeded_once_and_editable(db: Database) -> None:
    niches = NicheService(db)
    listed = await niches.list_niches(G)
    assert [n.name for n in listed] == [n.name for n in DEFAULT_NICHES]
    await niches.add(G, "CozyGamingTok", emoji="🕹️")
    await niches.remove(G, "FinTok")
    names = [n.name for n in await niches.list_niches(G)]
    assert "CozyGamingTok" in names and "FinTok" not in names
    with pytest.raises(DomainError):
        await niches.add(G, "booktok")


def test_timezone_search() -> None:
    assert search_timezones("london")[0] == "Europe/London"
    assert "Asia/Kolkata" in search_timezones("kolk")
    assert len(search_timezones("")) <= 25
