"""Member text held to the server's rules: before Mutuals re-posts a member's words publicly
(an intro, a shoutout blurb, a check-in win), they are checked against the guild's AutoMod
keyword rules as last read from Discord and the moderators' own blocked words, from stored data
(so any process checks the same way). A match is refused privately, naming the field.

Other capabilities call ``hold_to_rules`` inside their own transaction (refuse) or
``rulebook(...).allows`` (skip text accepted earlier when the rules changed since).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import N_, _, ngettext, use_locale
from core.outbox import CHANNEL, DM, add_message
from core.sql import insert_ignore
from models.guild import GuildSettings
from models.safety import SafetyAutomodRule, SafetyBlockedWord, SafetyRulesState
from services.languages import member_language, server_language
from services.safety.automod import EMPTY, Hit, RuleBook, RuleSpec, parse_rule

NOTICE_PURPOSE = "safety_rules_notice"
MAX_WORDS = 500
WORD_LEN = 60
CACHE_SIZE = 512
NO_ACCESS_NOTICE = N_(
    "🛡️ Heads up, mods: I can't read this server's AutoMod rules (that needs the **Manage "
    "Server** permission), so member text I re-post here (intros, shoutout blurbs, check-in wins) "
    "is only checked against the words you block with `/safety-words add`. Give Mutuals "
    "**Manage Server** and I'll hold it to your AutoMod keyword rules too: I pick them up by "
    "myself. I'll only say this once. 💞"
)


class TextNotAllowed(DomainError):
    """Member text that meets the server's rules: refused privately, naming the field."""

    def __init__(self, field: str, hit: Hit) -> None:
        # ``field`` is the English name the caller marked with N_ ("intro", "win"…)
        super().__init__(
            _(
                "Your {field} has a word this server's rules don't allow: `{hint}`. "
                "Reword your {field} and try again (nothing was posted). 💞",
                field=_(field),
                hint=hit.hint,
            )
        )
        self.field = field
        self.hit = hit


@dataclass(frozen=True)
class WordsChange:
    changed: tuple[str, ...]  # added (or removed)
    unchanged: tuple[str, ...]  # already there (or not there)
    total: int


@dataclass(frozen=True)
class RulesOverview:
    """What a moderator sees with ``/safety-words list``."""

    words: tuple[str, ...]
    rules: tuple[RuleSpec, ...]
    readable: bool | None  # None: never tried to read them
    refreshed_at: datetime | None
    unreadable_patterns: tuple[tuple[str, str], ...]


# ---------------------------------------------------------------------- checking


#: guild id -> (version, compiled rules); a process compiles a guild's rules once per change
_BOOKS: OrderedDict[int, tuple[str, RuleBook]] = OrderedDict()


def _spec(row: SafetyAutomodRule) -> RuleSpec:
    return RuleSpec(
        rule_id=row.rule_id,
        name=row.name,
        trigger_type=row.trigger_type,
        enabled=row.enabled,
        keywords=tuple(row.keywords or ()),
        regex_patterns=tuple(row.regex_patterns or ()),
        allow_list=tuple(row.allow_list or ()),
        presets=tuple(row.presets or ()),
    )


async def _stored_rules(session: AsyncSession, guild_id: int) -> list[RuleSpec]:
    rows = await session.scalars(
        select(SafetyAutomodRule)
        .where(SafetyAutomodRule.guild_id == guild_id)
        .order_by(SafetyAutomodRule.rule_id)
    )
    return [_spec(r) for r in rows]


async def _stored_words(session: AsyncSession, guild_id: int) -> list[str]:
    rows = await session.scalars(
        select(SafetyBlockedWord.word)
        .where(SafetyBlockedWord.guild_id == guild_id)
        .order_by(SafetyBlockedWord.word)
    )
    return list(rows)


async def rulebook(session: AsyncSession, guild_id: int) -> RuleBook:
    """The guild's rules as stored, compiled (inside the caller's transaction). The version is
    read first: rules changing meanwhile are seen as changed at the next check."""
    version = await session.scalar(
        select(SafetyRulesState.version).where(SafetyRulesState.guild_id == guild_id)
    )
    if version is None:
        return EMPTY
    cached = _BOOKS.get(guild_id)
    if cached is not None and cached[0] == version:
        _BOOKS.move_to_end(guild_id)
        return cached[1]
    book = RuleBook(await _stored_rules(session, guild_id), await _stored_words(session, guild_id))
    _BOOKS[guild_id] = (version, book)
    while len(_BOOKS) > CACHE_SIZE:
        _BOOKS.popitem(last=False)
    return book


