"""/quiz (members) and /quiz-mod (moderators): slang quizzes on the fam's lingo.

The cog only turns Discord objects into ids and text, calls ``services.quizzes``
and formats what comes back. A channel game is a task (``GameRunner``)
that asks one question at a time; its state lives in the database, so a gateway reconnect
changes nothing, and a restart ends the game cleanly (``interrupt_open_games`` at load).
Answer buttons are ``DynamicItem``s: a click on a message from before a restart still gets a
clear answer instead of "interaction failed".
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import BRAND, timezone_choices
from core.errors import DomainError
from core.interactions import ModGroup, MutualsModal, guarded, is_moderator, reply
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.tasks import spawn
from core.text import truncate
from services.container import Services
from services.quizzes import (
    CATEGORIES,
    DEFAULT_QUESTIONS,
    DEFAULT_TIMER,
    INTERRUPTED_PURPOSE,
    MAX_QUESTIONS,
    MAX_TIMER,
    MIN_QUESTIONS,
    MIN_TIMER,
    POST_PURPOSE,
    BoardRow,
    DailyResult,
    DailyTerm,
    GameEnd,
    GameInfo,
    OpenQuestion,
    Question,
    Reveal,
    Standing,
    check_upload,
    from_snapshot,
    hint_for,
)

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger("mutuals.quiz")

LETTERS = "ABCD"
MEDALS = ("🥇", "🥈", "🥉")
STARS = {"easy": "⭐", "medium": "⭐⭐", "hard": "⭐⭐⭐"}
DAILY_JOB = "quiz:daily"
CATEGORY_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in CATEGORIES.items()]
DIFFICULTY_CHOICES = [
    app_commands.Choice(name=f"{name} {STARS[name]}", value=name) for name in STARS
]
PERIOD_CHOICES = [
    app_commands.Choice(name="This week", value="week"),
    app_commands.Choice(name="This month", value="month"),
    app_commands.Choice(name="All time", value="all"),
]
PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}


def cog_of(interaction: discord.Interaction) -> QuizCog:
    cog = interaction.client.get_cog("QuizCog")  # type: ignore[attr-defined]
    if not isinstance(cog, QuizCog):
        raise DomainError("Quizzes are taking a nap right now. Try again in a moment!")
    return cog


def _day_token(day: date) -> str:
    return day.strftime("%Y%m%d")


def _parse_day(token: str) -> date:
    return datetime.strptime(token, "%Y%m%d").date()


# ---------------------------------------------------------------------- formatting


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


def question_embed(asked: OpenQuestion, *, hint: bool = False) -> discord.Embed:
    q = asked.question
    lines = [q.prompt]
    if q.kind == "choice":
        lines.append("")
        lines += [f"**{LETTERS[i]}** · {opt}" for i, opt in enumerate(q.options)]
    embed = discord.Embed(
        title=f"Question {asked.index + 1}/{asked.total} · {q.category_label}",
        description=truncate("\n".join(lines), 4096),
        color=BRAND,
    )
    ends = int((asked.started_at + timedelta(seconds=asked.timer_seconds)).timestamp())
    embed.add_field(name="Difficulty", value=STARS.get(q.difficulty, q.difficulty))
    embed.add_field(name="Timer", value=f"{asked.timer_seconds}s · ends <t:{ends}:R>")
    if hint and q.kind == "free":
        embed.add_field(name="💡 Hint", value=f"`{q.hint or hint_for(q.answer)}`", inline=False)
    embed.set_footer(
        text="Tap your answer! Faster answers earn more points."
        if q.kind == "choice"
        else "Type your answer in the chat! Small typos are fine, faster earns more."
    )
    return embed


def answer_view(asked: OpenQuestion, *, revealed: bool = False) -> discord.ui.View | None:
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


def reveal_embed(reveal: Reveal) -> discord.Embed:
    q = reveal.question
    answer = (
        f"**{LETTERS[q.correct_option]} · {q.answer}**" if q.kind == "choice" else f"**{q.answer}**"
    )
    embed = discord.Embed(
        title=f"⏱️ Time's up! Question {reveal.index + 1}",
        description=truncate(f"The answer: {answer}\n\n{q.explanation}", 4096),
        color=BRAND,
    )
    if reveal.winners:
        parts = [f"{_mention(u)} +{p:,}" for u, p in reveal.winners]
        value = ", ".join(parts)
        if len(value) > 1000:
            shown: list[str] = []
            for part in parts:
                if len(", ".join([*shown, part])) > 960:
                    break
                shown.append(part)
            value = ", ".join(shown) + f" …and {len(parts) - len(shown)} more"
        embed.add_field(name=f"✅ Got it ({len(reveal.winners)})", value=value, inline=False)
    else:
        embed.add_field(
            name="✅ Got it",
            value="Nobody this time. The algorithm hates us again 😅",
            inline=False,
        )
    return embed


def standings_lines(rows: list[tuple[int, int, int]], limit: int = 15) -> str:
    lines = []
    for place, (user_id, points, correct) in enumerate(rows[:limit]):
        badge = MEDALS[place] if place < len(MEDALS) else f"**{place + 1}.**"
        lines.append(f"{badge} {_mention(user_id)} · {points:,} pts · {correct} right")
    if len(rows) > limit:
        lines.append(f"…and {len(rows) - limit} more fam")
    return "\n".join(lines)


def final_embed(end: GameEnd, *, note: str | None = None) -> discord.Embed:
    rows = [(s.user_id, s.points, s.correct) for s in end.standings]
    title = {
        "finished": "🏆 Final standings",
        "stopped": "🛑 Quiz stopped · standings",
        "interrupted": "⚠️ Quiz ended early · standings",
        "failed": "⚠️ Quiz ended early · standings",
    }.get(end.status, "🏆 Standings")
    body = standings_lines(rows) if rows else "Nobody answered this time. Next round, fam? 👀"
    if note:
        body = f"{note}\n\n{body}"
    embed = discord.Embed(title=title, description=truncate(body, 4096), color=BRAND)
    embed.set_footer(
        text=f"{end.asked}/{end.game.total} questions · thanks for playing, fam! 💞 "
        "See /quiz leaderboard"
    )
    return embed


def term_embed(term: DailyTerm, *, title: str = "🌅 Term of the day") -> discord.Embed:
    q = term.question
    lines = [q.prompt]
    if q.kind == "choice":
        lines.append("")
        lines += [f"**{LETTERS[i]}** · {opt}" for i, opt in enumerate(q.options)]
    embed = discord.Embed(
        title=f"{title} · {term.day.strftime('%a %d %b')}",
        description=truncate("\n".join(lines), 4096),
        color=BRAND,
    )
    embed.set_footer(text="One answer a day · keep your streak going 🔥 · /quiz daily")
    return embed


def daily_result_text(result: DailyResult) -> str:
    q = result.term.question
    head = (
        f"✅ Correct! **+{result.points}** points."
        if result.correct
        else f"❌ Not quite. The answer was **{q.answer}**."
    )
    streak = f"🔥 {result.streak}-day streak" + (
        f" (best {result.best})" if result.best > result.streak else ""
    )
    return truncate(f"{head}\n{q.explanation}\n\n{streak} · see you tomorrow, fam!", 2000)


# ---------------------------------------------------------------------- persistent components


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mutuals:qz:(?P<game>\d+):(?P<index>\d+):(?P<option>[0-3])",
):
    """One answer button of a game question; works (with a clear reply) after restarts too."""

    def __init__(self, game_id: int, index: int, option: int, *, label: str = "?") -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"mutuals:qz:{game_id}:{index}:{option}",
            )
        )
        self.game_id, self.index, self.option = game_id, index, option

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ChoiceButton:
        label = getattr(item, "label", None) or "?"
        return cls(int(match["game"]), int(match["index"]), int(match["option"]), label=label)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        cog = cog_of(interaction)
        await cog.quizzes.games.answer(
            self.game_id, self.index, interaction.user.id, option=self.option
        )
        await reply(
            interaction,
            f"Locked in **{LETTERS[self.option]}**! 🔒 The reveal comes when the timer ends.",
        )


class DailyOpenButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mutuals:qd:(?P<day>\d{8})"
):
    """On the channel post: opens today's term privately for whoever taps it."""

    def __init__(self, day: date) -> None:
        super().__init__(
            discord.ui.Button(
                label="Answer the term of the day",
                emoji="🌅",
                style=discord.ButtonStyle.primary,
                custom_id=f"mutuals:qd:{_day_token(day)}",
            )
        )
        self.day = day

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DailyOpenButton:
        return cls(_parse_day(match["day"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await cog_of(interaction).show_daily(interaction, expected_day=self.day)


class DailyChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"mutuals:qdc:(?P<day>\d{8}):(?P<option>[0-3])",
):
    def __init__(self, day: date, option: int, *, label: str = "?") -> None:
        super().__init__(
            discord.ui.Button(
                label=truncate(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"mutuals:qdc:{_day_token(day)}:{option}",
            )
        )
        self.day, self.option = day, option

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DailyChoiceButton:
        label = getattr(item, "label", None) or "?"
        return cls(_parse_day(match["day"]), int(match["option"]), label=label)

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        result = await cog_of(interaction).quizzes.daily.answer(
            interaction.guild.id, interaction.user.id, option=self.option, day=self.day
        )
        await interaction.response.edit_message(content=daily_result_text(result), view=None)


class DailyTypeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mutuals:qdt:(?P<day>\d{8})"
):
    def __init__(self, day: date) -> None:
        super().__init__(
            discord.ui.Button(
                label="Type my answer",
                emoji="✍️",
                style=discord.ButtonStyle.primary,
                custom_id=f"mutuals:qdt:{_day_token(day)}",
            )
        )
        self.day = day

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DailyTypeButton:
        return cls(_parse_day(match["day"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(DailyAnswerModal(self.day))


class DailyAnswerModal(MutualsModal):
    answer: discord.ui.TextInput[DailyAnswerModal] = discord.ui.TextInput(
        label="Your answer", max_length=100, placeholder="Small typos are fine"
    )

    def __init__(self, day: date) -> None:
        super().__init__(title="Term of the day", custom_id=f"mutuals:qdm:{_day_token(day)}")
        self.day = day

    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        assert interaction.guild is not None
        result = await cog_of(interaction).quizzes.daily.answer(
            interaction.guild.id, interaction.user.id, text=self.answer.value, day=self.day
        )
        await reply(interaction, daily_result_text(result))


def daily_view(term: DailyTerm) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    q = term.question
    if q.kind == "choice":
        for i, option in enumerate(q.options):
            view.add_item(DailyChoiceButton(term.day, i, label=f"{LETTERS[i]} · {option}"))
    else:
        view.add_item(DailyTypeButton(term.day))
    return view


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
        question = await cog_of(interaction).quizzes.admin.add_question(
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


# ---------------------------------------------------------------------- the game task


class GameRunner:
    """Asks the questions of one game in one channel, then posts the standings."""

    def __init__(self, cog: QuizCog, game: GameInfo, channel: discord.abc.Messageable) -> None:
        self.cog = cog
        self.game = game
        self.channel = channel
        self.stop_event = asyncio.Event()
        self.current: OpenQuestion | None = None
        self.task: asyncio.Task[Any] | None = None

    def start(self) -> None:
        self.task = spawn(self.run(), name=f"quiz-game-{self.game.id}")

    async def _wait(self, seconds: float) -> bool:
        """Wait (through the cog's injectable sleep); True if the game was stopped meanwhile."""
        if self.stop_event.is_set():
            return True
        sleeper = asyncio.ensure_future(self.cog.sleep(seconds))
        stopper = asyncio.ensure_future(self.stop_event.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            stopper.cancel()
        return self.stop_event.is_set()

    async def _ask(self, asked: OpenQuestion) -> bool:
        """One question: post, wait (with a hint halfway for typed answers), reveal."""
        self.current = asked  # open in the DB already: typed answers count from now
        timer = asked.timer_seconds
        try:
            view = answer_view(asked)
            if view is not None:
                message = await self.channel.send(embed=question_embed(asked), view=view)
            else:
                message = await self.channel.send(embed=question_embed(asked))
            if asked.question.kind == "free":
                stopped = await self._wait(timer / 2)
                if not stopped:
                    with contextlib.suppress(discord.HTTPException):
                        await message.edit(embed=question_embed(asked, hint=True))
                    stopped = await self._wait(timer / 2)
            else:
                stopped = await self._wait(timer)
        finally:
            self.current = None
        reveal = await self.cog.quizzes.games.close_question(asked.game_id, asked.index)
        with contextlib.suppress(discord.HTTPException):
            await message.edit(
                embed=question_embed(asked, hint=True), view=answer_view(asked, revealed=True)
            )
        await self.channel.send(embed=reveal_embed(reveal))
        return stopped

    async def run(self) -> None:
        quiz = self.cog.quizzes.games
        try:
            stopped = await self._wait(self.cog.pause_seconds)
            for index in range(self.game.total):
                if stopped:
                    break
                asked = await quiz.open_question(self.game.id, index)
                if asked is None:
                    break
                stopped = await self._ask(asked)
                if not stopped and index + 1 < self.game.total:
                    stopped = await self._wait(self.cog.pause_seconds)
            end = await quiz.finish_game(self.game.id)
            await self.channel.send(embed=final_embed(end))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("quiz game %s crashed", self.game.id)
            with contextlib.suppress(Exception):
                end = await quiz.finish_game(self.game.id, "failed")
                await self.channel.send(
                    embed=final_embed(
                        end, note="Oops, something broke on my side and the quiz had to end."
                    )
                )
        finally:
            if self.cog.runners.get(self.game.channel_id) is self:
                del self.cog.runners[self.game.channel_id]


# ---------------------------------------------------------------------- the cog


class QuizCog(commands.Cog):
    quiz_group = app_commands.Group(
        name="quiz", description="Slang quizzes on the fam's lingo", guild_only=True
    )
    mod_group = ModGroup(name="quiz-mod", description="Quiz settings and questions (moderators)")

    def __init__(self, bot: MutualsBot) -> None:
        self.bot = bot
        self.quizzes = bot.need(Services).quizzes
        self.runners: dict[int, GameRunner] = {}
        #: how game timers wait; tests swap in a stepper so no test ever sleeps for real
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.pause_seconds = 3.0

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(
            ChoiceButton, DailyOpenButton, DailyChoiceButton, DailyTypeButton
        )
        self.bot.outbox.register(INTERRUPTED_PURPOSE, render=self._render_interrupted)
        self.bot.outbox.register(POST_PURPOSE, render=self._render_daily)
        ended = await self.quizzes.games.interrupt_open_games(self.bot.owns_guild)
        if ended:
            log.info("ended %s quiz game(s) left open by the previous run", len(ended))
        await self.daily_tick()
        self.bot.outbox.wake()

    async def cog_unload(self) -> None:
        self.bot.scheduler.cancel(DAILY_JOB)
        for runner in list(self.runners.values()):
            if runner.task is not None:
                runner.task.cancel()

    # -------------------------------------------------------------- outbox renderers
    async def _render_interrupted(self, message: OutboundMessage) -> SendSpec:
        p = message.payload
        rows = [(int(u), int(pts), int(c)) for u, pts, c in p.get("standings", [])]
        body = standings_lines(rows) if rows else "Nobody had scored yet."
        embed = discord.Embed(
            title="⚠️ Quiz ended early · standings",
            description=truncate(body, 4096),
            color=BRAND,
        )
        embed.set_footer(text=f"{p.get('asked', 0)}/{p.get('total', 0)} questions asked")
        return SendSpec(
            content="I had to restart, so the quiz here ended early. Sorry fam! 🙏 "
            "The channel is free: start a new one with `/quiz start`.",
            embeds=[embed],
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _render_daily(self, message: OutboundMessage) -> SendSpec:
        p = message.payload
        term = DailyTerm(
            message.guild_id or 0, date.fromisoformat(p["day"]), from_snapshot(p["question"])
        )
        view = discord.ui.View(timeout=None)
        view.add_item(DailyOpenButton(term.day))
        return SendSpec(
            content="Hey mutuals! Today's term just dropped. 🌅",
            embeds=[term_embed(term)],
            view=view,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    # -------------------------------------------------------------- daily schedule
    async def daily_tick(self) -> list[str]:
        """Post what is due, then wake up again at the next post time (from the DB)."""
        try:
            done = await self.quizzes.delivery.run_due(self.bot.owns_guild)
        except Exception:
            log.exception("daily quiz: could not post; trying again in 5 minutes")
            self.bot.scheduler.at(
                DAILY_JOB, datetime.now(UTC) + timedelta(minutes=5), self.daily_tick
            )
            return []
        if done:
            log.info("daily quiz: %s", "; ".join(done))
            self.bot.outbox.wake()
        nxt = await self.quizzes.delivery.next_wakeup(self.bot.owns_guild)
        if nxt is None:
            self.bot.scheduler.cancel(DAILY_JOB)
        else:
            # The injected clock says how long until the post; the scheduler counts real time.
            delay = max(timedelta(seconds=1), nxt - self.bot.clock.now())
            self.bot.scheduler.at(DAILY_JOB, datetime.now(UTC) + delay, self.daily_tick)
        return done

    # -------------------------------------------------------------- typed answers
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return
        runner = self.runners.get(message.channel.id)
        asked = runner.current if runner is not None else None
        if asked is None or asked.question.kind != "free" or len(message.content) > 200:
            return
        try:
            result = await self.quizzes.games.answer(
                asked.game_id, asked.index, message.author.id, text=message.content
            )
        except DomainError:
            return  # too late or the game ended: nothing to say in the chat
        if result.correct and not result.already:
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction("✅")

    # -------------------------------------------------------------- member commands
    @quiz_group.command(name="start", description="Start a quiz game in this channel")
    @app_commands.describe(
        category="Only questions from this category (default: all)",
        questions=f"How many questions ({MIN_QUESTIONS}-{MAX_QUESTIONS}, "
        f"default {DEFAULT_QUESTIONS})",
        timer=f"Seconds per question ({MIN_TIMER}-{MAX_TIMER}, default {DEFAULT_TIMER})",
    )
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def start(
        self,
        interaction: discord.Interaction,
        category: app_commands.Choice[str] | None = None,
        questions: app_commands.Range[int, MIN_QUESTIONS, MAX_QUESTIONS] = DEFAULT_QUESTIONS,
        timer: app_commands.Range[int, MIN_TIMER, MAX_TIMER] = DEFAULT_TIMER,
    ) -> None:
        assert interaction.guild is not None
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            raise DomainError("Start a quiz in a text channel or a thread.")
        game = await self.quizzes.games.start_game(
            interaction.guild.id,
            channel.id,
            interaction.user.id,
            category=category.value if category else None,
            count=questions,
            timer_seconds=timer,
        )
        topic = f"**{category.name}**" if category else "all things insider"
        await reply(
            interaction,
            f"🎬 Quiz time, fam! {game.total} questions on {topic}, {game.timer_seconds}s each, "
            f"started by {interaction.user.mention}. Buttons for multiple choice, type in the "
            "chat for the others. Faster answers earn more. First question in a few seconds…",
            ephemeral=False,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        runner = GameRunner(self, game, channel)
        self.runners[channel.id] = runner
        runner.start()

    @quiz_group.command(name="stop", description="Stop the quiz in this channel (starter or mods)")
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.channel is not None
        end = await self.quizzes.games.stop_game(
            interaction.channel.id, interaction.user.id, is_moderator=is_moderator(interaction)
        )
        runner = self.runners.get(interaction.channel.id)
        if runner is not None and runner.game.id == end.game.id:
            runner.stop_event.set()
            await reply(interaction, "🛑 Quiz stopped. Final standings coming up!", ephemeral=False)
            return
        # no task here (another process ran it): answer with the standings directly
        await reply(interaction, embed=final_embed(end), ephemeral=False)

    async def show_daily(
        self, interaction: discord.Interaction, *, expected_day: date | None = None
    ) -> None:
        assert interaction.guild is not None
        term = await self.quizzes.daily.today(interaction.guild.id)
        if expected_day is not None and expected_day != term.day:
            raise DomainError(
                "That term of the day has passed! Here's today's: try `/quiz daily`. 🌅"
            )
        hint = (
            "Tap your answer:"
            if term.question.kind == "choice"
            else "Tap the button to type it, or use `/quiz daily answer:…`."
        )
        await reply(interaction, hint, embed=term_embed(term), view=daily_view(term))

    @quiz_group.command(name="daily", description="Answer today's term of the day")
    @app_commands.describe(answer="Your answer (for typed-answer terms); leave empty to see it")
    async def daily_cmd(
        self,
        interaction: discord.Interaction,
        answer: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild is not None
        if answer is None:
            await self.show_daily(interaction)
            return
        term = await self.quizzes.daily.today(interaction.guild.id)
        if term.question.kind == "choice":
            letter = answer.strip().upper().rstrip(".")
            options = [o.casefold() for o in term.question.options]
            if letter in LETTERS:
                option = LETTERS.index(letter)
            elif answer.strip().casefold() in options:
                option = options.index(answer.strip().casefold())
            else:
                raise DomainError(
                    "Today's term is multiple choice: answer with A, B, C or D, or run "
                    "`/quiz daily` and tap your pick."
                )
            result = await self.quizzes.daily.answer(
                interaction.guild.id, interaction.user.id, option=option
            )
        else:
            result = await self.quizzes.daily.answer(
                interaction.guild.id, interaction.user.id, text=answer
            )
        await reply(interaction, daily_result_text(result))

    @quiz_group.command(name="leaderboard", description="Top quiz players this week, month or ever")
    @app_commands.describe(period="Which period (default: all time)", category="Only this category")
    @app_commands.choices(period=PERIOD_CHOICES, category=CATEGORY_CHOICES)
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: app_commands.Choice[str] | None = None,
        category: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild is not None
        key = period.value if period else "all"
        rows, _since = await self.quizzes.boards.leaderboard(
            interaction.guild.id, key, category.value if category else None
        )
        title = f"🏆 Quiz leaderboard · {PERIOD_TITLES[key]}"
        if category:
            title += f" · {category.name}"
        body = (
            standings_lines([(r.user_id, r.points, r.correct) for r in rows], limit=10)
            if rows
            else "No points yet. Be the first: `/quiz start` or `/quiz daily`! 🌱"
        )
        embed = discord.Embed(title=title, description=body, color=BRAND)
        embed.set_footer(text="Games and terms of the day both count")
        await reply(interaction, embed=embed, ephemeral=False)

    @quiz_group.command(name="stats", description="Quiz stats for you or another member")
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        assert interaction.guild is not None
        target = member or interaction.user
        s = await self.quizzes.boards.stats(interaction.guild.id, target.id)
        if s.answered == 0:
            who = "You haven't" if target.id == interaction.user.id else "They haven't"
            raise DomainError(f"{who} played yet. Try `/quiz daily` or `/quiz start`! 🎬")
        embed = discord.Embed(title=f"{target.display_name}'s quiz stats", color=BRAND)
        embed.add_field(name="Points", value=f"{s.points:,}")
        embed.add_field(name="Right answers", value=f"{s.correct}/{s.answered} ({s.accuracy:.0%})")
        embed.add_field(name="Games played", value=str(s.games))
        embed.add_field(name="Daily streak", value=f"🔥 {s.streak} (best {s.best_streak})")
        if s.best_category:
            embed.add_field(name="Best category", value=CATEGORIES[s.best_category])
        await reply(interaction, embed=embed)

    # -------------------------------------------------------------- moderator commands
    @mod_group.command(name="daily-setup", description="Post the term of the day, once a day")
    @app_commands.describe(
        channel="Where to post it",
        time="Local time, e.g. 18:00 or 9am",
        timezone="IANA time zone (default: the server's), e.g. Europe/London",
    )
    async def daily_setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        assert interaction.guild is not None
        cfg = await self.quizzes.daily.setup(interaction.guild.id, channel.id, time, timezone)
        await self.daily_tick()
        nxt = cfg.next_post(self.bot.clock.now())
        when = f" Next one <t:{int(nxt.timestamp())}:F>." if nxt else ""
        await reply(
            interaction,
            f"🌅 The term of the day will post in {channel.mention} at **{cfg.post_time}** "
            f"({cfg.timezone}), once a day.{when}",
        )

    @daily_setup.autocomplete("timezone")
    async def _tz(self, _i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:

        return timezone_choices(current)

    @mod_group.command(name="daily-off", description="Stop posting the term of the day")
    async def daily_off(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        changed = await self.quizzes.daily.disable(interaction.guild.id)
        await self.daily_tick()
        await reply(
            interaction,
            "The term of the day is paused. `/quiz-mod daily-setup` brings it back."
            if changed
            else "The term of the day wasn't being posted here.",
        )

    @mod_group.command(name="add", description="Add a question of your own (opens a form)")
    @app_commands.describe(category="Its category", difficulty="How hard it is")
    @app_commands.choices(category=CATEGORY_CHOICES, difficulty=DIFFICULTY_CHOICES)
    async def add(
        self,
        interaction: discord.Interaction,
        category: app_commands.Choice[str],
        difficulty: app_commands.Choice[str],
    ) -> None:
        await interaction.response.send_modal(AddQuestionModal(category.value, difficulty.value))

    @mod_group.command(
        name="import", description="Import a YAML/JSON question pack (all or nothing)"
    )
    @app_commands.describe(file="A .yaml, .yml or .json pack, up to 1 MB")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        assert interaction.guild is not None
        check_upload(file.size, file.filename)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException:
            raise DomainError("I couldn't download that file. Attach it again and retry.") from None
        questions = await self.quizzes.admin.import_pack(
            interaction.guild.id, interaction.user.id, data, file.filename
        )
        by_category: dict[str, int] = {}
        for q in questions:
            by_category[q.category_label] = by_category.get(q.category_label, 0) + 1
        summary = ", ".join(f"{n} {label}" for label, n in by_category.items())
        await reply(interaction, f"Imported {len(questions)} question(s): {summary}. 🎉")

    @mod_group.command(name="export", description="Download this server's questions as YAML")
    @app_commands.describe(include_builtin="Also include the questions Mutuals ships with")
    async def export(self, interaction: discord.Interaction, include_builtin: bool = False) -> None:
        assert interaction.guild is not None
        data, count = await self.quizzes.admin.export_pack(
            interaction.guild.id, include_builtin=include_builtin
        )
        await reply(
            interaction,
            f"Here are {count} question(s). Edit and bring them back with `/quiz-mod import`.",
            file=discord.File(io.BytesIO(data), filename="mutuals-quiz-pack.yaml"),
        )

    @mod_group.command(name="disable", description="Switch a category off for games and dailies")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def disable(
        self, interaction: discord.Interaction, category: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild is not None
        changed = await self.quizzes.admin.set_category_enabled(
            interaction.guild.id, category.value, False
        )
        await reply(
            interaction,
            f"**{category.name}** is off. `/quiz-mod enable` brings it back."
            if changed
            else f"**{category.name}** was already off.",
        )

    @mod_group.command(name="enable", description="Switch a category back on")
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def enable(
        self, interaction: discord.Interaction, category: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild is not None
        changed = await self.quizzes.admin.set_category_enabled(
            interaction.guild.id, category.value, True
        )
        await reply(
            interaction,
            f"**{category.name}** is back on. 🎉"
            if changed
            else f"**{category.name}** was already on.",
        )


async def setup(bot: MutualsBot) -> None:
    await bot.add_cog(QuizCog(bot))


__all__ = ["BoardRow", "GameRunner", "Question", "QuizCog", "Standing"]
