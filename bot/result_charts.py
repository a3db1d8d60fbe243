"""The two charts drawn with every result — a classifier's probabilities, a regressor's value on
its range — painted straight into a palette image with Pillow.

A result's chart is drawn for every paid run that is not already in the cache, so its cost counts
against the burst benchmark: through matplotlib it took 15-18 ms of CPU and 12 KB, here about
0.7 ms and 5 KB (bench/bench_charts.py). Same layout, fonts (matplotlib's own DejaVu Sans, with
Cyrillic) and colours as bot/charts.py's other charts, which stay in matplotlib (they are drawn on
demand, seldom).

How: the picture is an 8-bit index image. Flat shapes are painted with a palette index per colour;
each text colour is drawn into its own 8-bit coverage mask (Pillow's anti-aliased glyphs), and the
masks are folded into the index image as 32 levels between white and that colour. Text only ever
lies on white here, so those levels are exact. Encoding a one-byte-per-pixel PNG is a tenth of
what an RGB one costs.

Thread-safe: each thread has its own font objects; everything else is per call.
"""

from __future__ import annotations

import functools
import io
import math
import threading
import warnings
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.font_manager import FontProperties, findfont, get_font
from PIL import Image, ImageDraw, ImageFont

from bot import chart_style as c

if TYPE_CHECKING:
    from bot.charts import ProbabilityChart, RangeChart

LEVELS = 32  # anti-aliasing levels per text colour
SOLIDS = 16  # palette indices 0..15: white and the flat colours; then LEVELS per text colour
MAX_TEXT_COLOURS = (256 - SOLIDS) // LEVELS
PNG_LEVEL = 3  # zlib: level 6 is 2.5x slower for 10% fewer bytes
DOT_PX = 18  # the regressor's value: matplotlib's 13-point marker at 100 dpi


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@functools.cache
def _blend(colour: str, share: float) -> tuple[int, int, int]:
    """`colour` laid at `share` (0..1) over white."""
    r, g, b = _hex(colour)
    return tuple(round(255 + (v - 255) * share) for v in (r, g, b))  # type: ignore[return-value]


@functools.cache
def _font_file(bold: bool) -> str:
    return str(findfont(FontProperties(family=c.FONT, weight="bold" if bold else "normal")))


@functools.cache
def _glyphs(bold: bool) -> frozenset[int]:
    """The code points the font draws (others come out as a box)."""
    return frozenset(get_font(_font_file(bold)).get_charmap())


_local = threading.local()


def _font(size: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at `size` points (at charts.DPI), one object per thread: a FreeType face is not
    to be shared by threads drawing at once."""
    fonts: dict[tuple[float, bool], ImageFont.FreeTypeFont] | None = getattr(_local, "fonts", None)
    if fonts is None:
        fonts = _local.fonts = {}
    font = fonts.get((size, bold))
    if font is None:
        font = fonts[size, bold] = ImageFont.truetype(_font_file(bold), size * c.DPI / 72)
    return font


@functools.lru_cache(maxsize=4096)
def _sprite(text: str, size: float, bold: bool, anchor: str) -> tuple[Image.Image | None, int, int]:
    """`text`'s coverage (anti-aliased glyphs) and where its box lies from the anchor point. A
    chart's words repeat from one result to the next (the title, the labels); only its figures
    change, so each text is drawn once and pasted after."""
    missing = {ch for ch in text if ord(ch) not in _glyphs(bold) and not ch.isspace()}
    for ch in sorted(missing):  # drawn as a box; said as matplotlib says it
        warnings.warn(f"Glyph {ord(ch)} ({ch!r}) missing from font(s) {c.FONT}.", stacklevel=3)
    font = _font(size, bold)
    box = font.getbbox(text, anchor=anchor)
    left, top, right, bottom = math.floor(box[0]), math.floor(box[1]), math.ceil(box[2]), math.ceil(box[3])
    if right <= left or bottom <= top:
        return None, 0, 0
    sprite = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(sprite).text((-left, -top), text, font=font, fill=255, anchor=anchor)
    return sprite, left, top


def forget_drawn_words() -> None:
    """Drop the texts drawn so far (and the font's glyph list), as a process just started has
    none: for benchmarks of a cold start."""
    _sprite.cache_clear()
    _glyphs.cache_clear()


class _Canvas:
    """An index image with its palette: flat colours as given, texts anti-aliased on white."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.index = Image.new("L", (width, height), 0)  # 0: white
        self._draw = ImageDraw.Draw(self.index)
        self._solids: list[str] = ["#FFFFFF"]
        self._masks: dict[str, tuple[Image.Image, ImageDraw.ImageDraw]] = {}

    def _solid(self, colour: str) -> int:
        if colour not in self._solids:
            if len(self._solids) == SOLIDS:
                raise ValueError("too many colours for one chart")
            self._solids.append(colour)
        return self._solids.index(colour)

    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        if w < 0:
            x, w = x + w, -w
        x0, y0, x1, y1 = round(x), round(y), round(x + w), round(y + h)
        if x1 > x0 and y1 > y0:
            self._draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=self._solid(colour))

    def dot(self, x: float, y: float, colour: str, diameter: float) -> None:
        r = diameter / 2
        self._draw.ellipse((x - r, y - r, x + r, y + r), fill=self._solid(colour))

    def text(
        self,
        x: float,
        y: float,
        text: str,
        ha: str = "left",
        size: float = 10,
        bold: bool = False,
        colour: str = c.INK,
    ) -> None:
        """`text` vertically centred on `y`; `ha` says which end (or the middle) is at `x`."""
        if colour not in self._masks:
            if len(self._masks) == MAX_TEXT_COLOURS:
                raise ValueError("too many text colours for one chart")
            mask = Image.new("L", (self.width, self.height), 0)
            self._masks[colour] = (mask, ImageDraw.Draw(mask))
        sprite, dx, dy = _sprite(text, size, bold, {"left": "lm", "right": "rm", "center": "mm"}[ha])
        if sprite is not None:
            self._masks[colour][0].paste(sprite, (round(x) + dx, round(y) + dy))

    def png(self) -> bytes:
        index = np.asarray(self.index).copy()
        palette = [_hex(s) for s in self._solids] + [(255, 255, 255)] * (SOLIDS - len(self._solids))
        for n, (colour, (mask, _)) in enumerate(self._masks.items()):
            coverage = np.asarray(mask)
            inked = coverage > 0
            levels = (coverage[inked].astype(np.uint16) * (LEVELS - 1) + 127) // 255
            index[inked] = SOLIDS + n * LEVELS + levels
            palette.extend(_blend(colour, k / (LEVELS - 1)) for k in range(LEVELS))
        image = Image.frombuffer("P", (self.width, self.height), index.tobytes(), "raw", "P", 0, 1)
        image.putpalette([v for rgb in palette for v in rgb])
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=PNG_LEVEL, optimize=False)
        return out.getvalue()