async def hold_to_rules(
    session: AsyncSession, guild_id: int, fields: Mapping[str, str | None]
) -> None:
    """Refuse (TextNotAllowed, naming the field) member text about to be posted publicly that
    meets the guild's rules; ``fields`` maps what the member calls it ("intro", "blurb",
    "content warning", "win") to the text."""
    book = await rulebook(session, guild_id)
    for field, text in fields.items():
        hit = book.find(text)
        if hit is not None:
            raise TextNotAllowed(field, hit)


# ---------------------------------------------------------------------- moderators' words


def clean_words(raw: str) -> list[str]:
    """Comma- (or line-) separated words as moderators type them: trimmed, case-folded, no
    control characters, each within AutoMod's 60 characters and more than wildcards."""
    out: list[str] = []
    for part in raw.replace("\n", ",").split(","):
        word = " ".join(part.split()).casefold()
        word = "".join(ch for ch in word if unicodedata.category(ch) not in ("Cc", "Cf"))
        if not word:
            continue
        if len(word) > WORD_LEN:
            raise DomainError(
                ngettext(
                    "`{word}…` is {n} character; keep each word or phrase to {most} or fewer "
                    "(like AutoMod) and try again.",
                    "`{word}…` is {n} characters; keep each word or phrase to {most} or fewer "
                    "(like AutoMod) and try again.",
                    len(word),
                    word=word[:20],
                    most=WORD_LEN,
                )
            )
        if not word.replace("*", "").strip():
            raise DomainError(
                _(
                    "A word can't be only `*`. Use `word` (whole word), `word*` (starts with), "
                    "`*word` (ends with) or `*word*` (anywhere)."
                )
            )
        if word not in out:
            out.append(word)
    if not out:
        raise DomainError(
            _("Type the words to block, separated by commas, e.g. `cringe, *scam*`. 🛡️")
        )
    return out


async def _state(session: AsyncSession, guild_id: int) -> SafetyRulesState:
    await insert_ignore(
        session, SafetyRulesState, [{"guild_id": guild_id, "version": ""}], ["guild_id"]
    )
    stmt = select(SafetyRulesState).where(SafetyRulesState.guild_id == guild_id)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    state = await session.scalar(stmt)
    assert state is not None
    return state


def _changed(state: SafetyRulesState) -> None:
    state.version = uuid.uuid4().hex


def _rule_row(guild_id: int, spec: RuleSpec, now: datetime) -> dict[str, Any]:
    return {
        "guild_id": guild_id,
        "rule_id": spec.rule_id,
        "name": spec.name,
        "trigger_type": spec.trigger_type,
        "enabled": spec.enabled,
        "keywords": list(spec.keywords),
        "regex_patterns": list(spec.regex_patterns),
        "allow_list": list(spec.allow_list),
        "presets": list(spec.presets),
        "updated_at": now,
    }


