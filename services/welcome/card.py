"""The welcome card: a small PNG (avatar or initials, name, niche, member number) made with Pillow.

Pure and CPU-bound: the cog calls ``render_card`` through ``asyncio.to_thread`` so the event
loop keeps answering commands while cards are drawn.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from core.i18n import _, format_number
from core.lazy_import import lazy_module
from services.imaging import FontStack, font_stack

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageOps
else:  # Pillow loads when the first picture is drawn, not at start-up
    Image = lazy_module("PIL.Image")
    ImageDraw = lazy_module("PIL.ImageDraw")
    ImageOps = lazy_module("PIL.ImageOps")

WIDTH, HEIGHT = 800, 250
AVATAR = 170
BRAND = (254, 44, 85)  # TikTok pink-red
CYAN = (37, 244, 238)
BACKGROUND = (22, 24, 35)
TEXT = (255, 255, 255)
MUTED = (170, 174, 190)


@dataclass(frozen=True)
class CardInfo:
    name: str
    niche: str | None
    member_number: int | None
    server: str
    avatar_png: bytes | None = None


@lru_cache(maxsize=1)
def _background() -> Image.Image:
    """The shared backdrop (drawn once): dark card, brand stripes, avatar ring."""
    img = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 10, HEIGHT), fill=BRAND)
    draw.rectangle((10, 0, 16, HEIGHT), fill=CYAN)
    cx, cy, r = 40 + AVATAR // 2, HEIGHT // 2, AVATAR // 2 + 6
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=BRAND)
    return img


def initials(name: str) -> str:
    letters = [w[0] for w in name.replace("_", " ").replace(".", " ").split() if w]
    picked = "".join(ch for ch in letters if unicodedata.category(ch)[0] in "LN")[:2]
    return picked.upper() or "✦"


def _fit(text: str, size: int, max_width: int, *, bold: bool = False) -> tuple[str, FontStack]:
    """Shrink the font, then truncate, until ``text`` fits ``max_width`` pixels (any script:
    the stack falls back per character to CJK and emoji fonts)."""
    fonts = font_stack(size, bold=bold)
    while size > 18 and fonts.length(text) > max_width:
        size -= 4
        fonts = font_stack(size, bold=bold)
    return fonts.fit(text, max_width), fonts


def _avatar(png: bytes | None, name: str) -> Image.Image:
    if png:
        try:
            with Image.open(io.BytesIO(png)) as raw:
                return ImageOps.fit(raw.convert("RGB"), (AVATAR, AVATAR))
        except (OSError, ValueError):
            pass  # a broken avatar falls back to initials
    img = Image.new("RGB", (AVATAR, AVATAR), (52, 56, 78))
    centre = (AVATAR // 2, AVATAR // 2)
    font_stack(72, bold=True).draw(img, centre, initials(name), fill=TEXT, anchor="mm")
    return img


@lru_cache(maxsize=1)
def _mask() -> Image.Image:
    mask = Image.new("L", (AVATAR, AVATAR), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, AVATAR - 1, AVATAR - 1), fill=255)
    return mask


def render_card(info: CardInfo) -> bytes:
    """PNG bytes of the welcome card (its words in the language of the moment)."""
    img = _background().copy()
    img.paste(_avatar(info.avatar_png, info.name), (40, (HEIGHT - AVATAR) // 2), _mask())
    left, right = 40 + AVATAR + 40, WIDTH - 30
    font_stack(26, bold=True).draw(img, (left, 38), _("HEY MUTUAL!"), fill=CYAN)
    name, fonts = _fit(info.name, 54, right - left, bold=True)
    fonts.draw(img, (left, 72), name, fill=TEXT)
    niche = _("{niche} creator", niche=info.niche) if info.niche else _("new creator in the fam")
    line, fonts = _fit(niche, 30, right - left)
    fonts.draw(img, (left, 140), line, fill=BRAND)
    number = (
        _("member #{number}", number=format_number(info.member_number))
        if info.member_number
        else _("new member")
    )
    footer, fonts = _fit(f"{number} · {info.server}", 24, right - left)
    fonts.draw(img, (left, 190), footer, fill=MUTED)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()
