"""Seeded cover art for the sandbox provider: a gradient, a few soft shapes and the title.

Everything is drawn with Pillow's own primitives and its bundled default
font, so it needs no font files, no network and no numpy.
"""

from __future__ import annotations

import colorsys
import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

_RGB = tuple[int, int, int]
_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_MAX_TITLE_LINES = 3
_SHAPES = 5


class _Dice:
    """Deterministic numbers from a seed; see ``synth._Dice`` for why not ``random``."""

    def __init__(self, seed: bytes) -> None:
        self._digest = hashlib.sha512(b"cover:" + seed).digest()
        self._index = 0

    def unit(self) -> float:
        """A number in [0, 1) taken from the next two bytes of the digest."""
        if self._index + 2 > len(self._digest):
            self._digest = hashlib.sha512(self._digest).digest()
            self._index = 0
        value = int.from_bytes(self._digest[self._index : self._index + 2], "big")
        self._index += 2
        return value / 65536


def render_cover(seed: bytes, title: str, size: int = 512) -> bytes:
    """A square PNG cover of ``size`` pixels for ``seed``, with ``title`` written on it.

    The same seed and title always give the same bytes. A 512-pixel cover is
    a few tens of kilobytes: flat gradients and shapes compress well in PNG.
    """
    if size < 64:
        raise ValueError("size must be at least 64 pixels")
    dice = _Dice(seed)
    hue = dice.unit()
    image = _gradient(size, _colour(hue, 0.65, 0.55), _colour(hue + 0.12, 0.7, 0.18))
    image = _shapes(image, dice, hue)
    _title(image, title)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _colour(hue: float, saturation: float, value: float) -> _RGB:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


def _gradient(size: int, top: _RGB, bottom: _RGB) -> Image.Image:
    # Pillow's built-in 256-step gradient, stretched: fast, and no per-pixel Python.
    mask = Image.linear_gradient("L").resize((size, size))
    return Image.composite(
        Image.new("RGB", mask.size, bottom), Image.new("RGB", mask.size, top), mask
    )


def _shapes(image: Image.Image, dice: _Dice, hue: float) -> Image.Image:
    """Translucent circles in colours near the base hue, drawn on their own layer."""
    size = image.width
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(_SHAPES):
        radius = size * (0.12 + 0.3 * dice.unit())
        x, y = size * dice.unit(), size * 0.7 * dice.unit()
        colour = _colour(hue + 0.25 * dice.unit() - 0.1, 0.5, 0.95)
        alpha = 50 + int(70 * dice.unit())
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*colour, alpha))
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def _title(image: Image.Image, title: str) -> None:
    """The title, wrapped to at most three lines, on a dark band across the bottom."""
    size = image.width
    font = ImageFont.load_default(size=max(12, size // 14))
    margin = size // 16
    lines = _wrap(title.strip() or "Untitled", font, size - 2 * margin)
    line_height = size // 12
    band_top = size - line_height * (len(lines) + 1)
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle((0, band_top, size, size), fill=(0, 0, 0, 120))
    for i, line in enumerate(lines):
        y = band_top + line_height * (i + 0.5)
        draw.text((margin, y), line, font=font, fill=(255, 255, 255))


def _wrap(text: str, font: _Font, width: int) -> list[str]:
    """Greedy word wrap by measured width; a title too long for three lines ends in "...".

    Words wider than a line are cut by character, so a long URL-like title
    cannot run off the cover.
    """
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while font.getlength(line) > width and len(line) > 1:
            cut = _fitting_prefix(line, font, width)
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line)
    if len(lines) > _MAX_TITLE_LINES:
        last = lines[_MAX_TITLE_LINES - 1]
        while last and font.getlength(last + "...") > width:
            last = last[:-1]
        lines = [*lines[: _MAX_TITLE_LINES - 1], last.rstrip() + "..."]
    return lines


def _fitting_prefix(word: str, font: _Font, width: int) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one)."""
    cut = len(word)
    while cut > 1 and font.getlength(word[:cut]) > width:
        cut -= 1
    return cut