class TextRulesService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ------------------------------------------------------------------ checking

    async def rulebook(self, guild_id: int) -> RuleBook:
        async with self.db.read() as session:
            return await rulebook(session, guild_id)

    async def check(self, guild_id: int, fields: Mapping[str, str | None]) -> None:
        """``hold_to_rules`` in its own read: for a caller (e.g. part of a form) that checks
        before its own transaction."""
        async with self.db.read() as session:
            await hold_to_rules(session, guild_id, fields)

    # ------------------------------------------------------------------ Discord's rules

    async def rules_read(self, guild_id: int, payloads: Sequence[Mapping[str, Any]]) -> int:
        """Every AutoMod rule of the guild, just read from Discord: they replace what was
        stored. Returns how many rules hold member text now."""
        specs = [s for s in (parse_rule(p) for p in payloads) if s is not None]
        now = self.clock.now()
        async with self.db.write() as session:
            state = await _state(session, guild_id)
            await session.execute(
                delete(SafetyAutomodRule).where(SafetyAutomodRule.guild_id == guild_id)
            )
            if specs:
                await insert_ignore(
                    session,
                    SafetyAutomodRule,
                    [_rule_row(guild_id, s, now) for s in specs],
                    ["guild_id", "rule_id"],
                )
            state.readable, state.refreshed_at, state.told_at = True, now, None
            _changed(state)
        return sum(1 for s in specs if s.applied)

    async def rule_changed(self, guild_id: int, payload: Mapping[str, Any]) -> None:
        """A rule was created or edited (gateway event): stored as Discord now describes it."""
        spec = parse_rule(payload)
        now = self.clock.now()
        async with self.db.write() as session:
            state = await _state(session, guild_id)
            await session.execute(
                delete(SafetyAutomodRule).where(
                    SafetyAutomodRule.guild_id == guild_id,
                    SafetyAutomodRule.rule_id == int(payload["id"]),
                )
            )
            if spec is not None:
                session.add(SafetyAutomodRule(**_rule_row(guild_id, spec, now)))
            state.readable, state.told_at = True, None
            _changed(state)

    async def rule_deleted(self, guild_id: int, rule_id: int) -> None:
        async with self.db.write() as session:
            state = await _state(session, guild_id)
            await session.execute(
                delete(SafetyAutomodRule).where(
                    SafetyAutomodRule.guild_id == guild_id, SafetyAutomodRule.rule_id == rule_id
                )
            )
            _changed(state)

    async def rules_unreadable(self, guild_id: int, *, owner_id: int | None) -> bool:
        """Discord's rules can't be read (no Manage Server): the bot goes by the moderators'
        words alone (rules it can't keep fresh are dropped) and tells the moderators once, in
        the log channel or else by DM to the server's owner. True when it told them now."""
        now = self.clock.now()
        # written now, in the language of whoever reads it (read before the write transaction)
        with use_locale(await server_language(self.db, guild_id)):
            for_channel = _(NO_ACCESS_NOTICE)
        owner_language = (
            await member_language(self.db, guild_id, owner_id) if owner_id is not None else None
        )
        with use_locale(owner_language):
            for_owner = _(NO_ACCESS_NOTICE)
        async with self.db.write() as session:
            state = await _state(session, guild_id)
            if state.readable is not False:
                await session.execute(
                    delete(SafetyAutomodRule).where(SafetyAutomodRule.guild_id == guild_id)
                )
                state.readable = False
                _changed(state)
            if state.told_at is not None:
                return False
            settings = await session.get(GuildSettings, guild_id)
            if settings is not None and settings.log_channel_id:
                kind, target = CHANNEL, settings.log_channel_id
            elif owner_id is not None:
                kind, target = DM, owner_id
            else:
                return False
            state.told_at = now
            await add_message(
                session,
                kind=kind,
                target_id=target,
                payload={"content": for_channel if kind == CHANNEL else for_owner},
                now=now,
                purpose=NOTICE_PURPOSE,
                guild_id=guild_id,
                dedupe_key=f"safety-rules-notice:{guild_id}:{now.isoformat()}",
            )
            return True

    # ------------------------------------------------------------------ moderators' words

    async def add_words(self, guild_id: int, raw: str) -> WordsChange:
        words = clean_words(raw)
        now = self.clock.now()
        async with self.db.write() as session:
            state = await _state(session, guild_id)
            have = set(await _stored_words(session, guild_id))
            new = [w for w in words if w not in have]
            if len(have) + len(new) > MAX_WORDS:
                raise DomainError(
                    ngettext(
                        "That would make {n} word; the list holds {most}. Remove some with "
                        "`/safety-words remove` first.",
                        "That would make {n} words; the list holds {most}. Remove some with "
                        "`/safety-words remove` first.",
                        len(have) + len(new),
                        most=MAX_WORDS,
                    )
                )
            if new:
                await insert_ignore(
                    session,
                    SafetyBlockedWord,
                    [{"guild_id": guild_id, "word": w, "added_at": now} for w in new],
                    ["guild_id", "word"],
                )
                _changed(state)
            return WordsChange(
                tuple(new), tuple(w for w in words if w in have), len(have) + len(new)
            )

    async def remove_words(self, guild_id: int, raw: str) -> WordsChange:
        words = clean_words(raw)
        async with self.db.write() as session:
            state = await _state(session, guild_id)
            have = set(await _stored_words(session, guild_id))
            gone = [w for w in words if w in have]
            if not gone:
                shown = ", ".join(f"`{w}`" for w in words[:5])
                raise DomainError(
                    ngettext(
                        "{words} isn't on this server's list. See it with `/safety-words list`.",
                        "{words} aren't on this server's list. See it with `/safety-words list`.",
                        len(words),
                        words=shown,
                    )
                )
            await session.execute(
                delete(SafetyBlockedWord).where(
                    SafetyBlockedWord.guild_id == guild_id, SafetyBlockedWord.word.in_(gone)
                )
            )
            _changed(state)
            return WordsChange(
                tuple(gone), tuple(w for w in words if w not in have), len(have) - len(gone)
            )

    async def word_choices(self, guild_id: int, query: str) -> list[str]:
        async with self.db.read() as session:
            words = await _stored_words(session, guild_id)
        q = query.casefold().strip()
        return [w for w in words if q in w][:25]

    async def overview(self, guild_id: int) -> RulesOverview:
        async with self.db.read() as session:
            state = await session.get(SafetyRulesState, guild_id)
            book = await rulebook(session, guild_id)
            return RulesOverview(
                words=tuple(await _stored_words(session, guild_id)),
                rules=tuple(await _stored_rules(session, guild_id)),
                readable=state.readable if state is not None else None,
                refreshed_at=state.refreshed_at if state is not None else None,
                unreadable_patterns=tuple(book.unreadable()),
            )
