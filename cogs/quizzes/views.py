"""Quiz buttons and forms. The buttons are persistent (their state is in the custom id), so a
click on a message from before a restart still gets a clear answer, never "interaction failed".

Answers are acknowledged first (``core.interactions.acknowledge``: within milliseconds, however
many members click in the same second) and recorded in a batch with everyone else's; "Locked
in" is only said once the answer is committed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import date, datetime
from typing import TypeVar

import discord
from discord import app_commands

# The cog module imports this one; its class is only looked up when someone clicks.
from cogs.quizzes import cog as quiz_cog
from cogs.quizzes.render import LETTERS, daily_result_text
from core.components import PersistentButton, cog_of
from core.errors import DomainError
from core.i18n import _
from core.interactions import (
    MutualsModal,
    is_moderator,
    outcome_within,
    replace_message,
    reply,
)
from core.text import truncate
from services.quizzes import DailyTerm, OpenQuestion, QuizService

T = TypeVar("T")


async def in_their_language(work: Awaitable[T]) -> T:
    """The outcome of a batched answer: it was judged in the batch's task, where no member's
    language is known, so a refusal carries its English message; say it in the member's."""
    try:
        return await work
    except DomainError as refused:
        refused.message = _(refused.message)
        refused.args = (refused.message,)
        raise


def _quizzes(interaction: discord.Interaction) -> QuizService:
    return cog_of(interaction.client, quiz_cog.QuizCog).quizzes


def _day_token(day: date) -> str:
    return day.strftime("%Y%m%d")


def _parse_day(token: str) -> date:
    return datetime.strptime(token, "%Y%m%d").date()


class ChoiceButton(
    PersistentButton, template=r"mutuals:qz:(?P<game>\d+):(?P<index>\d+):(?P<option>[0-3])"
):
    """One answer button of a game question."""

    direct = True  # a crowd's hot path

    def __init__(self, game_id: int, index: int, option: int, *, label: str = "?") -> None:
        super().__init__(
            custom_id=f"mutuals:qz:{game_id}:{index}:{option}", label=truncate(label, 80)
        )
        self.game_id, self.index, self.option = game_id, index, option

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> ChoiceButton:
        return cls(
            int(match["game"]), int(match["index"]), int(match["option"]), label=label or "?"
        )

    async def pressed(self, interaction: discord.Interaction) -> None:
        answer = _quizzes(interaction).games.receive(
            self.game_id, self.index, interaction.user.id, option=self.option
        )
        await outcome_within(interaction, in_their_language(answer))
        await reply(
            interaction,
            _(
                "Locked in **{letter}**! 🔒 The reveal comes when the timer ends.",
                letter=LETTERS[self.option],
            ),
        )


