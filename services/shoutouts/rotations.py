"""Reading a guild's rotations: by name, by id, all of them, how many creators each has."""

from __future__ import annotations

from sqlalchemy import func, select, true

from core.db import Database
from models.shoutouts import Rotation, RotationMember
from services.shoutouts.results import RotationInfo, rotation_info
from services.shoutouts.store import by_name


class Rotations:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int, name: str) -> RotationInfo:
        async with self.db.read() as s:
            return rotation_info(await by_name(s, guild_id, name))

    async def get_by_id(self, rotation_id: int) -> RotationInfo | None:
        async with self.db.read() as s:
            row = await s.get(Rotation, rotation_id)
            return rotation_info(row) if row else None

    async def list_rotations(self, guild_id: int | None = None) -> list[RotationInfo]:
        async with self.db.read() as s:
            stmt = select(Rotation).order_by(Rotation.id)
            if guild_id is not None:
                stmt = stmt.where(Rotation.guild_id == guild_id)
            return [rotation_info(r) for r in await s.scalars(stmt)]

    async def member_counts(self, rotation_id: int) -> int:
        async with self.db.read() as s:
            return int(
                await s.scalar(
                    select(func.count()).where(
                        RotationMember.rotation_id == rotation_id, RotationMember.active == true()
                    )
                )
                or 0
            )

    async def search(self, guild_id: int, query: str) -> list[str]:
        """Rotation names containing ``query`` (any case), for autocomplete."""
        async with self.db.read() as s:
            names = list(
                await s.scalars(
                    select(Rotation.name).where(Rotation.guild_id == guild_id).order_by(Rotation.id)
                )
            )
        q = query.casefold().strip()
        return [n for n in names if q in n.casefold()][:25]
