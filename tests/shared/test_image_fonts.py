"""Images draw every script the fam writes in: Japanese, Korean and emoji come out as glyphs,
never as the tofu box (.notdef) a Latin-only font draws. The PNGs are saved to
tests/artifacts/screenshots/ for a look."""

from __future__ import annotations

import io
import warnings
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageChops

from services.checkins.heatmap import BACKGROUND, render_heatmap
from services.checkins.streaks import DONE, MISSED, OPEN, PeriodMark
from services.imaging import font_files, font_stack, use_chart_fonts
from services.imaging.fonts import coverage
from services.welcome.card import HEIGHT, CardInfo, render_card

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
TOFU = "\ue000"  # private use: no font of the chain has it, so the first one draws .notdef
JAPANESE = "ゆなちゃん"
KOREAN = "유나맞팔"
EMOJI = "💞✨🌸"


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def save(name: str, png: bytes) -> Image.Image:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / name).write_bytes(png)
    return image(png)


def glyph(text: str, size: int = 40) -> Image.Image:
    """``text`` drawn alone by the shared stack, cropped to its ink (white on black)."""
    canvas = Image.new("RGB", (size * 3 * max(1, len(text)), size * 3), (0, 0, 0))
    font_stack(size).draw(canvas, (size, size), text, fill=(255, 255, 255))
    bbox = canvas.getbbox()
    assert bbox is not None, f"{text!r} drew nothing"
    return canvas.crop(bbox)


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def colourful_pixels(image: Image.Image) -> int:
    """Pixels no single-colour text could make: emoji are drawn in colour."""
    pixels = image.convert("RGB").tobytes()
    triples = zip(pixels[0::3], pixels[1::3], pixels[2::3], strict=True)
    return sum(1 for rgb in triples if max(rgb) - min(rgb) > 60)


def test_the_fallback_chain_is_installed_latin_cjk_and_emoji() -> None:
    files = font_files()
    assert len(files) == 3, files
    latin, cjk, emoji = (coverage(f) for f in files)
    assert ord("é") in latin and ord("ゆ") not in latin and ord("유") not in latin
    assert all(ord(ch) in cjk for ch in JAPANESE + KOREAN + "漢字")
    assert all(ord(ch) in emoji for ch in EMOJI)
    assert not any(ord(TOFU) in c for c in (latin, cjk, emoji))


def test_every_cjk_and_emoji_character_is_a_glyph_not_the_tofu_box() -> None:
    tofu = glyph(TOFU)
    drawn = {ch: glyph(ch) for ch in JAPANESE + KOREAN + EMOJI}
    for ch, image in drawn.items():
        assert not same(image, tofu), f"{ch!r} came out as the tofu box"
    # tofu boxes are all alike; real glyphs of different characters are not
    distinct = {image.tobytes() for image in drawn.values()}
    assert len(distinct) == len(set(JAPANESE + KOREAN + EMOJI))
    for ch in EMOJI:
        assert colourful_pixels(drawn[ch]) > 50, f"{ch!r} isn't a colour emoji"


def name_band(card: Image.Image) -> Image.Image:
    """The name line of the welcome card (right of the avatar)."""
    return card.crop((250, 72, 800, 140))


def test_welcome_card_draws_japanese_korean_and_emoji_names() -> None:
    info = CardInfo(
        name=f"{KOREAN} {EMOJI} {JAPANESE}",
        niche="K-beauty 뷰티",
        member_number=1234,
        server="ミューチュアルズ 🌸 서버",
    )
    card = save("image_fonts_welcome_card_cjk.png", render_card(info))
    tofu = save(
        "image_fonts_welcome_card_tofu.png",
        render_card(CardInfo(name=TOFU * 12, niche=None, member_number=None, server="x")),
    )
    assert card.size == tofu.size and card.size[1] == HEIGHT
    band, tofu_band = name_band(card), name_band(tofu)
    assert not same(band, tofu_band)
    assert colourful_pixels(band) > 200  # the emoji, in colour
    # the name's glyphs are real: each script's run differs from its tofu rendition
    korean_only = name_band(
        save(
            "image_fonts_welcome_card_korean.png",
            render_card(CardInfo(name=KOREAN, niche=None, member_number=None, server="x")),
        )
    )
    korean_tofu = name_band(
        image(
            render_card(
                CardInfo(name=TOFU * len(KOREAN), niche=None, member_number=None, server="x")
            )
        )
    )
    assert not same(korean_only, korean_tofu)
    # the avatar's initials come from the name too (a Korean syllable, not a box)
    avatar = card.crop((40, 40, 210, 210))
    tofu_avatar = tofu.crop((40, 40, 210, 210))
    assert not same(avatar, tofu_avatar)


def test_heatmap_title_draws_japanese_korean_and_emoji() -> None:
    start = date(2026, 9, 7)
    marks = [
        PeriodMark(start + timedelta(weeks=i), DONE if i % 3 else MISSED, (i % 5) + 1)
        for i in range(11)
    ] + [PeriodMark(start + timedelta(weeks=11), OPEN, None)]
    heatmap = save(
        "image_fonts_heatmap_cjk.png",
        render_heatmap(marks, title=f"{JAPANESE} {EMOJI} {KOREAN}: 最近12週"),
    )
    tofu = save("image_fonts_heatmap_tofu.png", render_heatmap(marks, title=TOFU * 16 + ": 12"))
    title, tofu_title = heatmap.crop((0, 0, heatmap.width, 34)), tofu.crop((0, 0, tofu.width, 34))
    assert not same(title, tofu_title)
    assert colourful_pixels(title) > 20
    # a title too long for the image is cut with an ellipsis inside its margin
    long = image(render_heatmap(marks, title="ゆ" * 80))
    margin = long.crop((long.width - 12, 0, long.width, 34))
    assert margin.getcolors() == [(margin.width * margin.height, BACKGROUND)]


def chart_text(text: str) -> Image.Image:
    """``text`` drawn by matplotlib the way the pulse charts draw, cropped to its ink."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    assert use_chart_fonts()[:2] == ("DejaVu Sans", "Noto Sans CJK JP")
    fig = Figure(figsize=(6, 1), dpi=100, facecolor="black")
    FigureCanvasAgg(fig)
    fig.text(0.02, 0.3, text, color="white", fontsize=20, fontweight="bold")
    out = io.BytesIO()
    with warnings.catch_warnings():  # the tofu reference is missing on purpose
        warnings.filterwarnings("ignore", message=r"Glyph 57344 \(\\ue000\) missing")
        fig.savefig(out, format="png", facecolor="black")
    drawn = image(out.getvalue())
    bbox = drawn.getbbox()
    assert bbox is not None
    return drawn.crop(bbox)


def test_pulse_charts_draw_japanese_and_korean() -> None:
    tofu = chart_text(TOFU)
    drawn = {ch: chart_text(ch) for ch in JAPANESE + KOREAN}
    for ch, picture in drawn.items():
        assert not same(picture, tofu), f"{ch!r} came out as the tofu box in a chart"
    assert len({p.tobytes() for p in drawn.values()}) == len(set(JAPANESE + KOREAN))
    summary = save("image_fonts_chart_title.png", _png(chart_text(f"{JAPANESE} · {KOREAN}")))
    assert summary.width > 100


def _png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()
