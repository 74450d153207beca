"""Moderators' question management: the server's own questions (added one by one or imported
all or nothing), pack export, and switching categories off and on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import DomainError, NotFound
from core.i18n import _
from core.sql import insert_ignore
from models.quizzes import QuizDisabledCategory, QuizQuestion
from services.quizzes.bank import QuestionBank
from services.quizzes.inputs import new_question_id, question_form, validate_form
from services.quizzes.packs import dump_pack, parse_pack_bytes, validate_pack
from services.quizzes.questions import CATEGORIES, Question, require_category


class QuizAdmin:
    def __init__(self, db: Database, clock: Clock, bank: QuestionBank) -> None:
        self.db = db
        self.clock = clock
        self.bank = bank

    async def questions(self, guild_id: int, category: str | None = None) -> list[Question]:
        async with self.db.read() as session:
            return await self.bank.pool(session, guild_id, category)

    async def category_counts(self, guild_id: int) -> dict[str, tuple[int, bool]]:
        """{category: (questions, enabled)}."""
        async with self.db.read() as session:
            disabled = await self.bank.disabled(session, guild_id)
            shipped = (await self.bank.choice(session, guild_id)).questions
            pool = [*shipped, *await self.bank.custom(session, guild_id)]
        return {c: (sum(1 for q in pool if q.category == c), c not in disabled) for c in CATEGORIES}

    async def set_category_enabled(self, guild_id: int, category: str, enabled: bool) -> bool:
        """True if that changed something."""
        require_category(category)
        async with self.db.write() as session:
            if enabled:
                row = await session.get(QuizDisabledCategory, (guild_id, category))
                if row is None:
                    return False
                await session.delete(row)
                return True
            disabled = await self.bank.disabled(session, guild_id)
            if len(disabled | {category}) == len(CATEGORIES):
                raise DomainError(
                    _(
                        "That would switch off every category and leave no questions. "
                        "Keep at least one on."
                    )
                )
            return (
                await insert_ignore(
                    session,
                    QuizDisabledCategory,
                    [{"guild_id": guild_id, "category": category}],
                    ["guild_id", "category"],
                )
                == 1
            )

    async def _insert(
        self, session: AsyncSession, guild_id: int, user_id: int, questions: list[Question]
    ) -> None:
        now = self.clock.now()
        session.add_all(
            QuizQuestion(
                guild_id=guild_id,
                key=q.key,
                category=q.category,
                kind=q.kind,
                prompt=q.prompt,
                options=list(q.options),
                answer=q.answer,
                accepted=list(q.accepted),
                difficulty=q.difficulty,
                explanation=q.explanation,
                hint=q.hint,
                created_by=user_id,
                created_at=now,
            )
            for q in questions
        )

    async def add_question(
        self,
        guild_id: int,
        user_id: int,
        *,
        category: str,
        difficulty: str,
        prompt: str,
        answer: str,
        wrong_options: str,
        accepted: str,
        explanation: str,
    ) -> Question:
        """``/quiz add``: 3 wrong options (one per line) make it multiple choice, none free."""
        raw = question_form(
            category=category,
            difficulty=difficulty,
            prompt=prompt,
            answer=answer,
            wrong_options=wrong_options,
            accepted=accepted,
            explanation=explanation,
        )
        async with self.db.write() as session:
            raw["id"] = new_question_id(raw["answer"], await self.bank.taken_ids(session, guild_id))
            question = validate_form(raw)
            if question.kind == "choice":
                # the right answer is typed first in the form: shuffle so it isn't always A
                options = list(question.options)
                self.bank.rng.shuffle(options)
                question = Question(**{**question.__dict__, "options": tuple(options)})
            await self._insert(session, guild_id, user_id, [question])
        return question

    async def import_pack(
        self, guild_id: int, user_id: int, data: bytes, filename: str
    ) -> list[Question]:
        """All or nothing: PackErrors (a DomainError) lists every problem by question and field."""
        raw = parse_pack_bytes(data, filename)
        async with self.db.write() as session:
            taken = await self.bank.taken_ids(session, guild_id)
            questions = validate_pack(raw, key_prefix="g", existing_ids=taken)
            await self._insert(session, guild_id, user_id, questions)
        return questions

    async def export_pack(self, guild_id: int, *, include_builtin: bool) -> tuple[bytes, int]:
        async with self.db.read() as session:
            custom = await self.bank.custom(session, guild_id)
            shipped = (await self.bank.choice(session, guild_id)).questions
        questions = [*shipped, *custom] if include_builtin else custom
        if not questions:
            raise NotFound(
                _(
                    "This server hasn't added any questions yet. Add one with `/quiz-mod add`, "
                    "or export with `include_builtin:True` to get the shipped packs as a "
                    "template."
                )
            )
        return dump_pack("mutuals-server-pack", questions), len(questions)
