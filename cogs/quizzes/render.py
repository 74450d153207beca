"""How quizzes look on Discord: question, reveal and standings embeds, the term of the day,
and the outbox posts (rendered at send time), from plain service values."""

from __future__ import annotations

from datetime import date, timedelta

import discord
from babel.dates import format_date, format_skeleton
from babel.numbers import format_percent

from cogs._common import BRAND
from core.i18n import N_, SOURCE, _, current, format_number, ngettext
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.text import truncate
from services.quizzes import (
    CATEGORIES,
    BoardRow,
    DailyResult,
    DailyTerm,
    GameEnd,
    OpenQuestion,
    Reveal,
    Stats,
    from_snapshot,
    hint_for,
)

LETTERS = "ABCD"
MEDALS = ("🥇", "🥈", "🥉")
STARS = {"easy": "⭐", "medium": "⭐⭐", "hard": "⭐⭐⭐"}
FINAL_TITLES = {
    "finished": N_("🏆 Final standings"),
    "stopped": N_("🛑 Quiz stopped · standings"),
    "interrupted": N_("⚠️ Quiz ended early · standings"),
    "failed": N_("⚠️ Quiz ended early · standings"),
}
PERIOD_TITLES = {"week": N_("this week"), "month": N_("this month"), "all": N_("all time")}


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


def points(count: int) -> str:
    """ "1 pt", "0 pts", "5,000 pts" (numbers and plural forms by language)."""
    return ngettext("{n} pt", "{n} pts", count)


def _day_label(day: date) -> str:
    """ "Mon 01 Jun" in English; the language's own short date elsewhere ("6月1日(月)")."""
    if current() == SOURCE:
        return format_date(day, "EEE dd MMM", locale=SOURCE)
    return format_skeleton("MMMEd", day, locale=current())


def question_embed(asked: OpenQuestion, *, hint: bool = False) -> discord.Embed:
    q = asked.question
    lines = [q.prompt]
    if q.kind == "choice":
        lines.append("")
        lines += [f"**{LETTERS[i]}** · {opt}" for i, opt in enumerate(q.options)]
    embed = discord.Embed(
        title=_(
            "Question {number}/{total} · {category}",
            number=asked.index + 1,
            total=asked.total,
            category=q.category_label,
        ),
        description=truncate("\n".join(lines), 4096),
        color=BRAND,
    )
    ends = int((asked.started_at + timedelta(seconds=asked.timer_seconds)).timestamp())
    embed.add_field(name=_("Difficulty"), value=STARS.get(q.difficulty, q.difficulty))
    embed.add_field(
        name=_("Timer"),
        value=_("{seconds}s · ends {when}", seconds=asked.timer_seconds, when=f"<t:{ends}:R>"),
    )
    if hint and q.kind == "free":
        embed.add_field(name=_("💡 Hint"), value=f"`{q.hint or hint_for(q.answer)}`", inline=False)
    embed.set_footer(
        text=_("Tap your answer! Faster answers earn more points.")
        if q.kind == "choice"
        else _("Type your answer in the chat! Small typos are fine, faster earns more.")
    )
    return embed