def _title(canvas: _Canvas, title: str) -> None:
    if title:
        text = c.fit(title, c.WIDTH_PX - 2 * c.PAD_PX, 12, True)
        canvas.text(c.PAD_PX, c.TITLE_PX / 2, text, size=12, bold=True)


def probabilities(chart: ProbabilityChart) -> bytes:
    """A classifier's result: a bar per class (the likeliest first, at most MAX_BARS, the answer
    always among them and highlighted), its percentage beside it."""
    n = len(chart.labels)
    if n < 1 or len(chart.probabilities) != n or not 0 <= chart.predicted < n:
        raise ValueError("labels, probabilities and predicted do not match")
    if chart.value_texts and len(chart.value_texts) != n:
        raise ValueError("one value text per bar")
    order = sorted(range(n), key=lambda i: (i != chart.predicted, -chart.probabilities[i], i))[: c.MAX_BARS]
    order.sort(key=lambda i: (-chart.probabilities[i], i))
    left, labels = c.label_column([chart.labels[i] for i in order], [i == chart.predicted for i in order])
    top = c.TITLE_PX if chart.title else c.PAD_PX
    bottom = c.FOOT_PX if chart.axis_label else c.PAD_PX
    canvas = _Canvas(c.WIDTH_PX, top + c.ROW_PX * len(order) + bottom)
    _title(canvas, chart.title)
    span = c.WIDTH_PX - left - c.VALUE_PX - c.PAD_PX
    bar = c.ROW_PX - 2 * c.BAR_GAP_PX
    for row, (i, label) in enumerate(zip(order, labels, strict=True)):
        y = top + c.ROW_PX * row
        mid = y + c.ROW_PX / 2
        value = min(max(float(chart.probabilities[i]), 0.0), 1.0)
        mine = i == chart.predicted
        canvas.rect(left, y + c.BAR_GAP_PX, span, bar, c.TRACK)
        canvas.rect(left, y + c.BAR_GAP_PX, span * value, bar, c.BLUE if mine else c.MUTED)
        canvas.text(left - 8, mid, label, ha="right", bold=mine)
        if chart.value_texts:
            canvas.text(left + span + 8, mid, chart.value_texts[i], bold=mine)
    if chart.axis_label:
        axis_label = c.fit(chart.axis_label, c.WIDTH_PX - 2 * c.PAD_PX, 9)
        canvas.text(left + span / 2, canvas.height - bottom / 2, axis_label, "center", 9, colour=c.GREY_TEXT)
    return canvas.png()


def value_on_range(chart: RangeChart) -> bytes:
    """A regressor's result: its value as a dot on the target's observed range, the typical error
    as a band around it."""
    low, high, value, error = map(float, (chart.low, chart.high, chart.value, chart.error))
    if not low < high or error < 0:
        raise ValueError("the range must have low < high and a non-negative error")
    top = c.TITLE_PX if chart.title else c.PAD_PX
    canvas = _Canvas(c.WIDTH_PX, top + 150 + (c.FOOT_PX if chart.axis_label else 0))
    _title(canvas, chart.title)
    left, right = min(low, value - error), max(high, value + error)  # the band may reach past the range
    x0, x1 = 40.0, c.WIDTH_PX - 40.0

    def px(v: float) -> float:
        return x0 + (v - left) / (right - left) * (x1 - x0)

    axis = top + 70
    canvas.rect(px(value - error), axis - 18, px(value + error) - px(value - error), 36, c.SKY)
    canvas.rect(px(low), axis - 3, px(high) - px(low), 6, c.MUTED)
    canvas.dot(px(value), axis, c.BLUE, DOT_PX)
    canvas.text(px(value), axis - 34, chart.value_text, ha="center", size=13, bold=True)
    for v, text in ((low, chart.low_text), (high, chart.high_text)):
        canvas.rect(px(v), axis + 6, 1, 8, c.INK)
        canvas.text(px(v), axis + 26, text, ha="center", size=9)
    if chart.band_label:
        canvas.rect(x0, axis + 52, 16, 12, c.SKY)
        canvas.text(x0 + 22, axis + 58, c.fit(chart.band_label, 400, 9), size=9)
    if chart.axis_label:
        axis_label = c.fit(chart.axis_label, c.WIDTH_PX - 2 * c.PAD_PX, 9)
        y = canvas.height - c.FOOT_PX / 2
        canvas.text(c.WIDTH_PX / 2, y, axis_label, "center", 9, colour=c.GREY_TEXT)
    return canvas.png()
