"""Moderators' welcome settings: read them (defaults when never set) and change them, each
change validated before the one write."""

from __future__ import annotations

from core.clock import Clock
from core.db import Database
from core.plans import Replan, no_replan
from models.welcome import WelcomeConfig
from services.welcome.delivery import BATCH_KIND
from services.welcome.inputs import (
    validate_leave_window,
    validate_raid_joins,
    validate_raid_window,
    validate_rules,
    validate_template,
)
from services.welcome.rows import config_row
from services.welcome.values import WelcomeSettings, to_settings


class _Unset:
    pass


_UNSET = _Unset()


class WelcomeAdmin:
    def __init__(self, db: Database, clock: Clock, *, replan: Replan = no_replan) -> None:
        self.db = db
        self.clock = clock
        self.replan = replan

    async def settings(self, guild_id: int) -> WelcomeSettings:
        async with self.db.read() as session:
            row = await session.get(WelcomeConfig, guild_id)
            return to_settings(guild_id, row)

    async def configure(
        self,
        guild_id: int,
        *,
        channel_id: int | _Unset = _UNSET,
        template: str | _Unset | None = _UNSET,
        dm_enabled: bool | _Unset = _UNSET,
        autorole_id: int | _Unset | None = _UNSET,
        rules: str | _Unset | None = _UNSET,
        leave_window_minutes: int | _Unset = _UNSET,
        raid_joins: int | _Unset = _UNSET,
        raid_window_seconds: int | _Unset = _UNSET,
    ) -> WelcomeSettings:
        """Change settings; ``template=None`` / ``rules=None`` go back to the defaults."""
        changes: dict[str, object] = {}
        if not isinstance(channel_id, _Unset):
            changes["channel_id"] = channel_id
        if not isinstance(template, _Unset):
            changes["template"] = validate_template(template) if template is not None else None
        if not isinstance(dm_enabled, _Unset):
            changes["dm_enabled"] = dm_enabled
        if not isinstance(autorole_id, _Unset):
            changes["autorole_id"] = autorole_id
        if not isinstance(rules, _Unset):
            changes["rules"] = list(validate_rules(rules)) if rules is not None else None
        if not isinstance(leave_window_minutes, _Unset):
            changes["leave_window_minutes"] = validate_leave_window(leave_window_minutes)
        if not isinstance(raid_joins, _Unset):
            changes["raid_joins"] = validate_raid_joins(raid_joins)
        if not isinstance(raid_window_seconds, _Unset):
            changes["raid_window_seconds"] = validate_raid_window(raid_window_seconds)
        now = self.clock.now()
        async with self.db.write() as session:
            row = await config_row(session, guild_id, now)
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = now
            await session.flush()
            settings = to_settings(guild_id, row)
        if "raid_window_seconds" in changes:  # open raid windows now close at another time
            self.replan(BATCH_KIND)
        return settings
