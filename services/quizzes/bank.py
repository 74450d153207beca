"""The questions a server draws from: the shipped pack in its language (English when there is
none) plus its own, minus the categories its moderators switched off. Read inside the caller's
transaction."""

from __future__ import annotations

import random
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.i18n import SOURCE, _
from models.guild import GuildLanguage
from models.quizzes import QuizDisabledCategory, QuizQuestion
from services.languages import ServerLanguage
from services.quizzes.questions import CATEGORIES, Question, require_category
from services.quizzes.shipped import PackChoice, ShippedPacks


def question_from_row(row: QuizQuestion) -> Question:
    return Question(
        key=row.key,
        id=row.key.split(":", 1)[1],
        category=row.category,
        kind=row.kind,
        prompt=row.prompt,
        options=tuple(row.options or ()),
        answer=row.answer,
        accepted=tuple(row.accepted or ()),
        difficulty=row.difficulty,
        explanation=row.explanation,
        hint=row.hint,
    )


class QuestionBank:
    """Shared by games, question management and the daily term, so all three see the same
    shipped questions and draw with the same random source."""

    def __init__(self, shipped: ShippedPacks, rng: random.Random) -> None:
        self.shipped = shipped
        self.rng = rng

    @property
    def builtin(self) -> tuple[Question, ...]:
        """The English pack, every language's fallback."""
        return self.shipped.by_language[SOURCE]

    @builtin.setter
    def builtin(self, questions: Iterable[Question]) -> None:
        self.shipped = self.shipped.replace(SOURCE, questions)

    async def choice(self, session: AsyncSession, guild_id: int) -> PackChoice:
        """The shipped pack this server plays: its language's (read in this transaction, so a
        game and its note agree), else English."""
        row = await session.get(GuildLanguage, guild_id)
        setting = (
            ServerLanguage(row.chosen, row.discord_locale) if row else ServerLanguage(None, None)
        )
        return self.shipped.for_language(setting.language)

    async def disabled(self, session: AsyncSession, guild_id: int) -> set[str]:
        rows = await session.scalars(
            select(QuizDisabledCategory.category).where(QuizDisabledCategory.guild_id == guild_id)
        )
        return set(rows.all())

    async def custom(self, session: AsyncSession, guild_id: int) -> list[Question]:
        rows = await session.scalars(
            select(QuizQuestion).where(QuizQuestion.guild_id == guild_id).order_by(QuizQuestion.id)
        )
        return [question_from_row(r) for r in rows.all()]

    async def pool(
        self,
        session: AsyncSession,
        guild_id: int,
        category: str | None,
        *,
        choice: PackChoice | None = None,
    ) -> list[Question]:
        """Every question a game (of ``category``, or any) or a daily term may ask here."""
        disabled = await self.disabled(session, guild_id)
        if category is not None:
            require_category(category)
            if category in disabled:
                raise DomainError(
                    _(
                        "The **{category}** category is switched off on this server. Pick "
                        "another one, or ask a moderator to enable it.",
                        category=_(CATEGORIES[category]),
                    )
                )
        shipped = (choice or await self.choice(session, guild_id)).questions
        pool = [*shipped, *await self.custom(session, guild_id)]
        return [
            q
            for q in pool
            if q.category not in disabled and (category is None or q.category == category)
        ]

    async def taken_ids(self, session: AsyncSession, guild_id: int) -> set[str]:
        """Ids a new server question can't use: its own and the shipped ones (any language)."""
        keys = await session.scalars(
            select(QuizQuestion.key).where(QuizQuestion.guild_id == guild_id)
        )
        return {k.split(":", 1)[1] for k in keys.all()} | self.shipped.ids()
