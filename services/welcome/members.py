"""A newcomer's walk through niche -> handle (and, once, their age group) -> norms, each step
saved as it is taken (and redoable), ending in onboarding done: their profile saved, niche-mates
of their own age group picked to meet them, and their introduction queued. A moderator's
preview runs the same steps on a separate row."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import _
from models.profile import CreatorProfile
from models.welcome import Onboarding, WelcomeEvent
from services.niches import NicheService, niche_key
from services.profiles import match_niches, upsert_profile, validate_handle
from services.safety import hold_to_rules
from services.safety.age import (
    RoleHoldersUnknown,
    age_rule_in,
    answer_in,
    save_answer_in,
    settings_in,
    validate_age,
)
from services.welcome.delivery import queue_intro
from services.welcome.inputs import clean_intro
from services.welcome.rows import config_row, current_name, member_row, new_member_row, role_ids
from services.welcome.values import Completion, OnboardingState, StartCheck, to_state
from services.welcome.wording import copy_text

STEPS = ("niches", "profile", "norms")
MAX_INVITEES = 3


async def _flow_row(
    session: AsyncSession, guild_id: int, user_id: int, preview: bool
) -> Onboarding:
    row = await member_row(session, guild_id, user_id, preview=preview)
    if row is None:
        raise DomainError(
            _(
                "I don't have a welcome in progress for you there. Use **Start onboarding** in "
                "the server's welcome channel, or set your profile with `/profile set`."
            )
        )
    if row.status == "completed":
        raise DomainError(copy_text("already_done"))
    return row


def _mark_started(session: AsyncSession, row: Onboarding, now: datetime) -> None:
    if row.started_at is None:
        row.started_at = now
        if not row.preview:
            session.add(
                WelcomeEvent(guild_id=row.guild_id, user_id=row.user_id, kind="started", at=now)
            )
    if row.status in ("welcomed", "screening"):
        row.status = "started"


class OnboardingFlow:
    def __init__(
        self, db: Database, clock: Clock, niches: NicheService, *, rng: random.Random
    ) -> None:
        self.db = db
        self.clock = clock
        self.niches = niches
        self.rng = rng

    async def state(
        self, guild_id: int, user_id: int, *, preview: bool = False
    ) -> OnboardingState | None:
        async with self.db.read() as session:
            row = await member_row(session, guild_id, user_id, preview=preview)
            return to_state(row) if row else None

    async def start_check(self, guild_id: int, user_id: int, message_id: int | None) -> StartCheck:
        """Whom a **Start onboarding** click (on the welcome post ``message_id``) is for.

        ``go``: their own onboarding (in progress, or a member who never onboarded and has
        no profile yet). ``done``: they finished, and it is their own welcome. ``not_yours``:
        they are set up already (onboarded, or a creator profile with a handle) and the post
        welcomes someone else (``newcomer``, when it is one member's own welcome).
        """
        async with self.db.read() as session:
            row = await member_row(session, guild_id, user_id, preview=False)
            if row is not None and row.status != "completed":
                return StartCheck("go")
            owner = None
            if message_id is not None:
                owner = await session.scalar(
                    select(Onboarding.user_id).where(
                        Onboarding.guild_id == guild_id,
                        Onboarding.public_message_id == message_id,
                        Onboarding.preview.is_(False),
                    )
                )
            if row is not None:
                own_batch = owner is None and row.public_state == "batch_posted"
                if owner == user_id or own_batch:
                    return StartCheck("done")
                return StartCheck("not_yours", owner)
            handle = await session.scalar(
                select(CreatorProfile.tiktok_handle).where(
                    CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
                )
            )
            return StartCheck("not_yours", owner) if handle else StartCheck("go")

    async def open_flow(
        self, guild_id: int, user_id: int, *, display_name: str, preview: bool = False
    ) -> OnboardingState:
        """Start (or resume) the flow inside the server; a preview always starts afresh."""
        now = self.clock.now()
        async with self.db.write() as session:
            row = await member_row(session, guild_id, user_id, preview=preview)
            if row is None:
                row = new_member_row(
                    guild_id, user_id, display_name, now, status="started", preview=preview
                )
                session.add(row)
            elif preview:
                row.status, row.step, row.niches = "started", "niches", []
                row.tiktok_handle = row.intro = None
                row.completed_at = None
            if row.status != "completed":
                _mark_started(session, row, now)
            await session.flush()
            return to_state(row)

    async def choose_niches(
        self, guild_id: int, user_id: int, names: Sequence[str], *, preview: bool = False
    ) -> OnboardingState:
        available = await self.niches.list_niches(guild_id)
        if not names:
            raise DomainError(_("Pick at least one niche from the menu (up to 3)."))
        chosen = match_niches(list(names), available)
        now = self.clock.now()
        async with self.db.write() as session:
            row = await _flow_row(session, guild_id, user_id, preview)
            _mark_started(session, row, now)
            row.niches = list(chosen)
            row.step = "profile"
            if not preview:
                await upsert_profile(session, guild_id, user_id, now, niches=list(chosen))
            await session.flush()
            return to_state(row)

    async def asks_age(self, guild_id: int, user_id: int, *, preview: bool = False) -> bool:
        """Whether the handle step asks the member's age group: once, while the server keeps
        age groups apart and they haven't answered (a moderator's preview always shows it)."""
        async with self.db.read() as session:
            if not (await settings_in(session, guild_id)).separate:
                return False
            return preview or await answer_in(session, guild_id, user_id) is None

    async def save_handle(
        self,
        guild_id: int,
        user_id: int,
        handle: str,
        intro: str | None,
        *,
        preview: bool = False,
        age: str | None = None,
    ) -> OnboardingState:
        """The handle and intro, and the age group when the form asked it (``age``: the
        member's answer; kept apart from the profile, seen by moderators only)."""
        clean_handle = validate_handle(handle)
        clean = clean_intro(intro)
        answer = validate_age(age) if age else None
        now = self.clock.now()
        async with self.db.write() as session:
            row = await _flow_row(session, guild_id, user_id, preview)
            await hold_to_rules(session, guild_id, {"intro": clean})  # it goes in the intro post
            _mark_started(session, row, now)
            row.tiktok_handle, row.intro = clean_handle, clean
            row.step = "norms" if row.niches else "niches"
            if not preview:
                await upsert_profile(
                    session, guild_id, user_id, now, tiktok_handle=clean_handle, intro=clean
                )
                if answer is not None:
                    await save_answer_in(
                        session, guild_id, user_id, answer, source="onboarding", now=now
                    )
            await session.flush()
            return to_state(row)

    async def go_to(
        self, guild_id: int, user_id: int, step: str, *, preview: bool = False
    ) -> OnboardingState:
        """Redo a step (or move on to one already reachable)."""
        if step not in STEPS:
            raise DomainError(_("That step doesn't exist."))
        now = self.clock.now()
        async with self.db.write() as session:
            row = await _flow_row(session, guild_id, user_id, preview)
            _mark_started(session, row, now)
            if step == "norms" and not row.niches:
                step = "niches"
            row.step = step
            await session.flush()
            return to_state(row)

    async def complete(
        self,
        guild_id: int,
        user_id: int,
        *,
        preview: bool = False,
        is_member: Callable[[int], bool] | None = None,
        role_holders: Collection[int] | None = None,
    ) -> Completion:
        """The newcomer accepted the norms: mark onboarded, pick who to invite (of their own age
        group; ``role_holders``: who holds the 18+ role, when known), queue the intro."""
        now = self.clock.now()
        async with self.db.write() as session:
            cfg = await config_row(session, guild_id, now)
            row = await _flow_row(session, guild_id, user_id, preview)
            if not row.niches:
                row.step = "niches"
                raise DomainError(_("Pick your niche first (step 1), then come back to the norms."))
            if not row.tiktok_handle:
                raise DomainError(
                    _("Add your TikTok handle first (step 2), then come back to the norms.")
                )
            # the server's rules may have changed since the intro was typed
            await hold_to_rules(session, guild_id, {"intro": row.intro})
            _mark_started(session, row, now)
            row.status, row.step, row.completed_at = "completed", "done", now
            invitees = await self._invitees(
                session, guild_id, user_id, row.niches, is_member, role_holders
            )
            roles = await role_ids(session, guild_id, row.niches, cfg.autorole_id)
            channel_id = cfg.channel_id or row.public_channel_id
            queued = False
            if not preview:
                session.add(
                    WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="completed", at=now)
                )
                await upsert_profile(
                    session,
                    guild_id,
                    user_id,
                    now,
                    niches=list(row.niches),
                    tiktok_handle=row.tiktok_handle,
                    intro=row.intro,
                )
                if channel_id is not None:
                    row.public_channel_id = channel_id
                    name = await current_name(session, row)
                    queued = await queue_intro(session, row, channel_id, invitees, now, name)
            await session.flush()
            return Completion(to_state(row), roles, invitees, queued, channel_id)

    async def _invitees(
        self,
        session: AsyncSession,
        guild_id: int,
        user_id: int,
        niches: Sequence[str],
        is_member: Callable[[int], bool] | None,
        role_holders: Collection[int] | None,
    ) -> tuple[int, ...]:
        """1-3 members sharing a niche and the newcomer's age group (adults and members not
        confirmed adult are never put together): those sharing the most niches first, ties
        broken at random. When the 18+ role counts but who holds it isn't known here, nobody
        is invited rather than someone guessed."""
        try:
            ages = await age_rule_in(session, guild_id, role_holders)
        except RoleHoldersUnknown:
            return ()
        wanted = {niche_key(n) for n in niches}
        left = select(Onboarding.user_id).where(
            Onboarding.guild_id == guild_id,
            Onboarding.preview.is_(False),
            Onboarding.left_at.is_not(None),
        )
        rows = (
            await session.execute(
                select(CreatorProfile.user_id, CreatorProfile.niches).where(
                    CreatorProfile.guild_id == guild_id,
                    CreatorProfile.user_id != user_id,
                    CreatorProfile.user_id.not_in(left),
                )
            )
        ).all()
        scored: list[tuple[int, float, int]] = []
        for uid, their in rows:
            overlap = len(wanted & {niche_key(n) for n in their or ()})
            if not overlap or not ages.same_group(user_id, int(uid)):
                continue
            if is_member is None or is_member(int(uid)):
                scored.append((-overlap, self.rng.random(), int(uid)))
        scored.sort()
        return tuple(uid for _, _, uid in scored[:MAX_INVITEES])
