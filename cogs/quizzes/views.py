"""Quiz buttons and forms. The buttons are persistent (their state is in the custom id), so a
click on a message from before a restart still gets a clear answer, never "interaction failed".

Answers are acknowledged first (``core.interactions.acknowledge``: within milliseconds, however
many members click in the same second) and recorded in a batch with everyone else's; "Locked
in" is only said once the answer is committed.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import discord
from discord import app_commands

# The cog module imports this one; its class is only looked up when someone clicks.
from cogs.quizzes import cog as quiz_cog
from cogs.quizzes.render import LETTERS, daily_result_text
from core.components import PersistentButton, cog_of
from core.interactions import (
    MutualsModal,
    is_moderator,
    outcome_within,
    replace_message,
    reply,
)
from core.text import truncate
from services.quizzes import DailyTerm, OpenQuestion, QuizService


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
        await outcome_within(interaction, answer)
        await reply(
            interaction,
            f"Locked in **{LETTERS[self.option]}**! 🔒 The reveal comes when the timer ends.",
        )


class DailyOpenButton(PersistentButton, template=r"mutuals:qd:(?P<day>\d{8})"):
    """On the channel post: opens today's term privately for whoever taps it."""

    def __init__(self, day: date) -> None:
        super().__init__(
            custom_id=f"mutuals:qd:{_day_token(day)}",
            label="Answer the term of the day",
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
        result = await outcome_within(interaction, answer, update=True)
        await replace_message(interaction, daily_result_text(result))


class DailyTypeButton(PersistentButton, template=r"mutuals:qdt:(?P<day>\d{8})"):
    def __init__(self, day: date) -> None:
        super().__init__(
            custom_id=f"mutuals:qdt:{_day_token(day)}", label="Type my answer", emoji="✍️"
        )
        self.day = day

    @classmethod
    def from_match(cls, match: re.Match[str], label: str | None) -> DailyTypeButton:
        return cls(_parse_day(match["day"]))

    async def pressed(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(DailyAnswerModal(self.day))


PERSISTENT_BUTTONS = (ChoiceButton, DailyOpenButton, DailyChoiceButton, DailyTypeButton)


class DailyAnswerModal(MutualsModal):
    answer: discord.ui.TextInput[DailyAnswerModal] = discord.ui.TextInput(
        label="Your answer", max_length=100, placeholder="Small typos are fine"
    )

    def __init__(self, day: date) -> None:
        super().__init__(title="Term of the day", custom_id=f"mutuals:qdm:{_day_token(day)}")
        self.day = day

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        assert interaction.guild is not None
        answer = _quizzes(interaction).daily.answer(
            interaction.guild.id, interaction.user.id, text=self.answer.value, day=self.day
        )
        result = await outcome_within(interaction, answer)
        await reply(interaction, daily_result_text(result))


class AddQuestionModal(MutualsModal):
    prompt: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
        label="Question", style=discord.TextStyle.paragraph, max_length=300
    )
    answer: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
        label="Right answer", max_length=70
    )
    wrong: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
        label="3 wrong options (one per line)",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=250,
        placeholder="Leave empty for a typed-answer question",
    )
    accepted: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
        label="Other accepted answers (typed answers)",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=300,
        placeholder="One per line, e.g. a plural or a short form",
    )
    explanation: discord.ui.TextInput[AddQuestionModal] = discord.ui.TextInput(
        label="Explanation shown at the reveal",
        style=discord.TextStyle.paragraph,
        max_length=500,
    )

    def __init__(self, category: str, difficulty: str) -> None:
        super().__init__(title="Add a quiz question", custom_id="mutuals:quiz-add")
        self.category, self.difficulty = category, difficulty

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
        kind = "multiple choice" if question.kind == "choice" else "typed answer"
        await reply(
            interaction,
            f"Added `{question.id}` to **{question.category_label}** ({kind}). "
            "It'll show up in games and as a term of the day. 💞",
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
