"""The welcome card: a small PNG (avatar or initials, name, niche, member number) made with Pillow.

Pure and CPU-bound: the cog calls ``render_card`` through ``asyncio.to_thread`` so the event
loop keeps answering commands while cards are drawn.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

from core.i18n import _, format_number

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


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


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


def _fit(
    text: str, size: int, max_width: int
) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    """Shrink the font, then truncate, until ``text`` fits ``max_width`` pixels."""
    font = _font(size)
    while size > 18 and font.getlength(text) > max_width:
        size -= 4
        font = _font(size)
    while len(text) > 1 and font.getlength(text) > max_width:
        text = text[:-2] + "…"
    return text, font


def _avatar(png: bytes | None, name: str) -> Image.Image:
    if png:
        try:
            with Image.open(io.BytesIO(png)) as raw:
                return ImageOps.fit(raw.convert("RGB"), (AVATAR, AVATAR))
        except (OSError, ValueError):
            pass  # a broken avatar falls back to initials
    img = Image.new("RGB", (AVATAR, AVATAR), (52, 56, 78))
    draw = ImageDraw.Draw(img)
    draw.text((AVATAR // 2, AVATAR // 2), initials(name), font=_font(72), fill=TEXT, anchor="mm")
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
    draw = ImageDraw.Draw(img)
    left, right = 40 + AVATAR + 40, WIDTH - 30
    draw.text((left, 38), _("HEY MUTUAL!"), font=_font(26), fill=CYAN)
    name, font = _fit(info.name, 54, right - left)
    draw.text((left, 72), name, font=font, fill=TEXT)
    niche = _("{niche} creator", niche=info.niche) if info.niche else _("new creator in the fam")
    line, font = _fit(niche, 30, right - left)
    draw.text((left, 140), line, font=font, fill=BRAND)
    number = (
        _("member #{number}", number=format_number(info.member_number))
        if info.member_number
        else _("new member")
    )
    footer, font = _fit(f"{number} · {info.server}", 24, right - left)
    draw.text((left, 190), footer, font=font, fill=MUTED)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False, compress_level=1)
    return out.getvalue()
