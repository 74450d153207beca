"""The pulse's charts, drawn by matplotlib (its object API on the Agg canvas: no pyplot, no
global state, so charts can be drawn in worker threads). Warm colours on the dashboard's dark
panel, big labels, every bar's number written on it, and alt text saying the same in words.

Drawing is CPU-bound (tens of milliseconds a chart): it runs in the worker process of
``services.pulse.renderer`` (which also keeps the pictures), in the viewer's language, with
fonts that have kana, kanji and Hangul when the machine has them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date

from babel.dates import format_date
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from core.i18n import _, current, use_locale
from services.imaging import use_chart_fonts
from services.pulse.values import Collabs, Funnel, Pulse, Quizzes, Shoutouts, WeekRate
from services.pulse.weeks import week_label
from services.pulse.words import day_names, funnel_steps, pct, stuck_words

BG = "#2b2d31"
TEXT = "#f2f3f5"
MUTED = "#b5bac1"
GRID = "#3f4147"
PINK = "#fe2c55"
CORAL = "#ff7a59"
AMBER = "#ffc24b"
PEACH = "#ffb199"
PLUM = "#b05c8f"


def warm_up() -> None:
    """In the worker, once: matplotlib imported, the fonts registered, one picture drawn."""
    fig = _figure(1, 1)
    fig.add_subplot().bar([0], [1])
    _encode(fig, "png")


def short_date(day: date) -> str:
    return format_date(day, "MMM d", locale=current())


def _style(ax: Axes, title: str) -> None:
    ax.set_facecolor(BG)
    # a fixed y: matplotlib skips measuring every tick label to place the title
    ax.set_title(title, color=TEXT, fontsize=13, fontweight="bold", loc="left", y=1.04)
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


def draw_funnel(ax: Axes, f: Funnel) -> None:
    _style(ax, _("Onboarding: joined → finished"))
    ax.grid(False)
    if not f.joined:
        _empty(ax, _("Nobody joined this week"))
        return
    steps = funnel_steps(f)
    labels = [s for s, _n in steps][::-1]
    values = [n for _s, n in steps][::-1]
    colors = [PINK, CORAL, AMBER, PEACH][::-1]
    bars = ax.barh(labels, values, color=colors, height=0.65)
    ax.set_yticks(range(len(labels)), labels)  # every step named (not 4 ticks, as for counts)
    ax.set_xlim(0, max(values) * 1.3)
    ax.set_xticks([])
    ax.tick_params(axis="y", labelsize=11, colors=TEXT)
    for bar, n in zip(bars, values, strict=True):
        ax.text(
            bar.get_width() + max(values) * 0.02,
            bar.get_y() + bar.get_height() / 2,
            f"{n}  ({pct(n, f.joined)})",
            va="center",
            color=TEXT,
            fontsize=11,
        )
    if f.stuck_at:
        ax.set_xlabel(_("Stopped at: {steps}", steps=stuck_words(f)), color=MUTED, fontsize=10)


def _rate_bars(
    ax: Axes, trend: Sequence[WeekRate], title: str, total_label: str, done_label: str
) -> None:
    _style(ax, title)
    if not any(r.total for r in trend):
        _empty(ax, _("Nothing yet in these weeks"))
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
                pct(r.done, r.total),
                ha="center",
                color=TEXT,
                fontsize=9,
            )
    ax.set_ylim(0, top * 1.25)
    ax.set_xticks(xs, [short_date(r.week) for r in trend])
    legend = ax.legend(loc="upper left", frameon=False, fontsize=10, ncols=2)
    for text in legend.get_texts():
        text.set_color(TEXT)


def draw_checkins(ax: Axes, trend: Sequence[WeekRate]) -> None:
    _rate_bars(ax, trend, _("Check-ins: asked vs answered"), _("asked"), _("answered"))


def draw_collabs(ax: Axes, c: Collabs) -> None:
    _rate_bars(
        ax, c.trend, _("Collab groups vs “we collabed”"), _("groups formed"), _("we collabed")
    )


def draw_quizzes(ax: Axes, q: Quizzes) -> None:
    _style(ax, _("Term of the day: players"))
    if not any(d.players for d in q.days):
        _empty(ax, _("Nobody played the term of the day"))
        return
    xs = list(range(7))
    ax.bar(xs, [d.players for d in q.days], 0.65, color=AMBER, label=_("played"))
    ax.bar(xs, [d.correct for d in q.days], 0.65, color=PINK, label=_("got it right"))
    ax.set_xticks(xs, day_names())
    legend = ax.legend(loc="upper left", frameon=False, fontsize=10, ncols=2)
    for text in legend.get_texts():
        text.set_color(TEXT)
    ax.set_ylim(0, max(d.players for d in q.days) * 1.25)


def draw_shoutouts(ax: Axes, s: Shoutouts) -> None:
    _style(ax, _("Shoutouts per rotation"))
    ax.grid(False)
    if not s.rotations:
        _empty(ax, _("No rotations yet"))
        return
    names = [r.name for r in s.rotations][::-1]
    left = [0] * len(names)
    for label, color, field in (
        (_("featured"), PINK, "featured"),
        (_("missed"), AMBER, "missed"),
        (_("nobody to feature"), PLUM, "empty"),
        (_("failed"), MUTED, "failed"),
    ):
        values = [int(getattr(r, field)) for r in s.rotations][::-1]
        ax.barh(names, values, left=left, color=color, label=label, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(range(len(names)), names)  # every rotation named
    ax.tick_params(axis="y", labelsize=11, colors=TEXT)
    legend = ax.legend(loc="lower right", frameon=False, fontsize=9)
    for text in legend.get_texts():
        text.set_color(TEXT)


def _encode(fig: Figure, fmt: str) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, facecolor=BG)
    return buf.getvalue()


def _figure(width: float = 6.4, height: float = 3.4) -> Figure:
    use_chart_fonts()  # names and labels in Japanese or Korean draw as glyphs, not boxes
    fig = Figure(figsize=(width, height), dpi=100, facecolor=BG)
    fig.subplots_adjust(left=0.14, right=0.97, top=0.86, bottom=0.14, hspace=0.45, wspace=0.22)
    return fig


DRAW: dict[str, Callable[[Axes, Pulse], None]] = {
    "funnel": lambda ax, p: draw_funnel(ax, p.funnel),
    "checkins": lambda ax, p: draw_checkins(ax, p.checkins.trend),
    "collabs": lambda ax, p: draw_collabs(ax, p.collabs),
    "quizzes": lambda ax, p: draw_quizzes(ax, p.quizzes),
    "shoutouts": lambda ax, p: draw_shoutouts(ax, p.shoutouts),
}
CHART_KEYS = tuple(DRAW)


def render_chart(p: Pulse, key: str, fmt: str = "png") -> bytes:
    """One chart as PNG or SVG bytes (``key`` in CHART_KEYS), in the current language."""
    fig = _figure()
    ax = fig.add_subplot()
    DRAW[key](ax, p)
    return _encode(fig, fmt)


def render_summary(p: Pulse) -> bytes:
    """The week on one PNG, for Discord: funnel, check-ins, collabs and quizzes, 2 × 2."""
    fig = _figure(12, 7)
    fig.suptitle(
        _("Pulse of {server} · {week}", server=p.guild_name, week=week_label(p.week)),
        color=TEXT,
        fontsize=16,
        fontweight="bold",
    )
    grid = fig.subplots(2, 2)
    draw_funnel(grid[0][0], p.funnel)
    draw_checkins(grid[0][1], p.checkins.trend)
    draw_collabs(grid[1][0], p.collabs)
    draw_quizzes(grid[1][1], p.quizzes)
    return _encode(fig, "png")


def draw_many(p: Pulse, names: Sequence[str], fmt: str, language: str) -> dict[str, bytes]:
    """The worker's job: several pictures of one pulse in ``language`` ("summary" is the
    Discord image)."""
    with use_locale(language):
        return {
            name: render_summary(p) if name == "summary" else render_chart(p, name, fmt)
            for name in names
        }
