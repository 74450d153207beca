"""How quizzes look on Discord: question, reveal and standings embeds, the term of the day,
and the outbox posts (rendered at send time), from plain service values."""

from __future__ import annotations

from datetime import date, timedelta

import discord

from cogs._common import BRAND
from core.outbox import OutboundMessage
from core.outbox_worker import SendSpec
from core.text import plural, truncate
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
PERIOD_TITLES = {"week": "this week", "month": "this month", "all": "all time"}


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


def amount(count: int, word: str, plural_word: str | None = None) -> str:
    """``plural`` with a thousands separator: "1 pt", "0 pts", "5,000 pts"."""
    text = plural(count, word, plural_word)
    return f"{count:,}{text[len(str(count)) :]}"


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
        embed.add_field(
            name=f"✅ Got it ({plural(len(reveal.winners), 'player')})", value=value, inline=False
        )
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
        lines.append(f"{badge} {_mention(user_id)} · {amount(points, 'pt')} · {correct} right")
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
        text=f"{end.asked}/{plural(end.game.total, 'question')} · thanks for playing, fam! 💞 "
        "See /quiz leaderboard"
    )
    return embed


def leaderboard_embed(rows: list[BoardRow], period: str, category: str | None) -> discord.Embed:
    """``category`` is the category's display name (None for all of them)."""
    title = f"🏆 Quiz leaderboard · {PERIOD_TITLES[period]}"
    if category:
        title += f" · {category}"
    body = (
        standings_lines([(r.user_id, r.points, r.correct) for r in rows], limit=10)
        if rows
        else "No points yet. Be the first: `/quiz start` or `/quiz daily`! 🌱"
    )
    embed = discord.Embed(title=title, description=body, color=BRAND)
    embed.set_footer(text="Games and terms of the day both count")
    return embed


def stats_embed(name: str, s: Stats) -> discord.Embed:
    embed = discord.Embed(title=f"{name}'s quiz stats", color=BRAND)
    embed.add_field(name="Points", value=f"{s.points:,}")
    embed.add_field(name="Right answers", value=f"{s.correct}/{s.answered} ({s.accuracy:.0%})")
    embed.add_field(name="Games played", value=str(s.games))
    embed.add_field(
        name="Daily streak",
        value=f"🔥 {plural(s.streak, 'day')} (best {plural(s.best_streak, 'day')})",
    )
    if s.best_category:
        embed.add_field(name="Best category", value=CATEGORIES[s.best_category])
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
        f"✅ Correct! **+{amount(result.points, 'point')}**."
        if result.correct
        else f"❌ Not quite. The answer was **{q.answer}**."
    )
    streak = f"🔥 {result.streak}-day streak" + (
        f" (best {plural(result.best, 'day')})" if result.best > result.streak else ""
    )
    return truncate(f"{head}\n{q.explanation}\n\n{streak} · see you tomorrow, fam!", 2000)


# ---------------------------------------------------------------------- outbox posts


def interrupted_notice(message: OutboundMessage) -> SendSpec:
    """The standings of a game a restart ended (queued by ``interrupt_open_games``)."""
    p = message.payload
    rows = [(int(u), int(pts), int(c)) for u, pts, c in p.get("standings", [])]
    body = standings_lines(rows) if rows else "Nobody had scored yet."
    embed = discord.Embed(
        title="⚠️ Quiz ended early · standings",
        description=truncate(body, 4096),
        color=BRAND,
    )
    asked, total = int(p.get("asked", 0)), int(p.get("total", 0))
    embed.set_footer(text=f"{asked}/{plural(total, 'question')} asked")
    return SendSpec(
        content="I had to restart, so the quiz here ended early. Sorry fam! 🙏 "
        "The channel is free: start a new one with `/quiz start`.",
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
        content="Hey mutuals! Today's term just dropped. 🌅",
        embeds=[term_embed(term)],
        view=view,
        allowed_mentions=discord.AllowedMentions.none(),
    )
