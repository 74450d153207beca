"""Welcome / onboarding: newcomers are recorded, welcomed, walked through niche -> handle ->
norms, and introduced to members of their niche.

Pure domain logic (no discord): the cog turns Discord objects into ids and plain values and
sends what this service queues in the outbox. Every join is written (with its DM and public
welcome queued in the outbox) in one transaction before anything is sent, so a raid loses none.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import outbox
from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.sql import insert_ignore
from core.text import MASS_MENTION, clean_line
from models.delivery import OutboxMessage
from models.guild import GuildNiche
from models.profile import CreatorProfile
from models.welcome import Onboarding, WelcomeConfig, WelcomeEvent
from services.niches import NicheService, niche_key
from services.profiles import match_niches, upsert_profile, validate_handle

COPY_PATH = Path(__file__).resolve().parent.parent / "data" / "welcome" / "copy.yaml"
PLACEHOLDERS = ("member", "server", "count", "niche")
STEPS = ("niches", "profile", "norms")
MAX_RULES = 10
RULE_LEN = 200
MAX_INVITEES = 3
# A batch post names members as <@id> mentions in an embed description (4,096 chars).
BATCH_NAMES_PER_POST = 150
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

PURPOSE_DM = "welcome_dm"
PURPOSE_PUBLIC = "welcome_public"
PURPOSE_BATCH = "welcome_batch"
PURPOSE_INTRO = "welcome_intro"

# Worst-case values used to check a template fits Discord's 2,000-character message limit.
_WORST_CASE = {
    "member": "<@" + "9" * 20 + ">",
    "server": "S" * 100,
    "count": "9" * 9,
    "niche": "N" * 40,
}


@lru_cache(maxsize=1)
def load_copy() -> dict[str, Any]:
    """The welcome copy shipped in data/welcome/copy.yaml."""
    with COPY_PATH.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def copy_text(key: str, **values: object) -> str:
    text = str(load_copy()[key])
    return text.format(**values) if values else text


def default_rules() -> tuple[str, ...]:
    return tuple(str(r) for r in load_copy()["default_rules"])


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class WelcomeSettings:
    guild_id: int
    channel_id: int | None
    template: str
    custom_template: bool
    dm_enabled: bool
    autorole_id: int | None
    rules: tuple[str, ...]
    custom_rules: bool
    leave_window_minutes: int
    raid_joins: int
    raid_window_seconds: int


@dataclass(frozen=True)
class OnboardingState:
    guild_id: int
    user_id: int
    preview: bool
    status: str
    step: str
    niches: tuple[str, ...]
    tiktok_handle: str | None
    intro: str | None
    display_name: str
    member_number: int | None
    dm_state: str
    public_state: str

    @property
    def completed(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True)
class JoinInfo:
    """One join as the cog saw it (plain values)."""

    guild_id: int
    user_id: int
    display_name: str
    member_count: int | None
    pending: bool
    fallback_channel_id: int | None = None


@dataclass(frozen=True)
class JoinOutcome:
    """What the cog must still do: ``action`` is screening | welcomed | batched | returning |
    ignored; roles to give back to a returning member; when a raid batch is due."""

    action: str
    restore_role_ids: tuple[int, ...] = ()
    batch_due: datetime | None = None


@dataclass(frozen=True)
class Completion:
    state: OnboardingState
    role_ids: tuple[int, ...]
    invitees: tuple[int, ...]
    intro_queued: bool
    channel_id: int | None


@dataclass(frozen=True)
class LeaveOutcome:
    delete_messages: tuple[tuple[int, int], ...]  # (channel id, message id)
    cancelled: int


@dataclass(frozen=True)
class BatchRef:
    guild_id: int
    window_start: datetime
    due_at: datetime


@dataclass(frozen=True)
class PeriodStats:
    days: int
    joins: int
    started: int
    completed: int
    dms_closed: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.started if self.started else None


# ---------------------------------------------------------------- validation


def validate_template(raw: str) -> str:
    """A public welcome template: only known placeholders, fits a message when rendered."""
    valid = ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)
    text = raw.strip().replace("\\n", "\n")
    if not text:
        raise DomainError(f"The welcome message is empty. Write one using {valid}.")
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        raise DomainError(
            "That message has an unmatched `{` or `}`. Placeholders look like `{member}`; "
            f"valid ones are {valid} (write `{{{{` for a literal brace)."
        ) from None
    unknown = sorted(
        {
            "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            for _, name, spec, conv in fields
            if name is not None and (name not in PLACEHOLDERS or spec or conv)
        }
    )
    if unknown:
        raise DomainError(
            f"I don't know {', '.join(f'`{u[:40]}`' for u in unknown[:5])}. "
            f"Valid placeholders are {valid}."
        )
    if MASS_MENTION.search(text):
        raise DomainError(
            "A welcome can't ping @everyone or @here: it would ping the whole server on every "
            f"join. Use {valid} instead."
        )
    longest = len(text.format(**_WORST_CASE))
    if longest > 2000:
        raise DomainError(
            f"With a long server name and niche that welcome could reach {longest} characters; "
            f"Discord allows 2000. Shorten it (placeholders: {valid})."
        )
    return text


def render_template(template: str, *, member: str, server: str, count: str, niche: str) -> str:
    text = template.format(member=member, server=server, count=count, niche=niche)
    return text if len(text) <= 2000 else text[:1999] + "…"


def validate_rules(raw: str) -> tuple[str, ...]:
    lines = [line.strip().lstrip("-•*").strip() for line in raw.splitlines()]
    rules = [clean_line(line, field="rule", max_len=RULE_LEN) for line in lines if line]
    if not rules:
        raise DomainError("Write at least one rule, one per line.")
    if len(rules) > MAX_RULES:
        raise DomainError(f"Keep it to {MAX_RULES} rules or fewer (you wrote {len(rules)}).")
    return tuple(rules)


def window_start(now: datetime, seconds: int) -> datetime:
    """The start of the fixed raid window holding ``now`` (windows aligned to an epoch)."""
    index = int((now - _EPOCH).total_seconds() // seconds)
    return _EPOCH + timedelta(seconds=index * seconds)


def _to_settings(guild_id: int, row: WelcomeConfig | None) -> WelcomeSettings:
    if row is None:
        return WelcomeSettings(
            guild_id=guild_id,
            channel_id=None,
            template=copy_text("default_template"),
            custom_template=False,
            dm_enabled=True,
            autorole_id=None,
            rules=default_rules(),
            custom_rules=False,
            leave_window_minutes=30,
            raid_joins=8,
            raid_window_seconds=30,
        )
    return WelcomeSettings(
        guild_id=guild_id,
        channel_id=row.channel_id,
        template=row.template or copy_text("default_template"),
        custom_template=row.template is not None,
        dm_enabled=row.dm_enabled,
        autorole_id=row.autorole_id,
        rules=tuple(row.rules) if row.rules else default_rules(),
        custom_rules=bool(row.rules),
        leave_window_minutes=row.leave_window_minutes,
        raid_joins=row.raid_joins,
        raid_window_seconds=row.raid_window_seconds,
    )


def _to_state(row: Onboarding) -> OnboardingState:
    return OnboardingState(
        guild_id=row.guild_id,
        user_id=row.user_id,
        preview=row.preview,
        status=row.status,
        step=row.step,
        niches=tuple(row.niches or ()),
        tiktok_handle=row.tiktok_handle,
        intro=row.intro,
        display_name=row.display_name,
        member_number=row.member_number,
        dm_state=row.dm_state,
        public_state=row.public_state,
    )


def _dedupe(kind: str, row: Onboarding) -> str:
    return f"welcome_{kind}:{row.guild_id}:{row.user_id}:{row.joins}"


class _Unset:
    pass


_UNSET = _Unset()


class OnboardingService:
    def __init__(
        self, db: Database, clock: Clock, niches: NicheService, *, rng: random.Random | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.niches = niches
        self.rng = rng or random.Random()

    # ------------------------------------------------------------ settings

    async def _config(
        self, session: AsyncSession, guild_id: int, now: datetime, *, lock: bool = False
    ) -> WelcomeConfig:
        await insert_ignore(
            session,
            WelcomeConfig,
            [{"guild_id": guild_id, "created_at": now, "updated_at": now}],
            ["guild_id"],
        )
        stmt = select(WelcomeConfig).where(WelcomeConfig.guild_id == guild_id)
        if lock and not self.db.is_sqlite:
            stmt = stmt.with_for_update()
        row = await session.scalar(stmt)
        assert row is not None
        return row

    async def settings(self, guild_id: int) -> WelcomeSettings:
        async with self.db.read() as session:
            row = await session.get(WelcomeConfig, guild_id)
            return _to_settings(guild_id, row)

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
            if not 0 <= leave_window_minutes <= 7 * 24 * 60:
                raise DomainError("The leave window is in minutes: 0 (off) to 10080 (a week).")
            changes["leave_window_minutes"] = leave_window_minutes
        if not isinstance(raid_joins, _Unset):
            if not 2 <= raid_joins <= 1000:
                raise DomainError("The raid threshold must be between 2 and 1000 joins.")
            changes["raid_joins"] = raid_joins
        if not isinstance(raid_window_seconds, _Unset):
            if not 5 <= raid_window_seconds <= 3600:
                raise DomainError("The raid window must be between 5 and 3600 seconds.")
            changes["raid_window_seconds"] = raid_window_seconds
        now = self.clock.now()
        async with self.db.write() as session:
            row = await self._config(session, guild_id, now)
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = now
            await session.flush()
            return _to_settings(guild_id, row)

    # ------------------------------------------------------------ joins and leaves

    async def record_join(
        self,
        guild_id: int,
        user_id: int,
        *,
        display_name: str,
        member_count: int | None,
        pending: bool,
        fallback_channel_id: int | None = None,
    ) -> JoinOutcome:
        info = JoinInfo(guild_id, user_id, display_name, member_count, pending, fallback_channel_id)
        return (await self.record_joins([info]))[0]

    async def record_joins(self, joins: Sequence[JoinInfo]) -> list[JoinOutcome]:
        """Record a burst of joins in one transaction, each with its DM and welcome queued.

        Nothing is sent before this commits, so a join is never lost to a crash mid-send; a
        raid of hundreds of joins is a handful of transactions, which keeps commands snappy.
        """
        if not joins:
            return []
        now = self.clock.now()
        async with self.db.write() as session:
            configs: dict[int, WelcomeConfig] = {}
            recent: dict[int, int] = {}
            for guild_id in sorted({j.guild_id for j in joins}):
                cfg = configs[guild_id] = await self._config(session, guild_id, now, lock=True)
                since = now - timedelta(seconds=cfg.raid_window_seconds)
                recent[guild_id] = int(
                    await session.scalar(
                        select(func.count())
                        .select_from(WelcomeEvent)
                        .where(
                            WelcomeEvent.guild_id == guild_id,
                            WelcomeEvent.kind == "join",
                            WelcomeEvent.at > since,
                        )
                    )
                    or 0
                )
            rows: dict[tuple[int, int], Onboarding] = {}
            for guild_id in configs:
                users = [j.user_id for j in joins if j.guild_id == guild_id]
                found = await session.scalars(
                    select(Onboarding).where(
                        Onboarding.guild_id == guild_id,
                        Onboarding.user_id.in_(users),
                        Onboarding.preview.is_(False),
                    )
                )
                rows.update({(r.guild_id, r.user_id): r for r in found})
            session.add_all(
                WelcomeEvent(guild_id=j.guild_id, user_id=j.user_id, kind="join", at=now)
                for j in joins
            )
            outcomes = []
            # New rows are inserted together at commit instead of one flush per join.
            with session.no_autoflush:
                for join in joins:
                    cfg = configs[join.guild_id]
                    recent[join.guild_id] += 1
                    name = join.display_name[:100] or "new mutual"
                    row = rows.get((join.guild_id, join.user_id))
                    if row is not None and row.status == "completed":
                        row.joins += 1
                        row.left_at = None
                        row.display_name = name
                        roles = await self._role_ids(
                            session, join.guild_id, row.niches, cfg.autorole_id
                        )
                        outcomes.append(JoinOutcome("returning", restore_role_ids=roles))
                        continue
                    if row is None:
                        row = rows[(join.guild_id, join.user_id)] = Onboarding(
                            guild_id=join.guild_id,
                            user_id=join.user_id,
                            preview=False,
                            status="screening",
                            step="niches",
                            niches=[],
                            display_name=name,
                            joins=1,
                            dm_state="none",
                            public_state="none",
                            joined_at=now,
                        )
                        session.add(row)
                    else:  # came back before finishing: keep their progress, welcome them again
                        row.joins += 1
                        row.status = "screening"
                        row.dm_state = "none"
                        row.public_state = "none"
                        row.public_message_id = row.intro_message_id = None
                        row.batch_window = None
                        row.joined_at = now
                        row.left_at = None
                        row.display_name = name
                    row.member_number = join.member_count
                    if join.pending:
                        outcomes.append(JoinOutcome("screening"))
                        continue
                    outcomes.append(
                        await self._welcome(
                            session, cfg, row, now, join.fallback_channel_id, recent[join.guild_id]
                        )
                    )
            return outcomes

    async def screening_passed(
        self,
        guild_id: int,
        user_id: int,
        *,
        display_name: str,
        member_count: int | None,
        fallback_channel_id: int | None = None,
    ) -> JoinOutcome:
        """Membership screening done (``pending`` turned False): now they are welcomed."""
        now = self.clock.now()
        async with self.db.write() as session:
            cfg = await self._config(session, guild_id, now, lock=True)
            row = await self._row(session, guild_id, user_id, preview=False)
            if row is None:  # joined while the bot was offline: record the join now
                session.add(WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="join", at=now))
                row = Onboarding(
                    guild_id=guild_id,
                    user_id=user_id,
                    preview=False,
                    status="screening",
                    step="niches",
                    niches=[],
                    display_name=display_name[:100] or "new mutual",
                    member_number=member_count,
                    joins=1,
                    dm_state="none",
                    public_state="none",
                    joined_at=now,
                )
                session.add(row)
            elif row.status != "screening":
                return JoinOutcome("ignored")
            since = now - timedelta(seconds=cfg.raid_window_seconds)
            recent = await session.scalar(
                select(func.count())
                .select_from(WelcomeEvent)
                .where(
                    WelcomeEvent.guild_id == guild_id,
                    WelcomeEvent.kind == "screened",
                    WelcomeEvent.at > since,
                )
            )
            session.add(WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="screened", at=now))
            return await self._welcome(
                session, cfg, row, now, fallback_channel_id, int(recent or 0) + 1
            )

    async def _welcome(
        self,
        session: AsyncSession,
        cfg: WelcomeConfig,
        row: Onboarding,
        now: datetime,
        fallback_channel_id: int | None,
        recent_joins: int,
    ) -> JoinOutcome:
        """Queue the DM and the public welcome; past the raid threshold the welcome is batched."""
        row.status = "welcomed"
        ids = {"guild_id": row.guild_id, "user_id": row.user_id}
        if cfg.dm_enabled:
            row.dm_state = "queued"
            await outbox.add_message(
                session,
                kind=outbox.DM,
                target_id=row.user_id,
                payload=ids,
                now=now,
                purpose=PURPOSE_DM,
                guild_id=row.guild_id,
                dedupe_key=_dedupe("dm", row),
            )
        else:
            row.dm_state = "off"
        channel_id = cfg.channel_id or fallback_channel_id
        if channel_id is None:
            return JoinOutcome("welcomed")
        row.public_channel_id = channel_id
        if recent_joins > cfg.raid_joins:
            start = window_start(now, cfg.raid_window_seconds)
            row.public_state = "batched"
            row.batch_window = start
            return JoinOutcome(
                "batched", batch_due=start + timedelta(seconds=cfg.raid_window_seconds)
            )
        row.public_state = "queued"
        await outbox.add_message(
            session,
            kind=outbox.CHANNEL,
            target_id=channel_id,
            payload={**ids, "channel_id": channel_id},
            now=now,
            purpose=PURPOSE_PUBLIC,
            guild_id=row.guild_id,
            dedupe_key=_dedupe("pub", row),
        )
        return JoinOutcome("welcomed")

    async def record_leave(self, guild_id: int, user_id: int) -> LeaveOutcome:
        """A member left: within the leave window their welcome disappears (sent or not)."""
        now = self.clock.now()
        async with self.db.write() as session:
            cfg = await self._config(session, guild_id, now)
            row = await self._row(session, guild_id, user_id, preview=False)
            if row is None:
                return LeaveOutcome((), 0)
            session.add(WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="left", at=now))
            row.left_at = now
            window = timedelta(minutes=cfg.leave_window_minutes)
            if not window or now - row.joined_at > window:
                return LeaveOutcome((), 0)
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.dedupe_key.in_([_dedupe(k, row) for k in ("dm", "pub", "intro")]),
                    OutboxMessage.status == "pending",
                )
                .values(status="cancelled", last_error="member left within the leave window")
            )
            cancelled = int(getattr(result, "rowcount", 0) or 0)
            delete: list[tuple[int, int]] = []
            if row.public_channel_id is not None:
                for mid in (row.public_message_id, row.intro_message_id):
                    if mid is not None:
                        delete.append((row.public_channel_id, mid))
            row.public_message_id = row.intro_message_id = None
            if row.public_state in ("queued", "batched", "posted"):
                row.public_state = "removed"
            if row.dm_state == "queued" and cancelled:
                row.dm_state = "none"
            return LeaveOutcome(tuple(delete), cancelled)

    # ------------------------------------------------------------ the flow

    async def _row(
        self, session: AsyncSession, guild_id: int, user_id: int, *, preview: bool
    ) -> Onboarding | None:
        return await session.scalar(
            select(Onboarding).where(
                Onboarding.guild_id == guild_id,
                Onboarding.user_id == user_id,
                Onboarding.preview.is_(preview),
            )
        )

    async def _flow_row(
        self, session: AsyncSession, guild_id: int, user_id: int, preview: bool
    ) -> Onboarding:
        row = await self._row(session, guild_id, user_id, preview=preview)
        if row is None:
            raise DomainError(
                "I don't have a welcome in progress for you there. Use **Start onboarding** in "
                "the server's welcome channel, or set your profile with `/profile set`."
            )
        if row.status == "completed":
            raise DomainError(copy_text("already_done"))
        return row

    def _mark_started(self, session: AsyncSession, row: Onboarding, now: datetime) -> None:
        if row.started_at is None:
            row.started_at = now
            if not row.preview:
                session.add(
                    WelcomeEvent(guild_id=row.guild_id, user_id=row.user_id, kind="started", at=now)
                )
        if row.status in ("welcomed", "screening"):
            row.status = "started"

    async def state(
        self, guild_id: int, user_id: int, *, preview: bool = False
    ) -> OnboardingState | None:
        async with self.db.read() as session:
            row = await self._row(session, guild_id, user_id, preview=preview)
            return _to_state(row) if row else None

    async def open_flow(
        self, guild_id: int, user_id: int, *, display_name: str, preview: bool = False
    ) -> OnboardingState:
        """Start (or resume) the flow inside the server; a preview always starts afresh."""
        now = self.clock.now()
        async with self.db.write() as session:
            row = await self._row(session, guild_id, user_id, preview=preview)
            if row is None:
                row = Onboarding(
                    guild_id=guild_id,
                    user_id=user_id,
                    preview=preview,
                    status="started",
                    step="niches",
                    niches=[],
                    display_name=display_name[:100] or "new mutual",
                    joins=1,
                    dm_state="none",
                    public_state="none",
                    joined_at=now,
                )
                session.add(row)
            elif preview:
                row.status, row.step, row.niches = "started", "niches", []
                row.tiktok_handle = row.intro = None
                row.completed_at = None
            if row.status != "completed":
                self._mark_started(session, row, now)
            await session.flush()
            return _to_state(row)

    async def choose_niches(
        self, guild_id: int, user_id: int, names: Sequence[str], *, preview: bool = False
    ) -> OnboardingState:
        available = await self.niches.list_niches(guild_id)
        if not names:
            raise DomainError("Pick at least one niche from the menu (up to 3).")
        chosen = match_niches(list(names), available)
        now = self.clock.now()
        async with self.db.write() as session:
            row = await self._flow_row(session, guild_id, user_id, preview)
            self._mark_started(session, row, now)
            row.niches = list(chosen)
            row.step = "profile"
            if not preview:
                await upsert_profile(session, guild_id, user_id, now, niches=list(chosen))
            await session.flush()
            return _to_state(row)

    async def save_handle(
        self,
        guild_id: int,
        user_id: int,
        handle: str,
        intro: str | None,
        *,
        preview: bool = False,
    ) -> OnboardingState:
        clean_handle = validate_handle(handle)
        clean_intro = (
            clean_line(intro, field="intro", max_len=200, allow_empty=True) if intro else ""
        ) or None
        now = self.clock.now()
        async with self.db.write() as session:
            row = await self._flow_row(session, guild_id, user_id, preview)
            self._mark_started(session, row, now)
            row.tiktok_handle, row.intro = clean_handle, clean_intro
            row.step = "norms" if row.niches else "niches"
            if not preview:
                await upsert_profile(
                    session, guild_id, user_id, now, tiktok_handle=clean_handle, intro=clean_intro
                )
            await session.flush()
            return _to_state(row)

    async def go_to(
        self, guild_id: int, user_id: int, step: str, *, preview: bool = False
    ) -> OnboardingState:
        """Redo a step (or move on to one already reachable)."""
        if step not in STEPS:
            raise DomainError("That step doesn't exist.")
        now = self.clock.now()
        async with self.db.write() as session:
            row = await self._flow_row(session, guild_id, user_id, preview)
            self._mark_started(session, row, now)
            if step == "norms" and not row.niches:
                step = "niches"
            row.step = step
            await session.flush()
            return _to_state(row)

    async def complete(
        self,
        guild_id: int,
        user_id: int,
        *,
        preview: bool = False,
        is_member: Callable[[int], bool] | None = None,
    ) -> Completion:
        """The newcomer accepted the norms: mark onboarded, pick who to invite, queue the intro."""
        now = self.clock.now()
        async with self.db.write() as session:
            cfg = await self._config(session, guild_id, now)
            row = await self._flow_row(session, guild_id, user_id, preview)
            if not row.niches:
                row.step = "niches"
                raise DomainError("Pick your niche first (step 1), then come back to the norms.")
            if not row.tiktok_handle:
                raise DomainError(
                    "Add your TikTok handle first (step 2), then come back to the norms."
                )
            self._mark_started(session, row, now)
            row.status, row.step, row.completed_at = "completed", "done", now
            invitees = await self._invitees(session, guild_id, user_id, row.niches, is_member)
            roles = await self._role_ids(session, guild_id, row.niches, cfg.autorole_id)
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
                    queued = await outbox.add_message(
                        session,
                        kind=outbox.CHANNEL,
                        target_id=channel_id,
                        payload={
                            "guild_id": guild_id,
                            "user_id": user_id,
                            "invitees": list(invitees),
                        },
                        now=now,
                        purpose=PURPOSE_INTRO,
                        guild_id=guild_id,
                        dedupe_key=_dedupe("intro", row),
                    )
            await session.flush()
            return Completion(_to_state(row), roles, invitees, queued, channel_id)

    async def _invitees(
        self,
        session: AsyncSession,
        guild_id: int,
        user_id: int,
        niches: Sequence[str],
        is_member: Callable[[int], bool] | None,
    ) -> tuple[int, ...]:
        """1-3 members sharing a niche: those sharing the most first, ties broken at random."""
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
            if overlap and (is_member is None or is_member(int(uid))):
                scored.append((-overlap, self.rng.random(), int(uid)))
        scored.sort()
        return tuple(uid for _, _, uid in scored[:MAX_INVITEES])

    async def _role_ids(
        self,
        session: AsyncSession,
        guild_id: int,
        niches: Sequence[str],
        autorole_id: int | None,
    ) -> tuple[int, ...]:
        keys = [niche_key(n) for n in niches]
        roles: list[int] = []
        if keys:
            found = (
                await session.scalars(
                    select(GuildNiche.role_id).where(
                        GuildNiche.guild_id == guild_id,
                        GuildNiche.key.in_(keys),
                        GuildNiche.enabled.is_(True),
                        GuildNiche.role_id.is_not(None),
                    )
                )
            ).all()
            roles += [int(r) for r in found if r is not None]
        if autorole_id is not None:
            roles.append(autorole_id)
        return tuple(dict.fromkeys(roles))

    # ------------------------------------------------------------ delivery results

    async def dm_result(self, guild_id: int, user_id: int, status: str) -> bool:
        """Record how the welcome DM went; True the first time DMs are found closed."""
        now = self.clock.now()
        async with self.db.write() as session:
            row = await self._row(session, guild_id, user_id, preview=False)
            if row is None:
                return False
            if status == "sent":
                row.dm_state = "sent"
            elif status == "dms_closed" and row.dm_state != "closed":
                row.dm_state = "closed"
                session.add(
                    WelcomeEvent(guild_id=guild_id, user_id=user_id, kind="dm_closed", at=now)
                )
                return True
            elif status == "failed" and row.dm_state == "queued":
                row.dm_state = "failed"
            return False

    async def public_post(self, guild_id: int, user_id: int) -> tuple[int, int] | None:
        """(channel id, message id) of the member's own public welcome, once it is posted."""
        async with self.db.read() as session:
            row = await self._row(session, guild_id, user_id, preview=False)
            if row is None or row.public_message_id is None or row.public_channel_id is None:
                return None
            return row.public_channel_id, row.public_message_id

    async def posted(
        self, guild_id: int, user_id: int, kind: str, channel_id: int, message_id: int
    ) -> None:
        """A public welcome (``public``) or introduction (``intro``) went out."""
        async with self.db.write() as session:
            row = await self._row(session, guild_id, user_id, preview=False)
            if row is None:
                return
            row.public_channel_id = channel_id
            if kind == "public":
                row.public_message_id = message_id
                row.public_state = "posted"
            else:
                row.intro_message_id = message_id

    # ------------------------------------------------------------ raid batches

    async def due_batches(self, now: datetime) -> list[BatchRef]:
        """Raid windows whose batched welcomes are ready to post (the window has closed)."""
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(
                        Onboarding.guild_id,
                        Onboarding.batch_window,
                        WelcomeConfig.raid_window_seconds,
                    )
                    .join(WelcomeConfig, WelcomeConfig.guild_id == Onboarding.guild_id)
                    .where(Onboarding.public_state == "batched")
                    .distinct()
                )
            ).all()
        refs = []
        for guild_id, start, seconds in rows:
            if start is None:
                continue
            due = start + timedelta(seconds=int(seconds))
            if due <= now:
                refs.append(BatchRef(int(guild_id), start, due))
        return sorted(refs, key=lambda r: r.due_at)

    async def flush_batch(self, guild_id: int, start: datetime) -> int:
        """Queue the raid window's welcome: one post naming everyone (split only by size)."""
        now = self.clock.now()
        async with self.db.write() as session:
            stmt = (
                select(Onboarding)
                .where(
                    Onboarding.guild_id == guild_id,
                    Onboarding.public_state == "batched",
                    Onboarding.batch_window == start,
                )
                .order_by(Onboarding.joined_at, Onboarding.id)
            )
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update()
            rows = (await session.scalars(stmt)).all()
            by_channel: dict[int, list[int]] = {}
            for row in rows:
                row.public_state = "batch_posted"
                if row.public_channel_id is not None:
                    by_channel.setdefault(row.public_channel_id, []).append(row.user_id)
            for channel_id, users in by_channel.items():
                chunks = [
                    users[i : i + BATCH_NAMES_PER_POST]
                    for i in range(0, len(users), BATCH_NAMES_PER_POST)
                ]
                for part, chunk in enumerate(chunks, start=1):
                    await outbox.add_message(
                        session,
                        kind=outbox.CHANNEL,
                        target_id=channel_id,
                        payload={
                            "guild_id": guild_id,
                            "user_ids": chunk,
                            "part": part,
                            "parts": len(chunks),
                            "total": len(users),
                        },
                        now=now,
                        purpose=PURPOSE_BATCH,
                        guild_id=guild_id,
                        dedupe_key=(
                            f"welcome_batch:{guild_id}:{channel_id}:{start.isoformat()}:{part}"
                        ),
                    )
            return len(rows)

    # ------------------------------------------------------------ stats

    async def stats(self, guild_id: int, periods: Sequence[int] = (7, 30)) -> list[PeriodStats]:
        now = self.clock.now()
        out = []
        async with self.db.read() as session:
            for days in periods:
                result = await session.execute(
                    select(WelcomeEvent.kind, func.count())
                    .where(
                        WelcomeEvent.guild_id == guild_id,
                        WelcomeEvent.at > now - timedelta(days=days),
                    )
                    .group_by(WelcomeEvent.kind)
                )
                counts: dict[str, int] = {str(k): int(n) for k, n in result.all()}
                out.append(
                    PeriodStats(
                        days=days,
                        joins=int(counts.get("join", 0)),
                        started=int(counts.get("started", 0)),
                        completed=int(counts.get("completed", 0)),
                        dms_closed=int(counts.get("dm_closed", 0)),
                    )
                )
        return out

    async def joins_recorded(self, guild_id: int) -> int:
        async with self.db.read() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(WelcomeEvent)
                    .where(WelcomeEvent.guild_id == guild_id, WelcomeEvent.kind == "join")
                )
                or 0
            )
