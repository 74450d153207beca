"""Fonts for every image Mutuals draws: Latin, Japanese, Korean and emoji, never tofu boxes.

No single font covers a name like "유나 ✨ ゆな": a ``FontStack`` splits the text into runs and
draws each run with the first font of the fallback chain that has its glyphs (DejaVu Sans for
Latin and friends, Noto Sans CJK for kana, kanji and Hangul, Noto Color Emoji for emoji), on a
shared baseline. Coverage comes from each font's character map (fontTools), read once.

The fonts are Debian's packages (``fonts-dejavu-core``, ``fonts-noto-cjk``,
``fonts-noto-color-emoji``; the Dockerfile and ``.ci/run`` install them), found at their known
paths or through ``fc-match``. Without any of them, Pillow's built-in font still draws Latin.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, TypeAlias

from core.lazy_import import lazy_module

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont
else:  # Pillow loads when the first picture is drawn, not at start-up
    Image = lazy_module("PIL.Image")
    ImageDraw = lazy_module("PIL.ImageDraw")
    ImageFont = lazy_module("PIL.ImageFont")


Font: TypeAlias = "ImageFont.FreeTypeFont | ImageFont.ImageFont"
RGB = tuple[int, int, int]

#: where Debian puts the fonts (first found wins), then what to ask fontconfig for
LATIN = {
    False: ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVu Sans"),
    True: ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "DejaVu Sans:bold"),
}
CJK = {
    False: ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK JP"),
    True: ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK JP:bold"),
}
EMOJI = ("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf", "Noto Color Emoji")
#: colour emoji are bitmaps with one strike: drawn at this size, then scaled to the text
EMOJI_STRIKE = 109
EMOJI_SCALE = 0.85  # an emoji's advance is about 1.06 em: as wide as a CJK character

#: characters that belong to the run before them (they shape the cluster, not a glyph of
#: their own): joiners, variation selectors, skin tones, keycaps, tags, combining marks
_ZWJ, _VS16 = 0x200D, 0xFE0F


def _joins_previous(ch: str) -> bool:
    cp = ord(ch)
    return (
        cp in (_ZWJ, 0xFE0E, _VS16, 0x20E3)
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
    )


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0
    #: the one pixel size a bitmap (colour emoji) font can be loaded at; None for outlines
    strike: int | None = None


def _fc_match(pattern: str) -> str | None:
    """fontconfig's file for ``pattern``, only when it really is that family (fc-match always
    answers something, often DejaVu)."""
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    family, _, path = out.partition("\t")
    wanted = pattern.split(":", 1)[0].casefold()
    if path and wanted in family.casefold():
        return path
    return None


def _find(known: str, pattern: str) -> str | None:
    try:
        with open(known, "rb"):
            return known
    except OSError:
        return _fc_match(pattern)


@lru_cache(maxsize=2)
def font_files(bold: bool = False) -> tuple[FontFile, ...]:
    """The fallback chain that is installed here, in order: Latin, CJK, emoji."""
    chain: list[FontFile] = []
    latin = _find(*LATIN[bold]) or _find(*LATIN[False])
    if latin:
        chain.append(FontFile(latin))
    cjk = _find(*CJK[bold]) or _find(*CJK[False])
    if cjk:
        chain.append(FontFile(cjk))  # index 0 of the collection is the JP cut (Hangul too)
    emoji = _find(*EMOJI)
    if emoji:
        chain.append(FontFile(emoji, strike=EMOJI_STRIKE))
    return tuple(chain)


@lru_cache(maxsize=8)
def coverage(file: FontFile) -> frozenset[int]:
    """The code points ``file`` has a glyph for."""
    from fontTools.ttLib import TTFont

    with TTFont(file.path, fontNumber=file.index, lazy=True) as font:
        cmap = font.getBestCmap() or {}
        return frozenset(cmap)


@lru_cache(maxsize=64)
def _load(file: FontFile, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(file.path, file.strike or size, index=file.index)


@dataclass(frozen=True)
class Run:
    text: str
    file: FontFile | None  # None: Pillow's built-in font (nothing installed covers it)


class FontStack:
    """One size and weight of the fallback chain: measures and draws mixed-script text."""

    def __init__(self, size: int, *, bold: bool = False) -> None:
        self.size = size
        self.files = font_files(bold)
        for file in self.files:
            coverage(file)  # read once, up front: the first Korean name isn't the slow one
        self._default: Font | None = None if self.files else ImageFont.load_default(size=size)

    # ------------------------------------------------------------------ splitting
    def _pick(self, text: str, i: int) -> FontFile | None:
        cp = ord(text[i])
        # pictographs (U+1F000 on) and anything asking for emoji style ("❤️") take the emoji
        # font first; the rest prefers text fonts (digits, # and * are keycap bases there too)
        emoji_first = cp >= 0x1F000 or (i + 1 < len(text) and ord(text[i + 1]) == _VS16)
        order = sorted(self.files, key=lambda f: (f.strike is None) == emoji_first)
        for file in order:
            if cp in coverage(file):
                return file
        return None

    def runs(self, text: str) -> tuple[Run, ...]:
        """``text`` as runs of one font each, in order (remembered: names come back often)."""
        return _runs(self, text)

    def _split(self, text: str) -> tuple[Run, ...]:
        if not self.files:
            return (Run(text, None),) if text else ()
        runs: list[Run] = []
        current: FontFile | None = None
        start = 0
        for i, ch in enumerate(text):
            if i > 0 and _joins_previous(ch):
                continue  # stays in the cluster it follows
            if ch.isspace() and current is not None and current.strike is None:
                continue  # a space stays in the text run it follows (emoji fonts' are huge)
            if i > 0 and ord(text[i - 1]) == _ZWJ:
                continue  # the next person of a ZWJ sequence (👩‍💻)
            file = self._pick(text, i)
            if file is None:
                file = current or self.files[0]  # tofu, but in the run's own font
            if i == 0:
                current = file
            elif file != current:
                runs.append(Run(text[start:i], current))
                current, start = file, i
        if text:
            runs.append(Run(text[start:], current))
        return tuple(runs)

    # ------------------------------------------------------------------ measuring
    def _font(self, run: Run) -> Font:
        if run.file is None:
            assert self._default is not None or self.files
            return self._default or _load(self.files[0], self.size)
        return _load(run.file, self.size)

    def _scale(self, run: Run) -> float:
        if run.file is not None and run.file.strike is not None:
            return self.size / run.file.strike * EMOJI_SCALE
        return 1.0

    def metrics(self) -> tuple[int, int]:
        """(ascent, descent) of the first font: the line every run sits on."""
        first = self._default or _load(self.files[0], self.size)
        if isinstance(first, ImageFont.FreeTypeFont):
            return first.getmetrics()
        return self.size, 0

    def length(self, text: str) -> float:
        """How wide ``text`` is drawn, in pixels."""
        return _length(self, text)

    def _measure(self, text: str) -> float:
        return sum(
            self._font(run).getlength(run.text) * self._scale(run) for run in self.runs(text)
        )

    def fit(self, text: str, max_width: int) -> str:
        """``text``, cut with an ellipsis until it fits ``max_width`` pixels."""
        while len(text) > 1 and self.length(text) > max_width:
            text = text[:-2].rstrip() + "…"
        return text

    # ------------------------------------------------------------------ drawing
    def draw(
        self,
        image: Image.Image,
        xy: tuple[float, float],
        text: str,
        *,
        fill: RGB,
        anchor: str = "la",
    ) -> None:
        """Draw ``text`` at ``xy``: ``anchor`` is Pillow's (horizontal l/m/r, vertical a/m/s),
        taken from the first font's metrics so that every run shares one baseline."""
        ascent, descent = self.metrics()
        width = self.length(text) if anchor[0] != "l" else 0.0
        x = xy[0] - {"l": 0.0, "m": width / 2, "r": width}[anchor[0]]
        baseline = xy[1] + {"a": ascent, "m": (ascent - descent) / 2, "s": 0}[anchor[1]]
        draw = ImageDraw.Draw(image)
        for run in self.runs(text):
            font = self._font(run)
            scale = self._scale(run)
            if scale == 1.0:
                draw.text((x, baseline), run.text, font=font, fill=fill, anchor="ls")
            else:
                _paste_emoji(image, run.text, font, scale, x, baseline)
            x += font.getlength(run.text) * scale


