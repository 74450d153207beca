"""The pulse's charts, drawn by matplotlib (its object API on the Agg canvas: no pyplot, no
global state, so charts can be drawn in worker threads). Warm colours on the dashboard's dark
panel, big labels, every bar's number written on it, and alt text saying the same in words.

Drawing is CPU-bound (tens of milliseconds a chart): callers run it off the event loop
(``asyncio.to_thread``). The same numbers draw the same picture, so recent ones are cached.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from core.errors import NotFound
from services.imaging import use_chart_fonts
from services.pulse.values import Collabs, Funnel, Pulse, Quizzes, Shoutouts, WeekRate

if TYPE_CHECKING:  # matplotlib (with numpy, ~45 MB resident) loads on the first chart drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BG = "#2b2d31"
TEXT = "#f2f3f5"
MUTED = "#b5bac1"
GRID = "#3f4147"
PINK = "#fe2c55"
CORAL = "#ff7a59"
AMBER = "#ffc24b"
PEACH = "#ffb199"
PLUM = "#b05c8f"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    alt: str


def _style(ax: Axes, title: str) -> None:
    ax.set_facecolor(BG)
    # a fixed y: matplotlib skips measuring every tick label to place the title
    ax.set_title(title, color=TEXT, fontsize=13, fontweight="bold", loc="left", y=1.04)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
    ax.tick_params(colors=MUTED, labelsize=10, length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GRID)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _empty(ax: Axes, text: str) -> None:
    ax.text(
        0.5, 0.5, text, ha="center", va="center", color=MUTED, fontsize=12, transform=ax.transAxes
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def funnel_steps(f: Funnel) -> list[tuple[str, int]]:
    return [
        ("Joined", f.joined),
        ("Got the DM", f.dm_sent),
        ("Started", f.started),
        ("Finished", f.finished),
    ]


def draw_funnel(ax: Axes, f: Funnel) -> None:
    _style(ax, "Onboarding: joined → finished")
    ax.grid(False)
    if not f.joined:
        _empty(ax, "Nobody joined this week")
        return
    steps = funnel_steps(f)
    labels = [s for s, _ in steps][::-1]
    values = [n for _, n in steps][::-1]
    colors = [PINK, CORAL, AMBER, PEACH][::-1]
    bars = ax.barh(labels, values, color=colors, height=0.65)
    ax.set_xlim(0, max(values) * 1.3)
    ax.set_xticks([])
    ax.tick_params(axis="y", labelsize=11, colors=TEXT)
    for bar, n in zip(bars, values, strict=True):
        ax.text(
            bar.get_width() + max(values) * 0.02,
            bar.get_y() + bar.get_height() / 2,
            f"{n}  ({_pct(n, f.joined)})",
            va="center",
            color=TEXT,
            fontsize=11,
        )
    if f.stuck_at:
        stuck = ", ".join(f"{step} {n}" for step, n in f.stuck_at)
        ax.set_xlabel(f"Stopped at: {stuck}", color=MUTED, fontsize=10)


def _rate_bars(
    ax: Axes, trend: Sequence[WeekRate], title: str, total_label: str, done_label: str
) -> None:
    _style(ax, title)
    if not any(r.total for r in trend):
        _empty(ax, "Nothing yet in these weeks")
        return
    xs = list(range(len(trend)))
    width = 0.38
    ax.bar(
        [x - width / 2 for x in xs], [r.total for r in trend], width, color=PLUM, label=total_label
    )
    done = ax.bar(
        [x + width / 2 for x in xs], [r.done for r in trend], width, color=PINK, label=done_label
    )
    top = max(r.total for r in trend)
    for bar, r in zip(done, trend, strict=True):
        if r.total:
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                bar.get_height() + top * 0.03,
                _pct(r.done, r.total),
                ha="center",
                color=TEXT,
                fontsize=9,
            )
    ax.set_ylim(0, top * 1.25)
    ax.set_xticks(xs, [f"{r.week:%b} {r.week.day}" for r in trend])
    legend = ax.legend(loc="upper left", frameon=False, fontsize=10, ncols=2)
    for text in legend.get_texts():
        text.set_color(TEXT)


def draw_checkins(ax: Axes, trend: Sequence[WeekRate]) -> None:
    _rate_bars(ax, trend, "Check-ins: asked vs answered", "asked", "answered")


def draw_collabs(ax: Axes, c: Collabs) -> None:
    _rate_bars(ax, c.trend, "Collab groups vs “we collabed”", "groups formed", "we collabed")


def draw_quizzes(ax: Axes, q: Quizzes) -> None:
    _style(ax, "Term of the day: players")
    if not any(d.players for d in q.days):
        _empty(ax, "Nobody played the term of the day")
        return
    xs = list(range(7))
    ax.bar(xs, [d.players for d in q.days], 0.65, color=AMBER, label="played")
    ax.bar(xs, [d.correct for d in q.days], 0.65, color=PINK, label="got it right")
    ax.set_xticks(xs, list(DAYS))
    legend = ax.legend(loc="upper left", frameon=False, fontsize=10, ncols=2)
    for text in legend.get_texts():
        text.set_color(TEXT)
    ax.set_ylim(0, max(d.players for d in q.days) * 1.25)


def draw_shoutouts(ax: Axes, s: Shoutouts) -> None:
    _style(ax, "Shoutouts per rotation")
    ax.grid(False)
    if not s.rotations:
        _empty(ax, "No rotations yet")
        return
    names = [r.name for r in s.rotations][::-1]
    left = [0] * len(names)
    for label, color, field in (
        ("featured", PINK, "featured"),
        ("missed", AMBER, "missed"),
        ("nobody to feature", PLUM, "empty"),
        ("failed", MUTED, "failed"),
    ):
        values = [int(getattr(r, field)) for r in s.rotations][::-1]
        ax.barh(names, values, left=left, color=color, label=label, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.tick_params(axis="y", labelsize=11, colors=TEXT)
    legend = ax.legend(loc="lower right", frameon=False, fontsize=9)
    for text in legend.get_texts():
        text.set_color(TEXT)


def _encode(fig: Figure, fmt: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, facecolor=BG)
    return buf.getvalue()


def _figure(width: float = 6.4, height: float = 3.4) -> Figure:
    from matplotlib.figure import Figure

    use_chart_fonts()  # names and labels in Japanese or Korean draw as glyphs, not boxes
    fig = Figure(figsize=(width, height), dpi=100, facecolor=BG)
    fig.subplots_adjust(left=0.14, right=0.97, top=0.86, bottom=0.14, hspace=0.45, wspace=0.22)
    return fig


def charts_of(p: Pulse) -> list[Chart]:
    """The charts the pulse page shows, with what each says in words (the alt text)."""
    f, c, k, q = p.funnel, p.collabs, p.checkins, p.quizzes
    steps = ", ".join(f"{label} {n}" for label, n in funnel_steps(f))
    stuck = "; stopped at " + ", ".join(f"{s} {n}" for s, n in f.stuck_at) if f.stuck_at else ""
    week_k = k.trend[-1]
    days = ", ".join(f"{DAYS[i]} {d.players}" for i, d in enumerate(q.days))
    rot = "; ".join(
        f"{r.name}: {r.featured} featured, {r.missed} missed" for r in p.shoutouts.rotations
    )
    return [
        Chart("funnel", "Onboarding funnel", f"Onboarding funnel this week: {steps}{stuck}."),
        Chart(
            "checkins",
            "Check-ins",
            f"Check-ins over {len(k.trend)} weeks; this week {week_k.done} of {week_k.total} "
            f"answered ({_pct(week_k.done, week_k.total)}).",
        ),
        Chart(
            "collabs",
            "Collabs",
            f"Collab groups over {len(c.trend)} weeks; this week {c.groups} formed, "
            f"{c.collabed} said we collabed.",
        ),
        Chart("quizzes", "Quizzes", f"Term of the day players by day: {days}."),
        Chart(
            "shoutouts",
            "Shoutouts",
            f"Shoutouts this week per rotation: {rot}." if rot else "No shoutout rotations.",
        ),
    ]


DRAW: dict[str, Callable[[Axes, Pulse], None]] = {
    "funnel": lambda ax, p: draw_funnel(ax, p.funnel),
    "checkins": lambda ax, p: draw_checkins(ax, p.checkins.trend),
    "collabs": lambda ax, p: draw_collabs(ax, p.collabs),
    "quizzes": lambda ax, p: draw_quizzes(ax, p.quizzes),
    "shoutouts": lambda ax, p: draw_shoutouts(ax, p.shoutouts),
}
CHART_KEYS = tuple(DRAW)


def render_chart(p: Pulse, key: str, fmt: str = "png") -> bytes:
    """One chart as PNG or SVG bytes (``key`` in CHART_KEYS)."""
    if key not in DRAW or fmt not in ("png", "svg"):
        raise NotFound(f"The pulse has no chart called `{key[:40]}.{fmt[:5]}`.")
    return _render_cached(_without_time(p), key, fmt)


def _without_time(p: Pulse) -> Pulse:
    """The cache key: the numbers without the moment they were read, so a reload of the same
    numbers reuses the picture."""
    return replace(p, generated_at=EPOCH)


@lru_cache(maxsize=64)
def _render_cached(p: Pulse, key: str, fmt: str) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    DRAW[key](ax, p)
    return _encode(fig, fmt)


def render_summary(p: Pulse) -> bytes:
    """The week on one PNG, for Discord: funnel, check-ins, collabs and quizzes, 2 × 2."""
    return _summary_cached(_without_time(p))


@lru_cache(maxsize=16)
def _summary_cached(p: Pulse) -> bytes:
    fig = _figure(12, 7)
    fig.suptitle(
        f"Pulse of {p.guild_name} · {p.week.label}", color=TEXT, fontsize=16, fontweight="bold"
    )
    grid = fig.subplots(2, 2)
    draw_funnel(grid[0][0], p.funnel)
    draw_checkins(grid[0][1], p.checkins.trend)
    draw_collabs(grid[1][0], p.collabs)
    draw_quizzes(grid[1][1], p.quizzes)
    return _encode(fig, "png")