def reveal_embed(reveal: Reveal) -> discord.Embed:
    q = reveal.question
    answer = (
        f"**{LETTERS[q.correct_option]} · {q.answer}**" if q.kind == "choice" else f"**{q.answer}**"
    )
    embed = discord.Embed(
        title=_("⏱️ Time's up! Question {number}", number=reveal.index + 1),
        description=truncate(
            _("The answer: {answer}", answer=answer) + f"\n\n{q.explanation}", 4096
        ),
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
            value = ", ".join(shown) + " " + _("…and {count} more", count=len(parts) - len(shown))
        embed.add_field(
            name=ngettext("✅ Got it ({n} player)", "✅ Got it ({n} players)", len(reveal.winners)),
            value=value,
            inline=False,
        )
    else:
        embed.add_field(
            name=_("✅ Got it"),
            value=_("Nobody this time. The algorithm hates us again 😅"),
            inline=False,
        )
    return embed


def standings_lines(rows: list[tuple[int, int, int]], limit: int = 15) -> str:
    lines = []
    for place, (user_id, score, correct) in enumerate(rows[:limit]):
        badge = MEDALS[place] if place < len(MEDALS) else f"**{place + 1}.**"
        lines.append(
            f"{badge} {_mention(user_id)} · {points(score)} · "
            + _("{correct} right", correct=correct)
        )
    if len(rows) > limit:
        lines.append(_("…and {count} more fam", count=len(rows) - limit))
    return "\n".join(lines)


def final_embed(end: GameEnd, *, note: str | None = None) -> discord.Embed:
    rows = [(s.user_id, s.points, s.correct) for s in end.standings]
    title = _(FINAL_TITLES.get(end.status, N_("🏆 Standings")))
    body = standings_lines(rows) if rows else _("Nobody answered this time. Next round, fam? 👀")
    if note:
        body = f"{note}\n\n{body}"
    embed = discord.Embed(title=title, description=truncate(body, 4096), color=BRAND)
    embed.set_footer(
        text=ngettext(
            "{asked}/{n} question · thanks for playing, fam! 💞 See /quiz leaderboard",
            "{asked}/{n} questions · thanks for playing, fam! 💞 See /quiz leaderboard",
            end.game.total,
            asked=end.asked,
        )
    )
    return embed


def leaderboard_embed(rows: list[BoardRow], period: str, category: str | None) -> discord.Embed:
    """``category`` is the category's display name (None for all of them)."""
    title = _("🏆 Quiz leaderboard · {period}", period=_(PERIOD_TITLES[period]))
    if category:
        title += f" · {category}"
    body = (
        standings_lines([(r.user_id, r.points, r.correct) for r in rows], limit=10)
        if rows
        else _("No points yet. Be the first: `/quiz start` or `/quiz daily`! 🌱")
    )
    embed = discord.Embed(title=truncate(title, 256), description=body, color=BRAND)
    embed.set_footer(text=_("Games and terms of the day both count"))
    return embed


def stats_embed(name: str, s: Stats) -> discord.Embed:
    embed = discord.Embed(title=truncate(_("{name}'s quiz stats", name=name), 256), color=BRAND)
    embed.add_field(name=_("Points"), value=format_number(s.points))
    embed.add_field(
        name=_("Right answers"),
        value=f"{s.correct}/{s.answered} ({format_percent(s.accuracy, locale=current())})",
    )
    embed.add_field(name=_("Games played"), value=str(s.games))
    embed.add_field(
        name=_("Daily streak"),
        value=_(
            "🔥 {streak} (best {best})",
            streak=ngettext("{n} day", "{n} days", s.streak),
            best=ngettext("{n} day", "{n} days", s.best_streak),
        ),
    )
    if s.best_category:
        embed.add_field(name=_("Best category"), value=_(CATEGORIES[s.best_category]))
    return embed


def term_embed(term: DailyTerm, *, title: str | None = None) -> discord.Embed:
    q = term.question
    lines = [q.prompt]
    if q.kind == "choice":
        lines.append("")
        lines += [f"**{LETTERS[i]}** · {opt}" for i, opt in enumerate(q.options)]
    embed = discord.Embed(
        title=f"{title or _('🌅 Term of the day')} · {_day_label(term.day)}",
        description=truncate("\n".join(lines), 4096),
        color=BRAND,
    )
    embed.set_footer(text=_("One answer a day · keep your streak going 🔥 · /quiz daily"))
    return embed


def daily_result_text(result: DailyResult) -> str:
    q = result.term.question
    head = (
        ngettext("✅ Correct! **+{n} point**.", "✅ Correct! **+{n} points**.", result.points)
        if result.correct
        else _("❌ Not quite. The answer was **{answer}**.", answer=q.answer)
    )
    streak = ngettext("🔥 {n}-day streak", "🔥 {n}-day streak", result.streak)
    if result.best > result.streak:
        streak += " " + ngettext("(best {n} day)", "(best {n} days)", result.best)
    return truncate(
        f"{head}\n{q.explanation}\n\n" + _("{streak} · see you tomorrow, fam!", streak=streak),
        2000,
    )


# ---------------------------------------------------------------------- outbox posts


def interrupted_notice(message: OutboundMessage) -> SendSpec:
    """The standings of a game a restart ended (queued by ``interrupt_open_games``)."""
    p = message.payload
    rows = [(int(u), int(pts), int(c)) for u, pts, c in p.get("standings", [])]
    body = standings_lines(rows) if rows else _("Nobody had scored yet.")
    embed = discord.Embed(
        title=_("⚠️ Quiz ended early · standings"),
        description=truncate(body, 4096),
        color=BRAND,
    )
    asked, total = int(p.get("asked", 0)), int(p.get("total", 0))
    embed.set_footer(
        text=ngettext(
            "{asked}/{n} question asked", "{asked}/{n} questions asked", total, asked=asked
        )
    )
    return SendSpec(
        content=_(
            "I had to restart, so the quiz here ended early. Sorry fam! 🙏 The channel is "
            "free: start a new one with `/quiz start`."
        ),
        embeds=[embed],
        allowed_mentions=discord.AllowedMentions.none(),
    )


def posted_term(message: OutboundMessage) -> DailyTerm:
    """The term a queued daily post carries (a snapshot: later edits don't change it)."""
    p = message.payload
    return DailyTerm(
        message.guild_id or 0, date.fromisoformat(p["day"]), from_snapshot(p["question"])
    )


def daily_post(term: DailyTerm, view: discord.ui.View) -> SendSpec:
    """The channel post of the term of the day; ``view`` holds its "answer" button."""
    return SendSpec(
        content=_("Hey mutuals! Today's term just dropped. 🌅"),
        embeds=[term_embed(term)],
        view=view,
        allowed_mentions=discord.AllowedMentions.none(),
    )
