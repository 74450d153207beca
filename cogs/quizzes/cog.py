"""/quiz (members) and /quiz-mod (moderators): slang quizzes on the fam's lingo.

The cog only turns Discord objects into ids and text, calls ``services.quizzes`` and formats
what comes back. A channel game is a task (``GameRunner``); a restart ends the game cleanly
(``interrupt_open_games`` at load). The daily post is a plan that core's deliveries run.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from cogs._common import timezone_choices
from cogs.quizzes.render import (
    LETTERS,
    STARS,
    daily_post,
    daily_result_text,
    final_embed,
    interrupted_notice,
    leaderboard_embed,
    posted_term,
    stats_embed,
    term_embed,
)
from cogs.quizzes.runner import GameRunner
from cogs.quizzes.views import (
    PERSISTENT_BUTTONS,
    AddQuestionModal,
    daily_post_view,
    daily_view,
    in_their_language,
)
from core.errors import DomainError
from core.i18n import _, ngettext, use_locale
from core.interactions import ModGroup, is_moderator, outcome_within, reply
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from services.container import Services
from services.languages import server_language
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
    SLOT_KIND,
    DailyResult,
    GameInfo,
    check_upload,
    fallback_note,
    matches,
)

if TYPE_CHECKING:
    from core.bot import MutualsBot

log = logging.getLogger("mutuals.quiz")

CATEGORY_CHOICES = [app_commands.Choice(name=label, value=key) for key, label in CATEGORIES.items()]
DIFFICULTY_CHOICES = [
    app_commands.Choice(name=f"{name} {STARS[name]}", value=name) for name in STARS
]
PERIOD_CHOICES = [
    app_commands.Choice(name="This week", value="week"),
    app_commands.Choice(name="This month", value="month"),
    app_commands.Choice(name="All time", value="all"),
]


def pack_note(game: GameInfo) -> str:
    """A line under the start message when the questions aren't in the server's language."""
    note = fallback_note(game.pack) if game.pack is not None else None
    return f"\n{note}" if note else ""


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
        self.bot.add_dynamic_items(*PERSISTENT_BUTTONS)
        self.bot.outbox.register(INTERRUPTED_PURPOSE, render=self._render_interrupted)
        self.bot.outbox.register(POST_PURPOSE, render=self._render_daily)
        ended = await self.quizzes.games.interrupt_open_games(self.bot.owns_guild)
        if ended:
            log.info("ended %s quiz game(s) left open by the previous run", len(ended))
        self.bot.deliveries.add(self.quizzes.delivery)
        self.bot.outbox.wake()

    async def cog_unload(self) -> None:
        self.bot.deliveries.remove(SLOT_KIND)
        for runner in list(self.runners.values()):
            if runner.task is not None:
                runner.task.cancel()

    async def public_language(self, guild_id: int | None) -> str | None:
        """The language of what everyone in the server reads (channel posts)."""
        return await server_language(self.bot.db, guild_id) if guild_id is not None else None

    # -------------------------------------------------------------- outbox renderers
    async def _render_interrupted(self, message: OutboundMessage) -> SendSpec:
        with use_locale(await self.public_language(message.guild_id)):
            return interrupted_notice(message)

    async def _render_daily(self, message: OutboundMessage) -> SendSpec:
        term = posted_term(message)
        with use_locale(await self.public_language(message.guild_id)):
            return daily_post(term, daily_post_view(term.day))

    # -------------------------------------------------------------- typed answers
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return
        runner = self.runners.get(message.channel.id)
        asked = runner.current if runner is not None else None
        if asked is None or asked.question.kind != "free" or len(message.content) > 200:
            return
        if not matches(message.content, asked.question.answers):
            return  # a wrong guess is free and never stored: no write to wait for
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
            raise DomainError(_("Start a quiz in a text channel or a thread."))
        game = await self.quizzes.games.start_game(
            interaction.guild.id,
            channel.id,
            interaction.user.id,
            category=category.value if category else None,
            count=questions,
            timer_seconds=timer,
        )
        language = await self.public_language(interaction.guild.id)
        with use_locale(language):  # the whole channel reads it
            topic = f"**{_(CATEGORIES[category.value])}**" if category else _("all things insider")
            text = ngettext(
                "🎬 Quiz time, fam! {n} question on {topic}, {seconds}s each, started by "
                "{starter}. Buttons for multiple choice, type in the chat for the others. "
                "Faster answers earn more. First question in a few seconds…",
                "🎬 Quiz time, fam! {n} questions on {topic}, {seconds}s each, started by "
                "{starter}. Buttons for multiple choice, type in the chat for the others. "
                "Faster answers earn more. First question in a few seconds…",
                game.total,
                topic=topic,
                seconds=game.timer_seconds,
                starter=interaction.user.mention,
            ) + pack_note(game)
        await reply(
            interaction,
            text,
            ephemeral=False,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        runner = GameRunner(self, game, channel, language)
        self.runners[channel.id] = runner
        runner.start()

    @quiz_group.command(name="stop", description="Stop the quiz in this channel (starter or mods)")
    async def stop(self, interaction: discord.Interaction) -> None:
        assert interaction.channel is not None
        end = await self.quizzes.games.stop_game(
            interaction.channel.id, interaction.user.id, is_moderator=is_moderator(interaction)
        )
        runner = self.runners.get(interaction.channel.id)
        with use_locale(await self.public_language(interaction.guild_id)):  # a channel post
            if runner is not None and runner.game.id == end.game.id:
                runner.stop_event.set()
                text = _("🛑 Quiz stopped. Final standings coming up!")
                await reply(interaction, text, ephemeral=False)
                return
            # no task here (another process ran it): answer with the standings directly
            embed = final_embed(end)
        await reply(interaction, embed=embed, ephemeral=False)

    async def show_daily(
        self, interaction: discord.Interaction, *, expected_day: date | None = None
    ) -> None:
        assert interaction.guild is not None
        term = await self.quizzes.daily.today(interaction.guild.id)
        if expected_day is not None and expected_day != term.day:
            raise DomainError(
                _("That term of the day has passed! Here's today's: try `/quiz daily`. 🌅")
            )
        hint = (
            _("Tap your answer:")
            if term.question.kind == "choice"
            else _("Tap the button to type it, or use `/quiz daily answer:…`.")
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
        result = await outcome_within(
            interaction, in_their_language(self._daily_answer(interaction, answer))
        )
        await reply(interaction, daily_result_text(result))

    async def _daily_answer(self, interaction: discord.Interaction, answer: str) -> DailyResult:
        """``/quiz daily answer:…``: a letter or an option's text for multiple choice."""
        assert interaction.guild is not None
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
                    _(
                        "Today's term is multiple choice: answer with A, B, C or D, or run "
                        "`/quiz daily` and tap your pick."
                    )
                )
            return await self.quizzes.daily.answer(
                interaction.guild.id, interaction.user.id, option=option
            )
        return await self.quizzes.daily.answer(
            interaction.guild.id, interaction.user.id, text=answer
        )

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
        with use_locale(await self.public_language(interaction.guild.id)):  # a channel post
            embed = leaderboard_embed(
                rows, key, _(CATEGORIES[category.value]) if category else None
            )
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
            raise DomainError(
                _("You haven't played yet. Try `/quiz daily` or `/quiz start`! 🎬")
                if target.id == interaction.user.id
                else _("They haven't played yet. Try `/quiz daily` or `/quiz start`! 🎬")
            )
        embed = stats_embed(target.display_name, s)
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
        nxt = cfg.next_post(self.bot.clock.now())
        when = " " + _("Next one {when}.", when=f"<t:{int(nxt.timestamp())}:F>") if nxt else ""
        await reply(
            interaction,
            _(
                "🌅 The term of the day will post in {channel} at **{time}** ({timezone}), once "
                "a day.",
                channel=channel.mention,
                time=cfg.post_time,
                timezone=cfg.timezone,
            )
            + when,
        )

    @daily_setup.autocomplete("timezone")
    async def _tz(self, _i: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return timezone_choices(current)

    @mod_group.command(name="daily-off", description="Stop posting the term of the day")
    async def daily_off(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        changed = await self.quizzes.daily.disable(interaction.guild.id)
        await reply(
            interaction,
            _("The term of the day is paused. `/quiz-mod daily-setup` brings it back.")
            if changed
            else _("The term of the day wasn't being posted here."),
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
            raise DomainError(
                _("I couldn't download that file. Attach it again and retry.")
            ) from None
        questions = await self.quizzes.admin.import_pack(
            interaction.guild.id, interaction.user.id, data, file.filename
        )
        by_category: dict[str, int] = {}
        for q in questions:
            by_category[q.category_label] = by_category.get(q.category_label, 0) + 1
        summary = ", ".join(f"{n} {label}" for label, n in by_category.items())
        await reply(
            interaction,
            ngettext(
                "Imported {n} question: {summary}. 🎉",
                "Imported {n} questions: {summary}. 🎉",
                len(questions),
                summary=summary,
            ),
        )

    @mod_group.command(name="export", description="Download this server's questions as YAML")
    @app_commands.describe(include_builtin="Also include the questions Mutuals ships with")
    async def export(self, interaction: discord.Interaction, include_builtin: bool = False) -> None:
        assert interaction.guild is not None
        data, count = await self.quizzes.admin.export_pack(
            interaction.guild.id, include_builtin=include_builtin
        )
        await reply(
            interaction,
            ngettext(
                "Here's your pack ({n} question). Edit it and bring it back with "
                "`/quiz-mod import`.",
                "Here's your pack ({n} questions). Edit it and bring it back with "
                "`/quiz-mod import`.",
                count,
            ),
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
        label = _(CATEGORIES[category.value])
        await reply(
            interaction,
            _("**{category}** is off. `/quiz-mod enable` brings it back.", category=label)
            if changed
            else _("**{category}** was already off.", category=label),
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
        label = _(CATEGORIES[category.value])
        await reply(
            interaction,
            _("**{category}** is back on. 🎉", category=label)
            if changed
            else _("**{category}** was already on.", category=label),
        )