def _paste_emoji(
    image: Image.Image, text: str, font: Font, scale: float, x: float, baseline: float
) -> None:
    assert isinstance(font, ImageFont.FreeTypeFont)
    ascent, descent = font.getmetrics()
    width = max(1, int(font.getlength(text)) + 2)
    glyphs = Image.new("RGBA", (width, ascent + descent), (0, 0, 0, 0))
    ImageDraw.Draw(glyphs).text((0, ascent), text, font=font, anchor="ls", embedded_color=True)
    size = (max(1, round(width * scale)), max(1, round((ascent + descent) * scale)))
    scaled = glyphs.resize(size, Image.Resampling.LANCZOS)
    top = round(baseline - ascent * scale)
    if image.mode != "RGBA":
        image.paste(scaled, (round(x), top), scaled)
    else:
        image.alpha_composite(scaled, (round(x), top))


# Stacks live as long as the process (``font_stack``), so caching by stack is safe.
@lru_cache(maxsize=2048)
def _runs(stack: FontStack, text: str) -> tuple[Run, ...]:
    return stack._split(text)


@lru_cache(maxsize=2048)
def _length(stack: FontStack, text: str) -> float:
    return stack._measure(text)


@lru_cache(maxsize=32)
def font_stack(size: int, *, bold: bool = False) -> FontStack:
    """The shared stack for a size and weight (fonts load once per process)."""
    return FontStack(size, bold=bold)


@lru_cache(maxsize=1)
def use_chart_fonts() -> tuple[str, ...]:
    """matplotlib draws with the same chain (its outline fonts: it can't draw colour bitmap
    emoji): the fonts are registered once and become its default families, which matplotlib
    (3.6 and later) falls back through per character. Idempotent; returns the families."""
    from matplotlib import font_manager, rcParams

    families: list[str] = []
    for file in dict.fromkeys([*font_files(), *font_files(bold=True)]):
        if file.strike is not None:
            continue
        font_manager.fontManager.addfont(file.path)  # both weights: bold titles stay bold
        name = font_manager.FontProperties(fname=file.path).get_name()
        if name not in families:
            families.append(name)
    if families:
        rcParams["font.family"] = [*families, "sans-serif"]
    return tuple(families)
