"""The guild's niche list: seeded with the community's usual niches on first use, read from
memory (``core.cache``) and dropped from it by every change."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.cache import changed
from core.db import Database
from core.errors import Conflict, DomainError, NotFound
from core.i18n import _
from core.sql import insert_ignore
from core.text import clean_line
from models.guild import GuildNiche

MAX_NICHES = 25  # one select menu
#: cache namespace of niche lists, by guild_id
CACHE = "niches"


@dataclass(frozen=True)
class Niche:
    name: str
    emoji: str | None
    description: str | None
    family: str | None
    role_id: int | None = None

    @property
    def key(self) -> str:
        return niche_key(self.name)

    @property
    def label(self) -> str:
        return f"{self.emoji} {self.name}" if self.emoji else self.name


# Families say which niches are "related" (for collab matching and suggestions).
DEFAULT_NICHES: tuple[Niche, ...] = (
    Niche("BookTok", "📚", "Book reviews, hauls, reading vlogs and fandom feels", "stories"),
    Niche("FoodTok", "🍳", "Recipes, budget meals, taste tests", "food"),
    Niche("PlantTok", "🪴", "Plant care, propagation, time-lapses", "home"),
    Niche("FinTok", "💸", "Money tips, budgeting, side hustles", "learning"),
    Niche("ArtTok", "🎨", "Speed-drawing, painting, process videos", "making"),
    Niche("TechTok", "💻", "Gadgets, apps, coding, setups", "learning"),
    Niche("DIY", "🛠️", "Crafts, upcycling, zero-waste makes", "making"),
    Niche("Beauty", "💄", "Makeup, skincare, GRWM", "style"),
    Niche("Fashion", "👗", "Outfits, thrift flips, capsule wardrobes", "style"),
    Niche("Gaming", "🎮", "Clips, reviews, cozy games", "play"),
    Niche("Comedy", "😂", "Skits, POVs, relatable chaos", "play"),
    Niche("Education", "🎓", "Science demos, study tips, explainers", "learning"),
    Niche("LanguageTok", "🗣️", "Language lessons and culture snippets", "learning"),
    Niche("MusicTok", "🎵", "Covers, originals, vinyl and needle drops", "stories"),
    Niche("FitTok", "💪", "Workouts, movement, wellness routines", "wellness"),
    Niche("Wellness", "🌿", "Mental health, self-care, soft content", "wellness"),
    Niche("HomeTok", "🏡", "Tiny homes, decor, cleaning, minimalism", "home"),
    Niche("PetTok", "🐾", "Pets being pets", "home"),
    Niche("TravelTok", "✈️", "Trips, local spots, travel hacks", "stories"),
)


def niche_key(name: str) -> str:
    return "".join(name.split()).casefold()


def _to_niche(row: GuildNiche) -> Niche:
    return Niche(row.name, row.emoji, row.description, row.family, row.role_id)


class NicheService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _seed(self, guild_id: int) -> None:
        rows = [
            {
                "guild_id": guild_id,
                "key": n.key,
                "name": n.name,
                "emoji": n.emoji,
                "description": n.description,
                "family": n.family,
                "enabled": True,
            }
            for n in DEFAULT_NICHES
        ]
        async with self.db.write() as session:
            changed(session, CACHE, guild_id)
            seeded = await session.scalar(
                select(func.count()).select_from(GuildNiche).where(GuildNiche.guild_id == guild_id)
            )
            if not seeded:
                await insert_ignore(session, GuildNiche, rows, ["guild_id", "key"])

    async def list_niches(self, guild_id: int) -> list[Niche]:
        """The enabled niches in the order they were added (seeded on first use)."""
        return list(await self.db.cache.fetch(CACHE, guild_id, lambda: self._load(guild_id)))

    async def _load(self, guild_id: int) -> tuple[Niche, ...]:
        async with self.db.read() as session:
            rows = (
                await session.scalars(
                    select(GuildNiche)
                    .where(GuildNiche.guild_id == guild_id, GuildNiche.enabled.is_(True))
                    .order_by(GuildNiche.id)
                )
            ).all()
            if rows:
                return tuple(_to_niche(r) for r in rows)
            any_row = await session.scalar(
                select(GuildNiche.id).where(GuildNiche.guild_id == guild_id).limit(1)
            )
        if any_row is not None:
            return ()  # every niche was removed on purpose: do not re-seed
        await self._seed(guild_id)
        return await self._load(guild_id)

    async def add(
        self,
        guild_id: int,
        name: str,
        *,
        emoji: str | None = None,
        role_id: int | None = None,
        description: str | None = None,
        family: str | None = None,
    ) -> Niche:
        name = clean_line(name, field=_("niche name"), max_len=40)
        if description is not None:
            description = clean_line(description, field=_("niche description"), max_len=100)
        current = await self.list_niches(guild_id)  # seeds first, so adding keeps the defaults
        key = niche_key(name)
        async with self.db.write() as session:
            changed(session, CACHE, guild_id)
            existing = await session.scalar(
                select(GuildNiche).where(GuildNiche.guild_id == guild_id, GuildNiche.key == key)
            )
            if existing is not None and existing.enabled:
                raise Conflict(_("**{niche}** is already on the niche list.", niche=existing.name))
            if existing is None and len(current) >= MAX_NICHES:
                raise DomainError(
                    _(
                        "The niche list is full ({max}, the most a menu can show). "
                        "Remove one with `/welcome niche remove` first.",
                        max=MAX_NICHES,
                    )
                )
            if existing is None:
                existing = GuildNiche(guild_id=guild_id, key=key)
                session.add(existing)
            existing.name, existing.emoji, existing.role_id = name, emoji, role_id
            existing.description, existing.family, existing.enabled = description, family, True
            return _to_niche(existing)

    async def remove(self, guild_id: int, name: str) -> Niche:
        await self.list_niches(guild_id)
        async with self.db.write() as session:
            changed(session, CACHE, guild_id)
            row = await session.scalar(
                select(GuildNiche).where(
                    GuildNiche.guild_id == guild_id,
                    GuildNiche.key == niche_key(name),
                    GuildNiche.enabled.is_(True),
                )
            )
            if row is None:
                raise NotFound(_no_niche(name))
            row.enabled = False
            return _to_niche(row)


def _no_niche(name: str) -> str:
    return _("There's no niche called **{niche}**. See `/welcome niche list`.", niche=name)


async def update_niche(
    service: NicheService,
    guild_id: int,
    name: str,
    *,
    emoji: str | None = None,
    role_id: int | None = None,
    description: str | None = None,
) -> Niche:
    """Change an existing niche's emoji, role or description (only the values given)."""
    if description is not None:
        description = clean_line(description, field=_("niche description"), max_len=100)
    await service.list_niches(guild_id)
    async with service.db.write() as session:
        changed(session, CACHE, guild_id)
        row = await session.scalar(
            select(GuildNiche).where(
                GuildNiche.guild_id == guild_id,
                GuildNiche.key == niche_key(name),
                GuildNiche.enabled.is_(True),
            )
        )
        if row is None:
            raise NotFound(_no_niche(name))
        if emoji is not None:
            row.emoji = emoji
        if role_id is not None:
            row.role_id = role_id
        if description is not None:
            row.description = description
        return _to_niche(row)