class DailyOpenButton(PersistentButton, template=r"mutuals:qd:(?P<day>\d{8})"):
    """On the channel post: opens today's term privately for whoever taps it."""

    def __init__(self, day: date) -> None:
        super().__init__(
            custom_id=f"mutuals:qd:{_day_token(day)}",
            label=_("Answer the term of the day"),
            emoji="🌅",
        )
        self.day = day

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> DailyOpenButton:
        return cls(_parse_day(match["day"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        cog = cog_of(interaction.client, quiz_cog.QuizCog)
        await cog.show_daily(interaction, expected_day=self.day)


class DailyChoiceButton(PersistentButton, template=r"mutuals:qdc:(?P<day>\d{8}):(?P<option>[0-3])"):
    direct = True  # everyone answers the term of the day when it's posted

    def __init__(self, day: date, option: int, *, label: str = "?") -> None:
        super().__init__(
            custom_id=f"mutuals:qdc:{_day_token(day)}:{option}", label=truncate(label, 80)
        )
        self.day, self.option = day, option

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> DailyChoiceButton:
        return cls(_parse_day(match["day"]), int(match["option"]), label=label or "?")

    async def pressed(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        answer = _quizzes(interaction).daily.answer(
            interaction.guild.id, interaction.user.id, option=self.option, day=self.day
        )
        result = await outcome_within(interaction, in_their_language(answer), update=True)
        await replace_message(interaction, daily_result_text(result))


class DailyTypeButton(PersistentButton, template=r"mutuals:qdt:(?P<day>\d{8})"):
    def __init__(self, day: date) -> None:
        super().__init__(
            custom_id=f"mutuals:qdt:{_day_token(day)}", label=_("Type my answer"), emoji="✍️"
        )
        self.day = day

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> DailyTypeButton:
        return cls(_parse_day(match["day"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(DailyAnswerModal(self.day))


PERSISTENT_BUTTONS = (ChoiceButton, DailyOpenButton, DailyChoiceButton, DailyTypeButton)


class DailyAnswerModal(MutualsModal):
    def __init__(self, day: date) -> None:
        super().__init__(title=_("Term of the day"), custom_id=f"mutuals:qdm:{_day_token(day)}")
        self.answer: discord.ui.TextInput[DailyAnswerModal] = discord.ui.TextInput(
            label=_("Your answer"), max_length=100, placeholder=_("Small typos are fine")
        )
        self.add_item(self.answer)
        self.day = day

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        assert interaction.guild is not None
        answer = _quizzes(interaction).daily.answer(
            interaction.guild.id, interaction.user.id, text=self.answer.value, day=self.day
        )
        result = await outcome_within(interaction, in_their_language(answer))
        await reply(interaction, daily_result_text(result))


class AddQuestionModal(MutualsModal):
    def __init__(self, category: str, difficulty: str) -> None:
        super().__init__(title=_("Add a quiz question"), custom_id="mutuals:quiz-add")
        self.category, self.difficulty = category, difficulty
        self.prompt: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
            label=_("Question"), style=discord.TextStyle.paragraph, max_length=300
        )
        self.answer: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
            label=_("Right answer"), max_length=70
        )
        self.wrong: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
            label=_("3 wrong options (one per line)"),
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=250,
            placeholder=_("Leave empty for a typed-answer question"),
        )
        self.accepted: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
            label=_("Other accepted answers (typed answers)"),
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=300,
            placeholder=_("One per line, e.g. a plural or a short form"),
        )
        self.explanation: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
            label=_("Explanation shown at the reveal"),
            style=discord.TextStyle.paragraph,
            max_length=500,
        )
        for item in (self.prompt, self.answer, self.wrong, self.accepted, self.explanation):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        assert interaction.guild is not None
        if not is_moderator(interaction):
            raise app_commands.MissingPermissions(["manage_guild"])
        question = await _quizzes(interaction).admin.add_question(
            interaction.guild.id,
            interaction.user.id,
            category=self.category,
            difficulty=self.difficulty,
            prompt=self.prompt.value,
            answer=self.answer.value,
            wrong_options=self.wrong.value,
            accepted=self.accepted.value,
            explanation=self.explanation.value,
        )
        kind = _("multiple choice") if question.kind == "choice" else _("typed answer")
        await reply(
            interaction,
            _(
                "Added `{id}` to **{category}** ({kind}). It'll show up in games and as a term "
                "of the day. 💞",
                id=question.id,
                category=question.category_label,
                kind=kind,
            ),
        )


# ---------------------------------------------------------------------- views


def answer_view(asked: OpenQuestion, *, revealed: bool = False) -> discord.ui.View | None:
    """The four answer buttons of a multiple-choice question (None for a typed answer);
    revealed: all disabled, the right one green."""
    q = asked.question
    if q.kind != "choice":
        return None
    view = discord.ui.View(timeout=None)
    for i, option in enumerate(q.options):
        button = ChoiceButton(asked.game_id, asked.index, i, label=f"{LETTERS[i]} · {option}")
        if revealed:
            button.item.disabled = True
            button.item.style = (
                discord.ButtonStyle.success
                if i == q.correct_option
                else discord.ButtonStyle.secondary
            )
        view.add_item(button)
    return view


def daily_view(term: DailyTerm) -> discord.ui.View:
    """Today's term, privately: its options as buttons, or a button that opens the form."""
    view = discord.ui.View(timeout=None)
    q = term.question
    if q.kind == "choice":
        for i, option in enumerate(q.options):
            view.add_item(DailyChoiceButton(term.day, i, label=f"{LETTERS[i]} · {option}"))
    else:
        view.add_item(DailyTypeButton(term.day))
    return view


def daily_post_view(day: date) -> discord.ui.View:
    """Under the channel post: one button that opens the term for whoever taps it."""
    view = discord.ui.View(timeout=None)
    view.add_item(DailyOpenButton(day))
    return view
