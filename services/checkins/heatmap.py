"""The streak heatmap: the last periods as a row of tiles (Pillow; call it off the event loop)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.lazy_import import lazy_module
from services.checkins.streaks import AWAY, DONE, GRACE, MISSED, NONE, OPEN, PeriodMark
from services.imaging import font_stack

if TYPE_CHECKING:
    from PIL import Image, ImageDraw
else:  # Pillow loads when the first picture is drawn, not at start-up
    Image = lazy_module("PIL.Image")
    ImageDraw = lazy_module("PIL.ImageDraw")

TILE, GAP, PAD = 44, 8, 16
BACKGROUND = (24, 24, 27)
TEXT = (235, 235, 240)
MUTED = (140, 140, 150)
# done tiles are shaded by mood (1 = pale … 5 = full TikTok pink); unknown mood = mid pink
MOOD_SHADES = {
    1: (92, 45, 60),
    2: (140, 52, 78),
    3: (190, 45, 90),
    4: (228, 44, 95),
    5: (254, 44, 85),
}
COLOURS = {
    OPEN: (60, 60, 68),
    AWAY: (37, 244, 238),  # TikTok cyan: frozen
    GRACE: (120, 200, 230),
    NONE: (44, 44, 50),
    MISSED: (70, 70, 76),
}
LEGEND = (
    ("checked in", (254, 44, 85)),
    ("frozen", (37, 244, 238)),
    ("grace", (120, 200, 230)),
    ("missed", (70, 70, 76)),
)


def render_heatmap(marks: Sequence[PeriodMark], *, title: str, slots: int = 12) -> bytes:
    """PNG bytes: `slots` tiles, oldest left, the current period right."""
    # names and labels in any script: the stack falls back to CJK and emoji fonts per character
    font = font_stack(12)
    shown = list(marks)[-slots:]
    padded: list[PeriodMark | None] = [None] * (slots - len(shown)) + list(shown)
    width = PAD * 2 + slots * TILE + (slots - 1) * GAP
    height = PAD * 2 + 18 + TILE + 18 + 18
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    heading = font_stack(13, bold=True)
    heading.draw(image, (PAD, PAD), heading.fit(title[:80], width - 2 * PAD), fill=TEXT)
    top = PAD + 18
    for index, mark in enumerate(padded):
        left = PAD + index * (TILE + GAP)
        box = (left, top, left + TILE, top + TILE)
        if mark is None:
            draw.rounded_rectangle(box, radius=8, outline=(50, 50, 56), width=1)
            continue
        if mark.status == DONE:
            colour = MOOD_SHADES.get(mark.mood or 4, MOOD_SHADES[4])
        else:
            colour = COLOURS.get(mark.status, COLOURS[NONE])
        draw.rounded_rectangle(box, radius=8, fill=colour)
        if mark.status == OPEN:
            draw.rounded_rectangle(box, radius=8, outline=TEXT, width=2)
        if mark.status == DONE and mark.mood:
            middle = (left + TILE // 2, top + TILE // 2)
            font.draw(image, middle, str(mark.mood), fill=TEXT, anchor="mm")
        label = mark.label.strftime("%d/%m")
        font.draw(image, (left + 6, top + TILE + 3), label, fill=MUTED)
    x = PAD
    y = top + TILE + 20
    for name, colour in LEGEND:
        draw.rectangle((x, y + 2, x + 10, y + 12), fill=colour)
        font.draw(image, (x + 14, y), name, fill=MUTED)
        x += 14 + round(font.length(name)) + 16
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
